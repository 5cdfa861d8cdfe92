"""Referential integrity and XPT-limit checks of a `Spec`. Every finding is an error."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator

from cdisc.ct import ControlledTerminology
from cdisc.errors import SpecError
from cdisc.issues import Issue
from cdisc.spec.model import CORES, DATA_TYPES, ORIGINS, AnalysisDataset, Spec
from cdisc.transport import format_problem

NAME = re.compile(r"^[A-Z][A-Z0-9_]{0,7}$")
MAX_LABEL_BYTES = 40
MAX_TEXT_BYTES = 200
METHOD_TYPES = frozenset({"Computation", "Imputation", "Transpose", "Other"})
COMPARATORS = frozenset({"EQ", "NE", "IN", "NOTIN", "LT", "LE", "GT", "GE"})


def check_spec(spec: Spec, ct: ControlledTerminology | None = None) -> list[Issue]:
    """Return every integrity problem of `spec` (and of its codelists against `ct`)."""
    checks = (_study, _datasets, _variables, _value_level, _where_clauses, _codelists, _methods, _references, _unused,
              _adsl_copies, _analysis_displays, _analysis_results, _analysis_datasets)
    issues = [i for check in checks for i in check(spec)]
    if ct is not None:
        issues += list(_against_ct(spec, ct))
    return issues


def require_valid(spec: Spec, ct: ControlledTerminology | None = None) -> Spec:
    issues = check_spec(spec, ct)
    if issues:
        raise SpecError(f"the {spec.standard} spec has {len(issues)} problem(s)", issues)
    return spec


def _issue(where: str, message: str, variable: str = "", value: str = "") -> Issue:
    return Issue("error", "SPEC", where, message, variable=variable, value=value)


def _label(where: str, label: str, variable: str = "") -> Iterator[Issue]:
    if not label:
        yield _issue(where, "label is empty", variable)
    elif not label.isascii():
        yield _issue(where, "label is not ASCII", variable, label)
    elif not label.isprintable():
        yield _issue(where, "label holds a control character (a tab, a line break)", variable, label)
    elif len(label.encode()) > MAX_LABEL_BYTES:
        yield _issue(where, f"label is over {MAX_LABEL_BYTES} bytes", variable, label)


def _study(spec: Spec) -> Iterator[Issue]:
    if not spec.study.studyid.strip():
        yield _issue("study", "studyid is empty (every dataset's STUDYID)")


def _datasets(spec: Spec) -> Iterator[Issue]:
    names = Counter(d.name for d in spec.datasets)
    for d in spec.datasets:
        where = f"datasets.csv {d.name}"
        if names[d.name] > 1:
            yield _issue(where, "dataset is listed more than once")
        if not NAME.match(d.name):
            yield _issue(where, "dataset name must be 1-8 upper-case letters, digits or _", value=d.name)
        yield from _label(where, d.label)
        declared = {v.name for v in spec.variables_of(d.name)}
        if not declared:
            yield _issue(where, "dataset has no variables")
        for k in d.keys:
            if k not in declared:
                yield _issue(where, "key is not a variable of the dataset", variable=k)


def _variables(spec: Spec) -> Iterator[Issue]:
    datasets = {d.name for d in spec.datasets}
    seen = Counter((v.dataset, v.name) for v in spec.variables)
    orders = Counter((v.dataset, v.order) for v in spec.variables)
    with_vlm = {(vl.dataset, vl.variable) for vl in spec.value_level}
    for v in spec.variables:
        where = f"variables {v.dataset}"
        if v.dataset not in datasets:
            yield _issue(where, "dataset is not in datasets.csv", v.name)
        if seen[(v.dataset, v.name)] > 1:
            yield _issue(where, "variable is listed more than once", v.name)
        if orders[(v.dataset, v.order)] > 1:
            yield _issue(where, f"Order {v.order} is used twice", v.name)
        if not NAME.match(v.name):
            yield _issue(where, "name must be 1-8 upper-case letters, digits or _", v.name, v.name)
        yield from _label(where, v.label, v.name)
        yield from _typing(where, v.name, v.data_type, v.length)
        if v.display_format and (problem := format_problem(v.display_format)):
            yield _issue(where, f"display format {problem}", v.name, v.display_format)
        if v.core not in CORES:
            yield _issue(where, f"Core must be one of {sorted(CORES)}", v.name, v.core)
        if v.core == "Req" and not v.mandatory:
            yield _issue(where, "a Req variable must be Mandatory=Yes", v.name)
        if v.origin or (v.dataset, v.name) not in with_vlm:  # Define-XML 2.1: the origin may sit on the VLM only
            yield from _origin(where, v.name, v.origin, v.method, v.predecessor)


def _value_level(spec: Spec) -> Iterator[Issue]:
    for vl in spec.value_level:
        where = f"value_level {vl.dataset}"
        try:
            spec.variable(vl.dataset, vl.variable)
        except KeyError:
            yield _issue(where, "value-level metadata for a variable that is not in the spec", vl.variable)
        if not spec.where(vl.where_clause):
            yield _issue(where, "where clause is not defined", vl.variable, vl.where_clause)
        yield from _typing(where, vl.variable, vl.data_type, vl.length)
        if vl.origin:  # none: as its variable (Define-XML 2.1 def:Origin is optional on a value-level ItemDef)
            yield from _origin(where, vl.variable, vl.origin, vl.method, vl.predecessor)


def _where_clauses(spec: Spec) -> Iterator[Issue]:
    for w in spec.where_clauses:
        where = f"where_clauses {w.id}"
        if w.comparator not in COMPARATORS:
            yield _issue(where, f"comparator must be one of {sorted(COMPARATORS)}", w.variable, w.comparator)
        try:
            spec.variable(w.dataset, w.variable)
        except KeyError:
            yield _issue(where, "where clause tests a variable that is not in the spec", w.variable)


def _typing(where: str, name: str, data_type: str, length: int | None) -> Iterator[Issue]:
    if data_type not in DATA_TYPES:
        yield _issue(where, f"DataType must be one of {sorted(DATA_TYPES)}", name, data_type)
    if length is not None and not 1 <= length <= MAX_TEXT_BYTES:
        yield _issue(where, f"Length must be 1-{MAX_TEXT_BYTES}", name, str(length))


def _origin(where: str, name: str, origin: str, method: str, predecessor: str) -> Iterator[Issue]:
    if origin not in ORIGINS:
        yield _issue(where, f"Origin must be one of {sorted(ORIGINS)}", name, origin)
    if origin == "Derived" and not method:
        yield _issue(where, "a Derived variable needs a Method", name)
    if origin == "Predecessor" and not predecessor:
        yield _issue(where, "a Predecessor variable needs its Predecessor", name)


def _codelists(spec: Spec) -> Iterator[Issue]:
    ids = Counter(c.id for c in spec.codelists)
    for c in spec.codelists:
        where = f"codelists {c.id}"
        if ids[c.id] > 1:
            yield _issue(where, "codelist ID is defined more than once (codelists, dictionaries)")
        if c.external and not c.version:
            yield _issue(where, f"no {c.dictionary} version: give it in the Version column of dictionaries (MedDRA "
                                f"and WHODrug take study.toml's meddra_version / whodrug_version)", value=c.dictionary)
        terms = Counter(t.term for t in c.terms)
        for term, n in terms.items():
            if n > 1:
                yield _issue(where, "term is listed more than once", value=term)
        collected = Counter(v for t in c.terms for v in t.collected)
        for value, n in collected.items():
            if n > 1:
                yield _issue(where, "collected value maps to more than one term", value=value)
        for t in c.terms:
            if not t.term.isascii() or len(t.term.encode()) > MAX_TEXT_BYTES:
                yield _issue(where, "term must be ASCII and at most 200 bytes", value=t.term)


def _methods(spec: Spec) -> Iterator[Issue]:
    for m in spec.methods:
        if m.type not in METHOD_TYPES:
            yield _issue(f"methods {m.id}", f"Type must be one of {sorted(METHOD_TYPES)}", value=m.type)
        if not m.description:
            yield _issue(f"methods {m.id}", "Description is empty")


def _references(spec: Spec) -> Iterator[Issue]:
    codelists = {c.id for c in spec.codelists}
    methods = {m.id for m in spec.methods}
    comments = {c.id for c in spec.comments}
    documents = {d.id for d in spec.documents}
    for item, kind in [(v, "variables") for v in spec.variables] + [(v, "value_level") for v in spec.value_level]:
        name = getattr(item, "name", None) or item.variable
        where = f"{kind} {item.dataset}"
        if item.codelist and item.codelist not in codelists:
            yield _issue(where, "unknown codelist", name, item.codelist)
        if item.method and item.method not in methods:
            yield _issue(where, "unknown method", name, item.method)
        if item.comment and item.comment not in comments:
            yield _issue(where, "unknown comment", name, item.comment)
    if "acrf" not in documents:
        for item in (*spec.variables, *spec.value_level):
            if item.pages:
                yield _issue(f"variables {item.dataset}", "Pages cite the annotated CRF: documents needs a row with "
                             "ID acrf", getattr(item, "name", None) or item.variable, item.pages)
    for d in spec.datasets:
        if d.comment and d.comment not in comments:
            yield _issue(f"datasets.csv {d.name}", "unknown comment", value=d.comment)
    for doc_user in (*spec.methods, *spec.comments):
        if doc_user.document and doc_user.document not in documents:
            yield _issue(
                f"{type(doc_user).__name__.lower()} {doc_user.id}", "unknown document", value=doc_user.document
            )


def _unused(spec: Spec) -> Iterator[Issue]:
    used_cl = {v.codelist for v in (*spec.variables, *spec.value_level)}
    for c in spec.codelists:
        if c.id not in used_cl:
            yield _issue(f"codelists {c.id}", "codelist is not used by any variable")
    used_m = {v.method for v in (*spec.variables, *spec.value_level)}
    for m in spec.methods:
        if m.id not in used_m:
            yield _issue(f"methods {m.id}", "method is not used by any variable")
    used_wc = {v.where_clause for v in (*spec.value_level, *spec.analysis_datasets)}
    for wid in sorted({w.id for w in spec.where_clauses} - used_wc):
        yield _issue(f"where_clauses {wid}", "where clause is not used by any value-level row or analysis result")


def _adsl_copies(spec: Spec) -> Iterator[Issue]:
    """ADaMIG 1.3 §3.2: a variable in ADSL and in another ADaM dataset has the same label and type."""
    if not any(d.name == "ADSL" for d in spec.datasets):
        return
    adsl = {v.name: v for v in spec.variables_of("ADSL")}
    for v in spec.variables:
        ref = adsl.get(v.name)
        if v.dataset == "ADSL" or ref is None:
            continue
        if (v.label, v.data_type) != (ref.label, ref.data_type):
            yield _issue(f"variables {v.dataset}", f"differs from ADSL.{v.name} (label {ref.label!r}, "
                         f"type {ref.data_type})", v.name, f"{v.label} / {v.data_type}")


def _analysis_displays(spec: Spec) -> Iterator[Issue]:
    """ARM 1.0: a display has a title (its Description) and at least one result; its document exists."""
    ids = Counter(d.id for d in spec.analysis_displays)
    documents = {d.id for d in spec.documents}
    for d in spec.analysis_displays:
        where = f"analysis_displays {d.id}"
        if ids[d.id] > 1:
            yield _issue(where, "display is listed more than once")
        if not (d.name and d.title):
            yield _issue(where, "Name and Title are required")
        if not spec.results_of(d.id):
            yield _issue(where, "display has no analysis result")
        if d.document and d.document not in documents:
            yield _issue(where, "unknown document", value=d.document)


def _analysis_results(spec: Spec) -> Iterator[Issue]:
    """ARM 1.0: a result belongs to a display, has a description, reason and purpose and reads at least one
    dataset; its parameter is `DATASET.VARIABLE` of a variable it reads; comment and documents exist."""
    displays = {d.id for d in spec.analysis_displays}
    ids = Counter(r.id for r in spec.analysis_results)
    comments = {c.id for c in spec.comments}
    documents = {d.id for d in spec.documents}
    for r in spec.analysis_results:
        where = f"analysis_results {r.id}"
        if ids[r.id] > 1:
            yield _issue(where, "result is listed more than once")
        if r.display not in displays:
            yield _issue(where, "unknown display", value=r.display)
        for field in ("description", "reason", "purpose"):
            if not getattr(r, field):
                yield _issue(where, f"{field.capitalize()} is required")
        read = spec.analysis_datasets_of(r.id)
        if not read:
            yield _issue(where, "result reads no dataset (analysis_datasets)")
        if r.parameter and r.parameter not in {f"{d.dataset}.{v}" for d in read for v in _variables_of(spec, d)}:
            yield _issue(where, "Parameter must be DATASET.VARIABLE of a variable of a dataset the result reads",
                         value=r.parameter)
        if r.document and not r.documentation:
            yield _issue(where, "a Document needs its Documentation text (ARM Documentation/Description)")
        if r.join_comment and r.join_comment not in comments:
            yield _issue(where, "unknown comment", value=r.join_comment)
        for doc in (r.document, r.code_document):
            if doc and doc not in documents:
                yield _issue(where, "unknown document", value=doc)


def _variables_of(spec: Spec, analysis_dataset: AnalysisDataset) -> set[str]:
    return {v.name for v in spec.variables_of(analysis_dataset.dataset)}


def _analysis_datasets(spec: Spec) -> Iterator[Issue]:
    """Each dataset a result reads is in the spec, so are its analysis variables, and its where clause tests
    variables of that dataset."""
    results = {r.id for r in spec.analysis_results}
    datasets = {d.name for d in spec.datasets}
    for d in spec.analysis_datasets:
        where = f"analysis_datasets {d.result}"
        if d.result not in results:
            yield _issue(where, "unknown analysis result", value=d.result)
        if d.dataset not in datasets:
            yield _issue(where, "dataset is not in datasets.csv", value=d.dataset)
            continue
        for name in sorted(set(d.variables) - _variables_of(spec, d)):
            yield _issue(where, f"analysis variable is not a variable of {d.dataset}", name)
        conditions = spec.where(d.where_clause) if d.where_clause else []
        if d.where_clause and not conditions:
            yield _issue(where, "where clause is not defined", value=d.where_clause)
        if any(w.dataset != d.dataset for w in conditions):
            yield _issue(where, f"where clause tests variables outside {d.dataset}", value=d.where_clause)


def _against_ct(spec: Spec, ct: ControlledTerminology) -> Iterator[Issue]:
    for c in spec.codelists:
        if not c.nci_code:
            continue
        where = f"codelists {c.id}"
        ref = ct.get(c.nci_code)
        if ref is None:
            yield _issue(where, f"NCI codelist {c.nci_code} is not in CT {ct.version}", value=c.nci_code)
            continue
        for t in c.terms:
            if t.term in ref.terms:
                if t.nci_code != ref.terms[t.term]:
                    yield _issue(where, f"NCI term code should be {ref.terms[t.term]}", value=t.term)
            elif t.nci_code:
                yield _issue(where, f"term carries NCI code {t.nci_code} but is not in CT {ct.version}", value=t.term)
            elif not ref.extensible:
                yield _issue(where, f"term is not in non-extensible codelist {c.nci_code} ({ct.version})", value=t.term)
