"""Work on a column done once per run, not once per rule or check.

Hundreds of CORE rules read the same columns (USUBJID, --SEQ, --DTC, --TESTCD), from the dataset, from its record
frame (a shallow copy) or from a merge that kept them; define.xml, the suites and the cross-dataset rules read each
column's distinct values: a function wrapped in `per_column` computes its result once per
column *memory* (the numpy array the Series holds: its address, shape, strides and type; or the Arrow arrays of
pandas' text: their buffers) and hands the same result to every Series over that memory while the array that owns
it lives (held by a weak reference: a freed array's entry is dropped, so an address used again is never mistaken
for it). The engine never modifies data in place, and Arrow arrays cannot be.
A Series result (a column's text) is itself a column over new memory, so `is_complete(text(column))` is computed
once too. Results are shared: arrays are made read-only, so a caller that modified one in place would fail loudly;
so is the numpy memory a result is kept for (a write into it would leave the result describing values no longer
there: pandas raises instead).
"""
from __future__ import annotations

import functools
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
import pandas as pd
import pyarrow as pa
from pandas.arrays import ArrowExtensionArray

F = TypeVar("F", bound=Callable[..., Any])
Key = tuple  # a numpy column's (address, shape, strides, type); Arrow arrays' (type, chunks' places)

_RESULTS: dict[Key, tuple[weakref.ref, dict[str, Any]]] = {}  # column memory -> (its owner, function -> result)


def per_column(fn: F) -> F:
    """`fn(series)` once per column memory; a Series result is given the index and name of the Series asked about
    (the name it had when computed, if that was not the column's own name)."""
    name = f"{fn.__module__}.{fn.__qualname__}"

    @functools.wraps(fn)
    def wrapper(series: pd.Series, *args: Any, **kwargs: Any) -> Any:
        results = _results_of(series) if not args and not kwargs else None
        if results is None:
            return fn(series, *args, **kwargs)
        if name not in results:
            results[name] = _stored(series, fn(series))
        return _restored(series, results[name])

    def remember(series: pd.Series, result: Any) -> None:
        """Keep `result` as `fn(series)`, worked out by a caller that had it anyway (nothing kept for a Series not
        held in a numpy array)."""
        results = _results_of(series)
        if results is not None:
            results[name] = _stored(series, result)
    def known(series: pd.Series) -> Any:
        """`fn(series)` if it has been worked out or remembered for the memory `series` holds, else None (nothing
        is computed: for a caller with a cheaper way than `fn` when the result is not at hand)."""
        results = _results_of(series)
        return _restored(series, results[name]) if results is not None and name in results else None

    wrapper.remember = remember  # type: ignore[attr-defined]
    wrapper.known = known  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]


def _results_of(series: pd.Series) -> dict[str, Any] | None:
    """The results kept for the memory `series` holds; None for a Series held neither in a numpy array nor in
    Arrow arrays."""
    values = series.array
    if isinstance(values, ArrowExtensionArray):
        return _arrow_results(values._pa_array)
    if not isinstance(values, pd.arrays.NumpyExtensionArray):
        return None
    array = owner = values.to_numpy()
    while isinstance(owner.base, np.ndarray):
        owner = owner.base
    key = (array.__array_interface__["data"][0], array.shape, array.strides, array.dtype.str)
    entry = _RESULTS.get(key)
    if entry is None or entry[0]() is not owner:
        owner.flags.writeable = False  # results kept for it: a write in place now fails, or pandas copies first
        entry = _RESULTS[key] = (weakref.ref(owner, lambda _, k=key: _RESULTS.pop(k, None)), {})
    return entry[1]


def _arrow_results(chunked: pa.ChunkedArray) -> dict[str, Any]:
    """The results kept for Arrow arrays (immutable): keyed by their type and each chunk's buffers, offset and
    length, so the same column taken into another frame (`pd.concat` makes a new ChunkedArray of the same
    chunks) finds them; an entry lives as long as the ChunkedArray it was made for, which holds those buffers."""
    key = (str(chunked.type), *((c.offset, len(c), *(b.address if b is not None else 0 for b in c.buffers()))
                                for c in chunked.chunks))
    entry = _RESULTS.get(key)
    if entry is None or entry[0]() is None:
        entry = _RESULTS[key] = (weakref.ref(chunked, lambda _, k=key: _RESULTS.pop(k, None)), {})
    return entry[1]


class _SeriesResult:
    """A Series result kept as its values: given back with the index of the Series asked about."""

    def __init__(self, series: pd.Series, result: pd.Series) -> None:
        self.same = result is series  # then nothing is held: holding the column would keep its memory alive
        self.values = None if self.same else result.array
        self.name = result.name
        self.own_name = result.name == series.name

    def series(self, like: pd.Series) -> pd.Series:
        if self.same:
            return like
        return pd.Series(self.values, index=like.index, name=like.name if self.own_name else self.name, copy=False)


def _stored(series: pd.Series, result: Any) -> Any:
    if isinstance(result, pd.Series):
        return _SeriesResult(series, result)
    for array in result if isinstance(result, tuple) else (result,):
        if isinstance(array, np.ndarray):
            array.flags.writeable = False
    return result


def _restored(series: pd.Series, result: Any) -> Any:
    return result.series(series) if isinstance(result, _SeriesResult) else result
