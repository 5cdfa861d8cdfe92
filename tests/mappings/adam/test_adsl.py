"""ADSL on a 5-subject inline SDTM fixture: a screen failure, an apheresed-not-infused subject, a DLT subject who
died on Day 20, an infused subject lost at Day 14 without DLT, and a subject followed exactly to Day 28.
Expected values are worked out by hand from the fixture (methods in specs/im96/adam/methods/adsl.csv)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cdisc.errors import DerivationError
from mappings.im96.adam import adsl
from tests.helpers import assert_frame_equal_by_keys
from tests.mappings.adam.conftest import own_spec_issues

NAN = np.nan
S1, S2, S3, S4, S5 = (f"IM96-001-10{i}" for i in range(1, 6))
DL1, DL2 = "IM96 12x10^8 CAR-T cells", "IM96 20x10^8 CAR-T cells"


def _dm() -> pd.DataFrame:
    return pd.DataFrame({
        "USUBJID":  [S1,           S2,           S3,                 S4,                 S5],
        "SUBJID":   ["001-101",    "001-102",    "001-103",          "001-104",          "001-105"],
        "SITEID":   ["001"] * 5,
        "AGE":      [40.0,         64.0,         65.0,               70.0,               30.0],
        "AGEU":     ["YEARS"] * 5,
        "SEX":      ["F",          "M",          "M",                "F",                "M"],
        "RACE":     ["ASIAN"] * 5,
        "ETHNIC":   ["NOT HISPANIC OR LATINO"] * 5,
        "COUNTRY":  ["CHN"] * 5,
        "ARMCD":    ["",           "",           "DL1",              "DL2",              "DL2"],
        "ARM":      ["",           "",           DL1,                DL2,                DL2],
        "ACTARMCD": ["",           "",           "DL1",              "DL2",              "DL2"],
        "ACTARM":   ["",           "",           DL1,                DL2,                DL2],
        "RFXSTDTC": ["",           "",           "2024-03-05T10:00", "2024-04-01T09:00", "2024-05-01T09:00"],
        "RFXENDTC": ["",           "",           "2024-03-05T10:30", "2024-04-01T09:20", "2024-05-01T09:30"],
        "RFICDTC":  ["2024-01-02", "2024-01-20", "2024-02-01",       "2024-03-01",       "2024-04-01"],
        "DTHDTC":   ["",           "",           "2024-03-24",       "",                 ""],
        "DTHFL":    ["",           "",           "Y",                "",                 ""],
    })


def _ex() -> pd.DataFrame:
    ld, ip = "LYMPHODEPLETING CHEMOTHERAPY", "INVESTIGATIONAL PRODUCT"
    return pd.DataFrame({
        "USUBJID": [S3, S3, S3, S3, S4, S4, S5],
        "EXTRT":   ["CYCLOPHOSPHAMIDE"] * 3 + ["IM96 CAR-T CELLS", "FLUDARABINE"] + ["IM96 CAR-T CELLS"] * 2,
        "EXCAT":   [ld, ld, ld, ip, ld, ip, ip],
        "EXDOSE":  [500.0, 500.0, 500.0, 1200.0, 30.0, 2000.0, 1950.0],
        "EXSTDTC": ["2024-03-02", "2024-02-29", "2024-03-01", "2024-03-05T10:00", "2024-03-27",
                    "2024-04-01T09:00", "2024-05-01T09:00"],
        "EXENDTC": ["2024-03-02", "2024-02-29", "2024-03-01", "2024-03-05T10:30", "",
                    "2024-04-01T09:20", "2024-05-01T09:30"],
    })


def _sdtm() -> dict[str, pd.DataFrame]:
    milestone, event = "PROTOCOL MILESTONE", "DISPOSITION EVENT"
    return {
        "DM": _dm(),
        "EX": _ex(),
        "PR": pd.DataFrame({"USUBJID": [S2, S3, S4, S5], "PRTRT": ["LEUKAPHERESIS"] * 4, "PROCCUR": ["Y"] * 4,
                            "PRSTDTC": ["2024-02-10T08:00", "2024-02-12T08:00", "2024-03-05T08:00",
                                        "2024-04-02T08:00"]}),
        "DS": pd.DataFrame({
            "USUBJID": [S1, S1, S2, S2, S3, S3, S4, S5],
            "DSDECOD": ["INFORMED CONSENT OBTAINED", "SCREEN FAILURE", "COMPLETED", "PROGRESSIVE DISEASE",
                        "COMPLETED", "DEATH", "LOST TO FOLLOW-UP", "COMPLETED"],
            "DSCAT":   [milestone, event, event, event, event, event, event, event],
            "EPOCH":   ["SCREENING", "SCREENING", "SCREENING", "TREATMENT", "TREATMENT", "FOLLOW-UP",
                        "FOLLOW-UP", "TREATMENT"],
            "DSSTDTC": ["2024-01-02", "2024-01-05", "2024-02-01", "2024-03-01", "2024-03-05", "2024-03-24",
                        "2024-04-14", "2024-05-01"]}),
        "TU": pd.DataFrame({"USUBJID": [S2, S3, S5], "TUTESTCD": ["TUMIDENT"] * 3,
                            "TUSTRESC": ["TARGET", "TARGET", "NON-TARGET"], "TULOBXFL": ["", "Y", "Y"]}),
        "AE": pd.DataFrame({"USUBJID": [S3, S4], "AESEQ": [1.0, 1.0], "AESTDTC": ["2024-03-10", "2024-04-05"],
                            "AEENDTC": ["", "2024-04-08"]}),
        "SUPPAE": pd.DataFrame({"USUBJID": [S3, S4], "RDOMAIN": ["AE", "AE"], "IDVAR": ["AESEQ", "AESEQ"],
                                "IDVARVAL": ["1", "1"], "QNAM": ["AEDLT", "AEDLT"], "QVAL": ["Y", "N"]}),
        # S4 last seen Day 14; S5 seen on Day 28 (a partial date and a date after the 2026-06-30 cut are ignored)
        "LB": pd.DataFrame({"USUBJID": [S4, S5, S5], "LBDTC": ["2024-04-14", "2024-05-28", "2024-06"]}),
        "VS": pd.DataFrame({"USUBJID": [S5], "VSDTC": ["2026-07-05"]}),
        "DD": pd.DataFrame({"USUBJID": [S3, S3], "DDTESTCD": ["AUTOPIND", "PRCDTH"], "DDSTRESC": ["N", "Sepsis"]}),
    }


def _iso(values: pd.Series) -> list[str]:
    """SAS day numbers of the finalized frame as ISO dates ('' for null), to compare with literal dates."""
    dates = pd.Timestamp("1960-01-01") + pd.to_timedelta(values, unit="D")
    return dates.dt.strftime("%Y-%m-%d").fillna("").tolist()


@pytest.fixture
def result(make_adam_context, finalize_result) -> pd.DataFrame:
    [res] = adsl.build(make_adam_context(_sdtm()))
    return finalize_result(res)


def test_adsl_population_flags(result):
    """Screen failure: all N; apheresed only: ENRLFL Y; DLT + death Day 20: DLT-evaluable; lost Day 14 without
    DLT: not DLT-evaluable; followed to Day 28: DLT-evaluable; EFFFL needs a baseline (TULOBXFL) target lesion."""
    expected = pd.DataFrame({
        "USUBJID":  [S1,  S2,  S3,  S4,  S5],
        "ENRLFL":   ["N", "Y", "Y", "Y", "Y"],
        "SAFFL":    ["N", "N", "Y", "Y", "Y"],
        "DLTEVLFL": ["N", "N", "Y", "N", "Y"],
        "EFFFL":    ["N", "N", "Y", "N", "N"],
    })
    assert_frame_equal_by_keys(result, expected, keys=["USUBJID"])


def test_adsl_treatment_and_demography(result):
    """TRT01P/A from DM.ARM/ACTARM (null when never infused), N codes from codelist TRTN, AGEGR1 cut at 65."""
    expected = pd.DataFrame({
        "USUBJID": [S1,    S2,    S3,      S4,      S5],
        "TRT01P":  ["",    "",    DL1,     DL2,     DL2],
        "TRT01PN": [NAN,   NAN,   1.0,     2.0,     2.0],
        "TRT01A":  ["",    "",    DL1,     DL2,     DL2],
        "TRT01AN": [NAN,   NAN,   1.0,     2.0,     2.0],
        "AGEGR1":  ["<65", "<65", ">=65",  ">=65",  "<65"],
        "AGEGR1N": [1.0,   1.0,   2.0,     2.0,     1.0],
        "DTHFL":   ["",    "",    "Y",     "",      ""],
        "DTHCAUS": ["",    "",    "Sepsis", "",     ""],
    })
    assert_frame_equal_by_keys(result, expected, keys=["USUBJID"])


def test_adsl_dates(result):
    """Infusion dates from the EX infusion record; LD start/end from EX (EXSTDTC when EXENDTC is blank);
    apheresis from PR; last alive = death date, else the latest complete contact date up to the data cut."""
    assert _iso(result["TRTSDT"]) == ["", "", "2024-03-05", "2024-04-01", "2024-05-01"]
    assert _iso(result["TRTEDT"]) == ["", "", "2024-03-05", "2024-04-01", "2024-05-01"]
    assert result["TRTSDTM"].tolist()[2:4] == [2025252000.0, 2027581200.0]  # 2024-03-05T10:00, 2024-04-01T09:00
    assert _iso(result["LDSTDT"]) == ["", "", "2024-02-29", "2024-03-27", ""]
    assert _iso(result["LDENDT"]) == ["", "", "2024-03-02", "2024-03-27", ""]
    assert _iso(result["APHERDT"]) == ["", "2024-02-10", "2024-02-12", "2024-03-05", "2024-04-02"]
    assert _iso(result["RFICDT"]) == ["2024-01-02", "2024-01-20", "2024-02-01", "2024-03-01", "2024-04-01"]
    assert _iso(result["DTHDT"]) == ["", "", "2024-03-24", "", ""]
    assert _iso(result["LSTALVDT"]) == ["2024-01-05", "2024-03-01", "2024-03-24", "2024-04-14", "2024-05-28"]


@pytest.mark.parametrize(("decod", "contact"), [
    ("INFORMED CONSENT OBTAINED", True),  # the subject signs, also a re-consent in follow-up
    ("ELIGIBILITY CRITERIA MET", True),
    ("COMPLETED", True),  # screening, infusion, the Month 12 visit
    ("WITHDRAWAL BY SUBJECT", True),  # the subject tells the site
    ("PROGRESSIVE DISEASE", True),  # progression with a new therapy, reported by the subject (also by telephone)
    ("SCREEN FAILURE", True),
    ("LOST TO FOLLOW-UP", False),  # the day the site gave up after unsuccessful attempts: the subject was not seen
    ("DEATH", False),
])
def test_which_disposition_dates_are_contacts(decod, contact):
    ds = pd.DataFrame({"USUBJID": [S1], "DSDECOD": [decod], "DSSTDTC": ["2024-06-01"]})
    assert int(adsl.is_contact(ds, "DS").sum()) == (1 if contact else 0)


def test_a_test_not_done_or_a_procedure_that_did_not_occur_is_no_contact():
    """A lab NOT DONE (the subject missed the visit) or a procedure not performed (PROCCUR = N) dates no contact."""
    lb = pd.DataFrame({"USUBJID": [S1, S1], "LBSTAT": ["", "NOT DONE"], "LBDTC": ["2024-06-01", "2024-07-01"]})
    pr = pd.DataFrame({"USUBJID": [S1, S1], "PROCCUR": ["Y", "N"], "PRSTDTC": ["2024-06-02", "2024-07-02"]})
    assert lb[adsl.is_contact(lb, "LB")]["LBDTC"].tolist() == ["2024-06-01"]
    assert pr[adsl.is_contact(pr, "PR")]["PRSTDTC"].tolist() == ["2024-06-02"]


def test_lost_to_follow_up_is_censored_at_the_last_contact_not_at_the_ltfu_date(make_adam_context, finalize_result):
    """S4 last seen (LB) on 2024-04-10; the site records 'lost to follow-up' on 2024-04-14: LSTALVDT = 2024-04-10.
    S2's progression reported on 2024-03-01 (DS PROGRESSIVE DISEASE) is a contact on that date."""
    sdtm = _sdtm()
    sdtm["LB"] = sdtm["LB"].assign(LBDTC=["2024-04-10", "2024-05-28", "2024-06"])
    [res] = adsl.build(make_adam_context(sdtm))
    assert _iso(finalize_result(res)["LSTALVDT"]) == ["2024-01-05", "2024-03-01", "2024-03-24", "2024-04-10",
                                                      "2024-05-28"]


