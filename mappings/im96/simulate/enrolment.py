"""Subject-level forms: ic, ie, dm, mh, visit, ds, dth, nact."""
from __future__ import annotations

import datetime as dt

from mappings.im96.simulate._base import SITEID, chance, fdate, fpartial, pick, rng_for
from mappings.im96.simulate.meddra import coded_fields
from mappings.im96.simulate.story import CONDITIONS, SCREEN_FAILURE, Subject

PROTOCOL_V2 = dt.date(2024, 9, 16)  # amendment 1 approved: later consents and re-consents use version 2.0

# IECRIT: the protocol's eligibility criteria (also the source of the trial-design TI dataset)
CRITERIA: tuple[tuple[str, str], ...] = (
    ("IN01", "Age 18 to 75 years at the time of signing informed consent"),
    ("IN02", "Histologically confirmed adenocarcinoma of the colon or rectum with unresectable metastatic disease"),
    ("IN03", "Disease progression on or intolerance to at least two prior lines of standard systemic therapy "
             "including fluoropyrimidine, oxaliplatin and irinotecan"),
    ("IN04", "Tumour tissue positive for guanylyl cyclase C (GCC) by central immunohistochemistry"),
    ("IN05", "At least one measurable lesion according to RECIST 1.1"),
    ("IN06", "ECOG performance status 0 or 1"),
    ("IN07", "Life expectancy of at least 12 weeks"),
    ("IN08", "Adequate organ function: ANC >= 1.5x10^9/L, platelets >= 75x10^9/L, haemoglobin >= 8 g/dL, "
             "creatinine clearance >= 60 mL/min, ALT and AST <= 3 x ULN (<= 5 x ULN with liver metastases)"),
    ("IN09", "Adequate venous access for apheresis and no contraindication to leukapheresis"),
    ("IN10", "Women of childbearing potential: negative pregnancy test and agreement to use effective contraception"),
    ("EX01", "Symptomatic or untreated central nervous system metastases"),
    ("EX02", "Prior CAR-T cell therapy or other genetically modified cell therapy"),
    ("EX03", "Active uncontrolled infection, or active hepatitis B, hepatitis C or HIV infection"),
    ("EX04", "Clinically significant cardiovascular disease (NYHA class III or IV heart failure, myocardial "
             "infarction or unstable angina within 6 months, uncontrolled arrhythmia)"),
    ("EX05", "Systemic corticosteroids above 10 mg/day prednisone equivalent within 14 days before apheresis"),
    ("EX06", "Active autoimmune disease requiring systemic treatment within the past 2 years"),
    ("EX07", "Bowel obstruction or clinically significant gastrointestinal bleeding within 4 weeks"),
    ("EX08", "Prior allogeneic stem cell or solid organ transplantation"),
    ("EX09", "Other malignancy within 5 years except adequately treated non-melanoma skin cancer or carcinoma in situ"),
    ("EX10", "Pregnant or breastfeeding"),
)
SCREEN_FAIL_REASONS = (("IN04",), ("IN08", "EX05"), ("IN05",), ("EX07",))
PRIMARY = ("Adenocarcinoma of the colon",) * 3 + ("Adenocarcinoma of the sigmoid colon", "Adenocarcinoma of the rectum")
METASTASES = {"LIVER": "Liver metastases", "LUNG": "Lung metastases", "LYMPH NODE": "Lymph node metastases",
              "PERITONEUM": "Peritoneal metastases", "ADRENAL GLAND": "Adrenal metastasis",
              "BONE": "Bone metastasis", "PLEURA": "Malignant pleural effusion"}
# MHTERM verbatim -> the MedDRA LLT the EDC codes it to (hierarchy in meddra.CODING). The primary tumour is
# coded to Colon cancer / Rectal cancer, the terms the public sources of meddra.py confirm.
MH_CODED = {"Adenocarcinoma of the colon": "Colon cancer", "Adenocarcinoma of the sigmoid colon": "Colon cancer",
            "Adenocarcinoma of the rectum": "Rectal cancer", "Liver metastases": "Metastases to liver",
            "Lung metastases": "Metastases to lung", "Lymph node metastases": "Metastases to lymph nodes",
            "Peritoneal metastases": "Metastases to peritoneum", "Adrenal metastasis": "Metastases to adrenals",
            "Bone metastasis": "Metastases to bone", "Malignant pleural effusion": "Malignant pleural effusion",
            "Hypertension": "Hypertension", "Type 2 diabetes mellitus": "Type 2 diabetes mellitus",
            "Hyperlipidaemia": "Hyperlipidaemia",
            "Gastro-oesophageal reflux disease": "Gastrooesophageal reflux disease",
            "Hypothyroidism": "Hypothyroidism", "Osteoarthritis of the knees": "Osteoarthritis",
            "Appendicectomy": "Appendicectomy", "Cholecystectomy": "Cholecystectomy", "Depression": "Depression"}
NEW_THERAPIES = ("Regorafenib", "TAS-102", "Fruquintinib", "TAS-102 + bevacizumab", "Raltitrexed")


def ic_rows(s: Subject) -> list[dict]:
    """Consent, plus re-consent to protocol version 2.0 at the first visit after the amendment."""
    consent = s.date(s.consent_day)
    rows = [{"SUBJID": s.subjid, "SITEID": SITEID, "ICDAT": fdate(consent),
             "ICVER": "2.0" if consent >= PROTOCOL_V2 else "1.0"}]
    if consent < PROTOCOL_V2:
        later = [s.date(d) for _, d in s.visits if s.date(d) >= PROTOCOL_V2 and d <= s.last_day]
        if later:
            rows.append({"SUBJID": s.subjid, "SITEID": SITEID, "ICDAT": fdate(min(later)), "ICVER": "2.0"})
    return rows


