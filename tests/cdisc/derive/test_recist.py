"""RECIST 1.1 (Eisenhauer et al., Eur J Cancer 2009;45:228-247): target, overall and best overall response."""
import numpy as np
import pandas as pd
import pytest

from cdisc.derive.recist import (
    compute_overall_response,
    compute_target_response,
    derive_param_bor,
    derive_param_confirmed_bor,
    derive_var_nadir,
)
from cdisc.errors import DerivationError

# ------------------------------------------------------------------ target response (§4.3.1)


@pytest.mark.parametrize(("sod", "base", "nadir", "nonnodal", "nodes_lt10", "any_ne", "expected"), [
    (0.0,   60.0,  60.0, 0.0,   True,  False, "CR"),  # all lesions gone
    (16.0,  60.0,  60.0, 0.0,   True,  False, "CR"),  # two nodes at 8 mm short axis: CR with SoD > 0
    (22.0,  60.0,  60.0, 0.0,   False, False, "PR"),  # a node still >= 10 mm: not CR
    (70.0,  100.0, 100.0, 70.0, True,  False, "PR"),  # exactly -30 % vs baseline
    (71.0,  100.0, 100.0, 71.0, True,  False, "SD"),  # -29 %
    (60.0,  60.0,  50.0, 60.0,  True,  False, "PD"),  # +20 % and +10 mm vs nadir
    (59.0,  60.0,  50.0, 59.0,  True,  False, "SD"),  # +18 % vs nadir
    (24.0,  30.0,  20.0, 24.0,  True,  False, "SD"),  # +20 % but only +4 mm
    (25.0,  30.0,  20.0, 25.0,  True,  False, "PD"),  # +25 % and +5 mm
    (50.0,  100.0, 40.0, 50.0,  True,  False, "PD"),  # PD vs nadir although -50 % vs baseline
    (5.0,   40.0,  0.0,  5.0,   True,  False, "PD"),  # reappearance after CR: nadir 0, +5 mm
    (4.0,   40.0,  0.0,  4.0,   True,  False, "PR"),  # +4 mm from a zero nadir is not PD
    (45.0,  60.0,  60.0, 45.0,  True,  True,  "NE"),  # a lesion not evaluated, no PD
    (80.0,  60.0,  60.0, 80.0,  True,  True,  "PD"),  # PD already shown by the evaluated lesions
    (np.nan, 60.0, 60.0, np.nan, True, False, "NE"),  # no sum
])
def test_compute_target_response_rules(sod, base, nadir, nonnodal, nodes_lt10, any_ne, expected):
    """CR/PR/SD/PD/NE per RECIST 1.1 §4.3.1: PR vs baseline (-30 %), PD vs nadir (+20 % and +5 mm)."""
    out = compute_target_response(pd.Series([sod]), baseline_sod=[base], nadir_sod=[nadir],
                                  nonnodal_sod=[nonnodal], all_nodes_lt10=[nodes_lt10], any_ne=[any_ne])
    assert out.tolist() == [expected]


def test_compute_target_response_keeps_index():
    """The result is aligned with the input Series (no relabelling)."""
    out = compute_target_response(pd.Series([0.0], index=[7]), baseline_sod=[10.0], nadir_sod=[10.0],
                                  nonnodal_sod=[0.0], all_nodes_lt10=[True], any_ne=[False])
    assert out.index.tolist() == [7]


def test_compute_target_response_rejects_length_mismatch():
    """Arguments of different lengths are a programming error."""
    with pytest.raises(DerivationError, match="nadir_sod"):
        compute_target_response(pd.Series([1.0]), baseline_sod=[1.0], nadir_sod=[1.0, 2.0], nonnodal_sod=[1.0],
                                all_nodes_lt10=[True], any_ne=[False])


def test_derive_var_nadir_is_smallest_previous_sum_including_baseline():
    """Nadir = smallest SoD before the assessment, baseline included; NE sums are skipped (RECIST 1.1 §4.3.1)."""
    df = pd.DataFrame({"USUBJID": ["S1",  "S1",  "S1",   "S1",  "S2",  "S2"],
                       "ADY":     [-3,    28,    56,     84,    -1,    28],
                       "AVAL":    [100.0, 80.0,  np.nan, 90.0,  50.0,  40.0]})
    out = derive_var_nadir(df, by=["USUBJID"], order=["ADY"])
    np.testing.assert_allclose(out["NADIR"], [np.nan, 100.0, 80.0, 80.0, np.nan, 50.0], equal_nan=True)


# ------------------------------------------------------------------ overall response (Tables 1 and 2)

