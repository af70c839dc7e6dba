"""Selection summaries and the Explore table, checked against the real IMD files."""

from __future__ import annotations

import pandas as pd
import pytest

from needsmap import areas
from needsmap.analysis.summary import (
    TABLE_DOMAINS,
    decile_counts,
    display_table,
    geography_sources,
    source_ids,
    summarise,
    summary_sentence,
    value_cutoff,
    worst_share_mask,
)
from needsmap.data import get_dataset
from needsmap.data._cache import recording_reads
from needsmap.data.loaders import geography_datasets, is_national, load_geography, reference_figure
from needsmap.measures import get_measure
from needsmap.types import LSOA_VINTAGE, Edition, england_lsoa_count
from tests import raw


@pytest.fixture(scope="module")
def bham_area(geo25: pd.DataFrame) -> areas.Area:
    return areas.area_from_code("E08000025", geo25)


@pytest.mark.demo
def test_birmingham_imd_2025_summary_matches_the_deciles(table25: pd.DataFrame,
                                                         bham_area: areas.Area) -> None:
    sel = areas.select(table25, bham_area)
    s = summarise(sel, "imd", edition="2025")
    assert s.n_lsoas == len(sel) == 659
    assert s.residents == round(sel["population"].sum())
    assert s.lsoas_10 == int((sel["imd_decile"] == 1).sum())
    assert s.lsoas_20 == int((sel["imd_decile"] <= 2).sum())
    assert s.residents_10 == round(sel.loc[sel["imd_decile"] == 1, "population"].sum())
    assert 0.35 < (s.share_lsoas_10 or 0) < 0.5  # Birmingham: about 4 in 10 in England's worst 10%
    assert (s.share_lsoas_10 or 0) < (s.share_lsoas_20 or 0)
    text = summary_sentence(s, "Birmingham")
    assert f"{s.lsoas_10:,} of them" in text and "10% most deprived" in text and "IMD 2025" in text


def test_all_england_is_ten_percent_in_the_worst_decile(table19: pd.DataFrame) -> None:
    s = summarise(table19, "health", edition="2019")
    assert s.n_lsoas == england_lsoa_count("2019")
    assert abs((s.share_lsoas_10 or 0) - 0.1) < 0.001
    assert abs((s.share_lsoas_20 or 0) - 0.2) < 0.001


@pytest.mark.demo
def test_reference_lsoa_in_the_table(table19: pd.DataFrame) -> None:
    row = table19.loc[["E01009219"]]
    t = display_table(row, "imd", edition="2019").iloc[0]
    assert t["LSOA code"] == "E01009219"
    imd = raw.imd("2019")  # the published file
    assert t[f"Index of Multiple Deprivation (overall) rank (of {len(imd):,})"] == imd.loc["E01009219", "IMD_rank"]
    t = display_table(row, "health", edition="2019").iloc[0]
    assert t[f"Health deprivation and disability rank (of {len(imd):,})"] == imd.loc["E01009219", "Health_rank"]
    assert t["Local authority"] == "Birmingham"


@pytest.mark.demo
def test_display_table_has_every_domain_decile_and_is_worst_first(table25: pd.DataFrame,
                                                                  bham_area: areas.Area) -> None:
    sel = areas.select(table25, bham_area)
    t = display_table(sel, "income", edition="2025")
    assert len(t) == len(sel)
    assert list(t.columns[:5]) == ["LSOA code", "LSOA name", "Ward", "Local authority", "Population"]
    for _, lab in TABLE_DOMAINS:
        if lab != "Income":
            assert f"{lab} decile" in t.columns
    ranks = t["Income deprivation rank (of 33,755)"]
    assert ranks.is_monotonic_increasing
    assert "Income deprivation score" in t.columns and "Income deprivation decile" in t.columns
    assert "Region" in display_table(sel.head(3), "imd", edition="2025", include_region=True).columns


