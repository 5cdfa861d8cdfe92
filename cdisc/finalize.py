"""Make a mapped frame into a submission dataset, driven only by the spec.

Order of work: check columns against the spec, add empty Exp/Perm columns, coerce types, sort by the
dataset keys, derive --SEQ, then check mandatory values, codelists, lengths and key uniqueness.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cdisc.context import DomainResult
from cdisc.dates import SAS_EPOCH
from cdisc.distinct import (
    CodedFrame,
    combined_places,
    distinct_rows,
    in_order_of_appearance,
    remembered,
    sorted_places,
)
from cdisc.errors import MappingError
from cdisc.issues import Issue
from cdisc.raw import LINEAGE
from cdisc.spec.model import Spec, Variable

MAX_SHOWN = 5
MAX_LOOKED_AT = 1000  # records looked at for the examples of a breach


@dataclass(frozen=True)
class Finalized:
    name: str
    data: pd.DataFrame  # spec columns only, spec order, sorted by keys
    lineage: pd.DataFrame  # DATASET, USUBJID, SEQ, RAW_FORM, RAW_ROW, one row per record
    text_codes: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)  # of `data`'s text columns

    def coded(self) -> CodedFrame:
        """`data` to pickle for another process, its text columns as their codes (`text_codes`)."""
        return CodedFrame(self.data, self.text_codes)


def finalize(result: DomainResult, spec: Spec) -> Finalized:
    ds = spec.dataset(result.name)
    variables = spec.variables_of(ds.name)
    names = [v.name for v in variables]
    df = result.data.reset_index(drop=True)
    _check_columns(ds.name, df, variables)
    df = df.assign(**{v.name: _empty(v) for v in variables if v.name not in df.columns})
    df = df.assign(**{v.name: _coerce(ds.name, df[v.name], v) for v in variables if v.numeric})
    seq = _seq_variable(ds.name, names)
    renumber = bool(seq) and df[seq].isna().all()  # numbered here, as `sequence` numbers
    # each text column factorized once: its codes sort the records, find repeated keys and make the finished column
    # (so only the other columns are put in order record by record)
    texts = {v.name: _Distinct.of(df[v.name]) for v in variables if not v.numeric}
    sort_keys = [k for k in ds.keys if not (renumber and k == seq)]
    order, sorted_keys = _key_order(df, sort_keys, texts)
    if order is not None:
        df = df.drop(columns=list(texts)).take(order).reset_index(drop=True)
        texts = {name: text.taken(order) for name, text in texts.items()}
    df = df.assign(**{name: text.column(df.index) for name, text in texts.items()})
    if renumber:
        df[seq] = (df.groupby("USUBJID", sort=False).cumcount() + 1).astype("float64")
    problems = [*_check_values(ds.name, df, variables, spec, texts),
                *_check_keys(ds.name, df, list(ds.keys), texts, sorted_keys if sort_keys == list(ds.keys) else None)]
    if problems:
        raise MappingError(f"{ds.name} breaks its spec", problems)
    codes = {name: in_order_of_appearance(text.codes, text.values) for name, text in texts.items()}
    # the lineage's USUBJID has the dataset's codes too: the reconciliation orders it by them
    lineage = remembered(_lineage(ds.name, df, seq), {"USUBJID": codes["USUBJID"]} if "USUBJID" in codes else {})
    return Finalized(ds.name, remembered(df[names], codes), lineage, codes)


def sequence(df: pd.DataFrame, spec: Spec, name: str) -> pd.DataFrame:
    """Sort by the dataset keys (other than --SEQ) and number --SEQ 1, 2, ... within USUBJID.

    For modules that need --SEQ before `finalize` (to point SUPP-- or RELREC records at it); `finalize`
    keeps a --SEQ that is already filled.
    """
    seq = _seq_variable(name, [v.name for v in spec.variables_of(name)])
    if not seq:
        raise MappingError(f"{name} has no --SEQ variable in the spec")
    out = _sort(df.reset_index(drop=True), [k for k in spec.dataset(name).keys if k != seq])
    return out.assign(**{seq: (out.groupby("USUBJID", sort=False).cumcount() + 1).astype("float64")})


def _sort(df: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    keys = [k for k in keys if k in df.columns]
    return df.sort_values(keys, kind="mergesort").reset_index(drop=True) if keys else df


def _key_order(df: pd.DataFrame, keys: list[str], texts: dict[str, _Distinct]
               ) -> tuple[np.ndarray | None, np.ndarray | None]:
    """The records' positions sorted by `keys` (those the frame has), as `_sort` sorts them (stable; text by its
    Python order, numbers with NaN last), from the text columns' codes; and each record's key as one integer, in
    that order (equal keys, equal integers). None without keys; no integers when they would not fit in 63 bits."""
    keys = [k for k in keys if k in df.columns]
    if not keys:
        return None, None
    ranks = [texts[k].ranks() if k in texts else sorted_places(df[k].to_numpy()) for k in keys]
    combined = combined_places(ranks)
    if combined is None:
        return np.lexsort(ranks[::-1]), None
    order = np.argsort(combined, kind="stable")
    return order, combined[order]


def _check_columns(name: str, df: pd.DataFrame, variables: list[Variable]) -> None:
    declared = {v.name for v in variables}
    extra = [c for c in df.columns if c not in declared and c not in LINEAGE]
    if extra:
        raise MappingError(f"{name}: column(s) {extra} are not in the spec; add them to "
                           f"specs/.../variables/{name}.csv or drop them in the mapping")
    missing_req = [v.name for v in variables if v.core == "Req" and v.name not in df.columns
                   and not v.name.endswith("SEQ")]
    if missing_req:
        raise MappingError(f"{name}: required variable(s) {missing_req} were not mapped")


def _empty(v: Variable) -> object:
    return float("nan") if v.numeric else ""


def _coerce(name: str, col: pd.Series, v: Variable) -> pd.Series:
    """A numeric variable's values as float64: dates and times as SAS numbers, text read as numbers."""
    if pd.api.types.is_datetime64_any_dtype(col):
        return _sas_number(col, v)
    if col.dtype == "float64":
        return col
    out = pd.to_numeric(col.replace("", None), errors="coerce").astype("float64")
    lost = out.isna() & col.notna()  # values that did not read as numbers: blank text or bad ones
    text = col[lost].astype(str)
    bad = text[text.ne("") & text.ne("nan")]
    if len(bad):
        raise MappingError(f"{name}.{v.name} is numeric but holds {list(bad)[:MAX_SHOWN]}")
    return out


