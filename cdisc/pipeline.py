"""The main job: raw export -> checked spec -> mapped, finalized datasets -> XPT + reports, atomically.

Outputs are written into a staging directory beside `out` and moved into place only when everything
succeeded, so a failed run leaves the previous output untouched and no half-written files.
"""
from __future__ import annotations

import shutil
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from cdisc.background import Feed, fed_in_background, send_each, spooled
from cdisc.context import AnalysisContext, DomainResult, StudyContext
from cdisc.csvfile import write_csv
from cdisc.ct import load_ct, merge_ct
from cdisc.datacut import cut_export
from cdisc.datasetjson import Column, DatasetMeta, column_type, write_dataset_json
from cdisc.define import build_define, validate_define, write_define
from cdisc.define.build import metadata_version_oid, study_oid, text_length
from cdisc.define.html import define_stylesheet
from cdisc.define.schema import define_schema
from cdisc.errors import CdiscError, MappingError
from cdisc.failure import describe
from cdisc.finalize import Finalized, finalize
from cdisc.issues import Issue
from cdisc.progress import progress
from cdisc.raw import RawStudy, load_raw
from cdisc.reconcile import Reconciliation, reconcile
from cdisc.spec.check import require_valid
from cdisc.spec.load import load_spec
from cdisc.spec.model import Spec
from cdisc.stopwatch import Stopwatch
from cdisc.study import PROJECT_ROOT
from cdisc.validate.explain import Explanations, explain, load_explanations
from cdisc.validate.finding import Finding, RuleStatus, ValidationResult, findings_from_issues
from cdisc.validate.package import dataset_from_spec, package_from_spec, spec_package
from cdisc.validate.report import write_reports
from cdisc.validate.rules import REFERENCES, rule_statuses
from cdisc.validate.run import import_great_expectations
from cdisc.xpt import NAME, write_xpt

Builder = Callable[[StudyContext], list[DomainResult]]


@dataclass(frozen=True)
class StandardRun:
    """One standard's finished datasets (SDTM or ADaM) and the spec they follow."""
    spec: Spec
    datasets: dict[str, Finalized]

    @property
    def frames(self) -> dict[str, pd.DataFrame]:
        return {name: f.data for name, f in self.datasets.items()}


@dataclass(frozen=True)
class SdtmRun(StandardRun):
    reconciliation: Reconciliation
    issues: tuple[Issue, ...] = ()


def build_sdtm(raw_dir: Path, spec_dir: Path, builders: Sequence[Builder], clock: Stopwatch | None = None,
               finished: Callable[[Spec, Finalized], None] | None = None) -> SdtmRun:
    """Load and check everything, run the mapping modules in order and finalize each dataset (handed to
    `finished` at once)."""
    clock = clock or Stopwatch()
    with clock.time("spec"):
        spec = load_checked_spec(spec_dir, "sdtm")
    with clock.time("read raw"):
        declared = Path(spec_dir) / "raw"
        raw = cut_export(load_raw(raw_dir, declared if (declared / "dictionary.csv").is_file() else None,
                                  subject_form=spec.study.subject_form, subject_field=spec.study.subject_field),
                         spec.study)
    ctx = StudyContext(spec=spec, raw=raw, design_dir=spec_dir / "design")
    empty = _empty_forms(raw)
    results: list[DomainResult] = []
    finals: dict[str, Finalized] = {}
    for build in progress(builders, "SDTM"):
        with clock.time("SDTM mapping"):
            built = run_builder(build, ctx, "SDTM mapping module", empty)
        for result in built:
            with clock.time("finalize"):
                final = finalize(result, spec)
            results.append(result.without_records())
            finals[final.name] = final
            ctx.done[final.name] = final.data
            if finished is not None:
                with clock.time("sending each SDTM dataset as finalized"):
                    finished(spec, final)
    missing = sorted({d.name for d in spec.datasets} - finals.keys())
    if missing:
        raise MappingError(f"the spec lists dataset(s) {missing} that no mapping module built")
    issues = tuple(i for r in results for i in r.issues)
    with clock.time("reconciliation"):
        reconciliation = reconcile(raw, results, list(finals.values()))
    return SdtmRun(spec, finals, reconciliation, issues)


