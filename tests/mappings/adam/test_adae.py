"""ADAE on inline AE/SUPPAE and ADSL frames: partial-date imputation (first/last of month or year, not before
the infusion, not after death or the data cut) with DATEFL flags, study days without Day 0, the TEAE window
(infusion day to Day 91) and the lymphodepletion flag, DLTFL on Day 28 vs Day 29, CRS/ICANS and related flags,
and the occurrence flags. Expected values are worked out by hand (methods: specs/im96/adam/methods/adae.csv)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cdisc.errors import DerivationError
from mappings.im96.adam import adae
from tests.helpers import assert_frame_equal_by_keys
from tests.mappings.adam.conftest import own_spec_issues

NAN = np.nan
A, B, C = "IM96-001-201", "IM96-001-202", "IM96-001-203"
DL1, DL2 = "IM96 12x10^8 CAR-T cells", "IM96 20x10^8 CAR-T cells"
GEN, GI, RESP = "General disorders and administration site conditions", "Gastrointestinal disorders", \
    "Respiratory, thoracic and mediastinal disorders"
IMM, NERV, BLOOD = "Immune system disorders", "Nervous system disorders", "Blood and lymphatic system disorders"
CRS, ICANS = "Cytokine release syndrome", "Immune effector cell-associated neurotoxicity syndrome"


def _sas(iso: str | None) -> float:
    """A literal date as the SAS day number a finalized ADSL holds."""
    return NAN if iso is None else float((pd.Timestamp(iso) - pd.Timestamp("1960-01-01")).days)


def _adsl() -> pd.DataFrame:
    """A: infused 2024-03-05 after LD from 2024-02-29, died 2024-06-20. B: infused 2024-04-10. C: never infused."""
    return pd.DataFrame({
        "STUDYID": ["IM96"] * 3, "USUBJID": [A, B, C], "SUBJID": ["001-201", "001-202", "001-203"],
        "SITEID": ["001"] * 3, "AGE": [50.0, 66.0, 40.0], "AGEGR1": ["<65", ">=65", "<65"],
        "SEX": ["M", "F", "M"], "RACE": ["ASIAN"] * 3, "SAFFL": ["Y", "Y", "N"], "DLTEVLFL": ["Y", "Y", "N"],
        "TRT01A": [DL1, DL2, ""], "TRT01AN": [1.0, 2.0, NAN],
        "TRTSDTM": [2025252000.0, 2028358800.0, NAN],  # 2024-03-05T10:00, 2024-04-10T09:00 in SAS seconds
        "TRTSDT": [_sas("2024-03-05"), _sas("2024-04-10"), NAN],
        "TRTEDT": [_sas("2024-03-05"), _sas("2024-04-10"), NAN],
        "LDSTDT": [_sas("2024-02-29"), _sas("2024-04-05"), NAN], "DTHDT": [_sas("2024-06-20"), NAN, NAN],
    })


def _ae() -> pd.DataFrame:
    return pd.DataFrame({
        "USUBJID": [A] * 7 + [B] * 5 + [C],
        "AESEQ":   [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 1.0, 2.0, 3.0, 4.0, 5.0, 1.0],
        "AEDECOD": ["Pyrexia", "Fatigue", "Pyrexia", "Nausea", "Nausea", "Cough", "Cough",
                    CRS, ICANS, "Neutropenia", "Neutropenia", "Cough", "Fatigue"],
        "AEBODSYS": [GEN, GEN, GEN, GI, GI, RESP, RESP, IMM, NERV, BLOOD, BLOOD, RESP, GEN],
        "AESTDTC": ["2024-03", "2024-04", "2024", "2024-03-01", "2024-03-04T08:00", "2024-06-03", "2024-06-04",
                    "2024-05-07", "2024-05-08", "2024-04-12", "2024-04-20", "2026-01-10", "2024-05-01"],
        "AEENDTC": ["2024-03", "2024-06", "2024", "2024-03-10", "", "", "",
                    "2024-05-09", "2024-05-10", "2024-04-15", "2024-04-25", "2026", ""],
        "AETOXGR": ["1", "2", "2", "1", "1", "1", "3", "3", "4", "2", "4", "1", "1"],
        "AEREL":   ["NOT RELATED"] * 7 + ["POSSIBLY RELATED", "PROBABLY RELATED", "UNLIKELY RELATED",
                                          "NOT RELATED", "NOT RELATED", "NOT RELATED"],
        "AESER":   ["N"] * 13,
    }).assign(AETERM=lambda d: d["AEDECOD"])


def _suppae() -> pd.DataFrame:
    return pd.DataFrame({"USUBJID": [B, B, B], "RDOMAIN": ["AE"] * 3, "IDVAR": ["AESEQ"] * 3,
                         "IDVARVAL": ["1", "2", "3"], "QNAM": ["AEDLT"] * 3, "QVAL": ["Y", "Y", "N"]})


def _iso(values: pd.Series) -> list[str]:
    dates = pd.Timestamp("1960-01-01") + pd.to_timedelta(values, unit="D")
    return dates.dt.strftime("%Y-%m-%d").fillna("").tolist()


@pytest.fixture
def result(make_adam_context, finalize_result) -> pd.DataFrame:
    ctx = make_adam_context({"AE": _ae(), "SUPPAE": _suppae()}, done={"ADSL": _adsl()})
    [res] = adae.build(ctx)
    # B AESEQ 2: DLT mark on Day 29 is reported, not flagged
    assert [i.code for i in res.issues] == ["ADAE_DLT_OUTSIDE_WINDOW"]
    return finalize_result(res)


def _rows(result: pd.DataFrame, subject: str) -> pd.DataFrame:
    return result[result["USUBJID"] == subject].reset_index(drop=True)


def test_adae_partial_dates_are_imputed_with_flags(result):
    """Start: missing day -> 1st of month, missing month -> 1 Jan, but not before TRTSDT (2024-03-05) when it
    lies in the possible range; end: last day of month/year, but not after death (2024-06-20) or the data cut
    (2026-06-30). Flags: D = day imputed, M = month and day imputed."""
    a, b = _rows(result, A), _rows(result, B)
    assert _iso(a["ASTDT"]) == ["2024-03-05", "2024-04-01", "2024-03-05", "2024-03-01", "2024-03-04", "2024-06-03",
                                "2024-06-04"]
    assert a["ASTDTF"].tolist() == ["D", "D", "M", "", "", "", ""]
    assert _iso(a["AENDT"]) == ["2024-03-31", "2024-06-20", "2024-06-20", "2024-03-10", "", "", ""]
    assert a["AENDTF"].tolist() == ["D", "D", "M", "", "", "", ""]
    assert _iso(b["AENDT"])[4] == "2026-06-30"
    assert b["AENDTF"].tolist()[4] == "M"


def test_adae_study_days_and_duration(result):
    """ASTDY/AENDY count from the infusion day (Day 1), Day -1 is the day before (no Day 0); ADURN = end - start + 1."""
    a = _rows(result, A)
    assert a["ASTDY"].tolist() == [1.0, 28.0, 1.0, -4.0, -1.0, 91.0, 92.0]
    assert a["AENDY"].fillna(-99).tolist() == [27.0, 108.0, 108.0, 6.0, -99, -99, -99]
    assert a["ADURN"].fillna(-99).tolist() == [27.0, 81.0, 108.0, 10.0, -99, -99, -99]
    assert a["ADURU"].tolist() == ["DAYS", "DAYS", "DAYS", "DAYS", "", "", ""]
    assert _rows(result, C)["ASTDY"].isna().all()


def test_adae_treatment_emergent_window(result):
    """TRTEMFL from the infusion day to TRTEDT + 90 days (Day 91: Y, Day 92: not); AEs from the first LD dose to
    the day before infusion get LDEMFL instead; a never-infused subject has neither."""
    expected = pd.DataFrame({
        "USUBJID": [A] * 7 + [B] * 5 + [C],
        "AESEQ":   [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 1.0, 2.0, 3.0, 4.0, 5.0, 1.0],
        "TRTEMFL": ["Y", "Y", "Y", "",  "",  "Y", "",  "Y", "Y", "Y", "Y", "",  ""],
        "LDEMFL":  ["",  "",  "",  "Y", "Y", "",  "",  "",  "",  "",  "",  "",  ""],
        "TRTA":    [DL1] * 7 + [DL2] * 5 + [""],
    })
    assert_frame_equal_by_keys(result, expected, keys=["USUBJID", "AESEQ"])


def test_adae_dlt_crs_icans_related_flags(result):
    """DLTFL needs SUPPAE AEDLT = Y and a start on Day 1-28: Day 28 yes, Day 29 no. AREL groups possibly/probably/
    definitely as RELATED; TRAE28FL = related and Day 1-28. CRSFL/ICANSFL by preferred term."""
    expected = pd.DataFrame({
        "USUBJID":  [B] * 5,
        "AESEQ":    [1.0, 2.0, 3.0, 4.0, 5.0],
        "ASTDY":    [28.0, 29.0, 3.0, 11.0, 641.0],
        "AEDLT":    ["Y", "Y", "N", "", ""],
        "DLTFL":    ["Y", "",  "",  "", ""],
        "AREL":     ["RELATED", "RELATED", "NOT RELATED", "NOT RELATED", "NOT RELATED"],
        "TRAE28FL": ["Y", "",  "",  "", ""],
        "CRSFL":    ["Y", "",  "",  "", ""],
        "ICANSFL":  ["",  "Y", "",  "", ""],
        "ATOXGRN":  [3.0, 4.0, 2.0, 4.0, 1.0],
    })
    assert_frame_equal_by_keys(_rows(result, B), expected, keys=["USUBJID", "AESEQ"])


def test_adae_occurrence_flags(result):
    """Among TEAEs, by ASTDT then AESEQ: first per subject, per SOC, per PT; AOCCIFL on the earliest record of
    the highest grade (A: grade 2 on 2024-03-05 beats grade 2 on 2024-04-01; the grade-3 AE is not a TEAE)."""
    expected = pd.DataFrame({
        "USUBJID": [A] * 7 + [B] * 5 + [C],
        "AESEQ":   [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 1.0, 2.0, 3.0, 4.0, 5.0, 1.0],
        "AOCCFL":  ["Y", "",  "",  "", "", "",  "", "",  "",  "Y", "",  "", ""],
        "AOCCSFL": ["Y", "",  "",  "", "", "Y", "", "Y", "Y", "Y", "",  "", ""],
        "AOCCPFL": ["Y", "Y", "",  "", "", "Y", "", "Y", "Y", "Y", "",  "", ""],
        "AOCCIFL": ["",  "",  "Y", "", "", "",  "", "",  "",  "",  "Y", "", ""],
    })
    assert_frame_equal_by_keys(result, expected, keys=["USUBJID", "AESEQ"])


def test_adae_warns_about_teae_timed_before_infusion(make_adam_context):
    """An AE at 08:00 on the infusion day (infusion 09:00) stays a TEAE (date rule) but is reported."""
    ae = _ae()
    ae.loc[9, "AESTDTC"] = "2024-04-10T08:00"
    ctx = make_adam_context({"AE": ae, "SUPPAE": _suppae()}, done={"ADSL": _adsl()})
    [res] = adae.build(ctx)
    assert "ADAE_TEAE_BEFORE_INFUSION_TIME" in [i.code for i in res.issues]
    assert res.data.loc[9, ["TRTEMFL", "ASTDY"]].tolist() == ["Y", 1.0]


def test_adae_shares_adsl_values(result):
    """Variables copied from ADSL keep ADSL's values (ADaMIG: same values, type and label)."""
    adsl = _adsl()
    merged = result.merge(adsl, on="USUBJID", suffixes=("", "_ADSL"))
    for var in ["SUBJID", "SITEID", "AGE", "AGEGR1", "SEX", "RACE", "SAFFL", "DLTEVLFL", "TRTSDT", "TRTEDT",
                "LDSTDT", "DTHDT"]:
        pd.testing.assert_series_equal(merged[var], merged[f"{var}_ADSL"], check_names=False, check_dtype=False)


def test_adae_labels_and_types_match_adsl(adam_spec):
    """Every ADAE variable that is also in ADSL has ADSL's label and data type in the spec."""
    adsl = {v.name: v for v in adam_spec.variables_of("ADSL")}
    diffs = [(v.name, v.label, v.data_type) for v in adam_spec.variables_of("ADAE")
             if v.name in adsl and (v.label, v.data_type) != (adsl[v.name].label, adsl[v.name].data_type)]
    assert diffs == []


def test_adae_subject_not_in_adsl_is_an_error(make_adam_context):
    """An AE of a subject missing from DM/ADSL stops the derivation with the subject named."""
    ae = pd.concat([_ae(), _ae().iloc[[0]].assign(USUBJID="IM96-001-999")], ignore_index=True)
    ctx = make_adam_context({"AE": ae, "SUPPAE": _suppae()}, done={"ADSL": _adsl()})
    with pytest.raises(DerivationError, match="IM96-001-999"):
        adae.build(ctx)


def test_adae_spec_rows_are_clean(adam_spec):
    """No spec-check finding (CT included) concerns ADAE's variables or the adae codelists, methods, comments."""
    assert own_spec_issues(adam_spec, "ADAE", "adae") == []
