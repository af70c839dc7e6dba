"""The ONS NSPL zip (May 2025 edition's 35-column header) rebuilt for a subset of postcodes.

Rows: every postcode of the prepared centroids in areas B, CV, HR, LD, SY and TD (England, the
Welsh border and the Scottish border), 300 others drawn at random (with a fixed seed), every
Channel Islands and Isle of Man postcode of the ``GY9``/``IM9``/``JE3`` districts, and two made-up
Northern Ireland rows that the converter must drop. ``lat``/``long`` are the prepared centroids
(``99.999999``/``0.000000`` where there are none, as NSPL writes it); ``ctry25cd`` is the country
whose outline (``countries_gb_boundaries``) holds the centroid, else the postcode area's;
``lsoa21cd`` is the English LSOA 2021 polygon holding the centroid (nearest one for slivers), a
plausible made-up ``W01``/``S01`` code in Wales and Scotland, a pseudo-code where there is no
centroid. ``doterm`` is set where there is no centroid and on every 40th postcode. Other columns are
plausible fillers (pseudo-codes). The zip holds ``Data/NSPL_MAY_2025_UK.csv`` (CRLF line ends) beside
``Data/multi_csv/NSPL_MAY_2025_UK_LD.csv`` and a CSV in ``Documents/``, as ONS packages it.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from tests.publisher_fixtures._common import FULL, csv_bytes, lsoa21_names, prepared, write_zip

HEADER_LINE = ("pcd7,pcd8,pcds,dointr,doterm,usrtypind,east1m,north1m,gridind,oa21cd,cty25cd,ced25cd,"
               "lad25cd,wd25cd,nhser24cd,ctry25cd,rgn25cd,pcon24cd,ttwa15cd,itl25cd,npark16cd,lsoa21cd,"
               "msoa21cd,wz11cd,sicbl24cd,bua24cd,ruc21ind,oac11ind,lat,long,lep21cd1,lep21cd2,pfa23cd,"
               "imd20ind,icb23cd")
HEADER = HEADER_LINE.split(",")
MEMBER = "Data/NSPL_MAY_2025_UK.csv"
FILE_NAME = "NSPL_MAY_2025_UK.zip"
AREAS = ("B", "CV", "HR", "LD", "SY", "TD")
#: crown dependency districts kept whole (no coordinates in NSPL)
OFFSHORE = ("GY9", "IM9", "JE3")
OTHERS = 300
SEED = 20250501
#: made-up Northern Ireland rows (real NI postcode data carries a separate licence)
NI_ROWS = (("BT99 9ZY", 54.600001, -5.930001), ("BT99 9ZZ", 54.600002, -5.930002))

_WALES = {"CF", "LD", "LL", "NP", "SA"}
_SCOTLAND = {"AB", "DD", "DG", "EH", "FK", "G", "HS", "IV", "KA", "KW", "KY", "ML", "PA", "PH",
             "ZE"}
_COUNTRY = {"E": "E92000001", "W": "W92000004", "S": "S92000003", "L": "L93000001",
            "M": "M83000003", "N": "N92000002"}


def subset(shared: Path) -> pd.DataFrame:
    """The prepared centroids of the fixture's postcodes (sorted like the prepared file)."""
    df = prepared(shared, "nspl_centroids")
    area = df["postcode"].str.replace(r"[0-9].*$", "", regex=True)
    district = df["postcode"].str.replace(" ", "").str[:-3]
    chosen = area.isin(AREAS) | district.isin(OFFSHORE)
    if FULL:
        return df
    rest = df.index[~chosen.to_numpy()]
    extra = np.random.default_rng(SEED).choice(rest, size=OTHERS, replace=False)
    chosen.iloc[extra] = True
    return df[chosen.to_numpy()].reset_index(drop=True)


