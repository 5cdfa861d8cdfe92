"""End to end: `cdisc run` on the bundled IM96 export, read back, checked independently, and broken."""
from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pandas as pd
import pyreadstat
import pytest
from click.testing import CliRunner

from cdisc.datasetjson import read_dataset_json, schema_errors
from cdisc.define import validate_define
from cdisc.spec.load import load_spec
from cli import BUNDLED_RAW, main
from tests.conftest import FORMATS
from tests.helpers import read_xpt_exact

SPEC = load_spec(Path(__file__).resolve().parents[1] / "specs" / "im96", "sdtm")
FINDINGS_WITH_BASELINE = ("LB", "VS", "EG", "PC")


def run(*args: str):
    return CliRunner().invoke(main, ["run", *args], catch_exceptions=False)


@pytest.fixture(scope="module")
def sdtm(out: Path) -> dict[str, pd.DataFrame]:
    return {p.stem.upper(): pyreadstat.read_xport(str(p))[0] for p in sorted((out / "sdtm").glob("*.xpt"))}


def test_run_writes_every_spec_dataset_and_a_valid_define(out):
    """One lowercase .xpt per spec dataset, plus define.xml (valid against the Define-XML 2.1 XSD) and its stylesheet."""
    expected = sorted([f"{d.name.lower()}.{ext}" for d in SPEC.datasets for ext in ("xpt", "json")]
                      + ["define.html", "define.xml", "define2-1.xsl"])
    assert sorted(p.name for p in (out / "sdtm").iterdir()) == expected
    assert validate_define(out / "sdtm" / "define.xml") == []


def test_run_output_reads_back_identically_with_an_independent_reader(out):
    """The `xport` package's exact v5 decoder (not ReadStat) sees the same values, names, labels and types as
    pyreadstat, zeros included (pandas' own XPORT reader is not exact: it returns 5.4e-79 for a stored zero)."""
    for path in sorted((out / "sdtm").glob("*.xpt")) + sorted((out / "adam").glob("*.xpt")):
        ours, meta = pyreadstat.read_xport(str(path), disable_datetime_conversion=True)
        theirs_meta, theirs = read_xpt_exact(path)
        assert list(theirs.columns) == list(ours.columns), path.name
        assert theirs_meta["label"] == meta.file_label, path.name
        for col in ours.columns:
            assert theirs_meta[f"label:{col}"] == meta.column_names_to_labels[col], (path.name, col)
            if meta.readstat_variable_types[col] == "string":
                assert theirs_meta[f"type:{col}"] == "character", (path.name, col)
                assert theirs[col].tolist() == ours[col].tolist(), (path.name, col)
            else:
                assert theirs_meta[f"type:{col}"] == "numeric", (path.name, col)
                pd.testing.assert_series_equal(theirs[col], ours[col], check_names=False, check_dtype=False,
                                               check_exact=True)


def test_dataset_json_holds_what_the_xpt_holds(out):
    """Every Dataset-JSON file is valid against the 1.1 schema and reads back to the XPT's values (the exact v5
    decoder's), names, labels and record count; ADaM dates travel as ISO 8601 and come back as SAS day numbers."""
    datasets = [p for p in sorted((out / "sdtm").glob("*.json")) + sorted((out / "adam").glob("*.json"))
                if p.name != "summary.json"]
    assert len(datasets) == 39
    for path in datasets:
        assert schema_errors(path) == [], path.name
        meta, frame = read_dataset_json(path)
        xpt_meta, xpt = read_xpt_exact(path.with_suffix(".xpt"))
        assert (meta.name, meta.label) == (xpt_meta["name"], xpt_meta["label"]), path.name
        assert [c.label for c in meta.columns] == [xpt_meta[f"label:{c}"] for c in xpt.columns], path.name
        pd.testing.assert_frame_equal(frame, xpt, check_dtype=False, check_exact=True, obj=path.name)
    adsl = json.loads((out / "adam" / "adsl.json").read_text())
    trtsdt = next(c for c in adsl["columns"] if c["name"] == "TRTSDT")
    assert (trtsdt["dataType"], trtsdt["targetDataType"]) == ("date", "integer")


