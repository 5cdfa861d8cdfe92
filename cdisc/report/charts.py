"""Generic chart types of a clinical review: Kaplan-Meier with numbers at risk, waterfall, swimmer lanes and one
line per subject. They draw what they are given (no study names, no parameter codes); statistics come from
`cdisc.derive.stats`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from cdisc.derive.stats import kaplan_meier, km_at_risk
from cdisc.report.figures import new_figure, styled

PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22")
GREY = "#7f7f7f"


def palette(labels: list[str], first: str = "#222222") -> dict[str, str]:
    """A fixed colour per label: `first` for the first (e.g. overall), then the palette in order."""
    return {label: (first if k == 0 else PALETTE[(k - 1) % len(PALETTE)]) for k, label in enumerate(labels)}


@dataclass(frozen=True)
class KmCurve:
    """One curve: `label` for the legend, `short` for the numbers-at-risk row."""
    label: str
    short: str
    color: str
    time: np.ndarray
    event: np.ndarray


def km_figure(curves: list[KmCurve], *, ticks: list[float], xlabel: str, ylabel: str, title: str) -> Figure:
    """Kaplan-Meier step curves with censoring ticks and, below them, the numbers at risk at `ticks`."""
    with styled():
        fig = new_figure(9, 4.6 + 0.28 * len(curves))
        top, bottom = fig.subplots(2, 1, height_ratios=[4, 0.6 + 0.3 * len(curves)], sharex=True)
        for c in curves:
            _km_step(top, c)
        top.set(ylim=(-0.02, 1.05), ylabel=ylabel, title=title, xlim=(0, max(ticks)))
        top.legend(loc="upper right", frameon=False)
        _at_risk(bottom, curves, ticks, xlabel)
    return fig


def _km_step(ax: Axes, c: KmCurve) -> None:
    km = kaplan_meier(c.time, c.event)
    x = np.concatenate([[0.0], km["time"].to_numpy()])
    y = np.concatenate([[1.0], km["survival"].to_numpy()])
    ax.step(x, y, where="post", color=c.color, label=c.label, linewidth=1.6)
    censored = km[km["n_censor"] > 0]
    ax.plot(censored["time"], censored["survival"], "|", color=c.color, markersize=9, markeredgewidth=1.4)


def _at_risk(ax: Axes, curves: list[KmCurve], ticks: list[float], xlabel: str) -> None:
    ax.set_ylim(-0.5, len(curves) - 0.5)
    ax.set_yticks(range(len(curves)), [c.short for c in reversed(curves)], fontsize=8)
    for row, c in enumerate(reversed(curves)):
        for t, n in zip(ticks, km_at_risk(c.time, ticks), strict=True):
            ax.text(t, row, str(n), ha="center", va="center", color=c.color, fontsize=8)
    ax.set_xticks(ticks)
    ax.set_xlabel(xlabel)
    ax.set_title("Number at risk", fontsize=8, loc="left")
    ax.grid(False)
    ax.tick_params(axis="y", length=0, pad=14)
    for side in ("left", "bottom"):
        ax.spines[side].set_visible(False)


def waterfall_figure(frame: pd.DataFrame, *, colors: dict[str, str], lines: dict[float, str], ylabel: str,
                     title: str, label_bars: bool) -> Figure:
    """One bar per row of `frame` (columns `label`, `value`, `category`), largest first, coloured by category,
    with horizontal reference lines {y: text}."""
    data = frame.sort_values(["value", "label"], ascending=[False, True], kind="mergesort").reset_index(drop=True)
    with styled():
        fig = new_figure(9, 4.2)
        ax = fig.add_subplot()
        bars(ax, data.index, data["value"], color=[colors.get(c, GREY) for c in data["category"]])
        for y, text in lines.items():
            ax.axhline(y, color="#444", linestyle="--", linewidth=0.9)
            ax.text(1.0, y, f" {text}", transform=ax.get_yaxis_transform(), va="center", fontsize=8)
        ax.axhline(0, color="black", linewidth=0.8)
        if label_bars:
            ax.set_xticks(data.index, data["label"], rotation=60, ha="right", fontsize=7)
        else:
            ax.set_xticks([])
        ax.set(ylabel=ylabel, title=title, xlim=(-0.7, len(data) - 0.3))
        ax.set_xlabel("Subjects, ordered by value" if not label_bars else "Subject")
        shown = [c for c in colors if c in set(data["category"])]
        ax.legend(handles=[Patch(color=colors[c], label=c) for c in shown], title="Best response", frameon=False,
                  loc="upper left", bbox_to_anchor=(1.06, 1))
    return fig


def bars(ax: Axes, x: object, height: object, *, color: str | list[str], bottom: object = 0.0, width: float = 0.8,
         label: str | None = None) -> PolyCollection:
    """Vertical bars centred on `x`, from `bottom` to `bottom + height`, drawn as `ax.bar` draws them (no edge,
    the value axis sticks to 0, every bar counts for the axis limits) but as one polygon collection: `ax.bar` makes
    one artist per bar, which a 1,000-subject waterfall pays for in drawing time."""
    x, height = np.asarray(x, dtype=float), np.asarray(height, dtype=float)
    low = np.broadcast_to(np.asarray(bottom, dtype=float), x.shape)
    left, right, high = x - width / 2, x + width / 2, low + height
    corners = np.stack([np.c_[left, low], np.c_[left, high], np.c_[right, high], np.c_[right, low]], axis=1)
    collection = PolyCollection(corners, facecolors=color, edgecolors="none", label=label)
    collection.sticky_edges.y.append(0.0)
    ax.add_collection(collection)
    ax.autoscale_view()
    return collection


@dataclass(frozen=True)
class Marker:
    marker: str
    color: str
    size: float = 42


def swimmer_figure(lanes: pd.DataFrame, events: pd.DataFrame, *, lane_colors: dict[str, str],
                   markers: dict[str, Marker], xlabel: str, title: str) -> Figure:
    """One horizontal lane per row of `lanes` (`lane`, `end`, `group`, `ongoing`), longest at the top, coloured by
    group, an arrow where `ongoing`; `events` (`lane`, `day`, `kind`) of those lanes drawn with `markers[kind]`
    (one scatter per kind). The day axis runs to the longest lane, with 5 % room for the arrow."""
    order = lanes.sort_values(["end", "lane"], ascending=[True, False], kind="mergesort").reset_index(drop=True)
    y = pd.Series(order.index, index=order["lane"])
    with styled():
        fig = new_figure(10, 1.6 + 0.22 * len(order))
        ax = fig.add_subplot()
        ax.barh(order.index, order["end"], color=[lane_colors[g] for g in order["group"]], height=0.6, alpha=0.55)
        go_on = order[order["ongoing"]]
        span = max(float(order["end"].max()), 1.0)
        ax.plot(go_on["end"] + span * 0.015, go_on.index, ">", color="black", markersize=6)
        shown = events[events["lane"].isin(y.index)]
        for kind, m in markers.items():
            hits = shown[shown["kind"].eq(kind)]
            ax.scatter(hits["day"], hits["lane"].map(y), marker=m.marker, color=m.color, s=m.size, zorder=3)
        ax.set_yticks(order.index, order["lane"], fontsize=7)
        ax.set(xlabel=xlabel, title=title, ylim=(-0.7, len(order) - 0.3), xlim=(0, span * 1.05))
        ax.grid(axis="y", visible=False)
        handles = [Patch(color=lane_colors[g], alpha=0.55, label=g) for g in lane_colors]
        handles += [Line2D([], [], marker=m.marker, color=m.color, linestyle="", label=k) for k, m in markers.items()]
        handles += [Line2D([], [], marker=">", color="black", linestyle="", label="Ongoing response")]
        ax.legend(handles=handles, frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1))
    return fig


def lines_by_subject(ax: Axes, frame: pd.DataFrame, *, x: str, y: str, subject: str, colors: pd.Series,
                     marker: str = "o") -> None:
    """One thin line per subject of `frame` (x ascending) with a dot at each value, coloured by `colors` (indexed
    by subject). One artist per colour, its subjects' lines split by gaps: 1,000 subjects draw as fast as 10."""
    data = frame.assign(_color=frame[subject].map(colors)).sort_values([subject, x], kind="mergesort")
    for color, part in data.groupby("_color", sort=False):
        ids = part[subject].to_numpy()
        gaps = np.flatnonzero(ids[1:] != ids[:-1]) + 1
        ax.plot(np.insert(part[x].to_numpy(dtype=float), gaps, np.nan),
                np.insert(part[y].to_numpy(dtype=float), gaps, np.nan),
                color=color, linewidth=0.9, alpha=0.7, marker=marker, markersize=2.5)


def group_legend(ax: Axes, colors: dict[str, str], *, title: str, outside: bool = False) -> None:
    handles = [Line2D([], [], color=c, linewidth=2, label=g) for g, c in colors.items()]
    where = {"loc": "upper left", "bbox_to_anchor": (1.01, 1)} if outside else {"loc": "best"}
    ax.legend(handles=handles, title=title, frameon=False, **where)
