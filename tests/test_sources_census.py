"""Nomis Census 2021 bulk zips (TS021, TS067, TS011) -> the prepared files, compared with the
real prepared data they were rebuilt from; and the errors malformed downloads give."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from needsmap.config import SHARED_DATA_DIR
from needsmap.data.catalog import get_dataset
from needsmap.data.sources import census
from needsmap.errors import ValidationError
from tests.publisher_fixtures import census as fx
from tests.publisher_fixtures._common import (
    assert_same_rows,
    csv_bytes,
    prepared,
    require_dir,
    rewrite_zip,
    write_csv,
    zip_csv,
)

SHARED = SHARED_DATA_DIR
SOURCES = {s.id: s for s in census.SOURCES}
KEY = "lsoa21_code"


@pytest.fixture(scope="module")
def shared() -> Path:
    return require_dir(SHARED, "shared real data folder beside the checkout")


@pytest.fixture(scope="module")
def zips(shared: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("nomis")
    return {sid: build(shared, out) for sid, build in fx.BUILDERS.items()}


# ----------------------------------------------------------------------------- registry
def test_sources_are_the_nomis_bulk_zips(zips: dict[str, Path]) -> None:
    assert set(SOURCES) == set(fx.BUILDERS) == {"census2021_ts021", "census2021_ts067",
                                                "census2021_ts011"}
    for sid, src in SOURCES.items():
        table = sid.rsplit("_", 1)[1]
        assert src.url == f"https://www.nomisweb.co.uk/output/census/2021/census2021-{table}.zip"
        assert zips[sid].name == src.file_name == f"census2021-{table}.zip"
        assert src.format == "zip" and src.download == "file" and src.sha256 is None
        assert src.seen_at and src.landing_page.startswith("https://www.nomisweb.co.uk/")
        assert src.matches_name(f"census2021-{table}.zip")
        assert src.matches_name(f"Census2021-{table}-lsoa.csv")
        assert not src.matches_name(f"census2021-{table}-oa.csv")
        header = list(zip_csv(zips[sid], "-lsoa.csv").columns)
        assert src.matches_header(["\ufeff" + header[0], *header[1:]])
        assert all(d for d in src.datasets)
    assert SOURCES["census2021_ts021"].datasets == ("census2021_ethnicity",)
    assert SOURCES["census2021_ts067"].datasets == ("census2021_qualifications",)
    assert SOURCES["census2021_ts011"].datasets == ("census2021_household_deprivation",)


def test_fixture_zip_is_packaged_like_nomis(zips: dict[str, Path]) -> None:
    names = zipfile.ZipFile(zips["census2021_ts011"]).namelist()
    assert "census2021-ts011-lsoa.csv" in names and "census2021-ts011-ltla.csv" in names
    lsoa = zip_csv(zips["census2021_ts011"], "-lsoa.csv")
    assert list(lsoa.columns[:3]) == ["date", "geography", "geography code"]
    assert all(c.endswith("; measures: Value") for c in lsoa.columns[3:])
    assert lsoa["geography code"].str.startswith("W01").sum() == 2


# ----------------------------------------------------------------------------- conversions
@pytest.mark.parametrize(("sid", "dataset", "keys"), [
    ("census2021_ts021", "census2021_ethnicity", [KEY]),
    ("census2021_ts067", "census2021_qualifications", [KEY]),
    ("census2021_ts011", "census2021_household_deprivation", [KEY]),
])
def test_conversion_equals_the_prepared_file(zips: dict[str, Path], shared: Path, sid: str,
                                             dataset: str, keys: list[str]) -> None:
    frames = SOURCES[sid].convert(zips[sid])
    assert set(frames) == {dataset}
    frame = frames[dataset]
    ref = prepared(shared, dataset)
    assert list(frame.columns) == list(get_dataset(dataset).columns)
    assert frame[KEY].str.startswith("E01").all()  # the Welsh rows are dropped
    # same rows in the same order as the prepared file (long format: LSOA, then group order)
    pd.testing.assert_frame_equal(frame.reset_index(drop=True), ref, check_dtype=False)
    assert_same_rows(frame, ref, keys)


def test_ethnicity_long_format(zips: dict[str, Path]) -> None:
    eth = census.convert_ts021(zips["census2021_ts021"])["census2021_ethnicity"]
    orders = eth.groupby(KEY)["ethnic_group"].agg(tuple)
    assert (orders == pd.Series([census.ETHNIC_GROUPS] * len(orders), index=orders.index)).all()
    assert (eth["prop"] - eth["n"] / eth["total_residents"]).abs().max() == 0
    assert eth.groupby(KEY)["prop"].sum().between(0.999999, 1.000001).all()
    assert eth[KEY].nunique() == 33_755


def test_bom_crlf_subfolder_and_measures_suffix(zips: dict[str, Path], shared: Path,
                                                tmp_path: Path) -> None:
    def edit(name: str, data: bytes) -> tuple[str, bytes]:
        text = data.decode()
        if name.endswith("-lsoa.csv"):
            head, rest = text.split("\n", 1)
            cols = [c if c in ("date", "geography", "geography code") or "measures" in c
                    else f"{c}; measures: Value" for c in head.split(",")]
            text = ",".join(cols) + "\n" + rest
        return f"census2021-ts067/{name}", csv_bytes(text, bom=True, newline="\r\n")

    path = rewrite_zip(zips["census2021_ts067"], tmp_path / "census2021-ts067.zip", edit)
    frame = census.convert_ts067(path)["census2021_qualifications"]
    assert_same_rows(frame, prepared(shared, "census2021_qualifications"), [KEY])


def test_bare_lsoa_csv_converts(zips: dict[str, Path], shared: Path, tmp_path: Path) -> None:
    with zipfile.ZipFile(zips["census2021_ts011"]) as zf:
        data = zf.read("census2021-ts011-lsoa.csv")
    path = write_csv(tmp_path / "census2021-ts011-lsoa.csv", data.decode(), bom=True)
    frame = census.convert_ts011(path)["census2021_household_deprivation"]
    assert_same_rows(frame, prepared(shared, "census2021_household_deprivation"), [KEY])


# ----------------------------------------------------------------------------- malformed input
def test_zip_without_the_lsoa_member(zips: dict[str, Path], tmp_path: Path) -> None:
    path = rewrite_zip(zips["census2021_ts021"], tmp_path / "census2021-ts021.zip",
                    lambda n, d: None if n.endswith("-lsoa.csv") else (n, d))
    with pytest.raises(ValidationError, match=r"census2021-ts021\.zip: the zip does not hold "
                                              r"census2021-ts021-lsoa\.csv"):
        census.convert_ts021(path)


def test_missing_column_is_named(zips: dict[str, Path], tmp_path: Path) -> None:
    def drop_white(name: str, data: bytes) -> tuple[str, bytes]:
        if not name.endswith("-lsoa.csv"):
            return name, data
        df = pd.read_csv(io.BytesIO(data), dtype=str)
        df = df.drop(columns=[c for c in df.columns if c.startswith("Ethnic group: White")])
        return name, df.to_csv(index=False).encode()

    path = rewrite_zip(zips["census2021_ts021"], tmp_path / "census2021-ts021.zip", drop_white)
    with pytest.raises(ValidationError, match=r"census2021-ts021\.zip.*White"):
        census.convert_ts021(path)


def test_missing_geography_code(tmp_path: Path) -> None:
    path = tmp_path / "census2021-ts067-lsoa.csv"
    path.write_text("date,geography,Highest level of qualification: Total: All usual residents "
                    "aged 16 years and over\n2021,x,1\n")
    with pytest.raises(ValidationError, match=r"census2021-ts067-lsoa\.csv.*lacks"):
        census.convert_ts067(path)
    path.write_text(",".join(["date", "geography"] + list(fx.QUALIFICATIONS_HEADER.values()))
                    + "\n2021,x," + ",".join(["1"] * 8) + "\n")
    with pytest.raises(ValidationError, match="geography code"):
        census.convert_ts067(path)


def test_html_page_instead_of_data(tmp_path: Path) -> None:
    path = tmp_path / "census2021-ts011.zip"
    path.write_text("\n<!DOCTYPE html><html><head><title>Nomis</title></head><body>Service "
                    "unavailable</body></html>")
    with pytest.raises(ValidationError,
                       match=r"census2021-ts011\.zip: this is a web page \(HTML\)"):
        census.convert_ts011(path)


def test_output_area_table_is_not_taken_for_lsoas(zips: dict[str, Path], tmp_path: Path) -> None:
    lsoa = zip_csv(zips["census2021_ts011"], "-lsoa.csv")
    lsoa["geography code"] = "E00" + lsoa["geography code"].str[3:]
    path = tmp_path / "census2021-ts011-lsoa.csv"
    lsoa.to_csv(path, index=False)
    with pytest.raises(ValidationError, match=r"census2021-ts011-lsoa\.csv: no rows for England "
                                              r"\(LSOA codes E01"):
        census.convert_ts011(path)


def test_non_numeric_count(zips: dict[str, Path], tmp_path: Path) -> None:
    lsoa = zip_csv(zips["census2021_ts011"], "-lsoa.csv")
    lsoa.iloc[3, 4] = "c"
    path = tmp_path / "census2021-ts011-lsoa.csv"
    lsoa.to_csv(path, index=False)
    with pytest.raises(ValidationError, match=r"census2021-ts011-lsoa\.csv.*not a number"):
        census.convert_ts011(path)


def test_damaged_zip_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "census2021-ts021.zip"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 40)
    with pytest.raises(ValidationError, match=r"census2021-ts021\.zip: not a readable zip"):
        census.convert_ts021(path)
    with pytest.raises(ValidationError, match="no such file"):
        census.convert_ts021(tmp_path / "nothing.zip")
