"""CORE Operations: values computed before the Check (distinct, record counts, min/max dates, study day,
library metadata...), stored in the evaluation frame under their `$id`."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from cdisc.distinct import by_distinct, distinct_rows, text_extreme
from cdisc.validate.core import library
from cdisc.validate.core.operators import DomainNotFound, Frame, GroupedSet, MissingColumn, Unsupported, _text
from cdisc.validate.package import Dataset, Package


@dataclass(frozen=True)
class Context:
    """What an operation may look at: the whole package, the dataset in hand and its class."""

    package: Package
    dataset: Dataset
    domain: str
    cls: str


def find_dataset(package: Package, domain: str, current: Dataset) -> Dataset | None:
    """The dataset of a domain (by name first, then DOMAIN value); SUPP-- means the current SUPP dataset."""
    if domain in ("SUPP--", "SUPP") or domain.endswith("--"):
        return current
    if domain in package.datasets:
        return package.datasets[domain]
    return next((d for d in package.datasets.values() if d.domain == domain), None)


def _source(op: dict[str, Any], frame: Frame, ctx: Context) -> pd.DataFrame:
    domain = op.get("domain")
    if not domain:
        return frame.df
    ds = find_dataset(ctx.package, str(domain).upper(), ctx.dataset)
    if ds is None:
        raise DomainNotFound(str(domain).upper())
    return frame.df if ds is ctx.dataset else ds.data


def _filtered(df: pd.DataFrame, flt: dict[str, Any] | None) -> pd.DataFrame:
    if not flt:
        return df
    mask = np.ones(len(df), bool)
    for col, want in flt.items():
        if col not in df.columns:
            return df.iloc[0:0]
        text = _text(df[col])
        want = str(want)
        if want.endswith(("&", "%")):
            mask &= text.str.startswith(want[:-1]).to_numpy(bool)
        else:
            mask &= (text == want).to_numpy(bool)
    return df[mask]


def _group_columns(op: dict[str, Any], frame: Frame) -> list[str]:
    cols: list[str] = []
    for g in op.get("group") or ():
        value = frame.values.get(g)
        cols.extend(value if isinstance(value, list) else [g])
    return cols


def _merge_back(frame: Frame, table: pd.DataFrame, keys: list[str], aliases: list[str], value: str,
                fill: Any) -> pd.Series:
    """Map a per-group result back onto the frame's records by the (aliased) group keys."""
    left_keys = [aliases[i] if i < len(aliases) else k for i, k in enumerate(keys)]
    for k in left_keys:
        if k not in frame.df.columns:
            raise MissingColumn(k)
    probe = pd.MultiIndex.from_arrays([_text(frame.df[k]) for k in left_keys])
    index = pd.MultiIndex.from_arrays([_text(table[k]) for k in keys])
    series = pd.Series(table[value].to_numpy(), index=index)
    series = series[~series.index.duplicated()]
    out = series.reindex(probe)
    return pd.Series(out.to_numpy(), index=frame.df.index).where(out.notna().to_numpy(), fill)


def distinct(op: dict[str, Any], frame: Frame, ctx: Context) -> Any:
    df = _filtered(_source(op, frame, ctx), op.get("filter"))
    name = op["name"]
    if name not in df.columns:
        return []
    if op.get("value_is_reference"):
        return _existing_references(df, name, ctx)
    keys = _group_columns(op, frame)
    if not keys:
        values = df[name]
        return sorted(set(values[~_null(values)].tolist()), key=str)
    aliases = list(op.get("group_aliases") or [])
    left_keys = [aliases[i] if i < len(aliases) else k for i, k in enumerate(keys)]
    table = df[~_null(df[name])]
    index = pd.MultiIndex.from_arrays([_text(table[k]) for k in keys] + [_text(table[name])])
    return GroupedSet(left_keys, index)


def _null(s: pd.Series) -> np.ndarray:
    return s.isna().to_numpy() if s.dtype.kind in "fiu" else (s.astype(str) == "").to_numpy()


def _existing_references(df: pd.DataFrame, name: str, ctx: Context) -> GroupedSet:
    """(RDOMAIN, variable) pairs whose variable exists in the RDOMAIN dataset."""
    pairs = set()
    rdomain = df["RDOMAIN"] if "RDOMAIN" in df.columns else pd.Series([ctx.domain] * len(df))
    for dom, var in set(zip(_text(rdomain), _text(df[name]), strict=True)):
        ds = find_dataset(ctx.package, dom, ctx.dataset) if dom else None
        if ds is not None and var in ds.data.columns:
            pairs.add((dom, var))
    index = pd.MultiIndex.from_tuples(sorted(pairs)) if pairs else pd.MultiIndex.from_arrays([[], []])
    return GroupedSet(["RDOMAIN"], index)


