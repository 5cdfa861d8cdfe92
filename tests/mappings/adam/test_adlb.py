"""ADLB builder on a 2-subject inline LB fixture; expected values worked out by hand (methods/adlb.csv)."""
import numpy as np
import pandas as pd
import pytest

from cdisc.derive.toxgrade import compute_toxgrade, parse_grade_criteria
from cdisc.errors import DerivationError
from cdisc.spec.check import check_spec
from mappings.im96.adam import adlb
from tests.helpers import assert_frame_equal_by_keys

SAS0 = pd.Timestamp("1960-01-01")


def adsl_frame(infusions: dict[str, str | None]) -> pd.DataFrame:
    """ADSL as finalized (dates as SAS numbers) for subjects -> infusion datetime (None: not infused)."""
    dtm = pd.to_datetime(pd.Series(list(infusions.values()), dtype=object))
    return pd.DataFrame({
        "USUBJID": list(infusions), "TRT01A": ["IM96 12x10^8 CAR-T cells"] * len(infusions),
        "TRT01AN": [1.0] * len(infusions), "SAFFL": ["Y" if v else "N" for v in infusions.values()],
        "TRTSDT": (dtm.dt.normalize() - SAS0).dt.days.astype(float),
        "TRTSDTM": (dtm - SAS0).dt.total_seconds(), "DTHDT": np.nan})


LB_COLS = ["USUBJID", "LBSEQ", "LBTESTCD", "LBSTRESC", "LBSTRESN", "LBSTRESU", "LBSTNRLO", "LBSTNRHI", "LBNRIND",
           "LBCLSIG", "LBSTAT", "LBDTC"]
N = np.nan
LB = pd.DataFrame([
    ("S1", 1, "HGB",  "120",  120.0, "g/L",    115.0, 160.0, "NORMAL", "N", "",         "2024-02-29T08:00"),
    ("S1", 2, "HGB",  "",     N,     "",       N,     N,     "",       "",  "NOT DONE", "2024-03-05T08:00"),
    ("S1", 3, "HGB",  "79",   79.0,  "g/L",    115.0, 160.0, "LOW",    "Y", "",         "2024-03-05T12:00"),
    ("S1", 4, "HGB",  "100",  100.0, "g/L",    115.0, 160.0, "LOW",    "Y", "",         "2024-04-01"),
    ("S1", 5, "HGB",  "99",   99.0,  "g/L",    115.0, 160.0, "LOW",    "Y", "",         "2024-04-02"),
    ("S1", 6, "NEUT", "<0.1", N,     "10^9/L", 1.8,   6.3,   "LOW",    "",  "",         "2024-03-05T09:00"),
    ("S1", 7, "NEUT", "1.0",  1.0,   "10^9/L", 1.8,   6.3,   "LOW",    "",  "",         "2024-03-30T09:00"),
    ("S1", 8, "NEUT", "1.2",  1.2,   "10^9/L", 1.8,   6.3,   "LOW",    "",  "",         "2024-04-03T09:00"),
    ("S2", 1, "CRP",  "0",    0.0,   "mg/L",   0.0,   5.0,   "NORMAL", "",  "",         "2024-05-10"),
    ("S2", 2, "CRP",  "3",    3.0,   "mg/L",   0.0,   5.0,   "NORMAL", "",  "",         "2024-05-12T09:00"),
    ("S2", 3, "CRP",  "2",    2.0,   "mg/L",   0.0,   5.0,   "NORMAL", "",  "",         "2024-05-01T09:00"),
], columns=LB_COLS)
ADSL = adsl_frame({"S1": "2024-03-05T11:10", "S2": "2024-05-10T10:00"})


@pytest.fixture
def built(make_adam_context, finalize_result):
    ctx = make_adam_context({"LB": LB}, done={"ADSL": ADSL})
    [result] = adlb.build(ctx)
    return finalize_result(result)


