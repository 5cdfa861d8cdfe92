"""Summary statistics for oncology endpoints: exact binomial CI (ORR) and Kaplan-Meier (PFS, OS, DOR).

`event` arrays use 1 = event, 0 = censored (from ADTTE: event = 1 when CNSR == 0).
The quantiles are scipy.special's functions, the ones scipy.stats' `norm.ppf` and `beta.ppf` return (same bits):
importing scipy.stats would add half a second to every run.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy import special

from cdisc.errors import DerivationError

_TOL = 1e-12


class Interval(NamedTuple):
    lower: float
    upper: float


class KmMedian(NamedTuple):
    median: float
    lower: float
    upper: float


class KmEstimate(NamedTuple):
    survival: float
    std_err: float
    lower: float
    upper: float


def _alpha(alpha: float) -> float:
    if not 0 < alpha < 1:
        raise DerivationError(f"alpha: expected a number between 0 and 1, got {alpha!r}")
    return float(special.ndtri(1 - alpha / 2))


def clopper_pearson(x: int, n: int, alpha: float = 0.05) -> Interval:
    """Exact (Clopper-Pearson) confidence interval for a proportion, e.g. ORR = x responders / n.

    Rule (Clopper & Pearson, Biometrika 1934; FDA 2018 endpoints guidance reports ORR with an exact CI):
    lower = Beta(alpha/2; x, n - x + 1) quantile (0 when x = 0), upper = Beta(1 - alpha/2; x + 1, n - x)
    quantile (1 when x = n).

    Raises:
        DerivationError: n < 1, x outside 0..n, or alpha outside (0, 1).

    >>> [round(v, 4) for v in clopper_pearson(3, 6)]
    [0.1181, 0.8819]
    """
    _alpha(alpha)
    if int(n) != n or int(x) != x or n < 1 or not 0 <= x <= n:
        raise DerivationError(f"x, n: expected integers with n >= 1 and 0 <= x <= n, got x={x!r}, n={n!r}")
    lower = 0.0 if x == 0 else float(special.betaincinv(x, n - x + 1, alpha / 2))
    upper = 1.0 if x == n else float(special.betaincinv(x + 1, n - x, 1 - alpha / 2))
    return Interval(lower, upper)


def _inputs(time: object, event: object) -> tuple[np.ndarray, np.ndarray]:
    t = np.asarray(time, dtype="float64")
    e = np.asarray(event, dtype="float64")
    if t.ndim != 1 or t.shape != e.shape or len(t) == 0:
        raise DerivationError(f"time, event: expected two non-empty 1-D arrays of the same length, "
                              f"got {t.shape}, {e.shape}")
    if not np.isfinite(t).all() or (t < 0).any():
        raise DerivationError("time: expected finite, non-negative times (drop subjects without a time)")
    if not np.isin(e, [0, 1]).all():
        raise DerivationError("event: expected 1 (event) or 0 (censored); from ADTTE use 1 - (CNSR > 0)")
    return t, e.astype(int)


def _km(t: np.ndarray, e: np.ndarray) -> pd.DataFrame:
    times = np.unique(t)
    n_event = np.array([e[t == u].sum() for u in times])
    n_total = np.array([(t == u).sum() for u in times])
    n_risk = np.array([(t >= u).sum() for u in times])
    surv = np.cumprod(1 - n_event / n_risk)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(n_event > 0, n_event / (n_risk * (n_risk - n_event)), 0.0)
        gsum = np.cumsum(terms)
        std_err = np.where(surv > 0, surv * np.sqrt(gsum), np.nan)
    return pd.DataFrame({"time": times, "n_at_risk": n_risk, "n_event": n_event, "n_censor": n_total - n_event,
                         "survival": surv, "std_err": std_err,
                         "_gsum": gsum})


def kaplan_meier(time: object, event: object) -> pd.DataFrame:
    """Kaplan-Meier product-limit estimate with Greenwood standard errors.

    Rule (Kaplan & Meier 1958; Greenwood 1926): at each distinct time t_i with n_i subjects at risk
    (time >= t_i) and d_i events, S(t_i) = prod_{j<=i} (1 - d_j / n_j); subjects censored at t_i are
    at risk for the events at t_i. SE S(t_i) = S(t_i) * sqrt(sum_{j<=i} d_j / (n_j (n_j - d_j)));
    missing once S = 0.

    Args:
        time: follow-up times (e.g. ADTTE AVAL). event: 1 = event, 0 = censored.

    Returns:
        One row per distinct time, ascending: time, n_at_risk, n_event, n_censor, survival, std_err.

    Raises:
        DerivationError: bad inputs.

    >>> kaplan_meier([1, 2, 3], [1, 0, 1])["survival"].round(4).tolist()
    [0.6667, 0.6667, 0.0]
    """
    return _km(*_inputs(time, event)).drop(columns="_gsum")


def _loglog_band(surv: np.ndarray, gsum: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    """Pointwise log-log CI: S ** exp(+/- z * sqrt(gsum) / |ln S|); [1, 1] at S = 1 and [0, 0] at S = 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        se = np.sqrt(gsum) / np.abs(np.log(surv))
        lower, upper = surv ** np.exp(z * se), surv ** np.exp(-z * se)
    edge = (surv >= 1 - _TOL) | (surv <= _TOL)
    return np.where(edge, np.round(surv), lower), np.where(edge, np.round(surv), upper)


