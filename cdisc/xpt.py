"""SAS transport (XPT) version 5 output (bytes from `cdisc.transport`), with the v5 limits enforced beforehand.

The byte writer does not enforce them itself (nor did pyreadstat, which wrote these files before: it wrote
character values over 200 bytes and non-ASCII bytes, cut labels over 40 characters silently and turned 1e80
into inf). So every limit is checked here, in bytes, and a breach is an `XptError`, never a silent cut. The
header's created/modified datetimes are the data cut so the same data give the same bytes.
"""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np
import pandas as pd

from cdisc.dates import format_xpt_timestamp
from cdisc.errors import XptError
from cdisc.issues import Issue
from cdisc.transport import (
    Column,
    EncodedText,
    encode_text,
    format_problem,
    numeric_column,
    text_column,
    write_transport,
)

NAME = re.compile(r"^[A-Z][A-Z0-9_]{0,7}$")
MAX_LABEL = 40
MAX_CHAR = 200
# IBM 360 double: the largest magnitude is 16**63 * (1 - 16**-14), about 7.2e75; the smallest 16**-65 = 2**-260.
MAX_IBM = 7.2e75
MIN_IBM = 2.0 ** -260
OUTSIDE_IBM = "outside the IBM float range of XPT v5 (magnitude 5.4e-79 to 7.2e75, or 0)"
RECORD = 80


def not_held(values: np.ndarray) -> np.ndarray:
    """Where a number is not missing (NaN) and an XPT v5 (IBM) double cannot hold it: not finite, or of a
    magnitude over 7.2e75, or under 5.4e-79 but not 0."""
    values = np.asarray(values, dtype=float)
    size = np.abs(values)
    return ~np.isnan(values) & ~(np.isfinite(values) & (size <= MAX_IBM) & ((size >= MIN_IBM) | (size == 0)))


def check_xpt(df: pd.DataFrame, name: str, label: str, labels: dict[str, str]) -> list[Issue]:
    """Every XPT v5 limit breached by `df`: names, labels, ASCII, 200-byte values, finite numbers."""
    return _check(df, name, label, labels, _encode(df))


def _encode(df: pd.DataFrame) -> dict[str, EncodedText | None]:
    """Each text column as ASCII bytes (None when a value is not ASCII), encoded once for the checks and the
    writer; numeric columns are left out."""
    return {str(c): encode_text(df[c]) for c in df.columns if not _is_numeric(df[c])}


def _is_numeric(values: pd.Series) -> bool:
    """Numeric dtypes (float, int, bool) are numeric variables, everything else text; dates must already be SAS
    numbers (`cdisc.finalize` makes them so)."""
    if pd.api.types.is_datetime64_any_dtype(values) or pd.api.types.is_timedelta64_dtype(values):
        raise TypeError(f"{values.name}: convert dates and times to SAS numbers before writing XPT")
    return pd.api.types.is_numeric_dtype(values)


def _check(df: pd.DataFrame, name: str, label: str, labels: dict[str, str],
           encoded: dict[str, EncodedText | None]) -> list[Issue]:
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
        issues += _value_issues(where, df[col], encoded.get(col))
    return issues + _blank_tail_issues(where, df, encoded)


def _blank_tail_issues(where: str, df: pd.DataFrame, encoded: dict[str, EncodedText | None]) -> list[Issue]:
    """A last record of blanks only, shorter than 80 bytes, cannot be told from the blank padding of the file's
    last 80-byte record (SAS TS-140): every reader drops it. Numeric variables are never blank (missing is `.`)."""
    text = [encoded.get(str(c)) for c in df.columns]
    if len(df) == 0 or any(t is None for t in text):
        return []
    width = sum(max(1, t.longest()) for t in text)
    if width >= RECORD or any(t.record(len(df) - 1).strip(b" ") for t in text):
        return []
    return [Issue("error", "XPT_BLANK_RECORD", where, f"the last record is all blank and under {RECORD} bytes: "
                  "readers take it for the file's padding and drop it; remove it", row=str(len(df)))]


def _label_issues(where: str, col: str, label: str) -> list[Issue]:
    what = "variable label" if col else "dataset label"
    if not label.isascii():
        return [Issue("error", "XPT_LABEL", where, f"{what} is not ASCII", variable=col, value=label)]
    if len(label.encode()) > MAX_LABEL:
        return [Issue("error", "XPT_LABEL", where, f"{what} is over {MAX_LABEL} bytes", variable=col, value=label)]
    return []