def test_adlb_baseline_change_and_windows(built):
    """Baseline = last pre-infusion result (NOT DONE dropped, Day 1 post-infusion excluded, censored '<0.1'
    kept as baseline with BASE missing); CHG/PCHG post-infusion only, PCHG missing for BASE 0; Day 28 window
    21-35 keeps the record closest to Day 28 (tie 26 vs 30 -> the later)."""
    expected = pd.DataFrame([
        # USUBJID SRCSEQ PARAMCD ADY  ABLFL BASE   CHG    PCHG                 AVISIT      ANL01FL SRCVAR
        ("S1", 1.0, "HGB",  -5.0, "Y", 120.0, N,     N,                   "Baseline", "Y", "LBSTRESN"),
        ("S1", 3.0, "HGB",  1.0,  "",  120.0, -41.0, -34.166666666666664, "",         "",  "LBSTRESN"),
        ("S1", 4.0, "HGB",  28.0, "",  120.0, -20.0, -16.666666666666668, "Day 28",   "Y", "LBSTRESN"),
        ("S1", 5.0, "HGB",  29.0, "",  120.0, -21.0, -17.5,               "Day 28",   "",  "LBSTRESN"),
        ("S1", 6.0, "NEUT", 1.0,  "Y", N,     N,     N,                   "Baseline", "Y", "LBSTRESC"),
        ("S1", 7.0, "NEUT", 26.0, "",  N,     N,     N,                   "Day 28",   "",  "LBSTRESN"),
        ("S1", 8.0, "NEUT", 30.0, "",  N,     N,     N,                   "Day 28",   "Y", "LBSTRESN"),
        ("S2", 1.0, "CRP",  1.0,  "Y", 0.0,   N,     N,                   "Baseline", "Y", "LBSTRESN"),
        ("S2", 2.0, "CRP",  3.0,  "",  0.0,   3.0,   N,                   "",         "",  "LBSTRESN"),
        ("S2", 3.0, "CRP",  -9.0, "",  0.0,   N,     N,                   "",         "",  "LBSTRESN"),
    ], columns=["USUBJID", "SRCSEQ", "PARAMCD", "ADY", "ABLFL", "BASE", "CHG", "PCHG", "AVISIT", "ANL01FL", "SRCVAR"])
    assert len(built) == 10  # the NOT DONE record is not in ADLB
    assert_frame_equal_by_keys(built, expected, keys=["USUBJID", "SRCSEQ"])
    assert set(built["SRCDOM"]) == {"LB"}


def test_adlb_grades_reference_indicators_and_cs_flag(built):
    """CTCAE grades (HGB 79 -> 3, 100 -> 1, 99 -> 2; NEUT '<0.1' -> 4, 1.0/1.2 -> 2; CRP not graded);
    ANRIND from the value, or LBNRIND when censored; CSABN28F = Y for CS at Day 1 post-infusion and Day 28,
    not at Day 29."""
    expected = pd.DataFrame([
        ("S1", 1.0, "0", 0.0, "0", "NORMAL", "NORMAL", ""),
        ("S1", 3.0, "3", 3.0, "0", "LOW",    "NORMAL", "Y"),
        ("S1", 4.0, "1", 1.0, "0", "LOW",    "NORMAL", "Y"),
        ("S1", 5.0, "2", 2.0, "0", "LOW",    "NORMAL", ""),
        ("S1", 6.0, "4", 4.0, "4", "LOW",    "LOW",    ""),
        ("S1", 7.0, "2", 2.0, "4", "LOW",    "LOW",    ""),
        ("S1", 8.0, "2", 2.0, "4", "LOW",    "LOW",    ""),
        ("S2", 1.0, "",  N,   "",  "NORMAL", "NORMAL", ""),
        ("S2", 2.0, "",  N,   "",  "NORMAL", "NORMAL", ""),
        ("S2", 3.0, "",  N,   "",  "NORMAL", "NORMAL", ""),
    ], columns=["USUBJID", "SRCSEQ", "ATOXGR", "ATOXGRN", "BTOXGR", "ANRIND", "BNRIND", "CSABN28F"])
    assert_frame_equal_by_keys(built, expected, keys=["USUBJID", "SRCSEQ"])


def test_adlb_copies_adsl_variables(built):
    """TRTA/TRTAN/SAFFL come from ADSL TRT01A/TRT01AN/SAFFL."""
    assert set(built["TRTA"]) == {"IM96 12x10^8 CAR-T cells"} and set(built["TRTAN"]) == {1.0}
    assert set(built["SAFFL"]) == {"Y"} and set(built["PARAM"]) >= {"Hemoglobin (g/L)", "C Reactive Protein (mg/L)"}


