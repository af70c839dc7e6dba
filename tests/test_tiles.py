"""The LSOA tileset: built from the real boundaries, read back exactly; no gaps at national zoom;
written once, atomically, into the static folder."""

from __future__ import annotations

import gzip
import json
import math
from pathlib import Path
from typing import Any, cast

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import MultiPolygon, box

from needsmap import data
from needsmap.data import map_assets
from needsmap.data.catalog import get_dataset
from needsmap.errors import DataMissingError, NeedsmapError
from needsmap.types import LSOA_VINTAGE, Edition, england_lsoa_count
from needsmap.viz import tiles

#: deck.gl draws the world 512 px wide at zoom 0; metres per pixel at England's middle latitude
_M_PER_PX_Z0 = 40_075_016.686 * math.cos(math.radians(52.5)) / 512


@pytest.fixture(scope="module", params=["2019", "2025"])
def encoded(request: pytest.FixtureRequest) -> tuple[Edition, gpd.GeoDataFrame, dict[str, bytes],
                                                     tiles.DecodedTileset]:
    edition: Edition = request.param
    b = data.load_boundaries(edition)
    files = tiles.encode_tileset(b, data.load_geography(edition)["lad_code"],
                                 vintage=LSOA_VINTAGE[edition], detail_source="test")
    return edition, b, files, tiles.decode_tileset(files)


def _by_code(b: gpd.GeoDataFrame) -> pd.Series:
    """Source polygons as multipolygons (one per LSOA), indexed by code."""
    parts, owner = shapely.get_parts(np.asarray(b.geometry.values), return_index=True)
    keep = shapely.get_type_id(parts) == 3
    multi = shapely.multipolygons(parts[keep], indices=owner[keep])
    return pd.Series(multi, index=b["lsoa_code"].astype(str).to_numpy()[np.unique(owner[keep])])


def test_detail_tiles_give_back_every_lsoa_within_quantisation(encoded) -> None:
    edition, b, _, dt = encoded
    assert dt.codes == sorted(b["lsoa_code"].astype(str))
    assert dt.index["n_features"] == england_lsoa_count(edition)
    decoded = pd.concat([t.features() for t in dt.tiles.values()]).sort_index()
    assert decoded.index.tolist() == list(range(len(dt.codes)))
    source = _by_code(b).reindex(dt.codes).to_numpy()
    got = decoded.to_numpy()
    # every vertex within half a unit (1e-5 degrees) of the staged one in x and in y (so within
    # √2/2 units as the crow flies), same rings in the same order
    same = shapely.equals_exact(got, source, tolerance=math.sqrt(0.5) * tiles.DETAIL_SCALE + 1e-9)
    assert same.all(), f"{(~same).sum()} LSOAs differ, e.g. {np.asarray(dt.codes)[~same][:3]}"
    closing = shapely.get_num_interior_rings(shapely.get_parts(source)).sum() + len(shapely.get_parts(source))
    assert sum(len(t.units) for t in dt.tiles.values()) == shapely.get_num_coordinates(source).sum() - closing


def test_every_lsoa_is_in_exactly_one_tile_its_local_authority(encoded) -> None:
    edition, _, files, dt = encoded
    seen: dict[int, str] = {}
    for entry in dt.index["tiles"]:
        feats = set(np.unique(dt.tiles[entry["id"]].polygon_feature).tolist())
        assert len(feats) == entry["n_features"], entry["id"]
        assert not feats & set(seen), f"tile {entry['id']} repeats features of another tile"
        seen.update(dict.fromkeys(feats, entry["id"]))
        assert entry["file"] in files and entry["file"] == tiles.tile_file(entry["id"])
        lon, lat = dt.tiles[entry["id"]].lonlat.T
        x0, y0, x1, y1 = entry["bbox"]
        assert x0 <= lon.min() and lon.max() <= x1 and y0 <= lat.min() and lat.max() <= y1
    assert len(seen) == dt.index["n_features"]
    lads = set(pd.read_parquet(get_dataset("ltla24_boundaries").path, columns=["ltla24_code"])["ltla24_code"])
    assert {t["id"] for t in dt.index["tiles"]} <= lads
    if edition == "2025":  # Birmingham's tile is its LSOAs in ONS's lookup, read here from the raw file
        raw = pd.read_csv(get_dataset("lsoa21_ward24_lookup").path)
        want = set(raw.loc[raw["ltla24_code"] == "E08000025", "lsoa21_code"])
        codes = np.asarray(dt.codes)
        assert {codes[f] for f, t in seen.items() if t == "E08000025"} == want and len(want) > 600


