"""The spec checker turns broken references and XPT-limit breaches into errors."""
from pathlib import Path

import pytest

from cdisc.ct import load_ct
from cdisc.errors import SpecError
from cdisc.spec.check import check_spec, require_valid
from cdisc.spec.load import load_spec, load_study

STUDY = """studyid = "XX1"
name = "XX1"
description = "Test study"
protocol = "XX1-P"
sponsor = "Sponsor"
data_cut = 2026-06-30
sdtmig = "3.4"
sdtm = "2.0"
ct_version = "2025-03-28"
"""
DATASETS = """Dataset,Label,Class,Structure,Keys,Repeating,ReferenceData,Comment
DM,Demographics,SPECIAL PURPOSE,One record per subject,STUDYID USUBJID,No,No,
"""
HEAD = ("Order,Dataset,Variable,Label,DataType,Length,Significant Digits,Format,Mandatory,Core,Codelist,"
        "Origin,Source,Pages,Method,Predecessor,Role,Comment\n")
VARIABLES = HEAD + """1,DM,STUDYID,Study Identifier,text,8,,,Yes,Req,,Assigned,Sponsor,,,,Identifier,
2,DM,USUBJID,Unique Subject Identifier,text,20,,,Yes,Req,,Derived,Sponsor,,MT.USUBJID,,Identifier,
3,DM,SEX,Sex,text,1,,,Yes,Req,SEX,Collected,Investigator,,,,Record Qualifier,
"""
CODELISTS = """ID,Name,NCI Codelist Code,Data Type,Order,Term,NCI Term Code,Decoded Value,Collected Values
SEX,Sex,C66731,text,1,F,C16576,Female,Female
SEX,Sex,C66731,text,2,M,C20197,Male,Male
"""
METHODS = """ID,Name,Type,Description,Expression Context,Expression Code,Document,Pages
MT.USUBJID,USUBJID,Computation,STUDYID-SUBJID,,,,
"""
CT = """Codelist Code,Codelist,Codelist Name,Extensible,Code,Submission Value,Synonyms,Preferred Term
C66731,SEX,Sex,No,C16576,F,Female,Female
C66731,SEX,Sex,No,C20197,M,Male,Male
"""


def make_spec(tmp_path: Path, **sheets: str) -> Path:
    (tmp_path / "study.toml").write_text(STUDY)
    root = tmp_path / "sdtm"
    root.mkdir()
    files = {"datasets": DATASETS, "variables": VARIABLES, "codelists": CODELISTS, "methods": METHODS,
             "documents": "ID,Title,Href\n", "comments": "ID,Description,Document,Pages\n",
             "value_level": "Order,Dataset,Variable,Where Clause,DataType,Length,Significant Digits,Format,"
             "Mandatory,Codelist,Origin,Source,Pages,Method,Predecessor,Comment\n",
             "where_clauses": "ID,Dataset,Variable,Comparator,Value\n", **sheets}
    for name, text in files.items():
        (root / f"{name}.csv").write_text(text)
    (tmp_path / "ct.csv").write_text(CT)
    return tmp_path


def messages(tmp_path: Path, **sheets: str) -> list[str]:
    root = make_spec(tmp_path, **sheets)
    return [f"{i.where}|{i.variable}|{i.value}|{i.message}"
            for i in check_spec(load_spec(root), load_ct(root / "ct.csv", "2025-03-28"))]


def test_check_spec_accepts_a_consistent_spec(tmp_path):
    assert messages(tmp_path) == []


@pytest.mark.parametrize(
    ("sheets", "expected"),
    [
        ({"variables": VARIABLES.replace(",SEX,Collected", ",SEXX,Collected")},
         "variables DM|SEX|SEXX|unknown codelist"),
        ({"variables": VARIABLES.replace("MT.USUBJID,,Identifier", ",,Identifier")},
         "variables DM|USUBJID||a Derived variable needs a Method"),
        ({"datasets": DATASETS.replace("STUDYID USUBJID", "STUDYID SUBJID")},
         "datasets.csv DM|SUBJID||key is not a variable of the dataset"),
        ({"variables": VARIABLES.replace("Unique Subject Identifier", "Unique Subject Identifier of the Subject Here")},
         "variables DM|USUBJID|Unique Subject Identifier of the Subject Here|label is over 40 bytes"),
        ({"variables": VARIABLES.replace("2,DM,USUBJID", "2,DM,USUBJIDXX")},
         "variables DM|USUBJIDXX|USUBJIDXX|name must be 1-8 upper-case letters, digits or _"),
        ({"codelists": CODELISTS.replace("C20197,Male", "C99999,Male")},
         "codelists SEX||M|NCI term code should be C20197"),
        ({"codelists": CODELISTS + "SEX,Sex,C66731,text,3,X,,Other,\n"},
         "codelists SEX||X|term is not in non-extensible codelist C66731 (2025-03-28)"),
        ({"methods": METHODS + "MT.UNUSED,Unused,Computation,Nothing,,,,\n"},
         "methods MT.UNUSED|||method is not used by any variable"),
        ({"variables": VARIABLES.replace("Collected,Investigator,,", "Collected,Investigator,12,")},
         "variables DM|SEX|12|Pages cite the annotated CRF: documents needs a row with ID acrf"),
    ],
)
def test_check_spec_reports_each_breach(tmp_path, sheets, expected):
    """Each broken reference or limit is reported with where it is."""
    assert expected in messages(tmp_path, **sheets)


