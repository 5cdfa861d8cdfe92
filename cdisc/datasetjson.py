"""CDISC Dataset-JSON 1.1: write a finished dataset as `.json` or `.ndjson`, and read either back.

Types follow the Dataset-JSON 1.1 "Supported Column Data Type Combinations" table:
- text -> `string`; an empty SDTM text value is missing, written as null and read back as "";
- integer -> `integer` (a JSON integer);
- float -> `decimal` with targetDataType `decimal`: the value travels as the shortest decimal string that reads
  back to the same double (Python's repr), so no precision is lost or invented;
- ISO 8601 text dates (SDTM --DTC) -> `date`/`datetime`/`time` when complete by type, `string` for the partial and
  duration types, which Dataset-JSON has no logical type for;
- numeric ADaM dates (SAS day/second counts with a DATE/DATETIME/TIME display format) -> `date`/`datetime`/`time`
  with targetDataType `integer`, the value an ISO 8601 string.
The creation date/time is the data cut (deterministic bytes, like the XPT header).
"""
from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.alias_generators import to_camel

from cdisc.dates import SAS_EPOCH
from cdisc.errors import CdiscError
from cdisc.failure import first_invalid

VERSION = "1.1.0"
SCHEMAS = Path(__file__).parent / "schemas" / "dataset-json-1.1"
JSON_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")  # RFC 8259's number
REQUIRED = ("datasetJSONCreationDateTime", "datasetJSONVersion", "itemGroupOID", "records", "name", "label",
            "columns")  # the 1.1 schema's required attributes: written even when blank (a dataset without a label)
SOURCE_SYSTEM = {"name": "cdisc-converter", "version": "0.1.0"}
TEXT_TYPES = {"text": "string", "date": "date", "datetime": "datetime", "time": "time"}
SAS_DATE_FORMATS = {"DATE": "date", "E8601DA": "date", "YYMMDD": "date", "DATETIME": "datetime",
                    "E8601DT": "datetime", "TIME": "time", "E8601TM": "time"}


class DatasetJsonError(CdiscError):
    """A Dataset-JSON file that cannot be read (names the file and what is wrong)."""


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True, alias_generator=to_camel)


class Column(_Model):
    """One entry of `columns` (Dataset-JSON 1.1 column metadata; JSON names are the camelCase aliases)."""

    name: str = Field(min_length=1)
    label: str
    data_type: Literal["string", "integer", "decimal", "float", "double", "boolean", "datetime", "date", "time",
                       "URI"]
    target_data_type: Literal["", "integer", "decimal"] = ""
    length: int | None = Field(default=None, ge=1)
    display_format: str = ""
    key_sequence: int | None = Field(default=None, ge=1)

    def as_json(self, dataset: str) -> dict:
        out = {"itemOID": f"IT.{dataset}.{self.name}", **self.model_dump(by_alias=True, include={"name", "label",
                                                                                                "data_type"})}
        optional = self.model_dump(by_alias=True, include={"target_data_type", "length", "display_format",
                                                           "key_sequence"})
        return out | {k: v for k, v in optional.items() if v not in ("", None)}


class DatasetMeta(_Model):
    """The top-level attributes of a Dataset-JSON 1.1 file (without its rows)."""

    name: str = Field(min_length=1)
    label: str
    columns: tuple[Column, ...]
    study_oid: str = Field(default="", alias="studyOID")
    metadata_version_oid: str = Field(default="", alias="metaDataVersionOID")
    metadata_ref: str = Field(default="", alias="metaDataRef")
    created: str = Field(default="", alias="datasetJSONCreationDateTime")
    originator: str = ""


def column_type(define_type: str, display_format: str) -> tuple[str, str]:
    """(dataType, targetDataType) for a Define-XML data type and SAS display format."""
    if define_type in ("integer", "float"):
        sas = SAS_DATE_FORMATS.get(display_format.rstrip(".0123456789"))
        if sas:
            return sas, "integer"
        return ("integer", "") if define_type == "integer" else ("decimal", "decimal")
    return TEXT_TYPES.get(define_type, "string"), ""


def write_dataset_json(df: pd.DataFrame, meta: DatasetMeta, path: Path) -> None:
    """Write `df` (columns in `meta.columns` order) as Dataset-JSON; `.ndjson` paths get the NDJSON form."""
    header = _header(meta, len(df))
    rows = _rows(df, meta.columns)
    if path.suffix == ".ndjson":
        lines = [_dumps(header)] + [_dumps(r) for r in rows]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    else:
        path.write_text(_dumps(header | {"rows": rows}) + "\n", encoding="utf-8")


