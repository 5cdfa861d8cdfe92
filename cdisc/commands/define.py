"""`cdisc define` and `cdisc convert`: define.xml for datasets at hand; XPT <-> Dataset-JSON."""
from __future__ import annotations

from pathlib import Path

import click

from cdisc.commands import reports_errors


@click.command()
@click.option("--spec", "spec_dir", type=click.Path(exists=True, file_okay=False, path_type=Path), required=True,
              help="Study spec directory (study.toml and sdtm/ or adam/).")
@click.option("--data", "data_dir", type=click.Path(exists=True, file_okay=False, path_type=Path), required=True,
              help="Folder of the datasets (XPT v5 or Dataset-JSON) the define.xml describes.")
@click.option("--out", "define_xml", type=click.Path(dir_okay=False, path_type=Path),
              help="define.xml to write (default: DATA/define.xml); define2-1.xsl and define.html go beside it.")
@reports_errors
def define(spec_dir: Path, data_dir: Path, define_xml: Path | None) -> None:
    """Write Define-XML 2.1 for the datasets in DATA from the study spec, checked against the XSD (ARM 1.0 when the
    spec has analysis results) and, dataset by dataset, against the data (the suites of cdisc run). What the spec
    leaves blank comes from the data: text lengths (always the longest value), significant digits, and the terms of
    a codelist marked Subset.

    \b
    Exit codes: 0 written and consistent; 1 written, but the data break the spec; 2 bad input.
    """
    from cdisc.define import build_define, validate_define, write_define
    from cdisc.errors import PackageError, ValidationFailed
    from cdisc.issues import errors
    from cdisc.pipeline import load_checked_spec
    from cdisc.validate import validate
    from cdisc.validate.package import read_package

    package = read_package(data_dir, define=None)
    spec = load_checked_spec(spec_dir, "sdtm" if package.standard == "SDTMIG" else "adam")
    present = {d.name for d in spec.datasets} & set(package.datasets)
    if not present:
        raise PackageError(f"{data_dir}: none of the spec's datasets is there")
    for name in sorted({d.name for d in spec.datasets} - present):
        click.echo(f"warning: {name} is in the spec but not in {data_dir}: left out of define.xml", err=True)
    for name in sorted(set(package.datasets) - present):
        click.echo(f"warning: {name} is in {data_dir} but not in the spec: left out of define.xml", err=True)
    spec = spec.restricted_to(present)
    data = {d.name: package.datasets[d.name].data for d in spec.datasets}
    target = define_xml or data_dir / "define.xml"
    write_define(build_define(spec, data), target)
    found = validate_define(target) + validate(spec, data)
    click.echo(f"wrote {target} ({len(data)} datasets) with define2-1.xsl and define.html")
    if errors(found):
        raise ValidationFailed(f"the datasets break {len(errors(found))} check(s) of the spec", errors(found))


@click.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--to", "to", type=click.Choice(["json", "ndjson", "xpt"]), required=True,
              help="Target format: Dataset-JSON 1.1 (.json, or .ndjson one row per line) or XPT v5.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder to write (replaced whole, only on success); define.xml is copied beside the datasets.")
@click.option("--define", "define_xml", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="define.xml with the metadata (default: the one in PATH).")
@reports_errors
def convert(path: Path, to: str, out_dir: Path, define_xml: Path | None) -> None:
    """Convert a package between XPT v5 and Dataset-JSON 1.1, using its define.xml for the metadata."""
    from cdisc.convert import convert_package
    from cdisc.validate.package import read_package

    written = convert_package(read_package(path, define_xml), to, out_dir)
    click.echo(f"wrote {len(written)} dataset(s) as {to} to {out_dir}")
