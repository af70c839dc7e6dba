"""Placeholder page: being built."""

import streamlit as st

st.title("Change")
st.info("This page is being built.")
