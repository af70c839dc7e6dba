"""The geocoder with the official NSPL codes (``nspl_codes``) in the data folder.

A temporary data folder holds symlinks to every real file of ``../shared/data`` plus
``postcodes/nspl_postcode_lsoa.parquet`` converted from the NSPL fixture (a subset of Great Britain,
see ``tests/publisher_fixtures/nspl.py``), with a few codes changed so that the official codes can
be told apart from point-in-polygon.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from needsmap.config import SHARED_DATA_DIR
from needsmap.data.catalog import get_dataset
from needsmap.data.sources import nspl
from needsmap.orgs import geocode as gc
from needsmap.orgs import postcode_table as pt
from tests.publisher_fixtures import nspl as fx

SHARED = SHARED_DATA_DIR


@pytest.fixture(scope="module")
def codes(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    """``nspl_codes`` converted from the fixture zip (against the shared data folder)."""
    if not SHARED.exists():
        pytest.skip("the shared real data folder is not beside the checkout")
    built = fx.build_nspl(SHARED, tmp_path_factory.mktemp("nspl-zip"))
    return nspl.convert_nspl(built)["nspl_codes"].set_index("postcode", drop=False)


@pytest.fixture(scope="module")
def picks(codes: pd.DataFrame) -> dict[str, str]:
    """Postcodes for each case, with what the shared folder's point-in-polygon says for them."""
    cen = pd.read_parquet(SHARED / get_dataset("nspl_centroids").file)
    keys = codes[["postcode"]].reset_index(drop=True)
    lat = keys.merge(cen, on="postcode", how="left")["lat"]  # (isin is slow on 2.7M strings)
    live = codes["doterm"].isna() & codes["lsoa21_code"].str.startswith("E01").fillna(False)
    live &= lat.notna().to_numpy()
    eng = codes[live]

    def first(prefix: str, frame: pd.DataFrame = eng, skip: int = 0) -> str:
        return str(frame.index[frame.index.str.startswith(prefix)][skip])

    m1 = cen[cen["postcode"].str.match(r"^M1 \d") & cen["lat"].notna()]
    absent = m1.loc[~m1["postcode"].isin(codes["postcode"]), "postcode"]
    return {
        "english": first("B31"), "moved": first("B31", skip=1), "no_codes": first("B31", skip=2),
        "merged": first("B31", skip=3),
        "terminated": first("CV1 "), "border": first("SY"),
        "welsh": str(codes.index[(codes["ctry_code"] == "W92000004")
                                 & codes.index.str.startswith("LD")][0]),
        "scottish": str(codes.index[(codes["ctry_code"] == "S92000003")
                                    & codes.index.str.startswith("TD")][0]),
        "absent": str(absent.iloc[0]),
    }


@pytest.fixture(scope="module")
def other21(codes: pd.DataFrame) -> str:
    """An unchanged (U) English LSOA far from Birmingham, to plant as an official code."""
    lk = pd.read_csv(SHARED / get_dataset("lsoa11_lsoa21_lookup").file)
    u = lk[(lk["change_code"] == "U") & (lk["ltla22_name"] == "Cornwall")]
    return str(u["lsoa21_code"].iloc[0])


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory, codes: pd.DataFrame,
           picks: dict[str, str], other21: str) -> Path:
    """A data folder: every shared file (symlinked) plus the edited ``nspl_codes``."""
    root = tmp_path_factory.mktemp("data-with-nspl")
    for src in SHARED.rglob("*"):
        if src.is_file():
            dest = root / src.relative_to(SHARED)
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.symlink_to(src)
    table = codes.copy()
    table.loc[picks["moved"], ["lsoa21_code", "lsoa11_code"]] = [other21, None]
    table.loc[picks["no_codes"], ["lsoa21_code", "lsoa11_code"]] = [None, None]
    table.loc[picks["terminated"], "doterm"] = "201906"
    # an edition without LSOA 2011 codes, in a 2021 LSOA merged (M) from several 2011 ones
    table.loc[picks["merged"], ["lsoa21_code", "lsoa11_code"]] = [merged21(), None]
    table.loc[picks["border"], ["ctry_code", "lsoa21_code", "lsoa11_code"]] = [
        "W92000004", "W01000123", None]
    out = root / get_dataset("nspl_codes").file
    table.reset_index(drop=True).to_parquet(out, index=False)
    return root


