"""Portfolio figures against independent counts made here straight from the real CSV files."""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from needsmap import data
from needsmap.analysis import portfolio as pf
from needsmap.config import data_dir
from needsmap.data.loaders import is_national, reference_figure
from tests.raw_points import raw_reference_points

# ----------------------------------------------------------------------------- independent inputs


@pytest.fixture(scope="module")
def imd25_csv() -> pd.DataFrame:
    return pd.read_csv(data_dir() / "imd" / "imd2025_lsoa21.csv").set_index("lsoa21_code")


@pytest.fixture(scope="module")
def imd19_csv() -> pd.DataFrame:
    return pd.read_csv(data_dir() / "imd" / "imd2019_lsoa11.csv").set_index("lsoa11_code")


@pytest.fixture(scope="module")
def pop25_csv() -> pd.Series:
    eth = pd.read_csv(data_dir() / "population" / "census2021_ethnicity_lsoa21.csv")
    return eth.drop_duplicates("lsoa21_code").set_index("lsoa21_code")["total_residents"]


@pytest.fixture(scope="module")
def pop19_csv() -> pd.DataFrame:
    return pd.read_csv(data_dir() / "population" / "population_mid2020_lsoa11.csv").set_index("lsoa11_code")


def _sample(index: pd.Index, step: int) -> list[str]:
    """A spread of real LSOA codes: every ``step``-th, plus one repeated twice more."""
    codes = list(index[::step])
    return [*codes, codes[3], codes[3]]


def _orgs(col: str, codes: Sequence[str | None]) -> pd.DataFrame:
    return pd.DataFrame({"org_name": [f"org {i}" for i in range(len(codes))], col: codes})


# ----------------------------------------------------------------------------- real data


