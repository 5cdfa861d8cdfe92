"""Cell collection and treatment (apher, ld, inf) and medications (cm)."""
from __future__ import annotations

import math

from mappings.im96.simulate._base import chance, fdate, fnum, fpartial, ftime, pick, rng_for
from mappings.im96.simulate.story import CONDITIONS, DOSE, INFUSED, Subject

# Lymphodepletion: drug, dose (mg/m2) on Days -5, -4, -3
LYMPHODEPLETION = (("FLUDARABINE", 30.0), ("CYCLOPHOSPHAMIDE", 500.0))
LD_DAYS = (-5, -4, -3)
FLU_REDUCTION = "Creatinine clearance fell to 55 mL/min before lymphodepletion: fludarabine reduced by 20%"

# Protocol-mandated supportive care of infused subjects:
# CMTRT, dose, unit, route, frequency, indication, first and last study day (None = ongoing)
SUPPORTIVE = (
    ("Ondansetron", "8", "mg", "INTRAVENOUS", "QD", "Nausea prophylaxis during lymphodepletion", -5, -3),
    ("Allopurinol", "300", "mg", "ORAL", "QD", "Tumour lysis syndrome prophylaxis", -6, 14),
    ("Aciclovir", "400", "mg", "ORAL", "BID", "Antiviral prophylaxis", -5, None),
    ("Paracetamol", "650", "mg", "ORAL", "ONCE", "Premedication before CAR-T infusion", 1, 1),
    ("Chlorphenamine", "10", "mg", "INTRAVENOUS", "ONCE", "Premedication before CAR-T infusion", 1, 1),
    ("Levetiracetam", "500", "mg", "ORAL", "BID", "Seizure prophylaxis", 1, 30),
)
# Treatment of an AE (by AE key): CMTRT, dose, unit, route, frequency, CMINDC, days from AE onset, duration
AE_TREATMENTS = {
    "CRS": (("Paracetamol", "1", "g", "ORAL", "PRN", "fever", 0, 3),),
    "CRS2": (("Tocilizumab", "8", "mg/kg", "INTRAVENOUS", "ONCE", "CRS", 1, 0),),
    "CRS3": (("Dexamethasone", "10", "mg", "INTRAVENOUS", "Q6H", "CRS", 1, 3),),
    "ICANS2": (("Dexamethasone", "10", "mg", "INTRAVENOUS", "Q6H", "ICANS", 0, 3),),
    "ICANS4": (("Methylprednisolone", "1", "g", "INTRAVENOUS", "QD", "ICANS", 1, 2),
               ("Levetiracetam", "1000", "mg", "INTRAVENOUS", "BID", "ICANS", 0, 10)),
    "NEUT4": (("Filgrastim", "300", "ug", "SUBCUTANEOUS", "QD", "neutropenia", 1, 5),),
    "FN": (("Piperacillin/tazobactam", "4.5", "g", "INTRAVENOUS", "TID", "Febrile neutropenia", 0, 6),),
    "HYPOTENSION": (("Sodium chloride 0.9%", "500", "mL", "INTRAVENOUS", "ONCE", "hypotension", 0, 0),),
    "SEPSIS": (("Meropenem", "1", "g", "INTRAVENOUS", "TID", "Sepsis", 0, 6),
               ("Noradrenaline", "0.1", "ug/kg/min", "INTRAVENOUS", "CONTINUOUS", "Septic shock", 1, 4)),
    "NAUSEA": (("Metoclopramide", "10", "mg", "ORAL", "PRN", "nausea", 0, 3),),
    "DIARRHOEA": (("Loperamide", "2", "mg", "ORAL", "PRN", "Diarrhoea", 0, 4),),
    "ABDPAIN": (("Oxycodone", "10", "mg", "ORAL", "BID", "abdominal pain", 0, 30),),
}
UNIT_SPELLINGS = {"mg": ("mg", "mg", "mg", "MG", "Mg"), "ug": ("ug", "mcg", "ug"), "g": ("g", "g", "G")}


def apher_rows(s: Subject) -> list[dict]:
    day = s.visit_day("APHERESIS")
    if day is None:
        return []
    rng = rng_for(s.seed, s.no, "apher")
    return [{"SUBJID": s.subjid, "APHDAT": fdate(s.date(day)), "APHTIM": ftime(int(rng.integers(480, 600))),
             "APHVOL": fnum(float(rng.uniform(140, 260)), 0), "APHYN": "Y", "DOSELVL": str(s.dose_level)}]


def ld_rows(s: Subject) -> list[dict]:
    if not s.infused:
        return []
    rng = rng_for(s.seed, s.no, "ld")
    bsa = math.sqrt(s.height * s.weight / 3600)  # Mosteller
    reduced = chance(rng, 0.12)
    rows = []
    for drug, dose in LYMPHODEPLETION:
        adjusted = reduced and drug == "FLUDARABINE"
        for day in LD_DAYS:
            rows.append({"SUBJID": s.subjid, "LDDRUG": drug, "LDDAY": str(day), "LDDAT": fdate(s.date(day)),
                         "LDDOSE": fnum(dose * 0.8 if adjusted else dose, 0), "LDDOSU": "mg/m2",
                         "LDBSA": fnum(bsa, 2), "LDADJ": FLU_REDUCTION if adjusted else ""})
    return rows