def record_count(op: dict[str, Any], frame: Frame, ctx: Context) -> Any:
    df = _filtered(_source(op, frame, ctx), op.get("filter"))
    keys = _group_columns(op, frame)
    if not keys:
        return len(df)
    for k in keys:
        if k not in df.columns:
            raise MissingColumn(k)
    grouped = pd.DataFrame({k: _grouping_text(df[k], op.get("regex")) for k in keys})
    if df is frame.df and not op.get("group_aliases"):  # the frame's own records: each one's group size
        return _group_sizes(grouped)
    counts = grouped.groupby(keys, sort=False).size().rename("_n").reset_index()
    left = pd.DataFrame({k: _grouping_text(frame.column(k), op.get("regex"))
                         for k in (list(op.get("group_aliases") or []) or keys)}, index=frame.df.index)
    probe = Frame(left)
    return _merge_back(probe, counts, keys, list(op.get("group_aliases") or []), "_n", 0).astype(float)


def _group_sizes(grouped: pd.DataFrame) -> pd.Series:
    """Per record, how many records share its values (text without nulls, `_grouping_text`), as floats, as
    `record_count` gives them; the rows grouped by their columns' codes (a finished column's are known)."""
    codes, _ = distinct_rows(grouped)
    return pd.Series(np.bincount(codes)[codes].astype(float), index=grouped.index)


def _grouping_text(s: pd.Series, regex: str | None) -> pd.Series:
    """The values as text; with `regex`, the part of each that matches it (the whole text where none does), worked
    out once per distinct value."""
    text = _text(s)
    return by_distinct(text, lambda distinct: _matched_part(distinct, regex)) if regex else text


def _matched_part(text: pd.Series, regex: str) -> pd.Series:
    part = text.str.extract(f"({regex})", expand=False)
    if isinstance(part, pd.DataFrame):
        part = part.iloc[:, 0]
    return part.fillna(text)


def _extreme_date(kind: str) -> Callable[[dict[str, Any], Frame, Context], Any]:
    def run(op: dict[str, Any], frame: Frame, ctx: Context) -> Any:
        df = _filtered(_source(op, frame, ctx), op.get("filter"))
        name = op["name"]
        if name not in df.columns:
            return ""
        text = _text(df[name])
        valid = text.str.match(r"^\d{4}").fillna(False)
        keys = _group_columns(op, frame)
        if not keys:
            values = text[valid]
            return "" if values.empty else (values.min() if kind == "min" else values.max())
        table = pd.DataFrame({k: _text(df[k]) for k in keys})[valid.to_numpy()]
        table["_d"] = text[valid].to_numpy()
        agg = text_extreme(table["_d"], [table[k] for k in keys], kind, sort=False).reset_index()
        return _merge_back(frame, agg, keys, list(op.get("group_aliases") or []), "_d", "")
    return run


def study_day(op: dict[str, Any], frame: Frame, ctx: Context) -> pd.Series:
    """--DY per the SDTMIG algorithm from the date portions of `name` and RFSTDTC; NaN when incomplete."""
    days = (_date_portion(frame.column(op["name"])) - _date_portion(frame.column("RFSTDTC"))).dt.days
    return (days + (days >= 0)).astype(float)


def _date_portion(values: pd.Series) -> pd.Series:
    """The first ten characters of each value's text as a date (NaT where they are none), once per distinct value."""
    return by_distinct(_text(values), lambda d: pd.to_datetime(d.str[:10], format="%Y-%m-%d", errors="coerce"))


def _library_list(fn: Callable[[Context, dict[str, Any]], list[str]]) -> Callable[[dict[str, Any], Frame, Context],
                                                                                 Any]:
    def run(op: dict[str, Any], frame: Frame, ctx: Context) -> Any:
        return fn(ctx, op)
    run.reads_records = False  # type: ignore[attr-defined]
    return run


def reads_records(operations: list[dict[str, Any]]) -> bool:
    """Whether any of the operations reads the evaluation frame (rather than the dataset, package or library)."""
    return any(getattr(OPERATIONS.get(str(op.get("operator"))), "reads_records", True) for op in operations)


