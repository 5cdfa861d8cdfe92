"""Execute CORE rules on a Package: scope, "--" substitution, Match Datasets, Operations and the Check tree.

Per rule and in-scope dataset the engine builds the evaluation frame the Rule Type asks for (records,
dataset metadata, variable metadata or values in long form), merges the Match Datasets, runs the Operations
and evaluates the Check as boolean columns. A variable the Check needs that the dataset lacks makes the rule
not applicable to that dataset (as in CORE); anything the engine cannot execute is reported as skipped.
"""
from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cdisc.distinct import (
    carried_codes,
    distinct_codes,
    distinct_column,
    distinct_rows_of,
    known_text,
    positions_in,
    remembered,
)
from cdisc.validate.core import library
from cdisc.validate.core.operations import (
    OPERATIONS,
    Context,
    dataset_metadata,
    find_dataset,
    reads_records,
    run_operations,
)
from cdisc.validate.core.operators import (
    ACROSS_RECORDS,
    OPERATORS,
    DomainNotFound,
    Frame,
    GroupedSet,
    MissingColumn,
    Unsupported,
    _text,
)
from cdisc.validate.core.rules import Rule, load_rules, substitute
from cdisc.validate.finding import MAX_RECORDS, Finding, RuleStatus, plain
from cdisc.validate.package import Dataset, Package, Variable

ROW = "__row"
SEVERITY = "error"
RELATIONSHIP_DATASETS = ("RELREC", "RELSUB", "RELSPEC")
RECORD_TYPES = ("Record Data", "Dataset Contents Check against Define XML")
# one row per record and variable: evaluated one variable at a time (`_value_frames`), never built whole
LONG_FORM_TYPES = ("Value Check with Variable Metadata", "Value Check with Dataset Metadata")
MAX_SIZE = "variable_max_size"
# Frame columns made only for a rule whose Check reads them: they read every record (CORE makes them on demand too).
ON_DEMAND = frozenset({MAX_SIZE})
VARIABLE = "__variable"  # a distinct-values frame's column: the position of the variable a value belongs to


# --- scope ----------------------------------------------------------------------------------------------

def dataset_class(ds: Dataset) -> str:
    """The SDTM class: from the IG for standard domains, else from the variables the dataset carries."""
    if ds.name.startswith("SUPP") or ds.name in RELATIONSHIP_DATASETS:
        return "RELATIONSHIP"
    known = library.domains().get(prefix_of(ds)) or library.domains().get(ds.name[:2])
    if known:
        return known[0]
    cols = set(ds.data.columns)
    for suffix, cls in (("TESTCD", "FINDINGS"), ("TRT", "INTERVENTIONS"), ("TERM", "EVENTS")):
        if f"{ds.domain}{suffix}" in cols:
            return cls
    return ""


def _domain_matches(pattern: str, ds: Dataset) -> bool:
    if pattern == "ALL":
        return True
    if pattern.endswith("--"):
        stem = pattern[:-2]
        return (ds.name.startswith(stem) and len(ds.name) > len(stem)) or (
            ds.domain.startswith(stem) and len(ds.domain) > len(stem))
    return pattern in (ds.name, ds.domain)


def in_scope(rule: Rule, ds: Dataset) -> bool:
    """Whether the rule's Scope (classes and domains, include and exclude) takes this dataset."""
    cls = dataset_class(ds)
    if rule.classes_include and "ALL" not in rule.classes_include and cls not in rule.classes_include:
        return False
    if cls and cls in rule.classes_exclude:
        return False
    if rule.domains_include and not any(_domain_matches(p, ds) for p in rule.domains_include):
        return False
    return not any(_domain_matches(p, ds) for p in rule.domains_exclude)


def prefix_of(ds: Dataset) -> str:
    """What "--" stands for in this dataset's variable names."""
    if ds.name.startswith("SUPP"):
        return ds.name[4:]
    if ds.domain.startswith("AP") and len(ds.domain) == 4:  # associated persons: APSU uses SU variables
        return ds.domain[2:]
    return ds.domain


# --- evaluation frames per rule type --------------------------------------------------------------------

def _records(ds: Dataset) -> pd.DataFrame:
    df = ds.data.copy(deep=False)
    df[ROW] = np.arange(1, len(df) + 1)
    return df


def _dataset_rows(ds: Dataset) -> pd.DataFrame:
    first = ds.data.iloc[:1].to_dict("records")
    row = {**(first[0] if first else {}), **dataset_metadata(ds), ROW: 1}
    return pd.DataFrame([row])


def _variable_rows(ds: Dataset, wanted: frozenset[str]) -> pd.DataFrame:
    """A row per variable; with variable_max_size (the longest value's length) when it is `wanted`."""
    rows = []
    for i, v in enumerate(ds.variables, start=1):
        rows.append({"variable_name": v.name, **_variable_metadata(v, i), ROW: i})
        if MAX_SIZE in wanted:
            col = ds.data[v.name] if v.name in ds.data.columns else pd.Series(dtype=object)
            rows[-1]["variable_max_size"] = max(map(len, _text(col).to_numpy(dtype=object)), default=0)
    return pd.DataFrame(rows)


def _value_frames(ds: Dataset, with_dataset: bool, lengths: bool, only: set[int] | None = None) -> Iterator[Frame]:
    """The long form one variable at a time: a frame of the variable's values, one row per record, with its
    variable (or the dataset) metadata as values broadcast to every row; `lengths` adds variable_value_length.
    `only`: the positions (from 1) of the variables to give, default all."""
    n = len(ds.data)
    for i, v in enumerate(ds.variables, start=1):
        if only is not None and i not in only:
            continue
        values = _text(ds.data[v.name]).to_numpy(dtype=object)
        # no copy of the values: every long-form rule then reads the same memory, and memo.py's results for it
        df = pd.DataFrame({"row_number": np.arange(1, n + 1),
                           "variable_value": pd.Series(values, dtype=object, copy=False)}, copy=False)
        if lengths:
            df["variable_value_length"] = np.fromiter(map(len, values), int, n)
        df[ROW] = df["row_number"]
        yield Frame(df, {"variable_name": v.name, **_long_form_metadata(ds, v, i, with_dataset)})