def inf_rows(s: Subject) -> list[dict]:
    if not s.infused:
        return []
    rng = rng_for(s.seed, s.no, "inf dose")
    start, end = infusion_times(s)
    target = DOSE[s.dose_level]
    dose = target * float(rng.uniform(0.94, 0.99)) if chance(rng, 0.25) else target
    return [{"SUBJID": s.subjid, "INFDAT": fdate(s.day1), "INFSTTIM": ftime(start),
             "INFENTIM": ftime(end), "INFDOSE": fnum(dose, 1),
             "INFDOSU": "x10^8 cells", "DOSELVL": str(s.dose_level),
             "LOTNO": f"IM96-{s.day1.year % 100:02d}{s.day1.month:02d}-{s.no:03d}"}]


def infusion_times(s: Subject) -> tuple[int, int]:
    """Start and end of the CAR-T infusion, in minutes after midnight."""
    rng = rng_for(s.seed, s.no, "inf")
    start = int(rng.integers(9 * 60 + 30, 11 * 60 + 30))
    return start, start + int(rng.integers(10, 35))


def cm_rows(s: Subject) -> list[dict]:
    """Prior cancer therapy, background medication of the medical history, supportive care, AE treatment."""
    rng = rng_for(s.seed, s.no, "cm")
    rows = prior_therapy(s, rng) + background(s, rng)
    if s.kind == INFUSED:
        rows += [on_study(s, rng, item, None) for item in SUPPORTIVE]
    rows += [on_study(s, rng, item, e) for e in s.aes for item in ae_treatments(e)]
    rows = [r for r in rows if r is not None]
    for seq, row in enumerate(rows, start=1):
        row["CMSEQ"] = str(seq)
    return rows


def cm_row(s: Subject, **values: str) -> dict:
    row = dict.fromkeys(("CMSEQ", "CMTRT", "CMCAT", "CMINDC", "CMDOSE", "CMDOSU", "CMROUTE", "CMFREQ", "CMSTDAT",
                         "CMSTTIM", "CMENDAT", "CMONGO", "CMAENO"), "")
    return {"SUBJID": s.subjid, **row, **values}


def prior_therapy(s: Subject, rng) -> list[dict]:
    rows = []
    for drugs, route, freq, start, end in s.prior_lines:
        for drug in drugs:
            rows.append(cm_row(s, CMTRT=drug, CMCAT="PRIOR CANCER THERAPY",
                               CMINDC=pick(rng, ("Metastatic colorectal cancer", "mCRC", "Colon cancer")),
                               CMROUTE=route, CMFREQ=freq, CMSTDAT=fpartial(start, pick(rng, ("day", "day", ""))),
                               CMENDAT=fpartial(end, pick(rng, ("day", "", ""))), CMONGO="N"))
    return rows


def background(s: Subject, rng) -> list[dict]:
    rows = []
    for i in s.conditions:
        term, ongoing, med = CONDITIONS[i]
        if med is None:
            continue
        trt, dose, unit, route, freq = med
        rows.append(cm_row(s, CMTRT=trt, CMCAT="CONCOMITANT", CMINDC=term, CMDOSE=dose, CMDOSU=spell(rng, unit),
                           CMROUTE=route, CMFREQ=freq, CMSTDAT=fpartial(s.diagnosis, pick(rng, ("month", "day"))),
                           CMONGO="Y"))
    return rows


def ae_treatments(e) -> tuple:
    keys = [e.key]
    if e.key in ("CRS", "ICANS", "NEUT"):
        keys += [f"{e.key}{g}" for g in range(2, e.grade + 1)]
    return tuple(item for k in keys for item in AE_TREATMENTS.get(k, ()))


def on_study(s: Subject, rng, item: tuple, ae) -> dict | None:
    """One on-study medication; dates relative to the AE it treats (CMAENO) or to infusion."""
    trt, dose, unit, route, freq, indication, first, last = item
    if ae is not None:
        first, last = ae.start + first, ae.start + first + last
    if first > s.last_day:
        return None
    ongoing = last is None or last > s.last_day
    timed = ae is not None and ae.timed
    return cm_row(s, CMTRT=trt, CMCAT="CONCOMITANT", CMINDC=indication, CMDOSE=dose, CMDOSU=spell(rng, unit),
                  CMROUTE=route, CMFREQ=freq, CMSTDAT=fdate(s.date(first if first != 0 else 1)),
                  CMSTTIM=ftime(int(rng.integers(0, 1440))) if timed else "",
                  CMENDAT="" if ongoing else fdate(s.date(last if last != 0 else 1)), CMONGO="Y" if ongoing else "N",
                  CMAENO=str(ae.seq) if ae is not None else "")


def spell(rng, unit: str) -> str:
    """The unit as the site typed it."""
    return pick(rng, UNIT_SPELLINGS.get(unit, (unit,)))