@dataclass(frozen=True)
class AdamRun(StandardRun):
    issues: tuple[Issue, ...] = ()


AnalysisBuilder = Callable[[AnalysisContext], list[DomainResult]]


def build_adam(sdtm: dict[str, pd.DataFrame], spec_dir: Path, builders: Sequence[AnalysisBuilder],
               clock: Stopwatch | None = None, finished: Callable[[Spec, Finalized], None] | None = None) -> AdamRun:
    """Run the ADaM builders in order on finished SDTM datasets and finalize each dataset with the ADaM spec
    (handed to `finished` at once)."""
    clock = clock or Stopwatch()
    with clock.time("ADaM"):
        spec = load_checked_spec(spec_dir, "adam")
    ctx = AnalysisContext(spec=spec, sdtm_data=sdtm, design_dir=spec_dir / "design")
    finals: dict[str, Finalized] = {}
    issues: list[Issue] = []
    empty = [name for name, frame in sdtm.items() if frame.empty]
    for build in progress(builders, "ADaM"):
        with clock.time("ADaM"):
            built = run_builder(build, ctx, "ADaM builder", empty)
        for result in built:
            with clock.time("ADaM"):
                final = finalize(result, spec)
            finals[final.name] = final
            ctx.done[final.name] = final.data
            issues += result.issues
            if finished is not None:
                with clock.time("sending each ADaM dataset as finalized"):
                    finished(spec, final)
    missing = sorted({d.name for d in spec.datasets} - finals.keys())
    if missing:
        raise MappingError(f"the ADaM spec lists dataset(s) {missing} that no builder built")
    return AdamRun(spec, finals, tuple(issues))


def run_builder(build: Builder | AnalysisBuilder, ctx: StudyContext | AnalysisContext, kind: str,
                empty: list[str]) -> list[DomainResult]:
    """One mapping module's results. A failure that is no engine error (a case the module's code does not handle,
    such as a form without records) is reported as a `MappingError` naming the module, the exception, where it
    was raised and the empty inputs, instead of a traceback."""
    try:
        return build(ctx)
    except CdiscError:
        raise
    except Exception as exc:  # noqa: BLE001 -- any other failure is reported, not shown as a traceback
        inputs = f"; inputs without records: {', '.join(empty)}" if empty else ""
        raise MappingError(f"{kind} {build.__module__.rsplit('.', 1)[-1]!r} failed on this input "
                           f"({describe(exc)}){inputs}") from exc


def _empty_forms(raw: RawStudy) -> list[str]:
    return [f"{name}.csv" for name, frame in sorted(raw.forms.items()) if frame.empty]


def load_checked_spec(spec_dir: Path, standard: str) -> Spec:
    """Load one standard's spec and check it, codelists included, against the shipped CT packages."""
    spec = load_spec(spec_dir, standard)
    study = spec.study
    files = [study.ct_file] + ([study.adam_ct_file] if standard == "adam" else [])
    packages = [load_ct(_ct_path(spec_dir, f), study.ct_version) for f in files if f]
    return require_valid(spec, merge_ct(*packages) if packages else None)


FORMATS = ("xpt", "json", "ndjson")


def _ct_path(spec_dir: Path, name: str) -> Path:
    """A CT file of study.toml: relative to the repository holding the spec (specs/<study>/), else to the
    project's own root, whose specs/ct/ ships the CT subsets (a spec kept elsewhere can use them)."""
    here = Path(spec_dir).parent.parent / name
    return here if here.exists() else PROJECT_ROOT / name


def dataset_path(folder: Path, name: str, extension: str) -> Path:
    """`folder/<name>.<extension>` (name in lower case) for a dataset name of 1-8 upper-case letters, digits or _.

    A name from a spec, a define.xml or a dataset file is data: anything else ('../X', 'A/B', an absolute path) is
    refused, so that no output lands outside `folder`."""
    if not NAME.fullmatch(name):
        raise CdiscError(f"dataset name {name!r} is not 1-8 upper-case letters, digits or _; "
                         f"nothing is written for it outside {folder.name}/")
    return folder / f"{name.lower()}.{extension}"


