"""Cross-dataset SDTM conformance rules that a per-dataset suite cannot express.

Each rule cites its source (CDISC conformance rule or FDA business rule id, see docs/VALIDATION.md) and
returns `Issue`s whose code is that id. The rules read only standard SDTM variables, so they hold for any
study.
"""
from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from cdisc.dates import study_day
from cdisc.issues import Issue

Datasets = dict[str, pd.DataFrame]
MAX_SHOWN = 5
TS_REQUIRED = ("AGEMAX", "AGEMIN", "LENGTH", "PLANSUB", "RANDOM", "SEXPOP", "STOPRULE", "TBLIND", "TCNTRL",
               "TPHASE", "OBJPRIM", "SPONSOR", "OUTMSPRI", "FCNTRY", "DCUTDTC", "DCUTDESC", "SSTDTC", "SENDTC",
               "ACTSUB", "HLTSUBJI")
BASELINE_DOMAINS = ("LB", "VS", "EG", "PC")


def _flag(code: str, dataset: str, df: pd.DataFrame, mask: pd.Series, message: str, variable: str = "") -> list[Issue]:
    if not mask.any():
        return []
    rows = df.index[mask]
    who = sorted(set(df.loc[rows, "USUBJID"])) if "USUBJID" in df else []
    shown = ", ".join(who[:MAX_SHOWN]) if who else ", ".join(str(i + 1) for i in rows[:MAX_SHOWN])
    value = str(df.at[rows[0], variable]) if variable else ""
    return [Issue("error", code, dataset, f"{len(rows)} record(s): {message} (e.g. {shown})",
                  variable=variable, value=value)]


def subjects_in_dm(data: Datasets) -> list[Issue]:
    """Every USUBJID of a subject-level dataset has a DM record (SDTMIG 3.4 §4.1.2)."""
    known = set(data["DM"]["USUBJID"])
    return [i for name, df in sorted(data.items()) if name not in ("DM",) and "USUBJID" in df
            for i in _flag("SD0083", name, df, df["USUBJID"].ne("") & ~df["USUBJID"].isin(known),
                           "USUBJID is not in DM", "USUBJID")]


def study_days(data: Datasets) -> list[Issue]:
    """--DY equals the days from DM.RFSTDTC to --DTC, with no Day 0 (FDAB016/FDAB032, SDTMIG §4.4.4)."""
    ref = data["DM"].set_index("USUBJID")["RFSTDTC"]
    out = []
    for name, df in sorted(data.items()):
        for dy in [c for c in df.columns if c.endswith("DY") and c[:-2] + "DTC" in df.columns]:
            dtc = dy[:-2] + "DTC"
            expected = study_day(df[dtc], df["USUBJID"].map(ref).fillna(""))
            wrong = ~((expected == df[dy]) | (expected.isna() & df[dy].isna()))
            out += _flag("FDAB032", name, df, wrong, f"{dy} does not match {dtc} and DM.RFSTDTC", dy)
    return out


def epoch_populated(data: Datasets) -> list[Issue]:
    """EPOCH is populated for observations dated on or after the subject's first element (FDAB022)."""
    first = data["SE"].groupby("USUBJID")["SESTDTC"].min().str.slice(0, 10)
    out = []
    for name, df in sorted(data.items()):
        if "EPOCH" not in df or name in ("SE", "TA"):
            continue
        dtc = next((c for c in (f"{name}STDTC", f"{name}DTC") if c in df.columns), None)
        if dtc is None:
            continue
        day = df[dtc].str.slice(0, 10)
        start = df["USUBJID"].map(first).fillna("9999")
        missing = day.str.len().eq(10) & (day >= start) & df["EPOCH"].eq("")
        out += _flag("FDAB022", name, df, missing, f"EPOCH is empty though {dtc} is within the subject's elements",
                     "EPOCH")
    return out


