"""SAS transport (XPORT) version 5 bytes, built (and read back) a whole column at a time with numpy.

The layout follows SAS technical note TS-140 ("Record layout of a SAS version 5 or 6 data set in SAS transport
(XPORT) format"): 80-byte records; the library, member and descriptor headers; one 140-byte namestr per
variable; then the observations back to back, the last record padded with blanks. Every choice TS-140 leaves
open (header texts "SASLIB 6.06 bsd4.2", blanks in unused namestr text fields, right-justified numbers, the
widths of text variables) is made as the ReadStat library inside pyreadstat 1.3.8 makes it, so the project's
files stay byte-identical to the ones pyreadstat wrote before this module replaced it.

Numbers are IBM System/360 double-precision floats, converted as TS-140's `ieee2xpt` does: the 53 significant
bits of an IEEE double fit the 56-bit IBM fraction, so no rounding ever happens; magnitudes below 16**-65 become
0; NaN is SAS missing `.` (0x2E then seven zero bytes). One deliberate difference: `ieee2xpt` (and so
pyreadstat) writes the overflow marker 0x7FFFFFFFFFFFFFFF, read back as infinity, from 2**249 (about 9.0e74) on,
although IBM doubles reach 16**63 (2**252); here every magnitude below 2**252 is stored exactly.

`read_transport` reads the one member (dataset) of a file back as pyreadstat 1.3.8 `read_xport` does (with
`disable_datetime_conversion`): numbers as float64, every SAS missing value (`.`, `._`, `.A`-`.Z`) NaN; text up to
its first NUL byte (a value that goes on after one is refused: the rest would be lost), trailing blanks dropped,
UTF-8; the creation datetime with two-digit years below 60 in the 2000s. It reads the file as one buffer and
converts whole columns, several times faster than pyreadstat's value by value parse on the ADaM files of a
1,000-subject study.
"""
from __future__ import annotations

import datetime as dt
import re
import struct
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from cdisc.distinct import distinct_values, text_codes
from cdisc.errors import PackageError

RECORD = 80
BLOCK_ROWS = 4096  # rows put together at a time when writing observations
BLANK = 0x20
SAS_MISSING = 0x2E
_FORMAT = re.compile(r"(\$?(?:[A-Za-z_](?:[A-Za-z0-9_]*[A-Za-z_])?)?)(\d*)(?:\.(\d*))?")
_SIGN = np.uint64(1 << 63)
_MANTISSA = np.uint64((1 << 52) - 1)
_IMPLICIT = np.uint64(1 << 52)
_LIBRARY = b"HEADER RECORD*******LIBRARY HEADER RECORD!!!!!!!"
_MEMBER = b"HEADER RECORD*******MEMBER  HEADER RECORD!!!!!!!"
_OBS = b"HEADER RECORD*******OBS     HEADER RECORD!!!!!!!"
_SAS_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,7}")  # a SAS name as XPT v5 holds it
_MISSING_FIRST = np.array([SAS_MISSING, ord("_"), *range(ord("A"), ord("Z") + 1)], dtype=np.uint8)


@dataclass(frozen=True)
class Column:
    """One variable's bytes: `data` is (rows, width) uint8, or with `codes` (a text column) each distinct value's
    bytes, record i's being `data[codes[i]]`; `numeric` picks the namestr type."""

    name: str
    label: str
    numeric: bool
    data: np.ndarray
    display_format: str = ""
    codes: np.ndarray | None = None

    @property
    def rows(self) -> int:
        return len(self.data) if self.codes is None else len(self.codes)

    @property
    def width(self) -> int:
        return self.data.shape[1]

    def records(self, first: int, count: int) -> np.ndarray:
        """The bytes of `count` records from `first`, each one item of `width` bytes (a `V<width>` array: numpy
        copies whole items several times faster than a (count, width) array byte by byte)."""
        items = _items(self.data)
        if self.codes is None:
            return items[first:first + count]
        return items[self.codes[first:first + count]]


@dataclass(frozen=True)
class EncodedText:
    """A text column's ASCII bytes: its distinct values (numpy bytes, a missing value empty) and each record's
    place among them."""

    codes: np.ndarray
    values: np.ndarray

    def lengths(self) -> np.ndarray:
        """Each distinct value's length in bytes."""
        return np.strings.str_len(self.values)

    def longest(self) -> int:
        return int(self.lengths().max(initial=0))

    def record(self, row: int) -> bytes:
        return bytes(self.values[self.codes[row]])


