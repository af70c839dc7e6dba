"""ONS Open Geography sources: the publishers' files convert to exactly the prepared data."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import mapping

from needsmap.data.catalog import CATALOG
from needsmap.data.sources import ons
from needsmap.errors import ValidationError
from tests.publisher_fixtures._common import (
    prepared,
    publisher_samples,
    sort_rows,
    write_csv,
    write_zip,
)
from tests.publisher_fixtures.ons import BUILDERS, PARTIAL

SOURCES = {s.id: s for s in ons.SOURCES}


# ----------------------------------------------------------------------------- helpers
def _shared(shared: Path, dataset: str) -> pd.DataFrame:
    text = {c: str for c in ons.COLUMNS[dataset] if c not in ("lat", "lon")}
    return prepared(shared, dataset, dtype=text, keep_default_na=False)


def _sorted(frame: pd.DataFrame, dataset: str) -> pd.DataFrame:
    key = CATALOG[dataset].key
    return sort_rows(frame, [key] if key else [c for c in frame.columns if c != "geometry"])


def assert_matches_shared(got: pd.DataFrame, shared: Path, dataset: str, *,
                          tolerance: float = 1e-9) -> None:
    """``got`` has the shared file's columns in its order and its rows and values."""
    want = _shared(shared, dataset)
    assert list(got.columns) == list(want.columns)
    if dataset in PARTIAL:  # a fixture of some rows: compare those
        key = PARTIAL[dataset]
        want = want[want[key].isin(got[key])]
    assert len(got) == len(want)
    got, want = _sorted(got, dataset), _sorted(want, dataset)
    if "geometry" in want.columns:
        assert isinstance(got, gpd.GeoDataFrame)
        assert got.crs is not None and got.crs.to_epsg() == 4326
        same = shapely.equals_exact(got.geometry.values, want.geometry.values,
                                    tolerance=tolerance)
        assert same.all(), f"{dataset}: {int((~same).sum())} geometries differ"
        got = pd.DataFrame(got.drop(columns="geometry"))
        want = pd.DataFrame(want.drop(columns="geometry"))
    pd.testing.assert_frame_equal(got, want, check_dtype=False)


def _build(source_id: str, shared: Path, tmp_path: Path) -> Path:
    return BUILDERS[source_id](shared, tmp_path / "raw")


def _convert(source_id: str, path: Path) -> pd.DataFrame:
    frames = SOURCES[source_id].convert(path)
    assert list(frames) == list(SOURCES[source_id].datasets)
    return frames[SOURCES[source_id].datasets[0]]


def _csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


# ----------------------------------------------------------------------------- registry
def test_registry_is_complete_and_cited() -> None:
    assert len(SOURCES) == len(ons.SOURCES)
    covered = [d for s in ons.SOURCES for d in s.datasets]
    assert sorted(covered) == sorted(ons.COLUMNS)
    assert set(BUILDERS) == set(SOURCES)
    for s in ons.SOURCES:
        assert s.id.startswith("ons_")
        assert all(d in CATALOG for d in s.datasets)
        assert s.url.startswith("https://") and s.landing_page.startswith("https://")
        assert s.sha256 is None and s.seen_at and s.attribution
        assert s.matches_name(s.file_name)
        assert s.format in ("csv", "geojson", "xlsx")
        assert "Seen at" in (s.convert.__doc__ or "")
        if s.download == "arcgis":
            assert s.url.startswith(ons.ARCGIS) and s.url.endswith("/FeatureServer/0")
            assert s.format in ("csv", "geojson")
        geometry = CATALOG[s.datasets[0]].kind == "geometry"
        assert (s.format == "geojson") == (geometry or s.id == "ons_lsoa21_pwc")


