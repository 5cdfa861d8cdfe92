"""Read a study spec from text files into a `Spec`.

Layout (one standard of one study, e.g. `specs/im96/sdtm/`): `datasets.csv`, `documents.csv`, and for the
other sheets either `<sheet>.csv` or a folder `<sheet>/` whose CSV files are concatenated in name order. An ADaM
spec may add the analysis results metadata: `analysis_displays.csv`, `analysis_results.csv`,
`analysis_datasets.csv`.
"""
from __future__ import annotations

import csv
import tomllib
from collections.abc import Callable
from pathlib import Path

import pandas as pd
from pydantic import ValidationError

from cdisc.errors import SpecError
from cdisc.failure import first_invalid
from cdisc.spec.model import (
    AnalysisDataset,
    AnalysisDisplay,
    AnalysisResult,
    Codelist,
    Comment,
    Dataset,
    Document,
    Method,
    Spec,
    Study,
    Term,
    ValueLevel,
    Variable,
    WhereCondition,
)

STANDARDS = {"sdtm": "SDTMIG", "adam": "ADaMIG"}

DATASET_COLUMNS = {
    "Dataset": "name", "Label": "label", "Class": "cls", "Structure": "structure", "Keys": "keys",
    "Repeating": "repeating", "ReferenceData": "reference_data", "Comment": "comment",
}
VARIABLE_COLUMNS = {
    "Order": "order", "Dataset": "dataset", "Variable": "name", "Label": "label", "DataType": "data_type",
    "Length": "length", "Significant Digits": "significant_digits", "Format": "display_format",
    "Mandatory": "mandatory", "Core": "core", "Codelist": "codelist", "Origin": "origin", "Source": "source",
    "Pages": "pages", "Method": "method", "Predecessor": "predecessor", "Role": "role", "Comment": "comment",
}
VALUE_LEVEL_COLUMNS = {
    **{k: v for k, v in VARIABLE_COLUMNS.items() if k not in ("Variable", "Label", "Core", "Role")},
    "Variable": "variable", "Where Clause": "where_clause",
}
WHERE_COLUMNS = {"ID": "id", "Dataset": "dataset", "Variable": "variable", "Comparator": "comparator",
                 "Value": "values"}
CODELIST_COLUMNS = ("ID", "Name", "NCI Codelist Code", "Data Type", "Order", "Term", "NCI Term Code",
                    "Decoded Value", "Collected Values", "Subset")
# columns a sheet may leave out (read as blank): `Subset` Yes = define.xml lists only the terms the data use
OPTIONAL_COLUMNS = {"codelists": ("Subset",)}
DICTIONARY_COLUMNS = {"ID": "id", "Name": "name", "Data Type": "data_type", "Dictionary": "dictionary",
                      "Version": "version"}
# an external dictionary without a Version takes the one study.toml pins for it
DICTIONARY_VERSIONS = {"MedDRA": "meddra_version", "WHODrug": "whodrug_version"}
METHOD_COLUMNS = {"ID": "id", "Name": "name", "Type": "type", "Description": "description",
                  "Expression Context": "context", "Expression Code": "code", "Document": "document",
                  "Pages": "pages"}
COMMENT_COLUMNS = {"ID": "id", "Description": "description", "Document": "document", "Pages": "pages"}
DOCUMENT_COLUMNS = {"ID": "id", "Title": "title", "Href": "href"}
# Analysis results metadata (ADaM only; each file optional): displays, their results, the datasets each reads
DISPLAY_COLUMNS = {"ID": "id", "Name": "name", "Title": "title", "Document": "document", "Pages": "pages"}
RESULT_COLUMNS = {"Display": "display", "ID": "id", "Description": "description", "Reason": "reason",
                  "Purpose": "purpose", "Parameter": "parameter", "Join Comment": "join_comment",
                  "Documentation": "documentation", "Document": "document", "Pages": "pages",
                  "Programming Context": "context", "Programming Code": "code",
                  "Programming Document": "code_document"}
ANALYSIS_DATASET_COLUMNS = {"Result": "result", "Dataset": "dataset", "Variables": "variables",
                            "Where Clause": "where_clause"}


def load_study(study_dir: Path) -> Study:
    path = study_dir / "study.toml"
    try:
        with path.open("rb") as fh:
            return Study(**tomllib.load(fh))
    except ValidationError as exc:  # one line naming the key, not pydantic's lines and its documentation's URL
        raise SpecError(f"{path}: cannot read the study header: {first_invalid(exc)}") from None
    except (OSError, tomllib.TOMLDecodeError, ValueError) as exc:
        raise SpecError(f"{path}: cannot read the study header: {exc}") from exc


