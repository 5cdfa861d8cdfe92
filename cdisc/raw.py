"""The raw EDC export: one CSV per CRF form, checked against its data dictionary: the one the study's spec
declares (`specs/<study>/raw/`: the spec is the study's one source of truth, so a `dictionary.csv` beside the forms
of such a study is not read) or, for a study whose spec declares none, the export's own (`dictionary.csv` +
`codelists.csv` beside the forms, as IM96's export carries them). A date field's optional FORMAT names its format
(`cdisc.dates.DATE_FORMATS`); a number field's optional MIN and MAX the least and the most a value can be (both
allowed: an EDC's range check, the limits of what is possible, such as an age of 0 to 120 or a line number from 1,
not a normal range).

Every value is kept as text (blank = missing), without trailing blanks: SAS text has none (an XPT value is padded
with blanks), so "PLACEBO " is "PLACEBO" in every dataset written, and the checks and joins must see it so (a
duplicate key or a term with two codes passed them otherwise, and was written). Each form frame gains `RAW_FORM`
and `RAW_ROW` (1-based data row), which travel with the derived records so every SDTM record can be traced back to
its raw row. Columns in an order other than the dictionary's, and columns the dictionary does not declare (an EDC's
audit columns), are acceptable: the declared ones are read, in the dictionary's order, and the others are left out.
"""
from __future__ import annotations

import calendar
import csv
import io
import math
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from cdisc.dates import (
    DECLARED_FORMATS,
    DEFAULT_FORMAT,
    FIRST_YEAR,
    LAST_YEAR,
    MONTHS,
    check_raw_time,
    known_format,
    raw_date_to_iso,
    raw_dates_to_iso,
    to_dtc,
)
from cdisc.errors import RawInputError
from cdisc.issues import Issue
from cdisc.xpt import OUTSIDE_IBM, not_held

DICTIONARY = "dictionary.csv"
CODELISTS = "codelists.csv"
DICTIONARY_COLUMNS = ("FORM", "FIELD", "LABEL", "TYPE", "CODELIST", "REQUIRED", "KEY")
FLAGS = ("Y", "N")  # REQUIRED and KEY
CODELIST_COLUMNS = ("CODELIST", "CODE", "DECODE")
TYPES = ("text", "integer", "float", "date", "time", "code")
NUMBERS = ("integer", "float")
LIMITS = ("MIN", "MAX")  # optional dictionary columns of a number field: its least and most possible value
MAX_VALUE_BYTES = 200
TEXT = pd.StringDtype("pyarrow", na_value=np.nan)  # what pandas reads with dtype=str
FIRST_RECORD = re.compile(rb"[^\r\n]+")  # blank lines are skipped
NOT_BLANK = re.compile(rb"[^\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0]")  # a character Python's str.strip keeps (latin-1)
LINEAGE = ("RAW_FORM", "RAW_ROW")
UTF8_BOM = b"\xef\xbb\xbf"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
# files a form is sometimes saved as instead of CSV, by their first bytes (their "magic numbers")
NOT_TEXT = {b"PK\x03\x04": "a zip archive (an Excel .xlsx workbook is one)", b"\x1f\x8b": "a gzip archive",
            b"\xd0\xcf\x11\xe0": "an Excel 97-2003 (.xls) workbook", b"%PDF": "a PDF document",
            b"SQLite format 3": "an SQLite database"}
DELIMITERS = {";": "semicolons", "\t": "tabs", "|": "vertical bars"}  # what other exports separate fields by
SHOWN_CHARACTERS = 60  # a longer value is shown cut, with its length
CONTROL = r"[\x00-\x1f\x7f]"  # ASCII control characters: not printable (SD1029 wants 32-126)
CONTROL_IN_TEXT = {*range(0x00, 0x0a), 0x0b, 0x0c, *range(0x0e, 0x20), 0x7f}  # the text's own line ends left out
NOT_CONTROL_IN_TEXT = bytes(b for b in range(256) if b not in CONTROL_IN_TEXT)


