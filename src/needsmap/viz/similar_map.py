"""Map of a place and the places most like it: their LSOAs shaded by similarity rank, others blank.

The place itself is orange; the similar places run from dark blue (most similar) to pale blue.
Places are scattered across England and an LSOA is too small to see on a national map, so each place
also gets a numbered marker (0 = this place) at the mean of its LSOAs' inner points.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import geopandas as gpd
import numpy as np
import pandas as pd
import pydeck as pdk

from needsmap.analysis.similar import LEVEL_LABELS, PlaceLevel
from needsmap.areas import ENGLAND
from needsmap.data import map_assets
from needsmap.data.map_assets import Attributes, Tileset
from needsmap.viz import maps
from needsmap.viz.choropleth import ContextStyle, map_context
from needsmap.viz.lsoa_map import LsoaMap, build_lsoa_map, category_column
from needsmap.viz.maps import TOOLTIP_HTML

__all__ = ["MOST_SIMILAR", "LEAST_SIMILAR", "SELF_COLOUR", "SIMILAR_STYLE", "SimilarMap", "member_lsoas",
           "place_points", "rank_colours", "similar_deck"]

#: the selected place
SELF_COLOUR: maps.RGB = (230, 85, 13)
#: ends of the similar places' ramp (ColorBrewer Blues): rank 1, and the last rank
MOST_SIMILAR: maps.RGB = (8, 48, 107)
LEAST_SIMILAR: maps.RGB = (158, 202, 225)
#: LSOA borders visible at every level (the shaded LSOAs are few); names of the places shown first
SIMILAR_STYLE = ContextStyle(width_px=740, ward_lines=(), names_by="population", lsoa_line_alpha=(),
                             default_line_alpha=140, max_names=(0, 12))
_OPACITY = 0.9
_CODE_COLUMN = {"ward": "ward_code", "lad": "lad_code"}


@dataclass
class SimilarMap:
    """The map view for ``needsmap.ui.map_component.lsoa_map`` and what to show beside it.

    Attributes
    ----------
    map
        The view (spec and values).
    legend
        ``(label, colour)``: this place, then each similar place by rank.
    legend_html
        The legend as escaped HTML.
    n_lsoas
        LSOAs shaded (those of the place and of the similar places).
    """

    map: LsoaMap
    legend: list[tuple[str, maps.RGB]]
    legend_html: str
    n_lsoas: int


def rank_colours(n: int) -> list[maps.RGB]:
    """``n`` colours from :data:`MOST_SIMILAR` (rank 1) to :data:`LEAST_SIMILAR` (rank ``n``)."""
    if n <= 0:
        return []
    t = np.linspace(0.0, 1.0, n) if n > 1 else np.zeros(1)
    a, b = np.array(MOST_SIMILAR, float), np.array(LEAST_SIMILAR, float)
    return [(int(round(r)), int(round(g)), int(round(bl))) for r, g, bl in a + (b - a) * t[:, None]]


def member_lsoas(similar: pd.DataFrame, table: pd.DataFrame) -> pd.Series:
    """The LSOAs of each place in ``similar``: LSOA code (index) -> the place's code, in ``table``'s order.

    Parameters
    ----------
    similar
        :func:`~needsmap.analysis.similar.similar_places` (columns ``code``, ``level``).
    table
        LSOA table of the 2025 edition, indexed by ``lsoa_code``, with ``ward_code`` and ``lad_code``.
    """
    codes = similar["code"].astype(str)
    level = str(similar["level"].iloc[0]) if len(similar) else "lsoa"
    if level == "lsoa":
        key = pd.Series(table.index.astype(str), index=table.index)
    else:
        key = table[_CODE_COLUMN[level]].astype(str)
    return key.loc[key.isin(set(codes))]


def place_points(similar: pd.DataFrame, members: pd.Series, boundaries: gpd.GeoDataFrame) -> pd.DataFrame:
    """One marker per place: ``code``, ``lon``, ``lat`` (the mean of its LSOAs' inner points, EPSG:4326).

    ``boundaries`` are the 2021 LSOA polygons in EPSG:4326 (``load_boundaries("2025")``).
    """
    geo = boundaries.set_index("lsoa_code").geometry.reindex(members.index)
    pts = geo.representative_point()
    xy = pd.DataFrame({"code": members.to_numpy(), "lon": pts.x.to_numpy(), "lat": pts.y.to_numpy()})
    mean = xy.groupby("code")[["lon", "lat"]].mean()
    return mean.reindex(similar["code"].astype(str)).rename_axis("code").reset_index()


def _label(row: pd.Series) -> str:
    where = f"{row['name']} ({row['lad_name']})" if row["level"] in ("ward", "lsoa") else str(row["name"])
    if int(row["rank"]) == 0:
        return f"This place: {where}"
    return f"#{int(row['rank'])} most similar: {where}, distance {float(row['distance']):.2f}"


def _markers(similar: pd.DataFrame, points: pd.DataFrame, colours: dict[int, maps.RGB]) -> list[pdk.Layer]:
    """Numbered markers (a dot and its rank), with a tooltip on the dot."""
    d = similar.reset_index(drop=True).assign(lon=points["lon"].to_numpy(), lat=points["lat"].to_numpy())
    d = d.loc[d["lon"].notna() & d["lat"].notna()]
    rows = pd.DataFrame({
        "lon": d["lon"], "lat": d["lat"], "text": d["rank"].astype(int).astype(str),
        "colour": [list(colours[int(r)]) for r in d["rank"]],
        "tip_title": d["name"].astype(str),
        "tip_where": [" · ".join(str(x) for x in (r.get("lad_name"), r.get("region_name")) if isinstance(x, str))
                      for _, r in d.iterrows()],
        "tip_value": ["This place" if int(r) == 0 else f"#{int(r)} most similar · distance {dist:.2f}"
                      for r, dist in zip(d["rank"], d["distance"], strict=True)],
        "tip_more": "",
    })
    recs = maps.records(rows)
    dots = pdk.Layer("ScatterplotLayer", recs, id="similar-markers", get_position=["lon", "lat"],
                     get_fill_color="colour", get_line_color=[255, 255, 255], stroked=True,
                     line_width_min_pixels=1.5, radius_units="'pixels'", get_radius=9,
                     radius_min_pixels=9, radius_max_pixels=9, pickable=True)
    ranks = pdk.Layer("TextLayer", recs, id="similar-ranks", get_position=["lon", "lat"], get_text="text",
                      get_size=11, get_color=[255, 255, 255], get_text_anchor="'middle'",
                      get_alignment_baseline="'center'", font_weight=700,
                      font_family="'\"DejaVu Sans\", Arial, sans-serif'", pickable=False)
    return [dots, ranks]


def similar_deck(
    similar: pd.DataFrame,
    table: pd.DataFrame,
    boundaries: gpd.GeoDataFrame,
    *,
    lad_boundaries: gpd.GeoDataFrame,
    tileset: Tileset | None = None,
    attributes: Attributes | None = None,
    height: int = 620,
) -> SimilarMap:
    """Map a place and its most similar places (their LSOAs shaded by rank; other LSOAs blank).

    Parameters
    ----------
    similar
        :func:`~needsmap.analysis.similar.similar_places`, best with ``include_self=True`` (the
        rank-0 row is drawn orange).
    table
        ``load_lsoa_table("2025")`` (all of England, indexed by ``lsoa_code``).
    boundaries
        ``load_boundaries("2025")``: frame the view and place the markers.
    lad_boundaries
        ``load_lad_boundaries()``: local-authority outlines and names.
    tileset, attributes
        ``map_assets.assets("2025", table)`` (made when not given).
    height
        Map height in pixels.

    Returns
    -------
    SimilarMap
        The view (LSOAs of the places only, ``fill`` = palette index: 0 this place, ``k`` the
        place ranked ``k``), its legend and HTML.
    """
    ts, attrs = map_assets.assets_or_given("2025", tileset, attributes)
    members = member_lsoas(similar, table)
    rank_of = dict(zip(similar["code"].astype(str), similar["rank"].astype(int), strict=True))
    n_ranks = int(similar["rank"].max()) if len(similar) else 0
    palette: list[maps.RGB] = [SELF_COLOUR, *rank_colours(n_ranks)]
    colours = dict(enumerate(palette))
    fill = members.map(rank_of).to_numpy(dtype=np.int64)

    labels = {str(r["code"]): _label(r) for _, r in similar.iterrows()}
    columns = [category_column("place", members.map(labels).to_numpy(), list(dict.fromkeys(labels.values())))]
    lines = [("b", "{lsoa_name} ({lsoa_code})"), ("", "Ward: {ward_name} · {lad_name}"), ("", "{place}"),
             ("dim", "IMD decile {imd_decile:,.0f} (2025)")]
    if attrs is None or "imd_decile" not in attrs.numbers:
        lines = lines[:3]

    shown = table.loc[members.index]
    ctx = map_context(ENGLAND, shown, boundaries, lad_boundaries=lad_boundaries, ward_boundaries=None,
                      style=SIMILAR_STYLE, height=height)
    markers = _markers(similar, place_points(similar, members, boundaries), colours)
    view = build_lsoa_map(
        tileset=ts, lsoa_codes=members.index, fill=fill, palette=palette, view=ctx.view, columns=columns,
        tooltip=lines, attributes=attrs, layers=ctx.layers(markers), layer_tooltip=TOOLTIP_HTML,
        static_layers=maps.OUTLINE_LAYER_IDS, line=ctx.lsoa_line, opacity=_OPACITY,
    )
    level = str(similar["level"].iloc[0]) if len(similar) else "lsoa"
    legend: list[tuple[str, maps.RGB]] = []
    for _, r in similar.sort_values("rank").iterrows():
        k = int(r["rank"])
        name = f"{r['name']} ({r['lad_name']})" if level == "ward" else str(r["name"])
        legend.append((f"This place: {name}" if k == 0 else f"{k}. {name}", colours[k]))
    note = (f"Numbered markers: the {LEVEL_LABELS[cast(PlaceLevel, level)]} (0) and the similar places by rank; "
            "their neighbourhoods are shaded, darkest = most similar.")
    return SimilarMap(map=view, legend=legend,
                      legend_html=maps.legend_html("Most similar places (IMD 2025 domains)", legend, note=note),
                      n_lsoas=len(members))
