"""Records dated where no record of their kind can be are refused at their raw rows, whatever the form. In the
bundled export 001-001 was apheresed on 12-FEB-2024, lymphodepleted from 29-FEB-2024, infused on 05-MAR-2024 at 11:10
(DM.RFSTDTC) and died on 02-JUL-2024 (dth.csv); one of its records moved was mapped with exit 0."""
from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from cdisc.errors import MappingError
from cdisc.pipeline import build_sdtm
from mappings.im96.sdtm import BUILDERS

ROOT = Path(__file__).resolve().parents[3]


def moved(tmp_path: Path, form: str, row: int, field: str, value: str) -> Path:
    """A copy of the bundled export with 001-001's record at `form` row `row` (1-based data row) dated `value`."""
    raw = tmp_path / "raw"
    shutil.copytree(ROOT / "data" / "im96" / "raw", raw)
    frame = pd.read_csv(raw / f"{form}.csv", dtype=str, keep_default_na=False)
    assert frame.loc[row - 1, "SUBJID"] == "001-001"
    frame.loc[row - 1, field] = value
    frame.to_csv(raw / f"{form}.csv", index=False, lineterminator="\n")
    return raw


def refusal(raw: Path) -> str:
    with pytest.raises(MappingError) as info:
        build_sdtm(raw, ROOT / "specs" / "im96", BUILDERS)
    return str(info.value)


@pytest.mark.parametrize(("form", "row", "field", "shown"), [
    ("pc", 14, "PCDAT", "2024-07-03"),  # its DAY 28 sample of 31-MAR-2024
    ("ld", 6, "LDDAT", "2024-07-03"),  # its cyclophosphamide of 02-MAR-2024
    ("apher", 1, "APHDAT", "2024-07-03T08:38"),  # its apheresis of 12-FEB-2024 at 08:38
    ("tl", 10, "TLDAT", "2024-07-03"),  # its DAY 28 target lesion T05 of 29-MAR-2024
    ("rs", 1, "RSDAT", "2024-07-03"),  # its DAY 28 response (PD) of 29-MAR-2024
    ("visit", 1, "VISDAT", "2024-07-03"),  # its SCREENING visit of 08-FEB-2024
])
def test_a_record_after_the_subjects_death_is_refused_at_its_raw_row(tmp_path, form, row, field, shown):
    """(labs, vital signs, ECGs, adverse events and medications have their own module tests)"""
    assert refusal(moved(tmp_path, form, row, field, "03-JUL-2024")) == (
        f"{form}.csv {field}: 1 record(s) dated after the subject's death (row {row} '{shown} after DM.DTHDTC "
        "2024-07-02'); correct them in the export")


@pytest.mark.parametrize(("form", "row", "field", "value", "message"), [
    # its cyclophosphamide of 02-MAR-2024 moved to the infusion day: Day 1 would come before it
    ("ld", 6, "LDDAT", "05-MAR-2024", "ld.csv LDDAT: 1 lymphodepleting dose(s) on or after the day of the subject's "
     "infusion (row 6 '2024-03-05 on or after DM.RFSTDTC 2024-03-05T11:10'); correct them in the export"),
    # its apheresis (the cells' source) moved after the infusion
    ("apher", 1, "APHDAT", "10-MAR-2024", "apher.csv APHDAT: 1 apheresis(es) on or after the day of the subject's "
     "infusion (row 1 '2024-03-10T08:38 on or after DM.RFSTDTC 2024-03-05T11:10'); correct them in the export"),
    # its eligibility of 10-FEB-2024 (all criteria met) moved after the infusion
    ("ie", 1, "IEDAT", "10-MAR-2024", "ie.csv IEDAT: 1 eligibility decision(s) on or after the day of the subject's "
     "infusion (row 1 '2024-03-10 on or after DM.RFSTDTC 2024-03-05T11:10'); correct them in the export"),
    # its end of screening of 10-FEB-2024 moved before its consent of 08-FEB-2024
    ("ds", 1, "DSSTDAT", "01-JAN-2020", "ds.csv DSSTDAT: 1 disposition event(s) before the subject's informed consent "
     "(row 1 '2020-01-01 before DM.RFICDTC 2024-02-08'); correct them in the export"),
])
def test_a_record_out_of_the_study_order_is_refused(tmp_path, form, row, field, value, message):
    assert refusal(moved(tmp_path, form, row, field, value)) == message


def test_an_eligibility_criterion_assessed_after_the_infusion_is_refused(tmp_path):
    """A criterion row (IN04 not met) of 001-001 dated 10-MAR-2024, appended as ie.csv row 18: IE had it on Day 6."""
    raw = moved(tmp_path, "ie", 1, "IEDAT", "10-FEB-2024")  # the export as it is
    with (raw / "ie.csv").open("a") as ie:
        ie.write("001-001,N,IN04,10-MAR-2024\n")
    assert refusal(raw) == ("ie.csv IEDAT: 1 eligibility criteria assessed on or after the day of the subject's "
                            "infusion (row 18 '2024-03-10 on or after DM.RFSTDTC 2024-03-05T11:10'); correct them in "
                            "the export")