@dataclass(frozen=True)
class RawStudy:
    directory: Path
    dictionary: pd.DataFrame
    codelists: pd.DataFrame
    forms: dict[str, pd.DataFrame]
    # the records the data cut left out (`cdisc.datacut`): RAW_FORM, RAW_ROW, REASON
    cut: pd.DataFrame = dataclass_field(default_factory=lambda: pd.DataFrame(columns=[*LINEAGE, "REASON"]))
    # the forms as exported, before the data cut left records out (only those it left records out of)
    exported: dict[str, pd.DataFrame] = dataclass_field(default_factory=dict)

    def form(self, name: str) -> pd.DataFrame:
        """A copy of one form, with its lineage columns."""
        return self.forms[name].copy()

    def cut_records(self, name: str) -> pd.DataFrame:
        """The records of form `name` that the data cut left out, with their lineage (an empty frame, when it left
        none out or there is no such form)."""
        whole = self.exported.get(name)
        return pd.DataFrame() if whole is None else whole[~whole.index.isin(self.forms[name].index)]

    def decode(self, codelist: str, code: str) -> str:
        rows = self.codelists[(self.codelists["CODELIST"] == codelist) & (self.codelists["CODE"] == code)]
        return rows["DECODE"].iloc[0] if len(rows) else ""

    def codes(self, codelist: str) -> pd.DataFrame:
        return self.codelists[self.codelists["CODELIST"] == codelist][["CODE", "DECODE"]]

    def date_format(self, form: str, field: str) -> str:
        """The declared format of a date field (`DD-MON-YYYY` when the dictionary names none)."""
        return self.declared.get((form, field), {}).get("FORMAT", "") or DEFAULT_FORMAT

    @cached_property
    def declared(self) -> dict[tuple[str, str], dict]:
        """Each field's dictionary row by (FORM, FIELD), made once (a lookup in the frame took 3 ms)."""
        return {(row["FORM"], row["FIELD"]): row for row in self.dictionary.to_dict("records")}

    def dtc(self, frame: pd.DataFrame, date: str, time: str | None = None) -> pd.Series:
        """ISO 8601 --DTC of a date field (and an optional time field) of a form's rows, read by the date's
        declared format; `frame` holds rows of one form (its `RAW_FORM`)."""
        form = frame["RAW_FORM"].iloc[0] if len(frame) else ""
        return to_dtc(frame[date], None if time is None else frame[time], fmt=self.date_format(form, date))


def load_raw(directory: Path, declared: Path | None = None, *, subject_form: str = "",
             subject_field: str = "SUBJID") -> RawStudy:
    """Read and check every form against the dictionary beside the forms, or in `declared` when given.

    With `subject_form` (study.toml), every form's `subject_field` value must be a subject of that form: a record
    of a subject the study does not know could never reach a dataset. Raises `RawInputError` listing every
    problem found."""
    directory = Path(directory)
    if not directory.is_dir():
        raise RawInputError(f"raw export directory {directory} does not exist")
    meta = Path(declared) if declared is not None else directory
    issues: list[Issue] = []
    dictionary = _read_meta(meta / DICTIONARY, DICTIONARY_COLUMNS, issues)
    codelists = _read_meta(meta / CODELISTS, CODELIST_COLUMNS, issues)
    if issues:
        raise RawInputError(f"raw export {directory} cannot be read", issues)
    issues += _check_dictionary(dictionary, codelists)
    if dictionary.empty:  # every file would be an unknown form: the one issue says why
        raise RawInputError(f"raw export {directory} cannot be read", issues)
    dictionary = dictionary.drop_duplicates(["FORM", "FIELD"])  # a field declared twice is an issue, read once
    forms: dict[str, pd.DataFrame] = {}
    for form, fields in dictionary.groupby("FORM", sort=True):
        frame = _read_form(directory, str(form), fields, codelists, issues)
        if frame is not None:
            forms[str(form)] = frame
    if subject_form in forms:
        issues += _check_subjects(forms, subject_form, subject_field)
    listed = {f"{f}.csv" for f in dictionary["FORM"]} | {DICTIONARY, CODELISTS}
    for extra in sorted(p.name for p in directory.glob("*.csv") if p.name not in listed):
        issues.append(Issue("error", "RAW_UNKNOWN_FORM", extra, "file is not a form of dictionary.csv; "
                            "its records would be lost"))
    if issues:
        raise RawInputError(f"raw export {directory} has {len(issues)} problem(s)", issues)
    return RawStudy(directory, dictionary, codelists, forms)


