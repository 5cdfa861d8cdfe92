"""PackageFeed and describe_and_check's side of it (`_complete`), through a real forked process: the package comes
first, each dataset is handed on as it arrives (the checks process writes it then), the whole package once it is
complete."""
from __future__ import annotations

from pathlib import Path

from cdisc.background import fed_in_background
from cdisc.context import DomainResult
from cdisc.finalize import finalize
from cdisc.pipeline import PackageFeed, _complete
from cdisc.spec.load import load_spec
from tests.cdisc.spec.test_check import make_spec
from tests.cdisc.test_finalize import AE_DATASET, AE_VARIABLES, mapped


def _events(items) -> list[tuple]:
    """What the receiving side saw, in order."""
    seen: list[tuple] = []

    def arrived(package, name, frame) -> None:
        seen.append(("arrived", package.published.name, name, len(frame), sorted(package.frames)))

    for package in _complete(items, arrived):
        seen.append(("complete", package.published.name, package.spec.standard, sorted(package.frames),
                     package.formats))
    return seen


def test_each_dataset_is_handed_on_as_it_comes_and_the_package_once_complete(tmp_path: Path) -> None:
    spec = load_spec(make_spec(tmp_path, datasets=AE_DATASET, variables=AE_VARIABLES))
    ae = finalize(DomainResult("AE", mapped()), spec)
    with fed_in_background(_events, lambda: None) as checks:
        sdtm = PackageFeed([checks], [checks], tmp_path / "stage" / "sdtm", tmp_path / "out" / "sdtm", ("xpt",))
        sdtm.send(spec, ae)
        sdtm.complete(spec)
        empty = PackageFeed([checks], [checks], tmp_path / "stage" / "adam", tmp_path / "out" / "adam", ("json",))
        empty.complete(spec)  # no dataset came: the package is still sent before its completion
        seen = checks.close()()
    assert seen == [("arrived", "sdtm", "AE", 3, []),  # handed on before it joins the package's frames
                    ("complete", "sdtm", "SDTMIG", ["AE"], ("xpt",)),
                    ("complete", "adam", "SDTMIG", [], ("json",))]
