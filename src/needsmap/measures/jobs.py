"""Jobs and economy family: jobs at risk in the 2020 shutdown (BRES 2018) and furlough take-up (HMRC).

How values reach each neighbourhood is in :data:`HOW`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from needsmap.data import crosswalk
from needsmap.data.loaders import Provider, read_table
from needsmap.measures.base import Measure, ProfileRow
from needsmap.types import LSOA_VINTAGE, Edition

#: how values reach each neighbourhood (LSOA), for the Data sources page
HOW = (
    "**At-risk jobs** (BRES 2018, MSOA 2011): every LSOA 2011 takes the share of its MSOA 2011. An LSOA "
    "2021 takes the mean over the LSOA 2011s it came from in the ONS best-fit lookup: unchanged (U) and "
    "split (S) LSOAs have exactly one parent; merged (M) and irregular (X) ones average their parents "
    "(3 LSOA 2021s draw on two MSOAs). The sum of the four published shares exceeds 100 in one MSOA "
    "(BRES rounding); LSOA values are capped at 100.",
    "**Furlough** (HMRC, 31 August 2020, local authority 2019): every LSOA takes the rate of the "
    "local authority district it was in in August 2020. Districts that merged later (Northamptonshire "
    "2021, Cumbria, North Yorkshire, Somerset 2023) keep their own districts' rates, so the LSOAs of one "
    "2024 authority can differ. Buckinghamshire's four former districts are blank in HMRC's file, so its "
    "LSOAs have no value. Context figures per 2024 authority combine the former districts (count ÷ "
    "estimated eligible employments).",
)

#: the four BRES 2018 sector shares whose sum is the 'at-risk jobs' share
AT_RISK_SECTORS: dict[str, str] = {
    "Jobs in accommodation and food services (hospitality) Rate": "accommodation_food_pct",
    "Jobs in arts, entertainment, recreation and other services Rate": "arts_recreation_other_pct",
    "Jobs in retail Rate": "retail_pct",
    "Jobs in transport and storage (inc postal) Rate": "transport_storage_pct",
}


# --------------------------------------------------------------------------- at-risk jobs


def msoa_at_risk_jobs() -> pd.DataFrame:
    """BRES 2018 sector shares per MSOA 2011 and their sum ``at_risk_jobs_pct`` (uncapped).

    Returns
    -------
    Frame indexed by ``msoa11_code`` with ``msoa11_name``, the four sector shares (per cent of the
    jobs located in the MSOA) and ``at_risk_jobs_pct``.
    """
    raw = read_table("bres2018_jobs")
    out = raw.set_index("msoa11_code")[["msoa11_name", *AT_RISK_SECTORS]].rename(columns=AT_RISK_SECTORS)
    out["at_risk_jobs_pct"] = out[list(AT_RISK_SECTORS.values())].sum(axis=1, min_count=4)
    return out


def at_risk_jobs_columns(edition: Edition) -> pd.DataFrame:
    """``at_risk_jobs_pct`` per LSOA: the share of its MSOA 2011 (LSOA 2021: mean over 2011 parents)."""
    msoa = msoa_at_risk_jobs()["at_risk_jobs_pct"].clip(upper=100.0)
    lk = read_table("lsoa11_msoa11_lookup")
    per11 = pd.Series(msoa.reindex(lk["msoa11_code"]).to_numpy(),
                      index=pd.Index(lk["lsoa11_code"].astype(str), name="lsoa_code"),
                      name="at_risk_jobs_pct")
    if LSOA_VINTAGE[edition] == "lsoa11":  # the figures are on LSOA 2011 already
        return per11.to_frame()
    return crosswalk.mean_onto_lsoa21(per11)


# --------------------------------------------------------------------------- furlough


def furlough_by_lad19() -> pd.DataFrame:
    """HMRC furlough take-up at 31 August 2020 per local authority (2019 codes).

    Returns
    -------
    Frame indexed by ``lad19_code`` with ``lad19_name``, ``furlough_count`` (employments furloughed,
    rounded to 100 by HMRC) and ``furlough_rate`` (per cent of eligible employments; HMRC rounds it to
    whole per cent). Buckinghamshire's four former districts are blank in the source.
    """
    raw = read_table("furlough2020")
    out = pd.DataFrame({
        "lad19_name": raw["LAD19NM"].to_numpy(),
        "furlough_count": pd.to_numeric(raw["Furlough count"], errors="coerce").to_numpy(),
        "furlough_rate": (pd.to_numeric(raw["Furlough rate"], errors="coerce") * 100).round(1).to_numpy(),
    }, index=pd.Index(raw["LAD19CD"].astype(str), name="lad19_code"))
    return out


def lsoa11_lad19() -> pd.Series:
    """The 2019 local authority of every LSOA 2011 (code), indexed by LSOA 2011 code.

    The LSOA 2011 → local authority 2021 lookup gives it directly except for Buckinghamshire (2020)
    and North/West Northamptonshire (2021); there the LSOA name's stem ("Corby 003A") names the
    former district, matched to the HMRC file's names.
    """
    lk = read_table("lsoa11_ltla21_lookup")
    codes19 = furlough_by_lad19()
    by_name = {str(n).strip().lower(): c for c, n in codes19["lad19_name"].dropna().items()}
    # Buckinghamshire's districts have no names in HMRC's file; their codes are well known
    by_name.update({"aylesbury vale": "E07000004", "chiltern": "E07000005", "south bucks": "E07000006",
                    "wycombe": "E07000007"})
    stem = lk["lsoa11_name"].astype(str).str.replace(r"\s+\d{3}[A-Z]$", "", regex=True).str.lower()
    code21 = lk["ltla21_code"].astype(str)
    known = code21.isin(codes19.index)
    lad19 = code21.where(known, stem.map(by_name))
    return pd.Series(lad19.to_numpy(), index=pd.Index(lk["lsoa11_code"].astype(str), name="lsoa_code"),
                     name="lad19_code")


def furlough_columns(edition: Edition) -> pd.DataFrame:
    """``furlough_rate`` (%) per LSOA: the rate of its August 2020 local authority district."""
    rates = furlough_by_lad19()["furlough_rate"]
    lad19 = lsoa11_lad19()
    per11 = pd.Series(rates.reindex(lad19).to_numpy(), index=lad19.index, name="furlough_rate")
    if LSOA_VINTAGE[edition] == "lsoa11":  # the figures are on LSOA 2011 already
        return per11.to_frame()
    return crosswalk.mean_onto_lsoa21(per11)


def furlough_by_lad24() -> pd.DataFrame:
    """Furlough take-up per 2024 local authority, for context figures.

    Authorities whose code did not change take HMRC's figures. For an authority formed from several
    2019 districts the count is their sum and the rate is count ÷ estimated eligible employments
    (each district's count ÷ its rate), so it is approximate (HMRC rounds rates to whole per cent);
    ``estimated`` marks these. Buckinghamshire has no figure (blank in HMRC's file).

    Returns
    -------
    Frame indexed by ``lad_code`` (2024) with ``lad_name``, ``furlough_count``, ``furlough_rate``
    (%), ``estimated`` (bool) and ``note``.
    """
    src = furlough_by_lad19()
    lk = crosswalk.pairs()
    wards = read_table("lsoa21_ward24_lookup").set_index("lsoa21_code")
    lad19 = lsoa11_lad19()
    districts = pd.DataFrame({"lad19": lad19.reindex(lk["lsoa11_code"].astype(str)).to_numpy(),
                              "lad24": wards["ltla24_code"].reindex(lk["lsoa21_code"].astype(str)).to_numpy()})
    # each 2019 district → the 2024 authority most of its LSOAs are in
    d2a = districts.dropna().groupby("lad19")["lad24"].agg(lambda s: s.value_counts().index[0])
    names24 = wards.drop_duplicates("ltla24_code").set_index("ltla24_code")["ltla24_name"]
    src = src.assign(lad24=d2a.reindex(src.index).to_numpy())
    src["eligible"] = src["furlough_count"] / (src["furlough_rate"] / 100)
    rows = []
    for code, grp in src.dropna(subset=["lad24"]).groupby("lad24"):
        exact = len(grp) == 1 and grp.index[0] == code
        count = grp["furlough_count"].sum(min_count=len(grp))
        elig = grp["eligible"].sum(min_count=len(grp))
        rate = float(grp["furlough_rate"].iloc[0]) if exact else (
            round(float(count / elig * 100), 1) if pd.notna(count) and pd.notna(elig) else np.nan)
        if exact:
            note = ""
        elif pd.isna(rate):
            note = "No figure: the former districts are blank in HMRC's file"
        else:
            note = f"Estimated from {len(grp)} former districts (2019 codes)"
        rows.append({"lad_code": code, "lad_name": names24.get(code, code), "furlough_count": count,
                     "furlough_rate": rate, "estimated": not exact, "note": note})
    return pd.DataFrame(rows).set_index("lad_code").sort_index()


# --------------------------------------------------------------------------- measures

AT_RISK_PROVIDER = Provider("at_risk_jobs", ("bres2018_jobs", "lsoa11_msoa11_lookup", "lsoa11_lsoa21_lookup"),
                            at_risk_jobs_columns)
FURLOUGH_PROVIDER = Provider("furlough", ("furlough2020", "lsoa11_ltla21_lookup", "lsoa11_lsoa21_lookup"),
                             furlough_columns)
_JOBS = "Jobs and economy"

MEASURES: tuple[Measure, ...] = (
    Measure(
        id="at_risk_jobs_pct", label="Jobs at risk in the 2020 shutdown", group=_JOBS, views=("value",), kind="share",
        provider=AT_RISK_PROVIDER, datasets=("bres2018_jobs", "lsoa11_msoa11_lookup", "lsoa11_lsoa21_lookup"), unit="%",
        description=(
            "Share of the jobs located in the neighbourhood's MSOA (2011) that are in accommodation and "
            "food; arts, entertainment, recreation and other services; retail; or transport and storage "
            "— the sectors shut down in 2020 (BRES 2018, as in OCSI Local Insight). An MSOA figure repeated "
            "on each of its LSOAs; LSOA 2021s take the mean of the 2011 LSOAs they came from. England's "
            "MSOA mean is about 26%."),
        profile=(ProfileRow("at_risk_jobs_pct", "Jobs in sectors shut in 2020 (BRES 2018)"),),
    ),
    Measure(
        id="furlough_rate", label="Furlough take-up, August 2020", group=_JOBS, views=("value",), kind="rate",
        provider=FURLOUGH_PROVIDER, datasets=("furlough2020", "lsoa11_ltla21_lookup"), unit="%",
        description=(
            "Share of eligible employments furloughed under the Coronavirus Job Retention Scheme on "
            "31 August 2020 (HMRC), for the local authority district the neighbourhood was in then "
            "(2019 districts; merged authorities keep their former districts' rates). A local-authority "
            "figure repeated on its LSOAs. No figure for Buckinghamshire (blank in HMRC's file)."),
        profile=(ProfileRow("furlough_rate", "Furlough take-up, Aug 2020 (council)"),),
    ),
)

__all__ = [
    "AT_RISK_PROVIDER",
    "AT_RISK_SECTORS",
    "FURLOUGH_PROVIDER",
    "HOW",
    "MEASURES",
    "at_risk_jobs_columns",
    "furlough_by_lad19",
    "furlough_by_lad24",
    "furlough_columns",
    "lsoa11_lad19",
    "msoa_at_risk_jobs",
]
