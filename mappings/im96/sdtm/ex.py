"""EX (Exposure): every protocol-specified treatment, from the inf form (IM96 CAR-T infusion) and the ld form
(lymphodepleting fludarabine + cyclophosphamide, Days -5 to -3, one record per drug per day).

DM.RFSTDTC is the infusion, so lymphodepletion falls on negative study days; DM.RFXSTDTC is the first EX record
(the first lymphodepletion dose) and DM.RFXENDTC the last (COM.EX.EXCAT).
SUPPEX holds the body surface area the lymphodepletion doses (mg/m2) were calculated from.
"""
from __future__ import annotations

import pandas as pd

from cdisc.algorithms import map_ct, reject_unknown_subjects, require_above, standardize, start_domain
from cdisc.context import DomainResult, StudyContext
from cdisc.dates import to_dtc
from cdisc.finalize import sequence
from cdisc.supp import supp_records
from cdisc.timing import add_epoch, add_study_day, refuse_after_death, refuse_from_start

QUALIFIERS = ["BSA"]  # SUPPEX, lymphodepletion records only


def build(ctx: StudyContext) -> list[DomainResult]:
    subjects = ctx.dataset("DM")["SUBJID"]
    inf, rejected_inf = reject_unknown_subjects(ctx.raw.form("inf"), subjects, form_name="inf.csv")
    ld, rejected_ld = reject_unknown_subjects(ctx.raw.form("ld"), subjects, form_name="ld.csv")
    ex = pd.concat([infusion(inf, ctx), lymphodepletion(ld, ctx)], ignore_index=True)
    # EXSTDY / EXENDY from DM.RFSTDTC (infusion = Day 1); EPOCH from SE at the start of dosing
    ex = add_study_day(ex, ctx.dataset("DM"), dtc="EXSTDTC", dy="EXSTDY")
    ex = add_study_day(ex, ctx.dataset("DM"), dtc="EXENDTC", dy="EXENDY")
    ex = add_epoch(ex, ctx.dataset("SE"), dtc="EXSTDTC")
    # EXSEQ now, so SUPPEX can point at it (IDVAR EXSEQ, MT.SUPPEX.IDVARVAL)
    ex = sequence(ex, ctx.spec, "EX")
    supp = supp_records(ex, ctx.spec, rdomain="EX", idvar="EXSEQ", qualifiers=QUALIFIERS)
    rejected = pd.concat([rejected_inf, rejected_ld], ignore_index=True)
    return [DomainResult("EX", ex.drop(columns=QUALIFIERS), rejected=rejected), DomainResult("SUPPEX", supp)]


def infusion(form: pd.DataFrame, ctx: StudyContext) -> pd.DataFrame:
    """One EX record per IM96 infusion (inf form)."""
    ex = start_domain(form, ctx, "EX")
    # EXTRT / EXCAT: assigned for the investigational product
    ex["EXTRT"] = "IM96 CAR-T CELLS"
    ex["EXCAT"] = "INVESTIGATIONAL PRODUCT"
    # EXDOSE / EXDOSU: collected 10^8 cells converted to 10^6 Therapeutic Cells by the spec's conversion table
    # (design/unit_conversions.csv, keyed by EXTRT; CT UNIT has no 10^8 cells term; MT.EX.EXDOSE)
    require_above(form["INFDOSE"], 0, source="inf.csv INFDOSE", rows=form["RAW_ROW"],
                  what="an infusion record gives the cells infused")
    dose = standardize(form["INFDOSE"], form["INFDOSU"], ex["EXTRT"], ctx.design("unit_conversions"),
                       source="inf.csv INFDOSU", rows=form["RAW_ROW"])
    ex["EXDOSE"], ex["EXDOSU"] = dose["STRESN"], dose["STRESU"]
    # EXDOSFRM / EXDOSFRQ / EXROUTE: protocol, a single intravenous infusion of a cell suspension
    ex["EXDOSFRM"] = "SUSPENSION"
    ex["EXDOSFRQ"] = "ONCE"
    ex["EXROUTE"] = "INTRAVENOUS"
    # EXLOT: "Product lot number"
    ex["EXLOT"] = form["LOTNO"]
    # EXSTDTC / EXENDTC: infusion date with start / end time
    ex["EXSTDTC"] = to_dtc(form["INFDAT"], form["INFSTTIM"])
    ex["EXENDTC"] = to_dtc(form["INFDAT"], form["INFENTIM"])
    return ex


def lymphodepletion(form: pd.DataFrame, ctx: StudyContext) -> pd.DataFrame:
    """One EX record per lymphodepleting drug per dosing day (ld form)."""
    ex = start_domain(form, ctx, "EX")
    # EXTRT: "Lymphodepleting agent"; EXCAT assigned
    ex["EXTRT"] = map_ct(form["LDDRUG"], ctx.codelist("EXTRT"), source="ld.csv LDDRUG", rows=form["RAW_ROW"])
    ex["EXCAT"] = "LYMPHODEPLETING CHEMOTHERAPY"
    # EXDOSE / EXDOSU: "Dose per administration" and its unit (mg/m2) as collected (never negative: the dictionary's
    # MIN; 0 is a dose not given)
    ex["EXDOSE"] = pd.to_numeric(form["LDDOSE"])
    ex["EXDOSU"] = map_ct(form["LDDOSU"], ctx.codelist("EXUNIT"), source="ld.csv LDDOSU", rows=form["RAW_ROW"])
    # EXDOSFRM / EXDOSFRQ / EXROUTE: protocol, daily intravenous infusion (COM.EX.EXDOSFRQ)
    ex["EXDOSFRM"] = "INJECTION"
    ex["EXDOSFRQ"] = "QD"
    ex["EXROUTE"] = "INTRAVENOUS"
    # EXADJ: "Reason for dose adjustment"
    ex["EXADJ"] = form["LDADJ"]
    # EXSTDTC / EXENDTC: administration date (no time collected)
    ex["EXSTDTC"] = to_dtc(form["LDDAT"])
    ex["EXENDTC"] = ex["EXSTDTC"]
    refuse_after_death(ex, ctx.dataset("DM"), dtc="EXSTDTC", source="ld.csv LDDAT", rows=form["RAW_ROW"])
    refuse_from_start(ex, ctx.dataset("DM"), dtc="EXSTDTC", source="ld.csv LDDAT", rows=form["RAW_ROW"],
                      what="lymphodepleting dose(s) on or after the day of the subject's infusion")
    # SUPPEX qualifier BSA: "Body surface area (m2)" the mg/m2 dose was based on, as collected
    ex["BSA"] = form["LDBSA"]
    return ex
