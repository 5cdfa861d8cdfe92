"""DM: one record per subject of the demographics form (dm.csv).

Reference dates come from the consent (ic.csv), the IM96 infusion (inf.csv, Day 1), the disposition
(ds.csv), the death form (dth.csv) and the latest date of any form; the arm is the dose level infused.
Methods MT.DM.* in the spec state each rule.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from cdisc.algorithms import map_ct, refuse_dated, refuse_records, reject_unknown_subjects, start_domain
from cdisc.context import DomainResult, StudyContext
from cdisc.dates import dtc_date, to_dtc
from cdisc.distinct import distinct_rows, text_extreme
from cdisc.raw import LINEAGE, RawStudy
from cdisc.timing import exposure_span

SCREEN_FAILURE = "SCREEN FAILURE"
NOT_TREATED = "ASSIGNED, NOT TREATED"
NOT_ASSIGNED = "NOT ASSIGNED"
COMPLETED = "COMPLETED"
YEARS = "YEARS"


def build(ctx: StudyContext) -> list[DomainResult]:
    raw = ctx.raw.form("dm")
    subj = raw["SUBJID"]
    consent = first_consent(ctx.raw.form("ic"))
    _refuse_partial_dates(ctx.raw.form("ic"), "ICDAT", name="ic", why="consent date(s) are partial: a consent is "
                          "signed and dated, and AGE and the study's reference dates count from it")
    _refuse_partial_dates(ctx.raw.form("inf"), "INFDAT", name="inf", why="infusion date(s) are partial: the infusion "
                          "is Day 1, from which every study day and PK time counts")
    _refuse_infusions_before_consent(ctx.raw.form("inf"), consent)
    inf = ctx.raw.form("inf").set_index("SUBJID")
    dth, dth_rejected = reject_unknown_subjects(ctx.raw.form("dth"), subj, form_name="dth.csv")
    _refuse_partial_dates(dth, "DTHDAT", name="dth", why="death date(s) are partial: overall survival ends on the "
                          "death date, and a partial one would leave the death censored")
    last_date = last_raw_dates(ctx.raw, ctx.spec.study.data_cut.isoformat())

    dm = start_domain(raw, ctx, "DM")
    # SUBJID, SITEID: dm.csv SUBJID; site of the first consent (ic.csv SITEID), the study's one site
    _refuse_other_sites(ctx.raw.form("ic"), ctx.spec.study.siteid)
    dm["SUBJID"] = subj
    dm["SITEID"] = subj.map(consent["SITEID"]).fillna("")
    # RFSTDTC: IM96 infusion start (inf.csv INFDAT + INFSTTIM), Day 1
    dm["RFSTDTC"] = subj.map(to_dtc(inf["INFDAT"], inf["INFSTTIM"])).fillna("")
    # RFXSTDTC / RFXENDTC: first and last exposure to any protocol-specified treatment in EX: the lymphodepletion
    # doses (ld.csv LDDAT) and the infusion (MT.DM.RFXSTDTC, MT.DM.RFXENDTC)
    first, last = exposure_dates(ctx.raw.form("ld"), ctx.raw.form("inf"))
    dm["RFXSTDTC"], dm["RFXENDTC"] = subj.map(first).fillna(""), subj.map(last).fillna("")
    # RFICDTC: earliest consent (ic.csv ICDAT); RFPENDTC: latest complete date of any raw form up to the data cut
    dm["RFICDTC"] = subj.map(consent["RFICDTC"]).fillna("")
    dm["RFPENDTC"] = subj.map(last_date).fillna("")
    # DTHDTC, DTHFL: death form (dth.csv DTHDAT), never before the infusion
    _refuse_deaths_before_infusion(dth, inf)
    dm["DTHDTC"] = subj.map(to_dtc(dth.set_index("SUBJID")["DTHDAT"])).fillna("")
    dm["DTHFL"] = np.where(dm["DTHDTC"].ne(""), "Y", "")
    # BRTHDTC: dm.csv BRTHDAT (partial allowed); AGE at consent with mid-range imputation; AGEU
    dm["BRTHDTC"] = to_dtc(raw["BRTHDAT"])
    dm["AGE"] = age(dm["BRTHDTC"], dm["RFICDTC"])
    dm["AGEU"] = np.where(dm["AGE"].notna(), YEARS, "")
    # SEX, RACE, ETHNIC: collected values -> CT
    dm["SEX"] = map_ct(raw["SEX"], ctx.codelist("SEX"), source="dm.csv SEX", rows=raw["RAW_ROW"])
    dm["RACE"] = map_ct(raw["RACE"], ctx.codelist("RACE"), source="dm.csv RACE", rows=raw["RAW_ROW"])
    dm["ETHNIC"] = map_ct(raw["ETHNIC"], ctx.codelist("ETHNIC"), source="dm.csv ETHNIC", rows=raw["RAW_ROW"])
    # ARMCD/ARM: cohort assigned at enrolment (apher.csv DOSELVL); ACTARMCD/ACTARM: dose level infused (inf.csv)
    apher = ctx.raw.form("apher").set_index("SUBJID")
    dm = dm.assign(**arms(subj.map(apher["DOSELVL"]).fillna(""), ctx, source="apher.csv DOSELVL"))
    dm = dm.assign(**{f"ACT{k}": v for k, v in arms(subj.map(inf["DOSELVL"]).fillna(""), ctx,
                                                     source="inf.csv DOSELVL").items()})
    # RFENDTC (subjects with an arm, infused or not): end-of-study disposition date (ds.csv DSSTDAT), else last
    # contact (MT.DM.RFENDTC)
    ended = subj.map(study_end_dates(ctx.raw.form("ds"), ctx)).fillna("")
    dm["RFENDTC"] = np.where(dm["ARMCD"].eq(""), "", ended.where(ended.ne(""), dm["RFPENDTC"]))
    # ARMNRS: screen failure (ds.csv), assigned a cohort but never infused, or neither (in screening at the cut)
    failed = subj.isin(screen_failures(ctx.raw.form("ds"), ctx))
    dm["ARMNRS"] = np.select([failed, dm["ARMCD"].ne("") & dm["ACTARMCD"].eq(""), dm["ARMCD"].eq("")],
                             [SCREEN_FAILURE, NOT_TREATED, NOT_ASSIGNED], "")
    # COUNTRY: study header (single site)
    dm["COUNTRY"] = ctx.spec.study.country

    used = pd.concat([lineage_of(ctx.raw.form("ic"), subj), lineage_of(ctx.raw.form("inf"), subj),
                      lineage_of(ctx.raw.form("apher"), subj),
                      dth[list(LINEAGE)]], ignore_index=True)
    return [DomainResult("DM", dm, rejected=dth_rejected, used=used)]


def _refuse_other_sites(ic: pd.DataFrame, site: str) -> None:
    """A consent at another site than the study's one (study.toml `siteid`) is a `MappingError` naming ic.csv's
    rows: in a single-centre study "1" for "001" is a site lost to a spreadsheet, not a second site."""
    if site:
        refuse_records(ic["SITEID"].ne(site), ic["SITEID"], source="ic.csv SITEID", rows=ic["RAW_ROW"],
                       what=f"site(s) other than the study's site {site!r} (study.toml siteid)")


def _refuse_deaths_before_infusion(dth: pd.DataFrame, inf: pd.DataFrame) -> None:
    """A complete death date before the subject's infusion date is a `MappingError` naming dth.csv's rows (ADSL
    would only have named the subject)."""
    infusion = to_dtc(dth["SUBJID"].map(inf["INFDAT"]).fillna(""))
    refuse_dated(to_dtc(dth["DTHDAT"]), infusion, relation="before", limit_name="inf.csv INFDAT",
                 source="dth.csv DTHDAT", rows=dth["RAW_ROW"], what="death date(s) before the subject's infusion")


def _refuse_partial_dates(form: pd.DataFrame, field: str, *, name: str, why: str) -> None:
    """A date without its day or month is a `MappingError` naming the form's rows where a partial date has no
    meaning: the infusion is Day 1 (ADPC had stopped on keys of no time), a death ends overall survival (ADSL left
    a partial one null: the death was censored), a consent is signed and dated (AGE failed, naming no row)."""
    refuse_records(to_dtc(form[field]).str.len().lt(len("YYYY-MM-DD")), form[field], source=f"{name}.csv {field}",
                   rows=form["RAW_ROW"], what=why)


def _refuse_infusions_before_consent(inf: pd.DataFrame, consent: pd.DataFrame) -> None:
    """An infusion dated before the subject's first informed consent is a `MappingError` naming inf.csv's rows:
    DM's reference dates, the analysis flags and the PFS and DOR records would all have followed it."""
    consented = inf["SUBJID"].map(consent["RFICDTC"]).fillna("")
    refuse_dated(to_dtc(inf["INFDAT"]), consented, relation="before", limit_name="the first ic.csv ICDAT",
                 source="inf.csv INFDAT", rows=inf["RAW_ROW"],
                 what="infusion date(s) before the subject's first informed consent")