def _read_csv(path: Path, issues: list[Issue]) -> tuple[pd.DataFrame | None, bool]:
    """Every value as text, or None (with the reason in `issues`) when the file is no readable CSV; and whether a
    value may hold a control character (a line break is one only inside quotes; any other is seen in the text).

    A UTF-8 byte order mark is dropped. Text is read as latin-1, which maps every byte to one character, so
    nothing fails to decode and non-ASCII bytes stay visible to the ASCII check. Every record must have as many
    fields as the header: pandas would otherwise take a first record's extra fields for an index (shifting its
    values into the wrong columns) and fill a short record's missing fields with blanks. Blank lines are skipped.
    """
    if (kind := _not_a_file(path)) is not None:  # a named pipe would block the run, /dev/zero fill the memory
        issues.append(Issue("error", "RAW_UNREADABLE", path.name, f"file cannot be read ({kind}, not a file)"))
        return None, False
    try:
        data = path.read_bytes()
    except OSError as exc:
        issues.append(Issue("error", "RAW_UNREADABLE", path.name, f"file cannot be read ({exc.strerror})"))
        return None, False
    if what := next((name for magic, name in NOT_TEXT.items() if data.startswith(magic)), None):
        issues.append(Issue("error", "RAW_NOT_CSV", path.name, f"file is {what}, not CSV text: export the form "
                            "as comma-separated values"))
        return None, False
    if data.startswith(UTF16_BOMS):
        issues.append(Issue("error", "RAW_ENCODING", path.name, "file is UTF-16 text (it starts with a UTF-16 byte "
                            "order mark): export it as UTF-8 or ASCII"))
        return None, False
    data = data.removeprefix(UTF8_BOM)
    if NOT_BLANK.search(data) is None:
        issues.append(Issue("error", "RAW_EMPTY_FILE", path.name, "file is empty: not even a header row"))
        return None, False
    quoted = b'"' in data
    control = quoted or bool(data.translate(None, NOT_CONTROL_IN_TEXT))  # the control bytes alone
    cells = _arrow_cells(data, quoted) if not quoted or _plain_quotes(data) else None
    if cells is None:  # quotes of another kind, or a record with another number of fields than the first
        text = data.decode("latin-1")
        try:
            cells = pd.read_csv(io.StringIO(text), dtype=str, header=None, keep_default_na=False, na_filter=False)
        except pd.errors.ParserError as exc:
            reason = _parser_reason(exc)  # 'Expected 13 fields in line 4, saw 14': said per record, with its row
            ragged = _ragged_records(text, path.name) if reason.startswith("Expected ") else []
            issues += ragged or [Issue("error", "RAW_NOT_CSV", path.name, f"not a readable CSV file ({reason})")]
            return None, control
        # the C parser fills a short record's missing fields with blanks; a quote can hide a comma; it reads text
        # after a closing quote into the value ('"Diarr"hoea' as 'Diarrhoea')
        if quoted or text.count(",") != len(cells) * (len(cells.columns) - 1):
            if broken := _ragged_records(text, path.name) or (_misquoted(text, path.name) if quoted else []):
                issues += broken
                return None, control
    return cells.iloc[1:].set_axis(cells.iloc[0].tolist(), axis=1).reset_index(drop=True), control


def _arrow_cells(data: bytes, quoted: bool = False) -> pd.DataFrame | None:
    """The records of a CSV file (`data`, read as latin-1) without quotes, or whose quotes are all `_plain_quotes`
    (`quoted`: a quoted value may hold a line break), as text, the header row first, columns numbered, when every
    record has the first's number of fields (Arrow's CSV reader checks each; None otherwise: pandas' C parser, whose
    messages the errors quote, reads it then, and the csv module counts each record's fields). Several times faster
    than the C parser, and the same frame; read as Arrow's large text, which pandas' text holds, so no column is
    copied to become it."""
    width = FIRST_RECORD.search(data).group().count(b",") + 1
    if quoted and width == 1:  # a line of blanks: pandas skips it in a quoted one-column file, Arrow reads a value
        return None
    names = [str(i) for i in range(width)]
    try:
        table = pa_csv.read_csv(io.BytesIO(data), read_options=pa_csv.ReadOptions(column_names=names,
                                                                               encoding="latin-1"),
                                parse_options=pa_csv.ParseOptions(newlines_in_values=quoted),
                                convert_options=pa_csv.ConvertOptions(
                                    column_types=dict.fromkeys(names, pa.large_string()), strings_can_be_null=False))
    except pa.ArrowInvalid:
        return None
    return table.to_pandas(types_mapper={pa.large_string(): TEXT}.get).set_axis(range(width), axis=1)


def _plain_quotes(data: bytes) -> bool:
    r"""Whether every quote in `data` opens a field (at the start of a line or after a comma), closes one (before a
    comma, a line break or the end), or is one of a doubled pair inside a quoted field (RFC 4180), and every
    carriage return ends a line before its line feed. Such a file's records and fields are the same to Arrow's
    reader, pandas' C parser and the csv module; any other quote (one inside an unquoted value, an unterminated
    field) leaves the file to the C parser and the csv module, whose messages the errors quote. At 5,000 subjects
    the four quoted forms took 0.4 s to read that way, against 0.05 s.

    >>> [_plain_quotes(d) for d in (b'A,B\n"x, ""y"" z",2\n', b'A,B\nx"y,2\n', b'A,B\n"x"y,2\n', b'A\n"x\n')]
    [True, False, False, False]
    """
    text = np.frombuffer(data, dtype=np.uint8)
    quotes = np.flatnonzero(text == ord('"'))
    if len(quotes) % 2:
        return False
    opens, closes = quotes[0::2], quotes[1::2]
    padded = np.concatenate([[ord("\n")], text, [ord("\n")]])  # what is before the first byte and after the last
    doubled = closes[:-1] + 1 == opens[1:]  # a close straight followed by an open: "" inside a quoted field
    opened = np.isin(padded[opens], (ord(","), ord("\n")))  # the byte before each open
    opened[1:] |= doubled
    closed = np.isin(padded[closes + 2], (ord(","), ord("\n"), ord("\r")))  # the byte after each close
    closed[:-1] |= doubled
    returns = np.flatnonzero(text == ord("\r"))
    return bool(opened.all() and closed.all() and (padded[returns + 2] == ord("\n")).all())


