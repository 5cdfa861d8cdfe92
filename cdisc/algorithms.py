"""Raw -> SDTM verbs. Each is small, pure and vectorised; mapping modules chain them top to bottom."""
from __future__ import annotations

import numpy as np
import pandas as pd

from cdisc.context import StudyContext, empty_rejections
from cdisc.errors import MappingError
from cdisc.raw import LINEAGE
from cdisc.spec.model import Codelist


def usubjid(studyid: str, subjid: pd.Series) -> pd.Series:
    """USUBJID = STUDYID-SUBJID, unique across the submission."""
    return studyid + "-" + subjid


def start_domain(form: pd.DataFrame, ctx: StudyContext, domain: str | None) -> pd.DataFrame:
    """A new frame aligned with `form`: STUDYID, DOMAIN (omitted when None), USUBJID, lineage.

    USUBJID = prefix-subject: the study's `subject_field` (study.toml, default SUBJID) after its
    `usubjid_prefix` (default STUDYID)."""
    study = ctx.spec.study
    out = pd.DataFrame(index=form.index)
    out["STUDYID"] = ctx.studyid
    if domain is not None:
        out["DOMAIN"] = domain
    out["USUBJID"] = usubjid(study.usubjid_prefix or ctx.studyid, form[study.subject_field])
    for col in LINEAGE:
        out[col] = form[col]
    return out


def map_ct(values: pd.Series, codelist: Codelist, *, source: str) -> pd.Series:
    """Collected values -> submission values of `codelist` (via the spec's `Collected Values`).

    Blank stays blank. A value the codelist does not know is a `MappingError` naming it: we never guess
    (no upper-casing). `source` names the raw form and field for the message, e.g. `"ae.csv AESER"`.
    """
    mapping = codelist.collected_map
    unknown = sorted(set(values[values.ne("") & ~values.isin(mapping.keys())]))
    if unknown:
        raise MappingError(
            f"{source}: value(s) {unknown[:10]} are not terms or collected values of codelist {codelist.id}; "
            f"add them to the codelist's Collected Values in the spec"
        )
    return values.map(lambda v: mapping.get(v, ""))


def split_rejected(df: pd.DataFrame, mask: pd.Series, reason: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Keep the rows outside `mask`; return the others as rejections with `reason`."""
    rejected = df.loc[mask, list(LINEAGE)].assign(REASON=reason)
    return df.loc[~mask], rejected if len(rejected) else empty_rejections()


def reject_unknown_subjects(form: pd.DataFrame, subjects: pd.Series, *, form_name: str,
                            field: str = "SUBJID") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Raw rows whose subject (`field`) has no demographics record cannot be mapped; they are rejected."""
    return split_rejected(form, ~form[field].isin(subjects),
                          f"{form_name}: {field} has no record in the demographics form")


def numeric_result(orres: pd.Series) -> pd.Series:
    """The numeric value of a character result, NaN for text such as '<0.5', 'NEGATIVE' or blank."""
    return pd.to_numeric(orres.where(orres.str.match(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"), None),
                         errors="coerce")


def standardize(orres: pd.Series, orresu: pd.Series, testcd: pd.Series, conversions: pd.DataFrame,
                *, source: str) -> pd.DataFrame:
    """Original -> standard result and unit (--STRESC, --STRESN, --STRESU).

    `conversions` has columns TESTCD, ORRESU (the CT unit of the original result), STRESU, FACTOR and, when
    a unit needs it, OFFSET: STRESN = (ORRES + OFFSET) x FACTOR, a blank or absent OFFSET being 0 (degrees F
    -> C: OFFSET -32, FACTOR 5/9), rounded to DIGITS decimals where the column gives them (else 6). Numeric
    STRESC is the converted number written without trailing zeros.
    A censored result such as `<0.5` is converted on its number and keeps its sign in STRESC
    (`<0.5` mg/dL -> `<44.2` umol/L) while STRESN stays null (SDTMIG 3.4 §4.5.1). Text results are copied.
    A (TESTCD, ORRESU) pair with a result but no conversion row is a `MappingError`.
    """
    frame = pd.DataFrame({"TESTCD": testcd, "ORRESU": orresu}, index=orres.index)
    merged = frame.merge(conversions, on=["TESTCD", "ORRESU"], how="left")
    merged.index = orres.index
    has_unit = orresu.ne("")
    missing = has_unit & merged["FACTOR"].isna()
    if missing.any():
        pairs = sorted(set(zip(testcd[missing], orresu[missing], strict=True)))
        raise MappingError(f"{source}: no unit conversion for (test, unit) {pairs[:10]}; add it to the spec")
    factor = pd.to_numeric(merged["FACTOR"], errors="coerce")
    offset = pd.to_numeric(merged.get("OFFSET", pd.Series("", index=merged.index)).replace("", "0"),
                           errors="raise").fillna(0.0)
    sign = orres.str.extract(r"^([<>]=?)\s*", expand=False).fillna("")
    number = numeric_result(orres.str.replace(r"^[<>]=?\s*", "", regex=True))
    digits = pd.to_numeric(merged.get("DIGITS", pd.Series("", index=merged.index)).replace("", "6"),
                           errors="raise").fillna(6).astype(int)
    converted = (number + offset) * factor
    for d in digits.unique():
        converted[digits.eq(d)] = converted[digits.eq(d)].round(d)
    text = converted.map(_number_text)
    stresc = np.where(number.notna() & has_unit, sign + text, orres)
    stresn = converted.where(sign.eq("") & has_unit)
    return pd.DataFrame({"STRESC": stresc, "STRESN": stresn,
                         "STRESU": merged["STRESU"].fillna("").where(number.notna(), "")}, index=orres.index)


def _number_text(x: float) -> str:
    return "" if pd.isna(x) else f"{x:.6f}".rstrip("0").rstrip(".")
