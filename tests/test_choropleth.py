"""The shared LSOA choropleth, built from the real data for Birmingham, a ward, a region and England.

Expected figures and tooltip text are worked out here from the raw published files (IMD CSVs and ONS
lookups read with pandas), not from needsmap's own loaders.
"""

from __future__ import annotations

import gzip
import json
import pickle
import zlib

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from needsmap import areas, data
from needsmap.config import STATIC_URL, static_dir
from needsmap.data import map_assets
from needsmap.data.catalog import get_dataset
from needsmap.measures import View, get_measure
from needsmap.types import Edition, england_lsoa_count
from needsmap.viz import maps
from needsmap.viz.choropleth import (
    PALETTE,
    ChoroplethMap,
    choropleth_deck,
    declutter,
    national_tenths,
)
from needsmap.viz.tiles import NATIONAL_TOLERANCE_M

#: the published column stem of each domain in the raw IMD files (2019, 2025), IMD first
RAW_STEMS = {"IMD": ("IMD", "IMD"), "Income": ("Income", "Income"), "Employment": ("Employment", "Employment"),
             "Education": ("Education", "Education"), "Health": ("Health", "Health"),
             "Crime": ("Crime", "Crime"), "Housing": ("Housing_and_Access", "Housing_and_Services"),
             "Environment": ("Environment", "Environment")}


@pytest.fixture(scope="module")
def lads() -> gpd.GeoDataFrame:
    return data.load_lad_boundaries()


@pytest.fixture(scope="module")
def wards() -> gpd.GeoDataFrame:
    return data.load_ward_boundaries()


def _raw(dataset_id: str) -> pd.DataFrame:
    """A raw published table, read as it is (CSV, or the demo's parquet twin)."""
    path = get_dataset(dataset_id).path
    return pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path, encoding="utf-8-sig")


def _shown(cm: ChoroplethMap) -> pd.Series:
    """Palette index of each LSOA drawn, by LSOA code."""
    ts = map_assets.tileset("2025") if cm.map.spec["tileset"].split("/")[-2].startswith("lsoa21") \
        else map_assets.tileset("2019")
    codes = ts.codes[cm.map.column("feature").raw.astype(int)]
    return pd.Series(cm.map.column("fill").raw, index=codes)


def _static_rows(layer: dict) -> list:
    """The rows of a context layer served as a static file."""
    url = layer["data"]["@@static"]
    assert url.startswith(f"{STATIC_URL}/maps/ctx-")
    return json.loads(gzip.decompress((static_dir() / url[len(STATIC_URL) + 1:]).read_bytes()))


@pytest.mark.demo
def test_birmingham_decile_map_has_outlines_ward_labels_and_legend(
        table25: pd.DataFrame, geo25: pd.DataFrame, lads: gpd.GeoDataFrame,
        wards: gpd.GeoDataFrame) -> None:
    bham = areas.area_from_code("E08000025", geo25)
    sel = areas.select(table25, bham)
    cm = choropleth_deck(sel, data.load_boundaries("2025"), measure="imd", edition="2025", area=bham,
                         lad_boundaries=lads, ward_boundaries=wards)
    raw_lookup = _raw("lsoa21_ward24_lookup")
    bham_codes = set(raw_lookup.loc[raw_lookup["ltla24_code"] == "E08000025", "lsoa21_code"])
    assert cm.n_lsoas == cm.map.n_lsoas == len(bham_codes) > 600
    assert cm.generalised_m == 0 and cm.simplification_note == ""
    assert cm.map.layer_ids == ["ward-casing", "ward-outlines", "lad-outlines", "place-names"]
    labels = {row["text"] for row in cm.map.layer("place-names")["data"]}
    assert len(labels) >= 15 and labels <= set(raw_lookup["ward24_name"])
    # ward outlines come from a static file (fetched once); each border is drawn once
    assert _static_rows(cm.map.layer("ward-outlines")) == _static_rows(cm.map.layer("ward-casing"))
    assert [c for _, c in cm.legend[:10]] == list(maps.DECILE_COLOURS)
    assert "most deprived" in cm.legend[0][0] and "decile" in cm.legend_title
    # each LSOA's colour is its IMD decile's viridis step, decile as published
    raw = _raw("imd2025").set_index("lsoa21_code")["IMD_decile"]
    shown = _shown(cm)
    assert set(shown.index) == bham_codes
    want = raw.reindex(shown.index).astype(int) - 1
    assert (shown.to_numpy() == want.to_numpy()).all()
    assert [list(c[:3]) for c in cm.map.spec["palette"]] == [list(c) for c in PALETTE]
    assert "mapStyle" not in json.dumps(cm.map.spec)  # no basemap, nothing fetched off the machine


