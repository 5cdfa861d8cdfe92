"""PC (Pharmacokinetics Concentrations) from the pc form: IM96 cellular kinetics, the CAR transgene by qPCR
(copies/ug genomic DNA) and CAR-positive T cells by flow cytometry (cells/uL), timed from the infusion."""
from __future__ import annotations

import numpy as np
import pandas as pd

from cdisc.algorithms import (
    map_ct,
    numeric_result,
    refuse_records,
    reject_unknown_subjects,
    require_above,
    start_domain,
)
from cdisc.context import DomainResult, StudyContext
from cdisc.dates import to_dtc
from cdisc.distinct import mapped, subject_values
from cdisc.timing import add_epoch, add_last_before_flag, add_study_day, add_visit, refuse_after_death

CATEGORY = "ANALYTE"
SPECIMEN = "BLOOD"  # both assays run on peripheral blood
REFERENCE = "IM96 INFUSION"  # PCTPTREF: the single CAR-T infusion on Day 1 (COM.PC.PCTPTREF)
PRE_INFUSION = "PRE-INFUSION"


def build(ctx: StudyContext) -> list[DomainResult]:
    dm = ctx.dataset("DM")
    form, rejected = reject_unknown_subjects(ctx.raw.form("pc"), dm["SUBJID"], form_name="pc.csv")
    _refuse_samples_without_infusion(form, dm)
    pc = start_domain(form, ctx, "PC")
    # PCTESTCD / PCTEST / PCMETHOD: sponsor analytes and their assay (CT METHOD), from the CRF test
    pc["PCTESTCD"] = map_ct(form["PCTEST"], ctx.codelist("PCTESTCD"), source="pc.csv PCTEST", rows=form["RAW_ROW"])
    pc["PCTEST"] = map_ct(form["PCTEST"], ctx.codelist("PCTEST"), source="pc.csv PCTEST", rows=form["RAW_ROW"])
    pc["PCMETHOD"] = map_ct(form["PCTEST"], ctx.codelist("PCMETHOD"), source="pc.csv PCTEST", rows=form["RAW_ROW"])
    pc["PCCAT"] = CATEGORY
    pc["PCSPEC"] = SPECIMEN
    # PCSTAT / PCREASND: sample not analysed
    pc["PCSTAT"] = map_ct(form["PCND"], ctx.codelist("PCSTAT"), source="pc.csv PCND", rows=form["RAW_ROW"])
    pc["PCREASND"] = form["PCREASND"]
    # PCORRES as reported (incl. '<50', '<LLOQ'); PCORRESU spelled as in CT UNIT; PCLLOQ as reported
    pc["PCORRES"] = form["PCORRES"]
    require_above(form["PCORRES"], 0, source="pc.csv PCORRES", rows=form["RAW_ROW"], reached=True,
                  what="a cell count is never negative")  # (NCA refused it naming neither file nor row)
    pc["PCORRESU"] = map_ct(form["PCORRESU"], ctx.codelist("PCUNIT"), source="pc.csv PCORRESU", rows=form["RAW_ROW"])
    pc["PCLLOQ"] = form["PCLLOQ"]
    # PCSTRESC / PCSTRESN / PCSTRESU: same unit; '<LLOQ' -> '<' || PCLLOQ, censored results not numeric
    pc["PCSTRESC"] = censored_at_lloq(pc["PCORRES"], pc["PCLLOQ"])
    pc["PCSTRESN"] = numeric_result(pc["PCSTRESC"])
    pc["PCSTRESU"] = pc["PCORRESU"].where(pc["PCSTRESC"].ne(""), "")
    # PCDTC: sample date and time; VISITNUM / VISIT from TV; PCDY; EPOCH from SE
    pc["PCDTC"] = to_dtc(form["PCDAT"], form["PCTIM"])
    refuse_after_death(pc, dm, dtc="PCDTC", source="pc.csv PCDAT", rows=form["RAW_ROW"])
    pc["VISIT"] = form["VISIT"]
    pc = add_visit(pc, ctx.dataset("TV"), visit="VISIT", dtc="PCDTC", sv=ctx.dataset("SV"))
    pc = add_study_day(pc, dm, dtc="PCDTC", dy="PCDY")
    pc = add_epoch(pc, ctx.dataset("SE"), dtc="PCDTC")
    # PCTPT / PCTPTNUM / PCELTM: planned days after the infusion from TV.VISITDY (MT.PC.PCTPTNUM)
    pc = pc.assign(**planned_time_points(form["PCTPT"], pc["VISIT"], ctx.dataset("TV")))
    # PCTPTREF / PCRFTDTC: the IM96 infusion, DM.RFSTDTC (MT.PC.PCRFTDTC)
    pc["PCTPTREF"] = REFERENCE
    pc["PCRFTDTC"] = subject_values(pc["USUBJID"], dm, "RFSTDTC").fillna("")
    # PCLOBXFL: the pre-infusion sample of each analyte (MT.LOBXFL)
    pc = add_last_before_flag(pc, dm, by=["PCTESTCD"], dtc="PCDTC", result="PCORRES", flag="PCLOBXFL")
    return [DomainResult("PC", pc, rejected=rejected)]


