"""The trial story: who is screened, apheresed and infused, at which dose level, how each subject fares.

Everything a form needs about a subject is decided here once (dates, dose level, response course, toxicity
course, end of study), so the forms stay consistent with each other.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from mappings.im96.simulate._base import (
    ASSESSMENTS,
    DATA_CUT,
    FIRST_INFUSION,
    LAST_INFUSION,
    SCHEDULE,
    SCHEDULES,
    TARGET_DAY,
    chance,
    date_day,
    day_date,
    pick,
    rng_for,
)

SCREEN_FAILURE, NOT_INFUSED, INFUSED = "SCREEN FAILURE", "NOT INFUSED", "INFUSED"
DOSE = {1: 12.0, 2: 20.0}  # 10^8 CAR-T cells
SITE_PREFIX = "001"
DL1_SIZE = 6  # the first cohort of 3 had one DLT, so dose level 1 was expanded to 6


@dataclass(frozen=True)
class Profile:
    """One course of disease after infusion.

    `burden` is the target-lesion sum relative to baseline at each RECIST assessment (DAY 28, MONTH 2, ...);
    its length is the number of assessments before the course ends. `end` is the DS decode at the end of
    follow-up and `end_day` its study day (None: counted from the PD scan, or the MONTH 12 visit).
    """

    name: str
    burden: tuple[float, ...]
    end: str
    end_day: int | None = None
    death_cause: str = ""
    cr_from: str = ""            # first visit where every lesion has gone
    new_lesion_at: str = ""      # unequivocal new lesion at this visit
    nt_progression_at: str = ""  # unequivocal non-target progression at this visit
    tstm_at: str = ""            # smallest non-nodal target "TOO SMALL TO MEASURE" at this visit
    ne_at: str = ""              # scan incomplete: one target lesion not evaluated (first subject only)
    disagree_at: str = ""        # investigator reports PR where the measurements give SD (first subject only)
    fatal_ae_day: int | None = None
    new_therapy: bool = False


PROFILES: tuple[Profile, ...] = (
    Profile("CR", (0.55, 0.25, 0.0, 0.0, 0.0, 0.0), "COMPLETED", cr_from="MONTH 3", tstm_at="MONTH 2"),
    Profile("PR_DURABLE", (0.62, 0.50, 0.45, 0.42, 0.44, 0.40), "COMPLETED", ne_at="MONTH 9"),
    Profile("PR_THEN_PD", (0.66, 0.55, 0.52, 0.72), "DEATH", 255, "Disease progression", new_therapy=True),
    Profile("SD_NEW_LESION", (0.92, 0.88, 0.90), "PROGRESSIVE DISEASE", new_lesion_at="MONTH 3",
            new_therapy=True),
    Profile("EARLY_PD", (1.32,), "DEATH", 112, "Progressive metastatic colorectal cancer", new_therapy=True),
    Profile("PR_LOST", (0.68, 0.58, 0.55, 0.56), "LOST TO FOLLOW-UP", 300),
    Profile("SD_DURABLE", (0.95, 0.88, 0.84, 0.77, 0.80, 0.82), "COMPLETED", disagree_at="MONTH 6"),
    Profile("SD_SEPSIS", (0.90, 0.92, 0.90), "DEATH", 128, "Sepsis", fatal_ae_day=121),
    Profile("NT_PD", (0.94, 0.97), "DEATH", 205, "Disease progression", nt_progression_at="MONTH 2",
            new_therapy=True),
    Profile("CR_LATE", (0.60, 0.40, 0.20, 0.0, 0.0, 0.0), "COMPLETED", cr_from="MONTH 6"),
    Profile("PR_THEN_PD_LATE", (0.85, 0.64, 0.60, 0.58, 0.80), "PROGRESSIVE DISEASE", new_therapy=True),
    Profile("SD_WITHDRAWN", (0.98, 0.93, 0.95), "WITHDRAWAL BY SUBJECT", 104),
)


@dataclass
class Tox:
    """Grades and timing (study days) of the expected CAR-T toxicities; grade 0 = did not occur."""

    crs_grade: int = 0
    crs_onset: int = 0
    crs_days: int = 0
    icans_grade: int = 0
    icans_onset: int = 0
    icans_days: int = 0
    neut_nadir: float = 1.0   # 10^9/L
    neut_nadir_day: int = 7
    neut_recovery: int = 14   # days from nadir back to >= 1.5
    plat_nadir: float = 150.0
    hgb_nadir: float = 11.0
    dlt: str = ""             # "ICANS" or "CRS" for the subject whose event is a DLT


@dataclass
class Subject:
    no: int
    subjid: str
    kind: str
    day1: dt.date                 # infusion date (planned, for subjects never infused)
    seed: int = 0
    schedule: str = "default"     # key of _base.SCHEDULES
    dose_level: int | None = None
    profile: Profile | None = None
    special: bool = False         # first subject of its profile: carries the one-off NE / disagreement
    sex: str = ""
    birth: dt.date = dt.date(1960, 1, 1)
    race: str = ""
    ethnic: str = ""
    height: float = 165.0         # cm
    weight: float = 60.0          # kg
    visits: list[tuple[str, int]] = field(default_factory=list)  # (VISIT, study day), in date order
    consent_day: int = -28
    diagnosis: dt.date = dt.date(2022, 1, 1)
    prior_lines: list[tuple[tuple[str, ...], str, str, dt.date, dt.date]] = field(default_factory=list)
    conditions: list[int] = field(default_factory=list)  # indexes into CONDITIONS
    end: tuple[str, int, str, str] | None = None  # (DSDECOD, study day, DSTERM, DSEPOCH)
    death: tuple[int, str] | None = None          # (study day, cause)
    pd_day: int | None = None
    tox: Tox | None = None
    tumour: object = None         # tumour.TumourPlan
    aes: list = field(default_factory=list)       # adverse.Ae, in AESEQ order
    missing_baseline: str = ""    # lab panel (LBCAT) whose pre-infusion samples were lost (phase3 schedule)

    def date(self, day: int) -> dt.date:
        return day_date(self.day1, day)

    @property
    def cut_day(self) -> int:
        return date_day(self.day1, DATA_CUT)

    @property
    def last_day(self) -> int:
        """Last study day under observation: end of study, death or the data cut."""
        days = [self.cut_day] + [d for d in (self.end and self.end[1], self.death and self.death[0]) if d]
        return min(days)

    def visit_day(self, visit: str) -> int | None:
        days = [d for v, d in self.visits if v == visit]
        return days[0] if days else None

    @property
    def infused(self) -> bool:
        return self.kind == INFUSED

    @property
    def apheresed(self) -> bool:
        return self.kind != SCREEN_FAILURE


def build_story(n_subjects: int, seed: int, schedule: str = "default") -> list[Subject]:
    """All subjects of the study, in SUBJID (= screening) order, on the given visit schedule."""
    from mappings.im96.simulate.adverse import plan_aes
    from mappings.im96.simulate.tumour import plan_tumour

    rng = rng_for(seed, "story")
    kinds = allocate(n_subjects)
    day1s = enrolment_dates(n_subjects, rng)
    profiles = profile_sequence(kinds.count(INFUSED), rng)
    dlt_subjects = dlt_positions(kinds.count(INFUSED), rng)
    subjects, seen, k = [], set(), 0
    for i, kind in enumerate(kinds):
        s = Subject(no=i + 1, subjid=f"{SITE_PREFIX}-{i + 1:03d}", kind=kind, day1=day1s[i], seed=seed,
                    schedule=schedule)
        srng = rng_for(seed, s.no, "subject")
        add_demography(s, srng)
        if kind in (INFUSED, NOT_INFUSED):  # the cohort (dose level) is assigned at enrolment, before apheresis
            s.dose_level = 1 if k < DL1_SIZE else 2
        if kind == INFUSED:
            s.profile = profiles[k]
            s.special = s.profile.name not in seen
            seen.add(s.profile.name)
            s.tox = plan_tox(srng, dlt_subjects.get(k, ""))
            k += 1
        add_course(s, srng)
        add_history(s, rng_for(seed, s.no, "history"))
        s.tumour = plan_tumour(s, rng_for(seed, s.no, "tumour"))
        s.aes = plan_aes(s, rng_for(seed, s.no, "ae"))
        subjects.append(s)
    return subjects



def allocate(n: int) -> list[str]:
    """Screen failures (about n/7, spread out), one apheresed-not-infused subject when n >= 5, the rest infused."""
    kinds = [INFUSED] * n
    n_fail = round(n / 7)
    for j in range(n_fail):
        kinds[int((j + 0.5) * n / n_fail)] = SCREEN_FAILURE
    if n >= 5:
        pos = int(n * 0.45)
        while kinds[pos] != INFUSED:
            pos += 1
        kinds[pos] = NOT_INFUSED
    return kinds


def enrolment_dates(n: int, rng: np.random.Generator) -> list[dt.date]:
    """(Planned) infusion dates, evenly staggered over the enrolment period with a few days of jitter."""
    span = (LAST_INFUSION - FIRST_INFUSION).days
    dates = []
    for i in range(n):
        base = round(i * span / max(n - 1, 1))
        jitter = 0 if i in (0, n - 1) else int(rng.integers(-3, 4))
        dates.append(FIRST_INFUSION + dt.timedelta(days=base + jitter))
    return dates


def profile_sequence(n_infused: int, rng: np.random.Generator) -> list[Profile]:
    """Every block of 12 infused subjects gets each profile once, in a seeded order; the last subject infused
    has a course that runs to MONTH 12, so somebody is still on study at the data cut."""
    out: list[Profile] = []
    while len(out) < n_infused:
        out += [PROFILES[i] for i in rng.permutation(len(PROFILES))]
    out = out[:n_infused]
    completers = [i for i, p in enumerate(out) if p.end == "COMPLETED"]
    if completers and out[-1].end != "COMPLETED":
        out[completers[-1]], out[-1] = out[-1], out[completers[-1]]
    return out


def dlt_positions(n_infused: int, rng: np.random.Generator) -> dict[int, str]:
    """One DLT in the first DL1 cohort (grade 4 ICANS), one in the first DL2 cohort (grade 3 CRS > 72 h)."""
    out = {int(rng.integers(min(3, n_infused))): "ICANS"} if n_infused else {}
    if n_infused > DL1_SIZE:
        out[DL1_SIZE + int(rng.integers(min(3, n_infused - DL1_SIZE)))] = "CRS"
    return out


RACES = ("Asian",) * 9 + ("White",)


def add_demography(s: Subject, rng: np.random.Generator) -> None:
    s.sex = "Male" if chance(rng, 0.6) else "Female"
    age = int(rng.integers(34, 75))
    s.birth = s.day1 - dt.timedelta(days=int(age * 365.25 + rng.integers(30, 330)))
    s.race = pick(rng, RACES)
    s.ethnic = "Not Hispanic or Latino" if chance(rng, 0.9) else "Not Reported"
    s.height = round(float(rng.normal(170 if s.sex == "Male" else 158, 6)), 0)
    s.weight = round(float(rng.normal(66 if s.sex == "Male" else 55, 8)), 1)


def plan_tox(rng: np.random.Generator, dlt: str) -> Tox:
    """CRS in ~90 % (grade 1-2), ICANS in ~30 % (grade 1-2), cytopenias after lymphodepletion; DLTs as given."""
    t = Tox(dlt=dlt)
    t.crs_grade = int(rng.choice([0, 1, 2], p=[0.1, 0.5, 0.4]))
    t.crs_onset = int(rng.integers(1, 7))
    t.crs_days = int(rng.integers(2, 7))
    if chance(rng, 0.3):
        t.icans_grade = int(rng.choice([1, 2], p=[0.6, 0.4]))
    t.icans_onset = t.crs_onset + int(rng.integers(2, 5))
    t.icans_days = int(rng.integers(2, 6))
    if dlt == "ICANS":
        t.crs_grade, t.crs_onset, t.crs_days = 2, 2, 5
        t.icans_grade, t.icans_onset, t.icans_days = 4, 5, 7
    if dlt == "CRS":
        t.crs_grade, t.crs_onset, t.crs_days = 3, 5, 6
    t.neut_nadir = float(rng.choice([0.05, 0.2, 0.35, 0.6, 0.8]))
    t.neut_nadir_day = int(rng.integers(5, 11))
    t.neut_recovery = int(rng.integers(6, 20))
    t.plat_nadir = float(rng.choice([35.0, 60.0, 90.0, 120.0, 160.0]))
    t.hgb_nadir = float(rng.choice([7.6, 8.8, 9.6, 10.5]))
    return t


def add_course(s: Subject, rng: np.random.Generator) -> None:
    """Visits actually attended, end of study, death and the day of progression."""
    if s.kind == SCREEN_FAILURE:
        s.visits = [("SCREENING", scheduled_day(rng, "SCREENING"))]
        return
    if s.kind == NOT_INFUSED:
        s.visits = [(v, scheduled_day(rng, v)) for v in ("SCREENING", "APHERESIS")]
        s.pd_day = -6
        s.visits.append(("UNSCHEDULED", s.pd_day))
        s.end = ("PROGRESSIVE DISEASE", s.pd_day + 1,
                 "Rapid disease progression during CAR-T manufacturing; not infused", "TREATMENT")
        return
    p = s.profile
    stop_visit = "MONTH 12" if p.end == "COMPLETED" else ASSESSMENTS[len(p.burden) - 1]
    visits = []
    for name, _, _ in SCHEDULE:
        visits.append((name, scheduled_day(rng, name)))
        if name == stop_visit:
            break
    last_day = visits[-1][1]
    extra_rng = rng_for(s.seed, s.no, "schedule")  # the extra schedule never shifts the story's draws
    visits += extra_visits(s, extra_rng, visits)
    visits += [("UNSCHEDULED", d) for d in unscheduled_days(s, rng, last_day)]
    s.visits = sorted((v for v in visits if v[1] <= s.cut_day), key=lambda v: v[1])
    set_end(s, rng, dict(visits))
    add_missing_data(s, extra_rng)



def scheduled_day(rng: np.random.Generator, visit: str) -> int:
    window = {name: w for name, _, w in SCHEDULE}[visit]
    day = TARGET_DAY[visit] + int(rng.integers(-window, window + 1))
    return day if day != 0 else 1


def extra_visits(s: Subject, rng: np.random.Generator, planned: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """The schedule's added planned visits up to the subject's last planned visit, none on a day already taken."""
    taken, last = {d for _, d in planned}, planned[-1][1]
    out = []
    for name, target, window in SCHEDULES[s.schedule].extra_visits:
        day = target + int(rng.integers(-window, window + 1))
        if day < last and day not in taken:
            out.append((name, day))
    return out


PROTECTED_VISITS = ("SCREENING", "APHERESIS", "LYMPHODEPLETION", "DAY 1", "UNSCHEDULED", *ASSESSMENTS)
LAB_PANELS = ("HEMATOLOGY", "CHEMISTRY", "COAGULATION", "TUMOR MARKERS")


def add_missing_data(s: Subject, rng: np.random.Generator) -> None:
    """As real data have, under the schedule's rates: one routine visit missed (no form has it; never screening,
    the infusion, a tumour assessment or an unscheduled visit), and one lab panel without pre-infusion samples."""
    schedule = SCHEDULES[s.schedule]
    routine = [v for v in s.visits if v[0] not in PROTECTED_VISITS]
    if routine and chance(rng, schedule.missed_visit):
        s.visits.remove(pick(rng, routine))
    if chance(rng, schedule.missing_baseline):
        s.missing_baseline = pick(rng, LAB_PANELS)


def unscheduled_days(s: Subject, rng: np.random.Generator, last_visit_day: int) -> list[int]:
    """Extra visits: at the height of grade >= 2 CRS or ICANS, and before a fatal infection."""
    t = s.tox
    days = set()
    if t.crs_grade >= 2:
        days.add(t.crs_onset + 1)
    if t.icans_grade >= 2:
        days.add(t.icans_onset + 1)
    if s.profile.fatal_ae_day:
        days.add(s.profile.fatal_ae_day + 1)
    elif chance(rng, 0.2):
        days.add(int(rng.integers(35, 55)))
    scheduled = {TARGET_DAY[v] for v in TARGET_DAY} | {day for _, day, _ in SCHEDULES[s.schedule].extra_visits}
    return sorted(d for d in days if d not in scheduled and (d <= last_visit_day or s.profile.fatal_ae_day))


def set_end(s: Subject, rng: np.random.Generator, visits: dict[str, int]) -> None:
    p = s.profile
    if p.new_therapy or p.new_lesion_at or p.nt_progression_at:
        pd_day = visits[ASSESSMENTS[len(p.burden) - 1]] - int(rng.integers(0, 3))
        s.pd_day = pd_day if pd_day <= s.cut_day else None
    if p.end == "COMPLETED":
        day, term = visits["MONTH 12"], "Completed the Month 12 visit"
    elif p.end == "DEATH":
        after = p.fatal_ae_day + int(rng.integers(4, 10)) if p.fatal_ae_day else p.end_day + int(rng.integers(-8, 9))
        day, term = after, "Death"
        s.death = (day, p.death_cause)
    elif p.end == "PROGRESSIVE DISEASE":
        day, term = pd_day + int(rng.integers(21, 35)), "Disease progression; started new anticancer therapy"
    elif p.end == "LOST TO FOLLOW-UP":
        day, term = p.end_day + int(rng.integers(0, 20)), "Lost to follow-up after 3 unsuccessful contact attempts"
    else:
        day, term = p.end_day + int(rng.integers(0, 10)), "Subject moved to another city and withdrew consent"
    if s.death and s.death[0] > s.cut_day:
        s.death = None
    if day <= s.cut_day:
        s.end = (p.end, day, term, "FOLLOW-UP")


# medical history term, ongoing, background medication (CMTRT, dose, unit, route, frequency) or None
CONDITIONS: tuple[tuple[str, bool, tuple[str, str, str, str, str] | None], ...] = (
    ("Hypertension", True, ("Amlodipine", "5", "mg", "ORAL", "QD")),
    ("Type 2 diabetes mellitus", True, ("Metformin", "500", "mg", "ORAL", "BID")),
    ("Hyperlipidaemia", True, ("Atorvastatin", "20", "mg", "ORAL", "QD")),
    ("Gastro-oesophageal reflux disease", True, ("Omeprazole", "20", "mg", "ORAL", "QD")),
    ("Hypothyroidism", True, ("Levothyroxine", "50", "ug", "ORAL", "QD")),
    ("Osteoarthritis of the knees", True, ("Paracetamol", "500", "mg", "ORAL", "PRN")),
    ("Appendicectomy", False, None),
    ("Cholecystectomy", False, None),
    ("Depression", True, ("Sertraline", "50", "mg", "ORAL", "QD")),
)
# regimen choices per prior line: (components, route, frequency, duration range in days)
PRIOR_LINES = (
    ((("mFOLFOX6", "Bevacizumab"), "INTRAVENOUS", "Q2W"), (("FOLFOX",), "INTRAVENOUS", "Q2W"),
     (("CAPOX",), "INTRAVENOUS", "Q3W")),
    ((("FOLFIRI", "Bevacizumab"), "INTRAVENOUS", "Q2W"), (("FOLFIRI", "Cetuximab"), "INTRAVENOUS", "Q2W"),
     (("Irinotecan",), "INTRAVENOUS", "Q2W")),
    ((("Regorafenib",), "ORAL", "QD"), (("Fruquintinib",), "ORAL", "QD"), (("TAS-102",), "ORAL", "BID")),
)


def add_history(s: Subject, rng: np.random.Generator) -> None:
    """Consent, prior lines of therapy (counted back from consent, last one >= 4 weeks before), diagnosis,
    comorbidities."""
    s.consent_day = s.visits[0][1] - int(rng.integers(0, 4))
    end = s.date(s.consent_day) - dt.timedelta(days=int(rng.integers(30, 90)))
    lines = []
    for choices in PRIOR_LINES[: int(rng.integers(2, 4))][::-1]:
        drugs, route, freq = pick(rng, choices)
        start = end - dt.timedelta(days=int(rng.integers(90, 260)))
        lines.append((drugs, route, freq, start, end))
        end = start - dt.timedelta(days=int(rng.integers(14, 60)))
    s.prior_lines = lines[::-1]
    s.diagnosis = s.prior_lines[0][3] - dt.timedelta(days=int(rng.integers(20, 70)))
    s.conditions = sorted(int(i) for i in rng.permutation(len(CONDITIONS))[: int(rng.integers(0, 4))])
