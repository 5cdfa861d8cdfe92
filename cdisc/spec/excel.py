"""Spec exchange with a Pinnacle 21 style define specification workbook (openpyxl).

Sheets: Study, Datasets, Variables, ValueLevel, WhereClauses, Codelists, Dictionaries, Methods, Comments,
Documents, with Pinnacle 21's column names (`SHEETS`); an ADaM workbook adds the analysis results metadata in
Analysis Displays, Analysis Results (as Pinnacle 21 names them; our columns) and Analysis Datasets (ours: the
datasets, analysis variables and where clause of each result), which a workbook may leave out.

Three columns of ours have no Pinnacle 21 twin and are kept as extra columns: Variables `Core`, Codelists
`Collected Values` and `Subset`. Where clause values of IN/NOTIN are
`|`-separated on export; on import a value without `|` is split at commas, as Pinnacle 21 writes them.
Study sheet rows are `Attribute, Value`: Pinnacle 21's StudyName, StudyDescription, ProtocolName, StandardName,
StandardVersion, then every other field of our study header under its own name. Dictionaries rows are the external
dictionaries (MedDRA, WHODrug, ISO 3166) that variables name as their codelist.

Every cell is written as text (`cdisc.xlsx.text_cell`); a text starting with `=`, `+`, `-`, `@`, tab or CR is a
quoted string (quotePrefix), never as a formula. Export then import gives back the same `Spec`, hence the same
spec folder.
"""
from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path
from xml.etree.ElementTree import ParseError

import pandas as pd
from pydantic import ValidationError

from cdisc.errors import SpecError
from cdisc.failure import first_invalid
from cdisc.spec.load import STANDARDS, spec_from_sheets
from cdisc.spec.model import Spec, Study
from cdisc.spec.write import spec_sheets
from cdisc.xlsx import save_stable, text_cell

# Workbook sheet -> (spec sheet, {workbook column: spec column}); the order is the workbook's.
SHEETS: dict[str, tuple[str, dict[str, str]]] = {
    "Datasets": ("datasets", {"Dataset": "Dataset", "Description": "Label", "Class": "Class",
                              "Structure": "Structure", "Key Variables": "Keys", "Repeating": "Repeating",
                              "Reference Data": "ReferenceData", "Comment": "Comment"}),
    "Variables": ("variables", {"Order": "Order", "Dataset": "Dataset", "Variable": "Variable", "Label": "Label",
                                "Data Type": "DataType", "Length": "Length",
                                "Significant Digits": "Significant Digits", "Format": "Format",
                                "Mandatory": "Mandatory", "Codelist": "Codelist", "Origin": "Origin",
                                "Source": "Source", "Pages": "Pages", "Method": "Method",
                                "Predecessor": "Predecessor", "Role": "Role", "Comment": "Comment",
                                "Core": "Core"}),
    "ValueLevel": ("value_level", {"Order": "Order", "Dataset": "Dataset", "Variable": "Variable",
                                   "Where Clause": "Where Clause", "Data Type": "DataType", "Length": "Length",
                                   "Significant Digits": "Significant Digits", "Format": "Format",
                                   "Mandatory": "Mandatory", "Codelist": "Codelist", "Origin": "Origin",
                                   "Source": "Source", "Pages": "Pages", "Method": "Method",
                                   "Predecessor": "Predecessor", "Comment": "Comment"}),
    "WhereClauses": ("where_clauses", {"ID": "ID", "Dataset": "Dataset", "Variable": "Variable",
                                       "Comparator": "Comparator", "Value": "Value"}),
    "Codelists": ("codelists", {"ID": "ID", "Name": "Name", "NCI Codelist Code": "NCI Codelist Code",
                                "Data Type": "Data Type", "Order": "Order", "Term": "Term",
                                "NCI Term Code": "NCI Term Code", "Decoded Value": "Decoded Value",
                                "Collected Values": "Collected Values", "Subset": "Subset"}),
    "Dictionaries": ("dictionaries", {"ID": "ID", "Name": "Name", "Data Type": "Data Type",
                                      "Dictionary": "Dictionary", "Version": "Version"}),
    "Methods": ("methods", {"ID": "ID", "Name": "Name", "Type": "Type", "Description": "Description",
                            "Expression Context": "Expression Context", "Expression Code": "Expression Code",
                            "Document": "Document", "Pages": "Pages"}),
    "Comments": ("comments", {"ID": "ID", "Description": "Description", "Document": "Document", "Pages": "Pages"}),
    "Documents": ("documents", {"ID": "ID", "Title": "Title", "Href": "Href"}),
    "Analysis Displays": ("analysis_displays", {"ID": "ID", "Name": "Name", "Title": "Title",
                                                "Document": "Document", "Pages": "Pages"}),
    "Analysis Results": ("analysis_results", {"Display": "Display", "ID": "ID", "Description": "Description",
                                              "Reason": "Reason", "Purpose": "Purpose", "Parameter": "Parameter",
                                              "Join Comment": "Join Comment", "Documentation": "Documentation",
                                              "Document": "Document", "Pages": "Pages",
                                              "Programming Context": "Programming Context",
                                              "Programming Code": "Programming Code",
                                              "Programming Document": "Programming Document"}),
    "Analysis Datasets": ("analysis_datasets", {"Result": "Result", "Dataset": "Dataset", "Variables": "Variables",
                                                "Where Clause": "Where Clause"}),
}
# analysis results metadata: written for an ADaM spec, optional on import
ARM_SHEETS = ("Analysis Displays", "Analysis Results", "Analysis Datasets")
STUDY_ALIASES = {"StudyName": "name", "StudyDescription": "description", "ProtocolName": "protocol"}
OURS = ("Core", "Collected Values", "Subset")  # our columns without a Pinnacle 21 twin: optional on import


