"""The generic report engine: byte-stable figures, a self-contained page, skipped sections, numbers at risk."""
from __future__ import annotations

import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from lxml import etree

from cdisc.derive.stats import km_at_risk
from cdisc.report.build import ReportInputs, SectionPlan, build_section
from cdisc.report.charts import Marker, bars, lines_by_subject, swimmer_figure
from cdisc.report.figures import render
from cdisc.report.page import SCROLL_ROWS, Section, Table, Text, render_page
from cdisc.report.svg import Chart, Legend, Panel, Scale, marker_path

SVG = "{http://www.w3.org/2000/svg}"
FIGURE_SCRIPT = """
import hashlib, sys
from cdisc.report.figures import render
from cdisc.report.svg import Chart, Entry, Legend, Panel
panel = Panel(title="t", xlabel="day")
panel.line([0, 1, 2], [3, 1, 2], color="#1f77b4", marker="o")
r = render(Chart([[panel]], 400, [200], Legend("", [Entry("a", "#1f77b4", "line")])), "t", "T", "c")
sys.stdout.write(hashlib.sha256(r.svg.encode()).hexdigest())
"""


def _figure():
    panel = Panel()
    bars(panel, [1, 2], [3, 4], color="#1f77b4")
    return render(Chart([[panel]], 300, [150]), "bars", "Bars & <lines>", "caption")


def _paths(svg: str, **attributes: str) -> list[str]:
    """The `d` of every <path> in the drawing's plot areas (not the legend) whose attributes include
    `attributes`."""
    return [p.get("d") for g in etree.fromstring(svg).iter(f"{SVG}g") if g.get("clip-path")
            for p in g.iter(f"{SVG}path") if all(p.get(k) == v for k, v in attributes.items())]


def test_render_gives_the_same_bytes_in_two_processes():
    """Same data -> same bytes, also across interpreter runs."""
    digests = {subprocess.run([sys.executable, "-c", FIGURE_SCRIPT], capture_output=True, text=True,
                              check=True).stdout for _ in range(2)}
    assert len(digests) == 1


def test_a_figure_is_one_well_formed_svg_element_named_by_its_title():
    """XML an HTML page can hold inline and a browser can open as figures/<name>.svg; the title (escaped) is its
    accessible name; its clip path is named after the figure, so two figures on a page do not share one."""
    root = etree.fromstring(_figure().svg)
    assert root.tag == f"{SVG}svg" and root.get("aria-label") == "Bars & <lines>"
    assert [c.get("id") for c in root.iter(f"{SVG}clipPath")] == ["bars-0-0"]


def test_render_page_is_self_contained_with_contents_and_escaped_text():
    """Figures are inline SVG, the contents list links every section, text is HTML-escaped, nothing external."""
    fig = _figure()
    page = render_page("T <1>", "sub", [Section("a", "First", [Text("x < y"), fig]),
                                        Section("b", "Second", skipped="needs ADTTE")])
    assert '<a href="#a">First</a>' in page and '<a href="#b">Second</a> (skipped)' in page
    assert f'<figure id="fig-bars"><h3>Bars &amp; &lt;lines&gt;</h3>{fig.svg}<figcaption>' in page
    assert "T &lt;1&gt;" in page and "x &lt; y" in page
    assert "Skipped: needs ADTTE" in page
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in page and "<script" not in page


@pytest.mark.parametrize(("rows", "scrolls"), [(SCROLL_ROWS, False), (SCROLL_ROWS + 1, True)])
def test_long_tables_scroll_in_their_own_box(rows, scrolls):
    page = render_page("T", "", [Section("a", "A", [Table(pd.DataFrame({"n": range(rows)}))])])
    assert ('class="scroll"' in page) is scrolls
    assert (f"{rows} rows; the box scrolls." in page) is scrolls


