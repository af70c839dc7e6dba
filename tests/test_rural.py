"""Rural-Urban Classification 2021 in the LSOA table, its filter and breakdown, against the raw CSVs."""

from __future__ import annotations

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from needsmap.analysis import rural as ru
from needsmap.errors import ValidationError
from needsmap.measures import get_measure, how_made, profile_rows
from tests import raw

#: the figures the data folder's README gives (5,554 of 33,755 LSOAs rural; 16.6% of residents)
README_RURAL = {"RLN1": 2_038, "RSN1": 1_684, "RSF1": 983, "RLF1": 849}


@pytest.fixture(scope="module")
def ruc() -> pd.DataFrame:
    return raw.csv("geography/lsoa21_ruc21.csv").set_index("lsoa21_code")


def test_raw_file_gives_the_readme_figures(ruc: pd.DataFrame) -> None:
    rural = ruc[ruc["urban_rural"] == "Rural"]
    assert (len(ruc), len(rural)) == (33_755, 5_554)
    assert rural["ruc21_code"].value_counts().to_dict() == README_RURAL
    people = raw.residents21()
    assert round(people.reindex(rural.index).sum() / people.sum() * 100, 1) == 16.6


def test_2025_table_carries_the_published_class_of_every_lsoa(table25: pd.DataFrame, ruc: pd.DataFrame) -> None:
    got = table25[["ruc21_code", "ruc21_name", "urban_rural"]]
    want = ruc.reindex(got.index)[["ruc21_code", "ruc21_name", "urban_rural"]]
    assert len(got) == 33_755
    pd.testing.assert_frame_equal(got.astype(str), want.astype(str), check_names=False)
    assert int(table25["rural"].sum()) == int((ruc["urban_rural"] == "Rural").sum())
    assert table25["rural"].dtype == bool
    counts = table25.loc[table25["rural"], "ruc21_code"].value_counts().to_dict()
    assert counts == ruc.loc[ruc["urban_rural"] == "Rural", "ruc21_code"].value_counts().to_dict()


def test_2019_lsoa_takes_the_class_of_its_most_populous_2021_part(table19: pd.DataFrame,
                                                                  ruc: pd.DataFrame) -> None:
    """Independently: the raw ONS lookup, Census 2021 residents (ties by code), the raw classes."""
    lk = raw.csv("geography/lsoa11_lsoa21_ltla22_lookup.csv")[["lsoa11_code", "lsoa21_code"]].drop_duplicates()
    lk["people"] = lk["lsoa21_code"].map(raw.residents21()).fillna(-1)
    best = (lk.sort_values(["lsoa11_code", "people", "lsoa21_code"], ascending=[True, False, True])
            .drop_duplicates("lsoa11_code").set_index("lsoa11_code")["lsoa21_code"])
    want = ruc["ruc21_code"].reindex(best.reindex(table19.index)).to_numpy()
    assert len(table19) == 32_844
    assert table19["ruc21_code"].isna().sum() == 0
    assert (table19["ruc21_code"].to_numpy() == want).all()
    # a split LSOA 2011 really chose among parts: some split ones differ from their first listed part
    split = lk.groupby("lsoa11_code")["lsoa21_code"].transform("size") > 1
    assert split.sum() > 1000
    assert (table19["urban_rural"] == "Rural").sum() == (ruc["urban_rural"].reindex(best).to_numpy() == "Rural").sum()


def test_classes_are_listed_once_in_ons_order(ruc: pd.DataFrame) -> None:
    assert list(ru.RUC_CLASSES) == ["UN1", "UF1", "RLN1", "RLF1", "RSN1", "RSF1"]
    names = ruc.drop_duplicates("ruc21_code").set_index("ruc21_code")["ruc21_name"].to_dict()
    assert {c: names[c] for c in ru.RUC_CLASSES} == ru.RUC_CLASSES
    assert {c: g for c, g in ru.RUC_GROUP.items()} == ruc.drop_duplicates("ruc21_code").set_index(
        "ruc21_code")["urban_rural"].to_dict()


@pytest.mark.parametrize(("choice", "want"), [
    ("all", 33_755), ("rural", 5_554), ("urban", 33_755 - 5_554), ("RSF1", 983), ("rlf1", 849),
    ("UF1", None)])
def test_apply_ruc_filter(table25: pd.DataFrame, ruc: pd.DataFrame, choice: str, want: int | None) -> None:
    got = ru.apply_ruc_filter(table25, choice)
    expected = want if want is not None else int((ruc["ruc21_code"] == choice).sum())
    assert len(got) == expected
    if choice.upper() in ru.RUC_CLASSES:
        assert set(got["ruc21_code"]) == {choice.upper()}
    assert list(got.columns) == list(table25.columns)


def test_apply_ruc_filter_refuses_unknown_choices_and_missing_columns(table25: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="rural-urban choice"):
        ru.apply_ruc_filter(table25, "suburban")
    bare = table25.drop(columns=["urban_rural"])
    with pytest.raises(ValidationError, match="lsoa21_ruc21"):
        ru.apply_ruc_filter(bare, "rural")
    assert len(ru.apply_ruc_filter(bare, "all")) == len(table25)


def test_urban_rural_breakdown_against_raw(table25: pd.DataFrame, ruc: pd.DataFrame) -> None:
    out = ru.urban_rural_breakdown(table25, "imd_rank", edition="2025").set_index("code")
    imd = raw.imd("2025")
    people = raw.residents21()
    assert list(out.index) == ["Urban", "Rural", *ru.RUC_CLASSES]
    for key in ["Urban", "Rural", *ru.RUC_CLASSES]:
        col = "urban_rural" if key in ("Urban", "Rural") else "ruc21_code"
        codes = ruc.index[ruc[col] == key]
        ranks = imd["IMD_rank"].reindex(codes)
        assert out.loc[key, "lsoas"] == len(codes)
        assert out.loc[key, "residents"] == round(people.reindex(codes).sum())
        # England's 10% / 20% most deprived of 33,755 LSOA 2021: ranks up to 3,375 / 6,751
        assert out.loc[key, "lsoas_10"] == int((ranks <= 3_375).sum())
        assert out.loc[key, "lsoas_20"] == int((ranks <= 6_751).sum())
        assert out.loc[key, "share_20"] == pytest.approx((ranks <= 6_751).mean())
    assert round(out.loc["Rural", "residents_share"] * 100, 1) == 16.6
    assert out.loc["Rural", "share_10"] < out.loc["Urban", "share_10"]
    with pytest.raises(ValueError, match="rank column"):
        ru.urban_rural_breakdown(table25, "imd_decile", edition="2025")


def test_registry_has_the_rural_flag_and_its_how() -> None:
    m = get_measure("rural")
    assert (m.kind, m.views, m.datasets) == ("flag", ("value",), ("lsoa21_ruc21",))
    assert [row.label for mm, row in profile_rows() if mm.id == "rural"] == ["Rural-Urban Classification 2021"]
    assert any("Rural-Urban Classification 2021" in h and "most of its population" in h for h in how_made())


def _filter_page() -> None:
    import streamlit as st

    from needsmap.ui.rural import ruc_filter

    st.write(f"choice={ruc_filter('ruc')}")


def test_ruc_filter_widget() -> None:
    at = AppTest.from_function(_filter_page).run(timeout=60)
    box = at.selectbox(key="ruc")
    assert box.options[:3] == ["All neighbourhoods", "Urban only (all urban classes)",
                               "Rural only (all rural classes)"]
    assert len(box.options) == 9
    assert "choice=all" in at.markdown[0].value
    box.set_value("RSF1").run()
    assert "choice=RSF1" in at.markdown[0].value
