"""``needsmap register``: keep a team's organisation lists (registers) in needsmap's database.

Examples
--------
::

    needsmap register list
    needsmap register import "Trafford charities" charities.csv            # makes it, or previews a merge
    needsmap register import "Trafford charities" charities_2024.xlsx --yes  # applies the merge
    needsmap register export "Trafford charities" --out trafford.xlsx
    needsmap register history "Trafford charities" --row 17
    needsmap register close "Trafford charities" 17 42 --on 2024-03-31
    needsmap register reopen "Trafford charities" 17
    needsmap register set-postcode "Trafford charities" 17 "M33 7XX"
    needsmap gaps --area Trafford --orgs "register:Trafford charities" --out gaps.csv

A register lives in a workspace: ``--workspace``, else ``$NEEDSMAP_WORKSPACE``, else ``local`` (the
one workspace of a needsmap without sign-in). Changes are recorded as made by ``--user`` (an e-mail
address), else the operating-system user. Every edit names the version of each row it read: when
someone else changed one of them in between, nothing is saved and the error says what they changed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from needsmap.errors import ConflictError, ValidationError
from needsmap.safe_text import printable

if TYPE_CHECKING:  # the store, the importer and pandas load in the actions, so `--help` does not
    import datetime as dt

    import pandas as pd

    from needsmap.export import FormatId
    from needsmap.orgs.importer import ImportResult
    from needsmap.store.workspaces import WorkspaceInfo

#: output formats of ``register export`` by file extension (the export registry's ids)
EXPORT_FORMATS: dict[str, FormatId] = {".csv": "csv", ".xlsx": "xlsx", ".geojson": "geojson"}
#: rows of each kind (new, changed, gone) a merge preview prints
PREVIEW_ROWS = 50


def _common() -> argparse.ArgumentParser:
    """The options every ``register`` action takes: ``--workspace`` and ``--user``."""
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument("--workspace", metavar="WS", default=None,
                   help="the workspace (default: $NEEDSMAP_WORKSPACE, else local)")
    p.add_argument("--user", metavar="EMAIL", default=None,
                   help="who is making the change, for the history (default: the operating-system user)")
    return p


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``needsmap register {list,import,export,history,close,reopen,set-postcode}``."""
    p = subparsers.add_parser(
        "register", help="keep organisation lists (registers) up to date, with their history",
        description=(
            "A register is a named organisation list kept in needsmap's database: import a "
            "spreadsheet to make one, import a newer version to merge it (a preview first: new, "
            "changed and gone rows), close or reopen organisations, fix a postcode, export it, and "
            "read who changed what. Any command taking --orgs (or the eligibility LIST) takes "
            "register:NAME."),
        epilog="The workspace is --workspace, else $NEEDSMAP_WORKSPACE, else local.",
    )
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    common = _common()

    a = actions.add_parser("list", parents=[common], help="the registers of the workspace",
                           description="Every register of the workspace: organisations, how many are "
                                       "closed, when it last changed (UTC) and by whom.")
    a.set_defaults(func=run_list)

    a = actions.add_parser(
        "import", parents=[common], help="make a register from a file, or merge a newer version into it",
        description=(
            "Place every row of FILE (CSV/TSV, Excel, JSON or 360Giving) and make the register NAME "
            "from it; if NAME exists, compare FILE with it and show the new, changed and gone rows "
            "(matched on charity number, else company number, else name and postcode). Nothing is "
            "saved without --yes; with --yes the new rows are added, the changed rows updated and "
            "the gone rows closed (reopen them with `needsmap register reopen`)."))
    a.add_argument("name", metavar="NAME", help="the register's name")
    a.add_argument("file", metavar="FILE", type=Path, help="the list: a CSV, Excel, JSON or 360Giving file")
    a.add_argument("--sheet", metavar="S", help="for a workbook: the sheet to read")
    a.add_argument("--column", metavar="ROLE=NAME", action="append", default=[],
                   help="say which column plays a role, e.g. --column postcode=location (as needsmap "
                        "geocode takes it)")
    a.add_argument("--yes", action="store_true", help="apply the merge (without it: preview only)")
    a.add_argument("--keep-gone", action="store_true",
                   help="leave the register's rows that are not in FILE open (default: close them)")
    a.set_defaults(func=run_import)

    a = actions.add_parser(
        "export", parents=[common], help="write a register as CSV, Excel or GeoJSON",
        description=(
            "Every row of the register: its original columns, where it is placed, whether and when "
            "it was closed, and who added, edited and closed it. CSV and Excel are spreadsheet-safe "
            "(a cell cannot run as a formula); GeoJSON holds the rows with a point, text exactly "
            "as it is."))
    a.add_argument("name", metavar="NAME", help="the register's name")
    a.add_argument("--format", choices=sorted(set(EXPORT_FORMATS.values())), default=None,
                   help="default: from the extension of --out")
    a.add_argument("--out", required=True, type=Path, metavar="FILE", help="the file to write")
    a.set_defaults(func=run_export)

    a = actions.add_parser("history", parents=[common], help="who changed what in a register, newest first",
                           description="The register's history, newest first: when (UTC), who, what, "
                                       "the row, the organisation and the details.")
    a.add_argument("name", metavar="NAME", help="the register's name")
    a.add_argument("--row", type=int, metavar="ID", help="only this row's history")
    a.add_argument("--out", type=Path, metavar="FILE.csv", help="write it as CSV (spreadsheet-safe)")
    a.set_defaults(func=run_history)

    a = actions.add_parser("close", parents=[common], help="mark organisations closed",
                           description="Close rows of a register (by their row id, as `needsmap "
                                       "register export` and `history` show it). Closed rows stay in "
                                       "the register and its exports; analyses leave them out.")
    a.add_argument("name", metavar="NAME", help="the register's name")
    a.add_argument("rows", metavar="ROW_ID", type=int, nargs="+", help="row ids")
    a.add_argument("--on", metavar="YYYY-MM-DD", help="the date they closed (default: today)")
    a.set_defaults(func=run_close)

    a = actions.add_parser("reopen", parents=[common], help="reopen closed organisations",
                           description="Reopen closed rows of a register (by their row id).")
    a.add_argument("name", metavar="NAME", help="the register's name")
    a.add_argument("rows", metavar="ROW_ID", type=int, nargs="+", help="row ids")
    a.set_defaults(func=run_reopen)

    a = actions.add_parser("set-postcode", parents=[common], help="correct a row's postcode (placed again)",
                           description="Give a row a corrected postcode: it is placed again (LSOA, "
                                       "point) and the fix is written into its postcode column.")
    a.add_argument("name", metavar="NAME", help="the register's name")
    a.add_argument("row", metavar="ROW_ID", type=int, help="the row id")
    a.add_argument("postcode", metavar="POSTCODE", help='the postcode, e.g. "M33 7XX"')
    a.set_defaults(func=run_set_postcode)


