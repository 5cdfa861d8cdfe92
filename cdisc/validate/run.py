"""Run spec-derived expectation suites in great-expectations 1.x.

The only module that imports great_expectations (lazily: the import takes seconds; `import_great_expectations`
lets a process do it while it waits for its frames).

Each expectation costs great-expectations about 5 ms whatever the data (its metric graph), so the suites are
batched. Column expectations that differ only in their column (not-null, one codelist's value set, one Length, the
ISO 8601 patterns, no study day 0) are covered by one expectation over those columns' values put end to end, from
every dataset at once; a cover fails exactly when one of the expectations it covers fails (a column expectation
judges each value alone, and padding a column with copies of its own first value changes no verdict). For the same
reason a cover holds each column's distinct values only: its cost follows the number of distinct values, not of
records. The codelist expectations of text columns are one cover whatever their codelists: each column's values
are tagged with the column's place in the cover (`0\x00Y`), the value set is every column's own terms tagged
alike (those some tagged value equals), and a tagged value is in it exactly when the value is a term of its own
codelist. The expectations on whole tables are covered too: every dataset's column order by one expectation on all
their column names (each prefixed with its dataset's number), every dataset's unique key by one on all their key
values (beside the dataset's number). A failed cover runs again alone, its result naming the rows that broke it,
and so the columns; only the expectations of those columns, and of the failed table covers, run again on their own
datasets, with result format COMPLETE for the rows and values their issues name, exactly as great-expectations
reports them.
"""
from __future__ import annotations

import bisect
import importlib
import itertools
import os
import sys
import types
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd

from cdisc.distinct import combined_places, distinct_column, known_text
from cdisc.issues import Issue
from cdisc.validate.suite import Expectation

MAX_ROWS_SHOWN = 10
# Column expectations whose verdict is per value: they can cover several columns put end to end.
COVERABLE = frozenset({"ExpectColumnValuesToNotBeNull", "ExpectColumnValuesToBeInSet", "ExpectColumnValuesToNotBeInSet",
                       "ExpectColumnValueLengthsToBeBetween", "ExpectColumnValuesToMatchRegex"})
PADDING = 2  # a cover frame's columns are padded to at most this many times their length (memory bound)
SMALL_FRAME = 100_000  # values a cover frame may hold however much its columns are padded (one validation each)
# Table expectations that read the column names only, not the values.
ON_NAMES = frozenset({"ExpectTableColumnsToMatchOrderedList"})


@dataclass(frozen=True)
class _Cover:
    """One expectation standing for several (dataset, position) expectations over their columns' values, put end
    to end only when the cover's frame is made (a frame at a time: the covers' copies are never all held): part i
    holds the values of the expectation `covers[i]`."""

    expectation: Expectation
    covers: tuple[tuple[str, int], ...]
    parts: tuple[pd.Series, ...]

    def __len__(self) -> int:
        return sum(len(p) for p in self.parts)

    def values(self, length: int) -> pd.Series:
        """The covered values end to end, padded to `length` with copies of the first one."""
        padding = self.parts[0].iloc[[0] * (length - len(self))]
        return pd.concat([*self.parts, padding], ignore_index=True)


def import_great_expectations() -> None:
    """Import great-expectations without its usage statistics, and without importing scipy.stats and altair:
    only the KL-divergence expectation (`stats.entropy`, altair charts) and two KS-test metrics (`stats.kstest`)
    use them, none of the suites; importing them with those modules was 1.3 s of the import's 3 s here. They are
    imported on first use."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    with imported_on_first_use("scipy.stats"), imported_on_first_use("altair"):
        import great_expectations  # noqa: F401


class _OnFirstUse(types.ModuleType):
    """A stand-in for a module not imported yet: its first attribute asked for imports the module, and every
    attribute is then the module's."""

    def __getattr__(self, attribute: str) -> object:
        if sys.modules.get(self.__name__) is self:
            del sys.modules[self.__name__]
        return getattr(importlib.import_module(self.__name__), attribute)


@contextmanager
def imported_on_first_use(name: str) -> Iterator[None]:
    """Within the block, `import name` (or `from package import name`) gives a stand-in that imports `name`
    when first used; after it, `import name` imports it as usual (the stand-ins given keep standing in)."""
    if name in sys.modules:
        yield
        return
    sys.modules[name] = stand_in = _OnFirstUse(name)
    try:
        yield
    finally:
        if sys.modules.get(name) is stand_in:
            del sys.modules[name]


