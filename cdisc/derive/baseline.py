"""Baseline family (ADaMIG 1.3 §3.3.4, BDS): ABLFL, BASE, CHG/PCHG and the reference-range indicator."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from cdisc.derive import BLANK, as_list, check_mask, describe_keys, is_blank, require_columns, warn_if_exists
from cdisc.distinct import either, positions_in
from cdisc.errors import DerivationError
from cdisc.issues import Issue


def derive_var_ablfl(df: pd.DataFrame, *, by: Sequence[str], order: Sequence[str], new_var: str = "ABLFL",
                     where: pd.Series | None = None, source: str = "AVAL", date: str = "ADT",
                     ref_date: str = "TRTSDT") -> pd.DataFrame:
    """Baseline Record Flag.

    Rule (ADaMIG 1.3 §3.3.4, ABLFL; FDA TCG "last non-missing value prior to first dose"): within each
    `by` group, among the records in `where` whose `source` is not missing and whose `date` is on or
    before `ref_date` (a record dated the reference day counts as pre-dose), the last one by `order` gets
    "Y"; every other record is blank. At most one record per group is flagged. When two candidates share
    the values of all `order` columns at the top, the choice would be arbitrary: that is a
    `DerivationError` naming every such group. Add a column to `order` (e.g. a sequence number) to break it.

    Args:
        df: BDS records. Required columns: `by`, `order`, `source`, `date`, `ref_date`.
        by: grouping columns, e.g. ["USUBJID", "PARAMCD"] (add BASETYPE when used).
        order: columns ordering the candidates; the last is the baseline, e.g. ["ADT", "ASEQ"].
        new_var: the flag column to add.
        where: optional row mask restricting the candidates (e.g. `df["DTYPE"] == ""`).
        source: the analysis value that must be non-missing.
        date, ref_date: analysis date and reference date (e.g. treatment start) columns.

    Returns:
        A copy of `df` with `new_var` ("Y" or blank).

    Raises:
        DerivationError: missing columns, or ties at the top of `order` (issues attached).

    >>> d = pd.DataFrame({"USUBJID": ["1", "1", "1"], "ADT": pd.to_datetime(["2025-01-01", "2025-01-05",
    ...                   "2025-01-20"]), "TRTSDT": pd.to_datetime(["2025-01-05"] * 3), "AVAL": [1.0, 2.0, 3.0]})
    >>> derive_var_ablfl(d, by=["USUBJID"], order=["ADT"])["ABLFL"].tolist()
    ['', 'Y', '']
    """
    by, order = as_list(by, arg="by", required=True), as_list(order, arg="order", required=True)
    require_columns(df, [*by, *order, source, date, ref_date], arg="df")
    warn_if_exists(df, [new_var])
    keep = (check_mask(where, df) & ~is_blank(df[source]) & df[date].notna() & df[ref_date].notna())
    keep &= (df[date] <= df[ref_date]).fillna(False).astype(bool)
    cand = df.loc[keep, [*by, *order]].sort_values(order, kind="mergesort", na_position="first")
    chosen = cand.groupby(by, sort=False, dropna=False).tail(1)
    tied = cand.index[cand.duplicated(subset=[*by, *order], keep=False)]
    bad = chosen[chosen.index.isin(tied)]
    if len(bad):
        bad_rows = cand[cand.set_index([*by, *order]).index.isin(bad.set_index([*by, *order]).index)]
        issues = [Issue("error", "BASELINE_TIE", "df", f"{len(g)} candidate baseline records share "
                        f"{dict(zip(order, k[len(by):], strict=True))}", variable=new_var,
                        row=",".join(map(str, g.index)), value=describe_keys(g, by, limit=1))
                  for k, g in bad_rows.groupby([*by, *order], sort=False, dropna=False)]
        raise DerivationError(
            f"df: {len(bad)} group(s) have more than one candidate baseline record with the same "
            f"{order} (by {by}): {describe_keys(bad, by)}. Add a column to order= (e.g. a sequence number) "
            f"to choose one, or fix the data.", issues)
    return df.assign(**{new_var: either(df.index.isin(chosen.index), "Y", BLANK)})


def derive_var_base(df: pd.DataFrame, *, by: Sequence[str], source: str = "AVAL", new_var: str = "BASE",
                    flag: str = "ABLFL") -> pd.DataFrame:
    """Baseline Value.

    Rule (ADaMIG 1.3 §3.3.4, BASE/BASEC/BNRIND): `new_var` is the `source` value of the record flagged
    `flag` = "Y" in the same `by` group, copied to every record of that group. Groups without a baseline
    record get a missing value (NaN for numbers, blank for text). More than one flagged record in a
    group is a `DerivationError` (ADaMIG: at most one baseline record per subject, parameter and BASETYPE).

    Args:
        df: BDS records. Required columns: `by`, `source`, `flag`.
        by: grouping columns, e.g. ["USUBJID", "PARAMCD"] (+ BASETYPE).
        source: the column to copy (AVAL -> BASE, AVALC -> BASEC, ANRIND -> BNRIND).
        new_var: the column to add.
        flag: the baseline flag column ("Y" marks the baseline record).

    Returns:
        A copy of `df` with `new_var`.

    Raises:
        DerivationError: missing columns or several baseline records in a group (issues attached).

    >>> d = pd.DataFrame({"USUBJID": ["1", "1"], "AVAL": [80.0, 78.0], "ABLFL": ["Y", ""]})
    >>> derive_var_base(d, by=["USUBJID"])["BASE"].tolist()
    [80.0, 80.0]
    """
    by = as_list(by, arg="by", required=True)
    require_columns(df, [*by, source, flag], arg="df")
    warn_if_exists(df, [new_var])
    base = df.loc[df[flag].eq("Y").fillna(False).astype(bool), [*by, source]]
    dup = base[base.duplicated(subset=by, keep=False)]
    if len(dup):
        issues = [Issue("error", "BASELINE_DUPLICATE", "df", f"{len(g)} records flagged {flag}='Y'",
                        variable=flag, row=",".join(map(str, g.index)), value=describe_keys(g, by, limit=1))
                  for _, g in dup.groupby(by, sort=False, dropna=False)]
        raise DerivationError(
            f"df: {len(issues)} group(s) have more than one baseline record ({flag}='Y') by {by}: "
            f"{describe_keys(dup, by)}. Fix {flag} so that each group has at most one.", issues)
    # each record's group looked up among the baseline records once per distinct group (a left join, whose keys
    # pandas would factorize record by record)
    keys = pd.Index(base[by[0]]) if len(by) == 1 else pd.MultiIndex.from_frame(base[by])
    found = positions_in(df[by[0]] if len(by) == 1 else df[by], keys)
    values = pd.Series(pd.api.extensions.take(base[source].array, found, allow_fill=True), index=df.index)
    if not pd.api.types.is_numeric_dtype(df[source]):
        values = values.where(values.notna(), BLANK)
    return df.assign(**{new_var: values})


def derive_vars_chg(df: pd.DataFrame, *, flag: str | None = "ABLFL") -> pd.DataFrame:
    """Change from Baseline; Percent Change from Baseline.

    Rule (ADaMIG 1.3 §3.3.4): CHG = AVAL - BASE; PCHG = 100 * CHG / BASE. PCHG is missing when BASE is
    0 or missing; both are missing when AVAL or BASE is missing. On the baseline record itself (`flag` =
    "Y") both are left missing, as our SAP chooses (ADaMIG allows either). Records before baseline get
    the arithmetic value. Pass `flag=None` to compute CHG/PCHG on the baseline record too (0).

    Args:
        df: BDS records. Required columns: AVAL, BASE, and `flag` unless None.
        flag: the baseline flag column.

    Returns:
        A copy of `df` with CHG and PCHG (float).

    Raises:
        DerivationError: missing columns.

    >>> d = pd.DataFrame({"AVAL": [50.0, 60.0, 3.0], "BASE": [50.0, 50.0, 0.0], "ABLFL": ["Y", "", ""]})
    >>> out = derive_vars_chg(d)
    >>> out["CHG"].tolist(), out["PCHG"].tolist()
    ([nan, 10.0, 3.0], [nan, 20.0, nan])
    """
    require_columns(df, ["AVAL", "BASE", *([flag] if flag else [])], arg="df")
    warn_if_exists(df, ["CHG", "PCHG"])
    aval = pd.to_numeric(df["AVAL"], errors="raise").astype("float64")
    base = pd.to_numeric(df["BASE"], errors="raise").astype("float64")
    chg = aval - base
    pchg = (100.0 * chg / base.where(base.ne(0))).astype("float64")
    if flag:
        is_base = df[flag].eq("Y").fillna(False).astype(bool)
        chg, pchg = chg.mask(is_base), pchg.mask(is_base)
    return df.assign(CHG=chg, PCHG=pchg)


def derive_var_anrind(df: pd.DataFrame, *, low: str, high: str, source: str = "AVAL",
                      new_var: str = "ANRIND") -> pd.DataFrame:
    """Analysis Reference Range Indicator.

    Rule (ADaMIG 1.3 §3.3.5 ANRIND; admiral `derive_var_anrind`): "LOW" when `source` < `low`, "HIGH"
    when `source` > `high`, "NORMAL" when the value is within the limits (limits included) and at least
    one limit is present; blank when the value or both limits are missing. A one-sided range is used as
    given (e.g. only an upper limit). A record with `low` > `high` is a `DerivationError` (FDA rule
    FDAB039: the upper limit must exceed the lower one).

    Args:
        df: records. Required columns: `source`, `low`, `high`.
        low, high: reference-range columns (e.g. "ANRLO", "ANRHI").
        source: the analysis value.
        new_var: the indicator column to add.

    Returns:
        A copy of `df` with `new_var` ("LOW"/"NORMAL"/"HIGH"/blank).

    Raises:
        DerivationError: missing columns, or inverted ranges (issues attached).

    >>> d = pd.DataFrame({"AVAL": [1.0, 5.0, 9.0], "ANRLO": [2.0] * 3, "ANRHI": [8.0] * 3})
    >>> derive_var_anrind(d, low="ANRLO", high="ANRHI")["ANRIND"].tolist()
    ['LOW', 'NORMAL', 'HIGH']
    """
    require_columns(df, [source, low, high], arg="df")
    warn_if_exists(df, [new_var])
    val, lo, hi = (pd.to_numeric(df[c], errors="raise").astype("float64") for c in (source, low, high))
    inverted = lo.notna() & hi.notna() & (lo > hi)
    if inverted.any():
        issues = [Issue("error", "RANGE_INVERTED", "df", f"{low} > {high}", variable=low, row=str(i),
                        value=f"{lo[i]} > {hi[i]}") for i in df.index[inverted]]
        raise DerivationError(f"df: {int(inverted.sum())} record(s) have {low} greater than {high} "
                              f"(rows {list(df.index[inverted][:5])}); fix the reference ranges.", issues)
    ind = np.select([val < lo, val > hi, val.notna() & (lo.notna() | hi.notna())],
                    ["LOW", "HIGH", "NORMAL"], default=BLANK)
    return df.assign(**{new_var: ind})
