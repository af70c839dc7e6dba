"""Portfolio summary PDF: a funder's one-to-two-page account of where a set of organisations works."""

from __future__ import annotations

import io

from fpdf.enums import XPos, YPos

from needsmap.analysis.portfolio import (
    MIN_HEADLINE_ROWS,
    MIN_HEADLINE_SHARE,
    NOT_IN_DEMO,
    WARD_METHODS,
    PortfolioResult,
    format_money,
)
from needsmap.data.lsoa_points import reference_point_datasets
from needsmap.orgs.levels import NSPL_FETCH
from needsmap.report.pdf import EvidencePDF
from needsmap.types import LSOA_VINTAGE, england_lsoa_count

__all__ = ["decile_chart_png", "portfolio_pdf", "portfolio_sources", "warning_box"]

#: organisation default layers → their catalog dataset (cited in the sources)
_LAYER_DATASETS = {"foodbanks": "orgs_givefood", "libraries": "orgs_libraries",
                   "charities_trafford": "orgs_charities_trafford",
                   "grants_trafford": "orgs_trafford_grants"}


def decile_chart_png(result: PortfolioResult) -> bytes:
    """PNG of the organisations-by-decile bar chart with England's even 10% line (matplotlib)."""
    # object-oriented Figure, not pyplot: the page builds this PDF on a worker thread when the
    # download button is clicked, and pyplot's global state is not thread-safe
    from matplotlib.figure import Figure

    from needsmap.viz.maps import DECILE_COLOURS

    deciles = list(range(1, 11))
    counts = [result.orgs_by_decile[d] for d in deciles]
    total = sum(counts)
    pct = [100 * c / total if total else 0.0 for c in counts]
    fig = Figure(figsize=(7.2, 2.9), dpi=100)
    ax = fig.add_subplot()
    ax.bar(deciles, pct, color=[tuple(v / 255 for v in DECILE_COLOURS[d - 1]) for d in deciles])
    for d, c, p in zip(deciles, counts, pct, strict=True):
        ax.text(d, p + 0.4, f"{c:,}\n({p:.0f}%)" if c else "0", ha="center", va="bottom",
                fontsize=7.5, zorder=3,
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.3, "alpha": 0.85})
    ax.step([0.5, *deciles, 10.5], [10, *[10] * 10, 10], where="mid", color="#c0392b",
            linestyle="--", linewidth=1.4, label="England: 10% of LSOAs in each decile")
    ax.set_xticks(deciles, ["1\nmost\ndeprived", *map(str, deciles[1:-1]), "10\nleast\ndeprived"],
                  fontsize=8)
    ax.set_xlim(0.5, 10.5)
    ax.set_ylim(0, max([*pct, 10.0]) * 1.35)
    ax.set_ylabel(f"% of placed {result.unit}", fontsize=8.5)
    ax.set_xlabel(f"IMD {result.edition} national decile of the organisation's LSOA", fontsize=8.5)
    ax.tick_params(axis="y", labelsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(fontsize=7.5, frameon=False, loc="upper right")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=200, bbox_inches="tight")
    return buf.getvalue()


def portfolio_sources(result: PortfolioResult, *, layer_id: str | None = None) -> list[str]:
    """Catalog ids of the datasets behind the figures."""
    ed = result.edition
    ids = [f"imd{ed}", f"imd{ed}_indicators", "population2020", "lsoa21_ward24_lookup"]
    if LSOA_VINTAGE[ed] == "lsoa21":  # LSOA 2021 residents come from the census
        ids.append("census2021_ethnicity")
    ids.append("lsoa11_lsoa21_lookup")
    if result.radius_km:  # the LSOAs' reference points: boundaries and population-weighted centroids
        ids += reference_point_datasets(LSOA_VINTAGE[ed])
    if result.at_risk_jobs_mean_pct is not None:
        ids += ["bres2018_jobs", "lsoa11_msoa11_lookup"]
    if layer_id in _LAYER_DATASETS:
        ids.append(_LAYER_DATASETS[layer_id])
    return ids


def _p(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}%"


def _area_names(area: dict[str, object]) -> str:
    names = [str(n) for n in area.get("names") or []]  # type: ignore[attr-defined]
    return ", ".join(names[:3]) + (f" and {len(names) - 3:,} more" if len(names) > 3 else "")


def _england(result: PortfolioResult, key: str, suffix: str = "") -> str:
    """``England: 20.2% of LSOAs``, or that England's figure is not in the demo."""
    value = result.england.get(key)
    if value is None and result.scope != "England":
        return f"England: {NOT_IN_DEMO}"
    return f"England: {_p(value)}{suffix}"


#: the warning box: dark red border and text on a pale red ground
_WARN_BORDER, _WARN_FILL, _WARN_INK = (192, 57, 43), (253, 237, 236), (120, 30, 20)


