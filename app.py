"""needsmap dashboard: router only (page config, shared sidebar, navigation)."""

from pathlib import Path

import streamlit as st

from needsmap.data.catalog import missing_datasets
from needsmap.errors import NeedsmapError
from needsmap.ui import render_sidebar
from needsmap.ui.account import account_sidebar
from needsmap.ui.demo import demo_banner
from needsmap.ui.mobile import close_sidebar_after_navigation
from needsmap.ui.views import go_to_view_page, restore_view, view_sidebar

ICON = Path(__file__).resolve().parent / "assets" / "favicon.png"
st.set_page_config(page_title="needsmap", page_icon=str(ICON), layout="wide")

PAGES = [
    st.Page("app_pages/explore.py", title="Explore need", icon=":material/map:", default=True),
    st.Page("app_pages/organisations.py", title="Organisations", icon=":material/location_on:"),
    st.Page("app_pages/gaps.py", title="Coverage gaps", icon=":material/crisis_alert:"),
    st.Page("app_pages/profile.py", title="Area profile", icon=":material/description:"),
    st.Page("app_pages/portfolio.py", title="Portfolio", icon=":material/bar_chart:"),
    st.Page("app_pages/change.py", title="Change 2019→2025", icon=":material/swap_vert:"),
    st.Page("app_pages/similar.py", title="Places like this", icon=":material/join_inner:"),
    st.Page("app_pages/eligibility.py", title="Eligibility checker", icon=":material/fact_check:"),
    st.Page("app_pages/registers.py", title="Registers", icon=":material/inventory_2:"),
    st.Page("app_pages/sources.py", title="Data sources", icon=":material/menu_book:"),
    st.Page("app_pages/accessibility.py", title="Accessibility", icon=":material/accessibility:"),
]

restore_view()  # ?view=ID: the saved view's settings go in place before anything draws
page = st.navigation(PAGES)
go_to_view_page(page, PAGES)  # a saved view opens on its own page
demo_banner()  # on every page when running on the embedded West Midlands extract
try:
    render_sidebar()
except NeedsmapError as exc:
    missing = missing_datasets()
    more = f" In all, {len(missing)} required file(s) are missing." if len(missing) > 1 else ""
    st.error(f"{exc}{more} The Data sources page lists every file and where to download it.")
    if page.url_path != "sources":  # the one page that helps fix it still runs
        st.stop()
account_sidebar()  # sign-in deployments: who, and which workspace
view_sidebar(page)  # "Save this view" and its link
close_sidebar_after_navigation(page.url_path)  # phones: show the page the sidebar led to
page.run()
