"""The shared LSOA choropleth, built from the real data for Birmingham, a ward, a region and England."""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import pytest

from needsmap import areas, data
from needsmap.measures import get_measure
from needsmap.types import england_lsoa_count
from needsmap.viz import maps
from needsmap.viz.choropleth import (
    ENGLAND_SIMPLIFY_M,
    TOOLTIP_FIELDS,
    TOOLTIP_HTML,
    choropleth_deck,
    declutter,
    simplified_boundaries,
    tooltips,
)


@pytest.fixture(scope="module")
def lads() -> gpd.GeoDataFrame:
    return data.load_lad_boundaries()


@pytest.fixture(scope="module")
def wards() -> gpd.GeoDataFrame:
    return data.load_ward_boundaries()


def _layer(deck, layer_id: str):  # type: ignore[no-untyped-def]
    return next(la for la in deck.layers if la.id == layer_id)


@pytest.mark.demo
def test_birmingham_decile_map_has_outlines_ward_labels_and_legend(
        table25: pd.DataFrame, geo25: pd.DataFrame, lads: gpd.GeoDataFrame,
        wards: gpd.GeoDataFrame) -> None:
    bham = areas.area_from_code("E08000025", geo25)
    sel = areas.select(table25, bham)
    cm = choropleth_deck(sel, data.load_boundaries("2025"), measure="imd", edition="2025", area=bham,
                         lad_boundaries=lads, ward_boundaries=wards)
    assert cm.n_lsoas == len(sel) > 600
    assert cm.simplified_m == 0 and cm.simplification_note == ""
    ids = [la.id for la in cm.deck.layers]
    assert ids == ["lsoa-fill", "ward-casing", "ward-outlines", "lad-outlines", "place-names"]
    labels = {row["text"] for row in _layer(cm.deck, "place-names").data}
    ward_names = set(sel["ward_name"])
    assert len(labels) >= 15 and labels <= ward_names | set(wards["ward_name"])
    assert [c for _, c in cm.legend[:10]] == list(maps.DECILE_COLOURS)
    assert "most deprived" in cm.legend[0][0] and "decile" in cm.legend_title
    # the colour of each polygon is its IMD decile's viridis step
    fill = _layer(cm.deck, "lsoa-fill").data
    first = fill[0]
    code = first["tip_title"].split("(")[-1].rstrip(")")
    assert tuple(first["fill"]) == maps.DECILE_COLOURS[int(sel.loc[code, "imd_decile"]) - 1]
    spec = json.loads(cm.deck.to_json())
    assert spec.get("mapStyle") == maps.NO_BASEMAP and "mapProvider" not in spec  # no basemap request


@pytest.mark.demo
def test_tooltip_fields_name_ward_rank_of_england_and_domain_deciles(table19: pd.DataFrame) -> None:
    row = table19.loc[["E01009219"]]
    tips = tooltips(row, "health", "rank", edition="2019").iloc[0]
    assert list(tips.index) == list(TOOLTIP_FIELDS)
    assert "E01009219" in tips["tip_title"] and row["lsoa_name"].iloc[0] in tips["tip_title"]
    assert row["ward_name"].iloc[0] in tips["tip_where"] and "Birmingham" in tips["tip_where"]
    assert "rank 7,847 of 32,844" in tips["tip_value"]  # the reference LSOA
    assert "IMD 2" in tips["tip_more"] and "Health" in tips["tip_more"]
    for f in TOOLTIP_FIELDS:
        assert "{" + f + "}" in TOOLTIP_HTML


@pytest.mark.demo
def test_rank_view_uses_national_tenths(table25: pd.DataFrame, geo25: pd.DataFrame,
                                        lads: gpd.GeoDataFrame, wards: gpd.GeoDataFrame) -> None:
    ward = areas.area_from_code(table25.loc[table25["lad_name"] == "Birmingham", "ward_code"].iloc[0], geo25)
    cm = choropleth_deck(areas.select(table25, ward), data.load_boundaries("2025"), measure="income",
                         view="rank", edition="2025", area=ward, lad_boundaries=lads, ward_boundaries=wards)
    n = england_lsoa_count("2025")
    assert cm.legend[0][0] == f"rank 1–{n // 10:,}"
    assert "rank" in cm.legend_title and "Income" in cm.legend_title


@pytest.mark.demo
def test_region_view_labels_local_authorities(table19: pd.DataFrame, geo25: pd.DataFrame,
                                              lads: gpd.GeoDataFrame) -> None:
    wm = areas.area_from_code("E12000005", geo25)
    cm = choropleth_deck(areas.select(table19, wm), data.load_boundaries("2019"), measure="crime",
                         view="rank", edition="2019", area=wm, lad_boundaries=lads)
    labels = {row["text"] for row in _layer(cm.deck, "place-names").data}
    assert "Birmingham" in labels and len(labels) >= 10
    assert "ward-outlines" not in [la.id for la in cm.deck.layers]


