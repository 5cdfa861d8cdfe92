"""Findings forms in long format: vs, eg, lb, pc (one row per test per visit)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mappings.im96.simulate import labmodel as model
from mappings.im96.simulate._base import ASSESSMENTS, chance, fdate, fnum, ftime, pick, rng_for
from mappings.im96.simulate.story import Subject
from mappings.im96.simulate.treatment import infusion_times

VITALS = ("SYSBP", "DIABP", "PULSE", "TEMP", "RESP", "SPO2")
WEIGHED = ("SCREENING", "LYMPHODEPLETION", "DAY 28", "MONTH 3", "MONTH 6", "MONTH 9", "MONTH 12")
VS_NOT_DONE = ("Patient refused", "Equipment malfunction", "Patient off the ward for imaging",
               "Not done in error")
EG_NOT_DONE = ("ECG machine unavailable", "Patient refused", "Not done in error")
PC_NOT_DONE = ("Sample not collected", "Sample lost in transit", "Sample haemolysed")
EG_VISITS = ("SCREENING", "DAY 1", "DAY 7", "DAY 28")
PC_VISITS = ("DAY 1", "DAY 4", "DAY 7", "DAY 10", "DAY 14", "DAY 21", "DAY 28", "MONTH 2", "MONTH 3", "MONTH 6",
             "MONTH 9", "MONTH 12")
TRANSGENE_LLOQ, CARCELLS_LLOQ = 50.0, 0.5


def visit_time(rng: np.random.Generator, blank: float, first: int = 8 * 60, last: int = 11 * 60) -> str:
    return "" if chance(rng, blank) else ftime(int(rng.integers(first, last)))


# ---------------------------------------------------------------- vital signs
def vs_tests(visit: str) -> tuple[str, ...]:
    if visit == "SCREENING":
        return VITALS + ("WEIGHT", "HEIGHT")
    if visit == "APHERESIS":
        return VITALS[:4]
    return VITALS + (("WEIGHT",) if visit in WEIGHED else ())


def vs_value(s: Subject, test: str, day: int, rng: np.random.Generator) -> float:
    b = model.baseline(s)
    fever, low = model.fever(s, day), model.hypotensive(s, day)
    if test == "SYSBP":
        return rng.uniform(78, 88) if low else b.sbp + rng.normal(0, 6) - 5 * fever
    if test == "DIABP":
        return rng.uniform(45, 55) if low else b.dbp + rng.normal(0, 4)
    if test == "PULSE":
        return b.pulse + rng.normal(0, 5) + 25 * fever
    if test == "TEMP":
        return rng.uniform(38.1, 39.6) if fever else b.temp + rng.normal(0, 0.15)
    if test == "RESP":
        return rng.uniform(14, 20) + 4 * fever
    if test == "SPO2":
        return rng.uniform(91, 94) if fever and s.tox.crs_grade >= 2 else rng.uniform(95, 99.4)
    if test == "WEIGHT":
        return s.weight * (1 - 0.03 * min(max(day, 0), 180) / 180) + rng.normal(0, 0.3)
    return s.height


def vs_result(test: str, value: float, rng: np.random.Generator) -> tuple[str, str]:
    """The value and unit as recorded: unit spellings vary, some temperatures in F, some weights in lb."""
    if test in ("SYSBP", "DIABP"):
        return fnum(value, 0), "mm Hg" if chance(rng, 0.2) else "mmHg"
    if test == "PULSE":
        return fnum(value, 0), "bpm" if chance(rng, 0.25) else "beats/min"
    if test == "TEMP":
        return (fnum(value * 9 / 5 + 32, 1), "F") if chance(rng, 0.08) else (fnum(value, 1), "C")
    if test == "WEIGHT":
        return (fnum(value * 2.20462, 1), "lb") if chance(rng, 0.1) else (fnum(value, 1), "kg")
    return fnum(value, 0), {"RESP": "breaths/min", "SPO2": "%", "HEIGHT": "cm"}[test]


def vs_abnormal(test: str, value: float) -> bool:
    limits = {"SYSBP": (90, 160), "DIABP": (50, 100), "PULSE": (50, 100), "TEMP": (35.5, 37.9), "RESP": (10, 22),
              "SPO2": (94, 101)}
    lo, hi = limits.get(test, (-np.inf, np.inf))
    return not lo <= value <= hi


def vs_rows(s: Subject) -> list[dict]:
    rng = rng_for(s.seed, s.no, "vs")
    start, end = infusion_times(s)
    rows = []
    for visit, day in s.visits:
        tpts = (("PRE-INFUSION", start - 45), ("POST-INFUSION", end + 30)) if visit == "DAY 1" else (("", None),)
        for tpt, minute in tpts:
            time = ftime(minute + int(rng.integers(-10, 10))) if minute else visit_time(rng, 0.15)
            for test in vs_tests(visit):
                rows.append(vs_row(s, rng, visit, day, tpt, time, test))
    return rows


def vs_row(s: Subject, rng, visit: str, day: int, tpt: str, time: str, test: str) -> dict:
    row = {"SUBJID": s.subjid, "VISIT": visit, "VSDAT": fdate(s.date(day)), "VSTIM": time, "VSTPT": tpt,
           "VSTEST": test, "VSORRES": "", "VSORRESU": "", "VSND": "", "VSREASND": "", "VSCLSIG": ""}
    if chance(rng, 0.015):
        return row | {"VSND": "Y", "VSREASND": pick(rng, VS_NOT_DONE)}
    value = vs_value(s, test, day, rng)
    result, unit = vs_result(test, value, rng)
    return row | {"VSORRES": result, "VSORRESU": unit, "VSCLSIG": significance(rng, vs_abnormal(test, value))}


def significance(rng: np.random.Generator, abnormal: bool, severe: bool = True) -> str:
    """Investigator's call: Y only for abnormal values; normal values are N or left blank."""
    if abnormal:
        return "Y" if severe and chance(rng, 0.7) else "N"
    return "N" if chance(rng, 0.5) else ""


