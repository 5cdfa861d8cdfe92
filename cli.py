"""`cdisc`: the command line. Thin: parse options, call the library, print the report, set the exit code.

Exit codes: 0 success; 1 the data were written but break conformance rules; 2 bad input or usage.
"""
from __future__ import annotations

import functools
import sys
from pathlib import Path

import click

from cdisc.errors import CdiscError

PROJECT = Path(__file__).resolve().parent
BUNDLED_RAW = PROJECT / "data" / "im96" / "raw"
BUNDLED_SPEC = PROJECT / "specs" / "im96"


def reports_errors(command):
    """Turn engine errors into a readable message on stderr and the error's exit code (no traceback)."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except CdiscError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(exc.exit_code)

    return wrapper


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
    summary.md, OUT/reconciliation/ and OUT/validation/issues.csv. Bad input stops the run with exit 2
    and a message naming file, column, row and value; nothing is written.
    """
    from cdisc.errors import ValidationFailed
    from cdisc.issues import errors
    from cdisc.pipeline import run_study
    from mappings.adam import BUILDERS as ADAM_BUILDERS
    from mappings.adam.summary import write_summary
    from mappings.sdtm import BUILDERS as SDTM_BUILDERS

    result = run_study(raw_dir, spec_dir, out_dir, sdtm_builders=SDTM_BUILDERS, adam_builders=ADAM_BUILDERS,
                       summarize=write_summary, formats=formats)
    summary = result.sdtm.reconciliation.summary
    for label, stage in (("SDTM", result.sdtm), ("ADaM", result.adam)):
        click.echo(f"{label}: {len(stage.datasets)} datasets, "
                   f"{sum(len(f.data) for f in stage.datasets.values())} records -> {out_dir / label.lower()}")
    click.echo(f"raw: {int(summary['ROWS'].sum())} rows in {len(summary)} forms, "
               f"{int(summary['MAPPED'].sum())} mapped, {int(summary['REJECTED'].sum())} rejected "
               f"(see {out_dir / 'reconciliation'})")
    found = errors(result.findings)
    if found:
        raise ValidationFailed(f"the output breaks {len(found)} conformance check(s); "
                               f"see {out_dir / 'validation' / 'issues.csv'}", found)
    click.echo(f"validation: no conformance errors ({len(result.findings)} warning(s))")


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


@main.command()
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


@main.command()
@click.option("--spec", "spec_dir", type=click.Path(exists=True, file_okay=False, path_type=Path), required=True,
              help="Study spec directory (study.toml and sdtm/ or adam/).")
@click.option("--data", "data_dir", type=click.Path(exists=True, file_okay=False, path_type=Path), required=True,
              help="Folder of the datasets (XPT v5 or Dataset-JSON) the define.xml describes.")
@click.option("--out", "define_xml", type=click.Path(dir_okay=False, path_type=Path),
              help="define.xml to write (default: DATA/define.xml); define2-1.xsl and define.html go beside it.")
@reports_errors
def define(spec_dir: Path, data_dir: Path, define_xml: Path | None) -> None:
    """Write Define-XML 2.1 for the datasets in DATA from the study spec: lengths and significant digits from the
    data, checked against the XSD and, dataset by dataset, against the data (the suites of cdisc run).

    \b
    Exit codes: 0 written and consistent; 1 written, but the data break the spec; 2 bad input.
    """
    from cdisc.define import build_define, validate_define, write_define
    from cdisc.errors import ValidationFailed
    from cdisc.issues import errors
    from cdisc.pipeline import load_checked_spec
    from cdisc.validate import validate
    from cdisc.validate.inputs import PackageError, read_package

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
    data = {d.name: package.datasets[d.name] for d in spec.datasets}
    target = define_xml or data_dir / "define.xml"
    write_define(build_define(spec, data), target)
    found = validate_define(target) + validate(spec, data)
    click.echo(f"wrote {target} ({len(data)} datasets) with define2-1.xsl and define.html")
    if errors(found):
        raise ValidationFailed(f"the datasets break {len(errors(found))} check(s) of the spec", errors(found))


@main.command()
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
    from cdisc.validate.inputs import read_package

    written = convert_package(read_package(path, define_xml), to, out_dir)
    click.echo(f"wrote {len(written)} dataset(s) as {to} to {out_dir}")


@main.group()
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


@spec.command("import")
@click.argument("workbook", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", "study_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Study spec directory to write study.toml and sdtm/ or adam/ into (that folder must not exist).")
@reports_errors
def spec_import(workbook: Path, study_dir: Path) -> None:
    """Turn a Pinnacle 21 style workbook into a spec folder in the canonical layout (docs/ARCHITECTURE.md)."""
    from cdisc.spec.check import check_spec
    from cdisc.spec.excel import import_workbook
    from cdisc.spec.write import write_spec

    imported = import_workbook(workbook)
    folder = write_spec(imported, study_dir)
    click.echo(f"wrote {folder} ({len(imported.datasets)} datasets, {len(imported.variables)} variables)")
    for issue in check_spec(imported):
        click.echo(f"  {issue}")


@spec.command("from-define")
@click.argument("define_xml", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", "study_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Study spec directory to write study.toml and sdtm/ or adam/ into (that folder must not exist).")
@reports_errors
def spec_from_define(define_xml: Path, study_dir: Path) -> None:
    """Turn a Define-XML 2.0 or 2.1 document into a spec folder to start from (datasets, variables, value-level
    metadata, where clauses, codelists with NCI codes, methods, comments, documents)."""
    from cdisc.spec.define_xml import load_define
    from cdisc.spec.write import write_spec

    loaded = load_define(define_xml)
    folder = write_spec(loaded, study_dir)
    click.echo(f"wrote {folder} ({len(loaded.datasets)} datasets, {len(loaded.variables)} variables, "
               f"{len(loaded.codelists)} codelists)")


if __name__ == "__main__":
    main()
