"""Explore need: an LSOA map of any deprivation measure for the selected area, a summary and a table."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from needsmap import areas, data
from needsmap.analysis.rural import (
    RUC_COLUMNS,
    apply_ruc_filter,
    breakdown_table,
    ruc_short,
    urban_rural_breakdown,
)
from needsmap.analysis.summary import (
    card_label,
    display_table,
    share_text,
    source_ids,
    summarise,
    summary_sentence,
)
from needsmap.areas import Area
from needsmap.data import map_assets
from needsmap.data.catalog import data_version, get_dataset
from needsmap.data.loaders import is_national, table_scope
from needsmap.export import download
from needsmap.measures import Measure, View, domain_measures, get_measure, measures_for
from needsmap.safe_text import markdown_literal
from needsmap.types import Edition, england_lsoa_count
from needsmap.ui import boundaries, guard, lad_boundaries, lsoa_table, selection, ward_boundaries
from needsmap.ui.map_component import lsoa_map
from needsmap.ui.rural import ruc_filter
from needsmap.viz import maps
from needsmap.viz.choropleth import ChoroplethMap, choropleth_deck

TABLE_ROWS = 2_000
VIEW_LABELS = {"decile": "Decile", "rank": "Rank", "score": "Score", "value": "Value"}
VIEW_HELP = ("Decile: England's LSOAs in ten equal groups, 1 = most deprived 10%. Rank: position among "
             "all of England's LSOAs, 1 = most deprived. Score: the published score (2025 edition); the "
             "map shades tenths of the LSOAs shown.")


def _national(edition: Edition, column: str) -> pd.DataFrame | None:
    """The table whose ``column`` spans every LSOA of England, for national colour tenths.

    The LSOA table when it is national. The demo's holds one region, but its IMD main tables are
    England's: their scores (overall and domains) are national; any other value is not (``None``:
    the map then shades tenths of the LSOAs shown, and says so).
    """
    table = lsoa_table(edition)
    if is_national(table):
        return table
    if column in _whole_imd_columns(edition, data_version()):
        return data.load_imd(edition)
    return None


@st.cache_data(show_spinner=False, max_entries=4)
def _whole_imd_columns(edition: Edition, version: str) -> frozenset[str]:
    """Columns of the IMD table with a value for every LSOA of England (``version``, the data folder's version, keys the cache)."""
    imd = data.load_imd(edition)
    n = england_lsoa_count(edition)
    return frozenset(c for c in imd.columns if int(imd[c].notna().sum()) >= n)


@st.cache_data(show_spinner="Drawing the map…", max_entries=8)
def _map(edition: Edition, area: Area, measure_id: str, view: View, highlight: str | None, ruc: str,
         version: str) -> ChoroplethMap:
    """The Explore map of the LSOAs of ``area`` in the rural-urban choice ``ruc``, the ``highlight``
    LSOA outlined (``version``, the data folder's :func:`~needsmap.data.catalog.data_version`, keys
    the cache)."""
    full = lsoa_table(edition)
    lines = maps.highlight_layers(boundaries(edition), [highlight]) if highlight else []
    tileset, attrs = map_assets.assets(edition, full)  # static files the browser caches (made once)
    column = get_measure(measure_id).column(view)
    return choropleth_deck(apply_ruc_filter(areas.select(full, area), ruc), boundaries(edition), measure=measure_id,
                           view=view, edition=edition, area=area,
                           lad_boundaries=lad_boundaries(),
                           ward_boundaries=ward_boundaries() if area.level in ("lad", "ward") else None,
                           national=_national(edition, column), tileset=tileset, attributes=attrs,
                           extra_layers=lines)


def _option_label(m: Measure) -> str:
    """A measure as the picker lists it: its group, then its label (typing either finds it)."""
    return f"{m.group} · {m.label}"


def _quick_pick() -> None:
    """A domain button was pressed: show that measure."""
    picked = st.session_state.get("explore_quick")
    if picked:
        st.session_state["explore_measure"] = picked


st.title("Explore need")
with guard():
    sel = selection()
    table = lsoa_table(sel.edition)
    # every registered measure whose columns this edition's table has (new measures appear by themselves)
    available = [m for m in measures_for(sel.edition) if m.views_in(table.columns)]
    ids = [m.id for m in available]
    if st.session_state.get("explore_measure") not in ids:
        st.session_state["explore_measure"] = ids[0]
    c1, c2, c3 = st.columns([3, 1.6, 1.4])
    measure = get_measure(c1.selectbox(
        "Measure", ids, key="explore_measure", format_func=lambda i: _option_label(get_measure(i)),
        help="Every measure in one list, by group: the overall Index, its seven domains, their "
             "sub-domains, and further measures of need. Type to search (e.g. 'health', 'no "
             "qualifications')."))
    domains = [m.id for m in domain_measures() if m.id in ids]
    st.session_state["explore_quick"] = measure.id if measure.id in domains else None
    st.pills("Index and domains", domains, key="explore_quick", on_change=_quick_pick,
             format_func=lambda i: get_measure(i).short_label, label_visibility="collapsed")
    views = measure.views_in(table.columns)
    if st.session_state.get("explore_view") not in views:
        st.session_state["explore_view"] = measure.default_view if measure.default_view in views else views[0]
    view = c2.radio("Show as", views, key="explore_view", horizontal=True,
                    format_func=lambda v: VIEW_LABELS.get(v, v), help=VIEW_HELP)
    with c3:
        ruc = ruc_filter("explore_ruc", disabled=not set(RUC_COLUMNS) <= set(table.columns))
    if measure.description:
        st.caption(measure.description)

    whole = areas.select(table, sel.area)
    if whole.empty:
        st.warning(f"No neighbourhoods of the IMD {sel.edition} table lie in {sel.area.label}.")
        st.stop()
    sub = apply_ruc_filter(whole, ruc)
    place_name = sel.area.name if ruc == "all" else f"{sel.area.name} ({ruc_short(ruc)} LSOAs)"
    if sub.empty:
        st.info(f"None of the {len(whole):,} neighbourhoods of {sel.area.label} is {ruc_short(ruc)} "
                "(ONS Rural-Urban Classification 2021): choose another area or 'All neighbourhoods'.")
        st.stop()
    summary = summarise(sub, measure, edition=sel.edition, national=table)
    m1, m2, m3, m4 = st.columns(4)
    m1.metric("Neighbourhoods (LSOAs)", f"{summary.n_lsoas:,}",
              help=f"England has {england_lsoa_count(sel.edition):,} LSOAs in the IMD {sel.edition} edition.")
    m2.metric("Residents", f"{summary.residents:,}",
              help="Mid-2020 estimates (2019 edition) or Census 2021 usual residents (2025 edition).")
    if summary.lsoas_10 is not None:
        m3.metric(card_label(measure, 10), f"{summary.share_lsoas_10:.0%} of LSOAs",
                  f"{share_text(summary.share_residents_10)} of residents", delta_color="off", delta_arrow="off")
        m4.metric(card_label(measure, 20), f"{summary.share_lsoas_20:.0%} of LSOAs",
                  f"{share_text(summary.share_residents_20)} of residents", delta_color="off", delta_arrow="off")
    sentence = summary_sentence(summary, place_name)
    st.write(sentence)

    cm = _map(sel.edition, sel.area, measure.id, view, sel.lsoa, ruc, data_version())
    left, right = st.columns([4, 1])
    with left:
        lsoa_map(cm.map.spec, cm.map.values, key="explore_map", height=620)
    with right:
        st.html(cm.legend_html)
        wards_note = ", wards (thin, edged in white)" if sel.area.level in ("lad", "ward") else ""
        found = (f" Outlined in magenta: {markdown_literal(sel.place.label)}." if sel.place is not None
                 and sel.lsoa else "")
        st.caption(f"Lines: local authorities (thick){wards_note}.{found} Hover a neighbourhood for its "
                   "figures; the table below lists every one.")
        if view in ("score", "value") and _national(sel.edition, measure.column(view)) is None:
            scope = table_scope(table)
            st.caption(f"Colours: tenths of the neighbourhoods shown, not of England's — the demo "
                       f"holds the {scope} only (England's tenths of this measure need the full data).")
    st.caption(f"The map in words: {cm.legend_title} of each neighbourhood of {place_name}. "
               f"{sentence} The table below lists the same {len(sub):,} neighbourhoods.")
    if cm.simplification_note:
        st.info(cm.simplification_note, icon=":material/speed:")

    st.subheader("Neighbourhoods")
    shown = display_table(sub, measure, edition=sel.edition,
                          include_region=sel.area.level in ("england", "region"))
    on_screen = shown.head(TABLE_ROWS)  # the CSV has every row; the browser need not hold 33,755
    st.caption(f"{len(shown):,} LSOAs, most deprived first"
               + (f" (the first {TABLE_ROWS:,} shown here; the CSV has all)" if len(shown) > TABLE_ROWS else "")
               + ". Click a column heading to sort. Rank 1 and decile 1 are the most deprived in England "
               f"(of {england_lsoa_count(sel.edition):,}).")
    st.dataframe(on_screen, hide_index=True, width="stretch", height=420, key="explore_table")
    st.download_button(  # the CSV is written when asked for, not on every rerun (England: 33,755 rows)
        "Download this table (CSV)",
        **download("csv", lambda: shown, stem=f"needsmap_{measure.id}_{view}_{sel.area.code}_imd{sel.edition}"),
        key="explore_csv", icon=":material/download:", on_click="ignore",
    )
    if set(RUC_COLUMNS) <= set(table.columns) and f"{measure.id}_rank" in table.columns:
        with st.expander("Urban and rural neighbourhoods (Rural-Urban Classification 2021)"):
            parts = urban_rural_breakdown(whole, f"{measure.id}_rank", edition=sel.edition)
            shown_parts = breakdown_table(parts, measure.short_label)
            st.dataframe(shown_parts, hide_index=True, width="stretch", key="explore_ruc_table",
                         column_config={c: st.column_config.NumberColumn(format="localized")
                                        for c in shown_parts.columns[1:]})
            st.caption(f"Every neighbourhood of {sel.area.label}, grouped by the ONS Rural-Urban "
                       "Classification 2021 of its LSOA (2019 edition: the class of the LSOA 2021 "
                       "holding most of its residents); 'most deprived' is England's, by "
                       f"{measure.label.lower()} rank.")

    st.caption("Sources: " + " · ".join(get_dataset(i).citation() for i in source_ids(measure, sel.edition))
               + " Ward outlines are built from LSOA 2021 boundaries and are approximate.")
