"""Explore need page through the real router: pick a domain, switch to rank, go national, download."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from needsmap.viz.lsoa_map import LsoaMap
from tests import raw
from tests.conftest import open_app

#: golden numbers, from the raw files: Birmingham's LSOAs (ONS lookups) and England's (IMD files)
BHAM21, BHAM11 = len(raw.lad_lsoas(raw.BIRMINGHAM, "2025")), len(raw.lad_lsoas(raw.BIRMINGHAM, "2019"))
ENGLAND21 = len(raw.imd("2025"))


def _explore() -> AppTest:
    return open_app("app_pages/explore.py")


def _text(at: AppTest) -> str:
    return " ".join(str(m.value) for m in at.markdown)


def map_view(at: AppTest, key: str = "explore_map") -> LsoaMap:
    """The map view a page sent to the browser component ``key`` (AppTest shows the component as an
    unknown element; its arguments are the spec and the values)."""
    [el] = [e for e in at.get("component_instance") if json.loads(e.proto.json_args).get("key") == key]
    args = {a.key: a.bytes for a in el.proto.special_args}
    return LsoaMap(spec=json.loads(args["spec"]), values=args["values"])


def test_birmingham_default_then_domain_rank_and_england() -> None:
    at = _explore()
    assert at.session_state["explore_measure"] == "imd"
    assert at.session_state["explore_view"] == "decile"
    assert f"Birmingham has {BHAM21:,} neighbourhoods" in _text(at)
    assert at.get("download_button"), "no CSV download button"
    view = map_view(at)
    assert view.n_lsoas == BHAM21 and "/maps/lsoa21-" in view.spec["tileset"]
    assert view.layer_ids[-1] == "place-names" and "ward-outlines" in view.layer_ids
    assert "{imd_decile:,.0f}" in view.spec["tooltip"][2]["text"]  # decile view: the IMD decile

    assert "IMD domain · Health deprivation and disability" in at.selectbox(key="explore_measure").options
    at.button_group(key="explore_quick").set_value("health").run()  # one click on the domain's button
    assert at.session_state["explore_measure"] == "health"
    assert not at.exception, [e.value for e in at.exception]
    assert "health deprivation and disability" in _text(at)

    at.radio(key="explore_view").set_value("rank").run()
    assert not at.exception, [e.value for e in at.exception]
    assert f"Health deprivation and disability: rank {{rank:,.0f}} of {ENGLAND21:,}" in map_view(at).spec["tooltip"][2]["text"]
    table = at.dataframe[0].value
    rank_col = f"Health deprivation and disability rank (of {ENGLAND21:,})"
    assert rank_col in table.columns and table[rank_col].is_monotonic_increasing
    assert len(table) == BHAM21

    at.selectbox(key="nm_region").set_value("__all__").run()  # All England
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["nm_area"].name == "England"
    assert at.session_state["explore_measure"] == "health" and at.session_state["explore_view"] == "rank"
    assert f"England has {ENGLAND21:,} neighbourhoods" in _text(at)
    assert any("generalised" in str(i.value) for i in at.info), "England view must say it is generalised"
    england = map_view(at)
    assert england.n_lsoas == ENGLAND21 and england.deflated_size < 200_000
    assert set(england.layer("lad-outlines")["data"]) == {"@@static"}  # sent once as a file, not per view
    assert at.get("download_button")


@pytest.mark.demo
def test_2019_edition_has_no_score_view() -> None:
    at = _explore()
    at.radio(key="nm_edition_widget").set_value("2019").run()
    assert not at.exception, [e.value for e in at.exception]
    assert "score" not in at.radio(key="explore_view").options
    assert f"Birmingham has {BHAM11:,} neighbourhoods" in _text(at)
    view = map_view(at)
    assert view.n_lsoas == BHAM11 and "/maps/lsoa11-" in view.spec["tileset"]


def test_rural_filter_narrows_map_summary_and_table_to_the_raw_rural_lsoas() -> None:
    shropshire = "E06000051"
    ruc = raw.csv("geography/lsoa21_ruc21.csv").set_index("lsoa21_code")
    lsoas = raw.lad_lsoas(shropshire, "2025")
    rural = sorted(c for c in lsoas if ruc.loc[c, "urban_rural"] == "Rural")
    assert 0 < len(rural) < len(lsoas)
    at = open_app("app_pages/explore.py", area=shropshire, edition="2025")
    at.selectbox(key="explore_ruc").set_value("rural").run()
    assert f"Shropshire (rural LSOAs) has {len(rural):,} neighbourhoods" in _text(at)
    assert map_view(at).n_lsoas == len(rural)
    table = at.dataframe[0].value
    assert sorted(table["LSOA code"]) == rural
    # the breakdown lists every LSOA of the area by group, as the raw file classes them
    parts = at.dataframe[1].value.set_index("Group")  # after the neighbourhoods table
    assert parts.loc["Rural", "LSOAs"] == len(rural) and parts.loc["Urban", "LSOAs"] == len(lsoas) - len(rural)
    for code, n in ruc.loc[sorted(lsoas), "ruc21_code"].value_counts().items():
        [row] = [g for g in parts.index if g.strip().startswith(f"{code} ")]
        assert parts.loc[row, "LSOAs"] == n