# ---------------------------------------------------------------- ECG
EG_TESTS = ("HR", "PR", "QRS", "QT", "QTCF", "RR", "INTERP")


def eg_rows(s: Subject) -> list[dict]:
    rng = rng_for(s.seed, s.no, "eg")
    b = model.baseline(s)
    pr0, qrs0, qtcf0 = rng.uniform(140, 190), rng.uniform(82, 104), rng.uniform(395, 438)
    start, _ = infusion_times(s)
    rows = []
    for visit, day in s.visits:
        if visit not in EG_VISITS:
            continue
        common = {"SUBJID": s.subjid, "VISIT": visit, "EGDAT": fdate(s.date(day)),
                  "EGTIM": ftime(start - 90) if visit == "DAY 1" else visit_time(rng, 0.2)}
        if chance(rng, 0.04):
            reason = pick(rng, EG_NOT_DONE)
            rows += [common | {"EGTEST": t, "EGORRES": "", "EGORRESU": "", "EGND": "Y", "EGREASND": reason,
                               "EGCLSIG": ""} for t in EG_TESTS]
            continue
        hr = b.pulse + rng.normal(0, 5) + 25 * model.fever(s, day)
        rr = 60000 / hr
        qtcf = qtcf0 + rng.normal(0, 8)
        values = {"HR": hr, "PR": pr0 + rng.normal(0, 6), "QRS": qrs0 + rng.normal(0, 4),
                  "QT": qtcf * (rr / 1000) ** (1 / 3), "QTCF": qtcf, "RR": rr}
        abnormal = hr > 100 or qtcf > 450 or values["PR"] > 200
        ms = "ms" if chance(rng, 0.3) else "msec"
        bpm = "bpm" if chance(rng, 0.3) else "beats/min"
        for test, value in values.items():
            rows.append(common | {"EGTEST": test, "EGORRES": fnum(value, 0), "EGORRESU": bpm if test == "HR" else ms,
                                  "EGND": "", "EGREASND": "", "EGCLSIG": ""})
        rows.append(common | {"EGTEST": "INTERP", "EGORRES": "ABNORMAL" if abnormal else "NORMAL", "EGORRESU": "",
                              "EGND": "", "EGREASND": "", "EGCLSIG": significance(rng, abnormal, hr > 110)})
    return rows


