"""Verbs for Events and Interventions records (AE, CM, MH, ...)."""
from __future__ import annotations

import numpy as np
import pandas as pd

ONGOING = "ONGOING"


def add_ongoing(df: pd.DataFrame, dm: pd.DataFrame, *, ongoing: pd.Series, reference: str, enrtpt: str,
                entpt: str) -> pd.DataFrame:
    """End Relative to Reference Time Point / End Reference Time Point (SDTMIG 3.4 §4.4.7).

    Where `ongoing` (a row mask, e.g. the CRF "Ongoing" box) is true: `enrtpt` = "ONGOING" (CT STENRF) and
    `entpt` = the subject's DM date named by `reference` (e.g. "RFPENDTC", the last contact, or "RFICDTC");
    both null elsewhere.

    >>> dm = pd.DataFrame({"USUBJID": ["S1"], "RFPENDTC": ["2025-06-01"]})
    >>> add_ongoing(pd.DataFrame({"USUBJID": ["S1", "S1"]}), dm, ongoing=pd.Series([True, False]),
    ...             reference="RFPENDTC", enrtpt="AEENRTPT", entpt="AEENTPT").values.tolist()
    [['S1', 'ONGOING', '2025-06-01'], ['S1', '', '']]
    """
    ref = df["USUBJID"].map(dm.set_index("USUBJID")[reference]).fillna("")
    return df.assign(**{enrtpt: np.where(ongoing, ONGOING, ""), entpt: ref.where(ongoing, "")})
