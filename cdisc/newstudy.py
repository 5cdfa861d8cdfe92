"""`cdisc new-study`: a head start for a new study from its raw export.

Writes `specs/<name>/` (study.toml to complete; `raw/dictionary.csv` with every field's name, inferred type and
date formats, for the user to confirm; `sdtm/` with the SDTMIG 3.4 variables of the domains asked for) and
`mappings/<name>/` (one module per domain that fails, naming what is still to map, until it is written).
"""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from cdisc.dates import DECLARED_FORMATS, DEFAULT_FORMAT, raw_dates_to_iso
from cdisc.errors import CdiscError
from cdisc.study import PROJECT_ROOT

IG = PROJECT_ROOT / "specs" / "ig" / "sdtmig-3.4"
NAME = re.compile(r"[a-z][a-z0-9_]*")
VARIABLE_COLUMNS = ["Order", "Dataset", "Variable", "Label", "DataType", "Length", "Significant Digits", "Format",
                    "Mandatory", "Core", "Codelist", "Origin", "Source", "Pages", "Method", "Predecessor", "Role",
                    "Comment"]


def infer_field(values: pd.Series) -> tuple[str, str]:
    """(TYPE, FORMAT) of a raw field from its values: integer, float, time (HH:MM), date with the declared formats
    that together read every value (`MM/DD/YYYY|YYYY`), else text. A proposal for the user to confirm.

    >>> infer_field(pd.Series(["01/16/2014", "2003", ""]))
    ('date', 'MM/DD/YYYY|YYYY')
    """
    filled = values[values.ne("")]
    shapes = [("integer", r"[+-]?\d+"), ("float", r"[+-]?(\d+\.?\d*|\.\d+)"), ("time", r"([01]\d|2[0-3]):[0-5]\d")]
    for kind, shape in shapes:
        if len(filled) and filled.str.fullmatch(shape).all():
            return kind, ""
    formats, unread = [], filled
    for fmt in (DEFAULT_FORMAT, *DECLARED_FORMATS):
        read = raw_dates_to_iso(unread, fmt).notna()
        if read.any():
            formats.append(fmt)
            unread = unread[~read]
    if len(filled) and unread.empty:
        return "date", "|".join(formats)
    return "text", ""


def raw_dictionary(raw_dir: Path) -> pd.DataFrame:
    """FORM, FIELD, LABEL, TYPE, CODELIST, REQUIRED, KEY, FORMAT of every column of every CSV in `raw_dir`; MIN and
    MAX blank, for the study's designer to give a number field's limits."""
    rows = []
    for path in sorted(Path(raw_dir).glob("*.csv")):
        form = pd.read_csv(path, dtype=str, keep_default_na=False)
        for field in form.columns:
            kind, fmt = infer_field(form[field])
            rows.append({"FORM": path.stem, "FIELD": field, "LABEL": field, "TYPE": kind, "CODELIST": "",
                         "REQUIRED": "Y" if form[field].ne("").all() else "N", "KEY": "N", "FORMAT": fmt,
                         "MIN": "", "MAX": ""})
    if not rows:
        raise CdiscError(f"{raw_dir} holds no CSV form")
    return pd.DataFrame(rows)


def ig_variables(domain: str) -> pd.DataFrame:
    """The spec's variable sheet of `domain` filled from SDTMIG 3.4 (label, type, role, core, CT codelist)."""
    ig = pd.read_csv(IG / "variables.csv", dtype=str, keep_default_na=False)
    ig = ig[ig["Dataset Name"].eq(domain)]
    if ig.empty:
        raise CdiscError(f"{domain} is not an SDTMIG 3.4 dataset")
    numeric = ig["Type"].eq("Num")
    return pd.DataFrame({
        "Order": range(1, len(ig) + 1), "Dataset": domain, "Variable": ig["Variable Name"].to_numpy(),
        "Label": ig["Variable Label"].to_numpy(),
        "DataType": numeric.map({True: "integer", False: "text"}).to_numpy(),
        "Length": numeric.map({True: "", False: "200"}).to_numpy(), "Significant Digits": "", "Format": "",
        "Mandatory": ig["Core"].eq("Req").map({True: "Yes", False: "No"}).to_numpy(), "Core": ig["Core"].to_numpy(),
        "Codelist": "", "Origin": "", "Source": "", "Pages": "", "Method": "", "Predecessor": "",
        "Role": ig["Role"].to_numpy(), "Comment": ig["CDISC CT Codelist Code(s)"].map(
            lambda c: f"CT {c}" if c else "").to_numpy(),
    })[VARIABLE_COLUMNS]


