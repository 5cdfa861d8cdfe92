"""The pilot's visits: EDC instance names -> VISITNUM, VISIT, VISITDY (design/visits.csv, MT.VISIT)."""
from __future__ import annotations

import pandas as pd

from cdisc.context import StudyContext
from cdisc.errors import MappingError

UNSCHEDULED = r"^Unscheduled (\d+\.\d+)$"


def add_visit(df: pd.DataFrame, instance: pd.Series, ctx: StudyContext, *, source: str) -> pd.DataFrame:
    """VISITNUM, VISIT and VISITDY of each collected instance name: a planned visit by its names in the visit
    table, `Unscheduled N.M` as VISITNUM N.M and VISIT `UNSCHEDULED N.M` (no planned day)."""
    table = ctx.design("visits")
    names = table.assign(COLLECTED=table["COLLECTED"].str.split("|")).explode("COLLECTED").set_index("COLLECTED")
    unscheduled = instance.str.extract(UNSCHEDULED, expand=False)
    unknown = sorted(set(instance[~instance.isin(names.index) & unscheduled.isna()]))
    if unknown:
        raise MappingError(f"{source}: visit(s) {unknown[:10]} are neither in design/visits.csv nor 'Unscheduled N.M'")
    planned = instance.map(names["VISITNUM"]).fillna(unscheduled)
    return df.assign(VISITNUM=pd.to_numeric(planned),
                     VISIT=instance.map(names["VISIT"]).fillna("UNSCHEDULED " + unscheduled.fillna("")),
                     VISITDY=pd.to_numeric(instance.map(names["VISITDY"])))
