"""Coverage gaps: where need is high and organisations are thin."""

from __future__ import annotations

from typing import Any, cast

import pandas as pd
import streamlit as st

from needsmap.analysis import coverage as cv
from needsmap.analysis.rural import RUC_COLUMNS, apply_ruc_filter, ruc_choice_label
from needsmap.data import map_assets
from needsmap.data.catalog import data_version
from needsmap.data.loaders import table_scope
from needsmap.export import download
from needsmap.measures import get_measure, measures_for
from needsmap.safe_text import markdown_literal
from needsmap.types import Edition
from needsmap.ui import boundaries, guard, lad_boundaries, lsoa_table, selection, ward_boundaries
from needsmap.ui.map_component import lsoa_map
from needsmap.ui.rural import ruc_filter
from needsmap.viz.bivariate import bivariate_deck, bivariate_legend_html

COMPOSITE = "__composite__"
TOP_KEY = "gaps_top"


@st.cache_data(show_spinner="Placing neighbourhood centres…", max_entries=2)
def _points(edition: Edition, version: str) -> pd.DataFrame:
    """Reference points of the LSOAs (``version``, the data folder's :func:`~needsmap.data.catalog.data_version`, keys the cache)."""
    return cv.reference_points(boundaries(edition))


def _layer() -> tuple[Any, str | None]:
    """The organisation layer and its default-layer id (None for an upload): the shared picker, or
    a default-layer selectbox when it is not there."""
    try:
        from needsmap.ui.orgs import org_layer_picker
    except ModuleNotFoundError:
        from needsmap import orgs

        layer_id = st.selectbox("Organisation layer", list(orgs.DEFAULT_LAYERS), key="gaps_default_layer",
                                format_func=lambda i: orgs.DEFAULT_LAYERS[i].title)
        return orgs.load_default_layer(layer_id), layer_id
    imported = org_layer_picker(key="gaps_layer")
    chosen = st.session_state.get("orgs_layer_id")
    return imported, chosen if isinstance(chosen, str) else None


