"""PP cellular-kinetics NCA rules on hand-worked inline PC profiles (MT.PP.NCA; PKNCA conventions).

Subject A (IM96TG, infusion 2024-01-01T10:00), NCA time t in days:
  PRE-INFUSION 09:00 '<50' -> t = 0 (pre-infusion sample at time 0), BLQ before first quantifiable -> 0
  t=3 '<50' -> 0 (still before the first quantifiable sample)
  2024-01-08 without time -> t = 7 (whole calendar days), 1000
  t=10 '<50' -> BLQ between quantifiable samples -> missing (excluded)
  t=14 4000, t=28 5000 (PCDY 29: outside Days 1-28), t=60 800, t=99 100, t=182 '<50' -> after last -> 0
  CMAX = 4000 at TMAX = 14 (5000 on Day 29 is outside the window).
  AUC0-D90 = AUC(0..89), linear-up/log-down:
    0-3: 0;  3-7: (0+1000)/2*4 = 2000;  7-14: (1000+4000)/2*7 = 17500;  14-28: (4000+5000)/2*14 = 63000
    28-60 falls: (5000-800)*32/ln(5000/800) = 134400/ln(6.25) = 73339.16808538599
    C(89), log-linear between (60, 800) and (99, 100): 800*(100/800)^(29/39) = 170.43607928571492
    60-89 falls: (800-170.436...)*29/ln(800/170.436...) = 11807.493702382453
    total = 167646.66178776845
Subject B (infusion 2024-02-01T08:00): pre-infusion NOT DONE (C(0) = 0 assumed), a '3 DAYS POST-INFUSION'
  sample dated before the infusion (excluded, flagged), t=2 200, t=6 100, t=27 '<50' (after last -> 0):
  CMAX 200, TMAX 2; AUCINT not calculated: the profile ends at t=27 < 89, never extrapolated.
"""
import numpy as np
import pandas as pd
import pytest

from mappings.im96.sdtm.pp import nca_parameters, nca_samples

A, B = "IM96-001-001", "IM96-001-002"
RFA, RFB = "2024-01-01T10:00", "2024-02-01T08:00"
PC = pd.DataFrame(
    [  # USUBJID, PCSEQ, PCDTC,             PCDY, PCTPT,                  PCSTRESC, PCSTRESN, PCRFTDTC
        [A, 1, "2024-01-01T09:00", 1,   "PRE-INFUSION",         "<50",  np.nan, RFA],
        [A, 2, "2024-01-04T10:00", 4,   "3 DAYS POST-INFUSION", "<50",  np.nan, RFA],
        [A, 3, "2024-01-08",       8,   "7 DAYS POST-INFUSION", "1000", 1000.0, RFA],
        [A, 4, "2024-01-11T10:00", 11,  "",                     "<50",  np.nan, RFA],
        [A, 5, "2024-01-15T10:00", 15,  "",                     "4000", 4000.0, RFA],
        [A, 6, "2024-01-29T10:00", 29,  "",                     "5000", 5000.0, RFA],
        [A, 7, "2024-03-01T10:00", 61,  "",                     "800",  800.0,  RFA],
        [A, 8, "2024-04-09T10:00", 100, "",                     "100",  100.0,  RFA],
        [A, 9, "2024-07-01T10:00", 183, "",                     "<50",  np.nan, RFA],
        [B, 1, "2024-02-01T07:00", 1,   "PRE-INFUSION",         "",     np.nan, RFB],
        [B, 2, "2024-01-31T08:00", -1,  "3 DAYS POST-INFUSION", "300",  300.0,  RFB],
        [B, 3, "2024-02-03T08:00", 3,   "",                     "200",  200.0,  RFB],
        [B, 4, "2024-02-07T08:00", 7,   "",                     "100",  100.0,  RFB],
        [B, 5, "2024-02-28T08:00", 28,  "",                     "<50",  np.nan, RFB],
    ],
    columns=["USUBJID", "PCSEQ", "PCDTC", "PCDY", "PCTPT", "PCSTRESC", "PCSTRESN", "PCRFTDTC"],
).assign(PCTESTCD="IM96TG", PCTEST="IM96 CAR Transgene", PCSPEC="BLOOD", PCSTRESU="DNA copies/ug",
         PCTPTREF="IM96 INFUSION")


