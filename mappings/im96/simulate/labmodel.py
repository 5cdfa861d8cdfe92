"""Noise-free physiological courses (by study day) behind the labs, vitals, cellular kinetics and the AEs
that mirror them: cytopenias after lymphodepletion, inflammation during CRS, tumour markers following the
tumour burden, CAR-T expansion and contraction.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from mappings.im96.simulate._base import ASSESSMENTS, rng_for
from mappings.im96.simulate.story import Subject

# Primary units: 10^9/L, g/dL, U/L, umol/L, mg/L (CRP), ng/mL, pg/mL, U/mL.


@dataclass(frozen=True)
class Baseline:
    neut: float
    lym: float
    hgb: float
    plat: float
    alt: float
    ast: float
    bili: float
    creat: float
    crp: float
    ferritin: float
    il6: float
    cea: float
    ca19_9: float
    peak_copies: float  # log10 copies/ug gDNA at the expansion peak
    peak_day: int
    cells_per_copy: float  # log10 ratio CAR+ cells/uL to copies/ug
    sbp: float
    dbp: float
    pulse: float
    temp: float


# The Phase 3 panel (`--schedule phase3`): per-subject baseline drawn uniformly in these canonical ranges.
PHASE3_BASELINE: dict[str, tuple[float, float]] = {
    "RBC": (3.6, 5.0), "HCT": (0.32, 0.44), "MCV": (82, 98), "MCH": (27, 32), "MCHC": (320, 355), "RDW": (12, 15.5),
    "MONO": (0.25, 0.7), "EOS": (0.05, 0.35), "BASO": (0.01, 0.06), "SODIUM": (135, 143), "K": (3.6, 4.8),
    "CL": (98, 106), "BICARB": (22, 28), "UREA": (3, 7.5), "GLUC": (4.2, 7.5), "CA": (2.15, 2.5), "MG": (0.7, 1.0),
    "PHOS": (0.85, 1.4), "ALB": (30, 44), "PROT": (60, 78), "ALP": (60, 260), "GGT": (15, 150), "LDH": (150, 400),
    "URATE": (200, 400), "BILDIR": (1, 4), "IL2": (0.5, 3), "IL10": (1, 6), "IFNG": (1, 6), "TNF": (2, 9),
    "IL2R": (300, 900), "PT": (11.2, 13.2), "APTT": (26, 34), "FIBRINO": (2.5, 4.5), "DDIMER": (0.3, 1.5),
}


def phase3_baseline(s: Subject) -> dict[str, float]:
    return _phase3_baseline(s.seed, s.no)


@lru_cache(maxsize=4096)
def _phase3_baseline(seed: int, no: int) -> dict[str, float]:
    rng = rng_for(seed, no, "baseline phase3")
    return {code: float(rng.uniform(lo, hi)) for code, (lo, hi) in PHASE3_BASELINE.items()}


def baseline(s: Subject) -> Baseline:
    return _baseline(s.seed, s.no, s.dose_level)


@lru_cache(maxsize=4096)
def _baseline(seed: int, no: int, dose_level: int | None) -> Baseline:
    rng = rng_for(seed, no, "baseline")
    u = rng.uniform
    return Baseline(
        neut=u(2.2, 5.5), lym=u(0.9, 2.0), hgb=u(10.4, 13.6), plat=u(170, 330), alt=u(12, 36), ast=u(14, 34),
        bili=u(5, 16), creat=u(52, 96), crp=u(2, 24), ferritin=u(60, 380), il6=u(2, 11),
        cea=u(8, 260) if rng.random() < 0.85 else u(1.5, 4.6),
        ca19_9=u(45, 1400) if rng.random() < 0.75 else u(6, 34),
        peak_copies=rng.normal(4.35 + (0.35 if dose_level == 2 else 0.0), 0.3),
        peak_day=int(rng.choice([7, 10, 14])), cells_per_copy=rng.normal(-3.0, 0.15),
        sbp=u(108, 138), dbp=u(64, 86), pulse=u(66, 88), temp=u(36.3, 36.9),
    )


def interp(day: int, points: tuple[tuple[float, float], ...]) -> float:
    days, values = zip(*points, strict=False)
    return float(np.interp(day, days, values))


def neutrophils(s: Subject, day: int) -> float:
    b, t = baseline(s), s.tox
    if t is None or day < -5:
        return b.neut
    return interp(day, ((-5, b.neut), (1, b.neut * 0.45), (t.neut_nadir_day, t.neut_nadir),
                        (t.neut_nadir_day + t.neut_recovery, 1.8), (90, b.neut * 0.85), (365, b.neut)))


def lymphocytes(s: Subject, day: int) -> float:
    b = baseline(s)
    if s.tox is None or day < -5:
        return b.lym
    return interp(day, ((-5, b.lym), (-2, 0.15), (1, 0.1), (10, 0.6), (28, 0.5), (90, 0.8), (365, b.lym * 0.9)))


def haemoglobin(s: Subject, day: int) -> float:
    b, t = baseline(s), s.tox
    if t is None or day < -5:
        return b.hgb
    return interp(day, ((-5, b.hgb), (14, min(t.hgb_nadir, b.hgb - 0.5)), (60, b.hgb * 0.95), (365, b.hgb)))


def platelets(s: Subject, day: int) -> float:
    b, t = baseline(s), s.tox
    if t is None or day < -5:
        return b.plat
    return interp(day, ((-5, b.plat), (1, b.plat * 0.8), (12, t.plat_nadir), (28, max(t.plat_nadir, 130)),
                        (60, b.plat * 0.9), (365, b.plat)))


def inflammation(s: Subject, day: int) -> float:
    """Multiplier of CRP, ferritin and IL-6 over baseline: a bump from CRS onset, scaled by grade."""
    t = s.tox
    if t is None or t.crs_grade == 0:
        return 1.0
    peak = {1: 6.0, 2: 14.0, 3: 25.0}[t.crs_grade]
    o = t.crs_onset
    return interp(day, ((o - 1, 1.0), (o + 1, peak), (o + t.crs_days + 4, 2.0), (o + t.crs_days + 15, 1.0)))


def burden(s: Subject, day: int) -> float:
    """Planned target-lesion burden relative to baseline at a study day (step function over assessments)."""
    if s.profile is None:
        return 1.0
    value = 1.0
    for visit, factor in zip(ASSESSMENTS, s.profile.burden, strict=False):
        assessed = s.visit_day(visit)
        if assessed is not None and day >= assessed - 3:
            value = factor
    return value


def transgene(s: Subject, day: int) -> float:
    """Transgene copies/ug gDNA: expansion to a peak at Day 7-14, then biphasic contraction."""
    b = baseline(s)
    p, tp = b.peak_copies, b.peak_day
    log10 = interp(day, ((1, 0.0), (4, p - 1.3), (tp, p), (28, p - 1.2), (90, p - 2.1), (180, p - 2.6),
                         (365, p - 3.2)))
    return 10 ** log10


def fever(s: Subject, day: int) -> bool:
    t = s.tox
    return t is not None and t.crs_grade > 0 and t.crs_onset <= day < t.crs_onset + t.crs_days


def hypotensive(s: Subject, day: int) -> bool:
    t = s.tox
    return t is not None and t.crs_grade >= 2 and t.crs_onset + 1 <= day <= t.crs_onset + 2
