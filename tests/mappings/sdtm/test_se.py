"""SE on a 3-subject fixture: a full course into follow-up, a screen failure, an infused subject who died
on Day 20 (before follow-up)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from cdisc.finalize import finalize
from mappings.im96.sdtm import se
from tests.helpers import assert_frame_equal_by_keys

NAN = np.nan
IC = pd.DataFrame({"SUBJID": ["001-001", "001-001", "001-004", "001-008"],
                   "ICDAT":  ["20-MAY-2024", "08-FEB-2024", "19-MAY-2024", "15-OCT-2024"]})
APHER = pd.DataFrame({"SUBJID": ["001-001", "001-008"], "APHDAT": ["12-FEB-2024", "20-OCT-2024"],
                      "APHTIM": ["08:38", "09:11"], "APHYN": ["Y", "Y"]})
LD = pd.DataFrame({"SUBJID": ["001-001"] * 3 + ["001-008"] * 2,
                   "LDDAT":  ["01-MAR-2024", "29-FEB-2024", "02-MAR-2024", "04-NOV-2024", "05-NOV-2024"]})
INF = pd.DataFrame({"SUBJID": ["001-001", "001-008"], "INFDAT": ["05-MAR-2024", "09-NOV-2024"],
                    "INFSTTIM": ["11:10", "10:59"]})
DM = pd.DataFrame({
    "USUBJID":  ["IM96-001-001", "IM96-001-004", "IM96-001-008"],
    "SUBJID":   ["001-001", "001-004", "001-008"],
    "RFSTDTC":  ["2024-03-05T11:10", "", "2024-11-09T10:59"],
    "RFPENDTC": ["2024-07-02", "2024-05-23", "2024-11-28"],
})
TA = pd.DataFrame({
    "ARMCD":   ["DL1"] * 5,
    "TAETORD": [1.0, 2.0, 3.0, 4.0, 5.0],
    "ETCD":    ["SCRN", "APHER", "LDCHEMO", "CARTINF", "FU"],
    "ELEMENT": ["Screening", "Leukapheresis", "Lymphodepleting chemotherapy", "IM96 infusion", "Follow-up"],
    "EPOCH":   ["SCREENING", "CELL COLLECTION", "LYMPHODEPLETION", "TREATMENT", "FOLLOW-UP"],
})


def test_build_se_elements_reached(make_context, spec):
    """Elements start at the first consent (not the re-consent), the apheresis (with time), the first
    lymphodepletion dose, the infusion start and Day 29 (05-MAR + 28 days = 02-APR-2024); each ends at the
    next start, the last at RFPENDTC; no follow-up when participation ended before Day 29; study days from
    the infusion date (Feb 2024 has 29 days), none for the screen failure."""
    ctx = make_context({"ic": IC, "apher": APHER, "ld": LD, "inf": INF}, done={"DM": DM, "TA": TA})
    result, = se.build(ctx)
    out = finalize(result, spec).data
    s1, s4, s8 = "IM96-001-001", "IM96-001-004", "IM96-001-008"
    expected = pd.DataFrame([
        [s1, 1.0, "SCRN",    1.0, "SCREENING",       "2024-02-08",       "2024-02-12T08:38", -26.0, -22.0],
        [s1, 2.0, "APHER",   2.0, "CELL COLLECTION", "2024-02-12T08:38", "2024-02-29",       -22.0, -5.0],
        [s1, 3.0, "LDCHEMO", 3.0, "LYMPHODEPLETION", "2024-02-29",       "2024-03-05T11:10", -5.0,  1.0],
        [s1, 4.0, "CARTINF", 4.0, "TREATMENT",       "2024-03-05T11:10", "2024-04-02",       1.0,   29.0],
        [s1, 5.0, "FU",      5.0, "FOLLOW-UP",       "2024-04-02",       "2024-07-02",       29.0,  120.0],
        [s4, 1.0, "SCRN",    1.0, "SCREENING",       "2024-05-19",       "2024-05-23",       NAN,   NAN],
        [s8, 1.0, "SCRN",    1.0, "SCREENING",       "2024-10-15",       "2024-10-20T09:11", -25.0, -20.0],
        [s8, 2.0, "APHER",   2.0, "CELL COLLECTION", "2024-10-20T09:11", "2024-11-04",       -20.0, -5.0],
        [s8, 3.0, "LDCHEMO", 3.0, "LYMPHODEPLETION", "2024-11-04",       "2024-11-09T10:59", -5.0,  1.0],
        [s8, 4.0, "CARTINF", 4.0, "TREATMENT",       "2024-11-09T10:59", "2024-11-28",       1.0,   20.0],
    ], columns=["USUBJID", "SESEQ", "ETCD", "TAETORD", "EPOCH", "SESTDTC", "SEENDTC", "SESTDY", "SEENDY"])
    assert_frame_equal_by_keys(out, expected, keys=["USUBJID", "SESEQ"])
    assert out.loc[out["ETCD"].eq("APHER"), "ELEMENT"].tolist() == ["Leukapheresis", "Leukapheresis"]
    lineage = result.data.set_index(["USUBJID", "ETCD"])[["RAW_FORM", "RAW_ROW"]]
    assert lineage.loc[(s1, "SCRN")].tolist() == ["ic", 2]
    assert lineage.loc[(s1, "LDCHEMO")].tolist() == ["ld", 2]
    assert lineage.loc[(s1, "FU")].tolist() == ["inf", 1]


def test_build_se_skips_apheresis_not_performed(make_context, spec):
    """An apheresis row answered 'not performed' (APHYN = N) starts no APHER element."""
    apher = APHER.assign(APHYN=["Y", "N"])
    result, = se.build(make_context({"ic": IC, "apher": apher, "ld": LD, "inf": INF}, done={"DM": DM, "TA": TA}))
    out = finalize(result, spec).data
    assert out.loc[out["USUBJID"].eq("IM96-001-008"), "ETCD"].tolist() == ["SCRN", "LDCHEMO", "CARTINF"]
