"""Work done once per distinct value (or row) of a column (or frame) and spread back to every record: a study has
far fewer distinct dates, results, units or keys than records."""
from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import numpy as np
import pandas as pd
from pandas.arrays import ArrowExtensionArray

from cdisc.memo import per_column

Frame = TypeVar("Frame", pd.Series, pd.DataFrame)


def by_distinct(values: Frame, compute: Callable[[Frame], Frame]) -> Frame:
    """`compute` (a whole-column function returning a Series or a frame) worked out once per distinct value (or
    row, for a frame) of `values` and spread back to every row, on `values`' index: a study has far fewer distinct
    results, units or numbers than records. Floats are told apart by their bits (0.0 and -0.0 are written
    differently).

    >>> by_distinct(pd.Series(["b", "a", "b"]), lambda d: d.str.upper()).tolist()
    ['B', 'A', 'B']
    """
    codes, first = distinct_rows(values)
    result = compute(values.iloc[first].reset_index(drop=True))
    spread = result.iloc[codes].set_axis(values.index)
    pairs = [(result[c], spread[c]) for c in result.columns] if isinstance(result, pd.DataFrame) else [(result, spread)]
    for distinct, column in pairs:
        _carry_codes(distinct, column, codes)
    return spread


def _carry_codes(distinct: pd.Series, spread: pd.Series, codes: np.ndarray) -> None:
    """Arrow text `spread` (`distinct.iloc[codes]`, codes in order of first appearance) keeps its `distinct_codes`,
    made from the distinct results' own: the column a builder makes is factorized again when finalized, and by
    the groupings and joins before that."""
    if isinstance(spread.array, ArrowExtensionArray) and len(distinct) < len(spread):
        result_codes, uniques = _arrow_codes(distinct)
        _arrow_codes.remember(spread, (result_codes[codes], uniques))


def mapped(values: pd.Series, mapping: object) -> pd.Series:
    """`values.map(mapping)` (a dict, a Series or a function) looked up once per distinct value and spread back to
    every record: each record's subject in a per-subject table, each visit in TV, each code in its decode. pandas
    maps a column of text record by record and makes the result text again; at 5,000 subjects that was 2.5 s of the
    main process's 30 s under cProfile.

    >>> mapped(pd.Series(["S2", "S1", "S2"]), {"S1": "2025-01-02", "S2": "2025-03-04"}).tolist()
    ['2025-03-04', '2025-01-02', '2025-03-04']
    """
    return by_distinct(values, lambda distinct: distinct.map(mapping))


def subject_values(usubjid: pd.Series, by_subject: pd.DataFrame, column: str) -> pd.Series:
    """Each record's subject's `column` of `by_subject` (a record per USUBJID: DM, ADSL), missing for a subject it
    lacks (`mapped`).

    >>> dm = pd.DataFrame({"USUBJID": ["S1", "S2"], "RFSTDTC": ["2025-01-02", "2025-03-04"]})
    >>> subject_values(pd.Series(["S2", "S9", "S2"]), dm, "RFSTDTC").tolist()
    ['2025-03-04', nan, '2025-03-04']
    """
    return mapped(usubjid, by_subject.set_index("USUBJID")[column])


def in_set(values: pd.Series, members: set | frozenset) -> np.ndarray:
    """`values.isin(members)` as booleans, each distinct value looked up in the set once: `isin` makes an array and
    a hash table of the whole set on every call (12 ms for the 3,000 terms of a codelist, whatever the number of
    values), and the values are far fewer distinct than records.

    >>> in_set(pd.Series(["b", "x", "b"]), {"a", "b"}).tolist()
    [True, False, True]
    """
    codes, first = distinct_rows(values)
    distinct = values.iloc[first].to_numpy(dtype=object)
    return np.fromiter((value in members for value in distinct), dtype=bool, count=len(distinct))[codes]


def positions_in(values: Frame, keys: pd.Index) -> np.ndarray:
    """Each row's position in `keys` (unique: one record per key, as DM or ADSL per subject), -1 where it has
    none, looked up once per distinct value (or row, for a frame, in a MultiIndex of its columns): a join of one
    record per key keeps the rows in their order and takes `table.iloc[positions]`.

    >>> positions_in(pd.Series(["S2", "S9", "S2"]), pd.Index(["S1", "S2"])).tolist()
    [1, -1, 1]
    """
    codes, first = distinct_rows(values)
    distinct = values.iloc[first]
    return keys.get_indexer(distinct if isinstance(distinct, pd.Series) else pd.MultiIndex.from_frame(distinct))[codes]