def write_dataset(spec: Spec, name: str, data: pd.DataFrame, folder: Path, formats: Sequence[str] = ("xpt",)
                  ) -> None:
    """One dataset as `<name>.xpt` (XPT v5) and/or `<name>.json` / `<name>.ndjson` (Dataset-JSON 1.1), into an
    existing `folder`."""
    ds = spec.dataset(name)
    variables = spec.variables_of(name)
    if "xpt" in formats:
        write_xpt(data, dataset_path(folder, name, "xpt"), name=name, label=ds.label,
                  labels={v.name: v.label for v in variables}, created=spec.study.data_cut,
                  formats={v.name: v.display_format for v in variables if v.numeric})
    for fmt in (f for f in formats if f in ("json", "ndjson")):
        write_dataset_json(data, dataset_json_meta(spec, name, data), dataset_path(folder, name, fmt))


def dataset_json_meta(spec: Spec, name: str, data: pd.DataFrame) -> DatasetMeta:
    """Dataset-JSON metadata of one dataset from the spec (labels, types, keys, define.xml OIDs) and the data
    (the length of a text column is its longest value, as in define.xml)."""
    ds = spec.dataset(name)
    keys = {k: i for i, k in enumerate(ds.keys, start=1)}
    by_name = {v.name: v for v in spec.variables_of(name)}
    cols = []
    for c in data.columns:
        v = by_name[c]
        data_type, target = column_type(v.data_type, v.display_format)
        cols.append(Column(name=c, label=v.label, data_type=data_type, target_data_type=target,
                           length=text_length(data[c]) if data_type == "string" else None,
                           display_format=v.display_format, key_sequence=keys.get(c)))
    return DatasetMeta(name=name, label=ds.label, columns=tuple(cols), study_oid=study_oid(spec),
                       metadata_version_oid=metadata_version_oid(spec), metadata_ref="define.xml",
                       created=f"{spec.study.data_cut}T00:00:00", originator=spec.study.sponsor)


def write_define_package(spec: Spec, data: dict[str, pd.DataFrame], folder: Path) -> list[Issue]:
    """Write define.xml (+ stylesheet, define.html) for the datasets and return its XSD validation issues."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "define.xml"
    write_define(build_define(spec, data), path)
    return validate_define(path)


def write_reconciliation(rec: Reconciliation, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    write_csv(rec.summary, folder / "summary.csv")
    write_csv(rec.rejections, folder / "rejections.csv")
    write_csv(rec.lineage, folder / "lineage.csv")


def write_issues(issues: list[Issue], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    columns = ["severity", "code", "where", "variable", "row", "value", "count", "message"]
    pd.DataFrame([i.as_dict() for i in issues], columns=columns).to_csv(path, index=False, lineterminator="\n")


def refuse_to_replace(out_dir: Path, inputs: Sequence[Path | None]) -> None:
    """A CdiscError when the output folder, which a successful run replaces whole, is one of the `inputs` or holds
    one: the run would delete what it reads (`--out` given the raw export, the spec or the package converted)."""
    out = Path(out_dir).resolve()
    for given in (p for p in inputs if p is not None):
        source = Path(given).resolve()
        if source == out or out in source.parents:
            raise CdiscError(f"the output folder {out_dir} would be replaced whole, deleting {given}, which this "
                             "command reads: give --out another folder")


@contextmanager
def staged(out_dir: Path) -> Iterator[Path]:
    """Yield a fresh staging directory; on success it replaces `out_dir`, on failure it is removed.

    A run killed at any point leaves `out_dir` as it was (or, killed between the two renames, beside it as
    `.<out>.previous`, which the next run puts back before it starts); leftovers of a killed run are removed."""
    out_dir = Path(out_dir)
    stage = out_dir.parent / f".{out_dir.name}.staging"
    old = out_dir.parent / f".{out_dir.name}.previous"
    if old.exists() and not out_dir.exists():  # a run killed between the two renames below: put it back
        old.rename(out_dir)
    for leftover in (stage, old):
        shutil.rmtree(leftover, ignore_errors=True)
    try:
        stage.mkdir(parents=True)
    except OSError as exc:  # a file where a parent folder should be, no permission
        raise CdiscError(f"cannot write the output folder {out_dir}: {exc.strerror} ({exc.filename})") from None
    try:
        yield stage
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    if out_dir.exists():
        out_dir.rename(old)
    stage.rename(out_dir)
    shutil.rmtree(old, ignore_errors=True)


def validation_result(package: str, data: dict[str, pd.DataFrame], issues: list[Issue],
                      conformance: tuple[list[Finding], list[RuleStatus]], explanations: Explanations,
                      standard: str) -> ValidationResult:
    """The run's findings (its issues and the conformance rules' findings and statuses) as the validation report
    model `cdisc validate` writes too (one report format)."""
    findings = explain(findings_from_issues(issues, REFERENCES) + conformance[0], explanations)
    return ValidationResult(package=package, standard=standard,
                            datasets={n: len(df) for n, df in sorted(data.items())}, findings=tuple(findings),
                            rules=tuple(rule_statuses(data, issues) + conformance[1]))


def study_explanations(spec_dir: Path) -> Explanations:
    """The study's explained findings (`<spec>/validation/explanations.csv`), if it has any."""
    path = Path(spec_dir) / "validation" / "explanations.csv"
    return load_explanations(path) if path.exists() else {}


