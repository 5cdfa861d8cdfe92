"""The export's own metadata: `dictionary.csv` (every field of every form) and `codelists.csv`."""
from __future__ import annotations

from mappings.im96.simulate._base import VISITS, visit_names
from mappings.im96.simulate.enrolment import CRITERIA

# field, label, type, codelist, required, key  (TYPE codes need a CODELIST; REQUIRED Y = never blank)
SUBJ = ("SUBJID", "Subject identifier", "text", "", "Y", "Y")


def visit(required: str = "Y", key: str = "Y") -> tuple[str, ...]:
    return ("VISIT", "Visit (EDC folder)", "code", "VISIT", required, key)


def yn(field: str, label: str, required: str = "Y", key: str = "N") -> tuple[str, ...]:
    return (field, label, "code", "NY", required, key)


def meddra(prefix: str) -> tuple[tuple[str, ...], ...]:
    """The coding columns of a MedDRA-coded term: names always, codes and HLT/HLGT where known (meddra.py)."""
    return ((f"{prefix}LLT", "MedDRA lowest level term", "text", "", "Y", "N"),
            (f"{prefix}LLTCD", "MedDRA LLT code", "integer", "", "N", "N"),
            (f"{prefix}DECOD", "MedDRA preferred term", "text", "", "Y", "N"),
            (f"{prefix}PTCD", "MedDRA PT code", "integer", "", "N", "N"),
            (f"{prefix}HLT", "MedDRA high level term", "text", "", "N", "N"),
            (f"{prefix}HLTCD", "MedDRA HLT code", "integer", "", "N", "N"),
            (f"{prefix}HLGT", "MedDRA high level group term", "text", "", "N", "N"),
            (f"{prefix}HLGTCD", "MedDRA HLGT code", "integer", "", "N", "N"),
            (f"{prefix}BODSYS", "MedDRA primary system organ class", "text", "", "Y", "N"),
            (f"{prefix}SOCCD", "MedDRA primary SOC code", "integer", "", "Y", "N"))


