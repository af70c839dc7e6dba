"""The map transport in real Chromium: boundaries as cached static files, values per view.

On the full data, England on Explore: the map draws from the static tileset (no pydeck chart, nothing
asked of any host but the local server, the static files marked immutable); a hovered LSOA's tooltip
is exactly what Python's ``format_template`` makes of the same spec and values; a new measure recolours
the map without fetching any boundary again and with a small websocket message; zoomed into
Birmingham the detail tiles cover the view without a gap (a pixel check on the screenshot); "Reset
view" returns to England. On the embedded demo, Birmingham draws from detail tiles with the same
tooltips.
"""

from __future__ import annotations

import base64
import gzip
import io
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from needsmap.config import STATIC_URL, static_dir
from needsmap.data.map_assets import Attributes
from needsmap.ui.map_component import IMMUTABLE
from needsmap.viz.lsoa_map import LsoaMap
from tests import raw
from tests.browser.conftest import (
    _LOCAL,
    MAP_FRAME,
    map_frame,
    map_state,
    streamlit_server,
    wait_idle,
    wait_map_drawn,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Request, Response

pytestmark = pytest.mark.browser

LONG = 300_000  # ms: software WebGL on a busy machine
#: the map's background (index.html: #f7f7f5); no LSOA colour is near it
BACKGROUND = (247, 247, 245)
BIRMINGHAM = (-1.8904, 52.4862)  # Victoria Square


# ----------------------------------------------------------------------------- helpers
class Recorder:
    """Everything a page asks for and gets: request URLs, static responses' headers, websocket bytes."""

    def __init__(self, page: Page) -> None:
        self.requests: list[str] = []
        self.outside: list[str] = []
        self.static: dict[str, dict[str, str]] = {}
        self.ws_bytes: list[int] = []
        self.errors: list[str] = []
        page.on("request", self._request)
        page.on("response", self._response)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("websocket", lambda ws: ws.on("framereceived", self._frame))

    def _request(self, request: Request) -> None:
        url = str(request.url)
        self.requests.append(url)
        if not url.startswith(_LOCAL):
            self.outside.append(url)

    def _response(self, response: Response) -> None:
        if f"/{STATIC_URL}/" in str(response.url):
            self.static[str(response.url)] = dict(response.headers)

    def _frame(self, payload: bytes | str) -> None:
        self.ws_bytes.append(len(payload))

    def asked(self, part: str) -> list[str]:
        """Requests whose URL contains ``part``."""
        return [u for u in self.requests if part in u]


def _static_file(path: str) -> Path:
    """The file behind a spec path such as ``app/static/maps/…``."""
    assert path.startswith(f"{STATIC_URL}/"), path
    return static_dir() / path[len(STATIC_URL) + 1:]


def _read_gz_json(path: str) -> dict:
    return json.loads(gzip.decompress(_static_file(path).read_bytes()))


class Rendered:
    """The spec and values the map was last given, read back from the page, and Python's tooltips."""

    def __init__(self, page: Page) -> None:
        got = map_frame(page).locator("#map").evaluate("() => window.needsmapMap.lastRender()")
        self.spec = json.loads(got["spec"])
        self.view = LsoaMap(spec=self.spec, values=base64.b64decode(got["values"]))
        self.codes = _read_gz_json(self.spec["tileset"])["codes"]
        self.attributes = self._attributes()
        self.feature = self.view.column("feature").raw

    def _attributes(self) -> Attributes | None:
        if not self.spec.get("attributes"):
            return None
        doc = _read_gz_json(self.spec["attributes"])
        text = {k: np.array([v["labels"][c] if c >= 0 else None for c in v["codes"]], dtype=object)
                for k, v in doc["text"].items()}
        numbers = {k: np.array([np.nan if x is None else x for x in v], dtype=float)
                   for k, v in doc["numbers"].items()}
        return Attributes(name="", path=Path(), text=text, numbers=numbers)

    def row_of(self, code: str) -> int:
        """Position among the shown LSOAs of ``code``."""
        rows = np.flatnonzero(self.feature == self.codes.index(code))
        assert len(rows) == 1, f"{code} is not shown once on the map"
        return int(rows[0])

    def python_lines(self, rows: list[int]) -> pd.DataFrame:
        """``format_template``'s text of the tooltip lines of ``rows``."""
        return self.view.tooltips(self.codes, self.attributes, rows=rows)


def _tooltip_lines(page: Page) -> list[str]:
    tip = map_frame(page).locator("#tooltip")
    return [str(t) for t in tip.locator("div").all_inner_texts()]


def _hover_lsoa(page: Page, x: float, y: float) -> list[str]:
    """Hover the map at frame pixel (x, y) until an LSOA tooltip with its attributes shows."""
    frame_box = page.locator(MAP_FRAME).first.bounding_box()
    assert frame_box is not None
    lines: list[str] = []
    for k in range(40):
        page.mouse.move(frame_box["x"] + x + k % 3, frame_box["y"] + y)
        time.sleep(0.5)
        lines = _tooltip_lines(page)
        if lines and "…" not in " ".join(lines) and re.search(r"\(E01\d{6}\)", lines[0]):
            return lines
    raise AssertionError(f"no LSOA tooltip appeared; last seen: {lines}")


def _background_pixels(png: bytes, box: tuple[float, float, float, float] | None = None) -> int:
    """Pixels of the map's background colour (within 6 per channel) in the fractional ``box``
    (left, top, right, bottom) of the image."""
    rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=int)
    if box is not None:
        h, w = rgb.shape[:2]
        rgb = rgb[int(box[1] * h):int(box[3] * h), int(box[0] * w):int(box[2] * w)]
    return int((np.abs(rgb - np.array(BACKGROUND)).max(axis=2) <= 6).sum())


