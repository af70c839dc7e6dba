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
from needsmap.viz import maps
from needsmap.viz.choropleth import area_labels
from needsmap.viz.maps import TOOLTIP_FIELDS, TOOLTIP_HTML

ChangeView = Literal["rank", "decile"]

#: PuOr, 7 classes: most towards more deprived … most towards less deprived
PUOR7: tuple[maps.RGB, ...] = (
    (179, 88, 6), (241, 163, 64), (254, 224, 182), (236, 236, 230),
    (216, 218, 235), (153, 142, 195), (84, 39, 136),
)
NOT_COMPARABLE: maps.RGB = (160, 160, 160)

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

_LABEL_PX = 12
_WIDTH_PX = 900  # as the shared choropleth, so both maps frame an area alike


def change_classes(values: pd.Series, view: ChangeView = "rank") -> tuple[list[maps.RGB], list[tuple[str, maps.RGB]]]:
    """Diverging colours for rank or decile changes (positive = more deprived) and their legend.

    Missing values (no comparison) are grey; the legend lists that entry last only when present.
    """
    v = pd.to_numeric(values, errors="coerce").astype(float).to_numpy()
    if view not in ("rank", "decile"):
        raise ValueError(f"view must be 'rank' or 'decile', not {view!r}")
    b, labels = (RANK_BREAKS, _RANK_LABELS) if view == "rank" else (DECILE_BREAKS, _DECILE_LABELS)
    cls = np.select([v >= b[0], v >= b[1], v >= b[2], v > b[3], v > b[4], v > b[5]], range(6), 6)
    colours = [NOT_COMPARABLE if np.isnan(x) else PUOR7[int(c)] for x, c in zip(v, cls, strict=True)]
    legend = list(zip(labels, PUOR7, strict=True))
    if np.isnan(v).any():
        legend.append(("no comparison (boundary changed)", NOT_COMPARABLE))
    return colours, legend


def _num(values: pd.Series, signed: bool = False) -> list[str]:
    fmt = "{:+,.0f}" if signed else "{:,.0f}"
    return ["–" if pd.isna(x) else fmt.format(float(x)) for x in values]


def change_tooltips(table: pd.DataFrame) -> pd.DataFrame:
    """Tooltip fields (:data:`maps.TOOLTIP_FIELDS`, plain text) per LSOA: names, 2019 and 2025 rank
    and decile, the change and whether the LSOA is comparable."""
    def col(c: str) -> pd.Series:
        return table[c] if c in table.columns else pd.Series(pd.NA, index=table.index)

    def text(c: str) -> pd.Series:
        return col(c).astype(object).where(col(c).notna(), "").astype(str)

    code = pd.Series(table.index, index=table.index).astype(str)
    r19, r25 = _num(col("imd_rank_2019")), _num(col("imd_rank"))
    d19, d25 = _num(col("imd_decile_2019")), _num(col("imd_decile"))
    rc, dc = _num(col("imd_rank_change"), True), _num(col("imd_decile_change"), True)
    notes = [COMPARISON_LABELS.get(str(x), "not in the ONS lookup") for x in col("lsoa_change")]
    value = [f"IMD rank 2019: {a} (decile {b}) → 2025: {c} (decile {d}) · change {e} ranks, "
             f"{f} deciles (+ = relatively more deprived)"
             for a, b, c, d, e, f in zip(r19, d19, r25, d25, rc, dc, strict=True)]
    return pd.DataFrame({
        "tip_title": text("lsoa_name") + " (" + code + ")",
        "tip_where": "Ward: " + text("ward_name") + " · " + text("lad_name"),
        "tip_value": value,
        "tip_more": notes,
    }, index=table.index)


@dataclass
class ChangeMap:
    """The change map and its legend."""

    deck: pdk.Deck
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
    height: int = 620,
) -> ChangeMap:
    """Map the 2019→2025 change of the LSOAs in ``table`` (2025 table rows of ``area``).

    Parameters
    ----------
    table
        Rows of ``load_lsoa_table("2025")`` for the selection, with the change columns.
    boundaries
        ``load_boundaries("2025")`` (LSOA 2021 polygons).
    area
        The selection: local authority outlines always; ward outlines and names for a local authority
        or ward, local-authority names for a region or England.
    view
        ``"rank"`` (change in national rank) or ``"decile"``.
    """
    col = _COLUMN[view]
    if col not in table.columns:
        raise ValueError(f"the LSOA table has no {col!r} column: use the 2025 edition's table")
    gdf = boundaries.loc[boundaries["lsoa_code"].isin(table.index), ["lsoa_code", "geometry"]]
    gdf = gdf.join(table, on="lsoa_code", how="inner")
    if area.level == "england":
        gdf = maps.simplify(gdf, 200.0)
    colours, legend = change_classes(gdf[col], view)
    tips = change_tooltips(gdf.set_index("lsoa_code"))
    gdf = gdf.assign(fill=colours, **{c: tips[c].to_numpy() for c in TOOLTIP_FIELDS})
    frame = maps.polygon_frame(gdf, ["fill", *TOOLTIP_FIELDS])
    fill = maps.fill_layer(frame, layer_id="change-fill", opacity=0.92)
    fill.get_line_color = [255, 255, 255, 0 if area.level == "england" else 160]

    bounds = gdf.total_bounds if len(gdf) else lad_boundaries.total_bounds
    vs = maps.view_for_bounds(bounds, width_px=_WIDTH_PX, height_px=height)
    minx, miny, maxx, maxy = bounds
    padx, pady = (maxx - minx) * 0.25 + 0.01, (maxy - miny) * 0.25 + 0.01
    lads = lad_boundaries.cx[minx - padx:maxx + padx, miny - pady:maxy + pady]
    layers: list[pdk.Layer] = [fill]
    if area.level in ("lad", "ward") and ward_boundaries is not None:
        lad_code = area.code if area.level == "lad" else str(
            ward_boundaries.loc[ward_boundaries["ward_code"] == area.code, "lad_code"].iloc[0])
        wards = ward_boundaries.loc[ward_boundaries["lad_code"] == lad_code]
        layers.append(maps.outline_layer(wards, colour=(70, 70, 70), width_px=1.2,
                                         layer_id="ward-outlines"))
        labels = area_labels(wards, "ward_name", vs, width_px=_WIDTH_PX, height_px=height,
                             size_px=_LABEL_PX)
    else:
        labels = area_labels(lads, "lad_name", vs, width_px=_WIDTH_PX, height_px=height,
                             size_px=_LABEL_PX)
    layers.append(maps.outline_layer(lads, colour=maps.OUTLINE_LAD,
                                     width_px=0.7 if area.level == "england" else 1.8, layer_id="lad-outlines"))
    layers.extend(extra_layers)
    if len(labels):
        layers.append(maps.text_layer(labels, size=_LABEL_PX, layer_id="place-names"))
    deck = maps.make_deck(layers, vs, tooltip_html=TOOLTIP_HTML, height=height)
    title = "Change in IMD rank, 2019→2025" if view == "rank" else "Change in IMD decile, 2019→2025"
    note = ("Positive = relatively more deprived in 2025. Only LSOAs with the same boundary in both "
            "editions are compared.")
    return ChangeMap(deck=deck, legend=legend, legend_html=maps.legend_html(title, legend, note=note),
                     n_lsoas=len(gdf))


__all__ = ["DECILE_BREAKS", "NOT_COMPARABLE", "PUOR7", "RANK_BREAKS", "ChangeMap", "ChangeView",
           "change_classes", "change_deck", "change_tooltips"]
