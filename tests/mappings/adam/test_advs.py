"""ADVS and ADEG builders on inline VS/EG fixtures; expected values worked out by hand (methods/advs, adeg)."""

import numpy as np
import pandas as pd
import pytest

from cdisc.errors import DerivationError
from mappings.im96.adam import advs
from tests.helpers import assert_frame_equal_by_keys
from tests.mappings.adam.test_adlb import adsl_frame

N = np.nan
ADSL = adsl_frame({"S1": "2024-03-05T11:10", "S2": None})
VS = pd.DataFrame([
    # Day 1 pre- and post-infusion without time: VSTPT decides; Day 28 CS vs Day 29 CS
    ("S1", 1, "SYSBP",  "120", 120.0, "mmHg", "",  "PRE-INFUSION",  "2024-03-05"),
    ("S1", 2, "SYSBP",  "90",  90.0,  "mmHg", "Y", "POST-INFUSION", "2024-03-05"),
    ("S1", 3, "SYSBP",  "150", 150.0, "mmHg", "Y", "",              "2024-04-01T10:00"),
    ("S1", 4, "SYSBP",  "160", 160.0, "mmHg", "Y", "",              "2024-04-02T10:00"),
    ("S1", 5, "HEIGHT", "170", 170.0, "cm",   "",  "",              "2024-02-01"),
    ("S2", 1, "SYSBP",  "130", 130.0, "mmHg", "",  "",              "2024-02-01T09:00"),
], columns=["USUBJID", "VSSEQ", "VSTESTCD", "VSSTRESC", "VSSTRESN", "VSSTRESU", "VSCLSIG", "VSTPT", "VSDTC"])
EG = pd.DataFrame([
    ("S1", 1, "QTCFAG", "430", 430.0, "ms", "", "2024-03-05T09:00"),
    ("S1", 2, "QTCFAG", "450", 450.0, "ms", "", "2024-03-12T09:00"),
    ("S1", 3, "QTCFAG", "461", 461.0, "ms", "", "2024-03-19T09:00"),
    ("S1", 4, "QTCFAG", "501", 501.0, "ms", "", "2024-04-01T09:00"),
    ("S1", 5, "INTP",   "NORMAL",   N,  "",   "",  "2024-03-05T09:00"),
    ("S1", 6, "INTP",   "ABNORMAL", N,  "",   "Y", "2024-04-01T09:00"),
], columns=["USUBJID", "EGSEQ", "EGTESTCD", "EGSTRESC", "EGSTRESN", "EGSTRESU", "EGCLSIG", "EGDTC"])


@pytest.fixture
def built(make_adam_context, finalize_result):
    ctx = make_adam_context({"VS": VS, "EG": EG}, done={"ADSL": ADSL})
    return {r.name: finalize_result(r) for r in advs.build(ctx)}


def test_advs_day1_pre_post_baseline_window_and_cs(built):
    """Day 1 without time: PRE-INFUSION is baseline, POST-INFUSION is 'Day 1 Post-infusion'; CS at Day 28 is
    flagged, at Day 29 not; HEIGHT is not an ADVS parameter; an uninfused subject has no baseline or ADY."""
    expected = pd.DataFrame([
        ("S1", 1.0, 1.0,  "Y", 120.0, N,    N,     "Baseline",            "Y", ""),
        ("S1", 2.0, 1.0,  "",  120.0, -30.0, -25.0, "Day 1 Post-infusion", "Y", "Y"),
        ("S1", 3.0, 28.0, "",  120.0, 30.0, 25.0,  "Day 28",              "Y", "Y"),
        ("S1", 4.0, 29.0, "",  120.0, 40.0, 33.333333333333336, "Day 28",  "",  ""),
        ("S2", 1.0, N,    "",  N,     N,    N,     "",                    "",  ""),
    ], columns=["USUBJID", "SRCSEQ", "ADY", "ABLFL", "BASE", "CHG", "PCHG", "AVISIT", "ANL01FL", "CSABN28F"])
    assert_frame_equal_by_keys(built["ADVS"], expected, keys=["USUBJID", "SRCSEQ"])
    assert set(built["ADVS"]["PARAMCD"]) == {"SYSBP"} and set(built["ADVS"]["SRCDOM"]) == {"VS"}


