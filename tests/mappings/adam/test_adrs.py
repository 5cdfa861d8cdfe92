"""ADTR / ADRS on hand-worked RECIST 1.1 fixtures (Eisenhauer et al., Eur J Cancer 2009;45:228-247).

Subject 901 (infused 2025-01-01): target T01 liver (longest diameter) + T02 node (short axis), non-target NT01.
  visit  date        T01 T02  SoD  worked out
  1      2024-12-20   30  20   50  baseline (last on/before infusion)
  10     2025-01-28   20  12   32  -36 % vs baseline -> PR; nadir 50
  11     2025-03-01   28  12   40  +8 mm = +25 % vs nadir 32 -> PD by the sum (investigator says SD)
  12     2025-04-01   25  --   --  T02 not done: sum not evaluable, partial 25 < PD -> NE
Subject 902: investigator PR d29, PR d60, CR d91, CR d182 (confirmations) on a single target lesion.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mappings.im96.adam import adrs
from tests.helpers import assert_frame_equal_by_keys
from tests.mappings.adam.conftest import own_spec_issues

A, B, C = "IM96-001-901", "IM96-001-902", "IM96-001-903"
ADSL = pd.DataFrame({"STUDYID": "IM96", "USUBJID": [A, B, C], "SUBJID": ["901", "902", "903"], "SITEID": "001",
                     "TRT01A": "IM96 12x10^8 CAR-T cells", "SAFFL": "Y", "EFFFL": "Y",
                     "TRTSDT": pd.to_datetime(["2025-01-01"] * 3)})
TU = pd.DataFrame({"USUBJID": [A, A, A, B, C], "TULNKID": ["T01", "T02", "NT01", "T01", "T01"],
                   "TULOC": ["LIVER", "LYMPH NODE", "LUNG", "LUNG", "LUNG"],
                   "TUSTRESC": ["TARGET", "TARGET", "NON-TARGET", "TARGET", "TARGET"], "TUEVAL": "INVESTIGATOR"})
VISITS = {1: ("SCREENING", "2024-12-20"), 10: ("DAY 28", "2025-01-28"), 11: ("MONTH 2", "2025-03-01"),
          12: ("MONTH 3", "2025-04-01"), 13: ("MONTH 6", "2025-07-01")}


def _tr(rows: list[tuple]) -> pd.DataFrame:
    """(USUBJID, VISITNUM, TRLNKID, TRGRPID, TRTESTCD, value); numbers go to TRSTRESN, text to TRSTRESC."""
    out = []
    for seq, (usubjid, vnum, lnk, grp, testcd, value) in enumerate(rows, 1):
        num = value if isinstance(value, (int, float)) else np.nan
        out.append({"USUBJID": usubjid, "TRSEQ": float(seq), "VISITNUM": float(vnum), "VISIT": VISITS[vnum][0],
                    "TRDTC": VISITS[vnum][1], "TRLNKID": lnk, "TRGRPID": grp, "TRTESTCD": testcd,
                    "TRSTRESN": num, "TRSTRESC": "" if value is None else str(value), "TREVAL": "INVESTIGATOR"})
    return pd.DataFrame(out)


TR = _tr([(A, 1, "T01", "TARGET", "LDIAM", 30), (A, 1, "T02", "TARGET", "LPERP", 20),
          (A, 1, "NT01", "NON-TARGET", "TUMSTATE", "PRESENT"),
          (A, 10, "T01", "TARGET", "LDIAM", 20), (A, 10, "T02", "TARGET", "LPERP", 12),
          (A, 10, "NT01", "NON-TARGET", "TUMSTATE", "PRESENT"),
          (A, 11, "T01", "TARGET", "LDIAM", 28), (A, 11, "T02", "TARGET", "LPERP", 12),
          (A, 11, "NT01", "NON-TARGET", "TUMSTATE", "PRESENT"),
          (A, 12, "T01", "TARGET", "LDIAM", 25), (A, 12, "T02", "TARGET", "LPERP", None),
          (A, 12, "NT01", "NON-TARGET", "TUMSTATE", "PRESENT"),
          (C, 1, "T01", "TARGET", "LDIAM", 40), (C, 10, "T01", "TARGET", "LDIAM", 0),
          (C, 11, "T01", "TARGET", "LDIAM", 20), (C, 12, "T01", "TARGET", "LDIAM", 30)])


def _rs(rows: list[tuple]) -> pd.DataFrame:
    """(USUBJID, VISITNUM, date, OVRLRESP) -> RS OVRLRESP records by the investigator."""
    return pd.DataFrame([{"USUBJID": u, "RSSEQ": float(i), "RSTESTCD": "OVRLRESP", "RSEVAL": "INVESTIGATOR",
                          "RSSTRESC": r, "RSDTC": d, "VISITNUM": float(v), "VISIT": VISITS.get(v, ("X",))[0]}
                         for i, (u, v, d, r) in enumerate(rows, 1)])


RS = _rs([(A, 10, "2025-01-28", "PR"), (A, 11, "2025-03-01", "SD"), (A, 12, "2025-04-01", "NE"),
          (B, 10, "2025-01-29", "PR"), (B, 11, "2025-03-01", "PR"), (B, 12, "2025-04-01", "CR"),
          (B, 13, "2025-07-01", "CR")])
DS = pd.DataFrame({"USUBJID": [A], "DSSEQ": [5.0], "DSDECOD": ["DEATH"], "DSSTDTC": ["2025-05-01"]})
CM = pd.DataFrame({"USUBJID": pd.Series(dtype=object), "CMCAT": pd.Series(dtype=object),
                   "CMSTDTC": pd.Series(dtype=object)})


@pytest.fixture(scope="module")
def built(adam_spec):
    subj = adrs.analysis_subjects(ADSL, CM)
    ovr = adrs.investigator_ovr(RS, subj)
    grid = adrs.target_lesions(TU, TR, subj)
    adtr = adrs.build_adtr(grid, subj, first_pd=adrs.first_pd_dates(ovr))
    out, issues = adrs.build_adrs(ovr, grid, TU, TR, DS, subj, adtr, adam_spec.method(adrs.CONFIRMATION).parameters)
    return adtr, out, issues


def _records(df: pd.DataFrame, usubjid: str, paramcd: str) -> pd.DataFrame:
    return df[df["USUBJID"].eq(usubjid) & df["PARAMCD"].eq(paramcd)].reset_index(drop=True)


def test_adtr_sum_of_diameters_baseline_nadir_and_pd_criterion(built):
    """SoD = LDIAM (non-nodal) + short axis (nodal); nadir excludes the current visit; 25 % and 8 mm over the
    nadir meets the PD criterion; a missing lesion makes the sum not evaluable with a reason."""
    adtr, _, _ = built
    expected = pd.DataFrame({
        "AVISITN": [1.0, 10.0, 11.0, 12.0], "AVAL": [50.0, 32.0, 40.0, np.nan], "ABLFL": ["Y", "", "", ""],
        "BASE": [50.0] * 4, "CHG": [np.nan, -18.0, -10.0, np.nan], "PCHG": [np.nan, -36.0, -20.0, np.nan],
        "NADIR": [np.nan, 50.0, 32.0, 32.0], "CHGNAD": [np.nan, -18.0, 8.0, np.nan],
        "PCHGNAD": [np.nan, -36.0, 25.0, np.nan], "CRIT1FL": ["", "N", "Y", ""],
        "NEREAS": ["", "", "", "TARGET LESION(S) NOT MEASURED: T02"], "ADY": [-12.0, 28.0, 60.0, 91.0]})
    assert_frame_equal_by_keys(_records(adtr, A, "SUMDIAM"), expected, keys=["AVISITN"])


def test_adtr_nadir_of_zero_uses_the_5mm_rule_alone(built):
    """After a 0 mm nadir, a 20 mm reappearance is PD (PCHGNAD undefined, CHGNAD >= 5 mm)."""
    adtr, _, _ = built
    got = _records(adtr, C, "SUMDIAM")
    assert got["CRIT1FL"].tolist() == ["", "N", "Y", "Y"]  # nadir stays 0: 30 mm is still >= 5 mm above it
    assert got["NADIR"].tolist()[1:] == [40.0, 0.0, 0.0]
    assert np.isnan(got["PCHGNAD"][2])


def test_adtr_lesion_records_trace_to_tr(built):
    """Every lesion record is its own parameter, carrying SRCDOM TR / SRCVAR TRSTRESN / SRCSEQ = TRSEQ; the
    not-done record of visit 12 is kept with a null value, so the unevaluable sum traces to it too."""
    adtr, _, _ = built
    got = _records(adtr, A, "LPERPT02")
    expected = pd.DataFrame({"AVISITN": [1.0, 10.0, 11.0, 12.0], "AVAL": [20.0, 12.0, 12.0, np.nan],
                             "SRCDOM": "TR", "SRCVAR": "TRSTRESN", "SRCSEQ": [2.0, 5.0, 8.0, 11.0]})
    assert_frame_equal_by_keys(got, expected, keys=["AVISITN"])


def test_adtr_best_percent_change_is_the_smallest_post_baseline_pchg(built):
    """BPCHG = min(-36, -20) = -36 at 2025-01-28 (no PD, no new therapy)."""
    adtr, _, _ = built
    got = _records(adtr, A, "BPCHG")
    assert got[["AVAL", "ADT", "PARAMTYP"]].values.tolist() == [[-36.0, pd.Timestamp("2025-01-28"), "DERIVED"]]


def test_adrs_derived_response_and_the_disagreement_flag(built):
    """OVRDER from TR: PR, PD (sum), NE (lesion missing); the investigator's SD at visit 11 is flagged."""
    _, out, _ = built
    der = _records(out, A, "OVRDER")
    assert der[["AVISITN", "AVALC", "DISAGRFL", "CMPAVALC"]].values.tolist() == [
        [10.0, "PR", "N", "PR"], [11.0, "PD", "Y", "SD"], [12.0, "NE", "N", "NE"]]
    ovr = _records(out, A, "OVR")
    assert ovr[["AVISITN", "AVALC", "DISAGRFL", "CMPAVALC", "SRCDOM", "SRCSEQ"]].values.tolist() == [
        [10.0, "PR", "N", "PR", "RS", 1.0], [11.0, "SD", "Y", "PD", "RS", 2.0], [12.0, "NE", "N", "NE", "RS", 3.0]]