@pytest.mark.demo
def test_tooltip_names_ward_rank_of_england_and_domain_deciles(table19: pd.DataFrame,
                                                              lads: gpd.GeoDataFrame) -> None:
    code = "E01009219"  # the reference LSOA (Birmingham)
    raw = _raw("imd2019").set_index("lsoa11_code")
    assert int(raw.loc[code, "Health_rank"]) == 7_847
    ts = map_assets.tileset("2019", table19)
    attrs = map_assets.attributes("2019", table19)
    cm = choropleth_deck(table19.loc[[code]], data.load_boundaries("2019"), measure="health", view="rank",
                         edition="2019", area=areas.Area("lad", "E08000025", "Birmingham"),
                         lad_boundaries=lads, tileset=ts, attributes=attrs)
    tip = cm.map.tooltips(ts.codes, attrs).loc[code].tolist()
    pop = _raw("population2020").set_index("lsoa11_code")
    assert tip[0] == f"{pop.loc[code, 'lsoa11_name']} ({code})"
    assert tip[1].startswith("Ward: ") and tip[1].endswith(" · Birmingham")
    assert tip[2] == f"Health deprivation and disability: rank 7,847 of 32,844, decile {int(raw.loc[code, 'Health_decile'])}"
    assert tip[3] == "Deciles: " + " · ".join(f"{lab} {int(raw.loc[code, f'{stems[0]}_decile'])}"
                                               for lab, stems in RAW_STEMS.items())
    styles = [line["style"] for line in cm.map.spec["tooltip"]]
    assert styles == ["b", "", "", "dim"]


@pytest.mark.parametrize(("edition", "measure", "view"), [("2025", "imd", "score"), ("2019", "income", "rank")])
def test_tooltips_of_every_lsoa_in_england_read_as_the_raw_files(
        edition: Edition, measure: str, view: View, lads: gpd.GeoDataFrame) -> None:
    table = data.load_lsoa_table(edition)
    ts, attrs = map_assets.tileset(edition, table), map_assets.attributes(edition, table)
    cm = choropleth_deck(table, data.load_boundaries(edition), measure=measure, view=view, edition=edition,
                         area=areas.ENGLAND, lad_boundaries=lads, national=table, tileset=ts, attributes=attrs)
    got = cm.map.tooltips(ts.codes, attrs)
    assert len(got) == england_lsoa_count(edition)
    key = "lsoa21_code" if edition == "2025" else "lsoa11_code"
    imd = _raw(f"imd{edition}").set_index(key).reindex(got.index)
    which = 1 if edition == "2025" else 0
    stem = RAW_STEMS["IMD" if measure == "imd" else measure.capitalize()][which]
    n = england_lsoa_count(edition)
    value = [f"rank {int(r):,} of {n:,}, decile {int(d)}" for r, d in zip(imd[f"{stem}_rank"], imd[f"{stem}_decile"], strict=True)]
    if view == "score":
        value = [f"{v}, score {s:,.2f}" for v, s in zip(value, imd[f"{stem}_score"], strict=True)]
    label = get_measure(measure).label
    assert (got["line2"] == [f"{label}: {v}" for v in value]).all()
    more = ["Deciles: " + " · ".join(f"{lab} {int(row[f'{stems[which]}_decile'])}" for lab, stems in RAW_STEMS.items())
            for _, row in imd.iterrows()]
    assert (got["line3"] == more).all()
    if edition == "2025":
        names = _raw("lsoa21_ward24_lookup").set_index("lsoa21_code").reindex(got.index)
        assert (got["line0"] == names["lsoa21_name"] + " (" + got.index.to_series() + ")").all()
        assert (got["line1"] == "Ward: " + names["ward24_name"] + " · " + names["ltla24_name"]).all()
    # the whole view fits the budget for a measure switch (after deflate, as the websocket sends it)
    spec = json.dumps(cm.map.spec, separators=(",", ":")).encode()
    assert cm.map.deflated_size + len(zlib.compress(spec, 6)) < 200_000


