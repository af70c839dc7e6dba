"""Census family: the ethnic make-up, qualifications and household deprivation of each LSOA
(Census 2021, ONS), and the ONS mid-year population estimates (mid-2022, mid-2024).

How values reach each neighbourhood is in :data:`HOW`. The broad groups are the publisher's
(:data:`needsmap.data.census_groups.ETHNIC_GROUPS`); :data:`ETHNIC_GROUPS` gives each its short
name, in the order needsmap shows them (White first).

Qualifications (TS067) and household deprivation (TS011) are carried as counts as well as shares
(:data:`QUALIFICATION_COUNTS`, :data:`HOUSEHOLD_COUNTS`), so the share of any group of LSOAs (an
area, England) is a ratio of sums. They are published on LSOA 2021; an LSOA 2011 of the 2019 edition
gets them only where it is exactly one or more whole LSOA 2021s (:func:`onto_whole_lsoa11`).
"""

from __future__ import annotations

import pandas as pd

from needsmap.data import census_groups, crosswalk
from needsmap.data.loaders import Provider, read_table
from needsmap.measures._lsoa import empty_part
from needsmap.measures.base import Measure, ProfileRow
from needsmap.types import LSOA_VINTAGE, Edition

#: the crosswalk change codes whose LSOA 2011 is exactly a union of whole LSOA 2021s
WHOLE_CHANGES = (crosswalk.CHANGE_UNCHANGED, crosswalk.CHANGE_SPLIT)

#: how values reach each neighbourhood (LSOA), for the Data sources page
HOW = (
    "**Census 2021 ethnicity** is published per LSOA 2021: 2025 edition only (ethnicity cannot be "
    "split onto the 194 merged LSOA 2011s, so it is not given for 2019).",
    "**Census 2021 qualifications (TS067) and household deprivation (TS011)** are published per LSOA "
    "2021 and carried as counts (residents aged 16+, those with no qualifications; households, those "
    "deprived in 1+, 2+ and 3+ dimensions), so an area's or England's share is a ratio of sums. For "
    "the 2019 edition (LSOA 2011) an LSOA gets them only where it is exactly one or more whole LSOA "
    f"2021s (ONS change codes {' and '.join(WHOLE_CHANGES)}: "
    f"{crosswalk.CHANGE_CODES[crosswalk.CHANGE_UNCHANGED]} or "
    f"{crosswalk.CHANGE_CODES[crosswalk.CHANGE_SPLIT]}, the counts of its 2021 parts summed); merged "
    f"({crosswalk.CHANGE_MERGED}) and irregularly redrawn ({crosswalk.CHANGE_IRREGULAR}) LSOAs are "
    "left blank rather than estimated.",
    "**Population**: each LSOA's population in the 2025 edition's table (used for weighting and "
    "residents' shares) is Census 2021 usual residents; the 2019 edition's is the ONS mid-2020 "
    "estimate. The IMD 2025's own rates (income, employment …) use mid-2022 denominators, and the "
    "IMD 2019's mid-2015. The ONS mid-2022 and mid-2024 estimates (LSOA 2021, mid-2024 the latest) "
    "are shown beside them on 2025 profiles, not used in any calculation.",
)

#: Census 2021 broad ethnic groups: short name (the group's first word) -> TS021 group name, White first
ETHNIC_GROUPS: dict[str, str] = {
    name.split()[0].rstrip(","): name for name in sorted(census_groups.ETHNIC_GROUPS, key=lambda n: n != "White")
}


def ethnic_column(short: str) -> str:
    """The LSOA table's column of a broad group's share (``"Asian"`` → ``eth_asian_pct``)."""
    return f"eth_{short.lower()}_pct"


def ethnicity_columns(edition: Edition) -> pd.DataFrame:
    """Share of usual residents in each broad ethnic group (Census 2021), 2025 edition only."""
    if edition != "2025":
        return empty_part(edition)
    raw = read_table("census2021_ethnicity")
    wide = raw.pivot_table(index="lsoa21_code", columns="ethnic_group", values="n", aggfunc="sum")
    total = raw.drop_duplicates("lsoa21_code").set_index("lsoa21_code")["total_residents"]
    out = pd.DataFrame(index=pd.Index(wide.index.astype(str), name="lsoa_code"))
    for short, group in ETHNIC_GROUPS.items():
        out[ethnic_column(short)] = (wide[group] / total.reindex(wide.index) * 100).round(2).to_numpy()
    out["eth_minority_pct"] = (100 - out["eth_white_pct"]).round(2)
    return out


