"""``needsmap gaps --area England`` against the script an analyst would write, as whole processes.

Run: ``.venv/bin/python bench/gaps.py [--repeat N] [--before REV_OR_SRC]`` (``make bench`` runs it
without options).

The organisations: 3,000 open public libraries from the real list (``libraries_england_2023.csv``:
the first 3,000 rows without a closing year whose postcode the ONS postcode lookup places, one per
name), in two forms: as listed (a postcode column, no coordinates), and with each postcode's
coordinates in ``lat``/``lon`` columns instead of the postcode. The peer is
``bench/peers/gaps_geopandas.py``: read the files, postcodes to coordinates with a merge, ``sjoin``
within, a distance join within the radius, ``sjoin_nearest``, write the CSV.

Each contender runs as its own process, warm: needsmap's data prepared as ``needsmap data fetch``
leaves it (in its cache folder), its modules compiled to bytecode as an installed package's are
(``compileall``: a machine that sets ``PYTHONDONTWRITEBYTECODE``, as this one does, would otherwise
compile needsmap's source on every run, which no user's installation does), and one untimed run of
each first. Then ``--repeat`` pairs in
alternating order; wall time, CPU time and peak resident memory (``wait4``, from a small launcher
process) of each process. Printed: medians, the ratio of the medians and the median of the pairs'
ratios, the ratio of CPU times, peak MiB, the targets of issue 11 (at most 0.5× the peer's time, no
more peak memory), and whether needsmap and the peer give the same numbers per LSOA. ``--before``
also times the code of a git revision (or a ``src`` folder) the same way, with its own fresh cache
folder.

The machine may be shared: the runs of one pair share the load, so the pairs' ratio is the figure
to trust when the medians move.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from _common import ROOT, before_src, run_measured

from needsmap.config import cache_dir, data_dir
from needsmap.data.catalog import get_dataset

PEER = ROOT / "bench" / "peers" / "gaps_geopandas.py"
N_ORGS = 3_000
RADIUS_KM = 1.0
#: issue 11's targets: needsmap's whole-process time at most this share of the peer's, and a peak
#: no higher than the peer's
TARGET_RATIO = 0.5


@dataclass
class Contender:
    """One program timed: its command line (``{orgs}`` and ``{out}`` filled in) and environment."""

    name: str
    argv: list[str]
    env: dict[str, str]
    seconds: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    peak_mib: list[float] = field(default_factory=list)

    def command(self, orgs: Path, out: Path) -> list[str]:
        return [a.format(orgs=orgs, out=out) for a in self.argv]


def run(cmd: list[str], env: dict[str, str], log: Path) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds and peak resident MiB of one process; raises if it fails."""
    m = run_measured(cmd, env, log)
    if m.code:
        raise RuntimeError(f"{' '.join(cmd)} failed ({m.code}):\n{log.read_text()[-2000:]}")
    return m.seconds, m.cpu, m.peak_mib


def organisation_files(folder: Path) -> dict[str, Path]:
    """The 3,000 libraries as listed (postcodes) and with coordinates instead of postcodes."""
    libraries = pd.read_csv(get_dataset("orgs_libraries").path, dtype=str, keep_default_na=False,
                            encoding="utf-8-sig")
    nspl = pd.read_parquet(get_dataset("nspl_centroids").path).dropna(subset=["lat", "lon"])
    nspl.index = nspl["postcode"].str.replace(" ", "")
    key = libraries["postcode"].str.upper().str.replace(" ", "")
    # one row per name: without a postcode, needsmap takes rows of the same name as one organisation
    name = (libraries["name"].str.lower().str.replace(r"[^a-z0-9]+", " ", regex=True).str.strip()
            .str.replace(r"^the ", "", regex=True))
    keep = (libraries["closed"].str.strip() == "") & key.isin(nspl.index) & ~name.duplicated()
    chosen = libraries[keep].head(N_ORGS)
    if len(chosen) < N_ORGS:
        raise SystemExit(f"only {len(chosen):,} open libraries with a known postcode in the list")
    files = {"postcodes": folder / "libraries_3000.csv", "coordinates": folder / "libraries_3000_xy.csv"}
    chosen.to_csv(files["postcodes"], index=False)
    where = nspl.loc[key[chosen.index], ["lat", "lon"]].to_numpy()
    xy = chosen.drop(columns=["postcode"]).assign(lat=where[:, 0], lon=where[:, 1])
    xy.to_csv(files["coordinates"], index=False)
    return files


def figures(csv: Path) -> pd.DataFrame:
    """Per-LSOA counts and distance from a needsmap or peer CSV."""
    cols = ["lsoa21_code", "orgs_in_lsoa", "orgs_within_radius", "nearest_org_km"]
    return pd.read_csv(csv, usecols=cols, encoding="utf-8-sig").set_index("lsoa21_code").sort_index()


def agreement(ours: Path, theirs: Path) -> str:
    """How far two outputs give the same numbers, in words."""
    a, b = figures(ours), figures(theirs)
    b = b.reindex(a.index)
    same = {c: float((a[c].round(3) == b[c].round(3)).mean()) for c in a.columns}
    return (f"LSOAs with an organisation within {RADIUS_KM:g} km: "
            f"{int((a['orgs_within_radius'] > 0).sum()):,} vs {int((b['orgs_within_radius'] > 0).sum()):,}; "
            f"organisations placed in an LSOA: {int(a['orgs_in_lsoa'].sum()):,} vs "
            f"{int(b['orgs_in_lsoa'].sum()):,}; same per LSOA: "
            + ", ".join(f"{c} {v:.2%}" for c, v in same.items()))