def _header_issues(name: str, header: list[str], expected: list[str]) -> list[Issue]:
    """What keeps the header from naming every expected column: fields separated by another character (one issue
    for the file), or each column it lacks, with the name it nearly has."""
    missing = [c for c in expected if c not in header]
    if missing and (delimiter := _other_delimiter(header, expected)):
        return [Issue("error", "RAW_DELIMITER", name, f"fields are separated by {DELIMITERS[delimiter]}, not "
                      "commas: export the file as comma-separated values")]
    return [Issue("error", "RAW_MISSING_COLUMN", name, "column is missing" + _near_miss(c, header), variable=c)
            for c in missing]


def _other_delimiter(header: list[str], expected: list[str]) -> str:
    """The character the header separates the expected column names by when it is not a comma ("" if none)."""
    return next((d for d in DELIMITERS
                 if any(set(expected) <= {part.strip() for part in cell.split(d)} for cell in header)), "")


def _near_miss(column: str, header: list[str]) -> str:
    """Why the header seems to lack `column`: a name that is `column` but for spaces around it, a control
    character in it (a NUL, a tab) or its case."""
    for cell in header:
        if cell != column and cell.strip() == column:
            return f" (the header has {cell!r}, with spaces around the name)"
        if cell != column and re.sub(CONTROL, "", cell).strip() == column:
            return f" (the header has {cell!r}, with a control character in the name)"
        if cell.strip().upper() == column.upper():
            return f" (the header has {cell!r}: the dictionary's name is {column!r}, and names are case-sensitive)"
    return ""


def _ragged_records(text: str, name: str) -> list[Issue]:
    """An issue for each record whose number of fields is not the header's (none when the text is no CSV the
    csv module reads either). Rows are 1-based data rows, as everywhere."""
    try:
        records = [r for r in csv.reader(io.StringIO(text)) if r]
    except csv.Error:
        return []
    counts = [len(r) for r in records]
    if len(counts) > 2 and len(set(counts[1:])) == 1 and counts[1] != counts[0]:  # the records agree, not the header
        return [_not_a_header(name, records[0], counts[1])]
    return [Issue("error", "RAW_FIELD_COUNT", name, f"record has {n} fields, the header has {counts[0]}",
                  row=str(row), value=str(n))
            for row, n in enumerate(counts[1:], start=1) if n != counts[0]]


def _misquoted(text: str, name: str) -> list[Issue]:
    """An issue for the first record in which a quoted value goes on after its closing quote (`"Diarr"hoea`: the
    C parser reads `Diarrhoea`, whatever was meant), as the csv module reads RFC 4180 strictly; none otherwise (a
    quote inside an unquoted value, `Neutro"penia`, is text)."""
    reader = csv.reader(io.StringIO(text), strict=True)
    records = 0
    try:
        for record in reader:
            records += bool(record)
    except csv.Error as exc:  # (only this error: a field over the csv module's limit is no quoting fault)
        if "expected after" in str(exc):
            return [Issue("error", "RAW_NOT_CSV", name, "a quoted value goes on after its closing quote: quote the "
                          "whole value and double each quote inside it (RFC 4180)", row=str(records))]
    return []


def _not_a_header(name: str, first: list[str], fields: int) -> Issue:
    """One issue for a file whose every record has `fields` fields but whose first line (`first`) has another
    number: that line is no header row (Excel's 'sep=,' line is one such)."""
    line = ",".join(first)
    hint = " (Excel's 'sep=' line: remove it)" if line.lower().startswith("sep=") else ""
    return Issue("error", "RAW_FIELD_COUNT", name, f"the first line has {len(first)} field(s) but every record has "
                 f"{fields}: the first line is no header row{hint}", row="header", value=_shown(line))


def _parser_reason(exc: pd.errors.ParserError) -> str:
    """pandas' tokenizer message without its 'Error tokenizing data. C error: ' prefix."""
    return str(exc).removeprefix("Error tokenizing data. ").removeprefix("C error: ").strip()


def _read_meta(path: Path, columns: tuple[str, ...], issues: list[Issue]) -> pd.DataFrame:
    if not path.exists():
        issues.append(Issue("error", "RAW_MISSING_FILE", path.name, "file is missing"))
        return pd.DataFrame(columns=list(columns))
    df, _ = _read_csv(path, issues)
    if df is None:
        return pd.DataFrame(columns=list(columns))
    issues += _header_issues(path.name, list(df.columns), list(columns))
    return df


