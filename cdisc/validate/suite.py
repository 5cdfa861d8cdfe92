"""Turn the spec into expectations. Pure: no great-expectations import here (see `run.py`).

Each expectation's `meta` names the spec row it comes from, so a failure points back to the variable, and the
published rule it checks (`rule`: FDA validator / Pinnacle 21 id; `CCV-0002` for the define length, which has
none), so a finding is traceable like every other (docs/VALIDATION.md).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from cdisc.spec.model import Spec, Variable

# Non-capturing groups: pandas warns about match groups in str.contains, which great-expectations uses.
ISO_DATETIME = (r"^\d{4}(?:-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12]\d|3[01])"
                r"(?:T(?:[01]\d|2[0-3])(?::[0-5]\d(?::[0-5]\d(?:\.\d+)?)?)?)?)?)?$")
ISO_DURATION = r"^-?P(?!$)(?:\d+Y)?(?:\d+M)?(?:\d+W)?(?:\d+D)?(?:T(?=\d)(?:\d+H)?(?:\d+M)?(?:\d+(?:\.\d+)?S)?)?$"
DATE_TYPES = frozenset({"date", "datetime", "partialDate", "partialDatetime", "incompleteDatetime"})


@dataclass(frozen=True)
class Expectation:
    """One expectation: the great-expectations class name, its arguments and the spec reference."""

    kind: str
    kwargs: dict = field(default_factory=dict)
    meta: dict = field(default_factory=dict)


def suite_for(spec: Spec, dataset: str) -> list[Expectation]:
    """Expectations for one dataset: column order, mandatory values, codelists, lengths, keys, ISO 8601."""
    ds = spec.dataset(dataset)
    variables = spec.variables_of(dataset)
    out = [Expectation("ExpectTableColumnsToMatchOrderedList", {"column_list": [v.name for v in variables]},
                       {"spec": f"variables/{dataset}.csv Order", "rule": "SD1079",
                        "expects": "the variables in the order of the metadata"})]
    for v in variables:
        out += _variable_expectations(spec, v)
    if len(ds.keys) > 1:
        out.append(Expectation("ExpectCompoundColumnsToBeUnique", {"column_list": list(ds.keys)},
                               {"spec": f"datasets.csv {dataset} Keys", "rule": "SD1152",
                                "expects": f"one record per key {', '.join(ds.keys)}"}))
    elif ds.keys:
        out.append(Expectation("ExpectColumnValuesToBeUnique", {"column": ds.keys[0]},
                               {"spec": f"datasets.csv {dataset} Keys", "rule": "SD1152",
                                "expects": f"one record per key {ds.keys[0]}"}))
    return out


def _variable_expectations(spec: Spec, v: Variable) -> list[Expectation]:
    meta = {"spec": f"variables/{v.dataset}.csv {v.name}"}
    out = []
    if v.mandatory:
        out.append(Expectation("ExpectColumnValuesToNotBeNull", {"column": v.name},
                               {**meta, "rule": "SD0002", "expects": f"{v.name} populated (Mandatory)"}))
    terms = sorted(spec.codelist(v.codelist).values) if v.codelist and not v.numeric else []
    if terms:
        out.append(Expectation("ExpectColumnValuesToBeInSet", {"column": v.name, "value_set": terms},
                               {**meta, "codelist": v.codelist, "rule": "SD0037",
                                "expects": f"{v.name} a term of codelist {v.codelist}"}))
    # A value in a codelist whose terms all fit the length fits too: no second expectation (each costs ~5 ms).
    if v.length and not v.numeric and not (terms and max(len(t.encode()) for t in terms) <= v.length):
        out.append(Expectation("ExpectColumnValueLengthsToBeBetween",
                               {"column": v.name, "min_value": 1, "max_value": v.length}, {**meta, "rule": "CCV-0002",
                                "expects": f"{v.name} at most {v.length} characters (Length)"}))
    if v.data_type in DATE_TYPES:
        out.append(Expectation("ExpectColumnValuesToMatchRegex", {"column": v.name, "regex": ISO_DATETIME},
                               {**meta, "rule": "SD0003", "expects": f"{v.name} an ISO 8601 date/time"}))
    if v.data_type == "durationDatetime":
        out.append(Expectation("ExpectColumnValuesToMatchRegex", {"column": v.name, "regex": ISO_DURATION},
                               {**meta, "rule": "SD1011", "expects": f"{v.name} an ISO 8601 duration"}))
    if v.name.endswith("DY") and v.numeric and v.method == "MT.STUDYDAY":
        out.append(Expectation("ExpectColumnValuesToNotBeInSet", {"column": v.name, "value_set": [0]},
                               {**meta, "rule": "SD0038", "expects": f"{v.name} never 0 (there is no study day 0)"}))
    return out
