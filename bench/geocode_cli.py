"""Benchmark: ``needsmap geocode`` of a 200,000-row organisation list (about 7 MB of CSV), as a whole
process, against the code before the postcode table (issue #11).

The list is made in a temporary folder from real postcodes (a random sample of the NSPL centroids:
every country of Great Britain, live and terminated) and real organisation names (the lists in the
data folder's ``organisations/``), with messy rows: lower case, no space, stray punctuation,
blanks, placeholders ("[Unknown]", "n/a"), half postcodes, total rows and repeated rows.

Each run is a fresh process (``python -m needsmap.cli geocode LIST --out OUT``); the time is wall
time and the peak memory the child's maximum resident set (``os.wait4``). Runs of the old and the
new code alternate (paired), after one warm-up run each (which prepares their caches: the new
code's postcode table is built there if the data folder has none yet, and that build's time is
printed apart); the medians of ``--repeat`` runs are printed with the targets. The two outputs
are compared cell by cell on the placement columns. The machine may be shared: the figures are
noisy, which is why the runs are paired and repeated.

``--before REV_OR_SRC`` names the old code: a git revision (e.g. ``8eccacc``, the commit before) or
a ``src`` folder; without one only the new figures are printed. The old code runs with its own temporary
cache folder (``NEEDSMAP_CACHE_DIR``) and the same data folder.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from _common import before_src, run_measured

from needsmap.config import cache_dir, data_dir
from needsmap.data.catalog import get_dataset

ROWS = 200_000
TARGET_SECONDS = 5.0
TARGET_MIB = 500.0
#: columns compared between the old and the new output
PLACEMENT = ("lat", "lon", "lsoa11_code", "lsoa21_code", "status", "placed_by", "confidence")
_NAME_FILES = (("charity_register_trafford_2023.csv", "charity_name"),
               ("givefood_foodbanks.csv", "name"), ("libraries_england_2023.csv", "name"))
_CATEGORIES = ("food bank", "library", "youth", "arts", "advice", "sport", "faith", "health")


def make_list(path: Path, rows: int = ROWS, seed: int = 11) -> None:
    """Write a realistic organisation list of ``rows`` rows (name, postcode, category) to ``path``."""
    rng = np.random.default_rng(seed)
    names = pd.concat([
        pd.read_csv(data_dir() / "organisations" / f, usecols=[c], encoding="utf-8-sig")[c]
        for f, c in _NAME_FILES]).dropna().astype(str).str.strip()
    names = names[names.str.len().between(3, 40)].drop_duplicates().to_numpy(dtype=object)
    pcs = pd.read_parquet(get_dataset("nspl_centroids").path, columns=["postcode"])["postcode"]
    pc = pcs.sample(rows, random_state=seed).to_numpy(dtype=object)
    name = names[rng.integers(0, len(names), rows)]
    branch = rng.random(rows) < 0.5  # "(branch 12)": names repeat across branches
    name[branch] = name[branch] + " " + rng.integers(1, 99, int(branch.sum())).astype(str)
    frame = pd.DataFrame({"name": name, "postcode": pc,
                          "category": np.asarray(_CATEGORIES, dtype=object)[
                              rng.integers(0, len(_CATEGORIES), rows)]})
    pick = rng.random(rows)
    p = frame["postcode"]
    frame.loc[pick < 0.15, "postcode"] = p[pick < 0.15].str.lower()
    mid = (pick >= 0.15) & (pick < 0.25)
    frame.loc[mid, "postcode"] = p[mid].str.replace(" ", "", regex=False)
    mid = (pick >= 0.25) & (pick < 0.28)
    frame.loc[mid, "postcode"] = " " + p[mid] + "."
    messy = ["", "[Unknown]", "n/a", "TBC", "B31", "not known", "SE1"]
    mid = (pick >= 0.28) & (pick < 0.30)
    frame.loc[mid, "postcode"] = np.asarray(messy, dtype=object)[rng.integers(0, len(messy),
                                                                              int(mid.sum()))]
    repeat = np.flatnonzero((pick >= 0.30) & (pick < 0.31))  # the row above, again
    frame.iloc[repeat[repeat > 0]] = frame.iloc[repeat[repeat > 0] - 1].to_numpy()
    totals = rng.choice(rows, 20, replace=False)
    frame.loc[totals, ["name", "postcode", "category"]] = ["Total", "", ""]
    frame.to_csv(path, index=False)


def run_cli(src: Path | None, cache: Path, csv: Path, out: Path) -> tuple[float, float, float, str]:
    """``needsmap geocode csv --out out`` in a fresh process: (wall seconds, CPU seconds, peak MiB,
    stderr). CPU time (user + system) shows how much of the wall time a busy machine added; the
    peak is the process's own (measured from a small launcher, not from this process)."""
    env = dict(os.environ, NEEDSMAP_CACHE_DIR=str(cache), NEEDSMAP_DATA_DIR=str(data_dir()))
    if src is not None:
        env["PYTHONPATH"] = str(src)
    log = out.with_suffix(".log")
    m = run_measured([sys.executable, "-m", "needsmap.cli", "geocode", str(csv), "--out", str(out)],
                     env, log)
    err = log.read_text(encoding="utf-8", errors="replace")
    if m.code != 0:
        raise SystemExit(f"needsmap geocode failed ({m.code}):\n{err[-2000:]}")
    return m.seconds, m.cpu, m.peak_mib, err


