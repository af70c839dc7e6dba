"""Registers: named organisation lists a team keeps up to date, with their history.

A register is made from an imported list (:class:`~needsmap.orgs.importer.ImportResult`, any file
the importer reads). Each organisation becomes a row keeping its original columns (as text), its
placement (LSOA 2011/2021, point, placement level, status), a ``closed`` date, and who added, edited
and closed it, and when. Rows that are not organisations (total rows, spacer rows) are not kept; the
merge preview lists them.

Importing a new version of the spreadsheet merges it (:func:`preview_merge`, then
:func:`apply_merge`). A row of the file is the same organisation as a row of the register when their
charity numbers are equal, else their company numbers, else their names and postcodes
(:func:`match_keys`). The preview says "12 new, 3 changed, 2 gone" and lists each. Confirming
adds the new, updates the changed (their new placement included) and closes the gone (reversible:
reopen them).

Edits (:func:`edit_rows`: a postcode fixed, an organisation closed or reopened) are saved with their
history. Every write names the versions it read (optimistic concurrency): when someone else saved a
change in between, nothing is saved and :class:`~needsmap.errors.ConflictError` says what they
changed, who and when.

:func:`register_result` gives a register back as an import result, so every page, export and
command uses it like any other list (``org_closed`` is true for closed rows; ``source_row`` is the
register's row id).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from needsmap.errors import ConflictError, NotFoundError, ValidationError
from needsmap.orgs import geocode as gc
from needsmap.orgs.importer import STANDARD_COLUMNS, ImportResult, flag_duplicates, import_frame
from needsmap.store import db
from needsmap.store.models import Register, RegisterRow, RowEvent, utcnow
from needsmap.store.workspaces import WorkspaceInfo

#: the prefix naming a register where a list is expected (``--orgs register:Trafford assets``)
SPEC_PREFIX = "register:"
#: longest register name
MAX_NAME = 200
#: the ``kind`` of an import result made from a register
KIND = "register"
#: the placement fields a row keeps (the importer's standard columns of the same names)
PLACEMENT = ("lat", "lon", "lsoa11_code", "lsoa21_code", "status", "placed_by", "placement_level",
             "confidence", "area_code", "area_name")
#: who/when columns added to a register's table (after the importer's standard columns)
AUDIT_COLUMNS = ("closed_date", "added_at", "added_by", "edited_at", "edited_by", "closed_at",
                 "closed_by")
#: fields :func:`edit_rows` changes
EDITABLE = ("org_name", "org_postcode", "org_category", "closed")
#: the words for each field in history and previews
FIELD_WORDS = {"org_name": "name", "org_postcode": "postcode", "org_category": "category",
               "closed": "closed", "lsoa21_code": "LSOA 2021", "lsoa11_code": "LSOA 2011",
               "status": "placement"}
#: how rows were matched, in order of precedence
MATCH_CHARITY, MATCH_COMPANY, MATCH_NAME = "charity number", "company number", "name and postcode"
_NULLS = {"", "NA", "N/A", "NAN", "NONE", "NULL", "-", "<NA>", "NAT"}


@dataclass(frozen=True)
class RegisterInfo:
    """A register's name and state: ``rows`` organisations, ``closed_rows`` of them closed;
    ``version`` rises with every change (name it when writing)."""

    id: int
    workspace_id: int
    name: str
    version: int
    rows: int
    closed_rows: int
    source_file: str
    created_at: dt.datetime
    created_by: str
    updated_at: dt.datetime
    updated_by: str

    @property
    def open_rows(self) -> int:
        """Organisations not closed."""
        return self.rows - self.closed_rows


# ----------------------------------------------------------------------------- keys
def _text(value: Any) -> str:
    """A cell as the text a person sees (for comparing and showing): :func:`_exact`, trimmed."""
    return _exact(value).strip()


def _exact(value: Any) -> str:
    """A cell's text exactly as read (spaces kept), ``""`` for missing; whole floats without ``.0``."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, pd.Timestamp | dt.datetime | dt.date):
        return value.isoformat()
    return str(value)


def norm_number(value: Any, *, width: int = 0) -> str | None:
    """A charity or company number for matching: upper case, no spaces; digits-only numbers without
    leading zeros, or zero-padded to ``width`` (company numbers: 8). None when blank or ``NA``."""
    text = re.sub(r"\s+", "", _text(value)).upper()
    if text in _NULLS:
        return None
    if text.isdigit():
        return text.zfill(width) if width else (text.lstrip("0") or "0")
    return text


def norm_name(value: Any) -> str:
    """A name for matching: case-folded, every run of non-letters/digits one space."""
    return re.sub(r"[^0-9a-z]+", " ", _text(value).casefold()).strip()


_POSTCODES: dict[str, str | None] = {}


def _prime_postcodes(values: Iterable[Any]) -> None:
    """Normalise many postcodes in one vectorised call (for :func:`norm_postcode` to look up)."""
    if len(_POSTCODES) > 200_000:
        _POSTCODES.clear()
    todo = sorted({_text(v) for v in values} - set(_POSTCODES))
    if todo:
        out = gc.normalise_postcode(pd.Series(todo, dtype="string"))
        _POSTCODES.update((t, None if pd.isna(o) else str(o)) for t, o in zip(todo, out, strict=True))


