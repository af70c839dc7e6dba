"""Offline geocoder: postcode, coordinates or LSOA code → point → LSOA 2011 and LSOA 2021.

Postcodes are looked up in the ONS National Statistics Postcode Lookup centroids (a prepared copy
keyed on the space-free postcode is cached as parquet). Each point is then put in the LSOA polygon
that contains it, for both LSOA vintages, with a spatial index (shapely ``STRtree``). The boundaries
are generalised, so a point that falls in a sliver between polygons (or just off a generalised
coastline) goes to the nearest LSOA within :data:`SNAP_METRES`; a point further away is outside
England. Every input gets a status: ``"ok"`` or the reason in words.

When the data folder holds ``nspl_codes`` (``postcodes/nspl_postcode_lsoa.parquet``, made by
``needsmap data fetch`` from the full NSPL), a postcode it lists is placed by its official codes as
they are: its LSOA 2021 (and 2011) codes when its country is England, "outside England (Wales)"
and so on by its country code otherwise; a terminated postcode keeps its codes and says so in
``placed_by``. Point-in-polygon is then only the fallback for postcodes the file lacks.

A user who holds the official NSPL/ONSPD file (which carries each postcode's exact LSOA codes) can
also pass it as ``lookup=`` (see :func:`read_postcode_lookup`); its codes are then used as they are.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely

from needsmap.crs import BNG, from_bng, to_bng
from needsmap.data import load_boundaries, read_geometry, read_table
from needsmap.data._cache import cached, file_stamp
from needsmap.data.catalog import get_dataset
from needsmap.data.crosswalk import (
    HOW_IRREGULAR_PART,
    HOW_SAME,
    HOW_SPLIT_PART,
    containing,
    resolve_codes,
)
from needsmap.data.lsoa_points import reference_point_datasets, reference_points
from needsmap.errors import ValidationError
from needsmap.gss import ENGLAND_CODE, LSOA_PREFIX
from needsmap.orgs.levels import CONF_EXACT, CONF_SURE, CONF_UNCERTAIN, NSPL_FETCH
from needsmap.types import LSOA_VINTAGE, LSOA_VINTAGES, Edition, LsoaVintage

#: a point outside every (generalised) LSOA polygon joins the nearest one within this distance
SNAP_METRES = 300.0
#: how far a postcode centroid can lie from its true LSOA because the LSOA boundaries are
#: generalised: measured against the exact ONS postcode → LSOA 2011 lookup for Lewisham
#: (postcodes/lewisham_postcode_lsoa11_lookup.csv, 8,419 postcodes): of the 1,245 whose centroid
#: falls in another LSOA's generalised polygon, 95% lie within 127 m of their true LSOA (median
#: 38 m, 90% within 95 m; bench/bench_placement_confidence.py prints these figures). A point
#: further than this from every other LSOA is "sure"; a nearer one is "uncertain".
GENERALISATION_METRES = 125.0

OK = "ok"
ST_NO_INPUT = "no postcode, coordinates or LSOA code"
ST_INVALID = "not a valid postcode"
ST_PLACEHOLDER = "no postcode given (placeholder text)"
ST_NOT_FOUND = "postcode not found"
ST_NO_COORDS = "postcode has no coordinates (terminated or non-geographic)"
ST_BAD_COORDS = "coordinates not valid"
ST_UNREADABLE_COORDS = "coordinates could not be read"
ST_HALF_COORDS = "coordinates not valid (only one of the pair given)"
ST_PLACEHOLDER_COORDS = "coordinates are a placeholder (0, 0)"
ST_OUTSIDE_GB = "coordinates outside Great Britain"
ST_COORDS_OUTSIDE = "coordinates outside England"
ST_BAD_LSOA = "LSOA code not recognised"
ST_OFF_BOUNDARY = "not in any English LSOA: centroid more than 300 m outside the boundaries"
ST_COORDS_OFF_BOUNDARY = "coordinates not in any English LSOA: more than 300 m outside the boundaries"

#: how a row was placed (column ``placed_by``)
BY_POSTCODE = "postcode (NSPL centroid in LSOA boundary)"
BY_POSTCODE_SNAP = f"postcode (NSPL centroid in England; nearest LSOA within {SNAP_METRES:.0f} m)"
BY_EXACT = "postcode (official NSPL/ONSPD file: exact LSOA codes)"
#: placed by the data folder's ``nspl_codes`` (a terminated postcode adds "; terminated yyyy-mm")
BY_OFFICIAL = "postcode (official NSPL: exact LSOA codes)"
BY_COORDS = "coordinates"
BY_COORDS_SNAP = f"coordinates (nearest LSOA within {SNAP_METRES:.0f} m)"
BY_GRID = "grid reference (British National Grid)"
BY_GRID_SNAP = f"grid reference (British National Grid; nearest LSOA within {SNAP_METRES:.0f} m)"
BY_LSOA = "LSOA code"

#: UK postcode shape once spaces are removed (outward code + inward code), GIR 0AA, and the old
#: Newport (Gwent) outward code ``NPT`` still listed (terminated) in the NSPL
POSTCODE_PATTERN = re.compile(r"^(?:[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}|GIR0AA|NPT[0-9][A-Z]{2})$")
#: text people put where a postcode should be: "[Unknown]", "(none)", "n/a - mobile", "TBC" …
_PLACEHOLDER = r"^\s*(?:[\[\(<{].*[\]\)>}]|n/?a\b.*|none\b.*|unknown\b.*|tbc|tba|not known.*|no postcode.*|various.*|mobile.*)\s*$"
_MISSING_TOKENS = {"", "NA", "N/A", "NAN", "NONE", "NULL", "-", "--", "UNKNOWN", "0"}

#: postcode areas mostly in Scotland / Wales (the guess for a point placed in no LSOA)
_SCOTLAND = {"AB", "DD", "DG", "EH", "FK", "G", "HS", "IV", "KA", "KW", "KY", "ML", "PA", "PH", "ZE"}
_WALES = {"CF", "LD", "LL", "NP", "NPT", "SA"}
#: postcode areas WHOLLY in Scotland / Wales: every centroid of the May 2025 NSPL lies in that
#: country's outline (tests/test_borders.py checks it). DG (Gretna), LD (Knighton), LL and NP
#: (Sedbury, Monmouth's English fringe) also have English postcodes, so only the point decides there.
_WHOLLY_SCOTLAND = _SCOTLAND - {"DG"}
_WHOLLY_WALES = {"CF", "NPT", "SA"}
#: postcode areas that straddle England's borders with Wales or Scotland
_BORDER = {"CH", "SY", "HR", "GL", "TD", "CA", "NE"}
#: an English postcode whose centroid is more than SNAP_METRES from every (generalised) LSOA
_OFF_BOUNDARY = ST_OFF_BOUNDARY
_OTHER = {"BT": "Northern Ireland", "IM": "Isle of Man", "JE": "Channel Islands",
          "GY": "Channel Islands"}
#: NSPL country codes -> name (England is E92000001)
ENGLAND = ENGLAND_CODE
_COUNTRIES = {"W92000004": "Wales", "S92000003": "Scotland", "N92000002": "Northern Ireland",
              "L93000001": "Channel Islands", "M83000003": "Isle of Man"}

#: the LSOA vintages a point can be placed in (see ``vintages=`` of :func:`place_points`)
Vintages = tuple[LsoaVintage, ...]
VINTAGES: Vintages = tuple(LSOA_VINTAGE.values())


def _check_vintages(vintages: Vintages) -> Vintages:
    chosen = tuple(v for v in VINTAGES if v in vintages)
    if not chosen or len(chosen) != len(set(vintages)):
        raise ValueError(f"vintages must be one or both of {VINTAGES}, not {vintages!r}")
    return chosen


PLACE_COLUMNS = ("postcode_clean", "lat", "lon", "lsoa11_code", "lsoa21_code", "status", "placed_by",
                 "confidence")


# ----------------------------------------------------------------------------- postcodes
def _text(values: pd.Series) -> pd.Series:
    """Values as upper-case strings with NA kept, NFKC-normalised (full-width ``Ｂ３１`` → ``B31``,
    as some East Asian keyboards and PDF copies type them)."""
    text = values.astype("string")
    # NFKC leaves ASCII as it is, and pandas normalises in Python, value by value: only the
    # values that are not ASCII are normalised
    ascii_ = pc.fill_null(pc.string_is_ascii(pa.array(text.array)), True)
    other = np.flatnonzero(~ascii_.to_numpy(zero_copy_only=False))
    if len(other):
        text.iloc[other] = text.iloc[other].str.normalize("NFKC")
    return text.str.upper()


def normalise_postcode(values: pd.Series) -> pd.Series:
    """Postcodes as people type them → upper case with every space and punctuation mark removed.

    ``"b31 2lb."`` → ``"B312LB"``; ``" se16 2ja"`` → ``"SE162JA"``; full-width
    ``"Ｂ３１ ２ＬＢ"`` → ``"B312LB"``. Text that cannot be a UK
    postcode (wrong shape, placeholders such as ``"[Unknown]"``, blanks) becomes ``<NA>``.

    Parameters
    ----------
    values
        Postcodes, any dtype.

    Returns
    -------
    Series of dtype ``string``, same index.
    """
    return pd.Series(pd.array(normalised_arrow(values), dtype=pd.StringDtype()), index=values.index)


def _normalise_text(values: pd.Series) -> pd.Series:
    """:func:`normalise_postcode` for any values, in pandas (NFKC, Unicode upper case)."""
    squashed = _text(values).str.replace(r"[^A-Z0-9]", "", regex=True)
    valid = squashed.str.fullmatch(POSTCODE_PATTERN.pattern).fillna(False).astype(bool)
    return squashed.where(valid, pd.NA)


def normalised_arrow(values: pd.Series) -> pa.Array:
    """:func:`normalise_postcode` as an Arrow string array (null where not a valid postcode).

    Text that is all ASCII (nearly every postcode) goes through Arrow's compute kernels: there NFKC
    and Unicode upper case are plain ASCII upper case, so the result is the same. Other text, and
    values that are not text (numbers …), go through the pandas path as before.
    """
    if isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow":
        arr = pa.array(values.array)  # already Arrow: no conversion
        arr = (arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr).cast(pa.string())
    elif pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty"):
        arr = pa.array(values.to_numpy(dtype=object), type=pa.string(), from_pandas=True)
    else:
        return pa.array(_normalise_text(values).to_numpy(dtype=object, na_value=None),
                        type=pa.string())
    squashed = keep_bytes(pc.ascii_upper(arr), UPPER_ALNUM)
    valid = pc.match_substring_regex(squashed, POSTCODE_PATTERN.pattern)
    out = pc.if_else(valid, squashed, pa.scalar(None, type=pa.string()))
    other = np.flatnonzero(~pc.fill_null(pc.string_is_ascii(arr), True).to_numpy(
        zero_copy_only=False))
    if len(other):  # full-width digits, "ß" … : the Unicode rules decide
        cells = out.to_numpy(zero_copy_only=False).astype(object)
        cells[other] = _normalise_text(values.iloc[other]).to_numpy(dtype=object, na_value=None)
        out = pa.array(cells, type=pa.string(), from_pandas=True)
    return out


def _byte_set(*ranges: tuple[str, str]) -> np.ndarray:
    """A table of the 256 byte values: True for those within the inclusive character ``ranges``."""
    table = np.zeros(256, dtype=bool)
    for first, last in ranges:
        table[ord(first):ord(last) + 1] = True
    return table


#: ``A-Z0-9`` and ``a-z0-9`` as byte tables (for :func:`keep_bytes`)
UPPER_ALNUM = _byte_set(("A", "Z"), ("0", "9"))
LOWER_ALNUM = _byte_set(("a", "z"), ("0", "9"))


def keep_bytes(text: pa.Array, allowed: np.ndarray) -> pa.Array:
    """ASCII text with every character whose byte ``allowed`` (a 256-entry table) rejects removed;
    nulls become empty strings.

    The same as ``pc.replace_substring_regex(text, "[^…]", "")`` with the matching character class,
    for ASCII text, done on all the bytes at once (the regular expression runs string by string,
    several times slower).
    """
    if text.offset or text.null_count:  # a slice, or nulls: work on a compact copy
        text = pa.concat_arrays([pc.fill_null(text, "")])
    n = len(text)
    _, offsets_buf, data_buf = text.buffers()
    offsets = np.frombuffer(offsets_buf, dtype=np.int32, count=n + 1)
    data = (np.frombuffer(data_buf, dtype=np.uint8) if data_buf is not None
            else np.zeros(0, dtype=np.uint8))[offsets[0]:offsets[-1]]
    keep = allowed[data]
    kept = np.concatenate([[0], np.cumsum(keep, dtype=np.int64)])
    new_offsets = kept[offsets - offsets[0]].astype(np.int32)
    return pa.Array.from_buffers(pa.string(), n, [None, pa.py_buffer(new_offsets),
                                                  pa.py_buffer(np.ascontiguousarray(data[keep]))])


def _is_blank(values: pd.Series) -> pd.Series:
    """True where a cell holds nothing a person meant as a value."""
    text = _text(values).str.strip()
    return (text.isna() | text.isin(_MISSING_TOKENS)).astype(bool)


def _outside_label(postcode_clean: pd.Series, lat: pd.Series) -> pd.Series:
    """Where a point that is in no English LSOA probably is, from the postcode area or latitude."""
    area = postcode_clean.astype("string").str.extract(r"^([A-Z]+)", expand=False)
    out = pd.Series("Wales or Scotland", index=postcode_clean.index, dtype=object)
    out[(lat >= 54.9).fillna(False).to_numpy()] = "Scotland"
    out[(lat < 54.9).fillna(False).to_numpy()] = "Wales"
    out[area.isin(_SCOTLAND).fillna(False).to_numpy()] = "Scotland"
    out[area.isin(_WALES).fillna(False).to_numpy()] = "Wales"
    for code, name in _OTHER.items():
        out[(area == code).fillna(False).to_numpy()] = name
    english = area.notna() & ~area.isin(_SCOTLAND | _WALES | _BORDER | set(_OTHER)).fillna(True)
    out[english.to_numpy()] = _OFF_BOUNDARY
    return out


def postcode_lookup() -> pd.DataFrame:
    """NSPL centroids indexed by space-free postcode (``lat``, ``lon``; NaN where none).

    Built once from ``nspl_centroids`` and cached as parquet; kept in memory afterwards (per data
    folder and file version: another data folder is never served from memory).
    """
    return _postcode_lookup_at(*file_stamp(get_dataset("nspl_centroids").path))


@functools.lru_cache(maxsize=1)
def _postcode_lookup_at(path: str, mtime_ns: int, size: int) -> pd.DataFrame:
    def build() -> pd.DataFrame:
        raw = read_table("nspl_centroids")
        key = raw["postcode"].astype(str).str.replace(" ", "", regex=False).str.upper()
        lat = pd.to_numeric(raw["lat"], errors="coerce")
        lon = pd.to_numeric(raw["lon"], errors="coerce").where(lat.notna())
        out = pd.DataFrame({"postcode": key.to_numpy(), "lat": lat.to_numpy(),
                            "lon": lon.to_numpy()})
        return out.drop_duplicates("postcode").sort_values("postcode").reset_index(drop=True)

    frame = cached("nspl_lookup", build)
    frame = frame.set_index(pd.Index(frame["postcode"].to_numpy(dtype=object), name="postcode"))
    return frame[["lat", "lon"]]


@dataclass(frozen=True)
class OfficialCodes:
    """The data folder's ``nspl_codes``, compact: sorted space-free postcodes as fixed-width bytes
    (searched by bisection) and, per column, integer codes into a small table of distinct values;
    about 40 MB for the whole of Great Britain."""

    keys: np.ndarray
    codes: dict[str, np.ndarray]
    values: dict[str, np.ndarray]

    def find(self, clean: pd.Series) -> pd.DataFrame:
        """Rows for space-free postcodes ``clean`` (same index): ``found`` and the codes."""
        q = _key_bytes(pack_postcodes(pa.array(clean.to_numpy(dtype=object), type=pa.string(),
                                               from_pandas=True)))
        n = len(self.keys)
        pos = np.minimum(np.searchsorted(self.keys, q), max(n - 1, 0))
        found = (self.keys[pos] == q) if n else np.zeros(len(q), dtype=bool)
        out = pd.DataFrame({"found": found}, index=clean.index)
        for col, codes in self.codes.items():
            at = np.where(found, codes[pos], -1) if n else np.full(len(q), -1)
            # code -1 -> the None at the end
            table = np.concatenate([self.values[col], np.array([None], dtype=object)])
            out[col] = table[at]
        return out


#: width of the fixed-width postcode keys (a space-free postcode has at most 7 characters)
_KEY_WIDTH = 8
_OFFICIAL_COLUMNS = ("lsoa11_code", "lsoa21_code", "ctry_code", "doterm")


# ----------------------------------------------------------------------------- postcode keys
def pack_postcodes(clean: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Space-free postcodes → sortable ``uint64`` keys (8 bytes, space-padded, big-endian).

    Parameters
    ----------
    clean
        Valid space-free postcodes (ASCII, at most 7 characters) as an Arrow string array; nulls
        become the key of the empty text (never a postcode).

    Returns
    -------
    ``uint64`` array, one key per value; byte order makes numeric order the postcodes' order.
    """
    padded = pc.utf8_rpad(pc.fill_null(clean, ""), width=_KEY_WIDTH, padding=" ")
    if isinstance(padded, pa.ChunkedArray):
        padded = padded.combine_chunks()
    binary = padded.cast(pa.binary())
    n = len(binary)
    if not n:
        return np.zeros(0, dtype=np.uint64)
    _, offsets, data = binary.buffers()
    bounds = np.frombuffer(offsets, dtype=np.int32)[binary.offset:binary.offset + n + 1]
    if int(bounds[-1] - bounds[0]) != n * _KEY_WIDTH:
        raise ValueError(f"postcode keys longer than {_KEY_WIDTH} bytes")
    return np.frombuffer(data, dtype=">u8", count=n, offset=int(bounds[0])).astype(np.uint64)