@pytest.fixture(scope="module")
def samples():
    return nca_samples(PC)


def test_nca_samples_time_and_blq_rule(samples):
    """Pre-infusion at t=0; missing time -> whole days; BLQ before first / after last quantifiable = 0, between = NaN."""
    a = samples[PC["USUBJID"].eq(A)]
    assert a["NCATIME"].round(6).tolist() == [0.0, 3.0, 7.0, 10.0, 14.0, 28.0, 60.0, 99.0, 182.0]
    assert a["AFRLT"].iloc[0] == pytest.approx(-1 / 24)
    assert a["CONC"].fillna(-1).tolist() == [0.0, 0.0, 1000.0, -1, 4000.0, 5000.0, 800.0, 100.0, 0.0]


def test_nca_samples_windows(samples):
    """CMAXFL: usable samples of study Days 1-28; AUCFL: t <= 89 plus the first sample after 89 (t=99)."""
    a = samples[PC["USUBJID"].eq(A)]
    assert a["CMAXFL"].tolist() == ["Y", "Y", "Y", "", "Y", "", "", "", ""]
    assert a["AUCFL"].tolist() == ["Y", "Y", "Y", "", "Y", "Y", "Y", "Y", ""]


def test_nca_samples_flags_inconsistent_timing_and_missing_result(samples):
    """A not-done sample and a post-infusion sample dated before the infusion are excluded with a reason."""
    b = samples[PC["USUBJID"].eq(B)]
    assert b["EXCLUDE"].tolist() == ["no result (not done or not numeric)",
                                     "post-infusion sample dated at or before the infusion", "", "", ""]
    assert b["AUCFL"].eq("").all()  # the profile never reaches Day 90


def test_nca_parameters_hand_worked(samples):
    """CMAX/TMAX within Days 1-28 and AUC0-D90 with log interpolation at Day 90 (values worked in the docstring)."""
    out = nca_parameters(samples).set_index(["USUBJID", "PPTESTCD"])
    assert out.loc[(A, "CMAX"), "VALUE"] == 4000.0
    assert out.loc[(A, "TMAX"), "VALUE"] == 14.0
    assert out.loc[(A, "AUCINT"), "VALUE"] == pytest.approx(167646.66178776845, rel=1e-12)
    assert out.loc[(A, "AUCINT"), "REASON"] == ""
    assert (out.loc[(B, "CMAX"), "VALUE"], out.loc[(B, "TMAX"), "VALUE"]) == (200.0, 2.0)


def test_nca_parameters_profile_ending_before_day_90_is_not_calculated(samples):
    """Samples stopping before Day 90: AUCINT is NaN with the reason (never truncated or extrapolated)."""
    out = nca_parameters(samples).set_index(["USUBJID", "PPTESTCD"])
    assert np.isnan(out.loc[(B, "AUCINT"), "VALUE"])
    assert out.loc[(B, "AUCINT"), "REASON"] == "profile ends at t=27, before the interval end 89; not extrapolated"


def test_nca_parameters_nothing_quantifiable_gives_cmax_zero_and_no_tmax():
    """All samples BLQ: CMAX = 0, TMAX not calculated (no first occurrence of a concentration)."""
    pc = PC[PC["USUBJID"].eq(A)].assign(PCSTRESC="<50", PCSTRESN=np.nan)
    out = nca_parameters(nca_samples(pc)).set_index("PPTESTCD")
    assert out.loc["CMAX", "VALUE"] == 0.0
    assert np.isnan(out.loc["TMAX", "VALUE"])
    assert out.loc["TMAX", "REASON"] == "no quantifiable concentration on study Days 1-28"
