"""A local HTTP server for download tests (127.0.0.1 only; started and stopped by the test).

It serves the files of one folder by name, and misbehaves on request like real servers do:
``/cut/NAME`` announces the whole file but sends half of it and closes, ``/html/NAME`` answers
200 with an HTML error page, anything else missing is a 404. ``/arcgis/NAME/FeatureServer/0/query``
answers like an ArcGIS FeatureServer layer (GeoJSON pages honouring ``resultOffset`` and
``resultRecordCount``, ``exceededTransferLimit`` while more remain) from the features of
``NAME.geojson`` in the folder.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

_ARCGIS = re.compile(r"^arcgis/([^/]+)/FeatureServer/0/query$")


def _handler(root: Path) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - quiet
            return

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            url = urlparse(self.path)
            path = unquote(url.path).lstrip("/")
            layer = _ARCGIS.match(path)
            if layer:
                self._arcgis(root / f"{layer.group(1)}.geojson", parse_qs(url.query))
                return
            mode = ""
            if path.startswith(("cut/", "html/")):
                mode, path = path.split("/", 1)
            target = root / path
            if mode == "html":
                body = b"<!DOCTYPE html><html><head><title>Error</title></head><body>Sorry</body></html>"
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            if not target.is_file() or root not in target.resolve().parents:
                self.send_error(404)
                return
            data = target.read_bytes()
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if mode == "cut":
                self.wfile.write(data[: len(data) // 2])
                self.wfile.flush()
                self.close_connection = True
                return
            self.wfile.write(data)

        def _arcgis(self, source: Path, query: dict[str, list[str]]) -> None:
            if not source.is_file():
                body = json.dumps({"error": {"code": 400, "message": "Invalid URL"}}).encode()
            else:
                features = json.loads(source.read_text())["features"]
                start = int(query.get("resultOffset", ["0"])[0])
                count = int(query.get("resultRecordCount", ["2000"])[0])
                page = features[start:start + count]
                body = json.dumps({"type": "FeatureCollection", "features": page,
                                   "exceededTransferLimit": start + count < len(features)}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/geo+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


@contextmanager
def serve(root: Path) -> Iterator[str]:
    """Serve ``root`` on 127.0.0.1 (a free port) for the duration; yields the base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(root.resolve()))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
