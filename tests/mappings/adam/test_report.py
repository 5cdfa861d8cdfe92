"""The IM96 review report of `cdisc run` (out/report/): every section there, and its numbers the ADaM numbers.

Expected values are written out: they are the values of the bundled run's ADaM datasets (ADTR BPCHG, ADPP AVAL,
ADLB PCHG) and of summary.json, which tests/test_endpoints_independent.py recomputes independently.
"""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest
from click.testing import CliRunner

from cdisc.report.build import read_adam_folder
from cli import main
from mappings.im96.adam.report import (
    PLANS,
    _worst_grade_by_day,
    best_change,
    km_table,
    marker_table,
    nca_listing,
    read_adam,
    swimmer_lanes,
    swimmer_note,
)
from mappings.im96.adam.summary import _groups, marker_changes, time_to_event

DL1, DL2 = "IM96 12x10^8 CAR-T cells", "IM96 20x10^8 CAR-T cells"
FIGURES = ["crs_icans", "kinetics", "km_os", "km_pfs", "spider", "swimmer", "tumour_markers", "waterfall"]


@pytest.fixture(scope="module")
def adam(out: Path) -> dict:
    return read_adam(out / "adam")[0]


@pytest.fixture(scope="module")
def page(out: Path) -> str:
    return (out / "report" / "index.html").read_text()


def test_page_has_every_section_and_embeds_every_figure(out, page):
    """All planned sections are drawn (none skipped), each figure is inline on the page and written as SVG."""
    for plan in PLANS:
        assert f'<section id="{plan.anchor}">' in page and f'<a href="#{plan.anchor}">' in page
    assert "Skipped" not in page
    assert page.count('<svg xmlns="http://www.w3.org/2000/svg"') == len(FIGURES)
    assert not re.search(r'(src|href)="(https?:)?//', page)
    names = sorted(p.name for p in (out / "report" / "figures").iterdir())
    assert names == [f"{f}.svg" for f in FIGURES]
    for f in FIGURES:
        assert f'<figure id="fig-{f}"><h3>' in page
        assert (out / "report" / "figures" / f"{f}.svg").read_text().rstrip("\n") in page
    assert "Data cut 2026-06-30" in page


def test_waterfall_bars_are_adtr_best_percent_change_coloured_by_confirmed_bor(adam):
    """ADTR PARAMCD BPCHG: 001-001 +30.5 % (PD), 001-002 -93.8 % (CR), 001-009 -100 % (CR); 12 subjects."""
    bars = best_change(adam["ADTR"], adam["ADRS"]).set_index("label")
    assert len(bars) == 12
    assert bars.loc["001-001", "value"] == pytest.approx(30.496454) and bars.loc["001-001", "category"] == "PD"
    assert bars.loc["001-002", "value"] == pytest.approx(-93.827160) and bars.loc["001-002", "category"] == "CR"
    assert bars.loc["001-009", "value"] == pytest.approx(-100.0) and bars.loc["001-009", "category"] == "CR"
    assert bars.loc["001-005", "category"] == "SD"


def test_survival_tables_carry_the_summary_json_medians_and_landmarks(out, adam, page):
    """PFS overall: 12 subjects, 6 events, median 269 days (95 % CI 55-NE), 3-month rate 0.741 (0.391-0.909);
    OS by dose level 1: median 210 (120-NE). Same numbers as summary.json."""
    groups = _groups(adam["ADSL"])
    summary = json.loads((out / "adam" / "summary.json").read_text())["time_to_event"]
    pfs = km_table("PFS", time_to_event(adam["ADTTE"], "PFS", groups)).set_index("group")
    assert pfs.loc["OVERALL", ["n", "events"]].tolist() == [12, 6]
    assert pfs.loc["OVERALL", "median, days (95 % CI)"] == "269.0 (55.0-NE)"
    assert pfs.loc["OVERALL", "3M rate (95 % CI)"] == "0.741 (0.391-0.909)"
    assert summary["PFS"]["OVERALL"]["median_days"] == 269.0
    assert summary["PFS"]["OVERALL"]["landmarks"]["3M"] == {"day": 91, "survival": 0.7407, "ci95": [0.3907, 0.9086]}
    os_ = km_table("OS", time_to_event(adam["ADTTE"], "OS", groups)).set_index("group")
    assert os_.loc[DL1, "median, days (95 % CI)"] == "210.0 (120.0-NE)"
    assert os_.loc["OVERALL", "median, days (95 % CI)"] == "NE (130.0-NE)"
    assert "<td>269.0 (55.0-NE)</td>" in page and "<td>0.741 (0.391-0.909)</td>" in page


