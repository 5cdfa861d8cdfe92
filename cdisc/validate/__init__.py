"""Validation of output datasets: spec-derived expectation suites (run in great-expectations) and
cross-dataset conformance rules."""
from __future__ import annotations

import pandas as pd

from cdisc.issues import Issue
from cdisc.spec.model import Spec
from cdisc.validate.rules import check_rules
from cdisc.validate.suite import suite_for


def validate(spec: Spec, data: dict[str, pd.DataFrame]) -> list[Issue]:
    """Spec-derived suites (great-expectations) for every dataset, then the cross-dataset rules."""
    from cdisc.validate.run import run_suites

    suites = {name: suite_for(spec, name) for name in data}
    return run_suites(data, suites) + check_rules(data)