def norm_postcode(value: Any) -> str | None:
    """A postcode for matching (``"m33 7xx"`` → ``"M337XX"``); None when not postcode-shaped."""
    text = _text(value)
    if text not in _POSTCODES:
        _prime_postcodes([text])
    return _POSTCODES[text]


def match_keys(charity: Any, company: Any, name: Any, postcode: Any) -> list[tuple[str, str]]:
    """The keys one organisation is matched on, best first: ``(how, key)`` for its charity number,
    company number, and name with postcode (each only when present)."""
    keys = []
    c = norm_number(charity)
    if c:
        keys.append((MATCH_CHARITY, c))
    k = norm_number(company, width=8)
    if k:
        keys.append((MATCH_COMPANY, k))
    n, p = norm_name(name), norm_postcode(postcode)
    if n and p:
        keys.append((MATCH_NAME, f"{n}|{p}"))
    return keys


# ----------------------------------------------------------------------------- rows from a list
def _value(row: Mapping[str, Any], col: str) -> Any:
    v = row.get(col)
    if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
        return None
    if isinstance(v, np.generic):
        return v.item()
    return v


def _incoming(result: ImportResult) -> tuple[list[dict[str, Any]], pd.DataFrame]:
    """The organisations of an import as row dicts (register fields), and the rows that are not
    organisations (``Row``, ``Organisation``, ``Why not kept``)."""
    orgs = result.organisations
    skipped = result.not_organisations
    cols = result.columns
    det = result.detected
    company_col = det.get("company_number")
    out = []
    for rec in orgs.to_dict("records"):
        closed_flag = bool(_value(rec, "org_closed") or False)
        row = {
            "source_row": int(rec["source_row"]),
            "original": {c: _exact(rec.get(c)) for c in cols},
            "org_name": _value(rec, "org_name"),
            "org_postcode": _value(rec, "org_postcode"),
            "org_category": _value(rec, "org_category"),
            "charity_number": norm_number(_value(rec, "org_charity_number")),
            "company_number": norm_number(rec.get(company_col), width=8) if company_col else None,
            "closed_in_file": closed_flag,
            "file_has_closed": "closed" in det or "registration_status" in det,
        }
        row.update(_placement(rec))
        out.append(row)
    skip = pd.DataFrame({"Row": skipped["source_row"].astype(int).to_numpy(),
                         "Organisation": skipped["org_name"].astype("string").fillna("").to_numpy(),
                         "Why not kept": skipped["status"].astype(str).to_numpy()})
    return out, skip


def _placement(rec: Mapping[str, Any]) -> dict[str, Any]:
    """The :data:`PLACEMENT` fields of an importer row as a register row keeps them: ``lat``/``lon``
    floats, the others text, None where missing (``status`` ``""``)."""
    out: dict[str, Any] = {}
    for f in PLACEMENT:
        v = _value(rec, f)
        out[f] = None if v is None else float(v) if f in ("lat", "lon") else str(v)
    out["status"] = out["status"] or ""
    return out


def _row_fields(row: RegisterRow) -> dict[str, Any]:
    return {f: getattr(row, f) for f in ("org_name", "org_postcode", "org_category", *PLACEMENT)}


# ----------------------------------------------------------------------------- lookups
def _check_name(name: str) -> str:
    text = " ".join(str(name).split())
    if not text:
        raise ValidationError("give the register a name (e.g. \"Trafford community assets\")")
    if len(text) > MAX_NAME:
        raise ValidationError(f"a register's name is at most {MAX_NAME} characters")
    return text


def _get(s: Session, ws: WorkspaceInfo, name: str, *, lock: bool = False) -> Register:
    """The register ``name`` of ``ws`` (exactly, else the one whose name differs only in case)."""
    wanted = " ".join(str(name).split())
    names = list(s.scalars(select(Register.name).where(Register.workspace_id == ws.id)))
    if wanted not in names:
        folded = [n for n in names if n.casefold() == wanted.casefold()]
        if len(folded) != 1:
            known = ", ".join(repr(n) for n in sorted(names)[:10]) or "none yet"
            raise NotFoundError(f"No register called {name!r} in the workspace {ws.name!r} "
                                f"(its registers: {known})")
        wanted = folded[0]
    stmt = select(Register).where(Register.workspace_id == ws.id, Register.name == wanted)
    if lock:
        stmt = stmt.with_for_update()
    reg = s.scalar(stmt)
    if reg is None:  # deleted a moment ago
        raise NotFoundError(f"No register called {name!r} in the workspace {ws.name!r}")
    return reg


def _info(s: Session, reg: Register) -> RegisterInfo:
    n = s.scalar(select(func.count()).select_from(RegisterRow).where(RegisterRow.register_id == reg.id)) or 0
    closed = s.scalar(select(func.count()).select_from(RegisterRow).where(
        RegisterRow.register_id == reg.id, RegisterRow.closed.is_not(None))) or 0
    return RegisterInfo(reg.id, reg.workspace_id, reg.name, reg.version, int(n), int(closed),
                        reg.source_file, reg.created_at, reg.created_by, reg.updated_at, reg.updated_by)


