"""cdisc.derive.dates: date imputation with DATEFL flags (admiral derive_vars_dt semantics), study day without
Day 0, duration, extreme date over several sources, SAS numbers back to dates. Expected values hand-worked."""
from __future__ import annotations

import doctest

import numpy as np
import pandas as pd
import pytest

from cdisc.derive import dates
from cdisc.derive.dates import (
    compute_dt_from_sas,
    compute_duration,
    compute_study_day,
    derive_var_extreme_dt,
    derive_vars_dt,
)
from cdisc.errors import DerivationError

NAT = pd.NaT


def _iso(values: pd.Series) -> list[str]:
    return values.dt.strftime("%Y-%m-%d").fillna("").tolist()


@pytest.mark.parametrize(("dtc", "highest", "how", "trt", "death", "expected", "flag"), [
    # complete dates are never changed, whatever the bounds
    ("2024-03-09T10:00", "M", "first", "2024-03-20", None, "2024-03-09", ""),
    # missing day, first: 1st of month; raised to TRTSDT when TRTSDT is in that month
    ("2024-04", "M", "first", "2024-03-05", None, "2024-04-01", "D"),
    ("2024-03", "M", "first", "2024-03-05", None, "2024-03-05", "D"),
    # missing month: 1 January, raised to TRTSDT in the same year
    ("2024", "M", "first", "2025-01-10", None, "2024-01-01", "M"),
    ("2024", "M", "first", "2024-03-05", None, "2024-03-05", "M"),
    # last: end of month / year, lowered to a death date within range
    ("2024-02", "M", "last", None, None, "2024-02-29", "D"),
    ("2024-06", "M", "last", None, "2024-06-20", "2024-06-20", "D"),
    ("2024", "M", "last", None, "2024-06-20", "2024-06-20", "M"),
    ("2024", "M", "last", None, "2025-01-02", "2024-12-31", "M"),
    # imputation level: D does not impute a missing month; n imputes nothing
    ("2024", "D", "first", None, None, "", ""),
    ("2024-03", "n", "first", None, None, "", ""),
    ("", "M", "first", None, None, "", ""),
])
def test_derive_vars_dt_imputes_and_flags(dtc, highest, how, trt, death, expected, flag):
    """admiral derive_vars_dt: first/last imputation up to the highest level, restricted by min/max dates."""
    df = pd.DataFrame({"DTC": [dtc], "TRTSDT": pd.to_datetime([trt]), "DTHDT": pd.to_datetime([death])})
    out = derive_vars_dt(df, new_vars_prefix="AST", dtc="DTC", highest_imputation=highest, date_imputation=how,
                         min_dates=["TRTSDT"], max_dates=["DTHDT"])
    assert _iso(out["ASTDT"]) == [expected]
    assert out["ASTDTF"].tolist() == [flag]


@pytest.mark.parametrize("bad", ["2024-13", "2024-02-30", "05MAR2024", "2024---05"])
def test_derive_vars_dt_rejects_invalid_dates(bad):
    """A value that is not a valid right-truncated ISO 8601 date is a DerivationError naming it."""
    with pytest.raises(DerivationError, match=bad):
        derive_vars_dt(pd.DataFrame({"DTC": [bad]}), new_vars_prefix="A", dtc="DTC")


def test_derive_vars_dt_imputes_each_record_of_a_column():
    """Distinct values are parsed together: each record gets its own month's last day (28 or 29 February, 31
    December of a year alone), a repeated value the same date, a blank none."""
    df = pd.DataFrame({"DTC": ["2023-02", "2024-02", "2024", "", "2023-02", "2024-04-30T08:15"]})
    out = derive_vars_dt(df, new_vars_prefix="AEN", dtc="DTC", highest_imputation="M", date_imputation="last")
    assert _iso(out["AENDT"]) == ["2023-02-28", "2024-02-29", "2024-12-31", "", "2023-02-28", "2024-04-30"]
    assert out["AENDTF"].tolist() == ["D", "D", "M", "", "D", ""]


def test_derive_vars_dt_names_the_first_row_of_an_invalid_date():
    """An invalid value among valid ones is named with the first row (index label) that holds it."""
    df = pd.DataFrame({"DTC": ["2024-01-05", "2023-02-29", "2024", "2023-02-29"]}, index=[10, 11, 12, 13])
    with pytest.raises(DerivationError, match=r"df\['DTC'\] row 11: '2023-02-29' is not a valid calendar date"):
        derive_vars_dt(df, new_vars_prefix="A", dtc="DTC")


def test_derive_vars_dt_rejects_unknown_options():
    """Unknown highest_imputation is a programming error."""
    with pytest.raises(DerivationError, match="highest_imputation"):
        derive_vars_dt(pd.DataFrame({"DTC": ["2024"]}), new_vars_prefix="A", dtc="DTC", highest_imputation="Y")