def run_suites(frames: dict[str, pd.DataFrame], suites: dict[str, list[Expectation]]) -> list[Issue]:
    """Validate each frame against its suite; one `Issue` per failed expectation, naming rows by index.

    First every cover and table expectation with result format BOOLEAN_ONLY, then the expectations of the failed
    ones with COMPLETE on their own datasets; issues come in dataset order, then suite order."""
    import_great_expectations()
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig
    from great_expectations.execution_engine import pandas_execution_engine

    # great-expectations fingerprints every batch under 1 GB with an MD5 of pandas' row hashes (batch markers we
    # never read): at 1,000 subjects that was 4 s of the run. Frames of any size skip it.
    pandas_execution_engine.HASH_THRESHOLD = 0

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    batches = context.data_sources.add_pandas("output").add_dataframe_asset("frames") \
        .add_batch_definition_whole_dataframe("frames")

    def validate(data: pd.DataFrame, expectations: list[Expectation], result_format: str) -> list:
        """The results of `expectations` on `data` (an unregistered suite: nothing is stored), in the order of
        great-expectations (those that raised first); each result's meta names its expectation's `position`."""
        suite = gx.ExpectationSuite(name="suite", expectations=[
            getattr(gx.expectations, e.kind)(**e.kwargs, meta={**e.meta, "position": i})
            for i, e in enumerate(expectations)])
        batch = batches.get_batch(batch_parameters={"dataframe": data})
        return batch.validate(suite, result_format=result_format).results

    def failed(data: pd.DataFrame, expectations: list[Expectation]) -> list[int]:
        """The positions of the expectations that fail on `data`, in the order of their results."""
        return [r.expectation_config.meta["position"] for r in validate(data, expectations, "BOOLEAN_ONLY")
                if not r.success]

    data = {name: frame for name, frame in sorted(frames.items()) if suites.get(name)}
    covers, rerun = _covers(data, suites)
    for frame, group in _cover_frames(covers):
        broken = [group[n] for n in failed(frame, [c.expectation for c in group])]
        if broken:
            rerun |= {key for r in validate(frame, [c.expectation for c in broken], "COMPLETE")
                      for key in _breaking(broken[r.expectation_config.meta["position"]], r.result)}
    tables, alone = _table_covers(data, suites)
    rerun |= alone
    for frame, expectation, members in tables:
        if failed(frame, [expectation]):
            rerun |= set(members)
    issues: list[Issue] = []
    for name, raw in data.items():
        suite = suites[name]
        suspects = {i for n, i in rerun if n == name}
        if not suspects:
            continue
        # As if the whole suite had run: its failed expectations, in the order of their results, run again.
        frame = _nulls(raw, list(raw.columns))
        suspects_in_order = sorted(suspects, key=_evaluation_order(suite).__getitem__)
        again = [suspects_in_order[n] for n in failed(frame, [suite[i] for i in suspects_in_order])]
        issues += [issue for r in validate(frame, [suite[i] for i in again], "COMPLETE") for issue in _issues(name, r)]
    return issues


def _evaluation_order(suite: list[Expectation]) -> dict[int, int]:
    """Each expectation's rank in great-expectations' evaluation of the suite: by column, in order of first
    appearance, those on no single column as one group (great_expectations Validator
    .process_expectations_for_validation)."""
    columns = [e.kwargs.get("column") if isinstance(e.kwargs.get("column"), str) else None for e in suite]
    first = {c: n for n, c in reversed(list(enumerate(columns)))}
    ranked = sorted(range(len(suite)), key=lambda i: (first[columns[i]], i))
    return {i: rank for rank, i in enumerate(ranked)}


def _covers(data: dict[str, pd.DataFrame], suites: dict[str, list[Expectation]]
            ) -> tuple[list[_Cover], set[tuple[str, int]]]:
    """The covers of the column expectations, and the expectations no cover can stand for (their column is absent
    or empty: great-expectations reports those itself)."""
    groups: dict[tuple, list[tuple[str, int, pd.Series]]] = {}
    alone: set[tuple[str, int]] = set()
    for name, frame in data.items():
        # each column's distinct values (empty text as null), made once however many expectations read them
        distinct = cache(lambda column, frame=frame: distinct_column(frame[column]).replace("", None))
        for i, e in enumerate(suites[name]):
            if e.kind not in COVERABLE:
                continue
            column = e.kwargs["column"]
            if column not in frame.columns or not len(frame):
                alone.add((name, i))
                continue
            tagged = _taggable(e, frame[column])
            args = tuple(sorted((k, repr(v)) for k, v in e.kwargs.items() if k != "column"
                                and not (tagged and k == "value_set")))
            groups.setdefault((e.kind, args, str(frame[column].dtype)), []).append((name, i, distinct(column)))
    covers = []
    for n, ((kind, _, _), members) in enumerate(groups.items()):
        first = suites[members[0][0]][members[0][1]]
        kwargs = {**first.kwargs, "column": f"cover{n}"}
        parts = tuple(s for _, _, s in members)
        if _taggable(first, parts[0]):
            parts = tuple(_tagged(part, k) for k, part in enumerate(parts))
            kwargs["value_set"] = _present_terms([f"{k}\x00{term}" for k, (name, i, _) in enumerate(members)
                                                  for term in suites[name][i].kwargs["value_set"]], parts)
        covers.append(_Cover(Expectation(kind, kwargs), tuple((name, i) for name, i, _ in members), parts))
    return covers, alone


