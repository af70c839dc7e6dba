"""A Birmingham LSOA map whose tooltips show hostile text, for the tooltip-safety browser test: a
category label of the LSOAs (filled in with textContent) and an organisation name in a point layer's
HTML tooltip (each value escaped into needsmap's template). With ``?broken=1`` the spec names a
tileset that is not there (the map must say so)."""

import pandas as pd
import streamlit as st

from needsmap import data
from needsmap.data.map_assets import tileset
from needsmap.ui.map_component import lsoa_map
from needsmap.viz import maps
from needsmap.viz.lsoa_map import build_lsoa_map, category_column

HOSTILE = '<img src=x onerror="document.title=\'XSS\'"> Tea & Toast'
POINT = (-1.8904, 52.4862)  # Victoria Square, Birmingham


def main() -> None:
    geo = data.load_geography("2025")
    codes = geo.index[geo["lad_code"] == "E08000025"]
    points = pd.DataFrame({"lon": [POINT[0]], "lat": [POINT[1]], "tip_title": [HOSTILE],
                           "tip_where": ["B1 1BB"], "tip_value": [HOSTILE], "tip_more": [""]})
    view = build_lsoa_map(
        tileset=tileset("2025"), lsoa_codes=codes, fill=[0] * len(codes), palette=[(49, 104, 142)],
        view={"longitude": POINT[0] + 0.03, "latitude": POINT[1], "zoom": 11.5},
        columns=[category_column("kind", [HOSTILE] * len(codes), [HOSTILE])],
        tooltip=[("b", "{kind}"), ("", "{lsoa_code}")],
        layers=[maps.points_layer(points, radius_px=40)],
    )
    spec = view.spec
    if st.query_params.get("broken"):
        spec = {**spec, "tileset": spec["tileset"].replace("/index.json.gz", "-gone/index.json.gz")}
    lsoa_map(spec, view.values, key="hostile_map", height=500)
    st.write("ready")


if __name__ == "__main__":  # as Streamlit runs it; the test imports only the constants
    main()
