"""IM96 study review report: which sections the clinical team sees, drawn from which ADaM datasets.

Every number comes from the ADaM datasets as written (XPT), through the same functions as `summary.json`
(`mappings.im96.adam.summary`) and the statistics of `cdisc.derive.stats`; nothing is re-derived from raw or SDTM.
The page and figure machinery is the generic engine in `cdisc/report/`.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from cdisc.pipeline import AdamRun
from cdisc.report.build import (
    ReportInputs,
    SectionPlan,
    needed,
    read_adam_folder,
    read_findings,
    read_table,
    start_report,
)
from cdisc.report.charts import (
    GREY,
    WIDE,
    KmCurve,
    Marker,
    bars,
    group_legend,
    km_figure,
    lines_by_subject,
    palette,
    swimmer_figure,
    waterfall_figure,
)
from cdisc.report.figures import Rendered, render
from cdisc.report.page import Table, Text
from cdisc.report.svg import Chart, Entry, Legend, Panel, Scale
from mappings.im96.adam.summary import (
    LANDMARKS,
    OVERALL,
    _groups,
    dlt_decisions,
    kinetics,
    marker_changes,
    marker_records,
    related_aes,
    time_to_event,
)

RESPONSE_COLORS = {"CR": "#1a9850", "PR": "#91cf60", "SD": "#e6c229", "PD": "#d73027", "NE": GREY}
GRADE_COLORS = {1: "#fdd49e", 2: "#fc8d59", 3: "#d7301f", 4: "#7f0000", 5: "#000000"}
STUDY_DAY = "Study day (Day 1 = CAR-T infusion)"
SWIMMER_LANES = 50  # lanes of the swimmer plot; larger studies show the ones `swimmer_lanes` picks
LABELLED_BARS = 40  # waterfall bars carry subject labels up to this many subjects
KINETICS = ("IM96CARC", "IM96TG")  # ADPC analytes
NCA = ("CMAX", "TMAX", "AUC90")  # ADPP PARAMCD stems, one per analyte suffix (CC, TG)
TTE = ("PFS", "OS")
CYTOPENIA_CATEGORY = "HEMATOLOGY"  # ADLB PARCAT1 whose graded parameters are cytopenias
NOT_ASSIGNED = "Not assigned (screen failure)"
# ADLB has a row per lab test and visit (138,000 rows of 41 variables at 1,000 subjects): the report reads only the
# variables its sections use (tumour markers, cytopenias, summary.marker_changes), in under half the time.
ADLB_VARIABLES = ("USUBJID", "TRTA", "PARAMCD", "PARAM", "PARCAT1", "ABLFL", "ANL01FL", "AVISIT", "AVISITN", "ADY",
                  "CHG", "PCHG", "ATOXGRN")


def start_run_report(adam: AdamRun, out: Path) -> Callable[[], Path]:
    """The review report of a `cdisc run` into out/report/, drawn from the ADaM datasets the run built (those it
    writes to out/adam/, so that `cdisc report --adam out/adam` gives the same page), in two steps: the sections
    on ADaM and out/reconciliation/ now, and the validation summary in the function returned, to be called once
    validation/report.json is written (a run draws its figures while its validation finishes)."""
    datasets = {name: adam.frames[name] for name in needed(PLANS) if name in adam.frames}
    if "ADLB" in datasets:
        datasets["ADLB"] = datasets["ADLB"][[c for c in datasets["ADLB"].columns if c in ADLB_VARIABLES]]
    return _start_report(datasets, str(adam.spec.study.data_cut), out / "adam", out / "report",
                         findings=out / "validation" / "report.json",
                         reconciliation=out / "reconciliation" / "summary.csv")


def write_study_report(adam_dir: Path, folder: Path, *, findings: Path, reconciliation: Path) -> Path:
    """Build the IM96 review page from the ADaM datasets of a folder that its sections need (and a run's
    validation report.json and reconciliation CSV, if there)."""
    datasets, data_cut = read_adam(adam_dir)
    return _start_report(datasets, data_cut, adam_dir, folder, findings=findings, reconciliation=reconciliation)()


def _start_report(datasets: dict[str, pd.DataFrame], data_cut: str, adam_dir: Path, folder: Path, *,
                  findings: Path, reconciliation: Path) -> Callable[[], Path]:
    """The page in two steps: every section but those on the findings now, the rest and the page in the function
    returned (which reads `findings` then). `adam_dir`: where the datasets are, for the page's notes."""
    reconciled = read_table(reconciliation)
    tables = {"RECONCILIATION": reconciled} if reconciled is not None else {}
    sources = {**{n: f"{adam_dir.name}/{n.lower()}.xpt" for n in ("ADSL", "ADAE", "ADRS", "ADTR", "ADTTE",
                                                               "ADPC", "ADPP", "ADLB")},
               "FINDINGS": f"{findings.parent.name}/{findings.name}",
               "RECONCILIATION": f"{reconciliation.parent.name}/{reconciliation.name}"}
    inputs = ReportInputs(datasets, data_cut, tables, sources)
    studyid = datasets["ADSL"]["STUDYID"].iloc[0] if "ADSL" in datasets and len(datasets["ADSL"]) else "Study"
    subtitle = (f"Data cut {data_cut or 'unknown'}. Built from the ADaM datasets "
                f"{', '.join(sorted(datasets)) or '(none found)'}; every figure is also under figures/ as SVG.")
    return start_report(PLANS, inputs, folder, title=f"{studyid} study review report", subtitle=subtitle,
                        later={"FINDINGS": lambda: read_findings(findings)})


