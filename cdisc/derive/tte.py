"""Time-to-event parameters (ADaMIG 1.3 BDS, ADaM BDS for TTE; admiral `derive_param_tte`).

Sources are declared as frozen dataclasses, as admiral does with `event_source()`/`censor_source()`, so a
PFS/OS/DOR definition reads as data. The optional `MissedVisitCensor` implements the FDA rule "death or
progression after more than one missed visit: censored at the last adequate assessment".
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cdisc.derive import BLANK, as_list, describe_keys, require_columns
from cdisc.errors import DerivationError

RowFilter = Callable[[pd.DataFrame], pd.Series]


@dataclass(frozen=True, kw_only=True)
class _Source:
    dataset_name: str
    date: str
    filter: RowFilter | None = None
    set_values: Mapping[str, object] = field(default_factory=dict)
    srcdom: str | None = None
    srcseq: str | None = None


@dataclass(frozen=True, kw_only=True)
class EventSource(_Source):
    """An event: rows of `sources[dataset_name]` selected by `filter`, dated by column `date`.

    `filter` receives the source rows joined with the subject's `df_subjects` columns (those the source
    lacks) and returns a boolean Series; None keeps every row. `set_values` are constants written on the
    record when this source decides it (e.g. {"EVNTDESC": "DISEASE PROGRESSION"}). With `srcdom` the
    record gets SRCDOM = `srcdom`, SRCVAR = `date` and, when `srcseq` names a column, SRCSEQ from it.
    """


@dataclass(frozen=True, kw_only=True)
class CensorSource(_Source):
    """A censoring date; as `EventSource` plus `censor`, the positive CNSR code of this reason."""

    censor: int = 1

    def __post_init__(self) -> None:
        if isinstance(self.censor, bool) or not isinstance(self.censor, int) or self.censor < 1:
            raise DerivationError(f"CensorSource({self.dataset_name!r}).censor: expected a positive integer "
                                  f"(0 is reserved for events), got {self.censor!r}")


@dataclass(frozen=True, kw_only=True)
class MissedVisitCensor(CensorSource):
    """Censor an event that follows a gap of more than `max_gap_days` without adequate assessment.

    The selected rows are the adequate assessments (e.g. every evaluable tumour assessment). Typical
    value: twice the protocol assessment interval plus the visit window.
    """

    max_gap_days: float = 0

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.max_gap_days or self.max_gap_days <= 0:
            raise DerivationError(f"MissedVisitCensor.max_gap_days: expected a positive number of days, "
                                  f"got {self.max_gap_days!r}")


def _candidates(src: _Source, rank: int, sources: Mapping[str, pd.DataFrame], subjects: pd.DataFrame,
                by: list[str]) -> pd.DataFrame:
    """The dated rows a source contributes: by, __date, __rank, __seq (one row per selected record)."""
    if src.dataset_name not in sources:
        raise DerivationError(f"sources: no dataset {src.dataset_name!r} (given: {sorted(sources)}); "
                              f"add it to sources= or fix dataset_name")
    data = sources[src.dataset_name]
    require_columns(data, [*by, src.date, *([src.srcseq] if src.srcseq else [])], arg=f"sources[{src.dataset_name!r}]")
    extra = [c for c in subjects.columns if c not in data.columns]
    joined = data.merge(subjects[[*by, *extra]], on=by, how="inner")
    mask = pd.Series(True, index=joined.index)
    if src.filter is not None:
        mask = src.filter(joined)
        if not isinstance(mask, pd.Series) or not mask.index.equals(joined.index):
            raise DerivationError(f"{type(src).__name__}({src.dataset_name!r}).filter: must return a boolean "
                                  f"Series aligned with the rows it receives")
        mask = mask.fillna(False).astype(bool)
    when = pd.to_datetime(joined[src.date])
    keep = mask & when.notna()
    out = joined.loc[keep, by].copy()
    out["__date"] = when[keep].dt.normalize()
    out["__rank"] = rank
    out["__seq"] = joined.loc[keep, src.srcseq] if src.srcseq else np.nan
    return out


def _pick(cands: list[pd.DataFrame], by: list[str], *, latest: bool) -> pd.DataFrame:
    """One row per subject: earliest (or latest) date; on equal dates the source listed first wins."""
    if not cands:
        return pd.DataFrame(columns=[*by, "__date", "__rank", "__seq"])
    allc = pd.concat(cands, ignore_index=True)
    allc = allc.sort_values(["__date", "__rank"], ascending=[not latest, True], kind="mergesort")
    return allc.groupby(by, sort=False, dropna=False).head(1)


def derive_param_tte(df_subjects: pd.DataFrame, *, sources: Mapping[str, pd.DataFrame], start_date: str,
                     event_sources: Sequence[EventSource], censor_sources: Sequence[CensorSource], paramcd: str,
                     param: str, by: Sequence[str] | None = None, day_offset: int = 1,
                     missed_visit: MissedVisitCensor | None = None) -> pd.DataFrame:
    """Time-to-event parameter records (BDS-TTE: STARTDT, ADT, AVAL, CNSR, EVNTDESC, CNSDTDSC).

    Rule (ADaM BDS-TTE; admiral `derive_param_tte`; FDA "Clinical Trial Endpoints for the Approval of
    Cancer Drugs and Biologics", 2018, PFS censoring table): one record per subject of `df_subjects`.
      * If any event source has a dated row for the subject, ADT = the earliest such date and CNSR = 0.
      * Otherwise ADT = the latest date among the censor sources and CNSR = that source's `censor`.
      * Equal dates: the source listed first wins. `set_values` of the deciding source are written
        (columns a source does not set are blank).
      * `missed_visit` (optional, generic form of the FDA row "death or progression after more than one
        missed visit"): for an event, let the anchor be the latest of STARTDT and the adequate assessment
        dates strictly before the event date. If the event comes more than `max_gap_days` after the anchor,
        the subject is censored at the anchor with that source's `censor`/`set_values` instead. With no
        assessment before the event the anchor is STARTDT: a death long after start without any
        assessment is censored at STARTDT (FDA's "death before first PD assessment -> event" then holds
        only within the allowed gap).
      * AVAL = ADT - STARTDT + `day_offset` days (time of day ignored). `day_offset=1` counts the start
        day as day 1, as admiral `derive_vars_duration(add_one = TRUE)` and the --DY convention do.
    FDA rows such as "no baseline assessment", "new anticancer therapy" or "treatment discontinuation for
    toxicity" are expressed with `filter`s (which see the subject-level columns) and distinct `censor`
    codes; see the tests for the whole PFS table.

    Args:
        df_subjects: one row per subject (e.g. ADSL). Required columns: `by`, `start_date`.
        sources: datasets by name, each with the `by` columns and its sources' `date` (and `srcseq`).
        start_date: the time origin column (e.g. TRTSDT = infusion date for single-arm CAR-T).
        event_sources, censor_sources: the definitions, in priority order for equal dates.
        paramcd, param: PARAMCD / PARAM of the records.
        by: subject keys (default ["USUBJID"]).
        day_offset: days added to the date difference (1 or 0).
        missed_visit: optional missed-visit censoring rule.

    Returns:
        One row per subject, in `df_subjects` order: `by`, PARAMCD, PARAM, STARTDT, ADT, AVAL, CNSR, the
        `set_values` columns, and SRCDOM/SRCVAR/SRCSEQ when any source has `srcdom`.

    Raises:
        DerivationError: missing columns or datasets, duplicate subjects, a missing start date, a subject
        with neither event nor censoring date, or an ADT before STARTDT.

    >>> adsl = pd.DataFrame({"USUBJID": ["1", "2"], "TRTSDT": pd.to_datetime(["2025-01-01"] * 2),
    ...                      "DTHDT": pd.to_datetime(["2025-01-10", None]),
    ...                      "LSTALVDT": pd.to_datetime(["2025-01-10", "2025-03-01"])})
    >>> os_ = derive_param_tte(adsl, sources={"adsl": adsl}, start_date="TRTSDT", paramcd="OS", param="OS",
    ...     event_sources=[EventSource(dataset_name="adsl", date="DTHDT", set_values={"EVNTDESC": "DEATH"})],
    ...     censor_sources=[CensorSource(dataset_name="adsl", date="LSTALVDT", set_values={"EVNTDESC": "ALIVE"})])
    >>> os_[["USUBJID", "AVAL", "CNSR", "EVNTDESC"]].values.tolist()
    [['1', 10, 0, 'DEATH'], ['2', 60, 1, 'ALIVE']]
    """
    by = as_list(by, arg="by") or ["USUBJID"]
    require_columns(df_subjects, [*by, start_date], arg="df_subjects")
    if df_subjects.duplicated(by).any():
        dup = df_subjects[df_subjects.duplicated(by, keep=False)]
        raise DerivationError(f"df_subjects: several rows for {describe_keys(dup, by)}; pass one row per subject")
    starts = pd.to_datetime(df_subjects[start_date]).dt.normalize()
    if starts.isna().any():
        raise DerivationError(f"df_subjects: {start_date} is missing for "
                              f"{describe_keys(df_subjects[starts.isna()], by)}; keep only subjects with a start date")
    if not event_sources and not censor_sources:
        raise DerivationError("event_sources, censor_sources: give at least one source")
    for arg, srcs, kind in (("event_sources", event_sources, EventSource),
                            ("censor_sources", censor_sources, CensorSource)):
        if any(not isinstance(s, kind) or isinstance(s, MissedVisitCensor) for s in srcs):
            raise DerivationError(f"{arg}: expected {kind.__name__} objects only")
    all_sources: list[_Source] = [*event_sources, *censor_sources]
    subjects = df_subjects.assign(**{"__start": starts})
    events = _pick([_candidates(s, i, sources, subjects, by) for i, s in enumerate(event_sources)], by, latest=False)
    base = len(event_sources)
    censors = _pick([_candidates(s, base + i, sources, subjects, by) for i, s in enumerate(censor_sources)], by,
                    latest=True)
    out = subjects[[*by, "__start"]].merge(events, on=by, how="left")
    cens = subjects[by].merge(censors, on=by, how="left")
    use_censor = out["__date"].isna()
    for col in ("__date", "__rank", "__seq"):
        out[col] = out[col].astype(object).where(~use_censor, cens[col].astype(object))
    out["__date"] = pd.to_datetime(out["__date"])
    if missed_visit is not None:
        all_sources.append(missed_visit)
        out = _apply_missed_visit(out, missed_visit, len(all_sources) - 1, sources, subjects, by, use_censor)
    none = out["__date"].isna()
    if none.any():
        raise DerivationError(f"{paramcd}: {int(none.sum())} subject(s) have neither an event nor a censoring date "
                              f"({describe_keys(out[none], by)}); add a censor source such as the start date")
    early = out["__date"] < out["__start"]
    if early.any():
        raise DerivationError(f"{paramcd}: ADT is before {start_date} for {describe_keys(out[early], by)}; "
                              f"restrict the sources' filters to dates on/after the start date")
    return _tte_frame(out, all_sources, by, paramcd, param, day_offset)


def _apply_missed_visit(out: pd.DataFrame, rule: MissedVisitCensor, rank: int, sources: Mapping[str, pd.DataFrame],
                        subjects: pd.DataFrame, by: list[str], is_censored: pd.Series) -> pd.DataFrame:
    visits = _candidates(rule, rank, sources, subjects, by)
    ev = out.loc[~is_censored, [*by, "__date"]].reset_index()
    prior = ev.merge(visits.rename(columns={"__date": "__visit"}), on=by, how="inner")
    prior = prior[prior["__visit"] < prior["__date"]].sort_values("__visit", kind="mergesort")
    last = prior.groupby("index", sort=False).tail(1).set_index("index")
    out = out.copy()
    anchor = out["__start"].copy()
    has_visit = last.index[last["__visit"].values >= out.loc[last.index, "__start"].values]
    anchor[has_visit] = last.loc[has_visit, "__visit"]
    fires = ~is_censored & ((out["__date"] - anchor) / pd.Timedelta(days=1) > rule.max_gap_days)
    seq = pd.Series(np.nan, index=out.index, dtype=object)
    seq[has_visit] = last.loc[has_visit, "__seq"]
    out.loc[fires, "__date"] = anchor[fires]
    out.loc[fires, "__rank"] = rank
    out.loc[fires, "__seq"] = seq[fires]
    out["__srcdom_off"] = fires & ~out.index.isin(has_visit)  # censored at STARTDT: no source record
    return out


def _tte_frame(out: pd.DataFrame, all_sources: list[_Source], by: list[str], paramcd: str, param: str,
               day_offset: int) -> pd.DataFrame:
    ranks = out["__rank"].astype(int)
    res = out[by].copy()
    res["PARAMCD"], res["PARAM"] = paramcd, param
    res["STARTDT"] = out["__start"]
    res["ADT"] = out["__date"]
    res["AVAL"] = ((res["ADT"] - res["STARTDT"]) / pd.Timedelta(days=1)).astype(int) + day_offset
    res["CNSR"] = [getattr(all_sources[r], "censor", 0) for r in ranks]
    for name in dict.fromkeys(k for s in all_sources for k in s.set_values):
        res[name] = [all_sources[r].set_values.get(name, BLANK) for r in ranks]
    if any(s.srcdom for s in all_sources):
        off = out.get("__srcdom_off", pd.Series(False, index=out.index)).astype(bool).to_numpy()
        res["SRCDOM"] = [BLANK if o else (all_sources[r].srcdom or BLANK) for r, o in zip(ranks, off, strict=True)]
        res["SRCVAR"] = [BLANK if o or not all_sources[r].srcdom else all_sources[r].date
                         for r, o in zip(ranks, off, strict=True)]
        res["SRCSEQ"] = pd.to_numeric(out["__seq"].where(~off), errors="coerce")
    return res.reset_index(drop=True)
