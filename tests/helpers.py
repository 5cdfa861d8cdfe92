"""Shared test helpers (one place for pandas API churn)."""
from __future__ import annotations

import pandas as pd


def assert_frame_equal_by_keys(actual: pd.DataFrame, expected: pd.DataFrame, keys: list[str]) -> None:
    """Compare two frames regardless of row order and index, on the expected frame's columns."""
    cols = list(expected.columns)
    a = actual[cols].sort_values(keys, kind="mergesort").reset_index(drop=True)
    e = expected.sort_values(keys, kind="mergesort").reset_index(drop=True)
    pd.testing.assert_frame_equal(a, e, check_dtype=False)
