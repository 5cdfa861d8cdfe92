"""`cdisc define` (define.xml for datasets at hand) and `cdisc convert` (XPT <-> Dataset-JSON) on our output and on
CDISC's SDTM-MSG example."""
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from cdisc.datasetjson import read_dataset_json, schema_errors
from cdisc.define import validate_define
from cdisc.spec.define_xml import load_define
from cli import main
from tests.helpers import read_xpt_exact

MSG = Path(__file__).resolve().parent / "fixtures" / "cdisc-msg"


def cli(*args: str):
    return CliRunner().invoke(main, list(args))


def test_define_from_our_spec_and_data_is_the_define_cdisc_run_wrote(out, tmp_path):
    data = tmp_path / "sdtm"
    shutil.copytree(out / "sdtm", data)
    for extra in ("define.xml", "define.html", "define2-1.xsl"):
        (data / extra).unlink()
    result = cli("define", "--spec", str(Path(__file__).resolve().parents[1] / "specs" / "im96"), "--data", str(data))
    assert result.exit_code == 0, result.output
    assert (data / "define.xml").read_bytes() == (out / "sdtm" / "define.xml").read_bytes()
    assert (data / "define.html").exists() and (data / "define2-1.xsl").exists()


def msg_package(tmp_path: Path) -> Path:
    pkg = tmp_path / "msg"
    pkg.mkdir()
    for name in ("dd.xpt", "ts.xpt"):
        shutil.copy(MSG / name, pkg / name)
    return pkg


def test_msg_spec_from_define_then_define_gives_back_its_metadata(tmp_path):
    """CDISC's define.xml -> our spec -> define.xml for the DD and TS data: the same datasets, variables and
    value-level metadata (every attribute, origin pages in the annotated CRF included, but Length and
    SignificantDigits, which come from the data), where clauses, codelists (189, with NCI codes and decodes),
    methods, comments and documents; a schema-valid document."""
    assert cli("spec", "from-define", str(MSG / "define-sdtm.xml"), "--out", str(tmp_path / "spec")).exit_code == 0
    pkg = msg_package(tmp_path)
    result = cli("define", "--spec", str(tmp_path / "spec"), "--data", str(pkg))
    assert "AE is in the spec but not in" in result.output  # 25 datasets of the example are not in this copy
    assert validate_define(pkg / "define.xml") == []
    ours, theirs = load_define(pkg / "define.xml"), load_define(MSG / "define-sdtm.xml").restricted_to({"DD", "TS"})
    assert ours.datasets == theirs.datasets
    from_data = {"length", "significant_digits"}
    assert [v.model_dump(exclude=from_data) for v in ours.variables] == [
        v.model_dump(exclude=from_data) for v in theirs.variables]
    assert [v.model_dump(exclude=from_data) for v in ours.value_level] == [
        v.model_dump(exclude=from_data) for v in theirs.value_level]
    assert (len(ours.variables), len(ours.value_level)) == (23, 31)
    assert [v.name for v in ours.variables if v.pages == "26"] == ["DDLNKID", "DDORRES", "DDDTC"]
    assert ours.where_clauses == theirs.where_clauses
    assert len(ours.codelists) == 189 and ours.codelists == theirs.codelists
    assert (ours.methods, ours.comments, ours.documents) == (theirs.methods, theirs.comments, theirs.documents)


def test_convert_xpt_to_dataset_json_and_back(tmp_path):
    pkg = msg_package(tmp_path)
    shutil.copy(MSG / "define-sdtm.xml", pkg / "define.xml")
    assert cli("convert", str(pkg), "--to", "json", "--out", str(tmp_path / "json")).exit_code == 0
    for name in ("dd", "ts"):
        path = tmp_path / "json" / f"{name}.json"
        assert schema_errors(path) == []
        _, xpt = read_xpt_exact(MSG / f"{name}.xpt")
        pd.testing.assert_frame_equal(read_dataset_json(path)[1], xpt, check_dtype=False, check_exact=True)
    assert cli("convert", str(tmp_path / "json"), "--to", "xpt", "--out", str(tmp_path / "xpt")).exit_code == 0
    for name in ("dd", "ts"):
        meta, back = read_xpt_exact(tmp_path / "xpt" / f"{name}.xpt")
        original_meta, original = read_xpt_exact(MSG / f"{name}.xpt")
        pd.testing.assert_frame_equal(back, original, check_exact=True)
        assert meta["label"] == original_meta["label"]


