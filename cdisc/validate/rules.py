"""Cross-dataset SDTM conformance rules that a per-dataset suite cannot express.

Each rule returns `Issue`s whose code is a published id: the FDA Validator Rule id (SDnnnn, as catalogued by
Pinnacle 21), else the SDTMIG Conformance Rule (CGnnnn, v2.0) or FDA Business Rule (FBnnnn, v1.5) id; a check
with no published id has a project id `CCV-nnnn`. docs/VALIDATION.md lists each id with its references. The rules
read only standard SDTM and ADaM variables, so they hold for any study.
"""
from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pandas as pd

from cdisc.dates import days_from, dtc_date
from cdisc.distinct import (
    by_distinct,
    distinct_rows,
    distinct_rows_of,
    distinct_values,
    in_set,
    positions_in,
    text_extreme,
)
from cdisc.failure import describe
from cdisc.issues import Issue
from cdisc.validate.finding import RuleStatus

Datasets = dict[str, pd.DataFrame]
MAX_SHOWN = 5
# TS parameters required of an interventional study: CG0287 (the SDTMIG 3.4 Appendix C list: AGEMAX ... HLTSUBJI),
# FDA TCG / TRC 1734 (SSTDTC) and, for STYPE INTERVENTIONAL, CG0276/CG0277/CG0279 (TRT, INTMODEL, PCLAS) with
# INTTYPE; plus the trial identity FDA's study data validator expects (TITLE, TTYPE, STYPE, TINDTP, INDIC, TDIGRP,
# REGID, ADDON, NARMS, SDTMVER, SDTIGVER) and the FDA Technical Conformance Guide's indicators (EXTTIND, NCOHORT,
# ONGOSIND, PDSTIND, PDPSTIND, PIPIND, RDIND, OBJSEC, THERAREA).
TS_REQUIRED = ("AGEMAX", "AGEMIN", "LENGTH", "PLANSUB", "RANDOM", "SEXPOP", "STOPRULE", "TBLIND", "TCNTRL",
               "TPHASE", "OBJPRIM", "SPONSOR", "OUTMSPRI", "FCNTRY", "DCUTDTC", "DCUTDESC", "SSTDTC", "SENDTC",
               "ACTSUB", "HLTSUBJI", "TRT", "INTMODEL", "INTTYPE", "PCLAS", "TITLE", "TTYPE", "STYPE", "TINDTP",
               "INDIC", "TDIGRP", "REGID", "ADDON", "NARMS", "SDTMVER", "SDTIGVER", "EXTTIND", "NCOHORT", "ONGOSIND",
               "PDSTIND", "PDPSTIND", "PIPIND", "RDIND", "OBJSEC", "THERAREA")
TS_INTERVENTIONAL_VALUED = ("INTMODEL", "INTTYPE", "PCLAS")  # CORE-000741: a value, not a null flavour
# FDA Validator Rule ids of the TS parameters that have their own (CG0287 behind each); others report CG0287.
TS_RULE_IDS = {"ADDON": "SD2201", "AGEMAX": "SD2202", "AGEMIN": "SD2203", "LENGTH": "SD2204", "PLANSUB": "SD2205",
               "RANDOM": "SD2206", "SEXPOP": "SD2207", "STOPRULE": "SD2208", "TBLIND": "SD2209", "TCNTRL": "SD2210"}
BASELINE_DOMAINS = ("LB", "VS", "EG", "PC")


def _flag(code: str, dataset: str, df: pd.DataFrame, mask: pd.Series | np.ndarray, message: str, variable: str = "",
          severity: str = "error") -> list[Issue]:
    if not mask.any():
        return []
    rows = df.index[mask]
    who = sorted({str(x) for x in df.loc[rows, "USUBJID"]}) if "USUBJID" in df else []
    shown = ", ".join(who[:MAX_SHOWN]) if who else ", ".join(str(i + 1) for i in rows[:MAX_SHOWN])
    value = str(df.at[rows[0], variable]) if variable else ""
    return [Issue(severity, code, dataset, f"{len(rows)} record(s): {message} (e.g. {shown})",
                  variable=variable, value=value, count=len(rows))]