DICTIONARIES = "ID,Name,Data Type,Dictionary,Version\nMEDDRA,MedDRA term,text,MedDRA,\n"
DICTIONARY_USER = "4,DM,DXDECOD,Dictionary-Derived Term,text,40,,,No,Perm,MEDDRA,Assigned,Sponsor,,,,Synonym Qualifier,\n"


def test_load_spec_versions_a_dictionary_from_the_study_header(tmp_path):
    """An external dictionary takes the version study.toml pins (meddra_version) and lists no terms."""
    root = make_spec(tmp_path, dictionaries=DICTIONARIES, variables=VARIABLES + DICTIONARY_USER)
    (root / "study.toml").write_text(STUDY + 'meddra_version = "27.0"\n')
    meddra = load_spec(root).codelist("MEDDRA")
    assert (meddra.dictionary, meddra.version, meddra.terms, meddra.external) == ("MedDRA", "27.0", (), True)
    assert messages_of(root) == []


def test_check_spec_requires_a_dictionary_version_and_unique_codelist_ids(tmp_path):
    """Without meddra_version in study.toml the dictionary is an error, as is an ID used by a codelist too."""
    root = make_spec(tmp_path, dictionaries=DICTIONARIES.replace("MEDDRA,", "SEX,"),
                     variables=VARIABLES + DICTIONARY_USER.replace(",MEDDRA,", ",SEX,"))
    assert messages_of(root) == ["codelists SEX|||codelist ID is defined more than once (codelists, dictionaries)",
                                 "codelists SEX|||codelist ID is defined more than once (codelists, dictionaries)",
                                 "codelists SEX||MedDRA|no MedDRA version: give it in the Version column of "
                                 "dictionaries (MedDRA and WHODrug take study.toml's meddra_version / whodrug_version)"]


