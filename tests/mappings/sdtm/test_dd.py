"""DD on a 2-subject death form fixture: cause of death and autopsy as two findings per subject, a partial date
of death for a subject never infused, an unknown subject rejected, an unknown autopsy answer refused."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cdisc.errors import MappingError
from cdisc.finalize import finalize
from mappings.im96.sdtm import dd
from tests.helpers import assert_frame_equal_by_keys

NAN = np.nan
DTH = pd.DataFrame({
    "SUBJID":   ["001-001", "001-002", "001-099"],
    "DTHDAT":   ["02-JUL-2024", "UN-SEP-2024", "01-JAN-2025"],
    "DTHCAUS":  ["Progressive metastatic colorectal cancer", "Sepsis", "Unknown"],
    "DTHAUTOP": ["N", "Y", "N"],
})
DM = pd.DataFrame({"USUBJID": ["IM96-001-001", "IM96-001-002"], "SUBJID": ["001-001", "001-002"],
                   "RFSTDTC": ["2024-03-05T11:10", ""]})
SE = pd.DataFrame({
    "USUBJID": ["IM96-001-001"] * 3 + ["IM96-001-002"],
    "SESTDTC": ["2024-02-08", "2024-03-05T11:10", "2024-04-02", "2024-05-19"],
    "EPOCH":   ["SCREENING", "TREATMENT", "FOLLOW-UP", "SCREENING"],
})


def test_build_dd_one_record_per_death_detail(make_context, spec):
    """Each death form row gives PRCDTH (cause as written, DDSTRESC = DDORRES, not coded) and AUTOPIND (NY); DDSEQ
    follows the keys (AUTOPIND sorts first); DDDTC is the date of death, Day 120 after the 5 March infusion in
    FOLLOW-UP; a partial date (UN-SEP-2024) keeps its month with no study day or EPOCH (SDTMIG 3.4 DD, §4.4.4)."""
    result, = dd.build(make_context({"dth": DTH}, done={"DM": DM, "SE": SE}))
    out = finalize(result, spec).data
    s1, s2 = "IM96-001-001", "IM96-001-002"
    cause, autopsy = "Primary Cause of Death", "Autopsy Indicator"
    pmcc = "Progressive metastatic colorectal cancer"
    expected = pd.DataFrame([
        [s1, 1.0, "AUTOPIND", autopsy, "N", "N", "FOLLOW-UP", "2024-07-02", 120.0],
        [s1, 2.0, "PRCDTH", cause, pmcc, pmcc, "FOLLOW-UP", "2024-07-02", 120.0],
        [s2, 1.0, "AUTOPIND", autopsy, "Y", "Y", "", "2024-09", NAN],
        [s2, 2.0, "PRCDTH", cause, "Sepsis", "Sepsis", "", "2024-09", NAN],
    ], columns=["USUBJID", "DDSEQ", "DDTESTCD", "DDTEST", "DDORRES", "DDSTRESC", "EPOCH", "DDDTC", "DDDY"])
    assert_frame_equal_by_keys(out, expected, keys=["USUBJID", "DDSEQ"])
    assert list(out.columns) == ["STUDYID", "DOMAIN", "USUBJID", "DDSEQ", "DDTESTCD", "DDTEST", "DDORRES",
                                 "DDSTRESC", "EPOCH", "DDDTC", "DDDY"]
    assert (out["STUDYID"] + out["DOMAIN"]).eq("IM96DD").all()


def test_build_dd_keeps_raw_lineage(make_context, spec):
    """Both records of a subject name the death form row they come from; the unknown subject's row is rejected."""
    result, = dd.build(make_context({"dth": DTH}, done={"DM": DM, "SE": SE}))
    lineage = finalize(result, spec).lineage
    assert lineage[["USUBJID", "SEQ", "RAW_FORM", "RAW_ROW"]].values.tolist() == [
        ["IM96-001-001", 1.0, "dth", 1], ["IM96-001-001", 2.0, "dth", 1],
        ["IM96-001-002", 1.0, "dth", 2], ["IM96-001-002", 2.0, "dth", 2],
    ]
    assert result.rejected[["RAW_FORM", "RAW_ROW"]].values.tolist() == [["dth", 3]]


def test_build_dd_unknown_autopsy_answer(make_context):
    """An autopsy answer that is not a term or collected value of NY stops the mapping and names the field."""
    form = DTH.assign(DTHAUTOP=["N", "Maybe", "N"])
    with pytest.raises(MappingError, match=r"dth.csv DTHAUTOP: value\(s\) \['Maybe'\]"):
        dd.build(make_context({"dth": form}, done={"DM": DM, "SE": SE}))
