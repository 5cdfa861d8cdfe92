"""An unexpected failure told in one line: the exception and where in the project it was raised, no traceback.

For the places that turn a case their code does not handle (a mapping module on an unusual export, a report
section on datasets without a variable it reads) into an engine error or a skipped part with its reason.
"""
from __future__ import annotations

import traceback
from pathlib import Path

from pydantic import ValidationError

from cdisc.study import PROJECT_ROOT


def describe(exc: BaseException) -> str:
    """`TypeError: <message>, at cdisc/algorithms.py:141 in standardize`: the innermost frame of the project's own
    code (of any code when none is the project's)."""
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return f"{type(exc).__name__}: {exc}"
    frame = ([f for f in frames if _ours(f.filename)] or frames)[-1]
    return f"{type(exc).__name__}: {exc}, at {_shown(frame.filename)}:{frame.lineno} in {frame.name}"


def first_invalid(exc: ValidationError) -> str:
    """The first error of a pydantic `ValidationError` as `where/it/is: what is wrong` (`columns/0/dataType: Input
    should be ...`), for a message naming what a document lacks."""
    error = exc.errors()[0]
    return f"{'/'.join(map(str, error['loc']))}: {error['msg']}"


def _ours(filename: str) -> bool:
    return filename.startswith(str(PROJECT_ROOT)) and "site-packages" not in filename


def _shown(filename: str) -> str:
    return str(Path(filename).relative_to(PROJECT_ROOT)) if _ours(filename) else Path(filename).name
