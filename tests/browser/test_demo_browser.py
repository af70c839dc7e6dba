"""The dashboard on the embedded demo in real headless Chromium: the banner, and a drawn map."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest
from PIL import Image

from needsmap.ui.demo import BANNER
from tests.browser.conftest import (
    _LOCAL,
    MAP_FRAME,
    map_frame,
    streamlit_server,
    wait_idle,
    wait_map_drawn,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = [pytest.mark.browser, pytest.mark.demo]

LONG = 300_000  # ms: software WebGL on a busy machine is slow


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``streamlit run serve.py`` forced onto the embedded demo (``NEEDSMAP_DEMO=1``), fresh cache."""
    tmp = tmp_path_factory.mktemp("demo_streamlit")
    with streamlit_server(tmp, NEEDSMAP_DEMO="1", NEEDSMAP_CACHE_DIR=str(tmp / "cache")) as url:
        yield url


def _shaded_share(png: bytes) -> float:
    """Share of the map's pixels in a saturated colour (the LSOA shading, not grey or white)."""
    rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=int)
    spread = rgb.max(axis=2) - rgb.min(axis=2)  # the decile palette is saturated; grey is not
    return float((spread > 40).mean())


def test_demo_explore_shows_banner_and_birmingham_map(demo_server: str, browser: Browser,
                                                      artifacts: Path) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1180})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    outside: list[str] = []  # offline: nothing but the local server may be asked
    page.on("request", lambda r: None if r.url.startswith(_LOCAL) else outside.append(r.url))
    started = time.time()
    page.goto(demo_server, timeout=LONG)
    page.get_by_text("Birmingham has 659 neighbourhoods").first.wait_for(timeout=LONG)
    assert page.get_by_text(BANNER).count(), "no demo banner"
    chart = page.locator(MAP_FRAME).first
    chart.scroll_into_view_if_needed(timeout=LONG)
    wait_map_drawn(page, timeout_ms=LONG)
    box = map_frame(page).locator("canvas").first.bounding_box(timeout=LONG)
    assert box and box["width"] > 300 and box["height"] > 300, "the map did not draw"
    wait_idle(page, LONG)
    seconds = time.time() - started
    page.screenshot(path=str(artifacts / "demo_explore.png"), timeout=LONG)
    shaded = _shaded_share(chart.screenshot(path=str(artifacts / "demo_explore_map.png"), timeout=LONG))
    assert shaded > 0.1, f"only {shaded:.0%} of the map is shaded: the LSOAs were not drawn"
    assert not page.locator("[data-testid='stException']").count(), "page shows an exception"
    assert not outside, f"the page asked the network for {outside[:3]}"
    assert not [e for e in errors if "deck" in e.lower()], errors
    (artifacts / "demo_explore_timing.txt").write_text(f"map shown after {seconds:.1f} s\n")

    page.goto(f"{demo_server}/sources", timeout=LONG)  # the banner is on every page
    page.get_by_text("Every figure in needsmap").first.wait_for(timeout=LONG)
    assert page.get_by_text(BANNER).count(), "no demo banner on the Data sources page"
    page.close()
