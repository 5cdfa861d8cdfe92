"""The data cut (cdisc/datacut.py): records after study.toml's data_cut are left out of SDTM and ADaM, each a
rejection of the reconciliation; a subject consented after the cut is left out whole."""
import datetime as dt
import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from cdisc.datacut import cut_export
from cdisc.errors import RawInputError
from cdisc.pipeline import build_adam, build_sdtm
from cdisc.raw import RawStudy
from cdisc.spec.load import load_study
from cli import main
from mappings.im96 import mappings

ROOT = Path(__file__).resolve().parents[2]
IM96 = ROOT / "specs" / "im96"


def ae_export(dates: list[str]) -> RawStudy:
    dictionary = pd.DataFrame({"FORM": ["ae", "ae"], "FIELD": ["SUBJID", "AESTDAT"], "TYPE": ["text", "date"]})
    ae = pd.DataFrame({"SUBJID": ["001-001"] * len(dates), "AESTDAT": dates, "RAW_FORM": "ae",
                       "RAW_ROW": range(1, len(dates) + 1)})
    return RawStudy(Path("raw"), dictionary, pd.DataFrame(), {"ae": ae})


def test_a_partial_date_is_after_the_cut_when_its_first_possible_day_is():
    """Cut 2026-06-30 (datacutr imputes a partial date to its first day; a record without a date stays)."""
    study = load_study(IM96).model_copy(update={"cut_dates": {"ae": "AESTDAT"}, "cut_consent": ""})
    dates = ["30-JUN-2026", "01-JUL-2026", "UN-JUN-2026", "UN-JUL-2026", "UN-UNK-2026", "UN-UNK-2027", ""]
    cut = cut_export(ae_export(dates), study)
    assert cut.forms["ae"]["AESTDAT"].tolist() == ["30-JUN-2026", "UN-JUN-2026", "UN-UNK-2026", ""]
    assert cut.cut["RAW_ROW"].tolist() == [2, 4, 6]
    assert set(cut.cut["REASON"]) == {"dated after the data cut 2026-06-30 (ae.AESTDAT)"}


def test_a_subject_is_left_out_whole_only_when_every_consent_is_after_the_cut():
    """Cut 2026-06-30: 001-001 consented on 01-MAR-2026 and re-consented on 01-AUG-2026 stays (its re-consent is a
    record after the cut); 001-002's one consent is on 05-JUL-2026: its AE of 01-JUL-2026 goes with it."""
    dictionary = pd.DataFrame({"FORM": ["ic", "ic", "ae", "ae"], "FIELD": ["SUBJID", "ICDAT", "SUBJID", "AESTDAT"],
                               "TYPE": ["text", "date", "text", "date"]})
    ic = pd.DataFrame({"SUBJID": ["001-001", "001-001", "001-002"],
                       "ICDAT": ["01-MAR-2026", "01-AUG-2026", "05-JUL-2026"], "RAW_FORM": "ic", "RAW_ROW": [1, 2, 3]})
    ae = pd.DataFrame({"SUBJID": ["001-001", "001-002"], "AESTDAT": ["01-APR-2026", "01-JUL-2026"], "RAW_FORM": "ae",
                       "RAW_ROW": [1, 2]})
    study = load_study(IM96).model_copy(update={"cut_dates": {"ic": "ICDAT"}, "cut_consent": "ic.ICDAT"})
    cut = cut_export(RawStudy(Path("raw"), dictionary, pd.DataFrame(), {"ic": ic, "ae": ae}), study)
    assert cut.forms["ic"]["RAW_ROW"].tolist() == [1]
    assert cut.forms["ae"]["RAW_ROW"].tolist() == [1]
    assert cut.cut.values.tolist() == [
        ["ic", 3, "subject consented after the data cut 2026-06-30 (ic.ICDAT)"],
        ["ic", 2, "dated after the data cut 2026-06-30 (ic.ICDAT)"],
        ["ae", 2, "subject consented after the data cut 2026-06-30 (ic.ICDAT)"]]


