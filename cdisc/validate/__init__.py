"""Validation of datasets, one validator for `cdisc run` and `cdisc validate`:
- expectation suites generated from the metadata in force (a study spec or a package's define.xml), run in
  great-expectations;
- CDISC's published CORE rules for SDTMIG 3.4, executed by our own engine (`cdisc.validate.core`), with the CDISC
  CT check (`cdisc.validate.terminology`), and for ADaM the ADaM validation checks (`cdisc.validate.adam`);
- the project's cross-dataset conformance rules (`cdisc.validate.rules`, published ids);
- the define.xml against the Define-XML 2.1 schema."""
from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import pandas as pd

from cdisc.background import in_background
from cdisc.issues import Issue
from cdisc.spec.model import Spec
from cdisc.validate.explain import Explanations, explain
from cdisc.validate.finding import Finding, RuleStatus, ValidationResult, findings_from_issues
from cdisc.validate.package import Package
from cdisc.validate.rules import REFERENCES, check_rules, rule_statuses
from cdisc.validate.suite import suite_for

if TYPE_CHECKING:
    from cdisc.validate.core.engine import CoreRun


def validate(spec: Spec, data: dict[str, pd.DataFrame]) -> list[Issue]:
    """Spec-derived suites (great-expectations) for every dataset, then the cross-dataset rules."""
    from cdisc.validate.run import run_suites

    suites = {name: suite_for(spec, name) for name in data}
    return run_suites(data, suites) + check_rules(data)


def conformance_rules(package: Package, ct_version: str | None = None, core: CoreRun | None = None
                      ) -> tuple[list[Finding], list[RuleStatus]]:
    """The standard's published rules: CDISC's CORE rules and the CDISC CT check (package `ct_version`, default the
    latest shipped) on an SDTM package, the ADaM checks on an ADaM one (with one skipped status saying why CORE's
    SDTMIG rules did not run). `core`: a run of the CORE rules given the SDTM datasets as they were made."""
    if package.standard == "ADaMIG":
        from cdisc.validate.adam import run_adam

        findings, statuses = run_adam(package.frames)
        return findings, [*statuses, RuleStatus("CORE", "skipped", description="CDISC CORE rules for SDTMIG 3.4",
                                                reason="ADaM package: the vendored CORE rules are SDTMIG rules")]
    from cdisc.validate.core import run_core
    from cdisc.validate.terminology import run_terminology

    found, terms = run_core(package, started=core), run_terminology(package, ct_version)
    return found[0] + terms[0], found[1] + terms[1]


TYPE_RULE, TYPE_MESSAGE = "SD0059", "Define.xml/dataset variable type mismatch"
NO_DEFINE = "no define.xml in the folder or --define"


def type_mismatches(package: Package) -> list[Issue]:
    """Each variable whose type in its dataset file is not the one its define.xml DataType gives: integer and float
    are Num, every other DataType Char (SD0059, FDA TCG 4.1.4.5). A text AVAL passes every other check."""
    spec = package.define
    defined = {d.name for d in spec.datasets}
    out = []
    for name, ds in sorted(package.datasets.items()):
        items = {v.name: v for v in spec.variables_of(name)} if name in defined else {}
        out += [Issue("error", TYPE_RULE, name, f"{TYPE_MESSAGE}: {var.type} in the dataset, DataType "
                      f"{items[var.name].data_type} in define.xml", variable=var.name, value=var.type)
                for var in ds.variables
                if var.name in items and (var.type == "Num") != items[var.name].numeric]
    return out


def validate_package(package: Package, explanations: Explanations | None = None,
                     ct_version: str | None = None) -> ValidationResult:
    """Validate a package: suites from its define.xml for the datasets it defines, CORE rules, the
    cross-dataset rules, and the define.xml against the Define-XML 2.1 schema; `explanations` mark the findings
    the sponsor has explained."""
    from cdisc.define import validate_define
    from cdisc.validate.run import run_suites

    data, spec = package.frames, package.define
    issues: list[Issue] = []
    notes: list[Finding] = []
    # the conformance rules run in a second process while this one runs the suites and the cross-dataset rules
    with in_background(conformance_rules, package, ct_version) as conformance:
        if spec is not None:
            defined = {d.name for d in spec.datasets}
            suites = {name: suite_for(spec, name) for name in data if name in defined}
            issues += run_suites({n: data[n] for n in suites}, suites)
            notes += [Finding("CCV-0003", "warning", name, "dataset is not described in define.xml", 1)
                      for name in sorted(set(data) - defined)]
            notes += [Finding("CCV-0004", "warning", name, "define.xml describes a dataset the folder does not hold",
                              1) for name in sorted(defined - set(data))]
            issues += validate_define(package.define_path)
            issues += type_mismatches(package)
        cross = check_rules(data)
        core_found, core_statuses = conformance()
    findings = explain(findings_from_issues(issues + cross, REFERENCES) + notes + core_found, explanations or {})
    rules = rule_statuses(data, cross) + core_statuses
    types = RuleStatus(TYPE_RULE, "executed", TYPE_MESSAGE, ", ".join(REFERENCES[TYPE_RULE]),
                       findings=sum(i.code == TYPE_RULE for i in issues))
    if spec is None:
        rules += [RuleStatus("define.xml suites", "skipped", reason=NO_DEFINE),
                  replace(types, status="skipped", reason=NO_DEFINE)]
    else:
        rules.append(types)
    return ValidationResult(package=str(package.folder), standard=package.standard,
                            datasets={n: len(df) for n, df in sorted(data.items())}, findings=tuple(findings),
                            rules=tuple(rules))
