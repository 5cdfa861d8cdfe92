"""Timing variables derived from the subject's reference dates, elements and the visit schedule."""
from __future__ import annotations

import numpy as np
import pandas as pd

from cdisc.algorithms import refuse_dated
from cdisc.dates import study_day
from cdisc.distinct import (
    by_distinct,
    combined_places,
    distinct_rows_of,
    either,
    in_set,
    mapped,
    positions_in,
    sorted_places,
    subject_values,
    text_extreme,
)

UNSCHEDULED = "UNSCHEDULED"


def add_study_day(df: pd.DataFrame, dm: pd.DataFrame, *, dtc: str, dy: str) -> pd.DataFrame:
    """--DY from DM.RFSTDTC (Day 1 = reference start, no Day 0)."""
    ref = subject_values(df["USUBJID"], dm, "RFSTDTC").fillna("")
    return df.assign(**{dy: study_day(df[dtc], ref)})


def refuse_after_death(df: pd.DataFrame, dm: pd.DataFrame, *, dtc: str, source: str, rows: pd.Series,
                       subject: str = "USUBJID") -> None:
    """A `MappingError` naming the raw rows (`rows`) of records dated after their subject's death (DM.DTHDTC; both
    complete dates, a partial one cannot be compared): a result after death is an entry error of one of the two.
    The subject is `df`'s `subject` column, USUBJID or (a raw form's) SUBJID, as DM has both. A DM without DTHDTC (a
    Permissible variable) knows no death."""
    if "DTHDTC" not in dm:
        return
    refuse_dated(df[dtc], mapped(df[subject], dm.set_index(subject)["DTHDTC"]).fillna(""), relation="after",
                 limit_name="DM.DTHDTC", source=source, rows=rows, what="record(s) dated after the subject's death")


def refuse_from_start(df: pd.DataFrame, dm: pd.DataFrame, *, dtc: str, source: str, rows: pd.Series,
                      what: str) -> None:
    """A `MappingError` naming the raw rows (`rows`) of records that must come before the subject's reference start
    (DM.RFSTDTC, a complete date: IM96's infusion) but are dated on or after its day: the apheresis the cells are
    made from, a lymphodepleting dose (the study's Day 1 would come before them)."""
    refuse_dated(df[dtc], subject_values(df["USUBJID"], dm, "RFSTDTC").fillna(""), relation="on or after",
                 limit_name="DM.RFSTDTC", source=source, rows=rows, what=what)


