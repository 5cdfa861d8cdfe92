"""ADVS (vital signs) and ADEG (ECG): one record per subject, parameter and VS/EG record.

Same BDS steps as ADLB (see mappings/im96/adam/findings_bds.py and specs/im96/adam/methods/advs.csv, adeg.csv).
ADVS adds a "Day 1 Post-infusion" window; ADEG adds BASEC for the interpretation and the ICH E14 QTcF categories
CRIT1-CRIT5 (texts in codelists CRITy_ADEG, thresholds below; a test keeps the two in step).
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from cdisc.context import AnalysisContext, DomainResult
from cdisc.derive.baseline import derive_var_base
from cdisc.derive.visits import VisitWindow
from cdisc.errors import DerivationError
from mappings.im96.adam.findings_bds import (
    WINDOWS,
    add_baseline,
    add_cs28,
    add_windows,
    pre_infusion,
    spec_columns,
    start_bds,
)

VS_WINDOWS = (VisitWindow("Day 1 Post-infusion", 1, 1, 1, 1), *WINDOWS)  # MT.ADVS.AVISIT
# MT.ADEG.CRIT1-5 (ICH E14 QTc categories): CRITy -> (variable compared, threshold in ms)
QTCF_CRITERIA = ("CRIT1", "CRIT2", "CRIT3", "CRIT4", "CRIT5")  # rules: the terms of codelists CRITy_ADEG
CRITERION = re.compile(r"^QTcF (increase from baseline )?> (\d+(?:\.\d+)?) ms$")
NOT_ANALYSED_VS = ("HEIGHT",)  # MT.ADVS.PARAMCD: screening-only height is not an ADVS parameter


def build(ctx: AnalysisContext) -> list[DomainResult]:
    return [DomainResult("ADVS", build_advs(ctx)), DomainResult("ADEG", build_adeg(ctx))]


def build_advs(ctx: AnalysisContext) -> pd.DataFrame:
    # Parameters, AVAL/AVALC, ADT/ADTM/ADY, TRTA/SAFFL, SRC* (MT.ADVS.PARAMCD ... MT.ADVS.SRCDOM)
    vs = ctx.sdtm("VS")
    advs = start_bds(ctx, "VS", "PARAMCD_ADVS", src=vs[~vs["VSTESTCD"].isin(NOT_ANALYSED_VS)])
    # Pre-infusion; Day 1 records without time: VSTPT decides (MT.ADVS.ABLFL)
    advs = advs.assign(PRE=pre_infusion(advs, post_tpt=advs["VSTPT"].eq("POST-INFUSION")))
    # ABLFL, BASE, CHG, PCHG; windows incl. Day 1 post-infusion + ANL01FL; CSABN28F
    advs = add_windows(add_baseline(advs), VS_WINDOWS)
    advs = add_cs28(advs, "VSCLSIG")
    return spec_columns(advs, ctx.spec, "ADVS")


def build_adeg(ctx: AnalysisContext) -> pd.DataFrame:
    # Parameters (INTP: AVALC only), dates, ADSL variables, SRC* (MT.ADEG.PARAMCD ... MT.ADEG.SRCDOM)
    adeg = start_bds(ctx, "EG", "PARAMCD_ADEG")
    # Pre-infusion: Day 1 ECG without time = pre-infusion (protocol) (MT.ADEG.ABLFL)
    adeg = adeg.assign(PRE=pre_infusion(adeg, post_tpt=None))
    # ABLFL, BASE/BASEC, CHG, PCHG (MT.ADEG.BASE)
    adeg = add_baseline(adeg)
    adeg = derive_var_base(adeg, by=["USUBJID", "PARAMCD"], source="AVALC", new_var="BASEC")
    # AVISIT/AVISITN/AW*, ANL01FL; CSABN28F; QTcF categories (MT.ADEG.CRIT1-5)
    adeg = add_cs28(add_windows(adeg, WINDOWS), "EGCLSIG")
    adeg = add_qtcf_criteria(adeg, {c: ctx.spec.codelist(f"{c}_ADEG").terms[0].term for c in QTCF_CRITERIA})
    return spec_columns(adeg, ctx.spec, "ADEG")


def parse_criterion(text: str) -> tuple[str, float]:
    """The variable and threshold a CRITy term states: "QTcF > 450 ms" -> ("AVAL", 450.0);
    "QTcF increase from baseline > 30 ms" -> ("CHG", 30.0). Any other wording is a DerivationError."""
    match = CRITERION.match(text)
    if match is None:
        raise DerivationError(f"ADEG: criterion {text!r} is not 'QTcF [increase from baseline ]> N ms'; "
                              f"fix the CRITy_ADEG codelist term")
    return ("CHG" if match.group(1) else "AVAL"), float(match.group(2))


def add_qtcf_criteria(adeg: pd.DataFrame, texts: dict[str, str]) -> pd.DataFrame:
    """CRITy (text) and CRITyFL (Y/N; blank when the compared value is missing) on PARAMCD = QTCF records; the
    variable and threshold of each criterion are read from its text (the spec's CRITy_ADEG codelist term)."""
    qtcf = adeg["PARAMCD"].eq("QTCF")
    out = {}
    for crit, text in texts.items():
        var, limit = parse_criterion(text)
        value = adeg[var].where(qtcf)
        out[crit] = np.where(qtcf, text, "")
        out[f"{crit}FL"] = np.select([value > limit, value.notna()], ["Y", "N"], default="")
    return adeg.assign(**out)
