"""SE: the elements each subject actually went through (methods MT.SE.*).

SCRN from the first consent, APHER from the apheresis, LDCHEMO from the first lymphodepletion dose,
CARTINF from the IM96 infusion, FU from Day 29; each element ends where the next one starts and the
last one at the end of participation (DM.RFPENDTC). Subjects who stopped early have only the elements
they reached; screen failures have SCRN only.
"""
from __future__ import annotations

import pandas as pd

from cdisc.algorithms import map_ct, start_domain
from cdisc.context import DomainResult, StudyContext
from cdisc.dates import dtc_date, to_dtc
from cdisc.raw import LINEAGE
from cdisc.timing import add_study_day

DLT_PERIOD = pd.Timedelta(days=28)  # CARTINF covers Days 1-28; follow-up starts on Day 29 (TE)


def build(ctx: StudyContext) -> list[DomainResult]:
    dm = ctx.dataset("DM")
    # one row per element reached: SUBJID, ETCD, SESTDTC and the raw row it comes from
    elements = pd.concat([
        screening(ctx.raw.form("ic")),
        apheresis(ctx.raw.form("apher"), ctx),
        lymphodepletion(ctx.raw.form("ld")),
        infusion(ctx.raw.form("inf")),
        follow_up(ctx.raw.form("inf"), dm),
    ], ignore_index=True)
    elements = elements[elements["SUBJID"].isin(dm["SUBJID"])]

    se = start_domain(elements, ctx, "SE")
    # ETCD, SESTDTC: the element and its start (MT.SE.ELEMENTS, MT.SE.SESTDTC)
    se["ETCD"] = elements["ETCD"]
    se["SESTDTC"] = elements["SESTDTC"]
    # ELEMENT, TAETORD, EPOCH: from TA (the elements are the same in both arms)
    se = se.assign(**element_attributes(se["ETCD"], ctx.dataset("TA")))
    # SEENDTC: start of the next element; the last ends at DM.RFPENDTC (MT.SE.SEENDTC)
    se = se.sort_values(["USUBJID", "SESTDTC"], kind="mergesort")
    se["SEENDTC"] = element_ends(se, dm.set_index("USUBJID")["RFPENDTC"])
    # SESTDY, SEENDY
    se = add_study_day(se, dm, dtc="SESTDTC", dy="SESTDY")
    se = add_study_day(se, dm, dtc="SEENDTC", dy="SEENDY")
    return [DomainResult("SE", se)]


def element_rows(form: pd.DataFrame, etcd: str, start: pd.Series) -> pd.DataFrame:
    return pd.DataFrame({"SUBJID": form["SUBJID"], "ETCD": etcd, "SESTDTC": start,
                         **{c: form[c] for c in LINEAGE}})


def screening(ic: pd.DataFrame) -> pd.DataFrame:
    """SCRN starts at the earliest informed consent."""
    first = ic.assign(_dtc=to_dtc(ic["ICDAT"])).sort_values(["SUBJID", "_dtc"], kind="mergesort")
    first = first.drop_duplicates("SUBJID")
    return element_rows(first, "SCRN", first["_dtc"])


def apheresis(apher: pd.DataFrame, ctx: StudyContext) -> pd.DataFrame:
    """APHER starts at the apheresis actually performed (APHYN = Y)."""
    done = apher[map_ct(apher["APHYN"], ctx.codelist("NY"), source="apher.csv APHYN", rows=apher["RAW_ROW"]).eq("Y")]
    return element_rows(done, "APHER", to_dtc(done["APHDAT"], done["APHTIM"]))


def lymphodepletion(ld: pd.DataFrame) -> pd.DataFrame:
    """LDCHEMO starts at the first lymphodepleting dose."""
    first = ld.assign(_dtc=to_dtc(ld["LDDAT"])).sort_values(["SUBJID", "_dtc"], kind="mergesort")
    first = first.drop_duplicates("SUBJID")
    return element_rows(first, "LDCHEMO", first["_dtc"])


def infusion(inf: pd.DataFrame) -> pd.DataFrame:
    """CARTINF starts at the IM96 infusion start."""
    return element_rows(inf, "CARTINF", to_dtc(inf["INFDAT"], inf["INFSTTIM"]))


def follow_up(inf: pd.DataFrame, dm: pd.DataFrame) -> pd.DataFrame:
    """FU starts on Day 29 (infusion date + 28 days) for subjects whose participation reached it."""
    day29 = (dtc_date(to_dtc(inf["INFDAT"])) + DLT_PERIOD).dt.strftime("%Y-%m-%d").fillna("")
    last = dtc_date(inf["SUBJID"].map(dm.set_index("SUBJID")["RFPENDTC"]).fillna(""))
    reached = day29.ne("") & (last >= dtc_date(day29))
    return element_rows(inf[reached], "FU", day29[reached])


def element_attributes(etcd: pd.Series, ta: pd.DataFrame) -> dict[str, pd.Series]:
    by_etcd = ta.drop_duplicates("ETCD").set_index("ETCD")
    return {col: etcd.map(by_etcd[col]) for col in ("ELEMENT", "TAETORD", "EPOCH")}


def element_ends(se: pd.DataFrame, rfpendtc: pd.Series) -> pd.Series:
    """Next element's start within the subject (rows sorted by USUBJID, SESTDTC); the last: RFPENDTC."""
    following = se.groupby("USUBJID", sort=False)["SESTDTC"].shift(-1)
    return following.fillna(se["USUBJID"].map(rfpendtc)).fillna("")
