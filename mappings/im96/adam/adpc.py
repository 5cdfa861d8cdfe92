"""ADPC (one record per PC sample, ADNCA-style) and ADPP (one record per PP parameter) for the IM96 cellular
kinetics. The per-sample NCA rules (elapsed time, BLQ rule, which samples feed CMAX/TMAX and AUC0-D90) are
`mappings.im96.sdtm.pp.nca_samples`, the same function that computed SDTM PP, so ADPC, PP and ADPP always agree.
Rules and sources: specs/im96/adam/methods/adpc.csv and adpp.csv (MT.ADPC.*, MT.ADPP.*).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from cdisc.algorithms import map_ct
from cdisc.context import AnalysisContext, DomainResult
from cdisc.dates import dtc_date
from cdisc.errors import DerivationError
from mappings.im96.sdtm.pp import nca_samples

ADSL_VARS = ["USUBJID", "TRT01A", "TRT01AN", "SAFFL"]
TIME_UNIT = "DAYS"  # ARELTMU (CT UNIT)


def build(ctx: AnalysisContext) -> list[DomainResult]:
    adsl = ctx.adam("ADSL")[ADSL_VARS]
    return [DomainResult("ADPC", build_adpc(ctx, adsl)), DomainResult("ADPP", build_adpp(ctx, adsl))]


def build_adpc(ctx: AnalysisContext, adsl: pd.DataFrame) -> pd.DataFrame:
    pc = ctx.sdtm("PC")
    nca = nca_samples(pc)
    # PARAMCD = PCTESTCD, PARAM from the spec codelist (MT.ADPC.PARAMCD)
    adpc = pc[["STUDYID", "USUBJID"]].assign(PARAMCD=pc["PCTESTCD"])
    adpc["PARAM"] = map_ct(adpc["PARAMCD"], ctx.spec.codelist("ADPC_PARAM"), source="ADPC.PARAMCD")
    # AVAL: PCSTRESN with the BLQ rule (BLQ before first / after last quantifiable = 0, between = null);
    # AVALC = PCSTRESC, AVALU = PCSTRESU, ALLOQ = PCLLOQ (MT.ADPC.AVAL)
    adpc["AVAL"] = nca["CONC"].where(nca["EXCLUDE"].eq(""), pc["PCSTRESN"])
    adpc = adpc.assign(AVALC=pc["PCSTRESC"], AVALU=pc["PCSTRESU"], ALLOQ=pc["PCLLOQ"])
    # ADTM/ADT/ATMF: PCDTC, a missing time imputed with the infusion time (ATMF = H); ADY = PCDY (MT.ADPC.ADTM)
    adpc = adpc.assign(**analysis_datetime(pc["PCDTC"], pc["PCRFTDTC"]), ADY=pc["PCDY"])
    # AFRLT = ARELTM: days from the infusion (same rule as PP); NFRLT = planned days (PCTPTNUM) (MT.ADPC.AFRLT)
    adpc = adpc.assign(AFRLT=nca["AFRLT"], NFRLT=pc["PCTPTNUM"], ARELTM=nca["AFRLT"], ARELTMU=TIME_UNIT)
    # AVISIT/AVISITN, ATPT/ATPTN, ATPTREF from the PC visit and planned time point
    adpc = adpc.assign(AVISIT=pc["VISIT"], AVISITN=pc["VISITNUM"], ATPT=pc["PCTPT"], ATPTN=pc["PCTPTNUM"],
                       ATPTREF=pc["PCTPTREF"])
    # ANL01FL: sample used for CMAX/TMAX; ANL02FL: used for AUC0-D90; NCAXRS: why not usable (MT.ADPC.ANL01FL)
    adpc = adpc.assign(ANL01FL=nca["CMAXFL"], ANL02FL=nca["AUCFL"], NCAXRS=nca["EXCLUDE"])
    # traceability: SRCDOM/SRCVAR/SRCSEQ = PC / PCSTRESN / PCSEQ
    adpc = adpc.assign(SRCDOM="PC", SRCVAR="PCSTRESN", SRCSEQ=pc["PCSEQ"])
    return with_adsl(adpc, adsl, "PC")


def build_adpp(ctx: AnalysisContext, adsl: pd.DataFrame) -> pd.DataFrame:
    if "PP" not in ctx.sdtm_data:
        raise DerivationError("ADPP needs SDTM PP: add 'pp' after 'pc' in mappings/im96/sdtm/__init__.py MODULES")
    pp = ctx.sdtm("PP")
    # PARAMCD from PPTESTCD and the analyte (PPGRPID prefix = PCTESTCD), PARAM from the codelist (MT.ADPP.PARAMCD)
    key = pp["PPTESTCD"] + "-" + pp["PPGRPID"].str.rsplit("-", n=2).str[0]
    adpp = pp[["STUDYID", "USUBJID"]].assign(
        PARAMCD=map_ct(key, ctx.spec.codelist("ADPP_PARAMCD"), source="PP.PPTESTCD + analyte"))
    adpp["PARAM"] = map_ct(adpp["PARAMCD"], ctx.spec.codelist("ADPP_PARAM"), source="ADPP.PARAMCD")
    # PARCAT1 = PPCAT (analyte); AVAL = PPSTRESN, AVALU = PPSTRESU; interval PPSTINT/PPENINT (MT.ADPP.AVAL)
    adpp = adpp.assign(PARCAT1=pp["PPCAT"], AVAL=pp["PPSTRESN"], AVALU=pp["PPSTRESU"], PPSTINT=pp["PPSTINT"],
                       PPENINT=pp["PPENINT"], PPREASND=pp["PPREASND"])
    # traceability: SRCDOM/SRCVAR/SRCSEQ = PP / PPSTRESN / PPSEQ
    adpp = adpp.assign(SRCDOM="PP", SRCVAR="PPSTRESN", SRCSEQ=pp["PPSEQ"])
    return with_adsl(adpp, adsl, "PP")


def with_adsl(df: pd.DataFrame, adsl: pd.DataFrame, source: str) -> pd.DataFrame:
    """TRT01A, TRTA = TRT01A, TRTAN = TRT01AN, SAFFL from ADSL; a subject missing from ADSL is an error."""
    out = df.merge(adsl, on="USUBJID", how="left", validate="many_to_one", indicator=True)
    orphans = sorted(out.loc[out["_merge"].ne("both"), "USUBJID"].unique())
    if orphans:
        raise DerivationError(f"{source}: subject(s) {orphans[:5]} have no ADSL record; check DM and ADSL")
    return out.drop(columns="_merge").assign(TRTA=out["TRT01A"], TRTAN=out["TRT01AN"])


def analysis_datetime(dtc: pd.Series, ref_dtc: pd.Series) -> dict[str, pd.Series]:
    """ADTM/ADT from a complete --DTC date; a missing time takes the reference time of day (ATMF = 'H')."""
    date = dtc.str.slice(0, 10).where(dtc.str.len() >= 10, "")
    own_time = dtc.str.slice(11, 16)
    ref_time = ref_dtc.str.slice(11, 16)
    imputed = date.ne("") & own_time.eq("") & ref_time.ne("")
    time = own_time.where(~imputed, ref_time)
    stamp = (date + "T" + time).where(time.ne("") & date.ne(""))
    adtm = pd.to_datetime(stamp, format="%Y-%m-%dT%H:%M", errors="coerce")
    adt = dtc_date(dtc)
    return {"ADTM": adtm, "ADT": adt, "ATMF": pd.Series(np.where(imputed, "H", ""), index=dtc.index)}
