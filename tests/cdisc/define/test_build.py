"""define.xml: built from the spec plus data, valid against the Define-XML 2.1 XSD, deterministic."""
import numpy as np
import pandas as pd
import pytest
from lxml import etree

from cdisc.define import build_define, validate_define, write_define
from cdisc.define.build import _decimals, text_length, value_level_values
from cdisc.spec.load import load_spec
from tests.cdisc.spec.test_check import CODELISTS, DATASETS, METHODS, VARIABLES, make_spec

NS = {"odm": "http://www.cdisc.org/ns/odm/v1.3", "def": "http://www.cdisc.org/ns/def/v2.1"}
VALUE_LEVEL = ("Order,Dataset,Variable,Where Clause,DataType,Length,Significant Digits,Format,Mandatory,Codelist,"
               "Origin,Source,Pages,Method,Predecessor,Comment\n"
               "1,DM,SEX,WC.DM.SEX.F,text,,,,Yes,SEX,Collected,Investigator,,,,\n")
WHERE = "ID,Dataset,Variable,Comparator,Value\nWC.DM.SEX.F,DM,SEX,EQ,F\n"
DATA = {"DM": pd.DataFrame({"STUDYID": ["XX1", "XX1"], "USUBJID": ["XX1-001", "XX1-0002"], "SEX": ["F", "M"]})}


def built_spec(tmp_path, **sheets):
    """The tiny DM spec with value-level metadata and a document (plus `sheets`)."""
    return make_spec(tmp_path, **{"value_level": VALUE_LEVEL, "where_clauses": WHERE, "datasets": DATASETS,
                                  "variables": VARIABLES, "codelists": CODELISTS, "methods": METHODS,
                                  "documents": "ID,Title,Href\nCSDRG,Reviewer's Guide,csdrg.pdf\n", **sheets})


def built(tmp_path):
    spec = load_spec(built_spec(tmp_path))
    path = tmp_path / "define.xml"
    write_define(build_define(spec, DATA), path)
    return path


def test_define_is_valid_against_the_define_2_1_schema(tmp_path):
    assert validate_define(built(tmp_path)) == []


def test_define_carries_spec_and_data_attributes(tmp_path):
    """Keys, methods, actual lengths, NCI aliases and value-level where clauses all come through."""
    doc = etree.parse(str(built(tmp_path)))
    ref = doc.find(".//odm:ItemGroupDef[@OID='IG.DM']/odm:ItemRef[@ItemOID='IT.DM.USUBJID']", NS)
    assert (ref.get("KeySequence"), ref.get("MethodOID"), ref.get("Role")) == ("2", "MT.USUBJID", "Identifier")
    assert doc.find(".//odm:ItemDef[@OID='IT.DM.USUBJID']", NS).get("Length") == "8"
    assert doc.find(".//odm:CodeList[@OID='CL.SEX']/odm:Alias", NS).get("Name") == "C66731"
    assert doc.find(".//def:WhereClauseDef[@OID='WC.DM.SEX.F']/odm:RangeCheck/odm:CheckValue", NS).text == "F"
    assert doc.find(".//odm:ItemDef[@OID='IT.DM.SEX.DM.SEX.F']", NS).get("Length") == "1"
    assert doc.getroot().get("CreationDateTime") == "2026-06-30T00:00:00"


def test_define_is_byte_identical_across_builds(tmp_path):
    a = built(tmp_path / "a" if (tmp_path / "a").mkdir() is None else tmp_path).read_bytes()
    b = built(tmp_path / "b" if (tmp_path / "b").mkdir() is None else tmp_path).read_bytes()
    assert a == b


def test_define_names_an_external_dictionary_with_its_version(tmp_path):
    """A MedDRA-coded variable references a CodeList holding def:ExternalCodeList Dictionary="MedDRA" and the
    version of study.toml, and the document stays valid against the XSD."""
    root = make_spec(tmp_path, datasets=DATASETS, codelists=CODELISTS, methods=METHODS,
                     dictionaries="ID,Name,Data Type,Dictionary,Version\nMEDDRA,MedDRA term,text,MedDRA,\n",
                     variables=VARIABLES + "4,DM,DXDECOD,Dictionary-Derived Term,text,40,,,No,Perm,MEDDRA,"
                                           "Assigned,Sponsor,,,,Synonym Qualifier,\n")
    (root / "study.toml").write_text((root / "study.toml").read_text() + 'meddra_version = "27.0"\n')
    path = tmp_path / "define.xml"
    write_define(build_define(load_spec(root), {"DM": DATA["DM"].assign(DXDECOD=["Pyrexia", "Nausea"])}), path)
    doc = etree.parse(str(path))
    assert doc.find(".//odm:ItemDef[@OID='IT.DM.DXDECOD']/odm:CodeListRef", NS).get("CodeListOID") == "CL.MEDDRA"
    external = doc.find(".//odm:CodeList[@OID='CL.MEDDRA']/odm:ExternalCodeList", NS)
    assert (external.get("Dictionary"), external.get("Version")) == ("MedDRA", "27.0")
    assert doc.findall(".//odm:CodeList[@OID='CL.MEDDRA']/odm:CodeListItem", NS) == []
    assert validate_define(path) == []