TABLE_1 = [
    ("CR", "CR",            "N", "CR"),
    ("CR", "NON-CR/NON-PD", "N", "PR"),
    ("CR", "NE",            "N", "PR"),
    ("PR", "CR",            "N", "PR"),
    ("PR", "NON-CR/NON-PD", "N", "PR"),
    ("PR", "NE",            "N", "PR"),
    ("SD", "CR",            "N", "SD"),
    ("SD", "NON-CR/NON-PD", "N", "SD"),
    ("SD", "NE",            "N", "SD"),
    ("NE", "CR",            "N", "NE"),
    ("NE", "NON-CR/NON-PD", "N", "NE"),
    ("PD", "CR",            "N", "PD"),
    ("PD", "NON-CR/NON-PD", "Y", "PD"),
    ("PD", "NE",            "N", "PD"),
    ("CR", "PD",            "N", "PD"),
    ("PR", "PD",            "Y", "PD"),
    ("NE", "PD",            "N", "PD"),
    ("CR", "CR",            "Y", "PD"),
    ("SD", "NE",            "Y", "PD"),
    ("NE", "NE",            "Y", "PD"),
]
TABLE_2 = [
    ("NA", "CR",            "N", "CR"),
    ("NA", "NON-CR/NON-PD", "N", "NON-CR/NON-PD"),
    ("NA", "NE",            "N", "NE"),
    ("NA", "PD",            "N", "PD"),
    ("NA", "CR",            "Y", "PD"),
    ("NA", "NON-CR/NON-PD", "Y", "PD"),
]


@pytest.mark.parametrize(("target", "nontarget", "new", "expected"), TABLE_1)
def test_compute_overall_response_table_1(target, nontarget, new, expected):
    """Every row of RECIST 1.1 Table 1 (target +/- non-target disease)."""
    assert compute_overall_response(pd.Series([target]), nontarget=[nontarget], new_lesion=[new]).tolist() == [expected]


@pytest.mark.parametrize(("target", "nontarget", "new", "expected"), TABLE_2)
def test_compute_overall_response_table_2(target, nontarget, new, expected):
    """Every row of RECIST 1.1 Table 2 (non-target disease only; target 'NA')."""
    assert compute_overall_response(pd.Series([target]), nontarget=[nontarget], new_lesion=[new]).tolist() == [expected]


@pytest.mark.parametrize(("target", "nontarget", "new", "expected"), [
    ("CR", "NA", "N",  "CR"),   # target-only disease: nothing else remains
    ("PR", "NA", "N",  "PR"),
    ("NA", "NA", "N",  "NE"),   # no disease at baseline
    ("PR", "CR", "NE", "NE"),   # new-lesion status not evaluated and no PD
    ("PR", "PD", "NE", "PD"),   # PD stands whatever the new-lesion status
])
def test_compute_overall_response_outside_tables(target, nontarget, new, expected):
    """Documented choices where RECIST 1.1 Tables 1-2 are silent (no non-target disease, unknown new lesions)."""
    assert compute_overall_response(pd.Series([target]), nontarget=[nontarget], new_lesion=[new]).tolist() == [expected]


def test_compute_overall_response_rejects_unknown_codes():
    """Values outside ONCRSR (e.g. a blank) must be mapped by the caller, not guessed."""
    with pytest.raises(DerivationError, match=r"nontarget: value\(s\) \['', 'NON-PD'\]"):
        compute_overall_response(pd.Series(["PR", "PR"]), nontarget=["NON-PD", ""], new_lesion=["N", "N"])


# ------------------------------------------------------------------ best overall response (Table 3)
# Reference date 2025-01-01 (Day 1 = infusion); day offsets: 2025-01-29 = +28, 2025-02-19 = +49,
# 2025-02-26 = +56; SD minimum 42 days, confirmation 28 days.

def _ovr(dates, responses):
    return pd.DataFrame({"USUBJID": ["S1"] * len(dates), "ADT": pd.to_datetime(dates), "AVALC": responses,
                         "TRTSDT": pd.to_datetime(["2025-01-01"] * len(dates))})


TABLE_3 = [
    # first time point, subsequent time point, expected confirmed BOR, its ADT, issue codes
    (["2025-01-29", "2025-02-26"], ["CR", "CR"], "CR", "2025-01-29", []),
    (["2025-01-29", "2025-02-26"], ["CR", "PR"], "SD", "2025-02-26", ["RECIST_CR_THEN_PR"]),
    (["2025-01-29", "2025-02-26"], ["CR", "SD"], "SD", "2025-02-26", ["RECIST_CR_THEN_SD"]),
    (["2025-01-29", "2025-02-26"], ["CR", "PD"], "PD", "2025-02-26", []),  # SD minimum not met
    (["2025-02-19", "2025-03-19"], ["CR", "PD"], "SD", "2025-02-19", []),  # SD minimum met (CR at +49)
    (["2025-01-29", "2025-02-26"], ["CR", "NE"], "NE", "2025-01-29", []),
    (["2025-02-19", "2025-03-19"], ["CR", "NE"], "SD", "2025-02-19", []),
    (["2025-01-29", "2025-02-26"], ["PR", "CR"], "PR", "2025-01-29", []),
    (["2025-01-29", "2025-02-26"], ["PR", "PR"], "PR", "2025-01-29", []),
    (["2025-01-29", "2025-02-26"], ["PR", "SD"], "SD", "2025-02-26", []),
    (["2025-01-29", "2025-02-26"], ["PR", "PD"], "PD", "2025-02-26", []),
    (["2025-02-19", "2025-03-19"], ["PR", "PD"], "SD", "2025-02-19", []),
    (["2025-01-29", "2025-02-26"], ["PR", "NE"], "NE", "2025-01-29", []),
    (["2025-02-19", "2025-03-19"], ["PR", "NE"], "SD", "2025-02-19", []),
    (["2025-01-29", "2025-02-26"], ["NE", "NE"], "NE", "2025-01-29", []),
]


