"""One map view for the browser component: the template language, exact typed columns, the bytes layout."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pydeck as pdk
import pytest

from needsmap import data
from needsmap.data import map_assets
from needsmap.data.catalog import get_dataset
from needsmap.errors import ValidationError
from needsmap.viz import maps
from needsmap.viz.lsoa_map import (
    DTYPES,
    LINE_DEFAULT,
    MISSING_TEXT,
    build_lsoa_map,
    category_column,
    format_template,
    format_value,
    literal,
    number_column,
    template_fields,
)

pytestmark = pytest.mark.demo


# ----------------------------------------------------------------------------- template language
@pytest.mark.parametrize(("value", "fmt", "text"), [
    (7847, ",.0f", "7,847"), (7847.0, ".0f", "7847"), (1234567.891, ",.2f", "1,234,567.89"),
    (3, "+,.0f", "+3"), (-1234, "+,.0f", "-1,234"), (0, "+.0f", "+0"), (2.5, ".0f", "2"),  # half to even
    (0.125, ".2f", "0.12"), (43.515, ".2f", "43.52"), (-0.001, ".2f", "-0.00"),
    (None, ",.0f", MISSING_TEXT), (float("nan"), ".1f", MISSING_TEXT), (pd.NA, ".1f", MISSING_TEXT),
    ("Birmingham 067A", None, "Birmingham 067A"), (3, None, "3"), (3.0, None, "3.0"),
])
def test_format_value_is_pythons_format(value: object, fmt: str | None, text: str) -> None:
    assert format_value(value, fmt) == text


def test_format_template_fills_every_placeholder() -> None:
    row = {"name": "Adur 001A", "lsoa_code": "E01031349", "rank": 16_001.0, "change": -250.0, "d": None}
    assert format_template("{name} ({lsoa_code}): rank {rank:,.0f}, change {change:+,.0f}, decile {d:.0f}",
                           row) == "Adur 001A (E01031349): rank 16,001, change -250, decile –"
    with pytest.raises(KeyError):
        format_template("{nope}", row)


@pytest.mark.parametrize("bad", ["{x:.4f}", "{x:e}", "{x:,d}", "a { b", "closing } alone", "{x:>5}"])
def test_templates_outside_the_language_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        template_fields(bad)


def test_literal_text_cannot_open_a_placeholder() -> None:
    assert template_fields(literal("Need {composite}") + " {x:.0f}") == [("x", ".0f")]


# ----------------------------------------------------------------------------- typed columns
def test_whole_numbers_take_the_smallest_type_and_mark_missing() -> None:
    assert number_column("d", [1, 10, 5]).dtype == "u8"
    ranks = number_column("r", [1, 33_755, None])
    assert ranks.dtype == "u16" and ranks.missing == 65_535 and ranks.raw[-1] == 65_535
    assert number_column("c", [-3, 3]).dtype == "i8"
    assert number_column("c", [-5_000, 12_000]).dtype == "i16"
    assert number_column("p", [0, 1_200_000]).dtype == "u32"
    with pytest.raises(ValueError, match="32-bit"):
        number_column("big", [0, 2**40])
    with pytest.raises(ValueError, match="infinite"):
        number_column("inf", [1.0, math.inf])


def test_published_scores_are_kept_exactly() -> None:
    """Every IMD score of the raw file (3 decimals) comes back as the very same float."""
    path = get_dataset("imd2025").path
    raw = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
    for col in ("IMD_score", "Health_score", "Income_score"):
        c = number_column(col, raw[col])
        assert c.scale == 0.001 and c.dtype in ("u16", "i16", "u32", "i32")
        assert np.array_equal(c.decoded(), raw[col].to_numpy(float)), col
        # and prints as Python prints the published value
        for x, got in zip(raw[col].head(500), (c.value_at(i) for i in range(500)), strict=True):
            assert format_value(got, ".2f") == f"{x:.2f}"


def test_computed_values_are_rounded_as_python_prints_them() -> None:
    rng = np.random.default_rng(11)
    v = np.concatenate([rng.normal(0, 50, 2_000), [-0.004, 0.005, 2.675, 1 / 3]])
    with pytest.raises(ValueError, match="decimals"):
        number_column("share", v)
    c = number_column("share", v, decimals=2)
    assert c.dtype in ("i16", "i32")
    got = [format_value(c.value_at(i), ".2f") for i in range(len(v))]
    assert got[-4:] == ["0.00", "0.01", "2.67", "0.33"]  # 2.675 is 2.67499… as a float; zero has no sign
    assert got[:-4] == [f"{x:.2f}" for x in v[:-4]]


def test_categories_and_unknown_labels() -> None:
    c = category_column("cls", ["yes", None, "no", "yes"], ("yes", "no"))
    assert c.dtype == "u8" and c.raw.tolist() == [0, 255, 1, 0]
    assert [c.value_at(i) for i in range(4)] == ["yes", None, "no", "yes"]
    with pytest.raises(ValueError, match="maybe"):
        category_column("cls", ["maybe"], ("yes", "no"))


# ----------------------------------------------------------------------------- the view
@pytest.fixture(scope="module")
def tileset() -> map_assets.Tileset:
    return map_assets.tileset("2025")


def test_view_bytes_layout_and_order(tileset: map_assets.Tileset) -> None:
    codes = list(tileset.codes[[40, 3, 17]])
    rank = number_column("rank", [400.0, 3.0, None])
    score = number_column("score", [1.25, -2.5, 0.001])
    view = build_lsoa_map(tileset=tileset, lsoa_codes=codes, fill=[2, 0, 1], palette=maps.DECILE_COLOURS[:3],
                          view={"longitude": -1.5, "latitude": 52.8, "zoom": 5.6}, columns=[rank, score],
                          tooltip=[("b", "{lsoa_code}"), ("", "rank {rank:,.0f}, score {score:.3f}")],
                          opacity=0.5)
    spec = view.spec
    assert spec["tileset"] == tileset.url and spec["attributes"] is None
    assert [c["name"] for c in spec["columns"]] == ["feature", "fill", "rank", "score"]
    assert all(c["offset"] % 4 == 0 and c["length"] == 3 for c in spec["columns"])
    end = max(c["offset"] + c["length"] * DTYPES[c["dtype"]].itemsize for c in spec["columns"])
    assert end <= len(view.values) < end + 4
    # rows in feature order, and every column reordered with them
    assert view.column("feature").raw.tolist() == [3, 17, 40]
    assert spec["columns"][0]["delta"] is True
    assert np.frombuffer(view.values, "<u4", 3, 0).tolist() == [3, 14, 23]  # sent as differences
    assert view.column("fill").raw.tolist() == [0, 1, 2]
    assert view.column("rank").value_at(0) == 3 and view.column("rank").value_at(1) is None
    assert spec["palette"][0] == [*maps.DECILE_COLOURS[0], 128]
    tips = view.tooltips(tileset.codes)
    assert tips.index.tolist() == [codes[1], codes[2], codes[0]]
    assert tips["line1"].tolist() == ["rank 3, score -2.500", "rank –, score 0.001", "rank 400, score 1.250"]


def test_view_refuses_what_the_browser_could_not_draw(tileset: map_assets.Tileset) -> None:
    codes = list(tileset.codes[:2])
    base = {"tileset": tileset, "lsoa_codes": codes, "palette": [(1, 2, 3)],
            "view": {"longitude": 0, "latitude": 52, "zoom": 6}}
    with pytest.raises(ValueError, match="palette"):
        build_lsoa_map(fill=[0, 1], **base)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="no such column"):
        build_lsoa_map(fill=[0, 0], tooltip=[("", "{rank:,.0f}")], **base)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="reserved"):
        build_lsoa_map(fill=[0, 0], columns=[number_column("fill", [1, 2])], **base)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="3 values for 2"):
        build_lsoa_map(fill=[0, 0], columns=[number_column("x", [1, 2, 3])], **base)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="no boundary"):
        build_lsoa_map(**{**base, "lsoa_codes": ["E01999999", codes[0]]}, fill=[0, 0])  # type: ignore[arg-type]


def test_context_layers_in_order_and_public_outlines_as_static_files(tileset: map_assets.Tileset) -> None:
    lads = data.load_lad_boundaries().head(3)
    outline = maps.outline_layer(lads, layer_id="lad-outlines")
    names = maps.text_layer(pd.DataFrame({"text": ["A"], "lon": [-1.9], "lat": [52.5]}), layer_id="place-names")
    view = build_lsoa_map(tileset=tileset, lsoa_codes=list(tileset.codes[:1]), fill=[0], palette=[(1, 2, 3)],
                          view={"longitude": 0, "latitude": 52, "zoom": 6}, layers=[outline, names],
                          static_layers=maps.OUTLINE_LAYER_IDS)
    assert view.layer_ids == ["lad-outlines", "place-names"]
    assert set(view.layer("lad-outlines")["data"]) == {"@@static"}
    assert view.layer("place-names")["data"][0]["text"] == "A"  # small, and not a boundary: inline
    points = pdk.Layer("ScatterplotLayer", [{"lon": -1.9, "lat": 52.5, "tip_title": "<b>x</b>"}], id="orgs")
    more = view.with_layers([points], before="place-names")
    assert more.layer_ids == ["lad-outlines", "orgs", "place-names"]
    assert more.layer("orgs")["data"][0]["tip_title"] == "<b>x</b>"  # uploads stay in the spec, raw
    assert view.layer_ids == ["lad-outlines", "place-names"]  # the original is unchanged


def test_a_transparent_outline_is_no_outline(tileset: map_assets.Tileset) -> None:
    base = {"tileset": tileset, "lsoa_codes": list(tileset.codes[:1]), "fill": [0], "palette": [(1, 2, 3)],
            "view": {"longitude": 0, "latitude": 52, "zoom": 6}}
    hidden = build_lsoa_map(line={"color": [255, 255, 255, 0], "width_px": 0.3}, **base)  # type: ignore[arg-type]
    assert hidden.spec["line"] == {"color": [255, 255, 255, 0], "width_px": 0}  # the browser builds none
    shown = build_lsoa_map(line={"color": [255, 255, 255, 90], "width_px": 0.3}, **base)  # type: ignore[arg-type]
    assert shown.spec["line"] == {"color": [255, 255, 255, 90], "width_px": 0.3}
    assert build_lsoa_map(**base).spec["line"] == LINE_DEFAULT  # type: ignore[arg-type]
