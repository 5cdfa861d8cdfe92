"""CDISC's own CORE test cases: CORE-nnnnnn/{negative,positive}/NN/ folders, each a small package (one CSV per
dataset plus `_datasets.csv` and `_variables.csv`).

A negative case must raise its rule, a positive case must not.
"""
from __future__ import annotations

import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from cdisc.errors import PackageError
from cdisc.validate.core.engine import run_rule
from cdisc.validate.core.rules import Rule, load_rules
from cdisc.validate.package import Dataset, Package, Variable, normalise


@dataclass(frozen=True)
class CaseResult:
    case: str  # CORE-000001/negative/01
    rule: str
    expected: bool  # the rule must raise (negative case)
    raised: bool
    status: str  # executed | skipped
    reason: str

    @property
    def right(self) -> bool:
        return self.status == "executed" and self.raised == self.expected


@contextmanager
def case_root(source: str | Path) -> Iterator[Path]:
    """The folder holding CORE-nnnnnn case folders: `source` itself, or a .tar.xz of it unpacked."""
    source = Path(source)
    if source.is_dir():
        yield source
        return
    with tempfile.TemporaryDirectory() as tmp, tarfile.open(source) as tar:
        tar.extractall(tmp, filter="data")
        roots = [p for p in Path(tmp).iterdir() if p.is_dir()]
        yield roots[0] if len(roots) == 1 and not roots[0].name.startswith("CORE-") else Path(tmp)


def case_folders(root: Path) -> list[Path]:
    """Every case folder under root, in rule and case order."""
    return sorted(p for p in root.glob("CORE-*/*/*") if p.parent.name in ("negative", "positive"))


def run_case(folder: Path, rules: dict[str, Rule] | None = None) -> CaseResult:
    """Run a case's rule on the case's package."""
    rules = rules or {r.id: r for r in load_rules()}
    rule_id, kind, number = folder.parts[-3], folder.parts[-2], folder.parts[-1]
    case = f"{rule_id}/{kind}/{number}"
    expected = kind == "negative"
    rule = rules.get(rule_id)
    if rule is None:
        return CaseResult(case, rule_id, expected, False, "skipped", "rule not vendored")
    findings, status = run_rule(rule, read_core_case(folder))
    return CaseResult(case, rule_id, expected, bool(findings), status.status, status.reason)


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
            Variable(name=col, label=getattr(meta.get(col), "label", "") or "",
                     type="Num" if str(getattr(meta.get(col), "type", "Char")).strip().lower() == "num" else "Char",
                     length=_int(getattr(meta.get(col), "length", 0)))
            for col in df.columns)
        name = stem.upper()
        datasets[name] = Dataset(name, label, str(path), variables, normalise(df, variables), path.stat().st_size)
    defines = sorted(data.glob("*.xml"))
    return Package(folder, "SDTMIG", dict(sorted(datasets.items())), None, defines[0] if defines else None)


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
