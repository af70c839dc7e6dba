"""Import any organisation list (CSV, Excel, 360Giving CSV/XLSX/JSON) and place every row.

Columns are found by their headers (``postcode``/``post code``/``pcd``/``zip``, ``name``/
``organisation``/``group``/``project``/``site name``, ``lat``/``latitude``, ``lon``/``lng``/
``longitude``, a single ``"lat,lon"`` field, British National Grid ``easting``/``northing`` (or ``X``/
``Y``, or a numeric grid reference), ``lsoa`` codes, GrantNav's numbered location columns,
``category``/``type``/``network``, charity number, ``closed``, the Charity Commission's registration
status) and can be overridden with ``column_map``. When there is no postcode column, a postcode at the
end of an address column is used (and a note says so). Encodings and delimiters are detected by
:mod:`needsmap.orgs.reading`.

Every input row comes out, placed or with the reason it was not. The most precise location in a row
wins (an LSOA code, postcode or point beats a ward, local-authority, region or country code); a row
known only at area level says so (``"local-authority level only (Birmingham)"``) and carries the
area's code and name from the ONS lookups. Rows that are not organisations (total rows, blank spacer
rows, fragments of a line broken by an unquoted line break) are kept, marked ``"not an organisation
(…)"`` and never counted. Duplicates and closed organisations are flagged, never dropped.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from needsmap.config import MAX_UPLOAD_ROWS
from needsmap.data._cache import file_stamp
from needsmap.data.catalog import get_dataset
from needsmap.data.loaders import read_table
from needsmap.errors import NeedsmapError, ValidationError
from needsmap.gss import LSOA_EW_PATTERN
from needsmap.orgs import geocode as gc
from needsmap.orgs import levels as lv
from needsmap.orgs import reading
from needsmap.orgs.columns import (
    LOCATION_ROLES,
    ROLE_LABELS,
    SYNONYMS,
    IndexedLocations,
    _is_360,
    _norm,
    detect_columns,
    indexed_locations,
)
from needsmap.orgs.postcode_table import place_postcodes
from needsmap.orgs.reading import Source, decode_text, read_table_file, sniff_delimiter
from needsmap.safe_text import printable

if TYPE_CHECKING:
    import geopandas as gpd

#: a progress callback: fraction done (0–1) and what is happening
Progress = Callable[[float, str], None]

#: standard columns every imported table carries (after the original ones). ``placement_level``: a
#: :mod:`~needsmap.orgs.levels` level (NA when nothing usable); ``confidence``: how sure an LSOA
#: placement is (NA unless placed); ``area_code``/``area_name``: the ward, local authority, region
#: or country of a row known only at that level (NA otherwise)
STANDARD_COLUMNS = (
    "source_row", "org_name", "org_category", "org_postcode", "org_charity_number", "org_closed",
    "lat", "lon", "lsoa11_code", "lsoa21_code", "status", "placed_by", "duplicate_of",
    "placement_level", "confidence", "area_code", "area_name",
)
#: extra columns of a 360Giving grants file: amount awarded (GBP), award date, the beneficiary area
#: code used (or the first given), the grant's 360Giving identifier and the recipient's identifier
GRANT_COLUMNS = ("amount", "award_date", "beneficiary_code", "grant_id", "recipient_id")

#: the column :mod:`~needsmap.orgs.reading` adds for rows that are not data (its reason, in words)
READ_ISSUE_COLUMN = reading.READ_ISSUE_COLUMN
#: status prefix of a row that is not an organisation: ``"not an organisation (a total row)"``
NOT_ORG = lv.NOT_ORG
ST_TOTAL_ROW = f"{NOT_ORG} (a total row)"

_TRUE = {"TRUE", "YES", "Y", "1", "CLOSED", "X", "T"}
_FALSE = {"", "FALSE", "NO", "N", "0", "OPEN", "NA", "N/A", "NAN", "NONE", "-", "F"}
#: Charity Commission ``charity_registration_status`` values meaning the charity is gone
_REMOVED = {"REMOVED", "DEREGISTERED", "DE-REGISTERED", "CLOSED", "DISSOLVED", "CEASED",
            "CEASED TO EXIST", "WOUND UP", "INACTIVE"}
#: a first cell that starts a total row: "Total", "TOTAL:", "Subtotal", "Sub-total", "Grand total",
#: "Total: 4 organisations", "Totals (March)" — not "Total Fitness Club" or "Totally Kids"
_TOTAL = re.compile(r"^\s*(?:grand\s*|sub\s*-?\s*)?totals?\s*(?:$|[:=(\-–—\d]|for\b|of\b|"
                    r"organi[sz]ations?\b|groups?\b|grants?\b|rows?\b|amount\b)", re.IGNORECASE)
#: a UK postcode at the end of a text (an address), maybe followed by punctuation
_TRAILING_POSTCODE = re.compile(
    r"(?:^|[^A-Z0-9])([A-Z]{1,2}[0-9][A-Z0-9]?\s*[0-9][A-Z]{2})[\s.,;:)\]]*$", re.IGNORECASE)
#: the words used in statuses for each area level ("local-authority level only (Birmingham)")
_AREA_WORDS = {lv.LEVEL_WARD: "ward", lv.LEVEL_LA: "local-authority", lv.LEVEL_REGION: "region",
               lv.LEVEL_COUNTRY: "country"}
#: an area code outside England: the country it belongs to
_OTHER_NATIONS = {"W": "Wales", "S": "Scotland", "N": "Northern Ireland"}
#: British National Grid extent (metres): values outside are not eastings/northings
_BNG_E, _BNG_N = (-10_000, 700_000), (-10_000, 1_300_000)


class ColumnsNotFoundError(ValidationError):
    """No column could be recognised as a postcode, coordinates or LSOA code."""

    def __init__(self, message: str, columns: list[str]) -> None:
        super().__init__(message)
        self.columns = columns


@dataclass
class ImportResult:
    """An imported organisation list: every input row with where it was placed, or why not.

    Attributes
    ----------
    table
        Every input row: the original columns (renamed ``"<name> (input)"`` where they clash with
        a standard one) and :data:`STANDARD_COLUMNS` (360Giving files add :data:`GRANT_COLUMNS`).
    detected
        Role → column used (``postcode``, ``name``, ``lat`` …), by the names in ``table``.
    kind
        ``"list"``, ``"360giving"`` or ``"postcode lookup"`` (an NSPL/ONSPD extract).
    notes
        What was detected or repaired (encoding, delimiter, skipped lines …), in words.
    unsure
        Roles whose column was a guess: the dashboard asks the user to confirm them.
    label
        What the list is, for captions (a default layer's title, or the file name).
    sheets, sheet, sheet_candidates
        For a workbook: every sheet's name, the sheet read, and the sheets that could hold a list
        (more than one: the user may choose another with ``sheet=``). Empty/None for other files.
    """

    table: pd.DataFrame
    detected: dict[str, str] = field(default_factory=dict)
    kind: str = "list"
    filename: str = ""
    notes: list[str] = field(default_factory=list)
    unsure: list[str] = field(default_factory=list)
    label: str = ""
    sheets: list[str] = field(default_factory=list)
    sheet: str | None = None
    sheet_candidates: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.label:
            self.label = self.filename or "organisation list"

    @property
    def placed(self) -> pd.DataFrame:
        """Rows placed in an English LSOA (``status == "ok"``)."""
        return self.table[self.table["status"] == gc.OK]

    @property
    def rejected(self) -> pd.DataFrame:
        """Rows that could not be placed (including rows that are not organisations), with the
        reason in ``status``."""
        return self.table[self.table["status"] != gc.OK]

    @property
    def not_organisations(self) -> pd.DataFrame:
        """Rows that are not organisations (total rows, blank spacer rows, broken-line fragments)."""
        return self.table[self.table["status"].str.startswith(NOT_ORG)]

    @property
    def organisations(self) -> pd.DataFrame:
        """Every row that is an organisation (placed or not)."""
        return self.table[~self.table["status"].str.startswith(NOT_ORG)]

    @property
    def columns(self) -> list[str]:
        """The original (input) columns, in file order."""
        std = set(STANDARD_COLUMNS) | set(GRANT_COLUMNS)
        return [str(c) for c in self.table.columns if c not in std]

    def points(self) -> gpd.GeoDataFrame:
        """The rows that have a point (``lat``/``lon``), every column kept, as points in WGS84
        (EPSG:4326); ``attrs["name"]`` is :attr:`label` (the GeoJSON export's name)."""
        import geopandas as gpd

        from needsmap.crs import WGS84

        t = self.table
        pts = t[(t["lat"].notna() & t["lon"].notna()).to_numpy()].reset_index(drop=True)
        frame = gpd.GeoDataFrame(pts, geometry=gpd.points_from_xy(pts["lon"], pts["lat"]), crs=WGS84)
        frame.attrs["name"] = self.label
        return frame

    def summary(self) -> pd.DataFrame:
        """Rows per status (``ok`` first, then the commonest reasons; rows that are not
        organisations last), with the share of all rows."""
        counts = self.table["status"].value_counts()
        order = [gc.OK] if gc.OK in counts.index else []
        order += [s for s in counts.index if s != gc.OK and not str(s).startswith(NOT_ORG)]
        order += [s for s in counts.index if str(s).startswith(NOT_ORG)]
        out = pd.DataFrame({"status": order, "rows": counts.reindex(order).to_numpy()})
        total = max(len(self.table), 1)
        out["share"] = (out["rows"] / total).round(4)
        return out

    def summary_text(self) -> str:
        """One line: how many organisations were placed, out of how many, plus flags (rows that are
        not organisations, duplicates, closed)."""
        k = len(self.placed)
        other = self.not_organisations
        if other.empty:
            n = len(self.table)
            pct = f" ({k / n:.0%})" if n else ""
            parts = [f"{k:,} of {n:,} rows placed in an English LSOA{pct}"]
        else:
            n = len(self.table) - len(other)
            pct = f" ({k / n:.0%})" if n else ""
            why = other["status"].str.slice(len(NOT_ORG) + 2, -1).value_counts()
            one = len(other) == 1
            parts = [f"{k:,} of {n:,} organisations placed in an English LSOA{pct}",
                     f"{len(other):,} more row{'' if one else 's'} "
                     f"{'is not an organisation' if one else 'are not organisations'}, not counted ("
                     + ", ".join(f"{c:,} {w}" for w, c in why.items()) + ")"]
        dups = int(self.table["duplicate_of"].notna().sum())
        if dups:
            parts.append(f"{dups:,} flagged as duplicates")
        closed = int(self.table["org_closed"].fillna(False).astype(bool).sum())
        if closed:
            parts.append(f"{closed:,} marked closed")
        return "; ".join(parts) + "."


# ----------------------------------------------------------------------------- small parsers
def _parse_closed(values: pd.Series) -> pd.Series:
    text = values.astype("string").str.strip().str.upper().fillna("")
    closed = text.isin(_TRUE) | text.str.match(r"^(19|20)\d\d").fillna(False)
    unknown = ~closed & ~text.isin(_FALSE)
    # anything else written there (e.g. "closed temporarily") counts as closed
    return (closed | unknown).astype(bool)


def _parse_removed(values: pd.Series) -> pd.Series:
    """True where a registration status says the charity was removed (Charity Commission)."""
    text = values.astype("string").str.strip().str.upper().fillna("")
    return text.isin(_REMOVED).astype(bool)


def _pretty_postcode(clean: pd.Series) -> pd.Series:
    return clean.str.slice(0, -3) + " " + clean.str.slice(-3)


def _blank_string(index: pd.Index) -> pd.Series:
    return pd.Series(pd.NA, index=index, dtype="string")


def postcode_at_end(addresses: pd.Series) -> pd.Series:
    """The postcode that ends each address (multi-line or comma-separated), or ``<NA>``.

    ``"Unit 4, Sample Street, London SE16 2JA"`` → ``"SE16 2JA"``; ``"…, TD15 1AA."`` → ``"TD15 1AA"``.

    Parameters
    ----------
    addresses
        Address cells, any dtype.

    Returns
    -------
    Series of dtype ``string``, same index: the postcode as written (upper case), else ``<NA>``.
    """
    text = addresses.astype("string").str.strip()
    found = text.str.extract(_TRAILING_POSTCODE, expand=False).astype("string").str.upper()
    return found.where(gc.normalise_postcode(found).notna(), pd.NA)


def _numbers(values: pd.Series) -> pd.Series:
    """Numbers as people type them (``"52,415"`` decimal comma, ``"402 313"``) → float (NaN)."""
    text = values.astype("string").str.strip().str.replace(r"\s+", "", regex=True)
    comma_decimal = text.str.fullmatch(r"-?\d+,\d+").fillna(False).astype(bool)
    text = text.where(~comma_decimal, text.str.replace(",", ".", regex=False))
    return pd.to_numeric(text, errors="coerce").astype(float)


_LETTERS = "ABCDEFGHJKLMNOPQRSTUVWXYZ"  # the grid's 25 letters (no I)


def split_grid_reference(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """A grid reference per row → British National Grid easting and northing in metres (NaN).

    Accepts a numeric pair (``"402313 279667"``, ``"402313,279667"``) or an Ordnance Survey
    lettered reference (``"SP 02313 79667"``, ``"SP0279"``: the centre of the square it names).
    """
    text = values.astype("string").str.upper().str.strip()
    pair = text.str.extract(r"^\(?\s*(\d{3,7}(?:\.\d+)?)\s*[,; ]\s*(\d{3,7}(?:\.\d+)?)\s*\)?$")
    east = pd.to_numeric(pair[0], errors="coerce").astype(float)
    north = pd.to_numeric(pair[1], errors="coerce").astype(float)
    lettered = text.str.replace(r"\s+", "", regex=True).str.extract(r"^([A-HJ-Z]{2})(\d{2,10})$")
    digits = lettered[1].astype(object)
    size = digits.str.len().fillna(1).to_numpy(dtype=int)
    todo = lettered[0].notna().to_numpy() & east.isna().to_numpy() & (size % 2 == 0)
    if todo.any():
        letter = {c: i for i, c in enumerate(_LETTERS)}
        l1 = lettered[0][todo].str.slice(0, 1).map(letter).to_numpy(dtype=np.int64)
        l2 = lettered[0][todo].str.slice(1, 2).map(letter).to_numpy(dtype=np.int64)
        # the 100 km square the letters name, then the digits' place in it (centre of its cell)
        e100 = ((l1 - 2) % 5) * 5 + (l2 % 5)
        n100 = (19 - (l1 // 5) * 5) - (l2 // 5)
        half = size[todo] // 2
        unit = 10 ** (5 - half)
        de, dn = np.zeros(len(half), dtype=np.int64), np.zeros(len(half), dtype=np.int64)
        d = digits[todo]
        for h in np.unique(half):  # at most five lengths
            at = half == h
            de[at] = d[at].str.slice(0, int(h)).astype(np.int64).to_numpy()
            dn[at] = d[at].str.slice(int(h)).astype(np.int64).to_numpy()
        rows = np.flatnonzero(todo)
        east.iloc[rows] = e100 * 100_000 + de * unit + unit / 2
        north.iloc[rows] = n100 * 100_000 + dn * unit + unit / 2
    return east, north


def _name_key(names: pd.Series) -> pd.Series:
    """A name as compared for duplicates: its words (runs of ``a-z0-9`` once lower-cased) run
    together, a first word "the" left out when another follows (``"The Food Bank (Ltd.)"`` →
    ``"foodbankltd"``); ``<NA>`` when nothing is left."""
    text = names.astype("string")
    arr = pa.array(text.array)
    arr = (arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr).cast(pa.string())
    low = pc.ascii_lower(arr)
    # for ASCII text, on the bytes (three regular expressions per name were slow): the letters
    # and digits, less a first word "the" that another word follows
    the = pc.fill_null(pc.match_substring_regex(low, r"^[^a-z0-9]*the[^a-z0-9]+[a-z0-9]"), False)
    joined = gc.keep_bytes(low, gc.LOWER_ALNUM)
    joined = pc.if_else(the, pc.utf8_slice_codeunits(joined, 3), joined)
    key = pd.Series(pd.array(pc.if_else(arr.is_valid(), joined, pa.scalar(None, pa.string())),
                             dtype=pd.StringDtype()), index=names.index, name=names.name)
    other = np.flatnonzero(~pc.fill_null(pc.string_is_ascii(arr), True).to_numpy(
        zero_copy_only=False))
    if len(other):  # Unicode lower case (K → k, İ → i̇ …): the text rules, as they were
        words = text.iloc[other].str.lower().str.replace(r"[^a-z0-9]+", " ", regex=True).str.strip()
        key.iloc[other] = words.str.replace(r"^the ", "", regex=True).str.replace(" ", "", regex=False)
    return key.where(key.str.len() > 0)


def flag_duplicates(table: pd.DataFrame) -> pd.Series:
    """``source_row`` of an earlier row for the same organisation, else ``<NA>``.

    Same organisation: the same normalised name and postcode (name alone when neither row has a
    postcode), or the same charity number at the same postcode. One charity number at different
    postcodes is a charity with several branches (food bank networks register many sites under one
    number), so those rows are not flagged.
    """
    rows = pd.Series(table["source_row"].to_numpy(), index=table.index)
    name = _name_key(table["org_name"])
    pc = gc.normalise_postcode(table["org_postcode"])
    # without a postcode, rows compare by name alone (e.g. grants to the same recipient)
    k1 = (name + "|" + pc.fillna("")).where(name.notna())
    num = table["org_charity_number"].astype("string").str.replace(r"\D", "", regex=True)
    # one charity number at several postcodes is a charity with branches (e.g. a food bank network),
    # not a repeat: the number counts only together with the postcode
    k2 = (num + "|" + pc.fillna("")).where(num.str.len().fillna(0).astype(int) >= 5)
    cands = []
    row_numbers = rows.to_numpy(dtype=np.int64)
    for key in (k1, k2):
        # the first row of each key (rows without a key have none)
        codes = pd.factorize(key)[0]
        has = codes >= 0
        firsts = np.full(int(codes.max()) + 1 if has.any() else 0, np.iinfo(np.int64).max)
        np.minimum.at(firsts, codes[has], row_numbers[has])
        first = pd.Series(np.where(has, firsts[np.maximum(codes, 0)] if len(firsts) else 0, np.nan),
                          index=rows.index)
        cands.append(first.where(first != rows))
    return pd.concat(cands, axis=1).min(axis=1).astype("Int64")


# ----------------------------------------------------------------------------- area names
#: the lookups :func:`area_names` reads
AREA_NAME_DATASETS = ("lsoa21_ward24_lookup", "ltla24_region24_lookup", "ltla21_region21_lookup",
                      "lsoa11_ltla21_lookup", "countries_gb")
#: what this module reads datasets for (:func:`needsmap.uses.dataset_uses`)
DATASET_USES: dict[str, str] = {
    i: "names of the areas an organisation list gives by GSS code" for i in AREA_NAME_DATASETS
}


def area_names() -> dict[str, str]:
    """GSS code → name for wards (2024), local authorities (2024 and 2021), regions and countries.

    From the ONS lookups in the data folder (``lsoa21_ward24_lookup``, ``ltla24_region24_lookup``,
    ``ltla21_region21_lookup``, ``lsoa11_ltla21_lookup``, ``countries_gb``); a lookup that is missing
    is left out (its codes are then shown as codes). Kept in memory per file version.
    """
    ids = AREA_NAME_DATASETS
    stamps = tuple(file_stamp(get_dataset(i).path) if get_dataset(i).path.exists() else None
                   for i in ids)
    return dict(_area_names_at(ids, stamps))


@functools.lru_cache(maxsize=2)
def _area_names_at(ids: tuple[str, ...], stamps: tuple[object, ...]) -> tuple[tuple[str, str], ...]:
    pairs = {
        "lsoa21_ward24_lookup": (("ward24_code", "ward24_name"), ("ltla24_code", "ltla24_name")),
        "ltla24_region24_lookup": (("ltla24_code", "ltla24_name"), ("region24_code", "region24_name")),
        "ltla21_region21_lookup": (("ltla21_code", "ltla21_name"), ("region21_code", "region21_name")),
        "lsoa11_ltla21_lookup": (("ltla21_code", "ltla21_name"),),
        "countries_gb": (("ctry_code", "ctry_name"),),
    }
    names: dict[str, str] = {}
    for dataset_id, stamp in zip(ids, stamps, strict=True):
        if stamp is None:
            continue
        try:
            frame = read_table(dataset_id)
        except NeedsmapError:  # a damaged optional lookup: its codes stay codes
            continue
        for code_col, name_col in pairs[dataset_id]:
            part = frame[[code_col, name_col]].dropna().drop_duplicates(code_col)
            for code, name in zip(part[code_col].astype(str), part[name_col].astype(str), strict=True):
                names.setdefault(code.strip().upper(), name.strip())
    return tuple(names.items())


# ----------------------------------------------------------------------------- placing
@dataclass
class _Plan:
    """Which columns give a location, per kind, for :func:`_place`."""

    detected: dict[str, str]
    indexed: IndexedLocations
    postcodes: pd.Series | None = None  # the postcode per row (from a column or an address)
    postcode_from_address: str | None = None
    easting: pd.Series | None = None
    northing: pd.Series | None = None


def _place(df: pd.DataFrame, plan: _Plan, *, kind: str, lookup: pd.DataFrame | None,
           progress: Progress | None, vintages: gc.Vintages = gc.VINTAGES) -> pd.DataFrame:
    """Place each row at the most precise level it gives.

    Order: an LSOA code column, the postcode, coordinates, grid coordinates, numbered 360Giving
    points and LSOA codes; a row none of these places in an English LSOA is then known at the most
    precise area (ward, local authority, region, country) any of its area codes names.
    """
    detected = plan.detected
    idx = df.index
    res = pd.DataFrame(index=idx)
    res["postcode_clean"] = _blank_string(idx)
    res["lat"] = np.nan
    res["lon"] = np.nan
    res["lsoa11_code"] = _blank_string(idx)
    res["lsoa21_code"] = _blank_string(idx)
    res["status"] = pd.Series(gc.ST_NO_INPUT, index=idx, dtype=object)
    res["placed_by"] = pd.Series(None, index=idx, dtype=object)
    res["placement_level"] = pd.Series(None, index=idx, dtype=object)
    res["confidence"] = pd.Series(None, index=idx, dtype=object)
    res["area_code"] = pd.Series(None, index=idx, dtype=object)
    res["area_name"] = pd.Series(None, index=idx, dtype=object)
    res["code_used"] = pd.Series(None, index=idx, dtype=object)

    def take(part: pd.DataFrame, level: str, *,
             reason_if: Callable[[pd.Series], pd.Series] | None = None) -> None:
        # by position: ``part``'s rows are rows of ``res`` (a label lookup per column was slow)
        at = res.index.get_indexer(part.index)
        ok = (part["status"] == gc.OK).to_numpy(dtype=bool)
        status = res["status"].to_numpy(dtype=object)
        new = ok & (status[at] != gc.OK)
        source = np.full(len(res), -1)  # for each row of ``res``, the row of ``part`` it takes
        source[at[new]] = np.flatnonzero(new)
        cols = ["lat", "lon", "lsoa11_code", "lsoa21_code", "placed_by"]
        cols += ["confidence"] if "confidence" in part.columns else []
        for col in cols:
            res[col] = _scatter(res[col], part[col], source)
        column = res.columns.get_loc
        res.iloc[at[new], column("status")] = gc.OK
        res.iloc[at[new], column("placement_level")] = level
        # remember a better reason for rows still not placed
        bad = ~ok
        cur = status[at[bad]]
        theirs = part["status"].to_numpy(dtype=object)[bad]
        replace = (cur == gc.ST_NO_INPUT) & (theirs != gc.ST_NO_INPUT)
        if reason_if is not None:
            replace = replace | reason_if(pd.Series(cur, dtype=object)).to_numpy(dtype=bool)
        res.iloc[at[bad][replace], column("status")] = theirs[replace]

    def pending() -> np.ndarray:
        return (res["status"] != gc.OK).to_numpy()

    def report(frac: float, msg: str) -> None:
        if progress is not None:
            progress(frac, msg)

    def prefixed(part: pd.DataFrame, prefix: str) -> pd.DataFrame:
        part["placed_by"] = part["placed_by"].where(part["placed_by"].isna(),
                                                    prefix + part["placed_by"].astype(str))
        return part

    lsoa_cols = [detected[r] for r in ("lsoa21", "lsoa11", "lsoa") if r in detected]
    if lsoa_cols:
        report(0.15, "Placing rows by LSOA code…")
        codes = df[lsoa_cols[0]].astype("string")
        for c in lsoa_cols[1:]:
            codes = codes.where(~gc._is_blank(codes), df[c].astype("string"))
        part = gc.place_lsoa_codes(codes)
        if "lsoa11" in detected and "lsoa21" in detected:  # NSPL/ONSPD style: both exact
            p11 = gc.place_lsoa_codes(df[detected["lsoa11"]])
            part["lsoa11_code"] = p11["lsoa11_code"].where(p11["status"] == gc.OK, part["lsoa11_code"])
        if kind == "postcode lookup":
            part["placed_by"] = part["placed_by"].where(part["status"] != gc.OK, gc.BY_EXACT)
        take(part, lv.LEVEL_LSOA)

    if plan.postcodes is not None:
        raw = plan.postcodes
        res["postcode_clean"] = gc.normalise_postcode(raw)  # every row's, placed or not
        todo = pending()
        if todo.any():
            from needsmap.orgs.postcode_table import table_ready

            n = int(todo.sum())
            report(0.2, f"Placing {n:,} postcodes…" if table_ready() else
                   f"Placing {n:,} postcodes (a large list prepares the postcode table first: "
                   "about a minute, once)…")
            # only the rows not placed yet: rows placed by LSOA code neither count towards
            # preparing the postcode table nor are placed point by point without it
            part = place_postcodes(raw[todo], lookup=lookup)
            if plan.postcode_from_address:
                part = prefixed(part, f"address column '{plan.postcode_from_address}': ")
            take(part, lv.LEVEL_POSTCODE, reason_if=lambda cur: cur == gc.ST_BAD_LSOA)
            # a postcode's own coordinates are kept even when it is outside England (for the record)
            miss = part.index[(part["status"] != gc.OK).to_numpy()]
            res.loc[miss, "lat"] = res.loc[miss, "lat"].fillna(part.loc[miss, "lat"])
            res.loc[miss, "lon"] = res.loc[miss, "lon"].fillna(part.loc[miss, "lon"])

    def by_points(lat: pd.Series, lon: pd.Series, prefix: str = "") -> None:
        todo = pending()
        if not todo.any():
            return
        prior = res.loc[todo, "status"]
        part = gc.place_coordinates(lat[todo], lon[todo], vintages=vintages)
        if prefix:
            part = prefixed(part, prefix)
        fell_back = part["status"].eq(gc.OK) & ~prior.isin([gc.ST_NO_INPUT, gc.ST_BAD_LSOA])
        part.loc[fell_back, "placed_by"] = (part.loc[fell_back, "placed_by"].astype(str)
                                            + "; postcode: " + prior[fell_back].astype(str))
        take(part, lv.LEVEL_POINT)

    lat = lon = None
    if "latlon" in detected:
        lat, lon = gc.split_latlon(df[detected["latlon"]])
    if "lat" in detected and "lon" in detected:
        la, lo = df[detected["lat"]], df[detected["lon"]]
        lat = la if lat is None else la.where(~gc._is_blank(la), lat)
        lon = lo if lon is None else lo.where(~gc._is_blank(lo), lon)
    if lat is not None and lon is not None:
        report(0.85, "Placing rows by coordinates…")
        by_points(lat, lon, "beneficiary location " if kind == "360giving" else "")

    if plan.easting is not None and plan.northing is not None:
        report(0.87, "Placing rows by grid coordinates (easting/northing)…")
        todo = pending()
        if todo.any():
            part = gc.place_grid(plan.easting[todo], plan.northing[todo], vintages=vintages)
            take(part, lv.LEVEL_POINT)

    for lat_col, lon_col, which in plan.indexed.points:
        by_points(df[lat_col], df[lon_col], f"{which}: ")

    # every area code a row gives (numbered 360Giving locations, an area-code column), in order
    code_cols: list[tuple[str, str]] = list(plan.indexed.codes)
    if "beneficiary_code" in detected and detected["beneficiary_code"] not in {c for c, _ in code_cols}:
        code_cols.insert(0, (detected["beneficiary_code"], f"area code column '{detected['beneficiary_code']}'"))
    if not code_cols:
        return res
    codes = pd.DataFrame({i: df[c].astype("string").str.strip().str.upper().str.replace(
        r"\s+", "", regex=True) for i, (c, _) in enumerate(code_cols)}, index=idx)
    report(0.9, "Placing rows by area codes…")
    for i, (_col, which) in enumerate(code_cols):  # LSOA codes, in the file's order
        code = codes[i]
        sel = pending() & code.str.fullmatch(LSOA_EW_PATTERN).fillna(False).to_numpy(dtype=bool)
        if sel.any():
            part = prefixed(gc.place_lsoa_codes(code[sel]), f"{which}: ")
            before = res.loc[sel, "status"].copy()
            take(part, lv.LEVEL_LSOA)
            now_ok = (res.loc[sel, "status"] == gc.OK) & (before != gc.OK)
            res.loc[now_ok[now_ok].index, "code_used"] = code[sel][now_ok].to_numpy()
    # rows still not placed: the most precise area any code names
    rank = {level: r for r, level in enumerate(lv.LEVELS) if level != lv.LEVEL_LSOA}
    levels_by_prefix = {p: rank[level] for p, level in lv.GSS_LEVELS.items() if level in rank}
    best = pd.Series(None, index=idx, dtype=object)
    best_rank = np.full(len(idx), len(lv.LEVELS))
    best_which = pd.Series(None, index=idx, dtype=object)
    for i, (_col, which) in enumerate(code_cols):
        values = codes[i].astype(object).where(codes[i].notna(), None)
        # the level of each code by its GSS prefix (codes are stripped, upper case, spaceless)
        r = np.array(values.str.slice(0, 3).map(levels_by_prefix).fillna(len(lv.LEVELS)), dtype=int)
        r[(values.isna() | (values == "")).to_numpy()] = len(lv.LEVELS)
        better = r < best_rank
        best[better] = values[better].to_numpy()
        best_which[better] = which
        best_rank[better] = r[better]
    area_rows = pending() & best.notna().to_numpy()
    if area_rows.any():
        _area_level(res, df, area_rows, best, best_which, plan.indexed.names)
    return res


def _area_level(res: pd.DataFrame, df: pd.DataFrame, rows: np.ndarray, best: pd.Series,
                best_which: pd.Series, name_columns: Mapping[str, str]) -> None:
    """Rows known only by an area code (``rows``: a mask): its level, code and ONS name, and a
    status saying so ("local-authority level only (Birmingham)"), in ``res`` (in place).

    Where the file names the area otherwise than ONS does, the status keeps the file's name (what
    its owner recognises) and ``placed_by`` states the mismatch; a Welsh, Scottish or Northern
    Irish code is "outside England (…)"; an earlier postcode's reason is kept in ``placed_by`` and,
    when it said "outside England", in ``status``.
    """
    names = area_names()
    code = best[rows].astype(str)
    which = best_which[rows].astype(str)
    level = code.str.slice(0, 3).map(lv.GSS_LEVELS).fillna("")
    words = level.map(lambda x: _AREA_WORDS.get(x, x))
    name = code.map(names).fillna(code)
    prior = res.loc[rows, "status"].astype(str)
    said = pd.Series("", index=code.index, dtype=object)
    for source, col in name_columns.items():
        at = (which == source).to_numpy()
        if at.any():
            said[at] = [str(v).strip() for v in df.loc[rows, col][at]]
    # the file gives another name than ONS's for a code ONS names (Python's case rules, as typed)
    other = np.array([bool(s) and s.lower() not in ("nan", "<na>", n.lower()) and c in names
                      for s, n, c in zip(said, name, code, strict=True)], dtype=bool)
    shown = name.copy()
    shown[other] = [printable(v, limit=60) for v in said[other]]
    how = which + " (" + words + " code " + code + ")"
    how[other] = (how[other] + "; the file names it '" + shown[other] + "', but ONS code "
                  + code[other] + " is " + name[other] + ": check which was meant")
    with_prior = ~prior.isin([gc.ST_NO_INPUT, gc.ST_BAD_LSOA]).to_numpy()
    how[with_prior] = how[with_prior] + "; postcode: " + prior[with_prior]
    nation = code.str.slice(0, 1).map(_OTHER_NATIONS)
    abroad = (nation.notna() & ~code.str.startswith("K")).to_numpy()
    keep = prior.str.startswith("outside England").to_numpy()
    status = prior.to_numpy(dtype=object).copy()
    status[~abroad & ~keep] = (words + " level only (" + shown + ")")[~abroad & ~keep].to_numpy()
    status[abroad] = ("outside England (" + nation[abroad] + ")").to_numpy()
    for col, values in (("placement_level", level), ("area_code", code), ("area_name", name),
                        ("code_used", code), ("placed_by", how)):
        res.loc[rows, col] = values.to_numpy(dtype=object)
    res.loc[rows, "status"] = status


def _scatter(current: pd.Series, values: pd.Series, source: np.ndarray) -> pd.Series:
    """``current`` with each row where ``source`` >= 0 replaced by ``values`` at that position
    (same dtype as ``current``; Arrow's kernels for Arrow-backed text, numpy otherwise)."""
    take = source >= 0
    if not take.any():
        return current
    if isinstance(current.dtype, pd.StringDtype) and current.dtype.storage == "pyarrow":
        def arrow(s: pd.Series) -> pa.Array:
            a = pa.array(s.astype(current.dtype).array)
            return a.combine_chunks() if isinstance(a, pa.ChunkedArray) else a
        picked = pc.take(arrow(values), pa.array(np.where(take, source, 0)))
        merged = pc.if_else(pa.array(take), picked, arrow(current))
        return pd.Series(pd.array(merged, dtype=current.dtype), index=current.index)
    out = current.to_numpy(copy=True)
    out[take] = values.to_numpy(dtype=out.dtype)[source[take]]
    return pd.Series(out, index=current.index, dtype=current.dtype)


def _nothing_found(columns: list[str]) -> ColumnsNotFoundError:
    return ColumnsNotFoundError(
        "No column looks like a postcode, coordinates (latitude and longitude, or easting and "
        "northing) or an LSOA code. "
        f"Columns found: {', '.join(printable(c, limit=60) for c in columns[:30])}. Name the postcode "
        "column (the column mapping on the Organisations page, or --column postcode=NAME, "
        "--column lat=NAME --column lon=NAME on the command line), or rename it 'postcode'.",
        columns)


def _unique_names(columns: list[object]) -> list[str]:
    """Column names as text, each unique: a repeated ``name`` becomes ``name (2)``."""
    out: list[str] = []
    seen: set[str] = set()
    for c in columns:
        base = str(c)
        name, k = base, 1
        while name in seen:
            k += 1
            name = f"{base} ({k})"
        seen.add(name)
        out.append(name)
    return out


def _looks_like_degrees(east: pd.Series, north: pd.Series) -> bool:
    e, n = _numbers(east).dropna(), _numbers(north).dropna()
    if e.empty or n.empty:
        return False
    return bool(e.between(-9, 2.5).mean() > 0.8 and n.between(49, 61.5).mean() > 0.8)


def _grid_roles(work: pd.DataFrame, detected: dict[str, str], explicit: set[str],
                notes: list[str]) -> None:
    """Check easting/northing columns found by a short header (``X``/``Y``, ``East``/``North``):
    values in degrees are longitude/latitude; values outside the British National Grid are dropped."""
    if "easting" not in detected or "northing" not in detected or {"easting", "northing"} & explicit:
        return
    e_col, n_col = detected["easting"], detected["northing"]
    if _norm(e_col).startswith("east") and _norm(n_col).startswith("north"):
        return
    if _looks_like_degrees(work[e_col], work[n_col]):
        del detected["easting"], detected["northing"]
        if "lat" not in detected and "lon" not in detected:
            detected["lon"], detected["lat"] = e_col, n_col
            notes.append(f"the columns '{e_col}'/'{n_col}' hold longitude/latitude in degrees")
        return
    e, n = _numbers(work[e_col]).dropna(), _numbers(work[n_col]).dropna()
    if e.empty or not (e.between(*_BNG_E).mean() > 0.8 and n.between(*_BNG_N).mean() > 0.8):
        del detected["easting"], detected["northing"]


def _as_text(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """``frame`` (a shallow copy) with ``columns`` that hold only text as ``string`` columns: the
    same values (``astype("string")`` is what each use did), converted to Arrow once."""
    out = frame.copy(deep=False)
    for col in dict.fromkeys(columns):
        if col in out.columns and pd.api.types.is_object_dtype(out[col].dtype) and \
                pd.api.types.infer_dtype(out[col], skipna=True) in ("string", "empty"):
            out[col] = out[col].astype("string")
    return out


def _total_rows(work: pd.DataFrame, detected: dict[str, str], location_cols: list[str]) -> np.ndarray:
    """Rows whose name (or first cell) starts with Total/Subtotal/Grand total and that give no
    location."""
    first = work.iloc[:, 0].astype("string")
    name = work[detected["name"]].astype("string") if "name" in detected else first
    label = name.where(~gc._is_blank(name), first)
    # the pattern is matched in Python, value by value: only labels that say "total" can match
    maybe = label.str.contains("total", case=False, regex=False).fillna(False).to_numpy(dtype=bool)
    is_total = np.zeros(len(label), dtype=bool)
    if maybe.any():
        is_total[maybe] = label[maybe].str.match(_TOTAL).fillna(False).to_numpy(dtype=bool)
    if location_cols and is_total.any():
        blank = np.column_stack([gc._is_blank(work[c]).to_numpy(dtype=bool) for c in location_cols])
        is_total &= blank.all(axis=1)
    return is_total


def import_frame(df: pd.DataFrame, *, column_map: Mapping[str, str | None] | None = None,
                 progress: Progress | None = None, lookup: pd.DataFrame | None = None,
                 filename: str = "", notes: list[str] | None = None,
                 vintages: gc.Vintages = gc.VINTAGES) -> ImportResult:
    """Place every row of an organisation list already read into a frame.

    Parameters
    ----------
    df
        The list, one organisation (or grant) per row, original columns (names may repeat). A
        ``READ_ISSUE_COLUMN`` from the reader marks rows that are not data. ``df.attrs`` may carry
        ``sheets``/``sheet``/``sheet_candidates`` (copied into the result).
    column_map
        Role → column overrides (roles: see :data:`ROLE_LABELS`); ``None``/``""`` unsets a role
        (``{"address": ""}`` declines a postcode found inside the address: such rows are then
        refused with that reason).
    progress
        Called with (fraction done, message) while placing.
    lookup
        An official NSPL/ONSPD lookup (:func:`needsmap.orgs.geocode.read_postcode_lookup`).
    vintages
        The LSOA vintages rows given by coordinates or grid references are placed in (default
        both; see :func:`needsmap.orgs.geocode.place_points`): a caller that needs one vintage
        only (``("lsoa21",)``) spares the other's polygons. Postcodes and LSOA codes always get
        both vintages.

    Returns
    -------
    ImportResult
        ``table`` has one row per input row, in order: the original columns then
        :data:`STANDARD_COLUMNS` (and :data:`GRANT_COLUMNS` for 360Giving files).

    Raises
    ------
    ColumnsNotFoundError
        No column is a postcode, coordinates, grid reference, LSOA or area code, or an address
        ending in a postcode (and none was named in ``column_map``).
    ValidationError
        The frame is empty, too long, or ``column_map`` names a column that is not there.
    """
    notes = list(notes or [])
    if len(df) == 0:
        raise ValidationError("The list has no rows: there is nothing to import.")
    if len(df.columns) == 0:
        said = f" ({printable('; '.join(notes), limit=300)})" if notes else ""
        raise ValidationError(f"The list has {len(df):,} row(s), but none of their fields could be "
                              f"read{said}. Check the file's format.")
    if len(df) > MAX_UPLOAD_ROWS:
        raise ValidationError(f"The list has {len(df):,} rows; the most accepted is {MAX_UPLOAD_ROWS:,}.")
    attrs = dict(df.attrs or {})
    original = df.copy()
    original.attrs = {}
    original.columns = _unique_names(list(original.columns))
    issues: pd.Series | None = None
    if READ_ISSUE_COLUMN in original.columns:
        issues = original.pop(READ_ISSUE_COLUMN).reset_index(drop=True)
    original = original.reset_index(drop=True)
    columns = list(original.columns)
    std = set(STANDARD_COLUMNS) | set(GRANT_COLUMNS)
    renames = {c: f"{c} (input)" for c in columns if c in std}
    back = {v: k for k, v in renames.items()}
    # detect on the names as they are in the file (lat, lsoa21_code … are what they say)
    detected, unsure = detect_columns(columns)
    kind = "360giving" if _is_360(columns) else "list"
    if gc.looks_like_postcode_lookup(pd.Index(columns)):
        kind = "postcode lookup"
        notes.append("this file carries LSOA codes from the official postcode lookup (NSPL/ONSPD): "
                     "they are used as they are")
    if kind == "360giving":
        notes.append("360Giving grants file: placed by the recipient's postcode, else the most "
                     "precise beneficiary or recipient location")
    declined: set[str] = set()
    explicit: set[str] = set()
    for role, col in (column_map or {}).items():
        if role not in ROLE_LABELS:
            raise ValidationError(f"Unknown column role '{role}'; roles are {', '.join(ROLE_LABELS)}.")
        if not col:
            detected.pop(role, None)
            declined.add(role)
            continue
        col = back.get(str(col), str(col))
        if col not in original.columns:
            raise ValidationError(
                f"The column '{printable(col, limit=60)}' named for {ROLE_LABELS[role].lower()} is "
                f"not in the file; columns are "
                f"{', '.join(printable(c, limit=60) for c in columns[:30])}.")
        detected = {r: c for r, c in detected.items() if c != col}
        detected[role] = col
        explicit.add(role)
        if role in unsure:
            unsure.remove(role)
    work = original
    _grid_roles(work, detected, explicit, notes)
    if "postcode" in detected and "address" not in explicit:
        detected.pop("address", None)  # the address is only a fallback for a missing postcode
    indexed = indexed_locations(columns) if kind == "360giving" or any(
        "location" in _norm(c) for c in columns) else indexed_locations([])
    # the columns read below, as Arrow-backed text once (each use converted them again)
    work = _as_text(original, [*detected.values(), *columns[:1], *(c for c, _ in indexed.codes),
                               *(c for p in indexed.points for c in p[:2])])
    plan = _Plan(detected=detected, indexed=indexed)
    if "postcode" in detected:
        plan.postcodes = work[detected["postcode"]]
        if "address" in detected:  # named by the user: fills rows without a postcode
            from_addr = postcode_at_end(work[detected["address"]])
            plan.postcodes = plan.postcodes.where(~gc._is_blank(plan.postcodes), from_addr)
    elif "address" in detected:
        from_addr = postcode_at_end(work[detected["address"]])
        if from_addr.notna().any():
            plan.postcodes = from_addr
            plan.postcode_from_address = detected["address"]
            notes.append(f"postcode taken from the end of the address column '{detected['address']}' "
                         f"({int(from_addr.notna().sum()):,} of {len(work):,} rows)")
            unsure = [r for r in unsure if r != "postcode"]
        else:
            detected.pop("address")
    if "gridref" in detected:
        plan.easting, plan.northing = split_grid_reference(work[detected["gridref"]])
    if "easting" in detected and "northing" in detected:
        e, n = _numbers(work[detected["easting"]]), _numbers(work[detected["northing"]])
        if plan.easting is not None and plan.northing is not None:
            e, n = e.fillna(plan.easting), n.fillna(plan.northing)
        plan.easting, plan.northing = e, n
    # a postcode sitting inside an address the user declined: each such row says so
    inside_address: pd.Series | None = None
    if "address" in declined and "postcode" not in detected:
        addr_cols = [c for c in columns if re.search(r"(^|_)address(_|$)", _norm(c))]
        for c in addr_cols:
            found = postcode_at_end(work[c])
            if found.notna().any():
                inside_address = pd.Series(
                    np.where(found.notna(), f"the postcode sits inside the address column '{c}' "
                             "(not used: the address was declined)", gc.ST_NO_INPUT),
                    index=work.index, dtype=object)
                break
    if column_map:
        unsure = [r for r in unsure if r not in column_map and not (
            r == "postcode" and any(x in detected for x in LOCATION_ROLES))]
    has_points = ("lat" in detected and "lon" in detected) or "latlon" in detected
    has_grid = plan.easting is not None
    has_location = (has_points or has_grid or plan.postcodes is not None
                    or any(r in detected for r in ("lsoa", "lsoa11", "lsoa21", "beneficiary_code"))
                    or bool(indexed.codes) or bool(indexed.points))
    if not has_location and inside_address is None:
        raise _nothing_found(columns)

    # rows that are not organisations: the reader's reasons, then total rows
    non_org = pd.Series(None, index=work.index, dtype=object)
    if issues is not None:
        reason = issues.astype("string").str.strip()
        given = (reason.notna() & (reason != "")).to_numpy(dtype=bool)
        non_org[given] = (f"{NOT_ORG} (" + reason[given] + ")").to_numpy()
    location_cols = [detected[r] for r in LOCATION_ROLES if r in detected]
    location_cols += [c for c, _ in indexed.codes] + [c for p in indexed.points for c in p[:2]]
    totals = _total_rows(work, detected, location_cols) & non_org.isna().to_numpy()
    non_org[totals] = ST_TOTAL_ROW
    is_org = non_org.isna().to_numpy()

    org_rows = work[is_org]
    placed = _place(org_rows, plan_for(plan, is_org), kind=kind, lookup=lookup, progress=progress,
                    vintages=vintages)
    placed = placed.reindex(work.index)
    placed.loc[~is_org, "status"] = non_org[~is_org]
    if inside_address is not None:
        nothing = (placed["status"] == gc.ST_NO_INPUT).to_numpy() & is_org
        placed.loc[nothing, "status"] = inside_address[nothing]
    if progress is not None:
        progress(0.95, "Flagging duplicates and closed organisations…")
    out = original.rename(columns=renames)
    detected = {r: renames.get(c, c) for r, c in detected.items()}
    w = work.rename(columns=renames)
    out["source_row"] = np.arange(1, len(work) + 1)
    if "name" in detected:
        out["org_name"] = w[detected["name"]].astype("string").str.strip()
    else:
        out["org_name"] = pd.Series([f"Row {i}" for i in out["source_row"]], dtype="string")
    out["org_category"] = (w[detected["category"]].astype("string").str.strip()
                           if "category" in detected else _blank_string(w.index))
    out["org_category"] = out["org_category"].where(~gc._is_blank(out["org_category"]), pd.NA)
    clean = placed["postcode_clean"].astype("string")
    if plan.postcodes is not None:
        raw = plan.postcodes.astype("string").str.strip()
        out["org_postcode"] = _pretty_postcode(clean).fillna(raw.where(~gc._is_blank(raw)))
    else:
        out["org_postcode"] = _blank_string(w.index)
    number = (w[detected["charity_number"]].astype("string").str.strip()
              if "charity_number" in detected else _blank_string(w.index))
    number = number.str.lstrip("'\u2019").str.strip()  # Excel's text marker: '0501234
    out["org_charity_number"] = number.where(~gc._is_blank(number), pd.NA)
    closed = (_parse_closed(w[detected["closed"]]) if "closed" in detected
              else pd.Series(False, index=w.index))
    if "registration_status" in detected:
        closed = closed | _parse_removed(w[detected["registration_status"]])
    out["org_closed"] = closed.astype(bool).to_numpy()
    # arrays, not Series: ``placed`` has the rows of ``out`` in the same order
    out["lat"] = placed["lat"].to_numpy(dtype=float)
    out["lon"] = placed["lon"].to_numpy(dtype=float)
    for col in ("lsoa11_code", "lsoa21_code"):
        out[col] = placed[col].astype("string").array
    out["status"] = placed["status"].astype(str).array
    out["placed_by"] = placed["placed_by"].to_numpy()
    dup = pd.Series(pd.NA, index=out.index, dtype="Int64")
    if is_org.any():  # only the columns that tell duplicates (a copy of every column was slow)
        cols = ["source_row", "org_name", "org_postcode", "org_charity_number"]
        dup = flag_duplicates(out.loc[is_org, cols]).reindex(out.index)
    out["duplicate_of"] = dup
    for col in ("placement_level", "confidence", "area_code", "area_name"):
        out[col] = placed[col].astype("string").array
    if kind == "360giving":
        _grant_columns(out, w, detected, placed, indexed)
    if progress is not None:
        progress(1.0, "Done.")
    return ImportResult(table=out, detected=detected, kind=kind, filename=filename, notes=notes,
                        unsure=sorted(set(unsure)), sheets=list(attrs.get("sheets") or []),
                        sheet=attrs.get("sheet"),
                        sheet_candidates=list(attrs.get("sheet_candidates") or []))


def plan_for(plan: _Plan, rows: np.ndarray) -> _Plan:
    """``plan`` restricted to the rows ``rows`` (a boolean mask)."""
    def sub(s: pd.Series | None) -> pd.Series | None:
        return None if s is None else s[rows]
    return _Plan(detected=plan.detected, indexed=plan.indexed, postcodes=sub(plan.postcodes),
                 postcode_from_address=plan.postcode_from_address, easting=sub(plan.easting),
                 northing=sub(plan.northing))


def _grant_columns(out: pd.DataFrame, w: pd.DataFrame, detected: dict[str, str],
                   placed: pd.DataFrame, indexed: IndexedLocations) -> None:
    """Add :data:`GRANT_COLUMNS` to a 360Giving table (in place)."""
    def text(role: str) -> pd.Series:
        if role not in detected:
            return _blank_string(w.index)
        s = w[detected[role]].astype("string").str.strip()
        return s.where(~gc._is_blank(s), pd.NA)

    amt = text("amount")
    out["amount"] = pd.to_numeric(amt.str.replace(r"[£,\s]", "", regex=True), errors="coerce")
    out["award_date"] = pd.to_datetime(text("award_date").str.slice(0, 10), errors="coerce",
                                       format="%Y-%m-%d")
    code = placed["code_used"].astype("string")
    firsts = [text("beneficiary_code")] + [
        w[c].astype("string").str.strip() for c, _ in indexed.codes if c in w.columns]
    for s in firsts:
        code = code.fillna(s.where(~gc._is_blank(s), pd.NA))
    out["beneficiary_code"] = code.astype("string").to_numpy()
    out["beneficiary_code"] = out["beneficiary_code"].astype("string")
    out["grant_id"] = text("grant_id").to_numpy()
    out["recipient_id"] = text("recipient_id").to_numpy()
    for col in ("grant_id", "recipient_id"):
        out[col] = out[col].astype("string")


def import_file(source: Source, *, filename: str, column_map: Mapping[str, str | None] | None = None,
                progress: Progress | None = None, lookup: pd.DataFrame | None = None,
                sheet: str | None = None, vintages: gc.Vintages = gc.VINTAGES) -> ImportResult:
    """Read a CSV, Excel (.xlsx) or 360Giving (CSV/XLSX/JSON) file and place every row.

    Parameters
    ----------
    source
        File path, bytes, or a file-like object (e.g. Streamlit's uploaded file).
    filename
        The file's name (its extension picks the reader; messages quote it).
    column_map, progress, lookup, vintages
        As for :func:`import_frame`.
    sheet
        For a workbook: the sheet to read (default: the one that holds the list). The result's
        ``sheets``/``sheet``/``sheet_candidates`` say which sheets there are.

    Raises
    ------
    ValidationError
        Empty, too large (``MAX_UPLOAD_MB``), too many rows (``MAX_UPLOAD_ROWS``), unreadable, an
        unknown sheet, or no postcode/coordinates/LSOA column (:class:`ColumnsNotFoundError`).
    """
    if progress is not None:
        progress(0.02, f"Reading {filename}…")
    frame, notes = read_table_file(source, filename=filename, sheet=sheet)
    return import_frame(frame, column_map=column_map, progress=progress, lookup=lookup,
                        filename=filename, notes=notes, vintages=vintages)


__all__ = [
    "AREA_NAME_DATASETS",
    "DATASET_USES",
    "GRANT_COLUMNS",
    "LOCATION_ROLES",
    "NOT_ORG",
    "READ_ISSUE_COLUMN",
    "ROLE_LABELS",
    "STANDARD_COLUMNS",
    "ST_TOTAL_ROW",
    "SYNONYMS",
    "ColumnsNotFoundError",
    "ImportResult",
    "area_names",
    "decode_text",
    "detect_columns",
    "flag_duplicates",
    "import_file",
    "import_frame",
    "postcode_at_end",
    "read_table_file",
    "sniff_delimiter",
    "split_grid_reference",
]
