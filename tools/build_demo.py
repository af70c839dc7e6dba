"""Build the embedded demo data (West Midlands) from the full data folder, reproducibly.

Run ``.venv/bin/python tools/build_demo.py [--from DIR] [--to DIR]``. It reads the full prepared data
(default ``../shared/data`` beside the checkout) and writes ``src/needsmap/demo_data/``: the same
relative paths as the catalog's ``file`` entries, CSV datasets as parquet files of the same stem, plus
``needsmap-manifest.json`` and a ``README.md`` with every source, licence and attribution.

What the demo holds
-------------------
* England's national IMD tables, main file of each edition (``imd2019``, ``imd2025``): every LSOA,
  every published rank, decile and score, so the published national figures are all there.
* The West Midlands region (E12000005): its LSOA 2011 and 2021 rows of every other LSOA-level table
  (IMD sub-domains and indicators included: shipping those for all of England would break the 5 MB
  budget, and every figure needsmap computes from them is per LSOA or summed over the areas shown),
  their boundaries, the ward and local-authority lookups, the LSOA 2011 ↔ 2021 lookup rows touching
  them, MSOA jobs and council furlough rows, and every postcode whose centroid lies in exactly one
  LSOA of each vintage, a West Midlands one (so a demo postcode lands where the full data puts it).
* Local-authority outlines of the region and of every authority near enough to be drawn as context
  around a West Midlands map.
* The West Midlands rows of two open organisation lists: Give Food food banks (CC BY 4.0) and public
  libraries (MIT compilation of Arts Council England data).

Left out: the Community Needs Index (licence not confirmed), the Trafford lists (not in the region),
and anything the catalog gains later until this script says how to cut it (it stops and says so).

England's figures
-----------------
A figure computed over every LSOA (England's IDACI rate, age bands and ethnic groups, residents by
national decile, the portfolio's England column, England's rank of each ward, the cut-offs of
England's 10% / 20% on plain-value measures) cannot be computed from the region's rows. The script
works them out from the full data with the functions the dashboard itself uses
(``profile.england_reference``, ``portfolio.england_reference``, ``summary.england_reference``) and
stores them in the manifest's ``england_reference`` block (by edition); the loader hands them to the
analysis through ``table.attrs``, so the demo shows the full data's numbers. Only the region's ward
ranks are kept, so the block stays small.

Rows keep the source file's order (filtered, never re-sorted): some code takes the first match (the
best-fit LSOA 2011 → 2021 is the first lookup row), so reordering could change results. Parquet is
written with fixed options (zstd level 22, the smallest of a fixed list of encodings per column, no
pandas or library-version metadata), so rebuilding with the same pyarrow gives the same bytes.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import io
import json
import os
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import shapely

from needsmap.config import DEMO_DIR, MANIFEST_NAME, SHARED_DATA_DIR, using_data_dir
from needsmap.data.catalog import CATALOG, OS_ATTRIBUTION, Dataset
from needsmap.types import EDITIONS

REGION_CODE = "E12000005"
REGION_NAME = "West Midlands"
#: the repository's budget for the demo (decimal megabytes, the stricter reading)
LIMIT_BYTES = 5_000_000
CONVERTER_VERSION = "1"
ZSTD_LEVEL = 22
#: how far the dashboard looks around a map for local-authority outlines to draw as context
#: (needsmap.viz.choropleth._context: a quarter of the width and height plus 0.01 degrees)
CONTEXT_PAD = (0.25, 0.01)

#: catalog datasets the demo leaves out, and why (printed in the summary)
EXCLUDED: dict[str, str] = {
    "cni2023": "licence not confirmed (OCSI/Local Trust)",
    "cni2019_wards": "licence not confirmed (OCSI/Local Trust)",
    "orgs_charities_trafford": "Trafford is not in the West Midlands",
    "orgs_trafford_grants": "Trafford is not in the West Midlands",
}

ROYAL_MAIL = "Contains Royal Mail data © Royal Mail copyright and database right 2025"


def _say(text: str = "") -> None:
    sys.stdout.write(text + "\n")


# ----------------------------------------------------------------------------- the region
@dataclass(frozen=True)
class Region:
    """Codes that make up the demo region, worked out from the full lookups."""

    lads: frozenset[str]
    lsoa21: frozenset[str]
    lsoa11: frozenset[str]
    msoa11: frozenset[str]
    ltla21: frozenset[str]


class Source:
    """Reads datasets from the full data folder exactly as needsmap's loaders do."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._tables: dict[str, pd.DataFrame] = {}

    def path(self, ds: Dataset) -> Path:
        path = self.folder / ds.file
        if not path.exists() and path.suffix == ".csv" and path.with_suffix(".parquet").exists():
            return path.with_suffix(".parquet")
        return path

    def table(self, dataset_id: str) -> pd.DataFrame:
        if dataset_id not in self._tables:
            path = self.path(CATALOG[dataset_id])
            if path.suffix == ".parquet":
                self._tables[dataset_id] = pd.read_parquet(path)
            else:  # the same call as needsmap.data.loaders.read_table, so dtypes match
                self._tables[dataset_id] = pd.read_csv(path, encoding="utf-8-sig", low_memory=False)
        return self._tables[dataset_id]

    def geometry(self, dataset_id: str) -> gpd.GeoDataFrame:
        return gpd.read_parquet(self.path(CATALOG[dataset_id]))


