"""``needsmap data fetch``: downloads through a local server, every failure one clear message,
and the data folder never changed by a failed run."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from needsmap.cli import main
from needsmap.data import fetch as fx
from needsmap.data import manifest
from needsmap.data.sources import Source
from needsmap.errors import ValidationError
from tests.loopback import serve

REAL = "geography/ltla24_region24_lookup.csv"


def _read(path: Path) -> dict[str, pd.DataFrame]:
    frame = pd.read_csv(path, encoding="utf-8-sig")
    if "region24_code" not in frame.columns:
        raise ValidationError(f"{path.name}: no region24_code column")
    return {"ltla24_region24_lookup": frame}


def _source(**kw: object) -> Source:
    base = dict(id="regions_test", title="Local authority to region lookup (test copy)",
                publisher="ONS", url="http://127.0.0.1:9/never-used.csv",
                file_name="LAD24_RGN24_EN_LU.csv", format="csv",
                datasets=("ltla24_region24_lookup",), convert=_read)
    base.update(kw)
    return Source(**base)  # type: ignore[arg-type]


@pytest.fixture()
def mirror(tmp_path: Path, real_data_dir: Path) -> Path:
    """A folder holding the real lookup under the source's file name."""
    folder = tmp_path / "mirror"
    folder.mkdir()
    shutil.copyfile(real_data_dir / REAL, folder / "LAD24_RGN24_EN_LU.csv")
    (folder / "broken.csv").write_text("a,b\n1,2\n")
    return folder


@pytest.fixture()
def good_folder(tmp_path: Path, mirror: Path) -> Path:
    """A data folder already holding a good copy, fetched once."""
    folder = tmp_path / "data"
    [out] = fx.fetch(folder, mirror=str(mirror), sources=[_source()])
    assert out.ok, out.message
    return folder


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_fetch_over_http_writes_the_file_and_the_manifest(tmp_path: Path, mirror: Path,
                                                           real_data_dir: Path) -> None:
    folder = tmp_path / "data"
    with serve(mirror) as url:
        [out] = fx.fetch(folder, mirror=url, sources=[_source()])
    assert out.ok, out.message
    written = pd.read_csv(folder / REAL)
    pd.testing.assert_frame_equal(written, pd.read_csv(real_data_dir / REAL))
    entry = manifest.entry_for(folder, "ltla24_region24_lookup")
    assert entry is not None
    assert entry.sha256 == manifest.sha256_file(folder / REAL)
    assert entry.source_sha256 == manifest.sha256_file(mirror / "LAD24_RGN24_EN_LU.csv")
    assert entry.source_url == f"{url}/LAD24_RGN24_EN_LU.csv" and entry.rows == len(written)
    assert not (folder / fx.DOWNLOADS).exists()  # the publisher's file is not kept by default


@pytest.mark.parametrize(("where", "source_kw", "expected"), [
    ("cut", {}, "was cut off"),
    ("html", {}, "sent a web page"),
    ("nowhere", {}, "HTTP 404"),
    ("", {"sha256": "0" * 64}, "SHA-256 differs"),
    ("", {"file_name": "broken.csv"}, "broken.csv: no region24_code column"),
])
def test_a_failed_download_is_one_message_and_changes_nothing(
        good_folder: Path, mirror: Path, where: str, source_kw: dict, expected: str) -> None:
    before = _snapshot(good_folder)
    with serve(mirror) as url:
        base = f"{url}/{where}" if where else url
        [out] = fx.fetch(good_folder, mirror=base, sources=[_source(**source_kw)])
    assert not out.ok
    assert expected in out.message
    assert "\n" not in out.message and "Traceback" not in out.message
    assert _snapshot(good_folder) == before


