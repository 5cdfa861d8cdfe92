"""The raw loader names file, column, row and value for every kind of bad input."""
import gzip
import io
import os
from pathlib import Path

import pandas as pd
import pytest

from cdisc.errors import RawInputError
from cdisc.raw import _arrow_cells, _plain_quotes, _read_csv, load_raw

DICTIONARY = """FORM,FIELD,LABEL,TYPE,CODELIST,REQUIRED,KEY
dm,SUBJID,Subject,text,,Y,Y
dm,SEX,Sex,code,SEX,Y,N
dm,BRTHDAT,Birth date,date,,N,N
dm,WEIGHT,Weight,float,,N,N
ae,SUBJID,Subject,text,,Y,Y
ae,AESEQ,Line,integer,,Y,Y
ae,AETERM,Term,text,,Y,N
ae,AESTTIM,Start time,time,,N,N
"""
CODELISTS = "CODELIST,CODE,DECODE\nSEX,Male,Male\nSEX,Female,Female\n"
DM = "SUBJID,SEX,BRTHDAT,WEIGHT\n001-001,Male,UN-UNK-1961,70.5\n001-002,Female,03-FEB-1970,\n"
AE = "SUBJID,AESEQ,AETERM,AESTTIM\n001-001,1,Pyrexia,14:30\n001-001,2,Nausea,\n"


def export(tmp_path: Path, **files: str) -> Path:
    contents = {"dictionary": DICTIONARY, "codelists": CODELISTS, "dm": DM, "ae": AE, **files}
    for name, text in contents.items():
        if text is not None:
            (tmp_path / f"{name}.csv").write_bytes(text.encode("utf-8"))
    return tmp_path


def test_load_raw_keeps_text_and_adds_lineage(tmp_path):
    """Values stay text (blank = ''), and each row carries its form and 1-based row number."""
    raw = load_raw(export(tmp_path))
    dm = raw.form("dm")
    assert dm["WEIGHT"].tolist() == ["70.5", ""]
    assert dm["RAW_FORM"].tolist() == ["dm", "dm"]
    assert dm["RAW_ROW"].tolist() == [1, 2]