def test_names_users_save_are_recognised() -> None:
    names = {
        "ons_lsoa21_bsc": "Lower_layer_Super_Output_Areas_December_2021_Boundaries_EW_BSC_V4_"
                          "-4299016806856585929.geojson",
        "ons_lsoa11_bsc": "LSOA_Dec_2011_Boundaries_Super_Generalised_Clipped_BSC_EW_V3_2022_"
                          "123.geojson",
        "ons_lad24_buc": "Local_Authority_Districts_May_2024_Boundaries_UK_BUC_-123.geojson",
        "ons_countries22_buc": "Countries_December_2022_Boundaries_UK_BUC_123.geojson",
        "ons_lsoa21_wd24_lad24": "LSOA_(2021)_to_Electoral_Ward_(2024)_to_LAD_(2024)_Best_Fit_"
                                 "Lookup_in_EW.csv",
        "ons_lad24_rgn24": "Local_Authority_District_to_Region_(December_2024)_Lookup_in_EN.csv",
        "ons_lad21_rgn21": "Local_Authority_District_to_Region_(April_2021)_Lookup_in_England.csv",
        "ons_lsoa11_wd21_lad21": "LSOA11_WD21_LAD21_EW_LU_V2.xlsx",
        "ons_oa11_lsoa11_msoa11": "OA11_LSOA11_MSOA11_LAD11_EW_LUv2.csv",
        "ons_lsoa11_lsoa21_lad22": "LSOA_(2011)_to_LSOA_(2021)_to_Local_Authority_District_(2022)_"
                                   "Exact_Fit_Lookup_for_EW_(V3).csv",
        "ons_lsoa21_pwc": "LLSOA_Dec_2021_PWC_for_England_and_Wales_2022_1028145039677403461.csv",
        "ons_lsoa21_ruc21": "LSOA21_RUC21_EW_LU.csv",
    }
    for source_id, name in names.items():
        matched = [s.id for s in ons.SOURCES if s.matches_name(name)]
        assert matched == [source_id], (name, matched)


# ----------------------------------------------------------------------------- round trips
@pytest.mark.parametrize("source_id", sorted(BUILDERS))
def test_publisher_file_converts_to_the_shared_data(source_id: str, real_data_dir: Path,
                                                    tmp_path: Path) -> None:
    raw = _build(source_id, real_data_dir, tmp_path)
    assert raw.name == SOURCES[source_id].file_name
    frames = SOURCES[source_id].convert(raw)
    for dataset, frame in frames.items():
        assert_matches_shared(frame, real_data_dir, dataset)
    if raw.suffix == ".csv":  # the portal's CSV is recognised by its header
        assert SOURCES[source_id].matches_header(list(_csv(raw).columns))


# ----------------------------------------------------------------------------- real samples
@pytest.fixture(scope="module")
def samples(real_data_dir: Path) -> Path:
    return publisher_samples(real_data_dir)


def test_real_exact_fit_sample_matches_shared(samples: Path, real_data_dir: Path) -> None:
    path = samples / "lsoa11_lsoa21_lad22_exact_fit_lookup_sample.csv"
    got = _convert("ons_lsoa11_lsoa21_lad22", path)
    assert list(got.columns) == list(ons.COLUMNS["lsoa11_lsoa21_lookup"])
    assert set(got["change_code"]) == {"U", "S", "M", "X"}
    want = _shared(real_data_dir, "lsoa11_lsoa21_lookup")
    merged = got.merge(want, on=["lsoa11_code", "lsoa21_code"], how="left",
                       suffixes=("", "_shared"), indicator=True)
    assert (merged["_merge"] == "both").all()
    for col in ("lsoa11_name", "change_code", "lsoa21_name", "ltla22_name", "ltla22_code"):
        assert (merged[col] == merged[f"{col}_shared"]).all(), col


def test_real_best_fit_sample_is_read_but_refused(samples: Path, real_data_dir: Path) -> None:
    path = samples / "lsoa11_lsoa21_lad22_lookup_sample.csv"
    rows = ons._read(path)
    assert list(rows.columns)[0] == "ObjectId"  # the BOM is gone from the first field name
    want = _shared(real_data_dir, "lsoa11_lsoa21_lookup").set_index("lsoa11_code")
    for r in rows.itertuples(index=False):
        shared = want.loc[[r.LSOA11CD]]
        assert r.LSOA21CD in set(shared["lsoa21_code"])
        assert {r.LSOA11NM} == set(shared["lsoa11_name"])
        assert {r.LAD22CD} == set(shared["ltla22_code"])
        assert {r.LAD22NM} == set(shared["ltla22_name"])
    with pytest.raises(ValidationError, match="CHGIND") as err:
        SOURCES["ons_lsoa11_lsoa21_lad22"].convert(path)
    assert path.name in str(err.value)


