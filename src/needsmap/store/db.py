"""The database: its URL, one engine per URL, sessions, and Alembic migrations.

``NEEDSMAP_DATABASE_URL`` names the database (any SQLAlchemy URL; needsmap is tested on SQLite and
PostgreSQL through psycopg 3). Without it, needsmap keeps an SQLite file, ``needsmap.sqlite``, in the
user's data folder (:func:`needsmap.config.fetch_dir`: ``$NEEDSMAP_DATA_DIR`` or the per-user folder).
The first connection of a process upgrades the schema to the newest migration (Alembic's ``upgrade
head``), so neither needs any set-up; ``needsmap db upgrade`` does the same explicitly.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from needsmap.config import fetch_dir
from needsmap.errors import NeedsmapError

#: environment variable naming the database
DATABASE_URL_ENV = "NEEDSMAP_DATABASE_URL"
#: the SQLite file's name in the data folder
SQLITE_FILE = "needsmap.sqlite"
#: Alembic's scripts (env.py and versions/), shipped inside the package
MIGRATIONS = Path(__file__).resolve().parent / "migrations"

_LOCK = threading.Lock()
_ENGINES: dict[str, Engine] = {}


class DatabaseError(NeedsmapError):
    """The database cannot be reached, opened or upgraded: the message names it and the fix."""


def database_url() -> str:
    """The database's SQLAlchemy URL: ``$NEEDSMAP_DATABASE_URL``, else SQLite in the data folder."""
    env = os.environ.get(DATABASE_URL_ENV, "").strip()
    if env:
        return env
    return f"sqlite:///{fetch_dir() / SQLITE_FILE}"


def describe(url: str) -> str:
    """``url`` for messages, with any password hidden (``postgresql+psycopg://team:***@db/needsmap``)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return "(not a database URL)"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """SQLite: write-ahead log, foreign keys, a 15 s busy wait; transactions begun by SQLAlchemy
    (:func:`_sqlite_begin`), not by the driver."""
    dbapi_connection.isolation_level = None
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=15000")
    cur.close()


def _sqlite_begin(conn: Any) -> None:
    """SQLite: every transaction takes the write lock when it begins (``BEGIN IMMEDIATE``), so two
    writers queue (up to the busy wait) instead of one failing when it first writes: SQLite's
    equivalent of PostgreSQL's row locks for the version checks (transactions here are short)."""
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def _alembic_config(url: str) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str | None = None) -> str:
    """Bring the database at ``url`` (default :func:`database_url`) to the newest schema.

    Returns
    -------
    The revision now in place (e.g. ``"0001"``).

    Raises
    ------
    DatabaseError
        The database cannot be reached or upgraded (the message names it, without the password).
    """
    eng = engine(url)
    with eng.connect() as conn:
        from alembic.runtime.migration import MigrationContext

        return str(MigrationContext.configure(conn).get_current_revision())


def _migrate(eng: Engine, url: str) -> None:
    from alembic import command

    cfg = _alembic_config(url)
    with eng.begin() as conn:
        if eng.dialect.name == "postgresql":  # two servers starting at once upgrade one at a time
            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(7461730)")
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def engine(url: str | None = None) -> Engine:
    """The engine for ``url`` (default :func:`database_url`), made once per process and migrated.

    Raises
    ------
    DatabaseError
        The URL is malformed, the SQLite folder cannot be written, or the server refuses.
    """
    url = url or database_url()
    with _LOCK:
        eng = _ENGINES.get(url)
        if eng is not None:
            return eng
        try:
            parsed = make_url(url)
        except (ArgumentError, ValueError) as exc:  # ValueError: a port that is not a number
            raise DatabaseError(f"{DATABASE_URL_ENV} is not a database URL ({exc}); give e.g. "
                                "postgresql+psycopg://user:password@host/needsmap, or unset it to "
                                "use SQLite in the data folder") from None
        kwargs: dict[str, Any] = {"future": True}
        if parsed.get_backend_name() == "sqlite":
            db = parsed.database or ""
            if db and db != ":memory:":
                folder = Path(db).expanduser().resolve().parent
                try:
                    folder.mkdir(parents=True, exist_ok=True)
                except OSError as exc:
                    raise DatabaseError(f"cannot create the folder for needsmap's database {db}: "
                                        f"{exc.strerror}. Set {DATABASE_URL_ENV} to a writable "
                                        "place (sqlite:////path/needsmap.sqlite)") from None
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 15}
        else:
            kwargs["pool_pre_ping"] = True
        try:
            eng = create_engine(url, **kwargs)
        except (ArgumentError, ImportError) as exc:
            raise DatabaseError(f"cannot use the database {describe(url)}: {exc}") from None
        if eng.dialect.name == "sqlite":
            event.listen(eng, "connect", _sqlite_pragmas)
            event.listen(eng, "begin", _sqlite_begin)
        try:
            _migrate(eng, url)
        except OperationalError as exc:
            eng.dispose()
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            raise DatabaseError(f"cannot open needsmap's database {describe(url)}: {reason}. Check "
                                f"{DATABASE_URL_ENV} and that the server is running") from None
        except SQLAlchemyError as exc:
            eng.dispose()
            raise DatabaseError(f"cannot upgrade needsmap's database {describe(url)}: {exc}") from None
        _ENGINES[url] = eng
        return eng


def dispose_all() -> None:
    """Close every engine's connections (tests drop their databases afterwards)."""
    with _LOCK:
        for eng in _ENGINES.values():
            eng.dispose()
        _ENGINES.clear()


@contextmanager
def session(url: str | None = None) -> Iterator[Session]:
    """A session on ``url`` (default :func:`database_url`): committed when the block ends, rolled back
    on an exception.

    Raises
    ------
    DatabaseError
        As :func:`engine`.
    """
    maker = sessionmaker(engine(url), expire_on_commit=False)
    with maker() as s, s.begin():
        yield s


def tables(url: str | None = None) -> list[str]:
    """The tables in the database (for checks and ``needsmap db upgrade``'s report)."""
    return sorted(inspect(engine(url)).get_table_names())


__all__ = ["DATABASE_URL_ENV", "DatabaseError", "database_url", "describe", "dispose_all", "engine",
           "session", "tables", "upgrade"]