def by_subject(df: pd.DataFrame) -> pd.DataFrame:
    """A subject-level dataset (DM, ADSL) indexed by USUBJID, a subject's first record only: a USUBJID given twice
    is a finding of the key checks, and must not stop the rules that look a subject up."""
    return df.drop_duplicates("USUBJID").set_index("USUBJID")


def subjects_in_dm(data: Datasets) -> list[Issue]:
    """Every USUBJID of a subject-level dataset has a DM record (SD0064, CG0029)."""
    known = set(data["DM"]["USUBJID"])
    return [i for name, df in sorted(data.items()) if name not in ("DM",) and "USUBJID" in df
            for i in _flag("SD0064", name, df, ~in_set(df["USUBJID"], known | {""}),
                           "USUBJID is not in DM", "USUBJID")]


def per_record(by_subject: pd.DataFrame, usubjid: pd.Series) -> Callable[[str], pd.Series]:
    """The function giving a column of `by_subject` (indexed by USUBJID) for each record of `usubjid`, missing for
    a subject it lacks: `usubjid.map(by_subject[column])`, with the records' subjects looked up once however many
    columns are taken."""
    return at_positions(by_subject, positions_in(usubjid, by_subject.index), usubjid.index)


def at_positions(by_subject: pd.DataFrame, at: np.ndarray, index: pd.Index) -> Callable[[str], pd.Series]:
    """`per_record` of subjects already looked up: `at`, each record's place in `by_subject` (-1: not there)."""
    def column(name: str) -> pd.Series:
        return pd.Series(pd.api.extensions.take(by_subject[name].to_numpy(), at, allow_fill=True), index=index)
    return column


def study_days(data: Datasets) -> list[Issue]:
    """--DY equals the days from DM.RFSTDTC to --DTC, with no Day 0 (SD1086, CG0006; SDTMIG §4.4.4)."""
    ref = pd.DataFrame({"REFDAY": dtc_date(by_subject(data["DM"])["RFSTDTC"])})
    out = []
    for name, df in sorted(data.items()):
        days = [c for c in df.columns if c.endswith("DY") and c[:-2] + "DTC" in df.columns]
        if not days:
            continue
        ref_day = per_record(ref, df["USUBJID"])("REFDAY")
        for dy in days:
            dtc = dy[:-2] + "DTC"
            expected = days_from(dtc_date(df[dtc]), ref_day)
            wrong = ~((expected == df[dy]) | (expected.isna() & df[dy].isna()))
            out += _flag("SD1086", name, df, wrong, f"{dy} does not match {dtc} and DM.RFSTDTC", dy)
    return out


def real_dates(data: Datasets) -> list[Issue]:
    """The date part of every --DTC value is a real calendar date (SD0003; the pattern check cannot tell that
    2025-02-30 does not exist)."""
    out = []
    for name, df in sorted(data.items()):
        for col in [c for c in df.columns if c.endswith("DTC") and not pd.api.types.is_numeric_dtype(df[c])]:
            out += _flag("SD0003", name, df, by_distinct(df[col], _unreal_dates), f"{col} is not a real calendar date",
                         col)
    return out


def _unreal_dates(values: pd.Series) -> pd.Series:
    """Values whose first ten characters have the shape of a date (YYYY-MM-DD) and are no calendar date."""
    day = values.astype(str).str.slice(0, 10)
    complete = day.str.fullmatch(r"\d{4}-\d{2}-\d{2}")
    return complete & pd.to_datetime(day.where(complete), format="%Y-%m-%d", errors="coerce").isna()


NOT_PRINTABLE = re.compile(r"[^ -~]")


