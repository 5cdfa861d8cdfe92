"""Reading XPT v5 back (`cdisc.transport.read_transport`): values as pyreadstat reads them, from hand-made bytes."""
import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from cdisc.errors import PackageError
from cdisc.transport import Column, read_transport, write_transport
from tests.cdisc.test_xpt import GOLDEN, GOLDEN_FILE

NAN = float("nan")
STAMP = "30JUN26:10:11:12"


def column(name: str, numeric: bool, rows: list[bytes]) -> Column:
    """A column of exactly these bytes per row (all rows one width)."""
    return Column(name, "", numeric, np.frombuffer(b"".join(rows), dtype=np.uint8).reshape(len(rows), -1))


def write(path: Path, columns: list[Column], stamp: str = STAMP) -> Path:
    write_transport(path, columns, name="T", label="", stamp=stamp)
    return path


def test_the_golden_file_reads_back_value_for_value():
    member = read_transport(GOLDEN_FILE)
    pd.testing.assert_frame_equal(member.frame, GOLDEN)
    assert member.created == dt.datetime(2026, 6, 30)


def test_numbers_are_ibm_doubles_of_any_width_and_every_sas_missing_is_nan(tmp_path):
    """IBM 360: 0x41 = 16**1 times the fraction 0x0.1 = 1/16, so 41 10.. is 1.0; C0 80.. is -0.5 * 16**0; a
    3-byte variable holds the first 3 bytes (42 10 00 = 16.0). `.`, `.A` and `._` are 2E, 41, 5F then zeros."""
    nums = column("N", True, [bytes.fromhex(h) for h in (
        "4110000000000000", "C080000000000000", "0000000000000000", "2E00000000000000", "4100000000000000",
        "5F00000000000000")])
    short = column("S", True, [bytes.fromhex(h) for h in ("421000", "411800", "2E0000", "C12000", "000000",
                                                          "5A0000")])
    frame = read_transport(write(tmp_path / "n.xpt", [nums, short])).frame
    np.testing.assert_array_equal(frame["N"].to_numpy(), [1.0, -0.5, 0.0, NAN, NAN, NAN])
    np.testing.assert_array_equal(frame["S"].to_numpy(), [16.0, 1.5, NAN, -2.0, 0.0, NAN])
    assert frame["N"].dtype == np.float64


def test_text_stops_at_a_nul_and_loses_trailing_blanks_only(tmp_path):
    text = column("C", False, [b" a    ", b"x\x00\x00   ", b"      ", "t\u00e9".encode() + b"   ", b"ab cd "])
    frame = read_transport(write(tmp_path / "c.xpt", [text])).frame
    assert frame["C"].tolist() == [" a", "x", "", "t\u00e9", "ab cd"]


def test_only_the_variables_asked_for_in_file_order(tmp_path):
    path = write(tmp_path / "v.xpt", [column("A", False, [b"a"]), column("B", True, [bytes(8)]),
                                      column("C", False, [b"c"])])
    frame = read_transport(path, ["C", "A", "Z"]).frame
    assert list(frame.columns) == ["A", "C"] and frame.iloc[0].tolist() == ["a", "c"]


@pytest.mark.parametrize(("rows", "expected"), [
    ([b"a", b" ", b"c", b" ", b" "], ["a", "", "c"]),  # 1-byte rows: the 75 blanks after them are padding too
    ([b" ", b" "], []),
    ([b"x" * 80, b" " * 80], ["x" * 80, ""]),  # a record wide: no padding, every row is data
])
def test_trailing_blank_rows_narrower_than_a_record_are_padding(tmp_path, rows, expected):
    path = write(tmp_path / "p.xpt", [column("C", False, rows)])
    assert read_transport(path).frame["C"].tolist() == expected
    assert pyreadstat.read_xport(str(path))[0]["C"].tolist() == expected


@pytest.mark.parametrize(("stamp", "created"), [
    (STAMP, dt.datetime(2026, 6, 30, 10, 11, 12)),
    ("01JAN60:00:00:00", dt.datetime(1960, 1, 1)),  # two-digit years from 60 are 19xx, below 60 20xx
    ("31DEC59:23:59:59", dt.datetime(2059, 12, 31, 23, 59, 59)),
    ("", None),
])
def test_the_creation_datetime_of_the_header(tmp_path, stamp, created):
    path = write(tmp_path / "d.xpt", [column("C", False, [b"a"])], stamp=stamp)
    assert read_transport(path).created == created