def _long_form_metadata(ds: Dataset, v: Variable, position: int, with_dataset: bool) -> dict[str, Any]:
    """What a long-form rule reads beside a value: the dataset's metadata, or the variable's."""
    return dataset_metadata(ds) if with_dataset else _variable_metadata(v, position)


def _variable_metadata(v: Variable, position: int) -> dict[str, Any]:
    """A variable's metadata as the Variable Metadata and long-form rule types name it (position from 1)."""
    return {"variable_label": v.label, "variable_size": v.length, "variable_data_type": v.type,
            "variable_order_number": position, "variable_format": ""}


def _distinct_values(ds: Dataset, with_dataset: bool) -> pd.DataFrame:
    """The long form of all variables at once, over each variable's distinct values instead of its records: a row
    per variable and distinct value, the metadata as columns of what a broadcast value would be (object), and
    VARIABLE, the variable's position. A value's text is made once per distinct value (numbers with equal text
    are one value)."""
    values = [_distinct_texts(ds.data[v.name]) for v in ds.variables]
    counts = [len(u) for u in values]
    flat = np.concatenate(values) if values else np.empty(0, object)
    df = pd.DataFrame({"variable_value": pd.Series(flat, dtype=object),
                       "variable_value_length": np.fromiter(map(len, flat), int, len(flat)),
                       VARIABLE: np.repeat(np.arange(1, len(counts) + 1), counts)})
    metadata = [_long_form_metadata(ds, v, i, with_dataset) for i, v in enumerate(ds.variables, start=1)]
    for key in metadata[0] if metadata else ():
        df[key] = pd.Series(np.repeat(np.array([m[key] for m in metadata], dtype=object), counts), dtype=object)
    df["variable_name"] = pd.Series(np.repeat(np.array([v.name for v in ds.variables], dtype=object), counts),
                                    dtype=object)
    return df


def _distinct_texts(column: pd.Series) -> np.ndarray:
    """A column's distinct values as text (`_text`), each once, in order of first appearance: a finished text column
    whose codes are known (no value missing, Python strings) has them at hand."""
    if (known := known_text(column)) is not None:
        return known[1]
    return pd.unique(_text(distinct_column(column)).to_numpy(dtype=object))


def _flagged_variables(operations: list[dict[str, Any]], check: Any, ds: Dataset, with_dataset: bool, ctx: Context,
                       cache: RunCache) -> set[int] | None:
    """The positions of the variables with a distinct value the long-form check flags, or None when the check
    cannot be judged on distinct values (an operator reading other records, or the record number): when each
    record is judged by its own values, a variable none of whose distinct values is flagged has no finding, and
    the rest need not be evaluated record by record."""
    names = reads(check)
    if _operator_names(check) & ACROSS_RECORDS or "row_number" in names or ROW in names:
        return None
    frame = Frame(cache.frame((ds.name, f"distinct values, dataset metadata {with_dataset}"),
                              lambda: _distinct_values(ds, with_dataset)))
    return set(frame.df[VARIABLE].to_numpy()[_evaluate_with(operations, check, frame, ctx)].tolist())


def _presence_row(package: Package) -> pd.DataFrame:
    names = {d.domain: d.path.rsplit("/", 1)[-1] for d in package.datasets.values()}
    names.update({d.name: d.path.rsplit("/", 1)[-1] for d in package.datasets.values()})
    return pd.DataFrame([{**names, ROW: 1}])


# Rule type -> its evaluation frame, from the dataset, the package and the ON_DEMAND columns the rule reads.
PACKAGE_TYPES = ("Domain Presence Check",)  # whose frame is made of the package alone
FRAME_BUILDERS = {
    "Record Data": lambda ds, pkg, wanted: _records(ds),
    "Dataset Metadata Check": lambda ds, pkg, wanted: _dataset_rows(ds),
    "Variable Metadata Check": lambda ds, pkg, wanted: _variable_rows(ds, wanted),
    "Domain Presence Check": lambda ds, pkg, wanted: _presence_row(pkg),
}


# --- Match Datasets -------------------------------------------------------------------------------------

def _keys(match: dict[str, Any]) -> tuple[list[str], list[str]]:
    left, right = [], []
    for k in match.get("Keys") or ():
        if isinstance(k, dict):
            left.append(str(k["Left"]))
            right.append(str(k["Right"]))
        else:
            left.append(str(k))
            right.append(str(k))
    return left, right


def _join(df: pd.DataFrame, other: pd.DataFrame, name: str, left: list[str], right: list[str],
          how: str, reads: frozenset[str] | None = None) -> pd.DataFrame:
    """Merge `other` on the keys; its columns come as NAME.col, and also as col when the name is free. `reads`:
    the only names the rules that use the merge can read (`frame_reads`); the other columns of both sides are left
    out (None: none is), so that a merge into LB's 700,000 records copies the few columns its rules read."""
    for k in left:
        if k not in df.columns:
            raise MissingColumn(k)
    for k in right:
        if k not in other.columns:
            raise MissingColumn(f"{name}.{k}")
    taken = set(df.columns)
    source = other  # its text columns' codes are known when it is a finished dataset
    other = _read_only(other, reads, keep=right, prefix=f"{name}.")
    df = _read_only(df, reads, keep=left)
    rhs = pd.DataFrame(_right_columns(other, name, right, taken), copy=False)
    lk = {f"__k{i}": _text(df[k]) for i, k in enumerate(left)}
    added = rhs.drop(columns=list(lk))
    positions = _positions(list(lk.values()), [rhs[k] for k in lk])
    found = positions >= 0 if positions is not None else None
    if found is not None and not added.columns.isin(df.columns).any() and (how == "inner" or found.all()):
        rows = positions[found]
        merged = pd.concat([df[found].reset_index(drop=True), added.take(rows).reset_index(drop=True)], axis=1)
        sources = {c: c.removeprefix(f"{name}.") for c in added.columns}
        return remembered(merged, {c: codes for c, s in sources.items()
                                   if s in source.columns and (codes := carried_codes(source[s], rows)) is not None})
    merged = df.assign(**lk).merge(rhs, on=list(lk), how=how, sort=False)
    return merged.drop(columns=list(lk))