def printable_text(data: Datasets) -> list[Issue]:
    """Every text value is printable ASCII, codes 32-126 (SD1029, FDA TCG 3.3.5): no line break, tab or other
    control character, no character outside ASCII. Each column's distinct values are looked at once."""
    out = []
    for name, df in sorted(data.items()):
        for col in [c for c in df.columns if not pd.api.types.is_numeric_dtype(df[c])]:
            texts = [v for v in distinct_values(df[col]) if isinstance(v, str)]
            if NOT_PRINTABLE.search("".join(texts)) is None:  # the usual case: one search per column
                continue
            if odd := {v for v in texts if NOT_PRINTABLE.search(v)}:
                out += _flag("SD1029", name, df, df[col].isin(odd), f"{col} holds a character that is not printable "
                             "ASCII (a line break, a tab, a non-ASCII letter)", col)
    return out


def domains_with_records(data: Datasets) -> list[Issue]:
    """A notice for each dataset of an SDTM package without records (CG0408, Pinnacle 21 SD0001: a domain has at
    least one record): it is left out of a submission, with whatever links to it. `cdisc run` writes such a dataset
    when its forms had no records, and says so here rather than drop it on its own."""
    return [Issue("notice", "CG0408", name, "no records: a domain to leave out of the submission")
            for name, df in sorted(data.items()) if df.empty]


def epoch_populated(data: Datasets) -> list[Issue]:
    """EPOCH is populated for observations dated on or after the subject's first element (SD1339, FDAB022)."""
    first = text_extreme(data["SE"]["SESTDTC"], data["SE"]["USUBJID"], "min").str.slice(0, 10)
    out = []
    for name, df in sorted(data.items()):
        if "EPOCH" not in df or name in ("SE", "TA"):
            continue
        dtc = next((c for c in (f"{name}STDTC", f"{name}DTC") if c in df.columns), None)
        if dtc is None:
            continue
        empty = df[in_set(df["EPOCH"], {""})]  # the records that could break the rule: usually none
        dated = by_distinct(empty[dtc], lambda d: pd.DataFrame({"DAY": d.str.slice(0, 10),
                                                                 "FULL": d.str.len() >= 10}))
        start = empty["USUBJID"].map(first).fillna("9999")
        missing = pd.Series(False, index=df.index)
        missing[empty.index] = dated["FULL"] & (dated["DAY"] >= start)
        out += _flag("SD1339", name, df, missing, f"EPOCH is empty though {dtc} is within the subject's elements",
                     "EPOCH")
    return out


def baseline_flags(data: Datasets) -> list[Issue]:
    """Each treated subject has a baseline (--LOBXFL = Y) record in LB, VS, EG and PC (SD0006, FDA TCG 4.1.4.1).

    A warning, as FDA's validator rule: real studies have subjects with a missing baseline; it is a data finding
    to report, not a broken package."""
    treated = set(data["DM"].loc[data["DM"]["RFSTDTC"].ne(""), "USUBJID"])
    out = []
    for name in BASELINE_DOMAINS:
        df = data.get(name)
        flag = f"{name}LOBXFL"
        if df is None or flag not in df:
            continue
        with_base = set(df.loc[in_set(df[flag], {"Y"}), "USUBJID"])
        lacking = sorted(treated - with_base)
        if lacking:
            out.append(Issue("warning", "SD0006", name, f"{len(lacking)} treated subject(s) have no baseline "
                             f"record (e.g. {', '.join(lacking[:MAX_SHOWN])})", variable=flag))
    return out


def not_done(data: Datasets) -> list[Issue]:
    """--STAT = NOT DONE means no result (SD1123, FDAB042, CG0422) and a reason (FB4202)."""
    out = []
    for name, df in sorted(data.items()):
        stat, orres, reasnd = f"{name}STAT", f"{name}ORRES", f"{name}REASND"
        if stat in df and orres in df:
            nd = in_set(df[stat], {"NOT DONE"})  # (finished text: each column's distinct values judged once)
            out += _flag("SD1123", name, df, nd & ~in_set(df[orres], {""}), "not done but a result is given", orres)
            if reasnd in df:
                out += _flag("FB4202", name, df, nd & in_set(df[reasnd], {""}), "not done without a reason", reasnd)
    return out


