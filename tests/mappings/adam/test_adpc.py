"""ADPC / ADPP on a 2-subject inline SDTM fixture (ADSL inline): BLQ rule in AVAL, time imputation, NCA flags,
ADSL variables, and traceability to PC / PP (SRCDOM, SRCVAR, SRCSEQ)."""
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cdisc.context import AnalysisContext
from cdisc.errors import DerivationError
from cdisc.finalize import finalize
from cdisc.spec.load import load_spec
from mappings.im96.adam import adpc

A, B = "IM96-001-001", "IM96-001-002"
RF = "2024-01-01T10:00"
PC = pd.DataFrame(
    [  # USUBJID, PCSEQ, PCTESTCD, PCDTC,         PCDY, VISIT,   VISITNUM, PCTPT,          PCTPTNUM, PCSTRESC, PCSTRESN
        [A, 1, "IM96TG", "2024-01-01T09:00", 1,  "DAY 1",  4.0, "PRE-INFUSION",         0.0,  "<50",  np.nan],
        [A, 2, "IM96TG", "2024-01-08",       8,  "DAY 7",  6.0, "6 DAYS POST-INFUSION", 6.0,  "1000", 1000.0],
        [A, 3, "IM96TG", "2024-01-11T10:00", 11, "DAY 10", 7.0, "9 DAYS POST-INFUSION", 9.0,  "<50",  np.nan],
        [A, 4, "IM96TG", "2024-01-15T10:00", 15, "DAY 14", 8.0, "13 DAYS POST-INFUSION", 13.0, "4000", 4000.0],
        [A, 5, "IM96TG", "2024-02-10T10:00", 41, "DAY 28", 10.0, "27 DAYS POST-INFUSION", 27.0, "<50",  np.nan],
    ],
    columns=["USUBJID", "PCSEQ", "PCTESTCD", "PCDTC", "PCDY", "VISIT", "VISITNUM", "PCTPT", "PCTPTNUM", "PCSTRESC",
             "PCSTRESN"],
).assign(STUDYID="IM96", PCTEST="IM96 CAR Transgene", PCSPEC="BLOOD", PCSTRESU="DNA copies/ug", PCLLOQ=50.0,
         PCRFTDTC=RF, PCTPTREF="IM96 INFUSION")
PP = pd.DataFrame(
    [  # USUBJID, PPSEQ, PPTESTCD, PPGRPID,        PPSTRESN, PPSTRESU,            PPSTINT, PPENINT, PPREASND
        [A, 1, "AUCINT", "IM96TG-D1-90", np.nan, "",              "PT0H", "P89D", "profile ends at t=40"],
        [A, 2, "CMAX",   "IM96TG-D1-28", 4000.0, "DNA copies/ug", "",     "",     ""],
        [A, 3, "TMAX",   "IM96TG-D1-28", 14.0,   "day",           "",     "",     ""],
    ],
    columns=["USUBJID", "PPSEQ", "PPTESTCD", "PPGRPID", "PPSTRESN", "PPSTRESU", "PPSTINT", "PPENINT", "PPREASND"],
).assign(STUDYID="IM96", PPCAT="IM96 CAR Transgene")
ADSL = pd.DataFrame({"USUBJID": [A, B], "TRT01A": ["IM96 12x10^8 CAR-T cells", ""], "TRT01AN": [1.0, np.nan],
                     "SAFFL": ["Y", "N"]})


@pytest.fixture(scope="module")
def spec():
    return load_spec(Path("specs/im96"), "adam")


@pytest.fixture(scope="module")
def built(spec):
    ctx = AnalysisContext(spec=spec, sdtm_data={"PC": PC, "PP": PP}, design_dir=Path("specs/im96/design"),
                          done={"ADSL": ADSL})
    return {r.name: finalize(r, spec).data for r in adpc.build(ctx)}


def test_build_adpc_aval_blq_rule_and_times(built):
    """AVAL: BLQ before the first quantifiable = 0, between quantifiable = null, after the last = 0; AVALC as in
    PC; a missing sample time is imputed with the infusion time (ATMF H, AFRLT whole days 7)."""
    out = built["ADPC"]
    assert out["SRCSEQ"].tolist() == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert out["AVAL"].fillna(-1).tolist() == [0.0, 1000.0, -1, 4000.0, 0.0]
    assert out["AVALC"].tolist() == ["<50", "1000", "<50", "4000", "<50"]
    assert out["ATMF"].tolist() == ["", "H", "", "", ""]
    assert out["AFRLT"].round(6).tolist() == [round(-1 / 24, 6), 7.0, 10.0, 14.0, 40.0]
    assert out["NFRLT"].tolist() == [0.0, 6.0, 9.0, 13.0, 27.0]


def test_build_adpc_nca_flags_adsl_and_source(built):
    """ANL01FL = Cmax/Tmax samples (Days 1-28, usable); ANL02FL blank (profile ends before Day 90);
    TRTA = ADSL.TRT01A; SRCDOM/SRCVAR trace to PC.PCSTRESN."""
    out = built["ADPC"]
    assert out["ANL01FL"].tolist() == ["Y", "Y", "", "Y", ""]
    assert out["ANL02FL"].eq("").all()
    assert out["TRTA"].eq("IM96 12x10^8 CAR-T cells").all() and out["SAFFL"].eq("Y").all()
    assert out["SRCDOM"].eq("PC").all() and out["SRCVAR"].eq("PCSTRESN").all()


def test_build_adpp_parameters_trace_to_pp(built):
    """One ADPP record per PP record: PARAMCD from PPTESTCD + analyte, AVAL = PPSTRESN, SRCSEQ = PPSEQ."""
    out = built["ADPP"].set_index("PARAMCD")
    assert out.loc["CMAXTG", "AVAL"] == 4000.0 and out.loc["CMAXTG", "SRCSEQ"] == 2.0
    assert out.loc["TMAXTG", "AVALU"] == "day"
    assert np.isnan(out.loc["AUC90TG", "AVAL"]) and out.loc["AUC90TG", "PPREASND"] == "profile ends at t=40"
    assert out.loc["AUC90TG", "PPENINT"] == "P89D" and out["SRCDOM"].eq("PP").all()


def test_build_adpc_subject_missing_from_adsl_is_an_error(spec):
    """A PC subject without an ADSL record stops the build with the subject named."""
    ctx = AnalysisContext(spec=spec, sdtm_data={"PC": PC, "PP": PP}, design_dir=Path("specs/im96/design"),
                          done={"ADSL": ADSL[ADSL["USUBJID"].eq(B)]})
    with pytest.raises(DerivationError, match="IM96-001-001"):
        adpc.build(ctx)
