"""Build Define-XML 2.1 from a `Spec` and the finalized datasets.

Pure function of its inputs: OIDs are derived from names (`IG.AE`, `IT.AE.AESEV`, `CL.AESEV`,
`MT.<method id>`, `WC.<where clause id>`), CreationDateTime is the data cut, so the bytes are stable.
Lengths of text items are the longest actual value (as in the XPT files); SignificantDigits of float items
the spec's, or when the spec leaves the cell blank the most decimals found; a codelist marked `Subset` lists only
the terms the data use. An ADaM spec with analysis results adds Analysis Results Metadata 1.0 (`arm:` namespace,
OIDs as the spec gives them).
"""
from __future__ import annotations

import shutil
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from lxml import etree

from cdisc.define.html import STYLESHEET, write_define_html
from cdisc.distinct import distinct_column, distinct_rows, distinct_values
from cdisc.spec.model import Codelist, Spec, ValueLevel, Variable

ODM = "http://www.cdisc.org/ns/odm/v1.3"
DEF = "http://www.cdisc.org/ns/def/v2.1"
XLINK = "http://www.w3.org/1999/xlink"
ARM = "http://www.cdisc.org/ns/arm/v1.0"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
NSMAP = {None: ODM, "def": DEF, "xlink": XLINK}
STD_IG, STD_CT = "STD.1", "STD.2"
NO_LENGTH = frozenset({"date", "datetime", "time", "partialDate", "partialTime", "partialDatetime",
                       "incompleteDatetime", "durationDatetime"})
PURPOSE = {"SDTMIG": "Tabulation", "ADaMIG": "Analysis"}
ACRF = "acrf"  # the document that a variable's Pages cite: the annotated CRF


def _o(tag: str) -> str:
    return f"{{{ODM}}}{tag}"


def _d(tag: str) -> str:
    return f"{{{DEF}}}{tag}"


def _a(tag: str) -> str:
    return f"{{{ARM}}}{tag}"


def _el(parent: etree._Element, tag: str, attrs: dict[str, str] | None = None,
        text: str | None = None) -> etree._Element:
    e = etree.SubElement(parent, tag, {k: v for k, v in (attrs or {}).items() if v not in (None, "")})
    if text is not None:
        e.text = text
    return e


def _description(parent: etree._Element, text: str, tag: str = "Description") -> None:
    if text:
        _el(_el(parent, _o(tag)), _o("TranslatedText"), {XML_LANG: "en"}, text)


def _document_ref(parent: etree._Element, document: str, pages: str) -> None:
    """def:DocumentRef to a supplemental document (and its pages) that a method or comment cites."""
    if document:
        ref = _el(parent, _d("DocumentRef"), {"leafID": f"LF.{document}"})
        if pages:
            _el(ref, _d("PDFPageRef"), {"PageRefs": pages, "Type": "PhysicalRef"})


def study_oid(spec: Spec) -> str:
    return f"STDY.{spec.study.studyid}"


def metadata_version_oid(spec: Spec) -> str:
    return f"MDV.{spec.study.studyid}.{spec.standard}.{spec.standard_version}"


