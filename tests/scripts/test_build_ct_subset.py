"""scripts/build_ct_subset.py on a hand-made NCI EVS fixture, and facts of the shipped CT subset."""
from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "build_ct_subset.py"
SHIPPED = ROOT / "specs" / "ct" / "sdtm_ct_2025-03-28.csv"
SHIPPED_ADAM = ROOT / "specs" / "ct" / "adam_ct_2025-03-28.csv"

_spec = importlib.util.spec_from_file_location("build_ct_subset", SCRIPT)
build_ct_subset = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build_ct_subset)

HEADER = [
    "Code", "Codelist Code", "Codelist Extensible (Yes/No)", "Codelist Name", "CDISC Submission Value",
    "CDISC Synonym(s)", "CDISC Definition", "NCI Preferred Term",
]
# NCI EVS layout: a header row per codelist (empty Codelist Code), then its terms, in file order.
FIXTURE_ROWS = [
    ["C66742", "", "No", "No Yes Response", "NY", "No Yes Response", "Yes/no/unknown/not applicable response.", "CDISC SDTM Yes No Response Terminology"],
    ["C49488", "C66742", "", "No Yes Response", "Y", "Yes", "Affirmative.", "Yes"],
    ["C48660", "C66742", "", "No Yes Response", "NA", "Not Applicable", "Not relevant.", "Not Applicable"],
    ["C17998", "C66742", "", "No Yes Response", "U", "U; UNK; Unknown", "Not known.", "Unknown"],
    ["C49487", "C66742", "", "No Yes Response", "N", "No", "Negative.", "No"],
    ["C66731", "", "No", "Sex", "SEX", "Sex", "Sex of the subject.", "CDISC SDTM Sex of Individual Terminology"],
    ["C20197", "C66731", "", "Sex", "M", "Male", "Male.", "Male"],
    ["C16576", "C66731", "", "Sex", "F", "Female", "Female.", "Female"],
    ["C99079", "", "Yes", "Epoch", "EPOCH", "Epoch", "Trial epoch.", "CDISC SDTM Trial Epoch Terminology"],
    ["C202487", "C99079", "", "Epoch", "SCREENING", "Screening, Run-in", "Screening epoch.", "Screening Epoch"],
    ["C101526", "C99079", "", "Epoch", "TREATMENT", "", "Treatment epoch.", "Treatment Epoch"],
    ["C66781", "", "No", "Age Unit", "AGEU", "Age Unit", "Units of age.", "CDISC SDTM Age Unit Terminology"],
    ["C29848", "C66781", "", "Age Unit", "YEARS", "Years", "A period of time.", "Year"],
]

EXPECTED = """\
Codelist Code,Codelist,Codelist Name,Extensible,Code,Submission Value,Synonyms,Preferred Term
C99079,EPOCH,Epoch,Yes,C202487,SCREENING,"Screening, Run-in",Screening Epoch
C99079,EPOCH,Epoch,Yes,C101526,TREATMENT,,Treatment Epoch
C66742,NY,No Yes Response,No,C49487,N,No,No
C66742,NY,No Yes Response,No,C48660,NA,Not Applicable,Not Applicable
C66742,NY,No Yes Response,No,C17998,U,U; UNK; Unknown,Unknown
C66742,NY,No Yes Response,No,C49488,Y,Yes,Yes
C66731,SEX,Sex,No,C16576,F,Female,Female
C66731,SEX,Sex,No,C20197,M,Male,Male
"""


@pytest.fixture()
def nci(tmp_path: Path) -> Path:
    path = tmp_path / "SDTM Terminology.txt"
    lines = ["\t".join(HEADER)] + ["\t".join(r) for r in FIXTURE_ROWS]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture()
def nci_csv(tmp_path: Path) -> Path:
    """The same terms in the ADaM CT export layout: comma-separated, quoted, plus "Standard and Date"."""
    path = tmp_path / "ADaM_CT.csv"
    header = HEADER + ["Standard and Date"]
    pd.DataFrame([r + ["ADaM CT 2025-03-28"] for r in FIXTURE_ROWS], columns=header).to_csv(path, index=False)
    return path