def _text(col: pd.Series) -> pd.Series:
    """Text as a pandas string column, missing as blank; values that are not text are written with `str`."""
    if isinstance(col.dtype, pd.StringDtype):
        return col.fillna("") if _has_missing(col) else col
    return col.astype(object).where(col.notna(), "").astype(str)


def _has_missing(text: pd.Series) -> bool:
    """Whether a pandas string column has a missing value (Arrow counts them: no pass over the records)."""
    if text.dtype.storage == "pyarrow":
        return text.array.__arrow_array__().null_count > 0
    return bool(text.hasnans)


def _sas_number(col: pd.Series, v: Variable) -> pd.Series:
    """Dates and times as SAS numbers: days since 1960-01-01 (DATE formats), seconds since 1960-01-01T00:00
    (DATETIME formats) or seconds since midnight (TIME formats)."""
    fmt = v.display_format.upper()
    if fmt.startswith("DATETIME"):
        return (col - SAS_EPOCH).dt.total_seconds().astype("float64")
    if fmt.startswith("TIME"):
        return (col - col.dt.normalize()).dt.total_seconds().astype("float64")
    return (col - SAS_EPOCH).dt.days.astype("float64")


def _seq_variable(name: str, names: list[str]) -> str:
    candidate = f"{name}SEQ" if len(name) == 2 else ""
    return candidate if candidate in names else ""


def _issue(name: str, var: str, df: pd.DataFrame, mask: pd.Series | np.ndarray, message: str) -> Issue:
    found = df.index[mask][:MAX_LOOKED_AT]
    # each example once (a raw row that became several records is one), among the first records found
    shown = ", ".join(list(dict.fromkeys(_record(df, i) for i in found))[:MAX_SHOWN])
    return Issue("error", "FINALIZE", name, f"{int(mask.sum())} record(s) {message} (e.g. {shown})",
                 variable=var, value=str(df.at[found[0], var]) if len(found) else "")


def _record(df: pd.DataFrame, i: int) -> str:
    """A record as an issue shows it: its subject (its position without one) and the raw row it was mapped from,
    when it has one (`01-701-1015 from ec_raw.csv row 592`)."""
    name = str(df.at[i, "USUBJID"]) if "USUBJID" in df else str(i)
    form, row = (df.at[i, c] if c in df else None for c in LINEAGE)
    return name if pd.isna(row) or not form else f"{name} from {form}.csv row {int(row)}"


