"""define.html: the define.xml rendered with CDISC's define2-1.xsl stylesheet, for reviewers without an XSLT-aware
browser (modern browsers refuse to apply a stylesheet to a local file).

The stylesheet (Lex Jansen's, MIT licence, as `defineutils` ships it) finds each ItemDef, CodeList, WhereClauseDef,
... by a predicate over all of them (`$g_seqItemDefs[@OID=$ItemOID]`, `../../odm:ItemDef[@OID=$ItemDefOID]`): a
scan per lookup, so a define.xml of 587 variables took 0.4-0.6 s to render. It is rendered with the same stylesheet
whose lookups go through `xsl:key` indexes of exactly the nodes each predicate scans (`keyed_stylesheet`), which
makes the same bytes (the tests compare the two on several define.xml files) about ten times as fast. define.xml
still names the official stylesheet, copied beside it unchanged."""
from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from lxml import etree

from cdisc.define.schema import DEFINEUTILS
from cdisc.safexml import SAFE_PARSER

STYLESHEET = DEFINEUTILS / "definehtml" / "define2-1.xsl"
# the nodes each global sequence holds: the stylesheet's $g_MetaDataVersion is the first Study's first
# MetaDataVersion, so a key matching them by this path indexes exactly the sequence's nodes
METADATA_VERSION = "/odm:ODM/odm:Study[1]/odm:MetaDataVersion[1]"
SEQUENCE = re.compile(r'<xsl:variable name="g_seq(\w+)" select="\$g_MetaDataVersion/([\w:/]+)"/>')
BY_OID = re.compile(r"\$g_seq(\w+)\[@OID\s*=\s*([^\[\]]+?)\s*\]")  # $g_seqItemDefs[@OID=$ItemOID]
KEYS = {  # the other lookups the stylesheet makes per variable: (key, the nodes it indexes, by what)
    "ValueListRefs": (f"{METADATA_VERSION}/odm:ItemDef/def:ValueListRef", "@ValueListOID"),
    "ItemGroupItemRefs": (f"{METADATA_VERSION}/odm:ItemGroupDef/odm:ItemRef", "@ItemOID"),
}
# in templates whose context is an ItemRef of an ItemGroupDef or ValueListDef of $g_MetaDataVersion (tableItemDefs,
# tableValueListsInTable), `../..` is $g_MetaDataVersion
LOOKUPS = (
    ('select="../../odm:ItemDef[@OID=$ItemDefOID]"', "select=\"key('g_seqItemDefs', $ItemDefOID)\""),
    ('select="../../odm:ItemDef[@OID=$valueDefOID]"', "select=\"key('g_seqItemDefs', $valueDefOID)\""),
    ('select="../../odm:ItemDef/def:ValueListRef[@ValueListOID=$vlOID]"', "select=\"key('ValueListRefs', $vlOID)\""),
    ("$g_seqItemGroupDefs/odm:ItemRef[@ItemOID=$parentOID]", "key('ItemGroupItemRefs', $parentOID)"),
    ("$g_seqItemGroupDefs/odm:ItemRef[@ItemOID=$ItemOID]", "key('ItemGroupItemRefs', $ItemOID)"),
)
KEYS_BEFORE = "  <!-- Global Variables (XPath) -->"


def keyed_stylesheet(text: str) -> str:
    """define2-1.xsl (`text`) with its lookups by OID made through `xsl:key`: each `$g_seqX[@OID=E]` as
    `key('g_seqX', E)` (a key of the nodes $g_seqX holds, by @OID; `key` of a node-set is the nodes of any of its
    values, in document order, as the predicate's `=` is), and the `LOOKUPS` through `KEYS`."""
    sequences = dict(SEQUENCE.findall(text))
    keys = {f"g_seq{name}": (f"{METADATA_VERSION}/{sequences[name]}", "@OID")
            for name in sorted({name for name, _ in BY_OID.findall(text)})} | KEYS
    keyed = BY_OID.sub(lambda found: f"key('g_seq{found[1]}', {found[2]})", text)
    for old, new in (*LOOKUPS, (KEYS_BEFORE, "".join(f'  <xsl:key name="{name}" match="{nodes}" use="{by}"/>\n'
                                                     for name, (nodes, by) in keys.items()) + KEYS_BEFORE)):
        if old not in keyed:
            raise ValueError(f"{STYLESHEET.name}: no {old!r} (another version of the stylesheet?)")
        keyed = keyed.replace(old, new)
    return keyed


@cache
def define_stylesheet() -> etree.XSLT:
    """The compiled keyed stylesheet (once per process)."""
    text = keyed_stylesheet(STYLESHEET.read_text(encoding="utf-8"))
    return etree.XSLT(etree.fromstring(text.encode("utf-8"), SAFE_PARSER, base_url=str(STYLESHEET)))


def write_define_html(define_xml: Path) -> Path:
    """Render `define_xml` to define.html beside it; returns the path written."""
    html = define_stylesheet()(etree.parse(str(define_xml), SAFE_PARSER))
    target = define_xml.with_name("define.html")
    target.write_bytes(bytes(html))
    return target
