"""Non-compartmental analysis (ADaMIG for NCA Input Data v1.0; PKNCA conventions) for one profile.

Every function takes one subject's profile as `time` and `conc` arrays (same length, times strictly
increasing, e.g. days from the CAR-T infusion). Missing concentrations (NaN) are skipped; BLQ handling
is a separate, explicit step (`compute_blq_conc`) so the rule is visible in the calling code.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from cdisc.errors import DerivationError

AUC_METHODS = ("linear-up/log-down", "linear")
INTERPOLATIONS = ("linear", "log")
AFTER_LAST = ("missing", "truncate")
BLQ_RULES = ("zero-before-tmax-missing-after", "zero-before-first-missing-after", "pknca", "zero", "missing")


class CmaxTmax(NamedTuple):
    cmax: float
    tmax: float


class NcaValue(NamedTuple):
    """A parameter value and, when it is missing or qualified, the reason (blank otherwise)."""

    value: float
    reason: str = ""


def _profile(time: object, conc: object) -> tuple[np.ndarray, np.ndarray]:
    t = np.asarray(time, dtype="float64")
    c = np.asarray(conc, dtype="float64")
    if t.ndim != 1 or t.shape != c.shape:
        raise DerivationError(f"time, conc: expected two 1-D arrays of the same length, "
                              f"got shapes {t.shape} and {c.shape}")
    if np.isnan(t).any():
        raise DerivationError("time: missing times; drop or impute those samples first")
    if len(t) > 1 and not (np.diff(t) > 0).all():
        raise DerivationError(f"time: must be strictly increasing (sort the profile; average or drop duplicate "
                              f"times), got {t.tolist()[:10]}")
    if (c[~np.isnan(c)] < 0).any():
        raise DerivationError("conc: negative concentrations are not allowed")
    return t, c


def _choice(value: str, allowed: tuple[str, ...], arg: str) -> None:
    if value not in allowed:
        raise DerivationError(f"{arg}: expected one of {list(allowed)}, got {value!r}")


def compute_blq_conc(time: object, conc: object, *, blq: object,
                     rule: str = "zero-before-tmax-missing-after") -> np.ndarray:
    """Concentrations with BLQ samples replaced per an explicit rule (ADaMIG NCA: ALLOQ, SAP rule).

    Rules (`blq` marks samples below the lower limit of quantification; their `conc` is ignored):
      * "zero-before-tmax-missing-after" (default): BLQ at times before Tmax (time of the first maximum of
        the quantifiable samples) = 0; BLQ after Tmax = missing (excluded). Common FDA/SAP convention:
        pre-expansion samples count as zero, trailing BLQ samples are dropped, so the decline is not
        forced to zero.
      * "zero-before-first-missing-after": BLQ before the first quantifiable sample = 0; any later BLQ =
        missing. Differs from the default only for a BLQ between the first quantifiable sample and Tmax.
      * "pknca": PKNCA's default `conc.blq` (first = keep as 0, middle = drop, last = keep as 0): BLQ
        before the first and after the last quantifiable sample = 0, between them = missing.
      * "zero": every BLQ = 0. "missing": every BLQ = missing.
    A profile with no quantifiable sample becomes all zeros (except under "missing").

    Args:
        time, conc: the profile. blq: booleans, same length. rule: one of the rules above.

    Returns:
        A float array: quantifiable values kept, BLQ as 0 or NaN, missing samples NaN.

    Raises:
        DerivationError: unknown rule, bad shapes, unsorted times.

    >>> compute_blq_conc([0, 1, 2, 4, 7], [0, 10, 20, 0, 5], blq=[True, False, False, True, False]).tolist()
    [0.0, 10.0, 20.0, nan, 5.0]
    """
    t, c = _profile(time, conc)
    return compute_blq_conc_profiles(np.zeros(len(t), dtype=np.intp), t, c, blq=blq, rule=rule)


def compute_blq_conc_profiles(profile: object, time: object, conc: object, *, blq: object,
                              rule: str = "zero-before-tmax-missing-after") -> np.ndarray:
    """`compute_blq_conc` for many profiles at once (e.g. every subject's and analyte's): `profile` numbers each
    sample's profile, in non-decreasing order (a profile's samples together, its times strictly increasing). Each
    profile is treated alone, by the same rules; one pass over all samples instead of one call per profile.

    >>> compute_blq_conc_profiles([0, 0, 0, 1, 1], [0, 1, 2, 0, 1], [0, 10, 0, 0, 0],
    ...                           blq=[True, False, True, True, True], rule="pknca").tolist()
    [0.0, 10.0, 0.0, 0.0, 0.0]
    """
    _choice(rule, BLQ_RULES, "rule")
    p, t, c = _profiles(profile, time, conc)
    b = np.asarray(blq, dtype=bool)
    if b.shape != t.shape:
        raise DerivationError(f"blq: expected {len(t)} booleans, got shape {b.shape}")
    out = np.where(b, np.nan, c)
    if rule in ("zero", "missing"):
        return np.where(b, 0.0, c) if rule == "zero" else out
    quant = ~b & ~np.isnan(c)
    count = int(p[-1]) + 1 if len(p) else 0
    first_q, last_q = np.full(count, np.inf), np.full(count, -np.inf)
    np.minimum.at(first_q, p[quant], t[quant])
    np.maximum.at(last_q, p[quant], t[quant])
    if rule == "pknca":
        zero = (t < first_q[p]) | (t > last_q[p])
    elif rule == "zero-before-first-missing-after":
        zero = t < first_q[p]
    else:  # zero-before-tmax-missing-after
        zero = t < _cmax_tmax(p, t, np.where(quant, c, np.nan), count)[1][p]
    none_quantifiable = np.isinf(first_q)[p]  # such a profile's BLQ samples are all 0
    return np.where(b & (zero | none_quantifiable), 0.0, out)


def compute_cmax_tmax_profiles(profile: object, time: object, conc: object, *, count: int | None = None
                               ) -> tuple[np.ndarray, np.ndarray]:
    """`compute_cmax_tmax` for many profiles at once (numbered by `profile` as for `compute_blq_conc_profiles`):
    each profile's CMAX and TMAX, profiles 0 .. `count` - 1 (default: up to the last one numbered); NaN for both
    in a profile whose concentrations are all missing or that has no sample here.

    >>> [a.tolist() for a in compute_cmax_tmax_profiles([0, 0, 0, 2], [0, 1, 2, 0], [5, 20, 20, np.nan])]
    [[20.0, nan, nan], [1.0, nan, nan]]
    """
    p, t, c = _profiles(profile, time, conc)
    return _cmax_tmax(p, t, c, count if count is not None else int(p[-1]) + 1 if len(p) else 0)


def _profiles(profile: object, time: object, conc: object) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`_profile`'s checks for samples of several profiles numbered by `profile` (non-decreasing)."""
    p = np.asarray(profile, dtype=np.intp)
    t = np.asarray(time, dtype="float64")
    c = np.asarray(conc, dtype="float64")
    if p.ndim != 1 or t.shape != p.shape or c.shape != p.shape:
        raise DerivationError(f"profile, time, conc: expected three 1-D arrays of the same length, "
                              f"got shapes {p.shape}, {t.shape} and {c.shape}")
    if (np.diff(p) < 0).any() or (len(p) and p[0] < 0):
        raise DerivationError("profile: expected profile numbers from 0, each profile's samples together in order")
    if np.isnan(t).any():
        raise DerivationError("time: missing times; drop or impute those samples first")
    same = p[1:] == p[:-1]
    if not (np.diff(t)[same] > 0).all():
        raise DerivationError(f"time: must be strictly increasing within a profile (sort the profile; average or "
                              f"drop duplicate times), got {t.tolist()[:10]}")
    if (c[~np.isnan(c)] < 0).any():
        raise DerivationError("conc: negative concentrations are not allowed")
    return p, t, c


