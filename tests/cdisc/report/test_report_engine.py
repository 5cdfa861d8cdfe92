"""The generic report engine: byte-stable figures, a self-contained page, skipped sections, numbers at risk."""
from __future__ import annotations

import base64
import subprocess
import sys

import pandas as pd
import pytest
from matplotlib.colors import to_hex

from cdisc.derive.stats import km_at_risk
from cdisc.report.build import ReportInputs, SectionPlan, build_section
from cdisc.report.charts import Marker, bars, lines_by_subject, swimmer_figure
from cdisc.report.figures import new_figure, render, styled
from cdisc.report.page import SCROLL_ROWS, Section, Table, Text, render_page

FIGURE_SCRIPT = """
import hashlib, sys
from cdisc.report.figures import new_figure, render, styled
with styled():
    fig = new_figure(4, 3)
    ax = fig.add_subplot()
    ax.plot([0, 1, 2], [3, 1, 2], label="a"); ax.set_xlabel("day"); ax.legend()
r = render(fig, "t", "T", "c")
sys.stdout.write(hashlib.sha256(r.png).hexdigest())
"""


def _figure():
    with styled():
        fig = new_figure(3, 2)
        fig.add_subplot().bar([1, 2], [3, 4])
    return render(fig, "bars", "Bars & <lines>", "caption")


def test_render_gives_the_same_png_bytes_in_two_processes():
    """Same data -> same bytes, also across interpreter runs (no version stamp)."""
    digests = {subprocess.run([sys.executable, "-c", FIGURE_SCRIPT], capture_output=True, text=True,
                              check=True).stdout for _ in range(2)}
    assert len(digests) == 1


def test_render_writes_no_software_stamp():
    r = _figure()
    assert r.png.startswith(b"\x89PNG")
    assert b"Software" not in r.png and b"Matplotlib" not in r.png


def test_render_page_is_self_contained_with_contents_and_escaped_text():
    """Images are data URIs, the contents list links every section, text is HTML-escaped, nothing external."""
    fig = _figure()
    page = render_page("T <1>", "sub", [Section("a", "First", [Text("x < y"), fig]),
                                        Section("b", "Second", skipped="needs ADTTE")])
    assert '<a href="#a">First</a>' in page and '<a href="#b">Second</a> (skipped)' in page
    assert f'src="data:image/png;base64,{base64.b64encode(fig.png).decode()}"' in page
    assert "T &lt;1&gt;" in page and "x &lt; y" in page and "Bars &amp; &lt;lines&gt;" in page
    assert "Skipped: needs ADTTE" in page
    assert "http://" not in page and "https://" not in page and "<script" not in page


@pytest.mark.parametrize(("rows", "scrolls"), [(SCROLL_ROWS, False), (SCROLL_ROWS + 1, True)])
def test_long_tables_scroll_in_their_own_box(rows, scrolls):
    page = render_page("T", "", [Section("a", "A", [Table(pd.DataFrame({"n": range(rows)}))])])
    assert ('class="scroll"' in page) is scrolls
    assert (f"{rows} rows; the box scrolls." in page) is scrolls


def test_swimmer_day_axis_runs_to_the_longest_lane_with_room_for_the_arrow():
    """Lanes of 100 and 50 days: the axis runs to 105 (+5 % for the ongoing-response arrow); S1 at the top."""
    lanes = pd.DataFrame({"lane": ["S1", "S2"], "end": [100.0, 50.0], "group": ["A", "A"], "ongoing": [True, False]})
    events = pd.DataFrame({"lane": ["S1", "S3"], "day": [30.0, 10.0], "kind": ["PR", "PR"]})
    fig = swimmer_figure(lanes, events, lane_colors={"A": "#1f77b4"}, markers={"PR": Marker("o", "green")},
                         xlabel="day", title="t")
    ax = fig.axes[0]
    assert ax.get_xlim() == (0.0, 105.0)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["S2", "S1"]
    assert ax.collections[0].get_offsets().tolist() == [[30.0, 1.0]]  # S3 has no lane: its event is not drawn


def test_lines_by_subject_draws_one_line_per_colour_with_a_gap_between_subjects():
    """Subjects a and c red, b green, rows unsorted: the red artist holds a's line (x ascending), a gap, then c's;
    the green one b's."""
    frame = pd.DataFrame({"id": ["b", "a", "b", "c", "a"], "x": [2.0, 5.0, 1.0, 0.0, 3.0],
                          "y": [20.0, 50.0, 10.0, 7.0, 30.0]})
    colors = pd.Series({"a": "#ff0000", "b": "#00ff00", "c": "#ff0000"})
    with styled():
        ax = new_figure(3, 2).add_subplot()
    lines_by_subject(ax, frame, x="x", y="y", subject="id", colors=colors)
    drawn = [(to_hex(line.get_color()), line.get_xdata().tolist(), line.get_ydata().tolist()) for line in ax.lines]
    assert str(drawn) == str([("#ff0000", [3.0, 5.0, float("nan"), 0.0], [30.0, 50.0, float("nan"), 7.0]),
                              ("#00ff00", [1.0, 2.0], [10.0, 20.0])])
    assert ax.lines[0].get_marker() == "o"


def test_bars_are_one_collection_and_every_bar_counts_for_the_limits():
    """Bars at 1, 2, 3 of heights 4, 0, -2 on a base of 1, width 0.5: three rectangles; the empty one at 2 still
    widens the x axis to 0.75-3.25 (plus the 5 % margins: 0.625-3.375), as `ax.bar` does."""
    with styled():
        ax = new_figure(3, 2).add_subplot()
    collection = bars(ax, [1, 2, 3], [4, 0, -2], bottom=1.0, color=["red", "green", "blue"], width=0.5)
    assert [p.vertices[:4].tolist() for p in collection.get_paths()] == [
        [[0.75, 1.0], [0.75, 5.0], [1.25, 5.0], [1.25, 1.0]], [[1.75, 1.0], [1.75, 1.0], [2.25, 1.0], [2.25, 1.0]],
        [[2.75, 1.0], [2.75, -1.0], [3.25, -1.0], [3.25, 1.0]]]
    assert [to_hex(c) for c in collection.get_facecolors()] == ["#ff0000", "#008000", "#0000ff"]
    assert list(ax.collections) == [collection]
    assert ax.get_xlim() == pytest.approx((0.625, 3.375))


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
