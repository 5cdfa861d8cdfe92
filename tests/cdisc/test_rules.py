"""Cross-dataset conformance rules, each on a hand-made minimal case."""
import pandas as pd
import pytest

from cdisc.validate.rules import (
    adsl_variables_match,
    baseline_flags,
    check_rules,
    death_consistency,
    epoch_populated,
    fatal_event_ends_at_death,
    per_record,
    primary_soc,
    serious_flags,
    standard_units,
    study_days,
)


def test_study_days_flags_a_wrong_day_and_accepts_no_day_zero():
    dm = pd.DataFrame({"USUBJID": ["S1"], "RFSTDTC": ["2025-01-10T09:00"]})
    ae = pd.DataFrame({"USUBJID": ["S1", "S1", "S1"], "AESTDTC": ["2025-01-10", "2025-01-09", "2025-01-12"],
                       "AESTDY": [1.0, -1.0, 2.0]})
    issues = study_days({"DM": dm, "AE": ae})
    assert [(i.code, i.where, i.variable, i.value) for i in issues] == [("SD1086", "AE", "AESTDY", "2.0")]


def test_a_subject_absent_from_dm_has_no_study_day_and_one_of_adsl_has_no_adsl_values():
    """S9 is in neither DM nor ADSL: its AESTDY is expected null (1.0 is flagged, a null is not), and its ADSL
    copies are expected null too (TRT01A "DL1" is flagged, a null AGE is not)."""
    dm = pd.DataFrame({"USUBJID": ["S1"], "RFSTDTC": ["2025-01-10"]})
    ae = pd.DataFrame({"USUBJID": ["S9", "S9", "S1"], "AESTDTC": ["2025-01-10", "2025-01-11", "2025-01-10"],
                       "AESTDY": [1.0, float("nan"), 1.0]})
    assert [(i.code, i.count, i.value) for i in study_days({"DM": dm, "AE": ae})] == [("SD1086", 1, "1.0")]
    adsl = pd.DataFrame({"USUBJID": ["S1"], "TRT01A": ["DL1"], "AGE": [60.0]})
    adae = pd.DataFrame({"USUBJID": ["S9", "S1"], "TRT01A": ["DL1", "DL1"], "AGE": [float("nan"), 60.0]})
    assert [(i.variable, i.count) for i in adsl_variables_match({"ADSL": adsl, "ADAE": adae})] == [("TRT01A", 1)]


def test_per_record_takes_each_records_subject_value_and_null_for_an_unknown_subject():
    subjects = pd.DataFrame({"ARM": ["A", "B"], "DAY": pd.to_datetime(["2025-01-10", None]), "AGE": [60.0, 70.0]},
                            index=pd.Index(["S1", "S2"], name="USUBJID"))
    take = per_record(subjects, pd.Series(["S2", "S9", "S1"], index=[10, 11, 12]))
    assert take("ARM").tolist()[0::2] == ["B", "A"] and pd.isna(take("ARM")[11])
    assert take("DAY").isna().tolist() == [True, True, False] and take("DAY")[12] == pd.Timestamp("2025-01-10")
    assert take("AGE").index.tolist() == [10, 11, 12] and take("AGE").fillna(-1).tolist() == [70.0, -1.0, 60.0]
    assert per_record(subjects.iloc[:0], pd.Series(["S1"]))("AGE").isna().tolist() == [True]


def test_epoch_is_required_only_on_or_after_the_subjects_first_element():
    """SD1339: S1's elements start 2025-01-05; its empty EPOCH on 2025-01-05 and after is flagged, before it and
    with a partial date not; S2 has no elements and is never flagged."""
    se = pd.DataFrame({"USUBJID": ["S1", "S1"], "SESTDTC": ["2025-01-20", "2025-01-05T08:00"]})
    vs = pd.DataFrame({"USUBJID": ["S1"] * 5 + ["S2"],
                       "VSDTC": ["2025-01-04", "2025-01-05", "2025-01-30", "2025-01", "2025-02-01", "2025-02-01"],
                       "EPOCH": ["", "", "", "", "TREATMENT", ""]})
    issues = epoch_populated({"SE": se, "VS": vs})
    assert [(i.code, i.where, i.count) for i in issues] == [("SD1339", "VS", 2)]


