"""cdisc.algorithms.by_distinct as the ADaM verbs use it: elementwise functions once per distinct value."""
import numpy as np
import pandas as pd

from cdisc.distinct import by_distinct


def test_by_distinct_calls_the_function_once_per_distinct_value_nulls_included():
    """Five values, three distinct (a null among them): the function sees three values, the result has the
    input's index and one output per input value."""
    seen = []

    def tag(s: pd.Series) -> pd.Series:
        seen.append(len(s))
        return s.fillna("?") + "!"

    values = pd.Series(["b", "a", None, "b", "a"], index=[4, 3, 2, 1, 0], dtype=object)
    out = by_distinct(values, tag)
    assert seen == [3]
    assert out.to_dict() == {4: "b!", 3: "a!", 2: "?!", 1: "b!", 0: "a!"}


def test_by_distinct_keeps_the_output_type():
    """A date parser's datetime64 output stays datetime64; NaT where the input is null."""
    values = pd.Series(["2024-01-02", np.nan, "2024-01-02"], dtype=object)
    out = by_distinct(values, pd.to_datetime)
    assert str(out.dtype).startswith("datetime64")
    assert out.dt.strftime("%Y-%m-%d").fillna("").tolist() == ["2024-01-02", "", "2024-01-02"]
