"""The browser harness can fail: a page whose script throws fails the error check.

Every page the ``browser`` fixture opens is watched for uncaught exceptions (``pageerror``), console
errors and ``st.error`` boxes; a test fails on any of them unless it is marked ``expect_page_error``.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import pytest

from tests.browser.apps.broken_serve import BROKEN as BROKEN_SUMMARY  # safe: test_harness.py
from tests.browser.conftest import (
    _PAGES,
    assert_no_page_errors,
    page_errors,
    streamlit_server,
    wait_idle,
)
from tests.conftest import ROOT

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

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


@pytest.fixture(scope="module")
def broken_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real dashboard on the embedded demo, with Explore's summary step broken
    (``tests/browser/apps/broken_serve.py``)."""
    tmp = tmp_path_factory.mktemp("broken_streamlit")
    with streamlit_server(tmp, ROOT / "tests/browser/apps/broken_serve.py", NEEDSMAP_DEMO="1",
                          NEEDSMAP_TEST_BREAK_SUMMARY="1", NEEDSMAP_CACHE_DIR=str(tmp / "cache")) as url:
        yield url


@pytest.mark.demo
@pytest.mark.expect_page_error(BROKEN_SUMMARY)  # the check after the test accepts this page
def test_a_broken_dashboard_page_fails_the_check(broken_server: str, browser: Browser,
                                                 artifacts: Path) -> None:
    """A real page whose step raises shows ``guard()``'s error box and no exception: the harness
    fails it all the same."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(broken_server, timeout=300_000)
    page.get_by_text(BROKEN_SUMMARY).first.wait_for(timeout=300_000)
    wait_idle(page, 300_000)
    page.screenshot(path=str(artifacts / "harness_broken_explore.png"), full_page=True)
    assert not page.locator("[data-testid='stException']").count()  # no traceback: guard() caught it
    assert [e for e in page_errors(page) if e.startswith("st.error:") and BROKEN_SUMMARY in e]
    with pytest.raises(AssertionError, match=BROKEN_SUMMARY):
        assert_no_page_errors(page)
    assert_no_page_errors(page, expected=(BROKEN_SUMMARY,))
    page.close()  # its error box would fail the next test's check while the module's server runs on


@pytest.mark.demo
def test_pages_open_on_a_server_close_when_it_stops(tmp_path: Path, browser: Browser) -> None:
    """A page left open on a stopped server would report "server is not responding" and fail some
    later test on the same worker (CI, after the broken server above stopped): it closes with it."""
    with streamlit_server(tmp_path, NEEDSMAP_DEMO="1", NEEDSMAP_CACHE_DIR=str(tmp_path / "cache")) as url:
        page = browser.new_page()
        page.goto(f"{url}/_stcore/health")
        assert any(p is page for p, _ in _PAGES)
    assert page.is_closed()
    assert not any(p is page for p, _ in _PAGES)
