"""Coverage gaps page through the real router: radius, need (incl. composite) and basis by key."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests import raw
from tests.conftest import download_bytes, open_app
from tests.test_explore_page import map_view

pytestmark = pytest.mark.demo

PAGE = "app_pages/gaps.py"


def _choose_layer(at: AppTest, layer_id: str = "foodbanks") -> None:
    """Pick a default organisation layer, through the shared picker or the page's own fallback."""
    keys = {w.key for w in at.selectbox} | {w.key for w in at.radio}
    if "gaps_default_layer" in keys:
        at.selectbox(key="gaps_default_layer").set_value(layer_id).run()
        return
    for w in list(at.selectbox) + list(at.radio):
        if w.key and w.key.startswith("gaps_layer") and layer_id in (w.options or []):
            w.set_value(layer_id).run()
            return


@pytest.fixture(scope="module")
def at() -> AppTest:
    app = open_app(PAGE, timeout=180)
    _choose_layer(app)
    assert not app.exception, [e.value for e in app.exception]
    return app


def _sentence(at: AppTest) -> str:
    return at.subheader[0].value


def test_page_shows_summary_map_and_tables(at: AppTest) -> None:
    assert "LSOAs in Birmingham" in _sentence(at)
    assert at.slider(key="gaps_radius").value == 1.0
    assert "within 1 km" in _sentence(at)
    assert len(at.dataframe) == 2
    gaps = at.dataframe[0].value
    assert list(gaps["Gap rank"][:3]) == sorted(gaps["Gap rank"][:3])
    assert "Food banks within 1 km" in gaps.columns and len(gaps) > 600
    assert {"Ward", "Population", "Gap score"} <= set(at.dataframe[1].value.columns)
    assert any("Need =" in c.value for c in at.caption)
    view = map_view(at, "gaps_map")
    assert view.n_lsoas == len(gaps) and "organisations" in view.layer_ids
    assert view.spec["tooltip"][2]["text"] == f"Gap rank {{gap_rank:,.0f}} of {len(gaps):,}: {{cls}}"
    labels = view.column("cls").labels
    assert labels is not None and "High need, low coverage" in labels


def test_changing_radius_recomputes(at: AppTest) -> None:
    before = at.dataframe[0].value
    at.slider(key="gaps_radius").set_value(2.5).run()
    assert not at.exception, [e.value for e in at.exception]
    assert "within 2.5 km" in _sentence(at)
    after = at.dataframe[0].value
    assert "Food banks within 2.5 km" in after.columns
    assert after["Food banks within 2.5 km"].sum() > before["Food banks within 1 km"].sum()


@pytest.mark.expect_page_error("at least one weight")
def test_changing_need_and_composite(at: AppTest) -> None:
    at.selectbox(key="gaps_need").set_value("health").run()
    assert not at.exception, [e.value for e in at.exception]
    assert "most deprived on health deprivation" in _sentence(at)
    at.selectbox(key="gaps_need").set_value("__composite__").run()
    assert not at.exception, [e.value for e in at.exception]
    at.number_input(key="gaps_w_income").set_value(3.0).run()
    formula = next(c.value for c in at.caption if "Need =" in c.value)
    assert "3 × Income deprivation" in formula and "1 × Health deprivation" in formula
    assert "highest-need (composite)" in _sentence(at)
    # every weight at zero: a clear message, not a traceback
    for key in ("gaps_w_income", "gaps_w_employment", "gaps_w_health"):
        at.number_input(key=key).set_value(0.0).run()
    assert not at.exception
    assert any("at least one weight" in e.value for e in at.error)


def test_changing_coverage_basis(at: AppTest) -> None:
    at.selectbox(key="gaps_need").set_value("imd").run()
    at.selectbox(key="gaps_basis").set_value("nearest_org_km").run()
    assert not at.exception, [e.value for e in at.exception]
    gaps = at.dataframe[0].value
    assert gaps["Nearest food bank (km)"].iloc[0] >= gaps["Nearest food bank (km)"].median()


# ----------------------------------------------------------------------------- filter, headline N, names
@pytest.fixture()
def fresh() -> AppTest:
    app = open_app(PAGE, timeout=180)
    _choose_layer(app)
    return app


def _markdown(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown]


