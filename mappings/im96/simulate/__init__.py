"""A deterministic generator of a realistic EDC export of the IM96 trial (`simulate`), and the recipe of the
bundled export `data/im96/raw` (`BUNDLED`).

The story
---------
IM96 is a single-centre (site 001), open-label, single-dose, modified 3+3 dose-escalation trial of a CAR-T
product in metastatic colorectal cancer. Day 1 is the infusion; screening runs Day -28..-24, apheresis on
Day -21, lymphodepletion (fludarabine 30 mg/m2 + cyclophosphamide 500 mg/m2) on Days -5, -4 and -3, then visits
DAY 4 ... DAY 28, MONTH 2, 3, 6, 9, 12 and UNSCHEDULED visits during grade >= 2 CRS/ICANS or a fatal infection.
Infusions are staggered from March 2024 to July 2025; the data cut is 30-JUN-2026 (nothing later is written).

For n subjects (SUBJID 001-001 ... in screening order): about n/7 screen failures (consent and eligibility
only, one summary row plus one row per unmet criterion in ie), one subject apheresed but never infused when
n >= 5 (rapid progression during manufacturing), the rest infused: the first 6 at dose level 1 (12x10^8
cells; one grade 4 ICANS DLT in the first cohort of 3, hence the expansion to 6), the others at dose level 2
(20x10^8 cells; one grade 3 CRS > 72 h DLT in its first cohort). Every block of 12 infused subjects gets each
of the 12 disease courses of `story.PROFILES` once, in a seeded order: complete and partial responses
confirmed >= 28 days later, stable disease, early and late progression (new lesion, unequivocal non-target
progression, target growth) followed by new anticancer therapy (nact), deaths after infusion (disease,
one fatal sepsis), one subject lost to follow-up, one withdrawal, and completers (MONTH 12) or subjects still
ongoing at the cut (no end-of-study ds row). RECIST responses in rs are derived from the tl/ntl/nl
measurements (`tumour.respond`).

The bundled export (`BUNDLED`: n=15, seed=96)
----------------------------------------------
- Screen failures 001-004 (IN04) and 001-012 (EX07); 001-007 apheresed, progressed during manufacturing, never
  infused (ds TREATMENT = PROGRESSIVE DISEASE).
- DL1 (12x10^8): 001-001, -002, -003 | -005, -006, -008. DLT: 001-003, grade 4 ICANS from Day 5 (ae AESEQ 3,
  treated with dexamethasone, methylprednisolone, levetiracetam; cm CMAENO 3); fludarabine reduced (ld LDADJ).
- DL2 (20x10^8): 001-009, -010, -011 | -013, -014, -015. DLT: 001-010, grade 3 CRS lasting 6 days from Day 5.
- Courses: 001-001 PD at DAY 28, new therapy, death; 001-002 CR from MONTH 3, completed; 001-003 SD, fatal
  sepsis (AETOXGR 5, AEOUT FATAL) and death; 001-005 SD, withdrew after MONTH 3; 001-006 durable PR;
  001-008 unequivocal non-target PD at MONTH 2, death; 001-009 CR from MONTH 6; 001-010 PR then PD at MONTH 6,
  death; 001-011 new lesion at MONTH 3, end of study; 001-013 PR then PD at MONTH 9; 001-014 PR, lost to
  follow-up; 001-015 SD, still on study at the cut (no MONTH 12 visit, no end-of-study ds row).

Realistic mess (all of it valid against dictionary.csv; bundled examples in brackets)
------------------------------------------------------------------------------------
- Partial dates: dm BRTHDAT mostly `UN-UNK-YYYY` or `UN-MON-YYYY`; mh MHSTDAT/MHENDAT; cm CMSTDAT/CMENDAT of prior
  cancer therapy and background medication; ae AEENDAT of some non-hospital events [001-006 and 001-010 AESEQ 8].
- Missing times: VSTIM, LBTIM, EGTIM, PCTIM, AESTTIM/AEENTIM and CMSTTIM are often blank.
- Unit spellings to standardise: vs "mmHg"/"mm Hg", "beats/min"/"bpm", temperature "C" or "F" with a Fahrenheit
  value [001-003 DAY 7: 101.0 F during CRS], weight "kg" or "lb" [001-005 LYMPHODEPLETION]; eg "msec"/"ms",
  "beats/min"/"bpm"; lb HGB "g/dL"/"g/L", cell counts "10^9/L"/"x10E9/L"/"10^3/uL", CREAT and BILI
  "umol/L"/"mg/dL", CRP "mg/dL"/"mg/L", CEA "ng/mL"/"ug/L", CA19_9 "U/mL"/"kU/L", ALT/AST "U/L"/"IU/L";
  pc "copies/ug gDNA"/"copies/ug", "cells/uL"/"cells/mcL"; cm CMDOSU "mg"/"MG"/"Mg", "ug"/"mcg", "g"/"G", "mg/kg".
- Results with a qualifier: lb "<0.5" (CRP in mg/dL), "<3" (CRP in mg/L), "<1.5" and ">1000" (IL6), ">2000"
  (ferritin), "<0.1" (cell counts); pc "<50", "<0.5" or "<LLOQ" (Day 1 pre-infusion and late samples).
- Not done with a reason (result blank): VSND [001-001 LYMPHODEPLETION RESP], LBND [001-006 MONTH 2 haematology
  "Sample clotted", 001-010 MONTH 3 chemistry "Sample haemolysed"], EGND [001-001 SCREENING], PCND [001-010 DAY 7
  TRANSGENE], TLND [the NE visit below].
- Free text: AETERM verbatims in mixed case ("CRS", "cytokine release syndrome", "Anorexia", "Hypokalemia"),
  CMINDC ("fever", "CRS", "mCRC"), MHTERM, DSTERM, DTHCAUS, lesion descriptions, LDADJ.
- Target lesions "TOO SMALL TO MEASURE" [001-002 MONTH 2 T02; 001-009 MONTH 3 T03-T05].
- One subject lost to follow-up [001-014]; AEs still open then have AEOUT UNKNOWN.
- Re-consent: subjects on study when protocol version 2.0 was approved (16-SEP-2024) have a second ic row
  [001-002, -005, -006, -007].
- Deliberate investigator disagreement [001-015 MONTH 6]: TRGRESP/OVRLRESP = PR while the target sum is only
  20-29 % below baseline (SD by RECIST 1.1). Every other rs row follows RECIST 1.1 from tl/ntl/nl.
- MedDRA coding as an EDC coding export delivers it: ae and mh carry LLT, PT, HLT, HLGT and primary SOC with
  their codes from the one coding table `meddra.CODING` (blank where no public source confirms a value: all
  HLT/HLGT and some codes, see meddra.py). The fatal AE ends on the death date, untimed like the death form.
- One NE visit [001-006 MONTH 9]: one target lesion not evaluated (TLND = Y), so TRGRESP = OVRLRESP = NE.

The Phase 3-like schedule (`schedule="phase3"`, `cdisc simulate --schedule phase3`)
-----------------------------------------------------------------------------------
The same story (same subjects, dates, courses and events for a seed), with the lab load of a larger trial, for
scale tests: 16 more planned visits (`_base.PHASE3_VISITS`: daily in hospital to Day 12, weekly Days 35-49,
monthly between the tumour assessments; they carry vital signs and labs), and 48 lab tests instead of 14
(`findings.PHASE3_TESTS`: full blood count with differential, electrolytes, renal, liver and bone chemistry,
coagulation in a COAGULATION panel, a cytokine panel). About 20 % of infused subjects miss one routine visit
(no form has it) and about 5 % lose the pre-infusion samples of one lab panel (no baseline for it), drawn from
the seed. N = 5,000 gives several million lb rows. The default schedule's bytes do not depend on this option.
"""
from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from pathlib import Path

