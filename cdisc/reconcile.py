"""Accounting: every raw row is mapped to SDTM records or rejected with a reason, and nothing else.

`summary`: per form, rows read, rows mapped, rows rejected, and the datasets its rows went to.
`lineage`: per SDTM record, the raw form and row it came from.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cdisc.context import DomainResult
from cdisc.distinct import combined_places, sorted_distinct, sorted_places
from cdisc.errors import MappingError
from cdisc.finalize import Finalized
from cdisc.issues import Issue
from cdisc.raw import LINEAGE, RawStudy

NO_ROWS = np.array([], dtype="int64")  # the raw rows of a form that no record or rejection names


@dataclass(frozen=True)
class Reconciliation:
    summary: pd.DataFrame
    rejections: pd.DataFrame
    lineage: pd.DataFrame


def reconcile(raw: RawStudy, results: list[DomainResult], finals: list[Finalized]) -> Reconciliation:
    """Account for every raw row; raise `MappingError` listing rows that no dataset took or rejected."""
    done, targets = _by_form([*(f.lineage for f in finals), *(r.used.assign(DATASET=r.name) for r in results)])
    rejections = pd.concat([raw.cut.assign(DATASET=""), *(r.rejected.assign(DATASET=r.name) for r in results)],
                           ignore_index=True)
    rejections = rejections.astype({"RAW_ROW": int}).sort_values([*LINEAGE, "DATASET"], ignore_index=True)
    refused, _ = _by_form([rejections])
    cut = raw.cut["RAW_FORM"].value_counts().to_dict()  # rows read but left out of `raw.forms` by the data cut
    rows, problems = [], []
    for form, frame in sorted(raw.forms.items()):
        taken, dropped = done.get(form, NO_ROWS), refused.get(form, NO_ROWS)
        lost = sorted_distinct(frame.loc[~frame["RAW_ROW"].isin(taken) & ~frame["RAW_ROW"].isin(dropped), "RAW_ROW"]
                               .to_numpy())
        problems += [Issue("error", "UNACCOUNTED", f"{form}.csv", "raw row is neither mapped nor rejected",
                           row=str(r)) for r in lost[:20]]
        rows.append({"FORM": form, "ROWS": len(frame) + cut.get(form, 0), "MAPPED": len(taken),
                     "REJECTED": len(np.setdiff1d(dropped, taken, assume_unique=True)), "UNACCOUNTED": len(lost),
                     "DATASETS": " ".join(targets.get(form, []))})
    if problems:
        raise MappingError("raw rows were lost between the export and SDTM", problems)
    # each dataset's lineage (one DATASET) in order of USUBJID and SEQ, the datasets in order of name: what sorting
    # them all by DATASET, USUBJID and SEQ gives, without sorting the datasets' names record by record
    lineage = pd.concat([_sorted(f.lineage, ["USUBJID", "SEQ"]) for f in sorted(finals, key=lambda f: f.name)],
                        ignore_index=True)
    return Reconciliation(pd.DataFrame(rows), rejections[["RAW_FORM", "RAW_ROW", "DATASET", "REASON"]], lineage)


def _by_form(pieces: list[pd.DataFrame]) -> tuple[dict[str, np.ndarray], dict[str, list[str]]]:
    """Of each raw form (RAW_FORM) that records of `pieces` name: its distinct raw rows (RAW_ROW, sorted) and the
    datasets (DATASET, sorted) they are in. A record of no form (missing or blank) is left out."""
    rows: dict[str, list[np.ndarray]] = defaultdict(list)
    datasets: dict[str, set[str]] = defaultdict(set)
    for piece in pieces:
        codes, forms = pd.factorize(piece["RAW_FORM"])
        named, names = pd.factorize(piece["DATASET"])
        raw_rows = piece["RAW_ROW"].to_numpy()
        for i, form in enumerate(forms):
            if form != "":
                chosen = codes == i
                rows[form].append(raw_rows[chosen])
                datasets[form].update(names[pd.unique(named[chosen])])
    return ({str(form): sorted_distinct(np.concatenate(found).astype(int)) for form, found in rows.items()},
            {str(form): sorted(map(str, found)) for form, found in datasets.items()})


def _sorted(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """`frame.sort_values(keys, kind="stable")` (text in Python's order, a missing value last), from each key's
    distinct values."""
    places = [sorted_places(frame[k]) for k in keys]
    combined = combined_places(places)
    if combined is not None and (np.diff(combined) >= 0).all():  # in order already, as a finished dataset mostly is
        return frame
    return frame.take(np.lexsort(places[::-1]))