def test_run_xpt_attributes_come_from_the_spec(out):
    """Column order, labels and dataset label are the spec's; character lengths equal the longest value."""
    for ds in SPEC.datasets:
        df, meta = pyreadstat.read_xport(str(out / "sdtm" / f"{ds.name.lower()}.xpt"))
        variables = SPEC.variables_of(ds.name)
        assert list(df.columns) == [v.name for v in variables]
        assert meta.file_label == ds.label
        assert meta.column_names_to_labels == {v.name: v.label for v in variables}
        for v in variables:
            if not v.numeric:
                longest = max([len(x.encode()) for x in df[v.name]] + [1])
                assert meta.variable_storage_width[v.name] == longest, (ds.name, v.name)


def test_run_is_byte_identical_twice(out, tmp_path):
    again = tmp_path / "again"
    result = run("--out", str(again), "--format", FORMATS)
    assert result.exit_code == 0, result.output
    for path in [*sorted((out / "sdtm").iterdir()), *sorted((out / "adam").iterdir()),
                 *sorted((out / "reconciliation").glob("*.csv")), out / "report" / "index.html",
                 *[out / "validation" / f for f in ("issues.csv", "report.json", "report.html", "report.xlsx")],
                 *sorted((out / "report" / "figures").iterdir())]:
        twin = again / path.relative_to(out)
        assert path.read_bytes() == twin.read_bytes(), path.name


def test_reconciliation_accounts_for_every_raw_row(out):
    """Every raw row is mapped or rejected; the per-form counts add up to the export's row counts."""
    summary = pd.read_csv(out / "reconciliation" / "summary.csv", keep_default_na=False)
    for rec in summary.to_dict("records"):
        rows = len(pd.read_csv(BUNDLED_RAW / f"{rec['FORM']}.csv", dtype=str))
        assert rec["ROWS"] == rows, rec["FORM"]
        assert rec["UNACCOUNTED"] == 0, rec["FORM"]
        assert rec["MAPPED"] + rec["REJECTED"] == rows, rec["FORM"]
        assert rec["MAPPED"] == 0 or rec["DATASETS"] != "", rec["FORM"]


def test_lineage_points_at_real_raw_rows_of_the_same_subject(out, sdtm):
    """Each lineage row names a raw row whose SUBJID is the record's subject."""
    lineage = pd.read_csv(out / "reconciliation" / "lineage.csv", dtype=str, keep_default_na=False)
    raw = lineage[lineage["RAW_FORM"].ne("")]
    assert len(raw) > 0
    for form, rows in raw.groupby("RAW_FORM"):
        export = pd.read_csv(BUNDLED_RAW / f"{form}.csv", dtype=str, keep_default_na=False)
        subj = export["SUBJID"].iloc[rows["RAW_ROW"].astype(int) - 1].tolist()  # whole numbers, as written
        assert ["IM96-" + s for s in subj] == rows["USUBJID"].tolist(), form


def _minute(text: str) -> dt.datetime | None:
    """An ISO date/time to the minute; a date alone is the start of that day."""
    if len(text) < 10:
        return None
    return dt.datetime.fromisoformat(text[:16] if len(text) >= 16 else text[:10])


def _day(text: str) -> dt.date | None:
    return dt.date.fromisoformat(text[:10]) if len(text) >= 10 else None


def test_study_days_recomputed_independently(sdtm):
    """--DY = date - RFSTDTC + 1 on/after Day 1, date - RFSTDTC before; never 0 (SDTMIG 3.4 §4.4.4)."""
    ref = dict(zip(sdtm["DM"]["USUBJID"], sdtm["DM"]["RFSTDTC"], strict=True))
    checked = 0
    for name, df in sdtm.items():
        for dy in [c for c in df.columns if c.endswith("DY") and c[:-2] + "DTC" in df.columns]:
            for subject, dtc, value in zip(df["USUBJID"], df[dy[:-2] + "DTC"], df[dy], strict=True):
                d, r = _day(dtc), _day(ref.get(subject, ""))
                if d is None or r is None:
                    assert pd.isna(value), (name, dy, subject, dtc)
                    continue
                delta = (d - r).days
                assert value == (delta + 1 if delta >= 0 else delta), (name, dy, subject, dtc)
                checked += 1
    assert checked > 1000