@dataclass(frozen=True)
class _Distinct:
    """A text column as its distinct values (Python strings) and each record's position among them: the checks
    look at each distinct value once, and the finished column is made from them (equal values share one string,
    as `python_text` makes it)."""
    codes: np.ndarray
    values: np.ndarray

    @classmethod
    def of(cls, column: pd.Series) -> _Distinct:
        """A text variable's values as Python strings, a missing value blank and any other value not text as `str`
        writes it (`_text`). Python strings without a missing value, as most mapped columns are, are known by
        their distinct values (nothing is made anew); any other column is made text first."""
        if column.dtype == object:
            codes, first = distinct_rows(column)
            values = column.iloc[first].to_numpy()
            if all(type(value) is str for value in values):
                return cls(codes, values)
        text = _text(column)
        codes, first = distinct_rows(text)
        return cls(codes, text.iloc[first].to_numpy(dtype=object))

    def taken(self, order: np.ndarray) -> _Distinct:
        """The column with its records in `order` (positions)."""
        return _Distinct(self.codes[order], self.values)

    def ranks(self) -> np.ndarray:
        """Each record's value's place among the distinct values sorted (Python's order of strings)."""
        return sorted_places(self.values)[self.codes]

    def records(self, flagged: np.ndarray) -> np.ndarray:
        """Which records hold a value `flagged` (one flag per distinct value) flags."""
        return flagged[self.codes]

    def lengths(self) -> np.ndarray:
        """Each distinct value's length."""
        return np.fromiter(map(len, self.values), dtype=np.intp, count=len(self.values))

    def column(self, index: pd.Index) -> pd.Series:
        return pd.Series(self.values[self.codes], index=index, dtype=object, copy=False)


def _check_values(name: str, df: pd.DataFrame, variables: list[Variable], spec: Spec,
                  texts: dict[str, _Distinct]) -> list[Issue]:
    """Mandatory values, codelists and lengths; text judged by its distinct values (records found only for an
    issue)."""
    out: list[Issue] = []
    for v in variables:
        if v.numeric:
            if v.mandatory and (blank := df[v.name].isna().to_numpy()).any():
                out.append(_issue(name, v.name, df, blank, "have no value but the variable is mandatory"))
            continue
        text = texts[v.name]
        if v.mandatory and (blank := text.values == "").any():
            out.append(_issue(name, v.name, df, text.records(blank), "have no value but the variable is mandatory"))
        if v.codelist and not spec.codelist(v.codelist).external:
            allowed = spec.codelist(v.codelist).values
            outside = np.fromiter((value != "" and value not in allowed for value in text.values), dtype=bool,
                                  count=len(text.values))
            if outside.any():
                out.append(_issue(name, v.name, df, text.records(outside), f"are not in codelist {v.codelist}"))
        if v.length and (long := text.lengths() > v.length).any():
            out.append(_issue(name, v.name, df, text.records(long), f"are longer than the spec length {v.length}"))
    return out


def _check_keys(name: str, df: pd.DataFrame, keys: list[str], texts: dict[str, _Distinct],
                sorted_keys: np.ndarray | None = None) -> list[Issue]:
    """Records that share their key: neighbours with the same integer when the records are sorted by `keys` and
    `sorted_keys` are their integers (`_key_order`); otherwise compared on the text columns' codes (equal text,
    equal code)."""
    if not keys:
        return []
    if sorted_keys is not None:
        same = sorted_keys[1:] == sorted_keys[:-1]
        dup = np.zeros(len(sorted_keys), dtype=bool)
        dup[1:] |= same
        dup[:-1] |= same
    else:
        places = [texts[k].codes if k in texts else sorted_places(df[k].to_numpy()) for k in keys]
        combined = combined_places(places)
        dup = (pd.DataFrame(dict(enumerate(places))).duplicated(keep=False) if combined is None else
               pd.Series(combined).duplicated(keep=False)).to_numpy()
    if not dup.any():
        return []
    return [_issue(name, keys[-1], df, dup, f"share their key ({', '.join(keys)})")]


def _lineage(name: str, df: pd.DataFrame, seq: str) -> pd.DataFrame:
    return pd.DataFrame({
        "DATASET": name,
        "USUBJID": df["USUBJID"] if "USUBJID" in df else "",
        "SEQ": df[seq] if seq else pd.Series(range(1, len(df) + 1), dtype="float64"),
        "RAW_FORM": df["RAW_FORM"] if "RAW_FORM" in df else "",
        # (a missing row made Int64 at once: object NAs converted one by one took 55 ms for ADLB)
        "RAW_ROW": df["RAW_ROW"].astype("Int64") if "RAW_ROW" in df else pd.Series(pd.NA, index=df.index,
                                                                                   dtype="Int64"),
    })
