"""TA, TE, TV, TI from the protocol tables: STUDYID and DOMAIN added, numbers typed, codes checked."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cdisc.errors import MappingError
from cdisc.finalize import finalize
from mappings.im96.sdtm import trial_design
from tests.helpers import assert_frame_equal_by_keys

TA = """ARMCD,ARM,TAETORD,ETCD,ELEMENT,TABRANCH,TATRANS,EPOCH
DL1,IM96 12x10^8 CAR-T cells,1,SCRN,Screening,Assigned to DL1,,SCREENING
DL1,IM96 12x10^8 CAR-T cells,2,CARTINF,Infusion,,,TREATMENT
"""
TE = """ETCD,ELEMENT,TESTRL,TEENRL,TEDUR
SCRN,Screening,Informed consent signed,Start of leukapheresis,
CARTINF,Infusion,Start of IM96 infusion,Day 28,P28D
"""
TV = """VISITNUM,VISIT,VISITDY,ARMCD,TVSTRL,TVENRL
1,SCREENING,-28,,After informed consent,Before leukapheresis
4,DAY 1,1,,Day of IM96 infusion,End of Day 1
"""
TI = """IETESTCD,IETEST,IECAT,TIRL,TIVERS
IN01,Age 18 to 75 years,INCLUSION,Aged 18 to 75 years inclusive,1.0
EX01,Prior CAR-T therapy,EXCLUSION,Prior CAR-T or gene-modified cell therapy,1.0
"""


@pytest.fixture
def design_dir(tmp_path):
    for name, text in {"ta": TA, "te": TE, "tv": TV, "ti": TI}.items():
        (tmp_path / f"{name}.csv").write_text(text)
    return tmp_path


def built(ctx, spec) -> dict[str, pd.DataFrame]:
    return {r.name: finalize(r, spec).data for r in trial_design.build(ctx)}


def test_build_trial_design_adds_identifiers_and_types(make_context, spec, design_dir):
    """Each table keeps its rows and text, gains STUDYID 'IM96' and DOMAIN; TAETORD, VISITNUM and VISITDY are
    numeric (SDTMIG 3.4 TA/TV), TEDUR stays an ISO 8601 duration, blank cells stay blank."""
    out = built(make_context({}, design_dir=design_dir), spec)
    assert_frame_equal_by_keys(out["TA"], pd.DataFrame({
        "STUDYID": ["IM96", "IM96"], "DOMAIN": ["TA", "TA"], "ARMCD": ["DL1", "DL1"],
        "ARM": ["IM96 12x10^8 CAR-T cells"] * 2, "TAETORD": [1.0, 2.0], "ETCD": ["SCRN", "CARTINF"],
        "ELEMENT": ["Screening", "Infusion"], "TABRANCH": ["Assigned to DL1", ""], "TATRANS": ["", ""],
        "EPOCH": ["SCREENING", "TREATMENT"],
    }), keys=["TAETORD"])
    assert_frame_equal_by_keys(out["TE"], pd.DataFrame({
        "STUDYID": ["IM96", "IM96"], "DOMAIN": ["TE", "TE"], "ETCD": ["CARTINF", "SCRN"],
        "ELEMENT": ["Infusion", "Screening"], "TESTRL": ["Start of IM96 infusion", "Informed consent signed"],
        "TEENRL": ["Day 28", "Start of leukapheresis"], "TEDUR": ["P28D", ""],
    }), keys=["ETCD"])
    assert_frame_equal_by_keys(out["TV"], pd.DataFrame({
        "STUDYID": ["IM96", "IM96"], "DOMAIN": ["TV", "TV"], "VISITNUM": [1.0, 4.0], "VISIT": ["SCREENING", "DAY 1"],
        "VISITDY": [-28.0, 1.0], "ARMCD": ["", ""], "TVSTRL": ["After informed consent", "Day of IM96 infusion"],
        "TVENRL": ["Before leukapheresis", "End of Day 1"],
    }), keys=["VISITNUM"])
    assert_frame_equal_by_keys(out["TI"], pd.DataFrame({
        "STUDYID": ["IM96", "IM96"], "DOMAIN": ["TI", "TI"], "IETESTCD": ["EX01", "IN01"],
        "IETEST": ["Prior CAR-T therapy", "Age 18 to 75 years"], "IECAT": ["EXCLUSION", "INCLUSION"],
        "TIRL": ["Prior CAR-T or gene-modified cell therapy", "Aged 18 to 75 years inclusive"],
        "TIVERS": ["1.0", "1.0"],
    }), keys=["IETESTCD"])
    assert out["TV"]["VISITNUM"].dtype == np.float64


def test_build_trial_design_refuses_codes_outside_the_spec(make_context, spec, design_dir):
    """An element code the ETCD codelist does not know stops finalize (the spec and the protocol disagree)."""
    (design_dir / "ta.csv").write_text(TA.replace("CARTINF", "INFUSE"))
    with pytest.raises(MappingError, match="not in codelist ETCD"):
        built(make_context({}, design_dir=design_dir), spec)


def test_arm_and_element_codelists_decode_as_the_protocol_tables(make_context, spec):
    """The ARMCD and ETCD codelists of the spec decode each code to the ARM of TA and the ELEMENT of TE of the
    shipped design (specs/im96/design), so define.xml and the datasets say the same thing."""
    out = built(make_context({}), spec)
    arms = dict(zip(out["TA"]["ARMCD"], out["TA"]["ARM"], strict=True))
    elements = dict(zip(out["TE"]["ETCD"], out["TE"]["ELEMENT"], strict=True))
    assert {t.term: t.decoded for t in spec.codelist("ARMCD").terms} == arms
    assert {t.term: t.decoded for t in spec.codelist("ETCD").terms} == elements
