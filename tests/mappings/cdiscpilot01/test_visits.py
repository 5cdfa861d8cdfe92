"""The pilot's visit names -> VISITNUM, VISIT, VISITDY (specs/cdiscpilot01/design/visits.csv)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from cdisc.context import StudyContext
from cdisc.errors import MappingError
from mappings.cdiscpilot01.sdtm.visits import add_visit

DESIGN = Path(__file__).resolve().parents[3] / "specs" / "cdiscpilot01" / "design"


def context() -> StudyContext:
    return StudyContext(spec=None, raw=None, design_dir=DESIGN)  # add_visit reads the design tables only


def test_planned_and_unscheduled_visits():
    instance = pd.Series(["Screening 1", "Baseline", "Unscheduled 3.1"])
    out = add_visit(pd.DataFrame(index=instance.index), instance, context(), source="vs_raw.csv INSTANCE",
                    rows=pd.Series([1, 2, 3]))
    assert out["VISITNUM"].tolist() == [1.0, 3.0, 3.1]
    assert out["VISIT"].tolist() == ["SCREENING 1", "BASELINE", "UNSCHEDULED 3.1"]
    assert out["VISITDY"].fillna(0).tolist() == [-7.0, 1.0, 0.0]


def test_an_unknown_visit_is_named_with_its_raw_rows():
    instance = pd.Series(["Baseline", "Week 99", "Week 99"], index=[5, 6, 7])
    with pytest.raises(MappingError) as info:
        add_visit(pd.DataFrame(index=instance.index), instance, context(), source="vs_raw.csv INSTANCE",
                  rows=pd.Series([10, 11, 12], index=[5, 6, 7]))
    assert str(info.value) == ("vs_raw.csv INSTANCE: visit(s) ['Week 99'] are neither in design/visits.csv nor "
                               "'Unscheduled N.M' (row 11 'Week 99', row 12 'Week 99')")