# ---------------------------------------------------------------- laboratory
@dataclass(frozen=True)
class Unit:
    name: str
    factor: float        # value in this unit = canonical value * factor
    decimals: int
    lloq: float | None = None
    uloq: float | None = None


@dataclass(frozen=True)
class LabTest:
    code: str
    category: str
    low: float           # canonical reference range
    high: float
    units: tuple[Unit, ...]  # first = the local lab's usual unit
    severe_low: float = -np.inf
    severe_high: float = np.inf


CELLS = (Unit("10^9/L", 1, 2, 0.1), Unit("x10E9/L", 1, 2, 0.1), Unit("10^3/uL", 1, 2, 0.1))
LAB_TESTS = (
    LabTest("WBC", "HEMATOLOGY", 3.5, 9.5, CELLS, severe_low=1.0),
    LabTest("NEUT", "HEMATOLOGY", 1.8, 6.3, CELLS, severe_low=1.0),
    LabTest("LYM", "HEMATOLOGY", 1.1, 3.2, CELLS, severe_low=0.2),
    LabTest("HGB", "HEMATOLOGY", 11.5, 16.0, (Unit("g/dL", 1, 1), Unit("g/L", 10, 0)), severe_low=8.0),
    LabTest("PLAT", "HEMATOLOGY", 125, 350, (Unit("10^9/L", 1, 0), Unit("x10E9/L", 1, 0), Unit("10^3/uL", 1, 0)),
            severe_low=50),
    LabTest("ALT", "CHEMISTRY", 7, 40, (Unit("U/L", 1, 0), Unit("IU/L", 1, 0)), severe_high=120),
    LabTest("AST", "CHEMISTRY", 13, 35, (Unit("U/L", 1, 0), Unit("IU/L", 1, 0)), severe_high=105),
    LabTest("BILI", "CHEMISTRY", 3.4, 20.5, (Unit("umol/L", 1, 1), Unit("mg/dL", 1 / 17.1, 2))),
    LabTest("CREAT", "CHEMISTRY", 45, 104, (Unit("umol/L", 1, 0), Unit("mg/dL", 1 / 88.4, 2))),
    LabTest("CRP", "CHEMISTRY", 0, 5, (Unit("mg/dL", 0.1, 2, 0.5), Unit("mg/L", 1, 1, 3.0)), severe_high=100),
    LabTest("FERRITIN", "CHEMISTRY", 30, 400, (Unit("ng/mL", 1, 0, None, 2000), Unit("ug/L", 1, 0, None, 2000))),
    LabTest("IL6", "CHEMISTRY", 0, 7, (Unit("pg/mL", 1, 1, 1.5, 1000),), severe_high=1000),
    LabTest("CEA", "TUMOR MARKERS", 0, 5, (Unit("ng/mL", 1, 1, 0.5), Unit("ug/L", 1, 1, 0.5))),
    LabTest("CA19_9", "TUMOR MARKERS", 0, 37, (Unit("U/mL", 1, 1, 2.0), Unit("kU/L", 1, 1, 2.0))),
)
HEMATOLOGY = ("WBC", "NEUT", "LYM", "HGB", "PLAT")
CHEMISTRY = ("ALT", "AST", "BILI", "CREAT", "CRP", "FERRITIN")
MARKERS = ("CEA", "CA19_9")
EARLY = ("DAY 1", "DAY 4", "DAY 7", "DAY 10", "DAY 14", "DAY 21", "DAY 28")
PANEL_NOT_DONE = {"HEMATOLOGY": "Sample clotted", "CHEMISTRY": "Sample haemolysed",
                  "TUMOR MARKERS": "Insufficient sample"}


