"""Accessibility statement (being written)."""

import streamlit as st

st.title("Accessibility statement")