@pytest.fixture()
def with_nspl(folder: Path, tmp_path_factory: pytest.TempPathFactory,
              monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("NEEDSMAP_DATA_DIR", str(folder))
    monkeypatch.setenv("NEEDSMAP_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "nspl-cache"))
    return folder


def merged21() -> str:
    """A 2021 LSOA merged (M) from 2011 LSOAs, none of them in Birmingham."""
    lk = pd.read_csv(SHARED / get_dataset("lsoa11_lsoa21_lookup").file)
    m = lk[(lk["change_code"] == "M") & (lk["ltla22_name"] != "Birmingham")]
    return str(m["lsoa21_code"].iloc[0])


def _place(*postcodes: str) -> pd.DataFrame:
    return pt.place_postcodes(pd.Series(list(postcodes))).set_axis(list(postcodes))


def test_shared_folder_has_no_official_codes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEEDSMAP_DATA_DIR", str(SHARED))
    assert gc.official_codes() is None


def test_official_codes_are_used_as_they_are(with_nspl: Path, codes: pd.DataFrame,
                                             picks: dict[str, str], other21: str) -> None:
    assert gc.official_codes() is not None
    out = _place(picks["english"], picks["moved"], picks["english"].replace(" ", "").lower())
    assert (out["status"] == gc.OK).all()
    assert (out["placed_by"] == gc.BY_OFFICIAL).all()
    official = codes.loc[picks["english"]]
    assert out["lsoa21_code"].iloc[0] == official["lsoa21_code"]
    assert out["lsoa11_code"].iloc[0] == official["lsoa11_code"]
    assert out["lsoa21_code"].iloc[2] == official["lsoa21_code"]
    # the planted code wins over the centroid's polygon; its 2011 code comes from the lookup (U)
    assert out.loc[picks["moved"], "lsoa21_code"] == other21
    assert out.loc[picks["moved"], "lsoa11_code"] == other21
    assert out["lat"].notna().all()
    assert (out["confidence"] == gc.CONF_EXACT).all()


def test_missing_2011_code_comes_from_the_best_fit_lookup(with_nspl: Path,
                                                          picks: dict[str, str]) -> None:
    # the most-populous 2011 part of the merged LSOA, from the raw lookup and mid-2020 population
    lk = pd.read_csv(SHARED / get_dataset("lsoa11_lsoa21_lookup").file)
    parts = lk.loc[lk["lsoa21_code"] == merged21(), "lsoa11_code"]
    pop = pd.read_csv(SHARED / get_dataset("population2020").file,
                      usecols=["lsoa11_code", "total_population"]).set_index("lsoa11_code")
    assert len(parts) >= 2
    want = pop["total_population"].reindex(parts).idxmax()
    out = _place(picks["merged"])
    assert out["lsoa21_code"].iloc[0] == merged21()
    assert out["lsoa11_code"].iloc[0] == want
    assert out["confidence"].iloc[0] == gc.CONF_EXACT


def test_country_code_decides_outside_england(with_nspl: Path, picks: dict[str, str]) -> None:
    out = _place(picks["border"], picks["welsh"], picks["scottish"])
    assert out.loc[picks["border"], "status"] == "outside England (Wales)"
    assert out.loc[picks["welsh"], "status"] == "outside England (Wales)"
    assert out.loc[picks["scottish"], "status"] == "outside England (Scotland)"
    assert out["lsoa21_code"].isna().all() and out["lsoa11_code"].isna().all()
    assert out["placed_by"].isna().all()


def test_terminated_postcode_keeps_its_codes(with_nspl: Path, codes: pd.DataFrame,
                                             picks: dict[str, str]) -> None:
    out = _place(picks["terminated"])
    assert out["status"].iloc[0] == gc.OK
    assert out["lsoa21_code"].iloc[0] == codes.loc[picks["terminated"], "lsoa21_code"]
    assert out["placed_by"].iloc[0] == ("postcode (official NSPL: exact LSOA codes; "
                                        "terminated 2019-06)")
    # still drawn at its published centroid
    cen = pd.read_parquet(SHARED / get_dataset("nspl_centroids").file)
    row = cen[cen["postcode"] == picks["terminated"]].iloc[0]
    assert (out["lat"].iloc[0], out["lon"].iloc[0]) == (row["lat"], row["lon"])


def test_point_in_polygon_stays_the_fallback(with_nspl: Path, picks: dict[str, str]) -> None:
    out = _place(picks["absent"], picks["no_codes"], "ZZ9 9ZZ", "BT1 5GS", "IM1 1AF")
    assert out.loc[picks["absent"], "status"] == gc.OK
    assert out.loc[picks["absent"], "placed_by"] in (gc.BY_POSTCODE, gc.BY_POSTCODE_SNAP)
    assert out.loc[picks["absent"], "confidence"] in (gc.CONF_SURE, gc.CONF_UNCERTAIN)
    assert out.loc[picks["no_codes"], "status"] == gc.OK
    assert out.loc[picks["no_codes"], "placed_by"] in (gc.BY_POSTCODE, gc.BY_POSTCODE_SNAP)
    assert out.loc["ZZ9 9ZZ", "status"] == gc.ST_NOT_FOUND
    assert out.loc["BT1 5GS", "status"].startswith("outside England (Northern Ireland")
    assert out.loc["IM1 1AF", "status"] == "outside England (Isle of Man)"


def test_explicit_lookup_still_wins(with_nspl: Path, picks: dict[str, str], other21: str) -> None:
    given = gc.postcode_lookup_from_frame(pd.DataFrame({
        "pcds": [picks["english"]], "lsoa11": [other21], "lsoa21": [other21]}))
    out = pt.place_postcodes(pd.Series([picks["english"]]), lookup=given)
    assert out["placed_by"].iloc[0] == gc.BY_EXACT
    assert out["lsoa21_code"].iloc[0] == other21


def test_caches_follow_the_data_folder(folder: Path, picks: dict[str, str], other21: str,
                                       tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEEDSMAP_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("NEEDSMAP_DATA_DIR", str(folder))
    assert _place(picks["moved"])["lsoa21_code"].iloc[0] == other21
    monkeypatch.setenv("NEEDSMAP_DATA_DIR", str(SHARED))  # no nspl_codes there
    assert gc.official_codes() is None
    back = _place(picks["moved"], picks["border"])
    assert back.loc[picks["moved"], "lsoa21_code"] != other21
    assert back.loc[picks["moved"], "placed_by"] in (gc.BY_POSTCODE, gc.BY_POSTCODE_SNAP)
    assert back.loc[picks["border"], "status"] == gc.OK  # its centroid is in an English polygon
    monkeypatch.setenv("NEEDSMAP_DATA_DIR", str(folder))
    assert _place(picks["moved"])["lsoa21_code"].iloc[0] == other21
