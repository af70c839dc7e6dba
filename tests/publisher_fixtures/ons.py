"""ONS Open Geography Portal files rebuilt from the prepared data, in the publishers' formats.

Each builder writes what ``needsmap data fetch`` saves for the source (a GeoJSON FeatureCollection
as the ArcGIS FeatureServer gives it, full-precision coordinates, single-part areas as
``Polygon``), or what the portal's CSV download gives for a table layer (UTF-8 byte-order mark,
the layer's field names, ``ObjectId``/``FID``), with the values of ``../shared/data``. Fields the
prepared data does not carry are filled with plausible values (``GlobalID`` a UUID, ``BNG_E`` and
``BNG_N`` the grid reference of an interior point, synthetic output-area codes) or left blank
(Welsh names, ward codes of 2021).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import MultiPolygon, mapping
from shapely.geometry.base import BaseGeometry

from needsmap.data.sources.ons import SOURCES
from tests.publisher_fixtures._common import FULL, prepared, write_csv, write_workbook

_BY_ID = {s.id: s for s in SOURCES}

#: dataset id -> key column, for fixtures holding only some of the prepared rows
PARTIAL: dict[str, str] = {} if FULL else {
    "lsoa21_boundaries": "lsoa21_code",
    "lsoa11_boundaries": "lsoa11_code",
    "lsoa11_ltla21_lookup": "lsoa11_code",
}

#: every n-th row of the big tables goes into the partial fixtures (keeps the tests fast)
STEP = 1 if FULL else 20


def _out(out_dir: Path, source_id: str) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    return out_dir / _BY_ID[source_id].file_name


def _table(shared: Path, dataset: str) -> pd.DataFrame:
    return prepared(shared, dataset, dtype=str, keep_default_na=False)


def _global_id(code: str) -> str:
    return "{" + str(uuid.uuid5(uuid.NAMESPACE_URL, f"ons:{code}")).upper() + "}"


def _geometry(geom: BaseGeometry) -> dict[str, Any]:
    """GeoJSON geometry as ArcGIS writes it: a one-part area as a Polygon, full precision."""
    if isinstance(geom, MultiPolygon) and len(geom.geoms) == 1:
        geom = geom.geoms[0]
    return json.loads(json.dumps(mapping(geom)))


def _centres(gdf: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """An interior point of each area: longitude, latitude, BNG easting, BNG northing."""
    pts = gdf.geometry.representative_point()
    bng = pts.to_crs(27700)
    return (pts.x.round(5).to_numpy(), pts.y.round(5).to_numpy(),
            bng.x.round().astype(int).to_numpy(), bng.y.round().astype(int).to_numpy())


def _write_geojson(path: Path, features: list[dict[str, Any]]) -> Path:
    with open(path, "w", encoding="utf-8") as fh:
        json.dump({"type": "FeatureCollection", "features": features}, fh)
    return path


def _area_layer(path: Path, gdf: gpd.GeoDataFrame, code: str, name: str, prefix: str,
                *, lon_field: str = "LONG", welsh: dict[str, str] | None = None) -> Path:
    """An ArcGIS boundary layer as GeoJSON: FID, code, name, Welsh name, BNG, LONG/LAT, GlobalID."""
    lon, lat, east, north = _centres(gdf)
    features = []
    for i, row in enumerate(gdf.itertuples(index=False)):
        code_value = str(getattr(row, code))
        props = {
            "FID": i + 1,
            f"{prefix}CD": code_value,
            f"{prefix}NM": str(getattr(row, name)),
            f"{prefix}NMW": (welsh or {}).get(code_value, ""),
            "BNG_E": int(east[i]), "BNG_N": int(north[i]),
            lon_field: float(lon[i]), "LAT": float(lat[i]),
            "GlobalID": _global_id(code_value),
        }
        features.append({"type": "Feature", "id": i + 1, "geometry": _geometry(row.geometry),
                         "properties": props})
    return _write_geojson(path, features)


def _portal_csv(path: Path, frame: pd.DataFrame) -> Path:
    """The portal's CSV download: UTF-8 with a byte-order mark, LF line ends."""
    return write_csv(path, frame, bom=True, newline="\n")


