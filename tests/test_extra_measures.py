"""Extra measures against the real files: at-risk jobs, furlough, CNI, ethnicity and change since 2019."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import needsmap.measures as measures
from needsmap import data
from needsmap.analysis import change
from needsmap.data.catalog import CATALOG, get_dataset
from needsmap.measures import census, cni, jobs
from needsmap.types import ENGLAND_LSOA11, ENGLAND_LSOA21
from needsmap.viz.change_map import NOT_COMPARABLE, PALETTE, PUOR7, change_classes
from tests import raw

CONTRACT_BOTH = ("at_risk_jobs_pct", "furlough_rate")
CONTRACT_2025 = ("cni_score", "cni_rank", "cni_civic_assets_score", "cni_connectedness_score",
                 "cni_engaged_score", "left_behind", "eth_white_pct", "eth_asian_pct", "eth_black_pct",
                 "eth_mixed_pct", "eth_other_pct", "eth_minority_pct", "imd_rank_2019", "imd_decile_2019",
                 "imd_rank_change", "imd_decile_change", "lsoa_change")


# ----------------------------------------------------------------------------- contract and registry
def test_contract_columns_present(table19: pd.DataFrame, table25: pd.DataFrame) -> None:
    for c in CONTRACT_BOTH:
        assert c in table19.columns and c in table25.columns, c
    for c in CONTRACT_2025:
        assert c in table25.columns, c
    assert len(table19) == ENGLAND_LSOA11 and len(table25) == ENGLAND_LSOA21
    assert table19.index.is_unique and table25.index.is_unique


def test_measures_registered_on_plain_import(table19: pd.DataFrame, table25: pd.DataFrame) -> None:
    ids = {m.id for m in measures.measures_for("2025")}
    assert {"at_risk_jobs_pct", "furlough_rate", "cni", "left_behind", "eth_minority_pct",
            "imd_rank_change", "imd_decile_change"} <= ids
    assert "cni" not in {m.id for m in measures.measures_for("2019")}
    groups = {m.group for m in measures.MEASURES.values()}
    assert {"Jobs and economy", "Community needs", "Ethnicity (Census 2021)", "Change since 2019"} <= groups
    for m in (*jobs.MEASURES, *cni.MEASURES, *census.MEASURES, *measures.change.MEASURES):
        assert m.description and all(d in CATALOG for d in m.datasets), m.id
        for ed, table in (("2019", table19), ("2025", table25)):
            if ed in m.editions:
                assert m.views_in(table.columns) == list(m.views), (m.id, ed)


# ----------------------------------------------------------------------------- at-risk jobs
def test_england_msoa_mean_at_risk_share_is_about_26() -> None:
    raw = data.read_table("bres2018_jobs")
    four = raw[list(jobs.AT_RISK_SECTORS)]
    assert four.notna().all().all()
    mean = float(four.sum(axis=1).mean())
    assert 25.5 < mean < 27.0, mean
    assert len(raw) == 6791 and raw["msoa11_code"].str.startswith("E02").all()
    assert jobs.msoa_at_risk_jobs()["at_risk_jobs_pct"].mean() == pytest.approx(mean)


@pytest.mark.demo
def test_every_lsoa_reaches_an_msoa(table19: pd.DataFrame, table25: pd.DataFrame) -> None:
    lk = data.read_table("lsoa11_msoa11_lookup")
    assert set(lk["lsoa11_code"]) == set(table19.index)
    assert set(lk["msoa11_code"]) == set(data.read_table("bres2018_jobs")["msoa11_code"])
    for table in (table19, table25):
        v = table["at_risk_jobs_pct"]
        assert v.notna().all()
        assert v.between(0, 100).all()


@pytest.mark.demo
def test_at_risk_lsoa21_equals_parent_for_unchanged_and_split(table19: pd.DataFrame,
                                                              table25: pd.DataFrame) -> None:
    pairs = pd.read_csv(get_dataset("lsoa11_lsoa21_lookup").path, dtype=str)  # the raw lookup
    one = pairs[pairs["change_code"].isin(["U", "S"])]
    got = table25.loc[one["lsoa21_code"], "at_risk_jobs_pct"].to_numpy()
    want = table19.loc[one["lsoa11_code"], "at_risk_jobs_pct"].to_numpy()
    np.testing.assert_allclose(got, want)
    # a merged LSOA takes the mean of its parents
    merged = pairs[pairs["change_code"] == "M"]
    code = merged["lsoa21_code"].iloc[0]
    parents = merged.loc[merged["lsoa21_code"] == code, "lsoa11_code"]
    assert table25.loc[code, "at_risk_jobs_pct"] == pytest.approx(
        table19.loc[parents, "at_risk_jobs_pct"].mean())


# ----------------------------------------------------------------------------- furlough
def test_furlough_covers_every_lsoa_but_buckinghamshire(table19: pd.DataFrame,
                                                        table25: pd.DataFrame) -> None:
    for table in (table19, table25):
        missing = table.loc[table["furlough_rate"].isna(), "lad_name"].unique().tolist()
        assert missing == ["Buckinghamshire"], missing
        assert table["furlough_rate"].dropna().between(15, 50).all()
    # Northamptonshire's former districts keep their own rates (Corby 30%, Daventry 32%)
    corby = table19.loc[table19["lsoa_name"].str.startswith("Corby "), "furlough_rate"]
    assert len(corby) and (corby == 30).all()


def test_furlough_by_lad24() -> None:
    la = jobs.furlough_by_lad24()
    lads24 = set(data.read_table("ltla24_region24_lookup")["ltla24_code"])
    assert set(la.index) == lads24
    assert pd.isna(la.loc["E06000060", "furlough_rate"])  # Buckinghamshire: blank in HMRC's file
    est = la.loc[la["estimated"] & la["furlough_rate"].notna()]
    assert set(est.index) == {"E06000061", "E06000062", "E06000063", "E06000064", "E06000065", "E06000066"}
    assert est["furlough_rate"].between(25, 40).all()
    assert 20 < la.loc["E08000025", "furlough_rate"] < 45 and not la.loc["E08000025", "estimated"]


# ----------------------------------------------------------------------------- CNI and ethnicity
def test_cni_columns_in_range(table25: pd.DataFrame) -> None:
    t = table25
    assert t["cni_score"].notna().all() and (t["cni_score"] > 0).all()
    assert t["cni_rank"].between(1, ENGLAND_LSOA21).all() and t["cni_rank"].nunique() > 33_000  # a few ties
    # rank 1 = highest need
    assert t.loc[t["cni_rank"] == 1, "cni_score"].iloc[0] == t["cni_score"].max()
    for c in ("cni_civic_assets_score", "cni_connectedness_score", "cni_engaged_score"):
        assert t[c].notna().all()
    flagged = raw.csv("community_needs/cni2023_lsoa21.csv")["Left Behind Area?"].astype(bool).sum()
    assert t["left_behind"].dtype == bool and int(t["left_behind"].sum()) == flagged > 1000
    # the flag is the highest-need CNI tenth and IMD *2019* decile 1 (not 2025, as the README says)
    lb = t.loc[t["left_behind"]]
    assert (lb["cni_rank"] <= ENGLAND_LSOA21 / 10 + 1).all()
    assert (lb["imd_decile_2019"].dropna() == 1).all() and (lb["imd_decile"] != 1).sum() > 0


def test_cni2019_wards() -> None:
    w = cni.cni2019_wards()
    assert len(w) == 7433 and int(w["left_behind"].sum()) == 225
    assert set(w["match"]) == {"same code", "same name", "none"}
    same = w.loc[w["match"] == "same code"]
    assert (same.index == same["ward24_code"]).all()
    assert w.loc[w["match"] == "none", "ward24_code"].isna().all()


@pytest.mark.demo
def test_ethnicity_shares(table25: pd.DataFrame) -> None:
    cols = [census.ethnic_column(short) for short in census.ETHNIC_GROUPS]
    assert cols == ["eth_white_pct", "eth_asian_pct", "eth_black_pct", "eth_mixed_pct", "eth_other_pct"]
    shares = table25[cols]
    assert shares.notna().all().all()
    assert ((shares >= 0) & (shares <= 100)).all().all()
    np.testing.assert_allclose(shares.sum(axis=1), 100, atol=0.05)
    np.testing.assert_allclose(table25["eth_minority_pct"], 100 - table25["eth_white_pct"], atol=1e-6)
    # Birmingham is about 51% ethnic minority (Census 2021)
    brum = table25.loc[table25["lad_name"] == "Birmingham"]
    share = (brum["eth_minority_pct"] * brum["population"]).sum() / brum["population"].sum()
    assert 48 < share < 54, share


# ----------------------------------------------------------------------------- change
def test_change_only_for_comparable_lsoas(table19: pd.DataFrame, table25: pd.DataFrame) -> None:
    t = table25
    code = t["lsoa_change"]
    assert set(code.unique()) == {"U", "S", "M", "X"}
    assert (t["imd_rank_change"].notna() == (code == "U")).all()
    assert (t["imd_decile_change"].notna() == (code == "U")).all()
    # split LSOAs show the parent's 2019 values; merged and redrawn none
    assert t.loc[code == "S", "imd_rank_2019"].notna().all()
    assert t.loc[code.isin(["M", "X"]), ["imd_rank_2019", "imd_decile_2019"]].isna().all().all()
    u = t.loc[code == "U"]
    assert (u["imd_rank_2019"] == table19.loc[u.index, "imd_rank"]).all()
    assert (u["imd_decile_change"] == u["imd_decile_2019"] - u["imd_decile"]).all()
    scaled = u["imd_rank_2019"].astype(float) * ENGLAND_LSOA21 / ENGLAND_LSOA11
    np.testing.assert_allclose(u["imd_rank_change"].astype(float), (scaled - u["imd_rank"]).round(), atol=0.5)
    # rescaling keeps an unchanged relative position near zero
    assert abs(float(u["imd_rank_change"].astype(float).median())) < 200


def test_split_lsoas_carry_the_2019_rank_of_the_2011_lsoa_the_raw_lookup_names(table25: pd.DataFrame) -> None:
    """A split (S) LSOA 2021 shows the IMD 2019 rank and decile of its one 2011 parent, read here
    from the raw ONS lookup's S rows and the raw IMD 2019 file."""
    lk = raw.csv("geography/lsoa11_lsoa21_ltla22_lookup.csv")
    split = lk.loc[lk["change_code"] == "S"].drop_duplicates("lsoa21_code")
    assert split.groupby("lsoa21_code")["lsoa11_code"].nunique().max() == 1  # one parent each
    parent = split.set_index("lsoa21_code")["lsoa11_code"]
    imd19 = raw.imd("2019")
    t = table25.loc[parent.index]
    assert len(t) > 1000
    np.testing.assert_array_equal(t["imd_rank_2019"].astype(int).to_numpy(),
                                  imd19.loc[parent.to_numpy(), "IMD_rank"].astype(int).to_numpy())
    np.testing.assert_array_equal(t["imd_decile_2019"].astype(int).to_numpy(),
                                  imd19.loc[parent.to_numpy(), "IMD_decile"].astype(int).to_numpy())


