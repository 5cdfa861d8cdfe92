"""A study found by name: its spec (`specs/<name>/`), its bundled raw export (`data/<name>/raw/`) and its mapping
modules (the package `mappings.<name>`, whose `mappings()` returns the builders).

Adding a study adds those three folders; nothing in the engine names a study.
"""
from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from cdisc.errors import CdiscError

if TYPE_CHECKING:
    from cdisc.context import AnalysisContext, DomainResult, StudyContext

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_STUDY = "im96"
_NAME = re.compile(r"[a-z][a-z0-9_]*")


@dataclass(frozen=True)
class StudyMappings:
    """A study's builders: SDTM modules in run order, ADaM builders (none: no ADaM), the ADaM summary writer and
    the review report writer (given the run's ADaM datasets and its output folder before its validation is
    written, it returns the function that finishes the report after; see `cdisc.pipeline.run_study`)."""

    sdtm: Sequence[Callable[[StudyContext], list[DomainResult]]]
    adam: Sequence[Callable[[AnalysisContext], list[DomainResult]]] = ()
    summarize: Callable | None = None
    report: Callable[..., Callable[[], object]] | None = None


@dataclass(frozen=True)
class Study:
    name: str
    spec_dir: Path
    raw_dir: Path
    mappings: StudyMappings


def known_studies(root: Path = PROJECT_ROOT) -> list[str]:
    """Studies with both a spec folder and a mapping package."""
    return sorted(p.name for p in (root / "specs").iterdir()
                  if (p / "study.toml").is_file() and (root / "mappings" / p.name / "__init__.py").is_file())


def find_study(name: str, root: Path = PROJECT_ROOT) -> Study:
    """The study called `name`; an unknown name is a usage error listing the known ones."""
    known = known_studies(root)
    if not _NAME.fullmatch(name) or name not in known:
        raise CdiscError(f"no study {name!r}: a study needs specs/<name>/study.toml and mappings/<name>/; "
                         f"known: {', '.join(known)}")
    package = importlib.import_module(f"mappings.{name}")
    return Study(name, root / "specs" / name, root / "data" / name / "raw", package.mappings())
