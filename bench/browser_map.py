"""Browser map benchmark: time to map and bytes on the wire in headless Chromium, before and after.

For England (``E92000001``) and one local authority (Birmingham, ``E08000025``) on Explore, in
Debian's Chromium on this machine (software WebGL, no GPU):

- **time to map**: from navigation to the map drawn, with an empty browser profile (cold), with the
  same profile in a new browser session (warm: the browser's HTTP cache kept), and on a reload;
- **bytes received on first view** (cold), split into Streamlit's own frontend bundle and needsmap's
  (the websocket, and the static files: deck.gl and the map tileset), and the bytes of one measure
  switch. Bytes are counted on the wire by a small counting TCP proxy between Chromium and the
  server (so compression counts as it is sent), attributed to requests by parsing HTTP/1.1.

Each figure is the median of ``--runs`` (3). The server is warmed by one untimed visit per area, so
the times are the browser's. "Before" is the pre-change checkout (``--old CHECKOUT``;
skipped when not given) run with its own ``app.py`` and settings; "after" is this
checkout's ``serve.py`` (as ``make run``). The map is drawn when: after, the component's own marker
(its first frame with every layer of the view and its data, read back from the GPU, so the software
renderer has finished it); before, the pydeck chart's pixels turn to LSOA colours (polled by
screenshot, so up to about a second late). The server time of a measure switch is
``bench/load_times.py``'s.

Run: ``.venv/bin/python bench/browser_map.py`` (about 20 minutes with the before figures).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import defaultdict, deque
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from needsmap.config import PROJECT_ROOT, STATIC_URL, data_dir

sys.path.insert(0, str(PROJECT_ROOT))  # the browser tests' Chromium flags (one home)
from tests.browser.conftest import CHROMIUM_ARGS, MAP_FRAME  # noqa: E402

AREAS = {"England": "E92000001", "Birmingham": "E08000025"}
TARGET_FIRST_VIEW = 3_000_000  # bytes, compressed, static files included
TARGET_SWITCH = 200_000  # bytes per measure switch
TARGET_SECONDS = 10.0
LONG_MS = 600_000
#: measure switches, in turn (Explore's "Measure group" / "Measure" selects)
SWITCHES = [("Measure group", "IMD domain"), ("Measure", "Employment deprivation"),
            ("Measure", "Health deprivation and disability")]


# ----------------------------------------------------------------------------- counting proxy
def category(path: str) -> str:
    """Which side of the page a request path belongs to."""
    if path.startswith("/_stcore/stream"):
        return "websocket"
    if path.startswith(f"/{STATIC_URL}/vendor/"):
        return "deck.gl"
    if path.startswith(f"/{STATIC_URL}/"):
        return "map files"
    if path.startswith("/component/"):
        return "component"
    return "streamlit"  # its bundle (/static/…), index.html, favicon, health and host config


class _HttpCounter:
    """Attributes the bytes of one direction of an HTTP/1.1 connection to its messages.

    ``on_message(head)`` is called with each message head and returns the category its bytes go to;
    a 101 response switches the connection to raw (websocket) counting.
    """

    def __init__(self, counts: dict[str, int], on_message, responses: bool) -> None:  # type: ignore[no-untyped-def]
        self.counts = counts
        self.on_message = on_message
        self.responses = responses
        self.buf = b""
        self.state = "head"
        self.left = 0
        self.cat = "streamlit"

    def feed(self, data: bytes) -> None:
        if self.state == "raw":
            self.counts[self.cat] += len(data)
            return
        self.buf += data
        while self.buf:
            if self.state == "head":
                end = self.buf.find(b"\r\n\r\n")
                if end < 0:
                    return
                head, self.buf = self.buf[:end + 4], self.buf[end + 4:]
                self.cat, status, headers = self.on_message(head)
                self.counts[self.cat] += len(head)
                if status == 101:
                    self.state = "raw"
                    self.counts[self.cat] += len(self.buf)
                    self.buf = b""
                    return
                if status in (204, 304) or (100 <= status < 200):
                    continue
                if headers.get("transfer-encoding", "").lower() == "chunked":
                    self.state = "chunk-size"
                elif "content-length" in headers:
                    self.left = int(headers["content-length"])
                    self.state = "body" if self.left else "head"
                elif self.responses:
                    self.state = "until-close"
            elif self.state in ("body", "chunk-data"):
                take = min(self.left, len(self.buf))
                self.counts[self.cat] += take
                self.buf = self.buf[take:]
                self.left -= take
                if not self.left:
                    self.state = "head" if self.state == "body" else "chunk-size"
            elif self.state == "chunk-size":
                end = self.buf.find(b"\r\n")
                if end < 0:
                    return
                size = int(self.buf[:end].split(b";")[0], 16)
                self.counts[self.cat] += end + 2
                self.buf = self.buf[end + 2:]
                if size:
                    self.state, self.left = "chunk-data", size + 2  # the data and its CRLF
                else:
                    self.state = "trailer"
            elif self.state == "trailer":
                end = self.buf.find(b"\r\n")
                if end < 0:
                    return
                self.counts[self.cat] += end + 2
                self.buf = self.buf[end + 2:]
                if end == 0:
                    self.state = "head"
            else:  # until-close
                self.counts[self.cat] += len(self.buf)
                self.buf = b""


def _parse_head(head: bytes) -> tuple[str, dict[str, str]]:
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            headers[k.strip().lower()] = v.strip()
    return lines[0], headers


class CountingProxy:
    """A TCP proxy on 127.0.0.1 that counts the bytes the server sends, by :func:`category`."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream = upstream_port
        self.received: dict[str, int] = defaultdict(int)
        self.loop = asyncio.new_event_loop()
        self.port = _free_port()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        self.ready.wait(10)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        server = self.loop.run_until_complete(asyncio.start_server(self._serve, "127.0.0.1", self.port))
        self.ready.set()
        self.loop.run_forever()
        server.close()

    async def _serve(self, c_reader: asyncio.StreamReader, c_writer: asyncio.StreamWriter) -> None:
        try:
            s_reader, s_writer = await asyncio.open_connection("127.0.0.1", self.upstream)
        except OSError:
            c_writer.close()
            return
        paths: deque[str] = deque()
        sent: dict[str, int] = defaultdict(int)

        def on_request(head: bytes) -> tuple[str, int, dict[str, str]]:
            line, headers = _parse_head(head)
            paths.append(line.split(" ")[1] if " " in line else "")
            upgrade = headers.get("upgrade", "").lower() == "websocket"
            return "request", 101 if upgrade else 0, headers  # after an upgrade: websocket frames

        def on_response(head: bytes) -> tuple[str, int, dict[str, str]]:
            line, headers = _parse_head(head)
            status = int(line.split(" ")[1])
            path = paths[0] if paths else ""
            if status >= 200 and paths:
                paths.popleft()
            return category(path), status, headers

        up = _HttpCounter(sent, on_request, responses=False)
        down = _HttpCounter(self.received, on_response, responses=True)

        async def pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, counter: _HttpCounter) -> None:
            try:
                while data := await reader.read(65536):
                    counter.feed(data)
                    writer.write(data)
                    await writer.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                writer.close()

        await asyncio.gather(pump(c_reader, s_writer, up), pump(s_reader, c_writer, down))

    def snapshot(self) -> dict[str, int]:
        """Bytes received so far, by category."""
        return dict(self.received)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)