def _read_only(frame: pd.DataFrame, reads: frozenset[str] | None, *, keep: Sequence[str] = (),
               prefix: str = "") -> pd.DataFrame:
    """The columns of `frame` a merge's rules can read (`reads`, a column also as `prefix` + its name), its keys
    (`keep`) and ROW; the whole frame when `reads` is None."""
    if reads is None:
        return frame
    return frame[[c for c in frame.columns if c in keep or c == ROW or c in reads or f"{prefix}{c}" in reads]]


def _positions(left: list[pd.Series], right: list[pd.Series]) -> np.ndarray | None:
    """Each left row's position among the right rows with the same keys (-1 where none: `positions_in`); None when
    the right rows' keys repeat (a merge then makes a row per matching pair). With unique right keys a merge keeps
    the left rows in their order, each with its one right row: a Match Dataset of one record per subject (DM)
    joined to LB's 700,000 records at 5,000 subjects."""
    index = pd.Index(right[0]) if len(right) == 1 else pd.MultiIndex.from_arrays(right)
    if not index.is_unique:
        return None
    if len(left) == 1:
        return positions_in(left[0], index)
    codes, first = distinct_rows_of(left)  # each distinct key looked up once, from each column's own codes
    return index.get_indexer(pd.MultiIndex.from_arrays([key.iloc[first] for key in left]))[codes]


def _right_columns(other: pd.DataFrame, name: str, right: list[str], taken: set[str]) -> dict[str, pd.Series]:
    """The columns `_join` merges: `other`'s as NAME.col (its keys under their own names, unless the left side
    has them), each again as col when the left side has no such column, and the keys as text (__k0, ...)."""
    columns = {(c if c in right else f"{name}.{c}"): other[c] for c in other.columns
               if c not in right or c not in taken}
    columns.update({c: other[c] for c in other.columns if c not in right and c not in taken and c != ROW})
    columns.update({f"__k{i}": _text(other[k]) for i, k in enumerate(right)})
    return columns


def _supp_pivot(supp: pd.DataFrame) -> pd.DataFrame:
    """SUPPxx records as columns: one row per USUBJID/IDVAR/IDVARVAL with a column per QNAM (= QVAL)."""
    keys = [k for k in ("USUBJID", "IDVAR", "IDVARVAL") if k in supp.columns]
    if "QNAM" not in supp.columns or "QVAL" not in supp.columns:
        raise MissingColumn("QNAM")
    wide = supp.pivot_table(index=keys, columns="QNAM", values="QVAL", aggfunc="first").reset_index()
    wide.columns.name = None
    return wide


def _merge_supp(df: pd.DataFrame, supp: pd.DataFrame, how: str) -> pd.DataFrame:
    """Attach SUPPxx qualifiers to their parent records (by USUBJID and IDVAR = IDVARVAL)."""
    wide = _supp_pivot(supp)
    qnams = [c for c in wide.columns if c not in ("USUBJID", "IDVAR", "IDVARVAL")]
    out = df.copy()
    for q in qnams:
        out[q] = ""
    for idvar, part in wide.groupby(wide.get("IDVAR", pd.Series([""] * len(wide))).fillna(""), sort=False):
        if idvar and idvar in df.columns:
            probe = pd.MultiIndex.from_arrays([_text(df["USUBJID"]), _text(df[idvar])])
            index = pd.MultiIndex.from_arrays([_text(part["USUBJID"]), _text(part["IDVARVAL"])])
        else:
            probe = pd.Index(_text(df["USUBJID"]))
            index = pd.Index(_text(part["USUBJID"]))
        for q in qnams:
            values = pd.Series(part[q].to_numpy(), index=index)
            values = values[values.notna() & ~values.index.duplicated()]
            got = values.reindex(probe).to_numpy()
            hit = pd.notna(got)
            out.loc[hit, q] = got[hit]
    if how == "inner":
        matched = np.zeros(len(out), bool)
        for q in qnams:
            matched |= (out[q] != "").to_numpy()
        out = out[matched]
    return out


def _merge_parent(df: pd.DataFrame, package: Package, current: Dataset) -> pd.DataFrame:
    """Child -> parent: for each CO/SUPP/RELREC record, the IDVAR variable of the parent record
    (domain RDOMAIN, same USUBJID, IDVAR = IDVARVAL) is added as a column of that name ("" when none)."""
    for k in ("RDOMAIN", "IDVAR", "IDVARVAL"):
        if k not in df.columns:
            raise MissingColumn(k)
    rdomain, idvar, idvarval = _text(df["RDOMAIN"]), _text(df["IDVAR"]), _text(df["IDVARVAL"])
    usubjid = _text(df["USUBJID"]) if "USUBJID" in df.columns else pd.Series([""] * len(df), index=df.index)
    added: dict[str, np.ndarray] = {}
    for (dom, var), rows in df.groupby([rdomain, idvar], sort=False).indices.items():
        parent = find_dataset(package, dom, current) if dom else None
        if not var or parent is None or var not in parent.data.columns:
            continue
        if var not in added:
            added[var] = df[var].to_numpy(dtype=object).copy() if var in df.columns else np.full(len(df), "", object)
        values = idvarval.iloc[rows]
        hit = _in_parent(usubjid.iloc[rows], values, parent.data, var)
        added[var][rows] = np.where(hit, values.to_numpy(dtype=object), "")
    # kept as Python text: pandas would make Arrow text of each string (0.16 s for RELREC's five at 5,000 subjects)
    return df.assign(**{var: pd.Series(values, index=df.index, dtype=object, copy=False)
                        for var, values in added.items()}) if added else df.copy()


