"""Every download button's bytes, opened and checked against the raw data files.

Each page runs through the real router (Birmingham, the sidebar's default, in both editions); the
file a button serves is read back (CSV with pandas, XLSX with openpyxl through pandas, PDF with pypdf,
GeoJSON with json) and rows of it are compared with values read here straight from the raw files
(tests/raw.py), not from needsmap's tables.
"""

from __future__ import annotations

import io
import json

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from pypdf import PdfReader
from streamlit.testing.v1 import AppTest

from needsmap.data.catalog import DATASETS
from tests import raw
from tests.conftest import download_bytes, open_app
from tests.test_gaps_page import _choose_layer
from tests.test_portfolio_page import _choose_foodbanks
from tests.test_portfolio_page_grants import _open_with

EDITIONS = ["2025", "2019"]
BHAM = raw.BIRMINGHAM
#: the LSOA of the profile page's tests (Birmingham 120E, Northfield; unchanged 2011 → 2021)
LSOA = "E01009219"


def _open(page: str, edition: str, **query: str) -> AppTest:
    return open_app(f"app_pages/{page}.py", timeout=240, area=BHAM, edition=edition, **query)


def _lsoa_col(edition: str) -> str:
    return "lsoa11_code" if edition == "2019" else "lsoa21_code"


def _n(edition: str) -> int:
    """England's LSOAs in the raw IMD file of ``edition``."""
    return len(raw.imd(edition))


def _population(edition: str) -> pd.Series:
    return raw.population2020() if edition == "2019" else raw.residents21()


def _pdf_text(data: bytes) -> str:
    assert data[:5] == b"%PDF-"
    return " ".join((p.extract_text() or "") for p in PdfReader(io.BytesIO(data)).pages).replace("\n", " ")


# ----------------------------------------------------------------------------- Explore
@pytest.mark.parametrize("edition", EDITIONS)
def test_explore_csv_is_every_lsoa_of_the_area_with_its_published_rank(edition: str) -> None:
    at = _open("explore", edition)
    got = raw.read_csv_bytes(download_bytes(at, "Download this table (CSV)")).set_index("LSOA code")
    imd = raw.imd(edition)
    assert set(got.index) == raw.lad_lsoas(BHAM, edition) and len(got) > 600
    rank = got[f"Index of Multiple Deprivation (overall) rank (of {_n(edition):,})"].astype(int)
    assert (rank == imd.loc[got.index, "IMD_rank"].astype(int)).all()
    decile = got["Index of Multiple Deprivation (overall) decile"].astype(int)
    assert (decile == imd.loc[got.index, "IMD_decile"].astype(int)).all()
    assert got.index[0] == imd.loc[list(got.index), "IMD_rank"].idxmin()  # most deprived first
    people = _population(edition)
    assert (got["Population"].astype(float).round() == people.loc[got.index].round()).all()


# ----------------------------------------------------------------------------- Change
def test_change_csv_ranks_and_change_from_both_raw_files() -> None:
    at = _open("change", "2025")
    got = raw.read_csv_bytes(download_bytes(at, "Download every neighbourhood's change (CSV)"))
    got = got.set_index("lsoa_code")
    assert set(got.index) == raw.lad_lsoas(BHAM, "2025")
    codes = raw.change_codes()
    assert (got["lsoa_change"] == codes.loc[got.index]).all()
    same = got[got["lsoa_change"] == "U"]
    assert len(same) > 500
    r19 = raw.imd("2019").loc[same.index, "IMD_rank"].astype(int)
    r25 = raw.imd("2025").loc[same.index, "IMD_rank"].astype(int)
    assert (same["imd_rank_2019"].astype(int) == r19).all() and (same["imd_rank"].astype(int) == r25).all()
    want = (r19 * _n("2025") / _n("2019") - r25).round().astype(int)
    assert (same["imd_rank_change"].astype(int) == want).all()
    assert got.index[0] == want.idxmax()  # the biggest rise in deprivation first


