"""Finished figures: each an SVG drawing (`cdisc.report.svg`) with the name of its file under figures/, its title
and caption for the page. The same data give the same bytes.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cdisc.report.svg import Chart


@dataclass(frozen=True)
class Rendered:
    """One finished figure: `name` is its file stem under figures/, `title` and `caption` go on the page."""
    name: str
    title: str
    caption: str
    svg: str


def render(chart: Chart, name: str, title: str, caption: str) -> Rendered:
    return Rendered(name, title, caption, chart.svg(name, title))


def write_figures(figures: list[Rendered], folder: Path) -> None:
    """Each figure as `<name>.svg` in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    for f in figures:
        (folder / f"{f.name}.svg").write_text(f.svg + "\n", encoding="utf-8")