@pytest.mark.parametrize(
    ("files", "code", "where", "variable", "row", "value"),
    [
        ({"ae": None}, "RAW_MISSING_FILE", "ae.csv", "", "", ""),
        ({"dm": "SUBJID,SEX,BRTHDAT\n001-001,Male,\n"}, "RAW_MISSING_COLUMN", "dm.csv", "WEIGHT", "", ""),
        ({"dm": DM.replace("Female", "F")}, "RAW_UNKNOWN_CODE", "dm.csv", "SEX", "2", "F"),
        ({"dm": DM.replace("03-FEB-1970", "31-FEB-1970")}, "RAW_BAD_DATE", "dm.csv", "BRTHDAT", "2", "31-FEB-1970"),
        ({"ae": AE.replace("14:30", "2:30pm")}, "RAW_BAD_TIME", "ae.csv", "AESTTIM", "1", "2:30pm"),
        ({"dm": DM.replace("001-002", "001-001")}, "RAW_DUPLICATE_KEY", "dm.csv", "SUBJID", "2", "001-001"),
        ({"ae": AE.replace("Nausea", "Naus\u00e9e")}, "RAW_NON_ASCII", "ae.csv", "AETERM", "2", "Naus\u00e9e"),
        ({"ae": AE.replace("Nausea", "x" * 201)}, "RAW_TOO_LONG", "ae.csv", "AETERM", "2",
         "x" * 40 + "... (201 characters)"),
        ({"dm": "SUBJID,SEX,BRTHDAT,WEIGHT,SEX\n001-001,Male,,,Male\n"}, "RAW_REPEATED_COLUMN", "dm.csv", "SEX", "",
         ""),
        ({"ae": AE.replace("Nausea", "")}, "RAW_REQUIRED", "ae.csv", "AETERM", "2", ""),
        ({"dm": DM.replace("70.5", "seventy")}, "RAW_BAD_FLOAT", "dm.csv", "WEIGHT", "1", "seventy"),
        ({"dm": DM.replace("70.5", "inf")}, "RAW_BAD_FLOAT", "dm.csv", "WEIGHT", "1", "inf"),
        # finite, but no XPT v5 (IBM) number holds it: refused here, not by the XPT writer naming dm.xpt
        ({"dm": DM.replace("70.5", "1e80")}, "RAW_BAD_FLOAT", "dm.csv", "WEIGHT", "1", "1e80"),
        ({"dm": DM.replace("70.5", "-1e-90")}, "RAW_BAD_FLOAT", "dm.csv", "WEIGHT", "1", "-1e-90"),
        # an integer key compares as a number: AESEQ 01 is AESEQ 1 (both would be AESPID 1 and link alike)
        ({"ae": AE.replace("001-001,2,", "001-001,01,")}, "RAW_DUPLICATE_KEY", "ae.csv", "SUBJID+AESEQ", "2",
         "001-001/01"),
        # beyond 2**53 no double holds the integer exactly
        ({"ae": AE.replace("001-001,2,", "001-001,9007199254740993,")}, "RAW_BAD_INTEGER", "ae.csv", "AESEQ",
         "2", "9007199254740993"),
        ({"extra": "SUBJID\n001-001\n"}, "RAW_UNKNOWN_FORM", "extra.csv", "", "", ""),
        ({"dm": DM.replace("70.5\n", "70.5,kg\n")}, "RAW_FIELD_COUNT", "dm.csv", "", "1", "5"),
        ({"ae": AE.replace(",Nausea,\n", "\n")}, "RAW_FIELD_COUNT", "ae.csv", "", "2", "2"),
        # as many commas as a whole record, one of them quoted: a short record all the same
        ({"ae": AE.replace(",Nausea,\n", ',"Nausea, vomiting"\n')}, "RAW_FIELD_COUNT", "ae.csv", "", "2", "3"),
        ({"dm": DM.replace("1961,70.5", "1961,70.5,x")}, "RAW_FIELD_COUNT", "dm.csv", "", "1", "5"),
        ({"ae": AE.replace("Nausea", '"Nau\nsea"')}, "RAW_NON_PRINTABLE", "ae.csv", "AETERM", "2", "Nau\nsea"),
        ({"ae": AE.replace("Nausea", "Nau\tsea")}, "RAW_NON_PRINTABLE", "ae.csv", "AETERM", "2", "Nau\tsea"),
        ({"dm": DM.replace("03-FEB-1970", "03-FEB-1899")}, "RAW_BAD_DATE", "dm.csv", "BRTHDAT", "2", "03-FEB-1899"),
        ({"dm": DM.replace("UN-UNK-1961", "UN-UNK-2101")}, "RAW_BAD_DATE", "dm.csv", "BRTHDAT", "1", "UN-UNK-2101"),
    ],
)
def test_load_raw_reports_bad_input_precisely(tmp_path, files, code, where, variable, row, value):
    """Each kind of bad input is an Issue naming the file, column, row and value."""
    with pytest.raises(RawInputError) as info:
        load_raw(export(tmp_path, **files))
    found = [(i.code, i.where, i.variable, i.row, i.value) for i in info.value.issues]
    assert (code, where, variable, row, value) in found
    assert info.value.exit_code == 2


