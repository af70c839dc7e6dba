"""Coverage gaps page in real Chromium: Birmingham with the food bank layer; screenshot gaps.png."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.browser.conftest import MAP_FRAME, map_frame, open_page, wait_idle, wait_map_drawn

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = [pytest.mark.browser, pytest.mark.demo]


def test_gaps_page_in_browser(server: str, browser: Browser, artifacts: Path) -> None:
    shot = artifacts / "gaps.png"
    page = open_page(browser, f"{server}/gaps?area=E08000025&edition=2025",
                     wait_text="most deprived LSOAs in Birmingham", screenshot=shot)
    # a tall window, so the one screenshot shows the map, legend and the ranked table
    page.set_viewport_size({"width": 1400, "height": 2300})
    wait_idle(page)
    wait_map_drawn(page)
    canvas = map_frame(page).locator("canvas").first.bounding_box()
    assert canvas is not None and canvas["width"] > 300
    box = page.locator(MAP_FRAME).first.bounding_box()
    assert box and box["width"] > 300 and box["height"] > 300
    page.screenshot(path=str(shot))
    assert page.get_by_text("Neighbourhoods ranked by gap").count()
    assert page.get_by_text("Need × coverage").count()
    assert page.get_by_role("button", name="Download LSOAs (CSV)").count()
    # hover a neighbourhood: the tooltip is plain text in the fixed layout (values escaped once)
    tip = map_frame(page).locator("#tooltip")
    text = ""
    for k in range(30):  # until a tooltip shows with its names (they load on the first hover)
        page.mouse.move(box["x"] + box["width"] * 0.55 + k % 3, box["y"] + box["height"] * 0.5)
        page.wait_for_timeout(500)
        text = tip.inner_text() if tip.is_visible() else ""
        if text.strip() and "…" not in text:
            break
    page.screenshot(path=str(artifacts / "gaps_tooltip.png"))
    assert "Gap rank" in text and "Ward:" in text, text
    assert "<b>" not in text and "&amp;" not in text and "{tip_" not in text
    assert not page.locator("[data-testid='stException']").count()
    page.close()
