"""Fixtures for the ADaM builder tests: the real IM96 ADaM spec and an AnalysisContext over inline SDTM frames.

    def test_something(make_adam_context):
        ctx = make_adam_context({"DM": dm, "EX": ex}, done={"ADSL": adsl})
        [result] = adsl.build(ctx)

SDTM domains a test does not give are empty frames with the columns of the SDTM spec (so a builder that
reads, say, LB for its last-alive date sees "no records", not a KeyError). Given frames keep only what the
test wrote: missing text columns are added as blank and missing numeric columns as NaN, from the SDTM
spec, so inline fixtures stay short. `finalize_result` runs `cdisc.finalize` on a builder result.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from cdisc.context import AnalysisContext, DomainResult
from cdisc.ct import load_ct, merge_ct
from cdisc.finalize import finalize
from cdisc.spec.check import check_spec
from cdisc.spec.load import load_spec
from cdisc.spec.model import Spec

SPEC_DIR = Path("specs/im96")


@pytest.fixture(scope="session")
def adam_spec() -> Spec:
    """The ADaM spec as loaded by the pipeline (not checked here: see test_<module>_spec_rows_are_clean)."""
    return load_spec(SPEC_DIR, "adam")


@pytest.fixture(scope="session")
def sdtm_spec() -> Spec:
    return load_spec(SPEC_DIR, "sdtm")


def complete_sdtm(frame: pd.DataFrame | None, name: str, sdtm_spec: Spec) -> pd.DataFrame:
    """`frame` with every SDTM spec column of `name` (blank text / NaN numbers added); empty if None."""
    variables = sdtm_spec.variables_of(name)
    frame = pd.DataFrame() if frame is None else frame.copy()
    for v in variables:
        if v.name not in frame.columns:
            frame[v.name] = float("nan") if v.numeric else ""
    if "STUDYID" in frame.columns and len(frame):
        frame["STUDYID"] = frame["STUDYID"].replace("", "IM96")
    return frame.reset_index(drop=True)


@pytest.fixture
def make_adam_context(adam_spec: Spec, sdtm_spec: Spec) -> Callable[..., AnalysisContext]:
    """Build an AnalysisContext from inline SDTM frames (by domain name) and finished ADaM frames (`done`)."""
    def make(sdtm: dict[str, pd.DataFrame], *, done: dict[str, pd.DataFrame] | None = None) -> AnalysisContext:
        names = {d.name for d in sdtm_spec.datasets} | set(sdtm)
        frames = {n: complete_sdtm(sdtm.get(n), n, sdtm_spec) for n in names}
        return AnalysisContext(spec=adam_spec, sdtm_data=frames, design_dir=SPEC_DIR / "design",
                               done=dict(done or {}))
    return make


@pytest.fixture
def finalize_result(adam_spec: Spec) -> Callable[[DomainResult], pd.DataFrame]:
    """The finalized frame of a builder result (spec columns, order, types; numeric dates as SAS numbers)."""
    return lambda result: finalize(result, adam_spec).data



def own_spec_issues(spec: Spec, dataset: str, stem: str) -> list[str]:
    """Spec-check findings (CT packages of study.toml included) about `dataset`'s variables or the codelists,
    methods and comments defined in the files `<sheet>/<stem>.csv` (so other engineers' unfinished rows
    do not fail this builder's test)."""
    root = SPEC_DIR / "adam"
    own = {dataset}
    for sheet in ("codelists", "methods", "comments"):
        path = root / sheet / f"{stem}.csv"
        if path.exists():
            own |= set(pd.read_csv(path, dtype=str, keep_default_na=False)["ID"])
    study, repo = spec.study, SPEC_DIR.parent.parent
    ct = merge_ct(*(load_ct(repo / f, study.ct_version) for f in (study.ct_file, study.adam_ct_file) if f))
    # Issue.where is e.g. "variables ADSL", "codelists NY", "methods MT.ADSL.AGEGR1", "datasets.csv ADSL"
    return [str(i) for i in check_spec(spec, ct) if i.where.split()[-1] in own]


@pytest.fixture(scope="session")
def bundled_sdtm() -> dict[str, pd.DataFrame]:
    """SDTM built from the bundled raw export (data/im96/raw), as `cdisc run` writes it (built once per session)."""
    from cdisc.pipeline import build_sdtm
    from mappings.im96.sdtm import BUILDERS

    run = build_sdtm(Path("data/im96/raw"), SPEC_DIR, BUILDERS)
    return {name: final.data for name, final in run.datasets.items()}


@pytest.fixture(scope="session")
def bundled_adam(bundled_sdtm: dict[str, pd.DataFrame], adam_spec: Spec) -> Callable[[list[str]], dict]:
    """Run the named ADaM builder modules in order on the bundled SDTM; finalized frames by dataset name."""
    import importlib

    def run(modules: list[str]) -> dict[str, pd.DataFrame]:
        ctx = AnalysisContext(spec=adam_spec, sdtm_data=bundled_sdtm, design_dir=SPEC_DIR / "design")
        for module in modules:
            for result in importlib.import_module(f"mappings.im96.adam.{module}").build(ctx):
                ctx.done[result.name] = finalize(result, adam_spec).data
        return ctx.done
    return run
