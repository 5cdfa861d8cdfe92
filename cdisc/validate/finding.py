"""What a validation reports: one `Finding` per rule and dataset (never one per record), and the status of each
rule that was considered (`RuleStatus`), so a report shows what ran, what was skipped and why.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from cdisc.issues import Issue

SEVERITIES = ("error", "warning", "notice")
MAX_RECORDS = 10


@dataclass(frozen=True)
class Finding:
    """A rule broken in one dataset. `records` are the first offending records: their keys (USUBJID and --SEQ,
    or the record number) and the values of `variables`."""

    rule: str
    severity: str
    dataset: str
    message: str
    count: int
    variables: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    records: tuple[dict[str, str], ...] = ()
    explanation: str = ""  # the sponsor's reason, from an explanations file: reported, never failing

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class RuleStatus:
    """A rule that was considered: `executed` with its findings count, or `skipped` with the reason."""

    rule: str
    status: str  # "executed" | "skipped"
    description: str = ""
    authority: str = ""
    severity: str = "error"
    findings: int = 0
    reason: str = ""
    seconds: float = 0.0


@dataclass(frozen=True)
class ValidationResult:
    """Everything one validated package yields."""

    package: str
    standard: str
    datasets: dict[str, int]  # dataset -> record count
    findings: tuple[Finding, ...]
    rules: tuple[RuleStatus, ...] = field(default=())

    def count(self, severity: str) -> int:
        return sum(1 for f in self.findings if f.severity == severity)

    def at_or_above(self, severity: str) -> list[Finding]:
        """Unexplained findings at `severity` or more severe ("never" -> none)."""
        if severity == "never":
            return []
        rank = SEVERITIES.index(severity)
        return [f for f in self.findings if SEVERITIES.index(f.severity) <= rank and not f.explanation]

    def explained(self) -> list[Finding]:
        return [f for f in self.findings if f.explanation]


def plain(value: object) -> object:
    """A value as a report shows it: numpy scalars as Python ones, a missing number as None, a list cut to 50."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and value != value:  # NaN
        return None
    if isinstance(value, list | tuple | set):
        return list(value)[:50]
    return value


def first_records(df: pd.DataFrame, mask: np.ndarray, columns: list[str]) -> tuple[dict[str, object], ...]:
    """The first MAX_RECORDS records where `mask` is true: their 1-based record number and `columns`."""
    shown = df.loc[mask, columns].head(MAX_RECORDS)
    return tuple({"row": int(i) + 1, **{c: plain(v) for c, v in row.items()}}
                 for i, row in zip(shown.index, shown.to_dict("records"), strict=True))


def findings_from_issues(issues: Iterable[Issue], references: dict[str, tuple[str, ...]] | None = None
                         ) -> list[Finding]:
    """Merge `Issue`s (expectation suites, cross-dataset rules, schema checks) into findings, one per rule,
    dataset and variable; each issue's row and value become a record."""
    grouped: dict[tuple[str, str, str, str], list[Issue]] = {}
    for issue in issues:
        grouped.setdefault((issue.code, issue.where, issue.variable, issue.severity), []).append(issue)
    out = []
    for (code, where, variable, severity), group in grouped.items():
        records = tuple({"row": i.row, **({variable: i.value} if variable else {"value": i.value})}
                        for i in group if i.row or i.value)[:MAX_RECORDS]
        message = "; ".join(dict.fromkeys(i.message for i in group))
        out.append(Finding(rule=code, severity=severity, dataset=where, message=message,
                           count=sum(i.count for i in group), variables=(variable,) if variable else (),
                           references=(references or {}).get(code, ()), records=records))
    return out
