"""``needsmap similar``: the local authorities, wards or LSOAs most like a place on the IMD 2025 domains.

Examples
--------
::

    needsmap similar Birmingham                                  # CSV of the 10 nearest to stdout
    needsmap similar E01009219 -n 20 --out similar.csv
    needsmap similar E05011118 --orgs default:foodbanks --radius-km 1.5 --out similar.csv

The place itself is the first row (rank 0), for comparison. ``--orgs`` (a file, ``default:ID`` or
``register:NAME``) adds each place's coverage: the share of its LSOAs with an organisation within the
radius.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from needsmap.analysis.similar import DEFAULT_N, MAX_N, METHOD
from needsmap.errors import ValidationError


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``needsmap similar``."""
    p = subparsers.add_parser(
        "similar", help="the places most like a local authority, ward or LSOA on the IMD 2025 domains",
        description=METHOD,
        epilog="CSV goes to stdout unless --out is given; the summary sentence goes to stderr.",
    )
    p.add_argument("place", metavar="PLACE",
                   help="local authority or ward name or code, or a 2021 LSOA code (E01…)")
    p.add_argument("-n", type=int, default=DEFAULT_N, metavar="N",
                   help=f"how many similar places (1–{MAX_N}; default {DEFAULT_N})")
    p.add_argument("--orgs", metavar="FILE",
                   help="organisation list (file, default:ID or register:NAME) whose coverage of each "
                        "place is added")
    p.add_argument("--radius-km", type=float, default=1.0, metavar="R",
                   help="coverage radius in km from each LSOA's centre (default 1)")
    p.add_argument("--out", metavar="FILE.csv", type=Path, help="CSV to write (default: stdout)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Write the similar places as CSV; 2 on a data or input problem."""
    from needsmap import areas, data, gss
    from needsmap.analysis import similar as sm
    from needsmap.analysis.coverage import org_nouns
    from needsmap.cli.gaps import reference_points
    from needsmap.data.loaders import is_national
    from needsmap.export import to_csv_bytes, write_csv
    from needsmap.store.lists import load_list

    if not 1 <= args.n <= MAX_N:
        raise ValidationError(f"-n must be from 1 to {MAX_N}, not {args.n}")
    table = data.load_lsoa_table(sm.EDITION)
    text = str(args.place).strip()
    code = text.upper() if gss.is_lsoa_code(text.upper()) else areas.find_area(text, table).code
    level = sm.place_level(code)
    reference = None if is_national(table) else data.load_imd(sm.EDITION)
    similar = sm.similar_places(table, code, level, args.n, include_self=True, reference=reference)
    coverage, noun, layer = None, "organisation", ""
    if args.orgs:
        imported, layer, layer_id = load_list(args.orgs)
        noun, _ = org_nouns(imported.table, layer_id=layer_id)
        coverage = sm.place_coverage(table, reference_points(sm.EDITION), imported.table, similar["code"],
                                     level, radius_km=args.radius_km)
    out = sm.export_table(similar, coverage, layer=layer, radius_km=args.radius_km if args.orgs else None)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        write_csv(out, args.out)
    else:
        sys.stdout.buffer.write(to_csv_bytes(out))
        sys.stdout.flush()
    sys.stderr.write(sm.summary_sentence(similar, coverage, noun=noun, radius_km=args.radius_km) + "\n")
    if args.out:
        sys.stderr.write(f"wrote {len(out) - 1:,} similar places (and the place itself) to {args.out}\n")
    return 0
