"""End to end: publisher-format files built from the real data, served on 127.0.0.1, fetched with
``needsmap data fetch --mirror`` (and converted by hand with ``needsmap data prepare``), give back
files whose values equal ``../shared/data``'s, for every dataset the source registry covers."""

from __future__ import annotations

import importlib
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from needsmap.cli import main
from needsmap.data import manifest
from needsmap.data.catalog import CATALOG
from needsmap.data.sources import SOURCES
from tests.loopback import serve

pytestmark = pytest.mark.slow

_FIXTURE_MODULES = ("imd", "ons", "census", "nspl")


def _fixture_tables() -> tuple[dict[str, Callable[[Path, Path], Path]], dict[str, str]]:
    builders: dict[str, Callable[[Path, Path], Path]] = {}
    partial: dict[str, str] = {}
    for name in _FIXTURE_MODULES:
        module = importlib.import_module(f"tests.publisher_fixtures.{name}")
        builders.update(module.BUILDERS)
        partial.update(module.PARTIAL)
    return builders, partial


BUILDERS, PARTIAL = _fixture_tables()


@pytest.fixture(scope="module")
def publisher_files(tmp_path_factory: pytest.TempPathFactory, real_data_dir: Path) -> Path:
    """Every registry source as its publisher serves it, made from the real prepared data."""
    out = tmp_path_factory.mktemp("publisher")
    for source in SOURCES:
        path = BUILDERS[source.id](real_data_dir, out)
        assert path == out / source.file_name, source.id
    return out


def _read(path: Path, geo: bool) -> pd.DataFrame:
    if geo:
        return gpd.read_parquet(path)
    if path.suffix == ".parquet":
        return pd.read_parquet(path)
    return pd.read_csv(path, encoding="utf-8-sig", low_memory=False)


def _same(dataset_id: str, got_path: Path, want_path: Path) -> None:
    ds = CATALOG[dataset_id]
    geo = ds.kind == "geometry"
    got, want = _read(got_path, geo), _read(want_path, geo)
    # the publisher's file may carry optional columns the staged copy lacks (File 7's published
    # IDACI/IDAOPI rates): only those, and the rest must match
    extra = [c for c in got.columns if c not in want.columns]
    assert set(extra) <= set(ds.optional_columns), (dataset_id, extra)
    got = got.drop(columns=extra)
    assert list(got.columns) == list(want.columns), dataset_id
    if dataset_id in PARTIAL:
        key = PARTIAL[dataset_id]
        assert len(got) > 0
        want = want[want[key].isin(got[key])]
        assert len(want) == len(got), dataset_id
    keys = [ds.key] if ds.key else [c for c in got.columns if c != "geometry"]
    got = got.sort_values(keys).reset_index(drop=True)
    want = want.sort_values(keys).reset_index(drop=True)
    if geo:
        assert shapely.equals_exact(got.geometry.values, want.geometry.values, tolerance=1e-9).all()
        got, want = pd.DataFrame(got.drop(columns="geometry")), pd.DataFrame(want.drop(columns="geometry"))
    pd.testing.assert_frame_equal(got, want, check_dtype=False, check_exact=False, rtol=1e-9)


def test_every_source_has_a_publisher_fixture() -> None:
    assert sorted(BUILDERS) == sorted(s.id for s in SOURCES)


def _derived_into(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The map tilesets derived from the fetched data go under ``tmp_path``, not into the checkout's
    served folder (the postcode table goes to the cache, keyed on its sources like every cache)."""
    from needsmap.data import map_assets

    (tmp_path / "static").mkdir()
    monkeypatch.setattr(map_assets, "static_dir", lambda: tmp_path / "static")


@pytest.fixture()
def partial_fixtures_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fixtures that hold a sample of rows (to keep the suite fast) skip the whole-England check,
    for those datasets only; tests/test_damaged_data.py and tests/test_fetch.py hold that check."""
    from needsmap.data import _validate

    whole = _validate.check_complete

    def check(df: pd.DataFrame, ds: object, entry: object = None, *, where: str | None = None) -> None:
        if getattr(ds, "id", None) not in PARTIAL:
            whole(df, ds, entry, where=where)  # type: ignore[arg-type]

    monkeypatch.setattr(_validate, "check_complete", check)


@pytest.mark.usefixtures("partial_fixtures_allowed")
def test_fetch_from_a_local_server_rebuilds_the_data_folder(
        publisher_files: Path, tmp_path: Path, real_data_dir: Path,
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    _derived_into(tmp_path, monkeypatch)
    folder = tmp_path / "data"
    with serve(publisher_files) as url:
        code = main(["data", "fetch", "--mirror", url, "--to", str(folder)])
    err = capsys.readouterr().err
    assert code == 0, err
    assert f"Fetched {len(SOURCES)} of {len(SOURCES)} source(s)" in err
    # then the files derived once from the data: the map's tilesets and the postcode table
    assert re.search(r"Map assets in .*lsoa11 for IMD 2019: [\d,]+ LSOAs.*lsoa21 for IMD 2025: [\d,]+ LSOAs",
                     err), err
    assert "postcode table: " in err and "postcodes placed in LSOA 2011 and 2021" in err, err
    recorded = manifest.entries(folder)
    for source in SOURCES:
        for ds_id in source.datasets:
            ds = CATALOG[ds_id]
            target = folder / ds.file
            assert recorded[ds_id].sha256 == manifest.sha256_file(target)
            assert recorded[ds_id].source_url == f"{url}/{source.file_name}"
            if (real_data_dir / ds.file).exists():
                _same(ds_id, target, real_data_dir / ds.file)


@pytest.mark.usefixtures("partial_fixtures_allowed")
def test_prepare_converts_hand_downloads_and_lists_what_is_missing(
        publisher_files: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    _derived_into(tmp_path, monkeypatch)
    raw = tmp_path / "downloads"
    raw.mkdir()
    first = SOURCES[0]
    for source in SOURCES[1:]:
        shutil.copy(publisher_files / source.file_name, raw / source.file_name)
    (raw / "notes.txt").write_text("my notes")
    folder = tmp_path / "data"
    assert main(["data", "prepare", str(raw), "--to", str(folder)]) == 0
    err = capsys.readouterr().err
    assert "skipped notes.txt" in err
    missing = [d for d in first.datasets if not CATALOG[d].optional]
    for ds_id in missing:
        assert f"{ds_id}: {CATALOG[ds_id].file} — {first.url}" in err
    for source in SOURCES[1:]:
        for ds_id in source.datasets:
            assert (folder / CATALOG[ds_id].file).exists(), ds_id
