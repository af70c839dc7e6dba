"""The ONS NSPL zip -> ``nspl_centroids`` and ``nspl_codes``: a rebuilt subset compared with the
real prepared centroids, the real publisher sample rows, other editions' headers, and the errors
malformed downloads give."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from needsmap.config import SHARED_DATA_DIR
from needsmap.data.catalog import get_dataset
from needsmap.data.sources import nspl
from needsmap.errors import ValidationError
from tests.publisher_fixtures import nspl as fx
from tests.publisher_fixtures._common import (
    csv_bytes,
    prepared,
    require_dir,
    rewrite_zip,
    write_zip,
    zip_csv,
)

SHARED = SHARED_DATA_DIR
SAMPLE = SHARED.parent / "docs" / "publisher-samples" / "nspl_2025_sample.csv"
SOURCE = nspl.SOURCES[0]
#: the pre-2022 NSPL header (docs/publisher-formats.md section (c))
OLD_HEADER_LINE = ("pcd,pcd2,pcds,dointr,doterm,usertype,oseast1m,osnrth1m,osgrdind,oa11,cty,ced,laua,"
                   "ward,hlthau,nhser,ctry,rgn,pcon,eer,teclec,ttwa,pct,nuts,park,lsoa11,msoa11,wz11,"
                   "ccg,bua11,buasd11,ru11ind,oac11,lat,long,lep1,lep2,pfa,imd,calncv,stp")
OLD_HEADER = OLD_HEADER_LINE.split(",")


@pytest.fixture(scope="module")
def shared() -> Path:
    return require_dir(SHARED, "shared real data folder beside the checkout")


@pytest.fixture(scope="module")
def built(shared: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fx.build_nspl(shared, tmp_path_factory.mktemp("nspl"))


@pytest.fixture(scope="module")
def converted(built: Path) -> dict[str, pd.DataFrame]:
    return nspl.convert_nspl(built)


@pytest.fixture(scope="module")
def rows(built: Path) -> pd.DataFrame:
    """The fixture's CSV as written (text), keyed by the prepared postcode form."""
    df = zip_csv(built, fx.MEMBER)
    df["postcode"] = nspl.postcode_form(df["pcd7"].str.replace(" ", ""))
    return df.set_index("postcode")


@pytest.fixture(scope="module")
def centroids(shared: Path) -> pd.DataFrame:
    return prepared(shared, "nspl_centroids")


def _sample_zip(tmp_path: Path, text: str | bytes, member: str = fx.MEMBER) -> Path:
    return write_zip(tmp_path / fx.FILE_NAME, {member: text})


# ----------------------------------------------------------------------------- registry
def test_source_entry(built: Path) -> None:
    assert SOURCE.id == "nspl" and set(fx.BUILDERS) == {"nspl"}
    assert SOURCE.datasets == ("nspl_centroids", "nspl_codes")
    assert SOURCE.url.startswith("https://www.arcgis.com/sharing/rest/content/items/")
    assert SOURCE.url.endswith("/data") and SOURCE.format == "zip" and SOURCE.sha256 is None
    assert built.name == SOURCE.file_name
    assert SOURCE.matches_name("NSPL_MAY_2025_UK.zip") and SOURCE.matches_name("nspl_feb_2026_uk.csv")
    assert SOURCE.matches_name("ONSPD_FEB_2025_UK.zip")
    assert SOURCE.matches_header(["\ufeffpcd7", *fx.HEADER[1:]])
    assert SOURCE.matches_header(OLD_HEADER)
    assert "Royal Mail" in SOURCE.attribution and SOURCE.seen_at
    assert fx.PARTIAL == {"nspl_centroids": "postcode", "nspl_codes": "postcode"}


def test_fixture_is_packaged_like_ons(built: Path) -> None:
    with zipfile.ZipFile(built) as zf:
        names = zf.namelist()
        first = zf.read(fx.MEMBER)[:2000].decode().split("\r\n", 1)[0]
    assert first == fx.HEADER_LINE
    if SAMPLE.exists():
        assert SAMPLE.read_text().splitlines()[0] == fx.HEADER_LINE
    assert fx.MEMBER in names and any("multi_csv" in n for n in names)
    assert any(n.startswith("Documents/") and n.endswith(".csv") for n in names)