def _pick(page: Page, label: str, option: str) -> None:
    """Choose ``option`` as a user does in a long list: click the box, type, click the suggestion."""
    page.get_by_role("combobox", name=label, exact=True).click(timeout=LONG)
    page.keyboard.type(option.split(" · ")[-1], delay=20)
    page.get_by_role("option", name=option, exact=True).click()


# ----------------------------------------------------------------------------- England (full data)
@pytest.fixture(scope="module")
def england(server: str, browser: Browser) -> Iterator[tuple[Page, Recorder]]:
    """Explore with all England, drawn; the page and what it asked for."""
    page = browser.new_page(viewport={"width": 1400, "height": 1100})
    rec = Recorder(page)
    page.goto(f"{server}/?area=E92000001&edition=2025", timeout=LONG)
    page.get_by_text(f"England has {len(raw.imd('2025')):,} neighbourhoods").first.wait_for(timeout=LONG)
    page.locator(MAP_FRAME).first.scroll_into_view_if_needed(timeout=LONG)
    wait_map_drawn(page, level="national", timeout_ms=LONG)
    wait_idle(page, LONG)
    yield page, rec
    page.close()


def test_england_draws_from_the_static_tileset(england: tuple[Page, Recorder], artifacts: Path) -> None:
    page, rec = england
    frame_el = page.locator(MAP_FRAME).first
    shot = frame_el.screenshot(path=str(artifacts / "map_transport_england.png"), timeout=LONG)
    page.screenshot(path=str(artifacts / "map_transport_england_page.png"), timeout=LONG)
    spec = Rendered(page).spec
    # the new transport: no pydeck chart; tileset, national level and deck.gl from the static folder
    assert page.locator("[data-testid='stDeckGlJsonChart']").count() == 0
    national = spec["tileset"].rsplit("/", 1)[0] + "/national.bin.gz"
    for path in (spec["tileset"], national, f"{STATIC_URL}/vendor/deck.gl-"):
        assert rec.asked(f"/{path}"), f"the map did not fetch {path}"
    assert not rec.asked("/tile-"), "detail tiles were fetched at national zoom"
    # served by serve.py: cached for good (a file named by its content never changes)
    assert rec.static and all(h.get("cache-control") == IMMUTABLE for h in rec.static.values()), rec.static
    assert not rec.outside, f"the page asked the network for {rec.outside[:3]}"
    assert map_state(page)["level"] == "national"
    assert sum(rec.ws_bytes) < 3_000_000, f"{sum(rec.ws_bytes):,} bytes over the websocket"
    assert not page.locator("[data-testid='stException']").count()
    assert not [e for e in rec.errors if "deck" in e.lower() or "needsmap" in e.lower()], rec.errors
    # the detector below finds the background where there is some: England's view has sea around it
    assert _background_pixels(shot, (0.0, 0.0, 0.15, 0.15)) > 100


def test_england_tooltip_is_pythons_text(england: tuple[Page, Recorder], artifacts: Path) -> None:
    page, _ = england
    box = page.locator(MAP_FRAME).first.bounding_box()
    assert box is not None
    lines = _hover_lsoa(page, box["width"] * 0.55, box["height"] * 0.55)
    page.screenshot(path=str(artifacts / "map_transport_tooltip.png"), timeout=LONG)
    found = re.search(r"\((E01\d{6})\)", lines[0])
    assert found, lines
    code = found.group(1)
    r = Rendered(page)
    expected = r.python_lines([r.row_of(code)]).iloc[0].tolist()
    assert lines == expected
    # and the browser's text for a spread of other LSOAs, through the same JavaScript
    rows = np.linspace(0, len(r.feature) - 1, 60).astype(int).tolist()
    python = r.python_lines(rows)
    for row, (_, want) in zip(rows, python.iterrows(), strict=True):
        got = map_frame(page).locator("#map").evaluate(
            "(e, f) => window.needsmapMap.tooltipText(f)", int(r.feature[row]))
        assert got == want.tolist()
    page.mouse.move(0, 0)