def test_epoch_matches_subject_elements(sdtm):
    """EPOCH is the epoch of the SE element containing the date (start inclusive, next start exclusive).

    DS is exempt: its EPOCH names the epoch a disposition event closes (SDTMIG 3.4 DS assumptions). SV takes the
    epoch at the start of the visit: its date read as 00:00 against element starts to the minute (CG0218).
    """
    se = sdtm["SE"].sort_values(["USUBJID", "SESTDTC"])
    for name, df in sdtm.items():
        dtc = next((c for c in (f"{name}STDTC", f"{name}DTC") if c in df.columns), None)
        if "EPOCH" not in df.columns or dtc is None or name in ("SE", "DS"):
            continue
        when_of = _minute if name == "SV" else _day
        for subject, when, epoch in zip(df["USUBJID"], df[dtc], df["EPOCH"], strict=True):
            day = when_of(when)
            elements = se[se["USUBJID"] == subject]
            if day is None or elements.empty or day < when_of(elements["SESTDTC"].iloc[0]):
                continue
            expected = [e for s, e in zip(elements["SESTDTC"], elements["EPOCH"], strict=True)
                        if when_of(s) <= day][-1]
            assert epoch == expected, (name, subject, when)


def test_baseline_flag_once_per_treated_subject_and_test(sdtm):
    """Exactly one --LOBXFL = Y per treated subject and test, dated on or before infusion."""
    treated = sdtm["DM"].loc[sdtm["DM"]["RFSTDTC"] != "", ["USUBJID", "RFSTDTC"]]
    for name in FINDINGS_WITH_BASELINE:
        df = sdtm[name]
        flagged = df[df[f"{name}LOBXFL"] == "Y"].merge(treated, on="USUBJID")
        by = ["USUBJID", f"{name}TESTCD"] + ([f"{name}CAT"] if f"{name}CAT" in df else [])
        assert not flagged.duplicated(by).any(), name
        assert set(flagged["USUBJID"]) == set(treated["USUBJID"]), name
        assert (flagged[f"{name}DTC"].str.slice(0, 10) <= flagged["RFSTDTC"].str.slice(0, 10)).all(), name


def test_keys_are_unique(sdtm):
    for ds in SPEC.datasets:
        assert not sdtm[ds.name].duplicated(list(ds.keys)).any(), ds.name


def test_dm_tells_the_3_plus_3_story(sdtm):
    """15 subjects: 2 screen failures, 1 apheresed but not infused, 6 infused per dose level."""
    dm = sdtm["DM"]
    assert len(dm) == 15
    assert (dm["ARMNRS"] == "SCREEN FAILURE").sum() == 2
    assert dm["ACTARMCD"].value_counts().to_dict() == {"DL1": 6, "DL2": 6, "": 3}
    assert (dm["RFSTDTC"] != "").sum() == 12