def _core_variables(core: str) -> Callable[[Context, dict[str, Any]], list[str]]:
    def run(ctx: Context, op: dict[str, Any]) -> list[str]:
        return [v.name for v in library.ig_variables(ctx.domain) if v.core == core]
    return run


def _variable_count(op: dict[str, Any], frame: Frame, ctx: Context) -> int:
    name = str(op["name"])
    suffix = name[len(ctx.domain):] if name.startswith(ctx.domain) else name
    return sum(1 for d in ctx.package.datasets.values() if f"{d.domain}{suffix}" in d.data.columns)


def _extract_metadata(op: dict[str, Any], frame: Frame, ctx: Context) -> Any:
    return dataset_metadata(ctx.dataset).get(str(op["name"]), "")


def dataset_metadata(ds: Dataset) -> dict[str, Any]:
    return {"dataset_name": ds.name, "dataset_label": ds.label, "dataset_location": ds.path.rsplit("/", 1)[-1],
            "dataset_size": ds.size, "dataset_domain": ds.domain, "domain": ds.domain}


def _column_order_from_library(ctx: Context, op: dict[str, Any]) -> list[str]:
    variables = library.ig_variables(ctx.domain)
    if not variables:
        return library.model_variables(ctx.cls, ctx.domain)
    if op.get("key_name"):
        variables = tuple(v for v in variables if getattr(v, str(op["key_name"]), None) == op.get("key_value"))
    return [v.name for v in variables]


def _parent_model_order(ctx: Context, op: dict[str, Any]) -> list[str]:
    parent = ctx.dataset.name[4:] if ctx.dataset.name.startswith("SUPP") else ctx.domain
    cls = library.domains().get(parent, ("", ""))[0]
    return library.model_variables(cls, parent) if cls else []


def _dataset_filtered(ctx: Context, op: dict[str, Any]) -> list[str]:
    allowed = set(library.model_filtered_variables(ctx.cls, ctx.domain, str(op.get("key_name")),
                                                   str(op.get("key_value"))))
    return [c for c in ctx.dataset.data.columns if c in allowed]


def _codelist_terms(ctx: Context, op: dict[str, Any]) -> list[str]:
    pick = 0 if op.get("returntype") == "code" else 1
    return [t[pick] for cl in op.get("codelists") or () for t in library.ct_terms(str(cl))]


def _study_domains(ctx: Context, op: dict[str, Any]) -> list[str]:
    return sorted({d.domain for d in ctx.package.datasets.values()} | set(ctx.package.datasets))


OPERATIONS: dict[str, Callable[[dict[str, Any], Frame, Context], Any]] = {
    "distinct": distinct,
    "record_count": record_count,
    "min_date": _extreme_date("min"),
    "max_date": _extreme_date("max"),
    "dy": study_day,
    "domain_label": lambda op, frame, ctx: library.domains().get(ctx.domain, ("", ""))[1],
    "study_domains": _library_list(_study_domains),
    "dataset_names": _library_list(lambda ctx, op: sorted(ctx.package.datasets)),
    "required_variables": _library_list(_core_variables("Req")),
    "expected_variables": _library_list(_core_variables("Exp")),
    "variable_count": _variable_count,
    "domain_is_custom": lambda op, frame, ctx: ctx.domain not in library.domains()
    and not ctx.dataset.name.startswith("SUPP"),
    "extract_metadata": _extract_metadata,
    "get_column_order_from_dataset": _library_list(lambda ctx, op: list(ctx.dataset.data.columns)),
    "get_model_column_order": _library_list(lambda ctx, op: library.model_variables(ctx.cls, ctx.domain)),
    "get_parent_model_column_order": _library_list(_parent_model_order),
    "get_column_order_from_library": _library_list(_column_order_from_library),
    "get_model_filtered_variables": _library_list(
        lambda ctx, op: library.model_filtered_variables(ctx.cls, ctx.domain, str(op.get("key_name")),
                                                         str(op.get("key_value")))),
    "get_dataset_filtered_variables": _library_list(_dataset_filtered),
    "codelist_terms": _library_list(_codelist_terms),
    "variable_exists": lambda op, frame, ctx: str(op["name"]) in ctx.dataset.data.columns,
}


def run_operations(operations: list[dict[str, Any]], frame: Frame, ctx: Context) -> None:
    """Compute every operation in order into `frame.values[id]`."""
    for op in operations:
        fn = OPERATIONS.get(str(op.get("operator")))
        if fn is None:
            raise Unsupported(f"operation {op.get('operator')!r} is not implemented")
        frame.values[str(op["id"])] = fn(op, frame, ctx)
