"""``needsmap geocode``: place every row of an organisation list in its LSOA 2011 and LSOA 2021.

Examples
--------
::

    needsmap geocode members.csv --out members_placed.csv
    needsmap geocode grants.json > grants_placed.csv
    needsmap geocode list.xlsx --postcode-column "Post code" --nspl NSPL_MAY_2025_UK.csv

Writes every input row with its original columns plus ``lat``, ``lon``, ``lsoa11_code``,
``lsoa21_code``, ``status`` (``ok`` or the reason in words) and the other standard columns of the
importer; a summary goes to standard error. Exit code 0 even when some rows could not be placed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from needsmap.errors import ValidationError
from needsmap.export import to_csv_bytes, write_csv
from needsmap.safe_text import printable


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``needsmap geocode``."""
    p = subparsers.add_parser(
        "geocode", help="place an organisation list (CSV, Excel, 360Giving) in LSOAs by postcode",
        description=(
            "Read a CSV/TSV, Excel (.xlsx) or 360Giving (CSV/XLSX/JSON) file and place every row in "
            "its LSOA 2011 and LSOA 2021 by postcode (ONS postcode lookup centroids, offline), "
            "coordinates or LSOA code. Every input row is written out with lat, lon, lsoa11_code, "
            "lsoa21_code and status ('ok' or the reason in words)."),
    )
    p.add_argument("input", metavar="INPUT", help="the organisation list file")
    p.add_argument("--out", metavar="OUT.csv", help="output CSV (default: standard output)")
    p.add_argument("--postcode-column", metavar="NAME", help="the postcode column, if not detected")
    p.add_argument("--name-column", metavar="NAME", help="the organisation name column, if not detected")
    p.add_argument("--column", metavar="ROLE=NAME", action="append", default=[],
                   help=("say which column plays a role, e.g. --column easting=X; an empty NAME "
                         "declines a role, e.g. --column address= (roles: name, postcode, lat, lon, "
                         "easting, northing, gridref, lsoa, address, category, charity_number, "
                         "closed …)"))
    p.add_argument("--sheet", metavar="NAME",
                   help="for a workbook: the sheet to read (default: the one that holds the list)")
    p.add_argument("--nspl", metavar="FILE",
                   help="the official NSPL/ONSPD CSV: its exact LSOA codes are used for its postcodes")
    p.set_defaults(func=run)


def parse_columns(items: list[str]) -> dict[str, str | None]:
    """``["easting=X", "address="]`` → ``{"easting": "X", "address": ""}`` (role → column).

    Raises
    ------
    ValidationError
        An item without ``=`` or with an unknown role.
    """
    # imported here: importing needsmap.orgs loads the geocoder
    from needsmap.orgs.columns import ROLE_LABELS

    out: dict[str, str | None] = {}
    for item in items:
        role, sep, name = item.partition("=")
        role = role.strip()
        if not sep or role not in ROLE_LABELS:
            raise ValidationError(f"--column {printable(item, limit=60)!r}: give ROLE=NAME with a role "
                                  f"among {', '.join(ROLE_LABELS)}")
        out[role] = name.strip()
    return out


def sheet_note(result: object, *, chosen: str | None) -> str:
    """For a workbook with several sheets that could hold a list, when none was named: which one
    was read and which others there are (empty otherwise)."""
    sheet = getattr(result, "sheet", None)
    candidates = list(getattr(result, "sheet_candidates", None) or [])
    if chosen is not None or sheet is None or len(candidates) < 2:
        return ""
    others = [s for s in candidates if s != sheet]
    return (f"read the sheet '{printable(sheet, limit=60)}'; other sheets that could hold a list: "
            + ", ".join(f"'{printable(s, limit=60)}'" for s in others)
            + " (choose one with --sheet NAME)")


def run(args: argparse.Namespace) -> int:
    """Geocode the input file; write the CSV; print the summary on stderr; return 0."""
    from needsmap.orgs import import_file, read_postcode_lookup

    path = Path(args.input)
    if not path.is_file():
        raise ValidationError(f"input file not found: {path}")
    column_map = parse_columns(args.column)
    if args.postcode_column:
        column_map["postcode"] = args.postcode_column
    if args.name_column:
        column_map["name"] = args.name_column
    lookup = read_postcode_lookup(args.nspl) if args.nspl else None
    result = import_file(path, filename=path.name, column_map=column_map or None, lookup=lookup,
                         sheet=args.sheet)
    # written a chunk of rows at a time: a large list is never held whole as CSV text
    if args.out:
        write_csv(result.table, Path(args.out))
    else:
        sys.stdout.flush()
        if hasattr(sys.stdout, "buffer"):
            write_csv(result.table, sys.stdout.buffer)
        else:  # a captured text stream (tests)
            sys.stdout.write(to_csv_bytes(result.table).decode("utf-8-sig"))
        sys.stdout.flush()
    err = sys.stderr
    err.write(f"needsmap geocode: {printable(path.name, limit=None)}: {result.summary_text()}\n")
    note = sheet_note(result, chosen=args.sheet)
    if note:
        err.write(f"  {printable(note, limit=None)}\n")
    if result.notes:
        err.write("  read as: " + printable("; ".join(result.notes), limit=None) + "\n")
    err.write("  columns used: " + ", ".join(f"{r}={printable(c, limit=60)}"
                                             for r, c in result.detected.items()) + "\n")
    for row in result.summary().itertuples(index=False):
        err.write(f"  {int(row.rows):>7,}  {printable(row.status, limit=None)}\n")
    if args.out:
        err.write(f"  wrote {len(result.table):,} rows to {args.out}\n")
    return 0
