"""Analysis Results Metadata 1.0: written once in the spec, checked there, written into define.xml (valid against
the ARM 1.0 schema, every reference resolving) and rendered in define.html."""

import pandas as pd
import pytest
from lxml import etree

from cdisc.define import build_define, validate_define, write_define
from cdisc.define.schema import define_schema
from cdisc.spec.load import load_spec
from tests.cdisc.define.test_build import DATA, WHERE, built_spec
from tests.cdisc.spec.test_check import messages
from tests.helpers import read_xpt_exact

NS = {"odm": "http://www.cdisc.org/ns/odm/v1.3", "def": "http://www.cdisc.org/ns/def/v2.1",
      "arm": "http://www.cdisc.org/ns/arm/v1.0"}
DISPLAYS = "ID,Name,Title,Document,Pages\nRD.T1,Table 1,Subjects by sex,CSDRG,\n"
RESULTS = ("Display,ID,Description,Reason,Purpose,Parameter,Join Comment,Documentation,Document,Pages,"
           "Programming Context,Programming Code,Programming Document\n"
           "RD.T1,AR.T1.F,Female subjects,SPECIFIED IN SAP,PRIMARY OUTCOME MEASURE,,,Count of SEX = F,CSDRG,,"
           "Python,\"n = (dm.SEX == 'F').sum()\",\n")
ANALYSIS_DATASETS = "Result,Dataset,Variables,Where Clause\nAR.T1.F,DM,USUBJID SEX,WC.DM.SEX.F\n"
ARM = {"analysis_displays": DISPLAYS, "analysis_results": RESULTS, "analysis_datasets": ANALYSIS_DATASETS}


def test_a_consistent_analysis_result_passes_the_spec_check(tmp_path):
    assert messages(tmp_path, where_clauses=WHERE, documents="ID,Title,Href\nCSDRG,Guide,csdrg.pdf\n", **ARM) == []


@pytest.mark.parametrize(("sheets", "expected"), [
    ({"analysis_datasets": ANALYSIS_DATASETS.replace("USUBJID SEX", "USUBJID SEXX")},
     "analysis_datasets AR.T1.F|SEXX||analysis variable is not a variable of DM"),
    ({"analysis_datasets": ANALYSIS_DATASETS.replace("WC.DM.SEX.F", "WC.DM.SEX.X")},
     "analysis_datasets AR.T1.F||WC.DM.SEX.X|where clause is not defined"),
    ({"analysis_datasets": ANALYSIS_DATASETS.replace(",DM,", ",AE,")},
     "analysis_datasets AR.T1.F||AE|dataset is not in datasets.csv"),
    ({"analysis_datasets": ANALYSIS_DATASETS.replace("AR.T1.F", "AR.T1.M")},
     "analysis_results AR.T1.F|||result reads no dataset (analysis_datasets)"),
    ({"analysis_results": RESULTS.replace("PRIMARY OUTCOME MEASURE,,", "PRIMARY OUTCOME MEASURE,DM.PARAMCD,")},
     "analysis_results AR.T1.F||DM.PARAMCD|Parameter must be DATASET.VARIABLE of a variable of a dataset the "
     "result reads"),
    ({"analysis_results": RESULTS.replace("RD.T1,AR", "RD.T2,AR")},
     "analysis_displays RD.T1|||display has no analysis result"),
    ({"analysis_results": RESULTS.replace(",CSDRG,,Python", ",LOST,,Python")},
     "analysis_results AR.T1.F||LOST|unknown document"),
])
def test_a_broken_analysis_result_reference_is_reported(tmp_path, sheets, expected):
    """Every dataset, variable, where clause, parameter and document an analysis result names must exist."""
    found = messages(tmp_path, where_clauses=WHERE, documents="ID,Title,Href\nCSDRG,Guide,csdrg.pdf\n",
                     **{**ARM, **sheets})
    assert expected in found


def test_analysis_results_are_written_as_arm_1_0(tmp_path):
    """The tiny spec's result: display, result, dataset with its where clause and variables, documentation and
    code, valid against the ARM 1.0 schema (and therefore not against plain Define-XML 2.1)."""
    spec = load_spec(built_spec(tmp_path, **ARM))
    path = tmp_path / "define.xml"
    write_define(build_define(spec, DATA), path)
    assert validate_define(path) == []
    doc = etree.parse(str(path))
    assert not define_schema(arm=False).validate(doc)
    rd = doc.find(".//arm:AnalysisResultDisplays/arm:ResultDisplay", NS)
    assert (rd.get("OID"), rd.get("Name"), rd.findtext("odm:Description/odm:TranslatedText", namespaces=NS)) == (
        "RD.T1", "Table 1", "Subjects by sex")
    ar = rd.find("arm:AnalysisResult", NS)
    assert (ar.get("OID"), ar.get("AnalysisReason"), ar.get("AnalysisPurpose"), ar.get("ParameterOID")) == (
        "AR.T1.F", "SPECIFIED IN SAP", "PRIMARY OUTCOME MEASURE", None)
    ds = ar.find("arm:AnalysisDatasets/arm:AnalysisDataset", NS)
    assert ds.get("ItemGroupOID") == "IG.DM"
    assert ds.find("def:WhereClauseRef", NS).get("WhereClauseOID") == "WC.DM.SEX.F"
    assert [v.get("ItemOID") for v in ds.findall("arm:AnalysisVariable", NS)] == ["IT.DM.USUBJID", "IT.DM.SEX"]
    assert ar.findtext("arm:Documentation/odm:Description/odm:TranslatedText", namespaces=NS) == "Count of SEX = F"
    assert ar.find("arm:Documentation/def:DocumentRef", NS).get("leafID") == "LF.CSDRG"
    assert ar.find("arm:ProgrammingCode", NS).get("Context") == "Python"
    assert ar.findtext("arm:ProgrammingCode/arm:Code", namespaces=NS) == "n = (dm.SEX == 'F').sum()"
    assert "Subjects by sex" in (tmp_path / "define.html").read_text()


