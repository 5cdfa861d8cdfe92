"""Our own CDISC CORE rule engine: executes CDISC's published conformance rules (vendored in `rules/`)
on an SDTM package.

    from cdisc.validate.core import read_xpt_folder, validate_package
    result = validate_package(read_xpt_folder("out/sdtm"))
"""
from __future__ import annotations

from cdisc.validate.core.engine import run_rule, validate_package
from cdisc.validate.core.models import Finding, RuleStatus, ValidationResult
from cdisc.validate.core.package import Dataset, Package, Variable, read_core_case, read_xpt_folder
from cdisc.validate.core.rules import Rule, load_rules

__all__ = ["Dataset", "Finding", "Package", "Rule", "RuleStatus", "ValidationResult", "Variable", "load_rules",
           "read_core_case", "read_xpt_folder", "run_rule", "validate_package"]
