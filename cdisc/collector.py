"""Python's cyclic garbage collector, set for this program's work.

A run's processes make most of their long-lived objects at the start (great-expectations imported, CDISC's rules
loaded) and its pandas work allocates containers by the million, nearly all freed at once by their reference
counts. With the collector's defaults (a young collection every 700 net allocations of containers, and a full one
walking every object the imports made), the bundled study's three processes spent 1.2 s of CPU in about 1,300
collections; collecting seldom and leaving what a forked process inherits alone, 0.2 s.
"""
from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

YOUNG = 50_000  # net allocations of containers between two collections of the youngest generation (default 700)


def collect_seldom() -> None:
    """Collect the youngest generation after `YOUNG` net allocations (the older generations' thresholds kept)."""
    gc.set_threshold(YOUNG, *gc.get_threshold()[1:])


@contextmanager
def frozen() -> Iterator[None]:
    """Within the block, the collector leaves every object that exists now alone (`gc.freeze`): a process forked
    in it never walks what it inherited (nor copies those pages by touching them). This process takes them back
    on leaving, so that what becomes garbage later is still collected here."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