def list_registers(ws: WorkspaceInfo, url: str | None = None) -> list[RegisterInfo]:
    """The registers of ``ws``, by name."""
    with db.session(url) as s:
        regs = s.scalars(select(Register).where(Register.workspace_id == ws.id).order_by(Register.name))
        return [_info(s, r) for r in regs]


def get_register(ws: WorkspaceInfo, name: str, url: str | None = None) -> RegisterInfo:
    """The register ``name`` of ``ws``.

    Raises
    ------
    NotFoundError
        ``ws`` has no register of that name.
    """
    with db.session(url) as s:
        return _info(s, _get(s, ws, name))


def _touch(reg: Register, user: str) -> None:
    reg.updated_at = utcnow()
    reg.updated_by = user


def _new_row(reg_id: int, inc: Mapping[str, Any], user: str, now: dt.datetime) -> RegisterRow:
    fields = {k: v for k, v in inc.items() if k not in ("closed_in_file", "file_has_closed")}
    row = RegisterRow(register_id=reg_id, added_at=now, added_by=user, **fields)
    if inc.get("closed_in_file"):
        row.closed, row.closed_at, row.closed_by = now.date(), now, user
    return row


def create_register(ws: WorkspaceInfo, name: str, result: ImportResult, user: str,
                    url: str | None = None) -> RegisterInfo:
    """Make the register ``name`` in ``ws`` from an imported list.

    Parameters
    ----------
    result
        The list, as :func:`needsmap.orgs.import_file` placed it. Every organisation becomes a row
        (placed or not, with its status); rows marked closed in the file start closed today.
    user
        Who is making it (an e-mail address, or :data:`~needsmap.store.workspaces.LOCAL_USER`).

    Raises
    ------
    ValidationError
        The name is empty or taken in ``ws``, or the list holds no organisation.
    """
    name = _check_name(name)
    rows, _skipped = _incoming(result)
    if not rows:
        raise ValidationError(f"{result.label!r} holds no organisation to keep in a register")
    now = utcnow()
    with db.session(url) as s:
        if s.scalar(select(Register.id).where(Register.workspace_id == ws.id, Register.name == name)):
            raise ValidationError(f"the workspace {ws.name!r} already has a register called {name!r}: "
                                  "import into it to merge, or choose another name")
        reg = Register(workspace_id=ws.id, name=name, columns=result.columns,
                       detected=dict(result.detected), source_file=result.filename or result.label,
                       created_at=now, created_by=user, updated_at=now, updated_by=user)
        s.add(reg)
        s.flush()
        s.add_all(_new_row(reg.id, r, user, now) for r in rows)
        s.add(RowEvent(register_id=reg.id, at=now, by=user, action="created",
                       detail={"file": reg.source_file, "rows": len(rows)}))
        s.flush()
        return _info(s, reg)


def delete_register(ws: WorkspaceInfo, name: str, url: str | None = None) -> None:
    """Delete the register ``name`` of ``ws`` with its rows and history (export it first)."""
    with db.session(url) as s:
        s.delete(_get(s, ws, name, lock=True))


# ----------------------------------------------------------------------------- reading
def register_table(ws: WorkspaceInfo, name: str, url: str | None = None) -> tuple[RegisterInfo, pd.DataFrame]:
    """A register's rows as a frame: the original columns, the importer's standard columns,
    :data:`AUDIT_COLUMNS` and ``row_version`` (the version each row was read at), index the row id.

    Raises
    ------
    NotFoundError
        ``ws`` has no register of that name.
    """
    with db.session(url) as s:
        reg = _get(s, ws, name)
        info = _info(s, reg)
        rows = list(s.scalars(select(RegisterRow).where(RegisterRow.register_id == reg.id)
                              .order_by(RegisterRow.id)))
        columns = list(reg.columns)
        detected = dict(reg.detected)
    reserved = {*STANDARD_COLUMNS, *AUDIT_COLUMNS, "row_version"}
    shown = {c: f"{c} (input)" if c in reserved else c for c in columns}  # the importer's convention
    today = dt.date.today()
    recs = []
    for r in rows:
        rec: dict[str, Any] = {shown[c]: (r.original.get(c) or None) for c in columns}
        rec.update({
            "source_row": r.id, "org_name": r.org_name, "org_category": r.org_category,
            "org_postcode": r.org_postcode, "org_charity_number": r.charity_number,
            "org_closed": r.closed is not None and r.closed <= today,
            "duplicate_of": None,
            **{f: getattr(r, f) for f in PLACEMENT},
            "closed_date": r.closed.isoformat() if r.closed else None,
            "added_at": r.added_at, "added_by": r.added_by, "edited_at": r.edited_at,
            "edited_by": r.edited_by, "closed_at": r.closed_at, "closed_by": r.closed_by,
            "row_version": r.version,
        })
        recs.append(rec)
    order = [*shown.values(), *STANDARD_COLUMNS, *AUDIT_COLUMNS, "row_version"]
    table = pd.DataFrame.from_records(recs, columns=order)
    table.index = pd.Index([r.id for r in rows], name="row_id")
    for c in ("lat", "lon"):
        table[c] = pd.to_numeric(table[c], errors="coerce").astype(float)
    for c in ("added_at", "edited_at", "closed_at"):
        table[c] = pd.to_datetime(table[c], utc=True).astype("datetime64[us, UTC]")
    table["org_closed"] = table["org_closed"].astype("boolean")
    table["source_row"] = table["source_row"].astype(int)
    table["status"] = table["status"].fillna("").astype(str)
    # repeats of an earlier row, as the importer flags them (source_row: the register's row ids)
    table["duplicate_of"] = flag_duplicates(table).to_numpy() if len(table) else pd.NA
    table.attrs["detected"] = detected
    return info, table


