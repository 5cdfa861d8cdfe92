"""Shared building blocks of the simulator: the study calendar, raw value formats and seeded generators."""
from __future__ import annotations

import datetime as dt
import zlib
from dataclasses import dataclass

import numpy as np

SITEID = "001"
DATA_CUT = dt.date(2026, 6, 30)  # never written; nothing after it is generated
FIRST_INFUSION = dt.date(2024, 3, 5)
LAST_INFUSION = dt.date(2025, 7, 18)
MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")

# EDC folder name, target study day (Day 1 = CAR-T infusion, no Day 0), +/- window in days.
SCHEDULE: tuple[tuple[str, int, int], ...] = (
    ("SCREENING", -26, 2),
    ("APHERESIS", -21, 1),
    ("LYMPHODEPLETION", -5, 0),
    ("DAY 1", 1, 0),
    ("DAY 4", 4, 0),
    ("DAY 7", 7, 1),
    ("DAY 10", 10, 1),
    ("DAY 14", 14, 1),
    ("DAY 21", 21, 2),
    ("DAY 28", 28, 2),
    ("MONTH 2", 60, 5),
    ("MONTH 3", 90, 7),
    ("MONTH 6", 180, 10),
    ("MONTH 9", 270, 10),
    ("MONTH 12", 365, 14),
)
VISITS = tuple(name for name, _, _ in SCHEDULE) + ("UNSCHEDULED",)
TARGET_DAY = {name: day for name, day, _ in SCHEDULE}
# The Phase 3-like schedule (`--schedule phase3`) adds planned laboratory visits to SCHEDULE: daily in hospital
# up to Day 12, weekly from Day 35 to Day 49, monthly between the tumour assessments (TV VISITNUM in tv.csv).
PHASE3_VISITS: tuple[tuple[str, int, int], ...] = (
    ("DAY 2", 2, 0),
    ("DAY 3", 3, 0),
    ("DAY 5", 5, 0),
    ("DAY 6", 6, 0),
    ("DAY 8", 8, 0),
    ("DAY 9", 9, 0),
    ("DAY 12", 12, 0),
    ("DAY 35", 35, 2),
    ("DAY 42", 42, 2),
    ("DAY 49", 49, 2),
    ("MONTH 4", 120, 7),
    ("MONTH 5", 150, 7),
    ("MONTH 7", 210, 10),
    ("MONTH 8", 240, 10),
    ("MONTH 10", 300, 10),
    ("MONTH 11", 330, 10),
)


@dataclass(frozen=True)
class Schedule:
    """A visit schedule: planned visits added to SCHEDULE, and how often data go missing (0 = never).
    `missed_visit`: chance that an infused subject misses one routine visit; `missing_baseline`: chance that the
    pre-infusion samples of one lab panel are lost. The lab tests of each visit are in findings.LAB_SCHEDULES."""

    extra_visits: tuple[tuple[str, int, int], ...] = ()
    missed_visit: float = 0.0
    missing_baseline: float = 0.0


SCHEDULES = {"default": Schedule(), "phase3": Schedule(PHASE3_VISITS, missed_visit=0.2, missing_baseline=0.05)}


def visit_names(schedule: str) -> tuple[str, ...]:
    """The EDC visit folders of a schedule, in study-day order, then UNSCHEDULED."""
    planned = sorted(SCHEDULE + SCHEDULES[schedule].extra_visits, key=lambda v: v[1])
    return tuple(name for name, _, _ in planned) + ("UNSCHEDULED",)
ASSESSMENTS = ("DAY 28", "MONTH 2", "MONTH 3", "MONTH 6", "MONTH 9", "MONTH 12")  # RECIST + tumour markers


def rng_for(seed: int, *parts: int | str) -> np.random.Generator:
    """An independent generator per (seed, subject, purpose), so one form's draws never shift another's."""
    words = [p if isinstance(p, int) else zlib.crc32(p.encode("ascii")) for p in parts]
    return np.random.default_rng([seed, *words])


def day_date(day1: dt.date, day: int) -> dt.date:
    """Calendar date of a study day (Day 1 = day1; the day before is Day -1)."""
    return day1 + dt.timedelta(days=day - 1 if day > 0 else day)


def date_day(day1: dt.date, date: dt.date) -> int:
    delta = (date - day1).days
    return delta + 1 if delta >= 0 else delta


def fdate(date: dt.date | None) -> str:
    """`05-JAN-2025`; blank for None."""
    return "" if date is None else f"{date.day:02d}-{MONTHS[date.month - 1]}-{date.year}"


def fpartial(date: dt.date, unknown: str) -> str:
    """A partial raw date: unknown="day" gives `UN-MAR-2024`, "month" gives `UN-UNK-2024`, "" the full date."""
    if unknown == "day":
        return f"UN-{MONTHS[date.month - 1]}-{date.year}"
    if unknown == "month":
        return f"UN-UNK-{date.year}"
    return fdate(date)


def ftime(minutes: int) -> str:
    """Minutes after midnight as `HH:MM`."""
    minutes = int(minutes) % (24 * 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def fnum(value: float, decimals: int) -> str:
    return f"{value:.{decimals}f}"


def pick(rng: np.random.Generator, options):
    """One element of a tuple, drawn with the generator (works for tuples of tuples)."""
    return options[int(rng.integers(len(options)))]


def chance(rng: np.random.Generator, p: float) -> bool:
    return bool(rng.random() < p)