def test_adeg_qtcf_categories_and_interpretation(built):
    """ICH E14 categories: 450 is not > 450, 461 is; CHG 20 is not > 30, CHG 31 is; 501 > 500 and CHG 71 > 60;
    INTP is a character parameter with BASEC and no categories."""
    expected = pd.DataFrame([
        # USUBJID SRCSEQ PARAMCD AVALC BASEC CHG  CRIT1FL CRIT2FL CRIT3FL CRIT4FL CRIT5FL SRCVAR  CSABN28F
        ("S1", 1.0, "QTCF", "430",      "430",    N,    "N", "N", "N", "",  "",  "EGSTRESN", ""),
        ("S1", 2.0, "QTCF", "450",      "430",    20.0, "N", "N", "N", "N", "N", "EGSTRESN", ""),
        ("S1", 3.0, "QTCF", "461",      "430",    31.0, "Y", "N", "N", "Y", "N", "EGSTRESN", ""),
        ("S1", 4.0, "QTCF", "501",      "430",    71.0, "Y", "Y", "Y", "Y", "Y", "EGSTRESN", ""),
        ("S1", 5.0, "INTP", "NORMAL",   "NORMAL", N,    "",  "",  "",  "",  "",  "EGSTRESC", ""),
        ("S1", 6.0, "INTP", "ABNORMAL", "NORMAL", N,    "",  "",  "",  "",  "",  "EGSTRESC", "Y"),
    ], columns=["USUBJID", "SRCSEQ", "PARAMCD", "AVALC", "BASEC", "CHG", "CRIT1FL", "CRIT2FL", "CRIT3FL",
                "CRIT4FL", "CRIT5FL", "SRCVAR", "CSABN28F"])
    assert_frame_equal_by_keys(built["ADEG"], expected, keys=["USUBJID", "SRCSEQ"])
    qtcf = built["ADEG"][built["ADEG"]["PARAMCD"] == "QTCF"]
    assert set(qtcf["CRIT1"]) == {"QTcF > 450 ms"} and set(qtcf["CRIT5"]) == {"QTcF increase from baseline > 60 ms"}


def test_qtcf_criteria_are_read_from_the_spec_terms(adam_spec):
    """Each CRITy_ADEG term states its variable and threshold (ICH E14 categories 450/480/500 ms, +30/+60 ms)."""
    parsed = [advs.parse_criterion(adam_spec.codelist(f"{c}_ADEG").terms[0].term) for c in advs.QTCF_CRITERIA]
    assert parsed == [("AVAL", 450.0), ("AVAL", 480.0), ("AVAL", 500.0), ("CHG", 30.0), ("CHG", 60.0)]


def test_parse_criterion_refuses_other_wording():
    with pytest.raises(DerivationError, match="QTcF > 450 msec"):
        advs.parse_criterion("QTcF > 450 msec")


def test_window_definitions_match_the_spec_methods(adam_spec):
    """Each window in code appears, with its bounds and target, in the AVISIT method text of each dataset."""
    for ds, windows in [("ADLB", advs.WINDOWS), ("ADVS", advs.VS_WINDOWS), ("ADEG", advs.WINDOWS)]:
        text = next(m.description for m in adam_spec.methods if m.id == f"MT.{ds}.AVISIT")
        for w in windows:
            if w.low != w.high:
                assert f"{w.name} = Day {w.low}-{w.high} (target {w.target})" in text, (ds, w.name)


@pytest.fixture(scope="module")
def bundled():
    """SDTM from the bundled IM96 export (in memory) and the finalized ADSL, ADLB, ADVS, ADEG."""
    from pathlib import Path

    from cdisc.context import AnalysisContext
    from cdisc.finalize import finalize
    from cdisc.pipeline import build_sdtm
    from cdisc.spec.load import load_spec
    from mappings.im96.adam import adlb, adsl
    from mappings.im96.sdtm import BUILDERS

    spec_dir = Path("specs/im96")
    sdtm = {n: f.data for n, f in build_sdtm(Path("data/im96/raw"), spec_dir, BUILDERS).datasets.items()}
    spec = load_spec(spec_dir, "adam")
    ctx = AnalysisContext(spec=spec, sdtm_data=sdtm, design_dir=spec_dir / "design")
    for module in (adsl, adlb, advs):
        for result in module.build(ctx):
            ctx.done[result.name] = finalize(result, spec).data
    return sdtm, ctx.done


@pytest.mark.parametrize(("dataset", "dom"), [("ADLB", "LB"), ("ADVS", "VS"), ("ADEG", "EG")])
def test_bundled_records_trace_to_sdtm_and_baseline_matches_lobxfl(bundled, dataset, dom):
    """On the bundled study every record points (SRCDOM/SRCSEQ) at exactly one SDTM record with the same
    result; every SDTM record with a result is used once (VS HEIGHT aside); and ABLFL, derived independently
    of SDTM, agrees with the SDTM --LOBXFL flag on every record."""
    sdtm, adam = bundled
    src = sdtm[dom]
    src = src[src[f"{dom}STAT"].ne("NOT DONE") & src[f"{dom}TESTCD"].ne("HEIGHT")]
    a = adam[dataset]
    assert set(a["SRCDOM"]) == {dom}
    merged = a.merge(src, left_on=["USUBJID", "SRCSEQ"], right_on=["USUBJID", f"{dom}SEQ"], how="outer",
                     indicator=True, validate="one_to_one")
    assert merged["_merge"].eq("both").all()
    assert (merged["AVALC"] == merged[f"{dom}STRESC"]).all()
    assert (merged["ABLFL"].eq("Y") == merged[f"{dom}LOBXFL"].eq("Y")).all()
