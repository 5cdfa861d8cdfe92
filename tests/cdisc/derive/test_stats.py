"""Exact binomial CI and Kaplan-Meier estimates on hand-worked examples.

KM example A (5 subjects): times 1, 2, 3, 4, 5; events 1, 0, 1, 1, 0.
  S(1) = 4/5 = 0.8; S(3) = 0.8 * 2/3 = 0.533333; S(4) = 0.533333 * 1/2 = 0.266667.
  Greenwood sums: 1/(5*4) = 0.05; + 1/(3*2) = 0.216667; + 1/(2*1) = 0.716667.
  Log-log band S ** exp(+/- 1.959964 * sqrt(sum) / |ln S|): t=1 (0.203809, 0.969180); t=3 (0.068332, 0.863071);
  t=4 (0.009677, 0.686136). Median 4 (first S <= 0.5); lower limit 1 (0.2038 <= 0.5); upper never <= 0.5.
KM example B (10 subjects): events at 1..9, censored at 10; S(k) = (10-k)/10, Greenwood sum 1/(10-k) - 1/10.
  S(5) = 0.5 exactly -> median = (5 + 6)/2 = 5.5; lower band first <= 0.5 at t=1 (0.473009);
  upper band first <= 0.5 at t=8 (0.474715; 0.577867 at t=7).
"""
import math

import numpy as np
import pandas as pd
import pytest

from cdisc.derive.stats import clopper_pearson, kaplan_meier, km_landmark, km_median
from cdisc.errors import DerivationError

A_TIME, A_EVENT = [1, 2, 3, 4, 5], [1, 0, 1, 1, 0]
B_TIME, B_EVENT = list(range(1, 11)), [1] * 9 + [0]


@pytest.mark.parametrize(("x", "n", "lower", "upper"), [
    (3, 6, 0.1181172, 0.8818828),
    (0, 6, 0.0,       0.4592581),   # 1 - 0.025 ** (1/6)
    (6, 6, 0.5407419, 1.0),         # 0.025 ** (1/6)
    (1, 10, 0.0025286, 0.4450161),
])
def test_clopper_pearson_exact_limits(x, n, lower, upper):
    """Clopper-Pearson 95 % limits (Clopper & Pearson 1934), e.g. 3/6 -> (0.1181, 0.8819)."""
    assert clopper_pearson(x, n) == pytest.approx((lower, upper), abs=1e-7)


@pytest.mark.parametrize(("x", "n"), [(7, 6), (-1, 6), (1, 0), (1.5, 6)])
def test_clopper_pearson_rejects_impossible_counts(x, n):
    """Counts must be integers with 0 <= x <= n and n >= 1."""
    with pytest.raises(DerivationError, match="0 <= x <= n"):
        clopper_pearson(x, n)


def test_kaplan_meier_table_hand_worked():
    """Product-limit table with Greenwood SE (Kaplan & Meier 1958): example A."""
    expected = pd.DataFrame({
        "time":      [1.0,      2.0,      3.0,      4.0,      5.0],
        "n_at_risk": [5,        4,        3,        2,        1],
        "n_event":   [1,        0,        1,        1,        0],
        "n_censor":  [0,        1,        0,        0,        1],
        "survival":  [0.8,      0.8,      0.533333, 0.266667, 0.266667],
        "std_err":   [0.178885, 0.178885, 0.248253, 0.225750, 0.225750],
    })
    pd.testing.assert_frame_equal(kaplan_meier(A_TIME, A_EVENT), expected, check_dtype=False, atol=1e-6)


def test_kaplan_meier_ties_events_before_censoring():
    """Subjects censored at an event time are at risk for it: times 2,2,2 with events 1,1,0 -> S(2) = 1/3."""
    out = kaplan_meier([2, 2, 2], [1, 1, 0])
    assert out[["n_at_risk", "n_event", "n_censor"]].values.tolist() == [[3, 2, 1]]
    assert out["survival"][0] == pytest.approx(1 / 3)


def test_km_median_hand_worked_upper_not_reached():
    """Median 4 with Brookmeyer-Crowley log-log limits (1, not estimable) for example A."""
    median, lower, upper = km_median(A_TIME, A_EVENT)
    assert (median, lower) == (4.0, 1.0)
    assert math.isnan(upper)


def test_km_median_flat_at_half_uses_midpoint():
    """S = 0.5 exactly on [5, 6): median 5.5 (R survival / SAS LIFETEST); limits 1 and 8 for example B."""
    assert km_median(B_TIME, B_EVENT) == (5.5, 1.0, 8.0)


def test_km_median_not_reached():
    """When S never reaches 0.5 the median is not estimable."""
    assert all(math.isnan(v) for v in km_median([1, 2, 3], [0, 0, 0]))


@pytest.mark.parametrize(("t", "surv", "se", "lower", "upper"), [
    (0.5, 1.0,      0.0,      1.0,      1.0),        # before the first event
    (2.5, 0.8,      0.178885, 0.203809, 0.969180),
    (3.0, 0.533333, 0.248253, 0.068332, 0.863071),
    (4.0, 0.266667, 0.225750, 0.009677, 0.686136),
])
def test_km_landmark_greenwood_loglog(t, surv, se, lower, upper):
    """Landmark survival with Greenwood SE and log-log CI (Kalbfleisch & Prentice) on example A."""
    assert km_landmark(A_TIME, A_EVENT, t) == pytest.approx((surv, se, lower, upper), abs=1e-6)


def test_km_landmark_beyond_follow_up_is_not_estimable():
    """No extrapolation past the largest observed time."""
    assert all(np.isnan(v) for v in km_landmark(A_TIME, A_EVENT, 6))


def test_kaplan_meier_rejects_cnsr_coding():
    """`event` is 1 = event; ADTTE CNSR codes such as 2 are rejected with a hint."""
    with pytest.raises(DerivationError, match="1 - \\(CNSR > 0\\)"):
        kaplan_meier([1, 2], [0, 2])