def lab_tests(visit: str) -> tuple[str, ...]:
    if visit == "APHERESIS":
        return HEMATOLOGY
    if visit == "UNSCHEDULED":
        return HEMATOLOGY + ("CRP", "FERRITIN", "IL6")
    tests = HEMATOLOGY + CHEMISTRY
    if visit == "SCREENING" or visit in EARLY:
        tests += ("IL6",)
    if visit == "SCREENING" or visit in ASSESSMENTS:
        tests += MARKERS
    return tests


# The Phase 3 panel (`--schedule phase3`): full blood count with differential, a full chemistry panel,
# coagulation and a CAR-T cytokine panel; canonical units and reference ranges as in LAB_TESTS.
CELLS_FINE = (Unit("10^9/L", 1, 2, 0.01), Unit("x10E9/L", 1, 2, 0.01), Unit("10^3/uL", 1, 2, 0.01))
MMOL0, MMOL1 = (Unit("mmol/L", 1, 0), Unit("mEq/L", 1, 0)), (Unit("mmol/L", 1, 1), Unit("mEq/L", 1, 1))
GRAMS = (Unit("g/L", 1, 0), Unit("g/dL", 0.1, 1))
ENZYME = (Unit("U/L", 1, 0), Unit("IU/L", 1, 0))
SECONDS = (Unit("s", 1, 1), Unit("sec", 1, 1))
PHASE3_TESTS = (
    LabTest("RBC", "HEMATOLOGY", 3.8, 5.8, (Unit("10^12/L", 1, 2),)),
    LabTest("HCT", "HEMATOLOGY", 0.35, 0.50, (Unit("L/L", 1, 3), Unit("%", 100, 1))),
    LabTest("MCV", "HEMATOLOGY", 80, 100, (Unit("fL", 1, 1),)),
    LabTest("MCH", "HEMATOLOGY", 27, 33, (Unit("pg", 1, 1),)),
    LabTest("MCHC", "HEMATOLOGY", 320, 360, GRAMS),
    LabTest("RDW", "HEMATOLOGY", 11.5, 14.5, (Unit("%", 1, 1),)),
    LabTest("MONO", "HEMATOLOGY", 0.2, 0.8, CELLS_FINE),
    LabTest("EOS", "HEMATOLOGY", 0.02, 0.5, CELLS_FINE),
    LabTest("BASO", "HEMATOLOGY", 0.0, 0.1, CELLS_FINE),
    LabTest("SODIUM", "CHEMISTRY", 136, 145, MMOL0, severe_low=125),
    LabTest("K", "CHEMISTRY", 3.5, 5.1, MMOL1, severe_low=3.0, severe_high=6.0),
    LabTest("CL", "CHEMISTRY", 98, 107, MMOL0),
    LabTest("BICARB", "CHEMISTRY", 22, 29, MMOL0),
    LabTest("UREA", "CHEMISTRY", 2.5, 7.1, (Unit("mmol/L", 1, 1),)),
    LabTest("GLUC", "CHEMISTRY", 3.9, 6.1, (Unit("mmol/L", 1, 1), Unit("mg/dL", 18.016, 0))),
    LabTest("CA", "CHEMISTRY", 2.15, 2.55, (Unit("mmol/L", 1, 2), Unit("mg/dL", 4.008, 1))),
    LabTest("MG", "CHEMISTRY", 0.66, 1.07, (Unit("mmol/L", 1, 2),)),
    LabTest("PHOS", "CHEMISTRY", 0.81, 1.45, (Unit("mmol/L", 1, 2),)),
    LabTest("ALB", "CHEMISTRY", 35, 50, GRAMS, severe_low=20),
    LabTest("PROT", "CHEMISTRY", 64, 83, GRAMS),
    LabTest("ALP", "CHEMISTRY", 40, 130, ENZYME),
    LabTest("GGT", "CHEMISTRY", 8, 61, ENZYME),
    LabTest("LDH", "CHEMISTRY", 135, 225, ENZYME),
    LabTest("URATE", "CHEMISTRY", 202, 416, (Unit("umol/L", 1, 0), Unit("mg/dL", 1 / 59.48, 1))),
    LabTest("BILDIR", "CHEMISTRY", 0, 5.1, (Unit("umol/L", 1, 1), Unit("mg/dL", 1 / 17.1, 2))),
    LabTest("IL2", "CHEMISTRY", 0, 5, (Unit("pg/mL", 1, 1, 0.8, 1000),)),
    LabTest("IL10", "CHEMISTRY", 0, 9.1, (Unit("pg/mL", 1, 1, 1.0, 1000),)),
    LabTest("IFNG", "CHEMISTRY", 0, 7.8, (Unit("pg/mL", 1, 1, 1.0, 1000),)),
    LabTest("TNF", "CHEMISTRY", 0, 8.1, (Unit("pg/mL", 1, 1, 1.0, 1000),)),
    LabTest("IL2R", "CHEMISTRY", 158, 623, (Unit("U/mL", 1, 0, None, 7500),)),
    LabTest("PT", "COAGULATION", 11, 13.5, SECONDS),
    LabTest("APTT", "COAGULATION", 25, 35, SECONDS),
    LabTest("FIBRINO", "COAGULATION", 2, 4, (Unit("g/L", 1, 2), Unit("mg/dL", 100, 0)), severe_low=1.0),
    LabTest("DDIMER", "COAGULATION", 0, 0.5, (Unit("mg/L FEU", 1, 2, 0.19),)),
)
CYTOKINES = ("IL6", "IL2", "IL10", "IFNG", "TNF", "IL2R")
COAGULATION = tuple(t.code for t in PHASE3_TESTS if t.category == "COAGULATION")
PHASE3_HEMATOLOGY = HEMATOLOGY + tuple(t.code for t in PHASE3_TESTS if t.category == "HEMATOLOGY")
PHASE3_CHEMISTRY = CHEMISTRY + tuple(t.code for t in PHASE3_TESTS if t.category == "CHEMISTRY"
                                     and t.code not in CYTOKINES)
