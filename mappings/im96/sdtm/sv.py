"""SV: one record per visit the subject attended (visit.csv), planned or unscheduled."""
from __future__ import annotations

import numpy as np
import pandas as pd

from cdisc.algorithms import reject_unknown_subjects, start_domain
from cdisc.context import DomainResult, StudyContext
from cdisc.dates import to_dtc
from cdisc.distinct import distinct_rows_of
from cdisc.raw import LINEAGE
from cdisc.timing import UNSCHEDULED, add_epoch, add_study_day, add_visit

UNPLANNED = "Unscheduled visit"
# the assessment forms recorded at a visit, and the date of each record
VISIT_DATES = {"vs": "VSDAT", "eg": "EGDAT", "lb": "LBDAT", "pc": "PCDAT", "tl": "TLDAT", "ntl": "NTLDAT",
               "nl": "NLDAT", "rs": "RSDAT"}


def build(ctx: StudyContext) -> list[DomainResult]:
    dm, tv = ctx.dataset("DM"), ctx.dataset("TV")
    form, rejected = reject_unknown_subjects(ctx.raw.form("visit"), dm["SUBJID"], form_name="visit.csv")
    # SVSTDTC = SVENDTC: visit.csv VISDAT (one-day visits); a planned visit with records but no visit.csv row
    # (dated after the data cut, or never entered) from the dates of its records (MT.SV.SVENDTC)
    visit = pd.concat([form.assign(START=to_dtc(form["VISDAT"]), END=lambda f: f["START"]),
                       visits_of_records(ctx, form, dm)], ignore_index=True)

    sv = start_domain(visit, ctx, "SV")
    sv["SVSTDTC"], sv["SVENDTC"] = visit["START"], visit["END"]
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


def visits_of_records(ctx: StudyContext, form: pd.DataFrame, dm: pd.DataFrame) -> pd.DataFrame:
    """The planned visits of each subject that records of the assessment forms (`VISIT_DATES`) name but visit.csv
    does not: one row per subject and visit, START and END the earliest and latest date of its records, and the
    lineage of its earliest record. SDTM wants an SV record for every visit a record names (CORE-000168): at a
    data cut a visit's scan may be dated before the cut and its visit form after it."""
    named = pd.concat([pd.DataFrame(columns=["SUBJID", "VISIT", "DTC", *LINEAGE], dtype=object),
                       *(_visit_dates(ctx, ctx.raw.forms[name], field) for name, field in VISIT_DATES.items()
                         if name in ctx.raw.forms)], ignore_index=True)
    named = named[named["VISIT"].ne(UNSCHEDULED) & named["SUBJID"].isin(dm["SUBJID"]) & named["DTC"].ne("")]
    known = pd.MultiIndex.from_frame(form[["SUBJID", "VISIT"]])
    named = named[~pd.MultiIndex.from_frame(named[["SUBJID", "VISIT"]]).isin(known)]
    ordered = named.sort_values(["SUBJID", "VISIT", "DTC", *LINEAGE], kind="mergesort")
    first = ordered.drop_duplicates(["SUBJID", "VISIT"])
    last = ordered.drop_duplicates(["SUBJID", "VISIT"], keep="last").set_index(["SUBJID", "VISIT"])["DTC"]
    return first.assign(START=first["DTC"], END=pd.MultiIndex.from_frame(first[["SUBJID", "VISIT"]]).map(last))[
        ["SUBJID", "VISIT", "START", "END", *LINEAGE]]


def _visit_dates(ctx: StudyContext, records: pd.DataFrame, field: str) -> pd.DataFrame:
    """The distinct (subject, visit, date) of a form's records (ISO 8601 DTC), each with the lineage of its first
    record (LB's 700,000 records at 5,000 subjects hold about 60,000)."""
    _, first = distinct_rows_of([records["SUBJID"], records["VISIT"], records[field]])
    rows = records.iloc[first]
    return pd.DataFrame({"SUBJID": rows["SUBJID"], "VISIT": rows["VISIT"], "DTC": ctx.raw.dtc(rows, field),
                         **{c: rows[c] for c in LINEAGE}})