FORMS: dict[str, tuple[tuple[str, ...], ...]] = {
    "ic": (SUBJ, ("SITEID", "Site identifier", "text", "", "Y", "N"),
           ("ICDAT", "Date informed consent signed", "date", "", "Y", "N"),
           ("ICVER", "Protocol version consented to", "code", "PROTVER", "Y", "Y")),
    "ie": (SUBJ, yn("IEYN", "All eligibility criteria met"),
           ("IETESTCD", "Criterion not met (blank on the summary row)", "code", "IECRIT", "N", "Y"),
           ("IEDAT", "Date eligibility assessed", "date", "", "Y", "N")),
    "dm": (SUBJ, ("BRTHDAT", "Date of birth", "date", "", "Y", "N"), ("SEX", "Sex", "code", "SEX", "Y", "N"),
           ("RACE", "Race", "code", "RACE", "Y", "N"), ("ETHNIC", "Ethnicity", "code", "ETHNIC", "Y", "N")),
    "mh": (SUBJ, ("MHSEQ", "Medical history line number", "integer", "", "Y", "Y"),
           ("MHTERM", "Medical history term", "text", "", "Y", "N"), *meddra("MH"),
           ("MHCAT", "Medical history category", "code", "MHCAT", "Y", "N"),
           ("MHSTDAT", "Start date", "date", "", "Y", "N"), yn("MHONGO", "Ongoing"),
           ("MHENDAT", "End date", "date", "", "N", "N")),
    "cm": (SUBJ, ("CMSEQ", "Medication line number", "integer", "", "Y", "Y"),
           ("CMTRT", "Medication or therapy", "text", "", "Y", "N"),
           ("CMCAT", "Medication category", "code", "CMCAT", "Y", "N"),
           ("CMINDC", "Indication", "text", "", "Y", "N"), ("CMDOSE", "Dose per administration", "float", "", "N", "N"),
           ("CMDOSU", "Dose unit (as written)", "text", "", "N", "N"), ("CMROUTE", "Route", "code", "ROUTE", "Y", "N"),
           ("CMFREQ", "Frequency", "code", "FREQ", "Y", "N"), ("CMSTDAT", "Start date", "date", "", "Y", "N"),
           ("CMSTTIM", "Start time", "time", "", "N", "N"), ("CMENDAT", "End date", "date", "", "N", "N"),
           yn("CMONGO", "Ongoing"), ("CMAENO", "AE line number (AESEQ) treated", "integer", "", "N", "N")),
    "apher": (SUBJ, ("APHDAT", "Apheresis date", "date", "", "Y", "N"),
              ("APHTIM", "Apheresis start time", "time", "", "N", "N"),
              ("APHVOL", "Apheresis product volume (mL)", "float", "", "N", "N"), yn("APHYN", "Apheresis performed"),
              ("DOSELVL", "Assigned dose level (cohort)", "code", "DOSELVL", "Y", "N")),
    "ld": (SUBJ, ("LDDRUG", "Lymphodepleting agent", "code", "LDDRUG", "Y", "Y"),
           ("LDDAY", "Lymphodepletion study day", "integer", "", "Y", "Y"),
           ("LDDAT", "Administration date", "date", "", "Y", "N"),
           ("LDDOSE", "Dose per administration", "float", "", "Y", "N"), ("LDDOSU", "Dose unit", "text", "", "Y", "N"),
           ("LDBSA", "Body surface area (m2)", "float", "", "Y", "N"),
           ("LDADJ", "Reason for dose adjustment", "text", "", "N", "N")),
    "inf": (SUBJ, ("INFDAT", "CAR-T infusion date", "date", "", "Y", "N"),
            ("INFSTTIM", "Infusion start time", "time", "", "Y", "N"),
            ("INFENTIM", "Infusion end time", "time", "", "Y", "N"),
            ("INFDOSE", "CAR-T cells infused (10^8 cells)", "float", "", "Y", "N"),
            ("INFDOSU", "Dose unit", "text", "", "Y", "N"), ("DOSELVL", "Dose level", "code", "DOSELVL", "Y", "N"),
            ("LOTNO", "Product lot number", "text", "", "Y", "N")),
    "ae": (SUBJ, ("AESEQ", "AE line number", "integer", "", "Y", "Y"),
           ("AETERM", "Adverse event (verbatim)", "text", "", "Y", "N"), *meddra("AE"),
           ("AESTDAT", "Start date", "date", "", "Y", "N"), ("AESTTIM", "Start time", "time", "", "N", "N"),
           ("AEENDAT", "End date", "date", "", "N", "N"), ("AEENTIM", "End time", "time", "", "N", "N"),
           yn("AEONGO", "Ongoing"), ("AETOXGR", "Toxicity grade", "code", "TOXGR", "Y", "N"),
           ("AETOXSCL", "Grading scale", "code", "TOXSCL", "Y", "N"), yn("AESER", "Serious"),
           yn("AESDTH", "Results in death"), yn("AESLIFE", "Is life threatening"),
           yn("AESHOSP", "Requires or prolongs hospitalization"),
           yn("AESDISAB", "Persistent or significant disability"),
           yn("AESCONG", "Congenital anomaly or birth defect"), yn("AESMIE", "Other medically important event"),
           ("AEREL", "Relationship to IM96 CAR-T", "code", "REL", "Y", "N"),
           ("AERELLD", "Relationship to lymphodepletion", "code", "REL", "N", "N"),
           ("AEACN", "Action taken with IM96 CAR-T", "code", "ACN", "Y", "N"),
           ("AEOUT", "Outcome", "code", "OUT", "Y", "N"), yn("AEDLT", "Dose-limiting toxicity (investigator)")),
    "vs": (SUBJ, visit(), ("VSDAT", "Assessment date", "date", "", "Y", "Y"),
           ("VSTIM", "Assessment time", "time", "", "N", "N"),
           ("VSTPT", "Time point", "code", "VSTPT", "N", "Y"),
           ("VSTEST", "Vital sign test", "code", "VSTEST", "Y", "Y"),
           ("VSORRES", "Result", "text", "", "N", "N"), ("VSORRESU", "Unit (as written)", "text", "", "N", "N"),
           yn("VSND", "Not done", "N"), ("VSREASND", "Reason not done", "text", "", "N", "N"),
           yn("VSCLSIG", "Clinically significant", "N")),
    "eg": (SUBJ, visit(), ("EGDAT", "ECG date", "date", "", "Y", "Y"), ("EGTIM", "ECG time", "time", "", "N", "N"),
           ("EGTEST", "ECG test", "code", "EGTEST", "Y", "Y"), ("EGORRES", "Result", "text", "", "N", "N"),
           ("EGORRESU", "Unit (as written)", "text", "", "N", "N"), yn("EGND", "Not done", "N"),
           ("EGREASND", "Reason not done", "text", "", "N", "N"), yn("EGCLSIG", "Clinically significant", "N")),
    "lb": (SUBJ, visit(), ("LBDAT", "Sample date", "date", "", "Y", "Y"),
           ("LBTIM", "Sample time", "time", "", "N", "N"),
           ("LBCAT", "Lab category", "code", "LBCAT", "Y", "N"), ("LBTEST", "Lab test", "code", "LBTEST", "Y", "Y"),
           ("LBORRES", "Result (as reported)", "text", "", "N", "N"),
           ("LBORRESU", "Unit (as reported)", "text", "", "Y", "N"),
           ("LBORNRLO", "Reference range lower limit", "float", "", "Y", "N"),
           ("LBORNRHI", "Reference range upper limit", "float", "", "Y", "N"), yn("LBND", "Not done", "N"),
           ("LBREASND", "Reason not done", "text", "", "N", "N"), yn("LBCLSIG", "Clinically significant", "N")),
    "tl": (SUBJ, visit(), ("TLDAT", "Scan date", "date", "", "Y", "N"),
           ("TLID", "Target lesion ID", "text", "", "Y", "Y"),
           ("TLLOC", "Location", "code", "LOC", "Y", "N"), ("TLLAT", "Laterality", "code", "LAT", "N", "N"),
           ("TLDESC", "Location detail", "text", "", "Y", "N"), yn("TLNODAL", "Lymph node lesion"),
           ("TLMETH", "Imaging method", "code", "METHOD", "Y", "N"),
           ("TLDIAM", "Diameter in mm (short axis for nodes)", "text", "", "N", "N"), yn("TLND", "Not evaluated", "N"),
           ("TLREASND", "Reason not evaluated", "text", "", "N", "N")),
    "ntl": (SUBJ, visit(), ("NTLDAT", "Scan date", "date", "", "Y", "N"),
            ("NTLID", "Non-target lesion ID", "text", "", "Y", "Y"), ("NTLLOC", "Location", "code", "LOC", "Y", "N"),
            ("NTLDESC", "Location detail", "text", "", "Y", "N"),
            ("NTLMETH", "Imaging method", "code", "METHOD", "Y", "N"),
            ("NTLSTAT", "Lesion status", "code", "NTLSTAT", "Y", "N")),
    "nl": (SUBJ, visit(), ("NLDAT", "Scan date", "date", "", "Y", "N"), ("NLID", "New lesion ID", "text", "", "Y", "Y"),
           ("NLLOC", "Location", "code", "LOC", "Y", "N"), ("NLDESC", "Location detail", "text", "", "Y", "N"),
           ("NLMETH", "Imaging method", "code", "METHOD", "Y", "N"), yn("NLEQUIV", "Unequivocal new lesion")),
    "rs": (SUBJ, visit(), ("RSDAT", "Assessment date", "date", "", "Y", "N"),
           ("TRGRESP", "Target response", "code", "TRGRESP", "Y", "N"),
           ("NTRGRESP", "Non-target response", "code", "NTRGRESP", "Y", "N"), yn("NEWLES", "New lesions"),
           ("OVRLRESP", "Overall response", "code", "OVRLRESP", "Y", "N")),
    "pc": (SUBJ, visit(), ("PCTPT", "Time point", "code", "PCTPT", "N", "Y"),
           ("PCDAT", "Sample date", "date", "", "Y", "Y"), ("PCTIM", "Sample time", "time", "", "N", "N"),
           ("PCTEST", "Cellular kinetics test", "code", "PCTEST", "Y", "Y"),
           ("PCORRES", "Result (as reported)", "text", "", "N", "N"),
           ("PCORRESU", "Unit (as reported)", "text", "", "N", "N"),
           ("PCLLOQ", "Lower limit of quantitation", "float", "", "Y", "N"), yn("PCND", "Not done", "N"),
           ("PCREASND", "Reason not done", "text", "", "N", "N")),
    "ds": (SUBJ, ("DSEPOCH", "Study period", "code", "DSEPOCH", "Y", "Y"),
           ("DSDECOD", "Disposition status", "code", "DSDECOD", "Y", "N"),
           ("DSTERM", "Disposition (verbatim)", "text", "", "Y", "N"), ("DSSTDAT", "Date", "date", "", "Y", "N")),
    "dth": (SUBJ, ("DTHDAT", "Date of death", "date", "", "Y", "N"),
            ("DTHCAUS", "Cause of death", "text", "", "Y", "N"), yn("DTHAUTOP", "Autopsy performed")),
    "nact": (SUBJ, ("NACTSEQ", "Therapy line number", "integer", "", "Y", "Y"),
             ("NACTTRT", "New anticancer therapy", "text", "", "Y", "N"),
             ("NACTSTDAT", "Start date", "date", "", "Y", "N"), ("NACTENDAT", "End date", "date", "", "N", "N")),
    "visit": (SUBJ, visit(), ("VISDAT", "Visit date", "date", "", "Y", "Y")),
}