SHEET_COLUMNS = {
    "datasets": DATASET_COLUMNS, "variables": VARIABLE_COLUMNS, "value_level": VALUE_LEVEL_COLUMNS,
    "where_clauses": WHERE_COLUMNS, "codelists": CODELIST_COLUMNS, "methods": METHOD_COLUMNS,
    "comments": COMMENT_COLUMNS, "documents": DOCUMENT_COLUMNS, "dictionaries": DICTIONARY_COLUMNS,
    "analysis_displays": DISPLAY_COLUMNS, "analysis_results": RESULT_COLUMNS,
    "analysis_datasets": ANALYSIS_DATASET_COLUMNS,
}
# sheets a spec may leave out (a workbook without them, an SDTM spec): read as empty
OPTIONAL_SHEETS = ("dictionaries", "analysis_displays", "analysis_results", "analysis_datasets")


def load_spec(study_dir: Path, standard: str = "sdtm") -> Spec:
    """Load `specs/<study>/<standard>/` (standard "sdtm" or "adam") into a `Spec` (not yet checked)."""
    study = load_study(study_dir)
    root = study_dir / standard
    sheets = {name: _read_sheet(root, name, columns, OPTIONAL_COLUMNS.get(name, ()))
              for name, columns in SHEET_COLUMNS.items()}
    version = study.sdtmig if standard == "sdtm" else study.adamig
    return spec_from_sheets(study, STANDARDS[standard], version, sheets, where=str(root))


def spec_from_sheets(study: Study, standard: str, version: str, sheets: dict[str, pd.DataFrame],
                     where: str) -> Spec:
    """A `Spec` from text frames of each sheet (spec folder column names). Errors name `where`, the sheet and
    the row (a frame read from files carries `_file`/`_row`; otherwise rows count from 1)."""
    def rows(sheet: str, make: Callable):
        frame = sheets.get(sheet, pd.DataFrame(columns=list(SHEET_COLUMNS[sheet])))
        return _rows(frame, SHEET_COLUMNS[sheet], make, f"{where}, {sheet}")

    return Spec(
        study=study,
        standard=standard,
        standard_version=version,
        datasets=rows("datasets", _dataset),
        variables=rows("variables", Variable.model_validate),
        value_level=rows("value_level", ValueLevel.model_validate),
        where_clauses=rows("where_clauses", _where),
        codelists=_codelists(sheets["codelists"].fillna("")) + rows("dictionaries", lambda f: _dictionary(f, study)),
        methods=rows("methods", Method.model_validate),
        comments=rows("comments", Comment.model_validate),
        documents=rows("documents", Document.model_validate),
        analysis_displays=rows("analysis_displays", AnalysisDisplay.model_validate),
        analysis_results=rows("analysis_results", AnalysisResult.model_validate),
        analysis_datasets=rows("analysis_datasets", _analysis_dataset),
    )


def _read_sheet(root: Path, sheet: str, columns, optional: tuple[str, ...] = ()) -> pd.DataFrame:
    """The sheet's rows from `<sheet>.csv` or every CSV file of `<sheet>/`, as text, with the `_file` and `_row`
    (1-based data row) each comes from; an optional column a file leaves out is blank."""
    files = [root / f"{sheet}.csv"] if (root / f"{sheet}.csv").exists() else sorted((root / sheet).glob("*.csv"))
    rows = []
    for f in files:
        header, records = _csv_records(f)
        names = [*header, *(c for c in optional if c not in header)]
        missing = [c for c in columns if c not in names]
        if missing:
            raise SpecError(f"{f}: missing column(s) {', '.join(missing)}")
        extra = [c for c in names if c not in columns]
        if extra:
            raise SpecError(f"{f}: unknown column(s) {', '.join(extra)}; expected {', '.join(columns)}")
        blanks = [""] * (len(names) - len(header))
        rows += [dict(zip([*names, "_file", "_row"], [*record, *blanks, f.name, row], strict=True))
                 for row, record in enumerate(records, start=1)]
    return pd.DataFrame(rows, columns=[*columns, "_file", "_row"])


