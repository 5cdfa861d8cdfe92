"""LB mapping on a 3-subject raw fixture: units, censored results, ranges, not done, partial date, baseline."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from cdisc.context import StudyContext
from cdisc.finalize import finalize
from cdisc.raw import RawStudy
from mappings.im96.sdtm import lb
from tests.helpers import assert_frame_equal_by_keys

NAN = np.nan
COLUMNS = ["SUBJID", "VISIT", "LBDAT", "LBTIM", "LBCAT", "LBTEST", "LBORRES", "LBORRESU", "LBORNRLO", "LBORNRHI",
           "LBND", "LBREASND", "LBCLSIG"]
RAW = [
    ["001-001", "SCREENING", "08-FEB-2024", "08:40", "HEMATOLOGY", "HGB", "11.6", "g/dL", "11.5", "16.0", "", "", "N"],
    ["001-001", "DAY 1", "05-MAR-2024", "", "HEMATOLOGY", "HGB", "10.2", "g/dL", "11.5", "16.0", "", "", ""],
    ["001-001", "DAY 1", "05-MAR-2024", "08:00", "CHEMISTRY", "IL6", ">1000", "pg/mL", "0.0", "7.0", "", "", "Y"],
    ["001-001", "DAY 4", "08-MAR-2024", "07:30", "CHEMISTRY", "CRP", "<0.5", "mg/dL", "0.00", "0.50", "", "", ""],
    ["001-001", "DAY 4", "08-MAR-2024", "07:30", "TUMOR MARKERS", "CA19_9", "", "kU/L", "0.0", "37.0", "Y",
     "Insufficient sample", ""],
    ["001-001", "UNSCHEDULED", "12-MAR-2024", "09:15", "HEMATOLOGY", "LYM", "<0.1", "x10E9/L", "1.10", "3.20", "", "",
     "N"],
    ["001-001", "SCREENING", "UN-FEB-2024", "", "TUMOR MARKERS", "CEA", "3.2", "ng/mL", "0.0", "5.0", "", "", ""],
    ["001-002", "SCREENING", "10-FEB-2024", "09:00", "CHEMISTRY", "CREAT", "1.2", "mg/dL", "0.6", "1.1", "", "", "Y"],
    ["001-099", "SCREENING", "10-FEB-2024", "09:00", "CHEMISTRY", "ALT", "20", "U/L", "0", "40", "", "", ""],
]

DM = pd.DataFrame({"USUBJID": ["IM96-001-001", "IM96-001-002"], "SUBJID": ["001-001", "001-002"],
                   "RFSTDTC": ["2024-03-05T10:00", ""], "DTHDTC": ["", ""]})
SE = pd.DataFrame({"USUBJID": ["IM96-001-001"] * 4 + ["IM96-001-002"],
                   "SESTDTC": ["2024-02-01", "2024-02-29", "2024-03-05", "2024-04-02", "2024-02-09"],
                   "EPOCH": ["SCREENING", "LYMPHODEPLETION", "TREATMENT", "FOLLOW-UP", "SCREENING"]})
# No unscheduled visits in SV: unscheduled records are numbered from their own dates.
NO_UNSCHEDULED_SV = pd.DataFrame(columns=["USUBJID", "VISITNUM", "VISIT", "SVSTDTC"])

TV = pd.DataFrame({"VISIT": ["SCREENING", "DAY 1", "DAY 4", "DAY 7"], "VISITNUM": [1.0, 4.0, 5.0, 6.0]})



def context(spec, form: str, rows: list[list[str]], columns: list[str]) -> StudyContext:
    frame = pd.DataFrame(rows, columns=columns).assign(RAW_FORM=form, RAW_ROW=range(1, len(rows) + 1))
    raw = RawStudy(Path("."), pd.DataFrame(), pd.DataFrame(), {form: frame})
    return StudyContext(spec=spec, raw=raw, design_dir=Path("specs/im96/design"), done={"DM": DM, "SE": SE, "TV": TV, "SV": NO_UNSCHEDULED_SV})


def test_build_lb_maps_units_censored_results_ranges_and_baseline(spec):
    """CT test codes and units, results converted to one SI unit per test ('<0.5' mg/dL -> '<5' mg/L with a
    null LBSTRESN, SDTMIG 3.4 §4.5.1), ranges converted with the same factor, LBNRIND from the standard
    range, no reference range on a censored result ('<0.5', '>1000', '<0.1': CG0180, LBNRIND kept), NOT DONE
    with null results (FDAB042), LBLOBXFL on the last result on or before the infusion."""
    (result,) = lb.build(context(spec, "lb", RAW, COLUMNS))
    out = finalize(result, spec).data
    expected = pd.DataFrame(
        [
            # USUBJID, LBSEQ, LBTESTCD, LBTEST, LBCAT, LBORRES, LBORRESU, LBORNRLO, LBORNRHI, LBSTRESC, LBSTRESN,
            # LBSTRESU, LBSTNRLO, LBSTNRHI, LBNRIND, LBSTAT, LBREASND, LBSPEC, LBLOBXFL, LBCLSIG, VISITNUM, VISIT,
            # EPOCH, LBDTC, LBDY
            ["IM96-001-001", 1.0, "CRP", "C Reactive Protein", "CHEMISTRY", "<0.5", "mg/dL", "", "", "<5", NAN,
             "mg/L", NAN, NAN, "NORMAL", "", "", "SERUM", "", "", 5.0, "DAY 4", "TREATMENT", "2024-03-08T07:30", 4.0],
            ["IM96-001-001", 2.0, "INTLK6", "Interleukin 6", "CHEMISTRY", ">1000", "ng/L", "", "", ">1000", NAN,
             "ng/L", NAN, NAN, "HIGH", "", "", "SERUM", "Y", "Y", 4.0, "DAY 1", "TREATMENT", "2024-03-05T08:00", 1.0],
            ["IM96-001-001", 3.0, "HGB", "Hemoglobin", "HEMATOLOGY", "11.6", "g/dL", "11.5", "16.0", "116", 116.0,
             "g/L", 115.0, 160.0, "NORMAL", "", "", "BLOOD", "", "N", 1.0, "SCREENING", "SCREENING",
             "2024-02-08T08:40", -26.0],
            ["IM96-001-001", 4.0, "HGB", "Hemoglobin", "HEMATOLOGY", "10.2", "g/dL", "11.5", "16.0", "102", 102.0,
             "g/L", 115.0, 160.0, "LOW", "", "", "BLOOD", "Y", "", 4.0, "DAY 1", "TREATMENT", "2024-03-05", 1.0],
            ["IM96-001-001", 5.0, "LYM", "Lymphocytes", "HEMATOLOGY", "<0.1", "10^9/L", "", "", "<0.1", NAN,
             "10^9/L", NAN, NAN, "LOW", "", "", "BLOOD", "", "N", 5.01, "UNSCHEDULED 5.01", "TREATMENT",
             "2024-03-12T09:15", 8.0],
            ["IM96-001-001", 6.0, "CA19_9AG", "Cancer Antigen 19-9", "TUMOR MARKERS", "", "", "", "", "", NAN, "",
             NAN, NAN, "", "NOT DONE", "Insufficient sample", "SERUM", "", "", 5.0, "DAY 4", "TREATMENT",
             "2024-03-08T07:30", 4.0],
            ["IM96-001-001", 7.0, "CEA", "Carcinoembryonic Antigen", "TUMOR MARKERS", "3.2", "ug/L", "0.0", "5.0",
             "3.2", 3.2, "ug/L", 0.0, 5.0, "NORMAL", "", "", "SERUM", "", "", 1.0, "SCREENING", "", "2024-02", NAN],
            ["IM96-001-002", 1.0, "CREAT", "Creatinine", "CHEMISTRY", "1.2", "mg/dL", "0.6", "1.1", "106.08", 106.08,
             "umol/L", 53.04, 97.24, "HIGH", "", "", "SERUM", "", "Y", 1.0, "SCREENING", "SCREENING",
             "2024-02-10T09:00", NAN],
        ],
        columns=["USUBJID", "LBSEQ", "LBTESTCD", "LBTEST", "LBCAT", "LBORRES", "LBORRESU", "LBORNRLO", "LBORNRHI",
                 "LBSTRESC", "LBSTRESN", "LBSTRESU", "LBSTNRLO", "LBSTNRHI", "LBNRIND", "LBSTAT", "LBREASND",
                 "LBSPEC", "LBLOBXFL", "LBCLSIG", "VISITNUM", "VISIT", "EPOCH", "LBDTC", "LBDY"],
    )
    assert list(out["DOMAIN"].unique()) == ["LB"]
    assert_frame_equal_by_keys(out, expected, keys=["USUBJID", "LBSEQ"])


def test_build_lb_rejects_rows_of_subjects_without_demographics(spec):
    """A raw row whose SUBJID has no DM record is not mapped; it is listed with its reason."""
    (result,) = lb.build(context(spec, "lb", RAW, COLUMNS))
    assert result.rejected[["RAW_FORM", "RAW_ROW"]].values.tolist() == [["lb", 9]]
    assert result.rejected["REASON"].iloc[0] == "lb.csv: SUBJID has no record in the demographics form"


PHASE3_RAW = [  # rows of the Phase 3-like panel (`cdisc simulate --schedule phase3`), in the lab's units
    ["001-001", "DAY 2", "06-MAR-2024", "07:45", "CHEMISTRY", "GLUC", "90", "mg/dL", "70", "110", "", "", ""],
    ["001-001", "DAY 2", "06-MAR-2024", "07:45", "HEMATOLOGY", "HCT", "41.0", "%", "35.0", "50.0", "", "", ""],
    ["001-001", "DAY 2", "06-MAR-2024", "07:45", "CHEMISTRY", "ALB", "3.0", "g/dL", "3.5", "5.0", "", "", "N"],
    ["001-001", "DAY 2", "06-MAR-2024", "07:45", "CHEMISTRY", "IL10", "<1", "pg/mL", "0.0", "9.1", "", "", ""],
    ["001-001", "DAY 2", "06-MAR-2024", "07:45", "COAGULATION", "PT", "12.4", "sec", "11.0", "13.5", "", "", ""],
    ["001-001", "DAY 2", "06-MAR-2024", "07:45", "COAGULATION", "FIBRINO", "", "mg/dL", "200", "400", "Y",
     "Sample clotted", ""],
    ["001-001", "DAY 2", "06-MAR-2024", "07:45", "CHEMISTRY", "SODIUM", "131", "mEq/L", "136", "145", "", "", "N"],
]
PHASE3_TV = pd.DataFrame({"VISIT": ["SCREENING", "DAY 1", "DAY 2", "DAY 4"], "VISITNUM": [1.0, 4.0, 4.1, 5.0]})


def test_build_lb_maps_the_phase3_panel_with_the_spec(spec):
    """The Phase 3 panel maps with the same spec: CT codes (IL10 -> INTLK10, C67154 names), the COAGULATION
    panel on PLASMA, local units to one standard unit each (90 mg/dL glucose x 0.0555062167 = 4.99556 mmol/L,
    41.0 % x 0.01 = 0.41 L/L, 3.0 g/dL x 10 = 30 g/L, 'sec' spelled 's', mEq/L = mmol/L for sodium), ranges
    with the same factor, and the planned visit DAY 2 numbered 4.1 from TV."""
    ctx = context(spec, "lb", PHASE3_RAW, COLUMNS)
    ctx.done["TV"] = PHASE3_TV
    (result,) = lb.build(ctx)
    out = finalize(result, spec).data
    expected = pd.DataFrame(
        [
            # LBTESTCD, LBTEST, LBCAT, LBSPEC, LBORRESU, LBSTRESC, LBSTRESN, LBSTRESU, LBSTNRLO, LBSTNRHI, LBNRIND,
            # LBSTAT, VISITNUM
            ["GLUC", "Glucose", "CHEMISTRY", "SERUM", "mg/dL", "4.99556", 4.99556, "mmol/L", 3.885435, 6.105684,
             "NORMAL", "", 4.1],
            ["HCT", "Hematocrit", "HEMATOLOGY", "BLOOD", "%", "0.41", 0.41, "L/L", 0.35, 0.5, "NORMAL", "", 4.1],
            ["ALB", "Albumin", "CHEMISTRY", "SERUM", "g/dL", "30", 30.0, "g/L", 35.0, 50.0, "LOW", "", 4.1],
            ["INTLK10", "Interleukin 10", "CHEMISTRY", "SERUM", "ng/L", "<1", NAN, "ng/L", NAN, NAN, "NORMAL", "",
             4.1],
            ["PT", "Prothrombin Time", "COAGULATION", "PLASMA", "s", "12.4", 12.4, "s", 11.0, 13.5, "NORMAL", "",
             4.1],
            ["FIBRINO", "Fibrinogen", "COAGULATION", "PLASMA", "", "", NAN, "", NAN, NAN, "", "NOT DONE", 4.1],
            ["SODIUM", "Sodium", "CHEMISTRY", "SERUM", "mEq/L", "131", 131.0, "mmol/L", 136.0, 145.0, "LOW", "",
             4.1],
        ],
        columns=["LBTESTCD", "LBTEST", "LBCAT", "LBSPEC", "LBORRESU", "LBSTRESC", "LBSTRESN", "LBSTRESU", "LBSTNRLO",
                 "LBSTNRHI", "LBNRIND", "LBSTAT", "VISITNUM"],
    )
    assert_frame_equal_by_keys(out[expected.columns], expected, keys=["LBTESTCD"])