def read_adam(adam_dir: Path) -> tuple[dict[str, pd.DataFrame], str]:
    """The ADaM datasets the sections need (ADLB: only ADLB_VARIABLES) and the data cut."""
    return read_adam_folder(adam_dir, needed(PLANS), {"ADLB": ADLB_VARIABLES})


def _groups_of(inputs: ReportInputs) -> dict[str, float]:
    return _groups(inputs.get("ADSL"))


def _group_colors(groups: dict[str, float]) -> dict[str, str]:
    return {g: c for g, c in palette([OVERALL, *groups]).items() if g != OVERALL}


def _day(date: pd.Series, start: pd.Series) -> pd.Series:
    """Study day of a SAS date relative to the infusion date (Day 1 = infusion, no Day 0)."""
    diff = date - start
    return diff + (diff >= 0)


def _fmt(x: float | None, digits: int = 1) -> str:
    return "NE" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}f}"


# ---------------------------------------------------------------------------------------------- study at a glance
def glance(inputs: ReportInputs) -> list:
    """Subjects at each step of the CAR-T process per planned dose level (ADSL)."""
    adsl = inputs.get("ADSL")
    arm = adsl["ARM"].where(adsl["ARM"].ne(""), NOT_ASSIGNED)
    planned = adsl[adsl["ARM"].ne("")]
    planned = sorted(set(zip(planned["ARM"], planned["TRT01PN"], strict=True)), key=lambda t: t[1])
    order = [a for a, _ in planned] + ([NOT_ASSIGNED] if arm.eq(NOT_ASSIGNED).any() else [])
    steps = {"Screened (informed consent)": adsl["USUBJID"].ne(""),
             "Apheresed": adsl["APHERDT"].notna(),
             "Lymphodepleted": adsl["LDSTDT"].notna(),
             "Infused (SAFFL)": adsl["SAFFL"].eq("Y"),
             "DLT-evaluable (DLTEVLFL)": adsl["DLTEVLFL"].eq("Y"),
             "Efficacy-evaluable (EFFFL)": adsl["EFFFL"].eq("Y"),
             "Died (DTHFL)": adsl["DTHFL"].eq("Y")}
    rows = [{"step": step, **{a: int((mask & arm.eq(a)).sum()) for a in order}, "Total": int(mask.sum())}
            for step, mask in steps.items()]
    return [Table(pd.DataFrame(rows), "Subjects by planned dose level",
                  "Counts of subjects (ADSL). Dose level = planned arm (ARM); subjects who failed screening have "
                  "none.")]


def escalation(inputs: ReportInputs) -> list:
    """3+3 decision per dose level (summary.json) and the DLTs behind it (ADAE.DLTFL)."""
    adsl, adae = inputs.get("ADSL"), inputs.get("ADAE")
    decisions = pd.DataFrame(dlt_decisions(adsl, adae, _groups_of(inputs))).rename(columns={
        "dose_group": "dose level", "dlt_evaluable": "DLT-evaluable", "with_dlt": "with DLT"})
    dlts = adae[adae["DLTFL"].eq("Y")].sort_values(["TRTAN", "USUBJID", "ASTDY"], kind="mergesort")
    listing = pd.DataFrame({"subject": dlts["USUBJID"], "dose level": dlts["TRTA"], "event": dlts["AEDECOD"],
                            "grade": dlts["ATOXGR"], "onset day": dlts["ASTDY"], "end day": dlts["AENDY"]})
    return [Table(decisions, "3+3 decision by dose level",
                  "DLT-evaluable subjects (ADSL.DLTEVLFL) with a dose-limiting toxicity (ADAE.DLTFL), Day 1-28."),
            Table(listing, "Dose-limiting toxicities", "ADAE records with DLTFL = Y; days are study days.")]


