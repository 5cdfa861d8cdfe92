"""Unit tests of the CORE engine's reader, operators and rule execution on tiny literal packages."""
from __future__ import annotations

import gzip
import json
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
import yaml

from cdisc.errors import PackageError
from cdisc.validate.core import rules as rules_module
from cdisc.validate.core.cases import read_core_case
from cdisc.validate.core.engine import (
    CoreRun,
    RunCache,
    frame_reads,
    merge_matches,
    merge_reads,
    planned_merges,
    run_core,
    run_rule_on,
)
from cdisc.validate.core.operations import Context, record_count
from cdisc.validate.core.operators import Frame, is_not_unique_relationship
from cdisc.validate.core.rules import load_rule_text, load_rules
from cdisc.validate.package import Dataset, Package, Variable, read_package


def _package(name: str, df: pd.DataFrame, types: dict[str, str] | None = None) -> Package:
    types = types or {}
    variables = tuple(Variable(c, c, types.get(c, "Char"), 8) for c in df.columns)
    return Package(Path("."), "SDTMIG", {name: Dataset(name, name, f"{name.lower()}.xpt", variables, df)})


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
    findings, statuses = run_core(_package("IE", ie, {"IESEQ": "Num"}), [load_rule_text(RULE_0001)])
    (finding,) = findings
    assert (finding.rule, finding.references, finding.dataset, finding.count) == ("CORE-000001", ("CG0176",), "IE", 2)
    assert finding.records == (
        {"row": 2, "USUBJID": "S1", "IESEQ": 2.0, "IECAT": "INCLUSION", "IEORRES": "Y"},
        {"row": 3, "USUBJID": "S2", "IESEQ": 1.0, "IECAT": "INCLUSION", "IEORRES": ""},
    )
    assert [(s.status, s.findings, s.authority) for s in statuses] == [("executed", 2, "CDISC CORE (CG0176)")]


def test_validate_package_skips_unknown_operator_with_reason() -> None:
    """A rule using an operator the engine lacks is reported as skipped, never silently passed."""
    rule = load_rule_text(RULE_0001.replace("operator: not_equal_to", "operator: no_such_operator"))
    ie = pd.DataFrame({"DOMAIN": ["IE"], "IECAT": ["INCLUSION"], "IEORRES": ["Y"]})
    findings, statuses = run_core(_package("IE", ie), [rule])
    assert findings == []
    assert (statuses[0].status, statuses[0].reason) == (
        "skipped", "operator 'no_such_operator' is not implemented")


def test_validate_package_missing_variable_means_not_applicable() -> None:
    """A dataset without the checked variable does not raise (CORE: the rule does not apply)."""
    ie = pd.DataFrame({"DOMAIN": ["IE"], "IECAT": ["INCLUSION"]})
    findings, statuses = run_core(_package("IE", ie), [load_rule_text(RULE_0001)])
    assert findings == []
    assert statuses[0].status == "executed"


def _visits_package(with_sv: bool) -> Package:
    """VS with visits 1 and 2 of subject S1; SV (when present) holds visit 1 only."""
    vs = pd.DataFrame({"STUDYID": ["X", "X"], "DOMAIN": ["VS", "VS"], "USUBJID": ["S1", "S1"],
                       "VSSEQ": [1.0, 2.0], "VISITNUM": [1.0, 2.0]})
    sv = pd.DataFrame({"STUDYID": ["X"], "DOMAIN": ["SV"], "USUBJID": ["S1"], "VISITNUM": [1.0]})
    frames = {"VS": vs, "SV": sv} if with_sv else {"VS": vs}
    types = {"VSSEQ": "Num", "VISITNUM": "Num"}
    datasets = {n: Dataset(n, n, f"{n.lower()}.xpt", tuple(Variable(c, c, types.get(c, "Char"), 8) for c in df), df)
                for n, df in frames.items()}
    return Package(Path("."), "SDTMIG", datasets)


