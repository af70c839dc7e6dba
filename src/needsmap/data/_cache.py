"""Prepared-file cache: parquet copies of cleaned frames, keyed by what they read.

An entry is found by its name, the data folder and the *code fingerprint* of its builder (the
builder's module and every needsmap module that module imports, transitively, hashed): changing
the code that makes a frame makes a new entry, with no version number to bump by hand.

An entry is valid while every data file its build read is as it was. Those files are not listed
by hand: while a builder runs, every data file it locates through the catalog
(:attr:`needsmap.data.catalog.Dataset.path`) is recorded (:func:`note_read`), with its path,
modification time and size, and stored beside the parquet file (``<entry>.reads.json``). A later read compares them
with the files as they are now and rebuilds on any difference (a file changed, appeared or went
missing). A builder that reads another cached entry inherits that entry's files.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import hashlib
import json
import os
import re
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TypeVar

import pandas as pd

from needsmap.config import cache_dir, data_dir

F = TypeVar("F", bound=pd.DataFrame)  # a DataFrame or a GeoDataFrame

Stamp = tuple[str, int, int]

#: the files read by the builder running in this context (path -> stamp), or None outside a build
_READS: contextvars.ContextVar[dict[str, Stamp] | None] = contextvars.ContextVar("needsmap_reads",
                                                                                default=None)


def file_stamp(path: Path) -> Stamp:
    """What identifies a version of a file for caching: its path, modification time (ns) and
    size; ``(path, 0, 0)`` when it is absent."""
    try:
        st = path.stat()
    except OSError:
        return str(path), 0, 0
    return str(path), st.st_mtime_ns, st.st_size


def note_read(path: Path) -> None:
    """Record that the builder now running reads ``path`` (a no-op outside a cached build).

    Called by :attr:`needsmap.data.catalog.Dataset.path`, so every data file located through the
    catalog is recorded; call it for a file found some other way.
    """
    reads = _READS.get()
    if reads is not None:
        key = str(path)
        if key not in reads:
            reads[key] = file_stamp(path)


@contextlib.contextmanager
def recording_reads() -> Iterator[dict[str, Stamp]]:
    """Record the data files read inside the block (see :func:`note_read`); they are also passed
    on to an enclosing recording, so a build that uses another cached frame depends on its files."""
    outer = _READS.get()
    reads: dict[str, Stamp] = {}
    token = _READS.set(reads)
    try:
        yield reads
    finally:
        _READS.reset(token)
        if outer is not None:
            for key, stamp in reads.items():
                outer.setdefault(key, stamp)


# ----------------------------------------------------------------------------- code fingerprint
_PACKAGE_ROOT = Path(__file__).resolve().parent.parent  # src/needsmap
_IMPORT = re.compile(
    r"^[ \t]*(?:from[ \t]+(needsmap(?:\.\w+)*)[ \t]+import[ \t]+(\([^)]*\)|[^\n#]+)"
    r"|import[ \t]+(needsmap(?:\.\w+)*))",
    re.M,
)


def _module_file(name: str) -> Path | None:
    """The source file of needsmap module ``name`` (a package's ``__init__.py``), or None."""
    parts = name.split(".")[1:]
    base = _PACKAGE_ROOT.joinpath(*parts)
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imports_of(name: str, text: str) -> set[str]:
    """needsmap modules ``text`` (the source of module ``name``) imports, at any depth of the file,
    with the packages that hold them."""
    found: set[str] = set()
    for frm, names, plain in _IMPORT.findall(text):
        mod = frm or plain
        found.add(mod)
        for item in names.strip("()").replace("\n", " ").split(","):
            sub = item.strip().split(" ")[0]
            if sub and _module_file(f"{frm}.{sub}") is not None:
                found.add(f"{frm}.{sub}")
    packages = {".".join(m.split(".")[:i]) for m in found | {name} for i in range(1, m.count(".") + 1)}
    return (found | packages) - {name}


@functools.cache
def code_fingerprint(module: str) -> str:
    """Hash of the source of needsmap module ``module`` and of every needsmap module it imports,
    transitively (imports inside functions included): 16 hex digits.

    Raises
    ------
    ValueError
        ``module`` is not a needsmap module with a source file.
    """
    if _module_file(module) is None:
        raise ValueError(f"{module!r} is not a needsmap module with a source file")
    seen: set[str] = set()
    todo = [module]
    h = hashlib.sha1()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        path = _module_file(name)
        if path is None:
            continue
        text = path.read_bytes()
        todo.extend(_imports_of(name, text.decode("utf-8", "replace")) - seen)
    for name in sorted(seen):
        path = _module_file(name)
        if path is not None:
            h.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()[:16]


def _builder_module(build: Callable[..., object]) -> str:
    """The needsmap module whose code builds with ``build``: a ``functools.partial`` (a provider's
    build bound to an edition) is unwrapped to its function; anything else keys on this module."""
    while isinstance(build, functools.partial):
        build = build.func
    module = getattr(build, "__module__", None) or ""
    return module if module.startswith("needsmap") and _module_file(module) else "needsmap.data._cache"


def cache_key(name: str, sources: Iterable[Path], *, module: str = "needsmap.data._cache") -> str:
    """16 hex digits naming ``name`` as built by the code of ``module`` from ``sources`` as they
    are now: the hash of ``name``, the module's :func:`code_fingerprint`, the data folder and each
    source's path, size and modification time."""
    h = hashlib.sha1(f"{name}:{code_fingerprint(module)}:{data_dir()}".encode())
    for path in sources:
        where, mtime_ns, size = file_stamp(path)
        h.update(f"{where}:{size}:{mtime_ns}".encode())
    return h.hexdigest()[:16]


# ----------------------------------------------------------------------------- entries
def _folder_tag() -> str:
    return hashlib.sha1(str(data_dir()).encode()).hexdigest()[:8]


def _entry_path(name: str, sources: list[Path], build: Callable[..., object]) -> Path:
    key = cache_key(name, sources, module=_builder_module(build))
    return cache_dir() / f"{name}-{_folder_tag()}-{key}.parquet"


def _reads_file(path: Path) -> Path:
    """The JSON file beside entry ``path`` listing the stamps of the files it was built from."""
    return path.with_name(path.stem + ".reads.json")


def _is_valid(path: Path) -> bool:
    """True when entry ``path`` exists and every file it was built from is unchanged; their
    stamps are then passed on to an enclosing recording."""
    if not path.exists():
        return False
    try:
        reads = json.loads(_reads_file(path).read_text(encoding="utf-8"))
        stamps = [(str(w), int(m), int(s)) for w, m, s in reads]
    except (OSError, ValueError, TypeError):  # absent, half-written or foreign
        return False
    if any(file_stamp(Path(where)) != (where, m, s) for where, m, s in stamps):
        return False
    outer = _READS.get()
    if outer is not None:
        for stamp in stamps:
            outer.setdefault(stamp[0], stamp)
    return True


def _build_and_store(name: str, path: Path, sources: list[Path], build: Callable[[], F]) -> F:
    with recording_reads() as reads:
        frame = build()
        for src in sources:
            note_read(src)
    # A name of its own per writer (process and thread): parallel test workers, or two sessions
    # of one server, may build the same entry at once; the last rename wins, both are whole.
    unique = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
    tmp = path.with_name(f".{path.stem}.{unique}.tmp")
    tmp_reads = path.with_name(f".{path.stem}.{unique}.reads.tmp")
    try:
        frame.to_parquet(tmp)
        tmp_reads.write_text(json.dumps(sorted(reads.values())), encoding="utf-8")
        os.replace(tmp_reads, _reads_file(path))  # the stamps first: a parquet without them is stale
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
        tmp_reads.unlink(missing_ok=True)
    _drop_superseded(name, path)
    return frame


def _drop_superseded(name: str, path: Path) -> None:
    """Delete the finished entries of ``name`` for this data folder other than ``path`` (older
    code or older files). Another writer's temporary files start with a dot and are left alone."""
    keep = (path, _reads_file(path))
    for old in path.parent.glob(f"{name}-{_folder_tag()}-*"):
        if old not in keep and old.name.endswith((".parquet", ".reads.json")):
            old.unlink(missing_ok=True)


def cached(name: str, build: Callable[[], F], *, sources: Iterable[Path] = (), geo: bool = False,
           columns: Sequence[str] | None = None) -> F:
    """Return ``build()``, from the cache while the files it read have not changed.

    Parameters
    ----------
    name
        Cache entry name (a file name stem).
    build
        Function that makes the frame; its module's :func:`code_fingerprint` is part of the key.
        It must read what it depends on itself (through the catalog), not take frames made
        outside it, or those frames' files would not be recorded.
    sources
        Files read *without* going through the catalog (usually none: files located through
        :attr:`~needsmap.data.catalog.Dataset.path` while ``build`` runs are recorded by
        themselves).
    geo
        True when the frame is a GeoDataFrame.
    columns
        Only these columns (the index always comes back); every column when ``None``. Read from
        the cache file by projection, so the other columns cost no memory; a name the frame does
        not have is absent from the result.
    """
    sources = list(sources)
    folder = cache_dir()
    path = _entry_path(name, sources, build)
    if _is_valid(path):
        try:
            if geo:
                import geopandas as gpd  # only when a geometry cache is read

                return gpd.read_parquet(path)
            if columns is None:
                return pd.read_parquet(path)
            have = set(_columns_of(path))
            return pd.read_parquet(path, columns=[c for c in columns if c in have])
        except Exception:  # half-written or damaged: rebuild it
            path.unlink(missing_ok=True)
    folder.mkdir(parents=True, exist_ok=True)
    frame = _build_and_store(name, path, sources, build)
    if columns is None:
        return frame
    return frame[[c for c in columns if c in frame.columns]]


def cached_columns(name: str, build: Callable[[], F], *, sources: Iterable[Path] = ()) -> list[str]:
    """The columns (not the index) of :func:`cached`'s frame, from the cache file's schema alone
    when the entry is valid; otherwise the entry is built (by :func:`cached`) first."""
    sources = list(sources)
    path = _entry_path(name, sources, build)
    if _is_valid(path):
        try:
            return _columns_of(path)
        except Exception:  # unreadable: cached() rebuilds it
            path.unlink(missing_ok=True)
    return [str(c) for c in cached(name, build, sources=sources).columns]


def _columns_of(path: Path) -> list[str]:
    """The columns (not the index) of parquet file ``path``, from its schema alone."""
    import pyarrow.parquet as pq

    schema = pq.read_schema(path)
    index = set((schema.pandas_metadata or {}).get("index_columns", []))
    return [n for n in schema.names if n not in index]