def standard_units(data: Datasets) -> list[Issue]:
    """One standard unit per test (and category/specimen) (SD0007, FDAB030)."""
    out = []
    for name, df in sorted(data.items()):
        testcd, stresu = f"{name}TESTCD", f"{name}STRESU"
        if testcd not in df or stresu not in df:
            continue
        by = [testcd] + [c for c in (f"{name}CAT", f"{name}SPEC") if c in df]
        # a group's units are those of its distinct (test, category, specimen, unit) records
        keys = df[[*by, stresu]]
        distinct = keys.iloc[distinct_rows(keys)[1]]
        n = distinct[distinct[stresu].ne("")].groupby(by)[stresu].nunique()
        for key in n[n > 1].index:
            out.append(Issue("error", "SD0007", name, "more than one standard unit for one test",
                             variable=stresu, value=str(key)))
    return out


def trial_summary(data: Datasets) -> list[Issue]:
    """TS carries the required parameters (CG0287; SD2201-SD2210 name some of them one by one); an interventional
    study gives INTMODEL, INTTYPE and PCLAS a value (CORE-000741; a null flavour is a warning to resolve)."""
    ts = data["TS"]
    present = set(ts["TSPARMCD"])
    out = [Issue("error", TS_RULE_IDS.get(p, "CG0287"), "TS", "required trial summary parameter is missing",
                 variable="TSPARMCD", value=p) for p in TS_REQUIRED if p not in present]
    if ((ts["TSPARMCD"] == "STYPE") & (ts["TSVAL"] == "INTERVENTIONAL")).any():
        valued = set(ts.loc[ts["TSVAL"].ne(""), "TSPARMCD"])
        out += [Issue("warning", "CORE-000741", "TS", "interventional study: the parameter has no TSVAL",
                      variable="TSVAL", value=p) for p in TS_INTERVENTIONAL_VALUED if p in present and p not in valued]
    return out


def death_consistency(data: Datasets) -> list[Issue]:
    """A DS death record means DM.DTHFL = Y (SD1256, CG0136) and DM.DTHDTC = the DS death date (SD1317, CG0069)."""
    dm, ds = by_subject(data["DM"]), data["DS"]
    deaths = ds[ds["DSDECOD"].eq("DEATH")]
    bad_flag = deaths["USUBJID"].map(dm["DTHFL"]).ne("Y")
    bad_date = deaths["USUBJID"].map(dm["DTHDTC"]).str.slice(0, 10) != deaths["DSSTDTC"].str.slice(0, 10)
    return (_flag("SD1256", "DS", deaths, bad_flag, "death in DS but DM.DTHFL is not Y", "USUBJID")
            + _flag("SD1317", "DS", deaths, bad_date, "DS death date differs from DM.DTHDTC", "DSSTDTC"))


def fatal_event_ends_at_death(data: Datasets) -> list[Issue]:
    """A fatal AE (AEOUT = FATAL) ends on DM.DTHDTC, compared as written (SD1347, FDAB006; CORE-000841)."""
    ae = data["AE"]
    fatal = ae[ae["AEOUT"].eq("FATAL")]
    death = fatal["USUBJID"].map(by_subject(data["DM"])["DTHDTC"]).fillna("")
    return _flag("SD1347", "AE", fatal, fatal["AEENDTC"].ne(death), "AEENDTC of the fatal event is not DM.DTHDTC",
                 "AEENDTC")


def primary_soc(data: Datasets) -> list[Issue]:
    """In an Events domain coded with MedDRA, the primary SOC --SOC equals --BODSYS (CORE-000264, CG0039; not in
    the vendored CORE rule set, whose CORE-000024 checks the --BDSYCD code)."""
    out = []
    for name, df in sorted(data.items()):
        prefix = name[:2]
        if f"{prefix}BODSYS" in df and f"{prefix}SOC" in df:
            out += _flag("CORE-000264", name, df, df[f"{prefix}SOC"].ne(df[f"{prefix}BODSYS"]),
                         f"{prefix}SOC differs from {prefix}BODSYS", f"{prefix}SOC")
    return out


