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
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from needsmap.data import load_boundaries, read_table
from needsmap.data._cache import cached, file_stamp
from needsmap.data.catalog import get_dataset
from needsmap.errors import ValidationError

#: a point outside every (generalised) LSOA polygon joins the nearest one within this distance
SNAP_METRES = 300.0
#: British National Grid, for distances in metres
BNG = "EPSG:27700"

OK = "ok"
ST_NO_INPUT = "no postcode, coordinates or LSOA code"
ST_INVALID = "not a valid postcode"
ST_PLACEHOLDER = "no postcode given (placeholder text)"
ST_NOT_FOUND = "postcode not found"
ST_NO_COORDS = "postcode has no coordinates (terminated or non-geographic)"
ST_BAD_COORDS = "coordinates not valid"
ST_COORDS_OUTSIDE = "coordinates outside England"
ST_BAD_LSOA = "LSOA code not recognised"
ST_OFF_BOUNDARY = "not in any English LSOA: centroid more than 300 m outside the boundaries"

#: how a row was placed (column ``placed_by``)
BY_POSTCODE = "postcode (NSPL centroid in LSOA boundary)"
BY_POSTCODE_SNAP = f"postcode (NSPL centroid; nearest LSOA within {SNAP_METRES:.0f} m)"
BY_EXACT = "postcode (official NSPL/ONSPD file: exact LSOA codes)"
#: placed by the data folder's ``nspl_codes`` (a terminated postcode adds "; terminated yyyy-mm")
BY_OFFICIAL = "postcode (official NSPL: exact LSOA codes)"
BY_COORDS = "coordinates"
BY_COORDS_SNAP = f"coordinates (nearest LSOA within {SNAP_METRES:.0f} m)"
BY_LSOA = "LSOA code"

#: UK postcode shape once spaces are removed (outward code + inward code), plus GIR 0AA
POSTCODE_PATTERN = re.compile(r"^(?:[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}|GIR0AA)$")
#: text people put where a postcode should be: "[Unknown]", "(none)", "n/a - mobile", "TBC" …
_PLACEHOLDER = r"^\s*(?:[\[\(<{].*[\]\)>}]|n/?a\b.*|none\b.*|unknown\b.*|tbc|tba|not known.*|no postcode.*|various.*|mobile.*)\s*$"
_MISSING_TOKENS = {"", "NA", "N/A", "NAN", "NONE", "NULL", "-", "--", "UNKNOWN", "0"}

_SCOTLAND = {"AB", "DD", "DG", "EH", "FK", "G", "HS", "IV", "KA", "KW", "KY", "ML", "PA", "PH", "ZE"}
_WALES = {"CF", "LD", "LL", "NP", "SA"}
#: postcode areas that straddle England's borders with Wales or Scotland (or old Newport codes)
_BORDER = {"CH", "SY", "HR", "GL", "TD", "CA", "NE", "NPT", "LD"}
#: an English postcode whose centroid is more than SNAP_METRES from every (generalised) LSOA
_OFF_BOUNDARY = ST_OFF_BOUNDARY
_OTHER = {"BT": "Northern Ireland", "IM": "Isle of Man", "JE": "Channel Islands",
          "GY": "Channel Islands"}
#: NSPL country codes -> name (England is E92000001)
ENGLAND = "E92000001"
_COUNTRIES = {"W92000004": "Wales", "S92000003": "Scotland", "N92000002": "Northern Ireland",
              "L93000001": "Channel Islands", "M83000003": "Isle of Man"}

PLACE_COLUMNS = ("postcode_clean", "lat", "lon", "lsoa11_code", "lsoa21_code", "status", "placed_by")


# ----------------------------------------------------------------------------- postcodes
def _text(values: pd.Series) -> pd.Series:
    """Values as upper-case strings with NA kept."""
    return values.astype("string").str.upper()


