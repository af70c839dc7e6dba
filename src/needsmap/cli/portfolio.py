"""``needsmap portfolio``: how far a list of organisations reaches England's most deprived places."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from needsmap.errors import ValidationError
from needsmap.safe_text import printable
from needsmap.types import DEFAULT_EDITION, EDITIONS, as_edition

if TYPE_CHECKING:
    import pandas as pd


def add_parser(subparsers: Any) -> None:
    """Register ``portfolio`` with the ``needsmap`` command line."""
    p = subparsers.add_parser(
        "portfolio",
        help="portfolio figures for a list of organisations (share in the most deprived areas …)",
        description="Place a list of organisations (CSV/Excel/360Giving, a default layer such as "
                    "default:foodbanks, or a register: register:NAME) and print the portfolio figures as JSON: organisations by IMD "
                    "decile, % in the 10/20/40/50% most deprived LSOAs and the 50% most deprived "
                    "wards, % of residents of the neighbourhoods served who live in the 20% most "
                    "deprived, children in income-deprived households, at-risk jobs, and England's "
                    "figures for comparison. A 360Giving grants list counts every grant (several to "
                    "one recipient count once each), also weights the shares by amount awarded, "
                    "and summarises grants known only by local authority (or ward, region, "
                    "country) at that level. A figure resting on fewer than 30 rows, or on under "
                    "half of them, is printed with a 'Warning:' line on standard error (and in the "
                    "JSON's \"warnings\").",
    )
    p.add_argument("--orgs", required=True, metavar="FILE",
                   help="organisation file, default:<layer> (foodbanks, libraries, "
                        "charities_trafford, grants_trafford), or register:NAME (a register of the "
                        "workspace $NEEDSMAP_WORKSPACE, default local)")
    p.add_argument("--edition", choices=EDITIONS, default=DEFAULT_EDITION, help="IMD edition")
    p.add_argument("--radius-km", type=float, default=None, metavar="R",
                   help="also count LSOAs whose centroid lies within R km of an organisation")
    p.add_argument("--ward-method", choices=("average", "share20"), default="average",
                   help="how wards are ranked (default: population-weighted average IMD)")
    p.add_argument("--area", default=None, metavar="CODE_OR_NAME",
                   help="only count organisations in this local authority, region or ward "
                        "(e.g. Birmingham or E08000025); England's figures stay national")
    p.add_argument("--include-closed", action="store_true",
                   help="also count organisations marked closed (left out by default)")
    p.add_argument("--include-duplicates", action="store_true",
                   help="also count rows repeating an earlier organisation (left out by default); "
                        "in a grants list, rows repeating an earlier grant's identifier")
    p.add_argument("--out", type=Path, default=None, metavar="FILE.json",
                   help="also write the JSON to this file")
    p.add_argument("--pdf", type=Path, default=None, metavar="FILE.pdf",
                   help="also write a PDF summary")
    p.add_argument("--csv", type=Path, default=None, metavar="FILE.csv",
                   help="also write every row with its LSOA, decile and why it was or was not "
                        "counted (spreadsheet-safe CSV)")
    p.set_defaults(func=run)


def load_organisations(spec: str) -> tuple[pd.DataFrame, str, str | None]:
    """Every row of the organisation list ``spec`` (a file, ``default:<layer>`` or ``register:NAME``),
    a label, the layer id.

    The list goes through :mod:`needsmap.orgs`, which places rows by postcode, coordinates or an
    LSOA code column (``lsoa11_code``/``lsoa21_code``) and keeps the unplaced ones with a reason.
    """
    from needsmap.store.lists import load_list

    result, label, layer_id = load_list(spec)
    return result.table, label, layer_id


def run(args: argparse.Namespace) -> int:
    """Compute the portfolio figures and print them as JSON (exit 0)."""
    from needsmap import data
    from needsmap.analysis import portfolio as pf
    from needsmap.data.loaders import table_scope

    edition = as_edition(args.edition)
    if args.radius_km is not None and not 0 <= args.radius_km <= 50:
        raise ValidationError("--radius-km must be between 0 and 50")
    orgs, label, layer_id = load_organisations(args.orgs)
    table = data.load_lsoa_table(edition)
    centroids = pf.lsoa_centroids(data.load_boundaries(edition)) if args.radius_km else None
    scope = table_scope(table)  # "England", or the demo's region
    within, within_label = None, "the area"
    if args.area:
        from needsmap import areas

        area = areas.require_covered(areas.find_area(args.area, data.load_geography(edition)), scope)
        within, within_label = areas.select(table, area).index, area.name
    result = pf.portfolio_summary(orgs, table, edition=edition, within=within,
                                  within_label=within_label,
                                  children=pf.load_children_0_15(edition), centroids=centroids,
                                  radius_km=args.radius_km, ward_method=args.ward_method,
                                  include_closed=args.include_closed,
                                  include_duplicates=args.include_duplicates)
    if within is not None:
        label = f"{label} in {within_label}"
    out = {"organisations_source": label, "area": within_label if within is not None else scope,
           **result.to_dict()}
    from needsmap.export import export_bytes

    body = export_bytes("json", out)
    sys.stdout.write(body.decode("utf-8"))
    for warning in result.warnings:
        sys.stderr.write(f"Warning: {printable(warning, limit=None)}\n")
    if args.out:
        args.out.write_bytes(body)
    if args.csv:
        args.csv.write_bytes(export_bytes("csv", result.organisations))
        sys.stderr.write(f"wrote {printable(args.csv, limit=None)}\n")
    if args.pdf:
        from needsmap.report.portfolio_pdf import portfolio_pdf

        args.pdf.write_bytes(export_bytes("pdf", portfolio_pdf(result, source_label=label, layer_id=layer_id)))
        sys.stderr.write(f"wrote {printable(args.pdf, limit=None)}\n")
    return 0
