"""ADTTE: one hand-worked subject per row of the FDA PFS censoring table (FDA guidance "Clinical Trial
Endpoints for the Approval of Cancer Drugs and Biologics", 2018), plus OS and DOR. Every subject is infused on
2025-01-01, so AVAL = days since 2025-01-01 + 1 (2025-02-01 -> 32, 2025-03-01 -> 60, 2025-04-01 -> 91)."""
from __future__ import annotations

import pandas as pd
import pytest

from cdisc.errors import DerivationError
from mappings.im96.adam import adtte
from mappings.im96.adam.adrs import analysis_subjects
from tests.helpers import assert_frame_equal_by_keys
from tests.mappings.adam.conftest import own_spec_issues

S = [f"IM96-001-9{i:02d}" for i in range(1, 9)]
ADSL = pd.DataFrame({"STUDYID": "IM96", "USUBJID": S, "SAFFL": "Y", "EFFFL": "Y", "TRT01A": "IM96 12x10^8 CAR-T cells",
                     "TRTSDT": pd.to_datetime(["2025-01-01"] * 8),
                     "LSTALVDT": pd.to_datetime(["2025-06-30"] * 6 + ["2025-03-01", "2025-06-30"])})
CM = pd.DataFrame({"USUBJID": [S[3]], "CMCAT": ["SUBSEQUENT ANTICANCER THERAPY"], "CMSTDTC": ["2025-03-15"]})
ADTR = pd.DataFrame({"USUBJID": S[1:], "PARAMCD": "SUMDIAM", "ABLFL": "Y"})  # S1 has no baseline


def _adrs(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["USUBJID", "PARAMCD", "AVALC", "ADT", "ANL01FL", "SRCSEQ"]).assign(
        ADT=lambda d: pd.to_datetime(d["ADT"]))


ADRS = _adrs([
    (S[0], "OVR", "PD", "2025-03-01", "Y", 1), (S[0], "PD", "Y", "2025-03-01", "", 1),
    (S[2], "OVR", "SD", "2025-02-01", "Y", 1), (S[2], "OVR", "SD", "2025-04-01", "Y", 2),
    (S[2], "LSTA", "SD", "2025-04-01", "", 2),
    (S[3], "OVR", "SD", "2025-02-01", "Y", 1), (S[3], "OVR", "PD", "2025-04-01", "", 2),
    (S[3], "LSTA", "SD", "2025-02-01", "", 1), (S[3], "PD", "Y", "2025-04-01", "", 2),
    (S[4], "OVR", "SD", "2025-02-01", "Y", 1), (S[4], "OVR", "PD", "2025-09-01", "Y", 2),
    (S[4], "LSTA", "PD", "2025-09-01", "", 2), (S[4], "PD", "Y", "2025-09-01", "", 2),
    (S[5], "OVR", "SD", "2025-02-01", "Y", 1), (S[5], "OVR", "PD", "2025-04-01", "Y", 2),
    (S[5], "LSTA", "PD", "2025-04-01", "", 2), (S[5], "PD", "Y", "2025-04-01", "", 2),
    (S[6], "DEATH", "Y", "2025-03-01", "", 7),
    (S[7], "OVR", "PR", "2025-01-29", "Y", 1), (S[7], "OVR", "PR", "2025-03-01", "Y", 2),
    (S[7], "OVR", "PD", "2025-05-01", "Y", 3), (S[7], "LSTA", "PD", "2025-05-01", "", 3),
    (S[7], "PD", "Y", "2025-05-01", "", 3), (S[7], "RSP", "Y", "2025-01-29", "", 1),
])


@pytest.fixture(scope="module")
def out() -> pd.DataFrame:
    return adtte.build_adtte(analysis_subjects(ADSL, CM), ADRS, ADTR)


def test_pfs_follows_the_fda_censoring_table(out):
    """CNSR 1 no baseline (PD ignored); 2 no post-baseline assessment; 3 no PD; 4 PD after new therapy -> last
    assessment before it; 5 PD 212 days after the last assessment (> 196); 0 PD; 0 death within 196 days."""
    expected = pd.DataFrame({
        "USUBJID": S,
        "ADT": pd.to_datetime(["2025-01-01", "2025-01-01", "2025-04-01", "2025-02-01", "2025-02-01", "2025-04-01",
                               "2025-03-01", "2025-05-01"]),
        "AVAL": [1.0, 1.0, 91.0, 32.0, 32.0, 91.0, 60.0, 121.0],
        "CNSR": [1, 2, 3, 4, 5, 0, 0, 0],
        "EVNTDESC": ["NO BASELINE TUMOR ASSESSMENT", "NO ADEQUATE POST-BASELINE TUMOR ASSESSMENT",
                     "NO PROGRESSION OR DEATH", "NEW ANTICANCER THERAPY BEFORE PROGRESSION OR DEATH",
                     "PROGRESSION OR DEATH AFTER TWO OR MORE MISSED ASSESSMENTS", "DISEASE PROGRESSION", "DEATH",
                     "DISEASE PROGRESSION"],
        "CNSDTDSC": ["INFUSION DATE", "INFUSION DATE", "LAST ADEQUATE TUMOR ASSESSMENT",
                     "LAST ADEQUATE TUMOR ASSESSMENT", "LAST ADEQUATE TUMOR ASSESSMENT", "", "", ""],
        "SRCDOM": ["ADSL", "ADSL", "RS", "RS", "RS", "RS", "DS", "RS"],
        "SRCVAR": ["TRTSDT", "TRTSDT", "RSDTC", "RSDTC", "RSDTC", "RSDTC", "DSSTDTC", "RSDTC"],
        "SRCSEQ": [float("nan"), float("nan"), 2.0, 1.0, 1.0, 2.0, 7.0, 3.0]})
    assert_frame_equal_by_keys(out[out["PARAMCD"].eq("PFS")], expected, keys=["USUBJID"])


def test_os_event_is_death_and_censoring_is_last_known_alive(out):
    """OS: S7 dies on day 60; the others are censored at LSTALVDT 2025-06-30 (day 181)."""
    os_ = out[out["PARAMCD"].eq("OS")].set_index("USUBJID")
    assert os_.loc[S[6], ["AVAL", "CNSR", "EVNTDESC"]].tolist() == [60, 0, "DEATH"]
    assert os_.loc[S[2], ["AVAL", "CNSR", "EVNTDESC", "CNSDTDSC", "SRCVAR"]].tolist() == [
        181, 1, "ALIVE", "DATE LAST KNOWN ALIVE", "LSTALVDT"]


def test_dor_starts_at_the_response_onset(out):
    """DOR only for the confirmed responder: 2025-01-29 -> PD 2025-05-01 = 92 days + 1."""
    dor = out[out["PARAMCD"].eq("DOR")]
    assert dor[["USUBJID", "STARTDT", "ADT", "AVAL", "CNSR"]].values.tolist() == [
        [S[7], pd.Timestamp("2025-01-29"), pd.Timestamp("2025-05-01"), 93, 0]]


def test_death_before_infusion_stops_the_run():
    """A death dated before TRTSDT is a source error named with the subject, not a negative time."""
    adrs = _adrs([(S[6], "DEATH", "Y", "2024-12-01", "", 7)])
    with pytest.raises(DerivationError, match="IM96-001-907"):
        adtte.build_adtte(analysis_subjects(ADSL, CM), adrs, ADTR)


def test_spec_rows_are_clean(adam_spec):
    assert own_spec_issues(adam_spec, "ADTTE", "adtte") == []
