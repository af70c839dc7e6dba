"""Places like this one: the LSOAs, wards or local authorities of England most alike on the seven IMD 2025 domains.

Method (the same words appear on the Places like this page and in the command's help, :data:`METHOD`):

* Each of England's LSOAs has a score on each of the seven IMD 2025 domains (the LSOA table's
  ``<domain>_score`` columns; domains from :data:`needsmap.data.imd_domains.DOMAIN_IDS`). Each domain
  score is **standardised** across England's LSOAs: ``z = (score - mean) / sd`` (population standard
  deviation, ``ddof=0``), so every domain counts on the same scale whatever its units.
* An LSOA's **profile** is its seven standardised scores; a ward's or local authority's is the
  population-weighted mean (weights: the LSOA table's ``population``, Census 2021 usual residents) of
  its LSOAs' standardised scores. Wards are 2024 wards, each LSOA in one (best fit), as on every page.
* **Distance** between two places of the same level is the Euclidean distance between their profiles
  (the seven domains weighted equally); the most similar places are the nearest, the place itself
  left out. A distance of 1 is one standard deviation of England's LSOAs on one domain.
* **Coverage** (:func:`place_coverage`) compares an organisation layer across the places: the share of
  each place's LSOAs with at least one organisation within the radius of the LSOA's reference point
  (:func:`needsmap.analysis.coverage.coverage_arrays`, the Coverage gaps page's measure).

The IMD 2019 edition publishes its scores on LSOA 2011 and the staged 2019 data keeps only ranks and
deciles, so the comparison always uses the 2025 edition (:data:`EDITION`), whatever edition a page
shows.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal, cast

import numpy as np
import pandas as pd

from needsmap import gss
from needsmap.analysis.coverage import (
    DEFAULT_RADIUS_KM,
    coverage_arrays,
    org_xy,
    radius_text,
    usable_orgs,
)
from needsmap.analysis.summary import worst_share_mask
from needsmap.areas import level_of
from needsmap.data.imd_domains import DOMAIN_IDS
from needsmap.errors import ValidationError
from needsmap.measures import domain_measures
from needsmap.types import Edition, england_lsoa_count, lsoa_code_column

__all__ = [
    "DEFAULT_N",
    "EDITION",
    "LEVEL_LABELS",
    "LEVEL_PLURALS",
    "MAX_N",
    "METHOD",
    "PLACE_LEVELS",
    "PlaceLevel",
    "display_table",
    "export_table",
    "place_coverage",
    "place_level",
    "place_profiles",
    "score_columns",
    "similar_places",
    "standardised_scores",
    "summary_sentence",
    "z_columns",
]

PlaceLevel = Literal["lsoa", "ward", "lad"]
#: the levels a place can be, largest first
PLACE_LEVELS: tuple[PlaceLevel, ...] = ("lad", "ward", "lsoa")
#: what each level is called in sentences
LEVEL_LABELS: dict[PlaceLevel, str] = {"lad": "local authority", "ward": "ward", "lsoa": "neighbourhood (LSOA)"}
LEVEL_PLURALS: dict[PlaceLevel, str] = {"lad": "local authorities", "ward": "wards",
                                        "lsoa": "neighbourhoods (LSOAs)"}
#: the IMD edition whose domain scores are compared (the 2019 staged data has no scores)
EDITION: Edition = "2025"
DEFAULT_N = 10
#: the most places a list may hold
MAX_N = 50
#: the table's code and name column of each area level (LSOAs: the index and ``lsoa_name``)
_AREA_COLUMNS: dict[str, tuple[str, str]] = {"ward": ("ward_code", "ward_name"), "lad": ("lad_code", "lad_name")}

#: the seven domains in words: "income; employment; education, skills and training; …"
_DOMAIN_WORDS = "; ".join(m.label.removesuffix(" deprivation").lower()
                          for m in domain_measures() if m.id in DOMAIN_IDS)

#: the method in two sentences, for the page, the command's help and the docs
METHOD = (
    f"Each of England's {england_lsoa_count(EDITION):,} neighbourhoods (LSOAs) is described by its seven "
    f"IMD {EDITION} domain scores ({_DOMAIN_WORDS}), each standardised across England (minus England's "
    "mean, divided by its standard deviation), and a ward or local authority by the population-weighted "
    "mean of its neighbourhoods' standardised scores. "
    "The most similar places are the other places of the same kind nearest to this one in those seven "
    "standardised scores (straight-line, Euclidean distance, every domain weighted equally; 0 = identical)."
)


def score_columns() -> list[str]:
    """The LSOA table's seven domain score columns (``income_score`` …), in MHCLG's order."""
    return [f"{d}_score" for d in DOMAIN_IDS]


def z_columns() -> list[str]:
    """Names of the seven standardised scores in results (``income_z`` …), in MHCLG's order."""
    return [f"{d}_z" for d in DOMAIN_IDS]


