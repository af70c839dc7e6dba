"""Map building blocks (outlines, classes, legends, the offline Deck) and the change map's tooltips."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from needsmap import areas, data
from needsmap.data import map_assets
from needsmap.data.catalog import get_dataset
from needsmap.types import ENGLAND_LSOA11, ENGLAND_LSOA21
from needsmap.viz import maps
from needsmap.viz.lsoa_map import _layer_json

pytestmark = pytest.mark.demo


def _raw(dataset_id: str) -> pd.DataFrame:
    path = get_dataset(dataset_id).path
    return pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path, encoding="utf-8-sig")


def test_outlines_draw_each_border_once() -> None:
    wards = data.load_ward_boundaries()
    bham = wards[wards["lad_code"] == "E08000025"]
    layer = maps.outline_layer(bham, layer_id="ward-outlines")
    assert _layer_json(layer)["@@type"] == "PathLayer"  # as the map component receives it
    paths = layer.data
    lines = gpd.GeoSeries([shapely.linestrings(p["path"]) for p in paths], crs=4326).to_crs(27700)
    metric = bham.to_crs(27700).geometry
    # in metres: shared borders once, the outer edge once = (sum of perimeters + outer perimeter) / 2
    want = (metric.length.sum() + shapely.union_all(metric.values).length) / 2
    assert abs(lines.length.sum() - want) < 0.005 * want
    assert maps.edge_paths(bham) is paths  # worked out once


def test_rank_and_value_classes() -> None:
    # class k is swatch DECILE_COLOURS[k]; -1 is no data
    cls, legend = maps.decile_classes(pd.Series([1, 33755, None]), kind="rank", n_total=33755)
    assert cls.tolist() == [0, 9, -1]
    cls, legend = maps.decile_classes(pd.Series(range(100)), kind="value", higher_is_worse=True)
    assert cls[99] == 0
    assert legend[0] == ("89.1 – 99", maps.DECILE_COLOURS[0])  # darkest swatch = highest values
    cls, legend = maps.decile_classes(pd.Series(range(100)), kind="value", higher_is_worse=False)
    assert cls[0] == 0 and legend[0] == ("0 – 9.9", maps.DECILE_COLOURS[0])
    classes, _ = maps.decile_classes(pd.Series([1, 10, 0, 11, None]))
    assert classes.tolist() == [0, 9, -1, -1, -1]  # outside 1–10 is no data


def test_legend_escapes_labels() -> None:
    html = maps.legend_html("<b>", [("<i>x</i>", (1, 2, 3))])
    assert "<i>x" not in html and "&lt;i&gt;" in html


def test_change_map_tooltips_read_as_the_raw_files(table25: pd.DataFrame, geo25: pd.DataFrame) -> None:
    from needsmap.viz.change_map import PALETTE, change_deck

    bham = areas.area_from_code("E08000025", geo25)
    sel = areas.select(table25, bham)
    ts, attrs = map_assets.tileset("2025", table25), map_assets.attributes("2025", table25)
    cm = change_deck(sel, data.load_boundaries("2025"), area=bham, lad_boundaries=data.load_lad_boundaries(),
                     tileset=ts, attributes=attrs)
    tips = cm.map.tooltips(ts.codes, attrs)
    assert len(tips) == len(sel) and cm.map.layer_ids[-1] == "place-names"
    lookup = _raw("lsoa11_lsoa21_lookup")
    same = lookup[lookup["change_code"] == "U"].set_index("lsoa21_code")
    imd19 = _raw("imd2019").set_index("lsoa11_code")
    imd25 = _raw("imd2025").set_index("lsoa21_code")
    checked = 0
    for code in tips.index:
        if code not in same.index:
            assert "no change computed" in tips.loc[code, "line3"] or "not comparable" in tips.loc[code, "line3"]
            continue
        r19, d19 = int(imd19.loc[code, "IMD_rank"]), int(imd19.loc[code, "IMD_decile"])
        r25, d25 = int(imd25.loc[code, "IMD_rank"]), int(imd25.loc[code, "IMD_decile"])
        change = round(r19 * ENGLAND_LSOA21 / ENGLAND_LSOA11 - r25)
        assert tips.loc[code, "line2"] == (
            f"IMD rank 2019: {r19:,} (decile {d19}) → 2025: {r25:,} (decile {d25}) · change {change:+,} ranks, "
            f"{d19 - d25:+} deciles (+ = relatively more deprived)")
        assert tips.loc[code, "line3"] == "same area in both editions: change shown"
        checked += 1
    assert checked > 500
    assert not tips.apply(lambda c: c.str.contains("<", regex=False)).any().any()
    assert len(cm.map.spec["palette"]) == len(PALETTE)