def unpack_postcodes(keys: np.ndarray) -> np.ndarray:
    """Keys from :func:`pack_postcodes` → space-free postcodes (object array of str)."""
    return np.char.decode(np.char.rstrip(_key_bytes(keys), b" "), "ascii").astype(object)


def _key_bytes(keys: np.ndarray) -> np.ndarray:
    """Keys from :func:`pack_postcodes` as the fixed-width bytes they pack (``S8``: the space-padded
    postcode; byte order is the keys' order)."""
    return np.ascontiguousarray(keys.astype(">u8")).view(f"S{_KEY_WIDTH}")


def official_codes() -> OfficialCodes | None:
    """The data folder's official postcode codes (``nspl_codes``), or None when it has none."""
    path = get_dataset("nspl_codes").path
    if not path.exists():
        return None
    return _official_codes_at(*file_stamp(path))


@functools.lru_cache(maxsize=1)
def _official_codes_at(path: str, mtime_ns: int, size: int) -> OfficialCodes:
    """Read ``nspl_codes`` column by column in Arrow (no Python object per postcode)."""
    import pyarrow.parquet as pq

    text_type = pa.large_string()

    def column(name: str) -> pa.ChunkedArray:  # one column at a time keeps the peak low
        try:
            return pq.read_table(path, columns=[name])[name].cast(text_type)
        except (OSError, ValueError, KeyError, pa.ArrowException) as exc:
            raise ValidationError(
                f"The official postcode codes {path} could not be read ({type(exc).__name__}: "
                f"{str(exc)[:200]}): fetch them again with `{NSPL_FETCH}`."
            ) from None

    key = pc.utf8_upper(pc.replace_substring_regex(column("postcode"), r"\s+", ""))
    valid = pc.fill_null(pc.match_substring_regex(key, f"^[A-Z0-9]{{1,{_KEY_WIDTH - 1}}}$"), False)
    key = pc.filter(key, valid)
    order = pc.sort_indices(key)
    keys = _key_bytes(pack_postcodes(pc.take(key, order)))
    del key
    first = np.ones(len(keys), dtype=bool)
    first[1:] = keys[1:] != keys[:-1]
    codes: dict[str, np.ndarray] = {}
    values: dict[str, np.ndarray] = {}
    for col in _OFFICIAL_COLUMNS:
        text = pc.take(pc.filter(column(col), valid), order)
        enc = pc.dictionary_encode(pc.utf8_upper(pc.utf8_trim_whitespace(text)).combine_chunks())
        del text
        distinct = np.asarray(enc.dictionary.to_pylist(), dtype=object)
        distinct[distinct == ""] = None
        at = enc.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int32)
        codes[col], values[col] = at[first], distinct
    return OfficialCodes(keys[first], codes, values)


