"""``streamlit run`` entry for the tooltip-safety app, serving the static folder as ``serve.py`` does."""

import streamlit as st

from needsmap.ui.map_component import static_routes

app = st.App("tooltip_app.py", routes=static_routes())
