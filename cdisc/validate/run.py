"""Run spec-derived expectation suites in great-expectations 1.x.

The only module that imports great_expectations (lazily: the import takes seconds).
"""
from __future__ import annotations

import os

import pandas as pd

from cdisc.issues import Issue
from cdisc.validate.suite import Expectation

MAX_ROWS_SHOWN = 10


def run_suites(frames: dict[str, pd.DataFrame], suites: dict[str, list[Expectation]]) -> list[Issue]:
    """Validate each frame against its suite; one `Issue` per failed expectation, naming rows by index.

    Two passes: every expectation with result format BOOLEAN_ONLY (half the cost of COMPLETE, measured), then
    only the failed ones again with COMPLETE, for the rows and values their issues name."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_pandas("output")
    issues: list[Issue] = []
    for name, frame in sorted(frames.items()):
        batch = source.add_dataframe_asset(name).add_batch_definition_whole_dataframe(name)
        data = _nulls(frame)
        results = _validate(gx, context, batch, name, suites[name], data, "BOOLEAN_ONLY")
        failed = [suites[name][r.expectation_config.meta["position"]] for r in results if not r.success]
        if failed:
            issues += [i for r in _validate(gx, context, batch, f"{name}.failed", failed, data, "COMPLETE")
                       for i in _issues(name, r)]
    return issues


def _validate(gx, context, batch, name: str, expectations: list[Expectation], data: pd.DataFrame, result_format: str):
    """Run `expectations` on `data` as one suite; each result's meta names its expectation's `position`."""
    # Build the suite whole before registering it: adding expectations one by one to a registered suite
    # re-serialises the suite each time (40 % of the validation time, measured).
    suite = context.suites.add(gx.ExpectationSuite(
        name=name, expectations=[getattr(gx.expectations, e.kind)(**e.kwargs, meta={**e.meta, "position": i})
                             for i, e in enumerate(expectations)]))
    definition = context.validation_definitions.add(gx.ValidationDefinition(name=name, data=batch, suite=suite))
    result = definition.run(batch_parameters={"dataframe": data}, result_format={"result_format": result_format})
    return result.results


def _nulls(frame: pd.DataFrame) -> pd.DataFrame:
    """SDTM text nulls are empty strings; great-expectations needs real nulls to skip them."""
    return frame.replace("", None)


def _issues(dataset: str, r) -> list[Issue]:
    """The first offending records of a failed expectation, one issue each (the first carries the count)."""
    cfg = r.expectation_config
    res = r.result or {}
    rows = [str(i + 1) for i in (res.get("unexpected_index_list") or [])[:MAX_ROWS_SHOWN]]
    values = [_shown(v) for v in (res.get("unexpected_list") or [])[:MAX_ROWS_SHOWN]]
    count = res.get("unexpected_count") or len(rows) or 1
    exc = (r.exception_info or {}).get("exception_message") if isinstance(r.exception_info, dict) else None
    message = f"{cfg.meta['expects']} ({cfg.type}; {cfg.meta['spec']}){' ' + exc if exc else ''}"
    pairs = list(zip(rows, values, strict=False)) if values else [(row, "") for row in rows]
    return [Issue("error", cfg.meta["rule"], dataset, message, variable=cfg.kwargs.get("column", ""), row=row,
                  value=value, count=count if n == 0 else 0)
            for n, (row, value) in enumerate(pairs or [("", "")])]


def _shown(value) -> str:
    if isinstance(value, dict):  # a compound key
        return "/".join(str(v) for v in value.values())
    return "" if value is None or value != value else str(value)  # NaN != NaN: a missing number
