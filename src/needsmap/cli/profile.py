"""``needsmap profile``: the citable profile of a neighbourhood, ward or local authority.

Examples
--------
::

    needsmap profile --lsoa E01009219 --edition 2019             # JSON to stdout
    needsmap profile --postcode "B31 2LB" --format pdf --out profile.pdf
    needsmap profile --ward "Northfield, Birmingham" --format md --out northfield.md
    needsmap profile --area Birmingham --edition 2019 --format pdf --out birmingham.pdf
    needsmap profile --lsoa E01009219 --orgs default:foodbanks --radius-m 1500

An LSOA code of the other vintage (2011 vs 2021) is translated through the ONS lookup and the answer
says so. ``--orgs`` (a file, ``default:ID`` or ``register:NAME``) lists organisations inside the area
and nearby.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from needsmap.errors import ValidationError
from needsmap.types import DEFAULT_EDITION, EDITIONS, as_edition

# the analysis loads in `build`, so `needsmap profile --help` (and every other command) does not
if TYPE_CHECKING:
    from needsmap.analysis import profile as pr

FORMATS = ("json", "md", "pdf")


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``needsmap profile``."""
    p = subparsers.add_parser(
        "profile", help="citable deprivation profile of an LSOA, postcode, ward or local authority",
        description=(
            "IMD rank and decile, every domain and sub-domain, population and ages, children and "
            "older people in income-deprived families, Census 2021 ethnic make-up and extra "
            "measures, with a plain-English summary and sources. For a ward or local authority: "
            "population-weighted figures and the list of its LSOAs. Income deprivation by age is "
            "a rate only when MHCLG's published rates (or denominators of the same date) are in "
            "the data folder (`needsmap data fetch` keeps them from File 7); otherwise the count, "
            "with the reason."),
        epilog="JSON goes to stdout unless --out is given; --format pdf needs --out.",
    )
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--lsoa", metavar="CODE", help="LSOA 2011 or 2021 code, e.g. E01009219")
    where.add_argument("--postcode", metavar="PC", help='postcode in England, e.g. "B31 2LB"')
    where.add_argument("--ward", metavar="CODE_OR_NAME",
                       help='ward code (E05…) or name; "Name, Local authority" if the name is shared')
    where.add_argument("--area", metavar="NAME_OR_CODE",
                       help="local authority (or ward) name or code, e.g. Birmingham or E08000025")
    p.add_argument("--edition", choices=EDITIONS, default=DEFAULT_EDITION,
                   help="IMD edition: 2019 (LSOA 2011) or 2025 (LSOA 2021); default 2025")
    p.add_argument("--format", choices=FORMATS, default="json", help="json (default), md or pdf")
    p.add_argument("--out", metavar="PATH", help="write to this file (required for pdf)")
    p.add_argument("--orgs", metavar="FILE",
                   help="organisation list (file, default:ID or register:NAME) to list organisations "
                        "inside and nearby")
    p.add_argument("--radius-m", type=float, default=1000, metavar="M",
                   help="how far around the area 'nearby' organisations are looked for (default 1000)")
    p.set_defaults(func=run)


def _orgs(spec: str | None) -> Any:
    if not spec:
        return None
    from needsmap.store.lists import load_list

    result, _, _ = load_list(spec)
    return result.placed


def build(args: argparse.Namespace) -> pr.LsoaProfile | pr.AreaProfile:
    """The profile the arguments ask for."""
    from needsmap.analysis import profile as pr

    edition = as_edition(args.edition)
    orgs = _orgs(getattr(args, "orgs", None))
    radius = float(getattr(args, "radius_m", 1000))
    for flag in ("lsoa", "postcode", "ward", "area"):
        value = getattr(args, flag)
        if value is not None and not str(value).strip():
            raise ValidationError(f"--{flag} is empty: give a value, e.g. "
                                  + {"lsoa": "E01009219", "postcode": '"B31 2LB"',
                                     "ward": "Northfield", "area": "Birmingham"}[flag])
    if args.lsoa:
        return pr.lsoa_profile(args.lsoa, edition=edition, orgs=orgs, radius_m=radius)
    if args.postcode:
        return pr.lsoa_profile(postcode=args.postcode, edition=edition, orgs=orgs, radius_m=radius)
    text = args.ward or args.area
    prof = pr.area_profile(text, edition=edition, orgs=orgs, radius_m=radius)
    if args.ward and prof.kind != "ward":
        raise ValidationError(f"{text!r} is a local authority, not a ward: use --area")
    return prof


def run(args: argparse.Namespace) -> int:
    """Print or write the profile; 2 on a data or input problem."""
    from needsmap.analysis import profile as pr

    if args.format == "pdf" and not args.out:
        sys.stderr.write("needsmap profile: error: --format pdf needs --out FILE.pdf\n")
        return 2
    from needsmap.export import export_bytes

    prof = build(args)
    if args.format == "json":
        body = export_bytes("json", prof.to_dict())
    elif args.format == "md":
        from needsmap.report.markdown import profile_markdown

        body = export_bytes("markdown", profile_markdown(prof))
    else:
        from needsmap.report.profile_pdf import profile_pdf

        body = export_bytes("pdf", profile_pdf(prof))
    if args.out:
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(body)
        sys.stderr.write(f"needsmap profile: wrote {out} ({len(body):,} bytes)\n")
    else:
        sys.stdout.write(body.decode())
    if isinstance(prof, pr.LsoaProfile) and prof.translation is not None:
        sys.stderr.write(f"note: {prof.translation.note}\n")
    if pr.england_figures_missing(prof):
        sys.stderr.write(f"note: some of England's figures are {pr.NOT_IN_DEMO} (shown as null, "
                         "– or left out)\n")
    return 0
