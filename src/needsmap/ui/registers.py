"""The Registers page's parts: make a register, import a new version with a merge preview, history,
exports, members.

Every part works on the session's workspace (:func:`needsmap.ui.account.active_workspace`); nothing
here reads another workspace. An uploaded spreadsheet is read in this session only; what the user
confirms is saved in the workspace's database.
"""

from __future__ import annotations

import hashlib
from typing import Any

import pandas as pd
import streamlit as st

from needsmap.config import MAX_UPLOAD_MB
from needsmap.errors import ConflictError, NeedsmapError
from needsmap.export import download
from needsmap.orgs.importer import ImportResult
from needsmap.safe_text import markdown_literal
from needsmap.store.registers import (
    MergePreview,
    RegisterInfo,
    apply_merge,
    create_register,
    delete_register,
    history,
    history_text,
    list_registers,
    preview_merge,
)
from needsmap.store.workspaces import WorkspaceInfo, add_member, members
from needsmap.ui.account import current_user, forget_workspaces, who
from needsmap.ui.orgs import (
    CHOICE_KEY,
    LIMITS_TEXT,
    RESULT_KEY,
    UPLOAD_TYPES,
    import_upload,
    load_register,
)
from needsmap.ui.state import literal_message, show_error

_PREVIEW = "reg_preview"  # (register id, upload digest, MergePreview)
_FLASH = "reg_flash"


def flash() -> None:
    """Say what the last action did (once)."""
    msg = st.session_state.pop(_FLASH, None)
    if msg is not None:
        (st.success if msg[0] == "success" else st.error)(literal_message(msg[1]))


def _say(kind: str, text: str) -> None:
    st.session_state[_FLASH] = (kind, text)


def register_table_display(regs: list[RegisterInfo]) -> pd.DataFrame:
    """The registers of a workspace as a table: ``Register``, ``Organisations``, ``Closed``,
    ``Last changed`` (UTC), ``By``."""
    return pd.DataFrame({
        "Register": [r.name for r in regs],
        "Organisations": [r.rows for r in regs],
        "Closed": [r.closed_rows for r in regs],
        "Last changed": [f"{r.updated_at:%Y-%m-%d %H:%M}" for r in regs],
        "By": [r.updated_by for r in regs],
    })


def _read_upload(key: str, label: str) -> ImportResult | None:
    up = st.file_uploader(f"{label} — CSV, Excel (.xlsx) or 360Giving; {LIMITS_TEXT}", type=UPLOAD_TYPES,
                          key=key, help=f"Files over {MAX_UPLOAD_MB} MB are refused. Postcodes are "
                                        "looked up offline; the file itself is not kept, only the "
                                        "organisations you save.")
    if up is None:
        return None
    data = up.getvalue()
    token = (hashlib.sha256(data).hexdigest(), up.name)
    kept = st.session_state.get(f"{key}_result")
    if kept is not None and kept[0] == token:
        return kept[1]
    try:
        with st.spinner(f"Placing the organisations in {markdown_literal(up.name)}…"):
            result = import_upload(data, up.name)
    except NeedsmapError as exc:
        show_error(exc, demo_hint=False)
        st.caption("If columns were not recognised, upload the file on the Organisations page, say "
                   "which column is which there, then make the register from \"the list in use\".")
        return None
    st.session_state[f"{key}_result"] = (token, result)
    return result


def make_register(ws: WorkspaceInfo) -> None:
    """Make a register from the list in use on the Organisations page or from an uploaded file."""
    in_use: ImportResult | None = st.session_state.get(RESULT_KEY)
    choice = st.session_state.get(CHOICE_KEY) or {}
    sources = ["upload"]
    if in_use is not None and choice.get("kind") != "register":
        sources.insert(0, "in_use")
    source = "upload"
    if len(sources) > 1:
        source = st.radio("From", sources, key="reg_new_source", horizontal=True,
                          format_func={"in_use": "The list in use on the Organisations page",
                                       "upload": "A spreadsheet"}.get)
    result = in_use if source == "in_use" else _read_upload("reg_new_upload", "The spreadsheet")
    if result is None:
        return
    st.caption(f"{markdown_literal(result.label)}: {literal_message(result.summary_text())}")
    name = st.text_input("Name of the register", key="reg_new_name", max_chars=200,
                         placeholder="e.g. Trafford community assets")
    if st.button("Make the register", key="reg_new_go", type="primary", disabled=not name.strip(),
                 icon=":material/add:"):
        try:
            info = create_register(ws, name, result, who())
        except NeedsmapError as exc:
            show_error(exc, demo_hint=False)
            return
        _say("success", f"Made the register {info.name}: {info.rows:,} organisations.")
        st.session_state["reg_pick"] = info.name
        st.rerun()


