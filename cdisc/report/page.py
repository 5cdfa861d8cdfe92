"""The report page: sections of text, tables and figures in one self-contained HTML file.

Everything the page needs is inside it: the style sheet inline, every figure as inline SVG, no script and
no external link, so it opens the same offline, attached to a mail or archived. Long tables scroll inside
their own box so a 200-subject listing does not push the rest of the page away.
"""
from __future__ import annotations

import html
import numbers
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from cdisc.report.figures import Rendered, write_figures

SCROLL_ROWS = 25  # tables longer than this scroll inside their box

CSS = """
body { font-family: "DejaVu Sans", Arial, sans-serif; margin: 0 auto; max-width: 1250px; padding: 0 24px 48px;
       color: #1d1d1d; line-height: 1.4; }
h1 { border-bottom: 2px solid #345; padding-bottom: 6px; }
h2 { border-bottom: 1px solid #bbb; margin-top: 40px; padding-bottom: 4px; }
h3 { margin-bottom: 4px; }
nav ol { columns: 2; }
table { border-collapse: collapse; font-size: 13px; margin: 6px 0 14px; }
th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #eef2f6; position: sticky; top: 0; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td:first-child { white-space: nowrap; }
.scroll { max-height: 560px; overflow: auto; display: inline-block; max-width: 100%; }
figure { margin: 10px 0 22px; }
figure svg { max-width: 100%; height: auto; border: 1px solid #ddd; display: block; }
figcaption, .caption { font-size: 13px; color: #444; max-width: 1000px; }
.skipped { background: #fff6e0; border-left: 4px solid #e0a800; padding: 6px 12px; }
.meta { color: #555; }
"""


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class Table:
    frame: pd.DataFrame
    title: str = ""
    caption: str = ""


@dataclass(frozen=True)
class Section:
    """One numbered section of the page; `skipped` (a reason) replaces its content when its inputs are missing."""
    anchor: str
    title: str
    blocks: list[Text | Table | Rendered] = field(default_factory=list)
    skipped: str = ""

    @property
    def figures(self) -> list[Rendered]:
        return [b for b in self.blocks if isinstance(b, Rendered)]


def render_page(title: str, subtitle: str, sections: list[Section]) -> str:
    """The whole page as HTML text: heading, table of contents, then each section in order."""
    toc = "".join(f'<li><a href="#{s.anchor}">{_e(s.title)}</a>{" (skipped)" if s.skipped else ""}</li>'
                  for s in sections)
    body = "\n".join(_section(s) for s in sections)
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>{_e(title)}</title>\n'
            f"<style>{CSS}</style>\n</head>\n<body>\n<h1>{_e(title)}</h1>\n<p class=\"meta\">{_e(subtitle)}</p>\n"
            f"<nav><h2>Contents</h2><ol>{toc}</ol></nav>\n{body}\n</body>\n</html>\n")


def write_report(folder: Path, title: str, subtitle: str, sections: list[Section]) -> Path:
    """Write `index.html` and every figure as SVG under `figures/`; return the page's path."""
    folder.mkdir(parents=True, exist_ok=True)
    write_figures([f for s in sections for f in s.figures], folder / "figures")
    page = folder / "index.html"
    page.write_text(render_page(title, subtitle, sections), encoding="utf-8")
    return page


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _section(s: Section) -> str:
    head = f'<section id="{_e(s.anchor)}">\n<h2>{_e(s.title)}</h2>\n'
    if s.skipped:
        return head + f'<p class="skipped">Skipped: {_e(s.skipped)}</p>\n</section>'
    return head + "\n".join(_block(b) for b in s.blocks) + "\n</section>"


def _block(block: Text | Table | Rendered) -> str:
    if isinstance(block, Text):
        return f"<p>{_e(block.text)}</p>"
    if isinstance(block, Table):
        return table_html(block)
    return (f'<figure id="fig-{_e(block.name)}"><h3>{_e(block.title)}</h3>{block.svg}'
            f"<figcaption>{_e(block.caption)} (figures/{_e(block.name)}.svg)</figcaption></figure>")


def table_html(table: Table) -> str:
    """A frame as an HTML table (numbers right-aligned, missing as blank); scrolls when long, and then its caption
    says how many rows it has (a printout or screenshot shows only the first)."""
    frame = table.frame
    scrolls = len(frame) > SCROLL_ROWS
    note = f"{len(frame)} rows; the box scrolls." if scrolls else ""
    text = " ".join(t for t in (table.caption, note) if t)
    head = "".join(f"<th>{_e(c)}</th>" for c in frame.columns)
    rows = "".join("<tr>" + "".join(_cell(v) for v in row) + "</tr>" for row in frame.itertuples(index=False))
    title = f"<h3>{_e(table.title)}</h3>" if table.title else ""
    caption = f'<p class="caption">{_e(text)}</p>' if text else ""
    box = ' class="scroll"' if scrolls else ""
    empty = "<p>(none)</p>" if frame.empty else ""
    return f"{title}<div{box}><table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>{empty}{caption}"


def _cell(value: object) -> str:
    if value is None or (isinstance(value, numbers.Real) and value != value):
        return "<td></td>"
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return f"<td>{_e(value)}</td>"
    return f'<td class="num">{_e(f"{value:g}" if isinstance(value, numbers.Integral) else f"{value:.6g}")}</td>'
