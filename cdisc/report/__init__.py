"""Study review report engine: one self-contained HTML page of tables and deterministic SVG figures.

`page.py` assembles sections into the page (table of contents, figures inline, no network), `svg.py` draws
panels, axes and legends as SVG text, `figures.py` names the finished figures and writes them as SVG, `charts.py`
holds the generic chart types (Kaplan-Meier with numbers at risk, waterfall, swimmer, one line per subject) and
`build.py` reads an ADaM folder and builds the planned sections.
Which sections a study shows, and from which datasets, is the study's choice (`mappings/im96/adam/report.py`).
"""