#: what ``needsmap data fetch`` prepares for placing postcodes (idempotent; quick when prepared)
_PREPARE = "from needsmap.orgs.postcode_table import prepare_postcode_table as p; print(p())"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5, help="paired runs per case (at least 3)")
    ap.add_argument("--before", metavar="REV_OR_SRC",
                    help="also time the code of this git revision (or src folder)")
    opts = ap.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="needsmap-bench-gaps-"))
    try:
        compare(folder, repeat=max(3, opts.repeat), before=opts.before)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def compare(folder: Path, *, repeat: int, before: str | None) -> None:
    """Time and check every contender on both forms of the list; print the figures."""
    files = organisation_files(folder)
    base = {k: v for k, v in os.environ.items() if not k.startswith("NEEDSMAP_")}
    base["NEEDSMAP_DATA_DIR"] = str(data_dir())
    now_env = {**base, "NEEDSMAP_CACHE_DIR": str(cache_dir())}  # the prepared data, as fetched
    gaps = ["-m", "needsmap.cli", "gaps", "--area", "England", "--orgs", "{orgs}",
            "--radius-km", f"{RADIUS_KM:g}", "--out", "{out}"]
    contenders = [
        Contender("peer script (geopandas)",
                  [sys.executable, str(PEER), str(data_dir()), "{orgs}", "{out}", f"{RADIUS_KM:g}"],
                  dict(base)),
        Contender("needsmap gaps (now)", [sys.executable, *gaps], now_env),
    ]
    if before:
        src = before_src(before, folder)
        contenders.append(Contender(f"needsmap gaps (before: {before})", [sys.executable, *gaps],
                                    {**base, "NEEDSMAP_CACHE_DIR": str(folder / "cache-before"),
                                     "PYTHONPATH": str(src)}))
    for c in contenders:  # bytecode, as an installed package has it (the peer's libraries have theirs)
        src = Path(c.env.get("PYTHONPATH", ROOT / "src"))
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(src)], check=True,
                       stdout=subprocess.DEVNULL)
    print(f"needsmap gaps --area England with {N_ORGS:,} organisations (open public libraries, "
          f"radius {RADIUS_KM:g} km) against {PEER.relative_to(ROOT)}; data: {data_dir()}")
    prepared = subprocess.run([sys.executable, "-c", _PREPARE], env=now_env, cwd=ROOT, check=True,
                              capture_output=True, text=True).stdout.strip()
    print(f"prepared data (cache {cache_dir()}): {prepared}")
    print(f"whole processes, warm (one untimed run each first), {repeat} pairs per case in alternating "
          "order; wall time, CPU time and peak resident memory per process. The machine may be "
          "shared: trust the pairs' ratios.")
    logs = {c.name: folder / f"log-{i}.txt" for i, c in enumerate(contenders)}
    width = max(len(c.name) for c in contenders) + 2
    for case, orgs in files.items():
        outs = {c.name: folder / f"{case}-{i}.csv" for i, c in enumerate(contenders)}
        for c in contenders:
            c.seconds, c.cpu, c.peak_mib = [], [], []
            run(c.command(orgs, outs[c.name]), c.env, logs[c.name])
        for i in range(repeat):
            for c in contenders if i % 2 == 0 else contenders[::-1]:
                seconds, cpu, mib = run(c.command(orgs, outs[c.name]), c.env, logs[c.name])
                c.seconds.append(seconds)
                c.cpu.append(cpu)
                c.peak_mib.append(mib)
        peer, now = contenders[0], contenders[1]
        used = [ln for ln in logs[now.name].read_text().splitlines() if "organisations used" in ln]
        print(f"\n[{case}] {orgs.name}; needsmap: {used[0] if used else '?'}")
        print(f"  {'':{width}s}median s    min s   CPU s   peak MiB (median, max)")
        for c in contenders:
            print(f"  {c.name:{width}s}{statistics.median(c.seconds):8.2f} {min(c.seconds):8.2f} "
                  f"{statistics.median(c.cpu):7.2f} {statistics.median(c.peak_mib):10.0f} "
                  f"{max(c.peak_mib):6.0f}")
        ratio = statistics.median(now.seconds) / statistics.median(peer.seconds)
        each = [n / p for n, p in zip(now.seconds, peer.seconds, strict=True)]
        pairs = statistics.median(each)
        mem_now, mem_peer = max(now.peak_mib), max(peer.peak_mib)
        print(f"  time, needsmap / peer: {ratio:.2f} (median of the pairs' ratios {pairs:.2f}: "
              f"{' '.join(f'{r:.2f}' for r in each)}); target ≤ {TARGET_RATIO:g}: "
              f"{'met' if ratio <= TARGET_RATIO else 'NOT met'}")
        print(f"  CPU time (less sensitive to a shared machine's load), needsmap / peer: "
              f"{statistics.median(now.cpu) / statistics.median(peer.cpu):.2f}")
        print(f"  peak memory (largest run): needsmap {mem_now:.0f} MiB, peer {mem_peer:.0f} MiB; "
              f"target ≤ peer: {'met' if mem_now <= mem_peer else 'NOT met'}")
        for c in contenders[2:]:
            print(f"  {c.name}: {statistics.median(c.seconds) / statistics.median(peer.seconds):.2f}× "
                  f"the peer's time; now / before: "
                  f"{statistics.median(now.seconds) / statistics.median(c.seconds):.2f}")
        print(f"  agreement, needsmap vs peer: {agreement(outs[now.name], outs[peer.name])}")
        for c in contenders[2:]:
            print(f"  agreement, now vs before: {agreement(outs[now.name], outs[c.name])}")


if __name__ == "__main__":
    main()
