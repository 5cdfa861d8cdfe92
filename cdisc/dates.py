"""Dates: raw CRF dates to ISO 8601, and study days.

A raw date field has a declared format (the export's data dictionary, column FORMAT): `DD-MON-YYYY` (the
default, with UN/UNK for unknown parts), or formats of `DECLARED_FORMATS` (`MM/DD/YYYY`, `MM-DD-YYYY`,
`DD-Mon-YYYY`, and the partial `YYYY`), several joined by `|` when the field allows each (`MM/DD/YYYY|YYYY`).
Values are read by their field's declared formats, never guessed per value.

ISO 8601 partial dates are right-truncated (SDTMIG 3.4 §4.4.4): an unknown day gives `YYYY-MM`, an
unknown month gives `YYYY`. A known day with an unknown month cannot be represented and is rejected.
"""
from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd

from cdisc.distinct import by_distinct, mapped

MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
RAW_DATE = re.compile(r"^(UN|\d{2})-(UNK|[A-Z]{3})-(\d{4})$")
RAW_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
SAS_EPOCH = pd.Timestamp("1960-01-01")  # day 0 of SAS dates and datetimes
DEFAULT_FORMAT = "DD-MON-YYYY"
# a clinical date outside these years is an entry error (0001, 9999), and pandas' datetimes end in 1677 and 2262
FIRST_YEAR, LAST_YEAR = 1900, 2100
# declared name -> (shape every value must have, strptime format, ISO 8601 format of the result)
DECLARED_FORMATS = {
    "MM/DD/YYYY": (r"\d{2}/\d{2}/\d{4}", "%m/%d/%Y", "%Y-%m-%d"),
    "MM-DD-YYYY": (r"\d{2}-\d{2}-\d{4}", "%m-%d-%Y", "%Y-%m-%d"),
    "DD-Mon-YYYY": (r"\d{2}-[A-Z][a-z]{2}-\d{4}", "%d-%b-%Y", "%Y-%m-%d"),
    "YYYY": (r"\d{4}", "%Y", "%Y"),
}


def known_format(fmt: str) -> bool:
    """`DD-MON-YYYY`, or declared formats joined by `|`."""
    return fmt == DEFAULT_FORMAT or all(f in DECLARED_FORMATS for f in fmt.split("|"))


def raw_date_to_iso(value: str, fmt: str = DEFAULT_FORMAT) -> str:
    """`05-JAN-2025` -> `2025-01-05`; `UN-JAN-2025` -> `2025-01`; `UN-UNK-2025` -> `2025`; blank -> blank.

    Raises ValueError with the reason when the value is not a valid (partial) date.

    >>> raw_date_to_iso("UN-MAR-2024")
    '2024-03'
    """
    if value == "":
        return ""
    if fmt != DEFAULT_FORMAT:
        return _declared_date_to_iso(value, fmt)
    m = RAW_DATE.match(value)
    if not m:
        raise ValueError("expected DD-MON-YYYY (UN for an unknown day, UNK for an unknown month)")
    day, mon, year = m.groups()
    _check_year(int(year))
    if mon == "UNK":
        if day != "UN":
            raise ValueError("a known day with an unknown month cannot be represented in ISO 8601")
        return year
    if mon not in MONTHS:
        raise ValueError(f"unknown month {mon!r}")
    month = MONTHS.index(mon) + 1
    if day == "UN":
        return f"{year}-{month:02d}"
    dt.date(int(year), month, int(day))  # raises ValueError for 31-FEB and friends
    return f"{year}-{month:02d}-{day}"


def _declared_date_to_iso(value: str, fmt: str) -> str:
    """A date in one of the declared formats: `01/16/2014` (MM/DD/YYYY) -> `2014-01-16`, `2003` (YYYY) -> `2003`."""
    for name in fmt.split("|"):
        shape, pattern, iso = DECLARED_FORMATS[name]
        if re.fullmatch(shape, value):
            parsed = _parsed(value, pattern, name)
            _check_year(parsed.year)
            return parsed.strftime(iso)
    raise ValueError(f"expected {' or '.join(fmt.split('|'))}")


def _parsed(value: str, pattern: str, name: str) -> dt.datetime:
    """A value of the shape of a declared format as a date; ValueError saying why it is none (13/01/2014 as
    MM/DD/YYYY: no month 13; 02/30/2014: no such day in February), never strptime's own pattern codes."""
    try:
        return dt.datetime.strptime(value, pattern)
    except ValueError as exc:
        if str(exc).startswith("time data"):  # a field out of its range: month 13, day 45, day 00
            raise ValueError(f"no such date in {name}: its month or day does not exist") from None
        raise  # "day is out of range for month" (02/30/2014)


def _check_year(year: int) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"year {year:04d} is outside {FIRST_YEAR}-{LAST_YEAR}")


