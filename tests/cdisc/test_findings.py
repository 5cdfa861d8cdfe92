"""Findings verbs: unit conversion (factor and offset) and the reference range indicator of standardized results."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cdisc.algorithms import standard_number, standardize
from cdisc.errors import MappingError
from cdisc.findings import reference_range_indicator, wide_to_long

CONVERSIONS = pd.DataFrame({"TESTCD": ["TEMP", "TEMP", "CRP"], "ORRESU": ["C", "F", "mg/dL"],
                            "STRESU": ["C", "C", "mg/L"], "FACTOR": ["1", "0.5555555556", "10"],
                            "OFFSET": ["", "-32", ""]})


@pytest.mark.parametrize(("orres", "unit", "test", "stresc", "stresn", "stresu"), [
    ("98.6", "F", "TEMP", "37", 37.0, "C"),            # (98.6 - 32) x 5/9
    ("101.0", "F", "TEMP", "38.333333", 38.333333, "C"),
    ("36.8", "C", "TEMP", "36.8", 36.8, "C"),
    ("<95", "F", "TEMP", "<35", np.nan, "C"),           # censored: sign kept, STRESN null (SDTMIG 3.4 §4.5.1)
    ("<0.5", "mg/dL", "CRP", "<5", np.nan, "mg/L"),
    ("", "", "CRP", "", np.nan, ""),                    # not done
])
def test_standardize_converts_with_factor_and_offset(orres, unit, test, stresc, stresn, stresu):
    """STRESN = (ORRES + OFFSET) x FACTOR; a blank OFFSET is 0."""
    out = standardize(pd.Series([orres]), pd.Series([unit]), pd.Series([test]), CONVERSIONS, source="vs.csv")
    assert out["STRESC"].tolist() == [stresc]
    np.testing.assert_allclose(out["STRESN"].astype(float), [stresn])
    assert out["STRESU"].tolist() == [stresu]


def test_standard_number_is_a_limit_in_its_standard_unit_with_the_same_errors():
    """A reference range limit: (98.6 - 32) x 5/9 = 37 C; a censored or blank limit has no number; a decimal comma is
    refused as a result is."""
    limits = standard_number(pd.Series(["98.6", "<0.5", "", "36.8"]), pd.Series(["F", "mg/dL", "", "C"]),
                             pd.Series(["TEMP", "CRP", "CRP", "TEMP"]), CONVERSIONS, source="lb.csv LBORNRLO")
    np.testing.assert_allclose(limits.astype(float), [37.0, np.nan, np.nan, 36.8])
    with pytest.raises(MappingError, match=r"lb.csv LBORNRHI: 1 result\(s\) with a unit are no finite number \(row 2"):
        standard_number(pd.Series(["36,8"]), pd.Series(["C"]), pd.Series(["TEMP"]), CONVERSIONS,
                        source="lb.csv LBORNRHI", rows=pd.Series([2]))


def test_standardize_rejects_a_unit_without_conversion():
    """A (test, unit) pair missing from the table is a MappingError naming it and the rows of its records (their
    units; the rows were not named)."""
    with pytest.raises(MappingError, match="TEMP"):
        standardize(pd.Series(["310"]), pd.Series(["K"]), pd.Series(["TEMP"]), CONVERSIONS, source="vs.csv")
    with pytest.raises(MappingError) as info:
        standardize(pd.Series(["310", "36.8", "311"]), pd.Series(["K", "C", "K"]), pd.Series(["TEMP"] * 3),
                    CONVERSIONS, source="vs.csv VSORRES", rows=pd.Series([4, 6, 9]))
    assert str(info.value) == ("vs.csv VSORRES: no unit conversion for (test, unit) [('TEMP', 'K')] (units: row 4 "
                               "'K', row 9 'K'); add it to the spec")


def test_standardize_refuses_a_result_with_a_unit_that_is_no_number():
    """`6,76` with a decimal comma (a locale's export) cannot be converted and would leave ORRESU without STRESU, and
    `1e400` is no finite number: a MappingError quoting each with its row, not a silent text result or an infinite
    STRESN. A text result without a unit is copied."""
    with pytest.raises(MappingError) as info:
        standardize(pd.Series(["36.8", "36,8", "POSITIVE", "1e400"]), pd.Series(["C", "C", "", "C"]),
                    pd.Series(["TEMP", "TEMP", "CRP", "TEMP"]), CONVERSIONS, source="vs.csv VSORRES",
                    rows=pd.Series([4, 7, 9, 12]))
    assert str(info.value) == ("vs.csv VSORRES: 2 result(s) with a unit are no finite number (row 7 '36,8', row 12 "
                               "'1e400'): a decimal comma? a text result takes no unit; correct them in the export")
    out = standardize(pd.Series(["POSITIVE"]), pd.Series([""]), pd.Series(["CRP"]), CONVERSIONS, source="vs.csv")
    assert (out["STRESC"].tolist(), out["STRESU"].tolist()) == (["POSITIVE"], [""])
    assert out["STRESN"].isna().all()


def test_standardize_names_every_record_of_a_repeated_bad_result():
    """The results are converted once per distinct (result, unit, test), but a refused one is counted and shown
    record by record: `36,8` typed on rows 3 and 8 is 2 results, not 1."""
    with pytest.raises(MappingError) as info:
        standardize(pd.Series(["36,8", "36.8", "36,8"]), pd.Series(["C", "C", "C"]),
                    pd.Series(["TEMP", "TEMP", "TEMP"]), CONVERSIONS, source="vs.csv VSORRES",
                    rows=pd.Series([3, 5, 8]))
    assert str(info.value) == ("vs.csv VSORRES: 2 result(s) with a unit are no finite number (row 3 '36,8', row 8 "
                               "'36,8'): a decimal comma? a text result takes no unit; correct them in the export")


def test_standardize_refuses_a_result_no_xpt_number_holds_in_its_standard_unit():
    """XPT v5 numbers reach 7.2e75: 1e75 mg/dL of CRP is 1e76 mg/L (x 10) and 1e80 C stays 1e80, so both are
    refused naming their rows; 7e74 mg/dL is 7e75 mg/L and fits. Refused here, the raw rows are named, not lb.xpt."""
    with pytest.raises(MappingError) as info:
        standardize(pd.Series(["1e75", "7e74", "1e80"]), pd.Series(["mg/dL", "mg/dL", "C"]),
                    pd.Series(["CRP", "CRP", "TEMP"]), CONVERSIONS, source="lb.csv LBORRES",
                    rows=pd.Series([3, 5, 8]))
    assert str(info.value) == ("lb.csv LBORRES: 2 result(s) are, in their standard unit, outside the IBM float "
                               "range of XPT v5 (magnitude 5.4e-79 to 7.2e75, or 0) (row 3 '1e75', row 8 '1e80'); "
                               "correct them in the export")
    out = standardize(pd.Series(["7e74"]), pd.Series(["mg/dL"]), pd.Series(["CRP"]), CONVERSIONS, source="lb.csv")
    assert out["STRESN"].tolist() == [7e75]


@pytest.mark.parametrize(("stresc", "low", "high", "expected"), [
    ("1", 2.0, 8.0, "LOW"),
    ("2", 2.0, 8.0, "NORMAL"),          # limits included
    ("9", 2.0, 8.0, "HIGH"),
    ("5", np.nan, 8.0, "NORMAL"),       # one-sided range
    ("5", np.nan, np.nan, ""),          # no range
    ("<0.1", 1.1, 3.2, "LOW"),          # below a limit under the lower limit
    ("<5", 0.0, 5.0, "NORMAL"),         # below the upper limit of a range starting at 0
    ("<3", 2.0, 8.0, ""),               # could be LOW or NORMAL
    (">1000", 0.0, 7.0, "HIGH"),
    (">3", 2.0, np.nan, "NORMAL"),
    (">3", 2.0, 8.0, ""),               # could be NORMAL or HIGH
    ("ABNORMAL", 2.0, 8.0, ""),
    ("", 2.0, 8.0, ""),
])
def test_reference_range_indicator_classes_numbers_and_censored_results(stresc, low, high, expected):
    """LOW/NORMAL/HIGH (CT NRIND C78736) only when the standardized value decides it."""
    out = reference_range_indicator(pd.Series([stresc]), pd.Series([low]), pd.Series([high]))
    assert out.tolist() == [expected]


def test_wide_to_long_one_row_per_result_and_not_done_rows_kept():
    """Row 1 has two results, row 2 none (kept: marked not done), row 3 one; the test table's columns travel."""
    form = pd.DataFrame({"PAT": ["a", "b", "c"], "SYS": ["120", "", ""], "PULSE": ["60", "", "72"],
                         "RAW_ROW": [1, 2, 3]})
    tests = pd.DataFrame({"FIELD": ["SYS", "PULSE"], "TESTCD": ["SYSBP", "PULSE"], "UNIT": ["mmHg", "beats/min"]})
    long = wide_to_long(form, tests, result="ORRES", keep_blank=pd.Series([False, True, False]))
    assert long[["PAT", "RAW_ROW", "TESTCD", "UNIT", "ORRES"]].values.tolist() == [
        ["a", 1, "SYSBP", "mmHg", "120"], ["a", 1, "PULSE", "beats/min", "60"],
        ["b", 2, "SYSBP", "mmHg", ""], ["b", 2, "PULSE", "beats/min", ""],
        ["c", 3, "PULSE", "beats/min", "72"]]


def test_standardize_rounds_to_the_digits_of_the_conversion():
    """DIGITS 2: 146 LB x 0.45359237 = 66.2244860 -> 66.22; (96.9 F - 32) x 5/9 = 36.0555... -> 36.06 C."""
    conversions = pd.DataFrame({"TESTCD": ["WEIGHT", "TEMP"], "ORRESU": ["LB", "F"], "STRESU": ["kg", "C"],
                                "FACTOR": ["0.45359237", "0.5555555555555556"], "OFFSET": ["", "-32"],
                                "DIGITS": ["2", "2"]})
    out = standardize(pd.Series(["146", "96.9"]), pd.Series(["LB", "F"]), pd.Series(["WEIGHT", "TEMP"]),
                      conversions, source="test")
    assert out.values.tolist() == [["66.22", 66.22, "kg"], ["36.06", 36.06, "C"]]
