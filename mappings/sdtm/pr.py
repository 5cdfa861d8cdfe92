"""PR (Procedures): the leukapheresis that collects the cells for IM96 manufacture (apher form)."""
from __future__ import annotations

from cdisc.algorithms import map_ct, reject_unknown_subjects, start_domain
from cdisc.context import DomainResult, StudyContext
from cdisc.dates import to_dtc
from cdisc.timing import add_epoch, add_study_day


def build(ctx: StudyContext) -> list[DomainResult]:
    form, rejected = reject_unknown_subjects(ctx.raw.form("apher"), ctx.dataset("DM")["SUBJID"],
                                             form_name="apher.csv")
    pr = start_domain(form, ctx, "PR")
    # PRTRT / PRCAT: assigned for the apheresis form (COM.PR.PRTRT)
    pr["PRTRT"] = "LEUKAPHERESIS"
    pr["PRCAT"] = "CELL COLLECTION"
    # PRPRESP / PROCCUR: pre-specified procedure; "Apheresis performed" Y/N
    pr["PRPRESP"] = "Y"
    pr["PROCCUR"] = map_ct(form["APHYN"], ctx.codelist("NY"), source="apher.csv APHYN")
    # PRSTDTC: apheresis date and start time; PRSTDY; EPOCH from SE
    pr["PRSTDTC"] = to_dtc(form["APHDAT"], form["APHTIM"])
    pr = add_study_day(pr, ctx.dataset("DM"), dtc="PRSTDTC", dy="PRSTDY")
    pr = add_epoch(pr, ctx.dataset("SE"), dtc="PRSTDTC")
    return [DomainResult("PR", pr, rejected=rejected)]
