"""Time-to-event parameters: admiral event/censor sources and the FDA PFS censoring table.

FDA, "Clinical Trial Endpoints for the Approval of Cancer Drugs and Biologics" (2018), PFS censoring
table. Single-arm CAR-T: the start date is the infusion date (TRTSDT = 2025-01-01 = Day 1), AVAL =
ADT - TRTSDT + 1. Assessment interval 28 days; more than one missed visit = a gap over 56 days.
"""
import numpy as np
import pandas as pd
import pytest

from cdisc.derive.tte import CensorSource, EventSource, MissedVisitCensor, derive_param_tte
from cdisc.errors import DerivationError

D = pd.to_datetime
ADEQUATE = ["CR", "PR", "SD", "NON-CR/NON-PD"]


def _has_baseline(d):
    return d["BASEFL"].eq("Y")


def _before_nact(d, col):
    return d["NACTDT"].isna() | (d[col] <= d["NACTDT"])


def _last_assessment(reason, censor, flt):
    return CensorSource(dataset_name="adrs", date="ADT", censor=censor, srcdom="ADRS", srcseq="ASEQ",
                        filter=lambda d: d["AVALC"].isin(ADEQUATE) & _has_baseline(d) & flt(d),
                        set_values={"EVNTDESC": reason, "CNSDTDSC": "LAST ADEQUATE TUMOR ASSESSMENT"})


PFS_EVENTS = [
    EventSource(dataset_name="adrs", date="ADT", srcdom="ADRS", srcseq="ASEQ",
                filter=lambda d: d["AVALC"].eq("PD") & _has_baseline(d) & _before_nact(d, "ADT"),
                set_values={"EVNTDESC": "DISEASE PROGRESSION"}),
    EventSource(dataset_name="adsl", date="DTHDT", srcdom="ADSL",
                filter=lambda d: _has_baseline(d) & _before_nact(d, "DTHDT"), set_values={"EVNTDESC": "DEATH"}),
]
PFS_CENSORS = [
    _last_assessment("NO PROGRESSION", 1, lambda d: d["DCREAS"].eq("") & d["NACTDT"].isna()),
    CensorSource(dataset_name="adsl", date="TRTSDT", censor=2, srcdom="ADSL", filter=lambda d: d["BASEFL"].eq("N"),
                 set_values={"EVNTDESC": "NO BASELINE TUMOR ASSESSMENT", "CNSDTDSC": "INFUSION DATE"}),
    _last_assessment("DISCONTINUED FOR UNDOCUMENTED PROGRESSION", 3,
                     lambda d: d["DCREAS"].eq("UNDOCUMENTED PROGRESSION") & d["NACTDT"].isna()),
    _last_assessment("DISCONTINUED FOR TOXICITY OR OTHER REASON", 4,
                     lambda d: d["DCREAS"].isin(["ADVERSE EVENT", "OTHER"]) & d["NACTDT"].isna()),
    _last_assessment("NEW ANTICANCER THERAPY", 5, lambda d: d["NACTDT"].notna() & (d["ADT"] <= d["NACTDT"])),
    CensorSource(dataset_name="adsl", date="TRTSDT", censor=6, srcdom="ADSL", filter=_has_baseline,
                 set_values={"EVNTDESC": "NO ADEQUATE POST-BASELINE ASSESSMENT", "CNSDTDSC": "INFUSION DATE"}),
]
MISSED = MissedVisitCensor(dataset_name="adrs", date="ADT", censor=7, max_gap_days=56, srcdom="ADRS", srcseq="ASEQ",
                           filter=lambda d: d["AVALC"].isin(ADEQUATE),
                           set_values={"EVNTDESC": "PD OR DEATH AFTER MISSED ASSESSMENTS",
                                       "CNSDTDSC": "LAST ADEQUATE TUMOR ASSESSMENT"})


def _pfs(subject, assessments, **kwargs):
    adsl = pd.DataFrame({"USUBJID": ["S1"], "TRTSDT": D(["2025-01-01"]), "BASEFL": [subject.get("BASEFL", "Y")],
                         "DCREAS": [subject.get("DCREAS", "")], "NACTDT": D([subject.get("NACTDT")]),
                         "DTHDT": D([subject.get("DTHDT")])})
    adrs = pd.DataFrame({"USUBJID": ["S1"] * len(assessments), "ADT": D([a[0] for a in assessments]),
                         "AVALC": [a[1] for a in assessments], "ASEQ": list(range(1, len(assessments) + 1))})
    return derive_param_tte(adsl, sources={"adsl": adsl, "adrs": adrs}, start_date="TRTSDT",
                            event_sources=PFS_EVENTS, censor_sources=PFS_CENSORS, paramcd="PFS",
                            param="Progression-Free Survival (days)", missed_visit=MISSED, **kwargs)


