"""Shared test helpers (one place for pandas API churn)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd


def assert_frame_equal_by_keys(actual: pd.DataFrame, expected: pd.DataFrame, keys: list[str]) -> None:
    """Compare two frames regardless of row order and index, on the expected frame's columns."""
    cols = list(expected.columns)
    a = actual[cols].sort_values(keys, kind="mergesort").reset_index(drop=True)
    e = expected.sort_values(keys, kind="mergesort").reset_index(drop=True)
    pd.testing.assert_frame_equal(a, e, check_dtype=False)


def read_xpt_exact(path) -> tuple[dict[str, str], pd.DataFrame]:
    """Read a one-member XPT v5 file with the `xport` package's v5 decoder (independent of ReadStat).

    pandas' own XPORT reader is no exact reader: it returns 5.397605e-79 for a stored zero and drops a last record
    that ends in blanks. The xport package decodes IBM floats exactly; its `Member`/`Library` classes subclass
    pandas objects in a way pandas 3 rejects, so the header and records are decoded with its lower-level
    `MemberHeader` and `Observations`, and the frame is built here. Returns the member's metadata
    (name, label, and per variable `label:<NAME>`, `length:<NAME>`, `type:<NAME>`) and the records.
    """
    import xport
    from xport import v56

    data = memoryview(Path(path).read_bytes())
    headers = list(v56.MemberHeader.pattern.finditer(data))
    assert len(headers) == 1, f"{path}: expected one member, found {len(headers)}"
    header = v56.MemberHeader.from_bytes(data[:headers[0].end(0)])
    records = list(v56.Observations.from_bytes(data[headers[0].end(0):], header))
    meta = {"name": header.name, "label": header.dataset_label}
    for name, ns in header.items():
        numeric = ns.vtype == xport.VariableType.NUMERIC
        meta |= {f"label:{name}": ns.label, f"length:{name}": str(ns.length),
                 f"type:{name}": "numeric" if numeric else "character"}
    return meta, pd.DataFrame.from_records(records, columns=list(header))
