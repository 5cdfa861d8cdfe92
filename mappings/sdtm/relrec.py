"""RELREC (Related Records): each medication given for an adverse event (medication form "AE line number",
CMAENO) is linked to that AE, one record-level relationship per CM/AE pair (MT.RELREC.RELID)."""
from __future__ import annotations

import pandas as pd

from cdisc.algorithms import split_rejected, usubjid
from cdisc.context import DomainResult, StudyContext
from cdisc.raw import LINEAGE
from mappings.sdtm.cm import medication_spid


def build(ctx: StudyContext) -> list[DomainResult]:
    pairs, rejected = medication_ae_pairs(ctx)
    # RELID: AECM1, AECM2, ... per subject, by AESEQ then CMSEQ
    pairs = pairs.sort_values(["USUBJID", "AESEQ", "CMSEQ"], kind="mergesort")
    pairs["RELID"] = "AECM" + (pairs.groupby("USUBJID").cumcount() + 1).astype(str)
    # one RELREC record for each side of a pair: RDOMAIN, IDVAR (--SEQ), IDVARVAL (--SEQ as text)
    relrec = pd.concat([side(pairs, ctx, "CM"), side(pairs, ctx, "AE")], ignore_index=True)
    return [DomainResult("RELREC", relrec, rejected=rejected)]


def medication_ae_pairs(ctx: StudyContext) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Medication form lines with CMAENO, with the CMSEQ and AESEQ of the records they became.

    Lines whose subject has no CM record were rejected by CM and are left out here; a CMAENO that names no
    AE line of the subject is rejected.
    """
    form = ctx.raw.form("cm")
    links = form[form["CMAENO"].ne("")]
    links = pd.DataFrame({"USUBJID": usubjid(ctx.studyid, links["SUBJID"]), "CMSPID": medication_spid(links["CMSEQ"]),
                          "AESPID": links["CMAENO"].astype(int).astype(str),
                          **{col: links[col] for col in LINEAGE}})
    cm = ctx.dataset("CM")[["USUBJID", "CMSPID", "CMSEQ"]]
    ae = ctx.dataset("AE")[["USUBJID", "AESPID", "AESEQ"]]
    pairs = links.merge(cm, on=["USUBJID", "CMSPID"], how="inner").merge(ae, on=["USUBJID", "AESPID"], how="left")
    return split_rejected(pairs, pairs["AESEQ"].isna(),
                          "cm.csv CMAENO: no AE line with this number for the subject; the link is not made")


def side(pairs: pd.DataFrame, ctx: StudyContext, domain: str) -> pd.DataFrame:
    """The RELREC records of one domain of the pairs (IDVAR = <domain>SEQ)."""
    idvar = f"{domain}SEQ"
    return pd.DataFrame({"STUDYID": ctx.studyid, "RDOMAIN": domain, "USUBJID": pairs["USUBJID"], "IDVAR": idvar,
                         "IDVARVAL": pairs[idvar].astype(int).astype(str), "RELID": pairs["RELID"],
                         **{col: pairs[col] for col in LINEAGE}})
