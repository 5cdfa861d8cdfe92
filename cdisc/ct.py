"""CDISC controlled terminology: the shipped subset of the NCI EVS file (see `specs/ct/README.md`)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from cdisc.errors import SpecError

CT_COLUMNS = ("Codelist Code", "Codelist", "Codelist Name", "Extensible", "Code", "Submission Value",
              "Synonyms", "Preferred Term")


@dataclass(frozen=True)
class CtCodelist:
    code: str
    short_name: str
    name: str
    extensible: bool
    terms: dict[str, str] = field(default_factory=dict)  # submission value -> NCI code


@dataclass(frozen=True)
class ControlledTerminology:
    version: str
    codelists: dict[str, CtCodelist]  # by NCI codelist code

    def get(self, code: str) -> CtCodelist | None:
        return self.codelists.get(code)


def load_ct(path: Path, version: str) -> ControlledTerminology:
    """Read the shipped CT subset (CSV, one row per term)."""
    try:
        df = pd.read_csv(path, dtype=str, na_filter=False, keep_default_na=False)
    except OSError as exc:
        raise SpecError(f"cannot read controlled terminology {path}: {exc}") from exc
    missing = [c for c in CT_COLUMNS if c not in df.columns]
    if missing:
        raise SpecError(f"{path}: missing column(s) {', '.join(missing)}")
    heads = df.drop_duplicates("Codelist Code")  # a codelist's name and extensibility: its first row's
    head = dict(zip(heads["Codelist Code"], zip(heads["Codelist"], heads["Codelist Name"], heads["Extensible"],
                                                strict=True), strict=True))
    values, codes = df["Submission Value"].to_numpy(), df["Code"].to_numpy()
    out = {str(code): CtCodelist(code=str(code), short_name=head[code][0], name=head[code][1],
                                 extensible=head[code][2] == "Yes",
                                 terms=dict(zip(values[rows], codes[rows], strict=True)))
           for code, rows in sorted(df.groupby("Codelist Code", sort=False).indices.items())}
    return ControlledTerminology(version=version, codelists=out)


def merge_ct(*parts: ControlledTerminology) -> ControlledTerminology:
    """One terminology from several packages (e.g. SDTM and ADaM CT of the same date)."""
    merged: dict[str, CtCodelist] = {}
    for part in parts:
        merged.update(part.codelists)
    return ControlledTerminology(version="+".join(dict.fromkeys(p.version for p in parts)), codelists=merged)
