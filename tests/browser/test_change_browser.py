"""Change 2019→2025 page for Birmingham in real Chromium (screenshot change.png)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.browser.conftest import MAP_FRAME, map_frame, open_page, wait_idle, wait_map_drawn

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = [pytest.mark.browser, pytest.mark.demo]


def test_change_page_in_browser(server: str, browser: Browser, artifacts: Path) -> None:
    page = open_page(browser, f"{server}/change?area=E08000025&edition=2025", wait_text="Biggest movers",
                     screenshot=artifacts / "change.png")
    assert page.get_by_text("Ranks and deciles are relative").count()
    drawn = wait_map_drawn(page)  # the map drew
    assert map_frame(page).locator("canvas").count()
    assert page.get_by_text("Change in IMD rank, 2019→2025").count()
    page.locator(MAP_FRAME).first.scroll_into_view_if_needed()
    wait_idle(page)
    page.screenshot(path=str(artifacts / "change_map.png"), timeout=120_000)
    page.get_by_text("Change in decile").first.click()
    wait_idle(page)
    wait_map_drawn(page, after=int(drawn["drawn"]))  # the same map, recoloured
    page.screenshot(path=str(artifacts / "change_decile.png"), timeout=120_000)
    assert page.get_by_text("Change in IMD decile, 2019→2025").count()
    page.close()


def _pick(page: Page, label: str, option: str) -> None:
    """Choose ``option`` as a user does in a long list: click the box, type, click the suggestion."""
    page.get_by_role("combobox", name=label, exact=True).click(timeout=120_000)
    page.keyboard.type(option.split(" · ")[-1], delay=20)
    page.get_by_role("option", name=option, exact=True).click()
    wait_idle(page)


def test_explore_shows_at_risk_jobs(server: str, browser: Browser, artifacts: Path) -> None:
    # the Explore page is the app's default page ("/"); its own test screenshots it, so only wait here
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{server}/?area=E08000025&edition=2025", timeout=120_000)
    page.get_by_text("Hover a neighbourhood").first.wait_for(timeout=180_000)
    wait_idle(page)
    _pick(page, "Measure", "Jobs and economy · Jobs at risk in the 2020 shutdown")
    page.get_by_text("Jobs at risk in the 2020 shutdown").first.wait_for(timeout=120_000)
    assert page.get_by_text("accommodation and food").count()
    page.locator(MAP_FRAME).first.scroll_into_view_if_needed()
    wait_idle(page)
    wait_map_drawn(page)
    page.screenshot(path=str(artifacts / "explore_atrisk.png"), timeout=120_000)
    assert not page.locator("[data-testid='stException']").count()
    page.close()
