"""Controlled terminology of any SDTM package: each variable the SDTMIG 3.4 ties to CDISC codelists holds their
terms (Pinnacle 21 CT2001 for a non-extensible codelist, an error; CT2002 for an extensible one, a warning), read
against a full CDISC SDTM CT package the project ships (`cdisc/validate/ct/`, see its SOURCE.md).

The spec-driven suites check a study's own codelists (SD0037); this check needs no define.xml, so it also holds
for a package someone else built.
"""
from __future__ import annotations

import re
import time
from functools import cache
from importlib import resources

import numpy as np
import pandas as pd

from cdisc.ct import ControlledTerminology, CtCodelist, load_ct
from cdisc.distinct import by_distinct, in_set
from cdisc.errors import CdiscError
from cdisc.validate.core import library
from cdisc.validate.finding import Finding, RuleStatus, first_records
from cdisc.validate.package import Dataset, Package

CT_FILE = re.compile(r"sdtm-ct-(\d{4}-\d{2}-\d{2})\.csv\.gz")
AUTHORITY = "FDA (Pinnacle 21 catalogue): FDAB017, CG0085 and others"
# Findings results: their codelists depend on the test (value-level metadata), not on the variable alone
VALUE_LEVEL_SUFFIXES = ("ORRES", "STRESC")
RULES = {  # id -> (extensible codelists?, severity, message)
    "CT2001": (False, "error", "Variable value not found in non-extensible codelist"),
    "CT2002": (True, "warning", "Variable value not found in extensible codelist"),
}


def shipped_versions() -> list[str]:
    """Dates of the SDTM CT packages shipped, oldest first."""
    folder = resources.files("cdisc.validate").joinpath("ct")
    return sorted(m.group(1) for f in folder.iterdir() if (m := CT_FILE.fullmatch(f.name)))


@cache
def sdtm_ct(version: str | None = None) -> ControlledTerminology:
    """A shipped SDTM CT package (default: the latest); any other date is an error naming the shipped ones."""
    versions = shipped_versions()
    version = version or versions[-1]
    if version not in versions:
        raise CdiscError(f"--ct {version}: no such SDTM CT package shipped (shipped: {', '.join(versions)})")
    with resources.as_file(resources.files("cdisc.validate").joinpath("ct", f"sdtm-ct-{version}.csv.gz")) as path:
        return load_ct(path, version)


def codelist_named(short_name: str, version: str | None = None) -> CtCodelist | None:
    """A codelist of a shipped package by its submission value (e.g. DOMAIN), as CORE rules name them."""
    return next((c for c in sdtm_ct(version).codelists.values() if c.short_name == short_name), None)


def run_terminology(package: Package, version: str | None = None) -> tuple[list[Finding], list[RuleStatus]]:
    """CT2001 and CT2002 on every dataset of an SDTM package."""
    ct = sdtm_ct(version)
    start = time.perf_counter()
    findings = [f for ds in package.datasets.values() for f in _dataset_findings(ds, ct)]
    seconds = time.perf_counter() - start
    statuses = [RuleStatus(rule=rule, status="executed", description=f"{message} (SDTM CT {ct.version})",
                           authority=AUTHORITY, severity=severity, seconds=seconds / len(RULES),  # one pass, shared
                           findings=sum(f.count for f in findings if f.rule == rule))
                for rule, (_, severity, message) in RULES.items()]
    return findings, statuses


def _dataset_findings(ds: Dataset, ct: ControlledTerminology) -> list[Finding]:
    if ds.name.startswith("SUPP") or ds.domain not in library.domains():
        return []
    out = []
    for variable in library.ig_variables(ds.domain):
        if not variable.codelist or variable.name not in ds.data or variable.name.endswith(VALUE_LEVEL_SUFFIXES):
            continue
        codelists = [c for c in (ct.get(code.strip()) for code in variable.codelist.split(";")) if c]
        if not codelists:
            continue
        allowed = set().union(*(c.terms for c in codelists))
        mask = by_distinct(ds.data[variable.name], lambda d, a=allowed: _outside(d, a)).to_numpy(dtype=bool)
        if mask.any():
            extensible = any(c.extensible for c in codelists)
            rule = next(r for r, (ext, _, _) in RULES.items() if ext == extensible)
            out.append(_finding(rule, ds, variable.name, mask, [c.short_name for c in codelists]))
    return out


def _outside(values: pd.Series, allowed: set[str]) -> pd.Series:
    """Which values, as text, are neither blank nor terms of the codelists (`in_set`: each value looked up in the
    set; `Series.isin` makes an array and a hash table of the set's thousands of terms on every call)."""
    text = values.astype(str)
    return pd.Series(text.ne("").to_numpy() & ~in_set(text, allowed), index=values.index)


def _finding(rule: str, ds: Dataset, variable: str, mask: np.ndarray, codelists: list[str]) -> Finding:
    _, severity, message = RULES[rule]
    keys = [k for k in ("USUBJID", f"{ds.domain}SEQ") if k in ds.data]
    records = first_records(ds.data, mask, [*keys, variable])
    values = sorted(set(ds.data.loc[mask, variable]))
    return Finding(rule=rule, severity=severity, dataset=ds.name, count=int(mask.sum()), variables=(variable,),
                   message=f"{message}: {variable} not in {' / '.join(codelists)} "
                           f"({', '.join(values[:5])}{', ...' if len(values) > 5 else ''})",
                   references=("FDAB017",), records=records)

