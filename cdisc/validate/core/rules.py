"""Load the vendored CORE rules (YAML, unmodified) into small frozen objects.

The YAML files are parsed once, when they are vendored (`write_parsed_rules`, called by
scripts/refresh_core_rules.py), into `PARSED`: a run reads that (11 ms) instead of parsing 330 YAML files
(0.3 s). A test checks that it holds exactly what the YAML files say."""
from __future__ import annotations

import gzip
import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

_VARIABLE = re.compile(r"^(\w+\.)?--\w*$|^\$\w*--\w*$")


@dataclass(frozen=True)
class Rule:
    """One CORE rule as published; `check`, `operations` and `match` keep the YAML structure."""

    id: str
    references: tuple[str, ...]
    rule_type: str
    description: str
    message: str
    output_variables: tuple[str, ...]
    classes_include: tuple[str, ...]
    classes_exclude: tuple[str, ...]
    domains_include: tuple[str, ...]
    domains_exclude: tuple[str, ...]
    include_split: bool
    check: Any
    operations: tuple[dict[str, Any], ...]
    match: tuple[dict[str, Any], ...]
    sensitivity: str
    executability: str


def _references(doc: dict[str, Any]) -> tuple[str, ...]:
    ids: list[str] = []
    for authority in doc.get("Authorities") or ():
        for standard in authority.get("Standards") or ():
            for ref in standard.get("References") or ():
                rid = str((ref.get("Rule Identifier") or {}).get("Id") or "")
                if rid and rid not in ids and not rid.startswith("TIG"):
                    ids.append(rid)
    return tuple(ids)


def _upper(items: Any) -> tuple[str, ...]:
    return tuple(str(i).strip().upper() for i in items or ())


def parse_rule(doc: dict[str, Any]) -> Rule:
    """Build a Rule from the YAML document of one CORE rule."""
    scope = doc.get("Scope") or {}
    classes, domains = scope.get("Classes") or {}, scope.get("Domains") or {}
    outcome = doc.get("Outcome") or {}
    return Rule(
        id=doc["Core"]["Id"],
        references=_references(doc),
        rule_type=doc.get("Rule Type") or "Record Data",
        description=str(doc.get("Description") or "").strip(),
        message=str(outcome.get("Message") or "").strip(),
        output_variables=tuple(str(v) for v in outcome.get("Output Variables") or ()),
        classes_include=_upper(classes.get("Include")),
        classes_exclude=_upper(classes.get("Exclude")),
        domains_include=_upper(domains.get("Include")),
        domains_exclude=_upper(domains.get("Exclude")),
        include_split=bool(domains.get("include_split_datasets")),
        check=doc.get("Check"),
        operations=tuple(doc.get("Operations") or ()),
        match=tuple(doc.get("Match Datasets") or ()),
        sensitivity=str(doc.get("Sensitivity") or ""),
        executability=str(doc.get("Executability") or ""),
    )


def load_rule_text(text: str) -> Rule:
    """Parse one rule from its YAML text."""
    return parse_rule(_yaml(text))


def _yaml(text: str) -> Any:
    """A YAML document, read by the safe loader (libyaml's when installed)."""
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506 - a safe loader


PARSED = "parsed.json.gz"


@cache
def load_rules() -> tuple[Rule, ...]:
    """All vendored CORE rules, in id order (the order of their file names)."""
    stored = resources.files(__package__).joinpath("rules", PARSED).read_bytes()
    return tuple(parse_rule(doc) for doc in json.loads(gzip.decompress(stored)).values())


def write_parsed_rules(folder: Path) -> int:
    """Write `PARSED` in `folder`: each rule file's YAML document by file name, in name order (gzip without a
    time stamp: the same rules give the same bytes). Returns the number of rules."""
    docs = {f.name: _yaml(f.read_text(encoding="utf-8")) for f in sorted(Path(folder).glob("*.yml"),
                                                                            key=lambda f: f.name)}
    with gzip.GzipFile(Path(folder) / PARSED, "wb", mtime=0) as out:
        out.write(json.dumps(docs, separators=(",", ":")).encode())
    return len(docs)


def substitute(node: Any, prefix: str) -> Any:
    """Replace "--" by the domain prefix in every variable-like string of a rule fragment."""
    if isinstance(node, str):
        return node.replace("--", prefix, 1) if _VARIABLE.match(node) else node
    if isinstance(node, list | tuple):
        return [substitute(n, prefix) for n in node]
    if isinstance(node, dict):
        return {k: (v if k in ("operator", "regex", "Wildcard", "date_component") else substitute(v, prefix))
                for k, v in node.items()}
    return node
