"""add_ongoing: --ENRTPT / --ENTPT for records ongoing at a reference time point (SDTMIG 3.4 §4.4.7)."""
from __future__ import annotations

import pandas as pd
import pytest

from cdisc.errors import MappingError
from cdisc.events import add_ongoing, complete_codes

DM = pd.DataFrame({"USUBJID": ["S1", "S2"], "RFPENDTC": ["2025-06-01", ""]})


def test_add_ongoing_points_ongoing_records_at_the_subject_reference_date():
    """ONGOING + the subject's DM date on ongoing records; null elsewhere and for a subject without the date."""
    df = pd.DataFrame({"USUBJID": ["S1", "S1", "S2", "S3"]})
    out = add_ongoing(df, DM, ongoing=pd.Series([True, False, True, True]), reference="RFPENDTC",
                      enrtpt="CMENRTPT", entpt="CMENTPT")
    assert out.values.tolist() == [["S1", "ONGOING", "2025-06-01"], ["S1", "", ""], ["S2", "ONGOING", ""],
                                   ["S3", "ONGOING", ""]]


def test_complete_codes_takes_the_code_the_same_term_has_elsewhere():
    """SOC 'Infections' is coded on row 1, blank on row 2; 'Rash' is coded nowhere and stays blank."""
    term = pd.Series(["INFECTIONS AND INFESTATIONS", "INFECTIONS AND INFESTATIONS", "RASH", ""])
    code = pd.Series(["10021881", "", "", ""])
    assert complete_codes(term, code).tolist() == ["10021881", "10021881", "", ""]


def test_complete_codes_refuses_a_term_with_two_codes():
    with pytest.raises(MappingError, match="RASH"):
        complete_codes(pd.Series(["RASH", "RASH"]), pd.Series(["10037844", "10037855"]))