@pytest.mark.demo
def test_no_network_is_one_line_naming_the_host_and_the_way_by_hand(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(fx.OfflineError) as err:
        fx.fetch(tmp_path / "data", sources=[_source(url="http://127.0.0.1:9/LAD24.csv")] * 3)
    message = str(err.value)
    assert "could not reach 127.0.0.1:9" in message
    assert "by hand" in message and "needsmap data prepare" in message
    # the command line: one line on stderr, exit 2, whatever the registry holds
    monkeypatch.setattr(fx, "select_sources",
                        lambda *a, **k: [_source(url="http://127.0.0.1:9/LAD24.csv")] * 3)
    assert main(["data", "fetch", "--to", str(tmp_path / "data")]) == 2
    lines = [ln for ln in capsys.readouterr().err.splitlines() if "error" in ln]
    assert len(lines) == 1 and "could not reach 127.0.0.1:9" in lines[0]


def test_mirror_folder_and_prepare_by_hand(tmp_path: Path, mirror: Path) -> None:
    [out] = fx.fetch(tmp_path / "a", mirror=str(mirror), sources=[_source()])
    assert out.ok
    assert (tmp_path / "a" / REAL).exists()


def test_a_half_file_is_refused_before_it_replaces_anything(good_folder: Path, tmp_path: Path,
                                                            real_data_dir: Path) -> None:
    half = tmp_path / "half"
    half.mkdir()
    lines = (real_data_dir / REAL).read_text().splitlines()
    (half / "LAD24_RGN24_EN_LU.csv").write_text("\n".join(lines[: len(lines) // 2]) + "\n")
    before = _snapshot(good_folder)
    [out] = fx.fetch(good_folder, mirror=str(half), sources=[_source()])
    assert not out.ok and "has 147 rows where a complete file has at least 296" in out.message
    assert out.message.startswith("LAD24_RGN24_EN_LU.csv does not make a whole")
    assert _snapshot(good_folder) == before


@pytest.mark.demo
def test_unknown_only_id_says_what_can_be_fetched(tmp_path: Path) -> None:
    with pytest.raises(fx.FetchError, match="not a source or dataset"):
        fx.select_sources(["no_such_thing"], tmp_path)
    with pytest.raises(fx.FetchError, match="licence not confirmed"):
        fx.select_sources(["cni2023"], tmp_path)


def test_arcgis_layer_is_fetched_page_by_page(tmp_path: Path, real_data_dir: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    import dataclasses
    import json

    from needsmap.data.sources import source_for

    source = source_for("ltla24_region24_lookup")
    assert source is not None and source.download == "arcgis" and source.format == "csv"
    lookup = pd.read_csv(real_data_dir / REAL)
    served = tmp_path / "server"
    served.mkdir()
    features = [{"type": "Feature", "geometry": None,
                 "properties": {"LAD24CD": r.ltla24_code, "LAD24NM": r.ltla24_name,
                                "RGN24CD": r.region24_code, "RGN24NM": r.region24_name,
                                "ObjectId": i + 1}}
                for i, r in enumerate(lookup.itertuples())]
    (served / "LAD24_RGN24_EN_LU.geojson").write_text(json.dumps({"features": features}))
    monkeypatch.setattr(fx, "ARCGIS_PAGE", 100)  # 296 rows: three pages
    seen: list[str] = []
    with serve(served) as url:
        layer = dataclasses.replace(source, url=f"{url}/arcgis/LAD24_RGN24_EN_LU/FeatureServer/0")
        [out] = fx.fetch(tmp_path / "data", sources=[layer],
                         progress=lambda msg, _f: seen.append(msg))
        bad = dataclasses.replace(source, url=f"{url}/arcgis/NO_SUCH_LAYER/FeatureServer/0")
        [err] = fx.fetch(tmp_path / "data", sources=[bad])
    assert out.ok, out.message
    assert [m for m in seen if m.endswith("296 features")]
    got = pd.read_csv(tmp_path / "data" / REAL).sort_values("ltla24_code").reset_index(drop=True)
    want = lookup.sort_values("ltla24_code").reset_index(drop=True)
    pd.testing.assert_frame_equal(got, want, check_dtype=False)
    assert not err.ok and "answered with an error" in err.message and "Invalid URL" in err.message
