"""Expectation suites are generated from the spec, and fail on data that breaks it."""
import pickle
import re

import pandas as pd
import pytest

from cdisc.distinct import CodedFrame
from cdisc.spec.load import load_spec
from cdisc.validate.run import run_suites
from cdisc.validate.suite import ISO_DATETIME, ISO_DURATION, Expectation, suite_for
from tests.cdisc.spec.test_check import make_spec


@pytest.mark.parametrize(("value", "ok"), [
    ("2025", True), ("2025-01", True), ("2025-01-05T10:30", True), ("2025-01-05T10:30:15.5", True),
    ("2025-13-01", False), ("2025-01-32", False), ("2025-01-05T25:00", False), ("2025-1-05", False),
])
def test_iso_datetime_pattern_accepts_partial_and_rejects_impossible(value, ok):
    """ISO 8601 right-truncated dates pass; month 13, day 32, hour 25 and unpadded fields fail."""
    assert bool(re.match(ISO_DATETIME, value)) is ok


@pytest.mark.parametrize(("value", "ok"), [("P7D", True), ("PT0H", True), ("-PT1H", True), ("P", False),
                                           ("P1DT", False)])
def test_iso_duration_pattern(value, ok):
    assert bool(re.match(ISO_DURATION, value)) is ok


def test_suite_for_covers_order_mandatory_codelist_length_and_keys(tmp_path):
    """DM of the test spec: ordered columns, 3 mandatory, SEX in its codelist (whose terms F/M fit its length 1,
    so no length expectation), 2 lengths (STUDYID, USUBJID), unique keys."""
    spec = load_spec(make_spec(tmp_path))
    kinds = [e.kind for e in suite_for(spec, "DM")]
    assert kinds.count("ExpectTableColumnsToMatchOrderedList") == 1
    assert kinds.count("ExpectColumnValuesToNotBeNull") == 3
    assert kinds.count("ExpectColumnValuesToBeInSet") == 1
    assert [e.kwargs["column"] for e in suite_for(spec, "DM") if e.kind == "ExpectColumnValueLengthsToBeBetween"] == [
        "STUDYID", "USUBJID"]
    assert kinds.count("ExpectCompoundColumnsToBeUnique") == 1


def test_run_suites_reports_each_breach_with_its_spec_row(tmp_path):
    """A bad SEX, a missing USUBJID and a duplicate key each fail, naming the variable and the spec row."""
    spec = load_spec(make_spec(tmp_path))
    df = pd.DataFrame({"STUDYID": ["XX1"] * 3, "USUBJID": ["XX1-1", "XX1-1", ""], "SEX": ["F", "Q", "M"]})
    issues = run_suites({"DM": df}, {"DM": suite_for(spec, "DM")})
    found = {(i.code, i.variable) for i in issues}
    assert found == {("SD0037", "SEX"), ("SD0002", "USUBJID"), ("SD1152", "")}  # published FDA validator ids
    assert any("variables/DM.csv SEX" in i.message and "expect_column_values_to_be_in_set" in i.message
               for i in issues)
    sex = next(i for i in issues if i.variable == "SEX")  # rows and values come from the second, COMPLETE pass
    assert (sex.row, sex.value) == ("2", "Q")
    keys = [(i.row, i.value, i.count) for i in issues if i.code == "SD1152"]
    assert keys == [("1", "XX1/XX1-1", 2), ("2", "XX1/XX1-1", 0)]  # one issue per record; the first counts both


def test_run_suites_names_the_dataset_and_row_behind_a_shared_expectation(tmp_path):
    """Expectations of two datasets checked together still report the dataset, the row and the value of the breach
    in that dataset, and a column the dataset lacks is reported as missing."""
    spec = load_spec(make_spec(tmp_path))
    good = pd.DataFrame({"STUDYID": ["XX1"] * 2, "USUBJID": ["XX1-1", "XX1-2"], "SEX": ["F", "M"]})
    bad = pd.DataFrame({"STUDYID": ["XX1"] * 3, "USUBJID": ["XX1-3", "XX1-4", "XX1-5"], "SEX": ["M", "F", "U"]})
    issues = run_suites({"DM": good, "XX": bad, "YY": good.drop(columns="SEX")},
                        {"DM": suite_for(spec, "DM"), "XX": suite_for(spec, "DM"), "YY": suite_for(spec, "DM")})
    sex = [(i.where, i.code, i.row, i.value, i.count) for i in issues if i.variable == "SEX"]
    assert sex[0] == ("XX", "SD0037", "3", "U", 1)
    assert {(where, code) for where, code, *_ in sex[1:]} == {("YY", "SD0002"), ("YY", "SD0037")}
    assert all(i.where != "DM" for i in issues)