def package_rules(folder: Path, spec: Spec, data: dict[str, pd.DataFrame]) -> tuple[list[Finding], list[RuleStatus]]:
    """The conformance rules of the spec's standard: their findings and statuses on the datasets about to be
    written to `folder`."""
    from cdisc.validate import conformance_rules

    return conformance_rules(package_from_spec(folder, spec, data), spec.study.ct_version)


def prepare_sdtm_rules() -> None:
    """What `sdtm_conformance` needs before it has data: the CORE rules and the SDTMIG metadata loaded."""
    from cdisc.validate.core import load_rules
    from cdisc.validate.core.library import domains, ig_variables

    load_rules()
    domains()
    ig_variables("DM")


class PackageFeed:
    """Sends a package's datasets, each as finalized (`build_sdtm`'s and `build_adam`'s `finished`), to the
    processes that check them, pickled once (text columns as codes: `CodedFrame`): first the package (its spec and
    folders, no datasets), then each dataset as (name, frame); `complete` says that no more come (`PackageComplete`,
    to `describe_and_check`)."""

    def __init__(self, feeds: Sequence[Feed], complete_to: Sequence[Feed], staged: Path, published: Path,
                 formats: tuple[str, ...], spool: Path | None = None) -> None:
        self._feeds = feeds
        self._complete_to = complete_to
        self._folders = (staged, published, formats)
        self._spool = spool
        self._opened = False

    def send(self, spec: Spec, final: Finalized) -> None:
        """Send a finished dataset (through `spool` when given: `send_each`)."""
        self._open(spec)
        send_each((final.name, final.coded()), self._feeds, self._spool)

    def complete(self, spec: Spec) -> None:
        self._open(spec)
        send_each(PackageComplete(), self._complete_to)

    def _open(self, spec: Spec) -> None:
        if not self._opened:
            send_each(StagedPackage(spec, {}, *self._folders), self._feeds)
            self._opened = True


def sdtm_conformance(items: Iterator) -> tuple[list[Finding], list[RuleStatus]]:
    """The SDTM conformance rules (`conformance_rules`) on the package and its datasets sent one at a time as
    `PackageFeed` sends them; the CORE rules work out what each dataset decides as it comes."""
    from cdisc.validate import conformance_rules
    from cdisc.validate.core.engine import CoreRun
    from cdisc.validate.terminology import sdtm_ct

    first = next(items, None)
    if first is None:
        return [], []
    folder, spec = first.published, first.spec
    sdtm_ct(spec.study.ct_version)  # the CT check's terminology, loaded while SDTM is still being built
    core = CoreRun()
    for name, frame in items:
        core.add(dataset_from_spec(spec, name, frame))
    package = spec_package(folder, spec, core.given.values())
    return conformance_rules(package, spec.study.ct_version, core)


def merge_conformance(*parts: tuple[list[Finding], list[RuleStatus]]) -> tuple[list[Finding], list[RuleStatus]]:
    return [f for found, _ in parts for f in found], [s for _, statuses in parts for s in statuses]