def _terminated(doterm: pd.Series) -> pd.Series:
    """``"201906"`` -> ``"; terminated 2019-06"`` (empty where live)."""
    text = doterm.astype("string").str.strip()
    nice = text.str.replace(r"^(\d{4})(\d{2})$", r"\1-\2", regex=True)
    return ("; terminated " + nice).fillna("").astype(object)


# ----------------------------------------------------------------------------- LSOA index
def _in_bng(name: str, dataset: str, load: Callable[[], Any], key: str) -> tuple[np.ndarray, np.ndarray]:
    """A boundary dataset's codes and polygons in British National Grid, prepared once.

    The projected polygons are cached as WKB (the cache folder, keyed on the source file like every
    prepared file): later processes read them without geopandas or a reprojection. WKB keeps every
    coordinate as it was, so the polygons are exactly those of ``load().to_crs(BNG)``.
    """
    def build() -> pd.DataFrame:
        gdf = load().to_crs(BNG)
        return pd.DataFrame({"code": gdf[key].astype(str).to_numpy(dtype=object),
                             "wkb": shapely.to_wkb(np.asarray(gdf.geometry.array))})

    frame = cached(name, build)
    return frame["code"].to_numpy(dtype=object), shapely.from_wkb(frame["wkb"].to_numpy())


class _LsoaIndex:
    """LSOA polygons of one vintage in British National Grid with an STRtree."""

    def __init__(self, edition: Edition) -> None:
        vintage = LSOA_VINTAGE[edition]
        self.codes, self.geoms = _in_bng(f"{vintage}_bng", f"{vintage}_boundaries",
                                         lambda: load_boundaries(edition), "lsoa_code")
        self.tree = shapely.STRtree(self.geoms)

    def locate(self, points: np.ndarray, *, snap: np.ndarray | None = None
               ) -> tuple[np.ndarray, np.ndarray]:
        """LSOA code for each point (None if none) and whether it was snapped to the nearest one.

        ``snap`` (bool per point, default all True) says which points may join the nearest LSOA
        within :data:`SNAP_METRES` when they are in no polygon.
        """
        n = len(points)
        found = np.full(n, None, dtype=object)
        snapped = np.zeros(n, dtype=bool)
        valid = ~shapely.is_missing(points)
        idx = np.flatnonzero(valid)
        if len(idx):
            inp, tree_i = self.tree.query(points[idx], predicate="within")
            # a point on a shared edge matches two polygons: keep the first
            first = np.unique(inp, return_index=True)[1]
            found[idx[inp[first]]] = self.codes[tree_i[first]]
        may_snap = valid if snap is None else valid & snap
        rest = np.flatnonzero(may_snap & pd.isna(found))
        if len(rest):
            inp, tree_i = self.tree.query_nearest(points[rest], max_distance=SNAP_METRES,
                                                  all_matches=False)
            found[rest[inp]] = self.codes[tree_i]
            snapped[rest[inp]] = True
        return found, snapped

    def near_other(self, points: np.ndarray, codes: np.ndarray, metres: float) -> np.ndarray:
        """True where a point lies within ``metres`` of an LSOA other than its own ``codes``."""
        out = np.zeros(len(points), dtype=bool)
        idx = np.flatnonzero(~shapely.is_missing(points) & pd.notna(codes))
        if len(idx):
            inp, tree_i = self.tree.query(points[idx], predicate="dwithin", distance=metres)
            other = self.codes[tree_i] != codes[idx[inp]]
            out[idx[inp[other]]] = True
        return out


def release_indices() -> None:
    """Drop the spatial indices kept in memory (LSOA polygons of both vintages, the countries'
    outlines), so a command that has placed its list can give that memory to what follows; the
    next placement by coordinates loads them again (from the prepared cache: a fraction of a
    second)."""
    _lsoa_index_at.cache_clear()
    _countries_at.cache_clear()


def _boundaries_stamp(edition: Edition) -> tuple[str, int, int]:
    return file_stamp(get_dataset(f"{LSOA_VINTAGE[edition]}_boundaries").path)


def _lsoa_index(edition: Edition) -> _LsoaIndex:
    """The LSOA index of ``edition``, kept in memory per data folder and file version."""
    return _lsoa_index_at(edition, *_boundaries_stamp(edition))


@functools.lru_cache(maxsize=2)
def _lsoa_index_at(edition: Edition, path: str, mtime_ns: int, size: int) -> _LsoaIndex:
    return _LsoaIndex(edition)


# ----------------------------------------------------------------------------- countries
#: what this module reads datasets for (:func:`needsmap.uses.dataset_uses`)
DATASET_USES: dict[str, str] = {
    "countries_gb": "which UK country a point outside England is in",
    **{f"{v}_boundaries": "the LSOA a point is in" for v in LSOA_VINTAGES},
}
#: country names of the ``countries_gb`` outlines
_ENGLAND_NAME = "England"
#: ``country`` of a point more than SNAP_METRES from every country outline (at sea or abroad)
OUTSIDE_GB = "outside Great Britain"
#: a rough box around Great Britain (WGS84), used only when the countries' outlines are absent
_GB_BOX = (49.8, 61.0, -8.7, 1.9)  # lat min, lat max, lon min, lon max


class _CountryIndex:
    """The UK countries' outlines (dataset ``countries_gb``) in British National Grid."""

    def __init__(self) -> None:
        self.names, self.geoms = _in_bng("countries_gb_bng", "countries_gb",
                                         lambda: read_geometry("countries_gb"), "ctry_name")
        for g in self.geoms:
            shapely.prepare(g)
        self.tree = shapely.STRtree(self.geoms)

    def country(self, points: np.ndarray) -> np.ndarray:
        """Country name of each point: the outline it lies in, else the nearest outline within
        :data:`SNAP_METRES` (a coastal point), else :data:`OUTSIDE_GB`; None for a missing point."""
        out = np.full(len(points), None, dtype=object)
        valid = ~shapely.is_missing(points)
        out[valid] = OUTSIDE_GB
        idx = np.flatnonzero(valid)
        if len(idx):
            # point in outline, outline by outline: the outlines are few, large and prepared, so
            # this is some 50 times faster than a tree query with the "within" predicate (which
            # tests each point against the unprepared outline); a later outline wins, as there
            xy = shapely.get_coordinates(points[idx])
            for name, geom in zip(self.names, self.geoms, strict=True):
                out[idx[shapely.contains_xy(geom, xy[:, 0], xy[:, 1])]] = name
            rest = idx[out[idx] == OUTSIDE_GB]
            if len(rest):
                inp, tree_i = self.tree.query_nearest(points[rest], max_distance=SNAP_METRES,
                                                      all_matches=False)
                out[rest[inp]] = self.names[tree_i]
        return out


