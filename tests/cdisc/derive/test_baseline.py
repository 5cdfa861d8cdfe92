"""Baseline family: ABLFL, BASE, CHG/PCHG, ANRIND (ADaMIG 1.3 §3.3.4-3.3.5)."""
import numpy as np
import pandas as pd
import pytest

from cdisc.derive import require_columns
from cdisc.derive.baseline import derive_var_ablfl, derive_var_anrind, derive_var_base, derive_vars_chg
from cdisc.errors import DerivationError
from tests.helpers import assert_frame_equal_by_keys

D = pd.to_datetime


def test_require_columns_names_missing_columns():
    """A verb's first check names the argument and every missing column (STYLE: fail fast)."""
    with pytest.raises(DerivationError, match=r"df: missing required column\(s\) \['BASE', 'ABLFL'\]"):
        require_columns(pd.DataFrame({"AVAL": [1.0]}), ["AVAL", "BASE", "ABLFL"], arg="df")


def test_require_columns_rejects_non_frames():
    """Passing something other than a DataFrame is a programming error."""
    with pytest.raises(DerivationError, match="expected a pandas DataFrame"):
        require_columns([1, 2], ["AVAL"])


def test_derive_var_ablfl_takes_last_nonmissing_on_or_before_reference():
    """Baseline is the last non-missing value on or before the reference date (ADaMIG 1.3 ABLFL; FDA TCG)."""
    df = pd.DataFrame({
        "USUBJID": ["S1",         "S1",         "S1",         "S1",         "S2",         "S2"],
        "PARAMCD": ["CEA",        "CEA",        "CEA",        "CEA",        "CEA",        "CEA"],
        "ADT":   D(["2025-01-02", "2025-01-08", "2025-01-10", "2025-01-20", "2025-01-03", "2025-01-12"]),
        "TRTSDT": D(["2025-01-10"] * 4 + ["2025-01-05"] * 2),
        "AVAL":    [4.0,          5.0,          np.nan,       3.0,          7.0,          6.0],
    })
    out = derive_var_ablfl(df, by=["USUBJID", "PARAMCD"], order=["ADT"])
    assert out["ABLFL"].tolist() == ["", "Y", "", "", "Y", ""]
    assert "ABLFL" not in df.columns  # input untouched


def test_derive_var_ablfl_counts_reference_day_as_baseline():
    """A record dated on the reference day (pre-infusion Day 1 sample) is a baseline candidate."""
    df = pd.DataFrame({"USUBJID": ["S1", "S1"], "ADT": D(["2025-01-01", "2025-01-05"]),
                       "TRTSDT": D(["2025-01-05", "2025-01-05"]), "AVAL": [1.0, 2.0]})
    assert derive_var_ablfl(df, by=["USUBJID"], order=["ADT"])["ABLFL"].tolist() == ["", "Y"]


def test_derive_var_ablfl_where_restricts_candidates():
    """Records outside `where` (e.g. derived averages) are never flagged."""
    df = pd.DataFrame({"USUBJID": ["S1", "S1"], "ADT": D(["2025-01-01", "2025-01-02"]),
                       "TRTSDT": D(["2025-01-05"] * 2), "AVAL": [1.0, 2.0], "DTYPE": ["", "AVERAGE"]})
    out = derive_var_ablfl(df, by=["USUBJID"], order=["ADT"], where=df["DTYPE"].eq(""))
    assert out["ABLFL"].tolist() == ["Y", ""]


@pytest.mark.parametrize(("aval", "expected"), [
    ([np.nan, np.nan], ["", ""]),          # no non-missing value before the reference: no baseline
    ([1.0, np.nan], ["Y", ""]),             # the last candidate is missing: fall back to the earlier one
])
def test_derive_var_ablfl_skips_missing_values(aval, expected):
    """Missing analysis values never become baseline (ADaMIG: last non-missing value)."""
    df = pd.DataFrame({"USUBJID": ["S1", "S1"], "ADT": D(["2025-01-01", "2025-01-02"]),
                       "TRTSDT": D(["2025-01-05"] * 2), "AVAL": aval})
    assert derive_var_ablfl(df, by=["USUBJID"], order=["ADT"])["ABLFL"].tolist() == expected


def test_derive_var_ablfl_raises_on_tied_last_candidates():
    """Two candidates on the same last date make baseline arbitrary: an error naming the group."""
    df = pd.DataFrame({"USUBJID": ["S1", "S1", "S2"], "ADT": D(["2025-01-02", "2025-01-02", "2025-01-02"]),
                       "TRTSDT": D(["2025-01-05"] * 3), "AVAL": [1.0, 2.0, 3.0]})
    with pytest.raises(DerivationError, match=r"1 group\(s\) .* USUBJID=S1") as info:
        derive_var_ablfl(df, by=["USUBJID"], order=["ADT"])
    assert [i.row for i in info.value.issues] == ["0,1"]


def test_derive_var_ablfl_order_column_breaks_ties():
    """An extra order column (a sequence number) resolves a same-date tie: the last by order wins."""
    df = pd.DataFrame({"USUBJID": ["S1", "S1"], "ADT": D(["2025-01-02", "2025-01-02"]),
                       "TRTSDT": D(["2025-01-05"] * 2), "AVAL": [1.0, 2.0], "ASEQ": [2, 1]})
    assert derive_var_ablfl(df, by=["USUBJID"], order=["ADT", "ASEQ"])["ABLFL"].tolist() == ["Y", ""]