def test_every_bundled_xpt_reads_as_pyreadstat_reads_it(out):
    files = sorted([*(out / "sdtm").glob("*.xpt"), *(out / "adam").glob("*.xpt")])
    assert len(files) > 30
    for path in files:
        frame, meta = pyreadstat.read_xport(str(path), disable_datetime_conversion=True)
        member = read_transport(path)
        pd.testing.assert_frame_equal(member.frame, frame, check_exact=True, obj=path.name)
        assert member.created == meta.creation_time


def test_unreadable_files_are_package_errors(tmp_path):
    (tmp_path / "text.xpt").write_text("not a transport file")
    with pytest.raises(PackageError, match="text.xpt: not a SAS transport"):
        read_transport(tmp_path / "text.xpt")
    (tmp_path / "cut.xpt").write_bytes(GOLDEN_FILE.read_bytes()[:600])
    with pytest.raises(PackageError, match="cut.xpt: damaged SAS transport"):
        read_transport(tmp_path / "cut.xpt")
    latin = write(tmp_path / "latin.xpt", [column("AETERM", False, [b"cafe", b"caf\xe9"])])
    with pytest.raises(PackageError, match=r"latin.xpt: AETERM, row 2, value b'caf\\xe9': text that is not UTF-8"):
        read_transport(latin)
    from cdisc.validate.package import read_xpt  # pyreadstat's own message named neither column nor row

    with pytest.raises(PackageError, match=r"latin.xpt: AETERM, row 2, value b'caf\\xe9'"):
        read_xpt(latin)


def test_a_header_naming_a_variable_twice_or_placing_one_before_the_record_is_damaged(tmp_path):
    """Two namestrs named A (pandas would have made it a frame with two columns A) and a variable at position -5
    (numpy would have sliced the record from its end) are refused, naming the file."""
    twice = write(tmp_path / "twice.xpt", [column("A", False, [b"x"]), column("A", False, [b"y"])])
    with pytest.raises(PackageError, match=r"twice.xpt: damaged .*\(variable\(s\) A described more than once\)"):
        read_transport(twice)
    data = bytearray(write(tmp_path / "ab.xpt", [column("A", False, [b"x"]), column("B", False, [b"y"])]).read_bytes())
    second = data.find(b"B       ") - 8  # the second namestr: its position (npos) at bytes 84-88
    data[second + 84:second + 88] = (-5).to_bytes(4, "big", signed=True)
    (tmp_path / "ab.xpt").write_bytes(bytes(data))
    with pytest.raises(PackageError, match="ab.xpt: damaged .*variable 'B' starts at byte -5 of an observation, "
                                           "not at 0: the variables overlap or leave a gap"):
        read_transport(tmp_path / "ab.xpt")


def _namestr_edit(path: Path, variable: bytes, start: int, value: bytes) -> Path:
    """`path` with the bytes from `start` of the namestr of `variable` (its name padded to 8) replaced."""
    data = bytearray(path.read_bytes())
    namestr = data.find(variable.ljust(8)) - 8  # the name is at bytes 8-16 of its namestr
    data[namestr + start:namestr + start + len(value)] = value
    path.write_bytes(bytes(data))
    return path


def _two(tmp_path: Path, name: str) -> Path:
    """A character variable A of 4 bytes ("IM96") and a numeric B (1.0), B at byte 4 of the observation."""
    one = b"\x41\x10" + bytes(6)  # 1.0 as an IBM double
    return write(tmp_path / name, [column("A", False, [b"IM96"]), column("B", True, [one])])


@pytest.mark.parametrize(("edit", "message"), [
    # A one byte wider: it overlaps B, and every value after it would be read from the wrong bytes
    ((b"A", 4, (5).to_bytes(2, "big")), r"variable 'B' starts at byte 4 of an observation, not at 5"),
    ((b"A", 0, (3).to_bytes(2, "big")), r"variable 'A' has type 3, neither 1 \(numeric\) nor 2 \(character\)"),
    ((b"B", 0, (0).to_bytes(2, "big")), r"variable 'B' has type 0"),
    ((b"B", 8, b"A-B C   "), r"variable name 'A-B C' is not a SAS name"),
    ((b"B", 8, b"        "), r"variable name '' is not a SAS name"),
    ((b"B", 8, b"a       "), r"variable\(s\) A described more than once"),  # SAS names ignore case
])
def test_a_namestr_that_does_not_describe_the_observations_is_damage(tmp_path, edit, message):
    """Each was read by pyreadstat as wrong values (a type 3 STUDYID as the number 20729520128.0, every column
    after a widened one shifted) or a nameless column: refused here, naming the variable."""
    variable, start, value = edit
    path = _namestr_edit(_two(tmp_path, "t.xpt"), variable, start, value)
    with pytest.raises(PackageError, match=rf"t.xpt: damaged SAS transport \(XPORT\) header \({message}"):
        read_transport(path)