def test_national_level_has_no_gaps_or_overlaps_between_neighbours(encoded) -> None:
    _, b, files, dt = encoded
    assert len(files[tiles.NATIONAL_FILE]) < 1_000_000  # the browser fetches it for every England view
    nat = dt.national.features()
    assert nat.index.tolist() == list(range(len(dt.codes)))  # no LSOA lost
    got = shapely.make_valid(gpd.GeoSeries(nat.to_numpy(), crs=4326).to_crs(27700).values)
    src = np.asarray(b.geometry.to_crs(27700).values)

    def holes_and_parts(geom: shapely.Geometry) -> tuple[list[float], int]:
        polys = [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon"]
        return [shapely.Polygon(r).area for p in polys for r in p.interiors], len(polys)

    union, src_union = shapely.union_all(got), shapely.union_all(src)
    holes, parts = holes_and_parts(union)
    src_holes, src_parts = holes_and_parts(src_union)
    # simplifying each polygon on its own opens 16,000 gaps (7 km²) and overlaps 3 km² here
    assert shapely.area(got).sum() - union.area < 10_000  # m² of neighbours overlapping, in England
    # gaps: no more than the staged boundaries' own (rounding to 1e-4 degrees leaves a few of 1e-8 m²)
    assert sum(holes) < 10_000 and len([h for h in holes if h > 1]) <= len(src_holes)
    assert parts == src_parts  # islands kept
    assert abs(union.area - src_union.area) < 1e-3 * src_union.area


def test_national_level_moves_shapes_little_at_the_detail_zoom(encoded) -> None:
    _, b, _, dt = encoded
    nat = gpd.GeoSeries(dt.national.features().to_numpy(), crs=4326).to_crs(27700)
    src = _by_code(b).reindex(dt.codes)
    moved = shapely.hausdorff_distance(nat.values, gpd.GeoSeries(src.to_numpy(), crs=4326).to_crs(27700).values)
    px = _M_PER_PX_Z0 / 2 ** dt.index["detail_zoom"]
    assert np.percentile(moved, 99) < 2.5 * px, f"99% of LSOAs move < {np.percentile(moved, 99):.0f} m"
    assert dt.index["national_tolerance_m"] == tiles.NATIONAL_TOLERANCE_M


# ----------------------------------------------------------------------------- made-up shapes
@pytest.mark.demo
def test_geometry_file_layout_with_holes_and_parts() -> None:
    ring = box(0, 50, 1, 51).difference(box(0.25, 50.25, 0.5, 50.5))  # a square with a hole
    two = MultiPolygon([box(2, 50, 2.5, 50.5), box(3, 50, 3.5, 50.5)])
    raw = tiles.encode_geometry(np.array([ring, two], dtype=object), np.array([7, 9]), scale=1e-4)
    assert raw[:4] == tiles.MAGIC
    n_poly, n_ring, n_vert = np.frombuffer(raw, "<u4", 3, 4)
    assert (n_poly, n_ring, n_vert) == (3, 4, 16)  # closing vertices not repeated
    assert len(raw) == 32 + 4 * (2 * 3 + 4 + 2 * 16)
    d = tiles.decode_geometry(gzip.compress(raw))
    assert d.polygon_feature.tolist() == [7, 9, 9]
    assert d.polygon_ring_count.tolist() == [2, 1, 1]
    assert d.ring_vertex_count.tolist() == [4, 4, 4, 4]
    back = d.features()
    assert back.index.tolist() == [7, 9]
    assert shapely.equals_exact(back[7], MultiPolygon([ring]), tolerance=1e-9)
    assert shapely.equals_exact(back[9], two, tolerance=1e-9)


@pytest.mark.demo
@pytest.mark.parametrize("damage", [b"NMG2", b"cut"])
def test_decoder_refuses_a_damaged_file(damage: bytes) -> None:
    raw = tiles.encode_geometry(np.array([box(0, 50, 1, 51)], dtype=object), np.array([0]), scale=1e-4)
    bad = damage + raw[4:] if damage == b"NMG2" else raw[:-4]
    with pytest.raises(ValueError, match="NMG1"):
        tiles.decode_geometry(bad)


@pytest.mark.demo
def test_encoder_refuses_bad_input() -> None:
    with pytest.raises(ValueError, match="feature indices"):
        tiles.encode_geometry(np.array([box(0, 50, 1, 51)], dtype=object), np.array([0, 1]), scale=1e-4)
    gdf = gpd.GeoDataFrame({"lsoa_code": ["E01000001", "E01000001"]},
                           geometry=[box(0, 50, 1, 51), box(1, 50, 2, 51)], crs=4326)
    with pytest.raises(ValueError, match="repeated"):
        tiles.encode_tileset(gdf, pd.Series(dtype=object), vintage="lsoa21", detail_source="x")
    with pytest.raises(ValueError, match="EPSG:4326"):
        tiles.encode_tileset(gdf.to_crs(27700), pd.Series(dtype=object), vintage="lsoa21", detail_source="x")


@pytest.mark.demo
def test_an_lsoa_without_a_local_authority_goes_to_the_other_tile() -> None:
    gdf = gpd.GeoDataFrame({"lsoa_code": ["E01000002", "E01000001"]},
                           geometry=[box(0, 50, 1, 51), box(1, 50, 2, 51)], crs=4326)
    files = tiles.encode_tileset(gdf, pd.Series({"E01000001": "E09000001"}), vintage="lsoa21",
                                 detail_source="x", tolerance_m=0)
    index = tiles.decode_tileset(files).index
    assert index["codes"] == ["E01000001", "E01000002"]
    assert {t["id"]: t["n_features"] for t in cast("list[dict[str, Any]]", index["tiles"])} == {
        "E09000001": 1, "other": 1}


# ----------------------------------------------------------------------------- written assets
@pytest.fixture()
def demo_static(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The embedded demo, with its own cache and static folder."""
    monkeypatch.setenv("NEEDSMAP_DEMO", "1")
    monkeypatch.setenv("NEEDSMAP_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(map_assets, "static_dir", lambda: tmp_path / "static")
    return tmp_path / "static"


@pytest.mark.demo
def test_assets_are_written_once_and_rebuilt_when_damaged(demo_static: Path) -> None:
    summary = map_assets.prepare_map_assets()
    assert "lsoa11" in summary and "lsoa21" in summary and str(demo_static / "maps") in summary
    ts = map_assets.tileset("2025")
    assert ts.folder.parent == demo_static / "maps" and ts.folder.name.startswith("lsoa21-")
    assert ts.url == f"app/static/maps/{ts.folder.name}/index.json.gz"
    index = json.loads(gzip.decompress((ts.folder / "index.json.gz").read_bytes()))
    boundaries = data.load_boundaries("2025")
    assert index["codes"] == sorted(boundaries["lsoa_code"]) == ts.codes.tolist()
    assert not list((demo_static / "maps").glob(".tmp-*"))  # no temporary folder left behind
    stamp = (ts.folder / "national.bin.gz").stat().st_mtime_ns
    assert map_assets.tileset("2025").folder == ts.folder
    assert (ts.folder / "national.bin.gz").stat().st_mtime_ns == stamp  # not written again
    (ts.folder / "index.json.gz").write_bytes(b"cut short")
    again = map_assets.tileset("2025")
    assert again.folder == ts.folder and again.codes.tolist() == index["codes"]


@pytest.mark.demo
def test_attributes_hold_names_and_deciles_as_the_raw_files_do(demo_static: Path) -> None:
    table = data.load_lsoa_table("2025")
    ts = map_assets.tileset("2025", table)
    attrs = map_assets.attributes("2025", table)
    assert attrs.url == f"app/static/maps/{attrs.name}"
    doc = json.loads(gzip.decompress(attrs.path.read_bytes()))
    assert doc["n_features"] == ts.n_features and doc["vintage"] == "lsoa21"
    names = doc["text"]["lsoa_name"]
    got = {code: names["labels"][k] for code, k in zip(ts.codes, names["codes"], strict=True)}
    raw = pd.read_parquet(get_dataset("lsoa21_ward24_lookup").path).set_index("lsoa21_code")
    assert all(got[c] == raw.loc[c, "lsoa21_name"] for c in ts.codes)
    imd = pd.read_parquet(get_dataset("imd2025").path).set_index("lsoa21_code")
    deciles = dict(zip(ts.codes, doc["numbers"]["health_decile"], strict=True))
    assert all(deciles[c] == int(imd.loc[c, "Health_decile"]) for c in ts.codes)
    # the same content is the same file; the Python side holds the same text
    assert map_assets.attributes("2025", table.copy()).name == attrs.name
    assert attrs.text["ward_name"][ts.codes.get_loc("E01009219")] == raw.loc["E01009219", "ward24_name"]


def test_missing_boundaries_are_a_clear_message(broken_data_dir: Path, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(map_assets, "static_dir", lambda: tmp_path / "static")
    with pytest.raises(DataMissingError, match="needsmap data fetch|Download"):
        map_assets.tileset("2025")


@pytest.mark.demo
def test_unwritable_static_folder_is_a_clear_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "static").write_text("a file where the folder should be")
    monkeypatch.setattr(map_assets, "static_dir", lambda: tmp_path / "static")
    with pytest.raises(NeedsmapError, match="writable"):
        map_assets.maps_dir()


@pytest.mark.demo
def test_a_tileset_whose_boundary_file_is_gone_is_removed(demo_static: Path, tmp_path: Path) -> None:
    maps = demo_static / "maps"
    gone = maps / "lsoa21-0000000000000000"
    gone.mkdir(parents=True)
    (gone / map_assets.SOURCE_FILE).write_text(json.dumps(
        {"path": str(tmp_path / "deleted.parquet"), "mtime_ns": 1, "size": 2}))
    foreign = maps / "lsoa21-someone-else"
    foreign.mkdir()
    ts = map_assets.tileset("2025")
    assert ts.folder.is_dir() and not gone.exists()
    assert foreign.is_dir()  # not a tileset of ours: left alone
    recorded = json.loads((ts.folder / map_assets.SOURCE_FILE).read_text())
    assert recorded["path"] == str(get_dataset("lsoa21_boundaries").path)