def _cmax_tmax(p: np.ndarray, t: np.ndarray, c: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
    """Per profile (numbered 0 .. count - 1 by `p`, samples in time order): the largest non-missing `c` and the time
    of its first occurrence (the rule of `compute_cmax_tmax`); NaN for both when all are missing."""
    known = ~np.isnan(c)
    cmax = np.full(count, -np.inf)
    np.maximum.at(cmax, p[known], c[known])
    hits = np.flatnonzero(known & (c == cmax[p]))
    profiles, first = np.unique(p[hits], return_index=True)
    tmax = np.full(count, np.nan)
    tmax[profiles] = t[hits[first]]
    return np.where(np.isnan(tmax), np.nan, cmax), tmax


def compute_cmax_tmax(time: object, conc: object) -> CmaxTmax:
    """Maximum Concentration (CMAX) and Time of CMAX (TMAX).

    Rule (ADaMIG NCA / PKNCA): Cmax = the largest observed concentration; Tmax = the time of its first
    occurrence. Missing concentrations are skipped; an all-missing profile gives (NaN, NaN).

    >>> compute_cmax_tmax([0, 1, 2, 4], [0, 20, 20, 5])
    CmaxTmax(cmax=20.0, tmax=1.0)
    """
    t, c = _profile(time, conc)
    cmax, tmax = _cmax_tmax(np.zeros(len(t), dtype=np.intp), t, c, 1)
    return CmaxTmax(float(cmax[0]), float(tmax[0]))


def _segments(t: np.ndarray, c: np.ndarray, method: str) -> float:
    t1, t2, c1, c2 = t[:-1], t[1:], c[:-1], c[1:]
    dt = t2 - t1
    log_down = (method == "linear-up/log-down") & (c2 < c1) & (c2 > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_part = np.where(log_down, (c1 - c2) * dt / np.log(c1 / c2), 0.0)
    return float(np.sum(np.where(log_down, log_part, (c1 + c2) * dt / 2.0)))


def compute_auc(time: object, conc: object, *, method: str = "linear-up/log-down") -> float:
    """Area Under the Curve over the observed samples (AUCALL when trailing BLQ are set to 0).

    Rule (PKNCA `pk.calc.auc`; FDA/ADaMIG NCA): trapezoids between consecutive non-missing samples.
    "linear": (c1 + c2) / 2 * dt for every segment. "linear-up/log-down" (PKNCA default): linear where
    the concentration rises or stays flat, logarithmic (c1 - c2) * dt / ln(c1 / c2) where it falls and
    both values are positive (a fall to 0 stays linear). Fewer than 2 samples give NaN.

    Args:
        time, conc: the profile (apply `compute_blq_conc` first). method: "linear-up/log-down" or "linear".

    Returns:
        The AUC in conc x time units.

    Raises:
        DerivationError: unknown method, bad shapes, unsorted times, negative concentrations.

    >>> compute_auc([0, 1, 2, 4], [0, 10, 20, 5], method="linear")
    45.0
    """
    _choice(method, AUC_METHODS, "method")
    t, c = _profile(time, conc)
    keep = ~np.isnan(c)
    return _segments(t[keep], c[keep], method) if keep.sum() >= 2 else float("nan")


def compute_auclast(time: object, conc: object, *, method: str = "linear-up/log-down") -> float:
    """AUC to Last Nonzero Conc (AUCLST).

    Rule (PKNCA / CDISC PKPARMCD AUCLST): `compute_auc` from the first sample up to Tlast, the time of
    the last positive concentration; samples after Tlast are ignored. No positive sample gives 0.

    >>> compute_auclast([0, 1, 2, 4], [0, 10, 20, 0], method="linear")
    20.0
    """
    t, c = _profile(time, conc)
    positive = np.flatnonzero(c > 0)
    if len(positive) == 0:
        return 0.0
    return compute_auc(t[: positive[-1] + 1], c[: positive[-1] + 1], method=method)


def _interpolate(x: float, t: np.ndarray, c: np.ndarray, how: str) -> float:
    j = int(np.searchsorted(t, x))  # t[j-1] < x < t[j]
    t1, t2, c1, c2 = t[j - 1], t[j], c[j - 1], c[j]
    w = (x - t1) / (t2 - t1)
    if how == "log" and c1 > 0 and c2 > 0 and c2 < c1:
        return float(np.exp(np.log(c1) + w * (np.log(c2) - np.log(c1))))
    return float(c1 + w * (c2 - c1))


def compute_aucint(time: object, conc: object, *, start: float, end: float, method: str = "linear-up/log-down",
                   interpolate: str = "linear", after_last: str = "missing") -> NcaValue:
    """AUC from T1 to T2 (AUCINT, with PPSTINT/PPENINT = `start`/`end`), e.g. AUC0-D28 or AUC0-D90.

    Rule (PKNCA `pk.calc.auc` with interval; ADaMIG NCA): the AUC of the profile restricted to
    [`start`, `end`] by `method`. When no sample falls exactly on `start` or `end` inside the sampled
    range, the concentration there is interpolated between the neighbouring samples:
    `interpolate="linear"`, or `"log"` (log-linear when both neighbours are positive and decreasing,
    linear otherwise). Never extrapolated: if `start` precedes the first sample the value is NaN; if the
    profile ends before `end`, `after_last` decides: "missing" (default) -> NaN, "truncate" -> AUC up to
    the last sample, with the reason saying so. Missing concentrations are skipped first.

    Args:
        time, conc: the profile (after BLQ handling). start, end: interval in time units (start < end).
        method: "linear-up/log-down" or "linear". interpolate: "linear" or "log".
        after_last: "missing" or "truncate".

    Returns:
        NcaValue(value, reason): reason is blank for a full interval, else why it is NaN or truncated.

    Raises:
        DerivationError: unknown options, start >= end, bad profile.

    >>> compute_aucint([0, 1, 2, 4], [0, 10, 20, 5], start=0, end=3, method="linear")
    NcaValue(value=36.25, reason='')
    """
    _choice(method, AUC_METHODS, "method")
    _choice(interpolate, INTERPOLATIONS, "interpolate")
    _choice(after_last, AFTER_LAST, "after_last")
    if not start < end:
        raise DerivationError(f"start, end: expected start < end, got {start} and {end}")
    t, c = _profile(time, conc)
    keep = ~np.isnan(c)
    t, c = t[keep], c[keep]
    if len(t) < 2:
        return NcaValue(np.nan, "fewer than 2 non-missing concentrations")
    if start < t[0]:
        return NcaValue(np.nan, f"profile starts at t={t[0]:g}, after the interval start {start:g}; not extrapolated")
    if start >= t[-1]:
        return NcaValue(np.nan, f"profile ends at t={t[-1]:g}, not after the interval start {start:g}")
    reason = ""
    if end > t[-1]:
        if after_last == "missing":
            return NcaValue(np.nan, f"profile ends at t={t[-1]:g}, before the interval end {end:g}; not extrapolated")
        end, reason = t[-1], f"truncated at the last sample t={t[-1]:g} (interval end {end:g} not reached)"
    inner = (t > start) & (t < end)
    ts = np.concatenate([[start], t[inner], [end]])
    cs = np.concatenate([[c[t == start][0] if (t == start).any() else _interpolate(start, t, c, interpolate)],
                         c[inner], [c[t == end][0] if (t == end).any() else _interpolate(end, t, c, interpolate)]])
    return NcaValue(_segments(ts, cs, method), reason)

