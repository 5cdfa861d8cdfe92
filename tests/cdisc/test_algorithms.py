import doctest

import numpy as np
import pandas as pd
import pytest

import cdisc.distinct
from cdisc.algorithms import censored_parts, map_ct, numeric_result
from cdisc.distinct import (
    by_distinct,
    distinct_rows,
    either,
    in_order_of_appearance,
    mapped,
    sorted_distinct,
    subject_values,
    text_extreme,
)
from cdisc.errors import MappingError
from cdisc.spec.model import Codelist, Term


def test_by_distinct_computes_once_per_value_and_keeps_the_index():
    """Each distinct value is computed once; every row gets its value's result, on the input's index."""
    seen = []

    def upper(d: pd.Series) -> pd.Series:
        seen.append(d.tolist())
        return d.str.upper()

    out = by_distinct(pd.Series(["b", "a", "b", "a"], index=[10, 11, 12, 13]), upper)
    assert seen == [["b", "a"]]
    assert out.to_dict() == {10: "B", 11: "A", 12: "B", 13: "A"}


def test_by_distinct_tells_zero_from_negative_zero():
    """0.0 and -0.0 are equal but print differently: each keeps its own text; NaN is a value of its own."""
    out = by_distinct(pd.Series([0.0, -0.0, np.nan, 0.0]), lambda d: d.map(str))
    assert out.tolist() == ["0.0", "-0.0", "nan", "0.0"]


def test_by_distinct_on_a_frame_takes_distinct_rows():
    """A frame is computed once per distinct row."""
    frame = pd.DataFrame({"A": ["x", "x", "y", "x"], "B": ["1", "2", "1", "1"]})
    out = by_distinct(frame, lambda d: pd.DataFrame({"AB": d["A"] + d["B"], "N": [len(d)] * len(d)}))
    assert out["AB"].tolist() == ["x1", "x2", "y1", "x1"]
    assert out["N"].tolist() == [3, 3, 3, 3]


def test_by_distinct_text_results_keep_their_codes():
    """An Arrow text result spread to the records brings its codes, as pd.factorize gives them: two inputs with
    one result share a code, a missing result is a value of its own, codes in order of first appearance."""
    values = pd.Series(["b", "c", "a", "b", "d", "a"], dtype="str")
    result = {"a": "X", "b": "Y", "c": "X", "d": None}
    out = by_distinct(values, lambda d: d.map(result).astype("str"))
    assert out.tolist()[:4] == ["Y", "X", "X", "Y"] and pd.isna(out.iloc[4])
    codes, uniques = cdisc.distinct._arrow_codes.known(out)
    assert codes.tolist() == [0, 1, 1, 0, 2, 1]
    assert list(uniques)[:2] == ["Y", "X"] and pd.isna(list(uniques)[2])


def test_distinct_rows_of_a_frame_number_its_distinct_rows_as_they_first_appear():
    """Rows are equal when every column is: a missing value equals a missing value, 0.0 equals -0.0 within a
    frame (pandas' factorize of the column), and the columns may be of any kind."""
    frame = pd.DataFrame({"T": pd.Series(["a", "b", "a", None, "a", None], dtype=object),
                          "U": pd.Series(["x", "x", "x", "y", "z", "y"], dtype="string[pyarrow]"),
                          "N": [0.0, 1.0, -0.0, np.nan, 0.0, np.nan]})
    codes, first = distinct_rows(frame)
    assert codes.tolist() == [0, 1, 0, 2, 3, 2]
    assert first.tolist() == [0, 1, 3, 4]


def test_subject_values_gives_each_record_its_subject_s_value():
    adsl = pd.DataFrame({"USUBJID": ["S1", "S2"], "DTHDT": [23000.0, np.nan]})
    out = subject_values(pd.Series(["S2", "S1", "S9", "S1"], index=[7, 8, 9, 10]), adsl, "DTHDT")
    assert out.index.tolist() == [7, 8, 9, 10]
    assert out.tolist()[1::2] == [23000.0, 23000.0] and out.iloc[[0, 2]].isna().all()


