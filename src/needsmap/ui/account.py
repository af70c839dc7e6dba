"""Who is using the dashboard, and in which workspace.

Sign-in is Streamlit's own (``st.login`` with an OpenID Connect provider), switched on by an
``[auth]`` section in ``.streamlit/secrets.toml`` (see docs/team-server.md). With it, a signed-in
user works in the workspaces they are a member of, chosen in the sidebar; without it, everyone works
in the one ``local`` workspace. The database is touched only when a page needs a workspace (the
Registers page, a register as the organisation list, saving or opening a view).
"""

from __future__ import annotations

import streamlit as st

from needsmap.errors import NeedsmapError
from needsmap.safe_text import markdown_literal
from needsmap.store.workspaces import LOCAL_USER, WorkspaceInfo, workspaces_for
from needsmap.ui.state import literal_message

#: session-state keys: the chosen workspace (slug), and the workspaces this session may use
WORKSPACE_KEY = "nm_workspace"
_ALLOWED_KEY = "nm_workspaces"  # (user, [WorkspaceInfo])


def signin_configured() -> bool:
    """True when the deployment has sign-in (an ``[auth]`` section in its secrets)."""
    try:
        return "auth" in st.secrets
    except Exception:  # noqa: BLE001 - no secrets file, or one that does not parse: no sign-in
        return False


def current_user() -> str | None:
    """The signed-in user's e-mail address; None without sign-in or before signing in."""
    if not signin_configured():
        return None
    user = st.user
    if not user.get("is_logged_in"):  # decided on is_logged_in, never on an e-mail being present
        return None
    email = user.get("email")
    return str(email).strip().lower() if email else None


def who() -> str:
    """Who a change is recorded as: the signed-in address, else "local user"."""
    return current_user() or LOCAL_USER


def needs_signin() -> bool:
    """True when the deployment has sign-in and nobody is signed in (no workspace to use yet)."""
    return signin_configured() and current_user() is None


def allowed_workspaces() -> list[WorkspaceInfo]:
    """The workspaces this session may use ([] while signed out of a deployment with sign-in).

    Kept in the session, and read again when the user changes (sign-in, sign-out).
    """
    if needs_signin():
        return []
    user = current_user()
    kept = st.session_state.get(_ALLOWED_KEY)
    if kept is not None and kept[0] == user:
        return list(kept[1])
    found = workspaces_for(user)
    st.session_state[_ALLOWED_KEY] = (user, found)
    return found


def forget_workspaces() -> None:
    """Read the workspaces again next time (after a member was added, a workspace made …)."""
    st.session_state.pop(_ALLOWED_KEY, None)


def active_workspace() -> WorkspaceInfo | None:
    """The workspace chosen in this session (the first allowed one until another is chosen)."""
    allowed = allowed_workspaces()
    if not allowed:
        return None
    slug = st.session_state.get(WORKSPACE_KEY)
    found = next((w for w in allowed if w.slug == slug), allowed[0])
    st.session_state[WORKSPACE_KEY] = found.slug
    return found


def use_workspace(slug: str) -> bool:
    """Make ``slug`` the session's workspace if the user may use it (True), else leave it (False)."""
    if any(w.slug == slug for w in allowed_workspaces()):
        st.session_state[WORKSPACE_KEY] = slug
        return True
    return False


def signin_button(key: str, *, label: str = "Sign in") -> None:
    """A button that starts sign-in (only when the deployment has it)."""
    if signin_configured():
        st.button(label, key=key, on_click=st.login, icon=":material/login:")


def account_sidebar() -> None:
    """The sidebar's account block: who is signed in and the workspace in use (sign-in deployments
    only; without sign-in there is nothing to choose)."""
    if not signin_configured():
        return
    with st.sidebar:
        st.markdown("### Team")
        user = current_user()
        if user is None:
            st.caption("Sign in to use your team's registers and saved views.")
            signin_button("nm_signin")
            return
        try:
            allowed = allowed_workspaces()
        except NeedsmapError as exc:
            st.error(literal_message(exc), icon=":material/database:")
            return
        if len(allowed) > 1:
            active_workspace()  # the session's choice is valid before the box shows it
            names = {w.slug: w.name for w in allowed}
            st.selectbox("Workspace", list(names), key=WORKSPACE_KEY, format_func=lambda s: names.get(s, s))
        elif allowed:
            st.caption(f"Workspace: **{markdown_literal(allowed[0].name)}**")
        st.caption(f"Signed in as {markdown_literal(user)}")
        st.button("Sign out", key="nm_signout", on_click=st.logout, icon=":material/logout:")


__all__ = ["WORKSPACE_KEY", "account_sidebar", "active_workspace", "allowed_workspaces", "current_user",
           "forget_workspaces", "needs_signin", "signin_button", "signin_configured", "use_workspace",
           "who"]
