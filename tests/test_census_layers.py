"""Census 2021 qualifications and household deprivation, and the ONS mid-year estimates, per LSOA.

Golden numbers are recomputed here from the raw CSVs (tests/raw.py), never from the code under test.
"""

from __future__ import annotations

import pandas as pd
import pytest

from needsmap import measures
from needsmap.analysis import profile as pr
from needsmap.measures import census
from needsmap.types import Edition
from tests import raw

QUALS = "population/census2021_qualifications_lsoa21.csv"
HOUSEHOLDS = "population/census2021_household_deprivation_lsoa21.csv"
MIDYEAR = "population/population_mid2022_mid2024_lsoa21.csv"
LOOKUP = "geography/lsoa11_lsoa21_ltla22_lookup.csv"
#: Birmingham LSOAs 2021: an unchanged one and the two parts of a split LSOA 2011
BHAM21 = "E01009219"
SPLIT11, SPLIT_PARTS = "E01009121", ("E01034913", "E01034914")
#: Birmingham 058D: merged in 2021 with 058E
MERGED11 = "E01009198"


def _quals() -> pd.DataFrame:
    return raw.csv(QUALS).set_index("lsoa21_code")


def _households() -> pd.DataFrame:
    return raw.csv(HOUSEHOLDS).set_index("lsoa21_code")


# ----------------------------------------------------------------------------- 2025 (LSOA 2021)
@pytest.mark.demo
def test_no_qualifications_per_lsoa_from_the_raw_file(table25: pd.DataFrame) -> None:
    q = _quals()
    for code in (BHAM21, *SPLIT_PARTS):
        assert table25.at[code, "residents_16plus"] == q.at[code, "residents_16plus"]
        assert table25.at[code, "no_qualifications"] == q.at[code, "no_qualifications"]
        want = 100 * q.at[code, "no_qualifications"] / q.at[code, "residents_16plus"]
        assert table25.at[code, "no_qual_pct"] == pytest.approx(want, abs=0.005)
    assert table25["no_qual_pct"].between(0, 100).all()


def test_england_no_qualifications_is_18_1_pct(table25: pd.DataFrame) -> None:
    q = raw.csv(QUALS)
    want = 100 * q["no_qualifications"].sum() / q["residents_16plus"].sum()
    assert round(want, 1) == 18.1 and q["residents_16plus"].sum() == 46_007_598  # the README's figures
    got = 100 * table25["no_qualifications"].sum() / table25["residents_16plus"].sum()
    assert got == pytest.approx(want, rel=1e-12)
    assert table25["residents_16plus"].sum() == q["residents_16plus"].sum()


@pytest.mark.demo
def test_household_deprivation_per_lsoa_from_the_raw_file(table25: pd.DataFrame) -> None:
    h = _households()
    for code in (BHAM21, *SPLIT_PARTS):
        r = h.loc[code]
        total = r["total_households"]
        want = {
            "hh_dep1_pct": 100 * (total - r["not_deprived"]) / total,
            "hh_dep2_pct": 100 * (r["deprived_2_dimensions"] + r["deprived_3_dimensions"]
                                  + r["deprived_4_dimensions"]) / total,
            "hh_dep3_pct": 100 * (r["deprived_3_dimensions"] + r["deprived_4_dimensions"]) / total,
        }
        assert table25.at[code, "households"] == total
        assert table25.at[code, "hh_dep1"] == total - r["not_deprived"]
        for col, v in want.items():
            assert table25.at[code, col] == pytest.approx(v, abs=0.005), (code, col)
        assert table25.at[code, "hh_dep1_pct"] >= table25.at[code, "hh_dep2_pct"] >= table25.at[code, "hh_dep3_pct"]


