"""``needsmap gaps``: per-LSOA coverage of an organisation list against need, as a ranked CSV.

Examples
--------
::

    needsmap gaps --area Birmingham --orgs foodbanks.csv --out gaps.csv
    needsmap gaps --area England --orgs default:libraries --radius-km 2 --edition 2019 --out gaps.csv
    needsmap gaps --area E08000025 --orgs grants.xlsx --composite income=2,health=1 --out gaps.csv
    needsmap gaps --area Birmingham --orgs default:libraries --category "Static Library" --top 20 \
        --deciles 1-2 --none-within --out gaps.csv

``--orgs`` takes any file the organisation importer accepts (CSV/TSV, Excel, JSON, 360Giving),
``default:ID`` for a default layer shipped with the data (``default:foodbanks``, ``default:libraries``,
``default:charities_trafford``, ``default:grants_trafford``), or ``register:NAME`` for a register
(``needsmap register``) of the workspace ``$NEEDSMAP_WORKSPACE`` (default ``local``); its closed rows
are left out.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from needsmap.analysis import coverage as cv
from needsmap.errors import ValidationError
from needsmap.types import DEFAULT_EDITION, EDITIONS, LSOA_VINTAGE, Edition, as_edition

# the data layer, the importer and the writers load in `run`, so `needsmap gaps --help` does not
if TYPE_CHECKING:
    import pandas as pd


#: the largest radius whose catchment pairs are kept in the prepared-file cache: the pairs grow with
#: the square of the radius (England, LSOA 2021: about 220,000 at 1 km, 0.9 million at 2 km)
MAX_CACHED_PAIRS_KM = 2.0


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``needsmap gaps``."""
    p = subparsers.add_parser(
        "gaps", help="where need is high and organisations are thin: one ranked row per LSOA",
        description=(
            "For every LSOA in an area: organisations in it, within a radius of its centre and per "
            "1,000 residents nearby, the distance to the nearest one, need, a gap score (high need × "
            "low coverage), its rank and a 3×3 need/coverage class. Organisations outside the area "
            "count for LSOAs near its edge."),
        epilog=("--orgs accepts any file the importer reads (CSV, TSV, Excel, JSON, 360Giving), "
                "default:ID for a default layer (" + ", ".join(
                    f"default:{i}" for i in ("foodbanks", "libraries", "charities_trafford",
                                             "grants_trafford"))
                + "), or register:NAME for a register kept with `needsmap register` (of the "
                  "workspace $NEEDSMAP_WORKSPACE, default local; closed rows are left out)."),
    )
    p.add_argument("--area", required=True, metavar="NAME_OR_CODE",
                   help="local authority, region or ward name or code, or England")
    p.add_argument("--orgs", required=True, metavar="FILE",
                   help="organisation list file, default:ID (e.g. default:foodbanks) or register:NAME")
    p.add_argument("--sheet", metavar="NAME",
                   help="for a workbook given to --orgs: the sheet to read (default: the one that "
                        "holds the list)")
    p.add_argument("--radius-km", type=float, default=cv.DEFAULT_RADIUS_KM, metavar="R",
                   help="catchment radius in km, straight line from each LSOA's centre (default 1)")
    p.add_argument("--edition", choices=EDITIONS, default=DEFAULT_EDITION,
                   help="IMD edition: 2019 (LSOA 2011) or 2025 (LSOA 2021); default 2025")
    need = p.add_mutually_exclusive_group()
    need.add_argument("--need", default="imd", metavar="MEASURE",
                      help="need measure id (default imd; e.g. income, health, cyp, cni)")
    need.add_argument("--composite", metavar="ID=W,…",
                      help="composite need from IMD domains with weights, e.g. income=2,health=1")
    p.add_argument("--basis", choices=list(cv.COVERAGE_BASES), default="orgs_per_1000",
                   help="coverage figure the gap score uses (default orgs_per_1000)")
    p.add_argument("--top", type=int, metavar="N",
                   help="the summary sentence counts the N neediest LSOAs (default 50, or the "
                        "neediest fifth of a smaller area)")
    p.add_argument("--category", action="append", default=[], metavar="NAME",
                   help="count only organisations of this category (the list's category or type "
                        "column); repeat for several. One category also names them in the summary")
    p.add_argument("--deciles", metavar="LO-HI",
                   help="write only LSOAs in these need deciles (1 = most in need), e.g. 1-2 or 1")
    p.add_argument("--none-within", action="store_true",
                   help="write only LSOAs with no organisation within the radius")
    p.add_argument("--out", required=True, metavar="FILE.csv", type=Path, help="CSV to write")
    p.add_argument("--wards", metavar="FILE.csv", type=Path, help="also write the ward table here")
    p.add_argument("--geojson", metavar="FILE.geojson", type=Path,
                   help="also write the LSOAs with their figures as GeoJSON")
    p.set_defaults(func=run)


def parse_weights(text: str) -> dict[str, float]:
    """``"income=2,health=1"`` → ``{"income": 2.0, "health": 1.0}``."""
    out: dict[str, float] = {}
    for part in text.split(","):
        if not part.strip():
            continue
        key, sep, value = part.partition("=")
        try:
            if not sep:
                raise ValueError
            out[key.strip()] = float(value)
        except ValueError:
            raise ValidationError(f"--composite: {part.strip()!r} is not ID=WEIGHT "
                                  "(e.g. income=2,health=1)") from None
    return out


