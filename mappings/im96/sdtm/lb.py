"""LB (Laboratory Test Results) from the lb form: local-lab hematology, chemistry and tumor markers."""
from __future__ import annotations

from cdisc.algorithms import (
    map_ct,
    reject_unknown_subjects,
    require_range,
    standard_number,
    standardize,
    start_domain,
)
from cdisc.context import DomainResult, StudyContext
from cdisc.dates import to_dtc
from cdisc.findings import reference_range_indicator
from cdisc.timing import add_epoch, add_last_before_flag, add_study_day, add_visit, refuse_after_death

CONTINUOUS = r"-?(?:\d+(?:\.\d+)?|\.\d+)"  # a continuous measurement (the pattern of CORE-000289/290/298/299)


def build(ctx: StudyContext) -> list[DomainResult]:
    form, rejected = reject_unknown_subjects(ctx.raw.form("lb"), ctx.dataset("DM")["SUBJID"], form_name="lb.csv")
    conversions = ctx.design("unit_conversions")
    lb = start_domain(form, ctx, "LB")
    # LBTESTCD / LBTEST: CRF test code -> CT LBTESTCD (C65047) and LBTEST (C67154)
    lb["LBTESTCD"] = map_ct(form["LBTEST"], ctx.codelist("LBTESTCD"), source="lb.csv LBTEST", rows=form["RAW_ROW"])
    lb["LBTEST"] = map_ct(form["LBTEST"], ctx.codelist("LBTEST"), source="lb.csv LBTEST", rows=form["RAW_ROW"])
    # LBCAT: CRF panel; LBSPEC: BLOOD for hematology, SERUM otherwise (MT.LB.LBSPEC)
    lb["LBCAT"] = map_ct(form["LBCAT"], ctx.codelist("LBCAT"), source="lb.csv LBCAT", rows=form["RAW_ROW"])
    lb["LBSPEC"] = map_ct(form["LBCAT"], ctx.codelist("LBSPEC"), source="lb.csv LBCAT", rows=form["RAW_ROW"])
    # LBSTAT / LBREASND: "not done" box -> ND; a not-done test has no result (FDAB042)
    lb["LBSTAT"] = map_ct(form["LBND"], ctx.codelist("ND"), source="lb.csv LBND", rows=form["RAW_ROW"])
    lb["LBREASND"] = form["LBREASND"]
    done = lb["LBSTAT"].eq("")
    # LBORRES / LBORRESU / LBORNRLO / LBORNRHI as collected; the unit spelled as in CT UNIT
    lb["LBORRES"] = form["LBORRES"].where(done, "")
    lb["LBORRESU"] = map_ct(form["LBORRESU"].where(done, ""), ctx.codelist("LBUNIT"), source="lb.csv LBORRESU",
                            rows=form["RAW_ROW"])
    require_range(form["LBORNRLO"], form["LBORNRHI"], source="lb.csv LBORNRLO/LBORNRHI", rows=form["RAW_ROW"])
    lb["LBORNRLO"] = form["LBORNRLO"].where(done, "")
    lb["LBORNRHI"] = form["LBORNRHI"].where(done, "")
    # LBSTRESC / LBSTRESN / LBSTRESU: one standard unit per test (design/unit_conversions.csv, MT.STRES)
    std = standardize(lb["LBORRES"], lb["LBORRESU"], lb["LBTESTCD"], conversions, source="lb.csv LBORRES",
                      rows=lb["RAW_ROW"])
    lb = lb.assign(LBSTRESC=std["STRESC"], LBSTRESN=std["STRESN"], LBSTRESU=std["STRESU"])
    # LBSTNRLO / LBSTNRHI: the collected range converted with the result's factor (MT.LB.STNR)
    lb["LBSTNRLO"] = standard_number(lb["LBORNRLO"], lb["LBORRESU"], lb["LBTESTCD"], conversions,
                                     source="lb.csv LBORNRLO", rows=lb["RAW_ROW"])
    lb["LBSTNRHI"] = standard_number(lb["LBORNRHI"], lb["LBORRESU"], lb["LBTESTCD"], conversions,
                                     source="lb.csv LBORNRHI", rows=lb["RAW_ROW"])
    # LBNRIND: standard result against the standard range (MT.LB.NRIND)
    lb["LBNRIND"] = reference_range_indicator(lb["LBSTRESC"], lb["LBSTNRLO"], lb["LBSTNRHI"])
    # reference ranges go with continuous results only: none on a censored result such as "<0.1" (CG0180,
    # MT.LB.STNR); LBNRIND keeps the lab's comparison
    continuous = lb["LBORRES"].str.fullmatch(CONTINUOUS)
    lb[["LBORNRLO", "LBORNRHI"]] = lb[["LBORNRLO", "LBORNRHI"]].where(continuous, "")
    lb[["LBSTNRLO", "LBSTNRHI"]] = lb[["LBSTNRLO", "LBSTNRHI"]].where(continuous)
    # LBCLSIG: investigator's assessment, only where assessed
    lb["LBCLSIG"] = map_ct(form["LBCLSIG"], ctx.codelist("NY"), source="lb.csv LBCLSIG", rows=form["RAW_ROW"])
    # LBDTC: collection date and time; VISITNUM / VISIT from TV; LBDY; EPOCH from SE
    lb["LBDTC"] = to_dtc(form["LBDAT"], form["LBTIM"])
    lb["VISIT"] = form["VISIT"]
    lb = add_visit(lb, ctx.dataset("TV"), visit="VISIT", dtc="LBDTC", sv=ctx.dataset("SV"))
    refuse_after_death(lb, ctx.dataset("DM"), dtc="LBDTC", source="lb.csv LBDAT", rows=form["RAW_ROW"])
    lb = add_study_day(lb, ctx.dataset("DM"), dtc="LBDTC", dy="LBDY")
    lb = add_epoch(lb, ctx.dataset("SE"), dtc="LBDTC")
    # LBLOBXFL: last non-missing result on or before the IM96 infusion, per test (MT.LOBXFL)
    lb = add_last_before_flag(lb, ctx.dataset("DM"), by=["LBCAT", "LBSPEC", "LBTESTCD"], dtc="LBDTC",
                              result="LBORRES", flag="LBLOBXFL")
    return [DomainResult("LB", lb, rejected=rejected)]