def ibm_double(values: np.ndarray) -> np.ndarray:
    """IEEE doubles as big-endian IBM 360 doubles, shape (n, 8) uint8; NaN becomes SAS missing `.`.

    >>> ibm_double(np.array([1.0, -0.5])).tobytes().hex(" ", 8)
    '4110000000000000 c080000000000000'
    """
    values = np.ascontiguousarray(values, dtype=np.float64)
    bits = values.view(np.uint64)
    # in place on as few arrays as will do (each pass over 700,000 numbers counts), the rare values set by mask
    exponent = ((bits >> np.uint64(52)) & np.uint64(0x7FF)).astype(np.int64)
    exponent -= 1023
    fraction = bits & _MANTISSA
    fraction |= _IMPLICIT
    fraction <<= (exponent & 3).astype(np.uint64)
    characteristic = exponent >> 2
    characteristic += 65
    np.clip(characteristic, 0, 127, out=characteristic)
    ibm = characteristic.astype(np.uint64)
    ibm |= (bits & _SIGN) >> np.uint64(56)  # the sign, 0x80 of the first byte
    ibm <<= np.uint64(56)
    ibm |= fraction
    if (small := exponent < -260).any():  # zero, or too small for IBM: 0
        ibm[small] = 0
    if (large := exponent > 251).any():  # too large (infinities): the largest IBM number, signed
        ibm[large] = (bits[large] & _SIGN) | np.uint64(0x7FFF_FFFF_FFFF_FFFF)
    if (missing := np.isnan(values)).any():
        ibm[missing] = np.uint64(SAS_MISSING << 56)
    return ibm.astype(">u8").view(np.uint8).reshape(-1, 8)


def numeric_column(name: str, label: str, values: pd.Series, display_format: str = "") -> Column:
    """A numeric variable (8 bytes); missing values (NaN, None, pd.NA) are SAS missing."""
    return Column(name, label, True, ibm_double(values.to_numpy(dtype=np.float64, na_value=np.nan)),
                  display_format)


def encode_text(values: pd.Series) -> EncodedText | None:
    """A text column as ASCII bytes (missing values empty), or None when a value is not ASCII.

    Each distinct value is encoded once (a finished column repeats its values: a third of the time of encoding
    every record). Without a missing value those are the column's `distinct_values`, as `pd.unique` gives them
    (in order of first appearance): they are kept for define.xml and the checks, which read them next."""
    codes, distinct = text_codes(values)
    if len(codes) and codes.min() >= 0:
        distinct_values.remember(values, distinct)
    try:
        encoded = np.asarray(distinct, dtype="S")
    except UnicodeEncodeError:
        return None
    # code -1 (missing) takes the last value, empty
    return EncodedText(codes, np.append(encoded, np.array([b""], dtype=encoded.dtype)))


def text_column(name: str, label: str, text: EncodedText, display_format: str = "") -> Column:
    """A character variable as wide as its longest value (at least 1 byte), padded with blanks: each distinct
    value padded once, the records' bytes put together as they are written.

    `text` comes from `encode_text`; XPT v5 text is ASCII, `cdisc.xpt.check_xpt` refuses anything else.
    """
    # numpy sizes an all-empty column S8, so the width is measured, not read off the dtype
    width = max(1, text.longest())
    data = text.values.astype(f"S{width}").view(np.uint8).reshape(len(text.values), width)
    return Column(name, label, False, np.where(data == 0, np.uint8(BLANK), data), display_format, text.codes)


def write_transport(path: Path, columns: list[Column], *, name: str, label: str, stamp: str) -> None:
    """Write a one-member XPT v5 file: the library and member headers (datetimes `stamp`, `DDMONYY:hh:mm:ss`),
    the namestrs and the observations."""
    with path.open("wb") as fh:
        fh.write(_headers(name, label, stamp, len(columns)) + _padded(_namestrs(columns)) + _header_record("OBS"))
        size = _write_observations(fh, columns)
        fh.write(b" " * (-size % RECORD))