def exposure_dates(ld: pd.DataFrame, inf: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Earliest start and latest end (ISO 8601) of the EX records by SUBJID: each lymphodepletion dosing day
    (date only) and the infusion (date and times)."""
    return exposure_span(pd.concat([ld["SUBJID"], inf["SUBJID"]]),
                         pd.concat([to_dtc(ld["LDDAT"]), to_dtc(inf["INFDAT"], inf["INFSTTIM"])]),
                         pd.concat([to_dtc(ld["LDDAT"]), to_dtc(inf["INFDAT"], inf["INFENTIM"])]))


def first_consent(ic: pd.DataFrame) -> pd.DataFrame:
    """RFICDTC (earliest ICDAT) and the SITEID of that consent, indexed by SUBJID."""
    ic = ic.assign(RFICDTC=to_dtc(ic["ICDAT"])).sort_values(["SUBJID", "RFICDTC"], kind="mergesort")
    return ic.drop_duplicates("SUBJID").set_index("SUBJID")[["RFICDTC", "SITEID"]]


def last_raw_dates(raw: RawStudy, cut: str) -> pd.Series:
    """Latest complete date (ISO 8601) on or before `cut` per SUBJID over every field the EDC dictionary types as
    a date (an end date after the cut, of a record that began before it, is no date known at the cut), each
    subject's distinct dates of a field once (LB's 700,000 records at 5,000 subjects hold 40,000 pairs)."""
    fields = raw.dictionary[raw.dictionary["TYPE"].eq("date")]
    dates = pd.concat([_subject_dates(raw.forms[form][["SUBJID", field]])
                       for form, field in zip(fields["FORM"], fields["FIELD"], strict=True)], ignore_index=True)
    complete = dates[dates["DTC"].str.len().eq(10) & dates["DTC"].le(cut)]
    return text_extreme(complete["DTC"], complete["SUBJID"], "max")


def _subject_dates(records: pd.DataFrame) -> pd.DataFrame:
    """The distinct (SUBJID, date) pairs of a form's SUBJID and date field, the date as ISO 8601 (DTC)."""
    _, first = distinct_rows(records)
    pairs = records.iloc[first]
    return pd.DataFrame({"SUBJID": pairs.iloc[:, 0], "DTC": to_dtc(pairs.iloc[:, 1])})


