"""needsmap's server: the dashboard (``app.py``) plus its static files, cached and compressed.

Run it with ``streamlit run serve.py`` (``make run``). Streamlit finds ``app`` below and serves
``app.py`` through it, with two changes to how files reach the browser:

- The static folder (:func:`needsmap.config.static_dir`: map tilesets, deck.gl's bundles) is served at
  :data:`needsmap.config.STATIC_URL` by :func:`needsmap.ui.map_component.static_routes`: Starlette's
  ``StaticFiles`` with ``Cache-Control: public, max-age=31536000, immutable``. Every file there is
  named by its content (a hash or a pinned version), so a browser keeps it across sessions and
  reloads without asking again (and a conditional request gets 304). Streamlit's own
  ``server.enableStaticServing``, still on as a fallback for ``streamlit run app.py``, sends no
  ``Cache-Control`` and never answers 304. ``.gz`` files go out as they are (``application/gzip``;
  the map unpacks them); other files are gzipped by Streamlit's middleware.
- Streamlit's own frontend bundle (``/static/…``, about 3 MB) is gzipped too. Streamlit sends it
  uncompressed; it is cached for a year, so each browser pays the compression once.
"""

from __future__ import annotations

import streamlit as st
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from needsmap.ui.map_component import static_routes


class GzipStreamlitBundle:
    """gzip the responses of Streamlit's frontend bundle (``/static/…``) and nothing else.

    Streamlit's own gzip middleware, inside this one, leaves those paths alone, so nothing is
    compressed twice; fonts and images are left as they are by content type.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.gzip = GZipMiddleware(app, minimum_size=1000, compresslevel=6)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Route ``/static/`` requests through gzip, everything else straight on."""
        if scope["type"] == "http" and scope["path"].startswith("/static/"):
            await self.gzip(scope, receive, send)
        else:
            await self.app(scope, receive, send)


app = st.App("app.py", routes=static_routes(), middleware=[Middleware(GzipStreamlitBundle)])