# ----------------------------------------------------------------------------- what publishers do
def _welsh_rows(frame: pd.DataFrame, code: str, n: int = 2) -> pd.DataFrame:
    extra = frame.head(n).copy()
    extra[code] = [f"W0{i}000{i:03d}" for i in range(1, n + 1)]
    return extra


def test_table_with_changed_case_crlf_no_bom_objectid_first_and_wales(
        real_data_dir: Path, tmp_path: Path) -> None:
    raw = _build("ons_lsoa21_wd24_lad24", real_data_dir, tmp_path)
    frame = _csv(raw)
    frame = pd.concat([_welsh_rows(frame, "LSOA21CD"), frame])
    frame = frame[["ObjectId"] + [c for c in frame.columns if c != "ObjectId"]]
    frame["Shape__Area"] = ""
    frame.columns = [c.lower() for c in frame.columns]
    path = write_csv(tmp_path / "lsoa21_wd24_lad24_ew_lu.csv", frame, newline="\r\n")
    assert path.read_bytes()[:3] != b"\xef\xbb\xbf" and b"\r\n" in path.read_bytes()[:200]
    assert_matches_shared(_convert("ons_lsoa21_wd24_lad24", path), real_data_dir,
                          "lsoa21_ward24_lookup")


def test_arcgis_field_name_for_the_2011_code(real_data_dir: Path, tmp_path: Path) -> None:
    raw = _build("ons_lsoa11_lsoa21_lad22", real_data_dir, tmp_path)
    frame = _csv(raw).rename(columns={"LSOA11CD": "F_LSOA11CD"})
    frame = pd.concat([frame, frame.head(3)])  # duplicated pages are dropped
    frame.to_csv(raw, index=False)
    assert_matches_shared(_convert("ons_lsoa11_lsoa21_lad22", raw), real_data_dir,
                          "lsoa11_lsoa21_lookup")


def test_windows_1252_csv(real_data_dir: Path, tmp_path: Path) -> None:
    raw = _build("ons_lad21_rgn21", real_data_dir, tmp_path)
    frame = _csv(raw)
    wales = pd.DataFrame([{"FID": "400", "LAD21CD": "W06000001", "LAD21NM": "Isle of Anglesey",
                           "RGN21CD": "W92000004", "RGN21NM": "Ynys Môn"}])
    pd.concat([frame, wales]).to_csv(raw, index=False, encoding="cp1252")
    assert_matches_shared(_convert("ons_lad21_rgn21", raw), real_data_dir,
                          "ltla21_region21_lookup")


@pytest.mark.parametrize("style", ["geojson", "esri"])
def test_table_layer_saved_as_json(style: str, real_data_dir: Path, tmp_path: Path) -> None:
    raw = _build("ons_lad24_rgn24", real_data_dir, tmp_path)
    rows = _csv(raw).to_dict(orient="records")
    if style == "geojson":
        doc = {"type": "FeatureCollection",
               "features": [{"type": "Feature", "geometry": None, "properties": r} for r in rows]}
    else:
        doc = {"objectIdFieldName": "ObjectId", "fields": [],
               "features": [{"attributes": r} for r in rows]}
    path = tmp_path / "LAD24_RGN24_EN_LU.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert_matches_shared(_convert("ons_lad24_rgn24", path), real_data_dir,
                          "ltla24_region24_lookup")