# ----------------------------------------------------------------------------- builders
def build_lsoa21_bsc(shared: Path, out_dir: Path) -> Path:
    """Every ``STEP``-th LSOA 2021 of the prepared boundaries, as the BSC layer's GeoJSON."""
    gdf = prepared(shared, "lsoa21_boundaries").iloc[::STEP]
    return _area_layer(_out(out_dir, "ons_lsoa21_bsc"), gdf, "lsoa21_code", "lsoa21_name",
                       "LSOA21")


def build_lsoa11_bsc(shared: Path, out_dir: Path) -> Path:
    """Every ``STEP``-th LSOA 2011 (and the one stored as a GeometryCollection), as GeoJSON."""
    gdf = prepared(shared, "lsoa11_boundaries")
    keep = np.zeros(len(gdf), dtype=bool)
    keep[::STEP] = True
    keep |= (gdf.geom_type != "MultiPolygon").to_numpy()
    return _area_layer(_out(out_dir, "ons_lsoa11_bsc"), gdf.loc[keep], "lsoa11_code",
                       "lsoa11_name", "LSOA11", lon_field="LONG_")


def build_lad24_buc(shared: Path, out_dir: Path) -> Path:
    """All 296 English districts as the UK BUC layer's GeoJSON."""
    gdf = prepared(shared, "ltla24_boundaries")
    return _area_layer(_out(out_dir, "ons_lad24_buc"), gdf, "ltla24_code", "ltla24_name",
                       "LAD24")


def build_countries22_buc(shared: Path, out_dir: Path) -> Path:
    """The four country outlines as the Countries December 2022 layer's GeoJSON."""
    gdf = prepared(shared, "countries_gb")
    welsh = {"E92000001": "Lloegr", "W92000004": "Cymru", "S92000003": "Yr Alban",
             "N92000002": "Gogledd Iwerddon"}
    return _area_layer(_out(out_dir, "ons_countries22_buc"), gdf, "ctry_code", "ctry_name",
                       "CTRY22", welsh=welsh)


def build_lsoa21_wd24_lad24(shared: Path, out_dir: Path) -> Path:
    t = _table(shared, "lsoa21_ward24_lookup")
    frame = pd.DataFrame({
        "LSOA21CD": t["lsoa21_code"], "LSOA21NM": t["lsoa21_name"],
        "WD24CD": t["ward24_code"], "WD24NM": t["ward24_name"], "WD24NMW": "",
        "LAD24CD": t["ltla24_code"], "LAD24NM": t["ltla24_name"], "LAD24NMW": "",
        "ObjectId": np.arange(1, len(t) + 1),
    })
    return _portal_csv(_out(out_dir, "ons_lsoa21_wd24_lad24"), frame)


def build_lad24_rgn24(shared: Path, out_dir: Path) -> Path:
    t = _table(shared, "ltla24_region24_lookup")
    frame = pd.DataFrame({
        "LAD24CD": t["ltla24_code"], "LAD24NM": t["ltla24_name"],
        "RGN24CD": t["region24_code"], "RGN24NM": t["region24_name"],
        "ObjectId": np.arange(1, len(t) + 1),
    })
    return _portal_csv(_out(out_dir, "ons_lad24_rgn24"), frame)


def build_lad21_rgn21(shared: Path, out_dir: Path) -> Path:
    t = _table(shared, "ltla21_region21_lookup")
    frame = pd.DataFrame({
        "FID": np.arange(1, len(t) + 1),
        "LAD21CD": t["ltla21_code"], "LAD21NM": t["ltla21_name"],
        "RGN21CD": t["region21_code"], "RGN21NM": t["region21_name"],
    })
    return _portal_csv(_out(out_dir, "ons_lad21_rgn21"), frame)


def build_lsoa11_wd21_lad21(shared: Path, out_dir: Path) -> Path:
    """Every ``STEP``-th LSOA 2011 as the V2 workbook (one sheet, header in the first row)."""
    t = _table(shared, "lsoa11_ltla21_lookup").iloc[::STEP]
    rows: list[list[object]] = [["LSOA11CD", "LSOA11NM", "WD21CD", "WD21NM", "WD21NMW", "LAD21CD",
                                 "LAD21NM", "LAD21NMW", "FID"]]
    for i, row in enumerate(t.itertuples(index=False)):
        rows.append([row.lsoa11_code, row.lsoa11_name, None, None, None, row.ltla21_code,
                     row.ltla21_name, None, i + 1])
    return write_workbook(_out(out_dir, "ons_lsoa11_wd21_lad21"),
                          [("LSOA11_WD21_LAD21_EW_LU", rows)])


