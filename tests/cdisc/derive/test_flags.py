"""First/last record flags and TRTEMFL (admiral semantics; ADaMIG OCCDS v1.1)."""
import pandas as pd
import pytest

from cdisc.derive.flags import derive_var_extreme_flag, derive_var_trtemfl
from cdisc.errors import DerivationError

D = pd.to_datetime

AE = pd.DataFrame({
    "USUBJID": ["S1",  "S1",  "S1",  "S2",  "S2"],
    "AEDECOD": ["CRS", "CRS", "FEVER", "CRS", "CRS"],
    "ASTDY":   [3,     1,     2,     5,     9],
    "AESEQ":   [1,     2,     3,     1,     2],
})


@pytest.mark.parametrize(("mode", "expected"), [
    ("first", ["", "Y", "Y", "Y", ""]),
    ("last",  ["Y", "", "Y", "", "Y"]),
])
def test_derive_var_extreme_flag_flags_first_or_last_per_group(mode, expected):
    """One "Y" per by-group on the first/last record by order, others blank (admiral derive_var_extreme_flag)."""
    out = derive_var_extreme_flag(AE, by=["USUBJID", "AEDECOD"], order=["ASTDY"], new_var="AOCCPFL", mode=mode)
    assert out["AOCCPFL"].tolist() == expected
    assert out.index.tolist() == AE.index.tolist()  # no re-sorting


def test_derive_var_extreme_flag_where_limits_candidates():
    """Records outside `where` are blank and do not compete (e.g. only treatment-emergent AEs)."""
    out = derive_var_extreme_flag(AE, by=["USUBJID"], order=["ASTDY"], new_var="AOCCFL",
                                  where=AE["AEDECOD"].eq("CRS"))
    assert out["AOCCFL"].tolist() == ["", "Y", "", "Y", ""]


def test_derive_var_extreme_flag_warns_on_ties_and_keeps_input_order():
    """Ties on by + order are decided by input order with a warning (admiral check_type = "warning")."""
    df = pd.DataFrame({"USUBJID": ["S1", "S1"], "ASTDY": [1, 1]})
    with pytest.warns(UserWarning, match="USUBJID=S1"):
        out = derive_var_extreme_flag(df, by=["USUBJID"], order=["ASTDY"], new_var="F", mode="last")
    assert out["F"].tolist() == ["", "Y"]


def test_derive_var_extreme_flag_rejects_unknown_mode():
    """Only "first" and "last" are modes."""
    with pytest.raises(DerivationError, match="mode"):
        derive_var_extreme_flag(AE, by=["USUBJID"], order=["ASTDY"], new_var="F", mode="max")


@pytest.mark.parametrize(("astdt", "aendt", "trtsdt", "expected"), [
    ("2025-01-09", None,         "2025-01-10", ""),   # started before infusion
    ("2025-01-10", None,         "2025-01-10", "Y"),  # infusion day counts
    ("2025-02-07", None,         "2025-01-10", "Y"),  # last day of the 28-day window (TRTEDT + 28)
    ("2025-02-08", None,         "2025-01-10", ""),   # after the window
    (None,         None,         "2025-01-10", "Y"),  # unknown start and end: conservative
    (None,         "2025-01-12", "2025-01-10", "Y"),  # unknown start, ends after infusion
    (None,         "2025-01-05", "2025-01-10", ""),   # unknown start, ended before infusion
    ("2025-01-15", None,         None,         ""),   # untreated subject
])
def test_derive_var_trtemfl_window_rules(astdt, aendt, trtsdt, expected):
    """TRTEMFL = "Y" if TRTSDT <= ASTDT <= TRTEDT + window; missing start counts unless ended before (OCCDS v1.1)."""
    df = pd.DataFrame({"ASTDT": D([astdt]), "AENDT": D([aendt]), "TRTSDT": D([trtsdt]), "TRTEDT": D([trtsdt])})
    out = derive_var_trtemfl(df, start_date="ASTDT", end_date="AENDT", trt_start="TRTSDT", trt_end="TRTEDT",
                             end_window_days=28)
    assert out["TRTEMFL"].tolist() == [expected]


def test_derive_var_trtemfl_without_window_has_no_upper_limit():
    """With end_window_days=None every record starting on/after treatment start is emergent."""
    df = pd.DataFrame({"ASTDT": D(["2026-01-01"]), "AENDT": D([None]), "TRTSDT": D(["2025-01-10"]),
                       "TRTEDT": D(["2025-01-10"])})
    out = derive_var_trtemfl(df, start_date="ASTDT", end_date="AENDT", trt_start="TRTSDT", trt_end="TRTEDT")
    assert out["TRTEMFL"].tolist() == ["Y"]


def test_derive_var_trtemfl_ignores_time_of_treatment_end_for_window():
    """The window compares dates: an AE late on the last window day is emergent (admiral ignore_time_for_trt_end)."""
    df = pd.DataFrame({"ASTDT": D(["2025-01-12T23:00"]), "AENDT": D([None]), "TRTSDT": D(["2025-01-10T14:00"]),
                       "TRTEDT": D(["2025-01-10T14:00"])})
    out = derive_var_trtemfl(df, start_date="ASTDT", end_date="AENDT", trt_start="TRTSDT", trt_end="TRTEDT",
                             end_window_days=2)
    assert out["TRTEMFL"].tolist() == ["Y"]


def test_derive_var_trtemfl_same_day_before_infusion_time_is_emergent():
    """Dates, not times, are compared: an AE at 08:00 on the 14:00 infusion day is treatment-emergent."""
    df = pd.DataFrame({"ASTDT": D(["2025-01-10T08:00"]), "AENDT": D([None]), "TRTSDT": D(["2025-01-10T14:00"]),
                       "TRTEDT": D(["2025-01-10T14:00"])})
    out = derive_var_trtemfl(df, start_date="ASTDT", end_date="AENDT", trt_start="TRTSDT", trt_end="TRTEDT")
    assert out["TRTEMFL"].tolist() == ["Y"]
