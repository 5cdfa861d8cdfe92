"""EX (Exposure) from the exposure as collected (ec_raw): one record per dosing interval."""
from __future__ import annotations

import pandas as pd

from cdisc.algorithms import map_ct, reject_unknown_subjects, start_domain
from cdisc.context import DomainResult, StudyContext
from cdisc.timing import add_study_day
from mappings.cdiscpilot01.sdtm.visits import add_visit


def build(ctx: StudyContext) -> list[DomainResult]:
    form, rejected = reject_unknown_subjects(ctx.raw.form("ec_raw"), ctx.raw.form("dm_raw")["PATNUM"],
                                             form_name="ec_raw.csv", field="PATNUM")
    ex = start_domain(form, ctx, "EX")
    # EXTRT: drug administered; EXDOSE, EXDOSU, EXDOSFRM, EXDOSFRQ, EXROUTE: collected values -> CT
    ex["EXTRT"] = form["DRUGAD"]
    ex["EXDOSE"] = pd.to_numeric(form["IT.ECDSTXT"])
    rows = form["RAW_ROW"]
    ex["EXDOSU"] = map_ct(form["IT.ECDOSU"], ctx.codelist("UNIT"), source="ec_raw.csv IT.ECDOSU", rows=rows)
    ex["EXDOSFRM"] = map_ct(form["DOSFM"], ctx.codelist("FRM"), source="ec_raw.csv DOSFM", rows=rows)
    ex["EXDOSFRQ"] = map_ct(form["DOSFRQ"], ctx.codelist("FREQ"), source="ec_raw.csv DOSFRQ", rows=rows)
    ex["EXROUTE"] = map_ct(form["IT.ECROUTE"], ctx.codelist("ROUTE"), source="ec_raw.csv IT.ECROUTE", rows=rows)
    # VISITNUM / VISIT / VISITDY (MT.VISIT); EXSTDTC / EXENDTC and their study days
    ex = add_visit(ex, form["VISITNAME"], ctx, source="ec_raw.csv VISITNAME", rows=rows)
    ex["EXSTDTC"], ex["EXENDTC"] = ctx.raw.dtc(form, "IT.ECSTDAT"), ctx.raw.dtc(form, "IT.ECENDAT")
    ex = add_study_day(ex, ctx.dataset("DM"), dtc="EXSTDTC", dy="EXSTDY")
    ex = add_study_day(ex, ctx.dataset("DM"), dtc="EXENDTC", dy="EXENDY")
    return [DomainResult("EX", ex, rejected=rejected)]
