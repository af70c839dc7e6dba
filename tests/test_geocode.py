"""The offline geocoder against the real NSPL centroids and LSOA boundaries."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely

from needsmap import data
from needsmap.config import is_demo
from needsmap.crs import BNG, WGS84, to_bng
from needsmap.data.catalog import get_dataset
from needsmap.orgs import geocode as gc
from needsmap.orgs import postcode_table as pt
from needsmap.types import Edition


@pytest.mark.parametrize(("typed", "clean"), [
    ("B31 2LB", "B312LB"), ("b31 2lb", "B312LB"), ("b312lb", "B312LB"), ("B31  2LB", "B312LB"),
    ("b31 2lb.", "B312LB"), (" B31-2LB ", "B312LB"), ("se16 2ja", "SE162JA"), ("SW1A 1AA", "SW1A1AA"),
    ("CH1 1 RL", "CH11RL"), ("M1 1AE,", "M11AE"),
])
@pytest.mark.demo
def test_normalise_postcode_messy_typing(typed: str, clean: str) -> None:
    assert gc.normalise_postcode(pd.Series([typed])).iloc[0] == clean


@pytest.mark.parametrize("bad", ["", "   ", None, "B31 2L", "12345", "[Unknown]", "n/a - mobile", "XX",
                                 "B31 2LBB", "postcode"])
@pytest.mark.demo
def test_normalise_postcode_rejects_non_postcodes(bad: object) -> None:
    assert pd.isna(gc.normalise_postcode(pd.Series([bad], dtype=object)).iloc[0])


@pytest.mark.demo
def test_place_postcodes_contract_and_index() -> None:
    s = pd.Series(["b31 2lb.", "CF10 1AA", "", "ZZ9 9ZZ"], index=[10, 20, 30, 40])
    out = pt.place_postcodes(s)
    assert list(out.index) == [10, 20, 30, 40]
    for col in ("postcode_clean", "lat", "lon", "lsoa11_code", "lsoa21_code", "status"):
        assert col in out.columns
    assert out["status"].notna().all()


@pytest.mark.demo
def test_place_postcodes_real_birmingham_postcode(geo25: pd.DataFrame) -> None:
    out = pt.place_postcodes(pd.Series(["B31 2LB", "b312lb", "B31-2LB."]))
    assert (out["status"] == gc.OK).all()
    assert out["lsoa21_code"].nunique() == 1
    code21 = out["lsoa21_code"].iloc[0]
    assert geo25.loc[code21, "lad_name"] == "Birmingham"
    assert out["lsoa11_code"].iloc[0] in set(data.load_geography("2019").index)
    assert 52.3 < out["lat"].iloc[0] < 52.5 and -2.1 < out["lon"].iloc[0] < -1.8


@pytest.mark.parametrize(("postcode", "status"), [
    ("CF10 1AA", "outside England (Wales)"),
    ("LL57 2PW", "outside England (Wales)"),
    ("EH1 1YZ", "outside England (Scotland)"),
    ("G1 1XQ", "outside England (Scotland)"),
    ("BT1 5GS", "outside England (Northern Ireland; not in the postcode lookup)"),
    ("IM1 1AF", "outside England (Isle of Man)"),
    ("ZZ9 9ZZ", gc.ST_NOT_FOUND),
    ("PO33 2HF", gc.ST_OFF_BOUNDARY),  # Isle of Wight: centroid offshore, far from any polygon
    ("B31 2L", gc.ST_INVALID),
    ("[Unknown]", gc.ST_PLACEHOLDER),
    ("", gc.ST_NO_INPUT),
])
def test_place_postcodes_reasons(postcode: str, status: str) -> None:
    out = pt.place_postcodes(pd.Series([postcode]))
    assert out["status"].iloc[0] == status
    assert pd.isna(out["lsoa21_code"].iloc[0])


def test_terminated_postcode_without_coordinates() -> None:
    lookup = gc.postcode_lookup()
    no_coords = lookup.index[lookup["lat"].isna() & lookup.index.str.startswith("B1")][:3]
    assert len(no_coords)
    out = pt.place_postcodes(pd.Series(list(no_coords)))
    assert (out["status"] == gc.ST_NO_COORDS).all()


@pytest.mark.demo
def test_sample_of_english_postcodes_is_placed() -> None:
    lookup = gc.postcode_lookup()
    sample = lookup[lookup.index.str.match(r"^(B|WV|CV|WS|DY)\d") & lookup["lat"].notna()]
    sample = sample.sample(2000, random_state=3)
    out = pt.place_postcodes(pd.Series(sample.index))
    assert (out["status"] == gc.OK).mean() > 0.99
    placed = out[out["status"] == gc.OK]
    assert placed["lsoa11_code"].str.startswith("E01").all()
    assert placed["lsoa21_code"].str.startswith("E01").all()


def _easternmost_point() -> tuple[float, float]:
    """The easternmost vertex of England's LSOA 2021 polygons (x, y in British National Grid)."""
    idx = gc._lsoa_index("2025")
    coords = shapely.get_coordinates(idx.geoms)
    i = int(np.argmax(coords[:, 0]))
    return float(coords[i, 0]), float(coords[i, 1])


