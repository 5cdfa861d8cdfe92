"""Results of a CORE rule run: findings and per-rule status, shared by the engine, reports and the CLI."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

RECORD_LIMIT = 10


@dataclass(frozen=True)
class Finding:
    """One CORE rule raised on one dataset.

    `records` holds the first offending records (at most RECORD_LIMIT): each a dict with the record number
    (`row`, 1-based), USUBJID and --SEQ when the dataset has them, and the values of `variables`.
    """

    rule: str
    references: tuple[str, ...]
    severity: str
    dataset: str
    variables: tuple[str, ...]
    count: int
    message: str
    records: tuple[dict[str, object], ...] = ()


@dataclass(frozen=True)
class RuleStatus:
    """Whether a rule ran: `executed`, or `skipped` with the reason (for the whole rule or one dataset)."""

    rule: str
    status: Literal["executed", "skipped"]
    reason: str = ""
    seconds: float = 0.0
    dataset: str = ""


@dataclass(frozen=True)
class ValidationResult:
    """Everything a run produced: findings (sorted by rule, dataset) and the status of every rule."""

    findings: tuple[Finding, ...]
    statuses: tuple[RuleStatus, ...]
    seconds: float = 0.0
    records: int = 0
    datasets: tuple[str, ...] = field(default=())

    def skipped(self) -> tuple[RuleStatus, ...]:
        """Statuses of rules (or rule/dataset pairs) that did not run."""
        return tuple(s for s in self.statuses if s.status == "skipped")
