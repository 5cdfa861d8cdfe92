"""DS: protocol milestones (informed consent from ic.csv, eligibility from the ie.csv summary row) and
disposition events per study period (ds.csv: end of screening, of treatment, of study, death).
"""
from __future__ import annotations

import pandas as pd

from cdisc.algorithms import map_ct, refuse_dated, refuse_records, reject_unknown_subjects, start_domain
from cdisc.context import DomainResult, StudyContext
from cdisc.dates import to_dtc
from cdisc.distinct import subject_values
from cdisc.timing import add_epoch, add_study_day, refuse_from_start
from mappings.im96.sdtm.dm import COMPLETED

MILESTONE = "PROTOCOL MILESTONE"
DISPOSITION = "DISPOSITION EVENT"
CONSENT = "INFORMED CONSENT OBTAINED"
CONSENT_TERM = CONSENT + ", PROTOCOL VERSION "
TREATMENT = "TREATMENT"  # the period of the infusion: completed (COMPLETED), the infusion was given


def build(ctx: StudyContext) -> list[DomainResult]:
    subjects = ctx.dataset("DM")["SUBJID"]
    ic, ic_rejected = reject_unknown_subjects(ctx.raw.form("ic"), subjects, form_name="ic.csv")
    ie = ctx.raw.form("ie")
    summary, ie_rejected = reject_unknown_subjects(ie[ie["IETESTCD"].eq("")], subjects, form_name="ie.csv")
    disp, ds_rejected = reject_unknown_subjects(ctx.raw.form("ds"), subjects, form_name="ds.csv")

    ds = pd.concat([consent(ic, ctx), eligibility(summary, ctx), disposition(disp, ctx)], ignore_index=True)
    # EPOCH of the milestones: the subject's element on that date (dispositions carry the collected period)
    milestones = ds["DSCAT"].eq(MILESTONE)
    dated = add_epoch(ds, ctx.dataset("SE"), dtc="DSSTDTC")
    ds["EPOCH"] = ds["EPOCH"].where(~milestones, dated["EPOCH"])
    # DSSTDY
    ds = add_study_day(ds, ctx.dataset("DM"), dtc="DSSTDTC", dy="DSSTDY")
    rejected = pd.concat([ic_rejected, ie_rejected, ds_rejected], ignore_index=True)
    return [DomainResult("DS", ds, rejected=rejected)]


def consent(ic: pd.DataFrame, ctx: StudyContext) -> pd.DataFrame:
    """One INFORMED CONSENT OBTAINED milestone per consent signed (re-consents included), ic.csv ICDAT."""
    out = start_domain(ic, ctx, "DS")
    # DSTERM: milestone with the protocol version consented to (MT.DS.DSTERM); DSDECOD, DSCAT
    out["DSTERM"] = CONSENT_TERM + ic["ICVER"]
    out["DSDECOD"] = CONSENT
    out["DSCAT"] = MILESTONE
    out["EPOCH"] = ""
    # DSSTDTC: ic.csv ICDAT
    out["DSSTDTC"] = to_dtc(ic["ICDAT"])
    return out


def eligibility(summary: pd.DataFrame, ctx: StudyContext) -> pd.DataFrame:
    """ELIGIBILITY CRITERIA MET / NOT MET milestone from 'all eligibility criteria met' (ie.csv IEYN)."""
    out = start_domain(summary, ctx, "DS")
    # DSDECOD: IEYN Y/N -> PROTMLST (collected values in the spec); DSTERM = DSDECOD; DSCAT
    out["DSDECOD"] = map_ct(summary["IEYN"], ctx.codelist("PROTMLST"), source="ie.csv IEYN", rows=summary["RAW_ROW"])
    out["DSTERM"] = out["DSDECOD"]
    out["DSCAT"] = MILESTONE
    out["EPOCH"] = ""
    # DSSTDTC: ie.csv IEDAT, before the infusion (eligibility decides whether cells are collected)
    out["DSSTDTC"] = to_dtc(summary["IEDAT"])
    refuse_from_start(out, ctx.dataset("DM"), dtc="DSSTDTC", source="ie.csv IEDAT", rows=summary["RAW_ROW"],
                      what="eligibility decision(s) on or after the day of the subject's infusion")
    return out


def disposition(disp: pd.DataFrame, ctx: StudyContext) -> pd.DataFrame:
    """Disposition event of each study period as collected (ds.csv)."""
    out = start_domain(disp, ctx, "DS")
    # DSTERM: verbatim; DSDECOD: NCOMPLT; DSCAT
    out["DSTERM"] = disp["DSTERM"]
    out["DSDECOD"] = map_ct(disp["DSDECOD"], ctx.codelist("NCOMPLT"), source="ds.csv DSDECOD", rows=disp["RAW_ROW"])
    out["DSCAT"] = DISPOSITION
    # EPOCH: the study period the disposition closes (ds.csv DSEPOCH, COM.DS.EPOCH)
    out["EPOCH"] = map_ct(disp["DSEPOCH"], ctx.codelist("EPOCH"), source="ds.csv DSEPOCH", rows=disp["RAW_ROW"])
    # DSSTDTC: ds.csv DSSTDAT, never before the subject's first consent (DM.RFICDTC)
    out["DSSTDTC"] = to_dtc(disp["DSSTDAT"])
    refuse_dated(out["DSSTDTC"], subject_values(out["USUBJID"], ctx.dataset("DM"), "RFICDTC").fillna(""),
                 relation="before", limit_name="DM.RFICDTC", source="ds.csv DSSTDAT", rows=disp["RAW_ROW"],
                 what="disposition event(s) before the subject's informed consent")
    _refuse_treatment_without_infusion(disp, out, ctx.dataset("DM"))
    return out


def _refuse_treatment_without_infusion(disp: pd.DataFrame, out: pd.DataFrame, dm: pd.DataFrame) -> None:
    """A completed treatment period (the infusion given) of a subject without an inf.csv record is a `MappingError`
    naming ds.csv's rows: DM, EX and every analysis would have called the subject never infused."""
    infused = dm.loc[dm["RFSTDTC"].ne(""), "SUBJID"]
    completed = out["EPOCH"].eq(TREATMENT) & out["DSDECOD"].eq(COMPLETED) & ~disp["SUBJID"].isin(infused)
    refuse_records(completed, disp["SUBJID"] + " " + disp["DSTERM"], source="ds.csv DSEPOCH, DSDECOD",
                   rows=disp["RAW_ROW"], what="treatment period(s) completed by subjects without an infusion in "
                   "inf.csv")
