"""ONS Open Geography Portal: boundaries, lookups, population-weighted centroids, rural-urban class.

Every layer here is published by the Office for National Statistics on its Open Geography Portal
(https://geoportal.statistics.gov.uk/), most as an ArcGIS FeatureServer layer under
``https://services1.arcgis.com/ESMARspQHYMw9BZ9/arcgis/rest/services/``. ``needsmap data fetch``
queries such a layer page by page and saves one GeoJSON FeatureCollection (geometry layers) or one
CSV of the attribute fields (table layers); the converters here turn that file, or the file a user
downloaded by hand from the portal (CSV with a UTF-8 byte-order mark, GeoJSON, a zipped shapefile
or GeoPackage, ArcGIS's own ``f=json``), into the prepared layout of ``../shared/data``.

What publishers really do, and what the readers here therefore accept:

* field names change case and boundary year between editions (``LSOA21CD``/``lsoa21cd``); they are
  matched case-insensitively, after stripping a byte-order mark and spaces;
* system fields come and go (``FID``, ``ObjectId`` first or last, ``GlobalID``, ``Shape__Area``,
  ``BNG_E``…) and are ignored; one layer prefixes a key (``F_LSOA11CD``);
* CSV files may start with a UTF-8 BOM, use CRLF line ends or (hand-saved) Windows-1252;
* Great Britain / UK / England-and-Wales layers are cut to England (codes starting ``E``) where
  the prepared file is England only.

A file that is not what it should be (an HTML page saved in place of the data, JSON that does not
parse, an ArcGIS error answer, a missing field, no English rows) raises
:class:`~needsmap.errors.ValidationError` naming the file and the problem.
"""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.errors import GEOSException
from shapely.geometry import MultiPolygon, Point, Polygon, shape
from shapely.geometry.base import BaseGeometry

from needsmap.crs import BNG, WGS84, WGS84_EPSG, from_bng
from needsmap.data.crosswalk import CHANGE_CODES
from needsmap.data.sources._base import Frames, Source
from needsmap.data.sources._excel import open_workbook, sheet_table
from needsmap.data.sources._read import (
    cell_text,
    check_unique,
    header_text,
    is_zip,
    read_csv,
    read_data,
    read_head,
    refuse_web_page,
    text_start,
    zip_members,
)
from needsmap.data.sources._read import england as england_rows
from needsmap.errors import ValidationError

#: root of the ONS Open Geography Portal's ArcGIS REST services
ARCGIS = "https://services1.arcgis.com/ESMARspQHYMw9BZ9/arcgis/rest/services/"
#: the portal itself, for people downloading by hand
PORTAL = "https://geoportal.statistics.gov.uk/"
_ONS = ("Source: Office for National Statistics licensed under the Open Government Licence "
        "v.3.0")
_OS = f"{_ONS}; Contains OS data © Crown copyright and database right"
_GEOGRAPHR = "humaniverse/geographr data-raw/query-urls.R"

#: the columns of each prepared file, in the prepared file's order
COLUMNS: dict[str, tuple[str, ...]] = {
    "lsoa21_boundaries": ("lsoa21_name", "lsoa21_code", "geometry"),
    "lsoa11_boundaries": ("lsoa11_name", "lsoa11_code", "geometry"),
    "ltla24_boundaries": ("ltla24_name", "ltla24_code", "geometry"),
    "countries_gb": ("ctry_code", "ctry_name", "geometry"),
    "lsoa21_ward24_lookup": ("lsoa21_name", "lsoa21_code", "ward24_name", "ward24_code",
                             "ltla24_name", "ltla24_code"),
    "ltla24_region24_lookup": ("ltla24_name", "ltla24_code", "region24_name", "region24_code"),
    "ltla21_region21_lookup": ("ltla21_name", "ltla21_code", "region21_name", "region21_code"),
    "lsoa11_ltla21_lookup": ("lsoa11_name", "lsoa11_code", "ltla21_name", "ltla21_code"),
    "lsoa11_msoa11_lookup": ("lsoa11_name", "lsoa11_code", "msoa11_name", "msoa11_code"),
    "lsoa11_lsoa21_lookup": ("lsoa11_name", "lsoa11_code", "change_code", "lsoa21_name",
                             "lsoa21_code", "ltla22_name", "ltla22_code"),
    "lsoa21_pwc": ("lsoa21_code", "lat", "lon"),
    "lsoa21_ruc21": ("lsoa21_code", "ruc21_code", "ruc21_name", "urban_rural"),
}

#: a prepared column and the publisher field names (regular expressions, case-insensitive) it
#: may come from, the preferred first
Field = tuple[str, tuple[str, ...]]
#: what the converters read, in messages
_WHAT = "the data"
#: said of repeated codes once exact repeats (ArcGIS pages fetched twice) are dropped
_DIFFERING = "with different values"
#: the data files a zip may hold, the preferred first
_ZIP_KINDS = (".geojson", ".json", ".csv", ".shp", ".gpkg")


# ----------------------------------------------------------------------------- reading
def _fail(path: Path, problem: str) -> ValidationError:
    return ValidationError(f"{path}: {problem}")


