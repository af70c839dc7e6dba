"""Resources an upload can take: time and peak memory of the upload path on hostile files (issue 10, 12).

Each case is one fresh process (``import_file`` in a small child script, or the ``needsmap geocode``
command itself), watched by this script: wall time of the whole process, the time of the call alone
(reported by the child), and the peak resident memory (``VmHWM`` of ``/proc/<pid>/status``, polled).
The target: any input up to the stated limits finishes in under 30 s at under 1 GB, and one over
them is refused early with a message naming the limit.

The files are built here, in a temporary folder:

- a 5 KB ``.xlsx`` whose sheet declares the dimension ``A1:XFD1048576``;
- a 10 MB CSV of 5.2 million one-character rows, and a 49.9 MB one of 26 million rows;
- a one-row CSV with 100,000 columns (through ``import_file`` and ``needsmap geocode``);
- a small ``.xlsx`` expanding to 5 million rows.

A child that outlives ``--timeout`` seconds (default 150) is stopped and shown as such; each child
runs under a 6 GB address-space limit so that a runaway case cannot take the machine down.
Run: ``.venv/bin/python bench/bench_upload_limits.py``.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

TARGET_SECONDS, TARGET_MB = 30, 1024
ADDRESS_LIMIT = 6 * 1024**3

_CHILD = r"""
import json, sys, time
t = time.perf_counter()
from needsmap.errors import NeedsmapError
from needsmap.orgs.importer import import_file
t0 = time.perf_counter()
try:
    res = import_file(sys.argv[1], filename=sys.argv[1].rsplit("/", 1)[-1])
    out = f"read: {len(res.table):,} rows, {len(res.table.columns):,} columns"
except NeedsmapError as exc:
    out = f"refused: {exc}"
except BaseException as exc:  # the finding: any other exception
    out = f"CRASH {type(exc).__name__}: {exc}"
