"""XSD validation of define.xml against the official Define-XML 2.1 schema set shipped by `defineutils` (MIT)."""
from __future__ import annotations

from functools import cache
from importlib.resources import files
from pathlib import Path

from lxml import etree

from cdisc.issues import Issue


@cache
def define_schema() -> etree.XMLSchema:
    path = files("defineutils") / "validate" / "schema" / "cdisc-define-2.1" / "define2-1-0.xsd"
    return etree.XMLSchema(etree.parse(str(path)))


def validate_define(path: Path) -> list[Issue]:
    """Every XSD error of the file at `path`, as issues naming the line."""
    schema = define_schema()
    if schema.validate(etree.parse(str(path))):
        return []
    return [Issue("error", "DEFINE_XSD", path.name, e.message, row=str(e.line)) for e in schema.error_log]