def test_filter_headline_n_and_summaries(fresh: AppTest) -> None:
    """Deciles 1–2 with no food bank within 1 km: the table, counts, map and the sentence follow
    the filter; the headline's N is the officer's; the map has a sentence under it."""
    at = fresh
    everything = at.dataframe[0].value
    n = len(everything)
    assert at.number_input(key="gaps_top").value == 50
    assert any(t.startswith(f"All {n:,} LSOAs in Birmingham are shown; ") for t in _markdown(at))
    # the headline for the 10 most deprived, checked against the raw IMD file's ranks
    at.number_input(key="gaps_top").set_value(10).run()
    ranks = raw.imd("2025")["IMD_rank"].reindex(everything["LSOA code"])
    top10 = everything.set_index("LSOA code").loc[ranks.sort_values().index[:10]]
    gap = top10[top10["Food banks within 1 km"] == 0]
    assert _sentence(at) == (f"{len(gap)} of the 10 most deprived LSOAs in Birmingham have no food bank "
                             f"within 1 km; {int(gap['Population'].sum()):,} people live in them.")

    at.slider(key="gaps_deciles").set_value((1, 2)).run()
    at.checkbox(key="gaps_none_only").check().run()
    shown = at.dataframe[0].value
    deciles = raw.imd("2025")["IMD_decile"].reindex(everything["LSOA code"]).astype(int).to_numpy()
    want = everything[(deciles <= 2) & (everything["Food banks within 1 km"] == 0).to_numpy()]
    assert 0 < len(shown) < n and set(shown["LSOA code"]) == set(want["LSOA code"])
    assert (shown["Food banks within 1 km"] == 0).all() and shown["IMD decile"].isin([1, 2]).all()
    assert shown["Gap rank"].is_monotonic_increasing
    sentence = (f"{len(want):,} of the {n:,} LSOAs in Birmingham are in IMD deciles 1–2 and have no "
                f"food bank within 1 km; {int(want['Population'].sum()):,} people live in them.")
    assert sentence in _markdown(at)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Neighbourhoods (LSOAs)"] == f"{len(want):,} of {n:,}"
    assert metrics["People with no food bank within 1 km"] == f"{want['Population'].sum():,.0f}"
    assert metrics["High need, low coverage"] == f"{(want['Class'] == 'High need, low coverage').sum():,} LSOAs"
    assert metrics["Food banks in these LSOAs"] == f"{int(want['Food banks in LSOA'].sum()):,}"
    view = map_view(at, "gaps_map")
    assert view.n_lsoas == len(want)
    assert view.spec["tooltip"][2]["text"] == f"Gap rank {{gap_rank:,.0f}} of {n:,}: {{cls}}"
    under = [t for t in _markdown(at) if t.startswith("The map shades the ")]
    assert under == [f"The map shades the {len(want):,} LSOAs shown by need and food bank coverage: "
                     f"{(want['Class'] == 'High need, low coverage').sum():,} have high need and low "
                     f"coverage (strong orange) and 0 high need and high coverage (darkest); black dots "
                     f"mark the food banks ({int(want['Food banks in LSOA'].sum()):,} inside these LSOAs); "
                     "the table below gives every LSOA's figures."]
    # the headline is about the whole area: the filter leaves it as it was
    assert _sentence(at).startswith(f"{len(gap)} of the 10 most deprived LSOAs in Birmingham")


def test_csv_headings_are_the_tables_headings(fresh: AppTest) -> None:
    """Both CSV downloads hold exactly the tables on the screen: headings, rows and codes."""
    at = fresh
    at.slider(key="gaps_deciles").set_value((1, 1)).run()
    table = at.dataframe[0].value
    got = raw.read_csv_bytes(download_bytes(at, "Download LSOAs (CSV)"))
    assert list(got.columns) == list(table.columns)
    assert "Food banks within 1 km" in got.columns and "Nearest food bank (km)" in got.columns
    assert list(got["LSOA code"]) == list(table["LSOA code"])
    assert set(got["LSOA code"]) == {c for c, d in raw.imd("2025")["IMD_decile"].items()
                                     if d == 1 and c in raw.lad_lsoas(raw.BIRMINGHAM, "2025")}
    wards = at.dataframe[1].value
    got_w = raw.read_csv_bytes(download_bytes(at, "Download wards (CSV)"))
    assert list(got_w.columns) == list(wards.columns) and len(got_w) == len(wards)
    assert "Food banks per 1,000 residents" in got_w.columns


def test_category_names_the_organisations(fresh: AppTest) -> None:
    """Choosing one category of the list names the organisations by it everywhere."""
    at = fresh
    before = at.dataframe[0].value["Food banks within 1 km"].sum()
    in_area = int(next(m.value for m in at.metric if m.label == "Food banks in Birmingham").replace(",", ""))
    cats = at.multiselect(key="gaps_categories")
    assert {"Trussell Trust", "IFAN", "Independent"} <= set(cats.options)
    cats.set_value(["Trussell Trust"]).run()
    assert "no food bank (Trussell Trust) within 1 km" in _sentence(at)
    table = at.dataframe[0].value
    assert "Food banks (Trussell Trust) within 1 km" in table.columns
    assert 0 < table["Food banks (Trussell Trust) within 1 km"].sum() < before
    trussell = next(m.value for m in at.metric if m.label == "Food banks (Trussell Trust) in Birmingham")
    assert 0 < int(trussell.replace(",", "")) < in_area
    assert at.checkbox(key="gaps_none_only").label == "Only LSOAs with no food bank (Trussell Trust) within 1 km"


def test_rural_urban_filter(fresh: AppTest) -> None:
    """Birmingham has no rural LSOA (raw Rural-Urban Classification file): choosing rural leaves
    none, says so and draws no map; urban keeps all of them."""
    at = fresh
    n = len(at.dataframe[0].value)
    ruc = raw.csv("geography/lsoa21_ruc21.csv").set_index("lsoa21_code")
    bham = raw.lad_lsoas(raw.BIRMINGHAM, "2025")
    assert (ruc.loc[sorted(bham), "urban_rural"] == "Urban").all()
    at.selectbox(key="gaps_ruc").set_value("rural").run()
    assert len(at.dataframe[0].value) == 0
    assert f"None of the {n:,} LSOAs in Birmingham are rural." in _markdown(at)
    assert any("No LSOA meets the filter" in i.value for i in at.info)
    assert not [e for e in at.get("component_instance") if "gaps_map" in e.proto.json_args]
    at.selectbox(key="gaps_ruc").set_value("urban").run()
    assert len(at.dataframe[0].value) == n
    assert f"{n:,} of the {n:,} LSOAs in Birmingham are urban; " in " ".join(_markdown(at))