@dataclass(frozen=True)
class StudyRun:
    sdtm: SdtmRun
    adam: AdamRun | None  # None: the study has no ADaM builders
    findings: list[Issue]
    validation: ValidationResult


# The forked processes yield the cores when every process wants one: this process, which builds the datasets
# the others work on, is the run's critical path, and they have until its end (at nice 5 a process gets about a
# third of a core's share against one at nice 0). The SDTM rules first: nice 10 against 0 took 2 s off the run at
# 1,000 subjects and 11 s at 5,000; once this process had become faster, the rules were the run's end, and nice 5
# took another 0.8 s off at 1,000 subjects and 1.1 s at 5,000. Then the checks: once the rules ended 4 s before
# this process at 5,000 subjects, this one got 0.86 of a core beside two at nice 0; the checks at nice 5 took
# 1.3 s off there (2 pairs of runs), nothing or 0.4 s at 1,000 (3 and 4 pairs) and added 0.0-0.1 s to the bundled
# study's 4.1 s (8 pairs).
SIDE_NICENESS = 5


def run_study(raw_dir: Path, spec_dir: Path, out_dir: Path, *, sdtm_builders: Sequence[Builder],
              adam_builders: Sequence[AnalysisBuilder],
              summarize: Callable[[AdamRun, Path], None] | None = None,
              formats: Sequence[str] = ("xpt",), clock: Stopwatch | None = None,
              report: Callable[[AdamRun, Path], Callable[[], object]] | None = None) -> StudyRun:
    """Raw export -> SDTM -> ADaM, validated, written atomically to `out_dir`:
    sdtm/ and adam/ (XPT + define.xml), reconciliation/, validation/ (issues.csv and the reports), the study
    summary and the review report: `report` gets the ADaM datasets and the staged output folder once the
    reconciliation is in it, and returns the function that finishes the report, called once validation/ is
    written. A study without ADaM builders gets no ADaM (no adam/) and no review report."""
    clock = clock or Stopwatch()
    refuse_to_replace(out_dir, [raw_dir, spec_dir])
    explanations = study_explanations(spec_dir)  # read first: a broken file stops the run before any work
    # Forked processes do work beside this one, which never imports great-expectations. One runs the SDTM
    # conformance rules (the CORE engine): it loads them at once, and is sent each SDTM dataset as it is finalized,
    # so that it works out most of them on the core the SDTM build leaves idle. Another imports great-expectations
    # and compiles the define.xml schema and stylesheet meanwhile; sent the same SDTM datasets (pickled once for
    # both) and then each ADaM dataset as it is finalized, it writes each dataset as it comes, and define.xml and
    # define.html, the suites and the ADaM rules package by package as each is complete (`PackageFeed`). This one
    # builds ADaM while that one works on SDTM, writes the reports and draws the review report from the ADaM
    # datasets it built.
    # (Leaving the block stops them before the staged output is removed or put in place.)
    with ExitStack() as background:
        stage = background.enter_context(staged(out_dir))
        spool = background.enter_context(spooled(stage / ".feed"))  # removed once the forked processes have ended
        rules = background.enter_context(fed_in_background(sdtm_conformance, prepare_sdtm_rules, nice=SIDE_NICENESS))
        checks = background.enter_context(fed_in_background(describe_and_check, prepare_checks, nice=SIDE_NICENESS))
        feeds = {standard: PackageFeed([rules, checks] if standard == "sdtm" else [checks], [checks],
                                       stage / standard, Path(out_dir) / standard, tuple(formats), spool)
                 for standard in ("sdtm", "adam")}
        sdtm = build_sdtm(raw_dir, spec_dir, sdtm_builders, clock, finished=feeds["sdtm"].send)
        sdtm_data = sdtm.frames
        sdtm_rules = rules.close()
        feeds["sdtm"].complete(sdtm.spec)
        adam = build_adam(sdtm_data, spec_dir, adam_builders, clock, finished=feeds["adam"].send) \
            if adam_builders else None
        adam_data = adam.frames if adam else {}
        if adam is not None:
            feeds["adam"].complete(adam.spec)
        checked = checks.close()
        with clock.time("reports"):
            write_reconciliation(sdtm.reconciliation, stage / "reconciliation")
            if summarize is not None and adam is not None:
                summarize(adam, stage / "adam")
        with clock.time("review report"):  # its figures, while the validation finishes
            finish_report = report(adam, stage) if report is not None and adam is not None else None
        with clock.time("waiting for the datasets, define, the suites and ADaM rules"):
            found = checked()
        clock.include(found.seconds, "checks process")
        findings = [*sdtm.issues, *(adam.issues if adam else ()), *found.suite_issues, *found.define_issues]
        with clock.time("waiting for the SDTM conformance rules"):
            conformance = merge_conformance(sdtm_rules(), found.adam_rules)
        with clock.time("reports"):
            write_issues(findings, stage / "validation" / "issues.csv")
            standards = " + ".join(["SDTMIG"] + (["ADaMIG"] if adam else []))
            validation = validation_result(sdtm.spec.study.studyid, {**sdtm_data, **adam_data}, findings,
                                           conformance, explanations, standards)
            write_reports(validation, stage / "validation")
        if finish_report is not None:
            with clock.time("review report"):
                finish_report()
    return StudyRun(sdtm, adam, findings, validation)


