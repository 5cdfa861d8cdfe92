"""Raw -> SDTM verbs. Each is small, pure and vectorised; mapping modules chain them top to bottom."""
from __future__ import annotations

import operator
from collections.abc import Callable

import numpy as np
import pandas as pd

from cdisc.context import StudyContext, empty_rejections
from cdisc.dates import dtc_date
from cdisc.distinct import by_distinct, known_text, mapped
from cdisc.errors import MappingError
from cdisc.raw import DECIMAL, LINEAGE, in_values
from cdisc.spec.model import Codelist
from cdisc.xpt import OUTSIDE_IBM, not_held

CENSORED = r"^([<>]=?)\s*"  # the comparison sign of a censored result such as "<0.5" and the blanks after it


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


def map_ct(values: pd.Series, codelist: Codelist, *, source: str, rows: pd.Series | None = None) -> pd.Series:
    """Collected values -> submission values of `codelist` (via the spec's `Collected Values`).

    Blank stays blank. A value the codelist does not know is a `MappingError` naming it: we never guess
    (no upper-casing). `source` names the raw form and field for the message, e.g. `"ae.csv AESER"`; `rows`
    (the records' RAW_ROW, for a raw field) the rows that hold it.
    """
    mapping = codelist.collected_map

    def submission(distinct: pd.Series) -> pd.Series:
        strange = distinct.ne("") & ~distinct.isin(mapping.keys())
        if strange.any():
            unknown = values.isin(distinct[strange])
            where = f" ({shown_rows(values, unknown, rows)})" if rows is not None else ""
            raise MappingError(
                f"{source}: value(s) {sorted(set(distinct[strange]))[:10]} are not terms or collected values of "
                f"codelist {codelist.id}{where}; add them to the codelist's Collected Values in the spec"
            )
        return distinct.map(mapping).fillna("")
    return by_distinct(values, submission)  # each distinct value checked and mapped once