def normalise_postcode(values: pd.Series) -> pd.Series:
    """Postcodes as people type them → upper case with every space and punctuation mark removed.

    ``"b31 2lb."`` → ``"B312LB"``; ``" se16 2ja"`` → ``"SE162JA"``. Text that cannot be a UK
    postcode (wrong shape, placeholders such as ``"[Unknown]"``, blanks) becomes ``<NA>``.

    Parameters
    ----------
    values
        Postcodes, any dtype.

    Returns
    -------
    Series of dtype ``string``, same index.
    """
    squashed = _text(values).str.replace(r"[^A-Z0-9]", "", regex=True)
    valid = squashed.str.fullmatch(POSTCODE_PATTERN.pattern).fillna(False).astype(bool)
    return squashed.where(valid, pd.NA)


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

    frame = cached("nspl_lookup", [Path(path)], build)
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
        q = np.asarray([str(v).ljust(_KEY_WIDTH).encode() for v in clean],
                       dtype=f"S{_KEY_WIDTH}")
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


def official_codes() -> OfficialCodes | None:
    """The data folder's official postcode codes (``nspl_codes``), or None when it has none."""
    path = get_dataset("nspl_codes").path
    if not path.exists():
        return None
    return _official_codes_at(*file_stamp(path))


@functools.lru_cache(maxsize=1)
def _official_codes_at(path: str, mtime_ns: int, size: int) -> OfficialCodes:
    """Read ``nspl_codes`` column by column in Arrow (no Python object per postcode)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    text_type = pa.large_string()

    def column(name: str) -> pa.ChunkedArray:  # one column at a time keeps the peak low
        try:
            return pq.read_table(path, columns=[name])[name].cast(text_type)
        except (OSError, ValueError, KeyError, pa.ArrowException) as exc:
            raise ValidationError(
                f"The official postcode codes {path} could not be read ({type(exc).__name__}: "
                f"{str(exc)[:200]}): fetch them again with `needsmap data fetch --only nspl`."
            ) from None

    key = pc.utf8_upper(pc.replace_substring_regex(column("postcode"), r"\s+", ""))
    valid = pc.fill_null(pc.match_substring_regex(key, f"^[A-Z0-9]{{1,{_KEY_WIDTH - 1}}}$"), False)
    key = pc.filter(key, valid)
    order = pc.sort_indices(key)
    padded = pc.utf8_rpad(pc.take(key, order), width=_KEY_WIDTH, padding=" ")
    del key
    padded = padded.combine_chunks().cast(pa.large_binary())
    _, offsets, data = padded.buffers()
    start = int(np.frombuffer(offsets, dtype=np.int64)[padded.offset]) if len(padded) else 0
    keys = np.frombuffer(data or b"", dtype=f"S{_KEY_WIDTH}", count=len(padded),
                         offset=start).copy()
    del padded, offsets, data
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
class _LsoaIndex:
    """LSOA polygons of one vintage in British National Grid with an STRtree."""

    def __init__(self, edition: str) -> None:
        gdf = load_boundaries(edition).to_crs(BNG)  # type: ignore[arg-type]
        self.codes = gdf["lsoa_code"].astype(str).to_numpy(dtype=object)
        self.geoms = np.asarray(gdf.geometry.array)
        self.tree = shapely.STRtree(self.geoms)
        self.code_set = frozenset(self.codes)

    def locate(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """LSOA code for each point (None if none) and whether it was snapped to the nearest one."""
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
        rest = np.flatnonzero(valid & pd.isna(found))
        if len(rest):
            inp, tree_i = self.tree.query_nearest(points[rest], max_distance=SNAP_METRES,
                                                  all_matches=False)
            found[rest[inp]] = self.codes[tree_i]
            snapped[rest[inp]] = True
        return found, snapped


def _boundaries_stamp(edition: str) -> tuple[str, int, int]:
    return file_stamp(get_dataset("lsoa11_boundaries" if edition == "2019" else "lsoa21_boundaries").path)


def _lsoa_index(edition: str) -> _LsoaIndex:
    """The LSOA index of ``edition``, kept in memory per data folder and file version."""
    return _lsoa_index_at(edition, *_boundaries_stamp(edition))


@functools.lru_cache(maxsize=2)
def _lsoa_index_at(edition: str, path: str, mtime_ns: int, size: int) -> _LsoaIndex:
    return _LsoaIndex(edition)


@functools.lru_cache(maxsize=1)
def _to_bng() -> Transformer:
    return Transformer.from_crs("EPSG:4326", BNG, always_xy=True)


def _lookup_stamp() -> tuple[str, int, int]:
    return file_stamp(get_dataset("lsoa11_lsoa21_lookup").path)


def _vintage_lookup() -> tuple[pd.Series, pd.Series]:
    """Best-fit LSOA 2011 → 2021 and 2021 → 2011 (first listed), to fill a missing vintage."""
    return _vintage_lookup_at(*_lookup_stamp())


@functools.lru_cache(maxsize=1)
def _vintage_lookup_at(path: str, mtime_ns: int, size: int) -> tuple[pd.Series, pd.Series]:
    lk = read_table("lsoa11_lsoa21_lookup")
    a = lk.drop_duplicates("lsoa11_code").set_index("lsoa11_code")["lsoa21_code"]
    b = lk.drop_duplicates("lsoa21_code").set_index("lsoa21_code")["lsoa11_code"]
    return a.astype(str), b.astype(str)


def _nested_2011() -> dict[str, str]:
    """LSOA 2021 → its LSOA 2011 where the 2021 one is unchanged (U) or split (S) from it."""
    return _nested_2011_at(*_lookup_stamp())


@functools.lru_cache(maxsize=1)
def _nested_2011_at(path: str, mtime_ns: int, size: int) -> dict[str, str]:
    lk = read_table("lsoa11_lsoa21_lookup")
    lk = lk[lk["change_code"].isin(["U", "S"])]
    one = lk.groupby("lsoa21_code")["lsoa11_code"].transform("nunique") == 1
    lk = lk[one]
    return dict(zip(lk["lsoa21_code"].astype(str), lk["lsoa11_code"].astype(str), strict=True))


def _fill_vintages(l11: pd.Series, l21: pd.Series) -> tuple[pd.Series, pd.Series]:
    to21, to11 = _vintage_lookup()
    l21 = l21.fillna(l11.map(to21))
    l11 = l11.fillna(l21.map(to11))
    return l11, l21


# ----------------------------------------------------------------------------- points
def place_points(lat: pd.Series, lon: pd.Series) -> pd.DataFrame:
    """Put WGS84 points in LSOA 2011 and LSOA 2021 polygons (nearest within 300 m in slivers).

    Parameters
    ----------
    lat, lon
        Latitude and longitude in degrees (same index); NaN where unknown.

    Returns
    -------
    DataFrame, same index, with ``lsoa11_code``, ``lsoa21_code`` (``<NA>`` outside England) and
    ``snapped`` (True where the point was in no polygon and joined the nearest one).
    """
    la = pd.to_numeric(lat, errors="coerce").to_numpy(dtype=float)
    lo = pd.to_numeric(lon, errors="coerce").to_numpy(dtype=float)
    ok = np.isfinite(la) & np.isfinite(lo) & (np.abs(la) <= 90) & (np.abs(lo) <= 180)
    x = np.full(len(la), np.nan)
    y = np.full(len(la), np.nan)
    if ok.any():
        x[ok], y[ok] = _to_bng().transform(lo[ok], la[ok])
    pts = np.full(len(la), None, dtype=object)
    if ok.any():
        pts[ok] = shapely.points(x[ok], y[ok])
    out = pd.DataFrame(index=lat.index)
    codes21, snapped = _lsoa_index("2025").locate(pts)
    snapped &= pd.notna(codes21)
    # an LSOA 2021 that is unchanged (U) or split (S) from 2011 lies inside one LSOA 2011: take it
    # from the ONS lookup, so both vintages agree; only points in merged (M) or irregular (X) ones
    # or in no LSOA 2021 are looked up in the 2011 polygons
    nested = _nested_2011()
    codes11 = pd.Series(codes21, dtype=object).map(nested).to_numpy(dtype=object)
    rest = np.flatnonzero(pd.isna(codes11) & ~shapely.is_missing(pts))
    if len(rest):
        found, snap = _lsoa_index("2019").locate(pts[rest])
        codes11[rest] = found
        snapped[rest] |= snap & pd.notna(found) & pd.isna(codes21[rest])
    out["lsoa11_code"] = pd.array(codes11, dtype="string")
    out["lsoa21_code"] = pd.array(codes21, dtype="string")
    l11, l21 = _fill_vintages(out["lsoa11_code"], out["lsoa21_code"])
    out["lsoa11_code"], out["lsoa21_code"] = l11.astype("string"), l21.astype("string")
    out["snapped"] = snapped
    return out


def place_coordinates(lat: pd.Series, lon: pd.Series) -> pd.DataFrame:
    """Place rows that give coordinates: :data:`PLACE_COLUMNS` with a status per row.

    Latitude and longitude given the wrong way round (a British longitude in the latitude column)
    are swapped back.
    """
    la = pd.to_numeric(lat, errors="coerce")
    lo = pd.to_numeric(lon, errors="coerce")
    given = (la.notna() | lo.notna() | ~_is_blank(lat) | ~_is_blank(lon)).astype(bool)
    swapped = la.between(-9, 2.5) & lo.between(49, 61.5)
    la, lo = la.where(~swapped, lo), lo.where(~swapped, la)
    valid = la.between(-90, 90) & lo.between(-180, 180)
    la, lo = la.where(valid), lo.where(valid)
    placed = place_points(la, lo)
    out = pd.DataFrame(index=lat.index)
    out["postcode_clean"] = pd.array([pd.NA] * len(out), dtype="string")
    out["lat"], out["lon"] = la, lo
    out["lsoa11_code"], out["lsoa21_code"] = placed["lsoa11_code"], placed["lsoa21_code"]
    hit = placed["lsoa21_code"].notna() | placed["lsoa11_code"].notna()
    status = pd.Series(OK, index=out.index, dtype=object)
    where = _outside_label(out["postcode_clean"], la)
    status[~hit] = ST_COORDS_OUTSIDE + " (" + where[~hit].map(
        lambda w: f"probably {w}" if w in ("Wales", "Scotland") else w) + ")"
    status[(la.isna() | lo.isna()).to_numpy()] = ST_BAD_COORDS
    status[~given.to_numpy()] = ST_NO_INPUT
    out["status"] = status
    by = pd.Series(BY_COORDS, index=out.index, dtype=object)
    by[placed["snapped"].to_numpy()] = BY_COORDS_SNAP
    by[swapped.fillna(False).to_numpy()] = by[swapped.fillna(False).to_numpy()] + " (latitude/longitude swapped)"
    out["placed_by"] = by.where(hit, None)
    return out


def split_latlon(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Split a single ``"lat,lon"`` field (Give Food's ``latt_long``) into two numeric series."""
    parts = values.astype("string").str.extract(r"^\s*\(?\s*(-?\d+(?:\.\d+)?)\s*[,; ]\s*(-?\d+(?:\.\d+)?)")
    return pd.to_numeric(parts[0], errors="coerce"), pd.to_numeric(parts[1], errors="coerce")


