"""SAS transport (XPT) version 5 output through pyreadstat, with the v5 limits enforced beforehand.

pyreadstat does not enforce them itself: it writes character values over 200 bytes and non-ASCII bytes,
cuts labels over 40 characters silently and turns 1e80 into inf. So every limit is checked here, in
bytes, and a breach is an `XptError`, never a silent cut. The header's created/modified datetimes are
set to the data cut so the same data give the same bytes.
"""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat

from cdisc.dates import format_xpt_timestamp
from cdisc.errors import XptError
from cdisc.issues import Issue

NAME = re.compile(r"^[A-Z][A-Z0-9_]{0,7}$")
MAX_LABEL = 40
MAX_CHAR = 200
# IBM 360 double: the largest magnitude is 16**63 * (1 - 16**-14), about 7.2e75.
MAX_IBM = 7.2e75
HEADER_STAMP = re.compile(rb"\d{2}[A-Z]{3}\d{2}:\d{2}:\d{2}:\d{2}")
OBS_HEADER = b"HEADER RECORD*******OBS     HEADER RECORD"


def check_xpt(df: pd.DataFrame, name: str, label: str, labels: dict[str, str]) -> list[Issue]:
    """Every XPT v5 limit breached by `df`: names, labels, ASCII, 200-byte values, finite numbers."""
    where = f"{name.lower()}.xpt"
    issues = []
    if not NAME.match(name):
        issues.append(Issue("error", "XPT_NAME", where, "dataset name must be 1-8 letters, digits or _",
                            value=name))
    issues += _label_issues(where, "", label)
    for col in df.columns:
        if not NAME.match(col):
            issues.append(Issue("error", "XPT_NAME", where, "variable name must be 1-8 upper-case letters, "
                                "digits or _", variable=col, value=col))
        issues += _label_issues(where, col, labels.get(col, ""))
        issues += _value_issues(where, df[col])
    return issues


def _label_issues(where: str, col: str, label: str) -> list[Issue]:
    what = "variable label" if col else "dataset label"
    if not label.isascii():
        return [Issue("error", "XPT_LABEL", where, f"{what} is not ASCII", variable=col, value=label)]
    if len(label.encode()) > MAX_LABEL:
        return [Issue("error", "XPT_LABEL", where, f"{what} is over {MAX_LABEL} bytes", variable=col, value=label)]
    return []


def _value_issues(where: str, col: pd.Series) -> list[Issue]:
    """Whole-column checks (no Python loop per value); only the first 20 offenders become issues."""
    if pd.api.types.is_numeric_dtype(col):
        values = col.to_numpy(dtype=float)
        bad = ~np.isnan(values) & ~(np.isfinite(values) & (np.abs(values) <= MAX_IBM))
        return [Issue("error", "XPT_NUMBER", where, "number is not finite or exceeds the IBM float range",
                      variable=str(col.name), row=str(i + 1), value=str(col[i])) for i in col.index[bad][:20]]
    text = col.astype(str)
    non_ascii = text.str.contains(r"[^\x00-\x7f]", regex=True)
    # ASCII text has one byte per character; only non-ASCII values need encoding to count their bytes
    too_long = text.str.len().gt(MAX_CHAR)
    if non_ascii.any():
        too_long |= text[non_ascii].map(lambda v: len(v.encode()) > MAX_CHAR).reindex(text.index, fill_value=False)
    out = [Issue("error", "XPT_NON_ASCII", where, "value is not ASCII", variable=str(col.name), row=str(i + 1),
                 value=text[i]) for i in text.index[non_ascii][:20]]
    out += [Issue("error", "XPT_TOO_LONG", where, f"value is over {MAX_CHAR} bytes", variable=str(col.name),
                  row=str(i + 1), value=text[i][:60] + "...") for i in text.index[too_long][:20]]
    return out


def write_xpt(df: pd.DataFrame, path: Path, *, name: str, label: str, labels: dict[str, str],
              created: dt.date, formats: dict[str, str] | None = None) -> None:
    """Write `df` as XPT v5 at `path` after checking every v5 limit (raises `XptError`).

    `formats` gives SAS display formats (e.g. `DATE9.` for numeric ADaM dates held as SAS day numbers).
    """
    issues = check_xpt(df, name, label, labels)
    if issues:
        raise XptError(f"{name} cannot be written as XPT v5", issues)
    pyreadstat.write_xport(
        df, str(path), file_label=label, column_labels=[labels.get(c, "") for c in df.columns],
        table_name=name, file_format_version=5, variable_format={k: v for k, v in (formats or {}).items() if v},
    )
    _stamp(path, format_xpt_timestamp(created).encode())


def _stamp(path: Path, stamp: bytes) -> None:
    """Replace the wall-clock datetimes in the header records (before the OBS header) with `stamp`."""
    data = path.read_bytes()
    cut = data.index(OBS_HEADER)
    path.write_bytes(HEADER_STAMP.sub(stamp, data[:cut]) + data[cut:])
