"""XPT v5 round trip as a property: any frame that passes the v5 checks is written and read back identically by
an independent reader (the `xport` package's exact decoder); any frame that fails them is refused, nothing written.

"Identically" is what SAS transport v5 can hold (SAS TS-140): names and labels as given, character values
blank-padded to the column width (so trailing blanks are not data: they read back stripped, a blank value reads
back as ""), numbers as IBM doubles (every finite IEEE double of the IBM range exactly, NaN as missing `.`).
"""
import datetime as dt
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from cdisc.errors import XptError
from cdisc.xpt import MAX_IBM, check_xpt, write_xpt
from tests.helpers import read_xpt_exact

CUT = dt.date(2026, 6, 30)
PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NAMES = st.from_regex(r"[A-Z][A-Z0-9_]{0,7}", fullmatch=True)
PRINTABLE = "".join(map(chr, range(0x20, 0x7F)))  # printable ASCII, the blank included
LABELS = st.text(alphabet=PRINTABLE, max_size=40)
TEXT = st.text(alphabet=PRINTABLE, max_size=200)  # 200 bytes at most
NUMBERS = st.one_of(
    st.floats(min_value=-MAX_IBM, max_value=MAX_IBM).filter(
        lambda x: x == 0 or abs(x) >= 2.0 ** -260),  # the smallest IBM double is 16**-65 = 2**-260
    st.just(float("nan")),
    st.integers(min_value=-(2 ** 53), max_value=2 ** 53).map(float),
)


@st.composite
def v5_frames(draw) -> tuple[pd.DataFrame, dict[str, str]]:
    """A frame inside every v5 limit: 1-8 columns with v5 names, text or numeric, 0-12 rows."""
    names = draw(st.lists(NAMES, min_size=1, max_size=8, unique=True))
    rows = draw(st.integers(min_value=0, max_value=12))
    columns = {}
    for name in names:
        if draw(st.booleans()):
            columns[name] = pd.Series(draw(st.lists(NUMBERS, min_size=rows, max_size=rows)), dtype="float64")
        else:
            columns[name] = pd.Series(draw(st.lists(TEXT, min_size=rows, max_size=rows)), dtype=object)
    labels = {name: draw(LABELS) for name in names}
    return pd.DataFrame(columns, index=pd.RangeIndex(rows)), labels


def _write(df: pd.DataFrame, labels: dict[str, str], folder: str) -> Path:
    path = Path(folder) / "ds.xpt"
    write_xpt(df, path, name="DS", label="Dataset", labels=labels, created=CUT)
    return path


def _all_blank_record(df: pd.DataFrame) -> bool:
    """Whether some record is blanks only (every variable text and blank)."""
    text = df.select_dtypes(include=object)
    return len(text.columns) == len(df.columns) and bool(text.apply(lambda c: c.str.strip(" ").eq("")).all(axis=1).any())


def _assert_reads_back(df: pd.DataFrame, labels: dict[str, str], back: pd.DataFrame, meta: dict[str, str]) -> None:
    assert list(back.columns) == list(df.columns)
    assert len(back) == len(df)
    for name in df.columns:
        if meta:
            assert meta[f"label:{name}"] == labels[name].rstrip(" ")
            assert meta[f"type:{name}"] == ("character" if df[name].dtype == object else "numeric")
        if df[name].dtype == object:
            assert back[name].tolist() == [v.rstrip(" ") for v in df[name]], name
        else:
            np.testing.assert_array_equal(back[name].to_numpy(dtype=float), df[name].to_numpy(), err_msg=name)


@PROPERTY
@given(v5_frames())
def test_write_xpt_round_trips_any_frame_that_passes_the_checks(case):
    """Names, labels, types, text (trailing blanks aside) and every number (bit for bit) come back through the
    `xport` decoder, and through ReadStat (pyreadstat). The `xport` decoder stops at the first record of blanks
    only, wherever it is (selik/xport#46: it takes it for padding), so it is asked only about frames without one;
    ReadStat reads those too."""
    df, labels = case
    assume(check_xpt(df, "DS", "Dataset", labels) == [])  # only an all-blank last record under 80 bytes fails
    with tempfile.TemporaryDirectory() as folder:
        path = _write(df, labels, folder)
        readstat, readstat_meta = pyreadstat.read_xport(str(path), disable_datetime_conversion=True)
        meta, back = read_xpt_exact(path)
    _assert_reads_back(df, labels, readstat, {})
    assert readstat_meta.column_names_to_labels == {c: labels[c].rstrip(" ") or None for c in df.columns}
    if not _all_blank_record(df):
        assert (meta["name"], meta["label"]) == ("DS", "Dataset")
        _assert_reads_back(df, labels, back, meta)


@PROPERTY
@given(v5_frames(), st.sampled_from(["name", "label", "text", "number", "tiny number", "blank last record"]))
def test_write_xpt_refuses_a_frame_that_breaks_a_limit_and_writes_nothing(case, breach):
    """A frame made to break one v5 limit fails the check, and the writer raises before creating the file."""
    df, labels = case
    first = df.columns[0]
    if breach == "name":
        df = df.rename(columns={first: first.lower() + "_TOO_LONG"})
    elif breach == "label":
        labels = {**labels, first: "L" * 41}
    elif breach == "blank last record":
        df = pd.DataFrame({first: ["x", ""]})
    elif breach == "text":
        df = pd.concat([df, pd.DataFrame({first: ["x" * 201]})], ignore_index=True)
        df[first] = df[first].astype(object)
    else:
        value = 1e76 if breach == "number" else 1e-300
        df = pd.concat([df, pd.DataFrame({first: [np.nan]})], ignore_index=True).assign(**{first: np.nan})
        df.loc[0, first] = value
    assert check_xpt(df, "DS", "Dataset", labels) != []
    with tempfile.TemporaryDirectory() as folder:
        try:
            _write(df, labels, folder)
        except XptError:
            assert list(Path(folder).iterdir()) == []
        else:
            raise AssertionError(f"{breach}: written although it breaks a v5 limit")