def find_region(src: Source) -> Region:
    """The region's local authorities (2024), LSOAs of both vintages, MSOAs and 2021 authorities.

    An LSOA 2011 belongs to the region when its best-fit LSOA 2021 (first lookup row) does, the rule
    ``needsmap.data.loaders.load_geography("2019")`` uses to give it a ward and local authority.
    """
    regions = src.table("ltla24_region24_lookup")
    lads = frozenset(regions.loc[regions["region24_code"] == REGION_CODE, "ltla24_code"].astype(str))
    wards = src.table("lsoa21_ward24_lookup")
    lsoa21 = frozenset(wards.loc[wards["ltla24_code"].isin(lads), "lsoa21_code"].astype(str))
    lk = src.table("lsoa11_lsoa21_lookup")
    best = lk.drop_duplicates("lsoa11_code")
    lsoa11 = frozenset(best.loc[best["lsoa21_code"].isin(lsoa21), "lsoa11_code"].astype(str))
    msoa = src.table("lsoa11_msoa11_lookup")
    msoa11 = frozenset(msoa.loc[msoa["lsoa11_code"].isin(lsoa11), "msoa11_code"].astype(str))
    la21 = src.table("lsoa11_ltla21_lookup")
    ltla21 = frozenset(la21.loc[la21["lsoa11_code"].isin(lsoa11), "ltla21_code"].astype(str))
    if not lads or not lsoa21 or not lsoa11:
        raise SystemExit(f"region {REGION_CODE} not found in {src.folder}: is it the full data?")
    return Region(lads=lads, lsoa21=lsoa21, lsoa11=lsoa11, msoa11=msoa11, ltla21=ltla21)


# ----------------------------------------------------------------------------- selections
def _rows(column: str, codes: Callable[[Region], frozenset[str]]
          ) -> Callable[[pd.DataFrame, Region, Source], pd.DataFrame]:
    def select(df: pd.DataFrame, region: Region, src: Source) -> pd.DataFrame:
        return df.loc[df[column].astype(str).isin(codes(region))]
    return select


def _everything(df: pd.DataFrame, region: Region, src: Source) -> pd.DataFrame:
    return df


def _lookup_rows(df: pd.DataFrame, region: Region, src: Source) -> pd.DataFrame:
    """LSOA 2011 ↔ 2021 rows touching the region from either side."""
    return df.loc[df["lsoa11_code"].isin(region.lsoa11) | df["lsoa21_code"].isin(region.lsoa21)]


def _region_rows(column: str) -> Callable[[pd.DataFrame, Region, Source], pd.DataFrame]:
    def select(df: pd.DataFrame, region: Region, src: Source) -> pd.DataFrame:
        return df.loc[df[column] == REGION_CODE]
    return select


