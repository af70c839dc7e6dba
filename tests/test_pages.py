"""Every page runs headless through the real router (app.py) with no exception."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT, open_app

PAGES = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "app_pages").glob("*.py"))


def run_app(**query: str) -> AppTest:
    return open_app(timeout=180, **query)


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.demo
def test_page_runs(page: str) -> None:
    at = run_app()
    assert not at.exception, at.exception
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]


@pytest.mark.demo
def test_sidebar_defaults_to_birmingham_2025() -> None:
    at = run_app()
    assert at.session_state["nm_area"].name == "Birmingham"
    assert at.session_state["nm_edition"] == "2025"
    assert at.query_params["area"] in ("E08000025", ["E08000025"])


@pytest.mark.demo
def test_selection_comes_from_url_and_survives_page_change() -> None:
    at = run_app(area="E12000005", edition="2019")
    assert at.session_state["nm_area"].name == "West Midlands"
    assert at.session_state["nm_edition"] == "2019"
    at.switch_page("app_pages/sources.py").run()
    assert at.session_state["nm_area"].name == "West Midlands"
    assert at.session_state["nm_edition"] == "2019"


def test_changing_region_resets_local_authority() -> None:
    at = run_app()
    at.selectbox(key="nm_region").set_value("E12000007").run()  # London
    assert at.session_state["nm_area"].name == "London"


@pytest.mark.demo
def test_pages_folder_is_complete() -> None:
    router = (ROOT / "app.py").read_text()
    for p in PAGES:
        assert p in router, f"{p} is not in app.py's navigation"
    assert Path(ROOT / "app_pages").is_dir()