def test_england_household_deprivation_shares(table25: pd.DataFrame) -> None:
    h = raw.csv(HOUSEHOLDS)
    total = h["total_households"].sum()
    assert total == 23_435_995 and round(100 * h["not_deprived"].sum() / total, 1) == 48.4  # README
    two = h[["deprived_2_dimensions", "deprived_3_dimensions", "deprived_4_dimensions"]].sum().sum()
    three = h[["deprived_3_dimensions", "deprived_4_dimensions"]].sum().sum()
    want = {"hh_dep1": total - h["not_deprived"].sum(), "hh_dep2": two, "hh_dep3": three}
    assert table25["households"].sum() == total
    for col, v in want.items():
        assert table25[col].sum() == v, col
    assert round(100 * table25["hh_dep1"].sum() / total, 1) == 51.6  # 100 − 48.4
    assert round(100 * table25["hh_dep3"].sum() / total, 1) == 3.9  # 3.7% in three + 0.2% in four


@pytest.mark.demo
def test_mid_year_estimates_per_lsoa(table25: pd.DataFrame, table19: pd.DataFrame) -> None:
    mid = raw.csv(MIDYEAR).set_index("lsoa21_code")
    for code in (BHAM21, *SPLIT_PARTS):
        assert table25.at[code, "population_mid2022"] == mid.at[code, "population_mid2022"]
        assert table25.at[code, "population_mid2024"] == mid.at[code, "population_mid2024"]
    assert "population_mid2024" not in table19.columns  # LSOA 2021 estimates: 2025 edition only


def test_england_mid_year_totals(table25: pd.DataFrame) -> None:
    mid = raw.csv(MIDYEAR)
    assert mid["population_mid2022"].sum() == 57_112_542 and mid["population_mid2024"].sum() == 58_620_101
    assert table25["population_mid2022"].sum() == mid["population_mid2022"].sum()
    assert table25["population_mid2024"].sum() == mid["population_mid2024"].sum()


# ----------------------------------------------------------------------------- 2019 (LSOA 2011)
@pytest.mark.demo
def test_2019_sums_the_parts_of_a_split_lsoa(table19: pd.DataFrame) -> None:
    lk = raw.csv(LOOKUP)
    parts = lk.loc[lk["lsoa11_code"] == SPLIT11]
    assert set(parts["change_code"]) == {"S"} and set(parts["lsoa21_code"]) == set(SPLIT_PARTS)
    q, h = _quals(), _households()
    n16 = q.loc[list(SPLIT_PARTS), "residents_16plus"].sum()
    none = q.loc[list(SPLIT_PARTS), "no_qualifications"].sum()
    assert table19.at[SPLIT11, "residents_16plus"] == n16
    assert table19.at[SPLIT11, "no_qual_pct"] == pytest.approx(100 * none / n16, abs=0.005)
    hh = h.loc[list(SPLIT_PARTS)]
    assert table19.at[SPLIT11, "households"] == hh["total_households"].sum()
    want = 100 * (hh["total_households"].sum() - hh["not_deprived"].sum()) / hh["total_households"].sum()
    assert table19.at[SPLIT11, "hh_dep1_pct"] == pytest.approx(want, abs=0.005)
    # an unchanged LSOA keeps its own figures
    assert table19.at[BHAM21, "no_qual_pct"] == pytest.approx(
        100 * q.at[BHAM21, "no_qualifications"] / q.at[BHAM21, "residents_16plus"], abs=0.005)


@pytest.mark.demo
def test_2019_merged_and_redrawn_lsoas_are_blank(table19: pd.DataFrame) -> None:
    lk = raw.csv(LOOKUP)
    assert set(lk.loc[lk["lsoa11_code"] == MERGED11, "change_code"]) == {"M"}
    cols = ["residents_16plus", "no_qual_pct", "households", "hh_dep1_pct", "hh_dep3_pct"]
    assert table19.loc[MERGED11, cols].isna().all()
    not_whole = set(lk.loc[~lk["change_code"].isin(["U", "S"]), "lsoa11_code"]) & set(table19.index)
    assert not_whole and table19.loc[sorted(not_whole), "no_qual_pct"].isna().all()
    whole = table19.index.difference(sorted(not_whole))
    assert table19.loc[whole, "no_qual_pct"].notna().all() and table19.loc[whole, "hh_dep1_pct"].notna().all()