def _to_wgs84(x: float, y: float) -> tuple[float, float]:
    from pyproj import Transformer

    lon, lat = Transformer.from_crs(BNG, WGS84, always_xy=True).transform(x, y)
    return lat, lon


@pytest.mark.demo
def test_point_just_off_the_polygons_snaps_to_nearest_lsoa() -> None:
    x, y = _easternmost_point()
    near = _to_wgs84(x + 100, y)   # 100 m east of England's easternmost boundary vertex
    far = _to_wgs84(x + 2000, y)  # 2 km out to sea
    out = gc.place_coordinates(pd.Series([near[0], far[0]]), pd.Series([near[1], far[1]]))
    assert out["status"].iloc[0] == gc.OK
    assert out["placed_by"].iloc[0] == gc.BY_COORDS_SNAP
    # at sea, off every country's outline ("coordinates outside Great Britain"); on the demo data
    # (West Midlands only) the point is inland England, just outside the demo's LSOAs
    want = gc.ST_COORDS_OFF_BOUNDARY if is_demo() else gc.ST_OUTSIDE_GB
    assert out["status"].iloc[1] == want
    assert pd.isna(out["lsoa21_code"].iloc[1])
    assert out["confidence"].iloc[0] == gc.CONF_UNCERTAIN and pd.isna(out["confidence"].iloc[1])


@pytest.mark.demo
def test_place_coordinates_swapped_invalid_and_blank() -> None:
    out = gc.place_coordinates(pd.Series([52.415, -1.967, 200.0, None, "abc"], dtype=object),
                               pd.Series([-1.967, 52.415, 10.0, None, "def"], dtype=object))
    assert list(out["status"][:2]) == [gc.OK, gc.OK]
    assert "swapped" in out["placed_by"].iloc[1]
    assert out["lsoa21_code"].iloc[0] == out["lsoa21_code"].iloc[1]
    assert out["status"].iloc[2] == gc.ST_BAD_COORDS
    assert out["status"].iloc[3] == gc.ST_NO_INPUT
    assert out["status"].iloc[4] == gc.ST_UNREADABLE_COORDS


@pytest.mark.demo
def test_split_latlon_single_field() -> None:
    lat, lon = gc.split_latlon(pd.Series(["52.6489495,1.7287352", " 51.5, -0.12 ", "", None]))
    assert lat.iloc[0] == pytest.approx(52.6489495) and lon.iloc[1] == pytest.approx(-0.12)
    assert lat[2:].isna().all()


