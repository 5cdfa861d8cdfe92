"""define.xml -> Spec: CDISC's own SDTM-MSG example, our own define.xml back to our spec, and hostile XML."""
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from cdisc.errors import SpecError
from cdisc.spec.define_xml import load_define
from cdisc.spec.load import load_spec
from cli import main
from tests.cdisc.define.test_build import built

IM96 = Path(__file__).resolve().parents[3] / "specs" / "im96"

MSG = Path(__file__).resolve().parents[2] / "fixtures" / "cdisc-msg" / "define-sdtm.xml"


@pytest.fixture(scope="module")
def msg():
    return load_define(MSG)


def test_msg_standard_study_and_counts(msg):
    assert (msg.standard, msg.standard_version, msg.study.ct_version) == ("SDTMIG", "3.3", "2020-12-18")
    assert (msg.study.studyid, msg.study.sponsor, str(msg.study.data_cut)) == ("CDISCPILOT01", "CDISC MSG Team",
                                                                               "2021-01-24")
    assert len(msg.datasets) == 31


def test_msg_dataset_variable_and_keys(msg):
    ta = msg.dataset("TA")
    assert (ta.label, ta.structure, ta.keys, ta.repeating, ta.reference_data) == (
        "Trial Arms", "One record per planned Element per Arm", ("STUDYID", "ARMCD", "TAETORD"), False, True)
    aedecod = msg.variable("AE", "AEDECOD")
    assert (aedecod.label, aedecod.data_type, aedecod.codelist, aedecod.origin, aedecod.source) == (
        "Dictionary-Derived Term", "text", "MEDDRA", "Assigned", "Sponsor")


def test_msg_value_level_where_clauses_codelists_methods(msg):
    assert [(w.dataset, w.variable, w.comparator, w.values) for w in msg.where_clauses if w.id == "WC.AETERM1"] == [
        ("AE", "AETERM", "EQ", ("INJECTION SITE REACTION",))]
    assert [v.where_clause for v in msg.value_level if (v.dataset, v.variable) == ("AE", "AETERM")] == [
        "WC.AETERM1", "WC.AETERM2"]
    acn = msg.codelist("ACN")
    assert (acn.name, acn.terms[0].term, acn.terms[0].decoded, acn.terms[0].nci_code) == (
        "Action Taken with Study Treatment", "DOSE INCREASED", "Dose Increased", "C49503")
    meddra = msg.codelist("MEDDRA")
    assert (meddra.name, meddra.dictionary, meddra.version, meddra.terms) == (
        "Adverse Events Dictionary", "MedDRA", "22.0", ())
    method = next(m for m in msg.methods if m.id == "MT.AEENTPT")
    assert method.description == "If AEENRTPT is populated, AEENTPT is DM.RFPENDTC for the subject."


def test_our_define_loads_back_to_our_spec(tmp_path):
    """What the spec says and define.xml carries comes back: datasets, methods, comments (with their documents),
    where clauses, codelist terms and NCI codes. Lengths come from the data, so they are the written ones."""
    path = built(tmp_path)
    spec = load_define(path)
    assert spec.dataset("DM").keys == ("STUDYID", "USUBJID")
    assert [(w.id, w.variable, w.values) for w in spec.where_clauses] == [("WC.DM.SEX.F", "SEX", ("F",))]
    assert spec.codelist("SEX").nci_code == "C66731"
    assert spec.variable("DM", "USUBJID").length == 8
    assert [(d.id, d.href) for d in spec.documents] == [("CSDRG", "csdrg.pdf")]