def test_a_file_of_two_members_is_refused(tmp_path):
    """A second member (dataset) after the first: pyreadstat read its headers as 32 more observations."""
    data = _two(tmp_path, "t.xpt").read_bytes()
    first_member = data.find(b"HEADER RECORD*******MEMBER")
    (tmp_path / "two.xpt").write_bytes(data + data[first_member:])
    assert len(read_transport(tmp_path / "t.xpt").frame) == 1
    with pytest.raises(PackageError, match="two.xpt: holds more than one dataset"):
        read_transport(tmp_path / "two.xpt")


def test_a_file_cut_short_is_a_package_error_not_fewer_records(tmp_path):
    """Three 100-byte observations after the headers: cut inside the last one on a record boundary, or anywhere off
    a record boundary, the file is refused (pyreadstat would read the whole observations it finds)."""
    whole = write(tmp_path / "whole.xpt", [column("AETERM", False, [b"x" * 100] * 3)]).read_bytes()
    assert len(read_transport(tmp_path / "whole.xpt").frame) == 3
    (tmp_path / "record.xpt").write_bytes(whole[:-80])  # 300 bytes of data + 20 blanks, cut to 240
    with pytest.raises(PackageError, match="record.xpt: ends inside an observation"):
        read_transport(tmp_path / "record.xpt")
    (tmp_path / "byte.xpt").write_bytes(whole[:-7])
    with pytest.raises(PackageError, match="byte.xpt: .* not a whole number of 80-byte records"):
        read_transport(tmp_path / "byte.xpt")


def test_a_text_column_given_as_codes_writes_each_record_s_distinct_value(tmp_path):
    """A text column held as its distinct values' bytes and each record's code writes the records' bytes, across
    the writer's blocks of 4,096 rows; read back, record i is the code's value (trailing blanks dropped)."""
    codes = np.tile(np.array([1, 0, 2, 1], dtype=np.int8), 2_500)  # 10,000 records
    coded = Column("X", "", False, np.frombuffer(b"AB" b"C " b"  ", dtype=np.uint8).reshape(3, 2), codes=codes)
    member = read_transport(write(tmp_path / "coded.xpt", [coded]))
    assert member.frame["X"].tolist() == ["C", "AB", "", "C"] * 2_500
    plain = column("X", False, [b"C ", b"AB", b"  ", b"C "] * 2_500)
    assert (tmp_path / "coded.xpt").read_bytes() == write(tmp_path / "plain.xpt", [plain]).read_bytes()


def test_a_member_without_variables_is_refused(tmp_path):
    """A member of 0 variables was read as an empty dataset by `cdisc report` (every section skipped, exit 0) and as
    "Unable to allocate memory" by pyreadstat."""
    with pytest.raises(PackageError, match=r"none.xpt: damaged SAS transport \(XPORT\) header \(no variables\)"):
        read_transport(write(tmp_path / "none.xpt", []))


def test_text_that_goes_on_after_a_nul_is_refused_and_nul_padding_is_not(tmp_path):
    """STUDYID "A\\0B96" was read as "A" by pyreadstat and by this reader, and convert wrote "A" (exit 0)."""
    padded = write(tmp_path / "padded.xpt", [column("STUDYID", False, [b"IM96\0\0", b"IM96  "])])
    assert read_transport(padded).frame["STUDYID"].tolist() == ["IM96", "IM96"]
    lost = write(tmp_path / "lost.xpt", [column("STUDYID", False, [b"IM96  ", b"A\0B96 "])])
    with pytest.raises(PackageError, match=r"lost.xpt: STUDYID, row 2, value b'A\\x00B96': text goes on after a NUL"):
        read_transport(lost)
