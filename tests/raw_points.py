"""LSOA reference points worked out from the raw files, for tests to compare the code's against."""

from __future__ import annotations

from functools import cache

import geopandas as gpd
import pandas as pd

from needsmap.data.catalog import get_dataset


def raw_reference_points(bounds: gpd.GeoDataFrame) -> pd.DataFrame:
    """Each LSOA's point from the raw files: the ONS population-weighted centroid (the CSV's WGS84
    lat/lon projected by geopandas), else the polygon's representative point (inside it)."""
    path = get_dataset("lsoa21_pwc").path  # the ONS CSV (the embedded demo holds a parquet)
    raw = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path, dtype=str)
    xy = gpd.points_from_xy(raw["lon"].astype(float), raw["lat"].astype(float))
    pwc = gpd.GeoSeries(xy, index=raw["lsoa21_code"], crs=4326).to_crs(27700)
    poly = bounds.set_index("lsoa_code").geometry.to_crs(27700)
    has = poly.index.isin(pwc.index)
    pt = poly.representative_point()
    pt[has] = pwc.reindex(poly.index[has]).to_numpy()
    return pd.DataFrame({"x": pt.x.to_numpy(), "y": pt.y.to_numpy(), "pwc": has},
                        index=pd.Index(poly.index.astype(str), name="lsoa_code"))


@cache
def raw_postcode_lsoa(postcode: str, vintage: str) -> str:
    """The LSOA of ``vintage`` (``lsoa11``/``lsoa21``) whose raw boundary holds the postcode's raw NSPL
    centroid, joined here with geopandas (not needsmap's placement)."""
    from tests import raw

    nspl = pd.read_parquet(raw.path("postcodes/nspl_2025_05_postcode_centroids.parquet"))
    hit = nspl.loc[nspl["postcode"].str.replace(" ", "") == postcode.replace(" ", "").upper()]
    assert len(hit) == 1, f"{postcode}: {len(hit)} rows in the raw NSPL"
    point = gpd.GeoDataFrame(geometry=gpd.points_from_xy(hit["lon"], hit["lat"]), crs=4326)
    polys = gpd.read_parquet(raw.path(f"geography/{vintage}_boundaries.parquet")).to_crs(4326)
    [code] = gpd.sjoin(point, polys, predicate="within")[f"{vintage}_code"]
    return str(code)