@pytest.mark.parametrize(("usubjid", "expected"), [
    # A: PR d28 not confirmed (SD next) -> unconfirmed BOR PR, confirmed BOR SD dated at the first SD >= 42 d
    (A, {"BOR": ("PR", "2025-01-28"), "CBOR": ("SD", "2025-03-01"), "RSP": ("N", None), "DCR": ("Y", "2025-03-01"),
         "PD": ("N", None), "LSTA": ("SD", "2025-03-01"), "DEATH": ("Y", "2025-05-01")}),
    # B: CR confirmed 91 days later; the confirmed response started with the PR of day 29, which is also the first
    # qualifying assessment of disease control (a confirmed response needs no 42-day minimum)
    (B, {"BOR": ("CR", "2025-04-01"), "CBOR": ("CR", "2025-04-01"), "RSP": ("Y", "2025-01-29"),
         "DCR": ("Y", "2025-01-29"), "PD": ("N", None), "LSTA": ("CR", "2025-07-01"), "DEATH": ("N", None)}),
])
def test_adrs_subject_level_parameters(built, usubjid, expected):
    """BOR/CBOR (28-day confirmation, 42-day SD minimum), RSP and DCR dated at their first qualifying assessment
    (no date when N), PD, LSTA, DEATH."""
    _, out, _ = built
    for paramcd, (avalc, adt) in expected.items():
        got = _records(out, usubjid, paramcd)
        assert got["AVALC"].tolist() == [avalc], paramcd
        assert got["ADT"].tolist() == [pd.Timestamp(adt) if adt else pd.NaT], paramcd


