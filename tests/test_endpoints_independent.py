"""Efficacy endpoints recomputed in plain pandas from the SDTM XPTs of `cdisc run`, without cdisc.derive, and
compared with ADRS / ADTTE. Rules re-implemented here (RECIST 1.1 confirmation, FDA PFS censoring) follow
specs/im96/adam/methods/{adrs,adtte}.csv; OS is censored at the last contact date, recomputed here from the
SDTM dates of contact (a lost-to-follow-up or death determination in DS, a test not done, a procedure that did not
occur are not), MT.ADSL.LSTALVDT."""
from __future__ import annotations

import pandas as pd
import pyreadstat
import pytest

SAS0 = pd.Timestamp("1960-01-01")


CUT = pd.Timestamp("2026-06-30")
CONTACTS = {"DM": ["RFICDTC"], "DS": ["DSSTDTC"], "SV": ["SVSTDTC", "SVENDTC"], "PR": ["PRSTDTC"],
            "EX": ["EXSTDTC", "EXENDTC"], "AE": ["AESTDTC", "AEENDTC"], "LB": ["LBDTC"], "VS": ["VSDTC"],
            "EG": ["EGDTC"], "TR": ["TRDTC"], "RS": ["RSDTC"], "PC": ["PCDTC"]}


@pytest.fixture(scope="module")
def data(out) -> tuple[dict, dict]:
    sdtm = {p.stem.upper(): pyreadstat.read_xport(str(p))[0] for p in (out / "sdtm").glob("*.xpt")}
    # ADaM dates stay SAS day numbers (DATE9.) so the comparisons below work on the numbers written
    adam = {p.stem.upper(): pyreadstat.read_xport(str(p), disable_datetime_conversion=True)[0]
            for p in (out / "adam").glob("*.xpt")}
    return sdtm, adam


def _d(s: pd.Series) -> pd.Series:
    return pd.to_datetime(s.astype(str).str[:10].replace({"": None, "nan": None}), errors="coerce")


def _subjects(sdtm: dict) -> pd.DataFrame:
    dm = sdtm["DM"].assign(TRTSDT=lambda d: _d(d["RFSTDTC"]), DTHDT=lambda d: _d(d["DTHDTC"]))
    cm = sdtm["CM"]
    nact = cm[cm["CMCAT"] == "SUBSEQUENT ANTICANCER THERAPY"].assign(N=lambda d: _d(d["CMSTDTC"]))
    dm = dm.merge(nact.groupby("USUBJID")["N"].min().rename("NACTDT").reset_index(), on="USUBJID", how="left")
    return dm[dm["TRTSDT"].notna()][["USUBJID", "TRTSDT", "DTHDT", "NACTDT"]].set_index("USUBJID")


def _last_contact(sdtm: dict) -> pd.Series:
    """Latest complete date of contact per subject up to the cut; DS lost-to-follow-up and death dates excluded."""
    frames = []
    for domain, columns in CONTACTS.items():
        df = sdtm[domain]
        if domain == "DS":
            df = df[~df["DSDECOD"].isin(["LOST TO FOLLOW-UP", "DEATH"])]
        if f"{domain}STAT" in df:  # a test not done is no contact
            df = df[df[f"{domain}STAT"] != "NOT DONE"]
        if f"{domain}OCCUR" in df:  # nor a procedure that did not take place
            df = df[df[f"{domain}OCCUR"] != "N"]
        for col in columns:
            complete = df[df[col].astype(str).str.len() >= 10]
            frames.append(pd.DataFrame({"USUBJID": complete["USUBJID"], "D": _d(complete[col])}))
    dates = pd.concat(frames)
    return dates[dates["D"] <= CUT].groupby("USUBJID")["D"].max()


def _timepoints(sdtm: dict, subj: pd.DataFrame) -> dict[str, list[tuple[pd.Timestamp, str, float]]]:
    rs = sdtm["RS"]
    o = rs[(rs["RSTESTCD"] == "OVRLRESP") & (rs["RSEVAL"] == "INVESTIGATOR") & (rs["RSSTRESC"] != "")]
    out: dict[str, list] = {}
    for r in o.itertuples():
        if r.USUBJID in subj.index:
            out.setdefault(r.USUBJID, []).append((_d(pd.Series([r.RSDTC]))[0], r.RSSTRESC, r.RSSEQ))
    return {k: sorted(v) for k, v in out.items()}