def check_raw_time(value: str) -> None:
    if value and not RAW_TIME.match(value):
        raise ValueError("expected HH:MM (24-hour clock)")


def raw_dates_to_iso(values: pd.Series, fmt: str = DEFAULT_FORMAT) -> pd.Series:
    """`raw_date_to_iso` on a whole column: the ISO 8601 text of each valid raw date, NaN where the value is not
    a valid (partial) date (blank stays blank). Converted once per distinct value (a study has far fewer
    distinct dates than date values)."""
    return mapped(values, lambda value: _iso_or_nan(value, fmt))


def _iso_or_nan(value: str, fmt: str) -> str | float:
    try:
        return raw_date_to_iso(value, fmt)
    except ValueError:
        return np.nan


def to_dtc(date: pd.Series, time: pd.Series | None = None, *, fmt: str = DEFAULT_FORMAT) -> pd.Series:
    """Combine a raw date (in its declared format `fmt`) and an optional raw time into ISO 8601 --DTC text.

    The time is kept only when the date is complete (ISO 8601 allows no time on a partial date). The values
    were checked on loading (`cdisc.raw`); one that is not a date raises ValueError with its reason.
    """
    if time is None:
        return _iso(date, fmt)
    # worked out once per distinct (date, time) pair: 700,000 lab records hold 40,000
    return by_distinct(pd.DataFrame({"date": date, "time": time}), lambda pairs: _with_time(
        _iso(pairs["date"], fmt), pairs["time"])).rename(date.name)


def _iso(date: pd.Series, fmt: str) -> pd.Series:
    """`raw_dates_to_iso`, raising ValueError with its reason for a value that is not a date."""
    iso = raw_dates_to_iso(date, fmt)
    bad = iso.isna()
    if bad.any():
        iso[bad] = date[bad].map(lambda v: raw_date_to_iso(v, fmt))  # raises with the reason
    return iso


def _with_time(iso: pd.Series, time: pd.Series) -> pd.Series:
    """The time after a complete date (`T`), none after a partial one."""
    full = iso.str.len().eq(10) & time.ne("")
    return iso.where(~full, iso + "T" + time)


def dtc_date(dtc: pd.Series) -> pd.Series:
    """The calendar date of complete --DTC values as datetime64 (NaT when partial or blank), worked out once per
    distinct value."""
    return by_distinct(dtc.fillna(""), _calendar_date)


def _calendar_date(dtc: pd.Series) -> pd.Series:
    day = dtc.str.slice(0, 10)
    return pd.to_datetime(day.where(day.str.len() == 10), format="%Y-%m-%d", errors="coerce")


def may_be_on_or_after(dtc: pd.Series, ref_dtc: pd.Series) -> np.ndarray:
    """Whether each ISO 8601 date, complete or partial, may be on or after the day of `ref_dtc` (a complete date):
    its latest possible day is not before that day. A partial date is compared at its own precision ('2014' may be
    2014-01-02 or later, '2013-12' may not); a blank one may be any day. Text compares as the calendar does at
    equal precision, so no date is imputed.

    >>> may_be_on_or_after(pd.Series(["2014", "2013-12", "2014-01-01", "2014-01-02T08:00", ""]),
    ...                    pd.Series(["2014-01-02"] * 5)).tolist()
    [True, False, False, True, True]
    """
    return np.fromiter((day[:10] >= ref[:min(len(day), 10)] for day, ref in zip(dtc, ref_dtc, strict=True)),
                       dtype=bool, count=len(dtc))


def study_day(dtc: pd.Series, ref_dtc: pd.Series) -> pd.Series:
    """--DY: days from the reference start date, Day 1 = the reference date, no Day 0 (SDTMIG 3.4 §4.4.4).

    `--DY = date - ref + 1` on or after the reference date, `date - ref` before it. Null when either date
    is partial or missing.

    >>> study_day(pd.Series(["2025-01-10", "2025-01-09", "2025-01"]), pd.Series(["2025-01-10"] * 3)).tolist()
    [1.0, -1.0, nan]
    """
    return days_from(dtc_date(dtc), dtc_date(ref_dtc))


def days_from(day: pd.Series, ref_day: pd.Series) -> pd.Series:
    """`study_day` of calendar dates (datetime64, NaT when unknown) already worked out."""
    delta = (day - ref_day).dt.days
    return pd.Series(np.where(delta >= 0, delta + 1, delta), index=day.index, dtype="float64")


def format_xpt_timestamp(day: dt.date) -> str:
    """SAS header datetime `DDMONYY:HH:MM:SS` for a data cut date (midnight)."""
    return f"{day.day:02d}{MONTHS[day.month - 1]}{day.year % 100:02d}:00:00:00"