def test_england_is_simplified_and_says_by_how_much(table25: pd.DataFrame,
                                                    lads: gpd.GeoDataFrame) -> None:
    bounds = simplified_boundaries(data.load_boundaries("2025"))
    cm = choropleth_deck(table25, bounds, measure="imd", edition="2025", area=areas.ENGLAND,
                         lad_boundaries=lads)
    assert cm.n_lsoas == england_lsoa_count("2025")
    assert cm.simplified_m == ENGLAND_SIMPLIFY_M and 0.2 < cm.vertices_removed < 0.9
    assert f"{ENGLAND_SIMPLIFY_M:,.0f} m" in cm.simplification_note
    size_mb = len(cm.deck.to_json()) / 1e6
    assert size_mb < 30, f"England map payload {size_mb:.1f} MB"
    labels = _layer(cm.deck, "place-names").data
    assert 5 <= len(labels) < 80  # decluttered, not all 296 local authorities


@pytest.mark.demo
def test_score_view_bins_the_values_shown(table25: pd.DataFrame, geo25: pd.DataFrame,
                                          lads: gpd.GeoDataFrame, wards: gpd.GeoDataFrame) -> None:
    bham = areas.area_from_code("E08000025", geo25)
    cm = choropleth_deck(areas.select(table25, bham), data.load_boundaries("2025"), measure="crime",
                         view="score", edition="2025", area=bham, lad_boundaries=lads,
                         ward_boundaries=wards)
    assert len(cm.legend) == 10 and "score" in cm.legend_title
    assert "score" in _layer(cm.deck, "lsoa-fill").data[0]["tip_value"]


def test_value_measure_and_missing_column() -> None:
    t = pd.DataFrame({"lsoa_name": ["A", "B"], "ward_name": ["w", "w"], "lad_name": ["l", "l"],
                      "imd_decile": [1, 10]}, index=pd.Index(["E01000001", "E01000002"], name="lsoa_code"))
    b = data.load_boundaries("2025").head(2)
    lad = data.load_lad_boundaries().head(1)
    area = areas.Area("lad", "E09000001", "City of London")
    with pytest.raises(ValueError, match="imd_rank"):
        choropleth_deck(t, b, measure="imd", view="rank", edition="2025", area=area, lad_boundaries=lad)
    cm = choropleth_deck(t.assign(imd_decile=[1, None]), b, measure=get_measure("imd"), edition="2025",
                         area=area, lad_boundaries=lad)
    assert cm.legend[-1] == ("no data", maps.NO_DATA)


@pytest.mark.demo
def test_declutter_drops_overlapping_labels() -> None:
    labels = pd.DataFrame({"text": ["Big", "Overlap", "Far"], "lon": [-1.9, -1.9001, -1.0],
                           "lat": [52.48, 52.48, 52.48]})
    view = maps.view_for_bounds((-2.0, 52.3, -0.9, 52.6))
    kept = declutter(labels, view, width_px=800, height_px=600)
    assert kept["text"].tolist() == ["Big", "Far"]


@pytest.mark.demo
def test_frozen_map_pickles_small_and_sends_the_same_json(table25: pd.DataFrame, geo25: pd.DataFrame,
                                                           lads: gpd.GeoDataFrame) -> None:
    import pickle

    wm = areas.area_from_code("E12000005", geo25)
    cm = choropleth_deck(areas.select(table25, wm), data.load_boundaries("2025"), measure="imd",
                         edition="2025", area=wm, lad_boundaries=lads)
    frozen = pickle.loads(pickle.dumps(cm.frozen()))
    assert frozen.deck.to_json() == cm.deck.to_json()
    assert frozen.legend == cm.legend and frozen.deck._tooltip == cm.deck._tooltip


def test_score_view_with_national_table_matches_the_deciles(table25: pd.DataFrame, geo25: pd.DataFrame,
                                                            lads: gpd.GeoDataFrame) -> None:
    bham = areas.area_from_code("E08000025", geo25)
    sel = areas.select(table25, bham)
    cm = choropleth_deck(sel, data.load_boundaries("2025"), measure="imd", view="score", edition="2025",
                         area=bham, lad_boundaries=lads, national=table25)
    darkest = sum(tuple(r["fill"]) == maps.DECILE_COLOURS[0] for r in _layer(cm.deck, "lsoa-fill").data)
    assert darkest == int((sel["imd_decile"] == 1).sum())  # national tenths of score = deciles
    assert "England&#x27;s 33,755" in cm.legend_html  # escaped by legend_html


@pytest.mark.demo
def test_national_tenths_lower_is_worse_and_missing() -> None:
    from needsmap.viz.choropleth import national_tenths

    ref = pd.Series(range(1, 101), dtype=float)
    colours, legend = national_tenths(pd.Series([1.0, 100.0, None]), ref, higher_is_worse=False)
    assert colours == [maps.DECILE_COLOURS[0], maps.DECILE_COLOURS[9], maps.NO_DATA]
    assert len(legend) == 10
