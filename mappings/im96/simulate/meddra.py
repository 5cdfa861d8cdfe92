"""The EDC's MedDRA coding table: every lowest level term the simulator codes to, with its place in the
hierarchy (LLT -> PT -> HLT -> HLGT -> primary SOC) and the codes. The study is coded with MedDRA 27.0
(`specs/im96/study.toml` meddra_version); MedDRA codes are permanent, so a code confirmed in an older
version is the same code in 27.0.

Only names and codes confirmed by a public source are filled in; everything else is blank (None), never
guessed. The sources, named per row in `source`:
- P01: the CDISC pilot 01 EDC export (pharmaverse/pharmaverseraw `ae_raw`, Apache 2.0), which carries
  MedDRA LLT and SOC codes; the rows used are copied to tests/fixtures/meddra_cdiscpilot01.csv, and a test
  checks this table against them.
- CTCAE: NCI CTCAE, whose every term is a MedDRA LLT with its code; read from a public transcription of the
  CTCAE v6.0 workbook (MedDRA 28.0) that agrees with P01 on the six LLT codes they share (Nausea, Diarrhea,
  Constipation, Fatigue, Headache, Fever).
- PT=LLT: every MedDRA PT is also an LLT of the same name and code, so a PT code follows from its
  same-named LLT code (and only from it).
- SOC codes: P01 for the SOCs it uses; Blood and lymphatic system disorders (10005329) and Endocrine
  disorders (10014698) from a public list of the 27 SOCs that agrees with P01 on all 23 SOCs P01 has.
Not verifiable here, hence blank: every HLT and HLGT (name and code; public copies disagree, e.g.
"Asthenic conditions" given as both 10003549 and 10003550), and the LLT/PT codes of Cytokine release
syndrome, Immune effector cell-associated neurotoxicity syndrome, Neutropenia, Anaemia, Pyrexia,
Diarrhoea, Hypokalaemia, and of the medical-history terms other than Colon cancer, Hypertension,
Gastrooesophageal reflux disease and Hypothyroidism. They must be filled from the licensed MedDRA 27.0
files (mdhier.asc, llt.asc) before these data could serve as a real coding export.
"""
from __future__ import annotations

from typing import NamedTuple


class Coding(NamedTuple):
    llt_code: int | None
    pt: str
    pt_code: int | None
    soc: str
    soc_code: int
    source: str
    hlt: str | None = None
    hlt_code: int | None = None
    hlgt: str | None = None
    hlgt_code: int | None = None


IMMUNE, NERVOUS = ("Immune system disorders", 10021428), ("Nervous system disorders", 10029205)
BLOOD, VASCULAR = ("Blood and lymphatic system disorders", 10005329), ("Vascular disorders", 10047065)
GENERAL = ("General disorders and administration site conditions", 10018065)
GI, METABOLISM = ("Gastrointestinal disorders", 10017947), ("Metabolism and nutrition disorders", 10027433)
RESPIRATORY = ("Respiratory, thoracic and mediastinal disorders", 10038738)
INFECTIONS = ("Infections and infestations", 10021881)
NEOPLASMS = ("Neoplasms benign, malignant and unspecified (incl cysts and polyps)", 10029104)
ENDOCRINE, PSYCHIATRIC = ("Endocrine disorders", 10014698), ("Psychiatric disorders", 10037175)
MUSCULOSKELETAL = ("Musculoskeletal and connective tissue disorders", 10028395)
PROCEDURES = ("Surgical and medical procedures", 10042613)

