"""`cdisc new-study` on the pilot export: the starting point the pilot's real spec grew from."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from cdisc.errors import MappingError
from cli import main

ROOT = Path(__file__).resolve().parents[2]
PILOT_RAW = ROOT / "data" / "cdiscpilot01" / "raw"


@pytest.fixture(scope="module")
def started(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("root")
    result = CliRunner().invoke(main, ["new-study", "pilot2", "--raw", str(PILOT_RAW), "--domains", "DM,AE",
                                       "--root", str(root)])
    assert result.exit_code == 0, result.output
    return root


def read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def test_inferred_raw_fields_match_the_pilots_declared_ones_but_ten(started):
    """87 fields; the inferred type and date formats equal the pilot's confirmed declarations except the four
    code columns the export leaves blank (text until confirmed integer), the kit reference '123' (integer
    by its values, text in the pilot's spec) and the five STUDY fields (a code of the pilot's one study id in its
    spec, so that a row of another study is refused; text as inferred)."""
    new = read(started / "specs" / "pilot2" / "raw" / "dictionary.csv")
    real = read(ROOT / "specs" / "cdiscpilot01" / "raw" / "dictionary.csv")
    both = new.merge(real, on=["FORM", "FIELD"], suffixes=("", "_REAL"))
    assert len(new) == len(real) == len(both) == 87
    differ = both[(both["TYPE"] != both["TYPE_REAL"]) | (both["FORMAT"] != both["FORMAT_REAL"])]
    assert differ[["FIELD", "TYPE", "TYPE_REAL"]].values.tolist() == [
        ["STUDY", "text", "code"], ["AEPTCD", "text", "integer"], ["AEHLTCD", "text", "integer"],
        ["AEHLGTCD", "text", "integer"], ["AEBDSYCD", "text", "integer"], ["STUDY", "text", "code"],
        ["STUDY", "text", "code"], ["STUDY", "text", "code"], ["IT.ECREFID", "integer", "text"],
        ["STUDY", "text", "code"]]
    dates = new[new["TYPE"].eq("date")].set_index("FIELD")["FORMAT"]
    assert dates[["IT.AESTDAT", "DSDTCOL", "VTLD"]].tolist() == ["MM/DD/YYYY|YYYY", "MM-DD-YYYY", "DD-Mon-YYYY"]


def test_variable_sheets_come_from_sdtmig(started):
    dm = read(started / "specs" / "pilot2" / "sdtm" / "variables" / "DM.csv")
    assert dm["Variable"].tolist()[:5] == ["STUDYID", "DOMAIN", "USUBJID", "SUBJID", "RFSTDTC"]
    assert dm.loc[dm["Variable"].eq("AGE"), ["DataType", "Core", "Role"]].values.tolist() == [
        ["integer", "Exp", "Record Qualifier"]]


def test_generated_module_fails_naming_what_is_still_to_map(started):
    path = started / "mappings" / "pilot2" / "sdtm" / "ae.py"
    spec = importlib.util.spec_from_file_location("generated_ae", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with pytest.raises(MappingError, match=r"AE is not mapped yet: STUDYID, DOMAIN, USUBJID, SPDEVID, AESEQ, .* ae_raw, dm_raw"):
        module.build(None)


def test_existing_folders_are_never_overwritten(started):
    result = CliRunner().invoke(main, ["new-study", "pilot2", "--raw", str(PILOT_RAW), "--root", str(started)])
    assert result.exit_code == 2
    assert "exists already" in result.output


@pytest.mark.parametrize(("domains", "message"), [
    ("DM,XX", "error: XX: not SDTMIG 3.4 dataset(s) (known: AE, AG,"),  # was KeyError: 'XX'
    ("", "error: no domain given"),  # was a study of no domains, "map  (docs...)"
])
def test_new_study_names_a_domain_it_cannot_start(tmp_path, domains, message):
    result = CliRunner().invoke(main, ["new-study", "pilot3", "--raw", str(PILOT_RAW), "--domains", domains,
                                       "--root", str(tmp_path)])
    assert result.exit_code == 2 and message in result.output, result.output
    assert not any(tmp_path.iterdir())
