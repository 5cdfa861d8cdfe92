"""Deterministic figures: the same data give the same PNG bytes.

Figures are plain `matplotlib.figure.Figure` objects (no pyplot state, no GUI backend: PNG through Agg). Saving
fixes what would otherwise vary between runs: the PNG software stamp. The page embeds the PNG and figures/ holds
the same file; no SVG is drawn (it doubled the drawing time and nothing reads it).
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import matplotlib
from matplotlib.figure import Figure

STYLE = {
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "legend.fontsize": 8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    # titles at the top of their axes, where automatic placement puts them when no tick label or offset text is
    # above the axes (none of the report's figures has one); automatic placement measures every y axis's tick
    # labels for each title, in the layout and again in the draw
    "axes.titley": 1.0,
}
DPI = 110
_METADATA = {"Software": None}


@dataclass(frozen=True)
class Rendered:
    """One finished figure: `name` is its file stem under figures/, `title` and `caption` go on the page."""
    name: str
    title: str
    caption: str
    png: bytes


def new_figure(width: float, height: float) -> Figure:
    """A figure of `width` x `height` inches in the report style (apply the style to its axes by creating
    them inside `styled()`)."""
    with styled():
        return Figure(figsize=(width, height), layout="constrained")


def styled():
    """Context in which axes, text and saving follow the report style."""
    return matplotlib.rc_context(STYLE)


def render(fig: Figure, name: str, title: str, caption: str) -> Rendered:
    """The figure as PNG bytes, byte-stable for the same content. Its layout (constrained, from `new_figure`) is
    worked out once, then fixed: left on, saving would lay the figure out on a first, unrendered draw and again on
    the real one."""
    buffer = io.BytesIO()
    with styled():
        if (engine := fig.get_layout_engine()) is not None:
            engine.execute(fig)
            fig.set_layout_engine(None)
        fig.savefig(buffer, format="png", dpi=DPI, metadata=_METADATA)
    return Rendered(name, title, caption, buffer.getvalue())


def write_figures(figures: list[Rendered], folder: Path) -> None:
    """Each figure as `<name>.png` in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    for f in figures:
        (folder / f"{f.name}.png").write_bytes(f.png)