def _in_parent(usubjid: pd.Series, values: pd.Series, parent: pd.DataFrame, var: str) -> np.ndarray:
    """Which child records name a parent record: one of the same subject whose `var` is the value, or (a record
    of no subject) any whose `var` is. Subjects and values are compared as their places among the parent's
    distinct ones, a pair as one integer: a parent of 700,000 records (LB) is hashed as numbers, not as pairs of
    strings."""
    parent_values = _text(parent[var])
    parent_subjects = _text(parent["USUBJID"]) if "USUBJID" in parent.columns \
        else pd.Series([""] * len(parent), dtype=object)
    subject_codes, subjects = distinct_codes(parent_subjects)
    value_codes, distinct = distinct_codes(parent_values)
    subject = positions_in(usubjid, _python_index(subjects))
    value = positions_in(values, _python_index(distinct))
    pairs = subject_codes.astype(np.int64) * len(distinct) + value_codes
    named = (subject >= 0) & (value >= 0)
    hit = np.zeros(len(values), bool)
    hit[named] = pd.Index(subject[named].astype(np.int64) * len(distinct) + value[named]).isin(pairs)
    return hit | (value >= 0) & (usubjid.to_numpy(dtype=object) == "")


def _python_index(distinct: object) -> pd.Index:
    """Distinct values as an Index of Python objects: an Index of Arrow text would make Arrow text of every value
    looked up in it first."""
    return pd.Index(np.asarray(distinct, dtype=object), dtype=object)


def _merge_relrec(df: pd.DataFrame, package: Package, current: Dataset, wildcard: str,
                  reads: frozenset[str] | None = None) -> pd.DataFrame:
    """Records of the current dataset joined, through RELREC, to their related records in other datasets;
    the related variables come as RELREC.<name with its domain prefix replaced by the wildcard> (`reads`: as
    `_join`, the only columns of either side the merge keeps).

    A record-level relationship (IDVARVAL given) joins the records it names; a dataset-level one (IDVARVAL
    blank, e.g. AE.AELNKID to FA.FALNKGRP) joins the records whose IDVAR values are equal. Either way both
    records belong to the same subject, as in CDISC's engine (DataProcessor.merge_on_relrec_record)."""
    relrec = package.datasets.get("RELREC")
    if relrec is None:
        return df.iloc[0:0]
    rel = relrec.data
    need = ("USUBJID", "RDOMAIN", "IDVAR", "IDVARVAL", "RELID")
    if any(c not in rel.columns for c in need):
        return df.iloc[0:0]
    rel = pd.DataFrame({c: _text(rel[c]) for c in need})
    mine = rel[rel.RDOMAIN == current.domain]
    others = rel[rel.RDOMAIN != current.domain]
    pairs = mine.merge(others, on=["USUBJID", "RELID"], suffixes=("", "_p"))
    pairs = pairs.assign(LEVEL=np.where(pairs["IDVARVAL"].ne("") & pairs["IDVARVAL_p"].ne(""), "record", "dataset"))
    pieces = []
    for (idvar, pdom, pidvar, level), link in pairs.groupby(["IDVAR", "RDOMAIN_p", "IDVAR_p", "LEVEL"], sort=False):
        parent = find_dataset(package, pdom, current)
        if parent is None or idvar not in df.columns or pidvar not in parent.data.columns:
            continue
        pdata = parent.data.rename(columns=lambda c, p=pdom: f"RELREC.{wildcard}{c[len(p):]}"
                                   if c.startswith(p) and c != p else f"RELREC.{c}")
        pdata = _read_only(pdata, reads).assign(
            __pk=_text(parent.data[pidvar]),
            __pu=_text(parent.data["USUBJID"]) if "USUBJID" in parent.data.columns else "")
        left = _read_only(df, reads).assign(
            __k=_text(df[idvar]), __u=_text(df["USUBJID"]) if "USUBJID" in df.columns else "")
        if level == "record":  # a blank RELREC.USUBJID names the records of any subject
            named = link["USUBJID"].ne("")
            left = pd.concat([
                left.merge(link.loc[named, ["USUBJID", "IDVARVAL", "IDVARVAL_p"]], left_on=["__u", "__k"],
                           right_on=["USUBJID", "IDVARVAL"], suffixes=("", "_l")),
                left.merge(link.loc[~named, ["IDVARVAL", "IDVARVAL_p"]], left_on="__k", right_on="IDVARVAL"),
            ], ignore_index=True)
            left = left.merge(pdata, left_on=["__u", "IDVARVAL_p"], right_on=["__pu", "__pk"], suffixes=("", "_r"))
        else:
            left = left.merge(pdata, left_on=["__u", "__k"], right_on=["__pu", "__pk"], suffixes=("", "_r"))
        pieces.append(left[[c for c in left.columns if not c.startswith("__") or c == ROW]
                           ].drop(columns=["USUBJID_l", "IDVARVAL", "IDVARVAL_p"], errors="ignore"))
    if not pieces:
        return df.iloc[0:0]
    return pd.concat(pieces, ignore_index=True)