# ----------------------------------------------------------------------------- Coverage gaps
@pytest.mark.parametrize("edition", EDITIONS)
def test_gaps_downloads_lsoas_wards_and_geojson(edition: str) -> None:
    at = _open("gaps", edition)
    _choose_layer(at)
    imd, people = raw.imd(edition), _population(edition)

    # the CSVs are the tables on screen, headings included
    lsoas = raw.read_csv_bytes(download_bytes(at, "Download LSOAs (CSV)")).set_index("LSOA code")
    assert set(lsoas.index) == raw.lad_lsoas(BHAM, edition)
    assert (lsoas["IMD decile"].astype(int) == imd.loc[lsoas.index, "IMD_decile"].astype(int)).all()
    assert (lsoas["Population"].astype(float).round() == people.loc[lsoas.index].round()).all()
    ranks = lsoas["Gap rank"].astype(int)
    assert ranks.iloc[0] == 1 and ranks.is_monotonic_increasing  # largest gap first

    wards = raw.read_csv_bytes(download_bytes(at, "Download wards (CSV)")).set_index("Ward code")
    if edition == "2025":  # 2025: LSOA 2021 are within 2024 wards by ONS's lookup
        lk = raw.lsoa21_lookup()
        lk = lk[lk["ltla24_code"] == BHAM]
        assert set(wards.index) == set(lk["ward24_code"])
        per_ward = lk.groupby("ward24_code").size()
        assert (wards["LSOAs"].astype(int) == per_ward.loc[wards.index]).all()
        residents = people.loc[lk.index].groupby(lk["ward24_code"]).sum()
        assert (wards["Population"].astype(float).round() == residents.loc[wards.index].round()).all()
    assert wards["Population"].astype(float).sum() == pytest.approx(people.loc[list(lsoas.index)].sum())

    layer = json.loads(download_bytes(at, "Download map layer (GeoJSON)"))
    features = layer["features"]
    assert {f["properties"][_lsoa_col(edition)] for f in features} == set(lsoas.index)
    first = features[0]["properties"]
    assert first["imd_rank"] == int(imd.loc[first[_lsoa_col(edition)], "IMD_rank"])
    vintage = "11" if edition == "2019" else "21"
    outlines = gpd.read_parquet(raw.path(f"geography/lsoa{vintage}_boundaries.parquet"))
    polygon = outlines.set_index(_lsoa_col(edition)).geometry.loc[first[_lsoa_col(edition)]]
    shape = shapely.geometry.shape(features[0]["geometry"])
    assert shape.representative_point().within(polygon.buffer(1e-4))


# ----------------------------------------------------------------------------- Organisations
@pytest.mark.parametrize("edition", EDITIONS)
def test_organisations_excel_rows_are_the_raw_food_banks_with_their_published_rank(edition: str) -> None:
    at = _open("organisations", edition)
    sheets = pd.read_excel(io.BytesIO(download_bytes(at, "Download the profile table (Excel)")),
                           sheet_name=None, dtype=str, engine="openpyxl")
    assert list(sheets) == ["Profiles", "Not placed", "Sources"]
    prof = sheets["Profiles"]
    assert len(prof) > 5
    foodbanks = raw.csv("organisations/givefood_foodbanks.csv")
    source = foodbanks.iloc[prof["Row"].astype(int) - 1]  # "Row": the row of the file, 1 = first data row
    assert prof["Organisation"].tolist() == source["name"].tolist()
    assert prof["Postcode"].tolist() == source["postcode"].tolist()
    imd = raw.imd(edition)
    codes = prof["LSOA code"]
    assert codes.isin(raw.lad_lsoas(BHAM, edition)).all()  # only the sidebar's area is ticked
    assert (prof[f"IMD rank (of {_n(edition):,})"].astype(int).to_numpy()
            == imd.loc[codes, "IMD_rank"].astype(int).to_numpy()).all()
    assert (prof["IMD decile"].astype(int).to_numpy() == imd.loc[codes, "IMD_decile"].astype(int).to_numpy()).all()
    csv = raw.read_csv_bytes(download_bytes(at, "Download the profile table (CSV)"))
    assert csv["LSOA code"].tolist() == codes.tolist()
    assert f"English Indices of Deprivation {edition}" in sheets["Sources"]["Source"].iloc[0]