@pytest.mark.parametrize(
    ("files", "issues"),
    [
        ({"dm": DM.replace(",", ";")},
         [("RAW_DELIMITER", "dm.csv", "", "fields are separated by semicolons, not commas: export the file as "
                                         "comma-separated values")]),
        ({"ae": AE.replace(",", "\t")},
         [("RAW_DELIMITER", "ae.csv", "", "fields are separated by tabs, not commas: export the file as "
                                         "comma-separated values")]),
        ({"dm": DM.replace("SUBJID,SEX,", "subjid, SEX,")},
         [("RAW_MISSING_COLUMN", "dm.csv", "SUBJID", "column is missing (the header has 'subjid': the dictionary's "
                                                     "name is 'SUBJID', and names are case-sensitive)"),
          ("RAW_MISSING_COLUMN", "dm.csv", "SEX", "column is missing (the header has ' SEX', with spaces around "
                                                  "the name)")]),
        ({"dm": DM.replace("SUBJID,SEX,", "SUBJID,S\x00EX,")},
         [("RAW_MISSING_COLUMN", "dm.csv", "SEX", "column is missing (the header has 'S\\x00EX', with a control "
                                                  "character in the name)")]),
        ({"dictionary": DICTIONARY.replace(",", ";")},
         [("RAW_DELIMITER", "dictionary.csv", "", "fields are separated by semicolons, not commas: export the file "
                                                  "as comma-separated values")]),
        # every record has 4 fields, the first line 2: one issue for the file, not one per record
        ({"dm": "sep=,\n" + DM},
         [("RAW_FIELD_COUNT", "dm.csv", "", "the first line has 2 field(s) but every record has 4: the first line "
                                            "is no header row (Excel's 'sep=' line: remove it)")]),
    ],
    ids=["semicolons", "tabs", "a name in lower case and one with a space", "a NUL in a name",
         "a dictionary with semicolons", "an Excel sep line above the header"],
)
def test_a_header_that_nearly_names_the_columns_says_what_is_wrong_with_it(tmp_path, files, issues):
    """A form or the dictionary exported with another delimiter is one issue saying so, not one per column; a
    column name with spaces around it or in another case is named as the header has it; a first line that no
    record agrees with is one issue saying it is no header."""
    with pytest.raises(RawInputError) as info:
        load_raw(export(tmp_path, **files))
    assert [(i.code, i.where, i.variable, i.message) for i in info.value.issues] == issues


def test_a_utf16_file_is_named_as_such(tmp_path):
    """Excel's "Unicode text" is UTF-16: said so, rather than as records with the wrong number of fields."""
    raw = export(tmp_path)
    (raw / "dm.csv").write_bytes(DM.encode("utf-16"))
    with pytest.raises(RawInputError) as info:
        load_raw(raw)
    assert [(i.code, i.where, i.message) for i in info.value.issues] == [
        ("RAW_ENCODING", "dm.csv", "file is UTF-16 text (it starts with a UTF-16 byte order mark): export it as UTF-8 "
                                   "or ASCII")]


@pytest.mark.parametrize(("content", "what"), [
    (b"PK\x03\x04\x14\x00\x06\x00", "a zip archive (an Excel .xlsx workbook is one)"),
    (gzip.compress(DM.encode()), "a gzip archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an Excel 97-2003 (.xls) workbook"),
], ids=["xlsx", "gzip", "xls"])
def test_a_workbook_or_archive_saved_as_csv_is_named_as_such(tmp_path, content, what):
    """A form saved as a workbook or compressed, under the .csv name: one issue naming what the file is, rather
    than a missing column per column or a parser's complaint about its bytes."""
    raw = export(tmp_path)
    (raw / "dm.csv").write_bytes(content)
    with pytest.raises(RawInputError) as info:
        load_raw(raw)
    assert [(i.code, i.where, i.message) for i in info.value.issues] == [
        ("RAW_NOT_CSV", "dm.csv", f"file is {what}, not CSV text: export the form as comma-separated values")]


def test_a_dictionary_without_fields_is_one_issue(tmp_path):
    """A dictionary.csv with its header only: one issue saying so, not an unknown form per form file."""
    with pytest.raises(RawInputError) as info:
        load_raw(export(tmp_path, dictionary="FORM,FIELD,LABEL,TYPE,CODELIST,REQUIRED,KEY\n"))
    assert [(i.code, i.where, i.message) for i in info.value.issues] == [
        ("RAW_DICTIONARY", "dictionary.csv", "declares no fields (a header and no records): every form would be "
                                             "unknown; export the data dictionary with its fields")]