def test_a_cut_before_every_consent_is_named():
    """A cut on 2026-02-28 of a study whose one subject consented on 01-MAR-2026: ADaM had failed on an analysis of
    no subject, naming none."""
    dictionary = pd.DataFrame({"FORM": ["ic", "ic"], "FIELD": ["SUBJID", "ICDAT"], "TYPE": ["text", "date"]})
    ic = pd.DataFrame({"SUBJID": ["001-001"], "ICDAT": ["01-MAR-2026"], "RAW_FORM": "ic", "RAW_ROW": [1]})
    study = load_study(IM96).model_copy(update={"data_cut": dt.date(2026, 2, 28), "cut_dates": {},
                                                "cut_consent": "ic.ICDAT", "subject_form": "ic"})
    with pytest.raises(RawInputError) as caught:
        cut_export(RawStudy(Path("raw"), dictionary, pd.DataFrame(), {"ic": ic}), study)
    assert [(i.where, i.code, i.message, i.variable, i.value) for i in caught.value.issues] == [
        ("study.toml", "DATA_CUT_EMPTY", "every subject of ic.csv consented after the data cut (before the study "
         "began?)", "data_cut", "2026-02-28")]


def test_no_cut_dates_leave_the_export_as_read():
    study = load_study(IM96).model_copy(update={"cut_dates": {}, "cut_consent": ""})
    raw = ae_export(["01-JUL-2027"])
    assert cut_export(raw, study) is raw


@pytest.mark.parametrize(("update", "message"), [
    ({"cut_dates": {"xx": "XXDAT"}}, "form 'xx' is not in the export"),
    ({"cut_dates": {"ae": "AEENDAT"}}, "ae.csv has no field 'AEENDAT'"),
    ({"cut_dates": {"ae": "SUBJID"}}, "ae.SUBJID is of type text, not date"),
    ({"cut_consent": "ic.ICDAT"}, "form 'ic' is not in the export"),
    ({"cut_consent": "ICDAT"}, "cut_consent must be form.FIELD, e.g. ic.ICDAT"),
])
def test_a_cut_date_the_export_does_not_have_is_named(update, message):
    study = load_study(IM96).model_copy(update={"cut_dates": {}, "cut_consent": "", **update})
    with pytest.raises(RawInputError) as caught:
        cut_export(ae_export(["01-JUL-2027"]), study)
    assert [(i.where, i.code, i.message) for i in caught.value.issues] == [("study.toml", "DATA_CUT_FIELD", message)]


def spec_cut_on_2025_05_01(folder: Path) -> Path:
    spec = folder / "im96"
    shutil.copytree(IM96, spec)
    toml = spec / "study.toml"
    toml.write_text(toml.read_text().replace('data_cut = "2026-06-30"', 'data_cut = "2025-05-01"'))
    return spec


@pytest.fixture(scope="module")
def cut_on_2025_05_01(tmp_path_factory) -> tuple:
    """The bundled export cut on 2025-05-01: 001-014 (consent 16-MAY-2025) and 001-015 (24-JUN-2025) consented
    after it; 001-008 (death 06-JUN-2025) and 001-010 (27-SEP-2025) died after it."""
    spec = spec_cut_on_2025_05_01(tmp_path_factory.mktemp("spec"))
    study = mappings()
    sdtm = build_sdtm(ROOT / "data" / "im96" / "raw", spec, study.sdtm)
    return sdtm, build_adam(sdtm.frames, spec, study.adam)


def test_subjects_consented_after_the_cut_are_left_out_whole(cut_on_2025_05_01):
    sdtm, adam = cut_on_2025_05_01
    expected = [f"IM96-001-{n:03d}" for n in range(1, 14)]
    assert sdtm.frames["DM"]["USUBJID"].tolist() == expected
    assert adam.frames["ADSL"]["USUBJID"].tolist() == expected
    for name, frame in {**sdtm.frames, **adam.frames}.items():
        if "USUBJID" in frame:
            assert not frame["USUBJID"].isin(["IM96-001-014", "IM96-001-015"]).any(), name
    rejected = sdtm.reconciliation.rejections
    dm = rejected[rejected["RAW_FORM"] == "dm"]
    assert dm[["RAW_ROW", "DATASET", "REASON"]].values.tolist() == [
        [14, "", "subject consented after the data cut 2025-05-01 (ic.ICDAT)"],
        [15, "", "subject consented after the data cut 2025-05-01 (ic.ICDAT)"]]
    summary = sdtm.reconciliation.summary.set_index("FORM")
    assert summary.loc["dm", ["ROWS", "MAPPED", "REJECTED", "UNACCOUNTED"]].tolist() == [15, 13, 2, 0]


