"""SAS transport (XPORT) version 5 bytes, built a whole column at a time with numpy.

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
"""
from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

RECORD = 80
BLANK = 0x20
SAS_MISSING = 0x2E
_FORMAT = re.compile(r"(\$?(?:[A-Za-z_](?:[A-Za-z0-9_]*[A-Za-z_])?)?)(\d*)(?:\.(\d*))?")
_SIGN = np.uint64(1 << 63)
_MANTISSA = np.uint64((1 << 52) - 1)
_IMPLICIT = np.uint64(1 << 52)


@dataclass(frozen=True)
class Column:
    """One variable's bytes: `data` is (rows, width) uint8; `numeric` picks the namestr type."""

    name: str
    label: str
    numeric: bool
    data: np.ndarray
    display_format: str = ""


def ibm_double(values: np.ndarray) -> np.ndarray:
    """IEEE doubles as big-endian IBM 360 doubles, shape (n, 8) uint8; NaN becomes SAS missing `.`.

    >>> ibm_double(np.array([1.0, -0.5])).tobytes().hex(" ", 8)
    '4110000000000000 c080000000000000'
    """
    values = np.ascontiguousarray(values, dtype=np.float64)
    bits = values.view(np.uint64)
    exponent = ((bits >> np.uint64(52)) & np.uint64(0x7FF)).astype(np.int64) - 1023
    shift = (exponent & 3).astype(np.uint64)
    fraction = ((bits & _MANTISSA) | _IMPLICIT) << shift
    characteristic = ((exponent >> 2) + 65).clip(0, 127).astype(np.uint64)
    sign = np.where((bits & _SIGN) != 0, np.uint64(0x80), np.uint64(0))
    ibm = ((characteristic | sign) << np.uint64(56)) | fraction
    ibm = np.where(exponent < -260, np.uint64(0), ibm)
    ibm = np.where(exponent > 251, (sign << np.uint64(56)) | np.uint64(0x7FFF_FFFF_FFFF_FFFF), ibm)
    ibm = np.where(np.isnan(values), np.uint64(SAS_MISSING << 56), ibm)
    return ibm.astype(">u8").view(np.uint8).reshape(-1, 8)


def numeric_column(name: str, label: str, values: pd.Series, display_format: str = "") -> Column:
    """A numeric variable (8 bytes); missing values (NaN, None, pd.NA) are SAS missing."""
    return Column(name, label, True, ibm_double(values.to_numpy(dtype=np.float64, na_value=np.nan)),
                  display_format)


def encode_text(values: pd.Series) -> np.ndarray | None:
    """A text column as a numpy bytes array (missing values empty), or None when a value is not ASCII."""
    try:
        return np.asarray(values.to_numpy(dtype=object, na_value=""), dtype="S")
    except UnicodeEncodeError:
        return None


def text_column(name: str, label: str, ascii_bytes: np.ndarray, display_format: str = "") -> Column:
    """A character variable as wide as its longest value (at least 1 byte), padded with blanks.

    `ascii_bytes` comes from `encode_text`; XPT v5 text is ASCII, `cdisc.xpt.check_xpt` refuses anything else.
    """
    # numpy sizes an all-empty column S8, so the width is measured, not read off the dtype
    width = max(1, int(np.strings.str_len(ascii_bytes).max(initial=0)))
    data = ascii_bytes.astype(f"S{width}").view(np.uint8).reshape(len(ascii_bytes), width)
    return Column(name, label, False, np.where(data == 0, np.uint8(BLANK), data), display_format)


def write_transport(path: Path, columns: list[Column], *, name: str, label: str, stamp: str) -> None:
    """Write a one-member XPT v5 file: the library and member headers (datetimes `stamp`, `DDMONYY:hh:mm:ss`),
    the namestrs and the observations (written straight from the row buffer, without a copy as bytes)."""
    rows = _observations(columns)
    with path.open("wb") as fh:
        fh.write(_headers(name, label, stamp, len(columns)) + _padded(_namestrs(columns)) + _header_record("OBS"))
        fh.write(rows)
        fh.write(b" " * (-rows.nbytes % RECORD))


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
        width = col.data.shape[1]
        form, form_width, decimals = _parse_format(col.display_format)
        out.append(struct.pack(
            ">hhhh8s40s8shhhh8shhi52s", 1 if col.numeric else 2, 0, width, number, _text(col.name, 8),
            _text(col.label, 40), _text(form, 8), form_width, decimals, 1 if col.numeric else 0, 0,
            _text("", 8), 0, 0, position, b""))
        position += width
    return b"".join(out)


def _text(value: str, width: int) -> bytes:
    return value.encode("ascii")[:width].ljust(width)


def _parse_format(display_format: str) -> tuple[str, int, int]:
    """`DATE9.` -> ("DATE", 9, 0); `8.2` -> ("", 8, 2); "" -> ("", 0, 0)."""
    match = _FORMAT.fullmatch(display_format)
    if match is None:
        raise ValueError(f"{display_format!r} is not a SAS format (name, width, '.', decimals, e.g. DATE9.)")
    name, width, decimals = match.groups()
    return name, int(width or 0), int(decimals or 0)


def _observations(columns: list[Column]) -> np.ndarray:
    """The rows, each the variables' bytes side by side, as one (rows, row width) uint8 buffer."""
    rows = columns[0].data.shape[0] if columns else 0
    out = np.empty((rows, sum(col.data.shape[1] for col in columns)), dtype=np.uint8)
    start = 0
    for col in columns:
        out[:, start:start + col.data.shape[1]] = col.data
        start += col.data.shape[1]
    return out