def distinct_rows(values: Frame) -> tuple[np.ndarray, np.ndarray]:
    """Each row's distinct value (or row, for a frame) as a code 0, 1, ... in order of first appearance, and the
    position of each code's first row: `values.iloc[first].iloc[codes]` is `values` again. Floats are told apart by
    their bits (0.0 and -0.0 are written differently), other values as `pd.factorize` tells them apart (a finished
    text column's codes are known); a frame's rows by their columns' codes (`distinct_rows_of`)."""
    if isinstance(values, pd.DataFrame):
        return distinct_rows_of([column for _, column in values.items()])
    if values.dtype == "float64":
        return _with_first(pd.factorize(values.to_numpy().view("int64"), use_na_sentinel=False)[0])
    return _with_first(distinct_codes(values)[0])


def _with_first(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The codes (0, 1, ... in order of first appearance) and each code's first position."""
    first = np.empty(codes.max() + 1 if len(codes) else 0, dtype=np.intp)
    first[codes[::-1]] = _descending(len(codes))  # the first row of each code (later rows overwritten)
    return codes, first


_DESCENDING = np.arange(0)


def _descending(n: int) -> np.ndarray:
    """`np.arange(n - 1, -1, -1)` (read-only), the tail of one array kept for every call (made anew only when a
    longer one is asked for): the first-row scatters ask for one per column of 700,000 records."""
    global _DESCENDING
    if len(_DESCENDING) < n:
        _DESCENDING = np.arange(n - 1, -1, -1)
        _DESCENDING.flags.writeable = False
    return _DESCENDING[len(_DESCENDING) - n:]


def distinct_rows_of(columns: list[pd.Series]) -> tuple[np.ndarray, np.ndarray]:
    """`distinct_rows` of columns side by side (the same length, compared place by place), from each one's own
    codes (`distinct_codes`: values as `pd.factorize` tells them apart, 0.0 and -0.0 alike): a finished text
    column's are known, where a frame of them would be new memory.

    >>> [a.tolist() for a in distinct_rows_of([pd.Series(["a", "a", "b", "a"]), pd.Series([1.0, 2.0, 1.0, 1.0])])]
    [[0, 1, 2, 0], [0, 1, 2]]
    """
    codes = [distinct_codes(column)[0] for column in columns]
    places = combined_places(codes)
    if places is None:  # more than 2**63 possible rows: never in a study, but told apart all the same
        return _with_first(pd.DataFrame(dict(enumerate(codes)), copy=False).groupby(
            list(range(len(codes))), sort=False).ngroup().to_numpy())
    return _with_first(pd.factorize(places)[0])


@per_column
def distinct_values(column: pd.Series) -> np.ndarray:
    """The column's distinct values as `pd.unique` gives them (in order of first appearance, a missing value
    once), worked out once per column however many readers ask: define.xml's lengths and codelist terms, the
    suites' covers and the printable-text rule all read them (`per_column`: the result is read-only).

    >>> distinct_values(pd.Series(["b", "a", "b", ""])).tolist()
    ['b', 'a', '']
    """
    return pd.unique(column.to_numpy())


def distinct_codes(values: pd.Series) -> tuple[np.ndarray, np.ndarray | pd.Index]:
    """`pd.factorize(values, use_na_sentinel=False)` (a missing value is a value of its own): a column of Python
    text without one takes its `text_codes`, known already for a finished dataset's column.

    >>> [a.tolist() for a in distinct_codes(pd.Series(["b", "a", "b"], dtype=object))]
    [[0, 1, 0], ['b', 'a']]
    """
    if values.dtype == object:
        codes, uniques = text_codes(values)
        if not len(codes) or codes.min() >= 0:
            return codes, uniques
    if isinstance(values.array, ArrowExtensionArray):
        return _arrow_codes(values)
    return pd.factorize(values, use_na_sentinel=False)


@per_column
def _arrow_codes(values: pd.Series) -> tuple[np.ndarray, pd.api.extensions.ExtensionArray]:
    """`distinct_codes` of Arrow text, worked out once per column (`per_column`): a builder groups, joins and maps
    by the same USUBJID, PARAMCD or date column several times. The codes kept are narrow (`_narrow`)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    return _narrow(codes, len(uniques)), uniques


@per_column
def text_codes(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """`pd.factorize` of a text column: each record's position among the distinct values (-1: missing) and those
    values, in order of first appearance, worked out once per column (the XPT writer encodes each distinct value
    once); a finished dataset brings them from `finalize` to the processes it is sent to (`CodedFrame`).

    >>> [a.tolist() for a in text_codes(pd.Series(["b", "a", "b"], dtype=object))]
    [[0, 1, 0], ['b', 'a']]
    """
    codes, values = pd.factorize(column.to_numpy(dtype=object))
    return _narrow(codes, len(values)), values


def known_text(column: pd.Series) -> tuple[np.ndarray, np.ndarray] | None:
    """A column's `text_codes` when they are at hand (a finished dataset's column: `remembered`) and it is Python
    text without a missing value, as a finished text column is; None otherwise (nothing is worked out). Checks
    that judge text by its distinct values read them here instead of every record.

    >>> known_text(pd.Series(["b", "a", "b"], dtype=object)) is None  # never worked out for this column
    True
    """
    known = text_codes.known(column)
    return known if known is not None and _complete_text(column) else None


@per_column
def _complete_text(column: pd.Series) -> bool:
    """Whether a column whose `text_codes` are known is Python text without a missing value (asked once per
    column: a column of dates has a hundred thousand distinct values to look at)."""
    codes, values = text_codes(column)
    return not (len(codes) and codes.min() < 0) and all(type(v) is str for v in values)


def _narrow(codes: np.ndarray, count: int) -> np.ndarray:
    """Codes of `count` values (and -1) in the narrowest integer type that holds them: kept per column, they would
    otherwise take 8 bytes a record."""
    return codes.astype(np.int8 if count < 2 ** 7 else np.int16 if count < 2 ** 15 else np.int32, copy=False)


class CodedFrame:
    """A finished dataset as it is pickled for another process: each text column (Python strings, none missing)
    as its `text_codes`, which `finalize` had, instead of a string per record. Pickling and unpickling codes take a
    fraction of the time of the strings, and the process it is sent to unpickles the same DataFrame with each text
    column's `text_codes` and `distinct_values` known, as if worked out there."""

    def __init__(self, frame: pd.DataFrame, codes: dict[str, tuple[np.ndarray, np.ndarray]]) -> None:
        self.frame = frame
        self.codes = codes

    def __reduce__(self) -> tuple:
        return _decoded, (self.frame.drop(columns=list(self.codes)), self.codes, list(self.frame.columns))


