"""Checks every loader runs on what it read; failures raise :class:`ValidationError`."""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from needsmap.config import data_dir
from needsmap.crs import WGS84_EPSG
from needsmap.data import manifest
from needsmap.data.catalog import Dataset
from needsmap.data.manifest import Entry
from needsmap.errors import ValidationError
from needsmap.gss import LSOA_PREFIX
from needsmap.types import ENGLAND_LSOA11, ENGLAND_LSOA21

if TYPE_CHECKING:  # geopandas and shapely load only when geometry is checked
    import geopandas as gpd


def _where(ds: Dataset) -> str:
    return f"dataset '{ds.id}' ({ds.title}) in file {ds.path}"


def _fix(ds: Dataset) -> str:
    return f"Download it again from {ds.url} and put it at {ds.path}."


def fail(ds: Dataset, problem: str, where: str | None = None) -> ValidationError:
    """Build the error for ``problem`` in dataset ``ds`` (the caller raises it).

    ``where`` replaces the data-folder location (e.g. a publisher file being converted).
    """
    if where is not None:
        return ValidationError(f"{where} does not make a whole '{ds.id}' ({ds.title}): {problem}. "
                               "Nothing was changed.", dataset=ds.id)
    return ValidationError(f"Problem with {_where(ds)}: {problem}. {_fix(ds)}", dataset=ds.id)


def check_columns(df: pd.DataFrame, ds: Dataset, required: Iterable[str] | None = None, *, where: str | None = None) -> None:
    """Raise if any expected column is missing."""
    need = list(required if required is not None else ds.columns)
    missing = [c for c in need if c not in df.columns]
    if missing:
        shown = ", ".join(missing[:8]) + (" …" if len(missing) > 8 else "")
        raise fail(ds, where=where, problem=f"missing column(s) {shown} (found: {', '.join(map(str, df.columns[:12]))})")


def check_not_empty(df: pd.DataFrame, ds: Dataset, *, where: str | None = None) -> None:
    """Raise if the table has no rows."""
    if len(df) == 0:
        raise fail(ds, where=where, problem="the file has no rows")


def check_unique(df: pd.DataFrame, ds: Dataset, column: str | None = None, *, where: str | None = None) -> None:
    """Raise if the key column has missing or repeated values."""
    col = column or ds.key
    if col is None:
        return
    values = df[col]
    if values.isna().any():
        raise fail(ds, where=where, problem=f"{int(values.isna().sum())} row(s) have no {col}")
    dup = values[values.duplicated()]
    if len(dup):
        raise fail(ds, where=where, problem=f"{len(dup)} repeated {col} value(s), e.g. {dup.iloc[0]}")


def check_numeric(df: pd.DataFrame, ds: Dataset, columns: Iterable[str]) -> None:
    """Raise if a column that should be numeric holds text."""
    for col in columns:
        if not pd.api.types.is_numeric_dtype(df[col]):
            bad = pd.to_numeric(df[col], errors="coerce").isna() & df[col].notna()
            example = df.loc[bad, col].iloc[0] if bad.any() else "?"
            raise fail(ds, f"column {col} should be numeric but holds {example!r}")


def check_geometries(gdf: gpd.GeoDataFrame, ds: Dataset, *, where: str | None = None) -> gpd.GeoDataFrame:
    """Check CRS and geometries; repair what can be repaired, warn about what was repaired."""
    import shapely

    if gdf.crs is None:
        raise fail(ds, where=where, problem="the file has no coordinate reference system (expected EPSG:4326, WGS84)")
    if gdf.crs.to_epsg() != WGS84_EPSG:
        raise fail(ds, where=where, problem=f"coordinates are in {gdf.crs.name}, expected EPSG:4326 (WGS84); "
                       "reproject it with geopandas' to_crs(4326)")
    geom = gdf.geometry
    if geom.isna().any() or geom.is_empty.any():
        n = int(geom.isna().sum() + geom.is_empty.sum())
        raise fail(ds, where=where, problem=f"{n} row(s) have no geometry")
    kinds = geom.geom_type
    odd = ~kinds.isin(["Polygon", "MultiPolygon"])
    invalid = ~geom.is_valid
    bad = np.flatnonzero((odd | invalid).to_numpy())
    if len(bad) == 0:
        return gdf
    new = gdf.copy()
    for i in bad:
        parts = shapely.get_parts(shapely.make_valid(geom.iloc[i]))
        polys = [p for p in parts if p.geom_type in ("Polygon", "MultiPolygon")]
        if not polys:
            raise fail(ds, where=where, problem=f"row {i} has a {kinds.iloc[i]} with no polygon in it")
        new.iloc[i, new.columns.get_loc(new.geometry.name)] = shapely.union_all(polys)
    warnings.warn(f"{ds.id}: repaired {len(bad)} invalid or mixed geometries", stacklevel=3)
    return new


# ----------------------------------------------------------------------------- completeness
#: LSOA code columns and how many codes a complete England table has
_LSOA_COUNTS = {"lsoa11_code": ENGLAND_LSOA11, "lsoa21_code": ENGLAND_LSOA21}
_REFETCH = "Run `needsmap data fetch --only {id}` to download and convert it again"


def check_manifest(ds: Dataset) -> Entry | None:
    """Refuse a file whose SHA-256 differs from the one the manifest recorded when it was written.

    Returns the manifest entry (``None`` when the data folder has no manifest entry for ``ds``).
    """
    folder = data_dir()
    entry = manifest.entry_for(folder, ds.id)
    if entry is None or (folder / entry.file) != ds.path:
        return None
    actual = manifest.sha256_file(ds.path)
    if actual != entry.sha256:
        raise ValidationError(
            f"Problem with {_where(ds)}: the file has changed since it was written (SHA-256 "
            f"{actual[:12]}…, the manifest {manifest.MANIFEST_NAME} recorded {entry.sha256[:12]}…): "
            f"it may be cut short or edited. {_REFETCH.format(id=ds.id)}.", dataset=ds.id,
        )
    return entry


def check_complete(df: pd.DataFrame, ds: Dataset, entry: Entry | None = None, *, where: str | None = None) -> None:
    """Refuse a table that is not whole: an LSOA table must hold every LSOA of its vintage.

    A demo extract (manifest scope other than England) must have the rows its manifest recorded;
    other tables at least ``ds.min_rows`` rows.

    Raises
    ------
    ValidationError
        Naming the file, how many codes or rows it has and how many it should have.
    """
    if entry is not None and entry.scope != manifest.ENGLAND:
        if len(df) != entry.rows:
            raise fail(ds, where=where, problem=f"it has {len(df):,} rows, but {entry.rows:,} were written for the "
                           f"{entry.scope} extract: the file is damaged")
        return
    if ds.geography.startswith("LSOA"):
        for col, want in _LSOA_COUNTS.items():
            if col not in df.columns:
                continue
            codes = df[col].dropna().astype(str)
            have = int(codes[codes.str.startswith(LSOA_PREFIX)].nunique())
            if have != want:
                raise fail(ds, where=where, problem=f"it has {have:,} distinct English {col} values where England has "
                               f"{want:,}: the file is incomplete (cut short?) or of another "
                               "geography")
    elif ds.min_rows and len(df) < ds.min_rows:
        raise fail(ds, where=where, problem=f"it has {len(df):,} rows where a complete file has at least "
                       f"{ds.min_rows:,}: the file is incomplete (cut short?)")
