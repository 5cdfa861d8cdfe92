"""DD (Death Details) from the death form (dth.csv): one record per collected death detail per deceased subject,
the primary cause of death (PRCDTH) and whether an autopsy was performed (AUTOPIND) (COM.DD.DDTESTCD).

The date of death itself is DM.DTHDTC; here it dates the details (DDDTC, COM.DD.DDDTC).
"""
from __future__ import annotations

import pandas as pd

from cdisc.algorithms import map_ct, reject_unknown_subjects, start_domain
from cdisc.context import DomainResult, StudyContext
from cdisc.dates import to_dtc
from cdisc.distinct import mapped
from cdisc.timing import add_epoch, add_study_day

CAUSE, AUTOPSY = "PRCDTH", "AUTOPIND"  # DDTESTCD (CT DTHDXCD)


def build(ctx: StudyContext) -> list[DomainResult]:
    form, rejected = reject_unknown_subjects(ctx.raw.form("dth"), ctx.dataset("DM")["SUBJID"], form_name="dth.csv")
    base = start_domain(form, ctx, "DD")
    # DDDTC: date of death (dth.csv DTHDAT), the form's only date (COM.DD.DDDTC)
    base["DDDTC"] = to_dtc(form["DTHDAT"])
    # PRCDTH: "Cause of death" as written; DDSTRESC = DDORRES (free text, not coded, MT.DD.DDSTRESC)
    cause = base.assign(DDTESTCD=CAUSE, DDORRES=form["DTHCAUS"], DDSTRESC=form["DTHCAUS"])
    # AUTOPIND: "Autopsy performed" as collected; DDSTRESC its NY term (MT.DD.DDSTRESC)
    autopsy = base.assign(DDTESTCD=AUTOPSY, DDORRES=form["DTHAUTOP"],
                          DDSTRESC=map_ct(form["DTHAUTOP"], ctx.codelist("NY"), source="dth.csv DTHAUTOP",
                                          rows=form["RAW_ROW"]))
    dd = pd.concat([cause, autopsy], ignore_index=True)
    # DDTEST: CT decode of DDTESTCD (DTHDXCD -> DTHDX)
    dd["DDTEST"] = mapped(dd["DDTESTCD"], ctx.codelist("DTHDXCD").decode)
    # DDDY from DM.RFSTDTC (infusion = Day 1); EPOCH from SE on the date of death
    dd = add_study_day(dd, ctx.dataset("DM"), dtc="DDDTC", dy="DDDY")
    dd = add_epoch(dd, ctx.dataset("SE"), dtc="DDDTC")
    return [DomainResult("DD", dd, rejected=rejected)]
