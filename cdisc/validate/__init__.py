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


# Pinnacle 21's checks of a dataset file's metadata against its define.xml (FDA TCG 4.1.4.5)
TYPE_RULE, LABEL_RULE, DESCRIPTION_RULE = "SD0059", "SD1324", "SD1325"
DEFINE_RULES = {TYPE_RULE: "Define.xml/dataset variable type mismatch",
                LABEL_RULE: "Define.xml/dataset variable label mismatch",
                DESCRIPTION_RULE: "Define.xml/dataset description mismatch"}
NO_DEFINE = "no define.xml in the folder or --define"


def define_mismatches(package: Package) -> list[Issue]:
    """Where a dataset file's metadata is not its define.xml's: a variable's type (integer and float are Num,
    every other DataType Char: a text AVAL passes every other check), a variable's label, the dataset's label
    (its description). Labels are compared as written, trailing blanks aside (XPT pads them)."""
    spec = package.define
    defined = {d.name for d in spec.datasets}
    out = []
    for name, ds in sorted(package.datasets.items()):
        if name not in defined:
            continue
        if (described := spec.dataset(name).label) != ds.label.rstrip():
            out.append(Issue("error", DESCRIPTION_RULE, name, f"{DEFINE_RULES[DESCRIPTION_RULE]}: {described!r} in "
                             "define.xml", value=ds.label))
        items = {v.name: v for v in spec.variables_of(name)}
        for var in ds.variables:
            item = items.get(var.name)
            if item is not None and (var.type == "Num") != item.numeric:
                out.append(Issue("error", TYPE_RULE, name, f"{DEFINE_RULES[TYPE_RULE]}: {var.type} in the dataset, "
                                 f"DataType {item.data_type} in define.xml", variable=var.name, value=var.type))
            if item is not None and item.label != var.label.rstrip():
                out.append(Issue("error", LABEL_RULE, name, f"{DEFINE_RULES[LABEL_RULE]}: {item.label!r} in "
                                 "define.xml", variable=var.name, value=var.label))
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
            issues += define_mismatches(package)
        cross = check_rules(data)
        core_found, core_statuses = conformance()
    findings = explain(findings_from_issues(issues + cross, REFERENCES) + notes + core_found, explanations or {})
    rules = rule_statuses(data, cross) + core_statuses
    against_define = [RuleStatus(rule, "executed", message, ", ".join(REFERENCES[rule]),
                                 findings=sum(i.code == rule for i in issues))
                      for rule, message in DEFINE_RULES.items()]
    if spec is None:
        rules += [RuleStatus("define.xml suites", "skipped", reason=NO_DEFINE),
                  *(replace(status, status="skipped", reason=NO_DEFINE) for status in against_define)]
    else:
        rules += against_define
    return ValidationResult(package=str(package.folder), standard=package.standard,
                            datasets={n: len(df) for n, df in sorted(data.items())}, findings=tuple(findings),
                            rules=tuple(rules))
