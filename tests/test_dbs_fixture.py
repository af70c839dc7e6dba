"""The storage tests' database fixtures (tests/dbs.py): a working, empty database of each test's own.

``db_url`` and ``postgres_url`` come from the plugin ``tests.dbs`` (``pytest_plugins`` in conftest.py).
"""

from __future__ import annotations

import os
import re

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from tests.dbs import (
    CI_MISSING,
    DB_PREFIX,
    SKIP_REASON,
    TEST_URL_ENV,
    fresh_database,
    server_url,
)

OWN_DB = re.compile(rf"{DB_PREFIX}[0-9a-f]{{12}}")


def _scalar(url: str, sql: str) -> object:
    eng = sa.create_engine(url, poolclass=NullPool)
    try:
        with eng.connect() as conn:
            return conn.exec_driver_sql(sql).scalar_one()
    finally:
        eng.dispose()


def _execute(url: str, sql: str) -> None:
    eng = sa.create_engine(url, poolclass=NullPool)
    try:
        with eng.begin() as conn:
            conn.exec_driver_sql(sql)
    finally:
        eng.dispose()


def test_db_url_answers_and_is_the_apps_database(db_url: str) -> None:
    assert _scalar(db_url, "SELECT 1") == 1
    assert os.environ["NEEDSMAP_DATABASE_URL"] == db_url


def test_db_url_is_empty(db_url: str) -> None:
    eng = sa.create_engine(db_url, poolclass=NullPool)
    try:
        assert sa.inspect(eng).get_table_names() == []
    finally:
        eng.dispose()


def test_postgres_url_is_postgresql_in_a_database_of_its_own(postgres_url: str) -> None:
    assert str(_scalar(postgres_url, "SELECT version()")).startswith("PostgreSQL")
    current = str(_scalar(postgres_url, "SELECT current_database()"))
    assert OWN_DB.fullmatch(current), current
    assert current != make_url(server_url()).database
    assert os.environ["NEEDSMAP_DATABASE_URL"] == postgres_url


def test_consecutive_uses_get_different_databases_and_drop_them() -> None:
    base = server_url()
    with fresh_database(base) as first:
        _execute(first, "CREATE TABLE marker (x int)")
    with fresh_database(base) as second:
        assert _scalar(second, "SELECT count(*) FROM pg_tables WHERE tablename = 'marker'") == 0
    names = {make_url(first).database, make_url(second).database}
    assert len(names) == 2
    left = _scalar(base, "SELECT count(*) FROM pg_database WHERE datname IN "
                         f"('{make_url(first).database}', '{make_url(second).database}')")
    assert left == 0


def test_without_a_server_postgresql_cases_skip_with_one_reason(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(TEST_URL_ENV, raising=False)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception) as info:
        server_url()
    assert str(info.value) == SKIP_REASON


@pytest.mark.parametrize("ci", ["true", "1"])
def test_without_a_server_postgresql_cases_fail_in_ci(monkeypatch: pytest.MonkeyPatch,
                                                      ci: str) -> None:
    monkeypatch.delenv(TEST_URL_ENV, raising=False)
    monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.fail.Exception) as info:
        server_url()
    assert str(info.value) == CI_MISSING