@pytest.mark.demo
def test_change_analysis_birmingham(table25: pd.DataFrame) -> None:
    brum = table25.loc[table25["lad_code"] == "E08000025"]
    s = change.summarise(brum)
    assert s.n_lsoas == len(brum) and s.n_comparable + s.n_split + s.n_merged + s.n_redrawn == len(brum)
    assert s.more_deprived_decile + s.same_decile + s.less_deprived_decile == s.n_comparable
    assert int(change.decile_transitions(brum).to_numpy().sum()) == s.n_comparable
    more = change.biggest_movers(brum, 5, direction="more")
    less = change.biggest_movers(brum, 5, direction="less")
    assert (more["imd_rank_change"] > 0).all() and more["imd_rank_change"].is_monotonic_decreasing
    assert (less["imd_rank_change"] < 0).all() and less["imd_rank_change"].is_monotonic_increasing
    both = change.biggest_movers(brum, 5)
    assert both["imd_rank_change"].abs().iloc[0] == max(more["imd_rank_change"].max(),
                                                       -less["imd_rank_change"].min())
    assert (both["lsoa_change"] == "U").all()
    full = change.movers_table(brum)
    assert len(full) == len(brum) and full["comparison"].notna().all()


@pytest.mark.demo
def test_change_analysis_edge_cases() -> None:
    idx = pd.Index(["a", "b", "c", "d"], name="lsoa_code")
    t = pd.DataFrame({
        "imd_rank": [10, 20, 30, 40], "imd_decile": [1, 1, 2, 5],
        "imd_rank_2019": [50, 5, 30, pd.NA], "imd_decile_2019": [2, 1, 1, pd.NA],
        "imd_rank_change": [41, -15, 1, pd.NA], "imd_decile_change": [1, 0, -1, pd.NA],
        "lsoa_change": ["U", "U", "U", "M"],
    }, index=idx).astype({c: "Int64" for c in ("imd_rank", "imd_decile", "imd_rank_2019",
                                                "imd_decile_2019", "imd_rank_change", "imd_decile_change")})
    s = change.summarise(t)
    assert (s.n_comparable, s.n_merged, s.into_most_deprived, s.out_of_most_deprived,
            s.stayed_most_deprived) == (3, 1, 1, 1, 1)
    assert change.biggest_movers(t, 1, direction="less").index.tolist() == ["b"]
    assert change.summarise(t.iloc[3:]).sentence().startswith("No LSOA")
    with pytest.raises(ValueError):
        change.summarise(t.drop(columns="imd_rank_change"))
    with pytest.raises(ValueError):
        change.biggest_movers(t, 0)


