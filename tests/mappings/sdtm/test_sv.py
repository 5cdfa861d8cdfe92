"""SV on a 2-subject fixture: planned and unscheduled visits, a screen failure, a visit of an unknown subject."""
from __future__ import annotations

import numpy as np
import pandas as pd

from cdisc.finalize import finalize
from mappings.im96.sdtm import sv
from tests.helpers import assert_frame_equal_by_keys

NAN = np.nan
VISIT = pd.DataFrame({
    "SUBJID": ["001-001", "001-001", "001-001", "001-001", "001-004", "001-099"],
    "VISIT":  ["SCREENING", "DAY 1", "UNSCHEDULED", "DAY 28", "SCREENING", "SCREENING"],
    "VISDAT": ["08-FEB-2024", "05-MAR-2024", "08-MAR-2024", "01-APR-2024", "19-MAY-2024", "01-JAN-2025"],
})
DM = pd.DataFrame({"USUBJID": ["IM96-001-001", "IM96-001-004"], "SUBJID": ["001-001", "001-004"],
                   "RFSTDTC": ["2024-03-05T11:10", ""]})
SE = pd.DataFrame({
    "USUBJID": ["IM96-001-001"] * 3 + ["IM96-001-004"],
    "SESTDTC": ["2024-02-08", "2024-03-05T11:10", "2024-04-02", "2024-05-19"],
    "EPOCH":   ["SCREENING", "TREATMENT", "FOLLOW-UP", "SCREENING"],
})
TV = pd.DataFrame({"VISITNUM": [1.0, 4.0, 10.0], "VISIT": ["SCREENING", "DAY 1", "DAY 28"],
                   "VISITDY": [-28.0, 1.0, 28.0]})


def test_build_sv_one_record_per_visit(make_context, spec):
    """VISITNUM/VISITDY from TV; the unscheduled visit after DAY 1 is 4.01 'UNSCHEDULED 4.01' with SVUPDES and
    no planned day; start = end = visit date; EPOCH at the start of the visit (Day 1 starts before the 11:10
    infusion, so it is still SCREENING here, where no element lies between; Day 28 is still TREATMENT); study days from the
    infusion; none for the screen failure; the unknown subject's visit is rejected."""
    result, = sv.build(make_context({"visit": VISIT}, done={"DM": DM, "SE": SE, "TV": TV}))
    out = finalize(result, spec).data
    s1, s4 = "IM96-001-001", "IM96-001-004"
    expected = pd.DataFrame([
        [s1, 1.0,  "SCREENING",        -28.0, "SCREENING", "2024-02-08", "2024-02-08", -26.0, -26.0, ""],
        [s1, 4.0,  "DAY 1",            1.0,   "SCREENING", "2024-03-05", "2024-03-05", 1.0,   1.0,   ""],
        [s1, 4.01, "UNSCHEDULED 4.01", NAN,   "TREATMENT", "2024-03-08", "2024-03-08", 4.0,   4.0,
         "Unscheduled visit"],
        [s1, 10.0, "DAY 28",           28.0,  "TREATMENT", "2024-04-01", "2024-04-01", 28.0,  28.0,  ""],
        [s4, 1.0,  "SCREENING",        -28.0, "SCREENING", "2024-05-19", "2024-05-19", NAN,   NAN,   ""],
    ], columns=["USUBJID", "VISITNUM", "VISIT", "VISITDY", "EPOCH", "SVSTDTC", "SVENDTC", "SVSTDY", "SVENDY",
                "SVUPDES"])
    assert_frame_equal_by_keys(out, expected, keys=["USUBJID", "VISITNUM"])
    assert result.rejected[["RAW_FORM", "RAW_ROW"]].values.tolist() == [["visit", 6]]


def test_a_planned_visit_named_by_records_but_not_by_visit_csv_spans_their_dates(make_context, spec):
    """001-001's MONTH 2 scan (tl.csv rows 1-2, 30-APR and 02-MAY-2024) and response (rs.csv row 1, 03-MAY-2024)
    without a visit.csv row (its row dated after a data cut): one SV record from 30-APR to 03-MAY-2024 with the
    lineage of its earliest record; DAY 28 has its visit.csv row (no second record); the unknown subject's scan
    none."""
    tv = pd.concat([TV, pd.DataFrame({"VISITNUM": [11.0], "VISIT": ["MONTH 2"], "VISITDY": [60.0]})])
    tl = pd.DataFrame({"SUBJID": ["001-001", "001-001", "001-001", "001-099"],
                       "VISIT": ["MONTH 2", "MONTH 2", "DAY 28", "MONTH 2"],
                       "TLDAT": ["30-APR-2024", "02-MAY-2024", "29-MAR-2024", "30-APR-2024"]})
    rs = pd.DataFrame({"SUBJID": ["001-001"], "VISIT": ["MONTH 2"], "RSDAT": ["03-MAY-2024"]})
    result, = sv.build(make_context({"visit": VISIT, "tl": tl, "rs": rs}, done={"DM": DM, "SE": SE, "TV": tv}))
    out = finalize(result, spec).data
    month2 = out[out["VISIT"].eq("MONTH 2")]
    shown = ["USUBJID", "VISITNUM", "SVSTDTC", "SVENDTC", "SVSTDY", "SVENDY", "SVPRESP", "SVOCCUR"]
    assert month2[shown].values.tolist() == [["IM96-001-001", 11.0, "2024-04-30", "2024-05-03", 57.0, 60.0, "Y", "Y"]]
    assert len(out) == 6
    assert result.data.loc[result.data["VISIT"].eq("MONTH 2"), ["RAW_FORM", "RAW_ROW"]].values.tolist() == [["tl", 1]]
    assert [(i.severity, i.code, i.where, i.row, i.value) for i in result.issues] == [
        ("warning", "SV_VISIT_OF_RECORDS", "visit.csv", "001-001", "MONTH 2")]