def test_kinetics_listing_is_adpp(adam, page):
    """Subject 001-002: Cmax 45.1 x10^6/L and 31039 copies/ug at Tmax 14.024 days; AUC0-D90 606.595."""
    nca = nca_listing(adam["ADPP"]).set_index("subject")
    row = nca.loc["IM96-001-002"]
    assert row["CMAXCC (10^6/L)"] == pytest.approx(45.1)
    assert row["CMAXTG (DNA copies/ug)"] == pytest.approx(31039.0)
    assert row["TMAXCC (day)"] == pytest.approx(14.024)
    assert row["AUC90CC (day*10^6/L)"] == pytest.approx(606.595)
    assert list(nca.columns[:1]) == ["dose level"] and len(nca) == 12
    assert "<th>TMAXTG (day)</th>" in page


def test_marker_changes_are_adlb_changes_by_visit(out, adam, page):
    """CA19-9 Day 28, dose level 1: n 6, median -16.36 %, min -48.85 % (001-002: 30.5 -> 15.6 U/mL);
    CEA Month 3 overall: n 10, median change -31.55 ug/L."""
    changes = marker_changes(adam["ADLB"], _groups(adam["ADSL"]))
    day28 = changes["CA199"]["visits"][0]
    assert day28["visit"] == "Day 28"
    assert day28["groups"][DL1] == {"n": 6, "median_chg": -39.95, "median_pchg": -16.3598, "min_pchg": -48.8525,
                                    "max_pchg": 47.9672, "without_change": 0}
    month3 = changes["CEA"]["visits"][1]
    assert (month3["visit"], month3["groups"]["OVERALL"]["n"], month3["groups"]["OVERALL"]["median_chg"]) == (
        "Month 3", 10, -31.55)
    summary = json.loads((out / "adam" / "summary.json").read_text())
    assert summary["tumour_markers"] == changes
    assert ("| Cancer Antigen 19-9 (U/mL) | Day 28 | IM96 12x10^8 CAR-T cells | 6 | -39.95 | -16.3598 | -48.8525 | "
            "47.9672 | 0 |") in (out / "adam" / "summary.md").read_text()
    table = marker_table(changes)
    assert len(table) == 2 * 4 * 3  # 2 markers x 4 post-baseline visits (Day 28, Months 3, 6, 12) x 3 groups
    assert "<td>Carcinoembryonic Antigen (ug/L)</td><td>Month 3</td>" in page


def test_glance_and_escalation_tell_the_3_plus_3_story(page):
    """15 screened, 13 apheresed, 12 infused, 6 + 6 DLT-evaluable; one DLT per dose level."""
    assert re.search(r"<td>Screened \(informed consent\)</td><td class=\"num\">7</td><td class=\"num\">6</td>"
                     r"<td class=\"num\">2</td><td class=\"num\">15</td>", page)
    assert "<td>Infused (SAFFL)</td><td class=\"num\">6</td><td class=\"num\">6</td>" in page
    assert "<td>OPEN NEXT DOSE GROUP</td>" in page
    assert "<td>IM96-001-010</td><td>IM96 20x10^8 CAR-T cells</td><td>Cytokine release syndrome</td><td>3</td>" in page


