"""ONS National Statistics Postcode Lookup (NSPL, or the ONS Postcode Directory) converted into
the prepared layout: postcode centroids (``nspl_centroids``) and each postcode's official LSOA,
country and termination date (``nspl_codes``).

The ONS Open Geography Portal serves each quarterly edition as a zip (about 180 MB) through an
ArcGIS item download, ``https://www.arcgis.com/sharing/rest/content/items/<item id>/data``. The
whole UK is in one CSV, ``Data/NSPL_<MON>_<YYYY>_UK.csv`` (about 2.7 million rows, 35 columns,
1 GB), with per-area copies under ``Data/multi_csv/`` and documents beside it.

Header of the 2025 editions (communitiesuk/epb-register-api ``spec/fixtures/postcodes_test.csv``)::

    pcd7,pcd8,pcds,dointr,doterm,usrtypind,east1m,north1m,gridind,oa21cd,cty25cd,ced25cd,lad25cd,
    wd25cd,nhser24cd,ctry25cd,rgn25cd,pcon24cd,ttwa15cd,itl25cd,npark16cd,lsoa21cd,msoa21cd,wz11cd,
    sicbl24cd,bua24cd,ruc21ind,oac11ind,lat,long,lep21cd1,lep21cd2,pfa23cd,imd20ind,icb23cd

Geography columns carry their boundary year (``ctry25cd`` became ``ctry26cd``; before 2022 they were
``ctry``, ``lsoa11``, with ``pcd`` for the postcode), so columns are found by prefix: the postcode in
``pcd7``, ``pcd``, ``pcds``, ``pcd8`` or ``pcd2`` (spaces are normalised whichever it is),
``doterm``, ``ctry…``, ``lsoa21…``, ``lsoa11…``, ``lat`` and ``long``. The ONSPD has the same
columns under the pre-2022 names and works too. Only these columns are read, as text, in chunks, so
the full file converts in well under 1 GB of memory.
"""

from __future__ import annotations

import io
import logging
import re
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pandas as pd

from needsmap.data.sources._base import Frames, Source
from needsmap.data.sources._read import (
    Opener,
    csv_error,
    decode_text,
    find_column,
    header_key,
    member_name,
    open_data,
    refuse_web_page,
)
from needsmap.errors import NeedsmapError, ValidationError

log = logging.getLogger(__name__)

#: ArcGIS item of the NSPL May 2025 edition (ONS Open Geography Portal)
NSPL_ITEM = "077631e063eb4e1ab43575d01381ec33"
ATTRIBUTION = (
    "Source: Office for National Statistics licensed under the Open Government Licence v.3.0; "
    "Contains OS data © Crown copyright and database right 2025; Contains Royal Mail data © Royal "
    "Mail copyright and database right 2025"
)
SEEN_AT = ("communitiesuk/epb-register-api spec/fixtures/postcodes_test.csv (header and rows) and "
           "spec/tasks/postcode_spec.rb; item id and Data/NSPL_MAY_2025_UK.csv member in "
           "ONSvisual/geo-scripts config/source-files.js and public scripts")

#: Northern Ireland's country code: its postcodes are left out (they carry a separate licence)
NORTHERN_IRELAND = "N92000002"
#: coordinates are kept to 5 decimal places (about 1 m), cut as in the prepared file
DECIMALS = 5
#: rows read at a time
CHUNK_ROWS = 100_000

CENTROID_COLUMNS = ("postcode", "lat", "lon")
CODE_COLUMNS = ("postcode", "lsoa21_code", "lsoa11_code", "ctry_code", "doterm")

_POSTCODE_NAMES = ("pcd7", "pcd", "pcds", "pcd8", "pcd2", "postcode")
_PSEUDO = re.compile(r"^[A-Z]9{8}$")
_DATA_MEMBER = re.compile(r"^(?:nspl|onspd)\w*_uk\.csv$", re.IGNORECASE)
#: what the converter reads, in messages
_WHAT = "the postcode lookup"
#: errors reading the CSV from disk or out of a damaged zip
_READ_ERRORS = (OSError, zipfile.BadZipFile, zlib.error, EOFError)


def _text_dtype() -> pd.StringDtype:
    """Arrow-backed text with NaN for missing (pandas' default ``str`` from pandas 3)."""
    try:
        return pd.StringDtype("pyarrow", na_value=np.nan)
    except TypeError:  # pandas < 2.3
        return pd.StringDtype("pyarrow")