# ----------------------------------------------------------------------------- shared
def workspace_of(args: argparse.Namespace) -> WorkspaceInfo:
    """The workspace ``--workspace`` names (:func:`needsmap.store.lists.workspace_named`)."""
    from needsmap.store.lists import workspace_named

    return workspace_named(getattr(args, "workspace", None))


def user_of(args: argparse.Namespace) -> str:
    """Who makes the change: ``--user`` (an e-mail address, normalised), else the operating-system
    user, else :data:`~needsmap.store.workspaces.LOCAL_USER`.

    Raises
    ------
    ValidationError
        ``--user`` is not an e-mail address.
    """
    import getpass

    from needsmap.store.workspaces import LOCAL_USER, normalise_email

    if getattr(args, "user", None):
        return normalise_email(args.user)
    try:
        return getpass.getuser() or LOCAL_USER
    except (KeyError, OSError):  # no login name and no password-file entry (some containers)
        return LOCAL_USER


def _out(text: str = "") -> None:
    sys.stdout.write(text + "\n")


def _cell(value: object) -> str:
    """A value for a tab-separated line: one line, no tab, control characters spelled out."""
    import pandas as pd

    if value is None or (not isinstance(value, str) and bool(pd.isna(value))):
        return ""
    return printable(value, limit=200)


def _rows(title: str, frame: pd.DataFrame, *, limit: int = PREVIEW_ROWS) -> None:
    """``title`` and the rows of ``frame`` tab-separated (its header first), at most ``limit``."""
    if frame.empty:
        return
    _out(f"{len(frame):,} {title}:")
    _out("\t".join(_cell(c) for c in frame.columns))
    for rec in frame.head(limit).itertuples(index=False):
        _out("\t".join(_cell(v) for v in rec))
    if len(frame) > limit:
        _out(f"… and {len(frame) - limit:,} more")


def _skipped_line(result: ImportResult, label: str) -> str:
    """How many rows of the file are not organisations (so not kept), and why; empty if none."""
    from needsmap.orgs.importer import NOT_ORG

    other = result.not_organisations
    if other.empty:
        return ""
    why = other["status"].astype(str).str.slice(len(NOT_ORG) + 2, -1).value_counts()
    n = len(other)
    return (f"{n:,} row{'' if n == 1 else 's'} of {label} "
            f"{'is not an organisation' if n == 1 else 'are not organisations'}, not kept: "
            + ", ".join(f"{c:,} {printable(w, limit=80)}" for w, c in why.items()))


