"""What the Explore map costs: the static map files, and the bytes and server time of each measure switch.

Since issue 11 the LSOA boundaries reach the browser once, as static gzipped files (a tileset per LSOA
vintage and a tooltip-attributes file per edition) that the browser caches; each view sends only its
per-LSOA values (bytes) and a small spec (JSON). This prints, for England and Birmingham and both
editions:

* the static files' sizes (gzipped, as served), and how long writing them takes from scratch;
* per measure switch (warm: data and map files already prepared): the server's build time (median of
  repeats, in a fresh process), the values payload raw and deflated (a compressed websocket carries
  the deflated size), and the spec deflated;
* the same figures for the code before the change (a ``git archive`` of ``--before``, run in a
  subprocess with ``PYTHONPATH`` on it): the Deck JSON ``st.pydeck_chart`` sent (uncompressed then:
  websocket compression was off), its deflated size, and its build time;
* medians and ratios (before / after; "× bytes" compares the JSON as it was sent with what is sent now).

Run: ``.venv/bin/python bench/load_times.py [--before REF] [--repeats N]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import before_src

ROOT = Path(__file__).resolve().parents[1]
AREAS = {"England": "E92000001", "Birmingham": "E08000025"}
EDITIONS = ("2019", "2025")
#: the measure switches timed: (measure, view); views an edition lacks are skipped
SWITCHES = (("imd", "decile"), ("income", "rank"), ("health", "score"), ("imd", "score"))
#: the last commit before issue 11's map transport (the "before" of the closing note)
BEFORE = "8eccacc"
#: issue 11's targets for a measure switch
TARGET_SECONDS, TARGET_BYTES = 1.0, 200_000

_NEW = r"""
import json, statistics, sys, time, warnings, zlib
warnings.simplefilter("ignore")
from needsmap import areas, data
from needsmap.data import map_assets
from needsmap.viz.choropleth import choropleth_deck
edition, code, repeats = sys.argv[1], sys.argv[2], int(sys.argv[3])
switches = json.loads(sys.argv[4])
table = data.load_lsoa_table(edition)
bounds = data.load_boundaries(edition)
lads = data.load_lad_boundaries()
area = areas.area_from_code(code, data.load_geography("2025"))
wards = data.load_ward_boundaries() if area.level in ("lad", "ward") else None
map_assets.assets(edition, table)  # warm, as a running server
for measure, view in switches:
    if f"{measure}_{view}" not in table.columns:
        continue
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        ts, attrs = map_assets.assets(edition, table)  # as the page does on every switch
        cm = choropleth_deck(areas.select(table, area), bounds, measure=measure, view=view, edition=edition,
                             area=area, lad_boundaries=lads, ward_boundaries=wards, national=table,
                             tileset=ts, attributes=attrs)
        spec = json.dumps(cm.map.spec, separators=(",", ":"), ensure_ascii=False).encode()
        times.append(time.perf_counter() - t0)
    print(json.dumps({"switch": f"{measure} {view}", "seconds": statistics.median(times),
                      "values": len(cm.map.values), "values_deflated": cm.map.deflated_size,
                      "spec": len(spec), "spec_deflated": len(zlib.compress(spec, 6)),
                      "lsoas": cm.n_lsoas}))
"""

_OLD = r"""
import json, statistics, sys, time, warnings, zlib
warnings.simplefilter("ignore")
from needsmap import areas, data
from needsmap.viz.choropleth import choropleth_deck, simplified_boundaries
edition, code, repeats = sys.argv[1], sys.argv[2], int(sys.argv[3])
switches = json.loads(sys.argv[4])
table = data.load_lsoa_table(edition)
bounds = data.load_boundaries(edition)
lads = data.load_lad_boundaries()
area = areas.area_from_code(code, data.load_geography("2025"))
wards = data.load_ward_boundaries() if area.level in ("lad", "ward") else None
if area.level == "england":
    bounds = simplified_boundaries(bounds)  # cached by the page, so not part of a switch