PHASE3_EARLY = EARLY + ("DAY 2", "DAY 3", "DAY 5", "DAY 6", "DAY 8", "DAY 9", "DAY 12")
NOT_DONE_REASON = PANEL_NOT_DONE | {"COAGULATION": "Sample clotted"}  # every panel of either schedule


def phase3_lab_tests(visit: str) -> tuple[str, ...]:
    """Full blood count and coagulation at every visit, chemistry except at apheresis, cytokines at screening,
    in the first 28 days and during CRS (unscheduled), tumour markers at screening and the tumour assessments."""
    if visit == "APHERESIS":
        return PHASE3_HEMATOLOGY + COAGULATION
    tests = PHASE3_HEMATOLOGY + PHASE3_CHEMISTRY + COAGULATION
    if visit in ("SCREENING", "UNSCHEDULED") or visit in PHASE3_EARLY:
        tests += CYTOKINES
    if visit == "SCREENING" or visit in ASSESSMENTS:
        tests += MARKERS
    return tests


LAB_SCHEDULES = {"default": (lab_tests, PANEL_NOT_DONE), "phase3": (phase3_lab_tests, NOT_DONE_REASON)}


def _scaled(code: str, course, power: float = 1.0):
    """A Phase 3 test following a course relative to its value at baseline: baseline x (course ratio) ** power."""
    return lambda s, day: model.phase3_baseline(s)[code] * course(s, day) ** power