def _refuse_samples_without_infusion(form: pd.DataFrame, dm: pd.DataFrame) -> None:
    """A post-infusion PK sample of a subject without an infusion (DM.RFSTDTC blank: no inf.csv record) is a
    `MappingError` naming pc.csv's rows: its time after the infusion, on which PCTPT and ADPC's AFRLT rest, does
    not exist (ADPC had stopped on keys of no time). A pre-infusion sample is one (the infusion may be after the
    data cut, or never given)."""
    infused = dm.loc[dm["RFSTDTC"].ne(""), "SUBJID"]
    refuse_records(~form["SUBJID"].isin(infused) & form["PCTPT"].ne(PRE_INFUSION), form["SUBJID"] + " " +
                   form["VISIT"], source="pc.csv SUBJID", rows=form["RAW_ROW"], what="post-infusion PK sample(s) "
                   "of subjects without an infusion in inf.csv")


def censored_at_lloq(orres: pd.Series, lloq: pd.Series) -> pd.Series:
    """'<' followed by no number (e.g. '<LLOQ') becomes '<' || LLOQ; other results are copied.

    >>> censored_at_lloq(pd.Series(["<LLOQ", "<50", "305", ""]), pd.Series(["50"] * 4)).tolist()
    ['<50', '<50', '305', '']
    """
    unnamed = orres.str.startswith("<") & numeric_result(orres.str.slice(1)).isna()
    return orres.where(~unnamed, "<" + lloq)


def planned_time_points(tpt: pd.Series, visit: pd.Series, tv: pd.DataFrame) -> dict[str, pd.Series]:
    """PRE-INFUSION -> 0 (no planned elapsed time); a scheduled visit n = VISITDY - 1 days after the infusion
    -> 'n DAYS POST-INFUSION', PCTPTNUM n, PCELTM 'PnD'; unscheduled samples have no planned time point.

    >>> tv = pd.DataFrame({"VISIT": ["DAY 1", "DAY 4"], "VISITDY": [1.0, 4.0]})
    >>> out = planned_time_points(pd.Series(["PRE-INFUSION", ""]), pd.Series(["DAY 1", "DAY 4"]), tv)
    >>> out["PCTPT"].tolist(), out["PCTPTNUM"].tolist(), out["PCELTM"].tolist()
    (['PRE-INFUSION', '3 DAYS POST-INFUSION'], [0.0, 3.0], ['', 'P3D'])
    """
    pre = tpt.eq(PRE_INFUSION)
    days = mapped(visit, tv.set_index("VISIT")["VISITDY"]).astype(float) - 1
    text = mapped(days, lambda d: "" if pd.isna(d) else f"{d:.0f}").astype(str)  # str also without records
    post = ~pre & text.ne("")
    return {
        "PCTPT": pd.Series(np.where(pre, PRE_INFUSION, np.where(post, text + " DAYS POST-INFUSION", "")),
                           index=tpt.index),
        "PCTPTNUM": days.where(~pre, 0.0),
        "PCELTM": pd.Series(np.where(post, "P" + text + "D", ""), index=tpt.index),
    }
