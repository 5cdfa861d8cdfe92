"""Findings verbs beyond `algorithms.standardize`: the reference range indicator of standardized results,
censored ones ("<0.5") included."""
from __future__ import annotations

import numpy as np
import pandas as pd

from cdisc.algorithms import numeric_result

CENSORED = r"^([<>]=?)\s*"


def reference_range_indicator(stresc: pd.Series, low: pd.Series, high: pd.Series) -> pd.Series:
    """Reference Range Indicator (--NRIND, CT NRIND) of standardized results against standard limits.

    A number is LOW below `low`, HIGH above `high`, NORMAL within them (limits included) when at least
    one limit exists. A censored result is classed only when its limit decides it: `<x` is LOW when
    x <= `low` and NORMAL when x <= `high` and `low` is missing or <= 0; `>x` is HIGH when x >= `high`
    and NORMAL when x >= `low` and `high` is missing. Anything else (text, no limits) is blank.

    >>> reference_range_indicator(pd.Series(["1", "5", "9", "<3", "<1", ">8"]), pd.Series([2.0] * 6),
    ...                           pd.Series([8.0] * 6)).tolist()
    ['LOW', 'NORMAL', 'HIGH', '', 'LOW', 'HIGH']
    """
    lo = pd.to_numeric(low, errors="coerce")
    hi = pd.to_numeric(high, errors="coerce")
    sign = stresc.str.extract(CENSORED, expand=False).fillna("")
    x = numeric_result(stresc.str.replace(CENSORED, "", regex=True))
    plain, below, above = sign.eq(""), sign.str.startswith("<"), sign.str.startswith(">")
    ranged = lo.notna() | hi.notna()
    conditions = [
        plain & (x < lo), plain & (x > hi), plain & x.notna() & ranged,
        below & (x <= lo), below & (x <= hi) & (lo.isna() | (lo <= 0)),
        above & (x >= hi), above & (x >= lo) & hi.isna(),
    ]
    labels = ["LOW", "HIGH", "NORMAL", "LOW", "NORMAL", "HIGH", "NORMAL"]
    return pd.Series(np.select(conditions, labels, default=""), index=stresc.index)
