"""Registers: organisation lists a team keeps up to date, saved in the workspace's database."""

from __future__ import annotations

import streamlit as st

from needsmap.safe_text import markdown_literal
from needsmap.ui import guard
from needsmap.ui.account import active_workspace, needs_signin, signin_button
from needsmap.ui.registers import (
    delete_section,
    export_section,
    flash,
    make_register,
    members_section,
    merge_section,
    pick_register,
    use_register,
)

st.title("Registers")
st.caption("A register is an organisation list your team keeps up to date: import the spreadsheet once, "
           "then merge each new version (new, changed and gone organisations are shown before anything "
           "is saved), fix postcodes and close organisations on the Organisations page. Every change "
           "is kept with who made it and when, and every page can use the register as its list.")
with guard():
    if needs_signin():
        st.info("Sign in to see your team's registers.")
        signin_button("reg_signin")
        st.stop()
    ws = active_workspace()
    if ws is None:
        st.stop()
    flash()
    members_section(ws)
    info = pick_register(ws)
    if info is not None:
        c1, c2 = st.columns([1, 2])
        if c1.button("Use it on every page", key="reg_use", type="primary", icon=":material/check:"):
            use_register(ws, info.name)
            st.switch_page("app_pages/organisations.py", query_params=st.query_params.to_dict())
        c2.caption(f"{info.rows:,} organisations ({info.closed_rows:,} closed), from "
                   f"{markdown_literal(info.source_file or 'an import')}; made by "
                   f"{markdown_literal(info.created_by)}.")
        merge_tab, export_tab, delete_tab = st.tabs(["Import a new version", "Export and history", "Delete"])
        with merge_tab:
            merge_section(ws, info)
        with export_tab:
            export_section(ws, info)
        with delete_tab:
            delete_section(ws, info)
    st.subheader("Make a register")
    make_register(ws)