def build_define(spec: Spec, data: dict[str, pd.DataFrame]) -> etree._ElementTree:
    """The define.xml document for every dataset of `spec` (all of which must be in `data`)."""
    study = spec.study
    root = etree.Element(_o("ODM"), {
        "ODMVersion": "1.3.2", "FileType": "Snapshot",
        "FileOID": f"{study.studyid}.{spec.standard}.define", "CreationDateTime": f"{study.data_cut}T00:00:00",
        "Originator": study.sponsor, "SourceSystem": "cdisc-converter", _d("Context"): "Submission",
    }, nsmap={**NSMAP, "arm": ARM} if spec.analysis_results else NSMAP)
    st = _el(root, _o("Study"), {"OID": study_oid(spec)})
    gv = _el(st, _o("GlobalVariables"))
    _el(gv, _o("StudyName"), text=study.name)
    _el(gv, _o("StudyDescription"), text=study.description)
    _el(gv, _o("ProtocolName"), text=study.protocol)
    mdv = _el(st, _o("MetaDataVersion"), {
        "OID": metadata_version_oid(spec),
        "Name": f"{study.studyid} {spec.standard} {spec.standard_version}",
        "Description": f"Data definitions for the {study.studyid} {spec.standard} {spec.standard_version} datasets",
        _d("DefineVersion"): "2.1.0",
    })
    _standards(mdv, spec)
    if spec.documents:
        sup = _el(mdv, _d("SupplementalDoc"))
        for doc in spec.documents:
            _el(sup, _d("DocumentRef"), {"leafID": f"LF.{doc.id}"})
    _value_lists(mdv, spec)
    _where_clauses(mdv, spec)
    for ds in spec.datasets:
        _item_group(mdv, spec, ds)
    for ds in spec.datasets:
        for v in spec.variables_of(ds.name):
            _item_def(mdv, spec, v, data[ds.name][v.name])
    value_level = value_level_values(spec, data)
    for vl, values in zip(spec.value_level, value_level, strict=True):
        _value_item_def(mdv, spec, vl, values)
    used = used_terms(spec, data, value_level)
    for cl in spec.codelists:
        _codelist(mdv, cl, used.get(cl.id, set()))
    for m in spec.methods:
        me = _el(mdv, _o("MethodDef"), {"OID": m.id, "Name": m.name, "Type": m.type})
        _description(me, m.description)
        if m.code:
            _el(me, _o("FormalExpression"), {"Context": m.context}, m.code)
        _document_ref(me, m.document, m.pages)
    for c in spec.comments:
        ce = _el(mdv, _d("CommentDef"), {"OID": c.id})
        _description(ce, c.description)
        _document_ref(ce, c.document, c.pages)
    for doc in spec.documents:
        leaf = _el(mdv, _d("leaf"), {"ID": f"LF.{doc.id}", f"{{{XLINK}}}href": doc.href})
        _el(leaf, _d("title"), text=doc.title)
    if spec.analysis_results:
        _analysis_results(mdv, spec)
    return etree.ElementTree(root)


def write_define(tree: etree._ElementTree, path: Path) -> None:
    """Write with the stylesheet processing instruction, the stylesheet (define2-1.xsl) and define.html beside it."""
    pi = etree.ProcessingInstruction("xml-stylesheet", 'type="text/xsl" href="define2-1.xsl"')
    tree.getroot().addprevious(pi)
    # (serialized here and written by Python: lxml's own write gives an OSError that names no file)
    Path(path).write_bytes(etree.tostring(tree, xml_declaration=True, encoding="UTF-8", pretty_print=True))
    shutil.copyfile(str(STYLESHEET), path.parent / "define2-1.xsl")
    write_define_html(path)


def _standards(mdv: etree._Element, spec: Spec) -> None:
    stds = _el(mdv, _d("Standards"))
    _el(stds, _d("Standard"), {"OID": STD_IG, "Name": spec.standard, "Type": "IG",
                               "Version": spec.standard_version, "Status": "Final"})
    _el(stds, _d("Standard"), {"OID": STD_CT, "Name": "CDISC/NCI", "Type": "CT",
                               "PublishingSet": "SDTM" if spec.standard == "SDTMIG" else "ADaM",
                               "Version": spec.study.ct_version, "Status": "Final"})


def _item_group(mdv: etree._Element, spec: Spec, ds) -> None:
    ig = _el(mdv, _o("ItemGroupDef"), {
        "OID": f"IG.{ds.name}", "Name": ds.name, "Domain": ds.name[4:] if ds.is_supp else ds.name[:2],
        "Repeating": "Yes" if ds.repeating else "No", "IsReferenceData": "Yes" if ds.reference_data else "No",
        "SASDatasetName": ds.name, "Purpose": PURPOSE[spec.standard], _d("Structure"): ds.structure,
        _d("StandardOID"): STD_IG, _d("ArchiveLocationID"): f"LF.{ds.name}", _d("CommentOID"): ds.comment,
    })
    if spec.standard == "ADaMIG" or ds.name == "RELREC":
        del ig.attrib["Domain"]
    _description(ig, ds.label)
    for v in spec.variables_of(ds.name):
        attrs = {"ItemOID": f"IT.{ds.name}.{v.name}", "OrderNumber": str(v.order),
                 "Mandatory": "Yes" if v.mandatory else "No", "MethodOID": v.method}
        if v.name in ds.keys:
            attrs["KeySequence"] = str(ds.keys.index(v.name) + 1)
        if spec.standard == "SDTMIG" and v.role:
            attrs["Role"] = v.role
        _el(ig, _o("ItemRef"), attrs)
    _el(ig, _d("Class"), {"Name": ds.cls})
    leaf = _el(ig, _d("leaf"), {"ID": f"LF.{ds.name}", f"{{{XLINK}}}href": f"{ds.name.lower()}.xpt"})
    _el(leaf, _d("title"), text=f"{ds.name.lower()}.xpt")


