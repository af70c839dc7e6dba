"""LSOA boundaries as a static, compact, pre-gzipped tileset for the browser map (and its decoder).

A tileset is a few files (a JSON index, a generalised national level and one detail tile per local
authority) that never change once written, so the browser fetches them once and caches them; each
map view then sends only per-LSOA values. The byte layout is the map-transport contract shared with
the browser component (``needsmap.ui.map_component``):

``NMG1`` geometry file, little-endian: magic (4 bytes), u32 polygons, u32 rings, u32 vertices, f64
scale (degrees per unit), i32 x0, i32 y0, then u32 feature index per polygon, u32 ring count per
polygon (exterior first, then holes), u32 vertex count per ring (closing vertex not repeated) and
i32 x, y deltas per vertex (vertex k = vertex k-1 + delta; the first = (x0, y0) + delta).

Pure functions: nothing here reads or writes files (see :mod:`needsmap.data.map_assets`).
"""

from __future__ import annotations

import gzip
import json
import math
import struct
from collections.abc import Mapping
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from needsmap.crs import BNG, WGS84, WGS84_EPSG

__all__ = [
    "DETAIL_SCALE", "DETAIL_ZOOM", "FORMAT", "INDEX_FILE", "MAGIC", "NATIONAL_FILE", "NATIONAL_SCALE",
    "NATIONAL_TOLERANCE_M", "DecodedGeometry", "DecodedTileset", "decode_geometry", "decode_tileset",
    "encode_geometry", "encode_tileset", "national_level", "tile_file",
]

#: version of the tileset layout (index and geometry files); bump on any change of either
FORMAT = 1
MAGIC = b"NMG1"
_HEADER = struct.Struct("<4sIIIdii")  # 32 bytes: every array after it starts 4-byte aligned
INDEX_FILE = "index.json.gz"
NATIONAL_FILE = "national.bin.gz"
#: degrees per coordinate unit: 1e-4 deg is 7 m east-west and 11 m north-south in England, far below
#: a pixel at the zooms the national level is drawn; 1e-5 (about 1 m) keeps the staged detail whole
NATIONAL_SCALE = 1e-4
DETAIL_SCALE = 1e-5
#: generalisation of the national level (metres, ``shapely.coverage_simplify`` in EPSG:27700).
#: The staged boundaries are already generalised (BSC, about 390,000 vertices for LSOA 2021); at 500 m
#: a third of the vertices go: national.bin.gz of LSOA 2021 is 0.85 MB, against 1.12 MB unsimplified
#: and 1.00 MB at 300 m (the browser fetches it for every first England view); 1,000 m saves only
#: 0.11 MB more but moves shapes twice as far. Measured on LSOA 2021, 99% of LSOAs move less than about
#: 800 m (Hausdorff distance): under one pixel at England's zoom (about 1.2 km a pixel), about two at
#: :data:`DETAIL_ZOOM`, where the staged detail takes over. It is also the old England map's
#: tolerance, so the national picture looks as it did, without the old map's gaps between neighbours.
NATIONAL_TOLERANCE_M = 500.0
#: at this zoom and above the browser draws the detail tiles in view (one pixel is about 370 m in
#: England at zoom 7, 186 m at zoom 8); a region opens near zoom 7.5, a local authority near 10
DETAIL_ZOOM = 7.0
_GZIP_LEVEL = 9


def tile_file(tile_id: str) -> str:
    """File name of the detail tile ``tile_id`` (a local authority code)."""
    return f"tile-{tile_id}.bin.gz"


def _gzip(raw: bytes) -> bytes:
    # mtime=0: the same content gives the same bytes, so files are reproducible
    return gzip.compress(raw, compresslevel=_GZIP_LEVEL, mtime=0)


