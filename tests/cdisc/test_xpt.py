"""XPT v5: limits enforced in bytes before writing, value-for-value round trip, deterministic bytes."""
import datetime as dt
import re
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from cdisc.errors import XptError
from cdisc.transport import ibm_double
from cdisc.xpt import check_xpt, write_xpt
from tests.helpers import read_xpt_exact

CUT = dt.date(2026, 6, 30)
GOLDEN_FILE = Path(__file__).parents[1] / "fixtures" / "xpt" / "golden_adae.xpt"
NAN = float("nan")
GOLDEN = pd.DataFrame({
    "USUBJID": ["IM96-001-001", "IM96-001-002", "IM96-002-001"],
    "AESEQ":   [1.0,            2.0,            1.0],
    "AETERM":  ["Fever",        "Cytokine release syndrome", ""],
    "ASTDY":   [-3.0,           NAN,            0.1],
    "ASTDT":   [22000.0,        NAN,            23000.5],
    "AEOUT":   ["",             "",             ""],
})
GOLDEN_LABELS = {"USUBJID": "Unique Subject Identifier", "AESEQ": "Sequence Number", "AETERM": "Reported Term",
                 "ASTDY": "Analysis Start Relative Day", "ASTDT": "Analysis Start Date"}
LABELS = {"USUBJID": "Unique Subject Identifier", "AESEQ": "Sequence Number", "AETERM": "Reported Term"}


def frame(**overrides):
    df = pd.DataFrame({"USUBJID": ["IM96-001-001", "IM96-001-002"], "AESEQ": [1.0, 2.0],
                       "AETERM": ["Fever", "Cytokine release syndrome"]})
    return df.assign(**overrides)


def write(df, path, **kw):
    write_xpt(df, path, name=kw.get("name", "AE"), label=kw.get("label", "Adverse Events"),
              labels=kw.get("labels", LABELS), created=CUT)


def test_write_xpt_round_trips_value_for_value(tmp_path):
    """pyreadstat and the `xport` package's exact v5 decoder (independent of ReadStat) read back what was written."""
    path = tmp_path / "ae.xpt"
    write(frame(), path)
    back, meta = pyreadstat.read_xport(str(path))
    pd.testing.assert_frame_equal(back, frame())
    assert meta.table_name == "AE"
    assert meta.file_label == "Adverse Events"
    assert meta.column_names_to_labels == LABELS
    assert meta.variable_storage_width == {"USUBJID": 12, "AESEQ": 8, "AETERM": 25}
    _, independent = read_xpt_exact(path)
    assert independent["AETERM"].tolist() == ["Fever", "Cytokine release syndrome"]
    assert independent["AESEQ"].tolist() == [1.0, 2.0]


def test_write_xpt_stores_zero_and_small_numbers_exactly(tmp_path):
    """0, negatives and values near zero survive the IBM float conversion (an exact reader, not pandas', checks)."""
    values = [0.0, -0.0, 1e-10, -2.5, 0.1, 123456.789, float("nan")]
    path = tmp_path / "lb.xpt"
    write(pd.DataFrame({"USUBJID": ["S"] * len(values), "AESEQ": values, "AETERM": ["x"] * len(values)}), path)
    _, back = read_xpt_exact(path)
    assert back["AESEQ"].tolist()[:6] == [0.0, 0.0, 1e-10, -2.5, 0.1, 123456.789]
    assert pd.isna(back["AESEQ"].iloc[6])


def test_write_xpt_is_byte_identical_across_runs(tmp_path):
    """The header datetimes come from the data cut, not the clock."""
    write(frame(), tmp_path / "a.xpt")
    time.sleep(1.1)
    write(frame(), tmp_path / "b.xpt")
    a = (tmp_path / "a.xpt").read_bytes()
    assert a == (tmp_path / "b.xpt").read_bytes()
    assert a.count(b"30JUN26:00:00:00") == 4


