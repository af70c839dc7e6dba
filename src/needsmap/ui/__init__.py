"""Streamlit glue: cached loaders, the shared sidebar selection and error display.

This is the only part of the package (besides ``pages/``) that imports Streamlit. Loaders are cached
here, at the edge, keyed by simple arguments; analysis functions stay pure. The names below load on
first use (PEP 562), so importing one submodule (e.g. the map component, from ``serve.py``) does not
set up the cached loaders before Streamlit's runtime exists.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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


def __getattr__(name: str) -> Any:
    if name == "org_layer_picker":
        return importlib.import_module("needsmap.ui.orgs").org_layer_picker
    if name in __all__:
        return getattr(importlib.import_module("needsmap.ui.state"), name)
    raise AttributeError(f"module 'needsmap.ui' has no attribute {name!r}")
