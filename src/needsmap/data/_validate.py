"""Checks every loader runs on what it read; failures raise :class:`ValidationError`."""

from __future__ import annotations

import warnings
from collections.abc import Iterable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from needsmap.data.catalog import Dataset
from needsmap.errors import ValidationError


def _where(ds: Dataset) -> str:
    return f"dataset '{ds.id}' ({ds.title}) in file {ds.path}"


def _fix(ds: Dataset) -> str:
    return f"Download it again from {ds.url} and put it at {ds.path}."


def fail(ds: Dataset, problem: str) -> ValidationError:
    """Build the error for ``problem`` in dataset ``ds`` (the caller raises it)."""
    return ValidationError(f"Problem with {_where(ds)}: {problem}. {_fix(ds)}")


def check_columns(df: pd.DataFrame, ds: Dataset, required: Iterable[str] | None = None) -> None:
    """Raise if any expected column is missing."""
    need = list(required if required is not None else ds.columns)
    missing = [c for c in need if c not in df.columns]
    if missing:
        shown = ", ".join(missing[:8]) + (" …" if len(missing) > 8 else "")
        raise fail(ds, f"missing column(s) {shown} (found: {', '.join(map(str, df.columns[:12]))})")


def check_not_empty(df: pd.DataFrame, ds: Dataset) -> None:
    """Raise if the table has no rows."""
    if len(df) == 0:
        raise fail(ds, "the file has no rows")


def check_unique(df: pd.DataFrame, ds: Dataset, column: str | None = None) -> None:
    """Raise if the key column has missing or repeated values."""
    col = column or ds.key
    if col is None:
        return
    values = df[col]
    if values.isna().any():
        raise fail(ds, f"{int(values.isna().sum())} row(s) have no {col}")
    dup = values[values.duplicated()]
    if len(dup):
        raise fail(ds, f"{len(dup)} repeated {col} value(s), e.g. {dup.iloc[0]}")


def check_numeric(df: pd.DataFrame, ds: Dataset, columns: Iterable[str]) -> None:
    """Raise if a column that should be numeric holds text."""
    for col in columns:
        if not pd.api.types.is_numeric_dtype(df[col]):
            bad = pd.to_numeric(df[col], errors="coerce").isna() & df[col].notna()
            example = df.loc[bad, col].iloc[0] if bad.any() else "?"
            raise fail(ds, f"column {col} should be numeric but holds {example!r}")


def check_geometries(gdf: gpd.GeoDataFrame, ds: Dataset) -> gpd.GeoDataFrame:
    """Check CRS and geometries; repair what can be repaired, warn about what was repaired."""
    if gdf.crs is None:
        raise fail(ds, "the file has no coordinate reference system (expected EPSG:4326, WGS84)")
    if gdf.crs.to_epsg() != 4326:
        raise fail(ds, f"coordinates are in {gdf.crs.name}, expected EPSG:4326 (WGS84); "
                       "reproject it with geopandas' to_crs(4326)")
    geom = gdf.geometry
    if geom.isna().any() or geom.is_empty.any():
        n = int(geom.isna().sum() + geom.is_empty.sum())
        raise fail(ds, f"{n} row(s) have no geometry")
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
            raise fail(ds, f"row {i} has a {kinds.iloc[i]} with no polygon in it")
        new.iloc[i, new.columns.get_loc(new.geometry.name)] = shapely.union_all(polys)
    warnings.warn(f"{ds.id}: repaired {len(bad)} invalid or mixed geometries", stacklevel=3)
    return new
