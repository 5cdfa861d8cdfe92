"""EX + SUPPEX mapping on a 2-subject raw fixture: IM96 infusion with cell-dose conversion, lymphodepletion per
drug per day with a dose adjustment and the body surface area in SUPPEX, study days before the infusion, an unknown
subject rejected."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from cdisc.context import StudyContext
from cdisc.errors import MappingError
from cdisc.finalize import finalize
from cdisc.raw import RawStudy
from mappings.im96.sdtm import ex
from tests.helpers import assert_frame_equal_by_keys

INF_COLUMNS = ["SUBJID", "INFDAT", "INFSTTIM", "INFENTIM", "INFDOSE", "INFDOSU", "DOSELVL", "LOTNO"]
INF = [
    ["001-001", "05-MAR-2024", "11:10", "11:41", "11.8", "x10^8 cells", "1", "IM96-2403-001"],
    ["001-099", "06-MAR-2024", "10:00", "10:30", "12.0", "x10^8 cells", "1", "IM96-2403-099"],
]
LD_COLUMNS = ["SUBJID", "LDDRUG", "LDDAY", "LDDAT", "LDDOSE", "LDDOSU", "LDBSA", "LDADJ"]
REDUCED = "Creatinine clearance 50-60 mL/min: fludarabine reduced by 20%"
LD = [
    ["001-001", "FLUDARABINE", "-5", "29-FEB-2024", "24", "mg/m2", "1.57", REDUCED],
    ["001-001", "FLUDARABINE", "-4", "01-MAR-2024", "24", "mg/m2", "1.57", REDUCED],
    ["001-001", "CYCLOPHOSPHAMIDE", "-5", "29-FEB-2024", "500", "mg/m2", "1.57", ""],
]

DM = pd.DataFrame({"USUBJID": ["IM96-001-001", "IM96-001-002"], "SUBJID": ["001-001", "001-002"],
                   "RFSTDTC": ["2024-03-05T11:10", ""]})
SE = pd.DataFrame({"USUBJID": ["IM96-001-001"] * 5,
                   "SESTDTC": ["2024-01-20", "2024-02-12", "2024-02-29", "2024-03-05", "2024-04-02"],
                   "EPOCH": ["SCREENING", "CELL COLLECTION", "LYMPHODEPLETION", "TREATMENT", "FOLLOW-UP"]})



def form(name: str, rows: list[list[str]], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns).assign(RAW_FORM=name, RAW_ROW=range(1, len(rows) + 1))


def context(spec, inf: list[list[str]]) -> StudyContext:
    raw = RawStudy(Path("."), pd.DataFrame(), pd.DataFrame(),
                   {"inf": form("inf", inf, INF_COLUMNS), "ld": form("ld", LD, LD_COLUMNS)})
    return StudyContext(spec=spec, raw=raw, design_dir=Path("specs/im96/design"), done={"DM": DM, "SE": SE})


def test_build_ex_maps_infusion_and_lymphodepletion(spec):
    """IM96 11.8 x10^8 cells -> EXDOSE 1180 '10^6 Therapeutic Cells' (CT UNIT C71620 has no 10^8 cells term) with
    infusion start/end times; fludarabine/cyclophosphamide one record per drug per day on Days -5/-4 (no Day 0,
    SDTMIG 3.4 §4.4.4) in the LYMPHODEPLETION epoch; EXADJ carries the dose reduction reason."""
    result, _ = ex.build(context(spec, INF))
    out = finalize(result, spec).data
    ld = ["LYMPHODEPLETING CHEMOTHERAPY", "mg/m2", "INJECTION", "QD", "INTRAVENOUS", "", "LYMPHODEPLETION"]
    expected = pd.DataFrame(
        [
            # USUBJID, EXSEQ, EXTRT, EXDOSE, EXCAT, EXDOSU, EXDOSFRM, EXDOSFRQ, EXROUTE, EXLOT, EPOCH, EXADJ,
            # EXSTDTC, EXENDTC, EXSTDY, EXENDY
            ["IM96-001-001", 1.0, "CYCLOPHOSPHAMIDE", 500.0, *ld, "", "2024-02-29", "2024-02-29", -5.0, -5.0],
            ["IM96-001-001", 2.0, "FLUDARABINE", 24.0, *ld, REDUCED, "2024-02-29", "2024-02-29", -5.0, -5.0],
            ["IM96-001-001", 3.0, "FLUDARABINE", 24.0, *ld, REDUCED, "2024-03-01", "2024-03-01", -4.0, -4.0],
            ["IM96-001-001", 4.0, "IM96 CAR-T CELLS", 1180.0, "INVESTIGATIONAL PRODUCT", "10^6 Therapeutic Cells",
             "SUSPENSION", "ONCE", "INTRAVENOUS", "IM96-2403-001", "TREATMENT", "", "2024-03-05T11:10",
             "2024-03-05T11:41", 1.0, 1.0],
        ],
        columns=["USUBJID", "EXSEQ", "EXTRT", "EXDOSE", "EXCAT", "EXDOSU", "EXDOSFRM", "EXDOSFRQ", "EXROUTE",
                 "EXLOT", "EPOCH", "EXADJ", "EXSTDTC", "EXENDTC", "EXSTDY", "EXENDY"],
    )
    assert_frame_equal_by_keys(out, expected, keys=["USUBJID", "EXSEQ"])
    assert (out["STUDYID"] + out["DOMAIN"]).eq("IM96EX").all()
    assert result.rejected[["RAW_FORM", "RAW_ROW"]].values.tolist() == [["inf", 2]]


def test_build_suppex_body_surface_area_on_lymphodepletion(spec):
    """SUPPEX: BSA 1.57 m2 as collected on each lymphodepletion record (EXSEQ 1-3, sorted by EXTRT then date), none
    on the IM96 infusion (EXSEQ 4), whose dose is not per m2; QLABEL from EXQNAM, QORIG Collected (SDTMIG 3.4 §8.4).
    Each record keeps the ld row it comes from."""
    _, supp = ex.build(context(spec, INF))
    final = finalize(supp, spec)
    expected = pd.DataFrame(
        [
            ["IM96-001-001", "1", "1.57", "ld", 3],
            ["IM96-001-001", "2", "1.57", "ld", 1],
            ["IM96-001-001", "3", "1.57", "ld", 2],
        ],
        columns=["USUBJID", "IDVARVAL", "QVAL", "RAW_FORM", "RAW_ROW"],
    )
    data = final.data.assign(RAW_FORM=final.lineage["RAW_FORM"], RAW_ROW=final.lineage["RAW_ROW"])
    assert_frame_equal_by_keys(data, expected, keys=["USUBJID", "IDVARVAL"])
    assert (data["RDOMAIN"] + "|" + data["IDVAR"] + "|" + data["QNAM"] + "|" + data["QLABEL"] + "|"
            + data["QORIG"] + "|" + data["QEVAL"]).unique().tolist() == [
        "EX|EXSEQ|BSA|Body Surface Area (m2)|Collected|"]


def test_build_ex_rejects_a_cell_dose_unit_without_conversion(spec):
    """A cell-dose unit the mapping cannot convert to a CT UNIT term stops the build and names the unit."""
    with pytest.raises(MappingError, match=r"INFDOSU.*cells/kg"):
        ex.build(context(spec, [["001-001", "05-MAR-2024", "11:10", "11:41", "12", "cells/kg", "1", "L1"]]))


@pytest.mark.parametrize(("dose", "shown"), [("0", "'0'"), ("-12.0", "'-12.0'")])
def test_build_ex_refuses_an_infusion_of_no_cells(spec, dose, shown):
    """An infusion record of 0 or -12 (10^8 cells) is no infusion: refused naming the form, field, row and value,
    where it had reached ADSL as a subject with an arm but no infusion."""
    with pytest.raises(MappingError) as info:
        ex.build(context(spec, [["001-001", "05-MAR-2024", "11:10", "11:41", dose, "x10^8 cells", "1", "L1"],
                                INF[1]]))
    assert str(info.value) == (f"inf.csv INFDOSE: 1 value(s) are not above 0 (row 1 {shown}): an infusion record "
                               "gives the cells infused; correct them in the export")


def test_build_ex_maps_a_lymphodepleting_dose_of_0_as_0(spec):
    """0 mg/m2 is a dose not given, mapped as 0 (a negative dose is below the export dictionary's MIN of 0 for
    LDDOSE: the raw checks refuse it before any mapping)."""
    ld = [LD[0], ["001-001", "FLUDARABINE", "-4", "01-MAR-2024", "0", "mg/m2", "1.57", ""]]
    raw = RawStudy(Path("."), pd.DataFrame(), pd.DataFrame(),
                   {"inf": form("inf", INF, INF_COLUMNS), "ld": form("ld", ld, LD_COLUMNS)})
    ctx = StudyContext(spec=spec, raw=raw, design_dir=Path("specs/im96/design"), done={"DM": DM, "SE": SE})
    doses = ex.build(ctx)[0].data.query("EXTRT == 'FLUDARABINE'")["EXDOSE"].tolist()
    assert doses == [24.0, 0.0]
