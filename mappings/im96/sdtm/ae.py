"""AE (Adverse Events) and SUPPAE from the adverse event form.

CRS and ICANS are graded by ASTCT 2019, the other events by CTCAE v5.0 (COM.AE.AETOXGR); the scale, the
investigator's DLT call and the relationship to lymphodepletion have no AE variable and go to SUPPAE.
"""
from __future__ import annotations

from cdisc.algorithms import map_ct, reject_unknown_subjects, start_domain
from cdisc.context import DomainResult, StudyContext
from cdisc.dates import to_dtc
from cdisc.events import add_meddra, add_ongoing
from cdisc.finalize import sequence
from cdisc.supp import supp_records
from cdisc.timing import add_epoch, add_study_day, refuse_after_death

SERIOUSNESS = ("AESER", "AESCONG", "AESDISAB", "AESDTH", "AESHOSP", "AESLIFE", "AESMIE")
QUALIFIERS = ["AEDLT", "AERELLD", "AETOXSCL"]
EVALUATORS = {"AEDLT": "INVESTIGATOR", "AERELLD": "INVESTIGATOR"}


def build(ctx: StudyContext) -> list[DomainResult]:
    form, rejected = reject_unknown_subjects(ctx.raw.form("ae"), ctx.dataset("DM")["SUBJID"], form_name="ae.csv")
    ae = start_domain(form, ctx, "AE")
    # AESPID: "AE line number" (CMAENO on the medication form points at it), counted from 1 (the dictionary's MIN)
    ae["AESPID"] = form["AESEQ"]
    # AETERM verbatim; AELLT ... AESOCCD: the MedDRA hierarchy as coded in the export (COM.AE.MEDDRA)
    ae["AETERM"] = form["AETERM"]
    ae = add_meddra(ae, form, prefix="AE")
    # AESER and the six seriousness criteria: NY
    for var in SERIOUSNESS:
        ae[var] = map_ct(form[var], ctx.codelist("NY"), source=f"ae.csv {var}", rows=form["RAW_ROW"])
    # AEACN / AEREL / AEOUT / AETOXGR: CRF codes -> ACN, sponsor AEREL, OUT, AETOXGR
    ae["AEACN"] = map_ct(form["AEACN"], ctx.codelist("ACN"), source="ae.csv AEACN", rows=form["RAW_ROW"])
    ae["AEREL"] = map_ct(form["AEREL"], ctx.codelist("AEREL"), source="ae.csv AEREL", rows=form["RAW_ROW"])
    ae["AEOUT"] = map_ct(form["AEOUT"], ctx.codelist("OUT"), source="ae.csv AEOUT", rows=form["RAW_ROW"])
    ae["AETOXGR"] = map_ct(form["AETOXGR"], ctx.codelist("AETOXGR"), source="ae.csv AETOXGR", rows=form["RAW_ROW"])
    # AESTDTC / AEENDTC: date + time (time only on complete dates)
    ae["AESTDTC"] = to_dtc(form["AESTDAT"], form["AESTTIM"])
    refuse_after_death(ae, ctx.dataset("DM"), dtc="AESTDTC", source="ae.csv AESTDAT", rows=form["RAW_ROW"])
    ae["AEENDTC"] = to_dtc(form["AEENDAT"], form["AEENTIM"])
    # AEENRTPT / AEENTPT: "Ongoing" ticked -> ONGOING at the last contact, DM.RFPENDTC (MT.AE.AEENRTPT)
    ongoing = map_ct(form["AEONGO"], ctx.codelist("NY"), source="ae.csv AEONGO", rows=form["RAW_ROW"]).eq("Y")
    ae = add_ongoing(ae, ctx.dataset("DM"), ongoing=ongoing, reference="RFPENDTC", enrtpt="AEENRTPT",
                     entpt="AEENTPT")
    # AESTDY / AEENDY from DM.RFSTDTC (infusion = Day 1); EPOCH from SE at onset
    ae = add_study_day(ae, ctx.dataset("DM"), dtc="AESTDTC", dy="AESTDY")
    ae = add_study_day(ae, ctx.dataset("DM"), dtc="AEENDTC", dy="AEENDY")
    ae = add_epoch(ae, ctx.dataset("SE"), dtc="AESTDTC")
    # SUPPAE qualifiers: AEDLT (NY), AERELLD (AEREL), AETOXSCL
    ae["AEDLT"] = map_ct(form["AEDLT"], ctx.codelist("NY"), source="ae.csv AEDLT", rows=form["RAW_ROW"])
    ae["AERELLD"] = map_ct(form["AERELLD"], ctx.codelist("AEREL"), source="ae.csv AERELLD", rows=form["RAW_ROW"])
    ae["AETOXSCL"] = map_ct(form["AETOXSCL"], ctx.codelist("AETOXSCL"), source="ae.csv AETOXSCL", rows=form["RAW_ROW"])
    # AESEQ now, so SUPPAE can point at it (IDVAR AESEQ, MT.SUPPAE.IDVARVAL)
    ae = sequence(ae, ctx.spec, "AE")
    supp = supp_records(ae, ctx.spec, rdomain="AE", idvar="AESEQ", qualifiers=QUALIFIERS, evaluators=EVALUATORS)
    return [DomainResult("AE", ae.drop(columns=QUALIFIERS), rejected=rejected), DomainResult("SUPPAE", supp)]
