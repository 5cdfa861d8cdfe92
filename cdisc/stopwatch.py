"""Wall time per stage of a run, summed over the stage's pieces (for the benchmark and `--timings`)."""
from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager


class Stopwatch:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def time(self, stage: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.include({stage: time.perf_counter() - start})

    def include(self, seconds: dict[str, float], where: str = "") -> None:
        """Add stage timings taken elsewhere (another process's: `where` names it, before each stage's name)."""
        for stage, taken in seconds.items():
            key = f"{where}: {stage}" if where else stage
            self.seconds[key] = self.seconds.get(key, 0.0) + taken
