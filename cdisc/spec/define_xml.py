"""Read a Define-XML 2.0 or 2.1 document into a `Spec`: the loader behind `cdisc spec from-define` and behind
`cdisc validate`, which takes a package's own define.xml as its metadata.

The XML is parsed with entity resolution, DTD loading and network access off. OIDs become the spec's ids with
their conventional prefix removed where the spec keeps none (`CL.SEX` -> codelist `SEX`); method, comment and
where-clause OIDs are kept whole, as are the OIDs of Analysis Results Metadata 1.0 (read when present).
Lengths, significant digits and display formats are taken as declared.
"""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from lxml import etree
from pydantic import ValidationError

from cdisc.errors import SpecError
from cdisc.failure import first_invalid
from cdisc.safexml import SAFE_PARSER
from cdisc.spec.model import (
    AnalysisDataset,
    AnalysisDisplay,
    AnalysisResult,
    Codelist,
    Comment,
    Dataset,
    Document,
    Method,
    Spec,
    Study,
    Term,
    ValueLevel,
    Variable,
    WhereCondition,
)

ODM = "http://www.cdisc.org/ns/odm/v1.3"
DEF = "http://www.cdisc.org/ns/def/"
DEF20, DEF21 = f"{DEF}v2.0", f"{DEF}v2.1"
XLINK = "http://www.w3.org/1999/xlink"
ARM = "http://www.cdisc.org/ns/arm/v1.0"
DIGITS = re.compile(r"[0-9]+")
STANDARD_NAMES = {"SDTMIG": "SDTMIG", "SDTM-IG": "SDTMIG", "ADAMIG": "ADaMIG", "ADAM-IG": "ADaMIG"}


def load_define(path: Path) -> Spec:
    """The `Spec` a define.xml describes. Raises `SpecError` (naming the file) when it is not Define-XML."""
    try:
        root = etree.parse(str(path), SAFE_PARSER).getroot()
    except (OSError, etree.XMLSyntaxError) as exc:
        raise SpecError(f"{path.name}: not a readable XML document ({exc})") from None
    mdv = root.find(f"{{{ODM}}}Study/{{{ODM}}}MetaDataVersion")
    if root.tag != f"{{{ODM}}}ODM" or mdv is None:
        raise SpecError(f"{path.name}: not a Define-XML document (no ODM/Study/MetaDataVersion)")
    if unknown := sorted(ns for ns in root.nsmap.values() if ns and ns.startswith(DEF) and ns not in (DEF20, DEF21)):
        raise SpecError(f"{path.name}: namespace {unknown[0]} is not Define-XML 2.0 or 2.1 (every def: attribute "
                        "would be lost)")
    try:
        return _Reader(root, mdv, DEF21 if DEF21 in root.nsmap.values() else DEF20, path.name).spec()
    except _Unreadable as exc:
        raise SpecError(f"{path.name}: {exc}") from None
    except ValidationError as exc:  # an element without an attribute Define-XML requires (an ItemDef's Name)
        raise SpecError(f"{path.name}: not a Define-XML document the converter can read: {exc.title} "
                        f"{first_invalid(exc)} (an element lacks a required attribute?)") from None


class _Unreadable(ValueError):
    """An attribute or reference of the document that cannot be read as Define-XML says (the message names it)."""


