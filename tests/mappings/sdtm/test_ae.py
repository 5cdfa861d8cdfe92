"""AE + SUPPAE mapping on a 2-subject raw fixture: ASTCT and CTCAE grades, seriousness, partial and timed
dates, an ongoing event, a subject never infused, SUPPAE qualifiers, an unknown subject rejected."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cdisc.context import StudyContext
from cdisc.errors import MappingError, RawInputError
from cdisc.finalize import finalize
from cdisc.raw import RawStudy, load_raw
from mappings.im96.sdtm import ae
from tests.helpers import assert_frame_equal_by_keys

NAN = np.nan
MEDDRA = ["AELLT", "AELLTCD", "AEDECOD", "AEPTCD", "AEHLT", "AEHLTCD", "AEHLGT", "AEHLGTCD", "AEBODSYS", "AESOCCD"]
COLUMNS = ["SUBJID", "AESEQ", "AETERM", *MEDDRA, "AESTDAT", "AESTTIM", "AEENDAT", "AEENTIM",
           "AEONGO", "AETOXGR", "AETOXSCL", "AESER", "AESDTH", "AESLIFE", "AESHOSP", "AESDISAB", "AESCONG", "AESMIE",
           "AEREL", "AERELLD", "AEACN", "AEOUT", "AEDLT"]
# coding export rows (codes as in the CDISC pilot 01 export; blank where the export has none)
CRS = ["Cytokine release syndrome", "", "Cytokine release syndrome", "", "", "", "", "", "Immune system disorders",
       "10021428"]
NEUTROPENIA = ["Neutropenia", "", "Neutropenia", "", "", "", "", "", "Blood and lymphatic system disorders",
               "10005329"]
FATIGUE = ["Tiredness", "10043890", "Fatigue", "10016256", "", "", "", "",
           "General disorders and administration site conditions", "10018065"]
HEADACHE = ["Headache", "10019211", "Headache", "10019211", "", "", "", "", "Nervous system disorders", "10029205"]
RAW = [
    ["001-001", "1", "cytokine release syndrome", *CRS, "06-MAR-2024", "02:46", "09-MAR-2024", "10:35", "N", "2",
     "ASTCT 2019", "Y", "N", "N", "Y", "N", "N", "N", "PROBABLY RELATED", "UNLIKELY RELATED", "NOT APPLICABLE",
     "RECOVERED/RESOLVED", "N"],
    ["001-001", "2", "NEUTROPENIA", *NEUTROPENIA, "UN-MAR-2024", "", "", "", "Y", "4", "CTCAE V5.0", "N", "N", "N",
     "N", "N", "N", "N", "POSSIBLY RELATED", "", "NOT APPLICABLE", "NOT RECOVERED/NOT RESOLVED", "Y"],
    ["001-002", "1", "tiredness", *FATIGUE, "20-MAR-2024", "", "22-MAR-2024", "", "N", "1", "CTCAE V5.0", "N", "N",
     "N", "N", "N", "N", "N", "NOT RELATED", "NOT RELATED", "NOT APPLICABLE", "RECOVERED/RESOLVED", "N"],
    ["001-099", "1", "Headache", *HEADACHE, "01-APR-2024", "", "", "", "Y",
     "1", "CTCAE V5.0", "N", "N", "N", "N", "N", "N", "N", "NOT RELATED", "", "NOT APPLICABLE", "UNKNOWN", "N"],
]
DM = pd.DataFrame({"USUBJID": ["IM96-001-001", "IM96-001-002"], "SUBJID": ["001-001", "001-002"],
                   "RFSTDTC": ["2024-03-05T11:10", ""], "RFPENDTC": ["2024-07-02", "2024-04-30"],
                   "DTHDTC": ["", ""]})
SE = pd.DataFrame({"USUBJID": ["IM96-001-001", "IM96-001-001", "IM96-001-002", "IM96-001-002"],
                   "SESTDTC": ["2024-02-29", "2024-03-05", "2024-02-10", "2024-03-18"],
                   "EPOCH": ["LYMPHODEPLETION", "TREATMENT", "SCREENING", "CELL COLLECTION"]})



def context_with(spec, row: int = 0, field: str = "", value: str = "") -> StudyContext:
    """The fixture's AE form (raw rows 1-4) with one cell (0-based `row`, `field`) set to `value` when given."""
    rows = [list(r) for r in RAW]
    if field:
        rows[row][COLUMNS.index(field)] = value
    raw = RawStudy(Path("."), pd.DataFrame(), pd.DataFrame(),
                   {"ae": pd.DataFrame(rows, columns=COLUMNS).assign(RAW_FORM="ae", RAW_ROW=[1, 2, 3, 4])})
    return StudyContext(spec=spec, raw=raw, design_dir=Path("specs/im96/design"), done={"DM": DM, "SE": SE})


