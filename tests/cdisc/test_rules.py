"""Cross-dataset conformance rules, each on a hand-made minimal case."""
import pandas as pd

from cdisc.validate.rules import (
    adsl_variables_match,
    check_rules,
    death_consistency,
    fatal_ae_death_date,
    meddra_codes,
    study_days,
)


def test_study_days_flags_a_wrong_day_and_accepts_no_day_zero():
    dm = pd.DataFrame({"USUBJID": ["S1"], "RFSTDTC": ["2025-01-10T09:00"]})
    ae = pd.DataFrame({"USUBJID": ["S1", "S1", "S1"], "AESTDTC": ["2025-01-10", "2025-01-09", "2025-01-12"],
                       "AESTDY": [1.0, -1.0, 2.0]})
    issues = study_days({"DM": dm, "AE": ae})
    assert [(i.code, i.where, i.variable, i.value) for i in issues] == [("FDAB032", "AE", "AESTDY", "2.0")]


def test_death_consistency_requires_flag_and_date():
    dm = pd.DataFrame({"USUBJID": ["S1", "S2"], "DTHFL": ["Y", ""], "DTHDTC": ["2025-03-01", ""]})
    ds = pd.DataFrame({"USUBJID": ["S1", "S2"], "DSDECOD": ["DEATH", "DEATH"], "DSSTDTC": ["2025-03-02", "2025-04-01"]})
    codes = sorted(i.code for i in death_consistency({"DM": dm, "DS": ds}))
    assert codes == ["CORE-000740", "FB0611"]


def test_fatal_ae_death_date_flags_an_end_that_is_not_the_death_date():
    """CORE-000841: S1's fatal AE ends on its death date; S2's fatal AE carries a time the death date has not,
    S3's ends a day early; the non-fatal AE of S2 is not compared."""
    dm = pd.DataFrame({"USUBJID": ["S1", "S2", "S3"], "DTHDTC": ["2025-03-01", "2025-04-01", "2025-05-01"]})
    ae = pd.DataFrame({"USUBJID": ["S1", "S2", "S2", "S3"], "AEOUT": ["FATAL", "FATAL", "RECOVERED/RESOLVED", "FATAL"],
                       "AEENDTC": ["2025-03-01", "2025-04-01T14:10", "2025-02-01", "2025-04-30"]})
    issues = fatal_ae_death_date({"DM": dm, "AE": ae})
    assert [(i.code, i.where, i.variable, i.value) for i in issues] == [
        ("CORE-000841", "AE", "AEENDTC", "2025-04-01T14:10")]
    assert issues[0].message.startswith("2 record(s)")


def test_meddra_codes_require_the_soc_code_and_soc_equal_to_bodsys():
    """CORE-000024: a body system without its code; CORE-000264: AESOC not the primary SOC in AEBODSYS."""
    ae = pd.DataFrame({"USUBJID": ["S1", "S1", "S2"],
                       "AEBODSYS": ["Vascular disorders", "Vascular disorders", "Gastrointestinal disorders"],
                       "AEBDSYCD": [10047065.0, float("nan"), 10017947.0],
                       "AESOC": ["Vascular disorders", "Vascular disorders", "Infections and infestations"]})
    mh = pd.DataFrame({"USUBJID": ["S1"], "MHBODSYS": [""], "MHBDSYCD": [float("nan")], "MHSOC": [""]})
    issues = meddra_codes({"AE": ae, "MH": mh})
    assert [(i.code, i.where, i.variable, i.value) for i in issues] == [
        ("CORE-000024", "AE", "AEBODSYS", "Vascular disorders"),
        ("CORE-000264", "AE", "AESOC", "Infections and infestations")]


def test_adsl_variables_match_flags_a_copy_that_drifted():
    adsl = pd.DataFrame({"USUBJID": ["S1", "S2"], "TRT01A": ["DL1", "DL2"], "AGE": [60.0, float("nan")]})
    adae = pd.DataFrame({"USUBJID": ["S1", "S2", "S2"], "TRT01A": ["DL1", "DL2", "DL1"], "AGE": [60.0] + [float("nan")] * 2})
    issues = adsl_variables_match({"ADSL": adsl, "ADAE": adae})
    assert [(i.where, i.variable, i.value) for i in issues] == [("ADAE", "TRT01A", "DL1")]


def test_check_rules_skips_rules_whose_datasets_are_absent():
    assert check_rules({"XX": pd.DataFrame({"USUBJID": ["S1"]})}) == []
