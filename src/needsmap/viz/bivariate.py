"""The coverage-gaps map: LSOAs shaded by need × coverage class, outlines, names and organisations."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import pydeck as pdk

from needsmap.analysis.coverage import BIVARIATE_COLOURS, BIVARIATE_LABELS, GapAnalysis
from needsmap.export import escape_text
from needsmap.viz import maps
from needsmap.viz.choropleth import area_labels
from needsmap.viz.maps import TOOLTIP_FIELDS, TOOLTIP_HTML

__all__ = ["MAX_POLYGONS", "ORG_COLOUR", "TOOLTIP_FIELDS", "TOOLTIP_HTML", "bivariate_deck",
           "bivariate_legend_html", "lsoa_tooltips", "org_tooltips"]

#: above this many LSOAs the map draws each LSOA as a dot at its reference point (a browser cannot
#: draw all of England's polygons quickly); figures are unaffected
MAX_POLYGONS = 8_000
#: organisations: black dots with a white rim, visible on every class colour
ORG_COLOUR: maps.RGB = (20, 20, 20)
#: the map's width on a laptop screen (the legend takes the rest); used to fit the view
_MAP_WIDTH_PX = 700
_LABEL_PX = 12
#: place names kept on a national map (the largest local authorities that do not overlap)
_NATIONAL_LABELS = 30


# ----------------------------------------------------------------------------- tooltips


def _num(values: pd.Series, fmt: str) -> pd.Series:
    num = pd.to_numeric(values, errors="coerce").astype(float).to_numpy()
    return pd.Series([("–" if np.isnan(x) else fmt.format(x)) for x in num], index=values.index,
                     dtype=object)


def _text(values: pd.Series) -> pd.Series:
    return values.astype(object).where(values.notna(), "").astype(str).astype(object)


def lsoa_tooltips(result: GapAnalysis, *, short: bool = False) -> pd.DataFrame:
    """Tooltip fields per LSOA (plain text): name and code, ward, need and coverage, gap rank, class.

    ``short`` keeps only name, local authority, gap rank and class (for national maps).
    """
    d = result.lsoas
    code = pd.Series(d.index.astype(str), index=d.index, dtype=object)
    cls = _text(d["bivariate_label"].astype(object).fillna("no data"))
    rank = "Gap rank " + _num(d["gap_rank"], "{:,.0f}") + f" of {len(d):,}: " + cls
    if short:
        return pd.DataFrame({"tip_title": _text(d["lsoa_name"]), "tip_where": _text(d["lad_name"]),
                             "tip_value": rank, "tip_more": ""}, index=d.index)
    r = result.radius_text
    return pd.DataFrame({
        "tip_title": _text(d["lsoa_name"]) + " (" + code + ")",
        "tip_where": "Ward: " + _text(d["ward_name"]) + " · " + _text(d["lad_name"]),
        "tip_value": rank,
        "tip_more": (f"{result.need.label}: need " + _num(d["need_score"], "{:.0f}") + "/100 · "
                     + _num(d["orgs_in_lsoa"], "{:,.0f}") + " in the LSOA, "
                     + _num(d["orgs_within_radius"], "{:,.0f}") + f" within {r} ("
                     + _num(d["orgs_per_1000"], "{:.2f}") + " per 1,000 residents); nearest "
                     + _num(d["nearest_org_km"], "{:.1f}") + " km · population "
                     + _num(d["population"], "{:,.0f}")),
    }, index=d.index)


def org_tooltips(orgs: pd.DataFrame) -> pd.DataFrame:
    """Tooltip fields per organisation: name, category, postcode (user text, left plain for
    Streamlit to escape)."""
    blank = pd.Series("", index=orgs.index, dtype=object)

    def text(col: str) -> pd.Series:
        return _text(orgs[col]) if col in orgs.columns else blank

    return pd.DataFrame({"tip_title": text("org_name"), "tip_where": text("org_category"),
                         "tip_value": text("org_postcode"), "tip_more": blank}, index=orgs.index)


# ----------------------------------------------------------------------------- map
def _class_colour(classes: pd.Series) -> list[list[int]]:
    return [list(BIVARIATE_COLOURS.get(str(c), maps.NO_DATA)) for c in classes.astype(object)]


def bivariate_deck(
    result: GapAnalysis,
    boundaries: gpd.GeoDataFrame,
    *,
    lad_boundaries: gpd.GeoDataFrame,
    ward_boundaries: gpd.GeoDataFrame | None = None,
    orgs: pd.DataFrame | None = None,
    points: pd.DataFrame | None = None,
    height: int = 620,
) -> pdk.Deck:
    """The need × coverage map of ``result``'s area.

    Parameters
    ----------
    result
        :func:`needsmap.analysis.coverage.analyse_gaps` output.
    boundaries
        LSOA polygons of the edition (EPSG:4326, column ``lsoa_code``); only the area's are drawn.
    lad_boundaries, ward_boundaries
        Context outlines: local authorities always; wards (with their names) when the area is a local
        authority or a ward. Regions and England get local-authority names instead.
    orgs
        Organisations to draw on top (``lat``, ``lon``; ``org_name``, ``org_category``,
        ``org_postcode`` go into escaped tooltips). Only those within the map's extent are sent.
    points
        LSOA reference points (:func:`~needsmap.analysis.coverage.reference_points`); with more than
        :data:`MAX_POLYGONS` LSOAs each LSOA is drawn as a dot there instead of its polygon.
    height
        Map height in pixels.
    """
    d = result.lsoas
    national = result.area.level in ("england", "region") and len(d) > MAX_POLYGONS
    fill = _class_colour(d["bivariate_class"])
    tips = lsoa_tooltips(result, short=len(d) > MAX_POLYGONS)
    gdf = boundaries.loc[boundaries["lsoa_code"].isin(d.index), ["lsoa_code", "geometry"]]
    bounds = gdf.total_bounds if len(gdf) else lad_boundaries.total_bounds
    view = maps.view_for_bounds(bounds, width_px=_MAP_WIDTH_PX, height_px=height)
    layers: list[pdk.Layer] = []
    attrs = tips.assign(fill=fill)
    if len(d) > MAX_POLYGONS and points is not None:
        pts = points.loc[d.index]
        lonlat = gpd.GeoSeries(gpd.points_from_xy(pts["x"], pts["y"]), crs=27700).to_crs(4326)
        frame = attrs.assign(lon=lonlat.x.to_numpy().round(5), lat=lonlat.y.to_numpy().round(5))
        layers.append(pdk.Layer(
            "ScatterplotLayer", maps.records(frame.reset_index(drop=True)), id="lsoa-dots", get_position=["lon", "lat"], get_fill_color="fill",
            radius_units="'meters'", get_radius=600, radius_min_pixels=2.2, pickable=True, stroked=False,
        ))
    else:
        gdf = gdf.join(attrs, on="lsoa_code")
        frame = maps.polygon_frame(gdf, ["fill", *TOOLTIP_FIELDS])
        layers.append(maps.fill_layer(maps.records(frame), layer_id="lsoa-fill", opacity=0.92))

    minx, miny, maxx, maxy = bounds
    padx, pady = (maxx - minx) * 0.25 + 0.01, (maxy - miny) * 0.25 + 0.01
    lads = lad_boundaries.cx[minx - padx:maxx + padx, miny - pady:maxy + pady]
    if result.area.level in ("lad", "ward") and ward_boundaries is not None:
        lad_codes = set(d["lad_code"].dropna())
        wards = ward_boundaries.loc[ward_boundaries["lad_code"].isin(lad_codes)]
        layers.append(maps.outline_layer(wards, colour=maps.OUTLINE_WARD, width_px=0.8,
                                         layer_id="ward-outlines"))
        labels = area_labels(wards, "ward_name", view, width_px=_MAP_WIDTH_PX, height_px=height,
                             size_px=_LABEL_PX)
    else:
        labels = area_labels(lads, "lad_name", view, width_px=_MAP_WIDTH_PX, height_px=height,
                             size_px=_LABEL_PX)
    layers.append(maps.outline_layer(lads, colour=maps.OUTLINE_LAD,
                                     width_px=0.7 if result.area.level == "england" else 1.8,
                                     layer_id="lad-outlines"))

    if orgs is not None and len(orgs):
        o = orgs.copy()
        o["lat"] = pd.to_numeric(o["lat"], errors="coerce")
        o["lon"] = pd.to_numeric(o["lon"], errors="coerce")
        o = o.loc[o["lon"].between(minx - padx, maxx + padx) & o["lat"].between(miny - pady, maxy + pady)]
        if "status" in o.columns:
            o = o.loc[o["status"].astype("string").fillna("") == "ok"]
        if len(o):
            frame = org_tooltips(o).assign(lon=o["lon"].to_numpy(), lat=o["lat"].to_numpy())
            layers.append(maps.points_layer(
                frame, colour=ORG_COLOUR, radius_px=2.5 if national else 4.5,
                line_width_px=1 if national else 1.5, max_radius_px=10, layer_id="organisations",
            ))
    if national:
        labels = labels.head(_NATIONAL_LABELS)
    if len(labels):
        layers.append(maps.text_layer(labels, size=_LABEL_PX, layer_id="place-names"))
    return maps.make_deck(layers, view, tooltip_html=TOOLTIP_HTML, height=height)


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