def test_a_spec_without_analysis_results_writes_no_arm_namespace(tmp_path):
    spec = load_spec(built_spec(tmp_path))
    assert "arm" not in build_define(spec, DATA).getroot().nsmap


# the key IM96 results, as the ADaM spec states them: (display, result, parameter, [(dataset, where clause,
# analysis variables)])
IM96_RESULTS = [
    ("RD.T14.1.1", "AR.T14.1.1.DLT", None,
     [("IG.ADSL", "WC.ADSL.DLTEVLFL.Y", ["IT.ADSL.USUBJID", "IT.ADSL.TRT01A", "IT.ADSL.DLTEVLFL"]),
      ("IG.ADAE", "WC.ADAE.DLTFL.Y", ["IT.ADAE.USUBJID", "IT.ADAE.DLTFL"])]),
    ("RD.T14.2.1", "AR.T14.2.1.ORR", "IT.ADRS.PARAMCD",
     [("IG.ADRS", "WC.ADRS.PARAMCD.RSP.EFFFL.Y", ["IT.ADRS.TRT01A", "IT.ADRS.AVALC"])]),
    ("RD.T14.2.2", "AR.T14.2.2.PFS", "IT.ADTTE.PARAMCD",
     [("IG.ADTTE", "WC.ADTTE.PARAMCD.PFS", ["IT.ADTTE.TRT01A", "IT.ADTTE.AVAL", "IT.ADTTE.CNSR"])]),
    ("RD.T14.2.2", "AR.T14.2.2.OS", "IT.ADTTE.PARAMCD",
     [("IG.ADTTE", "WC.ADTTE.PARAMCD.OS", ["IT.ADTTE.TRT01A", "IT.ADTTE.AVAL", "IT.ADTTE.CNSR"])]),
]


def _results(doc: etree._ElementTree) -> list:
    return [(rd.get("OID"), ar.get("OID"), ar.get("ParameterOID"),
             [(ds.get("ItemGroupOID"), ds.find("def:WhereClauseRef", NS).get("WhereClauseOID"),
               [v.get("ItemOID") for v in ds.findall("arm:AnalysisVariable", NS)])
              for ds in ar.findall("arm:AnalysisDatasets/arm:AnalysisDataset", NS)])
            for rd in doc.findall(".//arm:ResultDisplay", NS) for ar in rd.findall("arm:AnalysisResult", NS)]


def test_im96_adam_define_has_the_key_results_and_validates_against_arm(out):
    """ORR with its exact CI, PFS and OS Kaplan-Meier, DLT rate by dose group: ARM 1.0 valid; the SDTM define
    has no ARM."""
    path = out / "adam" / "define.xml"
    assert validate_define(path) == []
    doc = etree.parse(str(path))
    assert _results(doc) == IM96_RESULTS
    assert not define_schema(arm=False).validate(doc)
    assert "arm" not in etree.parse(str(out / "sdtm" / "define.xml")).getroot().nsmap


def test_im96_analysis_results_point_at_what_the_define_and_the_data_hold(out):
    """Every OID an analysis result names is defined in the same define.xml (dataset, variable, parameter, where
    clause, comment, document), and each where clause selects records of its XPT file."""
    doc = etree.parse(str(out / "adam" / "define.xml"))
    defined = {e.get("OID") for e in doc.iter() if e.get("OID")} | {e.get("ID") for e in doc.iter() if e.get("ID")}
    arm = doc.find(".//arm:AnalysisResultDisplays", NS)
    refs = [(e.tag, a, e.get(a)) for e in arm.iter() for a in ("ItemGroupOID", "ItemOID", "ParameterOID",
                                                                 "WhereClauseOID", "leafID", f"{{{NS['def']}}}CommentOID")
            if e.get(a)]
    assert len(refs) == 34  # 3 display documents; DLT 11, ORR 6, PFS 7, OS 7
    assert [r for r in refs if r[2] not in defined] == []
    for ds in arm.iterfind(".//arm:AnalysisDataset", NS):
        name = ds.get("ItemGroupOID").removeprefix("IG.")
        _, data = read_xpt_exact(out / "adam" / f"{name.lower()}.xpt")
        wc = doc.find(f".//def:WhereClauseDef[@OID='{ds.find('def:WhereClauseRef', NS).get('WhereClauseOID')}']", NS)
        mask = pd.Series(True, index=data.index)
        for rc in wc.findall("odm:RangeCheck", NS):
            assert rc.get("Comparator") == "EQ"
            column = rc.get(f"{{{NS['def']}}}ItemOID").split(".")[2]
            mask &= data[column].astype(str).eq(rc.findtext("odm:CheckValue", namespaces=NS))
        assert mask.any(), f"{wc.get('OID')} selects no record of {name}"


def test_im96_define_html_shows_the_analysis_results(out):
    html = (out / "adam" / "define.html").read_text()
    for text in ("Analysis Results Metadata", "Table 14.2.1", "clopper_pearson(x, n, alpha=0.05)",
                 "Overall survival: Kaplan-Meier median"):
        assert text in html
