"""No postcode in Wales or Scotland is placed in an English LSOA (real data).

The postcodes near the border are found here independently of the geocoder: every centroid of the
staged NSPL file is put in a country with geopandas (point in polygon on ``countries_gb``), and those
in Wales or Scotland within 5 km of England's outline are then given to ``place_postcodes``.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from needsmap.data.catalog import get_dataset
from needsmap.orgs import geocode as gc
from needsmap.orgs import postcode_table as pt

NEAR_METRES = 5_000


@pytest.fixture(scope="module")
def countries() -> gpd.GeoDataFrame:
    path = get_dataset("countries_gb").path
    if not path.exists():
        pytest.skip("countries_gb is not in the data folder")
    return gpd.read_parquet(path).to_crs(27700)


def _country_of(points: gpd.GeoDataFrame, countries: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    joined = gpd.sjoin(points, countries[["ctry_name", "geometry"]], predicate="within", how="left")
    joined = joined[~joined.index.duplicated()].drop(columns="index_right")
    joined["area"] = joined["postcode"].str.extract(r"^([A-Z]+)", expand=False)
    return joined


@pytest.fixture(scope="module")
def points() -> gpd.GeoDataFrame:
    raw = pd.read_parquet(get_dataset("nspl_centroids").path).dropna(subset=["lat", "lon"])
    return gpd.GeoDataFrame(raw, geometry=gpd.points_from_xy(raw["lon"], raw["lat"]),
                            crs=4326).to_crs(27700)


@pytest.fixture(scope="module")
def centroids(points: gpd.GeoDataFrame, countries: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The centroids of the postcode areas that touch Wales or Scotland, with their country."""
    areas = gc._WHOLLY_WALES | gc._WHOLLY_SCOTLAND | gc._BORDER | {"NP", "LD", "LL", "DG", "TR", "PO"}
    area = points["postcode"].str.extract(r"^([A-Z]+)", expand=False)
    return _country_of(points[area.isin(areas).to_numpy()], countries)


@pytest.fixture(scope="module")
def near_border(points: gpd.GeoDataFrame, countries: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Every centroid in Wales or Scotland within 5 km of England's outline."""
    geom = countries.set_index("ctry_name").geometry
    england = geom["England"]
    # only the land borders matter: the part of England's outline next to Wales or Scotland
    border = england.boundary.intersection(shapely.union(geom["Wales"], geom["Scotland"]).buffer(50))
    tree = shapely.STRtree(np.asarray(points.geometry.array))
    near = np.unique(tree.query(border, predicate="dwithin", distance=NEAR_METRES + 50))
    joined = _country_of(points.iloc[near], countries)
    return joined[joined["ctry_name"].isin(["Wales", "Scotland"])]


def test_every_welsh_or_scottish_postcode_near_the_border_is_outside_england(
        near_border: gpd.GeoDataFrame) -> None:
    counts = near_border["ctry_name"].value_counts()
    assert counts.get("Wales", 0) > 1_000 and counts.get("Scotland", 0) > 500  # not a vacuous test
    out = pt.place_postcodes(near_border["postcode"].reset_index(drop=True))
    assert out["lsoa21_code"].isna().all() and out["lsoa11_code"].isna().all()
    expected = "outside England (" + near_border["ctry_name"].to_numpy() + ")"
    wrong = out["status"].to_numpy() != expected
    assert not wrong.any(), out.loc[wrong, ["postcode_clean", "status"]].head(10).to_string()


def test_the_same_points_as_coordinates_are_outside_england(near_border: gpd.GeoDataFrame) -> None:
    out = gc.place_coordinates(near_border["lat"].reset_index(drop=True),
                               near_border["lon"].reset_index(drop=True))
    assert out["lsoa21_code"].isna().all()
    expected = "coordinates outside England (" + near_border["ctry_name"].to_numpy() + ")"
    assert (out["status"].to_numpy() == expected).all()


def test_wholly_welsh_or_scottish_areas_are_wholly_so(centroids: gpd.GeoDataFrame) -> None:
    # the postcode areas the geocoder treats as wholly Welsh/Scottish have every centroid there
    # (a few centroids lie just off the generalised coast, in no outline)
    for areas, country in ((gc._WHOLLY_WALES, "Wales"), (gc._WHOLLY_SCOTLAND, "Scotland")):
        sel = centroids[centroids["area"].isin(areas)]
        assert set(sel["area"]) == set(areas)
        assert set(sel["ctry_name"].dropna()) == {country}
    # and the areas left out of them really have English postcodes
    for area in ("NP", "LD", "LL", "DG"):
        assert (centroids.loc[centroids["area"] == area, "ctry_name"] == "England").any()


@pytest.mark.parametrize(("postcode", "status"), [
    ("HR3 5AL", gc.OK),           # Cusop: England, across the Wye from Hay-on-Wye
    ("TD15 1AA", gc.OK),          # Berwick-upon-Tweed
    ("TR21 0HE", gc.OK),          # Isles of Scilly
    ("PO30 1UD", gc.OK),          # Isle of Wight (Newport)
    ("TD15 2SD", gc.OK),          # Holy Island (Lindisfarne)
    ("CH5 1AA", "outside England (Wales)"),    # Queensferry, Flintshire
    ("SY21 7AA", "outside England (Wales)"),   # Welshpool
    ("NP25 3AB", "outside England (Wales)"),   # Monmouth
    ("LD3 7AA", "outside England (Wales)"),    # Brecon
    ("NPT 0AD", "outside England (Wales)"),    # old Newport code: a postcode, in Wales
    ("TD5 7AA", "outside England (Scotland)"), # Kelso
])
def test_known_border_and_island_postcodes(postcode: str, status: str,
                                           centroids: gpd.GeoDataFrame) -> None:
    row = centroids[centroids["postcode"].str.replace(" ", "") == postcode.replace(" ", "")]
    assert len(row) == 1, f"{postcode} is not in the staged postcode file"
    out = pt.place_postcodes(pd.Series([postcode])).iloc[0]
    assert out["status"] == status
    # the right answer comes from the countries' outlines, independently of the geocoder (a
    # coastal centroid may lie just off every outline)
    abroad = row["ctry_name"].iloc[0] in ("Wales", "Scotland")
    assert pd.isna(out["lsoa21_code"]) == abroad
    if not abroad:
        assert out["confidence"] in (gc.CONF_SURE, gc.CONF_UNCERTAIN)


def test_npt_postcodes_are_postcodes(centroids: gpd.GeoDataFrame) -> None:
    npt = centroids.loc[centroids["area"] == "NPT", "postcode"]
    assert len(npt) > 2_000
    out = pt.place_postcodes(npt.reset_index(drop=True))
    assert not (out["status"] == gc.ST_INVALID).any()
    assert (out["status"] == "outside England (Wales)").all()


def test_without_the_countries_file_the_old_rules_apply(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gc, "_countries", lambda: None)
    out = pt.place_postcodes(pd.Series(["B31 2LB", "CF10 1AA"]))
    assert list(out["status"]) == [gc.OK, "outside England (Wales)"]
    pts = gc.place_coordinates(pd.Series([48.85, 51.48]), pd.Series([2.35, -3.18]))
    assert pts["status"].iloc[0] == gc.ST_OUTSIDE_GB
    assert pts["status"].iloc[1] == "coordinates outside England (probably Wales)"