def _decoded(rest: pd.DataFrame, codes: dict[str, tuple[np.ndarray, np.ndarray]], columns: list[str]) -> pd.DataFrame:
    """The frame a `CodedFrame` was made of, its text columns' codes and distinct values remembered. The text
    columns are made in one block, as pandas keeps them, and the other columns put in their places: a frame made
    from a column per text would be copied into that block again."""
    texts = list(codes)
    block = np.empty((len(texts), len(rest)), dtype=object)
    for row, name in zip(block, texts, strict=True):
        positions, values = codes[name]
        np.take(values, positions, out=row, mode="clip")  # (every position is in range; "raise" copies twice)
    frame = pd.DataFrame(block.T, columns=texts, index=rest.index, dtype=object, copy=False)
    for place, name in enumerate(columns):
        if name not in codes:
            frame.insert(place, name, rest[name])
    return remembered(frame, codes)


def remembered(frame: pd.DataFrame, codes: dict[str, tuple[np.ndarray, np.ndarray]]) -> pd.DataFrame:
    """`frame`, its text columns' `text_codes` (and so their `distinct_values`) remembered as `codes` gives them
    (in order of first appearance, no value missing)."""
    for name, (positions, values) in codes.items():
        text_codes.remember(frame[name], (positions, values))
        distinct_values.remember(frame[name], values)
    return frame