def _value_issues(where: str, col: pd.Series, text: EncodedText | None) -> list[Issue]:
    """Whole-column checks (no Python loop per value); only the first 20 offenders become issues.

    `text` is the text column encoded (None for a numeric column or when a value is not ASCII)."""
    if pd.api.types.is_numeric_dtype(col):
        bad = not_held(col.to_numpy(dtype=float))
        return [Issue("error", "XPT_NUMBER", where, f"number is not finite or {OUTSIDE_IBM}",
                      variable=str(col.name), row=str(i + 1), value=str(col.iloc[i])) for i in np.flatnonzero(bad)[:20]]
    if text is not None:  # all ASCII: one byte per character
        too_long = np.flatnonzero((text.lengths() > MAX_CHAR)[text.codes])[:20]
        # a NUL inside a value: readers end the text there (pyreadstat), and the writer's padding made it a blank
        nul = np.flatnonzero(_holds_nul(text)[text.codes])[:20]
        return [Issue("error", "XPT_TOO_LONG", where, f"value is over {MAX_CHAR} bytes", variable=str(col.name),
                      row=str(i + 1), value=str(col.iloc[i])[:60] + "...") for i in too_long] + [
                Issue("error", "XPT_NUL", where, "value holds a NUL byte, where XPT readers end the text",
                      variable=str(col.name), row=str(i + 1), value=repr(col.iloc[i])) for i in nul]
    shown = col.astype(str)
    non_ascii = shown.str.isascii().eq(False)  # a missing value is not non-ASCII
    # ASCII text has one byte per character; only non-ASCII values need encoding to count their bytes
    too_long = shown.str.len().gt(MAX_CHAR)
    if non_ascii.any():
        too_long |= shown[non_ascii].map(lambda v: len(v.encode()) > MAX_CHAR).reindex(shown.index, fill_value=False)
    out = [Issue("error", "XPT_NON_ASCII", where, "value is not ASCII", variable=str(col.name), row=str(i + 1),
                 value=shown[i]) for i in shown.index[non_ascii][:20]]
    out += [Issue("error", "XPT_TOO_LONG", where, f"value is over {MAX_CHAR} bytes", variable=str(col.name),
                  row=str(i + 1), value=shown[i][:60] + "...") for i in shown.index[too_long][:20]]
    return out


def _holds_nul(text: EncodedText) -> np.ndarray:
    """Whether each distinct value holds a NUL byte before its end (numpy pads the shorter ones with NULs, and its
    string search finds a NUL in every value)."""
    width = text.values.dtype.itemsize
    if not width:
        return np.zeros(len(text.values), dtype=bool)
    bytes_ = text.values.view(np.uint8).reshape(len(text.values), width)
    return ((bytes_ == 0) & (np.arange(width) < text.lengths()[:, None])).any(axis=1)


def write_xpt(df: pd.DataFrame, path: Path, *, name: str, label: str, labels: dict[str, str],
              created: dt.date, formats: dict[str, str] | None = None) -> None:
    """Write `df` as XPT v5 at `path` after checking every v5 limit (raises `XptError`).

    `formats` gives SAS display formats (e.g. `DATE9.` for numeric ADaM dates held as SAS day numbers).
    """
    encoded = _encode(df)
    formats = formats or {}
    issues = _check(df, name, label, labels, encoded) + [
        Issue("error", "XPT_FORMAT", f"{name.lower()}.xpt", f"display format {problem}", variable=c, value=fmt)
        for c, fmt in sorted(formats.items()) if fmt and (problem := format_problem(fmt))]
    if issues:
        raise XptError(f"{name} cannot be written as XPT v5", issues)
    columns = [_column(df[c], labels.get(c, ""), formats.get(c) or "", encoded) for c in df.columns]
    write_transport(path, columns, name=name, label=label, stamp=format_xpt_timestamp(created))


def _column(values: pd.Series, label: str, display_format: str, encoded: dict[str, EncodedText | None]) -> Column:
    name = str(values.name)
    text = encoded.get(name)
    if text is None:
        return numeric_column(name, label, values, display_format)
    return text_column(name, label, text, display_format)
