"""`cdisc define` (define.xml for datasets at hand) and `cdisc convert` (XPT <-> Dataset-JSON) on our output and on
CDISC's SDTM-MSG example."""
import shutil
from pathlib import Path

import pandas as pd
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
    """CDISC's define.xml -> our spec -> define.xml for the DD and TS data: the same datasets, variables (name,
    label, type, origin, codelist, order), value-level metadata and where clauses, and a schema-valid document."""
    assert cli("spec", "from-define", str(MSG / "define-sdtm.xml"), "--out", str(tmp_path / "spec")).exit_code == 0
    pkg = msg_package(tmp_path)
    result = cli("define", "--spec", str(tmp_path / "spec"), "--data", str(pkg))
    assert "AE is in the spec but not in" in result.output  # 25 datasets of the example are not in this copy
    assert validate_define(pkg / "define.xml") == []
    ours, theirs = load_define(pkg / "define.xml"), load_define(MSG / "define-sdtm.xml").restricted_to({"DD", "TS"})
    assert ours.datasets == theirs.datasets
    same = ("dataset", "name", "label", "data_type", "origin", "source", "codelist", "order", "role", "method")
    assert [tuple(getattr(v, f) for f in same) for v in ours.variables] == [
        tuple(getattr(v, f) for f in same) for v in theirs.variables]
    assert [(v.variable, v.where_clause) for v in ours.value_level] == [
        (v.variable, v.where_clause) for v in theirs.value_level]
    assert ours.where_clauses == theirs.where_clauses


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
