"""supp_records: SUPP-- records from a parent domain, labels and origins from the spec (SDTMIG 3.4 §8.4)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from cdisc.errors import MappingError
from cdisc.pipeline import load_checked_spec
from cdisc.supp import supp_records

PARENT = pd.DataFrame({"STUDYID": ["IM96", "IM96"], "USUBJID": ["IM96-001-001", "IM96-001-001"],
                       "AESEQ": [1.0, 12.0], "AEDLT": ["Y", ""], "RAW_FORM": ["ae", "ae"], "RAW_ROW": [3, 7]})


@pytest.fixture(scope="module")
def spec():
    return load_checked_spec(Path("specs/im96"), "sdtm")


def test_supp_records_skips_blank_values_and_keeps_lineage(spec):
    """Only non-blank values give records; IDVARVAL is the integral --SEQ without decimals; lineage is kept."""
    out = supp_records(PARENT, spec, rdomain="AE", idvar="AESEQ", qualifiers=["AEDLT"],
                       evaluators={"AEDLT": "INVESTIGATOR"})
    assert out.to_dict("records") == [{
        "STUDYID": "IM96", "RDOMAIN": "AE", "USUBJID": "IM96-001-001", "IDVAR": "AESEQ", "IDVARVAL": "1",
        "QNAM": "AEDLT", "QLABEL": "Dose-Limiting Toxicity", "QVAL": "Y", "QORIG": "Collected",
        "QEVAL": "INVESTIGATOR", "RAW_FORM": "ae", "RAW_ROW": 3,
    }]


def test_supp_records_requires_value_level_metadata(spec):
    """A QNAM without a QVAL value-level row (so without an origin) is an error naming the QNAM."""
    with pytest.raises(MappingError, match="AESEQ2"):
        supp_records(PARENT.assign(AESEQ2="x"), spec, rdomain="AE", idvar="AESEQ", qualifiers=["AESEQ2"])


def test_supp_records_of_a_subject_have_no_idvar():
    """SUPPDM (the pilot's population flags): IDVAR and IDVARVAL blank, one record per flag set."""
    pilot = load_checked_spec(Path("specs/cdiscpilot01"), "sdtm")
    parent = pd.DataFrame({"STUDYID": ["CDISCPILOT01"] * 2, "USUBJID": ["01-701-1015", "01-701-1057"],
                           "ITT": ["Y", ""], "SAFETY": ["Y", ""], "RAW_FORM": ["dm_raw"] * 2, "RAW_ROW": [1, 7]})
    out = supp_records(parent, pilot, rdomain="DM", idvar="", qualifiers=["ITT", "SAFETY"])
    assert out[["USUBJID", "IDVAR", "IDVARVAL", "QNAM", "QLABEL", "QVAL", "QORIG"]].values.tolist() == [
        ["01-701-1015", "", "", "ITT", "Intent to Treat Population Flag", "Y", "Derived"],
        ["01-701-1015", "", "", "SAFETY", "Safety Population Flag", "Y", "Derived"]]
