"""Paths and settings, anchored on this file so nothing depends on the working directory."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parents[1]

#: environment variable naming the folder that holds the public data sets
DATA_DIR_ENV = "NEEDSMAP_DATA_DIR"
#: environment variable naming the folder for prepared caches (default: ``.cache`` in the checkout)
CACHE_DIR_ENV = "NEEDSMAP_CACHE_DIR"

#: largest upload the dashboard and importers accept, in megabytes
MAX_UPLOAD_MB = 50
#: most rows an uploaded organisation list may have
MAX_UPLOAD_ROWS = 200_000


def data_dir() -> Path:
    """Folder holding the public data sets: ``$NEEDSMAP_DATA_DIR`` or ``../shared/data``."""
    env = os.environ.get(DATA_DIR_ENV)
    if env:
        return Path(env).expanduser().resolve()
    return (PROJECT_ROOT.parent / "shared" / "data").resolve()


def cache_dir() -> Path:
    """Folder for prepared caches (ignored by git); created on first use."""
    env = os.environ.get(CACHE_DIR_ENV)
    path = Path(env).expanduser().resolve() if env else PROJECT_ROOT / ".cache"
    path.mkdir(parents=True, exist_ok=True)
    return path
