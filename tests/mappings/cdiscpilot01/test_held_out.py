"""A held-out variant of the pilot export (three subjects left out of every form, one subject renamed, every
form's rows shuffled) maps to the matching subset of the expected SDTM: nothing is looked up by subject or by
row position. The mapping alone runs (no XPT, define or validation): it is what could depend on either."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cdisc.errors import MappingError, RawInputError
from cdisc.pipeline import build_sdtm
from cdisc.raw import load_raw
from mappings.cdiscpilot01 import mappings
from tests.mappings.cdiscpilot01.agreement import compare, read_expected

ROOT = Path(__file__).resolve().parents[3]
RAW = ROOT / "data" / "cdiscpilot01" / "raw"
SPEC = ROOT / "specs" / "cdiscpilot01"
EXPECTED = ROOT / "tests" / "fixtures" / "cdiscpilot01"
LEFT_OUT = ["701-1023", "704-1445", "718-1427"]  # a placebo subject, the subject with a fatal AE, a high-dose one
RENAMED = ("701-1015", "701-9015")


def write_variant(folder: Path) -> None:
    folder.mkdir()
    for path in sorted(RAW.glob("*.csv")):
        form = pd.read_csv(path, dtype=str, keep_default_na=False)
        form = form[~form["PATNUM"].isin(LEFT_OUT)].replace({"PATNUM": {RENAMED[0]: RENAMED[1]}})
        form = form.iloc[np.random.default_rng(12).permutation(len(form))]
        form.to_csv(folder / path.name, index=False, lineterminator="\n")


def as_text(df: pd.DataFrame) -> pd.DataFrame:
    """Finalized frames as the agreement check reads XPT: text, numbers as numbers print, missing blank."""
    return df.astype(object).where(df.notna(), "").astype(str)


def subset(expected: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The expected SDTM of the kept subjects, the renamed subject under its new name."""
    old, new = (f"01-{p}" for p in RENAMED)
    out = {}
    for name, df in expected.items():
        kept = df[~df["USUBJID"].isin([f"01-{p}" for p in LEFT_OUT])].replace({"USUBJID": {old: new}})
        if "SUBJID" in kept:
            kept = kept.replace({"SUBJID": {RENAMED[0][4:]: RENAMED[1][4:]}})
        out[name] = kept
    return out


def test_held_out_variant_maps_to_the_matching_subset(tmp_path):
    write_variant(tmp_path / "raw")
    run = build_sdtm(tmp_path / "raw", SPEC, mappings().sdtm)
    ours = {name: as_text(f.data) for name, f in run.datasets.items()}
    full_expected = read_expected(EXPECTED)
    variant = {a.dataset: a for a in compare(ours, subset(full_expected))}
    # the renamed subject is there under its new name, the left-out ones nowhere
    assert "01-701-9015" in set(ours["DM"]["USUBJID"]) and "01-701-1015" not in set(ours["DM"]["USUBJID"])
    assert not set(ours["DM"]["USUBJID"]) & {f"01-{p}" for p in LEFT_OUT}
    # row counts: the full run's minus the left-out subjects' records, counted in the fixture CSVs and the full
    # run's XPT (e.g. AE 1191 - 21); SUPPDM, SUPPDS and VS differ as in the full run (MAPPING.md, Row counts)
    assert {n: (a.rows_ours, a.rows_expected) for n, a in variant.items()} == {
        "AE": (1170, 1170), "DM": (303, 303), "DS": (839, 839), "EX": (585, 585), "SUPPAE": (1170, 1170),
        "SUPPDM": (953, 1184), "SUPPDS": (0, 3), "VS": (29332, 29331)}
    cells = sum(a.cells for a in variant.values())
    equal = sum(a.equal for a in variant.values())
    assert equal / cells >= 0.95
    # the same variables differ as in the full comparison, none more
    assert set((n, v) for n, a in variant.items() for v in a.differing) <= FULL_DIFFERING


FULL_DIFFERING = {
    ("AE", "AESPID"), ("AE", "AELLTCD"), ("AE", "AEBDSYCD"), ("AE", "AESOCCD"), ("AE", "AESTDTC"), ("AE", "AESTDY"),
    ("DM", "RFENDTC"), ("DM", "RFICDTC"), ("DM", "RFPENDTC"), ("DM", "BRTHDTC"), ("DM", "ARMCD"), ("DM", "ARM"),
    ("DM", "ACTARMCD"), ("DM", "ACTARM"), ("DS", "DSSPID"), ("SUPPAE", "QVAL"), ("SUPPAE", "QORIG"),
    *(("SUPPDM", v) for v in ("STUDYID", "RDOMAIN", "USUBJID", "IDVAR", "QNAM", "QLABEL", "QVAL", "QORIG", "QEVAL")),
    *(("SUPPDS", v) for v in ("STUDYID", "RDOMAIN", "USUBJID", "IDVAR", "QNAM", "QLABEL", "QVAL", "QORIG")),
    ("VS", "VSORRESU"), ("VS", "VSSTRESC"), ("VS", "VSSTRESN"), ("VS", "VSSTRESU"), ("VS", "VSBLFL"),
}


