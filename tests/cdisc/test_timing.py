"""EPOCH from SE, VISITNUM from TV, and the last-observation-before-exposure flag."""
import pandas as pd

from cdisc.timing import add_epoch, add_last_before_flag, add_visit, exposure_span

SE = pd.DataFrame({
    "USUBJID": ["S1", "S1", "S1"],
    "SESTDTC": ["2025-01-01", "2025-01-10", "2025-01-15T10:00"],
    "EPOCH":   ["SCREENING", "LYMPHODEPLETION", "TREATMENT"],
})


def test_add_epoch_uses_element_containing_the_date():
    """The element whose start is on or before the date wins; a date on a start day belongs to the new element."""
    df = pd.DataFrame({"USUBJID": ["S1"] * 5 + ["S2"],
                       "XXDTC": ["2024-12-31", "2025-01-01", "2025-01-14", "2025-01-15", "2025-03", "2025-01-05"]})
    out = add_epoch(df, SE, dtc="XXDTC")
    assert out["EPOCH"].tolist() == ["", "SCREENING", "LYMPHODEPLETION", "TREATMENT", "", ""]


def test_add_epoch_keeps_each_subject_to_its_own_elements_and_takes_the_last_of_equal_starts():
    """S2's elements start later than S1's: S2's record before its first element has none (S1's elements are not
    its); two elements starting the same day: a record that day is in the second, as SE lists them; S3 has no
    elements; records come in any order."""
    se = pd.DataFrame({"USUBJID": ["S2", "S2", "S1", "S2"],
                       "SESTDTC": ["2025-02-01", "2025-02-10", "2025-01-01", "2025-02-10"],
                       "EPOCH": ["SCREENING", "TREATMENT", "SCREENING", "FOLLOW-UP"]})
    df = pd.DataFrame({"USUBJID": ["S2", "S1", "S2", "S3", "S2"],
                       "XXDTC": ["2025-02-10", "2025-01-20", "2025-01-20", "2025-02-20", "2025-02-05"]})
    out = add_epoch(df, se, dtc="XXDTC")
    assert out["EPOCH"].tolist() == ["FOLLOW-UP", "SCREENING", "", "", "SCREENING"]


def test_add_epoch_at_start_reads_a_date_as_the_start_of_its_day():
    """SV: the epoch at the start of the visit. A visit on the day TREATMENT starts at 10:00 is still in
    LYMPHODEPLETION; on the day LYMPHODEPLETION starts (no time) it is in LYMPHODEPLETION; a timed record after
    10:00 is in TREATMENT."""
    df = pd.DataFrame({"USUBJID": ["S1"] * 4, "XXDTC": ["2025-01-15", "2025-01-10", "2025-01-15T10:30", "2024-12-31"]})
    out = add_epoch(df, SE, dtc="XXDTC", at_start=True)
    assert out["EPOCH"].tolist() == ["LYMPHODEPLETION", "LYMPHODEPLETION", "TREATMENT", ""]


def test_add_epoch_with_no_dated_record_gives_no_epoch():
    """No record (a form without records) or no complete date: every EPOCH is blank, whatever the dates' type."""
    assert add_epoch(pd.DataFrame({"USUBJID": [], "XXDTC": []}, dtype=str), SE, dtc="XXDTC")["EPOCH"].tolist() == []
    blank = pd.DataFrame({"USUBJID": ["S1"], "XXDTC": [""]})
    assert add_epoch(blank, SE, dtc="XXDTC", at_start=True)["EPOCH"].tolist() == [""]
    dated = pd.DataFrame({"USUBJID": ["S1"], "XXDTC": ["2025-01-12"]})
    assert add_epoch(dated, SE.iloc[0:0], dtc="XXDTC")["EPOCH"].tolist() == [""]  # no subject has elements


TV = pd.DataFrame({"VISITNUM": ["1", "4", "10"], "VISIT": ["SCREENING", "DAY 1", "DAY 28"]})


def test_add_visit_numbers_unscheduled_after_last_scheduled():
    """Unscheduled visits get the last attended scheduled VISITNUM + 0.01 per distinct date."""
    df = pd.DataFrame({
        "USUBJID": ["S1"] * 5,
        "V":   ["SCREENING", "DAY 1", "UNSCHEDULED", "UNSCHEDULED", "UNSCHEDULED"],
        "DTC": ["2025-01-01", "2025-01-15", "2025-01-20", "2025-01-20T10:00", "2025-01-22"],
    })
    out = add_visit(df, TV, visit="V", dtc="DTC")
    assert out["VISITNUM"].tolist() == [1.0, 4.0, 4.01, 4.01, 4.02]
    assert out["VISIT"].tolist() == ["SCREENING", "DAY 1", "UNSCHEDULED 4.01", "UNSCHEDULED 4.01", "UNSCHEDULED 4.02"]


