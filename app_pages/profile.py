"""Placeholder page: being built."""

import streamlit as st

st.title("Profile")
st.info("This page is being built.")
