"""Generic chart types of a clinical review: Kaplan-Meier with numbers at risk, waterfall, swimmer lanes and one
line per subject. They draw what they are given (no study names, no parameter codes); statistics come from
`cdisc.derive.stats`, drawing from `cdisc.report.svg`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cdisc.derive.stats import kaplan_meier, km_at_risk
from cdisc.report.svg import Chart, Entry, Legend, Panel, Scale

PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22")
GREY = "#7f7f7f"
WIDE = 1180  # px: a figure with its legend at the right, the width of the page's text


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


def km_figure(curves: list[KmCurve], *, ticks: list[float], xlabel: str, ylabel: str, title: str) -> Chart:
    """Kaplan-Meier step curves with censoring ticks and, below them, the numbers at risk at `ticks`."""
    top = Panel(title=title, ylabel=ylabel, x=Scale(limits=(0.0, max(ticks))), y=Scale(limits=(-0.02, 1.05)),
                xticks=[(t, f"{t:g}") for t in ticks], yticks=[(k / 5, f"{k / 5:.1f}") for k in range(6)])
    for c in curves:
        _km_step(top, c)
    legend = Legend("", [Entry(c.label, c.color, "line") for c in curves])
    return Chart([[top], [_at_risk(curves, ticks, xlabel)]], WIDE, [300, 22 * len(curves)], legend, share="x")


def _km_step(panel: Panel, c: KmCurve) -> None:
    km = kaplan_meier(c.time, c.event)
    x = np.concatenate([[0.0], km["time"].to_numpy()])
    y = np.concatenate([[1.0], km["survival"].to_numpy()])
    panel.line(x, y, color=c.color, width=1.8, step=True)
    censored = km[km["n_censor"] > 0]
    panel.points(censored["time"], censored["survival"], shape="|", color=c.color, radius=5)


def _at_risk(curves: list[KmCurve], ticks: list[float], xlabel: str) -> Panel:
    panel = Panel(title="Number at risk", xlabel=xlabel, y=Scale(limits=(-0.5, len(curves) - 0.5)),
                  xticks=[(t, f"{t:g}") for t in ticks], axes=False, grid="", title_left=True,
                  yticks=[(row, c.short) for row, c in enumerate(reversed(curves))])
    for row, c in enumerate(reversed(curves)):
        for t, n in zip(ticks, km_at_risk(c.time, ticks), strict=True):
            panel.text(t, row, str(n), color=c.color)
    return panel


def waterfall_figure(frame: pd.DataFrame, *, colors: dict[str, str], lines: dict[float, str], ylabel: str,
                     title: str, label_bars: bool) -> Chart:
    """One bar per row of `frame` (columns `label`, `value`, `category`), largest first, coloured by category,
    with horizontal reference lines {y: text}."""
    data = frame.sort_values(["value", "label"], ascending=[False, True], kind="mergesort").reset_index(drop=True)
    panel = Panel(title=title, ylabel=ylabel, xlabel="Subject" if label_bars else "Subjects, ordered by value",
                  x=Scale(limits=(-0.7, len(data) - 0.3)), grid="y", xrotate=label_bars,
                  xticks=list(zip(data.index, data["label"], strict=True)) if label_bars else [])
    bars(panel, data.index, data["value"], color=[colors.get(c, GREY) for c in data["category"]])
    for y, text in lines.items():
        panel.hline(y, dash="5 4", label=text)
    panel.hline(0.0, color="black", width=0.8)
    shown = set(data["category"])
    return Chart([[panel]], WIDE, [340], Legend("Best response", [Entry(c, colors[c]) for c in colors
                                                                  if c in shown]))


def bars(panel: Panel, x: object, height: object, *, color: str | list[str], bottom: object = 0.0,
         width: float = 0.8) -> None:
    """Vertical bars centred on `x`, from `bottom` to `bottom + height`; every bar counts for the axis limits, an
    empty one too."""
    x, height = np.asarray(x, dtype=float), np.asarray(height, dtype=float)
    low = np.broadcast_to(np.asarray(bottom, dtype=float), x.shape)
    panel.rects(x - width / 2, x + width / 2, low, low + height, colors=color)


@dataclass(frozen=True)
class Marker:
    """A marker shape of `cdisc.report.svg.marker_path` ("o", "s", "D", "x", "X", ">"), its colour and radius in px."""
    marker: str
    color: str
    radius: float = 4.5


def swimmer_figure(lanes: pd.DataFrame, events: pd.DataFrame, *, lane_colors: dict[str, str],
                   markers: dict[str, Marker], xlabel: str, title: str) -> Chart:
    """One horizontal lane per row of `lanes` (`lane`, `end`, `group`, `ongoing`), longest at the top, coloured by
    group, an arrow where `ongoing`; `events` (`lane`, `day`, `kind`) of those lanes drawn with `markers[kind]`.
    The day axis runs to the longest lane, with 5 % room for the arrow."""
    order = lanes.sort_values(["end", "lane"], ascending=[True, False], kind="mergesort").reset_index(drop=True)
    y = pd.Series(order.index, index=order["lane"])
    span = max(float(order["end"].max()), 1.0) if len(order) else 1.0
    panel = Panel(title=title, xlabel=xlabel, x=Scale(limits=(0.0, span * 1.05)),
                  y=Scale(limits=(-0.7, len(order) - 0.3)), grid="x",
                  yticks=list(zip(order.index, order["lane"], strict=True)))
    panel.rects(np.zeros(len(order)), order["end"], order.index - 0.3, order.index + 0.3,
                colors=[lane_colors[g] for g in order["group"]], opacity=0.55)
    go_on = order[order["ongoing"]]
    panel.points(go_on["end"] + span * 0.015, go_on.index, shape=">", color="black", radius=4.5)
    shown = events[events["lane"].isin(y.index)]
    for kind, m in markers.items():
        hits = shown[shown["kind"].eq(kind)]
        panel.points(hits["day"], hits["lane"].map(y), shape=m.marker, color=m.color, radius=m.radius)
    legend = Legend("", [*(Entry(g, c, opacity=0.55) for g, c in lane_colors.items()),
                         *(Entry(k, m.color, m.marker) for k, m in markers.items()),
                         Entry("Ongoing response", "black", ">")])
    return Chart([[panel]], WIDE, [max(19 * len(order), 60)], legend)


def lines_by_subject(panel: Panel, frame: pd.DataFrame, *, x: str, y: str, subject: str, colors: pd.Series,
                     marker: str = "o") -> None:
    """One thin line per subject of `frame` (x ascending) with a dot at each value, coloured by `colors` (indexed
    by subject): one path per colour, its subjects' lines split by gaps."""
    data = frame.assign(_color=frame[subject].map(colors)).sort_values([subject, x], kind="mergesort")
    for color, part in data.groupby("_color", sort=False):
        ids = part[subject].to_numpy()
        gaps = np.flatnonzero(ids[1:] != ids[:-1]) + 1
        panel.line(np.insert(part[x].to_numpy(dtype=float), gaps, np.nan),
                   np.insert(part[y].to_numpy(dtype=float), gaps, np.nan),
                   color=color, width=1.0, opacity=0.7, marker=marker, radius=1.6)


def group_legend(colors: dict[str, str], *, title: str) -> Legend:
    return Legend(title, [Entry(g, c, "line") for g, c in colors.items()])
