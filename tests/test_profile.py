"""Area profiles against the real Indices of Deprivation files."""

from __future__ import annotations

import pandas as pd
import pytest

from needsmap import data
from needsmap.analysis import profile as pr
from needsmap.data.catalog import get_dataset
from needsmap.errors import ValidationError


@pytest.mark.demo
def test_lsoa_profile_e01009219_2019(table19: pd.DataFrame, table25: pd.DataFrame) -> None:
    p = pr.lsoa_profile("E01009219", edition="2019", table=table19, other_table=table25)
    assert (p.imd.rank, p.domains["health"].rank) == (5929, 7847)
    assert p.imd.decile == 2 and p.total_lsoas == 32_844
    assert p.lsoa_name == "Birmingham 120E" and p.local_authority == "Birmingham"
    assert p.translation is None
    assert set(p.domains) == set(pr.DOMAIN_IDS) and set(p.subdomains) == set(pr.SUBDOMAIN_IDS)
    assert "among the 20% most deprived neighbourhoods in England" in p.summary
    assert "rank 5,929 of 32,844" in p.summary
    assert "Health deprivation rank 7,847 of 32,844" in p.summary
    d = p.to_dict()
    assert d["imd"] == {"label": d["imd"]["label"], "rank": 5929, "decile": 2, "of": 32844, "score": None}
    assert d["domains"]["health"]["rank"] == 7847


def test_lsoa_profile_rates_and_ages_from_the_raw_files(table19: pd.DataFrame) -> None:
    """IDACI/IDAOPI rates = IMD numerator ÷ mid-2020 age group, recomputed from the CSVs."""
    p = pr.lsoa_profile("E01009219", edition="2019", table=table19)
    ind = pd.read_csv(get_dataset("imd2019_indicators").path).set_index("lsoa11_code")
    pop = pd.read_csv(get_dataset("population2020").path).set_index("lsoa11_code").loc["E01009219"]
    kids = sum(float(pop[str(a)]) for a in range(16))
    old = sum(float(pop[str(a)]) for a in range(60, 90)) + float(pop["90+"])
    num_c = float(ind.loc["E01009219", "income_deprivation_affecting_children_index_idaci_numerator"])
    num_o = float(ind.loc["E01009219", "income_deprivation_affecting_older_people_index_idaopi_numerator"])
    assert p.idaci.rate_pct == pytest.approx(100 * num_c / kids, abs=0.05)
    assert p.idaopi.rate_pct == pytest.approx(100 * num_o / old, abs=0.05)
    assert p.age_profile["total"] == round(float(pop["total_population"]))
    assert p.age_profile["children_0_15"] == round(kids)
    assert sum(p.age_profile["bands"].values()) == pytest.approx(p.age_profile["total"], abs=8)
    assert 0 < p.idaci.england_pct < 40


@pytest.mark.demo
def test_both_editions_side_by_side_when_unchanged(table19: pd.DataFrame, table25: pd.DataFrame) -> None:
    p = pr.lsoa_profile("E01009219", edition="2019", table=table19, other_table=table25)
    o = p.other_edition
    assert o["comparable"] and o["change_code"] == "U" and o["edition"] == "2025"
    assert o["imd"]["rank"] == int(table25.loc["E01009219", "imd_rank"])
    assert "change code U" in o["note"]


@pytest.mark.parametrize(
    ("code", "edition", "expect_change", "expect_in"),
    [
        ("E01033468", "2025", "S", {"E01035189", "E01035190"}),  # LSOA11 split into two LSOA21
        ("E01035189", "2019", "S", {"E01033468"}),  # one of the LSOA21 halves → its LSOA11 parent
        ("E01035188", "2019", "M", {"E01011973", "E01011976"}),  # merged LSOA21 → its LSOA11 parts
        ("E01011973", "2025", "M", {"E01035188"}),
    ],
)
def test_other_vintage_code_is_translated(code: str, edition: str, expect_change: str,
                                          expect_in: set[str], table19: pd.DataFrame,
                                          table25: pd.DataFrame) -> None:
    t = table19 if edition == "2019" else table25
    p = pr.lsoa_profile(code, edition=edition, table=t)  # type: ignore[arg-type]
    assert p.translation is not None
    assert p.translation.requested_code == code and p.translation.change_code == expect_change
    assert p.lsoa_code in expect_in and p.lsoa_code in t.index
    assert code in p.summary and "Note:" in p.summary
    assert not p.other_edition["comparable"]  # a changed boundary is never set side by side
    # the chosen one is the most populous candidate
    pops = t.loc[sorted(expect_in), "population"].astype(float)
    assert p.lsoa_code == pops.idxmax()


