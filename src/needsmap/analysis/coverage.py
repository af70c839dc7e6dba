"""Coverage gaps: organisations near each LSOA against its need, a gap score and bivariate classes.

Method (the same words appear on the Coverage gaps page, see :data:`METHOD_TEXT`):

* Each LSOA is represented by one **reference point**
  (:func:`needsmap.data.lsoa_points.reference_points`, shared with the portfolio's radius): the ONS
  population-weighted centroid, or, for an LSOA without one (a 2011 LSOA split, merged or redrawn
  in 2021), a point inside its polygon. Distances are in British National Grid (EPSG:27700).
* ``orgs_in_lsoa``: organisations whose LSOA code (of the edition's vintage: LSOA 2011 for IMD 2019,
  LSOA 2021 for IMD 2025) is the LSOA's code.
* ``orgs_within_radius``: organisations within ``radius_km`` in a straight line of the reference point.
* ``nearest_org_km``: straight-line distance from the reference point to the nearest organisation.
* ``catchment_population``: residents of every LSOA in England whose reference point lies within
  ``radius_km`` of this LSOA's reference point (always including the LSOA itself).
* ``orgs_per_1000`` = 1,000 × ``orgs_within_radius`` / ``catchment_population``: organisations per
  1,000 residents of the circle around the LSOA, counting people and organisations in the same circle.
* Organisations and LSOAs outside the selected area count too, so LSOAs near the area's edge are not
  penalised for the boundary.
* **Need** is put on one scale, ``need_score`` (0–100, higher = more need), the LSOA's national
  percentile: for an IMD measure 100 × (N − rank) / (N − 1) with N LSOAs in England; for a composite the
  weighted mean of its domains' percentiles (:meth:`NeedSpec.formula`).
* **Gap score** = 100 × need percentile × (1 − coverage percentile), both percentiles taken *within the
  selection* (0 = lowest, 1 = highest; the percentile of a value is the share of the other LSOAs with a
  strictly lower value). It is 100 for the neediest LSOA when no LSOA has less coverage, and 0 for the
  least needy LSOA or the best covered one. ``gap_rank`` 1 is the largest gap.
* **Bivariate class** ``"n-c"``: need third (1 low … 3 high) and coverage third (1 low … 3 high) of the
  same percentiles (cut at 1/3 and 2/3). LSOAs tied on coverage share the lower class; when more than
  a third tie at the lowest coverage (often none nearby), they are the low class and the others are
  split in half at their median, so coverage classes can be unequal in size.

Distances are exact straight lines in British National Grid, found with shapely's ``STRtree`` on the
points (``dwithin`` and ``query_nearest``); there are no per-row Python loops.

On the embedded demo (a regional table, ``table.attrs["scope"]``) the need of an IMD measure or a
composite is still national (published ranks); a plain value (jobs at risk, ethnicity …) can only be
ranked among the region's LSOAs, which :func:`need_scope_note` and ``NeedSpec.formula(scope=…)`` say.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from needsmap import areas
from needsmap.areas import Area
from needsmap.crs import BNG, WGS84, to_bng
from needsmap.data.loaders import is_national, table_scope
from needsmap.data.lsoa_points import reference_points
from needsmap.data.manifest import ENGLAND
from needsmap.errors import ValidationError
from needsmap.measures import Measure, get_measure
from needsmap.types import LSOA_VINTAGE, Edition, england_lsoa_count

# The geometry libraries and needsmap.orgs (which loads the geocoder) are imported where they are
# used: `needsmap gaps --help` registers the command with this module's constants without them.
if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "BIVARIATE_COLOURS",
    "BIVARIATE_LABELS",
    "COVERAGE_BASES",
    "DEFAULT_RADIUS_KM",
    "LAYER_NOUNS",
    "METHOD_TEXT",
    "ORG_NOUNS",
    "PROJECTED_CRS",
    "TABLE_COLUMNS",
    "CoverageBasis",
    "GapAnalysis",
    "GapFilter",
    "NeedSpec",
    "analyse_gaps",
    "catchment_pairs",
    "category_nouns",
    "composite_components",
    "coverage_arrays",
    "default_top_n",
    "export_table",
    "filter_categories",
    "filter_gaps",
    "filter_sentence",
    "gap_table",
    "gaps_geojson",
    "gaps_layer",
    "map_summary",
    "need_deciles",
    "need_frame",
    "need_is_national",
    "need_scope_note",
    "org_categories",
    "org_nouns",
    "org_xy",
    "plural",
    "usable_orgs",
    "radius_text",
    "reference_points",
    "summary_sentence",
    "ward_table",
    "ward_table_display",
]

#: British National Grid: metres, for distances across England
PROJECTED_CRS = BNG
DEFAULT_RADIUS_KM = 1.0
#: how many of the neediest LSOAs the summary sentence talks about (when the selection is big enough)
SUMMARY_TOP_N = 50

#: what one organisation of each default layer (:data:`needsmap.orgs.DEFAULT_LAYERS`) is called,
#: singular and plural, in sentences and table headings
LAYER_NOUNS: dict[str, tuple[str, str]] = {
    "foodbanks": ("food bank", "food banks"),
    "libraries": ("library", "libraries"),
    "charities_trafford": ("charity", "charities"),
    "grants_trafford": ("grant recipient", "grant recipients"),
}
#: the words for a list whose kind is not known
ORG_NOUNS = ("organisation", "organisations")
#: category values that say nothing about what an organisation is
_VAGUE_CATEGORIES = frozenset({"other", "others", "unknown", "misc", "misc.", "miscellaneous", "n/a",
                               "na", "none", "various", "general", "-", "?", "not known"})

CoverageBasis = Literal["orgs_per_1000", "orgs_within_radius", "nearest_org_km"]
#: coverage figures the gap score can be built on, with what users read
COVERAGE_BASES: dict[CoverageBasis, str] = {
    "orgs_per_1000": "Per 1,000 residents nearby",
    "orgs_within_radius": "Number within the radius",
    "nearest_org_km": "Distance to the nearest",
}

#: 3×3 bivariate palette, key ``"need-coverage"`` (1 low … 3 high). Orange carries need, blue carries
#: coverage (the blue–orange axis survives red–green colour blindness); colours are the multiplicative
#: blend of the two ramps. Minimum CIELAB distance between any two classes is above 16 under simulated
#: deuteranopia, protanopia and tritanopia (Machado et al. 2009), against about 5 for the common
#: pink–blue palette. "3-1" (high need, low coverage; the gaps) is the strong orange.
_NEED_RAMP = ((243, 243, 243), (246, 178, 107), (224, 102, 20))
_COVER_RAMP = ((243, 243, 243), (157, 199, 226), (49, 120, 180))
BIVARIATE_COLOURS: dict[str, tuple[int, int, int]] = {
    f"{n + 1}-{c + 1}": (
        round(_NEED_RAMP[n][0] * _COVER_RAMP[c][0] / 255),
        round(_NEED_RAMP[n][1] * _COVER_RAMP[c][1] / 255),
        round(_NEED_RAMP[n][2] * _COVER_RAMP[c][2] / 255),
    )
    for n in range(3) for c in range(3)
}
_LEVEL = {1: "low", 2: "middle", 3: "high"}
BIVARIATE_LABELS: dict[str, str] = {
    f"{n}-{c}": f"{_LEVEL[n].capitalize()} need, {_LEVEL[c]} coverage"
    for n in (1, 2, 3) for c in (1, 2, 3)
}

#: columns of the LSOA table :func:`analyse_gaps` reads besides the geography and the need's own
#: (:meth:`NeedSpec.columns`); missing ones are left empty
TABLE_COLUMNS = ("imd_decile", "imd_rank")
#: the IMD measure groups whose ranks run 1 … (England's LSOA count)
_IMD_GROUPS = ("Deprivation", "IMD domain", "IMD sub-domain")

METHOD_TEXT = """\
**How coverage is measured.** Each neighbourhood (LSOA) is represented by one point: its
population-weighted centre (ONS, 2021), where its residents live on average; an IMD 2019
neighbourhood whose boundary changed in 2021 has none, and takes a point inside its boundary. From
that point we count the organisations within the chosen radius in a straight line,
measure the distance to the nearest one, and divide the count by the number of residents living in
the same circle (all LSOAs whose point is within the radius) to give *organisations per 1,000
residents*. Organisations and people just outside the selected area count too, so places on its edge
are not penalised. *Organisations in the LSOA* counts those placed in it (by postcode, coordinates or LSOA code).

