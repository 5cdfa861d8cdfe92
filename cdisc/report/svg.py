"""Figures drawn as SVG text: panels of data on linear, logarithmic or symmetric-log axes, in a grid, with one
legend at the right.

The browser lays out and renders the text, so the figure is written, not rendered: eight figures of a 1,000-subject
study take milliseconds where drawing them with matplotlib took seconds. Layout needs only text widths, estimated
from the character count (`CHAR` ems a character), with room to spare. Coordinates are written to 0.1 px, so the same
data give the same bytes.
"""
from __future__ import annotations

import html
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache

import numpy as np

FONT = 12  # px: tick labels, axis labels
SMALL = 11  # px: legend, notes
TITLE = 12  # px
CHAR = 0.62  # width of an average character of a sans-serif font, in ems (an over-estimate, for layout only)
TICK = 4  # px, tick marks outside the axes
GRID = "#e3e3e3"
AXIS = "#444"
FAMILY = "DejaVu Sans, Arial, Helvetica, sans-serif"


def text_width(text: str, size: float = FONT) -> float:
    return len(text) * size * CHAR


def _n(v: float) -> str:
    """A coordinate to 0.1 px, without a trailing .0 or a negative zero."""
    s = f"{v:.1f}"
    s = s[:-2] if s.endswith(".0") else s
    return "0" if s == "-0" else s


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


# ------------------------------------------------------------------------------------------------------ scales
@dataclass(frozen=True)
class Scale:
    """How data values map to an axis: "linear", "log" (base 10) or "symlog" (linear within +-`threshold`,
    logarithmic beyond, the linear part `linscale` decades long, as matplotlib's symlog); `limits` fixed, or None
    for the data's range plus 5 % each side."""
    kind: str = "linear"
    limits: tuple[float, float] | None = None
    threshold: float = 1.0
    linscale: float = 1.0

    def forward(self, v: np.ndarray) -> np.ndarray:
        v = np.asarray(v, dtype=float)
        if self.kind == "log":
            with np.errstate(divide="ignore", invalid="ignore"):
                return np.log10(v)
        if self.kind == "symlog":
            linear = self.linscale / (1 - 1 / 10)
            a = np.abs(v)
            with np.errstate(divide="ignore", invalid="ignore"):
                far = np.sign(v) * (linear + np.log10(np.maximum(a, self.threshold) / self.threshold))
            return np.where(a <= self.threshold, v / self.threshold * linear, far)
        return v

    def domain(self, values: np.ndarray) -> tuple[float, float]:
        """The limits of the axis: the fixed ones when they span something on this scale, else the finite values'
        range (log: the positive ones) plus 5 % each side, in the scale's own terms."""
        if self._usable(self.limits):
            return self.limits
        v = np.asarray(values, dtype=float)
        v = v[np.isfinite(v) & ((v > 0) if self.kind == "log" else True)]
        if not len(v):
            return (1.0, 10.0) if self.kind == "log" else (0.0, 1.0)
        lo, hi = float(v.min()), float(v.max())
        if lo == hi:
            return (lo / 10, hi * 10) if self.kind == "log" else (lo - 1, hi + 1)
        if self.kind == "log":
            a, b = math.log10(lo), math.log10(hi)
            pad = (b - a) * 0.05
            return 10 ** (a - pad), 10 ** (b + pad)
        pad = (hi - lo) * 0.05
        return lo - pad, hi + pad

    def _usable(self, limits: tuple[float, float] | None) -> bool:
        """Fixed limits that span something on this scale (positive ones on a log scale)."""
        return (limits is not None and all(map(math.isfinite, limits)) and limits[0] != limits[1]
                and (self.kind != "log" or min(limits) > 0))

    def ticks(self, lo: float, hi: float, room: float, spacing: float) -> list[tuple[float, str]]:
        """Tick values and labels within lo-hi for an axis `room` px long, about `spacing` px apart or more."""
        if self.kind == "log":
            first, last = math.ceil(math.log10(lo) - 1e-9), math.floor(math.log10(hi) + 1e-9)
            every = max(1, math.ceil((last - first + 1) / max(room / spacing, 2)))
            return [(10.0 ** k, _power(k)) for k in range(first, last + 1, every)]
        step = _nice_step((hi - lo) / max(room / spacing, 2))
        start = math.ceil(lo / step - 1e-9)
        values = [round(k * step, 10) for k in range(start, math.floor(hi / step + 1e-9) + 1)]
        return [(v, _label(v)) for v in values]


