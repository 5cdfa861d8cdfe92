"""ISO 8601 date helpers for the CORE operators, vectorised over text Series."""
from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from cdisc.distinct import distinct_codes
from cdisc.memo import per_column

# Well-formed ISO 8601 date/time, partial allowed from the right (SDTMIG 4.4.2).
_ISO = (r"^(?P<y>\d{4})(?:-(?P<m>\d{2})(?:-(?P<d>\d{2})(?:T(?P<H>\d{2})(?::(?P<M>\d{2})"
        r"(?::(?P<S>\d{2}(?:\.\d+)?))?)?)?)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?$")
# Unknown middle components written with hyphens (2003---15, 2003-12-15T-:30).
_UNCERTAIN = (r"^(?:\d{4}|-)(?:-(?:\d{2}|-)(?:-(?:\d{2}|-)(?:T(?:\d{2}|-)(?::(?:\d{2}|-)"
              r"(?::(?:\d{2}(?:\.\d+)?|-))?)?)?)?)?$")
_DURATION = (r"^P(?!$)(?:\d+(?:[.,]\d+)?Y)?(?:\d+(?:[.,]\d+)?M)?(?:\d+(?:[.,]\d+)?W)?(?:\d+(?:[.,]\d+)?D)?"
             r"(?:T(?=\d)(?:\d+(?:[.,]\d+)?H)?(?:\d+(?:[.,]\d+)?M)?(?:\d+(?:[.,]\d+)?S)?)?$")
DAYS_IN_MONTH = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
COMPONENT_LENGTH = {"year": 4, "month": 7, "day": 10, "hour": 13, "minute": 16, "second": 19, "microsecond": 26}


def per_unique(fn: Callable) -> Callable:
    """Evaluate a text Series -> array(s) function once per distinct value and broadcast the result back:
    dates and codes repeat across records (LB of 1,000 subjects: 140,000 records, a few thousand dates)."""
    @functools.wraps(fn)
    def wrapper(text: pd.Series, *args: object, **kwargs: object) -> np.ndarray | tuple[np.ndarray, ...]:
        codes, uniques = distinct_codes(text)
        if len(uniques) == len(text):
            return fn(text, *args, **kwargs)
        out = fn(pd.Series(uniques, dtype=text.dtype), *args, **kwargs)
        if isinstance(out, tuple):
            return tuple(np.asarray(o)[codes] for o in out)
        return np.asarray(out)[codes]
    return wrapper


def _parts(text: pd.Series) -> dict[str, np.ndarray]:
    """Each value's ISO 8601 components (the groups of `_ISO`: y, m, d, H, M, S) as numbers, NaN where a component
    is absent, and every one NaN where the value is no ISO 8601 date/time. Read by Arrow's regular expressions, in
    one call for the column: a digit is an ASCII digit and `$` the value's end (Python's `re` would also take other
    scripts' digits and a trailing newline)."""
    values = pa.array([v if type(v) is str else None for v in text.to_numpy(dtype=object)], type=pa.string())
    groups = pc.extract_regex(values, _ISO)
    return {name: _number(pc.struct_field(groups, name)) for name in "ymdHMS"}


def _number(digits: pa.Array) -> np.ndarray:
    """Digits (an optional group that did not take part is "") as floats, NaN where none."""
    present = pc.if_else(pc.equal(digits, ""), pa.scalar(None, pa.string()), digits)
    return pc.cast(present, pa.float64()).to_numpy(zero_copy_only=False)


def _calendar_ok(parts: dict[str, np.ndarray]) -> np.ndarray:
    """Month 1-12, day within the month (29 February in a leap year of the proleptic Gregorian calendar), hour < 24,
    minute and second < 60 where present."""
    y, m, d, hour, minute, second = (parts[name] for name in "ymdHMS")
    with np.errstate(invalid="ignore"):
        month_ok = (m >= 1) & (m <= 12)
        leap = (y % 4 == 0) & ((y % 100 != 0) | (y % 400 == 0))
        days = np.where(month_ok, DAYS_IN_MONTH[np.where(month_ok, m, 1).astype(int) - 1], 0) + (leap & (m == 2))
        ok = np.isnan(m) | month_ok
        ok &= np.isnan(d) | ((d >= 1) & (d <= days))
        ok &= np.isnan(hour) | (hour <= 23)
        ok &= np.isnan(minute) | (minute <= 59)
        ok &= np.isnan(second) | (second < 60)
    return ok


