"""TA, TE, TV, TI: the protocol's trial design tables (specs/im96/design/*.csv), Origin Protocol.

The tables are written in SDTM column names; the mapping only adds STUDYID and DOMAIN. `finalize` types
the numeric columns (TAETORD, VISITNUM, VISITDY) and checks the codelists (ARMCD, ETCD, EPOCH, IECAT).
"""
from __future__ import annotations

from cdisc.context import DomainResult, StudyContext

DESIGN_DATASETS = ("TA", "TE", "TV", "TI")


def build(ctx: StudyContext) -> list[DomainResult]:
    return [DomainResult(name, design_dataset(ctx, name)) for name in DESIGN_DATASETS]


def design_dataset(ctx: StudyContext, name: str):
    """One protocol table with STUDYID and DOMAIN added (no raw lineage: these are not collected data)."""
    # STUDYID: study header; DOMAIN: dataset name
    return ctx.design(name.lower()).assign(STUDYID=ctx.studyid, DOMAIN=name)
