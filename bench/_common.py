"""Pieces the benchmarks share: timing a whole process, and the old code to compare with.

Not a benchmark itself (``make bench`` runs ``bench/[!_]*.py``); the scripts import it as
``_common`` (``python bench/x.py`` puts ``bench/`` on the path).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: starts a command from a small process and writes its wall time, CPU time, peak resident memory
#: (KiB) and exit code to a file: a child of the benchmark process itself would count the
#: benchmark's own memory (held when it forked) in its peak
_LAUNCHER = """
import os, sys, time
t0 = time.perf_counter()
pid = os.posix_spawn(sys.argv[2], sys.argv[2:], os.environ)
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as f:
    f.write(f"{time.perf_counter() - t0} {usage.ru_utime + usage.ru_stime} {usage.ru_maxrss} "
            f"{os.waitstatus_to_exitcode(status)}")
"""


@dataclass(frozen=True)
class Measured:
    """One whole process: wall seconds, CPU seconds (user + system), peak resident MiB, exit code."""

    seconds: float
    cpu: float
    peak_mib: float
    code: int


def run_measured(cmd: list[str], env: dict[str, str], log: Path, *, cwd: Path = ROOT) -> Measured:
    """Run ``cmd`` (stdout discarded, stderr to ``log``) and measure it from a small launcher
    process, so its peak memory is its own."""
    report = log.with_suffix(".run")
    with log.open("wb") as err:
        subprocess.run([sys.executable, "-c", _LAUNCHER, str(report), *cmd], stdout=subprocess.DEVNULL,
                       stderr=err, env=env, cwd=cwd, check=True)
    seconds, cpu, kib, code = report.read_text().split()
    return Measured(float(seconds), float(cpu), int(kib) / 1024, int(code))


def before_src(spec: str, folder: Path) -> Path:
    """A ``src`` folder of the earlier code: ``spec`` itself when it is a folder, else extracted
    into ``folder`` from git revision ``spec`` (``git archive``; raises
    ``subprocess.CalledProcessError`` when git cannot give it)."""
    path = Path(spec)
    if path.is_dir():
        if not (path / "needsmap").is_dir():
            raise SystemExit(f"--before {spec}: no needsmap package there")
        return path.resolve()
    archive = folder / "before.tar"
    with archive.open("wb") as out:
        subprocess.run(["git", "archive", spec, "src"], cwd=ROOT, stdout=out, check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(folder / "before", filter="data")
    os.unlink(archive)
    return folder / "before" / "src"