@pytest.mark.parametrize(("usubjid", "expected"), [
    (A, {"RSP28D": "N", "RSP3M": "N", "DCR28D": "Y", "DCR3M": "N", "DCR6M": "N", "DCR12M": "N"}),
    (B, {"RSP28D": "Y", "RSP3M": "Y", "RSP12M": "Y", "DCR28D": "Y", "DCR3M": "Y", "DCR6M": "Y", "DCR12M": "N"}),
])
def test_adrs_landmarks(built, usubjid, expected):
    """Landmark windows (study days) 25-31, 84-98, 168-196, 351-379: A's last scan by day 98 is NE (day 91), so
    no disease control at 3 months; B's last scan (day 182) is too early for the 12-month window."""
    _, out, _ = built
    for paramcd, avalc in expected.items():
        assert _records(out, usubjid, paramcd)["AVALC"].tolist() == [avalc], paramcd


def test_check_responses_flags_inconsistent_source_without_changing_it():
    """CR then PR, a response after PD and a response at a visit without any TR record are flagged, kept."""
    subj = adrs.analysis_subjects(ADSL, CM)
    rs = _rs([(C, 10, "2025-01-28", "CR"), (C, 11, "2025-03-01", "PR"), (C, 12, "2025-04-01", "PD"),
              (C, 13, "2025-07-01", "CR")])
    ovr = adrs.investigator_ovr(rs, subj)
    got, issues = adrs.check_responses(ovr, pd.DataFrame(), TR)
    got = got.sort_values("ADT")
    assert got["AVALC"].tolist() == ["CR", "PR", "PD", "CR"]
    assert got["DQREAS"].tolist() == ["", "CR FOLLOWED BY PR", "", "NO TR MEASUREMENT; RESPONSE AFTER PD"]
    assert got["DQFL"].tolist() == ["", "Y", "", "Y"]
    assert [i.code for i in issues] == ["ADRS_SOURCE_INCONSISTENT"] * 2


