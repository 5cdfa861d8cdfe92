"""Analysis visit windows and the closest-to-target flag (ADaMIG 1.3 §3.3.3 AVISIT/AW*, §3.3.8 ANLzzFL)."""
import doctest

import numpy as np
import pandas as pd
import pytest

import cdisc.derive.visits as visits
from cdisc.derive.visits import VisitWindow, derive_var_closest_flag, derive_vars_visit_window
from cdisc.errors import DerivationError

WINDOWS = [VisitWindow("Day 28", 28, 28, 21, 35), VisitWindow("Month 3", 90, 90, 76, 105)]


@pytest.mark.parametrize(("ady", "avisit", "awtdiff"), [
    (20, "", np.nan), (21, "Day 28", 7.0), (28, "Day 28", 0.0), (35, "Day 28", 7.0), (36, "", np.nan),
    (75, "", np.nan), (76, "Month 3", 14.0), (105, "Month 3", 15.0), (106, "", np.nan)])
def test_derive_vars_visit_window_includes_both_boundaries(ady, avisit, awtdiff):
    """A window [low, high] includes both ends; the day after high and the day before low are not windowed."""
    out = derive_vars_visit_window(pd.DataFrame({"ADY": [ady]}), windows=WINDOWS)
    assert out["AVISIT"].tolist() == [avisit]
    np.testing.assert_equal(out["AWTDIFF"].tolist(), [awtdiff])


def test_derive_vars_visit_window_fills_window_metadata_and_respects_where():
    """AVISITN, AWTARGET, AWLO, AWHI, AWU come from the window; records outside `where` stay unwindowed."""
    df = pd.DataFrame({"ADY": [30, 30], "POST": [True, False]})
    out = derive_vars_visit_window(df, windows=WINDOWS, where=df["POST"])
    assert out["AVISIT"].tolist() == ["Day 28", ""]
    np.testing.assert_equal(out["AVISITN"].tolist(), [28.0, np.nan])
    np.testing.assert_equal(out[["AWTARGET", "AWLO", "AWHI"]].iloc[0].tolist(), [28.0, 21.0, 35.0])
    assert out["AWU"].tolist() == ["DAYS", ""]


def test_derive_vars_visit_window_rejects_overlapping_windows():
    """Overlapping windows would put a record in two visits: a DerivationError."""
    with pytest.raises(DerivationError, match="overlap"):
        derive_vars_visit_window(pd.DataFrame({"ADY": [1]}), windows=[VisitWindow("A", 1, 5, 1, 10),
                                                                      VisitWindow("B", 2, 10, 10, 12)])


def test_visit_window_rejects_target_outside_bounds():
    """A target outside [low, high] is a programming error."""
    with pytest.raises(DerivationError, match="low <= target <= high"):
        VisitWindow("Day 28", 28, 40, 21, 35)


def test_derive_var_closest_flag_picks_nearest_and_later_on_ties():
    """Closest to target wins; equal distance goes to the later day; then the last by `order`."""
    df = pd.DataFrame({
        "USUBJID": ["S1", "S1", "S1", "S2", "S2", "S3", "S3"],
        "ADY":     [26,   30,   35,   27,   27,   22,   28],
        "SEQ":     [1,    2,    3,    4,    5,    6,    7],
        "AWTARGET": [28] * 7,
        "OK":      [True, True, True, True, True, True, False],
    })
    out = derive_var_closest_flag(df, by=["USUBJID"], order=["SEQ"], where=df["OK"])
    assert out["ANL01FL"].tolist() == ["", "Y", "", "", "Y", "Y", ""]


def test_derive_var_closest_flag_raises_on_unbreakable_tie():
    """Two records on the same day with no tie-break column: the choice would be arbitrary."""
    df = pd.DataFrame({"USUBJID": ["S1", "S1"], "ADY": [27, 27], "AWTARGET": [28, 28]})
    with pytest.raises(DerivationError, match="equally close"):
        derive_var_closest_flag(df, by=["USUBJID"])


def test_visits_docstring_examples_run():
    """The `>>>` examples of the module run (STYLE: examples stay true)."""
    assert doctest.testmod(visits).failed == 0