def test_deciles_and_thresholds_2025_match_independent_count(table25: pd.DataFrame,
                                                             imd25_csv: pd.DataFrame) -> None:
    codes = _sample(imd25_csv.index, 113)
    orgs = _orgs("lsoa21_code", [*codes, None, "W01001234", "  " + codes[0].lower()])
    res = pf.portfolio_summary(orgs, table25, edition="2025")

    dec = imd25_csv.loc[[*codes, codes[0]], "IMD_decile"].astype(int)  # the lower-case one is placed
    assert res.organisations_placed == len(codes) + 1
    assert res.organisations_unplaced == 2
    assert res.organisations_total == len(orgs)
    assert res.orgs_by_decile == {d: int((dec == d).sum()) for d in range(1, 11)}
    assert set(res.orgs_by_decile) == set(range(1, 11))
    for p in (10, 20, 40, 50):
        assert res.pct_orgs_in_most_deprived[p] == pytest.approx(100 * (dec <= p // 10).mean())
    assert sum(res.unplaced_reasons.values()) == 2
    out = res.to_dict()
    assert out["orgs_by_decile"] == {str(d): int((dec == d).sum()) for d in range(1, 11)}
    assert out["pct_orgs_in_20pct_most_deprived"] == pytest.approx(100 * (dec <= 2).mean(), abs=0.01)


def test_served_population_and_england_2025(table25: pd.DataFrame, imd25_csv: pd.DataFrame,
                                            pop25_csv: pd.Series) -> None:
    codes = _sample(imd25_csv.index, 257)
    res = pf.portfolio_summary(_orgs("lsoa21_code", codes), table25, edition="2025")
    served = sorted(set(codes))  # duplicates count once
    pop = pop25_csv.loc[served]
    in20 = imd25_csv.loc[served, "IMD_decile"] <= 2
    assert res.lsoas_served == len(served)
    assert res.served_population == pytest.approx(pop.sum())
    assert res.pct_served_population_in_20pct_most_deprived == pytest.approx(
        100 * pop[in20].sum() / pop.sum())
    # England: by definition 10% of LSOAs in each decile; residents in the 20% most deprived
    e = res.england
    for d in range(1, 11):
        assert e[f"pct_lsoas_decile_{d}"] == pytest.approx(
            100 * (imd25_csv["IMD_decile"] == d).mean())
        assert e[f"pct_lsoas_decile_{d}"] == pytest.approx(10, abs=0.05)
    all_pop = pop25_csv.reindex(imd25_csv.index)
    assert e["pct_population_in_20pct_most_deprived"] == pytest.approx(
        100 * all_pop[imd25_csv["IMD_decile"] <= 2].sum() / all_pop.sum())


def test_deciles_served_and_children_2019(table19: pd.DataFrame, imd19_csv: pd.DataFrame,
                                          pop19_csv: pd.DataFrame) -> None:
    codes = _sample(imd19_csv.index, 151)
    kids = pf.load_children_0_15("2019")
    res = pf.portfolio_summary(_orgs("lsoa11_code", codes), table19, edition="2019", children=kids)
    dec = imd19_csv.loc[codes, "IMD_decile"].astype(int)
    assert res.orgs_by_decile == {d: int((dec == d).sum()) for d in range(1, 11)}
    assert res.pct_orgs_in_most_deprived[50] == pytest.approx(100 * (dec <= 5).mean())
    served = sorted(set(codes))
    pop = pop19_csv.loc[served, "total_population"]
    in20 = imd19_csv.loc[served, "IMD_decile"] <= 2
    assert res.pct_served_population_in_20pct_most_deprived == pytest.approx(
        100 * pop[in20].sum() / pop.sum())
    # children: the staged IMD 2019 table has IDACI counts but no published rates, and the counts
    # are for mid-2015 populations: no share is given (dividing by mid-2020 children is another year)
    ind = pd.read_csv(data_dir() / "imd" / "imd2019_lsoa11.csv", nrows=0)
    assert not any("idaci" in c.lower() and "score" in c.lower() for c in ind.columns)
    assert res.children_income_deprived_pct is None and res.children_lsoas_used == 0
    assert res.england["children_income_deprived_pct"] is None


def test_wards_by_population_weighted_score_2025(table25: pd.DataFrame, imd25_csv: pd.DataFrame,
                                                 pop25_csv: pd.Series) -> None:
    lk = pd.read_csv(data_dir() / "geography" / "lsoa21_ward24_ltla24_lookup.csv")
    lk = lk.set_index("lsoa21_code")
    frame = pd.DataFrame({"ward": lk["ward24_code"], "score": imd25_csv["IMD_score"],
                          "pop": pop25_csv}).dropna(subset=["ward"])
    frame["sp"] = frame["score"] * frame["pop"]
    g = frame.groupby("ward")
    ward_score = g["sp"].sum() / g["pop"].sum()
    order = ward_score.sort_values(ascending=False)
    top_half = set(order.index[: len(order) // 2])

    codes = _sample(imd25_csv.index, 97)
    res = pf.portfolio_summary(_orgs("lsoa21_code", codes), table25, edition="2025")
    expected = 100 * np.mean([lk.loc[c, "ward24_code"] in top_half for c in codes])
    assert res.ward_method == "average"
    assert res.pct_orgs_in_50pct_most_deprived_wards == pytest.approx(expected)

    ranking = pf.ward_ranking(table25)
    assert len(ranking) == ward_score.size
    assert set(ranking.index[ranking["most_deprived_half"]]) == top_half
    assert ranking["imd_average"].iloc[0] == pytest.approx(order.iloc[0])


@pytest.mark.demo
def test_wards_2019_use_average_rank_and_share20(table19: pd.DataFrame) -> None:
    avg = pf.ward_ranking(table19, method="average")
    assert not avg["imd_average_is_score"].any()  # no 2019 score: population-weighted mean rank
    assert avg["imd_average"].is_monotonic_increasing  # rank 1 = most deprived first
    s20 = pf.ward_ranking(table19, method="share20")
    assert s20["share20_pct"].is_monotonic_decreasing
    if is_national(table19):
        assert s20["most_deprived_half"].sum() == avg["most_deprived_half"].sum() == len(avg) // 2
    else:  # the demo's region: England's ranks and half, from the reference its manifest carries
        for ranking, method in ((avg, "average"), (s20, "share20")):
            n = reference_figure(table19, "wards", method, "n")
            assert isinstance(n, int) and n > len(ranking)
            assert ranking["ward_rank"].is_monotonic_increasing
            assert ranking["most_deprived_half"].sum() == (ranking["ward_rank"] <= n / 2).sum()
    with pytest.raises(ValueError, match="ward method"):
        pf.ward_ranking(table19, method="nope")  # type: ignore[arg-type]


@pytest.mark.demo
def test_radius_matches_brute_force_distances(table25: pd.DataFrame) -> None:
    gdf = data.load_boundaries("2025")
    cent = pf.lsoa_centroids(gdf)
    # the expected LSOAs are measured from the points of the raw population-weighted centroids
    raw = raw_reference_points(gdf)
    # three real points: representative points of Birmingham LSOAs
    bham = table25.index[table25["lad_name"] == "Birmingham"][:3]
    pts = gdf.set_index("lsoa_code").loc[bham].representative_point()
    orgs = pd.DataFrame({"lsoa21_code": list(bham), "lat": pts.y.to_numpy(), "lon": pts.x.to_numpy()})
    served = pf.served_lsoas(orgs.assign(lsoa_code=orgs["lsoa21_code"]), centroids=cent,
                             radius_km=1.5)
    bng = pts.to_crs(27700)
    d = np.hypot(raw["x"].to_numpy()[:, None] - bng.x.to_numpy()[None, :],
                 raw["y"].to_numpy()[:, None] - bng.y.to_numpy()[None, :])
    expected = set(raw.index[(d <= 1500).any(axis=1)]) | set(bham)
    assert set(served) == expected
    assert len(served) > 3
    res = pf.portfolio_summary(orgs, table25, edition="2025", centroids=cent, radius_km=1.5)
    assert res.lsoas_served == len(expected)
    assert res.radius_km == 1.5
    with pytest.raises(ValueError, match="centroids"):
        pf.served_lsoas(orgs.assign(lsoa_code=orgs["lsoa21_code"]), radius_km=1)


def test_children_2025_apportioned_keeps_england_total() -> None:
    k19, k25 = pf.load_children_0_15("2019"), pf.load_children_0_15("2025")
    assert len(k25) == 33_755
    assert k25.sum() == pytest.approx(k19.sum(), rel=1e-9)


@pytest.mark.demo
def test_at_risk_jobs_mean_when_column_exists(table25: pd.DataFrame) -> None:
    codes = list(table25.index[::400])
    res = pf.portfolio_summary(_orgs("lsoa21_code", codes), table25, edition="2025")
    assert "at_risk_jobs_pct" in table25.columns  # on the demo too
    assert res.at_risk_jobs_mean_pct == pytest.approx(table25.loc[codes, "at_risk_jobs_pct"].mean())
    assert 20 < res.england["at_risk_jobs_mean_pct"] < 32  # type: ignore[operator]
    without = pf.portfolio_summary(_orgs("lsoa21_code", codes),
                                   table25.drop(columns="at_risk_jobs_pct"), edition="2025")
    assert without.at_risk_jobs_mean_pct is None
    assert all("jobs" not in s for s in without.sentences())


def test_foodbanks_layer_against_independent_count(table25: pd.DataFrame, imd25_csv: pd.DataFrame) -> None:
    from needsmap.orgs import load_default_layer

    layer = load_default_layer("foodbanks").table
    res = pf.portfolio_summary(layer, table25, edition="2025")
    in_england = layer["status"].eq("ok") & layer["lsoa21_code"].isin(imd25_csv.index)
    ok = in_england & ~layer["org_closed"].astype(bool) & layer["duplicate_of"].isna()
    dec = imd25_csv.loc[layer.loc[ok, "lsoa21_code"], "IMD_decile"].astype(int)
    assert res.organisations_placed == int(ok.sum()) > 500
    assert res.organisations_unplaced == len(layer) - int(in_england.sum())
    assert res.organisations_excluded == int(in_england.sum() - ok.sum()) > 0
    assert res.orgs_by_decile == {d: int((dec == d).sum()) for d in range(1, 11)}
    assert res.pct_orgs_in_most_deprived[20] == pytest.approx(100 * (dec <= 2).mean())


# ----------------------------------------------------------------------------- edge cases (made up)


@pytest.fixture()
def tiny_table() -> pd.DataFrame:
    """Four made-up LSOAs in two wards."""
    return pd.DataFrame({
        "ward_code": ["W1", "W1", "W2", "W2"], "ward_name": ["One", "One", "Two", "Two"],
        "lad_name": ["L"] * 4, "population": [1000, 3000, 2000, 2000],
        "imd_rank": [1, 2, 3, 4], "imd_decile": [1, 2, 6, 10], "imd_score": [60.0, 50.0, 10.0, 2.0],
        "idaci_numerator": [100.0, np.nan, 20.0, 10.0],
    }, index=pd.Index(["A", "B", "C", "D"], name="lsoa_code"))


@pytest.mark.demo
def test_no_organisations(tiny_table: pd.DataFrame) -> None:
    res = pf.portfolio_summary(pd.DataFrame({"lsoa21_code": []}), tiny_table, edition="2025")
    assert res.organisations_placed == res.organisations_total == 0
    assert res.orgs_by_decile == {d: 0 for d in range(1, 11)}
    assert res.pct_orgs_in_most_deprived[20] is None
    assert res.pct_served_population_in_20pct_most_deprived is None
    out = res.to_dict()
    assert out["pct_orgs_in_10pct_most_deprived"] is None
    assert len(res.sentences()) == 1
    assert res.decile_table()["organisations"].sum() == 0


@pytest.mark.demo
def test_all_unplaced_and_missing_column(tiny_table: pd.DataFrame) -> None:
    orgs = pd.DataFrame({"lsoa21_code": ["A", "Z", None],
                         "status": ["postcode not found", "ok", "ok"]})
    res = pf.portfolio_summary(orgs, tiny_table, edition="2025")
    assert res.organisations_placed == 0
    assert res.organisations_unplaced == 3
    assert res.unplaced_reasons == {"postcode not found": 1,
                                    "Z is not an LSOA in England's IMD 2025": 1,
                                    "no LSOA21 code": 1}
    res19 = pf.portfolio_summary(orgs, tiny_table, edition="2019")  # no lsoa11_code column
    assert res19.organisations_unplaced == 3


@pytest.mark.demo
def test_duplicates_count_per_org_but_lsoa_once(tiny_table: pd.DataFrame) -> None:
    orgs = pd.DataFrame({"lsoa21_code": ["A", "A", "A", "C"]})
    kids = pd.Series([500.0, 500.0, 400.0, 400.0], index=tiny_table.index)
    # published IDACI rates and child populations (File 7), made up
    tiny_table = tiny_table.assign(idaci_score=[0.2, np.nan, 0.05, 0.025],
                                   idaci_denominator=[500.0, 500.0, 400.0, 400.0])
    res = pf.portfolio_summary(orgs, tiny_table, edition="2025", children=kids)
    assert res.orgs_by_decile[1] == 3 and res.orgs_by_decile[6] == 1
    assert res.pct_orgs_in_most_deprived[10] == pytest.approx(75)
    assert res.lsoas_served == 2
    assert res.served_population == 3000
    assert res.pct_served_population_in_20pct_most_deprived == pytest.approx(100 / 3)
    # A and C served: (0.2 × 500 + 0.05 × 400) / 900
    assert res.children_income_deprived_pct == pytest.approx(100 * 120 / 900)
    # ward W1 (score 52.5) is the more deprived half of two wards
    assert res.pct_orgs_in_50pct_most_deprived_wards == pytest.approx(75)
    assert res.england["pct_lsoas_in_50pct_most_deprived_wards"] == pytest.approx(50)
    # England over the LSOAs with a published rate: (100 + 20 + 10) / 1300
    assert res.england["children_income_deprived_pct"] == pytest.approx(100 * 130 / 1300)
    assert "75% of the organisations work in the 50% most deprived wards" in " ".join(res.sentences())


@pytest.mark.demo
def test_closed_and_repeated_rows_left_out_unless_asked(tiny_table: pd.DataFrame) -> None:
    orgs = pd.DataFrame({"lsoa21_code": ["A", "A", "C", "D", "Z"],
                         "org_closed": [False, False, True, False, True],
                         "duplicate_of": pd.array([pd.NA, 1, pd.NA, pd.NA, pd.NA], dtype="Int64")})
    res = pf.portfolio_summary(orgs, tiny_table, edition="2025")
    assert (res.organisations_placed, res.organisations_unplaced, res.organisations_excluded) == (2, 1, 2)
    assert res.excluded_reasons == {"marked closed": 1, "repeats an earlier row": 1}
    assert res.orgs_by_decile[1] == 1 and res.orgs_by_decile[10] == 1
    every = pf.portfolio_summary(orgs, tiny_table, edition="2025", include_closed=True,
                                 include_duplicates=True)
    assert every.organisations_placed == 4 and every.organisations_excluded == 0
    assert "2 placed rows were left out: " in res.sentences()[0]
    assert "marked closed (1)" in res.sentences()[0]
    inside = pf.portfolio_summary(orgs, tiny_table, edition="2025", within=["A", "B"],
                                  within_label="Ward One")
    assert inside.organisations_placed == 1
    assert inside.excluded_reasons == {"marked closed": 1, "repeats an earlier row": 1,
                                       "outside Ward One": 1}


@pytest.mark.demo
def test_apportion_split_and_merge() -> None:
    lookup = pd.DataFrame({"lsoa11_code": ["a", "a", "b", "c"], "lsoa21_code": ["x", "y", "z", "z"]})
    pop21 = pd.Series({"x": 100.0, "y": 300.0, "z": 50.0})
    from needsmap.data.crosswalk import apportion_to_lsoa21

    out = apportion_to_lsoa21(pd.Series({"a": 40.0, "b": 5.0, "c": 7.0}), lookup, pop21)
    assert out.to_dict() == pytest.approx({"x": 10.0, "y": 30.0, "z": 12.0})
    frame = apportion_to_lsoa21(pd.DataFrame({"n": [40.0, 5.0, 7.0]}, index=["a", "b", "c"]), lookup, pop21)
    assert frame["n"].to_dict() == pytest.approx({"x": 10.0, "y": 30.0, "z": 12.0})


@pytest.mark.demo
def test_decile_chart_has_ten_bars_and_england_line() -> None:
    from needsmap.viz.portfolio_charts import decile_bar_chart

    fig = decile_bar_chart({1: 3, 2: 1, 10: 0}, edition="2019")
    bar = fig.data[0]
    assert list(bar.x) == list(range(1, 11))
    assert bar.y[0] == pytest.approx(75) and bar.y[9] == 0
    assert len(fig.layout.shapes) == 10 and all(s.y0 == 10 for s in fig.layout.shapes)
    assert "IMD 2019" in fig.layout.xaxis.title.text
    empty = decile_bar_chart({}, edition="2025")
    assert sum(empty.data[0].y) == 0


@pytest.mark.demo
def test_portfolio_radius_and_coverage_gaps_measure_from_the_same_point(table25: pd.DataFrame) -> None:
    """An LSOA is within the radius of an organisation on Portfolio exactly when Coverage gaps
    counts that organisation within the radius of the LSOA: one reference point for both."""
    from needsmap import areas
    from needsmap.analysis import coverage as cv

    gdf = data.load_boundaries("2025")
    raw = raw_reference_points(gdf)
    # the same point for every LSOA (they differed for the ~2% whose centroid is outside the polygon)
    pd.testing.assert_frame_equal(pf.lsoa_centroids(gdf)[["x", "y"]], cv.reference_points(gdf)[["x", "y"]])
    bham = table25.index[table25["lad_name"] == "Birmingham"]
    area = areas.area_from_code(str(table25.loc[bham[0], "lad_code"]), table25)
    # organisations at the population-weighted centroids of a few Birmingham LSOAs, given as WGS84
    # (as an importer gives them) and each placed in a neighbouring LSOA's code, so only the radius
    # can make an LSOA served
    picks = bham[[5, 60, 300]]
    lonlat = gpd.GeoSeries(gpd.points_from_xy(raw.loc[picks, "x"], raw.loc[picks, "y"]),
                           crs=27700).to_crs(4326)
    orgs = pd.DataFrame({"org_name": ["a", "b", "c"], "lat": lonlat.y.to_numpy(),
                         "lon": lonlat.x.to_numpy(), "lsoa21_code": list(bham[[6, 61, 301]]),
                         "status": "ok"})
    radius = 0.8
    served = set(pf.served_lsoas(orgs.assign(lsoa_code=orgs["lsoa21_code"]),
                                 centroids=pf.lsoa_centroids(gdf), radius_km=radius))
    gaps = cv.analyse_gaps(table25, cv.reference_points(gdf), orgs, area=area, edition="2025",
                           radius_km=radius).lsoas
    near = set(gaps.index[gaps["orgs_within_radius"] > 0])
    own = set(orgs["lsoa21_code"])
    assert set(picks) <= near  # each organisation sits on its LSOA's point: distance 0
    assert (served & set(gaps.index)) - own == near - own
    assert len(near) > 3