def use_register(ws: WorkspaceInfo, name: str) -> None:
    """Make ``name`` the organisation list of every page in this session."""
    st.session_state[CHOICE_KEY] = {"kind": "register", "register": name, "workspace": ws.slug,
                                    "by": "registers"}


def merge_section(ws: WorkspaceInfo, info: RegisterInfo) -> None:
    """Import a new version of the register's spreadsheet: preview "12 new, 3 changed, 2 gone",
    then confirm."""
    done_before = st.session_state.get("reg_merges", 0)  # a new box after each merge: the file is done
    result = _read_upload(f"reg_merge_upload_{info.id}_{done_before}", "The new version of the spreadsheet")
    if result is None:
        return
    kept = st.session_state.get(_PREVIEW)
    token = (info.id, id(result))
    if kept is None or kept[0] != token:
        try:
            preview = preview_merge(ws, info.name, result)
        except NeedsmapError as exc:
            show_error(exc, demo_hint=False)
            return
        st.session_state[_PREVIEW] = (token, preview)
    else:
        preview = kept[1]
    show_preview(preview)
    close_gone = st.checkbox(f"Close the {len(preview.gone):,} organisations not in the new file",
                             value=True, key=f"reg_close_gone_{info.id}",
                             help="They stay in the register, closed today, and can be reopened.")
    if st.button(f"Confirm: {preview.summary}", key=f"reg_merge_go_{info.id}", type="primary",
                 icon=":material/merge:"):
        try:
            done = apply_merge(ws, preview, who(), close_gone=close_gone)
        except ConflictError as exc:
            st.session_state.pop(_PREVIEW, None)
            st.error(literal_message(str(exc)), icon=":material/sync_problem:")
            st.markdown("**Their change:**\n" + "\n".join(f"- {markdown_literal(c)}" for c in exc.changes))
            st.caption("Upload the file again to see a new preview against the register as it is now.")
            return
        except NeedsmapError as exc:
            show_error(exc, demo_hint=False)
            return
        st.session_state.pop(_PREVIEW, None)
        st.session_state["reg_merges"] = done_before + 1
        _say("success", f"Merged {preview.filename} into {done.name}: {preview.summary}. The register "
                        f"now holds {done.rows:,} organisations, {done.closed_rows:,} closed.")
        st.rerun()


def show_preview(preview: MergePreview) -> None:
    """The merge preview: the counts, then the new, changed and gone rows, and the rows skipped."""
    st.markdown(f"#### {markdown_literal(preview.summary)}")
    how = ", ".join(f"{n:,} on {k}" for k, n in preview.matched_on.items() if n)
    st.caption(f"Rows of {markdown_literal(preview.filename)} matched to the register on their charity "
               f"number, else company number, else name and postcode ({how or 'none matched'}).")
    for title, frame, stem in (("New", preview.new, "new"), ("Changed", preview.changed, "changed"),
                               ("Gone", preview.gone, "gone")):
        with st.expander(f"{title}: {len(frame):,}", expanded=0 < len(frame) <= 20):
            st.dataframe(frame, hide_index=True, width="stretch")
            if len(frame):
                st.download_button(f"Download the {stem} rows (CSV)",
                                   **download("csv", lambda f=frame: f, stem=f"merge_{stem}"),
                                   key=f"reg_dl_{stem}", on_click="ignore")
    if len(preview.kept):
        with st.expander(f"Edits made here that the file does not have, kept: {len(preview.kept):,}",
                         expanded=True):
            st.caption("The file still has the value from before someone fixed it in needsmap, so the fix "
                       "is kept (not counted as a change). Edit the row again if the file is right.")
            st.dataframe(preview.kept, hide_index=True, width="stretch")
    if len(preview.skipped):
        with st.expander(f"Not organisations, not kept: {len(preview.skipped):,}"):
            st.dataframe(preview.skipped, hide_index=True, width="stretch")
            st.download_button("Download these rows (CSV)",
                               **download("csv", lambda: preview.skipped, stem="merge_not_kept"),
                               key="reg_dl_skipped", on_click="ignore")