@pytest.mark.parametrize(
    ("df", "kw", "code"),
    [
        (frame(AETERM=["x" * 201, "ok"]), {}, "XPT_TOO_LONG"),
        (frame(AETERM=["caf\u00e9", "ok"]), {}, "XPT_NON_ASCII"),
        (frame(AESEQ=[1e80, 2.0]), {}, "XPT_NUMBER"),
        (frame(AESEQ=[float("inf"), 2.0]), {}, "XPT_NUMBER"),
        (frame(), {"label": "A dataset label that is longer than forty bytes"}, "XPT_LABEL"),
        (frame(), {"labels": {**LABELS, "AETERM": "Reported Term for the Adverse Event, verbatim"}}, "XPT_LABEL"),
        (frame().rename(columns={"AETERM": "AETERMXXX"}), {}, "XPT_NAME"),
        (frame(), {"name": "ADVERSEEV"}, "XPT_NAME"),
        (frame(AETERM=["Fe\x00ver", "ok"]), {}, "XPT_NUL"),  # was written as "Fe ver"
    ],
)
def test_write_xpt_refuses_v5_breaches(tmp_path, df, kw, code):
    """Every v5 limit is an error naming the breach; nothing is written."""
    path = tmp_path / "ae.xpt"
    with pytest.raises(XptError) as info:
        write(df, path, **kw)
    assert code in {i.code for i in info.value.issues}
    assert not path.exists()


@pytest.mark.parametrize(("fmt", "reason"), [
    ("LONGFORMATNAME9.", r"display format has a name of over 8 characters \(LONGFORMATNAME\)"),
    ("DATE9.x!", r"display format is not a SAS format"),
])
def test_write_xpt_refuses_a_display_format_a_namestr_cannot_hold(tmp_path, fmt, reason):
    """A define.xml's DisplayFormat LONGFORMATNAME9. was written as LONGFORM9. (another format); DATE9.x! ended in a
    ValueError traceback."""
    with pytest.raises(XptError, match=rf"ae.xpt, column AESEQ, value '{re.escape(fmt)}': {reason}"):
        write_xpt(frame(), tmp_path / "ae.xpt", name="AE", label="Adverse Events", labels=LABELS, created=CUT,
                  formats={"AESEQ": fmt})
    assert not (tmp_path / "ae.xpt").exists()


def test_check_xpt_counts_bytes_not_characters():
    """200 ASCII bytes pass; 200 characters are fine only when each is one byte."""
    assert check_xpt(frame(AETERM=["x" * 200, "ok"]), "AE", "Adverse Events", LABELS) == []


def test_write_xpt_is_byte_identical_to_pyreadstat(tmp_path):
    """Headers, namestrs (widths, positions, blank-padded labels, DATE9. format, an unlabelled 1-byte all-blank
    text column), IBM numbers, SAS missing and the blank-padded last record match pyreadstat 1.3.8's file
    (tests/fixtures/README.md says how it was written)."""
    path = tmp_path / "adae.xpt"
    write_xpt(GOLDEN, path, name="ADAE", label="Adverse Events Analysis Dataset", labels=GOLDEN_LABELS,
              created=CUT, formats={"ASTDT": "DATE9."})
    assert path.read_bytes() == GOLDEN_FILE.read_bytes()


