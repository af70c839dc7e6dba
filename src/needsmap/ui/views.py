"""Saved views in the dashboard: "Save this view" in the sidebar, and ``?view=ID`` links.

A view records the page, area, edition, searched place, the organisation list (a register or a
ready-made list), the eligibility rules, and the page's own settings: the widgets listed in
:data:`VIEW_WIDGETS` (measure, radius, filters …). Opening ``?view=ID`` in a new session puts every
one back before the page draws, then opens the view's page. Views live in the workspace's database
(:mod:`needsmap.store.views`): a link opened by someone outside the workspace shows nothing of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from needsmap.errors import NeedsmapError
from needsmap.safe_text import markdown_literal
from needsmap.store.views import QUERY_PARAM, load_view, save_view
from needsmap.ui.account import (
    active_workspace,
    allowed_workspaces,
    needs_signin,
    use_workspace,
    who,
)
from needsmap.ui.orgs import CHOICE_KEY
from needsmap.ui.state import literal_message, selection

#: widgets whose values a view carries (the pages' settings), and key prefixes carried likewise
VIEW_WIDGETS = (
    "explore_measure", "explore_view", "explore_ruc",
    "orgs_measure", "orgs_categories", "orgs_show_closed", "orgs_only_here",
    "gaps_need", "gaps_radius", "gaps_basis", "gaps_categories", "gaps_deciles", "gaps_none_only",
    "gaps_ruc", "gaps_top", "gaps_top_for",
    "profile_kind", "profile_radius", "profile_orgs_on",
    "pf_radius", "pf_ward_method", "pf_only_area",
    "change_direction", "change_n", "change_view",
    "similar_level", "similar_n", "similar_radius",
    "elig_show",
)
VIEW_WIDGET_PREFIXES = ("gaps_w_",)
#: which widget holds "the measure" and "the radius" on each page (recorded by name in the view too)
_MEASURE = ("explore_measure", "gaps_need", "orgs_measure")
_RADIUS = ("gaps_radius", "pf_radius", "profile_radius", "similar_radius")
#: session-state keys
PAGE_KEY = "nm_page"  # url path of the page running (set by the router)
_RESTORED = "nm_view_restored"  # the view id this session opened (opened once)
_GO_TO = "nm_view_page"  # the page an opened view asks for
_MSG = "nm_view_msg"  # (kind, text) said once in the sidebar
_SAVED = "nm_view_saved"  # (id, link) of the view saved last in this session
#: the session keys of the sidebar's area pickers, cleared so they start again from the URL
_SIDEBAR = ("nm_region", "nm_lad", "nm_ward", "nm_place", "nm_area", "nm_edition", "nm_edition_widget")


def _jsonable(value: Any) -> bool:
    if value is None or isinstance(value, str | bool | int | float):
        return True
    if isinstance(value, list | tuple):
        return all(v is None or isinstance(v, str | bool | int | float) for v in value)
    return False


def capture(page: str) -> dict[str, Any]:
    """The view on screen now, as :func:`needsmap.store.views.save_view` stores it.

    Parameters
    ----------
    page
        The running page's url path (``""`` for the default page).
    """
    sel = selection()
    widgets = {k: (list(v) if isinstance(v, tuple) else v)
               for k, v in st.session_state.items()
               if (k in VIEW_WIDGETS or str(k).startswith(VIEW_WIDGET_PREFIXES)) and _jsonable(v)}
    state: dict[str, Any] = {"page": page, "area": sel.area.code, "edition": sel.edition,
                             "widgets": dict(sorted(widgets.items()))}
    if sel.place is not None:
        state["place"] = sel.place.query()
    measure = next((widgets[k] for k in _MEASURE if k in widgets), None)
    if measure is not None:
        state["measure"] = measure
    radius = next((widgets[k] for k in _RADIUS if k in widgets), None)
    if radius is not None:
        state["radius_km"] = radius
    rules = st.query_params.get("rules")
    if rules:
        state["rules"] = str(rules)
    choice = st.session_state.get(CHOICE_KEY) or {}
    if choice.get("kind") == "register":
        state["register"] = {"name": choice.get("register"), "workspace": choice.get("workspace")}
    elif choice.get("kind") == "default":
        state["register"] = {"default": choice.get("layer")}
    return state


def restore_view() -> None:
    """Open ``?view=ID`` once per session: put its settings in place before anything draws.

    Call from the router before the sidebar. A view outside the user's workspaces (or signed out of
    a deployment with sign-in) leaves everything as it was and says why in the sidebar.
    """
    vid = st.query_params.get(QUERY_PARAM)
    if not vid or st.session_state.get(_RESTORED) == vid:
        return
    st.session_state[_RESTORED] = vid
    if needs_signin():
        st.session_state[_MSG] = ("warning", f"Sign in, then open the link again, to see saved view "
                                             f"{vid}: saved views belong to a team's workspace.")
        return
    try:
        allowed = allowed_workspaces()
        view = load_view(str(vid), allowed)
    except NeedsmapError as exc:
        st.session_state[_MSG] = ("warning", str(exc))
        return
    ws = next(w for w in allowed if w.id == view.workspace_id)
    use_workspace(ws.slug)
    state = view.state
    for key in _SIDEBAR:
        st.session_state.pop(key, None)
    query = {"area": str(state.get("area", "")), "edition": str(state.get("edition", ""))}
    query.update({k: str(v) for k, v in (state.get("place") or {}).items()})
    if state.get("rules"):
        query["rules"] = str(state["rules"])
    st.query_params.from_dict(query)  # the sidebar starts again from these (and drops ?view=)
    for key, value in (state.get("widgets") or {}).items():
        if key in VIEW_WIDGETS or str(key).startswith(VIEW_WIDGET_PREFIXES):
            st.session_state[key] = value
    reg = state.get("register") or {}
    if reg.get("name"):
        st.session_state[CHOICE_KEY] = {"kind": "register", "register": reg["name"],
                                        "workspace": ws.slug, "by": "view"}
    elif reg.get("default"):
        st.session_state[CHOICE_KEY] = {"kind": "default", "layer": reg["default"], "by": "view"}
    st.session_state[_GO_TO] = str(state.get("page", ""))
    when = f"{view.created_at:%d %b %Y}"
    st.session_state[_MSG] = ("info", f"Opened saved view {view.id} ({ws.name}), saved by "
                                      f"{view.created_by} on {when}.")


def go_to_view_page(current: StreamlitPage, pages: Sequence[StreamlitPage]) -> None:
    """After :func:`restore_view`: open the view's page if another page is running."""
    want = st.session_state.pop(_GO_TO, None)
    if want is None or want == current.url_path:
        return
    target = next((p for p in pages if p.url_path == want), None)
    if target is not None:  # the view's URL (area, edition, place, rules) goes with it
        st.switch_page(target, query_params=st.query_params.to_dict())


