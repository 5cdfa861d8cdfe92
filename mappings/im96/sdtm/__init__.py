"""IM96 raw -> SDTM mapping modules, in the order they run (later modules read earlier datasets)."""
from __future__ import annotations

import importlib

MODULES = (
    "trial_design",  # TA, TE, TV, TI
    "dm",  # DM, SUPPDM
    "se",
    "sv",
    "ts",  # needs DM (study start, actual subjects)
    "ie",
    "ds",
    "dd",  # needs DM, SE
    "mh",
    "cm",
    "pr",  # PR, SUPPPR
    "ex",  # EX, SUPPEX
    "ae",  # AE, SUPPAE
    "lb",
    "vs",
    "eg",
    "tu",  # TU, SUPPTU, TR, RS
    "pc",
    "pp",  # NCA of PC
    "relrec",
)

BUILDERS = tuple(importlib.import_module(f"mappings.im96.sdtm.{m}").build for m in MODULES)
