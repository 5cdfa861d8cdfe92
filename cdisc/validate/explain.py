"""Explained findings: what a sponsor knows about its own package and tells the reviewer (the issues table of
the Study Data Reviewer's Guide). An explanations file is a CSV with the columns Rule, Dataset, Explanation;
a finding of that rule in that dataset keeps its severity and records in every report, carries the
explanation, and no longer fails a run or `cdisc validate --fail-on`.
"""
from __future__ import annotations

import csv
from dataclasses import replace
from pathlib import Path

from cdisc.errors import CdiscError
from cdisc.validate.finding import Finding

COLUMNS = ("Rule", "Dataset", "Explanation")

Explanations = dict[tuple[str, str], str]


def load_explanations(path: Path) -> Explanations:
    """(rule, dataset) -> explanation; a row without all three is an error naming the file and row."""
    try:
        with Path(path).open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in COLUMNS if c not in (reader.fieldnames or ())]
            if missing:
                raise CdiscError(f"{path}: explanations need the columns {', '.join(COLUMNS)} "
                                 f"(missing {', '.join(missing)})")
            table: Explanations = {}
            for row_number, row in enumerate(reader, start=2):
                values = [(row.get(c) or "").strip() for c in COLUMNS]
                if not all(values):
                    raise CdiscError(f"{path}, row {row_number}: Rule, Dataset and Explanation must all be given")
                table[(values[0], values[1].upper())] = values[2]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise CdiscError(f"{path}: not a readable explanations CSV ({exc})") from None
    return table


def explain(findings: list[Finding], explanations: Explanations) -> list[Finding]:
    """The findings, each with its explanation when the table has one for its rule and dataset."""
    return [replace(f, explanation=explanations[(f.rule, f.dataset)]) if (f.rule, f.dataset) in explanations
            else f for f in findings]