@pytest.mark.parametrize(("dates", "responses", "avalc", "adt", "codes"), TABLE_3)
def test_derive_param_confirmed_bor_table_3(dates, responses, avalc, adt, codes):
    """Every row of RECIST 1.1 Table 3 (confirmation >= 28 days, SD minimum 42 days from Day 1)."""
    bor, issues = derive_param_confirmed_bor(_ovr(dates, responses), by=["USUBJID"], date="ADT", response="AVALC",
                                             ref_date="TRTSDT")
    assert bor[["USUBJID", "AVALC"]].values.tolist() == [["S1", avalc]]
    assert bor["ADT"].tolist() == [pd.Timestamp(adt)]
    assert [i.code for i in issues] == codes


@pytest.mark.parametrize(("dates", "responses", "avalc"), [
    (["2025-01-29", "2025-02-25"], ["PR", "PR"], "SD"),                        # 27 days: not confirmed
    (["2025-01-29", "2025-02-26", "2025-03-26"], ["CR", "NE", "CR"], "CR"),    # NE between is allowed
    (["2025-01-29", "2025-02-26", "2025-03-26"], ["PR", "SD", "PR"], "SD"),    # SD breaks PR confirmation
    (["2025-01-29", "2025-02-26", "2025-03-26"], ["PR", "PD", "PR"], "PD"),    # nothing after PD counts
    (["2024-12-27", "2025-01-29"], ["PR", "PR"], "NE"),                        # pre-infusion scan ignored
    (["2025-01-29", "2025-02-26"], ["NON-CR/NON-PD", "NON-CR/NON-PD"], "NON-CR/NON-PD"),
    (["2025-01-29"], ["NON-CR/NON-PD"], "NE"),                                 # before the 42-day minimum
])
def test_derive_param_confirmed_bor_confirmation_cases(dates, responses, avalc):
    """Confirmation needs a response >= 28 days on, only CR/PR/NE between, nothing after PD (RECIST 1.1 §4.4.2)."""
    bor, _ = derive_param_confirmed_bor(_ovr(dates, responses), by=["USUBJID"], date="ADT", response="AVALC",
                                        ref_date="TRTSDT")
    assert bor["AVALC"].tolist() == [avalc]


NE_CASES = [
    # responses at +28, +56, +84, +112 days; expected confirmed BOR with max_nr_ne = 1 (default) and 2
    (["PR", "NE", "PR"], "PR", "PR"),
    (["PR", "NE", "NE", "PR"], "SD", "PR"),   # admiralonco max_nr_ne = 1: two NE break the confirmation
    (["CR", "NE", "CR"], "CR", "CR"),
    (["CR", "NE", "NE", "CR"], "SD", "CR"),
    (["PR", "NE", "NE", "CR"], "SD", "PR"),
]


@pytest.mark.parametrize(("responses", "with_one", "with_two"), NE_CASES)
def test_derive_param_confirmed_bor_counts_the_ne_between_response_and_confirmation(responses, with_one, with_two):
    """At most `max_nr_ne` NE assessments between a response and its confirmation (admiralonco max_nr_ne)."""
    dates = ["2025-01-29", "2025-02-26", "2025-03-26", "2025-04-23"][:len(responses)]
    args = dict(by=["USUBJID"], date="ADT", response="AVALC", ref_date="TRTSDT")
    assert derive_param_confirmed_bor(_ovr(dates, responses), **args)[0]["AVALC"].tolist() == [with_one]
    assert derive_param_confirmed_bor(_ovr(dates, responses), **args, max_nr_ne=2)[0]["AVALC"].tolist() == [with_two]


def test_derive_param_confirmed_bor_max_gap_limits_confirmation():
    """With max_gap, a confirming PR 112 days after the first is too late (protocol-defined window)."""
    df = _ovr(["2025-01-29", "2025-05-21"], ["PR", "PR"])
    bor, _ = derive_param_confirmed_bor(df, by=["USUBJID"], date="ADT", response="AVALC", ref_date="TRTSDT",
                                        max_gap=84)
    assert bor["AVALC"].tolist() == ["SD"]


