"""The shared LSOA choropleth: any measure and view, with local-authority and ward outlines and labels.

The map is a view for the browser map component (:mod:`needsmap.viz.lsoa_map`): the LSOA
boundaries are a static tileset the browser caches, so a view sends only the colour of each LSOA
and the numbers its tooltip shows. Other maps (organisations) pass their own layers
(``extra_layers``, or :meth:`~needsmap.viz.lsoa_map.LsoaMap.with_layers`) to draw on top of the
shaded neighbourhoods, below the place names.

:func:`map_context` builds what every LSOA map draws around its shading (the view, the window of
local-authority outlines, ward outlines, place names, LSOA borders) for this map, the coverage-gaps
map (:mod:`needsmap.viz.bivariate`) and the change map (:mod:`needsmap.viz.change_map`); each keeps
its own look as a :class:`ContextStyle`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import pydeck as pdk

from needsmap.areas import Area
from needsmap.crs import BNG
from needsmap.data import map_assets
from needsmap.data.map_assets import Attributes, Tileset
from needsmap.measures import Measure, View, domain_measures, get_measure
from needsmap.types import Edition, england_lsoa_count
from needsmap.viz import maps
from needsmap.viz.lsoa_map import (
    Column,
    LsoaMap,
    build_lsoa_map,
    category_column,
    literal,
    number_column,
)
from needsmap.viz.maps import TOOLTIP_FIELDS, TOOLTIP_HTML
from needsmap.viz.tiles import DETAIL_ZOOM, NATIONAL_TOLERANCE_M

#: domains whose deciles every tooltip lists (IMD first), with their short labels (the registry's)
TOOLTIP_DOMAINS: tuple[tuple[str, str], ...] = tuple((m.id, m.short_label) for m in domain_measures())
_LABEL_PX = 12
_MAP_WIDTH_PX = 740
#: the shading's opacity (the outlines and names above stay opaque)
FILL_OPACITY = 0.9


@dataclass
class ChoroplethMap:
    """A built choropleth and what to show beside it.

    Attributes
    ----------
    map
        The view for ``needsmap.ui.map_component.lsoa_map(cm.map.spec, cm.map.values, ...)``.
    legend
        Legend entries ``(label, (r, g, b))``, worst first, plus "no data" when some LSOA has none.
    legend_title
        Title for the legend (measure and view).
    legend_html
        The legend as escaped HTML (``needsmap.viz.maps.legend_html``).
    generalised_m
        At the initial view, the LSOA shapes drawn are generalised to this tolerance in metres (the
        tileset's national level; 0 when the view opens on the staged detail).
    n_lsoas
        Number of LSOAs shaded.
    view
        The initial view state (so callers can reuse it for other maps of the same area).
    """

    map: LsoaMap
    legend: list[tuple[str, maps.RGB]]
    legend_title: str
    legend_html: str
    generalised_m: float
    n_lsoas: int
    view: pdk.ViewState

    @property
    def simplification_note(self) -> str:
        """Plain-English note on generalisation at the initial view ('' when shapes are as staged)."""
        if not self.generalised_m:
            return ""
        return (f"At this zoom the boundaries are generalised for speed (shapes within about "
                f"{self.generalised_m:,.0f} m, with no gaps between neighbours); zoom in for the exact "
                "boundaries. Figures are unaffected.")


def generalised_at(view: pdk.ViewState) -> float:
    """Tolerance (metres) of the LSOA shapes drawn at ``view``: the national level's below the
    detail zoom, else 0 (the staged boundaries)."""
    return NATIONAL_TOLERANCE_M if float(view.zoom) < DETAIL_ZOOM else 0.0


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
    national: pd.DataFrame | None = None,
    tileset: Tileset | None = None,
    attributes: Attributes | None = None,
    height: int = 620,
) -> ChoroplethMap:
    """Build the LSOA choropleth of ``measure`` for ``area``.

    Parameters
    ----------
    table
        LSOA table rows to draw, indexed by ``lsoa_code`` (``load_lsoa_table(edition)`` already
        narrowed with ``areas.select``), with the geography columns and the measure's columns.
    boundaries
        LSOA polygons of the edition's vintage (``load_boundaries(edition)``): frame the view.
    measure
        A :class:`~needsmap.measures.Measure` or its id.
    view
        ``decile`` (default where it exists), ``rank``, ``score`` or ``value``.
    edition
        IMD edition (decides England's LSOA count, the denominator of ranks, and the tileset).
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
        unused ones); the browser escapes them.
    national
        The whole England table (``load_lsoa_table(edition)``). When given, ``score`` and ``value``
        views are shaded by tenths of England's LSOAs, so colours mean the same in every area; without
        it, by tenths of the LSOAs shown.
    tileset
        ``map_assets.tileset(edition)`` (made when not given).
    attributes
        ``map_assets.attributes(edition, load_lsoa_table(edition))`` (made when not given).
    height
        Map height in pixels.

    Returns
    -------
    ChoroplethMap
        The map view, its legend entries and HTML, and whether its shapes are generalised.

    Raises
    ------
    ValueError
        The table has no column for ``measure`` in ``view``.

    Examples
    --------
    >>> from needsmap import areas, data
    >>> t = data.load_lsoa_table("2025")
    >>> bham = areas.area_from_code("E08000025", data.load_geography("2025"))
    >>> cm = choropleth_deck(areas.select(t, bham), data.load_boundaries("2025"), measure="health",
    ...                      edition="2025", area=bham, lad_boundaries=data.load_lad_boundaries(),
    ...                      ward_boundaries=data.load_ward_boundaries())
    >>> lsoa_map(cm.map.spec, cm.map.values, key="m"); st.html(cm.legend_html)  # doctest: +SKIP
    """
    m = get_measure(measure) if isinstance(measure, str) else measure
    v: View = view or m.default_view
    col = m.column(v)
    if col not in table.columns:
        raise ValueError(f"the {edition} LSOA table has no column {col!r} for {m.label} ({v})")
    n_total = england_lsoa_count(edition)
    ts, attrs = map_assets.assets_or_given(edition, tileset, attributes)

    ctx = map_context(area, table, boundaries, lad_boundaries=lad_boundaries, ward_boundaries=ward_boundaries,
                      style=CHOROPLETH_STYLE, height=height)
    tol = generalised_at(ctx.view)

    ref = national[col] if national is not None and col in national.columns else None
    fill, palette, legend = shading(table[col], m, v, n_total, ref)
    columns, lines = tooltip_template(table, m, v, edition=edition, attributes=attrs)
    lsoa_view = build_lsoa_map(
        tileset=ts, lsoa_codes=table.index, fill=fill, palette=palette, view=ctx.view, bounds=ctx.bounds,
        columns=columns, tooltip=lines, attributes=attrs, layers=ctx.layers(extra_layers),
        layer_tooltip=TOOLTIP_HTML, static_layers=maps.OUTLINE_LAYER_IDS, line=ctx.lsoa_line,
        opacity=FILL_OPACITY,
    )
    title = legend_title(m, v, edition)
    return ChoroplethMap(
        map=lsoa_view, legend=legend, legend_title=title,
        legend_html=maps.legend_html(title, legend, note=_legend_note(m, v, n_total, national=ref is not None)),
        generalised_m=tol, n_lsoas=len(table), view=ctx.view,
    )


# ----------------------------------------------------------------------------- colours and legend
#: palette of every choropleth but yes/no ones: the ten viridis steps, then "no data"
PALETTE: tuple[maps.RGB, ...] = (*maps.DECILE_COLOURS, maps.NO_DATA)


def shading(values: pd.Series, m: Measure, v: View, n_total: int, national: pd.Series | None = None
            ) -> tuple[np.ndarray, list[maps.RGB], list[tuple[str, maps.RGB]]]:
    """Palette index of each LSOA, the palette and the legend for ``values`` of ``m`` in view ``v``.

    Deciles shade by decile, ranks by national tenths of ``n_total``, yes/no measures in two
    colours, other values by tenths of England's LSOAs (``national``) or else of those shown.

    Returns
    -------
    tuple
        ``fill`` (int64, shape ``(n,)``), ``palette`` (RGB colours, last = no data) and ``legend``
        (``(label, colour)``, worst first; "no data" appended when some LSOA has none).
    """
    if v in ("decile", "rank"):
        classes, legend = maps.decile_classes(values, kind=v, n_total=n_total)
        palette = list(PALETTE)
    elif pd.api.types.is_bool_dtype(values):
        yes, no = (maps.DECILE_COLOURS[0], maps.DECILE_COLOURS[7])
        if not m.higher_is_worse:
            yes, no = no, yes
        b = values.astype("boolean")
        classes = np.where(b.isna().to_numpy(), -1, np.where(b.fillna(False).to_numpy(bool), 0, 1))
        palette, legend = [yes, no, maps.NO_DATA], [("yes", yes), ("no", no)]
    else:
        if national is not None:
            classes, legend = national_tenths(values, national, higher_is_worse=m.higher_is_worse)
        else:
            classes, legend = maps.decile_classes(values, kind="value", higher_is_worse=m.higher_is_worse)
        palette = list(PALETTE)
    missing = classes < 0
    fill = np.where(missing, len(palette) - 1, classes)
    if missing.any():
        legend = [*legend, ("no data", maps.NO_DATA)]
    return fill, palette, legend


def national_tenths(values: pd.Series, national: pd.Series, *, higher_is_worse: bool = True
                    ) -> tuple[np.ndarray, list[tuple[str, maps.RGB]]]:
    """Class of ``values`` by the tenth of England's LSOAs (``national``) they fall in, worst first.

    Class 0 holds the 10% of England's LSOAs with the highest values (lowest when ``higher_is_worse``
    is False). Ties share a class, so a measure with few distinct values may leave classes empty.

    Returns
    -------
    tuple
        ``classes`` (int64, shape ``(n,)``: index into ``maps.DECILE_COLOURS``, -1 = missing) and
        the legend (one entry per tenth).
    """
    ref = np.sort(pd.to_numeric(national, errors="coerce").dropna().to_numpy(float))
    v = pd.to_numeric(values, errors="coerce").to_numpy(float)
    if not len(ref):
        return np.full(len(v), -1, dtype=np.int64), []
    n = len(ref)
    # share of England's LSOAs at least as bad as each value
    worse_or_equal = (n - np.searchsorted(ref, v, side="left")) / n if higher_is_worse else \
        np.searchsorted(ref, v, side="right") / n
    classes = np.clip(np.ceil(worse_or_equal * 10), 1, 10).astype(np.int64) - 1
    classes[np.isnan(v)] = -1
    qs = maps.tenth_breaks(ref)
    if higher_is_worse:
        qs = qs[::-1]
    legend = [(f"{maps._fmt(min(qs[d - 1], qs[d]))} – {maps._fmt(max(qs[d - 1], qs[d]))}",
               maps.DECILE_COLOURS[d - 1]) for d in range(1, 11)]
    return classes, legend


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
class _Fields:
    """Names a tooltip may use: attributes (sent once per edition) first, else columns of the view."""

    def __init__(self, table: pd.DataFrame, attributes: Attributes | None) -> None:
        self.table = table
        self.text = set(attributes.text) if attributes is not None else set()
        self.numbers = set(attributes.numbers) if attributes is not None else set()
        self.columns: list[Column] = []

    def has(self, name: str) -> bool:
        return name in self.table.columns

    def text_field(self, name: str) -> str:
        """``{name}`` for a text attribute ('' when there is none, as a blank cell reads)."""
        return f"{{{name}}}" if name in self.text else ""

    def number(self, name: str, fmt: str, *, column: str | None = None, decimals: int | None = None) -> str:
        """``{name:fmt}`` for the table column ``column`` (default ``name``), sent with the view
        unless the attributes already hold it."""
        source = column or name
        if source in self.numbers:  # the same table column, already in the attributes file
            return f"{{{source}:{fmt}}}"
        self.columns.append(number_column(name, self.table[source], decimals=decimals))
        return f"{{{name}:{fmt}}}"


def tooltip_template(table: pd.DataFrame, measure: Measure | str, view: View | None = None, *,
                     edition: Edition, attributes: Attributes | None
                     ) -> tuple[list[Column], list[tuple[str, str]]]:
    """The columns and tooltip lines of a choropleth of ``measure`` (``view``) over ``table``.

    Lines: the LSOA name and code (bold); its ward and local authority; the measure's rank of
    England's LSOAs, decile and (score view) score, or its value; the IMD and domain deciles (dim).
    Numbers the attributes file holds (the deciles of every domain) are not sent again.

    Parameters
    ----------
    table
        The LSOAs shown, indexed by ``lsoa_code``, with the measure's columns.
    measure, view
        As :func:`choropleth_deck`.
    edition
        IMD edition (England's number of LSOAs, the denominator of ranks).
    attributes
        The edition's attributes file (``None``: every number goes with the view, names are blank).

    Returns
    -------
    tuple
        ``columns`` (one :class:`~needsmap.viz.lsoa_map.Column` per number sent, rows as ``table``)
        and ``lines`` (``(style, template)`` pairs for :func:`~needsmap.viz.lsoa_map.build_lsoa_map`).
    """
    m = get_measure(measure) if isinstance(measure, str) else measure
    v: View = view or m.default_view
    n_total = england_lsoa_count(edition)
    f = _Fields(table, attributes)
    title = f"{f.text_field('lsoa_name')} ({{lsoa_code}})"
    where = f"Ward: {f.text_field('ward_name')} · {f.text_field('lad_name')}"
    if f.has(f"{m.id}_rank") or f.has(f"{m.id}_decile"):
        parts = []
        if f.has(f"{m.id}_rank"):
            parts.append(f"rank {f.number('rank', ',.0f', column=f'{m.id}_rank')} of {n_total:,}")
        if f.has(f"{m.id}_decile"):
            parts.append(f"decile {f.number('decile', ',.0f', column=f'{m.id}_decile')}")
        if v == "score" and f.has(f"{m.id}_score"):
            parts.append(f"score {f.number('score', ',.2f', column=f'{m.id}_score', decimals=2)}")
        body = ", ".join(parts)
    elif f.has(m.id):
        vals = table[m.id]
        if pd.api.types.is_bool_dtype(vals):
            f.columns.append(category_column("value", vals.map({True: "yes", False: "no"}), ("yes", "no")))
            body = "{value}"
        else:
            body = f.number("value", ",.1f", column=m.id, decimals=1) + (f" {literal(m.unit)}" if m.unit else "")
    else:
        body = "–"
    doms = [(m.id, m.short_label) for m in domain_measures() if f.has(f"{m.id}_decile")]
    more = ("Deciles: " + " · ".join(f"{lab} {f.number(f'{d}_decile', ',.0f')}" for d, lab in doms)
            if doms else "")
    lines = [("b", title), ("", where), ("", f"{literal(m.label)}: {body}"), ("dim", more)]
    return f.columns, lines


# ----------------------------------------------------------------------------- context layers
@dataclass(frozen=True)
class ContextStyle:
    """How one map draws its context; :func:`map_context` builds it the same way for every map.

    Attributes
    ----------
    width_px
        The map's width on a laptop screen (the legend takes the rest): frames the view and decides
        which names fit.
    ward_lines
        The ward outline layers, bottom first: ``(layer id, colour, width in pixels)``.
    names_by
        Which names win where they would overlap: ``"population"`` (residents of the LSOAs shown,
        then size; only local authorities with an LSOA shown are named) or ``"area"`` (largest
        first; every local authority in the window).
    lsoa_line_alpha
        Opacity (0–255) of the thin white LSOA borders by area level; ``default_line_alpha`` for
        levels not listed.
    max_names
        ``(n_lsoas, k)``: with more than ``n_lsoas`` LSOAs shown, keep only the ``k`` first names
        (``None``: every name that fits).
    """

    width_px: int
    ward_lines: tuple[tuple[str, maps.RGB, float], ...]
    names_by: Literal["population", "area"]
    lsoa_line_alpha: tuple[tuple[str, int], ...] = (("england", 0),)
    default_line_alpha: int = 90
    max_names: tuple[int, int] | None = None


#: Explore's choropleth: a white casing under a thin dark ward line reads on the darkest and the
#: lightest fills alike; names of the most populous places first
CHOROPLETH_STYLE = ContextStyle(
    width_px=_MAP_WIDTH_PX,
    ward_lines=(("ward-casing", (255, 255, 255), 2.6), ("ward-outlines", (60, 60, 60), 1.0)),
    names_by="population", lsoa_line_alpha=(("england", 0), ("region", 70)),
)


@dataclass
class MapContext:
    """What an LSOA map draws around its shading: the view, outlines and place names.

    Attributes
    ----------
    view
        Initial view framing the LSOAs shown.
    bounds
        ``(minx, miny, maxx, maxy)`` of the LSOAs shown (degrees, EPSG:4326).
    window
        ``bounds`` padded by a quarter of its size (+0.01°) each side: the local authorities (and
        organisations) near enough to draw.
    outlines
        Ward outline layers (local authority or ward selected), then the local-authority outlines.
    names
        Place names (``text``, ``lon``, ``lat``) that fit without overlapping at ``view``.
    lsoa_line
        The ``line`` argument of :func:`~needsmap.viz.lsoa_map.build_lsoa_map` (LSOA borders).
    """

    view: pdk.ViewState
    bounds: tuple[float, float, float, float]
    window: tuple[float, float, float, float]
    outlines: list[pdk.Layer]
    names: pd.DataFrame
    lsoa_line: dict[str, object]

    def layers(self, extra: Sequence[pdk.Layer] = ()) -> list[pdk.Layer]:
        """The context layers, bottom first: outlines, then ``extra`` (e.g. organisations), then names."""
        layers: list[pdk.Layer] = [*self.outlines, *extra]
        if len(self.names):
            layers.append(maps.text_layer(self.names, size=_LABEL_PX, layer_id="place-names"))
        return layers

    def in_window(self, lon: pd.Series, lat: pd.Series) -> pd.Series:
        """Whether each point (degrees) is inside :attr:`window` (edges included)."""
        minx, miny, maxx, maxy = self.window
        return lon.between(minx, maxx) & lat.between(miny, maxy)


def lad_outline_layer(lads: gpd.GeoDataFrame, *, england: bool) -> pdk.Layer:
    """Local-authority outlines: on the all-England map generalised as the tileset's national level
    (:data:`~needsmap.viz.tiles.NATIONAL_TOLERANCE_M`, rounded to 0.001°) and thinner; elsewhere exact
    (0.00001°)."""
    return maps.outline_layer(lads, colour=maps.OUTLINE_LAD, width_px=0.7 if england else 1.8,
                              layer_id="lad-outlines", decimals=3 if england else 5,
                              tolerance_m=NATIONAL_TOLERANCE_M if england else 0.0)


def wards_of(area: Area, wards: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The wards of the local authority ``area`` is (or that the ward ``area`` is in)."""
    in_lads = {area.code} if area.level == "lad" else set(wards.loc[wards["ward_code"] == area.code, "lad_code"])
    return wards.loc[wards["lad_code"].isin(in_lads)]


def map_context(area: Area, table: pd.DataFrame, boundaries: gpd.GeoDataFrame, *,
                lad_boundaries: gpd.GeoDataFrame, ward_boundaries: gpd.GeoDataFrame | None,
                style: ContextStyle, height: int) -> MapContext:
    """The view, outlines and place names of an LSOA map of ``area``: one builder for every map.

    Local-authority outlines are always drawn (those in the window around the LSOAs shown); ward
    outlines and ward names when the area is a local authority or a ward; local-authority names for a
    region or England.

    Parameters
    ----------
    area
        The selection.
    table
        The LSOAs shown, indexed by ``lsoa_code`` (``lad_code``, ``ward_code`` and ``population``
        rank names when ``style.names_by`` is ``"population"``).
    boundaries
        LSOA polygons of the edition's vintage (EPSG:4326, column ``lsoa_code``): frame the view
        (all local authorities when none of ``table`` is found).
    lad_boundaries, ward_boundaries
        ``load_lad_boundaries()`` and ``load_ward_boundaries()`` (wards may be ``None``: no ward layers).
    style
        The map's look (:class:`ContextStyle`).
    height
        Map height in pixels.
    """
    shown = maps.bounds_of(boundaries, table.index)
    minx, miny, maxx, maxy = (float(x) for x in (shown if shown is not None else lad_boundaries.total_bounds))
    view = maps.view_for_bounds((minx, miny, maxx, maxy), width_px=style.width_px, height_px=height)
    padx, pady = (maxx - minx) * 0.25 + 0.01, (maxy - miny) * 0.25 + 0.01
    window = (minx - padx, miny - pady, maxx + padx, maxy + pady)
    near = lad_boundaries.cx[window[0]:window[2], window[1]:window[3]]
    by_population = style.names_by == "population"
    outlines: list[pdk.Layer] = []
    if area.level in ("lad", "ward") and ward_boundaries is not None:
        w = wards_of(area, ward_boundaries)
        outlines.extend(maps.outline_layer(w, colour=colour, width_px=px, layer_id=layer_id)
                        for layer_id, colour, px in style.ward_lines)
        named, col, key = w, "ward_name", "ward_code"
    else:
        named, col, key = near, "lad_name", "lad_code"
        if by_population and "lad_code" in table:
            named = near.loc[near["lad_code"].isin(table["lad_code"].unique())]
    if by_population:
        names = declutter(_labels(named, col, _population(table, key, named[key])), view,
                          width_px=style.width_px, height_px=height, size_px=_LABEL_PX)
    else:
        names = area_labels(named, col, view, width_px=style.width_px, height_px=height, size_px=_LABEL_PX)
    if style.max_names is not None and len(table) > style.max_names[0]:
        names = names.head(style.max_names[1])
    england = area.level == "england"
    outlines.append(lad_outline_layer(near, england=england))
    alpha = dict(style.lsoa_line_alpha).get(area.level, style.default_line_alpha)
    return MapContext(view=view, bounds=(minx, miny, maxx, maxy), window=window, outlines=outlines,
                      names=names, lsoa_line={"color": [255, 255, 255, alpha], "width_px": 0.3})


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
    out["size"] = gdf.to_crs(BNG).area.to_numpy()
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
    lab["weight"] = gdf.to_crs(BNG).area.to_numpy()
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


__all__ = ["CHOROPLETH_STYLE", "FILL_OPACITY", "PALETTE", "TOOLTIP_DOMAINS", "TOOLTIP_FIELDS", "TOOLTIP_HTML",
           "ChoroplethMap", "ContextStyle", "MapContext", "area_labels", "choropleth_deck", "declutter",
           "generalised_at", "lad_outline_layer", "legend_title", "map_context", "national_tenths", "shading",
           "tooltip_template", "wards_of"]
