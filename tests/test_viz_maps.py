"""Map building blocks return serialisable pydeck objects with no basemap."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from needsmap import data
from needsmap.viz import maps

pytestmark = pytest.mark.demo


def test_birmingham_deck_serialises(table25: pd.DataFrame) -> None:
    b = data.load_boundaries("2025")
    bham = table25[table25["lad_name"] == "Birmingham"]
    gdf = b[b["lsoa_code"].isin(bham.index)].join(bham[["imd_decile"]], on="lsoa_code")
    colours, legend = maps.class_colours(gdf["imd_decile"], kind="decile")
    gdf["fill"] = colours
    frame = maps.polygon_frame(gdf, ["lsoa_code", "fill"])
    lad = data.load_lad_boundaries()
    deck = maps.make_deck(
        [maps.fill_layer(frame), maps.outline_layer(lad[lad["lad_name"] == "Birmingham"])],
        maps.view_for_bounds(gdf.total_bounds), tooltip_html="{lsoa_code}",
    )
    spec = json.loads(deck.to_json())
    assert spec.get("mapStyle") == maps.NO_BASEMAP and "mapProvider" not in spec  # no tile request
    assert len(legend) == 10 and len(frame) >= len(gdf)


def test_rank_and_value_classes() -> None:
    cols, legend = maps.class_colours(pd.Series([1, 33755, None]), kind="rank", n_total=33755)
    assert cols[0] == maps.DECILE_COLOURS[0] and cols[1] == maps.DECILE_COLOURS[9]
    assert cols[2] == maps.NO_DATA
    cols, legend = maps.class_colours(pd.Series(range(100)), kind="value", higher_is_worse=True)
    assert cols[99] == maps.DECILE_COLOURS[0]
    assert legend[0] == ("89.1 – 99", maps.DECILE_COLOURS[0])  # darkest swatch = highest values
    cols, legend = maps.class_colours(pd.Series(range(100)), kind="value", higher_is_worse=False)
    assert cols[0] == maps.DECILE_COLOURS[0] and legend[0] == ("0 – 9.9", maps.DECILE_COLOURS[0])


def test_legend_escapes_labels() -> None:
    html = maps.legend_html("<b>", [("<i>x</i>", (1, 2, 3))])
    assert "<i>x" not in html and "&lt;i&gt;" in html


def test_change_tooltips_are_plain_text_fields(table25: pd.DataFrame) -> None:
    from needsmap.viz.change_map import change_tooltips

    rows = table25[table25["lad_name"] == "Birmingham"].head(50)
    tips = change_tooltips(rows)
    assert list(tips.columns) == list(maps.TOOLTIP_FIELDS)
    assert not tips.apply(lambda c: c.str.contains("<", regex=False)).any().any()
    assert tips["tip_title"].str.contains("Birmingham").all()
