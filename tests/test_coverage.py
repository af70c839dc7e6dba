"""Coverage gaps on real LSOAs: hand-checked cases, agreement with geopandas joins, classes, need."""

from __future__ import annotations

import itertools
import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from needsmap import areas, data
from needsmap.analysis import coverage as cv
from needsmap.data import map_assets
from needsmap.data.catalog import get_dataset
from needsmap.data.lsoa_points import FROM_PWC, FROM_SURFACE
from needsmap.errors import ValidationError
from needsmap.types import Edition
from needsmap.viz import bivariate
from tests import raw
from tests.raw_points import raw_reference_points

BIRMINGHAM = "E08000025"


@pytest.fixture(scope="module")
def bounds25() -> gpd.GeoDataFrame:
    return data.load_boundaries("2025")


@pytest.fixture(scope="module")
def points25(bounds25: gpd.GeoDataFrame) -> pd.DataFrame:
    """The reference points derived from the raw centroid file (the code's own are checked
    against these in the first test), passed to the analysis in every test below."""
    return raw_reference_points(bounds25)[["x", "y"]]


@pytest.fixture(scope="module")
def bham(table25: pd.DataFrame) -> areas.Area:
    return areas.area_from_code(BIRMINGHAM, table25)


def _orgs(lon: list[float], lat: list[float], codes: list[str | None], *, vintage: str = "lsoa21"
          ) -> pd.DataFrame:
    return pd.DataFrame({"org_name": [f"org {i}" for i in range(len(lon))], "lat": lat, "lon": lon,
                         f"{vintage}_code": codes, "status": "ok"})


def _bng(lon: float, lat: float) -> shapely.Point:
    return gpd.GeoSeries([shapely.Point(lon, lat)], crs=4326).to_crs(27700).iloc[0]


def _ref(points: pd.DataFrame, code: str) -> shapely.Point:
    return shapely.Point(points.loc[code, "x"], points.loc[code, "y"])


# ----------------------------------------------------------------------------- reference points
@pytest.mark.parametrize("edition", ["2025", "2019"])
def test_reference_points_are_population_weighted_centroids(edition: Edition) -> None:
    bounds = data.load_boundaries(edition)
    got = cv.reference_points(bounds)
    want = raw_reference_points(bounds)
    assert list(got.index) == list(want.index) == list(bounds["lsoa_code"].astype(str))
    assert np.allclose(got[["x", "y"]], want[["x", "y"]], rtol=0, atol=0.01)  # metres
    assert ((got["source"] == FROM_PWC) == want["pwc"]).all()
    lookup = pd.read_csv(get_dataset("lsoa11_lsoa21_lookup").path, dtype=str)
    if edition == "2025":
        assert want["pwc"].all() and len(got) == 33_755
    else:
        # no 2011 file: an LSOA 2011 unchanged in 2021 (same code, same area) takes the 2021
        # centroid, the 1,034 split, merged or redrawn ones a point inside their polygon
        unchanged = set(lookup.loc[lookup["change_code"] == "U", "lsoa11_code"])
        assert set(got.index[got["source"] == FROM_PWC]) == unchanged
        assert (got["source"] == FROM_SURFACE).sum() == 32_844 - len(unchanged) == 1_034
    proj = bounds.to_crs(27700).set_index("lsoa_code").geometry
    inside = shapely.contains(proj.loc[got.index].to_numpy(), shapely.points(got[["x", "y"]].to_numpy()))
    # the fallback is inside its polygon; the centroids are inside the full-resolution boundary,
    # and all but about 2% inside the generalised one used here (data README)
    assert inside[~want["pwc"].to_numpy()].all()
    assert 0.97 < inside[want["pwc"].to_numpy()].mean() < 0.99


# ----------------------------------------------------------------------------- hand-checked cases
@pytest.mark.demo
def test_org_on_a_boundary_counts_once_inside_and_for_both_neighbours(table25, bounds25, points25, bham
                                                                      ) -> None:
    b = bounds25.set_index("lsoa_code").geometry
    codes = table25.index[table25["lad_code"] == BIRMINGHAM]
    a = codes[0]
    neighbour = next(c for c in codes[1:] if b[a].intersection(b[c]).length > 0)
    shared = b[a].boundary.intersection(b[neighbour].boundary)
    on_line = shapely.line_interpolate_point(shapely.line_merge(shared), 0.5, normalized=True) \
        if shared.geom_type != "MultiLineString" else shapely.get_parts(shared)[0].interpolate(0.5, True)
    # the importer gives a boundary point one LSOA; the count follows that code, once
    orgs = _orgs([on_line.x], [on_line.y], [neighbour])
    r = cv.analyse_gaps(table25, points25, orgs, area=bham, edition="2025", radius_km=1.0)
    d = r.lsoas
    assert d["orgs_in_lsoa"].sum() == 1 and d.loc[neighbour, "orgs_in_lsoa"] == 1
    assert d.loc[a, "orgs_in_lsoa"] == 0
    org = _bng(on_line.x, on_line.y)
    for code in (a, neighbour):
        dist_km = org.distance(_ref(points25, code)) / 1000
        assert d.loc[code, "nearest_org_km"] == pytest.approx(dist_km, abs=1e-6)
        assert d.loc[code, "orgs_within_radius"] == int(dist_km <= 1.0)
    assert r.n_orgs == 1 and r.n_orgs_in_area == 1