def _taggable(expectation: Expectation, values: pd.Series) -> bool:
    """A codelist expectation on text: covered with others of other codelists by tagging (module docstring)."""
    return expectation.kind == "ExpectColumnValuesToBeInSet" and not pd.api.types.is_numeric_dtype(values)


def _present_terms(terms: list[str], parts: tuple[pd.Series, ...]) -> list[str]:
    """The tagged terms some tagged value of the cover equals (at least one term: great-expectations wants a value
    set). A covered value is among these exactly when it is among all the terms, so the verdict is the same; and
    great-expectations copies an expectation's value set each time it reads the expectation's settings (hundreds
    of times a suite): for the bundled study's 1,366 tagged terms that was 0.4 s of the suites' 1.1 s."""
    present = set().union(*(part.dropna() for part in parts))
    return [term for term in terms if term in present] or terms[:1]


def _tagged(values: pd.Series, tag: int) -> pd.Series:
    """Each value as `<tag>\x00<value>`, a null as it is. The tag ends at the first NUL, which no tag holds, so a
    tagged value equals a tagged term exactly when their tags and their values are equal."""
    present = values.notna()
    return pd.Series([f"{tag}\x00{v}" if keep else None for v, keep in zip(values, present, strict=True)],
                     index=values.index, dtype=object)


def _breaking(cover: _Cover, result: dict | None) -> set[tuple[str, int]]:
    """The expectations of a failed cover whose values broke it: those whose parts hold the rows its COMPLETE
    result names (padding rows repeat the first part's first value). Every one when it names none (an
    exception): great-expectations then says why on their own datasets."""
    rows = (result or {}).get("unexpected_index_list") or []
    if not rows:
        return set(cover.covers)
    ends = list(itertools.accumulate(len(p) for p in cover.parts))
    return {cover.covers[bisect.bisect_right(ends, row) if row < ends[-1] else 0] for row in rows}


def _table_covers(data: dict[str, pd.DataFrame], suites: dict[str, list[Expectation]]
                  ) -> tuple[list[tuple[pd.DataFrame, Expectation, tuple[tuple[str, int], ...]]], set[tuple[str, int]]]:
    """The table expectations of every dataset (column order, unique keys) covered by two expectations, each on one
    frame, and those that must run alone (a key variable absent: great-expectations reports that itself).

    - The column orders: a frame without records whose columns are every dataset's, named `<n>.<variable>` after
      the dataset's number, against the expected lists named alike. It fails when some dataset's variables are not
      in its own order.
    - The keys: every dataset's key as one number per record (`_key_rows`) and the dataset's number, combined
      into one number whose values must be unique; when they do not fit in 63 bits (or a key does not fit in
      one number), side by side, padded with nulls to the widest. A key two records of a dataset share is a
      number or row two records share there too (the dataset's number is never null, so no row is all null:
      great-expectations is told not to look for such rows, `ignore_row_if` "never", which spares a pass over
      every key)."""
    orders: list[tuple[int, str, int, Expectation]] = []
    keys: list[tuple[int, str, int, Expectation]] = []
    alone: set[tuple[str, int]] = set()
    for number, (name, frame) in enumerate(data.items()):
        for i, e in enumerate(suites[name]):
            if e.kind in COVERABLE:
                continue
            if e.kind in ON_NAMES:
                orders.append((number, name, i, e))
            elif all(c in frame.columns for c in _value_columns(e)):
                keys.append((number, name, i, e))
            else:
                alone.add((name, i))
    covers = []
    if orders:
        covers.append((pd.DataFrame(columns=[f"{n}.{c}" for n, name, _, _ in orders for c in data[name].columns]),
                       Expectation("ExpectTableColumnsToMatchOrderedList", {
                           "column_list": [f"{n}.{c}" for n, _, _, e in orders for c in e.kwargs["column_list"]]}),
                       tuple((name, i) for _, name, i, _ in orders)))
    if keys:
        frame = pd.concat([_key_rows(data[name], _value_columns(e), n) for n, name, _, e in keys], ignore_index=True)
        columns = ["dataset", *(f"key{k}" for k in range(len(frame.columns) - 1))]
        members = tuple((name, i) for _, name, i, _ in keys)
        if columns == ["dataset", "key0"] and (whole := combined_places([frame[c].to_numpy() for c in columns])
                                               ) is not None:
            # one number per record (the dataset's and its key's): the values' uniqueness in one pass
            covers.append((pd.DataFrame({"key": whole}), Expectation("ExpectColumnValuesToBeUnique", {"column": "key"}),
                           members))
        else:
            covers.append((frame.reindex(columns=columns), Expectation(
                "ExpectCompoundColumnsToBeUnique", {"column_list": columns, "ignore_row_if": "never"}), members))
    return covers, alone


