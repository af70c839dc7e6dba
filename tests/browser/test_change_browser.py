"""Change 2019→2025 page for Birmingham in real Chromium (screenshot change.png)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.conftest import open_page, wait_idle

pytestmark = pytest.mark.browser


def test_change_page_in_browser(server: str, browser: object, artifacts: Path) -> None:
    page = open_page(browser, f"{server}/change?area=E08000025&edition=2025", wait_text="Biggest movers",
                     screenshot=artifacts / "change.png")
    assert page.get_by_text("Ranks and deciles are relative").count()  # type: ignore[attr-defined]
    assert page.locator("canvas").count()  # type: ignore[attr-defined]  # the deck.gl map drew
    assert page.get_by_text("Change in IMD rank, 2019→2025").count()  # type: ignore[attr-defined]
    page.locator("[data-testid='stDeckGlJsonChart']").first.scroll_into_view_if_needed()  # type: ignore[attr-defined]
    wait_idle(page)
    page.screenshot(path=str(artifacts / "change_map.png"))  # type: ignore[attr-defined]
    page.get_by_text("Change in decile").first.click()  # type: ignore[attr-defined]
    wait_idle(page)
    page.screenshot(path=str(artifacts / "change_decile.png"), full_page=True)  # type: ignore[attr-defined]
    assert page.get_by_text("Change in IMD decile, 2019→2025").count()  # type: ignore[attr-defined]
    page.close()  # type: ignore[attr-defined]
