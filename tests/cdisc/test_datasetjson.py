"""Dataset-JSON 1.1: types by the standard's table, exact numbers, schema-valid, JSON and NDJSON alike."""
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cdisc.datasetjson import (
    Column,
    DatasetJsonError,
    DatasetMeta,
    column_type,
    read_dataset_json,
    schema_errors,
    write_dataset_json,
)
from tests.helpers import read_xpt_exact

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "cdisc-msg"

META = DatasetMeta(
    name="ADLB", label="Lab Analysis Dataset", study_oid="STDY.XX1", metadata_version_oid="MDV.XX1.ADaMIG.1.3",
    metadata_ref="define.xml", created="2026-06-30T00:00:00", originator="XX Sponsor",
    columns=(Column(name="USUBJID", label="Unique Subject Identifier", data_type="string", length=7, key_sequence=1),
             Column(name="PARAMN", label="Parameter (N)", data_type="integer"),
             Column(name="AVAL", label="Analysis Value", data_type="decimal", target_data_type="decimal"),
             Column(name="LBDTC", label="Date/Time of Specimen Collection", data_type="string", length=7),
             Column(name="ADT", label="Analysis Date", data_type="date", target_data_type="integer",
                    display_format="DATE9."),
             Column(name="ADTM", label="Analysis Datetime", data_type="datetime", target_data_type="integer",
                    display_format="DATETIME20.")))
FRAME = pd.DataFrame({
    "USUBJID": ["XX1-001", "XX1-002", ""],
    "PARAMN": [1.0, 2.0, np.nan],
    "AVAL": [0.1, 1 / 3, 0.0],
    "LBDTC": ["2024-03", "2024-03-05", ""],
    "ADT": [23440.0, np.nan, 0.0],  # SAS day numbers: 2024-03-05, missing, 1960-01-01
    "ADTM": [2025255600.0, np.nan, 86399.0],  # 2024-03-05T11:00:00, missing, 1960-01-01T23:59:59
})
ROWS = [
    ["XX1-001", 1, "0.1", "2024-03", "2024-03-05", "2024-03-05T11:00:00"],
    ["XX1-002", 2, "0.3333333333333333", "2024-03-05", None, None],
    [None, None, "0.0", None, "1960-01-01", "1960-01-01T23:59:59"],
]


@pytest.mark.parametrize(("define_type", "fmt", "expected"), [
    ("text", "", ("string", "")), ("integer", "", ("integer", "")), ("float", "", ("decimal", "decimal")),
    ("date", "", ("date", "")), ("datetime", "", ("datetime", "")), ("partialDatetime", "", ("string", "")),
    ("durationDatetime", "", ("string", "")), ("integer", "DATE9.", ("date", "integer")),
    ("integer", "DATETIME20.", ("datetime", "integer")), ("integer", "TIME8.", ("time", "integer")),
])
def test_column_types_follow_the_supported_combinations_table(define_type, fmt, expected):
    assert column_type(define_type, fmt) == expected


def test_json_rows_carry_exact_decimals_iso_dates_and_nulls(tmp_path):
    path = tmp_path / "adlb.json"
    write_dataset_json(FRAME, META, path)
    doc = json.loads(path.read_text())
    assert doc["rows"] == ROWS
    assert (doc["datasetJSONVersion"], doc["records"], doc["itemGroupOID"], doc["studyOID"]) == (
        "1.1.0", 3, "IG.ADLB", "STDY.XX1")
    assert doc["columns"][4] == {"itemOID": "IT.ADLB.ADT", "name": "ADT", "label": "Analysis Date",
                                 "dataType": "date", "targetDataType": "integer", "displayFormat": "DATE9."}
    assert list(doc)[:2] == ["datasetJSONCreationDateTime", "datasetJSONVersion"]
    assert schema_errors(path) == []


