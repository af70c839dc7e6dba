"""What an evidence pack says, independent of its format: rows of figures and notes from a profile.

The PDF (:mod:`needsmap.report.profile_pdf`), the Markdown (:mod:`needsmap.report.markdown`) and the
dashboard page all render these, so every output states the same figures in the same words.
"""

from __future__ import annotations

from typing import Any

from needsmap.analysis.bands import bid_band
from needsmap.analysis.profile import (
    NOT_IN_DEMO,
    AreaProfile,
    LsoaProfile,
    Rate,
    decile_phrase,
    england_figures_missing,
)
from needsmap.measures import domain_measures, profile_rows
from needsmap.types import england_lsoa_count

Profile = LsoaProfile | AreaProfile
Row = tuple[str, str, str]

__all__ = ["BID_HEADER", "Profile", "bid_rows", "domain_rows", "edition_rows", "england_missing", "extra_rows", "heading",
           "key_figures", "lsoa_rows", "notes", "org_rows", "people_rows", "subdomain_rows", "subtitle"]


def _n(v: Any) -> str:
    return "n/a" if v is None else f"{v:,.0f}"


def _pct(v: Any, digits: int = 0) -> str:
    return "n/a" if v is None else f"{v:.{digits}f}%"


def heading(p: Profile) -> str:
    """Document title."""
    if isinstance(p, LsoaProfile):
        return f"Neighbourhood profile: {p.lsoa_name} ({p.lsoa_code})"
    return f"Area profile: {p.title}"


def subtitle(p: Profile) -> str:
    """One line under the title: edition, boundaries and where the area is."""
    if isinstance(p, LsoaProfile):
        pc = f"Postcode {p.postcode} · " if p.postcode else ""
        return (f"{pc}{p.ward} ward, {p.local_authority}, {p.region} · English Indices of "
                f"Deprivation {p.edition} ({p.vintage} boundaries)")
    return (f"{p.n_lsoas} neighbourhoods (LSOAs), {p.region} · English Indices of Deprivation "
            f"{p.edition} ({p.vintage} boundaries)")


def _rate_value(r: Rate) -> str:
    """The published (or same-period) rate, else the count: never a mismatched-period rate."""
    return r.value_text


def _england_rate(r: Rate) -> str:
    """``England 18.2%``, or why England's rate is not given."""
    return r.england_text


#: the England cell of a figure the demo cannot give exactly (explained in :func:`notes`)
_NO_ENGLAND = "–"


def _england_cell(v: Any) -> str:
    return _NO_ENGLAND if v is None else _pct(v, 1)


def england_missing(p: Profile) -> bool:
    """True when an England figure of the profile is not known (the demo without its reference)."""
    return england_figures_missing(p)


#: the bid figures' table heading
BID_HEADER = ["Figure", "This area", "Band", "England", "Source"]


