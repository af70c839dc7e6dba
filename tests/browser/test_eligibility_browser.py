"""Eligibility checker in real Chromium: rules from the link, a 20-row list uploaded, every row's
Yes/No on screen checked against the rules worked out from the raw CSVs; eligibility.png."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.browser.conftest import open_page, tall_screenshot, wait_idle
from tests.eligibility_rows import RULES_QUERY, applicant_csv, applicant_list

if TYPE_CHECKING:
    from playwright.sync_api import Browser, FilePayload, Page

pytestmark = [pytest.mark.browser]


def _metric(page: Page, label: str) -> str:
    box = page.locator("[data-testid='stMetric']").filter(has_text=label).first
    if not box.count():
        return ""
    return str(box.locator("[data-testid='stMetricValue']").inner_text()).strip()


def _wait_metric(page: Page, label: str, want: str, timeout_s: float = 180) -> str:
    deadline = time.time() + timeout_s
    got = ""
    while time.time() < deadline:
        got = _metric(page, label)
        if got == want:
            return got
        time.sleep(0.5)
    return got


def _grid(page: Page) -> list[dict[str, str]]:
    """The rows of the results table as the page shows them: the data grid's accessible table
    (one ``gridcell`` per cell drawn), read by header name."""
    grid = page.locator("[data-testid='stDataFrame']").first
    grid.scroll_into_view_if_needed()
    heads = [str(t).strip() for t in grid.locator("[role='columnheader']").all_inner_texts()]
    rows = []
    for row in grid.locator("[role='row']").all():
        cells = [str(t).strip() for t in row.locator("[role='gridcell']").all_inner_texts()]
        if cells:
            rows.append(dict(zip(heads[-len(cells):], cells, strict=True)))
    return rows


def test_rules_from_link_and_uploaded_list_match_the_raw_data(server: str, browser: Browser,
                                                              artifacts: Path) -> None:
    want = applicant_list()
    page = open_page(browser, f"{server}/eligibility?rules={RULES_QUERY}", wait_text="Eligibility checker",
                     screenshot=artifacts / "eligibility_first.png")
    page.set_viewport_size({"width": 1400, "height": 2400})
    assert page.get_by_text("IMD 2025 deciles 1–2 (rural: 1–3)").count()  # the link's rules, in words
    page.get_by_text("Upload my own list").first.click()
    wait_idle(page)
    upload: FilePayload = {"name": "applicants.csv", "mimeType": "text/csv", "buffer": applicant_csv()}
    box = page.locator("[data-testid='stFileUploader']").filter(has_text="Your organisation list")
    box.locator("input[type='file']").set_input_files(files=[upload])
    assert _wait_metric(page, "Rows in the list", "20") == "20"
    wait_idle(page)
    n_yes = int((want["want"] == "Yes").sum())
    assert _metric(page, "Eligible") == str(n_yes)
    assert _metric(page, "Not eligible") == str(int((want["want"] == "No").sum()))
    assert _metric(page, "Not placed") == "1"
    assert f"rules={RULES_QUERY}" in page.url  # the address is the link to these rules
    shown = _grid(page)
    by_name = {r["name"]: r for r in shown}
    assert sorted(by_name) == sorted(want["name"]), shown[:3]
    for _, w in want.iterrows():
        row = by_name[w["name"]]
        assert row["Eligible"] == w["want"], (w["name"], row)
        assert row["LSOA code"] == w["want_code"], (w["name"], row)
    assert by_name["Bad applicant"]["Reason"] == "not placed: postcode not found"
    tall_screenshot(page, artifacts / "eligibility.png", height=2400)
    page.close()
