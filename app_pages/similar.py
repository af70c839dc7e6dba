"""Places like this one (being built)."""

import streamlit as st

st.title("Places like this")