def baseline_flags(data: Datasets) -> list[Issue]:
    """Each treated subject has a baseline (--LOBXFL = Y) record in LB, VS, EG and PC (FDAC113)."""
    treated = set(data["DM"].loc[data["DM"]["RFSTDTC"].ne(""), "USUBJID"])
    out = []
    for name in BASELINE_DOMAINS:
        df = data.get(name)
        flag = f"{name}LOBXFL"
        if df is None or flag not in df:
            continue
        with_base = set(df.loc[df[flag].eq("Y"), "USUBJID"])
        lacking = sorted(treated - with_base)
        if lacking:
            out.append(Issue("error", "FDAC113", name, f"{len(lacking)} treated subject(s) have no baseline "
                             f"record (e.g. {', '.join(lacking[:MAX_SHOWN])})", variable=flag))
    return out


def not_done(data: Datasets) -> list[Issue]:
    """--STAT = NOT DONE means no result and a reason (FDAB042)."""
    out = []
    for name, df in sorted(data.items()):
        stat, orres, reasnd = f"{name}STAT", f"{name}ORRES", f"{name}REASND"
        if stat in df and orres in df:
            nd = df[stat].eq("NOT DONE")
            out += _flag("FDAB042", name, df, nd & df[orres].ne(""), "not done but a result is given", orres)
            if reasnd in df:
                out += _flag("FDAB042", name, df, nd & df[reasnd].eq(""), "not done without a reason", reasnd)
    return out


def standard_units(data: Datasets) -> list[Issue]:
    """One standard unit per test (and category/specimen) (FDAB030)."""
    out = []
    for name, df in sorted(data.items()):
        testcd, stresu = f"{name}TESTCD", f"{name}STRESU"
        if testcd not in df or stresu not in df:
            continue
        by = [testcd] + [c for c in (f"{name}CAT", f"{name}SPEC") if c in df]
        n = df[df[stresu].ne("")].groupby(by)[stresu].nunique()
        for key in n[n > 1].index:
            out.append(Issue("error", "FDAB030", name, "more than one standard unit for one test",
                             variable=stresu, value=str(key)))
    return out


def trial_summary(data: Datasets) -> list[Issue]:
    """TS carries every parameter CDISC rule CG0287 requires."""
    present = set(data["TS"]["TSPARMCD"])
    return [Issue("error", "CG0287", "TS", "required trial summary parameter is missing", variable="TSPARMCD",
                  value=p) for p in TS_REQUIRED if p not in present]


def death_consistency(data: Datasets) -> list[Issue]:
    """A DS death record means DM.DTHFL = Y and DM.DTHDTC = the DS death date (CORE-000740, FB0611)."""
    dm, ds = data["DM"].set_index("USUBJID"), data["DS"]
    deaths = ds[ds["DSDECOD"].eq("DEATH")]
    bad_flag = deaths["USUBJID"].map(dm["DTHFL"]).ne("Y")
    bad_date = deaths["USUBJID"].map(dm["DTHDTC"]).str.slice(0, 10) != deaths["DSSTDTC"].str.slice(0, 10)
    return (_flag("CORE-000740", "DS", deaths, bad_flag, "death in DS but DM.DTHFL is not Y", "USUBJID")
            + _flag("FB0611", "DS", deaths, bad_date, "DS death date differs from DM.DTHDTC", "DSSTDTC"))


def fatal_ae_death_date(data: Datasets) -> list[Issue]:
    """The end of an AE with outcome FATAL equals the subject's DM.DTHDTC (CORE-000841, FDA FB0612)."""
    ae = data["AE"]
    fatal = ae[ae["AEOUT"].eq("FATAL")]
    death = fatal["USUBJID"].map(data["DM"].set_index("USUBJID")["DTHDTC"]).fillna("")
    return _flag("CORE-000841", "AE", fatal, fatal["AEENDTC"].ne(death),
                 "AEOUT = FATAL but AEENDTC differs from DM.DTHDTC", "AEENDTC")