@per_column
@per_unique
def is_valid(text: pd.Series) -> np.ndarray:
    """A valid ISO 8601 date/time, complete or partial, or with hyphens for unknown components."""
    parts = _parts(text)
    matched = ~np.isnan(parts["y"])
    uncertain = text.str.fullmatch(_UNCERTAIN).fillna(False).to_numpy(bool) & text.str.contains("-").to_numpy(bool)
    return (matched & _calendar_ok(parts)) | (uncertain & ~matched)


@per_column
@per_unique
def is_complete(text: pd.Series) -> np.ndarray:
    """The date portion is a complete, valid calendar date (YYYY-MM-DD)."""
    parts = _parts(text)
    return ~np.isnan(parts["d"]) & _calendar_ok(parts)


@per_column
@per_unique
def _normalised(text: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """The well-formed prefix (date/time without zone, blanks around it ignored) as ASCII bytes, and its length;
    empty, length 0, for invalid values."""
    text = text.str.strip()
    parts = _parts(text)
    ok = ~np.isnan(parts["y"]) & _calendar_ok(parts)
    body = text.str.replace(r"(?:Z|[+-]\d{2}(?::?\d{2})?)$", "", regex=True).where(
        ~np.isnan(parts["H"]), text.str[:10])
    lengths = np.where(ok, body.str.len().fillna(0).to_numpy(), 0).astype(int)
    return np.asarray(np.where(lengths > 0, body.to_numpy(dtype=object), "").tolist(), dtype="S"), lengths


def compare(a: pd.Series, b: pd.Series, op: str, component: str | None) -> np.ndarray:
    """Compare dates as CDISC's engine does: at the given component, or at the precision both values have
    (2024-05-18T06:56 is not after 2024-05-18; 2024-06-06 is not after 2024-06). Without a component, values of
    different precision are never equal (and always not equal).

    Invalid or empty values on either side give False.
    """
    av, al = _normalised(a)
    bv, bl = _normalised(b)
    if component and component != "auto":
        want = COMPONENT_LENGTH[component]
        length = np.where((al >= want) & (bl >= want), want, 0)
        return _truncated(av, bv, length, op)
    out = compare_common(av, al, bv, bl, op)
    if not component and op in ("eq", "ne"):
        differ = (al != bl) & (al > 0) & (bl > 0)
        out[differ] = op == "ne"
    return out


def compare_common(av: np.ndarray, al: np.ndarray, bv: np.ndarray, bl: np.ndarray, op: str) -> np.ndarray:
    """Compare at the precision both values have (a partial date against a fuller one)."""
    return _truncated(av, bv, np.minimum(al, bl), op)


_OPERATORS = {"eq": np.equal, "ne": np.not_equal, "gt": np.greater, "ge": np.greater_equal, "lt": np.less,
              "le": np.less_equal}


def _truncated(av: np.ndarray, bv: np.ndarray, length: np.ndarray, op: str) -> np.ndarray:
    """`op` on the first `length` characters of each pair (False where the length is 0). The values compared are
    well-formed ISO 8601 text as ASCII bytes (`_normalised`), cut to each length: bytes order as the text does."""
    out = np.zeros(len(av), bool)
    compared = np.flatnonzero(length > 0)
    x, y = av[compared], bv[compared]
    for n in np.unique(length[compared]):
        rows = length[compared] == n
        out[compared[rows]] = _OPERATORS[op](x[rows].astype(f"S{n}"), y[rows].astype(f"S{n}"))
    return out


@per_unique
def is_valid_duration(text: pd.Series, negative: bool) -> np.ndarray:
    """ISO 8601 duration (PnYnMnDTnHnMnS or PnW); a leading "-" only when negative durations are allowed."""
    body = text.str[1:].where(text.str.startswith("-"), text) if negative else text
    return body.str.match(_DURATION).fillna(False).to_numpy(bool)


def overlapping_precision(table: pd.DataFrame, keys: list[str], cols: list[str]) -> np.ndarray:
    """Records whose date is a less precise prefix of another date of the same group (order unknowable)."""
    out = np.zeros(len(table), bool)
    for col in cols:
        values = table[col].fillna("").astype(str)
        partial = (values.str.len() < 10) & (values.str.len() >= 4) & values.str.match(r"^\d{4}")
        if not partial.any():
            continue
        grp = table[keys].astype(str).agg("\x1f".join, axis=1) if keys else pd.Series("", index=table.index)
        left = pd.DataFrame({"g": grp[partial], "v": values[partial], "i": np.flatnonzero(partial.to_numpy())})
        right = pd.DataFrame({"g": grp, "w": values})
        pairs = left.merge(right, on="g")
        hit = pairs[(pairs.w != pairs.v) & pairs.apply(lambda r: r.w.startswith(r.v), axis=1)]
        out[hit["i"].unique()] = True
    return out
