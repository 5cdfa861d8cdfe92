"""CDISC's own CORE test cases: CORE-nnnnnn/{negative,positive}/NN/ folders, each a small package.

A negative case must raise its rule, a positive case must not.
"""
from __future__ import annotations

import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from cdisc.validate.core.engine import run_rule
from cdisc.validate.core.package import read_core_case
from cdisc.validate.core.rules import Rule, load_rules


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
