"""Registers, their rows and history, saved views, workspaces and members.

Revision ID: 0001
Revises:
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_WHEN = sa.DateTime(timezone=True)
_WHO = sa.String(320)


def upgrade() -> None:
    op.create_table(
        "workspace",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("slug", sa.String(80), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_at", _WHEN, nullable=False),
    )
    op.create_table(
        "member",
        sa.Column("workspace_id", sa.Integer, sa.ForeignKey("workspace.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("email", _WHO, primary_key=True),
        sa.Column("added_at", _WHEN, nullable=False),
    )
    op.create_table(
        "register",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("workspace_id", sa.Integer, sa.ForeignKey("workspace.id", ondelete="CASCADE"),
                  nullable=False, index=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("columns", sa.JSON, nullable=False),
        sa.Column("detected", sa.JSON, nullable=False),
        sa.Column("source_file", sa.String(500), nullable=False),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.Column("created_by", _WHO, nullable=False),
        sa.Column("updated_at", _WHEN, nullable=False),
        sa.Column("updated_by", _WHO, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.UniqueConstraint("workspace_id", "name", name="uq_register_name"),
    )
    op.create_table(
        "register_row",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("register_id", sa.Integer, sa.ForeignKey("register.id", ondelete="CASCADE"),
                  nullable=False, index=True),
        sa.Column("source_row", sa.Integer),
        sa.Column("original", sa.JSON, nullable=False),
        sa.Column("org_name", sa.Text),
        sa.Column("org_postcode", sa.String(16)),
        sa.Column("org_category", sa.Text),
        sa.Column("charity_number", sa.String(40), index=True),
        sa.Column("company_number", sa.String(40)),
        sa.Column("lat", sa.Float),
        sa.Column("lon", sa.Float),
        sa.Column("lsoa11_code", sa.String(9)),
        sa.Column("lsoa21_code", sa.String(9)),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("placed_by", sa.Text),
        sa.Column("placement_level", sa.String(40)),
        sa.Column("confidence", sa.String(40)),
        sa.Column("area_code", sa.String(9)),
        sa.Column("area_name", sa.Text),
        sa.Column("closed", sa.Date),
        sa.Column("added_at", _WHEN, nullable=False),
        sa.Column("added_by", _WHO, nullable=False),
        sa.Column("edited_at", _WHEN),
        sa.Column("edited_by", _WHO),
        sa.Column("closed_at", _WHEN),
        sa.Column("closed_by", _WHO),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_table(
        "row_event",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("register_id", sa.Integer, sa.ForeignKey("register.id", ondelete="CASCADE"),
                  nullable=False, index=True),
        sa.Column("row_id", sa.Integer, sa.ForeignKey("register_row.id", ondelete="CASCADE"),
                  index=True),
        sa.Column("at", _WHEN, nullable=False),
        sa.Column("by", _WHO, nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("detail", sa.JSON, nullable=False),
    )
    op.create_table(
        "saved_view",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("workspace_id", sa.Integer, sa.ForeignKey("workspace.id", ondelete="CASCADE"),
                  nullable=False, index=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("state", sa.JSON, nullable=False),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.Column("created_by", _WHO, nullable=False),
    )


def downgrade() -> None:
    for table in ("saved_view", "row_event", "register_row", "register", "member", "workspace"):
        op.drop_table(table)
