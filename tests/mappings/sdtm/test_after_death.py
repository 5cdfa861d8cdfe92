"""Records dated after the subject's death are refused at their raw rows, whatever the form: the bundled export's
001-001 died on 02-JUL-2024 (dth.csv); one of its records moved to 03-JUL-2024 was mapped with exit 0 (a PK sample,
a lymphodepleting dose, an apheresis, a tumour measurement, a RECIST response; labs, vital signs, ECGs, adverse
events and medications have their own module tests)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from cdisc.errors import MappingError
from cdisc.pipeline import build_sdtm
from mappings.im96.sdtm import BUILDERS

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize(("form", "row", "field", "shown"), [
    ("pc", 14, "PCDAT", "2024-07-03"),  # its DAY 28 sample of 31-MAR-2024
    ("ld", 6, "LDDAT", "2024-07-03"),  # its cyclophosphamide of 02-MAR-2024
    ("apher", 1, "APHDAT", "2024-07-03T08:38"),  # its apheresis of 12-FEB-2024 at 08:38
    ("tl", 10, "TLDAT", "2024-07-03"),  # its DAY 28 target lesion T05 of 29-MAR-2024
    ("rs", 1, "RSDAT", "2024-07-03"),  # its DAY 28 response (PD) of 29-MAR-2024
])
def test_a_record_after_the_subjects_death_is_refused_at_its_raw_row(tmp_path, form, row, field, shown):
    raw = tmp_path / "raw"
    shutil.copytree(ROOT / "data" / "im96" / "raw", raw)
    frame = pd.read_csv(raw / f"{form}.csv", dtype=str, keep_default_na=False)
    assert frame.loc[row - 1, "SUBJID"] == "001-001"
    frame.loc[row - 1, field] = "03-JUL-2024"
    frame.to_csv(raw / f"{form}.csv", index=False, lineterminator="\n")
    with pytest.raises(MappingError) as info:
        build_sdtm(raw, ROOT / "specs" / "im96", BUILDERS)
    assert str(info.value) == (f"{form}.csv {field}: 1 record(s) dated after the subject's death (row {row} "
                               f"'{shown} after DM.DTHDTC 2024-07-02'); correct them in the export")