def _kind(path: Path) -> str:
    """What ``path`` holds, judged by its first bytes: csv, json, xlsx, zip or gpkg."""
    head = read_head(path, where=str(path))
    if is_zip(head):
        return "xlsx" if "xl/workbook.xml" in zip_members(path, where=str(path)) else "zip"
    if head.startswith(b"SQLite format 3\x00"):
        return "gpkg"
    refuse_web_page(head, where=str(path), what=_WHAT)
    return "json" if text_start(head)[:1] in (b"{", b"[") else "csv"


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Every attribute as text (missing values as ``""``), column names cleaned."""
    out = pd.DataFrame(index=frame.index)
    for col in frame.columns:
        values = frame[col]
        text = values.astype(object).where(values.notna(), "").map(str)
        out[header_text(col)] = text
    return out


def _epsg_of(doc: dict[str, Any]) -> int | None:
    """The CRS a GeoJSON (``crs`` member) or Esri JSON (``spatialReference``) names, if any."""
    ref = doc.get("spatialReference")
    if isinstance(ref, dict):
        wkid = ref.get("latestWkid") or ref.get("wkid")
        if isinstance(wkid, int):
            return 3857 if wkid == 102100 else wkid
    crs = doc.get("crs")
    if isinstance(crs, dict):
        name = str((crs.get("properties") or {}).get("name", ""))
        if "CRS84" in name.upper():
            return WGS84_EPSG
        found = re.search(r"EPSG:*(\d+)", name, re.IGNORECASE)
        if found:
            return int(found.group(1))
    return None


def _esri_polygon(rings: list[Any]) -> BaseGeometry:
    """An Esri JSON polygon (outer rings clockwise, holes anticlockwise) as a shapely geometry."""
    outers: list[Polygon] = []
    holes: list[Polygon] = []
    for ring in rings:
        if len(ring) < 4:
            continue
        ring_geom = shapely.LinearRing(ring)
        (holes if ring_geom.is_ccw else outers).append(Polygon(ring))
    if not outers:  # anticlockwise only: treat every ring as an outer ring
        outers, holes = holes, []
    inner: list[list[Any]] = [[] for _ in outers]
    for hole in holes:
        probe = hole.representative_point()
        home = next((i for i, o in enumerate(outers) if o.contains(probe)), None)
        if home is None:
            outers.append(hole)
            inner.append([])
        else:
            inner[home].append(hole.exterior.coords)
    polys = [Polygon(o.exterior.coords, inner[i]) for i, o in enumerate(outers)]
    return polys[0] if len(polys) == 1 else MultiPolygon(polys)


def _geometry(path: Path, geom: Any) -> BaseGeometry | None:
    """A GeoJSON or Esri JSON geometry object as shapely (``None`` when absent)."""
    if not geom:
        return None
    if not isinstance(geom, dict):
        raise _fail(path, "has a feature whose geometry is not a JSON object")
    try:
        if "type" in geom:
            return shape(geom)
        if "rings" in geom:
            return _esri_polygon(geom["rings"])
        if "x" in geom and "y" in geom:
            if geom["x"] is None or geom["y"] is None:
                return None
            return Point(float(geom["x"]), float(geom["y"]))
    except (TypeError, ValueError, KeyError, AttributeError, GEOSException) as exc:
        raise _fail(path, f"has a feature with a geometry that cannot be read ({exc})") from None
    raise _fail(path, f"has a feature with an unknown kind of geometry ({sorted(geom)[:5]})")


def _from_json(path: Path, data: bytes) -> pd.DataFrame:
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise _fail(path, "is not UTF-8 text, so not the GeoJSON expected") from None
    except json.JSONDecodeError as exc:
        raise _fail(path, f"is not valid JSON (line {exc.lineno}, column {exc.colno}: "
                          f"{exc.msg}); the download was probably cut short") from None
    if isinstance(doc, dict) and "error" in doc:
        err = doc["error"]
        msg = err.get("message", err) if isinstance(err, dict) else err
        raise _fail(path, f"is an error answer from the ArcGIS server, not data: {str(msg)[:200]}")
    features = doc.get("features") if isinstance(doc, dict) else None
    if not isinstance(features, list):
        raise _fail(path, 'is JSON but not a feature collection (it has no "features" list)')
    if not features:
        raise _fail(path, "holds no features")
    rows: list[dict[str, Any]] = []
    geoms: list[BaseGeometry | None] = []
    for feature in features:
        if not isinstance(feature, dict):
            raise _fail(path, "has a feature that is not a JSON object")
        props = feature.get("properties", feature.get("attributes"))
        rows.append(props if isinstance(props, dict) else {})
        geoms.append(_geometry(path, feature.get("geometry")))
    frame = _as_text(pd.DataFrame.from_records(rows))
    if all(g is None for g in geoms):
        return frame
    return _to_wgs84(path, gpd.GeoDataFrame(frame, geometry=geoms, crs=_epsg_of(doc)))


def _to_wgs84(path: Path, gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``gdf`` in EPSG:4326; a file naming no CRS is taken as WGS84, or as British National Grid
    (EPSG:27700) when its coordinates are metres within Great Britain."""
    if gdf.crs is None:
        present = gdf.geometry[gdf.geometry.notna() & ~gdf.geometry.is_empty]
        minx, miny, maxx, maxy = present.total_bounds if len(present) else (0, 0, 0, 0)
        if minx >= -180 and maxx <= 180 and miny >= -90 and maxy <= 90:
            return gdf.set_crs(WGS84)
        if minx >= -1e4 and maxx <= 8e5 and miny >= -1e4 and maxy <= 1.3e6:
            gdf = gdf.set_crs(BNG)
        else:
            raise _fail(path, "names no coordinate reference system and its coordinates are "
                              "neither longitude/latitude nor British National Grid metres")
    try:
        return gdf if gdf.crs.to_epsg() == WGS84_EPSG else gdf.to_crs(WGS84)
    except Exception as exc:  # pyproj errors: an unknown or unusable CRS
        raise _fail(path, f"its coordinates cannot be converted to WGS84 ({exc})") from None


