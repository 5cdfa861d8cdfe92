"""DM on a 3-subject fixture: an infused subject who died (re-consented, birth year only), a screen failure
(birth month known) and an apheresed subject never infused (full birth date), plus a death form row of a
subject absent from dm.csv."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cdisc.dates import to_dtc
from cdisc.errors import MappingError
from cdisc.finalize import finalize
from mappings.im96.sdtm import dm
from tests.helpers import assert_frame_equal_by_keys

NAN = np.nan
DATES = ["ic.ICDAT", "dm.BRTHDAT", "inf.INFDAT", "ld.LDDAT", "ds.DSSTDAT", "dth.DTHDAT", "visit.VISDAT"]

DM_FORM = pd.DataFrame({
    "SUBJID":  ["001-001", "001-004", "001-007"],
    "BRTHDAT": ["UN-UNK-1972", "UN-DEC-1974", "17-SEP-1974"],
    "SEX":     ["Male", "Female", "Male"],
    "RACE":    ["Asian", "White", "Asian"],
    "ETHNIC":  ["Not Hispanic or Latino", "Not Hispanic or Latino", "Not Reported"],
})
IC = pd.DataFrame({
    "SUBJID": ["001-001", "001-001", "001-004", "001-007"],
    "SITEID": ["001", "001", "001", "001"],
    "ICDAT":  ["20-MAY-2024", "08-FEB-2024", "19-MAY-2024", "05-SEP-2024"],
    "ICVER":  ["2.0", "1.0", "1.0", "1.0"],
})
INF = pd.DataFrame({
    "SUBJID": ["001-001"], "INFDAT": ["05-MAR-2024"], "INFSTTIM": ["11:10"], "INFENTIM": ["11:41"],
    "DOSELVL": ["1"],
})
LD = pd.DataFrame({  # lymphodepletion Days -5 to -3 (listed out of date order), fludarabine and cyclophosphamide
    "SUBJID": ["001-001"] * 4, "LDDRUG": ["FLUDARABINE", "FLUDARABINE", "CYCLOPHOSPHAMIDE", "FLUDARABINE"],
    "LDDAT": ["01-MAR-2024", "29-FEB-2024", "29-FEB-2024", "02-MAR-2024"],
})
APHER = pd.DataFrame({"SUBJID": ["001-001", "001-007"], "DOSELVL": ["1", "1"]})
DS = pd.DataFrame({
    "SUBJID":  ["001-001", "001-001", "001-001", "001-004", "001-007", "001-007"],
    "DSEPOCH": ["SCREENING", "TREATMENT", "FOLLOW-UP", "SCREENING", "SCREENING", "TREATMENT"],
    "DSDECOD": ["COMPLETED", "COMPLETED", "DEATH", "SCREEN FAILURE", "COMPLETED", "PROGRESSIVE DISEASE"],
    "DSSTDAT": ["10-FEB-2024", "05-MAR-2024", "02-JUL-2024", "23-MAY-2024", "10-SEP-2024", "28-SEP-2024"],
})
DTH = pd.DataFrame({"SUBJID": ["001-001", "001-099"], "DTHDAT": ["02-JUL-2024", "01-JAN-2025"]})
VISIT = pd.DataFrame({"SUBJID": ["001-001", "001-007"], "VISDAT": ["20-JUN-2024", "27-SEP-2024"]})
TA = pd.DataFrame({
    "ARMCD":   ["DL1", "DL1", "DL2", "DL2"],
    "ARM":     ["IM96 12x10^8 CAR-T cells"] * 2 + ["IM96 20x10^8 CAR-T cells"] * 2,
    "TAETORD": [1.0, 2.0, 1.0, 2.0],
    "EPOCH":   ["SCREENING", "FOLLOW-UP"] * 2,
})


def forms(**overrides) -> dict[str, pd.DataFrame]:
    return {"dm": DM_FORM, "ic": IC, "apher": APHER, "inf": INF, "ld": LD, "ds": DS, "dth": DTH, "visit": VISIT,
            **overrides}


def build(make_context, spec, **overrides):
    result, = dm.build(make_context(forms(**overrides), done={"TA": TA}, dates=DATES))
    return result, finalize(result, spec).data


def test_build_dm_reference_dates_arms_and_age(make_context, spec):
    """Day 1 = infusion start; RFXSTDTC the first exposure in EX (the first lymphodepletion day, CORE-000239) and
    RFXENDTC the last (the infusion end); RFICDTC the first of two consents; RFPENDTC the latest date of any form;
    RFENDTC the end-of-study disposition for every subject with an arm: death for the infused subject, the
    progression during manufacturing for the apheresed one (CORE-000191), none for the screen failure; AGE at consent with the
    birth date imputed to mid-year (1972 -> 1972-07-01: 51) or mid-month (1974-12 -> 1974-12-15: 49; exact
    for any December birthday) and exact for a full date (17-SEP-1974 at 05-SEP-2024: 49, day before the
    birthday); the planned arm from the cohort assigned at apheresis, the actual arm from the infusion:
    the non-infused subject keeps ARMCD with ARMNRS 'ASSIGNED, NOT TREATED', the screen failure has neither."""
    _, out = build(make_context, spec)
    expected = pd.DataFrame({
        "USUBJID":  ["IM96-001-001", "IM96-001-004", "IM96-001-007"],
        "SUBJID":   ["001-001", "001-004", "001-007"],
        "RFSTDTC":  ["2024-03-05T11:10", "", ""],
        "RFENDTC":  ["2024-07-02", "", "2024-09-28"],
        "RFXSTDTC": ["2024-02-29", "", ""],
        "RFXENDTC": ["2024-03-05T11:41", "", ""],
        "RFICDTC":  ["2024-02-08", "2024-05-19", "2024-09-05"],
        "RFPENDTC": ["2024-07-02", "2024-05-23", "2024-09-28"],
        "DTHDTC":   ["2024-07-02", "", ""],
        "DTHFL":    ["Y", "", ""],
        "SITEID":   ["001", "001", "001"],
        "BRTHDTC":  ["1972", "1974-12", "1974-09-17"],
        "AGE":      [51.0, 49.0, 49.0],
        "AGEU":     ["YEARS", "YEARS", "YEARS"],
        "SEX":      ["M", "F", "M"],
        "RACE":     ["ASIAN", "WHITE", "ASIAN"],
        "ETHNIC":   ["NOT HISPANIC OR LATINO", "NOT HISPANIC OR LATINO", "NOT REPORTED"],
        "ARMCD":    ["DL1", "", "DL1"],
        "ARM":      ["IM96 12x10^8 CAR-T cells", "", "IM96 12x10^8 CAR-T cells"],
        "ACTARMCD": ["DL1", "", ""],
        "ACTARM":   ["IM96 12x10^8 CAR-T cells", "", ""],
        "ARMNRS":   ["", "SCREEN FAILURE", "ASSIGNED, NOT TREATED"],
        "ACTARMUD": ["", "", ""],
        "COUNTRY":  ["CHN", "CHN", "CHN"],
    })
    assert_frame_equal_by_keys(out, expected, keys=["USUBJID"])
    assert out["DOMAIN"].eq("DM").all() and out["STUDYID"].eq("IM96").all()


def test_build_dm_accounts_for_the_rows_it_reads(make_context, spec):
    """dm.csv rows are the records; consent, apheresis, infusion and death rows of known subjects are 'used';
    the death row of a subject missing from dm.csv is rejected with the reason."""
    result, _ = build(make_context, spec)
    assert sorted(map(tuple, result.used[["RAW_FORM", "RAW_ROW"]].values.tolist())) == [
        ("apher", 1), ("apher", 2), ("dth", 1), ("ic", 1), ("ic", 2), ("ic", 3), ("ic", 4), ("inf", 1)]
    assert result.rejected[["RAW_FORM", "RAW_ROW"]].values.tolist() == [["dth", 2]]
    assert result.rejected["REASON"].iloc[0] == "dth.csv: SUBJID has no record in the demographics form"


def test_build_dm_ongoing_subject_ends_at_last_contact(make_context, spec):
    """Without an end-of-study disposition, an infused subject's RFENDTC is the last contact (RFPENDTC):
    here the visit of 20-JUN-2024, later than the completed treatment disposition of 05-MAR-2024."""
    _, out = build(make_context, spec, ds=DS.iloc[[0, 1, 3, 4, 5]], dth=DTH.iloc[[1]])
    first = out.set_index("SUBJID").loc["001-001"]
    assert (first["RFENDTC"], first["RFPENDTC"], first["DTHFL"]) == ("2024-06-20", "2024-06-20", "")


@pytest.mark.parametrize(("birth", "consent", "age"), [
    ("UN-UNK-1972", "08-FEB-2024", 51.0),   # 1972-07-01: birthday not yet reached
    ("UN-UNK-1972", "08-AUG-2024", 52.0),   # 1972-07-01: birthday passed
    ("UN-FEB-1980", "14-FEB-2024", 43.0),   # 1980-02-15: the day before the imputed birthday
    ("UN-FEB-1980", "15-FEB-2024", 44.0),   # on the imputed birthday
    ("29-FEB-1980", "28-FEB-2024", 43.0),   # leap-day birth, day before
    ("", "08-FEB-2024", NAN),               # no birth date: no age
])
def test_age_completed_years_at_consent(birth, consent, age):
    """AGE = completed years from the (mid-range imputed) birth date to the consent date (MT.DM.AGE)."""
    out = dm.age(to_dtc(pd.Series([birth])), to_dtc(pd.Series([consent])))
    assert out.tolist() == pytest.approx([age], nan_ok=True)


def test_a_death_before_the_infusion_is_refused_naming_the_death_form_row(make_context, spec):
    """001-001 infused 05-MAR-2024, died 01-MAR-2024 (dth.csv row 1): refused there, not first in ADSL naming the
    subject."""
    with pytest.raises(MappingError) as info:
        build(make_context, spec, dth=DTH.assign(DTHDAT=["01-MAR-2024", "01-JAN-2025"]))
    assert str(info.value) == ("dth.csv DTHDAT: 1 death date(s) before the subject's infusion (row 1 '2024-03-01 "
                               "before inf.csv INFDAT 2024-03-05'); correct them in the export")


@pytest.mark.parametrize(("forms", "message"), [
    ({"dth": DTH.assign(DTHDAT=["UN-JUL-2024", "01-JAN-2025"])},
     "dth.csv DTHDAT: 1 death date(s) are partial: overall survival ends on the death date, and a partial one would "
     "leave the death censored (row 1 'UN-JUL-2024'); correct them in the export"),
    ({"ic": IC.assign(ICDAT=["20-MAY-2024", "08-FEB-2024", "UN-MAY-2024", "05-SEP-2024"])},
     "ic.csv ICDAT: 1 consent date(s) are partial: a consent is signed and dated, and AGE and the study's reference "
     "dates count from it (row 3 'UN-MAY-2024'); correct them in the export"),
])
def test_a_partial_death_or_consent_date_is_refused_naming_its_row(make_context, spec, forms, message):
    """A death on UN-JUL-2024 made DTHFL Y while ADSL left DTHDT null and OS censored the subject alive (a Python
    warning the only sign); a consent on UN-MAY-2024 stopped ADSL on AGE, naming no raw row. (001-099's death
    row is another subject's: rejected, never refused.)"""
    with pytest.raises(MappingError) as info:
        build(make_context, spec, **forms)
    assert str(info.value) == message


def test_a_consent_at_another_site_than_the_studys_one_is_refused_naming_its_row(make_context, spec):
    """IM96 is single-centre (study.toml siteid "001"): a consent row with SITEID "1" (leading zeros lost in a
    spreadsheet) is refused naming ic.csv, the row and the value, not mapped to a second site."""
    with pytest.raises(MappingError) as info:
        build(make_context, spec, ic=IC.assign(SITEID=["001", "1", "001", "001"]))
    assert str(info.value) == ("ic.csv SITEID: 1 site(s) other than the study's site '001' (study.toml siteid) "
                               "(row 2 '1'); correct them in the export")


def test_an_infusion_before_the_first_consent_is_refused_naming_its_row(make_context, spec):
    """001-001 first consented 08-FEB-2024; an infusion dated 01-JAN-2024 was mapped as Day 1 (the analysis flags and
    the PFS and DOR records followed it, with only indirect findings)."""
    with pytest.raises(MappingError) as info:
        build(make_context, spec, inf=INF.assign(INFDAT=["01-JAN-2024"]))
    assert str(info.value) == ("inf.csv INFDAT: 1 infusion date(s) before the subject's first informed consent "
                               "(row 1 '2024-01-01 before the first ic.csv ICDAT 2024-02-08'); correct them in the "
                               "export")


def test_a_partial_infusion_date_is_refused_naming_its_row(make_context, spec):
    """The infusion is Day 1: UN-MAR-2024 became RFSTDTC 2024-03, and ADPC stopped on 24 records sharing a key of no
    time after the infusion, naming no raw row."""
    with pytest.raises(MappingError) as info:
        build(make_context, spec, inf=INF.assign(INFDAT=["UN-MAR-2024"]))
    assert str(info.value) == ("inf.csv INFDAT: 1 infusion date(s) are partial: the infusion is Day 1, from which every "
                               "study day and PK time counts (row 1 'UN-MAR-2024'); correct them in the export")