def meddra_codes(data: Datasets) -> list[Issue]:
    """In an Events domain coded with MedDRA, --BODSYS has its code --BDSYCD (CORE-000024, CG0082) and the
    primary SOC --SOC equals --BODSYS (CORE-000264, CG0039)."""
    out = []
    for name, df in sorted(data.items()):
        prefix = name[:2]
        if f"{prefix}BODSYS" not in df or f"{prefix}BDSYCD" not in df:
            continue
        bodsys = df[f"{prefix}BODSYS"]
        out += _flag("CORE-000024", name, df, bodsys.ne("") & df[f"{prefix}BDSYCD"].isna(),
                     f"{prefix}BODSYS is populated but {prefix}BDSYCD is not", f"{prefix}BODSYS")
        if f"{prefix}SOC" in df:
            out += _flag("CORE-000264", name, df, df[f"{prefix}SOC"].ne(bodsys),
                         f"{prefix}SOC differs from {prefix}BODSYS", f"{prefix}SOC")
    return out


def informed_consent(data: Datasets) -> list[Issue]:
    """DM.RFICDTC equals the earliest DS informed consent date (CDISC conformance rule)."""
    ds = data["DS"]
    consent = ds[ds["DSDECOD"].eq("INFORMED CONSENT OBTAINED")].groupby("USUBJID")["DSSTDTC"].min()
    dm = data["DM"]
    wrong = dm["USUBJID"].map(consent).fillna("") != dm["RFICDTC"]
    return _flag("SD1265", "DM", dm, wrong, "RFICDTC is not the earliest informed consent in DS", "RFICDTC")


def serious_flags(data: Datasets) -> list[Issue]:
    """AESER = Y has at least one seriousness criterion Y, and AESER = N has none (SDTMIG AE assumptions)."""
    ae = data["AE"]
    crit = [c for c in ("AESDTH", "AESLIFE", "AESHOSP", "AESDISAB", "AESCONG", "AESMIE") if c in ae]
    anyy = ae[crit].eq("Y").any(axis=1)
    return (_flag("SD1053", "AE", ae, ae["AESER"].eq("Y") & ~anyy, "serious without a seriousness criterion", "AESER")
            + _flag("SD1053", "AE", ae, ae["AESER"].eq("N") & anyy, "not serious but a criterion is Y", "AESER"))


def treated_have_exposure(data: Datasets) -> list[Issue]:
    """All treated subjects have exposure records (FDAB023)."""
    dm = data["DM"]
    lacking = dm["RFXSTDTC"].ne("") & ~dm["USUBJID"].isin(set(data["EX"]["USUBJID"]))
    return _flag("FDAB023", "DM", dm, lacking, "treated subject without EX records", "USUBJID")


def adsl_variables_match(data: Datasets) -> list[Issue]:
    """A variable present in ADSL and in another ADaM dataset has the same value for the subject
    (ADaMIG 1.3 §3.2: "same values, type, and label")."""
    adsl = data["ADSL"].set_index("USUBJID")
    out = []
    for name, df in sorted(data.items()):
        if name == "ADSL" or "USUBJID" not in df:
            continue
        for col in [c for c in df.columns if c in adsl.columns and c not in ("STUDYID", "USUBJID")]:
            expected = df["USUBJID"].map(adsl[col])
            same = (expected == df[col]) | (expected.isna() & df[col].isna())
            out += _flag("ADSL-CONSISTENCY", name, df, ~same, f"{col} differs from ADSL.{col}", col)
    return out


RULES: tuple[tuple[tuple[str, ...], Callable[[Datasets], list[Issue]]], ...] = (
    (("DM",), subjects_in_dm),
    (("DM",), study_days),
    (("SE",), epoch_populated),
    (("DM",), baseline_flags),
    ((), not_done),
    ((), standard_units),
    (("TS",), trial_summary),
    (("DM", "DS"), death_consistency),
    (("DM", "DS"), informed_consent),
    (("DM", "AE"), fatal_ae_death_date),
    ((), meddra_codes),
    (("AE",), serious_flags),
    (("DM", "EX"), treated_have_exposure),
    (("ADSL",), adsl_variables_match),
)


def check_rules(data: Datasets) -> list[Issue]:
    """Run every rule whose datasets are part of the submission."""
    return [i for needs, rule in RULES if all(n in data for n in needs) for i in rule(data)]