def test_load_raw_reads_declared_columns_in_dictionary_order_and_leaves_out_the_others(tmp_path):
    """Columns in another order and columns the dictionary does not declare (audit columns, a name like a lineage
    column) are acceptable: the form holds the declared fields in the dictionary's order, then its lineage."""
    raw = load_raw(export(tmp_path, dm="AUDIT,WEIGHT,SEX,RAW_ROW,BRTHDAT,SUBJID\nu1,70.5,Male,x,,001-001\n"))
    dm = raw.form("dm")
    assert list(dm.columns) == ["SUBJID", "SEX", "BRTHDAT", "WEIGHT", "RAW_FORM", "RAW_ROW"]
    assert dm.iloc[0].tolist() == ["001-001", "Male", "", "70.5", "dm", 1]


def test_load_raw_names_the_first_row_of_a_duplicate_key(tmp_path):
    """Only the repeats are reported, each naming the row whose key it repeats, and saying when the whole row is a
    copy."""
    with pytest.raises(RawInputError) as info:
        load_raw(export(tmp_path, ae=AE + "001-001,1,Pyrexia,14:30\n001-001,2,Headache,\n"))
    assert [(i.row, i.value, i.message) for i in info.value.issues] == [
        ("3", "001-001/1", "duplicate key (SUBJID, AESEQ): row 1 has the same key (the whole row is repeated)"),
        ("4", "001-001/2", "duplicate key (SUBJID, AESEQ): row 2 has the same key"),
    ]


def test_trailing_blanks_are_dropped_as_xpt_drops_them(tmp_path):
    """'Nausea  ' is 'Nausea' and a value of blanks alone is missing, as an XPT file holds them: the checks see what
    is written (a required value of blanks was accepted, and written as blank). Leading blanks stay."""
    raw = load_raw(export(tmp_path, ae=AE.replace("Nausea", "Nausea  ").replace("Pyrexia", " Pyrexia")))
    assert raw.form("ae")["AETERM"].tolist() == [" Pyrexia", "Nausea"]
    with pytest.raises(RawInputError) as info:
        load_raw(export(tmp_path, ae=AE.replace("Nausea", "   ")))
    assert [(i.code, i.variable, i.row) for i in info.value.issues] == [("RAW_REQUIRED", "AETERM", "2")]


def test_a_quoted_value_that_goes_on_after_its_closing_quote_is_named_by_its_row(tmp_path):
    """ae row 2 '"Naus"ea' (row 1 holds a quoted line break, so records are counted, not lines): pandas read
    'Nausea', silently. A quote inside an unquoted value stays text."""
    ae = 'SUBJID,AESEQ,AETERM,AESTTIM\n001-001,1,"Pyr\nexia",14:30\n001-001,2,"Naus"ea,\n'
    with pytest.raises(RawInputError) as info:
        load_raw(export(tmp_path, ae=ae))
    assert [(i.code, i.where, i.row, i.message) for i in info.value.issues if i.code == "RAW_NOT_CSV"] == [
        ("RAW_NOT_CSV", "ae.csv", "2", "a quoted value goes on after its closing quote: quote the whole value and "
                                       "double each quote inside it (RFC 4180)")]
    assert load_raw(export(tmp_path, ae=AE.replace("Nausea", 'Naus"ea'))).form("ae")["AETERM"].tolist() == [
        "Pyrexia", 'Naus"ea']


def test_a_key_that_differs_by_trailing_blanks_only_is_a_duplicate(tmp_path):
    """dm row 2 '001-001 ' is subject 001-001 again: it passed the key check and was written as a second DM record
    of 001-001 (XPT drops the blank)."""
    with pytest.raises(RawInputError) as info:
        load_raw(export(tmp_path, dm=DM.replace("001-002", "001-001 ")))
    assert [(i.code, i.row, i.value) for i in info.value.issues] == [("RAW_DUPLICATE_KEY", "2", "001-001")]


def test_load_raw_tells_latin1_text_from_utf8_text(tmp_path):
    """Non-ASCII UTF-8 is shown as typed; bytes that are not UTF-8 (a Latin-1 file) are shown as Latin-1 and the
    message says the encoding is wrong."""
    export(tmp_path, ae=AE.replace("Nausea", "Naus\u00e9e"))
    (tmp_path / "dm.csv").write_bytes(DM.replace("Male", "M\u00e2le", 1).encode("latin-1"))
    with pytest.raises(RawInputError) as info:
        load_raw(tmp_path)
    assert [(i.where, i.value, i.message.endswith("Windows-1252?")) for i in info.value.issues] == [
        ("ae.csv", "Naus\u00e9e", False), ("dm.csv", "M\u00e2le", True)]


