"""Organisations page in real Chromium: food banks over the IMD map of Birmingham; organisations.png.
An uploaded list with a mistyped postcode corrected in the fix table and placed again;
organisations_fixed.png."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.browser.conftest import open_page, tall_screenshot, wait_idle, wait_map_drawn

if TYPE_CHECKING:
    from playwright.sync_api import Browser, FilePayload, Page

pytestmark = [pytest.mark.browser]

#: BR1 4BR is not a postcode; BR1 4BY (Lewisham) is. B31 2LB is Northfield, Birmingham.
MISTYPED = b"name,postcode\nAlpha Club,BR1 4BR\nBeta Hall,B31 2LB\nGamma Hub,CF10 1AA\n"


@pytest.mark.demo
def test_organisations_page_in_browser(server: str, browser: Browser, artifacts: Path) -> None:
    page = open_page(browser, f"{server}/organisations?area=E08000025&edition=2025",
                     wait_text="Organisations", screenshot=artifacts / "organisations_first.png")
    page.get_by_text("Profile of each organisation").first.wait_for(timeout=120_000)
    wait_map_drawn(page)
    wait_idle(page)
    tall_screenshot(page, artifacts / "organisations.png", height=2600)
    assert page.get_by_text("rows placed in an English LSOA").count()
    assert page.get_by_text("Download the profile table (Excel)").count()
    assert not page.locator("[data-testid='stException']").count()
    page.close()


def _metric(page: Page, label: str) -> str:
    box = page.locator("[data-testid='stMetric']").filter(has_text=label).first
    return str(box.locator("[data-testid='stMetricValue']").inner_text()).strip()


def _wait_metric(page: Page, label: str, want: str, timeout_s: float = 120) -> str:
    deadline = time.time() + timeout_s
    got = ""
    while time.time() < deadline:
        try:
            got = _metric(page, label)
        except Exception:  # noqa: BLE001 - not drawn yet
            got = ""
        if got == want:
            return got
        time.sleep(0.5)
    return got


def test_correct_a_row_in_the_fix_table_and_place_it_again(server: str, browser: Browser,
                                                           artifacts: Path) -> None:
    page = open_page(browser, f"{server}/organisations?area=E08000025&edition=2025",
                     wait_text="Organisations", screenshot=artifacts / "organisations_upload_start.png")
    page.get_by_text("Upload my own list").first.click()
    upload: FilePayload = {"name": "members.csv", "mimeType": "text/csv", "buffer": MISTYPED}
    page.locator("input[type='file']").first.set_input_files(files=[upload])
    page.get_by_text("Fix the rows not placed").first.wait_for(timeout=120_000)
    wait_idle(page)
    assert _wait_metric(page, "Placed in an English LSOA", "1") == "1"
    # the fix table: Row, Organisation, Why not placed, Postcode, …; put the cursor in the first
    # row's first cell, move to Postcode and type the right one
    editor = page.locator("[data-testid='stDataFrame']").filter(
        has_text="Why not placed").first
    editor.scroll_into_view_if_needed()
    box = editor.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + 20, box["y"] + 35 + 17)
    time.sleep(0.5)
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")  # opens the cell editor, text selected
    time.sleep(0.5)
    page.keyboard.type("BR1 4BY")
    time.sleep(0.3)
    page.keyboard.press("Enter")
    wait_idle(page)
    page.screenshot(path=str(artifacts / "organisations_fix_typed.png"))
    page.get_by_role("button", name="Place these rows again").click()
    page.get_by_text(re.compile(r"1 row placed again")).first.wait_for(timeout=120_000)
    wait_idle(page)
    assert _wait_metric(page, "Placed in an English LSOA", "2") == "2"
    assert _metric(page, "Not placed") == "1"
    tall_screenshot(page, artifacts / "organisations_fixed.png", height=2200)
    assert not page.locator("[data-testid='stException']").count()
    page.close()
