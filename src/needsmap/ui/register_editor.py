"""Editing a register on the Organisations page: fix a postcode or name, close or reopen, saved for
the team with its history.

The table is read once and kept in this session (a snapshot, with each row's version) until the
user saves or reloads it. Saving sends only the rows changed, each with the version it was read at
(:func:`needsmap.store.registers.edit_rows`): when a colleague saved a change to one of those rows
in between, nothing is saved, and the page shows their change and offers to reload.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import streamlit as st

from needsmap.errors import ConflictError, NeedsmapError
from needsmap.safe_text import markdown_literal
from needsmap.store.registers import (
    FIELD_WORDS,
    RegisterInfo,
    RowEdit,
    edit_rows,
    get_register,
    history,
    history_text,
    register_table,
)
from needsmap.store.workspaces import WorkspaceInfo
from needsmap.ui.account import who
from needsmap.ui.state import literal_message, show_error

#: the editor's columns
ROW, NAME, POSTCODE, PLACEMENT, LSOA, CLOSED, CHANGED = (
    "Row", "Organisation", "Postcode", "Placement", "LSOA 2021", "Closed on", "Last changed")
#: at most this many rows in the table at once (a search narrows it)
EDITOR_LIMIT = 2_000
_FIELDS = {NAME: "org_name", POSTCODE: "org_postcode", CLOSED: "closed"}


def _snapshot_key(key: str) -> str:
    return f"{key}_reg_snapshot"


def _snapshot(key: str, ws: WorkspaceInfo, name: str) -> tuple[RegisterInfo, pd.DataFrame]:
    """The register as this session read it last (read now if not yet, or another register)."""
    kept = st.session_state.get(_snapshot_key(key))
    if kept is not None and kept[0] == (ws.id, name):
        return kept[1], kept[2]
    info, table = register_table(ws, name)
    st.session_state[_snapshot_key(key)] = ((ws.id, name), info, table)
    return info, table


def reload(key: str) -> None:
    """Drop the session's copy of the register: the next run reads it again."""
    st.session_state.pop(_snapshot_key(key), None)


def editor_frame(table: pd.DataFrame) -> pd.DataFrame:
    """The editor's table from :func:`needsmap.store.registers.register_table`: ``Row``,
    ``Organisation``, ``Postcode``, ``Placement``, ``LSOA 2021``, ``Closed on`` (a date or empty),
    ``Last changed`` (who and when, in words)."""
    when = table["edited_at"].fillna(table["added_at"])
    by = table["edited_by"].fillna(table["added_by"]).fillna("")
    closed = pd.Series([d.date() if pd.notna(d) else None  # dates or None, never a datetime64 column
                        for d in pd.to_datetime(table["closed_date"], errors="coerce")], dtype=object)
    return pd.DataFrame({
        ROW: table.index.astype(int),
        NAME: table["org_name"].astype("string").fillna("").to_numpy(),
        POSTCODE: table["org_postcode"].astype("string").fillna("").to_numpy(),
        PLACEMENT: table["status"].astype(str).to_numpy(),
        LSOA: table["lsoa21_code"].astype("string").fillna("").to_numpy(),
        CLOSED: closed.to_numpy(),
        CHANGED: [f"{b} · {w:%d %b %Y %H:%M}" if pd.notna(w) else str(b)
                  for b, w in zip(by, when, strict=True)],
    })


def _same(a: Any, b: Any) -> bool:
    na, nb = a is None or pd.isna(a), b is None or pd.isna(b)
    if na or nb:
        return na and nb
    return str(a).strip() == str(b).strip()


def edits_from(before: pd.DataFrame, after: pd.DataFrame, versions: pd.Series) -> list[RowEdit]:
    """The row edits the user made in the editor (``before`` as shown, ``after`` as returned;
    ``versions``: row id → the version read)."""
    out = []
    b = before.set_index(ROW)
    a = after.set_index(ROW)
    for rid in a.index:
        values: dict[str, Any] = {}
        for col, field in _FIELDS.items():
            old, new = b.at[rid, col], a.at[rid, col]
            if not _same(old, new):
                values[field] = None if new is None or pd.isna(new) or str(new).strip() == "" else new
        if values:
            out.append(RowEdit(int(rid), int(versions[rid]), values))
    return out


def _save(ws: WorkspaceInfo, name: str, key: str, edits: list[RowEdit]) -> None:
    try:
        edit_rows(ws, name, edits, who())
    except ConflictError as exc:
        mine = [f"row {e.row_id}: " + "; ".join(
            f"{FIELD_WORDS.get(f, f)} → {'(reopen)' if f == 'closed' and v is None else v}"
            for f, v in e.values.items()) for e in edits]
        st.session_state[f"{key}_reg_conflict"] = (str(exc), exc.changes, mine)
        return
    except NeedsmapError as exc:
        st.session_state[f"{key}_reg_flash"] = ("error", str(exc))
        return
    n = len(edits)
    st.session_state[f"{key}_reg_flash"] = ("success", f"Saved {n} change{'s' if n != 1 else ''} to the "
                                                      f"register {name}, with its history.")
    reload(key)


