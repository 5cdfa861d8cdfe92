"""ISO 8601 date helpers for the CORE operators, vectorised over text Series."""
from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np
import pandas as pd

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


def _parts(text: pd.Series) -> pd.DataFrame:
    return text.str.extract(_ISO)


def _calendar_ok(parts: pd.DataFrame) -> np.ndarray:
    """Month 1-12, day within the month, hour < 24, minute and second < 60 where present."""
    y = pd.to_numeric(parts["y"], errors="coerce")
    m = pd.to_numeric(parts["m"], errors="coerce")
    d = pd.to_numeric(parts["d"], errors="coerce")
    ok = m.isna() | m.between(1, 12)
    full = d.notna() & m.notna() & y.notna()
    if full.any():
        stamp = pd.to_datetime(
            parts["y"].where(full) + "-" + parts["m"].where(full) + "-" + parts["d"].where(full),
            format="%Y-%m-%d", errors="coerce")
        ok &= ~full | stamp.notna()
    for col, top in (("H", 23), ("M", 59)):
        v = pd.to_numeric(parts[col], errors="coerce")
        ok &= v.isna() | v.between(0, top)
    s = pd.to_numeric(parts["S"], errors="coerce")
    ok &= s.isna() | (s < 60)
    return ok.to_numpy(bool)


@per_column
@per_unique
def is_valid(text: pd.Series) -> np.ndarray:
    """A valid ISO 8601 date/time, complete or partial, or with hyphens for unknown components."""
    parts = _parts(text)
    iso = parts["y"].notna().to_numpy() & _calendar_ok(parts)
    uncertain = text.str.match(_UNCERTAIN).fillna(False).to_numpy(bool) & text.str.contains("-").to_numpy(bool)
    return iso | (uncertain & ~parts["y"].notna().to_numpy())


@per_column
@per_unique
def is_complete(text: pd.Series) -> np.ndarray:
    """The date portion is a complete, valid calendar date (YYYY-MM-DD)."""
    parts = _parts(text)
    return parts["d"].notna().to_numpy() & _calendar_ok(parts)


@per_column
@per_unique
def _normalised(text: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """The well-formed prefix (date/time without zone, blanks around it ignored) and its length; length 0 for
    invalid values."""
    text = text.str.strip()
    parts = _parts(text)
    ok = parts["y"].notna().to_numpy() & _calendar_ok(parts)
    body = text.str.replace(r"(?:Z|[+-]\d{2}(?::?\d{2})?)$", "", regex=True).where(
        parts["H"].notna(), text.str[:10])
    lengths = np.where(ok, body.str.len().fillna(0).to_numpy(), 0).astype(int)
    return body.to_numpy(dtype=object), lengths


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


def _truncated(av: np.ndarray, bv: np.ndarray, length: np.ndarray, op: str) -> np.ndarray:
    out = np.zeros(len(av), bool)
    for n in np.unique(length[length > 0]):
        mask = length == n
        x = pd.Series(av[mask]).str[:n].to_numpy(dtype=object)
        y = pd.Series(bv[mask]).str[:n].to_numpy(dtype=object)
        out[mask] = {"eq": x == y, "ne": x != y, "gt": x > y, "ge": x >= y, "lt": x < y, "le": x <= y}[op]
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