@pytest.mark.demo
def test_no_organisation_in_the_area(table25, points25, bham) -> None:
    far = _orgs([-1.6178], [54.9783], ["E01008397"])  # Newcastle upon Tyne, 250 km away
    r = cv.analyse_gaps(table25, points25, far, area=bham, edition="2025")
    d = r.lsoas
    assert len(d) == (table25["lad_code"] == BIRMINGHAM).sum()
    assert (d["orgs_in_lsoa"] == 0).all() and (d["orgs_within_radius"] == 0).all()
    assert (d["orgs_per_1000"] == 0).all() and (d["nearest_org_km"] > 200).all()
    assert (d["coverage_pct"] == 0).all() and (d["coverage_tercile"] == 1).all()
    assert np.allclose(d["gap_score"], 100 * d["need_pct"])
    assert r.n_orgs_in_area == 0
    top50 = table25.loc[d.index].sort_values("imd_rank").head(50)
    pop = int(top50["population"].sum())
    assert cv.summary_sentence(r) == (
        f"50 of the 50 most deprived LSOAs in Birmingham have no organisation within 1 km; "
        f"{pop:,} people live in them.")
    # an empty layer: no distances at all, every LSOA least covered
    empty = cv.analyse_gaps(table25, points25, far.iloc[0:0], area=bham, edition="2025")
    assert empty.lsoas["nearest_org_km"].isna().all() and empty.n_orgs == 0
    assert (empty.lsoas["bivariate_class"].str.endswith("-1")).all()


@pytest.mark.demo
def test_all_organisations_in_one_lsoa(table25, bounds25, points25, bham) -> None:
    codes = table25.index[table25["lad_code"] == BIRMINGHAM]
    home = codes[10]
    p = bounds25.set_index("lsoa_code").geometry[home].representative_point()
    orgs = _orgs([p.x] * 5, [p.y] * 5, [home] * 5)
    for radius in (0.5, 1.0, 2.0):
        d = cv.analyse_gaps(table25, points25, orgs, area=bham, edition="2025", radius_km=radius).lsoas
        assert d.loc[home, "orgs_in_lsoa"] == 5 and d["orgs_in_lsoa"].sum() == 5
        org = _bng(p.x, p.y)
        dist = np.hypot(points25.loc[d.index, "x"] - org.x, points25.loc[d.index, "y"] - org.y) / 1000
        assert np.allclose(d["nearest_org_km"], dist)
        assert (d["orgs_within_radius"] == np.where(dist <= radius, 5, 0)).all()
        # orgs per 1,000 = organisations within the radius / residents whose LSOA point is within it
        one = d.loc[home]
        pool = np.hypot(points25["x"] - points25.loc[home, "x"], points25["y"] - points25.loc[home, "y"])
        catch = table25["population"].reindex(points25.index)[pool <= radius * 1000].sum()
        assert one["catchment_population"] == pytest.approx(catch)
        assert one["orgs_per_1000"] == pytest.approx(1000 * one["orgs_within_radius"] / catch)
        # most LSOAs have none nearby: they are the low class, the others split in half
        assert (d.loc[d["orgs_within_radius"] == 0, "coverage_tercile"] == 1).all()
        covered = d.loc[d["orgs_within_radius"] > 0, "coverage_tercile"]
        assert covered.isin([2, 3]).all() and abs((covered == 2).sum() - (covered == 3).sum()) <= 1 \
            or covered.nunique() == 1


@pytest.mark.demo
def test_organisation_just_outside_the_area_counts_for_an_edge_lsoa(table25, points25, bham) -> None:
    inside = table25.index[table25["lad_code"] == BIRMINGHAM]
    outside = table25.index[table25["lad_code"] != BIRMINGHAM]
    tree_in = points25.loc[inside, ["x", "y"]].to_numpy()
    out_xy = points25.loc[outside, ["x", "y"]].to_numpy()
    from scipy.spatial import cKDTree
    dist, idx = cKDTree(tree_in).query(out_xy)
    j = int(np.argmin(dist))  # the non-Birmingham LSOA point closest to a Birmingham one
    assert dist[j] < 1000
    src = outside[j]
    lon, lat = gpd.GeoSeries([shapely.Point(out_xy[j])], crs=27700).to_crs(4326).iloc[0].coords[0]
    orgs = _orgs([lon], [lat], [src])
    r = cv.analyse_gaps(table25, points25, orgs, area=bham, edition="2025", radius_km=1.0)
    edge = inside[idx[j]]
    assert r.n_orgs == 1 and r.n_orgs_in_area == 0
    assert r.lsoas["orgs_in_lsoa"].sum() == 0
    assert r.lsoas.loc[edge, "orgs_within_radius"] == 1
    assert r.lsoas.loc[edge, "nearest_org_km"] == pytest.approx(dist[j] / 1000, abs=1e-6)
    # the catchment of an edge LSOA includes residents over the border
    pool = np.hypot(points25["x"] - points25.loc[edge, "x"], points25["y"] - points25.loc[edge, "y"])
    near = points25.index[pool <= 1000]
    assert (table25.loc[near, "lad_code"] != BIRMINGHAM).any()
    assert r.lsoas.loc[edge, "catchment_population"] == pytest.approx(
        table25.loc[near, "population"].sum())


@pytest.mark.demo
def test_rejected_and_unplaced_rows_are_left_out(table25, points25, bham) -> None:
    orgs = pd.DataFrame({
        "org_name": ["ok", "no coords", "bad status", "in the sea"],
        "lat": [52.48, None, 52.48, 0.0], "lon": [-1.89, None, -1.89, 0.0],
        "lsoa21_code": ["E01033620", None, "E01033620", None],
        "status": ["ok", "ok", "postcode not found", "ok"],
    })
    r = cv.analyse_gaps(table25, points25, orgs, area=bham, edition="2025")
    assert r.n_orgs == 1


