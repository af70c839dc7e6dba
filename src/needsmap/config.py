"""Paths and settings, anchored on this file so nothing depends on the working directory."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parents[1]

#: environment variable naming the folder that holds the public data sets
DATA_DIR_ENV = "NEEDSMAP_DATA_DIR"
#: environment variable naming the folder for prepared caches (default: ``.cache`` in the checkout)
CACHE_DIR_ENV = "NEEDSMAP_CACHE_DIR"
#: environment variable that, set to ``1``, runs on the embedded demo whatever else is present
DEMO_ENV = "NEEDSMAP_DEMO"

#: the embedded demo: a small open-licensed extract in the prepared layout (West Midlands region's
#: LSOAs, boundaries, lookups and postcodes, England's national IMD tables); built by
#: ``tools/build_demo.py`` from the full data
DEMO_DIR = PACKAGE_DIR / "demo_data"
#: this repository's own layout: ``../shared/data`` beside the checkout
SHARED_DATA_DIR = (PROJECT_ROOT.parent / "shared" / "data").resolve()
#: name of the manifest file ``needsmap data fetch`` writes in a data folder
MANIFEST_NAME = "needsmap-manifest.json"

#: largest upload the dashboard and importers accept, in megabytes
MAX_UPLOAD_MB = 50
#: most rows an uploaded organisation list may have
MAX_UPLOAD_ROWS = 200_000


def user_data_dir() -> Path:
    """Per-user data folder (platformdirs), where ``needsmap data fetch`` writes by default."""
    import platformdirs

    return Path(platformdirs.user_data_dir("needsmap", appauthor=False))


def _has_data(path: Path) -> bool:
    """True when ``path`` holds a fetched or hand-assembled data folder (not an empty one)."""
    return (path / MANIFEST_NAME).exists() or (path / "imd").is_dir()


#: a data folder set for the current context only (a fetch converting into its target folder)
_OVERRIDE: ContextVar[Path | None] = ContextVar("needsmap_data_dir", default=None)


@contextmanager
def using_data_dir(path: Path) -> Iterator[None]:
    """Within the block, :func:`data_dir` is ``path`` for this thread/context only.

    ``needsmap data fetch`` converts into its target folder this way, so a converter that needs a
    lookup reads the one just fetched, and other sessions of a shared server are not affected.
    """
    token = _OVERRIDE.set(Path(path))
    try:
        yield
    finally:
        _OVERRIDE.reset(token)


def data_dir() -> Path:
    """Folder holding the public data sets.

    In order: a folder set by :func:`using_data_dir`; ``$NEEDSMAP_DATA_DIR``; ``../shared/data`` beside the checkout if it exists; the
    per-user data folder (:func:`user_data_dir`) once ``needsmap data fetch`` has filled it; else
    the embedded demo (:data:`DEMO_DIR`). ``NEEDSMAP_DEMO=1`` forces the demo.
    """
    override = _OVERRIDE.get()
    if override is not None:
        return override
    if os.environ.get(DEMO_ENV, "") == "1":
        return DEMO_DIR
    env = os.environ.get(DATA_DIR_ENV)
    if env:
        return Path(env).expanduser().resolve()
    if SHARED_DATA_DIR.exists():
        return SHARED_DATA_DIR
    user = user_data_dir()
    if _has_data(user):
        return user
    return DEMO_DIR


def is_demo() -> bool:
    """True when needsmap runs on the embedded demo extract (West Midlands only)."""
    return data_dir() == DEMO_DIR


#: said after a problem (a place not found …) while running on the embedded demo
DEMO_HINT = ("This is needsmap's embedded demo, which covers the West Midlands only: for anywhere "
             "else, get all of England with `needsmap data fetch` or Data sources → Download.")


def with_demo_hint(message: str) -> str:
    """``message``, followed by :data:`DEMO_HINT` when running on the embedded demo."""
    return f"{message.rstrip().rstrip('.')}. {DEMO_HINT}" if is_demo() else message


def fetch_dir() -> Path:
    """Where ``needsmap data fetch`` writes by default: ``$NEEDSMAP_DATA_DIR`` or the per-user folder.

    Never the embedded demo, and never ``../shared/data`` (read-only public data of this repository).
    """
    env = os.environ.get(DATA_DIR_ENV)
    return Path(env).expanduser().resolve() if env else user_data_dir()


def cache_dir() -> Path:
    """Folder for prepared caches (ignored by git); created on first use."""
    env = os.environ.get(CACHE_DIR_ENV)
    path = Path(env).expanduser().resolve() if env else PROJECT_ROOT / ".cache"
    path.mkdir(parents=True, exist_ok=True)
    return path


#: URL path of :func:`static_dir` relative to the app's root (no leading slash): Streamlit's static file
#: serving (``server.enableStaticServing``) publishes ``static/`` beside ``app.py`` there
STATIC_URL = "app/static"


def static_dir() -> Path:
    """Folder of files served to the browser as they are (map tilesets, the map renderer's scripts);
    ignored by git, created on first use."""
    path = PROJECT_ROOT / "static"
    path.mkdir(parents=True, exist_ok=True)
    return path
