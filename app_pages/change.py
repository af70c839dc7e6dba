"""Change 2019→2025: which neighbourhoods moved most in relative deprivation between the two editions."""

import streamlit as st

from needsmap import areas
from needsmap.analysis import change
from needsmap.areas import Area
from needsmap.data import map_assets
from needsmap.data.catalog import data_version, get_dataset
from needsmap.export import download
from needsmap.types import ENGLAND_LSOA11, ENGLAND_LSOA21
from needsmap.ui import boundaries, guard, lad_boundaries, lsoa_table, selection, ward_boundaries
from needsmap.ui.map_component import lsoa_map
from needsmap.viz.change_map import ChangeMap, ChangeView, change_deck

VIEWS: dict[ChangeView, str] = {"rank": "Change in national rank", "decile": "Change in decile"}
DIRECTIONS: dict[change.Direction, str] = {"more": "Became relatively more deprived", "less": "Became relatively less deprived",
              "both": "Largest moves either way"}
LABELS = {"lsoa_name": "Neighbourhood (LSOA 2021)", "ward_name": "Ward", "lad_name": "Local authority",
          "imd_rank_2019": "IMD rank 2019", "imd_rank": "IMD rank 2025", "imd_rank_change": f"Rank change (2019 rank × {ENGLAND_LSOA21:,} / {ENGLAND_LSOA11:,})",
          "imd_decile_2019": "Decile 2019", "imd_decile": "Decile 2025", "imd_decile_change": "Decile change",
          "lsoa_change": "Boundary change", "comparison": "Comparison"}



@st.cache_data(show_spinner="Drawing the map…", max_entries=8)
def _map(area: Area, view: ChangeView, version: str) -> ChangeMap:
    """The change map (``version``, the data folder's :func:`~needsmap.data.catalog.data_version`, keys the cache)."""
    full = lsoa_table("2025")
    tileset, attrs = map_assets.assets("2025", full)  # static files the browser caches (made once)
    return change_deck(areas.select(full, area), boundaries("2025"), area=area,
                       lad_boundaries=lad_boundaries(),
                       ward_boundaries=ward_boundaries() if area.level in ("lad", "ward") else None, view=view,
                       tileset=tileset, attributes=attrs)


st.title("Change since 2019")
with guard():
    sel = selection()
    table = lsoa_table("2025")
    if not change.has_change(table):
        st.warning("The change columns are not available: the IMD 2019 and 2025 files and the "
                   "LSOA 2011→2021 lookup are all needed. See the Data sources page.")
        st.stop()
    sub = areas.select(table, sel.area)
    st.write(f"How the neighbourhoods of **{sel.area.label}** moved in England's ranking between the "
             "English Indices of Deprivation 2019 and 2025. Rank 1 is the most deprived; a **positive** "
             "change means the area ranks **relatively more deprived** in 2025.")
    st.info(change.CAVEAT, icon=":material/info:")
    if sel.edition == "2019":
        st.caption("This page always uses 2021 neighbourhood boundaries (the 2025 edition), whichever "
                   "edition the sidebar shows.")

    s = change.summarise(sub)
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Comparable neighbourhoods", f"{s.n_comparable:,} of {s.n_lsoas:,}",
              help="Same boundary in 2011 and 2021 (ONS change code U).")
    c2.metric("Into a more deprived decile", f"{s.more_deprived_decile:,}")
    c3.metric("Entered England's most deprived 10%", f"{s.into_most_deprived:,}")
    c4.metric("Left England's most deprived 10%", f"{s.out_of_most_deprived:,}")
    st.write(s.sentence())

    view = st.radio("Map", list(VIEWS), format_func=VIEWS.__getitem__, horizontal=True, key="change_view")
    cmap = _map(sel.area, view, data_version())
    left, right = st.columns([4, 1])
    with left:
        lsoa_map(cmap.map.spec, cmap.map.values, key="change_map", height=620)
    right.html(cmap.legend_html)
    st.caption(f"The map in words: {s.sentence()} The tables below list the biggest movers and every "
               "neighbourhood's move.")

    st.subheader("Biggest movers")
    a, b = st.columns([3, 1])
    direction = a.selectbox("Show", list(DIRECTIONS), format_func=DIRECTIONS.__getitem__, key="change_direction")
    st.session_state.setdefault("change_n", 15)  # a saved view may have set it
    n = b.number_input("How many", min_value=5, max_value=100, step=5, key="change_n")
    movers = change.biggest_movers(sub, int(n), direction=direction)
    if movers.empty:
        st.write("No comparable neighbourhood moved in that direction.")
    else:
        st.dataframe(movers.rename(columns=LABELS).rename_axis("LSOA code"), width="stretch")
    everything = change.movers_table(sub)
    st.download_button(
        "Download every neighbourhood's change (CSV)",
        **download("csv", lambda: everything.reset_index(), stem=f"imd_change_2019_2025_{sel.area.code}"), key="change_csv",
    )

    with st.expander("How neighbourhoods are compared across the two editions"):
        st.markdown(
            f"- **Unchanged** LSOAs ({s.n_comparable:,} here): the same area in 2011 and 2021; the change "
            f"compares its 2019 rank, rescaled to England's {ENGLAND_LSOA21:,} LSOAs (× {ENGLAND_LSOA21:,} / "
            f"{ENGLAND_LSOA11:,}), with its 2025 rank.\n"
            f"- **Split** LSOAs ({s.n_split:,}): a 2011 LSOA divided into several in 2021. The CSV download "
            "shows the 2011 parent's 2019 rank and decile, labelled, but no change is computed.\n"
            f"- **Merged** ({s.n_merged:,}) and **redrawn** ({s.n_redrawn:,}) LSOAs: no 2019 figure fits "
            "the new area, so none is shown.\n\n"
            "Transitions between deciles for the comparable neighbourhoods (rows 2019, columns 2025):"
        )
        st.dataframe(change.decile_transitions(sub), width="stretch")
    st.caption("Sources: " + " · ".join(get_dataset(i).citation()
                                        for i in ("imd2019", "imd2025", "lsoa11_lsoa21_lookup")))
