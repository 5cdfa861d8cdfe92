"""Byte-stable workbooks: every time stamp inside the .xlsx is the one given."""
import datetime as dt
import zipfile

from openpyxl import Workbook

from cdisc.xlsx import save_stable

STAMP = dt.datetime(2025, 6, 30, 0, 0, 0)


def _workbook() -> Workbook:
    wb = Workbook()
    wb.active.append(["Rule", "Count"])
    wb.active.append(["CORE-000001", 2])
    return wb


def test_every_time_in_the_archive_is_the_stamp(tmp_path):
    save_stable(_workbook(), tmp_path / "a.xlsx", STAMP)
    with zipfile.ZipFile(tmp_path / "a.xlsx") as z:
        assert {i.date_time for i in z.infolist()} == {(2025, 6, 30, 0, 0, 0)}
        core = z.read("docProps/core.xml").decode()
    assert ">2025-06-30T00:00:00Z</dcterms:modified>" in core
    assert ">2025-06-30T00:00:00Z</dcterms:created>" in core


def test_the_same_workbook_gives_the_same_bytes(tmp_path):
    save_stable(_workbook(), tmp_path / "a.xlsx", STAMP)
    save_stable(_workbook(), tmp_path / "b.xlsx", STAMP)
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()
