"""Area profile: the citable picture of a postcode, LSOA, ward or local authority, as PDF or Markdown."""

from __future__ import annotations

import dataclasses

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from needsmap import areas
from needsmap.analysis import profile as pr
from needsmap.analysis.place_search import Place
from needsmap.data.catalog import data_version
from needsmap.export import download
from needsmap.report import _content as content
from needsmap.report.markdown import md_table, profile_markdown
from needsmap.report.pdf import sources_lines
from needsmap.report.profile_pdf import profile_figures, profile_pdf
from needsmap.safe_text import markdown_literal
from needsmap.types import Edition
from needsmap.ui import boundaries, geography, guard, lsoa_table, selection
from needsmap.viz import profile_charts as charts

KINDS = {"postcode": "Postcode", "lsoa": "Neighbourhood (LSOA)", "ward": "Ward", "lad": "Local authority"}


@st.cache_data(show_spinner="Building the profile…", max_entries=16)
def _profile(kind: str, key: str, edition: Edition, version: str) -> pr.LsoaProfile | pr.AreaProfile:
    """The profile of ``key`` (``version``, the data folder's version, keys the cache)."""
    table = lsoa_table(edition)
    if kind == "postcode":
        return pr.lsoa_profile(postcode=key, edition=edition, table=table)
    if kind == "lsoa":
        return pr.lsoa_profile(key, edition=edition, table=table)
    return pr.area_profile(key, edition=edition, table=table)


@st.cache_data(show_spinner="Drawing the map and chart…", max_entries=16)
def _figures(kind: str, key: str, edition: Edition, version: str) -> tuple[bytes, bytes]:
    """The profile's map and chart as PNG (``version``, the data folder's version, keys the cache)."""
    return profile_figures(_profile(kind, key, edition, version), table=lsoa_table(edition),
                           boundaries=boundaries(edition))


def _here_only(fig: go.Figure) -> go.Figure:
    """A this-area-against-England bar chart without its (empty) England bars."""
    fig.data = fig.data[:1]
    return fig


def _age_figure(prof: pr.LsoaProfile | pr.AreaProfile) -> go.Figure:
    """The age chart; without England's bars when they are not known (the demo, no reference)."""
    if prof.age_profile.get("england_bands_pct"):
        return charts.age_figure(prof)
    bare = dataclasses.replace(prof, age_profile={**prof.age_profile, "england_bands_pct": {}})
    return _here_only(charts.age_figure(bare))


def _label(df: pd.DataFrame, code: str) -> str:
    r = df.loc[code]
    return f"{r['lsoa_name']} ({code}) — IMD decile {r['imd_decile']}"


def _follow_search(place: Place | None) -> None:
    """A postcode or LSOA found by the sidebar's search box opens here: fill it in, once per search."""
    if place is None or st.session_state.get("profile_followed") == place:
        return
    st.session_state["profile_followed"] = place
    if place.postcode:
        st.session_state["profile_kind"] = "postcode"
        st.session_state["profile_postcode"] = place.postcode
    elif place.lsoa:
        st.session_state["profile_kind"] = "lsoa"
        st.session_state["profile_lsoa_code"] = place.lsoa["lsoa21"]