**How the gap score works.** Need is each LSOA's national percentile on the chosen measure (100 = most
deprived in England). Within the selected area, every LSOA gets a need percentile and a coverage
percentile (the share of the other LSOAs with lower need, or lower coverage). Gap score = 100 ×
need percentile × (1 − coverage percentile): high when need is high *and* coverage is low. The map
splits both percentiles into thirds, giving nine classes; the orange ones have high need and low
coverage. When more than a third of LSOAs have the lowest coverage (often none nearby), they all
form the low-coverage class and the others are split in half.

**Limitations.** Straight-line distance is not travel time and ignores rivers, railways and main
roads. A list of organisations is never complete, and one organisation may serve far beyond its
postcode (or have its registered address elsewhere). Counts do not weigh size, opening hours or what an
organisation does. Percentiles are relative to the selected area: a "low need" LSOA in a deprived
city may be deprived nationally. Postcodes are placed on generalised boundaries, right for about nine
in ten. LSOAs nest in wards only approximately (best fit), so ward totals are approximate.
"""


# ----------------------------------------------------------------------------- need
@dataclass(frozen=True)
class NeedSpec:
    """What "need" means: one registered measure, or a weighted composite of IMD domains.

    Parameters
    ----------
    measure_id
        A measure in :data:`needsmap.measures.MEASURES` (default: overall IMD). Ignored for a composite.
    weights
        ``(measure_id, weight)`` pairs; when given, need is their weighted composite. Build with
        :meth:`composite`.
    """

    measure_id: str = "imd"
    weights: tuple[tuple[str, float], ...] = ()

    @classmethod
    def composite(cls, weights: Mapping[str, float]) -> NeedSpec:
        """A composite of ranked measures (domains, sub-domains) with non-negative weights.

        Zero weights are dropped; weights need not sum to 1 (they are normalised).
        """
        kept: list[tuple[str, float]] = []
        for mid, w in weights.items():
            w = float(w)
            if not math.isfinite(w) or w < 0:
                raise ValidationError(f"weight for {mid!r} must be a number ≥ 0, not {w!r}")
            if w == 0:
                continue
            m = get_measure(mid)
            if "rank" not in m.views:
                raise ValidationError(f"{m.label} has no rank, so it cannot go into a composite")
            kept.append((mid, w))
        if not kept:
            raise ValidationError("a composite need measure needs at least one weight above 0")
        return cls(measure_id="composite", weights=tuple(kept))

    @property
    def is_composite(self) -> bool:
        """True for a weighted composite."""
        return bool(self.weights)

    @property
    def measure(self) -> Measure | None:
        """The registered measure (None for a composite)."""
        return None if self.is_composite else get_measure(self.measure_id)

    def columns(self) -> list[str]:
        """Columns of the LSOA table :func:`need_frame` may read for this need (every view of each
        measure: rank, score, value, decile), e.g. for ``load_lsoa_table(edition, columns=…)``."""
        ids = [mid for mid, _ in self.weights] if self.is_composite else [self.measure_id]
        return [get_measure(mid).column(view) for mid in ids for view in get_measure(mid).views]

    @property
    def label(self) -> str:
        """Short name users read."""
        m = self.measure
        return "Composite need" if m is None else m.label

    @property
    def phrase(self) -> str:
        """Words for the neediest LSOAs: ``most deprived``, ``most deprived on health …``."""
        m = self.measure
        if m is None:
            return "highest-need (composite)"
        if m.id == "imd":
            return "most deprived"
        if m.group in _IMD_GROUPS:
            return f"most deprived on {m.label[0].lower()}{m.label[1:]}"
        return f"highest-need (by {m.label[0].lower()}{m.label[1:]})"

    def formula(self, *, scope: str = ENGLAND) -> str:
        """The need score as text, e.g. ``Need = (2 × Income + 1 × Health) / 3``.

        ``scope`` is the area the LSOA table covers (``table.attrs["scope"]``): on the demo's
        regional table a plain value is a percentile among the region's LSOAs, and says so.
        """
        m = self.measure
        if m is not None:
            if "rank" in m.views and (m.group in _IMD_GROUPS or scope == ENGLAND):
                return (f"Need = 100 × (N − {m.label} rank) / (N − 1), N = LSOAs in England "
                        "(100 = most deprived)")
            if scope != ENGLAND:
                return (f"Need = percentile of {m.label} among the LSOAs of the {scope} only: 100 × "
                        "share of the region's other LSOAs with less need (England's percentiles "
                        "need the full data)")
            return (f"Need = national percentile of {m.label}: 100 × share of England's other LSOAs "
                    "with less need")
        total = sum(w for _, w in self.weights)
        terms = " + ".join(f"{_num(w)} × {get_measure(mid).label}" for mid, w in self.weights)
        return (f"Need = ({terms}) / {_num(total)}, each domain as its national percentile "
                "(100 = most deprived LSOA in England)")


def _num(x: float) -> str:
    return f"{x:g}"


def need_is_national(table: pd.DataFrame, spec: NeedSpec) -> bool:
    """True when ``spec``'s need scores in ``table`` are England's percentiles.

    Always on a national table; on the demo's regional table only for IMD measures and composites
    (published national ranks), not for a plain value ranked among the region's LSOAs.
    """
    m = spec.measure
    return is_national(table) or m is None or ("rank" in m.views and m.group in _IMD_GROUPS)


def need_scope_note(table: pd.DataFrame, spec: NeedSpec) -> str:
    """A sentence for the page when need is not England's percentile (else empty)."""
    if need_is_national(table, spec):
        return ""
    scope = table_scope(table)
    return (f"Need for {spec.label} is its percentile among the neighbourhoods of the {scope}, "
            f"not England's: the demo holds the {scope} only (England's percentiles need the full "
            "data). The IMD, its domains and sub-domains are national.")


def composite_components() -> list[Measure]:
    """Measures that can go into a composite: the IMD domains and sub-domains (they have ranks)."""
    from needsmap.measures import MEASURES

    return [m for m in MEASURES.values() if m.group in ("IMD domain", "IMD sub-domain")]


