"""Cached loaders and the shared area/edition selection (sidebar + URL query string)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd
import streamlit as st

from needsmap import areas, data
from needsmap.analysis.place_search import Place, lsoa_for_edition, place_options, resolve_place
from needsmap.areas import Area
from needsmap.config import with_demo_hint
from needsmap.data.catalog import data_version
from needsmap.errors import NeedsmapError
from needsmap.safe_text import markdown_literal
from needsmap.types import DEFAULT_EDITION, EDITIONS, Edition, as_edition
from needsmap.ui.mobile import SEARCHED_KEY

_ALL = "__all__"


# ----------------------------------------------------------------------------- cached loaders
# Each loader is keyed by its arguments and the data folder's version (its path and its files' sizes
# and times: data_version), so pointing NEEDSMAP_DATA_DIR elsewhere, or fetching a file again, never
# serves frames read before.
@st.cache_data(show_spinner="Loading deprivation data…", max_entries=4)
def _lsoa_table(edition: Edition, version: str) -> pd.DataFrame:
    return data.load_lsoa_table(edition)


@st.cache_data(show_spinner=False, max_entries=4)
def _geography(edition: Edition, version: str) -> pd.DataFrame:
    return data.load_geography(edition)


@st.cache_data(show_spinner="Loading boundaries…", max_entries=4)
def _boundaries(edition: Edition, version: str) -> gpd.GeoDataFrame:
    return data.load_boundaries(edition)


@st.cache_data(show_spinner=False, max_entries=2)
def _lad_boundaries(version: str) -> gpd.GeoDataFrame:
    return data.load_lad_boundaries()


@st.cache_data(show_spinner="Drawing ward outlines…", max_entries=2)
def _ward_boundaries(version: str) -> gpd.GeoDataFrame:
    return data.load_ward_boundaries()


def lsoa_table(edition: Edition) -> pd.DataFrame:
    """Every LSOA of ``edition`` with geography, population, IMD and extra measures (cached)."""
    return _lsoa_table(edition, data_version())


def geography(edition: Edition) -> pd.DataFrame:
    """LSOA → ward → local authority → region lookup with population (cached)."""
    return _geography(edition, data_version())


def boundaries(edition: Edition) -> gpd.GeoDataFrame:
    """LSOA polygons for ``edition`` (cached)."""
    return _boundaries(edition, data_version())


def lad_boundaries() -> gpd.GeoDataFrame:
    """Local authority outlines (cached)."""
    return _lad_boundaries(data_version())


def ward_boundaries() -> gpd.GeoDataFrame:
    """Ward outlines (cached)."""
    return _ward_boundaries(data_version())


def damaged_layers(edition: Edition) -> dict[str, str]:
    """Optional layers hidden because their file is damaged (layer -> the loader's message).

    Layers whose optional file is simply absent are not listed (the Data sources page lists them).
    """
    return dict(lsoa_table(edition).attrs.get(data.DAMAGED_LAYERS, {}))


# ----------------------------------------------------------------------------- errors
def literal_message(message: object) -> str:
    """``message`` as Markdown that Streamlit shows exactly as written, line by line.

    Messages quote file text (column headings, cells), and ``st.error``/``st.warning``/``st.info``
    render Markdown: a heading ``![x](http://host/i.png)`` would fetch an image, ``[Click](#)`` would
    be a link. Every line goes through :func:`needsmap.safe_text.markdown_literal`; the message's
    own line breaks are kept (as Markdown hard breaks).
    """
    lines = ("" if message is None else str(message)).replace("\r\n", "\n").split("\n")
    return "  \n".join(markdown_literal(line) for line in lines)


def show_error(message: object, *, demo_hint: bool = True) -> None:
    """``st.error`` for a message that may quote a user's file: shown literally, never as markup.

    Parameters
    ----------
    message
        The message (e.g. ``str(exc)`` of a :class:`~needsmap.errors.ValidationError`).
    demo_hint
        On the embedded demo, add the hint on getting all of England (our own Markdown, kept).
    """
    text = literal_message(message)
    st.error(with_demo_hint(text) if demo_hint else text)


def show_warning(message: object) -> None:
    """``st.warning`` for a message that may quote a user's file (see :func:`show_error`)."""
    st.warning(literal_message(message))


@contextmanager
def guard() -> Iterator[None]:
    """Show a data or input problem as one clear message and stop the page, not a traceback.

    The message is shown literally (:func:`show_error`): file text in it never becomes a link,
    an image or HTML.
    """
    try:
        yield
    except NeedsmapError as exc:
        show_error(exc)
        st.stop()


# ----------------------------------------------------------------------------- selection
@dataclass(frozen=True)
class Selection:
    """What the sidebar selected: an area and an IMD edition, and the postcode or LSOA searched for.

    ``place`` is set when the search box found a postcode or an LSOA (``area`` is then the ward it
    is in): maps outline that neighbourhood and Area profile opens on it.
    """

    area: Area
    edition: Edition
    place: Place | None = None

    @property
    def lsoa(self) -> str | None:
        """The searched neighbourhood's LSOA code in this edition's vintage (``None``: no search)."""
        return None if self.place is None else lsoa_for_edition(self.place, self.edition)


def _query_defaults() -> tuple[str, Edition]:
    qp = st.query_params
    code = str(qp.get("area", areas.DEFAULT_AREA_CODE))
    try:
        edition = as_edition(qp.get("edition", DEFAULT_EDITION))
    except ValueError:
        edition = DEFAULT_EDITION
    return code, edition


def selection() -> Selection:
    """The current selection (from the sidebar; defaults when a page runs on its own)."""
    if "nm_area" in st.session_state and "nm_edition" in st.session_state:
        return Selection(st.session_state["nm_area"], st.session_state["nm_edition"],
                         st.session_state.get("nm_place"))
    code, edition = _query_defaults()
    geo = geography(edition)
    try:
        area = areas.area_from_code(code, geo)
    except NeedsmapError:
        area = areas.area_from_code(areas.DEFAULT_AREA_CODE, geo)
    sole = areas.only_region(geo)
    if area.level == "england" and sole is not None:  # the demo: "England" is its one region
        area = sole
    return Selection(area, edition)


def _place_from_url(geo: pd.DataFrame) -> Place | None:
    """The postcode or LSOA in the URL (``?postcode=B16 6RE`` or ``?lsoa=E01009143``), if any."""
    qp = st.query_params
    text = qp.get("postcode") or qp.get("lsoa")
    if not text:
        return None
    try:
        return resolve_place(str(text), geo)
    except NeedsmapError as exc:
        st.session_state["nm_search_msg"] = str(exc)
        return None


def _set_area(area: Area, geo: pd.DataFrame) -> None:
    """Point the region, local authority and ward pickers at ``area``."""
    up = areas.parents(area, geo)
    st.session_state["nm_region"] = up.get("region", _ALL)
    st.session_state["nm_lad"] = up.get("lad", area.code if area.level == "lad" else _ALL)
    st.session_state["nm_ward"] = area.code if area.level == "ward" else _ALL


def _init_widgets(geo: pd.DataFrame) -> None:
    """First run of a session: set the widgets from the URL (or the defaults)."""
    if "nm_region" in st.session_state:
        return
    code, edition = _query_defaults()
    st.session_state["nm_edition_widget"] = edition
    place = _place_from_url(geo)
    if place is not None:
        st.session_state["nm_place"] = place
        _set_area(place.area, geo)
        return
    try:
        area = areas.area_from_code(code, geo)
    except NeedsmapError:
        area = areas.area_from_code(areas.DEFAULT_AREA_CODE, geo)
    _set_area(area, geo)


def _reset(*keys: str) -> None:
    """A picker changed: the pickers below it start again, and the searched place is let go."""
    for k in keys:
        st.session_state[k] = _ALL
    st.session_state.pop("nm_place", None)


def _on_search() -> None:
    """The search box was used: select what it names (or keep the message saying why not)."""
    text = st.session_state.get("nm_search")
    st.session_state.pop("nm_search_msg", None)
    if not text:
        return
    geo = geography("2025")
    try:
        place = resolve_place(str(text), geo)
    except NeedsmapError as exc:
        st.session_state["nm_search_msg"] = str(exc)
        return
    finally:
        st.session_state["nm_search"] = None  # the box is ready for the next search
    _set_area(place.area, geo)
    st.session_state[SEARCHED_KEY] = True  # phones: the sidebar closes to show the result
    if place.lsoa:
        st.session_state["nm_place"] = place
    else:
        st.session_state.pop("nm_place", None)


@st.cache_data(show_spinner=False, max_entries=2)
def _search_options(version: str) -> dict[str, str]:
    """Suggestions of the search box: option key -> label (``version`` keys the cache)."""
    opts = place_options(geography("2025"))
    return dict(zip(opts["key"], opts["label"], strict=True))


#: what the search box says before anything is typed
SEARCH_PLACEHOLDER = "Postcode, LSOA, ward, council or region"
SEARCH_HELP = ("Type a postcode (B16 6RE) or an LSOA code or name (E01009143, Birmingham 136A) and press "
               "Enter; or start typing a ward, local authority or region and pick a suggestion. A "
               "postcode or LSOA selects its ward, outlines the neighbourhood on the maps and opens "
               "on Area profile.")


def _search_box() -> None:
    """The search box at the top of the sidebar, and what it found."""
    labels = _search_options(data_version())
    st.selectbox("Find a place", list(labels), index=None, key="nm_search", on_change=_on_search,
                 format_func=lambda k: labels.get(k, k), placeholder=SEARCH_PLACEHOLDER,
                 accept_new_options=True, filter_mode="contains", help=SEARCH_HELP)
    msg = st.session_state.get("nm_search_msg")
    if msg:
        st.warning(literal_message(msg), icon=":material/search_off:")
    place: Place | None = st.session_state.get("nm_place")
    if place is not None:
        st.markdown(f":material/location_on: **{markdown_literal(place.label)}**")
        st.page_link("app_pages/profile.py", label="Open its area profile", icon=":material/description:",
                     query_params=place.query())


def _pick(label: str, key: str, opts: pd.DataFrame, all_label: str | None,
          resets: tuple[str, ...] = ()) -> str:
    """A selectbox of ``opts`` headed by ``all_label`` (left out when ``None``)."""
    codes = ([_ALL] if all_label is not None else []) + opts["code"].tolist()
    names = dict(zip(opts["code"], opts["name"], strict=True))
    if all_label is not None:
        names[_ALL] = all_label
    if st.session_state.get(key) not in codes:
        st.session_state[key] = codes[0]
    return str(st.selectbox(label, codes, format_func=lambda c: names.get(c, c), key=key,
                            on_change=_reset, args=resets))


def render_sidebar() -> Selection:
    """Draw the shared sidebar (edition, region, local authority, ward) and return the selection.

    The choice is kept in session state across pages and mirrored in the URL query string
    (``?area=E08000025&edition=2025``) so a view can be shared.
    """
    geo25 = geography("2025")
    _init_widgets(geo25)
    with st.sidebar:
        _search_box()
        st.markdown("### Area and edition")
        edition = as_edition(st.radio(
            "Indices of Deprivation edition", EDITIONS, key="nm_edition_widget", horizontal=True,
            help="2019: LSOA 2011 boundaries (used in most existing reports). "
                 "2025: LSOA 2021 boundaries (current).",
        ))
        # the demo holds one region: "All England" would be that region under another name
        region = _pick("Region", "nm_region", areas.options(geo25, "region"),
                       None if areas.only_region(geo25) is not None else "All England",
                       resets=("nm_lad", "nm_ward"))
        within = areas.area_from_code(region, geo25) if region != _ALL else areas.ENGLAND
        lad = _pick("Local authority", "nm_lad", areas.options(geo25, "lad", within=within),
                    "All local authorities", resets=("nm_ward",))
        ward = _ALL
        if lad != _ALL:
            ward = _pick("Ward", "nm_ward", areas.options(geo25, "ward", within=areas.area_from_code(lad, geo25)),
                         "All wards", resets=())
        code = next((c for c in (ward, lad, region) if c != _ALL), areas.ENGLAND_CODE)
        area = areas.area_from_code(code, geo25)
        st.caption(f"Showing **{markdown_literal(area.label)}**, IMD {edition}. Wards and local "
                   "authorities are 2024 boundaries for both editions.")
        for layer, why in damaged_layers(edition).items():
            st.warning(f"Optional layer **{markdown_literal(layer)}** hidden: {literal_message(why)}",
                       icon=":material/layers_clear:")
    place = st.session_state.get("nm_place")
    if place is not None and place.area != area:  # the pickers moved elsewhere
        place = None
        st.session_state.pop("nm_place", None)
    st.session_state["nm_area"] = area
    st.session_state["nm_edition"] = edition
    st.query_params["area"] = area.code
    st.query_params["edition"] = edition
    for key in ("postcode", "lsoa"):
        want = place.query().get(key) if place is not None else None
        if want:
            st.query_params[key] = want
        elif key in st.query_params:
            del st.query_params[key]
    return Selection(area, edition, place)