def register_result(ws: WorkspaceInfo, name: str, url: str | None = None) -> ImportResult:
    """A register as an import result, for every page, export and command that takes a list.

    ``table`` holds every row (``org_closed`` true for a row closed on or before today;
    ``source_row`` is the register's row id; the who/when columns follow the standard ones).
    ``kind`` is ``"register"``, ``label`` ``"<name> (register)"``.

    Raises
    ------
    NotFoundError
        ``ws`` has no register of that name.
    """
    info, table = register_table(ws, name, url)
    detected = dict(table.attrs.pop("detected", {}))
    out = table.drop(columns=["row_version"]).reset_index(drop=True)
    closed = int(out["org_closed"].fillna(False).astype(bool).sum())
    notes = [f"register {info.name!r}: {info.rows:,} organisations, {closed:,} closed; "
             f"last changed {info.updated_at:%d %b %Y %H:%M} UTC by {info.updated_by}"]
    return ImportResult(table=out, detected=detected, kind=KIND, filename=info.source_file,
                        notes=notes, label=f"{info.name} (register)")


# ----------------------------------------------------------------------------- merging
@dataclass
class MergePreview:
    """What importing a new version of the spreadsheet into a register would do.

    Attributes
    ----------
    register, base_version
        The register and the version the preview was made against (:func:`apply_merge` refuses
        when it has changed since).
    new, changed, gone
        Frames to show: ``new`` (``Organisation``, ``Postcode``, ``Charity number``, ``LSOA 2021``,
        ``Placement``), ``changed`` (``Row``, ``Organisation``, ``Matched on``, ``What changed``),
        ``gone`` (``Row``, ``Organisation``, ``Postcode``: open rows of the register not in the
        file; confirming closes them).
    unchanged
        Rows matched with nothing changed.
    skipped
        Rows of the file that are not organisations (``Row``, ``Organisation``, ``Why not kept``).
    matched_on
        How many rows were matched on each key (:data:`MATCH_CHARITY` …).
    kept
        Edits made in needsmap that the file does not have (``Row``, ``Organisation``, ``Kept``,
        ``The file has``): the file still holds the value from before the edit, so the edit is kept
        and not counted as a change.
    made_at
        When the preview read the register.
    """

    register: str
    register_id: int
    base_version: int
    filename: str
    new: pd.DataFrame
    changed: pd.DataFrame
    gone: pd.DataFrame
    unchanged: int
    skipped: pd.DataFrame
    matched_on: dict[str, int]
    columns: list[str]
    detected: dict[str, str]
    kept: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["Row", "Organisation", "Kept",
                                                                              "The file has"]))
    made_at: dt.datetime = field(default_factory=utcnow)
    _new_rows: list[dict[str, Any]] = field(default_factory=list, repr=False)
    _changes: list[tuple[int, int, dict[str, Any], dict[str, list[Any]], set[str]]] = field(
        default_factory=list, repr=False)
    _gone: list[tuple[int, int]] = field(default_factory=list, repr=False)

    @property
    def summary(self) -> str:
        """``"12 new, 3 changed, 2 gone"`` (and how many are unchanged)."""
        return (f"{len(self.new):,} new, {len(self.changed):,} changed, {len(self.gone):,} gone "
                f"({self.unchanged:,} unchanged)")


def _describe(changes: Mapping[str, list[Any]]) -> str:
    parts = []
    for f, (old, new) in changes.items():
        word = FIELD_WORDS.get(f, f)
        parts.append(f"{word}: {_text(old) or '(blank)'} → {_text(new) or '(blank)'}")
    return "; ".join(parts)


def _team_edits(s: Session, reg: Register) -> dict[int, dict[str, Any]]:
    """Edits made in needsmap since each row was last merged: row id → {field: its value before the
    first such edit} (name, postcode, category)."""
    out: dict[int, dict[str, Any]] = {}
    events = s.scalars(select(RowEvent).where(RowEvent.register_id == reg.id, RowEvent.row_id.is_not(None),
                                              RowEvent.action.in_(("edited", "merged")))
                       .order_by(RowEvent.id))
    for e in events:
        rid = int(e.row_id or 0)
        if e.action == "merged":  # the file's values were taken: earlier edits are history, but
            kept = set((e.detail or {}).get("kept", []))  # those the merge kept stay the team's
            out[rid] = {f: v for f, v in out.get(rid, {}).items() if f in kept}
            continue
        for f, (before, _after) in (e.detail or {}).get("changes", {}).items():
            if f in ("org_name", "org_postcode", "org_category"):
                out.setdefault(rid, {}).setdefault(f, before)
    return out