def test_workbook_with_title_rows_and_a_notes_sheet(real_data_dir: Path, tmp_path: Path) -> None:
    from openpyxl import Workbook

    t = _shared(real_data_dir, "lsoa11_ltla21_lookup").iloc[::50]
    book = Workbook()
    notes = book.active
    notes.title = "Notes"
    notes.append(["This lookup is best fit."])
    data = book.create_sheet("LSOA11_WD21_LAD21_EW_LU")
    data.append(["Lower Layer Super Output Area (2011) to Ward (2021) to LAD (2021)"])
    data.append([])
    data.append(["FID", "lsoa11cd", "lsoa11nm", "wd21cd", "lad21cd", "lad21nm"])
    for i, r in enumerate(t.itertuples(index=False)):
        data.append([i + 1, r.lsoa11_code, r.lsoa11_name, "", r.ltla21_code, r.ltla21_name])
    data.append([i + 2, "W01000001", "Isle of Anglesey 001A", "", "W06000001", "Anglesey"])
    path = tmp_path / "LSOA11_WD21_LAD21_EW_LU_V2.xlsx"
    book.save(path)
    got = _convert("ons_lsoa11_wd21_lad21", path)
    assert len(got) == len(t)
    assert_matches_shared(got, real_data_dir, "lsoa11_ltla21_lookup")


def test_the_same_lookup_as_csv(real_data_dir: Path, tmp_path: Path) -> None:
    t = _shared(real_data_dir, "lsoa11_ltla21_lookup")
    path = write_csv(tmp_path / "LSOA11_WD21_LAD21_EW_LU.csv", pd.DataFrame({
        "LSOA11CD": t["lsoa11_code"], "LSOA11NM": t["lsoa11_name"],
        "LAD21CD": t["ltla21_code"], "LAD21NM": t["ltla21_name"]}), bom=True)
    assert_matches_shared(_convert("ons_lsoa11_wd21_lad21", path), real_data_dir,
                          "lsoa11_ltla21_lookup")


def test_boundaries_with_lowercase_fields_and_wales(real_data_dir: Path, tmp_path: Path) -> None:
    raw = _build("ons_lsoa11_bsc", real_data_dir, tmp_path)
    doc = json.loads(raw.read_text())
    feats = doc["features"]
    wales = json.loads(json.dumps(feats[0]))
    wales["properties"].update(LSOA11CD="W01000001", LSOA11NM="Isle of Anglesey 001A")
    feats.append(wales)
    for f in feats:
        props = {k.lower(): v for k, v in f["properties"].items() if k != "FID"}
        f["properties"] = {**props, "objectid": f["id"]}
    raw.write_text(json.dumps(doc))
    got = _convert("ons_lsoa11_bsc", raw)
    assert not got["lsoa11_code"].str.startswith("W").any()
    assert_matches_shared(got, real_data_dir, "lsoa11_boundaries")


def test_countries_with_another_year_in_the_field_names(real_data_dir: Path,
                                                         tmp_path: Path) -> None:
    raw = _build("ons_countries22_buc", real_data_dir, tmp_path)
    raw.write_text(raw.read_text().replace('"CTRY22', '"CTRY23'))
    got = _convert("ons_countries22_buc", raw)
    assert list(got["ctry_code"]) == ["E92000001", "W92000004", "S92000003", "N92000002"]
    assert_matches_shared(got, real_data_dir, "countries_gb")


def _small_lad_layer(shared: Path) -> gpd.GeoDataFrame:
    gdf = _shared(shared, "ltla24_boundaries").iloc[::15]
    return gpd.GeoDataFrame({"LAD24CD": gdf["ltla24_code"], "LAD24NM": gdf["ltla24_name"]},
                            geometry=gdf.geometry.values, crs=4326)


def _check_small_lad(got: pd.DataFrame, shared: Path, tolerance: float = 1e-9) -> None:
    want = _shared(shared, "ltla24_boundaries")
    want = want[want["ltla24_code"].isin(got["ltla24_code"])]
    assert len(got) == len(_small_lad_layer(shared))
    assert list(got.columns) == list(want.columns)
    got, want = _sorted(got, "ltla24_boundaries"), _sorted(want, "ltla24_boundaries")
    same = shapely.equals_exact(shapely.normalize(got.geometry.values),
                                shapely.normalize(want.geometry.values),
                                tolerance=tolerance)
    assert same.all()
    assert (got["ltla24_name"].to_numpy() == want["ltla24_name"].to_numpy()).all()


