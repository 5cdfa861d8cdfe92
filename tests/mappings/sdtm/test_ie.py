"""IE on a 3-subject fixture: an eligible subject (summary row only), two screen failures (an inclusion
criterion not met, an exclusion criterion met), a row of an unknown subject."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cdisc.errors import MappingError
from cdisc.finalize import finalize
from mappings.im96.sdtm import ie
from tests.helpers import assert_frame_equal_by_keys

NAN = np.nan
IE = pd.DataFrame({
    "SUBJID":   ["001-001", "001-004", "001-004", "001-012", "001-012", "001-099"],
    "IEYN":     ["Y", "N", "N", "N", "N", "N"],
    "IETESTCD": ["", "", "IN04", "", "EX07", "IN01"],
    "IEDAT":    ["10-FEB-2024", "23-MAY-2024", "23-MAY-2024", "11-MAR-2025", "11-MAR-2025", "01-JAN-2025"],
})
TI = pd.DataFrame({"IETESTCD": ["IN01", "IN04", "EX07"],
                   "IETEST": ["Age 18 to 75 years", "GCC-positive tumour by IHC", "Bowel obstruction"],
                   "IECAT": ["INCLUSION", "INCLUSION", "EXCLUSION"]})
DM = pd.DataFrame({"USUBJID": ["IM96-001-001", "IM96-001-004", "IM96-001-012"],
                   "SUBJID": ["001-001", "001-004", "001-012"], "RFSTDTC": ["2024-03-05T11:10", "", ""]})
SE = pd.DataFrame({"USUBJID": ["IM96-001-001", "IM96-001-004", "IM96-001-012"],
                   "SESTDTC": ["2024-02-08", "2024-05-19", "2025-03-08"], "EPOCH": ["SCREENING"] * 3})


def test_build_ie_criteria_not_met(make_context, spec):
    """One record per criterion named on the form, text and category from TI; IEORRES N for an inclusion
    criterion, Y for an exclusion criterion (SDTMIG 3.4 IE); no study day without an infusion; the summary rows
    are left to DS; the unknown subject's row is rejected."""
    result, = ie.build(make_context({"ie": IE}, done={"DM": DM, "SE": SE, "TI": TI}))
    out = finalize(result, spec).data
    expected = pd.DataFrame([
        ["IM96-001-004", 1.0, "IN04", "GCC-positive tumour by IHC", "INCLUSION", "N", "N", "SCREENING",
         "2024-05-23", NAN],
        ["IM96-001-012", 1.0, "EX07", "Bowel obstruction", "EXCLUSION", "Y", "Y", "SCREENING", "2025-03-11", NAN],
    ], columns=["USUBJID", "IESEQ", "IETESTCD", "IETEST", "IECAT", "IEORRES", "IESTRESC", "EPOCH", "IEDTC", "IEDY"])
    assert_frame_equal_by_keys(out, expected, keys=["USUBJID"])
    assert result.data["RAW_ROW"].tolist() == [3, 5]
    assert result.rejected[["RAW_FORM", "RAW_ROW"]].values.tolist() == [["ie", 6]]


def test_build_ie_refuses_a_criterion_missing_from_ti(make_context):
    """A criterion code the protocol table TI does not list stops the mapping (TI and the EDC must agree)."""
    with pytest.raises(MappingError, match=r"\['IN04'\] are not in TI"):
        ie.build(make_context({"ie": IE}, done={"DM": DM, "SE": SE, "TI": TI[TI["IETESTCD"].ne("IN04")]}))
