"""The CDISC CT check on hand-made datasets, against the shipped SDTM CT 2025-03-28."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from cdisc.errors import CdiscError
from cdisc.validate.package import Package, dataset_from_frame
from cdisc.validate.terminology import run_terminology, sdtm_ct, shipped_versions


def _package(**frames: pd.DataFrame) -> Package:
    return Package(Path("."), "SDTMIG", {n: dataset_from_frame(n, n, f, {}) for n, f in frames.items()})


def test_values_outside_the_ig_codelists():
    """DM.SEX (C66731, non-extensible): 'X' is no term -> CT2001 error; AE.EPOCH (C99079, extensible):
    'CELL COLLECTION' is a sponsor term -> CT2002 warning; AE.AESTDTC has no codelist."""
    dm = pd.DataFrame({"DOMAIN": ["DM", "DM"], "USUBJID": ["S1", "S2"], "SEX": ["F", "X"]})
    ae = pd.DataFrame({"DOMAIN": ["AE"] * 2, "USUBJID": ["S1", "S2"], "AESEQ": [1.0, 1.0],
                       "EPOCH": ["SCREENING", "CELL COLLECTION"], "AESTDTC": ["2025-01-01", "garbage"]})
    findings, statuses = run_terminology(_package(DM=dm, AE=ae))
    assert [(f.rule, f.severity, f.dataset, f.variables, f.records) for f in findings] == [
        ("CT2001", "error", "DM", ("SEX",), ({"row": 2, "USUBJID": "S2", "SEX": "X"},)),
        ("CT2002", "warning", "AE", ("EPOCH",), ({"row": 2, "USUBJID": "S2", "AESEQ": 1.0,
                                                  "EPOCH": "CELL COLLECTION"},))]
    assert [(s.rule, s.status, s.findings) for s in statuses] == [("CT2001", "executed", 1),
                                                                  ("CT2002", "executed", 1)]


def test_findings_results_are_left_to_value_level_metadata():
    """LBSTRESC holds numbers for numeric tests: the IG's codelist for it applies per test, not to the column."""
    lb = pd.DataFrame({"DOMAIN": ["LB"], "USUBJID": ["S1"], "LBORRES": ["5.2"], "LBSTRESC": ["5.2"]})
    assert run_terminology(_package(LB=lb))[0] == []


def test_only_shipped_ct_packages():
    assert shipped_versions() == ["2025-03-28"]
    assert sdtm_ct().get("C66731").terms == {"F": "C16576", "INTERSEX": "C45908", "M": "C20197", "U": "C17998"}
    with pytest.raises(CdiscError, match="no such SDTM CT package shipped"):
        sdtm_ct("2024-01-01")
