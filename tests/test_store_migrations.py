"""The database schema (needsmap.store.db and its Alembic migrations), on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.pool import NullPool

from needsmap.errors import NeedsmapError
from needsmap.store import db, workspaces
from needsmap.store.models import Base

TABLES = {"workspace", "member", "register", "register_row", "row_event", "saved_view"}


def _head() -> str:
    cfg = Config()
    cfg.set_main_option("script_location", str(db.MIGRATIONS))
    heads = ScriptDirectory.from_config(cfg).get_heads()
    assert len(heads) == 1, f"the migrations have {len(heads)} heads: {heads}"
    return heads[0]


@pytest.fixture
def outside(db_url: str) -> Iterator[sa.Engine]:
    """An engine of the test's own on the same database, not needsmap's (to look at it)."""
    eng = sa.create_engine(db_url, poolclass=NullPool)
    try:
        yield eng
    finally:
        eng.dispose()


def test_first_connection_creates_the_schema(db_url: str, outside: sa.Engine) -> None:
    assert sa.inspect(outside).get_table_names() == []
    db.engine(db_url)
    assert set(sa.inspect(outside).get_table_names()) == TABLES | {"alembic_version"}
    with outside.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() == _head()
    assert db.tables(db_url) == sorted(TABLES | {"alembic_version"})


def test_the_migrations_make_what_the_models_map(db_url: str, outside: sa.Engine) -> None:
    """Alembic's autogenerate finds nothing to add, drop or alter between the migrated database and
    the models (a model changed without a migration fails here)."""
    db.engine(db_url)
    with outside.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert diff == []


def test_upgrade_is_idempotent_and_keeps_data(db_url: str, outside: sa.Engine) -> None:
    assert db.upgrade(db_url) == _head()
    team = workspaces.create_workspace("team-a", members=["alice@example.org"], url=db_url)
    assert db.upgrade(db_url) == _head()
    db.dispose_all()  # a new process: its first connection runs the upgrade again
    assert db.upgrade(db_url) == _head()
    assert workspaces.get_workspace("team-a", url=db_url) == team
    assert workspaces.members(team, url=db_url) == ["alice@example.org"]
    with outside.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM alembic_version").scalar_one() == 1


def test_the_default_url_is_sqlite_in_the_data_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(db.DATABASE_URL_ENV, raising=False)
    monkeypatch.setenv("NEEDSMAP_DATA_DIR", str(tmp_path / "data"))
    from needsmap.config import fetch_dir

    assert db.database_url() == f"sqlite:///{fetch_dir() / db.SQLITE_FILE}"
    monkeypatch.setenv(db.DATABASE_URL_ENV, "  postgresql+psycopg://team@db/needsmap ")
    assert db.database_url() == "postgresql+psycopg://team@db/needsmap"


def test_the_database_url_env_is_used(db_url: str) -> None:
    """The fixture sets NEEDSMAP_DATABASE_URL: functions given no URL use that database."""
    ws = workspaces.create_workspace("team-env")
    assert workspaces.get_workspace("team-env", url=db_url) == ws


@pytest.mark.parametrize("url", [
    "not a url",
    "nosuchdialect://u:SECRETPW@host/x",
    "postgresql+psycopg://u:SECRETPW@127.0.0.1:1/x",  # nothing listens on port 1
    "postgresql+psycopg://u:SECRETPW@host:notaport/x",
], ids=["not-a-url", "unknown-dialect", "unreachable", "bad-port"])
def test_a_bad_url_is_one_clear_message_without_the_password(url: str) -> None:
    with pytest.raises(db.DatabaseError) as err:
        db.engine(url)
    assert isinstance(err.value, NeedsmapError)
    text = str(err.value)
    assert "SECRETPW" not in text
    assert db.DATABASE_URL_ENV in text or "***" in text
    if "SECRETPW" in url and "notaport" not in url:
        assert "u:***@" in text
    assert url not in db._ENGINES


def test_an_unwritable_sqlite_folder_is_one_clear_message(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    with pytest.raises(db.DatabaseError, match="cannot create the folder"):
        db.engine(f"sqlite:///{blocker / 'sub' / 'needsmap.sqlite'}")


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'n.sqlite'}"
    try:
        with db.engine(url).connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar_one() == 15000
    finally:
        db.dispose_all()
