"""The browser harness can fail: a page whose script throws fails the error check.

Every page the ``browser`` fixture opens is watched for uncaught exceptions (``pageerror``), console
errors and ``st.error`` boxes; a test fails on any of them unless it is marked ``expect_page_error``.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import pytest

from tests.browser.conftest import assert_no_page_errors, page_errors
from tests.conftest import ROOT

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = pytest.mark.browser

BROKEN = ROOT / "tests" / "browser" / "apps" / "broken.html"


@pytest.mark.demo
@pytest.mark.expect_page_error("deliberately broken")  # the check after the test accepts this page
def test_a_page_error_fails_the_check(browser: Browser) -> None:
    page = browser.new_page()
    page.goto(BROKEN.as_uri())
    page.get_by_text("A page whose script throws").wait_for(timeout=10_000)
    deadline = time.time() + 10
    while len(page_errors(page)) < 2 and time.time() < deadline:
        time.sleep(0.1)
    assert sorted(e.split(":")[0] for e in page_errors(page)) == ["console", "pageerror"]
    with pytest.raises(AssertionError, match="deliberately broken: script"):
        assert_no_page_errors(page)
    assert_no_page_errors(page, expected=("deliberately broken",))
