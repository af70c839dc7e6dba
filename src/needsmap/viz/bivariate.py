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

__all__ = ["MAX_POLYGONS", "ORG_COLOUR", "bivariate_deck", "bivariate_legend_html", "lsoa_tooltips",
           "org_tooltips"]

#: above this many LSOAs the map draws each LSOA as a dot at its reference point (a browser cannot
#: draw all of England's polygons quickly); figures are unaffected
MAX_POLYGONS = 8_000
#: organisations: black dots with a white rim, visible on every class colour
ORG_COLOUR: maps.RGB = (20, 20, 20)
_MAP_WIDTH_PX = 900
_LABEL_PX = 12
TOOLTIP_HTML = "{tip}"


# ----------------------------------------------------------------------------- tooltips
def _num(values: pd.Series, fmt: str) -> pd.Series:
    num = pd.to_numeric(values, errors="coerce").astype(float).to_numpy()
    return pd.Series([("–" if np.isnan(x) else fmt.format(x)) for x in num], index=values.index,
                     dtype=object)


def _esc(values: pd.Series) -> pd.Series:
    return values.map(escape_text).astype(object)


def lsoa_tooltips(result: GapAnalysis) -> pd.Series:
    """Escaped HTML tooltip per LSOA: name, code, ward, need, coverage, gap rank and class."""
    d = result.lsoas
    code = _esc(pd.Series(d.index.astype(str), index=d.index))
    r = escape_text(result.radius_text)
    tip = ("<b>" + _esc(d["lsoa_name"]) + "</b> (" + code + ")<br/>Ward: " + _esc(d["ward_name"])
           + " · " + _esc(d["lad_name"])
           + "<br/>" + escape_text(result.need.label) + ": need " + _num(d["need_score"], "{:.0f}")
           + "/100" + "<br/>Organisations: " + _num(d["orgs_in_lsoa"], "{:,.0f}") + " in the LSOA, "
           + _num(d["orgs_within_radius"], "{:,.0f}") + f" within {r}; nearest "
           + _num(d["nearest_org_km"], "{:.1f}") + " km<br/>"
           + _num(d["orgs_per_1000"], "{:.2f}") + " per 1,000 residents nearby · population "
           + _num(d["population"], "{:,.0f}")
           + "<br/><b>Gap rank " + _num(d["gap_rank"], "{:,.0f}") + f" of {len(d):,}</b> · "
           + _esc(d["bivariate_label"].astype(object).fillna("no data")))
    return tip.astype(object)


def _short_tooltips(result: GapAnalysis) -> pd.Series:
    """A shorter tooltip for national maps (tens of thousands of LSOAs)."""
    d = result.lsoas
    return ("<b>" + _esc(d["lsoa_name"]) + "</b> · " + _esc(d["lad_name"]) + "<br/>Gap rank "
            + _num(d["gap_rank"], "{:,.0f}") + " · " + _esc(d["bivariate_label"].astype(object)
                                                            .fillna("no data"))).astype(object)


def org_tooltips(orgs: pd.DataFrame) -> pd.Series:
    """Escaped HTML tooltip per organisation (name, category, postcode: user text, escaped)."""
    blank = pd.Series("", index=orgs.index, dtype=object)

    def text(col: str) -> pd.Series:
        return _esc(orgs[col]) if col in orgs.columns else blank

    tip = "<b>" + text("org_name") + "</b>"
    if "org_category" in orgs.columns:
        cat = text("org_category")
        tip = tip + np.where(cat != "", "<br/>" + cat, "")
    if "org_postcode" in orgs.columns:
        pc = text("org_postcode")
        tip = tip + np.where(pc != "", "<br/>" + pc, "")
    return pd.Series(tip, index=orgs.index, dtype=object)


# ----------------------------------------------------------------------------- map
def _class_colour(classes: pd.Series) -> list[list[int]]:
    return [list(BIVARIATE_COLOURS.get(str(c), maps.NO_DATA)) for c in classes.astype(object)]


def _labels(gdf: gpd.GeoDataFrame, col: str) -> pd.DataFrame:
    if gdf.empty:
        return pd.DataFrame(columns=["text", "lon", "lat"])
    out = maps.label_points(gdf, col)
    out["weight"] = gdf.to_crs(27700).area.to_numpy()
    return out.sort_values("weight", ascending=False).reset_index(drop=True)


