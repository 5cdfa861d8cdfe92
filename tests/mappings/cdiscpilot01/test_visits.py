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


def test_an_unscheduled_number_typed_two_ways_is_one_visit():
    """'Unscheduled 3.10' and 'Unscheduled 03.1' are visit 3.1, as 'Unscheduled 3.1' is: they had VISITNUM 3.1 under
    two more VISIT names."""
    instance = pd.Series(["Unscheduled 3.1", "Unscheduled 3.10", "Unscheduled 03.1", "Unscheduled 13.20"])
    out = add_visit(pd.DataFrame(index=instance.index), instance, context(), source="vs_raw.csv INSTANCE",
                    rows=pd.Series([1, 2, 3, 4]))
    assert out["VISITNUM"].tolist() == [3.1, 3.1, 3.1, 13.2]
    assert out["VISIT"].tolist() == ["UNSCHEDULED 3.1"] * 3 + ["UNSCHEDULED 13.2"]


def test_an_unscheduled_number_no_double_holds_is_named():
    """99999999999999999999.1 became VISITNUM 1e+20 beside VISIT 'UNSCHEDULED 99999999999999999999.1'."""
    instance = pd.Series(["Baseline", "Unscheduled 99999999999999999999.1"])
    with pytest.raises(MappingError) as info:
        add_visit(pd.DataFrame(index=instance.index), instance, context(), source="vs_raw.csv INSTANCE",
                  rows=pd.Series([7, 8]))
    assert str(info.value) == ("vs_raw.csv INSTANCE: unscheduled visit number(s) no number holds as written (row 8 "
                               "'Unscheduled 99999999999999999999.1')")
