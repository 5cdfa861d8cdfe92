"""TV (Trial Visits) from the study's visit table (design/visits.csv)."""
from __future__ import annotations

import pandas as pd

from cdisc.context import DomainResult, StudyContext


def build(ctx: StudyContext) -> list[DomainResult]:
    visits = ctx.design("visits")
    # ARMCD null: the same visits in every arm (COM.TV.ARMCD)
    tv = visits[["VISITNUM", "VISIT", "VISITDY", "TVSTRL"]].assign(STUDYID=ctx.studyid, DOMAIN="TV", ARMCD="")
    tv = tv.assign(VISITNUM=pd.to_numeric(tv["VISITNUM"]), VISITDY=pd.to_numeric(tv["VISITDY"]))
    return [DomainResult("TV", tv)]