@pytest.mark.parametrize("suffix", [".json", ".ndjson"])
def test_round_trip_gives_back_the_frame(tmp_path, suffix):
    path = tmp_path / f"adlb{suffix}"
    write_dataset_json(FRAME, META, path)
    meta, back = read_dataset_json(path)
    pd.testing.assert_frame_equal(back, FRAME, check_exact=True)
    assert meta == META
    assert schema_errors(path) == []


def test_ndjson_is_the_metadata_line_then_one_row_per_line(tmp_path):
    path = tmp_path / "adlb.ndjson"
    write_dataset_json(FRAME, META, path)
    lines = path.read_text().splitlines()
    assert len(lines) == 4
    assert "rows" not in json.loads(lines[0])
    assert [json.loads(x) for x in lines[1:]] == ROWS


def test_schema_errors_name_the_broken_attribute(tmp_path):
    path = tmp_path / "adlb.json"
    write_dataset_json(FRAME, META, path)
    doc = json.loads(path.read_text())
    doc["columns"][0]["dataType"] = "char"
    del doc["label"]
    path.write_text(json.dumps(doc))
    errors = schema_errors(path)
    assert any(e.startswith("(top)") and "'label' is a required property" in e for e in errors), errors
    assert any(e.startswith("columns/0/dataType") for e in errors), errors