def test_report_command_rebuilds_the_same_page_from_the_adam_folder(out, tmp_path):
    result = CliRunner().invoke(main, ["report", "--adam", str(out / "adam"), "--out", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "r" / "index.html").read_bytes() == (out / "report" / "index.html").read_bytes()


def test_report_command_skips_sections_whose_datasets_are_missing(out, tmp_path):
    """With only ADSL and ADAE the page keeps the glance, escalation and safety sections and says why the others
    are skipped."""
    adam = tmp_path / "study" / "adam"
    adam.mkdir(parents=True)
    for name in ("adsl.xpt", "adae.xpt"):
        shutil.copy(out / "adam" / name, adam / name)
    result = CliRunner().invoke(main, ["report", "--adam", str(adam), "--out", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    page = (tmp_path / "r" / "index.html").read_text()
    assert "Skipped: needs ADTTE, not found (ADTTE: adam/adtte.xpt)" in page
    assert "Skipped: needs FINDINGS, not found (FINDINGS: validation/report.json)" in page
    assert page.count("Skipped:") == 8
    assert "Grade 3+ cytopenias skipped: needs ADLB." in page
    assert sorted(p.name for p in (tmp_path / "r" / "figures").iterdir()) == ["crs_icans.svg"]


def test_report_command_on_a_missing_folder_exits_2_without_traceback(tmp_path):
    result = CliRunner().invoke(main, ["report", "--adam", str(tmp_path / "nowhere"), "--out", str(tmp_path / "r")])
    assert result.exit_code == 2
    assert "no such folder" in result.output and "Traceback" not in result.output


def test_cytopenias_count_post_infusion_grade_3_or_more(page, adam):
    """Neutrophils: 11 of 12 infused subjects reach grade >= 3 after infusion (ADLB ATOXGRN, ADY >= 1); 001-011
    stays at grade 2."""
    heme = adam["ADLB"]
    neut = heme[heme["PARAMCD"].eq("NEUT") & heme["ADY"].ge(1)].groupby("USUBJID")["ATOXGRN"].max()
    assert int((neut >= 3).sum()) == 11 and neut["IM96-001-011"] == 2
    assert re.search(r"<td>Neutrophils[^<]*</td><td>11 / \d+</td>", page)


def test_the_report_reads_only_the_datasets_and_variables_it_needs(out):
    """ADEG and ADVS are in the folder but no section uses them; of ADLB only the variables named."""
    datasets, data_cut = read_adam_folder(out / "adam", ["ADSL", "adlb"], {"ADLB": ("PCHG", "USUBJID")})
    assert sorted(datasets) == ["ADLB", "ADSL"] and data_cut == "2026-06-30"
    assert list(datasets["ADLB"].columns) == ["USUBJID", "PCHG"]
    assert len(datasets["ADSL"].columns) == 37
    assert sorted(read_adam(out / "adam")[0]) == ["ADAE", "ADLB", "ADPC", "ADPP", "ADRS", "ADSL", "ADTR", "ADTTE"]


def test_adpc_read_by_the_report_is_the_written_dataset(out, adam):
    written = pyreadstat.read_xport(str(out / "adam" / "adpc.xpt"), disable_datetime_conversion=True)[0]
    assert adam["ADPC"].equals(written)


def _lanes(rows: list[tuple[str, float, bool]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["lane", "end", "responder"])


def test_swimmer_shows_every_lane_up_to_the_limit():
    """The bundled study's 12 infused subjects are all shown (limit 50)."""
    lanes = _lanes([(f"S{k:02d}", float(k), k % 3 == 0) for k in range(12)])
    assert swimmer_lanes(lanes, 50)["lane"].tolist() == [
        "S09", "S06", "S03", "S00", "S11", "S10", "S08", "S07", "S05", "S04", "S02", "S01"]
    assert swimmer_note(lanes, swimmer_lanes(lanes, 50)) == ""


def test_swimmer_beyond_the_limit_keeps_responders_then_the_longest_follow_up():
    """Limit 3 of 5: the two responders (R2, 90 days, before R1, 10 days), then of the others the longest
    follow-up; N1 and N3 tie at 300 days and the subject breaks the tie, so N1 is shown and N3, N2 are not."""
    lanes = _lanes([("N3", 300.0, False), ("R1", 10.0, True), ("N1", 300.0, False), ("R2", 90.0, True),
                    ("N2", 20.0, False)])
    shown = swimmer_lanes(lanes, 3)
    assert shown["lane"].tolist() == ["R2", "R1", "N1"]
    assert swimmer_note(lanes, shown) == (
        " Shown: 3 of 5 infused subjects, those with a confirmed CR or PR (ADRS RSP) first, then the longest "
        "follow-up; 2 not shown, 0 of them with a confirmed response.")


def test_swimmer_note_counts_the_responders_left_out():
    lanes = _lanes([("R1", 10.0, True), ("R2", 20.0, True), ("R3", 30.0, True), ("N1", 99.0, False)])
    shown = swimmer_lanes(lanes, 2)
    assert shown["lane"].tolist() == ["R3", "R2"]
    assert swimmer_note(lanes, shown).endswith("; 2 not shown, 1 of them with a confirmed response.")


def test_worst_grade_by_day_takes_the_worst_ongoing_event_per_subject():
    """Subject A: grade 1 on days 1-3 and grade 3 on day 2 only; subject B: grade 2 from day 3, no end date
    (ongoing on its start day only); a grade-less event counts as none."""
    events = pd.DataFrame({"USUBJID": ["A", "A", "B", "B"], "ASTDY": [1.0, 2.0, 3.0, 1.0],
                           "AENDY": [3.0, 2.0, None, 4.0], "ATOXGRN": [1.0, 3.0, 2.0, None]})
    assert _worst_grade_by_day(events, np.arange(1, 5)).tolist() == [[1.0, 3.0, 1.0, 0.0], [0.0, 0.0, 2.0, 0.0]]


def test_the_crs_icans_figure_of_a_study_without_dose_levels_draws_without_a_warning(recwarn):
    """An ADSL without records (a report on another study's folder, or a cut before any infusion): no dose level,
    no bars and no legend; one empty panel per event kind."""
    from mappings.im96.adam.report import crs_icans_figure

    adae = pd.DataFrame({c: pd.Series(dtype=object) for c in ("CRSFL", "ICANSFL", "TRTA", "USUBJID")}).assign(
        ASTDY=pd.Series(dtype=float), AENDY=pd.Series(dtype=float), ATOXGRN=pd.Series(dtype=float))
    adsl = pd.DataFrame({"SAFFL": pd.Series(dtype=object), "TRT01A": pd.Series(dtype=object)})
    figure = crs_icans_figure(adae, adsl, {})
    assert figure.svg.count("<clipPath") == 2 and "Worst grade" not in figure.svg
    assert [str(w.message) for w in recwarn] == []


def test_marker_changes_count_the_records_without_a_change():
    """Day 28 of CA19-9 in one dose group: S1 30.5 -> 15.6 (CHG -14.9, PCHG -48.8525), S2 "<0.1" (a result that is no
    number: no CHG), S3 without a baseline (no CHG): n 1, and 2 records without a change, which n had hidden."""
    group = "IM96 12x10^8 CAR-T cells"
    adlb = pd.DataFrame({
        "USUBJID": ["S1", "S2", "S3"], "PARAMCD": "CA199", "PARAM": "Cancer Antigen 19-9 (U/mL)", "ANL01FL": "Y",
        "AVISITN": 28.0, "AVISIT": "Day 28", "TRTA": group, "CHG": [-14.9, np.nan, np.nan],
        "PCHG": [-48.8525, np.nan, np.nan]})
    day28 = marker_changes(adlb, {group: 1.0})["CA199"]["visits"][0]["groups"][group]
    assert day28 == {"n": 1, "median_chg": -14.9, "median_pchg": -48.8525, "min_pchg": -48.8525,
                     "max_pchg": -48.8525, "without_change": 2}