def text_length(values: pd.Series) -> int:
    """The written length of a character variable: its longest value in bytes (at least 1), each value as `str`
    writes it (a missing one too: NaN is "nan"). Text is measured by Arrow (UTF-8 byte lengths): Arrow-backed text
    as it is, Python text once per distinct value (`distinct_values`, worked out once per column for every reader;
    100,000 distinct dates one by one in Python took 0.1 s); anything else value by value, since equal values of
    other types can be written differently (1 == 1.0)."""
    if isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow":
        return _longest(values.array.__arrow_array__(), [values.dtype.na_value] if values.hasnans else [])
    distinct = distinct_values(values)
    if pd.api.types.infer_dtype(distinct, skipna=True) != "string":
        return max([len(str(x).encode()) for x in values] + [1])
    missing = pd.isna(distinct)
    return _longest(pa.array(distinct[~missing], type=pa.string()), distinct[missing])


def _longest(text: pa.Array | pa.ChunkedArray, missing: Iterable[object]) -> int:
    """The most UTF-8 bytes of `text`'s values (Arrow; its nulls count for nothing) and of each `missing` value as
    `str` writes it, at least 1."""
    return max([pc.max(pc.binary_length(text)).as_py() or 0, 1] + [len(str(x)) for x in missing])


def _lengths(data_type: str, values: pd.Series, significant_digits: int | None = None) -> dict[str, str]:
    """Length and SignificantDigits of an item. Length is the written width: the longest value of a text item (the
    XPT column width; a spec Length is the maximum allowed, checked by the suites), 8 for a number. A float's
    SignificantDigits is the spec's, or when the spec leaves it blank the most decimals of the values."""
    if data_type in NO_LENGTH:
        return {}
    if data_type == "text":
        return {"Length": str(text_length(values))}
    # value-level numbers held in a character variable (e.g. --ORRES where --TESTCD = SYSBP): as wide as their text
    numeric = pd.api.types.is_numeric_dtype(values)
    width = 8 if numeric else text_length(values)
    if data_type == "integer":
        return {"Length": str(width)}
    if significant_digits is None:
        significant_digits = _decimals(values if numeric else pd.to_numeric(values.replace("", None), errors="coerce"))
    return {"Length": str(width), "SignificantDigits": str(significant_digits)}


MOST_DECIMALS = 10  # a number's decimals are counted as it is written with this many
DECIMALS_CHUNK = 2000  # distinct numbers written at a time, until one has MOST_DECIMALS


def _decimals(numbers: pd.Series) -> int:
    """The most decimals of the numbers (written with up to 10), each distinct number once, a few thousand at a time
    until one has 10 (a derived percent change has them at once, among 145,000 distinct values); 0 when there are
    none."""
    distinct = numbers.unique()
    distinct = distinct[~pd.isna(distinct)]
    most = 0
    for start in range(0, len(distinct), DECIMALS_CHUNK):
        most = max([most] + [len(f"{x:.{MOST_DECIMALS}f}".rstrip("0").split(".")[1])
                             for x in distinct[start:start + DECIMALS_CHUNK]])
        if most == MOST_DECIMALS:
            break
    return most


def _origin(parent: etree._Element, origin: str, source: str, predecessor: str, pages: str) -> None:
    """def:Origin; `pages` are pages of the annotated CRF, the spec document with ID `acrf` (ACRF)."""
    if not origin:
        return
    o = _el(parent, _d("Origin"), {"Type": origin, "Source": source if origin != "Predecessor" else ""})
    if origin == "Predecessor":
        _description(o, predecessor)
    _document_ref(o, ACRF if pages else "", pages)