print(json.dumps({"call": time.perf_counter() - t0, "outcome": out}))
"""


# ----------------------------------------------------------------------------- the files
def xlsx_declared_huge(path: Path) -> None:
    """A two-row workbook whose sheet says it spans A1:XFD1048576 (the whole sheet)."""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.append(["name", "postcode"])
    wb.active.append(["Tea", "B31 2LB"])
    buf = io.BytesIO()
    wb.save(buf)
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<dimension ref="[A-Z0-9:]+"', b'<dimension ref="A1:XFD1048576"', data)
                assert b"XFD1048576" in data
            dst.writestr(item, data)


def csv_rows(path: Path, megabytes: float) -> None:
    """``postcode`` then one-character rows up to ``megabytes`` (MiB)."""
    rows = int((megabytes * 1024 * 1024 - 9) // 2)
    with path.open("wb") as f:
        f.write(b"postcode\n")
        chunk = b"a\n" * 1_000_000
        for _ in range(rows // 1_000_000):
            f.write(chunk)
        f.write(b"a\n" * (rows % 1_000_000))


def csv_wide(path: Path, columns: int = 100_000) -> None:
    """One header row and one data row, ``columns`` wide (the first is the postcode)."""
    header = ",".join(["postcode", *(f"c{i}" for i in range(1, columns))])
    row = ",".join(["B31 2LB", *("x" for _ in range(1, columns))])
    path.write_text(header + "\n" + row + "\n")


def xlsx_many_rows(path: Path, rows: int = 5_000_000) -> None:
    """A one-sheet workbook written by hand (deflate squeezes the repeated rows to little)."""
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName='
            '"/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.'
            'main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
            'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'),
        "xl/workbook.xml": (
            '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/'
            'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships"><sheets><sheet name="List" sheetId="1" r:id="rId1"/></sheets></workbook>'),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'),
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for name, text in parts.items():
            z.writestr(name, text)
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            f.write(b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
                    b'spreadsheetml/2006/main"><sheetData><row><c t="inlineStr"><is><t>postcode</t></is></c>'
                    b'</row>')
            row = b'<row><c t="inlineStr"><is><t>B31 2LB</t></is></c></row>'
            for _ in range(rows // 10_000):
                f.write(row * 10_000)
            f.write(b"</sheetData></worksheet>")


# ----------------------------------------------------------------------------- measuring
def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_LIMIT, ADDRESS_LIMIT))


def _peak_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0


def measure(cmd: list[str], timeout: float) -> tuple[float, float, str, float | None]:
    """Run ``cmd``: (wall seconds, peak MB, outcome, seconds of the call as the child reports it)."""
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=_limit_memory)
    peak = 0
    stopped = False
    while proc.poll() is None:
        peak = max(peak, _peak_kb(proc.pid))
        if time.perf_counter() - t > timeout:
            proc.kill()
            stopped = True
            break
        time.sleep(0.05)
    out, err = proc.communicate()
    wall = time.perf_counter() - t
    if stopped:
        return wall, peak / 1024, f"STOPPED after {timeout:.0f} s (still running)", None
    text = out.decode(errors="replace").strip().splitlines()
    try:
        rep = json.loads(text[-1])
        return wall, peak / 1024, rep["outcome"], rep["call"]
    except (IndexError, ValueError):
        last = err.decode(errors="replace").strip().splitlines()[-1:] or [f"exit {proc.returncode}"]
        return wall, peak / 1024, f"exit {proc.returncode}: {last[0]}", None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--timeout", type=float, default=150.0, help="stop a case after this many seconds")
    args = parser.parse_args()
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        files = {
            "declared_huge.xlsx": xlsx_declared_huge,
            "rows_5.2m.csv": lambda p: csv_rows(p, 10.0),
            "rows_26m.csv": lambda p: csv_rows(p, 49.9),
            "columns_100k.csv": csv_wide,
            "rows_5m.xlsx": xlsx_many_rows,
        }
        for name, build in files.items():
            t = time.perf_counter()
            build(folder / name)
            size = (folder / name).stat().st_size
            print(f"built {name}: {size / 1024 / 1024:.2f} MB ({size:,} bytes) in {time.perf_counter() - t:.1f} s")
        cases = [
            ("5 KB .xlsx declaring A1:XFD1048576", "import_file", "declared_huge.xlsx"),
            ("10 MB CSV, 5.2 million 1-char rows", "import_file", "rows_5.2m.csv"),
            ("49.9 MB CSV, 26 million rows", "import_file", "rows_26m.csv"),
            ("1-row CSV, 100,000 columns", "import_file", "columns_100k.csv"),
            ("1-row CSV, 100,000 columns", "needsmap geocode", "columns_100k.csv"),
            (".xlsx expanding to 5 million rows", "import_file", "rows_5m.xlsx"),
        ]
        print(f"\ntarget: every case under {TARGET_SECONDS} s and {TARGET_MB / 1024:.0f} GB peak memory "
              "(refused early, with the limit named, when over the limits)")
        print(f"{'case':<38} {'path':<17} {'process s':>9} {'call s':>7} {'peak MB':>8}  {'ok':<3} outcome")
        failures = 0
        for label, path_kind, name in cases:
            target = str(folder / name)
            if path_kind == "import_file":
                cmd = [py, "-c", _CHILD, target]
            else:
                cmd = [py, "-m", "needsmap.cli", "geocode", target, "--out", str(folder / "out.csv")]
            wall, peak, outcome, call = measure(cmd, args.timeout)
            ok = wall < TARGET_SECONDS and peak < TARGET_MB and not outcome.startswith(("STOPPED", "CRASH"))
            failures += not ok
            calls = f"{call:7.1f}" if call is not None else f"{'-':>7}"
            print(f"{label:<38} {path_kind:<17} {wall:9.1f} {calls} {peak:8.0f}  {'yes' if ok else 'NO':<3} "
                  f"{outcome[:160]}", flush=True)
        print(f"\n{len(cases) - failures} of {len(cases)} cases within the target")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    main()