def _nice_step(raw: float) -> float:
    if raw <= 0 or not math.isfinite(raw):
        return 1.0
    power = 10.0 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw * 0.999)


def _label(v: float) -> str:
    return "0" if v == 0 else f"{v:g}"


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _power(k: int) -> str:
    """10**k as a tick label: plainly from 0.01 to 10000, else 10 with a superscript exponent."""
    return f"{10.0 ** k:g}" if -2 <= k <= 4 else "10" + str(k).translate(_SUPERSCRIPT)


# ------------------------------------------------------------------------------------------------------ marks
FILLED = {
    "s": lambda x, y, r: f"M{_n(x - r)} {_n(y - r)}h{_n(2 * r)}v{_n(2 * r)}h{_n(-2 * r)}z",
    "D": lambda x, y, r: f"M{_n(x)} {_n(y - r)}l{_n(r)} {_n(r)}l{_n(-r)} {_n(r)}l{_n(-r)} {_n(-r)}z",
    ">": lambda x, y, r: f"M{_n(x - r)} {_n(y - r)}l{_n(2 * r)} {_n(r)}l{_n(-2 * r)} {_n(r)}z",
}


def _cross(x: float, y: float, r: float) -> str:
    return f"M{_n(x - r)} {_n(y - r)}l{_n(2 * r)} {_n(2 * r)}m0 {_n(-2 * r)}l{_n(-2 * r)} {_n(2 * r)}"


STROKED = {  # shape: (path of one marker, stroke width)
    "x": (_cross, 1.4),
    "X": (_cross, 2.6),
    "|": (lambda x, y, r: f"M{_n(x)} {_n(y - r)}v{_n(2 * r)}", 1.4),
}


def marker_path(shape: str, x: np.ndarray, y: np.ndarray, color: str, radius: float, opacity: float = 1.0) -> str:
    """One <path> holding a marker of `shape` ("o", "s", "D", ">", "x", "X", "|") at each pixel point: circles are
    zero-length strokes with round caps, so a thousand cost a few bytes each. Points without both coordinates are
    not drawn."""
    finite = np.isfinite(x) & np.isfinite(y)
    x, y = x[finite], y[finite]
    if not len(x):
        return ""
    alpha = f' opacity="{opacity:g}"' if opacity < 1 else ""
    if shape == "o":
        d = _relative(x, y, np.arange(len(x)) == 0, "m", "h0")
        return (f'<path d="{d}" stroke="{color}" stroke-width="{_n(2 * radius)}" stroke-linecap="round" '
                f'fill="none"{alpha}/>')
    if shape in FILLED:
        d = "".join(FILLED[shape](a, b, radius) for a, b in zip(x, y, strict=True))
        return f'<path d="{d}" fill="{color}"{alpha}/>'
    draw, width = STROKED[shape]
    d = "".join(draw(a, b, radius) for a, b in zip(x, y, strict=True))
    return f'<path d="{d}" stroke="{color}" stroke-width="{width}" fill="none"{alpha}/>'


def polyline(x: np.ndarray, y: np.ndarray) -> str:
    """Path data through the pixel points, broken where either coordinate is missing (NaN): each piece's first
    point absolute, the others relative to the one before (`_relative`)."""
    finite = np.isfinite(x) & np.isfinite(y)
    starts = finite & ~np.concatenate([[False], finite[:-1]])
    return _relative(x[finite], y[finite], starts[finite], "l")


def _relative(x: np.ndarray, y: np.ndarray, starts: np.ndarray, step: str, after: str = "") -> str:
    """Path data visiting the points in order, each followed by `after`: absolute ("M") where `starts`, else a
    relative move `step` ("l" draws, "m" does not) from the point before. The steps are differences of the points
    rounded to 0.1 px, so rounding never accumulates; a study's thousands of close points cost a few bytes each."""
    tx, ty = np.rint(np.asarray(x) * 10).astype(np.int64), np.rint(np.asarray(y) * 10).astype(np.int64)
    dx, dy = np.diff(tx, prepend=0), np.diff(ty, prepend=0)
    return "".join(f"M{_t(a)} {_t(b)}{after}" if s else f"{step}{_t(c)} {_t(d)}{after}"
                   for a, b, c, d, s in zip(tx.tolist(), ty.tolist(), dx.tolist(), dy.tolist(), starts.tolist(),
                                            strict=True))


