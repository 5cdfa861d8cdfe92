"""Record flags (ADaMIG 1.3, OCCDS v1.1): first/last record flags and the treatment-emergent flag."""
from __future__ import annotations

import warnings
from collections.abc import Sequence

import pandas as pd

from cdisc.derive import BLANK, as_list, check_mask, describe_keys, require_columns, warn_if_exists
from cdisc.distinct import either
from cdisc.errors import DerivationError


def derive_var_extreme_flag(df: pd.DataFrame, *, by: Sequence[str], order: Sequence[str], new_var: str,
                            mode: str = "first", where: pd.Series | None = None) -> pd.DataFrame:
    """First or Last Record Flag (e.g. AOCCPFL "1st Occurrence within Preferred Term Flag", ANL01FL).

    Rule (admiral `derive_var_extreme_flag`; ADaMIG OCCDS v1.1 occurrence flags): within each `by` group,
    among the records selected by `where`, the first (`mode="first"`) or last (`mode="last"`) record by
    `order` (ascending, missing values first) gets "Y"; all other records are blank. Records outside
    `where` are blank. If several records share the `by` + `order` values of the flagged one, the first of
    them in input order is taken for "first" and the last for "last", and a UserWarning names the groups
    (admiral's default `check_type = "warning"`); add an `order` column to make the choice explicit.

    Args:
        df: records. Required columns: `by`, `order`.
        by: grouping columns, e.g. ["USUBJID", "AEDECOD"].
        order: sort columns, e.g. ["ASTDT", "AESEQ"].
        new_var: the flag column to add.
        mode: "first" or "last".
        where: optional row mask of the records that may be flagged.

    Returns:
        A copy of `df` with `new_var` ("Y" or blank), rows in input order.

    Raises:
        DerivationError: missing columns, empty `order`, or an unknown `mode`.

    >>> d = pd.DataFrame({"USUBJID": ["1", "1", "2"], "ASTDT": [3, 1, 5]})
    >>> derive_var_extreme_flag(d, by=["USUBJID"], order=["ASTDT"], new_var="AOCCFL")["AOCCFL"].tolist()
    ['', 'Y', 'Y']
    """
    by, order = as_list(by, arg="by", required=True), as_list(order, arg="order", required=True)
    require_columns(df, [*by, *order], arg="df")
    if mode not in ("first", "last"):
        raise DerivationError(f"mode: expected 'first' or 'last', got {mode!r}")
    warn_if_exists(df, [new_var])
    cand = df.loc[check_mask(where, df), [*by, *order]].sort_values(order, kind="mergesort", na_position="first")
    grouped = cand.groupby(by, sort=False, dropna=False)
    chosen = grouped.head(1) if mode == "first" else grouped.tail(1)
    tied = cand.index[cand.duplicated(subset=[*by, *order], keep=False)]
    ties = chosen[chosen.index.isin(tied)]
    if len(ties):
        warnings.warn(f"{new_var}: {len(ties)} group(s) have several records with the same {by + order} as the "
                      f"flagged one ({describe_keys(ties, by)}); input order decided. Add an order column.",
                      UserWarning, stacklevel=2)
    return df.assign(**{new_var: either(df.index.isin(chosen.index), "Y", BLANK)})


def derive_var_trtemfl(df: pd.DataFrame, *, start_date: str, end_date: str, trt_start: str, trt_end: str,
                       end_window_days: int | None = None, new_var: str = "TRTEMFL") -> pd.DataFrame:
    """Treatment Emergent Analysis Flag.

    Rule (ADaMIG OCCDS v1.1 TRTEMFL example "TRTSDT <= ASTDT <= TRTEDT + x days"; admiral
    `derive_var_trtemfl`), comparing calendar dates (time of day ignored, so an event on the treatment
    day counts as emergent, as admiral does with date variables): "Y" when
      * `trt_start` <= `start_date` and, if `end_window_days` is given and `trt_end` is known,
        `start_date` <= `trt_end` + `end_window_days` days; or
      * `start_date` is missing and `end_date` is missing or on/after `trt_start` (a record that cannot be
        shown to start before treatment is counted as emergent: the conservative choice).
    Blank otherwise, and always blank when `trt_start` is missing (untreated subject). Dates are
    datetime64 (a time part is dropped); partial dates must be imputed first.

    Args:
        df: occurrence records joined to the subject's treatment dates. Required columns: `start_date`,
            `end_date`, `trt_start`, `trt_end`.
        start_date, end_date: the event's analysis start/end date columns (e.g. "ASTDT", "AENDT").
        trt_start, trt_end: treatment start/end columns (e.g. "TRTSDT", "TRTEDT").
        end_window_days: days after `trt_end` still counted; None means no upper limit.
        new_var: the flag column to add.

    Returns:
        A copy of `df` with `new_var` ("Y" or blank).

    Raises:
        DerivationError: missing columns or a negative window.

    >>> d = pd.DataFrame({"ASTDT": pd.to_datetime(["2025-01-01", "2025-01-10", "2025-03-01", None]),
    ...                   "AENDT": pd.to_datetime([None, None, None, "2025-01-20"]),
    ...                   "TRTSDT": pd.to_datetime(["2025-01-05"] * 4), "TRTEDT": pd.to_datetime(["2025-01-05"] * 4)})
    >>> derive_var_trtemfl(d, start_date="ASTDT", end_date="AENDT", trt_start="TRTSDT", trt_end="TRTEDT",
    ...                    end_window_days=28)["TRTEMFL"].tolist()
    ['', 'Y', '', 'Y']
    """
    require_columns(df, [start_date, end_date, trt_start, trt_end], arg="df")
    if end_window_days is not None and end_window_days < 0:
        raise DerivationError(f"end_window_days: expected a non-negative number of days, got {end_window_days}")
    warn_if_exists(df, [new_var])
    start, end, t0, t1 = (pd.to_datetime(df[c]).dt.normalize() for c in (start_date, end_date, trt_start, trt_end))
    in_window = pd.Series(True, index=df.index)
    if end_window_days is not None:
        in_window = t1.isna() | (start <= t1 + pd.Timedelta(days=end_window_days))
    started_after = start.notna() & (start >= t0) & in_window
    unknown_start = start.isna() & (end.isna() | (end >= t0))
    flag = t0.notna() & (started_after | unknown_start)
    return df.assign(**{new_var: either(flag.fillna(False).astype(bool), "Y", BLANK)})