def read_dataset_json(path: Path) -> tuple[DatasetMeta, pd.DataFrame]:
    """Read a `.json` or `.ndjson` Dataset-JSON file back into the frame the XPT holds: text "" for missing,
    floats for numbers, SAS day/second counts for ISO dates whose targetDataType is integer."""
    try:
        text = path.read_bytes().decode("utf-8")
        if not text.strip():
            raise TypeError("the file is empty")
        if path.suffix.lower() == ".ndjson":
            lines = text.split("\n")  # (splitlines also breaks a value at U+2028)
            header, rows = _loads(lines[0]), [_line(line, number) for number, line in enumerate(lines[1:], start=2)
                                              if line.strip()]
        else:
            header = _loads(text)
            rows = header.pop("rows", []) if isinstance(header, dict) else []
        if not isinstance(header, dict):
            raise TypeError(f"the metadata is a JSON {type(header).__name__}, not an object")
        if not isinstance(rows, list):
            raise TypeError(f"rows: an array of records, not {type(rows).__name__}")
        if (version := header.get("datasetJSONVersion")) is not None and not str(version).startswith("1.1"):
            raise TypeError(f"datasetJSONVersion {version!r}: only version 1.1 is read")
        meta = DatasetMeta.model_validate(header)
    except (json.JSONDecodeError, UnicodeDecodeError, IndexError, TypeError, ValidationError) as exc:
        reason = str(exc).splitlines()[0] if not isinstance(exc, ValidationError) else first_invalid(exc)
        raise DatasetJsonError(f"{path.name}: not a Dataset-JSON 1.1 file ({reason})") from None
    if not meta.columns:
        raise DatasetJsonError(f"{path.name}: has no columns (a dataset holds at least one variable)")
    records = header.get("records")
    if type(records) is not int:  # (true == 1 in Python)
        raise DatasetJsonError(f"{path.name}: 'records' is {json.dumps(records)}, not the number of rows")
    if records != len(rows):
        raise DatasetJsonError(f"{path.name}: 'records' says {records} but the file has {len(rows)} rows")
    columns = meta.columns
    names = Counter(c.name for c in columns)
    if repeated := sorted(n for n, times in names.items() if times > 1):
        raise DatasetJsonError(f"{path.name}: column(s) {', '.join(repeated)} named more than once")
    if ragged := [n for n, row in enumerate(rows, start=1) if not isinstance(row, list) or len(row) != len(columns)]:
        first = rows[ragged[0] - 1]
        held = f"{len(first)} value(s)" if isinstance(first, list) else f"a {type(first).__name__}, not an array"
        raise DatasetJsonError(f"{path.name}: {len(ragged)} row(s) do not hold one value per column (row "
                               f"{ragged[0]} holds {held}; the file has {len(columns)} columns)")
    frame = pd.DataFrame(rows, columns=[c.name for c in columns], dtype=object)
    try:
        return meta, pd.DataFrame({c.name: _from_json(frame[c.name], c) for c in columns})
    except _BadValue as bad:
        raise DatasetJsonError(f"{path.name}: {bad}") from None


def schema_errors(path: Path) -> list[str]:
    """Where a Dataset-JSON file breaks the official 1.1 JSON schema; [] when it conforms.

    For NDJSON the metadata line is checked against the same schema (its `rows` are optional there; CDISC's own
    NDJSON schema cannot be used: its `#/$defs/Column` reference points nowhere), and each further line must be an
    array of one value per column."""
    from jsonschema import Draft201909Validator

    validator = Draft201909Validator(json.loads((SCHEMAS / "dataset.schema.json").read_text("utf-8")))
    if path.suffix == ".ndjson":
        lines = path.read_text(encoding="utf-8").splitlines()
        header = _loads(lines[0])
        errors = _schema_errors(validator, header)
        width = len(header.get("columns", []))
        errors += [f"line {i}: not an array of {width} values" for i, line in enumerate(lines[1:], start=2)
                   if not isinstance(row := _loads(line), list) or len(row) != width]
        return errors
    return _schema_errors(validator, _loads(path.read_text("utf-8")))


def _schema_errors(validator, document: dict) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}"
            for e in sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.absolute_path)))]


def _header(meta: DatasetMeta, records: int) -> dict:
    out = {"datasetJSONCreationDateTime": meta.created, "datasetJSONVersion": VERSION,
           "fileOID": f"{meta.study_oid}.{meta.name}" if meta.study_oid else meta.name,
           "originator": meta.originator, "sourceSystem": SOURCE_SYSTEM, "studyOID": meta.study_oid,
           "metaDataVersionOID": meta.metadata_version_oid, "metaDataRef": meta.metadata_ref,
           "itemGroupOID": f"IG.{meta.name}", "records": records, "name": meta.name, "label": meta.label,
           "columns": [c.as_json(meta.name) for c in meta.columns]}
    return {k: v for k, v in out.items() if v != "" or k in REQUIRED}


def _rows(df: pd.DataFrame, columns: tuple[Column, ...]) -> list[list]:
    values = [_to_json(df[c.name], c) for c in columns]
    return [list(r) for r in zip(*values, strict=True)] if values else [[] for _ in range(len(df))]


def _to_json(s: pd.Series, col: Column) -> list:
    if col.target_data_type == "integer":
        return [_iso_from_sas(v, col.data_type) for v in s]
    if col.data_type == "integer":
        return [None if _missing(v) else int(v) for v in s]
    if col.data_type == "decimal":
        return [None if _missing(v) else repr(float(v)) for v in s]
    return [None if v == "" or _missing(v) else str(v) for v in s]


class _BadValue(ValueError):
    """A value its column's type cannot be read from (the message names the column, row and value)."""