@cache
def _t(tenths: int) -> str:
    """A length in tenths of a pixel as text: 123 -> "12.3", -120 -> "-12", 0 -> "0" (each length made once: the
    steps between a figure's points repeat, and 300,000 of them at 5,000 subjects took 0.35 s made one by one)."""
    whole, part = divmod(abs(tenths), 10)
    return f"{'-' if tenths < 0 else ''}{whole}.{part}" if part else f"{'-' if tenths < 0 else ''}{whole}"


@dataclass(frozen=True)
class View:
    """Where a panel's plot area is, in pixels, and its data-to-pixel maps."""
    left: float
    top: float
    width: float
    height: float
    px: Callable[[np.ndarray], np.ndarray]
    py: Callable[[np.ndarray], np.ndarray]

    def x(self, v: float) -> float:
        return float(self.px(np.asarray([v], dtype=float))[0])

    def y(self, v: float) -> float:
        return float(self.py(np.asarray([v], dtype=float))[0])


Mark = Callable[[View], str]


@dataclass
class Panel:
    """One set of axes: marks in data coordinates, added with the methods below, drawn once the layout gives the
    panel its pixels. `xticks` / `yticks` fix the ticks as (value, label) pairs; `grid` names the axes whose ticks
    get grid lines; `axes=False` draws no axis lines or ticks (a table of numbers under a plot)."""
    title: str = ""
    xlabel: str = ""
    ylabel: str = ""
    x: Scale = field(default_factory=Scale)
    y: Scale = field(default_factory=Scale)
    xticks: Sequence[tuple[float, str]] | None = None
    yticks: Sequence[tuple[float, str]] | None = None
    xrotate: bool = False  # x tick labels at 60 degrees (long labels under narrow bars)
    grid: str = "xy"
    axes: bool = True
    title_left: bool = False
    marks: list[Mark] = field(default_factory=list)
    notes: list[Mark] = field(default_factory=list)  # drawn unclipped: text may reach past the plot area
    xs: list[np.ndarray] = field(default_factory=list)
    ys: list[np.ndarray] = field(default_factory=list)

    def _data(self, x: object, y: object) -> tuple[np.ndarray, np.ndarray]:
        x, y = np.asarray(x, dtype=float).ravel(), np.asarray(y, dtype=float).ravel()
        self.xs.append(x)
        self.ys.append(y)
        return x, y

    def line(self, x: object, y: object, *, color: str, width: float = 1.5, dash: str = "", opacity: float = 1.0,
             step: bool = False, marker: str = "", radius: float = 2.5) -> None:
        """A line through the points (a missing coordinate breaks it); `step`: level until the next x;
        `marker`: a marker at each point."""
        x, y = self._data(x, y)
        lx, ly = (np.repeat(x, 2)[1:], np.repeat(y, 2)[:-1]) if step and len(x) else (x, y)
        style = f' stroke-dasharray="{dash}"' if dash else ""
        style += f' opacity="{opacity:g}"' if opacity < 1 else ""

        def draw(v: View) -> str:
            path = (f'<path d="{polyline(v.px(lx), v.py(ly))}" stroke="{color}" stroke-width="{width:g}" '
                    f'fill="none" stroke-linejoin="round"{style}/>')
            return path + (marker_path(marker, v.px(x), v.py(y), color, radius, opacity) if marker else "")
        self.marks.append(draw)

    def points(self, x: object, y: object, *, shape: str, color: str, radius: float = 4.0) -> None:
        x, y = self._data(x, y)
        self.marks.append(lambda v: marker_path(shape, v.px(x), v.py(y), color, radius))

    def rects(self, x0: object, x1: object, y0: object, y1: object, *, colors: Sequence[str] | str,
              opacity: float = 1.0) -> None:
        """Filled rectangles from (x0, y0) to (x1, y1), one path per colour; every corner counts for the limits,
        an empty rectangle too; one with a missing corner is not drawn."""
        x0, y0 = self._data(x0, y0)
        x1, y1 = self._data(x1, y1)
        colors = np.broadcast_to(np.asarray(colors, dtype=object), x0.shape)
        alpha = f' opacity="{opacity:g}"' if opacity < 1 else ""
        drawn = np.isfinite(np.c_[x0, x1, y0, y1]).all(axis=1) & (y0 != y1)

        def draw(v: View) -> str:
            a, b, c, d = v.px(x0), v.px(x1), v.py(y0), v.py(y1)
            out = []
            for color in dict.fromkeys(colors):
                path = "".join(f"M{_n(a[i])} {_n(c[i])}H{_n(b[i])}V{_n(d[i])}H{_n(a[i])}z"
                               for i in np.flatnonzero((colors == color) & drawn))
                if path:
                    out.append(f'<path d="{path}" fill="{color}"{alpha}/>')
            return "".join(out)
        self.marks.append(draw)

    def hline(self, y: float, *, color: str = AXIS, width: float = 0.9, dash: str = "", label: str = "") -> None:
        """A horizontal line across the panel at `y`, `label` above its right end, over the data (haloed); none
        at a missing `y`."""
        if not math.isfinite(y):
            return
        self.ys.append(np.asarray([y], dtype=float))
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        self.marks.append(lambda v: f'<path d="M{_n(v.left)} {_n(v.y(y))}h{_n(v.width)}" stroke="{color}" '
                                    f'stroke-width="{width:g}"{dashed}/>')
        if label:
            self.notes.append(lambda v: f'<text x="{_n(v.left + v.width - 3)}" y="{_n(v.y(y) - 3)}" '
                                        f'text-anchor="end" font-size="{SMALL - 1}" fill="{color}" stroke="white" '
                                        f'stroke-width="3" paint-order="stroke">{_e(label)}</text>')

    def text(self, x: float, y: float, text: str, *, color: str = "#222", size: float = SMALL) -> None:
        """`text` centred on the data point (x, y), not clipped to the plot area."""
        if not (math.isfinite(x) and math.isfinite(y)):
            return
        self.notes.append(lambda v: f'<text x="{_n(v.x(x))}" y="{_n(v.y(y) + size * 0.35)}" text-anchor="middle" '
                                    f'font-size="{size:g}" fill="{color}">{_e(text)}</text>')

    def limits(self) -> tuple[tuple[float, float], tuple[float, float]]:
        """The x and y limits: the scales' own, or the data's range with room."""
        return (self.x.domain(np.concatenate(self.xs) if self.xs else np.empty(0)),
                self.y.domain(np.concatenate(self.ys) if self.ys else np.empty(0)))