def _ogr(path: Path, target: str) -> pd.DataFrame:
    """A GeoPackage or zipped shapefile/GeoJSON read with GDAL (pyogrio)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            gdf = gpd.read_file(target)
    except Exception as exc:  # pyogrio raises its own DataSourceError and friends
        raise _fail(path, f"cannot be read as a geographic file ({str(exc)[:200]})") from None
    attrs = _as_text(pd.DataFrame(gdf.drop(columns=gdf.geometry.name)))
    if gdf.geometry.isna().all():
        return attrs
    out = gpd.GeoDataFrame(attrs, geometry=gdf.geometry.values, crs=gdf.crs)
    return _to_wgs84(path, out)


def _xlsx(path: Path, anchor: str) -> pd.DataFrame:
    """The first worksheet whose header row (within its first 20 rows) has ``anchor``."""
    want = re.compile(anchor, re.IGNORECASE)
    with open_workbook(path) as book:
        for sheet in book.sheet_names:
            table = sheet_table(book, sheet, where=f"{path.name}, sheet '{sheet}'", scan_rows=20,
                                is_header=lambda name: want.fullmatch(name) is not None)
            if table is not None:
                return table.map(cell_text).astype(object)
    raise _fail(path, f"no worksheet has a header row with a {anchor} column")


def _zip(path: Path) -> pd.DataFrame:
    """A zip holding one data file (GeoJSON, JSON, CSV, shapefile or GeoPackage, in that order of
    preference)."""
    names = zip_members(path, where=str(path))
    member = next((n for ext in _ZIP_KINDS for n in names if n.lower().endswith(ext)), None)
    if member is None:
        raise _fail(path, "is a zip file with no CSV, GeoJSON, shapefile or GeoPackage in it")
    if member.lower().endswith((".shp", ".gpkg")):
        return _ogr(path, f"/vsizip/{path}/{member}")
    data, where = read_data(path, what=_WHAT, pick=lambda _: member, expected=member,
                            where=str(path))
    if member.lower().endswith(".csv"):
        return read_csv(data, where=where, what=_WHAT)
    return _from_json(path, data)


def _read(path: Path, anchor: str = ".*") -> pd.DataFrame:
    """The file's rows: a GeoDataFrame (EPSG:4326) when it carries geometry, else a DataFrame.

    Attributes are text, column names stripped of a byte-order mark and spaces. ``anchor`` is the
    field (regular expression) that marks the header row in a spreadsheet.
    """
    path = Path(path)
    kind = _kind(path)
    if kind == "csv":
        return read_csv(path.read_bytes(), where=str(path), what=_WHAT)
    if kind == "json":
        return _from_json(path, path.read_bytes())
    if kind == "xlsx":
        return _xlsx(path, anchor)
    if kind == "gpkg":
        return _ogr(path, str(path))
    return _zip(path)


def _pick(frame: pd.DataFrame, path: Path, what: str, patterns: Sequence[str]) -> str:
    """The column of ``frame`` matching the first of ``patterns`` that matches (any case)."""
    for pattern in patterns:
        rx = re.compile(pattern, re.IGNORECASE)
        for col in frame.columns:
            if isinstance(col, str) and rx.fullmatch(col):
                return col
    shown = ", ".join(str(c) for c in frame.columns if c != "geometry")
    raise _fail(path, f"has no {' or '.join(patterns)} field (for {what}); the fields it has are: "
                      f"{shown[:400] or 'none'}")


def _table(path: Path, fields: Sequence[Field], *, england: Sequence[str] = (),
           key: str | None = None, what: str = "", anchor: str | None = None,
           frame: pd.DataFrame | None = None) -> pd.DataFrame:
    """A lookup table: ``fields`` picked and renamed, England only, exact duplicates dropped.

    ``frame`` is the file as :func:`_read` gives it, when the caller has read it already.
    """
    if frame is None:
        frame = _read(path, anchor or fields[0][1][0])
    frame = pd.DataFrame(frame.drop(columns="geometry", errors="ignore"))
    cols = {out: _pick(frame, path, out, pats) for out, pats in fields}
    out = pd.DataFrame({o: frame[c].astype(str).str.strip() for o, c in cols.items()})
    if england:
        out = england_rows(out, england, where=str(path))
    out = out.drop_duplicates().reset_index(drop=True)
    if key:
        check_unique(out[key], where=str(path), what=what or key, note=_DIFFERING)
    return out


def _areas(geoms: gpd.GeoSeries, codes: pd.Series, path: Path) -> gpd.GeoSeries:
    """The area geometries, single polygons made MultiPolygons as in the prepared files."""
    missing = geoms.isna() | geoms.is_empty
    if missing.any():
        codes = ", ".join(codes[missing].head(3))
        raise _fail(path, f"{int(missing.sum()):,} feature(s) have no geometry (e.g. {codes})")
    kinds = set(geoms.geom_type)
    if not kinds & {"Polygon", "MultiPolygon"}:
        raise _fail(path, f"holds {', '.join(sorted(kinds))} features, not area boundaries")
    promoted = [MultiPolygon([g]) if g.geom_type == "Polygon" else g for g in geoms]
    return gpd.GeoSeries(promoted, index=geoms.index, crs=WGS84)


def _boundaries(path: Path, dataset: str, fields: Sequence[Field], code: str, *,
                england: bool = True) -> gpd.GeoDataFrame:
    frame = _read(path)
    if not isinstance(frame, gpd.GeoDataFrame):
        raise _fail(path, "has no geometry: a boundary file must be GeoJSON (or a shapefile or "
                          "GeoPackage), not a table of attributes")
    cols = {out: _pick(frame, path, out, pats) for out, pats in fields}
    attrs = pd.DataFrame({o: frame[c].astype(str).str.strip() for o, c in cols.items()},
                         index=frame.index)
    if england:
        attrs = england_rows(attrs, [code], where=str(path))
    check_unique(attrs[code], where=str(path), what=code)
    geoms = _areas(frame.geometry.loc[attrs.index], attrs[code], path)
    out = gpd.GeoDataFrame(attrs, geometry=geoms, crs=WGS84)
    return out.loc[:, list(COLUMNS[dataset])].reset_index(drop=True)


# ----------------------------------------------------------------------------- converters
def convert_lsoa21_boundaries(path: Path) -> Frames:
    """LSOA (December 2021) Boundaries EW BSC → ``lsoa21_boundaries``.

    Seen at: humaniverse/geographr ``data-raw/query-urls.R`` (layer
    ``Lower_layer_Super_Output_Areas_December_2021_Boundaries_EW_BSC_V4``) and
    ``data-raw/boundaries_lsoa21.R`` (reads ``LSOA21CD``, ``LSOA21NM``), the source of the prepared
    file; field list also in ``../shared/docs/publisher-formats.md`` section (d).

    Parameters
    ----------
    path
        GeoJSON FeatureCollection of the layer (35,672 England and Wales features) with fields
        ``LSOA21CD``, ``LSOA21NM`` (any case; ``LSOA21NMW``, ``BNG_E``, ``BNG_N``, ``LAT``,
        ``LONG``, ``GlobalID``, ``FID``/``OBJECTID``, ``Shape__Area``… ignored), or the
        portal's shapefile/GeoPackage download.

    Returns
    -------
    dict
        ``lsoa21_boundaries``: GeoDataFrame in EPSG:4326 (degrees), columns ``lsoa21_name``,
        ``lsoa21_code``, ``geometry`` (MultiPolygon), England only (33,755 rows).
    """
    fields = [("lsoa21_name", ("LSOA21NM",)), ("lsoa21_code", ("LSOA21CD",))]
    return {"lsoa21_boundaries": _boundaries(path, "lsoa21_boundaries", fields, "lsoa21_code")}


def convert_lsoa11_boundaries(path: Path) -> Frames:
    """LSOA (December 2011) Boundaries, super generalised clipped (BSC) EW V3 →
    ``lsoa11_boundaries``.

    Seen at: public scripts querying the layer
    ``LSOA_Dec_2011_Boundaries_Super_Generalised_Clipped_BSC_EW_V3_2022`` (e.g. a
    ``get_lsoa_boundaries`` helper found by code search); field names ``LSOA11CD``, ``LSOA11NM``
    from humaniverse/geographr ``data-raw/boundaries_lsoa11.R``, which read the same product's V3
    export (the source of the prepared file). The ``_2022`` service's own field list was not
    verified, so fields are matched case-insensitively (older 2011 layers used ``lsoa11cd``).

    Parameters
    ----------
    path
        GeoJSON (or shapefile/GeoPackage) with ``LSOA11CD`` and ``LSOA11NM``; 34,753 England and
        Wales features.

    Returns
    -------
    dict
        ``lsoa11_boundaries``: GeoDataFrame in EPSG:4326, columns ``lsoa11_name``,
        ``lsoa11_code``, ``geometry``; England only (32,844 rows). The prepared file was further
        simplified by its redistributor, so the fetched outlines are slightly more detailed.
    """
    fields = [("lsoa11_name", ("LSOA11NM",)), ("lsoa11_code", ("LSOA11CD",))]
    return {"lsoa11_boundaries": _boundaries(path, "lsoa11_boundaries", fields, "lsoa11_code")}


def convert_ltla24_boundaries(path: Path) -> Frames:
    """Local Authority Districts (May 2024) Boundaries UK BUC → ``ltla24_boundaries``.

    Seen at: humaniverse/geographr ``data-raw/query-urls.R`` (layer
    ``Local_Authority_Districts_May_2024_Boundaries_UK_BUC``) and
    ``data-raw/boundaries_ltla24.R`` (reads ``LAD24CD``, ``LAD24NM``).

    Parameters
    ----------
    path
        GeoJSON of the UK layer (361 districts) with ``LAD24CD``, ``LAD24NM`` (other fields
        ignored).

    Returns
    -------
    dict
        ``ltla24_boundaries``: GeoDataFrame in EPSG:4326, columns ``ltla24_name``,
        ``ltla24_code``, ``geometry``; England only (296 districts). Ultra generalised (500 m).
    """
    fields = [("ltla24_name", ("LAD24NM",)), ("ltla24_code", ("LAD24CD",))]
    return {"ltla24_boundaries": _boundaries(path, "ltla24_boundaries", fields, "ltla24_code")}


def convert_countries(path: Path) -> Frames:
    """Countries (December 2022) Boundaries UK BUC → ``countries_gb``.

    Seen at: ONSvisual/geo-scripts ``config/source-files.js`` (service
    ``Countries_December_2022_UK_BUC``, code field prefix ``CTRY``) and public scripts querying
    ``Countries_December_2022_UK_BUC/FeatureServer/0`` for ``CTRY22CD``/``CTRY22NM``; the full
    field list (``CTRY22CD``, ``CTRY22NM``, ``CTRY22NMW``, ``BNG_E``, ``BNG_N``, ``LONG``,
    ``LAT``, ``GlobalID``) is mapped in a public Django boundary loader.

    The outline fetched is ONS's own Countries layer, ultra generalised (500 m) and clipped to the
    coastline. The prepared ``countries_gb_boundaries.parquet`` was instead made by dissolving the
    December 2022 wards (super generalised, 200 m), so the fetched outline is coarser and its
    areas differ slightly from the figures in ``../shared/data/README.md``.

    Parameters
    ----------
    path
        GeoJSON of the layer, 4 features (England, Wales, Scotland, Northern Ireland). The code
        and name fields may carry another year (``CTRY23CD``): country codes do not change.

    Returns
    -------
    dict
        ``countries_gb``: GeoDataFrame in EPSG:4326, columns ``ctry_code``, ``ctry_name``,
        ``geometry`` (MultiPolygon), every country in the file (not cut to England).
    """
    fields = [("ctry_code", ("CTRY22CD", r"CTRY\d\dCD")),
              ("ctry_name", ("CTRY22NM", r"CTRY\d\dNM"))]
    return {"countries_gb": _boundaries(path, "countries_gb", fields, "ctry_code", england=False)}


def convert_lsoa21_ward24(path: Path) -> Frames:
    """LSOA (2021) to Electoral Ward (2024) to LAD (2024) best-fit lookup in EW →
    ``lsoa21_ward24_lookup``.

    Seen at: humaniverse/geographr ``data-raw/query-urls.R`` (layer ``LSOA21_WD24_LAD24_EW_LU``)
    and ``data-raw/lookup_lsoa21_ward24_ltla24.R`` (reads ``LSOA21CD``, ``LSOA21NM``,
    ``WD24CD``, ``WD24NM``, ``LAD24CD``, ``LAD24NM``); the same field names are queried by
    several public scripts.

    Parameters
    ----------
    path
        CSV of the layer's attributes (or its GeoJSON/JSON), one row per LSOA 2021 in England and
        Wales; other fields (``WD24NMW``, ``LAD24NMW``, ``ObjectId``) ignored.

    Returns
    -------
    dict
        ``lsoa21_ward24_lookup``: ``lsoa21_name``, ``lsoa21_code``, ``ward24_name``,
        ``ward24_code``, ``ltla24_name``, ``ltla24_code``; England only (33,755 rows). Best fit:
        each LSOA is in the one ward it falls mostly within.
    """
    fields = [("lsoa21_name", ("LSOA21NM",)), ("lsoa21_code", ("LSOA21CD",)),
              ("ward24_name", ("WD24NM",)), ("ward24_code", ("WD24CD",)),
              ("ltla24_name", ("LAD24NM",)), ("ltla24_code", ("LAD24CD",))]
    frame = _table(path, fields, england=["lsoa21_code"], key="lsoa21_code", what="LSOA 2021")
    return {"lsoa21_ward24_lookup": frame}


def convert_ltla24_region24(path: Path) -> Frames:
    """Local Authority District to Region (December 2024) Lookup in EN →
    ``ltla24_region24_lookup``.

    Seen at: humaniverse/geographr ``data-raw/query-urls.R`` (layer ``LAD24_RGN24_EN_LU``) and
    ``data-raw/lookup_ltla24_region24.R``; a public research note records the portal's CSV
    download exactly: UTF-8 with BOM, header ``LAD24CD,LAD24NM,RGN24CD,RGN24NM,ObjectId``, 296 rows.

    Parameters
    ----------
    path
        That CSV (or the layer's attributes as CSV/JSON).

    Returns
    -------
    dict
        ``ltla24_region24_lookup``: ``ltla24_name``, ``ltla24_code``, ``region24_name``,
        ``region24_code`` (296 rows).
    """
    fields = [("ltla24_name", ("LAD24NM",)), ("ltla24_code", ("LAD24CD",)),
              ("region24_name", ("RGN24NM",)), ("region24_code", ("RGN24CD",))]
    frame = _table(path, fields, england=["ltla24_code"], key="ltla24_code",
                   what="local authority")
    return {"ltla24_region24_lookup": frame}


def convert_ltla21_region21(path: Path) -> Frames:
    """Local Authority District to Region (April 2021) Lookup in England →
    ``ltla21_region21_lookup``.

    Seen at: humaniverse/geographr ``data-raw/lookup_ltla21_region21.R`` (reads ``LAD21CD``,
    ``LAD21NM``, ``RGN21CD``, ``RGN21NM``; the source of the prepared file, then from the retired
    opendata.arcgis.com item ``6a41affae7e345a7b2b86602408ea8a2``); the FeatureServer layer
    ``LAD21_RGN21_EN_LU`` is queried by public scripts (another copy of the service is named
    ``LAD21_RGN21_EN_LU_e39114ca0d934551b012bba304cdd11f``); its CSV also has ``FID``, which a
    public script drops.

    Parameters
    ----------
    path
        CSV (or JSON) of the layer's attributes, 309 rows.

    Returns
    -------
    dict
        ``ltla21_region21_lookup``: ``ltla21_name``, ``ltla21_code``, ``region21_name``,
        ``region21_code`` (309 rows).
    """
    fields = [("ltla21_name", ("LAD21NM",)), ("ltla21_code", ("LAD21CD",)),
              ("region21_name", ("RGN21NM",)), ("region21_code", ("RGN21CD",))]
    frame = _table(path, fields, england=["ltla21_code"], key="ltla21_code",
                   what="local authority")
    return {"ltla21_region21_lookup": frame}


def convert_lsoa11_ltla21(path: Path) -> Frames:
    """Lower Layer Super Output Area (2011) to Ward (2021) to LAD (2021) Lookup in EW (V2) →
    ``lsoa11_ltla21_lookup``.

    Seen at: humaniverse/geographr ``data-raw/query-urls.R`` (an earlier version of this document
    as an ``.xlsx`` item) with ``data-raw/lookup_lsoa11_ltla21.R`` (reads ``LSOA11CD``,
    ``LSOA11NM``, ``LAD21CD``, ``LAD21NM`` with ``read_excel``); public scripts download V2 from
    item ``ff21f0cfbdcc4206906920b3a8858867`` and save it as ``LSOA11_WD21_LAD21_EW_LU_V2.xlsx``
    (and read ``WD21CD``, ``WD21NM`` from it). The sheet name and full column list were not seen,
    so the reader looks for the header row holding ``LSOA11CD`` in any worksheet.

    Parameters
    ----------
    path
        The workbook, or the same table as CSV (``LSOA11_WD21_LAD21_EW_LU.csv``); the England
        layer ``LSOA11_CCG21_STP21_LAD21_EN_LU`` (same four fields) is accepted too.

    Returns
    -------
    dict
        ``lsoa11_ltla21_lookup``: ``lsoa11_name``, ``lsoa11_code``, ``ltla21_name``,
        ``ltla21_code``; England only (32,844 rows).
    """
    fields = [("lsoa11_name", ("LSOA11NM",)), ("lsoa11_code", ("LSOA11CD",)),
              ("ltla21_name", ("LAD21NM",)), ("ltla21_code", ("LAD21CD",))]
    frame = _table(path, fields, england=["lsoa11_code"], key="lsoa11_code", what="LSOA 2011",
                   anchor="LSOA11CD")
    return {"lsoa11_ltla21_lookup": frame}


def convert_lsoa11_msoa11(path: Path) -> Frames:
    """Output Area (2011) to LSOA to MSOA to LAD (December 2011) Lookup in EW →
    ``lsoa11_msoa11_lookup``.

    Seen at: a public Python script querying the FeatureServer layer
    ``OA11_LSOA11_MSOA11_LAD11_EW_LUv2_b3fe7c68f4b2420185eaff6284d4c125`` for ``OA11CD``,
    ``LSOA11CD``; public R scripts reading ``OA11_LSOA11_MSOA11_LAD11_EW_LUv2.csv`` name its eight
    columns in order (OA, LSOA code and name, MSOA code and name, LAD code, name, Welsh name) and
    select ``LAD11NM``, ``LAD11NMW``. humaniverse/geographr ``data-raw/lookup_lsoa11_msoa11.R``
    (the source of the prepared file) read ``LSOA11CD``, ``LSOA11NM``, ``MSOA11CD``,
    ``MSOA11NM`` from an OA-level lookup and kept distinct rows.

    The ONS lookup is OA-level: one row per 2011 output area (181,408 in England and Wales). It is
    reduced to one row per LSOA; every OA of an LSOA lies in the same MSOA (a file where they do
    not is refused).

    Parameters
    ----------
    path
        CSV (or JSON) of the layer's attributes; an LSOA-level file with the same four fields is
        accepted as it is.

    Returns
    -------
    dict
        ``lsoa11_msoa11_lookup``: ``lsoa11_name``, ``lsoa11_code``, ``msoa11_name``,
        ``msoa11_code``; England only (32,844 rows).
    """
    fields = [("lsoa11_name", ("LSOA11NM",)), ("lsoa11_code", ("LSOA11CD",)),
              ("msoa11_name", ("MSOA11NM",)), ("msoa11_code", ("MSOA11CD",))]
    frame = _table(path, fields, england=["lsoa11_code"], key="lsoa11_code", what="LSOA 2011")
    return {"lsoa11_msoa11_lookup": frame}


def convert_lsoa11_lsoa21(path: Path) -> Frames:
    """LSOA (2011) to LSOA (2021) to LAD (2022) exact-fit lookup in EW → ``lsoa11_lsoa21_lookup``.

    Seen at: humaniverse/geographr ``data-raw/query-urls.R`` (layer ``LSOA11_LSOA21_LAD22_EW_LU``)
    and ``data-raw/lookup_lsoa11_lsoa21_ltla22.R``, which reads ``F_LSOA11CD`` (the layer's name
    for the 2011 code; an earlier revision of the script read ``LSOA11CD``), ``LSOA11NM``,
    ``CHGIND``, ``LSOA21CD``, ``LSOA21NM``, ``LAD22CD``, ``LAD22NM``; the portal's CSV download
    (header ``LSOA11CD,LSOA11NM,LSOA21CD,LSOA21NM,CHGIND,LAD22CD,LAD22NM,LAD22NMW,ObjectId``,
    UTF-8 BOM) as stored by LibrariesHacked/geography-db ``data/lsoa11_to_lsoa21_exact.csv``
    (``../shared/docs/publisher-formats.md`` section (e)).

    Parameters
    ----------
    path
        CSV (or JSON) with one row per 2011–2021 LSOA pair and the change indicator ``CHGIND``
        (U unchanged, S split, M merged, X irregular). The best-fit file (one row per 2011 LSOA,
        no ``CHGIND``) cannot give the change codes and is refused.

    Returns
    -------
    dict
        ``lsoa11_lsoa21_lookup``: ``lsoa11_name``, ``lsoa11_code``, ``change_code``,
        ``lsoa21_name``, ``lsoa21_code``, ``ltla22_name``, ``ltla22_code``; rows whose 2011 and
        2021 LSOAs are both English (33,855 rows), exact duplicates dropped.
    """
    fields = [("lsoa11_name", ("LSOA11NM",)), ("lsoa11_code", ("LSOA11CD", "F_LSOA11CD")),
              ("change_code", ("CHGIND",)), ("lsoa21_name", ("LSOA21NM",)),
              ("lsoa21_code", ("LSOA21CD",)), ("ltla22_name", ("LAD22NM",)),
              ("ltla22_code", ("LAD22CD",))]
    frame = _read(path, "(F_)?LSOA11CD")
    if not any(re.fullmatch("CHGIND", str(c), re.IGNORECASE) for c in frame.columns):
        raise _fail(path, "has no CHGIND (change indicator) field: it is the best-fit lookup; "
                          "needsmap needs the exact-fit lookup, which has one row per 2011-2021 "
                          "pair and CHGIND (layer LSOA11_LSOA21_LAD22_EW_LU)")
    frame = _table(path, fields, england=["lsoa11_code", "lsoa21_code"], frame=frame)
    bad = ~frame["change_code"].str.upper().isin(list(CHANGE_CODES))
    if bad.any():
        seen = ", ".join(sorted(set(frame.loc[bad, "change_code"]))[:5])
        raise _fail(path, f"CHGIND has values other than {', '.join(CHANGE_CODES)}: {seen}")
    frame["change_code"] = frame["change_code"].str.upper()
    return {"lsoa11_lsoa21_lookup": frame}


def _degrees(path: Path, x: pd.Series, y: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Longitude and latitude from x/y in degrees or British National Grid metres."""
    xs = pd.to_numeric(x, errors="coerce").to_numpy(dtype=float)
    ys = pd.to_numeric(y, errors="coerce").to_numpy(dtype=float)
    if np.isnan(xs).all() or np.isnan(ys).all():
        raise _fail(path, "its coordinate fields hold no numbers")
    if np.nanmax(np.abs(xs)) <= 180 and np.nanmax(np.abs(ys)) <= 90:
        return xs, ys
    lon, lat = from_bng().transform(xs, ys)
    return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)


