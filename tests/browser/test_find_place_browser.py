"""Find your place in real Chromium: the sidebar's search box, the bid figures, and a phone's screen.

Every expected figure is worked out here from the raw files (the NSPL centroid placed in the raw
LSOA 2021 boundaries with geopandas; the raw IMD 2025, Census 2021 TS067 and mid-2022 population
CSVs), not by needsmap's own code.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import pytest

from tests import raw
from tests.browser.conftest import MAP_FRAME, map_frame, wait_idle, wait_map_drawn
from tests.raw_points import raw_postcode_lsoa

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser

LONG = 300_000
POSTCODE = "B16 6RE"


def _ward_of(lsoa: str) -> tuple[str, str]:
    row = raw.lsoa21_lookup().loc[lsoa]
    code_col = next(c for c in row.index if c.startswith("ward") and c.endswith("code"))
    name_col = next(c for c in row.index if c.startswith("ward") and c.endswith("name"))
    return str(row[code_col]), str(row[name_col])


def _expected_bid(lsoa: str) -> list[str]:
    """The four bid figures and England's, as the page prints them, from the raw files."""
    imd = raw.imd("2025")
    quals = raw.csv("population/census2021_qualifications_lsoa21.csv").set_index("lsoa21_code")
    pop = raw.csv("population/population_mid2022_mid2024_lsoa21.csv").set_index("lsoa21_code")
    eng = quals.loc[quals.index.str.startswith("E01")]
    nq = 100 * quals.loc[lsoa, "no_qualifications"] / quals.loc[lsoa, "residents_16plus"]
    nq_eng = 100 * eng["no_qualifications"].sum() / eng["residents_16plus"].sum()
    w = pop["population_mid2022"].reindex(imd.index).astype(float)
    emp_eng = 100 * (imd["Employment_score"] * w).sum() / w.sum()
    n = len(imd)
    return [f"{int(imd.loc[lsoa, 'IMD_rank']):,} of {n:,}", f"{int(imd.loc[lsoa, 'Health_rank']):,} of {n:,}",
            f"{nq:.1f}%", f"England {nq_eng:.1f}%", f"{100 * imd.loc[lsoa, 'Employment_score']:.1f}%",
            f"England {emp_eng:.1f}%"]


def _search(page: Page, text: str) -> None:
    box = page.locator("[data-testid='stSidebar']").get_by_role("combobox", name="Find a place")
    box.click(timeout=LONG)
    page.keyboard.type(text, delay=40)
    page.keyboard.press("Enter")
    wait_idle(page, LONG)


def _layers(page: Page) -> dict[str, int]:
    return dict(map_frame(page).locator("#map").evaluate("() => window.needsmapMap.layers()"))