def bid_rows(p: Profile) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the figures bids quote (:func:`needsmap.analysis.profile.bid_figures`)."""
    return BID_HEADER, [[f.label, f.value_text, f.band or "–", f.england_text, f.note] for f in p.bid]


def key_figures(p: Profile) -> list[Row]:
    """(label, value, note) rows for the key-figures table."""
    tot = england_lsoa_count(p.edition)
    if isinstance(p, LsoaProfile):
        rows: list[Row] = [
            ("IMD rank (1 = most deprived)", f"{_n(p.imd.rank)} of {tot:,}",
             f"{decile_phrase(p.imd.decile)} in England"),
            ("IMD decile", f"{p.imd.decile} of 10", "1 = most deprived 10%"),
        ]
        worst = min((f for f in p.domains.values() if f.rank), key=lambda f: f.rank or 0, default=None)
        if worst is not None:
            rows.append((f"Most deprived domain: {worst.label}", f"{_n(worst.rank)} of {tot:,}",
                         f"decile {worst.decile}"))
        h = p.domains["health"]
        rows.append(("Health deprivation and disability rank", f"{_n(h.rank)} of {tot:,}",
                     f"decile {h.decile}"))
        rows.append(("Residents", _n(p.population), "mid-2020" if p.edition == "2019" else "Census 2021"))
    else:
        rows = [
            ("Residents in the 10% most deprived LSOAs", _pct(p.imd["pct_pop_10pct_most_deprived"]),
             f"{p.imd['lsoas_10pct_most_deprived']} of {p.n_lsoas} LSOAs (England: about 10%)"),
            ("Residents in the 20% most deprived LSOAs", _pct(p.imd["pct_pop_20pct_most_deprived"]),
             f"{p.imd['lsoas_20pct_most_deprived']} of {p.n_lsoas} LSOAs (England: about 20%)"),
            ("Population-weighted average IMD rank", f"{_n(p.imd['pop_weighted_mean_rank'])} of {tot:,}",
             "1 = most deprived"),
        ]
        if p.imd.get("pop_weighted_mean_score") is not None:
            rows.append(("Population-weighted average IMD score", f"{p.imd['pop_weighted_mean_score']:.1f}",
                         "higher = more deprived"))
        rows.append(("Residents", _n(p.population), "mid-2020" if p.edition == "2019" else "Census 2021"))
    rows.append(("Children (0–15) in income-deprived families", _rate_value(p.idaci),
                 _england_rate(p.idaci)))
    rows.append(("People aged 60+ in income-deprived families", _rate_value(p.idaopi),
                 _england_rate(p.idaopi)))
    jobs = p.extra.get("at_risk_jobs_pct")
    if jobs and jobs.get("value") is not None:
        rows.append(("Jobs in sectors shut down in 2020", _pct(jobs["value"]),
                     "England about 26%"))
    return rows


def domain_rows(p: Profile) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the domain table (IMD first)."""
    tot = england_lsoa_count(p.edition)
    if isinstance(p, LsoaProfile):
        header = ["Measure", f"Rank of {tot:,}", "Decile", "Band"]
        figs = [p.imd, *p.domains.values()]
        rows = [[f.label, _n(f.rank), str(f.decile or "n/a"), bid_band(f.rank, p.edition)] for f in figs]
        o = p.other_edition
        if o.get("comparable"):
            header[1] = f"{p.edition} rank"
            header += [f"{o['edition']} (decile)", f"{min(p.edition, o['edition'])} → "
                       f"{max(p.edition, o['edition'])}"]
            both = edition_rows(p)
            for row, other, change in zip(rows, [o["imd"], *o["domains"].values()],
                                          [r[3] for r in (both[1] if both else [])], strict=True):
                row += [f"{_n(other['rank'])} ({other['decile']})", change]
        return header, rows
    header = ["Measure", "Weighted rank", "% in 10% most deprived", "% in 20% most deprived"]
    measures = [p.imd, *p.domains.values()]
    return header, [[m["label"], _n(m["pop_weighted_mean_rank"]),
                     _pct(m["pct_pop_10pct_most_deprived"], 1), _pct(m["pct_pop_20pct_most_deprived"], 1)]
                    for m in measures]


