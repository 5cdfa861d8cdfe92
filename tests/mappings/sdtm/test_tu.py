"""tu.py: TU, TR and RS from the RECIST 1.1 forms on a 2-subject fixture (plus one unknown subject).

Expected values are worked by hand: study days from DM.RFSTDTC (Day 1 = infusion, no Day 0), epochs from
SE, unscheduled visits numbered after the last scheduled visit (10 -> 10.01), RECIST 1.1 'too small to
measure' = 5 mm (SDTMIG 3.4 TR assumption 4), new unequivocal lesion = PRESENT (TU assumption 6), and a
response collected as NA = RSSTAT NOT DONE (SDTMIG 3.4 RS notes).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cdisc.context import StudyContext
from cdisc.errors import MappingError
from cdisc.finalize import finalize
from cdisc.raw import RawStudy
from mappings.im96.sdtm import tu
from tests.helpers import assert_frame_equal_by_keys

S1, S2 = "IM96-001-001", "IM96-001-002"
NAN = np.nan

TSTM, UP = "TOO SMALL TO MEASURE", "UNEQUIVOCAL PROGRESSION"
TL = pd.DataFrame([
    # SUBJID,   VISIT,       TLDAT,        TLID,  TLLOC,  TLLAT, TLDESC, TLNODAL, TLMETH, TLDIAM, TLND, TLREASND
    ("001-001", "SCREENING", "10-FEB-2024", "T01", "LIVER", "", "Segment VI", "N", "CT SCAN", "32", "", ""),
    ("001-001", "SCREENING", "10-FEB-2024", "T02", "LYMPH NODE", "", "Para-aortic", "Y", "CT SCAN", "18", "", ""),
    ("001-001", "DAY 28", "29-MAR-2024", "T01", "LIVER", "", "Segment VI", "N", "CT SCAN", TSTM, "", ""),
    ("001-001", "DAY 28", "29-MAR-2024", "T02", "LYMPH NODE", "", "Para-aortic", "Y", "CT SCAN", "8", "", ""),
    ("001-001", "MONTH 2", "02-MAY-2024", "T01", "LIVER", "", "Segment VI", "N", "CT SCAN", "0", "", ""),
    ("001-001", "MONTH 2", "02-MAY-2024", "T02", "LYMPH NODE", "", "Para-aortic", "Y", "CT SCAN", "", "Y", "No scan"),
    ("001-002", "SCREENING", "14-MAR-2024", "T01", "LUNG", "RIGHT", "Upper lobe", "N", "MRI", "25", "", ""),
    ("001-099", "SCREENING", "14-MAR-2024", "T01", "LIVER", "", "Segment II", "N", "CT SCAN", "40", "", ""),
], columns=["SUBJID", "VISIT", "TLDAT", "TLID", "TLLOC", "TLLAT", "TLDESC", "TLNODAL", "TLMETH", "TLDIAM", "TLND",
            "TLREASND"])
NTL = pd.DataFrame([
    ("001-001", "SCREENING", "10-FEB-2024", "NT01", "PERITONEUM", "Peritoneal nodules", "CT SCAN", "PRESENT"),
    ("001-001", "DAY 28", "29-MAR-2024", "NT01", "PERITONEUM", "Peritoneal nodules", "CT SCAN", "NOT EVALUATED"),
    ("001-001", "UNSCHEDULED", "15-APR-2024", "NT01", "PERITONEUM", "Peritoneal nodules", "MRI", UP),
], columns=["SUBJID", "VISIT", "NTLDAT", "NTLID", "NTLLOC", "NTLDESC", "NTLMETH", "NTLSTAT"])
NL = pd.DataFrame([
    ("001-001", "UNSCHEDULED", "15-APR-2024", "NL01", "LUNG", "New right lower lobe nodule", "CT SCAN", "Y"),
], columns=["SUBJID", "VISIT", "NLDAT", "NLID", "NLLOC", "NLDESC", "NLMETH", "NLEQUIV"])
RS = pd.DataFrame([
    # SUBJID,   VISIT,         RSDAT,         TRGRESP, NTRGRESP, NEWLES, OVRLRESP
    ("001-001", "DAY 28",      "29-MAR-2024", "PR",    "NE",     "N",    "PR"),
    ("001-001", "UNSCHEDULED", "15-APR-2024", "PR",    "PD",     "Y",    "PD"),
    ("001-002", "DAY 28",      "05-MAY-2024", "SD",    "NA",     "N",    "SD"),
], columns=["SUBJID", "VISIT", "RSDAT", "TRGRESP", "NTRGRESP", "NEWLES", "OVRLRESP"])

DICTIONARY = pd.DataFrame({"FORM": "rs", "FIELD": ["TRGRESP", "NTRGRESP", "NEWLES", "OVRLRESP"],
                           "CODELIST": ["TRGRESP", "NTRGRESP", "NY", "OVRLRESP"]})
EDC_CODELISTS = pd.DataFrame({"CODELIST": ["TRGRESP", "NTRGRESP"], "CODE": ["NA", "NA"],
                              "DECODE": ["Not applicable (no target lesions)",
                                         "Not applicable (no non-target lesions)"]})

DM = pd.DataFrame({"USUBJID": [S1, S2], "SUBJID": ["001-001", "001-002"],
                   "RFSTDTC": ["2024-03-05T11:10", "2024-04-09T10:15"]})
SE = pd.DataFrame({
    "USUBJID": [S1, S1, S1, S2, S2, S2],
    "SESTDTC": ["2024-02-08", "2024-03-05", "2024-03-06", "2024-03-10", "2024-04-09", "2024-04-10"],
    "EPOCH":   ["SCREENING", "TREATMENT", "FOLLOW-UP", "SCREENING", "TREATMENT", "FOLLOW-UP"],
})
# No unscheduled visits in SV: unscheduled records are numbered from their own dates.
NO_UNSCHEDULED_SV = pd.DataFrame(columns=["USUBJID", "VISITNUM", "VISIT", "SVSTDTC"])

TV = pd.DataFrame({"VISITNUM": [1.0, 4.0, 10.0, 11.0], "VISIT": ["SCREENING", "DAY 1", "DAY 28", "MONTH 2"],
                   "VISITDY": [-28.0, 1.0, 28.0, 60.0]})


def raw_form(name: str, df: pd.DataFrame) -> pd.DataFrame:
    return df.assign(RAW_FORM=name, RAW_ROW=range(1, len(df) + 1))



@pytest.fixture(scope="module")
def results(spec):
    forms = {"tl": raw_form("tl", TL), "ntl": raw_form("ntl", NTL), "nl": raw_form("nl", NL), "rs": raw_form("rs", RS)}
    raw = RawStudy(Path("."), DICTIONARY, EDC_CODELISTS, forms)
    ctx = StudyContext(spec=spec, raw=raw, design_dir=Path("specs/im96/design"),
                       done={"DM": DM, "SE": SE, "TV": TV, "SV": NO_UNSCHEDULED_SV})
    return {r.name: r for r in tu.build(ctx)}


def test_build_tu_one_record_per_lesion_at_first_sight(results, spec):
    """Target/non-target lesions are identified at screening, the new lesion at the unscheduled visit."""
    out = finalize(results["TU"], spec).data
    what = pd.DataFrame([
        # USUBJID, TULNKID, TUORRES,   TULOC,        TULAT,   TUMETHOD,  TULOBXFL
        (S1, "T01",  "TARGET",     "LIVER",      "",      "CT SCAN", "Y"),
        (S1, "T02",  "TARGET",     "LYMPH NODE", "",      "CT SCAN", "Y"),
        (S1, "NT01", "NON-TARGET", "PERITONEUM", "",      "CT SCAN", "Y"),
        (S1, "NL01", "NEW",        "LUNG",       "",      "CT SCAN", ""),
        (S2, "T01",  "TARGET",     "LUNG",       "RIGHT", "MRI",     "Y"),
    ], columns=["USUBJID", "TULNKID", "TUORRES", "TULOC", "TULAT", "TUMETHOD", "TULOBXFL"])
    when = pd.DataFrame([
        # USUBJID, TULNKID, VISITNUM, VISIT,             EPOCH,       TUDTC,        TUDY
        (S1, "T01",  1.0,   "SCREENING",         "SCREENING", "2024-02-10", -24.0),
        (S1, "T02",  1.0,   "SCREENING",         "SCREENING", "2024-02-10", -24.0),
        (S1, "NT01", 1.0,   "SCREENING",         "SCREENING", "2024-02-10", -24.0),
        (S1, "NL01", 10.01, "UNSCHEDULED 10.01", "FOLLOW-UP", "2024-04-15", 42.0),
        (S2, "T01",  1.0,   "SCREENING",         "SCREENING", "2024-03-14", -26.0),
    ], columns=["USUBJID", "TULNKID", "VISITNUM", "VISIT", "EPOCH", "TUDTC", "TUDY"])
    assert_frame_equal_by_keys(out, what, keys=["USUBJID", "TULNKID"])
    assert_frame_equal_by_keys(out, when, keys=["USUBJID", "TULNKID"])
    assert (out["TUTESTCD"] + "/" + out["TUTEST"]).unique().tolist() == ["TUMIDENT/Tumor Identification"]
    assert out["TUSTRESC"].tolist() == out["TUORRES"].tolist()
    assert out["TUEVAL"].unique().tolist() == ["INVESTIGATOR"]


def test_build_tr_measurements_states_and_not_done(results, spec):
    """Nodes by short axis (LPERP), too small = 5 mm, not evaluated kept as NE, not done without a result."""
    out = finalize(results["TR"], spec).data
    results_ = pd.DataFrame([
        # USUBJID, TRLNKID, VISITNUM, TRTESTCD, TRORRES,       TRORRESU, TRSTRESC,    TRSTRESN, TRSTRESU, TRSTAT
        (S1, "T01",  1.0,   "LDIAM",    "32",            "mm", "32",          32.0, "mm", ""),
        (S1, "T01",  10.0,  "LDIAM",    TSTM,            "mm", "5",           5.0,  "mm", ""),
        (S1, "T01",  11.0,  "LDIAM",    "0",             "mm", "0",           0.0,  "mm", ""),
        (S1, "T02",  1.0,   "LPERP",    "18",            "mm", "18",          18.0, "mm", ""),
        (S1, "T02",  10.0,  "LPERP",    "8",             "mm", "8",           8.0,  "mm", ""),
        (S1, "T02",  11.0,  "LPERP",    "",              "",   "",            NAN,  "",   "NOT DONE"),
        (S1, "NT01", 1.0,   "TUMSTATE", "PRESENT",       "",   "PRESENT",     NAN,  "",   ""),
        (S1, "NT01", 10.0,  "TUMSTATE", "NOT EVALUATED", "",   "NE",          NAN,  "",   ""),
        (S1, "NT01", 10.01, "TUMSTATE", UP,              "",   "UNEQUIVOCAL", NAN,  "",   ""),
        (S1, "NL01", 10.01, "TUMSTATE", "PRESENT",       "",   "PRESENT",     NAN,  "",   ""),
        (S2, "T01",  1.0,   "LDIAM",    "25",            "mm", "25",          25.0, "mm", ""),
    ], columns=["USUBJID", "TRLNKID", "VISITNUM", "TRTESTCD", "TRORRES", "TRORRESU", "TRSTRESC", "TRSTRESN",
                "TRSTRESU", "TRSTAT"])
    context = pd.DataFrame([
        # USUBJID, TRLNKID, VISITNUM, TRGRPID, TRLNKGRP, TRMETHOD, TRLOBXFL, VISIT,             TRDTC,        TRDY
        (S1, "T01",  1.0,   "TARGET",     "V1",     "CT SCAN", "Y", "SCREENING",         "2024-02-10", -24.0),
        (S1, "T01",  10.0,  "TARGET",     "V10",    "CT SCAN", "",  "DAY 28",            "2024-03-29", 25.0),
        (S1, "T01",  11.0,  "TARGET",     "V11",    "CT SCAN", "",  "MONTH 2",           "2024-05-02", 59.0),
        (S1, "T02",  1.0,   "TARGET",     "V1",     "CT SCAN", "Y", "SCREENING",         "2024-02-10", -24.0),
        (S1, "T02",  10.0,  "TARGET",     "V10",    "CT SCAN", "",  "DAY 28",            "2024-03-29", 25.0),
        (S1, "T02",  11.0,  "TARGET",     "V11",    "CT SCAN", "",  "MONTH 2",           "2024-05-02", 59.0),
        (S1, "NT01", 1.0,   "NON-TARGET", "V1",     "CT SCAN", "Y", "SCREENING",         "2024-02-10", -24.0),
        (S1, "NT01", 10.0,  "NON-TARGET", "V10",    "CT SCAN", "",  "DAY 28",            "2024-03-29", 25.0),
        (S1, "NT01", 10.01, "NON-TARGET", "V10.01", "MRI",     "",  "UNSCHEDULED 10.01", "2024-04-15", 42.0),
        (S1, "NL01", 10.01, "NEW",        "V10.01", "CT SCAN", "",  "UNSCHEDULED 10.01", "2024-04-15", 42.0),
        (S2, "T01",  1.0,   "TARGET",     "V1",     "MRI",     "Y", "SCREENING",         "2024-03-14", -26.0),
    ], columns=["USUBJID", "TRLNKID", "VISITNUM", "TRGRPID", "TRLNKGRP", "TRMETHOD", "TRLOBXFL", "VISIT", "TRDTC",
                "TRDY"])
    assert_frame_equal_by_keys(out, results_, keys=["USUBJID", "TRLNKID", "VISITNUM"])
    assert_frame_equal_by_keys(out, context, keys=["USUBJID", "TRLNKID", "VISITNUM"])
    assert out.loc[out["TRSTAT"].ne(""), "TRREASND"].tolist() == ["No scan"]
    assert dict(zip(out["TRTESTCD"], out["TRTEST"], strict=True)) == {"LDIAM": "Longest Diameter",
                                                         "LPERP": "Longest Perpendicular", "TUMSTATE": "Tumor State"}


def test_build_rs_reported_responses_with_not_applicable_as_not_done(results, spec):
    """Each response column is one record; NA (no non-target lesions) has no result and RSSTAT NOT DONE."""
    out = finalize(results["RS"], spec).data
    expected = pd.DataFrame([
        # USUBJID, VISITNUM, RSTESTCD, RSORRES, RSSTRESC, RSSTAT, RSLNKGRP, VISIT,              RSDTC,        RSDY
        (S1, 10.0,  "TRGRESP",  "PR", "PR", "",         "V10",    "DAY 28",            "2024-03-29", 25.0),
        (S1, 10.0,  "NTRGRESP", "NE", "NE", "",         "V10",    "DAY 28",            "2024-03-29", 25.0),
        (S1, 10.0,  "NEWLIND",  "N",  "N",  "",         "V10",    "DAY 28",            "2024-03-29", 25.0),
        (S1, 10.0,  "OVRLRESP", "PR", "PR", "",         "V10",    "DAY 28",            "2024-03-29", 25.0),
        (S1, 10.01, "TRGRESP",  "PR", "PR", "",         "V10.01", "UNSCHEDULED 10.01", "2024-04-15", 42.0),
        (S1, 10.01, "NTRGRESP", "PD", "PD", "",         "V10.01", "UNSCHEDULED 10.01", "2024-04-15", 42.0),
        (S1, 10.01, "NEWLIND",  "Y",  "Y",  "",         "V10.01", "UNSCHEDULED 10.01", "2024-04-15", 42.0),
        (S1, 10.01, "OVRLRESP", "PD", "PD", "",         "V10.01", "UNSCHEDULED 10.01", "2024-04-15", 42.0),
        (S2, 10.0,  "TRGRESP",  "SD", "SD", "",         "V10",    "DAY 28",            "2024-05-05", 27.0),
        (S2, 10.0,  "NTRGRESP", "",   "",   "NOT DONE", "V10",    "DAY 28",            "2024-05-05", 27.0),
        (S2, 10.0,  "NEWLIND",  "N",  "N",  "",         "V10",    "DAY 28",            "2024-05-05", 27.0),
        (S2, 10.0,  "OVRLRESP", "SD", "SD", "",         "V10",    "DAY 28",            "2024-05-05", 27.0),
    ], columns=["USUBJID", "VISITNUM", "RSTESTCD", "RSORRES", "RSSTRESC", "RSSTAT", "RSLNKGRP", "VISIT", "RSDTC",
                "RSDY"])
    assert_frame_equal_by_keys(out, expected, keys=["USUBJID", "VISITNUM", "RSTESTCD"])
    assert out.loc[out["RSSTAT"].ne(""), "RSREASND"].tolist() == ["Not applicable (no non-target lesions)"]
    assert out["RSCAT"].unique().tolist() == ["RECIST 1.1"]
    assert out["EPOCH"].unique().tolist() == ["FOLLOW-UP"]


def test_build_supptu_location_detail_per_lesion(results, spec):
    """SUPPTU: the CRF free-text location detail of each lesion, one TULOCDTL record per TU record, IDVARVAL =
    TUSEQ (lesions sort by TULNKID: NL01, NT01, T01, T02), QORIG Collected, no evaluator (SDTMIG 3.4 §8.4); its
    lineage is the row TU was identified from."""
    out = finalize(results["SUPPTU"], spec)
    expected = pd.DataFrame([
        # USUBJID, IDVARVAL, QVAL,                          RAW_FORM, RAW_ROW
        (S1, "1", "New right lower lobe nodule", "nl",  1),
        (S1, "2", "Peritoneal nodules",          "ntl", 1),
        (S1, "3", "Segment VI",                  "tl",  1),
        (S1, "4", "Para-aortic",                 "tl",  2),
        (S2, "1", "Upper lobe",                  "tl",  7),
    ], columns=["USUBJID", "IDVARVAL", "QVAL", "RAW_FORM", "RAW_ROW"])
    data = out.data.assign(RAW_FORM=out.lineage["RAW_FORM"], RAW_ROW=out.lineage["RAW_ROW"])
    assert_frame_equal_by_keys(data, expected, keys=["USUBJID", "IDVARVAL"])
    assert (data["STUDYID"] + "|" + data["RDOMAIN"] + "|" + data["IDVAR"] + "|" + data["QNAM"] + "|"
            + data["QLABEL"] + "|" + data["QORIG"] + "|" + data["QEVAL"]).unique().tolist() == [
        "IM96|TU|TUSEQ|TULOCDTL|Tumor Location Detail|Collected|"]
    tuseq = finalize(results["TU"], spec).data.set_index("TULNKID").loc[["NL01", "NT01", "T01", "T02"]]
    assert tuseq.loc[tuseq["USUBJID"].eq(S1), "TUSEQ"].tolist() == [1.0, 2.0, 3.0, 4.0]


def test_build_refuses_a_location_detail_that_changes_between_visits(spec):
    """SUPPTU keeps one location detail per lesion, so a lesion described differently at a later visit is a
    MappingError naming the lesion rather than a silently dropped value."""
    changed = TL.assign(TLDESC=TL["TLDESC"].where(TL.index != 2, "Segment VII"))
    forms = {"tl": raw_form("tl", changed), "ntl": raw_form("ntl", NTL), "nl": raw_form("nl", NL),
             "rs": raw_form("rs", RS)}
    ctx = StudyContext(spec=spec, raw=RawStudy(Path("."), DICTIONARY, EDC_CODELISTS, forms),
                       design_dir=Path("specs/im96/design"),
                       done={"DM": DM, "SE": SE, "TV": TV, "SV": NO_UNSCHEDULED_SV})
    with pytest.raises(MappingError, match=r"1 lesion\(s\), e.g. \[\('IM96-001-001', 'T01'\)\]"):
        tu.build(ctx)


def test_build_rejects_rows_of_subjects_without_demographics(results):
    """The target lesion row of 001-099 (tl row 8) is rejected with a reason, not silently dropped."""
    rejected = results["TU"].rejected
    assert rejected[["RAW_FORM", "RAW_ROW"]].values.tolist() == [["tl", 8]]
    assert rejected["REASON"].str.contains("demographics").all()


def test_build_refuses_a_diameter_that_is_neither_mm_nor_too_small(spec):
    """A free-text diameter such as 'approx 12' is a MappingError naming the value, never a guess."""
    forms = {"tl": raw_form("tl", TL.assign(TLDIAM="approx 12")), "ntl": raw_form("ntl", NTL),
             "nl": raw_form("nl", NL), "rs": raw_form("rs", RS)}
    ctx = StudyContext(spec=spec, raw=RawStudy(Path("."), DICTIONARY, EDC_CODELISTS, forms),
                       design_dir=Path("specs/im96/design"), done={"DM": DM, "SE": SE, "TV": TV, "SV": NO_UNSCHEDULED_SV})
    with pytest.raises(MappingError, match="approx 12"):
        tu.build(ctx)


def test_build_refuses_a_negative_diameter_naming_its_row(spec):
    """TLDIAM -32 was mapped: the baseline sum of diameters shrank and the best change became +139 % for +30 %."""
    negative = TL.assign(TLDIAM=TL["TLDIAM"].where(TL.index != 1, "-32"))
    forms = {"tl": raw_form("tl", negative), "ntl": raw_form("ntl", NTL), "nl": raw_form("nl", NL),
             "rs": raw_form("rs", RS)}
    ctx = StudyContext(spec=spec, raw=RawStudy(Path("."), DICTIONARY, EDC_CODELISTS, forms),
                       design_dir=Path("specs/im96/design"), done={"DM": DM, "SE": SE, "TV": TV, "SV": NO_UNSCHEDULED_SV})
    with pytest.raises(MappingError, match=r"tl.csv TLDIAM: 1 value\(s\) are below 0 \(row 2 '-32'\)"):
        tu.build(ctx)


@pytest.mark.parametrize(("forms", "message"), [
    ({"rs": RS.assign(RSDAT=["29-MAR-2024", "15-APR-2024", "01-MAR-2024"])},
     "rs.csv RSDAT: 1 response assessment(s) dated on or before the day of the subject's infusion (row 3 "
     "'2024-03-01 on or before the infusion 2024-04-09T10:15'); correct them in the export"),
    ({"rs": RS.assign(RSDAT=["05-MAR-2024", "15-APR-2024", "05-MAY-2024"])},
     "rs.csv RSDAT: 1 response assessment(s) dated on or before the day of the subject's infusion (row 1 "
     "'2024-03-05 on or before the infusion 2024-03-05T11:10'); correct them in the export"),
    ({"tl": TL.assign(TLID=["T01", "T02", "t01", "T02", "T01", "T02", "t01", "T01"])},
     "tl.csv TLID: 3 record(s) of a lesion ID the subject also has in another case (row 1 'T01', row 3 't01', row 5 "
     "'T01'); correct them in the export"),
    ({"nl": NL.assign(NLDAT=["04-MAR-2024"])},
     "nl.csv NLDAT: 1 new lesion(s) dated on or before the day of the subject's infusion (row 1 '2024-03-04 on "
     "or before the infusion 2024-03-05T11:10'); correct them in the export"),
])
def test_build_refuses_impossible_lesions_and_responses_naming_their_rows(spec, forms, message):
    """001-002 infused on 09-APR-2024 with a response dated 01-MAR-2024 (mapped with RSDY -39 and counted as its
    best response); 001-001's Day 28 response dated on the infusion day (a progression on Day 1); 001-001's T01 written t01 at Day 28 (two lesions, or one? ADTR had stopped on an unknown
    parameter; 001-002's t01 is its only spelling and 001-099's T01 another subject's); 001-001 infused on
    05-MAR-2024 with a new lesion the day before (progression before treatment)."""
    given = {"tl": TL, "ntl": NTL, "nl": NL, "rs": RS, **forms}
    ctx = StudyContext(spec=spec, raw=RawStudy(Path("."), DICTIONARY, EDC_CODELISTS,
                                               {name: raw_form(name, df) for name, df in given.items()}),
                       design_dir=Path("specs/im96/design"), done={"DM": DM, "SE": SE, "TV": TV, "SV": NO_UNSCHEDULED_SV})
    with pytest.raises(MappingError) as info:
        tu.build(ctx)
    assert str(info.value) == message