def test_operation_on_an_absent_domain_skips_the_rule_as_core_does() -> None:
    """CORE-000168 (VISITNUM in SV.VISITNUM) reads SV in an operation. Without SV, CDISC's engine reports "rule
    evaluation skipped - operation domain not found"; so does ours, instead of taking SV as empty."""
    rule = next(r for r in load_rules() if r.id == "CORE-000168")
    findings, statuses = run_core(_visits_package(with_sv=False), [rule])
    assert findings == []
    assert (statuses[0].status, statuses[0].reason) == (
        "skipped", "operation domain SV not in the package: not evaluated on VS")
    findings, statuses = run_core(_visits_package(with_sv=True), [rule])
    assert [(f.dataset, f.count, f.records[0]["VISITNUM"]) for f in findings] == [("VS", 1, 2.0)]
    assert (statuses[0].status, statuses[0].reason) == ("executed", "")


def test_a_run_given_datasets_as_they_come_works_out_a_pair_once_the_datasets_it_reads_are_there() -> None:
    """CORE-000168 on VS reads SV: given VS alone, the pair waits; given SV, it is worked out (VISITNUM 2 is not
    in SV), and the run on the whole package reports what a run on the whole package from the start reports."""
    rule = next(r for r in load_rules() if r.id == "CORE-000168")
    package = _visits_package(with_sv=True)
    run = CoreRun([rule])
    run.add(package.datasets["VS"])
    assert run.outcomes == {}
    run.add(package.datasets["SV"])
    assert [(n, name, o.finding.count) for n, found in run.outcomes.items() for name, o in found.items()] == [
        (0, "VS", 1)]
    findings, statuses = run_core(package, started=run)
    assert [(f.dataset, f.count, f.records[0]["VISITNUM"]) for f in findings] == [("VS", 1, 2.0)]
    assert (statuses[0].status, statuses[0].reason) == ("executed", "")


def test_a_pair_waiting_for_a_dataset_that_never_comes_is_worked_out_on_the_whole_package() -> None:
    """Without SV, CORE-000168 stays skipped as in a run on the whole package ("operation domain not found")."""
    rule = next(r for r in load_rules() if r.id == "CORE-000168")
    package = _visits_package(with_sv=False)
    run = CoreRun([rule])
    run.add(package.datasets["VS"])
    assert run.outcomes == {}
    findings, statuses = run_core(package, started=run)
    assert findings == []
    assert (statuses[0].status, statuses[0].reason) == (
        "skipped", "operation domain SV not in the package: not evaluated on VS")


RULE_TT_PRESENT = """
Check: {any: [{name: TT, operator: exists}]}
Core: {Id: CORE-000042}
Outcome: {Message: TT dataset is present.}
Rule Type: Domain Presence Check
Scope: {Classes: {Include: [ALL]}, Domains: {Include: [ALL]}}
"""


def test_a_rule_on_the_whole_package_waits_for_all_of_it() -> None:
    """A Domain Presence Check reads the names of all datasets: no dataset given decides it, the whole package
    does (TT present: one finding, on the first dataset in scope, as a run on the whole package stops there)."""
    rule = load_rule_text(RULE_TT_PRESENT)
    frames = {"DM": pd.DataFrame({"DOMAIN": ["DM"], "USUBJID": ["S1"]}),
              "TT": pd.DataFrame({"DOMAIN": ["TT"], "USUBJID": ["S1"]})}
    package = Package(Path("."), "SDTMIG", {n: Dataset(n, n, f"{n.lower()}.xpt", tuple(Variable(c, c, "Char", 8)
                                                                                      for c in df), df)
                                            for n, df in frames.items()})
    run = CoreRun([rule])
    for ds in package.datasets.values():
        run.add(ds)
    assert run.outcomes == {}
    findings, statuses = run_core(package, started=run)
    assert [(f.rule, f.dataset, f.count) for f in findings] == [("CORE-000042", "DM", 1)]
    assert (statuses[0].status, statuses[0].findings) == ("executed", 1)


def test_read_package_rejects_missing_folder(tmp_path) -> None:
    """A folder that does not exist is a PackageError (the CLI maps it to exit 2)."""
    with pytest.raises(PackageError, match="not a folder"):
        read_package(tmp_path / "nope")


def test_read_package_rejects_corrupt_file(tmp_path) -> None:
    """A .xpt file that is not XPT is a PackageError naming the file."""
    (tmp_path / "ae.xpt").write_bytes(b"not an xpt file")
    with pytest.raises(PackageError, match="ae.xpt: not a SAS transport"):
        read_package(tmp_path)


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


