"""PP (Pharmacokinetic Parameters): IM96 cellular kinetics by non-compartmental analysis (NCA) of PC, one
record per infused subject, analyte (PPCAT = PCTEST) and parameter: CMAX and TMAX over study Days 1-28 and
AUCINT from the infusion to study Day 90 (AUC0-D90), MT.PP.NCA.

The per-sample rules (elapsed time, BLQ handling, which samples feed which parameter) live in
`nca_samples`; ADPC and RELREC call the same function, so PP, ADPC and the PC-PP links always agree.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from cdisc.algorithms import map_ct
from cdisc.context import DomainResult, StudyContext
from cdisc.derive.pk import compute_aucint, compute_blq_conc_profiles, compute_cmax_tmax_profiles
from cdisc.derive.reltime import compute_reltime
from cdisc.distinct import mapped, text_extreme

BLQ_RULE = "pknca"  # BLQ before the first / after the last quantifiable sample = 0, BLQ between them = missing
AUC_METHOD = "linear-up/log-down"
AUC_INTERPOLATION = "log"  # concentration at Day 90 between two samples: log-linear if falling, else linear
AUC_AFTER_LAST = "missing"  # profile ending before Day 90: AUCINT not reported (never extrapolated)
CMAX_LAST_DAY = 28  # CMAX/TMAX over samples of study Days 1-28 (PCDY), the DLT window
AUC_END = 89.0  # study Day 90 = 89 days after the infusion on Day 1 (same convention as PCELTM)
AUC_INTERVAL = ("PT0H", "P89D")  # PPSTINT, PPENINT relative to PPRFTDTC
PRE_INFUSION = "PRE-INFUSION"
SUBCATEGORY = "NON-COMPARTMENTAL"
TIME_UNIT = "day"
NOT_DONE = "NOT DONE"
GROUPS = {"CMAX": "D1-28", "TMAX": "D1-28", "AUCINT": "D1-90"}  # PPGRPID suffix: the samples the parameter uses
KEYS = ["USUBJID", "PCTESTCD"]
PROFILE_INFO = ["PCTEST", "PCSPEC", "PCTPTREF", "PCRFTDTC"]


def build(ctx: StudyContext) -> list[DomainResult]:
    pc = ctx.dataset("PC")
    # per sample: days from the infusion, BLQ rule, Cmax and AUC windows (MT.PP.NCA)
    samples = nca_samples(pc)
    # per subject, analyte and parameter: value, or the reason it is not computed
    pp = nca_parameters(samples)
    pp.insert(0, "STUDYID", ctx.studyid)
    pp.insert(1, "DOMAIN", "PP")
    # PPTEST from PPTESTCD (CT PKPARM); PPGRPID = analyte || the sample window of the parameter
    pp["PPTEST"] = map_ct(pp["PPTESTCD"], ctx.codelist("PPTEST"), source="PP.PPTESTCD")
    pp["PPGRPID"] = pp["PCTESTCD"] + "-" + mapped(pp["PPTESTCD"], GROUPS)
    # results rounded to 3 decimals, PPORRES = PPSTRESC, same units (MT.PP.PPSTRESC); not computed -> NOT DONE
    pp["PPSTRESN"] = pp["VALUE"].round(3)
    pp["PPSTRESC"] = mapped(pp["PPSTRESN"], lambda v: "" if pd.isna(v) else np.format_float_positional(v, trim="-"))
    pp["PPORRES"] = pp["PPSTRESC"]
    pp["PPSTRESU"] = map_ct(parameter_unit(pp["PPTESTCD"], pp["PCSTRESU"]), ctx.codelist("PPUNIT"),
                            source="PP.PPSTRESU").where(pp["PPSTRESC"].ne(""), "")
    pp["PPORRESU"] = pp["PPSTRESU"]
    pp["PPSTAT"] = np.where(pp["PPSTRESC"].eq(""), NOT_DONE, "")
    pp["PPREASND"] = pp["REASON"].where(pp["PPSTAT"].eq(NOT_DONE), "")
    # PPCAT = analyte (PCTEST); PPSCAT; PPSPEC; PPTPTREF / PPRFTDTC = the profile's reference, the infusion
    # (PCTPTREF / PCRFTDTC); PPSTINT/PPENINT for AUCINT only
    pp = pp.rename(columns={"PCTEST": "PPCAT", "PCSPEC": "PPSPEC", "PCTPTREF": "PPTPTREF", "PCRFTDTC": "PPRFTDTC"})
    pp["PPSCAT"] = SUBCATEGORY
    auc = pp["PPTESTCD"].eq("AUCINT")
    pp["PPSTINT"] = np.where(auc, AUC_INTERVAL[0], "")
    pp["PPENINT"] = np.where(auc, AUC_INTERVAL[1], "")
    return [DomainResult("PP", pp.drop(columns=["PCTESTCD", "PCSTRESU", "VALUE", "REASON"]))]


def nca_samples(pc: pd.DataFrame) -> pd.DataFrame:
    """The NCA view of each PC record (same index): AFRLT, NCATIME, CONC, EXCLUDE, CMAXFL, AUCFL (MT.PP.NCA).

    AFRLT: days from PCRFTDTC (the infusion) to PCDTC, whole calendar days when the sample time is missing
    (`compute_reltime`). NCATIME: 0 for the pre-infusion sample, else AFRLT. EXCLUDE: why the sample cannot
    enter the NCA (blank when it can). CONC: PCSTRESN after the BLQ rule (NaN when excluded or BLQ between two
    quantifiable samples; 0 for BLQ before the first or after the last quantifiable sample).
    CMAXFL / AUCFL: "Y" when the sample feeds CMAX/TMAX (PCDY <= 28) / AUCINT
    (NCATIME <= 89, plus the first sample after 89 used to interpolate at Day 90, when the profile reaches it).
    """
    out = pc[[*KEYS, *PROFILE_INFO, "PCSEQ", "PCDY"]].copy()
    # the analyte's unit (blank if not done)
    out["PCSTRESU"] = text_extreme(pc["PCSTRESU"], [pc[k] for k in KEYS], "max", transform=True)
    out["AFRLT"] = compute_reltime(pc["PCDTC"], pc["PCRFTDTC"])
    pre = pc["PCTPT"].eq(PRE_INFUSION)
    out["NCATIME"] = out["AFRLT"].where(~pre, 0.0)
    blq = pc["PCSTRESC"].str.startswith("<")
    out["EXCLUDE"] = exclusion_reason(pc, out["AFRLT"], pre, blq)
    dup = out["EXCLUDE"].eq("") & pd.concat([pc[KEYS], out["NCATIME"]], axis=1).duplicated()
    out.loc[dup, "EXCLUDE"] = "another sample of the analyte has the same time"
    usable = out["EXCLUDE"].eq("").to_numpy()
    profiles = pd.DataFrame({**{k: pc[k] for k in KEYS}, "T": out["NCATIME"], "C": pc["PCSTRESN"], "BLQ": blq,
                             "ROW": np.arange(len(pc))})[usable]
    ordered = profiles.sort_values([*KEYS, "T"], kind="mergesort")
    conc = np.full(len(pc), np.nan)
    conc[ordered["ROW"].to_numpy()] = compute_blq_conc_profiles(
        ordered.groupby(KEYS, sort=False).ngroup(), ordered["T"], ordered["C"], blq=ordered["BLQ"], rule=BLQ_RULE)
    out["CONC"] = conc
    has_conc = out["CONC"].notna()
    out["CMAXFL"] = np.where(has_conc & pc["PCDY"].le(CMAX_LAST_DAY), "Y", "")
    out["AUCFL"] = np.where(has_conc & auc_window(pc[KEYS], out["NCATIME"].where(has_conc)), "Y", "")
    return out


def exclusion_reason(pc: pd.DataFrame, afrlt: pd.Series, pre: pd.Series, blq: pd.Series) -> pd.Series:
    """Why a PC record cannot enter the NCA; blank when it can. Inconsistent timing is flagged, never guessed."""
    reason = pd.Series("", index=pc.index)
    rules = [
        (pc["PCSTRESN"].isna() & ~blq, "no result (not done or not numeric)"),
        (afrlt.isna(), "no complete sample date or no infusion date"),
        (pre & afrlt.gt(0), "pre-infusion sample dated after the infusion"),
        (~pre & afrlt.le(0), "post-infusion sample dated at or before the infusion"),
    ]
    for mask, text in reversed(rules):  # the first rule that applies wins
        reason = reason.mask(mask.fillna(False), text)
    return reason


def auc_window(keys: pd.DataFrame, time: pd.Series) -> pd.Series:
    """Samples inside [0, AUC_END] or the first one after it, for profiles that reach AUC_END (else none)."""
    frame = keys.assign(T=time)
    reach = frame.groupby(KEYS)["T"].transform("max").ge(AUC_END)
    after = frame["T"].gt(AUC_END)
    first_after = frame["T"].eq(frame["T"].where(after).groupby([frame[k] for k in KEYS]).transform("min"))
    return reach & time.notna() & (time.le(AUC_END) | first_after)


def nca_parameters(samples: pd.DataFrame) -> pd.DataFrame:
    """One row per infused subject, analyte and parameter (CMAX, TMAX, AUCINT): VALUE, and the REASON when
    VALUE is NaN. Subjects without an infusion date (PCRFTDTC) have no profile and no PP records. Each profile
    (subject and analyte, in key order) is its samples sorted by time (ties and missing times last, in input
    order); CMAX and TMAX come for every profile at once, AUCINT profile by profile."""
    infused = samples[samples["PCRFTDTC"].ne("")]
    profiles = pd.DataFrame({**{k: infused[k] for k in KEYS}, "T": infused["NCATIME"], "C": infused["CONC"],
                             "CMAX": infused["CMAXFL"].eq("Y"), "ROW": np.arange(len(infused))})
    ordered = profiles.sort_values([*KEYS, "T"], kind="mergesort")
    number = ordered.groupby(KEYS, sort=False).ngroup().to_numpy()  # 0, 0, 1, ...: a profile's samples together
    rows, t, c, window = (ordered[name].to_numpy() for name in ("ROW", "T", "C", "CMAX"))
    starts = np.flatnonzero(np.diff(number, prepend=-1))
    ends = np.append(starts[1:], len(number))[:len(starts)]  # (no profile: none)
    # a profile without a sample of study Days 1-28 (CMAXFL) has neither: NaN
    cmax, tmax = compute_cmax_tmax_profiles(number[window], t[window], c[window], count=len(starts))
    first, params, values, reasons = [], [], [], []  # per parameter: the profile's first sample, name, result
    for n, (start, end) in enumerate(zip(starts, ends, strict=True)):
        for param, (value, reason) in profile_parameters(t[start:end], c[start:end], cmax[n], tmax[n]).items():
            first.append(rows[start])
            params.append(param)
            values.append(value)
            reasons.append(reason)
    info = infused.iloc[first]
    return pd.DataFrame({**{k: info[k].to_numpy() for k in (*KEYS, *PROFILE_INFO, "PCSTRESU")}, "PPTESTCD": params,
                         "VALUE": np.array(values, dtype="float64"), "REASON": reasons})


def profile_parameters(t: np.ndarray, conc: np.ndarray, cmax: float, tmax: float) -> dict[str, tuple[float, str]]:
    """CMAX, TMAX and AUCINT of one subject's analyte profile: times `t` (increasing), concentrations `conc` after
    the BLQ rule, and the profile's CMAX and TMAX over the samples of study Days 1-28 (CMAXFL; NaN without one)."""
    no_cmax = "no usable sample on study Days 1-28" if np.isnan(cmax) else ""
    no_tmax = no_cmax or ("no quantifiable concentration on study Days 1-28" if cmax == 0 else "")
    usable = ~np.isnan(conc)
    t, c = t[usable], conc[usable]
    if not (t == 0).any():  # no usable pre-infusion sample: C(0) = 0 (no CAR-T cells before the only infusion)
        t, c = np.concatenate([[0.0], t]), np.concatenate([[0.0], c])
    auc = compute_aucint(t, c, start=0.0, end=AUC_END, method=AUC_METHOD, interpolate=AUC_INTERPOLATION,
                         after_last=AUC_AFTER_LAST)
    return {"CMAX": (float(cmax), no_cmax), "TMAX": (np.nan if no_tmax else float(tmax), no_tmax),
            "AUCINT": (auc.value, auc.reason)}


def parameter_unit(testcd: pd.Series, conc_unit: pd.Series) -> pd.Series:
    """CMAX in the concentration unit, TMAX in days, AUCINT in day*concentration unit (MT.PP.PPSTRESC)."""
    return pd.Series(np.select([testcd.eq("TMAX"), testcd.eq("AUCINT")], [TIME_UNIT, TIME_UNIT + "*" + conc_unit],
                               conc_unit), index=testcd.index)