def _forms(postcode: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """pcd7 (outward padded to 4), pcd8 (padded to 4, then a space) and pcds (one space)."""
    sq = postcode.str.replace(" ", "")
    out, inw = sq.str[:-3], sq.str[-3:]
    return out.str.ljust(4) + inw, out.str.ljust(4) + " " + inw, out + " " + inw


def _country_by_area(area: pd.Series) -> pd.Series:
    letter = pd.Series("E", index=area.index)
    letter[area.isin(_WALES).to_numpy()] = "W"
    letter[area.isin(_SCOTLAND).to_numpy()] = "S"
    letter[area.isin(["GY", "JE"]).to_numpy()] = "L"
    letter[(area == "IM").to_numpy()] = "M"
    return letter


def _locate(points: np.ndarray, geoms: np.ndarray) -> np.ndarray:
    """Index of the polygon holding each point, else the nearest one (-1 for missing points)."""
    tree = shapely.STRtree(geoms)
    found = np.full(len(points), -1)
    valid = np.flatnonzero(~shapely.is_missing(points))
    inp, idx = tree.query(points[valid], predicate="within")
    first = np.unique(inp, return_index=True)[1]
    found[valid[inp[first]]] = idx[first]
    rest = valid[found[valid] < 0]
    if len(rest):
        inp, idx = tree.query_nearest(points[rest], all_matches=False)
        found[rest[inp]] = idx
    return found


def _country_at(points: np.ndarray, geoms: np.ndarray) -> np.ndarray:
    """Index of the country outline holding each point, else the nearest (-1: no point)."""
    geoms = geoms.copy()
    shapely.prepare(geoms)
    found = np.full(len(points), -1)
    valid = np.flatnonzero(~shapely.is_missing(points))
    x, y = shapely.get_x(points[valid]), shapely.get_y(points[valid])
    for i, geom in enumerate(geoms):
        found[valid[shapely.contains_xy(geom, x, y) & (found[valid] < 0)]] = i
    rest = valid[found[valid] < 0]
    if len(rest):
        found[rest] = np.argmin(shapely.distance(points[rest][:, None], geoms[None, :]), axis=1)
    return found


def _made_up(prefix: str, keys: pd.Series, low: int, high: int) -> pd.Series:
    """Plausible codes ``<prefix>nnnnnn`` stable per postcode district."""
    nums = keys.map(lambda k: low + zlib.crc32(str(k).encode()) % (high - low))
    return prefix + nums.map(lambda n: f"{n:06d}")


def nspl_rows(shared: Path) -> pd.DataFrame:
    """The fixture's rows in NSPL's 2025 layout (all 35 columns, as text)."""
    df = subset(shared)
    area = df["postcode"].str.replace(r"[0-9].*$", "", regex=True)
    district = df["postcode"].str.replace(" ", "").str[:-3]
    has = df["lat"].notna().to_numpy()
    pts = np.full(len(df), None, dtype=object)
    pts[has] = shapely.points(df["lon"].to_numpy()[has], df["lat"].to_numpy()[has])
    pts_bng = np.full(len(df), None, dtype=object)
    bng = gpd.GeoSeries(pts[has], crs=4326).to_crs(27700)
    pts_bng[has] = np.asarray(bng.array)

    countries = prepared(shared, "countries_gb").to_crs(27700)
    where = _country_at(pts_bng, np.asarray(countries.geometry.array))
    ctry = _country_by_area(area).map(_COUNTRY)
    by_point = countries["ctry_code"].to_numpy()[np.maximum(where, 0)]
    use = (where >= 0) & ~area.isin(["GY", "JE", "IM"]).to_numpy()
    ctry[use] = by_point[use]
    letter = ctry.str[0]

    lsoa = prepared(shared, "lsoa21_boundaries").to_crs(27700)
    english = (letter == "E").to_numpy() & has
    at = np.full(len(df), -1)
    at[english] = _locate(pts_bng[english], np.asarray(lsoa.geometry.array))
    lsoa21 = letter + "99999999"
    lsoa21[english] = lsoa["lsoa21_code"].to_numpy()[at[english]]
    wales = (letter == "W").to_numpy() & has
    lsoa21[wales] = _made_up("W01", district[wales], 1, 1958)
    scot = (letter == "S").to_numpy() & has
    lsoa21[scot] = _made_up("S01", district[scot], 6506, 13481)

    lk = lsoa21_names(shared)
    rg = prepared(shared, "ltla24_region24_lookup", dtype=str)
    lad = lsoa21.map(lk.set_index("lsoa21_code")["ltla24_code"])
    rgn = lad.map(rg.set_index("ltla24_code")["region24_code"])
    pseudo = letter + "99999999"

    pcd7, pcd8, pcds = _forms(df["postcode"])
    n = np.arange(len(df))
    doterm = pd.Series("", index=df.index)
    doterm[(n % 40 == 7)] = "2019" + pd.Series(n % 12 + 1).map(lambda m: f"{m:02d}")[n % 40 == 7]
    doterm[~has] = "200006"
    east = pd.Series("", index=df.index)
    north = pd.Series("", index=df.index)
    east[has] = bng.x.round().astype(int).astype(str).to_numpy()
    north[has] = bng.y.round().astype(int).astype(str).to_numpy()
    lat = df["lat"].map(lambda v: f"{v:.6f}").where(has, "99.999999")
    lon = df["lon"].map(lambda v: f"{v:.6f}").where(has, "0.000000")

    out = pd.DataFrame({c: pseudo for c in HEADER})
    out["pcd7"], out["pcd8"], out["pcds"] = pcd7, pcd8, pcds
    out["dointr"] = "198001"
    out["doterm"] = doterm
    out["usrtypind"] = "0"
    out["east1m"], out["north1m"] = east, north
    out["gridind"] = np.where(has, "1", "9")
    out["oa21cd"] = ""
    out["lad25cd"] = lad.fillna(pseudo)
    out["rgn25cd"] = rgn.fillna(pseudo)
    out["ctry25cd"] = ctry
    out["lsoa21cd"] = lsoa21
    out["ruc21ind"] = np.where(letter == "E", "UN1", "")
    out["oac11ind"] = ""
    out["lat"], out["long"] = lat, lon
    out["lep21cd2"] = ""
    out["imd20ind"] = ""
    ni = pd.DataFrame({c: "N99999999" for c in HEADER}, index=range(len(NI_ROWS)))
    for i, (pc, la, lo) in enumerate(NI_ROWS):
        p7, p8, ps = (s.iloc[0] for s in _forms(pd.Series([pc])))
        ni.loc[i, ["pcd7", "pcd8", "pcds", "dointr", "doterm", "ctry25cd", "lat", "long"]] = [
            p7, p8, ps, "199002", "", "N92000002", f"{la:.6f}", f"{lo:.6f}"]
    out = pd.concat([out, ni], ignore_index=True)
    return out.sort_values("pcd7", kind="stable").reset_index(drop=True)[HEADER]


def build_nspl(shared: Path, out_dir: Path) -> Path:
    """``NSPL_MAY_2025_UK.zip`` holding ``Data/NSPL_MAY_2025_UK.csv`` and sibling files."""
    rows = nspl_rows(shared)
    ld = rows[rows["pcds"].str.startswith("LD")]
    countries = pd.DataFrame({"CTRY12CD": list(_COUNTRY.values()),
                              "CTRY12NM": ["England", "Wales", "Scotland", "Channel Islands",
                                           "Isle of Man", "Northern Ireland"]})
    return write_zip(out_dir / FILE_NAME, [
        ("Documents/Country names and codes UK as at 08_12.csv",
         csv_bytes(countries, newline="\r\n")),
        (MEMBER, csv_bytes(rows, newline="\r\n")),
        ("Data/multi_csv/NSPL_MAY_2025_UK_LD.csv", csv_bytes(ld, newline="\r\n")),
    ])


BUILDERS: dict[str, Callable[[Path, Path], Path]] = {"nspl": build_nspl}
PARTIAL: dict[str, str] = {"nspl_codes": "postcode"} if FULL else {
    "nspl_centroids": "postcode", "nspl_codes": "postcode"}
