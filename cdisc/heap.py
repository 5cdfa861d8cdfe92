"""glibc's malloc set for this program's work.

A run's pandas, numpy and pickle work allocates and frees blocks of megabytes by the thousand. By default glibc
gives a block over its mmap threshold (128 KiB, rising to at most 32 MiB as such blocks are freed) a mapping of its
own, returned to the kernel when it is freed, and returns the top of its heap once 128 KiB of it are free: the next
block is then new pages, each zeroed by the kernel when first touched. At 5,000 subjects that zeroing was the run's
largest single cost (`perf`: `clear_page_erms`, 10 % of all CPU) and 590,000 page faults in the two forked processes.
Kept in the heap and reused instead (4 alternating pairs of `cdisc run` at 5,000 subjects): the forked
processes' faults fell to 360,000, the run's system time from 5.8-7.4 to 4.9-5.9 s, its CPU from 36.1-39.1 to
34.7-36.3 s and its wall time from 19.5-21.7 to 18.9-19.8 s; peak memory 1.90-1.93 GB against 1.95 GB.
"""
from __future__ import annotations

import ctypes
import sys

KEEP = 1 << 30  # blocks below 1 GiB come from the heap, and up to 1 GiB freed at its top is kept
_M_TRIM_THRESHOLD = -1  # glibc's <malloc.h>
_M_MMAP_THRESHOLD = -3


def keep_freed_memory() -> bool:
    """Have glibc's malloc put every block below `KEEP` in its heap and keep up to `KEEP` freed at the heap's top
    for the next blocks (forked processes inherit it). False where malloc is not glibc's (nothing is changed)."""
    if not sys.platform.startswith("linux"):
        return False
    mallopt = getattr(ctypes.CDLL(None), "mallopt", None)
    return mallopt is not None and bool(mallopt(_M_MMAP_THRESHOLD, KEEP)) and bool(mallopt(_M_TRIM_THRESHOLD, KEEP))