for measure, view in switches:
    if f"{measure}_{view}" not in table.columns:
        continue
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        cm = choropleth_deck(areas.select(table, area), bounds, measure=measure, view=view, edition=edition,
                             area=area, lad_boundaries=lads, ward_boundaries=wards, national=table)
        spec = cm.deck.to_json().encode()
        times.append(time.perf_counter() - t0)
    print(json.dumps({"switch": f"{measure} {view}", "seconds": statistics.median(times), "json": len(spec),
                      "json_deflated": len(zlib.compress(spec, 6)), "lsoas": cm.n_lsoas}))
"""

_ASSETS = r"""
import json, sys, time, warnings
warnings.simplefilter("ignore")
from needsmap.data import map_assets
from needsmap import data
fresh = sys.argv[1] == "fresh"
out = {}
for edition in ("2019", "2025"):
    table = data.load_lsoa_table(edition)
    t0 = time.perf_counter()
    ts, attrs = map_assets.assets(edition, table)
    took = time.perf_counter() - t0
    sizes = ts.file_sizes()
    out[edition] = {"vintage": ts.vintage, "lsoas": ts.n_features, "seconds": took,
                    "index": sizes["index.json.gz"], "national": sizes["national.bin.gz"],
                    "tiles": sum(v for k, v in sizes.items() if k.startswith("tile-")),
                    "n_tiles": sum(k.startswith("tile-") for k in sizes),
                    "largest_tile": max(v for k, v in sizes.items() if k.startswith("tile-")),
                    "attributes": attrs.path.stat().st_size}
