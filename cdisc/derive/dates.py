"""Analysis dates (ADaMIG 1.3 §3.1.3 timing variables): ISO 8601 --DTC to numeric dates with imputation
flags, study day, duration, and the extreme (first/last) date over several SDTM sources.

Dates are returned as datetime64 columns (time of day dropped); `cdisc.finalize` writes them as SAS dates
when the spec variable is numeric with a DATE format.
"""
from __future__ import annotations

import calendar
import re
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from cdisc.dates import SAS_EPOCH
from cdisc.derive import BLANK, as_list, require_columns, warn_if_exists
from cdisc.distinct import by_distinct, distinct_rows_of
from cdisc.errors import DerivationError

ISO_DTC = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T.*)?)?)?$")
IMPUTATION_LEVELS = ("n", "D", "M")


def _split(value: object, *, arg: str) -> tuple[int, int | None, int | None] | None:
    """ISO 8601 (right-truncated) date parts; None for a blank value."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or str(value) == BLANK:
        return None
    m = ISO_DTC.match(str(value))
    if not m:
        raise DerivationError(f"{arg}: {value!r} is not an ISO 8601 date (YYYY, YYYY-MM, YYYY-MM-DD[Thh:mm])")
    y, mo, d = (int(p) if p else None for p in m.groups())
    if mo is not None and not 1 <= mo <= 12 or d is not None and not 1 <= d <= calendar.monthrange(y, mo)[1]:
        raise DerivationError(f"{arg}: {value!r} is not a valid calendar date")
    return y, mo, d


def _date_ranges(values: pd.Series, *, arg: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per value: earliest and latest possible date (datetime64[ns], NaT when blank) and the missing part ("M",
    "D", blank for a complete date, None when blank). The distinct texts are parsed together, as numbers; an
    invalid one is reported (`_split`) with the first row that holds it."""
    codes, uniques = pd.factorize(values.astype(object), use_na_sentinel=False)
    text = pd.Series(uniques, dtype=object)
    blank = np.fromiter((v is None or (isinstance(v, float) and np.isnan(v)) or str(v) == BLANK for v in uniques),
                        dtype=bool, count=len(uniques))
    parts = text.astype(str).str.extract(ISO_DTC).apply(pd.to_numeric)
    year, month, day = (parts[i].to_numpy(dtype=float) for i in range(3))
    start = _month_start(year, np.nan_to_num(month, nan=1.0))
    valid = blank | ~np.isnan(year) & (np.isnan(month) | (month >= 1) & (month <= 12) & (
        np.isnan(day) | (day >= 1) & (day <= _days_in(start))))
    if not valid.all():
        invalid = int(np.flatnonzero(~valid)[0])
        _split(uniques[invalid], arg=f"{arg} row {values.index[np.flatnonzero(codes == invalid)[0]]}")
    end = _month_start(year, np.nan_to_num(month, nan=12.0))
    first = start + (np.nan_to_num(day, nan=1.0) - 1).astype("timedelta64[D]")
    last = np.where(np.isnan(day), end + (_days_in(end) - 1).astype("timedelta64[D]"), first)
    missing = np.where(blank, None, np.where(np.isnan(month), "M", np.where(np.isnan(day), "D", BLANK)))
    # pandas, not numpy, makes them nanoseconds: a year outside 1678-2261 raises OutOfBoundsDatetime, not wraps
    first, last = (pd.Series(np.where(blank, np.datetime64("NaT"), v)).astype("datetime64[ns]").to_numpy()
                   for v in (first, last))
    return first[codes], last[codes], missing.astype(object)[codes]


def _month_start(year: np.ndarray, month: np.ndarray) -> np.ndarray:
    """The first day of each (year, month) as datetime64[D] (any year and month for a value that has none)."""
    months = (np.nan_to_num(year, nan=1970.0) - 1970) * 12 + np.clip(month, 1, 12) - 1
    return months.astype("datetime64[M]").astype("datetime64[D]")


def _days_in(month_start: np.ndarray) -> np.ndarray:
    """The number of days in the month of each first day."""
    return ((month_start.astype("datetime64[M]") + 1).astype("datetime64[D]") - month_start).astype(int)


