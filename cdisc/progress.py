"""Progress of long steps, shown only on an interactive terminal (quiet in CI logs, pipes and tests)."""
from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import TypeVar

from tqdm import tqdm

T = TypeVar("T")


def interactive() -> bool:
    """True when stderr is a terminal a person watches."""
    return sys.stderr.isatty()


def progress(items: Iterable[T], desc: str) -> Iterator[T]:
    """`items`, with a progress bar named `desc` on stderr when interactive; the bar disappears when done."""
    yield from tqdm(items, desc=desc, disable=not interactive(), leave=False, file=sys.stderr, unit="step",
                    dynamic_ncols=True)
