"""MH mapping on a 2-subject raw fixture: categories, partial dates, ongoing history, unknown subject rejected."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from cdisc.context import StudyContext
from cdisc.finalize import finalize
from cdisc.raw import RawStudy
from mappings.im96.sdtm import mh
from tests.helpers import assert_frame_equal_by_keys

NAN = np.nan

MEDDRA = ["MHLLT", "MHLLTCD", "MHDECOD", "MHPTCD", "MHHLT", "MHHLTCD", "MHHLGT", "MHHLGTCD", "MHBODSYS", "MHSOCCD"]
COLUMNS = ["SUBJID", "MHSEQ", "MHTERM", *MEDDRA, "MHCAT", "MHSTDAT", "MHONGO", "MHENDAT"]
NEOPLASMS = "Neoplasms benign, malignant and unspecified (incl cysts and polyps)"
COLON = ["Colon cancer", "10009944", "Colon cancer", "10009944", "", "", "", "", NEOPLASMS, "10029104"]
APPENDICECTOMY = ["Appendicectomy", "", "Appendicectomy", "", "", "", "", "", "Surgical and medical procedures",
                  "10042613"]
HYPERTENSION = ["Hypertension", "10020772", "Hypertension", "10020772", "", "", "", "", "Vascular disorders",
                "10047065"]
ASTHMA = ["Asthma", "", "Asthma", "", "", "", "", "", "Respiratory, thoracic and mediastinal disorders", "10038738"]
RAW = [
    ["001-001", "1", "Adenocarcinoma of the colon", *COLON, "PRIMARY DIAGNOSIS", "UN-JUL-2022", "Y", ""],
    ["001-001", "2", "Appendicectomy", *APPENDICECTOMY, "GENERAL", "UN-UNK-2011", "N", "14-SEP-2011"],
    ["001-002", "1", "Hypertension", *HYPERTENSION, "GENERAL", "15-JAN-2015", "Y", ""],
    ["001-099", "1", "Asthma", *ASTHMA, "GENERAL", "UN-UNK-2000", "Y", ""],
]
DM = pd.DataFrame({"USUBJID": ["IM96-001-001", "IM96-001-002"], "SUBJID": ["001-001", "001-002"],
                   "RFSTDTC": ["2024-03-05T11:10", ""], "RFICDTC": ["2024-01-20", "2024-02-10"]})



def test_build_mh_maps_history_with_partial_dates_and_ongoing(spec):
    """GENERAL -> GENERAL MEDICAL HISTORY; UN-JUL-2022 -> 2022-07, UN-UNK-2011 -> 2011 (SDTMIG 3.4 §4.4.4);
    ongoing conditions are ONGOING at the informed consent date (DM.RFICDTC); no EPOCH; study days only for
    complete dates of an infused subject: 14-SEP-2011 is 4556 days before RFSTDTC 2024-03-05, Day -4556."""
    raw = RawStudy(Path("."), pd.DataFrame(), pd.DataFrame(),
                   {"mh": pd.DataFrame(RAW, columns=COLUMNS).assign(RAW_FORM="mh", RAW_ROW=[1, 2, 3, 4])})
    ctx = StudyContext(spec=spec, raw=raw, design_dir=Path("specs/im96/design"), done={"DM": DM})
    (result,) = mh.build(ctx)
    out = finalize(result, spec).data
    expected = pd.DataFrame(
        [
            ["IM96-001-001", 1.0, "2", "Appendicectomy", "GENERAL MEDICAL HISTORY", "2011", "2011-09-14", NAN,
             -4556.0, "", ""],
            ["IM96-001-001", 2.0, "1", "Adenocarcinoma of the colon", "PRIMARY DIAGNOSIS", "2022-07", "", NAN, NAN,
             "ONGOING", "2024-01-20"],
            ["IM96-001-002", 1.0, "1", "Hypertension", "GENERAL MEDICAL HISTORY", "2015-01-15", "", NAN, NAN,
             "ONGOING", "2024-02-10"],
        ],
        columns=["USUBJID", "MHSEQ", "MHSPID", "MHTERM", "MHCAT", "MHSTDTC", "MHENDTC", "MHSTDY", "MHENDY",
                 "MHENRTPT", "MHENTPT"],
    )
    assert_frame_equal_by_keys(out, expected, keys=["USUBJID", "MHSEQ"])
    assert "EPOCH" not in out.columns
    assert result.rejected[["RAW_FORM", "RAW_ROW"]].values.tolist() == [["mh", 4]]
    coded = pd.DataFrame(
        [
            ["IM96-001-001", 1.0, "Appendicectomy", NAN, "Surgical and medical procedures", 10042613.0],
            ["IM96-001-001", 2.0, "Colon cancer", 10009944.0, NEOPLASMS, 10029104.0],
            ["IM96-001-002", 1.0, "Hypertension", 10020772.0, "Vascular disorders", 10047065.0],
        ],
        columns=["USUBJID", "MHSEQ", "MHDECOD", "MHPTCD", "MHSOC", "MHBDSYCD"],
    )
    assert_frame_equal_by_keys(out, coded, keys=["USUBJID", "MHSEQ"])
