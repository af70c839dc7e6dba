"""Map building blocks (pydeck): colours, outline, label and point layers, and an offline Deck.

No tile server is needed: context (local authority and ward outlines, labels) is drawn from the
boundary files, and the Deck has no basemap unless one is asked for.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import pydeck as pdk
import shapely

from needsmap.export import escape_text
from needsmap.viz.tiles import national_level

RGB = tuple[int, int, int]

#: fields of the shared map tooltip: every pickable layer's rows carry these as plain text. Streamlit
#: HTML-escapes each value as it fills the template, so user text (organisation names) cannot inject
#: markup and must not be escaped first ("&" would show as "&amp;").
TOOLTIP_FIELDS = ("tip_title", "tip_where", "tip_value", "tip_more")
TOOLTIP_HTML = ("<b>{tip_title}</b><br/>{tip_where}<br/>{tip_value}"
                "<br/><span style='opacity:.8'>{tip_more}</span>")

#: viridis in 10 steps (colour-blind safe, prints in grey): index 0 = decile 1 = most deprived
DECILE_COLOURS: tuple[RGB, ...] = (
    (68, 1, 84), (72, 40, 120), (62, 73, 137), (49, 104, 142), (38, 130, 142),
    (31, 158, 137), (53, 183, 121), (110, 206, 88), (181, 222, 43), (253, 231, 37),
)
NO_DATA: RGB = (200, 200, 200)
#: ids of the outline layers every map draws from the public boundary files (never from uploads):
#: their rows may be served as static files the browser caches
OUTLINE_LAYER_IDS = ("lad-outlines", "ward-casing", "ward-outlines")
OUTLINE_LAD: RGB = (30, 30, 30)
OUTLINE_WARD: RGB = (90, 90, 90)


def decile_classes(values: pd.Series, *, kind: str = "decile", higher_is_worse: bool = True,
                   n_total: int | None = None) -> tuple[np.ndarray, list[tuple[str, RGB]]]:
    """Class of each value (0 = darkest … 9, -1 = missing) and the legend entries that explain them.

    Parameters
    ----------
    values
        Deciles (1–10), ranks (1 = most deprived of ``n_total``) or any numbers; shape ``(n,)``.
    kind
        ``"decile"``, ``"rank"`` (binned into national tenths of ``n_total``) or ``"value"`` (binned
        into tenths of the values shown, worst first by ``higher_is_worse``).

    Returns
    -------
    tuple
        ``classes`` (int64, shape ``(n,)``; index into :data:`DECILE_COLOURS`, -1 = missing or a
        decile outside 1–10) and ``legend`` (``(label, colour)`` for classes 0–9).
    """
    v = pd.to_numeric(values, errors="coerce").astype(float)
    if kind == "decile":
        classes = v.to_numpy()
        legend = [(f"{d} {'(most deprived 10%)' if d == 1 else '(least deprived)' if d == 10 else ''}".strip(),
                   DECILE_COLOURS[d - 1]) for d in range(1, 11)]
    elif kind == "rank":
        if not n_total:
            raise ValueError("kind='rank' needs n_total (England's number of LSOAs)")
        classes = np.ceil(v.to_numpy() / n_total * 10).clip(1, 10)
        step = n_total / 10
        legend = [(f"rank {int((d - 1) * step) + 1:,}–{int(d * step):,}", DECILE_COLOURS[d - 1])
                  for d in range(1, 11)]
    else:
        ranked = v.rank(method="average", ascending=not higher_is_worse, pct=True)
        classes = np.ceil(ranked.to_numpy() * 10).clip(1, 10)
        qs = tenth_breaks(v)
        if higher_is_worse:  # class 1 (darkest) holds the highest tenth of values
            qs = qs[::-1]
        legend = [(f"{_fmt(min(qs[d - 1], qs[d]))} – {_fmt(max(qs[d - 1], qs[d]))}", DECILE_COLOURS[d - 1])
                  for d in range(1, 11)]
    whole = np.where(np.isnan(classes), -1, np.floor(np.nan_to_num(classes, nan=-1))).astype(np.int64)
    out = np.where((whole >= 1) & (whole <= 10), whole - 1, -1)
    return out, legend


def tenth_breaks(values: pd.Series | np.ndarray) -> np.ndarray:
    """The 11 edges of ten equal-count classes of ``values``: the 0th, 10th … 100th percentiles
    (linear interpolation) of the values present, by ``mapclassify.Percentiles``, to 12 significant
    digits (the interpolation's float noise dropped: 11.135000000000002 → 11.135, as published).

    Returns
    -------
    numpy.ndarray
        float64, shape ``(11,)``, ascending (ties repeat an edge); all NaN when no value is present.
    """
    import mapclassify  # slow to import: only maps of values need it, never the command line's start

    v = pd.to_numeric(pd.Series(np.asarray(values).ravel()), errors="coerce").to_numpy(float)
    v = v[~np.isnan(v)]
    if not len(v):
        return np.full(11, np.nan)
    bins = mapclassify.Percentiles(v, pct=list(range(0, 101, 10))).bins
    return np.array([float(f"{x:.12g}") for x in bins])


def _fmt(x: float) -> str:
    if pd.isna(x):
        return "–"
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:,.2f}".rstrip("0").rstrip(".")


# ----------------------------------------------------------------------------- geometry helpers
def records(frame: pd.DataFrame) -> list[dict[str, object]]:
    """Rows of ``frame`` as plain dicts (pydeck's own conversion is slow for Arrow-backed text)."""
    cols = [frame[c].to_numpy(dtype=object).tolist() for c in frame.columns]
    keys = [str(c) for c in frame.columns]
    return [dict(zip(keys, row, strict=True)) for row in zip(*cols, strict=True)]


def label_points(gdf: gpd.GeoDataFrame, label_col: str) -> pd.DataFrame:
    """A point inside each polygon with its label, for ``TextLayer``."""
    pts = gdf.geometry.representative_point()
    return pd.DataFrame({"text": gdf[label_col].map(str).to_numpy(), "lon": pts.x.to_numpy(),
                         "lat": pts.y.to_numpy()})


# ----------------------------------------------------------------------------- layers
#: outline paths already worked out (key: the polygons' codes and vertex count, tolerance, decimals);
#: England's local-authority outlines take a few tenths of a second, then every view reuses them
_EDGES: dict[tuple[object, ...], list[dict[str, object]]] = {}
_EDGES_KEPT = 32


def edge_paths(gdf: gpd.GeoDataFrame, *, tolerance_m: float = 0.0, decimals: int = 5
               ) -> list[dict[str, object]]:
    """The outlines of ``gdf``'s polygons as paths, each shared border once.

    Parameters
    ----------
    gdf
        Polygons (EPSG:4326), e.g. local authorities or wards; shape ``(n,)``.
    tolerance_m
        Generalise first by this many metres (``shapely.coverage_simplify`` in EPSG:27700, so
        neighbours keep one common border); 0 = as they are.
    decimals
        Coordinates are rounded to this many decimals of a degree (5 ≈ 1 m; 3 ≈ 100 m).

    Returns
    -------
    list of dict
        ``{"path": [[lon, lat], ...]}`` per line; the same list for the same input (memoised).
    """
    if gdf.empty:
        return []
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    key = (tuple(gdf.index.tolist()), int(shapely.get_num_coordinates(geoms).sum()),
           tuple(np.round(gdf.total_bounds, 6)), float(tolerance_m), int(decimals))
    if key in _EDGES:
        return _EDGES[key]
    if tolerance_m > 0:  # generalised as the national level of the LSOA tilesets is
        geoms = np.asarray(national_level(gdf.geometry, tolerance_m).values, dtype=object)
    lines = shapely.line_merge(shapely.union_all(shapely.boundary(geoms)))
    coords, idx = shapely.get_coordinates(shapely.get_parts(lines), return_index=True)
    coords = np.round(coords, decimals)
    counts = np.bincount(idx)
    out = [{"path": c.tolist()} for c in np.split(coords, np.cumsum(counts)[:-1])] if len(coords) else []
    if len(_EDGES) >= _EDGES_KEPT:
        _EDGES.pop(next(iter(_EDGES)))
    _EDGES[key] = out
    return out


def outline_layer(gdf: gpd.GeoDataFrame, *, colour: RGB = OUTLINE_LAD, width_px: float = 1.5,
                  layer_id: str = "outline", decimals: int = 5, tolerance_m: float = 0.0) -> pdk.Layer:
    """Boundary lines (e.g. local authorities, wards) drawn for context, each border once
    (:func:`edge_paths`)."""
    return pdk.Layer(
        "PathLayer", edge_paths(gdf, tolerance_m=tolerance_m, decimals=decimals), id=layer_id,
        get_path="path", get_color=list(colour), width_min_pixels=width_px, width_units="'pixels'",
        get_width=width_px, pickable=False,
    )


#: the searched-for neighbourhood's outline: magenta over a white casing (apart from every viridis step)
HIGHLIGHT: RGB = (214, 0, 122)
#: ids of the highlight's layers, bottom first
HIGHLIGHT_LAYER_IDS = ("highlight-casing", "highlight")


def highlight_layers(gdf: gpd.GeoDataFrame, codes: Sequence[str], *, key: str = "lsoa_code",
                     width_px: float = 3.0) -> list[pdk.Layer]:
    r"""A thick outline around the polygons of ``gdf`` whose ``key`` is in ``codes`` (a searched
    postcode's LSOA): a white casing under a :data:`HIGHLIGHT` line, drawn above the shading.

    Parameters
    ----------
    gdf
        Polygons (EPSG:4326), e.g. ``load_boundaries(edition)``.
    codes
        Codes to outline; codes not in ``gdf`` are left out (none found: no layers).

    Returns
    -------
    list of pydeck.Layer
        Two ``PathLayer``\ s with ids :data:`HIGHLIGHT_LAYER_IDS`, or ``[]``.
    """
    want = gdf.loc[gdf[key].isin(list(codes))]
    if want.empty:
        return []
    rings = shapely.get_exterior_ring(shapely.get_parts(np.asarray(want.geometry.values, dtype=object)))
    paths = [{"path": np.round(shapely.get_coordinates(r), 5).tolist()} for r in rings]
    return [
        pdk.Layer("PathLayer", paths, id=HIGHLIGHT_LAYER_IDS[0], get_path="path", get_color=[255, 255, 255],
                  width_units="'pixels'", get_width=width_px + 3, width_min_pixels=width_px + 3,
                  joint_rounded=True, pickable=False),
        pdk.Layer("PathLayer", paths, id=HIGHLIGHT_LAYER_IDS[1], get_path="path", get_color=list(HIGHLIGHT),
                  width_units="'pixels'", get_width=width_px, width_min_pixels=width_px,
                  joint_rounded=True, pickable=False),
    ]


def bounds_of(gdf: gpd.GeoDataFrame, codes: Sequence[str] | pd.Index, *, key: str = "lsoa_code"
              ) -> np.ndarray | None:
    """``(minx, miny, maxx, maxy)`` of the rows of ``gdf`` whose ``key`` is in ``codes`` (``None``
    when none is). Hash lookups: pandas' ``isin`` on Arrow strings takes a tenth of a second."""
    have = pd.Index(np.asarray(gdf[key], dtype=object))
    rows = have.get_indexer(pd.Index(np.asarray(codes, dtype=object)).unique())
    rows = rows[rows >= 0]
    if not len(rows):
        return None
    b = shapely.bounds(np.asarray(gdf.geometry.values, dtype=object)[rows])
    return np.array([np.nanmin(b[:, 0]), np.nanmin(b[:, 1]), np.nanmax(b[:, 2]), np.nanmax(b[:, 3])])


def text_layer(labels: pd.DataFrame, *, size: int = 12, colour: RGB = (20, 20, 20),
               layer_id: str = "labels") -> pdk.Layer:
    """Place names drawn on the map (text is escaped by deck.gl's canvas renderer)."""
    return pdk.Layer(
        "TextLayer", records(labels.reset_index(drop=True)), id=layer_id, get_position=["lon", "lat"],
        get_text="text",
        get_size=size, get_color=list(colour), get_text_anchor="'middle'",
        get_alignment_baseline="'center'", background=True, get_background_color=[255, 255, 255, 170],
        # pydeck turns bare strings into JS accessors; a string wrapped in ' … ' stays a literal
        # (pydeck strips every ' from it, so the family names inside use double quotes)
        font_family="'\"DejaVu Sans\", Arial, sans-serif'", character_set="'auto'", pickable=False,
    )


def points_layer(points: pd.DataFrame, *, colour: RGB = (230, 85, 13), radius_px: float = 5,
                 line_width_px: float = 1, max_radius_px: float = 12, layer_id: str = "points",
                 pickable: bool = True) -> pdk.Layer:
    """Organisation points (columns ``lon``, ``lat``); tooltip text may stay raw (the map component escapes it)."""
    return pdk.Layer(
        "ScatterplotLayer", records(points.reset_index(drop=True)), id=layer_id,
        get_position=["lon", "lat"], get_fill_color=list(colour), get_line_color=[255, 255, 255],
        stroked=True, line_width_min_pixels=line_width_px, radius_units="'pixels'",
        get_radius=radius_px, radius_min_pixels=2, radius_max_pixels=max_radius_px, pickable=pickable,
    )


# ----------------------------------------------------------------------------- deck
def view_for_bounds(bounds: Sequence[float], *, width_px: int = 900, height_px: int = 600,
                    margin_px: int = 30) -> pdk.ViewState:
    """The view that shows ``(minx, miny, maxx, maxy)`` (degrees) whole in a map of that size.

    Centred in Web Mercator; deck.gl's world is 512 pixels wide at zoom 0 (not 256 as for raster
    tiles).
    """
    minx, miny, maxx, maxy = (float(b) for b in bounds)
    lon = (minx + maxx) / 2

    def merc(lat: float) -> float:
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    y0, y1 = merc(miny), merc(maxy)
    lat = math.degrees(2 * math.atan(math.exp((y0 + y1) / 2)) - math.pi / 2)
    dx = max(math.radians(maxx - minx), 1e-6)
    dy = max(y1 - y0, 1e-6)
    w, h = max(width_px - 2 * margin_px, 50), max(height_px - 2 * margin_px, 50)
    zoom = min(math.log2(w * 2 * math.pi / 512 / dx), math.log2(h * 2 * math.pi / 512 / dy))
    return pdk.ViewState(longitude=lon, latitude=lat, zoom=max(min(zoom, 15.0), 4.0), pitch=0)


def legend_html(title: str, entries: Sequence[tuple[str, RGB]], *, note: str = "") -> str:
    """A small HTML legend (colour swatches and escaped labels) to render beside a map."""
    rows = "".join(
        f'<div style="display:flex;align-items:center;gap:6px;margin:1px 0">'
        f'<span style="display:inline-block;width:18px;height:12px;background:rgb{tuple(c)};'
        f'border:1px solid #888"></span><span style="font-size:12px">{escape_text(label)}</span></div>'
        for label, c in entries
    )
    foot = f'<div style="font-size:11px;color:#555;margin-top:4px">{escape_text(note)}</div>' if note else ""
    return f'<div><div style="font-weight:600;font-size:13px">{escape_text(title)}</div>{rows}{foot}</div>'