def _not_a_file(path: Path) -> str | None:
    """What `path` is when it exists and is no regular file (a symbolic link is followed): a folder, a named pipe,
    a device or a socket; None otherwise."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return None  # missing or unreadable: reading it says why
    if stat.S_ISREG(mode):
        return None
    return ("a folder" if stat.S_ISDIR(mode) else "a named pipe" if stat.S_ISFIFO(mode)
            else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "a socket")


def _check_dictionary(dictionary: pd.DataFrame, codelists: pd.DataFrame) -> Iterator[Issue]:
    if dictionary.empty:
        yield Issue("error", "RAW_DICTIONARY", DICTIONARY, "declares no fields (a header and no records): every "
                    "form would be unknown; export the data dictionary with its fields")
    yield from _repeated_rows(DICTIONARY, dictionary, ["FORM", "FIELD"], "field")
    yield from _repeated_rows(CODELISTS, codelists, ["CODELIST", "CODE"], "code")
    for i in np.flatnonzero(codelists["DECODE"].str.strip().eq("").to_numpy()):  # a mapped code would be blank
        yield Issue("error", "RAW_DICTIONARY", CODELISTS, "code has no DECODE", variable="DECODE", row=str(i + 1),
                    value=f"{codelists['CODELIST'].iloc[i]} {codelists['CODE'].iloc[i]}")
    known = set(codelists["CODELIST"])
    for i, rec in enumerate(dictionary.to_dict("records"), start=1):
        for name in ("FORM", "FIELD"):
            if rec[name] != rec[name].strip():  # the form's header would seem to lack the field
                yield Issue("error", "RAW_DICTIONARY", DICTIONARY, f"{name} has spaces around the name",
                            variable=name, row=str(i), value=rec[name])
        for flag in ("REQUIRED", "KEY"):
            if rec[flag] not in FLAGS:
                yield Issue("error", "RAW_DICTIONARY", DICTIONARY, f"{flag} must be Y or N", variable=flag,
                            row=str(i), value=rec[flag])
        if rec["TYPE"] not in TYPES:
            yield Issue("error", "RAW_DICTIONARY", DICTIONARY, f"TYPE must be one of {', '.join(TYPES)}",
                        variable="TYPE", row=str(i), value=rec["TYPE"])
        if rec["TYPE"] == "code" and rec["CODELIST"] not in known:
            yield Issue("error", "RAW_DICTIONARY", DICTIONARY, "codelist is not in codelists.csv",
                        variable="CODELIST", row=str(i), value=rec["CODELIST"])
        if not known_format(_format_of(rec)):
            yield Issue("error", "RAW_DICTIONARY", DICTIONARY, "FORMAT must be DD-MON-YYYY or formats of "
                        f"{', '.join(DECLARED_FORMATS)} joined by |", variable="FORMAT", row=str(i),
                        value=rec["FORMAT"])
        yield from _limit_issues(rec, str(i))


def _limit_issues(field: dict, row: str) -> Iterator[Issue]:
    """A MIN or MAX that is no number, or on a field that is not one, or a MIN above the MAX."""
    for end in (e for e in LIMITS if field.get(e, "")):
        if field["TYPE"] not in NUMBERS:
            yield Issue("error", "RAW_DICTIONARY", DICTIONARY, f"{end} is for integer and float fields only, "
                        f"not {field['TYPE']}", variable=end, row=row, value=field[end])
        elif _limit(field, end) is None:
            yield Issue("error", "RAW_DICTIONARY", DICTIONARY, f"{end} must be a number such as 0, 1 or 2.5",
                        variable=end, row=row, value=field[end])
    if _inverted(*_given_limits(field)):
        yield Issue("error", "RAW_DICTIONARY", DICTIONARY, "MIN is above MAX", variable="MIN+MAX", row=row,
                    value=f"{field['MIN']} > {field['MAX']}")


def _given_limits(field: dict) -> tuple[float | None, float | None]:
    return _limit(field, "MIN"), _limit(field, "MAX")


def _limit(field: dict, end: str) -> float | None:
    """A number field's MIN or MAX (`end`) as a number; None for one that is blank, absent, or no finite number (the
    dictionary's own issue)."""
    text = field.get(end, "")
    if field["TYPE"] not in NUMBERS or not DECIMAL.fullmatch(text):
        return None
    return float(text) if math.isfinite(float(text)) else None


def _inverted(low: float | None, high: float | None) -> bool:
    return low is not None and high is not None and low > high


def _limits_of(field: dict) -> tuple[float | None, float | None]:
    """The MIN and MAX a field's values are held to: none when the MIN is above the MAX (the dictionary's issue
    says so; every value would be outside)."""
    limits = _given_limits(field)
    return (None, None) if _inverted(*limits) else limits


def _repeated_rows(name: str, table: pd.DataFrame, key: list[str], what: str) -> Iterator[Issue]:
    """A metadata row whose key an earlier row has: which declaration would hold is unknown."""
    for i in table.index[table.duplicated(key, keep="first")]:
        yield Issue("error", "RAW_DICTIONARY", name, f"{what} is declared twice ({', '.join(key)})",
                    variable="+".join(key), row=str(i + 1), value="/".join(table.loc[i, key]))


def _format_of(field: dict) -> str:
    """A field's declared date format; blank or absent (a dictionary without FORMAT) is the default."""
    return field.get("FORMAT", "") or DEFAULT_FORMAT