def derive_vars_dt(df: pd.DataFrame, *, new_vars_prefix: str, dtc: str, highest_imputation: str = "n",
                   date_imputation: str = "first", min_dates: Sequence[str] | None = None,
                   max_dates: Sequence[str] | None = None) -> pd.DataFrame:
    """Analysis Date and Date Imputation Flag (e.g. ASTDT/ASTDTF from AESTDTC).

    Rule (admiral `derive_vars_dt`; ADaMIG 1.3 §3.1.3 *DTF with ADaM CT DATEFL C81223): the date part of
    `dtc`. A partial date is imputed only up to `highest_imputation`: "n" none, "D" a missing day, "M" a
    missing month and day (a missing year is never imputed). `date_imputation` "first" takes the first day
    of the month (or 1 January), "last" the last day of the month (or 31 December). Then, for each date in
    `min_dates` that lies within the range of dates the partial date allows, the imputed date is raised to
    it; for each date in `max_dates` within that range it is lowered to it (admiral
    `restrict_imputed_dtc_dt`: "not before treatment start", "not after death"). The flag is "D" when the
    day was imputed, "M" when month and day were, blank for a complete or a not-imputed (null) date.

    Args:
        df: input records. Required columns: `dtc`, `min_dates`, `max_dates`.
        new_vars_prefix: prefix of the added columns, e.g. "AST" gives ASTDT and ASTDTF.
        dtc: ISO 8601 date/datetime column (text; blank = missing).
        highest_imputation: "n", "D" or "M".
        date_imputation: "first" or "last".
        min_dates, max_dates: datetime64 columns restricting the imputed date.

    Returns:
        A copy of `df` with `<prefix>DT` (datetime64) and `<prefix>DTF` ("D", "M" or blank).

    Raises:
        DerivationError: missing columns, an unknown option, or a value that is not an ISO 8601 date.

    >>> d = pd.DataFrame({"AESTDTC": ["2024-03", "2024", "2024-03-09T10:00", ""],
    ...                   "TRTSDT": pd.to_datetime(["2024-03-05"] * 4)})
    >>> out = derive_vars_dt(d, new_vars_prefix="AST", dtc="AESTDTC", highest_imputation="M", min_dates=["TRTSDT"])
    >>> out["ASTDT"].dt.strftime("%Y-%m-%d").fillna("").tolist(), out["ASTDTF"].tolist()
    (['2024-03-05', '2024-03-05', '2024-03-09', ''], ['D', 'M', '', ''])
    """
    lows, highs = as_list(min_dates, arg="min_dates"), as_list(max_dates, arg="max_dates")
    require_columns(df, [dtc, *lows, *highs], arg="df")
    if highest_imputation not in IMPUTATION_LEVELS:
        raise DerivationError(f"highest_imputation: expected one of {IMPUTATION_LEVELS}, got {highest_imputation!r}")
    if date_imputation not in ("first", "last"):
        raise DerivationError(f"date_imputation: expected 'first' or 'last', got {date_imputation!r}")
    dt_var, flag_var = f"{new_vars_prefix}DT", f"{new_vars_prefix}DTF"
    warn_if_exists(df, [dt_var, flag_var])
    first, last, missing = _date_ranges(df[dtc], arg=f"df[{dtc!r}]")
    # imputed only up to the highest level: "n" complete dates, "D" also a missing day, "M" also month and day
    levels = [BLANK, *IMPUTATION_LEVELS[1:IMPUTATION_LEVELS.index(highest_imputation) + 1]]
    allowed = pd.Series(missing).isin(levels).to_numpy()
    dates = np.where(allowed, first if date_imputation == "first" else last, np.datetime64("NaT", "ns"))
    # restricted by each bound lying within the range the partial date allows: raised to a min, lowered to a max
    for columns, extreme in ((lows, np.maximum), (highs, np.minimum)):
        for column in columns:
            bound = pd.to_datetime(df[column]).dt.normalize().to_numpy(dtype="datetime64[ns]")
            inside = ~np.isnat(dates) & ~np.isnat(bound) & (first <= bound) & (bound <= last)
            dates = np.where(inside, extreme(dates, bound), dates)
    flags = np.where(allowed, missing, BLANK)
    return df.assign(**{dt_var: pd.Series(dates, index=df.index), flag_var: flags.tolist()})


def compute_study_day(date: pd.Series, ref: pd.Series) -> pd.Series:
    """Analysis Relative Day (ADaMIG 1.3 *DY): `date` - `ref` + 1 on or after `ref`, `date` - `ref` before
    it (there is no day 0, as SDTMIG --DY). Null when either date is null. Both are datetime64 Series.

    >>> compute_study_day(pd.to_datetime(pd.Series(["2024-03-05", "2024-03-04", None])),
    ...                   pd.to_datetime(pd.Series(["2024-03-05"] * 3))).tolist()
    [1.0, -1.0, nan]
    """
    days = (pd.to_datetime(date).dt.normalize() - pd.to_datetime(ref).dt.normalize()).dt.days.astype("float64")
    return days.where(days < 0, days + 1)


def compute_duration(start: pd.Series, end: pd.Series) -> pd.Series:
    """Analysis Duration in days (ADaMIG 1.3 ADURN): `end` - `start` + 1, so an event starting and ending on
    the same day lasts 1 day; null when either date is null. Both are datetime64 Series.

    >>> compute_duration(pd.to_datetime(pd.Series(["2024-03-05"])), pd.to_datetime(pd.Series(["2024-03-07"]))).tolist()
    [3.0]
    """
    return (pd.to_datetime(end).dt.normalize() - pd.to_datetime(start).dt.normalize()).dt.days.astype("float64") + 1