@pytest.mark.parametrize(("content", "message"), [
    ("{not json", "not a Dataset-JSON 1.1 file"),
    ('{"name": "AE"}', "not a Dataset-JSON 1.1 file .label: Field required"),
    ('{"name": "AE", "label": "x", "records": 0, "columns": [{"name": "A", "label": "", "dataType": "char"}]}',
     "columns/0/dataType: Input should be"),
    ('{"name": "AE", "label": "x", "records": 2, "columns": [{"itemOID": "IT.A", "name": "A", "label": "", '
     '"dataType": "string"}], "rows": [["a"]]}', "'records' says 2 but the file has 1 rows"),
    ('{"name": "AE", "label": "x", "records": true, "columns": [{"itemOID": "IT.A", "name": "A", "label": "", '
     '"dataType": "string"}], "rows": [["a"]]}', "'records' is true, not the number of rows"),
    ('{"name": "AE", "label": "x", "records": "1", "columns": [{"itemOID": "IT.A", "name": "A", "label": "", '
     '"dataType": "string"}], "rows": [["a"]]}', "'records' is \"1\", not the number of rows"),
    ('{"name": "AE", "label": "x", "records": 0, "columns": [], "rows": []}', "has no columns"),
    ("", r"not a Dataset-JSON 1.1 file \(the file is empty\)"),
    ("[1, 2]", r"not a Dataset-JSON 1.1 file \(the metadata is a JSON list, not an object\)"),
    # a number column's value that is no JSON number: "001" would have become the number 1
    ('{"name": "AE", "label": "x", "records": 1, "columns": [{"itemOID": "IT.N", "name": "SITEID", "label": "", '
     '"dataType": "integer"}], "rows": [["001"]]}', "ae.json: column SITEID, row 1, value '001': not a JSON number"),
    ('{"name": "AE", "label": "x", "records": 1, "columns": [{"itemOID": "IT.N", "name": "AESEQ", "label": "", '
     '"dataType": "integer"}], "rows": [[9007199254740993]]}',
     "ae.json: column AESEQ, row 1, value 9007199254740993: no double holds it exactly"),
    *[('{"name": "AE", "label": "x", "records": 1, "columns": [{"itemOID": "IT.N", "name": "AVAL", "label": "", '
       f'"dataType": "decimal", "targetDataType": "decimal"}}], "rows": [["{text}"]]}}',
       f"ae.json: column AVAL, row 1, value '{re.escape(text)}': not a decimal number")
      for text in ("1_000", " 14 ", "+14", "0x1A", "1.")],  # float() reads the first three
    ('{"name": "AE", "label": "x", "records": 1, "columns": [{"itemOID": "IT.N", "name": "AVAL", "label": "", '
     '"dataType": "decimal", "targetDataType": "decimal"}], "rows": [["NaN"]]}',
     "ae.json: column AVAL, row 1, value 'NaN': not a decimal number"),
    # a date whose time would be dropped; a datetime with a blank for ISO 8601's T
    ('{"name": "AE", "label": "x", "records": 1, "columns": [{"itemOID": "IT.D", "name": "ADT", "label": "", '
     '"dataType": "date", "targetDataType": "integer"}], "rows": [["2024-03-05T23:59:59"]]}',
     "ae.json: column ADT, row 1, value '2024-03-05T23:59:59': not an ISO 8601 date"),
    ('{"name": "AE", "label": "x", "records": 1, "columns": [{"itemOID": "IT.D", "name": "ADTM", "label": "", '
     '"dataType": "datetime", "targetDataType": "integer"}], "rows": [["2024-03-05 11:10:00"]]}',
     "ae.json: column ADTM, row 1, value '2024-03-05 11:10:00': not an ISO 8601 datetime"),
    ('{"name": "AE", "label": "x", "records": 1, "columns": [{"itemOID": "IT.T", "name": "AETERM", "label": "", '
     '"dataType": "string"}], "rows": [["\\ud800"]]}', r'ae.json: column AETERM, row 1, value "\\ud800": not text'),
    # a row with a value too many or too few, or not an array (a row too long raised pandas' ValueError)
    ('{"name": "AE", "label": "x", "records": 2, "columns": [{"itemOID": "IT.A", "name": "A", "label": "", '
     '"dataType": "string"}], "rows": [["a"], ["b", "c"]]}',
     r"1 row\(s\) do not hold one value per column \(row 2 holds 2 value\(s\); the file has 1 columns\)"),
    ('{"name": "AE", "label": "x", "records": 2, "columns": [{"itemOID": "IT.A", "name": "A", "label": "", '
     '"dataType": "string"}, {"itemOID": "IT.B", "name": "B", "label": "", "dataType": "string"}], '
     '"rows": [{"A": "a"}, ["b"]]}',
     r"2 row\(s\) do not hold one value per column \(row 1 holds a dict, not an array; the file has 2 columns\)"),
    # a value its column's type cannot be read from (text in a number ended in float()'s ValueError traceback)
    ('{"name": "AE", "label": "x", "records": 2, "columns": [{"itemOID": "IT.N", "name": "AESEQ", "label": "", '
     '"dataType": "integer"}], "rows": [[1], ["abc"]]}', "ae.json: column AESEQ, row 2, value 'abc': not a JSON number"),
    ('{"name": "AE", "label": "x", "records": 1, "columns": [{"itemOID": "IT.D", "name": "ADT", "label": "", '
     '"dataType": "date", "targetDataType": "integer"}], "rows": [["2024-13-45"]]}',
     "ae.json: column ADT, row 1, value '2024-13-45': not an ISO 8601 date"),
    ('{"name": "AE", "label": "x", "records": 1, "columns": [{"itemOID": "IT.N", "name": "AGE", "label": "", '
     '"dataType": "double"}], "rows": [[1e999]]}', "ae.json: column AGE, row 1, value inf: not a finite number"),
    ('{"name": "AE", "label": "x", "records": 2, "columns": [{"itemOID": "IT.N", "name": "AGE", "label": "", '
     '"dataType": "double"}], "rows": [[1], [NaN]]}',
     r"ae.json: column AGE, row 2, value NaN: not JSON \(RFC 8259 has no NaN; a missing value is null\)"),
    ('{"name": "AE", "label": "x", "records": 1, "columns": [{"itemOID": "IT.T", "name": "AETERM", "label": "", '
     '"dataType": "string"}], "rows": [[-Infinity]]}',
     r"ae.json: column AETERM, row 1, value -Infinity: not JSON \(RFC 8259 has no -Infinity"),
    # a value that is not its column's JSON type (an object in a text column was written as "{'x': 1}")
    ('{"name": "AE", "label": "x", "records": 2, "columns": [{"itemOID": "IT.T", "name": "AETERM", "label": "", '
     '"dataType": "string"}], "rows": [["HEADACHE"], [{"x": 1}]]}',
     r'ae.json: column AETERM, row 2, value \{"x": 1\}: not a string \(a string column\'s values are JSON strings'),
    ('{"name": "AE", "label": "x", "records": 1, "columns": [{"itemOID": "IT.T", "name": "AESTDTC", "label": "", '
     '"dataType": "date"}], "rows": [[20240105]]}', r"ae.json: column AESTDTC, row 1, value 20240105: not a string"),
    ('{"name": "AE", "label": "x", "records": 1, "columns": [{"itemOID": "IT.T", "name": "AESER", "label": "", '
     '"dataType": "string"}], "rows": [[["Y"]]]}', r'ae.json: column AESER, row 1, value \["Y"\]: not a string'),
    ('{"name": "AE", "label": "x", "records": 1, "columns": [{"itemOID": "IT.N", "name": "AESEQ", "label": "", '
     '"dataType": "integer"}], "rows": [[true]]}', "ae.json: column AESEQ, row 1, value True: not a JSON number"),
    ('{"name": "AE", "label": "x", "records": 0, "columns": [], "rows": null}', r"rows: an array of records"),
    ('{"datasetJSONVersion": "9.9", "name": "AE", "label": "x", "records": 0, "columns": [], "rows": []}',
     r"ae.json: not a Dataset-JSON 1.1 file \(datasetJSONVersion '9.9': only version 1.1 is read\)"),
    ('{"name": "AE", "label": "x", "records": 0, "columns": [{"itemOID": "IT.A", "name": "A", "label": "", '
     '"dataType": "string"}, {"itemOID": "IT.B", "name": "A", "label": "", "dataType": "string"}], "rows": []}',
     r"ae.json: column\(s\) A named more than once"),
])
def test_unreadable_files_are_named_errors(tmp_path, content, message):
    path = tmp_path / "ae.json"
    path.write_text(content)
    with pytest.raises(DatasetJsonError, match=message) as err:
        read_dataset_json(path)
    assert "ae.json" in str(err.value)


