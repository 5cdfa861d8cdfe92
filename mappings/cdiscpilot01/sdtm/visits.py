"""The pilot's visits: EDC instance names -> VISITNUM, VISIT, VISITDY (design/visits.csv, MT.VISIT)."""
from __future__ import annotations

import pandas as pd

from cdisc.algorithms import shown_rows
from cdisc.context import StudyContext
from cdisc.errors import MappingError

UNSCHEDULED = r"^Unscheduled (\d+\.\d+)$"


def add_visit(df: pd.DataFrame, instance: pd.Series, ctx: StudyContext, *, source: str,
              rows: pd.Series) -> pd.DataFrame:
    """VISITNUM, VISIT and VISITDY of each collected instance name: a planned visit by its names in the visit
    table, `Unscheduled N.M` as VISITNUM N.M and VISIT `UNSCHEDULED N.M` (no planned day). An unknown name is a
    `MappingError` naming `source` and the raw `rows` that hold it."""
    table = ctx.design("visits")
    names = table.assign(COLLECTED=table["COLLECTED"].str.split("|")).explode("COLLECTED").set_index("COLLECTED")
    unscheduled = instance.str.extract(UNSCHEDULED, expand=False)
    unknown = ~instance.isin(names.index) & unscheduled.isna()
    if unknown.any():
        raise MappingError(f"{source}: visit(s) {sorted(set(instance[unknown]))[:10]} are neither in "
                           f"design/visits.csv nor 'Unscheduled N.M' ({shown_rows(instance, unknown, rows)})")
    number = unscheduled.dropna().map(_visit_number)
    if (inexact := number.isna()).any():
        chosen = instance.index.isin(number.index[inexact])
        raise MappingError(f"{source}: unscheduled visit number(s) no number holds as written "
                           f"({shown_rows(instance, chosen, rows)})")
    planned = instance.map(names["VISITNUM"]).fillna(number)
    return df.assign(VISITNUM=pd.to_numeric(planned),
                     VISIT=instance.map(names["VISIT"]).fillna("UNSCHEDULED " + number.reindex(instance.index)
                                                               .fillna("")),
                     VISITDY=pd.to_numeric(instance.map(names["VISITDY"])))


def _visit_number(text: str) -> str | None:
    """An unscheduled visit's number N.M as VISITNUM holds it, written so: '03.10' is 3.1 (one visit, whichever
    way it was typed); None when a double holds no such number (99999999999999999999.1 is 1e+20)."""
    whole, fraction = text.split(".")
    written = f"{whole.lstrip('0') or '0'}.{fraction.rstrip('0') or '0'}".removesuffix(".0")
    return written if f"{float(written):.15g}" == written else None
