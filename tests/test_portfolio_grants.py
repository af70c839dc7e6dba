"""Funder figures that say what they rest on: grants counted as grants, shares weighted by money,
grants known only by local authority summarised at that level, the funder's own area, confidence, and
the warning on any headline resting on too few rows. Golden numbers are recomputed here with plain
pandas from the raw files in the data folder and the field cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from needsmap.analysis import portfolio as pf
from needsmap.config import SHARED_DATA_DIR, data_dir
from needsmap.orgs import import_file
from needsmap.orgs.levels import CONF_UNCERTAIN, LEVEL_LA, LEVEL_WARD

FIELD = SHARED_DATA_DIR.parent / "field-cases"
TRAFFORD = "trafford_council_grants_360giving.csv"


# ----------------------------------------------------------------------------- independent inputs
@pytest.fixture(scope="module")
def imd25() -> pd.DataFrame:
    return pd.read_csv(data_dir() / "imd" / "imd2025_lsoa21.csv").set_index("lsoa21_code")


@pytest.fixture(scope="module")
def lsoa_la() -> pd.DataFrame:
    """LSOA 2021 → ward and local authority, with Census 2021 residents and the IMD 2025 decile."""
    lk = pd.read_csv(data_dir() / "geography" / "lsoa21_ward24_ltla24_lookup.csv")
    eth = pd.read_csv(data_dir() / "population" / "census2021_ethnicity_lsoa21.csv")
    pop = eth.drop_duplicates("lsoa21_code").set_index("lsoa21_code")["total_residents"]
    imd = pd.read_csv(data_dir() / "imd" / "imd2025_lsoa21.csv").set_index("lsoa21_code")
    lk = lk.set_index("lsoa21_code")
    lk["residents"] = pop.reindex(lk.index)
    lk["decile"] = imd["IMD_decile"].reindex(lk.index)
    return lk


def _residents_share_20(lk: pd.DataFrame, mask: pd.Series) -> float:
    """% of residents of the LSOAs in ``mask`` living in IMD 2025 deciles 1–2."""
    sub = lk[mask]
    return float(100 * sub.loc[sub["decile"] <= 2, "residents"].sum() / sub["residents"].sum())


@pytest.fixture(scope="module")
def trafford_raw() -> pd.DataFrame:
    return pd.read_csv(data_dir() / "organisations" / TRAFFORD)


@pytest.fixture(scope="module")
def trafford(trafford_raw: pd.DataFrame) -> pd.DataFrame:
    return import_file(data_dir() / "organisations" / TRAFFORD, filename=TRAFFORD).table


# ----------------------------------------------------------------------------- Trafford (real)
def test_trafford_grants_counted_as_grants_with_money_and_warning(
        table25: pd.DataFrame, trafford: pd.DataFrame, trafford_raw: pd.DataFrame,
        imd25: pd.DataFrame, lsoa_la: pd.DataFrame) -> None:
    raw = trafford_raw
    res = pf.portfolio_summary(trafford, table25, edition="2025")
    has_pc = raw["Recipient Org:Postal Code"].notna()
    recipients = raw["Recipient Org:Identifier"].nunique()
    # every grant counts: the repeat grants to one hub (same recipient, same postcode) are kept
    assert raw.loc[has_pc, "Recipient Org:Identifier"].duplicated().sum() == 5
    assert res.grants and res.unit == "grants"
    n, placed_n, la_only = len(raw), int(has_pc.sum()), int((~has_pc).sum())  # from the raw file
    assert res.organisations_total == res.rows_in_scope == n > 500
    assert res.recipients == recipients
    assert res.organisations_placed == placed_n and 0 < placed_n < 30  # few: the warning below
    assert res.organisations_excluded == 0
    assert res.counting_note().startswith(f"{n} grants to {recipients} recipients; each grant counts once")

    # deciles of the placed grants, and the same weighted by the raw file's Amount Awarded
    placed = trafford[trafford["status"] == "ok"]
    dec = imd25.loc[placed["lsoa21_code"], "IMD_decile"].to_numpy()
    money = raw.set_index("Identifier").loc[raw.loc[has_pc, "Identifier"], "Amount Awarded"]
    by_id = pd.Series(dec, index=placed["Identifier"].to_numpy())
    dec_of_money = by_id.reindex(money.index).to_numpy()
    assert res.pct_orgs_in_most_deprived[20] == pytest.approx(100 * np.mean(dec <= 2))
    assert res.amount_total == pytest.approx(raw["Amount Awarded"].sum())
    assert res.amount_counted == pytest.approx(money.sum())
    for p in (10, 20):
        assert res.pct_amount_in_most_deprived[p] == pytest.approx(
            100 * money[dec_of_money <= p // 10].sum() / money.sum())

    # the grants known only by the borough are summarised at that level
    la = res.area_only_figures[LEVEL_LA]
    trafford_pct = _residents_share_20(lsoa_la, lsoa_la["ltla24_code"] == "E08000009")
    assert la["rows"] == la_only
    assert la["amount"] == pytest.approx(raw.loc[~has_pc, "Amount Awarded"].sum())
    assert la["area_names"] == ["Trafford"]
    assert la["pct_residents_in_20pct_most_deprived"] == pytest.approx(trafford_pct)
    assert res.area_only[["area_code", "rows"]].to_dict("records") == [
        {"area_code": "E08000009", "rows": la_only}]
    # their own area: Trafford, against England
    assert res.own_area["lad_codes"] == ["E08000009"]
    assert res.own_area["pct_population_in_20pct_most_deprived"] == pytest.approx(trafford_pct)
    england = _residents_share_20(lsoa_la, lsoa_la["residents"].notna())
    assert res.england["pct_population_in_20pct_most_deprived"] == pytest.approx(england, abs=0.01)
    text = " ".join(res.sentences())
    assert f"where {trafford_pct:.0f}% of residents live in England's 20% most deprived" in text

    # the headline rests on the few grants placed: it says so
    assert res.warnings[0].endswith(
        f"are based on {placed_n} of {n} grants ({placed_n / n:.0%}): fewer than 30 grants, too few for a "
        f"share to be reliable; {la_only} could not be placed in an LSOA "
        f"({la_only} known only by local authority: see the summary by area).")
    assert (f"based on £{money.sum():,.0f} of the £{raw['Amount Awarded'].sum():,.0f} awarded"
            in res.warnings[1])
    out = res.to_dict()
    assert out["warnings"] == list(res.warnings)
    assert out["grants"]["recipients"] == recipients


def test_trafford_confidence_is_stated(table25: pd.DataFrame, trafford: pd.DataFrame) -> None:
    res = pf.portfolio_summary(trafford, table25, edition="2025")
    placed = trafford[trafford["status"] == "ok"]
    uncertain = int((placed["confidence"] == CONF_UNCERTAIN).sum())
    assert res.confidence_counts is not None
    assert sum(res.confidence_counts.values()) == len(placed)
    assert res.uncertain_placed == uncertain
    sentence = res.confidence_sentence()
    assert sentence is not None and sentence.startswith(f"{uncertain:,} of the {len(placed)} placed grants")
    assert (pf.NSPL_FETCH in sentence) == (uncertain > 0)
    assert sentence in res.sentences()


def test_large_placed_list_has_no_warning(table25: pd.DataFrame, imd25: pd.DataFrame) -> None:
    from needsmap.orgs import load_default_layer

    layer = load_default_layer("foodbanks").table
    res = pf.portfolio_summary(layer, table25, edition="2025")
    in_england = layer["status"].eq("ok") & layer["lsoa21_code"].isin(imd25.index)
    counted = in_england & ~layer["org_closed"].astype(bool) & layer["duplicate_of"].isna()
    assert not res.grants
    assert res.organisations_placed == int(counted.sum()) >= pf.MIN_HEADLINE_ROWS
    assert res.organisations_placed >= pf.MIN_HEADLINE_SHARE * res.rows_in_scope
    assert res.warnings == ()
    assert res.to_dict()["warnings"] == []


# ----------------------------------------------------------------------------- field cases
def test_c05_grantnav_numbered_columns(table25: pd.DataFrame, imd25: pd.DataFrame,
                                       lsoa_la: pd.DataFrame) -> None:
    raw = pd.read_csv(FIELD / "c05_grantnav_indexed_columns.csv", dtype=str)
    table = import_file(FIELD / "c05_grantnav_indexed_columns.csv",
                        filename="c05_grantnav_indexed_columns.csv").table
    res = pf.portfolio_summary(table, table25, edition="2025")
    amounts = raw["Amount Awarded"].astype(float)
    # README: grants 1 (postcode B31 2LB), 2 and 5 (LSOA E01009219) placed; 3 by Birmingham only;
    # 4 by ward E05011121 only
    assert res.organisations_total == res.rows_in_scope == len(raw) == 5
    assert res.recipients == raw["Recipient Org:Identifier"].nunique() == 5
    assert res.organisations_placed == 3
    assert res.orgs_by_decile[int(imd25.loc["E01009219", "IMD_decile"])] == 3
    assert res.amount_counted == pytest.approx(amounts.iloc[[0, 1, 4]].sum())
    la = res.area_only_figures[LEVEL_LA]
    assert (la["rows"], la["amount"]) == (1, amounts.iloc[2])
    birmingham = _residents_share_20(lsoa_la, lsoa_la["ltla24_code"] == "E08000025")
    assert la["pct_residents_in_20pct_most_deprived"] == pytest.approx(birmingham)
    ward = res.area_only_figures[LEVEL_WARD]
    ward_pct = _residents_share_20(lsoa_la, lsoa_la["ward24_code"] == "E05011121")
    assert ward["rows"] == 1
    assert ward["pct_residents_in_20pct_most_deprived"] == pytest.approx(ward_pct)
    # their area: the one local authority every grant is in
    assert res.own_area["lad_codes"] == ["E08000025"]
    assert res.own_area["pct_population_in_20pct_most_deprived"] == pytest.approx(birmingham)
    # 3 placed grants: far under 30, so every headline says what it rests on
    assert ("are based on 3 of 5 grants (60%): fewer than 30 grants, too few for a share to be "
            "reliable; 2 could not be placed in an LSOA") in res.warnings[0]
    assert any("known only by local authority are based on 1 of 5 grants" in w for w in res.warnings)


def test_c07_360giving_json_most_precise_location(table25: pd.DataFrame,
                                                  lsoa_la: pd.DataFrame) -> None:
    import json

    raw = json.loads((FIELD / "c07_360giving_json_multi_location.json").read_text())["grants"]
    table = import_file(FIELD / "c07_360giving_json_multi_location.json",
                        filename="c07_360giving_json_multi_location.json").table
    res = pf.portfolio_summary(table, table25, edition="2025")
    # README: grant 101 placed in E01009219 (its LSOA location), 102 known only by Birmingham,
    # 103 placed by postcode B31 2LB
    by_id = {g["id"]: float(g["amountAwarded"]) for g in raw}
    assert res.organisations_total == len(raw) == 3
    assert res.organisations_placed == 2
    assert res.amount_counted == pytest.approx(by_id["360G-examplefund-101"]
                                               + by_id["360G-examplefund-103"])
    la = res.area_only_figures[LEVEL_LA]
    assert (la["rows"], la["amount"], la["area_names"]) == (
        1, by_id["360G-examplefund-102"], ["Birmingham"])
    assert la["pct_residents_in_20pct_most_deprived"] == pytest.approx(
        _residents_share_20(lsoa_la, lsoa_la["ltla24_code"] == "E08000025"))
    assert res.warnings


# ----------------------------------------------------------------------------- edge cases (made up)
@pytest.fixture()
def tiny_table() -> pd.DataFrame:
    """Four made-up LSOAs in two wards of two local authorities."""
    return pd.DataFrame({
        "ward_code": ["W1", "W1", "W2", "W2"], "ward_name": ["One", "One", "Two", "Two"],
        "lad_code": ["L1", "L1", "L2", "L2"], "lad_name": ["Ell", "Ell", "Two", "Two"],
        "region_code": ["R"] * 4, "region_name": ["Reg"] * 4,
        "population": [1000, 3000, 2000, 2000],
        "imd_rank": [1, 2, 3, 4], "imd_decile": [1, 2, 6, 10], "imd_score": [60.0, 50.0, 10.0, 2.0],
    }, index=pd.Index(["A", "B", "C", "D"], name="lsoa_code"))


@pytest.mark.demo
def test_repeat_grants_count_money_weights_and_la_level(tiny_table: pd.DataFrame) -> None:
    orgs = pd.DataFrame({
        "grant_id": ["g1", "g2", "g3", "g3", "g5", "g6"],
        "recipient_id": ["r1", "r1", "r2", "r2", "r3", "r4"],
        "lsoa21_code": ["A", "A", "C", "C", None, None],
        "status": ["ok", "ok", "ok", "ok", "local-authority level only (Two)",
                   "local-authority level only (Ell)"],
        "placement_level": ["postcode", "postcode", "LSOA", "LSOA", "local authority",
                            "local authority"],
        "area_code": [None, None, None, None, "L2", "L1"],
        "amount": [100.0, 300.0, 600.0, 600.0, 1000.0, 3000.0],
        "duplicate_of": pd.array([pd.NA, 1, pd.NA, 3, pd.NA, pd.NA], dtype="Int64"),
    })
    res = pf.portfolio_summary(orgs, tiny_table, edition="2025")
    # g2 repeats a recipient (counted); the second g3 repeats a grant identifier (left out)
    assert res.organisations_placed == 3
    assert res.excluded_reasons == {"repeats an earlier grant (same identifier)": 1}
    assert res.recipients == 4
    assert res.pct_orgs_in_most_deprived[20] == pytest.approx(200 / 3)
    assert res.pct_amount_in_most_deprived[20] == pytest.approx(100 * 400 / 1000)
    la = res.area_only_figures[LEVEL_LA]
    # L1: 4,000 residents all in deciles 1–2 (100%); L2: none (0%); weighted by money 3000:1000
    assert la["weighted_by"] == "amount"
    assert la["pct_residents_in_20pct_most_deprived"] == pytest.approx(75)
    assert la["pct_weight_to_areas_above_england"] == pytest.approx(75)
    assert res.own_area["lad_codes"] == ["L1", "L2"]
    every = pf.portfolio_summary(orgs, tiny_table, edition="2025", include_duplicates=True)
    assert every.organisations_placed == 4


@pytest.mark.demo
def test_area_level_derived_from_beneficiary_code_when_no_level_column(
        tiny_table: pd.DataFrame) -> None:
    orgs = pd.DataFrame({"lsoa21_code": [None, None, "A"], "amount": [5.0, 7.0, 1.0],
                         "status": ["no postcode", "no postcode", "ok"],
                         "beneficiary_code": ["E08000099", "L1", None]})
    res = pf.portfolio_summary(orgs, tiny_table, edition="2025")
    rows = res.area_only.set_index("area_code")
    assert list(rows.index) == ["E08000099"]  # an E08 code is a local authority; "L1" is no GSS code
    assert rows.loc["E08000099", "note"].startswith("not a local authority of England")
    assert res.area_only_figures[LEVEL_LA]["pct_residents_in_20pct_most_deprived"] is None


@pytest.mark.demo
@pytest.mark.parametrize(("n", "base", "warn"), [(29, 29, True), (30, 60, False), (30, 61, True),
                                                 (0, 0, False), (500, 999, False), (499, 999, True)])
def test_headline_warning_thresholds(n: int, base: int, warn: bool) -> None:
    assert pf.headline_warning(n, base) is warn
