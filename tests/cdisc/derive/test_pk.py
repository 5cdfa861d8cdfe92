"""Non-compartmental analysis on hand-worked profiles (PKNCA conventions; ADaMIG NCA v1.0).

Profile used throughout: times 0, 1, 2, 4 days; concentrations 0, 10, 20, 5.
Linear AUC = 0.5*(0+10)*1 + 0.5*(10+20)*1 + 0.5*(20+5)*2 = 5 + 15 + 25 = 45.
Linear-up/log-down: the last (falling) segment is (20-5)*2/ln(20/5) = 21.640425613334453, AUC = 41.640425613334453.
"""
import math

import numpy as np
import pytest

from cdisc.derive.pk import (
    compute_auc,
    compute_aucint,
    compute_auclast,
    compute_blq_conc,
    compute_blq_conc_profiles,
    compute_cmax_tmax,
    compute_cmax_tmax_profiles,
)
from cdisc.errors import DerivationError

T = [0.0, 1.0, 2.0, 4.0]
C = [0.0, 10.0, 20.0, 5.0]


def test_compute_cmax_tmax_first_occurrence_of_maximum():
    """Tmax is the time of the first occurrence of Cmax (PKNCA pk.calc.tmax, first.tmax = TRUE)."""
    assert compute_cmax_tmax([0, 1, 2, 4], [0, 20, 20, 5]) == (20.0, 1.0)


def test_compute_cmax_tmax_all_missing():
    """An all-missing profile has no Cmax or Tmax."""
    cmax, tmax = compute_cmax_tmax([0, 1], [np.nan, np.nan])
    assert math.isnan(cmax) and math.isnan(tmax)


@pytest.mark.parametrize(("method", "expected"), [
    ("linear",             45.0),
    ("linear-up/log-down", 41.640425613334453),
])
def test_compute_auc_hand_worked(method, expected):
    """Linear and linear-up/log-down trapezoids on the hand-worked profile (PKNCA pk.calc.auc)."""
    assert compute_auc(T, C, method=method) == pytest.approx(expected, rel=1e-12)


def test_compute_auc_fall_to_zero_stays_linear():
    """A fall to 0 cannot use the log trapezoid: 0.5*(0+10)*1 + 0.5*(10+0)*1 = 10."""
    assert compute_auc([0, 1, 2], [0, 10, 0], method="linear-up/log-down") == pytest.approx(10.0)


def test_compute_auc_skips_missing_samples():
    """Missing concentrations are skipped: 0,10,NaN,5 at 0,1,2,4 -> 5 + 0.5*(10+5)*3 = 27.5 (linear)."""
    assert compute_auc(T, [0.0, 10.0, np.nan, 5.0], method="linear") == pytest.approx(27.5)


def test_compute_auclast_stops_at_last_positive_concentration():
    """AUCLST ignores trailing zeros: 0,10,20,0 -> 5 + 15 = 20 (linear)."""
    assert compute_auclast(T, [0.0, 10.0, 20.0, 0.0], method="linear") == pytest.approx(20.0)


@pytest.mark.parametrize(("method", "interpolate", "expected"), [
    ("linear",             "linear", 36.25),               # C(3) = 12.5; 20 + 0.5*(20+12.5)*1
    ("linear",             "log",    35.0),                # C(3) = 20*(5/20)**0.5 = 10; 20 + 0.5*(20+10)
    ("linear-up/log-down", "log",    34.42695040888964),   # 20 + (20-10)/ln(2)
    ("linear-up/log-down", "linear", 35.95732358925832),   # 20 + (20-12.5)/ln(20/12.5)
])
def test_compute_aucint_interpolates_interval_end(method, interpolate, expected):
    """AUC0-3 with no sample at t=3: the end concentration is interpolated, never extrapolated (PKNCA)."""
    value, reason = compute_aucint(T, C, start=0, end=3, method=method, interpolate=interpolate)
    assert value == pytest.approx(expected, rel=1e-12)
    assert reason == ""


def test_compute_aucint_interval_on_samples():
    """AUC1-4 on exact sample times: 15 + 25 = 40 (linear)."""
    assert compute_aucint(T, C, start=1, end=4, method="linear").value == pytest.approx(40.0)