def test_vendored_meddra_rule_needs_the_soc_code() -> None:
    """CORE-000024 (CG0082): a body system without its code."""
    ae = pd.DataFrame({"USUBJID": ["S1", "S1", "S2"], "DOMAIN": ["AE"] * 3, "AESEQ": [1.0, 2.0, 1.0],
                       "AEBODSYS": ["Vascular disorders", "Vascular disorders", "Gastrointestinal disorders"],
                       "AEBDSYCD": [10047065.0, float("nan"), 10017947.0],
                       "AESOC": ["Vascular disorders", "Vascular disorders", "Infections and infestations"]})
    rules = [r for r in load_rules() if r.id == "CORE-000024"]
    findings, _ = run_core(_package("AE", ae, {"AESEQ": "Num", "AEBDSYCD": "Num"}), rules)
    assert [(f.rule, f.count, tuple(r["row"] for r in f.records)) for f in findings] == [
        ("CORE-000024", 1, (2,))]


def test_a_number_read_from_xpt_equals_the_text_it_was_written_from() -> None:
    """CORE-000542's comparison (--STRESC not_equal_to --STRESN, type insensitive): 0.04 stored in an XPT (IBM)
    double reads back as 0.039999999999999994 and still equals "0.04"; 0.05 against "0.04" does not."""
    from cdisc.validate.core.operators import Frame, not_equal_to

    df = pd.DataFrame({"LBSTRESC": ["0.04", "0.04", "8.55", "12"],
                       "LBSTRESN": [0.039999999999999994, 0.05, 8.549999999999999, 12.0]})
    cond = {"name": "LBSTRESC", "operator": "not_equal_to", "value": "LBSTRESN", "type_insensitive": True}
    assert not_equal_to(Frame(df), cond).tolist() == [False, True, False, False]


def test_columns_made_alike_are_compared_once_per_distinct_pair_with_each_record_s_own_answer() -> None:
    """Type-insensitive: "8.50" equals 8.5 on records 4 and 6 (the same pair twice), not 8.6 on record 5; a blank
    against NaN is no equality. Case-insensitive: "Yes" equals "YES" twice, "no" is not "yes"."""
    from cdisc.validate.core.operators import Frame, equal_to, equal_to_case_insensitive

    df = pd.DataFrame({"LBSTRESC": ["0.04", "0.04", "", "8.50", "8.50", "8.50"],
                       "LBSTRESN": [0.04, 0.04, float("nan"), 8.5, 8.6, 8.5],
                       "A": ["Yes", "no", "Yes", "", "x", "Yes"], "B": ["YES", "yes", "YES", "", "X", "YES"]})
    cond = {"name": "LBSTRESC", "operator": "equal_to", "value": "LBSTRESN", "type_insensitive": True}
    assert equal_to(Frame(df), cond).tolist() == [True, True, False, True, False, True]
    cond = {"name": "A", "operator": "equal_to_case_insensitive", "value": "B"}
    assert equal_to_case_insensitive(Frame(df), cond).tolist() == [True, False, True, False, True, True]


def test_a_finished_text_column_is_compared_with_a_value_by_its_distinct_values() -> None:
    """A column whose codes are known (a finished dataset's, as a forked process receives it) gives each record its
    own answer: Y on records 1 and 3; case-insensitively y too; blank never equals."""
    import numpy as np

    from cdisc.distinct import known_text, remembered
    from cdisc.validate.core.operators import Frame, equal_to, equal_to_case_insensitive

    codes = (np.array([0, 1, 0, 2], dtype=np.int8), np.array(["Y", "N", ""], dtype=object))
    df = remembered(pd.DataFrame({"FL": ["Y", "N", "Y", ""]}, dtype=object), {"FL": codes})
    assert known_text(df["FL"]) is not None
    assert equal_to(Frame(df), {"name": "FL", "value": "Y"}).tolist() == [True, False, True, False]
    assert equal_to_case_insensitive(Frame(df), {"name": "FL", "value": "y"}).tolist() == [True, False, True, False]


def test_a_whole_number_beyond_int64_is_written_out_whole() -> None:
    """1e20 fits an XPT double (up to 7.2e75) but not int64: its text is its digits, as for a scalar, never the
    garbage of an overflowing cast; -2**63 is the last int64."""
    from cdisc.validate.core.operators import _num_text, _number_text

    values = pd.Series([1e20, -1e20, 3.0, 0.04, float("nan"), -(2.0 ** 63), 2.0 ** 63])
    expected = ["100000000000000000000", "-100000000000000000000", "3", "0.04", "",
                "-9223372036854775808", "9223372036854775808"]
    assert _number_text(values).tolist() == expected
    assert [_num_text(v) for v in values.dropna()] == [e for e in expected if e]


