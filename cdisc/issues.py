"""`Issue`: one data problem, located precisely enough for a user to fix it."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

MAX_LISTED = 50


@dataclass(frozen=True)
class Issue:
    """A data problem.

    `where` names the place: a raw file (`ae.csv`), a dataset (`AE`) or a spec sheet. `row` is the 1-based
    data row (header not counted) or a record key; `value` is the offending value as read.
    """

    severity: str  # "error" | "warning"
    code: str
    where: str
    message: str
    variable: str = ""
    row: str = ""
    value: str = ""
    count: int = 1  # records this issue stands for (0: another record of the issue before it)

    def __str__(self) -> str:
        loc = self.where
        if self.variable:
            loc += f", column {self.variable}"
        if self.row:
            loc += f", row {self.row}"
        val = f", value {self.value!r}" if self.value != "" else ""
        return f"[{self.severity}] {self.code}: {loc}{val}: {self.message}"

    def as_dict(self) -> dict[str, str]:
        return {
            "severity": self.severity,
            "code": self.code,
            "where": self.where,
            "variable": self.variable,
            "row": self.row,
            "value": self.value,
            "count": str(self.count),
            "message": self.message,
        }


def errors(issues: Iterable[Issue]) -> list[Issue]:
    return [i for i in issues if i.severity == "error"]


def format_issues(issues: Iterable[Issue], limit: int = MAX_LISTED) -> str:
    issues = list(issues)
    lines = [f"  {i}" for i in issues[:limit]]
    if len(issues) > limit:
        lines.append(f"  ... and {len(issues) - limit} more (see the report)")
    return "\n".join(lines)

