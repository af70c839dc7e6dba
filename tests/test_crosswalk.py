"""The one LSOA 2011 ↔ 2021 resolver, against the raw ONS lookup and population files."""

from __future__ import annotations

import pandas as pd
import pytest

from needsmap.analysis import profile as pr
from needsmap.data import crosswalk as cw
from needsmap.data import load_lsoa_table
from needsmap.data.catalog import get_dataset
from needsmap.orgs import geocode as gc


@pytest.fixture(scope="module")
def lookup() -> pd.DataFrame:
    return pd.read_csv(get_dataset("lsoa11_lsoa21_lookup").path, dtype=str)


@pytest.fixture(scope="module")
def pop21() -> pd.Series:
    raw = pd.read_csv(get_dataset("census2021_ethnicity").path)
    return raw.drop_duplicates("lsoa21_code").set_index("lsoa21_code")["total_residents"].astype(float)


@pytest.fixture(scope="module")
def pop11() -> pd.Series:
    raw = pd.read_csv(get_dataset("population2020").path, usecols=["lsoa11_code", "total_population"])
    return raw.set_index("lsoa11_code")["total_population"].astype(float)


def test_split_2011_codes_take_the_2021_part_with_most_residents(lookup: pd.DataFrame,
                                                                 pop21: pd.Series) -> None:
    split = lookup[lookup["change_code"] == "S"]
    parts = split.assign(people=split["lsoa21_code"].map(pop21))
    expected = parts.sort_values(["people", "lsoa21_code"], ascending=[False, True]) \
        .drop_duplicates("lsoa11_code").set_index("lsoa11_code")["lsoa21_code"]
    assert len(expected) == 834  # 2011 LSOAs split in 2021, counted in the raw lookup
    got = cw.resolve_codes(pd.Series(expected.index, index=expected.index), to="lsoa21")
    assert (got["code"] == expected).all()
    assert (got["how"] == cw.HOW_SPLIT_PART).all()
    # the lookup's first listed part is not the answer for many of them: no silent first match
    first = split.drop_duplicates("lsoa11_code").set_index("lsoa11_code")["lsoa21_code"]
    assert (first.reindex(expected.index) != expected).sum() > 100


def test_known_split_names_its_alternative_with_residents(pop21: pd.Series) -> None:
    got = cw.resolve_codes(pd.Series(["e01006865 "], index=[7]), to="lsoa21")
    assert list(got.index) == [7]
    row = got.iloc[0]
    assert pop21["E01033794"] > pop21["E01033793"]
    assert row["code"] == "E01033794" and row["change_code"] == "S"
    assert set(row["candidates"]) == {"E01033793", "E01033794"}
    assert f"E01033793 ({pop21['E01033793']:,.0f} residents)" in row["note"]


def test_merged_codes(lookup: pd.DataFrame, pop11: pd.Series) -> None:
    merged = lookup[lookup["change_code"] == "M"]
    # 2011 → 2021: the merged LSOA
    got = cw.resolve_codes(merged["lsoa11_code"].reset_index(drop=True), to="lsoa21")
    assert (got["code"].to_numpy() == merged["lsoa21_code"].to_numpy()).all()
    assert (got["how"] == cw.HOW_MERGED).all()
    # 2021 → 2011: the 2011 part with most residents (mid-2020)
    parts = merged.assign(people=merged["lsoa11_code"].map(pop11))
    expected = parts.sort_values(["people", "lsoa11_code"], ascending=[False, True]) \
        .drop_duplicates("lsoa21_code").set_index("lsoa21_code")["lsoa11_code"]
    back = cw.resolve_codes(pd.Series(expected.index, index=expected.index), to="lsoa11")
    assert (back["code"] == expected).all() and (back["how"] == cw.HOW_MERGED_PART).all()


def test_irregular_codes_take_the_most_populous_match(lookup: pd.DataFrame, pop21: pd.Series) -> None:
    x = lookup[lookup["change_code"] == "X"]
    for code, group in x.groupby("lsoa11_code"):
        want = group["lsoa21_code"].map(pop21).idxmax()
        got = cw.resolve_codes(pd.Series([code]), to="lsoa21").iloc[0]
        assert got["code"] == group.loc[want, "lsoa21_code"]
        assert got["change_code"] == "X"


def test_same_unknown_and_blank() -> None:
    got = cw.resolve_codes(pd.Series(["E01009219", "E01999999", "", None, "hello"]), to="lsoa21")
    assert list(got["code"].fillna("-")) == ["E01009219", "-", "-", "-", "-"]
    assert list(got["how"].fillna("-")) == [cw.HOW_SAME, cw.HOW_UNKNOWN, "-", "-", cw.HOW_UNKNOWN]
    with pytest.raises(ValueError, match="lsoa11"):
        cw.resolve_codes(pd.Series(["E01009219"]), to="lsoa19")  # type: ignore[arg-type]