# ------------------------------------------------------------------------------------------------------- swimmer
def swimmer_lanes(lanes: pd.DataFrame, limit: int) -> pd.DataFrame:
    """The lanes one swimmer plot shows: all of them when there are at most `limit`; else the first `limit` with
    confirmed responders (`responder`) first, then the longest follow-up (`end`), then by subject (`lane`)."""
    ranked = lanes.sort_values(["responder", "end", "lane"], ascending=[False, False, True], kind="mergesort")
    return ranked.head(limit)


def swimmer_note(lanes: pd.DataFrame, shown: pd.DataFrame) -> str:
    """What the caption says about the lanes left out ("" when every infused subject is shown)."""
    left_out = lanes[~lanes["lane"].isin(shown["lane"])]
    if left_out.empty:
        return ""
    return (f" Shown: {len(shown)} of {len(lanes)} infused subjects, those with a confirmed CR or PR (ADRS RSP) "
            f"first, then the longest follow-up; {len(left_out)} not shown, {int(left_out['responder'].sum())} of "
            "them with a confirmed response.")


def swimmer(inputs: ReportInputs) -> list:
    """Per infused subject: follow-up, overall responses, death, ongoing response (ADSL, ADRS); at most
    SWIMMER_LANES lanes (`swimmer_lanes`)."""
    adsl, adrs = inputs.get("ADSL"), inputs.get("ADRS")
    groups = _groups_of(inputs)
    infused = adsl[adsl["SAFFL"].eq("Y")]
    flags = adrs.pivot_table(index="USUBJID", columns="PARAMCD", values="AVALC", aggfunc="first")
    confirmed = flags.get("RSP", pd.Series(dtype=str)).eq("Y")  # confirmed objective response, as ADRS derives it
    responding = confirmed & flags.get("PD", pd.Series(dtype=str)).eq("N")
    lanes = pd.DataFrame({"lane": infused["USUBJID"], "end": _day(infused["LSTALVDT"], infused["TRTSDT"]),
                          "group": infused["TRT01A"],
                          "ongoing": infused["USUBJID"].map(responding).fillna(False).astype(bool)
                          & infused["DTHFL"].ne("Y"),
                          "responder": infused["USUBJID"].map(confirmed).fillna(False).astype(bool)})
    ovr = adrs[adrs["PARAMCD"].eq("OVR") & adrs["ANL01FL"].eq("Y")]
    deaths = adrs[adrs["PARAMCD"].eq("DEATH") & adrs["AVALC"].eq("Y")]
    events = pd.concat([pd.DataFrame({"lane": ovr["USUBJID"], "day": ovr["ADY"], "kind": ovr["AVALC"]}),
                        pd.DataFrame({"lane": deaths["USUBJID"], "day": deaths["ADY"], "kind": "Death"})])
    markers = {k: Marker("o" if k in ("CR", "PR") else "s" if k == "SD" else "D" if k == "PD" else "x", c)
               for k, c in RESPONSE_COLORS.items()} | {"Death": Marker("X", "black", 5.5)}
    shown = swimmer_lanes(lanes, SWIMMER_LANES)
    suffix = f" ({len(shown)} of {len(lanes)} infused subjects)" if len(shown) < len(lanes) else ""
    fig = swimmer_figure(shown, events, lane_colors=_group_colors(groups), markers=markers, xlabel=STUDY_DAY,
                         title=f"Follow-up and response per infused subject{suffix}")
    return [render(fig, "swimmer", f"Swimmer plot{suffix}",
                   "Bar: infusion to last contact (ADSL.LSTALVDT), coloured by dose level. Markers: overall response "
                   "per RECIST 1.1 assessment (ADRS PARAMCD OVR, ANL01FL) and death (ADRS DEATH). Arrow: confirmed "
                   "CR/PR without progression, alive at last contact." + swimmer_note(lanes, shown))]


# ----------------------------------------------------------------------------------------- waterfall and spider
def _best_response(adrs: pd.DataFrame) -> pd.Series:
    cbor = adrs[adrs["PARAMCD"].eq("CBOR")]
    return pd.Series(cbor["AVALC"].to_numpy(), index=cbor["USUBJID"]).replace("", "NE")


def best_change(adtr: pd.DataFrame, adrs: pd.DataFrame) -> pd.DataFrame:
    """Per subject: best percent change of the sum of diameters (ADTR PARAMCD BPCHG) and confirmed BOR (CBOR)."""
    best = adtr[adtr["PARAMCD"].eq("BPCHG") & adtr["AVAL"].notna()]
    return pd.DataFrame({"label": best["SUBJID"].to_numpy(), "subject": best["USUBJID"].to_numpy(),
                         "value": best["AVAL"].to_numpy(),
                         "category": best["USUBJID"].map(_best_response(adrs)).fillna("NE").to_numpy()})


