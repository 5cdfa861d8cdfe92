"""IM96 ADTTE: OS, PFS and DOR (BDS-TTE), with the FDA PFS censoring table mapped to distinct CNSR codes.

Rules: specs/im96/adam/methods/adtte.csv. Time origin STARTDT = infusion (ADSL.TRTSDT) for OS and PFS, the
first date of the confirmed response (ADRS CBOR) for DOR; AVAL = ADT - STARTDT + 1 days.
Populations: OS on SAFFL = "Y"; PFS and DOR on EFFFL = "Y" (DOR: confirmed responders only).
"""
from __future__ import annotations

import pandas as pd

from cdisc.context import AnalysisContext, DomainResult
from cdisc.derive.tte import CensorSource, EventSource, MissedVisitCensor, derive_param_tte
from cdisc.errors import DerivationError
from mappings.im96.adam.adrs import ADSL_VARS, analysis_subjects, as_date, select_spec

# Tumour assessments at Day 28, Months 2, 3, 6, 9, 12: the longest interval is 3 months (91 days) with a
# +/-14-day window, so "two or more missed assessments" = more than 2 x 91 + 14 = 196 days without one.
MAX_GAP_DAYS = 196
CNSR = {"NOBASE": 1, "NOPOST": 2, "NOEVENT": 3, "NACT": 4, "MISSED": 5}


def build(ctx: AnalysisContext) -> list[DomainResult]:
    adsl = analysis_subjects(ctx.adam("ADSL"), ctx.sdtm("CM"))
    adtte = build_adtte(adsl, ctx.adam("ADRS"), ctx.adam("ADTR"))
    return [DomainResult("ADTTE", select_spec(adtte, ctx, "ADTTE"))]


def _param(adrs: pd.DataFrame, paramcd: str) -> pd.DataFrame:
    """ADRS records of one parameter with their dates, renamed to their SDTM source (RSDTC/RSSEQ, DSSTDTC/DSSEQ)."""
    p = adrs.loc[adrs["PARAMCD"].eq(paramcd), ["USUBJID", "AVALC", "ADT", "ANL01FL", "SRCSEQ"]]
    p = p.assign(ADT=as_date(p["ADT"]))
    p = p[p["ADT"].notna()]
    return p.assign(RSDTC=p["ADT"], RSSEQ=p["SRCSEQ"], DSSTDTC=p["ADT"], DSSEQ=p["SRCSEQ"])


def tte_subjects(adsl: pd.DataFrame, adrs: pd.DataFrame, adtr: pd.DataFrame) -> pd.DataFrame:
    """Subject-level inputs: HASBASE (baseline SUMDIAM or baseline TR visit), HASPOST (an LSTA), NACTDT."""
    base = adtr[adtr["PARAMCD"].eq("SUMDIAM") & adtr["ABLFL"].eq("Y")]["USUBJID"]
    has_base = set(base) | set(adrs.loc[adrs["PARAMCD"].eq("OVRDER"), "USUBJID"])
    has_post = set(adrs.loc[adrs["PARAMCD"].eq("LSTA"), "USUBJID"])
    return adsl.assign(HASBASE=adsl["USUBJID"].isin(has_base), HASPOST=adsl["USUBJID"].isin(has_post))


def check_deaths(adsl: pd.DataFrame, death: pd.DataFrame) -> None:
    """A death dated before the infusion of an infused subject is a source error: stop with its name."""
    d = death.merge(adsl[["USUBJID", "TRTSDT"]], on="USUBJID")
    bad = d[d["ADT"] < d["TRTSDT"]]
    if len(bad):
        raise DerivationError(f"ADTTE: death date before the infusion (ADSL.TRTSDT) for "
                              f"{', '.join(bad['USUBJID'])}; fix DS/DM death dates or TRTSDT before analysing OS/PFS")


def overall_survival(subj: pd.DataFrame, death: pd.DataFrame) -> pd.DataFrame:
    """OS (MT.ADTTE.OS): event death; censored at ADSL.LSTALVDT (SAFFL = Y)."""
    pop = subj[subj["SAFFL"].eq("Y")].assign(LSTALVDT=lambda d: as_date(d["LSTALVDT"]))
    return derive_param_tte(
        pop, sources={"death": death, "adsl": pop}, start_date="TRTSDT", paramcd="OS",
        param="Overall Survival (Days)",
        event_sources=[EventSource(dataset_name="death", date="DSSTDTC", srcdom="DS", srcseq="DSSEQ",
                                   set_values={"EVNTDESC": "DEATH"})],
        censor_sources=[CensorSource(dataset_name="adsl", date="LSTALVDT", censor=1, srcdom="ADSL",
                                     set_values={"EVNTDESC": "ALIVE", "CNSDTDSC": "DATE LAST KNOWN ALIVE"})])


def _events(pd_rec: pd.DataFrame, death: pd.DataFrame) -> tuple[dict, list[EventSource]]:
    """PD and death count as events only with a baseline assessment and before any new anticancer therapy."""
    def keep(d: pd.DataFrame, col: str) -> pd.Series:
        return d["HASBASE"] & ~(d[col] >= d["NACTDT"])
    srcs = [EventSource(dataset_name="pd", date="RSDTC", srcdom="RS", srcseq="RSSEQ",
                        filter=lambda d: keep(d, "RSDTC"), set_values={"EVNTDESC": "DISEASE PROGRESSION"}),
            EventSource(dataset_name="death", date="DSSTDTC", srcdom="DS", srcseq="DSSEQ",
                        filter=lambda d: keep(d, "DSSTDTC"), set_values={"EVNTDESC": "DEATH"})]
    return {"pd": pd_rec, "death": death}, srcs


