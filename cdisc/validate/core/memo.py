"""Work on a column done once per run, not once per rule.

Hundreds of rules read the same columns (USUBJID, --SEQ, --DTC, --TESTCD): their text, their nulls and their date
checks are kept with the column for as long as the frame it belongs to lives. `column` hands out one Series object per
(frame, name); a function wrapped in `per_column` computes its result for such a Series once, and a Series result is
itself registered, so `is_complete(text(column))` is computed once too. Any other Series is computed as before.
Results are shared: arrays are made read-only, so a caller that modified one in place would fail loudly.
"""
from __future__ import annotations

import functools
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
import pandas as pd

F = TypeVar("F", bound=Callable[..., Any])

_SERIES: dict[int, dict[str, pd.Series]] = {}  # id(frame) -> its columns handed out, by name
_RESULTS: dict[int, dict[str, Any]] = {}  # id(registered Series) -> function name -> result


def column(df: pd.DataFrame, name: str) -> pd.Series:
    """`df[name]`, the same Series object each time while `df` lives."""
    columns = _SERIES.get(id(df))
    if columns is None:
        columns = _SERIES[id(df)] = {}
        weakref.finalize(df, _forget, id(df))
    if name not in columns:
        columns[name] = df[name]
        _RESULTS[id(columns[name])] = {}
    return columns[name]


def _forget(frame_id: int) -> None:
    for series in _SERIES.pop(frame_id, {}).values():
        _forget_series(series)


def _forget_series(series: pd.Series) -> None:
    for result in _RESULTS.pop(id(series), {}).values():
        if isinstance(result, pd.Series) and result is not series:
            _forget_series(result)


def per_column(fn: F) -> F:
    """`fn(series)` once per registered Series (`column`, or a Series result of another `per_column` function)."""
    key = f"{fn.__module__}.{fn.__qualname__}"

    @functools.wraps(fn)
    def wrapper(series: pd.Series, *args: Any, **kwargs: Any) -> Any:
        results = _RESULTS.get(id(series)) if not args and not kwargs else None
        if results is None:
            return fn(series, *args, **kwargs)
        if key not in results:
            results[key] = _shared(fn(series))
            if isinstance(results[key], pd.Series) and id(results[key]) not in _RESULTS:
                _RESULTS[id(results[key])] = {}
        return results[key]
    return wrapper  # type: ignore[return-value]


def _shared(result: Any) -> Any:
    for array in result if isinstance(result, tuple) else (result,):
        if isinstance(array, np.ndarray):
            array.flags.writeable = False
    return result
