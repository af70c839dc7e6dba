"""Load times of the Explore map: cold (empty cache folder) and warm, Birmingham and England, both editions.

Each figure is measured in a fresh Python process, so "cold" includes building the prepared parquet
cache from the raw files and "warm" reads it back. Timed: the LSOA table, the LSOA, local-authority
and ward boundaries, building the choropleth deck (England: simplified boundaries) and serialising it
to the JSON Streamlit sends. Run: ``.venv/bin/python bench/load_times.py``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile

AREAS = {"Birmingham": "E08000025", "England": "E92000001"}
EDITIONS = ("2019", "2025")

_CHILD = r"""
import json, sys, time, warnings
warnings.simplefilter("ignore")
t0 = time.perf_counter()
from needsmap import areas, data
from needsmap.viz.choropleth import choropleth_deck, simplified_boundaries
edition, code = sys.argv[1], sys.argv[2]
t1 = time.perf_counter()
table = data.load_lsoa_table(edition)
t2 = time.perf_counter()
bounds = data.load_boundaries(edition)
lads = data.load_lad_boundaries()
area = areas.area_from_code(code, data.load_geography("2025"))
wards = data.load_ward_boundaries() if area.level in ("lad", "ward") else None
if area.level == "england":
    bounds = simplified_boundaries(bounds)
t3 = time.perf_counter()
cm = choropleth_deck(areas.select(table, area), bounds, measure="imd", edition=edition, area=area,
                     lad_boundaries=lads, ward_boundaries=wards)
spec = cm.deck.to_json()
t4 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "table": t2 - t1, "boundaries": t3 - t2, "deck": t4 - t3,
                  "total": t4 - t1, "mb": len(spec) / 1e6, "lsoas": cm.n_lsoas}))
"""


def _run(edition: str, code: str, cache: str) -> dict[str, float]:
    env = {**os.environ, "NEEDSMAP_CACHE_DIR": cache}
    out = subprocess.run([sys.executable, "-c", _CHILD, edition, code], env=env, check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    print("Explore map load times (seconds; each in a fresh process; map JSON in MB)")
    print(f"{'edition':8}{'area':12}{'cache':6}{'table':>8}{'bounds':>8}{'deck':>8}{'total':>8}"
          f"{'import':>8}{'JSON MB':>9}{'LSOAs':>8}")
    for edition in EDITIONS:
        for name, code in AREAS.items():
            with tempfile.TemporaryDirectory(prefix="needsmap-bench-") as cache:
                for label in ("cold", "warm"):
                    r = _run(edition, code, cache)
                    print(f"{edition:8}{name:12}{label:6}{r['table']:8.2f}{r['boundaries']:8.2f}"
                          f"{r['deck']:8.2f}{r['total']:8.2f}{r['import']:8.2f}{r['mb']:9.1f}"
                          f"{int(r['lsoas']):8,}")
    print("total = table + boundaries + deck (import of the package not included).")


if __name__ == "__main__":
    main()
