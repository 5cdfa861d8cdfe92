"""Define-XML 2.1 from the spec plus the data (lengths, significant digits), validated against the XSD."""
from cdisc.define.build import build_define, write_define
from cdisc.define.schema import validate_define

__all__ = ["build_define", "validate_define", "write_define"]