def test_a_death_after_the_cut_is_no_death_at_the_cut(cut_on_2025_05_01):
    sdtm, adam = cut_on_2025_05_01
    dm = sdtm.frames["DM"].set_index("USUBJID")
    assert dm.loc[dm["DTHFL"] == "Y"].index.tolist() == ["IM96-001-001", "IM96-001-003"]
    assert dm.loc[["IM96-001-008", "IM96-001-010"], "DTHDTC"].tolist() == ["", ""]
    rejected = sdtm.reconciliation.rejections
    assert rejected.loc[rejected["RAW_FORM"] == "dth", ["RAW_ROW", "REASON"]].values.tolist() == [
        [3, "dated after the data cut 2025-05-01 (dth.DTHDAT)"],
        [4, "dated after the data cut 2025-05-01 (dth.DTHDAT)"]]
    os_ = adam.frames["ADTTE"].query("PARAMCD == 'OS'").set_index("USUBJID")
    assert os_.loc[["IM96-001-008", "IM96-001-010"], "CNSR"].tolist() == [1.0, 1.0]
    assert (os_["ADT"] <= 23862).all()  # 2025-05-01 is SAS day 23,862


def test_no_record_starts_or_is_collected_after_the_cut(cut_on_2025_05_01):
    """Start and collection dates are all on or before the cut, and so are DM's end of participation and the
    subject elements' ends, which follow the dates known at the cut; a collected end date may be after it (an
    event that started before the cut, kept as collected, as datacutr keeps it: 001-008's CM record ending on
    31-MAY-2025)."""
    sdtm, _ = cut_on_2025_05_01
    late = {(name, column) for name, frame in sdtm.frames.items() for column in frame.columns
            if column.endswith("DTC") and (frame[column].astype(str).str[:10].where(frame[column].notna(), "")
                                           > "2025-05-01").any()}
    assert late == {("CM", "CMENDTC")}


def test_the_run_says_how_many_raw_rows_the_cut_left_out(tmp_path):
    """1,377 raw rows are after 2025-05-01: counted with the csv module from the bundled export (the rows of
    001-014 and 001-015, plus each [cut_dates] field whose first possible day is after the cut), not by the cut."""
    spec = spec_cut_on_2025_05_01(tmp_path)
    result = CliRunner().invoke(main, ["run", "--spec", str(spec), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output  # a package cut mid-study conforms (SV from its records' dates)
    assert ", 1377 of them after the data cut 2025-05-01 (see " in result.output
    rejections = pd.read_csv(tmp_path / "out" / "reconciliation" / "rejections.csv", keep_default_na=False)
    assert rejections["DATASET"].eq("").sum() == 1377


def test_a_medication_linked_to_an_ae_line_after_the_cut_says_so(tmp_path):
    """cm.csv data row 157 (001-013 CMSEQ 13, Filgrastim for AE line 2 of 09-MAY-2025) moved to start on
    30-APR-2025, before the cut on 2025-05-01: the medication stays, its AE line is cut, and the link's rejection
    says why (it said "no AE line with this number", which the export contradicts)."""
    raw = tmp_path / "raw"
    shutil.copytree(ROOT / "data" / "im96" / "raw", raw)
    cm = raw / "cm.csv"
    cm.write_text(cm.read_text().replace("001-013,13,Filgrastim,CONCOMITANT,neutropenia,300,ug,SUBCUTANEOUS,QD,"
                                         "10-MAY-2025", "001-013,13,Filgrastim,CONCOMITANT,neutropenia,300,ug,"
                                         "SUBCUTANEOUS,QD,30-APR-2025"))
    sdtm = build_sdtm(raw, spec_cut_on_2025_05_01(tmp_path), mappings().sdtm)
    rejected = sdtm.reconciliation.rejections
    assert rejected[rejected["RAW_FORM"].eq("cm") & rejected["RAW_ROW"].eq(157)][["DATASET", "REASON"]].values.tolist() \
        == [["RELREC", "cm.csv CMAENO: the AE line is dated after the data cut 2025-05-01; the link is not made"]]
    assert "Filgrastim" in sdtm.frames["CM"].loc[sdtm.frames["CM"]["USUBJID"].eq("IM96-001-013"), "CMTRT"].tolist()
