"""Building a report: read what it is made from (the ADaM datasets of a folder and a run's side tables, as they
are on disk), build each planned section or say why it is skipped, and write the page.

`cdisc report --adam DIR` builds the page from these files; `cdisc run` from the same datasets as it built them,
before they are written (they give the same page: a test compares the two).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from cdisc.errors import CdiscError
from cdisc.failure import describe
from cdisc.progress import progress
from cdisc.report.page import Rendered, Section, Table, Text, write_report
from cdisc.transport import read_transport

Block = Text | Table | Rendered


@dataclass(frozen=True)
class ReportInputs:
    """Datasets by upper-case name (ADSL, ADTTE, ...) and side tables by name (e.g. FINDINGS); `sources` says
    where each kind was looked for, for the "skipped" notes."""
    datasets: dict[str, pd.DataFrame]
    data_cut: str = ""
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)

    def get(self, name: str) -> pd.DataFrame:
        return self.datasets[name] if name in self.datasets else self.tables[name]

    def has(self, name: str) -> bool:
        return name in self.datasets or name in self.tables


@dataclass(frozen=True)
class SectionPlan:
    """A section the study wants: its anchor and title, the datasets or tables it needs, and the function that
    turns the inputs into blocks."""
    anchor: str
    title: str
    needs: tuple[str, ...]
    build: Callable[[ReportInputs], list[Block]]


def read_adam_folder(folder: Path, names: Iterable[str], variables: Mapping[str, Sequence[str]] | None = None
                     ) -> tuple[dict[str, pd.DataFrame], str]:
    """The datasets `names` (upper case) that `folder` holds as `<name>.xpt`, by name (dates stay SAS day numbers,
    as written; other datasets of the folder are not read), and the data cut: the creation date in their XPT
    headers (the date the converter stamps; "" if none). A dataset named in `variables` is read with only those
    variables (in the file's order)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise CdiscError(f"{folder}: no such folder; give the folder holding the ADaM .xpt files")
    wanted, variables = {n.upper() for n in names}, variables or {}
    datasets, stamps = {}, set()
    for path in sorted(folder.glob("*.xpt")):
        name = path.stem.upper()
        if name not in wanted:
            continue
        member = read_transport(path, list(variables[name]) if name in variables else None)
        datasets[name] = member.frame
        stamps.add(member.created.date().isoformat() if member.created else "")
    return datasets, stamps.pop() if len(stamps) == 1 else ""


def needed(plans: list[SectionPlan]) -> list[str]:
    """Every dataset or table some plan needs, in first-use order."""
    return list(dict.fromkeys(n for plan in plans for n in plan.needs))


def read_findings(path: Path) -> pd.DataFrame | None:
    """The findings of a validation `report.json` (one row per rule and dataset), or None when there is none."""
    import json

    if not Path(path).is_file():
        return None
    try:
        rows = json.loads(Path(path).read_bytes().decode("utf-8"))["findings"]
        if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
            raise TypeError("'findings' is not a list of findings")
        columns = ["rule", "severity", "dataset", "variables", "count", "message", "explanation"]
        table = pd.DataFrame(rows, columns=columns).fillna("")
        table["variables"] = table["variables"].map(lambda names: ", ".join(map(str, names)))
    except (ValueError, KeyError, TypeError) as exc:  # (a JSON or UTF-8 error is a ValueError)
        reason = f"no {exc} list" if isinstance(exc, KeyError) else str(exc).splitlines()[0]
        raise CdiscError(f"{Path(path).name}: not the report.json of a validation ({reason})") from None
    return table


def read_table(path: Path) -> pd.DataFrame | None:
    """A CSV side table as text (blank = ""), or None when the file does not exist."""
    if not Path(path).is_file():
        return None
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (ValueError, pd.errors.EmptyDataError) as exc:  # (a parser or UTF-8 error is a ValueError)
        raise CdiscError(f"{Path(path).name}: not a readable CSV table ({str(exc).splitlines()[0]})") from None


def build_section(plan: SectionPlan, inputs: ReportInputs) -> Section:
    """The section, or a skipped one naming the inputs it lacks and where they were looked for, or why it could not
    be built from them (a dataset without a variable the section reads: a folder of other ADaM datasets)."""
    missing = [n for n in plan.needs if not inputs.has(n)]
    if missing:
        where = "; ".join(f"{n}: {inputs.sources.get(n, 'not given')}" for n in missing)
        return Section(plan.anchor, plan.title, skipped=f"needs {', '.join(missing)}, not found ({where})")
    try:
        return Section(plan.anchor, plan.title, plan.build(inputs))
    except CdiscError:
        raise
    except Exception as exc:  # noqa: BLE001 -- the page is still written, saying why this section is not there
        return Section(plan.anchor, plan.title,
                       skipped=f"cannot be built from {', '.join(plan.needs)} ({describe(exc)})")


def build_report(plans: list[SectionPlan], inputs: ReportInputs, folder: Path, *, title: str, subtitle: str) -> Path:
    """Build every planned section (progress shown on a terminal) and write the page and its figures."""
    return start_report(plans, inputs, folder, title=title, subtitle=subtitle)()


def start_report(plans: list[SectionPlan], inputs: ReportInputs, folder: Path, *, title: str, subtitle: str,
                 later: Mapping[str, Callable[[], pd.DataFrame | None]] | None = None) -> Callable[[], Path]:
    """Build now every planned section that needs none of the `later` tables (progress shown on a terminal), and
    return the function that reads those tables (None: not there), builds the other sections and writes the page
    and its figures, sections in plan order. A run starts its review page while its validation still runs."""
    later = later or {}
    ready = {plan.anchor: build_section(plan, inputs) for plan in progress(plans, "report")
             if not set(plan.needs) & set(later)}

    def finish() -> Path:
        tables = {name: table for name, read in later.items() if (table := read()) is not None}
        complete = replace(inputs, tables={**inputs.tables, **tables})
        sections = [ready[p.anchor] if p.anchor in ready else build_section(p, complete) for p in plans]
        return write_report(folder, title, subtitle, sections)
    return finish