DM = pd.DataFrame({"USUBJID": ["S1"], "RFSTDTC": ["2025-01-15T10:00"]})


def test_last_before_flag_picks_last_non_missing_pre_dose():
    """Baseline = last non-missing result on or before the reference start; a blank result never counts,
    a same-day untimed record counts as pre-dose, and a same-day record after the infusion time does not."""
    df = pd.DataFrame({
        "USUBJID": ["S1"] * 5,
        "TESTCD": ["HGB"] * 5,
        "DTC": ["2025-01-01", "2025-01-10", "2025-01-15", "2025-01-15T12:00", "2025-01-12"],
        "RES": ["12", "11", "", "10", "13"],
    })
    out = add_last_before_flag(df, DM, by=["TESTCD"], dtc="DTC", result="RES", flag="LBLOBXFL")
    assert out["LBLOBXFL"].tolist() == ["", "", "", "", "Y"]


def test_add_visit_restarts_unscheduled_count_after_each_scheduled_visit():
    """The 0.01 counter restarts after every scheduled visit: 1.01, then 4.01 (not 4.02)."""
    df = pd.DataFrame({
        "USUBJID": ["S1"] * 4,
        "V":   ["SCREENING", "UNSCHEDULED", "DAY 1", "UNSCHEDULED"],
        "DTC": ["2025-01-01", "2025-01-03", "2025-01-15", "2025-01-20"],
    })
    assert add_visit(df, TV, visit="V", dtc="DTC")["VISITNUM"].tolist() == [1.0, 1.01, 4.0, 4.01]


def test_add_visit_numbers_unscheduled_after_a_fractional_planned_visit():
    """After planned visit 10.2 (DAY 42), unscheduled dates are 10.21 and 10.22: after 10.2, before 10.3."""
    tv = pd.DataFrame({"VISITNUM": [10.0, 10.2, 10.3], "VISIT": ["MONTH 1", "DAY 42", "DAY 49"]})
    df = pd.DataFrame({"USUBJID": ["S1"] * 4, "V": ["DAY 42", "UNSCHEDULED", "UNSCHEDULED", "DAY 49"],
                       "DTC": ["2025-03-01", "2025-03-03", "2025-03-05", "2025-03-08"]})
    out = add_visit(df, tv, visit="V", dtc="DTC")
    assert out["VISITNUM"].tolist() == [10.2, 10.21, 10.22, 10.3]
    assert out["VISIT"].tolist() == ["DAY 42", "UNSCHEDULED 10.21", "UNSCHEDULED 10.22", "DAY 49"]


def test_add_visit_takes_unscheduled_numbers_from_sv():
    """With SV, an unscheduled record takes the SV visit of the same subject and date, whatever the domain holds."""
    sv = pd.DataFrame({"USUBJID": ["S1"], "VISITNUM": [4.02], "VISIT": ["UNSCHEDULED 4.02"], "SVSTDTC": ["2025-01-20"]})
    df = pd.DataFrame({"USUBJID": ["S1", "S1"], "V": ["DAY 1", "UNSCHEDULED"], "DTC": ["2025-01-15", "2025-01-20T08:00"]})
    out = add_visit(df, TV, visit="V", dtc="DTC", sv=sv)
    assert out["VISITNUM"].tolist() == [4.0, 4.02]
    assert out["VISIT"].tolist() == ["DAY 1", "UNSCHEDULED 4.02"]


def test_exposure_span_earliest_start_latest_end_blanks_ignored():
    """S1: starts 01-05 and 01-01 (earliest 01-01), ends 01-09 and blank (latest known 01-09); S2: nothing known."""
    first, last = exposure_span(pd.Series(["S1", "S1", "S2"]), pd.Series(["2025-01-05", "2025-01-01", ""]),
                                pd.Series(["2025-01-09", "", ""]))
    assert first.to_dict() == {"S1": "2025-01-01"}
    assert last.to_dict() == {"S1": "2025-01-09"}
