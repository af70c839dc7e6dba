"""``needsmap data``: list the datasets, check the data folder, fetch or prepare the publishers' files."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from needsmap.config import data_dir, fetch_dir, is_demo
from needsmap.data.catalog import DATASETS
from needsmap.errors import NeedsmapError


def add_parser(sub: Any) -> None:
    """Register ``needsmap data {list,check,fetch,prepare}``."""
    p = sub.add_parser(
        "data", help="list, check, fetch or prepare the public datasets",
        description="List every dataset (publisher, licence, download, file, columns), check the data "
                    "folder, download the publishers' files and convert them (fetch), or convert "
                    "files downloaded by hand (prepare).",
    )
    actions = p.add_subparsers(dest="action", required=True)
    for name, text in (("list", "list every dataset and where it comes from"),
                       ("check", "check that the data folder holds every dataset, whole")):
        a = actions.add_parser(name, help=text, description=text)
        a.add_argument("--format", choices=["text", "json"], default="text")
        a.set_defaults(func=run)
    f = actions.add_parser(
        "fetch", help="download the publishers' files and convert them",
        description="Download what is missing from the publishers (MHCLG, ONS, Nomis), convert each "
                    "file into needsmap's layout, record a manifest, then prepare the map's tilesets "
                    "and the postcode → LSOA table once. Default folder: "
                    "$NEEDSMAP_DATA_DIR, else the per-user data folder.",
    )
    f.add_argument("--only", nargs="+", metavar="ID", help="source or dataset ids (fetched again "
                   "even if present)")
    f.add_argument("--to", type=Path, help="data folder to fill")
    f.add_argument("--mirror", metavar="URL_OR_DIR", help="fetch each file by its name from this "
                   "base URL or folder instead of the publishers")
    f.add_argument("--force", action="store_true", help="fetch everything again")
    f.add_argument("--keep-downloads", action="store_true",
                   help="keep the publishers' files in DIR/.downloads")
    f.set_defaults(func=run_fetch)
    pr = actions.add_parser(
        "prepare", help="convert publisher files downloaded by hand",
        description="Recognise each file in RAW_DIR by name or header, convert it into needsmap's "
                    "layout, and list what is still missing with its download URL.",
    )
    pr.add_argument("raw_dir", type=Path, metavar="RAW_DIR")
    pr.add_argument("--to", type=Path, help="data folder to fill")
    pr.set_defaults(func=run_prepare)


def _check(dataset_id: str, kind: str) -> str:
    from needsmap.data import loaders

    try:
        if kind == "geometry":
            loaders.read_geometry(dataset_id)
        else:
            loaders.read_table(dataset_id)
    except NeedsmapError as exc:
        return str(exc)
    return "ok"


def _mode_line() -> str:
    if is_demo():
        return ("data folder: embedded demo (West Midlands only; England's IMD tables in full). "
                "Get all of England: `needsmap data fetch`.")
    return f"data folder: {data_dir()}"


def run(args: argparse.Namespace) -> int:
    """List or check the datasets; ``check`` exits 1 when a required dataset is missing or broken."""
    from needsmap.data.status import dataset_rows

    rows = []
    for d, r in zip(DATASETS, dataset_rows(), strict=True):
        row = {"id": d.id, "title": d.title, "publisher": d.publisher, "licence": r["licence"],
               "url": d.url, "file": d.file, "columns": list(d.columns), "optional": d.optional,
               "present": d.path.exists(), "download": r["download"], "source": r["source"],
               "fetched": r["retrieved"]}
        if args.action == "check":
            row["status"] = _check(d.id, d.kind) if d.path.exists() else "missing"
        rows.append(row)
    if args.format == "json":
        out = {"data_dir": str(data_dir()), "demo": is_demo(), "datasets": rows}
        sys.stdout.write(json.dumps(out, indent=2) + "\n")
    else:
        sys.stdout.write(_mode_line() + "\n")
        for r in rows:
            state = r.get("status", "present" if r["present"] else "missing")
            flag = " (optional)" if r["optional"] else ""
            how = (f"  download: {r['download']} (source {r['source']})" if r["source"]
                   else f"  {r['download']}")
            fetched = f"  fetched: {r['fetched']}\n" if r["fetched"] else ""
            sys.stdout.write(f"\n[{state}] {r['id']}{flag}: {r['title']}\n  file: {r['file']}\n"
                             f"  from: {r['publisher']} — {r['url']}\n{how}\n{fetched}"
                             f"  licence: {r['licence']}\n")
    bad = [r for r in rows if args.action == "check" and not r["optional"] and r["status"] != "ok"]
    if bad:
        sys.stderr.write(f"{len(bad)} required dataset(s) missing or broken: "
                         f"{', '.join(str(r['id']) for r in bad)}\n")
        return 1
    return 0


def _report(outcomes: list[Any], folder: Path, verb: str) -> int:
    from needsmap.data.fetch import still_missing

    failed = [o for o in outcomes if not o.ok]
    for o in outcomes:
        if o.ok:
            sys.stderr.write(f"  ok  {o.source}: " + ", ".join(
                f"{d} ({n:,} rows)" for d, n in o.rows.items()) + "\n")
        else:
            sys.stderr.write(f"  FAILED  {o.source}: {o.message}\n")
    missing = still_missing(folder)
    required = [(d, w) for d, w in missing if not d.optional]
    sys.stderr.write(f"{verb} {len(outcomes) - len(failed)} of {len(outcomes)} source(s) into "
                     f"{folder}.\n")
    if required:
        sys.stderr.write("Still missing (required):\n" + "".join(
            f"  {d.id}: {d.file} — {w}\n" for d, w in required))
    if missing and len(missing) > len(required):
        sys.stderr.write(f"{len(missing) - len(required)} optional layer(s) not present "
                         "(`needsmap data list` says how to get them).\n")
    return 2 if failed else 0


#: files derived from the data once it is in place (the map's static tilesets and tooltip attributes,
#: the postcode → LSOA table): ``(what, module, function)``, each idempotent and returning one line
DERIVED = (
    ("map tilesets", "needsmap.data.map_assets", "prepare_map_assets"),
    ("postcode table", "needsmap.orgs.postcode_table", "prepare_postcode_table"),
)


def _prepare_derived(folder: Path) -> None:
    """Build :data:`DERIVED` from ``folder``'s data; a part that cannot be built yet says why."""
    import importlib

    from needsmap.config import using_data_dir

    with using_data_dir(folder):
        for what, module, function in DERIVED:
            sys.stderr.write(f"Preparing the {what}…\n")
            try:
                line = getattr(importlib.import_module(module), function)()
            except NeedsmapError as exc:
                line = f"{what} not prepared: {exc}"
            sys.stderr.write(f"  {line}\n")


