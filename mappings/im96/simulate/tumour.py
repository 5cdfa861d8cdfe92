"""RECIST 1.1 tumour assessments: lesions chosen at screening, measured at each assessment, and the
investigator's response derived from the measurements (forms tl, ntl, nl, rs).

The single deliberate investigator disagreement: for the first subject with the SD_DURABLE course, at
MONTH 6, the target sum is down 20-29 % from baseline (SD by RECIST) but the investigator recorded TRGRESP and
OVRLRESP = PR (bundled export: see the module docstring of `mappings.im96.simulate`).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from mappings.im96.simulate._base import ASSESSMENTS, chance, fdate, pick
from mappings.im96.simulate.story import INFUSED, SCREEN_FAILURE, Subject

TSTM = "TOO SMALL TO MEASURE"
TSTM_MM = 5  # RECIST 1.1: a lesion too small to measure counts as 5 mm

# organ, nodal, descriptions, laterality choices, baseline size range (mm; nodes: short axis)
ORGANS = (
    ("LIVER", False, ("Segment II", "Segment IV", "Segment V", "Segment VI", "Segment VII", "Segment VIII"), ("",),
     (15, 62)),
    ("LUNG", False, ("upper lobe", "lower lobe"), ("LEFT", "RIGHT"), (10, 28)),
    ("LYMPH NODE", True, ("Para-aortic", "Mesenteric", "Porta hepatis", "Iliac"), ("",), (15, 30)),
    ("PERITONEUM", False, ("Omental nodule", "Pelvic peritoneal deposit"), ("",), (12, 34)),
    ("ADRENAL GLAND", False, ("Adrenal mass",), ("LEFT", "RIGHT"), (12, 30)),
)
ORGAN_WEIGHTS = (0.45, 0.2, 0.15, 0.12, 0.08)
NON_TARGETS = (
    ("LIVER", "Multiple small liver lesions"),
    ("PERITONEUM", "Peritoneal nodules"),
    ("LUNG", "Small bilateral lung nodules"),
    ("BONE", "Sclerotic lesion L3 vertebra"),
    ("PLEURA", "Right pleural effusion"),
    ("LYMPH NODE", "Retroperitoneal lymph nodes"),
)
NEW_LESIONS = (("LIVER", "New lesion segment III"), ("LUNG", "New right lower lobe nodule"),
               ("PERITONEUM", "New peritoneal deposit"))


@dataclass(frozen=True)
class Lesion:
    lid: str
    loc: str
    desc: str
    lat: str = ""
    nodal: bool = False
    method: str = "CT SCAN"
    size: int = 0  # baseline diameter (targets)


@dataclass
class Assessment:
    visit: str
    day: int
    burden: float                                   # target sum relative to baseline, as planned
    sizes: dict[str, str] = field(default_factory=dict)   # TLID -> TLDIAM text ("" = not evaluated)
    status: dict[str, str] = field(default_factory=dict)  # NTLID -> NTLSTAT
    new: list[Lesion] = field(default_factory=list)
    reported: tuple[str, str, str, str] = ("", "", "", "")  # TRGRESP, NTRGRESP, NEWLES, OVRLRESP
    derived: tuple[str, str, str, str] = ("", "", "", "")


@dataclass
class TumourPlan:
    targets: list[Lesion]
    non_targets: list[Lesion]
    assessments: list[Assessment]  # the first is the SCREENING baseline


def plan_tumour(s: Subject, rng: np.random.Generator) -> TumourPlan | None:
    if s.kind == SCREEN_FAILURE:
        return None
    mri_liver = chance(rng, 0.2)
    targets = choose_targets(rng, mri_liver)
    non_targets = choose_non_targets(rng, s)
    screening = s.visit_day("SCREENING")
    baseline = Assessment("SCREENING", screening + int(rng.integers(0, 3)), 1.0,
                          sizes={t.lid: str(t.size) for t in targets},
                          status={n.lid: "PRESENT" for n in non_targets})
    plan = TumourPlan(targets, non_targets, [baseline])
    if s.kind == INFUSED:
        for i, factor in enumerate(s.profile.burden):
            visit = ASSESSMENTS[i]
            day = s.visit_day(visit)
            if day is None:
                break
            if s.pd_day is not None and i == len(s.profile.burden) - 1:
                day = s.pd_day
            else:
                day -= int(rng.integers(0, 3))
            plan.assessments.append(measure(s, plan, Assessment(visit, day, factor), rng))
        respond(s, plan)
    return plan


def choose_targets(rng: np.random.Generator, mri_liver: bool) -> list[Lesion]:
    """2-5 target lesions, at most 2 per organ, summing to at least 40 mm."""
    n = int(rng.integers(2, 6))
    per_organ: dict[str, int] = {}
    targets: list[Lesion] = []
    while len(targets) < n:
        organ, nodal, descs, lats, (lo, hi) = ORGANS[int(rng.choice(len(ORGANS), p=ORGAN_WEIGHTS))]
        if per_organ.get(organ, 0) == 2:
            continue
        per_organ[organ] = per_organ.get(organ, 0) + 1
        lat = pick(rng, lats)
        desc = pick(rng, descs)
        desc = f"{lat.title()} {desc}" if organ == "LUNG" else desc
        method = "MRI" if organ == "LIVER" and mri_liver else "CT SCAN"
        targets.append(Lesion(f"T{len(targets) + 1:02d}", organ, desc, lat, nodal, method, int(rng.integers(lo, hi))))
    short = 40 - sum(t.size for t in targets)
    if short > 0:
        first = targets[0]
        targets[0] = Lesion(first.lid, first.loc, first.desc, first.lat, first.nodal, first.method, first.size + short)
    return targets


def choose_non_targets(rng: np.random.Generator, s: Subject) -> list[Lesion]:
    n = int(rng.integers(0, 4))
    if s.profile is not None and s.profile.nt_progression_at:
        n = max(n, 1)
    picks = rng.permutation(len(NON_TARGETS))[:n]
    return [Lesion(f"NT{i + 1:02d}", NON_TARGETS[j][0], NON_TARGETS[j][1]) for i, j in enumerate(sorted(picks))]


def measure(s: Subject, plan: TumourPlan, a: Assessment, rng: np.random.Generator) -> Assessment:
    """Lesion values at one assessment, following the planned burden (with 2 % measurement noise)."""
    p = s.profile
    complete = bool(p.cr_from) and ASSESSMENTS.index(a.visit) >= ASSESSMENTS.index(p.cr_from)
    for t in plan.targets:
        if complete:
            size = 5 + t.size % 4 if t.nodal else 0  # a normal-sized node stays put
        else:
            size = max(0, round(t.size * a.burden * (1 + rng.normal(0, 0.02))))
        a.sizes[t.lid] = TSTM if (not t.nodal and 0 < size < TSTM_MM) else str(size)
    if a.visit == p.tstm_at:
        smallest = min((t for t in plan.targets if not t.nodal), key=lambda t: t.size, default=None)
        if smallest is not None:
            a.sizes[smallest.lid] = TSTM
    if s.special and a.visit == p.ne_at:
        a.sizes[plan.targets[-1].lid] = ""
    for i, n in enumerate(plan.non_targets):
        progressed = a.visit == p.nt_progression_at and i == 0
        a.status[n.lid] = "ABSENT" if complete else "UNEQUIVOCAL PROGRESSION" if progressed else "PRESENT"
    if a.visit == p.new_lesion_at:
        loc, desc = pick(rng, NEW_LESIONS)
        a.new.append(Lesion("NL01", loc, desc))
    return a


def target_sum(plan: TumourPlan, a: Assessment) -> int:
    return sum(TSTM_MM if v == TSTM else int(v) for v in a.sizes.values() if v != "")


def target_response(plan: TumourPlan, a: Assessment, nadir: int) -> str:
    """RECIST 1.1 target response: PD (>= 20 % and >= 5 mm over the nadir), CR, PR (>= 30 % below baseline), SD."""
    total = target_sum(plan, a)
    if total >= 1.2 * nadir and total - nadir >= 5:
        return "PD"
    if "" in a.sizes.values():
        return "NE"
    nodal = {t.lid: t.nodal for t in plan.targets}
    if all((nodal[k] and v != TSTM and int(v) < 10) or (not nodal[k] and v == "0") for k, v in a.sizes.items()):
        return "CR"
    if total <= 0.7 * target_sum(plan, plan.assessments[0]):
        return "PR"
    return "SD"


def non_target_response(a: Assessment) -> str:
    states = set(a.status.values())
    if not states:
        return "NA"
    if "UNEQUIVOCAL PROGRESSION" in states:
        return "PD"
    if "NOT EVALUATED" in states:
        return "NE"
    return "CR" if states == {"ABSENT"} else "NON-CR/NON-PD"


def overall_response(target: str, non_target: str, new: str) -> str:
    """RECIST 1.1 Table 1 (subjects with target disease)."""
    if "PD" in (target, non_target) or new == "Y":
        return "PD"
    if target == "CR":
        return "CR" if non_target in ("CR", "NA") else "PR"
    return target


def respond(s: Subject, plan: TumourPlan) -> None:
    """Derive each visit's responses; copy them as the investigator's, except the one disagreement."""
    nadir = target_sum(plan, plan.assessments[0])
    for a in plan.assessments[1:]:
        trg = target_response(plan, a, nadir)
        ntrg = non_target_response(a)
        new = "Y" if a.new else "N"
        a.derived = (trg, ntrg, new, overall_response(trg, ntrg, new))
        a.reported = a.derived
        if s.special and a.visit == s.profile.disagree_at and a.derived == ("SD", ntrg, "N", "SD"):
            a.reported = ("PR", ntrg, "N", "PR")
        if trg != "NE":
            nadir = min(nadir, target_sum(plan, a))


def not_evaluated_reason(t: Lesion) -> str:
    if t.loc == "LUNG":
        return "Chest not imaged at this visit (abdomen-only scan)"
    return "Lesion obscured by artefact"


def tl_rows(s: Subject) -> list[dict]:
    rows = []
    for a in s.tumour.assessments if s.tumour else []:
        for t in s.tumour.targets:
            value = a.sizes[t.lid]
            rows.append({"SUBJID": s.subjid, "VISIT": a.visit, "TLDAT": fdate(s.date(a.day)), "TLID": t.lid,
                         "TLLOC": t.loc, "TLLAT": t.lat, "TLDESC": t.desc, "TLNODAL": "Y" if t.nodal else "N",
                         "TLMETH": t.method, "TLDIAM": value, "TLND": "Y" if value == "" else "",
                         "TLREASND": not_evaluated_reason(t) if value == "" else ""})
    return rows


def ntl_rows(s: Subject) -> list[dict]:
    return [{"SUBJID": s.subjid, "VISIT": a.visit, "NTLDAT": fdate(s.date(a.day)), "NTLID": n.lid, "NTLLOC": n.loc,
             "NTLDESC": n.desc, "NTLMETH": n.method, "NTLSTAT": a.status[n.lid]}
            for a in (s.tumour.assessments if s.tumour else []) for n in s.tumour.non_targets]


def nl_rows(s: Subject) -> list[dict]:
    return [{"SUBJID": s.subjid, "VISIT": a.visit, "NLDAT": fdate(s.date(a.day)), "NLID": n.lid, "NLLOC": n.loc,
             "NLDESC": n.desc, "NLMETH": n.method, "NLEQUIV": "Y"}
            for a in (s.tumour.assessments if s.tumour else []) for n in a.new]


def rs_rows(s: Subject) -> list[dict]:
    rows = []
    for a in (s.tumour.assessments[1:] if s.tumour else []):
        trg, ntrg, new, ovr = a.reported
        rows.append({"SUBJID": s.subjid, "VISIT": a.visit, "RSDAT": fdate(s.date(a.day)), "TRGRESP": trg,
                     "NTRGRESP": ntrg, "NEWLES": new, "OVRLRESP": ovr})
    return rows
