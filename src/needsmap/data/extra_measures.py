"""More measures of need per LSOA: at-risk jobs, furlough, Community Needs Index, ethnicity, change.

Each ``*_columns(edition)`` function returns a frame indexed by ``lsoa_code`` for one IMD edition and
is registered with :func:`needsmap.data.loaders.register_provider`, so
:func:`~needsmap.data.loaders.load_lsoa_table` carries its columns. The matching
:class:`~needsmap.measures.Measure` entries are registered here too.

How values reach each neighbourhood (LSOA):

* **At-risk jobs** (BRES 2018, MSOA 2011): every LSOA 2011 takes the share of its MSOA 2011. An LSOA
  2021 takes the mean over the LSOA 2011s it came from in the ONS best-fit lookup: unchanged (U) and
  split (S) LSOAs have exactly one parent; merged (M) and irregular (X) ones average their parents
  (3 LSOA 2021s draw on two MSOAs). The sum of the four published shares exceeds 100 in one MSOA
  (BRES rounding); LSOA values are capped at 100.
* **Furlough** (HMRC, 31 August 2020, local authority 2019): every LSOA takes the rate of the
  local authority district it was in in August 2020. Districts that merged later (Northamptonshire
  2021, Cumbria, North Yorkshire, Somerset 2023) keep their own districts' rates, so the LSOAs of one
  2024 authority can differ. Buckinghamshire's four former districts are blank in HMRC's file, so its
  LSOAs have no value. Context figures per 2024 authority combine the former districts (count ÷
  estimated eligible employments).
* **Community Needs Index 2023** and **Census 2021 ethnicity** are published per LSOA 2021: 2025
  edition only (ethnicity cannot be split onto the 194 merged LSOA 2011s, so it is not given for 2019).
* **Change 2019→2025** (2025 edition): computed only for LSOAs unchanged since 2011 (ONS code U):
  2019 rank rescaled to 33,755 LSOAs minus 2025 rank, so positive = relatively more deprived. Split
  (S) LSOAs show their 2011 parent's 2019 rank and decile, labelled, with no change; merged (M) and
  redrawn (X) ones have no 2019 value.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from needsmap.data.loaders import load_imd, read_table, register_provider
from needsmap.measures import Measure, register
from needsmap.types import ENGLAND_LSOA11, ENGLAND_LSOA21, Edition

#: the four BRES 2018 sector shares whose sum is the 'at-risk jobs' share
AT_RISK_SECTORS: dict[str, str] = {
    "Jobs in accommodation and food services (hospitality) Rate": "accommodation_food_pct",
    "Jobs in arts, entertainment, recreation and other services Rate": "arts_recreation_other_pct",
    "Jobs in retail Rate": "retail_pct",
    "Jobs in transport and storage (inc postal) Rate": "transport_storage_pct",
}

#: Census 2021 TS021 broad group → our column
ETHNIC_GROUPS: dict[str, str] = {
    "White": "eth_white_pct",
    "Asian, Asian British or Asian Welsh": "eth_asian_pct",
    "Black, Black British, Black Welsh, Caribbean or African": "eth_black_pct",
    "Mixed or Multiple ethnic groups": "eth_mixed_pct",
    "Other ethnic group": "eth_other_pct",
}

#: CNI 2023 source column → our column
CNI_COLUMNS: dict[str, str] = {
    "Community Needs Index 2023 Score": "cni_score",
    "Community Needs Index 2023 Rank": "cni_rank",
    "Civic Assets Domain Score": "cni_civic_assets_score",
    "Connectedness Domain Score": "cni_connectedness_score",
    "Active and Engaged Community Domain Score": "cni_engaged_score",
}

#: ONS LSOA 2011 → 2021 change codes
CHANGE_CODES: dict[str, str] = {
    "U": "unchanged",
    "S": "split from one 2011 LSOA",
    "M": "merged from several 2011 LSOAs",
    "X": "redrawn (irregular)",
}

#: column names of the change provider
CHANGE_COLUMNS = ("imd_rank_2019", "imd_decile_2019", "imd_rank_change", "imd_decile_change",
                  "lsoa_change")


def _empty(edition: Edition) -> pd.DataFrame:
    return pd.DataFrame(index=pd.Index([], dtype=str, name="lsoa_code"))


# --------------------------------------------------------------------------- LSOA 2011 → 2021


def lsoa11_lsoa21_pairs() -> pd.DataFrame:
    """Every (LSOA 2011, LSOA 2021) pair of the ONS best-fit lookup with its change code."""
    lk = read_table("lsoa11_lsoa21_lookup")
    return lk[["lsoa11_code", "lsoa21_code", "change_code"]].astype(str)


def lsoa21_from_lsoa11(values: pd.Series | pd.DataFrame) -> pd.DataFrame:
    """Carry LSOA 2011 values onto LSOA 2021: the mean over each LSOA 2021's 2011 parents.

    Parameters
    ----------
    values
        Numeric values indexed by LSOA 2011 code.

    Returns
    -------
    Frame indexed by LSOA 2021 code (``lsoa_code``). Unchanged and split LSOAs have one parent, so
    they take its value exactly; merged and irregular ones average their parents (missing ignored).
    """
    frame = values.to_frame() if isinstance(values, pd.Series) else values
    pairs = lsoa11_lsoa21_pairs()
    joined = pairs[["lsoa11_code", "lsoa21_code"]].join(frame, on="lsoa11_code")
    out = joined.drop(columns="lsoa11_code").groupby("lsoa21_code").mean(numeric_only=True)
    out.index.name = "lsoa_code"
    return out


def lsoa_change_codes() -> pd.Series:
    """ONS change code (U/S/M/X) of every LSOA 2021, indexed by ``lsoa_code``."""
    pairs = lsoa11_lsoa21_pairs().drop_duplicates("lsoa21_code")
    return pd.Series(pairs["change_code"].to_numpy(), index=pd.Index(pairs["lsoa21_code"], name="lsoa_code"),
                     name="lsoa_change")


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
    if edition == "2019":
        return per11.to_frame()
    return lsoa21_from_lsoa11(per11)


# --------------------------------------------------------------------------- furlough

_MERGED_SINCE_2019: dict[str, str] = {
    # 2024 unitary authority → how it was formed (for notes)
    "E06000060": "Buckinghamshire (2020, from 4 districts)",
    "E06000061": "North Northamptonshire (2021)",
    "E06000062": "West Northamptonshire (2021)",
    "E06000063": "Cumberland (2023)",
    "E06000064": "Westmorland and Furness (2023)",
    "E06000065": "North Yorkshire (2023)",
    "E06000066": "Somerset (2023)",
}


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
    if edition == "2019":
        return per11.to_frame()
    return lsoa21_from_lsoa11(per11)


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
    lk = read_table("lsoa11_lsoa21_lookup")
    wards = read_table("lsoa21_ward24_lookup").set_index("lsoa21_code")
    lad19 = lsoa11_lad19()
    pairs = pd.DataFrame({"lad19": lad19.reindex(lk["lsoa11_code"].astype(str)).to_numpy(),
                          "lad24": wards["ltla24_code"].reindex(lk["lsoa21_code"].astype(str)).to_numpy()})
    # each 2019 district → the 2024 authority most of its LSOAs are in
    d2a = pairs.dropna().groupby("lad19")["lad24"].agg(lambda s: s.value_counts().index[0])
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


# --------------------------------------------------------------------------- Community Needs Index


def cni_columns(edition: Edition) -> pd.DataFrame:
    """CNI 2023 score, rank, three domain scores and the left-behind flag (2025 edition only)."""
    if edition != "2025":
        return _empty(edition)
    raw = read_table("cni2023")
    out = raw.set_index(raw["lsoa21_code"].astype(str))[list(CNI_COLUMNS)].rename(columns=CNI_COLUMNS)
    out.index.name = "lsoa_code"
    out["cni_rank"] = out["cni_rank"].astype("Int64")
    flag = raw["Left Behind Area?"].astype(str).str.strip().str.lower().map({"true": True, "false": False})
    out["left_behind"] = flag.fillna(False).astype(bool).to_numpy()
    return out


def cni2019_wards() -> pd.DataFrame:
    """Community Needs Index 2019 per 2017 ward, with the 225 official 'left behind' wards.

    Wards are 2017 boundaries. ``ward24_code`` is filled where the 2017 code is still in use in 2024
    (ONS gives a ward a new code when its boundary changes, so a kept code means the same ward;
    ``match`` = ``"same code"``), or where a 2024 ward in the same local authority has the same name
    (``"same name"``: the boundary was reviewed and may differ). Others have no 2024 match.

    Returns
    -------
    Frame indexed by ``ward17_code`` with ``ward17_name``, ``lad19_code``, ``lad19_name``,
    ``cni_score``, ``cni_rank`` (1 = highest need of 7,433), domain scores, ``left_behind``,
    ``ward24_code``, ``ward24_name`` and ``match``.
    """
    raw = read_table("cni2019_wards")
    cols = {"ward17_name": "ward17_name", "lad19_code": "lad19_code", "lad19_name": "lad19_name",
            "Community Needs Index score": "cni_score", "Community Needs Index rank": "cni_rank",
            "Civic Assets score": "cni_civic_assets_score", "Connectedness score": "cni_connectedness_score",
            "Engaged community score": "cni_engaged_score"}
    present = {k: v for k, v in cols.items() if k in raw.columns}
    out = raw.set_index(raw["ward17_code"].astype(str))[list(present)].rename(columns=present)
    out.index.name = "ward17_code"
    out["left_behind"] = (raw["Left Behind Area?"].astype(str).str.strip().str.lower() == "true").to_numpy()
    wards = read_table("lsoa21_ward24_lookup").drop_duplicates("ward24_code")
    names24 = wards.set_index("ward24_code")["ward24_name"]
    same = out.index.isin(names24.index)
    key24 = wards.assign(k=wards["ltla24_code"] + "|" + wards["ward24_name"].str.lower().str.strip())
    by_name = key24.drop_duplicates("k").set_index("k")["ward24_code"]
    k17 = out["lad19_code"].astype(str) + "|" + out["ward17_name"].astype(str).str.lower().str.strip()
    named = pd.Series(by_name.reindex(k17).to_numpy(), index=out.index)
    out["ward24_code"] = np.where(same, out.index, named)
    out["ward24_name"] = names24.reindex(out["ward24_code"]).to_numpy()
    out["match"] = np.where(same, "same code", np.where(named.notna(), "same name", "none"))
    return out


# --------------------------------------------------------------------------- ethnicity


def ethnicity_columns(edition: Edition) -> pd.DataFrame:
    """Share of usual residents in each broad ethnic group (Census 2021), 2025 edition only."""
    if edition != "2025":
        return _empty(edition)
    raw = read_table("census2021_ethnicity")
    wide = raw.pivot_table(index="lsoa21_code", columns="ethnic_group", values="n", aggfunc="sum")
    total = raw.drop_duplicates("lsoa21_code").set_index("lsoa21_code")["total_residents"]
    out = pd.DataFrame(index=pd.Index(wide.index.astype(str), name="lsoa_code"))
    for group, col in ETHNIC_GROUPS.items():
        out[col] = (wide[group] / total.reindex(wide.index) * 100).round(2).to_numpy()
    out["eth_minority_pct"] = (100 - out["eth_white_pct"]).round(2)
    return out


# --------------------------------------------------------------------------- change 2019 → 2025


def change_columns(edition: Edition) -> pd.DataFrame:
    """IMD 2019 rank/decile beside IMD 2025 for each LSOA 2021, and the change (2025 edition only).

    ``lsoa_change`` is the ONS code of the LSOA 2021. ``imd_rank_2019`` and ``imd_decile_2019`` are
    the 2019 values of the same area for unchanged (U) LSOAs and of the parent 2011 LSOA for split (S)
    ones (label them so); merged (M) and redrawn (X) LSOAs have none. The change is computed only
    for unchanged LSOAs, the only ones that are the same area in both editions:

    * ``imd_rank_change`` = 2019 rank rescaled to 33,755 LSOAs − 2025 rank; positive means the area
      ranks **relatively more deprived** in 2025. The rescaling (× 33,755 / 32,844) makes an
      unchanged relative position read as about 0.
    * ``imd_decile_change`` = 2019 decile − 2025 decile; positive means a more deprived decile now.

    Ranks are relative to the rest of England and the indicators changed between editions, so a
    change in rank is not a change in absolute conditions.
    """
    if edition != "2025":
        return _empty(edition)
    imd19 = load_imd("2019")[["imd_rank", "imd_decile"]]
    imd25 = load_imd("2025")[["imd_rank", "imd_decile"]]
    pairs = lsoa11_lsoa21_pairs()
    one = pairs[pairs["change_code"].isin(["U", "S"])].drop_duplicates("lsoa21_code").set_index("lsoa21_code")
    codes = lsoa_change_codes().reindex(imd25.index)
    out = pd.DataFrame(index=imd25.index.rename("lsoa_code"))
    parent = one["lsoa11_code"].reindex(out.index)
    out["imd_rank_2019"] = imd19["imd_rank"].reindex(parent).to_numpy()
    out["imd_decile_2019"] = imd19["imd_decile"].reindex(parent).to_numpy()
    out["imd_rank_2019"] = out["imd_rank_2019"].astype("Int64")
    out["imd_decile_2019"] = out["imd_decile_2019"].astype("Int64")
    comparable = (codes == "U").to_numpy()
    scaled = out["imd_rank_2019"].astype("Float64") * (ENGLAND_LSOA21 / ENGLAND_LSOA11)
    rank_change = (scaled - imd25["imd_rank"].astype("Float64")).round(0).astype("Int64")
    decile_change = (out["imd_decile_2019"] - imd25["imd_decile"]).astype("Int64")
    out["imd_rank_change"] = rank_change.where(comparable, pd.NA)
    out["imd_decile_change"] = decile_change.where(comparable, pd.NA)
    out["lsoa_change"] = codes.to_numpy()
    return out


# --------------------------------------------------------------------------- registration

register_provider("at_risk_jobs", ("bres2018_jobs", "lsoa11_msoa11_lookup", "lsoa11_lsoa21_lookup"),
                  at_risk_jobs_columns)
register_provider("furlough", ("furlough2020", "lsoa11_ltla21_lookup", "lsoa11_lsoa21_lookup"),
                  furlough_columns)
register_provider("cni2023", ("cni2023",), cni_columns)
register_provider("ethnicity", ("census2021_ethnicity",), ethnicity_columns)
register_provider("imd_change", ("imd2019", "imd2025", "lsoa11_lsoa21_lookup"), change_columns)

_JOBS = "Jobs and economy"
_CNI = "Community needs"
_ETH = "Ethnicity (Census 2021)"
_CHANGE = "Change since 2019"
_CNI_NOTE = ("Optional layer (licence not confirmed): shown only when the file is in the data folder. "
             "Cite: Community Needs Index, OCSI/Local Trust.")
_ETH_NOTE = ("Shown for context, not as a measure of need; higher values rank first when it is used "
             "to prioritise.")

EXTRA_MEASURES: tuple[Measure, ...] = (
    Measure(
        id="at_risk_jobs_pct", label="Jobs at risk in the 2020 shutdown", group=_JOBS, views=("value",),
        datasets=("bres2018_jobs", "lsoa11_msoa11_lookup", "lsoa11_lsoa21_lookup"), unit="%",
        description=(
            "Share of the jobs located in the neighbourhood's MSOA (2011) that are in accommodation and "
            "food; arts, entertainment, recreation and other services; retail; or transport and storage "
            "— the sectors shut down in 2020 (BRES 2018, as in OCSI Local Insight). An MSOA figure repeated "
            "on each of its LSOAs; LSOA 2021s take the mean of the 2011 LSOAs they came from. England's "
            "MSOA mean is about 26%."),
    ),
    Measure(
        id="furlough_rate", label="Furlough take-up, August 2020", group=_JOBS, views=("value",),
        datasets=("furlough2020", "lsoa11_ltla21_lookup"), unit="%",
        description=(
            "Share of eligible employments furloughed under the Coronavirus Job Retention Scheme on "
            "31 August 2020 (HMRC), for the local authority district the neighbourhood was in then "
            "(2019 districts; merged authorities keep their former districts' rates). A local-authority "
            "figure repeated on its LSOAs. No figure for Buckinghamshire (blank in HMRC's file)."),
    ),
    Measure(
        id="cni", label="Community Needs Index 2023", group=_CNI, views=("score", "rank"),
        editions=("2025",), datasets=("cni2023",), extra={"optional": "true"},
        description=(
            "Social infrastructure need: few civic assets (places to meet), poor connectedness and a "
            "less active and engaged community. Higher score = higher need; rank 1 = highest need of "
            "33,755 LSOAs. " + _CNI_NOTE),
    ),
    Measure(
        id="cni_civic_assets", label="CNI: civic assets", group=_CNI, views=("score",),
        editions=("2025",), datasets=("cni2023",), extra={"optional": "true"},
        description="Lack of places to meet: community centres, libraries, pubs, green space, "
                    "educational and sports facilities. Higher = fewer assets. " + _CNI_NOTE,
    ),
    Measure(
        id="cni_connectedness", label="CNI: connectedness", group=_CNI, views=("score",),
        editions=("2025",), datasets=("cni2023",), extra={"optional": "true"},
        description="Poor connection to services and the wider economy (transport, digital, jobs). "
                    "Higher = less connected. " + _CNI_NOTE,
    ),
    Measure(
        id="cni_engaged", label="CNI: active and engaged community", group=_CNI, views=("score",),
        editions=("2025",), datasets=("cni2023",), extra={"optional": "true"},
        description="Low levels of third-sector activity, civic participation and engagement. "
                    "Higher = less active. " + _CNI_NOTE,
    ),
    Measure(
        id="left_behind", label="'Left behind' neighbourhood (CNI 2023)", group=_CNI, views=("value",),
        editions=("2025",), datasets=("cni2023",), unit="yes/no", extra={"optional": "true", "kind": "flag"},
        description=(
            "Flag from the data redistributor: in the highest-need tenth on the CNI 2023 and in the most "
            "deprived IMD 2019 decile (checked against the data: it matches IMD 2019, not 2025, for all "
            "but 4 merged or redrawn LSOAs). Not Local Trust's official 2019 list of 225 left-behind "
            "wards. " + _CNI_NOTE),
    ),
    *(
        Measure(
            id=col, label=label, group=_ETH, views=("value",), editions=("2025",),
            datasets=("census2021_ethnicity",), unit="%", higher_is_worse=hiw,
            description=f"Share of usual residents {desc} (Census 2021, TS021 broad groups). " + _ETH_NOTE,
        )
        for col, label, desc, hiw in (
            ("eth_minority_pct", "Ethnic minority residents (not White)",
             "in any ethnic group other than White (100 − White share)", True),
            ("eth_asian_pct", "Asian, Asian British or Asian Welsh", "who are Asian, Asian British or Asian Welsh", True),
            ("eth_black_pct", "Black, Black British, Caribbean or African",
             "who are Black, Black British, Black Welsh, Caribbean or African", True),
            ("eth_mixed_pct", "Mixed or multiple ethnic groups", "in mixed or multiple ethnic groups", True),
            ("eth_other_pct", "Other ethnic group", "in another ethnic group (incl. Arab)", True),
            ("eth_white_pct", "White", "who are White (all White groups)", False),
        )
    ),
    Measure(
        id="imd_rank_change", label="Change in IMD rank, 2019→2025", group=_CHANGE, views=("value",),
        editions=("2025",), datasets=("imd2019", "imd2025", "lsoa11_lsoa21_lookup"), unit="ranks",
        description=(
            "2019 national rank (rescaled to 33,755 LSOAs) minus 2025 rank, for LSOAs whose boundary did "
            "not change. Positive = relatively more deprived in 2025. Ranks are relative to the rest of "
            "England and the indicators and methods changed, so this is not a change in absolute "
            "conditions."),
    ),
    Measure(
        id="imd_decile_change", label="Change in IMD decile, 2019→2025", group=_CHANGE, views=("value",),
        editions=("2025",), datasets=("imd2019", "imd2025", "lsoa11_lsoa21_lookup"), unit="deciles",
        description=(
            "2019 decile minus 2025 decile for unchanged LSOAs: +1 = one decile more deprived in 2025. "
            "Ranks are relative and methods changed between editions."),
    ),
    Measure(
        id="imd_decile_2019", label="IMD 2019 decile of the same area", group=_CHANGE, views=("value",),
        editions=("2025",), datasets=("imd2019", "lsoa11_lsoa21_lookup"), unit="decile",
        higher_is_worse=False,
        description=(
            "The IMD 2019 decile (1 = most deprived) of the same neighbourhood; for an LSOA split in 2021 "
            "it is the decile of the 2011 LSOA it came from; none for merged or redrawn LSOAs."),
    ),
)

for _m in EXTRA_MEASURES:
    register(_m)


def coverage(table: pd.DataFrame) -> dict[str, int]:
    """How many LSOAs of ``table`` have a value in each extra-measure column present."""
    cols = ["at_risk_jobs_pct", "furlough_rate", "cni_score", "left_behind", *ETHNIC_GROUPS.values(),
            "eth_minority_pct", *CHANGE_COLUMNS]
    return {c: int(table[c].notna().sum()) for c in cols if c in table.columns}


__all__ = [
    "AT_RISK_SECTORS",
    "CHANGE_CODES",
    "CHANGE_COLUMNS",
    "ETHNIC_GROUPS",
    "EXTRA_MEASURES",
    "at_risk_jobs_columns",
    "change_columns",
    "cni2019_wards",
    "cni_columns",
    "coverage",
    "ethnicity_columns",
    "furlough_by_lad19",
    "furlough_by_lad24",
    "furlough_columns",
    "lsoa11_lad19",
    "lsoa11_lsoa21_pairs",
    "lsoa21_from_lsoa11",
    "lsoa_change_codes",
    "msoa_at_risk_jobs",
]
