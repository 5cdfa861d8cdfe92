"""add_ongoing: --ENRTPT / --ENTPT for records ongoing at a reference time point (SDTMIG 3.4 §4.4.7)."""
from __future__ import annotations

import pandas as pd
import pytest

from cdisc.errors import MappingError
from cdisc.events import add_meddra, add_ongoing, complete_codes

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


def test_complete_codes_refuses_a_term_with_two_codes_naming_each_code_and_its_first_row():
    """RASH is 10037844 on raw rows 4 and 9 and 10037855 on row 7; 010037844 on row 8 is 10037844 again (the numeric
    --LLTCD holds it so); NAUSEA has one code."""
    with pytest.raises(MappingError) as info:
        complete_codes(pd.Series(["RASH", "NAUSEA", "RASH", "RASH", "RASH"]),
                       pd.Series(["10037844", "10028813", "10037855", "010037844", "10037844"]),
                       source="ae.csv AELLTCD", rows=pd.Series([4, 5, 7, 8, 9]))
    assert str(info.value) == ("ae.csv AELLTCD: 1 MedDRA term(s) with more than one code ('RASH' 10037844 (row 4), "
                               "'RASH' 10037855 (row 7)); correct them in the export")


def test_codes_equal_as_numbers_are_one_code():
    """'010003058' and '+10003058' are the integer 10003058 (a numeric --PTCD): no clash; a blank code takes the
    first one given."""
    term = pd.Series(["APPLICATION SITE REDNESS"] * 3)
    assert complete_codes(term, pd.Series(["010003058", "+10003058", ""])).tolist() == ["010003058", "+10003058",
                                                                                       "010003058"]


def test_a_primary_soc_code_the_export_gives_otherwise_is_refused():
    """A coding export that carries AEBDSYCD beside AESOCCD (the pilot's): --BDSYCD is the primary SOC's code, so a
    different AEBDSYCD (10029205, Nervous system, against 10018065, General disorders) was dropped silently."""
    form = pd.DataFrame({f"AE{c}": [v, v] for c, v in [("LLT", "Fever"), ("LLTCD", "10016558"), ("DECOD", "Pyrexia"),
                         ("PTCD", ""), ("HLT", ""), ("HLTCD", ""), ("HLGT", ""), ("HLGTCD", ""),
                         ("BODSYS", "GENERAL DISORDERS"), ("SOCCD", "10018065")]})
    form = form.assign(AEBDSYCD=["10018065", "10029205"], RAW_FORM="ae_raw", RAW_ROW=[4, 5])
    with pytest.raises(MappingError) as info:
        add_meddra(pd.DataFrame(index=form.index), form, prefix="AE")
    assert str(info.value) == ("ae_raw.csv AEBDSYCD: 1 value(s) other than the primary SOC's (AESOCCD) (row 5 "
                               "'10029205 against AESOCCD 10018065'); correct them in the export")
