"""Verbs for Events and Interventions records (AE, CM, MH, ...)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from cdisc.algorithms import refuse_records
from cdisc.distinct import mapped, subject_values
from cdisc.errors import MappingError

ONGOING = "ONGOING"


def add_ongoing(df: pd.DataFrame, dm: pd.DataFrame, *, ongoing: pd.Series, reference: str, enrtpt: str,
                entpt: str) -> pd.DataFrame:
    """End Relative to Reference Time Point / End Reference Time Point (SDTMIG 3.4 §4.4.7).

    Where `ongoing` (a row mask, e.g. the CRF "Ongoing" box) is true: `enrtpt` = "ONGOING" (CT STENRF) and
    `entpt` = the subject's DM date named by `reference` (e.g. "RFPENDTC", the last contact, or "RFICDTC");
    both null elsewhere.

    >>> dm = pd.DataFrame({"USUBJID": ["S1"], "RFPENDTC": ["2025-06-01"]})
    >>> add_ongoing(pd.DataFrame({"USUBJID": ["S1", "S1"]}), dm, ongoing=pd.Series([True, False]),
    ...             reference="RFPENDTC", enrtpt="AEENRTPT", entpt="AEENTPT").values.tolist()
    [['S1', 'ONGOING', '2025-06-01'], ['S1', '', '']]
    """
    ref = subject_values(df["USUBJID"], dm, reference).fillna("")
    return df.assign(**{enrtpt: np.where(ongoing, ONGOING, ""), entpt: ref.where(ongoing, "")})


# MedDRA coding columns of an EDC coding export -> SDTM Events qualifiers (SDTM v2.0 Events class)
MEDDRA_COLUMNS = {"LLT": "LLT", "LLTCD": "LLTCD", "DECOD": "DECOD", "PTCD": "PTCD", "HLT": "HLT", "HLTCD": "HLTCD",
                  "HLGT": "HLGT", "HLGTCD": "HLGTCD", "BODSYS": "BODSYS", "BDSYCD": "SOCCD", "SOC": "BODSYS",
                  "SOCCD": "SOCCD"}


def add_meddra(df: pd.DataFrame, form: pd.DataFrame, *, prefix: str) -> pd.DataFrame:
    """The MedDRA hierarchy of a coded Events record: --LLT/--LLTCD, --DECOD/--PTCD, --HLT/--HLTCD,
    --HLGT/--HLGTCD, --BODSYS/--BDSYCD and --SOC/--SOCCD.

    `form` is the raw form aligned with `df`, carrying the coding export's columns `<prefix>LLT`,
    `<prefix>LLTCD`, `<prefix>DECOD`, `<prefix>PTCD`, `<prefix>HLT`, `<prefix>HLTCD`, `<prefix>HLGT`,
    `<prefix>HLGTCD`, `<prefix>BODSYS` (the primary SOC) and `<prefix>SOCCD`. MedDRA being multi-axial,
    --BODSYS is the primary SOC used for analysis, so --SOC = --BODSYS and --SOCCD = --BDSYCD (CDISC
    conformance rules CG0039, CG0037).

    >>> form = pd.DataFrame({f"AE{c}": [v] for c, v in [("LLT", "Fever"), ("LLTCD", "10016558"),
    ...     ("DECOD", "Pyrexia"), ("PTCD", ""), ("HLT", ""), ("HLTCD", ""), ("HLGT", ""), ("HLGTCD", ""),
    ...     ("BODSYS", "General disorders and administration site conditions"), ("SOCCD", "10018065")]})
    >>> coded = add_meddra(pd.DataFrame(index=form.index), form, prefix="AE")
    >>> coded[["AEDECOD", "AESOC", "AEBDSYCD"]].values.tolist()
    [['Pyrexia', 'General disorders and administration site conditions', '10018065']]
    """
    missing = [f"{prefix}{c}" for c in dict.fromkeys(MEDDRA_COLUMNS.values()) if f"{prefix}{c}" not in form]
    if missing:
        raise MappingError(f"the form lacks the MedDRA coding column(s) {', '.join(missing)}; "
                           "the coding export must carry the whole hierarchy")
    file = f"{form['RAW_FORM'].iloc[0]}.csv" if "RAW_FORM" in form and len(form) else "the coding export"
    _refuse_another_primary_soc(form, prefix, file)
    coded = df.assign(**{f"{prefix}{target}": form[f"{prefix}{raw}"] for target, raw in MEDDRA_COLUMNS.items()})
    for term, code in MEDDRA_PAIRS:
        coded[f"{prefix}{code}"] = complete_codes(coded[f"{prefix}{term}"], coded[f"{prefix}{code}"],
                                                  source=f"{file} {prefix}{MEDDRA_COLUMNS[code]}",
                                                  rows=form["RAW_ROW"] if "RAW_ROW" in form else None)
    return coded


def _refuse_another_primary_soc(form: pd.DataFrame, prefix: str, file: str) -> None:
    """--BDSYCD and --SOC are taken from the primary SOC's code and name (`MEDDRA_COLUMNS`); a coding export that also
    carries them (the pilot's AEBDSYCD, AESOC) must agree, or the value it gives would be dropped silently."""
    for own, primary in (("BDSYCD", "SOCCD"), ("SOC", "BODSYS")):
        if f"{prefix}{own}" in form:
            given, taken = form[f"{prefix}{own}"], form[f"{prefix}{primary}"]
            refuse_records(given.ne("") & taken.ne("") & given.ne(taken),
                           given + f" against {prefix}{primary} " + taken, source=f"{file} {prefix}{own}",
                           rows=form["RAW_ROW"] if "RAW_ROW" in form else None,
                           what=f"value(s) other than the primary SOC's ({prefix}{primary})")


# MedDRA term variable -> its code variable (suffixes after the domain prefix)
MEDDRA_PAIRS = (("LLT", "LLTCD"), ("DECOD", "PTCD"), ("HLT", "HLTCD"), ("HLGT", "HLGTCD"), ("BODSYS", "BDSYCD"),
                ("SOC", "SOCCD"))


def complete_codes(term: pd.Series, code: pd.Series, *, source: str = "the coding export",
                   rows: pd.Series | None = None) -> pd.Series:
    """A dictionary term has one code: a blank code takes the code its term carries on other records of the same
    coding export; it stays blank when no record gives one. A term with two codes is a `MappingError` naming
    `source` and each of its codes with the first raw row (`rows`) that gives it; codes compare as the numbers the
    SDTM code variables hold (010003058 is 10003058).

    >>> complete_codes(pd.Series(["Nausea", "Nausea", "Rash"]), pd.Series(["10028813", "", ""])).tolist()
    ['10028813', '10028813', '']
    """
    number = pd.to_numeric(code, errors="coerce")
    given = pd.DataFrame({"TERM": term, "CODE": code, "NUMBER": number.astype(object).where(number.notna(), code),
                          "ROW": rows if rows is not None else pd.Series(range(1, len(code) + 1), index=code.index)})
    given = given[code.ne("") & term.ne("")]
    known = given.drop_duplicates(["TERM", "NUMBER"])
    if (clash := known["TERM"].duplicated(keep=False)).any():
        shown = ", ".join(f"{t!r} {c} (row {r})" for t, c, r in known.loc[clash, ["TERM", "CODE", "ROW"]].values[:10])
        raise MappingError(f"{source}: {known.loc[clash, 'TERM'].nunique()} MedDRA term(s) with more than one code "
                           f"({shown}); correct them in the export")
    return code.where(code.ne(""), mapped(term, known.set_index("TERM")["CODE"])).fillna("")