@pytest.fixture(scope="module")
def built(spec):
    return ae.build(context_with(spec))


def test_build_ae_maps_events(spec, built):
    """AESEQ by AEDECOD then AESTDTC within subject; times kept on complete dates; UN-MAR-2024 -> 2024-03 with no
    study day or EPOCH; ONGOING at the last contact (DM.RFPENDTC); no study day for a subject never infused (no
    RFSTDTC); the serious CRS is hospitalised; the CRF line is AESPID."""
    result, _ = built
    out = finalize(result, spec).data
    expected = pd.DataFrame(
        [
            # USUBJID, AESEQ, AESPID, AETERM, AEDECOD, AESER, AESHOSP, AEREL, AEOUT, AETOXGR, EPOCH, AESTDTC,
            # AEENDTC, AESTDY, AEENDY, AEENRTPT, AEENTPT
            ["IM96-001-001", 1.0, "1", "cytokine release syndrome", "Cytokine release syndrome", "Y", "Y",
             "PROBABLY RELATED", "RECOVERED/RESOLVED", "2", "TREATMENT", "2024-03-06T02:46", "2024-03-09T10:35",
             2.0, 5.0, "", ""],
            ["IM96-001-001", 2.0, "2", "NEUTROPENIA", "Neutropenia", "N", "N", "POSSIBLY RELATED",
             "NOT RECOVERED/NOT RESOLVED", "4", "", "2024-03", "", NAN, NAN, "ONGOING", "2024-07-02"],
            ["IM96-001-002", 1.0, "1", "tiredness", "Fatigue", "N", "N", "NOT RELATED", "RECOVERED/RESOLVED", "1",
             "CELL COLLECTION", "2024-03-20", "2024-03-22", NAN, NAN, "", ""],
        ],
        columns=["USUBJID", "AESEQ", "AESPID", "AETERM", "AEDECOD", "AESER", "AESHOSP", "AEREL", "AEOUT", "AETOXGR",
                 "EPOCH", "AESTDTC", "AEENDTC", "AESTDY", "AEENDY", "AEENRTPT", "AEENTPT"],
    )
    assert_frame_equal_by_keys(out, expected, keys=["USUBJID", "AESEQ"])
    assert out["AEACN"].eq("NOT APPLICABLE").all()
    assert result.rejected[["RAW_FORM", "RAW_ROW"]].values.tolist() == [["ae", 4]]


def test_build_ae_carries_the_meddra_hierarchy(spec, built):
    """LLT, PT, HLT, HLGT and SOC with their codes come from the coding export; AESOC = AEBODSYS and AESOCCD =
    AEBDSYCD, the primary SOC (CDISC CG0039/CG0037); a code the export leaves blank stays null."""
    result, _ = built
    out = finalize(result, spec).data
    blood, immune = "Blood and lymphatic system disorders", "Immune system disorders"
    general = "General disorders and administration site conditions"
    expected = pd.DataFrame(
        [
            ["IM96-001-001", 1.0, "Cytokine release syndrome", NAN, NAN, immune, 10021428.0, immune, 10021428.0],
            ["IM96-001-001", 2.0, "Neutropenia", NAN, NAN, blood, 10005329.0, blood, 10005329.0],
            ["IM96-001-002", 1.0, "Tiredness", 10043890.0, 10016256.0, general, 10018065.0, general, 10018065.0],
        ],
        columns=["USUBJID", "AESEQ", "AELLT", "AELLTCD", "AEPTCD", "AEBODSYS", "AEBDSYCD", "AESOC", "AESOCCD"],
    )
    assert_frame_equal_by_keys(out, expected, keys=["USUBJID", "AESEQ"])
    assert out["AEHLT"].eq("").all() and out["AEHLGTCD"].isna().all()
    assert result.rejected[["RAW_FORM", "RAW_ROW"]].values.tolist() == [["ae", 4]]