def _context_lads(gdf: gpd.GeoDataFrame, region: Region, src: Source) -> gpd.GeoDataFrame:
    """The region's authorities and every other one the dashboard would outline around its maps."""
    b21 = src.geometry("lsoa21_boundaries")
    b11 = src.geometry("lsoa11_boundaries")
    boxes = [b21.loc[b21["lsoa21_code"].isin(region.lsoa21)].total_bounds,
             b11.loc[b11["lsoa11_code"].isin(region.lsoa11)].total_bounds]
    minx, miny = min(b[0] for b in boxes), min(b[1] for b in boxes)
    maxx, maxy = max(b[2] for b in boxes), max(b[3] for b in boxes)
    share, extra = CONTEXT_PAD
    padx, pady = (maxx - minx) * share + extra, (maxy - miny) * share + extra
    near = gdf.cx[minx - padx:maxx + padx, miny - pady:maxy + pady]
    keep = gdf["ltla24_code"].isin(region.lads) | gdf.index.isin(near.index)
    return gdf.loc[keep]


#: the country outlines keep their detail (to within COUNTRY_DETAIL_TOLERANCE degrees, about 20 m)
#: this far (degrees) around the region, where the geocoder decides England or Wales for points
#: near the border; elsewhere they are simplified to within COUNTRY_TOLERANCE (about 1 km), enough
#: to tell which country a point is in
COUNTRY_DETAIL_PAD = 0.15
COUNTRY_DETAIL_TOLERANCE = 0.0002
COUNTRY_TOLERANCE = 0.01


def _countries(gdf: gpd.GeoDataFrame, region: Region, src: Source) -> gpd.GeoDataFrame:
    """Every country's outline: exact around the region (the border with Wales), simplified elsewhere."""
    b21 = src.geometry("lsoa21_boundaries")
    minx, miny, maxx, maxy = b21.loc[b21["lsoa21_code"].isin(region.lsoa21)].total_bounds
    pad = COUNTRY_DETAIL_PAD
    box = shapely.box(minx - pad, miny - pad, maxx + pad, maxy + pad)
    out = gdf.copy()
    geoms = [shapely.union(shapely.intersection(shapely.simplify(g, COUNTRY_DETAIL_TOLERANCE), box),
                           shapely.difference(shapely.simplify(g, COUNTRY_TOLERANCE), box))
             for g in gdf.geometry.array]
    out["geometry"] = gpd.GeoSeries(geoms, index=gdf.index, crs=gdf.crs)
    return out


def _single_region_polygon(points: gpd.GeoDataFrame, polygons: gpd.GeoDataFrame, code: str,
                           codes: frozenset[str]) -> pd.Index:
    """Points lying in exactly one polygon, which is in the region (as the geocoder would place them)."""
    hits = gpd.sjoin(points[["geometry"]], polygons[[code, "geometry"]], predicate="within")
    per_point = hits.groupby(level=0)[code].agg(["size", "first"])
    ok = (per_point["size"] == 1) & per_point["first"].isin(codes)
    return per_point.index[ok.to_numpy()]


def _postcodes(df: pd.DataFrame, region: Region, src: Source) -> pd.DataFrame:
    """Postcodes whose centroid lies in exactly one LSOA of each vintage, a West Midlands one.

    Near the region's edge the generalised 2011 and 2021 boundaries differ; a postcode in the region
    on one and not the other is left out rather than placed differently from the full data.
    """
    has = df["lat"].notna() & df["lon"].notna()
    b21 = src.geometry("lsoa21_boundaries")
    b11 = src.geometry("lsoa11_boundaries")
    wm = b21.loc[b21["lsoa21_code"].isin(region.lsoa21)]
    minx, miny, maxx, maxy = wm.total_bounds
    pts = df.loc[has]
    box = pts["lon"].between(minx - 0.05, maxx + 0.05) & pts["lat"].between(miny - 0.05, maxy + 0.05)
    pts = pts.loc[box]
    points = gpd.GeoDataFrame(pts, geometry=gpd.points_from_xy(pts["lon"], pts["lat"]), crs=4326)
    near21 = b21.cx[minx - 0.1:maxx + 0.1, miny - 0.1:maxy + 0.1]
    near11 = b11.cx[minx - 0.1:maxx + 0.1, miny - 0.1:maxy + 0.1]
    in21 = _single_region_polygon(points, near21, "lsoa21_code", region.lsoa21)
    in11 = _single_region_polygon(points, near11, "lsoa11_code", region.lsoa11)
    keep = in21.intersection(in11)
    return df.loc[df.index.isin(keep)]


