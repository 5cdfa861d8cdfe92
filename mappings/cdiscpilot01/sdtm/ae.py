"""AE (Adverse Events) and SUPPAE from ae_raw, whose coding columns carry the MedDRA hierarchy."""
from __future__ import annotations

import numpy as np

from cdisc.algorithms import map_ct, reject_unknown_subjects, start_domain
from cdisc.context import DomainResult, StudyContext
from cdisc.dates import may_be_on_or_after
from cdisc.distinct import subject_values
from cdisc.events import add_meddra
from cdisc.finalize import sequence
from cdisc.supp import supp_records
from cdisc.timing import add_study_day, refuse_after_death

# SDTM variable <- ae_raw field, each a No/Yes answer
SERIOUSNESS = {"AESER": "IT.AESER", "AESCAN": "AESCAN", "AESCONG": "AESCNO", "AESDISAB": "AEDIS",
               "AESDTH": "IT.AESDTH", "AESHOSP": "IT.AESHOSP", "AESLIFE": "IT.AESLIFE", "AESOD": "AESOD"}


def build(ctx: StudyContext) -> list[DomainResult]:
    form, rejected = reject_unknown_subjects(ctx.raw.form("ae_raw"), ctx.raw.form("dm_raw")["PATNUM"],
                                             form_name="ae_raw.csv", field="PATNUM")
    ae = start_domain(form, ctx, "AE")
    # AETERM: verbatim term in upper case (MT.VERBATIM); AELLT ... AESOCCD: MedDRA as coded (COM.AE.MEDDRA)
    ae["AETERM"] = form["IT.AETERM"].str.upper()
    ae = add_meddra(ae, form, prefix="AE")
    # AESEV, AEACN, AEREL, AEOUT and the seriousness criteria: collected values -> CT
    ae["AESEV"] = map_ct(form["IT.AESEV"], ctx.codelist("AESEV"), source="ae_raw.csv IT.AESEV", rows=form["RAW_ROW"])
    ae["AEACN"] = map_ct(form["IT.AEACN"], ctx.codelist("ACN"), source="ae_raw.csv IT.AEACN", rows=form["RAW_ROW"])
    ae["AEREL"] = map_ct(form["IT.AEREL"], ctx.codelist("AEREL"), source="ae_raw.csv IT.AEREL", rows=form["RAW_ROW"])
    ae["AEOUT"] = map_ct(form["AEOUTCOME"], ctx.codelist("OUT"), source="ae_raw.csv AEOUTCOME", rows=form["RAW_ROW"])
    for var, field in SERIOUSNESS.items():
        ae[var] = map_ct(form[field], ctx.codelist("NY"), source=f"ae_raw.csv {field}", rows=form["RAW_ROW"])
    # AEDTC, AESTDTC, AEENDTC; AEDY / AESTDY / AEENDY from DM.RFSTDTC
    ae["AEDTC"] = ctx.raw.dtc(form, "AEDTCOL")
    ae["AESTDTC"], ae["AEENDTC"] = ctx.raw.dtc(form, "IT.AESTDAT"), ctx.raw.dtc(form, "IT.AEENDAT")
    dm = ctx.dataset("DM")
    refuse_after_death(ae, dm, dtc="AESTDTC", source="ae_raw.csv IT.AESTDAT", rows=form["RAW_ROW"])
    ae = add_study_day(ae, dm, dtc="AEDTC", dy="AEDY")
    ae = add_study_day(ae, dm, dtc="AESTDTC", dy="AESTDY")
    ae = add_study_day(ae, dm, dtc="AEENDTC", dy="AEENDY")
    # SUPPAE AETRTEM: onset on or after the first dose, or unknown (blank, or a partial date that may be on or after
    # it), of an exposed subject (MT.SUPPAE.AETRTEM)
    start = subject_values(ae["USUBJID"], dm, "RFSTDTC").fillna("")
    emergent = start.ne("") & may_be_on_or_after(ae["AESTDTC"], start)
    ae["AETRTEM"] = np.where(emergent, "Y", "N")
    ae = sequence(ae, ctx.spec, "AE")
    supp = supp_records(ae, ctx.spec, rdomain="AE", idvar="AESEQ", qualifiers=["AETRTEM"],
                        evaluators={"AETRTEM": "CLINICAL STUDY SPONSOR"})
    return [DomainResult("AE", ae.drop(columns="AETRTEM"), rejected=rejected), DomainResult("SUPPAE", supp)]