def prepare_checks() -> None:
    """What `describe_and_check` needs before it has data: great-expectations imported, the define.xml schema and
    the define.html stylesheet compiled."""
    import_great_expectations()
    define_schema()
    define_stylesheet()


class StagedPackage(NamedTuple):
    """A package's spec and finished datasets, the staging folder its files go to (the datasets in `formats`),
    and the folder they will be in once the run succeeds (the one findings name). `PackageFeed` sends one without
    datasets before them, which then come one by one."""
    spec: Spec
    frames: dict[str, pd.DataFrame]
    staged: Path
    published: Path
    formats: tuple[str, ...] = ("xpt",)


class PackageComplete(NamedTuple):
    """Sent after a package's last dataset (`PackageFeed.complete`)."""


def _complete(items: Iterable[StagedPackage | tuple[str, pd.DataFrame] | PackageComplete],
              arrived: Callable[[StagedPackage, str, pd.DataFrame], None]) -> Iterator[StagedPackage]:
    """Each package once complete, with the datasets sent as (name, frame) after it; each dataset is handed to
    `arrived` as it comes."""
    package: StagedPackage | None = None
    for item in items:
        if isinstance(item, StagedPackage):
            package = item
        elif isinstance(item, PackageComplete):
            yield package
        else:
            name, frame = item
            arrived(package, name, frame)
            package.frames[name] = frame


class Checked(NamedTuple):
    """What `describe_and_check` found: define.xml's schema issues, the suites' issues (package by package) and the
    ADaM rules' findings and statuses (none without ADaM); and the seconds its stages took."""
    define_issues: list[Issue]
    suite_issues: list[Issue]
    adam_rules: tuple[list[Finding], list[RuleStatus]]
    seconds: dict[str, float]


def describe_and_check(packages: Iterable[StagedPackage | tuple[str, pd.DataFrame] | PackageComplete]) -> Checked:
    """For each package (SDTM, then ADaM), as `PackageFeed` sends it: each dataset written as it comes; once the
    package is complete, define.xml (+ stylesheet, define.html) written and its schema issues, the spec-derived
    suites and cross-dataset rules and, for ADaM, the conformance rules."""
    from cdisc.validate import validate

    clock = Stopwatch()
    define_issues: list[Issue] = []
    suite_issues: list[Issue] = []
    adam_rules = []

    def write(package: StagedPackage, name: str, frame: pd.DataFrame) -> None:
        with clock.time("XPT writing"):
            package.staged.mkdir(parents=True, exist_ok=True)
            write_dataset(package.spec, name, frame, package.staged, package.formats)

    for package in _complete(packages, write):
        with clock.time("define"):
            define_issues += write_define_package(package.spec, package.frames, package.staged)
        with clock.time("validation suites"):
            suite_issues += validate(package.spec, package.frames)
        if package.spec.standard == "ADaMIG":
            with clock.time("ADaM rules"):
                adam_rules.append(package_rules(package.published, package.spec, package.frames))
    return Checked(define_issues, suite_issues, merge_conformance(*adam_rules), clock.seconds)