# ----------------------------------------------------------------------------- conversion
def test_centroids_equal_the_prepared_file(converted: dict[str, pd.DataFrame],
                                           centroids: pd.DataFrame) -> None:
    got = converted["nspl_centroids"]
    assert list(got.columns) == list(centroids.columns) == ["postcode", "lat", "lon"]
    ref = centroids[centroids["postcode"].isin(got["postcode"])].reset_index(drop=True)
    assert len(ref) == len(got) > 120_000
    assert got["postcode"].is_monotonic_increasing
    pd.testing.assert_frame_equal(got.reset_index(drop=True), ref, check_dtype=False)
    assert got["lat"].dtype == np.float64 and got["lon"].dtype == np.float64
    # no coordinates: lat missing, lon as NSPL writes it (0.0), as in the prepared file
    none = got[got["lat"].isna()]
    assert len(none) > 1000 and (none["lon"] == 0).all()


def test_northern_ireland_dropped_crown_dependencies_kept(converted: dict[str, pd.DataFrame],
                                                          rows: pd.DataFrame) -> None:
    assert (rows["ctry25cd"] == "N92000002").sum() == 2
    for frame in converted.values():
        assert not frame["postcode"].str.startswith("BT").any()
    codes = converted["nspl_codes"]
    assert {"L93000001", "M83000003", "E92000001", "W92000004", "S92000003"} <= set(
        codes["ctry_code"])


def test_codes_are_the_files_codes(converted: dict[str, pd.DataFrame], rows: pd.DataFrame) -> None:
    codes = converted["nspl_codes"]
    assert list(codes.columns) == list(get_dataset("nspl_codes").columns)
    assert codes["postcode"].is_unique
    assert codes["postcode"].tolist() == converted["nspl_centroids"]["postcode"].tolist()
    src = rows.loc[codes["postcode"]]
    pseudo = src["lsoa21cd"].str.fullmatch(r"[A-Z]9{8}")
    assert pseudo.sum() > 1000
    assert codes["lsoa21_code"].isna().to_numpy().tolist() == pseudo.to_numpy().tolist()
    real = ~pseudo.to_numpy()
    assert (codes["lsoa21_code"].to_numpy()[real] == src["lsoa21cd"].to_numpy()[real]).all()
    assert (codes["ctry_code"].to_numpy() == src["ctry25cd"].to_numpy()).all()
    term = src["doterm"].ne("").to_numpy()
    assert codes["doterm"].notna().to_numpy().tolist() == term.tolist()
    assert (codes["doterm"].to_numpy()[term] == src["doterm"].to_numpy()[term]).all()


def test_lsoa11_derived_through_the_ons_lookup(converted: dict[str, pd.DataFrame],
                                               shared: Path) -> None:
    codes = converted["nspl_codes"]
    lk = prepared(shared, "lsoa11_lsoa21_lookup")
    pop = prepared(shared, "population2020", usecols=["lsoa11_code", "total_population"])
    people = pop.set_index("lsoa11_code")["total_population"]
    english = codes[codes["lsoa21_code"].str.startswith("E01").fillna(False)]
    assert english["lsoa11_code"].notna().all()
    by21 = lk.groupby("lsoa21_code")
    for code21, code11 in english.drop_duplicates("lsoa21_code")[["lsoa21_code",
                                                                  "lsoa11_code"]].to_numpy():
        cands = by21.get_group(code21)["lsoa11_code"]
        assert code11 in set(cands)
        if cands.nunique() > 1:  # merged: the 2011 LSOA with most residents in mid-2020
            assert people[code11] == people[cands].max()
    unchanged = lk.loc[lk["change_code"] == "U", "lsoa21_code"]
    same = english[english["lsoa21_code"].isin(unchanged)]
    assert len(same) > 50_000 and (same["lsoa11_code"] == same["lsoa21_code"]).all()
    merged = lk.loc[lk["change_code"] == "M", "lsoa21_code"]
    assert english["lsoa21_code"].isin(merged).any()
    # Scottish data zones and made-up Welsh codes are not in the (England-only) lookup
    assert codes.loc[codes["ctry_code"] == "S92000003", "lsoa11_code"].isna().all()