def _rank_percentile(ranks: pd.Series, n: int) -> pd.Series:
    r = pd.to_numeric(ranks, errors="coerce").astype(float)
    return 100.0 * (n - r) / (n - 1)


def _measure_score(table: pd.DataFrame, m: Measure, edition: Edition) -> tuple[pd.Series, pd.Series, str]:
    """(need_score 0–100, raw value, description of the raw value) for one measure."""
    cols = set(table.columns)
    if "rank" in m.views and m.column("rank") in cols:
        col = m.column("rank")
        n = england_lsoa_count(edition) if m.group in _IMD_GROUPS else int(table[col].max())
        return _rank_percentile(table[col], n), table[col], f"{m.label} rank (1 = most deprived)"
    for view in ("score", "value"):
        if view in m.views and m.column(view) in cols:
            col = m.column(view)
            values = pd.to_numeric(table[col], errors="coerce").astype(float)
            # share of the other LSOAs in England with less need, as for ranks
            pct = _within_percentile(values if m.higher_is_worse else -values) * 100.0
            unit = f" ({m.unit})" if m.unit else ""
            return pct, values, f"{m.label}{unit}"
    raise ValidationError(
        f"{m.label} is not in the IMD {edition} table (its data may be missing or it belongs to the "
        "other edition); choose another need measure"
    )


def need_frame(table: pd.DataFrame, spec: NeedSpec, *, edition: Edition) -> tuple[pd.DataFrame, str]:
    """Need for every LSOA of ``table`` (which must be all of England, for national percentiles).

    Returns
    -------
    frame, value_label
        ``frame`` (same index) has ``need_score`` (0–100, national percentile, higher = more need),
        ``need_value`` (the measure's own figure: a rank, score or value; for a composite the score)
        and ``need_decile`` (the published decile where there is one, else missing);
        ``value_label`` says what ``need_value`` is.
    """
    out = pd.DataFrame(index=table.index)
    m = spec.measure
    if m is not None:
        score, value, label = _measure_score(table, m, edition)
        out["need_score"] = score.to_numpy()
        out["need_value"] = value.to_numpy()
        dec = m.column("decile") if "decile" in m.views else None
        out["need_decile"] = (table[dec].astype("Int64") if dec and dec in table.columns
                              else pd.array([pd.NA] * len(table), dtype="Int64"))
        return out, label
    total = sum(w for _, w in spec.weights)
    acc = np.zeros(len(table))
    for mid, w in spec.weights:
        comp = get_measure(mid)
        if comp.column("rank") not in table.columns:
            raise ValidationError(f"{comp.label} is not in the IMD {edition} table")
        pct, _, _ = _measure_score(table, comp, edition)
        acc = acc + w * pct.to_numpy(dtype=float)
    out["need_score"] = acc / total
    out["need_value"] = out["need_score"]
    out["need_decile"] = pd.array([pd.NA] * len(table), dtype="Int64")
    return out, "Composite need score (0–100, 100 = most deprived)"


# ----------------------------------------------------------------------------- points
def _coords_ok(orgs: pd.DataFrame) -> np.ndarray:
    for col in ("lat", "lon"):
        if col not in orgs.columns:
            raise ValidationError(f"the organisation list has no {col!r} column; place it first "
                                  "(Organisations page or needsmap geocode)")
    lat = pd.to_numeric(orgs["lat"], errors="coerce")
    lon = pd.to_numeric(orgs["lon"], errors="coerce")
    # a generous box around Great Britain: bad coordinates cannot become points far away
    return (lat.between(49.0, 61.5) & lon.between(-9.0, 2.5)).to_numpy(dtype=bool)


def usable_orgs(orgs: pd.DataFrame, *, include_closed: bool = False,
                include_duplicates: bool = False) -> tuple[pd.DataFrame, dict[str, int]]:
    """The organisations that count as coverage, and how many rows were left out and why.

    A row counts when its ``status`` is ``ok`` (when there is a status column), it has coordinates in
    Great Britain, and (unless asked otherwise) it is not marked closed (``org_closed``) nor flagged
    as a duplicate of an earlier row (``duplicate_of``).

    Returns
    -------
    usable, excluded
        The usable rows, and counts of left-out rows by reason (``not placed``, ``not
        organisations`` — total rows and the like, :data:`~needsmap.orgs.levels.NOT_ORG` —,
        ``closed``, ``duplicate``), reasons with no rows omitted.
    """
    from needsmap.orgs.levels import NOT_ORG

    keep = _coords_ok(orgs)
    not_org = np.zeros(len(orgs), dtype=bool)
    if "status" in orgs.columns:
        status = orgs["status"].astype("string").fillna("")
        keep = keep & (status == "ok").to_numpy(dtype=bool)
        # a total row or a blank spacer row is not an organisation that could not be placed
        not_org = status.str.startswith(NOT_ORG).to_numpy(dtype=bool)
    excluded = {"not placed": int((~keep & ~not_org).sum()), "not organisations": int(not_org.sum())}
    if not include_closed and "org_closed" in orgs.columns:
        closed = orgs["org_closed"].astype("boolean").fillna(False).to_numpy(dtype=bool) & keep
        excluded["closed"] = int(closed.sum())
        keep = keep & ~closed
    if not include_duplicates and "duplicate_of" in orgs.columns:
        dup = orgs["duplicate_of"].notna().to_numpy(dtype=bool) & keep
        excluded["duplicate"] = int(dup.sum())
        keep = keep & ~dup
    return orgs.loc[keep], {k: v for k, v in excluded.items() if v}


def org_xy(orgs: pd.DataFrame) -> np.ndarray:
    """Organisation positions in EPSG:27700 metres, shape (n, 2), from ``lat``/``lon``.

    Rows without usable coordinates are dropped (pass :func:`usable_orgs` output to keep the rows
    aligned with the frame).
    """
    ok = orgs.loc[_coords_ok(orgs)]
    if ok.empty:
        return np.empty((0, 2))
    x, y = to_bng().transform(ok["lon"].to_numpy(dtype=float), ok["lat"].to_numpy(dtype=float))
    return np.column_stack([x, y])


