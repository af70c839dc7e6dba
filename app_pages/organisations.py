"""Organisations: place any list on the map of need, see what could not be placed, profile each one."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from needsmap import areas
from needsmap.analysis import org_profile as op
from needsmap.areas import Area
from needsmap.data import map_assets
from needsmap.data.catalog import data_version, get_dataset
from needsmap.export import download, excel_export
from needsmap.measures import domain_measures, get_measure
from needsmap.safe_text import markdown_literal
from needsmap.store.registers import KIND as REGISTER_KIND
from needsmap.types import LSOA_VINTAGE, VINTAGE_LABEL, Edition
from needsmap.ui import (
    boundaries,
    geography,
    guard,
    lad_boundaries,
    lsoa_table,
    selection,
    ward_boundaries,
)
from needsmap.ui.map_component import lsoa_map
from needsmap.ui.org_fixes import fix_rows_editor, not_organisations
from needsmap.ui.orgs import confidence_note, org_layer_picker, register_in_use
from needsmap.ui.register_editor import register_editor
from needsmap.viz import maps
from needsmap.viz.choropleth import ChoroplethMap, choropleth_deck
from needsmap.viz.org_points import lad_bubble_layer, point_layer

#: the measures the map can be shaded by: the IMD and its domains (the registry's)
MEASURES = tuple(m.id for m in domain_measures())
#: above this many points on an England or region map, show one circle per local authority
BUBBLE_ABOVE = 400


@st.cache_data(show_spinner="Drawing the map…", max_entries=8)
def _base_map(edition: Edition, area: Area, measure_id: str, version: str) -> ChoroplethMap:
    """The need map under the organisations (``version``, the data folder's :func:`~needsmap.data.catalog.data_version`, keys the cache)."""
    full = lsoa_table(edition)
    tileset, attrs = map_assets.assets(edition, full)  # static files the browser caches (made once)
    return choropleth_deck(areas.select(full, area), boundaries(edition), measure=measure_id,
                           edition=edition, area=area, lad_boundaries=lad_boundaries(),
                           ward_boundaries=ward_boundaries() if area.level in ("lad", "ward") else None,
                           tileset=tileset, attributes=attrs)


st.title("Organisations")
st.caption("Drop in any list of organisations — a directory, a network's members, a 360Giving grants "
           "file — or pick a ready-made one. Each is placed in its neighbourhood (LSOA) by postcode, "
           "coordinates or LSOA code, offline; every row you give is accounted for.")
with guard():
    sel = selection()
    result = org_layer_picker("orgs")
    if result is None:
        st.stop()
    geo = geography(sel.edition)
    table = result.table

    st.subheader("What was placed")
    st.markdown(result.summary_text())
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Rows in the list", f"{len(table):,}")
    c2.metric("Placed in an English LSOA", f"{len(result.placed):,}")
    others = len(not_organisations(result))
    c3.metric("Not placed", f"{len(result.rejected) - others:,}")
    c4.metric("Repeats of an earlier row", f"{int(table['duplicate_of'].notna().sum()):,}")
    if others:
        st.caption(f"{others:,} row{'s are' if others != 1 else ' is'} not an organisation (a total row, "
                   "a blank spacer row, part of the row above …): listed below, not counted.")
    sure = confidence_note(result)
    if sure:
        st.info(sure, icon=":material/my_location:")
    left, right = st.columns(2)
    with left:
        st.markdown("**Why rows were or were not placed**")
        summ = result.summary().rename(columns={"status": "Status", "rows": "Rows", "share": "Share"})
        st.dataframe(summ, hide_index=True, width="stretch",
                     column_config={"Status": st.column_config.TextColumn(width="medium"),
                                    "Share": st.column_config.NumberColumn(format="percent")})
        if len(result.rejected):
            st.download_button("Download the rows not placed, with reasons (CSV)",
                               **download("csv", lambda: result.rejected, stem="not_placed"), key="orgs_dl_rejected")
    with right:
        st.markdown("**Where the placed ones are** (local authorities with most)")
        st.dataframe(op.where_summary(table, geo, edition=sel.edition, top=10), hide_index=True,
                     width="stretch")
    in_register = register_in_use()
    if in_register is not None and result.kind == REGISTER_KIND:
        register_editor(*in_register, key="orgs")  # fixes are saved in the register, for the team
    else:
        fix_rows_editor(result, key="orgs")
    with st.expander("How organisations are placed, and what can go wrong"):
        st.markdown(
            "- **Postcode** → its centroid in the ONS postcode lookup (NSPL, May 2025) → the LSOA "
            "polygon holding it. The boundaries are generalised, so a few postcodes near an LSOA edge "
            "land in the neighbour; a centroid in England but in a gap between polygons is given the "
            "nearest LSOA within 300 m (never one across the border with Wales or Scotland). Such "
            "placements are marked *uncertain*; the official NSPL (Data sources page → Download) or "
            "a file carrying official NSPL/ONSPD LSOA codes makes them exact.\n"
            "- **Coordinates** (or eastings/northings) or an **LSOA code** are used when there is no "
            "usable postcode; the most precise location in a row wins.\n"
            "- Terminated postcodes without coordinates, malformed text and places in Wales, Scotland "
            "or Northern Ireland are not placed; the reason is in the table and the download. "
            "Correct them in the table above and place them again (for this session only; in a "
            "team register, corrections are saved for everyone).\n"
            "- Grants known only by their ward, local authority, region or country are listed at "
            "that level, not mapped.\n"
            "- Repeats (same name and postcode, or same charity number) and closed organisations are "
            "flagged, not removed.")

    st.subheader(f"On the map: {sel.area.label}")
    f1, f2, f3 = st.columns([1.4, 2.4, 1.2])
    measure_id = f1.selectbox("Shade neighbourhoods by", MEASURES, key="orgs_measure",
                              format_func=lambda m: get_measure(m).label)
    cats = sorted(result.placed["org_category"].dropna().astype(str).unique().tolist())
    chosen = f2.multiselect("Categories (none chosen = all)", cats, key="orgs_categories",
                            placeholder="All categories") if cats else []
    show_closed = f3.checkbox("Include closed", key="orgs_show_closed",
                              help="Organisations the source list marks as closed.")
    here = op.in_area(table, geo, sel.area.level, sel.area.code, edition=sel.edition)
    if chosen:
        here = here[here["org_category"].astype("string").isin(chosen).fillna(False).to_numpy()]
    if not show_closed:
        here = here[~here["org_closed"].astype("boolean").fillna(False).to_numpy()]
    if here.empty:
        top = op.where_summary(table, geo, edition=sel.edition, top=1)
        elsewhere = f" Most of this list is in {top['Local authority'].iloc[0]}." if len(top) else ""
        st.info(f"None of this list's placed organisations (with these filters) is in "
                f"{sel.area.label}.{elsewhere} Choose another area in the sidebar.")
    cm = _base_map(sel.edition, sel.area, measure_id, data_version())
    legend: list[tuple[str, maps.RGB]] = []
    if sel.area.level in ("england", "region") and len(here) > BUBBLE_ABOVE:
        layer = lad_bubble_layer(op.aggregate_by_lad(here, geo, edition=sel.edition))
        note = f"{len(here):,} organisations: circles sized by how many are in each local authority."
    else:
        layer, legend = point_layer(here)
        note = f"{len(here):,} organisation{'s' if len(here) != 1 else ''} shown."
    view = cm.map.with_layers([layer], before="place-names")  # organisations under the place names
    mcol, lcol = st.columns([5, 1.3])
    with mcol:
        lsoa_map(view.spec, view.values, key="orgs_map", height=620)
    with lcol:
        st.html(cm.legend_html)
        if legend:
            st.html(maps.legend_html("Organisations", legend))
        st.caption(note)
        if cm.simplification_note:
            st.caption(cm.simplification_note)
    st.caption("The map in words: " + op.map_sentence(here, lsoa_table(sel.edition), area=sel.area.label,
                                                       edition=sel.edition)
               + " The table below lists each organisation with its neighbourhood's figures.")

    st.subheader("Profile of each organisation's neighbourhood")
    st.session_state.setdefault("orgs_only_here", True)  # a saved view may have set it
    only_here = st.checkbox(f"Only organisations in {sel.area.label}", key="orgs_only_here")
    source = here if only_here else result.placed
    lsoas = lsoa_table(sel.edition)
    prof = op.org_profile(source, lsoas, edition=sel.edition)
    st.caption(f"IMD {sel.edition} ({VINTAGE_LABEL[LSOA_VINTAGE[sel.edition]]}); rank 1 = "
               f"most deprived. {len(prof):,} organisation{'s' if len(prof) != 1 else ''}. "
               "Bands are those bids quote: the LSOA is among England's 10%, 20%, 40% or 60% most "
               "deprived on that rank. " + op.bid_figures_note(sel.edition, lsoas.columns))
    st.dataframe(prof, hide_index=True, width="stretch", height=360)
    band = op.band_counts(prof)
    st.bar_chart(band.set_index("IMD decile")["organisations"], height=180, x_label="IMD decile (1 = most deprived)",
                 y_label="organisations")
    sources = pd.DataFrame({"Source": [*(get_dataset(i).citation() for i in op.bid_datasets(sel.edition)),
                                       get_dataset("nspl_centroids").citation(), result.label]})
    d1, d2 = st.columns(2)
    d1.download_button("Download the profile table (CSV)",
                       **download("csv", lambda: prof, stem=f"organisation_profiles_imd{sel.edition}"), key="orgs_dl_csv")
    xlsx = excel_export({"Profiles": prof, "Not placed": result.rejected, "Sources": sources})
    d2.download_button("Download the profile table (Excel)",
                       **download("xlsx", lambda: xlsx, stem=f"organisation_profiles_imd{sel.edition}"), key="orgs_dl_xlsx")
    for note in xlsx.notes:
        d2.caption(markdown_literal(note))
    st.caption("Sources: " + " · ".join(markdown_literal(s) for s in sources["Source"]))
