"""Browser fixtures: a real Streamlit server and Debian's headless Chromium driven by Playwright.

The server is ``streamlit run serve.py``, as ``make run`` starts it (the dashboard plus its static
files with long-lived caching). Maps are the LSOA map component: an iframe per map, drawn by deck.gl;
:func:`wait_map_drawn` waits for one and fails on the message it shows when something broke.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.conftest import ROOT, expected_page_errors, in_ci, unexpected

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ConsoleMessage, FrameLocator, Page

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


_LOCAL = ("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:", "about:")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Path of Debian's chromium; skipped outside CI when absent (``make browser-deps`` installs it)."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        if in_ci():
            pytest.fail("chromium is not installed: run `make browser-deps` (Debian package chromium)")
        pytest.skip("chromium not installed (run `make browser-deps`)")
    return path


#: the iframe of an LSOA map (Streamlit titles a v1 component's frame with its name)
MAP_FRAME = "iframe[title='needsmap.ui.map_component.lsoa_map']"


@contextmanager
def streamlit_server(folder: Path, script: Path = ROOT / "serve.py", **env: str) -> Iterator[str]:
    """A headless ``streamlit run <script>`` (default ``serve.py``, as ``make run``) on a free local
    port (log in ``folder``), with ``env`` added to the environment; yields its base URL and stops it
    afterwards, closing the watched pages still open on it."""
    port = _free_port()
    log = folder / "server.log"
    full_env = {**os.environ, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false", **env}
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(script), "--server.headless=true",
             f"--server.port={port}", "--server.address=127.0.0.1", "--server.fileWatcherType=none"],
            cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env=full_env,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.time() > deadline:
                raise RuntimeError(f"streamlit did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.5)
        yield url
    finally:
        # pages still open on this server would report "server is not responding" once it stops,
        # failing whichever later test happens to run: they close with it
        for page, _ in _PAGES:
            if not page.is_closed() and page.url.startswith(url):
                page.close()
        _forget_closed_pages()
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A headless ``streamlit run serve.py`` on a free local port; yields its base URL."""
    with streamlit_server(tmp_path_factory.mktemp("streamlit")) as url:
        yield url


# ----------------------------------------------------------------------------- error harness
#: console messages that are not the page failing: Chromium's own notices about the headless set-up,
#: and Streamlit's frontend probing ``<page path>/_stcore/…`` on a page's own URL (a 404) before the root
CONSOLE_NOISE = ("WebGL", "GPU stall", "GroupMarkerNotSet", "Automatic fallback to software WebGL",
                 "/_stcore/health", "/_stcore/host-config")

#: every open page, with the errors it reported since the last test ended
_PAGES: list[tuple[Page, list[str]]] = []


def _forget_closed_pages() -> None:
    _PAGES[:] = [(p, e) for p, e in _PAGES if not p.is_closed()]


def page_errors(page: Page) -> list[str]:
    """What ``page`` reported so far: uncaught exceptions (``pageerror``), console errors (not
    :data:`CONSOLE_NOISE`) and ``st.error`` boxes on screen."""
    errors = next(errs for p, errs in _PAGES if p is page)
    found = list(errors)
    if not page.is_closed():
        boxes = page.locator("[data-testid='stAlertContentError']")
        found += [f"st.error: {t}" for t in boxes.all_inner_texts()]
        found += [f"exception: {t}" for t in
                  page.locator("[data-testid='stException']").all_inner_texts()]
    return found


def assert_no_page_errors(page: Page, expected: tuple[str, ...] = ()) -> None:
    """Fail if ``page`` reported an error (:func:`page_errors`) containing none of ``expected``."""
    bad = unexpected(page_errors(page), expected)
    assert not bad, f"the page reported unexpected errors: {bad[:5]}"


def _watch(page: Page) -> Page:
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))

    def console(msg: ConsoleMessage) -> None:
        where = (msg.location or {}).get("url", "")
        text = f"{msg.text} ({where})" if where else str(msg.text)
        if msg.type == "error" and not any(n in text for n in CONSOLE_NOISE):
            errors.append(f"console: {text}")

    page.on("console", console)
    _PAGES.append((page, errors))
    return page


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """After a browser test's body, fail it if any page it opened reported an unexpected error."""
    try:
        result = yield  # raises when the body failed: the errors are cleared all the same
        for page, _ in _PAGES:
            assert_no_page_errors(page, expected_page_errors(item))
        return result
    finally:  # each error fails one test only; a page kept open by a fixture is watched on
        for _, errors in _PAGES:
            errors.clear()
        _forget_closed_pages()


