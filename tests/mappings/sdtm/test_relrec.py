"""RELREC on a 2-subject fixture: medications linked to the AE they treat (CMAENO), one RELID per pair."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from cdisc.context import StudyContext
from cdisc.finalize import finalize
from cdisc.raw import RawStudy
from mappings.im96.sdtm import relrec
from tests.helpers import assert_frame_equal_by_keys

RAW = pd.DataFrame(
    [
        ["001-001", "2", "Tocilizumab", "1"],
        ["001-001", "3", "Dexamethasone", "1"],
        ["001-001", "1", "CAPOX", ""],
        ["001-001", "4", "Norepinephrine", "3"],
        ["001-002", "1", "Paracetamol", "2"],
    ],
    columns=["SUBJID", "CMSEQ", "CMTRT", "CMAENO"],
).assign(RAW_FORM="cm", RAW_ROW=[1, 2, 3, 4, 5])
CM = pd.DataFrame({"USUBJID": ["IM96-001-001"] * 4 + ["IM96-001-002"],
                   "CMSPID": ["CM-2", "CM-3", "CM-1", "CM-4", "CM-1"], "CMSEQ": [1.0, 2.0, 3.0, 4.0, 1.0]})
AE = pd.DataFrame({"USUBJID": ["IM96-001-001", "IM96-001-001", "IM96-001-002"], "AESPID": ["2", "1", "2"],
                   "AESEQ": [1.0, 2.0, 1.0]})



def test_build_relrec_links_medications_to_adverse_events(spec):
    """Tocilizumab and dexamethasone for AE line 1 (AESEQ 2) give two pairs AECM1 / AECM2; the AE record appears
    in both; IDVARVAL is --SEQ as text; a CMAENO naming no AE line of the subject is rejected, lines without
    CMAENO give nothing (record-level RELREC, RELTYPE null, SDTMIG 3.4 §8.2)."""
    raw = RawStudy(Path("."), pd.DataFrame(), pd.DataFrame(), {"cm": RAW})
    ctx = StudyContext(spec=spec, raw=raw, design_dir=Path("specs/im96/design"), done={"CM": CM, "AE": AE})
    (result,) = relrec.build(ctx)
    out = finalize(result, spec).data
    expected = pd.DataFrame(
        [
            ["CM", "IM96-001-001", "CMSEQ", "1", "AECM1"],
            ["AE", "IM96-001-001", "AESEQ", "2", "AECM1"],
            ["CM", "IM96-001-001", "CMSEQ", "2", "AECM2"],
            ["AE", "IM96-001-001", "AESEQ", "2", "AECM2"],
            ["CM", "IM96-001-002", "CMSEQ", "1", "AECM1"],
            ["AE", "IM96-001-002", "AESEQ", "1", "AECM1"],
        ],
        columns=["RDOMAIN", "USUBJID", "IDVAR", "IDVARVAL", "RELID"],
    )
    assert_frame_equal_by_keys(out, expected, keys=["USUBJID", "RELID", "RDOMAIN"])
    assert out["STUDYID"].eq("IM96").all() and out["RELTYPE"].eq("").all()
    assert result.rejected[["RAW_FORM", "RAW_ROW"]].values.tolist() == [["cm", 4]]
