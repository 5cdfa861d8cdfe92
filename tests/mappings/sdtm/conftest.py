"""Fixtures for the mapping-module tests: the real IM96 spec and a StudyContext over inline raw forms.

    def test_something(make_context):
        ctx = make_context({"dm": pd.DataFrame({...})}, done={"DM": DM}, dates=["dm.BRTHDAT"])

Each form gains RAW_FORM (its name) and RAW_ROW (1, 2, ...); the raw dictionary lists every column as
text, except the `form.FIELD` names in `dates`, typed date (what code reading the dictionary needs).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import pandas as pd
import pytest

from cdisc.context import StudyContext
from cdisc.pipeline import load_checked_spec
from cdisc.raw import RawStudy
from cdisc.spec.model import Spec

SPEC_DIR = Path("specs/im96")


@pytest.fixture(scope="session")
def spec() -> Spec:
    return load_checked_spec(SPEC_DIR, "sdtm")


def raw_study(forms: dict[str, pd.DataFrame], dates: Iterable[str] = ()) -> RawStudy:
    """A RawStudy of inline forms (all values text), with lineage and a minimal dictionary."""
    dates = set(dates)
    dictionary = pd.DataFrame(
        [{"FORM": name, "FIELD": field, "TYPE": "date" if f"{name}.{field}" in dates else "text"}
         for name, frame in forms.items() for field in frame.columns],
        columns=["FORM", "FIELD", "TYPE"])
    with_lineage = {name: frame.assign(RAW_FORM=name, RAW_ROW=range(1, len(frame) + 1))
                    for name, frame in forms.items()}
    return RawStudy(Path("."), dictionary, pd.DataFrame(columns=["CODELIST", "CODE", "DECODE"]), with_lineage)


@pytest.fixture
def make_context(spec: Spec) -> Callable[..., StudyContext]:
    """Build a StudyContext from inline forms, prerequisite datasets (`done`) and a design directory."""
    def make(forms: dict[str, pd.DataFrame], *, done: dict[str, pd.DataFrame] | None = None,
             dates: Iterable[str] = (), design_dir: Path = SPEC_DIR / "design") -> StudyContext:
        return StudyContext(spec=spec, raw=raw_study(forms, dates), design_dir=design_dir, done=dict(done or {}))
    return make