def _inflamed(code: str, slope: float, power: float = 1.0):
    """A Phase 3 test moving with inflammation: baseline x (1 + slope x (inflammation - 1)) ** power."""
    return lambda s, day: model.phase3_baseline(s)[code] * (1 + slope * (model.inflammation(s, day) - 1)) ** power


def _red_cells(s: Subject, day: int) -> float:
    return model.haemoglobin(s, day) / model.baseline(s).hgb


def _myeloid(s: Subject, day: int) -> float:
    return model.neutrophils(s, day) / model.baseline(s).neut


def _steady(s: Subject, day: int) -> float:
    return 1.0


LAB_VALUES = {  # noise-free canonical value by test code and study day
    "NEUT": lambda s, day: model.neutrophils(s, day),
    "LYM": lambda s, day: model.lymphocytes(s, day),
    "WBC": lambda s, day: model.neutrophils(s, day) + model.lymphocytes(s, day) + 0.6,
    "HGB": lambda s, day: model.haemoglobin(s, day),
    "PLAT": lambda s, day: model.platelets(s, day),
    "ALT": lambda s, day: model.baseline(s).alt * (1 + 0.15 * (model.inflammation(s, day) - 1)),
    "AST": lambda s, day: model.baseline(s).ast * (1 + 0.15 * (model.inflammation(s, day) - 1)),
    "BILI": lambda s, day: model.baseline(s).bili,
    "CREAT": lambda s, day: model.baseline(s).creat * (1 + 0.02 * (model.inflammation(s, day) - 1)),
    "CRP": lambda s, day: model.baseline(s).crp * model.inflammation(s, day),
    "FERRITIN": lambda s, day: model.baseline(s).ferritin * (1 + 0.5 * (model.inflammation(s, day) - 1)),
    "IL6": lambda s, day: model.baseline(s).il6 * model.inflammation(s, day) ** 2.2,
    "CEA": lambda s, day: model.baseline(s).cea * model.burden(s, day) ** 1.3 + 1.2,
    "CA19_9": lambda s, day: model.baseline(s).ca19_9 * model.burden(s, day) ** 1.3 + 6.0,
    **{code: _scaled(code, _red_cells) for code in ("RBC", "HCT")},
    **{code: _scaled(code, _myeloid) for code in ("MONO", "EOS", "BASO")},
    **{code: _scaled(code, _steady) for code in ("MCV", "MCH", "MCHC", "RDW", "K", "CL", "BICARB", "UREA", "GLUC",
                                                 "CA", "MG", "PHOS", "PROT", "URATE", "BILDIR")},
    "SODIUM": _inflamed("SODIUM", -0.004),
    "ALB": _inflamed("ALB", 0.03, -1.0),
    **{code: _inflamed(code, 0.05) for code in ("ALP", "GGT")},
    "LDH": _inflamed("LDH", 0.1),
    "IL2": _inflamed("IL2", 1.0, 0.8), "IL10": _inflamed("IL10", 1.0, 1.8), "IFNG": _inflamed("IFNG", 1.0, 2.0),
    "TNF": _inflamed("TNF", 1.0, 0.7), "IL2R": _inflamed("IL2R", 1.0, 1.2),
    **{code: _inflamed(code, 0.01) for code in ("PT", "APTT")},
    "FIBRINO": _inflamed("FIBRINO", 0.08),
    "DDIMER": _inflamed("DDIMER", 0.3),
}


def lab_value(s: Subject, code: str, day: int) -> float:
    """Noise-free canonical value."""
    return LAB_VALUES[code](s, day)


def lab_result(value: float, unit: Unit) -> str:
    shown = value * unit.factor
    if unit.lloq is not None and shown < unit.lloq:
        return f"<{unit.lloq:g}"
    if unit.uloq is not None and shown > unit.uloq:
        return f">{unit.uloq:g}"
    return fnum(shown, unit.decimals)


TESTS = {t.code: t for t in LAB_TESTS + PHASE3_TESTS}


