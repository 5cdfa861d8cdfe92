"""Unit tests of the CORE engine's reader, operators and rule execution on tiny literal packages."""
from __future__ import annotations

import pandas as pd
import pytest

from cdisc.errors import PackageError
from cdisc.validate.core import Dataset, Package, Variable, read_core_case, read_xpt_folder, validate_package
from cdisc.validate.core.rules import load_rule_text


def _package(name: str, df: pd.DataFrame, types: dict[str, str] | None = None) -> Package:
    types = types or {}
    variables = tuple(Variable(c, c, types.get(c, "Char"), 8) for c in df.columns)
    return Package({name: Dataset(name, name, f"{name.lower()}.xpt", variables, df)})


RULE_0001 = """
Authorities:
  - Organization: CDISC
    Standards:
      - Name: SDTMIG
        References:
          - Rule Identifier: {Id: CG0176, Version: "1"}
Check:
  all:
    - {name: IECAT, operator: equal_to, value: INCLUSION, value_is_literal: true}
    - {name: IEORRES, operator: not_equal_to, value: N, value_is_literal: true}
Core: {Id: CORE-000001}
Outcome: {Message: "IEORRES is not equal to 'N' when IECAT equals 'INCLUSION'."}
Rule Type: Record Data
Scope: {Classes: {Include: [FINDINGS]}, Domains: {Include: [IE]}}
"""


def test_validate_package_reports_offending_records() -> None:
    """CORE-000001 (CG0176): an INCLUSION criterion answered Y (record 2) or blank (record 3) raises."""
    ie = pd.DataFrame({"USUBJID": ["S1", "S1", "S2"], "IESEQ": [1.0, 2.0, 1.0],
                       "DOMAIN": ["IE", "IE", "IE"],
                       "IECAT": ["INCLUSION", "INCLUSION", "INCLUSION"], "IEORRES": ["N", "Y", ""]})
    result = validate_package(_package("IE", ie, {"IESEQ": "Num"}), [load_rule_text(RULE_0001)])
    (finding,) = result.findings
    assert (finding.rule, finding.references, finding.dataset, finding.count) == ("CORE-000001", ("CG0176",), "IE", 2)
    assert finding.records == (
        {"row": 2, "USUBJID": "S1", "IESEQ": 2.0, "IECAT": "INCLUSION", "IEORRES": "Y"},
        {"row": 3, "USUBJID": "S2", "IESEQ": 1.0, "IECAT": "INCLUSION", "IEORRES": ""},
    )
    assert [s.status for s in result.statuses] == ["executed"]


def test_validate_package_skips_unknown_operator_with_reason() -> None:
    """A rule using an operator the engine lacks is reported as skipped, never silently passed."""
    rule = load_rule_text(RULE_0001.replace("operator: not_equal_to", "operator: no_such_operator"))
    ie = pd.DataFrame({"DOMAIN": ["IE"], "IECAT": ["INCLUSION"], "IEORRES": ["Y"]})
    result = validate_package(_package("IE", ie), [rule])
    assert result.findings == ()
    assert (result.statuses[0].status, result.statuses[0].reason) == (
        "skipped", "operator 'no_such_operator' is not implemented")


def test_validate_package_missing_variable_means_not_applicable() -> None:
    """A dataset without the checked variable does not raise (CORE: the rule does not apply)."""
    ie = pd.DataFrame({"DOMAIN": ["IE"], "IECAT": ["INCLUSION"]})
    result = validate_package(_package("IE", ie), [load_rule_text(RULE_0001)])
    assert result.findings == ()
    assert result.statuses[0].status == "executed"


def test_read_xpt_folder_rejects_missing_folder(tmp_path) -> None:
    """A folder that does not exist is a PackageError (the CLI maps it to exit 2)."""
    with pytest.raises(PackageError, match="not a folder"):
        read_xpt_folder(tmp_path / "nope")


def test_read_xpt_folder_rejects_corrupt_file(tmp_path) -> None:
    """A .xpt file that is not XPT is a PackageError naming the file."""
    (tmp_path / "ae.xpt").write_bytes(b"not an xpt file")
    with pytest.raises(PackageError, match="ae.xpt: not a readable XPT file"):
        read_xpt_folder(tmp_path)


def test_read_core_case_types_and_nulls(tmp_path) -> None:
    """Num variables become floats, empty text stays "" (CORE test case layout)."""
    (tmp_path / "_datasets.csv").write_text("Filename,Label\nvs,Vital Signs\n")
    (tmp_path / "_variables.csv").write_text(
        "dataset,variable,label,type,length\nvs,VSSEQ,Sequence Number,Num,8\nvs,VSORRES,Result,Char,20\n")
    (tmp_path / "vs.csv").write_text("VSSEQ,VSORRES\n1,120\n2,\n")
    ds = read_core_case(tmp_path).datasets["VS"]
    assert ds.data["VSSEQ"].tolist() == [1.0, 2.0]
    assert ds.data["VSORRES"].tolist() == ["120", ""]
    assert [(v.name, v.type, v.length) for v in ds.variables] == [("VSSEQ", "Num", 8), ("VSORRES", "Char", 20)]
