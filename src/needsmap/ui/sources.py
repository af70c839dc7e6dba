"""Data sources page glue: the Download panel that fetches the publishers' files with a progress bar."""

from __future__ import annotations

import os

import pandas as pd
import streamlit as st

from needsmap.config import SHARED_DATA_DIR, data_dir, fetch_dir
from needsmap.data import fetch as fx
from needsmap.data.sources import SOURCES

#: environment variable giving the Download panel's default mirror (an organisation's copy)
MIRROR_ENV = "NEEDSMAP_MIRROR"


def download_panel() -> None:
    """Offer to download and convert every publisher file needsmap lacks, showing progress."""
    target = fetch_dir()
    todo = fx.select_sources(None, target)
    size = f" ({fx.TOTAL_DOWNLOAD} to download)"
    st.subheader("Download all of England")
    st.write(
        f"needsmap can download the publishers' own files{size} — MHCLG, ONS, Nomis — convert "
        f"them and keep them in `{target}`, with a manifest of where each came from. "
        + (f"{len(todo)} of {len(SOURCES)} downloads are still to do." if todo
           else "Every download needsmap can make is already there.")
    )
    if target != data_dir() and data_dir() == SHARED_DATA_DIR:
        st.caption(f"This checkout reads `{SHARED_DATA_DIR}`; set `NEEDSMAP_DATA_DIR={target}` "
                   "to use the downloaded copy instead.")
    mirror = st.text_input(
        "Mirror (optional)", value=os.environ.get(MIRROR_ENV, ""), key="src_mirror",
        help="A web address or folder holding the same files by name (an organisation's internal "
             "copy). Leave empty to download from the publishers.",
    ).strip()
    force = st.checkbox("Download everything again", key="src_force")
    if not st.button("Download", key="src_fetch", type="primary", icon=":material/download:"):
        return
    bar = st.progress(0.0, text="Starting…")

    def progress(message: str, fraction: float) -> None:
        bar.progress(min(max(fraction, 0.0), 1.0), text=message)

    try:
        outcomes = fx.fetch(target, mirror=mirror or None, force=force, progress=progress)
    except fx.FetchError as exc:
        st.error(f"Download stopped: {exc}")
        return
    failed = [o for o in outcomes if not o.ok]
    if outcomes:
        st.dataframe(pd.DataFrame([
            {"Download": o.source, "Datasets": ", ".join(o.datasets),
             "Result": "ok" if o.ok else "failed", "Details": o.message if not o.ok else
             ", ".join(f"{d}: {n:,} rows" for d, n in o.rows.items())}
            for o in outcomes]), hide_index=True, width="stretch", key="src_fetch_results")
    if failed:
        st.warning(f"{len(failed)} of {len(outcomes)} download(s) failed; the files they would "
                   "replace are unchanged. The table says why.")
    else:
        st.success(f"Done: the data is in `{target}`. Reload the page to use it.")