@pytest.mark.demo
def test_place_lsoa_codes_both_vintages(table19: pd.DataFrame, table25: pd.DataFrame) -> None:
    code21 = next(c for c in table25.index if c not in table19.index)  # a 2021-only LSOA
    code_both = next(c for c in table25.index if c in table19.index)
    out = gc.place_lsoa_codes(pd.Series([code21.lower(), code_both, "E01999999", ""]))
    assert list(out["status"]) == [gc.OK, gc.OK, gc.ST_BAD_LSOA, gc.ST_NO_INPUT]
    assert out["lsoa21_code"].iloc[0] == code21
    assert out["lsoa11_code"].iloc[0] in table19.index  # filled from the ONS best-fit lookup
    assert out["lsoa11_code"].iloc[1] == code_both == out["lsoa21_code"].iloc[1]
    assert out["lat"][:2].notna().all()


@pytest.mark.demo
def test_lsoa_codes_are_drawn_at_the_lsoa_reference_point(table19: pd.DataFrame, table25: pd.DataFrame
                                                          ) -> None:
    # the ONS population-weighted centroid as the raw file gives it: the point Coverage gaps and
    # Portfolio measure from, so an organisation given by LSOA code sits where they count it
    def raw(dataset: str) -> pd.DataFrame:  # the data folder's file (the embedded demo holds parquet)
        path = get_dataset(dataset).path
        return pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path, dtype=str)

    pwc = raw("lsoa21_pwc").set_index("lsoa21_code")[["lat", "lon"]].astype(float)
    lookup = raw("lsoa11_lsoa21_lookup")
    split = lookup.loc[lookup["change_code"] == "S", "lsoa11_code"]
    code11 = next(c for c in split if c in table19.index)  # a 2011 code split in 2021
    code21 = next(c for c in table25.index if c not in table19.index)
    code_both = next(c for c in table25.index if c in table19.index)
    out = gc.place_lsoa_codes(pd.Series([code21, code_both, code11]))
    assert out["lsoa21_code"].iloc[2] in set(lookup.loc[lookup["lsoa11_code"] == code11, "lsoa21_code"])
    want = pwc.loc[[code21, code_both, out["lsoa21_code"].iloc[2]]].to_numpy()
    assert np.allclose(out[["lat", "lon"]].to_numpy(dtype=float), want, rtol=0, atol=1e-7)  # ~1 cm


def test_official_lookup_codes_are_used_as_given(table19: pd.DataFrame, table25: pd.DataFrame) -> None:
    # a made-up NSPL extract: it says B31 2LB is in some other LSOA; its word wins
    other11, other21 = table19.index[5], table25.index[5]
    nspl = pd.DataFrame({"pcds": ["B31 2LB"], "lsoa11": [other11], "lsoa21": [other21]})
    assert gc.looks_like_postcode_lookup(nspl.columns)
    lookup = gc.postcode_lookup_from_frame(nspl)
    out = pt.place_postcodes(pd.Series(["b31 2lb", "M1 1AE"]), lookup=lookup)
    assert out["lsoa11_code"].iloc[0] == other11 and out["lsoa21_code"].iloc[0] == other21
    assert out["placed_by"].iloc[0] == gc.BY_EXACT
    assert out["placed_by"].iloc[1] == gc.BY_POSTCODE  # not in the extract: the centroid method


@pytest.mark.demo
def test_lookup_without_lsoa_columns_is_refused() -> None:
    with pytest.raises(gc.ValidationError, match="NSPL or ONSPD"):
        gc.postcode_lookup_from_frame(pd.DataFrame({"pcds": ["B31 2LB"]}))


