"""The shared LSOA choropleth: any measure and view, with local-authority and ward outlines and labels.

Other maps (organisations, coverage gaps) build on :func:`choropleth_deck` and pass their own layers
(``extra_layers``) to draw on top of the shaded neighbourhoods, below the place names.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import geopandas as gpd
import numpy as np
import pandas as pd
import pydeck as pdk
import shapely

from needsmap.areas import Area
from needsmap.measures import Measure, View, get_measure
from needsmap.types import Edition, england_lsoa_count
from needsmap.viz import maps
from needsmap.viz.maps import TOOLTIP_FIELDS, TOOLTIP_HTML

#: metres of simplification for the all-England map (the source polygons are already generalised)
ENGLAND_SIMPLIFY_M = 500.0
#: domains whose deciles every tooltip lists (IMD first)
TOOLTIP_DOMAINS: tuple[tuple[str, str], ...] = (
    ("imd", "IMD"), ("income", "Income"), ("employment", "Employment"), ("education", "Education"),
    ("health", "Health"), ("crime", "Crime"), ("housing", "Housing"), ("environment", "Environment"),
)
_LABEL_PX = 12
_MAP_WIDTH_PX = 740


class FrozenDeck(pdk.Deck):
    """A Deck serialised once: its JSON is kept as one string.

    Unpickling and re-serialising the 34,000 polygons of an England map takes seconds; a string takes
    nothing, so a page can cache this and send it again at once. Layers can no longer be changed.
    """

    def __init__(self, deck: pdk.Deck) -> None:
        super().__init__(layers=[], initial_view_state=deck.initial_view_state, map_style=None,
                         map_provider=None, tooltip=getattr(deck, "_tooltip", False))
        self._json = deck.to_json()

    def to_json(self) -> str:
        """The JSON of the deck this was made from."""
        return self._json


@dataclass
class ChoroplethMap:
    """A built choropleth and what to show beside it.

    Attributes
    ----------
    deck
        The pydeck Deck (no basemap) for ``st.pydeck_chart``.
    legend
        Legend entries ``(label, (r, g, b))``, worst first, plus "no data" when some LSOA has none.
    legend_title
        Title for the legend (measure and view).
    legend_html
        The legend as escaped HTML (``needsmap.viz.maps.legend_html``).
    simplified_m
        Simplification tolerance in metres applied to the polygons (0 = as published).
    vertices_removed
        Share (0–1) of polygon vertices removed by the simplification.
    n_lsoas
        Number of LSOAs drawn.
    view
        The initial view state (so callers can reuse it for other maps of the same area).
    """

    deck: pdk.Deck
    legend: list[tuple[str, maps.RGB]]
    legend_title: str
    legend_html: str
    simplified_m: float
    vertices_removed: float
    n_lsoas: int
    view: pdk.ViewState

    def frozen(self) -> ChoroplethMap:
        """A copy whose deck is already serialised (:class:`FrozenDeck`): cheap to cache and resend."""
        return replace(self, deck=FrozenDeck(self.deck))

    @property
    def simplification_note(self) -> str:
        """Plain-English note on simplification ('' when polygons are as published)."""
        if not self.simplified_m:
            return ""
        return (f"Boundaries simplified for speed: shapes smoothed to within {self.simplified_m:,.0f} m, "
                f"removing {self.vertices_removed:.0%} of their points. Figures are unaffected.")


def choropleth_deck(
    table: pd.DataFrame,
    boundaries: gpd.GeoDataFrame,
    *,
    measure: Measure | str,
    view: View | None = None,
    edition: Edition,
    area: Area,
    lad_boundaries: gpd.GeoDataFrame,
    ward_boundaries: gpd.GeoDataFrame | None = None,
    extra_layers: Sequence[pdk.Layer] = (),
    simplify_m: float | None = None,
    national: pd.DataFrame | None = None,
    height: int = 620,
) -> ChoroplethMap:
    """Build the LSOA choropleth of ``measure`` for ``area``.

    Parameters
    ----------
    table
        LSOA table rows to draw, indexed by ``lsoa_code`` (``load_lsoa_table(edition)`` already
        narrowed with ``areas.select``), with the geography columns and the measure's columns.
    boundaries
        LSOA polygons of the edition's vintage (``load_boundaries(edition)``; may be all England,
        only the rows of ``table`` are drawn).
    measure
        A :class:`~needsmap.measures.Measure` or its id.
    view
        ``decile`` (default where it exists), ``rank``, ``score`` or ``value``.
    edition
        IMD edition (decides England's LSOA count, the denominator of ranks).
    area
        The selected area: decides outlines and labels. Local-authority outlines are always drawn;
        ward outlines and ward names when the area is one local authority or a ward; local-authority
        names for a region or England.
    lad_boundaries
        ``load_lad_boundaries()``.
    ward_boundaries
        ``load_ward_boundaries()``; needed for local-authority and ward views (ignored otherwise).
    extra_layers
        Layers drawn above the shading and outlines but below the place names (e.g. organisation
        points). For a tooltip on them, give their rows the plain-text columns
        :data:`TOOLTIP_FIELDS` (``tip_title``, ``tip_where``, ``tip_value``, ``tip_more``; use "" for
        unused ones). Streamlit escapes them; a missing field shows as its ``{placeholder}``.
    simplify_m
        Simplification tolerance in metres; ``None`` = :data:`ENGLAND_SIMPLIFY_M` for England and
        none otherwise. Boundaries from :func:`simplified_boundaries` are not simplified again.
    national
        The whole England table (``load_lsoa_table(edition)``). When given, ``score`` and ``value``
        views are shaded by tenths of England's LSOAs, so colours mean the same in every area; without
        it, by tenths of the LSOAs shown.
    height
        Map height in pixels.

    Returns
    -------
    ChoroplethMap
        The deck, its legend entries and HTML, and how much the polygons were simplified.

    Examples
    --------
    >>> from needsmap import areas, data
    >>> t = data.load_lsoa_table("2025")
    >>> bham = areas.area_from_code("E08000025", data.load_geography("2025"))
    >>> cm = choropleth_deck(areas.select(t, bham), data.load_boundaries("2025"), measure="health",
    ...                      edition="2025", area=bham, lad_boundaries=data.load_lad_boundaries(),
    ...                      ward_boundaries=data.load_ward_boundaries())
    >>> st.pydeck_chart(cm.deck); st.html(cm.legend_html)  # doctest: +SKIP
    """
    m = get_measure(measure) if isinstance(measure, str) else measure
    v: View = view or m.default_view
    col = m.column(v)
    if col not in table.columns:
        raise ValueError(f"the {edition} LSOA table has no column {col!r} for {m.label} ({v})")
    n_total = england_lsoa_count(edition)

    tol = (ENGLAND_SIMPLIFY_M if area.level == "england" else 0.0) if simplify_m is None else simplify_m
    done_m = float(boundaries.attrs.get("simplified_m", 0.0))
    removed = float(boundaries.attrs.get("vertices_removed", 0.0)) if done_m else 0.0
    gdf = boundaries[["lsoa_code", "geometry"]].join(table, on="lsoa_code", how="inner")
    if tol > done_m and len(gdf):
        gdf, removed = _simplify(gdf, tol)
    tol = max(tol, done_m)

    ref = national[col] if national is not None and col in national.columns else None
    colours, legend = _colours(gdf[col], m, v, n_total, ref)
    if any(c == maps.NO_DATA for c in colours):
        legend = [*legend, ("no data", maps.NO_DATA)]
    tips = tooltips(gdf.set_index("lsoa_code"), m, v, edition=edition)
    gdf = gdf[["lsoa_code", "geometry"]].assign(fill=colours, **{c: tips[c].to_numpy() for c in TOOLTIP_FIELDS})
    decimals = 3 if tol >= 300 else 5
    frame = maps.polygon_frame(gdf, ["fill", *TOOLTIP_FIELDS], decimals=decimals)
    fill = maps.fill_layer(maps.records(frame), layer_id="lsoa-fill", opacity=0.9)
    if area.level in ("england", "region"):
        fill.get_line_color = [255, 255, 255, 0] if area.level == "england" else [255, 255, 255, 70]

    bounds = gdf.total_bounds if len(gdf) else lad_boundaries.total_bounds
    view_state = maps.view_for_bounds(bounds, width_px=_MAP_WIDTH_PX, height_px=height)
    context, labels = _context(area, bounds, table, lad_boundaries, ward_boundaries, tol)
    labels = declutter(labels, view_state, width_px=_MAP_WIDTH_PX, height_px=height, size_px=_LABEL_PX)
    layers: list[pdk.Layer] = [fill, *context, *extra_layers]
    if len(labels):
        layers.append(maps.text_layer(labels, size=_LABEL_PX, layer_id="place-names"))
    deck = maps.make_deck(layers, view_state, tooltip_html=TOOLTIP_HTML, height=height)
    title = legend_title(m, v, edition)
    return ChoroplethMap(
        deck=deck, legend=legend, legend_title=title,
        legend_html=maps.legend_html(title, legend, note=_legend_note(m, v, n_total, national=ref is not None)),
        simplified_m=tol if tol > 0 else 0.0, vertices_removed=removed, n_lsoas=len(gdf),
        view=view_state,
    )


def _simplify(gdf: gpd.GeoDataFrame, tolerance_m: float) -> tuple[gpd.GeoDataFrame, float]:
    before = int(shapely.get_num_coordinates(gdf.geometry.values).sum())
    out = maps.simplify(gdf, tolerance_m)
    after = int(shapely.get_num_coordinates(out.geometry.values).sum())
    return out, (1 - after / before if before else 0.0)


def simplified_boundaries(boundaries: gpd.GeoDataFrame, tolerance_m: float = ENGLAND_SIMPLIFY_M
                          ) -> gpd.GeoDataFrame:
    """``boundaries`` simplified by ``tolerance_m`` metres, remembering how much in ``attrs``.

    Cache the result (it takes a second or two for all England) and pass it to
    :func:`choropleth_deck`, which then does not simplify again and still reports by how much.
    """
    out, removed = _simplify(boundaries, tolerance_m)
    out.attrs["simplified_m"] = float(tolerance_m)
    out.attrs["vertices_removed"] = removed
    return out


# ----------------------------------------------------------------------------- colours and legend
def _colours(values: pd.Series, m: Measure, v: View, n_total: int, national: pd.Series | None = None
             ) -> tuple[list[maps.RGB], list[tuple[str, maps.RGB]]]:
    if v == "decile":
        return maps.class_colours(values, kind="decile")
    if v == "rank":
        return maps.class_colours(values, kind="rank", n_total=n_total)
    if pd.api.types.is_bool_dtype(values):
        yes, no = (maps.DECILE_COLOURS[0], maps.DECILE_COLOURS[7])
        if not m.higher_is_worse:
            yes, no = no, yes
        colours = [maps.NO_DATA if pd.isna(x) else (yes if bool(x) else no) for x in values]
        return colours, [("yes", yes), ("no", no)]
    if national is not None:
        return national_tenths(values, national, higher_is_worse=m.higher_is_worse)
    return maps.class_colours(values, kind="value", higher_is_worse=m.higher_is_worse)


def national_tenths(values: pd.Series, national: pd.Series, *, higher_is_worse: bool = True
                    ) -> tuple[list[maps.RGB], list[tuple[str, maps.RGB]]]:
    """Colour ``values`` by the tenth of England's LSOAs (``national``) they fall in, worst first.

    Class 1 holds the 10% of England's LSOAs with the highest values (lowest when ``higher_is_worse``
    is False). Ties share a class, so a measure with few distinct values may leave classes empty.
    """
    ref = np.sort(pd.to_numeric(national, errors="coerce").dropna().to_numpy(float))
    v = pd.to_numeric(values, errors="coerce").to_numpy(float)
    if not len(ref):
        return [maps.NO_DATA] * len(v), []
    n = len(ref)
    # share of England's LSOAs at least as bad as each value
    worse_or_equal = (n - np.searchsorted(ref, v, side="left")) / n if higher_is_worse else \
        np.searchsorted(ref, v, side="right") / n
    classes = np.clip(np.ceil(worse_or_equal * 10), 1, 10)
    colours = [maps.NO_DATA if np.isnan(x) else maps.DECILE_COLOURS[int(c) - 1]
               for x, c in zip(v, classes, strict=True)]
    qs = np.quantile(ref, np.linspace(0, 1, 11))
    if higher_is_worse:
        qs = qs[::-1]
    legend = [(f"{maps._fmt(min(qs[d - 1], qs[d]))} – {maps._fmt(max(qs[d - 1], qs[d]))}",
               maps.DECILE_COLOURS[d - 1]) for d in range(1, 11)]
    return colours, legend


def legend_title(m: Measure, v: View, edition: Edition) -> str:
    """Legend heading, e.g. ``Income deprivation — decile (IMD 2025)``."""
    what = {"decile": "decile", "rank": "rank", "score": "score", "value": m.unit or "value"}[v]
    return f"{m.label} — {what} (IMD {edition})" if v != "value" else f"{m.label} ({what})"


def _legend_note(m: Measure, v: View, n_total: int, *, national: bool = False) -> str:
    if v == "decile":
        return "Decile 1 = England's 10% most deprived neighbourhoods."
    if v == "rank":
        return f"Rank 1 = most deprived of England's {n_total:,} neighbourhoods; colours by national tenths."
    worse = "higher" if m.higher_is_worse else "lower"
    if national:
        return f"Tenths of England's {n_total:,} neighbourhoods; {worse} = more need (darkest)."
    return f"Tenths of the neighbourhoods shown; {worse} = more need (darkest)."


# ----------------------------------------------------------------------------- tooltips
def _fmt(values: pd.Series, fmt: str = "{:,.0f}") -> pd.Series:
    """Numbers as text ('–' when missing); each distinct value is formatted once."""
    num = pd.to_numeric(values, errors="coerce").astype(float)
    uniq = pd.unique(num.dropna())
    text = num.map(dict(zip(uniq, (fmt.format(u) for u in uniq), strict=True)))
    return text.astype(object).where(num.notna(), "–")


def tooltips(table: pd.DataFrame, measure: Measure | str, view: View | None = None, *,
             edition: Edition) -> pd.DataFrame:
    """Tooltip fields (:data:`TOOLTIP_FIELDS`) for each LSOA of ``table`` (indexed by ``lsoa_code``).

    ``tip_title`` is the LSOA name and code; ``tip_where`` its ward and local authority; ``tip_value``
    the measure's rank of England's LSOAs, decile and score (or its value); ``tip_more`` the IMD and
    domain deciles. Values are plain text: Streamlit HTML-escapes them when it fills the template.
    """
    m = get_measure(measure) if isinstance(measure, str) else measure
    v: View = view or m.default_view
    n_total = england_lsoa_count(edition)
    cols = set(table.columns)
    blank = pd.Series("", index=table.index, dtype=object)

    def text(col: str) -> pd.Series:
        return table[col].astype(object).fillna("").astype(str) if col in cols else blank

    title = text("lsoa_name") + " (" + pd.Series(table.index.astype(str), index=table.index) + ")"
    where = "Ward: " + text("ward_name") + " · " + text("lad_name")
    if f"{m.id}_rank" in cols or f"{m.id}_decile" in cols:
        parts = []
        if f"{m.id}_rank" in cols:
            parts.append("rank " + _fmt(table[f"{m.id}_rank"]) + f" of {n_total:,}")
        if f"{m.id}_decile" in cols:
            parts.append("decile " + _fmt(table[f"{m.id}_decile"]))
        if v == "score" and f"{m.id}_score" in cols:
            parts.append("score " + _fmt(table[f"{m.id}_score"], "{:,.2f}"))
        body = parts[0]
        for p in parts[1:]:
            body = body + ", " + p
    elif m.id in cols:
        vals = table[m.id]
        if pd.api.types.is_bool_dtype(vals):
            body = vals.map({True: "yes", False: "no"}).fillna("–").astype(object)
        else:
            body = _fmt(vals, "{:,.1f}") + (" " + m.unit if m.unit else "")
    else:
        body = blank + "–"
    value = m.label + ": " + body
    doms = [(d, lab) for d, lab in TOOLTIP_DOMAINS if f"{d}_decile" in cols]
    more = blank
    if doms:
        more = blank + "Deciles: "
        for i, (d, lab) in enumerate(doms):
            more = more + ("" if i == 0 else " · ") + lab + " " + _fmt(table[f"{d}_decile"])
    return pd.DataFrame({"tip_title": title, "tip_where": where, "tip_value": value, "tip_more": more},
                        index=table.index).astype(object)


# ----------------------------------------------------------------------------- context layers
def _context(area: Area, bounds: Sequence[float], table: pd.DataFrame, lads: gpd.GeoDataFrame,
             wards: gpd.GeoDataFrame | None, tol: float) -> tuple[list[pdk.Layer], pd.DataFrame]:
    """Outline layers and candidate labels (most populous first) for ``area``."""
    minx, miny, maxx, maxy = bounds
    padx, pady = (maxx - minx) * 0.25 + 0.01, (maxy - miny) * 0.25 + 0.01
    near = lads.cx[minx - padx:maxx + padx, miny - pady:maxy + pady]
    if tol > 0:
        near = maps.simplify(near, tol)
    layers: list[pdk.Layer] = []
    labels = pd.DataFrame(columns=["text", "lon", "lat", "weight"])
    if area.level in ("lad", "ward") and wards is not None:
        in_lads = {area.code} if area.level == "lad" else set(
            wards.loc[wards["ward_code"] == area.code, "lad_code"])
        w = wards.loc[wards["lad_code"].isin(in_lads)]
        # a white casing under a thin dark line reads on the darkest and the lightest fills alike
        layers.append(maps.outline_layer(w, colour=(255, 255, 255), width_px=2.6, layer_id="ward-casing"))
        layers.append(maps.outline_layer(w, colour=(60, 60, 60), width_px=1.0, layer_id="ward-outlines"))
        labels = _labels(w, "ward_name", _population(table, "ward_code", w["ward_code"]))
    elif area.level in ("region", "england"):
        shown = near.loc[near["lad_code"].isin(set(table["lad_code"]))] if "lad_code" in table else near
        labels = _labels(shown, "lad_name", _population(table, "lad_code", shown["lad_code"]))
    layers.append(maps.outline_layer(near, colour=maps.OUTLINE_LAD,
                                     width_px=0.7 if area.level == "england" else 1.8,
                                     layer_id="lad-outlines", decimals=3 if tol >= 300 else 5))
    return layers, labels


def _population(table: pd.DataFrame, key: str, codes: pd.Series) -> np.ndarray:
    """Residents of each area in ``codes`` from the LSOA table (0 where unknown)."""
    if key not in table.columns or "population" not in table.columns:
        return np.zeros(len(codes))
    pop = pd.to_numeric(table["population"], errors="coerce").groupby(table[key]).sum()
    return codes.map(pop).fillna(0).to_numpy(float)


def _labels(gdf: gpd.GeoDataFrame, col: str, population: np.ndarray) -> pd.DataFrame:
    """Label points, most populous first (then largest), for :func:`declutter`."""
    if gdf.empty:
        return pd.DataFrame(columns=["text", "lon", "lat", "weight"])
    out = maps.label_points(gdf, col)
    out["weight"] = population
    out["size"] = gdf.to_crs(27700).area.to_numpy()
    return out.sort_values(["weight", "size"], ascending=False).reset_index(drop=True)


def _pixel(lon: np.ndarray, lat: np.ndarray, zoom: float) -> tuple[np.ndarray, np.ndarray]:
    """Web-Mercator pixel coordinates at ``zoom``."""
    scale = 512 * 2 ** zoom  # deck.gl's world is 512 px wide at zoom 0
    x = scale * (lon + 180) / 360
    lat_r = np.radians(np.clip(lat, -85, 85))
    y = scale * (1 - np.log(np.tan(lat_r) + 1 / np.cos(lat_r)) / math.pi) / 2
    return x, y


def area_labels(gdf: gpd.GeoDataFrame, col: str, view: pdk.ViewState, *, width_px: int,
                height_px: int, size_px: int = _LABEL_PX) -> pd.DataFrame:
    """Names of the polygons in ``gdf`` (largest area first) that fit without overlapping at ``view``."""
    if gdf.empty:
        return pd.DataFrame(columns=["text", "lon", "lat"])
    lab = maps.label_points(gdf, col)
    lab["weight"] = gdf.to_crs(27700).area.to_numpy()
    lab = lab.sort_values("weight", ascending=False).reset_index(drop=True)
    return declutter(lab, view, width_px=width_px, height_px=height_px, size_px=size_px)


def declutter(labels: pd.DataFrame, view: pdk.ViewState, *, width_px: int, height_px: int,
              size_px: int = _LABEL_PX) -> pd.DataFrame:
    """Keep the labels (in their order of priority) that do not overlap at the initial view.

    Parameters
    ----------
    labels
        ``text``, ``lon``, ``lat`` rows, most important first.
    view
        The initial view: label boxes are measured in its screen pixels.
    """
    if labels.empty:
        return labels[["text", "lon", "lat"]] if set(labels.columns) >= {"text", "lon", "lat"} else labels
    x, y = _pixel(labels["lon"].to_numpy(float), labels["lat"].to_numpy(float), float(view.zoom))
    cx, cy = _pixel(np.array([view.longitude]), np.array([view.latitude]), float(view.zoom))
    x, y = x - cx[0] + width_px / 2, y - cy[0] + height_px / 2
    half_w = labels["text"].str.len().to_numpy() * size_px * 0.31 + 3
    half_h = size_px * 0.75
    kept: list[int] = []
    boxes: list[tuple[float, float, float, float]] = []
    for i in range(len(labels)):
        box = (x[i] - half_w[i], y[i] - half_h, x[i] + half_w[i], y[i] + half_h)
        if box[2] < 0 or box[0] > width_px or box[3] < 0 or box[1] > height_px:
            continue
        if any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in boxes):
            continue
        kept.append(i)
        boxes.append(box)
    return labels.iloc[kept][["text", "lon", "lat"]].reset_index(drop=True)


__all__ = ["ENGLAND_SIMPLIFY_M", "TOOLTIP_FIELDS", "TOOLTIP_HTML", "ChoroplethMap", "FrozenDeck", "choropleth_deck",
           "area_labels", "declutter", "legend_title", "national_tenths", "simplified_boundaries", "tooltips"]
