"""Coverage gaps page through the real router: radius, need (incl. composite) and basis by key."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import open_app
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
