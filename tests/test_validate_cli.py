"""`cdisc validate`: our own output, planted defects, Dataset-JSON folders, CDISC's MSG example, bad input."""
import json
import shutil
from pathlib import Path

import pandas as pd
import pyreadstat
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from cdisc.validate.package import read_package
from cdisc.xpt import write_xpt
from cli import main

MSG = Path(__file__).resolve().parent / "fixtures" / "cdisc-msg"
EXPLAINED = Path(__file__).resolve().parents[1] / "specs" / "im96" / "validation" / "explanations.csv"


def validate(*args: str):
    return CliRunner().invoke(main, ["validate", *args])


def findings(report: Path) -> list[dict]:
    return json.loads((report / "report.json").read_text())["findings"]


def rewrite(path: Path, change) -> None:
    """Rewrite one XPT with `change(frame)` applied, keeping its name, labels and (ADaM) formats."""
    frame, meta = pyreadstat.read_xport(str(path), disable_datetime_conversion=True)
    text = [c for c, t in meta.readstat_variable_types.items() if t == "string"]
    frame[text] = frame[text].fillna("")
    write_xpt(change(frame), path, name=meta.table_name, label=meta.file_label,
              labels=meta.column_names_to_labels, created=pd.Timestamp("2026-06-30").date())


def test_our_output_validates_clean_in_one_process(out, tmp_path):
    """With the study's explanations, our own output has no unexplained error, CDISC CORE rules included."""
    result = validate(str(out / "sdtm"), str(out / "adam"), "--report", str(tmp_path / "r"),
                      "--explanations", str(EXPLAINED))
    assert result.exit_code == 0, result.output
    for folder in ("sdtm", "adam"):
        doc = json.loads((tmp_path / "r" / folder / "report.json").read_text())
        assert [f for f in doc["findings"] if f["severity"] == "error" and not f["explanation"]] == []
        assert doc["summary"]["datasets"] == {"sdtm": 29, "adam": 10}[folder]
        assert (tmp_path / "r" / folder / "report.html").exists()
    assert "out/sdtm (SDTMIG): 29 datasets" in result.output.replace(str(out.parent) + "/", "")
    sdtm = json.loads((tmp_path / "r" / "sdtm" / "report.json").read_text())
    explained = sorted((f["rule"], f["dataset"], f["count"]) for f in sdtm["findings"] if f["explanation"])
    assert explained == [("CORE-000080", "PP", 72), ("CORE-000097", "SV", 38), ("CORE-000192", "DM", 1),
                         ("CORE-000516", "EX", 72), ("CORE-000550", "SV", 1), ("CORE-000612", "PC", 7),
                         ("CORE-000612", "PP", 48)]
    executed = [r["rule"] for r in sdtm["rules"] if r["status"] == "executed" and r["rule"].startswith("CORE-")]
    assert len(executed) >= 320


def test_an_unknown_ct_package_is_bad_usage(out, tmp_path):
    result = validate(str(out / "sdtm"), "--ct", "2024-01-01", "--report", str(tmp_path / "r"))
    assert result.exit_code == 2 and "shipped: 2025-03-28" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "r").exists()


def test_without_the_explanations_the_core_findings_fail_the_package(out, tmp_path):
    result = validate(str(out / "sdtm"), "--report", str(tmp_path / "r"))
    assert result.exit_code == 1
    assert "[error] CORE-000516 EX.EXSTDY,EXENDY (72): Negative value of Study Day variable." in result.output


def test_planted_defects_are_caught_by_rules_that_name_the_variable(out, tmp_path):
    pkg = tmp_path / "sdtm"
    shutil.copytree(out / "sdtm", pkg)
    rewrite(pkg / "dm.xpt", lambda df: df.assign(SEX=df["SEX"].where(df.index != 2, "X")))  # codelist
    rewrite(pkg / "vs.xpt", lambda df: pd.concat([df, df.iloc[[0]]], ignore_index=True))  # duplicate key
    rewrite(pkg / "ae.xpt", lambda df: df.assign(AESTDTC=df["AESTDTC"].where(df.index != 0, "2025-02-30")))
    rewrite(pkg / "ex.xpt", lambda df: df.assign(USUBJID=df["USUBJID"].where(df.index != 0, "IM96-999-999")))
    result = validate(str(pkg), "--report", str(tmp_path / "r"))
    assert result.exit_code == 1, result.output
    found = {(f["rule"], f["dataset"], tuple(f["variables"])) for f in findings(tmp_path / "r")}
    assert ("SD0037", "DM", ("SEX",)) in found
    assert ("SD1152", "VS", ()) in found
    assert ("SD0003", "AE", ("AESTDTC",)) in found
    assert ("SD0064", "EX", ("USUBJID",)) in found
    sex = next(f for f in findings(tmp_path / "r") if f["rule"] == "SD0037")
    assert sex["records"] == [{"row": "3", "SEX": "X"}] and sex["severity"] == "error"


