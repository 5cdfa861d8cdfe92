"""Timing variables derived from the subject's reference dates, elements and the visit schedule."""
from __future__ import annotations

import numpy as np
import pandas as pd

from cdisc.dates import study_day

UNSCHEDULED = "UNSCHEDULED"


def add_study_day(df: pd.DataFrame, dm: pd.DataFrame, *, dtc: str, dy: str) -> pd.DataFrame:
    """--DY from DM.RFSTDTC (Day 1 = reference start, no Day 0)."""
    ref = df["USUBJID"].map(dm.set_index("USUBJID")["RFSTDTC"]).fillna("")
    return df.assign(**{dy: study_day(df[dtc], ref)})


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
    return starts.groupby("SUBJECT")["START"].min(), ends.groupby("SUBJECT")["END"].max()


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
    rows = df[dtc].fillna("").str.len().ge(10) & df["USUBJID"].isin(se["USUBJID"])
    events = pd.DataFrame({"USUBJID": df.loc[rows, "USUBJID"].astype(object), "WHEN": moment(df.loc[rows, dtc]),
                           "ROW": df.index[rows]}).dropna(subset="WHEN").sort_values("WHEN", kind="mergesort")
    starts = pd.DataFrame({"USUBJID": se["USUBJID"].astype(object), "WHEN": moment(se["SESTDTC"]),
                           "SE_EPOCH": se["EPOCH"]}).sort_values("WHEN", kind="mergesort")
    # the last element starting on or before the record (a record on a start day belongs to the new element)
    found = pd.merge_asof(events, starts, on="WHEN", by="USUBJID", direction="backward", allow_exact_matches=True)
    epoch = pd.Series("", index=df.index, dtype=object)
    epoch.loc[found["ROW"].to_numpy()] = found["SE_EPOCH"].fillna("").to_numpy()
    return df.assign(EPOCH=epoch)


def _day(dtc: pd.Series) -> pd.Series:
    """The date part of ISO 8601 values as datetimes (the time of day ignored)."""
    return pd.to_datetime(dtc.str.slice(0, 10), format="%Y-%m-%d", errors="coerce")


def _at_minute(dtc: pd.Series) -> pd.Series:
    """ISO 8601 values to the minute as datetimes; a date alone is 00:00 of that day."""
    text = dtc.str.slice(0, 16).where(dtc.str.len().ge(16), dtc.str.slice(0, 10) + "T00:00")
    return pd.to_datetime(text, format="%Y-%m-%dT%H:%M", errors="coerce")


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
    unknown = sorted(set(df.loc[~df[visit].isin(planned.index) & df[visit].ne(UNSCHEDULED), visit]))
    if unknown:
        raise KeyError(f"visit name(s) {unknown} are neither in TV nor {UNSCHEDULED!r}")
    out = df.assign(VISITNUM=df[visit].map(planned), VISIT=df[visit])
    uns = df[visit].eq(UNSCHEDULED)
    if uns.any():
        numbers = unscheduled_numbers(out, uns, dtc=dtc)
        if sv is not None:
            numbers = _sv_numbers(out[uns], sv, dtc=dtc).fillna(numbers)
        out.loc[uns, "VISITNUM"] = numbers
        out.loc[uns, "VISIT"] = UNSCHEDULED + " " + out.loc[uns, "VISITNUM"].map(lambda x: f"{x:.2f}")
    return out


def _sv_numbers(rows: pd.DataFrame, sv: pd.DataFrame, *, dtc: str) -> pd.Series:
    unplanned = sv[sv["VISIT"].str.startswith(UNSCHEDULED)]
    lookup = {(u, d[:10]): n for u, d, n in zip(unplanned["USUBJID"], unplanned["SVSTDTC"], unplanned["VISITNUM"],
                                                 strict=True)}
    keys = zip(rows["USUBJID"], rows[dtc].fillna("").str.slice(0, 10), strict=True)
    return pd.Series([lookup.get(k, np.nan) for k in keys], index=rows.index, dtype="float64")


def unscheduled_numbers(df: pd.DataFrame, uns: pd.Series, *, dtc: str) -> pd.Series:
    """Last scheduled VISITNUM on or before each unscheduled date + 0.01 per distinct unscheduled date
    since that scheduled visit (the count restarts after every scheduled visit)."""
    day = df[dtc].fillna("").str.slice(0, 10)
    sched = df.loc[~uns & day.ne("")].assign(_day=day)
    out = pd.Series(np.nan, index=df.index[uns])
    for usubjid, rows in df[uns].assign(_day=day[uns]).groupby("USUBJID"):
        prior = sched[sched["USUBJID"].eq(usubjid)]
        bases: dict[float, int] = {}
        for d, group in sorted(rows.groupby("_day"), key=lambda item: item[0]):
            before = prior.loc[prior["_day"] <= d, "VISITNUM"]
            base = float(np.floor(before.max())) if len(before) else 0.0
            bases[base] = bases.get(base, 0) + 1
            out.loc[group.index] = round(base + 0.01 * bases[base], 2)
    return out


def add_last_before_flag(df: pd.DataFrame, dm: pd.DataFrame, *, by: list[str], dtc: str, result: str,
                         flag: str) -> pd.DataFrame:
    """--LOBXFL "Last Observation Before Exposure Flag" (SDTMIG 3.4): "Y" on the last record with a
    non-missing result taken on or before the reference start (DM.RFSTDTC), per subject and `by` group.

    Times are compared when both sides have them; a record dated the reference day without a time is
    taken as pre-infusion (protocol: Day 1 samples are drawn before the infusion). Ties on date/time keep
    the last record in input order.
    """
    ref = df["USUBJID"].map(dm.set_index("USUBJID")["RFSTDTC"]).fillna("")
    when = df[dtc].fillna("")
    complete = when.str.len() >= 10
    same_day = when.str.slice(0, 10) == ref.str.slice(0, 10)
    timed_both = (when.str.len() > 10) & (ref.str.len() > 10)
    before = complete & ref.ne("") & (
        (when.str.slice(0, 10) < ref.str.slice(0, 10)) | (same_day & (~timed_both | (when <= ref)))
    )
    eligible = before & df[result].fillna("").ne("")
    cand = df[eligible].assign(_when=when[eligible]).sort_values("_when", kind="mergesort")
    last = cand.groupby(["USUBJID", *by], sort=False).tail(1).index
    return df.assign(**{flag: np.where(df.index.isin(last), "Y", "")})