def test_convert_without_a_define_is_a_clear_error(tmp_path):
    result = cli("convert", str(msg_package(tmp_path)), "--to", "json", "--out", str(tmp_path / "json"))
    assert result.exit_code == 2 and "needs the define.xml" in result.output
    assert not (tmp_path / "json").exists()


@pytest.mark.parametrize("where", [".", ".."])
def test_convert_refuses_an_output_folder_that_is_or_holds_its_input(tmp_path, where):
    """--out is replaced whole on success: given the package itself (or a folder around it) it would delete the
    datasets it converts. Exit 2, and every file of the package is still there."""
    pkg = msg_package(tmp_path)
    shutil.copy(MSG / "define-sdtm.xml", pkg / "define.xml")
    before = sorted(p.name for p in pkg.iterdir())
    result = cli("convert", str(pkg), "--to", "json", "--out", str((pkg / where).resolve()))
    assert result.exit_code == 2 and "would be replaced whole, deleting" in result.output
    assert sorted(p.name for p in pkg.iterdir()) == before and "dd.xpt" in before


def test_a_dataset_name_cannot_lead_outside_the_output_folder(tmp_path):
    """A Dataset-JSON file whose dataset is named '../../EVIL' is refused before anything is written."""
    import json

    pkg = msg_package(tmp_path)
    shutil.copy(MSG / "define-sdtm.xml", pkg / "define.xml")
    assert cli("convert", str(pkg), "--to", "json", "--out", str(tmp_path / "json")).exit_code == 0
    doc = json.loads((tmp_path / "json" / "dd.json").read_text())
    doc["name"] = "../../EVIL"
    (tmp_path / "json" / "dd.json").write_text(json.dumps(doc))
    result = cli("convert", str(tmp_path / "json"), "--to", "xpt", "--out", str(tmp_path / "xpt"))
    assert result.exit_code == 2 and "dataset name '../../EVIL'" in result.output
    assert not (tmp_path / "xpt").exists() and not list(tmp_path.parent.glob("evil*"))


TINY_DATASETS = """Dataset,Label,Class,Structure,Keys,Repeating,ReferenceData,Comment
XB,Baseline Characteristics,FINDINGS,One record per subject,STUDYID USUBJID,No,No,
"""
TINY_VARIABLES = """Order,Dataset,Variable,Label,DataType,Length,Significant Digits,Format,Mandatory,Core,Codelist,Origin,Source,Pages,Method,Predecessor,Role,Comment
1,XB,STUDYID,Study Identifier,text,8,,,Yes,Req,,Assigned,Sponsor,,,,Identifier,
2,XB,USUBJID,Unique Subject Identifier,text,20,,,Yes,Req,,Assigned,Sponsor,,,,Identifier,
3,XB,SITEID,Study Site Identifier,text,,,,Yes,Req,,Assigned,Sponsor,,,,Record Qualifier,
4,XB,SEX,Sex,text,1,,,Yes,Req,SEX,Collected,Investigator,,,,Record Qualifier,
5,XB,WEIGHTBL,Baseline Weight,float,,,,No,Perm,,Collected,Investigator,,,,Record Qualifier,
6,XB,HEIGHTBL,Baseline Height,float,,3,,No,Perm,,Collected,Investigator,,,,Record Qualifier,
"""
TINY_CODELISTS = """ID,Name,NCI Codelist Code,Data Type,Order,Term,NCI Term Code,Decoded Value,Collected Values,Subset
SEX,Sex,C66731,text,1,F,C16576,Female,,{subset}
SEX,Sex,C66731,text,2,M,C20197,Male,,{subset}
SEX,Sex,C66731,text,3,U,C17998,Unknown,,{subset}
"""
TINY_XB = pd.DataFrame({"STUDYID": ["XX1", "XX1", "XX1"], "USUBJID": ["XX1-001", "XX1-002", "XX1-0003"],
                        "SITEID": ["S1", "S12", "S1"], "SEX": ["F", "M", "F"],
                        "WEIGHTBL": [70.5, 81.25, 64.0], "HEIGHTBL": [170.5, 182.0, 165.5]})