def test_run_cache_drops_a_frame_once_its_planned_uses_are_made() -> None:
    """Planned twice: made once, served twice, then dropped (a third request makes it again); unplanned: kept."""
    made: list[str] = []

    def make(key: str):
        return lambda: made.append(key) or pd.DataFrame({"k": [key]})

    cache = RunCache(Counter({("LB", "DM"): 2}))
    for _ in range(3):
        cache.frame(("LB", "DM"), make("LB+DM"))
        cache.frame(("VS", "DM"), make("VS+DM"))
    assert made == ["LB+DM", "VS+DM", "LB+DM"]


def test_planned_merges_count_the_rules_that_merge_each_dataset() -> None:
    """Two rules with the same Match Datasets on IE, one on another domain: the IE merge is planned twice."""
    merge = "Match Datasets: [{Name: DM, Keys: [USUBJID]}]\n"
    rules = [load_rule_text(RULE_0001 + merge), load_rule_text(RULE_0001.replace("CORE-000001", "CORE-000002") + merge),
             load_rule_text(RULE_0001.replace("Include: [IE]", "Include: [LB]") + merge), load_rule_text(RULE_0001)]
    ie = pd.DataFrame({"DOMAIN": ["IE"], "IECAT": ["INCLUSION"], "IEORRES": ["Y"]})
    assert planned_merges(rules, _package("IE", ie).datasets.values()) == Counter(
        {("IE", "[{'Name': 'DM', 'Keys': ['USUBJID']}]"): 2})


RULE_STDY = """
Check:
  any:
    - all: [{name: --STDTC, operator: is_incomplete_date}, {name: --STDY, operator: non_empty}]
    - all: [{name: RFSTDTC, operator: is_incomplete_date}, {name: --STDY, operator: non_empty}]
Core: {Id: CORE-000138}
Match Datasets: [{Name: DM, Keys: [USUBJID]}]
Outcome: {Message: "--STDY is not null", Output Variables: [--STDY, --STDTC, RFSTDTC]}
Rule Type: Record Data
Scope: {Classes: {Include: [ALL]}, Domains: {Include: [ALL]}}
"""
DY_OPERATION = "Operations: [{id: $val_dy, name: --DTC, operator: dy}]\n"


def test_frame_reads_are_every_text_of_the_rule_with_its_domain_prefix() -> None:
    """CORE-000138 on AE: its variables, the merged dataset's name, its operators, and what a finding shows."""
    assert frame_reads(load_rule_text(RULE_STDY), "AE") == {
        "AESTDTC", "AESTDY", "RFSTDTC", "DM", "USUBJID", "AESEQ", "is_incomplete_date", "non_empty"}


def test_frame_reads_add_what_an_operation_reads_unnamed_and_have_no_bound_for_name_lists() -> None:
    """dy reads RFSTDTC without naming it; an operation that gives variable names, or a Check variable that is a
    list an operation gives, may read any column."""
    dy = load_rule_text(RULE_STDY.replace("RFSTDTC", "DMDTC") + DY_OPERATION)
    assert "RFSTDTC" in frame_reads(dy, "AE")
    names = "Operations: [{id: $order, operator: get_column_order_from_dataset}]\n"
    assert frame_reads(load_rule_text(RULE_STDY + names), "AE") is None
    values = "Operations: [{id: $ids, name: USUBJID, operator: distinct, domain: DM}]\n"
    as_column = RULE_STDY.replace("name: RFSTDTC", "name: $ids")
    assert frame_reads(load_rule_text(RULE_STDY + values), "AE") is not None
    assert frame_reads(load_rule_text(as_column + values), "AE") is None


def test_merge_reads_join_the_reads_of_the_rules_that_share_a_merge() -> None:
    ae = pd.DataFrame({"DOMAIN": ["AE"], "USUBJID": ["S1"], "AESTDTC": ["2024"], "AESTDY": [1.0]})
    datasets = _package("AE", ae).datasets.values()
    key = ("AE", "[{'Name': 'DM', 'Keys': ['USUBJID']}]")
    other = load_rule_text(RULE_STDY.replace("CORE-000138", "CORE-000139").replace("RFSTDTC", "RFENDTC"))
    assert merge_reads([load_rule_text(RULE_STDY), other], datasets)[key] >= {"RFSTDTC", "RFENDTC"}
    unbounded = load_rule_text(RULE_STDY + "Operations: [{id: $order, operator: get_column_order_from_dataset}]\n")
    assert merge_reads([load_rule_text(RULE_STDY), unbounded], datasets) == {key: None}


