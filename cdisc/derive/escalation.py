"""Dose-escalation decisions."""
from __future__ import annotations

ENROLLING = "ENROLLING: fewer than 3 DLT-evaluable subjects"
ESCALATE = "OPEN NEXT DOSE GROUP"
CLEARED = "DOSE GROUP CLEARED (highest planned dose)"
EXPAND = "EXPAND TO 6 SUBJECTS"
STOP = "STOP: DOSE EXCEEDS THE MAXIMUM TOLERATED DOSE"


def decide_3plus3(evaluable: int, with_dlt: int, *, highest: bool = False) -> str:
    """3+3 dose-escalation decision for one dose group (Storer 1989; IM96 protocol: the next group opens
    only if the DLT incidence is <= 1/6).

    Rule: 2 or more DLTs -> stop; 3 evaluable with 0 DLT -> open the next group; 3-5 evaluable with 1 DLT ->
    expand to 6; 6 or more evaluable with at most 1 DLT -> open the next group; fewer than 3 evaluable ->
    still enrolling. "Open the next group" on the highest planned dose means the dose is cleared.

    >>> decide_3plus3(3, 1)
    'EXPAND TO 6 SUBJECTS'
    """
    if evaluable < 0 or with_dlt < 0 or with_dlt > evaluable:
        raise ValueError(f"impossible counts: {with_dlt} DLT among {evaluable} evaluable subjects")
    if with_dlt >= 2:
        return STOP
    if evaluable < 3:
        return ENROLLING
    if with_dlt == 1 and evaluable < 6:
        return EXPAND
    return CLEARED if highest else ESCALATE