# ----------------------------------------------------------------------------- agreement
@pytest.mark.demo
def test_orgs_in_lsoa_agrees_with_point_in_polygon_join(table25, bounds25, points25) -> None:
    """Real postcode centroids placed by a geopandas join give the same per-LSOA counts."""
    pc = data.read_table("nspl_centroids")
    lat_col, lon_col = "lat", "lon"
    box = pc[pc[lat_col].between(52.38, 52.61) & pc[lon_col].between(-2.03, -1.72)]
    sample = box.sample(4000, random_state=1)
    pts = gpd.GeoDataFrame(sample, geometry=gpd.points_from_xy(sample[lon_col], sample[lat_col]),
                           crs=4326)
    joined = gpd.sjoin(pts, bounds25, predicate="within", how="left")
    joined = joined[~joined.index.duplicated()]
    orgs = pd.DataFrame({"lat": sample[lat_col].to_numpy(), "lon": sample[lon_col].to_numpy(),
                         "lsoa21_code": joined["lsoa_code"].to_numpy(), "org_name": "x"})
    bham = areas.area_from_code(BIRMINGHAM, table25)
    d = cv.analyse_gaps(table25, points25, orgs, area=bham, edition="2025").lsoas
    expected = joined["lsoa_code"].value_counts().reindex(d.index).fillna(0).astype(int)
    assert (d["orgs_in_lsoa"] == expected).all()
    assert d["orgs_in_lsoa"].sum() > 2000
    # within-radius counts agree with an exact geopandas distance join
    refs = gpd.GeoDataFrame(index=d.index, geometry=gpd.points_from_xy(
        points25.loc[d.index, "x"], points25.loc[d.index, "y"]), crs=27700)
    near = gpd.sjoin(refs, pts.to_crs(27700), predicate="dwithin", distance=1000.0)
    within = near.groupby(level=0).size().reindex(d.index).fillna(0).astype(int)
    assert (d["orgs_within_radius"] == within).all()
    nearest = gpd.sjoin_nearest(refs, pts.to_crs(27700), distance_col="m")
    nearest = nearest[~nearest.index.duplicated()]
    assert np.allclose(d["nearest_org_km"], nearest["m"].reindex(d.index) / 1000)


# ----------------------------------------------------------------------------- need
@pytest.mark.demo
def test_composite_need_formula_and_scores(table25) -> None:
    spec = cv.NeedSpec.composite({"income": 2, "health": 1, "crime": 0})
    assert spec.formula() == (
        "Need = (2 × Income deprivation + 1 × Health deprivation and disability) / 3, each domain "
        "as its national percentile (100 = most deprived LSOA in England)")
    frame, label = cv.need_frame(table25, spec, edition="2025")
    n = 33_755
    inc = 100 * (n - table25["income_rank"].astype(float)) / (n - 1)
    hea = 100 * (n - table25["health_rank"].astype(float)) / (n - 1)
    assert np.allclose(frame["need_score"], (2 * inc + hea) / 3)
    assert frame["need_score"].between(0, 100).all()
    assert "Composite" in label
    with pytest.raises(ValidationError):
        cv.NeedSpec.composite({"income": 0})
    with pytest.raises(ValidationError):
        cv.NeedSpec.composite({"income": -1})
    with pytest.raises(ValidationError):
        cv.NeedSpec.composite({"at_risk_jobs_pct": 1})


def test_overall_imd_need_is_the_national_rank_percentile(table19, table25) -> None:
    for table, n in ((table19, 32_844), (table25, 33_755)):
        frame, _ = cv.need_frame(table, cv.NeedSpec(), edition="2025" if n == 33_755 else "2019")
        most = table["imd_rank"].astype(float).idxmin()
        assert frame.loc[most, "need_score"] == pytest.approx(100.0)
        assert frame.loc[table["imd_rank"].astype(float).idxmax(), "need_score"] == pytest.approx(0.0)
        assert (frame["need_decile"] == table["imd_decile"]).all()


@pytest.mark.parametrize("spec", [
    cv.NeedSpec(), cv.NeedSpec("cyp"), cv.NeedSpec("cni"), cv.NeedSpec("eth_minority_pct"),
    cv.NeedSpec("at_risk_jobs_pct"), cv.NeedSpec.composite({"income": 2, "health": 1}),
], ids=lambda s: s.measure_id if not s.is_composite else "composite")
def test_need_from_only_the_columns_it_names(spec: cv.NeedSpec, table25: pd.DataFrame) -> None:
    """The slim table `needsmap gaps` loads (its need's columns and the IMD ones) gives the same need
    as the whole table: NeedSpec.columns names every column need_frame reads."""
    slim = data.load_lsoa_table("2025", columns=[*cv.TABLE_COLUMNS, *spec.columns()])
    assert len(slim.columns) < len(table25.columns) / 3
    got, label = cv.need_frame(slim, spec, edition="2025")
    want, want_label = cv.need_frame(table25, spec, edition="2025")
    pd.testing.assert_frame_equal(got, want)
    assert label == want_label and got["need_score"].notna().sum() > 30_000


