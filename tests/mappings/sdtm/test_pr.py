"""PR + SUPPPR mapping on a 2-subject raw fixture: leukapheresis performed / not performed, the product volume
in SUPPPR, unknown subject rejected."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cdisc.context import StudyContext
from cdisc.finalize import finalize
from cdisc.raw import RawStudy
from mappings.im96.sdtm import pr
from tests.helpers import assert_frame_equal_by_keys

COLUMNS = ["SUBJID", "APHDAT", "APHTIM", "APHVOL", "APHYN"]
RAW = [
    ["001-001", "12-FEB-2024", "08:38", "191", "Y"],
    ["001-002", "18-MAR-2024", "", "", "N"],
    ["001-099", "20-MAR-2024", "09:00", "200", "Y"],
]
DM = pd.DataFrame({"USUBJID": ["IM96-001-001", "IM96-001-002"], "SUBJID": ["001-001", "001-002"],
                   "RFSTDTC": ["2024-03-05T11:10", ""]})
SE = pd.DataFrame({"USUBJID": ["IM96-001-001", "IM96-001-001", "IM96-001-002", "IM96-001-002"],
                   "SESTDTC": ["2024-01-20", "2024-02-12", "2024-02-10", "2024-03-18"],
                   "EPOCH": ["SCREENING", "CELL COLLECTION", "SCREENING", "CELL COLLECTION"]})



@pytest.fixture(scope="module")
def built(spec):
    raw = RawStudy(Path("."), pd.DataFrame(), pd.DataFrame(),
                   {"apher": pd.DataFrame(RAW, columns=COLUMNS).assign(RAW_FORM="apher", RAW_ROW=[1, 2, 3])})
    ctx = StudyContext(spec=spec, raw=raw, design_dir=Path("specs/im96/design"), done={"DM": DM, "SE": SE})
    return pr.build(ctx)


def test_build_pr_maps_leukapheresis_occurrence(spec, built):
    """LEUKAPHERESIS, pre-specified (PRPRESP Y) with PROCCUR from 'Apheresis performed'; PRSTDY -22 before the
    infusion (no Day 0) and null for a subject never infused; the time is kept on complete dates."""
    result, _ = built
    out = finalize(result, spec).data
    expected = pd.DataFrame(
        [
            ["IM96-001-001", 1.0, "LEUKAPHERESIS", "CELL COLLECTION", "Y", "Y", "CELL COLLECTION",
             "2024-02-12T08:38", -22.0],
            ["IM96-001-002", 1.0, "LEUKAPHERESIS", "CELL COLLECTION", "Y", "N", "CELL COLLECTION",
             "2024-03-18", np.nan],
        ],
        columns=["USUBJID", "PRSEQ", "PRTRT", "PRCAT", "PRPRESP", "PROCCUR", "EPOCH", "PRSTDTC", "PRSTDY"],
    )
    assert_frame_equal_by_keys(out, expected, keys=["USUBJID", "PRSEQ"])
    assert list(out.columns) == ["STUDYID", "DOMAIN", "USUBJID", "PRSEQ", "PRTRT", "PRCAT", "PRPRESP", "PROCCUR",
                                 "EPOCH", "PRSTDTC", "PRSTDY"]
    assert result.rejected[["RAW_FORM", "RAW_ROW"]].values.tolist() == [["apher", 3]]


def test_build_supppr_apheresis_product_volume(spec, built):
    """SUPPPR: the product volume as collected (191 mL, text as on the CRF) on the PR record it belongs to
    (IDVARVAL = PRSEQ 1), QLABEL from the PRQNAM codelist, QORIG Collected; no record where no volume was
    collected (apheresis not performed) (SDTMIG 3.4 §8.4)."""
    _, supp = built
    final = finalize(supp, spec)
    assert final.data.values.tolist() == [
        ["IM96", "PR", "IM96-001-001", "PRSEQ", "1", "APHVOL", "Apheresis Product Volume (mL)", "191", "Collected", ""],
    ]
    assert list(final.data.columns) == ["STUDYID", "RDOMAIN", "USUBJID", "IDVAR", "IDVARVAL", "QNAM", "QLABEL",
                                        "QVAL", "QORIG", "QEVAL"]
    assert final.lineage[["RAW_FORM", "RAW_ROW"]].values.tolist() == [["apher", 1]]
