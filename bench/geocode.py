"""Benchmark: place 100,000 real English postcodes (sampled from NSPL) in LSOA 2011 and 2021.

Prints the cold time (first call: lookup, boundaries and spatial index loaded), the warm time for
100,000 postcodes typed messily (case, spacing, punctuation), the placement rate, and a proxy for
consistency: how often the LSOA 2011 and LSOA 2021 found for a point are a pair in the ONS lookup.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from needsmap.data import read_table
from needsmap.orgs import geocode as gc

N = 100_000
NOT_ENGLAND = gc._SCOTLAND | gc._WALES | {"BT", "IM", "JE", "GY", "NPT"}


def sample_postcodes(n: int, seed: int = 1) -> pd.Series:
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


def main() -> None:
    t = time.perf_counter()
    pcs = sample_postcodes(N)
    print(f"sampled {len(pcs):,} postcodes from NSPL (England areas) in {time.perf_counter() - t:.1f}s")

    t = time.perf_counter()
    gc.place_postcodes(pcs.head(10))
    print(f"cold start (lookup + LSOA 2011/2021 spatial indexes): {time.perf_counter() - t:.1f}s")

    typed = messy(pcs)
    times = []
    for _ in range(3):
        t = time.perf_counter()
        res = gc.place_postcodes(typed)
        times.append(time.perf_counter() - t)
    print(f"place_postcodes({N:,} messy postcodes): best {min(times):.2f}s, "
          f"mean {np.mean(times):.2f}s  ({N / min(times):,.0f} postcodes/s)")

    counts = res["status"].value_counts()
    print("status counts:")
    for status, k in counts.items():
        print(f"  {k:>7,}  {k / N:6.2%}  {status}")
    ok = res["status"] == gc.OK
    snapped = res["placed_by"] == gc.BY_POSTCODE_SNAP
    print(f"placed: {ok.mean():.2%} of all; {ok.sum() / res['lat'].notna().sum():.2%} of those "
          f"with coordinates; snapped to nearest LSOA within {gc.SNAP_METRES:.0f} m: {snapped.mean():.2%}")

    lk = read_table("lsoa11_lsoa21_lookup")
    pairs = set(zip(lk["lsoa11_code"], lk["lsoa21_code"], strict=True))
    placed = res[ok]
    agree = np.fromiter(((a, b) in pairs for a, b in
                         zip(placed["lsoa11_code"], placed["lsoa21_code"], strict=True)), bool)
    print(f"LSOA 2011 and 2021 of the same point are a pair in the ONS lookup: {agree.mean():.2%} "
          "(2011 comes from the lookup for unchanged/split LSOAs; the rest are merged/irregular ones "
          "placed in the 2011 polygons)")


if __name__ == "__main__":
    main()
