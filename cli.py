"""`cdisc`: the command line. Thin: parse options, call the library, print the report, set the exit code.

Exit codes: 0 success; 1 the data were written but break conformance rules; 2 bad input or usage.
"""
from __future__ import annotations

from pathlib import Path

import click

from cdisc.commands import reports_errors
from cdisc.commands.define import convert, define
from cdisc.commands.report import report
from cdisc.commands.spec import spec
from cdisc.commands.validate import validate

PROJECT = Path(__file__).resolve().parent
BUNDLED_RAW = PROJECT / "data" / "im96" / "raw"
BUNDLED_SPEC = PROJECT / "specs" / "im96"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Spec-driven CDISC converter: raw EDC exports -> SDTM and ADaM (XPT v5, Define-XML 2.1), validated,
    with every raw row accounted for.

    
    Exit codes: 0 success; 1 output written but breaks conformance rules; 2 bad input or usage.
    """


def _formats(ctx: click.Context, param: click.Parameter, value: str) -> tuple[str, ...]:
    from cdisc.pipeline import FORMATS

    chosen = tuple(dict.fromkeys(f.strip().lower() for f in value.split(",") if f.strip()))
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown or not chosen:
        raise click.BadParameter(f"{', '.join(unknown) or 'nothing'} is not one of {', '.join(FORMATS)}")
    return chosen


@main.command()
@click.option("--raw", "raw_dir", type=click.Path(file_okay=False, path_type=Path), default=BUNDLED_RAW,
              show_default="bundled IM96 export", help="Directory of the EDC export (one CSV per form).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("out"),
              show_default=True, help="Output directory; replaced only when the run succeeds.")
@click.option("--spec", "spec_dir", type=click.Path(file_okay=False, path_type=Path), default=BUNDLED_SPEC,
              show_default="bundled IM96 spec", help="Study spec directory (study.toml, sdtm/, design/).")
@click.option("--format", "formats", default="xpt", show_default=True, callback=_formats,
              help="Comma-separated dataset formats: xpt (SAS transport v5), json (Dataset-JSON 1.1), ndjson "
                   "(Dataset-JSON 1.1, one row per line, for large datasets).")
@reports_errors
def run(raw_dir: Path, out_dir: Path, spec_dir: Path, formats: tuple[str, ...]) -> None:
    """Map the raw export to SDTM and ADaM and validate both.

    
    Writes OUT/sdtm/ and OUT/adam/ (datasets, define.xml + stylesheet + define.html), OUT/adam/summary.json and
    summary.md, OUT/reconciliation/, OUT/validation/issues.csv and the review page OUT/report/index.html (with
    its figures as PNG and SVG in OUT/report/figures/). Progress shows on a terminal only. Bad input stops the
    run with exit 2 and a message naming file, column, row and value; nothing is written.
    """
    from cdisc.errors import ValidationFailed
    from cdisc.issues import errors
    from cdisc.pipeline import run_study
    from mappings.adam import BUILDERS as ADAM_BUILDERS
    from mappings.adam.report import write_run_report
    from mappings.adam.summary import write_summary
    from mappings.sdtm import BUILDERS as SDTM_BUILDERS

    result = run_study(raw_dir, spec_dir, out_dir, sdtm_builders=SDTM_BUILDERS, adam_builders=ADAM_BUILDERS,
                       summarize=write_summary, formats=formats, report=write_run_report)
    summary = result.sdtm.reconciliation.summary
    for label, stage in (("SDTM", result.sdtm), ("ADaM", result.adam)):
        click.echo(f"{label}: {len(stage.datasets)} datasets, "
                   f"{sum(len(f.data) for f in stage.datasets.values())} records -> {out_dir / label.lower()}")
    click.echo(f"raw: {int(summary['ROWS'].sum())} rows in {len(summary)} forms, "
               f"{int(summary['MAPPED'].sum())} mapped, {int(summary['REJECTED'].sum())} rejected "
               f"(see {out_dir / 'reconciliation'})")
    failing = result.validation.at_or_above("error")
    if failing:
        raise ValidationFailed(f"the output breaks {len(failing)} conformance rule(s): "
                               f"{', '.join(sorted({f'{f.rule} ({f.dataset})' for f in failing}))}; "
                               f"see {out_dir / 'validation' / 'report.html'}", errors(result.findings))
    click.echo(f"validation: no unexplained conformance errors ({len(result.validation.explained())} explained "
               f"finding(s), {result.validation.count('warning')} warning(s); see {out_dir / 'validation'})")


@main.command()
@click.option("--subjects", type=click.IntRange(min=1), required=True, help="Number of subjects to enrol.")
@click.option("--seed", type=int, required=True, help="Random seed; the same seed gives the same bytes.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Directory to write the export into (created if needed).")
@reports_errors
def simulate(subjects: int, seed: int, out_dir: Path) -> None:
    """Write a synthetic IM96 EDC export (one CSV per form plus its data dictionary)."""
    from mappings.simulate import simulate as generate

    generate(subjects, seed, out_dir)
    click.echo(f"wrote a {subjects}-subject export (seed {seed}) to {out_dir}")


for command in (validate, define, convert, spec, report):
    main.add_command(command)


if __name__ == "__main__":
    main()
