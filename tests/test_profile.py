"""Area profiles against the real Indices of Deprivation files."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from needsmap import data, measures
from needsmap.analysis import profile as pr
from needsmap.data.catalog import get_dataset
from needsmap.errors import ValidationError
from tests import raw


@pytest.mark.demo
def test_lsoa_profile_e01009219_2019(table19: pd.DataFrame, table25: pd.DataFrame) -> None:
    imd = raw.imd("2019")  # the published file
    rank, health, decile = (int(imd.loc["E01009219", c]) for c in ("IMD_rank", "Health_rank", "IMD_decile"))
    n = len(imd)
    names = raw.csv("geography/lsoa11_ltla21_lookup.csv").set_index("lsoa11_code")
    p = pr.lsoa_profile("E01009219", edition="2019", table=table19, other_table=table25)
    assert (p.imd.rank, p.domains["health"].rank) == (rank, health)
    assert p.imd.decile == decile == 2 and p.total_lsoas == n
    assert p.lsoa_name == names.loc["E01009219", "lsoa11_name"]
    assert p.local_authority == names.loc["E01009219", "ltla21_name"]
    assert p.translation is None
    assert set(p.domains) == set(pr.DOMAIN_IDS) and set(p.subdomains) == set(pr.SUBDOMAIN_IDS)
    assert "among the 20% most deprived neighbourhoods in England" in p.summary
    assert f"rank {rank:,} of {n:,}" in p.summary
    assert f"Health deprivation rank {health:,} of {n:,}" in p.summary
    d = p.to_dict()
    assert d["imd"] == {"label": "Index of Multiple Deprivation (overall)", "rank": rank, "decile": decile,
                        "of": n, "score": None, "band": "Top 20% most deprived LSOA"}
    assert d["domains"]["health"] == {"label": "Health deprivation and disability", "rank": health,
                                      "decile": int(imd.loc["E01009219", "Health_decile"]), "of": n,
                                      "score": None, "band": "Top 40% most deprived LSOA"}


def _raw_count(edition: str, code: str, who: str = "children") -> float:
    """An IMD income-deprivation count read straight from the edition's indicators CSV."""
    ds = get_dataset(f"imd{edition}_indicators")
    key = "lsoa11_code" if edition == "2019" else "lsoa21_code"
    column = ("income_deprivation_affecting_children_index_idaci_numerator" if who == "children"
              else "income_deprivation_affecting_older_people_index_idaopi_numerator")
    return float(pd.read_csv(ds.path).set_index(key).loc[code, column])


#: a percentage anywhere in a sentence about income-deprived families
_RATE_RE = re.compile(r"\d+(\.\d+)?%[^.\n]*income-deprived|income-deprived[^.\n]*\d+(\.\d+)?%")


def test_lsoa_profile_counts_and_ages_from_the_raw_files(table19: pd.DataFrame) -> None:
    """IMD 2019 counts are for mid-2015; the data folder's ages are mid-2020: the count, no rate."""
    p = pr.lsoa_profile("E01009219", edition="2019", table=table19)
    pop = pd.read_csv(get_dataset("population2020").path).set_index("lsoa11_code").loc["E01009219"]
    kids = sum(float(pop[str(a)]) for a in range(16))
    num_c, num_o = _raw_count("2019", "E01009219"), _raw_count("2019", "E01009219", "older")
    assert (p.idaci.numerator, p.idaopi.numerator) == (num_c, num_o)
    assert p.idaci.rate_pct is None and p.idaopi.rate_pct is None
    assert p.idaci.basis == p.idaopi.basis == pr.COUNT_ONLY and p.idaci.england_pct is None
    assert (f"{num_c:,.0f} children aged 0–15 live in income-deprived families (IMD 2019 count)."
            ) in p.summary
    assert "no published mid-2015 child population" in p.idaci.note
    assert p.idaci.value_text == f"{num_c:,.0f} children aged 0–15 (count)"
    assert "mid-2020" in p.idaci.note and not _RATE_RE.search(p.summary)
    # the mid-2020 ages still give the age profile
    assert p.age_profile["total"] == round(float(pop["total_population"]))
    assert p.age_profile["children_0_15"] == round(kids)
    assert sum(p.age_profile["bands"].values()) == pytest.approx(p.age_profile["total"], abs=8)