@pytest.mark.parametrize(("after_last", "value", "reason"), [
    ("missing",  np.nan, "profile ends at t=4, before the interval end 5; not extrapolated"),
    ("truncate", 45.0,   "truncated at the last sample t=4 (interval end 5 not reached)"),
])
def test_compute_aucint_profile_ending_early(after_last, value, reason):
    """AUC0-D90-style intervals past the last sample are NaN with a reason, or truncated when allowed."""
    out = compute_aucint(T, C, start=0, end=5, method="linear", after_last=after_last)
    np.testing.assert_allclose(out.value, value, equal_nan=True)
    assert out.reason == reason


def test_compute_aucint_start_before_first_sample_is_missing():
    """No back-extrapolation to an interval start before the first sample."""
    out = compute_aucint([1.0, 2.0], [10.0, 20.0], start=0, end=2)
    assert math.isnan(out.value) and "not extrapolated" in out.reason


@pytest.mark.parametrize(("rule", "expected"), [
    # times 0, 1, 2, 3, 5, 7 ; BLQ at 0, 2, 5 ; quantifiable 10 at 1, 20 at 3, 4 at 7 ; Tmax = 3
    ("zero-before-tmax-missing-after",  [0.0, 10.0, 0.0,    20.0, np.nan, 4.0]),
    ("zero-before-first-missing-after", [0.0, 10.0, np.nan, 20.0, np.nan, 4.0]),
    ("pknca",                           [0.0, 10.0, np.nan, 20.0, np.nan, 4.0]),
    ("zero",                            [0.0, 10.0, 0.0,    20.0, 0.0,    4.0]),
    ("missing",                         [np.nan, 10.0, np.nan, 20.0, np.nan, 4.0]),
])
def test_compute_blq_conc_rules(rule, expected):
    """Each BLQ rule places 0 or missing as documented (FDA/SAP default: 0 before Tmax, missing after)."""
    out = compute_blq_conc([0, 1, 2, 3, 5, 7], [0, 10, 0, 20, 0, 4], blq=[True, False, True, False, True, False],
                           rule=rule)
    np.testing.assert_array_equal(out, expected)


def test_compute_blq_conc_pknca_keeps_trailing_blq_as_zero():
    """PKNCA's default sets BLQ after the last quantifiable sample to 0 (conc.blq last = "keep")."""
    out = compute_blq_conc([0, 1, 2], [0, 10, 0], blq=[True, False, True], rule="pknca")
    np.testing.assert_array_equal(out, [0.0, 10.0, 0.0])


def test_compute_blq_conc_all_blq_profile_is_zero():
    """A profile without any quantifiable sample is all zeros, so its AUC is 0."""
    np.testing.assert_array_equal(compute_blq_conc([0, 1], [0, 0], blq=[True, True]), [0.0, 0.0])


@pytest.mark.parametrize(("rule", "expected"), [
    # profile 0: the six samples above (Tmax = 3); profile 1: times 0, 2, 4, BLQ at 0 and 4, 8 at 2 (Tmax = 2);
    # profile 2: all BLQ
    ("zero-before-tmax-missing-after",  [0.0, 10.0, 0.0,    20.0, np.nan, 4.0, 0.0, 8.0, np.nan, 0.0, 0.0]),
    ("zero-before-first-missing-after", [0.0, 10.0, np.nan, 20.0, np.nan, 4.0, 0.0, 8.0, np.nan, 0.0, 0.0]),
    ("pknca",                           [0.0, 10.0, np.nan, 20.0, np.nan, 4.0, 0.0, 8.0, 0.0,    0.0, 0.0]),
    ("zero",                            [0.0, 10.0, 0.0,    20.0, 0.0,    4.0, 0.0, 8.0, 0.0,    0.0, 0.0]),
    ("missing",                         [np.nan, 10.0, np.nan, 20.0, np.nan, 4.0, np.nan, 8.0, np.nan,
                                         np.nan, np.nan]),
])
def test_compute_blq_conc_profiles_treats_each_profile_alone(rule, expected):
    """Several profiles in one call: each gets its own first/last quantifiable sample and Tmax (profile 1's BLQ at
    t=4 is after its own last quantifiable sample, though before profile 0's), and a profile without a
    quantifiable sample is all zeros whatever the other profiles hold."""
    out = compute_blq_conc_profiles([0, 0, 0, 0, 0, 0, 1, 1, 1, 2, 2], [0, 1, 2, 3, 5, 7, 0, 2, 4, 0, 1],
                                    [0, 10, 0, 20, 0, 4, 0, 8, 0, 0, 0],
                                    blq=[True, False, True, False, True, False, True, False, True, True, True],
                                    rule=rule)
    np.testing.assert_array_equal(out, expected)