def test_boundaries_in_british_national_grid(real_data_dir: Path, tmp_path: Path) -> None:
    bng = _small_lad_layer(real_data_dir).to_crs(27700)
    feats = [{"type": "Feature", "properties": {"LAD24CD": c, "LAD24NM": n},
              "geometry": mapping(g)} for c, n, g in zip(bng["LAD24CD"], bng["LAD24NM"],
                                                         bng.geometry, strict=True)]
    doc = {"type": "FeatureCollection", "features": feats,
           "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::27700"}}}
    path = tmp_path / "lad_bng.geojson"
    path.write_text(json.dumps(doc))
    got = _convert("ons_lad24_buc", path)
    assert got.crs.to_epsg() == 4326
    _check_small_lad(got, real_data_dir, tolerance=1e-6)


def test_boundaries_as_geopackage_and_zip(real_data_dir: Path, tmp_path: Path) -> None:
    layer = _small_lad_layer(real_data_dir)
    gpkg = tmp_path / "LAD_MAY_2024_UK_BUC.gpkg"
    layer.to_file(gpkg, driver="GPKG")
    _check_small_lad(_convert("ons_lad24_buc", gpkg), real_data_dir)
    geojson = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"LAD24CD": c, "LAD24NM": n}, "geometry": mapping(g)}
        for c, n, g in zip(layer["LAD24CD"], layer["LAD24NM"], layer.geometry, strict=True)]}
    zipped = write_zip(tmp_path / "Local_Authority_Districts_May_2024_Boundaries_UK_BUC.zip",
                       {"LAD_MAY_2024_UK_BUC.geojson": json.dumps(geojson)})
    _check_small_lad(_convert("ons_lad24_buc", zipped), real_data_dir)
    shp_dir = tmp_path / "shp"
    shp_dir.mkdir()
    layer.to_file(shp_dir / "LAD_MAY_2024_UK_BUC.shp")
    shp_zip = write_zip(tmp_path / "Local_Authority_Districts_May_2024_Boundaries_UK_BUC_shp.zip",
                        [(f"LAD_MAY_2024_UK_BUC/{part.name}", part.read_bytes())
                         for part in shp_dir.iterdir()])
    _check_small_lad(_convert("ons_lad24_buc", shp_zip), real_data_dir)


def test_boundaries_as_esri_json(real_data_dir: Path, tmp_path: Path) -> None:
    layer = _small_lad_layer(real_data_dir)
    feats = []
    for code, name, geom in zip(layer["LAD24CD"], layer["LAD24NM"], layer.geometry, strict=True):
        rings = []
        for poly in shapely.get_parts(geom):
            poly = shapely.geometry.polygon.orient(poly, sign=-1.0)  # outer clockwise
            rings.append([list(c) for c in poly.exterior.coords])
            rings += [[list(c) for c in hole.coords] for hole in poly.interiors]
        feats.append({"attributes": {"LAD24CD": code, "LAD24NM": name},
                      "geometry": {"rings": rings}})
    path = tmp_path / "lad.json"
    path.write_text(json.dumps({"spatialReference": {"wkid": 4326, "latestWkid": 4326},
                                "features": feats}))
    _check_small_lad(_convert("ons_lad24_buc", path), real_data_dir)


def _pwc_subset(shared: Path) -> pd.DataFrame:
    return _shared(shared, "lsoa21_pwc").iloc[::40]


def test_centroids_csv_in_degrees(real_data_dir: Path, tmp_path: Path) -> None:
    t = _pwc_subset(real_data_dir)
    path = write_csv(tmp_path / "LLSOA_Dec_2021_PWC_for_England_and_Wales_2022_123.csv",
                     pd.DataFrame({"FID": range(len(t)), "LSOA21CD": t["lsoa21_code"],
                                   "GlobalID": "", "x": t["lon"], "y": t["lat"]}), bom=True)
    got = _convert("ons_lsoa21_pwc", path)
    pd.testing.assert_frame_equal(got, t.reset_index(drop=True), check_dtype=False)