class _Reader:
    def __init__(self, root: etree._Element, mdv: etree._Element, def_ns: str, name: str) -> None:
        self.root, self.mdv, self.d, self.name = root, mdv, def_ns, name
        self.items = {e.get("OID"): e for e in self._all("ItemDef")}
        self.item_dataset = {r.get("ItemOID"): g.get("Name") for g in self._all("ItemGroupDef")
                             for r in self._all("ItemRef", parent=g)}

    def _all(self, tag: str, ns: str = ODM, parent: etree._Element | None = None) -> list[etree._Element]:
        return (self.mdv if parent is None else parent).findall(f"{{{ns}}}{tag}")

    def _attr(self, e: etree._Element, name: str) -> str:
        return e.get(f"{{{self.d}}}{name}", "")

    def spec(self) -> Spec:
        standard, version, ct = self._standard()
        datasets = self._all("ItemGroupDef")
        return Spec(study=self._study(standard, version, ct), standard=standard, standard_version=version,
                    datasets=tuple(self._dataset(g) for g in datasets),
                    variables=tuple(v for g in datasets for v in self._variables(g)),
                    value_level=tuple(self._value_level(datasets)),
                    where_clauses=tuple(self._where_clauses()),
                    codelists=tuple(self._codelist(c) for c in self._all("CodeList")),
                    methods=tuple(self._method(m) for m in self._all("MethodDef")),
                    comments=tuple(Comment(id=c.get("OID"), description=_text(c),
                                           **self._doc_ref(c)) for c in self._all("CommentDef", self.d)),
                    documents=tuple(self._documents()), **self._analysis_results())

    def _standard(self) -> tuple[str, str, str]:
        """(IG name, IG version, CT version): def:Standards in 2.1, MetaDataVersion attributes in 2.0."""
        found = self.mdv.find(f"{{{self.d}}}Standards")
        if found is not None:
            stds = found.findall(f"{{{self.d}}}Standard")
            ig = next((s for s in stds if s.get("Type") == "IG"), None)
            ct = next((s.get("Version", "") for s in stds if s.get("Type") == "CT"), "")
            name, version = (ig.get("Name", ""), ig.get("Version", "")) if ig is not None else ("", "")
        else:
            name, version, ct = self._attr(self.mdv, "StandardName"), self._attr(self.mdv, "StandardVersion"), ""
        standard = STANDARD_NAMES.get(name.upper().replace(" ", ""))
        if standard is None:
            standard = "ADaMIG" if "ADAM" in name.upper() else "SDTMIG"
        return standard, version, ct

    def _study(self, standard: str, version: str, ct: str) -> Study:
        gv = self.root.find(f"{{{ODM}}}Study/{{{ODM}}}GlobalVariables")

        def glob(tag: str) -> str:
            e = gv.find(f"{{{ODM}}}{tag}") if gv is not None else None
            return (e.text or "").strip() if e is not None else ""

        created = self.root.get("CreationDateTime", "")[:10]
        try:
            data_cut = dt.date.fromisoformat(created) if created else dt.date(1960, 1, 1)
        except ValueError:
            raise _Unreadable(f"CreationDateTime {self.root.get('CreationDateTime')!r} is not an ISO 8601 "
                              "datetime") from None
        versions = {"sdtmig": version if standard == "SDTMIG" else "", "sdtm": ""}
        if standard == "ADaMIG":
            versions["adamig"] = version
        return Study(studyid=glob("StudyName") or self.root.find(f"{{{ODM}}}Study").get("OID", ""),
                     name=glob("StudyName"), description=glob("StudyDescription"), protocol=glob("ProtocolName"),
                     sponsor=self.root.get("Originator", ""),
                     data_cut=data_cut,
                     ct_version=ct, **versions)

    def _dataset(self, g: etree._Element) -> Dataset:
        keys = sorted((_int(r.get("KeySequence"), f"KeySequence of {r.get('ItemOID')}"),
                       self._item_name(r.get("ItemOID")))
                       for r in self._all("ItemRef", parent=g) if r.get("KeySequence"))
        cls = g.find(f"{{{self.d}}}Class")
        return Dataset(name=g.get("Name"), label=self._attr(g, "Label") or _text(g),
                       cls=cls.get("Name", "") if cls is not None else self._attr(g, "Class"),
                       structure=self._attr(g, "Structure"), keys=tuple(k for _, k in keys),
                       repeating=g.get("Repeating") == "Yes", reference_data=g.get("IsReferenceData") == "Yes",
                       comment=self._attr(g, "CommentOID"))

    def _item_name(self, oid: str) -> str:
        item = self.items.get(oid)
        if item is None:
            raise SpecError(f"{self.name}: ItemRef to {oid}, which has no ItemDef")
        return item.get("Name")

    def _variables(self, g: etree._Element) -> list[Variable]:
        out = []
        for position, ref in enumerate(self._all("ItemRef", parent=g), start=1):
            item = self.items[ref.get("ItemOID")] if ref.get("ItemOID") in self.items else None
            if item is None:
                raise SpecError(f"{self.name}: dataset {g.get('Name')} refers to {ref.get('ItemOID')}, "
                                f"which has no ItemDef")
            order = _int(ref.get("OrderNumber"), f"OrderNumber of {ref.get('ItemOID')}", least=0) or position
            out.append(Variable(order=order, dataset=g.get("Name"),
                                name=item.get("Name"), label=_text(item), role=ref.get("Role", ""),
                                mandatory=ref.get("Mandatory") == "Yes", method=ref.get("MethodOID", ""),
                                **self._item_fields(item)))
        return out

    def _item_fields(self, item: etree._Element) -> dict:
        cl = item.find(f"{{{ODM}}}CodeListRef")
        origin = item.find(f"{{{self.d}}}Origin")
        pages = origin.find(f".//{{{self.d}}}PDFPageRef") if origin is not None else None
        oid = item.get("OID")
        return {"data_type": item.get("DataType"), "length": _int(item.get("Length"), f"Length of {oid}"),
                "significant_digits": _int(item.get("SignificantDigits"), f"SignificantDigits of {oid}", least=0),
                "display_format": self._attr(item, "DisplayFormat"),
                "codelist": _strip(cl.get("CodeListOID"), "CL.") if cl is not None else "",
                "origin": origin.get("Type", "") if origin is not None else "",
                "source": origin.get("Source", "") if origin is not None else "",
                "predecessor": _text(origin) if origin is not None and origin.get("Type") == "Predecessor" else "",
                "pages": pages.get("PageRefs", "") if pages is not None else "",
                "comment": self._attr(item, "CommentOID")}

    def _value_level(self, datasets: list[etree._Element]):
        owner = {}  # ValueListOID -> (dataset, variable)
        for g in datasets:
            for ref in self._all("ItemRef", parent=g):
                vl = self.items[ref.get("ItemOID")].find(f"{{{self.d}}}ValueListRef")
                if vl is not None:
                    owner[vl.get("ValueListOID")] = (g.get("Name"), self._item_name(ref.get("ItemOID")))
        for vld in self._all("ValueListDef", self.d):
            dataset, variable = owner.get(vld.get("OID"), ("", ""))
            for position, ref in enumerate(self._all("ItemRef", parent=vld), start=1):
                wc = ref.find(f"{{{self.d}}}WhereClauseRef")
                item = self.items.get(ref.get("ItemOID"))
                if item is None:
                    raise _Unreadable(f"value list {vld.get('OID')} refers to {ref.get('ItemOID')}, which has no "
                                      "ItemDef")
                fields = self._item_fields(item)
                order = _int(ref.get("OrderNumber"), f"OrderNumber of {ref.get('ItemOID')}", least=0) or position
                yield ValueLevel(order=order, dataset=dataset, variable=variable,
                                 where_clause=wc.get("WhereClauseOID") if wc is not None else "",
                                 mandatory=ref.get("Mandatory") == "Yes", method=ref.get("MethodOID", ""),
                                 **fields)

    def _where_clauses(self):
        for wc in self._all("WhereClauseDef", self.d):
            for rc in wc.findall(f"{{{ODM}}}RangeCheck"):
                oid = self._attr(rc, "ItemOID")
                yield WhereCondition(id=wc.get("OID"), dataset=self.item_dataset.get(oid, ""),
                                     variable=self._item_name(oid),
                                     comparator=rc.get("Comparator"),
                                     values=tuple((c.text or "") for c in rc.findall(f"{{{ODM}}}CheckValue")))

    def _codelist(self, c: etree._Element) -> Codelist:
        external = c.find(f"{{{ODM}}}ExternalCodeList")
        if external is not None:
            return Codelist(id=_strip(c.get("OID"), "CL."), name=c.get("Name", ""), nci_code="",
                            data_type=c.get("DataType", "text"), terms=(),
                            dictionary=external.get("Dictionary", ""), version=external.get("Version", ""))
        items = c.findall(f"{{{ODM}}}CodeListItem") + c.findall(f"{{{ODM}}}EnumeratedItem")
        terms = tuple(Term(term=i.get("CodedValue"), nci_code=_alias(i), decoded=_text(i, "Decode"),
                           order=_int(i.get("OrderNumber"), f"OrderNumber of a term of {c.get('OID')}", least=0))
                for i in items)
        return Codelist(id=_strip(c.get("OID"), "CL."), name=c.get("Name", ""), nci_code=_alias(c),
                        data_type=c.get("DataType", "text"), terms=terms)

    def _method(self, m: etree._Element) -> Method:
        expr = m.find(f"{{{ODM}}}FormalExpression")
        return Method(id=m.get("OID"), name=m.get("Name", ""), type=m.get("Type", ""), description=_text(m),
                      context=expr.get("Context", "") if expr is not None else "",
                      code=(expr.text or "") if expr is not None else "", **self._doc_ref(m))

    def _doc_ref(self, e: etree._Element) -> dict[str, str]:
        ref = e.find(f"{{{self.d}}}DocumentRef")
        if ref is None:
            return {}
        pages = ref.find(f"{{{self.d}}}PDFPageRef")
        return {"document": _strip(ref.get("leafID", ""), "LF."),
                "pages": pages.get("PageRefs", "") if pages is not None else ""}

    def _analysis_results(self) -> dict[str, tuple]:
        """Analysis Results Metadata 1.0 (displays, results, the datasets each reads), when the document has it."""
        displays, results, read = [], [], []
        for rd in self.mdv.iterfind(f"{{{ARM}}}AnalysisResultDisplays/{{{ARM}}}ResultDisplay"):
            displays.append(AnalysisDisplay(id=rd.get("OID"), name=rd.get("Name", ""), title=_text(rd),
                                            **self._doc_ref(rd)))
            for ar in rd.iterfind(f"{{{ARM}}}AnalysisResult"):
                results.append(self._analysis_result(rd.get("OID"), ar))
                for ds in ar.iterfind(f"{{{ARM}}}AnalysisDatasets/{{{ARM}}}AnalysisDataset"):
                    wc = ds.find(f"{{{self.d}}}WhereClauseRef")
                    read.append(AnalysisDataset(
                        result=ar.get("OID"), dataset=_strip(ds.get("ItemGroupOID", ""), "IG."),
                        variables=tuple(self._item_name(v.get("ItemOID"))
                                        for v in ds.iterfind(f"{{{ARM}}}AnalysisVariable")),
                        where_clause=wc.get("WhereClauseOID", "") if wc is not None else ""))
        return {"analysis_displays": tuple(displays), "analysis_results": tuple(results),
                "analysis_datasets": tuple(read)}

    def _analysis_result(self, display: str, ar: etree._Element) -> AnalysisResult:
        datasets = ar.find(f"{{{ARM}}}AnalysisDatasets")
        docs = ar.find(f"{{{ARM}}}Documentation")
        code = ar.find(f"{{{ARM}}}ProgrammingCode")
        parameter = ar.get("ParameterOID", "")
        return AnalysisResult(
            display=display, id=ar.get("OID"), description=_text(ar), reason=ar.get("AnalysisReason", ""),
            purpose=ar.get("AnalysisPurpose", ""),
            parameter=f"{self.item_dataset.get(parameter, '')}.{self._item_name(parameter)}" if parameter else "",
            join_comment=self._attr(datasets, "CommentOID") if datasets is not None else "",
            documentation=_text(docs) if docs is not None else "",
            **(self._doc_ref(docs) if docs is not None else {}),
            context=code.get("Context", "") if code is not None else "",
            code=(code.findtext(f"{{{ARM}}}Code") or "") if code is not None else "",
            code_document=self._doc_ref(code).get("document", "") if code is not None else "")

    def _documents(self):
        datasets = {g.get(f"{{{self.d}}}ArchiveLocationID") for g in self._all("ItemGroupDef")}
        for leaf in self._all("leaf", self.d):
            if leaf.get("ID") not in datasets:
                title = leaf.find(f"{{{self.d}}}title")
                yield Document(id=_strip(leaf.get("ID"), "LF."), title=(title.text or "") if title is not None else "",
                               href=leaf.get(f"{{{XLINK}}}href", ""))


def _text(e: etree._Element, container: str = "Description") -> str:
    """The TranslatedText of a Description (or Decode) child, stripped."""
    t = e.find(f"{{{ODM}}}{container}/{{{ODM}}}TranslatedText")
    return (t.text or "").strip() if t is not None else ""


def _alias(e: etree._Element) -> str:
    a = e.find(f"{{{ODM}}}Alias[@Context='nci:ExtCodeID']")
    return a.get("Name", "") if a is not None else ""


def _strip(oid: str, prefix: str) -> str:
    return oid[len(prefix):] if oid.startswith(prefix) else oid


def _int(value: str | None, what: str, least: int = 1) -> int | None:
    """A whole-number attribute (`what` names it) of at least `least`, None when absent. XML Schema's digits only:
    Python's int() also reads "1_0", " 1 " and other scripts' digits."""
    if value in (None, ""):
        return None
    if not DIGITS.fullmatch(value) or int(value) < least:
        raise _Unreadable(f"{what} is {value!r}, not a whole number of at least {least}")
    return int(value)