# ------------------------------------------------------------------------------------------------------ legend
@dataclass(frozen=True)
class Entry:
    """A legend entry: a `kind` of "patch", "line" or a marker shape, in `color`."""
    label: str
    color: str
    kind: str = "patch"
    opacity: float = 1.0


@dataclass(frozen=True)
class Legend:
    title: str
    entries: Sequence[Entry]

    def width(self) -> float:
        return max([text_width(self.title, SMALL) + 8, *(text_width(e.label, SMALL) + 38 for e in self.entries)])

    def draw(self, left: float, top: float) -> str:
        out = [f'<text x="{_n(left)}" y="{_n(top + SMALL)}" font-size="{SMALL}" font-weight="bold">'
               f'{_e(self.title)}</text>'] if self.title else []
        y = top + (SMALL + 10 if self.title else 4)
        for e in self.entries:
            out.append(_swatch(e, left, y) + f'<text x="{_n(left + 30)}" y="{_n(y + SMALL * 0.35)}" '
                                               f'font-size="{SMALL}">{_e(e.label)}</text>')
            y += SMALL + 7
        return "".join(out)


def _swatch(e: Entry, left: float, y: float) -> str:
    alpha = f' opacity="{e.opacity:g}"' if e.opacity < 1 else ""
    if e.kind == "patch":
        return f'<rect x="{_n(left + 2)}" y="{_n(y - 5)}" width="20" height="10" fill="{e.color}"{alpha}/>'
    if e.kind == "line":
        return f'<path d="M{_n(left)} {_n(y)}h24" stroke="{e.color}" stroke-width="2.2"{alpha}/>'
    return marker_path(e.kind, np.asarray([left + 12]), np.asarray([y]), e.color, 4.5, e.opacity)


# ------------------------------------------------------------------------------------------------------ chart
GAP = 18  # px right of each panel
EDGE = 10  # px around the whole figure


