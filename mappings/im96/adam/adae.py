"""ADAE (OCCDS v1.1, SubClass ADVERSE EVENT): one record per AE record, traced by AESEQ.

Rules and sources: specs/im96/adam/methods/adae.csv (MT.ADAE.*). Treatment start is the IM96 infusion
(ADSL.TRTSDT); events of the lymphodepletion days before it are flagged LDEMFL, not TRTEMFL.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from cdisc.context import AnalysisContext, DomainResult
from cdisc.derive.dates import compute_dt_from_sas, compute_duration, compute_study_day, derive_vars_dt
from cdisc.derive.flags import derive_var_extreme_flag, derive_var_trtemfl
from cdisc.errors import DerivationError
from cdisc.issues import Issue

ADSL_VARS = ["USUBJID", "SUBJID", "SITEID", "AGE", "AGEGR1", "SEX", "RACE", "SAFFL", "DLTEVLFL", "TRTSDT",
             "TRTEDT", "LDSTDT", "DTHDT"]
ADSL_DATES = ["TRTSDT", "TRTEDT", "LDSTDT", "DTHDT"]
SUPP_QNAMS = ["AEDLT", "AETOXSCL", "AERELLD"]
TEAE_WINDOW_DAYS = 90  # MT.ADAE.TRTEMFL: infusion day up to 90 days after it
DLT_WINDOW = (1, 28)  # protocol DLT observation period, Day 1-28
RELATED = ("POSSIBLY RELATED", "PROBABLY RELATED", "DEFINITELY RELATED")  # MT.ADAE.AREL
CRS_PT = "Cytokine release syndrome"
ICANS_PT = "Immune effector cell-associated neurotoxicity syndrome"


def build(ctx: AnalysisContext) -> list[DomainResult]:
    adsl = ctx.adam("ADSL")
    adsl = adsl.assign(**{c: compute_dt_from_sas(adsl[c]) for c in ADSL_DATES})
    # AE + SUPPAE qualifiers + ADSL dates; ASTDT/AENDT imputed with flags, ASTDY/AENDY (MT.ADAE.ASTDT, AENDT)
    adae = ae_with_dates(ctx.sdtm("AE"), ctx.sdtm("SUPPAE"), adsl, data_cut=ctx.spec.study.data_cut)
    # Subject-level variables from ADSL; TRTA/TRTAN = TRT01A/TRT01AN (single period)
    adae = adae.merge(adsl[ADSL_VARS + ["TRT01A", "TRT01AN"]].drop(columns=["TRTSDT", "DTHDT"]), on="USUBJID")
    adae = adae.rename(columns={"TRT01A": "TRTA", "TRT01AN": "TRTAN"})
    # ADURN/ADURU (MT.ADAE.ADURN)
    adae = adae.assign(ADURN=compute_duration(adae["ASTDT"], adae["AENDT"]))
    adae = adae.assign(ADURU=np.where(adae["ADURN"].notna(), "DAYS", ""))
    # TRTEMFL: infusion day .. infusion + 90 days (MT.ADAE.TRTEMFL); LDEMFL: lymphodepletion to infusion
    adae = derive_var_trtemfl(adae, start_date="ASTDT", end_date="AENDT", trt_start="TRTSDT", trt_end="TRTEDT",
                              end_window_days=TEAE_WINDOW_DAYS)
    adae = _ldemfl(adae)
    # ATOXGR/ATOXGRN, AREL (MT.ADAE.ATOXGR, MT.ADAE.AREL)
    adae = adae.assign(ATOXGR=adae["AETOXGR"], ATOXGRN=pd.to_numeric(adae["AETOXGR"].replace("", None)),
                       AREL=np.where(adae["AEREL"].isin(RELATED) | adae["AEREL"].eq(""), "RELATED", "NOT RELATED"))
    # DLTFL, CRSFL, ICANSFL, TRAE28FL (MT.ADAE.DLTFL, CRSFL, ICANSFL, TRAE28FL)
    adae = _safety_flags(adae)
    # Report DLT marks outside the window and TEAEs timed before the infusion on the infusion day
    issues = _late_dlts(adae) + _timed_before_infusion(adae, ctx.adam("ADSL"))
    # AOCCFL, AOCCSFL, AOCCPFL, AOCCIFL among TRTEMFL = 'Y' records (MT.ADAE.AOCCFL ...)
    adae = _occurrence_flags(adae)
    # Keep the spec variables (the other AE/SUPPAE columns were only inputs)
    return [DomainResult("ADAE", adae[[v.name for v in ctx.spec.variables_of("ADAE")]], issues=tuple(issues))]


def ae_with_dates(ae: pd.DataFrame, supp: pd.DataFrame, adsl: pd.DataFrame, *,
                  data_cut: object | None = None) -> pd.DataFrame:
    """AE with its SUPPAE qualifiers as columns and the analysis dates ASTDT/ASTDTF, AENDT/AENDTF, ASTDY, AENDY.

    Shared with ADSL (DLTEVLFL needs the DLT start day). `adsl` needs USUBJID, TRTSDT, DTHDT. An AE of a
    subject who is not in ADSL stops the derivation.
    """
    orphans = sorted(set(ae["USUBJID"]) - set(adsl["USUBJID"]))
    if orphans:
        raise DerivationError(f"ADAE: {len(orphans)} subject(s) have AE records but no DM/ADSL record: "
                              f"{orphans[:5]}; fix DM or AE before ADaM.")
    out = _with_supp(ae, supp).merge(adsl[["USUBJID", "TRTSDT", "DTHDT"]], on="USUBJID", how="left")
    out = out.assign(DCUTDT=pd.Timestamp(data_cut) if data_cut is not None else pd.NaT)
    out = derive_vars_dt(out, new_vars_prefix="AST", dtc="AESTDTC", highest_imputation="M",
                         date_imputation="first", min_dates=["TRTSDT"])
    out = derive_vars_dt(out, new_vars_prefix="AEN", dtc="AEENDTC", highest_imputation="M",
                         date_imputation="last", max_dates=["DTHDT", "DCUTDT"])
    return out.drop(columns=["DCUTDT"]).assign(ASTDY=compute_study_day(out["ASTDT"], out["TRTSDT"]),
                                               AENDY=compute_study_day(out["AENDT"], out["TRTSDT"]))


def _with_supp(ae: pd.DataFrame, supp: pd.DataFrame) -> pd.DataFrame:
    """SUPPAE QVAL by QNAM (IDVAR = AESEQ) as columns of AE; blank when a record has no such qualifier."""
    rows = supp[(supp["RDOMAIN"] == "AE") & (supp["IDVAR"] == "AESEQ") & supp["QNAM"].isin(SUPP_QNAMS)]
    wide = rows.assign(AESEQ=pd.to_numeric(rows["IDVARVAL"])).pivot(index=["USUBJID", "AESEQ"], columns="QNAM",
                                                                     values="QVAL")
    wide = wide.reindex(columns=SUPP_QNAMS).reset_index()
    out = ae.merge(wide, on=["USUBJID", "AESEQ"], how="left")
    return out.assign(**{q: out[q].fillna("") for q in SUPP_QNAMS})


def _ldemfl(adae: pd.DataFrame) -> pd.DataFrame:
    """LDEMFL = 'Y' when LDSTDT <= ASTDT and (ASTDT < TRTSDT, or the subject was never infused)."""
    after_ld = adae["LDSTDT"].notna() & (adae["ASTDT"] >= adae["LDSTDT"])
    before_inf = adae["TRTSDT"].isna() | (adae["ASTDT"] < adae["TRTSDT"])
    return adae.assign(LDEMFL=np.where(after_ld & before_inf, "Y", ""))


def _late_dlts(adae: pd.DataFrame) -> list[Issue]:
    """AEs the investigator marked DLT that start outside Day 1-28: they get no DLTFL, and are reported."""
    late = adae.loc[(adae["AEDLT"] == "Y") & ~adae["ASTDY"].between(*DLT_WINDOW), ["USUBJID", "AESEQ", "ASTDY"]]
    return [Issue("warning", "ADAE_DLT_OUTSIDE_WINDOW", "ADAE", "marked DLT (SUPPAE AEDLT = Y) but starts outside "
                  "Day 1-28: no DLTFL", variable="ASTDY", row=f"{r.USUBJID} AESEQ {r.AESEQ:g}", value=f"{r.ASTDY:g}")
            for r in late.itertuples()]


def _safety_flags(adae: pd.DataFrame) -> pd.DataFrame:
    in_window = adae["ASTDY"].between(*DLT_WINDOW)
    flags = {"DLTFL": (adae["AEDLT"] == "Y") & in_window, "CRSFL": adae["AEDECOD"] == CRS_PT,
             "ICANSFL": adae["AEDECOD"] == ICANS_PT, "TRAE28FL": (adae["AREL"] == "RELATED") & in_window}
    return adae.assign(**{k: np.where(v, "Y", "") for k, v in flags.items()})


def _timed_before_infusion(adae: pd.DataFrame, adsl: pd.DataFrame) -> list[Issue]:
    """TEAEs whose start time on the infusion day is before the infusion start (ADSL.TRTSDTM): kept as TEAE by
    date (MT.ADAE.TRTEMFL) and reported, so the AE or infusion time can be checked."""
    start = pd.to_datetime(adae["AESTDTC"].where(adae["AESTDTC"].str.len() >= 16), format="ISO8601")
    trtsdtm = adae["USUBJID"].map(adsl.set_index("USUBJID")["TRTSDTM"].pipe(compute_dt_from_sas, unit="seconds"))
    early = adae.loc[(adae["TRTEMFL"] == "Y") & (start < trtsdtm), ["USUBJID", "AESEQ", "AESTDTC"]]
    return [Issue("warning", "ADAE_TEAE_BEFORE_INFUSION_TIME", "ADAE", "treatment-emergent by date but timed before "
                  "the infusion start on the infusion day", variable="AESTDTC",
                  row=f"{r.USUBJID} AESEQ {r.AESEQ:g}", value=r.AESTDTC) for r in early.itertuples()]


def _occurrence_flags(adae: pd.DataFrame) -> pd.DataFrame:
    teae = adae["TRTEMFL"] == "Y"
    out = adae.assign(_GRDESC=-adae["ATOXGRN"].fillna(0))
    order = ["ASTDT", "AESEQ"]
    out = derive_var_extreme_flag(out, by=["USUBJID"], order=order, new_var="AOCCFL", where=teae)
    out = derive_var_extreme_flag(out, by=["USUBJID", "AEBODSYS"], order=order, new_var="AOCCSFL", where=teae)
    out = derive_var_extreme_flag(out, by=["USUBJID", "AEBODSYS", "AEDECOD"], order=order, new_var="AOCCPFL",
                                  where=teae)
    out = derive_var_extreme_flag(out, by=["USUBJID"], order=["_GRDESC", *order], new_var="AOCCIFL", where=teae)
    return out.drop(columns=["_GRDESC"])