@pytest.mark.demo
def test_bad_codes_are_clear_errors(table25: pd.DataFrame) -> None:
    with pytest.raises(ValidationError, match="not an LSOA code"):
        pr.lsoa_profile("E02000001", edition="2025", table=table25)
    with pytest.raises(ValidationError, match="not an LSOA 2011 or LSOA 2021 code"):
        pr.lsoa_profile("E01999999", edition="2025", table=table25)


def test_rate_over_100_percent_is_withheld(table25: pd.DataFrame) -> None:
    # a new-build LSOA 2021: more income-deprived children than mid-2020 children estimated
    p = pr.lsoa_profile("E01035190", edition="2025", table=table25)
    assert p.idaci.rate_pct is None and "Not shown" in p.idaci.note
    assert p.age_profile["estimated"]


def _independent_area(path_imd: str, key: str, codes: list[str], pop: pd.Series) -> dict[str, float]:
    imd = pd.read_csv(path_imd).set_index(key).loc[codes]
    w = pop.reindex(codes).astype(float)
    return {
        "mean_rank": float((imd["IMD_rank"] * w).sum() / w.sum()),
        "pct10": 100 * float(w[imd["IMD_decile"] == 1].sum()) / float(w.sum()),
        "pct20": 100 * float(w[imd["IMD_decile"] <= 2].sum()) / float(w.sum()),
        "n10": int((imd["IMD_decile"] == 1).sum()),
    }


def test_ward_profile_matches_independent_pandas_2019(table19: pd.DataFrame) -> None:
    p = pr.area_profile("E05011158", edition="2019", table=table19)  # Northfield, Birmingham
    # independent: LSOA11 -> best-fit LSOA21 -> ward from the raw lookups, mid-2020 population
    lk = pd.read_csv(get_dataset("lsoa11_lsoa21_lookup").path).drop_duplicates("lsoa11_code")
    wards = pd.read_csv(get_dataset("lsoa21_ward24_lookup").path).set_index("lsoa21_code")["ward24_code"]
    lk["ward"] = wards.reindex(lk["lsoa21_code"]).to_numpy()
    codes = sorted(lk.loc[lk["ward"] == "E05011158", "lsoa11_code"])
    pop = pd.read_csv(get_dataset("population2020").path).set_index("lsoa11_code")["total_population"]
    ind = _independent_area(str(get_dataset("imd2019").path), "lsoa11_code", codes, pop)
    assert sorted(r["lsoa_code"] for r in p.lsoas) == codes
    assert p.n_lsoas == len(codes) and p.population == round(float(pop.reindex(codes).sum()))
    assert p.imd["pop_weighted_mean_rank"] == round(ind["mean_rank"])
    assert p.imd["pct_pop_10pct_most_deprived"] == pytest.approx(ind["pct10"], abs=0.05)
    assert p.imd["pct_pop_20pct_most_deprived"] == pytest.approx(ind["pct20"], abs=0.05)
    assert p.title == "Northfield (ward, Birmingham)"


def test_local_authority_profile_matches_independent_pandas_2025(table25: pd.DataFrame) -> None:
    p = pr.area_profile("Birmingham", edition="2025", table=table25)
    wards = pd.read_csv(get_dataset("lsoa21_ward24_lookup").path)
    codes = sorted(wards.loc[wards["ltla24_code"] == "E08000025", "lsoa21_code"])
    eth = pd.read_csv(get_dataset("census2021_ethnicity").path)
    pop = eth.drop_duplicates("lsoa21_code").set_index("lsoa21_code")["total_residents"]
    ind = _independent_area(str(get_dataset("imd2025").path), "lsoa21_code", codes, pop)
    assert p.kind == "lad" and p.n_lsoas == len(codes) == 659
    assert p.imd["pop_weighted_mean_rank"] == round(ind["mean_rank"])
    assert p.imd["pct_pop_10pct_most_deprived"] == pytest.approx(ind["pct10"], abs=0.05)
    assert p.imd["pct_pop_20pct_most_deprived"] == pytest.approx(ind["pct20"], abs=0.05)
    assert p.imd["lsoas_10pct_most_deprived"] == ind["n10"]
    imd = pd.read_csv(get_dataset("imd2025").path).set_index("lsoa21_code").loc[codes]
    w = pop.reindex(codes)
    assert p.imd["pop_weighted_mean_score"] == pytest.approx(
        float((imd["IMD_score"] * w).sum() / w.sum()), abs=0.01)
    assert sum(p.imd["pct_pop_by_decile"].values()) == pytest.approx(100, abs=0.2)
    assert [r["imd_rank"] for r in p.lsoas] == sorted(r["imd_rank"] for r in p.lsoas)
    assert f"{p.imd['pct_pop_10pct_most_deprived']:.0f}% of its residents" in p.summary