# ----------------------------------------------------------------------------- reading
def _pick_member(names: list[str]) -> str | None:
    """The UK-wide CSV of an NSPL/ONSPD zip: ``…/NSPL_<MON>_<YYYY>_UK.csv``, else the only CSV
    outside ``multi_csv`` and the documents."""
    csvs = [n for n in names if n.lower().endswith(".csv")]
    named = [n for n in csvs if _DATA_MEMBER.match(member_name(n))]
    if named:
        return min(named, key=lambda n: n.count("/"))
    rest = [n for n in csvs if "multi_csv" not in n.lower() and "document" not in n.lower()
            and "user guide" not in n.lower()]
    return rest[0] if len(rest) == 1 else None


def _header(opener: Opener, where: str) -> list[str]:
    try:
        with opener() as stream:
            first = stream.readline(100_000)
    except _READ_ERRORS as exc:
        raise csv_error(where, exc) from None
    refuse_web_page(first, where=where, what=_WHAT)
    try:
        return [str(c) for c in pd.read_csv(io.StringIO(decode_text(first, where=where)),
                                            nrows=0).columns]
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise ValidationError(f"{where} has no readable CSV header ({exc}).") from None


def _find_columns(header: list[str], where: str) -> dict[str, str]:
    """Role (postcode, doterm, ctry, lsoa21, lsoa11, lat, long) -> the file's column name."""
    low = {header_key(h): h for h in header}

    def named(*names: str) -> str | None:
        return find_column(header, *names, where=where)

    def prefixed(prefix: str) -> str | None:
        hits = [k for k in low if k.startswith(prefix) and not k.endswith("nm")]
        return low[min(hits, key=len)] if hits else None

    found: dict[str, str | None] = {
        "postcode": named(*_POSTCODE_NAMES),
        "doterm": named("doterm"),
        "ctry": prefixed("ctry"),
        "lsoa21": prefixed("lsoa21"),
        "lsoa11": prefixed("lsoa11"),
        "lat": named("lat"),
        "long": named("long", "lon", "lng"),
    }
    need = {"postcode": "pcd7/pcds", "doterm": "doterm", "ctry": "ctry…", "lat": "lat",
            "long": "long"}
    lacking = [label for role, label in need.items() if found[role] is None]
    if found["lsoa21"] is None and found["lsoa11"] is None:
        lacking.append("lsoa21… or lsoa11…")
    if lacking:
        shown = ", ".join(h.strip() for h in header[:40]) or "none"
        raise ValidationError(f"{where} lacks the column(s) {', '.join(lacking)} of the NSPL/ONSPD "
                              f"(columns found: {shown}).")
    return {k: v for k, v in found.items() if v is not None}


# ----------------------------------------------------------------------------- cleaning
def postcode_form(squashed: pd.Series) -> pd.Series:
    """Space-free postcodes -> the prepared files' form: NSPL's 7-character ``pcd7`` with its
    padding collapsed, i.e. one space between outward and inward code unless the outward code has
    4 characters (``B1 1AA``, ``B31 2LB``, ``SE162JA``)."""
    spaced = squashed.str.slice(0, -3) + " " + squashed.str.slice(-3)
    return squashed.where(squashed.str.len() >= 7, spaced)


def _cut(values: pd.Series) -> np.ndarray:
    """Degrees cut (not rounded) to :data:`DECIMALS` places, as in the prepared file."""
    x = values.to_numpy(dtype=float)
    scale = 10.0 ** DECIMALS
    with np.errstate(invalid="ignore"):
        return np.trunc(x * scale + np.sign(x) * 1e-3) / scale


def _codes(values: pd.Series) -> pd.Series:
    """GSS codes upper-cased; blanks and pseudo-codes (``E99999999``) -> missing."""
    text = values.str.strip().str.upper()
    bad = text.eq("") | text.str.match(_PSEUDO.pattern)
    return text.mask(bad.fillna(True).astype(bool))