def build_oa11_lsoa11_msoa11(shared: Path, out_dir: Path) -> Path:
    """One row per (synthetic) output area: two OAs for every third LSOA, one for the others."""
    t = _table(shared, "lsoa11_msoa11_lookup")
    reps = np.where(np.arange(len(t)) % 3 == 0, 2, 1)
    t = t.loc[t.index.repeat(reps)].reset_index(drop=True)
    frame = pd.DataFrame({
        "OA11CD": [f"E00{i:06d}" for i in range(1, len(t) + 1)],
        "LSOA11CD": t["lsoa11_code"], "LSOA11NM": t["lsoa11_name"],
        "MSOA11CD": t["msoa11_code"], "MSOA11NM": t["msoa11_name"],
        "LAD11CD": "", "LAD11NM": "", "LAD11NMW": "",
        "ObjectId": np.arange(1, len(t) + 1),
    })
    return _portal_csv(_out(out_dir, "ons_oa11_lsoa11_msoa11"), frame)


def build_lsoa11_lsoa21_lad22(shared: Path, out_dir: Path) -> Path:
    """The exact-fit lookup with the portal CSV's header (as in the real sample)."""
    t = _table(shared, "lsoa11_lsoa21_lookup")
    frame = pd.DataFrame({
        "LSOA11CD": t["lsoa11_code"], "LSOA11NM": t["lsoa11_name"],
        "LSOA21CD": t["lsoa21_code"], "LSOA21NM": t["lsoa21_name"],
        "CHGIND": t["change_code"],
        "LAD22CD": t["ltla22_code"], "LAD22NM": t["ltla22_name"], "LAD22NMW": "",
        "ObjectId": np.arange(1, len(t) + 1),
    })
    return _portal_csv(_out(out_dir, "ons_lsoa11_lsoa21_lad22"), frame)


def build_lsoa21_pwc(shared: Path, out_dir: Path) -> Path:
    """The centroids as the point layer's GeoJSON (coordinates as prepared, 4 decimals)."""
    t = prepared(shared, "lsoa21_pwc", dtype={"lsoa21_code": str})
    features = [
        {"type": "Feature", "id": i + 1,
         "geometry": {"type": "Point", "coordinates": [float(r.lon), float(r.lat)]},
         "properties": {"FID": i + 1, "LSOA21CD": r.lsoa21_code,
                        "GlobalID": _global_id(r.lsoa21_code)}}
        for i, r in enumerate(t.itertuples(index=False))
    ]
    return _write_geojson(_out(out_dir, "ons_lsoa21_pwc"), features)


def build_lsoa21_ruc21(shared: Path, out_dir: Path) -> Path:
    t = _table(shared, "lsoa21_ruc21")
    frame = pd.DataFrame({
        "LSOA21CD": t["lsoa21_code"], "RUC21CD": t["ruc21_code"], "RUC21NM": t["ruc21_name"],
        "Urban_rural_flag": t["urban_rural"], "ObjectId": np.arange(1, len(t) + 1),
    })
    return _portal_csv(_out(out_dir, "ons_lsoa21_ruc21"), frame)


BUILDERS: dict[str, Callable[[Path, Path], Path]] = {
    "ons_lsoa21_bsc": build_lsoa21_bsc,
    "ons_lsoa11_bsc": build_lsoa11_bsc,
    "ons_lad24_buc": build_lad24_buc,
    "ons_countries22_buc": build_countries22_buc,
    "ons_lsoa21_wd24_lad24": build_lsoa21_wd24_lad24,
    "ons_lad24_rgn24": build_lad24_rgn24,
    "ons_lad21_rgn21": build_lad21_rgn21,
    "ons_lsoa11_wd21_lad21": build_lsoa11_wd21_lad21,
    "ons_oa11_lsoa11_msoa11": build_oa11_lsoa11_msoa11,
    "ons_lsoa11_lsoa21_lad22": build_lsoa11_lsoa21_lad22,
    "ons_lsoa21_pwc": build_lsoa21_pwc,
    "ons_lsoa21_ruc21": build_lsoa21_ruc21,
}
