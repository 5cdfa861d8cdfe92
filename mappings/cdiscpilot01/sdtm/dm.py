"""DM and SUPPDM from dm_raw; reference dates from the exposure (ec_raw) and the disposition (ds_raw) forms.
Methods MT.DM.* in the spec state each rule."""
from __future__ import annotations

import numpy as np
import pandas as pd

from cdisc.algorithms import map_ct, refuse_dated, refuse_records, start_domain
from cdisc.context import DomainResult, StudyContext
from cdisc.distinct import mapped, text_extreme
from cdisc.errors import MappingError
from cdisc.supp import supp_records
from cdisc.timing import add_study_day, exposure_span
from mappings.cdiscpilot01.sdtm.ds import disposition
from mappings.cdiscpilot01.sdtm.visits import add_visit

YEARS = "YEARS"
RANDOMIZED = "RANDOMIZED"
DISPOSITION_EVENT = "DISPOSITION EVENT"
SPONSOR = "CLINICAL STUDY SPONSOR"


def build(ctx: StudyContext) -> list[DomainResult]:
    raw = ctx.raw.form("dm_raw")
    patnum = raw["PATNUM"]
    dm = start_domain(raw, ctx, "DM")
    # SITEID / SUBJID: PATNUM is site-subject, 701-1015 (MT.DM.SUBJID)
    dm["SITEID"], dm["SUBJID"] = patnum.str.split("-", n=1).str[0], patnum.str.split("-", n=1).str[1]
    # RFXSTDTC = RFSTDTC / RFXENDTC: first start and last end of exposure (ec_raw)
    ec = ctx.raw.form("ec_raw")
    first, last = exposure_span(ec["PATNUM"], ctx.raw.dtc(ec, "IT.ECSTDAT"), ctx.raw.dtc(ec, "IT.ECENDAT"))
    dm["RFXSTDTC"], dm["RFXENDTC"] = patnum.map(first).fillna(""), patnum.map(last).fillna("")
    dm["RFSTDTC"] = dm["RFXSTDTC"]
    # RFENDTC: disposition event date of exposed subjects, or for one still on study at the data cut the last date
    # known of it (its last exposure or disposition collection, at most the cut); RFPENDTC: last disposition
    # collection (ds_raw)
    ds_form = ctx.raw.form("ds_raw")
    ds = disposition(ds_form, ctx)
    ended = ds[ds["DSCAT"].eq("DISPOSITION EVENT")]
    events = patnum.map(text_extreme(ended["DSSTDTC"], ended["PATNUM"], "max")).fillna("")
    dm["RFPENDTC"] = patnum.map(text_extreme(ds["DSDTC"], ds["PATNUM"], "max")).fillna("")
    known = np.maximum(dm["RFXENDTC"].str[:10].to_numpy(dtype=object), dm["RFPENDTC"].str[:10].to_numpy(dtype=object))
    ongoing = np.minimum(known, ctx.spec.study.data_cut.isoformat())
    dm["RFENDTC"] = events.where(events.ne(""), ongoing).where(dm["RFSTDTC"].ne(""), "")
    # RFICDTC: informed consent; DMDTC: collection date; DMDY
    dm["RFICDTC"] = ctx.raw.dtc(raw, "IC_DT")
    # no dose before the consent (ec_raw IT.ECSTDAT): the study's first dose would be dated before it
    consent = pd.Series(dm["RFICDTC"].to_numpy(), index=patnum.to_numpy())
    refuse_dated(ctx.raw.dtc(ec, "IT.ECSTDAT"), ec["PATNUM"].map(consent).fillna(""), relation="before",
                 limit_name="dm_raw.csv IC_DT", source="ec_raw.csv IT.ECSTDAT", rows=ec["RAW_ROW"],
                 what="dose(s) before the subject's informed consent")
    # DTHDTC / DTHFL: date of death on the disposition form, never before the consent; a death after the data cut
    # is no death at the cut (datacutr's DM cut; DEATHDT is on every disposition row, not only the death's, which
    # the cut leaves out): ISO text after the cut's date is a date whose first possible day is after it
    _refuse_deaths_before_consent(ds, consent, rows=ds_form["RAW_ROW"])
    dead = ds[ds["DTHDTC"].ne("") & ds["DTHDTC"].le(ctx.spec.study.data_cut.isoformat())]
    deaths = text_extreme(dead["DTHDTC"], dead["PATNUM"], "max")
    dm["DTHDTC"] = patnum.map(deaths).fillna("")
    dm["DTHFL"] = np.where(dm["DTHDTC"].ne(""), "Y", "")
    for field in ("IT.ECSTDAT", "IT.ECENDAT"):  # no dose after the death
        refuse_dated(ctx.raw.dtc(ec, field), ec["PATNUM"].map(deaths).fillna(""), relation="after",
                     limit_name="ds_raw.csv DEATHDT", source=f"ec_raw.csv {field}", rows=ec["RAW_ROW"],
                     what="dose(s) after the subject's death")
    dm["DMDTC"] = ctx.raw.dtc(raw, "COL_DT")
    dm = add_study_day(dm, dm, dtc="DMDTC", dy="DMDY")
    # AGE as collected, AGEU; SEX, RACE, ETHNIC, COUNTRY: collected values -> CT
    dm["AGE"] = pd.to_numeric(raw["IT.AGE"])
    dm["AGEU"] = np.where(dm["AGE"].notna(), YEARS, "")
    rows = raw["RAW_ROW"]
    for var, field in (("SEX", "IT.SEX"), ("RACE", "IT.RACE"), ("ETHNIC", "IT.ETHNIC"), ("COUNTRY", "COUNTRY")):
        dm[var] = map_ct(raw[field], ctx.codelist(var), source=f"dm_raw.csv {field}", rows=rows)
    # ARMCD/ARM, ACTARMCD/ACTARM; a screen failure has no arm and ARMNRS (MT.DM.ARMCD)
    null = ctx.codelist("ARMNULRS")
    _refuse_arms_in_conflict(raw, set(null.collected_map))
    dm = dm.assign(**arms(raw["PLANNED_ARMCD"], ctx, prefix="", source="dm_raw.csv PLANNED_ARMCD", rows=rows),
                   **arms(raw["ACTUAL_ARMCD"], ctx, prefix="ACT", source="dm_raw.csv ACTUAL_ARMCD", rows=rows))
    nulled = raw["PLANNED_ARMCD"].where(raw["PLANNED_ARMCD"].isin(null.collected_map.keys()), "")
    dm["ARMNRS"] = map_ct(nulled, null, source="dm_raw.csv PLANNED_ARMCD", rows=rows)
    # SUPPDM: ITT = randomized (ds_raw), SAFETY = exposed (ec_raw), COMPLTn = week n visit attended
    dm["ITT"] = np.where(patnum.isin(ds.loc[ds["DSDECOD"].eq(RANDOMIZED), "PATNUM"]), "Y", "")
    dm["SAFETY"] = np.where(patnum.isin(ec["PATNUM"]), "Y", "")
    visited = attended_visits(ctx, ds)
    completers = ctx.design("completers")
    for qnam, visit in zip(completers["QNAM"], completers["VISIT"], strict=True):
        dm[qnam] = np.where(patnum.isin(visited.loc[visited["VISIT"].eq(visit), "PATNUM"]), "Y", "")
    populations = ["ITT", "SAFETY", *completers["QNAM"]]
    supp = supp_records(dm, ctx.spec, rdomain="DM", idvar="", qualifiers=populations,
                        evaluators=dict.fromkeys(populations, SPONSOR))
    return [DomainResult("DM", dm.drop(columns=populations)), DomainResult("SUPPDM", supp)]


