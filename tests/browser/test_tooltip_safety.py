"""Hostile text from an uploaded file cannot run script through a map tooltip: neither an LSOA's
tooltip (filled in as text) nor a point layer's HTML tooltip (each value escaped into the template).
And a map whose boundaries cannot be fetched says so instead of staying blank."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.browser.apps.tooltip_app import HOSTILE, POINT
from tests.browser.conftest import MAP_FRAME, map_frame, map_state, streamlit_server, wait_map_drawn
from tests.conftest import ROOT

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = [pytest.mark.browser, pytest.mark.demo]


@pytest.fixture(scope="module")
def hostile_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``tests/browser/apps/tooltip_app.py`` served as ``serve.py`` serves the dashboard."""
    with streamlit_server(tmp_path_factory.mktemp("hostile"), ROOT / "tests/browser/apps/tooltip_serve.py") as url:
        yield url


def _hover(page: Page, x: float, y: float) -> str:
    """Hover frame pixel (x, y) until the tooltip shows; its text."""
    box = page.locator(MAP_FRAME).first.bounding_box()
    assert box is not None
    tip = map_frame(page).locator("#tooltip")
    for k in range(20):
        page.mouse.move(box["x"] + x + k % 2, box["y"] + y)
        time.sleep(0.5)
        if tip.is_visible() and tip.inner_text().strip():
            return str(tip.inner_text())
    raise AssertionError("tooltip did not appear")


def test_tooltips_show_text_not_html(hostile_app: str, browser: Browser, artifacts: Path) -> None:
    page = browser.new_page(viewport={"width": 900, "height": 700})
    page.goto(hostile_app)
    page.get_by_text("ready").wait_for(timeout=120_000)
    wait_map_drawn(page, level="detail", timeout_ms=120_000)
    hooks = map_frame(page).locator("#map")
    frame_doc = map_frame(page).locator("html")

    x, y = hooks.evaluate("(e, p) => window.needsmapMap.project(p)", list(POINT))
    shown = _hover(page, x, y)  # the organisation point: needsmap's HTML template, values escaped
    page.screenshot(path=str(artifacts / "tooltip_safety.png"))
    assert "Tea & Toast" in shown and "<img" in shown  # the text is shown as text …
    assert "B1 1BB" in shown  # (the template's own markup still works)
    assert map_frame(page).locator("#tooltip img").count() == 0  # … not turned into an element

    shown = _hover(page, x - 150, y)  # an LSOA away from the point: its category label
    page.screenshot(path=str(artifacts / "tooltip_safety_lsoa.png"))
    assert shown.splitlines()[0] == HOSTILE
    assert map_frame(page).locator("#tooltip img").count() == 0
    assert page.title() != "XSS" and frame_doc.evaluate("e => e.ownerDocument.title") != "XSS"
    page.close()


@pytest.mark.expect_page_error("-gone/index.json.gz")  # the tileset this test takes away
def test_a_map_whose_boundaries_are_missing_says_so(hostile_app: str, browser: Browser,
                                                   artifacts: Path) -> None:
    page = browser.new_page(viewport={"width": 900, "height": 700})
    page.goto(f"{hostile_app}/?broken=1")
    page.get_by_text("ready").wait_for(timeout=120_000)
    message = map_frame(page).locator("#message")
    message.wait_for(state="visible", timeout=60_000)
    page.screenshot(path=str(artifacts / "map_missing_tileset.png"))
    assert "The map could not be drawn" in message.inner_text()
    assert "-gone/index.json.gz: HTTP 404" in map_state(page)["error"]
    page.close()
