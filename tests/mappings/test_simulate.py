"""The EDC export simulator: determinism, the bundled story, and the raw export contract of docs/ARCHITECTURE.md."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from cdisc.dates import raw_date_to_iso
from cdisc.raw import load_raw
from mappings.im96.simulate import BUNDLED, simulate

BUNDLED_RAW = Path(__file__).resolve().parents[2] / "data" / "im96" / "raw"
FORMS = ("ae", "apher", "cm", "dm", "ds", "dth", "eg", "ic", "ie", "inf", "lb", "ld", "mh", "nact", "nl", "ntl",
         "pc", "rs", "tl", "visit", "vs")


def read(directory: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(directory / f"{name}.csv", dtype=str, keep_default_na=False, na_filter=False)


@pytest.fixture(scope="module")
def export(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("raw")
    simulate(15, 96, out)
    return out


@pytest.fixture(scope="module")
def forms(export) -> dict[str, pd.DataFrame]:
    return {name: read(export, name) for name in FORMS}


def test_simulate_writes_one_csv_per_form_plus_metadata(export):
    """Exactly the 21 forms, dictionary.csv and codelists.csv are written."""
    assert sorted(p.name for p in export.iterdir()) == sorted([f"{f}.csv" for f in FORMS]
                                                              + ["dictionary.csv", "codelists.csv"])


def test_simulate_same_seed_is_byte_identical(export, tmp_path):
    """A second run with the same (n, seed) reproduces every file byte for byte."""
    simulate(15, 96, tmp_path)
    for path in sorted(export.iterdir()):
        assert (tmp_path / path.name).read_bytes() == path.read_bytes(), path.name


def test_simulate_different_seed_differs(export, tmp_path):
    """Another seed changes the values (while the metadata stays the same)."""
    simulate(15, 97, tmp_path)
    assert (tmp_path / "lb.csv").read_bytes() != (export / "lb.csv").read_bytes()
    assert (tmp_path / "ae.csv").read_bytes() != (export / "ae.csv").read_bytes()
    assert (tmp_path / "dictionary.csv").read_bytes() == (export / "dictionary.csv").read_bytes()


def test_bundled_export_equals_a_fresh_simulation(tmp_path):
    """data/im96/raw is exactly simulate(15, 96): regenerate it whenever the generator changes."""
    assert BUNDLED == {"n_subjects": 15, "seed": 96}
    simulate(out_dir=tmp_path, **BUNDLED)
    assert sorted(p.name for p in BUNDLED_RAW.iterdir()) == sorted(p.name for p in tmp_path.iterdir())
    for path in sorted(tmp_path.iterdir()):
        assert (BUNDLED_RAW / path.name).read_bytes() == path.read_bytes(), path.name


def test_simulate_export_loads_cleanly(export):
    """The raw loader finds no problem: columns, types, codes, required values, keys, ASCII, 200 bytes."""
    raw = load_raw(export)
    assert sorted(raw.forms) == sorted(FORMS)


def test_simulate_bundled_subjects_and_screen_failures(forms):
    """15 subjects; 001-004 and 001-012 fail screening and go no further; 13 are apheresed."""
    assert forms["dm"]["SUBJID"].tolist() == [f"001-{i:03d}" for i in range(1, 16)]
    failures = forms["ds"].loc[forms["ds"]["DSDECOD"] == "SCREEN FAILURE", "SUBJID"].tolist()
    assert failures == ["001-004", "001-012"]
    apheresed = set(forms["apher"]["SUBJID"])
    assert len(apheresed) == 13
    assert apheresed.isdisjoint(failures)
    assert set(forms["visit"].loc[forms["visit"]["SUBJID"].isin(failures), "VISIT"]) == {"SCREENING"}
    ie = forms["ie"][forms["ie"]["SUBJID"].isin(failures)]
    assert ie[["SUBJID", "IEYN", "IETESTCD"]].values.tolist() == [
        ["001-004", "N", ""], ["001-004", "N", "IN04"], ["001-012", "N", ""], ["001-012", "N", "EX07"]]


def test_simulate_bundled_dose_escalation(forms):
    """12 infused, 6 per dose level (DL1 first); 1 DLT in the first 3 at DL1, none later at DL1, <= 1 at DL2."""
    inf = forms["inf"].assign(date=pd.to_datetime(forms["inf"]["INFDAT"], format="%d-%b-%Y")).sort_values("date")
    assert len(inf) == 12
    assert inf["DOSELVL"].tolist() == ["1"] * 6 + ["2"] * 6
    assert sorted(inf["INFDOSE"].astype(float).round().unique().tolist()) == [12.0, 20.0]
    assert set(forms["apher"]["SUBJID"]) - set(inf["SUBJID"]) == {"001-007"}
    dlt = set(forms["ae"].loc[forms["ae"]["AEDLT"] == "Y", "SUBJID"])
    dl1 = inf.loc[inf["DOSELVL"] == "1", "SUBJID"].tolist()
    assert len(dlt & set(dl1[:3])) == 1
    assert dlt & set(dl1[3:]) == set()
    assert len(dlt & set(inf.loc[inf["DOSELVL"] == "2", "SUBJID"])) <= 1
    assert dlt == {"001-003", "001-010"}


def test_simulate_dictionary_lists_every_column_and_only_those(export):
    """Every CSV column is a dictionary field of its form, in the same order, and vice versa."""
    dictionary = read(export, "dictionary")
    assert list(dictionary.columns) == ["FORM", "FIELD", "LABEL", "TYPE", "CODELIST", "REQUIRED", "KEY", "MIN", "MAX"]
    assert sorted(dictionary["FORM"].unique()) == sorted(FORMS)
    for form, fields in dictionary.groupby("FORM", sort=False):
        assert list(read(export, form).columns) == fields["FIELD"].tolist(), form
    assert set(dictionary["TYPE"]) <= {"text", "integer", "float", "date", "time", "code"}
    assert (dictionary.loc[dictionary["TYPE"] == "code", "CODELIST"] != "").all()
    limited = dictionary[(dictionary["MIN"] != "") | (dictionary["MAX"] != "")]
    assert sorted(map(tuple, limited[["FORM", "FIELD", "MIN", "MAX"]].to_numpy())) == [
        ("ae", "AESEQ", "1", ""), ("apher", "APHVOL", "0", ""), ("cm", "CMAENO", "1", ""), ("cm", "CMDOSE", "0", ""),
        ("cm", "CMSEQ", "1", ""), ("ld", "LDBSA", "0", ""), ("ld", "LDDOSE", "0", ""), ("mh", "MHSEQ", "1", ""),
        ("nact", "NACTSEQ", "1", ""), ("pc", "PCLLOQ", "0", "")]


def test_simulate_every_code_value_is_in_its_codelist(export, forms):
    dictionary = read(export, "dictionary")
    codelists = read(export, "codelists")
    for rec in dictionary[dictionary["TYPE"] == "code"].to_dict("records"):
        allowed = set(codelists.loc[codelists["CODELIST"] == rec["CODELIST"], "CODE"])
        values = set(forms[rec["FORM"]][rec["FIELD"]]) - {""}
        assert values <= allowed, (rec["FORM"], rec["FIELD"], values - allowed)


def test_simulate_values_are_ascii_and_at_most_200_bytes(export):
    for path in export.iterdir():
        data = path.read_bytes()
        assert data.isascii(), path.name
        assert b"\r" not in data, path.name
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False)
        assert frame.map(len).max().max() <= 200, path.name


def test_simulate_writes_nothing_after_the_data_cut(export, forms):
    """No date field holds a date after 30-JUN-2026 (partial dates compared at their precision)."""
    dictionary = read(export, "dictionary")
    for rec in dictionary[dictionary["TYPE"] == "date"].to_dict("records"):
        iso = forms[rec["FORM"]][rec["FIELD"]].map(raw_date_to_iso)
        late = [v for v in iso if v and v > "2026-06-30"[: len(v)]]
        assert late == [], (rec["FORM"], rec["FIELD"])


def test_simulate_deaths_follow_infusion(forms):
    deaths = forms["dth"].merge(forms["inf"], on="SUBJID", how="left")
    assert deaths["SUBJID"].tolist() == ["001-001", "001-003", "001-008", "001-010"]
    death = pd.to_datetime(deaths["DTHDAT"], format="%d-%b-%Y")
    assert (death > pd.to_datetime(deaths["INFDAT"], format="%d-%b-%Y")).all()
    ds_death = forms["ds"][forms["ds"]["DSDECOD"] == "DEATH"]
    assert ds_death[["SUBJID", "DSSTDAT"]].values.tolist() == deaths[["SUBJID", "DTHDAT"]].values.tolist()


def test_simulate_fatal_ae_ends_on_the_death_date(forms):
    """The bundled fatal AE (001-003 sepsis, AESEQ 9) ends on the death form's date, with no end time, so AEENDTC
    equals DM.DTHDTC (CORE-000841)."""
    fatal = forms["ae"][forms["ae"]["AEOUT"] == "FATAL"]
    assert fatal[["SUBJID", "AESEQ", "AEDECOD", "AEENDAT", "AEENTIM"]].values.tolist() == [
        ["001-003", "9", "Sepsis", "22-SEP-2024", ""]]
    assert forms["dth"].loc[forms["dth"]["SUBJID"] == "001-003", "DTHDAT"].tolist() == ["22-SEP-2024"]


@pytest.mark.parametrize("n, seed", [(15, 96), (40, 7)])
def test_simulate_every_fatal_ae_ends_on_the_death_date(tmp_path, n, seed):
    """For any (n, seed), each FATAL AE's end date is its subject's death date and carries no end time."""
    simulate(n, seed, tmp_path)
    ae, dth = read(tmp_path, "ae"), read(tmp_path, "dth")
    fatal = ae[ae["AEOUT"] == "FATAL"].merge(dth, on="SUBJID", how="left")
    assert len(fatal) >= 1
    assert (fatal["AEENDAT"] == fatal["DTHDAT"]).all() and (fatal["AEENTIM"] == "").all()


def test_simulate_codes_every_ae_and_mh_term(forms):
    """Every AE and MH record carries its MedDRA LLT, PT and primary SOC with the SOC code; the two AEs of the
    verbatim "Anorexia" is coded as the coding table says (LLT 10002646 under PT Decreased appetite 10061428)."""
    for form, prefix in (("ae", "AE"), ("mh", "MH")):
        coded = forms[form][[f"{prefix}LLT", f"{prefix}DECOD", f"{prefix}BODSYS", f"{prefix}SOCCD"]]
        assert (coded != "").all().all(), form
    anorexia = forms["ae"][forms["ae"]["AETERM"] == "Anorexia"]
    assert anorexia[["AELLTCD", "AEDECOD", "AEPTCD", "AESOCCD"]].drop_duplicates().values.tolist() == [
        ["10002646", "Decreased appetite", "10061428", "10027433"]]


def test_simulate_aes_treated_with_cm_point_to_their_ae(forms):
    """CMAENO is an AESEQ of the same subject; tocilizumab treats CRS, methylprednisolone ICANS."""
    ae = forms["ae"][["SUBJID", "AESEQ", "AEDECOD"]]
    cm = forms["cm"][forms["cm"]["CMAENO"] != ""]
    linked = cm.merge(ae, left_on=["SUBJID", "CMAENO"], right_on=["SUBJID", "AESEQ"], how="left")
    assert linked["AEDECOD"].notna().all()
    assert set(linked.loc[linked["CMTRT"] == "Tocilizumab", "AEDECOD"]) == {"Cytokine release syndrome"}
    assert set(linked.loc[linked["CMTRT"] == "Methylprednisolone", "AEDECOD"]) == {
        "Immune effector cell-associated neurotoxicity syndrome"}


def test_simulate_serious_flags_agree_with_aeser(forms):
    flags = forms["ae"][["AESDTH", "AESLIFE", "AESHOSP", "AESDISAB", "AESCONG", "AESMIE"]]
    assert ((flags == "Y").any(axis=1) == (forms["ae"]["AESER"] == "Y")).all()
    assert ((forms["ae"]["AEENDAT"] == "") == (forms["ae"]["AEONGO"] == "Y")).all()


def test_simulate_bundled_investigator_disagreement_and_ne_visit(forms):
    """001-015 MONTH 6: PR recorded although the target sum fell less than 30 %; 001-006 MONTH 9 is NE."""
    tl = forms["tl"][forms["tl"]["SUBJID"] == "001-015"]
    total = tl.groupby("VISIT")["TLDIAM"].apply(lambda v: sum(5 if x == "TOO SMALL TO MEASURE" else int(x) for x in v))
    change = total["MONTH 6"] / total["SCREENING"] - 1
    assert -0.30 < change <= -0.20
    rs = forms["rs"].set_index(["SUBJID", "VISIT"])
    assert rs.loc[("001-015", "MONTH 6"), ["TRGRESP", "OVRLRESP"]].tolist() == ["PR", "PR"]
    assert rs.loc[("001-006", "MONTH 9"), ["TRGRESP", "OVRLRESP"]].tolist() == ["NE", "NE"]
    nd = forms["tl"][forms["tl"]["TLND"] == "Y"]
    assert nd[["SUBJID", "VISIT", "TLDIAM"]].values.tolist() == [["001-006", "MONTH 9", ""]]


def test_simulate_bundled_responses_cover_recist_outcomes(forms):
    assert set(forms["rs"]["OVRLRESP"]) == {"CR", "PR", "SD", "PD", "NE"}
    assert forms["nl"]["SUBJID"].tolist() == ["001-011"]
    assert forms["ntl"].loc[forms["ntl"]["NTLSTAT"] == "UNEQUIVOCAL PROGRESSION", "SUBJID"].tolist() == ["001-008"]
    assert sorted(forms["nact"]["SUBJID"].unique()) == ["001-001", "001-008", "001-010", "001-011", "001-013"]


def test_simulate_bundled_contains_the_promised_mess(forms):
    """Partial dates, units to standardise, qualified results, not-done tests, TSTM, lost to follow-up."""
    assert forms["dm"]["BRTHDAT"].str.startswith("UN-UNK-").any()
    assert forms["mh"]["MHSTDAT"].str.startswith("UN-").any()
    assert forms["cm"]["CMSTDAT"].str.startswith("UN-").any()
    assert forms["ae"]["AEENDAT"].str.startswith("UN-").any()
    assert (forms["vs"]["VSTIM"] == "").any() and (forms["lb"]["LBTIM"] == "").any()
    vs_units = set(forms["vs"]["VSORRESU"])
    assert {"C", "F", "kg", "lb", "mmHg", "mm Hg", "beats/min", "bpm"} <= vs_units
    assert {"g/dL", "g/L", "10^9/L", "x10E9/L", "10^3/uL", "umol/L", "mg/dL", "ng/mL", "ug/L", "U/mL",
            "kU/L"} <= set(forms["lb"]["LBORRESU"])
    assert {"copies/ug gDNA", "copies/ug", "cells/uL", "cells/mcL"} <= set(forms["pc"]["PCORRESU"])
    assert {"msec", "ms"} <= set(forms["eg"]["EGORRESU"])
    assert {"mg", "MG", "mg/kg"} <= set(forms["cm"]["CMDOSU"])
    assert {"<0.5", ">1000"} <= set(forms["lb"]["LBORRES"])
    assert {"<50", "<LLOQ", "<0.5"} <= set(forms["pc"]["PCORRES"])
    for form, prefix in (("vs", "VS"), ("lb", "LB"), ("eg", "EG"), ("pc", "PC")):
        nd = forms[form][forms[form][f"{prefix}ND"] == "Y"]
        assert len(nd) > 0, form
        assert (nd[f"{prefix}REASND"] != "").all() and (nd[f"{prefix}ORRES"] == "").all(), form
    assert (forms["tl"]["TLDIAM"] == "TOO SMALL TO MEASURE").any()
    assert forms["ds"].loc[forms["ds"]["DSDECOD"] == "LOST TO FOLLOW-UP", "SUBJID"].tolist() == ["001-014"]
    ongoing = set(forms["inf"]["SUBJID"]) - set(forms["ds"].loc[forms["ds"]["DSEPOCH"] == "FOLLOW-UP", "SUBJID"])
    assert ongoing == {"001-015"}


@pytest.mark.parametrize(("n", "failures", "not_infused", "dl1", "dl2"), [
    (1, 0, 0, 1, 0),
    (4, 1, 0, 3, 0),
    (7, 1, 1, 5, 0),
    (30, 4, 1, 6, 19),
])
def test_simulate_scales_with_the_number_of_subjects(tmp_path, n, failures, not_infused, dl1, dl2):
    """About n/7 screen failures, one apheresed-not-infused subject from n=5, DL1 filled to 6 before DL2."""
    simulate(n, 3, tmp_path)
    load_raw(tmp_path)
    ds, inf, apher = read(tmp_path, "ds"), read(tmp_path, "inf"), read(tmp_path, "apher")
    assert len(read(tmp_path, "dm")) == n
    assert (ds["DSDECOD"] == "SCREEN FAILURE").sum() == failures
    assert len(apher) - len(inf) == not_infused
    assert inf["DOSELVL"].value_counts().reindex(["1", "2"], fill_value=0).tolist() == [dl1, dl2]


@pytest.mark.parametrize(("n", "seed"), [(0, 1), (-3, 1), (2.5, 1), (True, 1), (5, -1)])
def test_simulate_rejects_bad_arguments(tmp_path, n, seed):
    with pytest.raises(ValueError, match="must be"):
        simulate(n, seed, tmp_path)


PHASE3_LBTEST = {  # the 48 tests of the Phase 3 panel (findings.PHASE3_TESTS plus the 14 of the default panel)
    "WBC", "NEUT", "LYM", "HGB", "PLAT", "RBC", "HCT", "MCV", "MCH", "MCHC", "RDW", "MONO", "EOS", "BASO",
    "ALT", "AST", "BILI", "CREAT", "CRP", "FERRITIN", "SODIUM", "K", "CL", "BICARB", "UREA", "GLUC", "CA", "MG",
    "PHOS", "ALB", "PROT", "ALP", "GGT", "LDH", "URATE", "BILDIR", "IL6", "IL2", "IL10", "IFNG", "TNF", "IL2R",
    "PT", "APTT", "FIBRINO", "DDIMER", "CEA", "CA19_9"}
PRE_INFUSION = ("SCREENING", "APHERESIS", "LYMPHODEPLETION", "DAY 1")


@pytest.fixture(scope="module")
def phase3(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("phase3")
    simulate(30, 96, out, schedule="phase3")
    return out


def test_simulate_phase3_loads_cleanly_and_keeps_the_story(phase3, tmp_path):
    """The Phase 3 schedule passes the raw loader and changes only the visit-driven forms (lb, vs, visit; ic, as a
    re-consent is signed at the first visit after the amendment, now often an added one) and the codelists:
    subjects, treatment, events, tumour assessments and disposition are those of the default."""
    load_raw(phase3)
    simulate(30, 96, tmp_path)
    changed = sorted(p.name for p in tmp_path.iterdir() if (phase3 / p.name).read_bytes() != p.read_bytes())
    assert changed == ["codelists.csv", "ic.csv", "lb.csv", "visit.csv", "vs.csv"]


def test_simulate_phase3_adds_planned_visits_and_lab_tests(phase3):
    """48 lab tests (all of them at screening), a COAGULATION panel, and 16 more planned visits in the codelist."""
    lb = read(phase3, "lb")
    assert set(lb["LBTEST"]) == PHASE3_LBTEST
    screening = lb[(lb["SUBJID"] == "001-001") & (lb["VISIT"] == "SCREENING")]
    assert sorted(screening["LBTEST"]) == sorted(PHASE3_LBTEST)
    assert set(lb.loc[lb["LBCAT"] == "COAGULATION", "LBTEST"]) == {"PT", "APTT", "FIBRINO", "DDIMER"}
    codelists = read(phase3, "codelists")
    assert codelists.loc[codelists["CODELIST"] == "VISIT", "CODE"].tolist() == [
        "SCREENING", "APHERESIS", "LYMPHODEPLETION", "DAY 1", "DAY 2", "DAY 3", "DAY 4", "DAY 5", "DAY 6", "DAY 7",
        "DAY 8", "DAY 9", "DAY 10", "DAY 12", "DAY 14", "DAY 21", "DAY 28", "DAY 35", "DAY 42", "DAY 49", "MONTH 2",
        "MONTH 3", "MONTH 4", "MONTH 5", "MONTH 6", "MONTH 7", "MONTH 8", "MONTH 9", "MONTH 10", "MONTH 11",
        "MONTH 12", "UNSCHEDULED"]


def test_simulate_phase3_has_a_missed_visit_and_a_missing_baseline(phase3):
    """001-016 missed DAY 5 (no form has it, DAY 4 and DAY 6 are there); 001-010's pre-infusion haematology
    samples were lost (no HEMATOLOGY row before DAY 2, so no baseline), while its pre-infusion chemistry is there
    (screening, lymphodepletion, Day 1; apheresis has no chemistry)."""
    for form in ("visit", "lb", "vs"):
        visits = set(read(phase3, form).query("SUBJID == '001-016'")["VISIT"])
        assert "DAY 5" not in visits and {"DAY 4", "DAY 6"} <= visits, form
    lb = read(phase3, "lb").query("SUBJID == '001-010'")
    hema = lb[lb["LBCAT"] == "HEMATOLOGY"]
    assert not hema["VISIT"].isin(PRE_INFUSION).any()
    assert "DAY 2" in set(hema["VISIT"])
    assert {"SCREENING", "LYMPHODEPLETION", "DAY 1"} <= set(lb.loc[lb["LBCAT"] == "CHEMISTRY", "VISIT"])


def test_simulate_default_schedule_has_no_missing_data(forms):
    """The default schedule (the bundled study) misses no routine visit and has every pre-infusion panel."""
    lb = forms["lb"]
    infused = set(forms["inf"]["SUBJID"])
    for subject in infused:
        visits = set(lb.loc[(lb["SUBJID"] == subject) & (lb["LBCAT"] == "HEMATOLOGY"), "VISIT"])
        assert set(PRE_INFUSION) <= visits, subject
        assert {"DAY 4", "DAY 7", "DAY 10", "DAY 14", "DAY 21"} <= visits, subject


def test_simulate_rejects_an_unknown_schedule(tmp_path):
    with pytest.raises(ValueError, match="schedule must be one of"):
        simulate(5, 1, tmp_path, schedule="phase2")