@pytest.mark.demo
def test_value_measure_as_need_and_absent_measure(table25, table19, points25, bham) -> None:
    spec = cv.NeedSpec("at_risk_jobs_pct")
    frame, label = cv.need_frame(table25, spec, edition="2025")
    v = table25["at_risk_jobs_pct"]
    hi = v.idxmax()
    lower = (v < v.max()).sum() / (v.notna().sum() - 1)
    assert frame.loc[hi, "need_score"] == pytest.approx(100 * lower)
    assert "%" in label
    with pytest.raises(ValidationError):
        cv.need_frame(table19.drop(columns=[c for c in table19.columns if c.startswith("cni")]),
                      cv.NeedSpec("cni"), edition="2019")


# ----------------------------------------------------------------------------- gap and classes
@pytest.mark.demo
def test_gap_score_ranks_and_bivariate_classes(table25, points25, bounds25, bham) -> None:
    sample = bounds25.sample(3000, random_state=4)
    p = sample.geometry.representative_point()
    orgs = _orgs(list(p.x), list(p.y), list(sample["lsoa_code"]))
    r = cv.analyse_gaps(table25, points25, orgs, area=bham, edition="2025", radius_km=1.5)
    d = r.lsoas
    n = len(d)
    assert d["gap_score"].between(0, 100).all()
    assert d["gap_rank"].iloc[0] == 1 and d["gap_score"].is_monotonic_decreasing
    assert np.allclose(d["gap_score"], 100 * d["need_pct"] * (1 - d["coverage_pct"]))
    # need percentiles: share of the other LSOAs with lower need
    lower = d["need_score"].apply(lambda v: (d["need_score"] < v).sum()) / (n - 1)
    assert np.allclose(d["need_pct"], lower)
    # need thirds are (almost) equal; classes match the thirds
    sizes = d["need_tercile"].value_counts()
    assert sizes.max() - sizes.min() <= 2
    expect = d["need_tercile"].astype(str) + "-" + d["coverage_tercile"].astype(str)
    assert (d["bivariate_class"] == expect).all()
    assert set(d["bivariate_class"]) <= set(cv.BIVARIATE_COLOURS)
    top = d.iloc[0]
    assert top["bivariate_class"] == "3-1" and top["bivariate_label"] == "High need, low coverage"


@pytest.mark.demo
def test_coverage_basis_nearest_distance(table25, points25, bounds25, bham) -> None:
    sample = bounds25.sample(500, random_state=2)
    p = sample.geometry.representative_point()
    orgs = _orgs(list(p.x), list(p.y), list(sample["lsoa_code"]))
    d = cv.analyse_gaps(table25, points25, orgs, area=bham, edition="2025",
                        basis="nearest_org_km").lsoas
    furthest = d["nearest_org_km"].idxmax()
    assert d.loc[furthest, "coverage_pct"] == 0
    assert d.loc[d["nearest_org_km"].idxmin(), "coverage_pct"] == 1