def same_placements(a: Path, b: Path) -> str:
    """Whether two outputs agree on every row's placement columns, in words."""
    x = pd.read_csv(a, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    y = pd.read_csv(b, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    if len(x) != len(y):
        return f"DIFFERENT: {len(x):,} rows against {len(y):,}"
    differ = {c: int((x[c] != y[c]).sum()) for c in PLACEMENT if c in x and c in y}
    bad = {c: k for c, k in differ.items() if k}
    if bad:
        return "DIFFERENT: " + ", ".join(f"{c} in {k:,} rows" for c, k in bad.items())
    return f"identical on {', '.join(differ)} for all {len(x):,} rows"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=ROWS)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--before", default=None, metavar="REV_OR_SRC",
                        help="also time the code of this git revision (e.g. 8eccacc) or src folder")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="needsmap-bench-geocode-"))
    try:
        before = None if args.before is None else before_src(args.before, tmp)
        csv = tmp / "organisations.csv"
        make_list(csv, args.rows)
        print(f"list: {args.rows:,} rows, {csv.stat().st_size / 1e6:.1f} MB CSV ({csv})")
        new_cache = cache_dir()
        old_cache = tmp / "old-cache"
        sides: dict[str, tuple[Path | None, Path]] = {"new": (None, new_cache)}
        if before is not None:
            sides = {"old": (before, old_cache), **sides}
        else:
            print("(no --before: only the new code's figures)")
        for side, (src, cache) in sides.items():
            seconds, _, mib, _ = run_cli(src, cache, csv, tmp / f"{side}.csv")
            print(f"warm-up {side}: {seconds:.1f} s, peak {mib:,.0f} MiB (caches prepared; the new "
                  "code builds its postcode table here when the data folder has none)")
        times: dict[str, list[float]] = {s: [] for s in sides}
        cpus: dict[str, list[float]] = {s: [] for s in sides}
        peaks: dict[str, list[float]] = {s: [] for s in sides}
        for i in range(args.repeat):
            for side, (src, cache) in sides.items():
                seconds, cpu, mib, err = run_cli(src, cache, csv, tmp / f"{side}.csv")
                times[side].append(seconds)
                cpus[side].append(cpu)
                peaks[side].append(mib)
                print(f"run {i + 1} {side}: {seconds:.2f} s (CPU {cpu:.2f} s), peak {mib:,.0f} MiB")
        print(err.splitlines()[0] if err else "")
        load = os.getloadavg()[0]
        for side in sides:
            t, m = statistics.median(times[side]), statistics.median(peaks[side])
            goal = (f"   (target < {TARGET_SECONDS:g} s and < {TARGET_MIB:g} MB: "
                    f"{'met' if t < TARGET_SECONDS and m < TARGET_MIB else 'NOT met'})"
                    if side == "new" else "")
            print(f"{side}: median {t:.2f} s (CPU {statistics.median(cpus[side]):.2f} s), peak "
                  f"{m:,.0f} MiB over {args.repeat} runs{goal}")
        print(f"(load average {load:.1f} on {os.cpu_count()} CPUs at the end: with other work running, "
              "wall time exceeds CPU time)")
        if "old" in sides:
            ratio = statistics.median(times["new"]) / statistics.median(times["old"])
            print(f"new / old time: {ratio:.2f}; placements: "
                  f"{same_placements(tmp / 'old.csv', tmp / 'new.csv')}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
