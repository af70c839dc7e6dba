"""A damaged file is never used quietly: cut, truncated or renamed files are one clear message
naming the file, and a damaged optional layer is hidden with one note."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from needsmap import data
from needsmap.cli import main
from needsmap.config import MANIFEST_NAME
from needsmap.data import manifest
from needsmap.errors import ValidationError
from tests.conftest import open_app


@pytest.fixture()
def data_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
              real_data_dir: Path) -> Callable[[str], Path]:
    """A data folder of links to the real files, with its own cache; returns ``own(rel)``, which
    replaces the link at ``rel`` by a real copy the test may damage and returns its path.

    A manifest, if the real folder has one, is left out: these tests hold the checks that work
    without one (a manifest would refuse any changed file first, by its SHA-256)."""
    folder = tmp_path / "data"
    for src in real_data_dir.rglob("*"):
        if src.is_file() and src.name != MANIFEST_NAME:
            dest = folder / src.relative_to(real_data_dir)
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.symlink(src, dest)
    monkeypatch.setenv("NEEDSMAP_DATA_DIR", str(folder))
    monkeypatch.setenv("NEEDSMAP_CACHE_DIR", str(tmp_path / "cache"))

    def own(rel: str) -> Path:
        path = folder / rel
        content = path.read_bytes()
        path.unlink()
        path.write_bytes(content)
        return path

    return own


def _cut_lines(path: Path, keep: float = 0.5) -> None:
    lines = path.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    path.write_text("".join(lines[: int(len(lines) * keep)]), encoding="utf-8")


def test_imd_cut_in_half_is_an_error_naming_the_file(data_copy: Callable[[str], Path],
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    path = data_copy("imd/imd2025_lsoa21.csv")
    _cut_lines(path)
    with pytest.raises(ValidationError, match="distinct English lsoa21_code values where England "
                                              "has 33,755") as err:
        data.load_lsoa_table("2025")
    assert str(path) in str(err.value)
    assert main(["data", "check", "--format", "json"]) == 1
    status = {d["id"]: d["status"] for d in json.loads(capsys.readouterr().out)["datasets"]}
    assert status["imd2025"].startswith("Problem with dataset 'imd2025'")
    assert status["imd2019"] == "ok"


@pytest.mark.expect_page_error("imd2025_lsoa21.csv")
def test_the_app_says_so_instead_of_showing_a_smaller_england(
        data_copy: Callable[[str], Path]) -> None:
    _cut_lines(data_copy("imd/imd2025_lsoa21.csv"))
    at = open_app(area="E92000001", edition="2025")
    assert [e.value for e in at.error if "imd2025_lsoa21.csv" in e.value and "33,755" in e.value]
    assert not [m for m in at.markdown if "England's 10% most deprived" in m.value]


def test_census_cut_in_half_is_refused(data_copy: Callable[[str], Path]) -> None:
    path = data_copy("population/census2021_ethnicity_lsoa21.csv")
    _cut_lines(path)
    with pytest.raises(ValidationError) as err:
        data.load_geography("2025")
    assert str(path) in str(err.value) and "cut short" in str(err.value)


def test_lookup_cut_mid_line_names_the_file(data_copy: Callable[[str], Path]) -> None:
    path = data_copy("geography/lsoa11_lsoa21_ltla22_lookup.csv")
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) // 2 + 7])  # stops inside a line
    with pytest.raises(ValidationError) as err:
        data.read_table("lsoa11_lsoa21_lookup")
    assert str(path) in str(err.value)


@pytest.mark.expect_page_error("missing column(s) ward24_name")
def test_lookup_with_a_wrong_column_leaves_the_data_sources_page_running(
        data_copy: Callable[[str], Path]) -> None:
    path = data_copy("geography/lsoa21_ward24_ltla24_lookup.csv")
    frame = pd.read_csv(path).rename(columns={"ward24_name": "WD24NM"})
    frame.to_csv(path, index=False)
    at = open_app()
    assert any("missing column(s) ward24_name" in e.value and str(path) in e.value for e in at.error)
    at.switch_page("app_pages/sources.py").run()
    assert not at.exception
    assert at.title[0].value == "Data sources"


def test_a_damaged_optional_layer_is_hidden_with_one_note(data_copy: Callable[[str], Path]) -> None:
    path = data_copy("community_needs/cni2023_lsoa21.csv")
    frame = pd.read_csv(path).rename(columns={"Civic Assets Domain Score": "Civic Assets Score"})
    frame.to_csv(path, index=False)
    table = data.load_lsoa_table("2025")
    assert "cni2023" in table.attrs[data.DAMAGED_LAYERS]
    assert not [c for c in table.columns if c.startswith("cni")]
    assert table["imd_rank"].notna().sum() == 33_755
    at = open_app()
    assert not at.error
    notes = [w.value for w in at.sidebar.warning]
    assert len(notes) == 1 and "cni2023" in notes[0] and "Civic Assets Domain Score" in notes[0]


def test_a_file_changed_since_the_manifest_is_refused(data_copy: Callable[[str], Path]) -> None:
    path = data_copy("geography/ltla24_region24_lookup.csv")
    folder = path.parents[1]
    manifest.record(folder, [manifest.Entry(
        dataset="ltla24_region24_lookup", file="geography/ltla24_region24_lookup.csv",
        sha256=manifest.sha256_file(path), rows=296)])
    assert (folder / MANIFEST_NAME).exists()
    assert len(data.read_table("ltla24_region24_lookup")) == 296
    path.write_text(path.read_text().replace("West Midlands", "West Midland"))
    with pytest.raises(ValidationError, match="has changed since it was written"):
        data.read_table("ltla24_region24_lookup")
