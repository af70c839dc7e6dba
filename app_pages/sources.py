"""Data sources: every dataset in the catalog, with publisher, licence, date and where to get it."""

import streamlit as st

from needsmap.config import data_dir
from needsmap.data.catalog import DATASETS

st.title("Data sources")
st.write(
    "Every figure in needsmap comes from one of these public datasets. needsmap reads them from the "
    f"data folder `{data_dir()}` (set `NEEDSMAP_DATA_DIR` to use another) and never changes them."
)
rows = [
    {
        "Dataset": d.title,
        "Publisher": d.publisher,
        "Date": d.date,
        "Geography": d.geography,
        "Licence": d.licence + (f" — {d.attribution}" if d.attribution else ""),
        "Download from": d.url,
        "File": d.file,
        "Present": "yes" if d.path.exists() else ("missing (optional)" if d.optional else "MISSING"),
    }
    for d in DATASETS
]
st.dataframe(rows, hide_index=True, width="stretch",
             column_config={"Download from": st.column_config.LinkColumn()})
with st.expander("Expected columns of each file"):
    for d in DATASETS:
        st.markdown(f"**{d.file}** — {', '.join(f'`{c}`' for c in d.columns)}")
        if d.notes:
            st.caption(d.notes)
