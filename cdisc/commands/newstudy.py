"""`cdisc new-study`: a new study's spec folder and mapping modules, started from its raw export."""
from __future__ import annotations

from pathlib import Path

import click

from cdisc.commands import reports_errors


@click.command("new-study")
@click.argument("name")
@click.option("--raw", "raw_dir", type=click.Path(exists=True, file_okay=False, path_type=Path), required=True,
              help="Directory of the raw export (one CSV per form).")
@click.option("--domains", default="DM", show_default=True,
              help="Comma-separated SDTM domains whose variable sheets and modules to write (SDTMIG 3.4).")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=None,
              show_default="this project", help="Project root to write specs/NAME/ and mappings/NAME/ into.")
@reports_errors
def new_study(name: str, raw_dir: Path, domains: str, root: Path | None) -> None:
    """Write specs/NAME/ (study.toml to complete, raw/dictionary.csv with the fields' inferred types and date
    formats to confirm, sdtm/ sheets from SDTMIG 3.4) and mappings/NAME/ (one module per domain that fails,
    naming what is still to map, until it is written). Existing folders are never overwritten (exit 2)."""
    from cdisc.newstudy import new_study as write
    from cdisc.study import PROJECT_ROOT

    chosen = [d.strip().upper() for d in domains.split(",") if d.strip()]
    files = write(name, raw_dir, chosen, root or PROJECT_ROOT)
    click.echo(f"wrote {len(files)} files for study {name}; next: confirm specs/{name}/raw/dictionary.csv, "
               f"complete specs/{name}/study.toml, map {', '.join(chosen)} (docs/NEW_STUDY.md)")
