"""Eligibility checker (being built)."""

import streamlit as st

st.title("Eligibility checker")