def _chunk(df: pd.DataFrame, cols: dict[str, str]) -> pd.DataFrame:
    """One chunk of the CSV -> postcode, lat, lon and the codes (Northern Ireland dropped)."""
    squashed = df[cols["postcode"]].str.upper().str.replace(r"\s+", "", regex=True)
    ctry = df[cols["ctry"]].str.strip().str.upper()
    ok = squashed.str.len().between(5, 7) & ctry.ne(NORTHERN_IRELAND)
    ok &= ~squashed.str.startswith("BT")
    ok = ok.fillna(False).astype(bool).to_numpy()
    df, squashed, ctry = df.loc[ok], squashed[ok], ctry[ok]
    lat = pd.to_numeric(df[cols["lat"]].str.strip(), errors="coerce")
    lon = pd.to_numeric(df[cols["long"]].str.strip(), errors="coerce")
    lat = lat.where(lat.abs() <= 90)  # 99.999999: no grid reference
    lon = lon.where(lon.abs() <= 180)
    doterm = df[cols["doterm"]].str.strip()
    text = _text_dtype()

    def column(values: pd.Series) -> pd.Series:  # arrow-backed text, never Python objects
        return values.astype(text).reset_index(drop=True)

    missing = pd.Series(np.nan, index=df.index, dtype=text)
    out = pd.DataFrame({
        "postcode": column(postcode_form(squashed)),
        "lat": _cut(lat), "lon": _cut(lon),
        "lsoa21_code": column(_codes(df[cols["lsoa21"]]) if "lsoa21" in cols else missing),
        "lsoa11_code": column(_codes(df[cols["lsoa11"]]) if "lsoa11" in cols else missing),
        "ctry_code": column(ctry.mask(ctry.eq(""))),
        "doterm": column(doterm.mask(doterm.eq(""))),
    })
    return out


def _read(path: Path) -> tuple[pd.DataFrame, dict[str, str], str]:
    """The needed columns of the whole file, cleaned, with the roles found and the file's name."""
    with open_data(path, what=_WHAT, pick=_pick_member,
                   expected="Data/NSPL_<MON>_<YYYY>_UK.csv (or ONSPD_…_UK.csv)") as (opener, where):
        cols = _find_columns(_header(opener, where), where)
        wanted = list(dict.fromkeys(cols.values()))
        parts: list[pd.DataFrame] = []
        try:
            with opener() as stream:
                reader = pd.read_csv(stream, usecols=wanted, dtype="string[pyarrow]",
                                     keep_default_na=False, encoding="utf-8-sig",
                                     encoding_errors="replace", chunksize=CHUNK_ROWS)
                for chunk in reader:
                    parts.append(_chunk(chunk, cols))
        except (ValueError, *_READ_ERRORS) as exc:
            raise csv_error(where, exc) from None
    if not parts:
        raise ValidationError(f"{where} has a header but no rows.")
    frame = pd.concat(parts, ignore_index=True)
    del parts
    # sort, then drop repeats by comparing neighbours (hashing millions of strings costs memory)
    frame = frame.sort_values("postcode", kind="stable").reset_index(drop=True)
    repeat = frame["postcode"].eq(frame["postcode"].shift()).fillna(False).to_numpy(dtype=bool)
    if repeat.any():
        frame = frame.loc[~repeat].reset_index(drop=True)
    if frame.empty:
        raise ValidationError(f"{where} has no Great Britain postcodes.")
    return frame, cols, where


# ----------------------------------------------------------------------------- LSOA vintages
def lsoa21_to_lsoa11() -> dict[str, str] | None:
    """LSOA 2021 -> one LSOA 2011, by :func:`needsmap.data.crosswalk.resolve_codes`.

    A 2021 LSOA unchanged from or split out of a 2011 one gets that one. One made by merging
    several 2011 LSOAs (or redrawn, ``X``) gets the 2011 LSOA with most residents in mid-2020 (the
    crosswalk's rule). ``None`` when the lookup is not in the data folder (or the folder is the
    embedded West Midlands demo).
    """
    from needsmap.config import is_demo
    from needsmap.data.crosswalk import resolution_table

    if is_demo():
        log.warning("LSOA 2011 codes of the NSPL not derived: the data folder is the demo extract")
        return None
    try:
        table = resolution_table("lsoa11")
    except NeedsmapError as exc:
        log.warning("LSOA 2011 codes of the NSPL not derived: %s", exc)
        return None
    return table["code"].dropna().astype(str).to_dict()


def lsoa11_to_lsoa21() -> dict[str, str] | None:
    """LSOA 2011 -> LSOA 2021 where the 2011 LSOA lies wholly in one 2021 LSOA (unchanged or
    merged: :func:`needsmap.data.crosswalk.containing`); a split or redrawn one is left out, as a
    postcode of it may be in any part."""
    from needsmap.data.crosswalk import containing

    try:
        return containing("lsoa21").to_dict()
    except NeedsmapError as exc:
        log.warning("LSOA 2021 codes of the NSPL not derived: %s", exc)
        return None


