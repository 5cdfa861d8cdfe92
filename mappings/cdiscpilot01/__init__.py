"""CDISC pilot 01 (xanomeline in Alzheimer's disease): SDTM mapping modules (`sdtm/`) for its raw export as
pharmaverse ships it (data/cdiscpilot01/raw). No ADaM."""
from __future__ import annotations

from cdisc.study import StudyMappings


def mappings() -> StudyMappings:
    from mappings.cdiscpilot01.sdtm import BUILDERS

    return StudyMappings(sdtm=BUILDERS)
