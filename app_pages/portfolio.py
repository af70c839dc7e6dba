"""Portfolio (funder / network view): how far a set of organisations reaches the most deprived places."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from needsmap import areas
from needsmap.analysis import portfolio as pf
from needsmap.data.catalog import data_version
from needsmap.data.loaders import table_scope
from needsmap.export import download
from needsmap.report.portfolio_pdf import portfolio_pdf
from needsmap.types import Edition
from needsmap.ui import boundaries, guard, lsoa_table, selection
from needsmap.viz.portfolio_charts import decile_bar_chart


@st.cache_data(show_spinner=False, max_entries=2)
def _children(edition: Edition, version: str) -> pd.Series:
    """Children aged 0–15 per LSOA (``version``, the data folder's version, keys the cache)."""
    return pf.load_children_0_15(edition)


@st.cache_data(show_spinner="Measuring distances…", max_entries=2)
def _centroids(edition: Edition, version: str) -> pd.DataFrame:
    """The LSOA reference points (``version``, the data folder's version, keys the cache)."""
    return pf.lsoa_centroids(boundaries(edition))


def _layer() -> tuple[Any, str, str | None]:
    """The organisation layer: the shared picker, or a default-layer selectbox before it exists."""
    try:
        from needsmap.ui.orgs import org_layer_picker
    except ModuleNotFoundError:
        org_layer_picker = None  # type: ignore[assignment]
    if org_layer_picker is not None:
        imported = org_layer_picker(key="pf_layer")
        if imported is None:
            return None, "", None
        layer_id = st.session_state.get("orgs_layer_id")
        if isinstance(layer_id, str):
            from needsmap.orgs import DEFAULT_LAYERS

            label = DEFAULT_LAYERS[layer_id].title if layer_id in DEFAULT_LAYERS else layer_id
        else:
            label = str(getattr(imported, "filename", "") or "organisation list")
        return imported, label, layer_id if isinstance(layer_id, str) else None
    try:
        from needsmap import orgs
    except ModuleNotFoundError:
        return None, "", None
    if not hasattr(orgs, "load_default_layer"):
        return None, "", None
    layers = orgs.DEFAULT_LAYERS
    layer_id = str(st.selectbox("Organisation layer", list(layers), key="pf_default_layer",
                                format_func=lambda k: layers[k].title))
    return orgs.load_default_layer(layer_id), layers[layer_id].title, layer_id


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0f}%"


def _area_only_section(result: pf.PortfolioResult) -> None:
    """Rows known only by ward, local authority, region or country: their figures and one row per area."""
    if result.area_only.empty:
        return
    unit = result.unit
    st.subheader(f"{unit.capitalize()} known only by area")
    st.markdown("\n".join(f"- {s}" for s in result.area_only_sentences()))
    st.dataframe(result.area_only, hide_index=True, key="pf_area_only", column_config={
        "level": "level", "area_code": "code", "area_name": "area",
        "rows": st.column_config.NumberColumn(unit, format="%d"),
        "amount": st.column_config.NumberColumn("amount awarded", format="£%.0f"),
        "amounts_missing": st.column_config.NumberColumn("without an amount", format="%d"),
        "residents": st.column_config.NumberColumn("residents", format="%d"),
        "pct_residents_in_20pct_most_deprived": st.column_config.NumberColumn(
            "residents in 20% most deprived", format="%.1f%%"),
        "note": "note"})


def _metric(col: Any, label: str, value: float | None, england: float | None, help_: str,
            *, scope: str = "England") -> None:
    vs = (f"England: {pf.NOT_IN_DEMO}" if england is None and scope != "England"
          else f"England {_fmt(england)}")
    col.metric(label, _fmt(value), delta=vs, delta_color="off", delta_arrow="off", help=help_,
               border=True)