def waterfall(inputs: ReportInputs) -> list:
    data = best_change(inputs.get("ADTR"), inputs.get("ADRS"))
    fig = waterfall_figure(data, colors=RESPONSE_COLORS, lines={-30.0: "-30 %", 20.0: "+20 %"},
                           ylabel="Best change in sum of diameters from baseline (%)",
                           title="Best percent change in target lesions", label_bars=len(data) <= LABELLED_BARS)
    listing = data.sort_values(["value", "label"], ascending=[False, True], kind="mergesort").rename(
        columns={"value": "best % change (ADTR BPCHG)", "category": "confirmed BOR (ADRS CBOR)"})
    return [render(fig, "waterfall", "Waterfall of best percent change",
                   "One bar per subject with a post-baseline tumour assessment (ADTR BPCHG), coloured by confirmed "
                   "best overall response (ADRS CBOR). Dashed lines: -30 % (partial response) and +20 % "
                   "(progression threshold) of RECIST 1.1."),
            Table(listing[["subject", "best % change (ADTR BPCHG)", "confirmed BOR (ADRS CBOR)"]],
                  "Best percent change per subject")]


def spider(inputs: ReportInputs) -> list:
    adtr, groups = inputs.get("ADTR"), _groups_of(inputs)
    sod = adtr[adtr["PARAMCD"].eq("SUMDIAM")]
    post = sod[sod["PCHG"].notna()]
    base = sod[sod["ABLFL"].eq("Y") & sod["USUBJID"].isin(post["USUBJID"])].assign(ADY=0.0, PCHG=0.0)
    lines = pd.concat([base, post])
    subjects = pd.Index(lines["USUBJID"].unique())
    colors = pd.Series(subjects.map(_best_response(inputs.get("ADRS"))), index=subjects).fillna("NE").map(
        lambda c: RESPONSE_COLORS.get(c, GREY))
    panels = [Panel(title=group, xlabel=STUDY_DAY) for group in groups] or [Panel()]
    panels[0].ylabel = "Change in sum of diameters from baseline (%)"
    for panel, group in zip(panels, groups, strict=False):
        lines_by_subject(panel, lines[lines["TRT01A"].eq(group)], x="ADY", y="PCHG", subject="USUBJID",
                         colors=colors)
        for y in (-30, 20):
            panel.hline(y, dash="5 4", width=0.8)
    chart = Chart([panels], 470 * len(panels) + 190, [330], group_legend(RESPONSE_COLORS, title="Confirmed BOR"),
                  share="y")
    return [render(chart, "spider", "Spider plot of percent change from baseline",
                   "Sum of target-lesion diameters, percent change from baseline (ADTR SUMDIAM PCHG) at each "
                   "assessment; baseline drawn at day 0, 0 %. One line per subject, coloured by confirmed best "
                   "response (ADRS CBOR), one panel per dose level. Dashed lines: -30 % and +20 %.")]


# --------------------------------------------------------------------------------------------- time to event
def km_table(paramcd: str, stats: dict) -> pd.DataFrame:
    """Medians and landmark rates of `stats`, the summary.json numbers of `paramcd` (`time_to_event`), one row per
    group."""
    rows = []
    for group, r in stats.items():
        if not r["n"]:
            continue
        row = {"endpoint": paramcd, "group": group, "n": r["n"], "events": r["events"],
               "median, days (95 % CI)": f"{_fmt(r['median_days'])} ({_fmt(r['median_ci95'][0])}-"
                                         f"{_fmt(r['median_ci95'][1])})"}
        for label, m in r["landmarks"].items():
            row[f"{label} rate (95 % CI)"] = (f"{_fmt(m['survival'], 3)} ({_fmt(m['ci95'][0], 3)}-"
                                             f"{_fmt(m['ci95'][1], 3)})")
        rows.append(row)
    return pd.DataFrame(rows)


