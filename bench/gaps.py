"""Coverage gaps: time the KD-tree computation against the same measures done with geopandas joins.

Run: ``.venv/bin/python bench/gaps.py`` (or ``make bench``). Uses the real default layers
(libraries + food banks, several thousand placed organisations) for Birmingham and all of England,
and checks the two methods give the same numbers.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import geopandas as gpd
import numpy as np
import pandas as pd

from needsmap import areas, data
from needsmap.analysis import coverage as cv
from needsmap.cli import main as cli_main
from needsmap.export import to_csv_bytes
from needsmap.orgs import load_default_layer

T = TypeVar("T")
RADIUS_KM = 1.0
ROOT = Path(__file__).resolve().parents[1]


def timed(fn: Callable[[], T], repeat: int = 3) -> tuple[T, float]:
    """Best wall time of ``repeat`` runs (seconds) and the last result."""
    best = float("inf")
    out: T
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return out, best


def projected(table: pd.DataFrame, bounds: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """LSOA polygons and reference points in EPSG:27700 (done once, outside the timings)."""
    polys = bounds.to_crs(27700).set_index("lsoa_code")
    cent = polys.geometry.centroid
    outside = ~cent.within(polys.geometry)
    cent[outside] = polys.geometry[outside].representative_point()
    refs = gpd.GeoDataFrame({"population": table["population"].reindex(cent.index)}, geometry=cent,
                            crs=27700)
    return polys, refs


def geopandas_coverage(table: pd.DataFrame, polys: gpd.GeoDataFrame, refs: gpd.GeoDataFrame,
                       orgs: pd.DataFrame, area: areas.Area, radius_km: float) -> pd.DataFrame:
    """The coverage measures the plain way: point-in-polygon, buffer + sjoin, sjoin_nearest.

    Gets the same projected polygons and reference points needsmap uses, so only the joins are timed.
    """
    sel = areas.select(table, area)
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(orgs["lon"], orgs["lat"]), crs=4326).to_crs(27700)
    area_polys = polys.loc[sel.index, ["geometry"]]
    area_refs = refs.loc[sel.index, ["geometry"]]
    r = radius_km * 1000
    inside = gpd.sjoin(pts, area_polys, predicate="within")
    in_lsoa = inside.groupby("lsoa_code").size()
    circles = gpd.GeoDataFrame(geometry=area_refs.buffer(r), crs=27700)
    near = gpd.sjoin(circles, pts, predicate="intersects")
    within = near.groupby(level=0).size()
    nearest = gpd.sjoin_nearest(area_refs, pts, distance_col="m")
    nearest = nearest[~nearest.index.duplicated()]["m"]
    catch = gpd.sjoin(circles, refs, predicate="intersects").groupby(level=0)["population"].sum()
    out = pd.DataFrame(index=sel.index)
    out["orgs_in_lsoa"] = in_lsoa.reindex(out.index).fillna(0).astype(int)
    out["orgs_within_radius"] = within.reindex(out.index).fillna(0).astype(int)
    out["nearest_org_km"] = nearest.reindex(out.index) / 1000
    out["catchment_population"] = catch.reindex(out.index).fillna(0)
    out["orgs_per_1000"] = out["orgs_within_radius"] / out["catchment_population"] * 1000
    return out


def main() -> None:
    t0 = time.perf_counter()
    table = data.load_lsoa_table("2025")
    bounds = data.load_boundaries("2025")
    layers = [load_default_layer(i) for i in ("libraries", "foodbanks")]
    raw = pd.concat([lay.table for lay in layers], ignore_index=True)
    orgs, excluded = cv.usable_orgs(raw)
    print(f"data loaded in {time.perf_counter() - t0:.1f} s; organisations: libraries + food banks, "
          f"{len(raw):,} rows, {len(orgs):,} usable (left out: {excluded})")
    points, t_points = timed(lambda: cv.reference_points(bounds), 1)
    print(f"LSOA reference points for England (once, cached by the app and CLI): {t_points:.2f} s")
    polys, refs = projected(table, bounds)

    for name in ("Birmingham", "England"):
        area = areas.find_area(name, table)
        res, t_fast = timed(lambda a=area: cv.analyse_gaps(table, points, orgs, area=a, edition="2025",
                                                           radius_km=RADIUS_KM))
        sel = areas.select(table, area)
        q = points.loc[sel.index, ["x", "y"]].to_numpy()
        _, t_tree = timed(lambda q=q: cv.coverage_arrays(
            q, cv.org_xy(orgs), points[["x", "y"]].to_numpy(),
            table["population"].reindex(points.index).to_numpy(), RADIUS_KM * 1000))
        ref, t_gpd = timed(lambda a=area: geopandas_coverage(table, polys, refs, orgs, a, RADIUS_KM))
        d = res.lsoas.loc[ref.index]
        agree = {c: float((np.isclose(d[c], ref[c], equal_nan=True)).mean()) for c in ref.columns}
        print(f"\n{name}: {len(sel):,} LSOAs, {res.n_orgs:,} organisations ({res.n_orgs_in_area:,} inside), "
              f"radius {RADIUS_KM:g} km")
        print(f"  needsmap analyse_gaps (KD-tree, all columns + need + gap + classes): {t_fast:.3f} s")
        print(f"    of which the coverage measures (cKDTree):                          {t_tree:.3f} s")
        print(f"  geopandas joins (sjoin within, buffer+sjoin, sjoin_nearest), measures only: "
              f"{t_gpd:.3f} s  → {t_gpd / t_tree:.0f}× the KD-tree measures, "
              f"{t_gpd / t_fast:.1f}× the whole analysis")
        print("  agreement with the geopandas version (share of LSOAs equal; buffers are polygons "
              "approximating the circle, so points right on its edge can differ): "
              + ", ".join(f"{c} {v:.2%}" for c, v in agree.items()))
        print(f"  {cv.summary_sentence(res)}")

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "england.csv"
        argv = ["gaps", "--area", "England", "--orgs", "default:libraries", "--out", str(out)]
        cmd = [sys.executable, "-m", "needsmap.cli", *argv]
        t1 = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True, cwd=ROOT)
        t_cli = time.perf_counter() - t1
        rows = sum(1 for _ in out.open(encoding="utf-8-sig")) - 1
        _, t_warm = timed(lambda: cli_main(argv), 2)

        libs = cv.usable_orgs(load_default_layer("libraries").table)[0]

        def plain() -> None:
            """The same job written with geopandas joins: load, project, join, write the CSV."""
            tab = data.load_lsoa_table("2025")
            polys, refs = projected(tab, data.load_boundaries("2025"))
            res = geopandas_coverage(tab, polys, refs, libs, areas.ENGLAND, RADIUS_KM)
            (Path(tmp) / "plain.csv").write_bytes(to_csv_bytes(tab.join(res, how="inner")))

        _, t_plain = timed(plain, 2)
        print(f"\nCLI `needsmap gaps --area England --orgs default:libraries` ({rows:,} rows):")
        print(f"  new process, end to end (start-up, cached data, analysis, CSV): {t_cli:.1f} s")
        print(f"  in-process, warm (load cached data, points, analysis, CSV):      {t_warm:.1f} s")
        print(f"  plain geopandas pipeline, in-process, warm (load, project, joins, CSV of the "
              f"measures only — no need, gap or classes): {t_plain:.1f} s")


if __name__ == "__main__":
    main()
