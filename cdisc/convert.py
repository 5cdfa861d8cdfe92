"""Convert a package between XPT v5 and Dataset-JSON 1.1, with its define.xml as the metadata (labels, types,
keys, display formats)."""
from __future__ import annotations

import shutil
from pathlib import Path

from cdisc.datasetjson import write_dataset_json
from cdisc.errors import CdiscError
from cdisc.pipeline import dataset_json_meta, dataset_path, refuse_to_replace, staged
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
