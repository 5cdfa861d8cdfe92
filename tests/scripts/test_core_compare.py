"""scripts/core_compare.py: our report.json and CORE's per-rule detail set side by side, on hand-made input."""
from __future__ import annotations

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "core_compare.py"
_spec = importlib.util.spec_from_file_location("core_compare", SCRIPT)
core_compare = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(core_compare)

OURS = {"findings": [
    {"rule": "CORE-000001", "dataset": "AE", "count": 3},
    {"rule": "CORE-000001", "dataset": "AE", "count": 5},  # a second variable of the same rule: 5 records
    {"rule": "CORE-000002", "dataset": "LB", "count": 4},
    {"rule": "CORE-000003", "dataset": "DM", "count": 1},
    {"rule": "CORE-000004", "dataset": "QSPH", "count": 1},
    {"rule": "SD0002", "dataset": "AE", "count": 9},  # not a CORE rule: left out
]}
CORE = {
    "CORE-000001": {"AE": {"status": "issue reported", "issues": 5}},
    "CORE-000002": {"LB": {"status": "issue reported", "issues": 3}},
    "CORE-000003": {"DM": {"status": "execution error", "issues": 0}},
    "CORE-000004": {"QSPH, QSSL": {"status": "issue reported", "issues": 2}},
    "CORE-000005": {"FA": {"status": "issue reported", "issues": 7}, "VS": {"status": "success", "issues": 0}},
}


def test_every_rule_and_dataset_either_engine_reports_is_classified():
    rows = [(r["rule"], r["dataset"], r["ours"], r["core"], r["class"]) for r in core_compare.compare(OURS, CORE)]
    assert rows == [
        ("CORE-000001", "AE", 5, 5, "both"),
        ("CORE-000002", "LB", 4, 3, "both, counts differ"),
        ("CORE-000003", "DM", 1, 0, "ours only, CORE execution error"),
        ("CORE-000004", "QSPH", 1, 2, "both, counts differ"),
        ("CORE-000004", "QSSL", 0, 2, "CORE only"),
        ("CORE-000005", "FA", 0, 7, "CORE only"),
    ]