def survival(inputs: ReportInputs) -> list:
    adtte, groups = inputs.get("ADTTE"), _groups_of(inputs)
    colors = palette([OVERALL, *groups])
    blocks: list = []
    for paramcd in TTE:
        rows = adtte[adtte["PARAMCD"].eq(paramcd) & adtte["AVAL"].notna()]
        if rows.empty:
            blocks.append(Text(f"{paramcd}: no ADTTE records."))
            continue
        stats = time_to_event(adtte, paramcd, groups)
        parts = {OVERALL: rows, **{g: rows[rows["TRT01A"].eq(g)] for g in groups}}
        curves = [KmCurve(f"{g} (median {_fmt(stats[g]['median_days'], 0)} d)", g, colors[g],
                          part["AVAL"].to_numpy(float), part["CNSR"].eq(0).to_numpy().astype(int))
                  for g, part in parts.items() if len(part)]
        top = max(90.0, math.ceil(rows["AVAL"].max() / 90) * 90)
        param = rows["PARAM"].iloc[0]
        fig = km_figure(curves, ticks=list(np.arange(0, top + 1, 90)), xlabel="Days from CAR-T infusion",
                        ylabel=f"{paramcd} probability", title=f"Kaplan-Meier: {param}")
        blocks += [render(fig, f"km_{paramcd.lower()}", f"Kaplan-Meier curve of {paramcd}",
                          f"ADTTE PARAMCD {paramcd} (AVAL in days, event when CNSR = 0), overall and by dose "
                          "level; ticks mark censored subjects. Median in the legend, in days."),
                   Table(km_table(paramcd, stats), f"{paramcd}: medians and landmark rates",
                         "Kaplan-Meier median with Brookmeyer-Crowley 95 % CI and landmark survival with log-log "
                         f"95 % CI (the numbers of summary.json). Landmarks: "
                         f"{', '.join(f'{k} = day {d}' for k, d in LANDMARKS.items())}. NE: not estimable.")]
    return blocks


# --------------------------------------------------------------------------------------------- cellular kinetics
def kinetics_figure(adpc: pd.DataFrame, groups: dict[str, float]) -> Rendered:
    colors = _group_colors(groups)
    present = set(adpc["PARAMCD"].unique())
    analytes = [a for a in KINETICS if a in present]
    rows_of_panels = []
    for paramcd in analytes:
        rows = adpc[adpc["PARAMCD"].eq(paramcd) & adpc["AFRLT"].notna()]
        lloq = float(rows["ALLOQ"].dropna().iloc[0]) if rows["ALLOQ"].notna().any() else float("nan")
        shown = rows.assign(Y=rows["AVAL"].where(rows["AVAL"] >= lloq, lloq / 2))
        time = Scale("symlog", (-0.5, max(400.0, float(rows["AFRLT"].max()) * 1.05)), threshold=28, linscale=1.4)
        left, right = (Panel(title=f"{rows['PARAM'].iloc[0]}: {what}", xlabel="Days from CAR-T infusion",
                             ylabel=f"{paramcd} ({rows['AVALU'].iloc[0]}, log scale)", x=time, y=Scale("log"),
                             xticks=[(d, f"{d}") for d in (0, 7, 14, 21, 28, 90, 180, 365)])
                       for what in ("individual profiles", "median by dose level"))
        subject_color = shown.drop_duplicates("USUBJID").set_index("USUBJID")["TRTA"].map(colors)
        lines_by_subject(left, shown, x="AFRLT", y="Y", subject="USUBJID", colors=subject_color)
        medians = shown.groupby(["TRTA", "NFRLT"], sort=True)["Y"].median().reset_index()
        for group, part in medians.groupby("TRTA", sort=False):
            right.line(part["NFRLT"], part["Y"], color=colors[group], marker="o", width=1.8, radius=3)
        for panel in (left, right):
            panel.hline(lloq, color="#555", dash="2 3", width=1, label=f"LLOQ {lloq:g}")
        rows_of_panels.append([left, right])
    chart = Chart(rows_of_panels or [[Panel()]], WIDE, [290] * max(len(analytes), 1),
                  group_legend(colors, title="Dose level"))
    return render(chart, "kinetics", "Cellular kinetics",
                  "ADPC: CAR-positive cells and transgene copies by time from infusion (AFRLT; medians by nominal "
                  "time NFRLT). Log scale; values below the lower limit of quantification (dotted line) are drawn "
                  "at half the LLOQ. The time axis is linear to day 28, logarithmic after.")


def nca_listing(adpp: pd.DataFrame) -> pd.DataFrame:
    """Per subject: Cmax, Tmax and AUC0-D90 of each analyte (ADPP.AVAL), units in the column names."""
    rows = adpp[adpp["PARAMCD"].str[:-2].isin(NCA)]
    units = rows[rows["AVALU"].ne("")].groupby("PARAMCD")["AVALU"].first()
    rows = rows.assign(column=rows["PARAMCD"] + " (" + rows["PARAMCD"].map(units).fillna("") + ")")
    order = [c for stem in NCA for c in rows.sort_values("PARAMCD")["column"].unique() if c.startswith(stem)]
    wide = rows.pivot_table(index=["USUBJID", "TRTA"], columns="column", values="AVAL", aggfunc="first")
    return wide.reindex(columns=order).reset_index().rename(columns={"USUBJID": "subject", "TRTA": "dose level"})