def new_study(name: str, raw_dir: Path, domains: list[str], root: Path = PROJECT_ROOT) -> list[Path]:
    """Write the spec folder and the mapping modules of a new study; return the files written."""
    if not NAME.fullmatch(name):
        raise CdiscError(f"study name {name!r} must be lower case letters, digits and _, starting with a letter")
    spec_dir, code_dir = root / "specs" / name, root / "mappings" / name
    for folder in (spec_dir, code_dir):
        if folder.exists():
            raise CdiscError(f"{folder} exists already; new-study writes only new folders")
    ig_sets = pd.read_csv(IG / "datasets.csv", dtype=str, keep_default_na=False).set_index("Dataset Name")
    if not domains:
        raise CdiscError("no domain given: --domains names the SDTM domains to start (e.g. DM,AE)")
    if unknown := [d for d in domains if d not in ig_sets.index]:
        raise CdiscError(f"{', '.join(unknown)}: not SDTMIG 3.4 dataset(s) (known: {', '.join(sorted(ig_sets.index))})")
    dictionary = raw_dictionary(raw_dir)
    files: dict[Path, str] = {
        spec_dir / "study.toml": study_toml(name),
        spec_dir / "raw" / "dictionary.csv": dictionary.to_csv(index=False, lineterminator="\n"),
        spec_dir / "raw" / "codelists.csv": "CODELIST,CODE,DECODE\n",
        spec_dir / "sdtm" / "datasets.csv": pd.DataFrame([{
            "Dataset": d, "Label": ig_sets.at[d, "Dataset Label"], "Class": ig_sets.at[d, "Class"].upper(),
            "Structure": ig_sets.at[d, "Structure"], "Keys": "STUDYID USUBJID",
            "Repeating": "No" if d == "DM" else "Yes", "ReferenceData": "No", "Comment": ""}
            for d in domains]).to_csv(index=False, lineterminator="\n"),
        code_dir / "__init__.py": PACKAGE.format(name=name),
        code_dir / "sdtm" / "__init__.py": MODULES.format(name=name, modules="".join(f'    "{d.lower()}",\n'
                                                                                     for d in domains)),
    }
    for d in domains:
        variables = ig_variables(d)
        files[spec_dir / "sdtm" / "variables" / f"{d}.csv"] = variables.to_csv(index=False, lineterminator="\n")
        files[code_dir / "sdtm" / f"{d.lower()}.py"] = STUB.format(
            domain=d, module=d.lower(), name=name, variables=_wrapped(variables["Variable"]),
            fields="".join(f'    "{f}": {_wrapped(g["FIELD"], 8)},\n' for f, g in dictionary.groupby("FORM")))
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return sorted(files)


def _wrapped(names: pd.Series, indent: int = 4) -> str:
    items = [f'"{n}"' for n in names]
    lines, line = [], ""
    for item in items:
        if len(line) + len(item) + indent > 110:
            lines.append(line.rstrip())
            line = ""
        line += item + ", "
    lines.append(line.rstrip())
    pad = " " * indent
    return "[\n" + "".join(f"{pad}{ln}\n" for ln in lines) + " " * (indent - 4) + "]"


def study_toml(name: str) -> str:
    return f'''# {name}: written by `cdisc new-study`; complete every value before the first run.
studyid = "{name.upper()}"
name = ""
protocol = ""
description = ""
sponsor = ""
data_cut = "2000-01-01"  # the data cut of the export
sdtmig = "3.4"
sdtm = "2.0"
ct_version = "2025-03-28"
ct_file = "specs/ct/sdtm_ct_2025-03-28.csv"
subject_field = "SUBJID"  # the raw field naming the subject on every form
usubjid_prefix = ""  # the text before it in USUBJID (blank: STUDYID)
subject_form = ""  # the form listing every subject, e.g. dm (blank: no check that other forms' subjects are in it)
cut_consent = ""  # "form.FIELD" of the informed consent: a subject consented after data_cut is left out whole

# each form's date field placing its records before or after data_cut (a record after it is left out), e.g.
# ae = "AESTDAT"; a form not named is not cut by date
[cut_dates]
'''


PACKAGE = '''"""{name}: SDTM mapping modules (`sdtm/`), written by `cdisc new-study`."""
from __future__ import annotations

from cdisc.study import StudyMappings


def mappings() -> StudyMappings:
    from mappings.{name}.sdtm import BUILDERS

    return StudyMappings(sdtm=BUILDERS)
'''
MODULES = '''"""{name} raw -> SDTM mapping modules, in the order they run (later modules read earlier datasets)."""
from __future__ import annotations

import importlib

MODULES = (
{modules})

BUILDERS = tuple(importlib.import_module(f"mappings.{name}.sdtm.{{m}}").build for m in MODULES)
'''
STUB = '''"""{domain}: written by `cdisc new-study`. Map the variables of TO_MAP from the raw fields with the engine's
verbs (docs/NEW_STUDY.md), drop the rows of specs/{name}/sdtm/variables/{domain}.csv the study does not need,
and remove this guard."""
from __future__ import annotations

from cdisc.context import DomainResult, StudyContext
from cdisc.errors import MappingError

# SDTMIG 3.4 variables of {domain} still to map
TO_MAP = {variables}
# the export's fields, by form
RAW_FIELDS = {{
{fields}}}


def build(ctx: StudyContext) -> list[DomainResult]:
    raise MappingError(f"{domain} is not mapped yet: {{', '.join(TO_MAP)}} still to map from the raw fields of "
                       f"{{', '.join(RAW_FIELDS)}} (mappings/{name}/sdtm/{module}.py)")
'''