def convert_lsoa21_pwc(path: Path) -> Frames:
    """LSOA (December 2021) Population Weighted Centroids (V3) → ``lsoa21_pwc``.

    Seen at: ONSvisual/geo-scripts ``config/source-files.js`` (service
    ``LLSOA_Dec_2021_PWC_for_England_and_Wales_2022``, key ``LSOA``) and public scripts querying
    ``LLSOA_Dec_2021_PWC_for_England_and_Wales_2022/FeatureServer/0``; the portal's CSV export is
    read by public code as ``LSOA21CD``, ``x``, ``y`` (one script takes them as longitude and
    latitude, another as British National Grid metres, so both are accepted); the shapefile is
    ``LSOA_PopCentroids_EW_2021_V3.shp``.

    Parameters
    ----------
    path
        GeoJSON of the point layer (or Esri JSON, shapefile, GeoPackage), or a CSV with
        ``LSOA21CD`` and ``x``/``y`` (or ``LONG``/``LAT``, or ``BNG_E``/``BNG_N``). Coordinates
        whose magnitude is above 180/90 are taken as British National Grid (EPSG:27700) metres.

    Returns
    -------
    dict
        ``lsoa21_pwc``: ``lsoa21_code``, ``lat``, ``lon`` (WGS84 degrees, rounded to 4 decimal
        places, about 10 m); England only (33,755 rows).
    """
    frame = _read(path, "LSOA21CD")
    code_col = _pick(frame, path, "lsoa21_code", ("LSOA21CD",))
    codes = frame[code_col].astype(str).str.strip()
    if isinstance(frame, gpd.GeoDataFrame):
        geoms = frame.geometry
        kinds = set(geoms[geoms.notna()].geom_type)
        if kinds - {"Point"}:
            raise _fail(path, f"holds {', '.join(sorted(kinds))} features, not centroid points")
        ok = geoms.notna().to_numpy()
        lon = np.full(len(frame), np.nan)
        lat = np.full(len(frame), np.nan)
        lon[ok] = shapely.get_x(geoms[ok].to_numpy())
        lat[ok] = shapely.get_y(geoms[ok].to_numpy())
    else:
        pairs = (("x", "y"), ("LONG_?", "LAT"), ("BNG_E", "BNG_N"), ("X_COORD", "Y_COORD"))
        names = {str(c).lower() for c in frame.columns}
        for xp, yp in pairs:
            if any(re.fullmatch(xp, n, re.IGNORECASE) for n in names) and yp.lower() in names:
                x_col = _pick(frame, path, "longitude", (xp,))
                y_col = _pick(frame, path, "latitude", (yp,))
                break
        else:
            raise _fail(path, "has no coordinates: expected x and y (or LONG and LAT, or BNG_E "
                              "and BNG_N) fields, or point geometries")
        lon, lat = _degrees(path, frame[x_col], frame[y_col])
    out = pd.DataFrame({"lsoa21_code": codes.to_numpy(), "lat": lat, "lon": lon})
    out = england_rows(out, ["lsoa21_code"], where=str(path))
    missing = out["lat"].isna() | out["lon"].isna()
    if missing.any():
        raise _fail(path, f"{int(missing.sum()):,} centroid(s) have no coordinates "
                          f"(e.g. {', '.join(out.loc[missing, 'lsoa21_code'].head(3))})")
    out["lat"] = out["lat"].round(4)
    out["lon"] = out["lon"].round(4)
    out = out.drop_duplicates().reset_index(drop=True)
    check_unique(out["lsoa21_code"], where=str(path), what="LSOA 2021", note=_DIFFERING)
    return {"lsoa21_pwc": out}