def test_place_lsoa_codes_goes_through_it() -> None:
    out = gc.place_lsoa_codes(pd.Series(["E01006865", "E01033794", "E01009219"]))
    assert list(out["lsoa21_code"]) == ["E01033794", "E01033794", "E01009219"]
    assert list(out["lsoa11_code"]) == ["E01006865", "E01006865", "E01009219"]
    assert out["placed_by"].iloc[0] == "LSOA code (split in 2021: most-populous part)"
    assert out["placed_by"].iloc[1] == f"LSOA code ({cw.HOW_SPLIT_PARENT})"
    assert out["placed_by"].iloc[2] == gc.BY_LSOA
    # the split 2011 code's 2021 part is the most-populous one: a guess; the others are exact
    assert list(out["confidence"]) == [gc.CONF_UNCERTAIN, gc.CONF_EXACT, gc.CONF_EXACT]


def test_profile_resolves_the_same_way(lookup: pd.DataFrame) -> None:
    table = load_lsoa_table("2025")
    codes = lookup.loc[lookup["change_code"].isin(["S", "X"]), "lsoa11_code"].drop_duplicates()[:40]
    got = cw.resolve_codes(codes, to="lsoa21")
    for code, want in zip(codes, got["code"], strict=True):
        chosen, translation = pr.resolve_lsoa(code, edition="2025", table=table)
        assert chosen == want and translation is not None and translation.note


def _most_populous_part(lookup: pd.DataFrame, pop21: pd.Series) -> pd.Series:
    """Each split LSOA 2011 → its 2021 part with most Census 2021 residents (ties by code)."""
    split = lookup[lookup["change_code"] == "S"]
    parts = split.assign(people=split["lsoa21_code"].map(pop21))
    return parts.sort_values(["people", "lsoa21_code"], ascending=[False, True]) \
        .drop_duplicates("lsoa11_code").set_index("lsoa11_code")["lsoa21_code"]


def test_2019_geography_of_a_split_lsoa_is_its_most_populous_2021_part(lookup: pd.DataFrame,
                                                                        pop21: pd.Series) -> None:
    from needsmap.data import load_geography

    wards = pd.read_csv(get_dataset("lsoa21_ward24_lookup").path, dtype=str).set_index("lsoa21_code")
    part = _most_populous_part(lookup, pop21)
    first = lookup[lookup["change_code"] == "S"].drop_duplicates("lsoa11_code") \
        .set_index("lsoa11_code")["lsoa21_code"].reindex(part.index)
    # the lookup's first row is another ward for some of them: the old rule gave those away
    moved = wards["ward24_code"].reindex(first).to_numpy() != wards["ward24_code"].reindex(part).to_numpy()
    assert moved.sum() > 10
    geo = load_geography("2019").reindex(part.index)
    assert (geo["ward_code"].to_numpy() == wards["ward24_code"].reindex(part).to_numpy()).all()
    assert (geo["lad_code"].to_numpy() == wards["ltla24_code"].reindex(part).to_numpy()).all()
    # and the profile, which resolves through the crosswalk, names the same 2021 LSOA
    table = load_lsoa_table("2025")
    code = part.index[moved][0]
    assert pr.resolve_lsoa(code, edition="2025", table=table)[0] == part[code]


def test_nspl_vintage_maps_follow_the_crosswalk(lookup: pd.DataFrame, pop11: pd.Series) -> None:
    from needsmap.data.sources import nspl

    to11 = nspl.lsoa21_to_lsoa11()
    to21 = nspl.lsoa11_to_lsoa21()
    assert to11 is not None and to21 is not None
    merged = lookup[lookup["change_code"] == "M"]
    best = merged.assign(people=merged["lsoa11_code"].map(pop11)) \
        .sort_values(["people", "lsoa11_code"], ascending=[False, True]) \
        .drop_duplicates("lsoa21_code").set_index("lsoa21_code")["lsoa11_code"]
    assert len(best) == 97  # 2021 LSOAs merged from several 2011 ones, in the raw lookup
    assert all(to11[c] == want for c, want in best.items())
    # a 2011 LSOA goes to 2021 only when it lies in exactly one (unchanged or merged), never split
    whole = lookup[lookup["change_code"].isin(["U", "M"])].set_index("lsoa11_code")["lsoa21_code"]
    assert {c: to21[c] for c in whole.index} == whole.to_dict()
    assert not set(lookup.loc[lookup["change_code"].isin(["S", "X"]), "lsoa11_code"]) & set(to21)


def test_counterparts_are_every_overlapping_lsoa(lookup: pd.DataFrame) -> None:
    split = lookup[lookup["change_code"] == "S"]
    code = split["lsoa11_code"].iloc[0]
    assert cw.counterparts(code, to="lsoa21") == sorted(split.loc[split["lsoa11_code"] == code,
                                                                   "lsoa21_code"])
    merged = lookup[lookup["change_code"] == "M"]
    code21 = merged["lsoa21_code"].iloc[0]
    assert cw.counterparts(code21, to="lsoa11") == sorted(merged.loc[merged["lsoa21_code"] == code21,
                                                                      "lsoa11_code"])
    assert cw.counterparts("E01999999", to="lsoa21") == []
