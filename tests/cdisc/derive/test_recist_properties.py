"""RECIST 1.1 time-point and confirmation tables as properties (Eisenhauer et al., Eur J Cancer 2009;45:228-247).

The time-point tables are written out below as literal tables (Table 1: target +/- non-target disease; Table 2:
non-target disease only) and checked row by row on random vectors; the target response is checked in exact
integer millimetres. Best overall response is checked by what must hold whatever the assessments are.
"""
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from cdisc.derive.recist import (
    NEW_LESION_VALUES,
    NONTARGET_VALUES,
    TARGET_VALUES,
    compute_overall_response,
    compute_target_response,
    derive_param_bor,
    derive_param_confirmed_bor,
)

PROPERTY = settings(max_examples=60, deadline=None)
NON_PD = ("CR", "NON-CR/NON-PD", "NE")
# RECIST 1.1 Table 1 (no new lesion, no PD): (target, non-target) -> overall
TABLE_1 = {("CR", "CR"): "CR", ("CR", "NON-CR/NON-PD"): "PR", ("CR", "NE"): "PR",
           **{("PR", nt): "PR" for nt in NON_PD}, **{("SD", nt): "SD" for nt in NON_PD},
           **{("NE", nt): "NE" for nt in NON_PD},
           # target-only disease (non-target "NA") reads as non-target CR
           ("CR", "NA"): "CR", ("PR", "NA"): "PR", ("SD", "NA"): "SD", ("NE", "NA"): "NE"}
# RECIST 1.1 Table 2 (non-target disease only, target "NA"; no new lesion, no PD); no disease at all is NE
TABLE_2 = {("NA", "CR"): "CR", ("NA", "NON-CR/NON-PD"): "NON-CR/NON-PD", ("NA", "NE"): "NE", ("NA", "NA"): "NE"}


def _overall(target: str, nontarget: str, new: str) -> str:
    """The tables: PD in any component or a new lesion is PD; an unevaluated new-lesion status is NE."""
    if "PD" in (target, nontarget) or new == "Y":
        return "PD"
    if new == "NE":
        return "NE"
    return {**TABLE_1, **TABLE_2}[(target, nontarget)]


@PROPERTY
@given(st.lists(st.tuples(st.sampled_from(TARGET_VALUES), st.sampled_from(NONTARGET_VALUES),
                          st.sampled_from(NEW_LESION_VALUES)), min_size=1, max_size=30),
       st.integers(min_value=-5, max_value=100))
def test_overall_response_follows_recist_tables_1_and_2_row_by_row(rows, start):
    """Each time point gets its table's answer, whatever the other rows and the index are."""
    index = pd.RangeIndex(start, start + len(rows))
    target = pd.Series([t for t, _, _ in rows], index=index)
    result = compute_overall_response(target, nontarget=[n for _, n, _ in rows], new_lesion=[w for _, _, w in rows])
    assert result.index.equals(index)
    assert result.tolist() == [_overall(*r) for r in rows]


MM = st.integers(min_value=0, max_value=400)


@PROPERTY
@given(st.lists(st.tuples(MM, MM, MM, st.integers(min_value=0, max_value=400), st.booleans(), st.booleans()),
                min_size=1, max_size=30))
def test_target_response_in_exact_millimetres(rows):
    """RECIST 1.1 §4.3.1 in integer arithmetic: PD when SoD - nadir >= 5 mm and >= 20 % of the nadir (5 mm alone
    with a nadir of 0), first; else NE when a lesion was not evaluated or there is no baseline disease; else CR when
    every non-nodal lesion is gone and every node is < 10 mm; else PR when SoD <= 70 % of baseline; else SD."""
    sod, base, nadir, nonnodal, nodes_ok, ne = (pd.Series([r[i] for r in rows]) for i in range(6))
    nonnodal = pd.concat([nonnodal, sod], axis=1).min(axis=1)  # non-nodal diameters are part of the SoD
    nadir = pd.concat([nadir, base], axis=1).min(axis=1)  # the nadir includes the baseline
    result = compute_target_response(sod.astype(float), baseline_sod=base.astype(float),
                                     nadir_sod=nadir.astype(float), nonnodal_sod=nonnodal.astype(float),
                                     all_nodes_lt10=nodes_ok, any_ne=ne)
    expected = []
    for s, b, n, nn, ok, not_evaluated in zip(sod, base, nadir, nonnodal, nodes_ok, ne, strict=True):
        if s - n >= 5 and 5 * (s - n) >= n:
            expected.append("PD")
        elif not_evaluated or b <= 0:
            expected.append("NE")
        elif nn == 0 and ok:
            expected.append("CR")
        elif 10 * s <= 7 * b:
            expected.append("PR")
        else:
            expected.append("SD")
    assert result.tolist() == expected


