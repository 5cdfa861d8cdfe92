"""reconcile: every raw row is mapped or rejected, counted per form."""
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cdisc.context import DomainResult
from cdisc.distinct import known_text, remembered
from cdisc.errors import MappingError
from cdisc.finalize import Finalized
from cdisc.raw import RawStudy
from cdisc.reconcile import reconcile


def raw_study(rows: dict[str, int]) -> RawStudy:
    """Forms with the given numbers of rows (RAW_ROW 1..n)."""
    forms = {form: pd.DataFrame({"SUBJID": ["1"] * n, "RAW_FORM": form, "RAW_ROW": range(1, n + 1)})
             for form, n in rows.items()}
    return RawStudy(Path("raw"), pd.DataFrame(), pd.DataFrame(), forms)


def final(name: str, form: str, raw_rows: list[int]) -> Finalized:
    n = len(raw_rows)
    lineage = pd.DataFrame({"DATASET": name, "USUBJID": ["S1"] * n, "SEQ": [float(i) for i in range(1, n + 1)],
                            "RAW_FORM": form, "RAW_ROW": raw_rows})
    return Finalized(name, pd.DataFrame(), lineage)


def result(name: str, *, rejected: list[tuple[str, int]] = (), used: list[tuple[str, int]] = ()) -> DomainResult:
    return DomainResult(name, pd.DataFrame(),
                        rejected=pd.DataFrame(rejected, columns=["RAW_FORM", "RAW_ROW"]).assign(REASON="no subject"),
                        used=pd.DataFrame(used, columns=["RAW_FORM", "RAW_ROW"]))


def test_reconcile_counts_mapped_rejected_and_datasets_per_form():
    """ae rows 1-2 become AE records, row 3 is rejected, row 2 also feeds SUPPAE and row 3 is used by DM;
    a row both used and rejected counts as mapped. dm row 1 becomes DM."""
    raw = raw_study({"ae": 4, "dm": 1})
    results = [result("AE", rejected=[("ae", 4)]), result("SUPPAE", used=[("ae", 2)]),
               result("DM", used=[("ae", 3)], rejected=[("ae", 3)])]
    finals = [final("AE", "ae", [2, 1]), final("SUPPAE", "", []), final("DM", "dm", [1])]
    summary = reconcile(raw, results, finals).summary
    assert summary.to_dict("records") == [
        {"FORM": "ae", "ROWS": 4, "MAPPED": 3, "REJECTED": 1, "UNACCOUNTED": 0, "DATASETS": "AE DM SUPPAE"},
        {"FORM": "dm", "ROWS": 1, "MAPPED": 1, "REJECTED": 0, "UNACCOUNTED": 0, "DATASETS": "DM"},
    ]


def test_reconcile_names_rows_neither_mapped_nor_rejected():
    """Rows 2 and 4 of ae went nowhere: a MappingError naming each."""
    raw = raw_study({"ae": 4})
    with pytest.raises(MappingError) as caught:
        reconcile(raw, [result("AE", rejected=[("ae", 3)])], [final("AE", "ae", [1])])
    assert [(i.where, i.row) for i in caught.value.issues] == [("ae.csv", "2"), ("ae.csv", "4")]


@pytest.mark.parametrize("codes", [{}, {"USUBJID": (np.array([0, 1, 1, 2], dtype=np.int8),
                                                  np.array(["S2", "S1", "S10"], dtype=object))}])
def test_reconcile_lineage_is_in_order_of_dataset_subject_and_seq(codes):
    """Datasets given out of order, subjects and --SEQ out of order within them; a record of no raw form (derived)
    keeps its place in the lineage and counts for no form. The same order when the codes of AE's lineage USUBJID
    are known (remembered in order of appearance, as `finalize` remembers them: S2 is code 0)."""
    raw = raw_study({"ae": 3, "dm": 2})
    ae = Finalized("AE", pd.DataFrame(), remembered(pd.DataFrame({
        "DATASET": "AE", "USUBJID": pd.Series(["S2", "S1", "S1", "S10"], dtype=object), "SEQ": [1.0, 2.0, 1.0, 1.0],
        "RAW_FORM": ["ae", "ae", "ae", ""], "RAW_ROW": pd.array([1, 3, 2, pd.NA], dtype="Int64")}), codes))
    assert (known_text(ae.lineage["USUBJID"]) is not None) is bool(codes)
    dm = Finalized("DM", pd.DataFrame(), pd.DataFrame({
        "DATASET": "DM", "USUBJID": ["S2", "S1"], "SEQ": [1.0, 2.0], "RAW_FORM": "dm", "RAW_ROW": [2, 1]}))
    vs = Finalized("VS", pd.DataFrame(), pd.DataFrame({  # in order already, as a finished dataset mostly is
        "DATASET": "VS", "USUBJID": ["S1", "S1", "S2"], "SEQ": [1.0, 2.0, 1.0], "RAW_FORM": "", "RAW_ROW": pd.NA}))
    out = reconcile(raw, [result("DM"), result("AE"), result("VS")], [dm, vs, ae])
    assert out.lineage[["DATASET", "USUBJID", "SEQ"]].values.tolist() == [
        ["AE", "S1", 1.0], ["AE", "S1", 2.0], ["AE", "S10", 1.0], ["AE", "S2", 1.0],
        ["DM", "S1", 2.0], ["DM", "S2", 1.0], ["VS", "S1", 1.0], ["VS", "S1", 2.0], ["VS", "S2", 1.0]]
    assert out.lineage["RAW_ROW"].iloc[:2].tolist() == [2, 3] and pd.isna(out.lineage["RAW_ROW"].iloc[2])
    assert out.summary[["FORM", "MAPPED", "DATASETS"]].values.tolist() == [["ae", 3, "AE"], ["dm", 2, "DM"]]