@pytest.fixture(scope="session")
def browser(chromium_path: str) -> Iterator[Browser]:
    """A Playwright Chromium browser using Debian's binary. Every page it opens is watched for
    errors (:func:`page_errors`), checked when the test ends unless marked ``expect_page_error``."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS, headless=True)
        new_page = b.new_page
        b.new_page = lambda *a, **kw: _watch(new_page(*a, **kw))  # type: ignore[method-assign]
        yield b
        b.close()


def open_page(browser: Browser, url: str, *, wait_text: str, screenshot: Path,
              timeout_ms: int = 120_000) -> Page:
    """Open ``url``, wait until Streamlit has finished running and ``wait_text`` shows, screenshot it.

    Returns the Playwright page (still open) so the caller can interact further.
    """
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    outside: list[str] = []  # the dashboard must work offline: nothing but the local server is asked
    page.on("request", lambda r: None if r.url.startswith(_LOCAL) else outside.append(r.url))
    page.goto(url, timeout=timeout_ms)
    page.get_by_text(wait_text, exact=False).first.wait_for(timeout=timeout_ms)
    wait_idle(page, timeout_ms)
    page.screenshot(path=str(screenshot), full_page=True)
    assert not page.locator("[data-testid='stException']").count(), "page shows an exception"
    assert_no_page_errors(page, expected_page_errors())
    assert not outside, f"the page asked the network for {outside[:3]}"
    for i in range(page.locator(MAP_FRAME).count()):
        state = map_state(page, i)
        assert not state.get("error"), f"map {i} shows an error: {state['error']}"
    return page


def map_frame(page: Page, nth: int = 0) -> FrameLocator:
    """The ``nth`` LSOA map's frame (a Playwright FrameLocator)."""
    return page.frame_locator(MAP_FRAME).nth(nth)


def map_state(page: Page, nth: int = 0) -> dict[str, str]:
    """The map's state as its element publishes it: ``drawn`` (number of the render last drawn),
    ``ready`` ("1" once everything in view is on screen), ``values``, ``level`` (``national`` or
    ``detail``), ``zoom``, ``tiles`` (detail tiles drawn), ``fetches``, ``outlines`` and ``error``
    (the message it shows, when something broke)."""
    return dict(map_frame(page, nth).locator("#map").evaluate("e => ({...e.dataset})"))


def wait_map_drawn(page: Page, nth: int = 0, *, after: int = 0, level: str | None = None,
                   timeout_ms: int = 120_000) -> dict[str, str]:
    """Wait until the ``nth`` map has drawn a render newer than ``after`` with everything in view on
    screen (and at ``level`` if given); fails at once with the map's own message if it shows one.
    Returns :func:`map_state`."""
    deadline = time.time() + timeout_ms / 1000
    map_frame(page, nth).locator("#map").wait_for(state="attached", timeout=timeout_ms)
    state: dict[str, str] = {}
    while time.time() < deadline:
        state = map_state(page, nth)
        assert not state.get("error"), f"the map shows an error: {state['error']}"
        if (int(state.get("drawn", "0")) > after and state.get("ready") == "1"
                and (level is None or state.get("level") == level)):
            return state
        time.sleep(0.25)
    raise AssertionError(f"the map did not draw within {timeout_ms / 1000:.0f} s: {state}")


def wait_idle(page: Page, timeout_ms: int = 120_000) -> None:
    """Wait until Streamlit's 'Running…' indicator is gone and maps had a moment to draw."""
    deadline = time.time() + timeout_ms / 1000
    time.sleep(1.0)
    while time.time() < deadline:
        running = page.locator("[data-testid='stStatusWidget']").count()
        if not running:
            break
        time.sleep(0.5)
    time.sleep(2.5)  # deck.gl draws after the script finishes


def tall_screenshot(page: Page, path: Path, *, height: int) -> None:
    """Grow the window to ``height`` px (Streamlit scrolls inside its own container, so a full-page
    screenshot of the normal window would cut the page), let maps redraw, and screenshot it all."""
    page.set_viewport_size({"width": 1400, "height": height})
    wait_idle(page)
    page.screenshot(path=str(path), full_page=True)
    assert not page.locator("[data-testid='stException']").count(), "page shows an exception"
    assert_no_page_errors(page, expected_page_errors())
