"""CM (Concomitant/Prior Medications): the medication form (prior cancer therapy and concomitant
medications) and the new anticancer therapy form (subsequent anticancer therapy).

CMSPID keeps the CRF line ("CM-<line>" / "NACT-<line>") so RELREC can find the record a line became.
"""
from __future__ import annotations

import pandas as pd

from cdisc.algorithms import map_ct, reject_unknown_subjects, start_domain
from cdisc.context import DomainResult, StudyContext
from cdisc.dates import to_dtc
from cdisc.events import add_ongoing
from cdisc.timing import add_epoch, add_study_day, refuse_after_death


def build(ctx: StudyContext) -> list[DomainResult]:
    subjects = ctx.dataset("DM")["SUBJID"]
    meds, rejected_cm = reject_unknown_subjects(ctx.raw.form("cm"), subjects, form_name="cm.csv")
    nact, rejected_nact = reject_unknown_subjects(ctx.raw.form("nact"), subjects, form_name="nact.csv")
    cm = pd.concat([medications(meds, ctx), new_anticancer_therapy(nact, ctx)], ignore_index=True)
    # CMSTDY / CMENDY from DM.RFSTDTC (null for partial dates); EPOCH from SE at the start
    cm = add_study_day(cm, ctx.dataset("DM"), dtc="CMSTDTC", dy="CMSTDY")
    cm = add_study_day(cm, ctx.dataset("DM"), dtc="CMENDTC", dy="CMENDY")
    cm = add_epoch(cm, ctx.dataset("SE"), dtc="CMSTDTC")
    return [DomainResult("CM", cm, rejected=pd.concat([rejected_cm, rejected_nact], ignore_index=True))]


def medication_spid(line: pd.Series) -> pd.Series:
    """CMSPID of a medication form line (MT.CM.CMSPID)."""
    return "CM-" + line


def medications(form: pd.DataFrame, ctx: StudyContext) -> pd.DataFrame:
    """One CM record per medication form line."""
    cm = start_domain(form, ctx, "CM")
    # CMSPID: "Medication line number" (MT.CM.CMSPID)
    cm["CMSPID"] = medication_spid(form["CMSEQ"])
    # CMTRT / CMINDC verbatim; CMCAT: CRF category
    cm["CMTRT"] = form["CMTRT"]
    cm["CMCAT"] = map_ct(form["CMCAT"], ctx.codelist("CMCAT"), source="cm.csv CMCAT", rows=form["RAW_ROW"])
    cm["CMINDC"] = form["CMINDC"]
    # CMDOSE as collected; CMDOSU: the unit as written -> CT UNIT spelling (mg, MG, Mg -> mg)
    cm["CMDOSE"] = pd.to_numeric(form["CMDOSE"])
    cm["CMDOSU"] = map_ct(form["CMDOSU"], ctx.codelist("CMUNIT"), source="cm.csv CMDOSU", rows=form["RAW_ROW"])
    # CMDOSFRQ / CMROUTE: CRF codes -> CT FREQ (Q2W -> EVERY 2 WEEKS) / ROUTE
    cm["CMDOSFRQ"] = map_ct(form["CMFREQ"], ctx.codelist("FREQ"), source="cm.csv CMFREQ", rows=form["RAW_ROW"])
    cm["CMROUTE"] = map_ct(form["CMROUTE"], ctx.codelist("ROUTE"), source="cm.csv CMROUTE", rows=form["RAW_ROW"])
    # CMSTDTC: start date (+ time when complete); CMENDTC: end date; partial dates right-truncated
    cm["CMSTDTC"] = to_dtc(form["CMSTDAT"], form["CMSTTIM"])
    refuse_after_death(cm, ctx.dataset("DM"), dtc="CMSTDTC", source="cm.csv CMSTDAT", rows=form["RAW_ROW"])
    cm["CMENDTC"] = to_dtc(form["CMENDAT"])
    # CMENRTPT / CMENTPT: "Ongoing" ticked -> ONGOING at the last contact, DM.RFPENDTC (MT.CM.CMENRTPT)
    ongoing = map_ct(form["CMONGO"], ctx.codelist("NY"), source="cm.csv CMONGO", rows=form["RAW_ROW"]).eq("Y")
    return add_ongoing(cm, ctx.dataset("DM"), ongoing=ongoing, reference="RFPENDTC", enrtpt="CMENRTPT",
                       entpt="CMENTPT")


def new_anticancer_therapy(form: pd.DataFrame, ctx: StudyContext) -> pd.DataFrame:
    """One CM record per new anticancer therapy line, CMCAT SUBSEQUENT ANTICANCER THERAPY."""
    cm = start_domain(form, ctx, "CM")
    # CMSPID: "Therapy line number" (MT.CM.CMSPID); CMTRT verbatim; CMCAT assigned (COM.CM.CMCAT)
    cm["CMSPID"] = "NACT-" + form["NACTSEQ"]
    cm["CMTRT"] = form["NACTTRT"]
    cm["CMCAT"] = "SUBSEQUENT ANTICANCER THERAPY"
    # CMSTDTC / CMENDTC: start / end dates
    cm["CMSTDTC"] = to_dtc(form["NACTSTDAT"])
    refuse_after_death(cm, ctx.dataset("DM"), dtc="CMSTDTC", source="nact.csv NACTSTDAT", rows=form["RAW_ROW"])
    cm["CMENDTC"] = to_dtc(form["NACTENDAT"])
    return cm
