"""`cdisc report`: the study review page from any folder of ADaM datasets."""
from __future__ import annotations

from pathlib import Path

import click

from cdisc.commands import reports_errors


@click.command()
@click.option("--adam", "adam_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder of ADaM datasets (<name>.xpt), e.g. OUT/adam of a run.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder to write index.html and figures/ into (created if needed).")
@click.option("--findings", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Validation report.json  [default: ADAM/../validation/report.json]")
@click.option("--reconciliation", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Raw-to-SDTM reconciliation CSV  [default: ADAM/../reconciliation/summary.csv]")
@reports_errors
def report(adam_dir: Path, out_dir: Path, findings: Path | None, reconciliation: Path | None) -> None:
    """Build the study review page (index.html, one self-contained file, and figures/ as SVG) from the
    ADaM folder. Sections whose datasets are missing are skipped, and the page says which and why."""
    from mappings.im96.adam.report import write_study_report

    page = write_study_report(adam_dir, out_dir,
                              findings=findings or adam_dir.parent / "validation" / "report.json",
                              reconciliation=reconciliation or adam_dir.parent / "reconciliation" / "summary.csv")
    click.echo(f"wrote {page}")
