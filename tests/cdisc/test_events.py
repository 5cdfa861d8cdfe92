"""add_ongoing: --ENRTPT / --ENTPT for records ongoing at a reference time point (SDTMIG 3.4 §4.4.7)."""
from __future__ import annotations

import pandas as pd

from cdisc.events import add_ongoing

DM = pd.DataFrame({"USUBJID": ["S1", "S2"], "RFPENDTC": ["2025-06-01", ""]})


def test_add_ongoing_points_ongoing_records_at_the_subject_reference_date():
    """ONGOING + the subject's DM date on ongoing records; null elsewhere and for a subject without the date."""
    df = pd.DataFrame({"USUBJID": ["S1", "S1", "S2", "S3"]})
    out = add_ongoing(df, DM, ongoing=pd.Series([True, False, True, True]), reference="RFPENDTC",
                      enrtpt="CMENRTPT", entpt="CMENTPT")
    assert out.values.tolist() == [["S1", "ONGOING", "2025-06-01"], ["S1", "", ""], ["S2", "ONGOING", ""],
                                   ["S3", "ONGOING", ""]]
