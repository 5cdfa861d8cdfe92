"""The CORE engine's ISO 8601 date checks on values worked out by hand from ISO 8601 and the Gregorian calendar."""
from __future__ import annotations

import pandas as pd

from cdisc.validate.core.dates import is_complete, is_valid

VALUES = {  # value: (valid, complete date portion)
    "2024-02-29": (True, True),  # 2024 is a leap year
    "2023-02-29": (False, False),
    "1900-02-29": (False, False),  # a century not divisible by 400 is no leap year
    "2000-02-29": (True, True),
    "0000-02-29": (True, True),  # year 0 of the proleptic calendar is divisible by 400
    "2024-04-31": (False, False),
    "2024-12-31T23:59:59.5": (True, True),
    "2024-12-31T24:00": (False, False),
    "2024-12-31T23:60": (False, False),
    "2024-12-31T23:59:60": (False, False),
    "2024-12-31T10:00+01:00": (True, True),
    "2024-13": (False, False),
    "2024-12": (True, False),
    "2024": (True, False),
    "2024---15": (True, False),  # an unknown month written with hyphens
    "2024-1-05": (False, False),
    "\u0662\u0660\u0662\u0664": (False, False),  # Arabic-Indic digits: no ISO 8601 year
    "2024-01-05\n": (False, False),  # a value ends where its date ends
    "": (False, False),
}


def test_dates_are_valid_and_complete_by_the_calendar() -> None:
    text = pd.Series(list(VALUES), dtype=object)
    assert dict(zip(VALUES, zip(is_valid(text).tolist(), is_complete(text).tolist(), strict=True),
                    strict=True)) == VALUES