def derive_var_extreme_dt(df: pd.DataFrame, *, dataset_add: Mapping[str, pd.DataFrame], by: Sequence[str],
                          new_var: str, sources: Sequence[str], mode: str = "last",
                          upper: pd.Timestamp | None = None) -> pd.DataFrame:
    """First or last complete date over several source date variables (e.g. LSTALVDT "Date Last Known Alive").

    Rule (admiral `derive_vars_extreme_event` / `derive_var_extreme_dt`): for each `by` group of `df`, the
    latest (`mode="last"`) or earliest (`mode="first"`) **complete** date (YYYY-MM-DD; partial dates are
    ignored, never imputed) among the `sources`, written "DATASET.VARIABLE" and read from `dataset_add`.
    Dates after `upper` (e.g. the data cut) are ignored. Null when no source has a date.

    Args:
        df: one record per `by` group (e.g. ADSL). Required columns: `by`.
        dataset_add: frames by name; each named source frame needs `by` and its variable.
        by: grouping columns, e.g. ["USUBJID"].
        new_var: the added datetime64 column.
        sources: e.g. ["AE.AESTDTC", "LB.LBDTC"].
        mode: "first" or "last".
        upper: latest date taken into account.

    Returns:
        A copy of `df` with `new_var`.

    Raises:
        DerivationError: unknown source dataset, missing columns or an unknown mode.

    >>> adsl = pd.DataFrame({"USUBJID": ["1", "2"]})
    >>> ae = pd.DataFrame({"USUBJID": ["1", "1"], "AESTDTC": ["2024-03-05", "2024-04"]})
    >>> derive_var_extreme_dt(adsl, dataset_add={"AE": ae}, by=["USUBJID"], new_var="LSTALVDT",
    ...                       sources=["AE.AESTDTC"])["LSTALVDT"].dt.strftime("%Y-%m-%d").fillna("").tolist()
    ['2024-03-05', '']
    """
    by = as_list(by, arg="by", required=True)
    require_columns(df, by, arg="df")
    if mode not in ("first", "last"):
        raise DerivationError(f"mode: expected 'first' or 'last', got {mode!r}")
    warn_if_exists(df, [new_var])
    frames = []
    for src in as_list(sources, arg="sources", required=True):
        name, _, var = src.partition(".")
        if name not in dataset_add:
            raise DerivationError(f"sources: {src!r} names dataset {name!r}, not in dataset_add {sorted(dataset_add)}")
        add = dataset_add[name]
        require_columns(add, [*by, var], arg=f"dataset_add[{name!r}]")
        _, first = distinct_rows_of([add[c] for c in (*by, var)])  # each group's distinct dates once
        rows = add[[*by, var]].iloc[first]
        frames.append(rows[by].assign(_DT=by_distinct(rows[var], _complete_date)).dropna(subset=["_DT"]))
    cand = pd.concat(frames, ignore_index=True).astype({"_DT": "datetime64[ns]"})
    if upper is not None:
        cand = cand[cand["_DT"] <= pd.Timestamp(upper)]
    agg = cand.groupby(by, as_index=False)["_DT"].agg("max" if mode == "last" else "min")
    out = df.drop(columns=[new_var], errors="ignore").merge(agg.rename(columns={"_DT": new_var}), on=by, how="left")
    return out.set_axis(df.index)


def _complete_date(values: pd.Series) -> pd.Series:
    """The date of values starting with a complete YYYY-MM-DD date, NaT for partial, blank or null values."""
    text = values.astype("object").where(values.notna(), BLANK).astype(str)
    return pd.to_datetime(text.str.slice(0, 10).where(text.str.match(r"^\d{4}-\d{2}-\d{2}")), errors="coerce")


def compute_dt_from_sas(values: pd.Series, *, unit: str = "days") -> pd.Series:
    """A SAS date (days) or datetime (seconds) since 1960-01-01 as datetime64; null stays NaT.

    For reading numeric dates of a finalized ADaM dataset (e.g. ADSL.TRTSDT from `ctx.adam("ADSL")`),
    which `cdisc.finalize` stores as SAS numbers. Datetime64 input is returned unchanged.

    >>> compute_dt_from_sas(pd.Series([0.0, 23440.0, None])).dt.strftime("%Y-%m-%d").fillna("").tolist()
    ['1960-01-01', '2024-03-05', '']
    """
    if pd.api.types.is_datetime64_any_dtype(values):
        return values
    if unit not in ("days", "seconds"):
        raise DerivationError(f"unit: expected 'days' or 'seconds', got {unit!r}")
    return SAS_EPOCH + pd.to_timedelta(pd.to_numeric(values), unit="D" if unit == "days" else "s")