def kinetics_section(inputs: ReportInputs) -> list:
    adpp, groups = inputs.get("ADPP"), _groups_of(inputs)
    summary = kinetics(adpp, groups)
    units = adpp[adpp["AVALU"].ne("")].groupby("PARAM")["AVALU"].first()
    rows = [{"parameter": p["param"], "unit": units.get(p["param"], p["unit"]), "group": g, "n": r["n"],
             "median": r["median"], "min": r["min"], "max": r["max"], "geometric mean": r["geometric_mean"]}
            for p in summary.values() for g, r in p.items() if g not in ("param", "unit")]
    return [kinetics_figure(inputs.get("ADPC"), groups),
            Table(pd.DataFrame(rows), "Cmax, Tmax and AUC0-D90 by dose level",
                  "ADPP.AVAL summarised per dose level (the numbers of summary.json)."),
            Table(nca_listing(adpp), "Cmax, Tmax and AUC0-D90 per subject",
                  "ADPP.AVAL; empty where the parameter was not estimable (ADPP.PPREASND).")]


# ----------------------------------------------------------------------------------------------- tumour markers
def marker_table(changes: dict) -> pd.DataFrame:
    return pd.DataFrame([{"parameter": m["param"], "visit": v["visit"], "group": g, "n": r["n"],
                          "median change": r["median_chg"], "median % change": r["median_pchg"],
                          "min % change": r["min_pchg"], "max % change": r["max_pchg"],
                          "without change (no baseline or no number)": r["without_change"]}
                         for m in changes.values() for v in m["visits"] for g, r in v["groups"].items()])


def markers(inputs: ReportInputs) -> list:
    marker, groups = marker_records(inputs.get("ADLB")), _groups_of(inputs)
    changes = marker_changes(marker, groups)
    colors = _group_colors(groups)
    rows_of_panels = []
    for paramcd, summary in changes.items():
        rows = marker[marker["PARAMCD"].eq(paramcd) & marker["TRTA"].ne("")]
        post = rows[rows["PCHG"].notna() & rows["ADY"].ge(1)]
        base = rows[rows["ABLFL"].eq("Y") & rows["USUBJID"].isin(post["USUBJID"])].assign(ADY=0.0, PCHG=0.0)
        left, right = (Panel(title=f"{summary['param']}: {what}", ylabel="Change from baseline (%)", xlabel=xlabel)
                       for what, xlabel in (("per subject", STUDY_DAY),
                                            ("median by visit", "Analysis visit (target day)")))
        subject_color = rows.drop_duplicates("USUBJID").set_index("USUBJID")["TRTA"].map(colors)
        lines_by_subject(left, pd.concat([base, post]), x="ADY", y="PCHG", subject="USUBJID", colors=subject_color)
        for group in groups:
            points = [(v["visitnum"], v["groups"][group]["median_pchg"]) for v in summary["visits"]
                      if v["groups"][group]["median_pchg"] is not None]
            right.line([0] + [p[0] for p in points], [0] + [p[1] for p in points], color=colors[group],
                       marker="o", width=1.8, radius=3)
        for panel in (left, right):
            panel.hline(0.0, color="black", width=0.8)
        rows_of_panels.append([left, right])
    chart = Chart(rows_of_panels or [[Panel()]], WIDE, [290] * max(len(changes), 1),
                  group_legend(colors, title="Dose level"))
    return [render(chart, "tumour_markers", "CA19-9 and CEA, percent change from baseline",
                   "ADLB PCHG of CA19-9 and CEA. Left: every post-infusion value, one line per subject, coloured by "
                   "dose level (baseline at day 0, 0 %). Right: median percent change at each analysis visit "
                   "(ANL01FL = Y), as in the table below."),
            Table(marker_table(changes), "Change from baseline by analysis visit",
                  "ADLB CHG and PCHG of the analysis record of each visit (ANL01FL = Y); n counts the records "
                  "with a change, the last column those without (no baseline, or a result such as <0.1 that is no "
                  "number); also in summary.json (tumour_markers) and summary.md.")]


