"""``needsmap data``: list the datasets needsmap reads and check the data folder."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from needsmap.config import data_dir
from needsmap.data import loaders
from needsmap.data.catalog import DATASETS
from needsmap.errors import NeedsmapError


def add_parser(sub: Any) -> None:
    """Register ``needsmap data {list,check}``."""
    p = sub.add_parser(
        "data", help="list the datasets needsmap reads, or check the data folder",
        description="List every dataset (publisher, licence, download page, file, columns) or check "
                    "that the data folder ($NEEDSMAP_DATA_DIR, default ../shared/data) holds them.",
    )
    p.add_argument("action", choices=["list", "check"])
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.set_defaults(func=run)


def _check(dataset_id: str, kind: str) -> str:
    try:
        if kind == "geometry":
            loaders.read_geometry(dataset_id)
        else:
            loaders.read_table(dataset_id)
    except NeedsmapError as exc:
        return str(exc)
    return "ok"


def run(args: argparse.Namespace) -> int:
    """List or check the datasets; ``check`` exits 1 when a required dataset is missing or broken."""
    rows = []
    for d in DATASETS:
        row = {"id": d.id, "title": d.title, "publisher": d.publisher, "licence": d.licence,
               "url": d.url, "file": d.file, "columns": list(d.columns), "optional": d.optional,
               "present": d.path.exists()}
        if args.action == "check":
            row["status"] = _check(d.id, d.kind) if d.path.exists() else "missing"
        rows.append(row)
    if args.format == "json":
        sys.stdout.write(json.dumps({"data_dir": str(data_dir()), "datasets": rows}, indent=2) + "\n")
    else:
        sys.stdout.write(f"data folder: {data_dir()}\n")
        for r in rows:
            state = r.get("status", "present" if r["present"] else "missing")
            flag = " (optional)" if r["optional"] else ""
            sys.stdout.write(f"\n[{state}] {r['id']}{flag}: {r['title']}\n  file: {r['file']}\n"
                             f"  from: {r['publisher']} — {r['url']}\n  licence: {r['licence']}\n")
    bad = [r for r in rows if args.action == "check" and not r["optional"] and r["status"] != "ok"]
    if bad:
        sys.stderr.write(f"{len(bad)} required dataset(s) missing or broken: "
                         f"{', '.join(str(r['id']) for r in bad)}\n")
        return 1
    return 0