def _codelists(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "codelists.txt"
    path.write_text(text, encoding="utf-8")
    return path


def test_writes_requested_codelists_sorted(nci: Path, tmp_path: Path) -> None:
    cl = _codelists(tmp_path, "# study codelists\nSEX\nNY   # NA must survive\n\nEPOCH\nNY\n")
    out = tmp_path / "ct.csv"
    assert build_ct_subset.main(["--nci", str(nci), "--codelists", str(cl), "--out", str(out)]) == 0
    data = out.read_bytes()
    assert b"\r" not in data
    assert data.decode("utf-8") == EXPECTED  # AGEU not requested; "NA" kept as text; sorted
    # Deterministic: a second run gives the same bytes.
    out2 = tmp_path / "ct2.csv"
    assert build_ct_subset.main(["--nci", str(nci), "--codelists", str(cl), "--out", str(out2)]) == 0
    assert out2.read_bytes() == data


def test_csv_format_reads_adam_export_to_same_output(nci_csv: Path, tmp_path: Path) -> None:
    """--format csv reads the comma-separated ADaM CT export; the output layout is the SDTM subset's."""
    cl = _codelists(tmp_path, "SEX\nNY\nEPOCH\n")
    out = tmp_path / "adam.csv"
    assert build_ct_subset.main(["--format", "csv", "--nci", str(nci_csv), "--codelists", str(cl),
                                 "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == EXPECTED


def test_csv_file_read_as_tsv_exits_2(nci_csv: Path, tmp_path: Path, capsys) -> None:
    """The default tsv format on a comma-separated file names the missing NCI columns."""
    cl = _codelists(tmp_path, "NY\n")
    assert build_ct_subset.main(["--nci", str(nci_csv), "--codelists", str(cl),
                                 "--out", str(tmp_path / "o.csv")]) == 2
    assert "missing columns" in capsys.readouterr().err


def test_unknown_codelist_exits_2_and_names_it(nci: Path, tmp_path: Path, capsys) -> None:
    cl = _codelists(tmp_path, "NY\nRSTESTCD\n")
    out = tmp_path / "ct.csv"
    assert build_ct_subset.main(["--nci", str(nci), "--codelists", str(cl), "--out", str(out)]) == 2
    assert "RSTESTCD" in capsys.readouterr().err
    assert not out.exists()


def test_unknown_codelist_process_exit_status(nci: Path, tmp_path: Path) -> None:
    cl = _codelists(tmp_path, "NOSUCHCL\n")
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--nci", str(nci), "--codelists", str(cl), "--out", str(tmp_path / "o.csv")],
        capture_output=True, text=True, check=False,
    )
    assert proc.returncode == 2
    assert "NOSUCHCL" in proc.stderr


# --- the shipped subset -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def shipped() -> pd.DataFrame:
    return pd.read_csv(SHIPPED, dtype=str, na_filter=False, keep_default_na=False)


def _values(ct: pd.DataFrame, codelist: str) -> list[str]:
    return sorted(ct.loc[ct["Codelist"] == codelist, "Submission Value"])


def test_shipped_is_plain_csv(shipped: pd.DataFrame) -> None:
    first = SHIPPED.read_text(encoding="utf-8").split("\n", 1)[0]
    assert first == ",".join(build_ct_subset.OUT_COLUMNS)
    assert b"\r" not in SHIPPED.read_bytes()


def test_shipped_ct_facts(shipped: pd.DataFrame) -> None:
    assert _values(shipped, "NY") == ["N", "NA", "U", "Y"]
    assert _values(shipped, "SEX") == ["F", "INTERSEX", "M", "U"]
    lb = shipped[(shipped["Codelist"] == "LBTESTCD") & (shipped["Submission Value"] == "CEA")]
    assert lb["Code"].tolist() == ["C81983"]
    ca = shipped[(shipped["Codelist"] == "LBTESTCD") & (shipped["Submission Value"] == "CA19_9AG")]
    assert ca["Code"].tolist() == ["C81982"]
    assert set(shipped.loc[shipped["Codelist"] == "UNIT", "Extensible"]) == {"Yes"}
    assert set(shipped.loc[shipped["Codelist"] == "NY", "Codelist Code"]) == {"C66742"}
    rs = shipped[shipped["Codelist"] == "ONCRTSCD"]
    assert "OVRLRESP" in set(rs["Submission Value"])
    assert "TUMIDENT" in _values(shipped, "TUTESTCD")


def test_shipped_covers_requested_codelists(shipped: pd.DataFrame) -> None:
    text = (ROOT / "specs" / "ct" / "codelists.txt").read_text(encoding="utf-8")
    requested = {line.split("#", 1)[0].strip() for line in text.splitlines()} - {""}
    assert requested == set(shipped["Codelist"])


def test_shipped_adam_ct_facts() -> None:
    """ADaM CT 2025-03-28: DATEFL C81223 (D/M/Y), TIMEFL C81226, DTYPE C81224, PARAMTYP C81225, SBJTSTAT C124296."""
    adam = pd.read_csv(SHIPPED_ADAM, dtype=str, na_filter=False, keep_default_na=False)
    assert SHIPPED_ADAM.read_text(encoding="utf-8").split("\n", 1)[0] == ",".join(build_ct_subset.OUT_COLUMNS)
    codes = dict(zip(adam["Codelist"], adam["Codelist Code"], strict=True))
    assert codes == {"DATEFL": "C81223", "TIMEFL": "C81226", "DTYPE": "C81224", "PARAMTYP": "C81225",
                     "SBJTSTAT": "C124296"}
    assert _values(adam, "DATEFL") == ["D", "M", "Y"]
    assert _values(adam, "SBJTSTAT") == ["COMPLETED", "DISCONTINUED", "ONGOING"]
    assert adam.loc[adam["Submission Value"] == "DERIVED", "Code"].tolist() == ["C81197"]
    text = (ROOT / "specs" / "ct" / "adam_codelists.txt").read_text(encoding="utf-8")
    assert {line.split("#", 1)[0].strip() for line in text.splitlines()} - {""} == set(adam["Codelist"])
