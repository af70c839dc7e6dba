"""Explore need page through the real router: pick a domain, switch to rank, go national, download."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import open_app


def _explore() -> AppTest:
    return open_app("app_pages/explore.py")


def _text(at: AppTest) -> str:
    return " ".join(str(m.value) for m in at.markdown)


def test_birmingham_default_then_domain_rank_and_england() -> None:
    at = _explore()
    assert at.session_state["explore_measure"] == "imd"
    assert at.session_state["explore_view"] == "decile"
    assert "Birmingham has 659 neighbourhoods" in _text(at)
    assert at.get("download_button"), "no CSV download button"
    assert len(at.get("deck_gl_json_chart")) == 1

    at.selectbox(key="explore_group").set_value("IMD domain").run()
    assert at.session_state["explore_measure"] == "income"  # first domain of the group
    at.selectbox(key="explore_measure").set_value("health").run()
    assert not at.exception, [e.value for e in at.exception]
    assert "health deprivation and disability" in _text(at)

    at.radio(key="explore_view").set_value("rank").run()
    assert not at.exception, [e.value for e in at.exception]
    table = at.dataframe[0].value
    rank_col = "Health deprivation and disability rank (of 33,755)"
    assert rank_col in table.columns and table[rank_col].is_monotonic_increasing
    assert len(table) == 659

    at.selectbox(key="nm_region").set_value("__all__").run()  # All England
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["nm_area"].name == "England"
    assert at.session_state["explore_measure"] == "health" and at.session_state["explore_view"] == "rank"
    assert "England has 33,755 neighbourhoods" in _text(at)
    assert any("simplified" in str(i.value) for i in at.info), "England view must say it is simplified"
    assert at.get("download_button")


@pytest.mark.demo
def test_2019_edition_has_no_score_view() -> None:
    at = _explore()
    at.radio(key="nm_edition_widget").set_value("2019").run()
    assert not at.exception, [e.value for e in at.exception]
    assert "score" not in at.radio(key="explore_view").options
    assert "Birmingham has 639 neighbourhoods" in _text(at)