def test_validate_define_reports_schema_errors(tmp_path):
    path = built(tmp_path)
    path.write_text(path.read_text().replace('Repeating="No"', 'Repeating="Maybe"'))
    issues = validate_define(path)
    assert issues and issues[0].code == "CCV-0005" and "Repeating" in issues[0].message


def test_define_html_is_rendered_beside_define_xml(tmp_path):
    """define.html is the define2-1.xsl rendering: dataset table with its link to the XPT, variables, the codelist,
    the methods and the reviewer's guide link."""
    html = built(tmp_path).with_name("define.html").read_text("utf-8")
    assert html.startswith("<!DOCTYPE html")
    for text in ('href="dm.xpt"', 'id="IG.IG.DM"', 'id="IG.DM.IT.DM.SEX"', 'href="#CL.CL.SEX"', 'id="MT.MT.USUBJID"',
                 "Reviewer's Guide", 'href="csdrg.pdf"'):
        assert text in html, text


@pytest.mark.parametrize(("values", "length"), [
    (pd.Series(["AB", "héllo"]), 6),                          # é is 2 bytes in UTF-8
    (pd.Series(["日本"], dtype="string[python]"), 6),
    (pd.Series(["", ""]), 1),                                 # at least 1
    (pd.Series([], dtype=object), 1),
    (pd.Series(["AB", None], dtype="str"), 3),                # a missing value as str writes it: "nan"
    (pd.Series(["AB", None], dtype=object), 4),               # "None"
    (pd.Series(["WXYZ", pd.NA], dtype="string[pyarrow]"), 4),
    (pd.Series(["AB", pd.NA], dtype="string[pyarrow]"), 4),      # "<NA>"
    (pd.Series(["AB", "日本語"], dtype="str"), 9),                 # Arrow-backed: bytes, not characters
    (pd.Series(["AB", "xyzw"], dtype="str").iloc[1:], 4),        # a slice: the values it holds
    (pd.Series(["ABCDE", "x"], dtype="str").iloc[1:], 1),
    (pd.Series([], dtype="str"), 1),
    (pd.Series([1.5, 10.25]), 5),                             # numbers as written: "10.25"
    (pd.Series(["A", 3, np.nan], dtype=object), 3),           # mixed: "A", "3", "nan"
    (pd.Series([1, 1.0, True], dtype=object), 4),             # equal values written differently: "1", "1.0", "True"
])
def test_text_length_is_the_longest_written_value_in_bytes(values, length) -> None:
    """The Length of a text item is its longest value in UTF-8 bytes, each value written by str (Define-XML 2.1
    ItemDef/@Length; SAS XPT v5 column width in bytes)."""
    assert text_length(values) == length


def test_value_level_values_are_the_rows_meeting_the_where_clause_compared_as_text(tmp_path):
    """Each value-level item gets its variable in the rows meeting every condition, in the spec's order; EQ/IN and
    NE/NOTIN on the same condition variable; a number is compared as `str` writes it (3.0 is "3.0", not "3")."""
    value_level = VALUE_LEVEL + ("2,DM,USUBJID,WC.DM.SEX.NOTF,text,,,,Yes,,Collected,Investigator,,,,\n"
                                 "3,DM,STUDYID,WC.DM.ARMN.1,text,,,,Yes,,Assigned,Sponsor,,,,\n")
    where = WHERE + "WC.DM.SEX.NOTF,DM,SEX,NE,F\nWC.DM.ARMN.1,DM,ARMN,IN,1.0|3\nWC.DM.ARMN.1,DM,SEX,EQ,M\n"
    spec = load_spec(built_spec(tmp_path, value_level=value_level, where_clauses=where))
    dm = pd.DataFrame({"STUDYID": ["A", "B", "C", "D"], "USUBJID": ["1", "2", "3", "4"], "SEX": ["F", "M", "M", "F"],
                       "ARMN": [1.0, 1.0, 3.0, 2.0]})
    assert [(vl.variable, values.tolist()) for vl, values in zip(spec.value_level, value_level_values(
        spec, {"DM": dm}), strict=True)] == [("SEX", ["F", "F"]), ("USUBJID", ["2", "3"]), ("STUDYID", ["B"])]


def test_significant_digits_are_the_most_decimals_of_the_values_written_with_ten():
    """1.25 has 2 decimals, 2.0 none; 1/3 written with 10 is 0.3333333333, 10, even after 3,000 values of one
    decimal (past the first few thousand looked at); 0.1 + 0.2 is 0.3000000000, 1; no number gives 0."""
    assert _decimals(pd.Series([1.25, 2.0, np.nan])) == 2
    assert _decimals(pd.Series([0.5 + n for n in range(3000)] + [1 / 3])) == 10
    assert _decimals(pd.Series([0.1 + 0.2])) == 1
    assert _decimals(pd.Series([np.nan])) == 0
    assert _decimals(pd.Series([], dtype=float)) == 0
