"""The dashboard loads in a real headless Chromium; screenshot of the data sources page."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.browser.conftest import open_page

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = [pytest.mark.browser, pytest.mark.demo]


def test_sources_page_in_browser(server: str, browser: Browser, artifacts: Path) -> None:
    page = open_page(browser, f"{server}/sources", wait_text="Every figure in needsmap",
                     screenshot=artifacts / "sources.png")
    assert page.get_by_text("English Indices of Deprivation 2019").count()
    page.close()