with guard():
    sel = selection()
    edition = sel.edition
    scope = table_scope(lsoa_table(edition))  # "England", or the demo's region
    where = "England" if scope == "England" else f"the {scope} (the only region in the demo data)"
    st.title("Portfolio")
    st.caption("For funders and networks: what share of a set of organisations — grantees, members, "
               "a default layer — works in England's most deprived places, compared with England "
               f"as a whole. IMD {edition} (change the edition in the sidebar). The figures cover "
               f"every organisation in {where} unless you tick the box to keep only those in the "
               "area chosen in the sidebar.")

    imported, label, layer_id = _layer()
    if imported is None:
        st.info("Choose a default layer or upload a list of organisations to see its portfolio.")
        st.stop()

    c1, c2 = st.columns(2)
    radius = c1.number_input(
        "Also count neighbourhoods within (km)", min_value=0.0, max_value=20.0, step=0.5,
        format="%.1f", key="pf_radius", help="0 = only the neighbourhoods (LSOAs) the organisations are in. "
                              "Otherwise every LSOA whose centre is within this distance of one.")
    ward_method = c2.radio(
        "Rank wards by", list(pf.WARD_METHODS), key="pf_ward_method", horizontal=True,
        format_func=lambda m: {"average": "average IMD (default)",
                               "share20": "share in 20% most deprived"}[m],
        help="; ".join(f"{k}: {v}" for k, v in pf.WARD_METHODS.items()))

    table = lsoa_table(edition)
    only_area = sel.area.level != "england" and st.checkbox(
        f"Only organisations in {sel.area.name} (the area chosen in the sidebar)", key="pf_only_area",
        help="England's figures stay national; the others count only organisations placed in "
             "this area.")
    result = pf.portfolio_summary(
        imported.table, table, edition=edition, children=_children(edition, data_version()),
        centroids=_centroids(edition, data_version()) if radius else None, radius_km=radius or None,
        ward_method=ward_method,
        within=areas.select(table, sel.area).index if only_area else None,
        within_label=sel.area.name)
    e = result.england
    unit = result.unit

    st.markdown(f"**{result.organisations_placed:,}** of **{result.organisations_total:,}** "
                f"{unit} counted (IMD {edition}): **{result.organisations_unplaced:,}** could "
                f"not be placed in {'England' if scope == 'England' else 'the ' + scope}, "
                f"**{result.organisations_excluded:,}** were left out "
                f"({', '.join(result.excluded_reasons) or 'none'}).")
    st.caption(result.counting_note())
    for warning in result.warnings:  # what a headline rests on, when that is too little
        st.warning(warning, icon=":material/warning:")
    if result.organisations_placed == 0:
        st.warning(f"None of these {unit} could be counted: none was placed in an English "
                   "neighbourhood" + (f" in {sel.area.name}" if only_area else "") + ".")
        _area_only_section(result)
        st.stop()

    st.markdown(f"##### Share of the {unit} in England's most deprived …")
    cols = st.columns(5)
    for col, p in zip(cols[:4], pf.THRESHOLDS, strict=True):
        _metric(col, f"{p}% of LSOAs", result.pct_orgs_in_most_deprived[p],
                e.get(f"pct_lsoas_in_{p}pct_most_deprived"),
                f"{unit.capitalize()} in LSOAs of national IMD deciles 1–{p // 10}. England: share "
                "of LSOAs (by definition).", scope=scope)
    _metric(cols[4], "50% of wards", result.pct_orgs_in_50pct_most_deprived_wards,
            e.get("pct_lsoas_in_50pct_most_deprived_wards"),
            f"Wards ranked by {pf.WARD_METHODS[result.ward_method]}. England: share of LSOAs "
            "in those wards.", scope=scope)
    if result.amount_rows_counted:
        st.markdown(f"##### Share of the money (amount awarded to the {result.amount_rows_counted:,} "
                    f"placed {unit} with an amount: {pf.format_money(result.amount_counted)}) in "
                    "England's most deprived …")
        mcols = st.columns(5)
        for col, p in zip(mcols[:4], pf.THRESHOLDS, strict=True):
            _metric(col, f"Money: {p}% of LSOAs", result.pct_amount_in_most_deprived.get(p),
                    e.get(f"pct_lsoas_in_{p}pct_most_deprived"),
                    f"Amount awarded to placed {unit} in LSOAs of IMD deciles 1–{p // 10}, as a "
                    f"share of the amount awarded to all placed {unit}.", scope=scope)
    area = result.own_area
    if area:
        names = ", ".join(area["names"][:6]) + (" …" if len(area["names"]) > 6 else "")
        st.markdown(f"##### Their area: the {area['local_authorities']:,} local "
                    f"{'authority' if area['local_authorities'] == 1 else 'authorities'} "
                    f"{'the grants go to' if result.grants else 'they are in'} ({names})")
        acols = st.columns(3)
        _metric(acols[0], "Their area: LSOAs in 20% most deprived",
                area.get("pct_lsoas_in_20pct_most_deprived"),
                e.get("pct_lsoas_in_20pct_most_deprived"),
                f"Share of the LSOAs of these local authorities in IMD deciles 1–2; compare with the "
                f"{unit}' share in the 20% most deprived LSOAs above.", scope=scope)
        _metric(acols[1], "Their area: residents in 20% most deprived",
                area.get("pct_population_in_20pct_most_deprived"),
                e.get("pct_population_in_20pct_most_deprived"),
                "Share of these local authorities' residents living in LSOAs of IMD deciles 1–2.",
                scope=scope)
        _metric(acols[2], f"{unit.capitalize()} in 20% most deprived",
                result.pct_orgs_in_most_deprived[20], e.get("pct_lsoas_in_20pct_most_deprived"),
                f"Placed {unit} in LSOAs of IMD deciles 1–2 (as above).", scope=scope)
    confidence = result.confidence_sentence()
    if confidence and result.uncertain_placed:
        st.info(confidence)
    elif confidence:
        st.caption(confidence)
    st.markdown(f"##### The {result.lsoas_served:,} neighbourhoods they serve "
                f"({result.served_population:,.0f} residents)")
    # a card with no figure tells nothing: without MHCLG's published rates the children's card goes,
    # and one line says what brings it
    kids = result.children_income_deprived_pct is not None or e.get("children_income_deprived_pct") is not None
    scols = st.columns(3 if kids else 2)
    _metric(scols[0], "Residents in 20% most deprived",
            result.pct_served_population_in_20pct_most_deprived,
            e.get("pct_population_in_20pct_most_deprived"),
            "Residents of the neighbourhoods served (each LSOA counted once) living in LSOAs of "
            "IMD deciles 1–2.", scope=scope)
    if kids:
        _metric(scols[1], "Children income-deprived", result.children_income_deprived_pct,
                e.get("children_income_deprived_pct"),
                "Children in income-deprived households: MHCLG's published IDACI rates of the served "
                "LSOAs, weighted by its child populations.", scope=scope)
    _metric(scols[-1], "Jobs in sectors shut in 2020", result.at_risk_jobs_mean_pct,
            e.get("at_risk_jobs_mean_pct"),
            "Mean share of local jobs in accommodation and food, arts and leisure, retail, "
            "transport and storage (BRES 2018) over the neighbourhoods served.", scope=scope)
    if not kids:
        st.caption(f"Children in income-deprived households: no rate without MHCLG's published IDACI rates "
                   f"(File 7), which are not in the data folder: `needsmap data fetch --only "
                   f"iod{edition}_file7` brings them.")

    st.subheader("In plain English")
    st.markdown("\n".join(f"- {s}" for s in result.sentences()))

    _area_only_section(result)

    st.subheader(f"{unit.capitalize()} by IMD decile of their neighbourhood")
    left, right = st.columns([3, 2])
    left.plotly_chart(decile_bar_chart(result.orgs_by_decile, edition=edition,
                                       england_pct={d: e.get(f"pct_lsoas_decile_{d}")
                                                    for d in range(1, 11)}),
                      key="pf_chart")
    pct = st.column_config.NumberColumn(format="%.1f%%")
    right.dataframe(result.decile_table(), hide_index=True, key="pf_decile_table",
                    column_config={"IMD decile": st.column_config.NumberColumn("decile", width="small"),
                                   "organisations": st.column_config.NumberColumn("orgs"),
                                   "% of organisations": st.column_config.NumberColumn(
                                       "% of orgs", format="%.1f%%"),
                                   "% of England's LSOAs": st.column_config.NumberColumn(
                                       "% England", format="%.0f%%")})

    st.subheader("Compared with England")
    st.dataframe(result.figures_table(), hide_index=True, key="pf_figures",
                 column_config={"organisations": st.column_config.NumberColumn(unit, format="%.1f%%"),
                                "their area": pct, "England": pct})
    if result.unplaced_reasons:
        with st.expander(f"Why {result.organisations_unplaced:,} {unit} were not placed"):
            st.dataframe(pd.DataFrame(list(result.unplaced_reasons.items()),
                                      columns=["reason", "organisations"]), hide_index=True)

    stem = f"portfolio_{layer_id or 'organisations'}_imd{edition}"
    d1, d2, d3, d4 = st.columns(4)
    d1.download_button("Figures (CSV)", **download("csv", lambda: result.figures_table(), stem=f"{stem}_figures"),
                       key="pf_dl_figures")
    # eager: a disabled button has no deferred file (and an empty table costs nothing)
    d4.download_button("Known only by area (CSV)", **download("csv", result.area_only, stem=f"{stem}_areas"),
                       key="pf_dl_areas", disabled=result.area_only.empty)
    d2.download_button(f"{unit.capitalize()} with their LSOA and decile (CSV)",
                       **download("csv", lambda: result.organisations, stem=f"{stem}_organisations"), key="pf_dl_orgs")
    d3.download_button("Portfolio summary (PDF)",
                       **download("pdf", lambda: portfolio_pdf(result, layer_id=layer_id,
                                                               source_label=f"{label} in {sel.area.name}"
                                                               if only_area else label), stem=stem),
                       key="pf_dl_pdf")
