"""define.html: the keyed define2-1.xsl makes the bytes CDISC's stylesheet makes, on define.xml files of ours and of
CDISC's."""
from pathlib import Path

import pytest
from lxml import etree

from cdisc.define.html import STYLESHEET, define_stylesheet, keyed_stylesheet
from cdisc.safexml import SAFE_PARSER

FIXTURES = Path(__file__).parents[2] / "fixtures"


def official_rendering(define_xml: Path) -> bytes:
    official = etree.XSLT(etree.parse(str(STYLESHEET), SAFE_PARSER))
    return bytes(official(etree.parse(str(define_xml), SAFE_PARSER)))


@pytest.mark.parametrize("define_xml", [
    FIXTURES / "cdisc-msg" / "define-sdtm.xml",  # CDISC's: value-level metadata, SUPP--, several standards
    "sdtm/define.xml",
    "adam/define.xml",  # with its analysis results metadata
])
def test_the_keyed_stylesheet_renders_what_the_official_one_renders(out, define_xml):
    path = define_xml if isinstance(define_xml, Path) else out / define_xml
    html = bytes(define_stylesheet()(etree.parse(str(path), SAFE_PARSER)))
    assert html == official_rendering(path)
    assert len(html) > 100_000  # the variables' tables, not an empty page


def test_every_lookup_by_oid_goes_through_a_key():
    """None of the lookups the keys stand for is left in the keyed stylesheet; the keys index the first
    MetaDataVersion's nodes, as the global sequences hold them."""
    keyed = keyed_stylesheet(STYLESHEET.read_text(encoding="utf-8"))
    for scan in ("$g_seqItemDefs[@OID", "$g_seqCodeLists[@OID", "$g_seqWhereClauseDefs[@OID",
                 "../../odm:ItemDef[@OID=$ItemDefOID]", "$g_seqItemGroupDefs/odm:ItemRef[@ItemOID"):
        assert scan not in keyed, scan
    assert ('<xsl:key name="g_seqItemDefs" match="/odm:ODM/odm:Study[1]/odm:MetaDataVersion[1]/odm:ItemDef" '
            'use="@OID"/>') in keyed
    assert ('<xsl:key name="g_seqStandard" match="/odm:ODM/odm:Study[1]/odm:MetaDataVersion[1]/def:Standards/'
            'def:Standard" use="@OID"/>') in keyed


def test_another_version_of_the_stylesheet_is_refused():
    with pytest.raises(ValueError, match=r"no 'select=\"../../odm:ItemDef\[@OID=\$ItemDefOID\]\"'"):
        keyed_stylesheet(STYLESHEET.read_text(encoding="utf-8").replace("$ItemDefOID]", "$ItemOID]"))