def merge_matches(df: pd.DataFrame, matches: Iterable[dict[str, Any]], package: Package,
                  current: Dataset, reads: frozenset[str] | None = None) -> pd.DataFrame:
    """Apply the rule's Match Datasets in order (`reads`: as `_join`)."""
    for match in matches:
        name = str(match.get("Name", "")).upper()
        how = "left" if str(match.get("Join Type", "inner")).lower() == "left" else "inner"
        if match.get("Child"):
            df = _merge_parent(df, package, current)
            continue
        if name == "RELREC" and not match.get("Keys"):
            df = _merge_relrec(df, package, current, str(match.get("Wildcard", "**")), reads)
            continue
        other = find_dataset(package, name, current) if not name.endswith("--") else None
        if other is None:
            if name.startswith("SUPP"):
                other = package.datasets.get(f"SUPP{current.domain}") if name.endswith("--") else None
            if other is None:
                df = df.iloc[0:0] if how == "inner" else df
                continue
        if other.name.startswith("SUPP") and not current.name.startswith("SUPP"):
            df = _merge_supp(df, other.data, how)
            continue
        left, right = _keys(match)
        df = _join(df, other.data, name, left, right, how, reads)
    return df


# --- Check tree -----------------------------------------------------------------------------------------

def evaluate(node: Any, frame: Frame) -> np.ndarray:
    """The boolean column of a Check tree (all = and, any = or, not = complement)."""
    if isinstance(node, list):
        return _fold(node, frame, np.logical_and, True)
    if "all" in node:
        return _fold(node["all"], frame, np.logical_and, True)
    if "any" in node:
        return _fold(node["any"], frame, np.logical_or, False)
    if "not" in node:
        return ~evaluate(node["not"], frame)
    op = OPERATORS.get(str(node.get("operator")))
    if op is None:
        raise Unsupported(f"operator {node.get('operator')!r} is not implemented")
    if len(frame) > 1 and _on_constants(node, frame):  # one record decides for all
        first = np.asarray(op(Frame(frame.df.iloc[:1], frame.values), node), bool)
        return np.full(len(frame), bool(first[0]))
    return np.asarray(op(frame, node), bool)


def _on_constants(node: dict[str, Any], frame: Frame) -> bool:
    """Whether the condition reads only values that are the same for every record: its variable is an operation
    result or the long form's metadata (not a column) and its comparator is a literal or such a value. (A long-form
    rule asks "variable_data_type is Char" once per variable, not once per record.)"""
    name = node.get("name")
    if not isinstance(name, str) or name in frame.df.columns or name not in frame.values \
            or isinstance(frame.values[name], pd.Series | GroupedSet):
        return False
    try:
        operand = frame.operand(node)
    except MissingColumn:
        return False
    return not isinstance(operand, pd.Series | GroupedSet)


def _fold(nodes: Any, frame: Frame, fn: Any, start: bool) -> np.ndarray:
    """Combine the branches; in an `any`, a branch needing an absent variable is false (the others decide)."""
    nodes = nodes if isinstance(nodes, list) else [nodes]
    out = np.full(len(frame), start)
    missing: MissingColumn | None = None
    for k, n in enumerate(nodes):
        if _decided(out, start) and _present(nodes[k:], frame):
            break
        try:
            out = fn(out, evaluate(n, frame))
        except MissingColumn as exc:
            if start:
                raise
            missing = exc
    if missing is not None and len(nodes) == 1:
        raise missing
    return out


def _decided(out: np.ndarray, start: bool) -> bool:
    """Whether the rest of an `all` (start True) or `any` (start False) can change nothing."""
    return len(out) > 0 and (not out.any() if start else bool(out.all()))


def _present(nodes: list[Any], frame: Frame) -> bool:
    """Whether every variable and $ operand the nodes read is in the frame: then skipping them changes nothing
    (an absent one would make the rule not applicable, which must still be said)."""
    operands = [v for v in _leaf_texts(nodes, "value") if v.startswith("$")]
    return all(frame.has(name) for name in [*check_names(nodes), *operands])


def reads(check: Any) -> list[str]:
    """What a Check names: its variables, then its comparators given as text (variables, $ids or literals)."""
    return [*check_names(check), *_leaf_texts(check, "value")]


def check_names(node: Any) -> list[str]:
    """Variable names a Check tree reads, in order of appearance."""
    return _leaf_texts(node, "name")


def _leaf_texts(node: Any, key: str) -> list[str]:
    """The `key` ("name" or "value") of each condition of a Check tree where it is text, in order of appearance."""
    if isinstance(node, list):
        return [n for x in node for n in _leaf_texts(x, key)]
    if isinstance(node, dict):
        for branch in ("all", "any", "not"):
            if branch in node:
                return _leaf_texts(node[branch], key)
        return [node[key]] if isinstance(node.get(key), str) else []
    return []


# --- findings -------------------------------------------------------------------------------------------

def _records_of(frame: Frame, mask: np.ndarray, variables: list[str], ds: Dataset, limit: int
                ) -> tuple[dict[str, object], ...]:
    df = frame.df
    hits = np.flatnonzero(mask)[:limit]
    seq = f"{prefix_of(ds)}SEQ"
    records = []
    for i in hits:
        rec: dict[str, object] = {"row": int(df[ROW].iloc[i]) if ROW in df.columns else int(i) + 1}
        for key in ("USUBJID", seq):
            if key in df.columns and key not in variables:
                rec[key] = plain(df[key].iloc[i])
        for v in variables:
            if v in df.columns:
                rec[v] = plain(df[v].iloc[i])
            elif v in frame.values and not isinstance(frame.values[v], pd.Series):
                rec[v] = plain(frame.values[v])
            elif isinstance(frame.values.get(v), pd.Series):
                rec[v] = plain(frame.values[v].iloc[i])
        records.append(rec)
    return tuple(records)