def test_compute_study_day_has_no_day_zero():
    """Day 1 = reference day, the day before is Day -1 (SDTMIG --DY convention)."""
    ref = pd.to_datetime(pd.Series(["2024-03-05"] * 4))
    got = compute_study_day(pd.to_datetime(pd.Series(["2024-03-05", "2024-03-04", "2024-04-01", None])), ref)
    assert got.fillna(-99).tolist() == [1.0, -1.0, 28.0, -99]


def test_compute_duration_counts_both_ends():
    """Same-day event lasts 1 day; 2024-04-01 to 2024-06-20 is 81 days."""
    start = pd.to_datetime(pd.Series(["2024-03-05", "2024-04-01", None]))
    end = pd.to_datetime(pd.Series(["2024-03-05", "2024-06-20", "2024-06-20"]))
    assert compute_duration(start, end).fillna(-99).tolist() == [1.0, 81.0, -99]


def test_derive_var_extreme_dt_takes_latest_complete_date_up_to_cut():
    """Partial dates are ignored and dates after `upper` dropped; a subject without dates stays null."""
    adsl = pd.DataFrame({"USUBJID": ["1", "2", "3"]})
    add = {"AE": pd.DataFrame({"USUBJID": ["1", "1", "2"], "AEENDTC": ["2024-05-01", "2024-06", "2024-07-01T10:00"]}),
           "LB": pd.DataFrame({"USUBJID": ["1", "2"], "LBDTC": ["2024-04-30", "2026-07-02"]})}
    out = derive_var_extreme_dt(adsl, dataset_add=add, by=["USUBJID"], new_var="LSTALVDT",
                                sources=["AE.AEENDTC", "LB.LBDTC"], upper=pd.Timestamp("2026-06-30"))
    assert _iso(out["LSTALVDT"]) == ["2024-05-01", "2024-07-01", ""]
    first = derive_var_extreme_dt(adsl, dataset_add=add, by=["USUBJID"], new_var="FIRSTDT",
                                  sources=["AE.AEENDTC", "LB.LBDTC"], mode="first")
    assert _iso(first["FIRSTDT"]) == ["2024-04-30", "2024-07-01", ""]


def test_derive_var_extreme_dt_unknown_source_dataset():
    """A source naming a dataset not passed in dataset_add is a DerivationError."""
    with pytest.raises(DerivationError, match="VS"):
        derive_var_extreme_dt(pd.DataFrame({"USUBJID": ["1"]}), dataset_add={}, by=["USUBJID"], new_var="X",
                              sources=["VS.VSDTC"])


def test_compute_dt_from_sas_days_and_seconds():
    """SAS day 23440 = 2024-03-05; 2025252000 seconds = 2024-03-05T10:00."""
    assert _iso(compute_dt_from_sas(pd.Series([23440.0, np.nan]))) == ["2024-03-05", ""]
    got = compute_dt_from_sas(pd.Series([2025252000.0]), unit="seconds")
    assert got.tolist() == [pd.Timestamp("2024-03-05 10:00")]


def test_docstring_examples_run():
    """Every `>>>` example in cdisc/derive/dates.py passes doctest."""
    result = doctest.testmod(dates, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0 and result.attempted > 0


def test_derive_vars_dt_names_the_first_row_holding_an_invalid_value():
    """A repeated invalid date is reported once, with the index label of the first row that holds it."""
    df = pd.DataFrame({"DTC": ["2024-03-01", "2024-02-30", "2024", "2024-02-30"]}, index=[10, 11, 12, 13])
    with pytest.raises(DerivationError, match=r"row 11: '2024-02-30'"):
        derive_vars_dt(df, new_vars_prefix="A", dtc="DTC")


def test_derive_vars_dt_imputes_each_record_with_its_own_bounds():
    """One partial date on three records: each record is restricted by its own TRTSDT (2nd: in range, raised;
    3rd: outside March, not used), and the result keeps the input's index."""
    df = pd.DataFrame({"DTC": ["2024-03", "2024-03", "2024-03"],
                       "TRTSDT": pd.to_datetime([None, "2024-03-20", "2024-04-02"])}, index=[5, 3, 9])
    out = derive_vars_dt(df, new_vars_prefix="AST", dtc="DTC", highest_imputation="D", min_dates=["TRTSDT"])
    assert out.index.tolist() == [5, 3, 9]
    assert _iso(out["ASTDT"]) == ["2024-03-01", "2024-03-20", "2024-03-01"]
    assert out["ASTDTF"].tolist() == ["D", "D", "D"]
