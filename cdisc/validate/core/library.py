"""SDTMIG 3.4 library metadata (datasets, classes, variables, core status, roles) and the CT extract.

Loaded lazily, once per process. Model-level (class) variable lists are derived from the IG: the union of
the variables of every domain of a class, in IG order, with the domain prefix generalised to "--".
"""
from __future__ import annotations

import csv
import gzip
import io
from dataclasses import dataclass
from functools import cache
from importlib import resources

# Variables every general-observation-class dataset may carry, whatever its class (SDTM v2.0, section 2.2.2).
IDENTIFIERS = ("STUDYID", "DOMAIN", "USUBJID", "POOLID", "SPDEVID", "--SEQ", "--GRPID", "--REFID", "--SPID",
               "--LNKID", "--LNKGRP")
GENERAL_CLASSES = ("INTERVENTIONS", "EVENTS", "FINDINGS", "FINDINGS ABOUT")


@dataclass(frozen=True)
class LibraryVariable:
    name: str
    label: str
    order: int
    type: str
    role: str
    core: str
    codelist: str


def _read(name: str) -> list[dict[str, str]]:
    raw = resources.files(__package__).joinpath("library").joinpath(name).read_bytes()
    if name.endswith(".gz"):
        raw = gzip.decompress(raw)
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))


@cache
def domains() -> dict[str, tuple[str, str]]:
    """Domain -> (CLASS upper case with spaces, label)."""
    return {r["Dataset Name"]: (r["Class"].upper().replace("-", " "), r["Dataset Label"])
            for r in _read("sdtmig-3.4/Datasets.csv.gz")}


@cache
def _variables() -> dict[str, tuple[LibraryVariable, ...]]:
    out: dict[str, list[LibraryVariable]] = {}
    for r in _read("sdtmig-3.4/Variables.csv.gz"):
        out.setdefault(r["Dataset Name"], []).append(LibraryVariable(
            r["Variable Name"], r["Variable Label"], int(r["Variable Order"]), r["Type"], r["Role"], r["Core"],
            r["CDISC CT Codelist Code(s)"]))
    return {k: tuple(sorted(v, key=lambda x: x.order)) for k, v in out.items()}


def ig_variables(domain: str) -> tuple[LibraryVariable, ...]:
    """The IG variables of a standard domain in IG order (SUPPxx -> SUPPQUAL); () for a custom domain."""
    key = "SUPPQUAL" if domain.startswith("SUPP") else domain
    return _variables().get(key, ())


def generalise(name: str, domain: str) -> str:
    """AESTDTC in AE -> --STDTC; names without the domain prefix are kept."""
    if name.startswith(domain) and len(name) > len(domain) and f"--{name[len(domain):]}" != "--" and domain:
        return "--" + name[len(domain):]
    return name


@cache
def class_variables(cls: str) -> tuple[tuple[str, str], ...]:
    """(generalised name, role) of every variable the IG uses in a class, identifiers and timing included,
    in order of first appearance: an approximation of the SDTM model's class variable list."""
    seen: dict[str, str] = {}
    members = [d for d, (c, _) in domains().items() if c == cls]
    for d in members:
        for v in _variables().get(d, ()):
            seen.setdefault(generalise(v.name, d), v.role)
    return tuple(seen.items())


def model_variables(cls: str, domain: str) -> list[str]:
    """Variables the model allows for `domain` of class `cls`, with "--" replaced by the domain prefix."""
    names = [n for n, _ in class_variables(cls)] if cls in GENERAL_CLASSES else []
    if not names:
        names = [generalise(v.name, domain) for v in ig_variables(domain)]
    return [n.replace("--", domain) for n in names]


def model_filtered_variables(cls: str, domain: str, key: str, value: str) -> list[str]:
    """Model variables of the class whose attribute `key` (role or core) equals `value`."""
    if key != "role":
        return [v.name for v in ig_variables(domain) if getattr(v, key, None) == value]
    return [n.replace("--", domain) for n, role in class_variables(cls) if role == value]


@cache
def ct_terms(codelist: str) -> tuple[tuple[str, str], ...]:
    """(NCI code, submission value) of the terms of a codelist named by its submission value, from the full SDTM
    CT package the validator ships (`cdisc/validate/ct/`, the latest)."""
    from cdisc.validate.terminology import codelist_named

    found = codelist_named(codelist)
    return tuple((code, value) for value, code in found.terms.items()) if found else ()
