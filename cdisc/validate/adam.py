"""ADaM conformance checks (ADaMIG 1.3 / ADaM Validation Checks), which CORE's SDTMIG rule set does not cover.

Each rule is a small declarative record: its Pinnacle 21 id (the catalogue FDA reviewers know), the ADaM
Validation Check numbers behind it, severity, scope, message and the variables it reads, plus a vectorised check
that returns the offending records of one dataset as a boolean mask. A rule whose variables a dataset lacks does
not apply to it; a dataset-level rule (ADSL presence) runs once per package.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cdisc.distinct import by_distinct, distinct_rows_of, in_set
from cdisc.failure import describe
from cdisc.validate.finding import Finding, RuleStatus, first_records

AUTHORITY = "ADaMIG 1.3 / ADaM Validation Checks (as catalogued by Pinnacle 21)"
PARAMCD_PATTERN = r"[A-Za-z_][A-Za-z0-9_]{0,7}"
TOLERANCE = 1e-6  # relative: CHG and PCHG are stored as 8-byte floats, possibly rounded by the sponsor


@dataclass(frozen=True)
class AdamRule:
    id: str
    references: tuple[str, ...]
    message: str
    variables: tuple[str, ...]  # the dataset must hold all of them for the rule to apply
    check: Callable[[pd.DataFrame], np.ndarray] | None  # None: a package-level rule, run by `run_adam` itself
    scope: str = "all"  # "all" datasets, "BDS" (PARAMCD and AVAL/AVALC) or "ADSL"
    severity: str = "error"


def _inconsistent(df: pd.DataFrame, value: str, by: str) -> np.ndarray:
    """Records of a `by` group whose `value` is not the group's only value (both populated), judged on the
    distinct (`by`, `value`) pairs: a group has as many values in them as in its records."""
    codes, first = distinct_rows_of([df[by], df[value]])
    pairs = df[[by, value]].iloc[first].reset_index(drop=True)
    both = pairs[by].astype(str).ne("") & pairs[value].astype(str).ne("")
    counts = pairs[both].groupby(by)[value].transform("nunique")
    return (counts.reindex(pairs.index, fill_value=1) > 1).to_numpy()[codes]


def _populated(column: pd.Series) -> np.ndarray:
    """Which values are neither missing nor blank, each distinct value judged once."""
    return by_distinct(column, lambda distinct: distinct.notna() & distinct.astype(str).ne("")).to_numpy(bool)


def _groups(df: pd.DataFrame, keys: list[str]) -> np.ndarray:
    """Each record's group of `keys` as a number (NaN for a record missing a key: `groupby` leaves it out)."""
    codes, first = distinct_rows_of([df[k] for k in keys])
    return np.where(df[keys].iloc[first].isna().any(axis=1).to_numpy()[codes], np.nan, codes)


def _baseline(df: pd.DataFrame) -> pd.Series:
    """Which records are baseline records (ABLFL = Y), each distinct ABLFL judged once."""
    return by_distinct(df["ABLFL"], lambda distinct: distinct.eq("Y"))


def _differs(actual: pd.Series, expected: pd.Series) -> np.ndarray:
    ok = actual.notna() & expected.notna()
    return (ok & ~np.isclose(actual, expected, rtol=TOLERANCE, atol=1e-9)).to_numpy()


def _baseline_missing(df: pd.DataFrame) -> np.ndarray:
    """BASE populated for a subject and parameter that has no ABLFL = Y record."""
    keys = ["USUBJID", "PARAMCD"] + (["BASETYPE"] if "BASETYPE" in df else [])
    has = _baseline(df).groupby(_groups(df, keys)).transform("any")
    return (df["BASE"].notna() & ~has).to_numpy()


def _multiple_baselines(df: pd.DataFrame) -> np.ndarray:
    keys = ["USUBJID", "PARAMCD"] + (["BASETYPE"] if "BASETYPE" in df else [])
    flagged = _baseline(df)
    return (flagged & flagged.groupby(_groups(df, keys)).transform("sum").gt(1)).to_numpy()


def _pchg(df: pd.DataFrame) -> pd.Series:
    base = df["BASE"].where(df["BASE"].ne(0))
    return (df["AVAL"] - base) / base * 100