def finished(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` as a forked process receives a finished dataset: text as Python strings, its codes known."""
    text = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
    frame = frame.astype(dict.fromkeys(text, object))
    codes = {c: pd.factorize(frame[c].to_numpy(dtype=object)) for c in text}
    return pickle.loads(pickle.dumps(CodedFrame(frame, codes)))


@pytest.mark.parametrize("coded", [False, True])
def test_the_table_expectations_of_all_datasets_checked_together_report_each_dataset_s_own_breach(coded):
    """Column orders and keys of several datasets are checked together; each breach is still reported for its own
    dataset as a run on it alone reports it: a duplicate compound key (also one with a null part), a variable out
    of order, a key variable the dataset lacks. Null single keys, an empty dataset and keys unique within their
    own dataset though shared with another's raise nothing. The same when the datasets' text codes are known
    (finished datasets in a forked process: the keys are compared as codes)."""
    def expect(kind, key, **kwargs):
        return Expectation(kind, kwargs, {"spec": key, "rule": "SD1152" if key == "k" else "SD1079", "expects": key})

    def order(columns):
        return expect("ExpectTableColumnsToMatchOrderedList", "o", column_list=columns)

    def keys(columns):
        return expect("ExpectCompoundColumnsToBeUnique", "k", column_list=columns)

    frames = {
        "AA": pd.DataFrame({"USUBJID": ["1", "1", "2"], "SEQ": [1.0, 1.0, 2.0]}),
        "BB": pd.DataFrame({"USUBJID": ["1", "2"], "SEQ": [1.0, 2.0]}),
        "CC": pd.DataFrame({"B": [1, 2], "A": [3, 4]}),
        "DD": pd.DataFrame({"USUBJID": ["1", "1"], "TESTCD": ["", ""]}),
        "EE": pd.DataFrame({"USUBJID": pd.Series([], dtype=str)}),
        "FF": pd.DataFrame({"USUBJID": ["1", "2"]}),
        "GG": pd.DataFrame({"K": ["", "", "x"]}),
    }
    if coded:
        frames = {name: finished(frame) for name, frame in frames.items()}
    null = "None" if coded else "nan"  # a blank made null shows as Python text's null or pandas text's
    suites = {
        "AA": [order(["USUBJID", "SEQ"]), keys(["USUBJID", "SEQ"])],
        "BB": [order(["USUBJID", "SEQ"]), keys(["USUBJID", "SEQ"])],
        "CC": [order(["A", "B"]), expect("ExpectColumnValuesToBeUnique", "k", column="A")],
        "DD": [order(["USUBJID", "TESTCD"]), keys(["USUBJID", "TESTCD"])],
        "EE": [order(["USUBJID"]), keys(["USUBJID", "SEQ"])],
        "FF": [order(["USUBJID"]), keys(["USUBJID", "SEQ"])],
        "GG": [order(["K"]), expect("ExpectColumnValuesToBeUnique", "k", column="K")],
    }
    assert [(i.where, i.code, i.row, i.value, i.count) for i in run_suites(frames, suites)] == [
        ("AA", "SD1152", "1", "1/1.0", 2), ("AA", "SD1152", "2", "1/1.0", 0),
        ("CC", "SD1079", "", "", 1),
        ("DD", "SD1152", "1", f"1/{null}", 2), ("DD", "SD1152", "2", f"1/{null}", 0),
        ("EE", "SD1152", "", "", 1),
        ("FF", "SD1152", "", "", 1),
    ]


def test_a_cover_holds_each_columns_distinct_values_once_with_empty_text_as_null():
    """A cover stands for its columns' distinct values (a column expectation judges each value alone), so its
    size follows the distinct values, not the records; "" is a null there, as great-expectations needs."""
    from cdisc.validate.run import _covers
    from cdisc.validate.suite import Expectation

    dm = pd.DataFrame({"SEX": ["F", "M", "F", "", "M", "F"], "RACE": ["ASIAN"] * 6})
    in_set = Expectation("ExpectColumnValuesToBeInSet", {"column": "SEX", "value_set": ["F", "M"]})
    not_null = Expectation("ExpectColumnValuesToNotBeNull", {"column": "RACE"})
    covers, alone = _covers({"DM": dm}, {"DM": [in_set, not_null]})
    assert alone == set()
    assert [(c.covers, [None if v is None or v != v else v for v in c.values(len(c))]) for c in covers] == [
        ((("DM", 0),), ["0\x00F", "0\x00M", None]), ((("DM", 1),), ["ASIAN"])]


def test_codelist_expectations_of_other_codelists_share_one_cover_and_each_value_is_judged_by_its_own():
    """SEX (F, M) and AEREL (Y, N) in one cover: each column's values and terms are tagged with its place, so "Y"
    in SEX and "M" in AEREL break it although each is a term of the other codelist; a value holding a NUL is
    no term either. Each issue names its own dataset, row and value, as a run of that expectation alone does."""
    from cdisc.validate.run import _covers

    def in_set(column, terms):
        return Expectation("ExpectColumnValuesToBeInSet", {"column": column, "value_set": terms},
                           {"spec": column, "rule": "SD0037", "expects": column})

    frames = {"DM": pd.DataFrame({"SEX": ["F", "Y", "M", "0\x00M"]}),
              "AE": pd.DataFrame({"AEREL": ["N", "", "M", "Y"]})}
    suites = {"DM": [in_set("SEX", ["F", "M"])], "AE": [in_set("AEREL", ["N", "Y"])]}
    covers, _ = _covers(frames, suites)
    assert len(covers) == 1
    assert covers[0].expectation.kwargs["value_set"] == ["0\x00F", "0\x00M", "1\x00N", "1\x00Y"]
    assert [(i.where, i.row, i.value, i.count) for i in run_suites(frames, suites)] == [
        ("AE", "3", "M", 1), ("DM", "2", "Y", 2), ("DM", "4", "0\x00M", 0)]


def test_a_codelist_cover_lists_only_the_terms_its_values_hold():
    """The cover's value set is the tagged terms some value equals (a term no value holds changes no verdict):
    SEX holds F only of F, M, U; with no term held at all it keeps the first, as great-expectations wants a value
    set, and every value breaks the cover as before."""
    from cdisc.validate.run import _covers

    def in_set(column, terms):
        return Expectation("ExpectColumnValuesToBeInSet", {"column": column, "value_set": terms},
                           {"spec": column, "rule": "SD0037", "expects": column})

    covers, _ = _covers({"DM": pd.DataFrame({"SEX": ["F", "F", ""]})}, {"DM": [in_set("SEX", ["F", "M", "U"])]})
    assert covers[0].expectation.kwargs["value_set"] == ["0\x00F"]
    frames = {"DM": pd.DataFrame({"SEX": ["X", "Y"]})}
    suites = {"DM": [in_set("SEX", ["F", "M", "U"])]}
    covers, _ = _covers(frames, suites)
    assert covers[0].expectation.kwargs["value_set"] == ["0\x00F"]
    assert [(i.where, i.row, i.value) for i in run_suites(frames, suites)] == [("DM", "1", "X"), ("DM", "2", "Y")]


def test_covers_share_a_frame_while_padding_at_most_doubles_them_or_the_frame_stays_small():
    """Covers of 60,000, 20,000 and 5 values: the 20,000 would be padded threefold into a frame of 120,000 values,
    so it starts a frame of its own; the 5 are padded into that one (40,000 values). Covers of 3,000 and 1 value
    share one frame, the 1 value repeated."""
    from cdisc.validate.run import _Cover, _cover_frames

    def cover(n, length):
        return _Cover(Expectation("ExpectColumnValuesToNotBeNull", {"column": f"cover{n}"}), (("DM", n),),
                      (pd.Series([f"v{n}"] * length),))

    frames = list(_cover_frames([cover(0, 5), cover(1, 60_000), cover(2, 20_000)]))
    assert [(frame.shape, [c.covers for c in group]) for frame, group in frames] == [
        ((60_000, 1), [(("DM", 1),)]), ((20_000, 2), [(("DM", 2),), (("DM", 0),)])]
    (frame, _), = _cover_frames([cover(0, 3_000), cover(1, 1)])
    assert frame.shape == (3_000, 2)
    assert set(frame["cover1"]) == {"v1"}


def test_the_rows_that_broke_a_cover_name_the_expectations_that_run_again():
    """Rows 0-1 hold part 0, rows 2-4 part 1, row 5 part 2; rows past the parts are padding, copies of part 0's
    first value. A result naming no rows (an exception) runs every covered expectation again."""
    from cdisc.validate.run import _breaking, _Cover

    cover = _Cover(Expectation("ExpectColumnValuesToNotBeNull", {"column": "cover0"}),
                   (("AA", 0), ("BB", 3), ("CC", 1)),
                   (pd.Series(["a", "b"]), pd.Series(["c", None, "d"]), pd.Series([None])))
    assert _breaking(cover, {"unexpected_index_list": [3, 5]}) == {("BB", 3), ("CC", 1)}
    assert _breaking(cover, {"unexpected_index_list": [1, 7]}) == {("AA", 0)}
    assert _breaking(cover, {"unexpected_index_list": [2]}) == {("BB", 3)}
    assert _breaking(cover, {}) == {("AA", 0), ("BB", 3), ("CC", 1)}
    assert _breaking(cover, None) == {("AA", 0), ("BB", 3), ("CC", 1)}


def test_the_table_expectations_read_the_values_of_the_key_columns_only():
    """Empty text becomes a null only where a table expectation reads values: the key columns; the column order
    reads the names (its column_list is every column), so the data are not copied for it."""
    from cdisc.validate.run import _value_columns
    from cdisc.validate.suite import Expectation

    assert _value_columns(Expectation("ExpectTableColumnsToMatchOrderedList",
                                      {"column_list": ["STUDYID", "USUBJID", "AESEQ"]})) == []
    assert _value_columns(Expectation("ExpectCompoundColumnsToBeUnique",
                                      {"column_list": ["USUBJID", "AESEQ"]})) == ["USUBJID", "AESEQ"]
    assert _value_columns(Expectation("ExpectColumnValuesToBeUnique", {"column": "USUBJID"})) == ["USUBJID"]


def _in_a_new_interpreter(code: str) -> list[str]:
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return done.stdout.split()


def test_great_expectations_is_imported_without_scipy_stats_and_altair():
    """scipy.stats and altair (1.3 s of the import's 3 s) are not imported with great-expectations; the
    expectation that calls scipy.stats gets it on first use: the entropy of two equal distributions is 0."""
    assert _in_a_new_interpreter(
        "import sys\n"
        "from cdisc.validate.run import import_great_expectations\n"
        "import_great_expectations()\n"
        "print('scipy.stats._stats_py' in sys.modules, 'altair.vegalite' in sys.modules)\n"
        "from great_expectations.expectations.core import expect_column_kl_divergence_to_be_less_than as kl\n"
        "print(kl.stats.entropy([1, 1], [1, 1]), 'scipy.stats._stats_py' in sys.modules)\n"
    ) == ["False", "False", "0.0", "True"]


def test_a_module_imported_on_first_use_is_imported_as_usual_after_the_block():
    """Within the block the import gives a stand-in that nothing imported yet; after it, the module imports as
    usual, and the stand-in then gives the module's own attributes."""
    assert _in_a_new_interpreter(
        "import sys\n"
        "from cdisc.validate.run import imported_on_first_use\n"
        "with imported_on_first_use('wave'):\n"
        "    import wave as stand_in\n"
        "print(type(stand_in).__name__, 'wave' in sys.modules)\n"
        "import wave\n"
        "print(stand_in.open is wave.open, sys.modules['wave'] is wave)\n"
    ) == ["_OnFirstUse", "False", "True", "True"]
