"""The PFS censoring table as a property (FDA, "Clinical Trial Endpoints for the Approval of Cancer Drugs and
Biologics", 2018; ADaM BDS-TTE): for any history of assessments, progression and death, each subject gets the row
of the table that applies, worked out below subject by subject with Python dates.

  * progression or death documented: event (CNSR 0) at the earlier of the two;
  * neither: censored at the last adequate assessment (CNSR 1), or at the start date without one (CNSR 2);
  * with the missed-visit rule: an event more than 56 days after the last adequate assessment before it (or the
    start date) is censored there instead (CNSR 3).
AVAL = ADT - start + 1 (Day 1 = the start date).
"""
import datetime as dt

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from cdisc.derive.tte import CensorSource, EventSource, MissedVisitCensor, derive_param_tte

PROPERTY = settings(max_examples=60, deadline=None)
START = dt.date(2025, 1, 1)
GAP = 56
EVENTS = [EventSource(dataset_name="adrs", date="ADT", filter=lambda d: d["AVALC"].eq("PD"),
                      set_values={"EVNTDESC": "DISEASE PROGRESSION"}),
          EventSource(dataset_name="adsl", date="DTHDT", set_values={"EVNTDESC": "DEATH"})]
CENSORS = [CensorSource(dataset_name="adrs", date="ADT", censor=1, filter=lambda d: d["AVALC"].ne("PD"),
                        set_values={"EVNTDESC": "LAST ADEQUATE ASSESSMENT"}),
           CensorSource(dataset_name="adsl", date="TRTSDT", censor=2, set_values={"EVNTDESC": "START"})]
MISSED = MissedVisitCensor(dataset_name="adrs", date="ADT", censor=3, max_gap_days=GAP,
                           filter=lambda d: d["AVALC"].ne("PD"), set_values={"EVNTDESC": "AFTER MISSED VISITS"})


@st.composite
def subjects(draw):
    """Per subject: adequate assessment days (no PD), an optional PD day, an optional death day (days after
    start, 1-500)."""
    count = draw(st.integers(min_value=1, max_value=6))
    out = []
    for i in range(count):
        days = draw(st.lists(st.integers(min_value=1, max_value=500), max_size=6, unique=True))
        free = [d for d in range(1, 501) if d not in days]
        pd_day = draw(st.one_of(st.none(), st.sampled_from(free)))
        death = draw(st.one_of(st.none(), st.integers(min_value=1, max_value=500)))
        out.append((f"S{i}", sorted(days), pd_day, death))
    return out


def _day(n: int) -> dt.date:
    return START + dt.timedelta(days=n)


def _expected(days: list[int], pd_day: int | None, death: int | None, missed: bool) -> tuple[dt.date, int, str]:
    events = [(d, "DISEASE PROGRESSION") for d in (pd_day,) if d is not None] + [
        (d, "DEATH") for d in (death,) if d is not None]
    if not events:
        return (_day(days[-1]), 1, "LAST ADEQUATE ASSESSMENT") if days else (START, 2, "START")
    when, what = min(events, key=lambda e: e[0])  # progression listed first: it wins a tie with death
    anchor = max([0] + [d for d in days if d < when])
    if missed and when - anchor > GAP:
        return _day(anchor), 3, "AFTER MISSED VISITS"
    return _day(when), 0, what


def _derive(cases, missed: bool) -> pd.DataFrame:
    adsl = pd.DataFrame({"USUBJID": [s for s, *_ in cases], "TRTSDT": pd.Timestamp(START),
                         "DTHDT": pd.to_datetime([None if d is None else _day(d) for *_, d in cases])})
    adrs = pd.DataFrame([(s, pd.Timestamp(_day(d)), "SD") for s, days, _, _ in cases for d in days]
                        + [(s, pd.Timestamp(_day(p)), "PD") for s, _, p, _ in cases if p is not None],
                        columns=["USUBJID", "ADT", "AVALC"])
    return derive_param_tte(adsl, sources={"adsl": adsl, "adrs": adrs}, start_date="TRTSDT", event_sources=EVENTS,
                            censor_sources=CENSORS, paramcd="PFS", param="Progression-Free Survival (days)",
                            missed_visit=MISSED if missed else None)


@PROPERTY
@given(subjects(), st.booleans())
def test_each_subject_gets_its_row_of_the_censoring_table(cases, missed):
    """One record per subject, in subject order, with the date, CNSR, reason and AVAL of its row of the table."""
    out = _derive(cases, missed)
    assert out["USUBJID"].tolist() == [s for s, *_ in cases]
    for (subject, days, pd_day, death), rec in zip(cases, out.to_dict("records"), strict=True):
        adt, cnsr, reason = _expected(days, pd_day, death, missed)
        assert (rec["ADT"].date(), rec["CNSR"], rec["EVNTDESC"]) == (adt, cnsr, reason), subject
        assert rec["AVAL"] == (adt - START).days + 1


@PROPERTY
@given(subjects())
def test_missed_visit_censoring_only_moves_an_event_earlier(cases):
    """The missed-visit rule never changes a censored subject, and only turns an event into a censoring at or
    before the event date."""
    plain, strict = _derive(cases, missed=False), _derive(cases, missed=True)
    for a, b in zip(plain.to_dict("records"), strict.to_dict("records"), strict=True):
        if a["CNSR"] != 0:
            assert (b["ADT"], b["CNSR"]) == (a["ADT"], a["CNSR"])
        elif b["CNSR"] != 0:
            assert b["CNSR"] == 3 and b["ADT"] <= a["ADT"]