def test_the_distinct_module_s_examples_run():
    """Every `>>>` example of cdisc.distinct's docstrings passes doctest."""
    result = doctest.testmod(cdisc.distinct)
    assert result.failed == 0
    assert result.attempted >= 13


def test_distinct_rows_codes_in_order_of_first_appearance_and_first_rows():
    """Codes number the distinct values as they first appear; `first` is each code's first row; -0.0 is not 0.0."""
    codes, first = distinct_rows(pd.Series([-0.0, 2.5, 0.0, 2.5, np.nan, -0.0]))
    assert codes.tolist() == [0, 1, 2, 1, 3, 0]
    assert first.tolist() == [0, 1, 2, 4]
    codes, first = distinct_rows(pd.Series([], dtype=object))
    assert (codes.tolist(), first.tolist()) == ([], [])


def test_in_order_of_appearance_renumbers_the_values_records_hold_as_they_first_appear():
    """`values[codes]` is c a c d c: c first (0), then a (1), then d (2); b, which no record holds, is left out."""
    values = np.array(["a", "b", "c", "d"], dtype=object)
    codes, used = in_order_of_appearance(np.array([2, 0, 2, 3, 2]), values)
    assert (codes.tolist(), used.tolist()) == ([0, 1, 0, 2, 0], ["c", "a", "d"])
    codes, used = in_order_of_appearance(np.array([], dtype=np.intp), values)
    assert (codes.tolist(), used.tolist()) == ([], [])


def test_mapped_looks_up_each_record_s_value_and_keeps_the_index():
    """Each subject's reference date for every record; an unknown key is missing, as Series.map gives it."""
    reference = pd.Series(["2025-01-02", "2025-03-04"], index=pd.Index(["S1", "S2"], name="USUBJID"))
    subjects = pd.Series(["S2", "S1", "S2", "S9"], index=[10, 11, 12, 13], dtype="string[pyarrow]")
    out = mapped(subjects, reference)
    assert out.index.tolist() == [10, 11, 12, 13]
    assert out.iloc[:3].tolist() == ["2025-03-04", "2025-01-02", "2025-03-04"]
    assert pd.isna(out.iloc[3])


def test_mapped_calls_a_function_once_per_distinct_value():
    seen = []

    def text(day: float) -> str:
        seen.append(day)
        return f"{day:.0f}"

    assert mapped(pd.Series([3.0, 1.0, 3.0, 3.0]), text).tolist() == ["3", "1", "3", "3"]
    assert seen == [3.0, 1.0]


def test_either_is_np_where_of_two_texts_as_pandas_makes_it():
    chosen = either(pd.Series([True, False, True]), "LBSTRESN", "LBSTRESC")
    assert list(chosen) == ["LBSTRESN", "LBSTRESC", "LBSTRESN"]
    assert pd.Series(chosen).equals(pd.Series(np.where([True, False, True], "LBSTRESN", "LBSTRESC")))
    assert list(either(np.array([], dtype=bool), "Y")) == []


def test_sorted_distinct_is_each_value_once_in_order():
    assert sorted_distinct(np.array([7, 3, 7, 1, 3], dtype=np.int64)).tolist() == [1, 3, 7]
    assert sorted_distinct(np.array([], dtype=np.int64)).tolist() == []


def test_text_extreme_is_the_smallest_or_largest_text_of_each_group():
    """Sorted as text ('' < '2024-01' < '2024-01-05' < 'mL' < 'ng/mL'); a missing value counts for nothing, a group
    of none is missing, and a record without a key is in no group (as pandas' groupby min and max)."""
    values = pd.Series(["", "ng/mL", "mL", "", None, None, "x", "2024-01-05", "2024-01"], name="U")
    keys = pd.Series(["a", "a", "a", "b", "c", "c", None, "d", "d"], name="K")
    largest = text_extreme(values, keys, "max")
    assert largest.to_dict() == {"a": "ng/mL", "b": "", "c": largest["c"], "d": "2024-01-05"}
    assert pd.isna(largest["c"]) and largest.index.name == "K" and largest.name == "U"
    assert text_extreme(values, keys, "min").dropna().to_dict() == {"a": "", "b": "", "d": "2024-01"}
    seen = text_extreme(pd.Series(["x", "y", "z"]), pd.Series(["b", "a", "b"]), "max", sort=False)
    assert seen.to_dict() == {"b": "z", "a": "y"} and seen.index.tolist() == ["b", "a"]


