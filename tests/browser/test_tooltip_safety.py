"""Hostile text from an uploaded file cannot run script through a map tooltip."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.browser.conftest import _free_port, wait_idle
from tests.conftest import ROOT

pytestmark = [pytest.mark.browser, pytest.mark.demo]


def test_tooltip_shows_text_not_html(browser: object, artifacts: Path) -> None:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "tests/browser/apps/tooltip_app.py"),
         "--server.headless=true", f"--server.port={port}", "--server.address=127.0.0.1"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{url}/_stcore/health", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        page = browser.new_page(viewport={"width": 900, "height": 700})  # type: ignore[attr-defined]
        page.goto(url)
        page.get_by_text("ready").wait_for(timeout=120_000)
        wait_idle(page)
        canvas = page.locator("canvas").first
        box = canvas.bounding_box()
        assert box is not None
        tip = page.locator(".deck-tooltip")
        for _ in range(20):  # hover the point at the middle of the map until the tooltip shows
            page.mouse.move(box["x"] + box["width"] / 2 + 1, box["y"] + box["height"] / 2 + 1)
            time.sleep(0.5)
            if tip.count() and tip.first.is_visible():
                break
        assert tip.count() and tip.first.is_visible(), "tooltip did not appear"
        page.screenshot(path=str(artifacts / "tooltip_safety.png"))
        shown = tip.first.inner_text()
        assert "Tea & Toast" in shown and "<img" in shown  # the text is shown as text …
        assert page.locator(".deck-tooltip img").count() == 0  # … not turned into an element
        assert page.title() != "XSS"
        page.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