def study_end_dates(ds: pd.DataFrame, ctx: StudyContext) -> pd.Series:
    """Date of the disposition that ended participation (last TA epoch, or a non-completion reason), by SUBJID."""
    decod = map_ct(ds["DSDECOD"], ctx.codelist("NCOMPLT"), source="ds.csv DSDECOD", rows=ds["RAW_ROW"])
    epoch = map_ct(ds["DSEPOCH"], ctx.codelist("EPOCH"), source="ds.csv DSEPOCH", rows=ds["RAW_ROW"])
    last_epoch = ctx.dataset("TA").sort_values("TAETORD")["EPOCH"].iloc[-1]
    ends = decod.ne(COMPLETED) | epoch.eq(last_epoch)
    return text_extreme(to_dtc(ds.loc[ends, "DSSTDAT"]), ds.loc[ends, "SUBJID"], "max")


def screen_failures(ds: pd.DataFrame, ctx: StudyContext) -> pd.Series:
    decod = map_ct(ds["DSDECOD"], ctx.codelist("NCOMPLT"), source="ds.csv DSDECOD", rows=ds["RAW_ROW"])
    return ds.loc[decod.eq(SCREEN_FAILURE), "SUBJID"]


def impute_birth_date(brthdtc: pd.Series) -> pd.Series:
    """Partial birth date -> middle of its range: `YYYY` -> `YYYY-07-01`, `YYYY-MM` -> `YYYY-MM-15`.

    >>> impute_birth_date(pd.Series(["1972", "1974-12", "1974-09-17", ""])).tolist()
    ['1972-07-01', '1974-12-15', '1974-09-17', '']
    """
    n = brthdtc.str.len()
    return pd.Series(np.select([n.eq(4), n.eq(7)], [brthdtc + "-07-01", brthdtc + "-15"], brthdtc),
                     index=brthdtc.index)


def age(brthdtc: pd.Series, ref_dtc: pd.Series) -> pd.Series:
    """Completed years from the (imputed) birth date to the reference date; NaN when either is missing."""
    born, ref = dtc_date(impute_birth_date(brthdtc)), dtc_date(ref_dtc)
    before_birthday = ((ref.dt.month * 100 + ref.dt.day) < (born.dt.month * 100 + born.dt.day)).astype(float)
    return (ref.dt.year - born.dt.year - before_birthday).where(born.notna() & ref.notna())


def arms(doselvl: pd.Series, ctx: StudyContext, *, source: str) -> dict[str, pd.Series]:
    """ARMCD and ARM from a collected dose level (TA gives the arm description)."""
    armcd = map_ct(doselvl, ctx.codelist("ARMCD"), source=source)
    arm = armcd.map(ctx.dataset("TA").drop_duplicates("ARMCD").set_index("ARMCD")["ARM"]).fillna("")
    return {"ARMCD": armcd, "ARM": arm}


def lineage_of(form: pd.DataFrame, subjects: pd.Series) -> pd.DataFrame:
    """Lineage of the rows of known subjects (rows of unknown subjects are rejected by their own domain)."""
    return form.loc[form["SUBJID"].isin(subjects), list(LINEAGE)]
