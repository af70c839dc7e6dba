"""Portfolio page in real Chromium: food banks layer, figures, decile chart; screenshot portfolio.png."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from pypdf import PdfReader

from tests.browser.conftest import open_page, tall_screenshot, wait_idle

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = [pytest.mark.browser, pytest.mark.demo]


def test_portfolio_page_in_browser(server: str, browser: Browser, artifacts: Path) -> None:
    page = open_page(browser, f"{server}/portfolio?edition=2025", wait_text="Portfolio",
                     screenshot=artifacts / "portfolio_first.png")
    # food banks are the shared picker's default layer
    page.get_by_text("Residents in 20% most deprived").first.wait_for(timeout=120_000)
    page.locator(".js-plotly-plot").first.wait_for(timeout=60_000)
    wait_idle(page)
    tall_screenshot(page, artifacts / "portfolio.png", height=2700)
    assert page.get_by_text("organisations work in the 50% most deprived wards").count()
    assert page.get_by_text("Portfolio summary (PDF)").count()
    assert not page.locator("[data-testid='stException']").count()
    # the PDF summary is made on click and downloads
    with page.expect_download(timeout=120_000) as dl:
        page.get_by_role("button", name="Portfolio summary (PDF)").click()
    pdf = artifacts / "portfolio.pdf"
    dl.value.save_as(str(pdf))
    assert pdf.read_bytes()[:5] == b"%PDF-"
    text = "\n".join(p.extract_text() for p in PdfReader(pdf).pages)
    assert "Portfolio summary: Food banks (Give Food)" in text
    assert "Give Food" in text and "Sources and licences" in text
    page.close()
