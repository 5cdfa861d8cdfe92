"""Study review report engine: one self-contained HTML page of tables and deterministic matplotlib figures.

`page.py` assembles sections into the page (table of contents, images embedded as data URIs, no network),
`figures.py` makes figures byte-stable and writes them as PNG, `charts.py` holds the generic chart types
(Kaplan-Meier with numbers at risk, waterfall, swimmer, one line per subject) and `build.py` reads an ADaM folder
and builds the planned sections.
Which sections a study shows, and from which datasets, is the study's choice (`mappings/im96/adam/report.py`).
"""