def test_area_name_with_local_authority_and_region_refused(table25: pd.DataFrame) -> None:
    p = pr.area_profile("Northfield, Birmingham", edition="2025", table=table25)
    assert p.code == "E05011158"
    with pytest.raises(ValidationError, match="several wards"):
        pr.area_profile("Northfield", edition="2025", table=table25)
    with pytest.raises(ValidationError, match="not a ward or local authority"):
        pr.area_profile("West Midlands", edition="2025", table=table25)


@pytest.mark.demo
def test_extra_measures_are_optional(table19: pd.DataFrame) -> None:
    bare = table19.drop(columns=[c for c in pr.EXTRA_MEASURES if c in table19.columns])
    p = pr.lsoa_profile("E01009219", edition="2019", table=bare)
    assert p.extra == {}
    if "at_risk_jobs_pct" in table19.columns:
        full = pr.lsoa_profile("E01009219", edition="2019", table=table19)
        assert 0 <= full.extra["at_risk_jobs_pct"]["value"] <= 100


def test_ethnicity_from_census(table25: pd.DataFrame) -> None:
    p = pr.lsoa_profile("E01009219", edition="2025", table=table25)
    assert p.ethnicity is not None
    assert sum(p.ethnicity["pct"].values()) == pytest.approx(100, abs=0.3)
    eth = pd.read_csv(get_dataset("census2021_ethnicity").path)
    row = eth[(eth.lsoa21_code == "E01009219") & (eth.ethnic_group == "White")].iloc[0]
    assert p.ethnicity["pct"]["White"] == pytest.approx(100 * row["prop"], abs=0.05)


def test_organisations_inside_and_nearby(table25: pd.DataFrame) -> None:
    """Real points: representative points of the LSOA itself and of its neighbours."""
    b = data.load_boundaries("2025")
    here = b.loc[b["lsoa_code"] == "E01009219"]
    near = b.loc[b.touches(here.geometry.iloc[0])].head(2)
    far = b.loc[b["lsoa_code"] == "E01000001"]  # City of London
    pts = pd.concat([here, near, far])
    rp = pts.geometry.representative_point()
    orgs = pd.DataFrame({"org_name": ["Hub", "Next door 1", "Next door 2", "Far away"],
                         "lat": rp.y.to_numpy(), "lon": rp.x.to_numpy(),
                         "lsoa21_code": pts["lsoa_code"].to_numpy(),
                         "lsoa11_code": pts["lsoa_code"].to_numpy()})
    p = pr.lsoa_profile("E01009219", edition="2025", table=table25, orgs=orgs, radius_m=1500,
                        boundaries=b)
    assert p.orgs is not None
    assert [o["org_name"] for o in p.orgs["inside"]] == ["Hub"]
    assert {o["org_name"] for o in p.orgs["nearby"]} == {"Next door 1", "Next door 2"}
    assert all(0 < o["distance_m"] <= 1500 for o in p.orgs["nearby"])


@pytest.mark.demo
def test_postcode_profile() -> None:
    p = pr.lsoa_profile(postcode="b31 2lb", edition="2019")
    assert p.lsoa_code == "E01009219" and p.postcode == "B31 2LB"
    assert "B31 2LB" in p.postcode_note and "nspl_centroids" in p.sources
    with pytest.raises(ValidationError, match="could not be placed"):
        pr.lsoa_profile(postcode="not a postcode", edition="2019")


@pytest.mark.parametrize(("typed", "shown"), [("b312lb.", "B31 2LB"), (" B31  2LB ", "B31 2LB"),
                                              ("se162ja", "SE16 2JA"), ("m11aa", "M1 1AA")])
@pytest.mark.demo
def test_postcode_shown_as_people_write_it(typed: str, shown: str) -> None:
    from needsmap.analysis.profile import display_postcode

    assert display_postcode(typed) == shown


@pytest.mark.demo
def test_profile_keeps_the_tidied_postcode() -> None:
    from needsmap.analysis.profile import lsoa_profile

    assert lsoa_profile(postcode="b312lb.", edition="2019").postcode == "B31 2LB"