def lb_rows(s: Subject) -> list[dict]:
    """One row per test per visit; the schedule gives the tests of a visit and the panels that can be not done.
    A panel whose pre-infusion samples were lost (`s.missing_baseline`) has no row up to Day 1."""
    rng = rng_for(s.seed, s.no, "lb")
    tests_of, not_done = LAB_SCHEDULES[s.schedule]
    rows = []
    for visit, day in s.visits:
        codes = tests_of(visit)
        time = visit_time(rng, 0.25, 7 * 60, 10 * 60)
        skipped = {cat for cat in not_done if chance(rng, 0.012)}
        lost = s.missing_baseline if day <= 1 else ""
        for code in codes:
            if TESTS[code].category != lost:
                rows.append(lb_row(s, rng, visit, day, time, TESTS[code], TESTS[code].category in skipped))
    return rows


def lb_row(s: Subject, rng, visit: str, day: int, time: str, test: LabTest, skipped: bool) -> dict:
    unit = test.units[0] if len(test.units) == 1 or chance(rng, 0.7) else pick(rng, test.units[1:])
    row = {"SUBJID": s.subjid, "VISIT": visit, "LBDAT": fdate(s.date(day)), "LBTIM": time, "LBCAT": test.category,
           "LBTEST": test.code, "LBORRES": "", "LBORRESU": unit.name,
           "LBORNRLO": fnum(test.low * unit.factor, unit.decimals), "LBORNRHI": fnum(test.high * unit.factor,
                                                                                    unit.decimals),
           "LBND": "", "LBREASND": "", "LBCLSIG": ""}
    if skipped:
        return row | {"LBND": "Y", "LBREASND": NOT_DONE_REASON[test.category]}
    value = lab_value(s, test.code, day) * float(np.exp(rng.normal(0, 0.06)))
    abnormal = not test.low <= value <= test.high
    severe = value < test.severe_low or value > test.severe_high
    return row | {"LBORRES": lab_result(value, unit), "LBCLSIG": significance(rng, abnormal, severe)}


# ---------------------------------------------------------------- cellular kinetics
def pc_rows(s: Subject) -> list[dict]:
    if not s.infused:
        return []
    rng = rng_for(s.seed, s.no, "pc")
    b = model.baseline(s)
    start, _ = infusion_times(s)
    rows = []
    for visit, day in s.visits:
        if visit not in PC_VISITS:
            continue
        pre = visit == "DAY 1"
        time = ftime(start - int(rng.integers(20, 60))) if pre else visit_time(rng, 0.05)
        copies = 0.0 if pre else model.transgene(s, day) * 10 ** rng.normal(0, 0.15)
        cells = copies * 10 ** (b.cells_per_copy + rng.normal(0, 0.1))
        common = {"SUBJID": s.subjid, "VISIT": visit, "PCTPT": "PRE-INFUSION" if pre else "",
                  "PCDAT": fdate(s.date(day)), "PCTIM": time}
        rows.append(common | pc_result(rng, "TRANSGENE", copies, TRANSGENE_LLOQ, 0,
                                       ("copies/ug gDNA", "copies/ug gDNA", "copies/ug")))
        rows.append(common | pc_result(rng, "CARCELLS", cells, CARCELLS_LLOQ, 2 if cells < 10 else 1,
                                       ("cells/uL", "cells/uL", "cells/mcL")))
    return rows


def pc_result(rng, test: str, value: float, lloq: float, decimals: int, units: tuple[str, ...]) -> dict:
    row = {"PCTEST": test, "PCORRES": "", "PCORRESU": pick(rng, units), "PCLLOQ": f"{lloq:g}", "PCND": "",
           "PCREASND": ""}
    if chance(rng, 0.03):
        return row | {"PCORRESU": "", "PCND": "Y", "PCREASND": pick(rng, PC_NOT_DONE)}
    if value < lloq:
        return row | {"PCORRES": pick(rng, (f"<{lloq:g}", "<LLOQ"))}
    return row | {"PCORRES": fnum(value, decimals)}