#: the raw food-bank file's ``country`` → the place its "outside England (…)" reason names
_OUTSIDE = {"Scotland": "Scotland", "Wales": "Wales", "Northern Ireland": "Northern Ireland",
            "Guernsey": "Channel Islands", "Jersey": "Channel Islands", "Isle of Man": "Isle of Man"}


def test_organisations_not_placed_csv_is_the_raw_rows_outside_england_with_their_reason() -> None:
    at = _open("organisations", "2025")
    got = raw.read_csv_bytes(download_bytes(at, "Download the rows not placed, with reasons (CSV)"))
    foodbanks = raw.csv("organisations/givefood_foodbanks.csv")
    source = foodbanks.iloc[got["source_row"].astype(int) - 1]  # 1 = the file's first data row
    assert got["name"].tolist() == source["name"].tolist()
    assert got["postcode"].tolist() == source["postcode"].tolist()
    # which rows: those the file itself puts outside England, and those it calls English whose own
    # coordinates (its latt_long column) fall inside Wales's outline
    lat_lon = foodbanks["latt_long"].str.split(",", expand=True).astype(float)
    points = gpd.GeoSeries(gpd.points_from_xy(lat_lon[1], lat_lon[0]), crs="EPSG:4326")
    countries = gpd.read_parquet(raw.path("geography/countries_gb_boundaries.parquet")).set_index("ctry_name")
    in_wales = points.within(countries.geometry.loc["Wales"]).to_numpy()
    place = foodbanks["country"].map(_OUTSIDE).where(foodbanks["country"] != "England")
    place = place.mask((foodbanks["country"] == "England").to_numpy() & in_wales, "Wales")
    want = place.dropna()
    assert len(want) > 150 and (want == "Wales").sum() > (foodbanks["country"] == "Wales").sum()
    assert sorted(got["source_row"].astype(int) - 1) == sorted(want.index)
    reasons = got.set_index(got["source_row"].astype(int) - 1)["status"]
    for row, where in want.items():
        assert reasons.loc[row].startswith(f"outside England ({where}"), (row, reasons.loc[row], where)


# ----------------------------------------------------------------------------- Data sources
def test_sources_csv_lists_the_catalog_and_which_files_are_in_the_data_folder() -> None:
    at = _open("sources", "2025")
    got = raw.read_csv_bytes(download_bytes(at, "Download this list (CSV)"))
    assert got["Dataset"].tolist() == [d.title for d in DATASETS]
    assert got["File"].tolist() == [d.file for d in DATASETS]
    on_disk = got["File"].map(lambda f: raw.path(f).exists())
    assert (got.loc[on_disk, "Present"] == "yes").all()
    assert got.loc[~on_disk, "Present"].str.startswith("missing").all()
    imd = got.set_index("File").loc["imd/imd2019_lsoa11.csv"]
    assert imd["Present"] == "yes" and "Open Government Licence v3.0" in imd["Licence"]


# ----------------------------------------------------------------------------- Area profile
@pytest.mark.parametrize("edition", EDITIONS)
def test_profile_markdown_and_pdf_carry_the_published_rank(edition: str) -> None:
    at = _open("profile", edition)
    at.radio(key="profile_kind").set_value("lsoa").run()
    at.text_input(key="profile_lsoa_code").set_value(LSOA).run()
    imd = raw.imd(edition)
    rank, n = int(imd.loc[LSOA, "IMD_rank"]), _n(edition)
    residents = int(round(_population(edition).loc[LSOA]))
    md = download_bytes(at, "Markdown").decode()
    assert f"| IMD rank (1 = most deprived) | {rank:,} of {n:,} |" in md
    assert f"| IMD decile | {int(imd.loc[LSOA, 'IMD_decile'])} of 10 |" in md
    assert f"| Residents | {residents:,} |" in md
    name = raw.lsoa21_lookup().loc[LSOA, "lsoa21_name"]  # unchanged 2011 → 2021: one name
    pdf = _pdf_text(download_bytes(at, "PDF evidence pack"))
    assert f"Neighbourhood profile: {name}" in pdf
    assert f"{rank:,} of {n:,}" in pdf and f"Residents {residents:,}" in pdf