def _confirmed_bor(tps: list, ref: pd.Timestamp, nact: pd.Timestamp) -> str:
    tps = [t for t in tps if t[0] >= ref and (pd.isna(nact) or t[0] < nact)]
    first_pd = next((i for i, t in enumerate(tps) if t[1] == "PD"), None)
    tps = tps[: first_pd + 1] if first_pd is not None else tps
    for best, between, confirm in (("CR", {"CR", "NE"}, {"CR"}), ("PR", {"CR", "PR", "NE"}, {"CR", "PR"})):
        for i, (d0, r0, _) in enumerate(tps):
            if r0 != best:
                continue
            for d1, r1, _ in tps[i + 1:]:
                if r1 in confirm and (d1 - d0).days >= 28:
                    return best
                if r1 not in between:
                    break
    if any(r in ("CR", "PR", "SD") and (d - ref).days >= 42 for d, r, _ in tps):
        return "SD"
    return "PD" if any(r == "PD" for _, r, _ in tps) else "NE"


def test_confirmed_bor_matches_an_independent_recomputation(data):
    sdtm, adam = data
    subj = _subjects(sdtm)
    tps = _timepoints(sdtm, subj)
    mine = {u: _confirmed_bor(tps.get(u, []), s.TRTSDT, s.NACTDT) for u, s in subj.iterrows()}
    adrs = adam["ADRS"]
    theirs = dict(adrs.loc[adrs["PARAMCD"] == "CBOR", ["USUBJID", "AVALC"]].values)
    assert theirs == mine


def test_the_deliberate_investigator_disagreement_is_flagged(data):
    """Raw export: subject 001-015 MONTH 6 investigator PR, measurements SD; it is the only disagreement."""
    _, adam = data
    adrs = adam["ADRS"]
    flagged = adrs[(adrs["DISAGRFL"] == "Y") & (adrs["PARAMCD"] == "OVR")]
    assert flagged[["USUBJID", "AVISIT", "AVALC", "CMPAVALC"]].values.tolist() == [
        ["IM96-001-015", "MONTH 6", "PR", "SD"]]


def _pfs(u: str, s, tps: list) -> tuple[pd.Timestamp, int]:
    """FDA table: events PD/death before new therapy; censor at last adequate (non-NE) assessment before new
    therapy / before the event gap (> 196 days); at infusion without any adequate assessment."""
    before = [t for t in tps if t[0] >= s.TRTSDT and (pd.isna(s.NACTDT) or t[0] < s.NACTDT)]
    pd_dt = next((d for d, r, _ in before if r == "PD"), pd.NaT)
    upto = [t for t in before if pd.isna(pd_dt) or t[0] <= pd_dt]
    adequate = [d for d, r, _ in upto if r != "NE"]
    death = s.DTHDT if pd.notna(s.DTHDT) and (pd.isna(s.NACTDT) or s.DTHDT < s.NACTDT) else pd.NaT
    event = min([x for x in (pd_dt, death) if pd.notna(x)], default=pd.NaT)
    if pd.notna(event):
        prior = max([d for d in adequate if d < event] + [s.TRTSDT])
        return (prior, 5) if (event - prior).days > 196 else (event, 0)
    if not adequate:
        return s.TRTSDT, 2
    return max(adequate), (4 if pd.notna(s.NACTDT) else 3)


def test_pfs_and_os_match_an_independent_recomputation(data):
    sdtm, adam = data
    subj = _subjects(sdtm)
    tps = _timepoints(sdtm, subj)
    tte = adam["ADTTE"].assign(ADT=lambda d: SAS0 + pd.to_timedelta(d["ADT"], unit="D"))
    pfs = tte[tte["PARAMCD"] == "PFS"].set_index("USUBJID")
    for u, s in subj.iterrows():
        assert (pfs.loc[u, "ADT"], int(pfs.loc[u, "CNSR"])) == _pfs(u, s, tps.get(u, [])), u
    os_ = tte[tte["PARAMCD"] == "OS"].set_index("USUBJID")
    contact = _last_contact(sdtm)
    for u, s in subj.iterrows():
        expected = s.DTHDT if pd.notna(s.DTHDT) else contact[u]
        assert os_.loc[u, "ADT"] == expected, u
        assert int(os_.loc[u, "CNSR"]) == (0 if pd.notna(s.DTHDT) else 1), u
        assert os_.loc[u, "AVAL"] == (expected - s.TRTSDT).days + 1, u