def test_swimmer_day_axis_runs_to_the_longest_lane_with_room_for_the_arrow():
    """Lanes of 100 and 50 days: the axis runs to 105 (+5 % for the ongoing-response arrow); S1 at the top; the
    event of S3, who has no lane, is not drawn."""
    lanes = pd.DataFrame({"lane": ["S1", "S2"], "end": [100.0, 50.0], "group": ["A", "A"], "ongoing": [True, False]})
    events = pd.DataFrame({"lane": ["S1", "S3"], "day": [30.0, 10.0], "kind": ["PR", "PR"]})
    chart = swimmer_figure(lanes, events, lane_colors={"A": "#1f77b4"}, markers={"PR": Marker("o", "green")},
                           xlabel="day", title="t")
    panel = chart.rows[0][0]
    assert panel.limits()[0] == (0.0, 105.0)
    assert [label for _, label in panel.yticks] == ["S2", "S1"]
    assert [d.count("h0") for d in _paths(chart.svg("s", "t"), stroke="green")] == [1]


def test_lines_by_subject_draws_one_line_per_colour_with_a_gap_between_subjects():
    """Subjects a and c red, b green, rows unsorted: the red path holds a's line (x ascending), a gap, then c's
    (two pieces, three dots); the green one b's."""
    frame = pd.DataFrame({"id": ["b", "a", "b", "c", "a"], "x": [2.0, 5.0, 1.0, 0.0, 3.0],
                          "y": [20.0, 50.0, 10.0, 7.0, 30.0]})
    colors = pd.Series({"a": "#ff0000", "b": "#00ff00", "c": "#ff0000"})
    panel = Panel()
    lines_by_subject(panel, frame, x="x", y="y", subject="id", colors=colors)
    assert str([(x.tolist(), y.tolist()) for x, y in zip(panel.xs, panel.ys, strict=True)]) == str(
        [([3.0, 5.0, float("nan"), 0.0], [30.0, 50.0, float("nan"), 7.0]), ([1.0, 2.0], [10.0, 20.0])])
    svg = Chart([[panel]], 300, [150]).svg("l", "l")
    red_line, red_dots = _paths(svg, stroke="#ff0000")
    assert (red_line.count("M"), red_line.count("l"), red_dots.count("h0")) == (2, 1, 3)
    green_line, green_dots = _paths(svg, stroke="#00ff00")
    assert (green_line.count("M"), green_line.count("l"), green_dots.count("h0")) == (1, 1, 2)


def test_bars_are_one_path_per_colour_and_every_bar_counts_for_the_limits():
    """Bars at 1, 2, 3 of heights 4, 0, -2 on a base of 1, width 0.5: the empty one at 2 is not drawn but still
    widens the x axis to 0.75-3.25 (plus 5 % margins: 0.625-3.375); y runs -1 to 5 (plus 5 %: -1.3 to 5.3).
    On a 300 x 150 plot area the red bar is 0.125 / 2.75 of the width wide (13.6 px) and 4 / 6.6 of the height
    tall (90.9 px)."""
    panel = Panel(axes=False)
    bars(panel, [1, 2, 3], [4, 0, -2], bottom=1.0, color=["red", "green", "blue"], width=0.5)
    (x0, x1), (y0, y1) = panel.limits()
    assert (x0, x1, y0, y1) == pytest.approx((0.625, 3.375, -1.3, 5.3))
    svg = Chart([[panel]], 300 + 2 * 10 + 18 + 4, [150]).svg("b", "b")
    assert _paths(svg, fill="green") == []
    assert len(_paths(svg, fill="blue")) == 1
    (red,) = _paths(svg, fill="red")
    numbers = [float(v) for v in red.replace("M", " ").replace("H", " ").replace("V", " ").replace("z", "").split()]
    left, bottom, right, top = numbers[:4]
    assert (right - left, bottom - top) == pytest.approx((300 * 0.5 / 2.75, 150 * 4 / 6.6), abs=0.15)


def test_scales_place_values_as_matplotlib_would():
    """Linear ticks of 0-100 on 400 px, 80 px apart: steps of 20. Log ticks of 0.3-200,000: each decade 1 to
    10^5, written plainly up to 10,000. Symmetric log, linear to 28 over 1.4 decades: 14 sits at half of 28's
    place (1.4 / 0.9 / 2 = 0.778), 280 a decade further (2.556)."""
    assert Scale().ticks(0, 100, 400, 80) == [(0, "0"), (20, "20"), (40, "40"), (60, "60"), (80, "80"), (100, "100")]
    assert [label for _, label in Scale("log").ticks(0.3, 2e5, 300, 45)] == ["1", "10", "100", "1000", "10000",
                                                                              "10⁵"]
    assert Scale("symlog", threshold=28, linscale=1.4).forward(np.array([-14, 0, 14, 28, 280])).tolist() == \
        pytest.approx([-0.7778, 0, 0.7778, 1.5556, 2.5556], abs=1e-4)