def export_section(ws: WorkspaceInfo, info: RegisterInfo) -> None:
    """Downloads of the register (CSV, Excel, GeoJSON) and of its history."""
    stem = "".join(c if c.isalnum() else "_" for c in info.name).strip("_") or "register"

    def table() -> pd.DataFrame:
        return load_register(ws, info.name).table

    c1, c2, c3, c4 = st.columns(4)
    c1.download_button("CSV", **download("csv", table, stem=stem), key="reg_dl_csv", on_click="ignore",
                       icon=":material/download:")
    c2.download_button("Excel", **download("xlsx", table, stem=stem), key="reg_dl_xlsx",
                       on_click="ignore", icon=":material/download:")
    c3.download_button("GeoJSON (placed rows)",
                       **download("geojson", lambda: load_register(ws, info.name).points(), stem=stem),
                       key="reg_dl_geojson", on_click="ignore", icon=":material/download:")
    c4.download_button("History (CSV)",
                       **download("csv", lambda: history_text(history(ws, info.name, limit=1_000_000)),
                                  stem=f"{stem}_history"),
                       key="reg_dl_history", on_click="ignore", icon=":material/download:")
    st.caption("CSV and Excel cells that a spreadsheet would run as a formula are prefixed with '; "
               "GeoJSON keeps the text exactly. To back up every register at once, see the README "
               "(\"Team registers\", Backing up).")


def members_section(ws: WorkspaceInfo) -> None:
    """Who may use the workspace, and adding someone (sign-in deployments only)."""
    if current_user() is None:
        st.caption(f"Workspace **{markdown_literal(ws.name)}**: without sign-in, everyone using this "
                   "needsmap shares it.")
        return
    people = members(ws)
    st.caption(f"Workspace **{markdown_literal(ws.name)}**; members: "
               + ", ".join(markdown_literal(p) for p in people))
    with st.expander("Add a member"):
        email = st.text_input("Their sign-in e-mail address", key="reg_member_email")
        if st.button("Add them", key="reg_member_go", disabled=not email.strip()):
            try:
                add_member(ws, email)
            except NeedsmapError as exc:
                show_error(exc, demo_hint=False)
                return
            forget_workspaces()
            _say("success", f"{email.strip()} can now use {ws.name}.")
            st.rerun()


def delete_section(ws: WorkspaceInfo, info: RegisterInfo) -> None:
    """Delete a register (with its history), after a confirmation."""
    sure = st.checkbox(f"Yes, delete {markdown_literal(info.name)} and its history for everyone",
                       key=f"reg_del_sure_{info.id}")
    if st.button("Delete the register", key=f"reg_del_go_{info.id}", disabled=not sure,
                 icon=":material/delete:"):
        try:
            delete_register(ws, info.name)
        except NeedsmapError as exc:
            show_error(exc, demo_hint=False)
            return
        choice: dict[str, Any] = st.session_state.get(CHOICE_KEY) or {}
        if choice.get("kind") == "register" and choice.get("register") == info.name:
            st.session_state.pop(CHOICE_KEY, None)
        _say("success", f"Deleted the register {info.name}.")
        st.rerun()


def pick_register(ws: WorkspaceInfo) -> RegisterInfo | None:
    """The registers of ``ws`` as a table, and one picked to work on (None when there are none)."""
    regs = list_registers(ws)
    if not regs:
        st.info("This workspace has no register yet: make one below from a spreadsheet or from the "
                "list in use.")
        return None
    st.dataframe(register_table_display(regs), hide_index=True, width="stretch", key="reg_table")
    names = [r.name for r in regs]
    if st.session_state.get("reg_pick") not in names:  # the register in use, else the first
        in_use = (st.session_state.get(CHOICE_KEY) or {}).get("register")
        st.session_state["reg_pick"] = in_use if in_use in names else names[0]
    name = st.selectbox("Work on the register", names, key="reg_pick")
    return next(r for r in regs if r.name == name)


__all__ = ["delete_section", "export_section", "flash", "make_register", "members_section",
           "merge_section", "pick_register", "register_table_display", "show_preview", "use_register"]
