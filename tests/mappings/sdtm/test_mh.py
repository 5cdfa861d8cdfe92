"""MH mapping on a 2-subject raw fixture: categories, partial dates, ongoing history, unknown subject rejected."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from cdisc.context import StudyContext
from cdisc.finalize import finalize
from cdisc.raw import RawStudy
from mappings.sdtm import mh
from tests.helpers import assert_frame_equal_by_keys

COLUMNS = ["SUBJID", "MHSEQ", "MHTERM", "MHCAT", "MHSTDAT", "MHONGO", "MHENDAT"]
RAW = [
    ["001-001", "1", "Adenocarcinoma of the colon", "PRIMARY DIAGNOSIS", "UN-JUL-2022", "Y", ""],
    ["001-001", "2", "Appendicectomy", "GENERAL", "UN-UNK-2011", "N", "UN-SEP-2011"],
    ["001-002", "1", "Hypertension", "GENERAL", "15-JAN-2015", "Y", ""],
    ["001-099", "1", "Asthma", "GENERAL", "UN-UNK-2000", "Y", ""],
]
DM = pd.DataFrame({"USUBJID": ["IM96-001-001", "IM96-001-002"], "SUBJID": ["001-001", "001-002"],
                   "RFSTDTC": ["2024-03-05T11:10", ""], "RFICDTC": ["2024-01-20", "2024-02-10"]})



def test_build_mh_maps_history_with_partial_dates_and_ongoing(spec):
    """GENERAL -> GENERAL MEDICAL HISTORY; UN-JUL-2022 -> 2022-07, UN-UNK-2011 -> 2011 (SDTMIG 3.4 §4.4.4);
    ongoing conditions are ONGOING at the informed consent date (DM.RFICDTC); no EPOCH or study day."""
    raw = RawStudy(Path("."), pd.DataFrame(), pd.DataFrame(),
                   {"mh": pd.DataFrame(RAW, columns=COLUMNS).assign(RAW_FORM="mh", RAW_ROW=[1, 2, 3, 4])})
    ctx = StudyContext(spec=spec, raw=raw, design_dir=Path("specs/im96/design"), done={"DM": DM})
    (result,) = mh.build(ctx)
    out = finalize(result, spec).data
    expected = pd.DataFrame(
        [
            ["IM96-001-001", 1.0, "2", "Appendicectomy", "GENERAL MEDICAL HISTORY", "2011", "2011-09", "", ""],
            ["IM96-001-001", 2.0, "1", "Adenocarcinoma of the colon", "PRIMARY DIAGNOSIS", "2022-07", "", "ONGOING",
             "2024-01-20"],
            ["IM96-001-002", 1.0, "1", "Hypertension", "GENERAL MEDICAL HISTORY", "2015-01-15", "", "ONGOING",
             "2024-02-10"],
        ],
        columns=["USUBJID", "MHSEQ", "MHSPID", "MHTERM", "MHCAT", "MHSTDTC", "MHENDTC", "MHENRTPT", "MHENTPT"],
    )
    assert_frame_equal_by_keys(out, expected, keys=["USUBJID", "MHSEQ"])
    assert "EPOCH" not in out.columns
    assert result.rejected[["RAW_FORM", "RAW_ROW"]].values.tolist() == [["mh", 4]]