def _output_variables(rule: Rule, check: Any, prefix: str) -> list[str]:
    names = substitute(list(rule.output_variables), prefix) if rule.output_variables else check_names(check)
    return list(dict.fromkeys(names))


# --- running --------------------------------------------------------------------------------------------

class RunCache:
    """Evaluation frames and Match Datasets merges shared by the rules of one run (never mutated). A frame whose
    planned uses (`planned`: key -> how many rules will ask for it) have all been made is dropped: most merges
    serve one rule, and kept for the run they were most of the engine's memory."""

    def __init__(self, planned: Counter[tuple[str, str]] | None = None) -> None:
        self.frames: dict[tuple[str, str], pd.DataFrame] = {}
        self.planned = planned if planned is not None else Counter()
        self.reads: dict[tuple[str, str], frozenset[str] | None] = {}  # merge -> what its rules read (merge_reads)

    def frame(self, key: tuple[str, str], make: Any) -> pd.DataFrame:
        out = self.frames[key] if key in self.frames else make()
        self.frames[key] = out
        if key in self.planned:
            self.planned[key] -= 1
            if self.planned[key] <= 0:
                del self.frames[key], self.planned[key]
        return out


def _merges(rules: Iterable[Rule], datasets: Iterable[Dataset]) -> Iterator[tuple[tuple[str, str], Rule, Dataset]]:
    """Each merge a rule will make of a dataset with its Match Datasets: its RunCache key, the rule, the dataset."""
    for ds in datasets:
        for rule in rules:
            if rule.match and rule.rule_type in RECORD_TYPES and in_scope(rule, ds):
                yield (ds.name, _match_key(rule, ds)), rule, ds


def planned_merges(rules: Iterable[Rule], datasets: Iterable[Dataset]) -> Counter[tuple[str, str]]:
    """How many rules will merge each dataset with each Match Datasets list (the RunCache keys of the merges)."""
    return Counter(key for key, _, _ in _merges(rules, datasets))


def merge_reads(rules: Iterable[Rule], datasets: Iterable[Dataset]) -> dict[tuple[str, str], frozenset[str] | None]:
    """What the rules that share each merge (the RunCache keys of `planned_merges`) can read of it, together
    (`frame_reads`; None when one of them may read any column)."""
    reads: dict[tuple[str, str], frozenset[str] | None] = {}
    for key, rule, ds in _merges(rules, datasets):
        mine, known = frame_reads(rule, prefix_of(ds)), reads.get(key, frozenset())
        reads[key] = None if mine is None or known is None else known | mine
    return reads


# Operations whose reads of the evaluation frame are the texts they give (and, for dy, RFSTDTC); the others give
# lists of variable names (from the library or the dataset) that a Check may read as columns
NAMED_READS = {"distinct": (), "record_count": (), "min_date": (), "max_date": (), "dy": ("RFSTDTC",)}


def frame_reads(rule: Rule, prefix: str) -> frozenset[str] | None:
    """Every name a record rule can read of its evaluation frame (a superset): each text of its Check, Operations,
    Output Variables and Match Datasets, with "--" as `prefix`, and what a finding's record shows (`_records_of`).
    None when that has no bound: an operation not in NAMED_READS, a group that is an operation's result, or a
    Check variable that is a list an operation gives (a set operator reads the columns a list names)."""
    texts = {"USUBJID", f"{prefix}SEQ"}
    lists = set()
    for op in rule.operations:
        kind = str(op.get("operator"))
        if kind not in NAMED_READS or any(str(g).startswith("$") for g in op.get("group") or ()):
            return None
        texts.update(NAMED_READS[kind])
        if kind == "distinct" and not op.get("group"):
            lists.add(str(op.get("id")))
    check = substitute(rule.check, prefix)
    if lists & set(check_names(check)):
        return None
    parts = [check, substitute([*rule.operations, *rule.output_variables, *rule.match], prefix)]
    return frozenset(texts | set(_texts(parts)))


def _texts(node: Any) -> Iterator[str]:
    """Every text in a rule fragment (dict values, list items)."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _texts(value)
    elif isinstance(node, list | tuple):
        for item in node:
            yield from _texts(item)


def _match_key(rule: Rule, ds: Dataset) -> str:
    return repr(substitute(list(rule.match), prefix_of(ds)))


def unsupported(rule: Rule) -> str:
    """Why the engine cannot execute `rule` at all ("" when it can): its rule type, an operation or an operator
    it does not implement. (A rule can still be skipped at run time, with the reason, e.g. a broken regex.)"""
    from cdisc.validate.core.operations import OPERATIONS

    if reason := _type_unsupported(rule):
        return reason
    for op in rule.operations:
        if str(op.get("operator")) not in OPERATIONS:
            return f"operation {op.get('operator')!r} is not implemented"
    missing = sorted(n for n in _operator_names(rule.check) if n not in OPERATORS)
    return f"operator {missing[0]!r} is not implemented" if missing else ""


def _type_unsupported(rule: Rule) -> str:
    """Why the engine cannot build the evaluation frames of `rule`'s type ("" when it can)."""
    if rule.rule_type not in FRAME_BUILDERS and rule.rule_type not in LONG_FORM_TYPES:
        return f"rule type {rule.rule_type!r} is not implemented"
    if rule.rule_type in LONG_FORM_TYPES and reads_records(rule.operations):
        return "an operation over the records of a long-form rule (one row per record and variable) is not implemented"
    return ""


def _operator_names(node: Any) -> set[str]:
    if isinstance(node, list):
        return set().union(*(_operator_names(n) for n in node)) if node else set()
    if not isinstance(node, dict):
        return set()
    branches = [node[k] for k in ("all", "any", "not") if k in node]
    if branches:
        return set().union(*(_operator_names(b) for b in branches))
    return {str(node.get("operator"))}