def place_level(code: str) -> PlaceLevel:
    """The level of a place code: ``lsoa`` (E01…), ``ward`` (E05…) or ``lad`` (E06…–E09…).

    Raises
    ------
    ValidationError
        A region, England or a code needsmap does not know: places are compared at LSOA, ward or
        local-authority level only.
    """
    text = str(code).strip().upper()
    if gss.is_lsoa_code(text):
        return "lsoa"
    level = level_of(text)
    if level in ("england", "region"):
        raise ValidationError(f"{text} is {'England' if level == 'england' else 'a region'}: places are "
                              "compared as local authorities, wards or neighbourhoods (LSOAs); choose one")
    return cast(PlaceLevel, level)


def _check_level(level: str) -> PlaceLevel:
    if level not in PLACE_LEVELS:
        raise ValidationError(f"unknown place level {level!r}; use one of {', '.join(PLACE_LEVELS)}")
    return cast(PlaceLevel, level)


def standardised_scores(table: pd.DataFrame, *, reference: pd.DataFrame | None = None) -> pd.DataFrame:
    """Each LSOA's seven IMD domain scores as z-scores across England.

    Parameters
    ----------
    table
        LSOA table of the 2025 edition (``load_lsoa_table("2025")``), indexed by ``lsoa_code``, with
        :func:`score_columns`.
    reference
        The LSOAs whose mean and standard deviation standardise the scores (default ``table``). Pass
        England's IMD table (``load_imd("2025")``) when ``table`` holds only part of England (the
        embedded demo).

    Returns
    -------
    DataFrame
        Same index as ``table``; columns :func:`z_columns`: ``(score - mean) / sd``, the population
        standard deviation (``ddof=0``) of ``reference``'s non-missing scores. Missing scores stay
        missing.

    Raises
    ------
    ValidationError
        A score column is missing (not the 2025 edition's table), or a domain has no spread.
    """
    cols = score_columns()
    ref = table if reference is None else reference
    for frame, what in ((table, "LSOA table"), (ref, "reference table")):
        missing = [c for c in cols if c not in frame.columns]
        if missing:
            raise ValidationError(f"the {what} has no IMD domain scores ({', '.join(missing)}): "
                                  f"places are compared on the IMD {EDITION} edition's scores")
    refv = ref[cols].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    mean = np.nanmean(refv, axis=0)
    sd = np.nanstd(refv, axis=0)
    if not np.all(sd > 0):
        raise ValidationError("an IMD domain score does not vary across the reference LSOAs")
    values = table[cols].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    return pd.DataFrame((values - mean) / sd, index=table.index, columns=z_columns())