def _headers(name: str, label: str, stamp: str, count: int) -> bytes:
    return b"".join([
        _header_record("LIBRARY"),
        _record(f"{'SAS':8}{'SAS':8}{'SASLIB':8}{'6.06':8}{'bsd4.2':8}{'':24}{stamp:>16}"),
        _record(stamp),
        _header_record("MEMBER", "00000" * 3 + "00160" + "00000" + "00140"),
        _header_record("DSCRPTR"),
        _record(f"{'SAS':8}{name:8}{'SASDATA':8}{'6.06':8}{'bsd4.2':8}{'':24}{stamp:>16}"),
        _record(f"{stamp:>16}{'':16}{label:40}{'':8}"),
        _header_record("NAMESTR", f"00000{count:05d}" + "00000" * 4),
    ])


def _header_record(kind: str, numbers: str = "0" * 30) -> bytes:
    return _record(f"HEADER RECORD*******{kind:8}HEADER RECORD!!!!!!!{numbers}")


def _record(text: str) -> bytes:
    return _padded(text.encode("ascii"))


def _padded(data: bytes) -> bytes:
    """`data` followed by blanks up to the next 80-byte record boundary."""
    return data + b" " * (-len(data) % RECORD)


def _namestrs(columns: list[Column]) -> bytes:
    out, position = [], 0
    for number, col in enumerate(columns, start=1):
        width = col.width
        form, form_width, decimals = _parse_format(col.display_format)
        out.append(struct.pack(
            ">hhhh8s40s8shhhh8shhi52s", 1 if col.numeric else 2, 0, width, number, _text(col.name, 8),
            _text(col.label, 40), _text(form, 8), form_width, decimals, 1 if col.numeric else 0, 0,
            _text("", 8), 0, 0, position, b""))
        position += width
    return b"".join(out)


def _text(value: str, width: int) -> bytes:
    return value.encode("ascii")[:width].ljust(width)


def format_problem(display_format: str) -> str:
    """Why a SAS display format cannot go into an XPT v5 namestr ("" when it can): its name is at most 8
    characters there (a longer one would be cut to another name)."""
    match = _FORMAT.fullmatch(display_format)
    if match is None:
        return "is not a SAS format (name, width, '.', decimals, e.g. DATE9.)"
    return f"has a name of over 8 characters ({match.group(1)})" if len(match.group(1)) > 8 else ""


def _parse_format(display_format: str) -> tuple[str, int, int]:
    """`DATE9.` -> ("DATE", 9, 0); `8.2` -> ("", 8, 2); "" -> ("", 0, 0)."""
    if problem := format_problem(display_format):
        raise ValueError(f"{display_format!r} {problem}")
    name, width, decimals = _FORMAT.fullmatch(display_format).groups()
    return name, int(width or 0), int(decimals or 0)


def _write_observations(fh: BinaryIO, columns: list[Column]) -> int:
    """Write the rows, each the variables' bytes side by side, and return how many bytes that was. The rows are
    put together a block at a time in one buffer, which stays in the processor's cache (a buffer for the whole
    dataset cost more to allocate and touch than the copying itself)."""
    rows = columns[0].rows if columns else 0
    widths = [col.width for col in columns]
    starts = np.cumsum([0, *widths])
    block = np.empty((min(rows, BLOCK_ROWS), int(starts[-1])), dtype=np.uint8)
    places = [_items(block[:, start:end]) for start, end in zip(starts[:-1], starts[1:], strict=True)]
    for first in range(0, rows, BLOCK_ROWS):
        n = min(BLOCK_ROWS, rows - first)
        for col, place in zip(columns, places, strict=True):
            place[:n] = col.records(first, n)
        fh.write(block[:n])
    return rows * int(starts[-1])


def _items(data: np.ndarray) -> np.ndarray:
    """The rows of a (rows, width) uint8 array (its last axis contiguous) as one `V<width>` item each, over the
    same memory."""
    return data.view(f"V{data.shape[1]}")[:, 0]


@dataclass(frozen=True)
class Transport:
    """A member read back: its rows (variables in file order) and the creation datetime of its header."""

    frame: pd.DataFrame
    created: dt.datetime | None


@dataclass(frozen=True)
class _Variable:
    name: str
    numeric: bool
    width: int
    position: int