def test_text_extreme_transform_gives_each_record_its_group_s():
    values = pd.Series(["", "ng/mL", "mL", "", None, None, "x"], index=[5, 6, 7, 8, 9, 10, 11])
    keys = [pd.Series(["a", "a", "a", "b", "c", "c", None], index=values.index)]
    out = text_extreme(values, keys, "max", transform=True)
    assert out.tolist()[:4] == ["ng/mL", "ng/mL", "ng/mL", ""]
    assert out.iloc[4:].isna().tolist() == [True, True, True]
    assert out.index.equals(values.index)


def test_censored_parts_sign_and_number():
    """The sign of a censored result and the number after it (blanks after the sign dropped); text is NaN."""
    out = censored_parts(pd.Series(["<0.5", ">= 1000", "12", "NEGATIVE", ""]))
    assert out["SIGN"].tolist() == ["<", ">=", "", "", ""]
    assert out["NUMBER"].fillna(-1).tolist() == [0.5, 1000.0, 12.0, -1, -1]


SEX = Codelist(id="SEX", name="Sex", nci_code="C66731", data_type="text",
               terms=(Term(term="F", collected=("Female",)), Term(term="M", collected=("Male",))))


def test_map_ct_maps_collected_values_and_terms_and_keeps_blanks():
    assert map_ct(pd.Series(["Female", "M", "", "Male"]), SEX, source="dm.csv SEX").tolist() == ["F", "M", "", "M"]


def test_map_ct_names_unknown_values_and_the_raw_rows_holding_them():
    """Rows 7 and 9 hold values the codelist does not know (no guessing: 'female' is not 'Female')."""
    values = pd.Series(["Female", "female", "Male", "Unknown"], index=[10, 11, 12, 13])
    with pytest.raises(MappingError) as info:
        map_ct(values, SEX, source="dm_raw.csv IT.SEX", rows=pd.Series([5, 7, 8, 9], index=[10, 11, 12, 13]))
    assert str(info.value) == ("dm_raw.csv IT.SEX: value(s) ['Unknown', 'female'] are not terms or collected values "
                               "of codelist SEX (row 7 'female', row 9 'Unknown'); add them to the codelist's "
                               "Collected Values in the spec")
    with pytest.raises(MappingError, match=r"codelist SEX; add them"):  # no rows given: none named
        map_ct(values, SEX, source="design.csv SEX")


def test_require_range_names_a_range_typed_the_wrong_way_round():
    """Row 4: 99.5 > 9.50; an open range (a blank limit) and equal limits are fine."""
    from cdisc.algorithms import require_range

    low, high = pd.Series(["3.5", "99.5", "", "2"]), pd.Series(["9.5", "9.50", "8", "2"])
    with pytest.raises(MappingError) as info:
        require_range(low, high, source="lb.csv LBORNRLO/LBORNRHI", rows=pd.Series([2, 4, 5, 6]))
    assert str(info.value) == ("lb.csv LBORNRLO/LBORNRHI: 1 range(s) have the lower limit above the upper one "
                               "(row 4 '99.5 > 9.50'); correct them in the export")
    require_range(low.drop(1), high.drop(1), source="lb.csv", rows=pd.Series([2, 5, 6], index=[0, 2, 3]))


@pytest.mark.parametrize("dtype", [object, "str"])
def test_numeric_result_reads_decimal_numbers_only(dtype):
    results = pd.Series(["12", "-3.5", "1.5e-3", ".5", "+7.", "<0.5", "NEGATIVE", "", " 5", "1_0", "inf", "12",
                         "12\n"], index=range(10, 23), dtype=dtype)
    got = numeric_result(results)
    assert got.index.tolist() == list(range(10, 23))
    assert got.tolist()[:5] == [12.0, -3.5, 0.0015, 0.5, 7.0]
    assert got.iloc[5:11].isna().all()
    assert got.iloc[11] == 12.0
    assert pd.isna(got.iloc[12])  # a trailing line break is no number (the raw reader's DECIMAL, whole value)