def warning_box(doc: EvidencePDF, warnings: tuple[str, ...] | list[str]) -> None:
    """A bordered box with one "Warning: …" paragraph per warning (nothing when there are none)."""
    if not warnings:
        return
    family, size = doc.font_family, 9.5
    doc.set_font(family, "B", size)
    doc.set_draw_color(*_WARN_BORDER)
    doc.set_fill_color(*_WARN_FILL)
    doc.set_text_color(*_WARN_INK)
    doc.set_line_width(0.6)
    doc.multi_cell(doc.content_width, size * 0.5 + 0.4,
                   "\n".join(f"Warning: {w}" for w in warnings), border=1, fill=True,
                   padding=(3, 3), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    doc.set_line_width(0.3)
    doc.set_text_color(0, 0, 0)
    doc.ln(2.5)


def _area_section(doc: EvidencePDF, result: PortfolioResult) -> None:
    """Rows known only by ward, local authority, region or country: one table row per area."""
    if result.area_only.empty:
        return
    u = result.unit
    doc.heading(f"{u.capitalize()} known only by area")
    doc.paragraph(f"These {u} name no postcode, point or LSOA, only a wider area, so they cannot be "
                  "put in a neighbourhood's decile. Each area is shown with the share of its "
                  "residents living in England's 20% most deprived LSOAs (England: "
                  f"{_p(result.england.get('pct_population_in_20pct_most_deprived'))}).", size=9)
    money = result.amount_total is not None
    header = ["Level", "Area", u.capitalize(), *(["Amount"] if money else []),
              "Residents in 20% most deprived"]
    rows = [[str(r["level"]), f"{r['area_name']} ({r['area_code']})", f"{int(r['rows']):,}",
             *([format_money(r["amount"])] if money else []),
             _p(None if r["pct_residents_in_20pct_most_deprived"] != r[
                 "pct_residents_in_20pct_most_deprived"] else r["pct_residents_in_20pct_most_deprived"])
             + (f" ({r['note']})" if r["note"] else "")]
            for r in result.area_only.head(40).to_dict("records")]
    widths = [1.0, 1.9, 0.6, *([0.8] if money else []), 2.2]
    doc.data_table(header, rows, widths=widths, align=["L", "L", "R", *(["R"] if money else []), "R"])
    if len(result.area_only) > 40:
        doc.paragraph(f"… and {len(result.area_only) - 40:,} more areas (see the CSV download).",
                      size=8.5, muted=True)


def portfolio_pdf(result: PortfolioResult, *, source_label: str, layer_id: str | None = None) -> bytes:
    """The portfolio summary as PDF bytes.

    Parameters
    ----------
    result
        Figures from :func:`needsmap.analysis.portfolio.portfolio_summary`.
    source_label
        What the organisations are (file name or default layer title); printed in the title.
    layer_id
        Default layer id, when the organisations are one, so its source is cited.
    """
    radius = f" · neighbourhoods within {result.radius_km:g} km" if result.radius_km else ""
    doc = EvidencePDF(
        title=f"Portfolio summary: {source_label}",
        subtitle=(f"English Indices of Deprivation {result.edition} · {result.organisations_placed:,} "
                  f"of {result.organisations_total:,} {result.unit} counted{radius}"),
        footer_note="needsmap portfolio summary",
    )
    doc.add_page()
    warning_box(doc, result.warnings)
    doc.heading("In plain English")
    doc.paragraph(" ".join(result.sentences()), boxed=True)

    doc.heading("Key figures")
    ward_how = "average IMD" if result.ward_method == "average" else "share in 20% most deprived"
    unit = result.unit.capitalize()
    area = result.own_area
    here = ("" if not area else
            f"Their area ({_area_names(area)}): "
            + "{}; ")
    rows: list[tuple[str, str, str]] = [
        (f"{unit} in the {p}% most deprived LSOAs", _p(result.pct_orgs_in_most_deprived[p]),
         here.format(_p(area.get(f"pct_lsoas_in_{p}pct_most_deprived")))
         + _england(result, f"pct_lsoas_in_{p}pct_most_deprived", " of LSOAs"))
        for p in (10, 20, 40, 50)
    ]
    if result.amount_rows_counted:
        rows += [(f"Money (placed {result.unit}) in the {p}% most deprived LSOAs",
                  _p(result.pct_amount_in_most_deprived.get(p)),
                  f"{format_money(result.amount_counted)} in {result.amount_rows_counted:,} "
                  f"{result.unit} with an amount. "
                  + _england(result, f"pct_lsoas_in_{p}pct_most_deprived", " of LSOAs"))
                 for p in (10, 20)]
    for level, f in result.area_only_figures.items():
        rows.append((f"Residents in the 20% most deprived LSOAs of the areas of {result.unit} "
                     f"known only by {level}", _p(f.get("pct_residents_in_20pct_most_deprived")),
                     f"{int(f['rows']):,} {result.unit}"
                     + (f", {format_money(f['amount'])}" if f.get("amount") is not None else "")
                     + (", weighted by amount" if f["weighted_by"] == "amount" else "")
                     + ". " + _england(result, "pct_population_in_20pct_most_deprived")))
    rows.append((f"{unit} in the 50% most deprived wards (by {ward_how})",
                 _p(result.pct_orgs_in_50pct_most_deprived_wards),
                 _england(result, "pct_lsoas_in_50pct_most_deprived_wards", " of LSOAs")))
    rows.append(("Residents of the neighbourhoods served who live in the 20% most deprived LSOAs",
                 _p(result.pct_served_population_in_20pct_most_deprived),
                 f"{result.lsoas_served:,} LSOAs, {result.served_population:,.0f} residents. "
                 + here.format(_p(area.get("pct_population_in_20pct_most_deprived")))
                 + _england(result, "pct_population_in_20pct_most_deprived")))
    rows.append(("Children (0–15) there in income-deprived households",
                 _p(result.children_income_deprived_pct),
                 _england(result, "children_income_deprived_pct")))
    if result.at_risk_jobs_mean_pct is not None:
        rows.append(("Mean share of local jobs in sectors shut down in 2020",
                     _p(result.at_risk_jobs_mean_pct),
                     _england(result, "at_risk_jobs_mean_pct")))
    doc.key_figures(rows, label_width=0.5)

    _area_section(doc, result)

    png = decile_chart_png(result)
    if doc.get_y() + 80 > doc.h - doc.b_margin:  # keep the heading with its chart
        doc.add_page()
    doc.heading(f"{unit} by IMD decile of their neighbourhood")
    doc.image_png(png, width_mm=160,
                  caption=f"Decile 1 = the 10% most deprived of England's "
                          f"{england_lsoa_count(result.edition):,} LSOAs. The dashed line is an even "
                          "spread (10% of LSOAs in each decile).")
    dt = result.decile_table()
    doc.data_table(["IMD decile", unit, f"% of {result.unit}", "% of England's LSOAs"],
                   [[str(int(r["IMD decile"])), f"{int(r['organisations']):,}",
                     _p(r["% of organisations"]), _p(r["% of England's LSOAs"])]
                    for r in dt.to_dict("records")],
                   widths=[1, 1, 1, 1], align=["C", "R", "R", "R"])

    doc.heading("How the figures are made", size=11)
    where = "England" if result.scope == "England" else f"the {result.scope}"
    u = result.unit
    notes = [
        result.counting_note(),
        f"Each of the {u} counts once, in the national decile of the LSOA its postcode (or "
        f"coordinates, or LSOA code) falls in. Left out: {u} that could not be placed in {where} "
        f"({result.organisations_unplaced:,}) and those marked closed or listed twice "
        f"({result.organisations_excluded:,}).",
        f"A figure resting on fewer than {MIN_HEADLINE_ROWS} {u}, or on under "
        f"{MIN_HEADLINE_SHARE:.0%} of them, is marked with a warning at the top.",
        f"Wards (2024 boundaries) are ranked by the {WARD_METHODS[result.ward_method]}; the 50% "
        "most deprived wards are the first half of that ranking.",
        "Neighbourhoods served: the LSOAs the organisations are in, each counted once"
        + (f", plus every LSOA whose centre is within {result.radius_km:g} km of one"
           if result.radius_km else "") + ".",
        "Children in income-deprived households: IDACI numerators (MHCLG) ÷ children aged 0–15 "
        "(ONS mid-2020 estimates" + (", apportioned to 2021 LSOAs by Census 2021 population"
                                     if result.edition == "2025" else "")
        + "), over LSOAs whose count is published (small counts are suppressed). The 2025 income "
        "measure is broader than 2019's, so the two editions' shares are not comparable.",
    ]
    if result.at_risk_jobs_mean_pct is not None:
        notes.append("At-risk jobs: share of jobs located in each LSOA's MSOA that are in "
                     "accommodation and food, arts and leisure, retail, and transport and storage "
                     "(BRES 2018), averaged over the neighbourhoods served.")
    if result.scope != "England":
        notes.append(f"Demo data: organisations and neighbourhoods of the {result.scope} only. "
                     "England's figures and ward ranks come from the full data (worked out when "
                     "the demo was built); any it lacks are marked as not in the demo.")
    if result.amount_rows_counted:
        notes.append(f"Money: the amount awarded of each placed {u[:-1]} in the LSOA's decile; "
                     f"{u} without an amount are left out of the money shares only.")
    if result.own_area:
        notes.append("Their area: the local authorities of the placed "
                     f"{u} and of those known only by local authority or ward.")
    if result.confidence_counts is None and result.organisations_placed:
        notes.append("How sure each placement is was not recorded for this list; a postcode "
                     "placed from the official postcode lookup (NSPL: "
                     f"{NSPL_FETCH}) is exact.")
    if result.unplaced_reasons:
        top = sorted(result.unplaced_reasons.items(), key=lambda kv: -kv[1])[:6]
        notes.append("Not placed: " + "; ".join(f"{reason} ({n:,})" for reason, n in top) + ".")
    if result.excluded_reasons:
        notes.append("Left out: " + "; ".join(f"{reason} ({n:,})"
                                               for reason, n in result.excluded_reasons.items()) + ".")
    doc.bullets(notes, size=8.5)
    doc.sources(portfolio_sources(result, layer_id=layer_id))
    return doc.to_bytes()
