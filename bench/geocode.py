"""Benchmark: place 100,000 real postcodes typed messily (sampled from NSPL, England areas) in LSOA
2011 and 2021, with the prepared postcode table, against the code before it (issue #11).

Prints, each measured in a fresh process:

- the table build (``prepare_postcode_table`` into an empty cache folder: what ``needsmap data
  fetch`` or the first large list pays once; ``--no-build`` skips it);
- cold: the first ``place_postcodes`` call of a process on the 100,000 postcodes (the table read
  from the cache folder; for the old code the NSPL lookup, boundaries and spatial indices loaded);
- warm: the median (and best) of 3 further calls, against the target of 0.5 s;
- whether the old and the new code give the same result for every postcode (every column);
- the status counts and a consistency proxy: how often the LSOA 2011 and 2021 of a placed postcode
  are a pair in the ONS lookup.

``--before REV_OR_SRC`` names the old code: a git revision (e.g. ``8eccacc``, the commit before) or
a ``src`` folder; it runs with its own temporary cache folder (warmed by a first run) and the same data
folder. Without it only the new figures are printed. The machine may be shared: figures are noisy.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from _common import before_src

N = 100_000
TARGET_WARM = 0.5
#: postcode areas outside England (left out of the sample, as before)
NOT_ENGLAND = {"AB", "DD", "DG", "EH", "FK", "G", "HS", "IV", "KA", "KW", "KY", "ML", "PA", "PH", "ZE",
               "CF", "LD", "LL", "NP", "SA", "BT", "IM", "JE", "GY", "NPT"}


def sample_postcodes(n: int, seed: int = 1) -> pd.Series:
    from needsmap.data import read_table

    nspl = read_table("nspl_centroids")
    area = nspl["postcode"].str.extract(r"^([A-Z]+)", expand=False)
    england = nspl[~area.isin(NOT_ENGLAND)]
    return england["postcode"].sample(n, random_state=seed).reset_index(drop=True)


def messy(pcs: pd.Series, seed: int = 2) -> pd.Series:
    rng = np.random.default_rng(seed)
    out = pcs.copy()
    pick = rng.random(len(out))
    out[pick < 0.25] = out[pick < 0.25].str.lower()
    out[(pick >= 0.25) & (pick < 0.45)] = out[(pick >= 0.25) & (pick < 0.45)].str.replace(" ", "")
    out[(pick >= 0.45) & (pick < 0.55)] = " " + out[(pick >= 0.45) & (pick < 0.55)] + ". "
    return out


def child(inp: Path, out: Path) -> None:
    """In a fresh process: time the first and three more calls; save the result and the times."""
    from needsmap.orgs import geocode as gc

    typed = pd.read_parquet(inp)["postcode"]
    times = []
    for _ in range(4):
        started = time.perf_counter()
        res = gc.place_postcodes(typed)
        times.append(time.perf_counter() - started)
    res.astype({c: object for c in res.columns if c not in ("lat", "lon")}).to_parquet(out)
    Path(str(out) + ".json").write_text(json.dumps(times))


def run_child(src: Path | None, cache: Path, inp: Path, out: Path) -> list[float]:
    from needsmap.config import data_dir

    env = dict(os.environ, NEEDSMAP_CACHE_DIR=str(cache), NEEDSMAP_DATA_DIR=str(data_dir()))
    if src is not None:
        env["PYTHONPATH"] = str(src)
    proc = subprocess.run([sys.executable, __file__, "--child", str(inp), str(out)], env=env,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"the child run failed:\n{proc.stderr[-3000:]}")
    return json.loads(Path(str(out) + ".json").read_text())


def build_time(cache: Path) -> tuple[float, str]:
    """Seconds to build the postcode table into an empty cache folder (fresh process)."""
    from needsmap.config import data_dir

    env = dict(os.environ, NEEDSMAP_CACHE_DIR=str(cache), NEEDSMAP_DATA_DIR=str(data_dir()))
    code = ("import time; t = time.perf_counter(); from needsmap.orgs.postcode_table import "
            "prepare_postcode_table as p; s = p(); print(time.perf_counter() - t); print(s)")
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"the table build failed:\n{proc.stderr[-3000:]}")
    seconds, summary = proc.stdout.strip().split("\n", 1)
    return float(seconds), summary


def report(res: pd.DataFrame) -> None:
    from needsmap.data import read_table
    from needsmap.orgs import geocode as gc

    n = len(res)
    print("status counts:")
    for status, k in res["status"].value_counts().items():
        print(f"  {k:>7,}  {k / n:6.2%}  {status}")
    ok = res["status"] == gc.OK
    snapped = res["placed_by"] == gc.BY_POSTCODE_SNAP
    print(f"placed: {ok.mean():.2%} of all; {ok.sum() / res['lat'].notna().sum():.2%} of those "
          f"with coordinates; snapped to nearest LSOA within {gc.SNAP_METRES:.0f} m: {snapped.mean():.2%}")
    lk = read_table("lsoa11_lsoa21_lookup")
    pairs = pd.MultiIndex.from_arrays([lk["lsoa11_code"].astype(str), lk["lsoa21_code"].astype(str)])
    placed = res[ok]
    agree = pd.MultiIndex.from_arrays([placed["lsoa11_code"].astype(str),
                                       placed["lsoa21_code"].astype(str)]).isin(pairs)
    print(f"LSOA 2011 and 2021 of the same point are a pair in the ONS lookup: {agree.mean():.2%} "
          "(2011 comes from the lookup for unchanged/split LSOAs; the rest are merged/irregular ones "
          "placed in the 2011 polygons)")


def same(a: pd.DataFrame, b: pd.DataFrame) -> str:
    if len(a) != len(b) or list(a.columns) != list(b.columns):
        return "DIFFERENT shape"
    bad = []
    for c in a.columns:
        x, y = a[c].to_numpy(dtype=object), b[c].to_numpy(dtype=object)
        eq = np.array([(u == v) or (pd.isna(u) and pd.isna(v)) for u, v in zip(x, y, strict=True)])
        if not eq.all():
            bad.append(f"{c} in {int((~eq).sum()):,} rows")
    return "DIFFERENT: " + ", ".join(bad) if bad else f"identical in every column for all {len(a):,}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=N)
    parser.add_argument("--before", default=None, metavar="REV_OR_SRC",
                        help="also time the code of this git revision (e.g. 8eccacc) or src folder")
    parser.add_argument("--no-build", action="store_true", help="skip timing a fresh table build")
    parser.add_argument("--child", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    from needsmap.config import cache_dir

    tmp = Path(tempfile.mkdtemp(prefix="needsmap-bench-geocode-"))
    try:
        before = None if args.before is None else before_src(args.before, tmp)
        started = time.perf_counter()
        typed = messy(sample_postcodes(args.n))
        inp = tmp / "typed.parquet"
        pd.DataFrame({"postcode": typed}).to_parquet(inp)
        print(f"sampled {len(typed):,} postcodes from NSPL (England areas), typed messily, in "
              f"{time.perf_counter() - started:.1f}s")
        if not args.no_build:
            seconds, summary = build_time(tmp / "fresh-cache")
            print(f"table build (empty cache folder, fresh process): {seconds:.1f} s — {summary}")
            shutil.rmtree(tmp / "fresh-cache", ignore_errors=True)
        cache = cache_dir()
        sides: dict[str, tuple[Path | None, Path]] = {"new": (None, cache)}
        if before is not None:
            sides["old"] = (before, tmp / "old-cache")
        else:
            print("(no --before: only the new code's figures)")
        results = {}
        for side, (src, side_cache) in sides.items():
            run_child(src, side_cache, inp, tmp / f"{side}.parquet")  # warm-up: caches prepared
            times = run_child(src, side_cache, inp, tmp / f"{side}.parquet")
            warm = times[1:]
            goal = (f"   (target < {TARGET_WARM:g} s: {'met' if np.median(warm) < TARGET_WARM else 'NOT met'})"
                    if side == "new" else "")
            print(f"{side}: cold (first call in a process) {times[0]:.2f} s; warm median "
                  f"{np.median(warm):.2f} s, best {min(warm):.2f} s "
                  f"({args.n / min(warm):,.0f} postcodes/s){goal}")
            results[side] = pd.read_parquet(tmp / f"{side}.parquet")
        if "old" in results:
            print(f"old and new results: {same(results['old'], results['new'])}")
        report(results["new"])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