def informed_consent(data: Datasets) -> list[Issue]:
    """DM.RFICDTC equals the earliest DS informed consent date (CG0143).

    Checked for subjects with a DS informed consent record (the rule's condition): a study whose DS has no
    consent milestones is not checked."""
    ds = data["DS"]
    consents = ds[ds["DSDECOD"].eq("INFORMED CONSENT OBTAINED")]
    consent = text_extreme(consents["DSSTDTC"], consents["USUBJID"], "min")
    dm = data["DM"]
    given = dm["USUBJID"].map(consent)
    wrong = given.notna() & (given.fillna("") != dm["RFICDTC"])
    return _flag("CG0143", "DM", dm, wrong, "RFICDTC is not the earliest informed consent in DS", "RFICDTC")


def serious_flags(data: Datasets) -> list[Issue]:
    """AESER = Y has at least one seriousness criterion Y (SD0009), and AESER = N has none (SD1132, CG0041).

    The criteria are those CG0041 (CORE-000022) names, AESCAN and AESOD included when the dataset has them."""
    ae = data["AE"]
    crit = [c for c in ("AESCAN", "AESCONG", "AESDISAB", "AESDTH", "AESHOSP", "AESLIFE", "AESOD", "AESMIE") if c in ae]
    anyy = ae[crit].eq("Y").any(axis=1)
    return (_flag("SD0009", "AE", ae, ae["AESER"].eq("Y") & ~anyy, "serious without a seriousness criterion", "AESER")
            + _flag("SD1132", "AE", ae, ae["AESER"].eq("N") & anyy, "not serious but a criterion is Y", "AESER"))


def treated_have_exposure(data: Datasets) -> list[Issue]:
    """All treated subjects have exposure records (SD0070, FDAB023)."""
    dm = data["DM"]
    lacking = dm["RFXSTDTC"].ne("") & ~dm["USUBJID"].isin(set(data["EX"]["USUBJID"]))
    return _flag("SD0070", "DM", dm, lacking, "treated subject without EX records", "USUBJID")


def adsl_variables_match(data: Datasets) -> list[Issue]:
    """A variable present in ADSL and in another ADaM dataset has the same value for the subject
    (ADaMIG 1.3 §3.2: "same values, type, and label"; no published check id: CCV-0001)."""
    adsl = by_subject(data["ADSL"])
    out = []
    for name, df in sorted(data.items()):
        if name == "ADSL" or "USUBJID" not in df:
            continue
        at = positions_in(df["USUBJID"], adsl.index)  # each record's subject in ADSL (-1: none)
        for col in [c for c in df.columns if c in adsl.columns and c not in ("STUDYID", "USUBJID")]:
            codes, first = distinct_rows_of([df["USUBJID"], df[col]])  # each subject's values compared once
            actual = df[col].iloc[first].reset_index(drop=True)
            expected = at_positions(adsl, at[first], actual.index)(col)
            same = (expected == actual) | (expected.isna() & actual.isna())
            out += _flag("CCV-0001", name, df, ~same.to_numpy()[codes], f"{col} differs from ADSL.{col}", col)
    return out


