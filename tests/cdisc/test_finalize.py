"""finalize: spec order, sort by keys, --SEQ, types, and refusals of data the spec does not allow."""
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cdisc.context import DomainResult
from cdisc.distinct import combined_places, sorted_places
from cdisc.errors import MappingError
from cdisc.finalize import finalize
from cdisc.spec.load import load_spec
from tests.cdisc.spec.test_check import HEAD, make_spec

AE_DATASET = """Dataset,Label,Class,Structure,Keys,Repeating,ReferenceData,Comment
AE,Adverse Events,EVENTS,One record per adverse event per subject,STUDYID USUBJID AESTDTC AESEQ,Yes,No,
"""
AE_VARIABLES = HEAD + """1,AE,STUDYID,Study Identifier,text,8,,,Yes,Req,,Assigned,Sponsor,,,,Identifier,
2,AE,USUBJID,Unique Subject Identifier,text,20,,,Yes,Req,,Derived,Sponsor,,MT.USUBJID,,Identifier,
3,AE,AESEQ,Sequence Number,integer,,,,Yes,Req,,Derived,Sponsor,,MT.USUBJID,,Identifier,
4,AE,AETERM,Reported Term for the Adverse Event,text,10,,,Yes,Req,,Collected,Investigator,,,,Topic,
5,AE,AESEX,Sex,text,1,,,No,Perm,SEX,Collected,Investigator,,,,Record Qualifier,
6,AE,AESTDTC,Start Date/Time of Adverse Event,datetime,,,,No,Exp,,Collected,Investigator,,,,Timing,
7,AE,AESTDY,Study Day of Start of Adverse Event,integer,,,,No,Exp,,Derived,Sponsor,,MT.USUBJID,,Timing,
"""


@pytest.fixture
def spec(tmp_path: Path):
    return load_spec(make_spec(tmp_path, datasets=AE_DATASET, variables=AE_VARIABLES))


def mapped(**overrides) -> pd.DataFrame:
    df = pd.DataFrame({
        "AETERM":   ["Nausea", "Fever", "Rash"],
        "USUBJID":  ["S2", "S1", "S1"],
        "STUDYID":  ["XX1"] * 3,
        "AESTDTC":  ["2025-01-03", "2025-01-05", "2025-01-02"],
        "RAW_FORM": ["ae"] * 3,
        "RAW_ROW":  [3, 1, 2],
    })
    return df.assign(**overrides)


def test_finalize_orders_sorts_and_numbers(spec):
    """Columns follow the spec, records the keys, AESEQ counts within subject; absent Exp/Perm columns are empty."""
    out = finalize(DomainResult("AE", mapped()), spec)
    assert list(out.data.columns) == ["STUDYID", "USUBJID", "AESEQ", "AETERM", "AESEX", "AESTDTC", "AESTDY"]
    assert out.data["AETERM"].tolist() == ["Rash", "Fever", "Nausea"]
    assert out.data["AESEQ"].tolist() == [1.0, 2.0, 1.0]
    assert out.data["AESEX"].tolist() == ["", "", ""]
    assert out.data["AESTDY"].isna().all()
    assert out.lineage[["USUBJID", "SEQ", "RAW_ROW"]].values.tolist() == [["S1", 1.0, 2], ["S1", 2.0, 1], ["S2", 1.0, 3]]


@pytest.mark.parametrize(
    ("overrides", "match"),
    [
        ({"AEXTRA": ["a", "b", "c"]}, "not in the spec"),
        ({"AETERM": ["Nausea", "", "Rash"]}, "mandatory"),
        ({"AESEX": ["F", "Q", ""]}, "not in codelist SEX"),
        ({"AETERM": ["Nausea", "Fever and chills", "Rash"]}, "longer than the spec length 10"),
        ({"AESTDY": ["1", "x", ""]}, "numeric but holds"),
        ({"AESTDTC": ["2025-01-02"] * 3, "USUBJID": ["S1"] * 3, "AESEQ": [1, 1, 2]},
         "share their key"),
    ],
)
def test_finalize_refuses_what_the_spec_forbids(spec, overrides, match):
    with pytest.raises(MappingError, match=match):
        finalize(DomainResult("AE", mapped(**overrides)), spec)


def test_sas_number_for_date_datetime_and_time_formats():
    """SAS dates count days and datetimes seconds from 1960-01-01; times count seconds from midnight."""
    from cdisc.finalize import _sas_number
    from cdisc.spec.model import Variable

    col = pd.Series(pd.to_datetime(["1960-01-02 01:00:30", None]))
    def var(fmt):
        return Variable(order=1, dataset="ADSL", name="X", label="X", data_type="integer", display_format=fmt)
    assert _sas_number(col, var("DATE9.")).tolist()[:1] == [1.0]
    assert _sas_number(col, var("DATETIME20.")).tolist()[:1] == [86400.0 + 3630.0]
    assert _sas_number(col, var("TIME8.")).tolist()[:1] == [3630.0]
    assert _sas_number(col, var("DATE9.")).isna().tolist() == [False, True]


