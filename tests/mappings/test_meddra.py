"""The simulator's MedDRA coding table against its public source (the CDISC pilot 01 coding export) and the
MedDRA hierarchy rules it must follow."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from mappings.im96.simulate.adverse import TERMS
from mappings.im96.simulate.enrolment import MH_CODED
from mappings.im96.simulate.meddra import CODING

PILOT = pd.read_csv(Path(__file__).resolve().parents[1] / "fixtures" / "meddra_cdiscpilot01.csv", dtype=str)
# SOC codes not in the pilot, from a public list of the 27 SOCs that agrees with the pilot on its 23 SOCs
SOC_LIST = {"Blood and lymphatic system disorders": 10005329, "Endocrine disorders": 10014698}


def test_coding_table_covers_every_term_the_simulator_codes():
    """Each LLT the AE verbatims and the MH terms are coded to has a row in the coding table, and no row is
    unused."""
    used = {llt for pairs in TERMS.values() for _, llt in pairs} | set(MH_CODED.values())
    assert used == set(CODING)


@pytest.mark.parametrize("llt", sorted(k for k, c in CODING.items() if c.source.startswith("P01")))
def test_coding_table_llt_codes_match_the_cdisc_pilot(llt):
    """A row sourced from the pilot has the pilot's LLT code, PT and SOC code (case-insensitive names)."""
    row = PILOT[PILOT["AELLT"].eq(llt.upper())]
    c = CODING[llt]
    assert row[["AELLTCD", "AEDECOD", "AESOCCD"]].values.tolist() == [[str(c.llt_code), c.pt.upper(),
                                                                       str(c.soc_code)]]


def test_coding_table_soc_codes_match_the_pilot_or_the_soc_list():
    """Every SOC code is the pilot's code for that SOC, or one of the two SOCs the pilot lacks."""
    pilot = dict(zip(PILOT["AESOC"], PILOT["AESOCCD"].astype(int), strict=True))
    for c in CODING.values():
        assert pilot.get(c.soc.upper(), SOC_LIST.get(c.soc)) == c.soc_code, c.soc


def test_coding_table_pt_codes_are_the_codes_of_their_same_named_llts():
    """MedDRA: a PT is also an LLT of the same name and code, so a given PT code must equal it; a PT has one
    primary SOC."""
    for llt, c in CODING.items():
        if c.pt_code is not None:
            assert CODING[c.pt].llt_code == c.pt_code, llt
        assert CODING.get(c.pt, c).soc == c.soc, llt