def _read_form(directory: Path, form: str, fields: pd.DataFrame, codelists: pd.DataFrame,
               issues: list[Issue]) -> pd.DataFrame | None:
    name = f"{form}.csv"
    path = directory / name
    if not path.exists():
        issues.append(Issue("error", "RAW_MISSING_FILE", name, "form file is missing"))
        return None
    df, control = _read_csv(path, issues)
    if df is None:
        return None
    expected = list(fields["FIELD"])
    missing = _header_issues(name, list(df.columns), expected)
    repeated = sorted({c for c in expected if list(df.columns).count(c) > 1})
    issues += missing + [Issue("error", "RAW_REPEATED_COLUMN", name, "column appears more than once in the header",
                               variable=c) for c in repeated]
    if missing or repeated:
        return None
    df = _without_trailing_blanks(df[expected])
    rows = pd.Series(range(1, len(df) + 1), index=df.index)
    for spec in fields.to_dict("records"):
        issues += _check_column(name, df[spec["FIELD"]], rows, spec, codelists, control)
    keys = list(fields.loc[fields["KEY"] == "Y", "FIELD"])
    if keys:
        numbers = set(fields.loc[fields["TYPE"].isin(["integer", "float"]), "FIELD"])
        issues += _check_keys(name, df, rows, keys, numbers)
    return df.assign(RAW_FORM=form, RAW_ROW=rows)


def _without_trailing_blanks(df: pd.DataFrame) -> pd.DataFrame:
    """The form with each value's trailing blanks dropped (a value of blanks alone becomes blank: missing), as an
    XPT file holds it; a column with none is kept as it is (Arrow looks at each column at once)."""
    trimmed = {}
    for name, col in df.items():
        values = pa.array(col)
        if pc.any(pc.ends_with(values, " ")).as_py():
            trimmed[name] = pd.Series(pc.utf8_rtrim(values, characters=" "), index=df.index, dtype=col.dtype)
    return df.assign(**trimmed) if trimmed else df


def _check_column(name: str, col: pd.Series, rows: pd.Series, spec: dict, codelists: pd.DataFrame,
                  control: bool = False) -> list[Issue]:
    """The issues of one form column, check by check. Each check first screens the whole column in Arrow
    (`_Screen`: one call, no per-row work); only a check whose screen finds something looks at the rows."""
    field = spec["FIELD"]
    found: list[Issue] = []
    if col.empty:
        return found

    def flag(mask: pd.Series, code: str, message: str) -> None:
        if not mask.any():
            return
        for r, v in zip(rows[mask], col[mask], strict=True):
            found.append(Issue("error", code, name, message, variable=field, row=str(r), value=_shown(v)))

    screen = _Screen(pc.unique(pa.array(col)))
    ascii_ok: pd.Series | bool = True
    if not screen.all_ascii():
        ascii_ok = col.str.isascii()
        utf8 = col[~ascii_ok].map(_is_utf8).astype(bool)
        flag(col.index.isin(utf8.index[utf8]), "RAW_NON_ASCII", "value is not ASCII (XPT v5 and FDA require ASCII)")
        flag(col.index.isin(utf8.index[~utf8]), "RAW_NON_ASCII", "value is not ASCII (XPT v5 and FDA require "
             "ASCII); its bytes are not UTF-8 either: was the file saved as Latin-1 or Windows-1252?")
    if control and screen.any_match(CONTROL):
        flag(ascii_ok & col.str.contains(CONTROL), "RAW_NON_PRINTABLE", "value holds a control character (a line "
             "break, a tab): FDA wants printable ASCII (Pinnacle 21 SD1029)")
    # read as latin-1 (`_read_csv`): one character per byte, so the length in characters is the length in bytes
    if screen.longest() > MAX_VALUE_BYTES:
        flag(col.str.len() > MAX_VALUE_BYTES, "RAW_TOO_LONG", f"value is over {MAX_VALUE_BYTES} bytes")
    if spec["REQUIRED"] == "Y" and screen.any_blank():
        flag(col.eq(""), "RAW_REQUIRED", "value is required")
    kind = spec["TYPE"]
    if kind == "code":
        allowed = set(codelists.loc[codelists["CODELIST"] == spec["CODELIST"], "CODE"])
        if not screen.all_in(allowed | {""}):
            flag(col.ne("") & ascii_ok & ~col.isin(allowed), "RAW_UNKNOWN_CODE",
                 f"code is not in codelist {spec['CODELIST']}")
    elif kind in ("date", "time", "integer", "float") and known_format(_format_of(spec)):  # else: dictionary issue
        found += _value_issues(name, col, rows, spec, screen, ascii_ok)
    low, high = _limits_of(spec)
    shape = INTEGER if kind == "integer" else DECIMAL
    if screen.outside(shape, low, high):
        numbers = _numbers(col, shape)
        if low is not None:
            flag(numbers < low, "RAW_OUT_OF_RANGE", f"value is below the dictionary's MIN of {spec['MIN']}")
        if high is not None:
            flag(numbers > high, "RAW_OUT_OF_RANGE", f"value is above the dictionary's MAX of {spec['MAX']}")
    return found