def export_with(tmp_path: Path, form: str, row: int, field: str, value: str, **more: str) -> Path:
    """A copy of the pilot export under tmp_path/raw with one cell of `form` (0-based data row) set to `value`, and
    the row's other fields of `more` (names without dots) to theirs."""
    raw = tmp_path / "raw"
    raw.mkdir()
    for path in sorted(RAW.glob("*.csv")):
        (raw / path.name).write_bytes(path.read_bytes())
    frame = pd.read_csv(raw / form, dtype=str, keep_default_na=False)
    frame.loc[row, [field, *more]] = [value, *more.values()]
    frame.to_csv(raw / form, index=False, lineterminator="\n")
    return raw


def test_a_row_of_another_study_in_the_export_is_refused_by_its_study_code(tmp_path):
    """STUDY is a code of the raw dictionary whose one term is CDISCPILOT01: an AE row of another study is
    refused naming its form, field, row and value, not mapped into this study's AE under its STUDYID."""
    raw = export_with(tmp_path, "ae_raw.csv", 2, "STUDY", "CDISCPILOT02")
    with pytest.raises(RawInputError) as info:
        load_raw(raw, SPEC / "raw", subject_form="dm_raw", subject_field="PATNUM")
    assert [(i.code, i.where, i.variable, i.row, i.value) for i in info.value.issues] == [
        ("RAW_UNKNOWN_CODE", "ae_raw.csv", "STUDY", "3", "CDISCPILOT02")]


def test_a_death_before_the_informed_consent_is_refused_naming_the_disposition_row(tmp_path):
    """701-1015 consented on 12/26/2013 (dm_raw.csv IC_DT): a date of death of 01/01/2000 on their first
    disposition row (ds_raw.csv row 1) is refused there, not mapped to a DTHDTC 14 years before RFICDTC."""
    raw = export_with(tmp_path, "ds_raw.csv", 0, "DEATHDT", "01/01/2000")
    with pytest.raises(MappingError) as info:
        build_sdtm(raw, SPEC, mappings().sdtm)
    assert str(info.value) == ("ds_raw.csv DEATHDT: 1 death date(s) before the subject's informed consent (row 1 "
                               "'2000-01-01 before dm_raw.csv IC_DT 2013-12-26'); correct them in the export")


