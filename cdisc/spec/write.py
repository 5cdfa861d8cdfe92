"""Write a `Spec` back as a spec folder, in the canonical layout that `load_spec` reads.

Canonical layout of `<study>/<standard>/` (what `cdisc spec import` and `cdisc spec from-define` write): one CSV
per sheet (`datasets`, `variables`, `value_level`, `where_clauses`, `codelists`, `dictionaries` when there are
external dictionaries, `methods`, `comments`, `documents`, and `analysis_displays`, `analysis_results`,
`analysis_datasets` when there are analysis results), rows in the order of the model (the order `load_spec`
read them in), UTF-8, `\n` line ends; and `<study>/study.toml`, keys in the model's field order. A hand-kept
folder may split a sheet into a folder of files (`variables/AE.csv`, ...); loading either gives the same `Spec`.
"""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pandas as pd

from cdisc.errors import SpecError
from cdisc.spec.load import (
    ANALYSIS_DATASET_COLUMNS,
    CODELIST_COLUMNS,
    COMMENT_COLUMNS,
    DATASET_COLUMNS,
    DICTIONARY_COLUMNS,
    DISPLAY_COLUMNS,
    DOCUMENT_COLUMNS,
    METHOD_COLUMNS,
    OPTIONAL_SHEETS,
    RESULT_COLUMNS,
    STANDARDS,
    VALUE_LEVEL_COLUMNS,
    VARIABLE_COLUMNS,
    WHERE_COLUMNS,
)
from cdisc.spec.model import Spec, Study


def spec_sheets(spec: Spec) -> dict[str, pd.DataFrame]:
    """Every sheet of `spec` as text frames with the spec folder's column names."""
    return {
        "datasets": _frame(spec.datasets, DATASET_COLUMNS, keys=" ".join),
        "variables": _frame(spec.variables, VARIABLE_COLUMNS),
        "value_level": _frame(spec.value_level, VALUE_LEVEL_COLUMNS),
        "where_clauses": _frame(spec.where_clauses, WHERE_COLUMNS, values="|".join),
        "codelists": _codelist_frame(spec),
        "dictionaries": _frame([c for c in spec.codelists if c.dictionary], DICTIONARY_COLUMNS),
        "methods": _frame(spec.methods, METHOD_COLUMNS),
        "comments": _frame(spec.comments, COMMENT_COLUMNS),
        "documents": _frame(spec.documents, DOCUMENT_COLUMNS),
        "analysis_displays": _frame(spec.analysis_displays, DISPLAY_COLUMNS),
        "analysis_results": _frame(spec.analysis_results, RESULT_COLUMNS),
        "analysis_datasets": _frame(spec.analysis_datasets, ANALYSIS_DATASET_COLUMNS, variables=" ".join),
    }


def write_spec(spec: Spec, study_dir: Path) -> Path:
    """Write `study.toml` and the standard's folder (`sdtm/` or `adam/`, which must not exist yet) under
    `study_dir`; the folder appears whole or not at all. Returns the folder."""
    standard = {v: k for k, v in STANDARDS.items()}[spec.standard]
    root = study_dir / standard
    if root.exists():
        raise SpecError(f"{root} already exists; choose another --out or remove it")
    stage = study_dir / f".{standard}.staging"
    shutil.rmtree(stage, ignore_errors=True)
    stage.mkdir(parents=True)
    for sheet, frame in spec_sheets(spec).items():
        if sheet not in OPTIONAL_SHEETS or len(frame):
            frame.to_csv(stage / f"{sheet}.csv", index=False, lineterminator="\n", encoding="utf-8")
    (study_dir / "study.toml").write_text(study_toml(spec.study), encoding="utf-8")
    stage.rename(root)
    return root


def study_toml(study: Study) -> str:
    """The study header as TOML (strings as JSON-escaped basic strings, which TOML reads alike)."""
    lines, tables = [], []
    for name, value in study.model_dump().items():
        if isinstance(value, dict):  # a table (`cut_dates`), after every key of the header; none when empty
            if value:
                tables += ["", f"[{name}]", *(f"{_toml_key(k)} = {_toml_text(v)}" for k, v in value.items())]
        else:
            lines.append(f"{name} = {str(value) if isinstance(value, int) else _toml_text(value)}")
    return "\n".join(lines + tables) + "\n"


def _toml_text(value) -> str:
    return json.dumps(str(value), ensure_ascii=False)


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else _toml_text(key)


def _frame(rows, columns: dict[str, str], **joins) -> pd.DataFrame:
    records = []
    for row in rows:
        data = row.model_dump()
        records.append({col: _text(data[field], joins.get(field)) for col, field in columns.items()})
    return pd.DataFrame(records, columns=list(columns), dtype=str)


def _text(value, join=None) -> str:
    if join is not None:
        return join(value)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return "" if value is None else str(value)


def _codelist_frame(spec: Spec) -> pd.DataFrame:
    records = [dict(zip(CODELIST_COLUMNS, (cl.id, cl.name, cl.nci_code, cl.data_type, _text(t.order), t.term,
                                            t.nci_code, t.decoded, "|".join(t.collected),
                                            "Yes" if cl.subset else ""), strict=True))
               for cl in spec.codelists if not cl.dictionary for t in cl.terms]
    return pd.DataFrame(records, columns=list(CODELIST_COLUMNS), dtype=str)