# ----------------------------------------------------------------------------- postcodes
def place_postcodes(postcodes: pd.Series, *, lookup: pd.DataFrame | None = None) -> pd.DataFrame:
    """Place postcodes: NSPL centroid, then the LSOA 2011 and 2021 polygons containing it.

    Parameters
    ----------
    postcodes
        Postcodes as typed (any spacing, case, trailing punctuation).
    lookup
        Optional official NSPL/ONSPD extract from :func:`read_postcode_lookup` (indexed by
        space-free postcode with ``lsoa11_code``/``lsoa21_code``, maybe ``lat``/``lon``): its exact
        codes are used for the postcodes it holds (they win over those of ``nspl_codes``).

    Notes
    -----
    When the data folder has ``nspl_codes`` (:func:`official_codes`), a postcode it lists takes its
    codes from there (``placed_by`` :data:`BY_OFFICIAL`, plus "; terminated yyyy-mm" for a
    terminated one), and one whose country is not England is "outside England (<country>)". A
    missing LSOA 2011 code comes from the LSOA 2021 one where that was unchanged or split, else from
    the centroid's 2011 polygon when the centroid lies in the official 2021 LSOA, else the ONS
    best-fit lookup.

    Returns
    -------
    DataFrame, same index, with ``postcode_clean``, ``lat``, ``lon``, ``lsoa11_code``,
    ``lsoa21_code``, ``status`` (``"ok"`` or the reason in words) and ``placed_by``.
    """
    clean = normalise_postcode(postcodes)
    uniq = pd.Series(clean.dropna().unique(), dtype=object)
    table = postcode_lookup()
    pos = table.index.get_indexer(uniq.to_numpy(dtype=object))
    u = pd.DataFrame({"postcode_clean": uniq.to_numpy()}, index=uniq.to_numpy())
    found = pos >= 0
    u["known"] = found
    u["lat"] = np.where(found, table["lat"].to_numpy()[np.maximum(pos, 0)], np.nan)
    u["lon"] = np.where(found, table["lon"].to_numpy()[np.maximum(pos, 0)], np.nan)
    placed = place_points(u["lat"], u["lon"])
    u["lsoa11_code"], u["lsoa21_code"] = placed["lsoa11_code"], placed["lsoa21_code"]
    u["placed_by"] = np.where(placed["snapped"], BY_POSTCODE_SNAP, BY_POSTCODE)
    country = pd.Series(None, index=u.index, dtype=object)
    official = official_codes()
    if official is not None and len(u):
        country = _apply_official(u, official)
    if lookup is not None and len(lookup):
        ex = lookup.reindex(u.index)
        has = ex["lsoa11_code"].notna() | ex["lsoa21_code"].notna()
        u.loc[has, "known"] = True
        for col in ("lsoa11_code", "lsoa21_code"):
            u.loc[has, col] = ex.loc[has, col]
        for col in ("lat", "lon"):
            if col in ex.columns:
                u.loc[has, col] = u.loc[has, col].fillna(ex.loc[has, col])
        u.loc[has, "placed_by"] = BY_EXACT
    hit = u["lsoa11_code"].notna() | u["lsoa21_code"].notna()
    status = pd.Series(OK, index=u.index, dtype=object)
    if (~hit).any():
        where = _outside_label(u.loc[~hit, "postcode_clean"], u.loc[~hit, "lat"])
        status[~hit] = ("outside England (" + where + ")").where(where != _OFF_BOUNDARY, _OFF_BOUNDARY)
    status[u["known"] & u["lat"].isna() & ~hit] = ST_NO_COORDS
    abroad = country.notna() & ~hit
    status[abroad] = "outside England (" + country[abroad].astype(str) + ")"
    unknown = ~u["known"].astype(bool)
    status[unknown] = ST_NOT_FOUND
    ni = unknown & u["postcode_clean"].str.startswith("BT").astype(bool)
    status[ni] = "outside England (Northern Ireland; not in the postcode lookup)"
    area = u["postcode_clean"].str.extract(r"^([A-Z]+)", expand=False)
    for code in ("IM", "JE", "GY"):
        status[(area == code).to_numpy() & ~hit.to_numpy()] = f"outside England ({_OTHER[code]})"
    u["status"] = status
    u.loc[~hit, "placed_by"] = None

    out = u.reindex(clean.fillna("").to_numpy(dtype=object)).set_index(postcodes.index)
    out["postcode_clean"] = clean
    blank = _is_blank(postcodes)
    placeholder = postcodes.astype("string").str.match(_PLACEHOLDER, case=False).fillna(False)
    out.loc[clean.isna(), "status"] = ST_INVALID
    out.loc[clean.isna() & placeholder.astype(bool), "status"] = ST_PLACEHOLDER
    out.loc[clean.isna() & blank, "status"] = ST_NO_INPUT
    for col in ("lsoa11_code", "lsoa21_code"):
        out[col] = out[col].astype("string")
    return out[list(PLACE_COLUMNS)]


