"""ADSL and ADAE on the bundled IM96 export, checked against SDTM with independent, plain pandas code:
one ADSL record per DM subject with DM's values, populations recomputed from DM/EX/PR/AE/SUPPAE, every ADAE
record traced to its AE record (USUBJID + AESEQ) with AE's values, and ADSL variables identical in ADAE."""
from __future__ import annotations

import pandas as pd
import pytest

SAS0 = pd.Timestamp("1960-01-01")


@pytest.fixture(scope="module")
def adam(bundled_adam) -> dict[str, pd.DataFrame]:
    return bundled_adam(["adsl", "adae"])


def _day(dtc: pd.Series) -> pd.Series:
    """ISO text -> SAS day number (NaN when blank/partial)."""
    return (pd.to_datetime(dtc.str.slice(0, 10), format="%Y-%m-%d", errors="coerce") - SAS0).dt.days.astype(float)


def test_adsl_one_record_per_dm_subject_with_dm_values(adam, bundled_sdtm):
    """ADSL has exactly DM's subjects and DM's identifiers and demographics."""
    dm, adsl = bundled_sdtm["DM"], adam["ADSL"]
    assert sorted(adsl["USUBJID"]) == sorted(dm["USUBJID"]) and len(adsl) == 15
    merged = adsl.merge(dm, on="USUBJID", suffixes=("", "_DM"))
    for var in ["SUBJID", "SITEID", "AGE", "AGEU", "SEX", "RACE", "ETHNIC", "COUNTRY", "ARM", "ACTARM", "DTHFL"]:
        assert (merged[var] == merged[f"{var}_DM"]).all(), var
    assert (merged["TRTSDT"].fillna(-1) == _day(merged["RFSTDTC"]).fillna(-1)).all()  # the infusion = Day 1
    assert (merged["DTHDT"].fillna(-1) == _day(merged["DTHDTC"]).fillna(-1)).all()
    dd = bundled_sdtm["DD"]
    causes = dict(zip(dd.loc[dd["DDTESTCD"] == "PRCDTH", "USUBJID"], dd.loc[dd["DDTESTCD"] == "PRCDTH", "DDSTRESC"], strict=True))
    assert dict(zip(adsl.loc[adsl["DTHCAUS"] != "", "USUBJID"], adsl.loc[adsl["DTHCAUS"] != "", "DTHCAUS"], strict=True)) == causes


def test_adsl_populations_recomputed_from_sdtm(adam, bundled_sdtm):
    """SAFFL = infused (EX IM96 record); ENRLFL = leukapheresis in PR; DLTEVLFL = infused and (last alive or
    death on/after Day 28, or a DLT starting Day 1-28)."""
    sdtm, adsl = bundled_sdtm, adam["ADSL"].set_index("USUBJID")
    ex = sdtm["EX"]
    infused = set(ex.loc[ex["EXCAT"] == "INVESTIGATIONAL PRODUCT", "USUBJID"])
    assert set(adsl.index[adsl["SAFFL"] == "Y"]) == infused
    pr = sdtm["PR"]
    assert set(adsl.index[adsl["ENRLFL"] == "Y"]) == set(pr.loc[pr["PRTRT"] == "LEUKAPHERESIS", "USUBJID"])
    ae, supp = sdtm["AE"], sdtm["SUPPAE"]
    dlt_keys = supp.loc[(supp["QNAM"] == "AEDLT") & (supp["QVAL"] == "Y"), ["USUBJID", "IDVARVAL"]]
    dlt = ae.assign(IDVARVAL=ae["AESEQ"].map(lambda x: f"{x:.0f}")).merge(dlt_keys)
    dlt_subjects = set(dlt.loc[dlt["AESTDY"].between(1, 28), "USUBJID"])
    followed = set(adsl.index[(adsl["LSTALVDT"] - adsl["TRTSDT"] + 1) >= 28])
    assert set(adsl.index[adsl["DLTEVLFL"] == "Y"]) == infused & (followed | dlt_subjects)
    assert set(adsl["ENRLFL"]) | set(adsl["SAFFL"]) | set(adsl["DLTEVLFL"]) | set(adsl["EFFFL"]) <= {"Y", "N"}


def test_adae_traces_every_record_to_ae(adam, bundled_sdtm):
    """Each ADAE record is one AE record (same USUBJID + AESEQ, nothing lost or added) with AE's values."""
    ae, adae = bundled_sdtm["AE"], adam["ADAE"]
    assert sorted(zip(adae["USUBJID"], adae["AESEQ"], strict=True)) == sorted(zip(ae["USUBJID"], ae["AESEQ"], strict=True))
    merged = adae.merge(ae, on=["USUBJID", "AESEQ"], suffixes=("", "_AE"))
    for var in ["AETERM", "AEDECOD", "AEBODSYS", "AESER", "AEREL", "AEOUT", "AEACN", "AETOXGR", "AESTDTC"]:
        assert (merged[var] == merged[f"{var}_AE"]).all(), var
    complete = merged["AESTDTC"].str.len() >= 10
    assert (merged.loc[complete, "ASTDY"].fillna(-999) == merged.loc[complete, "AESTDY"].fillna(-999)).all()


def test_adae_adsl_variables_identical(adam):
    """Variables present in both datasets have the same values in ADAE as in ADSL (ADaMIG)."""
    adsl, adae = adam["ADSL"], adam["ADAE"]
    shared = [c for c in adae.columns if c in adsl.columns and c != "USUBJID"]
    merged = adae.merge(adsl[["USUBJID", *shared]], on="USUBJID", suffixes=("", "_ADSL"))
    for var in shared:
        assert merged[var].fillna(-1).equals(merged[f"{var}_ADSL"].fillna(-1)), var