# ----------------------------------------------------------------------------- real rows
def test_real_publisher_sample_rows(tmp_path: Path, centroids: pd.DataFrame) -> None:
    if not SAMPLE.exists():
        pytest.skip("publisher sample not available")
    text = SAMPLE.read_text()
    path = _sample_zip(tmp_path, csv_bytes(text, bom=True, newline="\r\n"),
                       member="NSPL_MAY_2025/Data/NSPL_MAY_2025_UK.csv")
    frames = nspl.convert_nspl(path)
    sample = pd.read_csv(SAMPLE, dtype=str, keep_default_na=False)
    got = frames["nspl_centroids"]
    assert set(got["postcode"]) == set(sample["pcd7"])
    ref = centroids[centroids["postcode"].isin(got["postcode"])].reset_index(drop=True)
    pd.testing.assert_frame_equal(got, ref, check_dtype=False)  # 6 decimals cut to 5
    codes = frames["nspl_codes"].set_index("postcode")
    eng = sample[sample["ctry25cd"] == "E92000001"]
    assert len(eng) == 4
    for _, row in eng.iterrows():
        c = codes.loc[row["pcd7"]]
        assert c["lsoa21_code"] == row["lsoa21cd"] and c["ctry_code"] == "E92000001"
        assert c["lsoa11_code"].startswith("E01")
        assert (pd.isna(c["doterm"]) and row["doterm"] == "") or c["doterm"] == row["doterm"]
    assert codes.loc["AL1 1AA", "doterm"] == "199405"
    assert codes.loc["BB186JR", "lsoa21_code"] == "E01027586"
    assert codes.loc["AB1 0AA", "ctry_code"] == "S92000003"


def test_bare_csv_and_newer_edition_names(tmp_path: Path) -> None:
    if not SAMPLE.exists():
        pytest.skip("publisher sample not available")
    text = SAMPLE.read_text().replace("ctry25cd", "ctry26cd").replace("lad25cd", "lad26cd")
    path = tmp_path / "NSPL_FEB_2026_UK.csv"
    path.write_text(text)
    codes = nspl.convert_nspl(path)["nspl_codes"].set_index("postcode")
    assert codes.loc["CA6 7BB", "ctry_code"] == "E92000001"
    assert codes.loc["CA6 7BB", "lsoa21_code"] == "E01027503"


def test_old_edition_with_lsoa11_and_pcds_only(tmp_path: Path, shared: Path) -> None:
    lk = prepared(shared, "lsoa11_lsoa21_lookup")
    unchanged = lk.loc[lk["change_code"] == "U", "lsoa11_code"].iloc[0]
    split = lk.loc[lk["change_code"] == "S", "lsoa11_code"].iloc[0]
    pcs = ["B1 1AA", "SE16 2JA", "CF10 1AA", "BT1 9ZZ"]
    df = pd.DataFrame({c: "" for c in OLD_HEADER}, index=range(len(pcs)))
    df["pcds"] = pcs
    df["ctry"] = ["E92000001", "E92000001", "W92000004", "N92000002"]
    df["lsoa11"] = [unchanged, split, "W01001767", "95AA01S1"]
    df["lat"] = ["52.476674", "51.493601", "99.999999", "54.6"]
    df["long"] = ["-1.90353", "-0.052001", "0.000000", "-5.9"]
    df["doterm"] = ["201008", "", "", ""]
    df = df.drop(columns=["pcd", "pcd2"])  # postcode only in the one-space form
    path = tmp_path / "NSPL_AUG_2021_UK.csv"
    df.to_csv(path, index=False)
    frames = nspl.convert_nspl(path)
    codes = frames["nspl_codes"].set_index("postcode")
    assert list(codes.index) == ["B1 1AA", "CF101AA", "SE162JA"]
    assert codes.loc["B1 1AA", "lsoa11_code"] == unchanged
    assert codes.loc["B1 1AA", "lsoa21_code"] == unchanged  # not split: the same 2021 LSOA
    assert pd.isna(codes.loc["SE162JA", "lsoa21_code"])  # split: which 2021 LSOA is unknown
    assert codes.loc["B1 1AA", "doterm"] == "201008"
    cen = frames["nspl_centroids"].set_index("postcode")
    assert cen.loc["B1 1AA", "lat"] == 52.47667 and cen.loc["SE162JA", "lon"] == -0.052
    assert pd.isna(cen.loc["CF101AA", "lat"]) and cen.loc["CF101AA", "lon"] == 0.0


