"""EG (ECG Test Results) from the eg form: 12-lead ECG intervals, mean heart rate and interpretation."""
from __future__ import annotations

import pandas as pd

from cdisc.algorithms import map_ct, reject_unknown_subjects, standardize, start_domain
from cdisc.context import DomainResult, StudyContext
from cdisc.dates import to_dtc
from cdisc.timing import add_epoch, add_last_before_flag, add_study_day, add_visit, refuse_after_death

METHOD = "12 LEAD STANDARD"


def build(ctx: StudyContext) -> list[DomainResult]:
    form, rejected = reject_unknown_subjects(ctx.raw.form("eg"), ctx.dataset("DM")["SUBJID"], form_name="eg.csv")
    eg = start_domain(form, ctx, "EG")
    # EGTESTCD / EGTEST: CRF test code -> CT aggregate codes (C71153/C71152): HR -> EGHRMN, QTCF -> QTCFAG,
    # INTERP -> INTP
    eg["EGTESTCD"] = map_ct(form["EGTEST"], ctx.codelist("EGTESTCD"), source="eg.csv EGTEST", rows=form["RAW_ROW"])
    eg["EGTEST"] = map_ct(form["EGTEST"], ctx.codelist("EGTEST"), source="eg.csv EGTEST", rows=form["RAW_ROW"])
    # EGSTAT / EGREASND: "not done" box -> ND (the form leaves result and unit blank)
    eg["EGSTAT"] = map_ct(form["EGND"], ctx.codelist("ND"), source="eg.csv EGND", rows=form["RAW_ROW"])
    eg["EGREASND"] = form["EGREASND"]
    # EGORRES / EGORRESU as collected, the unit spelled as in CT UNIT ("msec" -> ms, "bpm" -> beats/min)
    eg["EGORRES"] = form["EGORRES"]
    eg["EGORRESU"] = map_ct(form["EGORRESU"], ctx.codelist("EGUNIT"), source="eg.csv EGORRESU", rows=form["RAW_ROW"])
    # EGSTRESC / EGSTRESN / EGSTRESU: numbers in the test's standard unit, interpretation copied (MT.STRES)
    std = standardize(eg["EGORRES"], eg["EGORRESU"], eg["EGTESTCD"], ctx.design("unit_conversions"),
                             source="eg.csv EGORRES", rows=eg["RAW_ROW"])
    eg = eg.assign(EGSTRESC=std["STRESC"], EGSTRESN=std["STRESN"], EGSTRESU=std["STRESU"])
    # EGMETHOD: every protocol ECG is a standard 12-lead recording
    eg["EGMETHOD"] = pd.Series(METHOD, index=eg.index).where(eg["EGSTAT"].eq(""), "")
    # EGCLSIG: investigator's assessment, only where assessed
    eg["EGCLSIG"] = map_ct(form["EGCLSIG"], ctx.codelist("NY"), source="eg.csv EGCLSIG", rows=form["RAW_ROW"])
    # EGDTC: ECG date and time; VISITNUM / VISIT from TV; EGDY; EPOCH from SE
    eg["EGDTC"] = to_dtc(form["EGDAT"], form["EGTIM"])
    eg["VISIT"] = form["VISIT"]
    eg = add_visit(eg, ctx.dataset("TV"), visit="VISIT", dtc="EGDTC", sv=ctx.dataset("SV"))
    refuse_after_death(eg, ctx.dataset("DM"), dtc="EGDTC", source="eg.csv EGDAT", rows=form["RAW_ROW"])
    eg = add_study_day(eg, ctx.dataset("DM"), dtc="EGDTC", dy="EGDY")
    eg = add_epoch(eg, ctx.dataset("SE"), dtc="EGDTC")
    # EGLOBXFL: last non-missing result on or before the IM96 infusion, per test (MT.LOBXFL)
    eg = add_last_before_flag(eg, ctx.dataset("DM"), by=["EGTESTCD"], dtc="EGDTC", result="EGORRES",
                              flag="EGLOBXFL")
    return [DomainResult("EG", eg, rejected=rejected)]