def place_profiles(table: pd.DataFrame, level: PlaceLevel, *,
                   reference: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every place of ``level`` with its profile (standardised domain scores) and deprivation.

    Parameters
    ----------
    table
        LSOA table of the 2025 edition, indexed by ``lsoa_code``, with the geography columns,
        ``population``, ``imd_rank``, ``imd_decile`` and :func:`score_columns`.
    level
        ``lsoa``, ``ward`` or ``lad``.
    reference
        As :func:`standardised_scores`.

    Returns
    -------
    DataFrame
        Indexed by ``code`` (the place's ONS code), sorted by code. Columns: ``name``, ``level``,
        ``ward_name`` (LSOAs only), ``lad_name`` (for a local authority, its own name),
        ``region_name``, ``population`` (residents), ``lsoas`` (number of LSOAs); for LSOAs
        ``imd_rank`` (1 = most deprived of England's LSOAs) and ``imd_decile``; for wards and local
        authorities ``share_top10`` and ``share_top20`` (0–1: share of the place's LSOAs among
        England's 10% / 20% most deprived on the IMD, by published decile); then :func:`z_columns`
        (a ward's or local authority's: population-weighted means over its LSOAs with a score).
    """
    level = _check_level(level)
    z = standardised_scores(table, reference=reference)
    zc = z_columns()
    pop = pd.to_numeric(table["population"], errors="coerce").fillna(0.0).astype(float)
    if level == "lsoa":
        out = pd.DataFrame({
            "name": table["lsoa_name"].astype("string"), "level": level,
            "ward_name": table["ward_name"].astype("string"), "lad_name": table["lad_name"].astype("string"),
            "region_name": table["region_name"].astype("string"), "population": pop, "lsoas": 1,
            "imd_rank": pd.to_numeric(table["imd_rank"], errors="coerce").astype("Int64"),
            "imd_decile": pd.to_numeric(table["imd_decile"], errors="coerce").astype("Int64"),
        }, index=table.index)
        out = pd.concat([out, z], axis=1)
    else:
        code_col, name_col = _AREA_COLUMNS[level]
        key = table[code_col].astype("string")
        has = z.notna()
        # population-weighted means over the LSOAs with a score (equal weights when none has residents)
        w = pop.where(pop.groupby(key).transform("sum") > 0, 1.0)
        num = z.fillna(0.0).mul(w, axis=0).groupby(key).sum()
        den = has.mul(w, axis=0).groupby(key).sum()
        means = (num / den.where(den > 0)).set_axis(zc, axis=1)
        first = table.groupby(key, sort=True)[list(dict.fromkeys([name_col, "lad_name", "region_name"]))].first()
        top = {share: worst_share_mask(table, "imd", share, edition=EDITION) for share in (0.1, 0.2)}
        out = pd.DataFrame({
            "name": first[name_col].astype("string"), "level": level,
            "lad_name": first["lad_name"].astype("string"),
            "region_name": first["region_name"].astype("string"),
            "population": pop.groupby(key).sum(),
            "lsoas": key.value_counts(),
            **{f"share_top{round(s * 100)}": (m.astype(float).groupby(key).mean() if m is not None
                                              else pd.Series(np.nan, index=first.index))
               for s, m in top.items()},
        }, index=first.index)
        out["lsoas"] = out["lsoas"].astype("int64")
        out = pd.concat([out, means.reindex(out.index)], axis=1)
    out.index = pd.Index(out.index.astype(str), name="code")
    return out.sort_index()


def similar_places(table: pd.DataFrame, code: str, level: PlaceLevel | None = None, n: int = DEFAULT_N, *,
                   include_self: bool = False, reference: pd.DataFrame | None = None,
                   profiles: pd.DataFrame | None = None) -> pd.DataFrame:
    """The ``n`` places of the same level most similar to ``code`` on the seven IMD 2025 domains.

    Parameters
    ----------
    table
        LSOA table of the 2025 edition (all of England), indexed by ``lsoa_code``: see
        :func:`place_profiles`.
    code
        A 2021 LSOA code (E01…), a 2024 ward code (E05…) or a local-authority code (E06…–E09…).
    level
        ``lsoa``, ``ward`` or ``lad`` (default: from the code's prefix, :func:`place_level`).
    n
        How many similar places, 1 … :data:`MAX_N` (fewer when the level has fewer other places).
    include_self
        Put the place itself first, as rank 0 and distance 0, for comparison.
    reference
        As :func:`standardised_scores`.
    profiles
        :func:`place_profiles` of ``level`` when made beforehand (a cache); made here otherwise.

    Returns
    -------
    DataFrame
        One row per place, nearest first (ties by code), with a fresh index. Columns: ``rank`` (1 =
        most similar; 0 = the place itself), ``code``, ``name``, ``level``, ``distance`` (Euclidean
        distance between the standardised profiles), then the :func:`place_profiles` columns
        (parents, ``population``, ``lsoas``, IMD rank and decile or the shares of LSOAs in England's
        10%/20% most deprived, and the seven standardised scores ``<domain>_z``).

    Raises
    ------
    ValidationError
        Unknown level, a code of another level, no such place in the table, no profile (no scores),
        or ``n`` below 1.
    """
    code = str(code).strip().upper()
    level = place_level(code) if level is None else _check_level(level)
    if place_level(code) != level:
        raise ValidationError(f"{code} is not a {LEVEL_LABELS[level]} code")
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1:
        raise ValidationError(f"the number of similar places must be a whole number from 1, not {n!r}")
    n = min(int(n), MAX_N)
    prof = place_profiles(table, level, reference=reference) if profiles is None else profiles
    if code not in prof.index:
        raise ValidationError(f"no {LEVEL_LABELS[level]} with code {code} in the IMD {EDITION} table")
    zc = z_columns()
    zs = prof[zc].to_numpy(dtype=float)
    me = prof.loc[code, zc].to_numpy(dtype=float)
    if np.isnan(me).any():
        raise ValidationError(f"{code} has no IMD {EDITION} domain scores to compare")
    dist = np.sqrt(((zs - me) ** 2).sum(axis=1))
    dist[np.isnan(zs).any(axis=1)] = np.nan  # a place without every score is not compared
    d = prof.assign(distance=dist)
    d = d.loc[d["distance"].notna()].reset_index()
    me_row = d.loc[d["code"] == code]
    others = d.loc[d["code"] != code].sort_values(["distance", "code"], kind="stable").head(n)
    others = others.assign(rank=np.arange(1, len(others) + 1))
    out = pd.concat([me_row.assign(rank=0, distance=0.0), others]) if include_self else others
    lead = ["rank", "code", "name", "level", "distance"]
    return out[[*lead, *(c for c in out.columns if c not in lead)]].reset_index(drop=True)


# ----------------------------------------------------------------------------- coverage
def place_coverage(table: pd.DataFrame, points: pd.DataFrame, orgs: pd.DataFrame, codes: Sequence[str],
                   level: PlaceLevel, *, radius_km: float = DEFAULT_RADIUS_KM, include_closed: bool = False,
                   include_duplicates: bool = False) -> pd.DataFrame:
    """How well an organisation layer reaches each place: the share of its LSOAs with one nearby.

    Parameters
    ----------
    table
        LSOA table of the 2025 edition, indexed by ``lsoa_code`` (geography columns, ``population``).
    points
        :func:`~needsmap.data.lsoa_points.reference_points` of the 2021 LSOA boundaries (``x``, ``y``
        in EPSG:27700 metres).
    orgs
        Organisations with ``lat`` and ``lon`` (an ``ImportResult.table``); rows not placed, closed
        or flagged duplicates are left out as on the Coverage gaps page
        (:func:`~needsmap.analysis.coverage.usable_orgs`).
    codes
        The places (e.g. ``similar_places(...)["code"]``), all of ``level``.
    level
        ``lsoa``, ``ward`` or ``lad``.
    radius_km
        Straight-line radius from each LSOA's reference point, km, > 0.
    include_closed, include_duplicates
        Count organisations marked closed / flagged as duplicates too (default: no).

    Returns
    -------
    DataFrame
        Indexed by ``code`` in the order of ``codes``: ``lsoas``, ``lsoas_covered`` (LSOAs with at
        least one organisation within ``radius_km``), ``covered_share`` (0–1), ``residents_covered_share``
        (0–1: share of the place's residents living in those LSOAs) and ``orgs_in_place``
        (organisations whose 2021 LSOA is one of the place's; missing when the list has no
        ``lsoa21_code`` column).

    Raises
    ------
    ValidationError
        Bad radius, unknown level, a code with no LSOAs, or an LSOA with no reference point.
    """
    level = _check_level(level)
    if not radius_km > 0 or not math.isfinite(radius_km):
        raise ValidationError(f"the radius must be a positive number of kilometres, not {radius_km!r}")
    wanted = pd.Index([str(c).strip().upper() for c in codes], name="code")
    key = (pd.Series(table.index.astype(str), index=table.index) if level == "lsoa"
           else table[_AREA_COLUMNS[level][0]].astype(str))
    member = key.loc[key.isin(set(wanted))]
    missing = wanted.difference(pd.Index(member.unique()))
    if len(missing):
        raise ValidationError(f"no LSOAs of the {LEVEL_LABELS[level]} {missing[0]} in the IMD {EDITION} table")
    at = points.index.get_indexer(member.index)
    if (at < 0).any():
        raise ValidationError(f"LSOA {member.index[at < 0][0]} has no reference point; check the 2021 "
                              "boundary file")
    placed, _ = usable_orgs(orgs, include_closed=include_closed, include_duplicates=include_duplicates)
    xy = points[["x", "y"]].to_numpy(dtype=float)[at]
    # no catchment pool: only the organisations within the radius are needed here
    within, _, _ = coverage_arrays(xy, org_xy(placed), np.empty((0, 2)), np.empty(0), radius_km * 1000.0)
    pop = pd.to_numeric(table.loc[member.index, "population"], errors="coerce").fillna(0.0).to_numpy(float)
    f = pd.DataFrame({"code": member.to_numpy(), "covered": within > 0, "pop": pop,
                      "pop_covered": np.where(within > 0, pop, 0.0)})
    g = f.groupby("code").agg(lsoas=("covered", "size"), lsoas_covered=("covered", "sum"),
                              pop=("pop", "sum"), pop_covered=("pop_covered", "sum"))
    out = pd.DataFrame(index=g.index)
    out["lsoas"] = g["lsoas"].astype("int64")
    out["lsoas_covered"] = g["lsoas_covered"].astype("int64")
    out["covered_share"] = g["lsoas_covered"] / g["lsoas"]
    out["residents_covered_share"] = (g["pop_covered"] / g["pop"].where(g["pop"] > 0)).astype(float)
    col = lsoa_code_column(EDITION)
    if col in placed.columns:
        in_lsoa = placed[col].astype("string").dropna().value_counts()
        counts = pd.Series(in_lsoa.reindex(member.index).fillna(0).to_numpy(int), index=member.to_numpy())
        out["orgs_in_place"] = counts.groupby(level=0).sum().reindex(out.index).astype("Int64")
    else:
        out["orgs_in_place"] = pd.array([pd.NA] * len(out), dtype="Int64")
    return out.reindex(wanted)


# ----------------------------------------------------------------------------- words and tables
def _place_words(row: pd.Series) -> str:
    """``Northfield (Birmingham)`` for a ward, ``Birmingham 001A`` for an LSOA, the name otherwise."""
    if row["level"] == "ward":
        return f"{row['name']} ({row['lad_name']})"
    return str(row["name"])


def _a(noun: str) -> str:
    """``a food bank``, ``an organisation``."""
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + f" and {items[-1]}"


def summary_sentence(similar: pd.DataFrame, coverage: pd.DataFrame | None = None, *,
                     noun: str = "organisation",
                     radius_km: float = DEFAULT_RADIUS_KM) -> str:
    """One plain-English sentence on the most similar places (and, with ``coverage``, how covered).

    Parameters
    ----------
    similar
        :func:`similar_places` with ``include_self=True`` (the place is the rank-0 row).
    coverage
        :func:`place_coverage` of ``similar["code"]`` (optional).
    noun
        What one organisation is, e.g. ``food bank``.
    radius_km
        The coverage radius, km.

    Raises
    ------
    ValueError
        ``similar`` has no rank-0 row.
    """
    me_rows = similar.loc[similar["rank"] == 0]
    if me_rows.empty:
        raise ValueError("summary_sentence needs similar_places(..., include_self=True)")
    me = me_rows.iloc[0]
    others = similar.loc[similar["rank"] > 0].sort_values("rank")
    where = _place_words(me)
    level = cast(PlaceLevel, me["level"])
    if others.empty:
        return f"No other {LEVEL_LABELS[level]} has IMD {EDITION} domain scores to compare with {where}."
    k = len(others)
    kind = LEVEL_LABELS[level] if k == 1 else LEVEL_PLURALS[level]
    names = [_place_words(r) for _, r in others.head(3).iterrows()]
    lead = (f"The {kind} most like {where} on the seven IMD {EDITION} domains is {names[0]}" if k == 1 else
            f"The {k} {kind} most like {where} on the seven IMD {EDITION} domains include {_and(names)}"
            f" (closest: {names[0]}, distance {others['distance'].iloc[0]:.2f})")
    if coverage is None or me["code"] not in coverage.index:
        return lead + "."
    cov = coverage.reindex(others["code"])["covered_share"].astype(float)
    mine = float(coverage.loc[me["code"], "covered_share"])
    r = radius_text(radius_km)
    a_one = _a(noun)
    if level == "lsoa":
        yes = int((cov > 0).sum())
        has = "has" if mine > 0 else "does not have"
        them = "it" if k == 1 else f"these {k}"
        verb = "has" if k == 1 and yes == 1 else "have"
        return f"{lead}; {yes} of {them} {verb} {a_one} within {r}, and {where} {has} one."
    if k == 1:
        return (f"{lead}; {cov.iloc[0]:.0%} of its neighbourhoods have {a_one} within {r}, "
                f"against {mine:.0%} in {where}.")
    return (f"{lead}; on average {cov.mean():.0%} of their neighbourhoods have {a_one} within {r}, "
            f"against {mine:.0%} in {where}.")


def export_table(similar: pd.DataFrame, coverage: pd.DataFrame | None = None, *,
                 layer: str = "", radius_km: float | None = None) -> pd.DataFrame:
    """The similar places for CSV: every figure, machine-readable names, readable precision.

    Parameters
    ----------
    similar
        :func:`similar_places` (with or without the place itself).
    coverage
        :func:`place_coverage` of those places; adds ``organisation_layer``, ``radius_km``,
        ``lsoas_covered``, ``covered_share``, ``residents_covered_share`` and ``orgs_in_place``.
    layer, radius_km
        Which organisation layer and radius the coverage columns are for.

    Returns
    -------
    DataFrame
        ``similar``'s columns (``distance`` and the ``<domain>_z`` rounded to 4 decimals, shares to 4)
        then the coverage columns.
    """
    d = similar.copy()
    d["distance"] = d["distance"].round(4)
    d[z_columns()] = d[z_columns()].round(4)
    for c in ("share_top10", "share_top20"):
        if c in d.columns:
            d[c] = d[c].round(4)
    d["population"] = d["population"].round(0).astype("Int64")
    if coverage is not None:
        cov = coverage.reindex(d["code"])
        d["organisation_layer"] = layer
        d["radius_km"] = radius_km
        d["lsoas_covered"] = cov["lsoas_covered"].to_numpy()
        d["covered_share"] = cov["covered_share"].round(4).to_numpy()
        d["residents_covered_share"] = cov["residents_covered_share"].round(4).to_numpy()
        d["orgs_in_place"] = cov["orgs_in_place"].to_numpy()
    return d


def display_table(similar: pd.DataFrame, coverage: pd.DataFrame | None = None, *,
                  noun: str = "organisation", radius_km: float = DEFAULT_RADIUS_KM) -> pd.DataFrame:
    """:func:`similar_places` (and coverage) with headings a report can use as they are.

    Columns: ``#`` (0 = this place), the place and its parents, ``Distance``, IMD rank and decile
    (LSOAs) or ``% LSOAs in 10% most deprived`` / ``20%`` and ``LSOAs`` (areas), ``Population``;
    with ``coverage``: for LSOAs ``<Noun> within <r>`` (yes/no), for areas ``% LSOAs with a <noun>
    within <r>`` and ``vs this place (points)`` (the difference from the rank-0 row, percentage
    points; blank without one); then the seven
    standardised domain scores, headed by the domains' short labels (``Income (z)`` …).
    """
    level = str(similar["level"].iloc[0]) if len(similar) else "lad"
    out = pd.DataFrame({"#": similar["rank"].to_numpy(), "Place": similar["name"].to_numpy(),
                        "Code": similar["code"].to_numpy()})
    if level == "lsoa":
        out["Ward"] = similar["ward_name"].to_numpy()
    if level in ("lsoa", "ward"):
        out["Local authority"] = similar["lad_name"].to_numpy()
    out["Region"] = similar["region_name"].to_numpy()
    out["Distance"] = similar["distance"].round(2).to_numpy()
    if level == "lsoa":
        out["IMD rank"] = similar["imd_rank"].to_numpy()
        out["IMD decile"] = similar["imd_decile"].to_numpy()
    else:
        out["% LSOAs in 10% most deprived"] = (similar["share_top10"] * 100).round(1).to_numpy()
        out["% LSOAs in 20% most deprived"] = (similar["share_top20"] * 100).round(1).to_numpy()
        out["LSOAs"] = similar["lsoas"].to_numpy()
    out["Population"] = similar["population"].round(0).astype("Int64").to_numpy()
    if coverage is not None:
        pct = coverage.reindex(similar["code"])["covered_share"].astype(float).to_numpy() * 100
        r = radius_text(radius_km)
        if level == "lsoa":
            out[f"{noun[:1].upper()}{noun[1:]} within {r}"] = pd.Series(
                np.where(pct > 0, "yes", "no"), dtype="string").mask(np.isnan(pct)).to_numpy()
        else:
            out[f"% LSOAs with {_a(noun)} within {r}"] = np.round(pct, 1)
            me = pct[similar["rank"].to_numpy() == 0]
            out["vs this place (points)"] = np.round(pct - me[0], 1) if len(me) else np.nan
    labels = {m.id: m.short_label for m in domain_measures()}
    for d, zc in zip(DOMAIN_IDS, z_columns(), strict=True):
        out[f"{labels.get(d, d)} (z)"] = similar[zc].round(2).to_numpy()
    return out
