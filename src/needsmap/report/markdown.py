"""The area profile as Markdown: the same figures and words as the PDF, to paste into a bid or wiki.

Every text that comes from data or from a user's file (area and organisation names, postcodes, notes
quoting them) and every table cell goes through :func:`needsmap.safe_text.markdown_literal`, so a
name such as ``<img src=x onerror=…>`` or ``[link](http://x)`` reads as typed in any Markdown
viewer, HTML-rendering ones included. Only the document's own structure (headings, tables, lists,
emphasis) and the data catalogue's citations (with their web addresses) are Markdown.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from needsmap.analysis.profile import LsoaProfile
from needsmap.report import _content as c
from needsmap.report.pdf import sources_lines
from needsmap.safe_text import markdown_literal

__all__ = ["profile_markdown", "md_table"]


_esc = markdown_literal


def md_table(header: Sequence[str], rows: Sequence[Sequence[object]], *, align: str = "") -> str:
    """A GitHub-flavoured Markdown table (``align``: one of L/R/C per column).

    Every heading and cell is shown literally (:func:`needsmap.safe_text.markdown_literal`): a ``|``
    cannot break the table and no cell text becomes a link, image or HTML.
    """
    marks = {"L": ":---", "R": "---:", "C": ":---:"}
    al = [marks.get(a, "---") for a in (align or "L" * len(header))]
    lines = ["| " + " | ".join(_esc(h) for h in header) + " |", "| " + " | ".join(al) + " |"]
    lines += ["| " + " | ".join(_esc(x) for x in r) + " |" for r in rows]
    return "\n".join(lines)


def profile_markdown(p: c.Profile, *, made_on: date | None = None) -> str:
    """The evidence pack as a Markdown document."""
    out: list[str] = [f"# {_esc(c.heading(p))}", "", f"*{_esc(c.subtitle(p))}*", ""]
    out += ["## Key figures", "",
            md_table(["Figure", "Value", "Note"], c.key_figures(p), align="LRL"), ""]
    header, bid = c.bid_rows(p)
    out += ["## Figures bids quote", "", md_table(header, bid, align="LRLLL"), ""]
    out += ["## In plain English", "", _esc(p.summary), ""]
    header, rows = c.domain_rows(p)
    out += ["## Every domain", "", md_table(header, rows, align="LRCL" + "RL"[: len(header) - 4]), ""]
    header, rows = c.subdomain_rows(p)
    if rows:
        out += [md_table(header, rows, align="LRCL"), ""]
    if isinstance(p, LsoaProfile):
        # when comparable, the domain table above already sets both editions side by side
        out += [f"**IMD {_esc(p.other_edition['edition'])}:** {_esc(p.other_edition['note'])}", ""]
    header, people = c.people_rows(p)
    if people:
        out += ["## People", "", md_table(header, people, align="LRR"), ""]
    extra = c.extra_rows(p)
    if extra:
        out += ["## Other measures", "", md_table(["Measure", "Value"], [r[:2] for r in extra], align="LR"), ""]
    orgs = c.org_rows(p)
    if orgs is not None:
        radius = p.orgs["radius_m"] if p.orgs else 0
        out += [f"## Organisations inside and within {radius:,.0f} m", ""]
        out += [md_table(orgs[0], orgs[1], align="LLLR") if orgs[1] else "None found.", ""]
    if not isinstance(p, LsoaProfile):
        header, rows = c.lsoa_rows(p)
        out += [f"## The {p.n_lsoas} LSOAs, most deprived first", "",
                md_table(header, rows, align="LLRRC" + "C" * 7), ""]
    out += ["## How to read these figures", ""] + [f"- {_esc(n)}" for n in c.notes(p)] + [""]
    out += ["## Sources and licences", ""]
    # the catalogue's own citations (no user or file text): their web addresses stay links
    out += [f"- {line}" for line in sources_lines(p.sources, extra=[
        "Boundaries: Contains OS data © Crown copyright and database right."])]
    out += ["", f"*Made {(made_on or date.today()):%-d %B %Y} with needsmap.*", ""]
    return "\n".join(out)
