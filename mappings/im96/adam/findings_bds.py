"""BDS steps shared by the findings analysis datasets ADLB, ADVS and ADEG: parameters from SDTM results,
ADSL variables, the pre-infusion rule, baseline and change, analysis windows, and the clinically-significant
flag within 28 days. Rules: specs/im96/adam/methods/{adlb,advs,adeg}.csv.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from cdisc.algorithms import map_ct
from cdisc.context import AnalysisContext
from cdisc.dates import dtc_date
from cdisc.derive.baseline import derive_var_ablfl, derive_var_base, derive_vars_chg
from cdisc.derive.dates import compute_dt_from_sas, compute_study_day
from cdisc.derive.visits import VisitWindow, derive_var_closest_flag, derive_vars_visit_window
from cdisc.distinct import (
    by_distinct,
    carried_codes,
    distinct_rows,
    either,
    mapped,
    positions_in,
    remembered,
    subject_values,
)
from cdisc.errors import DerivationError
from cdisc.spec.model import Spec

# MT.ADLB/ADVS/ADEG.AVISIT: post-infusion analysis windows on ADY (targets = TV planned days); AVISITN = target
WINDOWS = (VisitWindow("Day 28", 28, 28, 21, 35), VisitWindow("Month 3", 90, 90, 76, 105),
           VisitWindow("Month 6", 180, 180, 151, 210), VisitWindow("Month 12", 365, 365, 320, 410))
BASELINE_VISIT = ("Baseline", 0.0)
CS_WINDOW = (1, 28)  # MT.ADLB.CSABN28F: DLT window, days after infusion
ADSL_VARS = {"TRT01A": "TRTA", "TRT01AN": "TRTAN", "SAFFL": "SAFFL", "TRTSDT": "TRTSDT", "TRTSDTM": "TRTSDTM"}


def start_bds(ctx: AnalysisContext, dom: str, paramcd_codelist: str, *, src: pd.DataFrame | None = None
              ) -> pd.DataFrame:
    """SDTM findings with results -> BDS skeleton: parameters, AVAL/AVALC, dates, ADSL variables, source.
    `src` replaces `ctx.sdtm(dom)` when the builder has already set records aside (e.g. VS HEIGHT)."""
    src = ctx.sdtm(dom) if src is None else src
    done = src[f"{dom}STAT"].ne("NOT DONE")
    src = src if done.all() else src[done]
    codes = ctx.spec.codelist(paramcd_codelist)
    # each distinct test code and date is looked up / parsed once
    paramcd = by_distinct(src[f"{dom}TESTCD"], lambda s: map_ct(s, codes, source=f"{dom}.{dom}TESTCD"))
    dates = by_distinct(src[f"{dom}DTC"], lambda dtc: pd.DataFrame({"ADT": dtc_date(dtc), "ADTM": _datetime(dtc)}))
    bds = src.assign(PARAMCD=paramcd, PARAM=mapped(paramcd, codes.decode),
                     PARAMN=mapped(paramcd, {t.term: t.order for t in codes.terms}),
                     AVAL=src[f"{dom}STRESN"], AVALC=src[f"{dom}STRESC"], ADT=dates["ADT"], ADTM=dates["ADTM"],
                     SRCDOM=dom, SRCVAR=either(src[f"{dom}STRESN"].notna(), f"{dom}STRESN", f"{dom}STRESC"),
                     SRCSEQ=src[f"{dom}SEQ"])
    check_units(bds, unit=f"{dom}STRESU")
    bds = merge_adsl(bds, ctx.adam("ADSL"), dom=dom)
    check_after_death(bds, ctx.adam("ADSL"), dom=dom)
    return bds.assign(ADY=compute_study_day(bds["ADT"], bds["TRTSDT"]))


def check_after_death(bds: pd.DataFrame, adsl: pd.DataFrame, *, dom: str) -> None:
    """A result dated after the subject's death (ADSL.DTHDT) is inconsistent SDTM: stop, naming the records."""
    death = subject_values(bds["USUBJID"], adsl, "DTHDT")
    late = bds[bds["ADT"] > compute_dt_from_sas(death)]
    if len(late):
        shown = ", ".join(f"{u} {dom}SEQ={int(q)}" for u, q in zip(late["USUBJID"], late["SRCSEQ"], strict=True))
        raise DerivationError(f"{dom}: {len(late)} record(s) are dated after the subject's death (ADSL.DTHDT): "
                              f"{shown[:200]}; fix {dom}DTC or DM.DTHDTC in SDTM.")


