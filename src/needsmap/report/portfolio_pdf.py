"""Portfolio summary PDF: a funder's one-to-two-page account of where a set of organisations works."""

from __future__ import annotations

import io

from needsmap.analysis.portfolio import NOT_IN_DEMO, WARD_METHODS, PortfolioResult
from needsmap.report.pdf import EvidencePDF
from needsmap.types import england_lsoa_count

__all__ = ["decile_chart_png", "portfolio_pdf", "portfolio_sources"]

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
    ax.set_ylabel("% of placed organisations", fontsize=8.5)
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
    if ed == "2025":
        ids += ["census2021_ethnicity", "lsoa11_lsoa21_lookup"]
    else:
        ids += ["lsoa11_lsoa21_lookup"]
    if result.radius_km:
        ids.append("lsoa11_boundaries" if ed == "2019" else "lsoa21_boundaries")
    if result.at_risk_jobs_mean_pct is not None:
        ids += ["bres2018_jobs", "lsoa11_msoa11_lookup"]
    if layer_id in _LAYER_DATASETS:
        ids.append(_LAYER_DATASETS[layer_id])
    return ids


def _p(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}%"


def _england(result: PortfolioResult, key: str, suffix: str = "") -> str:
    """``England: 20.2% of LSOAs``, or that England's figure is not in the demo."""
    value = result.england.get(key)
    if value is None and result.scope != "England":
        return f"England: {NOT_IN_DEMO}"
    return f"England: {_p(value)}{suffix}"


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
                  f"of {result.organisations_total:,} organisations counted{radius}"),
        footer_note="needsmap portfolio summary",
    )
    doc.add_page()
    doc.heading("In plain English")
    doc.paragraph(" ".join(result.sentences()), boxed=True)

    doc.heading("Key figures")
    ward_how = "average IMD" if result.ward_method == "average" else "share in 20% most deprived"
    rows: list[tuple[str, str, str]] = [
        (f"Organisations in the {p}% most deprived LSOAs", _p(result.pct_orgs_in_most_deprived[p]),
         _england(result, f"pct_lsoas_in_{p}pct_most_deprived", " of LSOAs"))
        for p in (10, 20, 40, 50)
    ]
    rows.append((f"Organisations in the 50% most deprived wards (by {ward_how})",
                 _p(result.pct_orgs_in_50pct_most_deprived_wards),
                 _england(result, "pct_lsoas_in_50pct_most_deprived_wards", " of LSOAs")))
    rows.append(("Residents of the neighbourhoods served who live in the 20% most deprived LSOAs",
                 _p(result.pct_served_population_in_20pct_most_deprived),
                 f"{result.lsoas_served:,} LSOAs, {result.served_population:,.0f} residents. "
                 + _england(result, "pct_population_in_20pct_most_deprived")))
    rows.append(("Children (0–15) there in income-deprived households",
                 _p(result.children_income_deprived_pct),
                 _england(result, "children_income_deprived_pct")))
    if result.at_risk_jobs_mean_pct is not None:
        rows.append(("Mean share of local jobs in sectors shut down in 2020",
                     _p(result.at_risk_jobs_mean_pct),
                     _england(result, "at_risk_jobs_mean_pct")))
    doc.key_figures(rows, label_width=0.5)

    png = decile_chart_png(result)
    if doc.get_y() + 80 > doc.h - doc.b_margin:  # keep the heading with its chart
        doc.add_page()
    doc.heading("Organisations by IMD decile of their neighbourhood")
    doc.image_png(png, width_mm=160,
                  caption=f"Decile 1 = the 10% most deprived of England's "
                          f"{england_lsoa_count(result.edition):,} LSOAs. The dashed line is an even "
                          "spread (10% of LSOAs in each decile).")
    dt = result.decile_table()
    doc.data_table(["IMD decile", "Organisations", "% of organisations", "% of England's LSOAs"],
                   [[str(int(r["IMD decile"])), f"{int(r['organisations']):,}",
                     _p(r["% of organisations"]), _p(r["% of England's LSOAs"])]
                    for r in dt.to_dict("records")],
                   widths=[1, 1, 1, 1], align=["C", "R", "R", "R"])

    doc.heading("How the figures are made", size=11)
    where = "England" if result.scope == "England" else f"the {result.scope}"
    notes = [
        "Each organisation counts once, in the national decile of the LSOA its postcode (or "
        f"coordinates) falls in. Left out: organisations that could not be placed in {where} "
        f"({result.organisations_unplaced:,}) and those marked closed or listed twice "
        f"({result.organisations_excluded:,}).",
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
    if result.unplaced_reasons:
        top = sorted(result.unplaced_reasons.items(), key=lambda kv: -kv[1])[:6]
        notes.append("Not placed: " + "; ".join(f"{reason} ({n:,})" for reason, n in top) + ".")
    if result.excluded_reasons:
        notes.append("Left out: " + "; ".join(f"{reason} ({n:,})"
                                               for reason, n in result.excluded_reasons.items()) + ".")
    doc.bullets(notes, size=8.5)
    doc.sources(portfolio_sources(result, layer_id=layer_id))
    return doc.to_bytes()
