"""Convert a package between XPT v5 and Dataset-JSON 1.1, with its define.xml as the metadata (labels, types,
keys, display formats)."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd

from cdisc.datasetjson import write_dataset_json
from cdisc.errors import CdiscError
from cdisc.issues import Issue
from cdisc.pipeline import dataset_json_meta, dataset_path, refuse_to_replace, staged
from cdisc.spec.model import Variable
from cdisc.validate.package import Package
from cdisc.xpt import write_xpt


def convert_package(package: Package, to: str, out_dir: Path) -> list[Path]:
    """Write every dataset of `package` as `to` ("xpt", "json" or "ndjson") into `out_dir` (replaced whole, only
    on success), with the package's define.xml (and its stylesheet and define.html) beside them."""
    spec = package.define
    if spec is None:
        raise CdiscError(f"{package.folder}: converting needs the define.xml of the package (none found; "
                         f"give one with --define)")
    undefined = sorted(set(package.datasets) - {d.name for d in spec.datasets})
    if undefined:
        raise CdiscError(f"{package.folder}: dataset(s) {', '.join(undefined)} are not described in define.xml")
    if mismatches := [issue for name, frame in sorted(package.frames.items())
                      for issue in _against_define(name, frame, spec.variables_of(name))]:
        raise CdiscError(f"{package.folder}: the datasets do not agree with define.xml", mismatches)
    refuse_to_replace(out_dir, [package.folder, package.define_path])
    written = []
    with staged(out_dir) as stage:
        for name, frame in sorted(package.frames.items()):
            path = dataset_path(stage, name, to)
            if to == "xpt":
                variables = {v.name: v for v in spec.variables_of(name)}
                write_xpt(frame, path, name=name, label=spec.dataset(name).label,
                          labels={c: variables[c].label for c in frame.columns}, created=spec.study.data_cut,
                          formats={c: variables[c].display_format for c in frame.columns if variables[c].numeric})
            else:
                write_dataset_json(frame, dataset_json_meta(spec, name, frame), path)
            written.append(out_dir / path.name)
        for extra in ("define.xml", "define2-1.xsl", "define.html"):
            source = package.define_path.parent / extra if extra != "define.xml" else package.define_path
            if source.exists():
                shutil.copyfile(source, stage / extra)
    return written


def _against_define(name: str, frame: pd.DataFrame, variables: list[Variable]) -> list[Issue]:
    """Where a dataset's columns are not what define.xml says they are: a column it does not describe, text where
    it types a number or a number where it types text, and a fraction where it types an integer. Each would be
    written as something else (an integer column's 51.7 as 51, a text column's 1 as "1.0") or not at all."""
    described = {v.name: v for v in variables}
    found = []
    for column in frame.columns:
        variable, values = described.get(column), frame[column]
        numbers = values.dtype.kind in "fiu"
        if variable is None:
            found.append(Issue("error", "DEFINE_MISSING_VARIABLE", name, "is not described in define.xml",
                               variable=column))
        elif variable.numeric != numbers:
            found.append(Issue("error", "DEFINE_TYPE", name, f"holds {'numbers' if numbers else 'text'} where "
                               f"define.xml types it {variable.data_type}", variable=column))
        elif variable.data_type == "integer" and len(fraction := np.flatnonzero(values.to_numpy(float) % 1 > 0)):
            found.append(Issue("error", "DEFINE_TYPE", name, f"{len(fraction)} record(s) hold a fraction where "
                               "define.xml types it integer", variable=column, row=str(fraction[0] + 1),
                               value=repr(float(values.iloc[fraction[0]]))))
    return found