def test_write_xpt_lays_out_records_per_ts140(tmp_path):
    """TS-140: 80-byte records; 6 header records, the member label record, NAMESTR header with the variable count,
    one 140-byte namestr per variable (blank-padded to a record), OBS header, then rows of 12+8+25+8+8+1 = 62 bytes."""
    path = tmp_path / "adae.xpt"
    write_xpt(GOLDEN, path, name="ADAE", label="Adverse Events Analysis Dataset", labels=GOLDEN_LABELS,
              created=CUT, formats={"ASTDT": "DATE9."})
    data = path.read_bytes()
    assert len(data) % 80 == 0
    assert data[:80] == b"HEADER RECORD*******LIBRARY HEADER RECORD!!!!!!!" + b"0" * 30 + b"  "
    assert data[400:480] == b"SAS     ADAE    SASDATA 6.06    bsd4.2  " + b" " * 24 + b"30JUN26:00:00:00"
    assert data[512:552] == b"Adverse Events Analysis Dataset         "
    assert data[560:640] == b"HEADER RECORD*******NAMESTR HEADER RECORD!!!!!!!000000000600000000000000000000  "
    # ASTDT, the 5th namestr: numeric, 8 bytes, variable 5, format DATE 9.0 right-justified, position 12+8+25+8
    astdt = data[640 + 4 * 140:640 + 5 * 140]
    assert astdt[:8] == bytes.fromhex("0001 0000 0008 0005")
    assert astdt[8:16] == b"ASTDT   "
    assert astdt[56:72] == b"DATE    " + bytes.fromhex("0009 0000 0001 0000")
    assert astdt[84:88] == (53).to_bytes(4, "big")
    obs = 640 + 840 + 40  # 6 namestrs = 840 bytes, padded to 880
    assert data[obs:obs + 80].startswith(b"HEADER RECORD*******OBS     HEADER RECORD!!!!!!!")
    rows = data[obs + 80:]
    assert len(rows) == 240  # 3 x 62 = 186 bytes, blank-padded to 3 records
    assert rows[62 + 45:62 + 53] == bytes.fromhex("2E00000000000000")  # row 2 ASTDY is missing
    assert rows[186:] == b" " * 54


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.0, "0000000000000000"),
        (-0.0, "0000000000000000"),
        (1.0, "4110000000000000"),  # 0x0.1 * 16**(0x41 - 64)
        (-1.0, "C110000000000000"),  # sign bit
        (-2.5, "C128000000000000"),  # 0x0.28 * 16
        (0.1, "401999999999999A"),  # IEEE 0x3FB999999999999A: 53 bits, kept whole, as SAS stores 0.1
        (123456.789, "451E240C9FBE76C9"),
        (16.0 ** -65, "0010000000000000"),  # the smallest normalised IBM double, 0x0.1 * 16**-64
        (1e-79, "0000000000000000"),  # below 16**-65: zero, as TS-140's ieee2xpt does
        (2.0 ** 248, "7F10000000000000"),  # 0x0.1 * 16**63, the largest power of 16
        (1e75, "7F235FADD81C2822"),  # above 2**249, where ieee2xpt (pyreadstat) wrote the overflow marker
        (-7.2e75, "FFFEB0E3AD978760"),
        (2.0 ** 252, "7FFFFFFFFFFFFFFF"),  # beyond IBM range: overflow marker (check_xpt refuses it first)
        (NAN, "2E00000000000000"),  # SAS missing "."
    ],
)
def test_ibm_double_bytes(value, expected):
    """IEEE -> IBM 360 double per SAS TS-140; the fraction hex digits are the IEEE mantissa shifted 0-3 bits, so
    e.g. 1e75 = 0x235FADD81C2822 * 16**(0x7F - 64 - 14) exactly."""
    assert ibm_double(np.array([value])).tobytes().hex().upper() == expected


def test_write_xpt_round_trips_numbers_exactly(tmp_path):
    """No bits are lost: 2,000 numbers across the IBM range read back equal through both readers."""
    rng = np.random.default_rng(7)
    values = rng.normal(size=2000) * 10.0 ** rng.integers(-70, 75, size=2000)
    values[:4] = [0.0, -1e74, 1e75, NAN]
    df = pd.DataFrame({"USUBJID": ["S"] * len(values), "AESEQ": values, "AETERM": ["x"] * len(values)})
    path = tmp_path / "ae.xpt"
    write(df, path)
    back, _ = pyreadstat.read_xport(str(path))
    np.testing.assert_array_equal(back["AESEQ"].to_numpy(), values)
    _, exact = read_xpt_exact(path)
    np.testing.assert_array_equal(exact["AESEQ"].to_numpy(dtype=float), values)


def test_bundled_study_xpt_files_are_byte_identical_to_pyreadstat(out, tmp_path):
    """Every XPT of the bundled run equals what pyreadstat (which wrote them before cdisc/transport.py) writes for
    the same data, labels and formats, once its wall-clock header datetimes are set to the file's own."""
    files = sorted([*(out / "sdtm").glob("*.xpt"), *(out / "adam").glob("*.xpt")])
    assert len(files) > 30
    for path in files:
        ours = path.read_bytes()
        assert _pyreadstat_bytes(path, tmp_path / path.name, stamp=ours[144:160]) == ours, path.name


def _pyreadstat_bytes(path, target, *, stamp):
    frame, meta = pyreadstat.read_xport(str(path), disable_datetime_conversion=True)
    pyreadstat.write_xport(
        frame, str(target), file_label=meta.file_label, table_name=meta.table_name, file_format_version=5,
        column_labels=[meta.column_names_to_labels[c] or "" for c in frame.columns],
        variable_format={c: f for c, f in meta.original_variable_types.items() if f})
    data = target.read_bytes()
    cut = data.index(b"HEADER RECORD*******OBS")
    return re.sub(rb"\d{2}[A-Z]{3}\d{2}:\d{2}:\d{2}:\d{2}", stamp, data[:cut]) + data[cut:]