# Exports no study can have, each mapped with exit 0 before: (form, 0-based row, field, value, other fields of the
# row, the refusal). 701-1015 (dm_raw row 1) consented on 12/26/2013 and was dosed from 02-Jan-2014 to 02-Jul-2014
# (ec_raw rows 1-3, the last from 19-Jun-2014). 701-1023 (ds_raw row 4) was dosed up to 01-Sep-2012 and had vital
# signs on 02-Sep-2012 (vs_raw rows 91-95: three blood pressure rows of three results, a temperature, a weight) and
# 18-Feb-2013 (rows 96-99: three rows of three, a temperature): 21 records. dm_raw row 7 is a screen failure
# (Scrnfail planned and actual); rows 2 and 3 are Pbo 'Placebo' and Xan_Hi 'Xan High'.
IMPOSSIBLE = {
    # RFSTDTC six days before RFICDTC
    "dose before consent": ("ec_raw.csv", 0, "IT.ECSTDAT", "20-Dec-2013", {},
                            "ec_raw.csv IT.ECSTDAT: 1 dose(s) before the subject's informed consent (row 1 '2013-12-20 "
                            "before dm_raw.csv IC_DT 2013-12-26'); correct them in the export"),
    "dose after death": ("ds_raw.csv", 0, "DEATHDT", "03/01/2014", {},
                         "ec_raw.csv IT.ECSTDAT: 1 dose(s) after the subject's death (row 3 '2014-06-19 after ds_raw.csv "
                         "DEATHDT 2014-03-01'); correct them in the export"),
    "dose ending after death": ("ds_raw.csv", 0, "DEATHDT", "06/25/2014", {},
                                "ec_raw.csv IT.ECENDAT: 1 dose(s) after the subject's death (row 3 '2014-07-02 after "
                                "ds_raw.csv DEATHDT 2014-06-25'); correct them in the export"),
    # each raw row named once, however many records it became
    "vital signs after death": ("ds_raw.csv", 3, "DEATHDT", "09/01/2012", {},
                                "vs_raw.csv VTLD: 21 record(s) dated after the subject's death (row 91 '2012-09-02 after "
                                "DM.DTHDTC 2012-09-01', row 92 '2012-09-02 after DM.DTHDTC 2012-09-01', row 93 "
                                "'2012-09-02 after DM.DTHDTC 2012-09-01', row 94 '2012-09-02 after DM.DTHDTC "
                                "2012-09-01', row 95 '2012-09-02 after DM.DTHDTC 2012-09-01', row 96 '2013-02-18 after "
                                "DM.DTHDTC 2012-09-01', row 97 '2013-02-18 after DM.DTHDTC 2012-09-01', row 98 "
                                "'2013-02-18 after DM.DTHDTC 2012-09-01', row 99 '2013-02-18 after DM.DTHDTC "
                                "2012-09-01'); correct them in the export"),
    # 710-1083 died of a myocardial infarction on 08/02/2013 (ae_raw row 747), the day it began
    "adverse event after death": ("ae_raw.csv", 746, "IT.AESTDAT", "09/01/2013", {},
                                  "ae_raw.csv IT.AESTDAT: 1 record(s) dated after the subject's death (row 747 "
                                  "'2013-09-01 after DM.DTHDTC 2013-08-02'); correct them in the export"),
    # ARM is the code's decode, so the name was dropped; Pbo now has two names, 'Xan High' two codes
    "arm name against its code": ("dm_raw.csv", 0, "PLANNED_ARM", "Xan High", {},
                                  "dm_raw.csv: arm codes and names disagree (PLANNED_ARMCD Pbo with 'Xan High' (row 1), "
                                  "PLANNED_ARMCD Pbo with 'Placebo' (row 2), PLANNED_ARMCD Xan_Hi with 'Xan High' (row "
                                  "3)); correct them in the export"),
    # ARMNRS SCREEN FAILURE beside ACTARMCD Pbo
    "screen failure with an actual arm": ("dm_raw.csv", 6, "ACTUAL_ARMCD", "Pbo", {"ACTUAL_ARM": "Placebo"},
                                          "dm_raw.csv ACTUAL_ARMCD: 1 screen failure(s) with an actual arm (row 7 "
                                          "'Scrnfail planned, Pbo actual'); correct them in the export"),
    # it became the OTHER EVENT OTHERSP names, its DSDECOD dropped, and the subject lost its ITT flag
    "coded disposition without its term": ("ds_raw.csv", 0, "IT.DSTERM", "", {"OTHERSP": "Final Lab Visit"},
                                           "ds_raw.csv IT.DSTERM: 1 coded disposition term(s) (IT.DSDECOD) without "
                                           "their verbatim term (row 1 'Randomized'); correct them in the export"),
    # vs_raw row 1 is a blood pressure row: the location was dropped
    "temperature location without a temperature": ("vs_raw.csv", 0, "IT.TEMP_LOC", "ORAL CAVITY", {},
                                                   "vs_raw.csv IT.TEMP_LOC: 1 location(s) on a row without IT.TEMP (row "
                                                   "1 'ORAL CAVITY'); correct them in the export"),
}


@pytest.mark.parametrize("case", IMPOSSIBLE)
def test_an_impossible_export_is_refused_at_its_raw_rows(tmp_path, case):
    form, row, field, value, more, message = IMPOSSIBLE[case]
    raw = export_with(tmp_path, form, row, field, value, **more)
    with pytest.raises(MappingError) as info:
        build_sdtm(raw, SPEC, mappings().sdtm)
    assert str(info.value) == message


def test_a_repeated_vital_signs_row_is_refused_naming_both_raw_rows(tmp_path):
    """vs_raw row 1 (701-1015's screening blood pressure lying down) repeated as row 12,979: its three results were
    mapped twice, exit 0 (VS's keys ended with VSSEQ, which told them apart). The keys are now SDTMIG's natural ones
    (STUDYID USUBJID VSTESTCD VISITNUM VSTPTNUM VSDTC VSPOS), which the pilot's 29,644 records meet."""
    raw = export_with(tmp_path, "vs_raw.csv", 0, "STUDY", "CDISCPILOT01")
    vs = raw / "vs_raw.csv"
    vs.write_text(vs.read_text() + vs.read_text().splitlines()[1] + "\n")
    with pytest.raises(MappingError) as info:
        build_sdtm(raw, SPEC, mappings().sdtm)
    assert [i.message for i in info.value.issues] == [
        "6 record(s) share their key (STUDYID, USUBJID, VSTESTCD, VISITNUM, VSTPTNUM, VSDTC, VSPOS) (e.g. 01-701-1015 "
        "from vs_raw.csv row 1, 01-701-1015 from vs_raw.csv row 12979)"]


