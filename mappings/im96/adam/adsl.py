"""ADSL: one record per subject in DM (screen failures included).

Rules and their SDTM sources are in specs/im96/adam/methods/adsl.csv (MT.ADSL.*); the code follows them
step by step. Treatment = the single IM96 CAR-T infusion (its EX record); lymphodepletion is kept apart.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from cdisc.context import AnalysisContext, DomainResult
from cdisc.derive.dates import compute_study_day, derive_var_extreme_dt, derive_vars_dt
from cdisc.errors import DerivationError
from mappings.im96.adam.adae import ae_with_dates

DM_COPY = ["STUDYID", "USUBJID", "SUBJID", "SITEID", "AGE", "AGEU", "SEX", "RACE", "ETHNIC", "COUNTRY", "ARM",
           "ACTARM", "DTHFL"]
# MT.ADSL.LSTALVDT: SDTM dates that show the subject alive (CM/MH dates are not contact dates).
# DS records whose date is no contact with a living subject: the date the site gave up reaching the subject, and death.
NOT_CONTACT = ("LOST TO FOLLOW-UP", "DEATH")
ALIVE_SOURCES = ["DM.RFICDTC", "DS.DSSTDTC", "SV.SVSTDTC", "SV.SVENDTC", "PR.PRSTDTC", "EX.EXSTDTC", "EX.EXENDTC",
                 "AE.AESTDTC", "AE.AEENDTC", "LB.LBDTC", "VS.VSDTC", "EG.EGDTC", "TR.TRDTC", "RS.RSDTC", "PC.PCDTC"]
INVESTIGATIONAL = "INVESTIGATIONAL PRODUCT"  # EXCAT of the IM96 CAR-T infusion
DLT_WINDOW = (1, 28)  # protocol: DLT observation Day 1-28 after the infusion
AGE_CUT = 65  # MT.ADSL.AGEGR1


def build(ctx: AnalysisContext) -> list[DomainResult]:
    dm = ctx.sdtm("DM")
    # Identifiers and demographics copied from DM (Origin Predecessor); AGEGR1/AGEGR1N (MT.ADSL.AGEGR1)
    adsl = dm[DM_COPY].assign(AGEGR1=np.where(dm["AGE"] < AGE_CUT, "<65", ">=65"),
                              AGEGR1N=np.where(dm["AGE"] < AGE_CUT, 1, 2))
    # TRT01P/TRT01PN, TRT01A/TRT01AN (MT.ADSL.TRT01P, MT.ADSL.TRT01A)
    adsl = _treatments(adsl, dm, ctx.sdtm("EX"), ctx.spec.codelist("TRTN").terms)
    # TRTSDTM/TRTSDT, TRTEDTM/TRTEDT = the infusion; RFICDT; DTHDT (MT.ADSL.TRTSDTM, TRTEDTM, RFICDT, DTHDT)
    adsl = _reference_dates(adsl, dm, ctx.sdtm("EX"))
    # APHERDT (PR), LDSTDT/LDENDT (EX lymphodepleting chemotherapy)
    adsl = _milestones(adsl, ctx.sdtm("PR"), ctx.sdtm("EX"))
    # EOSSTT, EOSDT, DCSREAS from the end-of-study DS record (MT.ADSL.EOSSTT)
    adsl = _disposition(adsl, ctx.sdtm("DS"), _design(ctx, "ta"))
    # DTHCAUS: primary cause of death from DD (MT.ADSL.DTHCAUS)
    dd = ctx.sdtm("DD")
    causes = dd[dd["DDTESTCD"] == "PRCDTH"].drop_duplicates("USUBJID").set_index("USUBJID")["DDSTRESC"]
    adsl = adsl.assign(DTHCAUS=adsl["USUBJID"].map(causes).fillna(""))
    # LSTALVDT: death date, else the latest complete SDTM date up to the data cut (MT.ADSL.LSTALVDT)
    adsl = _last_alive(adsl, ctx)
    # Population flags ENRLFL, SAFFL, DLTEVLFL, EFFFL (Y/N, never null)
    adsl = _populations(adsl, ctx)
    return [DomainResult("ADSL", adsl)]


def _design(ctx: AnalysisContext, name: str) -> pd.DataFrame:
    """A protocol table from the study's design folder, all text (AnalysisContext has no `design()`)."""
    return pd.read_csv(ctx.design_dir / f"{name}.csv", dtype=str, keep_default_na=False, na_filter=False)