from mappings.im96.simulate import adverse, enrolment, findings, treatment, tumour
from mappings.im96.simulate._base import SCHEDULES
from mappings.im96.simulate.metadata import DICTIONARY_COLUMNS, FORMS, codelist_rows, dictionary_rows
from mappings.im96.simulate.story import Subject, build_story

BUNDLED = {"n_subjects": 15, "seed": 96}

ROW_BUILDERS: dict[str, Callable[[Subject], list[dict]]] = {
    "ic": enrolment.ic_rows, "ie": enrolment.ie_rows, "dm": enrolment.dm_rows, "mh": enrolment.mh_rows,
    "cm": treatment.cm_rows, "apher": treatment.apher_rows, "ld": treatment.ld_rows, "inf": treatment.inf_rows,
    "ae": adverse.ae_rows, "vs": findings.vs_rows, "eg": findings.eg_rows, "lb": findings.lb_rows,
    "tl": tumour.tl_rows, "ntl": tumour.ntl_rows, "nl": tumour.nl_rows, "rs": tumour.rs_rows,
    "pc": findings.pc_rows, "ds": enrolment.ds_rows, "dth": enrolment.dth_rows, "nact": enrolment.nact_rows,
    "visit": enrolment.visit_rows,
}


def simulate(n_subjects: int, seed: int, out_dir: Path, schedule: str = "default") -> None:
    """Write one CSV per form plus dictionary.csv and codelists.csv into out_dir (created if needed).

    `schedule` is a key of SCHEDULES: "default" (the study above) or "phase3" (see the module docstring).
    The output depends only on (n_subjects, seed, schedule): same arguments, byte-identical files.
    """
    if isinstance(n_subjects, bool) or not isinstance(n_subjects, int) or n_subjects < 1:
        raise ValueError(f"n_subjects must be a positive integer, got {n_subjects!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    if schedule not in SCHEDULES:
        raise ValueError(f"schedule must be one of {sorted(SCHEDULES)}, got {schedule!r}")
    subjects = build_story(n_subjects, seed, schedule)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for form, build in ROW_BUILDERS.items():
        columns = [f[0] for f in FORMS[form]]
        rows = (row for s in subjects for row in build(s))  # streamed: a phase3 lb.csv has millions of rows
        write_csv(out_dir / f"{form}.csv", columns, rows)
    write_csv(out_dir / "dictionary.csv", DICTIONARY_COLUMNS, dictionary_rows())
    write_csv(out_dir / "codelists.csv", ["CODELIST", "CODE", "DECODE"], codelist_rows(schedule))


def write_csv(path: Path, columns: list[str], rows: Iterable[dict]) -> None:
    """Write rows in the given column order, as they come; a row with other fields or a non-ASCII value is a
    programming error (AssertionError, UnicodeEncodeError)."""
    with path.open("w", encoding="ascii", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            if list(row) != columns and set(row) != set(columns):
                raise AssertionError(f"{path.name}: row fields {sorted(row)} differ from {columns}")
            writer.writerow([row[c] for c in columns])