def _countries() -> _CountryIndex | None:
    """The countries' outlines, or None when the data folder lacks ``countries_gb`` (optional)."""
    path = get_dataset("countries_gb").path
    if not path.exists():
        return None
    return _countries_at(*file_stamp(path))


@functools.lru_cache(maxsize=1)
def _countries_at(path: str, mtime_ns: int, size: int) -> _CountryIndex:
    return _CountryIndex()


def _country_fallback(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Without the outlines: None inside a box around Great Britain, :data:`OUTSIDE_GB` outside."""
    out = np.full(len(lat), None, dtype=object)
    known = np.isfinite(lat) & np.isfinite(lon)
    inside = known & (lat >= _GB_BOX[0]) & (lat <= _GB_BOX[1]) & (lon >= _GB_BOX[2]) & (lon <= _GB_BOX[3])
    out[known & ~inside] = OUTSIDE_GB
    return out


# ----------------------------------------------------------------------------- vintages
def _nested_2011() -> dict[str, str]:
    """LSOA 2021 → its LSOA 2011 where the 2021 one is unchanged (U) or split (S) from it: the
    2011 LSOA holds all of it (:func:`needsmap.data.crosswalk.containing`)."""
    return containing("lsoa11").to_dict()


def _fill_vintages(l11: pd.Series, l21: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Fill a missing vintage through :func:`needsmap.data.crosswalk.resolve_codes` (a split or
    merged LSOA takes the part with most residents, never the lookup's first row)."""
    need21 = l21.isna() & l11.notna()
    if need21.any():
        l21 = l21.astype(object).copy()
        l21[need21] = resolve_codes(l11[need21], to="lsoa21")["code"].astype(object).to_numpy()
    need11 = l11.isna() & l21.notna()
    if need11.any():
        l11 = l11.astype(object).copy()
        l11[need11] = resolve_codes(l21[need11], to="lsoa11")["code"].astype(object).to_numpy()
    return l11.where(pd.notna(l11), None), l21.where(pd.notna(l21), None)


# ----------------------------------------------------------------------------- points
def _place_xy(x: np.ndarray, y: np.ndarray, vintages: Vintages = VINTAGES) -> pd.DataFrame:
    """Points in British National Grid metres (NaN where unknown) → LSOAs, country, confidence.

    See :func:`place_points` for the columns (index 0 … n-1) and ``vintages``.
    """
    vintages = _check_vintages(vintages)
    n = len(x)
    ok = np.isfinite(x) & np.isfinite(y)
    pts = np.full(n, None, dtype=object)
    if ok.any():
        pts[ok] = shapely.points(x[ok], y[ok])
    countries = _countries()
    if countries is not None:
        country = countries.country(pts)
        # never across the national border: only points in England (or on its coast, or off
        # every outline) are looked up, and only those in England may join the nearest LSOA
        look = pd.isna(country) | np.isin(country.astype(str), [_ENGLAND_NAME, OUTSIDE_GB])
        may_snap = (country == _ENGLAND_NAME)
    else:
        lat, lon = np.full(n, np.nan), np.full(n, np.nan)
        if ok.any():
            lon[ok], lat[ok] = from_bng().transform(x[ok], y[ok])
        country = _country_fallback(lat, lon)
        look = country != OUTSIDE_GB
        may_snap = look
    pts_look = pts.copy()
    pts_look[~np.asarray(look, dtype=bool)] = None
    indices = []
    codes21 = np.full(n, None, dtype=object)
    snapped = np.zeros(n, dtype=bool)
    if "lsoa21" in vintages:
        idx21 = _lsoa_index("2025")
        codes21, snapped = idx21.locate(pts_look, snap=may_snap)
        snapped &= pd.notna(codes21)
        indices.append((idx21, codes21))
    codes11 = np.full(n, None, dtype=object)
    if "lsoa11" in vintages:
        if "lsoa21" in vintages:
            # an LSOA 2021 that is unchanged (U) or split (S) from 2011 lies inside one LSOA 2011:
            # take it from the ONS lookup, so both vintages agree; only points in merged (M) or
            # irregular (X) ones or in no LSOA 2021 are looked up in the 2011 polygons
            codes11 = pd.Series(codes21, dtype=object).map(_nested_2011()).to_numpy(dtype=object)
        idx11 = _lsoa_index("2019")
        rest = np.flatnonzero(pd.isna(codes11) & ~shapely.is_missing(pts_look))
        if len(rest):
            found, snap = idx11.locate(pts_look[rest], snap=may_snap[rest])
            codes11[rest] = found
            snapped[rest] |= snap & pd.notna(found) & pd.isna(codes21[rest])
        indices.append((idx11, codes11))
    out = pd.DataFrame(index=pd.RangeIndex(n))
    l11, l21 = pd.Series(codes11, dtype=object), pd.Series(codes21, dtype=object)
    if len(vintages) == 2:
        l11, l21 = _fill_vintages(l11, l21)
    out["lsoa11_code"], out["lsoa21_code"] = l11.astype("string"), l21.astype("string")
    out["snapped"] = snapped
    out["country"] = pd.Series(country, dtype=object)
    hit = (out["lsoa11_code"].notna() | out["lsoa21_code"].notna()).to_numpy(dtype=bool)
    near = np.zeros(n, dtype=bool)
    for index, codes in indices:
        near |= index.near_other(pts_look, codes, GENERALISATION_METRES)
    conf = np.where(snapped | near, CONF_UNCERTAIN, CONF_SURE).astype(object)
    conf[~hit] = None
    out["confidence"] = pd.Series(conf, dtype=object)
    return out


def place_points(lat: pd.Series, lon: pd.Series, *, vintages: Vintages = VINTAGES) -> pd.DataFrame:
    """Put WGS84 points in LSOA 2011 and LSOA 2021 polygons (nearest within 300 m in slivers).

    A point is first put in a country with the UK countries' outlines (dataset ``countries_gb``;
    optional: without it every point may be placed or snapped as before). Only a point in England
    (or off every outline) is looked up in the LSOA polygons, and only a point in England (its
    coast included) that falls in no polygon joins the nearest LSOA within :data:`SNAP_METRES`:
    a point in Wales or Scotland is never snapped into an English LSOA.

    Parameters
    ----------
    lat, lon
        Latitude and longitude in degrees (same index); NaN where unknown.
    vintages
        The LSOA vintages to place the points in: both (default), or only ``("lsoa21",)`` or
        ``("lsoa11",)`` — then only that vintage's polygons are loaded, the other vintage's code is
        ``<NA>``, and ``confidence`` weighs that vintage's neighbours only.

    Returns
    -------
    DataFrame, same index, with ``lsoa11_code``, ``lsoa21_code`` (``<NA>`` outside England),
    ``snapped`` (True where the point was in no polygon and joined the nearest one), ``country``
    (``"England"``, ``"Wales"``, ``"Scotland"``, ``"Northern Ireland"``, :data:`OUTSIDE_GB`, or
    None when unknown) and ``confidence`` (``"sure"`` when the point is more than
    :data:`GENERALISATION_METRES` from every other LSOA of both vintages, ``"uncertain"`` when
    nearer or snapped; None where not placed).

    Raises
    ------
    ValueError
        ``vintages`` is empty or names something other than ``"lsoa11"``/``"lsoa21"``.
    """
    la = pd.to_numeric(lat, errors="coerce").to_numpy(dtype=float)
    lo = pd.to_numeric(lon, errors="coerce").to_numpy(dtype=float)
    ok = np.isfinite(la) & np.isfinite(lo) & (np.abs(la) <= 90) & (np.abs(lo) <= 180)
    x = np.full(len(la), np.nan)
    y = np.full(len(la), np.nan)
    if ok.any():
        x[ok], y[ok] = to_bng().transform(lo[ok], la[ok])
    out = _place_xy(x, y, vintages)
    return out.set_axis(lat.index)


_UNICODE_MINUS = "\u2212"


def _read_numbers(values: pd.Series, *, thousands: bool = False) -> tuple[pd.Series, pd.Series]:
    """Numbers typed as text → floats, and where a value was present but could not be read.

    A decimal comma is read (``"52,415"`` → 52.415, ``"-1,96742"`` → -1.96742); with
    ``thousands`` a comma before exactly three digits is a thousands separator instead
    (``"412,345"`` → 412345). The Unicode minus sign is read as ``-``.
    """
    if pd.api.types.is_numeric_dtype(values):
        num = pd.to_numeric(values, errors="coerce").astype(float)
        return num, pd.Series(False, index=values.index)
    text = values.astype("string").str.strip().str.replace(_UNICODE_MINUS, "-", regex=False)
    if thousands:
        text = text.where(~text.str.fullmatch(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?").fillna(False),
                          text.str.replace(",", "", regex=False))
    comma = text.str.fullmatch(r"[+-]?\d+,\d+").fillna(False).astype(bool)
    text = text.where(~comma, text.str.replace(",", ".", regex=False))
    num = pd.to_numeric(text.astype(object), errors="coerce").astype(float)
    unreadable = (~_is_blank(values) & num.isna()).astype(bool)
    return num, unreadable


def _point_status(la: pd.Series, lo: pd.Series, placed: pd.DataFrame, unreadable: pd.Series,
                  given: pd.Series, half: pd.Series) -> pd.Series:
    """Status of rows placed from a point: ``"ok"`` or the reason in words."""
    hit = (placed["lsoa21_code"].notna() | placed["lsoa11_code"].notna()).to_numpy(dtype=bool)
    country = placed["country"].to_numpy(dtype=object)
    status = pd.Series(OK, index=la.index, dtype=object)
    label = pd.Series(country, index=la.index, dtype=object)
    if _countries() is None:  # without the outlines: the old guess from the latitude
        label = _outside_label(pd.Series(pd.NA, index=la.index, dtype="string"), la)
        label = label.map(lambda w: f"probably {w}" if w in ("Wales", "Scotland") else w)
        label[country == OUTSIDE_GB] = OUTSIDE_GB
    status[~hit] = (ST_COORDS_OUTSIDE + " (" + label[~hit].astype(str) + ")").to_numpy()
    status[(label == _ENGLAND_NAME).to_numpy() & ~hit] = ST_COORDS_OFF_BOUNDARY
    status[(label == OUTSIDE_GB).to_numpy() & ~hit] = ST_OUTSIDE_GB
    status[(la.isna() | lo.isna()).to_numpy()] = ST_BAD_COORDS
    status[((la == 0) & (lo == 0)).fillna(False).to_numpy(dtype=bool)] = ST_PLACEHOLDER_COORDS
    status[half.to_numpy(dtype=bool)] = ST_HALF_COORDS
    status[unreadable.to_numpy(dtype=bool)] = ST_UNREADABLE_COORDS
    status[~given.to_numpy(dtype=bool)] = ST_NO_INPUT
    return status


def place_coordinates(lat: pd.Series, lon: pd.Series, *,
                      vintages: Vintages = VINTAGES) -> pd.DataFrame:
    """Place rows that give coordinates: :data:`PLACE_COLUMNS` with a status per row.

    Parameters
    ----------
    lat, lon
        Latitude and longitude in degrees (same index), as numbers or text. Decimal commas are read
        (``"52,415"``); a pair given the wrong way round (a British longitude in the latitude
        column) is swapped back and ``placed_by`` says so.
    vintages
        The LSOA vintages to place in (see :func:`place_points`).

    Returns
    -------
    DataFrame, same index, :data:`PLACE_COLUMNS`. ``status`` is ``"ok"`` or one of:
    :data:`ST_NO_INPUT` (both blank), :data:`ST_UNREADABLE_COORDS` (text that is not a number:
    WKT, degrees-minutes-seconds …), :data:`ST_HALF_COORDS`, :data:`ST_BAD_COORDS` (beyond ±90/±180),
    :data:`ST_PLACEHOLDER_COORDS` (0, 0), :data:`ST_OUTSIDE_GB`, or "coordinates outside England
    (Wales)" / "(Scotland)" / "(Northern Ireland)". ``confidence`` is ``"sure"`` or
    ``"uncertain"`` (see :func:`place_points`); NA where not placed.
    """
    la, bad_la = _read_numbers(lat)
    lo, bad_lo = _read_numbers(lon)
    given = (la.notna() | lo.notna() | ~_is_blank(lat) | ~_is_blank(lon)).astype(bool)
    half = given & ~bad_la & ~bad_lo & (la.isna() != lo.isna())
    swapped = (la.between(-9, 2.5) & lo.between(49, 61.5)).fillna(False).astype(bool)
    la, lo = la.where(~swapped, lo), lo.where(~swapped, la)
    valid = la.between(-90, 90) & lo.between(-180, 180)
    placeholder = (la == 0) & (lo == 0)
    la, lo = la.where(valid), lo.where(valid)
    placed = place_points(la.where(~placeholder), lo.where(~placeholder), vintages=vintages)
    return _point_frame(la, lo, placed, _point_status(la, lo, placed, bad_la | bad_lo, given, half),
                        swapped, (BY_COORDS, BY_COORDS_SNAP))


def _point_frame(la: pd.Series, lo: pd.Series, placed: pd.DataFrame, status: pd.Series,
                 swapped: pd.Series, by_words: tuple[str, str]) -> pd.DataFrame:
    out = pd.DataFrame(index=la.index)
    out["postcode_clean"] = pd.array([pd.NA] * len(out), dtype="string")
    out["lat"], out["lon"] = la.astype(float), lo.astype(float)
    out["lsoa11_code"], out["lsoa21_code"] = placed["lsoa11_code"], placed["lsoa21_code"]
    hit = (placed["lsoa21_code"].notna() | placed["lsoa11_code"].notna()).to_numpy(dtype=bool)
    status = status.copy()
    out["status"] = status
    by = pd.Series(by_words[0], index=out.index, dtype=object)
    by[placed["snapped"].to_numpy(dtype=bool)] = by_words[1]
    sw = swapped.to_numpy(dtype=bool)
    by[sw] = by[sw] + " (latitude/longitude swapped)"
    placed_ok = hit & (status == OK).to_numpy()
    out["placed_by"] = by.where(placed_ok, None)
    out["confidence"] = placed["confidence"].where(placed_ok, None)
    for col in ("lsoa11_code", "lsoa21_code"):
        out[col] = out[col].where(placed_ok, pd.NA).astype("string")
    return out[list(PLACE_COLUMNS)]


def place_grid(easting: pd.Series, northing: pd.Series, *,
               vintages: Vintages = VINTAGES) -> pd.DataFrame:
    """Place rows that give a British National Grid easting and northing (EPSG:27700, metres).

    Parameters
    ----------
    easting, northing
        Metres east and north of the grid's origin (same index), numbers or text (``"412,345"``
        with a thousands comma is read). Valid within 0–700,000 m east and 0–1,300,000 m north.
    vintages
        The LSOA vintages to place in (see :func:`place_points`).

    Returns
    -------
    DataFrame, same index, :data:`PLACE_COLUMNS`; ``lat``/``lon`` are the point in WGS84. Status
    as :func:`place_coordinates` (a value out of the grid's range is :data:`ST_OUTSIDE_GB`);
    ``placed_by`` is :data:`BY_GRID` (or :data:`BY_GRID_SNAP`).
    """
    e, bad_e = _read_numbers(easting, thousands=True)
    nn, bad_n = _read_numbers(northing, thousands=True)
    given = (e.notna() | nn.notna() | ~_is_blank(easting) | ~_is_blank(northing)).astype(bool)
    half = given & ~bad_e & ~bad_n & (e.isna() != nn.isna())
    in_grid = (e.between(0, 700_000) & nn.between(0, 1_300_000)).fillna(False).astype(bool)
    zero = ((e == 0) & (nn == 0)).fillna(False).astype(bool)
    use = in_grid & ~zero
    x = e.where(use).to_numpy(dtype=float)
    y = nn.where(use).to_numpy(dtype=float)
    la = np.full(len(x), np.nan)
    lo = np.full(len(x), np.nan)
    ok = np.isfinite(x) & np.isfinite(y)
    if ok.any():
        lo[ok], la[ok] = from_bng().transform(x[ok], y[ok])
    placed = _place_xy(x, y, vintages).set_axis(easting.index)
    lat_s = pd.Series(la, index=easting.index)
    lon_s = pd.Series(lo, index=easting.index)
    status = _point_status(lat_s, lon_s, placed, bad_e | bad_n, given, half)
    status[(e.notna() & nn.notna() & ~in_grid).to_numpy()] = ST_OUTSIDE_GB
    status[zero.to_numpy()] = ST_PLACEHOLDER_COORDS
    status[half.to_numpy(dtype=bool)] = ST_HALF_COORDS
    status[(bad_e | bad_n).to_numpy(dtype=bool)] = ST_UNREADABLE_COORDS
    status[~given.to_numpy(dtype=bool)] = ST_NO_INPUT
    no_swap = pd.Series(False, index=easting.index)
    return _point_frame(lat_s, lon_s, placed, status, no_swap, (BY_GRID, BY_GRID_SNAP))


def split_latlon(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Split a single ``"lat,lon"`` field (Give Food's ``latt_long``) into two numeric series."""
    parts = values.astype("string").str.extract(r"^\s*\(?\s*(-?\d+(?:\.\d+)?)\s*[,; ]\s*(-?\d+(?:\.\d+)?)")
    return pd.to_numeric(parts[0], errors="coerce"), pd.to_numeric(parts[1], errors="coerce")


# ----------------------------------------------------------------------------- postcodes
def _area(postcode_clean: pd.Series) -> pd.Series:
    """Postcode area: the letters at the start (``"B312LB"`` → ``"B"``, ``"NPT0AD"`` → ``"NPT"``)."""
    return postcode_clean.astype("string").str.extract(r"^([A-Z]+)", expand=False)


def place_postcodes_by_points(postcodes: pd.Series, *,
                              lookup: pd.DataFrame | None = None) -> pd.DataFrame:
    """Place postcodes point by point: the rules :func:`~needsmap.orgs.postcode_table.place_postcodes` applies, computed afresh.

    Each distinct postcode's NSPL centroid is put in the LSOA polygons here and now (both
    vintages' spatial indices are loaded). The prepared postcode table is built with these rules;
    this function is kept as the reference they are checked against. Parameters and result as
    :func:`~needsmap.orgs.postcode_table.place_postcodes`.
    """
    clean = normalise_postcode(postcodes)
    uniq = pd.Series(clean.dropna().unique(), dtype=object)
    u = place_distinct_postcodes(uniq.to_numpy(dtype=object))
    if lookup is not None and len(lookup):
        apply_lookup(u, lookup)
    return expand_to_rows(u, postcodes, clean)


#: columns of :func:`place_distinct_postcodes`
DISTINCT_COLUMNS = ("postcode_clean", "known", "lat", "lon", "lsoa11_code", "lsoa21_code",
                    "confidence", "placed_by", "status")


def place_distinct_postcodes(uniq: np.ndarray) -> pd.DataFrame:
    """Place distinct space-free postcodes by their NSPL centroids (no user lookup).

    Parameters
    ----------
    uniq
        Distinct postcodes as :func:`normalise_postcode` gives them (object array of str).

    Returns
    -------
    DataFrame indexed by ``uniq``, :data:`DISTINCT_COLUMNS`: ``known`` (in the NSPL centroids or
    the official codes), ``lat``/``lon`` (the centroid; NaN when none), the codes (None outside
    England), ``confidence``, ``placed_by`` (None when not placed) and ``status``.
    """
    table = postcode_lookup()
    pos = table.index.get_indexer(uniq)
    u = pd.DataFrame({"postcode_clean": uniq}, index=uniq)
    found = pos >= 0
    u["known"] = found
    u["lat"] = np.where(found, table["lat"].to_numpy()[np.maximum(pos, 0)], np.nan)
    u["lon"] = np.where(found, table["lon"].to_numpy()[np.maximum(pos, 0)], np.nan)
    placed = place_points(u["lat"], u["lon"])
    u["lsoa11_code"] = placed["lsoa11_code"].astype(object)
    u["lsoa21_code"] = placed["lsoa21_code"].astype(object)
    u["confidence"] = placed["confidence"].astype(object)
    u["placed_by"] = np.where(placed["snapped"], BY_POSTCODE_SNAP, BY_POSTCODE)
    area = _area(u["postcode_clean"])
    # a postcode area wholly in Wales or Scotland is never English, whatever the generalised
    # outlines say near the border
    geo_country = placed["country"].astype(object)
    geo_country = geo_country.where(~area.isin(_WHOLLY_WALES).fillna(False), "Wales")
    geo_country = geo_country.where(~area.isin(_WHOLLY_SCOTLAND).fillna(False), "Scotland")
    not_english = geo_country.isin(["Wales", "Scotland", "Northern Ireland"]).to_numpy(dtype=bool)
    u.loc[not_english, ["lsoa11_code", "lsoa21_code", "confidence"]] = None
    country = pd.Series(None, index=u.index, dtype=object)
    official = official_codes()
    from_official = np.zeros(len(u), dtype=bool)
    if official is not None and len(u):
        country, from_official = _apply_official(u, official)
    hit = (u["lsoa11_code"].notna() | u["lsoa21_code"].notna()).to_numpy(dtype=bool)
    u.loc[from_official & hit, "confidence"] = CONF_EXACT
    status = pd.Series(OK, index=u.index, dtype=object)
    if (~hit).any():
        where = _outside_label(u.loc[~hit, "postcode_clean"], u.loc[~hit, "lat"])
        # the countries' outlines, where they tell, beat the guess from the postcode area
        told = geo_country[~hit]
        told_ok = told.isin(["Wales", "Scotland", "Northern Ireland"])
        where = where.where(~told_ok.to_numpy(), told.to_numpy())
        status[~hit] = ("outside England (" + where + ")").where(where != _OFF_BOUNDARY, _OFF_BOUNDARY)
    status[(u["known"] & u["lat"].isna()).to_numpy(dtype=bool) & ~hit] = ST_NO_COORDS
    abroad = country.notna().to_numpy(dtype=bool) & ~hit
    status[abroad] = "outside England (" + country[abroad].astype(str) + ")"
    final_status(status, u["postcode_clean"], area, known=u["known"].to_numpy(dtype=bool), hit=hit)
    u["status"] = status
    u.loc[~hit, "placed_by"] = None
    u.loc[~hit, "confidence"] = None
    return u[list(DISTINCT_COLUMNS)]


def final_status(status: pd.Series, clean: pd.Series, area: pd.Series, *, known: np.ndarray,
                 hit: np.ndarray) -> None:
    """The last word on a postcode's status (in place): a postcode in neither lookup is "not
    found" (one in Northern Ireland says so), and one of the Isle of Man or the Channel Islands
    that is not placed says where it is.

    Parameters
    ----------
    status
        Status per distinct postcode (changed in place).
    clean, area
        The space-free postcodes and their areas (:func:`_area`), same index.
    known, hit
        Whether each postcode is in the NSPL centroids or official codes, and whether it was placed.
    """
    unknown = ~known
    status[unknown] = ST_NOT_FOUND
    ni = unknown & clean.astype("string").str.startswith("BT").fillna(False).to_numpy(dtype=bool)
    status[ni] = "outside England (Northern Ireland; not in the postcode lookup)"
    for code in ("IM", "JE", "GY"):
        status[(area == code).fillna(False).to_numpy(dtype=bool) & ~hit] = (
            f"outside England ({_OTHER[code]})")


def apply_lookup(u: pd.DataFrame, lookup: pd.DataFrame) -> np.ndarray:
    """Put a user's official NSPL/ONSPD lookup into distinct postcodes' placements (in place).

    Parameters
    ----------
    u
        :data:`DISTINCT_COLUMNS` indexed by space-free postcode (:func:`place_distinct_postcodes`).
    lookup
        From :func:`read_postcode_lookup`: ``lsoa11_code``/``lsoa21_code``, maybe ``lat``/``lon``.

    Returns
    -------
    Boolean array: the rows of ``u`` the lookup placed (its codes as they are, a missing vintage
    filled by :func:`needsmap.data.crosswalk.resolve_codes`, ``placed_by`` :data:`BY_EXACT`,
    ``confidence`` ``"exact"``, status ``"ok"``; the centroid kept, else the lookup's point).
    """
    ex = lookup.reindex(u.index)
    has = (ex["lsoa11_code"].notna() | ex["lsoa21_code"].notna()).to_numpy(dtype=bool)
    if not has.any():
        return has
    u.loc[has, "known"] = True
    l11, l21 = _fill_vintages(ex.loc[has, "lsoa11_code"].astype(object),
                              ex.loc[has, "lsoa21_code"].astype(object))
    u.loc[has, "lsoa11_code"], u.loc[has, "lsoa21_code"] = l11.to_numpy(), l21.to_numpy()
    for col in ("lat", "lon"):
        if col in ex.columns:
            u.loc[has, col] = u.loc[has, col].fillna(ex.loc[has, col])
    u.loc[has, "placed_by"] = BY_EXACT
    u.loc[has, "confidence"] = CONF_EXACT
    u.loc[has, "status"] = OK
    return has


def expand_to_rows(u: pd.DataFrame, postcodes: pd.Series, clean: pd.Series) -> pd.DataFrame:
    """Distinct postcodes' placements → one row per input postcode (:data:`PLACE_COLUMNS`),
    with the reason for each that is not a postcode (blank, placeholder text, invalid)."""
    out = u.reindex(clean.fillna("").to_numpy(dtype=object)).set_index(postcodes.index)
    out["postcode_clean"] = clean
    invalid = clean.isna()
    out.loc[invalid, "status"] = invalid_status(postcodes[invalid.to_numpy()]).to_numpy()
    for col in ("lsoa11_code", "lsoa21_code"):
        out[col] = out[col].astype("string")
    out["confidence"] = out["confidence"].astype(object).where(out["confidence"].notna(), None)
    return out[list(PLACE_COLUMNS)]


def invalid_status(postcodes: pd.Series) -> pd.Series:
    """Status of postcodes that are not valid: blank, placeholder text, or not a valid postcode."""
    status = pd.Series(ST_INVALID, index=postcodes.index, dtype=object)
    placeholder = postcodes.astype("string").str.match(_PLACEHOLDER, case=False).fillna(False)
    status[placeholder.astype(bool).to_numpy()] = ST_PLACEHOLDER
    status[_is_blank(postcodes).to_numpy()] = ST_NO_INPUT
    return status


def _apply_official(u: pd.DataFrame, official: OfficialCodes) -> tuple[pd.Series, np.ndarray]:
    """Put the official codes of the postcodes ``official`` lists into ``u`` (in place).

    Returns the country name of those it places outside England (None elsewhere) and which rows
    took their codes from the official file.
    """
    ex = official.find(u["postcode_clean"])
    found = ex["found"].to_numpy(dtype=bool)
    u.loc[found, "known"] = True
    ctry = ex["ctry_code"].astype("string")
    english = found & ctry.eq(ENGLAND).fillna(False).to_numpy(dtype=bool)
    is_lsoa = {c: ex[c].astype("string").str.startswith(LSOA_PREFIX).fillna(False).to_numpy(dtype=bool)
               for c in ("lsoa11_code", "lsoa21_code")}
    l21 = ex["lsoa21_code"].where(is_lsoa["lsoa21_code"], None)
    l11 = ex["lsoa11_code"].where(is_lsoa["lsoa11_code"], None)
    l11 = l11.fillna(l21.map(_nested_2011()))
    has = english & (l21.notna() | l11.notna()).to_numpy(dtype=bool)
    if has.any():
        # a 2021 LSOA merged from several 2011 ones: the centroid's own 2011 polygon decides,
        # when the centroid lies in the official 2021 LSOA
        agree = (u["lsoa21_code"].astype(object) == l21).fillna(False).to_numpy(dtype=bool)
        l11 = l11.where(l11.notna() | ~agree, u["lsoa11_code"].astype(object))
        f11, f21 = _fill_vintages(l11[has].astype(object), l21[has].astype(object))
        u.loc[has, "lsoa11_code"] = f11.to_numpy()
        u.loc[has, "lsoa21_code"] = f21.to_numpy()
        u.loc[has, "placed_by"] = (BY_OFFICIAL[:-1] + _terminated(ex.loc[has, "doterm"])
                                   + ")").to_numpy()
    # an English postcode the file lists without an LSOA keeps the centroid's placement; its
    # country is the file's word: never placed in an English LSOA when it says Wales or Scotland
    country = ctry.map(_COUNTRIES).astype(object).where(found, None)
    abroad = country.notna().to_numpy(dtype=bool)
    u.loc[abroad, "lsoa11_code"] = None
    u.loc[abroad, "lsoa21_code"] = None
    # the file says England: the outlines' or the postcode area's guess does not override it
    return country.where(abroad, None), has


# ----------------------------------------------------------------------------- did you mean
#: characters typed for one another (O/0, I/1, L/1, S/5, Z/2, B/8)
_CONFUSED = {"O": "0", "0": "O", "I": "1", "1": "IL", "L": "1", "S": "5", "5": "S", "Z": "2",
             "2": "Z", "B": "8", "8": "B"}
_CONFUSED_PAIRS = frozenset((ord(a), ord(b)) for a, bs in _CONFUSED.items() for b in bs)
_CONFUSED_MATRIX = np.zeros((256, 256), dtype=bool)
for _a, _b in _CONFUSED_PAIRS:
    _CONFUSED_MATRIX[_a, _b] = True
_SECTOR_WIDTH = 5  # outward code (at most 4 characters) + the inward digit
_PC_WIDTH = 7


def _sector_table() -> tuple[np.ndarray, np.ndarray]:
    """Every postcode of the centroids lookup, sorted by sector: sectors (``S5``), postcodes (``S7``)."""
    return _sector_table_at(*file_stamp(get_dataset("nspl_centroids").path))


@functools.lru_cache(maxsize=1)
def _sector_table_at(path: str, mtime_ns: int, size: int) -> tuple[np.ndarray, np.ndarray]:
    keys = np.asarray(postcode_lookup().index.to_numpy(dtype=str), dtype=f"S{_PC_WIDTH}")
    keys = keys[np.char.str_len(keys) >= 5]
    sectors = _sectors_of(keys)
    order = np.argsort(sectors, kind="stable")
    return sectors[order], keys[order]


def _squash(values: pd.Series) -> pd.Series:
    """Upper case with every character but letters and digits removed (NA kept)."""
    return _text(values).str.replace(r"[^A-Z0-9]", "", regex=True)


def _sectors_of(keys: np.ndarray) -> np.ndarray:
    """Space-free postcodes (``S7``) → their sectors (``S5``: all but the last two characters)."""
    mat = keys.view(np.uint8).reshape(-1, _PC_WIDTH)
    keep = np.arange(_PC_WIDTH) < (np.char.str_len(keys) - 2)[:, None]
    sec = np.ascontiguousarray(np.where(keep, mat, 0)[:, :_SECTOR_WIDTH])
    return sec.reshape(-1).view(f"S{_SECTOR_WIDTH}")


def suggest_postcodes(values: pd.Series) -> pd.Series:
    """"Did you mean": a real postcode one character off each postcode that is invalid or not found.

    A candidate is a postcode of the NSPL centroids lookup that differs from the typed one (spaces
    and punctuation removed, upper case) by one substituted character or two neighbouring
    characters swapped, and lies in the same sector (outward code and inward digit): the sector
    may differ only by one character typed for another (O/0, I/1, L/1, S/5, Z/2, B/8). Candidates
    are taken in tiers: a confused character first, then a swap, then any other substitution; a
    tier with exactly one candidate gives the suggestion, one with several gives none.

    Parameters
    ----------
    values
        Postcodes as typed, any dtype.

    Returns
    -------
    Series of dtype ``string``, same index: the suggestion in its usual form (``"B31 2LB"``), or
    ``<NA>`` where the postcode was found, is blank, or has no single near miss.

    Notes
    -----
    Vectorised per sector: each distinct typed value is compared with the (about twenty)
    postcodes of the sectors it could mean, as fixed-width byte arrays (sorted sectors searched by
    bisection).
    """
    squashed = _squash(values)
    result = pd.Series(pd.NA, index=values.index, dtype="string")
    table = postcode_lookup()
    typed = squashed.dropna()
    typed = typed[typed.str.len().between(5, _PC_WIDTH).to_numpy(dtype=bool)]
    uniq = np.asarray(pd.unique(typed.to_numpy(dtype=object)), dtype=object)
    uniq = uniq[table.index.get_indexer(uniq) < 0]
    if not len(uniq):
        return result
    t_bytes = np.asarray(uniq.astype(str), dtype=f"S{_PC_WIDTH}")
    t_len = np.char.str_len(t_bytes)
    t_mat = t_bytes.view(np.uint8).reshape(-1, _PC_WIDTH)
    # the sectors each typed value could mean: as typed, and with one confused character
    sec_ids = [np.arange(len(uniq))]
    sec_vals = [_sectors_of(t_bytes)]
    base = sec_vals[0].view(np.uint8).reshape(-1, _SECTOR_WIDTH)
    for i in range(_SECTOR_WIDTH):
        for wrong, right in _CONFUSED_PAIRS:
            sel = np.flatnonzero((base[:, i] == wrong) & (i < t_len - 2))
            if len(sel):
                alt = base[sel].copy()
                alt[:, i] = right
                sec_ids.append(sel)
                sec_vals.append(alt.reshape(-1).view(f"S{_SECTOR_WIDTH}"))
    ids = np.concatenate(sec_ids)
    want = np.concatenate(sec_vals)
    sectors, postcodes = _sector_table()
    lo = np.searchsorted(sectors, want, side="left")
    hi = np.searchsorted(sectors, want, side="right")
    n = hi - lo
    if not n.sum():
        return result
    who = np.repeat(ids, n)
    at = np.repeat(lo - np.cumsum(n) + n, n) + np.arange(n.sum())
    cand = postcodes[at]
    same_len = np.char.str_len(cand) == t_len[who]
    who, cand = who[same_len], cand[same_len]
    a = t_mat[who]
    b = cand.view(np.uint8).reshape(-1, _PC_WIDTH)
    diff = a != b
    ndiff = diff.sum(axis=1)
    rows = np.arange(len(a))
    first = diff.argmax(axis=1)
    nxt = np.minimum(first + 1, _PC_WIDTH - 1)
    one = ndiff == 1
    confused = one & _CONFUSED_MATRIX[a[rows, first], b[rows, first]]
    swap = ((ndiff == 2) & diff[rows, nxt] & (a[rows, first] == b[rows, nxt])
            & (a[rows, nxt] == b[rows, first]))
    tier = np.select([confused, swap, one], [0, 1, 2], 9)
    keep = tier < 9
    pairs = pd.DataFrame({"who": who[keep], "cand": cand[keep], "tier": tier[keep]})
    pairs = pairs.drop_duplicates(["who", "cand"])
    if pairs.empty:
        return result
    best = pairs.groupby("who")["tier"].transform("min")
    pairs = pairs[pairs["tier"] == best]
    single = pairs[pairs.groupby("who")["cand"].transform("size") == 1]
    chosen = pd.Series([c.decode() for c in single["cand"]], index=uniq[single["who"].to_numpy()],
                       dtype=object)
    pretty = chosen.str[:-3] + " " + chosen.str[-3:]
    mapped = squashed.astype(object).map(pretty.to_dict())
    result[:] = pd.array(mapped.to_numpy(dtype=object), dtype="string")
    return result


# ----------------------------------------------------------------------------- LSOA codes
def _lsoa_points(edition: Edition) -> pd.DataFrame:
    """The LSOA reference point of each LSOA of ``edition`` (:func:`needsmap.data.lsoa_points.
    reference_points`: the population-weighted centroid, else a point inside the polygon) in WGS84:
    ``lat``, ``lon`` (degrees) indexed by LSOA code. Where rows placed by LSOA code are drawn, the
    point Coverage gaps and Portfolio measure distances from."""
    stamps = tuple(file_stamp(get_dataset(i).path) for i in reference_point_datasets(LSOA_VINTAGE[edition]))
    return _lsoa_points_at(edition, stamps)


@functools.lru_cache(maxsize=2)
def _lsoa_points_at(edition: Edition, stamps: tuple[tuple[str, int, int], ...]) -> pd.DataFrame:
    ref = reference_points(load_boundaries(edition))
    lon, lat = from_bng().transform(ref["x"].to_numpy(dtype=float), ref["y"].to_numpy(dtype=float))
    return pd.DataFrame({"lat": np.asarray(lat, dtype=float), "lon": np.asarray(lon, dtype=float)},
                        index=ref.index.astype(str).to_numpy())


def place_lsoa_codes(codes: pd.Series) -> pd.DataFrame:
    """Place rows that give an LSOA code (2011 or 2021): :data:`PLACE_COLUMNS` per row.

    Both vintages come from :func:`needsmap.data.crosswalk.resolve_codes`: a 2011 code split in
    2021 takes the 2021 part with most residents and ``placed_by`` says so ("LSOA code (split in
    2021: most-populous part)"); a merged or redrawn one takes the 2021 LSOA (and, the other way,
    the 2011 part with most residents). ``confidence`` is ``"exact"``, or ``"uncertain"`` where a
    2011 code's most-populous 2021 part was chosen. ``lat``/``lon`` are the LSOA reference point of
    the LSOA 2021 (else of the LSOA 2011): the ONS population-weighted centroid, else a point inside
    the polygon (:func:`needsmap.data.lsoa_points.reference_points`), the point Coverage gaps and
    Portfolio measure from; not the organisation's address.
    """
    text = _text(codes).str.replace(r"\s", "", regex=True)
    # the codes of the boundaries, and the reference point of each (no spatial index)
    p11, p21 = _lsoa_points("2019"), _lsoa_points("2025")
    i11, i21 = p11.index, p21.index
    in11 = text.isin(i11).fillna(False).astype(bool)
    in21 = text.isin(i21).fillna(False).astype(bool)
    hit = in11 | in21
    r21 = resolve_codes(text.where(hit), to="lsoa21")
    r11 = resolve_codes(text.where(hit), to="lsoa11")
    l21 = text.where(in21).fillna(r21["code"].where(r21["code"].isin(i21))).astype(object)
    l11 = text.where(in11).fillna(r11["code"].where(r11["code"].isin(i11))).astype(object)
    l11, l21 = _fill_vintages(l11, l21)
    out = pd.DataFrame(index=codes.index)
    out["postcode_clean"] = pd.array([pd.NA] * len(out), dtype="string")
    lat = l21.map(p21["lat"]).fillna(l11.map(p11["lat"]))
    lon = l21.map(p21["lon"]).fillna(l11.map(p11["lon"]))
    out["lat"], out["lon"] = lat.astype(float), lon.astype(float)
    out["lsoa11_code"], out["lsoa21_code"] = l11.astype("string"), l21.astype("string")
    status = pd.Series(OK, index=out.index, dtype=object)
    status[~hit] = ST_BAD_LSOA
    status[_is_blank(codes)] = ST_NO_INPUT
    out["status"] = status
    how = r21["how"].where(in11 & ~in21, r11["how"].where(in21 & ~in11))
    by = pd.Series(BY_LSOA, index=out.index, dtype=object)
    translated = (how.notna() & how.ne(HOW_SAME)).fillna(False).to_numpy(dtype=bool)
    by[translated] = BY_LSOA + " (" + how[translated].astype(str) + ")"
    out["placed_by"] = by.where(hit, None)
    conf = pd.Series(CONF_EXACT, index=out.index, dtype=object)
    # an LSOA 2011 code split (or redrawn) in 2021 was given its most-populous 2021 part: a reasoned
    # guess, not an exact placement (a 2021 code is exact in 2021 terms, whatever its 2011 part)
    guessed = (in11 & ~in21) & r21["how"].isin([HOW_SPLIT_PART, HOW_IRREGULAR_PART]).fillna(False)
    conf[guessed.to_numpy(dtype=bool)] = CONF_UNCERTAIN
    out["confidence"] = conf.where(hit, None)
    return out[list(PLACE_COLUMNS)]


# ----------------------------------------------------------------------------- official lookup
_PC_COLS = ("pcds", "pcd", "pcd2", "pcd7", "pcd8", "postcode")
_L11_COLS = ("lsoa11", "lsoa11cd", "lsoa11_code")
_L21_COLS = ("lsoa21", "lsoa21cd", "lsoa21_code")


def postcode_lookup_from_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Turn an NSPL/ONSPD-style frame (``pcds``/``pcd`` and ``lsoa11``/``lsoa21``) into a lookup.

    Raises
    ------
    ValidationError
        No postcode column or no LSOA column.
    """
    cols = {c.lower().strip(): c for c in df.columns}
    pc = next((cols[c] for c in _PC_COLS if c in cols), None)
    l11 = next((cols[c] for c in _L11_COLS if c in cols), None)
    l21 = next((cols[c] for c in _L21_COLS if c in cols), None)
    if pc is None or (l11 is None and l21 is None):
        raise ValidationError(
            "This does not look like the official postcode lookup (NSPL or ONSPD): it needs a "
            "postcode column (pcds or pcd) and an LSOA column (lsoa11 and/or lsoa21). "
            f"Columns found: {', '.join(map(str, df.columns[:20]))}."
        )
    out = pd.DataFrame(index=normalise_postcode(df[pc]).to_numpy(dtype=object))
    for src, col in ((l11, "lsoa11_code"), (l21, "lsoa21_code")):
        vals = df[src].astype("string").str.strip() if src is not None else pd.Series(pd.NA, index=df.index)
        vals = vals.where(vals.str.startswith(LSOA_PREFIX).fillna(False).astype(bool))
        out[col] = vals.to_numpy()
    for names, col in ((("lat",), "lat"), (("long", "lon", "lng"), "lon")):
        src = next((cols[c] for c in names if c in cols), None)
        if src is not None:
            out[col] = pd.to_numeric(df[src], errors="coerce").to_numpy()
    out = out[out.index.notna()]
    return out[~out.index.duplicated()]


def read_postcode_lookup(path: str | Path) -> pd.DataFrame:
    """Read an official NSPL/ONSPD CSV as a lookup for :func:`~needsmap.orgs.postcode_table.place_postcodes` (``lookup=``)."""
    path = Path(path)
    try:
        head = pd.read_csv(path, nrows=0, encoding="utf-8-sig")
        want = [c for c in head.columns if c.lower().strip() in
                (*_PC_COLS, *_L11_COLS, *_L21_COLS, "lat", "long", "lon", "lng")]
        df = pd.read_csv(path, usecols=want, dtype=str, encoding="utf-8-sig")
    except (OSError, ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise ValidationError(f"Could not read the postcode lookup {path}: {exc}") from None
    return postcode_lookup_from_frame(df)


def looks_like_postcode_lookup(columns: pd.Index) -> bool:
    """True when a table's columns are those of NSPL/ONSPD (a postcode and an LSOA column)."""
    names = {str(c).lower().strip() for c in columns}
    return bool(names & {"pcds", "pcd", "pcd7", "pcd8"}) and bool(names & {"lsoa11", "lsoa21"})


__all__ = [
    "DATASET_USES",
    "BY_OFFICIAL",
    "GENERALISATION_METRES",
    "OK",
    "OUTSIDE_GB",
    "PLACE_COLUMNS",
    "OfficialCodes",
    "SNAP_METRES",
    "VINTAGES",
    "Vintages",
    "looks_like_postcode_lookup",
    "normalise_postcode",
    "official_codes",
    "pack_postcodes",
    "place_coordinates",
    "place_grid",
    "place_lsoa_codes",
    "place_points",
    "place_postcodes_by_points",
    "postcode_lookup",
    "postcode_lookup_from_frame",
    "read_postcode_lookup",
    "release_indices",
    "split_latlon",
    "suggest_postcodes",
    "unpack_postcodes",
]
