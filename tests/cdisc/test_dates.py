"""ISO 8601 conversion of raw CRF dates and SDTM study days (SDTMIG 3.4 §4.4)."""
import datetime as dt

import pandas as pd
import pytest

from cdisc.dates import format_xpt_timestamp, may_be_on_or_after, raw_date_to_iso, study_day, to_dtc


@pytest.mark.parametrize(
    ("raw", "iso"),
    [("05-JAN-2025", "2025-01-05"), ("UN-MAR-2024", "2024-03"), ("UN-UNK-2023", "2023"), ("", ""),
     ("29-FEB-2024", "2024-02-29")],
)
def test_raw_date_to_iso_truncates_unknown_parts(raw, iso):
    """Unknown day/month right-truncate the ISO 8601 value."""
    assert raw_date_to_iso(raw) == iso


@pytest.mark.parametrize("raw", ["31-FEB-2025", "05-XYZ-2025", "2025-01-05", "05-UNK-2025", "5-JAN-2025",
                                 "07-MAR-0001", "UN-UNK-9999", "31-DEC-1899", "UN-JAN-2101"])
def test_raw_date_to_iso_rejects_invalid(raw):
    """Impossible dates, other layouts, a known day in an unknown month and years outside 1900-2100 are errors."""
    with pytest.raises(ValueError):
        raw_date_to_iso(raw)


def test_to_dtc_keeps_time_only_on_complete_dates():
    """A time is appended to complete dates only; a missing time leaves the date alone."""
    date = pd.Series(["05-JAN-2025", "UN-JAN-2025", "06-JAN-2025"])
    time = pd.Series(["14:30", "10:00", ""])
    assert to_dtc(date, time).tolist() == ["2025-01-05T14:30", "2025-01", "2025-01-06"]


def test_study_day_has_no_day_zero():
    """Day 1 is the reference date, the day before is -1 (no day 0); partial dates give no day."""
    dtc = pd.Series(["2025-01-10", "2025-01-09T08:00", "2025-01-11", "2024-12-31", "2025-01", ""])
    ref = pd.Series(["2025-01-10T09:00"] * 6)
    assert study_day(dtc, ref).tolist()[:4] == [1.0, -1.0, 2.0, -10.0]
    assert study_day(dtc, ref).isna().tolist()[4:] == [True, True]


def test_format_xpt_timestamp_is_sas_datetime():
    assert format_xpt_timestamp(dt.date(2026, 6, 30)) == "30JUN26:00:00:00"


def test_raw_dates_to_iso_on_a_column():
    """The whole-column conversion gives what the per-value one gives, and NaN where that one refuses."""
    import pandas as pd

    from cdisc.dates import raw_dates_to_iso

    values = pd.Series(["05-JAN-2025", "UN-MAR-2024", "UN-UNK-2023", "", "31-FEB-2025", "05-UNK-2025",
                        "05-XYZ-2025", "2025-01-05", "29-FEB-2024", "29-FEB-2023"])
    out = raw_dates_to_iso(values)
    assert out.tolist()[:4] == ["2025-01-05", "2024-03", "2023", ""]
    assert out.isna().tolist() == [False] * 4 + [True] * 4 + [False, True]
    assert out[8] == "2024-02-29"
    assert raw_dates_to_iso(pd.Series(["", ""])).tolist() == ["", ""]  # a column of blanks only
    years = raw_dates_to_iso(pd.Series(["01-JAN-1900", "31-DEC-2100", "31-DEC-1899", "UN-UNK-0001", "UN-JAN-9999"]))
    assert years.tolist()[:2] == ["1900-01-01", "2100-12-31"] and years.isna().tolist()[2:] == [True] * 3


def test_a_partial_date_may_be_on_or_after_a_day_when_its_latest_possible_day_is():
    """Against 2024-03-05: 2024 (up to 2024-12-31) and 2024-03 (up to 03-31) may be; 2024-02 (up to 02-29) may not;
    a complete date compares by its day (its time left aside); a blank date may be any day."""
    dates = pd.Series(["2024", "2024-03", "2024-02", "2024-03-04", "2024-03-05T00:01", "2023", ""])
    assert may_be_on_or_after(dates, pd.Series(["2024-03-05"] * 7)).tolist() == [True, True, False, False, True,
                                                                                 False, True]
