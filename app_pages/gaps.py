"""Placeholder page: being built."""

import streamlit as st

st.title("Gaps")
st.info("This page is being built.")
