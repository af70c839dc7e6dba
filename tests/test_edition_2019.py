"""The 2019 edition (LSOA 2011) through every page, each with a number checked against the raw files.

Explore, Coverage gaps, Organisations, Area profile and Portfolio run in 2019 in tests/test_downloads.py
(their downloads, row by row); here: the headline figures of those pages, and Change and Data sources.
"""

from __future__ import annotations

import pandas as pd
from streamlit.testing.v1 import AppTest

from needsmap.config import data_dir
from tests import raw
from tests.conftest import download_bytes, open_app
from tests.test_gaps_page import _choose_layer

BHAM = raw.BIRMINGHAM
ACOCKS_GREEN = "E05011118"  # a Birmingham ward (2024)


def _open(page: str, area: str = BHAM) -> AppTest:
    at = open_app(f"app_pages/{page}.py", timeout=240, area=area, edition="2019")
    assert at.session_state["nm_edition"] == "2019"
    return at


def _text(at: AppTest) -> str:
    return " ".join(str(m.value) for m in at.markdown)


def test_explore_2019_headline() -> None:
    at = _open("explore")
    lsoas = raw.lad_lsoas(BHAM, "2019")
    people = round(raw.population2020().loc[list(lsoas)].sum())
    assert f"Birmingham has {len(lsoas):,} neighbourhoods (LSOAs) with {people:,} residents." in _text(at)
    worst = (raw.imd("2019").loc[list(lsoas), "IMD_decile"] == 1).sum()
    assert f" {worst:,} of them " in _text(at)


def test_gaps_2019_counts_the_lsoa_2011_of_the_area() -> None:
    at = _open("gaps")
    _choose_layer(at)
    assert "most deprived LSOAs in Birmingham" in at.subheader[0].value
    table = at.dataframe[0].value
    assert set(table["LSOA code"]) == raw.lad_lsoas(BHAM, "2019")


def test_organisations_2019_ranks_are_the_2019_files() -> None:
    at = _open("organisations")
    prof = next(d.value for d in at.dataframe if "LSOA code" in d.value.columns
                and f"IMD rank (of {len(raw.imd('2019')):,})" in d.value.columns)
    imd = raw.imd("2019")
    assert len(prof) > 5 and prof["LSOA code"].isin(imd.index).all()
    rank = prof[f"IMD rank (of {len(imd):,})"].astype(int).to_numpy()
    assert (rank == imd.loc[prof["LSOA code"], "IMD_rank"].astype(int).to_numpy()).all()


def test_profile_2019_of_a_lsoa_2011() -> None:
    at = _open("profile")
    at.radio(key="profile_kind").set_value("lsoa").run()
    at.text_input(key="profile_lsoa_code").set_value("E01009219").run()
    rank = int(raw.imd("2019").loc["E01009219", "IMD_rank"])
    assert f"{rank:,} of {len(raw.imd('2019')):,}" in " ".join(c.value for c in at.code)


def test_portfolio_2019_share_of_food_banks() -> None:
    from tests.test_portfolio_page import _choose_foodbanks

    at = _open("portfolio")
    _choose_foodbanks(at)
    assert "IMD 2019" in _text(at)
    orgs = raw.read_csv_bytes(download_bytes(at, "Organisations with their LSOA and decile (CSV)"))
    counted = orgs.loc[orgs["counted"] == "True", "lsoa_code"]
    assert len(counted) > 500 and counted.isin(raw.imd("2019").index).all()  # LSOA 2011 codes
    deciles = raw.imd("2019").loc[counted, "IMD_decile"]
    share = 100 * (deciles <= 5).mean()
    assert {m.label: m.value for m in at.metric}["50% of LSOAs"] == f"{share:.0f}%"


def test_change_2019_for_a_ward_reads_both_raw_files() -> None:
    at = _open("change", area=ACOCKS_GREEN)
    assert at.session_state["nm_area"].name == "Acocks Green"
    lk = raw.lsoa21_lookup()
    codes = lk.index[lk["ward24_code"] == ACOCKS_GREEN]
    same = [c for c in codes if raw.change_codes().get(c) == "U"]
    d19 = raw.imd("2019").loc[same, "IMD_decile"].astype(int)
    d25 = raw.imd("2025").loc[same, "IMD_decile"].astype(int)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Comparable neighbourhoods"] == f"{len(same)} of {len(codes)}"
    assert metrics["Into a more deprived decile"] == f"{int((d25 < d19).sum())}"
    assert metrics["Entered England's most deprived 10%"] == f"{int(((d19 > 1) & (d25 == 1)).sum())}"
    assert metrics["Left England's most deprived 10%"] == f"{int(((d19 == 1) & (d25 > 1)).sum())}"
    assert any("2021 neighbourhood boundaries" in c.value for c in at.caption)


def test_sources_2019_lists_what_is_in_the_folder() -> None:
    at = _open("sources")
    table = at.dataframe[0].value
    present = table["File"].map(lambda f: (data_dir() / f).exists())
    assert (table["Present"].eq("yes") == present).all()
    assert present[table["File"] == "imd/imd2019_lsoa11.csv"].all()
    assert len(table) == len(pd.unique(table["File"]))
