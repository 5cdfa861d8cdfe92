"""Read a study spec from text files into a `Spec`.

Layout (one standard of one study, e.g. `specs/im96/sdtm/`): `datasets.csv`, `documents.csv`, and for the
other sheets either `<sheet>.csv` or a folder `<sheet>/` whose CSV files are concatenated in name order.
"""
from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from cdisc.errors import SpecError
from cdisc.spec.model import (
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
                    "Decoded Value", "Collected Values")
DICTIONARY_COLUMNS = ("ID", "Name", "Data Type", "Dictionary")
# external dictionary -> the study.toml key holding the version the study is coded with
DICTIONARY_VERSIONS = {"MedDRA": "meddra_version", "WHODrug": "whodrug_version"}
METHOD_COLUMNS = {"ID": "id", "Name": "name", "Type": "type", "Description": "description",
                  "Expression Context": "context", "Expression Code": "code", "Document": "document",
                  "Pages": "pages"}
COMMENT_COLUMNS = {"ID": "id", "Description": "description", "Document": "document", "Pages": "pages"}
DOCUMENT_COLUMNS = {"ID": "id", "Title": "title", "Href": "href"}


def load_study(study_dir: Path) -> Study:
    path = study_dir / "study.toml"
    try:
        with path.open("rb") as fh:
            return Study(**tomllib.load(fh))
    except (OSError, tomllib.TOMLDecodeError, ValueError) as exc:
        raise SpecError(f"{path}: cannot read the study header: {exc}") from exc


def load_spec(study_dir: Path, standard: str = "sdtm") -> Spec:
    """Load `specs/<study>/<standard>/` (standard "sdtm" or "adam") into a `Spec` (not yet checked)."""
    study = load_study(study_dir)
    root = study_dir / standard
    ig = STANDARDS[standard]
    return Spec(
        study=study,
        standard=ig,
        standard_version=study.sdtmig if standard == "sdtm" else study.adamig,
        datasets=_rows(root, "datasets", DATASET_COLUMNS, _dataset),
        variables=_rows(root, "variables", VARIABLE_COLUMNS, Variable.model_validate),
        value_level=_rows(root, "value_level", VALUE_LEVEL_COLUMNS, ValueLevel.model_validate),
        where_clauses=_rows(root, "where_clauses", WHERE_COLUMNS, _where),
        codelists=_codelists(_read_sheet(root, "codelists", CODELIST_COLUMNS))
        + _dictionaries(_read_sheet(root, "dictionaries", DICTIONARY_COLUMNS), study),
        methods=_rows(root, "methods", METHOD_COLUMNS, Method.model_validate),
        comments=_rows(root, "comments", COMMENT_COLUMNS, Comment.model_validate),
        documents=_rows(root, "documents", DOCUMENT_COLUMNS, Document.model_validate),
    )


def _read_sheet(root: Path, sheet: str, columns) -> pd.DataFrame:
    files = [root / f"{sheet}.csv"] if (root / f"{sheet}.csv").exists() else sorted((root / sheet).glob("*.csv"))
    frames = []
    for f in files:
        df = pd.read_csv(f, dtype=str, na_filter=False, keep_default_na=False)
        missing = [c for c in columns if c not in df.columns]
        if missing:
            raise SpecError(f"{f}: missing column(s) {', '.join(missing)}")
        extra = [c for c in df.columns if c not in columns]
        if extra:
            raise SpecError(f"{f}: unknown column(s) {', '.join(extra)}; expected {', '.join(columns)}")
        frames.append(df.assign(_file=f.name, _row=range(1, len(df) + 1)))
    if not frames:
        return pd.DataFrame(columns=[*columns, "_file", "_row"])
    return pd.concat(frames, ignore_index=True)


def _rows(root: Path, sheet: str, columns: dict[str, str], make: Callable):
    df = _read_sheet(root, sheet, columns)
    out = []
    for rec in df.to_dict("records"):
        fields = {columns[k]: v.strip() for k, v in rec.items() if k in columns}
        try:
            out.append(make(_blank_to_none(fields)))
        except (ValueError, TypeError) as exc:
            raise SpecError(f"{root / sheet} ({rec['_file']} row {rec['_row']}): {exc}") from exc
    return tuple(out)


def _blank_to_none(fields: dict[str, str]) -> dict:
    """Numeric fields left blank mean 'not given'; flags are Yes/No."""
    out: dict = {}
    for k, v in fields.items():
        if k in ("order", "length", "significant_digits"):
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


def _where(fields: dict) -> WhereCondition:
    return WhereCondition(**{**fields, "values": tuple(fields["values"].split("|"))})


def _codelists(df: pd.DataFrame) -> tuple[Codelist, ...]:
    out = []
    for cid, rows in df.groupby("ID", sort=True):
        head = rows.iloc[0]
        for col in ("Name", "NCI Codelist Code", "Data Type"):
            if rows[col].nunique() > 1:
                raise SpecError(f"codelist {cid}: column {col} differs between its rows ({head['_file']})")
        terms = tuple(
            Term(
                term=r["Term"],
                nci_code=r["NCI Term Code"],
                decoded=r["Decoded Value"],
                order=int(r["Order"]) if r["Order"] else None,
                collected=tuple(c for c in r["Collected Values"].split("|") if c),
            )
            for r in rows.to_dict("records")
        )
        out.append(Codelist(id=str(cid), name=head["Name"], nci_code=head["NCI Codelist Code"],
                            data_type=head["Data Type"], terms=terms))
    return tuple(out)


def _dictionaries(df: pd.DataFrame, study: Study) -> tuple[Codelist, ...]:
    """External dictionaries (`dictionaries.csv`), each with the version the study header pins for it."""
    out = []
    for r in df.to_dict("records"):
        key = DICTIONARY_VERSIONS.get(r["Dictionary"])
        if key is None:
            raise SpecError(f"dictionaries ({r['_file']} row {r['_row']}): unknown dictionary {r['Dictionary']!r}; "
                            f"expected one of {', '.join(DICTIONARY_VERSIONS)}")
        out.append(Codelist(id=r["ID"], name=r["Name"], nci_code="", data_type=r["Data Type"], terms=(),
                            dictionary=r["Dictionary"], version=getattr(study, key)))
    return tuple(out)