def split_rejected(df: pd.DataFrame, mask: pd.Series, reason: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Keep the rows outside `mask`; return the others as rejections with `reason`."""
    rejected = df.loc[mask, list(LINEAGE)].assign(REASON=reason)
    return df.loc[~mask], rejected if len(rejected) else empty_rejections()


def reject_unknown_subjects(form: pd.DataFrame, subjects: pd.Series, *, form_name: str,
                            field: str = "SUBJID") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Raw rows whose subject (`field`) has no demographics record cannot be mapped; they are rejected."""
    return split_rejected(form, ~in_values(form[field], subjects),
                          f"{form_name}: {field} has no record in the demographics form")


def python_text(values: pd.Series) -> pd.Series:
    """Values as Python strings in an object column, as the XPT writer, the ADaM builders and the CORE engine take
    them: a missing value is "", any other value as `str` writes it. Made from the distinct values, so equal values
    share one string object: a column of a few distinct values (STUDYID, --TESTCD, units, visits) costs a pointer
    per record instead of a string per record."""
    return by_distinct(values, lambda d: pd.Series(["" if pd.isna(v) else v if isinstance(v, str) else str(v)
                                                    for v in d], index=d.index, name=d.name, dtype=object))


def is_python_text(column: pd.Series) -> bool:
    """Whether a column already is Python strings in an object column, none missing (as `python_text` makes it);
    a finished column's distinct values tell (`known_text`) without reading every record."""
    return column.dtype == object and (known_text(column) is not None or pd.api.types.infer_dtype(
        column.to_numpy(), skipna=False) in ("string", "empty"))


def censored_parts(results: pd.Series) -> pd.DataFrame:
    """A result's comparison sign (`<`, `<=`, `>`, `>=`; blank when none) and its numeric value without the sign
    (NaN for text): `<0.5` -> (`<`, 0.5), `12` -> (``, 12.0), `NEGATIVE` -> (``, NaN)."""
    return by_distinct(results, lambda d: pd.DataFrame({
        "SIGN": d.str.extract(CENSORED, expand=False).fillna(""),
        "NUMBER": numeric_result(d.str.replace(CENSORED, "", regex=True))}))


def numeric_result(orres: pd.Series) -> pd.Series:
    """The numeric value of a character result, NaN for text such as '<0.5', 'NEGATIVE' or blank (each distinct
    result read once)."""
    return by_distinct(orres, lambda results: pd.to_numeric(
        results.where(results.str.fullmatch(DECIMAL.pattern), None), errors="coerce"))


def standardize(orres: pd.Series, orresu: pd.Series, testcd: pd.Series, conversions: pd.DataFrame,
                *, source: str, rows: pd.Series | None = None) -> pd.DataFrame:
    """Original -> standard result and unit (--STRESC, --STRESN, --STRESU).

    `conversions` has columns TESTCD, ORRESU (the CT unit of the original result), STRESU, FACTOR and, when
    a unit needs it, OFFSET: STRESN = (ORRES + OFFSET) x FACTOR, a blank or absent OFFSET being 0 (degrees F
    -> C: OFFSET -32, FACTOR 5/9), rounded to DIGITS decimals where the column gives them (else 6). Numeric
    STRESC is the converted number written without trailing zeros.
    A censored result such as `<0.5` is converted on its number and keeps its sign in STRESC
    (`<0.5` mg/dL -> `<44.2` umol/L) while STRESN stays null (SDTMIG 3.4 §4.5.1). Text results are copied.
    A (TESTCD, ORRESU) pair with a result but no conversion row is a `MappingError`, and so is a result with a unit
    that is no finite number (`6,76` with a decimal comma, `1e400`): it could not be converted, and a text result
    takes no unit.
    `source` names the raw form and field, `rows` (the records' RAW_ROW, when given) their rows, for the messages.
    Worked out once per distinct (result, unit, test): `_per_result`.
    """
    return _per_result(lambda o, u, t, r: _standardized(o, u, t, conversions, source=source, rows=r),
                       orres, orresu, testcd, rows=rows)


def standard_number(orres: pd.Series, orresu: pd.Series, testcd: pd.Series, conversions: pd.DataFrame,
                    *, source: str, rows: pd.Series | None = None) -> pd.Series:
    """`standardize`'s STRESN alone (a reference range limit in its standard unit: --STNRLO, --STNRHI), with the
    same errors, without writing the results as text."""
    return _per_result(lambda o, u, t, r: _standard_number(o, u, t, conversions, source=source, rows=r),
                       orres, orresu, testcd, rows=rows)


def _per_result(compute: Callable, orres: pd.Series, orresu: pd.Series, testcd: pd.Series, *,
                rows: pd.Series | None) -> pd.DataFrame | pd.Series:
    """`compute(orres, orresu, testcd, rows)` once per distinct (result, unit, test) and spread back to every
    record: LB at 5,000 subjects has 34,633 of those among 698,920 records, and 31 (range limit, unit, test)
    among as many. An error is worked out again on the records, to name their rows."""
    frame = pd.DataFrame({"ORRES": orres, "ORRESU": orresu, "TESTCD": testcd})
    try:
        return by_distinct(frame, lambda d: compute(d["ORRES"], d["ORRESU"], d["TESTCD"], None))
    except MappingError:
        compute(orres, orresu, testcd, rows)
        raise


def _standardized(orres: pd.Series, orresu: pd.Series, testcd: pd.Series, conversions: pd.DataFrame, *,
                  source: str, rows: pd.Series | None) -> pd.DataFrame:
    rule, sign, number, converted = _converted(orres, orresu, testcd, conversions, source=source, rows=rows)
    has_unit = orresu.ne("")
    text = mapped(converted, _number_text).astype(str)  # str also when there is no result
    stresc = np.where(number.notna() & has_unit, sign + text, orres)
    stresn = converted.where(sign.eq("") & has_unit)
    return pd.DataFrame({"STRESC": stresc, "STRESN": stresn,
                         "STRESU": rule["STRESU"].fillna("").where(number.notna(), "")}, index=orres.index)


def _standard_number(orres: pd.Series, orresu: pd.Series, testcd: pd.Series, conversions: pd.DataFrame, *,
                     source: str, rows: pd.Series | None) -> pd.Series:
    _, sign, _, converted = _converted(orres, orresu, testcd, conversions, source=source, rows=rows)
    return converted.where(sign.eq("") & orresu.ne(""))


def _converted(orres: pd.Series, orresu: pd.Series, testcd: pd.Series, conversions: pd.DataFrame, *, source: str,
               rows: pd.Series | None) -> tuple[pd.DataFrame, pd.Series, pd.Series, pd.Series]:
    """Each record's conversion row, its result's comparison sign and number (`censored_parts`) and the number in the
    standard unit, rounded; the errors `standardize` names."""
    frame = pd.DataFrame({"TESTCD": testcd, "ORRESU": orresu}, index=orres.index)
    rule = by_distinct(frame, lambda pairs: _conversion(pairs, conversions))
    has_unit = orresu.ne("")
    if (unconverted := has_unit & rule["FACTOR"].isna()).any():
        found = sorted(set(zip(testcd[unconverted], orresu[unconverted], strict=True)))
        raise MappingError(f"{source}: no unit conversion for (test, unit) {found[:10]} (units: "
                           f"{shown_rows(orresu, unconverted, rows)}); add it to the spec")
    censored = censored_parts(orres)
    sign, number = censored["SIGN"], censored["NUMBER"]
    if (text := has_unit & orres.ne("") & ~np.isfinite(number)).any():  # a text, or a number like 1e400
        raise MappingError(f"{source}: {int(text.sum())} result(s) with a unit are no finite number "
                           f"({shown_rows(orres, text, rows)}): a decimal comma? a text result takes no unit; "
                           "correct them in the export")
    digits = rule["DIGITS"]
    converted = (number + rule["OFFSET"]) * rule["FACTOR"]
    for d in digits.unique():
        converted[digits.eq(d)] = converted[digits.eq(d)].round(d)
    refuse_records(has_unit & not_held(converted.to_numpy(dtype=float)), orres, source=source, rows=rows,
                   what=f"result(s) are, in their standard unit, {OUTSIDE_IBM}")  # 1e80: no XPT number holds it
    return rule, sign, number, converted


def require_above(values: pd.Series, lowest: float, *, source: str, rows: pd.Series, what: str,
                  reached: bool = False) -> None:
    """A `MappingError` naming the rows (`rows`: the records' RAW_ROW) whose number is not above `lowest` (or, with
    `reached`, below it): an infusion of 0 cells cannot be mapped as if it were data. Blank values and text that is
    no number are left alone (the raw checks know which fields are required; "<LLOQ" is a result): a number
    field's limits are the raw dictionary's MIN and MAX, this is for numbers in text fields and the like."""
    low = _numbers(values).lt(lowest) if reached else _numbers(values).le(lowest)
    if low.any():
        raise MappingError(f"{source}: {int(low.sum())} value(s) are {'below' if reached else 'not above'} "
                           f"{lowest:g} ({shown_rows(values, low, rows)}): {what}; correct them in the export")


def require_range(low: pd.Series, high: pd.Series, *, source: str, rows: pd.Series) -> None:
    """A `MappingError` naming the rows (RAW_ROW) whose lower limit is above their upper one: a reference range
    typed the wrong way round would make every result of the record LOW and HIGH at once."""
    inverted = _numbers(low).gt(_numbers(high))
    if inverted.any():  # the shown text is made only then: for every record it took 0.6 s of LB at 5,000 subjects
        refuse_records(inverted, low.astype(str) + " > " + high.astype(str), source=source, rows=rows,
                       what="range(s) have the lower limit above the upper one")


def _numbers(values: pd.Series) -> pd.Series:
    """Each value as a number (NaN when it is none), worked out once per distinct value: reading the two reference
    range columns of LB record by record took 0.4 s at 5,000 subjects, once per distinct value 0.04 s."""
    return by_distinct(values, lambda distinct: pd.to_numeric(distinct, errors="coerce"))


# how a record's date may not lie against its limit, for `refuse_dated`
DATE_ORDERS = {"before": operator.lt, "on or before": operator.le, "after": operator.gt, "on or after": operator.ge}


def refuse_dated(dtc: pd.Series, limit: pd.Series, *, relation: str, limit_name: str, source: str,
                 rows: pd.Series, what: str) -> None:
    """A `MappingError` naming the rows whose day (`dtc`, ISO 8601) is `relation` ("before", "on or before",
    "after", "on or after") the day of its `limit` (ISO 8601, aligned with `dtc`): a death before the infusion, a
    response on or before it, a lab after the death, an apheresis on or after the infusion. A partial or blank date
    on either side cannot be compared and is left alone.
    Each is shown `2024-03-01 before inf.csv INFDAT 2024-03-05` (`limit_name`), made only when there is one."""
    chosen = pd.Series(DATE_ORDERS[relation](dtc_date(dtc), dtc_date(limit)).to_numpy(), index=dtc.index)
    if chosen.any():
        refuse_records(chosen, dtc + f" {relation} {limit_name} " + limit, source=source, rows=rows, what=what)


def refuse_records(chosen: pd.Series, shown: pd.Series, *, source: str, rows: pd.Series | None, what: str) -> None:
    """When any record is `chosen`, a `MappingError` `<source>: <n> <what> (row 2 '<shown>', ...); correct them in
    the export`: the raw rows and values of records that cannot be mapped as if they were data."""
    if chosen.any():
        raise MappingError(f"{source}: {int(chosen.sum())} {what} ({shown_rows(shown, chosen, rows)}); correct them "
                           "in the export")


def shown_rows(values: pd.Series, chosen: pd.Series, rows: pd.Series | None) -> str:
    """The first ten chosen values, each after its raw row when the rows are known: `row 2 '6,76'`; a row and value
    shown once, however many records a raw row became (a vital signs row holds several results)."""
    where = [f"row {row} " for row in rows[chosen]] if rows is not None else [""] * int(chosen.sum())
    pairs = list(zip(where, values[chosen], strict=True))
    shown = list(dict.fromkeys(pairs)) if rows is not None else pairs
    return ", ".join(f"{at}{value!r}" for at, value in shown[:10])


def _conversion(pairs: pd.DataFrame, conversions: pd.DataFrame) -> pd.DataFrame:
    """FACTOR, OFFSET and DIGITS (as numbers) and STRESU of each (TESTCD, ORRESU) pair from the conversion rows
    (FACTOR missing for a pair without one: `_converted` names its records)."""
    merged = pairs.merge(conversions, on=["TESTCD", "ORRESU"], how="left")
    merged.index = pairs.index
    blank = pd.Series("", index=merged.index)
    return pd.DataFrame({
        "FACTOR": pd.to_numeric(merged["FACTOR"], errors="coerce"),
        "OFFSET": pd.to_numeric(merged.get("OFFSET", blank).replace("", "0"), errors="raise").fillna(0.0),
        "DIGITS": pd.to_numeric(merged.get("DIGITS", blank).replace("", "6"), errors="raise").fillna(6).astype(int),
        "STRESU": merged["STRESU"]}, index=pairs.index)


def _number_text(x: float) -> str:
    return "" if pd.isna(x) else f"{x:.6f}".rstrip("0").rstrip(".")