def preview_merge(ws: WorkspaceInfo, name: str, result: ImportResult, url: str | None = None) -> MergePreview:
    """Compare a new version of a register's spreadsheet with the register, without changing it.

    Each organisation of the file is matched to at most one row of the register: on the charity
    number, else the company number, else the name and postcode (:func:`match_keys`). A matched
    row is *changed* when any of its original columns (those in the new file), its name, postcode,
    category or LSOA differ, or the file newly marks it closed or open; rows of the register not
    matched and not closed are *gone*.

    Raises
    ------
    NotFoundError
        ``ws`` has no register of that name.
    """
    incoming, skipped = _incoming(result)
    made_at = utcnow()
    with db.session(url) as s:
        reg = _get(s, ws, name)
        rows = list(s.scalars(select(RegisterRow).where(RegisterRow.register_id == reg.id)
                              .order_by(RegisterRow.id)))
        base_version, reg_id, reg_name = reg.version, reg.id, reg.name
        columns = list(dict.fromkeys([*reg.columns, *result.columns]))
        team = _team_edits(s, reg)
        field_cols = {"org_postcode": reg.detected.get("postcode"), "org_name": reg.detected.get("name")}
    _prime_postcodes([*(r.org_postcode for r in rows), *(i["org_postcode"] for i in incoming)])
    index: dict[tuple[str, str], list[RegisterRow]] = {}
    for r in rows:
        for key in match_keys(r.charity_number, r.company_number, r.org_name, r.org_postcode):
            index.setdefault(key, []).append(r)
    taken: set[int] = set()
    matched_on = {MATCH_CHARITY: 0, MATCH_COMPANY: 0, MATCH_NAME: 0}
    new_rows, changes, new_show, changed_show, kept_show = [], [], [], [], []
    unchanged = 0
    for inc in incoming:
        hit, how = None, ""
        for key in match_keys(inc["charity_number"], inc["company_number"], inc["org_name"],
                              inc["org_postcode"]):
            hit = next((r for r in index.get(key, []) if r.id not in taken), None)
            if hit is not None:
                how = key[0]
                break
        if hit is None:
            new_rows.append(inc)
            new_show.append({"Organisation": _text(inc["org_name"]), "Postcode": _text(inc["org_postcode"]),
                             "Charity number": _text(inc["charity_number"]),
                             "LSOA 2021": _text(inc["lsoa21_code"]), "Placement": inc["status"]})
            continue
        taken.add(hit.id)
        matched_on[how] += 1
        diff: dict[str, list[Any]] = {}
        for c in result.columns:
            old = _exact(hit.original.get(c))
            if old != inc["original"].get(c, ""):
                diff[f"column:{c}"] = [old, inc["original"].get(c, "")]
        for f in ("org_name", "org_postcode", "org_category", "lsoa21_code", "lsoa11_code", "status"):
            if _text(getattr(hit, f)) != _text(inc[f]):
                diff[f] = [getattr(hit, f), inc[f]]
        if inc["file_has_closed"] and inc["closed_in_file"] != (hit.closed is not None):
            diff["closed"] = [hit.closed.isoformat() if hit.closed else None,
                              "closed" if inc["closed_in_file"] else None]
        skip: set[str] = set()
        for f, before in team.get(hit.id, {}).items():  # an edit made here that the file lacks: kept
            if f in diff and _text(inc[f]) == _text(before):
                skip |= {f, f"column:{field_cols.get(f)}"}
                if f == "org_postcode":
                    skip |= {"lsoa21_code", "lsoa11_code", "status"}
                kept_show.append({"Row": hit.id, "Organisation": _text(hit.org_name),
                                  "Kept": f"{FIELD_WORDS[f]} {_text(getattr(hit, f))}",
                                  "The file has": _text(before)})
        diff = {k: v for k, v in diff.items() if k not in skip}
        if not diff:
            unchanged += 1
            continue
        changes.append((hit.id, hit.version, inc, diff, skip))
        shown = {k: v for k, v in diff.items() if not k.startswith("column:")}
        cols = [k.split(":", 1)[1] for k in diff if k.startswith("column:")]
        text = _describe(shown)
        if cols:
            text = "; ".join(t for t in (text, "columns: " + ", ".join(cols)) if t)
        changed_show.append({"Row": hit.id, "Organisation": _text(inc["org_name"]) or _text(hit.org_name),
                             "Matched on": how, "What changed": text})
    gone = [(r.id, r.version) for r in rows if r.id not in taken and r.closed is None]
    by_id = {r.id: r for r in rows}
    gone_show = pd.DataFrame({"Row": [g[0] for g in gone],
                              "Organisation": [_text(by_id[g[0]].org_name) for g in gone],
                              "Postcode": [_text(by_id[g[0]].org_postcode) for g in gone]})
    return MergePreview(
        register=reg_name, register_id=reg_id, base_version=base_version,
        filename=result.filename or result.label,
        new=pd.DataFrame(new_show, columns=["Organisation", "Postcode", "Charity number", "LSOA 2021",
                                            "Placement"]),
        changed=pd.DataFrame(changed_show, columns=["Row", "Organisation", "Matched on", "What changed"]),
        gone=gone_show, unchanged=unchanged, skipped=skipped, matched_on=matched_on, columns=columns,
        detected=dict(result.detected), made_at=made_at,
        kept=pd.DataFrame(kept_show, columns=["Row", "Organisation", "Kept", "The file has"]),
        _new_rows=new_rows, _changes=changes, _gone=gone)


