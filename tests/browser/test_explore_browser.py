"""Explore need in real Chromium: Birmingham (default) and all England, with screenshots."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests import raw
from tests.browser.conftest import _LOCAL, MAP_FRAME, map_frame, wait_idle, wait_map_drawn

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser

#: England's LSOAs in the raw IMD 2025 file
ENGLAND21 = len(raw.imd("2025"))
LONG = 300_000  # ms: software WebGL on a busy CI machine is slow to draw 34,000 polygons


def _open(browser: Browser, url: str, wait_text: str) -> tuple[Page, list[int], list[str]]:
    """Open ``url`` tall enough to show the whole map; count websocket bytes and page errors."""
    page = browser.new_page(viewport={"width": 1400, "height": 1180})
    received: list[int] = []
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    outside: list[str] = []  # offline: nothing but the local server may be asked (no tile server)
    page.on("request", lambda r: None if r.url.startswith(_LOCAL) else outside.append(r.url))
    page.on("websocket", lambda ws: ws.on("framereceived", lambda p: received.append(len(p))))
    page.goto(url, timeout=LONG)
    page.get_by_text(wait_text).first.wait_for(timeout=LONG)
    wait_idle(page, LONG)
    page.locator(MAP_FRAME).first.scroll_into_view_if_needed(timeout=LONG)
    wait_map_drawn(page, timeout_ms=LONG)
    box = map_frame(page).locator("canvas").first.bounding_box(timeout=LONG)
    assert box and box["width"] > 300 and box["height"] > 300, "the map did not draw"
    wait_idle(page, LONG)
    assert not page.locator("[data-testid='stException']").count(), "page shows an exception"
    assert not outside, f"the page asked the network for {outside[:3]}"
    return page, received, errors


@pytest.mark.demo
def test_explore_birmingham(server: str, browser: Browser, artifacts: Path) -> None:
    page, _, errors = _open(browser, f"{server}/?area=E08000025&edition=2025",
                            "Birmingham has 659 neighbourhoods")
    page.screenshot(path=str(artifacts / "explore_birmingham.png"), timeout=LONG)
    assert page.get_by_text("1 (most deprived 10%)").count()  # legend
    assert page.get_by_text("Download this table (CSV)").count()
    # hover the map: the tooltip names an LSOA, its ward, its rank of England and the domain deciles
    box = page.locator(MAP_FRAME).first.bounding_box()
    assert box is not None
    tip = map_frame(page).locator("#tooltip")
    text = ""
    for k in range(30):  # until the tooltip has its names (they load on the first hover)
        page.mouse.move(box["x"] + box["width"] * 0.5 + k % 3, box["y"] + box["height"] * 0.5)
        page.wait_for_timeout(500)
        text = tip.inner_text() if tip.is_visible() else ""
        if "Ward:" in text and "…" not in text:
            break
    page.screenshot(path=str(artifacts / "explore_birmingham_tooltip.png"), timeout=LONG)
    assert "Ward:" in text and "Deciles: IMD" in text and f"of {ENGLAND21:,}" in text, text
    assert "<b>" not in text and "&amp;" not in text  # plain text, not markup
    assert not [e for e in errors if "deck" in e.lower()], errors
    page.close()


def test_explore_all_england(server: str, browser: Browser, artifacts: Path) -> None:
    page, received, _ = _open(browser, f"{server}/?area=E92000001&edition=2025",
                              f"England has {ENGLAND21:,} neighbourhoods")
    assert page.get_by_text("the boundaries are generalised for speed").count()
    page.screenshot(path=str(artifacts / "explore_england.png"), timeout=LONG)
    (artifacts / "explore_england_payload.txt").write_text(f"{sum(received) / 1e6:.1f} MB over websocket\n")
    page.close()
