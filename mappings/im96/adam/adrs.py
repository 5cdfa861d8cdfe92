"""IM96 ADTR (tumour sums from TR/TU) and ADRS (RECIST 1.1 responses from RS, re-derived from TR/TU).

Rules are written out in specs/im96/adam/methods/{adtr,adrs}.csv (the text a statistician audits); the
comments here name the method each step implements. Only subjects infused with IM96 (ADSL.TRTSDT known)
are analysed: the reference date of every rule (baseline, study day, SD minimum duration) is the infusion.
Source inconsistencies (a response without a measurement, CR then PR/SD, a response after PD) are never
changed: the record gets DQFL = "Y" with DQREAS, and a warning `Issue` is returned by `check_responses`
and raised as a UserWarning by `build` so the run log shows it.
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from cdisc.context import AnalysisContext, DomainResult
from cdisc.dates import dtc_date
from cdisc.derive import BLANK
from cdisc.derive.baseline import derive_var_ablfl, derive_var_base, derive_vars_chg
from cdisc.derive.dates import compute_dt_from_sas, compute_study_day
from cdisc.derive.flags import derive_var_extreme_flag
from cdisc.derive.recist import (
    compute_overall_response,
    compute_target_response,
    derive_param_bor,
    derive_param_confirmed_bor,
    derive_var_nadir,
)
from cdisc.issues import Issue

EVALUATOR = "INVESTIGATOR"
RESPONSE_CODE = {"CR": 1, "PR": 2, "SD": 3, "NON-CR/NON-PD": 4, "PD": 5, "NE": 6}  # codelist ADRS_RSPN
WORST_RANK = {"NE": 0, "CR": 1, "PR": 2, "SD": 3, "NON-CR/NON-PD": 4, "PD": 5}   # ANL01FL: worst of a date
RESPONDERS, CONTROLLED = ("CR", "PR"), ("CR", "PR", "SD", "NON-CR/NON-PD")  # confirmed BOR values: RSP, DCR
CONFIRMATION = "MT.ADRS.CBOR"  # its parameters: conf_window_days, sd_min_days, max_nr_ne (RECIST 1.1, protocol)
# Landmark (PARAMCD suffix): nominal day, lower and upper study-day bounds of the tumour-assessment window
# (TV: DAY 28 +/- 3, MONTH 3 +/- 7, MONTH 6 +/- 14, MONTH 12 +/- 14; 1 month = 30.4375 days).
LANDMARKS = {"28D": (28, 25, 31), "3M": (91, 84, 98), "6M": (182, 168, 196), "12M": (365, 351, 379)}
NACT_CATEGORY = "SUBSEQUENT ANTICANCER THERAPY"


def build(ctx: AnalysisContext) -> list[DomainResult]:
    """ADTR, then ADRS (which uses ADTR's sums for the derived time-point response)."""
    adsl = analysis_subjects(ctx.adam("ADSL"), ctx.sdtm("CM"))
    # OVR first: the first PD bounds the best percent change in ADTR
    ovr = investigator_ovr(ctx.sdtm("RS"), adsl)
    grid = target_lesions(ctx.sdtm("TU"), ctx.sdtm("TR"), adsl)  # read by ADTR's sums and OVRDER's counts
    adtr = build_adtr(grid, adsl, first_pd=first_pd_dates(ovr))
    adrs, issues = build_adrs(ovr, grid, ctx.sdtm("TU"), ctx.sdtm("TR"), ctx.sdtm("DS"), adsl, adtr,
                              ctx.spec.method(CONFIRMATION).parameters)
    return [DomainResult("ADTR", select_spec(adtr, ctx, "ADTR")),
            DomainResult("ADRS", select_spec(adrs, ctx, "ADRS"), issues=tuple(issues))]


def select_spec(df: pd.DataFrame, ctx: AnalysisContext, name: str) -> pd.DataFrame:
    """Keep the spec's variables (helper columns dropped); finalize orders, types and checks them."""
    names = [v.name for v in ctx.spec.variables_of(name)]
    return df[[c for c in names if c in df.columns]]


# ------------------------------------------------------------------------------------------ subjects

def as_date(values: pd.Series) -> pd.Series:
    """ADaM dates arrive as SAS day numbers once finalized, SDTM dates as ISO 8601 text: both -> datetime64."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return values.dt.normalize()
    if pd.api.types.is_numeric_dtype(values):
        return compute_dt_from_sas(values)
    return dtc_date(values.astype(str))


def analysis_subjects(adsl: pd.DataFrame, cm: pd.DataFrame) -> pd.DataFrame:
    """Infused subjects (TRTSDT known) with TRTSDT and NACTDT (MT.ADRS.NACTDT: first subsequent therapy)."""
    subj = adsl.assign(TRTSDT=as_date(adsl["TRTSDT"]))
    subj = subj[subj["TRTSDT"].notna()].copy()
    # MT.ADRS.NACTDT: earliest CMSTDTC of CMCAT "SUBSEQUENT ANTICANCER THERAPY" (start of new therapy)
    nact = cm[cm["CMCAT"].eq(NACT_CATEGORY)].assign(NACTDT=lambda d: as_date(d["CMSTDTC"]))
    first = nact.groupby("USUBJID", as_index=False)["NACTDT"].min()
    return subj.merge(first, on="USUBJID", how="left")


# ------------------------------------------------------------------------------------------ ADTR

def target_lesions(tu: pd.DataFrame, tr: pd.DataFrame, adsl: pd.DataFrame) -> pd.DataFrame:
    """One row per subject x assessment visit x baseline target lesion, TRSTRESN where measured (else NaN)."""
    lesions = tu[tu["TUSTRESC"].eq("TARGET") & tu["TUEVAL"].eq(EVALUATOR)][["USUBJID", "TULNKID", "TULOC"]]
    lesions = lesions[lesions["USUBJID"].isin(adsl["USUBJID"])]
    ev = tr[tr["TREVAL"].eq(EVALUATOR)]
    visits = ev.groupby(["USUBJID", "VISITNUM"], as_index=False).agg(VISIT=("VISIT", "first"))
    grid = visits.merge(lesions, on="USUBJID", how="inner")
    meas = ev[ev["TRGRPID"].eq("TARGET") & ev["TRTESTCD"].isin(["LDIAM", "LPERP"])]
    meas = meas[["USUBJID", "VISITNUM", "TRLNKID", "TRTESTCD", "TRSTRESN", "TRSEQ", "TRDTC"]]
    grid = grid.merge(meas.rename(columns={"TRLNKID": "TULNKID"}), on=["USUBJID", "VISITNUM", "TULNKID"], how="left")
    # nodal target lesions are measured by short axis (LPERP); a lesion with no record keeps its code
    grid["NODAL"] = grid["TULOC"].eq("LYMPH NODE")
    grid["TRTESTCD"] = grid["TRTESTCD"].fillna(grid["NODAL"].map({True: "LPERP", False: "LDIAM"}))
    return grid.merge(adsl[["USUBJID", "STUDYID", "TRTSDT"]], on="USUBJID", how="left")


def lesion_records(grid: pd.DataFrame) -> pd.DataFrame:
    """Per-lesion parameters LDIAMTnn / LPERPTnn (MT.ADTR.LESION): AVAL = TRSTRESN, traced to TRSEQ."""
    out = grid[grid["TRSEQ"].notna()].copy()
    out["PARAMCD"] = out["TRTESTCD"] + out["TULNKID"]
    axis = out["TRTESTCD"].map({"LDIAM": "Longest Diameter", "LPERP": "Short Axis"})
    out["PARAM"] = "Target Lesion " + out["TULNKID"] + " " + axis + " (mm)"
    out["AVAL"], out["ADT"] = out["TRSTRESN"], as_date(out["TRDTC"])
    out["SRCDOM"], out["SRCVAR"], out["SRCSEQ"] = "TR", "TRSTRESN", out["TRSEQ"]
    return out


def lesion_counts(grid: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Per `keys` group of the lesion grid: SUMAVL (sum of TRSTRESN), NONNODAL (sum over non-nodal lesions),
    NMISS (lesions not measured) and NODEGE10 (nodal lesions with a short axis >= 10 mm)."""
    g = grid.assign(__nn=grid["TRSTRESN"].where(~grid["NODAL"]), __miss=grid["TRSTRESN"].isna(),
                    __node_ge10=grid["NODAL"] & grid["TRSTRESN"].ge(10))
    return g.groupby(keys, as_index=False).agg(SUMAVL=("TRSTRESN", "sum"), NONNODAL=("__nn", "sum"),
                                               NMISS=("__miss", "sum"), NODEGE10=("__node_ge10", "sum"))


def missing_lesions(grid: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Per `keys` group with a lesion not measured: MISSING, the TULNKIDs of those lesions, sorted, space-separated."""
    miss = grid[grid["TRSTRESN"].isna()].sort_values("TULNKID", kind="mergesort")
    return miss.groupby(keys, as_index=False).agg(MISSING=("TULNKID", " ".join))


def latest_text(df: pd.DataFrame, keys: list[str], column: str) -> pd.DataFrame:
    """Per `keys` group (groups with a null key dropped) the greatest non-null `column` text, null when there is
    none: what groupby max gives, by one sort instead of pandas' per-group path for text."""
    ordered = df[[*keys, column]].dropna(subset=keys).sort_values(column, kind="mergesort", na_position="first")
    return ordered.drop_duplicates(keys, keep="last")


def sum_records(grid: pd.DataFrame) -> pd.DataFrame:
    """SUMDIAM per visit (MT.ADTR.SUMDIAM): the sum only when every baseline target lesion was measured."""
    keys = ["STUDYID", "USUBJID", "VISITNUM", "VISIT", "TRTSDT"]
    agg = lesion_counts(grid, keys).merge(latest_text(grid, keys, "TRDTC").rename(columns={"TRDTC": "ADT"}), on=keys)
    agg = agg.merge(missing_lesions(grid, keys), on=keys, how="left")
    agg["AVAL"] = agg["SUMAVL"].where(agg["NMISS"].eq(0))
    agg["NEREAS"] = np.where(agg["NMISS"].gt(0), "TARGET LESION(S) NOT MEASURED: " + agg["MISSING"], BLANK)
    agg["ADT"] = as_date(agg["ADT"])
    agg["PARAMCD"], agg["PARAM"] = "SUMDIAM", "Sum of Diameters of Target Lesions (mm)"
    agg["SRCDOM"], agg["SRCVAR"] = "TR", "TRSTRESN"
    return agg


def add_nadir_and_pd_criterion(sums: pd.DataFrame) -> pd.DataFrame:
    """NADIR, CHGNAD, PCHGNAD and CRIT1FL (MT.ADTR.NADIR, MT.ADTR.CRIT1FL) on post-baseline sums."""
    on_study = sums["ABLFL"].eq("Y") | (sums["ADT"] > sums["TRTSDT"])
    nadir = derive_var_nadir(sums[on_study], by=["USUBJID"], order=["ADT", "VISITNUM"])["NADIR"]
    out = sums.assign(NADIR=nadir.reindex(sums.index))
    out["CHGNAD"] = out["AVAL"] - out["NADIR"]
    out["PCHGNAD"] = (100.0 * out["CHGNAD"] / out["NADIR"].where(out["NADIR"].ne(0))).round(6)
    known = out["CHGNAD"].notna()
    meets = out["CHGNAD"].round(6).ge(5) & (out["PCHGNAD"].ge(20) | out["NADIR"].eq(0))
    out["CRIT1"] = np.where(known, "SoD >= 20% and >= 5 mm above nadir", BLANK)
    out["CRIT1FL"] = np.where(known, np.where(meets, "Y", "N"), BLANK)
    return out


def add_baseline(df: pd.DataFrame) -> pd.DataFrame:
    """ABLFL, BASE, CHG, PCHG per subject and parameter (MT.ADTR.ABLFL: last non-missing on/before TRTSDT)."""
    df = derive_var_ablfl(df, by=["USUBJID", "PARAMCD"], order=["ADT", "VISITNUM"], ref_date="TRTSDT")
    df = derive_var_base(df, by=["USUBJID", "PARAMCD"])
    return derive_vars_chg(df)


def best_change_records(sums: pd.DataFrame, first_pd: pd.DataFrame, adsl: pd.DataFrame) -> pd.DataFrame:
    """BPCHG (MT.ADTR.BPCHG): smallest PCHG over post-baseline sums up to the first PD, before new therapy."""
    s = sums.merge(first_pd, on="USUBJID", how="left").merge(adsl[["USUBJID", "NACTDT"]], on="USUBJID", how="left")
    use = (s["ADT"] > s["TRTSDT"]) & s["PCHG"].notna() & ~(s["ADT"] > s["PDDT"]) & ~(s["ADT"] >= s["NACTDT"])
    s = s[use].sort_values(["USUBJID", "PCHG", "ADT"], kind="mergesort")
    best = s.groupby("USUBJID", as_index=False).head(1).copy()
    best["AVAL"], best["PARAMCD"] = best["PCHG"], "BPCHG"
    best["PARAM"] = "Best Percent Change from Baseline in SoD (%)"
    best["PARAMTYP"], best["SRCDOM"], best["SRCVAR"] = "DERIVED", "ADTR", "PCHG"
    # no BASE: AVAL is itself a change from the SUMDIAM baseline, not a value with a baseline of its own (AD0127)
    keep = ["STUDYID", "USUBJID", "TRTSDT", "VISITNUM", "VISIT", "ADT", "AVAL", "PARAMCD", "PARAM",
            "PARAMTYP", "SRCDOM", "SRCVAR"]
    return best[keep]


def build_adtr(grid: pd.DataFrame, adsl: pd.DataFrame, first_pd: pd.DataFrame | None = None) -> pd.DataFrame:
    """ADTR: per-lesion diameters, SUMDIAM with baseline/nadir/PD criterion, and BPCHG, from the target lesions'
    measurements (`target_lesions`)."""
    lesions = add_baseline(lesion_records(grid))
    sums = add_nadir_and_pd_criterion(add_baseline(sum_records(grid)))
    if first_pd is None:
        first_pd = pd.DataFrame({"USUBJID": pd.Series(dtype=object), "PDDT": pd.Series(dtype="datetime64[ns]")})
    best = best_change_records(sums, first_pd, adsl)
    out = pd.concat([lesions, sums, best], ignore_index=True)
    out["AVISIT"], out["AVISITN"] = out["VISIT"], out["VISITNUM"]
    out["ADY"] = compute_study_day(out["ADT"], out["TRTSDT"])
    return _with_adsl(out, adsl)


# ------------------------------------------------------------------------------------------ ADRS: OVR

def investigator_ovr(rs: pd.DataFrame, adsl: pd.DataFrame) -> pd.DataFrame:
    """OVR (MT.ADRS.OVR): RS OVRLRESP by the investigator, RECIST 1.1; ANL01FL = analysed time point."""
    ovr = rs[rs["RSTESTCD"].eq("OVRLRESP") & rs["RSEVAL"].eq(EVALUATOR) & rs["RSSTRESC"].ne("")].copy()
    ovr = ovr.merge(adsl[["USUBJID", "TRTSDT", "NACTDT"]], on="USUBJID", how="inner")
    ovr["PARAMCD"], ovr["PARAM"] = "OVR", "Overall Response by Investigator"
    ovr["AVALC"], ovr["ADT"] = ovr["RSSTRESC"], as_date(ovr["RSDTC"])
    ovr["SRCDOM"], ovr["SRCVAR"], ovr["SRCSEQ"] = "RS", "RSSTRESC", ovr["RSSEQ"]
    ovr["__worst"] = ovr["AVALC"].map(WORST_RANK)
    # ANL01FL: worst response of each date, on/after the infusion and before any new anticancer therapy
    window = (ovr["ADT"] >= ovr["TRTSDT"]) & ~(ovr["ADT"] >= ovr["NACTDT"])
    ovr = derive_var_extreme_flag(ovr, by=["USUBJID", "ADT"], order=["__worst", "RSSEQ"], new_var="ANL01FL",
                                  mode="last", where=window)
    return ovr.drop(columns="__worst")


# ------------------------------------------------------------------------------------------ ADRS: OVRDER

def nontarget_response(tu: pd.DataFrame, tr: pd.DataFrame) -> pd.DataFrame:
    """Per visit: derived non-target response and new-lesion status from TR TUMSTATE (MT.ADRS.OVRDER)."""
    ev = tr[tr["TREVAL"].eq(EVALUATOR)]
    visits = ev.groupby(["USUBJID", "VISITNUM"], as_index=False).agg(VISIT=("VISIT", "first"))
    nt = tu[tu["TUSTRESC"].eq("NON-TARGET") & tu["TUEVAL"].eq(EVALUATOR)][["USUBJID", "TULNKID"]]
    state = ev[ev["TRGRPID"].eq("NON-TARGET") & ev["TRTESTCD"].eq("TUMSTATE")]
    grid = visits.merge(nt, on="USUBJID").merge(
        state[["USUBJID", "VISITNUM", "TRLNKID", "TRSTRESC"]].rename(columns={"TRLNKID": "TULNKID"}),
        on=["USUBJID", "VISITNUM", "TULNKID"], how="left")
    s = grid["TRSTRESC"].fillna("")
    grid = grid.assign(__pd=s.eq("UNEQUIVOCAL"), __ne=~s.isin(["PRESENT", "ABSENT", "UNEQUIVOCAL"]),
                       __present=s.eq("PRESENT"))
    agg = grid.groupby(["USUBJID", "VISITNUM"], as_index=False)[["__pd", "__ne", "__present"]].any()
    agg["NTRG"] = np.select([agg["__pd"], agg["__ne"], agg["__present"]], ["PD", "NE", "NON-CR/NON-PD"], "CR")
    out = visits.merge(agg[["USUBJID", "VISITNUM", "NTRG"]], on=["USUBJID", "VISITNUM"], how="left")
    out["NTRG"] = out["NTRG"].fillna("NA")  # no non-target lesion at baseline
    new = ev[ev["TRGRPID"].eq("NEW")].groupby(["USUBJID", "VISITNUM"]).size().rename("__n").reset_index()
    out = out.merge(new, on=["USUBJID", "VISITNUM"], how="left")
    out["NEWL"] = np.where(out["__n"].fillna(0).gt(0), "Y", "N")
    return out.drop(columns="__n")


def derived_ovr(grid: pd.DataFrame, tu: pd.DataFrame, tr: pd.DataFrame, adtr: pd.DataFrame, adsl: pd.DataFrame
                ) -> pd.DataFrame:
    """OVRDER (MT.ADRS.OVRDER): RECIST 1.1 Tables 1-2 applied to TR/TU measurements (the target lesions' as
    `target_lesions` gives them), post-infusion visits."""
    sums = adtr[adtr["PARAMCD"].eq("SUMDIAM")]
    parts = lesion_counts(grid, ["USUBJID", "VISITNUM"])
    vis = nontarget_response(tu, tr).merge(adsl[["USUBJID", "STUDYID", "TRTSDT"]], on="USUBJID", how="inner")
    vis = vis.merge(parts, on=["USUBJID", "VISITNUM"], how="left").merge(
        sums[["USUBJID", "VISITNUM", "ADT", "BASE", "NADIR"]], on=["USUBJID", "VISITNUM"], how="left")
    vis["ADT"] = vis["ADT"].fillna(_visit_dates(tr).reindex(pd.MultiIndex.from_frame(vis[["USUBJID", "VISITNUM"]])
                                                            ).set_axis(vis.index))
    vis = vis[vis["ADT"] > vis["TRTSDT"]].copy()
    has_target = vis["BASE"].notna()
    trg = compute_target_response(vis["SUMAVL"].where(has_target), baseline_sod=vis["BASE"], nadir_sod=vis["NADIR"],
                                  nonnodal_sod=vis["NONNODAL"], all_nodes_lt10=vis["NODEGE10"].fillna(0).eq(0),
                                  any_ne=vis["NMISS"].fillna(0).gt(0))
    vis["TRGRESP"] = trg.where(has_target, "NA")
    vis["AVALC"] = compute_overall_response(vis["TRGRESP"], nontarget=vis["NTRG"], new_lesion=vis["NEWL"])
    vis["PARAMCD"], vis["PARAM"] = "OVRDER", "Overall Response Derived from TR/TU"
    vis["PARAMTYP"], vis["SRCDOM"], vis["SRCVAR"] = "DERIVED", "ADTR", "AVAL"
    return vis


def _visit_dates(tr: pd.DataFrame) -> pd.Series:
    ev = tr[tr["TREVAL"].eq(EVALUATOR)]
    return as_date(latest_text(ev, ["USUBJID", "VISITNUM"], "TRDTC").set_index(["USUBJID", "VISITNUM"])["TRDTC"])


def flag_disagreement(ovr: pd.DataFrame, der: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """DISAGRFL/CMPAVALC on OVR and OVRDER of the same visit (MT.ADRS.DISAGRFL)."""
    a = ovr[["USUBJID", "VISITNUM", "AVALC"]].rename(columns={"AVALC": "__inv"})
    b = der[["USUBJID", "VISITNUM", "AVALC"]].rename(columns={"AVALC": "__der"})
    ovr = ovr.merge(b, on=["USUBJID", "VISITNUM"], how="left")
    der = der.merge(a, on=["USUBJID", "VISITNUM"], how="left")
    for df, other in ((ovr, "__der"), (der, "__inv")):
        both = df[other].notna()
        df["CMPAVALC"] = df[other].fillna(BLANK)
        df["DISAGRFL"] = np.where(both, np.where(df["AVALC"].ne(df[other]), "Y", "N"), BLANK)
    return ovr.drop(columns="__der"), der.drop(columns="__inv")


# ------------------------------------------------------------------------------------------ checks

def check_responses(ovr: pd.DataFrame, adtr: pd.DataFrame, tr: pd.DataFrame) -> tuple[pd.DataFrame, list[Issue]]:
    """DQFL/DQREAS on OVR records whose source is inconsistent (MT.ADRS.DQFL), with one Issue per record.

    Reasons: NO TR MEASUREMENT (a post-infusion response with no investigator TR record at that visit),
    CR FOLLOWED BY PR/SD (RECIST 1.1 Table 3 note), RESPONSE AFTER PD (CR/PR/SD after the first PD).
    """
    seen = tr[tr["TREVAL"].eq(EVALUATOR)][["USUBJID", "VISITNUM"]].drop_duplicates().assign(__tr=True)
    df = ovr.merge(seen, on=["USUBJID", "VISITNUM"], how="left")
    post = df["ADT"] >= df["TRTSDT"]
    reasons = pd.Series(BLANK, index=df.index, dtype=object)
    reasons[post & df["__tr"].isna()] = "NO TR MEASUREMENT"
    df = df.sort_values(["USUBJID", "ADT", "RSSEQ"], kind="mergesort")
    later = _later_reasons(df[post])
    reasons[later.index] = [_join(a, b) for a, b in zip(reasons[later.index], later, strict=True)]
    df["DQREAS"] = reasons.reindex(df.index)
    df["DQFL"] = np.where(df["DQREAS"].ne(BLANK), "Y", BLANK)
    issues = [Issue("warning", "ADRS_SOURCE_INCONSISTENT", "ADRS", f"OVR {row.AVALC} on {row.ADT.date()}: "
                    f"{row.DQREAS}; record kept and flagged DQFL='Y', review RS/TR", variable="AVALC",
                    row=f"USUBJID={row.USUBJID}, VISITNUM={row.VISITNUM:g}", value=row.AVALC)
              for row in df[df["DQFL"].eq("Y")].itertuples()]
    return df.drop(columns="__tr"), issues


def _later_reasons(ovr: pd.DataFrame) -> pd.Series:
    """CR FOLLOWED BY PR/SD (no PD in between) and RESPONSE AFTER PD, on the post-infusion OVR records (sorted by
    subject and date) that have them, judged on the subject's earlier records."""
    r = ovr["AVALC"]
    subject = ovr["USUBJID"]

    def seen_before(value: str) -> pd.Series:
        hit = r.eq(value).astype(int)
        return (hit.groupby(subject, sort=False).cumsum() - hit).gt(0)

    cr_before, pd_before = seen_before("CR"), seen_before("PD")
    after_cr = r.isin(["PR", "SD"]) & cr_before & ~pd_before
    after_pd = r.isin(["CR", "PR", "SD", "NON-CR/NON-PD"]) & pd_before
    return pd.Series(np.where(after_cr, "CR FOLLOWED BY " + r.astype(str), "RESPONSE AFTER PD"),
                     index=ovr.index)[after_cr | after_pd]


def _join(a: str, b: str) -> str:
    return b if not a else f"{a}; {b}"


# ------------------------------------------------------------------------------------------ ADRS: subject level

def first_pd_dates(ovr: pd.DataFrame) -> pd.DataFrame:
    """PDDT: date of the first investigator PD on/after the infusion (new therapy not considered here)."""
    pd_rows = ovr[ovr["AVALC"].eq("PD") & (ovr["ADT"] >= ovr["TRTSDT"])]
    return pd_rows.groupby("USUBJID", as_index=False)["ADT"].min().rename(columns={"ADT": "PDDT"})


def _trace(records: pd.DataFrame, ovr: pd.DataFrame) -> pd.DataFrame:
    """SRCDOM/SRCVAR/SRCSEQ of the analysed OVR record (RS) on the same subject and ADT."""
    src = ovr[ovr["ANL01FL"].eq("Y")][["USUBJID", "ADT", "SRCDOM", "SRCVAR", "SRCSEQ", "VISIT", "VISITNUM"]]
    return records.merge(src, on=["USUBJID", "ADT"], how="left")


def bor_records(ovr: pd.DataFrame, adsl: pd.DataFrame, rules: Mapping[str, int]
                ) -> tuple[pd.DataFrame, list[Issue]]:
    """BOR (MT.ADRS.BOR, unconfirmed) and CBOR (MT.ADRS.CBOR, confirmed, with its `rules` parameters) from the
    ANL01FL OVR records."""
    anl = ovr[ovr["ANL01FL"].eq("Y")]
    args = dict(by=["USUBJID"], date="ADT", response="AVALC", ref_date="TRTSDT")
    bor_values = {"PARAMCD": "BOR", "PARAM": "Best Overall Response (Unconfirmed)"}
    bor = derive_param_bor(anl, **args, sd_min_days=rules["sd_min_days"], set_values=bor_values)
    cbor_values = {"PARAMCD": "CBOR", "PARAM": "Best Confirmed Overall Response"}
    cbor, issues = derive_param_confirmed_bor(anl, **args, **rules, set_values=cbor_values)
    out = []
    for recs, values in ((bor, bor_values), (cbor, cbor_values)):
        # a subject with no analysed time point at all is not evaluable (NE, no date)
        missing = adsl.loc[~adsl["USUBJID"].isin(recs["USUBJID"]), ["USUBJID"]]
        recs = pd.concat([recs, missing.assign(AVALC="NE", **values)], ignore_index=True)
        out.append(_trace(recs, ovr).assign(PARAMTYP="DERIVED"))
    return pd.concat(out, ignore_index=True), issues


def response_flags(cbor: pd.DataFrame, ovr: pd.DataFrame, rules: Mapping[str, int]) -> pd.DataFrame:
    """RSP (confirmed CR/PR) and DCR (confirmed BOR CR/PR/SD/NON-CR/NON-PD), Y/N, each dated at its first
    qualifying assessment and without a date when N (admiralonco's convention; MT.ADRS.RSP, MT.ADRS.DCR)."""
    # onset of the confirmed response: the confirmed-PR rule run with CR read as PR (CR confirms PR)
    anl = ovr[ovr["ANL01FL"].eq("Y")]
    onset, _ = derive_param_confirmed_bor(anl.assign(AVALC=anl["AVALC"].replace("CR", "PR")), by=["USUBJID"],
                                          date="ADT", response="AVALC", ref_date="TRTSDT", **rules)
    onset = onset.loc[onset["AVALC"].eq("PR"), ["USUBJID", "ADT"]]
    flags = []
    for code, param, qualifying, onsets in (
            ("RSP", "Confirmed Objective Response (CR or PR)", RESPONDERS, onset),
            ("DCR", "Disease Control (Confirmed BOR CR/PR/SD)", CONTROLLED,
             _control_onset(anl, onset, rules["sd_min_days"]))):
        yes = cbor["AVALC"].isin(qualifying).to_numpy()
        rec = _trace(cbor[["USUBJID"]].merge(onsets, on="USUBJID", how="left"), ovr)
        flags.append(_blank_unless(rec.assign(PARAMCD=code, PARAM=param, AVALC=np.where(yes, "Y", "N")), yes))
    return pd.concat(flags, ignore_index=True).assign(PARAMTYP="DERIVED")


def _control_onset(anl: pd.DataFrame, response_onset: pd.DataFrame, sd_min_days: int) -> pd.DataFrame:
    """First date disease control qualifies: the onset of a confirmed response, or the first CR/PR/SD/NON-CR/NON-PD
    at least `sd_min_days` after TRTSDT, up to the first PD (MT.ADRS.DCR)."""
    first_pd = anl["ADT"].where(anl["AVALC"].eq("PD")).groupby(anl["USUBJID"]).transform("min")
    days = (anl["ADT"] - anl["TRTSDT"]).dt.days
    ok = anl["AVALC"].isin(CONTROLLED) & (days >= sd_min_days) & (first_pd.isna() | (anl["ADT"] <= first_pd))
    dates = pd.concat([anl.loc[ok, ["USUBJID", "ADT"]], response_onset])
    return dates.groupby("USUBJID", as_index=False)["ADT"].min()


def landmark_records(rsp: pd.DataFrame, ovr: pd.DataFrame, death: pd.DataFrame, adsl: pd.DataFrame
                     ) -> pd.DataFrame:
    """RSPxx (confirmed responder by the landmark) and DCRxx (disease control at the landmark)
    (MT.ADRS.LANDMARK); `rsp` = the RSP records (ADT = onset of the confirmed response)."""
    anl = ovr[ovr["ANL01FL"].eq("Y")].assign(ADY=lambda d: compute_study_day(d["ADT"], d["TRTSDT"]))
    cb = rsp.merge(adsl[["USUBJID", "TRTSDT"]], on="USUBJID", how="left")
    cb_day = compute_study_day(cb["ADT"], cb["TRTSDT"])
    dead = death[death["AVALC"].eq("Y")].merge(adsl[["USUBJID", "TRTSDT"]], on="USUBJID")
    dead_day = dead.set_index("USUBJID").pipe(lambda d: compute_study_day(d["ADT"], d["TRTSDT"]))
    out = []
    for suffix, (_, lower, upper) in LANDMARKS.items():
        ok = cb["AVALC"].eq("Y") & cb_day.le(upper)
        rsp = cb.assign(PARAMCD=f"RSP{suffix}", PARAM=f"Confirmed Responder by Landmark {suffix}",
                        AVALC=np.where(ok, "Y", "N"))
        out.append(_blank_unless(rsp, ok))
        out.append(_dcr_at(anl, adsl, dead_day, suffix, lower, upper))
    return pd.concat(out, ignore_index=True).assign(PARAMTYP="DERIVED")


def _dcr_at(anl: pd.DataFrame, adsl: pd.DataFrame, dead_day: pd.Series, suffix: str, lower: int, upper: int
            ) -> pd.DataFrame:
    """DCRxx: last analysed time point by day `upper` is in [lower, upper] and CR/PR/SD/NON-CR/NON-PD,
    with no PD and no death on or before day `upper`."""
    upto = anl[anl["ADY"].le(upper)]
    had_pd = set(upto.loc[upto["AVALC"].eq("PD"), "USUBJID"]) | set(dead_day[dead_day.le(upper)].index)
    last = upto.sort_values(["USUBJID", "ADT"], kind="mergesort").groupby("USUBJID").tail(1)
    last = adsl[["USUBJID"]].merge(last, on="USUBJID", how="left")
    ok = (last["ADY"].ge(lower) & last["AVALC"].isin(["CR", "PR", "SD", "NON-CR/NON-PD"])
          & ~last["USUBJID"].isin(had_pd))
    rec = last[["USUBJID", "ADT", "SRCDOM", "SRCVAR", "SRCSEQ", "VISIT", "VISITNUM"]].assign(
        PARAMCD=f"DCR{suffix}", PARAM=f"Disease Control at Landmark {suffix}", AVALC=np.where(ok, "Y", "N"))
    return _blank_unless(rec, ok)


def _blank_unless(rec: pd.DataFrame, ok: pd.Series) -> pd.DataFrame:
    """A "N" landmark record has no analysis date and no source record."""
    rec = rec.copy()
    ok = pd.Series(np.asarray(ok, dtype=bool), index=rec.index)
    rec["ADT"] = rec["ADT"].where(ok)
    for col in ("SRCDOM", "SRCVAR", "VISIT"):
        rec[col] = rec[col].where(ok, BLANK)
    for col in ("SRCSEQ", "VISITNUM"):
        rec[col] = rec[col].where(ok)
    return rec


def pd_lsta_records(ovr: pd.DataFrame, adsl: pd.DataFrame) -> pd.DataFrame:
    """PD (first PD, Y/N, MT.ADRS.PD) and LSTA (last adequate assessment up to the first PD, MT.ADRS.LSTA)."""
    first = first_pd_dates(ovr)
    pdr = adsl[["USUBJID"]].merge(first, on="USUBJID", how="left").rename(columns={"PDDT": "ADT"})
    pdr = pdr.merge(ovr[ovr["AVALC"].eq("PD")][["USUBJID", "ADT", "SRCDOM", "SRCVAR", "SRCSEQ", "VISIT",
                                                  "VISITNUM"]].drop_duplicates(["USUBJID", "ADT"]),
                    on=["USUBJID", "ADT"], how="left")
    pdr = pdr.assign(PARAMCD="PD", PARAM="Disease Progression by Investigator",
                     AVALC=np.where(pdr["ADT"].notna(), "Y", "N"))
    adequate = ovr[ovr["ANL01FL"].eq("Y") & ovr["AVALC"].ne("NE")].merge(first, on="USUBJID", how="left")
    adequate = adequate[~(adequate["ADT"] > adequate["PDDT"])].sort_values(["USUBJID", "ADT"], kind="mergesort")
    lsta = adequate.groupby("USUBJID").tail(1)[["USUBJID", "ADT", "AVALC", "SRCDOM", "SRCVAR", "SRCSEQ",
                                                "VISIT", "VISITNUM"]]
    lsta = lsta.assign(PARAMCD="LSTA", PARAM="Last Adequate Tumor Assessment")
    return pd.concat([pdr, lsta], ignore_index=True).assign(PARAMTYP="DERIVED")


def death_records(ds: pd.DataFrame, adsl: pd.DataFrame) -> tuple[pd.DataFrame, list[Issue]]:
    """DEATH (MT.ADRS.DEATH): DS DSDECOD "DEATH", ADT = DSSTDTC, Y/N; checked against ADSL.DTHDT."""
    dth = ds[ds["DSDECOD"].eq("DEATH")][["USUBJID", "DSSEQ", "DSSTDTC"]]
    dth = dth.sort_values(["USUBJID", "DSSTDTC"]).groupby("USUBJID").head(1)
    rec = adsl[["USUBJID", *(["DTHDT"] if "DTHDT" in adsl else [])]].merge(dth, on="USUBJID", how="left")
    rec["ADT"] = as_date(rec["DSSTDTC"])
    rec = rec.assign(PARAMCD="DEATH", PARAM="Death", AVALC=np.where(rec["ADT"].notna(), "Y", "N"),
                     SRCDOM=np.where(rec["ADT"].notna(), "DS", BLANK),
                     SRCVAR=np.where(rec["ADT"].notna(), "DSSTDTC", BLANK), SRCSEQ=rec["DSSEQ"])
    issues = []
    if "DTHDT" in rec:
        diff = rec[~(as_date(rec["DTHDT"]).fillna(pd.Timestamp(0)) == rec["ADT"].fillna(pd.Timestamp(0)))]
        issues = [Issue("warning", "ADRS_DEATH_DATE", "ADRS", "DS death date differs from ADSL.DTHDT",
                        variable="ADT", row=f"USUBJID={r.USUBJID}", value=str(r.DSSTDTC)) for r in diff.itertuples()]
    return rec.drop(columns=["DTHDT"], errors="ignore"), issues


def build_adrs(ovr: pd.DataFrame, grid: pd.DataFrame, tu: pd.DataFrame, tr: pd.DataFrame, ds: pd.DataFrame,
               adsl: pd.DataFrame, adtr: pd.DataFrame, rules: Mapping[str, int]) -> tuple[pd.DataFrame, list[Issue]]:
    """ADRS: OVR, OVRDER, BOR, CBOR, RSP, DCR, landmarks, PD, LSTA, DEATH; plus the source issues found.
    `rules`: the confirmation parameters of MT.ADRS.CBOR (conf_window_days, sd_min_days, max_nr_ne)."""
    ovr, issues = check_responses(ovr, adtr, tr)
    ovr, der = flag_disagreement(ovr, derived_ovr(grid, tu, tr, adtr, adsl))
    bors, bor_issues = bor_records(ovr, adsl, rules)
    cbor = bors[bors["PARAMCD"].eq("CBOR")]
    death, death_issues = death_records(ds, adsl)
    flags = response_flags(cbor, ovr, rules)
    subject_level = pd.concat([bors, flags, landmark_records(flags[flags["PARAMCD"].eq("RSP")], ovr, death, adsl),
                               pd_lsta_records(ovr, adsl), death.assign(PARAMTYP="DERIVED")], ignore_index=True)
    out = pd.concat([ovr, der, subject_level], ignore_index=True)
    out = out.drop(columns=["STUDYID", "TRTSDT", "NACTDT"], errors="ignore").merge(
        adsl[["USUBJID", "STUDYID", "TRTSDT"]], on="USUBJID", how="left")
    out["AVAL"] = out["AVALC"].map({**RESPONSE_CODE, "Y": 1, "N": 0})
    out["AVISIT"], out["AVISITN"] = out["VISIT"].fillna(BLANK), out["VISITNUM"]
    out["ADY"] = compute_study_day(out["ADT"], out["TRTSDT"])
    out["PARCAT1"] = "RECIST 1.1"
    return _with_adsl(out, adsl), [*issues, *bor_issues, *death_issues]


ADSL_VARS = ("SUBJID", "SITEID", "TRT01A", "SAFFL", "EFFFL")


def _with_adsl(df: pd.DataFrame, adsl: pd.DataFrame) -> pd.DataFrame:
    """Subject-level variables copied from ADSL (same values, type and label as there)."""
    keep = [c for c in ADSL_VARS if c in adsl.columns]
    return df.drop(columns=[c for c in keep if c in df.columns]).merge(adsl[["USUBJID", *keep]], on="USUBJID",
                                                                         how="left")