def parse_deciles(text: str | None) -> tuple[int, int]:
    """``"1-2"`` → ``(1, 2)``, ``"3"`` → ``(3, 3)``, None → ``(1, 10)`` (every decile)."""
    if text is None:
        return 1, 10
    lo, _, hi = text.replace("–", "-").partition("-")
    try:
        first, last = int(lo), int(hi or lo)
    except ValueError:
        raise ValidationError(f"--deciles: {text!r} is not LO-HI (e.g. 1-2) or one decile") from None
    if not 1 <= first <= last <= 10:
        raise ValidationError(f"--deciles: {text!r} must run from 1 to 10, low to high")
    return first, last


def reference_points(edition: Edition) -> pd.DataFrame:
    """LSOA reference points of ``edition``, kept in the prepared-file cache (rebuilt when the
    boundary file or the population-weighted centroids change)."""
    from needsmap import data
    from needsmap.data._cache import cached

    vintage = LSOA_VINTAGE[edition]
    return cached(f"refpoints_{vintage}", lambda: cv.reference_points(data.load_boundaries(edition)))


def catchment_pairs(edition: Edition, radius_km: float) -> pd.DataFrame | None:
    """:func:`needsmap.analysis.coverage.catchment_pairs` of the :func:`reference_points` of
    ``edition`` for ``radius_km``, kept in the prepared-file cache beside them (so keyed by the same
    files); None above :data:`MAX_CACHED_PAIRS_KM`."""
    from needsmap.data._cache import cached

    if not 0 < radius_km <= MAX_CACHED_PAIRS_KM:
        return None
    return cached(f"pairs_{LSOA_VINTAGE[edition]}_{radius_km:g}km",
                  lambda: cv.catchment_pairs(reference_points(edition), radius_km))


def run(args: argparse.Namespace) -> int:
    """Compute the gaps and write the CSV (plus ward table / GeoJSON when asked)."""
    from needsmap import areas, data
    from needsmap.cli.geocode import sheet_note
    from needsmap.data.loaders import table_scope
    from needsmap.export import write_csv
    from needsmap.orgs.geocode import release_indices
    from needsmap.store.lists import load_list

    edition = as_edition(args.edition)
    if args.top is not None and args.top < 1:
        raise ValidationError(f"--top must be 1 or more, not {args.top}")
    flt = cv.GapFilter(deciles=parse_deciles(args.deciles), none_within=args.none_within)
    try:
        need = (cv.NeedSpec.composite(parse_weights(args.composite)) if args.composite
                else cv.NeedSpec(args.need))
        wanted = [*cv.TABLE_COLUMNS, *need.columns()]
    except KeyError as exc:
        raise ValidationError(str(exc).strip("'\"")) from None
    table = data.load_lsoa_table(edition, columns=wanted)  # only the columns gaps reads
    scope = table_scope(table)
    area = areas.require_covered(areas.find_area(args.area, table), scope)
    # placed in the edition's LSOA vintage only: no polygons of the other one are loaded
    imported, what, layer_id = load_list(args.orgs, sheet=args.sheet, vintages=(LSOA_VINTAGE[edition],))
    release_indices()  # the list is placed: its polygon indices' memory goes to the analysis
    orgs = cv.filter_categories(imported.table, args.category)
    if args.category and orgs.empty:
        known = ", ".join(cv.org_categories(imported.table)[:8]) or "none"
        raise ValidationError(f"--category: no organisation of {', '.join(args.category)} in the list "
                              f"(its categories: {known})")
    noun, nouns = cv.org_nouns(imported.table, layer_id=layer_id, categories=args.category)
    points = reference_points(edition)
    result = cv.analyse_gaps(table, points, orgs,
                             area=area, edition=edition, radius_km=args.radius_km, need=need,
                             basis=args.basis, org_noun=noun, org_plural=nouns,
                             pairs=catchment_pairs(edition, args.radius_km))
    shown = cv.filter_gaps(result, flt)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    write_csv(cv.export_table(shown), args.out)
    err = sys.stderr.write
    summary = getattr(imported, "summary_text", None)
    err(f"{what}: {summary() if callable(summary) else ''}\n")
    note = sheet_note(imported, chosen=args.sheet)
    if note:
        err(f"{note}\n")
    err(f"{result.n_orgs:,} {nouns} used ({result.n_orgs_in_area:,} in {area.name})"
        + (f"; left out: {result.excluded_text}" if result.excluded_text else "") + "\n")
    err(f"{need.formula(scope=scope)}\n")
    if result.need_note:
        err(f"note: {result.need_note}\n")
    err(cv.summary_sentence(result, top_n=args.top) + "\n")
    if flt.active:
        err(cv.filter_sentence(result, shown, flt) + "\n")
    err(f"wrote {len(shown.lsoas):,} LSOAs to {args.out}\n")
    if args.wards:
        args.wards.parent.mkdir(parents=True, exist_ok=True)
        write_csv(cv.ward_table(result), args.wards)
        err(f"wrote the ward table to {args.wards}\n")
    if args.geojson:
        args.geojson.parent.mkdir(parents=True, exist_ok=True)
        args.geojson.write_bytes(cv.gaps_geojson(result, data.load_boundaries(edition)))
        err(f"wrote GeoJSON to {args.geojson}\n")
    return 0
