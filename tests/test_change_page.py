"""The Change 2019→2025 page and the data sources page, driven headless through the router."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests import raw
from tests.conftest import open_app
from tests.test_explore_page import map_view

#: 2019 ranks rescaled to 2025's LSOA count (England's LSOAs in each raw IMD file)
RANK_CHANGE = f"Rank change (2019 rank × {len(raw.imd('2025')):,} / {len(raw.imd('2019')):,})"


def _open(page: str, **query: str) -> AppTest:
    return open_app(page, timeout=180, **query)


@pytest.mark.demo
def test_change_page_birmingham_interactions() -> None:
    at = _open("app_pages/change.py")
    assert at.session_state["nm_area"].name == "Birmingham"
    metrics = {m.label: m.value for m in at.metric}
    lsoas = raw.lad_lsoas(raw.BIRMINGHAM, "2025")
    same = sum(raw.change_codes().get(c) == "U" for c in lsoas)  # unchanged 2011 → 2021 (ONS)
    assert metrics["Comparable neighbourhoods"] == f"{same:,} of {len(lsoas):,}"
    assert any("relative" in i.value for i in at.info)  # the caveat
    movers = at.dataframe[0].value
    assert len(movers) == 15 and (movers[RANK_CHANGE].abs().diff().dropna() <= 0).all()

    view = map_view(at, "change_map")
    assert view.n_lsoas == len(lsoas) and view.layer_ids[-1] == "place-names"
    assert "change {rank_change:+,.0f} ranks" in view.spec["tooltip"][2]["text"]
    at.radio(key="change_view").set_value("decile").run()
    assert not at.exception
    by_decile = map_view(at, "change_map")
    assert by_decile.column("feature").raw.tolist() == view.column("feature").raw.tolist()  # same LSOAs
    assert by_decile.column("fill").raw.tolist() != view.column("fill").raw.tolist()  # classed anew
    at.selectbox(key="change_direction").set_value("more").run()
    at.number_input(key="change_n").set_value(5).run()
    assert not at.exception
    movers = at.dataframe[0].value
    assert len(movers) == 5 and (movers[RANK_CHANGE] > 0).all()
    assert movers["Boundary change"].eq("U").all()


def test_sources_page_lists_every_dataset_and_its_uses() -> None:
    from needsmap.data.catalog import DATASETS

    at = _open("app_pages/sources.py")
    table = at.dataframe[0].value
    assert len(table) == len(DATASETS)
    used = dict(zip(table["Dataset"], table["Used for"], strict=True))
    bres = next(d.title for d in DATASETS if d.id == "bres2018_jobs")
    assert "Jobs at risk" in used[bres]
    present = dict(zip(table["Dataset"], table["Present"], strict=True))
    fetch_only = {d.title for d in DATASETS if d.id == "nspl_codes"}  # made by `data fetch` only
    assert all(v == "yes" for k, v in present.items() if k not in fetch_only), present
    assert [present[t] for t in fetch_only] == ["missing (optional)"]
    assert any("Community needs" in e.label for e in at.expander)


def test_extra_measures_appear_on_explore_page() -> None:
    from needsmap.measures import get_measure

    at = _open("app_pages/explore.py")
    groups = {o.split(" · ")[0] for o in at.selectbox(key="explore_measure").options}
    for g in ("Jobs and economy", "Community needs", "Ethnicity (Census 2021)", "Change since 2019"):
        assert g in groups, groups
    # one measure of each kind maps and tabulates for Birmingham (2025) without error
    for mid in ("furlough_rate", "cni", "left_behind", "eth_minority_pct", "imd_rank_change"):
        m = get_measure(mid)
        at.selectbox(key="explore_measure").set_value(m.id).run()
        assert not at.exception, (m.id, [e.value for e in at.exception])
        assert at.session_state["explore_measure"] == m.id
    at.selectbox(key="explore_measure").set_value("at_risk_jobs_pct").run()
    assert any("accommodation and food" in c.value for c in at.caption)
