"""The demo banner: every page says so when needsmap runs on the embedded West Midlands extract."""

from __future__ import annotations

import streamlit as st

from needsmap.config import is_demo

#: what every page says in demo mode (tests and the CLI quote it)
BANNER = "Demo data: West Midlands only. Get all of England: Data sources → Download"
#: what is national in the demo and what is not: ranks and deciles are published per LSOA, and
#: England's shares and averages come from the reference the demo's manifest carries (worked out
#: from the full data when it was built); areas, maps and lists are the region's
CAVEAT = ("Ranks, deciles and every figure given for England are England's own, worked out from "
          "the full data; areas, maps and organisation lists cover the West Midlands only.")


def demo_banner() -> bool:
    """Show the demo banner when the data folder is the embedded demo; True when it was shown."""
    if not is_demo():
        return False
    st.info(f"{BANNER}\n\n{CAVEAT}", icon=":material/info:")
    return True


__all__ = ["BANNER", "CAVEAT", "demo_banner"]