def _conflict_line(exc: ConflictError) -> ConflictError:
    """``exc`` with the other change(s) in its one-line message."""
    theirs = "; ".join(printable(c, limit=300) for c in exc.changes)
    return ConflictError(f"{exc} Their change: {theirs}" if theirs else str(exc), changes=exc.changes)


def _versions(ws: WorkspaceInfo, name: str, ids: list[int]) -> pd.DataFrame:
    """The rows ``ids`` of the register as read now (``row_version``, ``closed_date`` …).

    Raises
    ------
    NotFoundError
        No such register, or a row id that is not in it.
    """
    from needsmap.errors import NotFoundError
    from needsmap.store.registers import register_table

    info, table = register_table(ws, name)
    missing = [i for i in dict.fromkeys(ids) if i not in table.index]
    if missing:
        raise NotFoundError(f"the register {info.name!r} has no row {', '.join(map(str, missing))}: "
                            "`needsmap register export` shows the row ids (column source_row)")
    return table.loc[list(dict.fromkeys(ids))]


# ----------------------------------------------------------------------------- actions
def run_list(args: argparse.Namespace) -> int:
    """Print the registers of the workspace as a table."""
    from needsmap.store.registers import list_registers

    ws = workspace_of(args)
    regs = list_registers(ws)
    if not regs:
        _out(f"the workspace {ws.slug} has no register yet: `needsmap register import NAME FILE` makes one")
        return 0
    head = ("name", "organisations", "closed", "last changed (UTC)", "by")
    rows = [(printable(r.name, limit=60), f"{r.rows:,}", f"{r.closed_rows:,}",
             f"{r.updated_at:%Y-%m-%d %H:%M}", printable(r.updated_by, limit=60)) for r in regs]
    widths = [max(len(x) for x in col) for col in zip(head, *rows, strict=True)]
    for line in (head, *rows):
        _out("  ".join(v.rjust(w) if i in (1, 2) else v.ljust(w)
                       for i, (v, w) in enumerate(zip(line, widths, strict=True))).rstrip())
    return 0


def run_import(args: argparse.Namespace) -> int:
    """Make the register from the file, or preview (and with ``--yes`` apply) a merge into it."""
    from needsmap.cli.geocode import parse_columns
    from needsmap.errors import NotFoundError
    from needsmap.orgs import import_file
    from needsmap.store.registers import apply_merge, create_register, get_register, preview_merge

    path: Path = args.file
    if not path.is_file():
        raise ValidationError(f"file {printable(path, limit=None)!r} not found: give the list as a CSV, "
                              "Excel, JSON or 360Giving file")
    ws = workspace_of(args)
    user = user_of(args)
    column_map = parse_columns(args.column) or None
    label = printable(path.name, limit=120)
    try:
        get_register(ws, args.name)
        exists = True
    except NotFoundError:
        exists = False
    result = import_file(path, filename=path.name, sheet=args.sheet, column_map=column_map)
    _out(f"{label}: {result.summary_text()}")
    skipped = _skipped_line(result, label)
    if not exists:
        info = create_register(ws, args.name, result, user)
        _out(f"made register {printable(info.name, limit=None)}: {info.rows:,} organisations "
             f"({len(result.placed):,} placed in an English LSOA)"
             + (f"; {info.closed_rows:,} marked closed in the file start closed" if info.closed_rows else ""))
        if skipped:
            _out(skipped)
        return 0
    preview = preview_merge(ws, args.name, result)
    _out(f"{printable(preview.register, limit=None)} ← {label}: {preview.summary}")
    if skipped:
        _out(skipped)
    _rows("new", preview.new)
    _rows("changed", preview.changed)
    _rows("gone (not in the file; " + ("kept open: --keep-gone)" if args.keep_gone
                                        else "closed when applied)"), preview.gone)
    gone = 0 if args.keep_gone else len(preview.gone)
    if len(preview.new) + len(preview.changed) + gone == 0:
        _out("nothing to change: the register already matches the file")
        return 0
    if not args.yes:
        _out("nothing saved: run again with --yes to apply")
        return 0
    try:
        info = apply_merge(ws, preview, user, close_gone=not args.keep_gone)
    except ConflictError as exc:
        raise _conflict_line(exc) from None
    _out(f"saved: {printable(info.name, limit=None)} now has {info.rows:,} organisations "
         f"({info.closed_rows:,} closed)")
    return 0