@pytest.mark.demo
def test_rank_view_uses_national_tenths(table25: pd.DataFrame, geo25: pd.DataFrame,
                                        lads: gpd.GeoDataFrame, wards: gpd.GeoDataFrame) -> None:
    ward = areas.area_from_code(table25.loc[table25["lad_name"] == "Birmingham", "ward_code"].iloc[0], geo25)
    sel = areas.select(table25, ward)
    cm = choropleth_deck(sel, data.load_boundaries("2025"), measure="income",
                         view="rank", edition="2025", area=ward, lad_boundaries=lads, ward_boundaries=wards)
    n = england_lsoa_count("2025")
    assert cm.legend[0][0] == f"rank 1–{n // 10:,}"
    assert "rank" in cm.legend_title and "Income" in cm.legend_title
    ranks = _raw("imd2025").set_index("lsoa21_code")["Income_rank"]
    shown = _shown(cm)
    assert (shown.to_numpy() == np.ceil(ranks.reindex(shown.index) / n * 10).astype(int) - 1).all()


@pytest.mark.demo
def test_region_view_labels_local_authorities(table19: pd.DataFrame, geo25: pd.DataFrame,
                                              lads: gpd.GeoDataFrame) -> None:
    wm = areas.area_from_code("E12000005", geo25)
    cm = choropleth_deck(areas.select(table19, wm), data.load_boundaries("2019"), measure="crime",
                         view="rank", edition="2019", area=wm, lad_boundaries=lads)
    labels = {row["text"] for row in cm.map.layer("place-names")["data"]}
    assert "Birmingham" in labels and len(labels) >= 10
    assert "ward-outlines" not in cm.map.layer_ids
    assert cm.map.spec["line"]["color"][3] == 70  # thin white lines between LSOAs


def test_england_opens_on_the_generalised_level_and_says_so(table25: pd.DataFrame,
                                                           lads: gpd.GeoDataFrame) -> None:
    cm = choropleth_deck(table25, data.load_boundaries("2025"), measure="imd", edition="2025",
                         area=areas.ENGLAND, lad_boundaries=lads)
    assert cm.n_lsoas == cm.map.n_lsoas == england_lsoa_count("2025")
    assert cm.generalised_m == NATIONAL_TOLERANCE_M
    assert f"{NATIONAL_TOLERANCE_M:,.0f} m" in cm.simplification_note
    labels = cm.map.layer("place-names")["data"]
    assert 5 <= len(labels) < 80  # decluttered, not all 296 local authorities
    # England's local-authority outlines travel as a static file, not in every view's spec
    assert len(json.dumps(cm.map.spec)) < 20_000
    paths = _static_rows(cm.map.layer("lad-outlines"))
    assert 300 < len(paths) < 5_000
    # a cached map is small to keep and to copy (Streamlit copies cached values on every rerun)
    assert len(pickle.dumps(cm)) < 500_000


@pytest.mark.demo
def test_score_view_bins_the_values_shown(table25: pd.DataFrame, geo25: pd.DataFrame,
                                          lads: gpd.GeoDataFrame, wards: gpd.GeoDataFrame) -> None:
    bham = areas.area_from_code("E08000025", geo25)
    cm = choropleth_deck(areas.select(table25, bham), data.load_boundaries("2025"), measure="crime",
                         view="score", edition="2025", area=bham, lad_boundaries=lads,
                         ward_boundaries=wards)
    assert len(cm.legend) == 10 and "score" in cm.legend_title
    score = cm.map.column("score")
    assert score.scale == 0.001 and score.dtype in ("i16", "i32")
    raw = _raw("imd2025").set_index("lsoa21_code")["Crime_score"]
    codes = _shown(cm).index
    assert np.array_equal(score.decoded(), raw.reindex(codes).to_numpy(float))  # exact, not rounded
    assert "{score:,.2f}" in cm.map.spec["tooltip"][2]["text"]


def test_value_measure_and_missing_column(table25: pd.DataFrame) -> None:
    t = pd.DataFrame({"imd_decile": [1, 10]}, index=pd.Index(["E01000001", "E01000002"], name="lsoa_code"))
    b = data.load_boundaries("2025")
    lad = data.load_lad_boundaries().head(1)
    area = areas.Area("lad", "E09000001", "City of London")
    with pytest.raises(ValueError, match="imd_rank"):
        choropleth_deck(t, b, measure="imd", view="rank", edition="2025", area=area, lad_boundaries=lad)
    cm = choropleth_deck(t.assign(imd_decile=[1, None]), b, measure=get_measure("imd"), edition="2025",
                         area=area, lad_boundaries=lad)
    assert cm.legend[-1] == ("no data", maps.NO_DATA)
    assert _shown(cm).to_dict() == {"E01000001": 0, "E01000002": len(PALETTE) - 1}


