"""The area profile as a PDF evidence pack a bid writer can attach (one or two pages for an LSOA).

Page one: title, map of the area with the LSOA(s) outlined, key figures, the plain-English paragraph
and the chart of every domain against England. Then the detail (domains, sub-domains, both editions
side by side, people, extra measures, organisations, the list of LSOAs for a ward or local
authority), notes on reading the figures, and sources and licences with dates.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from needsmap.analysis.bands import short_band
from needsmap.analysis.profile import LsoaProfile
from needsmap.report import _content as c
from needsmap.report.pdf import MUTED, EvidencePDF
from needsmap.report.static_figures import area_map_png, domain_stack_png, domain_strip_png

__all__ = ["profile_pdf", "profile_figures"]

_BOUNDARY_NOTE = "Boundaries: Contains OS data © Crown copyright and database right."


def profile_figures(p: c.Profile, *, table: pd.DataFrame | None = None,
                    boundaries: Any = None) -> tuple[bytes, bytes]:
    """PNG bytes of the area map and the domain chart for a profile."""
    if isinstance(p, LsoaProfile):
        codes = [p.lsoa_code]
        focus = "lsoa"
        chart = domain_strip_png([(f.label, f.rank, f.decile, f.of) for f in (p.imd, *p.domains.values())])
    else:
        codes = [r["lsoa_code"] for r in p.lsoas]
        focus = p.kind
        rows = [("IMD (overall)", p.imd["pct_pop_by_decile"])]
        rows += [(f["label"], f["pct_pop_by_decile"]) for f in p.domains.values()]
        chart = domain_stack_png(rows)
    m = area_map_png(codes, edition=p.edition, focus=focus, table=table,  # type: ignore[arg-type]
                     boundaries=boundaries, size=(5.2, 4.6))
    return m, chart


def profile_pdf(p: c.Profile, *, table: pd.DataFrame | None = None, boundaries: Any = None,
                figures: tuple[bytes, bytes] | None = None) -> bytes:
    """The evidence pack as PDF bytes.

    Parameters
    ----------
    p
        An :class:`~needsmap.analysis.profile.LsoaProfile` or
        :class:`~needsmap.analysis.profile.AreaProfile`.
    table, boundaries
        The edition's LSOA table and boundaries, if already loaded (saves time).
    figures
        Map and chart PNGs from :func:`profile_figures`, if already drawn.
    """
    map_png, chart_png = figures or profile_figures(p, table=table, boundaries=boundaries)
    doc = EvidencePDF(title=c.heading(p), subtitle=c.subtitle(p),
                      footer_note=f"{p.title} · IMD {p.edition}")
    doc.add_page()

    # map on the left, key figures on the right
    y0 = doc.get_y()
    map_w = 88.0
    doc.image_png(map_png, width_mm=map_w, x=doc.l_margin,
                  caption=f"{'The LSOA' if isinstance(p, LsoaProfile) else 'The area'} outlined in "
                          f"red, in {p.local_authority}. Dashed lines: wards; solid: local authorities.")
    y_map = doc.get_y()
    doc.set_y(y0)
    doc.key_figures(c.key_figures(p), x=doc.l_margin + map_w + 4,
                    width=doc.content_width - map_w - 4, size=7.6, label_width=0.44)
    doc.set_y(max(y_map, doc.get_y()) + 1)

    header, bid = c.bid_rows(p)
    doc.keep_together(14 + 8 * (len(bid) + 1))
    doc.heading("Figures bids quote, with England's", size=11)
    doc.data_table(header[:4], [r[:4] for r in bid], widths=[3.4, 1.1, 1.9, 2.4], align="LRLL", size=7.3,
                   wrap=True)

    doc.heading("In plain English", size=11)
    doc.paragraph(p.summary, size=9.5, boxed=True)
    doc.image_png(chart_png, width_mm=doc.content_width * 0.96)

    lsoa = isinstance(p, LsoaProfile)
    header, rows = c.domain_rows(p)
    comparable = lsoa and len(header) == 6
    if lsoa:  # the band in few words: the heading says what it is
        header = [*header[:3], "Band (most deprived LSOAs)", *header[4:]]
        rows = [[*r[:3], short_band(r[3]), *r[4:]] for r in rows]
    doc.keep_together(14 + 4.7 * (len(rows) + 1))
    if lsoa:
        title = "Every domain" + (f", IMD {p.edition} and {p.other_edition['edition']}"  # type: ignore[union-attr]
                                  if comparable else "")
    else:
        title = "Every domain: residents' share in England's most deprived, population-weighted rank"
    doc.heading(title, size=11)
    if comparable:
        widths, align = [3.3, 0.9, 0.6, 1.6, 1.2, 1.9], "LRCLRL"
    elif lsoa:
        widths, align = [3.4, 1.3, 0.9, 2.0], "LRCL"
    else:
        widths, align = [2.9, 1.3, 2.05, 2.05], "LRRR"
    doc.data_table(header, rows, widths=widths, align=align, size=7.3)
    header, rows = c.subdomain_rows(p)
    if rows:
        if lsoa:
            header = [*header[:3], "Band (most deprived LSOAs)"]
            rows = [[*r[:3], short_band(r[3])] for r in rows]
        doc.data_table(header, rows, widths=widths[:4], align=align[:4], size=7.3)
    if lsoa:
        doc.paragraph(p.other_edition["note"], size=7.5, muted=True)  # type: ignore[union-attr]

    header, people = c.people_rows(p)
    # the CNI sub-scores stay in the Markdown and on the page; the PDF keeps to two pages
    extra = [r for r in c.extra_rows(p) if not r[0].startswith("CNI ")]
    if people or extra:
        doc.heading("People and other measures", size=11)
        y = doc.get_y()
        w = (doc.content_width - 5) / 2
        ages = [r for r in people if r[0].startswith("Aged")]
        rest = [r for r in people if not r[0].startswith("Aged")]
        rest += [[label, value, ""] for label, value, _ in extra]
        doc.data_table(header, ages, widths=[2.6, 1.6, 1.0], align="LRR", size=7, width=w)
        y_left = doc.get_y()
        doc.set_y(y)
        doc.data_table(["Census 2021 ethnic group; other", "This area", "England"], rest,
                       widths=[3.7, 0.9, 0.9], align="LRR", size=7, x=doc.l_margin + w + 5, width=w)
        doc.set_y(max(y_left, doc.get_y()))

    orgs = c.org_rows(p)
    if orgs is not None:
        radius = p.orgs["radius_m"] if p.orgs else 0
        doc.heading(f"Organisations inside and within {radius:,.0f} m", size=11)
        if orgs[1]:
            doc.data_table(orgs[0], orgs[1][:60], widths=[3.2, 1.6, 1.2, 1.0], align="LLLR", size=7.5)
        else:
            doc.paragraph("None of the chosen layer's organisations are inside or nearby.", size=8.5)

    doc.heading("How to read these figures", size=10)
    doc.bullets(c.notes(p), size=7.5)

    if not isinstance(p, LsoaProfile):
        doc.heading(f"The {p.n_lsoas} LSOAs, most deprived first (deciles: 1 = most deprived 10%)",
                    size=10)
        header, rows = c.lsoa_rows(p)
        doc.data_table(header, rows, widths=[1.35, 1.9, 1.0, 1.0, 0.8] + [0.85] * 7,
                       align="LLRRC" + "C" * 7, size=6.5)

    doc.set_text_color(*MUTED)
    # the postcode lookup's attribution already carries the OS notice
    doc.sources(p.sources, extra=[] if "nspl_centroids" in p.sources else [_BOUNDARY_NOTE])
    return doc.to_bytes()
