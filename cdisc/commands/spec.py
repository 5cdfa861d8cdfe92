"""`cdisc spec export|import|from-define`: the study spec exchanged with a workbook or a define.xml."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from cdisc.commands import reports_errors


@click.group()
def spec() -> None:
    """Exchange a study spec with a Pinnacle 21 style define specification workbook (.xlsx)."""


@spec.command("export")
@click.argument("study_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--standard", type=click.Choice(["sdtm", "adam"]), default="sdtm", show_default=True,
              help="Which standard's folder of the study spec to export.")
@click.option("--out", "workbook", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The .xlsx workbook to write.")
@reports_errors
def spec_export(study_dir: Path, standard: str, workbook: Path) -> None:
    """Write STUDY_DIR's spec (study.toml + <standard>/) as a workbook: sheets Study, Datasets, Variables,
    ValueLevel, WhereClauses, Codelists, Dictionaries, Methods, Comments, Documents."""
    from cdisc.spec.excel import export_workbook
    from cdisc.spec.load import load_spec

    export_workbook(load_spec(study_dir, standard), workbook)
    click.echo(f"wrote {workbook}")


SPEC_OUT = click.option("--out", "study_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
                        help="Study spec directory to write study.toml and sdtm/ or adam/ into (that folder must "
                             "not exist).")


@spec.command("import")
@click.argument("workbook", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@SPEC_OUT
@reports_errors
def spec_import(workbook: Path, study_dir: Path) -> None:
    """Turn a Pinnacle 21 style workbook into a spec folder in the canonical layout (docs/ARCHITECTURE.md)."""
    from cdisc.spec.excel import import_workbook

    _write_spec_folder(import_workbook(workbook), study_dir)


@spec.command("from-define")
@click.argument("define_xml", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@SPEC_OUT
@reports_errors
def spec_from_define(define_xml: Path, study_dir: Path) -> None:
    """Turn a Define-XML 2.0 or 2.1 document into a spec folder to start from (datasets, variables, value-level
    metadata, where clauses, codelists with NCI codes, methods, comments, documents)."""
    from cdisc.spec.define_xml import load_define

    _write_spec_folder(load_define(define_xml), study_dir)


def _write_spec_folder(spec, study_dir: Path) -> None:
    """Write an imported spec in the canonical layout and list what the spec check finds in it: exit 1 when that
    is an error (the folder is written, to be mended, but no run can use it as it is)."""
    from cdisc.spec.check import check_spec
    from cdisc.spec.write import write_spec

    folder = write_spec(spec, study_dir)
    click.echo(f"wrote {folder} ({len(spec.datasets)} datasets, {len(spec.variables)} variables, "
               f"{len(spec.codelists)} codelists)")
    issues = check_spec(spec)
    for issue in issues:
        click.echo(f"  {issue}")
    if errors := sum(issue.severity == "error" for issue in issues):
        click.echo(f"the spec breaks {errors} rule(s): mend {folder} before a run", err=True)
        sys.exit(1)