def tiny_package(tmp_path: Path, subset: str) -> tuple[Path, Path]:
    """A hand-built spec (one sponsor-defined dataset XB) and its data as XPT."""
    import datetime as dt

    from cdisc.xpt import write_xpt
    from tests.cdisc.spec.test_check import make_spec

    spec = make_spec(tmp_path / "spec", datasets=TINY_DATASETS, variables=TINY_VARIABLES, methods="ID,Name,Type,Description,"
                     "Expression Context,Expression Code,Document,Pages\n",
                     codelists=TINY_CODELISTS.format(subset=subset))
    data = tmp_path / "data"
    data.mkdir()
    write_xpt(TINY_XB, data / "xb.xpt", name="XB", label="Baseline Characteristics", labels={}, created=dt.date(2026, 6, 30))
    return spec, data


@pytest.mark.parametrize(("subset", "terms"), [("Yes", ["F", "M"]), ("", ["F", "M", "U"])])
def test_define_takes_what_the_spec_leaves_open_from_the_data(tmp_path, subset, terms):
    """Blank Length: the longest value (SITEID 'S12' -> 3); a given Length is only the maximum allowed, the XPT and
    define.xml carry the longest value (USUBJID 'XX1-0003' -> 8, spec 20). Blank Significant Digits: the most
    decimals (WEIGHTBL 81.25 -> 2); a given one is kept (HEIGHTBL 3, data 1). Subset Yes: the terms the data use
    (F, M; not U); Subset blank: every term of the spec."""
    from lxml import etree

    (tmp_path / "spec").mkdir()
    spec, data = tiny_package(tmp_path, subset)
    result = cli("define", "--spec", str(spec), "--data", str(data))
    assert result.exit_code == 0, result.output
    doc = etree.parse(str(data / "define.xml"))
    ns = {"odm": "http://www.cdisc.org/ns/odm/v1.3"}

    def item(name: str) -> tuple:
        e = doc.find(f".//odm:ItemDef[@OID='IT.XB.{name}']", ns)
        return e.get("Length"), e.get("SignificantDigits")

    assert [item(n) for n in ("STUDYID", "USUBJID", "SITEID", "SEX", "WEIGHTBL", "HEIGHTBL")] == [
        ("3", None), ("8", None), ("3", None), ("1", None), ("8", "2"), ("8", "3")]
    assert [i.get("CodedValue") for i in doc.findall(".//odm:CodeList[@OID='CL.SEX']/odm:CodeListItem", ns)] == terms
    assert validate_define(data / "define.xml") == []


def test_a_subset_codelist_whose_data_hold_none_of_its_terms_lists_every_term(tmp_path):
    """A dataset without records (no subject has the finding yet) leaves a Subset codelist no used term; a
    define.xml CodeList must list at least one, so every term of the spec is listed and the file stays valid."""
    import datetime as dt

    from lxml import etree

    from cdisc.xpt import write_xpt

    (tmp_path / "spec").mkdir()
    spec, data = tiny_package(tmp_path, "Yes")
    write_xpt(TINY_XB.iloc[:0], data / "xb.xpt", name="XB", label="Baseline Characteristics", labels={},
              created=dt.date(2026, 6, 30))
    result = cli("define", "--spec", str(spec), "--data", str(data))
    assert result.exit_code == 0, result.output
    doc = etree.parse(str(data / "define.xml"))
    ns = {"odm": "http://www.cdisc.org/ns/odm/v1.3"}
    assert [i.get("CodedValue") for i in doc.findall(".//odm:CodeList[@OID='CL.SEX']/odm:CodeListItem", ns)] == [
        "F", "M", "U"]
    assert validate_define(data / "define.xml") == []