# ----------------------------------------------------------------------------- coverage arrays
def coverage_arrays(
    query_xy: np.ndarray, org_points: np.ndarray, all_xy: np.ndarray, all_population: np.ndarray,
    radius_m: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Counts, nearest distances and catchment populations for many points at once.

    Exact straight-line distances: shapely's ``STRtree`` finds the candidates and GEOS measures them
    (``dwithin`` for the circle, ``query_nearest`` for the nearest), all in compiled code.

    Parameters
    ----------
    query_xy
        Reference points of the LSOAs to measure, (n, 2) metres.
    org_points
        Every organisation to consider, (m, 2) metres (may be empty).
    all_xy, all_population
        Reference points and residents of every LSOA in England (the catchment pool).
    radius_m
        Radius in metres (a point exactly on the circle counts).

    Returns
    -------
    within, nearest_m, catchment
        Organisations within ``radius_m`` (int), distance to the nearest organisation in metres (NaN
        when there are none), and residents of LSOAs whose point lies within ``radius_m``.
    """
    import shapely

    query_xy = np.asarray(query_xy, dtype=float).reshape(-1, 2)
    all_xy = np.asarray(all_xy, dtype=float).reshape(-1, 2)
    query = shapely.points(query_xy)
    within, nearest = _org_coverage(query, org_points, radius_m)
    catchment: np.ndarray = np.zeros(len(query))
    if len(query) and len(all_xy):
        same = np.array_equal(all_xy, query_xy)  # England: the pool is the selection
        i, j = _pairs_within(query, query if same else shapely.points(all_xy), radius_m)
        catchment = np.bincount(i, weights=np.asarray(all_population, dtype=float)[j],
                                minlength=len(query))
    return within, nearest, catchment


def _org_coverage(query: np.ndarray, org_points: np.ndarray, radius_m: float
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Organisations within ``radius_m`` of each query point (shapely points) and the distance to
    the nearest one (NaN when there are none)."""
    import shapely

    n = len(query)
    within: np.ndarray = np.zeros(n, dtype=np.int64)
    nearest: np.ndarray = np.full(n, np.nan)
    if len(org_points) and n:
        orgs = shapely.points(np.asarray(org_points, dtype=float).reshape(-1, 2))
        tree = shapely.STRtree(orgs)
        hit, org = tree.query(query, predicate="dwithin", distance=radius_m)
        within = np.bincount(hit, minlength=n).astype(np.int64)
        # the nearest of those within the radius is the nearest of all: measure only those pairs,
        # and search the tree only for the points with none within the radius
        np.fmin.at(nearest, hit, shapely.distance(query[hit], orgs[org]))
        rest = np.flatnonzero(within == 0)
        (which, _), dist = tree.query_nearest(query[rest], return_distance=True, all_matches=False)
        nearest[rest[which]] = dist
    return within, nearest


def _pairs_within(query: np.ndarray, pool: np.ndarray, radius_m: float) -> tuple[np.ndarray, np.ndarray]:
    """(i, j): every query point i and pool point j at most ``radius_m`` apart (shapely points)."""
    import shapely

    i, j = shapely.STRtree(pool).query(query, predicate="dwithin", distance=radius_m)
    return i, j


def _points_key(points: pd.DataFrame) -> str:
    """A fingerprint of reference points (their coordinates, in order)."""
    xy = np.ascontiguousarray(points[["x", "y"]].to_numpy(dtype=float))
    return hashlib.sha1(xy.tobytes()).hexdigest()[:16]


def catchment_pairs(points: pd.DataFrame, radius_km: float) -> pd.DataFrame:
    """Every pair of LSOAs whose reference points lie within ``radius_km`` of each other.

    An LSOA's catchment population is the sum of the residents over its pairs. The pairs depend only
    on the reference points and the radius, not on the organisations or the need, so they can be
    found once and passed to :func:`analyse_gaps` (the command line keeps them in the prepared-file
    cache beside the reference points).

    Parameters
    ----------
    points
        :func:`reference_points` (``x``, ``y`` in metres).
    radius_km
        Catchment radius in km, > 0 (a pair exactly at the radius counts).

    Returns
    -------
    DataFrame with int32 columns ``i`` and ``j``, positions in ``points``: both orders of each pair,
    and each LSOA with itself. ``attrs`` name the radius (``radius_km``) and the points they were
    found for (``points_key``), which :func:`analyse_gaps` checks.
    """
    import shapely

    if not radius_km > 0 or not math.isfinite(radius_km):
        raise ValidationError(f"the radius must be a positive number of kilometres, not {radius_km!r}")
    pts = shapely.points(points[["x", "y"]].to_numpy(dtype=float))
    i, j = _pairs_within(pts, pts, radius_km * 1000.0)
    out = pd.DataFrame({"i": i.astype(np.int32), "j": j.astype(np.int32)})
    out.attrs = {"radius_km": float(radius_km), "points_key": _points_key(points)}
    return out


# ----------------------------------------------------------------------------- analysis
@dataclass
class GapAnalysis:
    """Result of :func:`analyse_gaps`: per-LSOA figures and what they were computed from.

    Attributes
    ----------
    lsoas
        One row per LSOA in the area, sorted by ``gap_rank`` (see the module docstring for columns).
    area, edition, radius_km, need, basis
        The inputs.
    need_value_label
        What ``need_value`` is (e.g. ``Index of Multiple Deprivation (overall) rank``).
    n_orgs
        Placed organisations considered (in England, not only in the area).
    n_orgs_in_area
        Of those, organisations whose LSOA lies in the area.
    excluded
        Rows of the list left out, by reason (``not placed``, ``closed``, ``duplicate``).
    need_note
        Why need is not England's percentile here (:func:`need_scope_note`); empty when it is.
    org_noun, org_plural
        What one organisation is called, and several (``food bank``, ``food banks``); the plural is
        made from the singular when empty (:func:`plural`).
    ranked_of
        For a filtered result (:func:`filter_gaps`): how many LSOAs the gap ranks are of (the area's,
        before the filter); 0 for an unfiltered one.
    """

    lsoas: pd.DataFrame
    area: Area
    edition: Edition
    radius_km: float
    need: NeedSpec
    basis: CoverageBasis
    need_value_label: str
    n_orgs: int
    n_orgs_in_area: int
    org_noun: str = "organisation"
    excluded: dict[str, int] = field(default_factory=dict)
    need_note: str = ""
    org_plural: str = ""
    ranked_of: int = 0

    @property
    def org_nouns(self) -> tuple[str, str]:
        """(singular, plural) of what the organisations are, e.g. ``("food bank", "food banks")``."""
        return self.org_noun, self.org_plural or plural(self.org_noun)

    @property
    def rank_total(self) -> int:
        """How many LSOAs ``gap_rank`` runs over (the whole area's, also after a filter)."""
        return self.ranked_of or len(self.lsoas)

    @property
    def excluded_text(self) -> str:
        """Rows left out, in words (``12 not placed, 39 closed``); empty when none."""
        return ", ".join(f"{n:,} {why}" for why, n in self.excluded.items())

    @property
    def radius_text(self) -> str:
        """The radius in words (``1 km``, ``500 m``)."""
        return radius_text(self.radius_km)


def radius_text(km: float) -> str:
    """``1`` → ``1 km``, ``0.5`` → ``500 m``, ``1.5`` → ``1.5 km``."""
    return f"{km * 1000:,.0f} m" if km < 1 else f"{km:g} km"


def _within_percentile(values: pd.Series) -> pd.Series:
    """Share of the other (non-missing) values that are strictly lower: 0 … 1; ties share the lowest."""
    n = int(values.notna().sum())
    if n <= 1:
        return pd.Series(np.where(values.notna(), 0.5, np.nan), index=values.index)
    return (values.rank(method="min") - 1) / (n - 1)


def _tercile(pct: pd.Series) -> pd.Series:
    t = 1 + (pct >= 1 / 3).astype(int) + (pct >= 2 / 3).astype(int)
    return t.where(pct.notna()).astype("Int64")


def _coverage_classes(cover: pd.Series, pct: pd.Series) -> pd.Series:
    """Coverage thirds; when more than a third tie at the lowest value (usually no organisation
    nearby) they form the low class and the rest are split in half at their median."""
    classes = _tercile(pct)
    n = int(pct.notna().sum())
    rest = (classes > 1).fillna(False).to_numpy(dtype=bool)
    if n and 0 < rest.sum() < round(2 * n / 3) - 1:
        sub = _within_percentile(cover[rest])
        classes[rest] = (2 + (sub >= 0.5).astype(int)).astype("Int64").to_numpy()
    return classes


def _lsoa_codes_of(orgs: pd.DataFrame, edition: Edition) -> pd.Series:
    col = f"{LSOA_VINTAGE[edition]}_code"
    if col not in orgs.columns:
        raise ValidationError(f"the organisation list has no {col!r} column (the LSOA of each "
                              f"organisation for the {edition} edition); place it with needsmap first")
    return orgs[col].astype("string")


def analyse_gaps(
    table: pd.DataFrame,
    points: pd.DataFrame,
    orgs: pd.DataFrame,
    *,
    area: Area,
    edition: Edition,
    radius_km: float = DEFAULT_RADIUS_KM,
    need: NeedSpec | None = None,
    basis: CoverageBasis = "orgs_per_1000",
    org_noun: str = "organisation",
    org_plural: str = "",
    include_closed: bool = False,
    include_duplicates: bool = False,
    pairs: pd.DataFrame | None = None,
) -> GapAnalysis:
    """Coverage, need, gap score and bivariate class for every LSOA in ``area``.

    Parameters
    ----------
    table
        The England LSOA table of ``edition`` (:func:`needsmap.data.load_lsoa_table`), indexed by
        ``lsoa_code``; all of England is needed for national need percentiles and edge catchments.
    points
        :func:`reference_points` of the edition's boundaries.
    orgs
        Organisations with ``lat``, ``lon`` and the LSOA code of the edition's vintage (``lsoa21_code``
        for 2025, ``lsoa11_code`` for 2019), e.g. ``ImportResult.table``. Pass all of them, not only
        those in the area: organisations just outside count for LSOAs near the edge. Rows not
        placed, closed or flagged duplicates are left out (:func:`usable_orgs`).
    area, edition
        The selection.
    radius_km
        Catchment radius (straight line), > 0.
    need
        The need measure (default: overall IMD).
    basis
        Coverage figure the percentiles and classes use (default ``orgs_per_1000``).
    org_noun, org_plural
        What the organisations are, singular and plural, for sentences and headings (e.g. ``food
        bank``, ``food banks``; :func:`org_nouns`). The plural is made from the singular when empty.
    include_closed, include_duplicates
        Count organisations marked closed / flagged as duplicates too (default: no).
    pairs
        :func:`catchment_pairs` of ``points`` for ``radius_km``, when found beforehand (they do not
        depend on the organisations). When None, or made for another radius or other points (a
        stale cache), the catchments are found here instead.

    Returns
    -------
    GapAnalysis
        ``lsoas`` columns: ``lsoa_name, ward_code, ward_name, lad_code, lad_name, population,
        imd_decile, imd_rank, need_value, need_score, need_decile, orgs_in_lsoa, orgs_within_radius,
        nearest_org_km, catchment_population, orgs_per_1000, need_pct, coverage_pct, gap_score,
        gap_rank, need_tercile, coverage_tercile, bivariate_class, bivariate_label``.
    """
    if not radius_km > 0 or not math.isfinite(radius_km):
        raise ValidationError(f"the radius must be a positive number of kilometres, not {radius_km!r}")
    if basis not in COVERAGE_BASES:
        raise ValidationError(f"unknown coverage basis {basis!r}; use one of {', '.join(COVERAGE_BASES)}")
    need = need or NeedSpec()
    needs, value_label = need_frame(table, need, edition=edition)

    sel = areas.select(table, area)
    if sel.empty:
        raise ValidationError(f"no LSOAs of the {edition} edition in {area.label}")
    at = points.index.get_indexer(sel.index)  # each selected LSOA's row in ``points``
    if (at < 0).any():
        missing = sel.index[at < 0]
        raise ValidationError(f"{len(missing)} LSOA(s) in {area.label} have no boundary "
                              f"(e.g. {missing[0]}); check the boundary file of the {edition} edition")
    xy = points[["x", "y"]].to_numpy(dtype=float)
    residents = table["population"].reindex(points.index).fillna(0).to_numpy(dtype=float)

    placed, excluded = usable_orgs(orgs, include_closed=include_closed,
                                   include_duplicates=include_duplicates)
    opts = org_xy(placed)
    in_lsoa = _lsoa_codes_of(placed, edition).value_counts()
    radius_m = radius_km * 1000.0
    if pairs is None or (pairs.attrs.get("radius_km"), pairs.attrs.get("points_key")) != (
            float(radius_km), _points_key(points)):
        # the catchment pool: every LSOA, the selected ones first (for England, the selection)
        pool = np.concatenate([at, np.setdiff1d(np.arange(len(points)), at, assume_unique=True)])
        within, nearest, catchment = coverage_arrays(xy[at], opts, xy[pool], residents[pool], radius_m)
    else:
        import shapely

        within, nearest = _org_coverage(shapely.points(xy[at]), opts, radius_m)
        i, j = pairs["i"].to_numpy(), pairs["j"].to_numpy()
        catchment = np.bincount(i, weights=residents[j], minlength=len(points))[at]

    out = sel[["lsoa_name", "ward_code", "ward_name", "lad_code", "lad_name", "population"]].copy()
    for col in TABLE_COLUMNS:
        out[col] = sel[col] if col in sel.columns else pd.array([pd.NA] * len(sel), dtype="Int64")
    if sel.index is not table.index:
        needs = needs.reindex(sel.index)
    for col in needs.columns:
        out[col] = needs[col].to_numpy()
    out["orgs_in_lsoa"] = in_lsoa.reindex(out.index).fillna(0).astype("int64").to_numpy()
    out["orgs_within_radius"] = within
    out["nearest_org_km"] = nearest / 1000.0
    out["catchment_population"] = catchment
    with np.errstate(divide="ignore", invalid="ignore"):
        per = np.where(catchment > 0, within / catchment * 1000.0, np.nan)
    out["orgs_per_1000"] = per

    if basis == "nearest_org_km":
        cover = -out["nearest_org_km"].fillna(np.inf)  # no organisation at all = least coverage
    else:
        cover = out[basis].astype(float)
    out["need_pct"] = _within_percentile(out["need_score"].astype(float))
    out["coverage_pct"] = _within_percentile(cover)
    out["gap_score"] = 100.0 * out["need_pct"] * (1.0 - out["coverage_pct"])
    out["gap_rank"] = out["gap_score"].rank(method="min", ascending=False).astype("Int64")
    out["need_tercile"] = _tercile(out["need_pct"])
    out["coverage_tercile"] = _coverage_classes(cover, out["coverage_pct"])
    cls = out["need_tercile"].astype("string") + "-" + out["coverage_tercile"].astype("string")
    out["bivariate_class"] = cls
    out["bivariate_label"] = cls.map(BIVARIATE_LABELS).astype("string")
    out = out.sort_values(["gap_score", "need_score"], ascending=False, na_position="last", kind="stable")
    return GapAnalysis(
        lsoas=out, area=area, edition=edition, radius_km=float(radius_km), need=need, basis=basis,
        need_value_label=value_label, n_orgs=len(opts),
        n_orgs_in_area=int(out["orgs_in_lsoa"].sum()), org_noun=org_noun, excluded=excluded,
        need_note=need_scope_note(table, need), org_plural=org_plural,
    )


# ----------------------------------------------------------------------------- wards and words
def ward_table(result: GapAnalysis) -> pd.DataFrame:
    """LSOA figures added up to wards (2024 wards; LSOAs assigned by best fit).

    Returns
    -------
    DataFrame, one row per ward, sorted by ``gap_score``: ``ward_code, ward_name, lad_name, lsoas,
    population, need_score`` (population-weighted mean of the LSOAs' need scores), ``orgs_in_ward``
    (sum of ``orgs_in_lsoa``), ``orgs_per_1000_residents`` (organisations in the ward per 1,000 of its
    residents), ``lsoas_high_need_low_coverage`` (class ``3-1``), ``people_no_org_within_radius``
    (residents of LSOAs with no organisation within the radius) and a ward ``gap_score``/``gap_rank``
    made as for LSOAs, from ward need and organisations per 1,000 residents.
    """
    d = result.lsoas.assign(
        _wneed=lambda f: f["need_score"] * f["population"],
        _gap=lambda f: (f["bivariate_class"] == "3-1").fillna(False).astype(int),
        _nopop=lambda f: np.where(f["orgs_within_radius"] == 0, f["population"], 0.0),
    )
    g = d.groupby(["ward_code", "ward_name", "lad_name"], sort=False, dropna=False)
    w = g.agg(lsoas=("population", "size"), population=("population", "sum"),
              _wneed=("_wneed", "sum"), orgs_in_ward=("orgs_in_lsoa", "sum"),
              lsoas_high_need_low_coverage=("_gap", "sum"),
              people_no_org_within_radius=("_nopop", "sum")).reset_index()
    w["need_score"] = w["_wneed"] / w["population"]
    w["orgs_per_1000_residents"] = w["orgs_in_ward"] / w["population"] * 1000.0
    need_pct = _within_percentile(w["need_score"])
    cov_pct = _within_percentile(w["orgs_per_1000_residents"])
    w["gap_score"] = 100.0 * need_pct * (1.0 - cov_pct)
    w["gap_rank"] = w["gap_score"].rank(method="min", ascending=False).astype("Int64")
    cols = ["ward_code", "ward_name", "lad_name", "lsoas", "population", "need_score", "orgs_in_ward",
            "orgs_per_1000_residents", "lsoas_high_need_low_coverage", "people_no_org_within_radius",
            "gap_score", "gap_rank"]
    return w[cols].sort_values(["gap_score", "need_score"], ascending=False, kind="stable",
                               ignore_index=True)


def default_top_n(n: int) -> int:
    """How many of ``n`` LSOAs the summary sentence counts when not told: :data:`SUMMARY_TOP_N`,
    or the neediest fifth (at least one) of an area with fewer than twice as many."""
    return SUMMARY_TOP_N if n >= 2 * SUMMARY_TOP_N else max(1, n // 5)


def summary_sentence(result: GapAnalysis, *, top_n: int | None = None) -> str:
    """One plain-English sentence for a report, about the area's ``top_n`` neediest LSOAs.

    E.g. "40 of the 50 most deprived LSOAs in Birmingham have no food bank within 1 km; 71,280
    people live in them." The organisations are called ``result.org_noun``.

    Parameters
    ----------
    result
        :func:`analyse_gaps` output (the whole area: the sentence ignores a filter).
    top_n
        How many of the neediest LSOAs to count (more than the area holds means all of them); None
        for :func:`default_top_n`.

    Raises
    ------
    ValidationError
        ``top_n`` below 1.
    """
    if top_n is not None and top_n < 1:
        raise ValidationError(f"the number of neediest LSOAs to count must be 1 or more, not {top_n!r}")
    d = result.lsoas.dropna(subset=["need_score"])
    n = len(d)
    noun = result.org_noun
    where = result.area.name
    if n == 0:
        return f"No need figures are available for {where}."
    k = default_top_n(n) if top_n is None else min(int(top_n), n)
    top = d.sort_values("need_score", ascending=False, kind="stable").head(k)
    none = top.loc[top["orgs_within_radius"] == 0]
    m, people = len(none), int(round(float(none["population"].sum())))
    phrase, r = result.need.phrase, result.radius_text
    if k == 1:
        subject = f"The {phrase} of the {n:,} LSOAs in {where}"
        if m == 0:
            return f"{subject} has at least one {noun} within {r}."
        return f"{subject} has no {noun} within {r}; {people:,} people live in it."
    if k == n:
        group = f"the {n:,} LSOAs in {where}"
    elif n >= 2 * SUMMARY_TOP_N and 2 * k <= n:
        group = f"the {k:,} {phrase} LSOAs in {where}"
    else:
        group = f"the {k:,} {phrase} of the {n:,} LSOAs in {where}"
    if m == 0:
        return f"Every one of {group} has at least one {noun} within {r}."
    verb, them = ("has", "it") if m == 1 else ("have", "them")
    return (f"{m:,} of {group} {verb} no {noun} within {r}; "
            f"{people:,} {'person lives' if people == 1 else 'people live'} in {them}.")


# ----------------------------------------------------------------------------- what the list holds
def plural(noun: str) -> str:
    """The plural of an English noun phrase: ``food bank`` → ``food banks``, ``library`` →
    ``libraries``, ``church`` → ``churches``; ``charity (CIO)`` → ``charities (CIO)`` (the word
    before a bracket)."""
    head, sep, tail = noun.partition(" (")
    tail = f"{sep}{tail}"
    low = head.lower()
    if not head:
        return noun
    if low.endswith("y") and len(low) > 1 and low[-2] not in "aeiou":
        return f"{head[:-1]}ies{tail}"
    if low.endswith(("s", "x", "z", "ch", "sh")):
        return f"{head}es{tail}"
    return f"{head}s{tail}"


def _singular(word: str) -> str:
    """``Community centres`` → ``Community centre`` (a plural category read as one organisation)."""
    low = word.lower()
    if low.endswith("ies") and len(low) > 4:
        return word[:-3] + "y"
    if low.endswith(("ches", "shes", "sses", "xes")):
        return word[:-2]
    if low.endswith("s") and not low.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def category_nouns(category: str, base: tuple[str, str] = ORG_NOUNS) -> tuple[str, str]:
    """What one organisation of ``category`` is called, and several.

    For a list of unknown kind (``base`` is :data:`ORG_NOUNS`) the category is the noun, singular,
    as written except a sentence-case capital (``Community centres`` → ``community centre``); for a
    default layer (``base`` from :data:`LAYER_NOUNS`) a category naming that kind of place is the
    noun, in lower case (``Mobile Library`` → ``mobile library``), and any other qualifies it
    (``Trussell Trust`` → ``food bank (Trussell Trust)``). Vague categories (``Other``, ``Unknown``)
    and long ones (over 40 characters) leave ``base``.
    """
    text = " ".join(str(category).split())
    if not text or text.lower() in _VAGUE_CATEGORIES or len(text) > 40:
        return base
    words = text.split(" ")
    words[-1] = _singular(words[-1])
    head = base[0].split(" ")[-1].lower()
    if base != ORG_NOUNS and words[-1].lower() != head:
        return f"{base[0]} ({text})", f"{base[1]} ({text})"
    if base != ORG_NOUNS:  # the layer's own kind of place, in the data's title case
        words = [w if w.isupper() and len(w) > 1 else w.lower() for w in words]
    elif words[0][:1].isupper() and words[0][1:].islower() and all(
            w == w.lower() for w in words[1:]):  # sentence case: "Community centre"
        words[0] = words[0].lower()
    noun = " ".join(words)
    return noun, plural(noun)


def org_categories(orgs: pd.DataFrame) -> list[str]:
    """The distinct categories (``org_category``, as written) of the rows of ``orgs`` that count
    (:func:`usable_orgs`), commonest first; empty when the list has none."""
    if "org_category" not in orgs.columns or orgs.empty:
        return []
    cats = usable_orgs(orgs)[0]["org_category"].astype("string").str.strip()
    cats = cats[cats.notna() & (cats != "")]
    return [str(c) for c in cats.value_counts(sort=True).index]


def filter_categories(orgs: pd.DataFrame, categories: Iterable[str]) -> pd.DataFrame:
    """The rows of ``orgs`` whose ``org_category`` (stripped) is one of ``categories``; all rows
    when ``categories`` is empty.

    Raises
    ------
    ValidationError
        Categories asked for but the list has no ``org_category`` column.
    """
    wanted = {str(c).strip() for c in categories}
    if not wanted:
        return orgs
    if "org_category" not in orgs.columns:
        raise ValidationError("the organisation list has no category column to filter on")
    cats = orgs["org_category"].astype("string").str.strip()
    return orgs.loc[cats.isin(wanted).fillna(False).to_numpy(dtype=bool)]


def org_nouns(orgs: pd.DataFrame | None = None, *, layer_id: str | None = None,
              categories: Iterable[str] = ()) -> tuple[str, str]:
    """What the organisations of a list are called, singular and plural, for sentences and headings.

    The one category the user filtered on (``categories``), else the list's own category when every
    row that counts has the same one (an uploaded list of community centres), named by
    :func:`category_nouns`; otherwise the default layer's noun (:data:`LAYER_NOUNS`, by
    ``layer_id``), else :data:`ORG_NOUNS`.
    """
    base = LAYER_NOUNS.get(layer_id or "", ORG_NOUNS)
    chosen = [str(c) for c in categories]
    if not chosen and orgs is not None:
        found = org_categories(orgs)
        chosen = found if len({c.lower() for c in found}) == 1 else []
    if len(chosen) != 1:
        return base
    return category_nouns(chosen[0], base)


# ----------------------------------------------------------------------------- filter
@dataclass(frozen=True)
class GapFilter:
    """Which LSOAs of an analysis to show: need deciles, and only those with none nearby.

    Parameters
    ----------
    deciles
        ``(first, last)`` need deciles to keep, 1 = the most in need (10% of England's LSOAs), both
        included; ``(1, 10)`` keeps all (:func:`need_deciles`).
    none_within
        Keep only LSOAs with no organisation within the radius.
    """

    deciles: tuple[int, int] = (1, 10)
    none_within: bool = False

    def __post_init__(self) -> None:
        lo, hi = self.deciles
        if not (1 <= lo <= hi <= 10):
            raise ValidationError(f"need deciles must run from 1 to 10, first ≤ last, not {self.deciles!r}")

    @property
    def all_deciles(self) -> bool:
        """True when every decile is kept."""
        return tuple(self.deciles) == (1, 10)

    @property
    def active(self) -> bool:
        """True when the filter leaves any LSOA out (or could)."""
        return self.none_within or not self.all_deciles

    def decile_text(self, measure: str = "need") -> str:
        """``need deciles 1–2``, ``IMD decile 1``."""
        lo, hi = self.deciles
        return f"{measure} decile {lo}" if lo == hi else f"{measure} deciles {lo}–{hi}"


def need_deciles(lsoas: pd.DataFrame) -> pd.Series:
    """Each LSOA's need decile, 1 = most in need … 10 = least (nullable Int64, same index).

    The published decile of the need measure (``need_decile``: the IMD, its domains and
    sub-domains), else worked out from ``need_score`` (0–100 percentile, 100 = most need): decile
    ``min(10, floor((100 − need_score) / 10) + 1)``, so scores 90–100 are decile 1. For a composite
    or a plain value this is the national percentile's decile (regional on the demo, see
    :func:`need_scope_note`).
    """
    published = lsoas["need_decile"].astype("Int64") if "need_decile" in lsoas else None
    score = pd.to_numeric(lsoas["need_score"], errors="coerce").astype(float)
    derived = np.minimum(10, np.floor((100.0 - score) / 10.0) + 1)
    made = pd.Series(derived, index=lsoas.index).astype("Int64")
    return made if published is None else published.fillna(made)


def filter_gaps(result: GapAnalysis, flt: GapFilter, *, keep: pd.Index | None = None) -> GapAnalysis:
    """``result`` with only the LSOAs ``flt`` keeps (order, ranks and scores unchanged).

    Parameters
    ----------
    keep
        Also keep only these LSOA codes (another filter, e.g. rural or urban), when given.

    Returns
    -------
    GapAnalysis
        A copy whose ``lsoas`` are the kept rows and ``ranked_of`` the area's LSOA count (ranks stay
        those among all the area's LSOAs).
    """
    d = result.lsoas
    mask = pd.Series(True, index=d.index)
    if not flt.all_deciles:
        lo, hi = flt.deciles
        mask &= need_deciles(d).between(lo, hi).fillna(False)
    if flt.none_within:
        mask &= d["orgs_within_radius"] == 0
    if keep is not None:
        mask &= d.index.isin(keep)
    return replace(result, lsoas=d.loc[mask.to_numpy(dtype=bool)], ranked_of=result.rank_total)


def _decile_word(result: GapAnalysis) -> str:
    m = result.need.measure
    return "IMD" if m is not None and m.id == "imd" else "need"


def filter_sentence(result: GapAnalysis, shown: GapAnalysis, flt: GapFilter, *,
                    extra: str = "") -> str:
    """One sentence saying what a filter kept.

    E.g. "95 of the 640 LSOAs in Birmingham are in IMD deciles 1–2 and have no food bank within
    1 km; 150,210 people live in them." Without a filter: how many LSOAs there are, and how many of
    them (and their residents) have no organisation within the radius.

    Parameters
    ----------
    result, shown
        The whole area's analysis and :func:`filter_gaps` of it with ``flt``.
    extra
        A further condition the LSOAs met, in words after "are" (``rural``), when another filter
        (``filter_gaps(…, keep=…)``) applied.
    """
    n, k = result.rank_total, len(shown.lsoas)
    where, (noun, _) = result.area.name, result.org_nouns
    r = result.radius_text
    if not flt.active and not extra:
        d = result.lsoas
        none = d.loc[d["orgs_within_radius"] == 0]
        people = int(round(float(none["population"].sum())))
        return (f"All {n:,} LSOAs in {where} are shown; {len(none):,} of them have no {noun} within "
                f"{r}, and {people:,} people live in those.")
    one = k == 1
    be = [x for x in (extra, "" if flt.all_deciles else f"in {flt.decile_text(_decile_word(result))}") if x]
    parts = [f"{'is' if one else 'are'} {' and '.join(be)}"] if be else []
    if flt.none_within:
        parts.append(f"{'has' if one else 'have'} no {noun} within {r}")
    what = " and ".join(parts)
    if k == 0:
        return f"None of the {n:,} LSOAs in {where} {what}."
    people = int(round(float(shown.lsoas["population"].sum())))
    lives = "person lives" if people == 1 else "people live"
    return f"{k:,} of the {n:,} LSOAs in {where} {what}; {people:,} {lives} in {'it' if one else 'them'}."


def map_summary(shown: GapAnalysis) -> str:
    """One sentence saying what the gaps map shows, for under it (the table is its equivalent).

    E.g. "The map shades the 640 LSOAs shown by need and food bank coverage: 71 have high need and
    low coverage (strong orange) and 64 high need and high coverage (darkest); black dots mark the
    food banks (97 inside these LSOAs); the table below gives every LSOA's figures."
    """
    d = shown.lsoas
    noun, nouns = shown.org_nouns
    counts = d["bivariate_class"].value_counts()
    gaps, served = int(counts.get("3-1", 0)), int(counts.get("3-3", 0))
    orgs = int(d["orgs_in_lsoa"].sum())
    if d.empty:
        return "The map shows no LSOAs: none meets the filter."
    return (f"The map shades the {len(d):,} LSOA{'s' if len(d) != 1 else ''} shown by need and "
            f"{noun} coverage: {gaps:,} {'has' if gaps == 1 else 'have'} high need and low coverage "
            f"(strong orange) and {served:,} high need and high coverage (darkest); black dots mark "
            f"the {nouns} ({orgs:,} inside these LSOAs); the table below gives every LSOA's figures.")


# ----------------------------------------------------------------------------- tables to read
def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def gap_table(result: GapAnalysis, *, top: int | None = None) -> pd.DataFrame:
    """The ranked gap table with headings a report can use as they are (largest gap first).

    The page shows this table and its CSV download is this table, headings included. Organisation
    columns are named by what the organisations are (``result.org_nouns``), e.g. ``Food banks in
    LSOA``, ``Food banks within 1 km``, ``Nearest food bank (km)`` and ``Food banks per 1,000
    residents`` (residents living within the radius). ``Gap rank`` is among all the area's LSOAs,
    also for a filtered result.

    Parameters
    ----------
    top
        Keep only the first ``top`` rows (all when None).
    """
    d = result.lsoas if top is None else result.lsoas.head(top)
    r = result.radius_text
    noun, nouns = result.org_nouns
    out = pd.DataFrame({
        "Gap rank": d["gap_rank"],
        "LSOA code": d.index,
        "LSOA name": d["lsoa_name"],
        "Ward": d["ward_name"],
        "Need (0–100)": d["need_score"].round(1),
        "IMD decile": d["imd_decile"],
        f"{_cap(nouns)} in LSOA": d["orgs_in_lsoa"],
        f"{_cap(nouns)} within {r}": d["orgs_within_radius"],
        f"Nearest {noun} (km)": d["nearest_org_km"].round(2),
        f"{_cap(nouns)} per 1,000 residents": d["orgs_per_1000"].round(2),
        "Population": d["population"].round(0).astype("Int64"),
        "Gap score": d["gap_score"].round(1),
        "Class": d["bivariate_label"],
    })
    if result.area.level in ("region", "england"):
        out.insert(4, "Local authority", d["lad_name"])
    return out.reset_index(drop=True)


def ward_table_display(result: GapAnalysis) -> pd.DataFrame:
    """:func:`ward_table` with headings a report can use as they are (the page's ward table and its
    CSV download), organisations named as in :func:`gap_table`."""
    w = ward_table(result)
    r = result.radius_text
    noun, nouns = result.org_nouns
    out = pd.DataFrame({
        "Gap rank": w["gap_rank"],
        "Ward code": w["ward_code"],
        "Ward": w["ward_name"],
        "Local authority": w["lad_name"],
        "LSOAs": w["lsoas"],
        "Population": w["population"].round(0).astype("Int64"),
        "Need (0–100)": w["need_score"].round(1),
        _cap(nouns): w["orgs_in_ward"],
        f"{_cap(nouns)} per 1,000 residents": w["orgs_per_1000_residents"].round(2),
        "Gap LSOAs": w["lsoas_high_need_low_coverage"],
        f"People with no {noun} within {r}": w["people_no_org_within_radius"].round(0).astype("Int64"),
        "Gap score": w["gap_score"].round(1),
    })
    return out


# ----------------------------------------------------------------------------- exports
def export_table(result: GapAnalysis) -> pd.DataFrame:
    """The per-LSOA table for CSV: code column named by vintage (``lsoa21_code``/``lsoa11_code``)."""
    code = f"{LSOA_VINTAGE[result.edition]}_code"
    d = result.lsoas.reset_index().rename(columns={"lsoa_code": code})
    d["need_measure"] = result.need.label
    d["radius_km"] = result.radius_km
    d["coverage_basis"] = result.basis
    # readable precision (metres, 1/10,000ths); the analysis keeps full precision
    d = d.round({"need_score": 3, "nearest_org_km": 3, "orgs_per_1000": 4, "need_pct": 4,
                 "coverage_pct": 4, "gap_score": 3, "catchment_population": 0})
    if result.need.is_composite:
        d["need_value"] = d["need_value"].round(3)
    cols = [code, "lsoa_name", "ward_code", "ward_name", "lad_code", "lad_name", "population",
            "imd_decile", "imd_rank", "need_measure", "need_value", "need_score", "need_decile",
            "orgs_in_lsoa", "radius_km", "orgs_within_radius", "nearest_org_km", "catchment_population",
            "orgs_per_1000", "coverage_basis", "need_pct", "coverage_pct", "gap_score", "gap_rank",
            "need_tercile", "coverage_tercile", "bivariate_class", "bivariate_label"]
    return d[cols]


def gaps_layer(result: GapAnalysis, boundaries: gpd.GeoDataFrame, *, precision: int = 5) -> gpd.GeoDataFrame:
    """The LSOAs' polygons (EPSG:4326, rounded to ``precision`` decimals) with the export columns
    (:func:`export_table`); ``attrs["name"]`` names the layer ("needsmap gaps Birmingham")."""
    import geopandas as gpd
    import shapely

    table = export_table(result)
    code = table.columns[0]
    geo = boundaries.set_index("lsoa_code").geometry.to_crs(WGS84)
    geoms = shapely.set_precision(geo.reindex(table[code]).to_numpy(), 10.0 ** -precision)
    frame = gpd.GeoDataFrame(table.reset_index(drop=True), geometry=geoms, crs=WGS84)
    frame.attrs["name"] = f"needsmap gaps {result.area.name}"
    return frame


def gaps_geojson(result: GapAnalysis, boundaries: gpd.GeoDataFrame, *, precision: int = 5) -> bytes:
    """GeoJSON (WGS84) of :func:`gaps_layer`, written by the export registry
    (:func:`needsmap.export.to_geojson_bytes`): text properties exactly as in the table
    (``Bordesley & Highgate``), nothing HTML-escaped or formula-prefixed; UTF-8, not ASCII-escaped."""
    from needsmap.export import to_geojson_bytes

    return to_geojson_bytes(gaps_layer(result, boundaries, precision=precision))