def read_transport(path: Path, variables: list[str] | None = None) -> Transport:
    """The one member (dataset) of the XPT v5 file `path`, with only `variables` (kept in file order; None: all).

    Raises:
        PackageError: not an XPT v5 file, a damaged header or text that is not UTF-8.
    """
    data = Path(path).read_bytes()
    found, rows = complete_transport(data, Path(path).name)
    wanted = found if variables is None else [v for v in found if v.name in set(variables or ())]
    frame = pd.DataFrame({v.name: _values(rows[:, v.position:v.position + v.width], v, path) for v in wanted},
                         index=pd.RangeIndex(len(rows)))
    return Transport(frame, _created(data[RECORD + 64:2 * RECORD]))


def complete_transport(data: bytes, name: str) -> tuple[list[_Variable], np.ndarray]:
    """The member's variables and observations (`_rows`) of the XPT v5 file `name` holding `data`, checked whole:
    a file is made of 80-byte records, and what follows the last whole observation is blank padding.

    Raises:
        PackageError: not an XPT v5 file, a damaged header (a variable's type, width, position or name), more
            than one member, or a file cut short (truncated on a record boundary between two observations is the
            one cut that no XPT v5 reader can see).
    """
    if not data.startswith(_LIBRARY):
        raise PackageError(f"{name}: not a SAS transport (XPORT) version 5 file")
    found, obs = _header(data, name)
    if len(data) % RECORD:
        raise PackageError(f"{name}: {len(data)} bytes, not a whole number of 80-byte records: the file is "
                           "truncated or damaged")
    body = data[obs + RECORD:]
    if _MEMBER in body:  # readers differ on a second one (pyreadstat read its header as observations)
        raise PackageError(f"{name}: holds more than one dataset (member); a submission's transport file holds one")
    width = sum(v.width for v in found)
    if width and body[len(body) - len(body) % width:].strip(b" "):
        raise PackageError(f"{name}: ends inside an observation: the file is truncated or damaged")
    rows = _rows(body, width)
    _check_nul_inside(found, rows, name)
    return found, rows


def _check_nul_inside(variables: list[_Variable], rows: np.ndarray, name: str) -> None:
    """Text that goes on after a NUL byte: every reader (pyreadstat, this one) ends a value at its first NUL, so
    the rest would be lost without a word ("A\0B96" read as "A"). NULs padding a value are fine."""
    for variable in variables:
        if variable.numeric:
            continue
        block = rows[:, variable.position:variable.position + variable.width]
        zero = block == 0
        if not zero.any():
            continue
        lost = ((np.cumsum(zero, axis=1) > 0) & ~zero & (block != BLANK)).any(axis=1)
        if lost.any():
            row = int(np.flatnonzero(lost)[0])
            raise PackageError(f"{name}: {variable.name}, row {row + 1}, value {bytes(block[row]).rstrip()!r}: text "
                               "goes on after a NUL byte, where readers end it")


def _header(data: bytes, name: str) -> tuple[list[_Variable], int]:
    """The member's variables and the offset of its observation header record."""
    member = data.find(_MEMBER)
    obs = data.find(_OBS, member)
    start = member + 4 * RECORD  # the NAMESTR header record, then the namestrs
    try:
        if member < 0 or obs < 0:
            raise ValueError("no member or no observation header")
        size, count = int(data[member + 74:member + 78]), int(data[start + 54:start + 58])
        if size < 88 or start + RECORD + count * size > obs:
            raise ValueError("the variable descriptions overrun the observations")
        if count < 1:
            raise ValueError("no variables")
        found = [_namestr(data[start + RECORD + k * size:start + RECORD + (k + 1) * size]) for k in range(count)]
        if any(v.width < 1 or (v.numeric and v.width > 8) for v in found):
            raise ValueError("a variable's width does not fit its type")
        _check_positions(found)
        if bad := [v.name for v in found if not _SAS_NAME.fullmatch(v.name)]:
            raise ValueError(f"variable name {bad[0]!r} is not a SAS name (1-8 letters, digits or _, not first a "
                             "digit)")
        names = Counter(v.name.upper() for v in found)  # SAS names are told apart without case
        if repeated := sorted(n for n, times in names.items() if times > 1):
            raise ValueError(f"variable(s) {', '.join(repeated)} described more than once")
        return found, obs
    except (ValueError, UnicodeDecodeError) as exc:
        raise PackageError(f"{name}: damaged SAS transport (XPORT) header ({exc})") from None


