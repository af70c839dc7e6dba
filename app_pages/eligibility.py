"""Eligibility checker: which applicants are in neighbourhoods that meet a funder's deprivation rules."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from needsmap.analysis import eligibility as el
from needsmap.data.catalog import get_dataset
from needsmap.export import download, excel_export
from needsmap.safe_text import markdown_literal
from needsmap.types import LSOA_VINTAGE, VINTAGE_LABEL
from needsmap.ui import guard, lsoa_table, selection
from needsmap.ui.eligibility import rules_form, rules_from_url
from needsmap.ui.orgs import confidence_note, org_layer_picker

KEY = "elig"

st.title("Eligibility checker")
st.caption("Set a programme's rules — IMD or domain deciles or ranks, with another threshold for rural "
           "neighbourhoods if you wish — then drop in a list of applicants with postcodes or LSOA codes. "
           "Every row comes back marked eligible or not, with the reason in words.")
with guard():
    sel = selection()
    rules_from_url(KEY)
    st.subheader("Rules")
    ruc = "urban_rural" in lsoa_table(sel.edition).columns
    rules = rules_form(KEY, default_edition=sel.edition, ruc=ruc)
    if not ruc:
        st.caption("Rural thresholds need the Rural-Urban Classification file (geography/lsoa21_ruc21.csv; "
                   "Data sources page).")
    query = rules.to_query()
    st.query_params[el.QUERY_PARAM] = query  # the page's address is the link to these rules
    st.info(markdown_literal(rules.describe()), icon=":material/rule:")
    base = str(st.context.url or "eligibility").split("?")[0]
    l1, l2 = st.columns([3, 1], vertical_alignment="bottom")
    with l1:
        st.caption("Link to these rules (copy it with the button at its right):")
        st.code(f"{base}?{el.QUERY_PARAM}={query}", language=None)
    l2.download_button("Download the rules (JSON)", **download("json", lambda: rules.to_dict(), stem="eligibility_rules"),
                       key="elig_dl_rules", icon=":material/download:")

    st.subheader("Your list")
    result = org_layer_picker(KEY)
    if result is None:
        st.stop()
    table = lsoa_table(rules.edition)
    checked = el.check_list(result.table, rules, table, input_columns=result.columns)
    n = el.counts(checked)
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Rows in the list", f"{n['rows']:,}")
    c2.metric("Eligible", f"{n['eligible']:,}")
    c3.metric("Not eligible", f"{n['not_eligible']:,}")
    c4.metric("Not placed", f"{n['not_placed']:,}")
    sure = confidence_note(result)
    if sure:
        st.info(sure, icon=":material/my_location:")
    vintage = VINTAGE_LABEL[LSOA_VINTAGE[rules.edition]]
    st.caption(f"IMD {rules.edition} ({vintage}); rank 1 = most deprived in England. Rows that could not be "
               "placed are kept with the reason and a blank Eligible.")
    show = st.radio("Show", ["all", "Yes", "No", "not placed"], key="elig_show", horizontal=True,
                    format_func={"all": "Every row", "Yes": "Eligible", "No": "Not eligible",
                                 "not placed": "Not placed"}.get)
    view = checked if show == "all" else checked[checked[el.OUT_ELIGIBLE] == ("" if show == "not placed" else show)]
    st.dataframe(view, hide_index=True, width="stretch", height=min(38 + 35 * max(len(view), 1), 760),
                 column_config={el.OUT_REASON: st.column_config.TextColumn(width="large")})
    missed = el.not_placed(checked)
    stem = f"eligibility_imd{rules.edition}"
    sources = pd.DataFrame({"Source": [get_dataset(f"imd{rules.edition}").citation(),
                                       *([get_dataset("lsoa21_ruc21").citation()] if ruc else []),
                                       get_dataset("nspl_centroids").citation(), result.label]})
    rules_sheet = pd.DataFrame({"Rules": [rules.describe(), f"Link value: {query}"]})
    d1, d2, d3 = st.columns(3)
    d1.download_button("Download every row (CSV)", **download("csv", lambda: checked, stem=stem), key="elig_dl_csv")
    xlsx = excel_export({"Checked": checked, "Not placed": missed, "Rules": rules_sheet, "Sources": sources})
    d2.download_button("Download every row (Excel)", **download("xlsx", lambda: xlsx, stem=stem), key="elig_dl_xlsx")
    if len(missed):
        d3.download_button(f"Download the {len(missed):,} rows not placed (CSV)",
                           **download("csv", lambda: missed, stem=f"{stem}_not_placed"), key="elig_dl_missed")
    for note in xlsx.notes:
        d2.caption(markdown_literal(note))
    st.caption("Sources: " + " · ".join(markdown_literal(s) for s in sources["Source"]))