@pytest.mark.parametrize("code", ["E01009219", "E01035190"])
def test_2025_profile_never_prints_a_rate_over_mid2020_ages(code: str, table25: pd.DataFrame) -> None:
    """IMD 2025 counts are for mid-2022 LSOA 2021 populations; with only mid-2020 ages (and
    mid-2022 totals, no ages) in the data folder, no rate is printed anywhere: the count is.
    E01035190 (a new-build LSOA) gave "105%" over the mid-2020 ages; E01009219 a plausible-looking
    but equally wrong rate."""
    from needsmap.report.markdown import profile_markdown

    p = pr.lsoa_profile(code, edition="2025", table=table25)
    num_c = _raw_count("2025", code)
    assert p.idaci.numerator == num_c and p.idaopi.numerator == _raw_count("2025", code, "older")
    for r in (p.idaci, p.idaopi):
        assert r.rate_pct is None and r.england_pct is None and r.denominator is None
        assert r.basis == pr.COUNT_ONLY and "%" not in r.value_text + r.england_text
    assert (f"{num_c:,.0f} children aged 0–15 live in income-deprived families (IMD 2025 count)."
            ) in p.summary
    assert ("no published mid-2022 child population (aged 0–15) for this area in the data folder"
            in p.idaci.note)
    d = p.to_dict()
    assert d["idaci"]["rate_pct"] is None and d["idaci"]["numerator"] == num_c
    for text in (p.summary, profile_markdown(p)):
        assert not _RATE_RE.search(text), _RATE_RE.search(text)


def test_ward_count_is_the_sum_of_the_raw_counts(table25: pd.DataFrame) -> None:
    p = pr.area_profile("Northfield, Birmingham", edition="2025", table=table25)
    wards = pd.read_csv(get_dataset("lsoa21_ward24_lookup").path)
    codes = wards.loc[wards["ward24_code"] == p.code, "lsoa21_code"]
    raw = pd.read_csv(get_dataset("imd2025_indicators").path).set_index("lsoa21_code").loc[
        codes, "income_deprivation_affecting_children_index_idaci_numerator"]
    assert p.idaci.numerator == raw.sum() and p.idaci.lsoas_without_count == raw.isna().sum()
    assert p.idaci.rate_pct is None and not _RATE_RE.search(p.summary)
    least = "At least " if raw.isna().any() else ""
    assert f"{least}{raw.sum():,.0f} children aged 0–15 live in income-deprived families" in p.summary


# ----------------------------------------------------------------------------- published rates
def _made_up_file7(tmp_path: Path, codes: list[str], rows: dict[str, tuple[float, float, int, int]]
                   ) -> Path:
    """A small made-up File 7 (edge cases) with the publisher's 56-column header: ``codes`` with
    ranks and deciles 1 and ``rows``' published IDACI and IDAOPI rates (0–1) and mid-2022
    denominators (children 0–15, people 60+); every other cell blank."""
    from tests.publisher_fixtures.imd import FILE7_2025_HEADER

    frame = pd.DataFrame("", index=range(len(codes)), columns=list(FILE7_2025_HEADER))
    for i, code in enumerate(codes):
        frame.iloc[i, 0] = code
        for j, h in enumerate(FILE7_2025_HEADER):
            if "Rank" in h or "Decile" in h:
                frame.iloc[i, j] = "1"
        idaci, idaopi, kids, old = rows[code]
        frame.iloc[i, [28, 31, 53, 54]] = [str(idaci), str(idaopi), str(kids), str(old)]
    path = tmp_path / "File_7_IoD2025_All_Ranks_Scores_Deciles_Population_Denominators.csv"
    frame.to_csv(path, index=False)
    return path


def _with_published(table: pd.DataFrame, file7: Path, drop: tuple[str, ...] = ()) -> pd.DataFrame:
    """``table`` with the published columns the loader takes from a converted File 7."""
    from needsmap.data.loaders import RATE_COLUMNS
    from needsmap.data.sources.imd import convert_iod2025_file7

    main = convert_iod2025_file7(file7)["imd2025"].set_index("lsoa21_code")
    pub = main[list(RATE_COLUMNS.values())].set_axis(list(RATE_COLUMNS), axis=1)
    out = table.join(pub.drop(columns=list(drop)))
    out.attrs = dict(table.attrs)
    return out


