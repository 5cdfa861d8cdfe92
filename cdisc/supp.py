"""Supplemental qualifiers: non-standard variables of a parent domain as SUPP-- records (SDTMIG 3.4 §8.4)."""
from __future__ import annotations

import pandas as pd

from cdisc.distinct import mapped
from cdisc.errors import MappingError
from cdisc.raw import LINEAGE
from cdisc.spec.model import Spec

SUPP_COLUMNS = ("STUDYID", "RDOMAIN", "USUBJID", "IDVAR", "IDVARVAL", "QNAM", "QLABEL", "QVAL", "QORIG", "QEVAL")


def supp_records(parent: pd.DataFrame, spec: Spec, *, rdomain: str, idvar: str, qualifiers: list[str],
                 evaluators: dict[str, str] | None = None) -> pd.DataFrame:
    """One SUPP<rdomain> record per parent record and qualifier whose value is not blank.

    `parent` holds STUDYID, USUBJID, `idvar` (e.g. AESEQ, already derived) and one column per QNAM in
    `qualifiers`; its lineage columns are kept. From the spec: QLABEL = the decoded value of the QNAM term in
    the codelist of SUPP<rdomain>.QNAM; QORIG = the Origin of the SUPP<rdomain>.QVAL value-level row whose
    where clause is `QNAM EQ <qnam>`. QEVAL = `evaluators[qnam]` (e.g. "INVESTIGATOR"), blank when absent.
    IDVARVAL is the `idvar` value as text (integral numbers without decimals), e.g. AESEQ 3.0 -> "3". A blank
    `idvar` qualifies the subject (SUPPDM): IDVAR and IDVARVAL are blank.
    """
    name = f"SUPP{rdomain}"
    labels = spec.codelist(spec.variable(name, "QNAM").codelist)
    origins = _qval_origins(spec, name)
    evaluators = evaluators or {}
    frames = []
    for qnam in qualifiers:
        if qnam not in origins:
            raise MappingError(f"{name}: QNAM {qnam} has no value-level row for QVAL (where QNAM EQ {qnam}); "
                               f"add it to specs/.../value_level/{name}.csv")
        rows = parent[parent[qnam].fillna("").astype(str).ne("")]
        frames.append(pd.DataFrame({
            "STUDYID": rows["STUDYID"], "RDOMAIN": rdomain, "USUBJID": rows["USUBJID"], "IDVAR": idvar,
            "IDVARVAL": mapped(rows[idvar], _as_text) if idvar else "", "QNAM": qnam, "QLABEL": labels.decode(qnam),
            "QVAL": rows[qnam].astype(str), "QORIG": origins[qnam], "QEVAL": evaluators.get(qnam, ""),
            **{col: rows[col] for col in LINEAGE if col in rows},
        }, index=rows.index))
    columns = [*SUPP_COLUMNS, *(c for c in LINEAGE if c in parent)]
    return pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)


def _qval_origins(spec: Spec, name: str) -> dict[str, str]:
    """QNAM -> Origin of the QVAL value-level rows of a SUPP-- dataset (where clause `QNAM EQ x`)."""
    out: dict[str, str] = {}
    for vl in spec.value_level_of(name):
        conditions = spec.where(vl.where_clause)
        if vl.variable == "QVAL" and len(conditions) == 1 and conditions[0].variable == "QNAM" \
                and conditions[0].comparator == "EQ":
            out.update(dict.fromkeys(conditions[0].values, vl.origin))
    return out


def _as_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
