"""Static map assets: LSOA tilesets and tooltip attributes, written once into the static folder.

The browser map fetches these files once and caches them (their names hold a hash of what made
them, so they never change); each view then sends only per-LSOA values. Assets are built lazily on
first use and by :func:`prepare_map_assets` (called when data are prepared). Written atomically:
a half-written file is never seen, and two processes building at once are both safe.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from needsmap.config import STATIC_URL, static_dir
from needsmap.data import load_lsoa_table
from needsmap.data._cache import code_fingerprint, file_stamp
from needsmap.data.catalog import get_dataset
from needsmap.data.imd_domains import DOMAINS
from needsmap.data.loaders import load_boundaries, load_geography
from needsmap.errors import NeedsmapError, ValidationError
from needsmap.types import EDITIONS, LSOA_VINTAGE, Edition
from needsmap.viz import tiles

__all__ = ["ATTRIBUTE_NUMBERS", "ATTRIBUTE_TEXT", "MAPS_FOLDER", "Attributes", "Tileset", "assets",
           "assets_or_given", "attributes", "context_file", "maps_dir", "prepare_map_assets", "tileset"]

#: sub-folder of the static folder holding every map asset
MAPS_FOLDER = "maps"
#: file in a tileset folder recording the boundary file it was made from (path, time, size), so a
#: tileset whose source has gone or changed can be removed; not read by the browser
SOURCE_FILE = "source.json"
#: version of the attributes file layout; bump on any change
ATTRIBUTES_FORMAT = 1
#: LSOA table text columns every map's tooltips may use (dictionary-encoded in the attributes file)
ATTRIBUTE_TEXT = ("lsoa_name", "ward_name", "lad_name")
#: LSOA table number columns in the attributes file: the IMD and domain deciles (1–10)
ATTRIBUTE_NUMBERS = tuple(f"{d}_decile" for d in DOMAINS)

_LOCK = threading.Lock()
#: one build at a time in this process (sessions of one server asking at once wait for the first)
_BUILD_LOCK = threading.Lock()
_TILESETS: dict[str, Tileset] = {}
_ATTRIBUTES: dict[str, Attributes] = {}


def maps_dir() -> Path:
    """Folder of the map assets inside :func:`needsmap.config.static_dir` (created on first use).

    Raises
    ------
    NeedsmapError
        The folder cannot be created (read-only location, a file in the way).
    """
    try:
        path = static_dir() / MAPS_FOLDER
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise NeedsmapError(f"Could not create the folder for map files: {exc}. Make needsmap's static "
                            "folder writable.") from None
    return path


def _url(*parts: str) -> str:
    return "/".join([STATIC_URL, MAPS_FOLDER, *parts])


@dataclass(frozen=True)
class Tileset:
    """A written tileset of one LSOA vintage (see :mod:`needsmap.viz.tiles` for the files).

    Attributes
    ----------
    vintage
        ``"lsoa11"`` or ``"lsoa21"``.
    name
        Folder name, ``<vintage>-<key>`` (key: 16 hex of SHA-1 over the layout version, the
        generalisation settings, the boundary file's path, size and time, and each LSOA's tile).
    folder
        Where the files are.
    codes
        LSOA code of each feature index (ascending), length ``n_features``.
    """

    vintage: str
    name: str
    folder: Path
    codes: pd.Index = field(repr=False)

    @property
    def url(self) -> str:
        """URL path of ``index.json.gz`` relative to the app root (``spec["tileset"]``)."""
        return _url(self.name, tiles.INDEX_FILE)

    @property
    def n_features(self) -> int:
        """Number of LSOAs in the tileset."""
        return len(self.codes)

    def features(self, lsoa_codes: pd.Index | pd.Series | np.ndarray | list[str]) -> np.ndarray:
        """Feature index of each LSOA code, shape ``(n,)``, dtype uint32.

        Raises
        ------
        ValidationError
            A code is not an LSOA of this tileset (e.g. a 2011 code against 2021 boundaries).
        """
        idx = self.codes.get_indexer(pd.Index(np.asarray(lsoa_codes, dtype=object)))
        if (idx < 0).any():
            bad = np.asarray(lsoa_codes, dtype=object)[idx < 0]
            raise ValidationError(f"{len(bad):,} LSOA code(s) (e.g. {bad[0]}) have no boundary in the "
                                  f"{self.vintage} map tileset: the table and the boundaries are of "
                                  "different vintages or data folders")
        return idx.astype(np.uint32)

    def file_sizes(self) -> dict[str, int]:
        """Bytes of each file (gzipped, as served)."""
        return {p.name: p.stat().st_size for p in sorted(self.folder.iterdir())}


@dataclass(frozen=True)
class Attributes:
    """A written attributes file: per-LSOA text and numbers for tooltips, aligned to a tileset.

    Attributes
    ----------
    name
        File name, ``attrs-<key>.json.gz`` (key: 16 hex of SHA-1 over the file's content).
    path
        Where the file is.
    text
        Column -> one label per feature (``None`` where missing), for Python's tooltip text.
    numbers
        Column -> one float per feature (NaN where missing).
    """

    name: str
    path: Path
    text: dict[str, np.ndarray] = field(repr=False)
    numbers: dict[str, np.ndarray] = field(repr=False)

    @property
    def url(self) -> str:
        """URL path of the file relative to the app root (``spec["attributes"]``)."""
        return _url(self.name)


# ----------------------------------------------------------------------------- writing
def _write_folder(final: Path, files: dict[str, bytes]) -> None:
    """Write ``files`` into a new folder ``final`` at once: a temporary folder, then a rename."""
    tmp = final.parent / f".tmp-{final.name}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:
        tmp.mkdir(parents=True)
        for name, data in files.items():
            (tmp / name).write_bytes(data)
        try:
            os.rename(tmp, final)
        except OSError:
            if not (final / tiles.INDEX_FILE).exists():  # not another process's finished copy
                raise
    except OSError as exc:
        raise NeedsmapError(f"Could not write the map files to {final.parent}: {exc}. Make that "
                            "folder writable (it is needsmap's static folder).") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _write_file(final: Path, data: bytes) -> None:
    tmp = final.with_name(f".tmp-{final.name}-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, final)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise NeedsmapError(f"Could not write the map file {final}: {exc}. Make that folder writable "
                            "(it is needsmap's static folder).") from None


# ----------------------------------------------------------------------------- tileset
def _edition_of(vintage: str) -> Edition:
    return next(e for e in EDITIONS if LSOA_VINTAGE[e] == vintage)


def _tile_of(edition: Edition, table: pd.DataFrame | None) -> pd.Series:
    """Tile of each LSOA of ``edition``: its 2024 local authority (from ``table`` when given)."""
    source = table if table is not None and "lad_code" in table.columns else load_geography(edition)
    return source["lad_code"]


def _remove_stale(vintage: str, *, keep: Path) -> None:
    """Delete tilesets of ``vintage`` whose boundary file has gone or changed since: no data folder
    can ask for them again (a temporary test folder, an updated download)."""
    for folder in keep.parent.glob(f"{vintage}-*"):
        if folder == keep or not folder.is_dir():
            continue
        try:
            recorded = json.loads((folder / SOURCE_FILE).read_text(encoding="utf-8"))
            now = file_stamp(Path(recorded["path"]))
        except (OSError, ValueError, KeyError, TypeError):
            continue  # not one of ours, or being written: leave it
        if now != (recorded["path"], recorded["mtime_ns"], recorded["size"]):
            shutil.rmtree(folder, ignore_errors=True)


def _tileset_name(vintage: str, tile_of: pd.Series) -> str:
    source = get_dataset(f"{vintage}_boundaries").path
    where, mtime_ns, size = file_stamp(source)
    # the code that encodes the tiles (this module and what it imports, viz.tiles among them) is
    # part of the name, so a changed encoder never serves tiles of the old one
    h = hashlib.sha1(f"{code_fingerprint(__name__)}|{tiles.FORMAT}|{vintage}|"
                     f"{tiles.NATIONAL_TOLERANCE_M}|{tiles.NATIONAL_SCALE}|"
                     f"{tiles.DETAIL_SCALE}|{tiles.DETAIL_ZOOM}|{where}|{size}|{mtime_ns}".encode())
    # each (LSOA, tile) pair hashed, then summed: the same assignment in any row order gives one name
    rows = pd.util.hash_pandas_object(tile_of, index=True).to_numpy()
    h.update(f"{len(rows)}|{int(rows.sum(dtype=np.uint64))}".encode())
    return f"{vintage}-{h.hexdigest()[:16]}"


def _read_codes(folder: Path) -> pd.Index | None:
    """The feature codes of a written tileset, or ``None`` when it is absent or unreadable."""
    try:
        index = json.loads(gzip.decompress((folder / tiles.INDEX_FILE).read_bytes()))
        codes = pd.Index(index["codes"], dtype=object)
    except (OSError, ValueError, KeyError, EOFError):
        return None
    return codes if index.get("format") == tiles.FORMAT and len(codes) == index.get("n_features") else None


def tileset(edition: Edition, table: pd.DataFrame | None = None) -> Tileset:
    """The tileset of the LSOA vintage ``edition`` uses, written on first use.

    Built from ``load_boundaries(edition)`` (the data folder's LSOA boundaries, EPSG:4326), one
    detail tile per 2024 local authority (``load_geography(edition)["lad_code"]``), into
    ``static_dir()/maps/<vintage>-<key>/``. Building takes a few seconds (once per boundary file).

    Parameters
    ----------
    edition
        IMD edition (decides the LSOA vintage).
    table
        The edition's whole LSOA table or geography (``lad_code`` by ``lsoa_code``), when the caller
        has it already; saves reading the geography again.

    Raises
    ------
    DataMissingError, ValidationError
        The boundaries or the geography lookups are missing or malformed (the loaders' messages).
    NeedsmapError
        The static folder cannot be written.
    """
    vintage = LSOA_VINTAGE[edition]
    tile_of = _tile_of(edition, table)
    name = _tileset_name(vintage, tile_of)
    folder = maps_dir() / name
    with _LOCK:
        hit = _TILESETS.get(str(folder))
    if hit is not None and (folder / tiles.INDEX_FILE).exists():  # (the folder may have been emptied)
        return hit
    with _BUILD_LOCK:
        codes = _read_codes(folder)
        if codes is None:
            if folder.exists():  # damaged (cut short by a full disk …): build it again
                shutil.rmtree(folder, ignore_errors=True)
            source = get_dataset(f"{vintage}_boundaries")
            files = tiles.encode_tileset(load_boundaries(edition), tile_of, vintage=vintage,
                                         detail_source=f"{source.title} (as staged)")
            files[SOURCE_FILE] = json.dumps(dict(zip(("path", "mtime_ns", "size"),
                                                     file_stamp(source.path), strict=True))).encode()
            _write_folder(folder, files)
            _remove_stale(vintage, keep=folder)
            codes = _read_codes(folder)
            if codes is None:
                raise NeedsmapError(f"The map tileset written to {folder} cannot be read back.")
    out = Tileset(vintage=vintage, name=name, folder=folder, codes=codes)
    with _LOCK:
        _TILESETS[str(folder)] = out
    return out


# ----------------------------------------------------------------------------- attributes
def _content_hash(frame: pd.DataFrame) -> str:
    h = hashlib.sha1(",".join(map(str, frame.columns)).encode())
    h.update(pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes())
    return h.hexdigest()


def _encode_text(values: pd.Series) -> dict[str, list]:
    codes, labels = pd.factorize(values.astype(object).where(values.notna(), None), sort=False)
    return {"labels": [str(x) for x in labels], "codes": codes.astype(int).tolist()}


def _number_list(values: np.ndarray) -> list[int | float | None]:
    out: list[int | float | None] = []
    for x in values.tolist():
        if x != x:  # NaN
            out.append(None)
        elif float(x).is_integer():
            out.append(int(x))
        else:
            out.append(float(x))
    return out


def attributes(edition: Edition, table: pd.DataFrame) -> Attributes:
    """The tooltip attributes of ``edition``'s LSOAs, aligned to its tileset, written on first use.

    File ``static_dir()/maps/attrs-<key>.json.gz``: gzip of JSON ``{"format", "vintage",
    "n_features", "text": {col: {"labels": [...], "codes": [...]}}, "numbers": {col: [...]}}``
    (text code -1 and number ``null`` = missing), for every column of :data:`ATTRIBUTE_TEXT` and
    :data:`ATTRIBUTE_NUMBERS` the table has. LSOAs of the tileset absent from ``table`` (a regional
    table) are missing.

    Parameters
    ----------
    edition
        IMD edition (decides the tileset).
    table
        The LSOA table of ``edition`` indexed by ``lsoa_code`` (``load_lsoa_table(edition)``).

    Raises
    ------
    NeedsmapError
        As :func:`tileset`, or the static folder cannot be written.
    """
    return _attributes(tileset(edition, table), table)


def assets(edition: Edition, table: pd.DataFrame) -> tuple[Tileset, Attributes]:
    """:func:`tileset` and :func:`attributes` of ``edition`` together (the tileset worked out once).

    Parameters
    ----------
    edition
        IMD edition.
    table
        The edition's whole LSOA table (``load_lsoa_table(edition)``).

    Raises
    ------
    NeedsmapError
        As :func:`tileset` and :func:`attributes`.
    """
    ts = tileset(edition, table)
    return ts, _attributes(ts, table)


def assets_or_given(edition: Edition, ts: Tileset | None = None, attrs: Attributes | None = None
                    ) -> tuple[Tileset, Attributes]:
    """``ts`` and ``attrs`` as given, and those not given made as :func:`tileset` and
    :func:`attributes` make them (the LSOA table of ``edition`` is read only for the attributes).

    Raises
    ------
    NeedsmapError
        As :func:`tileset` and :func:`attributes`.
    """
    if attrs is not None:
        return ts if ts is not None else tileset(edition), attrs
    table = load_lsoa_table(edition)
    ts = ts if ts is not None else tileset(edition, table)
    return ts, _attributes(ts, table)


def _attributes(ts: Tileset, table: pd.DataFrame) -> Attributes:
    cols = [c for c in (*ATTRIBUTE_TEXT, *ATTRIBUTE_NUMBERS) if c in table.columns]
    memo = f"{ts.folder}|{_content_hash(table[cols])}"
    with _LOCK:
        known = _ATTRIBUTES.get(memo)
    if known is not None and known.path.exists():
        return known
    aligned = table[cols].reindex(ts.codes)
    text = {c: _encode_text(aligned[c]) for c in ATTRIBUTE_TEXT if c in cols}
    numbers = {c: pd.to_numeric(aligned[c], errors="coerce").astype(float).to_numpy()
               for c in ATTRIBUTE_NUMBERS if c in cols}
    payload = {"format": ATTRIBUTES_FORMAT, "vintage": ts.vintage, "n_features": ts.n_features,
               "text": text, "numbers": {c: _number_list(v) for c, v in numbers.items()}}
    raw = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    name = f"attrs-{hashlib.sha1(raw).hexdigest()[:16]}.json.gz"
    path = maps_dir() / name
    if not path.exists():
        _write_file(path, gzip.compress(raw, compresslevel=9, mtime=0))
    labels = {c: np.array([None if k < 0 else t["labels"][k] for k in t["codes"]], dtype=object)
              for c, t in text.items()}
    out = Attributes(name=name, path=path, text=labels, numbers=numbers)
    with _LOCK:
        _ATTRIBUTES[memo] = out
    return out


# ----------------------------------------------------------------------------- context layers
def context_file(rows: list[dict[str, object]]) -> str:
    """Write a context layer's data (public boundaries only) as a static file; return its URL path.

    The map spec then names the file instead of carrying the rows, so a view that changes only
    the measure does not send England's local-authority outlines again. Never for uploaded data:
    every session could fetch the file.

    Parameters
    ----------
    rows
        The layer's data: JSON-able records (e.g. ``{"path": [[lon, lat], ...]}``).

    Returns
    -------
    str
        ``app/static/maps/ctx-<key>.json.gz`` (key: 16 hex of SHA-1 over the JSON).

    Raises
    ------
    NeedsmapError
        The static folder cannot be written.
    """
    raw = json.dumps(rows, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8")
    name = f"ctx-{hashlib.sha1(raw).hexdigest()[:16]}.json.gz"
    path = maps_dir() / name
    if not path.exists():
        _write_file(path, gzip.compress(raw, compresslevel=9, mtime=0))
    return _url(name)


# ----------------------------------------------------------------------------- data-prepare hook
def prepare_map_assets() -> str:
    """Write the tileset and the tooltip attributes of every edition (idempotent).

    Called at the end of ``needsmap data fetch``; pages also build them lazily on first use.

    Returns
    -------
    str
        One line saying what is there, e.g. ``Map assets in …/static/maps: LSOA 2011 tileset …``.

    Raises
    ------
    DataMissingError, ValidationError, NeedsmapError
        As :func:`tileset` and :func:`attributes`.
    """
    parts = []
    for edition in EDITIONS:
        table = load_lsoa_table(edition)
        ts = tileset(edition, table)
        sizes = ts.file_sizes()
        detail = sum(v for k, v in sizes.items() if k.startswith("tile-"))
        n_tiles = sum(k.startswith("tile-") for k in sizes)
        attrs = _attributes(ts, table)
        parts.append(f"{ts.vintage} for IMD {edition}: {ts.n_features:,} LSOAs, national level "
                     f"{sizes[tiles.NATIONAL_FILE] / 1e6:.2f} MB, {n_tiles} detail tiles "
                     f"{detail / 1e6:.2f} MB, tooltip attributes {attrs.path.stat().st_size / 1e6:.2f} MB")
    return f"Map assets in {maps_dir()}: " + "; ".join(parts) + " (gzipped)."