def carried_codes(source: pd.Series, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """The `text_codes` of `source.iloc[positions]` from `source`'s known ones (a finished column's), None when
    they are not known: a column joined from one record per key (ADSL's treatment onto 700,000 BDS records) keeps
    them instead of being factorized again.

    >>> s = remembered(pd.DataFrame({"A": ["x", "y"]}, dtype=object), {"A": (np.array([0, 1]), np.array(["x", "y"],
    ...                dtype=object))})["A"]
    >>> [a.tolist() for a in carried_codes(s, np.array([1, 1, 0]))]
    [[0, 0, 1], ['y', 'x']]
    """
    known = known_text(source)
    return None if known is None else in_order_of_appearance(known[0][positions], known[1])


def in_order_of_appearance(codes: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A column given as `values[codes]` as its `text_codes`: the same column, its distinct values renumbered in
    order of first appearance (the values no record holds left out).

    >>> [a.tolist() for a in in_order_of_appearance(np.array([2, 0, 2]), np.array(["a", "b", "c"], dtype=object))]
    [[0, 1, 0], ['c', 'a']]
    """
    first = np.full(len(values), len(codes), dtype=np.intp)  # each value's first record (none: past the end)
    first[codes[::-1]] = _descending(len(codes))
    used = np.argsort(first, kind="stable")[:np.count_nonzero(first < len(codes))]
    place = np.empty(len(values), dtype=np.intp)
    place[used] = np.arange(len(used))
    return _narrow(place[codes], len(used)), values[used]


def distinct_column(column: pd.Series) -> pd.Series:
    """`distinct_values` as a column of the column's own type (a fresh RangeIndex), for pandas' column methods.

    >>> distinct_column(pd.Series(["b", "a", "b"], dtype=object)).tolist()
    ['b', 'a']
    """
    return pd.Series(distinct_values(column), dtype=column.dtype)


def either(condition: np.ndarray | pd.Series, yes: str, no: str = "") -> pd.api.extensions.ExtensionArray:
    """`np.where(condition, yes, no)` as the text column pandas makes of it, from the two values and each record's
    choice: pandas turns a numpy array of text into Arrow text string by string (0.06-0.12 s for 700,000 flags).

    >>> list(either(np.array([True, False]), "Y"))
    ['Y', '']
    """
    return pd.array([no, yes], dtype="str").take(np.asarray(condition, dtype=bool).astype(np.intp))


def sorted_places(values: np.ndarray | pd.Series) -> np.ndarray:
    """Each value's place among the distinct values sorted (equal numbers one place, 0.0 and -0.0 too; text in
    Python's order; a missing value last, as a sort puts it): `pd.factorize` with `sort=True`, which hashes the
    values once and sorts only the distinct ones.

    >>> sorted_places(np.array([2.0, np.nan, 0.0, -0.0, 1.5])).tolist()
    [2, 3, 0, 0, 1]

    A finished text column (`known_text`: a dataset's USUBJID, and its lineage's) ranks its distinct values only.
    """
    if isinstance(values, pd.Series) and (known := known_text(values)) is not None:
        codes, distinct = known
        return pd.factorize(distinct, sort=True)[0][codes]
    return pd.factorize(values, sort=True, use_na_sentinel=False)[0]


def combined_places(places: list[np.ndarray]) -> np.ndarray | None:
    """The records' places in several columns (non-negative integers) as one integer each, the first column's
    place weighing most (mixed radix): the records compare as they do column by column, so one stable sort puts
    them in the order of a sort by every column, and equal integers are equal records. None when the combination
    would not fit in 63 bits.

    >>> combined_places([np.array([1, 0, 1]), np.array([0, 2, 1])]).tolist()
    [3, 2, 4]
    """
    sizes = [int(p.max()) + 1 if len(p) else 1 for p in places]
    if np.prod(np.array(sizes, dtype=float)) >= 2.0 ** 63:
        return None
    combined = np.zeros(len(places[0]), dtype=np.int64)
    for place, size in zip(places, sizes, strict=True):
        combined = combined * size + place
    return combined


def sorted_distinct(values: np.ndarray) -> np.ndarray:
    """`np.unique(values)` (the distinct values, sorted) through pandas' hash table: numpy 2.4's `np.unique` took
    0.31 s for 700,000 row numbers, this 0.03 s.

    >>> sorted_distinct(np.array([3, 1, 3, 2])).tolist()
    [1, 2, 3]
    """
    return np.sort(pd.unique(values))


def text_extreme(values: pd.Series, by: pd.Series | list[pd.Series], how: str, *, sort: bool = True,
                 transform: bool = False) -> pd.Series:
    """`values.groupby(by, sort=sort).min()` or `.max()` (`how`), or its `transform(how)`, for text: worked out on
    the codes of the sorted distinct values, where pandas takes the min or max of text group by group in Python
    (0.28 s for the SE start dates of 5,000 subjects, 0.17 s for the PC units of 1,712 profiles). A missing value
    counts for nothing, a group of none is missing, and a record without a key is in no group, as in pandas.

    >>> text_extreme(pd.Series(["", "ng/mL", "mL"]), pd.Series([1, 1, 2]), "max").tolist()
    ['ng/mL', 'mL']
    """
    codes, uniques = pd.factorize(values, sort=True)
    ranks = pd.Series(np.where(codes < 0, np.nan, codes), index=values.index).groupby(by, sort=sort)
    found = ranks.transform(how) if transform else ranks.agg(how)
    text = uniques.array.take(found.fillna(-1).to_numpy(dtype=np.intp), allow_fill=True)
    return pd.Series(text, index=found.index, name=values.name, dtype="str")
