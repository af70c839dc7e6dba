"""Explore need in real Chromium: Birmingham (default) and all England, with screenshots."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.conftest import open_page, wait_idle

pytestmark = pytest.mark.browser


def _ws_bytes(page: object) -> list[int]:
    """Count bytes the server sends over Streamlit's websocket (the page payload)."""
    got: list[int] = []

    def on_ws(ws: object) -> None:
        ws.on("framereceived", lambda payload: got.append(len(payload)))  # type: ignore[attr-defined]

    page.on("websocket", on_ws)  # type: ignore[attr-defined]
    return got


def _map_drawn(page: object) -> None:
    chart = page.locator("[data-testid='stDeckGlJsonChart']").first  # type: ignore[attr-defined]
    chart.wait_for(timeout=180_000)
    chart.scroll_into_view_if_needed(timeout=180_000)
    canvas = chart.locator("canvas").first
    canvas.wait_for(timeout=180_000)
    box = canvas.bounding_box(timeout=180_000)
    assert box and box["width"] > 300 and box["height"] > 300


def test_explore_birmingham(server: str, browser: object, artifacts: Path) -> None:
    page = open_page(browser, f"{server}/?area=E08000025&edition=2025",
                     wait_text="Birmingham has 659 neighbourhoods",
                     screenshot=artifacts / "explore_birmingham.png")
    _map_drawn(page)
    wait_idle(page)
    page.screenshot(path=str(artifacts / "explore_birmingham.png"), full_page=True,  # type: ignore[attr-defined]
                    timeout=120_000)
    assert page.get_by_text("most deprived 10%").count()  # type: ignore[attr-defined]  # legend
    assert page.get_by_text("Download this table (CSV)").count()  # type: ignore[attr-defined]
    # hover the middle of the map: the tooltip names an LSOA, its ward and the domain deciles
    canvas = page.locator("[data-testid='stDeckGlJsonChart'] canvas").first  # type: ignore[attr-defined]
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.45)  # type: ignore[attr-defined]
    page.wait_for_timeout(1500)  # type: ignore[attr-defined]
    page.screenshot(path=str(artifacts / "explore_birmingham_tooltip.png"), timeout=120_000)  # type: ignore[attr-defined]
    tip = page.locator(".deck-tooltip")  # type: ignore[attr-defined]
    if tip.count():
        text = tip.first.inner_text()
        assert "Ward:" in text and "Deciles: IMD" in text and "of 33,755" in text
        assert "<b>" not in text and "&amp;" not in text
    page.close()  # type: ignore[attr-defined]


def test_explore_all_england(server: str, browser: object, artifacts: Path) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})  # type: ignore[attr-defined]
    received = _ws_bytes(page)
    page.goto(f"{server}/?area=E92000001&edition=2025", timeout=180_000)  # Explore is the home page
    page.get_by_text("England has 33,755 neighbourhoods").first.wait_for(timeout=180_000)
    page.get_by_text("Boundaries simplified").first.wait_for(timeout=180_000)
    wait_idle(page, 180_000)
    _map_drawn(page)
    wait_idle(page, 180_000)
    page.screenshot(path=str(artifacts / "explore_england.png"), full_page=True, timeout=180_000)
    assert not page.locator("[data-testid='stException']").count()
    (artifacts / "explore_england_payload.txt").write_text(f"{sum(received) / 1e6:.1f} MB over websocket\n")
    page.close()
