"""Laboratory toxicity grades (ADaMIG 1.3 ATOXGR/ATOXGRN) from grading criteria written as data.

A criterion is text such as `"1: <LLN; 2: <1.5; 3: <1.0; 4: <0.5"` (CTCAE v5.0 "Neutrophil count
decreased", 10^9/L) or `"1: >ULN; 2: >3*ULN; 3: >5*ULN; 4: >20*ULN"` (ALT increased). Each clause
`G: OP THRESHOLD` says "the value is at least grade G when value OP threshold"; OP is `<` or `>`, the
threshold a number, `LLN`/`ULN` (the record's reference limits) or `k*LLN`/`k*ULN`. The grade is the
highest G whose clause holds, 0 when none holds. This reproduces the CTCAE band edges: "<1.5 - 1.0" is
grade 2 for 1.0 <= value < 1.5, and ">ULN - 3.0 x ULN" is grade 1 up to and including 3 x ULN.
The criteria live in the spec (method Expression Code), never in code; the text is parsed, never evaluated.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cdisc.derive import BLANK, is_blank, require_columns, warn_if_exists
from cdisc.distinct import by_distinct, mapped
from cdisc.errors import DerivationError

_CLAUSE = re.compile(r"^\s*(\d)\s*:\s*([<>])\s*(?:(\d+(?:\.\d+)?)\s*\*\s*)?(LLN|ULN|\d+(?:\.\d+)?)\s*$")
_CENSORED = re.compile(r"^\s*(<=|>=|<|>)\s*(\d+(?:\.\d+)?)\s*$")


@dataclass(frozen=True)
class GradeClause:
    """`value OP factor*ref` (ref "LLN"/"ULN") or `value OP factor` (ref "") means grade >= `grade`."""

    grade: int
    op: str
    factor: float
    ref: str


def parse_grade_criteria(text: str) -> tuple[GradeClause, ...]:
    """The clauses of a criterion text, checked: one direction, grades increasing from 1.

    Raises:
        DerivationError: a clause that does not parse, mixed `<`/`>`, or grades not 1, 2, ... in order.

    >>> parse_grade_criteria("1: >ULN; 2: >3*ULN")[1]
    GradeClause(grade=2, op='>', factor=3.0, ref='ULN')
    """
    clauses = []
    for part in text.split(";"):
        m = _CLAUSE.match(part)
        if not m:
            raise DerivationError(f"grading criterion {text!r}: clause {part.strip()!r} is not 'G: <|> threshold' "
                                  f"(threshold a number, LLN, ULN or k*LLN / k*ULN)")
        grade, op, k, ref = m.groups()
        if ref in ("LLN", "ULN"):
            clauses.append(GradeClause(int(grade), op, float(k or 1), ref))
        elif k is None:
            clauses.append(GradeClause(int(grade), op, float(ref), ""))
        else:
            raise DerivationError(f"grading criterion {text!r}: {part.strip()!r} multiplies two numbers")
    if len({c.op for c in clauses}) > 1 or [c.grade for c in clauses] != list(range(1, len(clauses) + 1)):
        raise DerivationError(f"grading criterion {text!r}: clauses must share one direction (< or >) and list "
                              f"grades 1, 2, ... in order")
    return tuple(clauses)


def compute_toxgrade(values: pd.Series, low: pd.Series, high: pd.Series,
                     clauses: tuple[GradeClause, ...]) -> pd.Series:
    """Toxicity grade (float 0-4, NaN when unknown) of each value under `clauses`.

    A clause whose threshold needs a missing LLN/ULN is unknown; the grade is unknown when the value is
    missing or when a clause above the highest clause that holds is unknown (e.g. no LLN for a value that
    may be grade 0 or 1).

    >>> c = parse_grade_criteria("1: <LLN; 2: <1.5; 3: <1.0; 4: <0.5")
    >>> compute_toxgrade(pd.Series([1.8, 1.5, 1.0, 0.49]), pd.Series([1.8] * 4), pd.Series([6.3] * 4), c).tolist()
    [0.0, 1.0, 2.0, 4.0]
    """
    val = pd.to_numeric(values, errors="raise").astype("float64").to_numpy()
    refs = {"LLN": pd.to_numeric(low).astype("float64").to_numpy(),
            "ULN": pd.to_numeric(high).astype("float64").to_numpy(), "": np.ones(len(val))}
    grade = np.zeros(len(val))
    unknown_above = np.zeros(len(val), dtype=bool)
    for c in reversed(clauses):
        thr = c.factor * refs[c.ref]
        holds = val < thr if c.op == "<" else val > thr
        known = ~np.isnan(thr)
        newly = (grade == 0) & known & holds
        unknown_above |= (grade == 0) & ~known
        grade = np.where(newly & ~unknown_above, c.grade, grade)
    grade = np.where(np.isnan(val) | ((grade == 0) & unknown_above), np.nan, grade)
    return pd.Series(grade, index=values.index, dtype="float64")


def derive_vars_atoxgr(df: pd.DataFrame, *, criteria: Mapping[str, str], by_var: str = "PARAMCD",
                       source: str = "AVAL", censored: str | None = None, low: str = "ANRLO",
                       high: str = "ANRHI") -> pd.DataFrame:
    """Analysis Toxicity Grade; Analysis Toxicity Grade (N).

    Rule (ADaMIG 1.3 ATOXGR; CTCAE v5.0 laboratory criteria; admiral `derive_var_atoxgr_dir` reads its
    criteria from a metadata table the same way): records whose `by_var` value has a criterion are graded
    with `compute_toxgrade`; others stay blank. A censored result (`source` missing, `censored` text such
    as "<0.1" or ">1000") is graded only when every value it allows has the same grade, i.e. the grade
    just inside the limit equals the grade at the open end (NEUT "<0.1" -> 4); otherwise it stays
    blank. No value is imputed.

    Args:
        df: BDS records. Required columns: `by_var`, `source`, `low`, `high` (and `censored` if given).
        criteria: `by_var` value -> criterion text (see the module docstring).
        by_var: the column selecting the criterion, usually PARAMCD.
        source: the numeric analysis value.
        censored: optional character result column used when `source` is missing.
        low, high: reference range columns giving LLN and ULN.

    Returns:
        A copy of `df` with ATOXGR ("0".."4" or blank) and ATOXGRN (float).

    Raises:
        DerivationError: missing columns or a criterion that does not parse.

    >>> d = pd.DataFrame({"PARAMCD": ["NEUT", "NEUT", "CRP"], "AVAL": [np.nan, 1.2, 9.0],
    ...                   "AVALC": ["<0.1", "1.2", "9"], "ANRLO": [1.8] * 3, "ANRHI": [6.3] * 3})
    >>> derive_vars_atoxgr(d, criteria={"NEUT": "1: <LLN; 2: <1.5; 3: <1.0; 4: <0.5"},
    ...                    censored="AVALC")["ATOXGR"].tolist()
    ['4', '2', '']
    """
    inputs = [by_var, source, low, high, *([censored] if censored else [])]
    require_columns(df, inputs, arg="df")
    warn_if_exists(df, ["ATOXGR", "ATOXGRN"])
    # a grade depends on the record's inputs alone: graded once per distinct inputs (a lab has far fewer)
    grade = by_distinct(df[inputs], lambda distinct: _grades(distinct, criteria, by_var=by_var, source=source,
                                                             censored=censored, low=low, high=high))
    text_grade = mapped(grade, lambda v: BLANK if np.isnan(v) else str(int(v)))
    return df.assign(ATOXGR=text_grade, ATOXGRN=grade)


def _grades(df: pd.DataFrame, criteria: Mapping[str, str], *, by_var: str, source: str, censored: str | None,
            low: str, high: str) -> pd.Series:
    """`derive_vars_atoxgr`'s ATOXGRN of each row of `df`."""
    grade = pd.Series(np.nan, index=df.index, dtype="float64")
    for key, text in criteria.items():
        rows = df[by_var].eq(key)
        if not rows.any():
            continue
        sub, clauses = df.loc[rows], parse_grade_criteria(text)
        graded = compute_toxgrade(sub[source], sub[low], sub[high], clauses)
        if censored:
            graded = graded.fillna(_censored_grade(sub, source, censored, low, high, clauses))
        grade[rows] = graded
    return grade


def _censored_grade(sub: pd.DataFrame, source: str, censored: str, low: str, high: str,
                    clauses: tuple[GradeClause, ...]) -> pd.Series:
    """Grade of "<L"/">L" results when the whole allowed interval has one grade, else NaN; only the records
    without a numeric result and with a censored text are graded (the result's index is theirs)."""
    sub = sub[sub[source].isna() & ~is_blank(sub[censored])]
    parsed = sub[censored].astype(str).str.extract(_CENSORED)
    limit = pd.to_numeric(parsed[1]).astype("float64")
    below = parsed[0].isin(["<", "<="])
    inner = np.where(parsed[0].isin(["<=", ">="]), limit,
                     np.where(below, np.nextafter(limit, -np.inf), np.nextafter(limit, np.inf)))
    outer = np.where(below, -np.inf, np.inf)
    g_inner = compute_toxgrade(pd.Series(inner, index=sub.index), sub[low], sub[high], clauses)
    g_outer = compute_toxgrade(pd.Series(outer, index=sub.index).where(limit.notna()), sub[low], sub[high], clauses)
    return g_inner.where(g_inner.eq(g_outer))