def _close_form(ws: WorkspaceInfo, name: str, key: str, table: pd.DataFrame) -> None:
    """Close or reopen one organisation, picked by name."""
    labels = {int(rid): f"{r.org_name or '(no name)'} · {r.org_postcode or 'no postcode'} · row {rid}"
              for rid, r in table.iterrows()}
    c1, c2, c3 = st.columns([3, 1.2, 1.4])
    rid = c1.selectbox("Organisation", list(labels), index=None, key=f"{key}_reg_pick",
                       format_func=lambda r: labels.get(r, str(r)), placeholder="Type a name to find it")
    on = c2.date_input("Closed on", value=dt.date.today(), key=f"{key}_reg_close_on", format="YYYY-MM-DD")
    if rid is None:
        c3.caption("Pick an organisation to close or reopen it.")
        return
    closed = table.at[rid, "closed_date"]
    closed = str(closed) if pd.notna(closed) and closed else None
    version = int(table.at[rid, "row_version"])
    with c3:
        if closed:
            st.caption(f"Closed on {closed}.")
            if st.button("Reopen it", key=f"{key}_reg_reopen", icon=":material/undo:"):
                _save(ws, name, key, [RowEdit(int(rid), version, {"closed": None})])
                st.rerun()
        elif st.button("Close it", key=f"{key}_reg_close", icon=":material/block:"):
            _save(ws, name, key, [RowEdit(int(rid), version, {"closed": on})])
            st.rerun()


def register_editor(ws: WorkspaceInfo, name: str, key: str) -> None:
    """The Organisations page's register section: close/reopen one organisation, edit rows in a
    table, save with versions checked, and the latest changes."""
    info, table = _snapshot(key, ws, name)
    st.subheader(f"Keep the register up to date: {markdown_literal(name)}")
    flash = st.session_state.pop(f"{key}_reg_flash", None)
    if flash is not None:
        (st.success if flash[0] == "success" else st.error)(literal_message(flash[1]))
    conflict = st.session_state.get(f"{key}_reg_conflict")
    if conflict is not None:
        st.error(literal_message(conflict[0]), icon=":material/sync_problem:")
        if conflict[1]:
            st.markdown("**Their change:**\n" + "\n".join(f"- {markdown_literal(c)}" for c in conflict[1]))
        st.markdown("**Yours, not saved** (apply it again after reloading if it is still right):\n"
                    + "\n".join(f"- {markdown_literal(c)}" for c in conflict[2]))
        if st.button("Reload the register", key=f"{key}_reg_reload_conflict", icon=":material/refresh:"):
            st.session_state.pop(f"{key}_reg_conflict", None)
            reload(key)
            st.rerun()
    try:
        now = get_register(ws, name)
    except NeedsmapError as exc:
        show_error(exc, demo_hint=False)
        return
    if now.version != info.version and conflict is None:
        st.info(f"{markdown_literal(now.updated_by)} changed this register at "
                f"{now.updated_at:%H:%M} UTC, after you opened this table.", icon=":material/update:")
        if st.button("Reload the register", key=f"{key}_reg_reload", icon=":material/refresh:"):
            reload(key)
            st.rerun()
    st.caption(f"{info.rows:,} organisations, {info.closed_rows:,} closed. Changes are saved in the "
               f"workspace's database for everyone who uses it, with who made them and when; the "
               f"Registers page has the full history.")
    st.markdown("**Close or reopen an organisation**")
    _close_form(ws, name, key, table)
    st.markdown("**Edit names, postcodes and closing dates**")
    query = st.text_input("Find rows", key=f"{key}_reg_find", placeholder="Part of a name or postcode")
    shown = editor_frame(table)
    if query:
        q = query.strip().casefold()
        hit = (shown[NAME].str.casefold().str.contains(q, regex=False)
               | shown[POSTCODE].str.casefold().str.contains(q, regex=False))
        shown = shown[hit.to_numpy()]
    if len(shown) > EDITOR_LIMIT:
        st.caption(f"The first {EDITOR_LIMIT:,} of {len(shown):,} rows: search to find others.")
        shown = shown.head(EDITOR_LIMIT)
    shown = shown.reset_index(drop=True)
    edited = st.data_editor(
        shown, key=f"{key}_reg_editor_{info.id}_{info.version}_{abs(hash(query))}", hide_index=True,
        width="stretch", height=360, num_rows="fixed",
        disabled=[ROW, PLACEMENT, LSOA, CHANGED],
        column_config={
            ROW: st.column_config.NumberColumn(help="The register's row number", format="%d"),
            POSTCODE: st.column_config.TextColumn(help="A corrected postcode is placed again when saved"),
            CLOSED: st.column_config.DateColumn(help="Clear it to reopen", format="YYYY-MM-DD"),
        })
    edits = edits_from(shown, edited, table["row_version"])
    if st.button(f"Save {len(edits)} change{'s' if len(edits) != 1 else ''}", key=f"{key}_reg_save",
                 disabled=not edits, type="primary", icon=":material/save:"):
        _save(ws, name, key, edits)
        st.rerun()
    with st.expander("Latest changes"):
        st.dataframe(history_text(history(ws, name, limit=20)), hide_index=True, width="stretch")


__all__ = ["edits_from", "editor_frame", "register_editor", "reload"]
