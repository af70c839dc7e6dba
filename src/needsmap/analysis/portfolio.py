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
    it; optionally widened to every LSOA whose centroid lies within ``radius_km`` of an
    organisation (straight-line distance in EPSG:27700).
Children in income-deprived households
    Sum of the IDACI numerators (children aged 0–15 in income-deprived families) of the served
    LSOAs ÷ children aged 0–15 living there, counted only over LSOAs whose numerator is published
    (MHCLG suppresses small counts). Children aged 0–15 are ONS mid-2020 estimates (LSOA 2011); for
    the 2025 edition they are apportioned to LSOA 2021 by Census 2021 population through the
    LSOA 2011 → 2021 lookup. The numerators are from the edition's own year, so the share is an
    estimate, not MHCLG's published IDACI rate.
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

from needsmap.data.loaders import is_national, reference_figure, require_national, table_scope
from needsmap.data.manifest import ENGLAND
from needsmap.types import Edition

__all__ = [
    "DEFAULT_WARD_METHOD",
    "THRESHOLDS",
    "WARD_METHODS",
    "PortfolioResult",
    "WardMethod",
    "code_column",
    "england_reference",
    "load_children_0_15",
    "lsoa_centroids",
    "place_organisations",
    "portfolio_summary",
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


def code_column(edition: Edition) -> str:
    """The organisation column holding the LSOA code ``edition`` uses (``lsoa11_code``/``lsoa21_code``)."""
    return "lsoa11_code" if edition == "2019" else "lsoa21_code"


def _pct(part: float, whole: float) -> float | None:
    return None if whole <= 0 else 100.0 * float(part) / float(whole)


# ----------------------------------------------------------------------------- placing
def _in_index(values: pd.Series, index: pd.Index) -> np.ndarray:
    """``values.isin(index)`` by hash lookup (pandas' Arrow-string ``isin`` is slow on 30k codes)."""
    keys = pd.Index(values.astype(object).where(values.notna(), None).to_numpy())
    return np.asarray(pd.Index(index.astype(object)).get_indexer(keys) >= 0)

def place_organisations(orgs: pd.DataFrame, table: pd.DataFrame, *, edition: Edition,
                        include_closed: bool = False, include_duplicates: bool = False,
                        within: Iterable[str] | None = None, within_label: str = "the area"
                        ) -> pd.DataFrame:
    """Match each organisation to an LSOA of the edition's table, or say why it cannot be.

    An organisation is *counted* when it is placed in an English LSOA of the edition and, unless
    asked otherwise, is not marked closed (``org_closed``) nor a repeat of an earlier row
    (``duplicate_of``, e.g. several grants to one recipient): those are *excluded*, with the reason.

    Parameters
    ----------
    orgs
        One row per organisation with ``lsoa11_code``/``lsoa21_code`` (as placed by
        ``needsmap.orgs``); a ``status`` column other than ``"ok"`` marks a row as not placed.
    table
        The edition's LSOA table (``load_lsoa_table``), indexed by ``lsoa_code``.
    edition
        IMD edition: decides which code column is read.
    include_closed, include_duplicates
        Count organisations marked closed / repeated rows too.
    within, within_label
        Only count organisations in these LSOAs (e.g. one local authority); the others are
        excluded as "outside ``within_label``".

    Returns
    -------
    Copy of ``orgs`` (same index) plus ``lsoa_code`` (``<NA>`` when not placed), ``placed`` (bool),
    ``not_placed_reason`` (empty when placed), ``excluded_reason`` (closed or duplicate; empty
    otherwise) and ``counted`` (placed and not excluded).
    """
    col = code_column(edition)
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
    excluded = pd.Series([""] * n, index=out.index, dtype=object)
    if not include_closed and "org_closed" in out.columns:
        closed = out["org_closed"].astype("boolean").fillna(False).astype(bool)
        excluded[placed & closed] = "marked closed"
    if not include_duplicates and "duplicate_of" in out.columns:
        dup = out["duplicate_of"].notna() & placed & (excluded == "")
        excluded[dup] = "repeats an earlier row"
    if within is not None:
        inside = _in_index(codes, pd.Index(list(within)))
        excluded[placed & ~inside & (excluded == "")] = f"outside {within_label}"
    out["excluded_reason"] = excluded.astype(str)
    out["counted"] = placed & (excluded == "")
    return out


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
def lsoa_centroids(boundaries: Any) -> pd.DataFrame:
    """Centroids of LSOA polygons in British National Grid metres.

    Parameters
    ----------
    boundaries
        GeoDataFrame with ``lsoa_code`` and polygons in any CRS (``load_boundaries``).

    Returns
    -------
    DataFrame indexed by ``lsoa_code`` with ``x``, ``y`` (EPSG:27700).
    """
    bng = boundaries.to_crs(27700)
    cent = bng.geometry.centroid
    return pd.DataFrame({"x": cent.x.to_numpy(), "y": cent.y.to_numpy()},
                        index=pd.Index(bng["lsoa_code"].astype(str), name="lsoa_code"))


def _org_points(placed: pd.DataFrame, centroids: pd.DataFrame) -> np.ndarray:
    """Organisation points in EPSG:27700; those without lat/lon take their LSOA's centroid."""
    xy = centroids.reindex(placed["lsoa_code"].astype(str))[["x", "y"]].to_numpy(dtype=float, copy=True)
    if {"lat", "lon"} <= set(placed.columns):
        lat = pd.to_numeric(placed["lat"], errors="coerce").to_numpy(dtype=float)
        lon = pd.to_numeric(placed["lon"], errors="coerce").to_numpy(dtype=float)
        ok = np.isfinite(lat) & np.isfinite(lon)
        if ok.any():
            from pyproj import Transformer

            tr = Transformer.from_crs(4326, 27700, always_xy=True)
            x, y = tr.transform(lon[ok], lat[ok])
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
        LSOA centroids in EPSG:27700 (:func:`lsoa_centroids`); needed only with ``radius_km``.
    radius_km
        When given (> 0), also every LSOA whose centroid is within this distance of an organisation.

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
        rows: list[tuple[str, float | None, float | None, str]] = [
            (f"% of organisations in the {p}% most deprived LSOAs", self.pct_orgs_in_most_deprived[p],
             e.get(f"pct_lsoas_in_{p}pct_most_deprived"), "England: share of LSOAs")
            for p in THRESHOLDS
        ]
        rows.append((f"% of organisations in the 50% most deprived wards (by {ward_how})",
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
        missing = "England: " + NOT_IN_DEMO
        return pd.DataFrame(
            [{"figure": f, "organisations": _round(a), "England": _round(b),
              "comparison": missing if b is None and self.scope != ENGLAND else c}
             for f, a, b, c in rows])

    def sentences(self) -> list[str]:
        """Plain-English sentences a funder can quote (whole percentages)."""
        out: list[str] = []
        e = self.england
        n, total = self.organisations_placed, self.organisations_total
        left_out = ""
        if self.organisations_excluded:
            left_out = (f"; {self.organisations_excluded:,} placed rows were left out: "
                        + ", ".join(f"{reason} ({n:,})" for reason, n in
                                    sorted(self.excluded_reasons.items(), key=lambda kv: -kv[1])))
        where = ("an English neighbourhood (LSOA)" if self.scope == ENGLAND
                 else f"a neighbourhood (LSOA) of the {self.scope}")
        out.append(f"{n:,} of {total:,} organisations are counted: {self.organisations_unplaced:,} "
                   f"could not be placed in {where} for IMD {self.edition}{left_out}.")
        if n == 0:
            return out
        p50, p20, p10 = (self.pct_orgs_in_most_deprived[p] for p in (50, 20, 10))
        out.append(f"{_w(p50)} of the organisations work in the 50% most deprived neighbourhoods in "
                   f"England, {_w(p20)} in the 20% most deprived and {_w(p10)} in the 10% most "
                   "deprived (if they were spread like England's neighbourhoods these would be "
                   "50%, 20% and 10%).")
        how = ("ranked by their population-weighted average IMD "
               + ("score" if e.get("ward_average_is_score") else "rank")
               if self.ward_method == "average"
               else "ranked by the share of their neighbourhoods in the 20% most deprived")
        if self.pct_orgs_in_50pct_most_deprived_wards is None and self.scope != ENGLAND:
            out.append(f"Their share in England's 50% most deprived wards is {NOT_IN_DEMO}.")
        else:
            out.append(f"{_w(self.pct_orgs_in_50pct_most_deprived_wards)} of the organisations "
                       f"work in the 50% most deprived wards ({how}).")
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
        d["sentences"] = self.sentences()
        return d



def _round(value: float | None, digits: int = 2) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return round(float(value), digits)


def _w(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0f}%"


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


# ----------------------------------------------------------------------------- main entry
def _children_share(codes: Iterable[str], table: pd.DataFrame,
                    children: pd.Series | None) -> tuple[float | None, int]:
    if children is None or "idaci_numerator" not in table.columns:
        return None, 0
    idx = pd.Index(list(codes))
    num = pd.to_numeric(table["idaci_numerator"].reindex(idx), errors="coerce")
    kids = pd.to_numeric(children.reindex(idx), errors="coerce")
    ok = num.notna() & kids.notna() & (kids > 0)
    return _pct(num[ok].sum(), kids[ok].sum()), int(ok.sum())


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
    # as over a national table: no children figure without the children counts, no jobs figure
    # without the column
    if children is None or "idaci_numerator" not in table.columns:
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
        LSOA centroids in EPSG:27700 (:func:`lsoa_centroids`); needed with ``radius_km``.
    radius_km
        Widen the served neighbourhoods to LSOAs whose centroid lies within this distance.
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
    + organisations_excluded == organisations_total``.
    """
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
    )