def _conflict(s: Session, reg: Register, *, since: dt.datetime | None = None,
              rows: Mapping[int, int] | None = None) -> ConflictError:
    """The error for a write that lost the race, naming the other change(s) made since the read.

    ``rows``: row id → the version the writer read (each change since then is one event of that
    row); ``since``: for a whole-register write, when the writer read the register.
    """
    events: list[RowEvent] = []
    for rid, read in (rows or {}).items():
        now = s.get(RegisterRow, rid)
        n = (now.version - read) if now is not None else 1
        if n > 0:
            events += list(s.scalars(select(RowEvent).where(RowEvent.register_id == reg.id,
                                                            RowEvent.row_id == rid)
                                     .order_by(RowEvent.id.desc()).limit(min(n, 10))))
    if since is not None:
        events += list(s.scalars(select(RowEvent).where(RowEvent.register_id == reg.id, RowEvent.at >= since)
                                 .order_by(RowEvent.id.desc()).limit(10)))
    events.sort(key=lambda e: e.id)
    changes = [_event_text(e) for e in events]
    who = f" by {reg.updated_by} at {reg.updated_at:%H:%M:%S} UTC" if reg.updated_by else ""
    return ConflictError(
        f"The register {reg.name!r} was changed{who} since you opened it, so nothing of yours was "
        "saved. Their change is shown below; reload the register and apply yours again.",
        changes=changes)


def apply_merge(ws: WorkspaceInfo, preview: MergePreview, user: str, *, close_gone: bool = True,
                url: str | None = None) -> RegisterInfo:
    """Apply a merge the user has seen and confirmed.

    New rows are added, changed rows take the file's values (their new placement included), and,
    with ``close_gone``, gone rows are closed today. The history records each.

    Raises
    ------
    ConflictError
        The register changed since the preview (someone else edited or merged): nothing is saved.
    NotFoundError
        The register no longer exists in ``ws``.
    """
    now = utcnow()
    with db.session(url) as s:
        reg = s.scalar(select(Register).where(Register.workspace_id == ws.id,
                                              Register.id == preview.register_id).with_for_update())
        if reg is None:
            raise NotFoundError(f"no register called {preview.register!r} in the workspace {ws.name!r}")
        if reg.version != preview.base_version:
            raise _conflict(s, reg, since=preview.made_at)
        for inc in preview._new_rows:
            row = _new_row(reg.id, inc, user, now)
            s.add(row)
            s.flush()
            s.add(RowEvent(register_id=reg.id, row_id=row.id, at=now, by=user, action="added",
                           detail={"file": preview.filename}))
        for rid, _ver, inc, diff, skip in preview._changes:
            hit = s.get(RegisterRow, rid)
            if hit is None or hit.register_id != reg.id:
                continue
            row = hit
            row.original = {**row.original, **{c: v for c, v in inc["original"].items()
                                               if f"column:{c}" not in skip}}
            for f in ("org_name", "org_postcode", "org_category", "charity_number", "company_number",
                      "source_row", *PLACEMENT):
                if f not in skip and not (f in PLACEMENT and "org_postcode" in skip):
                    setattr(row, f, inc[f])
            if "closed" in diff:
                if inc["closed_in_file"]:
                    row.closed, row.closed_at, row.closed_by = now.date(), now, user
                else:
                    row.closed, row.closed_at, row.closed_by = None, None, None
            row.edited_at, row.edited_by = now, user
            s.add(RowEvent(register_id=reg.id, row_id=rid, at=now, by=user, action="merged",
                           detail={"file": preview.filename, "changes": _jsonable(diff),
                                   "kept": sorted(f for f in skip if f in EDITABLE)}))
        if close_gone:
            for rid, _ver in preview._gone:
                gone = s.get(RegisterRow, rid)
                if gone is None or gone.register_id != reg.id or gone.closed is not None:
                    continue
                gone.closed, gone.closed_at, gone.closed_by = now.date(), now, user
                s.add(RowEvent(register_id=reg.id, row_id=rid, at=now, by=user, action="closed",
                               detail={"why": f"not in {preview.filename}"}))
        reg.columns = preview.columns
        reg.detected = {**reg.detected, **preview.detected}
        reg.source_file = preview.filename
        _touch(reg, user)
        s.add(RowEvent(register_id=reg.id, at=now, by=user, action="imported",
                       detail={"file": preview.filename, "summary": preview.summary}))
        try:
            s.flush()
        except StaleDataError:  # the session cannot be read after a failed flush: no details
            raise ConflictError(f"The register {reg.name!r} was changed by someone else at the same moment, so "
                                "nothing of yours was saved: reload it and apply yours again") from None
        return _info(s, reg)