def test_marker_shapes_are_paths_a_browser_draws():
    """A circle is a round-capped zero-length stroke; a square a closed filled path; a cross two strokes."""
    x, y = np.array([10.0]), np.array([20.0])
    assert marker_path("o", x, y, "red", 3) == ('<path d="M10 20h0" stroke="red" stroke-width="6" '
                                                'stroke-linecap="round" fill="none"/>')
    assert marker_path("s", x, y, "red", 3) == '<path d="M7 17h6v6h-6z" fill="red"/>'
    assert marker_path("x", x, y, "red", 3) == ('<path d="M7 17l6 6m0 -6l-6 6" stroke="red" stroke-width="1.4" '
                                                'fill="none"/>')


def test_a_legend_is_as_wide_as_its_longest_label():
    """11 px text at 0.62 em a character: a 10-character label takes 68.2 px, plus 38 px for its swatch."""
    from cdisc.report.svg import Entry

    assert Legend("", [Entry("abcdefghij", "red"), Entry("a", "red")]).width() == pytest.approx(106.2)


def test_table_cells_right_align_numbers_and_blank_missing():
    page = render_page("T", "", [Section("a", "A", [Table(pd.DataFrame({"v": [1.5, None], "s": ["a", "b"]}))])])
    assert '<td class="num">1.5</td><td>a</td>' in page and "<td></td><td>b</td>" in page


def test_build_section_says_which_inputs_are_missing_and_where_they_were_looked_for():
    plan = SectionPlan("km", "Survival", ("ADSL", "ADTTE"), lambda inputs: [Text("drawn")])
    inputs = ReportInputs({"ADSL": pd.DataFrame()}, sources={"ADTTE": "adam/adtte.xpt"})
    assert build_section(plan, inputs).skipped == "needs ADTTE, not found (ADTTE: adam/adtte.xpt)"
    full = ReportInputs({"ADSL": pd.DataFrame(), "ADTTE": pd.DataFrame()})
    assert build_section(plan, full).blocks == [Text("drawn")]


def test_a_section_that_cannot_be_built_from_its_datasets_is_skipped_saying_why():
    """An ADSL of another study, without the variable the section reads: the page is still written."""
    plan = SectionPlan("glance", "At a glance", ("ADSL",), lambda inputs: [Text(inputs.datasets["ADSL"]["TRT01P"])])
    skipped = build_section(plan, ReportInputs({"ADSL": pd.DataFrame({"USUBJID": ["1"]})})).skipped
    assert skipped.startswith("cannot be built from ADSL (KeyError: 'TRT01P', at tests/cdisc/report/")


def test_km_at_risk_counts_subjects_still_followed_at_each_time():
    """Censored at 3 and event at 3 are both at risk at 3 (Kaplan & Meier 1958 risk set)."""
    assert km_at_risk([5, 3, 3, 10, 1], [0, 3, 4, 10, 11]) == [5, 4, 2, 1, 0]


def test_progress_is_quiet_when_stderr_is_not_a_terminal(capsys):
    from cdisc.progress import progress

    assert list(progress(range(3), "mapping")) == [0, 1, 2]
    assert capsys.readouterr().err == ""


def test_progress_shows_a_bar_on_a_terminal(capsys, monkeypatch):
    import cdisc.progress

    monkeypatch.setattr(cdisc.progress, "interactive", lambda: True)
    assert list(cdisc.progress.progress(range(3), "mapping")) == [0, 1, 2]
    assert "mapping:" in capsys.readouterr().err


