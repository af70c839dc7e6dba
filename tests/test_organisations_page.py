"""Organisations page through the real router: default layers, an upload, column mapping."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT, open_app

PAGE = "app_pages/organisations.py"
MESSY = (ROOT / "tests" / "data" / "messy_postcodes.csv").read_bytes()


def _open(**query: str) -> AppTest:
    return open_app(PAGE, **query)


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_default_layer_birmingham_then_libraries() -> None:
    at = _open()
    assert at.session_state["nm_area"].name == "Birmingham"
    m = _metrics(at)
    assert m["Rows in the list"] == "958"  # Give Food, every row accounted for
    assert any("14 organisations shown" in c.value or "organisations shown" in c.value for c in at.caption)
    assert len(at.get("download_button")) >= 3
    at.selectbox(key="orgs_layer").set_value("libraries").run()
    assert not at.exception
    assert _metrics(at)["Rows in the list"] == "3,487"
    at.selectbox(key="orgs_measure").set_value("health").run()
    assert not at.exception
    at.selectbox(key="orgs_layer").set_value("grants_trafford").run()  # none in Birmingham
    assert not at.exception
    assert any("Most of this list is in Trafford" in i.value for i in at.info)
    at.selectbox(key="orgs_layer").set_value("libraries").run()
    assert at.session_state["nm_org_choice"]["layer"] == "libraries"
    # another page's picker follows the choice
    at.switch_page("app_pages/gaps.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["gaps_layer_layer"] == "libraries"


def test_upload_messy_csv_every_row_accounted_for() -> None:
    at = _open()
    at.radio(key="orgs_source").set_value("upload").run()
    assert not at.exception
    at.file_uploader(key="orgs_upload").set_value(("members.csv", MESSY, "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    m = _metrics(at)
    assert m["Rows in the list"] == "19"
    assert m["Placed in an English LSOA"] == "10" and m["Not placed"] == "9"
    summary = at.dataframe[0].value
    assert int(summary["Rows"].sum()) == 19
    assert "outside England (Wales)" in set(summary["Status"])
    labels = [b.label for b in at.get("download_button")]
    assert any("not placed" in str(x) for x in labels)
    assert at.session_state["nm_org_layer"].filename == "members.csv"
    # the choice survives a rerun, and the Portfolio page's picker uses the same upload
    at.run()
    assert _metrics(at)["Rows in the list"] == "19"
    at.switch_page("app_pages/portfolio.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["pf_layer_source"] == "upload"
    assert at.session_state["nm_org_layer"].filename == "members.csv"


def test_upload_with_unknown_columns_then_map_them() -> None:
    at = _open()
    at.radio(key="orgs_source").set_value("upload").run()
    odd = b"Group,Where,Kind\nAlpha,B31 2LB,Youth\nBeta,M1 1AE,Food\nGamma,CF10 1AA,Food\n"
    at.file_uploader(key="orgs_upload").set_value(("odd.csv", odd, "text/csv")).run()
    assert not at.exception
    assert any("No column looks like a postcode" in e.value for e in at.error)
    postcode_box = next(s for s in at.selectbox if s.key and s.key.endswith("_postcode"))
    postcode_box.set_value("Where").run()
    assert not at.exception, [e.value for e in at.exception]
    m = _metrics(at)
    assert m["Rows in the list"] == "3" and m["Placed in an English LSOA"] == "2"


@pytest.mark.demo
def test_upload_empty_file_shows_error() -> None:
    at = _open()
    at.radio(key="orgs_source").set_value("upload").run()
    at.file_uploader(key="orgs_upload").set_value(("empty.csv", b"", "text/csv")).run()
    assert not at.exception
    assert any("empty" in e.value for e in at.error)


def test_england_view_aggregates_points() -> None:
    at = _open(area="E92000001")
    assert any("circles sized" in c.value for c in at.caption)


@pytest.mark.demo
def test_point_layers_plain_text_lists_and_units() -> None:
    import json

    import pandas as pd

    from needsmap.viz import maps
    from needsmap.viz.org_points import lad_bubble_layer, point_layer

    orgs = pd.DataFrame({"lat": [52.41, 52.48, None], "lon": [-1.96, -1.89, -1.9],
                         "org_name": ["<b>Alpha</b> & Co", "Beta", "Gamma"],
                         "org_category": pd.Series(["Food", None, "Food"], dtype="string")})
    layer, legend = point_layer(orgs)
    deck = json.loads(maps.make_deck([layer], maps.view_for_bounds([-2, 52.3, -1.8, 52.6])).to_json())
    data = deck["layers"][0]["data"]
    assert len(data) == 2  # the row without coordinates is not drawn
    assert data[0]["colour"] == [255, 99, 20]  # a JSON list, not text
    # plain text: Streamlit HTML-escapes each value when it fills the tooltip template
    assert data[0]["tip_title"] == "<b>Alpha</b> & Co"
    assert deck["layers"][0]["radiusUnits"] == "pixels"
    assert [lab for lab, _ in legend] == ["Food", "(no category)"]
    bubbles = lad_bubble_layer(pd.DataFrame({"lad_name": ["A", "B"], "count": [100, 25],
                                             "lat": [52.0, 53.0], "lon": [-1.0, -2.0]}))
    radii = [r["radius"] for r in bubbles.data]
    assert radii[0] > radii[1] > 0
    bubble_spec = json.loads(maps.make_deck([bubbles], maps.view_for_bounds([-2, 52, -1, 53])).to_json())
    assert bubble_spec["layers"][0]["radiusUnits"] == "pixels"