BREAKS = [
    ("missing file", lambda d: (d / "ae.csv").unlink(), ["ae.csv", "missing"]),
    ("missing column", lambda d: _edit(d, "dm.csv", lambda t: t.replace("SEX,", "SEXE,", 1)), ["dm.csv", "SEX"]),
    ("unknown code", lambda d: _edit(d, "dm.csv", lambda t: t.replace(",Female,", ",Fem,", 1)),
     ["dm.csv", "SEX", "'Fem'"]),
    ("bad date", lambda d: _edit(d, "ae.csv", lambda t: _replace_first_date(t, "31-FEB-2025")),
     ["ae.csv", "31-FEB-2025"]),
    ("duplicate subject", lambda d: _edit(d, "dm.csv", _duplicate_last_line), ["dm.csv", "duplicate key", "SUBJID"]),
    ("non-ASCII", lambda d: _edit(d, "ae.csv", lambda t: t.replace("Pyrexia", "Pyr\u00e9xia", 1)),
     ["ae.csv", "not ASCII", "Pyr\u00e9xia"]),
    ("oversized value", lambda d: _edit(d, "ae.csv", lambda t: t.replace("Pyrexia", "P" * 201, 1)),
     ["ae.csv", "over 200 bytes"]),
    ("empty file", lambda d: (d / "vs.csv").write_bytes(b""), ["vs.csv", "empty"]),
    ("truncated file", lambda d: _edit(d, "cm.csv", _truncate_in_quote), ["cm.csv", "not a readable CSV", "EOF inside string"]),
    ("semicolons", lambda d: _edit(d, "ds.csv", lambda t: t.replace(",", ";")), ["RAW_DELIMITER", "ds.csv", "separated by semicolons"]),
    ("Latin-1 text", lambda d: _edit_bytes(d, "ae.csv", lambda b: b.replace(b"Pyrexia", "Pyr\u00e9xia".encode("latin-1"), 1)),
     ["ae.csv", "column AEDECOD, row 18, value 'Pyr\u00e9xia'", "not UTF-8 either"]),
    ("duplicate rows", lambda d: _edit(d, "lb.csv", _repeat_first_row),
     ["lb.csv", "row 2, value '001-001/SCREENING/08-FEB-2024/WBC'", "row 1 has the same key", "whole row"]),
    ("10,000-character text", lambda d: _edit(d, "ae.csv", lambda t: t.replace("Pyrexia", "P" * 10_000, 1)),
     ["ae.csv", "column AEDECOD, row 18", "(10000 characters)", "over 200 bytes"]),
    ("number for a date", lambda d: _edit(d, "ae.csv", lambda t: _replace_first_date(t, "45352")),
     ["ae.csv", "column AESTDAT, row 1, value '45352'", "expected DD-MON-YYYY"]),
    ("date in another format", lambda d: _edit(d, "ae.csv", lambda t: _replace_first_date(t, "2025-03-01")),
     ["ae.csv", "column AESTDAT, row 1, value '2025-03-01'", "expected DD-MON-YYYY"]),
    ("unknown subject", lambda d: _edit(d, "lb.csv", lambda t: t.replace("\n001-001,", "\n001-099,", 1)),
     ["RAW_UNKNOWN_SUBJECT", "lb.csv, column SUBJID, row 1, value '001-099'", "not in dm.csv"]),
    # pandas alone would shift this record's values one column to the right (its first value an index)
    ("extra field in the first record", lambda d: _edit(d, "lb.csv", lambda t: _change_line(t, 1, lambda r: r + ",N")),
     ["RAW_FIELD_COUNT", "lb.csv, row 1, value '14'", "record has 14 fields, the header has 13"]),
    # pandas alone would fill the missing fields with blanks
    ("short record", lambda d: _edit(d, "vs.csv", lambda t: _change_line(t, 3, lambda r: r.rsplit(",", 2)[0])),
     ["RAW_FIELD_COUNT", "vs.csv, row 3, value '9'", "record has 9 fields, the header has 11"]),
    ("a folder for a form", lambda d: ((d / "ae.csv").unlink(), (d / "ae.csv").mkdir()),
     ["RAW_UNREADABLE", "ae.csv", "file cannot be read (a folder, not a file)"]),
    ("year 0001", lambda d: _edit(d, "ae.csv", lambda t: _replace_first_date(t, "07-MAR-0001")),
     ["ae.csv", "column AESTDAT, row 1, value '07-MAR-0001'", "year 0001 is outside 1900-2100"]),
]
NO_ROW = ("missing file", "missing column", "empty file", "semicolons", "a folder for a form")


def _edit(folder: Path, name: str, change) -> None:
    _edit_bytes(folder, name, lambda b: change(b.decode("utf-8")).encode("utf-8"))


def _edit_bytes(folder: Path, name: str, change) -> None:
    path = folder / name
    path.write_bytes(change(path.read_bytes()))


def _change_line(text: str, number: int, change) -> str:
    lines = text.split("\n")
    lines[number] = change(lines[number])
    return "\n".join(lines)


def _replace_first_date(text: str, new: str) -> str:
    import re
    return re.sub(r"\d{2}-[A-Z]{3}-\d{4}", new, text, count=1)


