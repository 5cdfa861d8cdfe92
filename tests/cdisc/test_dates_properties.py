"""ISO 8601 partial dates and study days as properties (SDTMIG 3.4 §4.4.4, §4.4.4 --DY), checked against Python's
own calendar (`datetime`), not against the code under test."""
import datetime as dt

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from cdisc.dates import raw_date_to_iso, raw_dates_to_iso, study_day, to_dtc

PROPERTY = settings(max_examples=100, deadline=None)
DAYS = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31))
TIMES = st.times().map(lambda t: t.strftime("%H:%M"))
# DD-MON-YYYY shapes, valid or not (31-FEB, day 00, month XYZ, UN-UNK, 15-UNK, blank)
RAW_SHAPES = st.one_of(
    st.from_regex(r"(UN|[0-3][0-9])-(UNK|JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC|XYZ)-(19|20)[0-9]{2}",
                  fullmatch=True),
    st.sampled_from(["", "2025-03-01", "45352", "01-Mar-2025", "1-MAR-2025"]),
)


def _raw(day: dt.date) -> str:
    return day.strftime("%d-%b-%Y").upper()


@PROPERTY
@given(DAYS)
def test_raw_date_to_iso_gives_the_calendar_date_and_its_right_truncations(day):
    """A complete raw date is the ISO date; an unknown day keeps YYYY-MM; an unknown month keeps YYYY; each partial
    date is a prefix of the complete one (right truncation, never imputation)."""
    full = raw_date_to_iso(_raw(day))
    assert full == day.isoformat()
    month = raw_date_to_iso("UN-" + _raw(day)[3:])
    year = raw_date_to_iso("UN-UNK-" + _raw(day)[7:])
    assert (month, year) == (day.isoformat()[:7], str(day.year))
    assert full.startswith(month) and month.startswith(year)


@PROPERTY
@given(st.lists(RAW_SHAPES, max_size=20))
def test_the_column_conversion_agrees_with_the_value_conversion(values):
    """`raw_dates_to_iso` (whole column) gives what `raw_date_to_iso` gives value by value, and NaN exactly where the
    value raises; a value is valid exactly when it names a real calendar day, month or year."""
    column = raw_dates_to_iso(pd.Series(values, dtype=object))
    for value, converted in zip(values, column, strict=True):
        try:
            expected = raw_date_to_iso(value)
        except ValueError:
            assert pd.isna(converted), value
            continue
        assert converted == expected, value
        if len(expected) == 10:
            assert dt.datetime.strptime(value.title(), "%d-%b-%Y").date().isoformat() == expected


@PROPERTY
@given(st.lists(st.tuples(DAYS, st.one_of(st.just(""), TIMES)), min_size=1, max_size=10))
def test_to_dtc_keeps_a_time_only_on_a_complete_date(rows):
    """ISO 8601 has no time on a partial date: `UN-MON-YYYY` + time gives `YYYY-MM`; a complete date + time gives
    `YYYY-MM-DDThh:mm`."""
    complete = pd.Series([_raw(d) for d, _ in rows])
    partial = "UN-" + complete.str.slice(3)
    times = pd.Series([t for _, t in rows])
    assert to_dtc(complete, times).tolist() == [d.isoformat() + (f"T{t}" if t else "") for d, t in rows]
    assert to_dtc(partial, times).tolist() == [d.isoformat()[:7] for d, _ in rows]


def _expected_day(day: dt.date, ref: dt.date) -> int:
    delta = (day - ref).days
    return delta + 1 if delta >= 0 else delta


@PROPERTY
@given(st.lists(st.tuples(DAYS, DAYS, st.one_of(st.just(""), TIMES)), min_size=1, max_size=10))
def test_study_day_counts_from_day_1_and_has_no_day_0(rows):
    """--DY = date - RFSTDTC + 1 on or after the reference day, date - RFSTDTC before; never 0; times do not
    matter; swapping the two dates of different days gives days that add up to 1."""
    days = pd.Series([d.isoformat() + (f"T{t}" if t else "") for d, _, t in rows])
    refs = pd.Series([r.isoformat() for _, r, _ in rows])
    result = study_day(days, refs)
    assert result.tolist() == [_expected_day(d, r) for d, r, _ in rows]
    assert (result != 0).all()
    swapped = study_day(refs, days)
    apart = np.array([d != r for d, r, _ in rows])
    assert ((result + swapped)[apart] == 1).all()


@PROPERTY
@given(DAYS, DAYS, st.sampled_from(["month", "year", "blank"]))
def test_study_day_of_a_partial_or_missing_date_is_missing(day, ref, cut):
    """A partial date (or blank) on either side gives no study day (SDTMIG: --DY only from complete dates)."""
    short = {"month": day.isoformat()[:7], "year": day.isoformat()[:4], "blank": ""}[cut]
    assert study_day(pd.Series([short]), pd.Series([ref.isoformat()])).isna().all()
    assert study_day(pd.Series([ref.isoformat()]), pd.Series([short])).isna().all()