def test_fail_on_sets_the_exit_code(out, tmp_path):
    """Without TE's follow-up element, SE (12 records) and TA (2) name an element TE lacks (CORE-000173, errors).
    (Without the whole TE dataset CORE-000173 is not evaluated, as in CDISC's engine: its Operation reads TE.)"""
    pkg = tmp_path / "sdtm"
    shutil.copytree(out / "sdtm", pkg)
    rewrite(pkg / "te.xpt", lambda df: df[df["ETCD"] != "FU"])
    explained = ("--explanations", str(EXPLAINED))
    assert validate(str(pkg), "--report", str(tmp_path / "a"), "--fail-on", "never", *explained).exit_code == 0
    assert validate(str(pkg), "--report", str(tmp_path / "b"), *explained).exit_code == 1
    unexplained = sorted((f["rule"], f["dataset"], f["severity"], f["count"]) for f in findings(tmp_path / "b")
                         if not f["explanation"] and not f["rule"].startswith("CT"))  # CT: sponsor terms
    assert unexplained == [("CORE-000173", "SE", "error", 12), ("CORE-000173", "TA", "error", 2),
                           ("CORE-000741", "TS", "warning", 1)]


def test_a_dataset_json_folder_gives_the_same_findings_as_its_xpt(out, tmp_path):
    pkg = tmp_path / "json"
    pkg.mkdir()
    for path in (out / "sdtm").glob("*.json"):
        shutil.copy(path, pkg / path.name)
    shutil.copy(out / "sdtm" / "define.xml", pkg / "define.xml")
    result = validate(str(pkg), "--report", str(tmp_path / "r"), "--explanations", str(EXPLAINED))
    assert result.exit_code == 0, result.output
    # the bundled SDTM: 6,152 records, 31 of them TV (15 planned visits + the 16 of the Phase 3 schedule)
    assert json.loads((tmp_path / "r" / "report.json").read_text())["summary"]["records"] == 6152
    xpt = validate(str(out / "sdtm"), "--report", str(tmp_path / "x"), "--explanations", str(EXPLAINED))
    assert [(f["rule"], f["dataset"], f["count"]) for f in findings(tmp_path / "r")] == [
        (f["rule"], f["dataset"], f["count"]) for f in findings(tmp_path / "x")], xpt.output


def test_adam_dataset_json_dates_are_day_counts_as_in_the_xpt(out, tmp_path):
    """ADaM dates travel in Dataset-JSON as ISO text with targetDataType integer; read back they are SAS day counts
    (numbers), so a folder of ADaM Dataset-JSON gives the findings of its XPTs (TRTSDT equal to ADSL's included)."""
    pkg = tmp_path / "json"
    pkg.mkdir()
    for path in (out / "adam").glob("*.json"):
        shutil.copy(path, pkg / path.name)
    shutil.copy(out / "adam" / "define.xml", pkg / "define.xml")
    from_json, from_xpt = read_package(pkg).datasets["ADSL"], read_package(out / "adam").datasets["ADSL"]
    assert {v.name: v.type for v in from_json.variables}["TRTSDT"] == "Num"
    pd.testing.assert_series_equal(from_json.data["TRTSDT"], from_xpt.data["TRTSDT"])  # day counts, NaN alike
    validate(str(pkg), "--report", str(tmp_path / "r"), "--fail-on", "never")
    validate(str(out / "adam"), "--report", str(tmp_path / "x"), "--fail-on", "never")
    assert [(f["rule"], f["dataset"], f["count"]) for f in findings(tmp_path / "r")] == [
        (f["rule"], f["dataset"], f["count"]) for f in findings(tmp_path / "x")]


