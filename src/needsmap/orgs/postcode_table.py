"""The prepared postcode table: every NSPL postcode placed once in LSOA 2011 and 2021, so that
placing a list of postcodes is a join.

The table holds, for each postcode of the data folder's NSPL centroids (and of its official codes,
``nspl_codes``, when present), exactly what :func:`needsmap.orgs.geocode.place_postcodes_by_points`
gives it: centroid, both LSOA codes, status, ``placed_by`` and confidence. It is computed when the
data is prepared (:func:`prepare_postcode_table`, called by ``needsmap data fetch``) or on first use,
and kept in the cache folder (:func:`needsmap.config.cache_dir`) as one file of fixed-width records
sorted by postcode (an 8-byte key, the coordinates, and small integer codes into per-column tables
of distinct texts), with the first key of every block of :data:`BLOCK_ROWS` records held in memory:
a lookup reads only the blocks its postcodes fall in (a few thousand postcodes read a few MB, not
the 85 MB file). Its name carries a hash of its source files' sizes and modification times and of
the placement code, so a changed source or rule rebuilds it.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import os
import shutil
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from needsmap.config import cache_dir
from needsmap.data._cache import cache_key, file_stamp, recording_reads
from needsmap.data.catalog import get_dataset
from needsmap.orgs import geocode as gc
from needsmap.orgs.geocode import pack_postcodes, unpack_postcodes

#: bump when the table's files change shape
TABLE_FORMAT = 1
#: datasets the placements are derived from: the postcodes, the boundaries and outlines they are
#: placed in, and the LSOA 2011 ↔ 2021 best-fit lookup with the populations that settle its choices
SOURCES = ("nspl_centroids", "nspl_codes", "lsoa11_boundaries", "lsoa21_boundaries", "countries_gb",
           "lsoa11_lsoa21_lookup", "population2020", "census2021_ethnicity",
           "population_lsoa21_mid2022_2024")
#: what this module reads datasets for (:func:`needsmap.uses.dataset_uses`; the others of
#: :data:`SOURCES` are declared by the modules that read them: geocode, crosswalk)
DATASET_USES: dict[str, str] = {
    "nspl_centroids": "placing organisations by postcode",
    "nspl_codes": "exact LSOA of each postcode (when fetched)",
}
#: postcodes placed at a time while the table is built (bounds the build's memory)
BUILD_CHUNK = 100_000
#: while the table is not built, a call with fewer distinct postcodes than this places them point
#: by point (the same result; the build takes about a minute for Great Britain), a larger one
#: builds the table first
LAZY_BUILD_FROM = 20_000
#: coded columns: an unsigned code per postcode into a table of distinct texts (the largest
#: value of the code's type stands for none)
CODED_COLUMNS = ("lsoa11_code", "lsoa21_code", "status", "placed_by", "confidence")
#: one record per postcode, in key order (little-endian, packed: 33 bytes)
RECORD = np.dtype([("key", ">u8"), ("lat", "<f8"), ("lon", "<f8"), ("lsoa11_code", "<u2"),
                   ("lsoa21_code", "<u2"), ("status", "<u2"), ("placed_by", "<u2"),
                   ("confidence", "u1")])
#: records per block: the unit read from the file
BLOCK_ROWS = 128
#: blocks read at a time (bounds the memory of a lookup of very many postcodes: about 9 MB)
_READ_BLOCKS = 2048
_NAME = "postcode_table"
#: dtype pandas gives a column of texts made by numpy (``placed_by`` of the per-point path)
_TEXT_DTYPE = pd.Series(np.array(["x"])).dtype


def _none_code(column: str) -> int:
    """The code that stands for none in a coded column (the largest value of its type)."""
    return int(np.iinfo(RECORD[column]).max)


@dataclass(frozen=True)
class PostcodeTable:
    """The prepared table: where its records are, and what is kept in memory to read them.

    Attributes
    ----------
    folder
        Where the table is stored (``records.bin``, ``blocks.npy``, ``meta.json``).
    rows
        Number of postcodes.
    first_keys
        First key of each block of :data:`BLOCK_ROWS` records (``uint64``; keys as
        :func:`pack_postcodes` makes them).
    values
        Per :data:`CODED_COLUMNS`, the distinct texts (object array) the codes point into.
    """

    folder: Path
    rows: int
    first_keys: np.ndarray
    values: dict[str, np.ndarray]

    def __len__(self) -> int:
        return self.rows

    def lookup(self, keys: np.ndarray) -> dict[str, np.ndarray]:
        """The records of sorted, distinct packed keys (:func:`pack_postcodes`).

        Returns
        -------
        Per key: ``found`` (bool), ``lat``/``lon`` (float; NaN when not found or without a
        centroid) and each of :data:`CODED_COLUMNS` as texts (object array; None for none).
        """
        m = len(keys)
        found = np.zeros(m, dtype=bool)
        lat = np.full(m, np.nan)
        lon = np.full(m, np.nan)
        codes = {c: np.full(m, _none_code(c), dtype=RECORD[c].newbyteorder("=")) for c in CODED_COLUMNS}
        block = np.searchsorted(self.first_keys, keys, side="right") - 1
        needed = np.unique(block[block >= 0])
        with open(self.folder / "records.bin", "rb") as fh:
            for start in range(0, len(needed), _READ_BLOCKS):
                group = needed[start:start + _READ_BLOCKS]
                recs = _read_blocks(fh, group, self.rows)
                lo = int(np.searchsorted(block, group[0], side="left"))
                hi = int(np.searchsorted(block, group[-1], side="right"))
                rec_keys = recs["key"].astype(np.uint64)
                want = keys[lo:hi]
                pos = np.minimum(np.searchsorted(rec_keys, want), max(len(recs) - 1, 0))
                hit = rec_keys[pos] == want if len(recs) else np.zeros(len(want), dtype=bool)
                at = lo + np.flatnonzero(hit)
                got = recs[pos[hit]]
                found[at] = True
                lat[at], lon[at] = got["lat"], got["lon"]
                for c in CODED_COLUMNS:
                    codes[c][at] = got[c]
        out: dict[str, np.ndarray] = {"found": found, "lat": lat, "lon": lon}
        for c in CODED_COLUMNS:
            texts = np.concatenate([self.values[c], np.array([None], dtype=object)])
            code = codes[c].astype(np.int64)
            code[code >= len(self.values[c])] = len(self.values[c])  # none → the None at the end
            out[c] = texts[code]
        return out


def _read_blocks(fh: io.BufferedReader, blocks: np.ndarray, rows: int) -> np.ndarray:
    """Records of the sorted block numbers ``blocks`` (consecutive ones read in one go)."""
    counts = np.minimum((blocks + 1) * BLOCK_ROWS, rows) - blocks * BLOCK_ROWS
    out = np.empty(int(counts.sum()), dtype=RECORD)
    view = out.view(np.uint8).data
    size = RECORD.itemsize
    # runs of consecutive blocks: one read each
    starts = np.flatnonzero(np.diff(blocks, prepend=-2) != 1)
    ends = np.append(starts[1:], len(blocks))
    row_at = np.concatenate([[0], np.cumsum(counts)])
    for first, a, b in zip(blocks[starts].tolist(), row_at[starts].tolist(), row_at[ends].tolist(),
                           strict=True):
        fh.seek(first * BLOCK_ROWS * size)
        if fh.readinto(view[a * size:b * size]) != (b - a) * size:
            raise OSError("the postcode table's records file is shorter than its index")
    return out


# ----------------------------------------------------------------------------- keys
def _valid_keys(postcodes: np.ndarray) -> np.ndarray:
    """Sorted distinct keys of the space-free postcodes that are valid postcodes."""
    arr = pa.array(postcodes, type=pa.string(), from_pandas=True)
    arr = pc.filter(arr, pc.fill_null(pc.match_substring_regex(arr, gc.POSTCODE_PATTERN.pattern),
                                      False))
    return np.unique(pack_postcodes(arr))


# ----------------------------------------------------------------------------- where it lives
def _sources() -> list[Path]:
    return [get_dataset(i).path for i in SOURCES]


def table_folder() -> Path:
    """The folder the table of the current data folder and sources lives in (maybe not yet built).

    Its name is ``postcode_table-<data folder>-<key>``: the first hash names the data folder (the
    NSPL centroids' path), so tables of several data folders coexist; the key
    (:func:`needsmap.data._cache.cache_key`) hashes the fingerprint of the code that builds it (this
    module and everything it imports: :func:`needsmap.data._cache.code_fingerprint`), the data
    folder and each source's path, size and modification time.
    """
    sources = _sources()
    where = hashlib.sha1(str(sources[0]).encode()).hexdigest()[:8]
    key = cache_key(f"{_NAME}:{TABLE_FORMAT}", sources, module=__name__)
    return cache_dir() / f"{_NAME}-{where}-{key}"


# ----------------------------------------------------------------------------- build
class _Encoder:
    """Texts → codes into a growing table of distinct texts (None/NA → the column's none code)."""

    def __init__(self, column: str) -> None:
        self.column = column
        self.none = _none_code(column)
        self.index: dict[str, int] = {}

    def encode(self, values: pd.Series) -> np.ndarray:
        codes, uniques = pd.factorize(values.astype(object), use_na_sentinel=True)
        mapping = np.array([self.index.setdefault(str(v), len(self.index)) for v in uniques]
                           + [self.none], dtype=np.int64)
        if len(self.index) >= self.none:
            raise ValueError(f"more distinct {self.column} values than the table can code")
        return mapping[codes]  # NA (code -1) takes the none code at the end

    def values(self) -> list[str]:
        return list(self.index)


def _build(folder: Path) -> None:
    """Place every postcode and write the table into ``folder`` (atomically).

    The data files the placing read are recorded as it runs (``meta.json`` ``"reads"``), so a
    file outside :data:`SOURCES` that changes also makes the table out of date (see :func:`_load`).
    """
    with recording_reads() as reads:
        _build_recorded(folder, reads)


def _build_recorded(folder: Path, reads: dict[str, tuple[str, int, int]]) -> None:
    started = time.perf_counter()
    lookup = gc.postcode_lookup()  # the NSPL centroids (raises the clear error when missing)
    keys = _valid_keys(lookup.index.to_numpy(dtype=object))
    del lookup
    official = gc.official_codes()
    if official is not None:
        official_keys = unpack_postcodes(official.keys.view(">u8").astype(np.uint64))
        keys = np.union1d(keys, _valid_keys(official_keys))
    n = len(keys)
    records = np.zeros(n, dtype=RECORD)
    records["key"] = keys
    encoders = {c: _Encoder(c) for c in CODED_COLUMNS}
    for start in range(0, n, BUILD_CHUNK):
        part = slice(start, min(start + BUILD_CHUNK, n))
        placed = gc.place_distinct_postcodes(unpack_postcodes(keys[part]))
        records["lat"][part] = placed["lat"].to_numpy(dtype=np.float64)
        records["lon"][part] = placed["lon"].to_numpy(dtype=np.float64)
        for c in CODED_COLUMNS:
            records[c][part] = encoders[c].encode(placed[c])
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = folder.with_name(f".{folder.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp")  # per writer
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    records.tofile(tmp / "records.bin")
    np.save(tmp / "blocks.npy", keys[::BLOCK_ROWS])
    meta = {
        "format": TABLE_FORMAT, "rows": n, "record": RECORD.descr, "block_rows": BLOCK_ROWS,
        "sources": {i: list(file_stamp(p)) for i, p in zip(SOURCES, _sources(), strict=True)},
        "reads": sorted(reads.values()),
        "values": {c: encoders[c].values() for c in CODED_COLUMNS},
        "build_seconds": round(time.perf_counter() - started, 1),
    }
    (tmp / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    try:
        os.replace(tmp, folder)
    except OSError:  # another process finished the same table first: keep that one
        shutil.rmtree(tmp, ignore_errors=True)
    prefix = folder.name.rsplit("-", 1)[0] + "-"
    for old in folder.parent.glob(f"{prefix}*"):  # older versions for the same data folder
        if old != folder and old.is_dir() and not old.name.startswith("."):
            shutil.rmtree(old, ignore_errors=True)
    # the build's big helpers (2.7 million postcodes as Python objects) are not needed afterwards
    gc._postcode_lookup_at.cache_clear()
    gc._official_codes_at.cache_clear()


def _load(folder: Path) -> PostcodeTable:
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    if (meta.get("format") != TABLE_FORMAT or meta.get("block_rows") != BLOCK_ROWS
            or [tuple(d) for d in meta.get("record", [])] != RECORD.descr):
        raise ValueError("another table format")
    if any(file_stamp(Path(where)) != (where, mtime_ns, size)
           for where, mtime_ns, size in meta["reads"]):
        raise ValueError("a file the table was built from has changed")
    rows = int(meta["rows"])
    first_keys = np.load(folder / "blocks.npy")
    size = (folder / "records.bin").stat().st_size
    if size != rows * RECORD.itemsize or len(first_keys) != -(-rows // BLOCK_ROWS):
        raise ValueError("the table's files do not agree")
    values = {c: np.asarray(meta["values"][c], dtype=object) for c in CODED_COLUMNS}
    return PostcodeTable(folder=folder, rows=rows, first_keys=first_keys, values=values)


@functools.lru_cache(maxsize=2)
def _table_at(folder: str) -> PostcodeTable:
    path = Path(folder)
    if path.is_dir():
        try:
            return _load(path)
        except (OSError, ValueError, KeyError, TypeError):  # half-written or damaged: rebuild
            shutil.rmtree(path, ignore_errors=True)
    _build(path)
    return _load(path)


def postcode_table() -> PostcodeTable:
    """The prepared table for the current data folder, built first if absent or out of date.

    Raises
    ------
    DataMissingError, ValidationError
        A source is missing or unreadable (the same messages as the per-point geocoder's: the NSPL
        centroids, the boundaries, the official codes …).
    """
    return _table_at(str(table_folder()))


def table_ready() -> bool:
    """True when the table of the current data folder and sources is built (no build to wait for)."""
    return table_folder().is_dir()


def prepare_postcode_table() -> str:
    """Build the postcode table now if it is not ready (the data-prepare hook); idempotent.

    Returns
    -------
    A one-line summary: how many postcodes, and whether the table was built now (and how long it
    took) or was ready.
    """
    folder = table_folder()
    ready = folder.is_dir()
    started = time.perf_counter()
    table = postcode_table()
    how = ("already prepared" if ready and table.folder == folder
           else f"built in {time.perf_counter() - started:.0f} s")
    return f"postcode table: {len(table):,} postcodes placed in LSOA 2011 and 2021 ({how})"


# ----------------------------------------------------------------------------- placing
def place_postcodes(postcodes: pd.Series, *, lookup: pd.DataFrame | None = None) -> pd.DataFrame:
    """Place postcodes: NSPL centroid, then the LSOA 2011 and 2021 polygons containing it.

    Every postcode of the data folder's NSPL is placed once, by the rules of
    :func:`~needsmap.orgs.geocode.place_postcodes_by_points`, into a prepared table
    (this module, built on first use or by ``needsmap data fetch``);
    placing a list is then a join on the space-free postcode, with the same result row for row.

    Parameters
    ----------
    postcodes
        Postcodes as typed (any spacing, case, trailing punctuation).
    lookup
        Optional official NSPL/ONSPD extract from :func:`~needsmap.orgs.geocode.read_postcode_lookup` (indexed by
        space-free postcode with ``lsoa11_code``/``lsoa21_code``, maybe ``lat``/``lon``): its exact
        codes are used for the postcodes it holds (they win over those of ``nspl_codes``).

    Notes
    -----
    When the data folder has ``nspl_codes`` (:func:`~needsmap.orgs.geocode.official_codes`), a postcode it lists takes its
    codes from there (``placed_by`` :data:`~needsmap.orgs.geocode.BY_OFFICIAL`, plus "; terminated yyyy-mm" for a
    terminated one, still placed at its published centroid), and one whose country is not England
    is "outside England (<country>)". A missing LSOA 2011 code comes from the LSOA 2021 one where
    that was unchanged or split, else from the centroid's 2011 polygon when the centroid lies in the
    official 2021 LSOA, else :func:`needsmap.data.crosswalk.resolve_codes`.

    Otherwise a postcode whose centroid lies in Wales or Scotland (by the countries' outlines), or
    whose postcode area is wholly Welsh or Scottish, is "outside England (Wales)" /
    "(Scotland)"; only a centroid in England may join the nearest LSOA (``placed_by``
    :data:`~needsmap.orgs.geocode.BY_POSTCODE_SNAP`).

    Returns
    -------
    DataFrame, same index, :data:`~needsmap.orgs.geocode.PLACE_COLUMNS`: ``postcode_clean``, ``lat``, ``lon``,
    ``lsoa11_code``, ``lsoa21_code``, ``status`` (``"ok"`` or the reason in words),
    ``placed_by`` and ``confidence`` (``"exact"`` from an official lookup, else ``"sure"`` or
    ``"uncertain"`` as :func:`~needsmap.orgs.geocode.place_points`; NA where not placed).

    Raises
    ------
    DataMissingError, ValidationError
        The NSPL centroids, the LSOA boundaries or another source of the table is missing or
        cannot be read (the message names the file and the fix).
    """
    return place_from_table(postcodes, lookup=lookup)



def place_from_table(postcodes: pd.Series, *, lookup: pd.DataFrame | None = None) -> pd.DataFrame:
    """:func:`place_postcodes` by a join on the prepared table.

    The result equals :func:`needsmap.orgs.geocode.place_postcodes_by_points` row for row and
    dtype for dtype: distinct postcodes are looked up in the table; one it lacks is "not found"
    (:func:`needsmap.orgs.geocode.final_status`); a user's ``lookup`` is applied by
    :func:`needsmap.orgs.geocode.apply_lookup` to the postcodes it lists. While the table is not
    built, fewer than :data:`LAZY_BUILD_FROM` distinct postcodes are placed point by point and
    more build the table first.
    """
    clean = gc.normalised_arrow(postcodes)
    n = len(clean)
    valid = clean.is_valid().to_numpy(zero_copy_only=False)
    ukeys, inverse = np.unique(pack_postcodes(clean)[valid], return_inverse=True)
    folder = table_folder()
    if len(ukeys) < LAZY_BUILD_FROM and not folder.is_dir():
        return gc.place_postcodes_by_points(postcodes, lookup=lookup)
    table = _table_at(str(folder))
    u = table.lookup(ukeys)
    found = u.pop("found")
    u["known"] = found.copy()
    unknown = np.flatnonzero(~found)
    if len(unknown):
        words = pd.Series(unpack_postcodes(ukeys[unknown]), dtype=object)
        status = pd.Series(gc.ST_NOT_FOUND, index=words.index, dtype=object)
        gc.final_status(status, words, gc._area(words), known=np.zeros(len(words), dtype=bool),
                        hit=np.zeros(len(words), dtype=bool))
        u["status"][unknown] = status.to_numpy()
    if lookup is not None and len(lookup):
        _apply_lookup(u, ukeys, lookup)

    def rows(col: np.ndarray, missing: object) -> np.ndarray:
        out = np.full(n, missing, dtype=col.dtype)
        out[valid] = col[inverse]
        return out

    status = rows(u["status"], None)
    if not valid.all():
        status[~valid] = gc.invalid_status(postcodes[~valid]).to_numpy()
    # built on the default index, then given the input's (which may repeat labels)
    out = pd.DataFrame({
        "postcode_clean": pd.Series(pd.array(clean, dtype=pd.StringDtype())),
        "lat": pd.Series(rows(u["lat"], np.nan), dtype=np.float64),
        "lon": pd.Series(rows(u["lon"], np.nan), dtype=np.float64),
        "lsoa11_code": pd.Series(rows(u["lsoa11_code"], None), dtype=pd.StringDtype()),
        "lsoa21_code": pd.Series(rows(u["lsoa21_code"], None), dtype=pd.StringDtype()),
        "status": pd.Series(status, dtype=object),
        "placed_by": pd.Series(rows(u["placed_by"], None), dtype=_TEXT_DTYPE),
        "confidence": pd.Series(rows(u["confidence"], None), dtype=object),
    })
    out.index = postcodes.index
    return out[list(gc.PLACE_COLUMNS)]


def _apply_lookup(u: dict[str, np.ndarray], ukeys: np.ndarray, lookup: pd.DataFrame) -> None:
    """A user's official lookup over the distinct postcodes ``u`` (in place), by
    :func:`needsmap.orgs.geocode.apply_lookup` on those it lists."""
    words = unpack_postcodes(ukeys)
    listed = np.flatnonzero(lookup.index.get_indexer(words) >= 0)
    if not len(listed):
        return
    frame = pd.DataFrame({c: u[c][listed] for c in gc.DISTINCT_COLUMNS if c in u},
                         index=pd.Index(words[listed], dtype=object))
    frame["postcode_clean"] = words[listed]
    has = gc.apply_lookup(frame, lookup)
    for c in ("known", "lat", "lon", *CODED_COLUMNS):
        u[c][listed[has]] = frame[c].to_numpy()[has]


__all__ = [
    "DATASET_USES",
    "BUILD_CHUNK",
    "CODED_COLUMNS",
    "LAZY_BUILD_FROM",
    "SOURCES",
    "TABLE_FORMAT",
    "PostcodeTable",
    "pack_postcodes",
    "place_from_table",
    "place_postcodes",
    "postcode_table",
    "prepare_postcode_table",
    "table_folder",
    "table_ready",
    "unpack_postcodes",
]
