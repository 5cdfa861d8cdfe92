"""A dataset package: SDTM datasets as DataFrames plus their dataset and variable metadata.

Character values are Python strings with nulls as ""; numeric variables are float64 with NaN.
Two readers: a folder of XPT v5 files, and a CDISC CORE test case folder (CSV per dataset plus
`_datasets.csv` and `_variables.csv`).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd

from cdisc.errors import PackageError


@dataclass(frozen=True)
class Variable:
    """Variable metadata as stored in the file (name, label, Char/Num, length in bytes)."""

    name: str
    label: str
    type: str
    length: int


@dataclass(frozen=True)
class Dataset:
    """One dataset: its name (upper case, file stem), label, file, variables in file order and data."""

    name: str
    label: str
    path: str
    variables: tuple[Variable, ...]
    data: pd.DataFrame
    size: int = 0

    @cached_property
    def domain(self) -> str:
        """The DOMAIN value (first record), else RDOMAIN-less name: SUPPxx, RELREC... keep their name."""
        if "DOMAIN" in self.data.columns and len(self.data):
            value = str(self.data["DOMAIN"].iloc[0]).strip()
            if value:
                return value.upper()
        return self.name


@dataclass(frozen=True)
class Package:
    """All datasets of a submission, keyed by upper-case dataset name, in name order."""

    datasets: dict[str, Dataset]
    define_xml: str | None = None

    @property
    def records(self) -> int:
        return sum(len(d.data) for d in self.datasets.values())


def _normalise(df: pd.DataFrame, variables: tuple[Variable, ...]) -> pd.DataFrame:
    """Char columns as object strings with "" for null; Num columns as float64."""
    types = {v.name: v.type for v in variables}
    out = {}
    for col in df.columns:
        if types.get(col, "Char") == "Num":
            out[col] = pd.to_numeric(df[col], errors="coerce").astype("float64")
        else:
            s = df[col]
            out[col] = s.astype(object).where(s.notna(), "").astype(str).to_numpy(dtype=object)
    return pd.DataFrame(out, index=pd.RangeIndex(len(df)))


def read_xpt_folder(folder: str | Path) -> Package:
    """Read every `*.xpt` file of `folder` (XPT v5) into a Package."""
    import pyreadstat

    folder = Path(folder)
    if not folder.is_dir():
        raise PackageError(f"{folder}: not a folder; pass the folder holding the SDTM .xpt files")
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() == ".xpt")
    if not files:
        raise PackageError(f"{folder}: no .xpt files found")
    datasets = {}
    for path in files:
        try:
            df, meta = pyreadstat.read_xport(str(path))
        except Exception as exc:  # pyreadstat raises its own and OS errors alike
            raise PackageError(f"{path}: not a readable XPT file ({exc})") from None
        variables = tuple(
            Variable(
                name=col,
                label=meta.column_names_to_labels.get(col) or "",
                type="Num" if meta.readstat_variable_types.get(col) == "double" else "Char",
                length=int(meta.variable_storage_width.get(col) or 0),
            )
            for col in meta.column_names
        )
        name = path.stem.upper()
        datasets[name] = Dataset(
            name, meta.file_label or "", str(path), variables, _normalise(df, variables), path.stat().st_size
        )
    define = folder / "define.xml"
    return Package(datasets, str(define) if define.exists() else None)


def _int(value: object) -> int:
    """A length as written in _variables.csv; 0 when it is not a number (some cases have shifted rows)."""
    try:
        return int(float(str(value)))
    except ValueError:
        return 0


def _read_csv(path: Path) -> pd.DataFrame:
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise PackageError(f"{path}: not a readable CSV file ({exc})") from None


def read_core_case(folder: str | Path) -> Package:
    """Read a CORE test case: `data/` (or `folder` itself) with one CSV per dataset, `_datasets.csv`
    (Filename, Label) and `_variables.csv` (dataset, variable, label, type, length)."""
    folder = Path(folder)
    data = folder / "data" if (folder / "data").is_dir() else folder
    if not (data / "_datasets.csv").is_file() or not (data / "_variables.csv").is_file():
        raise PackageError(f"{folder}: not a CORE test case (no _datasets.csv and _variables.csv)")
    labels = {r.Filename.strip().lower(): r.Label for r in _read_csv(data / "_datasets.csv").itertuples()}
    var_table = _read_csv(data / "_variables.csv")
    var_table.columns = [c.strip().lower() for c in var_table.columns]
    datasets = {}
    for stem, label in labels.items():
        path = data / f"{stem}.csv"
        if not path.is_file():
            continue
        df = _read_csv(path)
        df.columns = [c.strip() for c in df.columns]
        rows = var_table[var_table["dataset"].str.lower() == stem]
        meta = {r.variable: r for r in rows.itertuples()}
        variables = tuple(
            Variable(
                name=col,
                label=getattr(meta.get(col), "label", "") or "",
                type="Num" if str(getattr(meta.get(col), "type", "Char")).strip().lower() == "num" else "Char",
                length=_int(getattr(meta.get(col), "length", 0)),
            )
            for col in df.columns
        )
        name = stem.upper()
        datasets[name] = Dataset(name, label, str(path), variables, _normalise(df, variables), path.stat().st_size)
    defines = sorted(data.glob("*.xml"))
    return Package(datasets, str(defines[0]) if defines else None)
