"""The Organisations page's per-organisation bid figures: IMD and domain ranks with their bid bands,
% with no qualifications and % employment-deprived, in the table and its CSV/Excel downloads.

Golden values come from the raw IMD and Census files (tests/raw.py); the bands are recomputed here
from the rank with the published rule ("Top p% most deprived" = rank ≤ p% of England's LSOAs).
"""

from __future__ import annotations

import io

import pandas as pd
import pytest

from needsmap.analysis import org_profile as op
from needsmap.data.imd_domains import IMD_DOMAINS
from needsmap.orgs.layers import load_default_layer
from tests import raw
from tests.conftest import download_bytes, open_app

#: England's LSOAs per edition, from the raw IMD files' row counts
ENGLAND = {"2019": 32_844, "2025": 33_755}
EMP = "Employment-deprived, % of working-age (IMD employment domain rate)"
QUAL = "No qualifications, % of residents aged 16+ (Census 2021)"


def _band(rank: float, n: int) -> str:
    for p in (10, 20, 40, 60):
        if rank <= p / 100 * n:
            return f"Top {p}% most deprived LSOA"
    return "Not in the 60% most deprived"


def _label(d_id: str) -> str:
    d = next(x for x in IMD_DOMAINS if x.id == d_id)
    return d.publisher_label[:1] + d.publisher_label[1:].lower()


@pytest.fixture(scope="module")
def foodbanks() -> pd.DataFrame:
    return load_default_layer("foodbanks").table


def test_england_counts_are_the_raw_files() -> None:
    assert len(raw.imd("2019")) == ENGLAND["2019"] and len(raw.imd("2025")) == ENGLAND["2025"]


def test_bid_columns_2025_match_the_raw_imd_and_census(foodbanks: pd.DataFrame, table25: pd.DataFrame) -> None:
    prof = op.org_profile(foodbanks, table25, edition="2025")
    imd = raw.imd("2025")
    n = len(imd)
    assert len(prof) > 500
    codes = prof["LSOA code"].astype(str)
    r = imd.loc[codes]
    assert (prof["IMD rank (of 33,755)"].to_numpy() == r["IMD_rank"].to_numpy()).all()
    assert (prof["IMD decile"].to_numpy() == r["IMD_decile"].to_numpy()).all()
    assert prof["IMD band"].tolist() == [_band(x, n) for x in r["IMD_rank"]]
    stems = {"income": "Income", "employment": "Employment", "education": "Education", "health": "Health",
             "crime": "Crime", "housing": "Housing_and_Services", "environment": "Environment"}
    for d_id, stem in stems.items():
        lab = _label(d_id)
        assert (prof[f"{lab} rank"].to_numpy() == r[f"{stem}_rank"].to_numpy()).all(), d_id
        assert prof[f"{lab} band"].tolist() == [_band(x, n) for x in r[f"{stem}_rank"]], d_id
    emp = (r["Employment_score"] * 100).round(1).to_numpy()
    assert prof[EMP].to_numpy(dtype=float) == pytest.approx(emp, abs=1e-9)
    q = raw.csv("population/census2021_qualifications_lsoa21.csv").set_index("lsoa21_code").loc[codes]
    qual = (100 * q["no_qualifications"] / q["residents_16plus"]).round(1).to_numpy()
    assert prof[QUAL].to_numpy(dtype=float) == pytest.approx(qual, abs=1e-9)
    # a real organisation, by name: St Annes Advice, Nottingham (NG3 4EZ)
    row = prof.loc[prof["Organisation"] == "St Annes Advice Nottingham"].iloc[0]
    lsoa = imd.loc[row["LSOA code"]]
    assert row["IMD band"] == _band(lsoa["IMD_rank"], n) and row[EMP] == round(100 * lsoa["Employment_score"], 1)
    assert row["Employment band"] == _band(lsoa["Employment_rank"], n)


def test_bid_columns_2019(foodbanks: pd.DataFrame, table19: pd.DataFrame) -> None:
    prof = op.org_profile(foodbanks, table19, edition="2019")
    imd = raw.imd("2019")
    r = imd.loc[prof["LSOA code"].astype(str)]
    assert prof["IMD band"].tolist() == [_band(x, len(imd)) for x in r["IMD_rank"]]
    assert prof["Barriers to housing and services band"].tolist() == [
        _band(x, len(imd)) for x in r["Housing_and_Access_rank"]]
    assert prof[EMP].isna().all()  # the staged 2019 file has no domain scores
    lk = raw.csv("geography/lsoa11_lsoa21_ltla22_lookup.csv")
    not_whole = set(lk.loc[~lk["change_code"].isin(["U", "S"]), "lsoa11_code"])
    blank = prof["LSOA code"].isin(not_whole).to_numpy()
    assert blank.any() and prof.loc[blank, QUAL].isna().all()
    assert prof.loc[~blank, QUAL].notna().all()
    assert "Blank here" in op.bid_figures_note("2019", table19.columns)
    assert "Blank here" not in op.bid_figures_note("2025", ("employment_score",))


@pytest.mark.demo
def test_bid_bands_words() -> None:
    got = op.bid_bands(pd.Series([1, 3375, 3376, 6751, 20253, 20254, None], dtype="Int64"), "2025")
    assert got.tolist() == ["Top 10% most deprived LSOA", "Top 10% most deprived LSOA",
                            "Top 20% most deprived LSOA", "Top 20% most deprived LSOA",
                            "Top 60% most deprived LSOA", "Not in the 60% most deprived", ""]


def test_page_downloads_carry_the_bid_columns() -> None:
    at = open_app("app_pages/organisations.py", timeout=240)
    assert not at.exception
    shown = next(d.value for d in at.dataframe if QUAL in d.value.columns)
    csv = pd.read_csv(io.BytesIO(download_bytes(at, "Download the profile table (CSV)")))
    xlsx = pd.read_excel(io.BytesIO(download_bytes(at, "Download the profile table (Excel)")), sheet_name=None,
                         engine="openpyxl")
    for frame in (shown, csv, xlsx["Profiles"]):
        assert {"IMD rank (of 33,755)", "IMD decile", "IMD band", "Income band", "Living environment band",
                "Crime rank", QUAL, EMP} <= set(frame.columns)
    assert len(csv) == len(shown) > 10  # Birmingham's food banks
    imd = raw.imd("2025")
    r = imd.loc[csv["LSOA code"]]
    assert csv["IMD band"].tolist() == [_band(x, len(imd)) for x in r["IMD_rank"]]
    assert csv[EMP].to_numpy() == pytest.approx((r["Employment_score"] * 100).round(1).to_numpy(), abs=1e-9)
    sources = " ".join(xlsx["Sources"]["Source"].astype(str))
    assert "Census 2021 TS067" in sources and "English Indices of Deprivation 2025" in sources
    assert any(QUAL in c.value and "TS067" in c.value for c in at.caption)