# ----------------------------------------------------------------------------------------------- adverse events
def crs_icans_figure(adae: pd.DataFrame, adsl: pd.DataFrame, groups: dict[str, float]) -> Rendered:
    """Share of a dose level's infused subjects with an ongoing CRS / ICANS event on each study day, stacked by
    grade: one scale for every panel that stays legible whether a cohort has 6 subjects or 160 (the title gives
    the number infused, the table below the counts)."""
    infused = adsl[adsl["SAFFL"].eq("Y")]["TRT01A"].value_counts()
    kinds = {"CRS": "CRSFL", "ICANS": "ICANSFL"}
    events = adae[adae[list(kinds.values())].eq("Y").any(axis=1) & adae["ASTDY"].notna()]
    last = int(max(28, events["AENDY"].fillna(events["ASTDY"]).max() if len(events) else 28))
    days = np.arange(1, last + 1)
    rows_of_panels = []
    for kind, flag in kinds.items():
        panels = []
        for group in groups:
            part = events[events[flag].eq("Y") & events["TRTA"].eq(group)]
            n = int(infused.get(group, 0))
            panel = Panel(title=f"{kind}, {group} ({n} infused)", xlabel=STUDY_DAY, y=Scale(limits=(0.0, 100.0)),
                          ylabel="Infused subjects with ongoing event (%)")
            worst = _worst_grade_by_day(part, days)
            bottom = np.zeros(len(days))
            for grade, color in GRADE_COLORS.items():
                counts = (worst == grade).sum(axis=0) * 100 / max(n, 1)
                bars(panel, days, counts, bottom=bottom, color=color, width=0.85)
                bottom += counts
            panels.append(panel)
        rows_of_panels.append(panels or [Panel(title=kind, y=Scale(limits=(0.0, 100.0)))])
    legend = Legend("Worst grade that day", [Entry(f"Grade {g}", c) for g, c in GRADE_COLORS.items()])
    chart = Chart(rows_of_panels, 480 * max(len(groups), 1) + 170, [220, 220], legend if groups else None,
                  share="xy")
    return render(chart, "crs_icans", "CRS and ICANS by grade and day",
                  "ADAE records with CRSFL or ICANSFL = Y (grade: ATOXGRN): percent of the dose level's infused "
                  "subjects (ADSL SAFFL) with an event ongoing from ASTDY to AENDY on each study day, by the worst "
                  "grade that day. The number of subjects with each event is in the table below.")


def _worst_grade_by_day(events: pd.DataFrame, days: np.ndarray) -> np.ndarray:
    """Per subject (rows, in order of first record) and study day (columns): the worst grade (ATOXGRN) among the
    subject's events ongoing that day, from ASTDY to AENDY (ASTDY alone when AENDY is missing); 0 when none."""
    start = events["ASTDY"].to_numpy(dtype=float)[:, None]
    end = events["AENDY"].fillna(events["ASTDY"]).to_numpy(dtype=float)[:, None]
    grades = np.where((start <= days) & (end >= days), events["ATOXGRN"].to_numpy(dtype=float)[:, None], 0.0)
    subjects, names = pd.factorize(events["USUBJID"])
    worst = np.zeros((len(names), len(days)))
    np.fmax.at(worst, subjects, grades)
    return worst


def crs_icans_table(adae: pd.DataFrame, adsl: pd.DataFrame, groups: dict[str, float]) -> pd.DataFrame:
    infused = adsl[adsl["SAFFL"].eq("Y")]
    rows = []
    for kind, flag in (("CRS", "CRSFL"), ("ICANS", "ICANSFL")):
        for group in [OVERALL, *groups]:
            n = int(len(infused) if group == OVERALL else infused["TRT01A"].eq(group).sum())
            ev = adae[adae[flag].eq("Y") & (adae["TRTA"].eq(group) if group != OVERALL else adae["TRTA"].ne(""))]
            worst = ev.groupby("USUBJID")["ATOXGRN"].max()
            first = ev.groupby("USUBJID")["ASTDY"].min()
            rows.append({"event": kind, "group": group, "infused": n, "any grade": int(len(worst)),
                         "grade >= 3": int((worst >= 3).sum()),
                         "median onset day": float(first.median()) if len(first) else None,
                         "median duration, days (ADURN)": float(ev["ADURN"].median()) if len(ev) else None})
    return pd.DataFrame(rows)


def related_table(adae: pd.DataFrame, groups: dict[str, float]) -> pd.DataFrame:
    return pd.DataFrame([{"group": g, "preferred term": t["term"], "subjects": t["subjects"],
                          "worst grade (subjects)": ", ".join(f"G{k}: {v}" for k, v in t["worst_grade"].items()),
                          "grade >= 3": t["grade_3_or_more"]}
                         for g, r in related_aes(adae, groups).items() for t in r["terms"]])


def cytopenia_table(adlb: pd.DataFrame, adsl: pd.DataFrame, groups: dict[str, float]) -> pd.DataFrame:
    """Subjects with a post-infusion grade >= 3 (and grade 4) haematology value, by parameter and dose level."""
    heme = adlb[adlb["PARCAT1"].eq(CYTOPENIA_CATEGORY) & adlb["ATOXGRN"].notna() & adlb["ADY"].ge(1)]
    infused = adsl[adsl["SAFFL"].eq("Y")]
    rows = []
    for param, part in heme.groupby("PARAM", sort=True):
        worst = part.groupby(["USUBJID", "TRTA"])["ATOXGRN"].max().reset_index()
        row = {"parameter": param}
        for group in [OVERALL, *groups]:
            mine = worst if group == OVERALL else worst[worst["TRTA"].eq(group)]
            n = int(len(infused) if group == OVERALL else infused["TRT01A"].eq(group).sum())
            row[f"{group}: grade >= 3 / grade 4 (of {n})"] = (f"{int((mine['ATOXGRN'] >= 3).sum())} / "
                                                             f"{int((mine['ATOXGRN'] >= 4).sum())}")
        rows.append(row)
    return pd.DataFrame(rows)