def test_adlb_rejects_duplicate_baseline_candidates(make_adam_context):
    """Two different pre-infusion results at the same date and time: no arbitrary baseline, an error."""
    dup = pd.concat([LB.iloc[[0]], LB.iloc[[0]].assign(LBSEQ=9, LBSTRESC="118", LBSTRESN=118.0)])
    ctx = make_adam_context({"LB": dup}, done={"ADSL": ADSL})
    with pytest.raises(DerivationError, match="more than one candidate baseline"):
        adlb.build(ctx)


def test_adlb_rejects_unit_not_in_param(make_adam_context):
    """A standard unit other than the one in PARAM stops the build."""
    ctx = make_adam_context({"LB": LB.assign(LBSTRESU=LB["LBSTRESU"].replace("g/L", "g/dL"))}, done={"ADSL": ADSL})
    with pytest.raises(DerivationError, match="HGB"):
        adlb.build(ctx)


def test_adlb_rejects_subject_missing_from_adsl(make_adam_context):
    """LB records of a subject that ADSL does not hold are an error, not silently dropped."""
    ctx = make_adam_context({"LB": LB}, done={"ADSL": ADSL.iloc[[0]]})
    with pytest.raises(DerivationError, match="no ADSL record"):
        adlb.build(ctx)


def test_adlb_rejects_results_after_death(make_adam_context):
    """A lab dated after ADSL.DTHDT is inconsistent SDTM: an error naming the record, not a silent value."""
    died = ADSL.assign(DTHDT=[float((pd.Timestamp("2024-04-01") - SAS0).days), np.nan])
    ctx = make_adam_context({"LB": LB}, done={"ADSL": died})
    with pytest.raises(DerivationError, match="after the subject's death.*S1 LBSEQ=5"):
        adlb.build(ctx)


@pytest.mark.parametrize(("paramcd", "lln", "uln", "values", "grades"), [
    ("WBC",   3.5,   9.5,   [3.0, 2.99],     [1.0, 2.0]),
    ("NEUT",  1.8,   6.3,   [1.0, 0.99],     [2.0, 3.0]),
    ("LYM",   1.1,   3.2,   [0.2, 0.19],     [3.0, 4.0]),
    ("PLAT",  125.0, 350.0, [75.0, 74.9],    [1.0, 2.0]),
    ("HGB",   115.0, 160.0, [80.0, 79.9],    [2.0, 3.0]),
    ("ALT",   7.0,   40.0,  [120.0, 120.1],  [1.0, 2.0]),
    ("AST",   13.0,  35.0,  [175.0, 175.1],  [2.0, 3.0]),
    ("BILI",  3.4,   20.0,  [30.0, 30.1],    [1.0, 2.0]),
    ("CREAT", 45.0,  100.0, [600.0, 600.1],  [3.0, 4.0]),
])
def test_adlb_spec_ctcae_criteria_boundaries(adam_spec, paramcd, lln, uln, values, grades):
    """The CTCAE v5.0 criteria stored in the spec put each boundary value in the lower grade (CTCAE bands)."""
    criteria = adlb.grading_criteria(adam_spec, "ADLB")
    assert sorted(criteria) == ["ALT", "AST", "BILI", "CREAT", "HGB", "LYM", "NEUT", "PLAT", "WBC"]
    out = compute_toxgrade(pd.Series(values), pd.Series([lln] * 2), pd.Series([uln] * 2),
                           parse_grade_criteria(criteria[paramcd]))
    assert out.tolist() == grades


def test_adlb_spec_rows_are_clean(adam_spec):
    """check_spec reports nothing about ADLB/ADVS/ADEG rows or their codelists and methods."""
    mine = ("ADLB", "ADVS", "ADEG", "_FIND", "TOXGR", "NRIND", "MT.AD")
    others = ("ADSL", "ADAE", "ADRS", "ADTR", "ADTTE", "ADPC", "ADPP")
    found = [str(i) for i in check_spec(adam_spec) if any(k in str(i) for k in mine)
             and not any(k in str(i) for k in others)]
    assert found == []


@pytest.mark.parametrize("dataset", ["ADLB", "ADVS", "ADEG"])
def test_variables_shared_with_adsl_have_adsl_label_and_type(adam_spec, dataset):
    """ADaMIG: a variable in ADSL and another dataset has the same label and type."""
    adsl = {v.name: v for v in adam_spec.variables_of("ADSL")}
    for v in adam_spec.variables_of(dataset):
        if v.name in adsl:
            assert (v.label, v.data_type) == (adsl[v.name].label, adsl[v.name].data_type), v.name