RULES: tuple[AdamRule, ...] = (
    AdamRule("AD0054", ("54",), "USUBJID duplicate values are not allowed within a study (one ADSL record per "
             "subject)", ("USUBJID",), lambda df: df["USUBJID"].duplicated(keep=False).to_numpy(), scope="ADSL"),
    AdamRule("AD0141", ("141", "738"), "Inconsistent value for PARAM within a unique PARAMCD",
             ("PARAMCD", "PARAM"), lambda df: _inconsistent(df, "PARAM", "PARAMCD"), scope="BDS"),
    AdamRule("AD0142", ("142", "739"), "Inconsistent value for PARAMCD within a unique PARAM",
             ("PARAMCD", "PARAM"), lambda df: _inconsistent(df, "PARAMCD", "PARAM"), scope="BDS"),
    AdamRule("AD0143", ("143", "144", "145"), "Illegal PARAMCD value: at most 8 characters, a letter or _ first, "
             "then letters, digits or _", ("PARAMCD",),
             lambda df: ~by_distinct(df["PARAMCD"], lambda distinct: distinct.astype(str).str.fullmatch(
                 PARAMCD_PATTERN)).to_numpy(bool), scope="BDS"),
    AdamRule("AD0176", ("176", "409", "410", "494"), "ABLFL value is not Y or null", ("ABLFL",),
             lambda df: _populated(df["ABLFL"]) & ~_baseline(df).to_numpy()),
    AdamRule("AD0152", ("152", "181", "695", "698", "789"), "ABLFL = Y, but BASE != AVAL",
             ("ABLFL", "BASE", "AVAL"), lambda df: _baseline(df).to_numpy() & _differs(df["BASE"], df["AVAL"])),
    AdamRule("AD0154", ("154", "155"), "Multiple baseline records (ABLFL = Y) exist for a unique USUBJID, PARAMCD "
             "(and BASETYPE)", ("USUBJID", "PARAMCD", "ABLFL"), _multiple_baselines),
    AdamRule("AD0127", ("127", "128"), "BASE is populated for a unique USUBJID, PARAMCD, but no baseline record "
             "(ABLFL = Y) exists", ("USUBJID", "PARAMCD", "ABLFL", "BASE"), _baseline_missing),
    AdamRule("AD0223", ("223", "700"), "Calculation issue: CHG != AVAL - BASE", ("CHG", "AVAL", "BASE"),
             lambda df: _differs(df["CHG"], df["AVAL"] - df["BASE"])),
    AdamRule("AD0225", ("225", "701"), "Calculation issue: PCHG != (AVAL - BASE) / BASE * 100 (BASE not 0)",
             ("PCHG", "AVAL", "BASE"), lambda df: _differs(df["PCHG"], _pchg(df))),
)
PRESENCE = AdamRule("AD0001", ("1",), "Missing ADSL dataset: ADSL should be included in every ADaM submission",
                    (), None)
SUBJECTS = AdamRule("AD0256", ("256",), "USUBJID value does not exist in the ADaM ADSL dataset", ("USUBJID",), None)


def catalogue() -> tuple[AdamRule, ...]:
    """Every ADaM rule, package-level ones included (docs/RULES.md)."""
    return (PRESENCE, SUBJECTS, *RULES)


def _applies(rule: AdamRule, name: str, df: pd.DataFrame) -> bool:
    if rule.scope == "ADSL" and name != "ADSL":
        return False
    if rule.scope == "BDS" and not ("PARAMCD" in df and ("AVAL" in df or "AVALC" in df)):
        return False
    return all(v in df for v in rule.variables)


def _finding(rule: AdamRule, name: str, df: pd.DataFrame, mask: np.ndarray) -> Finding:
    keys = [k for k in ("USUBJID", "PARAMCD", "AVISIT") if k in df and k not in rule.variables]
    return Finding(rule=rule.id, severity=rule.severity, dataset=name, message=rule.message,
                   count=int(mask.sum()), variables=rule.variables, references=rule.references,
                   records=first_records(df, mask, [*keys, *rule.variables]))


def _status(rule: AdamRule, findings: list[Finding], seconds: float, reason: str = "",
            status: str = "executed") -> RuleStatus:
    return RuleStatus(rule=rule.id, status=status, description=rule.message, authority=AUTHORITY,
                      severity=rule.severity, findings=sum(f.count for f in findings if f.rule == rule.id),
                      reason=reason, seconds=seconds)


def run_adam(data: dict[str, pd.DataFrame]) -> tuple[list[Finding], list[RuleStatus]]:
    """Every ADaM rule on every dataset it applies to."""
    findings: list[Finding] = []
    statuses: list[RuleStatus] = []
    adsl = data.get("ADSL")
    if adsl is None:
        findings.append(Finding(PRESENCE.id, PRESENCE.severity, "ADSL", PRESENCE.message, 1,
                                references=PRESENCE.references))
    statuses.append(_status(PRESENCE, findings, 0.0))
    start = time.perf_counter()
    if adsl is not None and "USUBJID" in adsl:
        for name, df in sorted(data.items()):
            if name != "ADSL" and "USUBJID" in df:
                mask = ~in_set(df["USUBJID"], set(adsl["USUBJID"]))
                if mask.any():
                    findings.append(_finding(SUBJECTS, name, df, mask))
    statuses.append(_status(SUBJECTS, findings, time.perf_counter() - start) if adsl is not None
                    else _status(SUBJECTS, findings, 0.0, "no ADSL to look subjects up in", "skipped"))
    for rule in RULES:
        start = time.perf_counter()
        targets = [(n, df) for n, df in sorted(data.items()) if _applies(rule, n, df)]
        try:
            found = [_finding(rule, name, df, mask) for name, df in targets
                     if (mask := np.asarray(rule.check(df), bool)).any()]
        except Exception as exc:  # noqa: BLE001 -- a package unlike any seen (a text AVAL): said, not raised
            statuses.append(_status(rule, findings, time.perf_counter() - start,
                                    f"cannot run on this package ({describe(exc)})", "skipped"))
            continue
        findings += found
        statuses.append(_status(rule, findings, time.perf_counter() - start,
                                "" if targets else "no dataset holds its variables"))
    return findings, statuses
