"""TS: the protocol's trial summary (specs/im96/design/ts.csv) with the `{derived}` values filled from the data.

SSTDTC = earliest RFICDTC and SENDTC = latest RFPENDTC of the enrolled subjects (not screen failures),
ACTSUB = number of enrolled subjects, DCUTDTC = the study header's data cut (methods MT.TS.*).
TSSEQ is kept from the protocol table.
"""
from __future__ import annotations

import pandas as pd

from cdisc.context import DomainResult, StudyContext
from cdisc.errors import MappingError

DERIVED = "{derived}"
SCREEN_FAILURE = "SCREEN FAILURE"


def build(ctx: StudyContext) -> list[DomainResult]:
    ts = ctx.design("ts")
    # STUDYID, DOMAIN
    ts = ts.assign(STUDYID=ctx.studyid, DOMAIN="TS")
    # TSVAL of the {derived} parameters (MT.TS.SSTDTC, MT.TS.SENDTC, MT.TS.ACTSUB, MT.TS.DCUTDTC)
    ts = fill_derived(ts, derived_values(ctx.dataset("DM"), ctx.spec.study.data_cut.isoformat()))
    return [DomainResult("TS", ts)]


def derived_values(dm: pd.DataFrame, data_cut: str) -> dict[str, str]:
    """The data-driven TS values, by TSPARMCD."""
    enrolled = dm[dm["ARMNRS"].ne(SCREEN_FAILURE)]
    consent = enrolled["RFICDTC"][enrolled["RFICDTC"].ne("")]
    last = enrolled["RFPENDTC"][enrolled["RFPENDTC"].ne("")]
    return {
        "SSTDTC": consent.min() if len(consent) else "",
        "SENDTC": last.max() if len(last) else "",
        "ACTSUB": str(len(enrolled)),
        "DCUTDTC": data_cut,
    }


def fill_derived(ts: pd.DataFrame, values: dict[str, str]) -> pd.DataFrame:
    """Replace each `{derived}` TSVAL by its value; a placeholder without a rule is an error."""
    placeholder = ts["TSVAL"].eq(DERIVED)
    unknown = sorted(set(ts.loc[placeholder, "TSPARMCD"]) - values.keys())
    if unknown:
        raise MappingError(f"specs design ts.csv: TSPARMCD {unknown} have TSVAL {DERIVED} but no derivation "
                           f"in mappings/im96/sdtm/ts.py; give their value in the table or add a rule")
    return ts.assign(TSVAL=ts["TSVAL"].where(~placeholder, ts["TSPARMCD"].map(values)))
