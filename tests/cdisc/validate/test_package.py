"""The package model of a run's datasets: what `cdisc validate` would read from the XPTs about to be written."""
from __future__ import annotations

import numpy as np
import pandas as pd

from cdisc.validate.package import dataset_from_frame


def test_a_finished_dataset_is_taken_as_it_is():
    """A finished frame (numbers float64, text Python strings) is the dataset's data, not a copy; its metadata are
    those its XPT gets: numbers 8 bytes, text as long as its longest value."""
    dm = pd.DataFrame({"USUBJID": pd.Series(["S-1", "S-22"], dtype=object), "AGE": [61.0, np.nan]})
    ds = dataset_from_frame("DM", "Demographics", dm, {"USUBJID": "Unique Subject Identifier"})
    assert ds.data is dm
    assert [(v.name, v.label, v.type, v.length) for v in ds.variables] == [
        ("USUBJID", "Unique Subject Identifier", "Char", 4), ("AGE", "", "Num", 8)]


def test_a_frame_that_is_not_finished_is_normalised():
    """Missing text becomes "", a number in a text column its text, integers float64."""
    raw = pd.DataFrame({"USUBJID": pd.Series(["S-1", None], dtype=object), "ARMCD": pd.Series([1, "A"], dtype=object),
                        "AGE": [61, 70]})
    ds = dataset_from_frame("DM", "Demographics", raw, {})
    assert ds.data is not raw
    assert ds.data["USUBJID"].tolist() == ["S-1", ""]
    assert ds.data["ARMCD"].tolist() == ["1", "A"]
    assert ds.data["AGE"].dtype == np.float64 and ds.data["AGE"].tolist() == [61.0, 70.0]


def test_a_folder_named_like_a_dataset_is_a_package_error(tmp_path):
    import pytest

    from cdisc.errors import PackageError
    from cdisc.validate.package import read_package

    (tmp_path / "ae.xpt").mkdir()
    with pytest.raises(PackageError, match=r"^ae.xpt: cannot be read \(Is a directory\)$"):
        read_package(tmp_path)
