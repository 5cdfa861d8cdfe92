"""IM96 SDTM -> ADaM dataset builders, in the order they run (later builders read ADSL)."""
from __future__ import annotations

import importlib

MODULES = (
    "adsl",
    "adae",
    "adlb",  # ADLB
    "advs",  # ADVS, ADEG
    "adrs",  # ADRS, ADTR
    "adtte",
    "adpc",  # ADPC, ADPP
)

BUILDERS = tuple(importlib.import_module(f"mappings.im96.adam.{m}").build for m in MODULES)
