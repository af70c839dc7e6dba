"""The script an analyst would write for ``needsmap gaps --area England``: the benchmark's peer.

Run as a whole process: ``python bench/peers/gaps_geopandas.py DATA_DIR ORGS.csv OUT.csv [RADIUS_KM]``.
``ORGS.csv`` is an organisation list with ``lat`` and ``lon`` columns, or else a ``postcode`` column
(e.g. libraries_england_2023.csv).

Plain geopandas on the same files needsmap reads: postcodes to their ONS centroids (NSPL) with a
merge when the list has no coordinates, each organisation put in its LSOA 2021 with ``sjoin``
(within), organisations within the radius of each LSOA's centre with a distance join (``dwithin``:
the exact circle a buffer approximates), the nearest organisation with ``sjoin_nearest``, the IMD
2025 ranks merged in, and one CSV row per LSOA. The LSOA centre is the one needsmap uses (centroid, or
a point inside where the centroid falls outside), so the two can agree number for number.
"""

from __future__ import annotations

import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd

data = Path(sys.argv[1])
orgs_file, out_file = sys.argv[2], sys.argv[3]
radius_m = 1000 * float(sys.argv[4]) if len(sys.argv) > 4 else 1000.0

lsoas = gpd.read_parquet(data / "geography" / "lsoa21_boundaries.parquet",
                         columns=["lsoa21_code", "geometry"]).to_crs(27700)
imd = pd.read_csv(data / "imd" / "imd2025_lsoa21.csv",
                  usecols=["lsoa21_code", "IMD_rank", "IMD_decile"], index_col="lsoa21_code")

orgs = pd.read_csv(orgs_file, encoding="utf-8-sig", dtype=str)
if not {"lat", "lon"} <= set(orgs.columns):
    # organisations at their postcode's centroid (postcodes compared without spaces)
    postcodes = pd.read_parquet(data / "postcodes" / "nspl_2025_05_postcode_centroids.parquet")
    postcodes["pc"] = postcodes["postcode"].str.replace(" ", "")
    orgs["pc"] = orgs["postcode"].str.upper().str.replace(" ", "")
    orgs = orgs.merge(postcodes[["pc", "lat", "lon"]], on="pc")
orgs = orgs.dropna(subset=["lat", "lon"])
points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(orgs["lon"].astype(float),
                                                      orgs["lat"].astype(float)),
                          crs=4326).to_crs(27700)

# organisations in each LSOA
in_lsoa = gpd.sjoin(points, lsoas, predicate="within").groupby("lsoa21_code").size()

# each LSOA's centre: its centroid, or a point inside where the centroid falls outside
centres = lsoas.centroid
outside = ~centres.within(lsoas.geometry)
centres[outside] = lsoas.geometry[outside].representative_point()
centres = gpd.GeoDataFrame(lsoas[["lsoa21_code"]], geometry=centres)

within = (gpd.sjoin(centres, points, predicate="dwithin", distance=radius_m)
          .groupby("lsoa21_code").size())
nearest = gpd.sjoin_nearest(centres, points, distance_col="m").groupby("lsoa21_code")["m"].min()

out = imd.reindex(centres["lsoa21_code"])
out["orgs_in_lsoa"] = in_lsoa.reindex(out.index, fill_value=0)
out["orgs_within_radius"] = within.reindex(out.index, fill_value=0)
out["nearest_org_km"] = (nearest.reindex(out.index) / 1000).round(3)
out.sort_values("IMD_rank").to_csv(out_file)