def _refuse_deaths_before_consent(ds: pd.DataFrame, consent: pd.Series, *, rows: pd.Series) -> None:
    """A complete death date (ds_raw.csv DEATHDT) before the subject's informed consent (`consent`: RFICDTC by
    PATNUM) is a `MappingError` naming the disposition rows: nobody consents after dying."""
    refuse_dated(ds["DTHDTC"], ds["PATNUM"].map(consent).fillna(""), relation="before", limit_name="dm_raw.csv IC_DT",
                 source="ds_raw.csv DEATHDT", rows=rows, what="death date(s) before the subject's informed consent")


def attended_visits(ctx: StudyContext, ds: pd.DataFrame) -> pd.DataFrame:
    """PATNUM and VISIT of each visit a subject attended: a vital signs form (vs_raw) or a disposition event
    (ds_raw) at that visit (MT.SUPPDM.COMPLT)."""
    raw = ctx.raw.form("ds_raw")
    forms = {"vs_raw": ctx.raw.form("vs_raw"), "ds_raw": raw.loc[ds["DSCAT"].eq(DISPOSITION_EVENT)]}
    visited = [add_visit(form[["PATNUM"]], form["INSTANCE"], ctx, source=f"{name}.csv INSTANCE",
                         rows=form["RAW_ROW"]) for name, form in forms.items()]
    return pd.concat(visited, ignore_index=True)[["PATNUM", "VISIT"]]


def _refuse_arms_in_conflict(raw: pd.DataFrame, screen_failed: set[str]) -> None:
    """dm_raw.csv's arms must agree with themselves: an arm code has one name and a name one code, planned or actual
    (ARM is the code's decode, so a name that contradicts its code was dropped silently), and a screen failure (a
    planned code of `screen_failed`) has no actual arm. A `MappingError` names each disagreeing pair's first row."""
    pairs = pd.concat([pd.DataFrame({"FIELD": f"{kind}_ARMCD", "CODE": raw[f"{kind}_ARMCD"], "NAME": raw[f"{kind}_ARM"],
                                     "ROW": raw["RAW_ROW"]}) for kind in ("PLANNED", "ACTUAL")], ignore_index=True)
    first = pairs.drop_duplicates(["CODE", "NAME"])
    clash = first[first["CODE"].duplicated(keep=False) | first["NAME"].duplicated(keep=False)]
    if len(clash):
        raise MappingError("dm_raw.csv: arm codes and names disagree (" + ", ".join(
            f"{field} {code} with {name!r} (row {row})" for field, code, name, row in clash.values[:10])
            + "); correct them in the export")
    failed = raw["PLANNED_ARMCD"].isin(screen_failed) & ~raw["ACTUAL_ARMCD"].isin(screen_failed)
    refuse_records(failed, raw["PLANNED_ARMCD"] + " planned, " + raw["ACTUAL_ARMCD"] + " actual",
                   source="dm_raw.csv ACTUAL_ARMCD", rows=raw["RAW_ROW"],
                   what="screen failure(s) with an actual arm")


def arms(armcd: pd.Series, ctx: StudyContext, *, prefix: str, source: str,
         rows: pd.Series) -> dict[str, pd.Series]:
    """ARMCD and ARM (the code's decoded value) from a collected arm code; a code of the ARMNULRS codelist's
    collected values (a screen failure) gives blanks, any other unknown code is an error."""
    codelist = ctx.codelist("ARMCD")
    null = armcd.isin(ctx.codelist("ARMNULRS").collected_map.keys())
    code = map_ct(armcd.where(~null, ""), codelist, source=source, rows=rows)
    return {f"{prefix}ARMCD": code, f"{prefix}ARM": mapped(code, lambda c: codelist.decode(c) if c else "")}
