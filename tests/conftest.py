"""Shared fixtures: the real data directory and prepared tables, loaded once per session.

On a fresh clone (no ``../shared/data``, no ``NEEDSMAP_DATA_DIR``) needsmap runs on its embedded West
Midlands demo; then only tests marked ``demo`` run and the rest are skipped with one stated reason.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from needsmap import data
from needsmap.config import DEMO_ENV, PROJECT_ROOT, data_dir, is_demo

ROOT = PROJECT_ROOT
ARTIFACTS = ROOT / "tests" / "_artifacts"
#: why a test not marked ``demo`` is skipped when the data folder is the embedded demo
DEMO_SKIP_REASON = ("needs the full England data: put ../shared/data beside the checkout or run "
                    "`needsmap data fetch`")


def pytest_configure(config: pytest.Config) -> None:
    if not data_dir().exists():  # only when NEEDSMAP_DATA_DIR names a folder that is not there
        raise pytest.UsageError(
            f"The real data folder {data_dir()} is missing. Put ../shared beside the checkout or set "
            "NEEDSMAP_DATA_DIR (see README)."
        )


def pytest_report_header(config: pytest.Config) -> str:
    if is_demo():
        return (f"needsmap data: embedded West Midlands demo ({data_dir()}); tests not marked demo "
                "are skipped")
    return f"needsmap data: {data_dir()}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On the embedded demo, skip every test not marked ``demo`` (one reason for all)."""
    if not is_demo():
        return
    skip = pytest.mark.skip(reason=DEMO_SKIP_REASON)
    for item in items:
        if item.get_closest_marker("demo") is None:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def real_data_dir() -> Path:
    """The folder of real public data the tests run against."""
    return data_dir()


@pytest.fixture(scope="session")
def table19() -> pd.DataFrame:
    """LSOA table, IMD 2019 edition (LSOA 2011)."""
    return data.load_lsoa_table("2019")


@pytest.fixture(scope="session")
def table25() -> pd.DataFrame:
    """LSOA table, IMD 2025 edition (LSOA 2021)."""
    return data.load_lsoa_table("2025")


@pytest.fixture(scope="session")
def geo25() -> pd.DataFrame:
    """Geography lookup (2025 edition)."""
    return data.load_geography("2025")


@pytest.fixture()
def artifacts() -> Path:
    """Folder for screenshots and files a test leaves to look at (ignored by git)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture()
def broken_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty data directory and cache, selected through the environment."""
    monkeypatch.delenv(DEMO_ENV, raising=False)  # NEEDSMAP_DEMO=1 would win over the folder
    monkeypatch.setenv("NEEDSMAP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("NEEDSMAP_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "data").mkdir()
    return tmp_path / "data"


def in_ci() -> bool:
    """True when running under CI (browser tests must not be skipped there)."""
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def open_app(page: str | None = None, *, timeout: float = 240, **query: str) -> AppTest:
    """Run the real router (``app.py``) with ``query`` in the URL, then switch to ``page``.

    Asserts that neither run raised, and returns the AppTest for further interaction.
    """
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    if page is not None:
        at.switch_page(page).run()
        assert not at.exception, [e.value for e in at.exception]
    return at
