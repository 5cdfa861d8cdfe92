"""DS on a 3-subject fixture: consent and re-consent, eligibility met / not met, dispositions per period
(screening, treatment, death in follow-up), a screen failure, rows of an unknown subject."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cdisc.errors import MappingError
from cdisc.finalize import finalize
from mappings.im96.sdtm import ds
from tests.helpers import assert_frame_equal_by_keys

NAN = np.nan
IC = pd.DataFrame({"SUBJID": ["001-001", "001-001", "001-004", "001-099"],
                   "ICDAT": ["08-FEB-2024", "20-MAY-2024", "19-MAY-2024", "01-JAN-2025"],
                   "ICVER": ["1.0", "2.0", "1.0", "2.0"]})
IE = pd.DataFrame({"SUBJID": ["001-001", "001-004", "001-004", "001-099"], "IEYN": ["Y", "N", "N", "Y"],
                   "IETESTCD": ["", "", "IN04", ""],
                   "IEDAT": ["10-FEB-2024", "23-MAY-2024", "23-MAY-2024", "02-JAN-2025"]})
DS = pd.DataFrame({
    "SUBJID":  ["001-001", "001-001", "001-001", "001-004"],
    "DSEPOCH": ["SCREENING", "TREATMENT", "FOLLOW-UP", "SCREENING"],
    "DSDECOD": ["COMPLETED", "COMPLETED", "DEATH", "SCREEN FAILURE"],
    "DSTERM":  ["Eligible; enrolled", "Received IM96 CAR-T infusion", "Death", "Did not meet criterion IN04"],
    "DSSTDAT": ["10-FEB-2024", "05-MAR-2024", "02-JUL-2024", "23-MAY-2024"],
})
DM = pd.DataFrame({"USUBJID": ["IM96-001-001", "IM96-001-004"], "SUBJID": ["001-001", "001-004"],
                   "RFSTDTC": ["2024-03-05T11:10", ""], "RFICDTC": ["2024-02-08", "2024-05-19"]})
SE = pd.DataFrame({
    "USUBJID": ["IM96-001-001"] * 3 + ["IM96-001-004"],
    "SESTDTC": ["2024-02-08", "2024-03-05T11:10", "2024-04-02", "2024-05-19"],
    "EPOCH":   ["SCREENING", "TREATMENT", "FOLLOW-UP", "SCREENING"],
})


def test_build_ds_milestones_and_dispositions(make_context, spec):
    """Each consent is an INFORMED CONSENT OBTAINED milestone naming its protocol version, in the epoch of its
    date (the re-consent on Day 77 falls in FOLLOW-UP); the eligibility summary becomes ELIGIBILITY CRITERIA
    MET / NOT MET; dispositions keep their verbatim term, NCOMPLT decode and collected period; study days from
    the infusion; criterion rows (IE) and unknown subjects' rows are not DS records."""
    result, = ds.build(make_context({"ic": IC, "ie": IE, "ds": DS}, done={"DM": DM, "SE": SE}))
    out = finalize(result, spec).data
    s1, s4 = "IM96-001-001", "IM96-001-004"
    milestone, event = "PROTOCOL MILESTONE", "DISPOSITION EVENT"
    expected = pd.DataFrame([
        [s1, 1.0, "INFORMED CONSENT OBTAINED, PROTOCOL VERSION 1.0", "INFORMED CONSENT OBTAINED", milestone,
         "SCREENING", "2024-02-08", -26.0],
        [s1, 2.0, "Eligible; enrolled", "COMPLETED", event, "SCREENING", "2024-02-10", -24.0],
        [s1, 3.0, "ELIGIBILITY CRITERIA MET", "ELIGIBILITY CRITERIA MET", milestone, "SCREENING", "2024-02-10",
         -24.0],
        [s1, 4.0, "Received IM96 CAR-T infusion", "COMPLETED", event, "TREATMENT", "2024-03-05", 1.0],
        [s1, 5.0, "INFORMED CONSENT OBTAINED, PROTOCOL VERSION 2.0", "INFORMED CONSENT OBTAINED", milestone,
         "FOLLOW-UP", "2024-05-20", 77.0],
        [s1, 6.0, "Death", "DEATH", event, "FOLLOW-UP", "2024-07-02", 120.0],
        [s4, 1.0, "INFORMED CONSENT OBTAINED, PROTOCOL VERSION 1.0", "INFORMED CONSENT OBTAINED", milestone,
         "SCREENING", "2024-05-19", NAN],
        [s4, 2.0, "Did not meet criterion IN04", "SCREEN FAILURE", event, "SCREENING", "2024-05-23", NAN],
        [s4, 3.0, "ELIGIBILITY CRITERIA NOT MET", "ELIGIBILITY CRITERIA NOT MET", milestone, "SCREENING",
         "2024-05-23", NAN],
    ], columns=["USUBJID", "DSSEQ", "DSTERM", "DSDECOD", "DSCAT", "EPOCH", "DSSTDTC", "DSSTDY"])
    assert_frame_equal_by_keys(out, expected, keys=["USUBJID", "DSSEQ"])
    assert sorted(map(tuple, result.rejected[["RAW_FORM", "RAW_ROW"]].values.tolist())) == [("ic", 4), ("ie", 4)]
    assert (result.data["RAW_FORM"] + " " + result.data["RAW_ROW"].astype(str)).value_counts().max() == 1


def test_a_completed_treatment_period_without_an_infusion_is_refused_naming_its_row(make_context, spec):
    """001-001's DS says the treatment period was completed ("Received IM96 CAR-T infusion", row 2) but DM has no
    infusion (inf.csv has no record): the subject was mapped as never infused."""
    never_infused = DM.assign(RFSTDTC=["", ""])
    with pytest.raises(MappingError) as info:
        ds.build(make_context({"ic": IC, "ie": IE, "ds": DS}, done={"DM": never_infused, "SE": SE}))
    assert str(info.value) == ("ds.csv DSEPOCH, DSDECOD: 1 treatment period(s) completed by subjects without an "
                               "infusion in inf.csv (row 2 '001-001 Received IM96 CAR-T infusion'); correct them in "
                               "the export")
