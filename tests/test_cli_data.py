"""``needsmap data`` lists and checks the datasets; the app shows missing data as one message."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from needsmap.cli import main
from tests.conftest import ROOT

pytestmark = pytest.mark.demo


def test_data_check_real_folder(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["data", "check", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    status = {d["id"]: d["status"] for d in out["datasets"]}
    assert status["imd2019"] == "ok" and status["lsoa21_boundaries"] == "ok"


def test_data_check_empty_folder(broken_data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["data", "check"]) == 1
    captured = capsys.readouterr()
    assert "[missing] imd2019" in captured.out and "gov.uk" in captured.out
    assert "required dataset(s) missing" in captured.err


@pytest.mark.expect_page_error("is missing")
def test_app_with_no_data_shows_one_clear_message(broken_data_dir: Path) -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    assert not at.exception
    assert at.error and "is missing" in at.error[0].value and str(broken_data_dir) in at.error[0].value
    assert not at.title  # the page itself does not run


def test_streamlit_upload_limit_matches_config() -> None:
    import tomllib

    from needsmap.config import MAX_UPLOAD_MB

    cfg = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert cfg["server"]["maxUploadSize"] == MAX_UPLOAD_MB


@pytest.mark.expect_page_error("required file(s) are missing")
def test_data_sources_page_still_runs_with_no_data(broken_data_dir: Path) -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.switch_page("app_pages/sources.py").run()
    assert not at.exception
    assert "required file(s) are missing" in at.error[0].value  # all of them are counted …
    assert at.title[0].value == "Data sources"  # … and the page listing them runs