FDA_ROWS = [
    # FDA situation, subject-level data, assessments (date, overall response), expected ADT, CNSR, AVAL, EVNTDESC
    ("no baseline tumor assessments", {"BASEFL": "N"}, [("2025-01-29", "SD"), ("2025-02-26", "PD")],
     "2025-01-01", 2, 1, "NO BASELINE TUMOR ASSESSMENT"),
    ("progression documented between scheduled visits", {}, [("2025-01-29", "SD"), ("2025-02-10", "PD")],
     "2025-02-10", 0, 41, "DISEASE PROGRESSION"),
    ("no progression", {}, [("2025-01-29", "SD"), ("2025-02-26", "PR")],
     "2025-02-26", 1, 57, "NO PROGRESSION"),
    ("treatment discontinuation for undocumented progression", {"DCREAS": "UNDOCUMENTED PROGRESSION"},
     [("2025-01-29", "SD"), ("2025-02-26", "SD")], "2025-02-26", 3, 57, "DISCONTINUED FOR UNDOCUMENTED PROGRESSION"),
    ("treatment discontinuation for toxicity or other reason", {"DCREAS": "ADVERSE EVENT"},
     [("2025-01-29", "SD"), ("2025-02-26", "NE")], "2025-01-29", 4, 29, "DISCONTINUED FOR TOXICITY OR OTHER REASON"),
    ("new anticancer treatment started", {"NACTDT": "2025-03-11"},
     [("2025-01-29", "SD"), ("2025-02-26", "SD"), ("2025-03-26", "PD")], "2025-02-26", 5, 57, "NEW ANTICANCER THERAPY"),
    ("death before first PD assessment", {"DTHDT": "2025-01-20"}, [],
     "2025-01-20", 0, 20, "DEATH"),
    ("death between adequate assessment visits", {"DTHDT": "2025-03-12"},
     [("2025-01-29", "SD"), ("2025-02-26", "SD")], "2025-03-12", 0, 71, "DEATH"),
    ("death after more than one missed visit", {"DTHDT": "2025-05-01"}, [("2025-01-29", "SD")],
     "2025-01-29", 7, 29, "PD OR DEATH AFTER MISSED ASSESSMENTS"),
    ("progression after more than one missed visit", {}, [("2025-01-29", "SD"), ("2025-04-11", "PD")],
     "2025-01-29", 7, 29, "PD OR DEATH AFTER MISSED ASSESSMENTS"),
    ("no adequate post-baseline assessment (sponsor row)", {}, [("2025-01-29", "NE")],
     "2025-01-01", 6, 1, "NO ADEQUATE POST-BASELINE ASSESSMENT"),
    ("death exactly two intervals after the last assessment", {"DTHDT": "2025-03-26"}, [("2025-01-29", "SD")],
     "2025-03-26", 0, 85, "DEATH"),
    ("death long after start without any assessment", {"DTHDT": "2025-04-11"}, [],
     "2025-01-01", 7, 1, "PD OR DEATH AFTER MISSED ASSESSMENTS"),
]


@pytest.mark.parametrize(("situation", "subject", "assessments", "adt", "cnsr", "aval", "evntdesc"), FDA_ROWS,
                         ids=[r[0] for r in FDA_ROWS])
def test_derive_param_tte_fda_pfs_censoring_table(situation, subject, assessments, adt, cnsr, aval, evntdesc):
    """Each FDA 2018 PFS censoring row gives the tabulated date and outcome, with a distinct CNSR per reason."""
    out = _pfs(subject, assessments)
    got = out[["USUBJID", "PARAMCD", "CNSR", "AVAL", "EVNTDESC"]].values.tolist()
    assert got == [["S1", "PFS", cnsr, aval, evntdesc]]
    assert out["ADT"].tolist() == [pd.Timestamp(adt)]
    assert out["STARTDT"].tolist() == [pd.Timestamp("2025-01-01")]


def test_derive_param_tte_traces_source_record():
    """SRCDOM/SRCVAR/SRCSEQ point at the deciding record (ADaM BDS-TTE traceability)."""
    out = _pfs({}, [("2025-01-29", "SD"), ("2025-02-10", "PD")])
    assert out[["SRCDOM", "SRCVAR", "SRCSEQ"]].values.tolist() == [["ADRS", "ADT", 2]]
    assert out["CNSDTDSC"].tolist() == [""]


def test_derive_param_tte_missed_visit_censor_at_start_has_no_source_record():
    """Censoring at the start date by the missed-visit rule has no assessment record to point to."""
    out = _pfs({"DTHDT": "2025-04-11"}, [])
    assert out["SRCDOM"].tolist() == [""]
    assert np.isnan(out["SRCSEQ"][0])