def test_centroids_csv_in_british_national_grid(real_data_dir: Path, tmp_path: Path) -> None:
    from pyproj import Transformer

    t = _pwc_subset(real_data_dir)
    east, north = Transformer.from_crs(4326, 27700, always_xy=True).transform(
        t["lon"].to_numpy(), t["lat"].to_numpy())
    path = write_csv(tmp_path / "pwc_bng.csv",
                     pd.DataFrame({"LSOA21CD": t["lsoa21_code"], "x": east, "y": north}))
    got = _convert("ons_lsoa21_pwc", path)
    assert (got["lsoa21_code"].to_numpy() == t["lsoa21_code"].to_numpy()).all()
    for col in ("lat", "lon"):
        assert np.abs(got[col].to_numpy() - t[col].to_numpy()).max() <= 1e-4 + 1e-9


# ----------------------------------------------------------------------------- bad files
#: a bad file's maker: (path to write, the good file's builder) -> path
Maker = Callable[[Path, Callable[[], Path]], Path]


def _write(text: str | bytes) -> Maker:
    def write(path: Path, raw: Callable[[], Path]) -> Path:
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path
    return write


def _edit_csv(edit: Callable[[pd.DataFrame], pd.DataFrame]) -> Maker:
    def write(path: Path, raw: Callable[[], Path]) -> Path:
        return write_csv(path, edit(_csv(raw())), bom=True)
    return write


def _truncate(path: Path, raw: Callable[[], Path]) -> Path:
    data = raw().read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def _as_csv_table(path: Path, raw: Callable[[], Path]) -> Path:
    gdf = ons._read(raw())
    pd.DataFrame(gdf.drop(columns="geometry")).to_csv(path, index=False)
    return path


_HTML = ("<!DOCTYPE html>\n<html><head><title>ArcGIS Hub</title></head>"
         "<body>Sign in</body></html>")
_MSOA_CLASH = _edit_csv(lambda f: pd.concat([f, f.head(1).assign(MSOA11CD="E02999999")]))

BAD: list[tuple[str, str, Maker, str]] = [
    ("ons_lad24_rgn24", "html", _write(_HTML), "web page"),
    ("ons_lsoa21_bsc", "html", _write("\ufeff  " + _HTML), "web page"),
    ("ons_lad24_buc", "truncated json", _truncate, "not valid JSON"),
    ("ons_lsoa21_pwc", "arcgis error",
     _write('{"error": {"code": 400, "message": "Invalid or missing input parameters."}}'),
     "Invalid or missing input"),
    ("ons_countries22_buc", "json without features", _write('{"type": "Topology"}'),
     "feature collection"),
    ("ons_lsoa21_bsc", "no features", _write('{"type": "FeatureCollection", "features": []}'),
     "no features"),
    ("ons_lad21_rgn21", "empty", _write(b""), "empty"),
    ("ons_lad21_rgn21", "only a BOM", _write(b"\xef\xbb\xbf\r\n"), "empty"),
    ("ons_lad24_rgn24", "missing field", _edit_csv(lambda f: f.drop(columns="RGN24CD")),
     "RGN24CD"),
    ("ons_lsoa21_ruc21", "no England rows",
     _edit_csv(lambda f: f.assign(LSOA21CD="W" + f["LSOA21CD"].str[1:])), "no rows for England"),
    ("ons_lsoa11_lsoa21_lad22", "odd change code",
     _edit_csv(lambda f: f.assign(CHGIND="Q")), "CHGIND"),
    ("ons_oa11_lsoa11_msoa11", "LSOA in two MSOAs", _MSOA_CLASH, "more than one row"),
    ("ons_lsoa21_wd24_lad24", "duplicate LSOA",
     _edit_csv(lambda f: pd.concat([f, f.head(1).assign(WD24CD="E05999999")])),
     "more than one row"),
    ("ons_lad24_buc", "boundaries as a table", _as_csv_table, "no geometry"),
    ("ons_lsoa21_pwc", "centroids without coordinates",
     _write("LSOA21CD,LSOA21NM\nE01000001,City of London 001A\n"), "no coordinates"),
    ("ons_lsoa21_pwc", "centroids with blank coordinates",
     _write("LSOA21CD,x,y\nE01000001,-0.0962,51.5196\nE01000002,,\n"), "no coordinates"),
    ("ons_lsoa11_wd21_lad21", "workbook without the lookup", _write(b"PK\x03\x04garbage"),
     "damaged"),
    ("ons_lsoa21_bsc", "polygon-less features",
     _write('{"type":"FeatureCollection","features":[{"type":"Feature","properties":'
            '{"LSOA21CD":"E01000001","LSOA21NM":"x"},"geometry":{"type":"Point",'
            '"coordinates":[0,51]}}]}'), "not area boundaries"),
    ("ons_lsoa21_bsc", "feature without geometry",
     _write('{"type":"FeatureCollection","features":[{"type":"Feature","properties":'
            '{"LSOA21CD":"E01000001","LSOA21NM":"x"},"geometry":{"type":"Polygon",'
            '"coordinates":[[[0,51],[1,51],[1,52],[0,51]]]}},{"type":"Feature","properties":'
            '{"LSOA21CD":"E01000002","LSOA21NM":"y"},"geometry":null}]}'), "no geometry"),
    ("ons_lsoa21_bsc", "broken geometry",
     _write('{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},'
            '"geometry":{"type":"Polygon","coordinates":"nonsense"}}]}'), "cannot be read"),
]