def _censors(lsta: pd.DataFrame, subj: pd.DataFrame, start: str) -> tuple[dict, list[CensorSource]]:
    """FDA table rows -> CNSR 1..4 (row 5, missed assessments, is the MissedVisitCensor)."""
    at_start = {"CNSDTDSC": "INFUSION DATE"}
    at_lsta = {"CNSDTDSC": "LAST ADEQUATE TUMOR ASSESSMENT"}
    srcs = [CensorSource(dataset_name="subj", date=start, censor=CNSR["NOBASE"], srcdom="ADSL",
                         filter=lambda d: ~d["HASBASE"],
                         set_values={"EVNTDESC": "NO BASELINE TUMOR ASSESSMENT", **at_start}),
            CensorSource(dataset_name="subj", date=start, censor=CNSR["NOPOST"], srcdom="ADSL",
                         filter=lambda d: d["HASBASE"] & ~d["HASPOST"],
                         set_values={"EVNTDESC": "NO ADEQUATE POST-BASELINE TUMOR ASSESSMENT", **at_start}),
            CensorSource(dataset_name="lsta", date="RSDTC", censor=CNSR["NOEVENT"], srcdom="RS", srcseq="RSSEQ",
                         filter=lambda d: d["HASBASE"] & d["NACTDT"].isna(),
                         set_values={"EVNTDESC": "NO PROGRESSION OR DEATH", **at_lsta}),
            CensorSource(dataset_name="lsta", date="RSDTC", censor=CNSR["NACT"], srcdom="RS", srcseq="RSSEQ",
                         filter=lambda d: d["HASBASE"] & d["NACTDT"].notna(),
                         set_values={"EVNTDESC": "NEW ANTICANCER THERAPY BEFORE PROGRESSION OR DEATH", **at_lsta})]
    return {"lsta": lsta, "subj": subj}, srcs


def _missed(assessments: pd.DataFrame) -> tuple[dict, MissedVisitCensor]:
    return {"adequate": assessments}, MissedVisitCensor(
        dataset_name="adequate", date="RSDTC", censor=CNSR["MISSED"], srcdom="RS", srcseq="RSSEQ",
        max_gap_days=MAX_GAP_DAYS, set_values={"EVNTDESC": "PROGRESSION OR DEATH AFTER TWO OR MORE MISSED "
                                               "ASSESSMENTS", "CNSDTDSC": "LAST ADEQUATE TUMOR ASSESSMENT"})


def pfs_or_dor(subj: pd.DataFrame, adrs: pd.DataFrame, *, paramcd: str, param: str,
               start: str) -> pd.DataFrame:
    """PFS (MT.ADTTE.PFS) or DOR (MT.ADTTE.DOR): events PD/death, FDA censoring rows as CNSR 1-5."""
    ovr = _param(adrs, "OVR")
    adequate = ovr[ovr["ANL01FL"].eq("Y") & ovr["AVALC"].ne("NE")]
    ev_data, events = _events(_param(adrs, "PD"), _param(adrs, "DEATH"))
    cn_data, censors = _censors(_param(adrs, "LSTA"), subj, start)
    mv_data, missed = _missed(adequate)
    return derive_param_tte(subj, sources={**ev_data, **cn_data, **mv_data}, start_date=start, paramcd=paramcd,
                            param=param, event_sources=events, censor_sources=censors, missed_visit=missed)


def build_adtte(adsl: pd.DataFrame, adrs: pd.DataFrame, adtr: pd.DataFrame) -> pd.DataFrame:
    """OS, PFS, DOR records for the analysis populations, with ADSL variables."""
    subj = tte_subjects(adsl, adrs, adtr)
    death = _param(adrs, "DEATH")
    check_deaths(subj, death)
    os_ = overall_survival(subj, death)
    eff = subj[subj["EFFFL"].eq("Y")]
    pfs = pfs_or_dor(eff, adrs, paramcd="PFS", param="Progression-Free Survival (Days)", start="TRTSDT")
    # DOR: confirmed responders; time origin = onset of the confirmed response (ADRS RSP = Y, its ADT)
    rsp = _param(adrs, "RSP")
    resp = rsp[rsp["AVALC"].eq("Y")][["USUBJID", "ADT"]].rename(columns={"ADT": "RSPSTDT"})
    dor_pop = eff.merge(resp, on="USUBJID", how="inner")
    dor = pfs_or_dor(dor_pop, adrs, paramcd="DOR", param="Duration of Confirmed Response (Days)",
                     start="RSPSTDT")
    out = pd.concat([os_, pfs, dor], ignore_index=True)
    out["AVALU"] = "DAYS"
    keep = [c for c in ("STUDYID", "TRTSDT", *ADSL_VARS) if c in adsl.columns]
    return out.merge(adsl[["USUBJID", *keep]], on="USUBJID", how="left")
