"""CORE Check operators, vectorised over whole columns.

Every operator takes the evaluation frame and the condition (a dict from the rule, "--" already replaced)
and returns one boolean per record: True where the condition holds (the rule raises where the whole
Check tree holds). Semantics follow CDISC's Operator.md; null means "" or NaN.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from cdisc.distinct import by_distinct, distinct_rows_of, in_set, known_text
from cdisc.memo import per_column
from cdisc.validate.core import dates


class MissingColumn(Exception):
    """A variable the condition needs is not in the dataset: the rule does not apply to it."""


class Unsupported(Exception):
    """The engine cannot execute this part of the rule."""


class DomainNotFound(Exception):
    """An operation reads a domain the package does not hold: as in CORE ("rule evaluation skipped - operation
    domain not found"), the rule is not evaluated on the dataset in hand."""


class GroupedSet:
    """Per-group value sets (a grouped `distinct`): membership of (group keys, value) tuples."""

    def __init__(self, keys: list[str], index: pd.MultiIndex | pd.Index) -> None:
        self.keys = keys
        self.index = index


class Frame:
    """The data a Check is evaluated on: a DataFrame plus the results of the rule's Operations."""

    def __init__(self, df: pd.DataFrame, values: dict[str, Any] | None = None) -> None:
        self.df = df
        self.values: dict[str, Any] = values or {}

    def __len__(self) -> int:
        return len(self.df)

    def has(self, name: str) -> bool:
        return name in self.df.columns or name in self.values

    def column(self, name: Any) -> pd.Series:
        """A column of the frame, an operation result broadcast to every record, or MissingColumn."""
        if not isinstance(name, str):
            raise Unsupported(f"variable name {name!r} is not a string")
        if name in self.df.columns:
            return self.df[name]
        if name in self.values:
            v = self.values[name]
            if isinstance(v, pd.Series):
                return v
            if isinstance(v, GroupedSet):
                raise Unsupported(f"{name} is a grouped set, not a column")
            return pd.Series([v] * len(self.df), index=self.df.index, dtype=object)
        raise MissingColumn(name)

    def operand(self, cond: dict[str, Any], key: str = "value") -> Any:
        """The comparator: a column (by name or $id) unless literal, else the literal value."""
        value = cond.get(key)
        if cond.get("value_is_literal") or not isinstance(value, str):
            return value
        if value in self.df.columns:
            return self.df[value]
        if value in self.values:
            v = self.values[value]
            return v if isinstance(v, pd.Series | GroupedSet) else _Scalar(v)
        if value.startswith("$"):
            raise MissingColumn(value)
        return value


class _Scalar:
    """An operation result that is one value (or one list) for the whole dataset."""

    def __init__(self, value: Any) -> None:
        self.value = value


def _unwrap(x: Any) -> Any:
    return x.value if isinstance(x, _Scalar) else x


# --- null handling --------------------------------------------------------------------------------------

@per_column
def is_null(s: pd.Series) -> np.ndarray:
    """"" (after nothing is stripped), NaN, None, or an empty list."""
    if s.dtype.kind in "fiub":
        return s.isna().to_numpy()
    if (known := known_text(s)) is not None:  # a finished dataset's text: per distinct value
        codes, distinct = known
        return (distinct == "")[codes]
    values = s.to_numpy(dtype=object)
    out = pd.isna(s).to_numpy() | (values == "")
    lists = np.fromiter((isinstance(v, list | tuple | set) for v in values), bool, len(values)) \
        if len(values) and s.dtype == object and not isinstance(values[0], str) else None
    if lists is not None and lists.any():
        out |= np.array([isinstance(v, list | tuple | set) and len(v) == 0 for v in values])
    return out


def _text(s: pd.Series) -> pd.Series:
    """Values as text: numbers without a trailing ".0" and to 15 significant digits, nulls as "".

    15 digits is what a SAS transport (IBM) double holds exactly: 0.04 written to XPT reads back as
    0.039999999999999994 and is "0.04" again here, as SAS displays it. A number column's text is made anew each
    time, once per distinct value (kept for the run it would be a new string per record); other text is kept."""
    if s.dtype.kind in "fiu":
        return by_distinct(s, _number_text)
    return _object_text(s)


def _number_text(s: pd.Series) -> pd.Series:
    """`_num_text` of each value, a missing one as "" (whole numbers within int64 through numpy, larger ones as
    Python integers: 1e20 is "100000000000000000000", never the result of an overflowing cast)."""
    values = s.to_numpy(float)
    finite = np.isfinite(values)
    whole = finite & (np.mod(values, 1, where=finite, out=np.zeros_like(values)) == 0)
    out = np.full(len(values), "", dtype=object)
    small = whole & (np.abs(values, where=finite, out=np.zeros_like(values)) < INT64_BOUND)
    out[small] = values[small].astype(np.int64).astype(str).astype(object)
    if (large := whole & ~small).any():
        out[large] = [str(int(v)) for v in values[large]]
    rest = finite & ~whole
    if rest.any():
        out[rest] = [format(v, ".15g") for v in values[rest]]
    return pd.Series(out, index=s.index, dtype=object)


@per_column
def _object_text(s: pd.Series) -> pd.Series:
    if s.dtype == object:
        if known_text(s) is not None:  # a finished dataset's text: its distinct values tell
            return s
        values = s.to_numpy()
        if not pd.isna(values).any() and all(type(v) is str for v in values[:1]):
            return s
    return s.where(~pd.isna(s), "").astype(str).astype(object)


@per_column
def _strip_zeros(s: pd.Series) -> pd.Series:
    """Numbers written as text without trailing decimal zeros ("200.00" -> "200", "6.80" -> "6.8")."""
    return by_distinct(s, lambda d: d.str.replace(r"^(-?\d+)\.0*$", r"\1", regex=True)
                       .str.replace(r"^(-?\d*\.\d*?)0+$", r"\1", regex=True))


INT64_BOUND = 2.0 ** 63  # a whole float at or beyond it does not fit numpy's int64


def _num_text(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else format(float(x), ".15g")


def _literal_text(v: Any) -> str:
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, int | float) and not pd.isna(v):
        return _num_text(v)
    return "" if v is None else str(v)


def _numeric(x: Any) -> Any:
    """A column as numbers (NaN where a value is none: each distinct text converted once), or a value as one."""
    if isinstance(x, pd.Series):
        return x if x.dtype.kind in "fiu" else by_distinct(x, lambda text: pd.to_numeric(text, errors="coerce"))
    try:
        return float(x)
    except (TypeError, ValueError):
        return np.nan


# --- relational -----------------------------------------------------------------------------------------

def _aligned(frame: Frame, cond: dict[str, Any]) -> tuple[pd.Series, Any]:
    target = frame.column(cond["name"])
    other = _unwrap(frame.operand(cond))
    if cond.get("value_is_reference") and isinstance(other, pd.Series):
        other = _reference_values(frame, other)
    return target, other


def _reference_values(frame: Frame, names: pd.Series) -> pd.Series:
    """For each record, the value of the column whose name the record holds (IDVAR -> that variable)."""
    out = pd.Series([""] * len(frame), index=frame.df.index, dtype=object)
    for name in pd.unique(names.to_numpy(dtype=object)):
        if isinstance(name, str) and name in frame.df.columns:
            mask = (names == name).to_numpy()
            out[mask] = _text(frame.df[name])[mask]
    return out


def _equal(target: pd.Series, other: Any, cond: dict[str, Any], case: bool) -> np.ndarray:
    """Element-wise equality of non-null values (null on either side gives False). Two columns compared as text
    made alike (type-insensitive, rounded or case-insensitive) are compared once per distinct pair of values
    (`distinct_rows_of`): LB's result and its standard number are 700,000 records and 12,000 pairs."""
    if isinstance(other, pd.Series):
        if case and not cond.get("type_insensitive") and not cond.get("round_values"):
            return _equal_columns(target, other, cond, case)
        codes, first = distinct_rows_of([target, other])
        return _equal_columns(target.iloc[first].reset_index(drop=True), other.iloc[first].reset_index(drop=True),
                              cond, case)[codes]
    tnull = is_null(target)
    if other is None or (isinstance(other, str) and other == ""):
        return np.zeros(len(target), bool)
    if isinstance(other, list | tuple | set | dict):
        return np.zeros(len(target), bool)
    if target.dtype.kind in "fiu":
        num = _numeric(other)
        if not pd.isna(num):
            return (target.to_numpy(float) == num) & ~tnull
    a = _text(target)
    b = _literal_text(other)
    if not case:
        b = b.lower()
    return _on_text(a, lambda text: (text if case else text.str.lower()).to_numpy(dtype=object) == b) & ~tnull


def _equal_columns(target: pd.Series, other: pd.Series, cond: dict[str, Any], case: bool) -> np.ndarray:
    """`_equal` of two columns, record by record."""
    tnull, onull = is_null(target), is_null(other)
    numeric = target.dtype.kind in "fiu" and other.dtype.kind in "fiu"
    if numeric and not cond.get("type_insensitive"):
        a, b = target.to_numpy(float), other.to_numpy(float)
        if cond.get("round_values"):
            a, b = np.round(a), np.round(b)
        eq = a == b
    else:
        a, b = _text(target), _text(other)
        if cond.get("type_insensitive"):
            a, b = _strip_zeros(a), _strip_zeros(b)
        if cond.get("round_values"):
            a, b = _text(_numeric(a).round()), _text(_numeric(b).round())
        if not case:
            a, b = a.str.lower(), b.str.lower()
        eq = (a.to_numpy(dtype=object) == b.to_numpy(dtype=object))
    return eq & ~tnull & ~onull


def _on_text(text: pd.Series, judge: Callable[[pd.Series], np.ndarray]) -> np.ndarray:
    """`judge` (a record-by-record test of text) on a finished text column's distinct values when its codes are
    known (`known_text`), spread to the records; on every record otherwise."""
    if (known := known_text(text)) is None:
        return np.asarray(judge(text), dtype=bool)
    codes, distinct = known
    return np.asarray(judge(pd.Series(distinct, dtype=object)), dtype=bool)[codes]


def equal_to(frame: Frame, cond: dict[str, Any]) -> np.ndarray:
    target, other = _aligned(frame, cond)
    return _equal(target, other, cond, case=True)


def not_equal_to(frame: Frame, cond: dict[str, Any]) -> np.ndarray:
    return _not_equal(frame, cond, case=True)


def _not_equal(frame: Frame, cond: dict[str, Any], case: bool) -> np.ndarray:
    """True unless both sides are equal; both null gives False (CDISC truth table)."""
    target, other = _aligned(frame, cond)
    eq = _equal(target, other, cond, case=case)
    both_null = is_null(target) & (is_null(other) if isinstance(other, pd.Series) else _null_literal(other))
    return ~eq & ~both_null


def equal_to_case_insensitive(frame: Frame, cond: dict[str, Any]) -> np.ndarray:
    target, other = _aligned(frame, cond)
    return _equal(target, other, cond, case=False)


def not_equal_to_case_insensitive(frame: Frame, cond: dict[str, Any]) -> np.ndarray:
    return _not_equal(frame, cond, case=False)


def _null_literal(v: Any) -> bool:
    return v is None or (isinstance(v, str) and v == "") or (isinstance(v, float) and np.isnan(v))


def _compare(op: Callable[[Any, Any], Any]) -> Callable[[Frame, dict[str, Any]], np.ndarray]:
    def run(frame: Frame, cond: dict[str, Any]) -> np.ndarray:
        target, other = _aligned(frame, cond)
        a = _numeric(target).to_numpy(float)
        b = _numeric(other).to_numpy(float) if isinstance(other, pd.Series) else _numeric(other)
        with np.errstate(invalid="ignore"):
            out = op(a, b)
        return np.asarray(out, bool) & ~np.isnan(a) & ~np.isnan(b)
    return run


def empty(frame: Frame, cond: dict[str, Any]) -> np.ndarray:
    return is_null(frame.column(cond["name"]))


def non_empty(frame: Frame, cond: dict[str, Any]) -> np.ndarray:
    return ~empty(frame, cond)


def exists(frame: Frame, cond: dict[str, Any]) -> np.ndarray:
    return np.full(len(frame), frame.has(cond["name"]))


def not_exists(frame: Frame, cond: dict[str, Any]) -> np.ndarray:
    return ~exists(frame, cond)


# --- strings --------------------------------------------------------------------------------------------

@dates.per_unique
def _matches(text: pd.Series, pattern: str, part: Callable[[pd.Series], pd.Series] | None) -> np.ndarray:
    """Whether each value (or its `part`, taken once per distinct value) matches `pattern` from its start."""
    return (text if part is None else part(text)).str.match(pattern).fillna(False).to_numpy(bool)


def _regex(frame: Frame, cond: dict[str, Any], part: Callable[[pd.Series], pd.Series] | None = None) -> np.ndarray:
    target = frame.column(cond["name"])
    pattern = str(cond.get("value"))
    try:
        matched = _matches(_text(target), pattern, part)
    except re.error as exc:
        raise Unsupported(f"regex {pattern!r}: {exc}") from None
    return matched & ~is_null(target)


def matches_regex(frame: Frame, cond: dict[str, Any]) -> np.ndarray:
    return _regex(frame, cond)


def not_matches_regex(frame: Frame, cond: dict[str, Any]) -> np.ndarray:
    target = frame.column(cond["name"])
    return ~_regex(frame, cond) & ~is_null(target)


def prefix_matches_regex(frame: Frame, cond: dict[str, Any]) -> np.ndarray:
    n = int(cond.get("prefix", 0))
    return _regex(frame, cond, lambda s: s.str[:n])


def not_prefix_matches_regex(frame: Frame, cond: dict[str, Any]) -> np.ndarray:
    return ~prefix_matches_regex(frame, cond) & ~is_null(frame.column(cond["name"]))


def suffix_matches_regex(frame: Frame, cond: dict[str, Any]) -> np.ndarray:
    n = int(cond.get("suffix", 0))
    return _regex(frame, cond, lambda s: s.str[-n:] if n else s.str[:0])


def not_suffix_matches_regex(frame: Frame, cond: dict[str, Any]) -> np.ndarray:
    return ~suffix_matches_regex(frame, cond) & ~is_null(frame.column(cond["name"]))


def _string_part(kind: str) -> Callable[[Frame, dict[str, Any]], np.ndarray]:
    def run(frame: Frame, cond: dict[str, Any]) -> np.ndarray:
        target, other = _aligned(frame, cond)
        text = _text(target)
        if isinstance(other, pd.Series):
            other = _text(other)
            pairs = zip(text.to_numpy(dtype=object), other.to_numpy(dtype=object), strict=True)
            fn = str.startswith if kind == "starts" else str.endswith
            return np.fromiter((bool(b) and fn(a, b) for a, b in pairs), bool, len(text))
        lit = _literal_text(other)
        res = text.str.startswith(lit) if kind == "starts" else text.str.endswith(lit)
        return res.to_numpy(bool) & ~is_null(target)
    return run


def _fix_part(side: str, negate: bool) -> Callable[[Frame, dict[str, Any]], np.ndarray]:
    """prefix_/suffix_ equal_to: the first/last N characters equal the value (a column or literal)."""
    def run(frame: Frame, cond: dict[str, Any]) -> np.ndarray:
        n = int(cond.get("prefix") or cond.get("suffix") or 0)
        target, other = _aligned(frame, cond)
        text = _text(target)
        part = text.str[:n] if side == "prefix" else text.str[-n:]
        if isinstance(other, pd.Series):
            eq = part.to_numpy(dtype=object) == _text(other).to_numpy(dtype=object)
        else:
            eq = part.to_numpy(dtype=object) == _literal_text(other)
        return (~eq if negate else eq) & ~is_null(target)
    return run


def _members(other: Any) -> list[Any]:
    other = _unwrap(other)
    if isinstance(other, str):
        return [other]
    if other is None:
        return []
    flat: list[Any] = []
    for v in other:
        if isinstance(v, list | tuple | set):
            flat.extend(v)
        else:
            flat.append(v)
    return flat


def _contained(frame: Frame, cond: dict[str, Any], case: bool = True,
               part: Callable[[pd.Series], pd.Series] | None = None) -> np.ndarray:
    target = frame.column(cond["name"])
    other = frame.operand(cond)
    if isinstance(other, GroupedSet):
        keys = [frame.column(k) for k in other.keys]
        probe = pd.MultiIndex.from_arrays([_text(k) for k in keys] + [_text(target)])
        return np.asarray(probe.isin(other.index), bool)
    if isinstance(other, pd.Series):
        values = other.to_numpy(dtype=object)
        if len(values) and all(isinstance(v, list | tuple | set) for v in values if v is not None):
            texts = _text(target).to_numpy(dtype=object)
            return np.array([t in {_literal_text(x) for x in (v or ())} for t, v in zip(texts, values, strict=True)])
        # a column: the value must appear somewhere in that column
        members = set(_text(other).to_numpy(dtype=object)) - {""}
    else:
        members = {_literal_text(v) for v in _members(other)}
    text = _text(target)
    if part is not None:
        text = part(text)
    if not case:
        text = text.str.lower()
        members = {m.lower() for m in members}
    return in_set(text, members)


def is_contained_by(frame: Frame, cond: dict[str, Any]) -> np.ndarray:
    return _contained(frame, cond)


def is_not_contained_by(frame: Frame, cond: dict[str, Any]) -> np.ndarray:
    return ~_contained(frame, cond)


def is_contained_by_case_insensitive(frame: Frame, cond: dict[str, Any]) -> np.ndarray:
    return _contained(frame, cond, case=False)


def is_not_contained_by_case_insensitive(frame: Frame, cond: dict[str, Any]) -> np.ndarray:
    return ~_contained(frame, cond, case=False)


def _fix_contained(side: str, negate: bool) -> Callable[[Frame, dict[str, Any]], np.ndarray]:
    def run(frame: Frame, cond: dict[str, Any]) -> np.ndarray:
        n = int(cond.get(side) or cond.get("prefix") or cond.get("suffix") or 0)
        cut = (lambda s: s.str[:n]) if side == "prefix" else (lambda s: s.str[-n:])
        res = _contained(frame, cond, part=cut)
        return ~res if negate else res
    return run


def contains(frame: Frame, cond: dict[str, Any]) -> np.ndarray:
    """The value is an element of the record's list, or a substring of the record's text."""
    target, other = _aligned(frame, cond)
    values = target.to_numpy(dtype=object)
    if isinstance(other, pd.Series):
        others = _text(other).to_numpy(dtype=object)
        return np.array([_holds(v, o) for v, o in zip(values, others, strict=True)], bool)
    lit = _literal_text(other)
    if target.dtype == object and any(isinstance(v, list | tuple | set) for v in values[:1]):
        return np.array([_holds(v, lit) for v in values], bool)
    return _text(target).str.contains(lit, regex=False).to_numpy(bool) & ~is_null(target)


def _holds(container: Any, item: str) -> bool:
    if isinstance(container, list | tuple | set):
        return item in {_literal_text(x) for x in container}
    return bool(item) and isinstance(container, str) and item in container


def does_not_contain(frame: Frame, cond: dict[str, Any]) -> np.ndarray:
    return ~contains(frame, cond)


def _length(op: Callable[[Any, Any], Any]) -> Callable[[Frame, dict[str, Any]], np.ndarray]:
    def run(frame: Frame, cond: dict[str, Any]) -> np.ndarray:
        target, other = _aligned(frame, cond)
        lengths = _text(target).str.len().to_numpy(float)
        limit = _numeric(other).to_numpy(float) if isinstance(other, pd.Series) else float(other)
        return np.asarray(op(lengths, limit), bool)
    return run


def _string_part_equal(negate: bool) -> Callable[[Frame, dict[str, Any]], np.ndarray]:
    """(does_not_)equals_string_part: the target equals the first regex group of the comparator."""
    def run(frame: Frame, cond: dict[str, Any]) -> np.ndarray:
        target, other = _aligned(frame, cond)
        other_text = _text(other) if isinstance(other, pd.Series) else pd.Series(
            [_literal_text(other)] * len(frame), index=frame.df.index, dtype=object)
        part = other_text.str.extract(str(cond.get("regex", "(.*)")), expand=False)
        if isinstance(part, pd.DataFrame):
            part = part.iloc[:, 0]
        eq = _text(target).to_numpy(dtype=object) == part.fillna("").to_numpy(dtype=object)
        return ~eq if negate else eq
    return run


# --- dates ----------------------------------------------------------------------------------------------

def _date_compare(op: str) -> Callable[[Frame, dict[str, Any]], np.ndarray]:
    def run(frame: Frame, cond: dict[str, Any]) -> np.ndarray:
        target, other = _aligned(frame, cond)
        a = _text(target)
        b = _text(other) if isinstance(other, pd.Series) else pd.Series(
            [_literal_text(other)] * len(frame), index=frame.df.index, dtype=object)
        return dates.compare(a, b, op, cond.get("date_component"))
    return run


def is_complete_date(frame: Frame, cond: dict[str, Any]) -> np.ndarray:
    return dates.is_complete(_text(frame.column(cond["name"])))


def is_incomplete_date(frame: Frame, cond: dict[str, Any]) -> np.ndarray:
    return ~is_complete_date(frame, cond)


def invalid_date(frame: Frame, cond: dict[str, Any]) -> np.ndarray:
    return ~dates.is_valid(_text(frame.column(cond["name"])))


def invalid_duration(frame: Frame, cond: dict[str, Any]) -> np.ndarray:
    text = _text(frame.column(cond["name"]))
    return ~dates.is_valid_duration(text, negative=bool(cond.get("negative"))) & (text != "").to_numpy()


# --- sets of columns and records ------------------------------------------------------------------------

def _key_frame(frame: Frame, names: list[str], regex: str | None = None) -> pd.DataFrame:
    cols = {}
    for n in names:
        value = frame.values.get(n)
        if n not in frame.df.columns and isinstance(value, list):
            for m in value:
                cols[m] = _text(frame.column(m))
            continue
        cols[n] = _text(frame.column(n))
    keys = pd.DataFrame(cols, index=frame.df.index)
    if regex:
        keys = keys.apply(lambda s: s.str.extract(f"({regex})", expand=False).iloc[:, 0]
                          if False else s.where(~s.str.match(regex), s.str.extract(f"({regex})", expand=False)))
    return keys


def _as_list(v: Any) -> list[str]:
    if v is None:
        return []
    return [v] if isinstance(v, str) else list(v)


def is_not_unique_set(frame: Frame, cond: dict[str, Any]) -> np.ndarray:
    """Records sharing their values of `name` and the `value` columns (grouping columns absent from the
    dataset are left out, as CORE does)."""
    names = _as_list(cond["name"]) + [v for v in _as_list(cond.get("value")) if frame.has(v)]
    keys = _key_frame(frame, names, cond.get("regex"))
    return keys.duplicated(keep=False).to_numpy(bool)


def is_unique_set(frame: Frame, cond: dict[str, Any]) -> np.ndarray:
    return ~is_not_unique_set(frame, cond)


def is_not_unique_relationship(frame: Frame, cond: dict[str, Any]) -> np.ndarray:
    """The name->value mapping is not one-to-one: a name with several values or a value with several names."""
    a, b = _text(frame.column(cond["name"])), _text(frame.column(cond["value"]))
    known = (a != "").to_numpy() & (b != "").to_numpy()  # pairs with a blank side neither count nor are flagged
    a_codes, a_values = pd.factorize(a, use_na_sentinel=False)
    b_codes, b_values = pd.factorize(b, use_na_sentinel=False)
    pairs = pd.unique(a_codes[known].astype(np.int64) * len(b_values) + b_codes[known])  # in any order
    values_of_a = np.bincount(pairs // max(len(b_values), 1), minlength=len(a_values))  # distinct pairs per name
    names_of_b = np.bincount(pairs % max(len(b_values), 1), minlength=len(b_values))  # and per value
    return known & ((values_of_a[a_codes] > 1) | (names_of_b[b_codes] > 1))


def is_unique_relationship(frame: Frame, cond: dict[str, Any]) -> np.ndarray:
    return ~is_not_unique_relationship(frame, cond)


def present_on_multiple_rows_within(frame: Frame, cond: dict[str, Any]) -> np.ndarray:
    limit = int(cond.get("value") or 1)
    keys = _key_frame(frame, _as_list(cond.get("within")) + [cond["name"]])
    counts = keys.groupby(list(keys.columns), sort=False)[keys.columns[0]].transform("size")
    return (counts.to_numpy() > limit) & ~is_null(frame.column(cond["name"]))


def not_present_on_multiple_rows_within(frame: Frame, cond: dict[str, Any]) -> np.ndarray:
    return ~present_on_multiple_rows_within(frame, cond)


def is_inconsistent_across_dataset(frame: Frame, cond: dict[str, Any]) -> np.ndarray:
    """Within each group, records whose value is not the majority value (all of them on a tie)."""
    target = _text(frame.column(cond["name"]))
    if cond.get("regex"):
        extracted = target.str.extract(f"({cond['regex']})" if "(" not in cond["regex"] else cond["regex"],
                                       expand=False)
        if isinstance(extracted, pd.DataFrame):
            extracted = extracted.iloc[:, 0]
        target = extracted.fillna(target)
    groups = _key_frame(frame, _as_list(cond.get("value")))
    gcols = list(groups.columns)
    table = groups.assign(_v=target.to_numpy())
    counts = table.groupby(gcols + ["_v"], sort=False, dropna=False)["_v"].transform("size").to_numpy()
    nvals = table.groupby(gcols, sort=False, dropna=False)["_v"].transform("nunique").to_numpy()
    top = pd.Series(counts, index=table.index).groupby([table[c] for c in gcols], sort=False).transform("max")
    top = top.to_numpy()
    is_top = counts == top
    top_values = pd.Series(np.where(is_top, table["_v"].to_numpy(), None), index=table.index)
    ntop = top_values.groupby([table[c] for c in gcols], sort=False).transform("nunique").to_numpy()
    return (nvals > 1) & (~is_top | (ntop > 1))


def _ordered(frame: Frame, within: list[str], ordering: str) -> pd.DataFrame:
    keys = _key_frame(frame, within)
    order = frame.column(ordering)
    sort_key = order if order.dtype.kind in "fiu" else _text(order)
    table = keys.assign(_o=sort_key.to_numpy(), _i=np.arange(len(frame)))
    return table.sort_values(list(keys.columns) + ["_o"], kind="mergesort")


def _same_group_as_next(table: pd.DataFrame) -> np.ndarray:
    """For a table `_ordered` made (its key columns, then `_o` and `_i`, sorted by keys), whether each record has the
    keys of the next one (never the last record)."""
    same = np.ones(max(len(table) - 1, 0), bool)
    for column in table.columns[:-2]:
        keys = table[column].to_numpy(dtype=object)
        same &= keys[1:] == keys[:-1]
    return np.append(same, False)


def does_not_have_next_corresponding_record(frame: Frame, cond: dict[str, Any]) -> np.ndarray:
    """name of a record differs from value of the next record of its group (ordered by `ordering`)."""
    within = _as_list(cond.get("within"))
    table = _ordered(frame, within, cond["ordering"])
    name = _text(frame.column(cond["name"])).to_numpy(dtype=object)[table["_i"].to_numpy()]
    value = _text(frame.column(cond["value"])).to_numpy(dtype=object)[table["_i"].to_numpy()]
    nxt_same = _same_group_as_next(table)
    nxt_value = np.append(value[1:], "")
    bad_sorted = nxt_same & (name != nxt_value)
    out = np.zeros(len(frame), bool)
    out[table["_i"].to_numpy()] = bad_sorted
    return out


def has_next_corresponding_record(frame: Frame, cond: dict[str, Any]) -> np.ndarray:
    return ~does_not_have_next_corresponding_record(frame, cond)


def empty_within_except_last_row(frame: Frame, cond: dict[str, Any]) -> np.ndarray:
    """name is empty on a record that is not the last of its group (ordered by `ordering`)."""
    table = _ordered(frame, _as_list(cond.get("value")), cond["ordering"])
    not_last = _same_group_as_next(table)
    null = is_null(frame.column(cond["name"]))[table["_i"].to_numpy()]
    out = np.zeros(len(frame), bool)
    out[table["_i"].to_numpy()] = not_last & null
    return out


def non_empty_within_except_last_row(frame: Frame, cond: dict[str, Any]) -> np.ndarray:
    table = _ordered(frame, _as_list(cond.get("value")), cond["ordering"])
    not_last = _same_group_as_next(table)
    null = is_null(frame.column(cond["name"]))[table["_i"].to_numpy()]
    out = np.zeros(len(frame), bool)
    out[table["_i"].to_numpy()] = not_last & ~null
    return out


def target_is_not_sorted_by(frame: Frame, cond: dict[str, Any]) -> np.ndarray:
    """Within groups, the order of `name` differs from the order of the `value` sort keys."""
    within = _as_list(cond.get("within"))
    specs = cond.get("value") or []
    keys = _key_frame(frame, within)
    target = _numeric(frame.column(cond["name"])).to_numpy(float)
    sort_cols, ascending = [], []
    table = keys.copy()
    for i, spec in enumerate(specs):
        col = _text(frame.column(spec["name"]))
        table[f"_s{i}"] = col.replace("", np.nan if spec.get("null_position", "last") == "last" else "")
        sort_cols.append(f"_s{i}")
        ascending.append(spec.get("sort_order", "asc") == "asc")
    table["_t"] = target
    table["_i"] = np.arange(len(frame))
    by_values = table.sort_values(list(keys.columns) + sort_cols, ascending=[True] * len(keys.columns) + ascending,
                                  kind="mergesort", na_position="last")
    by_target = table.sort_values(list(keys.columns) + ["_t"], kind="mergesort")
    out = np.zeros(len(frame), bool)
    expected = by_values["_i"].to_numpy()
    actual = by_target["_i"].to_numpy()
    mismatch = expected != actual
    out[expected[mismatch]] = True
    overlap = dates.overlapping_precision(table, list(keys.columns), sort_cols)
    return out | overlap


# --- list-valued operands -------------------------------------------------------------------------------

def _list_operand(frame: Frame, name: Any) -> list[Any]:
    if isinstance(name, list):
        flat: list[Any] = []
        for n in name:
            flat.extend(_list_operand(frame, n))
        return flat
    if isinstance(name, str) and name in frame.values and not isinstance(frame.values[name], pd.Series):
        return _members(frame.values[name])
    return [name]


def not_contains_all(frame: Frame, cond: dict[str, Any]) -> np.ndarray:
    """Not every value listed in `value` appears in the `name` column (or list)."""
    wanted = set(map(_literal_text, _list_operand(frame, cond.get("value"))))
    name = cond["name"]
    if isinstance(name, str) and name in frame.values and not isinstance(frame.values[name], pd.Series):
        have = set(map(_literal_text, _members(frame.values[name])))
    else:
        have = set(_text(frame.column(name)).to_numpy(dtype=object))
    return np.full(len(frame), not wanted <= have)


def contains_all(frame: Frame, cond: dict[str, Any]) -> np.ndarray:
    return ~not_contains_all(frame, cond)


def shares_no_elements_with(frame: Frame, cond: dict[str, Any]) -> np.ndarray:
    a = set(_list_operand(frame, cond["name"]))
    b = set(_list_operand(frame, cond.get("value")))
    return np.full(len(frame), not (a & b))


def is_not_ordered_subset_of(frame: Frame, cond: dict[str, Any]) -> np.ndarray:
    """The `name` list's elements known to `value` do not appear in `value`'s relative order."""
    a = _list_operand(frame, cond["name"])
    b = _list_operand(frame, cond.get("value"))
    pos = {v: i for i, v in enumerate(b)}
    ranks = [pos[v] for v in a if v in pos]
    return np.full(len(frame), ranks != sorted(ranks))


def is_ordered_subset_of(frame: Frame, cond: dict[str, Any]) -> np.ndarray:
    return ~is_not_ordered_subset_of(frame, cond)


# Operators whose verdict on a record reads other records too (groups, order, sets over the column); every other
# operator judges a record by its own values and the comparator alone.
ACROSS_RECORDS = frozenset({
    "is_unique_set", "is_not_unique_set", "is_unique_relationship", "is_not_unique_relationship",
    "present_on_multiple_rows_within", "not_present_on_multiple_rows_within", "is_inconsistent_across_dataset",
    "does_not_have_next_corresponding_record", "has_next_corresponding_record", "empty_within_except_last_row",
    "non_empty_within_except_last_row", "target_is_not_sorted_by", "not_contains_all", "contains_all",
    "shares_no_elements_with", "is_not_ordered_subset_of", "is_ordered_subset_of"})

OPERATORS: dict[str, Callable[[Frame, dict[str, Any]], np.ndarray]] = {
    "equal_to": equal_to,
    "not_equal_to": not_equal_to,
    "equal_to_case_insensitive": equal_to_case_insensitive,
    "not_equal_to_case_insensitive": not_equal_to_case_insensitive,
    "greater_than": _compare(np.greater),
    "greater_than_or_equal_to": _compare(np.greater_equal),
    "less_than": _compare(np.less),
    "less_than_or_equal_to": _compare(np.less_equal),
    "empty": empty,
    "non_empty": non_empty,
    "exists": exists,
    "not_exists": not_exists,
    "matches_regex": matches_regex,
    "not_matches_regex": not_matches_regex,
    "prefix_matches_regex": prefix_matches_regex,
    "not_prefix_matches_regex": not_prefix_matches_regex,
    "suffix_matches_regex": suffix_matches_regex,
    "not_suffix_matches_regex": not_suffix_matches_regex,
    "starts_with": _string_part("starts"),
    "ends_with": _string_part("ends"),
    "prefix_equal_to": _fix_part("prefix", negate=False),
    "prefix_not_equal_to": _fix_part("prefix", negate=True),
    "suffix_equal_to": _fix_part("suffix", negate=False),
    "suffix_not_equal_to": _fix_part("suffix", negate=True),
    "contains": contains,
    "does_not_contain": does_not_contain,
    "longer_than": _length(np.greater),
    "longer_than_or_equal_to": _length(np.greater_equal),
    "shorter_than": _length(np.less),
    "shorter_than_or_equal_to": _length(np.less_equal),
    "equals_string_part": _string_part_equal(negate=False),
    "does_not_equal_string_part": _string_part_equal(negate=True),
    "is_contained_by": is_contained_by,
    "is_not_contained_by": is_not_contained_by,
    "is_contained_by_case_insensitive": is_contained_by_case_insensitive,
    "is_not_contained_by_case_insensitive": is_not_contained_by_case_insensitive,
    "prefix_is_contained_by": _fix_contained("prefix", negate=False),
    "prefix_is_not_contained_by": _fix_contained("prefix", negate=True),
    "suffix_is_contained_by": _fix_contained("suffix", negate=False),
    "suffix_is_not_contained_by": _fix_contained("suffix", negate=True),
    "date_equal_to": _date_compare("eq"),
    "date_not_equal_to": _date_compare("ne"),
    "date_greater_than": _date_compare("gt"),
    "date_greater_than_or_equal_to": _date_compare("ge"),
    "date_less_than": _date_compare("lt"),
    "date_less_than_or_equal_to": _date_compare("le"),
    "is_complete_date": is_complete_date,
    "is_incomplete_date": is_incomplete_date,
    "invalid_date": invalid_date,
    "invalid_duration": invalid_duration,
    "is_unique_set": is_unique_set,
    "is_not_unique_set": is_not_unique_set,
    "is_unique_relationship": is_unique_relationship,
    "is_not_unique_relationship": is_not_unique_relationship,
    "present_on_multiple_rows_within": present_on_multiple_rows_within,
    "not_present_on_multiple_rows_within": not_present_on_multiple_rows_within,
    "is_inconsistent_across_dataset": is_inconsistent_across_dataset,
    "does_not_have_next_corresponding_record": does_not_have_next_corresponding_record,
    "has_next_corresponding_record": has_next_corresponding_record,
    "empty_within_except_last_row": empty_within_except_last_row,
    "non_empty_within_except_last_row": non_empty_within_except_last_row,
    "target_is_not_sorted_by": target_is_not_sorted_by,
    "not_contains_all": not_contains_all,
    "contains_all": contains_all,
    "shares_no_elements_with": shares_no_elements_with,
    "is_not_ordered_subset_of": is_not_ordered_subset_of,
    "is_ordered_subset_of": is_ordered_subset_of,
}
