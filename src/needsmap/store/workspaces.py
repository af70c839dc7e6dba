"""Workspaces: whose registers and views are whose.

Without sign-in there is one workspace, ``local``, and everyone using this needsmap uses it. When
the deployment has sign-in (Streamlit's ``st.login`` with an OpenID Connect provider), a user sees
only the workspaces they are a member of (by e-mail address). A user signed in for the first time
gets a workspace of their own; ``needsmap workspace add-member`` (or the Registers page) lets others
in. Every other module takes a :class:`WorkspaceInfo` that came from here and filters on its id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select

from needsmap.errors import NotFoundError, ValidationError
from needsmap.store import db
from needsmap.store.models import Member, Workspace

#: the one workspace of a deployment without sign-in
LOCAL_SLUG = "local"
LOCAL_NAME = "local"
#: who made a change when nobody is signed in (the dashboard without sign-in)
LOCAL_USER = "local user"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")


@dataclass(frozen=True)
class WorkspaceInfo:
    """A workspace: database id, short name (``slug``, in URLs and commands) and display name."""

    id: int
    slug: str
    name: str


def _info(ws: Workspace) -> WorkspaceInfo:
    return WorkspaceInfo(ws.id, ws.slug, ws.name)


def normalise_email(email: str) -> str:
    """``email`` trimmed and lower-cased.

    Raises
    ------
    ValidationError
        It is not an e-mail address.
    """
    text = str(email).strip().lower()
    if not _EMAIL.match(text):
        raise ValidationError(f"{email!r} is not an e-mail address: members are named by the address "
                              "they sign in with")
    return text


def slug_for(text: str) -> str:
    """A workspace short name from ``text``: lower case letters, digits and hyphens, ≤ 80 characters."""
    slug = re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-")[:80].strip("-")
    return slug or "workspace"


def ensure_local(url: str | None = None) -> WorkspaceInfo:
    """The ``local`` workspace, made the first time it is asked for."""
    with db.session(url) as s:
        ws = s.scalar(select(Workspace).where(Workspace.slug == LOCAL_SLUG))
        if ws is None:
            ws = Workspace(slug=LOCAL_SLUG, name=LOCAL_NAME)
            s.add(ws)
            s.flush()
        return _info(ws)


def create_workspace(slug: str, name: str | None = None, members: tuple[str, ...] | list[str] = (),
                     url: str | None = None) -> WorkspaceInfo:
    """Make a workspace with these members (e-mail addresses).

    Raises
    ------
    ValidationError
        ``slug`` is not lower-case letters, digits and hyphens, is taken, or a member is not an
        e-mail address.
    """
    if not _SLUG.match(slug):
        raise ValidationError(f"workspace name {slug!r}: use lower-case letters, digits and hyphens "
                              f"(e.g. {slug_for(slug)!r})")
    emails = [normalise_email(m) for m in members]
    with db.session(url) as s:
        if s.scalar(select(Workspace.id).where(Workspace.slug == slug)) is not None:
            raise ValidationError(f"a workspace called {slug!r} already exists")
        ws = Workspace(slug=slug, name=name or slug)
        s.add(ws)
        s.flush()
        for email in dict.fromkeys(emails):
            s.add(Member(workspace_id=ws.id, email=email))
        return _info(ws)


def get_workspace(slug: str, url: str | None = None) -> WorkspaceInfo:
    """The workspace called ``slug`` (for the command line, which runs with the server's rights).

    Raises
    ------
    NotFoundError
        There is no such workspace.
    """
    if slug == LOCAL_SLUG:
        return ensure_local(url)
    with db.session(url) as s:
        ws = s.scalar(select(Workspace).where(Workspace.slug == slug))
        if ws is None:
            raise NotFoundError(f"no workspace called {slug!r}: `needsmap workspace list` shows them")
        return _info(ws)


def add_member(ws: WorkspaceInfo, email: str, url: str | None = None) -> None:
    """Let ``email`` use ``ws`` (nothing happens if they already can)."""
    address = normalise_email(email)
    with db.session(url) as s:
        if s.get(Member, (ws.id, address)) is None:
            s.add(Member(workspace_id=ws.id, email=address))


def members(ws: WorkspaceInfo, url: str | None = None) -> list[str]:
    """The e-mail addresses that may use ``ws``, sorted."""
    with db.session(url) as s:
        return sorted(s.scalars(select(Member.email).where(Member.workspace_id == ws.id)))


def workspaces_for(user: str | None, url: str | None = None) -> list[WorkspaceInfo]:
    """The workspaces ``user`` may use, by name.

    Parameters
    ----------
    user
        The signed-in user's e-mail address, or None when the deployment has no sign-in (then:
        the ``local`` workspace only). A signed-in user who is a member of none gets a workspace of
        their own (named after their address), made now.
    """
    if user is None:
        return [ensure_local(url)]
    email = normalise_email(user)
    with db.session(url) as s:
        found = list(s.scalars(select(Workspace).join(Member, Member.workspace_id == Workspace.id)
                               .where(Member.email == email).order_by(Workspace.name)))
        if not found:
            base = slug_for(email.replace("@", "-at-"))
            slug, n = base, 1
            while s.scalar(select(Workspace.id).where(Workspace.slug == slug)) is not None:
                n += 1
                slug = f"{base[:76]}-{n}"
            ws = Workspace(slug=slug, name=f"{email}'s workspace")
            s.add(ws)
            s.flush()
            s.add(Member(workspace_id=ws.id, email=email))
            found = [ws]
        return [_info(w) for w in found]


def all_workspaces(url: str | None = None) -> list[WorkspaceInfo]:
    """Every workspace (for ``needsmap workspace list``, run by whoever runs the server)."""
    with db.session(url) as s:
        return [_info(w) for w in s.scalars(select(Workspace).order_by(Workspace.slug))]


__all__ = ["LOCAL_NAME", "LOCAL_SLUG", "LOCAL_USER", "WorkspaceInfo", "add_member", "all_workspaces",
           "create_workspace", "ensure_local", "get_workspace", "members", "normalise_email",
           "slug_for", "workspaces_for"]