def test_load_raw_reports_rows_of_subjects_missing_from_the_subject_form(tmp_path):
    """With a subject form, every other form's subject must be in it; blanks are left to the REQUIRED check."""
    files = export(tmp_path, ae=AE.replace("001-001,2", "001-009,2"))
    with pytest.raises(RawInputError) as info:
        load_raw(files, subject_form="dm", subject_field="SUBJID")
    assert [(i.code, i.where, i.variable, i.row, i.value, i.message) for i in info.value.issues] == [
        ("RAW_UNKNOWN_SUBJECT", "ae.csv", "SUBJID", "2", "001-009", "subject is not in dm.csv")]
    assert len(load_raw(files).form("ae")) == 2  # no subject form declared: no check


def test_load_raw_reports_every_problem_at_once(tmp_path):
    """Two independent problems in two files are both reported."""
    with pytest.raises(RawInputError) as info:
        load_raw(export(tmp_path, dm=DM.replace("Female", "F"), ae=AE.replace("14:30", "25:00")))
    assert {i.code for i in info.value.issues} == {"RAW_UNKNOWN_CODE", "RAW_BAD_TIME"}


DECLARED = """FORM,FIELD,LABEL,TYPE,CODELIST,REQUIRED,KEY,FORMAT
ec,PATNUM,Patient,text,,Y,N,
ec,ECSTDAT,Start,date,,Y,N,DD-Mon-YYYY
ec,AESTDAT,Onset,date,,N,N,MM/DD/YYYY|YYYY
"""


def declared_export(tmp_path: Path, rows: str) -> tuple[Path, Path]:
    """A form without a dictionary of its own, and a folder declaring its fields (as specs/<study>/raw/ does)."""
    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "ec.csv").write_text("PATNUM,ECSTDAT,AESTDAT\n" + rows)
    (tmp_path / "declared").mkdir()
    (tmp_path / "declared" / "dictionary.csv").write_text(DECLARED)
    (tmp_path / "declared" / "codelists.csv").write_text("CODELIST,CODE,DECODE\n")
    return tmp_path / "raw", tmp_path / "declared"


def test_declared_dictionary_reads_each_date_field_by_its_format(tmp_path):
    raw = load_raw(*declared_export(tmp_path, "701-1015,02-Jan-2014,01/16/2014\n701-1015,31-Dec-2013,2003\n"))
    ec = raw.form("ec")
    assert raw.dtc(ec, "ECSTDAT").tolist() == ["2014-01-02", "2013-12-31"]
    assert raw.dtc(ec, "AESTDAT").tolist() == ["2014-01-16", "2003"]


def test_declared_formats_are_not_guessed_per_value(tmp_path):
    """A value in another field's format, a day-first value in a month-first field, or 02/30 is an error."""
    with pytest.raises(RawInputError) as err:
        load_raw(*declared_export(tmp_path, "1,01/02/2014,02-Jan-2014\n2,02-JAN-2014,13/01/2014\n3,02-Jan-2014,02/30/2014\n"))
    found = {(i.variable, i.row, i.value, i.message) for i in err.value.issues}
    assert found == {
        ("ECSTDAT", "1", "01/02/2014", "not a valid date: expected DD-Mon-YYYY"),
        ("ECSTDAT", "2", "02-JAN-2014", "not a valid date: expected DD-Mon-YYYY"),
        ("AESTDAT", "1", "02-Jan-2014", "not a valid date: expected MM/DD/YYYY or YYYY"),
        ("AESTDAT", "2", "13/01/2014", "not a valid date: no such date in MM/DD/YYYY: its month or day does not exist"),
        ("AESTDAT", "3", "02/30/2014", "not a valid date: day is out of range for month"),
    }


