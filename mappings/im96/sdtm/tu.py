"""TU (Tumor/Lesion Identification), TR (Tumor/Lesion Results) and RS (Disease Response) from the RECIST 1.1
forms: tl (target lesions), ntl (non-target lesions), nl (new lesions) and rs (investigator responses).

One lesion frame per form (lesion ID, location, method, date, visit) feeds both TR (every row: one measurement
or state per lesion per visit) and TU (the first row of each lesion: its identification). The free-text location
detail of each lesion has no TU variable and goes to SUPPTU (COM.TU.TULOC).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from cdisc.algorithms import (
    map_ct,
    numeric_result,
    refuse_dated,
    refuse_records,
    reject_unknown_subjects,
    require_above,
    start_domain,
)
from cdisc.context import DomainResult, StudyContext
from cdisc.dates import to_dtc
from cdisc.distinct import mapped
from cdisc.errors import MappingError
from cdisc.finalize import sequence
from cdisc.supp import supp_records
from cdisc.timing import add_epoch, add_last_before_flag, add_study_day, add_visit, refuse_after_death

EVALUATOR = "INVESTIGATOR"
CRITERIA = "RECIST 1.1"  # RSCAT
TOO_SMALL = "TOO SMALL TO MEASURE"
TOO_SMALL_MM = "5"  # RECIST 1.1: a lesion too small to measure counts as 5 mm (SDTMIG 3.4 TR assumption 4)
MM = "mm"  # the target lesion page collects diameters in mm
RESPONSE_TESTS = ("TRGRESP", "NTRGRESP", "NEWLES", "OVRLRESP")  # rs form columns, one RSTESTCD each
QUALIFIERS = ["TULOCDTL"]  # SUPPTU


def build(ctx: StudyContext) -> list[DomainResult]:
    dm = ctx.dataset("DM")
    tl, tl_rejected = reject_unknown_subjects(ctx.raw.form("tl"), dm["SUBJID"], form_name="tl.csv")
    ntl, ntl_rejected = reject_unknown_subjects(ctx.raw.form("ntl"), dm["SUBJID"], form_name="ntl.csv")
    nl, nl_rejected = reject_unknown_subjects(ctx.raw.form("nl"), dm["SUBJID"], form_name="nl.csv")
    rs_form, rs_rejected = reject_unknown_subjects(ctx.raw.form("rs"), dm["SUBJID"], form_name="rs.csv")
    _refuse_before_infusion(nl, dm, date="NLDAT", source="nl.csv NLDAT", what="new lesion(s)")
    _refuse_before_infusion(rs_form, dm, date="RSDAT", source="rs.csv RSDAT", what="response assessment(s)")
    for form, name in ((tl, "tl"), (ntl, "ntl"), (nl, "nl"), (rs_form, "rs")):  # no assessment after the death
        date = f"{name.upper()}DAT"
        refuse_after_death(form.assign(DTC=to_dtc(form[date])), dm, dtc="DTC", subject="SUBJID",
                           source=f"{name}.csv {date}", rows=form["RAW_ROW"])
    # TR: one record per lesion per visit; TRGRPID from the CRF page, the test and result by page
    tr = pd.concat([target_results(tl, ctx), non_target_results(ntl, ctx), new_lesion_results(nl, ctx)],
                   ignore_index=True)
    tr["TRTEST"] = mapped(tr["TRTESTCD"], ctx.codelist("TRTESTCD").decode)
    tr = add_timing(tr, ctx, prefix="TR")
    # TRLOBXFL: the baseline (screening) assessment of each lesion (MT.LOBXFL)
    tr = add_last_before_flag(tr, dm, by=["TRLNKID", "TRTESTCD"], dtc="TRDTC", result="TRORRES", flag="TRLOBXFL")
    # TU: the first record of each lesion (baseline, or the visit a new lesion is first seen)
    tu = identified_lesions(tr, ctx)
    # TUSEQ now, so SUPPTU can point at it (IDVAR TUSEQ, MT.SUPPTU.IDVARVAL); TULOCDTL: location detail
    tu = sequence(tu, ctx.spec, "TU")
    supp = supp_records(tu, ctx.spec, rdomain="TU", idvar="TUSEQ", qualifiers=QUALIFIERS)
    # RS: the investigator's RECIST 1.1 responses, one record per response column
    rs = responses(rs_form, ctx)
    rejected = pd.concat([tl_rejected, ntl_rejected, nl_rejected], ignore_index=True)
    return [DomainResult("TU", tu.drop(columns=QUALIFIERS), rejected=rejected), DomainResult("SUPPTU", supp),
            DomainResult("TR", tr.drop(columns=["LOC", "LAT", "DESC"])), DomainResult("RS", rs, rejected=rs_rejected)]


def _refuse_before_infusion(form: pd.DataFrame, dm: pd.DataFrame, *, date: str, source: str, what: str) -> None:
    """A `MappingError` naming the raw rows dated on or before the day of the subject's infusion (DM.RFSTDTC; both
    complete dates): a RECIST response or a new lesion is measured against the baseline after treatment (a
    response before it was mapped, with a study day below 1, and counted by the analyses; one on Day 1 became a
    progression on Day 1)."""
    infusion = form["SUBJID"].map(dm.set_index("SUBJID")["RFSTDTC"]).fillna("")
    refuse_dated(to_dtc(form[date]), infusion, relation="on or before", limit_name="the infusion", source=source,
                 rows=form["RAW_ROW"], what=f"{what} dated on or before the day of the subject's infusion")


def lesion_frame(form: pd.DataFrame, ctx: StudyContext, name: str) -> pd.DataFrame:
    """The fields all lesion pages share (`<NAME>ID`, `LOC`, `LAT` if collected, `DESC`, `METH`, `DAT`), in TR names."""
    prefix = name.upper()
    out = start_domain(form, ctx, "TR")
    # TRGRPID: TARGET / NON-TARGET / NEW from the CRF page (COM.TU.TUORRES)
    rows = form["RAW_ROW"]
    out["TRGRPID"] = map_ct(form["RAW_FORM"], ctx.codelist("TUIDRS"), source=f"{name}.csv (page)", rows=rows)
    _refuse_ids_in_two_cases(form, name, prefix)
    out["TRLNKID"] = form[f"{prefix}ID"]
    # LOC / LAT (kept for TU) and TRMETHOD: CT LOC, LAT and METHOD
    out["LOC"] = map_ct(form[f"{prefix}LOC"], ctx.codelist("TULOC"), source=f"{name}.csv {prefix}LOC", rows=rows)
    lat = form.get(f"{prefix}LAT", pd.Series("", index=form.index))
    out["LAT"] = map_ct(lat, ctx.codelist("TULAT"), source=f"{name}.csv {prefix}LAT", rows=rows)
    # DESC (kept for SUPPTU): "Location detail", free text as collected
    out["DESC"] = form[f"{prefix}DESC"]
    out["TRMETHOD"] = map_ct(form[f"{prefix}METH"], ctx.codelist("TUMETHOD"), source=f"{name}.csv {prefix}METH",
                             rows=rows)
    out["TREVAL"] = EVALUATOR
    out["TRDTC"] = to_dtc(form[f"{prefix}DAT"])
    out["VISIT"] = form["VISIT"]
    return out


def _refuse_ids_in_two_cases(form: pd.DataFrame, name: str, prefix: str) -> None:
    """A `MappingError` naming the rows of a subject's lesion IDs written in two cases (T01 and t01): one lesion or
    two cannot be told (they became two lesions, and ADTR stopped on a parameter its codelist does not know)."""
    ids = form[f"{prefix}ID"]
    spellings = pd.DataFrame({"SUBJID": form["SUBJID"], "ID": ids.str.upper(), "AS": ids})
    refuse_records(spellings.groupby(["SUBJID", "ID"])["AS"].transform("nunique").gt(1), ids,
                   source=f"{name}.csv {prefix}ID", rows=form["RAW_ROW"],
                   what="record(s) of a lesion ID the subject also has in another case")


def target_results(form: pd.DataFrame, ctx: StudyContext) -> pd.DataFrame:
    """Target lesions: LDIAM, or LPERP (short axis) for nodes; 'TOO SMALL TO MEASURE' standardized to 5 mm."""
    tr = lesion_frame(form, ctx, "tl")
    # TRTESTCD: short axis for lymph-node lesions (TLNODAL = Y), longest diameter otherwise (MT.TR.TRTESTCD)
    tr["TRTESTCD"] = np.where(form["TLNODAL"].eq("Y"), "LPERP", "LDIAM")
    # TRSTAT / TRREASND: lesion not evaluated at this visit
    tr["TRSTAT"] = map_ct(form["TLND"], ctx.codelist("TRSTAT"), source="tl.csv TLND", rows=form["RAW_ROW"])
    tr["TRREASND"] = form["TLREASND"]
    # TRORRES as collected (mm); TRSTRESC/TRSTRESN: 5 for too small to measure (MT.TR.TRSTRESC)
    check_diameters(form)
    tr["TRORRES"] = form["TLDIAM"]
    measured = tr["TRORRES"].ne("")
    tr["TRORRESU"] = np.where(measured, MM, "")
    tr["TRSTRESC"] = tr["TRORRES"].replace(TOO_SMALL, TOO_SMALL_MM)
    tr["TRSTRESN"] = numeric_result(tr["TRSTRESC"])
    tr["TRSTRESU"] = tr["TRORRESU"]
    return tr


def check_diameters(form: pd.DataFrame) -> None:
    diam = form["TLDIAM"]
    bad = diam.ne("") & diam.ne(TOO_SMALL) & numeric_result(diam).isna()
    if bad.any():
        raise MappingError(f"tl.csv TLDIAM: value(s) {sorted(set(diam[bad]))[:10]} are neither a number of mm nor "
                           f"{TOO_SMALL!r} (rows {list(form.loc[bad, 'RAW_ROW'])[:10]})")
    # (a negative diameter shrank the baseline sum: best change +139 % for +30 %)
    require_above(diam, 0, source="tl.csv TLDIAM", rows=form["RAW_ROW"], reached=True,
                  what="a diameter is a length in mm, 0 for a lesion that has gone")


def non_target_results(form: pd.DataFrame, ctx: StudyContext) -> pd.DataFrame:
    """Non-target lesions: TUMSTATE as collected; the standard result is the CT TRPROPRS term."""
    tr = lesion_frame(form, ctx, "ntl")
    tr["TRTESTCD"] = "TUMSTATE"
    tr["TRORRES"] = form["NTLSTAT"]
    tr["TRSTRESC"] = map_ct(form["NTLSTAT"], ctx.codelist("TRSTATE"), source="ntl.csv NTLSTAT", rows=form["RAW_ROW"])
    return tr


def new_lesion_results(form: pd.DataFrame, ctx: StudyContext) -> pd.DataFrame:
    """New lesions: TUMSTATE PRESENT when unequivocal (SDTMIG 3.4 TU assumption 6), EQUIVOCAL otherwise."""
    tr = lesion_frame(form, ctx, "nl")
    tr["TRTESTCD"] = "TUMSTATE"
    tr["TRORRES"] = map_ct(form["NLEQUIV"], ctx.codelist("TRNEWST"), source="nl.csv NLEQUIV", rows=form["RAW_ROW"])
    tr["TRSTRESC"] = tr["TRORRES"]
    return tr


def add_timing(df: pd.DataFrame, ctx: StudyContext, *, prefix: str) -> pd.DataFrame:
    """VISITNUM/VISIT from TV, --DY from DM, EPOCH from SE, and the visit link group to RS (MT.TR.LNKGRP)."""
    dtc = f"{prefix}DTC"
    df = add_visit(df, ctx.dataset("TV"), visit="VISIT", dtc=dtc, sv=ctx.dataset("SV"))
    df = add_study_day(df, ctx.dataset("DM"), dtc=dtc, dy=f"{prefix}DY")
    df = add_epoch(df, ctx.dataset("SE"), dtc=dtc)
    return df.assign(**{f"{prefix}LNKGRP": mapped(df["VISITNUM"], lambda v: f"V{v:g}")})


def identified_lesions(tr: pd.DataFrame, ctx: StudyContext) -> pd.DataFrame:
    """TU: one TUMIDENT record per lesion, from its first TR record (by VISITNUM, then date)."""
    first = (tr.sort_values(["USUBJID", "TRLNKID", "VISITNUM", "TRDTC"], kind="mergesort")
             .drop_duplicates(["USUBJID", "TRLNKID"]))
    tu = first[["STUDYID", "USUBJID", "RAW_FORM", "RAW_ROW", "VISITNUM", "VISIT", "EPOCH"]].assign(DOMAIN="TU")
    tu["TULNKID"] = first["TRLNKID"]
    tu["TUTESTCD"] = "TUMIDENT"
    tu["TUTEST"] = mapped(tu["TUTESTCD"], ctx.codelist("TUTESTCD").decode)
    # TUORRES / TUSTRESC: TARGET / NON-TARGET / NEW from the CRF page (COM.TU.TUORRES)
    tu["TUORRES"] = first["TRGRPID"]
    tu["TUSTRESC"] = first["TRGRPID"]
    tu["TULOC"] = first["LOC"]
    tu["TULAT"] = first["LAT"]
    # TULOCDTL (SUPPTU): the lesion's location detail, the same on every visit (checked)
    check_location_detail(tr)
    tu["TULOCDTL"] = first["DESC"]
    tu["TUMETHOD"] = first["TRMETHOD"]
    tu["TUEVAL"] = first["TREVAL"]
    tu["TUDTC"] = first["TRDTC"]
    tu["TUDY"] = first["TRDY"]
    # TULOBXFL: lesions identified on or before the infusion (baseline identification, MT.LOBXFL)
    return add_last_before_flag(tu, ctx.dataset("DM"), by=["TULNKID"], dtc="TUDTC", result="TUORRES",
                                flag="TULOBXFL")


def check_location_detail(tr: pd.DataFrame) -> None:
    """A lesion's free-text location detail must not change between visits: TU keeps only one."""
    counts = tr.groupby(["USUBJID", "TRLNKID"])["DESC"].nunique()
    changed = counts[counts > 1]
    if len(changed):
        raise MappingError(f"lesion location detail (tl/ntl/nl.csv *DESC) changes between visits for "
                           f"{len(changed)} lesion(s), e.g. {list(changed.index)[:5]}; SUPPTU keeps one value "
                           f"per lesion, so correct the CRF data")


