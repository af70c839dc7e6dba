"""``needsmap db``: where needsmap's database is, and bringing it to the newest schema.

Examples
--------
::

    needsmap db where
    NEEDSMAP_DATABASE_URL=postgresql+psycopg://team:secret@db/needsmap needsmap db upgrade

The database is ``$NEEDSMAP_DATABASE_URL`` (any SQLAlchemy URL), else an SQLite file in the data
folder. Passwords are never printed.
"""

from __future__ import annotations

import argparse
import sys


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``needsmap db {upgrade,where}``."""
    p = subparsers.add_parser(
        "db", help="where needsmap's database is; upgrade its schema",
        description=(
            "needsmap keeps registers, saved views and workspaces in a database: "
            "$NEEDSMAP_DATABASE_URL (e.g. postgresql+psycopg://user:password@host/needsmap), else "
            "an SQLite file in the data folder. Every process upgrades it when it first connects; "
            "`needsmap db upgrade` does so now and reports."),
    )
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    a = actions.add_parser("upgrade", help="bring the database to the newest schema and report",
                           description="Bring the database to the newest schema (Alembic), then print "
                                       "the database (password hidden), the revision in place and "
                                       "its tables.")
    a.set_defaults(func=run_upgrade)
    a = actions.add_parser("where", help="print the database's URL (password hidden)",
                           description="Print the database's URL, password hidden. Connects to nothing.")
    a.set_defaults(func=run_where)


def run_upgrade(args: argparse.Namespace) -> int:
    """Upgrade, then print the database, the revision and the tables."""
    from needsmap.store import db

    url = db.database_url()
    revision = db.upgrade(url)
    sys.stdout.write(f"database: {db.describe(url)}\nrevision: {revision}\n"
                     f"tables: {', '.join(db.tables(url))}\n")
    return 0


def run_where(args: argparse.Namespace) -> int:
    """Print the database's URL, password hidden."""
    from needsmap.store import db

    sys.stdout.write(db.describe(db.database_url()) + "\n")
    return 0
