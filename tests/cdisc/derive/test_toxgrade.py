"""Toxicity grades from criteria written as data (CTCAE v5.0 laboratory criteria; ADaMIG 1.3 ATOXGR)."""
import doctest

import numpy as np
import pandas as pd
import pytest

import cdisc.derive.toxgrade as toxgrade
from cdisc.derive.toxgrade import GradeClause, compute_toxgrade, derive_vars_atoxgr, parse_grade_criteria
from cdisc.errors import DerivationError

NEUT = "1: <LLN; 2: <1.5; 3: <1.0; 4: <0.5"  # CTCAE v5.0 Neutrophil count decreased (10^9/L)
ALT = "1: >ULN; 2: >3*ULN; 3: >5*ULN; 4: >20*ULN"  # CTCAE v5.0 ALT increased, baseline normal


def test_parse_grade_criteria_reads_numbers_and_multiples():
    """Clauses become (grade, comparator, factor, reference limit)."""
    assert parse_grade_criteria("1: <LLN; 2: <1.5") == (GradeClause(1, "<", 1.0, "LLN"), GradeClause(2, "<", 1.5, ""))
    assert parse_grade_criteria(ALT)[3] == GradeClause(4, ">", 20.0, "ULN")


@pytest.mark.parametrize("text", ["1: <LLN; 2: >3*ULN", "2: <1.5", "1: <LLN; 1: <1.5", "1: =LLN", "1: <2*3"])
def test_parse_grade_criteria_rejects_malformed_text(text):
    """Mixed directions, grades not 1, 2, ..., unknown comparators and number*number are errors."""
    with pytest.raises(DerivationError, match="grading criterion"):
        parse_grade_criteria(text)


@pytest.mark.parametrize(("value", "grade"), [
    (1.8, 0.0), (1.79, 1.0), (1.5, 1.0), (1.49, 2.0), (1.0, 2.0), (0.99, 3.0), (0.5, 3.0), (0.49, 4.0)])
def test_compute_toxgrade_follows_ctcae_band_edges_for_decreases(value, grade):
    """CTCAE '<1.5 - 1.0' is grade 2 for 1.0 <= value < 1.5 (LLN 1.8)."""
    out = compute_toxgrade(pd.Series([value]), pd.Series([1.8]), pd.Series([6.3]), parse_grade_criteria(NEUT))
    assert out.tolist() == [grade]


@pytest.mark.parametrize(("value", "grade"), [
    (40.0, 0.0), (40.1, 1.0), (120.0, 1.0), (120.1, 2.0), (200.0, 2.0), (200.1, 3.0), (800.0, 3.0), (800.1, 4.0)])
def test_compute_toxgrade_follows_ctcae_band_edges_for_increases(value, grade):
    """CTCAE '>ULN - 3.0 x ULN' is grade 1 up to and including 3 x ULN (ULN 40 U/L)."""
    out = compute_toxgrade(pd.Series([value]), pd.Series([7.0]), pd.Series([40.0]), parse_grade_criteria(ALT))
    assert out.tolist() == [grade]


def test_compute_toxgrade_is_unknown_without_the_needed_limit():
    """No LLN: 1.7 could be grade 0 or 1 (unknown) but 1.2 is grade 2 whatever the LLN; no value: unknown."""
    out = compute_toxgrade(pd.Series([1.7, 1.2, np.nan]), pd.Series([np.nan, np.nan, 1.8]), pd.Series([6.3] * 3),
                           parse_grade_criteria(NEUT))
    np.testing.assert_equal(out.tolist(), [np.nan, 2.0, np.nan])


def test_derive_vars_atoxgr_grades_censored_results_only_when_unambiguous():
    """'<0.1' is grade 4 for neutrophils; '<1.2' allows grades 2-4 (blank); ALT '>1000' is > 20 x ULN (4)."""
    df = pd.DataFrame({
        "PARAMCD": ["NEUT", "NEUT", "ALT",   "ALT", "CRP"],
        "AVAL":    [np.nan, np.nan, np.nan,  np.nan, 3.0],
        "AVALC":   ["<0.1", "<1.2", ">1000", "<30", "3"],
        "ANRLO":   [1.8,    1.8,    7.0,     7.0,   0.0],
        "ANRHI":   [6.3,    6.3,    40.0,    40.0,  5.0],
    })
    out = derive_vars_atoxgr(df, criteria={"NEUT": NEUT, "ALT": ALT}, censored="AVALC")
    assert out["ATOXGR"].tolist() == ["4", "", "4", "0", ""]
    np.testing.assert_equal(out["ATOXGRN"].tolist(), [4.0, np.nan, 4.0, 0.0, np.nan])


def test_toxgrade_docstring_examples_run():
    """The `>>>` examples of the module run (STYLE: examples stay true)."""
    assert doctest.testmod(toxgrade).failed == 0