def test_standard_units_one_per_test_category_and_specimen():
    """Glucose in two units within CHEMISTRY (flagged), hemoglobin in one and a blank (not flagged: a blank unit
    is no unit), the same test in another category with its own unit (not flagged); VS has only the test; the LB
    records are held under labels that are not their positions."""
    lb = pd.DataFrame({"LBTESTCD": ["GLUC", "GLUC", "HGB", "HGB", "GLUC", "GLUC"],
                       "LBCAT": ["CHEMISTRY", "CHEMISTRY", "HEMATOLOGY", "HEMATOLOGY", "URINALYSIS", "CHEMISTRY"],
                       "LBSTRESU": ["mmol/L", "mg/dL", "g/dL", "", "mmol/L", "mmol/L"]}, index=[50, 40, 30, 20, 10, 0])
    vs = pd.DataFrame({"VSTESTCD": ["TEMP", "TEMP", "PULSE"], "VSSTRESU": ["C", "F", "beats/min"]})
    dm = pd.DataFrame({"USUBJID": ["S1"]})
    issues = standard_units({"DM": dm, "LB": lb, "VS": vs})
    assert [(i.code, i.where, i.variable, i.value) for i in issues] == [
        ("SD0007", "LB", "LBSTRESU", "('GLUC', 'CHEMISTRY')"), ("SD0007", "VS", "VSSTRESU", "TEMP")]


def test_death_consistency_requires_flag_and_date():
    dm = pd.DataFrame({"USUBJID": ["S1", "S2"], "DTHFL": ["Y", ""], "DTHDTC": ["2025-03-01", ""]})
    ds = pd.DataFrame({"USUBJID": ["S1", "S2"], "DSDECOD": ["DEATH", "DEATH"], "DSSTDTC": ["2025-03-02", "2025-04-01"]})
    codes = sorted(i.code for i in death_consistency({"DM": dm, "DS": ds}))
    assert codes == ["SD1256", "SD1317"]


def test_missing_baseline_is_a_warning_naming_the_subject():
    """A treated subject without an --LOBXFL record is a data finding (FDA validator SD0006), not a run failure."""
    dm = pd.DataFrame({"USUBJID": ["S1", "S2", "S3"], "RFSTDTC": ["2025-01-10", "2025-02-01", ""]})
    eg = pd.DataFrame({"USUBJID": ["S1", "S2"], "EGLOBXFL": ["Y", ""]})
    issues = baseline_flags({"DM": dm, "EG": eg})
    assert [(i.severity, i.code, i.where, i.variable) for i in issues] == [("warning", "SD0006", "EG", "EGLOBXFL")]
    assert "S2" in issues[0].message and "S3" not in issues[0].message


def test_serious_flags_read_every_criterion_of_cg0041():
    """SD1132 / SD0009 with the criteria CG0041 (CORE-000022) names, AESCAN and AESOD among them: record 1 is not
    serious with cancer ticked, record 2 serious with only AESOD, record 3 serious with none."""
    ae = pd.DataFrame({"USUBJID": ["S1", "S2", "S3"], "AESER": ["N", "Y", "Y"], "AESCAN": ["Y", "N", "N"],
                       "AESOD": ["N", "Y", "N"], "AESHOSP": ["N", "N", "N"]})
    issues = serious_flags({"AE": ae})
    assert [(i.code, i.count, i.message.split("(")[-1]) for i in issues] == [
        ("SD0009", 1, "e.g. S3)"), ("SD1132", 1, "e.g. S1)")]