def _item_def(mdv: etree._Element, spec: Spec, v: Variable, values: pd.Series) -> None:
    it = _el(mdv, _o("ItemDef"), {"OID": f"IT.{v.dataset}.{v.name}", "Name": v.name, "DataType": v.data_type,
                                  **_lengths(v.data_type, values, v.significant_digits), "SASFieldName": v.name,
                                  _d("DisplayFormat"): v.display_format, _d("CommentOID"): v.comment})
    _description(it, v.label)
    if v.codelist:
        _el(it, _o("CodeListRef"), {"CodeListOID": f"CL.{v.codelist}"})
    _origin(it, v.origin, v.source, v.predecessor, v.pages)
    if any(vl.dataset == v.dataset and vl.variable == v.name for vl in spec.value_level):
        _el(it, _d("ValueListRef"), {"ValueListOID": f"VL.{v.dataset}.{v.name}"})


def _value_oid(vl: ValueLevel) -> str:
    return f"IT.{vl.dataset}.{vl.variable}.{vl.where_clause.removeprefix('WC.')}"


def _value_item_def(mdv: etree._Element, spec: Spec, vl: ValueLevel, values: pd.Series) -> None:
    it = _el(mdv, _o("ItemDef"), {"OID": _value_oid(vl), "Name": vl.variable, "DataType": vl.data_type,
                                  **_lengths(vl.data_type, values, vl.significant_digits),
                                  "SASFieldName": vl.variable,
                                  _d("DisplayFormat"): vl.display_format, _d("CommentOID"): vl.comment})
    if vl.codelist:
        _el(it, _o("CodeListRef"), {"CodeListOID": f"CL.{vl.codelist}"})
    _origin(it, vl.origin, vl.source, vl.predecessor, vl.pages)


def _value_lists(mdv: etree._Element, spec: Spec) -> None:
    groups: dict[tuple[str, str], list[ValueLevel]] = {}
    for vl in spec.value_level:
        groups.setdefault((vl.dataset, vl.variable), []).append(vl)
    for (dataset, variable), rows in groups.items():
        vld = _el(mdv, _d("ValueListDef"), {"OID": f"VL.{dataset}.{variable}"})
        for n, vl in enumerate(sorted(rows, key=lambda r: r.order), start=1):
            ref = _el(vld, _o("ItemRef"), {"ItemOID": _value_oid(vl), "OrderNumber": str(n),
                                           "Mandatory": "Yes" if vl.mandatory else "No", "MethodOID": vl.method})
            _el(ref, _d("WhereClauseRef"), {"WhereClauseOID": vl.where_clause})


def _where_clauses(mdv: etree._Element, spec: Spec) -> None:
    for wid in dict.fromkeys(w.id for w in spec.where_clauses):
        wc = _el(mdv, _d("WhereClauseDef"), {"OID": wid})
        for w in spec.where(wid):
            rc = _el(wc, _o("RangeCheck"), {"Comparator": w.comparator, "SoftHard": "Soft",
                                            _d("ItemOID"): f"IT.{w.dataset}.{w.variable}"})
            for value in w.values:
                _el(rc, _o("CheckValue"), text=value)


def value_level_values(spec: Spec, data: dict[str, pd.DataFrame]) -> list[pd.Series]:
    """The values of each value-level item of `spec` (in its order): its variable in the rows of its dataset meeting
    every condition of its where clause (EQ, NE, IN, NOTIN), each value compared as text (as `astype(str)` writes
    it: 1.0 is "1.0"). A condition variable's distinct values are written as text once for all the items."""
    texts = {key: _distinct_text(data[key[0]][key[1]]) for key in dict.fromkeys(
        (vl.dataset, w.variable) for vl in spec.value_level for w in spec.where(vl.where_clause))}
    found = []
    for vl in spec.value_level:
        mask = np.ones(len(data[vl.dataset]), bool)
        for w in spec.where(vl.where_clause):
            codes, text = texts[vl.dataset, w.variable]
            inside = text.isin(w.values).to_numpy()[codes]
            mask &= inside if w.comparator in ("EQ", "IN") else ~inside
        found.append(data[vl.dataset][vl.variable][mask])
    return found