def test_a_dataset_only_in_dataset_json_is_read_beside_the_xpts(tmp_path):
    """A folder of XPTs with one more dataset as Dataset-JSON (as CDISC's MSG ADaM ships ADADAS): all are validated;
    an XPT wins over a JSON file of the same name."""
    pkg = tmp_path / "mixed"
    pkg.mkdir()
    shutil.copy(MSG / "ts.xpt", pkg / "ts.xpt")
    columns = [{"itemOID": "IT.DD.STUDYID", "name": "STUDYID", "label": "Study Identifier", "dataType": "string",
                "length": 12}]
    dd = {"datasetJSONCreationDateTime": "2026-12-04T00:00:00", "datasetJSONVersion": "1.1.0", "fileOID": "dd",
          "originator": "test", "studyOID": "S", "metaDataVersionOID": "M", "itemGroupOID": "IG.DD", "records": 1,
          "name": "DD", "label": "Death Details", "columns": columns, "rows": [["CDISCPILOT01"]]}
    (pkg / "dd.json").write_text(json.dumps(dd))
    (pkg / "ts.json").write_text(json.dumps({**dd, "name": "TS", "itemGroupOID": "IG.TS"}))
    result = validate(str(pkg), "--report", str(tmp_path / "r"), "--fail-on", "never")
    summary = json.loads((tmp_path / "r" / "report.json").read_text())["summary"]
    assert result.exit_code == 0, result.output
    assert summary["datasets"] == 2
    assert summary["records"] == 1 + len(pyreadstat.read_xport(str(MSG / "ts.xpt"))[0])


def test_third_party_msg_package_reports_what_is_wrong_with_it(tmp_path):
    """CDISC's SDTM-MSG example: its define.xml names the standard 'STDTMIG' (a real typo the schema rejects), and
    describes datasets this copy does not hold."""
    pkg = tmp_path / "msg"
    pkg.mkdir()
    for name in ("dd.xpt", "ts.xpt"):
        shutil.copy(MSG / name, pkg / name)
    shutil.copy(MSG / "define-sdtm.xml", pkg / "define.xml")
    result = validate(str(pkg), "--report", str(tmp_path / "r"))
    assert result.exit_code == 1
    by_rule = {}
    for f in findings(tmp_path / "r"):
        by_rule.setdefault(f["rule"], []).append(f)
    assert "'STDTMIG' is not an element of the set" in by_rule["CCV-0005"][0]["message"]
    assert {f["dataset"] for f in by_rule["CCV-0004"]} >= {"AE", "DM", "LB"}
    xlsx = load_workbook(tmp_path / "r" / "report.xlsx")
    assert xlsx.sheetnames == ["Dataset Summary", "Issue Summary", "Details", "Rules"]


@pytest.mark.parametrize(("setup", "message"), [
    (lambda d: None, "no datasets"),
    (lambda d: (d / "dm.xpt").write_bytes(b"not a transport file" * 10), "dm.xpt: not a SAS transport"),
    (lambda d: ((d / "dd.xpt").write_bytes((MSG / "dd.xpt").read_bytes()), (d / "define.xml").write_text("<x")),
     "define.xml: not a readable XML document"),
    # a file holding another dataset would stand for it, and the one it is named after would be missing
    (lambda d: (d / "dm.xpt").write_bytes((MSG / "dd.xpt").read_bytes()),
     "dm.xpt holds dataset DD: a dataset's file is named after it (dd.xpt)"),
    # two files of one dataset (dd.xpt and DD.XPT on a case-sensitive file system): one would hide the other
    (lambda d: ((d / "dd.xpt").write_bytes((MSG / "dd.xpt").read_bytes()),
                (d / "DD.XPT").write_bytes((MSG / "dd.xpt").read_bytes())),
     "DD.XPT and dd.xpt both hold dataset DD"),
])
def test_bad_input_is_exit_2_with_one_line_and_no_report(tmp_path, setup, message):
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    setup(pkg)
    result = validate(str(pkg), "--report", str(tmp_path / "r"))
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "r").exists()


def test_planted_adam_defects_are_caught_by_adam_checks_that_name_the_variable(out, tmp_path):
    """ADLB record 4 (001-001 ALT, AVAL 14 = BASE 14, CHG 0) gets CHG 5; record 3's baseline flag is removed, so
    001-001's ALT keeps a BASE without a baseline record."""
    pkg = tmp_path / "adam"
    shutil.copytree(out / "adam", pkg)
    rewrite(pkg / "adlb.xpt", lambda df: df.assign(CHG=df["CHG"].where(df.index != 3, 5.0),
                                                   ABLFL=df["ABLFL"].where(df.index != 2, "")))
    result = validate(str(pkg), "--report", str(tmp_path / "r"))
    assert result.exit_code == 1, result.output
    by_rule = {f["rule"]: f for f in findings(tmp_path / "r")}
    assert by_rule["AD0223"]["variables"] == ["CHG", "AVAL", "BASE"]
    assert by_rule["AD0223"]["records"] == [{"row": 4, "USUBJID": "IM96-001-001", "PARAMCD": "ALT", "AVISIT": "",
                                             "CHG": 5.0, "AVAL": 14.0, "BASE": 14.0}]
    assert by_rule["AD0127"]["dataset"] == "ADLB" and "BASE" in by_rule["AD0127"]["variables"]


