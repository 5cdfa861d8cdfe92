"""The one way the project parses XML it is given (define.xml, ODM, stylesheets): no entity resolution, no DTD,
no network access, no huge trees."""
from __future__ import annotations

from lxml import etree

SAFE_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
