"""A package to validate: the datasets of one folder (XPT v5, or Dataset-JSON 1.1 when there is no XPT) with
their dataset and variable metadata as stored in the files, the standard (given, or detected from the datasets)
and the define.xml (given, or the one in the folder).

Character values are Python strings with "" for null; numeric variables are float64 with NaN. The CORE engine,
the define-driven suites, `cdisc define` and `cdisc convert` all read packages through `read_package`.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from cdisc.algorithms import is_python_text, python_text
from cdisc.datasetjson import Column, read_dataset_json
from cdisc.define.build import text_length
from cdisc.errors import PackageError
from cdisc.spec.define_xml import load_define
from cdisc.spec.model import Spec
from cdisc.transport import complete_transport, read_transport

DATASET_NAME = re.compile(r"[A-Z][A-Z0-9_]{0,7}")
STANDARD_CHOICES = {"sdtmig-3.4": "SDTMIG", "adamig-1.3": "ADaMIG"}
NUMERIC_JSON_TYPES = ("integer", "decimal", "float", "double")


@dataclass(frozen=True)
class Variable:
    """Variable metadata as stored in the file (name, label, Char/Num, length in bytes)."""

    name: str
    label: str
    type: str
    length: int


@dataclass(frozen=True)
class Dataset:
    """One dataset: its name (upper case), label, file, variables in file order and data."""

    name: str
    label: str
    path: str
    variables: tuple[Variable, ...]
    data: pd.DataFrame
    size: int = 0

    @cached_property
    def domain(self) -> str:
        """The DOMAIN value (first record), else the dataset name (SUPPxx, RELREC, ADaM datasets)."""
        if "DOMAIN" in self.data.columns and len(self.data):
            value = str(self.data["DOMAIN"].iloc[0]).strip()
            if value:
                return value.upper()
        return self.name


@dataclass(frozen=True)
class Package:
    """All datasets of a submission, keyed by upper-case dataset name, in name order."""

    folder: Path
    standard: str  # "SDTMIG" | "ADaMIG"
    datasets: dict[str, Dataset]
    define: Spec | None = None
    define_path: Path | None = None

    @property
    def frames(self) -> dict[str, pd.DataFrame]:
        return {name: ds.data for name, ds in self.datasets.items()}

    @property
    def records(self) -> int:
        return sum(len(d.data) for d in self.datasets.values())


def dataset_from_frame(name: str, label: str, frame: pd.DataFrame, labels: dict[str, str]) -> Dataset:
    """A dataset held in memory, with the metadata its XPT file gets (numbers 8 bytes, text its longest value).
    A finished dataset (`cdisc.finalize`: numbers float64, text Python strings) is taken as it is."""
    variables = tuple(_variable(c, labels.get(c, ""), frame[c]) for c in frame.columns)
    data = frame if _normal(frame, variables) else normalise(frame, variables)
    return Dataset(name, label, f"{name.lower()}.xpt", variables, data)


def _variable(name: str, label: str, column: pd.Series) -> Variable:
    """A column's XPT metadata: a number 8 bytes, text as long as its longest value (nulls left out; a finished
    text column has none)."""
    if pd.api.types.is_numeric_dtype(column):
        return Variable(name, label, "Num", 8)
    return Variable(name, label, "Char", text_length(column if is_python_text(column) else column.dropna()))


def _normal(df: pd.DataFrame, variables: tuple[Variable, ...]) -> bool:
    """Whether `normalise` would give `df` back: Num columns float64, Char columns Python strings only, records
    numbered from 0."""
    types = {v.name: v.type for v in variables}
    return df.index.equals(pd.RangeIndex(len(df))) and all(
        df[c].dtype == np.float64 if types.get(c, "Char") == "Num" else is_python_text(df[c]) for c in df.columns)


def package_from_spec(folder: Path, spec: Spec, data: dict[str, pd.DataFrame]) -> Package:
    """The datasets a run is about to write, as the package `cdisc validate` will read from `folder`."""
    return spec_package(folder, spec, [dataset_from_spec(spec, name, frame) for name, frame in data.items()])


def dataset_from_spec(spec: Spec, name: str, frame: pd.DataFrame) -> Dataset:
    """A finished dataset of a run, with the labels its spec gives."""
    return dataset_from_frame(name, spec.dataset(name).label, frame, {v.name: v.label for v in spec.variables_of(name)})


def spec_package(folder: Path, spec: Spec, datasets: Iterable[Dataset]) -> Package:
    """A run's datasets as the package of the spec's standard `cdisc validate` will read from `folder` (with its
    define.xml)."""
    return Package(Path(folder), spec.standard, {ds.name: ds for ds in sorted(datasets, key=lambda ds: ds.name)},
                   spec, Path(folder) / "define.xml")


def read_package(folder: Path, define: Path | None = None, standard: str = "auto") -> Package:
    """Read every dataset of `folder` (an XPT, or Dataset-JSON for a dataset without an XPT of the same name); raises
    `PackageError` naming the file for anything unreadable."""
    folder = Path(folder)
    if not folder.is_dir():
        raise PackageError(f"{folder} is not a folder")
    xpts = sorted(p for p in folder.iterdir() if p.suffix.lower() == ".xpt")
    stems = {p.stem.lower() for p in xpts}
    jsons = sorted(p for p in folder.iterdir() if p.suffix.lower() in (".json", ".ndjson")
                   and p.stem.lower() not in stems and not p.is_dir() and _is_dsj(p))
    if not xpts and not jsons:
        raise PackageError(f"{folder}: no datasets (.xpt, or Dataset-JSON .json/.ndjson)")
    datasets = {}
    for path in [*xpts, *jsons]:
        ds = read_xpt(path) if path.suffix.lower() == ".xpt" else _read_json(path)
        if not DATASET_NAME.fullmatch(ds.name):  # it names output files: nothing may lead outside the folder
            raise PackageError(f"{path.name}: dataset name {ds.name!r} is not 1-8 letters, digits or _")
        if ds.name != path.stem.upper():  # ae.xpt holding DM would stand for DM, and AE would be missing
            raise PackageError(f"{path.name} holds dataset {ds.name}: a dataset's file is named after it "
                               f"({ds.name.lower()}{path.suffix.lower()})")
        if ds.name in datasets:  # dm.xpt and DM.XPT: one would silently hide the other
            raise PackageError(f"{Path(datasets[ds.name].path).name} and {path.name} both hold dataset {ds.name}")
        datasets[ds.name] = ds
    define_path = define or (folder / "define.xml" if (folder / "define.xml").exists() else None)
    spec = load_define(define_path) if define_path else None
    return Package(folder, _standard(standard, datasets, spec), dict(sorted(datasets.items())), spec, define_path)


def read_xpt(path: Path) -> Dataset:
    """One XPT v5 file with the variable metadata it stores."""
    import pyreadstat

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PackageError(f"{path.name}: cannot be read ({exc.strerror})") from None
    complete_transport(data, path.name)
    try:
        frame, meta = pyreadstat.read_xport(str(path), disable_datetime_conversion=True)
    except Exception as exc:  # pyreadstat raises its own (untyped) errors for damaged files
        read_transport(path)  # the project's reader names the column, row and value where it can
        raise PackageError(f"{path.name}: unreadable XPT ({exc})") from None
    variables = tuple(Variable(name=col, label=meta.column_names_to_labels.get(col) or "",
                               type="Num" if meta.readstat_variable_types.get(col) == "double" else "Char",
                               length=int(meta.variable_storage_width.get(col) or 0))
                      for col in meta.column_names)
    name = (meta.table_name or path.stem).upper()
    return Dataset(name, meta.file_label or "", str(path), variables, normalise(frame, variables),
                   path.stat().st_size)


def _read_json(path: Path) -> Dataset:
    meta, frame = read_dataset_json(path)
    variables = tuple(Variable(c.name, c.label, "Num" if _numeric(c) else "Char", c.length or 8)
                      for c in meta.columns)
    return Dataset(meta.name.upper(), meta.label, str(path), variables, normalise(frame, variables),
                   path.stat().st_size)


def _numeric(column: Column) -> bool:
    """A number in the transport file: a numeric dataType, or an ISO date/time whose targetDataType is a number
    (an ADaM SAS date, read as its day or second count)."""
    return column.data_type in NUMERIC_JSON_TYPES or column.target_data_type in NUMERIC_JSON_TYPES


def normalise(df: pd.DataFrame, variables: tuple[Variable, ...]) -> pd.DataFrame:
    """Char columns as object strings with "" for null; Num columns as float64. A column already so (a finished
    dataset of a run) is taken as it is."""
    types = {v.name: v.type for v in variables}
    out = {}
    for col in df.columns:
        column = df[col]
        if types.get(col, "Char") == "Num":
            numbers = column if column.dtype == "float64" else pd.to_numeric(column, errors="coerce")
            out[col] = numbers.astype("float64")
        else:
            out[col] = column if is_python_text(column) else python_text(column)
    return pd.DataFrame(out, index=pd.RangeIndex(len(df)))


def _is_dsj(path: Path) -> bool:
    """A .json or .ndjson file of the folder that is Dataset-JSON (a study summary beside the datasets is not): its
    datasetJSONVersion is usually in its first 4 KB; else the whole document (NDJSON: its first line, the metadata)
    is read to look for it. A file that is no JSON at all (cut short, UTF-16, empty) is taken as one, to be refused
    by the reader, rather than passed over without a word with the dataset it may hold."""
    try:
        with path.open("rb") as fh:
            head = fh.read(4096)
            if b"datasetJSONVersion" in head:
                return True
            fh.seek(0)
            document = fh.readline() if path.suffix.lower() == ".ndjson" else fh.read()
    except OSError as exc:  # a link to nowhere, no permission
        raise PackageError(f"{path.name}: cannot be read ({exc.strerror})") from None
    try:
        document = json.loads(document)
    except ValueError:
        return True
    return isinstance(document, dict) and "datasetJSONVersion" in document


def _standard(choice: str, datasets: dict[str, Dataset], define: Spec | None) -> str:
    if choice != "auto":
        return STANDARD_CHOICES[choice]
    if define is not None:
        return define.standard
    return "ADaMIG" if "ADSL" in datasets or all(n.startswith("AD") for n in datasets) else "SDTMIG"
