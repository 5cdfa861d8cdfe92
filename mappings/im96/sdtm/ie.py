"""IE: one record per eligibility criterion a subject did not meet (ie.csv rows naming a criterion).

The form's summary row ("all eligibility criteria met", IETESTCD blank) is not an IE record: DS maps it
to the eligibility protocol milestone.
"""
from __future__ import annotations

import pandas as pd

from cdisc.algorithms import reject_unknown_subjects, start_domain
from cdisc.context import DomainResult, StudyContext
from cdisc.dates import to_dtc
from cdisc.errors import MappingError
from cdisc.timing import add_epoch, add_study_day, refuse_from_start

# IEORRES for a criterion not met: an inclusion criterion is not fulfilled, an exclusion criterion is present
RESULT_BY_CATEGORY = {"INCLUSION": "N", "EXCLUSION": "Y"}


def build(ctx: StudyContext) -> list[DomainResult]:
    dm = ctx.dataset("DM")
    form = ctx.raw.form("ie")
    criteria, rejected = reject_unknown_subjects(form[form["IETESTCD"].ne("")], dm["SUBJID"], form_name="ie.csv")
    ti = protocol_criteria(ctx, criteria["IETESTCD"])

    ie = start_domain(criteria, ctx, "IE")
    # IETESTCD: ie.csv IETESTCD; IETEST, IECAT: from TI (MT.IE.IETEST)
    ie["IETESTCD"] = criteria["IETESTCD"]
    ie["IETEST"] = ie["IETESTCD"].map(ti["IETEST"])
    ie["IECAT"] = ie["IETESTCD"].map(ti["IECAT"])
    # IEORRES = IESTRESC: N for inclusion, Y for exclusion criteria not met (MT.IE.IEORRES)
    ie["IEORRES"] = ie["IECAT"].map(RESULT_BY_CATEGORY)
    ie["IESTRESC"] = ie["IEORRES"]
    # IEDTC: ie.csv IEDAT; EPOCH, IEDY
    ie["IEDTC"] = to_dtc(criteria["IEDAT"])
    refuse_from_start(ie, dm, dtc="IEDTC", source="ie.csv IEDAT", rows=criteria["RAW_ROW"],
                      what="eligibility criteria assessed on or after the day of the subject's infusion")
    ie = add_epoch(ie, ctx.dataset("SE"), dtc="IEDTC")
    ie = add_study_day(ie, dm, dtc="IEDTC", dy="IEDY")
    return [DomainResult("IE", ie, rejected=rejected)]


def protocol_criteria(ctx: StudyContext, collected: pd.Series) -> pd.DataFrame:
    """TI indexed by IETESTCD; a collected criterion the protocol table does not list is an error."""
    ti = ctx.dataset("TI").set_index("IETESTCD")
    unknown = sorted(set(collected) - set(ti.index))
    if unknown:
        raise MappingError(f"ie.csv IETESTCD: criteria {unknown} are not in TI (specs/im96/design/ti.csv); "
                           f"the protocol table and the EDC criteria list must agree")
    return ti