def test_a_dictionary_without_a_version_is_reported_and_one_with_a_version_is_taken(tmp_path):
    """MedDRA and WHODrug take their version from study.toml; any other dictionary (ICD-10 here) needs its own."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    root = make_spec(tmp_path / "a", dictionaries=DICTIONARIES.replace(",MedDRA,\n", ",ICD-10,\n"))
    assert [i.message for i in check_spec(load_spec(root)) if "version" in i.message] == [
        "no ICD-10 version: give it in the Version column of dictionaries (MedDRA and WHODrug take study.toml's "
        "meddra_version / whodrug_version)"]
    root = make_spec(tmp_path / "b", dictionaries=DICTIONARIES.replace(",MedDRA,\n", ",ICD-10,2019\n"))
    assert load_spec(root).codelist("MEDDRA").version == "2019"


def messages_of(root: Path) -> list[str]:
    return [f"{i.where}|{i.variable}|{i.value}|{i.message}"
            for i in check_spec(load_spec(root), load_ct(root / "ct.csv", "2025-03-28"))]


def test_require_valid_raises_spec_error(tmp_path):
    root = make_spec(tmp_path, variables=VARIABLES.replace(",SEX,Collected", ",SEXX,Collected"))
    with pytest.raises(SpecError, match="unknown codelist"):
        require_valid(load_spec(root))


def test_check_spec_requires_adsl_copies_to_keep_label_and_type(tmp_path):
    """ADaMIG 1.3: a variable shared with ADSL keeps ADSL's label and type; a drifted copy is an error."""
    datasets = ("Dataset,Label,Class,Structure,Keys,Repeating,ReferenceData,Comment\n"
                "ADSL,Subject-Level Analysis Dataset,SUBJECT LEVEL ANALYSIS DATASET,One record per subject,USUBJID,No,No,\n"
                "ADAE,Adverse Events Analysis Dataset,OCCURRENCE DATA STRUCTURE,One record per AE,USUBJID AESEQ,Yes,No,\n")
    variables = HEAD + (
        "1,ADSL,USUBJID,Unique Subject Identifier,text,20,,,Yes,Req,,Predecessor,,,,DM.USUBJID,,\n"
        "2,ADSL,AGE,Age,integer,,,,Yes,Req,,Predecessor,,,,DM.AGE,,\n"
        "1,ADAE,USUBJID,Unique Subject Identifier,text,20,,,Yes,Req,,Predecessor,,,,ADSL.USUBJID,,\n"
        "2,ADAE,AESEQ,Sequence Number,integer,,,,Yes,Req,,Predecessor,,,,AE.AESEQ,,\n"
        "3,ADAE,AGE,Age in Years,integer,,,,No,Perm,,Predecessor,,,,ADSL.AGE,,\n")
    found = messages(tmp_path, datasets=datasets, variables=variables, codelists=CODELISTS.split("\n")[0] + "\n",
                     methods=METHODS.split("\n")[0] + "\n")
    assert found == ["variables ADAE|AGE|Age in Years / integer|differs from ADSL.AGE (label 'Age', type integer)"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (b"", "codelists.csv: file is empty: not even a header row"),
        (CODELISTS.encode() + b'SEX,Sex,C66731,text,3,U,C17998,"Unknown', "codelists.csv: not a readable CSV file "
                                                                         "(unexpected end of data)"),
        (CODELISTS.encode() + b"SEX,Sex,C66731,text,3,U\n", "codelists.csv row 3: 6 fields, the header has 9"),
        (CODELISTS.replace("Female,Female", "F\u00e9minin,F").encode("latin-1"),
         "codelists.csv: not UTF-8 text (byte 124: invalid continuation byte)"),
    ],
    ids=["empty", "an unterminated quote", "a short record", "Latin-1 text"],
)
def test_a_spec_file_that_is_no_csv_is_a_spec_error_naming_it(tmp_path, text, expected):
    root = make_spec(tmp_path)
    (root / "sdtm" / "codelists.csv").write_bytes(text)
    with pytest.raises(SpecError) as info:
        load_spec(root)
    assert str(info.value) == f"{root / 'sdtm'}/{expected}"


def test_a_spec_file_may_start_with_a_byte_order_mark_and_hold_blank_lines(tmp_path):
    """As Excel saves "CSV UTF-8": the same spec as without them."""
    (tmp_path / "plain").mkdir(), (tmp_path / "excel").mkdir()
    plain = load_spec(make_spec(tmp_path / "plain"))
    root = make_spec(tmp_path / "excel")
    (root / "sdtm" / "codelists.csv").write_bytes(b"\xef\xbb\xbf" + CODELISTS.replace("\n", "\r\n\r\n", 1).encode())
    assert load_spec(root) == plain
    assert [t.term for t in plain.codelists[0].terms] == ["F", "M"]


def test_check_spec_names_a_control_character_in_a_label_a_bad_display_format_and_a_blank_studyid(tmp_path):
    """Each was imported from a workbook without a word: a tab in a label, a display format no XPT can hold (seen
    only when a dataset was written) and a study without an identifier."""
    variables = VARIABLES.replace("3,DM,SEX,Sex,text,1,,,", "3,DM,SEX,Sex\tx,text,1,,!!bad,")
    root = make_spec(tmp_path, variables=variables)
    (root / "study.toml").write_text(STUDY.replace('studyid = "XX1"', 'studyid = ""'))
    assert [f"{i.where}|{i.variable}|{i.value}|{i.message}" for i in check_spec(load_spec(root, "sdtm"))] == [
        "study|||studyid is empty (every dataset's STUDYID)",
        "variables DM|SEX|Sex\tx|label holds a control character (a tab, a line break)",
        "variables DM|SEX|!!bad|display format is not a SAS format (name, width, '.', decimals, e.g. DATE9.)",
    ]


def test_a_study_header_value_of_the_wrong_form_is_one_line(tmp_path):
    """A data cut of "last tuesday": pydantic's four lines with its documentation's URL became one naming the key."""
    header = (Path("specs/im96/study.toml").read_text().replace('data_cut = "2026-06-30"',
                                                                 'data_cut = "last tuesday"'))
    (tmp_path / "study.toml").write_text(header)
    with pytest.raises(SpecError) as info:
        load_study(tmp_path)
    assert str(info.value) == (f"{tmp_path / 'study.toml'}: cannot read the study header: data_cut: Input should be "
                               "a valid date or datetime, invalid character in year")