def test_derive_var_base_copies_baseline_value_to_group():
    """BASE is the AVAL of the ABLFL='Y' record, on every record of the subject/parameter (ADaMIG BASE)."""
    df = pd.DataFrame({
        "USUBJID": ["S1",  "S1",  "S1",  "S2",  "S3"],
        "PARAMCD": ["CEA", "CEA", "CA199", "CEA", "CEA"],
        "AVAL":    [5.0,   3.0,   40.0,  7.0,   9.0],
        "ABLFL":   ["Y",   "",    "Y",   "",    "Y"],
    })
    expected = pd.DataFrame({
        "USUBJID": ["S1",  "S1",  "S1",    "S2",   "S3"],
        "PARAMCD": ["CEA", "CEA", "CA199", "CEA",  "CEA"],
        "AVAL":    [5.0,   3.0,   40.0,    7.0,    9.0],
        "BASE":    [5.0,   5.0,   40.0,    np.nan, 9.0],
    })
    out = derive_var_base(df, by=["USUBJID", "PARAMCD"])
    assert_frame_equal_by_keys(out, expected, keys=["USUBJID", "PARAMCD", "AVAL"])


def test_derive_var_base_character_source_gives_blank_without_baseline():
    """BASEC/BNRIND from a character source are blank (not NaN) where the group has no baseline."""
    df = pd.DataFrame({"USUBJID": ["S1", "S1", "S2"], "ANRIND": ["HIGH", "NORMAL", "LOW"], "ABLFL": ["Y", "", ""]})
    out = derive_var_base(df, by=["USUBJID"], source="ANRIND", new_var="BNRIND")
    assert out["BNRIND"].tolist() == ["HIGH", "HIGH", ""]


def test_derive_var_base_raises_on_two_baseline_records():
    """ADaMIG allows at most one baseline record per subject and parameter."""
    df = pd.DataFrame({"USUBJID": ["S1", "S1"], "AVAL": [1.0, 2.0], "ABLFL": ["Y", "Y"]})
    with pytest.raises(DerivationError, match="more than one baseline record"):
        derive_var_base(df, by=["USUBJID"])


@pytest.mark.parametrize(("aval", "base", "ablfl", "chg", "pchg"), [
    (60.0,   50.0,   "",  10.0,   20.0),    # ordinary post-baseline record
    (40.0,   50.0,   "",  -10.0,  -20.0),
    (3.0,    0.0,    "",  3.0,    np.nan),  # zero baseline: PCHG undefined
    (3.0,    np.nan, "",  np.nan, np.nan),  # no baseline
    (np.nan, 50.0,   "",  np.nan, np.nan),  # missing value
    (50.0,   50.0,   "Y", np.nan, np.nan),  # the baseline record itself
])
def test_derive_vars_chg_edge_cases(aval, base, ablfl, chg, pchg):
    """CHG = AVAL - BASE, PCHG = 100*CHG/BASE; null for BASE 0/missing and on the baseline record (ADaMIG 1.3)."""
    out = derive_vars_chg(pd.DataFrame({"AVAL": [aval], "BASE": [base], "ABLFL": [ablfl]}))
    np.testing.assert_allclose([out["CHG"][0], out["PCHG"][0]], [chg, pchg], equal_nan=True)


def test_derive_vars_chg_flag_none_keeps_baseline_zero():
    """Without a flag column, the baseline record gets CHG = 0 and PCHG = 0."""
    out = derive_vars_chg(pd.DataFrame({"AVAL": [50.0], "BASE": [50.0]}), flag=None)
    assert (out["CHG"][0], out["PCHG"][0]) == (0.0, 0.0)


def test_derive_vars_chg_warns_when_overwriting():
    """An existing output column is replaced with a warning (STYLE: warn if the output exists)."""
    df = pd.DataFrame({"AVAL": [2.0], "BASE": [1.0], "ABLFL": [""], "CHG": [9.0]})
    with pytest.warns(UserWarning, match="CHG"):
        out = derive_vars_chg(df)
    assert out["CHG"][0] == 1.0


@pytest.mark.parametrize(("aval", "lo", "hi", "expected"), [
    (1.0,    2.0,    8.0,    "LOW"),
    (2.0,    2.0,    8.0,    "NORMAL"),   # limits are inside the normal range
    (8.0,    2.0,    8.0,    "NORMAL"),
    (8.5,    2.0,    8.0,    "HIGH"),
    (8.5,    np.nan, 8.0,    "HIGH"),     # one-sided range
    (0.1,    np.nan, 8.0,    "NORMAL"),
    (5.0,    np.nan, np.nan, ""),         # no range
    (np.nan, 2.0,    8.0,    ""),         # no value
])
def test_derive_var_anrind_classifies_against_range(aval, lo, hi, expected):
    """ANRIND is LOW below ANRLO, HIGH above ANRHI, NORMAL in between (ADaMIG 1.3 ANRIND)."""
    df = pd.DataFrame({"AVAL": [aval], "ANRLO": [lo], "ANRHI": [hi]})
    assert derive_var_anrind(df, low="ANRLO", high="ANRHI")["ANRIND"].tolist() == [expected]


def test_derive_var_anrind_rejects_inverted_range():
    """A lower limit above the upper one is reported (FDA rule FDAB039)."""
    df = pd.DataFrame({"AVAL": [1.0], "ANRLO": [9.0], "ANRHI": [2.0]})
    with pytest.raises(DerivationError, match="ANRLO greater than ANRHI"):
        derive_var_anrind(df, low="ANRLO", high="ANRHI")


def test_derive_var_base_requires_by_columns():
    """An empty `by` would pool subjects: it is rejected as a programming error."""
    with pytest.raises(DerivationError, match="by: give at least one column"):
        derive_var_base(pd.DataFrame({"AVAL": [1.0], "ABLFL": ["Y"]}), by=[])