def _choose(sel_area: areas.Area, edition: Edition) -> tuple[str, str] | None:
    """Widgets choosing what to profile; returns (kind, key) or None when nothing is chosen yet."""
    if "profile_kind" not in st.session_state:  # the page opens on postcode entry
        st.session_state["profile_kind"] = "postcode"
    kind = st.radio("Profile of", list(KINDS), format_func=KINDS.get, key="profile_kind", horizontal=True)
    geo = geography("2025")
    if kind == "postcode":
        pc = st.text_input("Postcode in England", key="profile_postcode", placeholder="e.g. B31 2LB")
        return ("postcode", pc.strip()) if pc.strip() else None
    if kind == "lsoa":
        within = sel_area if sel_area.level in ("lad", "ward") else areas.area_from_code(areas.DEFAULT_AREA_CODE, geo)
        t = areas.select(lsoa_table(edition), within).sort_values("imd_rank")
        c1, c2 = st.columns([3, 2])
        code = c1.selectbox(f"LSOA in {within.label} (most deprived first)", t.index.tolist(),
                            format_func=lambda c: _label(t, c), key="profile_lsoa")
        typed = c2.text_input("…or type any LSOA code (2011 or 2021)", key="profile_lsoa_code",
                              placeholder="e.g. E01009219")
        if typed.strip():
            st.caption(f"Showing the code you typed, {markdown_literal(typed.strip(), limit=40)}; "
                       "clear it to use the list.")
        return "lsoa", (typed.strip() or str(code))
    if kind == "ward":
        ward_within = sel_area if sel_area.level in ("lad", "ward", "region") else None
        if sel_area.level == "ward":
            ward_within = areas.area_from_code(areas.parents(sel_area, geo)["lad"], geo)
        opts = areas.options(geo, "ward", within=ward_within)
        names = dict(zip(opts["code"], opts["name"], strict=True))
        codes = opts["code"].tolist()
        if st.session_state.get("profile_ward") not in codes:
            st.session_state["profile_ward"] = sel_area.code if sel_area.level == "ward" else codes[0]
        ward = st.selectbox("Ward" + (f" in {ward_within.label}" if ward_within else ""), codes,
                            format_func=lambda c: f"{names[c]} ({c})", key="profile_ward")
        return "ward", str(ward)
    opts = areas.options(geo, "lad")
    names = dict(zip(opts["code"], opts["name"], strict=True))
    codes = opts["code"].tolist()
    if st.session_state.get("profile_lad") not in codes:
        lad = sel_area.code if sel_area.level == "lad" else areas.parents(sel_area, geo).get("lad")
        st.session_state["profile_lad"] = lad if lad in codes else areas.DEFAULT_AREA_CODE
    lad = st.selectbox("Local authority", codes, format_func=lambda c: names[c], key="profile_lad")
    return "lad", str(lad)


st.title("Area profile")
st.caption("A one-page, citable profile of a neighbourhood, ward or local authority for a bid or a "
           "report: deprivation on every domain, people, and sources — download it as PDF or Markdown.")
