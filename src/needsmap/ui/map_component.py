"""The LSOA map as a Streamlit component: boundaries travel once as static files, values per view.

The browser side (``frontend/index.html`` and ``frontend/map.js``) draws with deck.gl. It fetches the
tileset and attribute files named in the spec from the static folder (:func:`needsmap.config.static_dir`,
served at :data:`needsmap.config.STATIC_URL`), which the browser caches; each rerun sends only the spec
and the per-LSOA values, as bytes. deck.gl's prebuilt bundles come from npm (``make setup`` runs
``npm ci`` in ``frontend/`` from the committed lockfile) and are copied into the static folder under
versioned names, so they too are fetched once and cached. :func:`static_routes` serves that folder
with long-lived caching (``serve.py`` mounts it).
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import streamlit as st
import streamlit.components.v1 as components
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from needsmap.config import STATIC_URL, static_dir

__all__ = ["FRONTEND_DIR", "IMMUTABLE", "NODE_MISSING", "ImmutableFiles", "install_vendor", "lsoa_map",
           "static_routes", "vendor_paths"]

#: the component's own files (index.html, map.js) and its npm manifest and lockfile
FRONTEND_DIR = Path(__file__).resolve().parent / "frontend"
#: npm package -> its prebuilt browser bundle (UMD; each adds to the global ``deck``), in load order.
#: deck.gl's per-module bundles, not the all-in-one ``deck.gl/dist.min.js``: the map needs only these
#: four, which gzip to 344 KB against 580 KB (and parse faster)
BUNDLES: dict[str, str] = {"@deck.gl/core": "dist.min.js", "@deck.gl/layers": "dist.min.js",
                           "@deck.gl/extensions": "dist.min.js", "@deck.gl/json": "dist.min.js"}
#: sub-folder of the static folder holding the copied bundles
VENDOR_FOLDER = "vendor"
#: what to do when the bundles are not installed (the map shows this instead of a blank frame)
NODE_MISSING = ("The map's renderer (deck.gl) is not installed. Run `make setup` once; it needs Node.js "
                "and npm (Debian/Ubuntu: `apt-get install nodejs npm`).")

#: Cache-Control of the static folder's files: a year, the longest lifetime caches honour
IMMUTABLE = "public, max-age=31536000, immutable"


class ImmutableFiles(StaticFiles):
    """Starlette's static files (ETag, Last-Modified, 304 on a conditional request), marked
    immutable: every file of the static folder is named by its content (a hash or a pinned version),
    so the browser keeps it across sessions and reloads without asking again."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        """Starlette's response for ``path``, with :data:`IMMUTABLE` when it is the file (200 or 304)."""
        response = await super().get_response(path, scope)
        if response.status_code in (200, 304):
            response.headers["Cache-Control"] = IMMUTABLE
        return response


def static_routes() -> list[BaseRoute]:
    """Routes for an ``st.App`` (see ``serve.py``) serving :func:`~needsmap.config.static_dir` at
    :data:`~needsmap.config.STATIC_URL` with :class:`ImmutableFiles`.

    They take precedence over Streamlit's own ``server.enableStaticServing`` route at the same URL,
    which sends no ``Cache-Control`` and never answers 304.

    Returns
    -------
    list of BaseRoute
        One Starlette ``Mount``.
    """
    return [Mount(f"/{STATIC_URL}", app=ImmutableFiles(directory=static_dir()), name="needsmap-static")]


@cache
def _component() -> Any:
    """The declared component (declared on first use, inside a running app)."""
    return components.declare_component("lsoa_map", path=str(FRONTEND_DIR))


@cache
def _pinned_versions() -> dict[str, str]:
    """Exact versions of :data:`BUNDLES` pinned in ``frontend/package.json`` (their one home)."""
    deps = json.loads((FRONTEND_DIR / "package.json").read_text(encoding="utf-8"))["dependencies"]
    return {name: str(deps[name]) for name in BUNDLES}


def vendor_paths() -> list[Path]:
    """Where the bundles live in the static folder, in load order.

    Returns
    -------
    list of Path
        ``static_dir()/vendor/<package>-<version>.min.js`` for each package of :data:`BUNDLES`
        (``@`` dropped, ``/`` as ``-``, e.g. ``deck.gl-core-9.4.0.min.js``): the version in the name
        makes each file immutable, so the browser may cache it for good.
    """
    folder = static_dir() / VENDOR_FOLDER
    return [folder / f"{name.lstrip('@').replace('/', '-')}-{version}.min.js"
            for name, version in _pinned_versions().items()]


def install_vendor() -> list[Path]:
    """Copy deck.gl's bundles from ``frontend/node_modules`` (``npm ci``) into the static folder.

    Idempotent: a bundle already copied is left alone.

    Returns
    -------
    list of Path
        The copied (or already present) files, as :func:`vendor_paths`.

    Raises
    ------
    FileNotFoundError
        When ``npm ci`` has not been run in ``frontend/`` (the message says how to fix it).
    """
    targets = vendor_paths()
    for (name, bundle), target in zip(BUNDLES.items(), targets, strict=True):
        if target.exists():
            continue
        source = FRONTEND_DIR / "node_modules" / name / bundle
        if not source.exists():
            raise FileNotFoundError(f"{source} is missing. {NODE_MISSING}")
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".part")
        shutil.copyfile(source, partial)
        partial.replace(target)  # never a half-written file under the immutable name
    return targets


def _vendor_urls() -> list[str] | None:
    """URLs (relative to the app root) of the bundles, copying them first if only npm ran; ``None``
    when they cannot be had."""
    try:
        paths = install_vendor()
    except FileNotFoundError:
        return None
    return [f"{STATIC_URL}/{VENDOR_FOLDER}/{p.name}" for p in paths]


def _digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=8).hexdigest()


def lsoa_map(spec: Mapping[str, Any], values: bytes, *, key: str, height: int = 620) -> None:
    """Draw an LSOA map in the browser from a static tileset and this view's per-LSOA values.

    Parameters
    ----------
    spec
        JSON-able description of the view (``needsmap.viz.lsoa_map`` builds it): ``tileset`` and
        ``attributes`` (URL paths under :data:`~needsmap.config.STATIC_URL`), ``columns`` (slices of
        ``values``; ``feature`` and ``fill`` required), ``palette``, ``line``, ``tooltip``, ``layers``
        (pydeck layer JSON drawn above), ``layer_tooltip``, ``view`` and ``detail``.
    values
        The columns' bytes, little-endian, each slice at a 4-byte aligned offset (about 34k small
        numbers per column for England).
    key
        Streamlit key; the same key keeps the same browser frame across reruns, so a new measure only
        recolours the LSOAs already drawn (no new download of boundaries).
    height
        Height of the map in CSS pixels.

    Notes
    -----
    Call it inside a container (``with column: lsoa_map(...)``). The spec travels as compact JSON in a
    bytes argument (no indentation, no escaping); the websocket compresses both. When deck.gl's
    bundles are not installed the map shows :data:`NODE_MISSING` instead.
    """
    vendor = _vendor_urls()
    if vendor is None:
        st.warning(NODE_MISSING, icon=":material/map:")
        return
    spec_bytes = json.dumps(spec, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()
    # Streamlit re-renders a v1 component only when its JSON arguments change, not its bytes: the
    # digests make a new spec or new values a new render
    _component()(spec=spec_bytes, values=bytes(values),
                 digest=f"{_digest(spec_bytes)}-{_digest(values)}", vendor=vendor, height=int(height),
                 key=key, default=None)