@pytest.mark.demo
def test_value_measure_needs_the_national_table(table25: pd.DataFrame, bham_area: areas.Area) -> None:
    assert "at_risk_jobs_pct" in table25.columns  # on the demo too: its jobs file is England's
    sel = areas.select(table25, bham_area)
    assert worst_share_mask(sel, "at_risk_jobs_pct", 0.1, edition="2025") is None
    s = summarise(sel, "at_risk_jobs_pct", edition="2025", national=table25)
    assert s.lsoas_10 is not None and 0 <= s.lsoas_10 <= s.n_lsoas
    nat = summarise(table25, "at_risk_jobs_pct", edition="2025", national=table25)
    if is_national(table25):
        assert abs((nat.share_lsoas_10 or 0) - 0.1) < 0.01
    else:  # the demo's region, judged by England's cut-off from the reference, not its own
        cut = value_cutoff(table25, "at_risk_jobs_pct", 0.1)
        assert cut == reference_figure(table25, "value_cutoffs", "at_risk_jobs_pct", "0.1")
        assert nat.lsoas_10 == int((table25["at_risk_jobs_pct"] >= cut).sum())
    sentence = summary_sentence(s, "Birmingham")
    assert sentence.startswith(f"Birmingham has {len(sel):,} neighbourhoods (LSOAs)")
    assert f" {s.lsoas_10:,} of them " in sentence and "are in the 20% most in need." in sentence


def test_yes_no_measure_counts_flagged(table25: pd.DataFrame) -> None:
    s = summarise(table25, "left_behind", edition="2025", national=table25)
    cni = pd.read_csv(get_dataset("cni2023").path)  # the redistributor's own flag, counted here
    assert s.flagged == int(cni["Left Behind Area?"].astype(bool).sum()) > 1000 and s.lsoas_10 is None
    assert "flagged" in summary_sentence(s, "England")


@pytest.mark.demo
def test_edge_cases_empty_and_missing_population() -> None:
    t = pd.DataFrame({"population": [100.0, None], "imd_decile": pd.array([1, None], dtype="Int64"),
                      "imd_rank": pd.array([5, None], dtype="Int64")},
                     index=pd.Index(["E01000001", "E01000002"], name="lsoa_code"))
    s = summarise(t, "imd", edition="2025")
    assert (s.n_lsoas, s.residents, s.lsoas_10, s.residents_10) == (2, 100, 1, 100)
    empty = summarise(t.iloc[:0], "imd", edition="2025")
    assert empty.share_lsoas_10 is None
    assert "no neighbourhoods" in summary_sentence(empty, "Nowhere")
    assert display_table(t, "imd", edition="2025")["LSOA code"].tolist() == ["E01000001", "E01000002"]


@pytest.mark.demo
def test_decile_counts_cover_all_ten(table25: pd.DataFrame, bham_area: areas.Area) -> None:
    counts = decile_counts(areas.select(table25, bham_area), "imd")
    assert counts["decile"].tolist() == list(range(1, 11))
    assert counts["lsoas"].sum() == len(raw.lad_lsoas(raw.BIRMINGHAM, "2025"))


@pytest.mark.parametrize("edition", ["2019", "2025"])
@pytest.mark.demo
def test_sources_are_catalog_entries_of_the_edition(edition: str) -> None:
    ids = source_ids(get_measure("health"), edition)  # type: ignore[arg-type]
    assert f"imd{edition}" in ids and not any(i.startswith("imd") and edition not in i for i in ids)
    for i in ids:
        assert get_dataset(i).citation()


@pytest.mark.parametrize("edition", ["2019", "2025"])
def test_geography_sources_are_the_files_the_geography_reads(edition: Edition) -> None:
    """The Explore caption's geography datasets are what building the geography reads (recorded as
    it reads them), with the LSOA boundaries and authority outlines the map draws."""
    with recording_reads() as reads:
        load_geography(edition)
    ids = geography_datasets(edition)
    assert {str(get_dataset(i).path) for i in ids} == set(reads)
    assert geography_sources(edition) == (f"{LSOA_VINTAGE[edition]}_boundaries", *ids, "ltla24_boundaries")
