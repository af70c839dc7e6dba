"""``streamlit run`` entry serving the real dashboard (``app.py``, as ``serve.py`` does) with one step
deliberately broken: the summary under Explore's map raises a project error, which ``guard()`` shows as
an ``st.error`` box. The browser harness must fail on that page (tests/browser/test_harness_browser.py).

The patch applies only when the server's environment sets ``NEEDSMAP_TEST_BREAK_SUMMARY=1`` (the
``broken_server`` fixture does), so the tests import :data:`BROKEN` and :func:`broken_summary` from
here without breaking ``summary.summarise`` in their own process (tests/test_harness.py checks).
"""

import os
from pathlib import Path

import streamlit as st

from needsmap.analysis import summary
from needsmap.errors import ValidationError
from needsmap.ui.map_component import static_routes

BROKEN = "deliberately broken summary"


def broken_summary(*args: object, **kwargs: object) -> object:
    """Stands in for ``summary.summarise``: raises the project error :data:`BROKEN`."""
    raise ValidationError(BROKEN)


if os.environ.get("NEEDSMAP_TEST_BREAK_SUMMARY") == "1":
    summary.summarise = broken_summary  # type: ignore[assignment]
app = st.App(str(Path(__file__).resolve().parents[3] / "app.py"), routes=static_routes())
