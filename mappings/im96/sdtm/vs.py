"""VS (Vital Signs) from the vs form; Day 1 is measured before and after the IM96 infusion."""
from __future__ import annotations

from cdisc.algorithms import map_ct, reject_unknown_subjects, standardize, start_domain
from cdisc.context import DomainResult, StudyContext
from cdisc.dates import to_dtc
from cdisc.timing import add_epoch, add_last_before_flag, add_study_day, add_visit, refuse_after_death

TIME_POINT_REFERENCE = "IM96 INFUSION"


def build(ctx: StudyContext) -> list[DomainResult]:
    form, rejected = reject_unknown_subjects(ctx.raw.form("vs"), ctx.dataset("DM")["SUBJID"], form_name="vs.csv")
    vs = start_domain(form, ctx, "VS")
    # VSTESTCD / VSTEST: CRF test code -> CT VSTESTCD (C66741) and VSTEST (C67153); SPO2 is OXYSAT
    vs["VSTESTCD"] = map_ct(form["VSTEST"], ctx.codelist("VSTESTCD"), source="vs.csv VSTEST", rows=form["RAW_ROW"])
    vs["VSTEST"] = map_ct(form["VSTEST"], ctx.codelist("VSTEST"), source="vs.csv VSTEST", rows=form["RAW_ROW"])
    # VSSTAT / VSREASND: "not done" box -> ND (the form leaves result and unit blank)
    vs["VSSTAT"] = map_ct(form["VSND"], ctx.codelist("ND"), source="vs.csv VSND", rows=form["RAW_ROW"])
    vs["VSREASND"] = form["VSREASND"]
    # VSORRES / VSORRESU as collected, the unit spelled as in CT VSRESU ("mm Hg" -> mmHg, "lb" -> LB)
    vs["VSORRES"] = form["VSORRES"]
    vs["VSORRESU"] = map_ct(form["VSORRESU"], ctx.codelist("VSUNIT"), source="vs.csv VSORRESU", rows=form["RAW_ROW"])
    # VSSTRESC / VSSTRESN / VSSTRESU: one standard unit per test, F -> C with an offset (MT.STRES, MT.VS.TEMP)
    std = standardize(vs["VSORRES"], vs["VSORRESU"], vs["VSTESTCD"], ctx.design("unit_conversions"),
                             source="vs.csv VSORRES", rows=vs["RAW_ROW"])
    vs = vs.assign(VSSTRESC=std["STRESC"], VSSTRESN=std["STRESN"], VSSTRESU=std["STRESU"])
    # VSCLSIG: investigator's assessment, only where assessed
    vs["VSCLSIG"] = map_ct(form["VSCLSIG"], ctx.codelist("NY"), source="vs.csv VSCLSIG", rows=form["RAW_ROW"])
    # VSTPT / VSTPTNUM / VSTPTREF: Day 1 pre- and post-infusion time points (MT.VS.VSTPTNUM)
    vs["VSTPT"] = map_ct(form["VSTPT"], ctx.codelist("VSTPT"), source="vs.csv VSTPT", rows=form["RAW_ROW"])
    vs["VSTPTNUM"] = vs["VSTPT"].map({t.term: t.order for t in ctx.codelist("VSTPT").terms})
    vs["VSTPTREF"] = vs["VSTPT"].where(vs["VSTPT"].eq(""), TIME_POINT_REFERENCE)
    # VSDTC: measurement date and time; VISITNUM / VISIT from TV; VSDY; EPOCH from SE
    vs["VSDTC"] = to_dtc(form["VSDAT"], form["VSTIM"])
    vs["VISIT"] = form["VISIT"]
    vs = add_visit(vs, ctx.dataset("TV"), visit="VISIT", dtc="VSDTC", sv=ctx.dataset("SV"))
    refuse_after_death(vs, ctx.dataset("DM"), dtc="VSDTC", source="vs.csv VSDAT", rows=form["RAW_ROW"])
    vs = add_study_day(vs, ctx.dataset("DM"), dtc="VSDTC", dy="VSDY")
    vs = add_epoch(vs, ctx.dataset("SE"), dtc="VSDTC")
    # VSLOBXFL: last non-missing result on or before the IM96 infusion, per test (MT.LOBXFL)
    vs = add_last_before_flag(vs, ctx.dataset("DM"), by=["VSTESTCD"], dtc="VSDTC", result="VSORRES",
                              flag="VSLOBXFL")
    return [DomainResult("VS", vs, rejected=rejected)]