def test_postcode_form() -> None:
    got = nspl.postcode_form(pd.Series(["B11AA", "B312LB", "SE162JA", "EC1A1BB", "W1A0AX"]))
    assert got.tolist() == ["B1 1AA", "B31 2LB", "SE162JA", "EC1A1BB", "W1A 0AX"]


# ----------------------------------------------------------------------------- malformed input
def test_zip_without_the_uk_csv(built: Path, tmp_path: Path) -> None:
    path = rewrite_zip(built, tmp_path / fx.FILE_NAME, lambda name, data: None if (
        name == fx.MEMBER or "multi_csv" in name) else (name, data))
    with pytest.raises(ValidationError, match=r"NSPL_MAY_2025_UK\.zip: the zip does not hold "
                                              r"Data/NSPL_"):
        nspl.convert_nspl(path)


@pytest.mark.parametrize(("drop", "named"), [
    (["lat"], "lat"), (["ctry25cd"], "ctry"), (["lsoa21cd"], "lsoa21"),
    (["pcd7", "pcd8", "pcds"], "pcd7/pcds"), (["doterm"], "doterm"),
])
def test_missing_column_is_named(tmp_path: Path, drop: list[str], named: str) -> None:
    if not SAMPLE.exists():
        pytest.skip("publisher sample not available")
    df = pd.read_csv(SAMPLE, dtype=str, keep_default_na=False).drop(columns=drop)
    path = _sample_zip(tmp_path, df.to_csv(index=False))
    with pytest.raises(ValidationError, match=rf"NSPL_MAY_2025_UK\.zip.*lacks.*{named}"):
        nspl.convert_nspl(path)


def test_html_page_instead_of_data(tmp_path: Path) -> None:
    path = tmp_path / fx.FILE_NAME
    path.write_text("<!DOCTYPE html>\n<html><head><title>ArcGIS</title></head><body>Sign in"
                    "</body></html>")
    with pytest.raises(ValidationError,
                       match=r"NSPL_MAY_2025_UK\.zip: this is a web page \(HTML\)"):
        nspl.convert_nspl(path)
    member = _sample_zip(tmp_path, "<html><head></head><body>Error</body></html>")
    with pytest.raises(ValidationError, match="HTML"):
        nspl.convert_nspl(member)


def test_empty_damaged_and_header_only(tmp_path: Path) -> None:
    empty = tmp_path / "NSPL_empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(ValidationError, match=r"NSPL_empty\.csv: the file is empty"):
        nspl.convert_nspl(empty)
    bad = tmp_path / "NSPL_bad.zip"
    bad.write_bytes(b"PK\x03\x04" + b"\x00" * 64)
    with pytest.raises(ValidationError, match=r"NSPL_bad\.zip: not a readable zip"):
        nspl.convert_nspl(bad)
    header = tmp_path / "NSPL_head.csv"
    header.write_text(",".join(fx.HEADER) + "\n")
    with pytest.raises(ValidationError, match=r"NSPL_head\.csv has"):
        nspl.convert_nspl(header)
