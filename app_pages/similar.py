"""Places like this one: the local authorities, wards or neighbourhoods of England most alike on the IMD 2025 domains."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from needsmap import areas, data
from needsmap.analysis import similar as sm
from needsmap.analysis.coverage import DEFAULT_RADIUS_KM, org_nouns, radius_text, reference_points
from needsmap.analysis.place_search import lsoa_for_edition
from needsmap.data import map_assets
from needsmap.data.catalog import data_version
from needsmap.data.loaders import is_national
from needsmap.export import download
from needsmap.gss import is_lsoa_code
from needsmap.safe_text import markdown_literal
from needsmap.ui import (
    Selection,
    boundaries,
    geography,
    guard,
    lad_boundaries,
    lsoa_table,
    org_layer_picker,
    selection,
    show_warning,
)
from needsmap.ui.map_component import lsoa_map
from needsmap.viz.similar_map import SimilarMap, similar_deck

EDITION = sm.EDITION
CHOICES: dict[sm.PlaceLevel, str] = {"lad": "Local authority", "ward": "Ward", "lsoa": "Neighbourhood (LSOA)"}


@st.cache_data(show_spinner="Comparing places…", max_entries=6)
def _profiles(level: sm.PlaceLevel, version: str) -> pd.DataFrame:
    """Every place of ``level`` with its standardised profile (``version`` keys the cache)."""
    table = lsoa_table(EDITION)
    # the demo holds one region: England's IMD table still standardises the scores
    reference = None if is_national(table) else data.load_imd(EDITION)
    return sm.place_profiles(table, level, reference=reference)


@st.cache_data(show_spinner="Placing neighbourhood centres…", max_entries=1)
def _points(version: str) -> pd.DataFrame:
    """Reference points of the 2021 LSOAs (``version`` keys the cache)."""
    return reference_points(boundaries(EDITION))


@st.cache_data(show_spinner="Drawing the map…", max_entries=8)
def _map(level: sm.PlaceLevel, code: str, n: int, version: str) -> SimilarMap:
    """The map of the place and its ``n`` most similar places (``version`` keys the cache)."""
    table = lsoa_table(EDITION)
    similar = sm.similar_places(table, code, level, n, include_self=True, profiles=_profiles(level, version))
    tileset, attrs = map_assets.assets(EDITION, table)
    return similar_deck(similar, table, boundaries(EDITION), lad_boundaries=lad_boundaries(),
                        tileset=tileset, attributes=attrs)


def _pick(label: str, key: str, opts: pd.DataFrame, placeholder: str) -> str | None:
    """A selectbox of ``opts`` (``code``, ``name``) that forgets a choice no longer offered."""
    codes = opts["code"].astype(str).tolist()
    names = dict(zip(codes, opts["name"].astype(str), strict=True))
    if st.session_state.get(key) not in (None, *codes):
        st.session_state.pop(key)
    picked = st.selectbox(label, codes, index=None, key=key, placeholder=placeholder,
                          format_func=lambda c: names.get(c, c))
    return None if picked is None else str(picked)


def _searched(sel: Selection, table: pd.DataFrame) -> str | None:
    """The LSOA the sidebar's search found (a postcode's or an LSOA's 2021 code), when it is in the table."""
    code = lsoa_for_edition(sel.place, EDITION) if sel.place is not None else None
    return code if code in table.index else None


def _typed(table: pd.DataFrame) -> str | None:
    """An LSOA 2021 code typed on the page (a warning, and None, when it is not one)."""
    text = st.text_input("Or type an LSOA 2021 code", key="similar_lsoa_code", placeholder="e.g. E01009219",
                         help="A 2021 neighbourhood code (E01…). IMD 2019's 2011 codes are not compared.")
    code = text.strip().upper()
    if not code:
        return None
    if not is_lsoa_code(code) or code not in table.index:
        show_warning(f"{text.strip()} is not an English LSOA 2021 code (E01 and six digits); "
                     "choose a neighbourhood from the list instead.")
        return None
    return code