def _top_n(n: int, where: str) -> int:
    """How many of the neediest LSOAs the headline counts (default :func:`cv.default_top_n`; back
    to it when the area or edition changes, and never more than the area's ``n``)."""
    if st.session_state.get("gaps_top_for") != where or not 1 <= st.session_state.get(TOP_KEY, 0) <= n:
        st.session_state[TOP_KEY] = cv.default_top_n(n)
        st.session_state["gaps_top_for"] = where
    return int(st.number_input(
        "Headline counts this many of the neediest LSOAs", min_value=1, max_value=n, step=5,
        key=TOP_KEY, help=f"From 1 to all {n:,} LSOAs of the area; the sentence above follows it."))


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

    imported, layer_id = _layer()
    if imported is None:
        st.info("Choose a default organisation layer or upload a list to see coverage gaps.")
        st.stop()
    cats = cv.org_categories(imported.table)
    chosen: list[str] = []
    if len(cats) > 1:
        chosen = st.multiselect("Categories to count (none chosen = all)", cats, key="gaps_categories",
                                placeholder="All categories",
                                help="From the list's own category or type column. Choose one and the "
                                     "page names the organisations by it.")
    orgs = cv.filter_categories(imported.table, chosen)
    noun, nouns = cv.org_nouns(imported.table, layer_id=layer_id, categories=chosen)
    nouns_cap = f"{nouns[:1].upper()}{nouns[1:]}"

    c1, c2, c3 = st.columns([1, 1.4, 1.4])
    st.session_state.setdefault("gaps_radius", cv.DEFAULT_RADIUS_KM)  # a saved view may set it
    radius = c1.slider("Radius (km, straight line)", 0.25, 5.0, step=0.25,
                       key="gaps_radius", help=f"{nouns_cap} this close to an LSOA's centre count for it.")
    with c2:
        need = _need(edition, lsoa_table(edition).columns)
    basis = c3.selectbox("Coverage measured as", list(cv.COVERAGE_BASES), key="gaps_basis",
                         format_func=cv.COVERAGE_BASES.__getitem__,
                         help=f"{nouns_cap} per 1,000 residents living within the radius (default), "
                              "the number within the radius, or the distance to the nearest one.")
    st.caption(f"**Need formula:** {need.formula(scope=table_scope(lsoa_table(edition)))}")

    table = lsoa_table(edition)
    result = cv.analyse_gaps(table, _points(edition, data_version()), orgs, area=area, edition=edition,
                             radius_km=radius, need=need, basis=basis, org_noun=noun, org_plural=nouns)
    d = result.lsoas
    headline = st.empty()
    f1, f2, f3, f4 = st.columns([1.1, 1.5, 1.3, 1.3])
    with f1:
        top = _top_n(len(d), f"{area.code}|{edition}")
    st.session_state.setdefault("gaps_deciles", (1, 10))  # a saved view may set it
    deciles = f2.slider("Show need deciles (1 = most in need in England)", 1, 10,
                        key="gaps_deciles",
                        help="The need measure's published decile (IMD, domains); for other measures "
                             "the decile of the need score. The table, counts and map follow it.")
    none_only = f3.checkbox(f"Only LSOAs with no {noun} within {result.radius_text}", key="gaps_none_only")
    has_ruc = set(RUC_COLUMNS) <= set(table.columns)
    with f4:
        ruc = ruc_filter("gaps_ruc", disabled=not has_ruc)
    keep, ruc_words = None, ""
    if ruc != "all" and has_ruc:
        keep = apply_ruc_filter(table.loc[d.index], ruc).index
        ruc_words = ruc.lower() if ruc in ("urban", "rural") else f"in the class {ruc_choice_label(ruc)}"
    lo, hi = cast(tuple[int, int], deciles)  # a range slider (its value set in session state)
    flt = cv.GapFilter(deciles=(int(lo), int(hi)), none_within=none_only)
    shown = cv.filter_gaps(result, flt, keep=keep)
    s = shown.lsoas
    filtered = flt.active or keep is not None
    headline.subheader(markdown_literal(cv.summary_sentence(result, top_n=top)))
    st.markdown(markdown_literal(cv.filter_sentence(result, shown, flt, extra=ruc_words)))
    if result.need_note:
        st.info(result.need_note, icon=":material/info:")
    m1, m2, m3, m4 = st.columns(4)
    m1.metric("Neighbourhoods (LSOAs)", f"{len(s):,}" + (f" of {len(d):,}" if filtered else ""))
    if filtered:
        m2.metric(f"{nouns_cap} in these LSOAs", f"{int(s['orgs_in_lsoa'].sum()):,}",
                  help=f"{result.n_orgs_in_area:,} in {area.name}; {result.n_orgs:,} placed in England "
                       "are used, so those just outside count too.")
    else:
        m2.metric(f"{nouns_cap} in {area.name}", f"{result.n_orgs_in_area:,}",
                  help=f"{result.n_orgs:,} placed in England are used, so those just outside count too.")
    none = s.loc[s["orgs_within_radius"] == 0, "population"].sum()
    total = s["population"].sum()
    m3.metric(f"People with no {noun} within {result.radius_text}", f"{none:,.0f}",
              help=f"{none / total:.0%} of residents of these LSOAs" if total else None)
    m4.metric("High need, low coverage", f"{(s['bivariate_class'] == '3-1').sum():,} LSOAs")
    if result.excluded_text:
        st.caption(f"Left out of the counts: {result.excluded_text} (see the Organisations page).")

    left, right = st.columns([3.2, 1])
    usable, _ = cv.usable_orgs(orgs)
    with left:
        if s.empty:
            st.info("No LSOA meets the filter, so the map is empty: widen the deciles, untick the box "
                    "or choose other neighbourhoods.")
        else:
            tileset, attrs = map_assets.assets(edition, table)  # static files the browser caches (made once)
            view = bivariate_deck(shown, boundaries(edition), lad_boundaries=lad_boundaries(),
                                  ward_boundaries=ward_boundaries(), orgs=usable, tileset=tileset,
                                  attributes=attrs)
            lsoa_map(view.spec, view.values, key="gaps_map", height=620)
        st.markdown(markdown_literal(cv.map_summary(shown)))
    counts = s["bivariate_class"].value_counts().to_dict()
    right.html(bivariate_legend_html(
        counts, need_label=need.label, coverage_label=cv.COVERAGE_BASES[basis].lower(),
        org_label=f"{noun[:1].upper()}{noun[1:]}",
        notes=[f"Numbers: LSOAs in each class. Radius {result.radius_text}.",
               "Thirds are of this area's LSOAs, not England's. Hover over the map for figures, "
               "or read them in the table below."]))

    with st.expander("How this is worked out, and its limitations", expanded=False):
        st.markdown(cv.METHOD_TEXT)

    st.markdown("#### Neighbourhoods ranked by gap")
    need_is = ("the national percentile (100 = most deprived in England)" if not result.need_note
               else f"the percentile among the LSOAs of the {table_scope(table)} (see the note above)")
    st.caption(markdown_literal(
        f"The map's LSOAs as a table, largest gap first: high need and few {nouns} nearby. Gap rank "
        f"is among all {len(d):,} LSOAs of {area.name}. Need is {need_is}. {nouns_cap}: in the LSOA, "
        f"within {result.radius_text} of its centre, distance to the nearest, and per 1,000 "
        f"residents living within {result.radius_text}. The CSV download has these columns."))
    st.dataframe(cv.gap_table(shown), hide_index=True, height=420, key="gaps_table")

    st.markdown("#### Wards")
    st.caption(markdown_literal(
        f"All LSOAs of {area.name} (not only those shown above), added up to 2024 wards (best fit). "
        f"Need is the population-weighted mean of its LSOAs; {nouns} are those inside the ward's "
        "LSOAs; gap LSOAs are high need, low coverage; the last column counts residents of LSOAs "
        f"with no {noun} within {result.radius_text}."))
    st.dataframe(cv.ward_table_display(result), hide_index=True, height=320, key="gaps_wards")

    stem = f"needsmap_gaps_{area.code}_{edition}"
    b1, b2, b3 = st.columns(3)
    b1.download_button("Download LSOAs (CSV)", **download("csv", lambda: cv.gap_table(shown), stem=stem),
                       key="gaps_dl_csv", on_click="ignore", help="The table above, as shown.")
    b2.download_button("Download wards (CSV)",
                       **download("csv", lambda: cv.ward_table_display(result), stem=f"{stem}_wards"),
                       key="gaps_dl_wards", on_click="ignore", help="The ward table above, as shown.")
    b3.download_button("Download map layer (GeoJSON)",
                       **download("geojson", lambda: cv.gaps_layer(shown, boundaries(edition)), stem=stem),
                       key="gaps_dl_geojson", on_click="ignore",
                       help="The LSOAs shown, with every figure of the analysis (column names for GIS).")