def subdomain_rows(p: Profile) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the sub-domain table."""
    if isinstance(p, LsoaProfile):
        return (["Sub-domain", "Rank", "Decile", "Band"],
                [[f.label, _n(f.rank), str(f.decile or "n/a"), bid_band(f.rank, p.edition)]
                 for f in p.subdomains.values()])
    return (["Sub-domain", "Weighted rank", "% in 10% most deprived", "% in 20% most deprived"],
            [[m["label"], _n(m["pop_weighted_mean_rank"]), _pct(m["pct_pop_10pct_most_deprived"], 1),
              _pct(m["pct_pop_20pct_most_deprived"], 1)] for m in p.subdomains.values()])


def edition_rows(p: LsoaProfile) -> tuple[list[str], list[list[str]]] | None:
    """Both editions side by side (only when the LSOA's boundary did not change)."""
    o = p.other_edition
    if not o.get("comparable"):
        return None
    e1, e2 = sorted([p.edition, o["edition"]])
    this = {"imd": p.imd, **p.domains}
    other = {"imd": o["imd"], **o["domains"]}

    def cell(f: Any) -> str:
        rank, dec, of = (f.rank, f.decile, f.of) if not isinstance(f, dict) else (f["rank"], f["decile"], f["of"])
        return "n/a" if rank is None else f"{rank:,} of {of:,} (decile {dec})"

    rows = []
    for m in (dm.id for dm in domain_measures()):
        a, b = (this[m], other[m]) if p.edition == e1 else (other[m], this[m])
        da: Any = a.decile if not isinstance(a, dict) else a["decile"]
        db: Any = b.decile if not isinstance(b, dict) else b["decile"]
        if da is None or db is None:
            change = "n/a"
        else:
            change = "same decile" if da == db else (
                f"{abs(db - da)} decile{'s' if abs(db - da) > 1 else ''} "
                + ("more deprived" if db < da else "less deprived"))
        label = this[m].label
        rows.append([label, cell(a), cell(b), change])
    return ["Measure", f"IMD {e1}", f"IMD {e2}", f"{e1} → {e2}"], rows


def people_rows(p: Profile) -> tuple[list[str], list[list[str]]]:
    """Age profile and Census 2021 ethnic make-up: header and rows (measure, here, England)."""
    rows: list[list[str]] = []
    age = p.age_profile
    if age:
        eng = age.get("england_bands_pct") or {}
        for band, pct in age["bands_pct"].items():
            rows.append([f"Aged {band}",
                         f"{_pct(pct, 1)} ({_n(age['bands'][band])})", _england_cell(eng.get(band))])
    if p.ethnicity:
        eng_e = p.ethnicity.get("england_pct") or {}
        for group, pct in p.ethnicity["pct"].items():
            rows.append([f"Ethnic group: {group}", _pct(pct, 1), _england_cell(eng_e.get(group))])
    est = ", estimated" if age and age.get("estimated") else ""
    return [f"Age (mid-2020{est})", "This area", "England"], rows


def extra_rows(p: Profile) -> list[Row]:
    """Extra measures loaded (at-risk jobs, furlough, Community Needs Index)."""
    out: list[Row] = []
    measure_of = {row.column: m for m, row in profile_rows()}
    for col, item in p.extra.items():
        v = item["value"]
        m = measure_of.get(col)
        if isinstance(v, str):  # a class's name (Rural-Urban Classification)
            text = v
        elif isinstance(v, bool):
            text = "yes" if v else "no"
        elif v is None:
            text = "n/a"
        elif m is not None and m.unit == "%":
            text = f"{v:.1f}%"
        elif col.endswith("_rank") or (m is not None and m.kind in ("flag", "count")):  # a rank; LSOAs flagged; people
            text = f"{v:,.0f}"
        else:
            text = f"{v:,.1f}"
        out.append((item["label"], text, ""))
    return out


def org_rows(p: Profile) -> tuple[list[str], list[list[str]]] | None:
    """Organisations inside and nearby, when an organisation layer was given."""
    if p.orgs is None:
        return None
    rows = []
    for where, items in (("inside", p.orgs["inside"]), ("nearby", p.orgs["nearby"])):
        for o in items:
            dist = "inside" if where == "inside" else f"{o.get('distance_m', 0):,.0f} m"
            rows.append([str(o.get("org_name", "")), str(o.get("org_category") or ""),
                         str(o.get("lsoa_code") or ""), dist])
    return ["Organisation", "Category", "LSOA", "Where"], rows


def lsoa_rows(p: AreaProfile) -> tuple[list[str], list[list[str]]]:
    """The area's LSOAs, most deprived first."""
    domains = [m for m in domain_measures() if m.id != "imd"]
    header = ["LSOA", "Name", "Residents", "IMD rank", "Decile", *(m.narrow_heading for m in domains)]
    rows = [[r["lsoa_code"], r["lsoa_name"], _n(r["population"]), _n(r["imd_rank"]),
             str(r["imd_decile"])] + [str(r.get(f"{m.id}_decile") or "") for m in domains]
            for r in p.lsoas]
    return header, rows


def notes(p: Profile) -> list[str]:
    """How to read the figures: translations, boundary changes, denominators, method."""
    out: list[str] = []
    if isinstance(p, LsoaProfile):
        if p.postcode_note:
            out.append(p.postcode_note)
        # a translated code is explained in the summary paragraph itself
    else:
        out.append(p.method)
        out.append("Wards and local authorities are the 2024 ones; LSOAs are assigned to them "
                   "best-fit (an LSOA 2011 through its best-fit LSOA 2021).")
    tot = england_lsoa_count(p.edition)
    out.append(f"Ranks run from 1 (most deprived) to {tot:,} (least deprived) across England's "
               "LSOAs (neighbourhoods of about 1,500 people). Deprivation is relative: a rank says "
               "how an area compares with the rest of England, not how many people are deprived.")
    out.append(p.idaci.note)
    if england_missing(p):
        out.append(f"England's figures shown as {_NO_ENGLAND} are {NOT_IN_DEMO}: the demo data "
                   f"holds the {p.region} only.")
    if p.age_profile:
        out.append(f"Ages: {p.age_profile['source']}.")
    if p.ethnicity and p.ethnicity.get("note"):
        out.append(p.ethnicity["note"])
    return out
