"""RECIST 1.1 (Eisenhauer et al., Eur J Cancer 2009;45:228-247): time-point and best overall response.

Response codes are the CDISC ONCRSR submission values: CR, PR, SD, NON-CR/NON-PD, PD, NE; "NA" marks a
component that does not apply (no target, or no non-target, lesions at baseline).
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cdisc.derive import as_list, describe_keys, require_columns, warn_if_exists
from cdisc.errors import DerivationError
from cdisc.issues import Issue

TARGET_VALUES = ("CR", "PR", "SD", "PD", "NE", "NA")
NONTARGET_VALUES = ("CR", "NON-CR/NON-PD", "PD", "NE", "NA")
NEW_LESION_VALUES = ("Y", "N", "NE")
OVERALL_VALUES = ("CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE")
_DECIMALS = 6  # percentages and millimetres are compared after rounding, so 100 -> 70 mm is exactly -30 %


def _series(values: object, *, index: pd.Index, arg: str) -> pd.Series:
    arr = np.asarray(values, dtype=object) if not isinstance(values, pd.Series) else values.to_numpy(dtype=object)
    if len(arr) != len(index):
        raise DerivationError(f"{arg}: expected {len(index)} values (the length of the first argument), got {len(arr)}")
    return pd.Series(arr, index=index, dtype=object)


def _check_values(values: pd.Series, allowed: Sequence[str], *, arg: str) -> None:
    bad = sorted({str(v) for v in values if v not in allowed})
    if bad:
        raise DerivationError(f"{arg}: value(s) {bad[:10]} are not allowed; expected one of {list(allowed)} "
                              f"(map missing values explicitly, e.g. to 'NE')")


def compute_target_response(sod: pd.Series, *, baseline_sod: pd.Series, nadir_sod: pd.Series,
                            nonnodal_sod: pd.Series, all_nodes_lt10: pd.Series, any_ne: pd.Series) -> pd.Series:
    """Target Response (RSTESTCD TRGRESP) at one time point.

    Rule (RECIST 1.1 §4.3.1), checked in this order for each row:
      1. PD when SoD - nadir >= 20 % of the nadir AND >= 5 mm (nadir = smallest SoD on study before
         this time point, baseline included; with a nadir of 0 the 5 mm rule alone applies). PD can be
         declared even when some lesions were not evaluated, if the evaluated ones already meet it.
      2. NE when any target lesion was not evaluated (`any_ne`), or SoD, baseline or nadir is missing, or
         the baseline SoD is 0 (no measurable disease: use "NA" in `compute_overall_response`).
      3. CR when every non-nodal target lesion has disappeared (`nonnodal_sod` == 0) and every nodal target
         lesion has a short axis < 10 mm (`all_nodes_lt10`; True when there are no nodal targets). The
         SoD itself may then be > 0, since nodal short axes stay in the sum.
      4. PR when SoD is at least 30 % below the baseline SoD.
      5. SD otherwise.
    Percentages and differences are rounded to 6 decimals before comparison (float safety).

    Args:
        sod: sum of diameters (mm) at the time point: non-nodal longest diameters + nodal short axes.
        baseline_sod, nadir_sod, nonnodal_sod: same length as `sod`.
        all_nodes_lt10, any_ne: booleans, same length as `sod` (missing counts as False).

    Returns:
        A Series of "CR"/"PR"/"SD"/"PD"/"NE" with the index of `sod` (a RangeIndex for arrays).

    Raises:
        DerivationError: arguments of different lengths.

    >>> compute_target_response(pd.Series([70.0, 84.0]), baseline_sod=[100.0, 100.0], nadir_sod=[100.0, 70.0],
    ...     nonnodal_sod=[70.0, 84.0], all_nodes_lt10=[True, True], any_ne=[False, False]).tolist()
    ['PR', 'PD']
    """
    index = sod.index if isinstance(sod, pd.Series) else pd.RangeIndex(len(np.asarray(sod)))
    s = pd.to_numeric(_series(sod, index=index, arg="sod")).astype("float64")
    base, nadir, nonnodal = (pd.to_numeric(_series(v, index=index, arg=a)).astype("float64") for v, a in
                             ((baseline_sod, "baseline_sod"), (nadir_sod, "nadir_sod"), (nonnodal_sod, "nonnodal_sod")))
    nodes_ok, ne = (_series(v, index=index, arg=a).fillna(False).astype(bool) for v, a in
                    ((all_nodes_lt10, "all_nodes_lt10"), (any_ne, "any_ne")))
    with np.errstate(divide="ignore", invalid="ignore"):
        rise = (s - nadir).round(_DECIMALS)
        rise_pct = np.where(nadir > 0, (100.0 * (s - nadir) / nadir).round(_DECIMALS), np.inf)
        change_pct = (100.0 * (s - base) / base).round(_DECIMALS)
    known = s.notna() & base.notna() & nadir.notna()
    is_pd = known & (rise >= 5) & (rise_pct >= 20)
    is_ne = ~known | ne | base.le(0)
    is_cr = nonnodal.eq(0) & nodes_ok
    is_pr = change_pct <= -30
    out = np.select([is_pd, is_ne, is_cr, is_pr], ["PD", "NE", "CR", "PR"], default="SD")
    return pd.Series(out, index=index, dtype=object)


def compute_overall_response(target: pd.Series, *, nontarget: pd.Series, new_lesion: pd.Series) -> pd.Series:
    """Overall Response (RSTESTCD OVRLRESP) at one time point.

    Rule (RECIST 1.1 §4.4.1 Table 1, target +/- non-target disease; Table 2, non-target disease only):
      * PD when target is PD, or non-target is PD, or a new lesion is present ("Y") — any other input.
      * Table 1 (target measured): CR + non-target CR + no new -> CR; CR + NON-CR/NON-PD -> PR;
        CR + non-target NE -> PR; PR + non-target non-PD or NE -> PR; SD + non-PD or NE -> SD;
        target NE + non-PD -> NE.
      * Table 2 (`target` = "NA"): non-target CR -> CR; NON-CR/NON-PD -> NON-CR/NON-PD; NE -> NE.
      * Non-target "NA" (target-only disease) behaves like non-target CR: target CR -> CR.
      * Both "NA" (no disease at baseline) -> NE.
      * New-lesion status "NE" (not evaluated) gives NE unless PD is already established, since every
        non-PD row of Tables 1 and 2 requires "no new lesions". This is our choice; the tables are silent.

    Args:
        target: CR/PR/SD/PD/NE/NA.
        nontarget: CR/NON-CR/NON-PD/PD/NE/NA, same length.
        new_lesion: Y/N/NE, same length.

    Returns:
        A Series of CR/PR/SD/NON-CR/NON-PD/PD/NE with the index of `target`.

    Raises:
        DerivationError: a value outside the lists above (missing values included) or lengths differ.

    >>> compute_overall_response(pd.Series(["CR", "NA"]), nontarget=["NON-CR/NON-PD", "CR"],
    ...                          new_lesion=["N", "N"]).tolist()
    ['PR', 'CR']
    """
    index = target.index if isinstance(target, pd.Series) else pd.RangeIndex(len(np.asarray(target)))
    t = _series(target, index=index, arg="target")
    nt = _series(nontarget, index=index, arg="nontarget")
    new = _series(new_lesion, index=index, arg="new_lesion")
    _check_values(t, TARGET_VALUES, arg="target")
    _check_values(nt, NONTARGET_VALUES, arg="nontarget")
    _check_values(new, NEW_LESION_VALUES, arg="new_lesion")
    nt_free = nt.isin(["CR", "NA"])  # no residual non-target disease
    conditions = [
        t.eq("PD") | nt.eq("PD") | new.eq("Y"),
        new.eq("NE") | (t.eq("NA") & nt.eq("NA")),
        t.eq("NA"),                       # Table 2: non-target response is the overall response
        t.eq("CR") & nt_free,
        t.eq("CR") | t.eq("PR"),          # CR with NON-CR/NON-PD or NE, and PR with any non-PD -> PR
        t.eq("SD"),
    ]
    choices = ["PD", "NE", nt.to_numpy(), "CR", "PR", "SD"]
    return pd.Series(np.select(conditions, choices, default="NE"), index=index, dtype=object)


def derive_var_nadir(df: pd.DataFrame, *, by: Sequence[str], order: Sequence[str], source: str = "AVAL",
                     new_var: str = "NADIR") -> pd.DataFrame:
    """Nadir (smallest sum of diameters before the current assessment).

    Rule (RECIST 1.1 §4.3.1: PD is judged against "the smallest sum on study, including the baseline
    sum"; admiralonco ADTR NADIR): for each record, the minimum of `source` over the records of the same
    `by` group that come strictly before it by `order`. Missing values are skipped; the first record of
    a group gets a missing nadir. Records with equal `order` values are taken in input order.

    Args:
        df: one record per group and assessment. Required columns: `by`, `order`, `source`.
        by: e.g. ["USUBJID"]; order: e.g. ["ADT"]; source: the SoD column; new_var: column to add.

    Returns:
        A copy of `df` (input row order kept) with `new_var` (float).

    Raises:
        DerivationError: missing columns.

    >>> d = pd.DataFrame({"USUBJID": ["1"] * 4, "ADT": [0, 1, 2, 3], "AVAL": [100.0, 80.0, None, 90.0]})
    >>> derive_var_nadir(d, by=["USUBJID"], order=["ADT"])["NADIR"].tolist()
    [nan, 100.0, 80.0, 80.0]
    """
    by, order = as_list(by, arg="by", required=True), as_list(order, arg="order", required=True)
    require_columns(df, [*by, *order, source], arg="df")
    warn_if_exists(df, [new_var])
    work = df[[*by, *order]].assign(__v=pd.to_numeric(df[source]).astype("float64"))
    work = work.sort_values(order, kind="mergesort")
    grouped = work.groupby(by, sort=False, dropna=False)["__v"]
    running = grouped.cummin().groupby([work[c] for c in by], sort=False, dropna=False).ffill()
    nadir = running.groupby([work[c] for c in by], sort=False, dropna=False).shift(1)
    return df.assign(**{new_var: nadir.reindex(df.index)})


# ---------------------------------------------------------------- best overall response (Table 3)

def _assessments(df: pd.DataFrame, by: list[str], date: str, response: str, ref_date: str) -> pd.DataFrame:
    require_columns(df, [*by, date, response, ref_date], arg="df")
    _check_values(df[response], OVERALL_VALUES, arg=f"df[{response!r}]")
    work = pd.DataFrame({"__d": pd.to_datetime(df[date]), "__r": df[response].astype(object),
                         "__ref": pd.to_datetime(df[ref_date])}, index=df.index)
    work = pd.concat([df[by], work], axis=1)
    no_ref = work[work["__ref"].isna()]
    if len(no_ref):
        raise DerivationError(f"df: {ref_date} is missing for {len(no_ref.drop_duplicates(by))} subject(s) "
                              f"({describe_keys(no_ref, by)}); keep only subjects with a reference date.")
    if work["__d"].isna().any():
        raise DerivationError(f"df: {date} is missing on {int(work['__d'].isna().sum())} record(s) "
                              f"({describe_keys(work[work['__d'].isna()], by)}); impute or drop them first.")
    work = work.drop_duplicates([*by, "__d", "__r"])
    clash = work[work.duplicated([*by, "__d"], keep=False)]
    if len(clash):
        raise DerivationError(f"df: {describe_keys(clash, [*by, '__d'])}: several different {response} values "
                              f"on the same {date}; keep one record per date (e.g. the worst, flagged with "
                              f"derive_var_extreme_flag).")
    return work.sort_values("__d", kind="mergesort")


@dataclass(frozen=True)
class _Timeline:
    """The checked, date-sorted assessments as arrays; the per-subject rules index them by position."""

    work: pd.DataFrame
    by: list[str]
    dates: pd.api.extensions.ExtensionArray  # the assessment dates, read back as Timestamps
    ticks: np.ndarray                        # the same dates as integers of their own unit ...
    ticks_per_day: float                     # ... and that unit's count per day
    responses: np.ndarray
    days_from_ref: np.ndarray                # (date - reference date) in days


def _timeline(work: pd.DataFrame, by: list[str]) -> _Timeline:
    dates = work["__d"].array
    return _Timeline(work, by, dates, np.asarray(dates.asi8), np.timedelta64(1, "D") / np.timedelta64(1, dates.unit),
                     work["__r"].to_numpy(dtype=object),
                     ((work["__d"] - work["__ref"]) / pd.Timedelta(days=1)).to_numpy())


def _subjects(tl: _Timeline) -> Iterator[tuple[tuple, np.ndarray]]:
    """Each `by` group (first-appearance order) with the positions of its assessments dated on/after the reference
    date, up to and including the first PD (later assessments are ignored)."""
    if tl.work.empty:
        return
    group = tl.work.groupby(tl.by, sort=False, dropna=False).ngroup().to_numpy()
    order = np.argsort(group, kind="stable")
    keys = tl.work[tl.by].to_numpy(dtype=object)
    on_study = (tl.work["__d"] >= tl.work["__ref"]).to_numpy()
    is_pd = tl.responses == "PD"
    for pos in np.split(order, np.flatnonzero(np.diff(group[order])) + 1):
        key, pos = tuple(keys[pos[0]]), pos[on_study[pos]]
        pd_pos = np.flatnonzero(is_pd[pos])
        yield key, (pos[: pd_pos[0] + 1] if len(pd_pos) else pos)


def _first(tl: _Timeline, pos: np.ndarray, mask: np.ndarray) -> pd.Timestamp | None:
    idx = np.flatnonzero(mask)
    return tl.dates[pos[idx[0]]] if len(idx) else None


def _cr_then_worse(tl: _Timeline, pos: np.ndarray, response: str) -> list[Issue]:
    """RECIST 1.1 Table 3 note: after a true CR any disease is progression; a later PR or SD is suspect."""
    r = tl.responses[pos].tolist()
    if "CR" not in r:
        return []
    first_cr = r.index("CR")
    out = []
    for value in ("PR", "SD"):
        if value in r[first_cr + 1:]:
            when = tl.dates[pos[first_cr + 1 + r[first_cr + 1:].index(value)]]
            out.append(Issue("warning", f"RECIST_CR_THEN_{value}", "df", f"a CR is followed by {value} (RECIST 1.1 "
                             f"Table 3 note): review the CR or record the progression; data left unchanged",
                             variable=response, row=describe_keys(tl.work.iloc[pos[:1]], tl.by, limit=1),
                             value=f"{value} on {when.date()}"))
    return out


def _qualifying(tl: _Timeline, sd_min_days: int) -> tuple[tuple[str, np.ndarray], ...]:
    """For `_non_confirmed`, each assessment of the timeline that would make a subject's response SD (CR, PR or
    SD after the minimum duration), NON-CR/NON-PD (after it) or PD: worked out once for every subject."""
    late = tl.days_from_ref >= sd_min_days
    return (("SD", np.isin(tl.responses, ["CR", "PR", "SD"]) & late),
            ("NON-CR/NON-PD", (tl.responses == "NON-CR/NON-PD") & late), ("PD", tl.responses == "PD"))


def _non_confirmed(tl: _Timeline, pos: np.ndarray, qualifying: tuple[tuple[str, np.ndarray], ...]
                   ) -> tuple[str, pd.Timestamp | None]:
    """SD / NON-CR/NON-PD (after the minimum duration), else PD, else NE (`qualifying`: `_qualifying`)."""
    for value, mask in qualifying:
        when = _first(tl, pos, mask[pos])
        if when is not None:
            return value, when
    return "NE", (tl.dates[pos[0]] if len(pos) else None)


def _confirmed(tl: _Timeline, pos: np.ndarray, conf: int, max_gap: int | None, max_nr_ne: int | None,
               allowed_between: Mapping[str, tuple[str, ...]],
               confirmers: Mapping[str, tuple[str, ...]]) -> dict[str, pd.Timestamp]:
    """First date of each response in `confirmers` that a later assessment confirms (with at most `max_nr_ne`
    NE assessments in between; None: any number)."""
    t, r = tl.ticks[pos].tolist(), tl.responses[pos].tolist()
    found: dict[str, pd.Timestamp] = {}
    for i, resp in enumerate(r):
        if resp not in confirmers or resp in found:
            continue
        seen_cr, ne_between = resp == "CR", 0
        for j in range(i + 1, len(r)):
            gap = (t[j] - t[i]) / tl.ticks_per_day  # days between the two dates
            if max_gap is not None and gap > max_gap:
                break
            if r[j] in confirmers[resp] and gap >= conf and not (r[j] == "PR" and seen_cr):
                found[resp] = tl.dates[pos[i]]
                break
            ne_between += r[j] == "NE"
            if r[j] not in allowed_between[resp] or (r[j] == "PR" and seen_cr) or (
                    max_nr_ne is not None and ne_between > max_nr_ne):
                break
            seen_cr = seen_cr or r[j] == "CR"
    return found


def derive_param_confirmed_bor(df: pd.DataFrame, *, by: Sequence[str], date: str, response: str, ref_date: str,
                               conf_window_days: int = 28, sd_min_days: int = 42, max_gap: int | None = None,
                               max_nr_ne: int | None = 1, set_values: Mapping[str, object] | None = None
                               ) -> tuple[pd.DataFrame, list[Issue]]:
    """Best Confirmed Overall Response (admiralonco PARAMCD CBOR).

    Rule (RECIST 1.1 §4.4.2 and Table 3; admiralonco `derive_param_confirmed_bor`): per subject, using the
    time-point overall responses dated on/after `ref_date` up to and including the first PD (later
    assessments are ignored):
      * CR if a CR is followed by another CR at least `conf_window_days` later (difference of dates, no
        +1), with only CR or NE in between, and at most `max_nr_ne` NE;
      * else PR if a PR is followed by a CR or PR at least `conf_window_days` later, with only CR, PR or
        NE in between, at most `max_nr_ne` NE, and no PR after a CR;
      * else SD if any CR, PR or SD is at least `sd_min_days` after `ref_date`;
      * else NON-CR/NON-PD if a NON-CR/NON-PD is at least `sd_min_days` after `ref_date` (non-target
        disease only);
      * else PD if there is a PD; else NE (also for a subject whose assessments all precede `ref_date`).
    `max_gap` (days, optional) caps the time between a response and its confirming assessment.
    `max_nr_ne` is the number of NE assessments allowed between a response and its confirmation (default 1, as
    admiralonco's `max_nr_ne`; None allows any number): PR, NE, PR confirms PR; PR, NE, NE, PR does not.
    A CR followed later by a PR or SD (RECIST Table 3 note: either the CR was not real, or the disease
    progressed, so Table 3 reads "SD, PD or PR" / "SD ... otherwise PD") is not resolved here: the data
    stay as they are, the rule above applies (so CR then early SD gives NE, not PD), and a warning
    `Issue` (code RECIST_CR_THEN_PR or RECIST_CR_THEN_SD) names the subject for review.

    Args:
        df: one record per subject and assessment date (e.g. ADRS OVR with ANL01FL = "Y"). Required
            columns: `by`, `date`, `response`, `ref_date`. Responses: CR, PR, SD, NON-CR/NON-PD, PD, NE.
        by: subject keys, e.g. ["USUBJID"].
        date: assessment date column (datetime); response: the overall response column;
        ref_date: reference start date column (e.g. TRTSDT, the infusion date).
        conf_window_days: minimum days between a response and its confirmation.
        sd_min_days: minimum days from `ref_date` for SD (and NON-CR/NON-PD) to count.
        max_gap: maximum days between a response and its confirmation, or None.
        max_nr_ne: maximum NE assessments between a response and its confirmation, or None.
        set_values: constant columns for every output row, e.g. {"PARAMCD": "CBOR"}.

    Returns:
        (frame, issues): one row per subject (first-appearance order) with `by`, AVALC (the confirmed
        BOR), ADT (date of the first assessment of that response: the confirmed CR/PR, the first
        qualifying SD, the first PD; the first assessment for NE) and `set_values`; and the issues.

    Raises:
        DerivationError: missing columns, unknown response values, missing dates or reference dates,
        or two different responses on one date.

    >>> d = pd.DataFrame({"USUBJID": ["1"] * 3, "ADT": pd.to_datetime(["2025-02-01", "2025-03-01", "2025-04-01"]),
    ...                   "AVALC": ["PR", "PR", "PD"], "TRTSDT": pd.to_datetime(["2025-01-01"] * 3)})
    >>> bor, issues = derive_param_confirmed_bor(d, by=["USUBJID"], date="ADT", response="AVALC", ref_date="TRTSDT")
    >>> bor["AVALC"].tolist(), issues
    (['PR'], [])
    """
    by = as_list(by, arg="by", required=True)
    tl = _timeline(_assessments(df, by, date, response, ref_date), by)
    qualifying = _qualifying(tl, sd_min_days)
    rows, issues = [], []
    for key, pos in _subjects(tl):
        issues.extend(_cr_then_worse(tl, pos, response))
        found = _confirmed(tl, pos, conf_window_days, max_gap, max_nr_ne,
                           allowed_between={"CR": ("CR", "NE"), "PR": ("CR", "PR", "NE")},
                           confirmers={"CR": ("CR",), "PR": ("CR", "PR")})
        avalc, adt = next(((k, found[k]) for k in ("CR", "PR") if k in found), (None, None))
        if avalc is None:
            avalc, adt = _non_confirmed(tl, pos, qualifying)
        rows.append((*key, avalc, adt))
    return _bor_frame(rows, by, set_values), issues


def derive_param_bor(df: pd.DataFrame, *, by: Sequence[str], date: str, response: str, ref_date: str,
                     sd_min_days: int = 42, set_values: Mapping[str, object] | None = None) -> pd.DataFrame:
    """Best Overall Response (unconfirmed; admiralonco PARAMCD BOR).

    Rule (RECIST 1.1 §4.4.2 without confirmation, as for randomised trials; admiralonco adrs_basic BOR):
    per subject, among the overall responses dated on/after `ref_date` up to and including the first
    PD, the best in the order CR > PR > SD > NON-CR/NON-PD > PD > NE, where SD and NON-CR/NON-PD count
    only when at least `sd_min_days` after `ref_date` (earlier ones count as NE).

    Args:
        df, by, date, response, ref_date, sd_min_days, set_values: as in `derive_param_confirmed_bor`.

    Returns:
        One row per subject with `by`, AVALC, ADT (first date of the best response) and `set_values`.

    Raises:
        DerivationError: as in `derive_param_confirmed_bor`.

    >>> d = pd.DataFrame({"USUBJID": ["1", "1"], "ADT": pd.to_datetime(["2025-01-29", "2025-02-26"]),
    ...                   "AVALC": ["PR", "PD"], "TRTSDT": pd.to_datetime(["2025-01-01"] * 2)})
    >>> derive_param_bor(d, by=["USUBJID"], date="ADT", response="AVALC", ref_date="TRTSDT")["AVALC"].tolist()
    ['PR']
    """
    by = as_list(by, arg="by", required=True)
    tl = _timeline(_assessments(df, by, date, response, ref_date), by)
    qualifying = _qualifying(tl, sd_min_days)
    rows = []
    for key, pos in _subjects(tl):
        r = tl.responses[pos]
        avalc, adt = next(((k, _first(tl, pos, r == k)) for k in ("CR", "PR") if (r == k).any()), (None, None))
        if avalc is None:
            avalc, adt = _non_confirmed(tl, pos, qualifying)
        rows.append((*key, avalc, adt))
    return _bor_frame(rows, by, set_values)


def _bor_frame(rows: list[tuple], by: list[str], set_values: Mapping[str, object] | None) -> pd.DataFrame:
    out = pd.DataFrame(rows, columns=[*by, "AVALC", "ADT"])
    out["ADT"] = pd.to_datetime(out["ADT"])
    for name, value in (set_values or {}).items():
        out[name] = value
    return out