def test_build_ae_supplemental_qualifiers(spec, built):
    """SUPPAE: one record per non-blank qualifier (no AERELLD for the event where it was not assessed), IDVARVAL
    = AESEQ as text, QLABEL from the AEQNAM codelist, QORIG from the QVAL value-level origin, QEVAL INVESTIGATOR
    for the investigator's judgements only (SDTMIG 3.4 §8.4)."""
    _, supp = built
    out = finalize(supp, spec).data
    dlt, rel, scale = "Dose-Limiting Toxicity", "Relationship to Lymphodepletion", "Toxicity Grading Scale"
    expected = pd.DataFrame(
        [
            ["IM96-001-001", "1", "AEDLT", dlt, "N", "Collected", "INVESTIGATOR"],
            ["IM96-001-001", "1", "AERELLD", rel, "UNLIKELY RELATED", "Collected", "INVESTIGATOR"],
            ["IM96-001-001", "1", "AETOXSCL", scale, "ASTCT 2019", "Collected", ""],
            ["IM96-001-001", "2", "AEDLT", dlt, "Y", "Collected", "INVESTIGATOR"],
            ["IM96-001-001", "2", "AETOXSCL", scale, "CTCAE V5.0", "Collected", ""],
            ["IM96-001-002", "1", "AEDLT", dlt, "N", "Collected", "INVESTIGATOR"],
            ["IM96-001-002", "1", "AERELLD", rel, "NOT RELATED", "Collected", "INVESTIGATOR"],
            ["IM96-001-002", "1", "AETOXSCL", scale, "CTCAE V5.0", "Collected", ""],
        ],
        columns=["USUBJID", "IDVARVAL", "QNAM", "QLABEL", "QVAL", "QORIG", "QEVAL"],
    )
    assert_frame_equal_by_keys(out, expected, keys=["USUBJID", "IDVARVAL", "QNAM"])
    assert (out["STUDYID"] + out["RDOMAIN"] + out["IDVAR"]).eq("IM96AEAESEQ").all()


@pytest.mark.parametrize("line", ["0", "-1"])
def test_an_ae_line_number_below_1_is_refused_by_the_exports_dictionary(tmp_path, line):
    """ae.csv AESEQ is the form's line number, which CMAENO on the medication form points at: the export's
    dictionary gives it a MIN of 1, so 0 or -1 (row 1) is refused naming the row and value before any mapping."""
    raw = shutil.copytree("data/im96/raw", tmp_path / "raw")
    form = pd.read_csv(raw / "ae.csv", dtype=str, keep_default_na=False)
    form.loc[0, "AESEQ"] = line
    form.to_csv(raw / "ae.csv", index=False)
    with pytest.raises(RawInputError) as info:
        load_raw(raw)
    assert [(i.code, i.where, i.variable, i.row, i.value, i.message) for i in info.value.issues] == [
        ("RAW_OUT_OF_RANGE", "ae.csv", "AESEQ", "1", line, "value is below the dictionary's MIN of 1")]


def test_an_unknown_seriousness_answer_is_named_with_its_raw_row(spec):
    """'maybe' in AESER (row 3): the message names the form, field, codelist, row and value, as every mapping of a
    raw field to CT does."""
    with pytest.raises(MappingError) as info:
        ae.build(context_with(spec, 2, "AESER", "maybe"))
    assert str(info.value) == ("ae.csv AESER: value(s) ['maybe'] are not terms or collected values of codelist NY "
                               "(row 3 'maybe'); add them to the codelist's Collected Values in the spec")


def test_an_ae_starting_after_the_subjects_death_is_refused_naming_its_row(spec):
    """001-001 died on 2024-03-05 (DM.DTHDTC): its CRS of 06-MAR-2024 (row 1) cannot have begun after it; its
    neutropenia of UN-MAR-2024 (row 2) cannot be compared and is no refusal. It was mapped, exit 0."""
    ctx = context_with(spec)
    ctx.done["DM"] = DM.assign(DTHDTC=["2024-03-05", ""])
    with pytest.raises(MappingError) as info:
        ae.build(ctx)
    assert str(info.value) == ("ae.csv AESTDAT: 1 record(s) dated after the subject's death (row 1 '2024-03-06T02:46 "
                               "after DM.DTHDTC 2024-03-05'); correct them in the export")