@pytest.mark.demo
def test_declutter_drops_overlapping_labels() -> None:
    labels = pd.DataFrame({"text": ["Big", "Overlap", "Far"], "lon": [-1.9, -1.9001, -1.0],
                           "lat": [52.48, 52.48, 52.48]})
    view = maps.view_for_bounds((-2.0, 52.3, -0.9, 52.6))
    kept = declutter(labels, view, width_px=800, height_px=600)
    assert kept["text"].tolist() == ["Big", "Far"]


def test_score_view_with_national_table_matches_the_deciles(table25: pd.DataFrame, geo25: pd.DataFrame,
                                                            lads: gpd.GeoDataFrame) -> None:
    bham = areas.area_from_code("E08000025", geo25)
    sel = areas.select(table25, bham)
    cm = choropleth_deck(sel, data.load_boundaries("2025"), measure="imd", view="score", edition="2025",
                         area=bham, lad_boundaries=lads, national=table25)
    darkest = int((_shown(cm) == 0).sum())
    raw = _raw("imd2025").set_index("lsoa21_code")
    assert darkest == int((raw.reindex(sel.index)["IMD_decile"] == 1).sum())  # national tenths of score = deciles
    assert "England&#x27;s 33,755" in cm.legend_html  # escaped by legend_html


@pytest.mark.demo
def test_national_tenths_lower_is_worse_and_missing() -> None:
    ref = pd.Series(range(1, 101), dtype=float)
    classes, legend = national_tenths(pd.Series([1.0, 100.0, None]), ref, higher_is_worse=False)
    assert classes.tolist() == [0, 9, -1]
    assert len(legend) == 10


@pytest.mark.parametrize("edition", ["2019", "2025"])
def test_class_breaks_by_mapclassify_equal_numpy_quantiles(edition: Edition, request: pytest.FixtureRequest) -> None:
    """Every score and value map's class breaks (national tenths, and tenths of Birmingham's LSOAs)
    are numpy's linear quantiles, which they were before mapclassify drew them, and the legend reads
    the same. The one exception: a break exactly half-way between two printed values (0.115), where
    numpy's float noise (0.11499999999999995) printed the lower one and the published value prints
    the upper one."""
    from needsmap.measures import measures_for

    def half_way(x: float) -> bool:
        scaled = abs(x) if abs(x) >= 100 else abs(x) * 100  # _fmt: whole numbers from 100, else 2 decimals
        return abs(scaled - np.floor(scaled) - 0.5) < 1e-6

    table = request.getfixturevalue(f"table{edition[2:]}")
    bham = table.loc[table["lad_code"] == "E08000025"]
    checked, ties = 0, 0
    for m in measures_for(edition):
        for v in ("score", "value"):
            col = m.column(v) if v in m.views else None
            if col is None or col not in table.columns or not pd.api.types.is_numeric_dtype(table[col]) \
                    or pd.api.types.is_bool_dtype(table[col]):
                continue
            for values, ref in ((bham[col], table[col]), (bham[col], None)):
                base = (ref if ref is not None else values).dropna().to_numpy(float)
                want = np.quantile(base, np.linspace(0, 1, 11))
                assert np.allclose(maps.tenth_breaks(base), want, rtol=1e-11, atol=0)
                if m.higher_is_worse:
                    want = want[::-1]
                if ref is not None:
                    _, legend = national_tenths(values, ref, higher_is_worse=m.higher_is_worse)
                else:
                    _, legend = maps.decile_classes(values, kind="value", higher_is_worse=m.higher_is_worse)
                for d, (label, _) in enumerate(legend, start=1):
                    lo, hi = min(want[d - 1], want[d]), max(want[d - 1], want[d])
                    if label != f"{maps._fmt(lo)} – {maps._fmt(hi)}":
                        shown = label.split(" – ")
                        assert all(s == maps._fmt(x) or half_way(x) for s, x in zip(shown, (lo, hi), strict=True)), \
                            (m.id, v, d, label, lo, hi)
                        ties += 1
                checked += 1
    assert checked >= (4 if edition == "2019" else 20), checked
    assert ties <= 3, ties  # the few half-way breaks of the published data, no more