print(json.dumps(out))
"""

_STATIC_PATCH = (
    "import needsmap.data.map_assets as _m, pathlib as _p, sys as _s; "
    "_m.static_dir = lambda: _p.Path(_s.argv[2])\n"
)


def _lines(code: str, args: list[str], env: dict[str, str]) -> list[dict]:  # type: ignore[type-arg]
    out = subprocess.run([sys.executable, "-c", code, *args], env=env, check=True, capture_output=True,
                         text=True, cwd=ROOT)
    return [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", default=BEFORE, help=f"git ref of the code to compare with (default {BEFORE})")
    ap.add_argument("--repeats", type=int, default=5, help="builds per switch (the median is printed)")
    args = ap.parse_args()

    from needsmap.config import data_dir

    env = {**os.environ, "NEEDSMAP_DATA_DIR": str(data_dir())}
    switches = json.dumps(SWITCHES)

    print(f"Static map files (gzipped, as served; data: {data_dir()})")
    with tempfile.TemporaryDirectory(prefix="needsmap-bench-static-") as tmp:
        cold = _lines(_STATIC_PATCH + _ASSETS, ["fresh", tmp], env)[0]
    warm = _lines(_ASSETS, ["warm"], env)[0]
    print(f"{'edition':8}{'vintage':8}{'LSOAs':>8}{'index':>9}{'national':>10}{'tiles (n)':>16}{'largest':>9}"
          f"{'attrs':>9}{'build s':>9}")
    for edition in EDITIONS:
        r = warm[edition]
        print(f"{edition:8}{r['vintage']:8}{r['lsoas']:8,}{r['index'] / 1e3:7.0f}KB{r['national'] / 1e6:8.2f}MB"
              f"{r['tiles'] / 1e6:8.2f}MB ({r['n_tiles']}){r['largest_tile'] / 1e3:7.0f}KB"
              f"{r['attributes'] / 1e3:7.0f}KB{cold[edition]['seconds']:9.1f}")
    print("first England view fetches index + national + attributes once; a zoomed-in view adds the "
          "detail tiles in sight. build s = writing both from scratch (once per data folder).\n")

    new: dict[tuple[str, str], list[dict]] = {}  # type: ignore[type-arg]
    old: dict[tuple[str, str], list[dict]] = {}  # type: ignore[type-arg]
    for edition in EDITIONS:
        for name, code in AREAS.items():
            new[edition, name] = _lines(_NEW, [edition, code, str(args.repeats), switches], env)

    with tempfile.TemporaryDirectory(prefix="needsmap-bench-before-") as tmp:
        try:
            src: Path | None = before_src(args.before, Path(tmp))
        except (OSError, subprocess.CalledProcessError):
            src = None  # git cannot give the old code: only the new figures
        if src is not None:
            old_env = {**env, "PYTHONPATH": str(src),
                       "NEEDSMAP_CACHE_DIR": str(ROOT / ".cache" / f"bench-before-{args.before}")}
            for edition in EDITIONS:
                for name, code in AREAS.items():
                    reps = max(1, min(args.repeats, 3)) if name == "England" else args.repeats
                    old[edition, name] = _lines(_OLD, [edition, code, str(reps), switches], old_env)

    print(f"Measure switch, warm (server build time: median of {args.repeats} in a fresh process; bytes a "
          f"switch sends; targets: < {TARGET_SECONDS:.0f} s, ≤ {TARGET_BYTES / 1e3:.0f} KB deflated)")
    print(f"{'edition':8}{'area':11}{'switch':14}{'LSOAs':>7}{'build ms':>9}{'values':>9}{'deflated':>9}"
          f"{'spec defl':>10}{'total defl':>11}   {'before: ms':>10}{'JSON':>9}{'deflated':>9}{'× time':>7}"
          f"{'× bytes':>8}")
    time_ratios: list[float] = []
    byte_ratios: list[float] = []
    deflated_ratios: list[float] = []
    for edition in EDITIONS:
        for name in AREAS:
            before = {r["switch"]: r for r in old.get((edition, name), [])}
            for r in new[edition, name]:
                total = r["values_deflated"] + r["spec_deflated"]
                line = (f"{edition:8}{name:11}{r['switch']:14}{r['lsoas']:7,}{r['seconds'] * 1e3:9.0f}"
                        f"{r['values'] / 1e3:7.0f}KB{r['values_deflated'] / 1e3:7.0f}KB{r['spec_deflated'] / 1e3:8.1f}KB"
                        f"{total / 1e3:9.0f}KB")
                b = before.get(r["switch"])
                if b:
                    # before, Streamlit sent the Deck JSON uncompressed (websocket compression was off)
                    tr, br = b["seconds"] / r["seconds"], b["json"] / total
                    time_ratios.append(tr)
                    byte_ratios.append(br)
                    deflated_ratios.append(b["json_deflated"] / total)
                    line += (f"   {b['seconds'] * 1e3:10.0f}{b['json'] / 1e6:7.1f}MB{b['json_deflated'] / 1e6:7.2f}MB"
                             f"{tr:7.0f}{br:8.0f}")
                print(line)
    england = [r for (e, n), rows in new.items() if n == "England" for r in rows]
    print(f"\nEngland, median over switches and editions: build {statistics.median(r['seconds'] for r in england) * 1e3:.0f} ms, "
          f"sent {statistics.median(r['values_deflated'] + r['spec_deflated'] for r in england) / 1e3:.0f} KB deflated "
          f"(values {statistics.median(r['values'] for r in england) / 1e3:.0f} KB raw); worst "
          f"{max(r['seconds'] for r in england) * 1e3:.0f} ms, "
          f"{max(r['values_deflated'] + r['spec_deflated'] for r in england) / 1e3:.0f} KB.")
    if time_ratios:
        old_eng = [r for (e, n), rows in old.items() if n == "England" for r in rows]
        print(f"Before ({args.before}), England: build {statistics.median(r['seconds'] for r in old_eng):.1f} s, "
              f"JSON {statistics.median(r['json'] for r in old_eng) / 1e6:.1f} MB "
              f"({statistics.median(r['json_deflated'] for r in old_eng) / 1e6:.2f} MB deflated) per switch.")
        print(f"Ratios before / after, median over all rows: build time × {statistics.median(time_ratios):.0f}; "
              f"bytes sent × {statistics.median(byte_ratios):.0f} (before: the JSON as it went, uncompressed), "
              f"× {statistics.median(deflated_ratios):.0f} had it been deflated too.")
    else:
        print(f"(No 'before' figures: git could not give {args.before!r}.)")


if __name__ == "__main__":
    main()
