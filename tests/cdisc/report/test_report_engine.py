"""The generic report engine: byte-stable figures, a self-contained page, skipped sections, numbers at risk."""
from __future__ import annotations

import base64
import subprocess
import sys

import pandas as pd
import pytest

from cdisc.derive.stats import km_at_risk
from cdisc.report.build import ReportInputs, SectionPlan, build_section
from cdisc.report.charts import Marker, swimmer_figure
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
sys.stdout.write(hashlib.sha256(r.png).hexdigest() + hashlib.sha256(r.svg).hexdigest())
"""


def _figure():
    with styled():
        fig = new_figure(3, 2)
        fig.add_subplot().bar([1, 2], [3, 4])
    return render(fig, "bars", "Bars & <lines>", "caption")


def test_render_gives_the_same_png_and_svg_bytes_in_two_processes():
    """Same data -> same bytes, also across interpreter runs (SVG ids salted, no dates, no version stamps)."""
    digests = {subprocess.run([sys.executable, "-c", FIGURE_SCRIPT], capture_output=True, text=True,
                              check=True).stdout for _ in range(2)}
    assert len(digests) == 1


def test_render_writes_no_date_or_software_stamp():
    r = _figure()
    assert r.png.startswith(b"\x89PNG")
    assert b"<dc:date>" not in r.svg and b"Matplotlib v" not in r.svg and b"Software" not in r.png


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


@pytest.mark.parametrize(("span", "xlim"), [(None, (0.0, 105.0)), (400.0, (0.0, 420.0))])
def test_swimmer_day_axis_runs_to_the_span_shared_by_all_pages(span, xlim):
    """A page of short lanes keeps the day scale of the study's longest lane (+5 % room for the arrow)."""
    lanes = pd.DataFrame({"lane": ["S1", "S2"], "end": [100.0, 50.0], "group": ["A", "A"], "ongoing": [True, False]})
    events = pd.DataFrame({"lane": ["S1"], "day": [30.0], "kind": ["PR"]})
    fig = swimmer_figure(lanes, events, lane_colors={"A": "#1f77b4"}, markers={"PR": Marker("o", "green")},
                         xlabel="day", title="t", span=span)
    assert fig.axes[0].get_xlim() == xlim


def test_table_cells_right_align_numbers_and_blank_missing():
    page = render_page("T", "", [Section("a", "A", [Table(pd.DataFrame({"v": [1.5, None], "s": ["a", "b"]}))])])
    assert '<td class="num">1.5</td><td>a</td>' in page and "<td></td><td>b</td>" in page


def test_build_section_says_which_inputs_are_missing_and_where_they_were_looked_for():
    plan = SectionPlan("km", "Survival", ("ADSL", "ADTTE"), lambda inputs: [Text("drawn")])
    inputs = ReportInputs({"ADSL": pd.DataFrame()}, sources={"ADTTE": "adam/adtte.xpt"})
    assert build_section(plan, inputs).skipped == "needs ADTTE, not found (ADTTE: adam/adtte.xpt)"
    full = ReportInputs({"ADSL": pd.DataFrame(), "ADTTE": pd.DataFrame()})
    assert build_section(plan, full).blocks == [Text("drawn")]


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
