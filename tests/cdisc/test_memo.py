"""The CORE engine's per-column memo: computed once per column memory, never reused for other memory."""
import gc

import numpy as np
import pandas as pd
import pytest

from cdisc import memo

calls: list[int] = []


@memo.per_column
def lengths(s: pd.Series) -> np.ndarray:
    calls.append(len(s))
    return s.str.len().to_numpy()


@memo.per_column
def upper(s: pd.Series) -> pd.Series:
    calls.append(len(s))
    return s.str.upper().rename("UP")


def setup_function() -> None:
    calls.clear()


def test_a_column_and_a_shallow_copy_of_its_frame_share_one_computation():
    df = pd.DataFrame({"A": ["ab", "c", "def"]}, dtype=object)
    copy = df.copy(deep=False)
    assert lengths(df["A"]).tolist() == [2, 1, 3]
    assert lengths(copy["A"]).tolist() == [2, 1, 3]
    assert calls == [3]


def test_equal_values_in_other_memory_are_computed_again():
    first = pd.Series(["ab", "c"], dtype=object)
    second = pd.Series(["ab", "c"], dtype=object)
    lengths(first)
    lengths(second)
    assert calls == [2, 2]


def test_a_freed_column_is_forgotten():
    s = pd.Series(["xyz"], dtype=object)
    lengths(s)
    gc.collect()  # the other tests' columns first
    before = len(memo._RESULTS)
    del s
    gc.collect()
    assert len(memo._RESULTS) == before - 1


def test_a_column_whose_results_are_kept_cannot_change_behind_them():
    """The memory a result was kept for is made read-only: writing into it in place fails loudly (a kept result
    would otherwise describe values no longer there, and finalize writes text from kept codes); a copy of the
    frame can be written, and its column is computed again."""
    df = pd.DataFrame({"A": ["ab", "c"], "B": [1, 2]}, dtype=object)
    assert lengths(df["A"]).tolist() == [2, 1]
    with pytest.raises(ValueError, match="read-only"):
        df.loc[1, "A"] = "xyz"
    copy = df.copy()
    copy.loc[1, "A"] = "xyz"
    assert lengths(copy["A"]).tolist() == [2, 3]
    assert lengths(df["A"]).tolist() == [2, 1]
    assert calls == [2, 2]


def test_shared_arrays_are_read_only():
    s = pd.Series(["ab"], dtype=object)
    with pytest.raises(ValueError, match="read-only"):
        lengths(s)[0] = 7


def test_a_series_result_takes_the_index_of_the_series_asked_about():
    df = pd.DataFrame({"A": ["a", "b"]}, index=[10, 11], dtype=object)
    assert upper(df["A"]).to_dict() == {10: "A", 11: "B"}
    again = upper(df.set_index(pd.Index([5, 6]))["A"])
    assert again.to_dict() == {5: "A", 6: "B"}
    assert again.name == "UP"
    assert calls == [2]


def test_arrow_backed_text_is_memoised_in_any_frame_that_holds_its_arrays():
    """Arrow arrays cannot change: the same column asked about again, or taken into another frame by `pd.concat`
    (a new ChunkedArray of the same chunks), is not computed again; equal text in other arrays is."""
    s = pd.Series(["a", "bc"], dtype="str")
    lengths(s)
    lengths(s)
    frame = pd.concat([s.rename("A").to_frame(), pd.Series([1, 2], name="B")], axis=1)
    assert lengths(frame["A"]).tolist() == [1, 2]
    lengths(pd.Series(["a", "bc"], dtype="str"))
    assert calls == [2, 2]


def test_a_freed_arrow_column_is_forgotten():
    s = pd.Series(["xyz"], dtype="str")
    lengths(s)
    gc.collect()
    before = len(memo._RESULTS)
    del s
    gc.collect()
    assert len(memo._RESULTS) == before - 1


@memo.per_column
def itself(s: pd.Series) -> pd.Series:
    return s


def test_a_result_that_is_the_column_itself_does_not_keep_the_column_alive():
    s = pd.Series(["xyz"], dtype=object)
    assert itself(s) is s
    before = len(memo._RESULTS)
    del s
    gc.collect()
    assert len(memo._RESULTS) == before - 1


def test_a_remembered_result_is_given_without_computing_it():
    """`remember` keeps a result a caller had anyway; asking for it then computes nothing."""
    column = pd.Series(["ab", "c"], dtype=object)
    lengths.remember(column, np.array([9, 9]))
    assert lengths(column).tolist() == [9, 9] and calls == []


def test_encoding_a_text_column_for_xpt_keeps_its_distinct_values_for_define_and_the_checks(monkeypatch):
    """The XPT writer's distinct values are the column's `distinct_values` (first-appearance order): read after
    it, they are not worked out again. A column with a missing value keeps none: pd.unique counts the missing value
    once, factorize leaves it out."""
    from cdisc.distinct import distinct_values
    from cdisc.transport import encode_text

    complete = pd.Series(["b", "a", "b"], dtype=object)
    gap = pd.Series(["b", None, "b"], dtype=object)
    encode_text(complete)
    encode_text(gap)
    assert distinct_values(gap).tolist() == ["b", None]
    monkeypatch.setattr(pd, "unique", lambda values: pytest.fail("distinct values worked out again"))
    assert distinct_values(complete).tolist() == ["b", "a"]