class _NotJson(str):
    """A NaN, Infinity or -Infinity literal: Python's json module reads them, JSON (RFC 8259) has none, so a
    Dataset-JSON file holding one is refused where the value is read, naming its column and row."""


def _loads(text: str) -> object:
    return json.loads(text, parse_constant=_NotJson)


def _line(text: str, number: int) -> object:
    """One NDJSON row line (`number`: its line in the file, which the parser cannot know)."""
    try:
        return _loads(text)
    except json.JSONDecodeError as exc:
        raise TypeError(f"line {number}: {exc.msg} at column {exc.colno}") from None


def _from_json(s: pd.Series, col: Column) -> pd.Series:
    if col.target_data_type and col.data_type in ("date", "datetime", "time"):
        return _numbers(s, col, lambda v: _sas_from_iso(v, col.data_type), f"an ISO 8601 {col.data_type}")
    if col.data_type == "decimal":  # a decimal travels as a string, to keep its digits; a number is read too
        return _numbers(s, col, _decimal, "a decimal number")
    if col.data_type in ("integer", "float", "double"):
        return _numbers(s, col, _json_number, "a JSON number")
    return pd.Series([_text(v, col, row) for row, v in enumerate(s, start=1)], dtype=str)


def _decimal(value: object) -> float:
    """A decimal column's value: a string written as a JSON number ("0.1", "-2.5e-3"), or a JSON number. Python's
    float() also reads "1_000", " 14 " and "+14", which no writer of Dataset-JSON means."""
    if isinstance(value, str):
        if not JSON_NUMBER.fullmatch(value):
            raise ValueError(value)
        return float(value)
    return _json_number(value)


def _json_number(value: object) -> float:
    """An integer, float or double column's value: a JSON number (a string such as "001" is text, not the number
    1), held exactly as a double (9007199254740993 is not)."""
    if value is None:
        return np.nan
    if not isinstance(value, int | float) or isinstance(value, bool):  # (float(true) is 1.0)
        raise TypeError
    if isinstance(value, int) and float(value) != value:
        raise _Inexact
    return float(value)


class _Inexact(ValueError):
    """A whole number that no double holds exactly (over 2**53): a dataset's number would be another one."""


def _text(value: object, col: Column, row: int) -> str:
    """A text column's value: a JSON string, or null (missing, ""); a boolean column's may be true or false. Any
    other value (a number, an array, an object) is refused: written as its Python text it would pass unseen."""
    if isinstance(value, _NotJson):
        raise _not_json(value, col, row)
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise _BadValue(f"column {col.name}, row {row}, value {json.dumps(value)}: not text (a lone UTF-16 "
                            "surrogate escape)") from None
        return value
    if value is None or (isinstance(value, bool) and col.data_type == "boolean"):
        return "" if value is None else str(value)
    raise _BadValue(f"column {col.name}, row {row}, value {json.dumps(value)}: not a string (a {col.data_type} "
                    "column's values are JSON strings or null)")


def _not_json(value: _NotJson, col: Column, row: int) -> _BadValue:
    return _BadValue(f"column {col.name}, row {row}, value {value}: not JSON (RFC 8259 has no {value}; a missing "
                     "value is null)")


def _numbers(s: pd.Series, col: Column, read: Callable[[object], float], what: str) -> pd.Series:
    out = []
    for row, value in enumerate(s, start=1):
        if isinstance(value, _NotJson):
            raise _not_json(value, col, row)
        try:
            number = read(value)
        except _Inexact:
            raise _BadValue(f"column {col.name}, row {row}, value {value!r}: no double holds it exactly (an XPT or "
                            "dataset number would be another)") from None
        except (TypeError, ValueError, OverflowError):
            raise _BadValue(f"column {col.name}, row {row}, value {value!r}: not {what}") from None
        if value is not None and not math.isfinite(number):  # JSON's 1e999 reads as infinity, "NaN" as NaN
            raise _BadValue(f"column {col.name}, row {row}, value {value!r}: not a finite number")
        out.append(number)
    return pd.Series(out, dtype="float64")


def _missing(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def _iso_from_sas(v, kind: str) -> str | None:
    if _missing(v):
        return None
    if kind == "date":
        return (SAS_EPOCH + dt.timedelta(days=float(v))).date().isoformat()
    if kind == "datetime":
        return (SAS_EPOCH + dt.timedelta(seconds=float(v))).isoformat(timespec="seconds")
    return (dt.datetime.min + dt.timedelta(seconds=float(v))).time().isoformat(timespec="seconds")


def _sas_from_iso(v: str | None, kind: str) -> float:
    if v is None:
        return np.nan
    if kind == "date":  # a date alone (a time would be dropped)
        return float((dt.date.fromisoformat(v) - SAS_EPOCH.date()).days)
    if kind == "datetime":
        if v[10:11] != "T":  # ISO 8601's separator (Python also reads a blank)
            raise ValueError(v)
        return (dt.datetime.fromisoformat(v) - SAS_EPOCH).total_seconds()
    t = dt.time.fromisoformat(v)
    return float(t.hour * 3600 + t.minute * 60 + t.second)


def _dumps(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
