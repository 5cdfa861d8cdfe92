"""Relative time from a reference date/time (ADaMIG NCA v1.0 AFRLT/ARRLT; ADaMIG 1.3 ARELTM).

Works on ISO 8601 --DTC text, so a collected date without a time is handled by an explicit, documented
rule instead of being silently read as midnight.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from cdisc.dates import dtc_date
from cdisc.errors import DerivationError

UNITS = {"days": 86400.0, "hours": 3600.0}


def _datetime(dtc: pd.Series) -> pd.Series:
    """Complete date-times (YYYY-MM-DDThh:mm[:ss]) as datetime64; NaT otherwise."""
    text = dtc.fillna("").astype(str)
    full = text.str.match(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
    return pd.to_datetime(text.where(full), format="ISO8601", errors="coerce")


def compute_reltime(dtc: pd.Series, ref_dtc: pd.Series, *, unit: str = "days") -> pd.Series:
    """Actual Relative Time from Reference (e.g. AFRLT: elapsed time from the first dose).

    Rule: when both `dtc` and `ref_dtc` are complete date-times, the exact elapsed time
    (`dtc - ref_dtc`, negative before the reference). When both dates are complete but either time is
    missing, the time of day is taken to be the same as the other's, i.e. the result is the whole number
    of calendar days between the two dates (times 24 for hours): the error is under one day and the
    sample keeps its calendar position (ADaMIG time-imputation; flag it with ATMF = "H" in the caller).
    Null when either date is partial or missing. Seconds are kept when present.

    Args:
        dtc, ref_dtc: ISO 8601 text Series with the same index (e.g. PCDTC, PCRFTDTC).
        unit: "days" or "hours".

    Returns:
        A float Series, same index.

    Raises:
        DerivationError: unknown unit, or the Series are not aligned.

    >>> compute_reltime(pd.Series(["2024-03-06T23:10", "2024-03-10", "2024-03-05T10:34", "2024-03"]),
    ...                 pd.Series(["2024-03-05T11:10"] * 4)).round(4).tolist()
    [1.5, 5.0, -0.025, nan]
    """
    if unit not in UNITS:
        raise DerivationError(f"unit: expected one of {sorted(UNITS)}, got {unit!r}")
    if not isinstance(dtc, pd.Series) or not isinstance(ref_dtc, pd.Series) or not dtc.index.equals(ref_dtc.index):
        raise DerivationError("dtc, ref_dtc: expected two text Series with the same index")
    exact = (_datetime(dtc) - _datetime(ref_dtc)).dt.total_seconds() / UNITS[unit]
    whole_days = (dtc_date(dtc) - dtc_date(ref_dtc)).dt.days.astype("float64") * (86400.0 / UNITS[unit])
    return pd.Series(np.where(exact.notna(), exact, whole_days), index=dtc.index, dtype="float64")