# --------------------------------------------------------------------------- measures

ETHNICITY_PROVIDER = Provider("ethnicity", ("census2021_ethnicity",), ethnicity_columns)
_ETH = "Ethnicity (Census 2021)"
_ETH_NOTE = ("Shown for context, not as a measure of need; higher values rank first when it is used "
             "to prioritise.")


def _share_measure(col: str, label: str, desc: str, higher_is_worse: bool) -> Measure:
    return Measure(
        id=col, label=label, group=_ETH, views=("value",), kind="share", provider=ETHNICITY_PROVIDER,
        editions=("2025",), profile=(), datasets=("census2021_ethnicity",), unit="%",
        higher_is_worse=higher_is_worse,
        description=f"Share of usual residents {desc} (Census 2021, TS021 broad groups). " + _ETH_NOTE,
    )


#: the ethnic minority share, then one share per TS021 broad group (by short name), in the
#: publisher's own words: the groups come from :data:`ETHNIC_GROUPS` and nowhere else
ETHNICITY_MEASURES: tuple[Measure, ...] = (
    _share_measure("eth_minority_pct", "Ethnic minority residents (not White)",
                   "in any ethnic group other than White (100 − White share)", True),
    *(
        _share_measure(ethnic_column(short), group, f'in the group "{group}"',
                       short != "White")
        for short, group in sorted(ETHNIC_GROUPS.items())
    ),
)



# --------------------------------------------------------------------------- qualifications, households

#: LSOA table count columns of Census 2021 TS067: ours -> the raw file's (``census2021_qualifications``)
QUALIFICATION_COUNTS: dict[str, str] = {
    "residents_16plus": "residents_16plus",
    "no_qualifications": "no_qualifications",
}
#: LSOA table count columns of Census 2021 TS011 (``census2021_household_deprivation``): ours -> how
#: each is made from the raw file's columns, in words (households deprived in k or more of the four
#: dimensions); :func:`household_columns` makes them
HOUSEHOLD_COUNTS: dict[str, str] = {
    "households": "total_households",
    "hh_dep1": "total_households - not_deprived",
    "hh_dep2": "deprived_2_dimensions + deprived_3_dimensions + deprived_4_dimensions",
    "hh_dep3": "deprived_3_dimensions + deprived_4_dimensions",
}
#: share column -> (numerator count, denominator count), all in the LSOA table
SHARES: dict[str, tuple[str, str]] = {
    "no_qual_pct": ("no_qualifications", "residents_16plus"),
    "hh_dep1_pct": ("hh_dep1", "households"),
    "hh_dep2_pct": ("hh_dep2", "households"),
    "hh_dep3_pct": ("hh_dep3", "households"),
}
#: the mid-year estimate columns (persons, LSOA 2021), as named in the LSOA table and the raw file
POPULATION_COLUMNS = ("population_mid2022", "population_mid2024")


def share_pct(counts: pd.DataFrame, column: str, *, decimals: int = 2) -> pd.Series:
    """The share ``column`` (a key of :data:`SHARES`) of ``counts``, in % (0–100, ``decimals``
    decimals).

    ``counts`` is any frame with the numerator and denominator counts (the LSOA table, or its sums
    over an area); a zero or missing denominator gives NaN.
    """
    num, den = SHARES[column]
    d = pd.to_numeric(counts[den], errors="coerce").astype(float)
    n = pd.to_numeric(counts[num], errors="coerce").astype(float)
    return (n / d.where(d > 0) * 100).round(decimals).rename(column)