def responses(form: pd.DataFrame, ctx: StudyContext) -> pd.DataFrame:
    """RS: the rs form's four response columns, one record each (RSTESTCD via ONCRTSCD Collected Values)."""
    base = start_domain(form, ctx, "RS").assign(RSDTC=to_dtc(form["RSDAT"]), VISIT=form["VISIT"])
    rs = pd.concat([base.assign(FIELD=field, VALUE=form[field]) for field in RESPONSE_TESTS], ignore_index=True)
    rs["RSTESTCD"] = map_ct(rs["FIELD"], ctx.codelist("ONCRTSCD"), source="rs.csv (column)")
    rs["RSTEST"] = mapped(rs["RSTESTCD"], ctx.codelist("ONCRTSCD").decode)
    rs["RSCAT"] = CRITERIA
    # RSSTAT / RSREASND: a response collected as NA (no such lesions at baseline) is not done (MT.RS.RSSTAT)
    not_done = rs["VALUE"].isin(ctx.codelist("RSSTAT").collected_map)
    rs["RSSTAT"] = map_ct(rs["VALUE"].where(not_done, ""), ctx.codelist("RSSTAT"), source="rs.csv",
                          rows=rs["RAW_ROW"])
    rs["RSREASND"] = edc_decode(ctx, "rs", rs["FIELD"], rs["VALUE"]).where(not_done, "")
    # RSORRES as collected; RSSTRESC the CT term: ONCRSR for responses, NY for NEWLIND (MT.RS.RSSTRESC)
    rs["RSORRES"] = rs["VALUE"].where(~not_done, "")
    newlind = rs["RSTESTCD"].eq("NEWLIND")
    rs["RSSTRESC"] = map_ct(rs["RSORRES"].where(~newlind, ""), ctx.codelist("ONCRSR"), source="rs.csv",
                            rows=rs["RAW_ROW"])
    rs.loc[newlind, "RSSTRESC"] = map_ct(rs.loc[newlind, "RSORRES"], ctx.codelist("NY"), source="rs.csv NEWLES",
                                         rows=rs["RAW_ROW"])
    rs["RSEVAL"] = EVALUATOR
    return add_timing(rs.drop(columns=["FIELD", "VALUE"]), ctx, prefix="RS")


def edc_decode(ctx: StudyContext, form: str, fields: pd.Series, codes: pd.Series) -> pd.Series:
    """The EDC's own decode of each code, looked up in the codelist that dictionary.csv gives its field."""
    dictionary = ctx.raw.dictionary
    lists = dictionary[dictionary["FORM"].eq(form)].set_index("FIELD")["CODELIST"]
    decodes = ctx.raw.codelists.set_index(["CODELIST", "CODE"])["DECODE"]
    keys = pd.MultiIndex.from_arrays([fields.map(lists).to_numpy(), codes.to_numpy()])
    return pd.Series(decodes.reindex(keys).fillna("").to_numpy(), index=codes.index)
