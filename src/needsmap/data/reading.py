"""Reading one catalog file: the checked table or geometry, nothing derived.

The lowest layer of the loaders: :mod:`needsmap.data.crosswalk` and :mod:`needsmap.data.loaders`
both read through here, so the crosswalk does not import the loaders that use it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from needsmap.data import _validate as v
from needsmap.data.catalog import Dataset, get_dataset
from needsmap.errors import DataMissingError

if TYPE_CHECKING:  # geopandas loads only when boundaries are read
    import geopandas as gpd


def _require(ds: Dataset) -> None:
    if not ds.path.exists():
        raise DataMissingError(
            f"Dataset '{ds.id}' ({ds.title}; {ds.publisher}) is missing: expected the file "
            f"{ds.path}. Download it from {ds.url} (licence: {ds.licence}) and put it there, "
            f"or point NEEDSMAP_DATA_DIR at the folder that holds it.", dataset=ds.id,
        )


def read_table(dataset_id: str, *, dtype: dict[str, str] | None = None) -> pd.DataFrame:
    """Read a catalog CSV or parquet table and check its columns, rows and key.

    Raises
    ------
    DataMissingError
        The file is not in the data directory.
    ValidationError
        The file cannot be parsed or lacks expected columns, rows or a unique key.
    """
    ds = get_dataset(dataset_id)
    _require(ds)
    entry = v.check_manifest(ds)
    try:
        if ds.path.suffix == ".parquet":
            df = pd.read_parquet(ds.path)
        else:
            df = pd.read_csv(ds.path, encoding="utf-8-sig", dtype=dtype, low_memory=False)
    except (ValueError, UnicodeDecodeError, OSError, pd.errors.ParserError) as exc:
        raise v.fail(ds, f"it could not be read ({type(exc).__name__}: {str(exc)[:200]})") from None
    v.check_not_empty(df, ds)
    v.check_columns(df, ds)
    v.check_unique(df, ds)
    v.check_complete(df, ds, entry)
    return df


def read_geometry(dataset_id: str) -> gpd.GeoDataFrame:
    """Read a catalog GeoParquet file and check columns, key, CRS and geometries."""
    import geopandas as gpd

    ds = get_dataset(dataset_id)
    _require(ds)
    entry = v.check_manifest(ds)
    try:
        gdf = gpd.read_parquet(ds.path)
    except Exception as exc:  # pyarrow raises many types for a corrupt file
        raise v.fail(ds, f"it is not readable GeoParquet ({type(exc).__name__}: {str(exc)[:200]})") from None
    v.check_not_empty(gdf, ds)
    v.check_columns(gdf, ds)
    v.check_unique(gdf, ds)
    v.check_complete(gdf, ds, entry)
    return v.check_geometries(gdf, ds)


__all__ = ["read_geometry", "read_table"]