def onto_whole_lsoa11(counts21: pd.DataFrame) -> pd.DataFrame:
    """LSOA 2021 counts summed onto each LSOA 2011 that is exactly a union of whole LSOA 2021s.

    Uses the ONS best-fit lookup through :func:`needsmap.data.crosswalk.pairs`: an LSOA 2011 whose
    every pair is unchanged (``U``) or split (``S``) takes the sum of its 2021 parts. Merged (``M``)
    and irregular (``X``) LSOA 2011s, and any whose part lacks a count, are left out (missing).

    Parameters
    ----------
    counts21
        Counts indexed by LSOA 2021 code.

    Returns
    -------
    Frame of the same columns indexed by LSOA 2011 code (``lsoa_code``), float counts.
    """
    pr = crosswalk.pairs()
    whole = pr["change_code"].isin(WHOLE_CHANGES).groupby(pr["lsoa11_code"]).transform("all")
    pr = pr[whole.to_numpy(dtype=bool)]
    joined = counts21.astype(float).reindex(pr["lsoa21_code"].to_numpy())
    keys = pr["lsoa11_code"].to_numpy()
    sums = joined.groupby(keys).sum()
    gaps = joined.isna().groupby(keys).sum()
    out = sums.mask(gaps > 0)
    out.index.name = "lsoa_code"
    return out


def _counts_part(counts21: pd.DataFrame, edition: Edition) -> pd.DataFrame:
    """Counts (Int64) and their shares (%) for ``edition``'s LSOAs, from LSOA 2021 counts."""
    counts21 = counts21.set_axis(pd.Index(counts21.index.astype(str), name="lsoa_code"))
    counts = counts21 if LSOA_VINTAGE[edition] == "lsoa21" else onto_whole_lsoa11(counts21)
    out = counts.round().astype("Int64")
    for col, (num, den) in SHARES.items():
        if num in out.columns and den in out.columns:
            out[col] = share_pct(counts, col).to_numpy()
    return out


def qualification_columns(edition: Edition) -> pd.DataFrame:
    """``residents_16plus``, ``no_qualifications`` (persons) and ``no_qual_pct`` (%) per LSOA.

    Census 2021 TS067 (``census2021_qualifications``), LSOA 2021; for 2019 (LSOA 2011) only where
    an LSOA is whole LSOA 2021s (:func:`onto_whole_lsoa11`).
    """
    raw = read_table("census2021_qualifications").set_index("lsoa21_code")
    counts = pd.DataFrame({ours: pd.to_numeric(raw[col], errors="coerce")
                           for ours, col in QUALIFICATION_COUNTS.items()})
    return _counts_part(counts, edition)


def household_columns(edition: Edition) -> pd.DataFrame:
    """``households``, ``hh_dep1``/``2``/``3`` (households deprived in 1+, 2+, 3+ of the four
    dimensions) and their shares ``hh_dep1_pct`` … (%) per LSOA.

    Census 2021 TS011 (``census2021_household_deprivation``), LSOA 2021; for 2019 (LSOA 2011) only
    where an LSOA is whole LSOA 2021s (:func:`onto_whole_lsoa11`).
    """
    raw = read_table("census2021_household_deprivation").set_index("lsoa21_code")
    used = ["total_households", "not_deprived", *(f"deprived_{k}_dimensions" for k in (2, 3, 4))]
    n = raw[used].apply(pd.to_numeric, errors="coerce").astype(float)
    counts = pd.DataFrame({
        "households": n["total_households"],
        "hh_dep1": n["total_households"] - n["not_deprived"],
        "hh_dep2": n["deprived_2_dimensions"] + n["deprived_3_dimensions"] + n["deprived_4_dimensions"],
        "hh_dep3": n["deprived_3_dimensions"] + n["deprived_4_dimensions"],
    })
    return _counts_part(counts, edition)


def population_columns(edition: Edition) -> pd.DataFrame:
    """ONS mid-2022 and mid-2024 population estimates (persons) per LSOA 2021, 2025 edition only."""
    if LSOA_VINTAGE[edition] != "lsoa21":
        return empty_part(edition)
    raw = read_table("population_lsoa21_mid2022_2024").set_index("lsoa21_code")
    out = pd.DataFrame({c: pd.to_numeric(raw[c], errors="coerce").round().astype("Int64")
                        for c in POPULATION_COLUMNS})
    out.index = pd.Index(out.index.astype(str), name="lsoa_code")
    return out


_LOOKUP = crosswalk.CROSSWALK_DATASETS[0]
QUALIFICATIONS_PROVIDER = Provider("qualifications", ("census2021_qualifications", _LOOKUP),
                                   qualification_columns)
HOUSEHOLDS_PROVIDER = Provider("household_deprivation", ("census2021_household_deprivation", _LOOKUP),
                               household_columns)
POPULATION_PROVIDER = Provider("population_estimates", ("population_lsoa21_mid2022_2024",),
                               population_columns)
