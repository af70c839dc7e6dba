"""Organisation points for the maps: one dot per organisation, or one sized circle per local authority.

The rows carry the shared tooltip fields of :mod:`needsmap.viz.choropleth` (``tip_title`` …) as plain
text: Streamlit HTML-escapes each value when it fills the tooltip template, so uploaded names are
shown as text and never run as HTML (escaping them first would show ``&amp;`` to the user).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pydeck as pdk

from needsmap.viz.maps import RGB, records

#: categorical colours that stand out on the viridis shading (no greens, blues or yellows); the three
#: commonest categories get colours that read on both the darkest and the lightest deciles
CATEGORY_COLOURS: tuple[RGB, ...] = (
    (255, 99, 20), (255, 105, 180), (200, 0, 0), (255, 255, 255), (0, 0, 0),
    (255, 190, 120), (120, 60, 0), (180, 120, 255),
)
OTHER_COLOUR: RGB = (150, 150, 150)
#: most categories given their own colour; the rest share "other"
MAX_CATEGORIES = len(CATEGORY_COLOURS)


def category_colours(categories: pd.Series) -> tuple[pd.Series, list[tuple[str, RGB]]]:
    """A colour per row by category (commonest first) and the legend entries."""
    cats = categories.astype("string").fillna("(no category)")
    order = cats.value_counts().index.tolist()
    keep = order[:MAX_CATEGORIES] if len(order) > MAX_CATEGORIES else order
    lookup = {c: CATEGORY_COLOURS[i] for i, c in enumerate(keep)}
    # plain lists in an object column (a pyarrow list column would reach the browser as text)
    colours = pd.Series([list(lookup.get(c, OTHER_COLOUR)) for c in cats], index=cats.index, dtype=object)
    legend = [(str(c), lookup[c]) for c in keep]
    if len(order) > len(keep):
        legend.append(("other", OTHER_COLOUR))
    return colours, legend


def _text(s: pd.Series) -> pd.Series:
    return s.astype(object).where(s.notna(), "").astype(str)


def point_layer(orgs: pd.DataFrame, *, radius_px: float = 6) -> tuple[pdk.Layer, list[tuple[str, RGB]]]:
    """One dot per organisation (needs ``lat``, ``lon``, ``org_name``; uses ``org_category``,
    ``org_postcode``, ``lsoa_name``, ``ward_name``, ``lad_name``, ``org_closed`` when present)."""
    pts = orgs[orgs["lat"].notna() & orgs["lon"].notna()]
    cats = pts["org_category"] if "org_category" in pts.columns else pd.Series(pd.NA, index=pts.index)
    colours, legend = category_colours(cats)
    blank = pd.Series("", index=pts.index, dtype=object)

    def col(name: str) -> pd.Series:
        return _text(pts[name]) if name in pts.columns else blank

    closed = (pts["org_closed"].astype("boolean").fillna(False).astype(bool)
              if "org_closed" in pts.columns else pd.Series(False, index=pts.index))
    frame = pd.DataFrame({
        "lon": pts["lon"].round(5).to_numpy(), "lat": pts["lat"].round(5).to_numpy(),
        "colour": colours.to_numpy(),
        "tip_title": col("org_name").to_numpy(),
        "tip_where": (col("org_postcode") + " · " + col("lsoa_name") + " · " + col("ward_name")).to_numpy(),
        "tip_value": ("Category: " + _text(cats)).where(cats.notna(), "").to_numpy(),
        "tip_more": np.where(closed, "Marked closed in the source list", ""),
    })
    layer = pdk.Layer(
        "ScatterplotLayer", records(frame), id="org-points", get_position=["lon", "lat"],
        get_fill_color="colour", get_line_color=[20, 20, 20], stroked=True, line_width_min_pixels=1,
        radius_units="'pixels'", get_radius=radius_px, radius_min_pixels=3, radius_max_pixels=10,
        pickable=True, auto_highlight=True,
    )
    return layer, legend


def lad_bubble_layer(counts: pd.DataFrame, *, label: str = "organisations") -> pdk.Layer:
    """One circle per local authority sized by how many organisations it has (area ∝ count).

    ``counts``: ``lad_name``, ``count``, ``lat``, ``lon`` (``analysis.org_profile.aggregate_by_lad``).
    """
    c = counts.copy()
    top = max(float(c["count"].max()) if len(c) else 1.0, 1.0)
    frame = pd.DataFrame({
        "lon": c["lon"].round(4).to_numpy(), "lat": c["lat"].round(4).to_numpy(),
        "radius": (3 + 22 * np.sqrt(c["count"].to_numpy(dtype=float) / top)).round(1),
        "tip_title": _text(c["lad_name"]).to_numpy(),
        "tip_where": "",
        "tip_value": [f"{int(n):,} {label} placed here" for n in c["count"]],
        "tip_more": "Zoom into a local authority (sidebar) to see each organisation.",
    })
    layer = pdk.Layer(
        "ScatterplotLayer", records(frame), id="org-bubbles", get_position=["lon", "lat"],
        get_fill_color=[255, 99, 20, 190], get_line_color=[20, 20, 20], stroked=True,
        line_width_min_pixels=1, radius_units="'pixels'", get_radius="radius", pickable=True,
        auto_highlight=True,
    )
    return layer


__all__ = ["CATEGORY_COLOURS", "category_colours", "lad_bubble_layer", "point_layer"]
