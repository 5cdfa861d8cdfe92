"""Cell-by-cell agreement of our SDTM with the expected SDTM (pharmaversesdtm), records matched by content.

Records are paired on a content key per dataset (variables that come straight from the export), the n-th of
equal keys with the n-th; --SEQ and the IDVARVAL pointing at it are the sponsor's numbering and are not
compared. SUPP-- records are paired through their parent's content key. Values are compared as text, or as
numbers when both are numbers ("3.0" equals 3).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyreadstat

# content key of each dataset (SUPP--: the parent's, joined through IDVARVAL)
MATCH = {
    "DM": ["USUBJID"],
    "AE": ["USUBJID", "AEDECOD", "AELLT", "AEDTC", "AEENDTC", "AESEV"],
    "DS": ["USUBJID", "DSDECOD", "DSSTDTC"],
    "EX": ["USUBJID", "EXSTDTC"],
    "VS": ["USUBJID", "VSTESTCD", "VSDTC", "VSTPT", "VSPOS"],
    "SUPPDM": ["USUBJID", "QNAM"],
    "SUPPAE": ["USUBJID", "QNAM"],
    "SUPPDS": ["USUBJID", "QNAM"],
}
NOT_COMPARED = {"AESEQ", "DSSEQ", "EXSEQ", "VSSEQ", "IDVARVAL"}


@dataclass(frozen=True)
class Agreement:
    dataset: str
    rows_ours: int
    rows_expected: int
    cells: int  # expected cells compared
    equal: int
    differing: dict[str, int]  # variable -> cells that differ

    @property
    def share(self) -> float:
        return self.equal / self.cells if self.cells else 1.0


def read_ours(folder: Path) -> dict[str, pd.DataFrame]:
    out = {}
    for path in sorted(folder.glob("*.xpt")):
        df, _ = pyreadstat.read_xport(str(path))
        out[path.stem.upper()] = df.astype(object).where(df.notna(), "").astype(str)
    return out


def read_expected(folder: Path) -> dict[str, pd.DataFrame]:
    return {p.stem.upper(): pd.read_csv(p, dtype=str, keep_default_na=False) for p in sorted(folder.glob("*.csv"))}


def agreement(name: str, ours: pd.DataFrame | None, expected: pd.DataFrame,
              parents: tuple[pd.DataFrame, pd.DataFrame] | None = None) -> Agreement:
    """`parents`: (our parent, expected parent) of a SUPP-- dataset whose IDVAR points at --SEQ."""
    ours = ours if ours is not None else pd.DataFrame(columns=expected.columns)
    keyed_ours, keyed_exp = _keyed(name, ours, parents and parents[0]), _keyed(name, expected, parents and parents[1])
    pairs = keyed_exp.merge(keyed_ours, on="_KEY", how="left", suffixes=("", "_OURS"), indicator=True)
    compared = [c for c in expected.columns if c not in NOT_COMPARED]
    differing, equal = {}, 0
    for col in compared:
        theirs = pairs[col]
        mine = pairs[f"{col}_OURS"] if f"{col}_OURS" in pairs else pd.Series("", index=pairs.index)
        same = _same(theirs, mine.fillna("")) & pairs["_merge"].eq("both")
        if f"{col}_OURS" not in pairs:
            same[:] = False
        equal += int(same.sum())
        if not same.all():
            differing[col] = int((~same).sum())
    return Agreement(name, len(ours), len(expected), len(pairs) * len(compared), equal, differing)


def _keyed(name: str, df: pd.DataFrame, parent: pd.DataFrame | None) -> pd.DataFrame:
    """`df` with `_KEY`: its content key (a SUPP-- record's includes its parent's), then #n for the n-th."""
    if df.empty:
        return df.assign(_KEY=pd.Series(dtype=str))
    key = _content_key(name, df)
    if parent is not None and df["IDVAR"].ne("").any():
        rdomain = df["RDOMAIN"].iloc[0]
        seq = parent["USUBJID"] + "#" + parent[f"{rdomain}SEQ"].map(_integral)
        lookup = pd.Series(_content_key(rdomain, parent).to_numpy(), index=seq.to_numpy())
        key = key + "|" + (df["USUBJID"] + "#" + df["IDVARVAL"].map(_integral)).map(lookup).fillna("?")
    return df.assign(_KEY=key + "#" + key.groupby(key).cumcount().astype(str))


def _content_key(name: str, df: pd.DataFrame) -> pd.Series:
    return df[MATCH[name]].astype(str).agg("|".join, axis=1)


def _integral(v: str) -> str:
    try:
        return str(int(float(v)))
    except ValueError:
        return v


def _same(a: pd.Series, b: pd.Series) -> pd.Series:
    text = a.astype(str).eq(b.astype(str))
    na, nb = pd.to_numeric(a, errors="coerce"), pd.to_numeric(b, errors="coerce")
    return text | (na.notna() & nb.notna() & (na - nb).abs().lt(1e-9))


def compare(ours: dict[str, pd.DataFrame], expected: dict[str, pd.DataFrame]) -> list[Agreement]:
    out = []
    for name in sorted(expected):
        parents = None
        if name.startswith("SUPP"):
            parent = name[4:]
            parents = (ours.get(parent, pd.DataFrame()), expected[parent])
        out.append(agreement(name, ours.get(name), expected[name], parents))
    return out