RESPONSES = st.sampled_from(["CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE"])
RANK = {"CR": 5, "PR": 4, "SD": 3, "NON-CR/NON-PD": 2, "PD": 1, "NE": 0}
REF = pd.Timestamp("2025-01-01")


@st.composite
def histories(draw, min_day=1):
    """One subject's assessments: distinct study days after infusion (1-400), a response each."""
    days = draw(st.lists(st.integers(min_value=min_day, max_value=400), min_size=1, max_size=8, unique=True))
    return [(d, draw(RESPONSES)) for d in sorted(days)]


def _frame(subjects: dict[str, list[tuple[int, str]]]) -> pd.DataFrame:
    rows = [(s, REF + pd.Timedelta(days=d), r) for s, h in subjects.items() for d, r in h]
    return pd.DataFrame(rows, columns=["USUBJID", "ADT", "AVALC"]).assign(TRTSDT=REF)


def _best(subjects: dict[str, list[tuple[int, str]]]) -> tuple[dict, dict]:
    df = _frame(subjects)
    kw = {"by": ["USUBJID"], "date": "ADT", "response": "AVALC", "ref_date": "TRTSDT"}
    confirmed, _ = derive_param_confirmed_bor(df, **kw)
    unconfirmed = derive_param_bor(df, **kw)
    return (dict(zip(confirmed["USUBJID"], zip(confirmed["AVALC"], confirmed["ADT"], strict=True), strict=True)),
            dict(zip(unconfirmed["USUBJID"], zip(unconfirmed["AVALC"], unconfirmed["ADT"], strict=True), strict=True)))


@PROPERTY
@given(st.dictionaries(st.sampled_from(["S1", "S2", "S3"]), histories(), min_size=1))
def test_confirmed_bor_is_never_better_than_bor_and_subjects_do_not_mix(subjects):
    """Confirmation can only lower the best response; each subject's answer is the one it gets alone; a subject
    with a single assessment never has a confirmed CR or PR; the date is one of the subject's assessments."""
    confirmed, unconfirmed = _best(subjects)
    for subject, history in subjects.items():
        assert RANK[confirmed[subject][0]] <= RANK[unconfirmed[subject][0]]
        assert _best({subject: history}) == ({subject: confirmed[subject]}, {subject: unconfirmed[subject]})
        assert confirmed[subject][1] in {REF + pd.Timedelta(days=d) for d, _ in history}
        if len(history) == 1:
            assert confirmed[subject][0] not in ("CR", "PR")


@PROPERTY
@given(histories(), histories(), st.lists(st.tuples(st.integers(min_value=-60, max_value=-1), RESPONSES),
                                          max_size=3, unique_by=lambda x: x[0]))
def test_assessments_before_infusion_or_after_the_first_pd_do_not_count(history, later, before):
    """Responses dated before the reference date, or after the first progression, change neither BOR nor CBOR."""
    first_pd = next((d for d, r in history if r == "PD"), None)
    extended = list(before) + history
    if first_pd is not None:
        extended += [(first_pd + d, r) for d, r in later if first_pd + d not in {x for x, _ in history}]
    assert _best({"S1": extended}) == _best({"S1": history})


@PROPERTY
@given(st.integers(min_value=1, max_value=200), st.integers(min_value=1, max_value=60))
def test_a_cr_is_confirmed_by_a_cr_at_least_28_days_later(first, gap):
    """CR then CR `gap` days later: confirmed CR when gap >= 28 (dated at the first CR), otherwise not CR."""
    confirmed, unconfirmed = _best({"S1": [(first, "CR"), (first + gap, "CR")]})
    assert unconfirmed["S1"] == ("CR", REF + pd.Timedelta(days=first))
    assert (confirmed["S1"][0] == "CR") == (gap >= 28)