def _numbers(col: pd.Series, shape: re.Pattern) -> pd.Series:
    """Each value of `shape` as its number; NaN for a blank and for a value of another shape (its type's check
    reports it)."""
    numbers = pd.to_numeric(col.where(col.str.fullmatch(shape.pattern)), errors="coerce")
    return pd.Series(numbers.to_numpy(dtype=float, na_value=np.nan), index=col.index)


def _value_issues(name: str, col: pd.Series, rows: pd.Series, spec: dict, screen: _Screen,
                  ascii_ok: pd.Series | bool) -> list[Issue]:
    """Each value of a date, time or number field that its type's parser refuses, with the parser's reason."""
    kind, fmt = spec["TYPE"], _format_of(spec)
    if (shape := _CERTAIN.get((kind, fmt))) and screen.all_blank_or(shape):
        return []
    # whole-column fast check; only values it does not pass are parsed one by one for the reason
    check = col.ne("") & ascii_ok & ~(raw_dates_to_iso(col, fmt).notna() if kind == "date" else _FAST_OK[kind](col))
    found = []
    for r, v in zip(rows[check], col[check], strict=True):
        try:
            raw_date_to_iso(v, fmt) if kind == "date" else _PARSERS[kind](v)
        except ValueError as exc:
            found.append(Issue("error", "RAW_BAD_" + kind.upper(), name, f"not a valid {kind}: {exc}",
                               variable=spec["FIELD"], row=str(r), value=_shown(v)))
    return found


class _Screen:
    """Whole-column questions about a form column (Arrow text, its distinct values: every question is about any or
    all of them), each one vectorised call: they say whether a check can find anything at all, so a clean column
    (nearly every one) costs no per-row pandas work."""

    def __init__(self, text: pa.Array) -> None:
        self.text = text

    def all_ascii(self) -> bool:
        return pc.all(pc.string_is_ascii(self.text)).as_py()

    def any_match(self, pattern: str) -> bool:
        return pc.any(pc.match_substring_regex(self.text, pattern)).as_py()

    def longest(self) -> int:
        """The most characters of a value (the text is latin-1, so characters are the file's bytes)."""
        return pc.max(pc.utf8_length(self.text)).as_py() or 0

    def any_blank(self) -> bool:
        return pc.any(pc.equal(self.text, "")).as_py()

    def all_in(self, allowed: set[str]) -> bool:
        return pc.all(pc.is_in(self.text, value_set=pa.array(sorted(allowed), self.text.type))).as_py()

    def outside(self, shape: re.Pattern, low: float | None, high: float | None) -> bool:
        """Whether a value of `shape` is below `low` or above `high` (None: no limit)."""
        if low is None and high is None:
            return False
        numbers = _numbers(pd.Series(pd.array(self.text, dtype=TEXT)), shape)
        return bool((low is not None and (numbers < low).any()) or (high is not None and (numbers > high).any()))

    def all_blank_or(self, pattern: str) -> bool:
        """Whether every value is blank or matches `pattern` whole (Arrow's RE2: `\\d` is 0-9 only, never another
        script's digit, so a value it passes Python's `re` passes too)."""
        return pc.all(pc.match_substring_regex(self.text, f"^(?:{pattern})?$")).as_py()


def _is_utf8(value: str) -> bool:
    """Whether a latin-1-read value was valid UTF-8 in the file (ASCII is)."""
    try:
        value.encode("latin-1").decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


INTEGER = re.compile(r"[+-]?\d+")
EXACT_INTEGERS = 2 ** 53  # the largest run of whole numbers a double (and so an XPT number) holds exactly
DECIMAL = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def _parse_integer(v: str) -> None:
    if not INTEGER.fullmatch(v):  # int() would take 1_000 and " 5"
        raise ValueError("expected digits, with an optional sign")
    if abs(int(v)) > EXACT_INTEGERS:
        raise ValueError(f"beyond {EXACT_INTEGERS:,}: no XPT number holds it exactly")


def _parse_float(v: str) -> None:
    if not DECIMAL.fullmatch(v):  # float() would take 1_91, "inf" and " 5"
        raise ValueError("expected a decimal number such as 12.5, -3 or 1.5e-3")
    if not math.isfinite(float(v)):
        raise ValueError("not a finite number")
    if not_held(np.array([float(v)]))[0]:  # 1e80: refused here, naming its row, not by the XPT writer
        raise ValueError(f"the number is {OUTSIDE_IBM}")


_PARSERS = {"time": check_raw_time, "integer": _parse_integer, "float": _parse_float}


def _held_numbers(col: pd.Series) -> pd.Series:
    numbers = _numbers(col, DECIMAL)
    return numbers.notna() & ~not_held(numbers.to_numpy())


# values these accept are certainly valid for the parser of the type; the rest go to the parser
TIME_SHAPE = r"([01]\d|2[0-3]):[0-5]\d"
SHORT_INTEGER = r"[+-]?\d{1,15}"  # within 2**53 however written
SHORT_DECIMAL = r"[+-]?(\d{1,15}(\.\d{0,15})?|\.\d{1,15})"  # finite, and within what an XPT number holds
_FAST_OK = {
    "time": lambda col: col.str.fullmatch(TIME_SHAPE),
    "integer": lambda col: col.str.fullmatch(SHORT_INTEGER),
    "float": _held_numbers,
}

