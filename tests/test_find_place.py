"""Find your place: the search box's resolver, the sidebar through the real router, the bid bands.

Expected places come from the raw files: the NSPL centroid placed in the raw LSOA boundaries with
geopandas, the ONS lookups and the raw IMD files.
"""

from __future__ import annotations

from functools import cache

import geopandas as gpd
import pandas as pd
import pytest

from needsmap import data
from needsmap.analysis.bands import NO_BAND, bid_band, bid_band_pct, short_band
from needsmap.analysis.place_search import looks_like_postcode, place_options, resolve_place
from needsmap.errors import ValidationError
from needsmap.types import Edition
from tests import raw
from tests.conftest import open_app, type_into
from tests.raw_points import raw_postcode_lsoa
from tests.test_explore_page import map_view


@cache
def _geo() -> pd.DataFrame:
    return data.load_geography("2025")


@pytest.mark.parametrize("typed", ["b16 6re", "B166RE", " B16  6RE "])
def test_a_postcode_however_typed_is_its_lsoa_and_ward(typed: str) -> None:
    lsoa21, lsoa11 = raw_postcode_lsoa("B16 6RE", "lsoa21"), raw_postcode_lsoa("B16 6RE", "lsoa11")
    lk = raw.lsoa21_lookup().loc[lsoa21]
    place = resolve_place(typed, _geo())
    assert place.kind == "postcode" and place.postcode == "B16 6RE"
    assert place.lsoa == {"lsoa21": lsoa21, "lsoa11": lsoa11}
    assert (place.area.level, place.area.code, place.area.name) == ("ward", lk["ward24_code"], lk["ward24_name"])
    assert place.query() == {"postcode": "B16 6RE"}


def test_lsoa_codes_of_either_vintage_and_lsoa_names() -> None:
    lk = raw.lsoa21_lookup()
    by_code = resolve_place("e01009143", _geo())
    assert by_code.kind == "lsoa" and by_code.lsoa["lsoa21"] == "E01009143"
    by_name = resolve_place(str(lk.loc["E01009143", "lsoa21_name"]).lower(), _geo())
    assert by_name.lsoa == by_code.lsoa
    # an LSOA 2011 that was split in 2021 (ONS change code S) goes to one of its 2021 parts
    pairs = raw.csv("geography/lsoa11_lsoa21_ltla22_lookup.csv")
    split = pairs.loc[pairs["change_code"] == "S"].iloc[0]
    place = resolve_place(str(split["lsoa11_code"]), _geo())
    parts = set(pairs.loc[pairs["lsoa11_code"] == split["lsoa11_code"], "lsoa21_code"])
    assert place.lsoa["lsoa11"] == split["lsoa11_code"] and place.lsoa["lsoa21"] in parts


def test_names_codes_and_suggestions_of_areas() -> None:
    lk = raw.lsoa21_lookup()
    opts = place_options(_geo())
    # every region, local authority and ward of the raw lookup, once each; wards name their council
    assert opts["key"].is_unique
    assert (opts["key"].str.startswith("ward:").sum(), opts["key"].str.startswith("lad:").sum()) == (
        lk["ward24_code"].nunique(), lk["ltla24_code"].nunique())
    assert "Ladywood · ward in Birmingham" in set(opts["label"])
    assert resolve_place("Leeds", _geo()).area.code == lk.loc[lk["ltla24_name"] == "Leeds", "ltla24_code"].iloc[0]
    assert resolve_place("ward:E05011151", _geo()).area.name == "Ladywood"
    assert resolve_place("Ladywood · ward in Birmingham", _geo()).area.code == "E05011151"
    assert resolve_place("E12000005", _geo()).area.name == "West Midlands"


@pytest.mark.parametrize(("typed", "says"), [
    ("", "type a postcode"),
    ("xyzzy", "nothing called 'xyzzy'"),
    ("abbey", "names several wards"),
    ("ZZ99 9ZZ", "could not be placed"),
    ("E01999999", "not an LSOA 2011 or LSOA 2021 code"),
])
def test_what_cannot_be_found_says_why(typed: str, says: str) -> None:
    with pytest.raises(ValidationError, match=says):
        resolve_place(typed, _geo())


def test_postcode_shape() -> None:
    assert looks_like_postcode("b16 6re") and looks_like_postcode("SE162JA")
    assert not looks_like_postcode("Birmingham") and not looks_like_postcode("B16")


