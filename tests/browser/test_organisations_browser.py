"""Organisations page in real Chromium: food banks over the IMD map of Birmingham; organisations.png."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.conftest import open_page, tall_screenshot, wait_idle

pytestmark = [pytest.mark.browser, pytest.mark.demo]


def test_organisations_page_in_browser(server: str, browser: object, artifacts: Path) -> None:
    page = open_page(browser, f"{server}/organisations?area=E08000025&edition=2025",
                     wait_text="Organisations", screenshot=artifacts / "organisations_first.png")
    page.get_by_text("Profile of each organisation").first.wait_for(timeout=120_000)  # type: ignore[attr-defined]
    page.locator("canvas").first.wait_for(timeout=60_000)  # type: ignore[attr-defined]
    wait_idle(page)
    tall_screenshot(page, artifacts / "organisations.png", height=2600)
    assert page.get_by_text("rows placed in an English LSOA").count()  # type: ignore[attr-defined]
    assert page.get_by_text("Download the profile table (Excel)").count()  # type: ignore[attr-defined]
    assert not page.locator("[data-testid='stException']").count()  # type: ignore[attr-defined]
    page.close()  # type: ignore[attr-defined]