def test_an_unknown_declared_format_is_a_dictionary_error(tmp_path):
    raw_dir, declared = declared_export(tmp_path, "1,02-Jan-2014,\n")
    (declared / "dictionary.csv").write_text(DECLARED.replace("MM/DD/YYYY|YYYY", "YYYY-MM-DD"))
    with pytest.raises(RawInputError) as err:
        load_raw(raw_dir, declared)
    assert [(i.code, i.variable, i.value) for i in err.value.issues] == [("RAW_DICTIONARY", "FORMAT", "YYYY-MM-DD")]


def test_load_raw_reads_a_quoted_comma_and_skips_blank_lines(tmp_path):
    """A comma inside quotes is part of the value (the record still has the header's fields), and a blank line is
    no record."""
    raw = load_raw(export(tmp_path, ae=AE.replace("Nausea", '"Nausea, mild"') + "\n"))
    assert raw.form("ae")["AETERM"].tolist() == ["Pyrexia", "Nausea, mild"]


@pytest.mark.parametrize(("term", "value"), [("Nausea", "Nausea"), ('"Nausea"', "Nausea"), ('Nau"sea', 'Nau"sea')])
def test_a_file_without_quotes_reads_as_one_with_them(tmp_path, term, value):
    """Arrow reads a file without quotes or with plain quotes (`_plain_quotes`), pandas one with a quote inside a
    value: the same text either way (CRLF line ends, a blank line skipped, spaces kept, a blank value '', a Latin-1
    byte as its character)."""
    ae = (f"SUBJID,AESEQ,AETERM,AESTTIM\r\n001-001,1, Pyrexia ,14:30\r\n\r\n001-001,2,{term},\r\n"
          "001-002,1,Caf\xe9,\r\n")
    (tmp_path / "ae.csv").write_bytes(ae.encode("latin-1"))
    with pytest.raises(RawInputError) as err:  # the Latin-1 byte is reported, after the file was read whole
        load_raw(export(tmp_path, ae=None))
    assert [(i.code, i.row, i.value) for i in err.value.issues] == [("RAW_NON_ASCII", "3", "Caf\xe9")]
    frame, _ = _read_csv(tmp_path / "ae.csv", [])
    assert frame.to_dict("list") == {"SUBJID": ["001-001", "001-001", "001-002"], "AESEQ": ["1", "2", "1"],
                                     "AETERM": [" Pyrexia ", value, "Caf\xe9"], "AESTTIM": ["14:30", "", ""]}
    assert str(frame["AETERM"].dtype) == "str"


@pytest.mark.parametrize(("data", "plain"), [
    (b'A,B\n"x, ""y"" z",2\n', True),         # a quoted comma, doubled quotes inside
    (b'"A","B"\r\n"",""\r\n', True),         # every field quoted, CRLF, empty quoted fields
    (b'A,B\n"a\r\nb",2\n"c"', True),           # a quoted line break; a last field quoted, no line end
    (b'A,B\nNau"sea,2\n', False),             # a quote inside an unquoted value
    (b'A,B\n"x"y,2\n', False),                # text after a closing quote
    (b'A,B\n"x" ,2\n', False),                # a blank after it
    (b'A,B\n"x,2\n', False),                  # an unterminated field
    (b'A,B\r1,2\n', False),                   # a carriage return alone
])
def test_plain_quotes_are_those_every_csv_reader_splits_alike(data, plain):
    assert _plain_quotes(data) is plain


def test_a_file_with_plain_quotes_reads_quoted_commas_quotes_and_line_breaks(tmp_path):
    """Read by Arrow: a quoted comma, doubled quotes and a quoted line break are the value's (the line break is then
    reported: it is no printable text); the file's records are the same as pandas' C parser makes."""
    ae = AE.replace("Nausea", '"Nausea, ""mild"""').replace("Pyrexia", '"Pyr\nexia"')
    (tmp_path / "ae.csv").write_text(ae)
    assert _arrow_cells(ae.encode(), quoted=True) is not None  # Arrow's read, not pandas'
    frame, control = _read_csv(tmp_path / "ae.csv", [])
    assert frame["AETERM"].tolist() == ["Pyr\nexia", 'Nausea, "mild"'] and control
    assert frame.to_dict("list") == pd.read_csv(io.StringIO(ae), dtype=str, keep_default_na=False).to_dict("list")


