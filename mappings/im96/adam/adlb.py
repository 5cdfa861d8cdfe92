"""ADLB: one record per subject, lab parameter and LB record (safety labs and the tumour markers CEA, CA 19-9).

The rules and their SDTM sources are in specs/im96/adam/methods/adlb.csv (MT.ADLB.*); the CTCAE v5.0 grading
criteria are the Expression Code of the value-level methods MT.ADLB.ATOXGR.<PARAMCD>. The BDS steps shared
with ADVS/ADEG live in findings_bds.py.
"""
from __future__ import annotations

from cdisc.context import AnalysisContext, DomainResult
from cdisc.derive.baseline import derive_var_anrind, derive_var_base
from cdisc.derive.toxgrade import derive_vars_atoxgr
from cdisc.errors import DerivationError
from cdisc.spec.model import Spec
from mappings.im96.adam.findings_bds import (
    WINDOWS,
    add_baseline,
    add_cs28,
    add_windows,
    pre_infusion,
    spec_columns,
    start_bds,
)


def build(ctx: AnalysisContext) -> list[DomainResult]:
    # PARAMCD/PARAM/PARAMN, AVAL/AVALC, ADT/ADTM/ADY, TRTA/SAFFL, SRC* (MT.ADLB.PARAMCD ... MT.ADLB.SRCDOM)
    adlb = start_bds(ctx, "LB", "PARAMCD_ADLB")
    adlb = adlb.assign(PARCAT1=adlb["LBCAT"], ANRLO=adlb["LBSTNRLO"], ANRHI=adlb["LBSTNRHI"])
    # Pre-infusion: before TRTSDT, or Day 1 at/before TRTSDTM; Day 1 without time = pre (protocol)
    adlb = adlb.assign(PRE=pre_infusion(adlb, post_tpt=None))
    # ABLFL, BASE, CHG/PCHG on post-infusion records (MT.ADLB.ABLFL, BASE, CHG, PCHG)
    adlb = add_baseline(adlb)
    # ANRIND (censored results: LB.LBNRIND), BNRIND (MT.ADLB.ANRIND, BNRIND)
    adlb = derive_var_anrind(adlb, low="ANRLO", high="ANRHI")
    adlb = adlb.assign(ANRIND=adlb["ANRIND"].where(adlb["AVAL"].notna(), adlb["LBNRIND"]))
    adlb = derive_var_base(adlb, by=["USUBJID", "PARAMCD"], source="ANRIND", new_var="BNRIND")
    # ATOXGR/ATOXGRN (CTCAE v5.0 criteria from the spec), BTOXGR/BTOXGRN (MT.ADLB.ATOXGR, BTOXGR)
    adlb = derive_vars_atoxgr(adlb, criteria=grading_criteria(ctx.spec, "ADLB"), censored="AVALC")
    adlb = derive_var_base(adlb, by=["USUBJID", "PARAMCD"], source="ATOXGR", new_var="BTOXGR")
    adlb = derive_var_base(adlb, by=["USUBJID", "PARAMCD"], source="ATOXGRN", new_var="BTOXGRN")
    # AVISIT/AVISITN/AW*, ANL01FL (MT.ADLB.AVISIT, ANL01FL); CSABN28F (MT.ADLB.CSABN28F)
    adlb = add_windows(adlb, WINDOWS)
    adlb = add_cs28(adlb, "LBCLSIG")
    return [DomainResult("ADLB", spec_columns(adlb, ctx.spec, "ADLB"))]


def grading_criteria(spec: Spec, dataset: str) -> dict[str, str]:
    """PARAMCD -> CTCAE criterion text, from the value-level ATOXGR rows and their methods' Expression Code."""
    out = {}
    for vl in spec.value_level_of(dataset):
        if vl.variable != "ATOXGR":
            continue
        (cond,) = spec.where(vl.where_clause)
        code = next(m.code for m in spec.methods if m.id == vl.method)
        if cond.variable != "PARAMCD" or cond.comparator != "EQ" or not code:
            raise DerivationError(f"{dataset}: value-level ATOXGR row {vl.where_clause} must test PARAMCD EQ and "
                                  f"its method {vl.method} must carry the criterion as Expression Code")
        out[cond.values[0]] = code
    return out