def test_a_refusal_names_every_breach_with_its_count_an_example_subject_and_value(spec):
    """Records sorted by the keys (S1 2025-01-02 of raw row 2, S1 2025-01-05 of row 1, S2 2025-01-03 of row 3): each
    breach names the number of records, their subjects and raw rows (at most five) and the first record's value."""
    with pytest.raises(MappingError) as info:
        finalize(DomainResult("AE", mapped(AETERM=["", "Fever and chills", ""], AESEX=["Q", "F", "Q"])), spec)
    assert [(i.variable, i.value, i.message) for i in info.value.issues] == [
        ("AETERM", "", "2 record(s) have no value but the variable is mandatory (e.g. S1 from ae.csv row 2, S2 from "
                       "ae.csv row 3)"),
        ("AETERM", "Fever and chills", "1 record(s) are longer than the spec length 10 (e.g. S1 from ae.csv row 1)"),
        ("AESEX", "Q", "2 record(s) are not in codelist SEX (e.g. S1 from ae.csv row 2, S2 from ae.csv row 3)"),
    ]


DAY_KEYED = AE_DATASET.replace("STUDYID USUBJID AESTDTC AESEQ", "STUDYID USUBJID AESTDY AETERM")


def test_finalize_sorts_text_by_its_characters_and_numbers_with_missing_last(tmp_path):
    """'S10' before 'S2' (text, not numbers); within S2, study days -1, 3, then the missing one; AESEQ numbered
    after the sort."""
    spec = load_spec(make_spec(tmp_path, datasets=DAY_KEYED, variables=AE_VARIABLES))
    data = pd.DataFrame({"STUDYID": ["XX1"] * 4, "USUBJID": ["S2", "S10", "S2", "S2"],
                         "AETERM": ["b", "a", "a", "c"], "AESTDY": [float("nan"), 5.0, 3.0, -1.0]})
    out = finalize(DomainResult("AE", data), spec).data
    assert out[["USUBJID", "AETERM"]].values.tolist() == [["S10", "a"], ["S2", "c"], ["S2", "a"], ["S2", "b"]]
    assert out["AESEQ"].tolist() == [1.0, 1.0, 2.0, 3.0]


def test_finalize_takes_two_missing_numbers_of_a_key_as_equal(tmp_path):
    """Two records of S2 with no study day and the same term share their key: refused, naming the subject."""
    spec = load_spec(make_spec(tmp_path, datasets=DAY_KEYED, variables=AE_VARIABLES))
    data = pd.DataFrame({"STUDYID": ["XX1"] * 3, "USUBJID": ["S2", "S1", "S2"], "AETERM": ["b", "b", "b"],
                         "AESTDY": [float("nan"), float("nan"), float("nan")]})
    with pytest.raises(MappingError) as err:
        finalize(DomainResult("AE", data), spec)
    (problem,) = err.value.issues
    assert problem.message == "2 record(s) share their key (STUDYID, USUBJID, AESTDY, AETERM) (e.g. S2)"


def test_finalize_keeps_each_text_columns_codes_in_order_of_appearance_in_the_finished_dataset(spec):
    """The finished AETERM is Rash, Fever, Nausea (sorted by subject and date): codes 0, 1, 2 over those values, in
    the dataset's order, not the mapped frame's (Nausea, Fever, Rash); a column of one value is all 0."""
    out = finalize(DomainResult("AE", mapped()), spec)
    assert sorted(out.text_codes) == ["AESEX", "AESTDTC", "AETERM", "STUDYID", "USUBJID"]
    codes, values = out.text_codes["AETERM"]
    assert (codes.tolist(), values.tolist()) == ([0, 1, 2], ["Rash", "Fever", "Nausea"])
    codes, values = out.text_codes["USUBJID"]
    assert (codes.tolist(), values.tolist()) == ([0, 0, 1], ["S1", "S2"])
    codes, values = out.text_codes["AESEX"]
    assert (codes.tolist(), values.tolist()) == ([0, 0, 0], [""])


def test_finalize_writes_a_text_variable_s_other_values_as_text_and_a_missing_one_blank(spec):
    """AESTDTC mapped as Python objects: None becomes "" and the number 20250102 "20250102" (as `str` writes it),
    both Python strings; S1's records sort "" before "20250102"."""
    out = finalize(DomainResult("AE", mapped(AESTDTC=pd.Series(["2025-01-03", None, 20250102], dtype=object))), spec)
    assert out.data[["USUBJID", "AETERM", "AESTDTC"]].values.tolist() == [
        ["S1", "Fever", ""], ["S1", "Rash", "20250102"], ["S2", "Nausea", "2025-01-03"]]
    assert {type(v) for v in out.data["AESTDTC"]} == {str}
    codes, values = out.text_codes["AESTDTC"]
    assert (codes.tolist(), values.tolist()) == ([0, 1, 2], ["", "20250102", "2025-01-03"])


def test_records_are_ordered_and_told_apart_by_one_integer_per_record():
    """Number places: equal numbers one place (0.0 and -0.0 too), NaN last. The combined integer orders the
    records as a sort by each column in turn does, and equal integers are equal keys."""
    visit = np.array([2.0, np.nan, 0.0, -0.0, 1.5])
    assert sorted_places(visit).tolist() == [2, 3, 0, 0, 1]
    subject = np.array([1, 0, 1, 0, 1])  # codes of a text column's places
    combined = combined_places([subject, sorted_places(visit)])
    assert combined.tolist() == [1 * 4 + 2, 0 * 4 + 3, 1 * 4 + 0, 0 * 4 + 0, 1 * 4 + 1]
    assert np.argsort(combined, kind="stable").tolist() == [3, 1, 2, 4, 0]
    assert combined_places([np.array([0, 2**40]), np.array([0, 2**30])]) is None  # 63 bits would not hold it