def _delta(after: dict[str, int], before: dict[str, int]) -> dict[str, int]:
    return {k: after.get(k, 0) - before.get(k, 0) for k in set(after) | set(before)}


# ----------------------------------------------------------------------------- servers
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def _server(script: Path, cwd: Path, env: dict[str, str], log: Path) -> Iterator[int]:
    """``streamlit run script`` (in ``cwd``, whose ``.streamlit/config.toml`` applies); its port."""
    port = _free_port()
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(script), "--server.headless=true",
             f"--server.port={port}", "--server.address=127.0.0.1", "--server.fileWatcherType=none",
             "--browser.gatherUsageStats=false"], cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 120
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2):
                    break
            except OSError:
                if proc.poll() is not None or time.time() > deadline:
                    raise RuntimeError(f"{script} did not start:\n{log.read_text()[-2000:]}") from None
                time.sleep(0.5)
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


# ----------------------------------------------------------------------------- the browser side
def _wait_idle(page: object, timeout_s: float = 600) -> None:
    deadline = time.time() + timeout_s
    time.sleep(1.0)
    while time.time() < deadline and page.locator("[data-testid='stStatusWidget']").count():  # type: ignore[attr-defined]
        time.sleep(0.3)


def _shaded(png: bytes) -> float:
    import numpy as np
    from PIL import Image

    rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=int)
    return float(((rgb.max(axis=2) - rgb.min(axis=2)) > 40).mean())