@pytest.mark.parametrize("name", ["dd", "ts", "adtte"])
def test_cdisc_examples_read_back_to_their_xpt(name):
    """CDISC's own Dataset-JSON examples (SDTM-MSG, ADaM-MSG) are schema-valid and read to exactly the values of
    the XPT published beside them (ADTTE's dates: ISO 8601 strings with targetDataType integer)."""
    path = FIXTURES / f"{name}.json"
    assert schema_errors(path) == []
    meta, frame = read_dataset_json(path)
    xpt_meta, xpt = read_xpt_exact(path.with_suffix(".xpt"))
    assert meta.name == xpt_meta["name"]
    pd.testing.assert_frame_equal(frame, xpt, check_dtype=False, check_exact=True)


def test_a_package_finds_dataset_json_whose_version_comes_after_its_rows(tmp_path):
    """JSON objects have no key order: a ts.json whose datasetJSONVersion comes after 4 KB of rows is still a
    dataset of the package (it was passed over without a word), and a UTF-16 one is refused, not passed over."""
    from cdisc.validate.package import read_package

    document = json.loads((FIXTURES / "ts.json").read_text())
    document["datasetJSONVersion"] = document.pop("datasetJSONVersion")
    text = json.dumps(document)
    assert text.index("datasetJSONVersion") > 4096
    (tmp_path / "ts.json").write_text(text)
    assert list(read_package(tmp_path).datasets) == ["TS"]
    (tmp_path / "ts.json").write_text(text, encoding="utf-16")
    with pytest.raises(DatasetJsonError, match="ts.json: not a Dataset-JSON 1.1 file"):
        read_package(tmp_path)