@pytest.mark.demo
def test_place_columns_carry_confidence() -> None:
    assert gc.PLACE_COLUMNS[-1] == "confidence"
    for out in (pt.place_postcodes(pd.Series(["B31 2LB", "ZZ9 9ZZ"])),
                gc.place_coordinates(pd.Series([52.415]), pd.Series([-1.96742])),
                gc.place_grid(pd.Series([405000]), pd.Series([287000])),
                gc.place_lsoa_codes(pd.Series(["E01009219", "nonsense"]))):
        assert list(out.columns) == list(gc.PLACE_COLUMNS)
        placed = out["status"] == gc.OK
        assert out.loc[placed, "confidence"].isin([gc.CONF_EXACT, gc.CONF_SURE, gc.CONF_UNCERTAIN]).all()
        assert out.loc[~placed, "confidence"].isna().all()


@pytest.mark.demo
def test_coordinates_as_people_type_them() -> None:
    lat = pd.Series(["52,415", "-1,96742", "0", "0,0", "POINT(-1.96 52.41)", "52°24'54\"N", "", "48.8566",
                     "52.415"], dtype=object)
    lon = pd.Series(["-1,96742", "52,415", "0", "0,0", "", "1°58'3\"W", "", "2.3522", ""], dtype=object)
    out = gc.place_coordinates(lat, lon)
    ref = gc.place_coordinates(pd.Series([52.415]), pd.Series([-1.96742]))
    assert list(out["status"]) == [gc.OK, gc.OK, gc.ST_PLACEHOLDER_COORDS, gc.ST_PLACEHOLDER_COORDS,
                                   gc.ST_UNREADABLE_COORDS, gc.ST_UNREADABLE_COORDS, gc.ST_NO_INPUT,
                                   gc.ST_OUTSIDE_GB, gc.ST_HALF_COORDS]
    assert out["lsoa21_code"].iloc[0] == out["lsoa21_code"].iloc[1] == ref["lsoa21_code"].iloc[0]
    assert out["lat"].iloc[1] == pytest.approx(52.415) and "swapped" in out["placed_by"].iloc[1]


def test_grid_reference_agrees_with_coordinates() -> None:
    from pyproj import Transformer

    # real postcode centroids, converted to the grid with pyproj here, placed both ways
    lookup = gc.postcode_lookup()
    sample = lookup.loc[["B312LB", "M11AE", "SE162JA", "CF101AA"]]
    x, y = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True).transform(
        sample["lon"].to_numpy(), sample["lat"].to_numpy())
    east = pd.Series([f"{v:,.0f}" for v in x])  # with thousands commas, as spreadsheets show them
    grid = gc.place_grid(east, pd.Series(y))
    pts = gc.place_coordinates(pd.Series(sample["lat"].to_numpy()), pd.Series(sample["lon"].to_numpy()))
    assert list(grid["lsoa21_code"].fillna("-")) == list(pts["lsoa21_code"].fillna("-"))
    assert list(grid["status"][:3]) == [gc.OK] * 3
    assert grid["status"].iloc[3] == "coordinates outside England (Wales)"
    assert grid["placed_by"].iloc[0] == gc.BY_GRID
    assert grid["lat"].to_numpy() == pytest.approx(sample["lat"].to_numpy(), abs=1e-5)
    bad = gc.place_grid(pd.Series([900000, "x", 0, None]), pd.Series([100000, "1", 0, None]))
    assert list(bad["status"]) == [gc.ST_OUTSIDE_GB, gc.ST_UNREADABLE_COORDS, gc.ST_PLACEHOLDER_COORDS,
                                   gc.ST_NO_INPUT]


def test_suggest_postcodes_one_character_off() -> None:
    lookup = gc.postcode_lookup()
    sector = lookup.index[lookup.index.str.startswith("B312")]
    assert "B312LB" in sector and "B312LO" not in sector and "B3L2LB" not in lookup.index
    out = gc.suggest_postcodes(pd.Series(["B3l 2LB", "B31 2LB", "", None, "SW1A IAA", "ZZ9 9ZZ",
                                          "B31 2LQ"], index=list("abcdefg")))
    assert list(out.index) == list("abcdefg")
    assert out["a"] == "B31 2LB"    # l typed for 1 in the sector
    assert pd.isna(out["b"])        # a real postcode needs no suggestion
    assert pd.isna(out["c"]) and pd.isna(out["d"]) and pd.isna(out["f"])
    assert out["e"] == "SW1A 1AA"   # I typed for 1
    # a free substitution in the unit: suggested only when the sector has exactly one such postcode
    ones = [p for p in sector if len(p) == 6 and p[:5] == "B312L"]
    expected = ones[0][:-3] + " " + ones[0][-3:] if len(ones) == 1 else None
    assert (out["g"] if pd.notna(out["g"]) else None) == expected