# Each rule's published ids and, per id, the ids it refers to (docs/VALIDATION.md lists the same).
REFERENCES: dict[str, tuple[str, ...]] = {
    "SD0064": ("CG0029", "CORE-000201"), "SD0003": (), "SD1086": ("CG0006", "CORE-000529"), "SD1339": ("FDAB022",),
    "SD0006": ("FDA TCG 4.1.4.1",), "SD1123": ("FDAB042", "CG0422", "CORE-000099"), "FB4202": ("CORE-000774",),
    "SD0007": ("FDAB030",), "CG0287": (), "CORE-000741": (), **{i: ("CG0287",) for i in TS_RULE_IDS.values()},
    "SD1256": ("CG0136", "CORE-000252"), "SD1317": ("CG0069", "CORE-000034"),
    "SD1347": ("FDAB006", "CORE-000841"), "CG0143": ("CORE-000370",),
    "SD0009": (), "SD1132": ("CG0041", "CG0042", "CORE-000022"), "SD0070": ("FDAB023", "CG0109"),
    "CCV-0001": ("ADaMIG 1.3 section 3.2",), "CORE-000264": ("CG0039",), "SD0059": ("FDA TCG 4.1.4.5",),
    "SD1324": ("FDA TCG 4.1.4.5",), "SD1325": ("FDA TCG 4.1.4.5",),
    "CG0408": ("SD0001",), "SD1029": ("FDA TCG 3.3.5",),
    # expectation suites (cdisc/validate/suite.py)
    "SD1079": ("CG0330", "CG0664"), "SD0002": ("CG0014", "CG0208"), "SD0037": ("FDA TCG 4.1.4.5",),
    "SD1152": ("CG0019",), "SD1011": (), "SD0038": (), "CCV-0002": ("Define-XML 2.1 ItemDef/@Length",),
}
# (datasets needed, rule, the ids its issues carry)
RULES: tuple[tuple[tuple[str, ...], Callable[[Datasets], list[Issue]], tuple[str, ...]], ...] = (
    (("DM",), subjects_in_dm, ("SD0064",)),
    (("DM",), study_days, ("SD1086",)),
    ((), real_dates, ("SD0003",)),
    ((), printable_text, ("SD1029",)),
    (("DM",), domains_with_records, ("CG0408",)),  # needs DM: an SDTM package (ADaM has no such rule)
    (("SE",), epoch_populated, ("SD1339",)),
    (("DM",), baseline_flags, ("SD0006",)),
    ((), not_done, ("SD1123", "FB4202")),
    ((), standard_units, ("SD0007",)),
    (("TS",), trial_summary, ("CG0287", *TS_RULE_IDS.values(), "CORE-000741")),
    (("DM", "DS"), death_consistency, ("SD1256", "SD1317")),
    (("DM", "DS"), informed_consent, ("CG0143",)),
    (("DM", "AE"), fatal_event_ends_at_death, ("SD1347",)),
    ((), primary_soc, ("CORE-000264",)),
    (("AE",), serious_flags, ("SD0009", "SD1132")),
    (("DM", "EX"), treated_have_exposure, ("SD0070",)),
    (("ADSL",), adsl_variables_match, ("CCV-0001",)),
)


def check_rules(data: Datasets) -> list[Issue]:
    """Run every rule whose datasets are part of the submission. A rule that needs a variable the package lacks
    (a DM without RFSTDTC) cannot decide: it says so in a notice under its own id, never passing silently."""
    out: list[Issue] = []
    for needs, rule, ids in RULES:
        if all(n in data for n in needs):
            try:
                out += rule(data)
            except KeyError as missing:
                out.append(Issue("notice", ids[0], ", ".join(needs) or "package",
                                 f"not checked: the package lacks the variable {missing.args[0]} this rule needs"))
            except Exception as exc:  # noqa: BLE001 -- a package unlike any seen (types, shapes): said, not raised
                out.append(Issue("notice", ids[0], ", ".join(needs) or "package",
                                 f"not checked: the rule cannot run on this package ({describe(exc)})"))
    return out


def rule_statuses(data: Datasets, issues: list[Issue]) -> list[RuleStatus]:
    """Each cross-dataset rule on `data`: executed (with its findings count) or skipped, and why."""
    out = []
    for needs, rule, ids in RULES:
        missing = [n for n in needs if n not in data]
        description = (rule.__doc__ or "").strip().splitlines()[0]
        for rid in ids:
            out.append(RuleStatus(rule=rid, status="skipped" if missing else "executed", description=description,
                                  authority=", ".join(REFERENCES.get(rid, ())),
                                  findings=sum(1 for i in issues if i.code == rid),
                                  reason=f"needs dataset(s) {', '.join(missing)}" if missing else ""))
    return out
