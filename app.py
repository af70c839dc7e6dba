"""needsmap dashboard: router only (page config, shared sidebar, navigation)."""

from pathlib import Path

import streamlit as st

from needsmap.ui import guard, render_sidebar

ICON = Path(__file__).resolve().parent / "assets" / "favicon.png"
st.set_page_config(page_title="needsmap", page_icon=str(ICON), layout="wide")

PAGES = [
    st.Page("app_pages/explore.py", title="Explore need", icon=":material/map:", default=True),
    st.Page("app_pages/organisations.py", title="Organisations", icon=":material/location_on:"),
    st.Page("app_pages/gaps.py", title="Coverage gaps", icon=":material/crisis_alert:"),
    st.Page("app_pages/profile.py", title="Area profile", icon=":material/description:"),
    st.Page("app_pages/portfolio.py", title="Portfolio", icon=":material/bar_chart:"),
    st.Page("app_pages/change.py", title="Change 2019→2025", icon=":material/swap_vert:"),
    st.Page("app_pages/sources.py", title="Data sources", icon=":material/menu_book:"),
]

page = st.navigation(PAGES)
with guard():
    render_sidebar()
page.run()