@pytest.mark.parametrize(("edition", "total"), [("2019", 32_844), ("2025", 33_755)])
def test_bid_bands_follow_the_rank(edition: Edition, total: int) -> None:
    assert total == len(raw.imd(edition))
    # the last rank inside each band, and the first outside it
    for pct in (10, 20, 40, 60):
        last = total * pct // 100
        assert bid_band_pct(last, edition) == pct
        assert bid_band_pct(last + 1, edition) != pct
    assert bid_band(1, edition) == "Top 10% most deprived LSOA"
    assert bid_band(total, edition) == NO_BAND and bid_band(None, edition) == "n/a"
    assert short_band(bid_band(1, edition)) == "Top 10%" and short_band(NO_BAND) == "Not in top 60%"
    with pytest.raises(ValueError):
        bid_band_pct(total + 1, edition)


def test_sidebar_search_selects_the_ward_outlines_the_lsoa_and_goes_into_the_url() -> None:
    lsoa = raw_postcode_lsoa("B16 6RE", "lsoa21")
    at = open_app("app_pages/explore.py", area="E08000025", edition="2025")
    assert "highlight" not in map_view(at).layer_ids
    type_into(at.selectbox(key="nm_search"), "b16 6re").run()
    assert at.session_state["nm_area"].name == "Ladywood"
    assert at.query_params["postcode"] in ("B16 6RE", ["B16 6RE"])
    view = map_view(at)
    assert {"highlight", "highlight-casing"} <= set(view.layer_ids)
    ring = view.layer("highlight")["data"][0]["path"]
    outline = gpd.read_parquet(raw.path("geography/lsoa21_boundaries.parquet")).to_crs(4326)
    poly = outline.set_index("lsoa21_code").geometry.loc[lsoa]
    assert all(poly.boundary.distance(gpd.points_from_xy([x], [y])[0]) < 1e-4 for x, y in ring)
    assert any(lsoa in m.value for m in at.sidebar.markdown)
    # the 2019 map outlines the LSOA 2011 the postcode is in
    at.radio(key="nm_edition_widget").set_value("2019").run()
    ring19 = map_view(at).layer("highlight")["data"][0]["path"]
    outline19 = gpd.read_parquet(raw.path("geography/lsoa11_boundaries.parquet")).to_crs(4326)
    poly19 = outline19.set_index("lsoa11_code").geometry.loc[raw_postcode_lsoa("B16 6RE", "lsoa11")]
    assert all(poly19.boundary.distance(gpd.points_from_xy([x], [y])[0]) < 1e-4 for x, y in ring19)
    # choosing another area in the pickers lets the searched place go
    at.selectbox(key="nm_region").set_value("E12000007").run()  # London
    assert "nm_place" not in at.session_state and "postcode" not in at.query_params
    assert "highlight" not in map_view(at).layer_ids


def test_a_council_outside_the_region_is_one_search_away() -> None:
    at = open_app("app_pages/explore.py", area="E08000025", edition="2025")
    type_into(at.selectbox(key="nm_search"), "lad:E08000035").run()  # Leeds, Yorkshire and The Humber
    assert at.session_state["nm_area"].name == "Leeds"
    assert at.session_state["nm_region"] == "E12000003"


def test_a_search_that_finds_nothing_is_a_warning_and_keeps_the_area() -> None:
    at = open_app("app_pages/explore.py", area="E08000025", edition="2025")
    type_into(at.selectbox(key="nm_search"), "xyzzy").run()
    assert at.session_state["nm_area"].name == "Birmingham"
    assert any("nothing called 'xyzzy'" in w.value for w in at.sidebar.warning)


def test_profile_opens_on_the_postcode_from_the_url_with_the_bid_figures() -> None:
    lsoa = raw_postcode_lsoa("B16 6RE", "lsoa21")
    imd = raw.imd("2025")
    at = open_app("app_pages/profile.py", postcode="b16 6re")
    assert at.radio(key="profile_kind").value == "postcode"
    assert any(f"({lsoa})" in h.value for h in at.header)
    shown = [m.value for m in at.markdown]
    assert f"### {int(imd.loc[lsoa, 'IMD_rank']):,} of {len(imd):,}" in shown
    assert f"### {int(imd.loc[lsoa, 'Health_rank']):,} of {len(imd):,}" in shown
    assert "**IMD 2025 rank (1 = most deprived)**" in shown