def test_the_pilot_cut_mid_study_leaves_out_late_subjects_and_ends_ongoing_ones_at_the_cut(tmp_path):
    """A data cut on 2014-03-01: 18 of the 306 subjects consented after it (dm_raw.csv IC_DT, counted in the CSV) are
    left out whole; 701-1015 (exposed 02-JAN-2014 to 18-JUN-2014, its Completed disposition on 07-02-2014 after the
    cut) is on study at the cut: RFENDTC is the cut (it was blank, and CORE-000191 an error), RFXENDTC its
    collected exposure end."""
    spec = tmp_path / "cdiscpilot01"
    shutil.copytree(SPEC, spec)
    toml = spec / "study.toml"
    toml.write_text(toml.read_text().replace('data_cut = "2015-03-05"', 'data_cut = "2014-03-01"'))
    dm = build_sdtm(RAW, spec, mappings().sdtm).frames["DM"].set_index("USUBJID")
    assert len(dm) == 306 - 18
    assert dm.loc["01-701-1015", ["RFSTDTC", "RFXENDTC", "RFENDTC"]].tolist() == ["2014-01-02", "2014-06-18",
                                                                                "2014-03-01"]


def test_a_death_after_the_cut_is_no_death_at_the_cut(tmp_path):
    """A data cut on 2014-10-15: 704-1445 (consented 05/04/2014) died on 11/01/2014, after it. Its Death disposition
    row (11-01-2014) is cut, but DEATHDT is on each of its disposition rows, and the row of 10-01-2014 stays: DTHDTC
    was 2014-11-01 with DTHFL Y, a death after the cut. 701-1211 died on 01/14/2013, before it."""
    spec = tmp_path / "cdiscpilot01"
    shutil.copytree(SPEC, spec)
    toml = spec / "study.toml"
    toml.write_text(toml.read_text().replace('data_cut = "2015-03-05"', 'data_cut = "2014-10-15"'))
    dm = build_sdtm(RAW, spec, mappings().sdtm).frames["DM"].set_index("USUBJID")
    assert dm.loc["01-704-1445", ["DTHDTC", "DTHFL"]].tolist() == ["", ""]
    assert dm.loc["01-701-1211", ["DTHDTC", "DTHFL"]].tolist() == ["2013-01-14", "Y"]


@pytest.mark.parametrize(("onset", "emergent"), [("2014", "Y"), ("2013", "N")])
def test_an_onset_known_to_its_year_is_emergent_when_it_may_follow_the_first_dose(tmp_path, onset, emergent):
    """701-1015 was first dosed on 2014-01-02 (RFSTDTC). An AE onset known to be in 2014 (the export's dates are
    MM/DD/YYYY or YYYY) may be on or after it: AETRTEM Y (it was N: '2014' < '2014-01-02' as text); one in 2013
    cannot be: N."""
    raw = export_with(tmp_path, "ae_raw.csv", 0, "IT.AESTDAT", onset)
    sdtm = build_sdtm(raw, SPEC, mappings().sdtm).frames
    ae = sdtm["AE"]
    seq = ae.loc[ae["USUBJID"].eq("01-701-1015") & ae["AESTDTC"].eq(onset), "AESEQ"]
    supp = sdtm["SUPPAE"]
    assert supp.loc[supp["USUBJID"].eq("01-701-1015") & supp["IDVARVAL"].eq(str(int(seq.iloc[0])))
                    & supp["QNAM"].eq("AETRTEM"), "QVAL"].tolist() == [emergent]


def test_a_vital_signs_row_without_a_result_or_a_time_point_is_rejected_with_its_reason(tmp_path):
    """vs_raw row 5 (701-1015's screening temperature, 96.9 in the oral cavity, no time point) with its temperature
    blanked holds nothing to map (a location alone): it was left out silently, and the run ended in 'raw rows were
    lost between the export and SDTM'."""
    raw = export_with(tmp_path, "vs_raw.csv", 4, "IT.TEMP", "")
    rejected = build_sdtm(raw, SPEC, mappings().sdtm).reconciliation.rejections
    assert rejected[rejected["RAW_FORM"].eq("vs_raw")][["RAW_ROW", "DATASET", "REASON"]].values.tolist() == [
        [5, "VS", "vs_raw.csv: the row holds no result, and no time point to name the tests not done"]]
