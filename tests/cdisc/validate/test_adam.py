"""ADaM checks on hand-made BDS datasets: each rule raises on the records worked out by hand, and only on them."""
from __future__ import annotations

import numpy as np
import pandas as pd

from cdisc.validate.adam import run_adam

ADSL = pd.DataFrame({"USUBJID": ["S1", "S2"]})


def _bds(**columns) -> pd.DataFrame:
    base = {"USUBJID": ["S1", "S1", "S1", "S2", "S2"],
            "PARAMCD": ["SYSBP", "SYSBP", "SYSBP", "SYSBP", "SYSBP"],
            "PARAM": ["Systolic BP (mmHg)"] * 5,
            "ABLFL": ["Y", "", "", "Y", ""],
            "AVAL": [120.0, 130.0, 110.0, 100.0, 150.0],
            "BASE": [120.0, 120.0, 120.0, 100.0, 100.0],
            "CHG": [np.nan, 10.0, -10.0, np.nan, 50.0],
            "PCHG": [np.nan, 100 / 12, -100 / 12, np.nan, 50.0]}
    return pd.DataFrame({**base, **columns})


def _found(data: dict[str, pd.DataFrame]) -> list[tuple[str, str, tuple[int, ...]]]:
    findings, _ = run_adam(data)
    return [(f.rule, f.dataset, tuple(r["row"] for r in f.records)) for f in findings]


def test_a_consistent_bds_dataset_raises_nothing():
    assert _found({"ADSL": ADSL, "ADVS": _bds()}) == []


def test_change_and_percent_change_must_follow_aval_and_base():
    """Record 2: CHG 11 != 130 - 120; record 5: PCHG 40 != (150 - 100) / 100 * 100 = 50."""
    advs = _bds(CHG=[np.nan, 11.0, -10.0, np.nan, 50.0], PCHG=[np.nan, 100 / 12, -100 / 12, np.nan, 40.0])
    assert _found({"ADSL": ADSL, "ADVS": advs}) == [("AD0223", "ADVS", (2,)), ("AD0225", "ADVS", (5,))]


def test_baseline_flags():
    """S1 has two ABLFL = Y records (1, 2; record 2's AVAL 130 != BASE 120 too); S2 has BASE but no baseline
    record; record 3's ABLFL is 'N'."""
    advs = _bds(ABLFL=["Y", "Y", "N", "", ""])
    assert sorted(_found({"ADSL": ADSL, "ADVS": advs})) == [
        ("AD0127", "ADVS", (4, 5)), ("AD0152", "ADVS", (2,)), ("AD0154", "ADVS", (1, 2)), ("AD0176", "ADVS", (3,))]


def test_parameters_and_subjects():
    """Records 4-5: S3 is not in ADSL, PARAMCD SYSBPSITTING is longer than 8 characters and has two PARAMs;
    PARAM 'Systolic BP (mmHg)' has two PARAMCDs (records 1-4); ADSL has S2 twice."""
    advs = _bds(PARAM=["Systolic BP (mmHg)"] * 4 + ["Systolic Blood Pressure"],
                PARAMCD=["SYSBP"] * 3 + ["SYSBPSITTING"] * 2, USUBJID=["S1", "S1", "S1", "S3", "S3"])
    found = _found({"ADSL": pd.DataFrame({"USUBJID": ["S1", "S2", "S2"]}), "ADVS": advs})
    assert found == [("AD0256", "ADVS", (4, 5)), ("AD0054", "ADSL", (2, 3)), ("AD0141", "ADVS", (4, 5)),
                     ("AD0142", "ADVS", (1, 2, 3, 4)), ("AD0143", "ADVS", (4, 5))]


def test_a_package_without_adsl():
    assert _found({"ADVS": _bds()}) == [("AD0001", "ADSL", ())]


def test_a_rule_that_cannot_run_on_a_dataset_is_skipped_with_the_reason():
    """AVAL held as text (a package from elsewhere): the three rules doing arithmetic on it (AD0152 BASE = AVAL on
    the baseline, AD0223 CHG, AD0225 PCHG) are skipped, saying why; the others still run and find nothing."""
    advs = _bds(AVAL=["120", "130", "110", "100", "150"])
    findings, statuses = run_adam({"ADSL": ADSL, "ADVS": advs})
    skipped = {s.rule: s.reason for s in statuses if s.status == "skipped"}
    assert sorted(skipped) == ["AD0152", "AD0223", "AD0225"]
    assert all(r.startswith("cannot run on this package (TypeError: ") for r in skipped.values())
    assert findings == []
    assert {s.status for s in statuses if s.rule not in skipped} == {"executed"}