@pytest.mark.demo
def test_palette_is_distinct_under_colour_blindness() -> None:
    """Each pair of the nine classes stays apart under simulated deuteranopia and protanopia."""
    sims = {
        "deut": np.array([[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                          [-0.011820, 0.042940, 0.968881]]),
        "prot": np.array([[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                          [-0.003882, -0.048116, 1.051998]]),
        "none": np.eye(3),
    }
    rgb = np.array(list(cv.BIVARIATE_COLOURS.values()), float) / 255
    lin = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    xyz_m = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
    for sim in sims.values():
        xyz = np.clip(lin @ sim.T, 0, 1) @ xyz_m.T / np.array([0.9505, 1.0, 1.089])
        f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
        lab = np.stack([116 * f[:, 1] - 16, 500 * (f[:, 0] - f[:, 1]), 200 * (f[:, 1] - f[:, 2])], 1)
        gaps = [np.linalg.norm(lab[i] - lab[j]) for i, j in itertools.combinations(range(9), 2)]
        assert min(gaps) > 12


def test_coverage_arrays_equal_brute_force_distances(table25, points25) -> None:
    """Counts, nearest distances and catchments from the spatial index equal those from every
    pairwise distance (numpy), for Birmingham's LSOAs, the real food banks and all of England's
    LSOAs as the catchment pool; a point exactly on the circle counts."""
    from needsmap.orgs import load_default_layer

    orgs = cv.org_xy(cv.usable_orgs(load_default_layer("foodbanks").table)[0])
    xy = points25[["x", "y"]].to_numpy()
    pop = table25["population"].reindex(points25.index).fillna(0).to_numpy()
    q = points25.loc[table25.index[table25["lad_code"] == BIRMINGHAM], ["x", "y"]].to_numpy()
    on_circle = q[0] + [600.0, 800.0]  # 1,000 m exactly from the first LSOA's point
    orgs = np.vstack([orgs, on_circle])
    within, nearest, catchment = cv.coverage_arrays(q, orgs, xy, pop, 1000.0)
    d_orgs = np.hypot(q[:, None, 0] - orgs[None, :, 0], q[:, None, 1] - orgs[None, :, 1])
    assert (within == (d_orgs <= 1000.0).sum(axis=1)).all() and within[0] >= 1
    assert np.allclose(nearest, d_orgs.min(axis=1), rtol=0, atol=1e-6)
    d_pool = np.hypot(q[:, None, 0] - xy[None, :, 0], q[:, None, 1] - xy[None, :, 1])
    assert np.allclose(catchment, (d_pool <= 1000.0) @ pop)
    assert (catchment >= table25.loc[table25["lad_code"] == BIRMINGHAM, "population"].to_numpy()).all()
    none = cv.coverage_arrays(q, np.empty((0, 2)), xy, pop, 1000.0)
    assert (none[0] == 0).all() and np.isnan(none[1]).all() and np.array_equal(none[2], catchment)


def test_prepared_catchment_pairs_give_the_same_analysis(table25, points25, bham) -> None:
    """Catchment pairs found once (as the command line caches them) give the analysis found without
    them, for England and for one local authority; pairs made for another radius are not used."""
    from needsmap.orgs import load_default_layer

    orgs = load_default_layer("foodbanks").table
    pairs = cv.catchment_pairs(points25, 1.0)
    assert pairs.attrs["radius_km"] == 1.0 and pairs[["i", "j"]].dtypes.tolist() == ["int32"] * 2
    assert len(pairs) > 200_000 and (pairs["i"] == pairs["j"]).sum() == len(points25)  # each with itself
    for area in (areas.ENGLAND, bham):
        want = cv.analyse_gaps(table25, points25, orgs, area=area, edition="2025").lsoas
        got = cv.analyse_gaps(table25, points25, orgs, area=area, edition="2025", pairs=pairs).lsoas
        pd.testing.assert_frame_equal(got, want)
    stale = cv.analyse_gaps(table25, points25, orgs, area=bham, edition="2025", radius_km=2.0,
                            pairs=pairs).lsoas
    fresh = cv.analyse_gaps(table25, points25, orgs, area=bham, edition="2025", radius_km=2.0).lsoas
    pd.testing.assert_frame_equal(stale, fresh)
    assert (fresh["catchment_population"] > want["catchment_population"].reindex(fresh.index)).mean() > 0.9


# ----------------------------------------------------------------------------- wards, words, exports
def test_wards_summary_and_exports(table25, points25, bounds25, bham) -> None:
    sample = bounds25.sample(2000, random_state=3)
    p = sample.geometry.representative_point()
    orgs = _orgs(list(p.x), list(p.y), list(sample["lsoa_code"]))
    orgs.loc[0, "org_name"] = "=HYPERLINK(\"x\")<script>"
    r = cv.analyse_gaps(table25, points25, orgs, area=bham, edition="2025")
    w = cv.ward_table(r)
    assert w["population"].sum() == pytest.approx(r.lsoas["population"].sum())
    assert w["orgs_in_ward"].sum() == r.lsoas["orgs_in_lsoa"].sum()
    assert w["lsoas"].sum() == len(r.lsoas) and w["ward_code"].is_unique
    one = w.iloc[0]
    sub = r.lsoas[r.lsoas["ward_code"] == one["ward_code"]]
    assert one["need_score"] == pytest.approx(np.average(sub["need_score"], weights=sub["population"]))
    # the sentence, checked by hand from the table
    top = r.lsoas.sort_values("need_score", ascending=False).head(50)
    gap = top[top["orgs_within_radius"] == 0]
    s = cv.summary_sentence(r)
    assert s.startswith(f"{len(gap)} of the 50 most deprived LSOAs in Birmingham ")
    assert f"{int(gap['population'].sum()):,} people" in s
    out = cv.export_table(r)
    assert out.columns[0] == "lsoa21_code" and len(out) == len(r.lsoas)
    for col in ("orgs_in_lsoa", "orgs_within_radius", "nearest_org_km", "population", "orgs_per_1000",
                "imd_decile", "gap_score", "gap_rank", "bivariate_class"):
        assert col in out.columns
    gj = json.loads(cv.gaps_geojson(r, bounds25))
    assert len(gj["features"]) == len(r.lsoas)
    assert gj["features"][0]["properties"]["lsoa21_code"] == r.lsoas.index[0]
    # organisation names reach tooltips as plain text in fixed fields; Streamlit escapes each value
    # as it fills the template (checked in the browser test), so they are not escaped twice
    tips = bivariate.org_tooltips(orgs)
    assert list(tips.columns) == list(bivariate.TOOLTIP_FIELDS)
    assert tips["tip_title"].iloc[0] == "=HYPERLINK(\"x\")<script>"


@pytest.mark.demo
def test_2019_edition_uses_lsoa11_codes(table19) -> None:
    b19 = data.load_boundaries("2019")
    pts = raw_reference_points(b19)[["x", "y"]]
    area = areas.area_from_code(BIRMINGHAM, table19)
    code = table19.index[table19["lad_code"] == BIRMINGHAM][0]
    p = b19.set_index("lsoa_code").geometry[code].representative_point()
    orgs = _orgs([p.x], [p.y], [code], vintage="lsoa11")
    r = cv.analyse_gaps(table19, pts, orgs, area=area, edition="2019")
    assert r.lsoas.loc[code, "orgs_in_lsoa"] == 1
    assert cv.export_table(r).columns[0] == "lsoa11_code"
    with pytest.raises(ValidationError, match="lsoa11_code"):
        cv.analyse_gaps(table19, pts, orgs.rename(columns={"lsoa11_code": "x"}), area=area,
                        edition="2019")


@pytest.mark.demo
def test_bad_radius_is_a_clear_error(table25, points25, bham) -> None:
    with pytest.raises(ValidationError):
        cv.analyse_gaps(table25, points25, _orgs([], [], []), area=bham, edition="2025", radius_km=0)


@pytest.mark.demo
def test_bivariate_map_and_legend(table25, points25, bounds25, bham) -> None:
    sample = bounds25.sample(800, random_state=5)
    p = sample.geometry.representative_point()
    orgs = _orgs(list(p.x), list(p.y), list(sample["lsoa_code"]))
    orgs.loc[0, "org_name"] = "<img src=x onerror=alert(1)>"
    r = cv.analyse_gaps(table25, points25, orgs, area=bham, edition="2025")
    view = bivariate.bivariate_deck(r, bounds25, lad_boundaries=data.load_lad_boundaries(),
                                    ward_boundaries=data.load_ward_boundaries(), orgs=orgs)
    ids = view.layer_ids  # context layers above the LSOA shading (which is drawn from the tileset)
    assert "organisations" in ids and "ward-outlines" in ids and ids[-1] == "place-names"
    assert view.n_lsoas == len(r.lsoas)
    # the only markup in a tooltip is the fixed template; every pickable row has all its fields,
    # as plain text (the browser escapes each value)
    assert view.spec["layer_tooltip"] == bivariate.TOOLTIP_HTML
    dots = view.layer("organisations")["data"]
    assert all(set(bivariate.TOOLTIP_FIELDS) <= set(row) for row in dots)
    assert {row["tip_title"] for row in dots} <= set(orgs["org_name"])  # as given, not pre-escaped
    for layer in view.spec["layers"]:
        for prop in ("widthUnits", "radiusUnits"):
            assert not str(layer.get(prop, "")).startswith("@@=")  # constants, not expressions
    # each LSOA's colour is its need × coverage class
    codes = map_assets.tileset("2025").codes[view.column("feature").raw.astype(int)]
    colours = [tuple(view.spec["palette"][i][:3]) for i in view.column("fill").raw]
    assert colours == [cv.BIVARIATE_COLOURS.get(c, (200, 200, 200))
                       for c in r.lsoas.loc[codes, "bivariate_class"].astype(object)]
    legend = bivariate.bivariate_legend_html(r.lsoas["bivariate_class"].value_counts().to_dict(),
                                             need_label="Need <b>", org_label="Food bank")
    assert legend.count("background:rgb(") >= 10 and "Need &lt;b&gt;" in legend


@pytest.mark.parametrize("ward", ["E05011142", "E05011170"])  # 7 and 15 LSOAs
@pytest.mark.demo
def test_summary_sentence_for_a_small_area(ward, table25, points25, bounds25) -> None:
    area = areas.area_from_code(ward, table25)
    r = cv.analyse_gaps(table25, points25, _orgs([-1.6178], [54.9783], ["E01008397"]), area=area,
                        edition="2025")
    n = len(r.lsoas)
    k = max(1, n // 5)
    top = r.lsoas.sort_values("need_score", ascending=False).head(k)
    s = cv.summary_sentence(r)
    pop = f"{int(top['population'].sum()):,}"
    if k == 1:
        assert s == (f"The most deprived of the {n} LSOAs in {area.name} has no organisation within "
                     f"1 km; {pop} people live in it.")
    else:
        assert s == (f"{k} of the {k} most deprived of the {n} LSOAs in {area.name} have no "
                     f"organisation within 1 km; {pop} people live in them.")
    # an organisation in every LSOA: none is without one
    inside = bounds25.loc[bounds25["lsoa_code"].isin(r.lsoas.index)]
    p = inside.geometry.representative_point()
    full = cv.analyse_gaps(table25, points25, _orgs(list(p.x), list(p.y), list(inside["lsoa_code"])),
                           area=area, edition="2025")
    assert "has at least one organisation within 1 km." in cv.summary_sentence(full)


# ----------------------------------------------------------------------------- headline N, filter, nouns
def _raw_birmingham_case() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Birmingham's LSOAs from the raw files (IMD 2025 rank and decile, Census 2021 residents,
    whether an organisation lies within 1 km of the raw population-weighted centroid) and the
    organisations: one at the raw centroid of every ninth LSOA (by code)."""
    codes = sorted(raw.lad_lsoas(BIRMINGHAM, "2025"))
    pwc = raw.csv("geography/lsoa21_population_weighted_centroids.csv").set_index("lsoa21_code")
    at: list[str | None] = list(codes[::9])
    orgs = _orgs(list(pwc.loc[at, "lon"].astype(float)), list(pwc.loc[at, "lat"].astype(float)), at)
    xy = gpd.GeoSeries(gpd.points_from_xy(pwc.loc[codes, "lon"].astype(float),
                                          pwc.loc[codes, "lat"].astype(float)), crs=4326).to_crs(27700)
    px, py = xy.x.to_numpy(), xy.y.to_numpy()
    ox, oy = px[::9], py[::9]
    dist = np.hypot(px[:, None] - ox[None, :], py[:, None] - oy[None, :])
    imd = raw.imd("2025").loc[codes]
    lsoas = pd.DataFrame({"rank": imd["IMD_rank"].astype(int), "decile": imd["IMD_decile"].astype(int),
                          "population": raw.residents21().reindex(codes).astype(float),
                          "within": (dist <= 1000.0).sum(axis=1)}, index=codes)
    return lsoas, orgs


@pytest.mark.demo
def test_headline_n_and_filter_match_the_raw_files(table25, points25, bham) -> None:
    """The headline for 20 and for 50 neediest LSOAs, and the filter 'IMD deciles 1–2 with none
    within 1 km', against counts made from the raw IMD, Census and centroid files."""
    want, orgs = _raw_birmingham_case()
    r = cv.analyse_gaps(table25, points25, orgs, area=bham, edition="2025", org_noun="community centre")
    assert set(r.lsoas.index) == set(want.index)
    assert np.allclose(r.lsoas["population"], want["population"].reindex(r.lsoas.index))
    for n in (20, 50):
        top = want.sort_values("rank").head(n)
        gap = top[top["within"] == 0]
        assert len(gap) > 0
        assert cv.summary_sentence(r, top_n=n) == (
            f"{len(gap)} of the {n} most deprived LSOAs in Birmingham have no community centre within "
            f"1 km; {int(gap['population'].sum()):,} people live in them.")
    assert cv.summary_sentence(r) == cv.summary_sentence(r, top_n=50)  # 50 is the default
    # every LSOA: "of the N LSOAs", no "most deprived"
    everyone = want[want["within"] == 0]
    assert cv.summary_sentence(r, top_n=10_000) == (
        f"{len(everyone)} of the {len(want)} LSOAs in Birmingham have no community centre within 1 km; "
        f"{int(everyone['population'].sum()):,} people live in them.")
    with pytest.raises(ValidationError):
        cv.summary_sentence(r, top_n=0)

    flt = cv.GapFilter(deciles=(1, 2), none_within=True)
    shown = cv.filter_gaps(r, flt)
    kept = want[(want["decile"] <= 2) & (want["within"] == 0)]
    assert 0 < len(kept) < len(want) and set(shown.lsoas.index) == set(kept.index)
    assert list(shown.lsoas.index) == [c for c in r.lsoas.index if c in set(kept.index)]  # gap order
    assert shown.rank_total == len(want) and r.rank_total == len(want)
    assert cv.filter_sentence(r, shown, flt) == (
        f"{len(kept)} of the {len(want)} LSOAs in Birmingham are in IMD deciles 1–2 and have no "
        f"community centre within 1 km; {int(kept['population'].sum()):,} people live in them.")
    one = cv.GapFilter(deciles=(1, 1))
    assert set(cv.filter_gaps(r, one).lsoas.index) == set(want.index[want["decile"] == 1])
    assert "are in IMD decile 1;" in cv.filter_sentence(r, cv.filter_gaps(r, one), one)
    rich = cv.GapFilter(deciles=(9, 10), none_within=True)
    assert len(cv.filter_gaps(r, rich).lsoas) == ((want["decile"] >= 9) & (want["within"] == 0)).sum()
    # another filter's codes narrow it further; none left: a sentence, not a count of 0
    empty = cv.filter_gaps(r, cv.GapFilter(deciles=(1, 2)), keep=pd.Index([]))
    assert empty.lsoas.empty
    assert cv.filter_sentence(r, empty, cv.GapFilter(deciles=(1, 2))) == (
        f"None of the {len(want)} LSOAs in Birmingham are in IMD deciles 1–2.")
    assert cv.map_summary(empty) == "The map shows no LSOAs: none meets the filter."
    whole = cv.GapFilter()
    assert not whole.active and len(cv.filter_gaps(r, whole).lsoas) == len(want)
    none = want[want["within"] == 0]
    assert cv.filter_sentence(r, cv.filter_gaps(r, whole), whole) == (
        f"All {len(want)} LSOAs in Birmingham are shown; {len(none)} of them have no community centre "
        f"within 1 km, and {int(none['population'].sum()):,} people live in those.")
    summary = cv.map_summary(shown)
    assert summary.startswith(f"The map shades the {len(kept)} LSOAs shown by need and community "
                              "centre coverage: ")
    assert f"{(shown.lsoas['bivariate_class'] == '3-1').sum()} have high need and low coverage" in summary
    with pytest.raises(ValidationError):
        cv.GapFilter(deciles=(3, 2))


@pytest.mark.demo
def test_need_deciles_published_or_from_the_score(table25, points25, bham) -> None:
    """Published deciles for the IMD and its domains (as in the raw file); for a composite the
    decile of the need score, 90–100 being decile 1."""
    orgs = _orgs([-1.6178], [54.9783], ["E01008397"])
    imd = raw.imd("2025")
    health = cv.analyse_gaps(table25, points25, orgs, area=bham, edition="2025",
                             need=cv.NeedSpec("health")).lsoas
    assert (cv.need_deciles(health) == imd.loc[health.index, "Health_decile"].astype(int)).all()
    comp = cv.analyse_gaps(table25, points25, orgs, area=bham, edition="2025",
                           need=cv.NeedSpec.composite({"income": 1, "health": 1})).lsoas
    dec = cv.need_deciles(comp)
    assert comp["need_decile"].isna().all() and dec.notna().all()
    frame = pd.DataFrame({"need_score": [100.0, 95.0, 90.0, 89.99, 10.0, 0.0]})
    assert list(cv.need_deciles(frame)) == [1, 1, 2, 2, 10, 10]
    # the composite's decile 1 is its top 10% by score: each LSOA scoring 90 or more
    assert ((dec == 1) == (comp["need_score"] > 90)).all() and (dec == 1).sum() > 0


def test_organisations_named_by_their_category() -> None:
    """The noun comes from the one category chosen, a list's single category, or the layer."""
    assert cv.plural("food bank") == "food banks" and cv.plural("library") == "libraries"
    assert cv.plural("church") == "churches" and cv.plural("charity (CIO)") == "charities (CIO)"
    assert cv.plural("day") == "days"
    libraries = cv.LAYER_NOUNS["libraries"]
    assert cv.category_nouns("Mobile Library", libraries) == ("mobile library", "mobile libraries")
    assert cv.category_nouns("Archive", libraries) == ("library (Archive)", "libraries (Archive)")
    food = cv.LAYER_NOUNS["foodbanks"]
    assert cv.category_nouns("Trussell Trust", food) == ("food bank (Trussell Trust)",
                                                         "food banks (Trussell Trust)")
    assert cv.category_nouns("Community centres") == ("community centre", "community centres")
    assert cv.category_nouns("Community Centre") == ("Community Centre", "Community Centres")
    assert cv.category_nouns("Other") == cv.ORG_NOUNS and cv.category_nouns("  ") == cv.ORG_NOUNS
    upload = pd.DataFrame({"org_name": ["a", "b", "c"], "lat": [52.48] * 3, "lon": [-1.89] * 3,
                           "org_category": ["Community centre", " Community centre", None]})
    assert cv.org_categories(upload) == ["Community centre"]
    assert cv.org_nouns(upload) == ("community centre", "community centres")
    mixed = upload.assign(org_category=["Community centre", "Church", "Church"])
    assert cv.org_categories(mixed) == ["Church", "Community centre"]  # commonest first
    assert cv.org_nouns(mixed) == cv.ORG_NOUNS
    assert cv.org_nouns(mixed, categories=["Church"]) == ("church", "churches")
    assert cv.org_nouns(mixed, layer_id="foodbanks") == food
    assert len(cv.filter_categories(mixed, ["Church"])) == 2
    assert cv.filter_categories(mixed, []) is mixed
    with pytest.raises(ValidationError):
        cv.filter_categories(mixed.drop(columns="org_category"), ["Church"])


@pytest.mark.demo
def test_category_filter_of_a_default_layer_and_its_headings(table25, points25, bham) -> None:
    """Mobile libraries: as many as the raw file's rows of that type that the importer placed and
    counts; the table headings and sentence say "mobile library"."""
    from needsmap.orgs import load_default_layer

    layer = load_default_layer("libraries").table
    raw_types = pd.read_csv(raw.path("organisations/libraries_england_2023.csv"), encoding="utf-8-sig",
                            dtype=str)["type"].str.strip()
    mobile = cv.filter_categories(layer, ["Mobile Library"])
    assert len(mobile) == (raw_types == "Mobile Library").sum() == 94
    noun, nouns = cv.org_nouns(layer, layer_id="libraries", categories=["Mobile Library"])
    r = cv.analyse_gaps(table25, points25, mobile, area=bham, edition="2025", radius_km=2.0,
                        org_noun=noun, org_plural=nouns)
    assert r.n_orgs == len(cv.usable_orgs(mobile)[0])
    heads = list(cv.gap_table(r).columns)
    assert heads[6:10] == ["Mobile libraries in LSOA", "Mobile libraries within 2 km",
                           "Nearest mobile library (km)", "Mobile libraries per 1,000 residents"]
    assert "Mobile libraries" in cv.ward_table_display(r).columns
    assert "People with no mobile library within 2 km" in cv.ward_table_display(r).columns
    assert "mobile library within 2 km" in cv.summary_sentence(r)


@pytest.mark.demo
def test_rural_urban_filter_narrows_the_gaps(table25, points25) -> None:
    """Stratford-on-Avon's rural LSOAs (the raw Rural-Urban Classification file) in deciles 3–10
    with no organisation within 1 km: the kept LSOAs and the sentence."""
    from needsmap.analysis.rural import apply_ruc_filter

    lad = "E07000221"
    area = areas.area_from_code(lad, table25)
    codes = raw.lad_lsoas(lad, "2025")
    ruc = raw.csv("geography/lsoa21_ruc21.csv").set_index("lsoa21_code").loc[sorted(codes)]
    rural = set(ruc.index[ruc["urban_rural"] == "Rural"])
    assert 0 < len(rural) < len(codes)
    # an organisation at the raw population-weighted centroid of every fifth rural LSOA
    pwc = raw.csv("geography/lsoa21_population_weighted_centroids.csv").set_index("lsoa21_code")
    at: list[str | None] = sorted(rural)[::5]
    orgs = _orgs(list(pwc.loc[at, "lon"].astype(float)), list(pwc.loc[at, "lat"].astype(float)), at)
    xy = gpd.GeoSeries(gpd.points_from_xy(pwc["lon"].astype(float), pwc["lat"].astype(float)),
                       index=pwc.index, crs=4326).to_crs(27700)
    ox, oy = xy.loc[at].x.to_numpy(), xy.loc[at].y.to_numpy()
    r = cv.analyse_gaps(table25, points25, orgs, area=area, edition="2025")
    keep = apply_ruc_filter(table25.loc[r.lsoas.index], "rural").index
    flt = cv.GapFilter(deciles=(6, 10), none_within=True)
    shown = cv.filter_gaps(r, flt, keep=keep)
    deciles = raw.imd("2025")["IMD_decile"]
    near = {c for c in rural if (np.hypot(ox - xy[c].x, oy - xy[c].y) <= 1000.0).any()}
    want = {c for c in rural if deciles[c] >= 6 and c not in near}
    assert 0 < len(want) < len(rural) and set(shown.lsoas.index) == want
    people = int(raw.residents21().loc[sorted(want)].sum())
    assert cv.filter_sentence(r, shown, flt, extra="rural") == (
        f"{len(want)} of the {len(codes)} LSOAs in {area.name} are rural and in IMD deciles 6–10 and "
        f"have no organisation within 1 km; {people:,} people live in them.")
    only = cv.filter_gaps(r, cv.GapFilter(), keep=keep)
    assert set(only.lsoas.index) == rural
    assert cv.filter_sentence(r, only, cv.GapFilter(), extra="rural").startswith(
        f"{len(rural)} of the {len(codes)} LSOAs in {area.name} are rural; ")