def test_suggest_postcodes_swapped_letters() -> None:
    lookup = gc.postcode_lookup()
    # a real postcode whose last two letters swapped are not a postcode, and whose sector holds
    # no other postcode one substitution away from the swapped form
    pcs = pd.Series(lookup.index[lookup.index.str.startswith("B31")])
    swapped = pcs.str[:-2] + pcs.str[-1] + pcs.str[-2]
    out = gc.suggest_postcodes(swapped)
    has = out.notna()
    assert has.sum() > 50
    assert (out[has].str.replace(" ", "") == pcs[has]).all()


def test_npt_postcodes_are_valid_shape() -> None:
    assert gc.normalise_postcode(pd.Series(["NPT 0AD"])).iloc[0] == "NPT0AD"


def test_point_at_sea_is_outside_great_britain() -> None:
    x, y = _easternmost_point()
    far = _to_wgs84(x + 2000, y)  # 2 km off England's easternmost boundary vertex, at sea
    out = gc.place_coordinates(pd.Series([far[0]]), pd.Series([far[1]]))
    assert out["status"].iloc[0] == gc.ST_OUTSIDE_GB


# ----------------------------------------------------------------------------- fast paths
#: text the Unicode rules treat differently from plain ASCII upper-casing (full-width digits and
#: letters, ß, ligatures, no-break space, Turkish dotted I), beside ordinary messy typing
_UNICODE_TYPING = ["Ｂ３１ ２ＬＢ", "bß1 2lb", "ﬁ1 2lb", "B31\u00a02LB", "İm1 1aa", "se16 2ja", "SE16 2JA\n",
                   "'CV1 1AA", "b31-2lb.", "", "   ", None, np.nan, pd.NA, "[Unknown]", "n/a", "B31"]


@pytest.mark.parametrize("values", [
    pd.Series(_UNICODE_TYPING * 3, dtype=object),
    pd.Series(_UNICODE_TYPING, dtype="string"),
    pd.Series(["b31 2lb", "ｃｖ１ １ａａ", None], dtype="str"),
    pd.Series([12345, 1.5, None, "B31 2LB"], dtype=object),  # not all text: the pandas path
    pd.Series([31.0, np.nan]),
    pd.Series([], dtype=object),
], ids=["object", "string", "str", "mixed", "float", "empty"])
@pytest.mark.demo
def test_normalise_postcode_is_the_unicode_rule_for_any_input(values: pd.Series) -> None:
    # reference: NFKC, Unicode upper case, letters and digits kept, the shape checked (pandas)
    text = values.astype("string").str.normalize("NFKC").str.upper()
    squashed = text.str.replace(r"[^A-Z0-9]", "", regex=True)
    want = squashed.where(squashed.str.fullmatch(gc.POSTCODE_PATTERN.pattern).fillna(False), pd.NA)
    pd.testing.assert_series_equal(gc.normalise_postcode(values), want)
    pd.testing.assert_series_equal(gc._text(values), text)
    assert gc.normalise_postcode(pd.Series(["Ｂ３１ ２ＬＢ"])).iloc[0] == "B312LB"