def test_xml_entities_are_not_expanded(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    text = built(tmp_path).read_text()
    text = text.replace("<ODM ", f'<!DOCTYPE ODM [<!ENTITY xxe SYSTEM "file://{secret}">]>\n<ODM ', 1)
    text = text.replace("<TranslatedText xml:lang=\"en\">", "<TranslatedText xml:lang=\"en\">&xxe;", 1)
    path = tmp_path / "hostile.xml"
    path.write_text(text)
    try:
        spec = load_define(path)
    except SpecError:
        return
    assert "TOP SECRET" not in repr(spec)


@pytest.mark.parametrize(("content", "message"), [("not xml <", "not a readable XML document"),
                                                  ("<root/>", "not a Define-XML document")])
def test_non_define_input_is_a_named_error(tmp_path, content, message):
    path = tmp_path / "define.xml"
    path.write_text(content)
    with pytest.raises(SpecError, match=message):
        load_define(path)


def test_a_define_whose_item_lacks_its_name_is_a_named_error(tmp_path):
    """Every ItemDef without Name (Define-XML requires it): a SpecError naming the file and what could not be read,
    where the spec model's ValidationError had ended `cdisc validate` in a traceback."""
    text = re.sub(r'(<ItemDef [^>]*?) Name="[^"]*"', r"\1", MSG.read_text())
    (tmp_path / "define.xml").write_text(text)
    with pytest.raises(SpecError, match=r"^define.xml: not a Define-XML document the converter can read: .*string"):
        load_define(tmp_path / "define.xml")


@pytest.mark.parametrize(("edit", "message"), [
    ((r'KeySequence="1"', 'KeySequence="one"'), r"KeySequence of IT\.\w+\.STUDYID is 'one', not a whole number of at least 1"),
    ((r'KeySequence="1"', 'KeySequence="1_0"'), r"KeySequence of IT\.\w+\.STUDYID is '1_0', not a whole number"),
    ((r'(<ItemDef OID="IT.DD.DDSEQ"[^>]*) Length="3"', r'\1 Length="0"'), r"Length of IT.DD.DDSEQ is '0', not a whole "
     r"number of at least 1"),
    ((r'(<ItemDef OID="IT.DD.DDSEQ"[^>]*) Length="3"', r'\1 Length="eight"'), r"Length of IT.DD.DDSEQ is 'eight'"),
    ((r'(<ItemRef ItemOID="IT.DD.DDSEQ"[^>]*) OrderNumber="\d+"', r'\1 OrderNumber="x"'),
     r"OrderNumber of IT.DD.DDSEQ is 'x', not a whole number"),
    ((r'CreationDateTime="[^"]*"', 'CreationDateTime="yesterday"'),
     r"CreationDateTime 'yesterday' is not an ISO 8601 datetime"),
    ((r'<ItemDef OID="IT.AE.AETERM.1".*?</ItemDef>', ""),
     r"value list VL.AETERM refers to IT.AE.AETERM.1, which has no ItemDef"),
    ((r"http://www.cdisc.org/ns/def/v2.1", "http://www.cdisc.org/ns/def/v2.2"),
     r"namespace http://www.cdisc.org/ns/def/v2.2 is not Define-XML 2.0 or 2.1"),
])
def test_a_define_with_an_attribute_or_reference_it_cannot_read_is_a_named_error(tmp_path, edit, message):
    """Each ended `cdisc validate`, `convert` and `spec from-define` in a ValueError or KeyError traceback; an
    unknown def: namespace was read as 2.0, every def: attribute lost (ADaM dates written as plain numbers)."""
    pattern, replacement = edit
    text, done = re.subn(pattern, replacement, MSG.read_text(), count=1, flags=re.DOTALL)
    assert done == 1
    (tmp_path / "define.xml").write_text(text)
    with pytest.raises(SpecError, match=rf"^define.xml: {message}"):
        load_define(tmp_path / "define.xml")


def test_cli_from_define_writes_a_loadable_spec_folder(tmp_path):
    result = CliRunner().invoke(main, ["spec", "from-define", str(MSG), "--out", str(tmp_path / "msg")])
    assert result.exit_code == 0, result.output
    assert load_spec(tmp_path / "msg", "sdtm") == load_define(MSG)


def test_msg_spec_survives_the_workbook_round_trip(tmp_path, msg):
    """A spec that someone else wrote (external dictionaries, value-level metadata, 31 datasets) goes through the
    Pinnacle 21 workbook and back unchanged."""
    from cdisc.spec.excel import export_workbook, import_workbook

    export_workbook(msg, tmp_path / "msg.xlsx")
    assert import_workbook(tmp_path / "msg.xlsx") == msg


def test_our_adam_define_with_analysis_results_loads_back_to_the_same_results(out):
    """The ARM 1.0 content of the IM96 ADaM define.xml comes back as the spec wrote it."""
    spec, back = load_spec(IM96, "adam"), load_define(out / "adam" / "define.xml")
    assert back.analysis_displays == spec.analysis_displays
    assert back.analysis_results == spec.analysis_results
    assert back.analysis_datasets == spec.analysis_datasets


def test_an_order_number_of_0_is_read_as_cdisc_s_own_adam_define_has_them(tmp_path):
    """CDISC's ADaM-MSG define.xml numbers the terms of CL.ADADAS.AVISIT from OrderNumber="0": a whole number all
    the same (only KeySequence, Length and the like start at 1)."""
    text, done = re.subn(r'(<CodeListItem [^>]*?)OrderNumber="1"', r'\1OrderNumber="0"', MSG.read_text(), count=1)
    assert done == 1
    (tmp_path / "define.xml").write_text(text)
    spec = load_define(tmp_path / "define.xml")
    assert len(spec.codelists) == 189
    assert [(t.term, t.order) for t in spec.codelists[0].terms][:2] == [("DOSE INCREASED", 0), ("DOSE NOT CHANGED", 2)]
