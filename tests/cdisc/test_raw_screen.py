"""The whole-column screens of the raw checks (`cdisc.raw._Screen`, `_CERTAIN`): a column they pass is never
parsed value by value, so every value a shape passes must be one the parser accepts (soundness, checked here
against the parser and Python's calendar), and the values of a clean export must pass (or the screen saves
nothing)."""
import datetime as dt
import itertools
import re

import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cdisc.dates import DEFAULT_FORMAT, raw_date_to_iso
from cdisc.raw import _CERTAIN, TEXT, _parse_float, _parse_integer, _Screen, check_raw_time, in_values

PROPERTY = settings(max_examples=300, deadline=None)


def passes(kind: str, values: list[str]) -> list[bool]:
    """Whether the screen lets each value through alone."""
    return [_Screen(pa.array([v], pa.large_string())).all_blank_or(_CERTAIN[kind, DEFAULT_FORMAT]) for v in values]


def test_every_raw_date_the_shape_passes_is_a_date_the_parser_accepts():
    """Every day (00-39 and UN), month (the twelve, UNK, and a wrong one) and year 1890-2110: 127,143 values."""
    days = [f"{d:02d}" for d in range(40)] + ["UN"]
    months = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC", "UNK", "FEV"]
    values = [f"{d}-{m}-{y}" for d, m, y in itertools.product(days, months, range(1890, 2111))]
    shape = _Screen(pa.array(values, pa.large_string()))
    certain = pa.compute.match_substring_regex(shape.text, f"^(?:{_CERTAIN['date', DEFAULT_FORMAT]})$").to_pylist()
    for value, passed in zip(values, certain, strict=True):
        if passed:
            raw_date_to_iso(value)  # raises for a value the shape should not have passed


def test_every_calendar_day_from_1900_to_2100_passes_the_date_shape():
    day, last, values = dt.date(1900, 1, 1), dt.date(2100, 12, 31), []
    while day <= last:
        values.append(day.strftime("%d-%b-%Y").upper())
        day += dt.timedelta(days=1)
    assert len(values) == 73_414
    assert _Screen(pa.array(values, pa.large_string())).all_blank_or(_CERTAIN["date", DEFAULT_FORMAT])


@pytest.mark.parametrize(("value", "passed"), [
    ("29-FEB-2024", True), ("29-FEB-2000", True), ("29-FEB-1904", True), ("UN-UNK-2100", True), ("", True),
    ("29-FEB-2023", False), ("29-FEB-1900", False), ("29-FEB-2100", False), ("31-APR-2024", False),
    ("01-JAN-1899", False), ("01-JAN-2101", False), ("15-UNK-2024", False), ("1-JAN-2024", False),
])
def test_the_date_shape_on_leap_days_month_ends_and_year_limits(value, passed):
    assert passes("date", [value]) == [passed]


@pytest.mark.parametrize(("kind", "parse"), [("integer", _parse_integer), ("float", _parse_float),
                                             ("time", check_raw_time)])
@PROPERTY
@given(data=st.data())
def test_every_number_or_time_the_shape_passes_is_one_the_parser_accepts(kind, parse, data):
    value = data.draw(st.from_regex(re.compile(_CERTAIN[kind, DEFAULT_FORMAT], re.ASCII), fullmatch=True))
    assert passes(kind, [value]) == [True]
    parse(value)  # raises for a value the shape should not have passed


@pytest.mark.parametrize(("kind", "value"), [
    ("integer", "1234567890123456"),  # 16 digits: the parser decides (2**53)
    ("integer", "1_000"), ("integer", " 5"), ("integer", "\u0663"),  # an Arabic-Indic 3: Python's \d, not RE2's
    ("float", "1e3"), ("float", "inf"), ("float", "."), ("float", "1.2.3"),
    ("time", "24:00"), ("time", "7:30"),
])
def test_values_the_shapes_leave_to_the_parser(kind, value):
    assert passes(kind, [value]) == [False]


def test_the_screens_answer_for_the_whole_column():
    screen = _Screen(pa.array(["A", "", "caf\u00e9", "x" * 201], pa.large_string()))
    assert (screen.all_ascii(), screen.any_blank(), screen.longest()) == (False, True, 201)
    assert screen.all_in({"A", "", "caf\u00e9", "x" * 201}) and not screen.all_in({"A", ""})
    assert screen.any_match(r"[\x00-\x1f]") is False


def test_in_values_is_isin_for_a_form_column():
    """A form's text column (Arrow) against a column of text with a missing value; another column is pandas' own."""
    column = pd.Series(["001", "002", "", "9"], dtype=TEXT, index=[4, 5, 6, 7], name="SUBJID")
    found = in_values(column, pd.Series(["002", None, "9", "001"], dtype=object))
    assert found.tolist() == [True, True, False, True]
    assert found.index.tolist() == [4, 5, 6, 7] and found.name == "SUBJID"
    assert in_values(column, pd.Series([1, "9"], dtype=object)).tolist() == [False, False, False, True]  # 1 is no text
    plain = pd.Series(["a", "b"], dtype=object)
    assert in_values(plain, pd.Series(["b"])).tolist() == [False, True]