def _csv_records(path: Path) -> tuple[list[str], list[list[str]]]:
    """The header and the records of a spec CSV file: UTF-8 text (a byte order mark dropped), blank lines
    skipped, every record with the header's number of fields. Anything else is a SpecError naming the file."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            rows = [row for row in csv.reader(fh, strict=True) if row]
    except UnicodeDecodeError as exc:
        raise SpecError(f"{path}: not UTF-8 text (byte {exc.start}: {exc.reason})") from None
    except csv.Error as exc:
        raise SpecError(f"{path}: not a readable CSV file ({exc})") from None
    except OSError as exc:
        raise SpecError(f"{path}: file cannot be read ({exc.strerror})") from None
    if not rows:
        raise SpecError(f"{path}: file is empty: not even a header row")
    header, records = rows[0], rows[1:]
    for row, record in enumerate(records, start=1):
        if len(record) != len(header):
            raise SpecError(f"{path} row {row}: {len(record)} fields, the header has {len(header)}")
    return header, records


def _rows(df: pd.DataFrame, columns: dict[str, str], make: Callable, where: str):
    out = []
    for i, rec in enumerate(df.to_dict("records"), start=1):
        fields = {columns[k]: str(v).strip() for k, v in rec.items() if k in columns}
        try:
            out.append(make(_blank_to_none(fields)))
        except (ValueError, TypeError) as exc:
            at = f"{rec['_file']} row {rec.get('_row', i)}" if "_file" in rec else f"row {rec.get('_row', i)}"
            raise SpecError(f"{where} ({at}): {exc}") from exc
    return tuple(out)


def _blank_to_none(fields: dict[str, str]) -> dict:
    """Numeric fields left blank mean 'not given'; flags are Yes/No."""
    out: dict = {}
    for k, v in fields.items():
        if k in ("order", "length", "significant_digits"):
            if v and not v.lstrip("+-").isdigit():
                raise ValueError(f"{k.replace('_', ' ').title()} {v!r} is not a whole number")
            out[k] = int(v) if v else None
        elif k in ("mandatory", "repeating", "reference_data"):
            out[k] = _yes_no(k, v)
        else:
            out[k] = v
    if out.get("order") is None and "order" in out:
        raise ValueError("Order is required")
    return out


def _yes_no(name: str, value: str) -> bool:
    if value in ("Yes", "No", ""):
        return value == "Yes"
    raise ValueError(f"{name} must be Yes or No, not {value!r}")


def _dataset(fields: dict) -> Dataset:
    return Dataset(**{**fields, "keys": tuple(fields["keys"].split())})


def _dictionary(fields: dict, study: Study) -> Codelist:
    """An external dictionary (`dictionaries.csv`); a blank Version is the one study.toml pins for MedDRA/WHODrug."""
    key = DICTIONARY_VERSIONS.get(fields["dictionary"])
    version = fields["version"] or (getattr(study, key) if key else "")
    return Codelist(**{**fields, "version": version}, nci_code="", terms=())


def _analysis_dataset(fields: dict) -> AnalysisDataset:
    return AnalysisDataset(**{**fields, "variables": tuple(fields["variables"].split())})


def _where(fields: dict) -> WhereCondition:
    return WhereCondition(**{**fields, "values": tuple(fields["values"].split("|"))})


def _codelists(df: pd.DataFrame) -> tuple[Codelist, ...]:
    by_id: dict[str, list[dict]] = {}
    for record in df.to_dict("records"):
        by_id.setdefault(str(record["ID"]), []).append(record)
    out = []
    for cid in sorted(by_id):
        rows = by_id[cid]
        head = rows[0]
        for col in ("Name", "NCI Codelist Code", "Data Type", "Subset"):
            if len({r[col] for r in rows}) > 1:
                raise SpecError(f"codelist {cid}: column {col} differs between its rows "
                                f"({head.get('_file', 'Codelists')})")
        terms = tuple(
            Term(
                term=r["Term"],
                nci_code=r["NCI Term Code"],
                decoded=r["Decoded Value"],
                order=int(r["Order"]) if r["Order"] else None,
                collected=tuple(c for c in r["Collected Values"].split("|") if c),
            )
            for r in rows
        )
        try:
            subset = _yes_no("Subset", head["Subset"])
        except ValueError as exc:
            raise SpecError(f"codelist {cid}: {exc} ({head.get('_file', 'Codelists')})") from None
        out.append(Codelist(id=cid, name=head["Name"], nci_code=head["NCI Codelist Code"],
                            data_type=head["Data Type"], terms=terms, subset=subset))
    return tuple(out)
