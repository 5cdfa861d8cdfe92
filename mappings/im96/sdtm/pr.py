"""PR (Procedures): the leukapheresis that collects the cells for IM96 manufacture (apher form), and SUPPPR:
the apheresis product volume, which no PR variable holds (COM.PR.PRTRT)."""
from __future__ import annotations

from cdisc.algorithms import map_ct, reject_unknown_subjects, start_domain
from cdisc.context import DomainResult, StudyContext
from cdisc.dates import to_dtc
from cdisc.finalize import sequence
from cdisc.supp import supp_records
from cdisc.timing import add_epoch, add_study_day, refuse_after_death, refuse_from_start

QUALIFIERS = ["APHVOL"]


def build(ctx: StudyContext) -> list[DomainResult]:
    form, rejected = reject_unknown_subjects(ctx.raw.form("apher"), ctx.dataset("DM")["SUBJID"],
                                             form_name="apher.csv")
    pr = start_domain(form, ctx, "PR")
    # PRTRT / PRCAT: assigned for the apheresis form (COM.PR.PRTRT)
    pr["PRTRT"] = "LEUKAPHERESIS"
    pr["PRCAT"] = "CELL COLLECTION"
    # PRPRESP / PROCCUR: pre-specified procedure; "Apheresis performed" Y/N
    pr["PRPRESP"] = "Y"
    pr["PROCCUR"] = map_ct(form["APHYN"], ctx.codelist("NY"), source="apher.csv APHYN", rows=form["RAW_ROW"])
    # PRSTDTC: apheresis date and start time; PRSTDY; EPOCH from SE
    pr["PRSTDTC"] = to_dtc(form["APHDAT"], form["APHTIM"])
    refuse_after_death(pr, ctx.dataset("DM"), dtc="PRSTDTC", source="apher.csv APHDAT", rows=form["RAW_ROW"])
    refuse_from_start(pr, ctx.dataset("DM"), dtc="PRSTDTC", source="apher.csv APHDAT", rows=form["RAW_ROW"],
                      what="apheresis(es) on or after the day of the subject's infusion")
    pr = add_study_day(pr, ctx.dataset("DM"), dtc="PRSTDTC", dy="PRSTDY")
    pr = add_epoch(pr, ctx.dataset("SE"), dtc="PRSTDTC")
    # SUPPPR qualifier APHVOL: "Apheresis product volume (mL)" as collected
    pr["APHVOL"] = form["APHVOL"]
    # PRSEQ now, so SUPPPR can point at it (IDVAR PRSEQ, MT.SUPPPR.IDVARVAL)
    pr = sequence(pr, ctx.spec, "PR")
    supp = supp_records(pr, ctx.spec, rdomain="PR", idvar="PRSEQ", qualifiers=QUALIFIERS)
    return [DomainResult("PR", pr.drop(columns=QUALIFIERS), rejected=rejected), DomainResult("SUPPPR", supp)]
