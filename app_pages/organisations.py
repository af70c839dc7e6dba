"""Placeholder page: being built."""

import streamlit as st

st.title("Organisations")
st.info("This page is being built.")