def exposure_span(subject: pd.Series, start: pd.Series, end: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Reference dates from exposure (DM.RFXSTDTC, RFXENDTC): per subject, the earliest start and the latest end
    of its exposure records (ISO 8601 text sorts like time; a date sorts before a time that day). Blank dates
    are ignored; a subject without any gets none.

    >>> first, last = exposure_span(pd.Series(["S1", "S1", "S2"]), pd.Series(["2025-01-05", "2025-01-01", ""]),
    ...                             pd.Series(["2025-01-09", "", ""]))
    >>> first.to_dict(), last.to_dict()
    ({'S1': '2025-01-01'}, {'S1': '2025-01-09'})
    """
    frame = pd.DataFrame({"SUBJECT": subject.to_numpy(), "START": start.to_numpy(), "END": end.to_numpy()})
    starts, ends = frame[frame["START"].ne("")], frame[frame["END"].ne("")]
    return (text_extreme(starts["START"], starts["SUBJECT"], "min"),
            text_extreme(ends["END"], ends["SUBJECT"], "max"))


# one resolution for every parsed moment: pandas gives seconds for an empty or all-blank column and microseconds
# otherwise, and merge_asof refuses to compare the two
MOMENT = "datetime64[us]"


def add_epoch(df: pd.DataFrame, se: pd.DataFrame, *, dtc: str, at_start: bool = False) -> pd.DataFrame:
    """EPOCH of the subject's element (SE) that contains the --DTC date.

    An element covers [SESTDTC, SEENDTC); the subject's last element also covers its end date, and a
    date after the last element's end stays in that last element (follow-up continues to the cut).
    Elements are compared by date (the first 10 characters); a date before the first element, or a
    partial date, gets no EPOCH.

    `at_start=True` gives the epoch at the start of the record's day instead (SV: "the values must be those at
    the start of the visit", SDTMIG 3.4 SV assumption 11, CG0218): date-only values are read as 00:00 and
    compared with the element starts to the minute, so a visit on the day an element starts at a time (the
    apheresis at 08:38, the infusion at 11:10) is in the element before it.
    """
    moment = _at_minute if at_start else _day
    rows = df[dtc].fillna("").str.len().ge(10).to_numpy()  # a subject without elements finds none below
    element = _last_start(df["USUBJID"][rows], moment(df[dtc][rows]).to_numpy(), se["USUBJID"],
                          moment(se["SESTDTC"]).to_numpy())
    within = np.flatnonzero(rows)[element >= 0]
    epoch = np.full(len(df), "", dtype=object)
    epoch[within] = se["EPOCH"].fillna("").to_numpy(dtype=object)[element[element >= 0]]
    return df.assign(EPOCH=pd.Series(epoch, index=df.index, dtype=object))


def _last_start(subjects: pd.Series, when: np.ndarray, starts_of: pd.Series, starts: np.ndarray) -> np.ndarray:
    """For each record (its subject and moment), the position of its subject's last start on or before the moment
    (a record at a start belongs to what starts; of equal starts the last), -1 where none: no moment, no start
    before it, or no start of its subject. One sorted search: each side's subject and moment as one integer
    (`combined_places`, the moments placed among both sides' moments)."""
    known = pd.Index(pd.unique(starts_of.to_numpy(dtype=object)))
    subject, start_subject = positions_in(subjects, known), known.get_indexer(starts_of.to_numpy(dtype=object))
    both = np.concatenate([starts, when])
    dated = ~np.isnat(both)
    # one radix for both sides (at most records x records: no overflow below 3 billion records)
    keys = combined_places([np.concatenate([start_subject, np.maximum(subject, 0)]), sorted_places(both)])
    start_key, key = keys[:len(starts)], keys[len(starts):]
    order = np.flatnonzero(dated[:len(starts)])
    order = order[np.argsort(start_key[order], kind="stable")]
    found = np.searchsorted(start_key[order], key, side="right") - 1
    element = order[np.maximum(found, 0)] if len(order) else np.full(len(key), -1)
    ok = (found >= 0) & (subject >= 0) & dated[len(starts):]
    ok[ok] &= start_subject[element[ok]] == subject[ok]
    return np.where(ok, element, -1)


def _day(dtc: pd.Series) -> pd.Series:
    """The date part of ISO 8601 values as datetimes (the time of day ignored), parsed once per distinct value."""
    return by_distinct(dtc, lambda d: pd.to_datetime(d.str.slice(0, 10), format="%Y-%m-%d", errors="coerce")
                       .astype(MOMENT))


def _at_minute(dtc: pd.Series) -> pd.Series:
    """ISO 8601 values to the minute as datetimes; a date alone is 00:00 of that day (once per distinct value)."""
    return by_distinct(dtc, _parsed_minute)


def _parsed_minute(dtc: pd.Series) -> pd.Series:
    text = dtc.str.slice(0, 16).where(dtc.str.len().ge(16), dtc.str.slice(0, 10) + "T00:00")
    return pd.to_datetime(text, format="%Y-%m-%dT%H:%M", errors="coerce").astype(MOMENT)


def add_visit(df: pd.DataFrame, tv: pd.DataFrame, *, visit: str, dtc: str,
              sv: pd.DataFrame | None = None) -> pd.DataFrame:
    """VISITNUM and VISIT from the trial visits (TV) by the collected visit name.

    Unscheduled visits (SDTMIG 3.4 §4.4.5 allows sponsor-defined numbering of unplanned visits) take the
    VISITNUM/VISIT of the subject's unscheduled SV record on the same date when `sv` is given, so every
    domain numbers one unscheduled visit alike. Otherwise, or without an SV match, VISITNUM is the last
    scheduled visit the subject attended on or before that date plus 0.01 per unscheduled date after it,
    and VISIT = "UNSCHEDULED <VISITNUM>". Unknown visit names raise KeyError.
    """
    planned = tv.set_index("VISIT")["VISITNUM"].astype(float)
    unknown = sorted(set(df.loc[~in_set(df[visit], {*planned.index, UNSCHEDULED}), visit]))
    if unknown:
        raise KeyError(f"visit name(s) {unknown} are neither in TV nor {UNSCHEDULED!r}")
    out = df.assign(VISITNUM=mapped(df[visit], planned), VISIT=df[visit])
    uns = df[visit].eq(UNSCHEDULED)
    if uns.any():
        numbers = unscheduled_numbers(out, uns, dtc=dtc)
        if sv is not None:
            numbers = _sv_numbers(out.loc[uns, ["USUBJID", dtc]], sv, dtc=dtc).fillna(numbers)
        out.loc[uns, "VISITNUM"] = numbers
        out.loc[uns, "VISIT"] = UNSCHEDULED + " " + _two_decimals(out.loc[uns, "VISITNUM"])
    return out


def _two_decimals(numbers: pd.Series) -> pd.Series:
    """Numbers as text with two decimals."""
    return mapped(numbers, lambda x: f"{x:.2f}")


def _sv_numbers(rows: pd.DataFrame, sv: pd.DataFrame, *, dtc: str) -> pd.Series:
    """VISITNUM of the subject's unscheduled SV visit on the date of each row (NaN without one; of two SV visits
    on one date, the later record)."""
    unplanned = sv[by_distinct(sv["VISIT"], lambda visit: visit.str.startswith(UNSCHEDULED))]
    visits = pd.DataFrame({"USUBJID": unplanned["USUBJID"], "DAY": unplanned["SVSTDTC"].str.slice(0, 10),
                           "VISITNUM": unplanned["VISITNUM"].astype("float64")})
    visits = visits.drop_duplicates(["USUBJID", "DAY"], keep="last")
    return _visitnum_on_day(rows["USUBJID"], rows[dtc].fillna("").str.slice(0, 10), visits)


def _visitnum_on_day(usubjid: pd.Series, day: pd.Series, visits: pd.DataFrame) -> pd.Series:
    """The VISITNUM `visits` (one row per USUBJID and DAY) give each row's subject and day, on the rows' index
    (NaN where they give none)."""
    keys = pd.DataFrame({"USUBJID": usubjid.astype(object), "DAY": day.astype(object)})
    table = visits[["USUBJID", "DAY", "VISITNUM"]].astype({"USUBJID": object, "DAY": object})
    found = keys.merge(table, on=["USUBJID", "DAY"], how="left")
    return pd.Series(found["VISITNUM"].to_numpy(), index=usubjid.index, dtype="float64")


def unscheduled_numbers(df: pd.DataFrame, uns: pd.Series, *, dtc: str) -> pd.Series:
    """Last scheduled VISITNUM on or before each unscheduled date + 0.01 per distinct unscheduled date
    since that scheduled visit (the count restarts after every scheduled visit): 4.01, 4.02 after visit 4; 10.21
    after a planned visit 10.2, so that it sorts after 10.2 and before 10.3 (planned VISITNUMs of one decimal
    leave room for nine unscheduled dates between two planned visits)."""
    day = df[dtc].fillna("").str.slice(0, 10)
    scheduled = ~uns & day.ne("")
    # the subject's scheduled visits and distinct unscheduled dates in date order, a scheduled visit before an
    # unscheduled date on the same day; the running highest VISITNUM is the base of each unscheduled date (a
    # visit's records all give the same one: each once). Each distinct (subject, day, visit) and unscheduled
    # (subject, day) is found from the columns' codes, not from a frame of every record.
    base = df["VISITNUM"].astype("float64").where(scheduled)
    kind = pd.Series(np.where(scheduled, 0, np.where(uns, 1, 2)), index=df.index)
    _, first = distinct_rows_of([df["USUBJID"], day, base, kind])
    visits, unscheduled = first[scheduled.to_numpy()[first]], first[uns.to_numpy()[first]]
    rows = np.concatenate([visits, unscheduled])
    timeline = pd.DataFrame({"USUBJID": df["USUBJID"].iloc[rows].to_numpy(dtype=object),
                             "DAY": day.iloc[rows].to_numpy(dtype=object),
                             "BASE": np.concatenate([base.to_numpy()[visits], np.full(len(unscheduled), -np.inf)]),
                             "UNS": np.arange(len(rows)) >= len(visits)})
    timeline = timeline.sort_values(["USUBJID", "DAY", "UNS"], kind="mergesort")
    highest = timeline.groupby("USUBJID", sort=False)["BASE"].cummax()
    dates = timeline[timeline["UNS"]].assign(BASE=highest[timeline["UNS"]].replace(-np.inf, 0.0))
    count = dates.groupby(["USUBJID", "BASE"], sort=False).cumcount() + 1
    dates = dates.assign(VISITNUM=(dates["BASE"] + 0.01 * count).round(2))
    return _visitnum_on_day(df.loc[uns, "USUBJID"], day[uns], dates)


def _on_or_before_start(when: pd.Series, ref: pd.Series) -> pd.Series:
    """Whether a complete date (or date and time) `when` is on or before the reference start `ref` (blank: none);
    times are compared when both have them, a date alone on the reference day counts as before."""
    day, ref_day = when.str.slice(0, 10), ref.str.slice(0, 10)
    complete = when.str.len() >= 10
    timed_both = (when.str.len() > 10) & (ref.str.len() > 10)
    return complete & ref.ne("") & ((day < ref_day) | (day.eq(ref_day) & (~timed_both | (when <= ref))))


def add_last_before_flag(df: pd.DataFrame, dm: pd.DataFrame, *, by: list[str], dtc: str, result: str,
                         flag: str) -> pd.DataFrame:
    """--LOBXFL "Last Observation Before Exposure Flag" (SDTMIG 3.4): "Y" on the last record with a
    non-missing result taken on or before the reference start (DM.RFSTDTC), per subject and `by` group.

    Times are compared when both sides have them; a record dated the reference day without a time is
    taken as pre-infusion (protocol: Day 1 samples are drawn before the infusion). Ties on date/time keep
    the last record in input order.
    """
    when = df[dtc].fillna("")
    # each subject's distinct dates judged once
    before = by_distinct(pd.DataFrame({"USUBJID": df["USUBJID"], "WHEN": when}),
                         lambda pairs: _on_or_before_start(pairs["WHEN"], subject_values(
                             pairs["USUBJID"], dm, "RFSTDTC").fillna("")))
    eligible = before & df[result].fillna("").ne("")
    # only the columns the choice reads are sorted and grouped, not the whole dataset
    cand = df.loc[eligible, ["USUBJID", *by]].assign(_when=when[eligible]).sort_values("_when", kind="mergesort")
    last = cand.groupby(["USUBJID", *by], sort=False).tail(1).index
    return df.assign(**{flag: either(df.index.isin(last), "Y")})
