"""Byte-stable .xlsx files with inert text: openpyxl stamps the save time into docProps/core.xml and into every zip
entry, so two saves of the same workbook differ. `save_stable` saves, then rewrites the archive with one given time
stamp. `text_cell` writes text that a spreadsheet never evaluates as a formula (OWASP "CSV injection")."""
from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")
# a cell text starting with one of these is a formula (or becomes one when edited) in Excel and LibreOffice
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def text_cell(cell, value: str) -> None:
    """Put `value` in an openpyxl `cell` as a string (data type `s`, never a formula), quote-prefixed when it starts
    like a formula, so that editing the cell does not turn it into one either. A control character that a
    worksheet cannot hold (XML 1.0 has no U+0001; openpyxl raised IllegalCharacterError, ending a validation report
    half-written) is shown as its escape, `\x01`."""
    value = ILLEGAL_CHARACTERS_RE.sub(lambda found: repr(found.group())[1:-1], value)
    cell.value = value
    cell.data_type = "s"
    if value.startswith(FORMULA_START):
        cell.quotePrefix = True


def save_stable(workbook, path: Path, stamp: dt.datetime) -> None:
    """Save an openpyxl `workbook` at `path` with `stamp` as its created and modified time and as the time of
    every entry of the archive (same workbook and stamp, same bytes)."""
    workbook.properties.created = stamp
    buffer = io.BytesIO()
    workbook.save(buffer)
    iso = stamp.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            data = source.read(entry.filename)
            if entry.filename == "docProps/core.xml":
                data = MODIFIED.sub(rb"\g<1>" + iso + rb"\g<2>", data)
            info = zipfile.ZipInfo(entry.filename, date_time=stamp.timetuple()[:6])
            info.compress_type, info.external_attr = zipfile.ZIP_DEFLATED, entry.external_attr
            target.writestr(info, data)