def test_adsl_end_of_study(result):
    """The end-of-study DS record is the latest disposition event in FOLLOW-UP (last TA epoch) or not COMPLETED;
    none -> ONGOING. Screening/treatment COMPLETED records do not end the study."""
    assert result["EOSSTT"].tolist() == ["DISCONTINUED", "DISCONTINUED", "DISCONTINUED", "DISCONTINUED", "ONGOING"]
    assert result["DCSREAS"].tolist() == ["SCREEN FAILURE", "PROGRESSIVE DISEASE", "DEATH", "LOST TO FOLLOW-UP", ""]
    assert _iso(result["EOSDT"]) == ["2024-01-05", "2024-03-01", "2024-03-24", "2024-04-14", ""]


def test_adsl_death_before_infusion_is_an_error(make_adam_context):
    """A death date before the infusion date cannot be right: DerivationError naming the subject."""
    sdtm = _sdtm()
    sdtm["DM"].loc[2, "DTHDTC"] = "2024-03-04"
    with pytest.raises(DerivationError, match="IM96-001-103"):
        adsl.build(make_adam_context(sdtm))


def test_adsl_infusion_without_actual_arm_is_an_error(make_adam_context):
    """An IM96 infusion in EX for a subject without DM.ACTARM is inconsistent SDTM: DerivationError."""
    sdtm = _sdtm()
    sdtm["DM"].loc[4, "ACTARM"] = ""
    with pytest.raises(DerivationError, match="IM96-001-105"):
        adsl.build(make_adam_context(sdtm))


def test_adsl_dlt_evaluable_needs_dlt_when_follow_up_is_short(make_adam_context, finalize_result):
    """The subject who died on Day 20 is DLT-evaluable only through the DLT: with AEDLT = N it is not."""
    sdtm = _sdtm()
    sdtm["SUPPAE"].loc[0, "QVAL"] = "N"
    [res] = adsl.build(make_adam_context(sdtm))
    assert finalize_result(res)["DLTEVLFL"].tolist() == ["N", "N", "N", "N", "Y"]


def test_adsl_spec_rows_are_clean(adam_spec):
    """No spec-check finding (CT included) concerns ADSL's variables or the adsl codelists, methods, comments."""
    assert own_spec_issues(adam_spec, "ADSL", "adsl") == []