def export_workbook(spec: Spec, path: Path) -> None:
    """Write `spec` as a Pinnacle 21 style workbook at `path`."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    _sheet(wb, "Study", ["Attribute", "Value"], _study_rows(spec))
    sheets = spec_sheets(spec)
    for name, (sheet, columns) in SHEETS.items():
        if name in ARM_SHEETS and spec.standard != "ADaMIG":
            continue
        frame = sheets[sheet].rename(columns={v: k for k, v in columns.items()})
        if sheet == "datasets":
            frame = frame.assign(**{"Key Variables": frame["Key Variables"].str.replace(" ", ", ")})
        _sheet(wb, name, list(columns), frame[list(columns)].values.tolist())
    save_stable(wb, path, dt.datetime.combine(spec.study.data_cut, dt.time()))


def import_workbook(path: Path) -> Spec:
    """Read a Pinnacle 21 style workbook into a `Spec` (not yet checked). Raises `SpecError` naming the sheet."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
        formulas = load_workbook(path, read_only=True, data_only=False)
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, InvalidFileException) as exc:
        raise SpecError(f"{path}: not a readable .xlsx workbook ({exc})") from None
    missing = [s for s in ("Study", *SHEETS) if s not in wb.sheetnames and s not in ARM_SHEETS]
    if missing:
        raise SpecError(f"{path.name}: sheet(s) {', '.join(missing)} missing")
    study, standard, version = _study(_read(wb, formulas, "Study", path.name), path.name)
    sheets = {}
    for name, (sheet, columns) in SHEETS.items():
        if name not in wb.sheetnames:
            continue
        frame = _read(wb, formulas, name, path.name)
        absent = [c for c in columns if c not in frame.columns and c not in OURS]
        if absent:
            raise SpecError(f"{path.name}, sheet {name}: column(s) {', '.join(absent)} missing")
        frame = frame.reindex(columns=list(columns), fill_value="").rename(columns=columns)
        sheets[sheet] = _from_p21(sheet, frame)
    return spec_from_sheets(study, standard, version, sheets, where=f"{path.name}")


def _study_rows(spec: Spec) -> list[list[str]]:
    data = spec.study.model_dump()
    rows = [[alias, str(data[field])] for alias, field in STUDY_ALIASES.items()]
    rows += [["StandardName", spec.standard], ["StandardVersion", spec.standard_version]]
    data["cut_dates"] = " ".join(f"{form}={field}" for form, field in spec.study.cut_dates.items())
    return rows + [[k, "" if v is None else str(v)] for k, v in data.items() if k not in STUDY_ALIASES.values()]


def _cut_dates(text: str, where: str) -> dict[str, str]:
    """The Study sheet's `cut_dates`: `form=FIELD` pairs separated by spaces (`ae=AESTDAT ds=DSSTDAT`)."""
    pairs = [pair.partition("=") for pair in text.split()]
    if bad := [form + eq + field for form, eq, field in pairs if not (form and eq and field)]:
        raise SpecError(f"{where}, sheet Study: cut_dates must be form=FIELD pairs separated by spaces, "
                        f"not {bad[0]!r}")
    return {form: field for form, _, field in pairs}


