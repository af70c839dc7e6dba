"""Streamlit glue: cached loaders, the shared sidebar selection and error display.

This is the only part of the package (besides ``pages/``) that imports Streamlit. Loaders are cached
here, at the edge, keyed by simple arguments; analysis functions stay pure.
"""

from needsmap.ui.orgs import org_layer_picker
from needsmap.ui.state import (
    Selection,
    boundaries,
    geography,
    guard,
    lad_boundaries,
    lsoa_table,
    render_sidebar,
    selection,
    show_error,
    show_warning,
    ward_boundaries,
)

__all__ = [
    "Selection",
    "boundaries",
    "geography",
    "guard",
    "lad_boundaries",
    "lsoa_table",
    "org_layer_picker",
    "render_sidebar",
    "selection",
    "show_error",
    "show_warning",
    "ward_boundaries",
]