def _certain_date() -> str:
    """DD-MON-YYYY values every one of which the parser accepts, derived from the calendar and the accepted years
    (`cdisc.dates.FIRST_YEAR`-`LAST_YEAR`): a day the month always has (UN for any), 29 February in a leap year
    only, UN-UNK."""
    def one_of(texts) -> str:
        return "(" + "|".join(texts) + ")"

    years = range(FIRST_YEAR, LAST_YEAR + 1)
    days = [f"{d:02d}" for d in range(1, 32)]
    in_every_year = [f"{one_of([*days[:calendar.monthrange(2001, m)[1]], 'UN'])}-{mon}"  # 2001: no 29 February
                     for m, mon in enumerate(MONTHS, start=1)]
    return (f"{one_of([*in_every_year, 'UN-UNK'])}-{one_of(str(y) for y in years)}"
            f"|29-FEB-{one_of(str(y) for y in years if calendar.isleap(y))}")


# (type, format) -> a shape of which every value is certainly valid: a column whose values are all blank or of the
# shape needs no value parsed
_CERTAIN = {
    ("time", DEFAULT_FORMAT): TIME_SHAPE,
    ("integer", DEFAULT_FORMAT): SHORT_INTEGER,
    ("float", DEFAULT_FORMAT): SHORT_DECIMAL,
    ("date", DEFAULT_FORMAT): _certain_date(),
}


def _check_keys(name: str, df: pd.DataFrame, rows: pd.Series, keys: list[str], numbers: set[str]) -> list[Issue]:
    """Every row whose key an earlier row already has, naming that first row (and saying so when the whole row
    is a copy of it). Key fields in `numbers` compare as numbers (AESEQ 01 is AESEQ 1: both map to 1)."""
    compared = df[keys].assign(**{k: _as_numbers(df[k]) for k in keys if k in numbers})
    repeat = compared.duplicated(keep="first")
    if not repeat.any():
        return []
    first = rows.groupby([compared[k] for k in keys], sort=False).transform("first")
    copy = df.duplicated(keep="first")
    return [
        Issue("error", "RAW_DUPLICATE_KEY", name, f"duplicate key ({', '.join(keys)}): row {first[i]} has the same "
              f"key{' (the whole row is repeated)' if copy[i] else ''}", variable="+".join(keys),
              row=str(rows[i]), value=_shown("/".join(df.loc[i, keys])))
        for i in df.index[repeat]
    ]


def _as_numbers(col: pd.Series) -> pd.Series:
    """Each value as its number where it reads as one, else as it is (a bad value is reported by its own check)."""
    numbers = pd.to_numeric(col, errors="coerce")
    return numbers.astype(object).where(numbers.notna(), col)


def in_values(column: pd.Series, values: pd.Series) -> pd.Series:
    """`column.isin(values)` for a form's text column (Arrow) and a column of text: the values are handed to Arrow
    at once, where pandas makes each a pyarrow scalar on every call (30 ms for 5,000 subject ids, however short
    the column). Another column is left to pandas."""
    if not (isinstance(column.dtype, pd.StringDtype) and column.dtype.storage == "pyarrow"):
        return column.isin(values)
    known = pa.array([v for v in values if isinstance(v, str)], type=pa.large_string())  # as pandas: text only
    found = pc.is_in(pa.array(column), value_set=known).to_numpy(zero_copy_only=False)
    return pd.Series(found, index=column.index, name=column.name)


def _check_subjects(forms: dict[str, pd.DataFrame], register: str, field: str) -> list[Issue]:
    """Rows of any form whose subject is not in the subject register form, which must hold a subject."""
    known = pd.Series(forms[register][field].unique())
    found: list[Issue] = []
    if known.empty:
        found.append(Issue("error", "RAW_NO_SUBJECTS", f"{register}.csv", "form has no records: the export holds "
                           "no subject, so nothing can be mapped", variable=field))
    for form, df in forms.items():
        if form == register or field not in df.columns:
            continue
        unknown = ~in_values(df[field], known) & df[field].ne("")
        found += [Issue("error", "RAW_UNKNOWN_SUBJECT", f"{form}.csv", f"subject is not in {register}.csv",
                        variable=field, row=str(r), value=_shown(v))
                  for r, v in zip(df.loc[unknown, "RAW_ROW"], df.loc[unknown, field], strict=True)]
    return found


def _shown(value: str) -> str:
    """A latin-1-read value as the UTF-8 text the user typed, when it is UTF-8; a long value cut, with its length."""
    try:
        value = value.encode("latin-1").decode("utf-8")
    except UnicodeDecodeError:
        pass
    if len(value) <= SHOWN_CHARACTERS:
        return value
    return f"{value[:SHOWN_CHARACTERS - 20]}... ({len(value)} characters)"