def _jsonable(diff: Mapping[str, list[Any]]) -> dict[str, list[Any]]:
    return {k: [_text(a) or None, _text(b) or None] for k, (a, b) in diff.items()}


# ----------------------------------------------------------------------------- editing
@dataclass(frozen=True)
class RowEdit:
    """An edit of one row: the version it was read at, and the new values of :data:`EDITABLE`
    fields (``closed``: a date to close it, None to reopen it)."""

    row_id: int
    version: int
    values: Mapping[str, Any]


def _place_postcode(postcode: str) -> dict[str, Any]:
    """Where a corrected postcode puts a row (the importer's placement of it alone)."""
    res = import_frame(pd.DataFrame({"postcode": [postcode]}), column_map={"postcode": "postcode"})
    rec = res.table.iloc[0].to_dict()
    out = _placement(rec)
    out["org_postcode"] = _value(rec, "org_postcode") or postcode
    out["placed_by"] = "corrected in the register"
    return out


def edit_rows(ws: WorkspaceInfo, name: str, edits: Iterable[RowEdit], user: str,
              url: str | None = None) -> RegisterInfo:
    """Save edits to rows of a register, each only if nobody changed that row since it was read.

    A new postcode is placed again (its LSOA, point and status follow it) and written into the
    row's original postcode column too, so exports carry the fix. ``closed`` closes a row on that
    date, or reopens it (None). The history records each field before and after.

    Raises
    ------
    ConflictError
        A row was changed (or deleted) by someone else since it was read: nothing is saved, and the
        error lists their change(s).
    ValidationError
        A field is not editable, a name is blank, or a closed date is not a date.
    NotFoundError
        ``ws`` has no register of that name, or a row is not in it.
    """
    todo = list(edits)
    now = utcnow()
    with db.session(url) as s:
        reg = _get(s, ws, name, lock=True)
        ids = [e.row_id for e in todo]
        rows = {r.id: r for r in s.scalars(select(RegisterRow).where(
            RegisterRow.register_id == reg.id, RegisterRow.id.in_(ids)).with_for_update())}
        missing = [e.row_id for e in todo if e.row_id not in rows]
        if missing:
            raise NotFoundError(f"the register {reg.name!r} has no row {', '.join(map(str, missing))}: "
                                "reload it")
        stale = {e.row_id: e.version for e in todo if rows[e.row_id].version != e.version}
        if stale:
            raise _conflict(s, reg, rows=stale)
        postcode_col = reg.detected.get("postcode")
        name_col = reg.detected.get("name")
        for e in todo:
            row = rows[e.row_id]
            diff: dict[str, list[Any]] = {}
            for f, v in e.values.items():
                if f not in EDITABLE:
                    raise ValidationError(f"{f!r} cannot be edited (only {', '.join(EDITABLE)})")
                if f == "closed":
                    new_date = _as_date(v)
                    if new_date == row.closed:
                        continue
                    diff["closed"] = [row.closed.isoformat() if row.closed else None,
                                      new_date.isoformat() if new_date else None]
                    row.closed = new_date
                    row.closed_at, row.closed_by = (now, user) if new_date else (None, None)
                    continue
                text = _text(v) or None
                if f == "org_name" and text is None:
                    raise ValidationError(f"row {e.row_id}: an organisation needs a name")
                if f == "org_postcode" and text is not None and norm_postcode(text) is None:
                    raise ValidationError(f"row {e.row_id}: {text!r} is not a postcode (e.g. M33 7XX); "
                                          "nothing was saved")
                if _text(getattr(row, f)) == _text(text):
                    continue
                diff[f] = [getattr(row, f), text]
                setattr(row, f, text)
                original = dict(row.original)
                if f == "org_postcode":
                    placed = _place_postcode(text or "")
                    for k in PLACEMENT:
                        if _text(getattr(row, k)) != _text(placed[k]) and k in ("lsoa21_code", "status"):
                            diff[k] = [getattr(row, k), placed[k]]
                        setattr(row, k, placed[k])
                    row.org_postcode = text
                    if postcode_col and postcode_col in original:
                        original[postcode_col] = text or ""
                elif f == "org_name" and name_col and name_col in original:
                    original[name_col] = text or ""
                row.original = original
            if not diff:
                continue
            action = "edited"
            if set(diff) == {"closed"}:
                action = "closed" if row.closed else "reopened"
            row.edited_at, row.edited_by = now, user
            s.add(RowEvent(register_id=reg.id, row_id=row.id, at=now, by=user, action=action,
                           detail={"changes": _jsonable(diff)}))
        _touch(reg, user)
        try:
            s.flush()
        except StaleDataError:  # the session cannot be read after a failed flush: no details
            raise ConflictError(f"The register {reg.name!r} was changed by someone else at the same moment, so "
                                "nothing of yours was saved: reload it and apply yours again") from None
        return _info(s, reg)


