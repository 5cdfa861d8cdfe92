"""Frozen pydantic models of the spec sheets (Datasets, Variables, ValueLevel, WhereClauses, Codelists,
Methods, Comments, Documents, and for ADaM the analysis results metadata: AnalysisDisplays, AnalysisResults,
AnalysisDatasets) plus the study header. Field names follow Define-XML 2.1."""
from __future__ import annotations

import datetime as dt
from functools import cached_property

from pydantic import BaseModel, ConfigDict

NUMERIC_TYPES = frozenset({"integer", "float"})
DATA_TYPES = frozenset(
    {
        "text", "integer", "float", "date", "datetime", "time", "partialDate", "partialTime",
        "partialDatetime", "incompleteDatetime", "durationDatetime",
    }
)
CORES = frozenset({"Req", "Exp", "Perm", "Cond"})
ORIGINS = frozenset({"Collected", "Derived", "Assigned", "Protocol", "Predecessor", "Not Available"})


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Study(Frozen):
    """`specs/<study>/study.toml`: identity, data cut and pinned standard versions."""

    studyid: str
    name: str
    description: str
    protocol: str
    sponsor: str
    data_cut: dt.date
    sdtmig: str
    sdtm: str
    adamig: str = "1.3"
    ct_version: str
    ct_file: str = ""
    adam_ct_file: str = ""
    meddra_version: str = ""
    whodrug_version: str = ""
    country: str = ""
    # the study's one site (a single-centre study): the site of every consent; blank: several sites, not checked
    siteid: str = ""
    planned_subjects: int = 0
    # the raw field naming the subject on every form, and the text before it in USUBJID (blank: STUDYID)
    subject_field: str = "SUBJID"
    usubjid_prefix: str = ""
    # the raw form listing every subject (blank: none); a row of another form with a subject not in it is an error
    subject_form: str = ""
    # the data cut of the raw export (`cdisc.datacut`): each form's date field placing its records before or after
    # `data_cut`, and the "form.FIELD" of the informed consent, after which a subject is left out whole
    cut_dates: dict[str, str] = {}
    cut_consent: str = ""


class Dataset(Frozen):
    name: str
    label: str
    cls: str
    structure: str
    keys: tuple[str, ...]
    repeating: bool
    reference_data: bool
    comment: str = ""

    @property
    def is_supp(self) -> bool:
        return self.name.startswith("SUPP")


class Variable(Frozen):
    order: int
    dataset: str
    name: str
    label: str
    data_type: str
    length: int | None = None
    significant_digits: int | None = None
    display_format: str = ""
    mandatory: bool = False
    core: str = "Perm"
    codelist: str = ""
    origin: str = ""
    source: str = ""
    pages: str = ""
    method: str = ""
    predecessor: str = ""
    role: str = ""
    comment: str = ""

    @property
    def numeric(self) -> bool:
        return self.data_type in NUMERIC_TYPES


class ValueLevel(Frozen):
    order: int
    dataset: str
    variable: str
    where_clause: str
    data_type: str
    length: int | None = None
    significant_digits: int | None = None
    display_format: str = ""
    mandatory: bool = False
    codelist: str = ""
    origin: str = ""
    source: str = ""
    pages: str = ""
    method: str = ""
    predecessor: str = ""
    comment: str = ""


class WhereCondition(Frozen):
    """One range check of a where clause; conditions sharing an `id` are ANDed."""

    id: str
    dataset: str
    variable: str
    comparator: str  # EQ, NE, IN, NOTIN, LT, LE, GT, GE
    values: tuple[str, ...]


class Term(Frozen):
    term: str
    nci_code: str = ""
    decoded: str = ""
    order: int | None = None
    collected: tuple[str, ...] = ()


class Codelist(Frozen):
    """A codelist of the spec; with `dictionary` set it is an external dictionary (MedDRA, WHODrug) of the
    given version, whose terms are not listed (Define-XML def:ExternalCodeList). With `subset` the terms are
    those allowed, and define.xml lists only the ones the data use."""

    id: str
    name: str
    nci_code: str
    data_type: str
    terms: tuple[Term, ...]
    dictionary: str = ""
    version: str = ""
    subset: bool = False

    @property
    def external(self) -> bool:
        return bool(self.dictionary)

    @cached_property
    def values(self) -> frozenset[str]:
        return frozenset(t.term for t in self.terms)

    @cached_property
    def collected_map(self) -> dict[str, str]:
        """Raw collected value -> submission value. A term also maps from itself."""
        out: dict[str, str] = {}
        for t in self.terms:
            out[t.term] = t.term
            for c in t.collected:
                out[c] = t.term
        return out

    def decode(self, term: str) -> str:
        for t in self.terms:
            if t.term == term:
                return t.decoded
        raise KeyError(f"{term!r} is not a term of codelist {self.id}")