def merge_adsl(bds: pd.DataFrame, adsl: pd.DataFrame, *, dom: str) -> pd.DataFrame:
    """TRTA/TRTAN/SAFFL from ADSL (TRT01A/TRT01AN/SAFFL), plus TRTSDT/TRTSDTM as datetimes for the timing."""
    positions = positions_in(bds["USUBJID"], pd.Index(adsl["USUBJID"]))
    if (positions < 0).any():
        unknown = sorted(set(bds["USUBJID"][positions < 0]))
        raise DerivationError(f"{dom}: {len(unknown)} subject(s) have records but no ADSL record: {unknown[:5]}")
    sub = adsl[list(ADSL_VARS)].rename(columns=ADSL_VARS)
    sub = sub.assign(TRTSDT=compute_dt_from_sas(sub["TRTSDT"]),
                     TRTSDTM=compute_dt_from_sas(sub["TRTSDTM"], unit="seconds"))
    out = pd.concat([bds, sub.iloc[positions].set_axis(bds.index)], axis=1)
    return remembered(out, {new: codes for old, new in ADSL_VARS.items()
                            if (codes := carried_codes(adsl[old], positions)) is not None})


def pre_infusion(bds: pd.DataFrame, *, post_tpt: pd.Series | None) -> pd.Series:
    """Record taken before the infusion (MT.<DS>.ABLFL): ADT < TRTSDT, or ADT = TRTSDT and ADTM <= TRTSDTM; a
    Day 1 record without time is pre-infusion unless `post_tpt` (a mask, e.g. VSTPT = POST-INFUSION) says not."""
    same_day = bds["ADT"].eq(bds["TRTSDT"])
    timed = bds["ADTM"].notna() & bds["TRTSDTM"].notna()
    untimed_pre = ~timed if post_tpt is None else ~timed & ~post_tpt
    return (bds["ADT"] < bds["TRTSDT"]) | same_day & (timed & (bds["ADTM"] <= bds["TRTSDTM"]) | untimed_pre)


def add_baseline(bds: pd.DataFrame) -> pd.DataFrame:
    """ABLFL (last pre-infusion record with a result), BASE, CHG and PCHG on post-infusion records only."""
    bds = derive_var_ablfl(bds, by=["USUBJID", "PARAMCD"], order=["ADT", "ADTM"], where=bds["PRE"],
                           source="AVALC")
    bds = derive_var_base(bds, by=["USUBJID", "PARAMCD"])
    bds = derive_vars_chg(bds)
    post = ~bds["PRE"] & bds["TRTSDT"].notna()
    return bds.assign(CHG=bds["CHG"].where(post), PCHG=bds["PCHG"].where(post))


def add_windows(bds: pd.DataFrame, windows: tuple[VisitWindow, ...]) -> pd.DataFrame:
    """AVISIT/AVISITN/AW* (baseline record = Baseline, post-infusion records windowed) and ANL01FL."""
    bds = derive_vars_visit_window(bds, windows=windows, where=~bds["PRE"])
    base = bds["ABLFL"].eq("Y")
    bds.loc[base, ["AVISIT", "AVISITN"]] = BASELINE_VISIT
    bds = derive_var_closest_flag(bds, by=["USUBJID", "PARAMCD", "AVISITN"], order=["ADTM", "SRCSEQ"],
                                  where=bds["AVALC"].ne("") & ~bds["PRE"])
    return bds.assign(ANL01FL=np.where(base, "Y", bds["ANL01FL"]))


def add_cs28(bds: pd.DataFrame, clsig: str) -> pd.DataFrame:
    """CSABN28F: clinically significant (--CLSIG = Y) on a post-infusion record with ADY in the DLT window."""
    in_window = ~bds["PRE"] & bds["ADY"].between(*CS_WINDOW)
    return bds.assign(CSABN28F=either(bds[clsig].eq("Y") & in_window, "Y"))


def check_units(bds: pd.DataFrame, *, unit: str) -> None:
    """Every parameter holds one standard unit, the one written in PARAM's parentheses (PARAM is the spec's)."""
    pairs = bds[["PARAMCD", "PARAM", unit]]
    _, first = distinct_rows(pairs)  # each distinct (parameter, unit) once
    for (paramcd, param), units in pairs.iloc[first].groupby(["PARAMCD", "PARAM"])[unit]:
        found = sorted(set(units) - {""})
        expected = param.rsplit("(", 1)[1].rstrip(")") if param.endswith(")") else None
        if found and found != [expected]:
            raise DerivationError(f"{paramcd}: standard unit(s) {found} in the data but PARAM is {param!r}; "
                                  f"fix the SDTM standardisation or the PARAMCD codelist decode")


def spec_columns(bds: pd.DataFrame, spec: Spec, dataset: str) -> pd.DataFrame:
    """The spec variables of `dataset` that the frame holds (helper columns and SDTM leftovers dropped)."""
    return bds[[v.name for v in spec.variables_of(dataset) if v.name in bds.columns]]


def _datetime(dtc: pd.Series) -> pd.Series:
    """ISO 8601 datetime with hh:mm -> datetime64; a date without time -> NaT (no time imputation)."""
    timed = dtc.str.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?")
    return pd.to_datetime(dtc.where(timed), format="ISO8601")
