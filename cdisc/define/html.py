"""define.html: the define.xml rendered with CDISC's define2-1.xsl stylesheet, for reviewers without an XSLT-aware
browser (modern browsers refuse to apply a stylesheet to a local file)."""
from __future__ import annotations

from functools import cache
from pathlib import Path

from lxml import etree

from cdisc.define.schema import DEFINEUTILS
from cdisc.safexml import SAFE_PARSER

STYLESHEET = DEFINEUTILS / "definehtml" / "define2-1.xsl"


@cache
def define_stylesheet() -> etree.XSLT:
    """The compiled stylesheet (compiling takes about a second: once per process)."""
    return etree.XSLT(etree.parse(str(STYLESHEET), SAFE_PARSER))


def write_define_html(define_xml: Path) -> Path:
    """Render `define_xml` to define.html beside it; returns the path written."""
    html = define_stylesheet()(etree.parse(str(define_xml), SAFE_PARSER))
    target = define_xml.with_name("define.html")
    target.write_bytes(bytes(html))
    return target
