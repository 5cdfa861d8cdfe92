"""DS (Disposition) from ds_raw: disposition events, the randomization milestone and the 'other events'
(final lab / retrieval visits) of the form's OTHERSP field. Methods MT.DS.* in the spec."""
from __future__ import annotations

import numpy as np
import pandas as pd

from cdisc.algorithms import map_ct, refuse_records, reject_unknown_subjects, start_domain
from cdisc.context import DomainResult, StudyContext
from cdisc.timing import add_study_day
from mappings.cdiscpilot01.sdtm.visits import add_visit

RANDOMIZED = "RANDOMIZED"


def build(ctx: StudyContext) -> list[DomainResult]:
    form, rejected = reject_unknown_subjects(ctx.raw.form("ds_raw"), ctx.raw.form("dm_raw")["PATNUM"],
                                             form_name="ds_raw.csv", field="PATNUM")
    ds = start_domain(form, ctx, "DS").assign(**disposition(form, ctx).drop(columns=["PATNUM", "DTHDTC"]))
    # VISITNUM / VISIT from the EDC instance (MT.VISIT); DSDY, DSSTDY
    ds = add_visit(ds, form["INSTANCE"], ctx, source="ds_raw.csv INSTANCE", rows=form["RAW_ROW"]).drop(
        columns="VISITDY")
    ds = add_study_day(ds, ctx.dataset("DM"), dtc="DSDTC", dy="DSDY")
    ds = add_study_day(ds, ctx.dataset("DM"), dtc="DSSTDTC", dy="DSSTDY")
    return [DomainResult("DS", ds, rejected=rejected)]


def disposition(form: pd.DataFrame, ctx: StudyContext) -> pd.DataFrame:
    """DSTERM, DSDECOD, DSCAT, DSDTC, DSSTDTC and the date of death (DTHDTC) of each ds_raw row, with PATNUM."""
    other = form["IT.DSTERM"].eq("")
    # a coded term without its verbatim one would become the 'other event' OTHERSP names, its code dropped
    refuse_records(other & form["IT.DSDECOD"].ne(""), form["IT.DSDECOD"], source="ds_raw.csv IT.DSTERM",
                   rows=form["RAW_ROW"], what="coded disposition term(s) (IT.DSDECOD) without their verbatim term")
    # DSTERM: the verbatim term, or the 'other event' specified, in upper case (MT.DS.DSTERM)
    term = form["IT.DSTERM"].where(~other, form["OTHERSP"])
    decod = map_ct(form["IT.DSDECOD"].where(~other, form["OTHERSP"]), ctx.codelist("DSDECOD"),
                   source="ds_raw.csv IT.DSDECOD/OTHERSP", rows=form["RAW_ROW"])
    # DSCAT: PROTOCOL MILESTONE (randomization), OTHER EVENT (OTHERSP), else DISPOSITION EVENT (MT.DS.DSCAT)
    cat = np.select([decod.eq(RANDOMIZED), other], ["PROTOCOL MILESTONE", "OTHER EVENT"], "DISPOSITION EVENT")
    return pd.DataFrame({
        "PATNUM": form["PATNUM"], "DSTERM": term.str.upper(), "DSDECOD": decod,
        "DSCAT": map_ct(pd.Series(cat, index=form.index), ctx.codelist("DSCAT"), source="DSCAT"),
        # DSDTC: collection date and time; DSSTDTC: disposition date; DTHDTC: date of death
        "DSDTC": ctx.raw.dtc(form, "DSDTCOL", "DSTMCOL"), "DSSTDTC": ctx.raw.dtc(form, "IT.DSSTDAT"),
        "DTHDTC": ctx.raw.dtc(form, "DEATHDT"),
    }, index=form.index)