def test_derive_param_confirmed_bor_one_row_per_subject_with_set_values():
    """One record per subject in first-appearance order, carrying the constant PARAMCD."""
    df = pd.DataFrame({"USUBJID": ["S2",         "S1",         "S2"],
                       "ADT": pd.to_datetime(["2025-01-29", "2025-01-29", "2025-02-26"]),
                       "AVALC":   ["PR",         "PD",         "PR"],
                       "TRTSDT": pd.to_datetime(["2025-01-01"] * 3)})
    bor, _ = derive_param_confirmed_bor(df, by=["USUBJID"], date="ADT", response="AVALC", ref_date="TRTSDT",
                                        set_values={"PARAMCD": "CBOR"})
    assert bor[["USUBJID", "AVALC", "PARAMCD"]].values.tolist() == [["S2", "PR", "CBOR"], ["S1", "PD", "CBOR"]]


def test_derive_param_confirmed_bor_rejects_two_responses_on_one_date():
    """Two different responses on one date must be resolved first (e.g. worst per date, ANL01FL)."""
    with pytest.raises(DerivationError, match="same ADT"):
        derive_param_confirmed_bor(_ovr(["2025-01-29", "2025-01-29"], ["PR", "SD"]), by=["USUBJID"], date="ADT",
                                   response="AVALC", ref_date="TRTSDT")


def test_derive_param_confirmed_bor_rejects_unknown_response():
    """Responses outside ONCRSR are rejected, not guessed."""
    with pytest.raises(DerivationError, match="'UNK'"):
        derive_param_confirmed_bor(_ovr(["2025-01-29"], ["UNK"]), by=["USUBJID"], date="ADT", response="AVALC",
                                   ref_date="TRTSDT")


@pytest.mark.parametrize(("dates", "responses", "avalc", "adt"), [
    (["2025-01-29", "2025-02-26"], ["PR", "PD"], "PR", "2025-01-29"),          # no confirmation needed
    (["2025-01-29", "2025-02-26"], ["CR", "PR"], "CR", "2025-01-29"),
    (["2025-01-29", "2025-02-26"], ["SD", "PD"], "PD", "2025-02-26"),          # SD too early
    (["2025-01-29"], ["SD"], "NE", "2025-01-29"),
    (["2025-02-26"], ["SD"], "SD", "2025-02-26"),
    (["2025-01-29", "2025-02-26"], ["PD", "CR"], "PD", "2025-01-29"),          # nothing after PD counts
    (["2025-02-26"], ["NON-CR/NON-PD"], "NON-CR/NON-PD", "2025-02-26"),
])
def test_derive_param_bor_unconfirmed(dates, responses, avalc, adt):
    """Unconfirmed BOR: best of CR > PR > SD (>= 42 d) > NON-CR/NON-PD (>= 42 d) > PD > NE (RECIST 1.1 §4.4.2)."""
    bor = derive_param_bor(_ovr(dates, responses), by=["USUBJID"], date="ADT", response="AVALC", ref_date="TRTSDT")
    assert bor["AVALC"].tolist() == [avalc]
    assert bor["ADT"].tolist() == [pd.Timestamp(adt)]


def test_confirmed_bor_subjects_interleaved_in_time_keep_first_appearance_order():
    """Two subjects whose assessments interleave by date: one row each, in the order their first assessment
    appears (by date), each judged on its own records only. S2: PR d28, PR d56 -> confirmed PR dated d28;
    S1: SD d42 then PD -> SD; a third subject assessed only before TRTSDT -> NE dated at its first assessment."""
    ref = pd.Timestamp("2025-01-01")
    days = {"S1": [42, 70], "S2": [28, 56], "S3": [-5]}
    resp = {"S1": ["SD", "PD"], "S2": ["PR", "PR"], "S3": ["CR"]}
    rows = [(s, ref + pd.Timedelta(days=d), r) for s in ("S1", "S3", "S2")
            for d, r in zip(days[s], resp[s], strict=True)]
    df = pd.DataFrame(rows, columns=["USUBJID", "ADT", "AVALC"]).assign(TRTSDT=ref)
    bor, issues = derive_param_confirmed_bor(df, by=["USUBJID"], date="ADT", response="AVALC", ref_date="TRTSDT")
    assert bor["USUBJID"].tolist() == ["S3", "S2", "S1"]
    assert bor["AVALC"].tolist() == ["NE", "PR", "SD"]
    assert bor["ADT"].dt.strftime("%Y-%m-%d").fillna("").tolist() == ["", "2025-01-29", "2025-02-12"]
    assert issues == []