def _as_date(value: Any) -> dt.date | None:
    if value is None or value is pd.NA or value is False or _text(value) == "":
        return None
    if value is True:
        return dt.date.today()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(_text(value)[:10])
    except ValueError:
        raise ValidationError(f"{value!r} is not a date: give a closed date as YYYY-MM-DD") from None


def close_rows(ws: WorkspaceInfo, name: str, versions: Mapping[int, int], user: str, *,
               on: dt.date | None = None, url: str | None = None) -> RegisterInfo:
    """Close rows (row id → version read) on ``on`` (default today); see :func:`edit_rows`."""
    when = on or dt.date.today()
    return edit_rows(ws, name, [RowEdit(r, v, {"closed": when}) for r, v in versions.items()], user, url)


def reopen_rows(ws: WorkspaceInfo, name: str, versions: Mapping[int, int], user: str,
                url: str | None = None) -> RegisterInfo:
    """Reopen closed rows (row id → version read); see :func:`edit_rows`."""
    return edit_rows(ws, name, [RowEdit(r, v, {"closed": None}) for r, v in versions.items()], user, url)


# ----------------------------------------------------------------------------- history
_ACTION_WORDS = {"created": "made the register", "imported": "imported", "added": "added",
                 "merged": "updated from", "edited": "edited", "closed": "closed",
                 "reopened": "reopened"}


def _event_details(d: Mapping[str, Any], *, columns: bool) -> str:
    """What an event's ``detail`` says, in words: its changes (``columns``: the file's columns too,
    each with its values; else only the fields, or the names of the columns when only they
    changed), why (a row closed as gone), or the file and what importing it did."""
    if d.get("changes"):
        ch = d["changes"]
        if columns:
            return _describe({k[7:] if k.startswith("column:") else k: v for k, v in ch.items()})
        return _describe({k: v for k, v in ch.items() if not k.startswith("column:")}
                         or {"columns": [None, ", ".join(k[7:] for k in ch)]})
    if d.get("why"):
        return str(d["why"])
    if d.get("file"):
        return str(d["file"]) + (f": {d['summary']}" if d.get("summary") else "")
    return ""


def _event_text(e: RowEvent) -> str:
    """One event in words: ``"bob@example.org at 10:02 UTC edited row 17: postcode: M1 1AA → M1 1AB"``."""
    d = e.detail or {}
    what = _ACTION_WORDS.get(e.action, e.action)
    where = f" row {e.row_id}" if e.row_id is not None else ""
    details = _event_details(d, columns=False)
    extra = ""
    if d.get("changes"):
        extra = f": {details}"
    elif d.get("why"):
        extra = f" ({details})"
    elif details:
        extra = f" {details}"
    return f"{e.by} at {e.at:%Y-%m-%d %H:%M} UTC {what}{where}{extra}"


def history(ws: WorkspaceInfo, name: str, *, row_id: int | None = None, limit: int = 500,
            url: str | None = None) -> pd.DataFrame:
    """A register's history, newest first: ``When`` (UTC), ``Who``, ``What``, ``Row``,
    ``Organisation``, ``Details``.

    Raises
    ------
    NotFoundError
        ``ws`` has no register of that name.
    """
    with db.session(url) as s:
        reg = _get(s, ws, name)
        stmt = (select(RowEvent, RegisterRow.org_name)
                .join(RegisterRow, RegisterRow.id == RowEvent.row_id, isouter=True)
                .where(RowEvent.register_id == reg.id))
        if row_id is not None:
            stmt = stmt.where(RowEvent.row_id == row_id)
        found = s.execute(stmt.order_by(RowEvent.id.desc()).limit(limit)).all()
    recs = []
    for e, org in found:
        recs.append({"When": e.at, "Who": e.by, "What": e.action, "Row": e.row_id,
                     "Organisation": org or "", "Details": _event_details(e.detail or {}, columns=True)})
    out = pd.DataFrame(recs, columns=["When", "Who", "What", "Row", "Organisation", "Details"])
    out["Row"] = out["Row"].astype("Int64")
    return out


def history_text(frame: pd.DataFrame) -> pd.DataFrame:
    """:func:`history` as people read it: ``When (UTC)`` as ``YYYY-MM-DD HH:MM:SS`` text."""
    when = pd.to_datetime(frame["When"], utc=True)
    return frame.assign(When=when.dt.strftime("%Y-%m-%d %H:%M:%S")).rename(columns={"When": "When (UTC)"})


__all__ = ["AUDIT_COLUMNS", "EDITABLE", "KIND", "MATCH_CHARITY", "MATCH_COMPANY", "MATCH_NAME",
           "MergePreview", "RegisterInfo", "RowEdit", "SPEC_PREFIX", "apply_merge", "close_rows",
           "create_register", "delete_register", "edit_rows", "get_register", "history", "history_text",
           "list_registers", "match_keys", "norm_name", "norm_number", "norm_postcode",
           "preview_merge", "register_result", "register_table", "reopen_rows"]