def adverse_events(inputs: ReportInputs) -> list:
    adae, adsl, groups = inputs.get("ADAE"), inputs.get("ADSL"), _groups_of(inputs)
    blocks: list = [crs_icans_figure(adae, adsl, groups),
                    Table(crs_icans_table(adae, adsl, groups), "CRS and ICANS by dose level",
                          "Subjects with the event (ADAE CRSFL / ICANSFL), worst grade, first onset day (ASTDY) "
                          "and median event duration (ADURN)."),
                    Table(related_table(adae, groups), "Treatment-related AEs starting Day 1-28",
                          "ADAE.TRAE28FL = Y, by preferred term and worst grade (the numbers of summary.json).")]
    if inputs.has("ADLB"):
        blocks.append(Table(cytopenia_table(inputs.get("ADLB"), adsl, groups), "Grade 3+ cytopenias",
                            "Subjects with a post-infusion haematology value (ADLB PARCAT1 HEMATOLOGY, ADY >= 1) "
                            "of grade >= 3 (ATOXGRN), and of grade 4."))
    else:
        blocks.append(Text("Grade 3+ cytopenias skipped: needs ADLB."))
    return blocks


# ------------------------------------------------------------------------------------ validation, reconciliation
def validation(inputs: ReportInputs) -> list:
    findings = inputs.get("FINDINGS")
    explained = findings["explanation"].ne("")
    errors = findings["severity"].eq("error")
    counts = (findings.assign(records=findings["count"].astype(int), explained=explained.map({True: "yes",
                                                                                             False: ""}))
              .groupby(["severity", "rule", "explained"], sort=True)["records"].sum().reset_index())
    return [Text(f"{len(findings)} finding(s), one per rule and dataset: {int((errors & ~explained).sum())} "
                 f"unexplained error(s), {int((errors & explained).sum())} error(s) explained by the sponsor, "
                 f"{int(findings['severity'].eq('warning').sum())} warning(s)."),
            Table(counts, "Findings by severity and rule"),
            Table(findings, "All findings", "validation/report.json; report.html beside it shows each finding's "
                                            "records (docs/VALIDATION.md and docs/RULES.md explain each rule).")]


def reconciliation(inputs: ReportInputs) -> list:
    counts = ("ROWS", "MAPPED", "REJECTED", "UNACCOUNTED")
    rec = inputs.get("RECONCILIATION").astype({c: int for c in counts})
    totals = {c: int(rec[c].sum()) for c in counts}
    return [Text(f"{totals['ROWS']} raw rows in {len(rec)} forms: {totals['MAPPED']} mapped, "
                 f"{totals['REJECTED']} rejected with a reason, {totals['UNACCOUNTED']} unaccounted."),
            Table(rec, "Raw rows per form", "reconciliation/summary.csv; every rejected row is listed with its "
                                            "reason in reconciliation/rejections.csv.")]


PLANS = [
    SectionPlan("glance", "Study at a glance", ("ADSL",), glance),
    SectionPlan("escalation", "Dose escalation: 3+3 decisions and DLTs", ("ADSL", "ADAE"), escalation),
    SectionPlan("swimmer", "Swimmer plot", ("ADSL", "ADRS"), swimmer),
    SectionPlan("waterfall", "Waterfall of best percent change", ("ADSL", "ADTR", "ADRS"), waterfall),
    SectionPlan("spider", "Spider plot", ("ADSL", "ADTR", "ADRS"), spider),
    SectionPlan("survival", "Progression-free and overall survival", ("ADSL", "ADTTE"), survival),
    SectionPlan("kinetics", "Cellular kinetics", ("ADSL", "ADPC", "ADPP"), kinetics_section),
    SectionPlan("markers", "Tumour markers: CA19-9 and CEA", ("ADSL", "ADLB"), markers),
    SectionPlan("safety", "Adverse events: CRS, ICANS, related AEs, cytopenias", ("ADSL", "ADAE"), adverse_events),
    SectionPlan("validation", "Validation summary", ("FINDINGS",), validation),
    SectionPlan("reconciliation", "Raw-to-SDTM reconciliation", ("RECONCILIATION",), reconciliation),
]
