"""A one-point map whose tooltip shows hostile text, for the tooltip-safety browser test."""

import pandas as pd
import streamlit as st

from needsmap.viz import maps

HOSTILE = '<img src=x onerror="document.title=\'XSS\'"> Tea & Toast'
points = pd.DataFrame({"lon": [-1.9], "lat": [52.48], "org_name": [HOSTILE]})
deck = maps.make_deck(
    [maps.points_layer(points, radius_px=40)],
    maps.view_for_bounds([-1.95, 52.45, -1.85, 52.51], width_px=600, height_px=400),
    tooltip_html="<b>{org_name}</b>", height=400,
)
st.pydeck_chart(deck, width=600, height=400)
st.write("ready")