def _wait_drawn_new(page: object, after: int = 0) -> float:
    """Wait for the component's map; seconds from navigation to its first complete frame."""
    frame = page.frame_locator(MAP_FRAME).first  # type: ignore[attr-defined]
    el = frame.locator("#map")
    deadline = time.time() + LONG_MS / 1000
    while time.time() < deadline:
        try:
            d = el.evaluate("e => ({...e.dataset})", timeout=5000)
        except Exception:  # noqa: BLE001 - the frame is not there yet
            d = {}
        if d.get("error"):
            raise RuntimeError(f"the map shows an error: {d['error']}")
        if int(d.get("drawn", "0")) > after and d.get("ready") == "1":
            t = el.evaluate("e => performance.timeOrigin + performance.getEntriesByType('mark')"
                            ".filter(m => m.name.startsWith('needsmap:drawn-'))[0].startTime")
            return (t - page.evaluate("() => performance.timeOrigin")) / 1000  # type: ignore[attr-defined]
        time.sleep(0.2)
    raise RuntimeError("the map did not draw")


def _wait_drawn_old(page: object, started: float) -> float:
    """Wait for the pydeck chart to show LSOA colours; seconds since ``started`` (wall clock)."""
    chart = page.locator("[data-testid='stDeckGlJsonChart']").first  # type: ignore[attr-defined]
    chart.wait_for(timeout=LONG_MS)
    deadline = time.time() + LONG_MS / 1000
    while time.time() < deadline:
        try:
            if _shaded(chart.screenshot(timeout=60_000)) > 0.05:
                return time.time() - started
        except Exception:  # noqa: BLE001 - re-rendered meanwhile
            pass
        time.sleep(0.3)
    raise RuntimeError("the old map did not draw")


def _visit(context: object, url: str, new: bool, *, reload_too: bool = False) -> tuple[object, float, float | None]:
    page = context.new_page()  # type: ignore[attr-defined]
    page.set_viewport_size({"width": 1400, "height": 1100})
    started = time.time()
    page.goto(url, timeout=LONG_MS)
    seconds = _wait_drawn_new(page) if new else _wait_drawn_old(page, started)
    reload_s = None
    if reload_too:
        _wait_idle(page)
        started = time.time()
        page.reload(timeout=LONG_MS)
        reload_s = _wait_drawn_new(page) if new else _wait_drawn_old(page, started)
    return page, seconds, reload_s


def _switch(page: object, proxy: CountingProxy, step: tuple[str, str], new: bool) -> dict[str, int]:
    """Bytes received for one measure switch (the page settled before and after)."""
    _wait_idle(page)
    time.sleep(2)
    before = proxy.snapshot()
    drawn = 0
    if new:
        drawn = int(page.frame_locator(MAP_FRAME).first.locator("#map").get_attribute("data-drawn") or 0)  # type: ignore[attr-defined]
    label, option = step
    page.get_by_role("combobox", name=label, exact=True).click(timeout=LONG_MS)  # type: ignore[attr-defined]
    page.get_by_role("option", name=option, exact=True).click(timeout=LONG_MS)  # type: ignore[attr-defined]
    _wait_idle(page)
    if new:
        _wait_drawn_new(page, after=drawn)
    time.sleep(3)
    return _delta(proxy.snapshot(), before)


