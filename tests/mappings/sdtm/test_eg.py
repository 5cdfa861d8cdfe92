"""EG mapping on a 3-subject raw fixture: aggregate CT codes, unit spellings, interpretation, not done, baseline."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from cdisc.context import StudyContext
from cdisc.finalize import finalize
from cdisc.raw import RawStudy
from mappings.im96.sdtm import eg
from tests.helpers import assert_frame_equal_by_keys

NAN = np.nan
COLUMNS = ["SUBJID", "VISIT", "EGDAT", "EGTIM", "EGTEST", "EGORRES", "EGORRESU", "EGND", "EGREASND", "EGCLSIG"]
RAW = [
    ["001-001", "SCREENING", "08-FEB-2024", "", "HR", "", "", "Y", "Not done in error", ""],
    ["001-001", "SCREENING", "08-FEB-2024", "14:00", "QTCF", "412", "msec", "", "", ""],
    ["001-001", "DAY 1", "05-MAR-2024", "", "HR", "88", "bpm", "", "", ""],
    ["001-001", "DAY 1", "05-MAR-2024", "", "INTERP", "ABNORMAL", "", "", "", "N"],
    ["001-001", "DAY 7", "11-MAR-2024", "09:00", "QTCF", "455", "ms", "", "", "Y"],
    ["001-002", "SCREENING", "10-FEB-2024", "08:30", "INTERP", "NORMAL", "", "", "", ""],
    ["001-099", "SCREENING", "10-FEB-2024", "08:30", "INTERP", "NORMAL", "", "", "", ""],
]

DM = pd.DataFrame({"USUBJID": ["IM96-001-001", "IM96-001-002"], "SUBJID": ["001-001", "001-002"],
                   "RFSTDTC": ["2024-03-05T10:00", ""], "DTHDTC": ["", ""]})
SE = pd.DataFrame({"USUBJID": ["IM96-001-001"] * 3 + ["IM96-001-002"],
                   "SESTDTC": ["2024-02-01", "2024-02-29", "2024-03-05", "2024-02-09"],
                   "EPOCH": ["SCREENING", "LYMPHODEPLETION", "TREATMENT", "SCREENING"]})
# No unscheduled visits in SV: unscheduled records are numbered from their own dates.
NO_UNSCHEDULED_SV = pd.DataFrame(columns=["USUBJID", "VISITNUM", "VISIT", "SVSTDTC"])

TV = pd.DataFrame({"VISIT": ["SCREENING", "DAY 1", "DAY 7"], "VISITNUM": [1.0, 4.0, 6.0]})



def context(spec) -> StudyContext:
    frame = pd.DataFrame(RAW, columns=COLUMNS).assign(RAW_FORM="eg", RAW_ROW=range(1, len(RAW) + 1))
    raw = RawStudy(Path("."), pd.DataFrame(), pd.DataFrame(), {"eg": frame})
    return StudyContext(spec=spec, raw=raw, design_dir=Path("specs/im96/design"), done={"DM": DM, "SE": SE, "TV": TV, "SV": NO_UNSCHEDULED_SV})


def test_build_eg_maps_aggregate_codes_units_and_baseline(spec):
    """HR -> EGHRMN, QTCF -> QTCFAG, INTERP -> INTP (SDTM CT 2025-03-28); 'msec' -> ms and 'bpm' -> beats/min;
    the interpretation is copied to EGSTRESC without a unit; a not-done ECG has EGSTAT, no result and no
    method; an ECG on the infusion day without a time counts as pre-infusion (EGLOBXFL)."""
    (result,) = eg.build(context(spec))
    out = finalize(result, spec).data
    expected = pd.DataFrame(
        [
            ["IM96-001-001", 1.0, "EGHRMN", "ECG Mean Heart Rate", "", "", "", NAN, "", "NOT DONE",
             "Not done in error", "", "", "", 1.0, "SCREENING", "SCREENING", "2024-02-08", -26.0],
            ["IM96-001-001", 2.0, "EGHRMN", "ECG Mean Heart Rate", "88", "beats/min", "88", 88.0, "beats/min", "", "",
             "12 LEAD STANDARD", "Y", "", 4.0, "DAY 1", "TREATMENT", "2024-03-05", 1.0],
            ["IM96-001-001", 3.0, "INTP", "Interpretation", "ABNORMAL", "", "ABNORMAL", NAN, "", "", "",
             "12 LEAD STANDARD", "Y", "N", 4.0, "DAY 1", "TREATMENT", "2024-03-05", 1.0],
            ["IM96-001-001", 4.0, "QTCFAG", "QTcF Interval, Aggregate", "412", "ms", "412", 412.0, "ms", "", "",
             "12 LEAD STANDARD", "Y", "", 1.0, "SCREENING", "SCREENING", "2024-02-08T14:00", -26.0],
            ["IM96-001-001", 5.0, "QTCFAG", "QTcF Interval, Aggregate", "455", "ms", "455", 455.0, "ms", "", "",
             "12 LEAD STANDARD", "", "Y", 6.0, "DAY 7", "TREATMENT", "2024-03-11T09:00", 7.0],
            ["IM96-001-002", 1.0, "INTP", "Interpretation", "NORMAL", "", "NORMAL", NAN, "", "", "",
             "12 LEAD STANDARD", "", "", 1.0, "SCREENING", "SCREENING", "2024-02-10T08:30", NAN],
        ],
        columns=["USUBJID", "EGSEQ", "EGTESTCD", "EGTEST", "EGORRES", "EGORRESU", "EGSTRESC", "EGSTRESN", "EGSTRESU",
                 "EGSTAT", "EGREASND", "EGMETHOD", "EGLOBXFL", "EGCLSIG", "VISITNUM", "VISIT", "EPOCH", "EGDTC",
                 "EGDY"],
    )
    assert_frame_equal_by_keys(out, expected, keys=["USUBJID", "EGSEQ"])


def test_build_eg_rejects_rows_of_subjects_without_demographics(spec):
    """A raw row whose SUBJID has no DM record is not mapped; it is listed with its reason."""
    (result,) = eg.build(context(spec))
    assert result.rejected[["RAW_FORM", "RAW_ROW"]].values.tolist() == [["eg", 7]]