@pytest.mark.parametrize(("make", "what"), [
    (lambda path: path.mkdir(), "a folder"),
    (lambda path: os.mkfifo(path), "a named pipe"),  # reading it would wait for a writer for ever
    (lambda path: path.symlink_to("/dev/zero"), "a device"),  # reading it would fill the memory
])
def test_load_raw_names_a_form_it_cannot_read(tmp_path, make, what):
    folder = export(tmp_path, ae=None)
    make(folder / "ae.csv")
    with pytest.raises(RawInputError) as info:
        load_raw(folder)
    assert [(i.code, i.where, i.message) for i in info.value.issues] == [
        ("RAW_UNREADABLE", "ae.csv", f"file cannot be read ({what}, not a file)")]


@pytest.mark.parametrize(("files", "issue"), [
    # a field declared twice: which TYPE or KEY holds is unknown
    ({"dictionary": DICTIONARY + "dm,SEX,Sex again,text,,Y,N\n"},
     ("RAW_DICTIONARY", "dictionary.csv", "FORM+FIELD", str(DICTIONARY.count("\n")), "dm/SEX",
      "field is declared twice (FORM, FIELD)")),
    # flags other than Y and N would switch the required and key checks off
    ({"dictionary": DICTIONARY.replace("dm,SUBJID,Subject,text,,Y,Y", "dm,SUBJID,Subject,text,,y,Yes")},
     ("RAW_DICTIONARY", "dictionary.csv", "KEY", "1", "Yes", "KEY must be Y or N")),
    # a field name with a space after it: the form's header would seem to lack it
    ({"dictionary": DICTIONARY.replace("dm,WEIGHT,", "dm,WEIGHT ,")},
     ("RAW_DICTIONARY", "dictionary.csv", "FIELD", "4", "WEIGHT ", "FIELD has spaces around the name")),
    # a code with two decodes: which one a record means is unknown
    ({"codelists": CODELISTS + "SEX,Female,Woman\n"},
     ("RAW_DICTIONARY", "codelists.csv", "CODELIST+CODE", str(CODELISTS.count("\n")), "SEX/Female",
      "code is declared twice (CODELIST, CODE)")),
    # a code without its decode: the records holding it were mapped to a blank (RS "NOT DONE" without a reason)
    ({"codelists": CODELISTS + "SEX,Unknown, \n"},
     ("RAW_DICTIONARY", "codelists.csv", "DECODE", str(CODELISTS.count("\n")), "SEX Unknown", "code has no DECODE")),
])
def test_load_raw_refuses_a_dictionary_that_declares_a_field_or_code_twice_or_bad_flags(tmp_path, files, issue):
    with pytest.raises(RawInputError) as info:
        load_raw(export(tmp_path, **files))
    assert issue in [(i.code, i.where, i.variable, i.row, i.value, i.message) for i in info.value.issues]


@pytest.mark.parametrize(("value", "message"), [
    ("70_5", "not a valid float: expected a decimal number such as 12.5, -3 or 1.5e-3"),  # float() takes 70_5
    (" 70.5", "not a valid float: expected a decimal number such as 12.5, -3 or 1.5e-3"),
])
def test_a_number_python_reads_but_an_export_does_not_write_is_refused(tmp_path, value, message):
    with pytest.raises(RawInputError) as info:
        load_raw(export(tmp_path, dm=DM.replace("70.5", value)))
    assert [(i.code, i.variable, i.row, i.value, i.message) for i in info.value.issues] == [
        ("RAW_BAD_FLOAT", "WEIGHT", "1", value, message)]


def test_load_raw_refuses_an_export_without_subjects(tmp_path):
    """Every form with a header and no records: a valid CSV each, but no subject to map."""
    files = export(tmp_path, dm="SUBJID,SEX,BRTHDAT,WEIGHT\n", ae=AE.split("\n")[0] + "\n")
    with pytest.raises(RawInputError) as info:
        load_raw(files, subject_form="dm", subject_field="SUBJID")
    assert [(i.code, i.where, i.variable) for i in info.value.issues] == [("RAW_NO_SUBJECTS", "dm.csv", "SUBJID")]