def test_a_merge_brings_only_the_columns_its_rules_read() -> None:
    """DM's RFSTDTC comes (as DM.RFSTDTC and RFSTDTC), its ARM does not, and of AE the key and the columns read
    (AESTDTC), not AETERM; with no bound, every column comes."""
    ae = pd.DataFrame({"USUBJID": ["S1", "S2"], "AESTDTC": ["2024-01", "2024-01-05"], "AETERM": ["A", "B"]})
    dm = pd.DataFrame({"USUBJID": ["S1", "S2"], "RFSTDTC": ["2024-01-02", "2024"], "ARM": ["A", "B"]})
    package = Package(Path("."), "SDTMIG", {
        "AE": Dataset("AE", "AE", "ae.xpt", (), ae), "DM": Dataset("DM", "DM", "dm.xpt", (), dm)})
    match = [{"Name": "DM", "Keys": ["USUBJID"]}]
    read = merge_matches(ae, match, package, package.datasets["AE"], frozenset({"RFSTDTC", "AESTDTC"}))
    assert list(read.columns) == ["USUBJID", "AESTDTC", "DM.RFSTDTC", "RFSTDTC"]
    assert read["RFSTDTC"].tolist() == ["2024-01-02", "2024"]
    every = merge_matches(ae, match, package, package.datasets["AE"])
    assert list(every.columns) == ["USUBJID", "AESTDTC", "AETERM", "DM.RFSTDTC", "DM.ARM", "RFSTDTC", "ARM"]


def test_a_condition_on_constants_is_decided_by_one_record_and_holds_for_all(monkeypatch):
    from cdisc.validate.core import engine
    from cdisc.validate.core.operators import OPERATORS, Frame

    seen: list[int] = []
    original = OPERATORS["equal_to"]

    def equal_to(frame, cond):
        seen.append(len(frame))
        return original(frame, cond)

    monkeypatch.setitem(engine.OPERATORS, "equal_to", equal_to)
    frame = Frame(pd.DataFrame({"variable_value": ["a", "b", "c"], "OTHER": ["Char", "Num", "Char"]}),
                  {"variable_data_type": "Char"})
    constant = {"name": "variable_data_type", "operator": "equal_to", "value": "Char"}
    per_record = {"name": "variable_data_type", "operator": "equal_to", "value": "OTHER"}
    assert engine.evaluate(constant, frame).tolist() == [True, True, True]
    assert engine.evaluate(per_record, frame).tolist() == [True, False, True]
    assert seen == [1, 3]


RULE_0890 = """
Authorities:
  - Organization: CDISC
    Standards:
      - Name: SDTMIG
Check:
  all:
    - {name: variable_data_type, operator: equal_to, value: Char}
    - {name: variable_value, operator: non_empty}
    - {name: variable_value, operator: equal_to, value: ".", value_is_literal: true}
Core: {Id: CORE-000890}
Outcome: {Message: "A text variable is '.'"}
Rule Type: Value Check with Variable Metadata
Scope: {Classes: {Include: [ALL]}, Domains: {Include: [ALL]}}
"""


def test_a_long_form_rule_finds_every_record_of_each_flagged_variable_only(monkeypatch) -> None:
    """CORE-000890 on AE: AETERM is '.' in records 2 and 4, AEOUT in record 3, the number AESEQ never (a Num
    variable); the check runs on distinct values first and record by record only for AETERM and AEOUT."""
    from cdisc.validate.core import engine

    asked: list[set[int] | None] = []
    original = engine._value_frames

    def value_frames(ds, with_dataset, lengths, only=None):
        asked.append(only)
        return original(ds, with_dataset, lengths, only)

    monkeypatch.setattr(engine, "_value_frames", value_frames)
    ae = pd.DataFrame({"DOMAIN": ["AE"] * 4, "USUBJID": ["S1", "S1", "S2", "S2"], "AESEQ": [1.0, 2.0, 1.0, 2.0],
                       "AETERM": ["HEADACHE", ".", "NAUSEA", "."], "AEOUT": ["", "", ".", "RECOVERED"]})
    findings, _ = run_core(_package("AE", ae, {"AESEQ": "Num"}), [load_rule_text(RULE_0890)])
    (finding,) = findings
    assert finding.count == 3
    assert [(r["row"], r["variable_value"]) for r in finding.records] == [(2, "."), (4, "."), (3, ".")]
    assert asked == [{4, 5}]  # AETERM and AEOUT, by position in AE


