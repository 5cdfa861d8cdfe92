"""The SDTM build frees each mapped frame once its dataset is finalized: the reconciliation reads only what a
result says of its raw rows (`used`, `rejected`), so a study's mapped frames are never all held at once."""
from __future__ import annotations

import gc
import weakref
from pathlib import Path

import pandas as pd

from cdisc.context import DomainResult
from cdisc.pipeline import build_sdtm
from mappings.im96.sdtm import BUILDERS

ROOT = Path(__file__).resolve().parents[2]


def test_a_mapped_frame_is_freed_once_its_dataset_is_finalized():
    dm, sv = BUILDERS[1], BUILDERS[3]
    assert (dm.__module__, sv.__module__) == ("mappings.im96.sdtm.dm", "mappings.im96.sdtm.sv")
    mapped: list[weakref.ref] = []
    alive_when_sv_starts: list[int] = []

    def watched_dm(ctx):
        results = dm(ctx)
        mapped.extend(weakref.ref(result.data) for result in results)
        return results

    def sv_counting(ctx):
        gc.collect()
        alive_when_sv_starts.append(sum(ref() is not None for ref in mapped))
        return sv(ctx)

    run = build_sdtm(ROOT / "data" / "im96" / "raw", ROOT / "specs" / "im96",
                     [BUILDERS[0], watched_dm, BUILDERS[2], sv_counting, *BUILDERS[4:]])
    assert len(mapped) == 1  # DM (SUPPDM has a module of its own)
    assert alive_when_sv_starts == [0]  # SE's build came between: DM's frames were finalized and freed
    assert len(run.datasets["DM"].data) == 15


def test_without_records_keeps_what_the_reconciliation_reads():
    used = pd.DataFrame({"RAW_FORM": ["inf"], "RAW_ROW": [4]})
    rejected = pd.DataFrame({"RAW_FORM": ["dm"], "RAW_ROW": [9], "REASON": ["screen failure"]})
    result = DomainResult("DM", pd.DataFrame({"USUBJID": ["S1", "S2"], "AGE": [61.0, 57.0]}), rejected, used)
    light = result.without_records()
    assert light.name == "DM"
    assert light.data.columns.tolist() == ["USUBJID", "AGE"] and len(light.data) == 0
    assert light.used is used and light.rejected is rejected and light.issues == ()
