"""The tables (SQLAlchemy 2 declarative). Alembic's migrations create them; these map them.

Every register, row, event and saved view belongs to one workspace (directly or through its
register), and every query in :mod:`needsmap.store` filters on it.

- ``workspace``: a team's space (``slug`` unique; ``local`` when there is no sign-in).
- ``member``: who (an e-mail address from sign-in) may use a workspace.
- ``register``: a named organisation list of a workspace; ``version`` rises on every change
  (optimistic concurrency: a write names the version it read).
- ``register_row``: one organisation: its original columns (``original``, text as in the file),
  its placement, ``closed`` (a date), who added, edited and closed it and when, and its own
  ``version``.
- ``row_event``: the history: every addition, edit, closure, reopening and merge, with the fields
  before and after.
- ``saved_view``: a saved view (area, edition, page, measure, register, radius, rules) under a short id.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


def utcnow() -> dt.datetime:
    """Now, in UTC (timezone-aware): every "when" in the store."""
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """``DateTime(timezone=True)`` that always reads back timezone-aware UTC (SQLite stores no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC) if value is not None else None

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    """Declarative base of needsmap's tables."""

    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class Workspace(Base):
    __tablename__ = "workspace"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Member(Base):
    __tablename__ = "member"
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"),
                                              primary_key=True)
    email: Mapped[str] = mapped_column(String(320), primary_key=True)
    added_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Register(Base):
    __tablename__ = "register"
    __table_args__ = (UniqueConstraint("workspace_id", "name", name="uq_register_name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    columns: Mapped[list[Any]] = mapped_column(JSON, default=list)
    detected: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    source_file: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(320), default="")
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(320), default="")
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}


class RegisterRow(Base):
    __tablename__ = "register_row"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    register_id: Mapped[int] = mapped_column(ForeignKey("register.id", ondelete="CASCADE"), index=True)
    source_row: Mapped[int | None] = mapped_column(Integer, nullable=True)
    original: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    org_name: Mapped[str | None] = mapped_column(Text, nullable=True)
    org_postcode: Mapped[str | None] = mapped_column(String(16), nullable=True)
    org_category: Mapped[str | None] = mapped_column(Text, nullable=True)
    charity_number: Mapped[str | None] = mapped_column(String(40), nullable=True, index=True)
    company_number: Mapped[str | None] = mapped_column(String(40), nullable=True)
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    lsoa11_code: Mapped[str | None] = mapped_column(String(9), nullable=True)
    lsoa21_code: Mapped[str | None] = mapped_column(String(9), nullable=True)
    status: Mapped[str] = mapped_column(Text, default="")
    placed_by: Mapped[str | None] = mapped_column(Text, nullable=True)
    placement_level: Mapped[str | None] = mapped_column(String(40), nullable=True)
    confidence: Mapped[str | None] = mapped_column(String(40), nullable=True)
    area_code: Mapped[str | None] = mapped_column(String(9), nullable=True)
    area_name: Mapped[str | None] = mapped_column(Text, nullable=True)
    closed: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    added_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    added_by: Mapped[str] = mapped_column(String(320), default="")
    edited_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    edited_by: Mapped[str | None] = mapped_column(String(320), nullable=True)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    closed_by: Mapped[str | None] = mapped_column(String(320), nullable=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}


class RowEvent(Base):
    __tablename__ = "row_event"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    register_id: Mapped[int] = mapped_column(ForeignKey("register.id", ondelete="CASCADE"), index=True)
    row_id: Mapped[int | None] = mapped_column(ForeignKey("register_row.id", ondelete="CASCADE"),
                                               nullable=True, index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    by: Mapped[str] = mapped_column(String(320), default="")
    action: Mapped[str] = mapped_column(String(40))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class SavedView(Base):
    __tablename__ = "saved_view"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    state: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(320), default="")


__all__ = ["Base", "Member", "Register", "RegisterRow", "RowEvent", "SavedView", "Workspace", "utcnow"]