def measure(label: str, script: Path, cwd: Path, env: dict[str, str], runs: int, new: bool,
            chromium: str, workdir: Path) -> dict[str, dict[str, object]]:
    """Every figure for one version of the app."""
    from playwright.sync_api import sync_playwright

    out: dict[str, dict[str, object]] = {}
    with _server(script, cwd, env, workdir / f"{label}.log") as port, sync_playwright() as pw:
        proxy = CountingProxy(port)
        base = f"http://127.0.0.1:{proxy.port}"
        launch = {"executable_path": chromium, "args": CHROMIUM_ARGS, "headless": True}
        for name, code in AREAS.items():
            url = f"{base}/?area={code}&edition=2025"
            print(f"  {label} {name}: warming the server …", flush=True)
            with tempfile.TemporaryDirectory(dir=workdir) as profile:
                ctx = pw.chromium.launch_persistent_context(profile, **launch)
                _visit(ctx, url, new)
                ctx.close()
            cold, warm, reloads, first, hover, switches = [], [], [], [], [], []
            for run in range(runs):
                with tempfile.TemporaryDirectory(dir=workdir) as profile:
                    before = proxy.snapshot()
                    ctx = pw.chromium.launch_persistent_context(profile, **launch)
                    page, s, _ = _visit(ctx, url, new)
                    _wait_idle(page)
                    time.sleep(2)
                    cold.append(s)
                    first.append(_delta(proxy.snapshot(), before))
                    if new:  # the first hover fetches the tooltips' names (attributes file)
                        before = proxy.snapshot()
                        box = page.locator(MAP_FRAME).first.bounding_box()
                        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
                        time.sleep(3)
                        hover.append(_delta(proxy.snapshot(), before))
                    if run == 0:
                        for step in SWITCHES:
                            switches.append(_switch(page, proxy, step, new))
                    ctx.close()
                    ctx = pw.chromium.launch_persistent_context(profile, **launch)  # same profile
                    _, s, r = _visit(ctx, url, new, reload_too=True)
                    warm.append(s)
                    reloads.append(r)
                    ctx.close()
                print(f"    run {run + 1}: cold {cold[-1]:.1f} s, warm {warm[-1]:.1f} s, "
                      f"reload {reloads[-1]:.1f} s, first view {sum(first[-1].values()) / 1e6:.2f} MB",
                      flush=True)
            out[name] = {"cold": statistics.median(cold), "warm": statistics.median(warm),
                         "reload": statistics.median(reloads),  # type: ignore[type-var]
                         "first": _median_counts(first), "hover": _median_counts(hover) if hover else {},
                         "switch": _median_counts(switches)}
        proxy.close()
    return out


def _median_counts(runs: list[dict[str, int]]) -> dict[str, int]:
    keys = set().union(*runs) if runs else set()
    return {k: int(statistics.median(r.get(k, 0) for r in runs)) for k in keys}


# ----------------------------------------------------------------------------- report
def _row(label: str, before: str, after: str, ratio: str = "", target: str = "") -> None:
    print(f"  {label:44}{before:>11}{after:>11}{ratio:>8}   {target}")


def _mb(n: float | None) -> str:
    return "–" if n is None else f"{n / 1e6:.2f} MB"


def _kb(n: float | None) -> str:
    return "–" if n is None else f"{n / 1e3:.0f} KB"


def _s(n: float | None) -> str:
    return "–" if n is None else f"{n:.1f} s"


def _ratio(new: float, old: float | None) -> str:
    return f"{new / old:.2f}×" if old else "–"


def _check(ok: bool, target: str) -> str:
    return f"{target}{'' if ok else '  MISSED'}"