@pytest.mark.demo
def test_countries_by_outline_agree_with_a_tree_query_near_the_borders() -> None:
    """The per-outline point-in-polygon test gives what the tree query with the "within" predicate
    (and the nearest outline within 300 m) gives, for centroids of the border postcode areas and
    points scattered over Great Britain and its seas."""
    countries = gc._countries()
    assert countries is not None
    cen = data.read_table("nspl_centroids").dropna(subset=["lat"])
    area = cen["postcode"].str.extract(r"^([A-Z]+)", expand=False)
    near = cen[area.isin(["CH", "SY", "HR", "GL", "NP", "LD", "TD", "CA", "DG", "LL"])]
    near = near.sample(min(len(near), 15_000), random_state=3)
    rng = np.random.default_rng(4)
    lat = np.concatenate([near["lat"].to_numpy(), rng.uniform(49.8, 61.0, 5_000)])
    lon = np.concatenate([near["lon"].to_numpy(), rng.uniform(-8.7, 1.9, 5_000)])
    x, y = to_bng().transform(lon, lat)
    pts = shapely.points(x, y)
    pts[:10] = None  # missing points stay None
    got = countries.country(pts)
    want = np.full(len(pts), None, dtype=object)
    idx = np.flatnonzero(~shapely.is_missing(pts))
    want[idx] = gc.OUTSIDE_GB
    inp, tree_i = countries.tree.query(pts[idx], predicate="within")
    want[idx[inp]] = countries.names[tree_i]
    rest = idx[want[idx] == gc.OUTSIDE_GB]
    inp, tree_i = countries.tree.query_nearest(pts[rest], max_distance=gc.SNAP_METRES,
                                               all_matches=False)
    want[rest[inp]] = countries.names[tree_i]
    assert list(got) == list(want)
    assert list(got[:10]) == [None] * 10
    assert {"England", gc.OUTSIDE_GB} <= set(got[10:])


@pytest.mark.demo
def test_points_placed_in_one_vintage_only() -> None:
    lat = pd.Series([52.415, 52.4862, 51.48, np.nan])  # Birmingham ×2, Cardiff, missing
    lon = pd.Series([-1.96742, -1.8904, -3.18, np.nan])
    both = gc.place_points(lat, lon)
    only21 = gc.place_points(lat, lon, vintages=("lsoa21",))
    only11 = gc.place_points(lat, lon, vintages=("lsoa11",))
    pd.testing.assert_series_equal(only21["lsoa21_code"], both["lsoa21_code"])
    assert only21["lsoa11_code"].isna().all() and only11["lsoa21_code"].isna().all()
    placed11 = both["lsoa11_code"].notna()
    assert (only11.loc[placed11, "lsoa11_code"] == both.loc[placed11, "lsoa11_code"]).all()
    pd.testing.assert_series_equal(only21["country"], both["country"])
    assert only21["confidence"].notna().tolist() == both["lsoa21_code"].notna().tolist()
    with pytest.raises(ValueError, match="vintages"):
        gc.place_points(lat, lon, vintages=())
    with pytest.raises(ValueError, match="vintages"):
        gc.place_points(lat, lon, vintages=("lsoa2021",))  # type: ignore[arg-type]


@pytest.mark.demo
@pytest.mark.parametrize("edition", ["2019", "2025"])
def test_prepared_polygons_are_exactly_the_reprojected_boundaries(edition: Edition) -> None:
    """The spatial indices read polygons prepared once in British National Grid (WKB in the cache):
    every coordinate is that of the boundaries reprojected now."""
    index = gc._lsoa_index(edition)
    gdf = data.load_boundaries(edition).to_crs(BNG)
    assert list(index.codes) == gdf["lsoa_code"].astype(str).tolist()
    assert list(shapely.to_wkb(index.geoms)) == list(shapely.to_wkb(np.asarray(gdf.geometry.array)))
    countries = gc._countries()
    assert countries is not None
    outlines = data.read_geometry("countries_gb").to_crs(BNG)
    assert list(countries.names) == outlines["ctry_name"].astype(str).tolist()
    assert list(shapely.to_wkb(countries.geoms)) == list(
        shapely.to_wkb(np.asarray(outlines.geometry.array)))