def _namestr(raw: bytes) -> _Variable:
    kind, _, width, _, name = struct.unpack(">hhhh8s", raw[:16])
    if kind not in (1, 2):
        raise ValueError(f"variable {name.decode('ascii').strip()!r} has type {kind}, neither 1 (numeric) nor 2 "
                         "(character)")
    return _Variable(name.decode("ascii").strip(), kind == 1, width, struct.unpack(">i", raw[84:88])[0])


def _check_positions(variables: list[_Variable]) -> None:
    """The variables' bytes side by side fill an observation: each starts where another ends, none overlaps."""
    end = 0
    for variable in sorted(variables, key=lambda v: v.position):
        if variable.position != end:
            raise ValueError(f"variable {variable.name!r} starts at byte {variable.position} of an observation, "
                             f"not at {end}: the variables overlap or leave a gap")
        end += variable.width


def _rows(body: bytes, width: int) -> np.ndarray:
    """The observations as a (rows, width) uint8 array. Rows narrower than a record cannot be told from the last
    record's blank padding when they are blank: trailing all-blank rows are then dropped, as pyreadstat does."""
    if width == 0:
        return np.zeros((0, 0), dtype=np.uint8)
    rows = np.frombuffer(body, dtype=np.uint8, count=len(body) // width * width).reshape(-1, width)
    if width >= RECORD:
        return rows
    filled = np.flatnonzero((rows != BLANK).any(axis=1))
    return rows[:filled[-1] + 1 if len(filled) else 0]


def _values(block: np.ndarray, variable: _Variable, path: Path) -> np.ndarray | pd.Series:
    return _numbers(block) if variable.numeric else _texts(block, variable, path)


def _numbers(block: np.ndarray) -> np.ndarray:
    """IBM 360 doubles (1-8 bytes, truncated on the right) as IEEE doubles; SAS missing values NaN."""
    full = np.zeros((len(block), 8), dtype=np.uint8)
    full[:, :block.shape[1]] = block
    ibm = full.view(">u8").ravel().astype(np.uint64)
    fraction = ibm & np.uint64(0x00FF_FFFF_FFFF_FFFF)
    first = (ibm >> np.uint64(56)).astype(np.uint8)
    values = np.ldexp(fraction.astype(np.float64), 4 * ((first & 0x7F).astype(np.int64) - 64) - 56)
    values = np.where(first & 0x80, -values, values)
    return np.where(np.isin(first, _MISSING_FIRST) & (fraction == 0), np.nan, values)


def _texts(block: np.ndarray, variable: _Variable, path: Path) -> pd.Series:
    """Text values, each distinct value decoded once: up to the first NUL, trailing blanks dropped. The column is
    what pandas makes of a pyarrow string array (pandas 3: its `str` dtype, as pyreadstat's frames have)."""
    rows = pa.FixedSizeBinaryArray.from_buffers(pa.binary(variable.width), len(block),
                                                [None, pa.py_buffer(np.ascontiguousarray(block))])
    distinct = pc.dictionary_encode(rows)
    texts = []
    for code, value in enumerate(distinct.dictionary.to_pylist()):
        value = value.split(b"\0", 1)[0].rstrip(b" ")
        try:
            texts.append(value.decode("utf-8"))
        except UnicodeDecodeError:
            row = np.flatnonzero(distinct.indices.to_numpy() == code)[0] + 1
            raise PackageError(f"{Path(path).name}: {variable.name}, row {row}, value {value!r}: text that is not "
                               "UTF-8 (Latin-1 or Windows-1252 bytes?)") from None
    return pa.array(texts, pa.large_string()).take(distinct.indices).to_pandas()


def _created(record: bytes) -> dt.datetime | None:
    """The library header's `DDMONYY:hh:mm:ss` creation datetime (None if unreadable)."""
    try:
        stamp = dt.datetime.strptime(record.decode("ascii"), "%d%b%y:%H:%M:%S")
    except (UnicodeDecodeError, ValueError):
        return None
    return stamp.replace(year=stamp.year % 100 + (2000 if stamp.year % 100 < 60 else 1900))
