"""pc.py: PC (cellular kinetics) on a 2-subject fixture (plus one unknown subject).

Expected values are worked by hand: unit spellings -> CT UNIT (copies/ug gDNA and copies/ug -> DNA copies/ug;
cells/uL and cells/mcL -> 10^6/L), '<LLOQ' -> '<' || PCLLOQ with no numeric result (SDTMIG 3.4 4.5.1),
planned days after the Day 1 infusion = TV.VISITDY - 1, and the pre-infusion sample as the last observation
before exposure.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cdisc.context import StudyContext
from cdisc.finalize import finalize
from cdisc.pipeline import load_checked_spec
from cdisc.raw import RawStudy
from mappings.im96.sdtm import pc
from tests.helpers import assert_frame_equal_by_keys

S1, S2 = "IM96-001-001", "IM96-001-002"
NAN = np.nan

GDNA, LOST = "copies/ug gDNA", "Sample lost in transit"
DNAU, CELLU = "DNA copies/ug", "10^6/L"  # CT UNIT spellings
PC = pd.DataFrame([
    # SUBJID,   VISIT,    PCTPT,          PCDAT,   PCTIM, PCTEST, PCORRES, PCORRESU, PCLLOQ, PCND, PCREASND
    ("001-001", "DAY 1", "PRE-INFUSION", "05-MAR-2024", "10:34", "TRANSGENE", "<LLOQ", "copies/ug", "50", "", ""),
    ("001-001", "DAY 1", "PRE-INFUSION", "05-MAR-2024", "10:34", "CARCELLS", "<0.5", "cells/uL", "0.5", "", ""),
    ("001-001", "DAY 4", "", "08-MAR-2024", "10:33", "TRANSGENE", "305", GDNA, "50", "", ""),
    ("001-001", "DAY 4", "", "08-MAR-2024", "10:33", "CARCELLS", "4.55", "cells/mcL", "0.5", "", ""),
    ("001-001", "UNSCHEDULED", "", "20-MAR-2024", "", "TRANSGENE", "1076", "copies/ug", "50", "", ""),
    ("001-002", "DAY 1", "PRE-INFUSION", "09-APR-2024", "09:43", "CARCELLS", "", "", "0.5", "Y", LOST),
    ("001-002", "MONTH 2", "", "10-JUN-2024", "", "TRANSGENE", "1125", GDNA, "50", "", ""),
    ("001-099", "DAY 4", "", "10-JUN-2024", "", "TRANSGENE", "88", "copies/ug", "50", "", ""),
], columns=["SUBJID", "VISIT", "PCTPT", "PCDAT", "PCTIM", "PCTEST", "PCORRES", "PCORRESU", "PCLLOQ", "PCND",
            "PCREASND"])

DM = pd.DataFrame({"USUBJID": [S1, S2], "SUBJID": ["001-001", "001-002"],
                   "RFSTDTC": ["2024-03-05T11:10", "2024-04-09T10:15"]})
SE = pd.DataFrame({
    "USUBJID": [S1, S1, S2, S2],
    "SESTDTC": ["2024-03-05", "2024-03-06", "2024-04-09", "2024-04-10"],
    "EPOCH":   ["TREATMENT", "FOLLOW-UP", "TREATMENT", "FOLLOW-UP"],
})
# No unscheduled visits in SV: unscheduled records are numbered from their own dates.
NO_UNSCHEDULED_SV = pd.DataFrame(columns=["USUBJID", "VISITNUM", "VISIT", "SVSTDTC"])

TV = pd.DataFrame({"VISITNUM": [4.0, 5.0, 11.0], "VISIT": ["DAY 1", "DAY 4", "MONTH 2"], "VISITDY": [1.0, 4.0, 60.0]})


@pytest.fixture(scope="module")
def result():
    spec = load_checked_spec(Path("specs/im96"), "sdtm")
    raw = RawStudy(Path("."), pd.DataFrame(), pd.DataFrame(),
                   {"pc": PC.assign(RAW_FORM="pc", RAW_ROW=range(1, len(PC) + 1))})
    ctx = StudyContext(spec=spec, raw=raw, design_dir=Path("specs/im96/design"), done={"DM": DM, "SE": SE, "TV": TV, "SV": NO_UNSCHEDULED_SV})
    (out,) = pc.build(ctx)
    return out, finalize(out, spec).data


def test_build_results_units_and_censoring(result):
    """Units take their CT spelling; '<LLOQ' shows the limit; censored and not-done samples have no PCSTRESN."""
    _, out = result
    expected = pd.DataFrame([
        # USUBJID, PCDTC,         PCTESTCD, PCORRES, PCORRESU, PCSTRESC, PCSTRESN, PCSTRESU, PCSTAT,  PCLLOQ
        (S1, "2024-03-05T10:34", "IM96TG",   "<LLOQ", DNAU,     "<50",  NAN,    DNAU,     "",         50.0),
        (S1, "2024-03-05T10:34", "IM96CARC", "<0.5",  CELLU,    "<0.5", NAN,    CELLU,    "",         0.5),
        (S1, "2024-03-08T10:33", "IM96TG",   "305",   DNAU,     "305",  305.0,  DNAU,     "",         50.0),
        (S1, "2024-03-08T10:33", "IM96CARC", "4.55",  CELLU,    "4.55", 4.55,   CELLU,    "",         0.5),
        (S1, "2024-03-20",       "IM96TG",   "1076",  DNAU,     "1076", 1076.0, DNAU,     "",         50.0),
        (S2, "2024-04-09T09:43", "IM96CARC", "",      "",       "",     NAN,    "",       "NOT DONE", 0.5),
        (S2, "2024-06-10",       "IM96TG",   "1125",  DNAU,     "1125", 1125.0, DNAU,     "",         50.0),
    ], columns=["USUBJID", "PCDTC", "PCTESTCD", "PCORRES", "PCORRESU", "PCSTRESC", "PCSTRESN", "PCSTRESU", "PCSTAT",
                "PCLLOQ"])
    assert_frame_equal_by_keys(out, expected, keys=["USUBJID", "PCDTC", "PCTESTCD"])
    assert out.loc[out["PCSTAT"].ne(""), "PCREASND"].tolist() == [LOST]
    assert dict(zip(out["PCTESTCD"], out["PCTEST"], strict=True)) == {"IM96TG": "IM96 CAR Transgene",
                                                         "IM96CARC": "IM96 CAR-Positive Cells"}
    assert dict(zip(out["PCTESTCD"], out["PCMETHOD"], strict=True)) == {
        "IM96TG": "REAL-TIME POLYMERASE CHAIN REACTION ASSAY", "IM96CARC": "FLOW CYTOMETRY"}
    assert (out["PCCAT"] + "/" + out["PCSPEC"]).unique().tolist() == ["ANALYTE/BLOOD"]


def test_build_timing_relative_to_infusion(result):
    """Time points count planned days after the Day 1 infusion; the unscheduled sample has none."""
    _, out = result
    expected = pd.DataFrame([
        # USUBJID, PCDTC,            PCTESTCD,  VISITNUM, VISIT,           PCDY, EPOCH,      PCLOBXFL
        (S1, "2024-03-05T10:34", "IM96TG",   4.0,  "DAY 1",            1.0,  "TREATMENT", "Y"),
        (S1, "2024-03-05T10:34", "IM96CARC", 4.0,  "DAY 1",            1.0,  "TREATMENT", "Y"),
        (S1, "2024-03-08T10:33", "IM96TG",   5.0,  "DAY 4",            4.0,  "FOLLOW-UP", ""),
        (S1, "2024-03-08T10:33", "IM96CARC", 5.0,  "DAY 4",            4.0,  "FOLLOW-UP", ""),
        (S1, "2024-03-20",       "IM96TG",   5.01, "UNSCHEDULED 5.01", 16.0, "FOLLOW-UP", ""),
        (S2, "2024-04-09T09:43", "IM96CARC", 4.0,  "DAY 1",            1.0,  "TREATMENT", ""),
        (S2, "2024-06-10",       "IM96TG",   11.0, "MONTH 2",          63.0, "FOLLOW-UP", ""),
    ], columns=["USUBJID", "PCDTC", "PCTESTCD", "VISITNUM", "VISIT", "PCDY", "EPOCH", "PCLOBXFL"])
    planned = pd.DataFrame([
        # USUBJID, PCDTC,            PCTESTCD,  PCTPT,                   PCTPTNUM, PCELTM, PCRFTDTC
        (S1, "2024-03-05T10:34", "IM96TG",   "PRE-INFUSION",          0.0,  "",     "2024-03-05T11:10"),
        (S1, "2024-03-05T10:34", "IM96CARC", "PRE-INFUSION",          0.0,  "",     "2024-03-05T11:10"),
        (S1, "2024-03-08T10:33", "IM96TG",   "3 DAYS POST-INFUSION",  3.0,  "P3D",  "2024-03-05T11:10"),
        (S1, "2024-03-08T10:33", "IM96CARC", "3 DAYS POST-INFUSION",  3.0,  "P3D",  "2024-03-05T11:10"),
        (S1, "2024-03-20",       "IM96TG",   "",                      NAN,  "",     "2024-03-05T11:10"),
        (S2, "2024-04-09T09:43", "IM96CARC", "PRE-INFUSION",          0.0,  "",     "2024-04-09T10:15"),
        (S2, "2024-06-10",       "IM96TG",   "59 DAYS POST-INFUSION", 59.0, "P59D", "2024-04-09T10:15"),
    ], columns=["USUBJID", "PCDTC", "PCTESTCD", "PCTPT", "PCTPTNUM", "PCELTM", "PCRFTDTC"])
    assert_frame_equal_by_keys(out, expected, keys=["USUBJID", "PCDTC", "PCTESTCD"])
    assert_frame_equal_by_keys(out, planned, keys=["USUBJID", "PCDTC", "PCTESTCD"])
    assert out["PCTPTREF"].unique().tolist() == ["IM96 INFUSION"]


def test_build_rejects_samples_of_subjects_without_demographics(result):
    """pc row 8 (001-099) is rejected with a reason; every other row maps to one record."""
    mapped, out = result
    assert mapped.rejected[["RAW_FORM", "RAW_ROW"]].values.tolist() == [["pc", 8]]
    assert sorted(mapped.data["RAW_ROW"]) == [1, 2, 3, 4, 5, 6, 7]
    assert len(out) == 7


def test_build_refuses_a_negative_result_naming_its_row():
    """PCORRES -4.55 reached the NCA, which refused it naming neither file nor row."""
    from cdisc.errors import MappingError

    spec = load_checked_spec(Path("specs/im96"), "sdtm")
    negative = PC.assign(PCORRES=PC["PCORRES"].where(PC.index != 3, "-4.55"))
    raw = RawStudy(Path("."), pd.DataFrame(), pd.DataFrame(),
                   {"pc": negative.assign(RAW_FORM="pc", RAW_ROW=range(1, len(PC) + 1))})
    ctx = StudyContext(spec=spec, raw=raw, design_dir=Path("specs/im96/design"),
                       done={"DM": DM, "SE": SE, "TV": TV, "SV": NO_UNSCHEDULED_SV})
    with pytest.raises(MappingError, match=r"pc.csv PCORRES: 1 value\(s\) are below 0 \(row 4 '-4.55'\)"):
        pc.build(ctx)


def test_build_refuses_samples_of_a_subject_without_an_infusion_naming_their_rows():
    """001-002 without an inf.csv record (DM.RFSTDTC blank): its Month 2 sample has no time after the infusion, and
    ADPC stopped on records sharing a key of no time, naming no raw row; its pre-infusion sample (row 6) is one (an
    infusion after the data cut, or never given)."""
    from cdisc.errors import MappingError

    spec = load_checked_spec(Path("specs/im96"), "sdtm")
    raw = RawStudy(Path("."), pd.DataFrame(), pd.DataFrame(),
                   {"pc": PC.assign(RAW_FORM="pc", RAW_ROW=range(1, len(PC) + 1))})
    ctx = StudyContext(spec=spec, raw=raw, design_dir=Path("specs/im96/design"),
                       done={"DM": DM.assign(RFSTDTC=["2024-03-05T11:10", ""]), "SE": SE, "TV": TV,
                             "SV": NO_UNSCHEDULED_SV})
    with pytest.raises(MappingError) as info:
        pc.build(ctx)
    assert str(info.value) == ("pc.csv SUBJID: 1 post-infusion PK sample(s) of subjects without an infusion in "
                               "inf.csv (row 7 '001-002 MONTH 2'); correct them in the export")
