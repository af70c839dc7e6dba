"""Coverage gaps: where need is high and organisations are thin."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from needsmap.analysis import coverage as cv
from needsmap.data import map_assets
from needsmap.data.catalog import data_version
from needsmap.data.loaders import table_scope
from needsmap.export import download
from needsmap.measures import get_measure, measures_for
from needsmap.types import Edition
from needsmap.ui import boundaries, guard, lad_boundaries, lsoa_table, selection, ward_boundaries
from needsmap.ui.map_component import lsoa_map
from needsmap.viz.bivariate import bivariate_deck, bivariate_legend_html

COMPOSITE = "__composite__"
#: what one organisation of each default layer is called in the summary sentence
NOUNS = {"foodbanks": ("food bank", "food banks"), "libraries": ("library", "libraries"),
         "charities_trafford": ("charity", "charities"),
         "grants_trafford": ("grant recipient", "grant recipients")}
ORGS = ("organisation", "organisations")


@st.cache_data(show_spinner="Placing neighbourhood centres…", max_entries=2)
def _points(edition: Edition, version: str) -> pd.DataFrame:
    """Reference points of the LSOAs (``version``, the data folder's :func:`~needsmap.data.catalog.data_version`, keys the cache)."""
    return cv.reference_points(boundaries(edition))


def _layer() -> tuple[Any, tuple[str, str]]:
    """The organisation layer (shared picker; a default-layer selectbox until it exists)."""
    try:
        from needsmap.ui.orgs import org_layer_picker
    except ModuleNotFoundError:
        from needsmap import orgs

        layer_id = st.selectbox("Organisation layer", list(orgs.DEFAULT_LAYERS), key="gaps_default_layer",
                                format_func=lambda i: orgs.DEFAULT_LAYERS[i].title)
        return orgs.load_default_layer(layer_id), NOUNS.get(layer_id, ORGS)
    imported = org_layer_picker(key="gaps_layer")
    chosen = st.session_state.get("orgs_layer_id")
    return imported, NOUNS.get(chosen, ORGS) if isinstance(chosen, str) else ORGS


def _need(edition: Edition, columns: pd.Index) -> cv.NeedSpec:
    """Need picker: any measure in the table, or a composite of domains with weights."""
    ids = [m.id for m in measures_for(edition) if m.views_in(columns)]
    choice = st.selectbox("Need measure", [*ids, COMPOSITE], key="gaps_need",
                          format_func=lambda i: "Composite of domains (choose weights)…"
                          if i == COMPOSITE else get_measure(i).label)
    if choice != COMPOSITE:
        return cv.NeedSpec(choice)
    with st.expander("Composite weights", expanded=True):
        st.caption("Weight each domain (0 = leave out). Each domain counts as its national percentile.")
        cols = st.columns(4)
        weights = {}
        for i, m in enumerate(cv.composite_components()):
            if m.column("rank") in columns:
                default = 1.0 if m.id in ("income", "employment", "health") else 0.0
                weights[m.id] = cols[i % 4].number_input(m.label, 0.0, 10.0, default, 0.5,
                                                         key=f"gaps_w_{m.id}")
    return cv.NeedSpec.composite(weights)


with guard():
    sel = selection()
    edition, area = sel.edition, sel.area
    st.title("Coverage gaps")
    st.caption(f"Where need is high and organisations are thin, in **{area.label}**, IMD {edition}. "
               "Change the area and edition in the sidebar.")

    imported, (noun, nouns) = _layer()
    if imported is None:
        st.info("Choose a default organisation layer or upload a list to see coverage gaps.")
        st.stop()

    c1, c2, c3 = st.columns([1, 1.4, 1.4])
    radius = c1.slider("Radius (km, straight line)", 0.25, 5.0, cv.DEFAULT_RADIUS_KM, 0.25,
                       key="gaps_radius", help="Organisations this close to an LSOA's centre count for it.")
    with c2:
        need = _need(edition, lsoa_table(edition).columns)
    basis = c3.selectbox("Coverage measured as", list(cv.COVERAGE_BASES), key="gaps_basis",
                         format_func=cv.COVERAGE_BASES.__getitem__,
                         help="Organisations per 1,000 residents living within the radius (default), "
                              "the number within the radius, or the distance to the nearest one.")
    st.caption(f"**Need formula:** {need.formula(scope=table_scope(lsoa_table(edition)))}")

    table = lsoa_table(edition)
    result = cv.analyse_gaps(table, _points(edition, data_version()), imported.table, area=area, edition=edition,
                             radius_km=radius, need=need, basis=basis, org_noun=noun)
    st.subheader(cv.summary_sentence(result))
    if result.need_note:
        st.info(result.need_note, icon=":material/info:")
    d = result.lsoas
    m1, m2, m3, m4 = st.columns(4)
    m1.metric("Neighbourhoods (LSOAs)", f"{len(d):,}")
    m2.metric(f"Organisations in {area.name}", f"{result.n_orgs_in_area:,}",
              help=f"{result.n_orgs:,} placed in England are used, so those just outside count too.")
    none = d.loc[d["orgs_within_radius"] == 0, "population"].sum()
    m3.metric(f"People with none within {result.radius_text}", f"{none:,.0f}",
              help=f"{none / d['population'].sum():.0%} of residents")
    m4.metric("High need, low coverage", f"{(d['bivariate_class'] == '3-1').sum():,} LSOAs")
    if result.excluded_text:
        st.caption(f"Left out of the counts: {result.excluded_text} (see the Organisations page).")

    left, right = st.columns([3.2, 1])
    usable, _ = cv.usable_orgs(imported.table)
    tileset, attrs = map_assets.assets(edition, table)  # static files the browser caches (made once)
    view = bivariate_deck(result, boundaries(edition), lad_boundaries=lad_boundaries(),
                          ward_boundaries=ward_boundaries(), orgs=usable, tileset=tileset, attributes=attrs)
    with left:
        lsoa_map(view.spec, view.values, key="gaps_map", height=620)
    counts = d["bivariate_class"].value_counts().to_dict()
    right.html(bivariate_legend_html(
        counts, need_label=need.label, coverage_label=cv.COVERAGE_BASES[basis].lower(),
        org_label=f"{noun[0].upper()}{noun[1:]}",
        notes=[f"Numbers: LSOAs in each class. Radius {result.radius_text}.",
               "Thirds are of this area's LSOAs, not England's. Hover over the map for figures."]))

    with st.expander("How this is worked out, and its limitations", expanded=False):
        st.markdown(cv.METHOD_TEXT)

    st.markdown("#### Neighbourhoods ranked by gap")
    need_is = ("the national percentile (100 = most deprived in England)" if not result.need_note
               else f"the percentile among the LSOAs of the {table_scope(table)} (see the note above)")
    st.caption(f"Largest gap first: high need and few {nouns} nearby. Need is {need_is}. "
               "Organisations: in the LSOA, within "
               f"{result.radius_text} of its centre, distance to the nearest, and per 1,000 residents "
               f"living within {result.radius_text}.")
    st.dataframe(cv.gap_table(result), hide_index=True, height=420, key="gaps_table")

    st.markdown("#### Wards")
    st.caption("LSOAs added up to 2024 wards (best fit). Need is the population-weighted mean of its "
               "LSOAs; organisations are those inside the ward's LSOAs; gap LSOAs are high need, low "
               f"coverage; the last column counts residents of LSOAs with none within {result.radius_text}.")
    st.dataframe(cv.ward_table_display(result), hide_index=True, height=320, key="gaps_wards")

    stem = f"needsmap_gaps_{area.code}_{edition}"
    b1, b2, b3 = st.columns(3)
    b1.download_button("Download LSOAs (CSV)", **download("csv", lambda: cv.export_table(result), stem=stem),
                       key="gaps_dl_csv", on_click="ignore")
    b2.download_button("Download wards (CSV)", **download("csv", lambda: cv.ward_table(result), stem=f"{stem}_wards"),
                       key="gaps_dl_wards", on_click="ignore")
    b3.download_button("Download map layer (GeoJSON)",
                       **download("geojson", lambda: cv.gaps_layer(result, boundaries(edition)), stem=stem),
                       key="gaps_dl_geojson", on_click="ignore")
