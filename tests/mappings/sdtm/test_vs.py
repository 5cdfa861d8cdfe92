"""VS mapping on a 3-subject raw fixture: unit spellings, F -> C, lb -> kg, Day 1 time points, not done,
baseline."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cdisc.context import StudyContext
from cdisc.errors import MappingError
from cdisc.finalize import finalize
from cdisc.raw import RawStudy
from mappings.im96.sdtm import vs
from tests.helpers import assert_frame_equal_by_keys

NAN = np.nan
COLUMNS = ["SUBJID", "VISIT", "VSDAT", "VSTIM", "VSTPT", "VSTEST", "VSORRES", "VSORRESU", "VSND", "VSREASND",
           "VSCLSIG"]
RAW = [
    ["001-001", "SCREENING", "08-FEB-2024", "10:18", "", "TEMP", "98.6", "F", "", "", "N"],
    ["001-001", "SCREENING", "08-FEB-2024", "10:18", "", "WEIGHT", "154", "lb", "", "", ""],
    ["001-001", "SCREENING", "08-FEB-2024", "10:18", "", "SYSBP", "122", "mm Hg", "", "", ""],
    ["001-001", "SCREENING", "08-FEB-2024", "10:18", "", "SPO2", "98", "%", "", "", ""],
    ["001-001", "DAY 1", "05-MAR-2024", "09:30", "PRE-INFUSION", "SYSBP", "118", "mmHg", "", "", "N"],
    ["001-001", "DAY 1", "05-MAR-2024", "09:30", "PRE-INFUSION", "TEMP", "36.8", "C", "", "", ""],
    ["001-001", "DAY 1", "05-MAR-2024", "09:30", "PRE-INFUSION", "PULSE", "", "", "Y", "Patient refused", ""],
    ["001-001", "DAY 1", "05-MAR-2024", "11:30", "POST-INFUSION", "SYSBP", "95", "mmHg", "", "", "Y"],
    ["001-002", "SCREENING", "10-FEB-2024", "", "", "PULSE", "72", "bpm", "", "", ""],
    ["001-099", "SCREENING", "10-FEB-2024", "", "", "PULSE", "70", "bpm", "", "", ""],
]

DM = pd.DataFrame({"USUBJID": ["IM96-001-001", "IM96-001-002"], "SUBJID": ["001-001", "001-002"],
                   "RFSTDTC": ["2024-03-05T10:00", ""], "DTHDTC": ["", ""]})
SE = pd.DataFrame({"USUBJID": ["IM96-001-001"] * 3 + ["IM96-001-002"],
                   "SESTDTC": ["2024-02-01", "2024-02-29", "2024-03-05", "2024-02-09"],
                   "EPOCH": ["SCREENING", "LYMPHODEPLETION", "TREATMENT", "SCREENING"]})
# No unscheduled visits in SV: unscheduled records are numbered from their own dates.
NO_UNSCHEDULED_SV = pd.DataFrame(columns=["USUBJID", "VISITNUM", "VISIT", "SVSTDTC"])

TV = pd.DataFrame({"VISIT": ["SCREENING", "DAY 1"], "VISITNUM": [1.0, 4.0]})



def context(spec) -> StudyContext:
    frame = pd.DataFrame(RAW, columns=COLUMNS).assign(RAW_FORM="vs", RAW_ROW=range(1, len(RAW) + 1))
    raw = RawStudy(Path("."), pd.DataFrame(), pd.DataFrame(), {"vs": frame})
    return StudyContext(spec=spec, raw=raw, design_dir=Path("specs/im96/design"), done={"DM": DM, "SE": SE, "TV": TV, "SV": NO_UNSCHEDULED_SV})


def test_build_vs_standardizes_units_and_flags_pre_infusion_baseline(spec):
    """98.6 F -> 37 C ((F - 32) x 5/9), 154 lb -> 69.853225 kg (x 0.45359237), 'mm Hg' -> mmHg, SPO2 -> OXYSAT;
    Day 1 records carry VSTPT/VSTPTNUM/VSTPTREF; the pre-infusion record is the baseline (VSLOBXFL), the
    post-infusion one is not; a not-done record has VSSTAT and a null result; the screen failure (no
    RFSTDTC) gets no VSDY and no baseline."""
    (result,) = vs.build(context(spec))
    out = finalize(result, spec).data
    expected = pd.DataFrame(
        [
            ["IM96-001-001", 1.0, "OXYSAT", "Oxygen Saturation", "98", "%", "98", 98.0, "%", "", "", "Y", "", 1.0,
             "SCREENING", "SCREENING", "2024-02-08T10:18", -26.0, "", NAN, ""],
            ["IM96-001-001", 2.0, "PULSE", "Pulse Rate", "", "", "", NAN, "", "NOT DONE", "Patient refused", "", "",
             4.0, "DAY 1", "TREATMENT", "2024-03-05T09:30", 1.0, "PRE-INFUSION", 1.0, "IM96 INFUSION"],
            ["IM96-001-001", 3.0, "SYSBP", "Systolic Blood Pressure", "122", "mmHg", "122", 122.0, "mmHg", "", "", "",
             "", 1.0, "SCREENING", "SCREENING", "2024-02-08T10:18", -26.0, "", NAN, ""],
            ["IM96-001-001", 4.0, "SYSBP", "Systolic Blood Pressure", "118", "mmHg", "118", 118.0, "mmHg", "", "", "Y",
             "N", 4.0, "DAY 1", "TREATMENT", "2024-03-05T09:30", 1.0, "PRE-INFUSION", 1.0, "IM96 INFUSION"],
            ["IM96-001-001", 5.0, "SYSBP", "Systolic Blood Pressure", "95", "mmHg", "95", 95.0, "mmHg", "", "", "",
             "Y", 4.0, "DAY 1", "TREATMENT", "2024-03-05T11:30", 1.0, "POST-INFUSION", 2.0, "IM96 INFUSION"],
            ["IM96-001-001", 6.0, "TEMP", "Temperature", "98.6", "F", "37", 37.0, "C", "", "", "", "N", 1.0,
             "SCREENING", "SCREENING", "2024-02-08T10:18", -26.0, "", NAN, ""],
            ["IM96-001-001", 7.0, "TEMP", "Temperature", "36.8", "C", "36.8", 36.8, "C", "", "", "Y", "", 4.0,
             "DAY 1", "TREATMENT", "2024-03-05T09:30", 1.0, "PRE-INFUSION", 1.0, "IM96 INFUSION"],
            ["IM96-001-001", 8.0, "WEIGHT", "Weight", "154", "LB", "69.853225", 69.853225, "kg", "", "", "Y", "", 1.0,
             "SCREENING", "SCREENING", "2024-02-08T10:18", -26.0, "", NAN, ""],
            ["IM96-001-002", 1.0, "PULSE", "Pulse Rate", "72", "beats/min", "72", 72.0, "beats/min", "", "", "", "",
             1.0, "SCREENING", "SCREENING", "2024-02-10", NAN, "", NAN, ""],
        ],
        columns=["USUBJID", "VSSEQ", "VSTESTCD", "VSTEST", "VSORRES", "VSORRESU", "VSSTRESC", "VSSTRESN", "VSSTRESU",
                 "VSSTAT", "VSREASND", "VSLOBXFL", "VSCLSIG", "VISITNUM", "VISIT", "EPOCH", "VSDTC", "VSDY", "VSTPT",
                 "VSTPTNUM", "VSTPTREF"],
    )
    assert_frame_equal_by_keys(out, expected, keys=["USUBJID", "VSSEQ"])


def test_build_vs_rejects_rows_of_subjects_without_demographics(spec):
    """A raw row whose SUBJID has no DM record is not mapped; it is listed with its reason."""
    (result,) = vs.build(context(spec))
    assert result.rejected[["RAW_FORM", "RAW_ROW"]].values.tolist() == [["vs", 10]]


def test_build_vs_refuses_a_record_after_the_subjects_death_naming_its_row(spec):
    """001-001 died on 2024-03-04 (a day before the Day 1 records, rows 5-8): ADVS had stopped naming VSSEQ, not
    the raw rows; a partial death date (2024-03) cannot be compared and is no refusal."""
    ctx = context(spec)
    ctx.done["DM"] = DM.assign(DTHDTC=["2024-03-04", ""])
    with pytest.raises(MappingError) as info:
        vs.build(ctx)
    assert str(info.value) == (
        "vs.csv VSDAT: 4 record(s) dated after the subject's death (row 5 '2024-03-05T09:30 after DM.DTHDTC "
        "2024-03-04', row 6 '2024-03-05T09:30 after DM.DTHDTC 2024-03-04', row 7 '2024-03-05T09:30 after DM.DTHDTC "
        "2024-03-04', row 8 '2024-03-05T11:30 after DM.DTHDTC 2024-03-04'); correct them in the export")
    ctx.done["DM"] = DM.assign(DTHDTC=["2024-03", ""])
    vs.build(ctx)