# ----------------------------------------------------------------------------- writing parquet
#: encodings tried for each column; "DICTIONARY" is parquet's dictionary encoding
_ENCODINGS = ("DICTIONARY", "PLAIN", "BYTE_STREAM_SPLIT", "DELTA_BINARY_PACKED", "DELTA_BYTE_ARRAY")


def _applies(field: pa.Field, encoding: str) -> bool:
    """Whether parquet can encode a column of ``field``'s type with ``encoding``."""
    t = field.type
    if encoding == "BYTE_STREAM_SPLIT":
        return bool(pa.types.is_floating(t) or pa.types.is_integer(t))
    if encoding == "DELTA_BINARY_PACKED":
        return bool(pa.types.is_integer(t))
    if encoding == "DELTA_BYTE_ARRAY":
        return bool(pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_binary(t)
                    or pa.types.is_large_binary(t))
    return True


def _write(table: pa.Table, sink: object, encodings: dict[str, str]) -> None:
    """Write ``table`` with one encoding per column and the fixed options of the demo."""
    dictionary = [name for name, enc in encodings.items() if enc == "DICTIONARY"]
    others = {name: enc for name, enc in encodings.items() if enc != "DICTIONARY"}
    pq.write_table(table, sink, compression="zstd", compression_level=ZSTD_LEVEL,
                   use_dictionary=dictionary, column_encoding=others or None,
                   write_statistics=False)


def _smallest_encodings(table: pa.Table) -> dict[str, str]:
    """For each column, the encoding (of a fixed list) that makes it smallest, tried one at a time."""
    chosen: dict[str, str] = {}
    for i, field in enumerate(table.schema):
        one = table.select([i])
        sizes: dict[str, int] = {}
        for enc in _ENCODINGS:
            if _applies(field, enc):
                buf = io.BytesIO()
                _write(one, buf, {field.name: enc})
                sizes[enc] = len(buf.getvalue())
        chosen[field.name] = min(sizes, key=lambda e: (sizes[e], _ENCODINGS.index(e)))
    return chosen


def write_table(df: pd.DataFrame, path: Path) -> None:
    """A frame as parquet, without pandas metadata (it names the pandas version; dtypes come back
    from the Arrow types as read_csv gives them)."""
    table = pa.Table.from_pandas(df.reset_index(drop=True), preserve_index=False)
    table = table.replace_schema_metadata(None)
    _write(table, path, _smallest_encodings(table))


def write_geometry(gdf: gpd.GeoDataFrame, path: Path) -> None:
    """A GeoDataFrame as GeoParquet, keeping only the ``geo`` metadata minus its library version."""
    buf = io.BytesIO()
    gdf.reset_index(drop=True).to_parquet(buf, index=False, compression=None)
    table = pq.read_table(io.BytesIO(buf.getvalue()))
    geo = json.loads(table.schema.metadata[b"geo"])
    geo.pop("creator", None)
    table = table.replace_schema_metadata(
        {b"geo": json.dumps(geo, sort_keys=True, separators=(",", ":")).encode()})
    _write(table, path, _smallest_encodings(table))


def write_csv_rows(src_path: Path, dest: Path, keep: Callable[[dict[str, str]], bool]) -> int:
    """Copy the rows of a CSV for which ``keep(row)`` is true, as text (messy values untouched)."""
    with src_path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        header = list(reader.fieldnames or [])
        rows = [r for r in reader if keep(r)]
    with dest.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)


