"""SV: one record per visit the subject attended (visit.csv), planned or unscheduled."""
from __future__ import annotations

import numpy as np
import pandas as pd

from cdisc.algorithms import reject_unknown_subjects, start_domain
from cdisc.context import DomainResult, StudyContext
from cdisc.dates import to_dtc
from cdisc.distinct import distinct_rows_of, in_set
from cdisc.issues import Issue
from cdisc.raw import LINEAGE
from cdisc.timing import UNSCHEDULED, add_epoch, add_study_day, add_visit, refuse_after_death

UNPLANNED = "Unscheduled visit"


def build(ctx: StudyContext) -> list[DomainResult]:
    dm, tv = ctx.dataset("DM"), ctx.dataset("TV")
    form, rejected = reject_unknown_subjects(ctx.raw.form("visit"), dm["SUBJID"], form_name="visit.csv")
    # SVSTDTC = SVENDTC: visit.csv VISDAT (one-day visits); a planned visit with records but no visit.csv row
    # (dated after the data cut, or never entered) from the dates of its records (MT.SV.SVENDTC)
    visit = form.assign(START=to_dtc(form["VISDAT"]), END=lambda f: f["START"])
    refuse_after_death(visit, dm, dtc="START", subject="SUBJID", source="visit.csv VISDAT", rows=form["RAW_ROW"])
    issues = []
    if (unnamed := visits_of_records(ctx, form, dm)) is not None:
        visit = pd.concat([visit, unnamed], ignore_index=True)
        issues = [Issue("warning", "SV_VISIT_OF_RECORDS", "visit.csv", "visit has records but no visit.csv row "
                        "(dated after the data cut, or not entered): dated by its records", variable="VISIT",
                        row=subject, value=name) for subject, name in zip(unnamed["SUBJID"], unnamed["VISIT"],
                                                                          strict=True)]

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
    return [DomainResult("SV", sv, rejected=rejected, issues=tuple(issues))]


def visits_of_records(ctx: StudyContext, form: pd.DataFrame, dm: pd.DataFrame) -> pd.DataFrame | None:
    """The planned visits of each subject that records of the assessment forms (`visit_dates`) name but visit.csv
    does not: one row per subject and visit, START and END the earliest and latest date of its records, and the
    lineage of its earliest record (None when there is none). SDTM wants an SV record for every visit a record
    names (CORE-000168): at a data cut a visit's scan may be dated before the cut and its visit form after it."""
    known = pd.MultiIndex.from_arrays([form["SUBJID"], form["VISIT"]])
    subjects = set(dm["SUBJID"])
    pieces = [piece for name, field in visit_dates(ctx).items()
              if (piece := _visit_dates(ctx, ctx.raw.forms[name], field, known, subjects)) is not None]
    if not pieces:  # every visit a record names is in visit.csv, as in a whole export
        return None
    named = pd.concat(pieces, ignore_index=True)
    ordered = named[named["DTC"].ne("")].sort_values(["SUBJID", "VISIT", "DTC", *LINEAGE], kind="mergesort")
    first = ordered.drop_duplicates(["SUBJID", "VISIT"])
    last = ordered.drop_duplicates(["SUBJID", "VISIT"], keep="last").set_index(["SUBJID", "VISIT"])["DTC"]
    return first.assign(START=first["DTC"], END=pd.MultiIndex.from_frame(first[["SUBJID", "VISIT"]]).map(last))[
        ["SUBJID", "VISIT", "START", "END", *LINEAGE]]


def visit_dates(ctx: StudyContext) -> dict[str, str]:
    """The forms recorded at a visit (a VISIT field) other than visit.csv, with the date of each record: the date
    study.toml's `[cut_dates]` names for the form (vs VSDAT, lb LBDAT, tl TLDAT, rs RSDAT, ...)."""
    return {name: field for name, field in ctx.spec.study.cut_dates.items()
            if name != "visit" and name in ctx.raw.forms and "VISIT" in ctx.raw.forms[name].columns}


def _visit_dates(ctx: StudyContext, records: pd.DataFrame, field: str, known: pd.MultiIndex,
                 subjects: set[str]) -> pd.DataFrame | None:
    """The distinct (subject, visit, date) of a form's records of planned visits visit.csv does not name (ISO 8601
    DTC), each with the lineage of its first record, or None when there are none; the (subject, visit) pairs are
    looked at once each (LB's 700,000 records at 5,000 subjects hold about 75,000)."""
    codes, first = distinct_rows_of([records["SUBJID"], records["VISIT"]])
    subject, visit = records["SUBJID"].iloc[first], records["VISIT"].iloc[first]
    unnamed = (~pd.MultiIndex.from_arrays([subject, visit]).isin(known) & visit.ne(UNSCHEDULED).to_numpy()
               & in_set(subject, subjects))
    if not unnamed.any():
        return None
    rows = records[unnamed[codes]]
    _, first_of_day = distinct_rows_of([rows["SUBJID"], rows["VISIT"], rows[field]])
    rows = rows.iloc[first_of_day]
    return pd.DataFrame({"SUBJID": rows["SUBJID"], "VISIT": rows["VISIT"], "DTC": ctx.raw.dtc(rows, field),
                         **{c: rows[c] for c in LINEAGE}})
