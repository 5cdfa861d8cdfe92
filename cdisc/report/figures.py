"""Deterministic figures: the same data give the same PNG and SVG bytes.

Figures are plain `matplotlib.figure.Figure` objects (no pyplot state, no GUI backend: PNG through Agg). Saving
fixes what would otherwise vary between runs: the SVG id salt (`svg.hashsalt`), the SVG date and the
PNG/SVG software stamps.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import matplotlib
from matplotlib.figure import Figure

STYLE = {
    "svg.hashsalt": "cdisc-report",
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "legend.fontsize": 8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
}
DPI = 110
_METADATA = {"png": {"Software": None}, "svg": {"Date": None, "Creator": None}}


@dataclass(frozen=True)
class Rendered:
    """One finished figure: `name` is its file stem under figures/, `title` and `caption` go on the page."""
    name: str
    title: str
    caption: str
    png: bytes
    svg: bytes


def new_figure(width: float, height: float) -> Figure:
    """A figure of `width` x `height` inches in the report style (apply the style to its axes by creating
    them inside `styled()`)."""
    with styled():
        return Figure(figsize=(width, height), layout="constrained")


def styled():
    """Context in which axes, text and saving follow the report style."""
    return matplotlib.rc_context(STYLE)


def render(fig: Figure, name: str, title: str, caption: str) -> Rendered:
    """The figure as PNG and SVG bytes, byte-stable for the same content."""
    return Rendered(name, title, caption, _save(fig, "png"), _save(fig, "svg"))


def _save(fig: Figure, fmt: str) -> bytes:
    buffer = io.BytesIO()
    with styled():
        fig.savefig(buffer, format=fmt, dpi=DPI, metadata=_METADATA[fmt])
    return buffer.getvalue()


def write_figures(figures: list[Rendered], folder: Path) -> None:
    """Each figure as `<name>.png` and `<name>.svg` in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    for f in figures:
        (folder / f"{f.name}.png").write_bytes(f.png)
        (folder / f"{f.name}.svg").write_bytes(f.svg)