# ----------------------------------------------------------------------------- the plan
Selector = Callable[[pd.DataFrame, Region, Source], pd.DataFrame]


@dataclass(frozen=True)
class Cut:
    """How one dataset is cut for the demo."""

    scope: str  # "England", "Great Britain" or "West Midlands"
    select: Selector
    #: keep only the catalog's (required) columns: the loader reads no others
    required_columns_only: bool = False


PLAN: dict[str, Cut] = {
    "imd2019": Cut("England", _everything),
    "imd2019_subdomains": Cut(REGION_NAME, _rows("lsoa11_code", lambda r: r.lsoa11), True),
    "imd2019_indicators": Cut(REGION_NAME, _rows("lsoa11_code", lambda r: r.lsoa11), True),
    "imd2025": Cut("England", _everything),
    "imd2025_subdomains": Cut(REGION_NAME, _rows("lsoa21_code", lambda r: r.lsoa21), True),
    "imd2025_indicators": Cut(REGION_NAME, _rows("lsoa21_code", lambda r: r.lsoa21), True),
    "lsoa11_boundaries": Cut(REGION_NAME, _rows("lsoa11_code", lambda r: r.lsoa11)),
    "lsoa21_boundaries": Cut(REGION_NAME, _rows("lsoa21_code", lambda r: r.lsoa21)),
    "ltla24_boundaries": Cut(REGION_NAME, _context_lads),  # type: ignore[arg-type]
    "countries_gb": Cut("Great Britain", _countries),  # type: ignore[arg-type]
    "lsoa21_ward24_lookup": Cut(REGION_NAME, _rows("lsoa21_code", lambda r: r.lsoa21)),
    "ltla24_region24_lookup": Cut(REGION_NAME, _region_rows("region24_code")),
    "ltla21_region21_lookup": Cut(REGION_NAME, _region_rows("region21_code")),
    "lsoa11_ltla21_lookup": Cut(REGION_NAME, _rows("lsoa11_code", lambda r: r.lsoa11)),
    "lsoa11_msoa11_lookup": Cut(REGION_NAME, _rows("lsoa11_code", lambda r: r.lsoa11)),
    "lsoa11_lsoa21_lookup": Cut(REGION_NAME, _lookup_rows),
    "population2020": Cut(REGION_NAME, _rows("lsoa11_code", lambda r: r.lsoa11)),
    "census2021_ethnicity": Cut(REGION_NAME, _rows("lsoa21_code", lambda r: r.lsoa21)),
    "bres2018_jobs": Cut(REGION_NAME, _rows("msoa11_code", lambda r: r.msoa11)),
    "furlough2020": Cut(REGION_NAME, _rows("LAD19CD", lambda r: r.ltla21)),
    "nspl_centroids": Cut(REGION_NAME, _postcodes),
    "lsoa21_pwc": Cut(REGION_NAME, _rows("lsoa21_code", lambda r: r.lsoa21)),
    "lsoa21_ruc21": Cut(REGION_NAME, _rows("lsoa21_code", lambda r: r.lsoa21)),
    "population_lsoa21_mid2022_2024": Cut(REGION_NAME, _rows("lsoa21_code", lambda r: r.lsoa21)),
    "census2021_qualifications": Cut(REGION_NAME, _rows("lsoa21_code", lambda r: r.lsoa21)),
    "census2021_household_deprivation": Cut(REGION_NAME, _rows("lsoa21_code", lambda r: r.lsoa21)),
}
#: organisation lists copied as CSV (the importer reads CSV, not parquet): id -> local-authority column
ORG_LISTS: dict[str, str] = {"orgs_givefood": "district", "orgs_libraries": "authority"}


def _postcode_key(text: str | None) -> str:
    return "".join((text or "").split()).upper()