# ----------------------------------------------------------------------------- Portfolio
@pytest.mark.parametrize("edition", EDITIONS)
def test_portfolio_downloads_deciles_figures_and_pdf(edition: str) -> None:
    at = _open("portfolio", edition)
    _choose_foodbanks(at)
    imd = raw.imd(edition)
    orgs = raw.read_csv_bytes(download_bytes(at, "Organisations with their LSOA and decile (CSV)"))
    assert len(orgs) == len(raw.csv("organisations/givefood_foodbanks.csv"))  # every row, placed or not
    counted = orgs[orgs["counted"] == "True"]
    assert len(counted) > 500
    deciles = imd.loc[counted["lsoa_code"], "IMD_decile"].astype(int)
    assert (counted["imd_decile"].astype(int).to_numpy() == deciles.to_numpy()).all()
    assert (counted["imd_rank"].astype(int).to_numpy() == imd.loc[counted["lsoa_code"], "IMD_rank"]
            .astype(int).to_numpy()).all()

    figures = raw.read_csv_bytes(download_bytes(at, "Figures (CSV)")).set_index("figure")
    for p in (10, 20, 40, 50):
        row = figures.loc[f"% of organisations in the {p}% most deprived LSOAs"]
        assert float(row["organisations"]) == pytest.approx(100 * (deciles <= p // 10).mean(), abs=0.006)
        assert float(row["England"]) == pytest.approx(100 * (imd["IMD_decile"] <= p // 10).mean(), abs=0.06)
    pdf = _pdf_text(download_bytes(at, "Portfolio summary (PDF)"))
    share = round(100 * float((deciles <= 5).mean()))
    assert f"{share}% of the organisations work in the 50% most deprived neighbourhoods" in pdf
    assert f"{len(counted):,} of {len(orgs):,} organisations" in pdf
    assert f"English Indices of Deprivation {edition}" in pdf


def test_portfolio_areas_csv_of_food_banks_is_empty_every_row_has_a_postcode() -> None:
    at = _open("portfolio", "2025")
    _choose_foodbanks(at)
    assert raw.csv("organisations/givefood_foodbanks.csv")["postcode"].notna().all()
    got = raw.read_csv_bytes(download_bytes(at, "Known only by area (CSV)"))
    assert got.empty and {"level", "area_code", "rows", "amount"} <= set(got.columns)


def test_portfolio_areas_csv_of_trafford_grants_is_the_grants_without_a_postcode() -> None:
    at = _open_with("grants_trafford")  # Trafford's council grants, on the page's default area
    grants = raw.csv("organisations/trafford_council_grants_360giving.csv")
    no_postcode = grants[grants["Recipient Org:Postal Code"].isna()]
    assert len(no_postcode) > 100
    got = raw.read_csv_bytes(download_bytes(at, "Known only by area (CSV)"))
    # every grant without a postcode goes to its beneficiary area, the borough (a GSS local authority code)
    by_area = no_postcode.groupby("Beneficiary Location:Geographic Code")
    assert got["area_code"].tolist() == list(by_area.groups) == ["E08000009"]
    assert got["rows"].astype(int).tolist() == by_area.size().tolist()
    assert got["amount"].astype(float).tolist() == pytest.approx(by_area["Amount Awarded"].sum().tolist())
    names = raw.lsoa21_lookup().drop_duplicates("ltla24_code").set_index("ltla24_code")["ltla24_name"]
    assert got["area_name"].tolist() == [names.loc["E08000009"]]
