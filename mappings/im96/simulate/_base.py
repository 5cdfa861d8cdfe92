"""Shared building blocks of the simulator: the study calendar, raw value formats and seeded generators."""
from __future__ import annotations

import datetime as dt
import zlib

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