def run_export(args: argparse.Namespace) -> int:
    """Write the register as CSV, Excel or GeoJSON."""
    from needsmap.export import export_bytes
    from needsmap.store.registers import register_result

    fmt: FormatId | None = args.format or EXPORT_FORMATS.get(args.out.suffix.lower())
    if fmt is None:
        raise ValidationError(f"--out {printable(args.out.name, limit=80)!r}: end it in "
                              f"{', '.join(EXPORT_FORMATS)} or give --format")
    by_name = EXPORT_FORMATS.get(args.out.suffix.lower())
    if by_name is not None and by_name != fmt:
        raise ValidationError(f"--format {fmt} but --out {printable(args.out.name, limit=80)!r} ends in "
                              f"{args.out.suffix}: give one or make them agree")
    result = register_result(workspace_of(args), args.name)
    if fmt == "geojson":
        body = export_bytes("geojson", result.points())
        n = int((result.table["lat"].notna() & result.table["lon"].notna()).sum())
        what = f"{n:,} of {len(result.table):,} rows (those with a point)"
    else:
        body = export_bytes(fmt, result.table)
        what = f"{len(result.table):,} rows"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(body)
    _out(f"wrote {what} of {printable(result.label, limit=None)} to {printable(args.out, limit=None)}")
    return 0


def run_history(args: argparse.Namespace) -> int:
    """Print the history (or write it as CSV)."""
    from needsmap.export import export_bytes
    from needsmap.store.registers import history, history_text

    frame = history(workspace_of(args), args.name, row_id=args.row)
    if args.out is not None:
        out = history_text(frame)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_bytes(export_bytes("csv", out))
        _out(f"wrote {len(frame):,} events to {printable(args.out, limit=None)}")
        return 0
    if frame.empty:
        _out("no history" + (f" for row {args.row}" if args.row is not None else ""))
        return 0
    _out("\t".join(("When (UTC)", *frame.columns[1:])))
    for rec in frame.itertuples(index=False):
        _out("\t".join((f"{rec.When:%Y-%m-%d %H:%M}", *(_cell(v) for v in rec[1:]))))
    return 0


def _parse_date(text: str | None) -> dt.date | None:
    import datetime as dt

    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError(f"--on {printable(text, limit=40)!r} is not a date: give YYYY-MM-DD") from None


def _close_or_reopen(args: argparse.Namespace, *, close: bool) -> int:
    """Close (or reopen) the rows named; rows already so are left as they are, and said to be."""
    from needsmap.store.registers import close_rows, reopen_rows

    on = _parse_date(args.on) if close else None
    ws, user = workspace_of(args), user_of(args)
    rows = _versions(ws, args.name, args.rows)
    is_closed = rows["closed_date"].notna()
    for rid, when in rows.loc[is_closed if close else ~is_closed, "closed_date"].items():
        _out(f"row {rid} is already closed (on {when}): left as it is" if close
             else f"row {rid} is not closed: left as it is")
    todo = rows[~is_closed if close else is_closed]
    if todo.empty:
        return 0
    versions = {int(i): int(v) for i, v in todo["row_version"].items()}
    try:
        info = (close_rows(ws, args.name, versions, user, on=on) if close
                else reopen_rows(ws, args.name, versions, user))
    except ConflictError as exc:
        raise _conflict_line(exc) from None
    _out(f"{'closed' if close else 'reopened'} {len(todo):,} row{'' if len(todo) == 1 else 's'} "
         f"({', '.join(map(str, todo.index))}); "
         f"{printable(info.name, limit=None)}: {info.open_rows:,} open, {info.closed_rows:,} closed")
    return 0


def run_close(args: argparse.Namespace) -> int:
    """Close the rows (those already closed are left as they are)."""
    return _close_or_reopen(args, close=True)


def run_reopen(args: argparse.Namespace) -> int:
    """Reopen the rows (those not closed are left as they are)."""
    return _close_or_reopen(args, close=False)


def run_set_postcode(args: argparse.Namespace) -> int:
    """Give a row a corrected postcode and say where it is placed now."""
    from needsmap.orgs.geocode import OK
    from needsmap.store.registers import RowEdit, edit_rows, register_table

    ws, user = workspace_of(args), user_of(args)
    postcode = " ".join(str(args.postcode).split())
    if not postcode:
        raise ValidationError('give the postcode, e.g. "M33 7XX"')
    before = _versions(ws, args.name, [args.row]).iloc[0]
    try:
        edit_rows(ws, args.name, [RowEdit(args.row, int(before["row_version"]), {"org_postcode": postcode})],
                  user)
    except ConflictError as exc:
        raise _conflict_line(exc) from None
    _, table = register_table(ws, args.name)
    after = table.loc[args.row]
    place = after["lsoa21_code"] if after["status"] == OK else after["status"]
    _out(f"row {args.row} ({_cell(after['org_name'])}): postcode {_cell(before['org_postcode']) or '(blank)'} "
         f"→ {_cell(after['org_postcode'])}; LSOA 2021: {_cell(place)}")
    return 0
