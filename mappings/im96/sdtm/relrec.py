"""RELREC (Related Records): each medication given for an adverse event (medication form "AE line number",
CMAENO) is linked to that AE, one record-level relationship per CM/AE pair; and each group of PK parameters
(PPGRPID) is linked to the PC samples (PCSEQ) it was calculated from (SDTMIG 3.4 PC/PP relating method
"PCSEQ and PPGRPID"), MT.RELREC.RELID."""
from __future__ import annotations

import numpy as np
import pandas as pd

from cdisc.algorithms import split_rejected, usubjid
from cdisc.context import DomainResult, StudyContext
from cdisc.raw import LINEAGE
from mappings.im96.sdtm.cm import medication_spid
from mappings.im96.sdtm.pp import GROUPS, nca_samples


def build(ctx: StudyContext) -> list[DomainResult]:
    pairs, rejected = medication_ae_pairs(ctx)
    # RELID: AECM1, AECM2, ... per subject, by AESEQ then CMSEQ
    pairs = pairs.sort_values(["USUBJID", "AESEQ", "CMSEQ"], kind="mergesort")
    pairs["RELID"] = "AECM" + (pairs.groupby("USUBJID").cumcount() + 1).astype(str)
    # one RELREC record for each side of a pair: RDOMAIN, IDVAR (--SEQ), IDVARVAL (--SEQ as text)
    relrec = pd.concat([side(pairs, ctx, "CM"), side(pairs, ctx, "AE")], ignore_index=True)
    # PC-PP: one relationship per subject and PPGRPID, RELID = PPGRPID (only once PP is built)
    if "PP" in ctx.done:
        relrec = pd.concat([relrec, pc_pp_links(ctx)], ignore_index=True)
    return [DomainResult("RELREC", relrec, rejected=rejected)]


def pc_pp_links(ctx: StudyContext) -> pd.DataFrame:
    """PP groups with a calculated parameter (IDVAR PPGRPID) and the PC records that fed them (IDVAR PCSEQ).

    The samples are those `mappings.im96.sdtm.pp.nca_samples` flags: CMAXFL for the '-D1-28' group (CMAX, TMAX),
    AUCFL for the '-D1-90' group (AUCINT). Groups whose parameters were all NOT DONE get no link.
    """
    pc = ctx.dataset("PC")
    samples = nca_samples(pc)
    flag = {"D1-28": "CMAXFL", "D1-90": "AUCFL"}
    used = pd.concat([samples.loc[samples[flag[w]].eq("Y"), ["USUBJID", "PCTESTCD", "PCSEQ"]].assign(WINDOW=w)
                      for w in dict.fromkeys(GROUPS.values())], ignore_index=True)
    used["RELID"] = used["PCTESTCD"] + "-" + used["WINDOW"]
    pp = ctx.dataset("PP")
    groups = pp.loc[pp["PPSTAT"].ne("NOT DONE"), ["USUBJID", "PPGRPID"]].drop_duplicates()
    used = used.merge(groups.rename(columns={"PPGRPID": "RELID"}), on=["USUBJID", "RELID"], how="inner")
    pc_side = pd.DataFrame({"STUDYID": ctx.studyid, "RDOMAIN": "PC", "USUBJID": used["USUBJID"], "IDVAR": "PCSEQ",
                            "IDVARVAL": used["PCSEQ"].astype(int).astype(str), "RELID": used["RELID"]})
    pp_side = pd.DataFrame({"STUDYID": ctx.studyid, "RDOMAIN": "PP", "USUBJID": groups["USUBJID"],
                            "IDVAR": "PPGRPID", "IDVARVAL": groups["PPGRPID"], "RELID": groups["PPGRPID"]})
    return pd.concat([pc_side, pp_side], ignore_index=True)


def medication_ae_pairs(ctx: StudyContext) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Medication form lines with CMAENO, with the CMSEQ and AESEQ of the records they became.

    Lines whose subject has no CM record were rejected by CM and are left out here; a CMAENO that names no
    AE line of the subject is rejected, saying so or that the line is after the data cut.
    """
    form = ctx.raw.form("cm")
    links = form[form["CMAENO"].ne("")]
    links = pd.DataFrame({"USUBJID": usubjid(ctx.studyid, links["SUBJID"]), "CMSPID": medication_spid(links["CMSEQ"]),
                          "AESPID": links["CMAENO"].astype(int).astype(str),
                          **{col: links[col] for col in LINEAGE}})
    cm = ctx.dataset("CM")[["USUBJID", "CMSPID", "CMSEQ"]]
    ae = ctx.dataset("AE")[["USUBJID", "AESPID", "AESEQ"]]
    pairs = links.merge(cm, on=["USUBJID", "CMSPID"], how="inner").merge(ae, on=["USUBJID", "AESPID"], how="left")
    after_cut = _after_cut(ctx, pairs)
    pairs, missing = split_rejected(pairs, pairs["AESEQ"].isna() & ~after_cut,
                                    "cm.csv CMAENO: no AE line with this number for the subject; the link is not made")
    pairs, cut_out = split_rejected(pairs, pairs["AESEQ"].isna(), "cm.csv CMAENO: the AE line is dated after the data "
                                    f"cut {ctx.spec.study.data_cut.isoformat()}; the link is not made")
    return pairs, pd.concat([missing, cut_out], ignore_index=True)


def _after_cut(ctx: StudyContext, pairs: pd.DataFrame) -> np.ndarray:
    """Whether each pair's AE line (USUBJID, AESPID) is one the data cut left out."""
    cut = ctx.raw.cut_records("ae")
    if cut.empty:
        return np.zeros(len(pairs), dtype=bool)
    return pd.MultiIndex.from_frame(pairs[["USUBJID", "AESPID"]]).isin(
        pd.MultiIndex.from_arrays([usubjid(ctx.studyid, cut["SUBJID"]), cut["AESEQ"]]))


def side(pairs: pd.DataFrame, ctx: StudyContext, domain: str) -> pd.DataFrame:
    """The RELREC records of one domain of the pairs (IDVAR = <domain>SEQ)."""
    idvar = f"{domain}SEQ"
    return pd.DataFrame({"STUDYID": ctx.studyid, "RDOMAIN": domain, "USUBJID": pairs["USUBJID"], "IDVAR": idvar,
                         "IDVARVAL": pairs[idvar].astype(int).astype(str), "RELID": pairs["RELID"],
                         **{col: pairs[col] for col in LINEAGE}})
