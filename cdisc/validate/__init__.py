"""Validation of datasets: expectation suites generated from the metadata in force (a study spec or a package's
define.xml; run in great-expectations), cross-dataset conformance rules, and the define.xml schema check. `cdisc run`
validates its own output and `cdisc validate` any package through the same functions."""
from __future__ import annotations

import pandas as pd

from cdisc.issues import Issue
from cdisc.spec.model import Spec
from cdisc.validate.finding import Finding, RuleStatus, ValidationResult, findings_from_issues
from cdisc.validate.rules import REFERENCES, check_rules, rule_statuses
from cdisc.validate.suite import suite_for


def validate(spec: Spec, data: dict[str, pd.DataFrame]) -> list[Issue]:
    """Spec-derived suites (great-expectations) for every dataset, then the cross-dataset rules."""
    from cdisc.validate.run import run_suites

    suites = {name: suite_for(spec, name) for name in data}
    return run_suites(data, suites) + check_rules(data)


def validate_package(package) -> ValidationResult:
    """Validate a `cdisc.validate.inputs.Package`: suites from its define.xml for the datasets it defines, the
    cross-dataset rules, and the define.xml against the Define-XML 2.1 schema."""
    from cdisc.define import validate_define
    from cdisc.validate.run import run_suites

    data, spec = package.datasets, package.define
    issues: list[Issue] = []
    notes: list[Finding] = []
    if spec is not None:
        defined = {d.name for d in spec.datasets}
        suites = {name: suite_for(spec, name) for name in data if name in defined}
        issues += run_suites({n: data[n] for n in suites}, suites)
        notes += [Finding("CCV-0003", "warning", name, "dataset is not described in define.xml", 1)
                  for name in sorted(set(data) - defined)]
        notes += [Finding("CCV-0004", "warning", name, "define.xml describes a dataset the folder does not hold", 1)
                  for name in sorted(defined - set(data))]
        issues += validate_define(package.define_path)
    cross = check_rules(data)
    findings = findings_from_issues(issues + cross, REFERENCES) + notes
    rules = rule_statuses(data, cross)
    if spec is None:
        rules.append(RuleStatus("define.xml suites", "skipped", reason="no define.xml in the folder or --define"))
    return ValidationResult(package=str(package.folder), standard=package.standard,
                            datasets={n: len(df) for n, df in sorted(data.items())}, findings=tuple(findings),
                            rules=tuple(rules))