def test_derive_param_tte_day_offset_zero():
    """With day_offset=0, AVAL is the plain date difference."""
    out = _pfs({}, [("2025-01-29", "SD"), ("2025-02-10", "PD")], day_offset=0)
    assert out["AVAL"].tolist() == [40]


def _os_input():
    adsl = pd.DataFrame({"USUBJID": ["S1",         "S2",         "S3"],
                         "TRTSDT": D(["2025-01-01", "2025-01-01", "2025-01-05"]),
                         "DTHDT":  D(["2025-02-01", None,         "2025-02-01"]),
                         "PDDT":   D(["2025-02-01", None,         None]),
                         "LSTALVDT": D(["2025-02-01", "2025-06-30", "2025-02-01"])})
    return adsl


def test_derive_param_tte_earliest_event_and_first_listed_source_on_ties():
    """Events beat censoring; equal event dates go to the source listed first (admiral derive_param_tte)."""
    adsl = _os_input()
    out = derive_param_tte(
        adsl, sources={"adsl": adsl}, start_date="TRTSDT", paramcd="PFS", param="PFS",
        event_sources=[EventSource(dataset_name="adsl", date="PDDT", set_values={"EVNTDESC": "PD"}),
                       EventSource(dataset_name="adsl", date="DTHDT", set_values={"EVNTDESC": "DEATH"})],
        censor_sources=[CensorSource(dataset_name="adsl", date="LSTALVDT", set_values={"EVNTDESC": "ALIVE"})])
    expected = [["S1", 32, 0, "PD"], ["S2", 181, 1, "ALIVE"], ["S3", 28, 0, "DEATH"]]
    assert out[["USUBJID", "AVAL", "CNSR", "EVNTDESC"]].values.tolist() == expected


def test_derive_param_tte_latest_censoring_date_wins():
    """Without an event, ADT is the latest date among the censor sources (admiral rule)."""
    adsl = _os_input().iloc[[1]]
    out = derive_param_tte(
        adsl, sources={"adsl": adsl}, start_date="TRTSDT", paramcd="OS", param="OS", event_sources=[],
        censor_sources=[CensorSource(dataset_name="adsl", date="TRTSDT", censor=2),
                        CensorSource(dataset_name="adsl", date="LSTALVDT", censor=1)])
    assert out[["ADT", "CNSR"]].values.tolist() == [[pd.Timestamp("2025-06-30"), 1]]


def test_derive_param_tte_requires_a_date_for_every_subject():
    """A subject no source dates is an error that suggests a start-date censor source."""
    adsl = _os_input()
    with pytest.raises(DerivationError, match="USUBJID=S2"):
        derive_param_tte(adsl, sources={"adsl": adsl}, start_date="TRTSDT", paramcd="OS", param="OS",
                         event_sources=[EventSource(dataset_name="adsl", date="DTHDT")], censor_sources=[])


def test_derive_param_tte_rejects_unknown_dataset():
    """A source naming a dataset not in `sources` fails fast and lists the datasets given."""
    adsl = _os_input()
    with pytest.raises(DerivationError, match=r"no dataset 'adrs' \(given: \['adsl'\]\)"):
        derive_param_tte(adsl, sources={"adsl": adsl}, start_date="TRTSDT", paramcd="OS", param="OS",
                         event_sources=[EventSource(dataset_name="adrs", date="ADT")], censor_sources=[])


def test_derive_param_tte_rejects_missing_start_date():
    """Subjects without a start date (not infused) must be removed before the derivation."""
    adsl = _os_input().assign(TRTSDT=D(["2025-01-01", None, "2025-01-05"]))
    with pytest.raises(DerivationError, match="TRTSDT is missing"):
        derive_param_tte(adsl, sources={"adsl": adsl}, start_date="TRTSDT", paramcd="OS", param="OS",
                         event_sources=[], censor_sources=[CensorSource(dataset_name="adsl", date="LSTALVDT")])


@pytest.mark.parametrize("censor", [0, -1, True])
def test_censor_source_requires_positive_integer(censor):
    """CNSR 0 is reserved for events; censoring codes are positive integers (ADaM BDS-TTE CNSR)."""
    with pytest.raises(DerivationError, match="positive integer"):
        CensorSource(dataset_name="adsl", date="LSTALVDT", censor=censor)


def test_derive_param_tte_leaves_inputs_unchanged():
    """The verb is pure: subject and source frames are not modified."""
    adsl = _os_input()
    before = adsl.copy()
    derive_param_tte(adsl, sources={"adsl": adsl}, start_date="TRTSDT", paramcd="OS", param="OS",
                     event_sources=[EventSource(dataset_name="adsl", date="DTHDT")],
                     censor_sources=[CensorSource(dataset_name="adsl", date="LSTALVDT")])
    pd.testing.assert_frame_equal(adsl, before)