def test_primary_soc_equals_bodsys():
    """CORE-000264: AESOC not the primary SOC in AEBODSYS."""
    ae = pd.DataFrame({"USUBJID": ["S1", "S2"], "AEBODSYS": ["Vascular disorders", "Gastrointestinal disorders"],
                       "AESOC": ["Vascular disorders", "Infections and infestations"]})
    mh = pd.DataFrame({"USUBJID": ["S1"], "MHBODSYS": [""], "MHSOC": [""]})
    issues = primary_soc({"AE": ae, "MH": mh})
    assert [(i.code, i.where, i.variable, i.value) for i in issues] == [
        ("CORE-000264", "AE", "AESOC", "Infections and infestations")]


def test_adsl_variables_match_flags_a_copy_that_drifted():
    adsl = pd.DataFrame({"USUBJID": ["S1", "S2"], "TRT01A": ["DL1", "DL2"], "AGE": [60.0, float("nan")]})
    adae = pd.DataFrame({"USUBJID": ["S1", "S2", "S2"], "TRT01A": ["DL1", "DL2", "DL1"], "AGE": [60.0] + [float("nan")] * 2})
    issues = adsl_variables_match({"ADSL": adsl, "ADAE": adae})
    assert [(i.code, i.where, i.variable, i.value) for i in issues] == [("CCV-0001", "ADAE", "TRT01A", "DL1")]


def test_check_rules_skips_rules_whose_datasets_are_absent():
    assert check_rules({"XX": pd.DataFrame({"USUBJID": ["S1"]})}) == []


def test_a_fatal_event_must_end_on_the_death_date_as_written():
    """SD1347/CORE-000841 compare AEENDTC with DTHDTC as text: an end time the death date lacks is a mismatch."""
    dm = pd.DataFrame({"USUBJID": ["S1", "S2"], "DTHDTC": ["2024-09-22", "2024-10-01"]})
    ae = pd.DataFrame({"USUBJID": ["S1", "S2", "S2"], "AEOUT": ["FATAL", "FATAL", "RECOVERED/RESOLVED"],
                       "AEENDTC": ["2024-09-22T14:10", "2024-10-01", "2024-09-01"]})
    issues = fatal_event_ends_at_death({"DM": dm, "AE": ae})
    assert [(i.code, i.variable, i.value, i.count) for i in issues] == [("SD1347", "AEENDTC", "2024-09-22T14:10", 1)]


def test_a_rule_missing_a_variable_says_so_instead_of_crashing():
    """A DM without RFSTDTC: SD1086 (study days) cannot be checked and says why, as a notice."""
    dm = pd.DataFrame({"USUBJID": ["S1"]})
    ae = pd.DataFrame({"USUBJID": ["S1"], "AESTDTC": ["2025-01-10"], "AESTDY": [1.0]})
    notices = [(i.severity, i.code, i.message) for i in check_rules({"DM": dm, "AE": ae}) if i.code == "SD1086"]
    assert notices == [("notice", "SD1086", "not checked: the package lacks the variable RFSTDTC this rule needs")]


def test_a_subject_given_twice_in_dm_does_not_stop_the_rules_that_look_subjects_up():
    """DM S1 twice (a key finding of its own): study days still checked against S1's first record; AE day 2 is
    right for 2025-01-11 against RFSTDTC 2025-01-10, day 5 is wrong."""
    dm = pd.DataFrame({"USUBJID": ["S1", "S1"], "RFSTDTC": ["2025-01-10", "2025-03-01"]})
    ae = pd.DataFrame({"USUBJID": ["S1", "S1"], "AESTDTC": ["2025-01-11", "2025-01-11"], "AESTDY": [2.0, 5.0]})
    issues = [i for i in check_rules({"DM": dm, "AE": ae}) if i.code == "SD1086"]
    assert [(i.severity, i.variable, i.count) for i in issues] == [("error", "AESTDY", 1)]