class Method(Frozen):
    id: str
    name: str
    type: str
    description: str
    context: str = ""
    code: str = ""
    document: str = ""
    pages: str = ""

    @property
    def parameters(self) -> dict[str, int]:
        """The numbers a derivation takes from the spec: an Expression Code `name=value; ...` whose Expression
        Context is `parameters` (written out in define.xml as the method's FormalExpression)."""
        if self.context != "parameters":
            return {}
        pairs = [p.split("=") for p in self.code.split(";") if p.strip()]
        return {k.strip(): int(v) for k, v in pairs}


class Comment(Frozen):
    id: str
    description: str
    document: str = ""
    pages: str = ""


class Document(Frozen):
    id: str
    title: str
    href: str


class AnalysisDisplay(Frozen):
    """A table or figure of analysis results (Define-XML ARM 1.0 arm:ResultDisplay)."""

    id: str
    name: str
    title: str
    document: str = ""
    pages: str = ""


class AnalysisResult(Frozen):
    """One analysis of a display (arm:AnalysisResult): why and what for (ARM Reason and Purpose), the
    parameter it analyses (`DATASET.VARIABLE` of the PARAMCD-like variable), how the datasets are joined (a
    comment id), its documentation and the code that computes it."""

    display: str
    id: str
    description: str
    reason: str
    purpose: str
    parameter: str = ""
    join_comment: str = ""
    documentation: str = ""
    document: str = ""
    pages: str = ""
    context: str = ""
    code: str = ""
    code_document: str = ""


class AnalysisDataset(Frozen):
    """A dataset an analysis result reads (arm:AnalysisDataset): its analysis variables and the where clause
    selecting its records (parameter and population)."""

    result: str
    dataset: str
    variables: tuple[str, ...]
    where_clause: str = ""


class Spec(Frozen):
    """All metadata of one standard (SDTM or ADaM) of one study."""

    study: Study
    standard: str  # "SDTMIG" | "ADaMIG"
    standard_version: str
    datasets: tuple[Dataset, ...]
    variables: tuple[Variable, ...]
    value_level: tuple[ValueLevel, ...]
    where_clauses: tuple[WhereCondition, ...]
    codelists: tuple[Codelist, ...]
    methods: tuple[Method, ...]
    comments: tuple[Comment, ...]
    documents: tuple[Document, ...]
    analysis_displays: tuple[AnalysisDisplay, ...] = ()
    analysis_results: tuple[AnalysisResult, ...] = ()
    analysis_datasets: tuple[AnalysisDataset, ...] = ()

    def dataset(self, name: str) -> Dataset:
        for d in self.datasets:
            if d.name == name:
                return d
        raise KeyError(f"dataset {name} is not in the spec")

    def variables_of(self, dataset: str) -> list[Variable]:
        return sorted((v for v in self.variables if v.dataset == dataset), key=lambda v: v.order)

    def variable(self, dataset: str, name: str) -> Variable:
        for v in self.variables:
            if v.dataset == dataset and v.name == name:
                return v
        raise KeyError(f"variable {dataset}.{name} is not in the spec")

    def codelist(self, cid: str) -> Codelist:
        for c in self.codelists:
            if c.id == cid:
                return c
        raise KeyError(f"codelist {cid} is not in the spec")

    def restricted_to(self, datasets: set[str]) -> Spec:
        """The spec of the named datasets only (their variables, value-level metadata and where clauses), with the
        analysis results that read only those datasets and the displays left with a result."""
        results = tuple(r for r in self.analysis_results
                        if all(d.dataset in datasets for d in self.analysis_datasets_of(r.id)))
        kept = {r.id for r in results}
        return self.model_copy(update={
            "datasets": tuple(d for d in self.datasets if d.name in datasets),
            "variables": tuple(v for v in self.variables if v.dataset in datasets),
            "value_level": tuple(v for v in self.value_level if v.dataset in datasets),
            "where_clauses": tuple(w for w in self.where_clauses if w.dataset in datasets),
            "analysis_displays": tuple(d for d in self.analysis_displays if any(r.display == d.id for r in results)),
            "analysis_results": results,
            "analysis_datasets": tuple(d for d in self.analysis_datasets if d.result in kept)})

    def method(self, mid: str) -> Method:
        for m in self.methods:
            if m.id == mid:
                return m
        raise KeyError(f"method {mid} is not in the spec")

    def value_level_of(self, dataset: str) -> list[ValueLevel]:
        return sorted((v for v in self.value_level if v.dataset == dataset), key=lambda v: v.order)

    def results_of(self, display: str) -> list[AnalysisResult]:
        return [r for r in self.analysis_results if r.display == display]

    def analysis_datasets_of(self, result: str) -> list[AnalysisDataset]:
        return [d for d in self.analysis_datasets if d.result == result]

    def where(self, wid: str) -> list[WhereCondition]:
        return [w for w in self.where_clauses if w.id == wid]
