"""CDISC pilot 01 raw -> SDTM mapping modules, in the order they run (later modules read earlier datasets)."""
from __future__ import annotations

import importlib

MODULES = (
    "tv",
    "dm",  # DM, SUPPDM
    "ds",
    "ex",
    "ae",  # AE, SUPPAE
    "vs",
)

BUILDERS = tuple(importlib.import_module(f"mappings.cdiscpilot01.sdtm.{m}").build for m in MODULES)