# MIN and MAX: a number field's least and most possible value, both allowed (AESEQ from 1, WEIGHT 1 to 500)
LIMITS = {"FIELD": "MIN,MAX", "WEIGHT": "1,500", "AESEQ": "1,"}
LIMITED = "".join(f"{line},{LIMITS.get(line.split(',')[1], ',')}\n" for line in DICTIONARY.splitlines())


@pytest.mark.parametrize(("files", "issues"), [
    ({"ae": AE.replace("001-001,1,", "001-001,0,")},
     [("RAW_OUT_OF_RANGE", "ae.csv", "AESEQ", "1", "0", "value is below the dictionary's MIN of 1")]),
    ({"dm": DM.replace("70.5", "700").replace("03-FEB-1970,", "03-FEB-1970,0.5")},
     [("RAW_OUT_OF_RANGE", "dm.csv", "WEIGHT", "2", "0.5", "value is below the dictionary's MIN of 1"),
      ("RAW_OUT_OF_RANGE", "dm.csv", "WEIGHT", "1", "700", "value is above the dictionary's MAX of 500")]),
    # a value that is no number is its type's issue alone
    ({"dm": DM.replace("70.5", "heavy")},
     [("RAW_BAD_FLOAT", "dm.csv", "WEIGHT", "1", "heavy",
       "not a valid float: expected a decimal number such as 12.5, -3 or 1.5e-3")]),
])
def test_a_number_outside_the_dictionarys_min_and_max_is_refused_naming_its_row(tmp_path, files, issues):
    with pytest.raises(RawInputError) as info:
        load_raw(export(tmp_path, dictionary=LIMITED, **files))
    assert [(i.code, i.where, i.variable, i.row, i.value, i.message) for i in info.value.issues] == issues


def test_numbers_at_the_dictionarys_min_and_max_are_read(tmp_path):
    """Both limits are allowed values; a blank is no number to limit."""
    raw = load_raw(export(tmp_path, dictionary=LIMITED, dm=DM.replace("70.5", "500").replace("1970,", "1970,1")))
    assert raw.form("dm")["WEIGHT"].tolist() == ["500", "1"]


@pytest.mark.parametrize(("replace", "issue"), [
    (("dm,SEX,Sex,code,SEX,Y,N,,", "dm,SEX,Sex,code,SEX,Y,N,0,"),
     ("MIN", "2", "0", "MIN is for integer and float fields only, not code")),
    (("dm,WEIGHT,Weight,float,,N,N,1,500", "dm,WEIGHT,Weight,float,,N,N,1,lots"),
     ("MAX", "4", "lots", "MAX must be a number such as 0, 1 or 2.5")),
    (("dm,WEIGHT,Weight,float,,N,N,1,500", "dm,WEIGHT,Weight,float,,N,N,1,inf"),
     ("MAX", "4", "inf", "MAX must be a number such as 0, 1 or 2.5")),
    # a MIN beyond every float is refused, not applied (it would put every value below it)
    (("dm,WEIGHT,Weight,float,,N,N,1,500", "dm,WEIGHT,Weight,float,,N,N,1e999,500"),
     ("MIN", "4", "1e999", "MIN must be a number such as 0, 1 or 2.5")),
    (("dm,WEIGHT,Weight,float,,N,N,1,500", "dm,WEIGHT,Weight,float,,N,N,500,1"),
     ("MIN+MAX", "4", "500 > 1", "MIN is above MAX")),
])
def test_a_min_or_max_that_cannot_limit_is_a_dictionary_error(tmp_path, replace, issue):
    with pytest.raises(RawInputError) as info:
        load_raw(export(tmp_path, dictionary=LIMITED.replace(*replace)))
    assert [(i.code, i.variable, i.row, i.value, i.message) for i in info.value.issues] == [("RAW_DICTIONARY", *issue)]
