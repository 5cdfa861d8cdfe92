"""The bundled IM96 SDTM against the CDISC CORE rules of the outside review, each re-stated here in plain
pandas (no project verb), with the values worked from data/im96/raw by hand."""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from cdisc.pipeline import build_sdtm
from mappings.im96.sdtm import BUILDERS

ROOT = Path(__file__).resolve().parents[3]
CONTINUOUS = r"^-?(\d+(\.\d+)?$)|(\.\d+$)"  # CORE-000289/290/298/299 regex for a continuous LBORRES


@pytest.fixture(scope="module")
def sdtm() -> dict[str, pd.DataFrame]:
    run = build_sdtm(ROOT / "data" / "im96" / "raw", ROOT / "specs" / "im96", BUILDERS)
    return {name: final.data for name, final in run.datasets.items()}


def test_rfxstdtc_is_the_first_exposure_and_rfendtc_is_set_with_the_arm(sdtm):
    """CORE-000239: 001-001 was lymphodepleted from 29-FEB-2024 (ld.csv) and infused 05-MAR-2024 11:10-11:41
    (inf.csv). CORE-000191: 001-007, apheresed but never infused, ends with its disposition of 28-SEP-2024."""
    dm = sdtm["DM"].set_index("USUBJID")
    assert dm.loc["IM96-001-001", ["RFSTDTC", "RFXSTDTC", "RFXENDTC"]].tolist() == [
        "2024-03-05T11:10", "2024-02-29", "2024-03-05T11:41"]
    assert dm.loc["IM96-001-007", ["ARM", "RFSTDTC", "RFENDTC"]].tolist() == [
        "IM96 12x10^8 CAR-T cells", "", "2024-09-28"]
    first = sdtm["EX"].groupby("USUBJID")["EXSTDTC"].min()
    assert (dm.loc[first.index, "RFXSTDTC"] == first).all()
    assert not (dm["ARM"].ne("") & dm["RFENDTC"].eq("")).any()


def test_sv_epoch_is_the_element_at_the_start_of_the_visit(sdtm):
    """CORE-000097 (SESTDTC <= SVSTDTC <= SEENDTC, compared at their common precision, here the date) finds only
    visits on a day on which one element ends and the next starts: the 13 APHERESIS visits (cell collection
    starts that day at a time), the 12 LYMPHODEPLETION visits, the 12 DAY 1 visits (infusion) and 001-006's
    DAY 28 visit held on Day 29: 38, explained in specs/im96/validation/explanations.csv. No visit lies inside
    one element only with the epoch of another."""
    pairs = sdtm["SV"].merge(sdtm["SE"], on="USUBJID", suffixes=("", "_SE"))
    day = {c: pairs[c].str[:10] for c in ("SESTDTC", "SVSTDTC", "SEENDTC")}
    inside = (day["SESTDTC"] <= day["SVSTDTC"]) & (day["SVSTDTC"] <= day["SEENDTC"])
    hit = pairs[inside & (pairs["EPOCH"] != pairs["EPOCH_SE"])]
    assert sorted(hit["VISIT"].value_counts().items()) == [
        ("APHERESIS", 13), ("DAY 1", 12), ("DAY 28", 1), ("LYMPHODEPLETION", 12)]
    assert hit.loc[hit["VISIT"].eq("DAY 28"), "USUBJID"].tolist() == ["IM96-001-006"]
    boundary = hit["SVSTDTC"].eq(day["SESTDTC"][hit.index]) | hit["SVSTDTC"].eq(day["SEENDTC"][hit.index])
    assert boundary.all()  # on an element boundary day only
    sv = sdtm["SV"].set_index(["USUBJID", "VISIT"])
    assert sv.loc[("IM96-001-001", "APHERESIS"), "EPOCH"] == "SCREENING"  # apheresis starts 08:38
    assert sv.loc[("IM96-001-001", "DAY 1"), "EPOCH"] == "LYMPHODEPLETION"  # infusion starts 11:10


def test_a_fatal_event_ends_on_the_date_of_death(sdtm):
    """CORE-000841: 001-003's fatal sepsis ends on 22-SEP-2024, the death date, both written as a date only."""
    ae = sdtm["AE"]
    fatal = ae[ae["AEOUT"].eq("FATAL")].merge(sdtm["DM"][["USUBJID", "DTHDTC"]], on="USUBJID")
    assert fatal[["USUBJID", "AEENDTC", "DTHDTC"]].values.tolist() == [["IM96-001-003", "2024-09-22", "2024-09-22"]]


def test_pp_reference_time_point_goes_with_its_date(sdtm):
    """CORE-000165: PPRFTDTC comes with PPTPTREF; every PP record refers to the infusion."""
    pp = sdtm["PP"]
    assert set(pp["PPTPTREF"]) == {"IM96 INFUSION"} and len(pp) == 72


def test_lb_reference_ranges_only_on_continuous_results(sdtm):
    """CORE-000289/290/298/299: none of the 38 censored results ('<0.1', '>1000', ...) carries a range; their
    LBNRIND stays (18 NORMAL, 12 HIGH, 8 LOW)."""
    lb = sdtm["LB"]
    censored = lb["LBORRES"].ne("") & ~lb["LBORRES"].str.match(CONTINUOUS)
    assert censored.sum() == 38
    for var in ("LBORNRLO", "LBORNRHI"):
        assert lb.loc[censored, var].eq("").all(), var
    for var in ("LBSTNRLO", "LBSTNRHI"):
        assert lb.loc[censored, var].isna().all(), var
    assert lb.loc[censored, "LBNRIND"].value_counts().to_dict() == {"NORMAL": 18, "HIGH": 12, "LOW": 8}


def test_every_dated_record_has_its_study_day(sdtm):
    """CORE-000328/000776, FDAB016: each --DTC / --STDTC / --ENDTC has its --DY / --STDY / --ENDY column, filled
    whenever the date is complete and the subject has a reference start (DM excluded: RF-- dates have none)."""
    ref = sdtm["DM"].set_index("USUBJID")["RFSTDTC"]
    for name, df in sdtm.items():
        if name == "DM":
            continue
        for dtc in [c for c in df.columns if re.fullmatch(rf"{name}(ST|EN)?DTC", c)]:
            dy = dtc[:-3] + "DY"
            assert dy in df.columns, f"{name}.{dtc} without {dy}"
            computable = df[dtc].str.len().ge(10) & df["USUBJID"].map(ref).fillna("").ne("")
            assert df.loc[computable, dy].notna().all(), f"{name}.{dy} missing"