CODELISTS: dict[str, tuple[tuple[str, str], ...]] = {
    "NY": (("Y", "Yes"), ("N", "No")),
    "PROTVER": (("1.0", "Protocol version 1.0"), ("2.0", "Protocol version 2.0 (amendment 1)")),
    "IECRIT": CRITERIA,
    "SEX": (("Male", "Male"), ("Female", "Female")),
    "RACE": (("Asian", "Asian"), ("White", "White"), ("Black or African American", "Black or African American"),
             ("Other", "Other"), ("Not Reported", "Not Reported")),
    "ETHNIC": (("Hispanic or Latino", "Hispanic or Latino"), ("Not Hispanic or Latino", "Not Hispanic or Latino"),
               ("Not Reported", "Not Reported")),
    "MHCAT": (("GENERAL", "General medical history"), ("PRIMARY DIAGNOSIS", "Primary cancer diagnosis")),
    "CMCAT": (("PRIOR CANCER THERAPY", "Prior anticancer therapy"), ("CONCOMITANT", "Concomitant medication")),
    "ROUTE": (("ORAL", "Oral"), ("INTRAVENOUS", "Intravenous"), ("SUBCUTANEOUS", "Subcutaneous")),
    "FREQ": (("ONCE", "Once"), ("QD", "Once daily"), ("BID", "Twice daily"), ("TID", "Three times daily"),
             ("Q6H", "Every 6 hours"), ("PRN", "As needed"), ("Q2W", "Every 2 weeks"), ("Q3W", "Every 3 weeks"),
             ("CONTINUOUS", "Continuous infusion")),
    "LDDRUG": (("FLUDARABINE", "Fludarabine"), ("CYCLOPHOSPHAMIDE", "Cyclophosphamide")),
    "DOSELVL": (("1", "Dose level 1: 12x10^8 CAR-T cells"), ("2", "Dose level 2: 20x10^8 CAR-T cells")),
    "TOXGR": (("1", "Grade 1"), ("2", "Grade 2"), ("3", "Grade 3"), ("4", "Grade 4"), ("5", "Grade 5")),
    "TOXSCL": (("ASTCT 2019", "ASTCT consensus grading 2019 (CRS, ICANS)"),
               ("CTCAE V5.0", "NCI CTCAE version 5.0")),
    "REL": tuple((r, r.capitalize()) for r in ("NOT RELATED", "UNLIKELY RELATED", "POSSIBLY RELATED",
                                                 "PROBABLY RELATED", "DEFINITELY RELATED")),
    "ACN": tuple((a, a.capitalize()) for a in ("DOSE NOT CHANGED", "DRUG INTERRUPTED", "DRUG WITHDRAWN",
                                                 "NOT APPLICABLE", "UNKNOWN")),
    "OUT": tuple((o, o.capitalize()) for o in ("RECOVERED/RESOLVED", "RECOVERING/RESOLVING",
                                                 "NOT RECOVERED/NOT RESOLVED", "RECOVERED/RESOLVED WITH SEQUELAE",
                                                 "FATAL", "UNKNOWN")),
    "VISIT": tuple((v, v.capitalize()) for v in VISITS),
    "VSTPT": (("PRE-INFUSION", "Before CAR-T infusion"), ("POST-INFUSION", "After CAR-T infusion")),
    "VSTEST": (("SYSBP", "Systolic Blood Pressure"), ("DIABP", "Diastolic Blood Pressure"), ("PULSE", "Pulse Rate"),
               ("TEMP", "Temperature"), ("RESP", "Respiratory Rate"), ("SPO2", "Oxygen Saturation"),
               ("WEIGHT", "Weight"), ("HEIGHT", "Height")),
    "EGTEST": (("HR", "ECG Mean Heart Rate"), ("PR", "PR Interval"), ("QRS", "QRS Duration"), ("QT", "QT Interval"),
               ("QTCF", "QTcF Interval"), ("RR", "RR Interval"), ("INTERP", "Interpretation")),
    "LBCAT": (("HEMATOLOGY", "Hematology"), ("CHEMISTRY", "Chemistry"), ("TUMOR MARKERS", "Tumor markers")),
    "LBTEST": (("WBC", "Leukocytes"), ("NEUT", "Neutrophils"), ("LYM", "Lymphocytes"), ("HGB", "Hemoglobin"),
               ("PLAT", "Platelets"), ("ALT", "Alanine Aminotransferase"), ("AST", "Aspartate Aminotransferase"),
               ("BILI", "Bilirubin"), ("CREAT", "Creatinine"), ("CRP", "C Reactive Protein"),
               ("FERRITIN", "Ferritin"), ("IL6", "Interleukin 6"), ("CEA", "Carcinoembryonic Antigen"),
               ("CA19_9", "Cancer Antigen 19-9")),
    "LOC": tuple((loc, loc.capitalize()) for loc in ("LIVER", "LUNG", "LYMPH NODE", "PERITONEUM", "ADRENAL GLAND",
                                                    "BONE", "PLEURA")),
    "LAT": (("LEFT", "Left"), ("RIGHT", "Right"), ("BILATERAL", "Bilateral")),
    "METHOD": (("CT SCAN", "Computed tomography"), ("MRI", "Magnetic resonance imaging")),
    "NTLSTAT": (("PRESENT", "Present"), ("ABSENT", "Absent"), ("UNEQUIVOCAL PROGRESSION", "Unequivocal progression"),
                ("NOT EVALUATED", "Not evaluated")),
    "TRGRESP": (("CR", "Complete response"), ("PR", "Partial response"), ("SD", "Stable disease"),
                ("PD", "Progressive disease"), ("NE", "Not evaluable"), ("NA", "Not applicable (no target lesions)")),
    "NTRGRESP": (("CR", "Complete response"), ("NON-CR/NON-PD", "Non-CR/non-PD"), ("PD", "Progressive disease"),
                 ("NE", "Not evaluable"), ("NA", "Not applicable (no non-target lesions)")),
    "OVRLRESP": (("CR", "Complete response"), ("PR", "Partial response"), ("SD", "Stable disease"),
                 ("PD", "Progressive disease"), ("NE", "Not evaluable")),
    "PCTPT": (("PRE-INFUSION", "Before CAR-T infusion"),),
    "PCTEST": (("TRANSGENE", "IM96 transgene copies/ug genomic DNA (qPCR)"),
               ("CARCELLS", "CAR-positive T cells/uL (flow cytometry)")),
    "DSEPOCH": (("SCREENING", "Screening"), ("TREATMENT", "Treatment"), ("FOLLOW-UP", "Follow-up")),
    "DSDECOD": tuple((d, d.capitalize()) for d in ("COMPLETED", "SCREEN FAILURE", "LOST TO FOLLOW-UP", "DEATH",
                                                     "WITHDRAWAL BY SUBJECT", "PROGRESSIVE DISEASE",
                                                     "PHYSICIAN DECISION", "ADVERSE EVENT")),
}


