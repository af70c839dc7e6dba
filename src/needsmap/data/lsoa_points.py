"""The LSOA reference point: the one point that stands for an LSOA wherever a distance is measured.

Coverage gaps (organisations within a radius of each LSOA) and Portfolio (LSOAs within a radius of
an organisation) both measure from this point, so they agree on which LSOAs are near.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from needsmap.crs import BNG, to_bng
from needsmap.data._cache import file_stamp
from needsmap.data.catalog import get_dataset
from needsmap.data.reading import read_table
from needsmap.errors import DataMissingError, ValidationError
from needsmap.types import LsoaVintage

if TYPE_CHECKING:
    import geopandas as gpd

#: the dataset of population-weighted centroids (LSOA 2021; optional)
PWC_DATASET = "lsoa21_pwc"
#: what this module reads datasets for (:func:`needsmap.uses.dataset_uses`)
DATASET_USES: dict[str, str] = {
    PWC_DATASET: "the LSOA reference point: distances on Coverage gaps and Portfolio, and where an "
                 "organisation given by LSOA code is drawn",
}
#: ``source`` values of :func:`reference_points`
FROM_PWC = "population-weighted centroid"
FROM_SURFACE = "point inside the polygon"


def reference_point_datasets(vintage: LsoaVintage) -> tuple[str, ...]:
    """The datasets :func:`reference_points` of ``vintage``'s boundaries reads (the boundaries, and
    the centroids when the data folder has them): what a cache of the points is keyed on."""
    ids = [f"{vintage}_boundaries"]
    if get_dataset(PWC_DATASET).path.exists():
        ids.append(PWC_DATASET)
    return tuple(ids)


def population_weighted_centroids() -> pd.DataFrame:
    """ONS population-weighted centroids of LSOA 2021 in British National Grid metres.

    Returns
    -------
    DataFrame indexed by ``lsoa_code`` (LSOA 2021) with ``x``, ``y`` (EPSG:27700 metres), projected
    from the file's WGS84 ``lat``/``lon`` (4 decimal places, about 10 m). Empty when the optional
    dataset ``lsoa21_pwc`` (``geography/lsoa21_population_weighted_centroids.csv``, ONS Open
    Geography Portal, OGL v3) is not in the data folder.

    Raises
    ------
    ValidationError
        The file is there but damaged (a damaged file is never used quietly).
    """
    path = get_dataset(PWC_DATASET).path
    return _pwc_at(*file_stamp(path)).copy()


@functools.lru_cache(maxsize=1)
def _pwc_at(path: str, mtime_ns: int, size: int) -> pd.DataFrame:
    try:
        raw = read_table(PWC_DATASET)
    except DataMissingError:
        return pd.DataFrame({"x": [], "y": []}, index=pd.Index([], dtype=object, name="lsoa_code"))
    lon = pd.to_numeric(raw["lon"], errors="coerce").to_numpy(dtype=float)
    lat = pd.to_numeric(raw["lat"], errors="coerce").to_numpy(dtype=float)
    x, y = to_bng().transform(lon, lat)
    out = pd.DataFrame({"x": np.asarray(x, dtype=float), "y": np.asarray(y, dtype=float)},
                       index=pd.Index(raw["lsoa21_code"].astype(str), name="lsoa_code"))
    return out[np.isfinite(out["x"]) & np.isfinite(out["y"])]


def reference_points(boundaries: gpd.GeoDataFrame) -> pd.DataFrame:
    """One reference point per LSOA, in British National Grid metres.

    The ONS population-weighted centroid (:func:`population_weighted_centroids`) where the file has
    the LSOA's code; otherwise shapely's ``point_on_surface`` of the polygon (a point guaranteed
    inside it, near its middle). The centroids are of LSOA 2021, so:

    - LSOA 2021 (IMD 2025): every English LSOA has one. About 2% of them fall just outside the
      generalised boundary polygon (they lie inside the full-resolution one); they are kept.
    - LSOA 2011 (IMD 2019): no 2011 file exists. An LSOA 2011 whose code continues in 2021
      (unchanged, ONS change code U: the same area) takes the 2021 centroid; a split, merged or
      redrawn one (about 3% of them) takes the point inside its polygon.
    - Without the centroids file, every LSOA takes the point inside its polygon.

    Parameters
    ----------
    boundaries
        LSOA polygons with ``lsoa_code`` (any CRS; e.g. :func:`needsmap.data.load_boundaries`).

    Returns
    -------
    DataFrame indexed by ``lsoa_code`` (in ``boundaries``' order) with ``x``, ``y`` (EPSG:27700
    metres) and ``source`` (:data:`FROM_PWC` or :data:`FROM_SURFACE`).

    Raises
    ------
    ValidationError
        ``boundaries`` has no CRS, or the centroids file is damaged.
    """
    import shapely

    if boundaries.crs is None:
        raise ValidationError("LSOA boundaries have no CRS; expected EPSG:4326")
    codes = pd.Index(boundaries["lsoa_code"].astype(str), name="lsoa_code")
    pwc = population_weighted_centroids().reindex(codes)
    xy = pwc[["x", "y"]].to_numpy(dtype=float, copy=True)
    missing = ~np.isfinite(xy).all(axis=1)
    if missing.any():
        proj = boundaries.iloc[np.flatnonzero(missing)].to_crs(BNG).geometry.to_numpy()
        xy[missing] = shapely.get_coordinates(shapely.point_on_surface(proj))
    source = np.where(missing, FROM_SURFACE, FROM_PWC)
    return pd.DataFrame({"x": xy[:, 0], "y": xy[:, 1], "source": source}, index=codes)


__all__ = ["DATASET_USES", "FROM_PWC", "FROM_SURFACE", "PWC_DATASET", "population_weighted_centroids",
           "reference_point_datasets", "reference_points"]
