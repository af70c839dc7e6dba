"""Map of the change in IMD rank or decile between 2019 and 2025 (diverging, colour-blind safe).

Colours are ColorBrewer's PuOr (safe for the common forms of colour blindness): orange = relatively
more deprived in 2025, purple = relatively less deprived, pale = little change, grey = no comparison
(boundary changed between 2011 and 2021).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import pydeck as pdk

from needsmap.analysis.change import COMPARISON_LABELS
from needsmap.areas import Area
from needsmap.data import map_assets
from needsmap.data.map_assets import Attributes, Tileset
from needsmap.viz import maps
from needsmap.viz.choropleth import ContextStyle, map_context
from needsmap.viz.lsoa_map import Column, LsoaMap, build_lsoa_map, category_column, number_column
from needsmap.viz.maps import TOOLTIP_HTML

ChangeView = Literal["rank", "decile"]

#: PuOr, 7 classes: most towards more deprived … most towards less deprived
PUOR7: tuple[maps.RGB, ...] = (
    (179, 88, 6), (241, 163, 64), (254, 224, 182), (236, 236, 230),
    (216, 218, 235), (153, 142, 195), (84, 39, 136),
)
NOT_COMPARABLE: maps.RGB = (160, 160, 160)
#: the map's palette: the seven classes, then "no comparison"
PALETTE: tuple[maps.RGB, ...] = (*PUOR7, NOT_COMPARABLE)

#: class edges, descending: ``>= b0``, ``>= b1``, ``>= b2``, ``> b3`` (neutral), ``> b4``, ``> b5``, rest
RANK_BREAKS: tuple[float, ...] = (5000, 2000, 500, -500, -2000, -5000)
DECILE_BREAKS: tuple[float, ...] = (3, 2, 1, -1, -2, -3)
_RANK_LABELS = ("5,000+ ranks more deprived", "2,000–4,999 more deprived", "500–1,999 more deprived",
                "within 500 ranks (little change)", "500–1,999 less deprived", "2,000–4,999 less deprived",
                "5,000+ ranks less deprived")
_DECILE_LABELS = ("3+ deciles more deprived", "2 deciles more deprived", "1 decile more deprived",
                  "same decile", "1 decile less deprived", "2 deciles less deprived",
                  "3+ deciles less deprived")
_COLUMN = {"rank": "imd_rank_change", "decile": "imd_decile_change"}
#: what the boundary-change code of an LSOA not in the ONS lookup reads as
NOT_IN_LOOKUP = "not in the ONS lookup"
_COMPARISONS = (*COMPARISON_LABELS.values(), NOT_IN_LOOKUP)

#: the change map's context: darker ward lines and LSOA borders than the other maps, names of the
#: largest places first; the map is 900 px wide
CHANGE_STYLE = ContextStyle(width_px=900, ward_lines=(("ward-outlines", (70, 70, 70), 1.2),),
                            names_by="area", default_line_alpha=160)
_OPACITY = 0.92


def change_classes(values: pd.Series, view: ChangeView = "rank") -> tuple[np.ndarray, list[tuple[str, maps.RGB]]]:
    """Diverging classes for rank or decile changes (positive = more deprived) and their legend.

    Returns
    -------
    tuple
        ``classes`` (int64, shape ``(n,)``: index into :data:`PALETTE`; 7 = no comparison) and the
        legend, which lists "no comparison" last only when some value is missing.
    """
    v = pd.to_numeric(values, errors="coerce").astype(float).to_numpy()
    if view not in ("rank", "decile"):
        raise ValueError(f"view must be 'rank' or 'decile', not {view!r}")
    b, labels = (RANK_BREAKS, _RANK_LABELS) if view == "rank" else (DECILE_BREAKS, _DECILE_LABELS)
    cls = np.select([v >= b[0], v >= b[1], v >= b[2], v > b[3], v > b[4], v > b[5]], range(6), 6)
    cls = np.where(np.isnan(v), len(PUOR7), cls).astype(np.int64)
    legend = list(zip(labels, PUOR7, strict=True))
    if np.isnan(v).any():
        legend.append(("no comparison (boundary changed)", NOT_COMPARABLE))
    return cls, legend


def change_tooltip(table: pd.DataFrame, attributes: Attributes | None
                   ) -> tuple[list[Column], list[tuple[str, str]]]:
    """The columns and tooltip lines of the change map (rows in the order of ``table``).

    Lines: names; ward and local authority; 2019 and 2025 rank and decile and the change
    (``+`` = relatively more deprived); whether the LSOA is comparable.
    """
    def col(c: str) -> pd.Series:
        return table[c] if c in table.columns else pd.Series(np.nan, index=table.index)

    columns = [
        number_column("rank_2019", col("imd_rank_2019"), decimals=0),
        number_column("decile_2019", col("imd_decile_2019"), decimals=0),
        number_column("rank_2025", col("imd_rank"), decimals=0),
        number_column("rank_change", col("imd_rank_change"), decimals=0),
        number_column("decile_change", col("imd_decile_change"), decimals=0),
        category_column("comparison", [COMPARISON_LABELS.get(str(x), NOT_IN_LOOKUP)
                                       for x in col("lsoa_change")], _COMPARISONS),
    ]
    if attributes is not None and "imd_decile" in attributes.numbers:
        decile = "{imd_decile:,.0f}"
    else:
        columns.append(number_column("decile_2025", col("imd_decile"), decimals=0))
        decile = "{decile_2025:,.0f}"
    lines = [
        ("b", "{lsoa_name} ({lsoa_code})"),
        ("", "Ward: {ward_name} · {lad_name}"),
        ("", "IMD rank 2019: {rank_2019:,.0f} (decile {decile_2019:,.0f}) → 2025: {rank_2025:,.0f} "
             f"(decile {decile}) · change {{rank_change:+,.0f}} ranks, {{decile_change:+,.0f}} deciles "
             "(+ = relatively more deprived)"),
        ("dim", "{comparison}"),
    ]
    return columns, lines


@dataclass
class ChangeMap:
    """The change map (a view for the browser map component) and its legend."""

    map: LsoaMap
    legend: list[tuple[str, maps.RGB]]
    legend_html: str
    n_lsoas: int


def change_deck(
    table: pd.DataFrame,
    boundaries: gpd.GeoDataFrame,
    *,
    area: Area,
    lad_boundaries: gpd.GeoDataFrame,
    ward_boundaries: gpd.GeoDataFrame | None = None,
    view: ChangeView = "rank",
    extra_layers: Sequence[pdk.Layer] = (),
    tileset: Tileset | None = None,
    attributes: Attributes | None = None,
    height: int = 620,
) -> ChangeMap:
    """Map the 2019→2025 change of the LSOAs in ``table`` (2025 table rows of ``area``).

    Parameters
    ----------
    table
        Rows of ``load_lsoa_table("2025")`` for the selection, with the change columns.
    boundaries
        ``load_boundaries("2025")`` (LSOA 2021 polygons): frame the view.
    area
        The selection: local authority outlines always; ward outlines and names for a local authority
        or ward, local-authority names for a region or England.
    view
        ``"rank"`` (change in national rank) or ``"decile"``.
    tileset, attributes
        ``map_assets.tileset("2025")`` and ``map_assets.attributes("2025", table)`` (made when not
        given).

    Raises
    ------
    ValueError
        The table has no change columns (not the 2025 edition's).
    """
    col = _COLUMN[view]
    if col not in table.columns:
        raise ValueError(f"the LSOA table has no {col!r} column: use the 2025 edition's table")
    ts, attributes = map_assets.assets_or_given("2025", tileset, attributes)
    fill, legend = change_classes(table[col], view)
    columns, lines = change_tooltip(table, attributes)

    ctx = map_context(area, table, boundaries, lad_boundaries=lad_boundaries, ward_boundaries=ward_boundaries,
                      style=CHANGE_STYLE, height=height)
    lsoa_view = build_lsoa_map(
        tileset=ts, lsoa_codes=table.index, fill=fill, palette=list(PALETTE), view=ctx.view, bounds=ctx.bounds, columns=columns,
        tooltip=lines, attributes=attributes, layers=ctx.layers(extra_layers), layer_tooltip=TOOLTIP_HTML,
        static_layers=maps.OUTLINE_LAYER_IDS, line=ctx.lsoa_line, opacity=_OPACITY,
    )
    title = "Change in IMD rank, 2019→2025" if view == "rank" else "Change in IMD decile, 2019→2025"
    note = ("Positive = relatively more deprived in 2025. Only LSOAs with the same boundary in both "
            "editions are compared.")
    return ChangeMap(map=lsoa_view, legend=legend, legend_html=maps.legend_html(title, legend, note=note),
                     n_lsoas=len(table))


__all__ = ["CHANGE_STYLE", "DECILE_BREAKS", "NOT_COMPARABLE", "NOT_IN_LOOKUP", "PALETTE", "PUOR7", "RANK_BREAKS", "ChangeMap",
           "ChangeView", "change_classes", "change_deck", "change_tooltip"]
