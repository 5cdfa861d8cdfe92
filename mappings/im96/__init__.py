"""IM96, a phase I CAR-T trial in advanced colorectal cancer: SDTM mapping modules (`sdtm/`), ADaM builders
(`adam/`) and the generator of its synthetic raw export (`simulate/`)."""
from __future__ import annotations

from cdisc.study import StudyMappings


def mappings() -> StudyMappings:
    """The study's builders, imported on demand (importing `mappings.im96.simulate` alone loads none of them)."""
    from mappings.im96.adam import BUILDERS as ADAM
    from mappings.im96.adam.report import start_run_report
    from mappings.im96.adam.summary import write_summary
    from mappings.im96.sdtm import BUILDERS as SDTM

    return StudyMappings(sdtm=SDTM, adam=ADAM, summarize=write_summary, report=start_run_report)