def _apply_official(u: pd.DataFrame, official: OfficialCodes) -> pd.Series:
    """Put the official codes of the postcodes ``official`` lists into ``u`` (in place).

    Returns the country name of those it places outside England (None elsewhere).
    """
    ex = official.find(u["postcode_clean"])
    found = ex["found"].to_numpy(dtype=bool)
    u.loc[found, "known"] = True
    ctry = ex["ctry_code"].astype("string")
    english = found & ctry.eq(ENGLAND).fillna(False).to_numpy(dtype=bool)
    is_lsoa = {c: ex[c].astype("string").str.startswith("E01").fillna(False).to_numpy(dtype=bool)
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
    country = ctry.map(_COUNTRIES).astype(object).where(found, None)
    abroad = country.notna().to_numpy(dtype=bool)
    u.loc[abroad, "lsoa11_code"] = None
    u.loc[abroad, "lsoa21_code"] = None
    return country.where(abroad, None)


# ----------------------------------------------------------------------------- LSOA codes
def _lsoa_points(edition: str) -> pd.DataFrame:
    """A point inside each LSOA (for drawing rows placed by LSOA code)."""
    return _lsoa_points_at(edition, *_boundaries_stamp(edition))


@functools.lru_cache(maxsize=2)
def _lsoa_points_at(edition: str, path: str, mtime_ns: int, size: int) -> pd.DataFrame:
    gdf = load_boundaries(edition)  # type: ignore[arg-type]
    pts = gdf.geometry.representative_point()
    return pd.DataFrame({"lat": pts.y.to_numpy(), "lon": pts.x.to_numpy()},
                        index=gdf["lsoa_code"].astype(str).to_numpy())


def place_lsoa_codes(codes: pd.Series) -> pd.DataFrame:
    """Place rows that give an LSOA code (2011 or 2021): :data:`PLACE_COLUMNS` per row.

    The point drawn on the map is a point inside the LSOA polygon, not the organisation's address.
    """
    text = _text(codes).str.replace(r"\s", "", regex=True)
    i11, i21 = _lsoa_index("2019").code_set, _lsoa_index("2025").code_set
    in11 = text.isin(i11).fillna(False).astype(bool)
    in21 = text.isin(i21).fillna(False).astype(bool)
    l11 = text.where(in11)
    l21 = text.where(in21)
    l11, l21 = _fill_vintages(l11.astype(object), l21.astype(object))
    out = pd.DataFrame(index=codes.index)
    out["postcode_clean"] = pd.array([pd.NA] * len(out), dtype="string")
    p21, p11 = _lsoa_points("2025"), _lsoa_points("2019")
    lat = l21.map(p21["lat"]).fillna(l11.map(p11["lat"]))
    lon = l21.map(p21["lon"]).fillna(l11.map(p11["lon"]))
    out["lat"], out["lon"] = lat.astype(float), lon.astype(float)
    out["lsoa11_code"], out["lsoa21_code"] = l11.astype("string"), l21.astype("string")
    hit = in11 | in21
    status = pd.Series(OK, index=out.index, dtype=object)
    status[~hit] = ST_BAD_LSOA
    status[_is_blank(codes)] = ST_NO_INPUT
    out["status"] = status
    out["placed_by"] = pd.Series(BY_LSOA, index=out.index, dtype=object).where(hit, None)
    return out


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
        vals = vals.where(vals.str.startswith("E01").fillna(False).astype(bool))
        out[col] = vals.to_numpy()
    for names, col in ((("lat",), "lat"), (("long", "lon", "lng"), "lon")):
        src = next((cols[c] for c in names if c in cols), None)
        if src is not None:
            out[col] = pd.to_numeric(df[src], errors="coerce").to_numpy()
    out = out[out.index.notna()]
    return out[~out.index.duplicated()]


def read_postcode_lookup(path: str | Path) -> pd.DataFrame:
    """Read an official NSPL/ONSPD CSV as a lookup for :func:`place_postcodes` (``lookup=``)."""
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
    "BY_OFFICIAL",
    "OK",
    "OfficialCodes",
    "SNAP_METRES",
    "looks_like_postcode_lookup",
    "normalise_postcode",
    "official_codes",
    "place_coordinates",
    "place_lsoa_codes",
    "place_points",
    "place_postcodes",
    "postcode_lookup",
    "postcode_lookup_from_frame",
    "read_postcode_lookup",
    "split_latlon",
]