def test_published_rate_is_used_and_printed_as_published(tmp_path: Path,
                                                          table25: pd.DataFrame) -> None:
    ward = table25.index[table25["ward_code"] == "E05011158"].astype(str).tolist()
    rows = {c: (round(0.05 + 0.041 * i, 3), round(0.02 + 0.017 * i, 3), 300 + 25 * i, 200 + 9 * i)
            for i, c in enumerate(ward)}
    rows["E01009219"] = (0.237, 0.104, 412, 301)
    t = _with_published(table25, _made_up_file7(tmp_path, ward, rows))
    p = pr.lsoa_profile("E01009219", edition="2025", table=t)
    assert p.idaci.basis == pr.PUBLISHED and p.idaci.rate_pct == 23.7 and p.idaopi.rate_pct == 10.4
    assert p.idaci.value_text == "23.7%" and p.idaci.denominator == 412
    assert p.idaci.numerator == _raw_count("2025", "E01009219")  # the count stays beside it
    assert ("23.7% of children aged 0–15 live in income-deprived families (IMD 2025, published "
            "rate).") in p.summary
    assert "10.4% of people aged 60 and over" in p.summary
    # England: the published rates of 7 of 33,755 LSOAs are no England figure
    assert p.idaci.england_pct is None and "33,748 of the 33,755 LSOAs" in p.idaci.england_note
    # the ward: the published rates weighted by the published denominators
    a = pr.area_profile("E05011158", edition="2025", table=t)
    want = sum(rows[c][0] * rows[c][2] for c in ward) / sum(rows[c][2] for c in ward)
    assert a.idaci.basis == pr.PUBLISHED and a.idaci.rate_pct == round(100 * want, 1)
    assert a.idaci.denominator == sum(rows[c][2] for c in ward)
    assert f"{round(100 * want, 1):.1f}% of children aged 0–15" in a.summary
    # one LSOA of the ward without a published rate: no weighted rate, the count and why
    rows_cut = {c: v for c, v in rows.items() if c != ward[-1]}
    t_cut = _with_published(table25, _made_up_file7(tmp_path, ward[:-1], rows_cut))
    a_cut = pr.area_profile("E05011158", edition="2025", table=t_cut)
    assert a_cut.idaci.rate_pct is None and "no published rate for 1 of the 7 LSOAs" in a_cut.idaci.note
    assert "income-deprived families (IMD 2025 count)" in a_cut.summary


def test_published_denominators_alone_give_a_same_basis_rate(tmp_path: Path,
                                                             table25: pd.DataFrame) -> None:
    """Without the published rates, the count over the published mid-2022 denominator (same
    date, same LSOA) is a right rate; a denominator below the count gives none, never >100%."""
    code = "E01009219"
    num = _raw_count("2025", code)
    file7 = _made_up_file7(tmp_path, [code], {code: (0.5, 0.5, 560, 9)})
    t = _with_published(table25, file7, drop=("idaci_score", "idaopi_score"))
    p = pr.lsoa_profile(code, edition="2025", table=t)
    assert p.idaci.basis == pr.RECOMPUTED and p.idaci.rate_pct == round(100 * num / 560, 1)
    assert "count ÷ published population" in p.summary
    # 9 people aged 60+ but a count of 40: cannot be right, so no rate
    assert _raw_count("2025", code, "older") > 9
    assert p.idaopi.rate_pct is None and "cannot be right" in p.idaopi.reason
    assert not re.search(r"\d+(\.\d+)?% of people aged 60", p.summary)


def test_impossible_published_rate_is_not_printed(tmp_path: Path, table25: pd.DataFrame) -> None:
    code = "E01009219"
    t = _with_published(table25, _made_up_file7(tmp_path, [code], {code: (1.25, 0.1, 400, 300)}))
    p = pr.lsoa_profile(code, edition="2025", table=t)
    assert p.idaci.rate_pct is None and "125%" in p.idaci.reason and "125" not in p.summary.split(
        "no rate")[0]


