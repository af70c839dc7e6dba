"""Saved views and their short links (``?view=ID``).

A view is what a colleague needs to see the same thing: the page, area, edition, searched place,
measure, register, radius and eligibility rules, and the page's own settings (the state of the
widgets that hold them). It is saved under a short random id in one workspace; :func:`load_view`
finds it only among the workspaces the user may use, so a link passed outside the team shows
nothing of it.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from needsmap.errors import NotFoundError, ValidationError
from needsmap.store import db
from needsmap.store.models import SavedView, utcnow
from needsmap.store.workspaces import WorkspaceInfo

#: the URL parameter of a saved view
QUERY_PARAM = "view"
#: what a view records (``widgets``: the page's own settings, widget key → value)
VIEW_FIELDS = ("page", "area", "edition", "place", "measure", "register", "radius_km", "rules",
               "widgets")
#: a saved view's state is at most this big (bytes of JSON)
MAX_STATE_BYTES = 32_000
#: length of a view id's random part (URL-safe characters)
ID_BYTES = 6


@dataclass(frozen=True)
class ViewInfo:
    """A saved view: its id, workspace, state (:data:`VIEW_FIELDS`), name, who saved it and when."""

    id: str
    workspace_id: int
    state: dict[str, Any]
    name: str
    created_at: dt.datetime
    created_by: str


def _info(v: SavedView) -> ViewInfo:
    return ViewInfo(v.id, v.workspace_id, dict(v.state), v.name, v.created_at, v.created_by)


def save_view(ws: WorkspaceInfo, state: dict[str, Any], user: str, *, name: str = "",
              url: str | None = None) -> ViewInfo:
    """Save ``state`` in ``ws`` under a new short id (8 URL-safe characters).

    Raises
    ------
    ValidationError
        ``state`` has a field outside :data:`VIEW_FIELDS`, is not JSON, or is over
        :data:`MAX_STATE_BYTES`.
    """
    unknown = sorted(set(state) - set(VIEW_FIELDS))
    if unknown:
        raise ValidationError(f"a view cannot hold {', '.join(unknown)} (only {', '.join(VIEW_FIELDS)})")
    try:
        body = json.dumps(state, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ValidationError(f"this view cannot be saved: {exc}") from None
    if len(body.encode()) > MAX_STATE_BYTES:
        raise ValidationError(f"this view is too big to save (over {MAX_STATE_BYTES:,} bytes)")
    with db.session(url) as s:
        while True:
            vid = secrets.token_urlsafe(ID_BYTES)
            if s.get(SavedView, vid) is None:
                break
        view = SavedView(id=vid, workspace_id=ws.id, name=" ".join(name.split())[:200],
                         state=json.loads(body), created_at=utcnow(), created_by=user)
        s.add(view)
        s.flush()
        return _info(view)


def load_view(view_id: str, allowed: list[WorkspaceInfo], url: str | None = None) -> ViewInfo:
    """The saved view ``view_id``, if it belongs to one of the ``allowed`` workspaces.

    Raises
    ------
    NotFoundError
        No such view in those workspaces (the same message whether it does not exist or belongs to
        another workspace).
    """
    ids = [w.id for w in allowed]
    with db.session(url) as s:
        view = s.scalar(select(SavedView).where(SavedView.id == str(view_id)[:32],
                                                SavedView.workspace_id.in_(ids)))
        if view is None:
            raise NotFoundError(f"There is no saved view {str(view_id)[:32]!r} in your workspace"
                                f"{'s' if len(ids) > 1 else ''}: the link may be mistyped, or the view "
                                "belongs to a workspace you are not a member of")
        return _info(view)


def list_views(ws: WorkspaceInfo, url: str | None = None) -> list[ViewInfo]:
    """The saved views of ``ws``, newest first."""
    with db.session(url) as s:
        return [_info(v) for v in s.scalars(select(SavedView).where(SavedView.workspace_id == ws.id)
                                            .order_by(SavedView.created_at.desc()))]


__all__ = ["ID_BYTES", "MAX_STATE_BYTES", "QUERY_PARAM", "VIEW_FIELDS", "ViewInfo", "list_views",
           "load_view", "save_view"]