@pytest.mark.parametrize(("profile", "time", "match"), [
    ([0, 1, 0], [0, 1, 2], "each profile's samples together"),
    ([0, 0, 1], [0, 0, 1], "strictly increasing within a profile"),
])
def test_compute_blq_conc_profiles_refuses_unordered_samples(profile, time, match):
    """Profiles must come together and in time order; a later profile may start at an earlier time."""
    with pytest.raises(DerivationError, match=match):
        compute_blq_conc_profiles(profile, time, [1, 1, 1], blq=[False, False, False])
    np.testing.assert_array_equal(
        compute_blq_conc_profiles([0, 0, 1], [0, 5, 1], [1, 2, 3], blq=[False, False, False]), [1.0, 2.0, 3.0])


def test_compute_blq_then_auc_default_rule():
    """Default BLQ rule then linear AUC: 0,10,20,(BLQ->missing),5 at 0,1,2,4,7 = 5 + 15 + 0.5*(20+5)*5 = 82.5."""
    conc = compute_blq_conc([0, 1, 2, 4, 7], [0, 10, 20, 0, 5], blq=[True, False, False, True, False])
    assert compute_auc([0, 1, 2, 4, 7], conc, method="linear") == pytest.approx(82.5)


@pytest.mark.parametrize(("time", "conc", "match"), [
    ([0, 2, 1], [0, 1, 2], "strictly increasing"),
    ([0, 1, 1], [0, 1, 2], "strictly increasing"),
    ([0, 1], [0, -1], "negative"),
    ([0, 1], [0, 1, 2], "same length"),
])
def test_compute_auc_rejects_bad_profiles(time, conc, match):
    """Unsorted or duplicate times, negative or misaligned concentrations are programming errors."""
    with pytest.raises(DerivationError, match=match):
        compute_auc(time, conc)


def test_compute_aucint_rejects_unknown_method():
    """Options are checked against their documented values."""
    with pytest.raises(DerivationError, match="method"):
        compute_aucint(T, C, start=0, end=2, method="log")


def test_compute_aucint_interpolates_interval_start():
    """AUC0.5-2 (linear): C(0.5) = 5; 0.5*(5+10)*0.5 + 0.5*(10+20)*1 = 3.75 + 15 = 18.75."""
    assert compute_aucint(T, C, start=0.5, end=2, method="linear").value == pytest.approx(18.75)


def test_compute_aucint_interval_after_last_sample_is_missing():
    """An interval starting at or after the last sample has no data, whatever `after_last` says."""
    out = compute_aucint(T, C, start=4, end=6, after_last="truncate")
    assert math.isnan(out.value) and out.reason == "profile ends at t=4, not after the interval start 4"


def test_compute_cmax_tmax_profiles_gives_each_profile_its_own_maximum_at_its_first_time():
    """Profile 0 reaches 10 at t=1 and t=3: (10, 1); profile 1 has only a missing concentration: NaN; profile 2:
    (4, 0.5); profile 3 has no sample (count=4): NaN."""
    cmax, tmax = compute_cmax_tmax_profiles([0, 0, 0, 1, 2, 2], [0, 1, 3, 0, 0.5, 2], [2, 10, 10, np.nan, 4, 1],
                                            count=4)
    np.testing.assert_array_equal(cmax, [10.0, np.nan, 4.0, np.nan])
    np.testing.assert_array_equal(tmax, [1.0, np.nan, 0.5, np.nan])