@pytest.mark.demo
def test_england_rate_of_a_regional_table_comes_from_its_reference(tmp_path: Path,
                                                                   table25: pd.DataFrame) -> None:
    """A regional table (the demo) takes England's rate from its reference, only under the key
    made by the new rule: the old mid-2020 ``idaci_pct`` is never shown."""
    from needsmap.data.loaders import Reference

    code = "E01009219"
    t = _with_published(table25, _made_up_file7(tmp_path, [code], {code: (0.237, 0.104, 412, 301)}))
    t.attrs = {"scope": "West Midlands",
               "england_reference": Reference({"profile": {"idaci_pct": 36.3,
                                                           "idaci_published_pct": 21.4}})}
    p = pr.lsoa_profile(code, edition="2025", table=t)
    assert p.idaci.england_pct == 21.4 and "(England: 21.4%; IMD 2025, published rate)" in p.summary
    assert p.idaopi.england_pct is None and p.idaopi.england_note == pr.NOT_IN_DEMO
    assert pr.england_figures_missing(p)
    bare = table25.copy()
    bare.attrs = {"scope": "West Midlands",
                  "england_reference": Reference({"profile": {"idaci_pct": 36.3}})}
    q = pr.lsoa_profile(code, edition="2025", table=bare)
    assert q.idaci.england_pct is None and "36.3" not in q.summary
    assert q.idaci.england_note != pr.NOT_IN_DEMO  # the full data has no published rate either


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
    rows = [row.column for _, row in measures.profile_rows()]
    bare = table19.drop(columns=[c for c in rows if c in table19.columns])
    p = pr.lsoa_profile("E01009219", edition="2019", table=bare)
    assert p.extra == {}
    full = pr.lsoa_profile("E01009219", edition="2019", table=table19)
    # the 2019 table has no CNI (nor the LSOA 2021 mid-year estimates); Census 2021 shares where the
    # LSOA 2011 is whole LSOA 2021s (this one is unchanged)
    assert list(full.extra) == ["at_risk_jobs_pct", "furlough_rate", "no_qual_pct", "hh_dep1_pct",
                                "hh_dep2_pct", "hh_dep3_pct", "rural"]
    # the Rural-Urban Classification 2021 of the LSOA (unchanged in 2021), from the raw file
    ruc = raw.csv("geography/lsoa21_ruc21.csv").set_index("lsoa21_code")
    assert full.extra["rural"]["value"] == ruc.loc["E01009219", "ruc21_name"]  # the class, by name
    # from the raw files: the four BRES sector shares of the LSOA's MSOA 2011
    msoa = data.read_table("lsoa11_msoa11_lookup").set_index("lsoa11_code").loc["E01009219", "msoa11_code"]
    bres = data.read_table("bres2018_jobs").set_index("msoa11_code").loc[msoa]
    want = sum(float(bres[c]) for c in bres.index if c.startswith("Jobs in ") and c.endswith(" Rate"))
    assert full.extra["at_risk_jobs_pct"]["value"] == pytest.approx(min(want, 100.0), abs=0.005)


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


def test_loader_keeps_the_published_columns_when_the_file_has_them(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, real_data_dir: Path) -> None:
    """The main IMD file as ``needsmap data fetch`` writes it (File 7's rates and denominators as
    optional columns) loads them; the staged file without them loads too (every other test)."""
    from needsmap.data import loaders
    from needsmap.data.catalog import IMD_RATE_COLUMNS
    from tests.publisher_fixtures.imd import FILE7_2025_HEADER

    folder = tmp_path / "data"
    (folder / "imd").mkdir(parents=True)
    for ds_id in ("imd2025_subdomains", "imd2025_indicators"):
        (folder / get_dataset(ds_id).file).symlink_to(real_data_dir / get_dataset(ds_id).file)
    main = pd.read_csv(real_data_dir / get_dataset("imd2025").file)
    sample = pd.read_csv(real_data_dir.parent / "docs" / "publisher-samples"
                         / "iod2025_file7_sample.csv").set_index("LSOA code (2021)")
    headers = [FILE7_2025_HEADER[i] for i in (28, 31, 53, 54)]  # File 7's columns 29, 32, 54, 55
    for ours, header in zip(IMD_RATE_COLUMNS, headers, strict=True):
        main[ours] = sample[header].reindex(main["lsoa21_code"]).to_numpy()
    main.to_csv(folder / get_dataset("imd2025").file, index=False)
    monkeypatch.delenv("NEEDSMAP_DEMO", raising=False)
    monkeypatch.setenv("NEEDSMAP_DATA_DIR", str(folder))
    monkeypatch.setenv("NEEDSMAP_CACHE_DIR", str(tmp_path / "cache"))
    got = loaders.load_imd("2025")
    assert got.loc["E01000006", ["idaci_score", "idaopi_score", "idaci_denominator",
                                 "idaopi_denominator"]].tolist() == [0.64, 0.156, 397, 225]
    assert got["idaci_score"].notna().sum() == 5 and len(got) == 33_755
