"""XSD validation of define.xml against the official Define-XML 2.1 schema set shipped by `defineutils` (MIT):
Define-XML 2.1, or Define-XML 2.1 with Analysis Results Metadata 1.0 when the document uses the ARM namespace.
Schema errors are reported under the project id CCV-0005 (a define.xml that breaks its schema; no published id)."""
from __future__ import annotations

from functools import cache
from importlib.util import find_spec
from pathlib import Path

from lxml import etree

from cdisc.issues import Issue
from cdisc.safexml import SAFE_PARSER

# the folder of the `defineutils` package, found without importing it (its import loads xmlschema: 0.15 s per run)
DEFINEUTILS = Path(find_spec("defineutils").submodule_search_locations[0])
SCHEMAS = DEFINEUTILS / "validate" / "schema"
DEF21 = "http://www.cdisc.org/ns/def/v2.1"
ARM10 = "http://www.cdisc.org/ns/arm/v1.0"
RULE = "CCV-0005"


@cache
def define_schema(arm: bool = False) -> etree.XMLSchema:
    path = SCHEMAS / ("cdisc-arm-1.0/arm1-0-0.xsd" if arm else "cdisc-define-2.1/define2-1-0.xsd")
    return etree.XMLSchema(etree.parse(str(path)))


def validate_define(path: Path) -> list[Issue]:
    """Every XSD error of the file at `path`, as issues naming the line; a notice for a Define-XML version other
    than 2.1, which has no schema here."""
    doc = etree.parse(str(path), SAFE_PARSER)
    namespaces = set(doc.getroot().nsmap.values())
    if DEF21 not in namespaces:
        return [Issue("notice", RULE, path.name, "not Define-XML 2.1: not checked against a schema")]
    schema = define_schema(arm=ARM10 in namespaces)
    try:
        if schema.validate(doc):
            return []
    except etree.XMLSchemaValidateError:  # libxml2 gives up on an entity reference left unresolved (on purpose)
        return [Issue("error", RULE, path.name, "cannot be checked against the schema: it uses an entity "
                      "declared in a DOCTYPE, which Define-XML does not allow (entities are never resolved)")]
    return [Issue("error", RULE, path.name, e.message, row=str(e.line)) for e in schema.error_log]
