"""Portfolio figures: how far a set of organisations reaches England's most deprived places.

The figures are the ones funders and networks quote ("80% of our members work in the 50% most
deprived wards", "46% of people in the neighbourhoods they serve live in the 20% most deprived
areas"), each beside the same figure for England as a whole.

Definitions
-----------
Organisation deciles
    Each placed organisation counts once, in the national IMD decile of the LSOA it is placed in
    (decile 1 = the most deprived 10% of LSOAs in England). Two organisations in one LSOA both count;
    organisations marked closed and rows repeating an earlier one (``needsmap.orgs`` flags both)
    are left out unless asked for.
Grants
    A list with any of the importer's grant columns (``needsmap.orgs.importer.GRANT_COLUMNS``:
    ``amount``, ``award_date``, ``beneficiary_code``, ``grant_id``, ``recipient_id``) is a list of
    grants: each grant counts once, so a recipient with several grants counts once per grant (the
    importer's ``duplicate_of`` is not a reason to leave a grant out); only a row repeating an
    earlier row's grant identifier is a repeat. Shares are also given weighted by the amount
    awarded (``amount``, in the list's currency, normally GBP).
Grants known only by area
    Rows known only at ward, local-authority, region or country level (``placement_level`` and
    ``area_code`` from the importer; before it gives them, the GSS prefix of ``beneficiary_code``)
    are summarised at that level: per area, the grants, their amount and the share of the area's
    residents living in England's 20% most deprived LSOAs (IMD decile 1–2, population as in the
    LSOA table).
Their area
    The local authorities the list reaches: those of the placed rows plus those of the rows known
    only by local authority or ward. Its figures (share of LSOAs / residents in the most deprived)
    are given beside England's.
Warnings
    A headline resting on fewer than :data:`MIN_HEADLINE_ROWS` rows, or on under
    :data:`MIN_HEADLINE_SHARE` of the rows it speaks for, carries a warning saying what it rests on
    (:attr:`PortfolioResult.warnings`).
Most deprived wards
    England's wards (2024 boundaries; an LSOA belongs to the ward of the best-fit lookup) ranked
    either by ``"average"`` (default): the population-weighted mean IMD **score** of their LSOAs
    (2025 edition). IMD 2019 publishes no score in the data here, so for 2019 wards are ranked by the
    population-weighted mean IMD **rank** (lower = more deprived) instead; or by ``"share20"``: the
    share of their LSOAs in England's 20% most deprived, ties broken by the average above (most
    wards have no LSOA in the 20% most deprived, so this method leans on the tie-break).
    The 50% most deprived wards are the first half of that ranking (by number of wards).
Served neighbourhoods
    The LSOAs the organisations are placed in, each counted once however many organisations share
    it; optionally widened to every LSOA whose reference point (the ONS population-weighted
    centroid, as on Coverage gaps: :func:`needsmap.data.lsoa_points.reference_points`) lies within
    ``radius_km`` of an organisation (straight-line distance in EPSG:27700).
Children in income-deprived households
    MHCLG's published IDACI rates (File 7: ``idaci_score``, 0–1) of the served LSOAs, weighted by
    MHCLG's published child populations (``idaci_denominator``: mid-2022 for 2025, mid-2015 for
    2019), over the LSOAs with both. Not given when the data folder lacks them (the staged IMD
    tables carry counts only): the counts are for MHCLG's own mid-year populations, and dividing
    them by another year's estimates (ONS mid-2020) gives impossible rates (118 LSOAs over 100% in
    2025). ``needsmap data fetch --only iod2025_file7`` brings the published rates.
At-risk jobs
    Unweighted mean of ``at_risk_jobs_pct`` (share of jobs located in the LSOA's MSOA that are in the
    sectors shut down in 2020) over the served LSOAs, when the table has that column.
England's figures
    Computed over the whole table when it is national. The embedded demo's table holds one region
    (``table.attrs["scope"]``): its England column and the national ward ranks come from the England
    reference its manifest carries (made by :func:`england_reference` from the full data), and a
    figure the reference lacks is ``None`` (shown as "not in the demo"), never the region's own.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal, cast

import numpy as np
import pandas as pd

from needsmap.crs import to_bng
from needsmap.data.loaders import is_national, reference_figure, require_national, table_scope
from needsmap.data.lsoa_points import reference_points
from needsmap.data.manifest import ENGLAND
from needsmap.gss import ENGLAND_CODE
from needsmap.orgs.levels import (
    CONF_UNCERTAIN,
    CONFIDENCES,
    LEVEL_COUNTRY,
    LEVEL_LA,
    LEVEL_REGION,
    LEVEL_WARD,
    NOT_ORG,
    NSPL_FETCH,
    level_of_code,
)
from needsmap.types import Edition, lsoa_code_column

__all__ = [
    "AREA_LEVELS",
    "DEFAULT_WARD_METHOD",
    "MIN_HEADLINE_ROWS",
    "MIN_HEADLINE_SHARE",
    "THRESHOLDS",
    "WARD_METHODS",
    "PortfolioResult",
    "WardMethod",
    "area_deprivation",
    "code_column",
    "england_reference",
    "format_money",
    "headline_warning",
    "is_grant_list",
    "load_children_0_15",
    "lsoa_centroids",
    "place_organisations",
    "portfolio_summary",
    "recipient_keys",
    "served_lsoas",
    "ward_ranking",
]

#: the "X% most deprived" cut-offs reported (national IMD deciles 1 … X/10)
THRESHOLDS: tuple[int, ...] = (10, 20, 40, 50)
#: the cut-off used for the served-population and ward share figures
MOST_DEPRIVED_PCT = 20

WardMethod = Literal["average", "share20"]
WARD_METHODS: dict[WardMethod, str] = {
    "average": "population-weighted average IMD score of the ward's LSOAs "
               "(IMD 2019: average rank, as 2019 scores are not in the data)",
    "share20": "share of the ward's LSOAs in England's 20% most deprived "
               "(ties broken by the population-weighted average)",
}
DEFAULT_WARD_METHOD: WardMethod = "average"
#: what is shown instead of an England figure the demo cannot give exactly
NOT_IN_DEMO = "not in the demo (needs the full data)"

#: a headline resting on fewer rows than this carries a warning (page, CLI and PDF alike)
MIN_HEADLINE_ROWS = 30
#: … as does one resting on less than this share of the rows (or money) it speaks for
MIN_HEADLINE_SHARE = 0.5
#: levels below which a row is not placed in an LSOA but summarised at its own level, with the
#: LSOA-table columns holding each area's code and name (country: England, the whole table)
AREA_LEVELS: dict[str, tuple[str, str] | None] = {
    LEVEL_WARD: ("ward_code", "ward_name"),
    LEVEL_LA: ("lad_code", "lad_name"),
    LEVEL_REGION: ("region_code", "region_name"),
    LEVEL_COUNTRY: None,
}
#: GSS code of England (the one country the LSOA table covers)
#: status prefix the importer gives rows that are not organisations (total rows, spacer rows …)
#: GrantNav's own column titles, read until the importer gives ``recipient_id`` / ``grant_id``
_GRANTNAV_RECIPIENT, _GRANTNAV_ID = "Recipient Org:Identifier", "Identifier"


def code_column(edition: Edition) -> str:
    """The organisation column holding the LSOA code ``edition`` uses (``lsoa11_code``/``lsoa21_code``)."""
    return lsoa_code_column(edition)


def _pct(part: float, whole: float) -> float | None:
    return None if whole <= 0 else 100.0 * float(part) / float(whole)


# ----------------------------------------------------------------------------- placing
def _in_index(values: pd.Series, index: pd.Index) -> np.ndarray:
    """``values.isin(index)`` by hash lookup (pandas' Arrow-string ``isin`` is slow on 30k codes)."""
    keys = pd.Index(values.astype(object).where(values.notna(), None).to_numpy())
    return np.asarray(pd.Index(index.astype(object)).get_indexer(keys) >= 0)

def is_grant_list(orgs: pd.DataFrame) -> bool:
    """True when ``orgs`` is a list of grants: it has one of the importer's grant columns."""
    from needsmap.orgs.importer import GRANT_COLUMNS

    return any(c in orgs.columns for c in (*GRANT_COLUMNS, "grant_id", "recipient_id"))


def _text(values: pd.Series) -> pd.Series:
    """Stripped text, ``<NA>`` for blanks."""
    t = values.astype("string").str.strip()
    return t.mask(t == "")


def _column(frame: pd.DataFrame, *names: str) -> pd.Series | None:
    """The first of ``names`` that ``frame`` has, as stripped text (``None`` when it has none)."""
    for name in names:
        if name in frame.columns:
            col = frame[name]
            if isinstance(col, pd.DataFrame):  # duplicate column names: the first
                col = col.iloc[:, 0]
            return _text(col)
    return None


def recipient_keys(orgs: pd.DataFrame) -> pd.Series:
    """Who received each grant: ``recipient_id`` (GrantNav's ``Recipient Org:Identifier`` until the
    importer gives it), else the organisation name (lower case, spaces collapsed); ``<NA>`` if none."""
    ids = _column(orgs, "recipient_id", _GRANTNAV_RECIPIENT)
    names = _column(orgs, "org_name")
    if names is not None:
        names = names.str.lower().str.replace(r"\s+", " ", regex=True)
    if ids is None:
        return names if names is not None else pd.Series(pd.NA, index=orgs.index, dtype="string")
    return ids.fillna(names) if names is not None else ids


def _area_rows(out: pd.DataFrame, placed: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Level and GSS code of each unplaced row known only at ward/LA/region/country level.

    From the importer's ``placement_level`` and ``area_code`` when it gives them, else from the
    GSS prefix of ``beneficiary_code`` (a 360Giving beneficiary area). ``<NA>`` elsewhere.
    """
    code = _column(out, "area_code")
    bcode = _column(out, "beneficiary_code")
    if code is None:
        code = bcode if bcode is not None else pd.Series(pd.NA, index=out.index, dtype="string")
    elif bcode is not None:
        code = code.fillna(bcode)
    code = code.str.upper()
    derived = code.map(lambda c: level_of_code(c) if isinstance(c, str) else None, na_action="ignore")
    level = _column(out, "placement_level")
    level = derived.astype("string") if level is None else level.where(level.notna(), derived)
    keep = ~placed & level.isin(list(AREA_LEVELS)).fillna(False) & code.notna()
    if "status" in out.columns:
        keep &= ~out["status"].astype("string").fillna("").str.startswith(NOT_ORG)
    return level.where(keep).astype("string"), code.where(keep).astype("string")


def _not_organisation(orgs: pd.DataFrame) -> np.ndarray:
    """True for rows whose status says they are not an organisation (:data:`NOT_ORG`)."""
    if "status" not in orgs.columns:
        return np.zeros(len(orgs), dtype=bool)
    return orgs["status"].astype("string").fillna("").str.startswith(NOT_ORG).to_numpy(dtype=bool)


def place_organisations(orgs: pd.DataFrame, table: pd.DataFrame, *, edition: Edition,
                        include_closed: bool = False, include_duplicates: bool = False,
                        within: Iterable[str] | None = None, within_label: str = "the area",
                        grants: bool | None = None) -> pd.DataFrame:
    """Match each organisation (or grant) to an LSOA of the edition's table, or say why it cannot be.

    An organisation is *counted* when it is placed in an English LSOA of the edition and, unless
    asked otherwise, is not marked closed (``org_closed``) nor a repeat of an earlier row: those
    are *excluded*, with the reason. In a list of organisations a repeat is a row the importer
    flags (``duplicate_of``); in a list of grants every grant counts, even several to one
    recipient, and a repeat is only a row with the grant identifier of an earlier row.

    Parameters
    ----------
    orgs
        One row per organisation or grant with ``lsoa11_code``/``lsoa21_code`` (as placed by
        ``needsmap.orgs``); a ``status`` column other than ``"ok"`` marks a row as not placed.
        Optional: ``placement_level``/``area_code`` (or ``beneficiary_code``) for rows known
        only by area, ``grant_id`` for grants.
    table
        The edition's LSOA table (``load_lsoa_table``), indexed by ``lsoa_code``.
    edition
        IMD edition: decides which code column is read.
    include_closed, include_duplicates
        Count organisations marked closed / repeated rows too.
    within, within_label
        Only count organisations in these LSOAs (e.g. one local authority); the others are
        excluded as "outside ``within_label``". A row known only by area stays in the area
        summary only when every LSOA of its area is in ``within``.
    grants
        Whether ``orgs`` is a list of grants (default: :func:`is_grant_list`).

    Returns
    -------
    Copy of ``orgs`` (same index) plus ``lsoa_code`` (``<NA>`` when not placed), ``placed`` (bool),
    ``not_placed_reason`` (empty when placed), ``excluded_reason`` (closed, repeat or outside the
    area; empty otherwise), ``counted`` (placed and not excluded), ``area_level`` and
    ``area_code_used`` (for a row known only at ward/LA/region/country level; ``<NA>`` otherwise)
    and ``area_counted`` (such a row, not excluded: it goes into the area summary).
    """
    col = code_column(edition)
    grants = is_grant_list(orgs) if grants is None else grants
    out = orgs.copy()
    n = len(out)
    reason = pd.Series([""] * n, index=out.index, dtype=object)
    if col in out.columns:
        codes = out[col].astype("string").str.strip().str.upper()
        codes = codes.mask(codes == "")
    else:
        codes = pd.Series(pd.NA, index=out.index, dtype="string")
    if "status" in out.columns:
        status = out["status"].astype("string").fillna("not placed")
        bad = status != "ok"
        reason[bad] = status[bad].astype(object)
    missing = (reason == "") & codes.isna()
    reason[missing] = f"no {col.replace('_code', '').upper()} code"
    unknown = (reason == "") & ~_in_index(codes, table.index)
    if is_national(table):
        reason[unknown] = [f"{c} is not an LSOA in England's IMD {edition}" for c in codes[unknown]]
    else:  # the demo: a code outside its region may well be English
        scope = table_scope(table)
        reason[unknown] = [f"{c} is not an LSOA of the {scope}, the only region in the demo data"
                           for c in codes[unknown]]
    placed = reason == ""
    out["lsoa_code"] = codes.where(placed)
    out["placed"] = placed.astype(bool)
    out["not_placed_reason"] = reason.astype(str)
    level, area_code = _area_rows(out, placed)
    out["area_level"], out["area_code_used"] = level, area_code
    located = placed | level.notna().to_numpy()
    excluded = pd.Series([""] * n, index=out.index, dtype=object)
    if not include_closed and "org_closed" in out.columns:
        closed = out["org_closed"].astype("boolean").fillna(False).astype(bool)
        excluded[located & closed] = "marked closed"
    if not include_duplicates:
        if grants:
            ids = _column(out, "grant_id", _GRANTNAV_ID)
            dup = (ids.notna() & ids.duplicated()) if ids is not None else pd.Series(False, index=out.index)
            excluded[dup & located & (excluded == "")] = "repeats an earlier grant (same identifier)"
        elif "duplicate_of" in out.columns:
            dup = out["duplicate_of"].notna() & located & (excluded == "")
            excluded[dup] = "repeats an earlier row"
    if within is not None:
        inside_set = pd.Index(list(within))
        inside = _in_index(codes, inside_set)
        excluded[placed & ~inside & (excluded == "")] = f"outside {within_label}"
        area_in = _areas_inside(table, inside_set)
        outside_area = level.notna() & ~area_code.isin(area_in).fillna(False)
        excluded[outside_area.to_numpy() & (excluded == "")] = f"outside {within_label}"
    out["excluded_reason"] = excluded.astype(str)
    out["counted"] = placed & (excluded == "")
    out["area_counted"] = (level.notna() & (excluded == "")).astype(bool)
    return out


def _areas_inside(table: pd.DataFrame, lsoas: pd.Index) -> set[str]:
    """Codes of the wards, local authorities and regions whose every LSOA is in ``lsoas``."""
    inside = pd.Series(_in_index(pd.Series(table.index.astype(str)), lsoas), index=table.index)
    codes: set[str] = set()
    for spec in AREA_LEVELS.values():
        if spec is None or spec[0] not in table.columns:
            continue
        whole = inside.groupby(table[spec[0]].astype(object).to_numpy()).all()
        codes |= {str(c) for c in whole.index[whole.to_numpy()]}
    if bool(inside.all()) and is_national(table):
        codes.add(ENGLAND_CODE)
    return codes


# ----------------------------------------------------------------------------- wards
def ward_ranking(table: pd.DataFrame, *, method: WardMethod = DEFAULT_WARD_METHOD) -> pd.DataFrame:
    """Rank England's wards from most to least deprived.

    Parameters
    ----------
    table
        An edition's LSOA table with ``ward_code``, ``ward_name``, ``lad_name``, ``population``,
        ``imd_decile`` and ``imd_score`` (2025) or ``imd_rank`` (2019).
    method
        ``"average"``: population-weighted mean IMD score (higher = more deprived) or, without a
        score column, population-weighted mean IMD rank (lower = more deprived).
        ``"share20"``: share of the ward's LSOAs in deciles 1–2, ties broken as ``"average"``.

    Returns
    -------
    DataFrame indexed by ``ward_code``: ``ward_name``, ``lad_name``, ``lsoas``, ``population``,
    ``imd_average`` (score or rank), ``imd_average_is_score``, ``share20_pct``, ``ward_rank``
    (1 = most deprived) and ``most_deprived_half`` (rank within the first half of wards).

    For a regional table (the demo) ``ward_rank`` and ``most_deprived_half`` are England's, from the
    table's England reference (``<NA>`` for a ward it does not rank), not the region's.
    """
    if method not in WARD_METHODS:
        raise ValueError(f"ward method must be one of {', '.join(WARD_METHODS)}, not {method!r}")
    t = table[table["ward_code"].notna()]
    # integer ward ids + bincount: pandas' groupby on Arrow strings is slow for 34k LSOAs
    ids, codes = pd.factorize(t["ward_code"].astype(object), sort=True)
    n = len(codes)
    has_score = "imd_score" in t.columns and bool(t["imd_score"].notna().any())
    measure = (t["imd_score"] if has_score else t["imd_rank"]).astype(float).to_numpy()
    pop = t["population"].astype(float).fillna(0).clip(lower=0).to_numpy()
    ok = np.isfinite(measure)
    num = np.bincount(ids, weights=np.where(ok, measure * pop, 0.0), minlength=n)
    den = np.bincount(ids, weights=np.where(ok, pop, 0.0), minlength=n)
    cnt_ok = np.bincount(ids, weights=ok.astype(float), minlength=n)
    plain = np.bincount(ids, weights=np.where(ok, measure, 0.0), minlength=n) / np.where(
        cnt_ok > 0, cnt_ok, np.nan)
    avg = np.where(den > 0, num / np.where(den > 0, den, 1.0), plain)
    first = pd.Series(np.arange(len(t))).groupby(ids).first().to_numpy()
    in20 = (t["imd_decile"] <= MOST_DEPRIVED_PCT // 10).fillna(False).to_numpy(dtype=float)
    lsoas = np.bincount(ids, minlength=n)
    out = pd.DataFrame({
        "ward_name": t["ward_name"].to_numpy()[first],
        "lad_name": t["lad_name"].to_numpy()[first],
        "lsoas": lsoas,
        "population": np.bincount(ids, weights=pop, minlength=n),
        "imd_average": avg,
    }, index=pd.Index(codes, name="ward_code"))
    out["imd_average_is_score"] = has_score
    out["share20_pct"] = 100.0 * np.bincount(ids, weights=in20, minlength=n) / lsoas
    # most deprived first: high score, or low rank
    avg_key = -out["imd_average"] if has_score else out["imd_average"]
    keys = [avg_key] if method == "average" else [-out["share20_pct"], avg_key]
    order = pd.DataFrame({f"k{i}": k for i, k in enumerate(keys)}).sort_values(
        [f"k{i}" for i in range(len(keys))], kind="mergesort").index
    out["ward_rank"] = pd.Series(np.arange(1, len(out) + 1), index=order).reindex(out.index)
    out["most_deprived_half"] = out["ward_rank"] <= len(out) / 2
    if not is_national(table):
        out = _national_ward_ranks(out, table, method)
    return out.sort_values("ward_rank")


def _national_ward_ranks(out: pd.DataFrame, table: pd.DataFrame, method: WardMethod) -> pd.DataFrame:
    """England's rank of each ward of a regional table, from its reference (``<NA>`` when absent)."""
    ref = reference_figure(table, "wards", method)
    ranks = ref.get("rank") if isinstance(ref, dict) else None
    n = ref.get("n") if isinstance(ref, dict) else None
    known = (pd.Series(ranks, dtype="float64") if isinstance(ranks, dict) and ranks
             else pd.Series(dtype="float64"))
    r = known.reindex(out.index) if isinstance(n, int) else pd.Series(np.nan, index=out.index)
    out = out.copy()
    out["ward_rank"] = r.astype("Int64")
    out["most_deprived_half"] = (r <= float(n or 0) / 2).astype("boolean").mask(r.isna())
    return out


def _half_known(wards: pd.DataFrame) -> bool:
    """True when every ward's place in England's most deprived half is known."""
    return bool(wards["most_deprived_half"].notna().all())


# ----------------------------------------------------------------------------- served LSOAs
#: the LSOAs' reference points, the same as Coverage gaps measures from (population-weighted
#: centroids; :func:`needsmap.data.lsoa_points.reference_points`); kept under this name for callers
lsoa_centroids = reference_points


def _org_points(placed: pd.DataFrame, centroids: pd.DataFrame) -> np.ndarray:
    """Organisation points in EPSG:27700; those without lat/lon take their LSOA's reference point."""
    xy = centroids.reindex(placed["lsoa_code"].astype(str))[["x", "y"]].to_numpy(dtype=float, copy=True)
    if {"lat", "lon"} <= set(placed.columns):
        lat = pd.to_numeric(placed["lat"], errors="coerce").to_numpy(dtype=float)
        lon = pd.to_numeric(placed["lon"], errors="coerce").to_numpy(dtype=float)
        ok = np.isfinite(lat) & np.isfinite(lon)
        if ok.any():
            x, y = to_bng().transform(lon[ok], lat[ok])
            xy[ok] = np.column_stack([x, y])
    return xy


def served_lsoas(placed: pd.DataFrame, *, centroids: pd.DataFrame | None = None,
                 radius_km: float | None = None) -> pd.Index:
    """The LSOAs a set of placed organisations serves, each once.

    Parameters
    ----------
    placed
        Placed organisations with ``lsoa_code`` (and optionally ``lat``, ``lon``).
    centroids
        LSOA reference points in EPSG:27700 (:func:`lsoa_centroids`); needed only with ``radius_km``.
    radius_km
        When given (> 0), also every LSOA whose reference point is within this distance of an organisation.

    Returns
    -------
    Sorted index of LSOA codes.
    """
    own = set(placed["lsoa_code"].dropna().astype(str))
    if radius_km and radius_km > 0 and len(placed):
        if centroids is None:
            raise ValueError("served_lsoas: a radius needs the LSOA centroids")
        from scipy.spatial import cKDTree

        pts = _org_points(placed, centroids)
        pts = pts[np.isfinite(pts).all(axis=1)]
        if len(pts):
            tree = cKDTree(centroids[["x", "y"]].to_numpy(dtype=float))
            hits = tree.query_ball_point(pts, r=float(radius_km) * 1000.0)
            idx = sorted({i for h in hits for i in h})
            own.update(centroids.index[idx].astype(str))
    return pd.Index(sorted(own), name="lsoa_code")


# ----------------------------------------------------------------------------- children 0–15
def load_children_0_15(edition: Edition) -> pd.Series:
    """Children aged 0–15 per LSOA of ``edition`` (reads the data directory; cached as parquet).

    ONS mid-2020 estimates (LSOA 2011) for 2019, the same apportioned to LSOA 2021 by Census 2021
    population for 2025 (:func:`needsmap.data.population.age_table`, shared with the profiles).
    """
    from needsmap.data.population import children_0_15

    return children_0_15(edition)


# ----------------------------------------------------------------------------- areas
def area_deprivation(table: pd.DataFrame, level: str) -> pd.DataFrame:
    """How deprived each area of ``level`` is: its residents in England's 20% most deprived LSOAs.

    Parameters
    ----------
    table
        An edition's LSOA table with ``population``, ``imd_decile`` and the area columns of
        :data:`AREA_LEVELS` (``ward_code``, ``lad_code``, ``region_code`` and their names).
    level
        One of :data:`AREA_LEVELS` (``"ward"``, ``"local authority"``, ``"region"``, ``"country"``).

    Returns
    -------
    DataFrame indexed by the area's GSS code: ``area_name``, ``lsoas``, ``residents`` (the table's
    population), ``pct_residents_in_20pct_most_deprived`` and ``pct_lsoas_in_20pct_most_deprived``
    (0–100; IMD deciles 1–2). ``"country"`` is England (``E92000001``), over the whole table, and
    empty for a regional table (the demo).

    Raises
    ------
    KeyError
        ``level`` is not one of :data:`AREA_LEVELS`.
    """
    spec = AREA_LEVELS[level]
    cols = ["area_name", "lsoas", "residents", "pct_residents_in_20pct_most_deprived",
            "pct_lsoas_in_20pct_most_deprived"]
    if spec is None and not is_national(table):
        return pd.DataFrame(columns=cols, index=pd.Index([], name="area_code"))
    in20 = (table["imd_decile"] <= MOST_DEPRIVED_PCT // 10).fillna(False).astype(bool)
    pop = table["population"].astype(float).fillna(0.0).clip(lower=0)
    if spec is None:
        keys = np.full(len(table), ENGLAND_CODE, dtype=object)
        names = np.full(len(table), ENGLAND, dtype=object)
    else:
        keys = table[spec[0]].astype(object).to_numpy()
        names = table[spec[1]].astype(object).to_numpy()
    g = pd.DataFrame({"key": keys, "name": names, "pop": pop.to_numpy(),
                      "pop20": pop.where(in20, 0.0).to_numpy(),
                      "in20": in20.to_numpy(dtype=float)}).dropna(subset=["key"]).groupby("key")
    residents = g["pop"].sum()
    out = pd.DataFrame({
        "area_name": g["name"].first(),
        "lsoas": g.size(),
        "residents": residents,
        "pct_residents_in_20pct_most_deprived": 100.0 * g["pop20"].sum() / residents.where(residents > 0),
        "pct_lsoas_in_20pct_most_deprived": 100.0 * g["in20"].mean(),
    })
    out.index = pd.Index(out.index.astype(str), name="area_code")
    return out


def _area_summary(placed_all: pd.DataFrame, table: pd.DataFrame, *, edition: Edition) -> pd.DataFrame:
    """One row per area that rows known only by area are known by (see :attr:`PortfolioResult.area_only`)."""
    cols = ["level", "area_code", "area_name", "rows", "amount", "amounts_missing", "residents",
            "pct_residents_in_20pct_most_deprived", "note"]
    rows = placed_all[placed_all["area_counted"]]
    if rows.empty:
        return pd.DataFrame(columns=cols)
    amount = (pd.to_numeric(rows["amount"], errors="coerce") if "amount" in rows.columns
              else pd.Series(np.nan, index=rows.index))
    given = _column(rows, "area_name")
    frame = pd.DataFrame({"level": rows["area_level"].astype(object),
                          "area_code": rows["area_code_used"].astype(object),
                          "given_name": (given.astype(object) if given is not None
                                         else pd.Series(None, index=rows.index, dtype=object)),
                          "amount": amount.astype(float), "missing": amount.isna()})
    g = frame.groupby(["level", "area_code"], sort=False)
    out = pd.DataFrame({"rows": g.size(), "amount": g["amount"].sum(min_count=1),
                        "amounts_missing": g["missing"].sum().astype(int),
                        "given_name": g["given_name"].first()}).reset_index()
    parts = []
    for level, sub in out.groupby("level", sort=False):
        dep = area_deprivation(table, str(level)).reindex(sub["area_code"].astype(str))
        sub = sub.copy()
        sub["area_name"] = dep["area_name"].to_numpy()
        sub["residents"] = dep["residents"].to_numpy()
        sub["pct_residents_in_20pct_most_deprived"] = dep[
            "pct_residents_in_20pct_most_deprived"].to_numpy()
        parts.append(sub)
    out = pd.concat(parts)
    known = out["area_name"].notna()
    where = ("England" if is_national(table) else f"the {table_scope(table)}, the only region in the "
             "demo data")
    out["note"] = [("" if k else f"not a {lvl} of {where} in the IMD {edition} tables")
                   for k, lvl in zip(known, out["level"], strict=True)]
    out["area_name"] = out["area_name"].where(known, out["given_name"]).where(
        lambda v: v.notna(), out["area_code"])
    order = {lvl: i for i, lvl in enumerate(AREA_LEVELS)}
    out = out.assign(_o=out["level"].map(order)).sort_values(
        ["_o", "rows", "area_code"], ascending=[True, False, True], kind="mergesort")
    return out[cols].reset_index(drop=True)


def _area_headline(summary: pd.DataFrame, level: str, england_pct: float | None) -> dict[str, Any]:
    """The figures quoted for the rows known only at ``level`` (see :attr:`PortfolioResult.area_only_figures`)."""
    sub = summary[summary["level"] == level]
    pct = pd.to_numeric(sub["pct_residents_in_20pct_most_deprived"], errors="coerce")
    matched = sub[pct.notna()]
    mpct = pct[pct.notna()]
    amounts = pd.to_numeric(matched["amount"], errors="coerce")
    by_money = bool(len(matched)) and int(matched["amounts_missing"].sum()) == 0 and float(
        amounts.fillna(0).sum()) > 0
    weight = (amounts if by_money else matched["rows"]).astype(float)
    total_w = float(weight.sum())
    weighted = None if total_w <= 0 else float((weight * mpct).sum() / total_w)
    above = (None if total_w <= 0 or england_pct is None
             else 100.0 * float(weight[mpct > england_pct].sum()) / total_w)
    amount_total = pd.to_numeric(sub["amount"], errors="coerce")
    return {
        "level": level,
        "rows": int(sub["rows"].sum()),
        "amount": float(amount_total.sum()) if amount_total.notna().any() else None,
        "areas": len(sub),
        "areas_matched": len(matched),
        "rows_matched": int(matched["rows"].sum()),
        "area_names": [str(n) for n in matched["area_name"]],
        "weighted_by": "amount" if by_money else "rows",
        "pct_residents_in_20pct_most_deprived": weighted,
        "pct_weight_to_areas_above_england": above,
        "england_pct_residents_in_20pct_most_deprived": england_pct,
    }


def _own_area(placed_all: pd.DataFrame, table: pd.DataFrame) -> dict[str, Any]:
    """The local authorities the list reaches, and how deprived they are (see :attr:`PortfolioResult.own_area`)."""
    if "lad_code" not in table.columns:
        return {}
    counted = placed_all[placed_all["counted"]]
    lads = set(table["lad_code"].reindex(counted["lsoa_code"].astype(str)).dropna().astype(str))
    area = placed_all[placed_all["area_counted"]]
    la_codes = set(area.loc[area["area_level"] == LEVEL_LA, "area_code_used"].astype(str))
    lads |= la_codes & set(table["lad_code"].dropna().astype(str))
    wards = set(area.loc[area["area_level"] == LEVEL_WARD, "area_code_used"].astype(str))
    if wards and "ward_code" in table.columns:
        lads |= set(table.loc[table["ward_code"].isin(wards), "lad_code"].dropna().astype(str))
    if not lads:
        return {}
    sub = table[table["lad_code"].isin(lads)]
    dec = sub["imd_decile"]
    pop = sub["population"].astype(float).fillna(0.0)
    in20 = (dec <= MOST_DEPRIVED_PCT // 10).fillna(False).astype(bool)
    n = int(dec.notna().sum())
    out: dict[str, Any] = {
        "local_authorities": len(lads),
        "lad_codes": sorted(lads),
        "names": sorted(sub["lad_name"].dropna().astype(str).unique()) if "lad_name" in sub else [],
        "lsoas": len(sub),
        "residents": float(pop.sum()),
        "pct_population_in_20pct_most_deprived": _pct(float(pop[in20].sum()), float(pop.sum())),
    }
    for p in THRESHOLDS:
        out[f"pct_lsoas_in_{p}pct_most_deprived"] = _pct(int((dec <= p // 10).sum()), n)
    return out


def _share_text(n: float, base: float) -> str:
    """``n`` of ``base`` as a whole percentage (``"<1%"`` for a sliver, never a rounded 0%)."""
    if base <= 0:
        return "0%"
    share = 100.0 * n / base
    return "<1%" if 0 < share < 1 else f"{share:.0f}%"


def format_money(value: object) -> str:
    """An amount awarded as whole pounds (``"£1,108,111"``); ``"n/a"`` when missing."""
    if not isinstance(value, int | float) or value != value:  # None, NaN
        return "n/a"
    return f"£{value:,.0f}"


def headline_warning(n: int, base: int) -> bool:
    """True when a headline resting on ``n`` of ``base`` rows needs a warning.

    It does when ``n`` is under :data:`MIN_HEADLINE_ROWS` or under :data:`MIN_HEADLINE_SHARE` of
    ``base`` (and ``base`` is not empty: a list with nothing to count has no headline).
    """
    return base > 0 and (n < MIN_HEADLINE_ROWS or n < MIN_HEADLINE_SHARE * base)


# ----------------------------------------------------------------------------- result
@dataclass(frozen=True)
class PortfolioResult:
    """Portfolio figures for one organisation layer and one IMD edition (percentages 0–100).

    ``None`` means "cannot be computed" (no placed organisation, measure absent).
    """

    edition: Edition
    organisations_total: int
    organisations_placed: int
    organisations_unplaced: int
    unplaced_reasons: dict[str, int]
    organisations_excluded: int
    excluded_reasons: dict[str, int]
    orgs_by_decile: dict[int, int]
    pct_orgs_in_most_deprived: dict[int, float | None]
    ward_method: WardMethod
    pct_orgs_in_50pct_most_deprived_wards: float | None
    pct_orgs_in_50pct_most_deprived_wards_by_method: dict[str, float | None]
    radius_km: float | None
    lsoas_served: int
    served_population: float
    pct_served_population_in_20pct_most_deprived: float | None
    children_income_deprived_pct: float | None
    children_lsoas_used: int
    at_risk_jobs_mean_pct: float | None
    england: dict[str, float | None]
    organisations: pd.DataFrame = field(repr=False, compare=False)
    #: the LSOAs the table covered: "England", or the demo's region (England's figures then come
    #: from its reference, and one it lacks is shown as "not in the demo")
    scope: str = ENGLAND
    #: the list is a list of grants (each grant counts once; see :func:`is_grant_list`)
    grants: bool = False
    #: distinct recipients of the grants that are in scope (``None`` for a list of organisations)
    recipients: int | None = None
    #: rows that are not organisations or grants (total rows, blank spacer rows …)
    rows_not_organisations: int = 0
    #: rows the figures speak for: every organisation or grant, less those left out on purpose
    #: (closed, repeated, outside the area) and rows that are not organisations
    rows_in_scope: int = 0
    #: amount awarded (list currency, normally GBP) of the rows in scope / of the counted rows;
    #: ``None`` when the list has no amounts
    amount_total: float | None = None
    amount_counted: float | None = None
    #: counted rows with an amount (the weighted shares rest on these)
    amount_rows_counted: int = 0
    #: share of the counted rows' money (0–100) in the X% most deprived LSOAs, X in THRESHOLDS
    pct_amount_in_most_deprived: dict[int, float | None] = field(default_factory=dict)
    #: rows known only at ward/LA/region/country level, one row per area: ``level``,
    #: ``area_code``, ``area_name``, ``rows``, ``amount``, ``amounts_missing``, ``residents``,
    #: ``pct_residents_in_20pct_most_deprived`` (0–100, ``NaN`` for an area not in the table),
    #: ``note``
    area_only: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False, compare=False)
    #: per level in ``area_only``: ``rows``, ``amount``, ``areas``, ``area_names`` and the share
    #: of residents in the 20% most deprived LSOAs of those areas, weighted by amount (or by rows
    #: when amounts are missing; ``weighted_by`` says which), and the share of that weight going to
    #: areas above England's share
    area_only_figures: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: the local authorities the list reaches (:func:`_own_area`): ``local_authorities``,
    #: ``lad_codes``, ``names``, ``lsoas``, ``residents``, ``pct_population_in_20pct_most_deprived``
    #: and ``pct_lsoas_in_{X}pct_most_deprived``; empty when none
    own_area: dict[str, Any] = field(default_factory=dict)
    #: counted rows per placement confidence (``exact``/``sure``/``uncertain``, and ``not given``);
    #: ``None`` when the list carries no ``confidence`` column
    confidence_counts: dict[str, int] | None = None
    #: what a headline rests on, when that is fewer than MIN_HEADLINE_ROWS rows or under
    #: MIN_HEADLINE_SHARE of them; shown on the page, in the CLI and in the PDF
    warnings: tuple[str, ...] = ()

    @property
    def unit(self) -> str:
        """What the rows are: ``"grants"`` or ``"organisations"``."""
        return "grants" if self.grants else "organisations"

    @property
    def uncertain_placed(self) -> int | None:
        """Counted rows whose LSOA is uncertain (near a boundary); ``None`` when not recorded."""
        return None if self.confidence_counts is None else self.confidence_counts.get(CONF_UNCERTAIN, 0)

    def counting_note(self) -> str:
        """How rows are counted, in one sentence (grants: "555 grants to 323 recipients; …")."""
        extra = ""
        if self.rows_not_organisations:
            extra = (f" {self.rows_not_organisations:,} further "
                     f"{'row is' if self.rows_not_organisations == 1 else 'rows are'} not "
                     f"{'a grant' if self.grants else 'an organisation'} (e.g. a total row) and "
                     "not counted.")
        if self.grants:
            who = f" to {self.recipients:,} recipients" if self.recipients is not None else ""
            return (f"{self.rows_in_scope:,} grants{who}; each grant counts once, so a recipient "
                    "with several grants counts once for each." + extra)
        return ("Each organisation counts once; rows repeating an earlier organisation are left "
                "out." + extra)

    def confidence_sentence(self) -> str | None:
        """How many placed rows are uncertain, and what makes them exact (``None`` if not recorded)."""
        if self.confidence_counts is None or not self.organisations_placed:
            return None
        n, k = self.organisations_placed, self.uncertain_placed or 0
        head = (f"{k:,} of the {n:,} placed {self.unit} {'is' if k == 1 else 'are'} placed in an "
                "LSOA with uncertainty (the postcode or point lies near an LSOA boundary, so it may "
                "be in the neighbouring LSOA)")
        return (f"{head}; the official postcode lookup (NSPL: {NSPL_FETCH}) makes them exact."
                if k else f"{head}.")

    def _england_text(self, value: float | None) -> str:
        """England's figure as a whole percentage, or why it is missing."""
        if value is None and self.scope != ENGLAND:
            return NOT_IN_DEMO
        return _w(value)

    # ------------------------------------------------------------------ views
    def decile_table(self) -> pd.DataFrame:
        """Organisations per national IMD decile, with England's share of LSOAs in each."""
        rows = []
        for d in range(1, 11):
            n = self.orgs_by_decile[d]
            rows.append({
                "IMD decile": d,
                "organisations": n,
                "% of organisations": _round(_pct(n, self.organisations_placed)),
                "% of England's LSOAs": _round(self.england.get(f"pct_lsoas_decile_{d}")),
            })
        return pd.DataFrame(rows)

    def figures_table(self) -> pd.DataFrame:
        """Each headline figure for the organisations beside the same figure for England."""
        e = self.england
        ward_how = "average IMD" if self.ward_method == "average" else "share in 20% most deprived"
        u = self.unit
        a = self.own_area
        rows: list[tuple[str, float | None, float | None, str]] = [
            (f"% of {u} in the {p}% most deprived LSOAs", self.pct_orgs_in_most_deprived[p],
             e.get(f"pct_lsoas_in_{p}pct_most_deprived"), "England: share of LSOAs")
            for p in THRESHOLDS
        ]
        area_values: list[float | None] = [a.get(f"pct_lsoas_in_{p}pct_most_deprived")
                                           for p in THRESHOLDS]
        if self.amount_rows_counted:
            rows += [(f"% of the money (placed {u}) in the {p}% most deprived LSOAs",
                      self.pct_amount_in_most_deprived.get(p),
                      e.get(f"pct_lsoas_in_{p}pct_most_deprived"), "England: share of LSOAs")
                     for p in THRESHOLDS]
            area_values += [a.get(f"pct_lsoas_in_{p}pct_most_deprived") for p in THRESHOLDS]
        rows.append((f"% of {u} in the 50% most deprived wards (by {ward_how})",
                     self.pct_orgs_in_50pct_most_deprived_wards,
                     e.get("pct_lsoas_in_50pct_most_deprived_wards"), "England: share of LSOAs"))
        rows.append(("% of residents of served LSOAs living in the 20% most deprived LSOAs",
                     self.pct_served_population_in_20pct_most_deprived,
                     e.get("pct_population_in_20pct_most_deprived"), "England: share of residents"))
        rows.append(("% of children (0–15) in served LSOAs in income-deprived households",
                     self.children_income_deprived_pct, e.get("children_income_deprived_pct"),
                     "England: all LSOAs with a published count"))
        if self.at_risk_jobs_mean_pct is not None or e.get("at_risk_jobs_mean_pct") is not None:
            rows.append(("Mean % of local jobs in sectors shut down in 2020 (served LSOAs)",
                         self.at_risk_jobs_mean_pct, e.get("at_risk_jobs_mean_pct"),
                         "England: mean over all LSOAs"))
        area_values.append(None)  # wards: England's ranking, no area figure
        area_values.append(a.get("pct_population_in_20pct_most_deprived"))
        area_values += [None] * (len(rows) - len(area_values))
        missing = "England: " + NOT_IN_DEMO
        return pd.DataFrame(
            [{"figure": f, "organisations": _round(v), "their area": _round(av),
              "England": _round(b),
              "comparison": missing if b is None and self.scope != ENGLAND else c}
             for (f, v, b, c), av in zip(rows, area_values, strict=True)])

    def sentences(self) -> list[str]:
        """Plain-English sentences a funder can quote (whole percentages).

        What a figure rests on, when that is too little, is in :attr:`warnings`, not here.
        """
        out: list[str] = []
        n, total = self.organisations_placed, self.organisations_total
        u = self.unit
        left_out = ""
        if self.organisations_excluded:
            left_out = (f"; {self.organisations_excluded:,} placed rows were left out: "
                        + ", ".join(f"{reason} ({n:,})" for reason, n in
                                    sorted(self.excluded_reasons.items(), key=lambda kv: -kv[1])))
        where = ("an English neighbourhood (LSOA)" if self.scope == ENGLAND
                 else f"a neighbourhood (LSOA) of the {self.scope}")
        out.append(f"{n:,} of {total:,} {u} are counted: {self.organisations_unplaced:,} "
                   f"could not be placed in {where} for IMD {self.edition}{left_out}.")
        if self.grants:
            out.append(self.counting_note())
        if n:
            out += self._lsoa_sentences()
        out += self.area_only_sentences()
        return out

    def _lsoa_sentences(self) -> list[str]:
        """The sentences about the rows placed in an LSOA (there are some)."""
        out: list[str] = []
        e = self.england
        u = self.unit
        p50, p20, p10 = (self.pct_orgs_in_most_deprived[p] for p in (50, 20, 10))
        what = "of the placed grants are in" if self.grants else "of the organisations work in"
        out.append(f"{_w(p50)} {what} the 50% most deprived neighbourhoods in "
                   f"England, {_w(p20)} in the 20% most deprived and {_w(p10)} in the 10% most "
                   "deprived (if they were spread like England's neighbourhoods these would be "
                   "50%, 20% and 10%).")
        if self.amount_rows_counted:
            m20, m10 = (self.pct_amount_in_most_deprived.get(p) for p in (20, 10))
            missing = self.organisations_placed - self.amount_rows_counted
            gap = (f"; {missing:,} placed {u} without an amount are not in this share"
                   if missing else "")
            out.append(f"Weighted by amount awarded, {_w(m20)} of the money in the placed {u} "
                       f"({format_money(self.amount_counted)}) is in the 20% most deprived "
                       f"neighbourhoods and {_w(m10)} in the 10% most deprived{gap}.")
        how = ("ranked by their population-weighted average IMD "
               + ("score" if e.get("ward_average_is_score") else "rank")
               if self.ward_method == "average"
               else "ranked by the share of their neighbourhoods in the 20% most deprived")
        if self.pct_orgs_in_50pct_most_deprived_wards is None and self.scope != ENGLAND:
            out.append(f"Their share in England's 50% most deprived wards is {NOT_IN_DEMO}.")
        else:
            out.append(f"{_w(self.pct_orgs_in_50pct_most_deprived_wards)} {what} "
                       f"the 50% most deprived wards ({how}).")
        where = (f"within {_num(self.radius_km)} km of them" if self.radius_km else "they are based in")
        out.append(f"{_w(self.pct_served_population_in_20pct_most_deprived)} of the "
                   f"{self.served_population:,.0f} people living in the {self.lsoas_served:,} "
                   f"neighbourhoods {where} live in the 20% most deprived areas of England "
                   f"(England: {self._england_text(e.get('pct_population_in_20pct_most_deprived'))}).")
        if self.children_income_deprived_pct is not None:
            out.append(f"{_w(self.children_income_deprived_pct)} of children there live in "
                       "income-deprived households (England: "
                       f"{self._england_text(e.get('children_income_deprived_pct'))}).")
        if self.at_risk_jobs_mean_pct is not None:
            out.append(f"On average {_w(self.at_risk_jobs_mean_pct)} of local jobs there were in "
                       "sectors shut down in 2020 (England: "
                       f"{self._england_text(e.get('at_risk_jobs_mean_pct'))}).")
        if self.own_area:
            out.append(self._own_area_sentence())
        confidence = self.confidence_sentence()
        if confidence:
            out.append(confidence)
        return out

    def _own_area_sentence(self) -> str:
        a, e = self.own_area, self.england
        k = int(a["local_authorities"])
        names = list(a.get("names") or [])
        shown = ", ".join(names[:5]) + (f" and {len(names) - 5:,} more" if len(names) > 5 else "")
        las = "local authority" if k == 1 else f"{k:,} local authorities"
        verb = "the grants go to" if self.grants else "the organisations are in"
        placed = self.unit if not self.grants else "placed grants"
        return (f"Their area, the {las} {verb} ({shown}), has "
                f"{_w(a.get('pct_lsoas_in_20pct_most_deprived'))} of its neighbourhoods and "
                f"{_w(a.get('pct_population_in_20pct_most_deprived'))} of its residents in "
                f"England's 20% most deprived (England: "
                f"{self._england_text(e.get('pct_lsoas_in_20pct_most_deprived'))} and "
                f"{self._england_text(e.get('pct_population_in_20pct_most_deprived'))}); "
                f"{_w(self.pct_orgs_in_most_deprived[20])} of the {placed} are in them.")

    def area_only_sentences(self) -> list[str]:
        """One sentence per level for the rows known only by ward, LA, region or country."""
        out: list[str] = []
        u = self.unit
        for level, f in self.area_only_figures.items():
            rows = int(f["rows"])
            money = f" ({format_money(f['amount'])})" if f.get("amount") is not None else ""
            plural = _PLURAL.get(level, level + "s")
            head = f"{rows:,} {u}{money} {'is' if rows == 1 else 'are'} known only by {level}"
            verb = "went to" if self.grants else "are in"
            pct = f.get("pct_residents_in_20pct_most_deprived")
            eng = self._england_text(f.get("england_pct_residents_in_20pct_most_deprived"))
            names = f.get("area_names") or []
            if pct is None:
                text = f"{head}: none of these areas is in the IMD {self.edition} tables."
            elif len(names) == 1:
                text = (f"{head}: {'it' if rows == 1 else 'they'} {verb} {names[0]}, where "
                        f"{_w(pct)} of residents live in England's 20% most deprived "
                        f"neighbourhoods (England: {eng}).")
            else:
                by = "amount awarded" if f["weighted_by"] == "amount" else f"number of {u}"
                share = ("of the money" if f["weighted_by"] == "amount" else f"of these {u}")
                above = f.get("pct_weight_to_areas_above_england")
                text = (f"{head}: they {verb} {len(names):,} {plural} where, weighted by {by}, "
                        f"{_w(pct)} of residents live in England's 20% most deprived "
                        f"neighbourhoods (England: {eng})"
                        + (f"; {_w(above)} {share} {verb} {plural} where more residents than "
                           "in England as a whole live in them" if above is not None else "")
                        + ".")
            unmatched = rows - int(f.get("rows_matched", rows))
            if unmatched and pct is not None:
                text += (f" {unmatched:,} of them name an area that is not in the IMD "
                         f"{self.edition} tables.")
            out.append(text)
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready figures (the CLI's output); decile keys are ``"1"`` … ``"10"``."""
        d: dict[str, Any] = {
            "edition": self.edition,
            "organisations_total": self.organisations_total,
            "organisations_placed": self.organisations_placed,
            "organisations_unplaced": self.organisations_unplaced,
            "unplaced_reasons": dict(self.unplaced_reasons),
            "organisations_excluded": self.organisations_excluded,
            "excluded_reasons": dict(self.excluded_reasons),
            "orgs_by_decile": {str(k): int(v) for k, v in self.orgs_by_decile.items()},
        }
        for p in THRESHOLDS:
            d[f"pct_orgs_in_{p}pct_most_deprived"] = _round(self.pct_orgs_in_most_deprived[p])
        d["ward_method"] = self.ward_method
        d["ward_method_description"] = WARD_METHODS[self.ward_method]
        d["pct_orgs_in_50pct_most_deprived_wards"] = _round(self.pct_orgs_in_50pct_most_deprived_wards)
        for m, v in self.pct_orgs_in_50pct_most_deprived_wards_by_method.items():
            d[f"pct_orgs_in_50pct_most_deprived_wards_by_{m}"] = _round(v)
        d["radius_km"] = self.radius_km
        d["lsoas_served"] = self.lsoas_served
        d["served_population"] = round(self.served_population)
        d["pct_served_population_in_20pct_most_deprived"] = _round(
            self.pct_served_population_in_20pct_most_deprived)
        d["children_income_deprived_pct"] = _round(self.children_income_deprived_pct)
        d["children_lsoas_used"] = self.children_lsoas_used
        d["at_risk_jobs_mean_pct"] = _round(self.at_risk_jobs_mean_pct)
        d["england"] = {k: (_round(v) if isinstance(v, float) else v) for k, v in self.england.items()}
        if self.scope != ENGLAND:
            d["scope"] = self.scope
            d["england_note"] = (f"Organisations and neighbourhoods: the {self.scope} only (the demo "
                                 "data). England's figures: computed from the full data when the "
                                 "demo was built; any missing (null) is " + NOT_IN_DEMO + ".")
        d["unit"] = self.unit
        d["counting"] = self.counting_note()
        d["rows_in_scope"] = self.rows_in_scope
        d["rows_not_organisations"] = self.rows_not_organisations
        if self.grants:
            d["grants"] = {
                "grants": self.rows_in_scope,
                "recipients": self.recipients,
                "amount_total": _round(self.amount_total),
                "amount_placed": _round(self.amount_counted),
                "placed_with_amount": self.amount_rows_counted,
                **{f"pct_amount_in_{p}pct_most_deprived": _round(self.pct_amount_in_most_deprived.get(p))
                   for p in THRESHOLDS},
            }
        d["area_only"] = {
            level: {k: (_round(v) if isinstance(v, float) else v) for k, v in f.items()}
            for level, f in self.area_only_figures.items()}
        d["area_only_table"] = [
            {k: (None if isinstance(v, float) and math.isnan(v) else
                 (_round(v) if isinstance(v, float) else v)) for k, v in row.items()}
            for row in self.area_only.to_dict("records")]
        d["their_area"] = {k: (_round(v) if isinstance(v, float) else v)
                           for k, v in self.own_area.items()}
        d["confidence"] = (None if self.confidence_counts is None else
                           {**self.confidence_counts, "uncertain": self.uncertain_placed,
                            "note": self.confidence_sentence()})
        d["thresholds"] = {"min_headline_rows": MIN_HEADLINE_ROWS,
                           "min_headline_share": MIN_HEADLINE_SHARE}
        d["warnings"] = list(self.warnings)
        d["sentences"] = self.sentences()
        return d



def _round(value: float | None, digits: int = 2) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return round(float(value), digits)


#: plural of each area level, for sentences
_PLURAL = {LEVEL_LA: "local authorities", LEVEL_COUNTRY: "countries"}


def _w(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0f}%"


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


# ----------------------------------------------------------------------------- main entry
def _children_share(codes: Iterable[str], table: pd.DataFrame,
                    children: pd.Series | None) -> tuple[float | None, int]:
    """Published IDACI rate over ``codes`` (%, weighted by the published child populations) and
    the number of LSOAs it rests on; ``(None, 0)`` without the published columns.

    ``children`` (ONS mid-2020 ages) is no longer a denominator: it is of another year than the
    counts (see the module notes); it is kept in the signature for callers that still pass it.
    """
    del children
    if not {"idaci_score", "idaci_denominator"} <= set(table.columns):
        return None, 0
    idx = pd.Index(list(codes))
    score = pd.to_numeric(table["idaci_score"].reindex(idx), errors="coerce")
    den = pd.to_numeric(table["idaci_denominator"].reindex(idx), errors="coerce")
    ok = score.notna() & den.notna() & (den > 0)
    if not ok.any():
        return None, 0
    return _pct(float((score[ok] * den[ok]).sum()), float(den[ok].sum())), int(ok.sum())


def _at_risk(codes: Iterable[str], table: pd.DataFrame) -> float | None:
    if "at_risk_jobs_pct" not in table.columns:
        return None
    vals = pd.to_numeric(table["at_risk_jobs_pct"].reindex(pd.Index(list(codes))), errors="coerce")
    return None if vals.notna().sum() == 0 else float(vals.mean())


#: every key of the England column (:attr:`PortfolioResult.england`)
_ENGLAND_KEYS = (
    "lsoas", "population", *(f"pct_lsoas_decile_{d}" for d in range(1, 11)),
    *(f"pct_lsoas_in_{p}pct_most_deprived" for p in THRESHOLDS),
    "pct_population_in_20pct_most_deprived", "pct_lsoas_in_50pct_most_deprived_wards",
    "pct_population_in_50pct_most_deprived_wards", "wards", "ward_average_is_score",
    "children_income_deprived_pct", "children_lsoas_used", "at_risk_jobs_mean_pct",
)


def _england(table: pd.DataFrame, wards: dict[WardMethod, pd.DataFrame], method: WardMethod,
             children: pd.Series | None) -> dict[str, float | None]:
    """England's column: computed over a national table, else taken from the table's reference."""
    if is_national(table):
        return _england_from_table(table, wards, method, children)
    ref = reference_figure(table, "portfolio", method)
    e: dict[str, Any] = {k: (ref.get(k) if isinstance(ref, dict) else None) for k in _ENGLAND_KEYS}
    # as over a national table: no children figure without the published rates, no jobs figure
    # without the column
    if not {"idaci_score", "idaci_denominator"} <= set(table.columns):
        e["children_income_deprived_pct"], e["children_lsoas_used"] = None, 0
    if "at_risk_jobs_pct" not in table.columns:
        e["at_risk_jobs_mean_pct"] = None
    return cast(dict[str, float | None], e)


def _england_from_table(table: pd.DataFrame, wards: dict[WardMethod, pd.DataFrame],
                        method: WardMethod, children: pd.Series | None) -> dict[str, float | None]:
    dec = table["imd_decile"]
    n = int(dec.notna().sum())
    pop = table["population"].astype(float)
    e: dict[str, Any] = {"lsoas": len(table), "population": float(pop.sum())}
    for d in range(1, 11):
        e[f"pct_lsoas_decile_{d}"] = _pct(int((dec == d).sum()), n)
    for p in THRESHOLDS:
        e[f"pct_lsoas_in_{p}pct_most_deprived"] = _pct(int((dec <= p // 10).sum()), n)
    in20 = (dec <= MOST_DEPRIVED_PCT // 10).fillna(False).astype(bool)
    e["pct_population_in_20pct_most_deprived"] = _pct(pop[in20].sum(), pop.sum())
    half = wards[method]["most_deprived_half"]
    ward_in = table["ward_code"].map(half).fillna(False).astype(bool)
    e["pct_lsoas_in_50pct_most_deprived_wards"] = _pct(int(ward_in.sum()), len(table))
    e["pct_population_in_50pct_most_deprived_wards"] = _pct(pop[ward_in].sum(), pop.sum())
    e["wards"] = len(wards[method])
    e["ward_average_is_score"] = bool(wards[method]["imd_average_is_score"].iloc[0]) if len(
        wards[method]) else False
    e["children_income_deprived_pct"], e["children_lsoas_used"] = _children_share(
        table.index, table, children)
    e["at_risk_jobs_mean_pct"] = _at_risk(table.index, table)
    return cast(dict[str, float | None], e)


def england_reference(table: pd.DataFrame, *, children: pd.Series | None,
                      wards_in: Iterable[str] = ()) -> dict[str, Any]:
    """England's portfolio figures from the national ``table``, for a regional extract to carry.

    ``tools/build_demo.py`` stores them in the demo's manifest, and :func:`portfolio_summary` on the
    demo's regional table shows them as England's column. Made by the same code as on the full data.

    Parameters
    ----------
    table
        An edition's national LSOA table.
    children
        Children aged 0–15 per LSOA (:func:`load_children_0_15`), as the dashboard passes them.
    wards_in
        Wards whose national rank the extract needs (the region's); only these ranks are kept.

    Returns
    -------
    ``{"portfolio": {method: England's column}, "wards": {method: {"n": wards in England, "rank":
    {ward_code: England's rank}}}}`` for every ward method.

    Raises
    ------
    ValueError
        ``table`` is not national.
    """
    require_national(table)
    wards = {m: ward_ranking(table, method=m) for m in WARD_METHODS}
    keep = pd.Index(sorted(set(wards_in)))
    return {
        "portfolio": {m: _england_from_table(table, wards, m, children) for m in WARD_METHODS},
        "wards": {m: {"n": len(w), "rank": {str(k): int(v) for k, v in
                                            w["ward_rank"].reindex(keep).dropna().items()}}
                  for m, w in wards.items()},
    }


def portfolio_summary(orgs: pd.DataFrame, table: pd.DataFrame, *, edition: Edition,
                      children: pd.Series | None = None, centroids: pd.DataFrame | None = None,
                      radius_km: float | None = None,
                      ward_method: WardMethod = DEFAULT_WARD_METHOD, include_closed: bool = False,
                      include_duplicates: bool = False, within: Iterable[str] | None = None,
                      within_label: str = "the area") -> PortfolioResult:
    """Portfolio figures for a set of organisations, beside England's.

    Parameters
    ----------
    orgs
        Organisations, one per row, with ``lsoa11_code``/``lsoa21_code`` (and optionally
        ``status``, ``lat``, ``lon``, ``org_name``); rows that cannot be matched to an English LSOA
        of the edition count as unplaced.
    table
        The edition's LSOA table (``load_lsoa_table(edition)``).
    edition
        IMD edition of ``table``.
    children
        Children aged 0–15 per LSOA of the edition (``load_children_0_15``); without it the
        children figure is ``None``.
    centroids
        LSOA reference points in EPSG:27700 (:func:`lsoa_centroids`); needed with ``radius_km``.
    radius_km
        Widen the served neighbourhoods to LSOAs whose reference point lies within this distance.
    ward_method
        How wards are ranked (see :data:`WARD_METHODS`); both are computed, this one leads.
    include_closed, include_duplicates
        Also count organisations marked closed, and repeated rows (default: leave them out).
    within, within_label
        Count only organisations placed in these LSOAs (a local authority, region …), named
        ``within_label`` in the reasons; England's figures stay national.

    Returns
    -------
    :class:`PortfolioResult`. ``organisations_placed`` is the number the figures are computed on
    (placed in England, not closed, not repeated); ``organisations_placed + organisations_unplaced
    + organisations_excluded == organisations_total``. A list of grants (:func:`is_grant_list`)
    counts every grant, also weights the shares by amount, and summarises rows known only by
    area (:attr:`PortfolioResult.area_only`); headlines resting on too few rows carry a warning
    (:attr:`PortfolioResult.warnings`).
    """
    # rows the importer found not to be organisations (a total row, a blank spacer row) are not
    # organisations that could not be placed: they are left out here and only counted
    not_org_rows = _not_organisation(orgs)
    orgs = orgs[~not_org_rows]
    placed_all = place_organisations(orgs, table, edition=edition, include_closed=include_closed,
                                     include_duplicates=include_duplicates, within=within,
                                     within_label=within_label)
    placed = placed_all[placed_all["counted"]]
    n_placed = len(placed)
    reasons = placed_all.loc[~placed_all["placed"], "not_placed_reason"].value_counts()
    excluded = placed_all.loc[placed_all["placed"] & ~placed_all["counted"],
                              "excluded_reason"].value_counts()
    dec = table["imd_decile"].reindex(placed["lsoa_code"].astype(str)).astype("Int64")
    counts = dec.value_counts()
    by_decile = {d: int(counts.get(d, 0)) for d in range(1, 11)}
    pct_most = {p: _pct(int((dec <= p // 10).fillna(False).sum()), n_placed) for p in THRESHOLDS}

    wards = {m: ward_ranking(table, method=m) for m in WARD_METHODS}
    ward_of = table["ward_code"].reindex(placed["lsoa_code"].astype(str))
    by_method: dict[str, float | None] = {}
    for m, w in wards.items():
        if not _half_known(w):  # a regional table without England's ward ranks
            by_method[m] = None
            continue
        hit = ward_of.map(w["most_deprived_half"]).fillna(False).astype(bool)
        by_method[m] = _pct(int(hit.sum()), n_placed)

    served = served_lsoas(placed, centroids=centroids, radius_km=radius_km)
    served = served[_in_index(pd.Series(served), table.index)]
    pop = table["population"].reindex(served).astype(float)
    sdec = table["imd_decile"].reindex(served)
    in20 = (sdec <= MOST_DEPRIVED_PCT // 10).fillna(False).astype(bool)
    kids_pct, kids_n = _children_share(served, table, children)

    org_table = placed_all.copy()
    geo = table.reindex(org_table["lsoa_code"].astype("string").fillna("").astype(str))
    for col in ("lsoa_name", "ward_code", "ward_name", "lad_name", "imd_rank", "imd_decile"):
        if col in geo.columns:
            org_table[col] = geo[col].array  # keeps Int64 deciles as integers
    org_table["ward_in_50pct_most_deprived"] = (
        org_table["ward_code"].map(wards[ward_method]["most_deprived_half"]).astype("boolean")
        if "ward_code" in org_table.columns else pd.NA)

    grants = is_grant_list(orgs)
    extra = _portfolio_extras(placed_all, table, edition=edition, grants=grants,
                              pct20=pct_most[MOST_DEPRIVED_PCT],
                              england=_england(table, wards, ward_method, children))
    extra["rows_not_organisations"] = int(not_org_rows.sum())
    return PortfolioResult(
        edition=edition,
        organisations_total=len(placed_all),
        organisations_placed=n_placed,
        organisations_unplaced=int((~placed_all["placed"]).sum()),
        unplaced_reasons={str(k): int(v) for k, v in reasons.items()},
        organisations_excluded=int(excluded.sum()),
        excluded_reasons={str(k): int(v) for k, v in excluded.items()},
        orgs_by_decile=by_decile,
        pct_orgs_in_most_deprived=pct_most,
        ward_method=ward_method,
        pct_orgs_in_50pct_most_deprived_wards=by_method[ward_method],
        pct_orgs_in_50pct_most_deprived_wards_by_method=by_method,
        radius_km=float(radius_km) if radius_km else None,
        lsoas_served=len(served),
        served_population=float(pop.sum()),
        pct_served_population_in_20pct_most_deprived=_pct(pop[in20].sum(), pop.sum()),
        children_income_deprived_pct=kids_pct,
        children_lsoas_used=kids_n,
        at_risk_jobs_mean_pct=_at_risk(served, table),
        england=_england(table, wards, ward_method, children),
        organisations=org_table,
        scope=table_scope(table),
        grants=grants,
        **extra,
    )


def _portfolio_extras(placed_all: pd.DataFrame, table: pd.DataFrame, *, edition: Edition,
                      grants: bool, pct20: float | None,
                      england: dict[str, float | None]) -> dict[str, Any]:
    """Grants, money, rows known only by area, their area, confidence and warnings."""
    unit = "grants" if grants else "organisations"
    status = (placed_all["status"].astype("string").fillna("") if "status" in placed_all.columns
              else pd.Series("", index=placed_all.index, dtype="string"))
    not_org = status.str.startswith(NOT_ORG).to_numpy(dtype=bool)
    in_scope = ~not_org & (placed_all["excluded_reason"] == "").to_numpy()
    counted = placed_all["counted"].to_numpy(dtype=bool)
    n, base = int(counted.sum()), int(in_scope.sum())
    out: dict[str, Any] = {"rows_not_organisations": int(not_org.sum()), "rows_in_scope": base}
    if grants:
        out["recipients"] = int(recipient_keys(placed_all)[in_scope].nunique())

    # money
    amount = (pd.to_numeric(placed_all["amount"], errors="coerce").astype(float)
              if "amount" in placed_all.columns else None)
    has_money = amount is not None and bool(amount[in_scope].notna().any())
    if amount is not None and has_money:
        with_amount = counted & amount.notna().to_numpy()
        money = amount[with_amount]
        dec = table["imd_decile"].reindex(placed_all.loc[with_amount, "lsoa_code"].astype(str))
        out["amount_total"] = float(amount[in_scope].sum())
        out["amount_counted"] = float(money.sum())
        out["amount_rows_counted"] = int(with_amount.sum())
        out["pct_amount_in_most_deprived"] = {
            p: _pct(float(money[(dec <= p // 10).fillna(False).to_numpy()].sum()), float(money.sum()))
            for p in THRESHOLDS}

    # rows known only by area
    summary = _area_summary(placed_all, table, edition=edition)
    out["area_only"] = summary
    e20 = england.get("pct_population_in_20pct_most_deprived")
    out["area_only_figures"] = {
        level: _area_headline(summary, level, e20)
        for level in AREA_LEVELS if (summary["level"] == level).any()} if len(summary) else {}
    out["own_area"] = _own_area(placed_all, table)

    # confidence of the counted placements
    conf = _column(placed_all, "confidence")
    if conf is not None:
        c = conf[counted].str.lower()
        counts = {k: int((c == k).sum()) for k in CONFIDENCES}
        other = int(len(c) - sum(counts.values()))
        out["confidence_counts"] = {**counts, **({"not given": other} if other else {})}

    # what the headlines rest on
    warnings: list[str] = []
    unplaced = int((~placed_all["placed"].to_numpy() & in_scope).sum())
    area_rows = int(placed_all["area_counted"].to_numpy().sum())
    if headline_warning(n, base):
        few = n < MIN_HEADLINE_ROWS
        why = (f"fewer than {MIN_HEADLINE_ROWS} {unit}, too few for a share to be reliable"
               if few else "")
        if unplaced or not few:
            why += ("; " if why else "") + f"{unplaced:,} could not be placed in an LSOA"
        if area_rows:
            levels = ", ".join(f"{int(f['rows']):,} known only by {lvl}"
                               for lvl, f in out["area_only_figures"].items())
            why += f" ({levels}: see the summary by area)"
        pct20_text = f" ({_w(pct20)} in the 20% most deprived)" if n else ""
        warnings.append(f"The shares of {unit} in the most deprived neighbourhoods{pct20_text} are "
                        f"based on {n:,} of {base:,} {unit} ({_share_text(n, base)}): {why}.")
    if amount is not None and has_money:
        m_n, m_all = out["amount_rows_counted"], out["amount_total"]
        m_in = out["amount_counted"]
        if m_n < MIN_HEADLINE_ROWS or m_in < MIN_HEADLINE_SHARE * m_all:
            warnings.append(f"The share of money in the most deprived neighbourhoods is based on "
                            f"{format_money(m_in)} of the {format_money(m_all)} awarded "
                            f"({_share_text(m_in, m_all)}), in {m_n:,} {unit}: "
                            f"{format_money(m_all - m_in)} went to {unit} that could not be placed in "
                            "an LSOA or have no amount.")
    for level, f in out["area_only_figures"].items():
        if headline_warning(int(f["rows_matched"]), base):
            warnings.append(f"The figures for {unit} known only by {level} are based on "
                            f"{int(f['rows_matched']):,} of {base:,} {unit} "
                            f"({_share_text(int(f['rows_matched']), base)}).")
    out["warnings"] = tuple(warnings)
    return out