@dataclass
class Chart:
    """Panels in rows (`heights`: each row's plot height in px), `width` px in all, one `legend` at the right of
    the first row. `share` "x", "y" or "xy": those limits are the union over all panels, and the tick labels of
    that axis are shown only on the left column (y) or the bottom row (x)."""
    rows: list[list[Panel]]
    width: float
    heights: Sequence[float]
    legend: Legend | None = None
    share: str = ""

    def svg(self, name: str, title: str) -> str:
        """The figure as an <svg> element, its clip paths' ids starting with `name` (unique on the page)."""
        limits = {id(p): p.limits() for row in self.rows for p in row}
        for axis in (0, 1):
            if "xy"[axis] in self.share:
                union = (min(v[axis][0] for v in limits.values()), max(v[axis][1] for v in limits.values()))
                limits = {k: (union, v[1]) if axis == 0 else (v[0], union) for k, v in limits.items()}
        layout = _Layout(self, limits)
        body = [layout.panel(panel, r, c, f"{name}-{r}-{c}") for r, row in enumerate(self.rows)
                for c, panel in enumerate(row)]
        if self.legend is not None:
            body.append(self.legend.draw(layout.total_width - layout.legend_width - EDGE + 8, layout.tops[0]))
        w, h = _n(layout.total_width), _n(layout.total_height)
        return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" '
                f'font-family="{FAMILY}" font-size="{FONT}" fill="#222" role="img" aria-label="{_e(title)}">'
                f'<rect width="100%" height="100%" fill="white"/>{"".join(body)}</svg>')


class _Layout:
    """Margins from the text each panel shows (tick labels, axis labels, titles), then every plot area's pixels."""

    def __init__(self, chart: Chart, limits: dict[int, tuple[tuple[float, float], tuple[float, float]]]):
        self.chart, self.limits = chart, limits
        rows, ncol = chart.rows, max(len(r) for r in chart.rows)
        self.legend_width = chart.legend.width() if chart.legend is not None else 0.0
        lefts = [max((self._left(p, r, c) for r, row in enumerate(rows) for c2, p in enumerate(row) if c2 == c),
                     default=0.0) for c in range(ncol)]
        room = chart.width - 2 * EDGE - sum(lefts) - GAP * ncol - self.legend_width
        self.panel_width = max(room / ncol, 60.0)
        self.lefts = [EDGE + sum(lefts[:c + 1]) + c * (self.panel_width + GAP) for c in range(ncol)]
        self.tops, y = [], float(EDGE)
        for r, row in enumerate(rows):
            y += max(TITLE + 10 if p.title else 4 for p in row)
            self.tops.append(y)
            y += chart.heights[r] + max(self._bottom(p, r) for p in row)
        self.total_width = chart.width
        self.total_height = y + EDGE

    def _shows(self, axis: str, r: int, c: int) -> bool:
        if axis not in self.chart.share:
            return True
        return c == 0 if axis == "y" else r == len(self.chart.rows) - 1

    def ticks(self, panel: Panel, axis: str, room: float) -> list[tuple[float, str]]:
        """The panel's ticks on `axis` within its limits: given, or chosen for `room` px; none on a panel without
        axes that was given none."""
        lo, hi = self.limits[id(panel)][0 if axis == "x" else 1]
        given = panel.xticks if axis == "x" else panel.yticks
        if given is None and not panel.axes:
            return []
        scale = panel.x if axis == "x" else panel.y
        ticks = list(given) if given is not None else scale.ticks(lo, hi, room, 80 if axis == "x" else 45)
        low, high = min(lo, hi), max(lo, hi)
        return [(v, s) for v, s in ticks if low - 1e-9 * abs(high - low) <= v <= high + 1e-9 * abs(high - low)]

    def _left(self, panel: Panel, r: int, c: int) -> float:
        labels = [s for _, s in self.ticks(panel, "y", self.chart.heights[r])] if self._shows("y", r, c) else []
        width = max((text_width(s) for s in labels), default=0.0) + (TICK + 6 if panel.axes or labels else 0)
        return width + (FONT + 10 if panel.ylabel and self._shows("y", r, c) else 0) + 4

    def _bottom(self, panel: Panel, r: int) -> float:
        shows = self._shows("x", r, 0)
        labels = [s for _, s in self.ticks(panel, "x", self.panel_width)] if shows else []
        if panel.xrotate:
            ticks = max((text_width(s) for s in labels), default=0.0) * 0.87 + FONT
        else:
            ticks = FONT + 2 if labels else 0
        return TICK + 4 + ticks + (FONT + 10 if panel.xlabel and shows else 0) + 4

    def panel(self, panel: Panel, r: int, c: int, clip: str) -> str:
        left, top, width, height = self.lefts[c], self.tops[r], self.panel_width, float(self.chart.heights[r])
        (x0, x1), (y0, y1) = self.limits[id(panel)]
        fx0, fx1 = panel.x.forward(np.asarray([x0, x1]))
        fy0, fy1 = panel.y.forward(np.asarray([y0, y1]))
        view = View(left, top, width, height,
                    lambda v: left + (panel.x.forward(v) - fx0) / (fx1 - fx0) * width,
                    lambda v: top + height - (panel.y.forward(v) - fy0) / (fy1 - fy0) * height)
        xt, yt = self.ticks(panel, "x", width), self.ticks(panel, "y", height)
        out = [_grid(view, xt, yt, panel.grid)]
        out.append(f'<clipPath id="{clip}"><rect x="{_n(left)}" y="{_n(top)}" width="{_n(width)}" '
                   f'height="{_n(height)}"/></clipPath><g clip-path="url(#{clip})">'
                   + "".join(mark(view) for mark in panel.marks) + "</g>" + "".join(n(view) for n in panel.notes))
        bottom = top + height
        if panel.axes:
            out.append(f'<path d="M{_n(left)} {_n(top)}V{_n(bottom)}H{_n(left + width)}" stroke="{AXIS}" '
                       f'fill="none"/>')
        out.append(_x_ticks(view, xt, self._shows("x", r, c), panel.xrotate, panel.axes))
        out.append(_y_ticks(view, yt, self._shows("y", r, c), panel.axes))
        if panel.title:
            anchor, tx = ("start", left) if panel.title_left else ("middle", left + width / 2)
            out.append(f'<text x="{_n(tx)}" y="{_n(top - 8)}" text-anchor="{anchor}" font-size="{TITLE}" '
                       f'font-weight="bold">{_e(panel.title)}</text>')
        if panel.xlabel and self._shows("x", r, c):
            out.append(f'<text x="{_n(left + width / 2)}" y="{_n(bottom + self._bottom(panel, r) - 8)}" '
                       f'text-anchor="middle">{_e(panel.xlabel)}</text>')
        if panel.ylabel and self._shows("y", r, c):
            x = self.lefts[c] - self._left(panel, r, c) + FONT
            out.append(f'<text transform="translate({_n(x)} {_n(top + height / 2)}) rotate(-90)" '
                       f'text-anchor="middle">{_e(panel.ylabel)}</text>')
        return "".join(out)


