"""SV: one record per visit the subject attended (visit.csv), planned or unscheduled."""
from __future__ import annotations

import numpy as np

from cdisc.algorithms import reject_unknown_subjects, start_domain
from cdisc.context import DomainResult, StudyContext
from cdisc.dates import to_dtc
from cdisc.timing import UNSCHEDULED, add_epoch, add_study_day, add_visit

UNPLANNED = "Unscheduled visit"


def build(ctx: StudyContext) -> list[DomainResult]:
    dm, tv = ctx.dataset("DM"), ctx.dataset("TV")
    visit, rejected = reject_unknown_subjects(ctx.raw.form("visit"), dm["SUBJID"], form_name="visit.csv")

    sv = start_domain(visit, ctx, "SV")
    # SVSTDTC = SVENDTC: visit.csv VISDAT (one-day visits)
    sv["SVSTDTC"] = to_dtc(visit["VISDAT"])
    sv["SVENDTC"] = sv["SVSTDTC"]
    # VISITNUM, VISIT: TV by the EDC folder name; unscheduled visits numbered after the last planned one
    sv = add_visit(sv.assign(_visit=visit["VISIT"]), tv, visit="_visit", dtc="SVSTDTC").drop(columns="_visit")
    # VISITDY: planned study day of the visit (TV)
    sv["VISITDY"] = sv["VISITNUM"].map(tv.set_index("VISITNUM")["VISITDY"])
    # SVPRESP: Y for a planned visit (MT.SV.SVPRESP); SVOCCUR: a planned visit on record took place
    # (COM.SV.SVOCCUR); both null for an unscheduled visit (CG0654, CORE-000038)
    unscheduled = visit["VISIT"].eq(UNSCHEDULED)
    sv["SVPRESP"] = np.where(unscheduled, "", "Y")
    sv["SVOCCUR"] = np.where(unscheduled, "", "Y")
    # SVUPDES: the EDC has no reason for unscheduled visits (COM.SV.SVUPDES)
    sv["SVUPDES"] = np.where(unscheduled, UNPLANNED, "")
    # EPOCH at the start of the visit (MT.SV.EPOCH), SVSTDY, SVENDY
    sv = add_epoch(sv, ctx.dataset("SE"), dtc="SVSTDTC", at_start=True)
    sv = add_study_day(sv, dm, dtc="SVSTDTC", dy="SVSTDY")
    sv = add_study_day(sv, dm, dtc="SVENDTC", dy="SVENDY")
    return [DomainResult("SV", sv, rejected=rejected)]
