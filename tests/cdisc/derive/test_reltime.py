"""Relative time from a reference date/time (AFRLT), worked by hand (ADaMIG NCA v1.0)."""
import doctest
import math

import pandas as pd
import pytest

from cdisc.derive import reltime
from cdisc.derive.reltime import compute_reltime
from cdisc.errors import DerivationError

REF = "2024-03-05T11:10"


@pytest.mark.parametrize(("dtc", "ref", "unit", "expected"), [
    ("2024-03-06T23:10", REF,          "days",  1.5),     # 36 h later
    ("2024-03-05T10:34", REF,          "hours", -0.6),    # 36 min before the infusion
    ("2024-03-10",       REF,          "days",  5.0),     # no time: whole calendar days 10 - 5
    ("2024-03-10T08:00", "2024-03-05", "days",  5.0),     # reference without time: same rule
    ("2024-03-10T08:00", REF,          "hours", 116.833333333),  # 4 d 20 h 50 min = 116 h 50 min
])
def test_compute_reltime_hand_worked(dtc, ref, unit, expected):
    """Exact elapsed time when both times are known; whole calendar days when either time is missing."""
    out = compute_reltime(pd.Series([dtc]), pd.Series([ref]), unit=unit)
    assert out.iloc[0] == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize(("dtc", "ref"), [("2024-03", REF), ("", REF), ("2024-03-10T08:00", "")])
def test_compute_reltime_partial_or_missing_is_null(dtc, ref):
    """A partial or missing date on either side gives no relative time (never a guessed one)."""
    assert math.isnan(compute_reltime(pd.Series([dtc]), pd.Series([ref])).iloc[0])


def test_compute_reltime_unknown_unit():
    """An unknown unit is a programming error."""
    with pytest.raises(DerivationError, match="unit"):
        compute_reltime(pd.Series([REF]), pd.Series([REF]), unit="weeks")


def test_compute_reltime_docstring_example():
    """The inline example runs."""
    assert doctest.testmod(reltime).failed == 0
