"""Spec exchange: the canonical spec folder writer and the Pinnacle 21 style workbook, round trips and hazards."""
import shutil
from pathlib import Path

import pyreadstat
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from cdisc.errors import SpecError
from cdisc.spec.excel import export_workbook, import_workbook
from cdisc.spec.load import load_spec
from cdisc.spec.write import write_spec
from cli import main

IM96 = Path(__file__).resolve().parents[3] / "specs" / "im96"


def folder_bytes(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("standard", ["sdtm", "adam"])
def test_workbook_round_trip_gives_the_same_spec_and_the_same_canonical_folder(tmp_path, standard):
    original = load_spec(IM96, standard)
    export_workbook(original, tmp_path / "spec.xlsx")
    imported = import_workbook(tmp_path / "spec.xlsx")
    assert imported == original
    write_spec(original, tmp_path / "direct")
    write_spec(imported, tmp_path / "via_excel")
    assert folder_bytes(tmp_path / "via_excel") == folder_bytes(tmp_path / "direct")
    assert load_spec(tmp_path / "via_excel", standard) == original


def test_workbook_has_the_pinnacle_21_sheets_and_columns(tmp_path):
    export_workbook(load_spec(IM96, "sdtm"), tmp_path / "spec.xlsx")
    wb = load_workbook(tmp_path / "spec.xlsx")
    assert wb.sheetnames == ["Study", "Datasets", "Variables", "ValueLevel", "WhereClauses", "Codelists",
                             "Dictionaries", "Methods", "Comments", "Documents"]
    assert [c.value for c in wb["Datasets"][1]] == ["Dataset", "Description", "Class", "Structure", "Key Variables",
                                                    "Repeating", "Reference Data", "Comment"]
    dm = next(r for r in wb["Datasets"].iter_rows(values_only=True) if r[0] == "DM")
    assert dm[4] == "STUDYID, USUBJID"
    study = dict(wb["Study"].iter_rows(min_row=2, values_only=True))
    assert (study["StudyName"], study["StandardName"], study["StandardVersion"]) == (
        "IM96 CAR-T Phase I in Advanced Colorectal Cancer", "SDTMIG", "3.4")
    assert (study["meddra_version"], study["whodrug_version"]) == ("27.0", "2025-03 B3")
    assert [c.value for c in wb["Dictionaries"][1]] == ["ID", "Name", "Data Type", "Dictionary", "Version"]


def test_adam_workbook_carries_the_analysis_results_and_a_workbook_without_them_still_imports(tmp_path):
    """The ADaM spec's analysis results metadata goes to three sheets and comes back; an ADaM workbook without
    those sheets (as from a tool that has none) imports with no analysis results."""
    spec = load_spec(IM96, "adam")
    export_workbook(spec, tmp_path / "adam.xlsx")
    wb = load_workbook(tmp_path / "adam.xlsx")
    assert wb.sheetnames[-3:] == ["Analysis Displays", "Analysis Results", "Analysis Datasets"]
    assert [c.value for c in wb["Analysis Datasets"][1]] == ["Result", "Dataset", "Variables", "Where Clause"]
    orr = next(r for r in wb["Analysis Datasets"].iter_rows(values_only=True) if r[0] == "AR.T14.2.1.ORR")
    assert orr == ("AR.T14.2.1.ORR", "ADRS", "TRT01A AVALC", "WC.ADRS.PARAMCD.RSP.EFFFL.Y")
    result = next(r for r in wb["Analysis Results"].iter_rows(values_only=True) if r[1] == "AR.T14.2.1.ORR")
    assert result[12 - 1].startswith('rows = adrs[adrs.PARAMCD.eq("RSP") & adrs.EFFFL.eq("Y")]\n')
    assert import_workbook(tmp_path / "adam.xlsx").analysis_results == spec.analysis_results
    for name in ("Analysis Displays", "Analysis Results", "Analysis Datasets"):
        del wb[name]
    wb.save(tmp_path / "plain.xlsx")
    plain = import_workbook(tmp_path / "plain.xlsx")
    assert (plain.analysis_displays, plain.analysis_results, plain.analysis_datasets) == ((), (), ())


def test_formula_like_text_is_stored_as_quoted_text_and_read_back_unchanged(tmp_path):
    spec = load_spec(IM96, "sdtm")
    evil = spec.methods[0].model_copy(update={"description": "=HYPERLINK(\"http://x\",\"click\")"})
    spec = spec.model_copy(update={"methods": (evil, *spec.methods[1:])})
    export_workbook(spec, tmp_path / "spec.xlsx")
    cell = load_workbook(tmp_path / "spec.xlsx")["Methods"]["D2"]
    assert (cell.value, cell.data_type, cell.quotePrefix) == ("=HYPERLINK(\"http://x\",\"click\")", "s", True)
    assert import_workbook(tmp_path / "spec.xlsx").methods[0].description == "=HYPERLINK(\"http://x\",\"click\")"


def test_pinnacle_21_comma_separated_values_are_read(tmp_path):
    """A workbook written by Pinnacle 21 separates keys and IN values with commas, and types numbers as numbers."""
    export_workbook(load_spec(IM96, "sdtm"), tmp_path / "spec.xlsx")
    wb = load_workbook(tmp_path / "spec.xlsx")
    ws = wb["WhereClauses"]
    row = next(r for r in ws.iter_rows(min_row=2) if r[3].value == "IN")
    row[4].value = "A, B,C"
    wb["Variables"]["A2"].value = 1  # Order typed as a number
    wb.save(tmp_path / "p21.xlsx")
    spec = import_workbook(tmp_path / "p21.xlsx")
    assert next(w for w in spec.where_clauses if w.id == row[0].value and w.comparator == "IN").values == (
        "A", "B", "C")
    assert spec.variables[0].order == 1


def test_a_workbook_without_a_sheet_is_refused_by_name(tmp_path):
    export_workbook(load_spec(IM96, "sdtm"), tmp_path / "spec.xlsx")
    wb = load_workbook(tmp_path / "spec.xlsx")
    del wb["Codelists"]
    wb.save(tmp_path / "broken.xlsx")
    with pytest.raises(SpecError, match="sheet\\(s\\) Codelists missing"):
        import_workbook(tmp_path / "broken.xlsx")


def test_a_length_that_is_no_whole_number_is_named_with_its_sheet_and_row(tmp_path):
    """Row 2 of Variables with Length 'long': the sheet, the row, the column and the value (the message had been
    Python's "invalid literal for int()", with the row given as "row row 2")."""
    export_workbook(load_spec(IM96, "sdtm"), tmp_path / "spec.xlsx")
    wb = load_workbook(tmp_path / "spec.xlsx")
    header = [c.value for c in wb["Variables"][1]]
    wb["Variables"].cell(row=3, column=header.index("Length") + 1).value = "long"
    wb.save(tmp_path / "broken.xlsx")
    with pytest.raises(SpecError) as info:
        import_workbook(tmp_path / "broken.xlsx")
    assert str(info.value) == "broken.xlsx, variables (row 2): Length 'long' is not a whole number"


def test_cli_export_then_import_and_refuse_to_overwrite(tmp_path):
    runner = CliRunner()
    assert runner.invoke(main, ["spec", "export", str(IM96), "--out", str(tmp_path / "s.xlsx")]).exit_code == 0
    first = runner.invoke(main, ["spec", "import", str(tmp_path / "s.xlsx"), "--out", str(tmp_path / "study")])
    assert first.exit_code == 0, first.output
    assert load_spec(tmp_path / "study", "sdtm") == load_spec(IM96, "sdtm")
    again = runner.invoke(main, ["spec", "import", str(tmp_path / "s.xlsx"), "--out", str(tmp_path / "study")])
    assert again.exit_code == 2
    assert "already exists" in again.output


def test_a_hand_edited_workbook_flows_through_to_the_xpt_the_suites_and_define(tmp_path):
    """Edit the exported workbook as a user would (a label changed, a term added to an extensible codelist),
    import it, run the study on it: the XPT label, the expectation suite and define.xml all follow."""
    from lxml import etree

    from cdisc.validate.suite import suite_for
    from cli import BUNDLED_RAW

    runner = CliRunner()
    assert runner.invoke(main, ["spec", "export", str(IM96), "--out", str(tmp_path / "s.xlsx")]).exit_code == 0
    wb = load_workbook(tmp_path / "s.xlsx")
    age = next(r for r in wb["Variables"].iter_rows(min_row=2) if (r[1].value, r[2].value) == ("DM", "AGE"))
    age[3].value = "Subject Age"
    epoch = [r for r in wb["Codelists"].iter_rows(min_row=2, values_only=True) if r[0] == "EPOCH"]
    wb["Codelists"].append([*epoch[-1][:4], str(len(epoch) + 1), "LONG-TERM FOLLOW-UP", "C202577", "Long-term Follow-up"])
    wb.save(tmp_path / "edited.xlsx")
    study = tmp_path / "study"
    shutil.copytree(IM96, study, ignore=shutil.ignore_patterns("sdtm"))
    assert runner.invoke(main, ["spec", "import", str(tmp_path / "edited.xlsx"), "--out", str(study)]).exit_code == 0
    result = runner.invoke(main, ["run", "--spec", str(study), "--raw", str(BUNDLED_RAW), "--out", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    _, meta = pyreadstat.read_xport(str(tmp_path / "o" / "sdtm" / "dm.xpt"), metadataonly=True)
    assert meta.column_names_to_labels["AGE"] == "Subject Age"
    spec = load_spec(study, "sdtm")
    sets = [e.kwargs["value_set"] for e in suite_for(spec, "SV") if e.kwargs.get("column") == "EPOCH"]
    assert "LONG-TERM FOLLOW-UP" in sets[0]
    define = etree.parse(str(tmp_path / "o" / "sdtm" / "define.xml"))
    ns = {"odm": "http://www.cdisc.org/ns/odm/v1.3"}
    assert define.find(".//odm:ItemDef[@OID='IT.DM.AGE']/odm:Description/odm:TranslatedText", ns).text == (
        "Subject Age")
    assert define.find(".//odm:CodeList[@OID='CL.EPOCH']/*[@CodedValue='LONG-TERM FOLLOW-UP']", ns) is not None


def test_a_file_that_is_no_workbook_is_a_spec_error(tmp_path):
    (tmp_path / "spec.xlsx").write_text("SUBJID,SEX\n")
    with pytest.raises(SpecError, match=r"spec.xlsx: not a readable .xlsx workbook \(File is not a zip file\)"):
        import_workbook(tmp_path / "spec.xlsx")


def _edited(tmp_path: Path, edit) -> Path:
    """The IM96 SDTM workbook with `edit(workbook)` made, saved as broken.xlsx."""
    export_workbook(load_spec(IM96, "sdtm"), tmp_path / "spec.xlsx")
    wb = load_workbook(tmp_path / "spec.xlsx")
    edit(wb)
    wb.save(tmp_path / "broken.xlsx")
    return tmp_path / "broken.xlsx"


@pytest.mark.parametrize(("edit", "message"), [
    # values under no header (pandas: "cannot reindex on an axis with duplicate labels")
    (lambda wb: [wb["Variables"].cell(row=3, column=c, value="x") for c in (40, 41)],
     r"broken.xlsx, sheet Variables: column 40 holds values but has no name in the header"),
    (lambda wb: wb["Datasets"].cell(row=1, column=20, value="Class"),
     r"broken.xlsx, sheet Datasets: column\(s\) Class named more than once"),
    (lambda wb: wb["Study"].cell(row=1, column=1, value="Attr"),  # KeyError: 'Attribute'
     r"broken.xlsx, sheet Study: column\(s\) Attribute missing"),
])
def test_a_sheet_whose_columns_cannot_be_told_apart_is_named(tmp_path, edit, message):
    with pytest.raises(SpecError, match=message):
        import_workbook(_edited(tmp_path, edit))


def test_a_study_attribute_of_the_wrong_form_is_one_line(tmp_path):
    """A data cut of "last tuesday": one line naming the attribute (was four lines of pydantic with its URL)."""
    def edit(wb):
        for row in wb["Study"].iter_rows(min_row=2):
            if row[0].value == "data_cut":
                row[1].value = "last tuesday"
    with pytest.raises(SpecError) as info:
        import_workbook(_edited(tmp_path, edit))
    assert str(info.value).startswith("broken.xlsx, sheet Study: data_cut: Input should be a valid date")
    assert "\n" not in str(info.value)


def test_a_sheet_whose_xml_is_cut_is_named(tmp_path):
    """A workbook whose Variables sheet XML is cut short (the zip is whole): ElementTree's ParseError traceback."""
    import zipfile

    export_workbook(load_spec(IM96, "sdtm"), tmp_path / "spec.xlsx")
    with zipfile.ZipFile(tmp_path / "spec.xlsx") as source, zipfile.ZipFile(tmp_path / "cut.xlsx", "w") as target:
        for entry in source.infolist():
            data = source.read(entry.filename)
            target.writestr(entry, data[:len(data) // 2] if entry.filename == "xl/worksheets/sheet3.xml" else data)
    with pytest.raises(SpecError, match=r"cut.xlsx, sheet \w+: cannot be read \("):
        import_workbook(tmp_path / "cut.xlsx")


def test_import_exits_1_when_the_written_spec_breaks_the_spec_rules(tmp_path):
    """A DataType 'banana' is written (to be mended) and listed, but the import no longer says success."""
    def edit(wb):
        header = [c.value for c in wb["Variables"][1]]
        wb["Variables"].cell(row=2, column=header.index("Data Type") + 1).value = "banana"
    result = CliRunner().invoke(main, ["spec", "import", str(_edited(tmp_path, edit)), "--out", str(tmp_path / "s")])
    assert result.exit_code == 1, result.output
    assert "banana" in result.output and "before a run" in result.output
    assert (tmp_path / "s" / "sdtm").is_dir()


def test_a_study_attribute_given_twice_is_named(tmp_path):
    """StudyName twice: the last one silently won."""
    path = _edited(tmp_path, lambda wb: wb["Study"].append(["StudyName", "Other"]))
    with pytest.raises(SpecError, match=r"broken.xlsx, sheet Study: attribute\(s\) StudyName given more than once"):
        import_workbook(path)


def test_the_data_cut_dates_are_one_study_attribute_of_form_field_pairs(tmp_path):
    """cut_dates is a table in study.toml and `form=FIELD` pairs in the Study sheet; a pair without its `=` is
    named."""
    export_workbook(load_spec(IM96, "sdtm"), tmp_path / "spec.xlsx")
    study = load_workbook(tmp_path / "spec.xlsx")["Study"]
    values = {row[0].value: row[1].value for row in study.iter_rows(min_row=2)}
    assert values["cut_dates"].split()[:3] == ["ic=ICDAT", "ie=IEDAT", "cm=CMSTDAT"]
    assert values["cut_consent"] == "ic.ICDAT"

    def edit(wb):
        for row in wb["Study"].iter_rows(min_row=2):
            if row[0].value == "cut_dates":
                row[1].value = "ae=AESTDAT cm"
    with pytest.raises(SpecError, match=r"^broken.xlsx, sheet Study: cut_dates must be form=FIELD pairs separated "
                                        r"by spaces, not 'cm'$"):
        import_workbook(_edited(tmp_path, edit))


def test_a_formula_without_a_saved_value_is_named_by_its_cell(tmp_path):
    """A Length typed as the formula =100+100 by a program (openpyxl saves no value for it): it was read as a
    blank Length, silently. Now the sheet, the cell and the formula are named."""
    def edit(wb):
        header = [c.value for c in wb["Variables"][1]]
        wb["Variables"].cell(row=3, column=header.index("Length") + 1).value = "=100+100"
    column = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[[c.value for c in load_workbook(_edited(tmp_path, lambda wb: None))
                                        ["Variables"][1]].index("Length")]
    with pytest.raises(SpecError) as info:
        import_workbook(_edited(tmp_path, edit))
    assert str(info.value) == (f"broken.xlsx, sheet Variables, cell {column}3: the formula =100+100 has no saved "
                               "value (open and save the workbook in a spreadsheet program, or type the value)")


def test_a_formula_with_its_saved_value_is_read_as_that_value(tmp_path):
    """The same formula with the value a spreadsheet saved beside it (<f> and <v> in the cell's XML) is read as the
    value, 200."""
    import re
    import zipfile

    def edit(wb):
        header = [c.value for c in wb["Variables"][1]]
        wb["Variables"].cell(row=3, column=header.index("Length") + 1).value = "=100+100"
    broken = _edited(tmp_path, edit)
    saved = tmp_path / "saved.xlsx"
    with zipfile.ZipFile(broken) as source, zipfile.ZipFile(saved, "w") as target:
        for entry in source.infolist():
            data = source.read(entry.filename)
            target.writestr(entry, re.sub(rb"<f>100\+100</f><v\s*/>|<f>100\+100</f><v></v>|<f>100\+100</f>",
                                          b"<f>100+100</f><v>200</v>", data))
    spec = import_workbook(saved)
    assert [v.length for v in spec.variables][1] == 200