def eligibility_date(s: Subject) -> dt.date:
    return s.date(s.visits[0][1]) + dt.timedelta(days=1 + s.no % 2)


def unmet_criteria(s: Subject) -> tuple[str, ...]:
    return pick(rng_for(s.seed, s.no, "ie"), SCREEN_FAIL_REASONS) if s.kind == SCREEN_FAILURE else ()


def ie_rows(s: Subject) -> list[dict]:
    met = "N" if s.kind == SCREEN_FAILURE else "Y"
    date = fdate(eligibility_date(s))
    return [{"SUBJID": s.subjid, "IEYN": met, "IETESTCD": code, "IEDAT": date}
            for code in ("",) + unmet_criteria(s)]


def dm_rows(s: Subject) -> list[dict]:
    rng = rng_for(s.seed, s.no, "dm")
    unknown = "month" if chance(rng, 0.6) else "day" if chance(rng, 0.5) else ""
    return [{"SUBJID": s.subjid, "BRTHDAT": fpartial(s.birth, unknown), "SEX": s.sex, "RACE": s.race,
             "ETHNIC": s.ethnic}]


def mh_rows(s: Subject) -> list[dict]:
    """Primary diagnosis and metastatic sites (PRIMARY DIAGNOSIS), then comorbidities (GENERAL)."""
    rng = rng_for(s.seed, s.no, "mh")
    consent = s.date(s.consent_day)
    lines = [(pick(rng, PRIMARY), "PRIMARY DIAGNOSIS", s.diagnosis, "day" if chance(rng, 0.5) else "", True, None)]
    organs = ["LIVER"] if s.tumour is None else [les.loc for les in s.tumour.targets + s.tumour.non_targets]
    for organ in dict.fromkeys(organs):
        found = s.diagnosis + dt.timedelta(days=int(rng.integers(0, max(1, (consent - s.diagnosis).days - 30))))
        lines.append((METASTASES[organ], "PRIMARY DIAGNOSIS", found, "day" if chance(rng, 0.6) else "", True, None))
    for i in s.conditions:
        term, ongoing, _ = CONDITIONS[i]
        start = s.diagnosis - dt.timedelta(days=int(rng.integers(200, 6000)))
        unknown = pick(rng, ("month", "day", "day", ""))
        lines.append((term, "GENERAL", start, unknown, ongoing, None if ongoing else start))
    return [{"SUBJID": s.subjid, "MHSEQ": str(seq), "MHTERM": term, **coded_fields("MH", MH_CODED[term]),
             "MHCAT": cat, "MHSTDAT": fpartial(start, unknown), "MHONGO": "Y" if ongoing else "N",
             "MHENDAT": fpartial(end, unknown) if end else ""}
            for seq, (term, cat, start, unknown, ongoing, end) in enumerate(lines, start=1)]


def visit_rows(s: Subject) -> list[dict]:
    return [{"SUBJID": s.subjid, "VISIT": v, "VISDAT": fdate(s.date(d))} for v, d in s.visits]


def ds_rows(s: Subject) -> list[dict]:
    """End of screening, end of treatment (infusion received or not), end of study (none while ongoing)."""
    screened = fdate(eligibility_date(s))
    if s.kind == SCREEN_FAILURE:
        criteria = ", ".join(unmet_criteria(s))
        return [{"SUBJID": s.subjid, "DSEPOCH": "SCREENING", "DSDECOD": "SCREEN FAILURE",
                 "DSTERM": f"Did not meet eligibility criteria {criteria}", "DSSTDAT": screened}]
    rows = [{"SUBJID": s.subjid, "DSEPOCH": "SCREENING", "DSDECOD": "COMPLETED",
             "DSTERM": "Eligible; enrolled and scheduled for apheresis", "DSSTDAT": screened}]
    if s.infused:
        rows.append({"SUBJID": s.subjid, "DSEPOCH": "TREATMENT", "DSDECOD": "COMPLETED",
                     "DSTERM": "Received IM96 CAR-T infusion", "DSSTDAT": fdate(s.day1)})
    if s.end:
        decod, day, term, epoch = s.end
        rows.append({"SUBJID": s.subjid, "DSEPOCH": epoch, "DSDECOD": decod, "DSTERM": term,
                     "DSSTDAT": fdate(s.date(day))})
    return rows


def dth_rows(s: Subject) -> list[dict]:
    if not s.death:
        return []
    day, cause = s.death
    return [{"SUBJID": s.subjid, "DTHDAT": fdate(s.date(day)), "DTHCAUS": cause, "DTHAUTOP": "N"}]


def nact_rows(s: Subject) -> list[dict]:
    """New anticancer therapy after progression: one line, a second for those who live long enough."""
    if s.profile is None or not s.profile.new_therapy or s.pd_day is None:
        return []
    rng = rng_for(s.seed, s.no, "nact")
    prior = {drug for line in s.prior_lines for drug in line[0]}
    options = [t for t in NEW_THERAPIES if t not in prior]
    start = s.pd_day + int(rng.integers(10, 20))
    starts = [start]
    if s.death and s.death[0] - start > 120:
        starts.append(start + int(rng.integers(70, 100)))
    rows = []
    for seq, begin in enumerate(starts, start=1):
        if begin > s.last_day:
            break
        stop = starts[seq] - int(rng.integers(5, 12)) if seq < len(starts) else (
            s.death[0] - int(rng.integers(3, 15)) if s.death else None)
        stop = max(stop, begin) if stop is not None else None
        rows.append({"SUBJID": s.subjid, "NACTSEQ": str(seq), "NACTTRT": options[(s.no + seq) % len(options)],
                     "NACTSTDAT": fdate(s.date(begin)), "NACTENDAT": fdate(s.date(stop)) if stop else ""})
    return rows
