"""CM mapping on a 2-subject raw fixture: prior cancer therapy, concomitant medications with unit spellings,
partial dates, ongoing medications, the new anticancer therapy form, an unknown subject rejected."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cdisc.context import StudyContext
from cdisc.errors import MappingError
from cdisc.finalize import finalize
from cdisc.raw import RawStudy
from mappings.im96.sdtm import cm
from tests.helpers import assert_frame_equal_by_keys

NAN = np.nan
CM_COLUMNS = ["SUBJID", "CMSEQ", "CMTRT", "CMCAT", "CMINDC", "CMDOSE", "CMDOSU", "CMROUTE", "CMFREQ", "CMSTDAT",
              "CMSTTIM", "CMENDAT", "CMONGO", "CMAENO"]
CM = [
    ["001-001", "1", "CAPOX", "PRIOR CANCER THERAPY", "Colon cancer", "", "", "INTRAVENOUS", "Q3W", "01-JUL-2022", "",
     "UN-OCT-2022", "N", ""],
    ["001-001", "2", "Tocilizumab", "CONCOMITANT", "CRS", "8", "mg/kg", "INTRAVENOUS", "ONCE", "06-MAR-2024",
     "18:19", "06-MAR-2024", "N", "1"],
    ["001-001", "3", "Paracetamol", "CONCOMITANT", "fever", "1", "G", "ORAL", "PRN", "UN-MAR-2024", "", "", "Y", ""],
    ["001-002", "1", "Metformin", "CONCOMITANT", "Type 2 diabetes mellitus", "500", "Mg", "ORAL", "BID",
     "UN-UNK-2019", "", "", "Y", ""],
    ["001-099", "1", "Aspirin", "CONCOMITANT", "Pain", "100", "mg", "ORAL", "QD", "01-MAR-2024", "", "", "Y", ""],
]
NACT_COLUMNS = ["SUBJID", "NACTSEQ", "NACTTRT", "NACTSTDAT", "NACTENDAT"]
NACT = [["001-001", "1", "TAS-102 + bevacizumab", "14-APR-2024", "24-JUN-2024"]]

DM = pd.DataFrame({"USUBJID": ["IM96-001-001", "IM96-001-002"], "SUBJID": ["001-001", "001-002"],
                   "RFSTDTC": ["2024-03-05T11:10", ""], "RFPENDTC": ["2024-07-02", "2024-04-30"],
                   "DTHDTC": ["", ""]})
SE = pd.DataFrame({"USUBJID": ["IM96-001-001"] * 5,
                   "SESTDTC": ["2024-01-20", "2024-02-12", "2024-02-29", "2024-03-05", "2024-04-02"],
                   "EPOCH": ["SCREENING", "CELL COLLECTION", "LYMPHODEPLETION", "TREATMENT", "FOLLOW-UP"]})



def form(name: str, rows: list[list[str]], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns).assign(RAW_FORM=name, RAW_ROW=range(1, len(rows) + 1))


def test_build_cm_maps_medications_and_subsequent_therapy(spec):
    """CT units whatever the spelling (G -> g, Mg -> mg), Q3W -> EVERY 3 WEEKS, partial dates right-truncated
    with no study day or EPOCH, the time kept on a complete date, ONGOING at the last contact (DM.RFPENDTC), the
    CRF line in CMSPID, new anticancer therapy as SUBSEQUENT ANTICANCER THERAPY on Day 41."""
    raw = RawStudy(Path("."), pd.DataFrame(), pd.DataFrame(),
                   {"cm": form("cm", CM, CM_COLUMNS), "nact": form("nact", NACT, NACT_COLUMNS)})
    ctx = StudyContext(spec=spec, raw=raw, design_dir=Path("specs/im96/design"), done={"DM": DM, "SE": SE})
    (result,) = cm.build(ctx)
    out = finalize(result, spec).data
    expected = pd.DataFrame(
        [
            # USUBJID, CMSEQ, CMSPID, CMTRT, CMCAT, CMINDC, CMDOSE, CMDOSU, CMDOSFRQ, CMROUTE, EPOCH, CMSTDTC,
            # CMENDTC, CMSTDY, CMENDY, CMENRTPT, CMENTPT
            ["IM96-001-001", 1.0, "CM-3", "Paracetamol", "CONCOMITANT MEDICATION", "fever", 1.0, "g", "PRN", "ORAL",
             "", "2024-03", "", NAN, NAN, "ONGOING", "2024-07-02"],
            ["IM96-001-001", 2.0, "CM-2", "Tocilizumab", "CONCOMITANT MEDICATION", "CRS", 8.0, "mg/kg", "ONCE",
             "INTRAVENOUS", "TREATMENT", "2024-03-06T18:19", "2024-03-06", 2.0, 2.0, "", ""],
            ["IM96-001-001", 3.0, "CM-1", "CAPOX", "PRIOR CANCER THERAPY", "Colon cancer", NAN, "", "EVERY 3 WEEKS",
             "INTRAVENOUS", "", "2022-07-01", "2022-10", -613.0, NAN, "", ""],
            ["IM96-001-001", 4.0, "NACT-1", "TAS-102 + bevacizumab", "SUBSEQUENT ANTICANCER THERAPY", "", NAN, "", "",
             "", "FOLLOW-UP", "2024-04-14", "2024-06-24", 41.0, 112.0, "", ""],
            ["IM96-001-002", 1.0, "CM-1", "Metformin", "CONCOMITANT MEDICATION", "Type 2 diabetes mellitus", 500.0,
             "mg", "BID", "ORAL", "", "2019", "", NAN, NAN, "ONGOING", "2024-04-30"],
        ],
        columns=["USUBJID", "CMSEQ", "CMSPID", "CMTRT", "CMCAT", "CMINDC", "CMDOSE", "CMDOSU", "CMDOSFRQ", "CMROUTE",
                 "EPOCH", "CMSTDTC", "CMENDTC", "CMSTDY", "CMENDY", "CMENRTPT", "CMENTPT"],
    )
    assert_frame_equal_by_keys(out, expected, keys=["USUBJID", "CMSEQ"])
    assert result.rejected[["RAW_FORM", "RAW_ROW"]].values.tolist() == [["cm", 5]]


@pytest.mark.parametrize(("death", "message"), [
    ("2024-03-05", "cm.csv CMSTDAT: 1 record(s) dated after the subject's death (row 2 '2024-03-06T18:19 after "
                   "DM.DTHDTC 2024-03-05'); correct them in the export"),
    ("2024-04-01", "nact.csv NACTSTDAT: 1 record(s) dated after the subject's death (row 1 '2024-04-14 after "
                   "DM.DTHDTC 2024-04-01'); correct them in the export"),
])
def test_a_medication_or_therapy_started_after_the_subjects_death_is_refused(spec, death, message):
    """001-001's tocilizumab began on 06-MAR-2024 (cm row 2; its paracetamol of UN-MAR-2024 cannot be compared) and
    its new anticancer therapy on 14-APR-2024 (nact row 1): a death before either was mapped with exit 0."""
    raw = RawStudy(Path("."), pd.DataFrame(), pd.DataFrame(),
                   {"cm": form("cm", CM, CM_COLUMNS), "nact": form("nact", NACT, NACT_COLUMNS)})
    ctx = StudyContext(spec=spec, raw=raw, design_dir=Path("specs/im96/design"),
                       done={"DM": DM.assign(DTHDTC=[death, ""]), "SE": SE})
    with pytest.raises(MappingError) as info:
        cm.build(ctx)
    assert str(info.value) == message
