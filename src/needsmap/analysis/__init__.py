"""Analysis: pure functions on DataFrames and GeoDataFrames (no Streamlit)."""