def _polygons(geometries: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Polygon parts of each geometry and the index of the geometry each came from.

    Multi-part geometries and collections are taken apart (recursively); lines and points that a
    repair left in a collection are dropped (they have no area to fill).
    """
    parts, owner = shapely.get_parts(geometries, return_index=True)
    while True:
        kinds = shapely.get_type_id(parts)
        multi = np.isin(kinds, (4, 5, 6, 7))
        if not multi.any():
            break
        sub, where = shapely.get_parts(parts[multi], return_index=True)
        parts = np.concatenate([parts[~multi], sub])
        owner = np.concatenate([owner[~multi], owner[multi][where]])
        order = np.argsort(owner, kind="stable")
        parts, owner = parts[order], owner[order]
    keep = (shapely.get_type_id(parts) == 3) & ~shapely.is_empty(parts)
    return parts[keep], owner[keep]


def encode_geometry(geometries: np.ndarray | gpd.GeoSeries, features: np.ndarray, *,
                    scale: float) -> bytes:
    """Encode polygons as one ``NMG1`` geometry file (not yet gzipped).

    Parameters
    ----------
    geometries
        Polygons or multipolygons in EPSG:4326 (lon, lat degrees), shape ``(n,)``.
    features
        Feature index of each geometry (into the tileset's ``codes``), shape ``(n,)``, values < 2**32.
    scale
        Degrees per coordinate unit (:data:`NATIONAL_SCALE` or :data:`DETAIL_SCALE`); coordinates
        are rounded to the nearest unit.

    Returns
    -------
    bytes
        The file: 32-byte header, then the polygon, ring and vertex arrays (see the module docstring).
        Each polygon part becomes one row; its first ring is the exterior, the rest its holes.

    Raises
    ------
    ValueError
        ``geometries`` and ``features`` differ in length, or a coordinate does not fit in i32 units.
    """
    geoms = np.asarray(geometries.values if isinstance(geometries, gpd.GeoSeries) else geometries,
                       dtype=object)
    feats = np.asarray(features, dtype=np.int64)
    if len(geoms) != len(feats):
        raise ValueError(f"{len(geoms)} geometries but {len(feats)} feature indices")
    parts, owner = _polygons(geoms)
    rings, ring_owner = shapely.get_rings(parts, return_index=True)
    coords, vertex_ring = shapely.get_coordinates(rings, return_index=True)
    per_ring = np.bincount(vertex_ring, minlength=len(rings))
    open_ = np.ones(len(coords), dtype=bool)
    if len(rings):
        open_[np.cumsum(per_ring) - 1] = False  # drop each ring's closing vertex (= its first)
    units = np.rint(coords[open_] / scale)
    if len(units) and np.abs(units).max() >= 2**31:
        raise ValueError(f"coordinates beyond ±{2**31 * scale:g} degrees do not fit at scale {scale:g}")
    q = units.astype(np.int64)
    x0, y0 = (int(q[0, 0]), int(q[0, 1])) if len(q) else (0, 0)
    deltas = np.diff(q, axis=0, prepend=np.array([[x0, y0]], dtype=np.int64))
    header = _HEADER.pack(MAGIC, len(parts), len(rings), len(q), float(scale), x0, y0)
    return b"".join([
        header,
        feats[owner].astype("<u4").tobytes(),
        np.bincount(ring_owner, minlength=len(parts)).astype("<u4").tobytes(),
        (per_ring - 1).astype("<u4").tobytes(),
        deltas.astype("<i4").tobytes(),
    ])


@dataclass(frozen=True)
class DecodedGeometry:
    """An ``NMG1`` geometry file read back.

    Attributes
    ----------
    scale
        Degrees per coordinate unit.
    polygon_feature
        Feature index of each polygon row, shape ``(n_polygons,)``.
    polygon_ring_count
        Rings of each polygon (exterior first), shape ``(n_polygons,)``.
    ring_vertex_count
        Vertices of each ring, closing vertex not repeated, shape ``(n_rings,)``.
    units
        Vertex coordinates in units, shape ``(n_vertices, 2)`` (x = lon / scale, y = lat / scale).
    """

    scale: float
    polygon_feature: np.ndarray
    polygon_ring_count: np.ndarray
    ring_vertex_count: np.ndarray
    units: np.ndarray

    @property
    def lonlat(self) -> np.ndarray:
        """Vertex coordinates in degrees, shape ``(n_vertices, 2)``."""
        return self.units * self.scale

    def polygons(self) -> np.ndarray:
        """One shapely Polygon per polygon row (rings closed again), shape ``(n_polygons,)``."""
        ends = np.cumsum(self.ring_vertex_count)
        lonlat = self.lonlat
        rings = [np.vstack([r, r[:1]]) for r in np.split(lonlat, ends[:-1])] if len(ends) else []
        out = np.empty(len(self.polygon_feature), dtype=object)
        start = 0
        for i, n in enumerate(self.polygon_ring_count):
            out[i] = shapely.Polygon(rings[start], rings[start + 1:start + n])
            start += n
        return out

    def features(self) -> pd.Series:
        """One (multi)polygon per feature present, indexed by feature index (ascending)."""
        polys = self.polygons()
        feats = self.polygon_feature.astype(np.int64)
        uniq, inverse = np.unique(feats, return_inverse=True)
        geoms = shapely.multipolygons(polys, indices=inverse)
        return pd.Series(geoms, index=pd.Index(uniq, name="feature"), dtype=object)


def decode_geometry(data: bytes) -> DecodedGeometry:
    """Read an ``NMG1`` geometry file (gzipped or not) back into arrays.

    Raises
    ------
    ValueError
        The bytes are not an ``NMG1`` file, or its counts do not match its length.
    """
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    if len(data) < _HEADER.size:
        raise ValueError("not an NMG1 geometry file: shorter than its header")
    magic, n_poly, n_ring, n_vert, scale, x0, y0 = _HEADER.unpack_from(data)
    if magic != MAGIC:
        raise ValueError(f"not an NMG1 geometry file (starts {magic!r})")
    want = _HEADER.size + 4 * (2 * n_poly + n_ring + 2 * n_vert)
    if len(data) != want:
        raise ValueError(f"NMG1 file of {len(data):,} bytes where its header implies {want:,}")
    at = _HEADER.size

    def take(n: int, dtype: str) -> np.ndarray:
        nonlocal at
        out = np.frombuffer(data, dtype=dtype, count=n, offset=at)
        at += 4 * n
        return out

    feature = take(n_poly, "<u4")
    ring_count = take(n_poly, "<u4")
    vertex_count = take(n_ring, "<u4")
    deltas = take(2 * n_vert, "<i4").astype(np.int64).reshape(-1, 2)
    units = np.cumsum(deltas, axis=0) + np.array([x0, y0], dtype=np.int64)
    if int(ring_count.sum()) != n_ring or int(vertex_count.sum()) != n_vert:
        raise ValueError("NMG1 file whose ring or vertex counts do not add up")
    return DecodedGeometry(scale=float(scale), polygon_feature=feature, polygon_ring_count=ring_count,
                           ring_vertex_count=vertex_count, units=units)


def national_level(geometries: gpd.GeoSeries, tolerance_m: float = NATIONAL_TOLERANCE_M
                   ) -> gpd.GeoSeries:
    """Generalise a whole coverage of polygons for national zooms without opening gaps.

    ``shapely.coverage_simplify`` simplifies each edge shared by two neighbours once, for both, so
    no gap or overlap opens between them (``simplify`` per polygon tears them apart).

    Parameters
    ----------
    geometries
        Every LSOA of a vintage (a coverage: neighbours share edges), any CRS with a defined
        ``crs``; shape ``(n,)``.
    tolerance_m
        Tolerance in metres (EPSG:27700, British National Grid); 0 returns the input in EPSG:4326.

    Returns
    -------
    GeoSeries
        The generalised polygons in EPSG:4326, same index and order.
    """
    if tolerance_m <= 0:
        return geometries.to_crs(WGS84)
    metric = geometries.to_crs(BNG)
    simple = shapely.coverage_simplify(np.asarray(metric.values, dtype=object), float(tolerance_m))
    return gpd.GeoSeries(simple, index=geometries.index, crs=BNG).to_crs(WGS84)


def encode_tileset(boundaries: gpd.GeoDataFrame, tile_of: pd.Series, *, vintage: str,
                   detail_source: str, tolerance_m: float = NATIONAL_TOLERANCE_M,
                   national: gpd.GeoSeries | None = None) -> dict[str, bytes]:
    """Encode LSOA boundaries as a tileset: an index, a national level and one detail tile each.

    Parameters
    ----------
    boundaries
        One row per LSOA: ``lsoa_code`` (unique) and polygon ``geometry`` in EPSG:4326
        (``needsmap.data.load_boundaries``).
    tile_of
        Tile of each LSOA (its local-authority code), indexed by ``lsoa_code``. An LSOA missing
        from it goes to the tile ``"other"``, so every LSOA is in exactly one tile.
    vintage
        ``"lsoa11"`` or ``"lsoa21"`` (written to the index).
    detail_source
        What the detail tiles are, in words (written to the index).
    tolerance_m
        National generalisation in metres (:func:`national_level`).
    national
        The national level already made (for tests and reuse); by default :func:`national_level`.

    Returns
    -------
    dict
        File name -> gzipped bytes: ``index.json.gz``, ``national.bin.gz`` and ``tile-<id>.bin.gz``.
        Feature ``i`` is ``codes[i]`` of the index, codes sorted ascending.

    Raises
    ------
    ValueError
        Repeated or missing LSOA codes, a CRS other than EPSG:4326, or no rows.
    """
    if boundaries.crs is None or boundaries.crs.to_epsg() != WGS84_EPSG:
        raise ValueError("the tileset is built from EPSG:4326 (WGS84) boundaries")
    if boundaries.empty:
        raise ValueError("no LSOA boundaries to encode")
    codes_in = boundaries["lsoa_code"].astype(str)
    if codes_in.duplicated().any():
        raise ValueError(f"repeated LSOA code {codes_in[codes_in.duplicated()].iloc[0]} in the boundaries")
    order = np.argsort(codes_in.to_numpy(), kind="stable")
    gdf = boundaries.iloc[order].reset_index(drop=True)
    codes = gdf["lsoa_code"].astype(str).to_numpy()
    feature = np.arange(len(gdf), dtype=np.int64)
    tiles = pd.Series(codes, dtype=object).map(tile_of.astype(str)).fillna("other").to_numpy()

    if national is None:
        national = national_level(gdf.geometry, tolerance_m)
    else:
        national = national.iloc[order].reset_index(drop=True)
    files = {NATIONAL_FILE: _gzip(encode_geometry(national, feature, scale=NATIONAL_SCALE))}

    bounds = shapely.bounds(np.asarray(gdf.geometry.values, dtype=object))
    entries = []
    for tile_id in sorted(set(tiles)):
        mine = np.flatnonzero(tiles == tile_id)
        b = bounds[mine]
        files[tile_file(tile_id)] = _gzip(encode_geometry(gdf.geometry.to_numpy()[mine], feature[mine],
                                                          scale=DETAIL_SCALE))
        entries.append({"id": tile_id, "file": tile_file(tile_id), "n_features": int(len(mine)),
                        "bbox": _bbox(np.nanmin(b[:, 0]), np.nanmin(b[:, 1]), np.nanmax(b[:, 2]),
                                      np.nanmax(b[:, 3]))})
    index = {
        "format": FORMAT, "vintage": vintage, "n_features": int(len(codes)), "codes": codes.tolist(),
        "national": NATIONAL_FILE, "detail_zoom": DETAIL_ZOOM, "tiles": entries,
        "bbox": _bbox(*np.nanmin(bounds[:, :2], axis=0), *np.nanmax(bounds[:, 2:], axis=0)),
        "national_tolerance_m": float(tolerance_m), "detail_source": detail_source,
    }
    files[INDEX_FILE] = _gzip(json.dumps(index, separators=(",", ":")).encode("utf-8"))
    return files


def _bbox(minx: float, miny: float, maxx: float, maxy: float) -> list[float]:
    """A bounding box rounded outwards to 1e-5 degrees and widened by 1e-5 more, so it holds every
    vertex as decoded (``units * scale`` may come out a hair beyond the rounded edge)."""
    return [math.floor(minx * 1e5) / 1e5 - 1e-5, math.floor(miny * 1e5) / 1e5 - 1e-5,
            math.ceil(maxx * 1e5) / 1e5 + 1e-5, math.ceil(maxy * 1e5) / 1e5 + 1e-5]


@dataclass(frozen=True)
class DecodedTileset:
    """A tileset read back (:func:`decode_tileset`).

    Attributes
    ----------
    index
        The parsed ``index.json.gz``.
    national
        The national level.
    tiles
        Tile id -> its detail geometry.
    """

    index: dict[str, object]
    national: DecodedGeometry
    tiles: dict[str, DecodedGeometry]

    @property
    def codes(self) -> list[str]:
        """LSOA code of each feature index."""
        return list(self.index["codes"])  # type: ignore[call-overload]


def decode_tileset(files: Mapping[str, bytes]) -> DecodedTileset:
    """Read a tileset (file name -> gzipped bytes, as :func:`encode_tileset` returns) back.

    Raises
    ------
    ValueError
        A file named by the index is missing or malformed, or the index is not of :data:`FORMAT`.
    """
    index = json.loads(gzip.decompress(files[INDEX_FILE]))
    if index.get("format") != FORMAT:
        raise ValueError(f"tileset index of format {index.get('format')!r}, expected {FORMAT}")
    try:
        national = decode_geometry(files[index["national"]])
        tiles = {t["id"]: decode_geometry(files[t["file"]]) for t in index["tiles"]}
    except KeyError as exc:
        raise ValueError(f"the tileset index names a file that is not there: {exc}") from None
    return DecodedTileset(index=index, national=national, tiles=tiles)