def run_fetch(args: argparse.Namespace) -> int:
    """Download and convert; exit 2 when a source failed (its previous files are kept)."""
    from needsmap.data.fetch import fetch

    folder = (args.to or fetch_dir()).expanduser().resolve()
    sys.stderr.write(f"needsmap data fetch: into {folder}\n")

    def progress(message: str, fraction: float) -> None:
        sys.stderr.write(f"[{fraction:4.0%}] {message}\n")

    outcomes = fetch(folder, only=args.only, mirror=args.mirror, force=args.force,
                     keep_downloads=args.keep_downloads, progressbar=sys.stderr.isatty(),
                     progress=progress)
    if not outcomes:
        sys.stderr.write("Nothing to fetch: every dataset a source provides is present "
                         "(use --force or --only ID to fetch again).\n")
    status = _report(outcomes, folder, "Fetched")
    _prepare_derived(folder)
    return status


def run_prepare(args: argparse.Namespace) -> int:
    """Convert hand-downloaded files; exit 2 when one failed."""
    from needsmap.data.fetch import prepare

    folder = (args.to or fetch_dir()).expanduser().resolve()
    outcomes, unknown = prepare(args.raw_dir, folder)
    for path in unknown:
        sys.stderr.write(f"  skipped {path.name}: not a file needsmap recognises\n")
    status = _report(outcomes, folder, "Prepared")
    _prepare_derived(folder)
    return status
