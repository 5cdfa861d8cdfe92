"""Generic, spec-driven CDISC engine: raw EDC exports -> SDTM/ADaM, XPT v5 and Define-XML 2.1.

Nothing in this package is specific to one study: study content lives in `mappings/` and `specs/`.
"""
