"""Shared fixtures: the real data directory and prepared tables, loaded once per session.

On a fresh clone (no ``../shared/data``, no ``NEEDSMAP_DATA_DIR``) needsmap runs on its embedded West
Midlands demo; then only tests marked ``demo`` run and the rest are skipped with one stated reason.
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1 import app_test as _app_test

from needsmap import data
from needsmap.config import DEMO_ENV, PROJECT_ROOT, data_dir, is_demo

#: storage fixtures (``db_url`` on SQLite and PostgreSQL, ``postgres_url``)
pytest_plugins = ["tests.dbs"]

ROOT = PROJECT_ROOT
ARTIFACTS = ROOT / "tests" / "_artifacts"
#: why a test not marked ``demo`` is skipped when the data folder is the embedded demo
DEMO_SKIP_REASON = ("needs the full England data: put ../shared/data beside the checkout or run "
                    "`needsmap data fetch`")


def pytest_configure(config: pytest.Config) -> None:
    # registers and saved views: each test process (and the servers it starts) keeps its own
    # database, never the user's own one in the data folder
    if not os.environ.get("NEEDSMAP_DATABASE_URL"):
        import tempfile

        folder = tempfile.mkdtemp(prefix="needsmap-test-db-")
        os.environ["NEEDSMAP_DATABASE_URL"] = f"sqlite:///{folder}/needsmap.sqlite"
    config.addinivalue_line(
        "markers", "expect_page_error(*texts): the page may show an error box (st.error, an exception, or "
        "in the browser a page or console error) containing one of ``texts``; any other fails the test")
    _install_apptest_harness()
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


# ----------------------------------------------------------------------------- page harness
#: the test being set up or run (its ``expect_page_error`` marks say which error boxes are expected)
_CURRENT: list[pytest.Item] = []


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    _CURRENT[:] = [item]


def expected_page_errors(item: pytest.Item | None = None) -> tuple[str, ...]:
    """The texts the ``expect_page_error`` marks of ``item`` (default: the running test) allow."""
    item = item if item is not None else (_CURRENT[0] if _CURRENT else None)
    if item is None:
        return ()
    return tuple(str(t) for m in item.iter_markers("expect_page_error") for t in m.args)


def unexpected(messages: Iterable[str], expected: Sequence[str]) -> list[str]:
    """The ``messages`` that contain none of the ``expected`` texts."""
    return [m for m in messages if not any(e in m for e in expected)]


def assert_page_ok(at: AppTest, expected: Sequence[str] = ()) -> None:
    """Fail if the last run of ``at`` raised or showed an ``st.error`` box, unless its text contains
    one of ``expected`` (``guard()`` turns every project error into such a box, so a page that failed
    cleanly still shows one)."""
    errors = [str(e.value) for e in at.error]
    exceptions = [f"{e.value}" for e in at.exception]
    bad = unexpected(errors, expected) + unexpected(exceptions, expected)
    assert not bad, f"the page shows an unexpected error: {bad}"


class _RecordingMediaFileManager(MediaFileManager):
    """AppTest's media file manager, remembered so a test can read a download button's bytes."""

    last: MediaFileManager | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _RecordingMediaFileManager.last = self


#: each AppTest's media files of its last run (dropped with the AppTest)
_MEDIA: weakref.WeakKeyDictionary[AppTest, MediaFileManager] = weakref.WeakKeyDictionary()


def _install_apptest_harness() -> None:
    """Check every AppTest run (``at.run()``, a widget's ``.run()``, ``switch_page``) with
    :func:`assert_page_ok` against the running test's ``expect_page_error`` marks, and keep each run's
    media files for :func:`download_bytes`."""
    if getattr(AppTest._run, "_needsmap_checked", False):
        return
    original = AppTest._run
    _app_test.MediaFileManager = _RecordingMediaFileManager  # type: ignore[misc]

    def checked_run(self: AppTest, *args: Any, **kwargs: Any) -> AppTest:
        _RecordingMediaFileManager.last = None
        result = original(self, *args, **kwargs)
        if _RecordingMediaFileManager.last is not None:
            _MEDIA[self], _RecordingMediaFileManager.last = _RecordingMediaFileManager.last, None
        assert_page_ok(self, expected_page_errors())
        return result

    checked_run._needsmap_checked = True  # type: ignore[attr-defined]
    AppTest._run = checked_run  # type: ignore[method-assign]


#: text typed into selectboxes that accept new options (widget id -> text), for their next run
_TYPED: dict[str, str] = {}


def _install_typed_selectbox() -> None:
    """Let AppTest send typed text as a selectbox's value, as the browser does for a selectbox made
    with ``accept_new_options=True`` (AppTest itself can only choose one of the options)."""
    from streamlit.proto.WidgetStates_pb2 import WidgetState
    from streamlit.testing.v1.element_tree import Selectbox

    if getattr(Selectbox, "_needsmap_typed", False):
        return
    original: property = Selectbox.__dict__["_widget_state"]

    def widget_state(self: Selectbox[Any]) -> WidgetState:
        text = _TYPED.pop(self.id, None)
        if text is None:
            got: WidgetState = original.__get__(self)
            return got
        state = WidgetState()
        state.id = self.id
        state.string_value = text
        return state

    Selectbox._widget_state = property(widget_state)  # type: ignore[method-assign,assignment]
    Selectbox._needsmap_typed = True  # type: ignore[attr-defined]


def type_into(box: Any, text: str) -> Any:
    """Type ``text`` into a selectbox made with ``accept_new_options=True`` and press Enter.

    Returns the widget: call ``.run()`` on it.
    """
    _install_typed_selectbox()
    _TYPED[box.id] = text
    box._value = text
    return box


def download_bytes(at: AppTest, label: str) -> bytes:
    """The bytes the download button labelled ``label`` (exactly, or the one label starting with it)
    serves after the last run, as the browser would get them (a deferred button's callable is run)."""
    buttons = [b for b in at.get("download_button") if b.proto.label == label] or [
        b for b in at.get("download_button") if b.proto.label.startswith(label)]
    labels = [b.proto.label for b in at.get("download_button")]
    assert len(buttons) == 1, f"no single download button {label!r} among {labels}"
    proto = buttons[0].proto
    manager = _MEDIA[at]
    url = manager.execute_deferred(proto.deferred_file_id) if proto.HasField("deferred_file_id") else proto.url
    return bytes(manager._storage.get_file(url.rsplit("/", 1)[-1]).content)  # type: ignore[attr-defined]


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

    Every run is checked by the harness (no exception, no unexpected ``st.error`` box); returns the
    AppTest for further interaction.
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
