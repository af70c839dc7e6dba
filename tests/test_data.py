"""Loaders against the real files: shapes, keys, editions, clear errors when data is missing."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from needsmap import ENGLAND_LSOA11, ENGLAND_LSOA21, data
from needsmap.data.catalog import DATASETS
from needsmap.errors import DataMissingError, ValidationError
from tests import raw

#: datasets only ``needsmap data fetch`` makes (not in this repository's ../shared/data)
FETCH_ONLY = {"nspl_codes"}


def test_catalog_entries_are_complete(real_data_dir: Path) -> None:
    for d in DATASETS:
        assert d.title and d.publisher and d.licence and d.url.startswith("https://"), d.id
        assert d.columns, d.id
        assert d.path.exists() or d.id in FETCH_ONLY, f"{d.id}: {d.path}"


@pytest.mark.parametrize(("edition", "n"), [("2019", ENGLAND_LSOA11), ("2025", ENGLAND_LSOA21)])
def test_lsoa_table_has_every_lsoa(edition: str, n: int) -> None:
    t = data.load_lsoa_table(edition)  # type: ignore[arg-type]
    assert len(t) == n and t.index.is_unique
    for col in ("lsoa_name", "ward_code", "lad_code", "region_code", "population", "imd_rank",
                "imd_decile", "health_rank", "cyp_rank", "idaci_numerator"):
        assert col in t.columns, col
    assert t["imd_rank"].min() == 1 and t["imd_rank"].max() == n
    assert set(t["imd_decile"].dropna().unique()) == set(range(1, 11))
    assert t[["lad_code", "region_code"]].notna().all().all()
    assert t["population"].notna().mean() > 0.999


@pytest.mark.demo
def test_known_lsoa_2019(table19: pd.DataFrame) -> None:
    row = table19.loc["E01009219"]
    imd = raw.imd("2019").loc["E01009219"]  # the published file
    assert row["imd_rank"] == imd["IMD_rank"] and row["health_rank"] == imd["Health_rank"]
    assert row["lad_name"] == "Birmingham"


@pytest.mark.demo
def test_birmingham_has_its_lsoas_and_wards(geo25: pd.DataFrame) -> None:
    bham = geo25[geo25["lad_name"] == "Birmingham"]
    assert len(bham) == 659 and bham["ward_code"].nunique() == 69


def test_boundaries_valid_and_in_wgs84() -> None:
    for edition, n in (("2019", ENGLAND_LSOA11), ("2025", ENGLAND_LSOA21)):
        gdf = data.load_boundaries(edition)  # type: ignore[arg-type]
        assert len(gdf) == n and gdf.crs.to_epsg() == 4326
        assert gdf.geometry.is_valid.all()
        assert set(gdf.geom_type) <= {"Polygon", "MultiPolygon"}


@pytest.mark.demo
def test_missing_file_names_dataset_and_path(broken_data_dir: Path) -> None:
    with pytest.raises(DataMissingError) as exc:
        data.load_imd("2019")
    msg = str(exc.value)
    assert "imd2019" in msg and str(broken_data_dir) in msg and "gov.uk" in msg


@pytest.mark.demo
def test_corrupt_file_is_a_validation_error(broken_data_dir: Path) -> None:
    (broken_data_dir / "imd").mkdir()
    (broken_data_dir / "imd" / "imd2019_lsoa11.csv").write_text("lsoa11_code,IMD_rank\nE01,1\n")
    with pytest.raises(ValidationError) as exc:
        data.read_table("imd2019")
    assert "missing column" in str(exc.value) and "imd2019_lsoa11.csv" in str(exc.value)


@pytest.mark.demo
def test_duplicate_keys_rejected(broken_data_dir: Path) -> None:
    (broken_data_dir / "geography").mkdir()
    (broken_data_dir / "geography" / "ltla24_region24_lookup.csv").write_text(
        "ltla24_code,ltla24_name,region24_code,region24_name\nE1,a,E12,r\nE1,b,E12,r\n")
    with pytest.raises(ValidationError, match="repeated ltla24_code"):
        data.read_table("ltla24_region24_lookup")


@pytest.mark.demo
def test_corrupt_parquet_is_a_validation_error(broken_data_dir: Path) -> None:
    (broken_data_dir / "geography").mkdir()
    (broken_data_dir / "geography" / "ltla24_boundaries.parquet").write_bytes(b"not parquet")
    with pytest.raises(ValidationError, match="ltla24_boundaries"):
        data.read_geometry("ltla24_boundaries")


@pytest.mark.demo
def test_cache_is_reused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEEDSMAP_CACHE_DIR", str(tmp_path))
    first = data.load_imd("2025")
    files = list(tmp_path.glob("imd2025-*.parquet"))
    assert len(files) == 1
    again = data.load_imd("2025")
    pd.testing.assert_frame_equal(first, again)


@pytest.mark.parametrize("edition", ["2019", "2025"])
def test_lsoa_table_columns_are_the_whole_tables_columns(edition: str) -> None:
    """``columns=`` gives exactly the whole table's values for those columns (IMD, a provider's)."""
    whole = data.load_lsoa_table(edition)  # type: ignore[arg-type]
    extra = "cni_score" if "cni_score" in whole.columns else "at_risk_jobs_pct"
    wanted = ["imd_rank", "income_rank", extra]
    part = data.load_lsoa_table(edition, columns=wanted)  # type: ignore[arg-type]
    geography = list(data.load_geography(edition).columns)  # type: ignore[arg-type]
    assert list(part.columns) == geography + wanted
    pd.testing.assert_frame_equal(part, whole[geography + wanted])
    assert part.attrs["scope"] == whole.attrs["scope"]
    # a part holding none of the wanted columns is not joined at all
    assert list(data.load_lsoa_table(edition, columns=["imd_rank"]).columns) == geography + ["imd_rank"]  # type: ignore[arg-type]
