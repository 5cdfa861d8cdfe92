"""Adverse events (form ae): CRS and ICANS graded by ASTCT 2019, cytopenias mirroring the labs, a handful of
common CTCAE v5.0 events, and the fatal infection of the SD_SEPSIS course. AESEQ is the CRF line number."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from mappings.im96.simulate import labmodel
from mappings.im96.simulate._base import chance, fdate, fpartial, ftime, pick
from mappings.im96.simulate.meddra import coded_fields
from mappings.im96.simulate.story import INFUSED, NOT_INFUSED, Subject

ASTCT, CTCAE = "ASTCT 2019", "CTCAE V5.0"
SERIOUS_FLAGS = ("AESDTH", "AESLIFE", "AESHOSP", "AESDISAB", "AESCONG", "AESMIE")

# key: ((verbatim as reported, MedDRA LLT it is coded to), ...); the hierarchy above the LLT: meddra.CODING
TERMS: dict[str, tuple[tuple[str, str], ...]] = {
    "CRS": (
        ("Cytokine release syndrome", "Cytokine release syndrome"),
        ("CRS", "Cytokine release syndrome"),
        ("cytokine release syndrome", "Cytokine release syndrome"),
        ("CYTOKINE RELEASE SYNDROME", "Cytokine release syndrome"),
    ),
    "ICANS": (
        ("ICANS", "Immune effector cell-associated neurotoxicity syndrome"),
        ("Immune effector cell-associated neurotoxicity syndrome",
         "Immune effector cell-associated neurotoxicity syndrome"),
        ("neurotoxicity (ICANS)", "Immune effector cell-associated neurotoxicity syndrome"),
    ),
    "NEUT": (("Neutropenia", "Neutropenia"), ("neutropenia", "Neutropenia"), ("NEUTROPENIA", "Neutropenia")),
    "FN": (("Febrile neutropenia", "Febrile neutropenia"), ("febrile neutropaenia", "Febrile neutropenia")),
    "ANAEMIA": (("Anaemia", "Anaemia"), ("Anemia", "Anemia"), ("anaemia", "Anaemia")),
    "THROMBO": (("Thrombocytopenia", "Thrombocytopenia"), ("thrombocytopenia", "Thrombocytopenia")),
    "HYPOTENSION": (("Hypotension", "Hypotension"), ("hypotension", "Hypotension")),
    "PYREXIA": (("Fever", "Fever"), ("Pyrexia", "Pyrexia"), ("fever", "Fever")),
    "NAUSEA": (("Nausea", "Nausea"), ("nausea", "Nausea"), ("NAUSEA", "Nausea")),
    "FATIGUE": (("Fatigue", "Fatigue"), ("Tiredness", "Tiredness"), ("fatigue", "Fatigue")),
    "DIARRHOEA": (("Diarrhoea", "Diarrhoea"), ("Diarrhea", "Diarrhea"), ("diarrhoea", "Diarrhoea")),
    "HEADACHE": (("Headache", "Headache"), ("headache", "Headache")),
    "APPETITE": (("Decreased appetite", "Decreased appetite"), ("Anorexia", "Anorexia")),
    "HYPOK": (("Hypokalaemia", "Hypokalaemia"), ("Hypokalemia", "Hypokalemia")),
    "ABDPAIN": (("Abdominal pain", "Abdominal pain"), ("abdominal pain", "Abdominal pain")),
    "CONSTIPATION": (("Constipation", "Constipation"),),
    "COUGH": (("Cough", "Cough"), ("cough", "Cough")),
    "SEPSIS": (("Sepsis", "Sepsis"), ("Sepsis (E. coli bacteraemia)", "Sepsis")),
}
# key, first and last possible onset day, duration range, possible grades, AEREL and AERELLD choices
OTHER_EVENTS = (
    ("NAUSEA", -5, 3, (1, 5), (1, 2), ("NOT RELATED", "UNLIKELY RELATED"), ("PROBABLY RELATED",)),
    ("FATIGUE", 1, 20, (5, 30), (1, 2), ("POSSIBLY RELATED", "UNLIKELY RELATED"), ("POSSIBLY RELATED",)),
    ("DIARRHOEA", 1, 30, (2, 8), (1, 2), ("UNLIKELY RELATED", "POSSIBLY RELATED"), ("UNLIKELY RELATED",)),
    ("HEADACHE", 1, 10, (1, 4), (1,), ("POSSIBLY RELATED",), ("NOT RELATED",)),
    ("APPETITE", 2, 20, (7, 40), (1, 2), ("POSSIBLY RELATED",), ("POSSIBLY RELATED",)),
    ("HYPOK", 2, 14, (2, 6), (1, 2), ("UNLIKELY RELATED",), ("NOT RELATED",)),
    ("ABDPAIN", 15, 150, (3, 25), (1, 2), ("NOT RELATED",), ("NOT RELATED",)),
    ("CONSTIPATION", -4, 10, (3, 10), (1,), ("NOT RELATED",), ("UNLIKELY RELATED",)),
    ("COUGH", 20, 200, (5, 20), (1,), ("NOT RELATED",), ("NOT RELATED",)),
    ("PYREXIA", 40, 200, (1, 3), (1,), ("UNLIKELY RELATED",), ("NOT RELATED",)),
)


@dataclass
class Ae:
    key: str
    start: int
    end: int | None
    grade: int
    rel: str
    relld: str
    seq: int = 0
    serious: dict[str, str] = field(default_factory=dict)
    dlt: bool = False
    timed: bool = False  # hospital event: start/stop times recorded
    verbatim: tuple[str, str] = ("", "")
    outcome: str = ""
    partial_end: bool = False
    start_time: str = ""
    end_time: str = ""


def plan_aes(s: Subject, rng: np.random.Generator) -> list[Ae]:
    if s.kind == INFUSED:
        events = toxicity_events(s, rng) + other_events(rng)
    elif s.kind == NOT_INFUSED:
        events = [Ae("ABDPAIN", s.pd_day - 8, None, 2, "NOT RELATED", ""),
                  Ae("FATIGUE", s.pd_day - 4, None, 2, "NOT RELATED", "")]
    else:
        return []
    for e in events:  # there is no Day 0
        e.start = e.start or 1
        e.end = 1 if e.end == 0 else e.end
    events = [e for e in events if e.start <= s.last_day]
    events.sort(key=lambda e: (e.start, e.key))
    for seq, e in enumerate(events, start=1):
        finish(s, e, seq, rng)
    return events


def toxicity_events(s: Subject, rng: np.random.Generator) -> list[Ae]:
    t = s.tox
    out = []
    if t.crs_grade:
        out.append(Ae("CRS", t.crs_onset, t.crs_onset + t.crs_days, t.crs_grade, pick(rng, RELATED),
                      "UNLIKELY RELATED", dlt=t.dlt == "CRS", timed=True))
        if t.crs_grade >= 2 and chance(rng, 0.6):
            out.append(Ae("HYPOTENSION", t.crs_onset + 1, t.crs_onset + 3, 2, "PROBABLY RELATED", "UNLIKELY RELATED",
                          timed=True))
    if t.icans_grade:
        out.append(Ae("ICANS", t.icans_onset, t.icans_onset + t.icans_days, t.icans_grade, pick(rng, RELATED),
                      "UNLIKELY RELATED", dlt=t.dlt == "ICANS", timed=True))
    out += cytopenias(s, rng)
    if s.profile.fatal_ae_day and s.death:
        out.append(Ae("SEPSIS", s.profile.fatal_ae_day, s.death[0], 5, "UNLIKELY RELATED", "NOT RELATED",
                      timed=True))
    return out


RELATED = ("PROBABLY RELATED", "DEFINITELY RELATED")


def crossing(curve, s: Subject, threshold: float, first: int, last: int) -> tuple[int, int] | None:
    """First day below a threshold and first later day back at or above it (None if never below)."""
    below = [d for d in range(first, last) if curve(s, d) < threshold]
    if not below:
        return None
    back = [d for d in range(below[0], 366) if curve(s, d) >= threshold]
    return below[0], back[0] if back else 365


def cytopenias(s: Subject, rng: np.random.Generator) -> list[Ae]:
    out = []
    neut = crossing(labmodel.neutrophils, s, 1.5, -5, 60)
    if neut:
        nadir = s.tox.neut_nadir
        grade = 4 if nadir < 0.5 else 3 if nadir < 1.0 else 2
        out.append(Ae("NEUT", *neut, grade, "POSSIBLY RELATED", "PROBABLY RELATED"))
        if grade == 4 and chance(rng, 0.4):
            day = s.tox.neut_nadir_day + int(rng.integers(-1, 2))
            out.append(Ae("FN", day, day + int(rng.integers(3, 7)), 3, "POSSIBLY RELATED", "PROBABLY RELATED",
                          timed=True))
    plat = crossing(labmodel.platelets, s, 125, -5, 60)
    if plat:
        nadir = s.tox.plat_nadir
        grade = 3 if nadir < 50 else 2 if nadir < 75 else 1
        out.append(Ae("THROMBO", *plat, grade, "POSSIBLY RELATED", "PROBABLY RELATED"))
    anaemia = crossing(labmodel.haemoglobin, s, 10.0, -5, 60)
    if anaemia:
        grade = 3 if s.tox.hgb_nadir < 8.0 else 2
        out.append(Ae("ANAEMIA", *anaemia, grade, "POSSIBLY RELATED", "POSSIBLY RELATED"))
    return out


def other_events(rng: np.random.Generator) -> list[Ae]:
    out = []
    for j in rng.permutation(len(OTHER_EVENTS))[: int(rng.integers(1, 5))]:
        key, first, last, (dmin, dmax), grades, rels, rellds = OTHER_EVENTS[int(j)]
        start = int(rng.integers(first, last + 1))
        start = start if start != 0 else 1
        out.append(Ae(key, start, start + int(rng.integers(dmin, dmax + 1)), int(pick(rng, grades)),
                      pick(rng, rels), pick(rng, rellds)))
    return out


def finish(s: Subject, e: Ae, seq: int, rng: np.random.Generator) -> None:
    """Line number, verbatim, seriousness, outcome (ongoing at the end of observation), times, partial end."""
    e.seq = seq
    e.verbatim = pick(rng, TERMS[e.key])
    if e.end is not None and e.end > s.last_day:
        e.end = None
    e.serious = seriousness(e)
    e.outcome = outcome(s, e, rng)
    if e.timed:
        e.start_time = ftime(int(rng.integers(0, 24 * 60))) if chance(rng, 0.85) else ""
        e.end_time = ftime(int(rng.integers(6 * 60, 22 * 60))) if e.end is not None and chance(rng, 0.5) else ""
    if e.outcome == "FATAL":  # ends with the death: the death date, untimed like the death form's
        e.end, e.end_time = s.death[0], ""
    e.partial_end = (e.end is not None and not e.timed and e.key in dict.fromkeys(k for k, *_ in OTHER_EVENTS)
                     and e.end - e.start > 6 and chance(rng, 0.35))


def seriousness(e: Ae) -> dict[str, str]:
    flags = dict.fromkeys(SERIOUS_FLAGS, "N")
    if e.key == "SEPSIS":
        flags.update(AESDTH="Y", AESLIFE="Y", AESHOSP="Y")
    elif e.key == "FN" or (e.key == "CRS" and e.grade >= 2):
        flags["AESHOSP"] = "Y"
    if e.key in ("CRS", "ICANS") and e.grade >= 3:
        flags["AESMIE"] = "Y"
    if e.key == "ICANS" and e.grade >= 2:
        flags["AESMIE"] = "Y"
    if e.grade == 4 and e.key not in ("NEUT", "THROMBO", "ANAEMIA"):  # lab-defined grade 4 is not serious
        flags["AESLIFE"] = "Y"
    return flags


def outcome(s: Subject, e: Ae, rng: np.random.Generator) -> str:
    if e.grade == 5:
        return "FATAL"
    if e.end is not None:
        return "RECOVERED/RESOLVED WITH SEQUELAE" if e.key == "FATIGUE" and chance(rng, 0.3) else "RECOVERED/RESOLVED"
    if s.end and s.end[0] == "LOST TO FOLLOW-UP":
        return "UNKNOWN"
    if s.death:
        return "NOT RECOVERED/NOT RESOLVED"
    return pick(rng, ("NOT RECOVERED/NOT RESOLVED", "RECOVERING/RESOLVING"))


def ae_rows(s: Subject) -> list[dict]:
    rows = []
    for e in s.aes:
        end = s.date(e.end) if e.end is not None else None
        serious = "Y" if "Y" in e.serious.values() else "N"
        rows.append({
            "SUBJID": s.subjid, "AESEQ": str(e.seq), "AETERM": e.verbatim[0], **coded_fields("AE", e.verbatim[1]),
            "AESTDAT": fdate(s.date(e.start)), "AESTTIM": e.start_time,
            "AEENDAT": fpartial(end, "day" if e.partial_end else "") if end else "", "AEENTIM": e.end_time,
            "AEONGO": "Y" if end is None else "N", "AETOXGR": str(e.grade),
            "AETOXSCL": ASTCT if e.key in ("CRS", "ICANS") else CTCAE, "AESER": serious, **e.serious,
            "AEREL": e.rel, "AERELLD": e.relld,
            "AEACN": "DOSE NOT CHANGED" if s.kind == INFUSED and e.start < 1 else "NOT APPLICABLE",
            "AEOUT": e.outcome, "AEDLT": "Y" if e.dlt else "N",
        })
    return rows