def test_measure_switch_sends_values_not_boundaries(england: tuple[Page, Recorder]) -> None:
    page, rec = england
    before = map_state(page)
    layers_before = map_frame(page).locator("#map").evaluate("() => window.needsmapMap.layers()")
    asked_before = len(rec.requests)
    first_ws = len(rec.ws_bytes)
    picker = page.get_by_role("combobox", name="Measure", exact=True)
    if "Employment deprivation" in picker.inner_text():  # another domain
        _pick(page, "Measure", "IMD domain · Income deprivation")
    else:
        _pick(page, "Measure", "IMD domain · Employment deprivation")
    after = wait_map_drawn(page, after=int(before["drawn"]), level="national", timeout_ms=LONG)
    wait_idle(page, LONG)
    new_requests = rec.requests[asked_before:]
    switch_bytes = sum(rec.ws_bytes[first_ws:])
    assert int(after["values"]) > int(before["values"])  # recoloured …
    assert after["fetches"] == before["fetches"]  # … without fetching anything again
    assert not [u for u in new_requests if f"/{STATIC_URL}/" in u], new_requests
    layers_after = map_frame(page).locator("#map").evaluate("() => window.needsmapMap.layers()")
    assert layers_after == layers_before  # the same polygons, not a new geometry
    # one view's values and spec (plus the page's table), decompressed: far below the old 15.8 MB
    assert switch_bytes < 1_000_000, f"{switch_bytes:,} bytes over the websocket for a new measure"
    assert not rec.outside


def test_zoom_into_birmingham_shows_detail_without_gaps(england: tuple[Page, Recorder],
                                                        artifacts: Path) -> None:
    page, rec = england
    frame_el = page.locator(MAP_FRAME).first
    box = frame_el.bounding_box()
    assert box is not None
    hooks = map_frame(page).locator("#map")
    for _ in range(12):  # wheel in on Victoria Square until well past detail_zoom
        x, y = hooks.evaluate("(e, p) => window.needsmapMap.project(p)", list(BIRMINGHAM))
        page.mouse.move(box["x"] + x, box["y"] + y)
        page.mouse.wheel(0, -1000)
        time.sleep(0.7)
        if float(map_state(page)["zoom"]) >= 11:
            break
    page.mouse.move(box["x"] + box["width"] + 40, box["y"] - 40)  # off the map
    state = wait_map_drawn(page, level="detail", timeout_ms=LONG)
    assert float(state["zoom"]) >= 11, state
    assert "E08000025" in state["tiles"].split(","), state
    assert rec.asked("/tile-E08000025.bin.gz")
    time.sleep(2)
    shot = frame_el.screenshot(path=str(artifacts / "map_transport_birmingham_zoom.png"), timeout=LONG)
    # the view is inland, every pixel inside an LSOA: a torn polygon shows the background through
    gaps = _background_pixels(shot, (0.05, 0.12, 0.95, 0.95))
    assert gaps == 0, f"{gaps} background pixels inside Birmingham: torn polygons"
    assert not rec.outside

    map_frame(page).locator("#reset").click()
    state = wait_map_drawn(page, level="national", timeout_ms=LONG)
    spec = Rendered(page).spec
    assert float(state["zoom"]) == pytest.approx(spec["view"]["zoom"]), state
    frame_el.screenshot(path=str(artifacts / "map_transport_reset.png"), timeout=LONG)


# ----------------------------------------------------------------------------- the embedded demo
@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``streamlit run serve.py`` on the embedded demo (``NEEDSMAP_DEMO=1``), fresh cache."""
    tmp = tmp_path_factory.mktemp("demo_map_streamlit")
    with streamlit_server(tmp, NEEDSMAP_DEMO="1", NEEDSMAP_CACHE_DIR=str(tmp / "cache")) as url:
        yield url


@pytest.mark.demo
def test_demo_birmingham_draws_detail_tiles_with_pythons_tooltips(demo_server: str, browser: Browser,
                                                                   artifacts: Path) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1100})
    rec = Recorder(page)
    page.goto(f"{demo_server}/?area=E08000025&edition=2025", timeout=LONG)
    page.get_by_text("Birmingham has 659 neighbourhoods").first.wait_for(timeout=LONG)
    page.locator(MAP_FRAME).first.scroll_into_view_if_needed(timeout=LONG)
    state = wait_map_drawn(page, level="detail", timeout_ms=LONG)
    assert "E08000025" in state["tiles"].split(",")
    assert not rec.asked("/national.bin.gz"), "the national level was fetched for a local authority"
    box = page.locator(MAP_FRAME).first.bounding_box()
    assert box is not None
    lines = _hover_lsoa(page, box["width"] * 0.5, box["height"] * 0.5)
    page.locator(MAP_FRAME).first.screenshot(path=str(artifacts / "map_transport_demo.png"), timeout=LONG)
    found = re.search(r"\((E01\d{6})\)", lines[0])
    assert found, lines
    code = found.group(1)
    r = Rendered(page)
    assert lines == r.python_lines([r.row_of(code)]).iloc[0].tolist()
    assert not rec.outside, f"the page asked the network for {rec.outside[:3]}"
    assert not page.locator("[data-testid='stException']").count()
    page.close()