# What the Phase 3 schedule (`--schedule phase3`) adds to the export's codelists: its visits and lab panel.
SCHEDULE_CODELISTS: dict[str, dict[str, tuple[tuple[str, str], ...]]] = {
    "default": {},
    "phase3": {
        "VISIT": tuple((v, v.capitalize()) for v in visit_names("phase3")),
        "LBCAT": CODELISTS["LBCAT"] + (("COAGULATION", "Coagulation"),),
        "LBTEST": CODELISTS["LBTEST"] + (
            ("RBC", "Erythrocytes"), ("HCT", "Hematocrit"), ("MCV", "Ery. Mean Corpuscular Volume"),
            ("MCH", "Ery. Mean Corpuscular Hemoglobin"), ("MCHC", "Ery. Mean Corpuscular HGB Concentration"),
            ("RDW", "Erythrocytes Distribution Width"), ("MONO", "Monocytes"), ("EOS", "Eosinophils"),
            ("BASO", "Basophils"), ("SODIUM", "Sodium"), ("K", "Potassium"), ("CL", "Chloride"),
            ("BICARB", "Bicarbonate"), ("UREA", "Urea"), ("GLUC", "Glucose"), ("CA", "Calcium"),
            ("MG", "Magnesium"), ("PHOS", "Phosphate"), ("ALB", "Albumin"), ("PROT", "Protein"),
            ("ALP", "Alkaline Phosphatase"), ("GGT", "Gamma Glutamyl Transferase"), ("LDH", "Lactate Dehydrogenase"),
            ("URATE", "Urate"), ("BILDIR", "Direct Bilirubin"), ("IL2", "Interleukin 2"), ("IL10", "Interleukin 10"),
            ("IFNG", "Interferon Gamma"), ("TNF", "Tumor Necrosis Factor"), ("IL2R", "Interleukin 2 Receptor"),
            ("PT", "Prothrombin Time"), ("APTT", "Activated Partial Thromboplastin Time"), ("FIBRINO", "Fibrinogen"),
            ("DDIMER", "D-Dimer")),
    },
}