def _dtm(values: pd.Series) -> pd.Series:
    """ISO 8601 date/datetime text -> datetime64 (blank -> NaT)."""
    return pd.to_datetime(values.replace("", None), format="ISO8601")


def _treatments(adsl: pd.DataFrame, dm: pd.DataFrame, ex: pd.DataFrame, trtn_terms) -> pd.DataFrame:
    code = {t.decoded: float(t.term) for t in trtn_terms}
    infused = ex.loc[(ex["EXCAT"] == INVESTIGATIONAL) & (ex["EXDOSE"] > 0), "USUBJID"].unique()
    has_ex = adsl["USUBJID"].isin(infused)
    mismatch = adsl.loc[has_ex != adsl["ACTARM"].ne(""), "USUBJID"].tolist()
    if mismatch:
        raise DerivationError(f"ADSL: {len(mismatch)} subject(s) have an IM96 infusion in EX without DM.ACTARM "
                              f"or DM.ACTARM without an EX infusion ({mismatch[:5]}); fix DM/EX before ADaM.")
    unknown = sorted(set(adsl["ARM"]) - set(code) - {""})
    if unknown:
        raise DerivationError(f"ADSL: DM.ARM value(s) {unknown} are not decodes of codelist TRTN in the ADaM spec")
    trt01a = adsl["ACTARM"].where(has_ex, "")
    return adsl.assign(TRT01P=adsl["ARM"], TRT01PN=adsl["ARM"].map(code),
                       TRT01A=trt01a, TRT01AN=trt01a.map(code))


def _reference_dates(adsl: pd.DataFrame, dm: pd.DataFrame, ex: pd.DataFrame) -> pd.DataFrame:
    infusion = ex[(ex["EXCAT"] == INVESTIGATIONAL) & (ex["EXDOSE"] > 0)]
    infusion = infusion.assign(EXENDTC=infusion["EXENDTC"].where(infusion["EXENDTC"] != "", infusion["EXSTDTC"]))
    start = _per_subject(adsl["USUBJID"], _dtm(infusion["EXSTDTC"]).groupby(infusion["USUBJID"]).min())
    end = _per_subject(adsl["USUBJID"], _dtm(infusion["EXENDTC"]).groupby(infusion["USUBJID"]).max())
    out = adsl.assign(TRTSDTM=start, TRTSDT=start.dt.normalize(), TRTEDTM=end, TRTEDT=end.dt.normalize(),
                      RFICDT=derive_vars_dt(dm, new_vars_prefix="X", dtc="RFICDTC")["XDT"],
                      DTHDT=derive_vars_dt(dm, new_vars_prefix="X", dtc="DTHDTC")["XDT"])
    partial = out.loc[dm["DTHDTC"].ne("") & out["DTHDT"].isna(), "USUBJID"].tolist()
    if partial:  # a null DTHDT would censor the death in OS
        raise DerivationError(f"ADSL: {len(partial)} subject(s) have a partial death date (DM.DTHDTC): "
                              f"{partial[:5]}; overall survival needs the day of death.")
    before = out.loc[out["DTHDT"] < out["TRTSDT"], "USUBJID"].tolist()
    if before:
        raise DerivationError(f"ADSL: {len(before)} subject(s) died before the IM96 infusion (DM.DTHDTC < "
                              f"the EX infusion): {before[:5]}; the infusion or death date is wrong in SDTM.")
    return out


def _first_date(df: pd.DataFrame, mask: pd.Series, dtc: str, how: str) -> pd.Series:
    """Earliest ('min') or latest ('max') complete date of `dtc` per USUBJID among rows in `mask`."""
    rows = df[mask]
    dates = derive_vars_dt(rows, new_vars_prefix="X", dtc=dtc)["XDT"]
    return dates.groupby(rows["USUBJID"]).agg(how)


def _per_subject(subjects: pd.Series, values: pd.Series) -> pd.Series:
    """`values` (indexed by USUBJID) on each subject's row; NaT where a subject has none (also when no subject
    has one: Series.map with an empty datetime mapper gives floats)."""
    return values.reindex(subjects.to_numpy()).set_axis(subjects.index)


