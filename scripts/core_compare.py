"""Set what CDISC's CORE reports beside what our engine reports on the same package, rule by rule and dataset
by dataset (issue 7: "what CORE reports is reported too, or the difference is explained").

    /work/core-venv/bin/python scripts/core_reference.py PATH --detail core.json
    cdisc validate PATH --report ours
    python scripts/core_compare.py ours/report.json core.json

Prints a Markdown table of every (rule, dataset) that either engine reports, with CORE's execution status
there, and a count per agreement class. CORE's count is its number of issues (one per record); ours is the
largest record count among the rule's findings on that dataset (one finding per variable).
"""
from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

REPORTED = "issue reported"


def ours_by_rule(report: dict) -> dict[tuple[str, str], int]:
    """(CORE id, dataset) -> records our engine reports."""
    out: dict[tuple[str, str], int] = {}
    for finding in report["findings"]:
        if finding["rule"].startswith("CORE-"):
            key = (finding["rule"], finding["dataset"])
            out[key] = max(out.get(key, 0), int(finding["count"]))
    return out


def core_by_rule(detail: dict) -> dict[tuple[str, str], dict]:
    """(CORE id, dataset) -> CORE's status and issues. A result CORE gives for several datasets at once
    ("QSPH, QSSL": a rule on the datasets of one domain) counts for each of them."""
    return {(rule, name.strip()): result for rule, datasets in detail.items() for dataset, result in datasets.items()
            for name in dataset.split(",")}


def classify(ours: int, core: dict | None) -> str:
    status = core["status"] if core else "not run"
    if ours and status == REPORTED:
        return "both" if ours == core["issues"] else "both, counts differ"
    if ours:
        return "ours only, CORE passed" if status == "success" else f"ours only, CORE {status}"
    return "CORE only"


def compare(report: dict, detail: dict) -> list[dict]:
    ours, core = ours_by_rule(report), core_by_rule(detail)
    keys = sorted(set(ours) | {k for k, r in core.items() if r["status"] == REPORTED})
    return [{"rule": rule, "dataset": dataset, "ours": ours.get((rule, dataset), 0),
             "core": core.get((rule, dataset), {}).get("issues", 0),
             "class": classify(ours.get((rule, dataset), 0), core.get((rule, dataset)))}
            for rule, dataset in keys]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("ours", type=Path, help="report.json of cdisc validate")
    parser.add_argument("core", type=Path, help="--detail JSON of scripts/core_reference.py")
    args = parser.parse_args()
    rows = compare(json.loads(args.ours.read_text()), json.loads(args.core.read_text()))
    print("| rule | dataset | ours (records) | CORE (issues) | agreement |\n|---|---|---:|---:|---|")
    for row in rows:
        print(f"| {row['rule']} | {row['dataset']} | {row['ours']} | {row['core']} | {row['class']} |")
    print()
    for name, n in sorted(Counter(r["class"] for r in rows).items()):
        print(f"- {name}: {n}")


if __name__ == "__main__":
    main()