def test_2019_england_counts_are_the_whole_lsoas_counts(table19: pd.DataFrame) -> None:
    """England's 2019 counts are the Census counts of every LSOA 2021 lying in an unchanged or split
    LSOA 2011 (32,644 of them), so nothing is double-counted or estimated."""
    lk = raw.csv(LOOKUP)
    bad11 = set(lk.loc[~lk["change_code"].isin(["U", "S"]), "lsoa11_code"])
    parts21 = set(lk.loc[~lk["lsoa11_code"].isin(bad11), "lsoa21_code"])
    q = _quals()
    assert table19["no_qual_pct"].notna().sum() == len(table19) - len(bad11)
    assert table19["residents_16plus"].sum() == q.loc[sorted(parts21), "residents_16plus"].sum()


# ----------------------------------------------------------------------------- the registry
@pytest.mark.demo
def test_measures_are_registered_for_both_editions() -> None:
    ids25 = [m.id for m in measures.measures_for("2025")]
    ids19 = [m.id for m in measures.measures_for("2019")]
    new = ["no_qual_pct", "hh_dep1_pct", "hh_dep2_pct", "hh_dep3_pct"]
    assert all(i in ids25 and i in ids19 for i in new)
    for i in new:
        m = measures.get_measure(i)
        assert (m.views, m.kind, m.unit, m.higher_is_worse) == (("value",), "share", "%", True)
        assert m.group == "Census 2021: qualifications and households" and len(m.description) > 80
    assert measures.get_measure("no_qual_pct").datasets[0] == "census2021_qualifications"
    pop = measures.get_measure("population_estimates")
    assert pop.views == () and pop.editions == ("2025",) and pop.kind == "count"  # not mapped
    assert [r.column for r in pop.profile_rows] == ["population_mid2022", "population_mid2024"]


@pytest.mark.demo
def test_mappable_on_explore(table25: pd.DataFrame, table19: pd.DataFrame) -> None:
    editions: tuple[tuple[pd.DataFrame, Edition], ...] = ((table25, "2025"), (table19, "2019"))
    for table, ed in editions:
        shown = [m.id for m in measures.measures_for(ed) if m.views_in(table.columns)]  # Explore's rule
        assert {"no_qual_pct", "hh_dep1_pct", "hh_dep2_pct", "hh_dep3_pct"} <= set(shown), ed
        assert "population_estimates" not in shown


@pytest.mark.demo
def test_how_says_which_population_is_used_where() -> None:
    how = " ".join(measures.how_made())
    assert "Census 2021 usual residents" in how and "mid-2022 denominators" in how
    assert "mid-2024 the latest" in how and "merged (M)" in how
    assert census.HOW[1] in measures.how_made()
    uses = measures.used_by()
    assert uses["census2021_qualifications"] == ["No qualifications (residents aged 16+, Census 2021)"]
    assert "Population estimates, mid-2022 and mid-2024 (ONS)" in uses["population_lsoa21_mid2022_2024"]


@pytest.mark.demo
def test_lsoa_profile_lists_the_new_rows(table25: pd.DataFrame) -> None:
    p = pr.lsoa_profile(BHAM21, edition="2025", table=table25)
    mid = raw.csv(MIDYEAR).set_index("lsoa21_code")
    assert p.extra["population_mid2024"]["value"] == mid.at[BHAM21, "population_mid2024"]
    assert "mid-2024" in p.extra["population_mid2024"]["label"]
    q = _quals()
    want = 100 * q.at[BHAM21, "no_qualifications"] / q.at[BHAM21, "residents_16plus"]
    assert p.extra["no_qual_pct"]["value"] == pytest.approx(want, abs=0.005)
    assert {"hh_dep1_pct", "hh_dep2_pct", "hh_dep3_pct", "population_mid2022"} <= set(p.extra)


@pytest.mark.demo
def test_share_pct_is_a_ratio_of_sums() -> None:
    counts = pd.DataFrame({"no_qualifications": [10, 0, 5], "residents_16plus": [40, 0, 10]})
    got = census.share_pct(counts, "no_qual_pct")
    assert got.iloc[0] == 25.0 and pd.isna(got.iloc[1]) and got.iloc[2] == 50.0
    sums = counts.sum().to_frame().T
    assert census.share_pct(sums, "no_qual_pct").iloc[0] == pytest.approx(100 * 15 / 50)
