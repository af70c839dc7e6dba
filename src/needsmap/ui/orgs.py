"""The organisation-layer picker shared by the Organisations, Coverage gaps and Portfolio pages.

The user picks a default list or uploads a file; the choice (and the uploaded bytes) are kept in
session state, so every page that calls :func:`org_layer_picker` shows the same layer.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

import streamlit as st

from needsmap.config import MAX_UPLOAD_MB, MAX_UPLOAD_ROWS
from needsmap.errors import ValidationError
from needsmap.orgs import DEFAULT_LAYERS, ROLE_LABELS, ImportResult, load_default_layer
from needsmap.orgs.importer import ColumnsNotFoundError, import_file

#: session-state keys shared by every page
CHOICE_KEY = "nm_org_choice"  # {"kind": "default", "layer": id} or {"kind": "upload"}
UPLOAD_KEY = "nm_org_upload"  # {"digest", "filename", "data"}
MAP_KEY = "nm_org_column_map"  # {digest: {role: column}}
RESULT_KEY = "nm_org_layer"  # the ImportResult in use
DEFAULT_LAYER = "foodbanks"
UPLOAD_TYPES = ["csv", "tsv", "txt", "xlsx", "json"]
#: roles offered in the column-mapping form
MAP_ROLES = ("postcode", "name", "category", "lat", "lon", "latlon", "lsoa", "charity_number", "closed")
_NONE = "(not in this file)"


@st.cache_data(show_spinner="Placing the organisations…", max_entries=4)
def _default_layer(layer_id: str) -> ImportResult:
    return load_default_layer(layer_id)


@st.cache_data(show_spinner=False, max_entries=8)
def _import_uploaded(digest: str, filename: str, mapping: tuple[tuple[str, str], ...],
                     _data: bytes) -> ImportResult:
    """Import uploaded bytes, cached by content hash, file name and column mapping.

    The progress bar is made (and removed) inside, so a cache hit replays nothing visible.
    """
    bar = st.progress(0.0, text=f"Placing the organisations in {filename}…")

    def progress(frac: float, msg: str) -> None:
        bar.progress(min(max(frac, 0.0), 1.0), text=msg)

    try:
        return import_file(_data, filename=filename, column_map=dict(mapping), progress=progress)
    finally:
        bar.empty()


def import_upload(data: bytes, filename: str, column_map: Mapping[str, str] | None = None) -> ImportResult:
    """The picker's upload path without widgets: import ``data`` as the uploaded file ``filename``."""
    digest = hashlib.sha256(data).hexdigest()
    return _import_uploaded(digest, filename, tuple(sorted((column_map or {}).items())), data)


def _set_role(map_store: dict[str, dict[str, str]], digest: str, role: str, widget: str) -> None:
    value = st.session_state.get(widget)
    mapping = dict(map_store.get(digest, {}))
    mapping[role] = "" if value in (None, _NONE) else str(value)
    map_store[digest] = mapping
    st.session_state[MAP_KEY] = map_store


def _mapping_form(key: str, digest: str, columns: list[str], detected: Mapping[str, str], *,
                  expanded: bool) -> None:
    """Let the user say which column is which (shown open when detection was unsure)."""
    store: dict[str, dict[str, str]] = dict(st.session_state.get(MAP_KEY, {}))
    with st.expander("Which column is which?", expanded=expanded):
        st.caption("needsmap guessed these from the column headings. Change any that are wrong; "
                   "the list is placed again straight away.")
        options = [_NONE, *columns]
        cols = st.columns(3)
        for i, role in enumerate(MAP_ROLES):
            widget = f"{key}_map_{digest[:10]}_{role}"
            current = detected.get(role)
            with cols[i % 3]:
                st.selectbox(ROLE_LABELS[role], options, key=widget,
                             index=options.index(current) if current in options else 0,
                             on_change=_set_role, args=(store, digest, role, widget))


def _pick_default(key: str, choice: Mapping[str, str]) -> ImportResult:
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
    return _default_layer(layer_id)


def _pick_upload(key: str) -> ImportResult | None:
    up = st.file_uploader(
        f"Your organisation list — CSV, Excel (.xlsx) or 360Giving (CSV/XLSX/JSON); "
        f"up to {MAX_UPLOAD_MB} MB and {MAX_UPLOAD_ROWS:,} rows",
        type=UPLOAD_TYPES, key=f"{key}_upload",
        help=(f"One organisation per row with a postcode column (or latitude/longitude, or an LSOA "
              f"code). Files over {MAX_UPLOAD_MB} MB or {MAX_UPLOAD_ROWS:,} rows are refused. "
              "Nothing leaves this computer: postcodes are looked up offline."),
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
        st.caption(f"Using **{stored['filename']}**, uploaded earlier in this session.")
    digest, filename = stored["digest"], stored["filename"]
    mapping = {r: c for r, c in st.session_state.get(MAP_KEY, {}).get(digest, {}).items()}
    try:
        result = _import_uploaded(digest, filename, tuple(sorted(mapping.items())), stored["data"])
    except ColumnsNotFoundError as exc:
        st.error(str(exc))
        _mapping_form(key, digest, exc.columns, {}, expanded=True)
        return None
    except ValidationError as exc:
        st.error(str(exc))
        return None
    if result.notes:
        st.caption("Read as: " + "; ".join(result.notes) + ".")
    if result.unsure:
        st.warning("Some columns were guessed: "
                   + ", ".join(ROLE_LABELS[r].lower() for r in result.unsure if r in ROLE_LABELS)
                   + ". Check them below.")
    _mapping_form(key, digest, result.columns, result.detected, expanded=bool(result.unsure))
    st.session_state[CHOICE_KEY] = {"kind": "upload", "by": key}
    st.session_state["orgs_layer_id"] = None
    return result


def org_layer_picker(key: str) -> ImportResult | None:
    """Upload an organisation list or pick a default one; returns the placed list (or None).

    Parameters
    ----------
    key
        Prefix for this page's widget keys (``{key}_source``, ``{key}_layer``, ``{key}_upload`` …).

    The choice is stored in ``st.session_state["nm_org_choice"]`` (and the imported list in
    ``st.session_state["nm_org_layer"]``), so another page's picker starts from the same layer.
    """
    choice = st.session_state.get(CHOICE_KEY, {"kind": "default", "layer": DEFAULT_LAYER})
    source = f"{key}_source"
    if choice.get("by") not in (None, key):  # chosen on another page: follow it
        st.session_state[source] = "upload" if choice.get("kind") == "upload" else "default"
        if choice.get("kind") == "default" and choice.get("layer") in DEFAULT_LAYERS:
            st.session_state[f"{key}_layer"] = choice["layer"]
    if source not in st.session_state:
        st.session_state[source] = "upload" if choice.get("kind") == "upload" else "default"
    kind = st.radio("Organisations", ["default", "upload"], key=source, horizontal=True,
                    format_func={"default": "A ready-made list", "upload": "Upload my own list"}.get)
    result = _pick_default(key, choice) if kind == "default" else _pick_upload(key)
    st.session_state[RESULT_KEY] = result
    return result


__all__ = ["CHOICE_KEY", "RESULT_KEY", "import_upload", "org_layer_picker"]