# (form, field) -> the least and the most a number field's value can be (MIN, MAX; blank: no limit): line numbers
# count from 1 (CMAENO points at an AESEQ); doses, volumes, body surface areas and limits of quantitation are never
# negative (a dose of 0 is a dose not given). An infusion of 0 cells is no infusion: `sdtm/ex.py` refuses it.
LIMITS: dict[tuple[str, str], tuple[str, str]] = {
    **{(form, field): ("1", "") for form, field in (("mh", "MHSEQ"), ("cm", "CMSEQ"), ("cm", "CMAENO"),
                                                     ("ae", "AESEQ"), ("nact", "NACTSEQ"))},
    **{(form, field): ("0", "") for form, field in (("cm", "CMDOSE"), ("apher", "APHVOL"), ("ld", "LDDOSE"),
                                                     ("ld", "LDBSA"), ("pc", "PCLLOQ"))},
}
DICTIONARY_COLUMNS = ["FORM", "FIELD", "LABEL", "TYPE", "CODELIST", "REQUIRED", "KEY", "MIN", "MAX"]


def dictionary_rows() -> list[dict]:
    return [{"FORM": form, "FIELD": f, "LABEL": label, "TYPE": kind, "CODELIST": codelist, "REQUIRED": req,
             "KEY": key, **dict(zip(("MIN", "MAX"), LIMITS.get((form, f), ("", "")), strict=True))}
            for form, fields in FORMS.items() for f, label, kind, codelist, req, key in fields]


def codelist_rows(schedule: str = "default") -> list[dict]:
    return [{"CODELIST": name, "CODE": code, "DECODE": decode}
            for name, terms in (CODELISTS | SCHEDULE_CODELISTS[schedule]).items() for code, decode in terms]
