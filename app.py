"""needsmap dashboard: router only (page config, shared sidebar, navigation)."""

import streamlit as st

from needsmap.ui import guard, render_sidebar

st.set_page_config(page_title="needsmap", page_icon="🗺️", layout="wide")

PAGES = [
    st.Page("app_pages/explore.py", title="Explore need", icon="🗺️", default=True),
    st.Page("app_pages/organisations.py", title="Organisations", icon="📍"),
    st.Page("app_pages/gaps.py", title="Coverage gaps", icon="🕳️"),
    st.Page("app_pages/profile.py", title="Area profile", icon="📄"),
    st.Page("app_pages/portfolio.py", title="Portfolio", icon="📊"),
    st.Page("app_pages/change.py", title="Change 2019→2025", icon="↕️"),
    st.Page("app_pages/sources.py", title="Data sources", icon="📚"),
]

page = st.navigation(PAGES)
with guard():
    render_sidebar()
page.run()
