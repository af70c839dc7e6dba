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
from needsmap.viz.lsoa_map import _layer_json, _static

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


@pytest.mark.parametrize("level", ["ward", "england"])
def test_three_maps_draw_one_context(table25: pd.DataFrame, geo25: pd.DataFrame, level: str) -> None:
    """Explore, Coverage gaps and Change draw their context through one builder: the same window of
    local-authority outlines (generalised only for England) and, for a ward, its authority's wards."""
    from needsmap.analysis import coverage as cv
    from needsmap.viz.bivariate import GAPS_STYLE, bivariate_deck
    from needsmap.viz.change_map import CHANGE_STYLE, change_deck
    from needsmap.viz.choropleth import CHOROPLETH_STYLE, choropleth_deck, map_context
    from needsmap.viz.tiles import NATIONAL_TOLERANCE_M

    code = "E05011126" if level == "ward" else "E92000001"  # Bordesley & Highgate, Birmingham
    area = areas.area_from_code(code, geo25)
    sel = areas.select(table25, area)
    bounds, lads, wards = data.load_boundaries("2025"), data.load_lad_boundaries(), data.load_ward_boundaries()
    ts, attrs = map_assets.tileset("2025", table25), map_assets.attributes("2025", table25)
    kw = {"lad_boundaries": lads, "ward_boundaries": wards, "tileset": ts, "attributes": attrs}
    maps_ = {
        "explore": choropleth_deck(sel, bounds, measure="imd", edition="2025", area=area, **kw).map,
        "gaps": bivariate_deck(cv.analyse_gaps(table25, cv.reference_points(bounds), pd.DataFrame(
            {"lat": [], "lon": [], "lsoa21_code": []}), area=area, edition="2025"), bounds, **kw),
        "change": change_deck(sel, bounds, area=area, **kw).map,
    }
    layers = {k: {layer["id"]: layer for layer in m.spec["layers"]} for k, m in maps_.items()}
    lad_paths = [layers[k]["lad-outlines"]["data"] for k in maps_]
    assert lad_paths[0] == lad_paths[1] == lad_paths[2] and len(lad_paths[0]) > 0
    styles = {"explore": CHOROPLETH_STYLE, "gaps": GAPS_STYLE, "change": CHANGE_STYLE}
    for k, style in styles.items():  # each map's own look: its ward lines and names
        ctx = map_context(area, sel, bounds, lad_boundaries=lads, ward_boundaries=wards, style=style, height=620)
        want = [i for i, _, _ in style.ward_lines] if level == "ward" else []
        assert [i for i in layers[k] if i.startswith("ward-")] == want
        assert maps_[k].spec["line"]["color"] == ctx.lsoa_line["color"]
        assert (maps_[k].spec["line"]["color"][3] == 0) == (level == "england")
    # England's outlines generalised as the LSOA tiles' national level and rounded to 0.001°; others exact
    x0, y0, x1, y1 = ctx.window
    tol, decimals = (NATIONAL_TOLERANCE_M, 3) if level == "england" else (0.0, 5)
    want = maps.outline_layer(lads.cx[x0:x1, y0:y1], layer_id="lad-outlines", tolerance_m=tol, decimals=decimals)
    assert lad_paths[0] == _static(_layer_json(want))["data"]
    if level == "ward":  # the wards drawn: those of the ward's local authority in the ONS lookup
        lookup = _raw("lsoa21_ward24_lookup")
        (lad,) = lookup.loc[lookup["ward24_code"] == code, "ltla24_code"].unique()
        assert lad == "E08000025"
        want = maps.outline_layer(wards[wards["lad_code"] == lad], layer_id="ward-outlines")
        assert layers["change"]["ward-outlines"]["data"] == _static(_layer_json(want))["data"]
        assert layers["gaps"]["ward-outlines"]["data"] == _static(_layer_json(want))["data"]