def test_a_long_form_check_across_records_is_evaluated_record_by_record() -> None:
    """A check with an operator that reads other records (is_not_unique_set) is not judged on distinct values."""
    from cdisc.validate.core.engine import _flagged_variables

    check = {"all": [{"name": "variable_value", "operator": "is_not_unique_set", "value": ["variable_value"]}]}
    assert _flagged_variables([], check, None, False, None, RunCache()) is None
    by_row = {"all": [{"name": "row_number", "operator": "equal_to", "value": 1}]}
    assert _flagged_variables([], by_row, None, False, None, RunCache()) is None


def test_variable_max_size_is_made_for_a_rule_that_reads_it() -> None:
    """variable_max_size (the longest value) exists only in the frames of rules that ask for it, as in CORE; a
    rule comparing it with the declared length finds AETERM (variable 2: declared 8, HYPERTENSION is 12 long)."""
    rule = load_rule_text(RULE_0890.replace("Rule Type: Value Check with Variable Metadata",
                                            "Rule Type: Variable Metadata Check").replace(
        """  all:
    - {name: variable_data_type, operator: equal_to, value: Char}
    - {name: variable_value, operator: non_empty}
    - {name: variable_value, operator: equal_to, value: ".", value_is_literal: true}""",
        """  all:
    - {name: variable_max_size, operator: greater_than, value: variable_size}"""))
    ae = pd.DataFrame({"DOMAIN": ["AE", "AE"], "AETERM": ["HEADACHE", "HYPERTENSION"], "AEOUT": ["", "FATAL"]})
    findings, _ = run_core(_package("AE", ae), [rule])
    assert [(f.count, f.records) for f in findings] == [
        (1, ({"row": 2, "variable_max_size": 12},))]


def test_a_dataset_metadata_check_reading_a_record_value_does_not_apply_to_a_dataset_without_records() -> None:
    """CORE-000598 compares the dataset name with DOMAIN, a value of the first record: an AE without records has
    none (compared with the literal text 'DOMAIN' it raised falsely); with records, a wrong DOMAIN still raises."""
    rule = next(r for r in load_rules() if r.id == "CORE-000598")
    empty = pd.DataFrame({"STUDYID": [], "DOMAIN": [], "USUBJID": []}, dtype=str)
    findings, statuses = run_core(_package("AE", empty), [rule])
    assert findings == [] and [s.status for s in statuses] == ["executed"]
    wrong = pd.DataFrame({"STUDYID": ["S"], "DOMAIN": ["XX"], "USUBJID": ["S-1"]})
    (finding,), _ = run_core(_package("AE", wrong), [rule])
    assert (finding.rule, finding.dataset, finding.count) == ("CORE-000598", "AE", 1)


def test_record_count_gives_each_record_the_size_of_its_group() -> None:
    """record_count grouped by the record's own variables: each record gets how many records share its group, with
    dates grouped by the part the regex matches (the day of a date-time). The same counts come out whether the
    records counted are the frame's own or a filtered copy of them (two ways through the operation)."""
    lb = pd.DataFrame({"USUBJID": ["S1", "S1", "S1", "S2"], "LBTESTCD": ["ALB", "ALB", "ALB", "ALB"],
                       "LBDTC": ["2024-01-01T08:00", "2024-01-01T09:00", "2024-01-02", "2024-01-01"]})
    package = _package("LB", lb)
    context = Context(package, package.datasets["LB"], "LB", "FINDINGS")
    op = {"operator": "record_count", "id": "$n", "group": ["USUBJID", "LBTESTCD", "LBDTC"],
          "regex": r"^\d{4}-\d{2}-\d{2}"}
    assert record_count(op, Frame(lb), context).tolist() == [2.0, 2.0, 1.0, 1.0]
    assert record_count({**op, "filter": {"LBTESTCD": "ALB"}}, Frame(lb), context).tolist() == [2.0, 2.0, 1.0, 1.0]