def test_a_package_reads_every_dataset_json_file_whatever_the_case_and_refuses_an_empty_one(tmp_path):
    """TS.JSON (upper case) was passed over, as was an empty dm.json (the package lost DM without a word); a
    folder named x.json is no dataset, and a link to nowhere is named."""
    from cdisc.errors import PackageError
    from cdisc.validate.package import read_package

    (tmp_path / "TS.JSON").write_bytes((FIXTURES / "ts.json").read_bytes())
    (tmp_path / "x.json").mkdir()
    assert list(read_package(tmp_path).datasets) == ["TS"]
    (tmp_path / "dm.json").write_bytes(b"")
    with pytest.raises(DatasetJsonError, match=r"dm.json: not a Dataset-JSON 1.1 file \(the file is empty\)"):
        read_package(tmp_path)
    (tmp_path / "dm.json").unlink()
    (tmp_path / "zz.json").symlink_to(tmp_path / "nowhere")
    with pytest.raises(PackageError, match=r"zz.json: cannot be read \(No such file or directory\)"):
        read_package(tmp_path)


def test_ndjson_rows_are_lines_of_the_file_only_and_a_broken_one_is_named(tmp_path):
    """U+2028 in a value is no line break (the reader split the row there: "Unterminated string"); a broken row's
    message names its line of the file, not line 1 of the row."""
    frame = FRAME.assign(USUBJID=["XX1\u2028001", "XX1-002", ""])
    path = tmp_path / "adlb.ndjson"
    write_dataset_json(frame, META, path)
    pd.testing.assert_frame_equal(read_dataset_json(path)[1], frame, check_exact=True)
    lines = path.read_text().split("\n")
    lines[3] = lines[3][:-5]
    path.write_text("\n".join(lines))
    with pytest.raises(DatasetJsonError, match=r"adlb.ndjson: not a Dataset-JSON 1.1 file \(line 4: "):
        read_dataset_json(path)


def test_required_attributes_are_written_when_blank_and_a_numeric_date_of_any_target_type_reads_as_a_number(
        tmp_path):
    """A dataset without a label was written without `label`, which the reader (and the schema) then refused; an
    ISO date column with targetDataType decimal read as text and became missing in a numeric variable."""
    path = tmp_path / "adlb.json"
    write_dataset_json(FRAME, META.model_copy(update={"label": ""}), path)
    assert json.loads(path.read_text())["label"] == ""
    assert read_dataset_json(path)[0].label == ""
    doc = json.loads(path.read_text())
    doc["columns"][4]["targetDataType"] = "decimal"
    path.write_text(json.dumps(doc))
    assert read_dataset_json(path)[1]["ADT"].tolist()[::2] == [23440.0, 0.0]


def test_a_package_finds_dataset_json_whose_version_is_late_even_when_it_is_broken(tmp_path):
    """A dm.json with its rows first (datasetJSONVersion after 4 KB) cut short, and an NDJSON whose metadata line
    has its columns first: each was passed over (the package lost the dataset without a word); now the broken one
    is refused and the whole one read."""
    from cdisc.validate.package import read_package

    document = json.loads((FIXTURES / "ts.json").read_text())
    late = {"rows": document.pop("rows"), **document}
    (tmp_path / "ts.json").write_text(json.dumps(late)[:-40])
    with pytest.raises(DatasetJsonError, match="ts.json: not a Dataset-JSON 1.1 file"):
        read_package(tmp_path)
    (tmp_path / "ts.json").unlink()
    meta = {"columns": document.pop("columns"), "padding": "x" * 5000, **document}  # (an attribute the reader ignores)
    rows = [json.dumps(row) for row in late["rows"]]
    assert json.dumps(meta).index("datasetJSONVersion") > 4096
    (tmp_path / "ts.ndjson").write_text("\n".join([json.dumps(meta), *rows]) + "\n")
    assert list(read_package(tmp_path).datasets) == ["TS"]