def _declutter(labels: pd.DataFrame, view: pdk.ViewState, height: int) -> pd.DataFrame:
    try:  # the shared choropleth's label placement, when present
        from needsmap.viz.choropleth import declutter
    except ImportError:  # pragma: no cover - the shared module is part of the package
        return labels[["text", "lon", "lat"]] if len(labels) else labels
    return declutter(labels, view, width_px=_MAP_WIDTH_PX, height_px=height, size_px=_LABEL_PX)


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
    fill = _class_colour(d["bivariate_class"])
    tips = lsoa_tooltips(result) if len(d) <= MAX_POLYGONS else _short_tooltips(result)
    gdf = boundaries.loc[boundaries["lsoa_code"].isin(d.index), ["lsoa_code", "geometry"]]
    bounds = gdf.total_bounds if len(gdf) else lad_boundaries.total_bounds
    view = maps.view_for_bounds(bounds, width_px=_MAP_WIDTH_PX, height_px=height)
    layers: list[pdk.Layer] = []
    attrs = pd.DataFrame({"fill": fill, "tip": tips.to_numpy()}, index=d.index)
    if len(d) > MAX_POLYGONS and points is not None:
        pts = points.loc[d.index]
        lonlat = gpd.GeoSeries(gpd.points_from_xy(pts["x"], pts["y"]), crs=27700).to_crs(4326)
        frame = attrs.assign(lon=lonlat.x.to_numpy().round(5), lat=lonlat.y.to_numpy().round(5))
        layers.append(pdk.Layer(
            "ScatterplotLayer", maps.records(frame.reset_index(drop=True)), id="lsoa-dots", get_position=["lon", "lat"], get_fill_color="fill",
            radius_units="meters", get_radius=450, radius_min_pixels=1.2, pickable=True, stroked=False,
        ))
    else:
        gdf = gdf.join(attrs, on="lsoa_code")
        frame = maps.polygon_frame(gdf, ["fill", "tip"])
        layers.append(maps.fill_layer(maps.records(frame), layer_id="lsoa-fill", opacity=0.92))

    minx, miny, maxx, maxy = bounds
    padx, pady = (maxx - minx) * 0.25 + 0.01, (maxy - miny) * 0.25 + 0.01
    lads = lad_boundaries.cx[minx - padx:maxx + padx, miny - pady:maxy + pady]
    labels = pd.DataFrame(columns=["text", "lon", "lat"])
    if result.area.level in ("lad", "ward") and ward_boundaries is not None:
        lad_codes = set(d["lad_code"].dropna())
        wards = ward_boundaries.loc[ward_boundaries["lad_code"].isin(lad_codes)]
        layers.append(maps.outline_layer(wards, colour=maps.OUTLINE_WARD, width_px=0.8,
                                         layer_id="ward-outlines"))
        labels = _labels(wards, "ward_name")
    else:
        labels = _labels(lads, "lad_name")
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
            frame = pd.DataFrame({"lon": o["lon"].to_numpy(), "lat": o["lat"].to_numpy(),
                                  "tip": org_tooltips(o).to_numpy()})
            layers.append(pdk.Layer(
                "ScatterplotLayer", maps.records(frame), id="organisations", get_position=["lon", "lat"],
                get_fill_color=list(ORG_COLOUR), get_line_color=[255, 255, 255], stroked=True,
                line_width_min_pixels=1.5, radius_units="pixels", get_radius=4.5,
                radius_min_pixels=3, radius_max_pixels=10, pickable=True,
            ))
    labels = _declutter(labels, view, height)
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
    need_label, coverage_label, org_label
        Axis titles and the name of the dots (escaped here).
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
    need_axis = (f'<div style="writing-mode:vertical-rl;transform:rotate(180deg);font-size:12px;'
                 f'text-align:center;margin-right:4px">{escape_text(need_label)} →</div>')
    body = (f'<div style="display:flex;align-items:stretch">{need_axis}<div>{grid}'
            f'<div style="font-size:12px;margin-top:3px">{escape_text(coverage_label)} →</div></div></div>')
    dot = (f'<div style="display:flex;align-items:center;gap:6px;margin-top:8px;font-size:12px">'
           f'<span style="display:inline-block;width:10px;height:10px;border-radius:50%;'
           f'background:rgb{ORG_COLOUR};border:2px solid #fff;outline:1px solid #888"></span>'
           f'{escape_text(org_label)}</div>')
    gap_r, gap_g, gap_b = BIVARIATE_COLOURS["3-1"]
    key = (f'<div style="font-size:12px;margin-top:6px"><span style="display:inline-block;width:12px;'
           f'height:12px;background:rgb({gap_r},{gap_g},{gap_b});vertical-align:middle"></span> '
           f'top-left orange = high need, low coverage (the gaps)</div>')
    foot = "".join(f'<div style="font-size:11px;color:#555;margin-top:4px">{escape_text(t)}</div>'
                   for t in notes)
    return ('<div style="font-family:sans-serif"><div style="font-weight:600;font-size:13px;'
            'margin-bottom:4px">Need × coverage (thirds of this area)</div>'
            f"{body}{key}{dot}{foot}</div>")
