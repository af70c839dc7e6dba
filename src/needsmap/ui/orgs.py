"""The organisation-layer picker shared by the Organisations, Coverage gaps and Portfolio pages.

The user picks a default list or uploads a file; the choice (and the uploaded bytes) are kept in
session state, so every page that calls :func:`org_layer_picker` shows the same layer, with the rows
corrected in this session (:mod:`needsmap.ui.org_fixes`) put in place.

An uploaded file, and the list made from it, live in this session's state only, never in a cache
shared between sessions: no session can be served another's upload, and both go when the session
ends (Streamlit drops a session's state ``server.disconnectedSessionTTL``, 120 s by default, after its
browser tab has gone). Only the last import is kept (one per session).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import streamlit as st

from needsmap.config import MAX_UPLOAD_MB, MAX_UPLOAD_ROWS
from needsmap.data.catalog import data_version
from needsmap.errors import NeedsmapError, ValidationError
from needsmap.orgs import DEFAULT_LAYERS, ROLE_LABELS, ImportResult, load_default_layer
from needsmap.orgs.importer import ColumnsNotFoundError, import_file
from needsmap.orgs.levels import CONF_UNCERTAIN, NSPL_FETCH
from needsmap.orgs.reading import MAX_COLUMNS, read_table_file
from needsmap.safe_text import markdown_literal
from needsmap.store.registers import get_register, list_registers, register_result
from needsmap.store.workspaces import WorkspaceInfo
from needsmap.ui.account import active_workspace, needs_signin, signin_button
from needsmap.ui.org_fixes import corrected
from needsmap.ui.state import show_error

#: session-state keys shared by every page
CHOICE_KEY = "nm_org_choice"  # {"kind": "default", "layer": id}, {"kind": "upload"} or
#                               {"kind": "register", "register": name, "workspace": slug}
UPLOAD_KEY = "nm_org_upload"  # {"digest", "filename", "data"}
MAP_KEY = "nm_org_column_map"  # {list key: {role: column}}
SHEET_KEY = "nm_org_sheet"  # {digest: {"sheet": chosen or None, "sheets": [...], "candidates": [...]}}
IMPORT_KEY = "nm_org_import"  # {"token": (digest, sheet, mapping), "result" or "error"}: this session's last import
RESULT_KEY = "nm_org_layer"  # the ImportResult in use
REGISTER_KEY = "nm_org_register"  # (workspace id, register name, version, ImportResult): the register read last
DEFAULT_LAYER = "foodbanks"
UPLOAD_TYPES = ["csv", "tsv", "txt", "xlsx", "json"]
#: roles offered in the column-mapping form
MAP_ROLES = ("postcode", "name", "category", "lat", "lon", "latlon", "lsoa", "charity_number", "closed")
_NONE = "(not in this file)"
#: the size limits, as the uploader states them
LIMITS_TEXT = (f"up to {MAX_UPLOAD_MB} MB, {MAX_UPLOAD_ROWS:,} rows and {MAX_COLUMNS:,} columns")


@st.cache_data(show_spinner="Placing the organisations…", max_entries=4)
def _default_layer(layer_id: str, version: str) -> ImportResult:
    """The placed default layer ``layer_id`` (``version``, the data folder's version, keys the cache)."""
    return load_default_layer(layer_id)


def import_upload(data: bytes, filename: str, column_map: Mapping[str, str] | None = None, *,
                  sheet: str | None = None) -> ImportResult:
    """The picker's upload path without widgets: import ``data`` as the uploaded file ``filename``
    (``sheet``: the workbook sheet to read, ``None`` to let the reader choose)."""
    return import_file(data, filename=filename, column_map=dict(column_map or {}), sheet=sheet)


def _session_import(digest: str, filename: str, data: bytes, sheet: str | None,
                    mapping: dict[str, str]) -> ImportResult:
    """Import the upload, or return this session's last import when nothing changed.

    Kept in ``st.session_state`` only (see the module docstring): a refused file is remembered too,
    so reruns do not read it again.
    """
    token = (digest, sheet, tuple(sorted(mapping.items())))
    last = st.session_state.get(IMPORT_KEY)
    if last is not None and last.get("token") == token:
        if "error" in last:
            raise last["error"]
        return last["result"]
    st.session_state.pop(IMPORT_KEY, None)  # the old list goes before the new one is made
    bar = st.progress(0.0, text=f"Placing the organisations in {markdown_literal(filename)}…")

    def progress(frac: float, msg: str) -> None:
        bar.progress(min(max(frac, 0.0), 1.0), text=markdown_literal(msg))

    try:
        result = import_file(data, filename=filename, column_map=mapping, progress=progress, sheet=sheet)
    except ValidationError as exc:
        st.session_state[IMPORT_KEY] = {"token": token, "error": exc}
        raise
    finally:
        bar.empty()
    st.session_state[IMPORT_KEY] = {"token": token, "result": result}
    return result


def _set_role(map_store: dict[str, dict[str, str]], list_key: str, role: str, widget: str) -> None:
    value = st.session_state.get(widget)
    mapping = dict(map_store.get(list_key, {}))
    mapping[role] = "" if value in (None, _NONE) else str(value)
    map_store[list_key] = mapping
    st.session_state[MAP_KEY] = map_store


def _mapping_form(key: str, list_key: str, columns: list[str], detected: Mapping[str, str], *,
                  expanded: bool) -> None:
    """Let the user say which column is which (shown open when detection was unsure)."""
    store: dict[str, dict[str, str]] = dict(st.session_state.get(MAP_KEY, {}))
    tag = hashlib.sha256(list_key.encode()).hexdigest()[:10]
    with st.expander("Which column is which?", expanded=expanded):
        st.caption("needsmap guessed these from the column headings. Change any that are wrong; "
                   "the list is placed again straight away.")
        options = [_NONE, *columns]
        cols = st.columns(3)
        for i, role in enumerate(MAP_ROLES):
            widget = f"{key}_map_{tag}_{role}"
            current = detected.get(role)
            with cols[i % 3]:
                st.selectbox(ROLE_LABELS[role], options, key=widget,
                             index=options.index(current) if current in options else 0,
                             on_change=_set_role, args=(store, list_key, role, widget))


def _sheet_info(result: ImportResult) -> dict[str, Any]:
    """The workbook sheets an import saw: all of them, the one used, those that could hold a list."""
    return {"sheets": [str(s) for s in result.sheets], "used": result.sheet,
            "candidates": [str(s) for s in result.sheet_candidates]}


def _workbook_sheets(data: bytes, filename: str) -> dict[str, Any]:
    """The sheets of a workbook whose chosen sheet could not be placed (read once, to offer others)."""
    try:
        frame, _ = read_table_file(data, filename=filename)
    except ValidationError:
        return {}
    return {"sheets": [str(s) for s in frame.attrs.get("sheets", [])], "used": frame.attrs.get("sheet"),
            "candidates": [str(s) for s in frame.attrs.get("sheet_candidates", [])]}


def _set_sheet(digest: str, widget: str) -> None:
    store = dict(st.session_state.get(SHEET_KEY, {}))
    info = dict(store.get(digest, {}))
    info["sheet"] = st.session_state.get(widget)
    store[digest] = info
    st.session_state[SHEET_KEY] = store


def _sheet_picker(key: str, digest: str, info: Mapping[str, Any]) -> None:
    """For a workbook of several sheets: a choice of sheet, the one used named, and a warning when
    more than one sheet could hold the list."""
    sheets = list(info.get("sheets") or [])
    used = info.get("used")
    candidates = list(info.get("candidates") or [])
    if len(sheets) > 1:
        widget = f"{key}_sheet_{digest[:10]}"
        if st.session_state.get(widget) not in sheets:
            st.session_state[widget] = used if used in sheets else sheets[0]
        st.selectbox("Sheet with the list", sheets, key=widget, on_change=_set_sheet,
                     args=(digest, widget),
                     format_func=lambda s: f"{s} (could hold the list)" if s in candidates else str(s),
                     help="The workbook's sheets; those marked could hold an organisation list. The "
                          "list is placed again from the sheet chosen.")
    if used is None:
        return
    others = [s for s in sheets if s != used]
    rest = f"; its other sheets: {', '.join(markdown_literal(s) for s in others)}" if others else ""
    st.caption(f"Read from the sheet **{markdown_literal(used)}** of this workbook{rest}.")
    if len(candidates) > 1:
        st.warning(f"{len(candidates)} sheets could hold the list: "
                   f"{', '.join(markdown_literal(s) for s in candidates)}. "
                   f"**{markdown_literal(used)}** is used; choose another sheet above if that is wrong.")


def _pick_default(key: str, choice: Mapping[str, str]) -> tuple[ImportResult, str]:
    widget = f"{key}_layer"
    if widget not in st.session_state:
        wanted = choice.get("layer", DEFAULT_LAYER)
        st.session_state[widget] = wanted if wanted in DEFAULT_LAYERS else DEFAULT_LAYER
    layer_id = str(st.selectbox("Organisation list", list(DEFAULT_LAYERS), key=widget,
                                format_func=lambda k: DEFAULT_LAYERS[k].title))
    layer = DEFAULT_LAYERS[layer_id]
    st.caption(f"{layer.description} Source: {layer.citation}")
    st.session_state[CHOICE_KEY] = {"kind": "default", "layer": layer_id, "by": key}
    st.session_state["orgs_layer_id"] = layer_id
    return _default_layer(layer_id, data_version()), f"default:{layer_id}"


def _pick_upload(key: str) -> tuple[ImportResult, str] | None:
    up = st.file_uploader(
        f"Your organisation list — CSV, Excel (.xlsx) or 360Giving (CSV/XLSX/JSON); {LIMITS_TEXT}",
        type=UPLOAD_TYPES, key=f"{key}_upload",
        help=(f"One organisation per row with a postcode column (or latitude/longitude, or an LSOA "
              f"code). Files over {MAX_UPLOAD_MB} MB, {MAX_UPLOAD_ROWS:,} rows or {MAX_COLUMNS:,} "
              "columns are refused. Nothing leaves this computer: postcodes are looked up offline. "
              "The file is kept only while this browser tab is open, for you alone."),
    )
    if up is not None:
        data = up.getvalue()
        digest = hashlib.sha256(data).hexdigest()
        stored = st.session_state.get(UPLOAD_KEY)
        if not stored or stored.get("digest") != digest:
            st.session_state[UPLOAD_KEY] = {"digest": digest, "filename": up.name, "data": data}
    stored = st.session_state.get(UPLOAD_KEY)
    if not stored:
        st.info("Upload a list to place it on the map, or choose one of the default lists.")
        return None
    if up is None:
        st.caption(f"Using **{markdown_literal(stored['filename'])}**, uploaded earlier in this session.")
    digest, filename = stored["digest"], stored["filename"]
    sheets: dict[str, dict[str, Any]] = st.session_state.get(SHEET_KEY, {})
    sheet = sheets.get(digest, {}).get("sheet")
    list_key = digest if sheet is None else f"{digest}|{sheet}"
    mapping = dict(st.session_state.get(MAP_KEY, {}).get(list_key, {}))
    try:
        result = _session_import(digest, filename, stored["data"], sheet, mapping)
    except ColumnsNotFoundError as exc:
        info = sheets.get(digest) or (_workbook_sheets(stored["data"], filename)
                                      if filename.lower().endswith(".xlsx") else {})
        _sheet_picker(key, digest, {**info, "used": sheet or info.get("used")})
        show_error(exc, demo_hint=False)
        _mapping_form(key, list_key, exc.columns, {}, expanded=True)
        return None
    except ValidationError as exc:
        show_error(exc, demo_hint=False)
        return None
    info = _sheet_info(result)
    if info["sheets"]:
        st.session_state[SHEET_KEY] = {**sheets, digest: {**info, "sheet": sheet}}
    _sheet_picker(key, digest, info)
    if result.unsure:
        st.warning("Some columns were guessed: "
                   + ", ".join(ROLE_LABELS[r].lower() for r in result.unsure if r in ROLE_LABELS)
                   + ". Check them below.")
    _mapping_form(key, list_key, result.columns, result.detected, expanded=bool(result.unsure))
    st.session_state[CHOICE_KEY] = {"kind": "upload", "by": key}
    st.session_state["orgs_layer_id"] = None
    return result, f"upload:{list_key}"


def register_in_use() -> tuple[WorkspaceInfo, str] | None:
    """The workspace and name of the register chosen as the organisation list, if one is."""
    choice = st.session_state.get(CHOICE_KEY) or {}
    if choice.get("kind") != "register":
        return None
    ws = active_workspace()
    if ws is None or choice.get("workspace") not in (None, ws.slug):
        return None
    return ws, str(choice.get("register"))


def load_register(ws: WorkspaceInfo, name: str) -> ImportResult:
    """The register ``name`` of ``ws`` as a list, read again only when its version has changed
    (kept in this session's state: never shared with another session)."""
    info = get_register(ws, name)
    kept = st.session_state.get(REGISTER_KEY)
    if kept is not None and kept[:3] == (ws.id, info.name, info.version):
        return kept[3]
    result = register_result(ws, name)
    st.session_state[REGISTER_KEY] = (ws.id, info.name, info.version, result)
    return result


def _pick_register(key: str, choice: Mapping[str, str]) -> tuple[ImportResult, str] | None:
    if needs_signin():
        st.info("Sign in to use your team's registers.")
        signin_button(f"{key}_signin")
        return None
    ws = active_workspace()
    if ws is None:
        return None
    names = [r.name for r in list_registers(ws)]
    if not names:
        st.info("This workspace has no register yet: make one from a spreadsheet on the Registers page.")
        st.page_link("app_pages/registers.py", label="Registers", icon=":material/inventory_2:")
        return None
    widget = f"{key}_register"
    if st.session_state.get(widget) not in names:
        wanted = choice.get("register")
        st.session_state[widget] = wanted if wanted in names else names[0]
    name = str(st.selectbox("Register", names, key=widget,
                            help=f"The registers of the workspace {ws.name}: organisation lists your "
                                 "team keeps up to date on the Registers page."))
    try:
        result = load_register(ws, name)
    except NeedsmapError as exc:
        show_error(exc, demo_hint=False)
        return None
    st.session_state[CHOICE_KEY] = {"kind": "register", "register": name, "workspace": ws.slug, "by": key}
    st.session_state["orgs_layer_id"] = None
    return result, f"register:{ws.id}:{name}"


def notes_text(result: ImportResult) -> str:
    """The importer's notes (encoding, delimiter, skipped title rows, postcodes taken from an address,
    rows that are not organisations …) as one Markdown line, every note escaped; ``""`` when none."""
    if not result.notes:
        return ""
    return "Read as: " + "; ".join(markdown_literal(n) for n in result.notes) + "."


def confidence_note(result: ImportResult) -> str:
    """How many placed rows are uncertain, and how to make them exact; ``""`` when none are.

    Uses the importer's ``confidence`` column (:data:`needsmap.orgs.levels.CONF_UNCERTAIN`).
    """
    placed = result.placed
    if "confidence" not in placed.columns or placed.empty:
        return ""
    n = int((placed["confidence"].astype("string") == CONF_UNCERTAIN).sum())
    if not n:
        return ""
    return (f"{n:,} of the {len(placed):,} placed rows are **uncertain**: the postcode centroid or "
            "point lies near an LSOA boundary, so the organisation may be in the neighbouring LSOA. "
            "The official postcode lookup (NSPL: Data sources page → Download, or "
            f"`{NSPL_FETCH}`) makes postcode placements exact.")


def org_layer_picker(key: str) -> ImportResult | None:
    """Upload an organisation list or pick a default one; returns the placed list (or None).

    Parameters
    ----------
    key
        Prefix for this page's widget keys (``{key}_source``, ``{key}_layer``, ``{key}_upload`` …).

    The choice is stored in ``st.session_state["nm_org_choice"]`` (and the list in use in
    ``st.session_state["nm_org_layer"]``), so another page's picker starts from the same layer. Rows
    corrected on the Organisations page in this session are applied here, so every page uses the
    corrected list.
    """
    choice = st.session_state.get(CHOICE_KEY, {"kind": "default", "layer": DEFAULT_LAYER})
    source = f"{key}_source"
    kinds = {"default": "A ready-made list", "upload": "Upload my own list", "register": "A team register"}
    if choice.get("by") not in (None, key):  # chosen on another page (or by a saved view): follow it
        st.session_state[source] = choice.get("kind") if choice.get("kind") in kinds else "default"
        if choice.get("kind") == "default" and choice.get("layer") in DEFAULT_LAYERS:
            st.session_state[f"{key}_layer"] = choice["layer"]
        if choice.get("kind") == "register":
            st.session_state[f"{key}_register"] = choice.get("register")
    if source not in st.session_state:
        st.session_state[source] = choice.get("kind") if choice.get("kind") in kinds else "default"
    kind = st.radio("Organisations", list(kinds), key=source, horizontal=True, format_func=kinds.get)
    if kind == "register":
        picked = _pick_register(key, choice)
    else:
        picked = _pick_default(key, choice) if kind == "default" else _pick_upload(key)
    result = None
    if picked is not None:
        # a register's corrections are saved in it (Organisations page), not kept in the session
        result = picked[0] if kind == "register" else corrected(*picked)
        text = notes_text(result)
        if text:
            st.caption(text)
    st.session_state[RESULT_KEY] = result
    return result


__all__ = ["CHOICE_KEY", "LIMITS_TEXT", "RESULT_KEY", "confidence_note", "import_upload", "load_register",
           "notes_text", "org_layer_picker", "register_in_use"]
