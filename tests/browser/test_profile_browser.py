"""Area profile in real Chromium (screenshot), and the evidence-pack PDF rendered to PNG pages to look at."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from needsmap.analysis.profile import area_profile, lsoa_profile
from needsmap.report.profile_pdf import profile_pdf
from tests import raw
from tests.browser.conftest import open_page, tall_screenshot, wait_idle

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = pytest.mark.browser


@pytest.mark.demo
def test_profile_page_in_browser(server: str, browser: Browser, artifacts: Path) -> None:
    # the page opens on postcode entry
    page = open_page(browser, f"{server}/profile?area=E08000025&edition=2019",
                     wait_text="Type a postcode", screenshot=artifacts / "profile_default.png")
    page.get_by_text("Neighbourhood (LSOA)", exact=True).click()
    wait_idle(page)
    box = page.get_by_label("…or type any LSOA code (2011 or 2021)")
    box.fill("E01009219")
    box.press("Enter")
    # the copyable paragraph (st.code) shows the new LSOA's rank once the rerun is done
    imd = raw.imd("2019")  # the published file
    rank = f"rank {int(imd.loc['E01009219', 'IMD_rank']):,} of {len(imd):,}"
    page.locator("[data-testid='stCode']").get_by_text(rank, exact=False).first.wait_for(timeout=180_000)
    wait_idle(page)
    tall_screenshot(page, artifacts / "profile.png", height=2300)
    assert page.get_by_text("PDF evidence pack").count()
    assert not page.locator("[data-testid='stException']").count()
    page.close()


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) not installed")
def test_evidence_pack_pages_as_png(artifacts: Path) -> None:
    for name, prof in (("profile_pdf_lsoa", lsoa_profile(postcode="B31 2LB", edition="2019")),
                       ("profile_pdf_ward", area_profile("Northfield, Birmingham", edition="2025"))):
        pdf = artifacts / f"{name}.pdf"
        pdf.write_bytes(profile_pdf(prof))
        for old in artifacts.glob(f"{name}-*.png"):
            old.unlink()
        subprocess.run(["pdftoppm", "-r", "90", "-png", str(pdf), str(artifacts / name)], check=True)
        pages = sorted(artifacts.glob(f"{name}-*.png"))
        # page 1: map, key figures, bid figures, summary; 2: domains, people; 3: notes and sources
        assert len(pages) == 3, (name, len(pages))
