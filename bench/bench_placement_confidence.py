"""How right is a postcode's LSOA from its centroid, and how well does ``confidence`` say so?

Against the exact ONS postcode → OA/LSOA/MSOA lookup for the London Borough of Lewisham
(``postcodes/lewisham_postcode_lsoa11_lookup.csv``: 8,419 postcodes, live and terminated, exact LSOA
2011, LSOA 2021 where the 2011 one maps to a single 2021 one, MSOA 2011), this prints:

- agreement of ``place_postcodes`` (NSPL centroid in the generalised LSOA polygons) with the exact
  LSOA 2011 and LSOA 2021, over all postcodes and over those with a centroid;
- per confidence class ("sure", "uncertain"): its share of the placed postcodes and how often it
  is right — what a user can read into each class;
- MSOA 2011 agreement (the placed LSOA 2011's MSOA against the exact MSOA);
- the figures behind ``geocode.GENERALISATION_METRES``: how far the wrongly placed centroids lie
  from their true LSOA polygon (percentiles, metres), and how often a wrong placement is one the
  tolerance flags as uncertain.

Figures only; no timing. Run: ``.venv/bin/python bench/bench_placement_confidence.py``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from needsmap.crs import to_bng
from needsmap.data import read_table
from needsmap.data.catalog import get_dataset
from needsmap.orgs import geocode as gc

LEWISHAM = get_dataset("nspl_centroids").path.parent / "lewisham_postcode_lsoa11_lookup.csv"


def _share(part: pd.Series) -> str:
    return f"{part.mean():6.1%} ({int(part.sum()):,} of {len(part):,})"


def main() -> None:
    exact = pd.read_csv(LEWISHAM, dtype=str)
    placed = gc.place_postcodes(exact["postcode"])
    print(f"Lewisham exact lookup: {len(exact):,} postcodes; "
          f"{int(placed['lsoa11_code'].notna().sum()):,} placed by the centroid method "
          f"(GENERALISATION_METRES = {gc.GENERALISATION_METRES:.0f} m)")
    with_point = placed["lat"].notna()
    for vintage in ("lsoa11", "lsoa21"):
        truth = exact[f"{vintage}_code"]
        has = truth.notna()
        right = (placed[f"{vintage}_code"] == truth).fillna(False).astype(bool)
        print(f"\nLSOA {vintage[-2:]} agreement: all {_share(right[has])}; "
              f"with a centroid {_share(right[has & with_point])}")
        for conf in (gc.CONF_SURE, gc.CONF_UNCERTAIN):
            sel = has & (placed["confidence"] == conf).fillna(False).to_numpy(dtype=bool)
            print(f"  {conf:>9}: share of placed {sel.sum() / (has & placed['confidence'].notna()).sum():6.1%}; "
                  f"right {_share(right[sel])}")
        wrong = has & placed[f"{vintage}_code"].notna() & ~right
        flagged = (placed.loc[wrong, "confidence"] == gc.CONF_UNCERTAIN).mean()
        print(f"  wrong placements flagged uncertain: {flagged:.1%} of {int(wrong.sum()):,}")

    msoa = read_table("lsoa11_msoa11_lookup").set_index("lsoa11_code")["msoa11_code"]
    got = placed["lsoa11_code"].map(msoa)
    has = exact["msoa11_code"].notna()
    right = (got == exact["msoa11_code"]).fillna(False).astype(bool)
    print(f"\nMSOA 2011 agreement: all {_share(right[has])}; with a centroid {_share(right[has & with_point])}")

    # the tolerance: distance from each wrongly placed centroid to its true LSOA 2011 polygon
    idx = gc._lsoa_index("2019")
    geoms = dict(zip(idx.codes, idx.geoms, strict=True))
    truth = exact["lsoa11_code"]
    wrong = with_point & placed["lsoa11_code"].notna() & (placed["lsoa11_code"] != truth).fillna(False)
    x, y = to_bng().transform(placed.loc[wrong, "lon"].to_numpy(), placed.loc[wrong, "lat"].to_numpy())
    pts = shapely.points(x, y)
    dist = np.array([shapely.distance(p, geoms[c]) if c in geoms else np.nan
                     for p, c in zip(pts, truth[wrong], strict=True)])
    pct = np.nanpercentile(dist, [50, 75, 90, 95, 99])
    print(f"\nWrongly placed centroids ({int(wrong.sum()):,}): distance to the true LSOA 2011 polygon, "
          "metres: " + ", ".join(f"p{q} {v:.0f}" for q, v in zip((50, 75, 90, 95, 99), pct, strict=True)))


if __name__ == "__main__":
    main()
