"""Our own CDISC CORE rule engine: executes CDISC's published conformance rules (vendored in `rules/`, unmodified)
on a package read by `cdisc.validate.package.read_package`.

    from cdisc.validate.core import run_core
    findings, statuses = run_core(read_package(Path("out/sdtm")))
"""
from __future__ import annotations

from cdisc.validate.core.engine import run_core, run_rule
from cdisc.validate.core.rules import Rule, load_rules

__all__ = ["Rule", "load_rules", "run_core", "run_rule"]