def copy_org_list(src: Source, ds: Dataset, column: str, dest: Path, demo_postcodes: set[str],
                  all_postcodes: set[str]) -> int:
    """Copy an organisation list's rows placed in the region, plus the region's unplaceable rows.

    A row is the region's when its postcode is a demo postcode. Rows of the same authorities
    (``column``) whose postcode is no postcode at all (``[Unknown]``, a mobile library …) come too:
    they are unplaced with the full data as well, so the demo keeps the lists' real mess without
    placing anything differently.
    """
    path = src.path(ds)
    with path.open(encoding="utf-8-sig", newline="") as f:
        placed = [r for r in csv.DictReader(f) if _postcode_key(r.get("postcode")) in demo_postcodes]
    authorities = {r.get(column) or "" for r in placed} - {""}

    def keep(row: dict[str, str]) -> bool:
        key = _postcode_key(row.get("postcode"))
        return key in demo_postcodes or ((row.get(column) or "") in authorities
                                         and key not in all_postcodes)

    return write_csv_rows(path, dest, keep)


def england_reference(source: Path) -> dict[str, object]:
    """England's figures the region's rows cannot give, from the full data in ``source``.

    Made by the analysis functions the dashboard uses on the full data (so the demo cannot drift
    from it), for each edition: the profile's England figures, the portfolio's England column and
    the region's wards' national ranks (both ward methods), and the national cut-offs of plain-value
    measures. See the module docstring.
    """
    from needsmap.analysis import portfolio, profile, summary
    from needsmap.data import load_lsoa_table
    from needsmap.data.loaders import is_national

    out: dict[str, object] = {
        "about": "England's figures worked out from the full data by tools/build_demo.py with "
                 "needsmap's own analysis functions; the demo's LSOA tables cover one region.",
    }
    with using_data_dir(source):
        for edition in EDITIONS:
            table = load_lsoa_table(edition)
            if not is_national(table):
                raise SystemExit(f"{source} is itself a regional extract: build from the full data")
            wards = table.loc[table["region_code"] == REGION_CODE, "ward_code"].dropna().astype(str)
            cutoffs = summary.england_reference(table)["value_cutoffs"]
            out[edition] = {
                **profile.england_reference(table, edition),
                **portfolio.england_reference(table, children=portfolio.load_children_0_15(edition),
                                              wards_in=wards),
                "value_cutoffs": {c: v for c, v in cutoffs.items() if _shipped_column(c)},
            }
    json.dumps(out, allow_nan=False)  # no NaN or infinity may reach the manifest
    return out


def _shipped_column(column: str) -> bool:
    """False for a measure column made only from datasets the demo leaves out (the CNI: not even
    figures derived from it are shipped)."""
    from needsmap.measures import MEASURES

    for m in MEASURES.values():
        if column in (m.id, f"{m.id}_score", f"{m.id}_rank"):
            return not (m.datasets and set(m.datasets) <= set(EXCLUDED))
    return True


