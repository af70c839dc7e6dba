"""Data sources: every dataset in the catalog, with publisher, licence, date, where to get it and its uses."""

import pandas as pd
import streamlit as st

from needsmap.data.catalog import DATASETS, data_version, get_dataset
from needsmap.data.status import dataset_rows, folder_summary
from needsmap.errors import NeedsmapError
from needsmap.export import download
from needsmap.measures import MEASURES, cni, how_made
from needsmap.ui.sources import download_panel
from needsmap.uses import dataset_uses

st.title("Data sources")
st.write(
    "Every figure in needsmap comes from one of these public datasets. needsmap reads them from its "
    "data folder (set `NEEDSMAP_DATA_DIR` to use another) and never changes them. "
    + folder_summary()
)
uses = dataset_uses()
rows = [
    {
        "Dataset": r["title"],
        "Date": r["date"],
        "Licence": r["licence"],
        "Present": r["present"],
        "Used for": "; ".join(uses.get(r["id"], [])),
        "Publisher": r["publisher"],
        "Download": r["download"],
        "Fetched": r["retrieved"],
        "SHA-256": r["sha256"],
        "About": r["page"],
        "Geography": r["geography"],
        "File": r["file"],
    }
    for r in dataset_rows()
]
st.dataframe(rows, hide_index=True, width="stretch", key="sources_table",
             column_config={"About": st.column_config.LinkColumn(),
                            "Dataset": st.column_config.TextColumn(width="large"),
                            "Licence": st.column_config.TextColumn(width="medium"),
                            "Present": st.column_config.TextColumn(width="small")})
st.download_button("Download this list (CSV)", **download("csv", lambda: pd.DataFrame(rows), stem="needsmap_data_sources"),
                   key="sources_csv")
missing_optional = [d for d in DATASETS if d.optional and not d.path.exists()]
if missing_optional:
    st.info("Optional layers not in the data folder, so hidden: "
            + "; ".join(d.title for d in missing_optional) + ".", icon=":material/info:")

download_panel()

st.subheader("Measures and how each is made")
groups: dict[str, list] = {}
for m in MEASURES.values():
    groups.setdefault(m.group, []).append(m)
for group, ms in groups.items():
    with st.expander(f"{group} ({len(ms)})"):
        for m in ms:
            unit = f" · unit: {m.unit}" if m.unit else ""
            st.markdown(f"**{m.label}** (`{m.id}`; editions {', '.join(m.editions)}{unit}) — {m.description}")
            st.caption("Source: " + "; ".join(
                next((d.title for d in DATASETS if d.id == i), i) for i in m.datasets))


@st.cache_data(show_spinner=False, max_entries=2)
def _left_behind_wards(version: str) -> dict[str, int]:
    """How the 225 official 'left behind' wards (2017 codes) match 2024 wards (``version``, the data folder's version, keys the cache)."""
    wards = cni.cni2019_wards()
    return wards.loc[wards["left_behind"], "match"].value_counts().to_dict()


with st.expander("How the further measures reach each neighbourhood"):
    st.markdown("How values reach each neighbourhood (LSOA):\n\n" + "\n".join(f"* {t}" for t in how_made()))
    if get_dataset("cni2019_wards").path.exists():
        try:
            matches = _left_behind_wards(data_version())
        except NeedsmapError as exc:
            st.warning(f"The 'left behind' wards cannot be matched: {exc}")
        else:
            st.markdown(
                "**Community Needs Index 2019 'left behind' wards** (Local Trust's official list, 2017 wards): "
                f"{matches.get('same code', 0)} keep their 2017 code in 2024 (same ward), {matches.get('same name', 0)} match "
                f"a 2024 ward of the same name in the same authority (boundary may differ) and {matches.get('none', 0)} "
                "have no 2024 match (wards redrawn since 2017)."
            )

with st.expander("Expected columns of each file"):
    for d in DATASETS:
        st.markdown(f"**{d.file}** — {', '.join(f'`{c}`' for c in d.columns)}")
        if d.notes:
            st.caption(d.notes)
