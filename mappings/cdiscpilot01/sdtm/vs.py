"""VS (Vital Signs) from vs_raw, whose tests stand side by side (one column per test): wide to long, then the
timing, standard results and baseline flag. Methods MT.VS.* in the spec."""
from __future__ import annotations

import numpy as np
import pandas as pd

from cdisc.algorithms import (
    map_ct,
    refuse_records,
    reject_unknown_subjects,
    split_rejected,
    standardize,
    start_domain,
)
from cdisc.context import DomainResult, StudyContext
from cdisc.findings import wide_to_long
from cdisc.timing import add_last_before_flag, add_study_day, refuse_after_death
from mappings.cdiscpilot01.sdtm.visits import add_visit

NOT_DONE = "NOT DONE"


def build(ctx: StudyContext) -> list[DomainResult]:
    form, rejected = reject_unknown_subjects(ctx.raw.form("vs_raw"), ctx.raw.form("dm_raw")["PATNUM"],
                                             form_name="vs_raw.csv", field="PATNUM")
    tests = ctx.design("vs_tests")
    # one record per row and test with a result; a row with a time point but no result is not done (MT.VS.WIDE);
    # a row with neither names no test: it is rejected
    no_result = form[list(tests["FIELD"])].eq("").all(axis=1)
    form, empty = split_rejected(form, no_result & form["TMPTC"].eq(""), "vs_raw.csv: the row holds no result, "
                                 "and no time point to name the tests not done")
    rejected = pd.concat([rejected, empty], ignore_index=True)
    not_done = form["TMPTC"].ne("") & no_result[form.index]
    for field, where in tests.loc[tests["LOCFIELD"].ne(""), ["FIELD", "LOCFIELD"]].values:  # a location of no result
        refuse_records(form[where].ne("") & form[field].eq(""), form[where], source=f"vs_raw.csv {where}",
                       rows=form["RAW_ROW"], what=f"location(s) on a row without {field}")
    long = wide_to_long(form, tests, result="ORRES", keep_blank=not_done)
    long = long[long["ORRES"].ne("") | long["TIMED"].eq("Y")].reset_index(drop=True)
    vs = start_domain(long, ctx, "VS")
    # VSTESTCD / VSTEST: the test of the field and its CT name
    vs["VSTESTCD"] = map_ct(long["VSTESTCD"], ctx.codelist("VSTESTCD"), source="design/vs_tests.csv")
    vs["VSTEST"] = map_ct(vs["VSTESTCD"], ctx.codelist("VSTEST"), source="VSTESTCD")
    # VSORRES without the EDC's zero padding (MT.VS.ORRES); VSORRESU: the unit printed on the CRF
    vs["VSORRES"] = long["ORRES"].str.replace(r"^0+(?=\d)", "", regex=True)
    vs["VSSTAT"] = np.where(vs["VSORRES"].eq(""), NOT_DONE, "")
    vs["VSORRESU"] = map_ct(long["VSORRESU"].where(vs["VSORRES"].ne(""), ""), ctx.codelist("VSRESU"),
                            source="design/vs_tests.csv")
    # VSSTRESC / VSSTRESN / VSSTRESU (MT.STRES)
    std = standardize(vs["VSORRES"], vs["VSORRESU"], vs["VSTESTCD"], ctx.design("unit_conversions"),
                      source="vs_raw", rows=vs["RAW_ROW"])
    vs = vs.assign(VSSTRESC=std["STRESC"], VSSTRESN=std["STRESN"], VSSTRESU=std["STRESU"])
    # VSPOS: position; VSLOC: the location field of the test (temperature)
    rows = long["RAW_ROW"]
    vs["VSPOS"] = map_ct(long["SUBPOS"], ctx.codelist("POSITION"), source="vs_raw.csv SUBPOS", rows=rows)
    vs["VSLOC"] = map_ct(location(long), ctx.codelist("LOC"), source="vs_raw.csv IT.TEMP_LOC", rows=rows)
    # VSTPT / VSTPTNUM / VSELTM / VSTPTREF (MT.VS.TPT)
    vs["VSTPT"] = map_ct(long["TMPTC"], ctx.codelist("VSTPT"), source="vs_raw.csv TMPTC", rows=rows)
    points = ctx.design("time_points").set_index("VSTPT")
    vs["VSTPTNUM"] = pd.to_numeric(vs["VSTPT"].map(points["VSTPTNUM"]))
    vs["VSELTM"] = vs["VSTPT"].map(points["VSELTM"]).fillna("")
    vs["VSTPTREF"] = vs["VSTPT"].map(points["VSTPTREF"]).fillna("")
    # VSDTC, VISITNUM / VISIT / VISITDY (MT.VISIT), VSDY
    vs["VSDTC"] = ctx.raw.dtc(long, "VTLD")
    vs = add_visit(vs, long["INSTANCE"], ctx, source="vs_raw.csv INSTANCE", rows=rows)
    refuse_after_death(vs, ctx.dataset("DM"), dtc="VSDTC", source="vs_raw.csv VTLD", rows=rows)
    vs = add_study_day(vs, ctx.dataset("DM"), dtc="VSDTC", dy="VSDY")
    # VSLOBXFL: last result on or before the first dose, per test and time point; VSBLFL the same (MT.BLFL)
    vs = add_last_before_flag(vs, ctx.dataset("DM"), by=["VSTESTCD", "VSTPT"], dtc="VSDTC", result="VSORRES",
                              flag="VSLOBXFL")
    vs["VSBLFL"] = vs["VSLOBXFL"]
    return [DomainResult("VS", vs, rejected=rejected)]


def location(long: pd.DataFrame) -> pd.Series:
    """The value of each row's location field (`LOCFIELD` of design/vs_tests.csv), blank where it has none."""
    out = pd.Series("", index=long.index, dtype=object)
    for field in long["LOCFIELD"].unique():
        if field:
            rows = long["LOCFIELD"].eq(field)
            out[rows] = long.loc[rows, field]
    return out