def test_planted_supp_and_trial_summary_defects_are_caught(out, tmp_path):
    """SUPPAE record 1 points at AESEQ 999, which 001-001 does not have (CORE-000206); TS loses AGEMIN (SD2203)."""
    pkg = tmp_path / "sdtm"
    shutil.copytree(out / "sdtm", pkg)
    rewrite(pkg / "suppae.xpt", lambda df: df.assign(IDVARVAL=df["IDVARVAL"].where(df.index != 0, "999")))
    rewrite(pkg / "ts.xpt", lambda df: df[df["TSPARMCD"] != "AGEMIN"].reset_index(drop=True))
    result = validate(str(pkg), "--report", str(tmp_path / "r"), "--explanations", str(EXPLAINED))
    assert result.exit_code == 1, result.output
    by_rule = {(f["rule"], f["dataset"]): f for f in findings(tmp_path / "r")}
    supp = by_rule[("CORE-000206", "SUPPAE")]
    assert (supp["count"], supp["variables"]) == (1, ["RDOMAIN", "USUBJID", "IDVAR", "IDVARVAL"])
    assert supp["records"][0]["IDVARVAL"] == "999" and supp["records"][0]["USUBJID"] == "IM96-001-001"
    assert by_rule[("SD2203", "TS")]["variables"] == ["TSPARMCD"]


def test_a_variable_whose_type_is_not_its_define_xml_data_type_is_sd0059(out, tmp_path):
    """ADLB.AVAL written as text while define.xml says float: the arithmetic checks cannot run on it, SD0059 says
    what is wrong (an error); the package as the run wrote it has none."""
    import datetime as dt

    from cdisc.transport import read_transport

    pkg = tmp_path / "adam"
    shutil.copytree(out / "adam", pkg)
    adlb = read_transport(pkg / "adlb.xpt").frame
    write_xpt(adlb.assign(AVAL=adlb["AVAL"].map(repr)), pkg / "adlb.xpt", name="ADLB", label="Laboratory",
              labels={}, created=dt.date(2026, 1, 1))
    found = []
    for folder, report in ((out / "adam", tmp_path / "clean"), (pkg, tmp_path / "rep")):
        CliRunner().invoke(main, ["validate", str(folder), "--report", str(report)])
        findings = json.loads((report / "report.json").read_text())["findings"]
        found.append([(f["rule"], f["dataset"], f["variables"]) for f in findings if f["rule"] == "SD0059"])
    assert found == [[], [("SD0059", "ADLB", ["AVAL"])]]


def test_a_label_or_description_that_is_not_define_xml_s_is_sd1324_or_sd1325(out, tmp_path):
    """ADSL written with AGE labelled "Age in years" and the dataset labelled "Subjects": Pinnacle 21's SD1324 and
    SD1325 (FDA TCG 4.1.4.5); every other label as define.xml has it, so nothing else is found."""
    import datetime as dt

    from cdisc.spec.define_xml import load_define
    from cdisc.transport import read_transport

    pkg = tmp_path / "adam"
    shutil.copytree(out / "adam", pkg)
    labels = {v.name: v.label for v in load_define(pkg / "define.xml").variables_of("ADSL")}
    write_xpt(read_transport(pkg / "adsl.xpt").frame, pkg / "adsl.xpt", name="ADSL", label="Subjects",
              labels={**labels, "AGE": "Age in years"}, created=dt.date(2026, 6, 30))
    CliRunner().invoke(main, ["validate", str(pkg), "--report", str(tmp_path / "r")])
    report = json.loads((tmp_path / "r" / "report.json").read_text())
    assert [(f["rule"], f["dataset"], f["variables"], f["message"]) for f in report["findings"]
            if f["rule"] in ("SD1324", "SD1325")] == [
        ("SD1325", "ADSL", [], "Define.xml/dataset description mismatch: 'Subject-Level Analysis Dataset' in "
                               "define.xml"),
        ("SD1324", "ADSL", ["AGE"], "Define.xml/dataset variable label mismatch: 'Age' in define.xml")]
    assert {r["rule"]: r["status"] for r in report["rules"]}["SD1324"] == "executed"
