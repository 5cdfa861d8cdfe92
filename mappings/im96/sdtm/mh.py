"""MH (Medical History): the medical history form, primary cancer diagnosis and general history."""
from __future__ import annotations

from cdisc.algorithms import map_ct, reject_unknown_subjects, start_domain
from cdisc.context import DomainResult, StudyContext
from cdisc.dates import to_dtc
from cdisc.events import add_meddra, add_ongoing
from cdisc.timing import add_study_day


def build(ctx: StudyContext) -> list[DomainResult]:
    dm = ctx.dataset("DM")
    form, rejected = reject_unknown_subjects(ctx.raw.form("mh"), dm["SUBJID"], form_name="mh.csv")
    mh = start_domain(form, ctx, "MH")
    # MHSPID: "Medical history line number"; MHTERM verbatim
    mh["MHSPID"] = form["MHSEQ"]
    mh["MHTERM"] = form["MHTERM"]
    # MHLLT ... MHSOCCD: the MedDRA hierarchy as coded in the export (COM.MH.MEDDRA)
    mh = add_meddra(mh, form, prefix="MH")
    # MHCAT: CRF category (GENERAL -> GENERAL MEDICAL HISTORY)
    mh["MHCAT"] = map_ct(form["MHCAT"], ctx.codelist("MHCAT"), source="mh.csv MHCAT", rows=form["RAW_ROW"])
    # MHSTDTC / MHENDTC: partial dates right-truncated; MHSTDY / MHENDY from DM.RFSTDTC where the date is
    # complete; no EPOCH (COM.MH.MHSTDTC)
    mh["MHSTDTC"] = to_dtc(form["MHSTDAT"])
    mh["MHENDTC"] = to_dtc(form["MHENDAT"])
    mh = add_study_day(mh, dm, dtc="MHSTDTC", dy="MHSTDY")
    mh = add_study_day(mh, dm, dtc="MHENDTC", dy="MHENDY")
    # MHENRTPT / MHENTPT: "Ongoing" ticked -> ONGOING at informed consent, DM.RFICDTC (MT.MH.MHENRTPT)
    ongoing = map_ct(form["MHONGO"], ctx.codelist("NY"), source="mh.csv MHONGO", rows=form["RAW_ROW"]).eq("Y")
    mh = add_ongoing(mh, dm, ongoing=ongoing, reference="RFICDTC", enrtpt="MHENRTPT", entpt="MHENTPT")
    return [DomainResult("MH", mh, rejected=rejected)]