def _distinct_text(values: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """Each row's code and the distinct values as text (`values` is `text.iloc[codes]`, written as text)."""
    codes, first = distinct_rows(values)
    return codes, values.iloc[first].astype(str)


def _analysis_results(mdv: etree._Element, spec: Spec) -> None:
    """Analysis Results Metadata 1.0: each display with its results, each result with the datasets it reads
    (where clause, analysis variables), its documentation and programming code."""
    displays = _el(mdv, _a("AnalysisResultDisplays"))
    for d in spec.analysis_displays:
        rd = _el(displays, _a("ResultDisplay"), {"OID": d.id, "Name": d.name})
        _description(rd, d.title)
        _document_ref(rd, d.document, d.pages)
        for r in spec.results_of(d.id):
            ar = _el(rd, _a("AnalysisResult"), {
                "OID": r.id, "ParameterOID": f"IT.{r.parameter}" if r.parameter else "",
                "AnalysisReason": r.reason, "AnalysisPurpose": r.purpose})
            _description(ar, r.description)
            read = _el(ar, _a("AnalysisDatasets"), {_d("CommentOID"): r.join_comment})
            for ad in spec.analysis_datasets_of(r.id):
                ds = _el(read, _a("AnalysisDataset"), {"ItemGroupOID": f"IG.{ad.dataset}"})
                if ad.where_clause:
                    _el(ds, _d("WhereClauseRef"), {"WhereClauseOID": ad.where_clause})
                for name in ad.variables:
                    _el(ds, _a("AnalysisVariable"), {"ItemOID": f"IT.{ad.dataset}.{name}"})
            if r.documentation or r.document:
                doc = _el(ar, _a("Documentation"))
                _description(doc, r.documentation)
                _document_ref(doc, r.document, r.pages)
            if r.code or r.code_document:
                code = _el(ar, _a("ProgrammingCode"), {"Context": r.context})
                if r.code:
                    _el(code, _a("Code"), text=r.code)
                _document_ref(code, r.code_document, "")


def used_terms(spec: Spec, data: dict[str, pd.DataFrame], value_level: list[pd.Series]) -> dict[str, set[str]]:
    """Codelist id -> the values the data hold in the variables and value-level items that use the codelist
    (`value_level`: each value-level item's values, from `value_level_values`)."""
    used: dict[str, set[str]] = {}
    for v in spec.variables:
        if v.codelist:
            used.setdefault(v.codelist, set()).update(_as_terms(data[v.dataset][v.name]))
    for vl, values in zip(spec.value_level, value_level, strict=True):
        if vl.codelist:
            used.setdefault(vl.codelist, set()).update(_as_terms(values))
    return used


def _as_terms(values: pd.Series) -> set[str]:
    """Values as codelist terms: numbers without a trailing '.0' (TRTN term '1' is the number 1.0)."""
    present = distinct_column(values).dropna()  # missing values dropped
    if pd.api.types.is_numeric_dtype(present):
        return {str(int(x)) if float(x).is_integer() else str(x) for x in present}
    return {str(x) for x in present if str(x) != ""}


def _codelist(mdv: etree._Element, cl: Codelist, used: set[str]) -> None:
    """A codelist with all its terms, or for a subset codelist the terms in `used` (values the data hold); a subset
    codelist whose variables hold none of its terms (datasets without records) lists every term, as a CodeList must list
    at least one."""
    ce = _el(mdv, _o("CodeList"), {"OID": f"CL.{cl.id}", "Name": cl.name, "DataType": cl.data_type,
                                   _d("StandardOID"): STD_CT if cl.nci_code else ""})
    if cl.external:  # a dictionary such as MedDRA: named with its version, terms not listed
        _el(ce, _o("ExternalCodeList"), {"Dictionary": cl.dictionary, "Version": cl.version})
        return
    decoded = any(t.decoded for t in cl.terms)
    subset = [t for t in cl.terms if t.term in used] if cl.subset else []
    terms = subset or cl.terms
    for n, t in enumerate(sorted(terms, key=lambda t: (t.order or 0, t.term)), start=1):
        attrs = {"CodedValue": t.term, "OrderNumber": str(t.order or n)}
        if cl.nci_code and not t.nci_code:
            attrs[_d("ExtendedValue")] = "Yes"
        item = _el(ce, _o("CodeListItem" if decoded else "EnumeratedItem"), attrs)
        if decoded:
            _description(item, t.decoded or t.term, tag="Decode")
        if t.nci_code:
            _el(item, _o("Alias"), {"Context": "nci:ExtCodeID", "Name": t.nci_code})
    if cl.nci_code:
        _el(ce, _o("Alias"), {"Context": "nci:ExtCodeID", "Name": cl.nci_code})