# LLT: (LLT code, PT, PT code, SOC, SOC code, source of the codes)
CODING: dict[str, Coding] = {
    # adverse events
    "Cytokine release syndrome": Coding(None, "Cytokine release syndrome", None, *IMMUNE, "SOC P01"),
    "Immune effector cell-associated neurotoxicity syndrome":
        Coding(None, "Immune effector cell-associated neurotoxicity syndrome", None, *NERVOUS, "SOC P01"),
    "Neutropenia": Coding(None, "Neutropenia", None, *BLOOD, "SOC list"),
    "Febrile neutropenia": Coding(10016288, "Febrile neutropenia", 10016288, *BLOOD, "LLT CTCAE, PT=LLT"),
    "Anaemia": Coding(None, "Anaemia", None, *BLOOD, "SOC list"),
    "Anemia": Coding(10002272, "Anaemia", None, *BLOOD, "LLT CTCAE"),
    "Thrombocytopenia": Coding(10043554, "Thrombocytopenia", 10043554, *BLOOD, "LLT CTCAE, PT=LLT"),
    "Hypotension": Coding(10021097, "Hypotension", 10021097, *VASCULAR, "P01, PT=LLT"),
    "Fever": Coding(10016558, "Pyrexia", None, *GENERAL, "P01"),
    "Pyrexia": Coding(None, "Pyrexia", None, *GENERAL, "SOC P01"),
    "Nausea": Coding(10028813, "Nausea", 10028813, *GI, "P01, PT=LLT"),
    "Fatigue": Coding(10016256, "Fatigue", 10016256, *GENERAL, "P01, PT=LLT"),
    "Tiredness": Coding(10043890, "Fatigue", 10016256, *GENERAL, "P01, PT=LLT"),
    "Diarrhoea": Coding(None, "Diarrhoea", None, *GI, "SOC P01"),
    "Diarrhea": Coding(10012727, "Diarrhoea", None, *GI, "P01"),
    "Headache": Coding(10019211, "Headache", 10019211, *NERVOUS, "P01, PT=LLT"),
    "Decreased appetite": Coding(10061428, "Decreased appetite", 10061428, *METABOLISM, "P01, PT=LLT"),
    "Anorexia": Coding(10002646, "Decreased appetite", 10061428, *METABOLISM, "LLT CTCAE, PT P01"),
    "Hypokalaemia": Coding(None, "Hypokalaemia", None, *METABOLISM, "SOC P01"),
    "Hypokalemia": Coding(10021018, "Hypokalaemia", None, *METABOLISM, "LLT CTCAE"),
    "Abdominal pain": Coding(10000081, "Abdominal pain", 10000081, *GI, "P01, PT=LLT"),
    "Constipation": Coding(10010774, "Constipation", 10010774, *GI, "P01, PT=LLT"),
    "Cough": Coding(10011224, "Cough", 10011224, *RESPIRATORY, "P01, PT=LLT"),
    "Sepsis": Coding(10040047, "Sepsis", 10040047, *INFECTIONS, "LLT CTCAE, PT=LLT"),
    # medical history
    "Colon cancer": Coding(10009944, "Colon cancer", 10009944, *NEOPLASMS, "P01, PT=LLT"),
    "Rectal cancer": Coding(None, "Rectal cancer", None, *NEOPLASMS, "SOC P01"),
    "Metastases to liver": Coding(None, "Metastases to liver", None, *NEOPLASMS, "SOC P01"),
    "Metastases to lung": Coding(None, "Metastases to lung", None, *NEOPLASMS, "SOC P01"),
    "Metastases to lymph nodes": Coding(None, "Metastases to lymph nodes", None, *NEOPLASMS, "SOC P01"),
    "Metastases to peritoneum": Coding(None, "Metastases to peritoneum", None, *NEOPLASMS, "SOC P01"),
    "Metastases to adrenals": Coding(None, "Metastases to adrenals", None, *NEOPLASMS, "SOC P01"),
    "Metastases to bone": Coding(None, "Metastases to bone", None, *NEOPLASMS, "SOC P01"),
    "Malignant pleural effusion": Coding(None, "Malignant pleural effusion", None, *NEOPLASMS, "SOC P01"),
    "Hypertension": Coding(10020772, "Hypertension", 10020772, *VASCULAR, "P01, PT=LLT"),
    "Type 2 diabetes mellitus": Coding(None, "Type 2 diabetes mellitus", None, *METABOLISM, "SOC P01"),
    "Hyperlipidaemia": Coding(None, "Hyperlipidaemia", None, *METABOLISM, "SOC P01"),
    "Gastrooesophageal reflux disease":
        Coding(10017885, "Gastrooesophageal reflux disease", 10017885, *GI, "P01, PT=LLT"),
    "Hypothyroidism": Coding(10021114, "Hypothyroidism", 10021114, *ENDOCRINE, "LLT CTCAE, PT=LLT, SOC list"),
    "Osteoarthritis": Coding(None, "Osteoarthritis", None, *MUSCULOSKELETAL, "SOC P01"),
    "Appendicectomy": Coding(None, "Appendicectomy", None, *PROCEDURES, "SOC P01"),
    "Cholecystectomy": Coding(None, "Cholecystectomy", None, *PROCEDURES, "SOC P01"),
    "Depression": Coding(None, "Depression", None, *PSYCHIATRIC, "SOC P01"),
}


def code_text(code: int | None) -> str:
    return "" if code is None else str(code)


def coded_fields(prefix: str, llt: str) -> dict[str, str]:
    """The coding columns of one coded term as the EDC exports them (`<prefix>LLT` ... `<prefix>SOCCD`)."""
    c = CODING[llt]
    return {f"{prefix}LLT": llt, f"{prefix}LLTCD": code_text(c.llt_code), f"{prefix}DECOD": c.pt,
            f"{prefix}PTCD": code_text(c.pt_code), f"{prefix}HLT": c.hlt or "", f"{prefix}HLTCD": code_text(c.hlt_code),
            f"{prefix}HLGT": c.hlgt or "", f"{prefix}HLGTCD": code_text(c.hlgt_code), f"{prefix}BODSYS": c.soc,
            f"{prefix}SOCCD": code_text(c.soc_code)}
