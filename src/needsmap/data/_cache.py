"""Prepared-file cache: parquet copies of cleaned frames, rebuilt when a source file changes."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TypeVar

import pandas as pd

from needsmap.config import cache_dir

#: bump when a builder's output changes shape, so old caches are not reused
CACHE_VERSION = "3"

F = TypeVar("F", bound=pd.DataFrame)  # a DataFrame or a GeoDataFrame


def file_stamp(path: Path) -> tuple[str, int, int]:
    """What identifies a version of a file for caching: its path, modification time (ns) and
    size; ``(path, 0, 0)`` when it is absent."""
    try:
        st = path.stat()
    except OSError:
        return str(path), 0, 0
    return str(path), st.st_mtime_ns, st.st_size


def cache_key(name: str, sources: Iterable[Path]) -> str:
    """16 hex digits naming ``name`` built from ``sources`` as they are now: the hash of
    :data:`CACHE_VERSION`, ``name`` and each source's path, size and modification time."""
    h = hashlib.sha1(f"{CACHE_VERSION}:{name}".encode())
    for path in sources:
        where, mtime_ns, size = file_stamp(path)
        h.update(f"{where}:{size}:{mtime_ns}".encode())
    return h.hexdigest()[:16]


def cached(name: str, sources: Iterable[Path], build: Callable[[], F], *, geo: bool = False,
           columns: Sequence[str] | None = None) -> F:
    """Return ``build()``, from the cache when its sources have not changed since.

    Parameters
    ----------
    name
        Cache entry name (a file name stem).
    sources
        Files the result is derived from; any change in size or time rebuilds it.
    build
        Function that makes the frame from the sources.
    geo
        True when the frame is a GeoDataFrame.
    columns
        Only these columns (the index always comes back); every column when ``None``. Read from
        the cache file by projection, so the other columns cost no memory.
    """
    sources = list(sources)
    for src in sources:
        if not src.exists():  # let the builder raise its own clear error
            return build()
    folder = cache_dir()
    path = folder / f"{name}-{cache_key(name, sources)}.parquet"
    if path.exists():
        try:
            if geo:
                import geopandas as gpd  # only when a geometry cache is read

                return gpd.read_parquet(path)  # type: ignore[return-value]
            return pd.read_parquet(path, columns=None if columns is None else list(columns))  # type: ignore[return-value]
        except Exception:  # a half-written or stale file: rebuild it
            path.unlink(missing_ok=True)
    frame = build()
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    frame.to_parquet(tmp)
    os.replace(tmp, path)
    for old in folder.glob(f"{name}-*.parquet"):
        if old != path:
            old.unlink(missing_ok=True)
    return frame if columns is None else frame[list(columns)]  # type: ignore[return-value]


def cached_columns(name: str, sources: Iterable[Path], build: Callable[[], F]) -> list[str]:
    """The columns (not the index) of :func:`cached`'s frame, read from the cache file's schema
    alone; builds and caches the frame first when it is not cached yet."""
    import pyarrow.parquet as pq

    sources = list(sources)
    path = cache_dir() / f"{name}-{cache_key(name, sources)}.parquet"
    if not path.exists() or not all(src.exists() for src in sources):
        return [str(c) for c in cached(name, sources, build).columns]
    try:
        schema = pq.read_schema(path)
    except Exception:  # unreadable: cached() rebuilds it
        return [str(c) for c in cached(name, sources, build).columns]
    index = set((schema.pandas_metadata or {}).get("index_columns", []))
    return [n for n in schema.names if n not in index]
