"""ADaM derivation verbs (ADaMIG 1.3), grouped by family.

`baseline` (ABLFL, BASE, CHG/PCHG, ANRIND), `flags` (first/last flags, TRTEMFL), `recist` (RECIST 1.1
time-point and best overall response), `tte` (time-to-event parameters with FDA-style censoring),
`pk` (non-compartmental analysis: Cmax, Tmax, AUC) and `stats` (exact binomial CI, Kaplan-Meier).

Every verb is pure: it checks its required columns first, never mutates its input, and never sorts or
relabels its output beyond what it promises. Naming follows admiral: `derive_var_*` adds one column,
`derive_vars_*` several, `derive_param_*` builds a parameter's records, `compute_*` is a formula on
Series/arrays. This module holds the helpers the verbs share.
"""
from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence

import pandas as pd

from cdisc.errors import DerivationError

BLANK = ""
"""The project's blank for character values (flags are "Y" or blank, as SDTM/ADaM text is stored)."""


def require_columns(df: pd.DataFrame, columns: Iterable[str], *, arg: str = "df") -> None:
    """Fail fast when `df` is not a DataFrame or lacks any of `columns`.

    Raises:
        DerivationError: naming the argument, the missing columns and the columns present.

    >>> require_columns(pd.DataFrame({"AVAL": [1.0]}), ["AVAL"])
    """
    if not isinstance(df, pd.DataFrame):
        raise DerivationError(f"{arg}: expected a pandas DataFrame, got {type(df).__name__}")
    missing = [c for c in dict.fromkeys(columns) if c not in df.columns]
    if missing:
        present = list(map(str, df.columns))
        raise DerivationError(
            f"{arg}: missing required column(s) {missing}; columns present: {present[:20]}"
            f"{' ...' if len(present) > 20 else ''}. Derive or rename them before calling this verb."
        )


def as_list(value: str | Sequence[str] | None, *, arg: str, required: bool = False) -> list[str]:
    """A column argument as a list: a single name becomes `[name]`, None becomes `[]`.

    With `required=True` an empty list is a `DerivationError` naming `arg`.
    """
    out = [] if value is None else [value] if isinstance(value, str) else list(value)
    bad = [v for v in out if not isinstance(v, str)]
    if bad:
        raise DerivationError(f"{arg}: column names must be strings, got {bad[:5]}")
    if required and not out:
        raise DerivationError(f"{arg}: give at least one column name")
    return out


def warn_if_exists(df: pd.DataFrame, new_vars: Iterable[str]) -> None:
    """Warn (UserWarning) when a column the verb adds is already in `df`; it will be replaced."""
    existing = [v for v in new_vars if v in df.columns]
    if existing:
        warnings.warn(f"column(s) {existing} already exist in the input and will be overwritten",
                      UserWarning, stacklevel=3)


def check_mask(where: pd.Series | None, df: pd.DataFrame, *, arg: str = "where") -> pd.Series:
    """A row mask aligned with `df` (all True when None). Nulls in the mask count as False."""
    if where is None:
        return pd.Series(True, index=df.index)
    if not isinstance(where, pd.Series) or not where.index.equals(df.index):
        raise DerivationError(f"{arg}: expected a boolean Series with the same index as df "
                              f"(e.g. df['ADT'] <= df['TRTSDT'])")
    return where.fillna(False).astype(bool)


def is_blank(values: pd.Series) -> pd.Series:
    """True where a value is null or the empty string."""
    return values.isna() | values.astype("object").eq(BLANK)


def describe_keys(frame: pd.DataFrame, keys: Sequence[str], limit: int = 5) -> str:
    """`USUBJID=S1, PARAMCD=WEIGHT; USUBJID=S2, ...` for the first `limit` distinct key rows."""
    rows = frame[list(keys)].drop_duplicates()
    text = "; ".join(", ".join(f"{k}={v}" for k, v in zip(keys, row, strict=True))
                     for row in rows.head(limit).itertuples(index=False))
    return text + (f"; ... ({len(rows)} in all)" if len(rows) > limit else "")

