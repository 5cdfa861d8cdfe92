"""Analysis visit windows (ADaMIG 1.3 §3.3.3, BDS timing: AVISIT/AVISITN, AWTARGET, AWTDIFF, AWLO, AWHI, AWU)
and the "closest to target" analysis record flag."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import pandas as pd

from cdisc.derive import BLANK, as_list, check_mask, require_columns, warn_if_exists
from cdisc.distinct import either
from cdisc.errors import DerivationError


@dataclass(frozen=True)
class VisitWindow:
    """One analysis window: a record whose study day is in [`low`, `high`] (both included) belongs to the
    analysis visit `name` / `number`, whose target day is `target`."""

    name: str
    number: float
    target: int
    low: int
    high: int

    def __post_init__(self) -> None:
        if not self.low <= self.target <= self.high:
            raise DerivationError(f"window {self.name!r}: expected low <= target <= high, got "
                                  f"{self.low} <= {self.target} <= {self.high}")


WINDOW_VARS = ("AVISIT", "AVISITN", "AWTARGET", "AWTDIFF", "AWLO", "AWHI", "AWU")


def derive_vars_visit_window(df: pd.DataFrame, *, windows: Sequence[VisitWindow], where: pd.Series | None = None,
                             day: str = "ADY", unit: str = "DAYS") -> pd.DataFrame:
    """Analysis Visit; Analysis Visit (N); Analysis Window Target; Analysis Window Diff from Target;
    Analysis Window Beginning Timepoint; Analysis Window Ending Timepoint; Analysis Window Unit.

    Rule (ADaMIG 1.3 §3.3.3 AVISIT/AVISITN and the AW* window variables): a record selected by `where`
    whose `day` lies in [low, high] of a window gets that window's name, number, target, bounds and
    AWTDIFF = |day - target|. Other records get blank/missing values (they are kept, not windowed).
    Windows may not overlap: that is a `DerivationError`, since a record would belong to two visits.

    Args:
        df: BDS records. Required column: `day`.
        windows: the analysis windows.
        where: optional mask of the records that may be windowed (e.g. post-infusion records).
        day: the analysis study day column.
        unit: the AWU value ("DAYS").

    Returns:
        A copy of `df` with AVISIT, AVISITN, AWTARGET, AWTDIFF, AWLO, AWHI, AWU.

    Raises:
        DerivationError: missing columns, no windows, or overlapping windows.

    >>> d = pd.DataFrame({"ADY": [20, 21, 35, 36]})
    >>> w = [VisitWindow("Day 28", 28, 28, 21, 35)]
    >>> derive_vars_visit_window(d, windows=w)["AVISIT"].tolist()
    ['', 'Day 28', 'Day 28', '']
    """
    require_columns(df, [day], arg="df")
    if not windows:
        raise DerivationError("windows: give at least one VisitWindow")
    spans = sorted(windows, key=lambda w: w.low)
    for a, b in pairwise(spans):
        if b.low <= a.high:
            raise DerivationError(f"windows: {a.name!r} [{a.low}, {a.high}] and {b.name!r} [{b.low}, {b.high}] "
                                  f"overlap; a record would fall in both")
    warn_if_exists(df, WINDOW_VARS)
    ady = pd.to_numeric(df[day], errors="raise").astype("float64")
    sel = check_mask(where, df)
    hit = [(sel & (ady >= w.low) & (ady <= w.high)).to_numpy() for w in windows]
    window = np.select(hit, np.arange(len(windows)), default=len(windows))  # each record's (len: in none)

    def pick(values: list[float]) -> np.ndarray:
        return np.array([*values, np.nan], dtype="float64")[window]

    target = pick([float(w.target) for w in windows])
    return df.assign(
        AVISIT=pd.array([w.name for w in windows] + [BLANK], dtype="str").take(window),
        AVISITN=pick([float(w.number) for w in windows]), AWTARGET=target, AWTDIFF=(ady - target).abs(),
        AWLO=pick([float(w.low) for w in windows]), AWHI=pick([float(w.high) for w in windows]),
        AWU=either(~np.isnan(target), unit))


def derive_var_closest_flag(df: pd.DataFrame, *, by: Sequence[str], order: Sequence[str] | None = None,
                            new_var: str = "ANL01FL", where: pd.Series | None = None, day: str = "ADY",
                            target: str = "AWTARGET") -> pd.DataFrame:
    """Analysis Flag 01 (one record per analysis window).

    Rule (ADaMIG 1.3 §3.3.8 ANLzzFL; a common SAP windowing rule): within each `by` group (e.g. USUBJID,
    PARAMCD, AVISITN), among the records selected by `where` with a non-missing `day` and `target`, the
    record with the smallest |day - target| gets "Y"; a tie in distance goes to the later day (the record
    after the target), and a remaining tie to the last record by `order` (e.g. ["ADTM", "SRCSEQ"]).
    If records still tie, the choice would be arbitrary: that is a `DerivationError`.

    Args:
        df: records. Required columns: `by`, `order`, `day`, `target`.
        by: grouping columns.
        order: optional tie-break columns (ascending; the last wins).
        new_var: the flag column to add.
        where: optional mask of candidate records (e.g. AVAL not missing).
        day, target: the study day and the window's target day.

    Returns:
        A copy of `df` with `new_var` ("Y" or blank).

    Raises:
        DerivationError: missing columns, or ties not broken by `order`.

    >>> d = pd.DataFrame({"USUBJID": ["1", "1", "1"], "ADY": [26, 30, 29], "AWTARGET": [28, 28, 28]})
    >>> derive_var_closest_flag(d, by=["USUBJID"])["ANL01FL"].tolist()
    ['', '', 'Y']
    """
    by, order = as_list(by, arg="by", required=True), as_list(order, arg="order")
    require_columns(df, [*by, *order, day, target], arg="df")
    warn_if_exists(df, [new_var])
    keep = check_mask(where, df) & df[day].notna() & df[target].notna()
    cand = df.loc[keep, [*by, *order, day]].assign(
        __near=-(pd.to_numeric(df.loc[keep, day]) - pd.to_numeric(df.loc[keep, target])).abs())
    cand = cand.sort_values(["__near", day, *order], kind="mergesort", na_position="first")
    chosen = cand.groupby(by, sort=False, dropna=False).tail(1)
    tied = cand.duplicated(subset=[*by, "__near", day, *order], keep=False)
    bad = chosen[chosen.index.isin(cand.index[tied])]
    if len(bad):
        raise DerivationError(f"df: {len(bad)} window group(s) have several records equally close to the target "
                              f"on the same day (by {by}); first: {bad[by].iloc[0].to_dict()}. "
                              f"Add a column to order= to choose one.")
    return df.assign(**{new_var: either(df.index.isin(chosen.index), "Y", BLANK)})
