"""Side tables are written as pandas' to_csv writes them, by Arrow when no value needs quoting."""
import numpy as np
import pandas as pd
import pytest

from cdisc.csvfile import write_csv


@pytest.mark.parametrize(
    ("frame", "expected"),
    [
        # text (missing: blank), floats as Python writes them (-0.0, 1e+20, inf; NaN blank), integers with a gap
        (pd.DataFrame({"DATASET": pd.Series(["AE", None, ""], dtype="str"), "USUBJID": ["S-1", "S-2", None],
                       "SEQ": [1.0, np.nan, -0.0], "X": [1e20, 0.1, float("inf")],
                       "RAW_ROW": pd.array([11, None, 3], dtype="Int64"), "N": np.array([1, 2, 3])}),
         "DATASET,USUBJID,SEQ,X,RAW_ROW,N\nAE,S-1,1.0,1e+20,11,1\n,S-2,,0.1,,2\n,,-0.0,inf,3,3\n"),
        # a value a CSV must quote: pandas writes the file
        (pd.DataFrame({"FORM": ["ae", "cm"], "REASON": ['no "date", no time', "multi\nline"]}),
         'FORM,REASON\nae,"no ""date"", no time"\ncm,"multi\nline"\n'),
        # one column: pandas quotes a lone blank cell
        (pd.DataFrame({"FORM": ["", "ae"]}), 'FORM\n""\nae\n'),
        # numbers held as objects (an int and a float of the same value stay apart)
        (pd.DataFrame({"A": ["x", "y"], "B": pd.Series([11, 11.0], dtype=object)}), "A,B\nx,11\ny,11.0\n"),
        (pd.DataFrame({"A": pd.Series([], dtype="str"), "B": pd.Series([], dtype=float)}), "A,B\n"),
        # whole numbers of every width and sign, the widest unsigned one, and a missing one
        (pd.DataFrame({"A": ["x", "y", "z"], "I": np.array([-9223372036854775808, 0, -7]),
                       "U": np.array([18446744073709551615, 0, 5], dtype=np.uint64),
                       "S": pd.array([None, 255, 7], dtype="UInt8")}),
         "A,I,U,S\nx,-9223372036854775808,18446744073709551615,\ny,0,0,255\nz,-7,5,7\n"),
    ],
    ids=["kinds of cells", "quoted values", "one column", "numbers as objects", "no records", "whole numbers"],
)
def test_write_csv_writes_what_pandas_writes(tmp_path, frame, expected):
    write_csv(frame, tmp_path / "t.csv")
    assert (tmp_path / "t.csv").read_bytes() == expected.encode()
    assert expected.encode() == frame.to_csv(index=False, lineterminator="\n").encode()
