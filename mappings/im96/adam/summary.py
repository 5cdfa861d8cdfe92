"""IM96 study summary from the ADaM datasets: `summary.json` and its readable twin `summary.md`.

Every number is read from ADaM (no re-derivation): DLTs and the 3+3 decision (ADSL, ADAE), confirmed ORR and
DCR with exact Clopper-Pearson 95 % CIs (ADRS), Kaplan-Meier medians and landmark rates of PFS and OS (ADTTE),
Cmax, Tmax and AUC0-D90 (ADPP), treatment-related AEs within 28 days (ADAE) and clinically significant
abnormal vital signs, ECG and labs within 28 days (ADVS, ADEG, ADLB), and the CA19-9 and CEA change from
baseline at each analysis visit (ADLB), overall and by dose group.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from cdisc.derive.escalation import decide_3plus3
from cdisc.derive.stats import clopper_pearson, km_landmark, km_median
from cdisc.pipeline import AdamRun
from mappings.im96.adam.adrs import LANDMARKS as ADRS_LANDMARKS

# KM landmark days: the nominal days of the ADRS landmarks (one definition, MT.ADRS.LANDMARK)
LANDMARKS = {label: target for label, (target, _low, _high) in ADRS_LANDMARKS.items()}
OVERALL = "OVERALL"
# the tumour markers the protocol names as exploratory endpoints (ADLB PARAMCD)
MARKERS = ("CA199", "CEA")
DIGITS = 4


def write_summary(adam: AdamRun, folder: Path) -> None:
    """Write summary.json and summary.md into `folder`."""
    summary = build_summary(adam.frames, studyid=adam.spec.study.studyid,
                            data_cut=str(adam.spec.study.data_cut))
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "summary.json").write_text(json.dumps(summary, indent=2, sort_keys=False) + "\n")
    (folder / "summary.md").write_text(to_markdown(summary))


def build_summary(data: dict[str, pd.DataFrame], *, studyid: str, data_cut: str) -> dict:
    adsl = data["ADSL"]
    groups = _groups(adsl)
    return {
        "study": studyid,
        "data_cut": data_cut,
        "dose_groups": list(groups),
        "dlt": dlt_decisions(adsl, data["ADAE"], groups),
        "response": response_rates(data["ADRS"], groups),
        "time_to_event": {p: time_to_event(data["ADTTE"], p, groups) for p in ("PFS", "OS")},
        "cellular_kinetics": kinetics(data["ADPP"], groups),
        "related_aes_28d": related_aes(data["ADAE"], groups),
        "clinically_significant_28d": {name: clinically_significant(data[name], groups)
                                       for name in ("ADVS", "ADEG", "ADLB")},
        "tumour_markers": marker_changes(data["ADLB"], groups),
    }


def _groups(adsl: pd.DataFrame) -> dict[str, float]:
    """Actual dose groups of infused subjects, in dose order."""
    infused = adsl[adsl["SAFFL"].eq("Y")]
    return dict(sorted(set(zip(infused["TRT01A"], infused["TRT01AN"], strict=True)), key=lambda g: g[1]))


def _by_group(df: pd.DataFrame, groups: dict[str, float], column: str = "TRT01A") -> dict[str, pd.DataFrame]:
    return {OVERALL: df, **{g: df[df[column].eq(g)] for g in groups}}


def _r(x: float) -> float | None:
    return None if x is None or (isinstance(x, float) and not np.isfinite(x)) else round(float(x), DIGITS)


def dlt_decisions(adsl: pd.DataFrame, adae: pd.DataFrame, groups: dict[str, float]) -> list[dict]:
    """Per dose group: DLT-evaluable subjects (ADSL.DLTEVLFL), subjects with a DLT (ADAE.DLTFL), 3+3 decision."""
    evaluable = adsl[adsl["DLTEVLFL"].eq("Y")]
    with_dlt = set(adae.loc[adae["DLTFL"].eq("Y"), "USUBJID"])
    out = []
    for k, group in enumerate(groups):
        ids = set(evaluable.loc[evaluable["TRT01A"].eq(group), "USUBJID"])
        n_dlt = len(ids & with_dlt)
        out.append({"dose_group": group, "dlt_evaluable": len(ids), "with_dlt": n_dlt,
                    "decision": decide_3plus3(len(ids), n_dlt, highest=k == len(groups) - 1)})
    return out


def _rate(flags: pd.Series) -> dict:
    x, n = int(flags.eq("Y").sum()), int(len(flags))
    if n == 0:
        return {"x": 0, "n": 0, "rate": None, "ci95": [None, None]}
    ci = clopper_pearson(x, n)
    return {"x": x, "n": n, "rate": _r(x / n), "ci95": [_r(ci.lower), _r(ci.upper)]}


def response_rates(adrs: pd.DataFrame, groups: dict[str, float]) -> dict:
    """Confirmed ORR (PARAMCD RSP) and DCR (DCR), then the landmark parameters, in the efficacy population."""
    params = ["RSP", "DCR"] + [f"{p}{k}" for k in LANDMARKS for p in ("RSP", "DCR")]
    # the records and columns the rates read, split by group once
    eff = _by_group(adrs.loc[adrs["EFFFL"].eq("Y") & adrs["PARAMCD"].isin(params), ["PARAMCD", "AVALC", "TRT01A"]],
                    groups)
    return {"population": "EFFFL = Y (infused, measurable disease at baseline)",
            **{p: {g: _rate(rows.loc[rows["PARAMCD"].eq(p), "AVALC"]) for g, rows in eff.items()} for p in params}}


def time_to_event(adtte: pd.DataFrame, paramcd: str, groups: dict[str, float]) -> dict:
    """Kaplan-Meier median (Brookmeyer-Crowley 95 % CI) and landmark rates (log-log 95 % CI) in days."""
    rows = adtte[adtte["PARAMCD"].eq(paramcd)]
    return {g: _km(part) for g, part in _by_group(rows, groups).items()}


def _km(rows: pd.DataFrame) -> dict:
    if rows.empty:
        return {"n": 0}
    time, event = rows["AVAL"].to_numpy(float), rows["CNSR"].eq(0).to_numpy()
    med = km_median(time, event)
    out = {"n": int(len(rows)), "events": int(event.sum()), "median_days": _r(med.median),
           "median_ci95": [_r(med.lower), _r(med.upper)], "landmarks": {}}
    for label, day in LANDMARKS.items():
        est = km_landmark(time, event, day)
        out["landmarks"][label] = {"day": day, "survival": _r(est.survival), "ci95": [_r(est.lower), _r(est.upper)]}
    return out


def kinetics(adpp: pd.DataFrame, groups: dict[str, float]) -> dict:
    """n, median, min, max and geometric mean of each NCA parameter (ADPP.AVAL), by dose group."""
    out: dict = {}
    for paramcd, rows in adpp.groupby("PARAMCD", sort=True):
        units = rows.loc[rows["AVALU"].ne(""), "AVALU"].unique()  # a not-calculated parameter has no unit
        out[paramcd] = {"param": rows["PARAM"].iloc[0], "unit": units[0] if len(units) else ""}
        for g, part in _by_group(rows, groups, "TRTA").items():
            values = part["AVAL"].dropna()
            positive = values[values > 0]
            out[paramcd][g] = {
                "n": int(len(values)),
                "median": _r(values.median()) if len(values) else None,
                "min": _r(values.min()) if len(values) else None,
                "max": _r(values.max()) if len(values) else None,
                "geometric_mean": _r(float(np.exp(np.log(positive).mean()))) if len(positive) else None,
            }
    return out


def related_aes(adae: pd.DataFrame, groups: dict[str, float]) -> dict:
    """Subjects with a treatment-related AE starting Day 1-28 (ADAE.TRAE28FL), by preferred term and worst grade."""
    rel = adae[adae["TRAE28FL"].eq("Y")]
    out = {}
    for g, part in _by_group(rel, groups, "TRTA").items():
        worst = part.groupby(["AEDECOD", "USUBJID"])["ATOXGRN"].max().reset_index()
        terms = []
        for term, rows in worst.groupby("AEDECOD", sort=True):
            grades = rows["ATOXGRN"].dropna().astype(int).value_counts().sort_index()
            terms.append({"term": term, "subjects": int(len(rows)),
                          "worst_grade": {str(k): int(v) for k, v in grades.items()},
                          "grade_3_or_more": int((rows["ATOXGRN"] >= 3).sum())})
        out[g] = {"subjects": int(part["USUBJID"].nunique()), "terms": terms}
    return out


def clinically_significant(bds: pd.DataFrame, groups: dict[str, float]) -> dict:
    """Subjects with a clinically significant abnormal value within Day 1-28 (CSABN28F), by parameter."""
    flagged = bds.loc[bds["CSABN28F"].eq("Y"), ["USUBJID", "PARAMCD", "TRTA"]]
    return {g: {"subjects": int(part["USUBJID"].nunique()),
                "by_parameter": {p: int(r["USUBJID"].nunique()) for p, r in part.groupby("PARAMCD", sort=True)}}
            for g, part in _by_group(flagged, groups, "TRTA").items()}


def marker_records(adlb: pd.DataFrame) -> pd.DataFrame:
    """ADLB's tumour marker records (CA19-9, CEA): taken once, ADLB being the largest dataset and the markers two of
    its tests; `marker_changes` of these is `marker_changes` of ADLB."""
    return adlb[adlb["PARAMCD"].isin(MARKERS)]


def marker_changes(adlb: pd.DataFrame, groups: dict[str, float]) -> dict:
    """CA19-9 and CEA change from baseline (ADLB.CHG, PCHG) at each post-baseline analysis visit (ANL01FL = Y,
    AVISITN > 0): n, median change, median, min and max percent change, by dose group, and the records of the
    visit without a change (no baseline, or a result that is no number such as "<0.1"), which n leaves out."""
    marker = marker_records(adlb)
    rows = marker[marker["ANL01FL"].eq("Y") & marker["AVISITN"].gt(0)]
    out, present = {}, set(marker["PARAMCD"])
    for paramcd in (p for p in MARKERS if p in present):
        by_group = _by_group(rows[rows["PARAMCD"].eq(paramcd)], groups, "TRTA")
        visits = by_group[OVERALL][["AVISITN", "AVISIT"]].drop_duplicates().sort_values("AVISITN")
        out[paramcd] = {"param": marker.loc[marker["PARAMCD"].eq(paramcd), "PARAM"].iloc[0], "visits": [
            {"visit": visit, "visitnum": _r(num),
             "groups": {g: _changes(part[part["AVISITN"].eq(num)]) for g, part in by_group.items()}}
            for num, visit in visits.itertuples(index=False)]}
    return out


def _changes(rows: pd.DataFrame) -> dict:
    chg, pchg = rows["CHG"].dropna(), rows["PCHG"].dropna()
    return {"n": int(len(chg)), "median_chg": _r(chg.median()) if len(chg) else None,
            "median_pchg": _r(pchg.median()) if len(pchg) else None,
            "min_pchg": _r(pchg.min()) if len(pchg) else None, "max_pchg": _r(pchg.max()) if len(pchg) else None,
            "without_change": int(len(rows) - len(chg))}


def _fmt(x) -> str:
    return "NE" if x is None else f"{x:g}"


def to_markdown(s: dict) -> str:
    """The same numbers as summary.json, as Markdown tables."""
    lines = [f"# {s['study']} study summary (data cut {s['data_cut']})", "", "## DLTs (Day 1-28) and the 3+3 decision",
             "", "| dose group | DLT-evaluable | with DLT | decision |", "|---|---|---|---|"]
    lines += [f"| {d['dose_group']} | {d['dlt_evaluable']} | {d['with_dlt']} | {d['decision']} |" for d in s["dlt"]]
    lines += ["", f"## Response ({s['response']['population']})", "",
              "| parameter | group | x/n | rate | 95 % CI (Clopper-Pearson) |", "|---|---|---|---|---|"]
    for param, by_group in s["response"].items():
        if param == "population":
            continue
        for g, r in by_group.items():
            lines.append(f"| {param} | {g} | {r['x']}/{r['n']} | {_fmt(r['rate'])} | "
                         f"{_fmt(r['ci95'][0])}-{_fmt(r['ci95'][1])} |")
    lines += ["", "## Time to event (days from infusion, Kaplan-Meier)", "",
              "| endpoint | group | n | events | median (95 % CI) | " + " | ".join(LANDMARKS) + " |",
              "|---|---|---|---|---|" + "---|" * len(LANDMARKS)]
    for endpoint, by_group in s["time_to_event"].items():
        for g, r in by_group.items():
            if not r["n"]:
                continue
            marks = " | ".join(f"{_fmt(m['survival'])} ({_fmt(m['ci95'][0])}-{_fmt(m['ci95'][1])})"
                               for m in r["landmarks"].values())
            lines.append(f"| {endpoint} | {g} | {r['n']} | {r['events']} | {_fmt(r['median_days'])} "
                         f"({_fmt(r['median_ci95'][0])}-{_fmt(r['median_ci95'][1])}) | {marks} |")
    lines += ["", "## Cellular kinetics", "", "| parameter | unit | group | n | median | min | max | geo. mean |",
              "|---|---|---|---|---|---|---|---|"]
    for paramcd, p in s["cellular_kinetics"].items():
        for g, r in p.items():
            if g in ("param", "unit"):
                continue
            lines.append(f"| {paramcd} | {p['unit']} | {g} | {r['n']} | {_fmt(r['median'])} | {_fmt(r['min'])} | "
                         f"{_fmt(r['max'])} | {_fmt(r['geometric_mean'])} |")
    lines += ["", "## Treatment-related AEs starting Day 1-28", "",
              "| group | preferred term | subjects | worst grade (subjects) | grade >= 3 |", "|---|---|---|---|---|"]
    for g, r in s["related_aes_28d"].items():
        for t in r["terms"]:
            grades = ", ".join(f"G{k}: {v}" for k, v in t["worst_grade"].items())
            lines.append(f"| {g} | {t['term']} | {t['subjects']} | {grades} | {t['grade_3_or_more']} |")
    lines += ["", "## Clinically significant abnormal values, Day 1-28 (subjects)", "",
              "| dataset | group | subjects | by parameter |", "|---|---|---|---|"]
    for name, by_group in s["clinically_significant_28d"].items():
        for g, r in by_group.items():
            params = ", ".join(f"{p}: {n}" for p, n in r["by_parameter"].items())
            lines.append(f"| {name} | {g} | {r['subjects']} | {params} |")
    lines += marker_markdown(s["tumour_markers"])
    return "\n".join(lines) + "\n"


def marker_markdown(markers: dict) -> list[str]:
    """The tumour-marker change-from-baseline table of summary.md."""
    lines = ["", "## Tumour markers: change from baseline by analysis visit", "",
             "| parameter | visit | group | n | median change | median % change | min % change | max % change | "
             "without change (no baseline or no number) |",
             "|---|---|---|---|---|---|---|---|---|"]
    for m in markers.values():
        for v in m["visits"]:
            for g, r in v["groups"].items():
                lines.append(f"| {m['param']} | {v['visit']} | {g} | {r['n']} | {_fmt(r['median_chg'])} | "
                             f"{_fmt(r['median_pchg'])} | {_fmt(r['min_pchg'])} | {_fmt(r['max_pchg'])} | "
                             f"{r['without_change']} |")
    return lines