_CENSUS = "Census 2021: qualifications and households"
_WHOLE_2011 = ("For 2019 (LSOA 2011) it is given only where the LSOA is unchanged or was split in "
               "2021; merged or redrawn LSOAs are blank.")
_DIMENSIONS = ("The four dimensions are employment (a household member, not a full-time student, is "
               "unemployed or long-term sick), education (no one has at least Level 2 qualifications and "
               "no one aged 16–18 is a full-time student), health and disability (a member is disabled "
               "or in bad or very bad health) and housing (overcrowded, shared, or no central heating).")


def _household_measure(k: int) -> Measure:
    more = " or more"
    return Measure(
        id=f"hh_dep{k}_pct", label=f"Households deprived in {k}{more} dimensions (Census 2021)",
        short=f"Households deprived in {k}+ dimensions", heading=f"Households deprived in {k}+ dimensions, %",
        abbrev=f"Hh dep. {k}+ %", group=_CENSUS, views=("value",), kind="share",
        provider=HOUSEHOLDS_PROVIDER, datasets=("census2021_household_deprivation", _LOOKUP), unit="%",
        description=(f"Share of households deprived in {k}{more} of the Census's four dimensions of "
                     f"deprivation (Census 2021, TS011). {_DIMENSIONS} {_WHOLE_2011}"),
    )


#: Census 2021 qualifications and household deprivation: shares mapped like any measure
CENSUS_MEASURES: tuple[Measure, ...] = (
    Measure(
        id="no_qual_pct", label="No qualifications (residents aged 16+, Census 2021)",
        short="No qualifications", heading="No qualifications, % of 16+", abbrev="No quals %",
        group=_CENSUS, views=("value",), kind="share", provider=QUALIFICATIONS_PROVIDER,
        datasets=("census2021_qualifications", _LOOKUP), unit="%",
        description=("Share of usual residents aged 16 and over with no qualifications: no GCSEs, "
                     "O levels or equivalent, nor any other qualification (Census 2021, TS067 highest "
                     f"level of qualification). {_WHOLE_2011}"),
    ),
    *(_household_measure(k) for k in (1, 2, 3)),
)

#: the ONS mid-year estimates: not mapped (no view), two rows on a 2025 area profile
POPULATION_MEASURE = Measure(
    id="population_estimates", label="Population estimates, mid-2022 and mid-2024 (ONS)",
    group="Population", views=(), kind="count", provider=POPULATION_PROVIDER, editions=("2025",),
    datasets=("population_lsoa21_mid2022_2024",), unit="people",
    description=("ONS small-area mid-year population estimates (LSOA 2021), all persons. Shown on area "
                 "profiles for context (a ward's or local authority's is the sum of its LSOAs'). "
                 "Residents' shares and weights in the 2025 edition use Census 2021 usual residents; "
                 "the IMD 2025's own rates use the mid-2022 estimates, and so does the employment "
                 "domain rate of a ward or local authority on its profile (weighted by mid-2022 "
                 "population); mid-2024 is the latest estimate."),
    profile=tuple(
        ProfileRow(col, f"Population, {year} estimate (ONS{', latest' if col == POPULATION_COLUMNS[-1] else ''})",
                   f"Population, {year} estimate (ONS), sum of the LSOAs")
        for col, year in zip(POPULATION_COLUMNS, ("mid-2022", "mid-2024"), strict=True)
    ),
)

#: the family's measures: ethnicity, then qualifications and households, then the population rows
MEASURES: tuple[Measure, ...] = (*ETHNICITY_MEASURES, *CENSUS_MEASURES, POPULATION_MEASURE)

__all__ = ["CENSUS_MEASURES", "ETHNICITY_MEASURES", "ETHNICITY_PROVIDER", "ETHNIC_GROUPS", "HOUSEHOLDS_PROVIDER", "HOUSEHOLD_COUNTS",
           "HOW", "MEASURES", "POPULATION_COLUMNS", "POPULATION_MEASURE", "POPULATION_PROVIDER",
           "QUALIFICATIONS_PROVIDER", "QUALIFICATION_COUNTS", "SHARES", "WHOLE_CHANGES", "ethnic_column",
           "ethnicity_columns", "household_columns", "onto_whole_lsoa11", "population_columns",
           "qualification_columns", "share_pct"]
