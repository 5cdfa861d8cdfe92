"""`cdisc validate`: any SDTM or ADaM package, reports and exit code by severity."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from cdisc.commands import reports_errors


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--define", "define_xml", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="define.xml to validate against (default: the define.xml in each folder, if any).")
@click.option("--standard", type=click.Choice(["auto", "sdtmig-3.4", "adamig-1.3"]), default="auto",
              show_default=True, help="Standard of the datasets; auto detects it from define.xml or the datasets.")
@click.option("--report", "report_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("report"),
              show_default=True, help="Folder for report.json, report.html and report.xlsx (one subfolder per PATH "
                                      "when several are given).")
@click.option("--fail-on", type=click.Choice(["error", "warning", "never"]), default="error", show_default=True,
              help="Exit 1 when a finding at or above this severity is found.")
@reports_errors
def validate(paths: tuple[Path, ...], define_xml: Path | None, standard: str, report_dir: Path, fail_on: str) -> None:
    """Validate SDTM or ADaM packages: each PATH is a folder of .xpt files (or Dataset-JSON).

    \b
    Exit codes: 0 nothing at or above --fail-on; 1 something is; 2 bad input (no datasets, an unreadable or
    non-v5 XPT, a define.xml that is not XML).
    """
    from cdisc.validate import validate_package
    from cdisc.validate.inputs import read_package
    from cdisc.validate.report import terminal_summary, write_reports

    packages = [read_package(p, define_xml, standard) for p in paths]  # read all first: bad input stops early
    failing = 0
    for package in packages:
        result = validate_package(package)
        folder = report_dir if len(paths) == 1 else report_dir / package.folder.name
        write_reports(result, folder)
        click.echo(terminal_summary(result))
        click.echo(f"  reports: {folder}/report.html, report.json, report.xlsx")
        failing += len(result.at_or_above(fail_on))
    if failing:
        sys.exit(1)