def test_the_parsed_rules_a_run_reads_are_the_vendored_yaml() -> None:
    """A run reads the rules from parsed.json.gz (330 YAML parses cost 0.3 s): it must hold each YAML file's
    document as yaml.safe_load reads it, by file name in name order, or scripts/refresh_core_rules.py was not run
    after the YAML changed."""
    folder = Path(rules_module.__file__).parent / "rules"
    stored = json.loads(gzip.decompress((folder / "parsed.json.gz").read_bytes()))
    files = sorted(folder.glob("*.yml"))
    assert list(stored) == [f.name for f in files]
    assert all(stored[f.name] == yaml.safe_load(f.read_text(encoding="utf-8")) for f in files)
    assert len(load_rules()) == 330


def test_is_not_unique_relationship_flags_a_name_with_two_values_and_a_value_with_two_names() -> None:
    """x has the values 1 and 2; y and z share the value 3; a record with a blank side neither counts nor is
    flagged (w's only other record has a blank value, so w -> 4 is one-to-one)."""
    df = pd.DataFrame({"A": ["x", "x", "y", "z", "", "w", "w"], "B": ["1", "2", "3", "3", "1", "", "4"]})
    assert is_not_unique_relationship(Frame(df), {"name": "A", "value": "B"}).tolist() == [
        True, True, True, True, False, False, False]


def test_a_match_of_one_record_per_key_keeps_the_records_in_order_and_an_inner_join_drops_the_unmatched() -> None:
    """DM has one record per subject: each AE record gets its subject's (S9 has none: gone in an inner join, kept
    with no value in a left join); SE's repeated keys give a record per matching pair."""
    ae = pd.DataFrame({"USUBJID": ["S2", "S9", "S1", "S2"], "AESEQ": [1.0, 1.0, 1.0, 2.0]})
    dm = pd.DataFrame({"USUBJID": ["S1", "S2"], "RFSTDTC": ["2024-01-02", "2024-02-03"]})
    se = pd.DataFrame({"USUBJID": ["S1", "S1", "S2"], "TAETORD": [1.0, 2.0, 1.0]})
    package = Package(Path("."), "SDTMIG", {name: Dataset(name, name, f"{name.lower()}.xpt", (), df)
                                            for name, df in (("AE", ae), ("DM", dm), ("SE", se))})
    inner = merge_matches(ae, [{"Name": "DM", "Keys": ["USUBJID"]}], package, package.datasets["AE"])
    assert inner.to_dict("list") == {"USUBJID": ["S2", "S1", "S2"], "AESEQ": [1.0, 1.0, 2.0],
                                     "DM.RFSTDTC": ["2024-02-03", "2024-01-02", "2024-02-03"],
                                     "RFSTDTC": ["2024-02-03", "2024-01-02", "2024-02-03"]}
    assert inner.index.tolist() == [0, 1, 2]
    left = merge_matches(ae, [{"Name": "DM", "Keys": ["USUBJID"], "Join Type": "left"}], package,
                         package.datasets["AE"])
    assert left["USUBJID"].tolist() == ["S2", "S9", "S1", "S2"]
    assert left["RFSTDTC"].fillna("none").tolist() == ["2024-02-03", "none", "2024-01-02", "2024-02-03"]
    none = merge_matches(ae.iloc[0:0], [{"Name": "DM", "Keys": ["USUBJID"], "Join Type": "left"}], package,
                         package.datasets["AE"])
    assert (len(none), list(none.columns)) == (0, ["USUBJID", "AESEQ", "DM.RFSTDTC", "RFSTDTC"])
    pairs = merge_matches(ae, [{"Name": "SE", "Keys": ["USUBJID"]}], package, package.datasets["AE"])
    assert list(zip(pairs["USUBJID"], pairs["AESEQ"], pairs["TAETORD"], strict=True)) == [
        ("S2", 1.0, 1.0), ("S1", 1.0, 1.0), ("S1", 1.0, 2.0), ("S2", 2.0, 1.0)]