def _choose(sel: Selection, table: pd.DataFrame) -> tuple[sm.PlaceLevel, str] | None:
    """The place to compare: the sidebar's local authority or ward, or an LSOA picked or typed."""
    area, searched = sel.area, _searched(sel, table)
    if "similar_level" not in st.session_state or (searched and st.session_state.get("similar_searched") != searched):
        # a first visit, or a new search: start from what the sidebar points at
        st.session_state["similar_level"] = ("lsoa" if searched else
                                             "ward" if area.level == "ward" else "lad")
    st.session_state["similar_searched"] = searched
    level: sm.PlaceLevel = st.radio("Compare as", list(CHOICES), key="similar_level", horizontal=True,
                                    format_func=CHOICES.__getitem__,
                                    help="Places are compared with others of the same kind across England.")
    if level == "lsoa":
        code = _typed(table) or searched
        if code:
            return level, code
    lad: str | None
    if area.level in ("lad", "ward"):
        lad = area.code if area.level == "lad" else areas.parents(area, geography(EDITION))["lad"]
    else:
        within = area if area.level == "region" else None
        lad = _pick("Local authority", "similar_lad", areas.options(geography(EDITION), "lad", within=within),
                    "Choose a local authority")
        if lad is None:
            st.info(f"{markdown_literal(area.label)} is selected. Choose a local authority here (or a local "
                    "authority or ward in the sidebar) to find the places most like it, its wards or its "
                    "neighbourhoods.",
                    icon=":material/info:")
            return None
    if level == "lad":
        return level, lad
    lad_area = areas.area_from_code(lad, geography(EDITION))
    ward = area.code if area.level == "ward" else None
    if level == "ward":
        ward = ward or _pick("Ward", "similar_ward", areas.options(geography(EDITION), "ward", within=lad_area),
                             f"Choose a ward of {lad_area.name}")
        return (level, ward) if ward else None
    rows = table.loc[table["ward_code"] == ward] if ward else areas.select(table, lad_area)
    opts = pd.DataFrame({"code": rows.index.astype(str),
                         "name": [f"{n} ({c}, {w})" for n, c, w in zip(rows["lsoa_name"], rows.index, rows["ward_name"],
                                                                       strict=True)]}).sort_values("name")
    within_name = str(rows["ward_name"].iloc[0]) if ward and len(rows) else lad_area.name
    lsoa = _pick("Neighbourhood (LSOA)", "similar_lsoa", opts, f"Choose a neighbourhood of {within_name}")
    return (level, lsoa) if lsoa else None


st.title("Places like this")
with guard():
    sel = selection()
    table = lsoa_table(EDITION)
    st.caption(sm.METHOD)
    if sel.edition != EDITION:
        st.info(f"This comparison uses the IMD {EDITION} domain scores (the IMD {sel.edition} data here has "
                f"ranks and deciles but no scores), on 2021 neighbourhoods and 2024 wards.",
                icon=":material/info:")
    place = _choose(sel, table)
    if place is None:
        st.stop()
    level, code = place
    version = data_version()

    c1, c2 = st.columns([1, 2])
    st.session_state.setdefault("similar_n", sm.DEFAULT_N)  # defaults set here: a saved view may set them
    st.session_state.setdefault("similar_radius", DEFAULT_RADIUS_KM)
    n = int(c1.number_input("Similar places to list", 1, sm.MAX_N, key="similar_n"))
    radius = c1.slider("Coverage radius (km, straight line)", 0.25, 5.0, step=0.25, key="similar_radius",
                       help="A neighbourhood counts as covered when an organisation lies this close to its centre.")
    with c2:
        imported = org_layer_picker(key="similar_layer")

    similar = sm.similar_places(table, code, level, n, include_self=True, profiles=_profiles(level, version))
    coverage, noun = None, "organisation"
    if imported is not None:
        layer_id = st.session_state.get("orgs_layer_id")
        noun, _ = org_nouns(imported.table, layer_id=layer_id if isinstance(layer_id, str) else None)
        coverage = sm.place_coverage(table, _points(version), imported.table, similar["code"], level,
                                     radius_km=radius)
    sentence = sm.summary_sentence(similar, coverage, noun=noun, radius_km=radius)
    st.markdown(f"**{markdown_literal(sentence)}**")

    shown = sm.display_table(similar, coverage, noun=noun, radius_km=radius)
    st.caption("Row 0 is the place itself. Distance: how far apart two places' seven standardised domain "
               "scores are (smaller = more alike). The z columns are each domain's standardised score "
               "(0 = England's average neighbourhood, +1 = one standard deviation more deprived)."
               + (f" Coverage: neighbourhoods with at least one organisation of "
                  f"**{markdown_literal(imported.label or 'the chosen list')}** within "
                  f"{radius_text(radius)} of their centre." if imported is not None else ""))
    st.dataframe(shown, hide_index=True, key="similar_table")
    layer_name = imported.label if imported is not None else ""
    st.download_button(
        "Download this table (CSV)",
        **download("csv", lambda: sm.export_table(similar, coverage, layer=layer_name, radius_km=radius),
                   stem=f"needsmap_similar_{code}_imd{EDITION}"),
        key="similar_csv", icon=":material/download:", on_click="ignore",
    )

    view = _map(level, code, n, version)
    left, right = st.columns([4, 1])
    with left:
        lsoa_map(view.map.spec, view.map.values, key="similar_map", height=620)
    with right:
        st.html(view.legend_html)
        st.caption("Only the neighbourhoods of these places are shaded. Hover a marker or a neighbourhood "
                   "for its figures.")