def _key_rows(frame: pd.DataFrame, keys: list[str], number: int) -> pd.DataFrame:
    """A dataset's keys beside the dataset's number: each record's key as one number key0, equal for equal keys
    (its values' `_key_places` combined: `combined_places`), or when that would not fit in 63 bits each key
    variable's places as columns key0, key1, ..."""
    places = [_key_places(frame[key]) for key in keys]
    combined = combined_places(places)
    return pd.DataFrame({f"key{k}": p for k, p in enumerate(places if combined is None else [combined])},
                        index=frame.index).assign(dataset=number)


def _key_places(column: pd.Series) -> np.ndarray:
    """Each record's key value as its place among the column's distinct values, empty text and nulls one place:
    two records share a place exactly when they share a value (the cover only says whether any key repeats: a
    failed one runs again on the dataset's own values). A text column whose codes are known (a finished
    dataset's) has them: 0 for empty text, code + 1 for any other value."""
    if (known := known_text(column)) is None:
        return pd.factorize(column.replace("", None).to_numpy(), use_na_sentinel=False)[0]
    codes, distinct = known
    return np.where((distinct == "")[codes], 0, codes.astype(np.int64) + 1)


def _cover_frames(covers: list[_Cover]) -> Iterator[tuple[pd.DataFrame, list[_Cover]]]:
    """The covers' values as few frames as possible, longest first, made one at a time; a frame takes a column as
    long as padding it to the frame's length at most doubles it, or the frame stays small (`SMALL_FRAME` values:
    each frame is a validation of its own, 20-40 ms whatever its size, and a small study's covers were seven
    frames). Padding repeats the column's first value (no verdict changes)."""
    group: list[_Cover] = []
    for cover in sorted(covers, key=lambda c: -len(c)):
        if group and len(cover) * PADDING < len(group[0]) and (len(group) + 1) * len(group[0]) > SMALL_FRAME:
            yield _padded(group)
            group = []
        group.append(cover)
    if group:
        yield _padded(group)


def _padded(group: list[_Cover]) -> tuple[pd.DataFrame, list[_Cover]]:
    length = len(group[0])
    return pd.DataFrame({c.expectation.kwargs["column"]: c.values(length) for c in group}), group


def _nulls(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """`frame` with the empty strings of `columns` as real nulls: SDTM text nulls are empty strings, and
    great-expectations needs real nulls to skip them. The other columns are shared, not copied."""
    present = [c for c in dict.fromkeys(columns) if c in frame.columns]
    if not present:
        return frame
    return frame.assign(**frame[present].replace("", None))


def _value_columns(expectation: Expectation) -> list[str]:
    """The columns whose values an expectation reads (none for one on the column names only: its column_list is
    the expected order of every column)."""
    if expectation.kind in ON_NAMES:
        return []
    kwargs = expectation.kwargs
    return [kwargs["column"]] if "column" in kwargs else list(kwargs.get("column_list", ()))


def _issues(dataset: str, r) -> list[Issue]:
    """The first offending records of a failed expectation, one issue each (the first carries the count)."""
    cfg = r.expectation_config
    res = r.result or {}
    rows = [str(i + 1) for i in (res.get("unexpected_index_list") or [])[:MAX_ROWS_SHOWN]]
    values = [_shown(v) for v in (res.get("unexpected_list") or [])[:MAX_ROWS_SHOWN]]
    count = res.get("unexpected_count") or len(rows) or 1
    exc = (r.exception_info or {}).get("exception_message") if isinstance(r.exception_info, dict) else None
    message = f"{cfg.meta['expects']} ({cfg.type}; {cfg.meta['spec']}){' ' + exc if exc else ''}"
    pairs = list(zip(rows, values, strict=False)) if values else [(row, "") for row in rows]
    return [Issue("error", cfg.meta["rule"], dataset, message, variable=cfg.kwargs.get("column", ""), row=row,
                  value=value, count=count if n == 0 else 0)
            for n, (row, value) in enumerate(pairs or [("", "")])]


def _shown(value) -> str:
    if isinstance(value, dict):  # a compound key
        return "/".join(str(v) for v in value.values())
    return "" if value is None or value != value else str(value)  # NaN != NaN: a missing number