def test_new_anticancer_therapy_ends_the_analysed_time_points():
    """ANL01FL stops at the first subsequent anticancer therapy (CM CMCAT), so a later CR does not count."""
    cm = pd.DataFrame({"USUBJID": [B], "CMCAT": ["SUBSEQUENT ANTICANCER THERAPY"], "CMSTDTC": ["2025-03-15"]})
    subj = adrs.analysis_subjects(ADSL, cm)
    ovr = adrs.investigator_ovr(RS[RS["USUBJID"].eq(B)], subj)
    assert ovr.sort_values("ADT")["ANL01FL"].tolist() == ["Y", "Y", "", ""]


def test_build_through_finalize_and_spec_rows(make_adam_context, finalize_result, adam_spec):
    """The module builds both datasets that pass finalize with the real spec; its spec rows are clean."""
    ctx = make_adam_context({"TU": TU, "TR": TR, "RS": RS, "DS": DS}, done={"ADSL": ADSL})
    results = adrs.build(ctx)
    assert [r.name for r in results] == ["ADTR", "ADRS"]
    # subject 902 has RS but no TR records: reported as an issue of ADRS, records kept and flagged
    assert any("NO TR MEASUREMENT" in i.message for i in results[1].issues)
    for r in results:
        finalize_result(r)
    for ds, stem in (("ADTR", "adtr"), ("ADRS", "adrs")):
        assert own_spec_issues(adam_spec, ds, stem) == []


def test_confirmation_parameters_are_read_from_the_spec_and_stated_in_its_text(adam_spec):
    """MT.ADRS.CBOR carries the numbers the derivation uses (Expression Code), and its text says the same."""
    method = adam_spec.method(adrs.CONFIRMATION)
    assert method.parameters == {"conf_window_days": 28, "sd_min_days": 42, "max_nr_ne": 1}
    for words in (">= 28 days later", ">= 42 days after TRTSDT", "at most 1 NE"):
        assert words in method.description


def test_latest_text_is_the_greatest_text_per_group_as_groupby_max():
    """Per visit the greatest date text by text order: "2025-02" (partial) sorts after "2025-01-28", a missing
    value is skipped, a visit with only missing values gives null, a null key is dropped."""
    tr = pd.DataFrame({"USUBJID": [A, A, A, A, None], "VISITNUM": [10.0, 10.0, 10.0, 11.0, 10.0],
                       "TRDTC": ["2025-01-28", "2025-02", None, None, "2025-09-09"]})
    got = adrs.latest_text(tr, ["USUBJID", "VISITNUM"], "TRDTC").set_index("VISITNUM")["TRDTC"]
    assert got.sort_index().astype(object).where(got.notna(), "null").to_dict() == {10.0: "2025-02", 11.0: "null"}
