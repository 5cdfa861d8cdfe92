"""Accounting: every raw row is mapped to SDTM records or rejected with a reason, and nothing else.

`summary`: per form, rows read, rows mapped, rows rejected, and the datasets its rows went to.
`lineage`: per SDTM record, the raw form and row it came from.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cdisc.context import DomainResult
from cdisc.distinct import sorted_distinct
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
    lineage = pd.concat([f.lineage for f in finals], ignore_index=True)
    from_raw = lineage[lineage["RAW_FORM"].fillna("").ne("")]
    used = pd.concat([r.used.assign(DATASET=r.name) for r in results], ignore_index=True)
    mapped = pd.concat([from_raw[["DATASET", *LINEAGE]], used[["DATASET", *LINEAGE]]], ignore_index=True)
    mapped["RAW_ROW"] = mapped["RAW_ROW"].astype(int)
    rejections = pd.concat([r.rejected.assign(DATASET=r.name) for r in results], ignore_index=True)
    rejections = rejections.astype({"RAW_ROW": int}).sort_values([*LINEAGE, "DATASET"], ignore_index=True)
    done, refused = _rows_by_form(mapped), _rows_by_form(rejections)
    targets = mapped.groupby("RAW_FORM")["DATASET"].unique()
    rows, problems = [], []
    for form, frame in sorted(raw.forms.items()):
        taken, dropped = done.get(form, NO_ROWS), refused.get(form, NO_ROWS)
        lost = sorted_distinct(frame.loc[~frame["RAW_ROW"].isin(taken) & ~frame["RAW_ROW"].isin(dropped), "RAW_ROW"]
                               .to_numpy())
        problems += [Issue("error", "UNACCOUNTED", f"{form}.csv", "raw row is neither mapped nor rejected",
                           row=str(r)) for r in lost[:20]]
        datasets = sorted(targets.get(form, []))
        rows.append({"FORM": form, "ROWS": len(frame), "MAPPED": len(taken),
                     "REJECTED": len(np.setdiff1d(dropped, taken, assume_unique=True)), "UNACCOUNTED": len(lost),
                     "DATASETS": " ".join(datasets)})
    if problems:
        raise MappingError("raw rows were lost between the export and SDTM", problems)
    return Reconciliation(pd.DataFrame(rows), rejections[["RAW_FORM", "RAW_ROW", "DATASET", "REASON"]],
                          lineage.sort_values(["DATASET", "USUBJID", "SEQ"], ignore_index=True))


def _rows_by_form(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """The distinct raw rows (RAW_ROW, sorted) of each raw form (RAW_FORM) in `frame`."""
    return {str(form): sorted_distinct(rows.to_numpy()) for form, rows in frame.groupby("RAW_FORM")["RAW_ROW"]}