def convert_lsoa21_ruc21(path: Path) -> Frames:
    """Rural Urban Classification (2021) of LSOAs in EW → ``lsoa21_ruc21``.

    Seen at: humaniverse/geographr ``data-raw/query-urls.R`` (layer ``LSOA21_RUC21_EW_LU``) and
    ``data-raw/ruc21_lsoa21.R`` (reads ``LSOA21CD``, ``RUC21CD``, ``RUC21NM``,
    ``Urban_rural_flag``), the source of the prepared file; a public script queries the same four
    fields. A shapefile-derived copy truncates the flag to ``Urban_rura``, also accepted.

    Parameters
    ----------
    path
        CSV (or JSON) of the layer's attributes, one row per LSOA 2021 in England and Wales.

    Returns
    -------
    dict
        ``lsoa21_ruc21``: ``lsoa21_code``, ``ruc21_code`` (UN1, UF1, RLN1, RLF1, RSN1, RSF1),
        ``ruc21_name``, ``urban_rural`` (Urban or Rural); England only (33,755 rows).
    """
    fields = [("lsoa21_code", ("LSOA21CD",)), ("ruc21_code", ("RUC21CD",)),
              ("ruc21_name", ("RUC21NM",)),
              ("urban_rural", ("Urban_rural_flag", r"Urban_rura\w*", r"Urban_?rural\w*"))]
    frame = _table(path, fields, england=["lsoa21_code"], key="lsoa21_code", what="LSOA 2021")
    return {"lsoa21_ruc21": frame}