@pytest.mark.parametrize("name", ["../EVIL", "A/B", "/tmp/EVIL", "..", "ae"])
def test_dataset_path_refuses_a_name_that_is_not_a_plain_dataset_name(tmp_path, name):
    """Output files are named after datasets (spec, define.xml, dataset files): only 1-8 upper-case letters, digits
    or _ make a file name; anything else is a usage error (exit 2) before a byte is written."""
    from cdisc.errors import CdiscError
    from cdisc.pipeline import dataset_path

    assert dataset_path(tmp_path, "SUPPAE", "xpt") == tmp_path / "suppae.xpt"
    with pytest.raises(CdiscError, match="is not 1-8 upper-case letters") as info:
        dataset_path(tmp_path, name, "xpt")
    assert info.value.exit_code == 2


def test_a_spec_naming_a_dataset_outside_the_output_folder_is_refused(tmp_path):
    """`cdisc run --spec` with a dataset called '../EVIL' in datasets.csv exits 2 naming it; nothing is written."""
    spec = tmp_path / "spec"
    shutil.copytree(Path(__file__).resolve().parents[1] / "specs" / "im96", spec)
    sheet = spec / "sdtm" / "datasets.csv"
    sheet.write_text(sheet.read_text().replace("\nAE,", "\n../EVIL,", 1))
    result = cli("run", "--spec", str(spec), "--out", str(tmp_path / "out"))
    assert result.exit_code == 2, result.output
    assert "'../EVIL'" in result.output and "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["spec"]


def test_convert_refuses_data_that_define_xml_does_not_describe_as_they_are(tmp_path):
    """A column define.xml does not describe ended in a KeyError traceback; DDSEQ 1.5 where define.xml types
    DDSEQ integer was written as 1, and DDDY as text where it types a number would have been a text column."""
    pkg = tmp_path / "json"
    pkg.mkdir()
    shutil.copy(MSG / "define-sdtm.xml", pkg / "define.xml")
    document = json.loads((MSG / "dd.json").read_text())
    document["rows"][1][3] = 1.5  # DDSEQ of the second record
    document["columns"][11]["dataType"] = "string"  # DDDY
    document["rows"] = [[*row[:11], None if row[11] is None else str(row[11])] for row in document["rows"]]
    (pkg / "dd.json").write_text(json.dumps(document))
    result = cli("convert", str(pkg), "--to", "xpt", "--out", str(tmp_path / "xpt"))
    assert result.exit_code == 2, result.output
    assert "the datasets do not agree with define.xml" in result.output
    assert ("DD, column DDSEQ, row 2, value '1.5': 1 record(s) hold a fraction where define.xml types it integer"
            in result.output)
    assert "DD, column DDDY: holds text where define.xml types it integer" in result.output
    document = json.loads((MSG / "dd.json").read_text())
    document["columns"][4]["name"] = "DDLINK"
    (pkg / "dd.json").write_text(json.dumps(document))
    result = cli("convert", str(pkg), "--to", "xpt", "--out", str(tmp_path / "xpt"))
    assert result.exit_code == 2 and "DD, column DDLINK: is not described in define.xml" in result.output
    assert not (tmp_path / "xpt").exists()


def test_an_output_path_that_cannot_be_written_is_named_not_a_traceback(tmp_path):
    """A report folder under a file (NotADirectoryError) or a define.xml in a folder that does not exist
    (FileNotFoundError) ended in a traceback."""
    (tmp_path / "afile").write_text("")
    result = cli("validate", str(MSG), "--report", str(tmp_path / "afile" / "report"))
    assert result.exit_code == 2 and f"error: {tmp_path / 'afile'}" in result.output, result.output
    assert "Traceback" not in result.output


def test_define_into_a_folder_that_does_not_exist_is_named(out, tmp_path):
    """lxml's own write raised an OSError naming no file: a traceback."""
    spec = Path(__file__).resolve().parents[1] / "specs" / "im96"
    target = tmp_path / "missing" / "define.xml"
    result = cli("define", "--spec", str(spec), "--data", str(out / "sdtm"), "--out", str(target))
    assert result.exit_code == 2 and f"error: {target}: No such file or directory" in result.output, result.output