@pytest.mark.parametrize(("source_id", "case", "make", "expect"), BAD,
                         ids=[f"{b[0]}-{b[1]}" for b in BAD])
def test_bad_files_raise_a_validation_error_naming_the_file(
        source_id: str, case: str, make: Maker, expect: str,
        real_data_dir: Path, tmp_path: Path) -> None:
    path = make(tmp_path / f"bad_{SOURCES[source_id].file_name}",
                lambda: _build(source_id, real_data_dir, tmp_path))
    with pytest.raises(ValidationError) as err:
        SOURCES[source_id].convert(path)
    assert path.name in str(err.value)
    assert expect.lower() in str(err.value).lower()


def test_workbook_without_the_header_row(tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["Nothing to see"])
    path = tmp_path / "LSOA11_WD21_LAD21_EW_LU_V2.xlsx"
    book.save(path)
    with pytest.raises(ValidationError, match="LSOA11CD") as err:
        SOURCES["ons_lsoa11_wd21_lad21"].convert(path)
    assert path.name in str(err.value)


def test_workbook_cells_read_as_text(tmp_path: Path) -> None:
    """Header names trimmed, whole numbers without ``.0``, blanks as ``""``, unnamed columns and
    blank rows left out."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append([" LSOA11CD ", "FID", "Share", None, "Note"])
    sheet.append(["E01000001 ", 1, 0.5, "unnamed", None])
    sheet.append([None, None, None, None, None])
    sheet.append(["E01000002", 2.0, 1.25, None, " "])
    path = tmp_path / "LSOA11_WD21_LAD21_EW_LU_V2.xlsx"
    book.save(path)
    frame = ons._read(path, "LSOA11CD")
    assert list(frame.columns) == ["LSOA11CD", "FID", "Share", "Note"]
    assert frame.to_numpy().tolist() == [["E01000001", "1", "0.5", ""],
                                         ["E01000002", "2", "1.25", ""]]


def test_damaged_workbook(tmp_path: Path) -> None:
    path = tmp_path / "LSOA11_WD21_LAD21_EW_LU_V2.xlsx"
    write_zip(path, {"xl/workbook.xml": "<workbook>cut sh"})
    with pytest.raises(ValidationError, match="not a readable .xlsx workbook") as err:
        SOURCES["ons_lsoa11_wd21_lad21"].convert(path)
    assert path.name in str(err.value)


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "LAD24_RGN24_EN_LU.csv"
    with pytest.raises(ValidationError) as err:
        SOURCES["ons_lad24_rgn24"].convert(path)
    assert path.name in str(err.value)
