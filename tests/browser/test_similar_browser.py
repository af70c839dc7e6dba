"""Places like this for Birmingham in real Chromium (screenshot similar.png, similar_map.png)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.browser.conftest import MAP_FRAME, map_frame, open_page, wait_idle, wait_map_drawn

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = [pytest.mark.browser]


def test_similar_page_in_browser(server: str, browser: Browser, artifacts: Path) -> None:
    page = open_page(browser, f"{server}/similar?area=E08000025&edition=2025",
                     wait_text="most like Birmingham", screenshot=artifacts / "similar.png")
    assert page.get_by_text("Blackburn with Darwen").count()
    wait_map_drawn(page)
    assert map_frame(page).locator("canvas").count()
    page.locator(MAP_FRAME).first.scroll_into_view_if_needed()
    wait_idle(page)
    page.screenshot(path=str(artifacts / "similar_map.png"), timeout=120_000)
    page.close()
