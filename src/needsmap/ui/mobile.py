"""Phones: the sidebar closes after navigating or searching, so the page it led to is seen.

On a narrow screen Streamlit opens the sidebar over the page and leaves it there after a page link
or a search is used: the user sees the sidebar, not what they asked for. After such a step,
:func:`close_sidebar_after_navigation` adds a few lines of script that press the sidebar's own
"Collapse sidebar" button when the window is narrower than Streamlit's mobile breakpoint. Wider
screens, and reruns from the sidebar's other widgets (choosing a region, then a council), are left
alone.
"""

from __future__ import annotations

import streamlit as st

#: Streamlit's own breakpoint below which the sidebar overlays the page (pixels)
MOBILE_MAX_WIDTH_PX = 768
#: session key set by the search box when it found a place (read once here)
SEARCHED_KEY = "nm_searched"

_SCRIPT = """<script>
/* needsmap: close the sidebar on a phone after navigating ({n}) */
(function () {{
  if (window.innerWidth >= {width}) return;
  const bar = document.querySelector('[data-testid="stSidebar"]');
  if (!bar || bar.getAttribute("data-collapsed") !== "false") return;
  const button = document.querySelector('[data-testid="stSidebarCollapseButton"] button');
  if (button) button.click();
}})();
</script>"""


def close_sidebar_after_navigation(page_key: str) -> bool:
    """On a phone, close the sidebar when this run follows a page change or a search.

    Parameters
    ----------
    page_key
        The page being shown (``st.navigation(...).url_path``).

    Returns
    -------
    bool
        Whether the closing script was added to this run (the browser decides by its width).
    """
    last = st.session_state.get("nm_last_page")
    searched = bool(st.session_state.pop(SEARCHED_KEY, False))
    st.session_state["nm_last_page"] = page_key
    if last is None or (last == page_key and not searched):
        return False
    n = st.session_state["nm_close_n"] = int(st.session_state.get("nm_close_n", 0)) + 1
    # the count makes each script new, so the browser runs it again
    st.html(_SCRIPT.format(n=n, width=MOBILE_MAX_WIDTH_PX), unsafe_allow_javascript=True)
    return True


__all__ = ["MOBILE_MAX_WIDTH_PX", "SEARCHED_KEY", "close_sidebar_after_navigation"]