def test_subjects_held_as_numbers_are_named_as_text():
    """USUBJID held as numbers in AE (a package from elsewhere): SD0064 still names the subjects."""
    dm = pd.DataFrame({"USUBJID": ["S1"]})
    ae = pd.DataFrame({"USUBJID": [1.0, 2.0]})
    found = [(i.severity, i.code, i.message) for i in check_rules({"DM": dm, "AE": ae}) if i.code == "SD0064"]
    assert found == [("error", "SD0064", "2 record(s): USUBJID is not in DM (e.g. 1.0, 2.0)")]


def test_a_rule_that_cannot_run_on_a_package_says_why_as_a_notice():
    """DM.RFSTDTC held as numbers (SAS dates, not ISO 8601 text): study days cannot be worked out, and SD1086 says
    why instead of stopping the validation."""
    dm = pd.DataFrame({"USUBJID": ["S1"], "RFSTDTC": [23000.0]})
    ae = pd.DataFrame({"USUBJID": ["S1"], "AESTDTC": ["2025-01-10"], "AESTDY": [1.0]})
    (notice,) = [i for i in check_rules({"DM": dm, "AE": ae}) if i.code == "SD1086"]
    assert notice.severity == "notice"
    assert notice.message.startswith("not checked: the rule cannot run on this package (AttributeError: ")
    assert notice.message.endswith(" in _calendar_date)")  # the text accessor on the numbers, in cdisc/dates.py


def test_text_must_be_printable_ascii():
    """SD1029: a line break (record 1) and a non-ASCII letter (record 3) are flagged; a plain value, a blank and a
    number column are not."""
    from cdisc.validate.rules import printable_text

    ae = pd.DataFrame({"USUBJID": ["S1", "S2", "S3", "S4"], "AETERM": ["Nau\nsea", "Headache", "Caf\u00e9", ""],
                       "AESEQ": [1.0, 1.0, 1.0, 1.0]})
    (issue,) = printable_text({"AE": ae})
    assert (issue.code, issue.where, issue.variable, issue.count) == ("SD1029", "AE", "AETERM", 2)
    assert issue.message.endswith("(e.g. S1, S3)")


@pytest.mark.parametrize(
    ("values", "flagged"),
    [
        (["a\tb", "ok"], ["S1"]),  # a tab
        (["ok", "x\x7fy"], ["S2"]),  # DEL, 127
        (["ok", None], []),  # a missing value is not a character
        ([None, "\u00e9"], ["S2"]),  # a missing value beside a non-ASCII letter
        (["~ !", "  "], []),  # 126, 32 and 33: the ends of printable ASCII
    ],
    ids=["tab", "DEL", "missing", "missing and non-ASCII", "printable ends"],
)
def test_printable_ascii_is_32_to_126(values, flagged):
    from cdisc.validate.rules import printable_text

    ae = pd.DataFrame({"USUBJID": ["S1", "S2"], "AETERM": values})
    found = printable_text({"AE": ae})
    assert [i.message.rsplit("(e.g. ", 1)[1].rstrip(")") for i in found] == ([", ".join(flagged)] if flagged else [])


def test_an_sdtm_dataset_without_records_is_a_notice_to_leave_it_out():
    """CG0408 (SD0001): AE without records in an SDTM package (it has DM); an ADaM package (no DM) is not asked."""
    dm = pd.DataFrame({"USUBJID": ["S1"]})
    ae = pd.DataFrame({"USUBJID": pd.Series(dtype=object), "AETERM": pd.Series(dtype=object)})
    found = [(i.severity, i.where, i.message) for i in check_rules({"DM": dm, "AE": ae}) if i.code == "CG0408"]
    assert found == [("notice", "AE", "no records: a domain to leave out of the submission")]
    assert [i for i in check_rules({"ADSL": dm, "ADAE": ae}) if i.code == "CG0408"] == []
