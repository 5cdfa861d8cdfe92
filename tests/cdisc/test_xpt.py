"""XPT v5: limits enforced in bytes before writing, value-for-value round trip, deterministic bytes."""
import datetime as dt
import time

import pandas as pd
import pyreadstat
import pytest

from cdisc.errors import XptError
from cdisc.xpt import check_xpt, write_xpt
from tests.helpers import read_xpt_exact

CUT = dt.date(2026, 6, 30)
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
    ],
)
def test_write_xpt_refuses_v5_breaches(tmp_path, df, kw, code):
    """Every v5 limit is an error naming the breach; nothing is written."""
    path = tmp_path / "ae.xpt"
    with pytest.raises(XptError) as info:
        write(df, path, **kw)
    assert code in {i.code for i in info.value.issues}
    assert not path.exists()


def test_check_xpt_counts_bytes_not_characters():
    """200 ASCII bytes pass; 200 characters are fine only when each is one byte."""
    assert check_xpt(frame(AETERM=["x" * 200, "ok"]), "AE", "Adverse Events", LABELS) == []