def _grid(view: View, xt: list[tuple[float, str]], yt: list[tuple[float, str]], which: str) -> str:
    d = "".join(f"M{_n(view.x(v))} {_n(view.top)}v{_n(view.height)}" for v, _ in xt) if "x" in which else ""
    d += "".join(f"M{_n(view.left)} {_n(view.y(v))}h{_n(view.width)}" for v, _ in yt) if "y" in which else ""
    return f'<path d="{d}" stroke="{GRID}" fill="none"/>' if d else ""


def _x_ticks(view: View, ticks: list[tuple[float, str]], labelled: bool, rotate: bool, marks: bool) -> str:
    bottom = view.top + view.height
    out = [f'<path d="{"".join(f"M{_n(view.x(v))} {_n(bottom)}v{TICK}" for v, _ in ticks)}" stroke="{AXIS}"/>'
           ] if marks and ticks else []
    if labelled:
        for v, s in ticks:
            x = view.x(v)
            if rotate:
                out.append(f'<text transform="translate({_n(x + 3)} {_n(bottom + TICK + 4)}) rotate(-60)" '
                           f'text-anchor="end" dominant-baseline="middle">{_e(s)}</text>')
            else:
                out.append(f'<text x="{_n(x)}" y="{_n(bottom + TICK + FONT)}" text-anchor="middle">{_e(s)}</text>')
    return "".join(out)


def _y_ticks(view: View, ticks: list[tuple[float, str]], labelled: bool, marks: bool) -> str:
    out = [f'<path d="{"".join(f"M{_n(view.left)} {_n(view.y(v))}h-{TICK}" for v, _ in ticks)}" stroke="{AXIS}"/>'
           ] if marks and ticks else []
    if labelled:
        out += [f'<text x="{_n(view.left - TICK - 3)}" y="{_n(view.y(v) + FONT * 0.35)}" text-anchor="end">'
                f"{_e(s)}</text>" for v, s in ticks]
    return "".join(out)