def _milestones(adsl: pd.DataFrame, pr: pd.DataFrame, ex: pd.DataFrame) -> pd.DataFrame:
    apher = (pr["PRTRT"] == "LEUKAPHERESIS") & (pr["PROCCUR"] != "N")
    ld = (ex["EXCAT"] == "LYMPHODEPLETING CHEMOTHERAPY") & (ex["EXDOSE"] > 0)
    ex_end = ex.assign(EXENDTC=ex["EXENDTC"].where(ex["EXENDTC"] != "", ex["EXSTDTC"]))
    subj = adsl["USUBJID"]
    return adsl.assign(APHERDT=_per_subject(subj, _first_date(pr, apher, "PRSTDTC", "min")),
                       LDSTDT=_per_subject(subj, _first_date(ex, ld, "EXSTDTC", "min")),
                       LDENDT=_per_subject(subj, _first_date(ex_end, ld, "EXENDTC", "max")))


def _disposition(adsl: pd.DataFrame, ds: pd.DataFrame, ta: pd.DataFrame) -> pd.DataFrame:
    last_epoch = ta.sort_values("TAETORD", key=lambda s: s.astype(int))["EPOCH"].iloc[-1]
    ends = ds[(ds["DSCAT"] == "DISPOSITION EVENT") & ((ds["EPOCH"] == last_epoch) | (ds["DSDECOD"] != "COMPLETED"))]
    ends = ends.sort_values(["USUBJID", "DSSTDTC"]).groupby("USUBJID").tail(1).set_index("USUBJID")
    decod = adsl["USUBJID"].map(ends["DSDECOD"]).fillna("")
    status = np.select([decod == "", decod == "COMPLETED"], ["ONGOING", "COMPLETED"], "DISCONTINUED")
    return adsl.assign(EOSSTT=status, EOSDT=_dtm(adsl["USUBJID"].map(ends["DSSTDTC"]).fillna("")).dt.normalize(),
                       DCSREAS=np.where(status == "DISCONTINUED", decod, ""))


def _last_alive(adsl: pd.DataFrame, ctx: AnalysisContext) -> pd.DataFrame:
    dates: dict[str, list[str]] = {}
    for source in ALIVE_SOURCES:
        domain, _, variable = source.partition(".")
        dates.setdefault(domain, ["USUBJID"]).append(variable)
    domains = {d: _contacts(ctx.sdtm(d), d, columns) for d, columns in sorted(dates.items())}
    alive = derive_var_extreme_dt(adsl, dataset_add=domains, by=["USUBJID"],
                                  new_var="LSTALVDT", sources=ALIVE_SOURCES, upper=ctx.spec.study.data_cut)
    return alive.assign(LSTALVDT=alive["DTHDT"].where(alive["DTHDT"].notna(), alive["LSTALVDT"]))


def _contacts(df: pd.DataFrame, domain: str, columns: list[str]) -> pd.DataFrame:
    """The `columns` of the records of SDTM `domain` that date a contact (`is_contact`)."""
    return df.loc[is_contact(df, domain), columns]


def is_contact(df: pd.DataFrame, domain: str) -> pd.Series:
    """Whether each record of SDTM `domain` dates a contact with the living subject (MT.ADSL.LSTALVDT): DS all but
    NOT_CONTACT; elsewhere all but a test not done (--STAT = NOT DONE) or an event that did not occur
    (--OCCUR = N), whose date may be a planned visit the subject missed."""
    if domain == "DS":
        return ~df["DSDECOD"].isin(NOT_CONTACT)
    keep = pd.Series(True, index=df.index)
    for col, value in ((f"{domain}STAT", "NOT DONE"), (f"{domain}OCCUR", "N")):
        if col in df:
            keep &= df[col].ne(value)
    return keep


def _populations(adsl: pd.DataFrame, ctx: AnalysisContext) -> pd.DataFrame:
    saffl = adsl["TRTSDT"].notna()
    followed = compute_study_day(adsl["LSTALVDT"], adsl["TRTSDT"]) >= DLT_WINDOW[1]
    ae = ae_with_dates(ctx.sdtm("AE"), ctx.sdtm("SUPPAE"), adsl)
    dlt = ae[(ae["AEDLT"] == "Y") & ae["ASTDY"].between(*DLT_WINDOW)]
    tu = ctx.sdtm("TU")
    target = tu[(tu["TUTESTCD"] == "TUMIDENT") & (tu["TUSTRESC"] == "TARGET") & (tu["TULOBXFL"] == "Y")]
    flags = {"ENRLFL": adsl["APHERDT"].notna(), "SAFFL": saffl,
             "DLTEVLFL": saffl & (followed | adsl["USUBJID"].isin(dlt["USUBJID"])),
             "EFFFL": saffl & adsl["USUBJID"].isin(target["USUBJID"])}
    return adsl.assign(**{k: np.where(v, "Y", "N") for k, v in flags.items()})
