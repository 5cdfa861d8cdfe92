"""`cdisc run --study cdiscpilot01` on the pilot's own raw export, compared cell by cell with the SDTM the same
subjects have in pharmaversesdtm (tests/fixtures/cdiscpilot01, Apache 2.0), records matched by content.

The numbers below are what the run gives today, written out; every variable that differs is explained in
specs/cdiscpilot01/MAPPING.md (a test checks that it is named there)."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from cdisc.define import validate_define
from cli import main
from tests.mappings.cdiscpilot01.agreement import compare, read_expected, read_ours

ROOT = Path(__file__).resolve().parents[3]
EXPECTED = ROOT / "tests" / "fixtures" / "cdiscpilot01"
NOTES = ROOT / "specs" / "cdiscpilot01" / "MAPPING.md"
# dataset: (our records, pharmaversesdtm's records)
ROW_COUNTS = {"AE": (1191, 1191), "DM": (306, 306), "DS": (850, 850), "EX": (591, 591), "SUPPAE": (1191, 1191),
              "SUPPDM": (963, 1197), "SUPPDS": (0, 3), "VS": (29644, 29643)}


@pytest.fixture(scope="module")
def pilot(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("pilot") / "out"
    result = CliRunner().invoke(main, ["run", "--study", "cdiscpilot01", "--out", str(path)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return path


@pytest.fixture(scope="module")
def agreements(pilot):
    return {a.dataset: a for a in compare(read_ours(pilot / "sdtm"), read_expected(EXPECTED))}


def test_row_counts_per_dataset(agreements):
    """Equal where the export holds the records; SUPPDM, SUPPDS and VS differ for the reasons MAPPING.md gives
    under 'Row counts' (the efficacy population and entry criteria the export does not carry; one more NOT DONE)."""
    assert {n: (a.rows_ours, a.rows_expected) for n, a in agreements.items()} == ROW_COUNTS
    notes = row_count_notes()
    assert sorted(n for n, (o, e) in ROW_COUNTS.items() if o != e) == sorted(notes)


def test_at_least_95_percent_of_expected_cells_are_equal(agreements):
    cells = sum(a.cells for a in agreements.values())
    equal = sum(a.equal for a in agreements.values())
    assert (equal, cells) == (743833, 772023)  # 96.3 %
    assert equal / cells >= 0.95


def test_every_differing_variable_is_explained(agreements):
    """Each variable with a differing cell is named as DATASET.VARIABLE in the study's mapping notes."""
    text = NOTES.read_text()
    unexplained = [f"{n}.{v}" for n, a in agreements.items() for v in a.differing if f"`{n}.{v}`" not in text]
    assert unexplained == []


def test_pilot_validates_with_a_valid_define_and_accounts_for_every_raw_row(pilot):
    issues = pd.read_csv(pilot / "validation" / "issues.csv", dtype=str, keep_default_na=False)
    assert sorted(issues["code"]) == ["SD1132", "SD1347"]  # explained in specs/cdiscpilot01/validation/
    assert validate_define(pilot / "sdtm" / "define.xml") == []
    summary = pd.read_csv(pilot / "reconciliation" / "summary.csv")
    assert summary[["FORM", "ROWS", "MAPPED", "REJECTED"]].values.tolist() == [
        ["ae_raw", 1191, 1191, 0], ["dm_raw", 306, 306, 0], ["ds_raw", 850, 850, 0], ["ec_raw", 591, 591, 0],
        ["vs_raw", 12978, 12978, 0]]
    assert not (pilot / "adam").exists()


# (rule, dataset, records): what specs/cdiscpilot01/validation/explanations.csv explains, found on today's output
EXPLAINED = [("CORE-000022", "AE", 36), ("CORE-000774", "VS", 9), ("CORE-000892", "AE", 4),
             ("CORE-000914", "VS", 2286), ("SD1132", "AE", 36), ("SD1347", "AE", 1)]
# CORE rules whose operations read TA or SV, which the export cannot give: skipped, as CDISC's engine skips them
NOT_EVALUATED = {"CORE-000047": "TA", "CORE-000155": "TA", "CORE-000156": "TA", "CORE-000168": "SV",
                 "CORE-000208": "TA", "CORE-000209": "TA", "CORE-000210": "TA", "CORE-000271": "TA",
                 "CORE-000108": "DD"}


def test_pilot_run_passes_validation_with_only_explained_findings(pilot):
    """Issue 12: no unexplained error. Every error-level finding carries the study's explanation."""
    report = json.loads((pilot / "validation" / "report.json").read_text())
    errors = [f for f in report["findings"] if f["severity"] == "error"]
    assert sorted((f["rule"], f["dataset"], f["count"]) for f in errors) == EXPLAINED
    assert all(f["explanation"] for f in errors)
    assert [(f["rule"], f["dataset"], f["severity"]) for f in report["findings"] if f["severity"] != "error"] == [
        ("CT2002", "DS", "warning")]
    skipped = {r["rule"]: r["reason"] for r in report["rules"] if "operation domain" in r["reason"]}
    assert {rule: reason.split()[2] for rule, reason in skipped.items()} == NOT_EVALUATED


def test_cdisc_validate_agrees_with_the_run_on_the_pilot_output(pilot, tmp_path):
    """`cdisc validate` on the written folder, with the study's explanations, fails on nothing and explains the
    same findings."""
    explanations = ROOT / "specs" / "cdiscpilot01" / "validation" / "explanations.csv"
    result = CliRunner().invoke(main, ["validate", str(pilot / "sdtm"), "--explanations", str(explanations),
                                       "--report", str(tmp_path)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "report.json").read_text())
    errors = [f for f in report["findings"] if f["severity"] == "error"]
    assert sorted((f["rule"], f["dataset"], f["count"]) for f in errors) == EXPLAINED
    assert all(f["explanation"] for f in errors)


def row_count_notes() -> list[str]:
    """The datasets MAPPING.md's 'Row counts' section explains (its `- DATASET:` items)."""
    section = NOTES.read_text().split("## Row counts", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^- `?([A-Z]+)`?:", section, flags=re.M)