def test_a_match_s_finished_text_keeps_its_codes_in_the_merge() -> None:
    """DM's RFSTDTC codes are known (a finished dataset's): AE's records take their subjects' dates, S2's, S1's,
    S2's, and the merged columns' codes are known too, renumbered as the dates first appear there (0, 1, 0 over
    2024-02-03, 2024-01-02)."""
    import numpy as np

    from cdisc.distinct import known_text, remembered

    ae = pd.DataFrame({"USUBJID": ["S2", "S1", "S2"], "AESEQ": [1.0, 1.0, 2.0]})
    dm = remembered(pd.DataFrame({"USUBJID": ["S1", "S2"], "RFSTDTC": ["2024-01-02", "2024-02-03"]}, dtype=object),
                    {"USUBJID": (np.array([0, 1]), np.array(["S1", "S2"], dtype=object)),
                     "RFSTDTC": (np.array([0, 1]), np.array(["2024-01-02", "2024-02-03"], dtype=object))})
    package = Package(Path("."), "SDTMIG", {name: Dataset(name, name, f"{name.lower()}.xpt", (), df)
                                            for name, df in (("AE", ae), ("DM", dm))})
    merged = merge_matches(ae, [{"Name": "DM", "Keys": ["USUBJID"]}], package, package.datasets["AE"])
    assert merged["RFSTDTC"].tolist() == ["2024-02-03", "2024-01-02", "2024-02-03"]
    for column in ("RFSTDTC", "DM.RFSTDTC"):
        codes, values = known_text(merged[column])
        assert (codes.tolist(), values.tolist()) == ([0, 1, 0], ["2024-02-03", "2024-01-02"])


def test_a_rule_requiring_a_variable_the_dataset_lacks_makes_no_frame_and_finds_nothing() -> None:
    """CORE-001034 (--REPNUM unique per subject, test and timing) requires LBREPNUM (`exists` in its `all`): on an LB
    without it the pair ends as no finding before its frame and its record counts are made; with it, the two ALT
    records of one day without a LBREPNUM raise."""
    rule = next(r for r in load_rules() if r.id == "CORE-001034")
    lb = pd.DataFrame({"STUDYID": ["X"] * 3, "DOMAIN": ["LB"] * 3, "USUBJID": ["S1"] * 3, "LBSEQ": [1.0, 2.0, 3.0],
                       "LBTESTCD": ["ALT", "ALT", "AST"],
                       "LBDTC": ["2024-01-05T08:00", "2024-01-05T09:00", "2024-01-05T08:00"]})
    package = _package("LB", lb, {"LBSEQ": "Num"})
    cache = RunCache()
    assert run_rule_on(rule, package.datasets["LB"], package, cache=cache) is None
    assert cache.frames == {}
    package = _package("LB", lb.assign(LBREPNUM=[float("nan"), float("nan"), 1.0]), {"LBSEQ": "Num", "LBREPNUM": "Num"})
    finding = run_rule_on(rule, package.datasets["LB"], package, cache=cache)
    assert (finding.count, [r["row"] for r in finding.records]) == (2, [1, 2])
    assert list(cache.frames) == [("LB", "Record Data")]


def test_a_child_record_gets_the_value_of_its_parent_records_variable_or_blank() -> None:
    """SUPPAE records name AE records by IDVAR = IDVARVAL within their subject: S1's AESEQ 1 is there, S1's
    AESEQ 3 and S2's AESEQ 1 are not; a record of no subject names any subject's (S1's AESEQ 2); a blank IDVAR
    names nothing."""
    ae = pd.DataFrame({"USUBJID": ["S1", "S1"], "AESEQ": [1.0, 2.0], "DOMAIN": ["AE", "AE"]})
    supp = pd.DataFrame({"USUBJID": ["S1", "S1", "S2", "", "S1"], "RDOMAIN": ["AE"] * 5,
                         "IDVAR": ["AESEQ", "AESEQ", "AESEQ", "AESEQ", ""], "IDVARVAL": ["1", "3", "1", "2", ""]})
    variables = {n: tuple(Variable(c, c, "Num" if c == "AESEQ" else "Char", 8) for c in df) for n, df in
                 (("AE", ae), ("SUPPAE", supp))}
    package = Package(Path("."), "SDTMIG", {n: Dataset(n, n, f"{n.lower()}.xpt", variables[n], df)
                                            for n, df in (("AE", ae), ("SUPPAE", supp))})
    merged = merge_matches(supp, [{"Name": "AE", "Child": True}], package, package.datasets["SUPPAE"])
    assert merged["AESEQ"].tolist() == ["1", "", "", "2", ""]
    assert merged.drop(columns="AESEQ").equals(supp)