def _map_codes(values: pd.Series, mapping: dict[str, str]) -> pd.Series:
    """``values`` mapped through ``mapping`` by their distinct values (cheap on millions of rows)."""
    codes, uniques = pd.factorize(values)
    mapped = pd.Series(uniques).map(mapping).to_numpy(dtype=object)
    out = np.where(codes >= 0, mapped[np.maximum(codes, 0)], None)
    return pd.Series(out, index=values.index).astype(_text_dtype())


# ----------------------------------------------------------------------------- converter
def convert_nspl(path: Path) -> Frames:
    """NSPL (or ONSPD) zip or UK CSV -> ``nspl_centroids`` and ``nspl_codes``.

    Format seen in communitiesuk/epb-register-api ``spec/fixtures/postcodes_test.csv`` (header and
    rows of the 2025 edition, and in an earlier commit the pre-2022 header); zip layout
    (``Data/NSPL_MAY_2025_UK.csv``) in public scripts reading the ArcGIS item of ONSvisual/geo-scripts
    ``config/source-files.js``. Every postcode of the file is kept, live and terminated, except
    Northern Ireland's (``ctry…`` = ``N92000002`` or area ``BT``), as in the prepared file; the
    Channel Islands and the Isle of Man stay (they have no coordinates).

    Parameters
    ----------
    path
        The zip as downloaded, or its ``NSPL_<MON>_<YYYY>_UK.csv``.

    Returns
    -------
    Both frames sorted by ``postcode`` (NSPL's ``pcd7`` with its padding collapsed to one space, or
    none after a 4-character outward code: ``B1 1AA``, ``SE162JA``):

    ``nspl_centroids``
        ``postcode``; ``lat``, ``lon``: WGS84 degrees cut to 5 decimal places. NSPL's
        "no grid reference" ``lat`` 99.999999 becomes NaN (``lon`` keeps the file's 0.0).
    ``nspl_codes``
        ``postcode``; ``lsoa21_code`` (LSOA 2021 in England and Wales, the data zone in
        Scotland); ``lsoa11_code``: the file's ``lsoa11…`` column where the edition has one,
        otherwise derived from ``lsoa21_code`` with :func:`lsoa21_to_lsoa11` (the ONS lookup in
        the data folder at conversion time; for a 2021 LSOA merged from several 2011 ones, the
        2011 one with most residents in mid-2020); ``ctry_code`` (``E92000001`` England,
        ``W92000004`` Wales, ``S92000003`` Scotland, ``L93000001`` Channel Islands, ``M83000003``
        Isle of Man); ``doterm``: month the postcode was terminated, ``yyyymm`` text, missing when
        live. Pseudo-codes (``E99999999``) and blanks are missing. An edition without
        ``lsoa21…`` gets it from ``lsoa11…`` where the 2011 LSOA was not split.

    Raises
    ------
    ValidationError
        An HTML page, a zip without the UK CSV, a missing column, a file that is not CSV.
    """
    frame, cols, _where = _read(path)
    if "lsoa11" not in cols:
        to11 = lsoa21_to_lsoa11()
        if to11 is not None:
            frame["lsoa11_code"] = _map_codes(frame["lsoa21_code"], to11)
    if "lsoa21" not in cols:
        to21 = lsoa11_to_lsoa21()
        if to21 is not None:
            frame["lsoa21_code"] = _map_codes(frame["lsoa11_code"], to21)
    centroids = frame[list(CENTROID_COLUMNS)]
    codes = frame[list(CODE_COLUMNS)]
    return {"nspl_centroids": centroids, "nspl_codes": codes}


SOURCES: tuple[Source, ...] = (
    Source(
        id="nspl",
        title="National Statistics Postcode Lookup (May 2025) for the UK",
        publisher="Office for National Statistics (ONS Open Geography Portal)",
        url=f"https://www.arcgis.com/sharing/rest/content/items/{NSPL_ITEM}/data",
        file_name="NSPL_MAY_2025_UK.zip",
        format="zip",
        datasets=("nspl_centroids", "nspl_codes"),
        convert=convert_nspl,
        attribution=ATTRIBUTION,
        size_bytes=180_000_000,
        landing_page=f"https://geoportal.statistics.gov.uk/datasets/{NSPL_ITEM}/about",
        name_patterns=("NSPL*.zip", "NSPL_*_UK.csv", "ONSPD*.zip", "ONSPD_*_UK.csv"),
        header=("pcds", "dointr", "doterm", "lat", "long"),
        seen_at=SEEN_AT,
    ),
)

__all__ = ["SOURCES", "convert_nspl", "lsoa11_to_lsoa21", "lsoa21_to_lsoa11", "postcode_form"]
