"""The coverage-gaps map: LSOAs shaded by need × coverage class, outlines, names and organisations."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import pydeck as pdk

from needsmap.analysis.coverage import BIVARIATE_COLOURS, BIVARIATE_LABELS, GapAnalysis
from needsmap.data import map_assets
from needsmap.data.map_assets import Attributes, Tileset
from needsmap.export import escape_text
from needsmap.viz import maps
from needsmap.viz.choropleth import ContextStyle, map_context
from needsmap.viz.lsoa_map import (
    Column,
    LsoaMap,
    build_lsoa_map,
    category_column,
    literal,
    number_column,
)
from needsmap.viz.maps import TOOLTIP_FIELDS, TOOLTIP_HTML

__all__ = ["CLASS_LABELS", "GAPS_STYLE", "ORG_COLOUR", "TOOLTIP_FIELDS", "TOOLTIP_HTML", "bivariate_deck",
           "bivariate_legend_html", "lsoa_tooltip", "org_tooltips"]

#: organisations: black dots with a white rim, visible on every class colour
ORG_COLOUR: maps.RGB = (20, 20, 20)
#: above this many LSOAs (a region or England) organisations are drawn as smaller dots, and only
#: 30 place names are kept (the largest local authorities that do not overlap)
_SMALL_DOTS_ABOVE = 8_000
#: the gaps map's context: grey ward lines, names of the largest places first; the map is 700 px
#: wide on a laptop screen (the legend takes the rest)
GAPS_STYLE = ContextStyle(width_px=700, ward_lines=(("ward-outlines", maps.OUTLINE_WARD, 0.8),),
                          names_by="area", max_names=(_SMALL_DOTS_ABOVE, 30))
#: the need × coverage classes in palette order (``"1-1"`` … ``"3-3"``), then LSOAs with no class
CLASSES = tuple(BIVARIATE_COLOURS)
NO_CLASS = "no data"
#: what each palette entry means in tooltips
CLASS_LABELS = (*(BIVARIATE_LABELS[c] for c in CLASSES), NO_CLASS)
_OPACITY = 0.92


# ----------------------------------------------------------------------------- tooltips


def _text(values: pd.Series) -> pd.Series:
    return values.astype(object).where(values.notna(), "").astype(str).astype(object)


def lsoa_tooltip(result: GapAnalysis) -> tuple[list[Column], list[tuple[str, str]]]:
    """The columns and tooltip lines of the gaps map (rows in the order of ``result.lsoas``).

    Lines: the LSOA name and code; its ward and local authority; its gap rank and class; need,
    organisations in the LSOA and within the radius (and per 1,000 residents), the nearest, and
    population. Names come from the edition's attributes file.
    """
    d = result.lsoas
    cls = d["bivariate_label"].astype(object).where(d["bivariate_label"].notna(), NO_CLASS)
    columns = [
        number_column("gap_rank", d["gap_rank"], decimals=0),
        category_column("cls", cls, CLASS_LABELS),
        number_column("need_score", d["need_score"], decimals=0),
        number_column("orgs_in_lsoa", d["orgs_in_lsoa"], decimals=0),
        number_column("orgs_within_radius", d["orgs_within_radius"], decimals=0),
        number_column("orgs_per_1000", d["orgs_per_1000"], decimals=2),
        number_column("nearest_org_km", d["nearest_org_km"], decimals=1),
        number_column("population", d["population"], decimals=0),
    ]
    r = literal(result.radius_text)
    lines = [
        ("b", "{lsoa_name} ({lsoa_code})"),
        ("", "Ward: {ward_name} · {lad_name}"),
        ("", f"Gap rank {{gap_rank:,.0f}} of {result.rank_total:,}: {{cls}}"),
        ("dim", f"{literal(result.need.label)}: need {{need_score:.0f}}/100 · {{orgs_in_lsoa:,.0f}} in the "
                f"LSOA, {{orgs_within_radius:,.0f}} within {r} ({{orgs_per_1000:.2f}} per 1,000 "
                "residents); nearest {nearest_org_km:.1f} km · population {population:,.0f}"),
    ]
    return columns, lines


def org_tooltips(orgs: pd.DataFrame) -> pd.DataFrame:
    """Tooltip fields per organisation: name, category, postcode (user text, left plain for the
    browser to escape)."""
    blank = pd.Series("", index=orgs.index, dtype=object)

    def text(col: str) -> pd.Series:
        return _text(orgs[col]) if col in orgs.columns else blank

    return pd.DataFrame({"tip_title": text("org_name"), "tip_where": text("org_category"),
                         "tip_value": text("org_postcode"), "tip_more": blank}, index=orgs.index)


# ----------------------------------------------------------------------------- map
def bivariate_deck(
    result: GapAnalysis,
    boundaries: gpd.GeoDataFrame,
    *,
    lad_boundaries: gpd.GeoDataFrame,
    ward_boundaries: gpd.GeoDataFrame | None = None,
    orgs: pd.DataFrame | None = None,
    tileset: Tileset | None = None,
    attributes: Attributes | None = None,
    height: int = 620,
) -> LsoaMap:
    """The need × coverage map of ``result``'s area, as a view for the browser map component.

    Parameters
    ----------
    result
        :func:`needsmap.analysis.coverage.analyse_gaps` output.
    boundaries
        LSOA polygons of the edition (EPSG:4326, column ``lsoa_code``): frame the view.
    lad_boundaries, ward_boundaries
        Context outlines: local authorities always; wards (with their names) when the area is a local
        authority or a ward. Regions and England get local-authority names instead.
    orgs
        Organisations to draw on top (``lat``, ``lon``; ``org_name``, ``org_category``,
        ``org_postcode`` go into tooltips the browser escapes). Only those within the map's extent
        are sent; never written to a file.
    tileset, attributes
        ``map_assets.tileset(edition)`` and ``map_assets.attributes(edition, table)`` (made when
        not given).
    height
        Map height in pixels.

    Returns
    -------
    LsoaMap
        Spec and values for ``needsmap.ui.map_component.lsoa_map``; every LSOA drawn as its polygon.
    """
    d = result.lsoas
    edition = result.edition
    ts, attributes = map_assets.assets_or_given(edition, tileset, attributes)
    cls = d["bivariate_class"].astype(object)
    fill = np.array([CLASSES.index(c) if c in CLASSES else len(CLASSES) for c in cls], dtype=np.int64)
    palette = [*(BIVARIATE_COLOURS[c] for c in CLASSES), maps.NO_DATA]
    columns, lines = lsoa_tooltip(result)

    ctx = map_context(result.area, d, boundaries, lad_boundaries=lad_boundaries,
                      ward_boundaries=ward_boundaries, style=GAPS_STYLE, height=height)
    many = len(d) > _SMALL_DOTS_ABOVE
    extra: list[pdk.Layer] = []
    if orgs is not None and len(orgs):
        o = orgs.copy()
        o["lat"] = pd.to_numeric(o["lat"], errors="coerce")
        o["lon"] = pd.to_numeric(o["lon"], errors="coerce")
        o = o.loc[ctx.in_window(o["lon"], o["lat"])]
        if "status" in o.columns:
            o = o.loc[o["status"].astype("string").fillna("") == "ok"]
        if len(o):
            frame = org_tooltips(o).assign(lon=o["lon"].to_numpy(), lat=o["lat"].to_numpy())
            extra.append(maps.points_layer(
                frame, colour=ORG_COLOUR, radius_px=2.5 if many else 4.5,
                line_width_px=1 if many else 1.5, max_radius_px=10, layer_id="organisations",
            ))
    return build_lsoa_map(
        tileset=ts, lsoa_codes=d.index, fill=fill, palette=palette, view=ctx.view, bounds=ctx.bounds, columns=columns,
        tooltip=lines, attributes=attributes, layers=ctx.layers(extra), layer_tooltip=TOOLTIP_HTML,
        static_layers=maps.OUTLINE_LAYER_IDS, line=ctx.lsoa_line, opacity=_OPACITY,
    )


# ----------------------------------------------------------------------------- legend
def bivariate_legend_html(counts: Mapping[str, int] | None = None, *, need_label: str = "Need",
                          coverage_label: str = "Coverage", org_label: str = "Organisation",
                          notes: Sequence[str] = ()) -> str:
    """A 3×3 legend: need rises upwards, coverage to the right; orange = high need, low coverage.

    Parameters
    ----------
    counts
        LSOAs per class (``"3-1"`` …), printed in the cells when given.
    need_label, coverage_label
        What need and coverage are (shown under the grid; escaped here).
    org_label
        What the dots are (escaped here).
    notes
        Extra lines under the legend (escaped here).
    """
    cells = []
    for n in (3, 2, 1):
        for c in (1, 2, 3):
            key = f"{n}-{c}"
            r, g, b = BIVARIATE_COLOURS[key]
            dark = (0.299 * r + 0.587 * g + 0.114 * b) < 140
            txt = f"{counts.get(key, 0):,}" if counts is not None else ""
            cells.append(
                f'<div title="{escape_text(BIVARIATE_LABELS[key])}" style="background:rgb({r},{g},{b});'
                f'width:46px;height:34px;display:flex;align-items:center;justify-content:center;'
                f'font-size:12px;color:{"#fff" if dark else "#222"}">{txt}</div>')
    grid = ('<div style="display:grid;grid-template-columns:repeat(3,46px);gap:2px;'
            'border:1px solid #999;width:max-content">' + "".join(cells) + "</div>")
    need_axis = ('<div style="writing-mode:vertical-rl;transform:rotate(180deg);font-size:12px;'
                 'text-align:center;margin-right:4px">More need →</div>')
    body = (f'<div style="display:flex;align-items:stretch">{need_axis}<div>{grid}'
            '<div style="font-size:12px;margin-top:3px">More coverage →</div></div></div>')
    gap_r, gap_g, gap_b = BIVARIATE_COLOURS["3-1"]
    key = (f'<div style="font-size:12px;margin-top:6px"><span style="display:inline-block;width:12px;'
           f'height:12px;background:rgb({gap_r},{gap_g},{gap_b});vertical-align:middle"></span> '
           'top left, orange: high need, low coverage (the gaps)</div>')
    what = (f'<div style="font-size:12px;margin-top:6px"><b>Need:</b> {escape_text(need_label)}<br/>'
            f'<b>Coverage:</b> {escape_text(coverage_label)}</div>')
    dot = (f'<div style="display:flex;align-items:center;gap:6px;margin-top:8px;font-size:12px">'
           f'<span style="display:inline-block;width:10px;height:10px;border-radius:50%;'
           f'background:rgb{ORG_COLOUR};border:2px solid #fff;outline:1px solid #888"></span>'
           f'{escape_text(org_label)}</div>')
    foot = "".join(f'<div style="font-size:11px;color:#555;margin-top:4px">{escape_text(t)}</div>'
                   for t in notes)
    return ('<div style="font-family:sans-serif"><div style="font-weight:600;font-size:13px;'
            'margin-bottom:4px">Need × coverage</div>'
            f"{body}{key}{what}{dot}{foot}</div>")