def _first_at_or_below(times: np.ndarray, curve: np.ndarray, p: float) -> float:
    """Smallest time with curve <= p; when the curve equals p exactly, the midpoint to the next drop."""
    below = np.flatnonzero(curve <= p + _TOL)
    if len(below) == 0:
        return float("nan")
    k = below[0]
    if abs(curve[k] - p) <= _TOL:
        lower_later = np.flatnonzero(curve[k + 1:] < p - _TOL)
        if len(lower_later):
            return float((times[k] + times[k + 1 + lower_later[0]]) / 2)
    return float(times[k])


def km_median(time: object, event: object, *, alpha: float = 0.05) -> KmMedian:
    """Median time to event with the Brookmeyer-Crowley confidence interval (log-log transform).

    Rule: median = the smallest time with S(t) <= 0.5; if S(t) = 0.5 exactly on an interval, the
    midpoint of that interval (R `survival` and SAS PROC LIFETEST convention). CI (Brookmeyer & Crowley,
    Biometrics 1982), inverted from the pointwise log-log band: g(S) = ln(-ln S), SE(g) =
    sqrt(sum d/(n(n-d))) / |ln S|, band S ** exp(+/- z SE(g)) (SAS CONFTYPE=LOGLOG, R conf.type
    "log-log"); lower limit = first time the band's lower curve is <= 0.5, upper limit = first time the
    upper curve is <= 0.5. Limits not reached are NaN ("not estimable"). At S = 0 the band is [0, 0].

    Args:
        time, event: as in `kaplan_meier`. alpha: 1 - confidence level.

    Returns:
        KmMedian(median, lower, upper).

    Raises:
        DerivationError: bad inputs or alpha.

    >>> km_median([1, 2, 3, 4], [1, 1, 1, 1]).median
    2.5
    """
    z = _alpha(alpha)
    km = _km(*_inputs(time, event))
    km = km[km["n_event"] > 0]
    times, surv = km["time"].to_numpy(), km["survival"].to_numpy()
    lower, upper = _loglog_band(surv, km["_gsum"].to_numpy(), z)
    return KmMedian(_first_at_or_below(times, surv, 0.5), _first_at_or_below(times, lower, 0.5),
                    _first_at_or_below(times, upper, 0.5))


def km_landmark(time: object, event: object, t: float, *, alpha: float = 0.05) -> KmEstimate:
    """Kaplan-Meier survival at a landmark time (e.g. 6-month PFS rate) with a log-log Greenwood CI.

    Rule: S(t) from the product-limit estimate at the last distinct time <= t (1 before the first
    event); SE by Greenwood; CI = S ** exp(+/- z * SE(ln(-ln S))) with SE(ln(-ln S)) =
    sqrt(sum d/(n(n-d))) / |ln S| (Kalbfleisch & Prentice; SAS CONFTYPE=LOGLOG). A landmark after the
    largest observed time is not estimable: all values NaN.

    Args:
        time, event: as in `kaplan_meier`. t: the landmark (same unit as `time`). alpha: 1 - level.

    Returns:
        KmEstimate(survival, std_err, lower, upper).

    Raises:
        DerivationError: bad inputs, alpha, or a negative landmark.

    >>> round(km_landmark([1, 2, 3, 4, 5], [1, 0, 1, 1, 0], 3).survival, 4)
    0.5333
    """
    z = _alpha(alpha)
    tt, e = _inputs(time, event)
    if not np.isfinite(t) or t < 0:
        raise DerivationError(f"t: expected a non-negative landmark time, got {t!r}")
    if t > tt.max():
        return KmEstimate(np.nan, np.nan, np.nan, np.nan)
    km = _km(tt, e)
    upto = km[km["time"] <= t]
    if upto.empty:
        return KmEstimate(1.0, 0.0, 1.0, 1.0)
    row = upto.iloc[-1]
    surv, gsum = np.array([row["survival"]]), np.array([row["_gsum"]])
    lower, upper = _loglog_band(surv, gsum, z)
    return KmEstimate(float(surv[0]), float(row["std_err"]), float(lower[0]), float(upper[0]))


def km_at_risk(time: object, at: object) -> list[int]:
    """Numbers at risk under a Kaplan-Meier plot: subjects whose follow-up time is >= each time in `at`.

    Rule (the risk set of Kaplan & Meier 1958, as printed under survival curves): a subject censored or with an
    event at t is still at risk at t.

    Raises:
        DerivationError: bad times.

    >>> km_at_risk([1, 2, 3, 3], [0, 2, 3, 4])
    [4, 3, 2, 0]
    """
    t, _ = _inputs(time, np.zeros(len(np.atleast_1d(time))))
    return [int((t >= x).sum()) for x in np.asarray(at, dtype="float64")]
