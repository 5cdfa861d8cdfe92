"""Byte-stable .xlsx files: openpyxl stamps the save time into docProps/core.xml and into every zip entry, so two
saves of the same workbook differ. `save_stable` saves, then rewrites the archive with one given time stamp."""
from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


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