def _truncate_in_quote(text: str) -> str:
    """The export cut off in the middle of a quoted value: three records, then an unterminated quote."""
    lines = text.split("\n")
    return "\n".join(lines[:4]) + '\n001-099,1,"Paracetamol 500 mg'


def _repeat_first_row(text: str) -> str:
    lines = text.split("\n")
    return "\n".join([lines[0], lines[1], *lines[1:]])


def _duplicate_last_line(text: str) -> str:
    lines = text.rstrip("\n").split("\n")
    return "\n".join([*lines, lines[-1]]) + "\n"


@pytest.mark.parametrize(("label", "breaker", "expected"), BREAKS, ids=[b[0] for b in BREAKS])
def test_broken_export_gives_clear_error_and_no_output(tmp_path, label, breaker, expected):
    """Exit code 2, a message naming the file/column/row/value, no traceback, the previous output untouched and no
    staging folder left."""
    raw = tmp_path / "raw"
    shutil.copytree(BUNDLED_RAW, raw)
    breaker(raw)
    out = tmp_path / "out"
    (out / "sdtm").mkdir(parents=True)
    (out / "sdtm" / "dm.xpt").write_bytes(b"the previous run's file")
    result = CliRunner().invoke(main, ["run", "--raw", str(raw), "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)
    for text in expected:
        assert text in result.output, (label, text, result.output[:2000])
    assert "row " in result.output or label in NO_ROW
    assert [str(p.relative_to(out)) for p in sorted(out.rglob("*"))] == ["sdtm", "sdtm/dm.xpt"]
    assert (out / "sdtm" / "dm.xpt").read_bytes() == b"the previous run's file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "raw"]


def test_bom_reordered_and_extra_columns_are_acceptable_input(out, tmp_path):
    """A UTF-8 byte order mark, columns in another order, columns the dictionary does not declare (an EDC's
    audit columns, one of them named like a lineage column, and the unnamed empty one a comma at the end of every
    line makes) and Windows (CR LF) or old Mac (CR) line ends map to the very same datasets."""
    raw = tmp_path / "raw"
    shutil.copytree(BUNDLED_RAW, raw)
    (raw / "ae.csv").write_bytes(b"\xef\xbb\xbf" + (raw / "ae.csv").read_bytes())
    (raw / "vs.csv").write_bytes((raw / "vs.csv").read_bytes().replace(b"\n", b"\r\n"))
    (raw / "cm.csv").write_bytes((raw / "cm.csv").read_bytes().replace(b"\n", b"\r"))
    (raw / "eg.csv").write_bytes((raw / "eg.csv").read_bytes().replace(b"\n", b",\n"))
    dm = pd.read_csv(raw / "dm.csv", dtype=str, keep_default_na=False)
    dm[list(reversed(dm.columns))].to_csv(raw / "dm.csv", index=False)
    lb = pd.read_csv(raw / "lb.csv", dtype=str, keep_default_na=False)
    lb.assign(AUDITUSR="edc-user", RAW_ROW="x", LBORRES2=lb["LBORRES"]).to_csv(raw / "lb.csv", index=False)
    result = CliRunner().invoke(main, ["run", "--raw", str(raw), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    expected = sorted((out / "sdtm").glob("*.xpt")) + sorted((out / "adam").glob("*.xpt"))
    assert len(expected) == 39
    for path in expected:
        assert (tmp_path / "out" / path.relative_to(out)).read_bytes() == path.read_bytes(), path.name


def test_forms_with_a_header_and_no_records_map_to_datasets_without_records(tmp_path):
    """A data cut may have no adverse events, labs, responses or PK samples yet: their forms are exported with a
    header and no records, and their datasets are written without records (AE, LB, MH, EG, RS, PC; CM keeps the
    anticancer therapies of nact.csv). Every subject's best overall response is then not evaluable, under its
    full parameter name."""
    emptied = ("ae", "cm", "lb", "mh", "eg", "rs", "pc", "ld")
    raw = tmp_path / "raw"
    shutil.copytree(BUNDLED_RAW, raw)
    for form in emptied:
        path = raw / f"{form}.csv"
        path.write_text(path.read_text().split("\n")[0] + "\n")
    result = CliRunner().invoke(main, ["run", "--raw", str(raw), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    for name in ("ae", "lb", "mh", "eg", "rs", "pc"):
        frame, meta = pyreadstat.read_xport(str(tmp_path / "out" / "sdtm" / f"{name}.xpt"))
        assert len(frame) == 0 and meta.number_rows == 0, name
        assert "USUBJID" in frame.columns
    adrs = pyreadstat.read_xport(str(tmp_path / "out" / "adam" / "adrs.xpt"))[0]
    bor = adrs[adrs["PARAMCD"].isin(["BOR", "CBOR"])]
    assert sorted(set(zip(bor["PARAMCD"], bor["PARAM"], bor["AVALC"], strict=True))) == [
        ("BOR", "Best Overall Response (Unconfirmed)", "NE"), ("CBOR", "Best Confirmed Overall Response", "NE")]
    assert "no unexplained conformance errors" in result.output
    report = json.loads((tmp_path / "out" / "validation" / "report.json").read_text())
    assert sorted(f["dataset"] for f in report["findings"] if f["rule"] == "CG0408") == [
        "AE", "EG", "LB", "MH", "PC", "PP", "RELREC", "RS", "SUPPAE", "SUPPEX"]  # SUPPEX: no LD chemotherapy


def test_failed_run_keeps_previous_output(out, tmp_path):
    """A failing run leaves an earlier output untouched."""
    target = tmp_path / "out"
    shutil.copytree(out, target)
    before = {p.name: p.read_bytes() for p in (target / "sdtm").iterdir()}
    result = CliRunner().invoke(main, ["run", "--raw", str(tmp_path / "nowhere"), "--out", str(target)])
    assert result.exit_code == 2
    assert {p.name: p.read_bytes() for p in (target / "sdtm").iterdir()} == before


def test_run_refuses_an_output_folder_that_holds_its_raw_export(tmp_path):
    """`--out` around the raw export would replace it, raw files and all, with the output: exit 2, nothing moved."""
    raw = tmp_path / "study" / "raw"
    shutil.copytree(BUNDLED_RAW, raw)
    result = CliRunner().invoke(main, ["run", "--raw", str(raw), "--out", str(tmp_path / "study")])
    assert result.exit_code == 2 and "would be replaced whole, deleting" in result.output
    assert sorted(p.name for p in (tmp_path / "study").iterdir()) == ["raw"]
    assert (raw / "dm.csv").read_bytes() == (BUNDLED_RAW / "dm.csv").read_bytes()


def test_an_unknown_study_is_a_usage_error_naming_the_known_ones(tmp_path):
    """A study is found by name (specs/<name>/ + mappings/<name>/); a name that is neither exits 2, writes nothing."""
    for name in ("nope", "../im96", "IM96"):
        result = CliRunner().invoke(main, ["run", "--study", name, "--out", str(tmp_path / "o")])
        assert result.exit_code == 2, name
        assert f"no study '{name}'" in result.output
        assert "im96" in result.output.split("known: ")[1].strip().split(", ")
    assert not (tmp_path / "o").exists()


def test_help_explains_every_command():
    for args in (["--help"], ["run", "--help"], ["simulate", "--help"], ["validate", "--help"], ["define", "--help"],
                 ["convert", "--help"], ["spec", "--help"], ["spec", "export", "--help"], ["spec", "import", "--help"],
                 ["spec", "from-define", "--help"], ["report", "--help"], ["new-study", "--help"]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0
        assert "Usage" in result.output


def test_run_writes_adam_with_a_valid_define(out):
    """One .xpt per ADaM spec dataset, define.xml valid against the Define-XML 2.1 XSD, and the summary twins."""
    adam_spec = load_spec(Path(__file__).resolve().parents[1] / "specs" / "im96", "adam")
    expected = sorted([f"{d.name.lower()}.{ext}" for d in adam_spec.datasets for ext in ("xpt", "json")]
                      + ["define.html", "define.xml", "define2-1.xsl", "summary.json", "summary.md"])
    assert sorted(p.name for p in (out / "adam").iterdir()) == expected
    assert validate_define(out / "adam" / "define.xml") == []


def test_summary_gives_the_3_plus_3_decisions_and_exact_intervals(out):
    """DL1: 1 DLT in 6 evaluable opens DL2; DL2 (highest) 1/6 is cleared. ORR 6/12 has the Clopper-Pearson
    95 % CI (0.2109, 0.7891) and DCR 10/12 (0.5159, 0.9791) (exact binomial tables)."""
    summary = json.loads((out / "adam" / "summary.json").read_text())
    assert [(d["dlt_evaluable"], d["with_dlt"], d["decision"]) for d in summary["dlt"]] == [
        (6, 1, "OPEN NEXT DOSE GROUP"), (6, 1, "DOSE GROUP CLEARED (highest planned dose)")]
    assert summary["response"]["RSP"]["OVERALL"] == {"x": 6, "n": 12, "rate": 0.5, "ci95": [0.2109, 0.7891]}
    assert summary["response"]["DCR"]["OVERALL"] == {"x": 10, "n": 12, "rate": 0.8333, "ci95": [0.5159, 0.9791]}
    assert "| IM96 12x10^8 CAR-T cells | 6 | 1 | OPEN NEXT DOSE GROUP |" in (out / "adam" / "summary.md").read_text()


def test_simulate_command_writes_a_loadable_export(tmp_path):
    """`cdisc simulate` writes an export of the bundled shape that the raw loader accepts, at another size."""
    from cdisc.raw import load_raw

    result = CliRunner().invoke(main, ["simulate", "--subjects", "8", "--seed", "7", "--out", str(tmp_path / "x")])
    assert result.exit_code == 0, result.output
    raw = load_raw(tmp_path / "x")
    assert len(raw.form("dm")) == 8
    assert sorted(p.name for p in (tmp_path / "x").iterdir()) == sorted(p.name for p in BUNDLED_RAW.iterdir())


def test_units_are_spelled_once_param_avalu_and_summary_agree(out):
    """The unit in ADPC/ADPP PARAM is the AVALU of the same records, and the summary's kinetics units are it too."""
    import re

    units = {}
    for name in ("adpc", "adpp"):
        df, _ = pyreadstat.read_xport(str(out / "adam" / f"{name}.xpt"))
        measured = df[df["AVALU"].ne("")]
        for param, avalu in set(zip(measured["PARAM"], measured["AVALU"], strict=True)):
            assert re.search(r"\(([^()]*)\)$", param).group(1) == avalu, (name, param, avalu)
        units |= dict(zip(measured["PARAMCD"], measured["AVALU"], strict=True))
    summary = json.loads((out / "adam" / "summary.json").read_text())["cellular_kinetics"]
    assert {p: v["unit"] for p, v in summary.items()} == {p: units[p] for p in summary}
    assert summary["AUC90CC"]["unit"] == "day*10^6/L" and summary["CMAXCC"]["unit"] == "10^6/L"


def test_a_reference_time_point_always_has_its_name(sdtm):
    """--RFTDTC is never given without --TPTREF (CORE-000165): PC and PP both name the IM96 infusion."""
    for name in ("PC", "PP"):
        df = sdtm[name]
        dated = df[df[f"{name}RFTDTC"].ne("")]
        assert len(dated) > 0 and set(dated[f"{name}TPTREF"]) == {"IM96 INFUSION"}, name


def test_every_event_date_has_its_study_day(sdtm):
    """--DTC, --STDTC, --ENDTC come with --DY, --STDY, --ENDY in every domain but DM (whose dates are the references)
    and --RFTDTC (a reference time point) (CORE-000328, CORE-000776); MH included (complete dates only)."""
    for name, df in sdtm.items():
        for col in [c for c in df.columns if c.endswith("DTC") and not c.endswith("RFTDTC") and name != "DM"]:
            stem = col[:-3]
            day = stem[:-2] + ("STDY" if stem.endswith("ST") else "ENDY") if stem[-2:] in ("ST", "EN") else stem + "DY"
            assert day in df.columns, (name, col)
    treated = set(sdtm["DM"].loc[sdtm["DM"]["RFSTDTC"].ne(""), "USUBJID"])
    mh = sdtm["MH"][sdtm["MH"]["USUBJID"].isin(treated)]  # no reference start, no study day
    complete = mh["MHSTDTC"].str.len().eq(10)
    assert mh.loc[complete, "MHSTDY"].notna().all() and mh.loc[~complete, "MHSTDY"].isna().all()
    assert (mh.loc[complete, "MHSTDY"] < 0).all()


def test_trial_summary_has_every_required_parameter_populated(sdtm):
    """The TS parameters of CG0287, FDA TRC 1734 and the interventional-study rules are all there; each has a value
    or a null flavour; coded values name their terminology from DICTNAM (CDISC CT, ISO 3166, ISO 8601)."""
    from cdisc.validate.rules import TS_REQUIRED

    ts = sdtm["TS"]
    assert set(TS_REQUIRED) <= set(ts["TSPARMCD"])
    assert (ts["TSVAL"].ne("") | ts["TSVALNF"].ne("")).all()
    assert set(ts.loc[ts["TSVALCD"].ne(""), "TSVCDREF"]) <= {"CDISC CT", "ISO 3166"}
    assert ts.set_index("TSPARMCD").loc[["INTMODEL", "INTTYPE"], "TSVAL"].tolist() == ["SEQUENTIAL", "BIOLOGIC"]


def test_simulate_command_schedule_option(tmp_path):
    """`--schedule phase3` writes the Phase 3-like export; an unknown schedule is a usage error (exit 2)."""
    result = CliRunner().invoke(main, ["simulate", "--subjects", "3", "--seed", "7", "--out", str(tmp_path / "x"),
                                       "--schedule", "phase3"])
    assert result.exit_code == 0, result.output
    assert "phase3 schedule" in result.output
    assert "COAGULATION" in (tmp_path / "x" / "lb.csv").read_text()
    result = CliRunner().invoke(main, ["simulate", "--subjects", "3", "--seed", "7", "--out", str(tmp_path / "y"),
                                       "--schedule", "phase2"])
    assert result.exit_code == 2
    assert "Traceback" not in result.output


@pytest.mark.parametrize(("arguments", "code", "stream", "text"), [
    (["--help"], 0, "stdout", "Commands:"),
    (["validate", "no-such-folder"], 2, "stderr", "error: no-such-folder is not a folder"),
    (["no-such-command"], 2, "stderr", "No such command 'no-such-command'"),
])
def test_the_command_ends_with_its_exit_code_and_all_its_output(tmp_path, arguments, code, stream, text):
    """`cdisc` (cli.entry) ends the process at once after the command: the exit code is the command's and what it
    printed is all there (flushed first), read through a pipe as a CI log reads it."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, str(Path(__file__).parents[1] / "cli.py"), *arguments], cwd=tmp_path,
                          capture_output=True, text=True)
    assert done.returncode == code
    assert text in getattr(done, stream)


@pytest.mark.parametrize(("args", "message"), [
    (["--seed", "-5"], "Invalid value for '--seed': -5 is not in the range x>=0"),  # was a ValueError traceback
    (["--subjects", "1000000000"], "Invalid value for '--subjects': 1000000000 is not in the range 1<=x<=100000"),
    (["--out", ""], "Invalid value for '--out': an empty path"),  # wrote into the current folder
])
def test_simulate_refuses_options_it_cannot_honour(tmp_path, args, message):
    options = {"--subjects": "2", "--seed": "1", "--out": str(tmp_path / "raw")}
    options.update(zip(args[::2], args[1::2], strict=True))
    result = CliRunner().invoke(main, ["simulate", *[x for pair in options.items() for x in pair]])
    assert result.exit_code == 2 and message in result.output, result.output
    assert not (tmp_path / "raw").exists()


def test_simulate_writes_only_into_a_new_or_empty_folder(tmp_path):
    """Over another export it overwrote the forms and left the others (zz.csv) beside them: two exports mixed."""
    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "zz.csv").write_text("A\n1\n")
    result = CliRunner().invoke(main, ["simulate", "--subjects", "2", "--seed", "1", "--out", str(tmp_path / "raw")])
    assert result.exit_code == 2 and "is not empty" in result.output, result.output
    assert [p.name for p in (tmp_path / "raw").iterdir()] == ["zz.csv"]