with guard():
    sel = selection()
    _follow_search(sel.place)
    chosen = _choose(sel.area, sel.edition)
    if chosen is None:
        st.info("Type a postcode to see the profile of the neighbourhood it is in.")
        st.stop()
    kind, key = chosen
    prof = _profile(kind, key, sel.edition, data_version())
    with st.expander("Organisations inside and nearby (optional)"):
        orgs_on = st.toggle("Show organisations from a list", key="profile_orgs_on")
        if orgs_on:
            from needsmap.ui.orgs import org_layer_picker

            layer = org_layer_picker("profile")
            st.session_state.setdefault("profile_radius", 1000)  # a saved view may set it
            radius = st.slider("Nearby means within (metres)", 250, 5000, step=250, key="profile_radius")
            if layer is not None and len(layer.placed):
                codes = [prof.lsoa_code] if isinstance(prof, pr.LsoaProfile) else [r["lsoa_code"] for r in prof.lsoas]
                prof.orgs = pr.orgs_near(layer.placed, codes, edition=sel.edition, radius_m=radius,
                                         boundaries=boundaries(sel.edition))

    st.header(content.heading(prof).split(": ", 1)[1])
    st.markdown(f"*{content.subtitle(prof)}*")
    for note in ([prof.postcode_note] if isinstance(prof, pr.LsoaProfile) and prof.postcode_note else []) + \
            ([prof.translation.note] if isinstance(prof, pr.LsoaProfile) and prof.translation else []):
        st.info(note)

    map_png, _ = _figures(kind, key, sel.edition, data_version())
    st.subheader("Figures bids quote")
    header, bid = content.bid_rows(prof)
    cols = st.columns(len(bid), border=True)
    for col, fig in zip(cols, prof.bid, strict=True):
        # written out, not st.metric: a metric cuts its label and value to one line ("1,325 of 33,7…")
        col.markdown(f"**{markdown_literal(fig.label)}**", help=markdown_literal(fig.note))
        col.markdown(f"### {markdown_literal(fig.value_text)}")
        if fig.band:
            col.markdown(f":violet-badge[{markdown_literal(fig.band)}]")
        col.caption(markdown_literal(fig.england_text))
    with st.expander("The same figures as a table"):
        st.dataframe(pd.DataFrame(bid, columns=header), hide_index=True, width="stretch",
                     key="profile_bid_table")
    left, right = st.columns([5, 6])
    left.image(map_png, caption=f"Outlined in red, in {prof.local_authority}; colours: IMD {sel.edition} "
               "decile. Dashed lines: wards.", width="stretch")
    with right:
        st.markdown(md_table(["Figure", "Value", "Note"], content.key_figures(prof), align="LRL"))
        st.markdown("**In plain English** — copy it with the button at the top right of the box")
        st.code(prof.summary, language=None, wrap_lines=True)
        c1, c2 = st.columns(2)
        stem = f"needsmap_profile_{key.replace(' ', '').replace(',', '_')}_{sel.edition}"
        table, figs = lsoa_table(sel.edition), _figures(kind, key, sel.edition, data_version())
        # built when clicked (a local authority's pack lists hundreds of LSOAs)
        c1.download_button("PDF evidence pack",
                           **download("pdf", lambda: profile_pdf(prof, table=table, figures=figs), stem=stem),
                           key="profile_dl_pdf", icon=":material/picture_as_pdf:")
        c2.download_button("Markdown", **download("markdown", lambda: profile_markdown(prof), stem=stem),
                           key="profile_dl_md", icon=":material/description:")

    st.subheader("Every domain against England")
    if isinstance(prof, pr.LsoaProfile):
        st.plotly_chart(charts.domain_position_figure(prof), width="stretch", key="profile_chart_domains")
    else:
        eng = pr.england_pct_by_decile(lsoa_table(sel.edition))
        st.plotly_chart(charts.decile_stack_figure(prof, england=eng), width="stretch",
                        key="profile_chart_domains")
        if eng is None:
            st.caption(f"England's residents by decile: {pr.NOT_IN_DEMO}.")
    tabs = st.tabs(["Domains and sub-domains", "People", "Other measures", "Organisations",
                    *([] if isinstance(prof, pr.LsoaProfile) else ["LSOAs"]), "Notes and sources"])
    with tabs[0]:
        for header, rows in (content.domain_rows(prof), content.subdomain_rows(prof)):
            st.dataframe(pd.DataFrame(rows, columns=header), hide_index=True, width="stretch")
        if isinstance(prof, pr.LsoaProfile):
            (st.success if prof.other_edition["comparable"] else st.warning)(prof.other_edition["note"])
    with tabs[1]:
        header, people = content.people_rows(prof)
        c1, c2 = st.columns(2)
        c1.plotly_chart(_age_figure(prof), width="stretch", key="profile_chart_age")
        if prof.ethnicity:
            e = prof.ethnicity
            eng_e = e.get("england_pct")
            fig = charts.compare_bars_figure(
                list(e["pct"]), list(e["pct"].values()),
                [eng_e[g] for g in e["pct"]] if eng_e else [None] * len(e["pct"]),
                title="Ethnic group, Census 2021")
            c2.plotly_chart(fig if eng_e else _here_only(fig), width="stretch", key="profile_chart_eth")
        st.dataframe(pd.DataFrame(people, columns=header), hide_index=True, width="stretch")
        if pr.england_figures_missing(prof):
            st.caption(f"England's figures shown as – are {pr.NOT_IN_DEMO}.")
        st.markdown("**Income deprivation by age**")
        for r in (prof.idaci, prof.idaopi):
            # a rate only when it can be right (published, or over a same-date population), else
            # the count and why there is no rate
            st.markdown(f"- {r.label}: **{r.value_text}** ({r.england_text}). {r.note}")
    with tabs[2]:
        extra = content.extra_rows(prof)
        if extra:
            st.dataframe(pd.DataFrame([r[:2] for r in extra], columns=["Measure", "Value"]),
                         hide_index=True, width="stretch")
        else:
            st.info("No extra measures (at-risk jobs, Community Needs Index) are loaded for this edition.")
    with tabs[3]:
        org = content.org_rows(prof)
        if org is None:
            st.info("Turn on 'Organisations inside and nearby' above and pick a list to see them here.")
        elif not org[1]:
            st.info("None of the chosen list's organisations are inside or nearby.")
        else:
            st.dataframe(pd.DataFrame(org[1], columns=org[0]), hide_index=True, width="stretch")
    if not isinstance(prof, pr.LsoaProfile):
        with tabs[4]:
            header, rows = content.lsoa_rows(prof)
            st.dataframe(pd.DataFrame(rows, columns=header), hide_index=True, width="stretch")
    with tabs[-1]:
        for note in content.notes(prof):
            st.markdown(f"- {note}")
        st.markdown("**Sources and licences**")
        for line in sources_lines(prof.sources):
            st.caption(line)
