"""Database fixtures for the storage tests: each test on SQLite and on PostgreSQL, in a database of its own.

Registered for every test by ``pytest_plugins = ["tests.dbs"]`` in ``tests/conftest.py``.

- :func:`db_url` runs a test twice, ids ``sqlite`` and ``postgresql``: an SQLite file in the test's
  ``tmp_path``, and a new database on the PostgreSQL server named by ``$NEEDSMAP_TEST_DATABASE_URL``
  (created for the test, dropped after it, so tests and xdist workers never share state).
- :func:`postgres_url`: the PostgreSQL case alone, for tests that need a server (concurrent writers).

Both set ``$NEEDSMAP_DATABASE_URL`` to the URL for the test, so code that reads it gets the same
database. Without ``$NEEDSMAP_TEST_DATABASE_URL`` the PostgreSQL cases are skipped with
:data:`SKIP_REASON`, except under CI (``CI`` is ``true`` or ``1``), where they fail: ``.ci/run`` starts
a server (``tools/pg_cluster.sh``), so a missing one there is a broken set-up, not a skip.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from needsmap.store.db import DATABASE_URL_ENV, describe, dispose_all

#: environment variable naming the PostgreSQL server the tests may create databases on (any database
#: there that the user may connect to; the user needs CREATEDB)
TEST_URL_ENV = "NEEDSMAP_TEST_DATABASE_URL"
#: the one reason PostgreSQL cases are skipped
SKIP_REASON = ("PostgreSQL not available: set NEEDSMAP_TEST_DATABASE_URL (see docs/team-server.md; "
               ".ci/run starts one)")
#: why PostgreSQL cases fail under CI without a server
CI_MISSING = "NEEDSMAP_TEST_DATABASE_URL is not set: .ci/run starts PostgreSQL for the storage tests"
#: every per-test database's name starts with this (then 12 hex digits)
DB_PREFIX = "needsmap_t_"


def in_ci() -> bool:
    """True when ``$CI`` is ``true`` or ``1`` (what CI services set)."""
    return os.environ.get("CI", "").strip().lower() in {"true", "1"}


def server_url() -> str:
    """``$NEEDSMAP_TEST_DATABASE_URL``; skips the test without it (fails it under CI)."""
    url = os.environ.get(TEST_URL_ENV, "").strip()
    if not url:
        if in_ci():
            pytest.fail(CI_MISSING, pytrace=False)
        pytest.skip(SKIP_REASON)
    return url


@contextmanager
def fresh_database(base_url: str) -> Iterator[str]:
    """A new, empty PostgreSQL database beside ``base_url``'s, dropped when the block ends.

    Parameters
    ----------
    base_url
        SQLAlchemy URL of any database on the server (``postgresql+psycopg://user@host:port/db``);
        its user must be allowed to create databases.

    Yields
    ------
    str
        The same URL naming the new database ``needsmap_t_<12 hex digits>`` (password kept).

    Raises
    ------
    pytest.fail.Exception
        The server cannot be reached or refuses to create the database (the message names the URL
        without its password, and the server's reason).
    """
    base = make_url(base_url)
    name = f"{DB_PREFIX}{secrets.token_hex(6)}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        reason = ""
        try:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        except sa.exc.DBAPIError as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        if reason:  # failed outside the except block: one line, not a chained traceback
            pytest.fail(f"cannot create a test database on {describe(base_url)} ({TEST_URL_ENV}): "
                        f"{reason}", pytrace=False)
        try:
            yield base.set(database=name).render_as_string(hide_password=False)
        finally:
            dispose_all()  # needsmap's cached engines hold connections to the database
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"], ids=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path,
           monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """URL of an empty database of this test's own: SQLite (``sqlite``), then PostgreSQL (``postgresql``).

    Also set as ``$NEEDSMAP_DATABASE_URL`` for the test. The PostgreSQL case is skipped (failed
    under CI) without ``$NEEDSMAP_TEST_DATABASE_URL``.
    """
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'needsmap.sqlite'}"
        monkeypatch.setenv(DATABASE_URL_ENV, url)
        try:
            yield url
        finally:
            dispose_all()
        return
    with fresh_database(server_url()) as url:
        monkeypatch.setenv(DATABASE_URL_ENV, url)
        yield url


@pytest.fixture
def postgres_url(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """URL of an empty PostgreSQL database of this test's own, also set as ``$NEEDSMAP_DATABASE_URL``.

    Skipped (failed under CI) without ``$NEEDSMAP_TEST_DATABASE_URL``.
    """
    with fresh_database(server_url()) as url:
        monkeypatch.setenv(DATABASE_URL_ENV, url)
        yield url