def _study(frame: pd.DataFrame, where: str) -> tuple[Study, str, str]:
    if absent := [c for c in ("Attribute", "Value") if c not in frame.columns]:
        raise SpecError(f"{where}, sheet Study: column(s) {', '.join(absent)} missing")
    if repeated := sorted(set(frame["Attribute"][frame["Attribute"].duplicated()])):
        raise SpecError(f"{where}, sheet Study: attribute(s) {', '.join(repeated)} given more than once")
    values = dict(zip(frame["Attribute"], frame["Value"], strict=True))
    fields = {STUDY_ALIASES.get(k, k): v for k, v in values.items() if k not in ("StandardName", "StandardVersion")}
    standard = values.get("StandardName", "")
    if standard not in STANDARDS.values():
        raise SpecError(f"{where}, sheet Study: StandardName must be one of {', '.join(STANDARDS.values())}, "
                        f"not {standard!r}")
    if "cut_dates" in fields:
        fields["cut_dates"] = _cut_dates(str(fields["cut_dates"]), where)
    try:
        study = Study(**fields)
    except ValidationError as exc:
        raise SpecError(f"{where}, sheet Study: {first_invalid(exc)}") from None
    return study, standard, values.get("StandardVersion", "")


def _from_p21(sheet: str, frame: pd.DataFrame) -> pd.DataFrame:
    if sheet == "datasets":
        return frame.assign(Keys=frame["Keys"].str.replace(",", " ").str.split().str.join(" "))
    if sheet == "where_clauses":
        return frame.assign(Value=frame["Value"].map(_where_values))
    return frame


def _where_values(value: str) -> str:
    return value if "|" in value else "|".join(v.strip() for v in value.split(","))


def _sheet(wb, title: str, header: list[str], rows: list[list[str]]) -> None:
    ws = wb.create_sheet(title)
    ws.append(header)
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row, start=1):
            if value not in ("", None):
                text_cell(ws.cell(row=r, column=c), str(value))


def _read(wb, formulas, title: str, where: str) -> pd.DataFrame:
    """A sheet as text, its first non-blank row the header; a column's name must be given once (a value under no
    name is a stray cell). The sheet's XML is read here (read-only workbooks parse a sheet when it is read).
    `formulas` is the same workbook read without the saved values: a formula whose value was never saved (a
    workbook written by a program, not saved by a spreadsheet) would read as a blank cell (`_unsaved_formula`)."""
    try:
        saved = list(wb[title].iter_rows(values_only=True))
        if unsaved := _unsaved_formula(saved, formulas[title]):
            cell, formula = unsaved
            raise SpecError(f"{where}, sheet {title}, cell {cell}: the formula {formula} has no saved value (open "
                            "and save the workbook in a spreadsheet program, or type the value)")
    except (ParseError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise SpecError(f"{where}, sheet {title}: cannot be read ({exc})") from None
    rows = [[_cell_text(v) for v in row] for row in saved]
    rows = [r for r in rows if any(v != "" for v in r)]
    if not rows:
        return pd.DataFrame()
    header = [h.strip() for h in rows[0]]
    if repeated := sorted({h for h in header if h and header.count(h) > 1}):
        raise SpecError(f"{where}, sheet {title}: column(s) {', '.join(repeated)} named more than once")
    if stray := [n for n, h in enumerate(header) if not h and any(n < len(r) and r[n] != "" for r in rows[1:])]:
        raise SpecError(f"{where}, sheet {title}: column {stray[0] + 1} holds values but has no name in the header")
    rows = [[v for v, h in zip(r, header, strict=False) if h] for r in rows]
    header = [h for h in header if h]
    return pd.DataFrame([r + [""] * (len(header) - len(r)) for r in rows[1:]], columns=header, dtype=str)


def _unsaved_formula(saved: list[tuple], sheet) -> tuple[str, str] | None:
    """The first cell (A1 style) without a value in `saved` (the sheet's saved values, row by row) that holds a
    formula in `sheet` (the sheet read without them), with its formula; None when every formula has its value."""
    from openpyxl.utils import get_column_letter

    for r, row in enumerate(sheet.iter_rows(values_only=True)):
        for c, formula in enumerate(row):
            if (isinstance(formula, str) and formula.startswith("=")
                    and (r >= len(saved) or c >= len(saved[r]) or saved[r][c] is None)):
                return f"{get_column_letter(c + 1)}{r + 1}", formula
    return None


def _cell_text(value) -> str:
    """Cell values as the spec's text: integers typed as numbers lose their '.0'."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    return str(value)