def test_a_coded_frame_unpickles_as_its_frame_with_its_text_codes_known():
    """A CodedFrame pickles its text columns as codes and comes back as the same DataFrame (column order, types,
    values); the codes given are what `text_codes` and `distinct_values` then say of each text column, without
    working them out: codes given in another order than pandas' (b before a) are kept as given."""
    import pickle

    from cdisc.distinct import CodedFrame, distinct_values, text_codes
    frame = pd.DataFrame({"N": [1.5, float("nan"), 3.0], "T": pd.Series(["a", "b", "a"], dtype=object),
                          "U": pd.Series(["x", "x", "x"], dtype=object)})  # finished text: Python strings
    codes = {"T": (np.array([1, 0, 1], dtype=np.int8), np.array(["b", "a"], dtype=object)),
             "U": (np.array([0, 0, 0], dtype=np.int8), np.array(["x"], dtype=object))}
    back = pickle.loads(pickle.dumps(CodedFrame(frame, codes)))
    pd.testing.assert_frame_equal(back, frame)
    assert back["T"].dtype == object
    assert [a.tolist() for a in text_codes(back["T"])] == [[1, 0, 1], ["b", "a"]]
    assert distinct_values(back["T"]).tolist() == ["b", "a"]
    assert [a.tolist() for a in text_codes(back["U"])] == [[0, 0, 0], ["x"]]


def test_text_codes_are_as_narrow_as_the_number_of_values_allows():
    from cdisc.distinct import text_codes
    assert text_codes(pd.Series(["a", None, "a"], dtype=object))[0].tolist() == [0, -1, 0]
    assert text_codes(pd.Series([str(i) for i in range(127)], dtype=object))[0].dtype == np.int8
    assert text_codes(pd.Series([str(i) for i in range(128)], dtype=object))[0].dtype == np.int16
    assert text_codes(pd.Series([str(i) for i in range(2 ** 15)], dtype=object))[0].dtype == np.int32


def test_distinct_codes_take_a_columns_known_text_codes_and_factorize_a_missing_value_as_its_own():
    """A finished column's remembered codes (b before a, as given) are its distinct codes; a column with a missing
    value is factorized with the missing value as a value of its own (pandas' use_na_sentinel=False)."""
    import pickle

    from cdisc.distinct import CodedFrame, distinct_codes
    frame = pd.DataFrame({"T": pd.Series(["a", "b", "a"], dtype=object)})
    codes = {"T": (np.array([1, 0, 1], dtype=np.int8), np.array(["b", "a"], dtype=object))}
    back = pickle.loads(pickle.dumps(CodedFrame(frame, codes)))
    assert [list(a) for a in distinct_codes(back["T"])] == [[1, 0, 1], ["b", "a"]]
    found, values = distinct_codes(pd.Series(["a", None, "a"], dtype=object))
    assert found.tolist() == [0, 1, 0] and values[0] == "a" and pd.isna(values[1])


def test_known_gives_a_result_only_once_worked_out_or_remembered():
    from cdisc.distinct import text_codes
    column = pd.Series(["a", "b", "a"], dtype=object)
    assert text_codes.known(column) is None
    text_codes(column)
    assert [a.tolist() for a in text_codes.known(column)] == [[0, 1, 0], ["a", "b"]]
    other = pd.Series(["a", "b", "a"], dtype=object)  # equal values, other memory
    assert text_codes.known(other) is None


def test_the_core_null_and_text_checks_read_a_finished_columns_known_codes():
    """A finished column's remembered codes say which records are blank, per distinct value (here the codes say
    the second record is the blank one); a column without known codes is looked at record by record."""
    import pickle

    from cdisc.distinct import CodedFrame
    from cdisc.validate.core.operators import _object_text, is_null
    frame = pd.DataFrame({"T": pd.Series(["a", "", "a"], dtype=object)})
    codes = {"T": (np.array([0, 1, 0], dtype=np.int8), np.array(["a", ""], dtype=object))}
    back = pickle.loads(pickle.dumps(CodedFrame(frame, codes)))
    column = back["T"]
    assert is_null(column).tolist() == [False, True, False]
    assert _object_text(column) is column  # Python text without a missing value is its own text
    assert is_null(pd.Series(["", None, "x"], dtype=object)).tolist() == [True, True, False]


def test_the_core_long_form_takes_a_finished_columns_known_distinct_values_and_makes_numbers_text():
    """A finished text column's distinct values are its known ones (b before a, as the codes give them); a number
    column's are its values as text, each once (1.0 is "1")."""
    import pickle

    from cdisc.distinct import CodedFrame
    from cdisc.validate.core.engine import _distinct_texts
    frame = pd.DataFrame({"T": pd.Series(["a", "b", "a"], dtype=object), "N": [1.0, 2.5, 1.0]})
    codes = {"T": (np.array([1, 0, 1], dtype=np.int8), np.array(["b", "a"], dtype=object))}
    back = pickle.loads(pickle.dumps(CodedFrame(frame, codes)))
    assert _distinct_texts(back["T"]).tolist() == ["b", "a"]
    assert _distinct_texts(back["N"]).tolist() == ["1", "2.5"]


def test_known_text_is_only_a_finished_columns_complete_python_text():
    """Known codes of Python text without a missing value are given; known codes with a missing value (-1) or of
    values that are not all strings, and codes never worked out, are not."""
    from cdisc.distinct import known_text, text_codes
    complete = pd.Series(["b", "a", "b"], dtype=object)
    text_codes(complete)
    assert [a.tolist() for a in known_text(complete)] == [[0, 1, 0], ["b", "a"]]
    gap = pd.Series(["b", None, "b"], dtype=object)
    text_codes(gap)
    assert known_text(gap) is None
    mixed = pd.Series(["b", 1, "b"], dtype=object)
    text_codes(mixed)
    assert known_text(mixed) is None
    assert known_text(pd.Series(["b", "a"], dtype=object)) is None
