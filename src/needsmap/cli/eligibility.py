"""``needsmap eligibility``: is each row of a list (applicants, grantees) in an eligible neighbourhood?

Examples
--------
::

    needsmap eligibility applicants.csv --rules rules.json --out checked.xlsx
    needsmap eligibility applicants.xlsx --rules "1.2025.any~imd.d.2.3~health.r.3000" --out checked.csv
    needsmap eligibility default:foodbanks --rules rules.json --edition 2019 > checked.csv

``LIST`` is any file the organisation importer reads (CSV/TSV, Excel, JSON, 360Giving) with
postcodes, coordinates or LSOA codes, ``default:ID``, or ``register:NAME`` (a register kept with
``needsmap register``, of the workspace ``$NEEDSMAP_WORKSPACE``, default ``local``). ``--rules`` is a rules file saved from the
Eligibility checker page (JSON), or the ``rules`` value of its link. Every row comes out: its own
columns, its LSOA code, ``Eligible`` (Yes/No; blank for a row that could not be placed) and the
reason in words.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from needsmap.errors import ValidationError
from needsmap.safe_text import printable
from needsmap.types import EDITIONS, LSOA_VINTAGE, as_edition

if TYPE_CHECKING:  # the engine loads in `run`, so `needsmap eligibility --help` does not
    from needsmap.analysis.eligibility import RuleSet

#: output formats by file extension (the export registry's ids)
_OUT_FORMATS = {".csv": "csv", ".xlsx": "xlsx"}


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``needsmap eligibility``."""
    p = subparsers.add_parser(
        "eligibility", help="check every row of a list against eligibility rules (IMD deciles, ranks)",
        description=(
            "Place every row of a list (by postcode, coordinates or LSOA code) and say whether its "
            "neighbourhood meets the rules: IMD or domain deciles or ranks, with an optional other "
            "threshold for rural LSOAs (ONS Rural-Urban Classification 2021), combined with any/all. "
            "Rows that cannot be placed are kept, with the reason."),
        epilog=("Rules files are written by the dashboard's Eligibility checker (Download rules). "
                "LIST may be register:NAME, a register kept with `needsmap register` (of the "
                "workspace $NEEDSMAP_WORKSPACE, default local)."),
    )
    p.add_argument("list", metavar="LIST", help="the list: a CSV, Excel, JSON or 360Giving file, default:ID or register:NAME")
    p.add_argument("--rules", required=True, metavar="RULES.json",
                   help="rules file (JSON, version 1), or a link's rules value (1.2025.any~imd.d.2)")
    p.add_argument("--edition", choices=EDITIONS, default=None,
                   help="IMD edition to check against (default: the rules' own edition)")
    p.add_argument("--sheet", metavar="NAME", help="for a workbook: the sheet to read")
    p.add_argument("--column", metavar="ROLE=NAME", action="append", default=[],
                   help="say which column plays a role, e.g. --column postcode=location or "
                        "--column lsoa=Area (as needsmap geocode takes it)")
    p.add_argument("--out", type=Path, default=None, metavar="FILE.csv|FILE.xlsx",
                   help="write here (CSV or Excel, by extension); default: CSV on standard output")
    p.set_defaults(func=run)


def read_rules(spec: str) -> RuleSet:
    """The :class:`~needsmap.analysis.eligibility.RuleSet` in the file ``spec`` (JSON), or in ``spec``
    itself when it is a link's rules value.

    Raises
    ------
    ValidationError
        No such file and not a rules value; or rules that do not validate.
    """
    from needsmap.analysis.eligibility import RuleSet

    path = Path(spec)
    if path.is_file():
        try:
            return RuleSet.from_json(path.read_bytes())
        except ValidationError as exc:
            raise ValidationError(f"{printable(path.name, limit=80)}: {exc}") from None
    if "~" in spec:
        return RuleSet.from_query(spec)
    raise ValidationError(f"rules file {spec!r} not found: give a JSON rules file saved from the "
                          "Eligibility checker, or a link's rules value such as 1.2025.any~imd.d.2")


def run(args: argparse.Namespace) -> int:
    """Check the list and write the table; counts go to standard error."""
    from needsmap import data
    from needsmap.analysis import eligibility as el
    from needsmap.export import export_bytes
    from needsmap.store.lists import load_list

    rules = read_rules(args.rules)
    if args.edition is not None and args.edition != rules.edition:
        rules = el.RuleSet(edition=as_edition(args.edition), rules=rules.rules, combine=rules.combine)
    fmt = "csv"
    if args.out is not None:
        suffix = args.out.suffix.lower()
        if suffix not in _OUT_FORMATS:
            raise ValidationError(f"--out must end in .csv or .xlsx, not {printable(args.out.name, limit=80)!r}")
        fmt = _OUT_FORMATS[suffix]
    table = data.load_lsoa_table(rules.edition, columns=rules.columns())
    from needsmap.cli.geocode import parse_columns

    imported, label, _ = load_list(args.list, sheet=args.sheet, vintages=(LSOA_VINTAGE[rules.edition],),
                                   column_map=parse_columns(args.column) or None)
    checked = el.check_list(imported.table, rules, table, input_columns=imported.columns)
    body = export_bytes(fmt, checked)  # type: ignore[arg-type]
    err = sys.stderr.write
    err(f"{printable(label, limit=120)}: {imported.summary_text()}\n")
    err(f"{rules.describe()}\n")
    n = el.counts(checked)
    err(f"{n['eligible']:,} eligible, {n['not_eligible']:,} not eligible, {n['not_placed']:,} not placed "
        f"(of {n['rows']:,} rows)\n")
    unsure = int((checked[el.OUT_CONFIDENCE] == "uncertain").sum())
    if unsure:
        err(f"{unsure:,} placed row(s) are uncertain (near an LSOA boundary: the neighbour's rules may "
            f"apply); the '{el.OUT_CONFIDENCE}' column says which\n")
    missed = el.not_placed(checked)
    for i, reason in zip(missed.index[:20], missed[el.OUT_REASON].iloc[:20], strict=True):
        err(f"  row {i + 1}: {printable(reason, limit=200)}\n")
    if len(missed) > 20:
        err(f"  … and {len(missed) - 20:,} more (every row is in the output, with its reason)\n")
    if args.out is None:
        sys.stdout.buffer.write(body)
        sys.stdout.flush()
    else:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_bytes(body)
        err(f"wrote {len(checked):,} rows to {printable(args.out, limit=None)}\n")
    return 0
