"""An applicant list for the eligibility tests, and its expected answers, from the raw files only.

Nothing here calls the code under test: LSOAs are picked from the raw IMD 2025 and Rural-Urban
Classification CSVs; a postcode row's LSOA is the raw boundary polygon holding its raw NSPL centroid
(geopandas), taken only where the centroid is well inside (so boundary generalisation cannot matter).
"""

from __future__ import annotations

import io
from functools import cache

import geopandas as gpd
import pandas as pd

from tests import raw

#: the rules the tests use: IMD 2025 deciles 1–2 (rural: 1–3), or a health rank up to 3,000
RULES_QUERY = "1.2025.any~imd.d.2.3~health.r.3000"
#: a postcode-shaped text that is no postcode: the one row that cannot be placed
BAD_POSTCODE = "ZZ9 9ZZ"


@cache
def raw_table() -> pd.DataFrame:
    """Raw IMD 2025 (decile, health rank) and RUC 2021 (``urban_rural``) per LSOA 2021."""
    imd = raw.imd("2025")[["IMD_decile", "Health_rank"]]
    ruc = raw.csv("geography/lsoa21_ruc21.csv").set_index("lsoa21_code")["urban_rural"]
    return imd.join(ruc)


def expected(codes: pd.Series) -> pd.Series:
    """Eligible (True/False) under :data:`RULES_QUERY`, straight from the raw columns."""
    t = raw_table().reindex(codes.to_numpy())
    limit = (t["urban_rural"] == "Rural").map({True: 3, False: 2})
    ok = (t["IMD_decile"] <= limit) | (t["Health_rank"] <= 3000)
    return pd.Series(ok.to_numpy(), index=codes.index)


def _pick(n: int, **want: object) -> list[str]:
    """The first ``n`` LSOAs (by code) meeting ``want`` (IMD_decile, urban_rural, health_max)."""
    t = raw_table()
    keep = pd.Series(True, index=t.index)
    if "decile" in want:
        keep &= t["IMD_decile"] == want["decile"]
    if "group" in want:
        keep &= t["urban_rural"] == want["group"]
    if "health_max" in want:
        keep &= t["Health_rank"] <= int(str(want["health_max"]))
    if "health_min" in want:
        keep &= t["Health_rank"] > int(str(want["health_min"]))
    return sorted(t.index[keep])[:n]


@cache
def applicant_codes() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """LSOAs given by code, and LSOAs whose postcode is given: urban and rural, in and out."""
    by_code = (
        *_pick(2, decile=1, group="Urban"),                      # urban, decile 1: eligible
        *_pick(2, decile=3, group="Urban", health_min=3000),     # urban, decile 3: not
        *_pick(2, decile=3, group="Rural", health_min=3000),     # rural, decile 3: eligible (rural 1–3)
        *_pick(2, decile=4, group="Rural", health_min=3000),     # rural, decile 4: not
        *_pick(1, decile=5, group="Urban", health_max=3000),     # eligible by the health rule only
        *_pick(2, decile=9, group="Urban"),                      # not
    )
    by_postcode = (  # four candidates of each kind; two with a postcode well inside are used
        *_pick(24, decile=2, group="Urban")[20:],                   # urban, decile 2: eligible
        *_pick(24, decile=3, group="Rural", health_min=3000)[20:],  # rural, decile 3: eligible
        *_pick(24, decile=6, group="Rural", health_min=3000)[20:],  # rural, decile 6: not
        *_pick(24, decile=7, group="Urban", health_min=3000)[20:],  # urban, decile 7: not
    )
    return by_code, by_postcode


@cache
def postcodes_inside(codes: tuple[str, ...], per_lsoa: int = 1, depth_m: float = 150.0) -> pd.DataFrame:
    """Postcodes whose raw NSPL centroid lies at least ``depth_m`` inside a raw LSOA 2021 polygon of
    ``codes``: columns ``postcode``, ``lsoa21_code``; ``per_lsoa`` per LSOA (fewer if none is)."""
    bounds = gpd.read_parquet(raw.path("geography/lsoa21_boundaries.parquet"))
    poly = bounds[bounds["lsoa21_code"].isin(codes)].to_crs(27700)
    box = bounds[bounds["lsoa21_code"].isin(codes)].total_bounds
    nspl = pd.read_parquet(raw.path("postcodes/nspl_2025_05_postcode_centroids.parquet"))
    near = nspl[nspl["lon"].between(box[0], box[2]) & nspl["lat"].between(box[1], box[3])]
    pts = gpd.GeoDataFrame(near[["postcode"]], geometry=gpd.points_from_xy(near["lon"], near["lat"]),
                           crs=4326).to_crs(27700)
    hit = gpd.sjoin(pts, poly[["lsoa21_code", "geometry"]], predicate="within")
    edge = poly.set_index("lsoa21_code").boundary
    hit["depth"] = [pt.distance(edge[c]) for pt, c in zip(hit.geometry, hit["lsoa21_code"], strict=True)]
    hit = hit[hit["depth"] >= depth_m].sort_values(["lsoa21_code", "postcode"])
    return hit.groupby("lsoa21_code").head(per_lsoa)[["postcode", "lsoa21_code"]].reset_index(drop=True)


@cache
def applicant_list() -> pd.DataFrame:
    """The 20-row list: ``name``, ``postcode``, ``lsoa_code`` (one of the two given per row) and the
    expected answer: ``want_code`` (LSOA 2021) and ``want`` (``Yes``/``No``, blank for the bad row)."""
    by_code, by_postcode = applicant_codes()
    found = postcodes_inside(by_postcode).set_index("lsoa21_code")["postcode"]
    pcs = pd.DataFrame([(found[c], c) for k in range(4) for c in
                        [c for c in by_postcode[4 * k:4 * k + 4] if c in found.index][:2]],
                       columns=["postcode", "lsoa21_code"])
    pcs["postcode"] = pcs["postcode"].str.replace(" ", "").map(lambda p: f"{p[:-3]} {p[-3:]}")
    rows = [{"name": f"Code applicant {i + 1}", "postcode": "", "lsoa_code": c, "want_code": c}
            for i, c in enumerate(by_code)]
    rows += [{"name": f"Postcode applicant {i + 1}", "postcode": p, "lsoa_code": "", "want_code": c}
             for i, (p, c) in enumerate(zip(pcs["postcode"], pcs["lsoa21_code"], strict=True))]
    assert len(rows) == 19, "every kind of LSOA should have two postcodes well inside"
    rows.insert(7, {"name": "Bad applicant", "postcode": BAD_POSTCODE, "lsoa_code": "", "want_code": ""})
    out = pd.DataFrame(rows)
    ok = expected(out["want_code"])
    out["want"] = ["" if not c else ("Yes" if y else "No") for c, y in zip(out["want_code"], ok, strict=True)]
    return out


def applicant_csv() -> bytes:
    """:func:`applicant_list`'s input columns as the CSV an applicant would upload."""
    buf = io.StringIO()
    applicant_list()[["name", "postcode", "lsoa_code"]].to_csv(buf, index=False)
    return buf.getvalue().encode("utf-8")
