"""Findings verbs beyond `algorithms.standardize`: unit conversions with an offset (degrees F -> C) and
the reference range indicator of standardized results, censored ones ("<0.5") included."""
from __future__ import annotations

import numpy as np
import pandas as pd

from cdisc.algorithms import numeric_result, standardize

CENSORED = r"^([<>]=?)\s*"


def standardize_offset(orres: pd.Series, orresu: pd.Series, testcd: pd.Series, conversions: pd.DataFrame,
                       *, source: str) -> pd.DataFrame:
    """`algorithms.standardize` for conversion tables that also have an OFFSET column.

    STRESN = (ORRES + OFFSET) x FACTOR, so a temperature in F converts with OFFSET -32 and FACTOR 5/9;
    a blank OFFSET is 0. A censored result keeps its sign (`<95` F -> `<35` C). Returns STRESC, STRESN,
    STRESU like `standardize`, which does the conversion and its checks.

    >>> conv = pd.DataFrame({"TESTCD": ["TEMP"], "ORRESU": ["F"], "STRESU": ["C"],
    ...                      "FACTOR": ["0.5555555556"], "OFFSET": ["-32"]})
    >>> standardize_offset(pd.Series(["98.6"]), pd.Series(["F"]), pd.Series(["TEMP"]), conv,
    ...                    source="vs.csv")["STRESC"].tolist()
    ['37']
    """
    keys = pd.DataFrame({"TESTCD": testcd, "ORRESU": orresu}, index=orres.index)
    offset = keys.merge(conversions, on=["TESTCD", "ORRESU"], how="left")["OFFSET"]
    offset = pd.to_numeric(offset.replace("", "0"), errors="raise").fillna(0.0).set_axis(orres.index)
    sign = orres.str.extract(CENSORED, expand=False).fillna("")
    number = numeric_result(orres.str.replace(CENSORED, "", regex=True))
    shifted = (number + offset).round(6).map(lambda x: f"{x:.6f}".rstrip("0").rstrip("."))
    moved = number.notna() & offset.ne(0)
    return standardize(orres.where(~moved, sign + shifted), orresu, testcd,
                       conversions.drop(columns="OFFSET"), source=source)


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