@pytest.mark.demo
def test_change_colours_diverge() -> None:
    classes, legend = change_classes(pd.Series([6000, 100, -100, -6000, None]), "rank")
    colours = [PALETTE[c] for c in classes]
    assert colours[0] == PUOR7[0] and colours[3] == PUOR7[-1]
    assert colours[1] == colours[2] == PUOR7[3] and colours[4] == NOT_COMPARABLE
    assert legend[-1][1] == NOT_COMPARABLE and len(legend) == 8
    classes, legend = change_classes(pd.Series([1, 0, -2]), "decile")
    assert [PALETTE[c] for c in classes] == [PUOR7[2], PUOR7[3], PUOR7[5]] and len(legend) == 7


# ----------------------------------------------------------------------------- optional layers
def _copy_without(real: Path, target: Path, *, skip: str) -> None:
    for f in real.rglob("*"):
        if f.is_file() and f.relative_to(real).as_posix() != skip:
            dest = target / f.relative_to(real)
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.symlink_to(f)


def test_missing_optional_cni_hides_its_layer(real_data_dir: Path, broken_data_dir: Path) -> None:
    skip = get_dataset("cni2023").file
    _copy_without(real_data_dir, broken_data_dir, skip=skip)
    assert not get_dataset("cni2023").path.exists()
    table = data.load_lsoa_table("2025")
    assert "cni2023" in table.attrs[data.HIDDEN_LAYERS]["cni2023"]  # absent: hidden, said why
    assert "cni2023" not in table.attrs[data.DAMAGED_LAYERS]  # … but not reported as damaged
    assert not any(c.startswith("cni_") for c in table.columns) and "left_behind" not in table.columns
    assert {"at_risk_jobs_pct", "eth_minority_pct", "imd_rank_change"} <= set(table.columns)
    visible = [m.id for m in measures.measures_for("2025") if m.views_in(table.columns)]
    assert "cni" not in visible and "at_risk_jobs_pct" in visible
