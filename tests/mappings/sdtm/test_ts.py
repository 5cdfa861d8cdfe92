"""TS: the protocol's trial summary with the data-driven values filled in."""
from __future__ import annotations

import pandas as pd
import pytest

from cdisc.errors import MappingError
from cdisc.finalize import finalize
from cdisc.validate.rules import trial_summary
from mappings.im96.sdtm import ts
from tests.helpers import assert_frame_equal_by_keys

TS = """TSSEQ,TSGRPID,TSPARMCD,TSPARM,TSVAL,TSVALNF,TSVALCD,TSVCDREF,TSVCDVER
1,,TPHASE,Trial Phase Classification,PHASE I TRIAL,,C15600,CDISC CT,2025-03-28
1,,ACTSUB,Actual Number of Subjects,{derived},,,,
1,,REGID,Registry Identifier,,NA,,,
1,,SSTDTC,Study Start Date,{derived},,,ISO 8601,
1,,SENDTC,Study End Date,{derived},,,ISO 8601,
1,,DCUTDTC,Data Cutoff Date,{derived},,,ISO 8601,
1,DL1,DOSE,Dose per Administration,1.2,,,,
2,DL2,DOSE,Dose per Administration,2,,,,
"""
DM = pd.DataFrame({
    "USUBJID":  ["IM96-001-001", "IM96-001-002", "IM96-001-003", "IM96-001-004"],
    "RFICDTC":  ["2024-02-08", "2024-01-15", "2024-03-12", "2024-03-20"],
    "RFPENDTC": ["2024-07-02", "2024-01-20", "2025-04-22", "2024-10-01"],
    "ARMNRS":   ["", "SCREEN FAILURE", "", "ASSIGNED, NOT TREATED"],
})


@pytest.fixture
def design_dir(tmp_path):
    (tmp_path / "ts.csv").write_text(TS)
    return tmp_path


def test_build_ts_fills_derived_values(make_context, spec, design_dir):
    """SSTDTC = earliest consent of enrolled subjects (the screen failure's earlier consent of 2024-01-15 is
    excluded, CT C69208), SENDTC = latest end of participation of enrolled subjects, ACTSUB = 3 enrolled
    (the assigned-not-treated subject counts, CT C98703), DCUTDTC = study.toml data cut; other rows, TSSEQ and
    null flavors unchanged."""
    result, = ts.build(make_context({}, done={"DM": DM}, design_dir=design_dir))
    out = finalize(result, spec).data
    expected = pd.DataFrame([
        ["TPHASE", 1.0, "", "PHASE I TRIAL", "", "C15600"],
        ["ACTSUB", 1.0, "", "3", "", ""],
        ["REGID", 1.0, "", "", "NA", ""],
        ["SSTDTC", 1.0, "", "2024-02-08", "", ""],
        ["SENDTC", 1.0, "", "2025-04-22", "", ""],
        ["DCUTDTC", 1.0, "", "2026-06-30", "", ""],
        ["DOSE", 1.0, "DL1", "1.2", "", ""],
        ["DOSE", 2.0, "DL2", "2", "", ""],
    ], columns=["TSPARMCD", "TSSEQ", "TSGRPID", "TSVAL", "TSVALNF", "TSVALCD"])
    assert_frame_equal_by_keys(out, expected, keys=["TSPARMCD", "TSSEQ"])
    assert out["STUDYID"].eq("IM96").all() and out["DOMAIN"].eq("TS").all()


def test_build_ts_refuses_a_placeholder_without_rule(make_context, design_dir):
    """A {derived} value for a parameter the mapping has no rule for is an error, not a silent placeholder."""
    (design_dir / "ts.csv").write_text(TS.replace("PHASE I TRIAL", "{derived}"))
    with pytest.raises(MappingError, match=r"TPHASE.*no derivation"):
        ts.build(make_context({}, done={"DM": DM}, design_dir=design_dir))


def test_build_ts_of_the_study_design_has_every_required_parameter(make_context, spec):
    """The IM96 design table (specs/im96/design/ts.csv) gives every CG0287 parameter, those required by an
    interventional study on patients, and the FDA TCG ones (EXTTIND, NCOHORT, ONGOSIND, PDSTIND, PDPSTIND,
    PIPIND, RDIND were missing before); the only finding left is PCLAS without a MED-RT value (warning)."""
    result, = ts.build(make_context({}, done={"DM": DM}))
    issues = trial_summary({"TS": finalize(result, spec).data})
    assert [(i.severity, i.code, i.value) for i in issues] == [("warning", "CORE-000741", "PCLAS")]