def test_typing_a_postcode_on_explore_selects_its_ward_and_outlines_its_lsoa(
        server: str, browser: Browser, artifacts: Path) -> None:
    lsoa = raw_postcode_lsoa(POSTCODE, "lsoa21")
    ward_code, ward_name = _ward_of(lsoa)
    assert ward_name == "Ladywood"  # the example, from the raw files
    page = browser.new_page(viewport={"width": 1400, "height": 1100})
    page.goto(f"{server}/?area=E08000025&edition=2025", timeout=LONG)
    page.get_by_text("Birmingham has").first.wait_for(timeout=LONG)
    wait_idle(page, LONG)
    wait_map_drawn(page, timeout_ms=LONG)
    assert "highlight" not in _layers(page)  # nothing searched yet
    _search(page, POSTCODE.lower())
    page.get_by_text(f"{ward_name} has").first.wait_for(timeout=LONG)  # Explore's summary, for the ward
    sidebar = page.locator("[data-testid='stSidebar']")
    assert sidebar.get_by_text(f"Showing {ward_name} (ward)").count()
    assert sidebar.get_by_text(f"{POSTCODE} →").count() and sidebar.get_by_text(lsoa).count()
    assert f"area={ward_code}" in page.url and "postcode=B16" in page.url
    page.locator(MAP_FRAME).first.scroll_into_view_if_needed(timeout=LONG)
    # the map may be drawn again in a new frame: wait for the view with the outline, fully drawn
    deadline = time.time() + LONG / 1000
    while time.time() < deadline and _layers(page).get("highlight") != 1:
        time.sleep(0.5)
    wait_map_drawn(page, timeout_ms=LONG)
    wait_idle(page, LONG)
    layers = _layers(page)
    assert layers.get("highlight") == 1 and layers.get("highlight-casing") == 1, layers
    spec = json.loads(map_frame(page).locator("#map").evaluate("() => window.needsmapMap.lastRender().spec"))
    [line] = [x for x in spec["layers"] if x.get("id") == "highlight"]
    ring = line["data"][0]["path"]
    polys = gpd.read_parquet(raw.path("geography/lsoa21_boundaries.parquet")).to_crs(4326)
    code_col = next(c for c in polys.columns if "code" in c.lower())
    poly = polys.loc[polys[code_col] == lsoa].geometry.iloc[0]
    # the outline drawn is that LSOA's own boundary (within rounding), not a neighbour's
    assert all(poly.boundary.distance(gpd.points_from_xy([x], [y])[0]) < 1e-4 for x, y in ring[:: max(len(ring) // 20, 1)])
    assert page.get_by_text(f"Outlined in magenta: {POSTCODE}").count()
    page.wait_for_timeout(1500)
    page.screenshot(path=str(artifacts / "find_place_explore_b16_6re.png"), timeout=LONG)

    # its profile, from the link under the search box: the four bid figures with England's
    sidebar.get_by_role("link", name="Open its area profile").click()
    page.get_by_text("Figures bids quote").first.wait_for(timeout=LONG)
    wait_idle(page, LONG)
    main = page.locator("[data-testid='stMain']")
    text = main.inner_text()
    for figure in _expected_bid(lsoa):
        assert figure in text, (figure, text[:2000])
    assert "Top 10% most deprived LSOA" in text or "Top 20% most deprived LSOA" in text
    assert f"({lsoa})" in text
    page.screenshot(path=str(artifacts / "find_place_profile_b16_6re.png"), timeout=LONG)
    page.close()


def test_a_phone_sees_the_whole_area_with_the_sidebar_closed(server: str, browser: Browser,
                                                            artifacts: Path) -> None:
    lsoa = raw_postcode_lsoa(POSTCODE, "lsoa21")
    ward_code, ward_name = _ward_of(lsoa)
    page = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                            has_touch=True)
    page.goto(f"{server}/?area={ward_code}&edition=2025&postcode={POSTCODE.replace(' ', '+')}", timeout=LONG)
    page.get_by_text(f"{ward_name} has").first.wait_for(timeout=LONG)
    wait_idle(page, LONG)
    sidebar = page.locator("[data-testid='stSidebar']")
    assert sidebar.get_attribute("data-collapsed") == "true", "the sidebar covers the page on a phone"
    page.locator(MAP_FRAME).first.scroll_into_view_if_needed(timeout=LONG)
    wait_map_drawn(page, timeout_ms=LONG)
    frame = map_frame(page)
    canvas = frame.locator("canvas").first.bounding_box(timeout=LONG)
    assert canvas is not None and canvas["width"] <= 390
    # every corner of the ward's LSOAs (from the raw files) projects inside the map's canvas
    lk = raw.lsoa21_lookup()
    ward_col = next(c for c in lk.columns if c.startswith("ward") and c.endswith("code"))
    codes = set(lk.index[lk[ward_col] == ward_code])
    polys = gpd.read_parquet(raw.path("geography/lsoa21_boundaries.parquet")).to_crs(4326)
    code_col = next(c for c in polys.columns if "code" in c.lower())
    minx, miny, maxx, maxy = polys.loc[polys[code_col].isin(codes)].total_bounds
    for lon, lat in ((minx, miny), (minx, maxy), (maxx, miny), (maxx, maxy)):
        x, y = frame.locator("#map").evaluate(f"() => window.needsmapMap.project([{lon}, {lat}])")
        assert 0 <= x <= canvas["width"] and 0 <= y <= canvas["height"], (lon, lat, x, y, canvas)
    page.wait_for_timeout(1500)
    page.locator(MAP_FRAME).first.screenshot(path=str(artifacts / "find_place_390px_map.png"), timeout=LONG)
    page.screenshot(path=str(artifacts / "find_place_390px.png"), timeout=LONG)

    # open the sidebar, go to another page: the sidebar closes again
    page.locator("[data-testid='stExpandSidebarButton']").first.click()
    page.wait_for_timeout(800)
    assert sidebar.get_attribute("data-collapsed") == "false"
    sidebar.get_by_role("link", name="Area profile", exact=True).click()
    page.get_by_text("Figures bids quote").first.wait_for(timeout=LONG)
    wait_idle(page, LONG)
    page.wait_for_timeout(800)
    assert sidebar.get_attribute("data-collapsed") == "true", "the sidebar stayed over the page"
    page.screenshot(path=str(artifacts / "find_place_390px_profile.png"), timeout=LONG)
    page.close()
