"""Column headings from an uploaded file, echoed in the Organisations page's error box, stay text in
a real Chromium: no image is fetched, no link is made, the heading reads as typed.

The issue's finding: a heading ``![x](http://host/img.png)`` made the browser fetch that image, and
``[Click for help](#)`` became a link, because Streamlit renders an error box's text as Markdown.
A local HTTP server stands in for the image host and records every request it gets.
"""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from needsmap.safe_text import LINK_BREAK
from tests.browser.conftest import _free_port, open_page, wait_idle

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Locator, Page

pytestmark = [pytest.mark.browser, pytest.mark.demo]

LONG = 120_000


class _Recorder(http.server.BaseHTTPRequestHandler):
    """Answers every GET with a 1×1 GIF and remembers its path."""

    hits: list[str] = []
    GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,"\
          b"\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"

    def do_GET(self) -> None:  # noqa: N802 - the standard library's name
        type(self).hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/gif")
        self.end_headers()
        self.wfile.write(self.GIF)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the standard name
        pass


@pytest.fixture()
def image_host() -> Iterator[tuple[int, list[str]]]:
    """A local "image host" on a free port; yields the port and the paths it was asked for."""
    port = _free_port()
    hits: list[str] = []
    handler = type("Recorder", (_Recorder,), {"hits": hits})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield port, hits
    finally:
        httpd.shutdown()
        httpd.server_close()


def _upload(page: Page, path: Path) -> Locator:
    """Upload ``path`` on the Organisations page and return the error box it leads to."""
    page.locator("input[type='file']").first.set_input_files(str(path))
    box = page.locator("[data-testid='stAlertContentError']").first
    box.wait_for(timeout=LONG)
    wait_idle(page)
    return box


def test_headings_in_the_error_box_are_text(server: str, browser: Browser, artifacts: Path,
                                            tmp_path: Path, image_host: tuple[int, list[str]]) -> None:
    port, hits = image_host
    image = f"![x](http://127.0.0.1:{port}/img.png)"
    tag = f"<img src=http://127.0.0.1:{port}/tag.png>"
    style = ":red[alarm] **bold** `code` $x^2$ :smile: :material/home:"
    first = tmp_path / "headings.csv"  # no postcode, coordinate or LSOA column: the box lists these
    rows = "".join(f"one {i},Tea Rooms {i},two,three\n" for i in range(5))
    first.write_text(f'"{image}",name,"{tag}",{style}\n{rows}', encoding="utf-8")
    second = tmp_path / "link.csv"
    rows = "".join(f"one {i},Tea Rooms {i}\n" for i in range(5))
    second.write_text(f"[Click for help](#),name\n{rows}", encoding="utf-8")

    page = open_page(browser, f"{server}/organisations?area=E08000025&edition=2025",
                     wait_text="Organisations", screenshot=artifacts / "markup_safety_first.png")
    asked: list[str] = []  # what the browser asked the image host for
    page.on("request", lambda r: asked.append(r.url) if f":{port}/" in r.url else None)
    page.get_by_text("Upload my own list").first.click()
    wait_idle(page)

    box = _upload(page, first)
    page.screenshot(path=str(artifacts / "markup_safety_image.png"), full_page=True)
    shown = box.inner_text().replace(LINK_BREAK, "")
    assert image in shown and tag in shown and style in shown, shown
    assert box.locator("img").count() == 0
    assert box.locator("a, strong, code, span[style], .katex, svg").count() == 0
    assert page.locator(f"img[src*='127.0.0.1:{port}']").count() == 0

    box = _upload(page, second)
    page.screenshot(path=str(artifacts / "markup_safety_link.png"), full_page=True)
    shown = box.inner_text().replace(LINK_BREAK, "")
    assert "[Click for help](#)" in shown, shown
    assert box.locator("a").count() == 0
    assert page.get_by_role("link", name="Click for help").count() == 0
    assert not page.locator("[data-testid='stException']").count()
    page.close()
    assert asked == [] and hits == [], (asked, hits)