def test_start_report_builds_the_later_sections_only_when_finished(tmp_path):
    """Sections on ADaM are built when the report starts; one on a `later` table (a run's findings, written after
    validation) only when it is finished, from that table as it is then; the page keeps the plan's order."""
    from cdisc.report.build import start_report

    built: list[str] = []

    def section(name: str):
        def build(inputs):
            built.append(name)
            return [Text(f"{name}: {len(inputs.get(name.upper()))} row(s)")]
        return build

    plans = [SectionPlan("validation", "Validation", ("FINDINGS",), section("findings")),
             SectionPlan("glance", "At a glance", ("ADSL",), section("adsl"))]
    inputs = ReportInputs({"ADSL": pd.DataFrame({"USUBJID": ["1", "2"]})})
    findings: list[pd.DataFrame] = []
    finish = start_report(plans, inputs, tmp_path, title="T", subtitle="S",
                          later={"FINDINGS": lambda: findings[0] if findings else None})
    assert built == ["adsl"]
    findings.append(pd.DataFrame({"rule": ["CORE-000001", "CORE-000002", "SD0002"]}))
    page = finish().read_text(encoding="utf-8")
    assert built == ["adsl", "findings"]
    assert page.index("findings: 3 row(s)") < page.index("adsl: 2 row(s)")


def test_missing_values_and_a_single_value_still_give_a_valid_drawing():
    """A line through missing points on a log axis (-1 and 0 have no logarithm), a reference line at a missing
    LLOQ, a bar with a missing end, fixed limits of one value: no "nan" or "inf" reaches the SVG, which stays
    well-formed; no point of the red line has both coordinates on these axes, so its path is empty."""
    panel = Panel(y=Scale("log"), title="t")
    panel.line([1, 2, np.nan], [np.nan, -1, 0], color="red", marker="o")
    panel.hline(float("nan"), label="LLOQ nan")
    panel.rects([0], [1], [np.nan], [1], colors="red")
    single = Panel(x=Scale(limits=(3.0, 3.0)))
    single.points([3], [3], shape="D", color="blue")
    svg = Chart([[panel, single]], 600, [200]).svg("e", "e")
    etree.fromstring(svg)
    assert not re.search(r"[^a-z](nan|inf)[^a-z]", svg.lower()) and "LLOQ" not in svg
    assert _paths(svg, stroke="red") == [""]
    assert len(_paths(svg, fill="blue")) == 1


def test_paths_step_relative_to_the_point_before_rounded_without_drift():
    """Points 10.04, 10.08, 10.12 (x) round to 10, 10.1, 10.1: the steps are the differences of the rounded
    points (0.1 then 0), not rounded differences (0 and 0), so the last point lands where it should; a missing
    point starts a new piece at an absolute point."""
    from cdisc.report.svg import polyline

    x = np.array([10.04, 10.08, 10.12, np.nan, -3.0])
    y = np.array([5.0, 6.26, 4.0, 1.0, 2.0])
    assert polyline(x, y) == "M10 5l0.1 1.3l0 -2.3M-3 2"


@pytest.mark.parametrize(("content", "reason"), [
    (b"{not json", r"report.json: not the report.json of a validation \(Expecting property name"),
    (b'{"x": 1}', r"report.json: not the report.json of a validation \(no 'findings' list\)"),
    (b'{"findings": 5}', r"report.json: not the report.json of a validation \('findings' is not a list"),
    (b"[]", r"report.json: not the report.json of a validation \(list indices must be integers"),
    (b"\xff\xfe{", r"report.json: not the report.json of a validation \('utf-8' codec can't decode"),
])
def test_a_findings_file_that_is_no_validation_report_is_named(tmp_path, content, reason):
    """`cdisc report --findings` with any other file ended in a JSONDecodeError, KeyError, ValueError, TypeError or
    UnicodeDecodeError traceback."""
    from cdisc.errors import CdiscError
    from cdisc.report.build import read_findings

    (tmp_path / "report.json").write_bytes(content)
    with pytest.raises(CdiscError, match=reason):
        read_findings(tmp_path / "report.json")


@pytest.mark.parametrize(("content", "reason"), [
    (b'A,B\n"x,1\n', r"summary.csv: not a readable CSV table \(Error tokenizing data"),
    (b"", r"summary.csv: not a readable CSV table \(No columns to parse from file\)"),
    (b"A,B\n\xff,1\n", r"summary.csv: not a readable CSV table \('utf-8' codec can't decode"),
])
def test_a_reconciliation_table_that_cannot_be_read_is_named(tmp_path, content, reason):
    from cdisc.errors import CdiscError
    from cdisc.report.build import read_table

    (tmp_path / "summary.csv").write_bytes(content)
    with pytest.raises(CdiscError, match=reason):
        read_table(tmp_path / "summary.csv")