def report(new: dict[str, dict[str, object]], old: dict[str, dict[str, object]] | None) -> None:
    """Print the figures, after against before, with the targets."""
    print("\nBrowser map benchmark: headless Chromium (software WebGL), Explore, IMD 2025; medians; "
          "ratio = after / before")
    for name in AREAS:
        n = new[name]
        o = old[name] if old else None
        print(f"\n{name}")
        _row("", "before", "after", "ratio", "target")
        for key, text in (("cold", "map drawn, cold (empty profile)"),
                          ("warm", "map drawn, warm (same profile, new session)"),
                          ("reload", "map drawn, reload")):
            after, before = float(n[key]), (float(o[key]) if o else None)  # type: ignore[arg-type]
            target = _check(after < TARGET_SECONDS, f"< {TARGET_SECONDS:.0f} s") if key == "cold" else ""
            _row(text, _s(before), _s(after), _ratio(after, before), target)
        nf: dict[str, int] = n["first"]  # type: ignore[assignment]
        of: dict[str, int] = o["first"] if o else {}  # type: ignore[assignment]
        first_n, first_o = sum(nf.values()), (sum(of.values()) if o else None)
        _row("first view (cold), received", _mb(first_o), _mb(first_n), _ratio(first_n, first_o),
             _check(first_n <= TARGET_FIRST_VIEW, f"≤ {TARGET_FIRST_VIEW / 1e6:.0f} MB"))
        for cat, text in (("streamlit", "Streamlit's frontend (bundle, page)"),
                          ("websocket", "needsmap: websocket"), ("component", "needsmap: map component"),
                          ("deck.gl", "needsmap: deck.gl"), ("map files", "needsmap: tileset files")):
            _row(f"  {text}", _mb(of.get(cat, 0)) if o else "–", _mb(nf.get(cat, 0)))
        hover: dict[str, int] = n["hover"]  # type: ignore[assignment]
        if hover:
            _row("first hover (tooltip names), received", "–", _kb(sum(hover.values())))
            total = first_n + sum(hover.values())
            _row("first view and first hover", _mb(first_o), _mb(total), _ratio(total, first_o))
        ns: dict[str, int] = n["switch"]  # type: ignore[assignment]
        os_: dict[str, int] = o["switch"] if o else {}  # type: ignore[assignment]
        switch_n, switch_o = sum(ns.values()), (sum(os_.values()) if o else None)
        _row("measure switch, received", _kb(switch_o), _kb(switch_n), _ratio(switch_n, switch_o),
             _check(switch_n <= TARGET_SWITCH, f"≤ {TARGET_SWITCH / 1e3:.0f} KB"))
    print("\nServer time of a measure switch: bench/load_times.py.")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3, help="visits per figure (the median is printed)")
    ap.add_argument("--old", type=Path, default=None,
                    help="checkout of the code before the change, e.g. `git worktree add /tmp/old 8eccacc`")
    ap.add_argument("--only", choices=("new", "old", "both"), default="both")
    args = ap.parse_args()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:  # the other benchmarks of `make bench` still run
        print("browser benchmark skipped: chromium is not installed (run `make browser-deps`)")
        return
    env = {**os.environ, "NEEDSMAP_DATA_DIR": str(data_dir()), "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    env.pop("NEEDSMAP_DEMO", None)
    with tempfile.TemporaryDirectory(prefix="needsmap-bench-browser-") as tmp:
        work = Path(tmp)
        new = old = None
        if args.only in ("new", "both"):
            print("after: streamlit run serve.py (this checkout)", flush=True)
            new = measure("after", PROJECT_ROOT / "serve.py", PROJECT_ROOT, env, args.runs, True, chromium, work)
        if args.only in ("old", "both") and args.old is not None and (args.old / "app.py").exists():
            print(f"before: streamlit run {args.old / 'app.py'}", flush=True)
            old_env = {**env, "PYTHONPATH": str(args.old / "src"), "NEEDSMAP_CACHE_DIR": str(work / "old-cache")}
            old = measure("before", args.old / "app.py", args.old, old_env, args.runs, False, chromium, work)
        if new is not None:
            report(new, old)


if __name__ == "__main__":
    main()
