"""Placeholder page: being built."""

import streamlit as st

st.title("Portfolio")
st.info("This page is being built.")
