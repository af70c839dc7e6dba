"""The page harness can fail: a deliberately broken page fails the AppTest check.

``guard()`` turns a project error into an ``st.error`` box and stops the page without an exception, so
a check of ``at.exception`` alone passes on such a page; the harness (tests/conftest.py) checks the
error boxes too, after every run, unless the test declares the error with ``expect_page_error``.
"""

from __future__ import annotations

import importlib

import pytest
from streamlit.testing.v1 import AppTest

from needsmap.analysis import summary
from tests.browser.apps.broken_serve import BROKEN
from tests.browser.apps.broken_serve import broken_summary as _broken_summary
from tests.conftest import ROOT, assert_page_ok, expected_page_errors


@pytest.mark.demo
def test_broken_page_fails_the_harness(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(summary, "summarise", _broken_summary)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=240)
    with pytest.raises(AssertionError, match=BROKEN):
        at.run()  # the harness checks every run: Explore (the default page) shows guard()'s box
    assert not at.exception  # what the page tests used to check alone passes on this broken page
    assert [e.value for e in at.error if BROKEN in e.value]
    with pytest.raises(AssertionError, match="unexpected error"):
        assert_page_ok(at)
    assert_page_ok(at, expected=(BROKEN,))  # a test that expects the error says so


@pytest.mark.demo
@pytest.mark.expect_page_error(BROKEN)
def test_an_expected_error_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    assert expected_page_errors() == (BROKEN,)
    monkeypatch.setattr(summary, "summarise", _broken_summary)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=240).run()
    assert [e.value for e in at.error if BROKEN in e.value]


def test_the_broken_server_script_breaks_nothing_in_a_process_that_imports_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """tests/browser/apps/broken_serve.py breaks the summary only in its own server, so tests may import
    its message and broken step: imported unguarded it once broke every later page test on that worker
    (CI, 85 failures)."""
    monkeypatch.delenv("NEEDSMAP_TEST_BREAK_SUMMARY", raising=False)
    real = summary.summarise
    monkeypatch.setattr(summary, "summarise", real)  # put back after the test even if the import broke it
    importlib.import_module("tests.browser.apps.broken_serve")
    assert summary.summarise is real