def run_rule_on(rule: Rule, ds: Dataset, package: Package, limit: int = MAX_RECORDS,
                cache: RunCache | None = None) -> Finding | None:
    """Execute one rule on one dataset; a Finding when it raises, None when it does not or does not apply.

    Raises Unsupported when the engine cannot execute the rule.
    """
    if reason := _type_unsupported(rule):
        raise Unsupported(reason)
    prefix = prefix_of(ds)
    check = substitute(rule.check, prefix)
    if _reads_absent_record(rule, check, ds):
        return None
    operations = substitute(list(rule.operations), prefix)
    if _requires_absent(rule, check, operations, ds):
        return None
    ctx = Context(package, ds, ds.domain, dataset_class(ds))
    variables = _output_variables(rule, check, prefix)
    cache = cache or RunCache()
    count, records = 0, ()
    try:
        if rule.rule_type in LONG_FORM_TYPES:
            lengths = "variable_value_length" in reads(check)
            with_dataset = rule.rule_type.endswith("Dataset Metadata")
            flagged = _flagged_variables(operations, check, ds, with_dataset, ctx, cache)
            frames: Iterable[Frame] = _value_frames(ds, with_dataset, lengths, flagged)
        else:
            frames = [Frame(_rule_frame(rule, ds, package, prefix, cache))]
        for frame in frames:  # one at a time: the long form's frames are not all kept
            mask = _evaluate_with(operations, check, frame, ctx)
            count += int(mask.sum())
            if mask.any() and len(records) < limit:
                records += _records_of(frame, mask, variables, ds, limit - len(records))
    except MissingColumn:
        return None
    if not count:
        return None
    return Finding(rule=rule.id, references=rule.references, severity=SEVERITY, dataset=ds.name,
                   variables=tuple(variables), count=count, message=rule.message, records=records)


def _reads_absent_record(rule: Rule, check: Any, ds: Dataset) -> bool:
    """A Dataset Metadata Check reads a variable's value from the dataset's first record (DOMAIN for CORE-000598);
    a dataset without records has none, so such a check does not apply to it, as CORE skips record rules on an
    empty dataset."""
    return (rule.rule_type == "Dataset Metadata Check" and ds.data.empty
            and not set(reads(check)).isdisjoint(ds.data.columns))


def _requires_absent(rule: Rule, check: Any, operations: list[dict[str, Any]], ds: Dataset) -> bool:
    """Whether the check requires a variable the dataset lacks (an `exists` in its top-level `all`) on a rule that
    could only end as no finding: its frame is the dataset's own records (no Match Dataset adds a column), its
    operations read no other dataset (none can be missing) and are all implemented, as are its operators. Then no
    frame, merge or operation is made: at 5,000 subjects CORE-001034 counted LB's records by subject, test and
    timing (0.5 s) before finding that LB has no LBREPNUM."""
    if rule.rule_type != "Record Data" or rule.match or not isinstance(check, dict) or "all" not in check:
        return False
    if any(op.get("domain") or str(op.get("operator")) not in OPERATIONS for op in operations) \
            or not _operator_names(check) <= OPERATORS.keys():
        return False
    computed = {str(op.get("id")) for op in operations}
    return any(isinstance(node, dict) and node.get("operator") == "exists" and isinstance(node.get("name"), str)
               and node["name"] not in ds.data.columns and node["name"] not in computed
               for node in (check["all"] if isinstance(check["all"], list) else [check["all"]]))


def _rule_frame(rule: Rule, ds: Dataset, package: Package, prefix: str, cache: RunCache) -> pd.DataFrame:
    """The evaluation frame of the rule's type, with its Match Datasets merged (shared through `cache`)."""
    wanted = ON_DEMAND & set(reads(rule.check))
    of = "" if rule.rule_type in PACKAGE_TYPES else ds.name  # the package's one frame, whatever the dataset
    df = cache.frame((of, " + ".join([rule.rule_type, *sorted(wanted)])),
                     lambda: FRAME_BUILDERS[rule.rule_type](ds, package, wanted))
    if rule.match and rule.rule_type in RECORD_TYPES:
        matches = substitute(list(rule.match), prefix)
        key = (ds.name, _match_key(rule, ds))
        # a cache the rules share knows what they all read of the merge (CoreRun.add); one of its own, the rule's
        needed = cache.reads[key] if key in cache.reads else frame_reads(rule, prefix)
        df = cache.frame(key, lambda: merge_matches(df, matches, package, ds, needed).reset_index(drop=True))
    return df


def _evaluate_with(operations: list[dict[str, Any]], check: Any, frame: Frame, ctx: Context) -> np.ndarray:
    run_operations(operations, frame, ctx)
    return evaluate(check, frame) if len(frame) else np.zeros(0, bool)


@dataclass(frozen=True)
class Outcome:
    """What evaluating one rule on one dataset gave: a finding or none, or the exception that stopped it
    (DomainNotFound, Unsupported or an engine error), and the seconds it took."""
    finding: Finding | None
    error: Exception | None
    seconds: float


def evaluate_pair(rule: Rule, ds: Dataset, package: Package, limit: int = MAX_RECORDS,
                  cache: RunCache | None = None) -> Outcome:
    """Run `rule` on `ds`, its exception kept as part of the outcome."""
    start = time.perf_counter()
    try:
        finding, error = run_rule_on(rule, ds, package, limit, cache), None
    except Exception as exc:  # noqa: BLE001 - the rule's status reports it (run_rule)
        finding, error = None, exc
    return Outcome(finding, error, time.perf_counter() - start)