def view_sidebar(page: StreamlitPage) -> None:
    """The sidebar's "Save this view" button, the link of the view saved, and what opening one said."""
    st.session_state[PAGE_KEY] = page.url_path
    with st.sidebar:
        msg = st.session_state.pop(_MSG, None)
        if msg is not None:
            (st.info if msg[0] == "info" else st.warning)(literal_message(msg[1]),
                                                          icon=":material/bookmark:")
        st.markdown("### Share this view")
        if needs_signin():
            st.caption("Sign in to save views for your team.")
            return
        st.button("Save this view", key="nm_save_view", icon=":material/bookmark_add:",
                  on_click=_save, args=(page.url_path,),
                  help="Saves the page, area, edition, measure, organisation list, radius and rules "
                       "under a short link that your workspace's members can open.")
        saved = st.session_state.get(_SAVED)
        if saved is not None:
            vid, link = saved
            st.caption(f"Saved as view **{markdown_literal(vid)}**. Its link:")
            st.code(link, language=None)
        choice = st.session_state.get(CHOICE_KEY) or {}
        if choice.get("kind") == "upload":
            st.caption("An uploaded list is not part of a saved view: make it a register on the "
                       "Registers page to share it with your team.")


def _save(page: str) -> None:
    try:
        ws = active_workspace()
        if ws is None:
            return
        view = save_view(ws, capture(page), who())
    except NeedsmapError as exc:
        st.session_state[_MSG] = ("warning", str(exc))
        return
    base = st.context.url or ""
    st.session_state[_SAVED] = (view.id, f"{base}?{QUERY_PARAM}={view.id}")
    st.session_state[_RESTORED] = view.id


__all__ = ["PAGE_KEY", "VIEW_WIDGETS", "capture", "go_to_view_page", "restore_view", "view_sidebar"]
