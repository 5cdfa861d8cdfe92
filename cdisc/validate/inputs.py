"""A package to validate: a folder of SDTM or ADaM datasets (XPT v5, or Dataset-JSON 1.1 when there is no XPT),
its standard (given, or detected from the datasets) and its define.xml (given, or the one in the folder)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from cdisc.datasetjson import read_dataset_json
from cdisc.errors import CdiscError
from cdisc.spec.define_xml import load_define
from cdisc.spec.model import Spec

DATASET_NAME = re.compile(r"[A-Z][A-Z0-9_]{0,7}")
XPT_V5_HEADER = b"HEADER RECORD*******LIBRARY HEADER RECORD!!!!!!!"
STANDARD_CHOICES = {"sdtmig-3.4": "SDTMIG", "adamig-1.3": "ADaMIG"}


class PackageError(CdiscError):
    """A folder that cannot be validated (exit 2)."""


@dataclass(frozen=True)
class Package:
    folder: Path
    standard: str  # "SDTMIG" | "ADaMIG"
    datasets: dict[str, pd.DataFrame]
    labels: dict[str, str]
    define: Spec | None
    define_path: Path | None


def read_package(folder: Path, define: Path | None = None, standard: str = "auto") -> Package:
    """Read every dataset of `folder`; raises `PackageError` naming the file for anything unreadable."""
    folder = Path(folder)
    if not folder.is_dir():
        raise PackageError(f"{folder} is not a folder")
    xpts = sorted(folder.glob("*.xpt"))
    jsons = [] if xpts else sorted(p for p in [*folder.glob("*.json"), *folder.glob("*.ndjson")] if _is_dsj(p))
    if not xpts and not jsons:
        raise PackageError(f"{folder}: no datasets (.xpt, or Dataset-JSON .json/.ndjson)")
    datasets, labels = {}, {}
    for path in xpts or jsons:
        name, label, frame = _read_xpt(path) if path.suffix == ".xpt" else _read_json(path)
        if not DATASET_NAME.fullmatch(name):  # it names output files: nothing may lead outside the folder
            raise PackageError(f"{path.name}: dataset name {name!r} is not 1-8 letters, digits or _")
        datasets[name], labels[name] = frame, label
    define_path = define or (folder / "define.xml" if (folder / "define.xml").exists() else None)
    spec = load_define(define_path) if define_path else None
    return Package(folder, _standard(standard, datasets, spec), datasets, labels, spec, define_path)


def _read_xpt(path: Path) -> tuple[str, str, pd.DataFrame]:
    import pyreadstat

    with path.open("rb") as fh:
        head = fh.read(80)
    if not head.startswith(XPT_V5_HEADER):
        raise PackageError(f"{path.name}: not a SAS transport (XPORT) version 5 file")
    try:
        frame, meta = pyreadstat.read_xport(str(path), disable_datetime_conversion=True)
    except Exception as exc:  # pyreadstat raises its own (untyped) errors for damaged files
        raise PackageError(f"{path.name}: unreadable XPT ({exc})") from None
    text = [c for c, t in meta.readstat_variable_types.items() if t == "string"]
    frame[text] = frame[text].fillna("")
    return (meta.table_name or path.stem).upper(), meta.file_label or "", frame


def _read_json(path: Path) -> tuple[str, str, pd.DataFrame]:
    meta, frame = read_dataset_json(path)
    return meta.name.upper(), meta.label, frame


def _is_dsj(path: Path) -> bool:
    """A .json file of the folder that is Dataset-JSON (a study summary beside the datasets is not)."""
    with path.open("rb") as fh:
        return b"datasetJSONVersion" in fh.read(4096)


def _standard(choice: str, datasets: dict[str, pd.DataFrame], define: Spec | None) -> str:
    if choice != "auto":
        return STANDARD_CHOICES[choice]
    if define is not None:
        return define.standard
    return "ADaMIG" if "ADSL" in datasets or all(n.startswith("AD") for n in datasets) else "SDTMIG"