def run_rule(rule: Rule, package: Package, limit: int = MAX_RECORDS, cache: RunCache | None = None,
             known: dict[str, Outcome] | None = None) -> tuple[list[Finding], RuleStatus]:
    """Execute one rule on every dataset in its scope, in package order (`known`: outcomes on some of them worked
    out before, by dataset name). An engine error or an unsupported feature skips the whole rule; a Domain
    Presence Check stops at its first finding."""
    cache = cache or RunCache()
    known = known or {}
    start = time.perf_counter()
    findings: list[Finding] = []
    targets = [ds for ds in package.datasets.values() if in_scope(rule, ds)]
    earlier = 0.0  # the seconds of the outcomes worked out before

    def status(state: str, reason: str) -> RuleStatus:
        return RuleStatus(rule=rule.id, status=state, description=rule.description, authority=authority(rule),
                          severity=SEVERITY, findings=sum(f.count for f in findings), reason=reason,
                          seconds=time.perf_counter() - start + earlier)

    not_found: dict[str, str] = {}  # dataset -> the domain an operation reads that the package lacks
    for ds in targets:
        if ds.name in known:
            outcome = known[ds.name]
            earlier += outcome.seconds
        else:
            outcome = evaluate_pair(rule, ds, package, limit, cache)
        if isinstance(outcome.error, DomainNotFound):
            not_found[ds.name] = str(outcome.error)
        elif isinstance(outcome.error, Unsupported):
            return [], status("skipped", str(outcome.error))
        elif outcome.error is not None:
            exc = outcome.error
            return [], status("skipped", f"engine error on {ds.name}: {type(exc).__name__}: {exc}")
        elif outcome.finding is not None:
            findings.append(outcome.finding)
            if rule.rule_type == "Domain Presence Check":
                break
    if not_found:
        state = "skipped" if len(not_found) == len(targets) else "executed"
        return findings, status(state, domain_not_found(not_found))
    return findings, status("executed", "" if targets else "no dataset in scope")


def domain_not_found(not_found: dict[str, str]) -> str:
    """The reason a rule was not evaluated on some datasets: the domains its operations read are absent."""
    missing = ", ".join(sorted(set(not_found.values())))
    return f"operation domain {missing} not in the package: not evaluated on {', '.join(sorted(not_found))}"


def authority(rule: Rule) -> str:
    """Who publishes the rule and the conformance ids it implements."""
    return "CDISC CORE" + (f" ({', '.join(rule.references)})" if rule.references else "")


def run_core(package: Package, rules: Iterable[Rule] | None = None, *, limit: int = MAX_RECORDS,
             started: CoreRun | None = None) -> tuple[list[Finding], list[RuleStatus]]:
    """Run the CORE rules (all vendored SDTMIG 3.4 rules by default) on a package; findings sorted by rule and
    dataset, and the status of every rule. `started`: a run that was given some of the package's datasets as they
    were made (its rules and limit are the ones that count)."""
    run = started or CoreRun(rules, limit=limit)
    for ds in package.datasets.values():
        if ds.name not in run.given:
            run.add(ds)
    findings: list[Finding] = []
    statuses: list[RuleStatus] = []
    for n, rule in enumerate(run.rules):
        found, status = run_rule(rule, package, run.limit, run.cache, run.outcomes.get(n))
        findings.extend(found)
        statuses.append(status)
    findings.sort(key=lambda f: (f.rule, f.dataset))
    return findings, statuses


class NotYetGiven(BaseException):
    """An evaluation asked for a dataset a `CoreRun` has not been given (`name`), or for all of them (None). A
    BaseException: no handler of the engine's takes it for a rule's own error."""

    def __init__(self, name: str | None) -> None:
        super().__init__(name)
        self.name = name


class _Given(Mapping[str, Dataset]):
    """The datasets given so far, as a package's datasets: asking for another, or for all of them, raises
    NotYetGiven."""

    def __init__(self, given: dict[str, Dataset]) -> None:
        self._given = given

    def __getitem__(self, name: str) -> Dataset:
        if name not in self._given:
            raise NotYetGiven(name)
        return self._given[name]

    def __iter__(self) -> Iterator[str]:
        raise NotYetGiven(None)

    def __len__(self) -> int:
        raise NotYetGiven(None)


class CoreRun:
    """The CORE rules worked out on a package's datasets as they are made, each (rule, dataset) pair as soon as
    the datasets given so far decide it. A pair that asks for a dataset not given yet waits for it; one that asks
    for all of them (a Domain Presence Check, a list of the study's domains) waits for `run_core`, which works
    out the rest on the whole package and reports exactly what a run on the whole package reports."""

    def __init__(self, rules: Iterable[Rule] | None = None, *, limit: int = MAX_RECORDS) -> None:
        self.rules = list(rules) if rules is not None else list(load_rules())
        self.limit = limit
        self.cache = RunCache()
        self.given: dict[str, Dataset] = {}
        self.outcomes: dict[int, dict[str, Outcome]] = {}  # rule's position -> dataset name -> outcome
        self._package = Package(Path(), "SDTMIG", _Given(self.given))  # type: ignore[arg-type]
        self._waiting: dict[str, list[tuple[int, Dataset]]] = {}  # dataset asked for -> the pairs waiting for it

    def add(self, ds: Dataset) -> None:
        """Take a finished dataset and work out the pairs it decides: its own, and those that waited for it."""
        self.given[ds.name] = ds
        self.cache.planned.update(planned_merges(self.rules, [ds]))
        self.cache.reads.update(merge_reads(self.rules, [ds]))
        in_it = [(n, ds) for n, rule in enumerate(self.rules) if in_scope(rule, ds)]
        for n, target in in_it + self._waiting.pop(ds.name, []):
            self._try(n, target)

    def _try(self, n: int, ds: Dataset) -> None:
        try:
            outcome = evaluate_pair(self.rules[n], ds, self._package, self.limit, self.cache)
        except NotYetGiven as missing:
            if missing.name is not None:
                self._waiting.setdefault(missing.name, []).append((n, ds))
            return
        self.outcomes.setdefault(n, {})[ds.name] = outcome