# ----------------------------------------------------------------------------- registry
def _layer(service: str) -> str:
    return f"{ARCGIS}{service}/FeatureServer/0"


SOURCES: tuple[Source, ...] = (
    Source(
        id="ons_lsoa21_bsc",
        title="Lower layer Super Output Areas (December 2021) Boundaries EW BSC (V4)",
        publisher="Office for National Statistics (Open Geography Portal)",
        url=_layer("Lower_layer_Super_Output_Areas_December_2021_Boundaries_EW_BSC_V4"),
        file_name="Lower_layer_Super_Output_Areas_December_2021_Boundaries_EW_BSC_V4.geojson",
        format="geojson", datasets=("lsoa21_boundaries",), convert=convert_lsoa21_boundaries,
        attribution=_OS,
        landing_page=(f"{PORTAL}datasets/ons::lower-layer-super-output-areas-december-2021-"
                      "boundaries-super-generalised-clipped-ew-bsc"),
        name_patterns=("lower_layer_super_output_areas_december_2021_boundaries_ew_bsc*",
                       "lower_layer_super_output_areas_(december_2021)_boundaries_ew_bsc*",
                       "lsoa_2021_ew_bsc*", "lsoa_dec_2021_*bsc*"),
        download="arcgis",
        seen_at=f"{_GEOGRAPHR}; humaniverse/geographr data-raw/boundaries_lsoa21.R",
    ),
    Source(
        id="ons_lsoa11_bsc",
        title=("Lower layer Super Output Areas (December 2011) Boundaries Super Generalised "
               "Clipped (BSC) EW V3"),
        publisher="Office for National Statistics (Open Geography Portal)",
        url=_layer("LSOA_Dec_2011_Boundaries_Super_Generalised_Clipped_BSC_EW_V3_2022"),
        file_name="LSOA_Dec_2011_Boundaries_Super_Generalised_Clipped_BSC_EW_V3_2022.geojson",
        format="geojson", datasets=("lsoa11_boundaries",), convert=convert_lsoa11_boundaries,
        attribution=_OS,
        landing_page=(f"{PORTAL}datasets/ons::lower-layer-super-output-areas-december-2011-"
                      "boundaries-super-generalised-clipped-bsc-ew-v3/about"),
        name_patterns=("lsoa_dec_2011_boundaries_super_generalised*",
                       "lower_layer_super_output_areas_december_2011_boundaries_*bsc*",
                       "lower_layer_super_output_areas_(december_2011)_boundaries_*bsc*",
                       "lsoa_2011_ew_bsc*"),
        download="arcgis",
        seen_at=("public scripts querying LSOA_Dec_2011_Boundaries_Super_Generalised_Clipped_"
                 "BSC_EW_V3_2022/FeatureServer/0; fields from humaniverse/geographr "
                 "data-raw/boundaries_lsoa11.R (V3 export); this service's field list not "
                 "verified"),
    ),
    Source(
        id="ons_lad24_buc",
        title="Local Authority Districts (May 2024) Boundaries UK BUC",
        publisher="Office for National Statistics (Open Geography Portal)",
        url=_layer("Local_Authority_Districts_May_2024_Boundaries_UK_BUC"),
        file_name="Local_Authority_Districts_May_2024_Boundaries_UK_BUC.geojson",
        format="geojson", datasets=("ltla24_boundaries",), convert=convert_ltla24_boundaries,
        attribution=_OS,
        landing_page=(f"{PORTAL}datasets/ons::local-authority-districts-may-2024-boundaries-"
                      "uk-buc-2/about"),
        name_patterns=("local_authority_districts_may_2024_boundaries_uk_buc*",
                       "local_authority_districts_(may_2024)_boundaries_uk_buc*",
                       "lad_may_2024_uk_buc*"),
        download="arcgis",
        seen_at=f"{_GEOGRAPHR}; humaniverse/geographr data-raw/boundaries_ltla24.R",
    ),
    Source(
        id="ons_countries22_buc",
        title="Countries (December 2022) Boundaries UK BUC",
        publisher="Office for National Statistics (Open Geography Portal)",
        url=_layer("Countries_December_2022_UK_BUC"),
        file_name="Countries_December_2022_UK_BUC.geojson",
        format="geojson", datasets=("countries_gb",), convert=convert_countries,
        attribution=_OS,
        landing_page=f"{PORTAL}search?q=Countries%20December%202022%20Boundaries%20UK%20BUC",
        name_patterns=("countries_december_2022_*buc*", "countries_(december_2022)_*buc*",
                       "ctry_dec_2022_uk_buc*"),
        download="arcgis",
        seen_at=("ONSvisual/geo-scripts config/source-files.js (Countries_December_2022_UK_BUC); "
                 "public scripts querying it for CTRY22CD, CTRY22NM"),
    ),
    Source(
        id="ons_lsoa21_wd24_lad24",
        title="LSOA (2021) to Electoral Ward (2024) to LAD (2024) Best Fit Lookup in EW",
        publisher="Office for National Statistics (Open Geography Portal)",
        url=_layer("LSOA21_WD24_LAD24_EW_LU"),
        file_name="LSOA21_WD24_LAD24_EW_LU.csv",
        format="csv", datasets=("lsoa21_ward24_lookup",), convert=convert_lsoa21_ward24,
        attribution=_ONS,
        landing_page=(f"{PORTAL}datasets/ons::lsoa-2021-to-electoral-ward-2024-to-lad-2024-"
                      "best-fit-lookup-in-ew/about"),
        name_patterns=("lsoa21_wd24_lad24_ew_lu*",
                       "lsoa_(2021)_to_electoral_ward_(2024)_to_lad_(2024)*"),
        header=("LSOA21CD", "WD24CD", "LAD24CD"),
        download="arcgis",
        seen_at=f"{_GEOGRAPHR}; humaniverse/geographr data-raw/lookup_lsoa21_ward24_ltla24.R",
    ),
    Source(
        id="ons_lad24_rgn24",
        title="Local Authority District to Region (December 2024) Lookup in EN",
        publisher="Office for National Statistics (Open Geography Portal)",
        url=_layer("LAD24_RGN24_EN_LU"),
        file_name="LAD24_RGN24_EN_LU.csv",
        format="csv", datasets=("ltla24_region24_lookup",), convert=convert_ltla24_region24,
        attribution=_ONS,
        landing_page=(f"{PORTAL}datasets/ons::local-authority-district-to-region-december-"
                      "2024-lookup-in-en/about"),
        name_patterns=("lad24_rgn24_en_lu*",
                       "local_authority_district_to_region_(december_2024)*"),
        header=("LAD24CD", "RGN24CD"),
        download="arcgis",
        seen_at=f"{_GEOGRAPHR}; humaniverse/geographr data-raw/lookup_ltla24_region24.R",
    ),
    Source(
        id="ons_lad21_rgn21",
        title="Local Authority District to Region (April 2021) Lookup in England",
        publisher="Office for National Statistics (Open Geography Portal)",
        url=_layer("LAD21_RGN21_EN_LU"),
        file_name="LAD21_RGN21_EN_LU.csv",
        format="csv", datasets=("ltla21_region21_lookup",), convert=convert_ltla21_region21,
        attribution=_ONS,
        landing_page=(f"{PORTAL}datasets/ons::local-authority-district-to-region-april-2021-"
                      "lookup-in-england/about"),
        name_patterns=("lad21_rgn21_en_lu*",
                       "local_authority_district_to_region_(april_2021)*"),
        header=("LAD21CD", "RGN21CD"),
        download="arcgis",
        seen_at=("public scripts querying LAD21_RGN21_EN_LU/FeatureServer/0; fields from "
                 "humaniverse/geographr data-raw/lookup_ltla21_region21.R"),
    ),
    Source(
        id="ons_lsoa11_wd21_lad21",
        title="Lower Layer Super Output Area (2011) to Ward (2021) to LAD (2021) Lookup in "
              "England and Wales V2",
        publisher="Office for National Statistics (Open Geography Portal)",
        url=("https://www.arcgis.com/sharing/rest/content/items/"
             "ff21f0cfbdcc4206906920b3a8858867/data"),
        file_name="LSOA11_WD21_LAD21_EW_LU_V2.xlsx",
        format="xlsx", datasets=("lsoa11_ltla21_lookup",), convert=convert_lsoa11_ltla21,
        attribution=_ONS,
        landing_page=f"{PORTAL}documents/ff21f0cfbdcc4206906920b3a8858867/about",
        name_patterns=("lsoa11_wd21_lad21_ew_lu*",
                       "lower_layer_super_output_area_(2011)_to_ward_(2021)_to_lad_(2021)*",
                       "lsoa11_ccg21_stp21_lad21_en_lu*"),
        header=("LSOA11CD", "LAD21CD"),
        download="file",
        seen_at=("public scripts downloading item ff21f0cfbdcc4206906920b3a8858867 as "
                 "LSOA11_WD21_LAD21_EW_LU_V2.xlsx; fields from humaniverse/geographr "
                 "data-raw/lookup_lsoa11_ltla21.R (V1 of the same document); sheet layout not "
                 "verified"),
    ),
    Source(
        id="ons_oa11_lsoa11_msoa11",
        title="Output Area to LSOA to MSOA to Local Authority District (December 2011) Lookup "
              "in England and Wales",
        publisher="Office for National Statistics (Open Geography Portal)",
        url=_layer("OA11_LSOA11_MSOA11_LAD11_EW_LUv2_b3fe7c68f4b2420185eaff6284d4c125"),
        file_name="OA11_LSOA11_MSOA11_LAD11_EW_LUv2.csv",
        format="csv", datasets=("lsoa11_msoa11_lookup",), convert=convert_lsoa11_msoa11,
        attribution=_ONS,
        landing_page=(f"{PORTAL}search?q=Output%20Area%20to%20LSOA%20to%20MSOA%20to%20Local%20"
                      "Authority%20District%20December%202011%20Lookup"),
        name_patterns=("oa11_lsoa11_msoa11_lad11_ew_lu*",
                       "output_area_to_lower_layer_super_output_area_to_middle_layer_super_"
                       "output_area_to_local_authority_district_(december_2011)*"),
        header=("LSOA11CD", "MSOA11CD"),
        download="arcgis",
        seen_at=("public scripts querying OA11_LSOA11_MSOA11_LAD11_EW_LUv2_b3fe7c68f4b2420185eaff"
                 "6284d4c125/FeatureServer/0 and reading OA11_LSOA11_MSOA11_LAD11_EW_LUv2.csv; "
                 "humaniverse/geographr data-raw/lookup_lsoa11_msoa11.R"),
    ),
    Source(
        id="ons_lsoa11_lsoa21_lad22",
        title="LSOA (2011) to LSOA (2021) to Local Authority District (2022) Exact Fit Lookup "
              "for EW",
        publisher="Office for National Statistics (Open Geography Portal)",
        url=_layer("LSOA11_LSOA21_LAD22_EW_LU"),
        file_name="LSOA11_LSOA21_LAD22_EW_LU.csv",
        format="csv", datasets=("lsoa11_lsoa21_lookup",), convert=convert_lsoa11_lsoa21,
        attribution=_ONS,
        landing_page=(f"{PORTAL}datasets/lsoa-2011-to-lsoa-2021-to-local-authority-district-"
                      "2022-lookup-for-england-and-wales-version-2/about"),
        name_patterns=("lsoa11_lsoa21_lad22_ew_lu*",
                       "lsoa_(2011)_to_lsoa_(2021)_to_local_authority_district_(2022)_exact_fit*"),
        header=("LSOA21CD", "CHGIND", "LAD22CD"),
        download="arcgis",
        seen_at=(f"{_GEOGRAPHR}; humaniverse/geographr data-raw/lookup_lsoa11_lsoa21_ltla22.R; "
                 "LibrariesHacked/geography-db data/lsoa11_to_lsoa21_exact.csv"),
    ),
    Source(
        id="ons_lsoa21_pwc",
        title="LSOA (December 2021) Population Weighted Centroids for England and Wales (V3)",
        publisher="Office for National Statistics (Open Geography Portal)",
        url=_layer("LLSOA_Dec_2021_PWC_for_England_and_Wales_2022"),
        file_name="LLSOA_Dec_2021_PWC_for_England_and_Wales_2022.geojson",
        format="geojson", datasets=("lsoa21_pwc",), convert=convert_lsoa21_pwc,
        attribution=_OS,
        landing_page=(f"{PORTAL}search?q=Lower%20layer%20Super%20Output%20Areas%20December%20"
                      "2021%20Population%20Weighted%20Centroids"),
        name_patterns=("llsoa_dec_2021_pwc_for_england_and_wales*",
                       "lsoa_popcentroids_ew_2021*",
                       "lower_layer_super_output_areas_(december_2021)_population_weighted*"),
        header=("LSOA21CD", "x", "y"),
        download="arcgis",
        seen_at=("ONSvisual/geo-scripts config/source-files.js "
                 "(LLSOA_Dec_2021_PWC_for_England_and_Wales_2022); public scripts reading its "
                 "CSV export as LSOA21CD, x, y"),
    ),
    Source(
        id="ons_lsoa21_ruc21",
        title="Rural Urban Classification (2021) of LSOAs in EW",
        publisher="Office for National Statistics (Open Geography Portal)",
        url=_layer("LSOA21_RUC21_EW_LU"),
        file_name="LSOA21_RUC21_EW_LU.csv",
        format="csv", datasets=("lsoa21_ruc21",), convert=convert_lsoa21_ruc21,
        attribution=_ONS,
        landing_page=f"{PORTAL}datasets/ons::rural-urban-classification-2021-of-lsoas-in-ew/about",
        name_patterns=("lsoa21_ruc21_ew_lu*",
                       "rural_urban_classification_(2021)_of_lsoas_in_ew*"),
        header=("LSOA21CD", "RUC21CD"),
        download="arcgis",
        seen_at=f"{_GEOGRAPHR}; humaniverse/geographr data-raw/ruc21_lsoa21.R",
    ),
)