def manifest_text(manifest: dict[str, object]) -> str:
    """The manifest as JSON: one entry a line, and each edition's England reference on one line
    (its hundreds of ward ranks would otherwise take a line each)."""
    body = {k: v for k, v in manifest.items() if k != "england_reference"}
    text = json.dumps(body, indent=1, ensure_ascii=False)
    ref = manifest.get("england_reference")
    if isinstance(ref, dict):
        lines = [f"  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False, separators=(',', ':'))}"
                 for k, v in ref.items()]
        text = (text[: text.rindex("}")].rstrip() + ',\n "england_reference": {\n'
                + ",\n".join(lines) + "\n }\n}")
    json.loads(text)  # still one JSON document
    return text + "\n"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _built_at() -> str:
    """Today, or ``SOURCE_DATE_EPOCH`` (the reproducible-builds convention) when set."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    when = (dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC) if epoch
            else dt.datetime.now(tz=dt.UTC))
    return when.date().isoformat()


def _readme(manifest: dict[str, object]) -> str:
    lines = [
        "# needsmap demo data: West Midlands",
        "",
        "A small extract of the full data, shipped inside the package so a fresh install shows a "
        "working dashboard. Built by `tools/build_demo.py` from the full prepared data; do not edit "
        "by hand (rebuild instead). England's national IMD tables (main file of each edition) are "
        "complete; everything else covers the West Midlands region (E12000005) only. Get all of "
        "England with `needsmap data fetch` or the dashboard's Data sources page.",
        "",
        "## Attribution",
        "",
        f"- {OS_ATTRIBUTION}.",
        f"- {ROYAL_MAIL}.",
        "- Contains public sector information licensed under the Open Government Licence v3.0 "
        "(<https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/>).",
        "- Food banks: Give Food (<https://www.givefood.org.uk/>), licensed CC BY 4.0 "
        "(<https://creativecommons.org/licenses/by/4.0/>). Rows filtered to the West Midlands; "
        "otherwise unchanged.",
        "- Public libraries: compiled by Libraries Hacked (MIT licence) from Arts Council England's "
        "basic dataset of public libraries. Rows filtered to the West Midlands; otherwise unchanged.",
        "- Jobs by sector (BRES 2018): ONS Business Register and Employment Survey, prepared by OCSI "
        "(Local Insight).",
        "",
        "## Files",
        "",
        "| file | dataset | scope | rows | publisher | licence |",
        "|---|---|---|---|---|---|",
    ]
    datasets = manifest["datasets"]
    assert isinstance(datasets, dict)
    for ds_id, entry in datasets.items():
        ds = CATALOG[ds_id]
        lic = ds.licence + (f"; {ds.attribution}" if ds.attribution else "")
        lines.append(f"| `{entry['file']}` | {ds.title} | {entry['scope']} | {entry['rows']:,} | "
                     f"{ds.publisher} | {lic} |")
    lines += ["", "## Left out", ""]
    lines += [f"- `{k}`: {why}" for k, why in EXCLUDED.items()]
    lines += [
        "", "## Notes", "",
        "- CSV datasets are stored as parquet files of the same name (smaller); the loaders read "
        "either. IMD sub-domain and indicator files keep only the columns needsmap reads.",
        "- Postcodes: those whose centroid lies in exactly one LSOA of each vintage, a West "
        "Midlands one, so a demo postcode is placed where the full data places it.",
        "- Local-authority outlines: the region's and every neighbour drawn as context around "
        "its maps.",
        "- Exact in the demo: every LSOA's published IMD ranks, deciles and scores (both "
        "editions), every figure about an area inside the region, and every figure given for "
        "England: those computed over all LSOAs (England's rates, age bands and ethnic groups, "
        "residents by decile, the portfolio's England column and ward ranks, the cut-offs of "
        "England's 10% and 20% on plain-value measures) were worked out from the full data by "
        "this script with needsmap's own functions and are stored in the manifest's "
        "`england_reference` block.",
        "- Relative to the West Midlands in the demo: the colour tenths of plain-value measures "
        "on maps (tenths of the neighbourhoods shown; IMD scores keep England's) and the need "
        "percentile of a plain-value measure on the Coverage gaps page (the IMD, its domains and "
        "sub-domains stay national), both said so on the page; and Coverage gaps catchments near "
        "the region's edge, which miss the people and organisations beyond it. The region picker "
        "has no \"All England\".",
        "",
    ]
    return "\n".join(lines)


def build(source: Path, target: Path) -> dict[str, object]:
    """Build the demo from ``source`` into ``target`` (replaced); returns the manifest."""
    src = Source(source)
    unplanned = [i for i in CATALOG if i not in PLAN and i not in ORG_LISTS and i not in EXCLUDED
                 and src.path(CATALOG[i]).exists()]
    if unplanned:
        raise SystemExit(f"tools/build_demo.py does not know how to cut {', '.join(unplanned)}: add "
                         "them to PLAN (with their licence checked) or to EXCLUDED")
    region = find_region(src)
    work = target.with_name(target.name + ".building")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    entries: dict[str, dict[str, object]] = {}
    demo_postcodes: set[str] = set()
    for ds_id, ds in CATALOG.items():
        cut = PLAN.get(ds_id)
        if cut is None or not src.path(ds).exists():
            continue
        rel = Path(ds.file).with_suffix(".parquet")
        dest = work / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        if ds.kind == "geometry":
            gdf = cut.select(src.geometry(ds_id), region, src)
            write_geometry(gdf, dest)  # type: ignore[arg-type]
            rows = len(gdf)
        else:
            df = cut.select(src.table(ds_id), region, src)
            if cut.required_columns_only:
                df = df[list(ds.columns)]
            write_table(df, dest)
            rows = len(df)
            if ds_id == "nspl_centroids":
                demo_postcodes = {_postcode_key(p) for p in df["postcode"].astype(str)}
        entries[ds_id] = {"file": rel.as_posix(), "sha256": _sha256(dest), "rows": rows,
                          "scope": cut.scope, "source": "demo extract",
                          "converter_version": CONVERTER_VERSION}
    all_postcodes = {_postcode_key(p) for p in src.table("nspl_centroids")["postcode"].astype(str)}
    for ds_id, column in ORG_LISTS.items():
        ds = CATALOG[ds_id]
        if not src.path(ds).exists():
            continue
        dest = work / ds.file
        dest.parent.mkdir(parents=True, exist_ok=True)
        rows = copy_org_list(src, ds, column, dest, demo_postcodes, all_postcodes)
        entries[ds_id] = {"file": ds.file, "sha256": _sha256(dest), "rows": rows,
                          "scope": REGION_NAME, "source": "demo extract",
                          "converter_version": CONVERTER_VERSION}
    entries = {k: entries[k] for k in CATALOG if k in entries}  # catalog order
    manifest: dict[str, object] = {
        "manifest_version": 1,
        "demo": {"name": REGION_NAME, "region24_code": REGION_CODE,
                 "built_from": f"{source.parent.name}/{source.name}", "built_at": _built_at()},
        "datasets": entries,
        "england_reference": england_reference(source),
    }
    (work / MANIFEST_NAME).write_text(manifest_text(manifest), encoding="utf-8")
    (work / "README.md").write_text(_readme(manifest), encoding="utf-8")
    if target.exists():
        if any(target.iterdir()) and not (target / MANIFEST_NAME).exists():
            shutil.rmtree(work)
            raise SystemExit(f"{target} is not empty and holds no {MANIFEST_NAME}: not replacing it")
        shutil.rmtree(target)
    work.rename(target)
    return manifest


def folder_size(folder: Path) -> dict[str, int]:
    """Size in bytes of every file under ``folder`` (relative POSIX path -> bytes)."""
    return {p.relative_to(folder).as_posix(): p.stat().st_size
            for p in sorted(folder.rglob("*")) if p.is_file()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from", dest="source", type=Path, default=SHARED_DATA_DIR,
                        help=f"full data folder (default {SHARED_DATA_DIR})")
    parser.add_argument("--to", dest="target", type=Path, default=DEMO_DIR,
                        help=f"demo folder to (re)write (default {DEMO_DIR})")
    args = parser.parse_args(argv)
    source, target = args.source.expanduser().resolve(), args.target.expanduser().resolve()
    if not (source / "imd").is_dir():
        _say(f"{source} does not look like the full data folder (no imd/); give --from DIR")
        return 2
    if source == target:
        _say("--from and --to are the same folder")
        return 2
    manifest = build(source, target)
    sizes = folder_size(target)
    datasets = manifest["datasets"]
    assert isinstance(datasets, dict)
    scope = {e["file"]: f"{e['scope']}, {e['rows']:,} rows" for e in datasets.values()}
    width = max(len(f) for f in sizes)
    for name, size in sizes.items():
        _say(f"{name:<{width}}  {size / 1e3:8.1f} kB  {scope.get(name, '')}")
    total = sum(sizes.values())
    _say(f"{'total':<{width}}  {total / 1e3:8.1f} kB  (limit {LIMIT_BYTES / 1e6:.1f} MB)")
    for ds_id, why in EXCLUDED.items():
        _say(f"left out {ds_id}: {why}")
    if total > LIMIT_BYTES:
        _say(f"too big: {total:,} bytes > {LIMIT_BYTES:,}")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
