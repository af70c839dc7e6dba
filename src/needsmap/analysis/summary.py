"""Summaries of a selection of LSOAs for one measure: counts, shares in England's most deprived, tables."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from needsmap.data.loaders import (
    geography_datasets,
    is_national,
    reference_figure,
    require_national,
    table_scope,
)
from needsmap.measures import MEASURES, Measure, View, domain_measures, get_measure
from needsmap.types import LSOA_VINTAGE, Edition, england_lsoa_count, other_edition

#: domains whose deciles every display table lists (IMD first), with their column headings (the registry's)
TABLE_DOMAINS: tuple[tuple[str, str], ...] = tuple((m.id, m.table_heading) for m in domain_measures())
def geography_sources(edition: Edition) -> tuple[str, ...]:
    """Catalog datasets behind every Explore view, besides the measure's own: the LSOA boundaries,
    what :func:`~needsmap.data.loaders.load_geography` reads, and the local authority outlines."""
    return (f"{LSOA_VINTAGE[edition]}_boundaries", *geography_datasets(edition), "ltla24_boundaries")


@dataclass(frozen=True)
class SelectionSummary:
    """How many LSOAs and residents a selection has, and how many are in England's worst 10% / 20%.

    Attributes
    ----------
    measure
        The measure summarised.
    edition
        IMD edition of the table.
    n_lsoas, residents
        LSOAs in the selection and their residents (population of the edition's table).
    lsoas_10, lsoas_20
        LSOAs among England's 10% / 20% most deprived (highest need) on the measure; ``None`` when the
        measure has no national scale to judge by (e.g. a yes/no flag, or no national table given).
    residents_10, residents_20
        Residents of those LSOAs.
    flagged, residents_flagged
        For a yes/no measure (e.g. 'left behind'): LSOAs flagged "yes" and their residents.
    no_scale_reason
        Why ``lsoas_10`` is ``None`` when the measure does have a national scale (the demo has no
        England cut-off for it); empty otherwise.
    """

    measure: Measure
    edition: Edition
    n_lsoas: int
    residents: int
    lsoas_10: int | None = None
    lsoas_20: int | None = None
    residents_10: int | None = None
    residents_20: int | None = None
    flagged: int | None = None
    residents_flagged: int | None = None
    no_scale_reason: str = ""

    @staticmethod
    def _share(part: int | None, whole: int) -> float | None:
        return None if part is None or not whole else part / whole

    @property
    def share_lsoas_10(self) -> float | None:
        """Share (0–1) of the selection's LSOAs in England's worst 10%."""
        return self._share(self.lsoas_10, self.n_lsoas)

    @property
    def share_lsoas_20(self) -> float | None:
        """Share (0–1) of the selection's LSOAs in England's worst 20%."""
        return self._share(self.lsoas_20, self.n_lsoas)

    @property
    def share_residents_10(self) -> float | None:
        """Share (0–1) of the selection's residents living in England's worst 10% of LSOAs."""
        return self._share(self.residents_10, self.residents)

    @property
    def share_residents_20(self) -> float | None:
        """Share (0–1) of the selection's residents living in England's worst 20% of LSOAs."""
        return self._share(self.residents_20, self.residents)

    def as_dict(self) -> dict[str, object]:
        """Plain figures (for JSON, CSV or a key-figure table)."""
        return {
            "measure": self.measure.id, "edition": self.edition, "lsoas": self.n_lsoas,
            "residents": self.residents, "lsoas_worst_10pct": self.lsoas_10,
            "lsoas_worst_20pct": self.lsoas_20, "residents_worst_10pct": self.residents_10,
            "residents_worst_20pct": self.residents_20, "share_lsoas_worst_10pct": self.share_lsoas_10,
            "share_lsoas_worst_20pct": self.share_lsoas_20,
            "share_residents_worst_10pct": self.share_residents_10,
            "share_residents_worst_20pct": self.share_residents_20,
            "lsoas_flagged": self.flagged, "residents_flagged": self.residents_flagged,
        }


def _measure(measure: Measure | str) -> Measure:
    return get_measure(measure) if isinstance(measure, str) else measure


#: the shares whose England cut-offs a regional extract carries (those :func:`summarise` uses)
REFERENCE_SHARES = (0.1, 0.2)


def _share_key(share: float) -> str:
    return f"{share:g}"


def _value_column(m: Measure, cols: set[str]) -> str | None:
    """The column :func:`worst_share_mask` judges ``m`` by when it has no decile or rank."""
    return m.id if m.id in cols else (f"{m.id}_score" if f"{m.id}_score" in cols else None)


def value_cutoff(national: pd.DataFrame, measure: Measure | str, share: float) -> float | None:
    """England's cut-off for the ``share`` of LSOAs with most need on a plain value or score.

    The value at or beyond which an LSOA is among them: the ``1 − share`` quantile of ``national``
    (the whole England table) when higher is worse, else the ``share`` quantile. For a regional
    table (the demo) it comes from the table's England reference; ``None`` when there is none, or the
    measure is a yes/no flag or absent.
    """
    m = _measure(measure)
    col = _value_column(m, set(national.columns))
    if col is None or pd.api.types.is_bool_dtype(national[col]):
        return None
    if not is_national(national):
        ref = reference_figure(national, "value_cutoffs", col, _share_key(share))
        return float(ref) if isinstance(ref, int | float) else None
    ref_values = pd.to_numeric(national[col], errors="coerce").dropna()
    if ref_values.empty:
        return None
    return float(ref_values.quantile(1 - share) if m.higher_is_worse else ref_values.quantile(share))


def england_reference(table: pd.DataFrame) -> dict[str, dict[str, dict[str, float]]]:
    """England's cut-offs for every plain-value measure of the national ``table`` (the shares of
    :data:`REFERENCE_SHARES`), for a regional extract to carry: ``{"value_cutoffs": {column:
    {"0.1": cut-off, "0.2": cut-off}}}``. Measures with a decile or rank are left out (their
    published decile or rank is national already).

    Raises
    ------
    ValueError
        ``table`` is not national.
    """
    require_national(table)
    cols = set(table.columns)
    out: dict[str, dict[str, float]] = {}
    for m in MEASURES.values():
        if f"{m.id}_decile" in cols or f"{m.id}_rank" in cols:
            continue
        col = _value_column(m, cols)
        if col is None:
            continue
        cuts = {_share_key(s): value_cutoff(table, m, s) for s in REFERENCE_SHARES}
        if all(v is not None for v in cuts.values()):
            out[col] = {k: float(v) for k, v in cuts.items() if v is not None}
    return {"value_cutoffs": out}


def worst_share_mask(table: pd.DataFrame, measure: Measure | str, share: float, *, edition: Edition,
                     national: pd.DataFrame | None = None) -> pd.Series | None:
    """True for LSOAs of ``table`` among England's ``share`` (0.1, 0.2 …) most deprived on ``measure``.

    Uses the published decile when ``share`` is a multiple of 10%, else the rank against England's
    LSOA count; for a plain value (e.g. % of jobs at risk) the national threshold comes from
    ``national`` (the whole England table, or the demo's regional table, which carries England's
    cut-offs: :func:`value_cutoff`). ``None`` when there is no way to judge (no national table or
    cut-off for a value measure, or a yes/no measure).
    """
    m = _measure(measure)
    cols = set(table.columns)
    tenths = share * 10
    if f"{m.id}_decile" in cols and abs(tenths - round(tenths)) < 1e-9:
        d = pd.to_numeric(table[f"{m.id}_decile"], errors="coerce")
        return (d <= round(tenths)).fillna(False).astype(bool)
    if f"{m.id}_rank" in cols:
        r = pd.to_numeric(table[f"{m.id}_rank"], errors="coerce")
        return (r <= share * england_lsoa_count(edition)).fillna(False).astype(bool)
    col = _value_column(m, cols)
    if col is None or national is None or col not in national.columns:
        return None
    if pd.api.types.is_bool_dtype(table[col]):
        return None
    cut = value_cutoff(national, m, share)
    if cut is None:
        return None
    v = pd.to_numeric(table[col], errors="coerce")
    if m.higher_is_worse:
        return (v >= cut).fillna(False).astype(bool)
    return (v <= cut).fillna(False).astype(bool)


def summarise(table: pd.DataFrame, measure: Measure | str = "imd", *, edition: Edition,
              national: pd.DataFrame | None = None) -> SelectionSummary:
    """Summary of a selection of LSOAs (rows of an LSOA table) for ``measure``.

    Parameters
    ----------
    table
        Rows of ``load_lsoa_table(edition)`` for the selected area (``areas.select``).
    measure
        Measure (or id) whose 10% / 20% most deprived are counted.
    edition
        IMD edition (England's LSOA count for ranks).
    national
        The whole England table; needed only for value measures without deciles or ranks.
    """
    m = _measure(measure)
    pop = pd.to_numeric(table.get("population", pd.Series(0, index=table.index)),
                        errors="coerce").fillna(0)
    out: dict[str, int | None] = {}
    for share, key in ((0.1, "10"), (0.2, "20")):
        mask = worst_share_mask(table, m, share, edition=edition, national=national)
        out[f"lsoas_{key}"] = None if mask is None else int(mask.sum())
        out[f"residents_{key}"] = None if mask is None else int(round(pop[mask].sum()))
    flagged = residents_flagged = None
    if m.id in table.columns and pd.api.types.is_bool_dtype(table[m.id]):
        flag = table[m.id].fillna(False).astype(bool)
        flagged, residents_flagged = int(flag.sum()), int(round(pop[flag].sum()))
    why = ""
    if (out["lsoas_10"] is None and flagged is None and national is not None
            and not is_national(national) and _value_column(m, set(table.columns)) is not None):
        why = (f"England's cut-offs for {m.label} are {_NOT_IN_DEMO}: the demo holds the "
               f"{table_scope(national)} only")
    return SelectionSummary(
        measure=m, edition=edition, n_lsoas=len(table), residents=int(round(pop.sum())),
        lsoas_10=out["lsoas_10"], lsoas_20=out["lsoas_20"], residents_10=out["residents_10"],
        residents_20=out["residents_20"], flagged=flagged, residents_flagged=residents_flagged,
        no_scale_reason=why,
    )


def share_text(x: float | None) -> str:
    """A 0–1 share as people read it: "43%", "under 1%" (never a misleading 0%), "–" when unknown."""
    if x is None:
        return "–"
    return f"{x:.0%}" if x >= 0.01 or x == 0 else "under 1%"


_IMD_GROUPS = ("Deprivation", "IMD domain", "IMD sub-domain")
_NOT_IN_DEMO = "not in the demo (needs the full data)"


def worst_phrase(measure: Measure | str, share: int = 10) -> str:
    """E.g. "England's 10% most deprived neighbourhoods (IMD)" or "… with the highest furlough rate"."""
    m = _measure(measure)
    if m.id == "imd":
        return f"England's {share}% most deprived neighbourhoods"
    if m.group in _IMD_GROUPS:
        return f"England's {share}% most deprived neighbourhoods for {m.label[0].lower()}{m.label[1:]}"
    most = "highest" if m.higher_is_worse else "lowest"
    return f"the {share}% of England's neighbourhoods with the {most} values of {m.label}"


def card_label(measure: Measure | str, share: int) -> str:
    """The heading of a summary card: "In England's 10% most deprived" for the IMD and its domains,
    "In England's highest 10%" (or lowest) for other measures, as :func:`worst_phrase` words them."""
    m = _measure(measure)
    if m.group in _IMD_GROUPS:
        return f"In England's {share}% most deprived"
    return f"In England's {'highest' if m.higher_is_worse else 'lowest'} {share}%"


def summary_sentence(summary: SelectionSummary, area_name: str) -> str:
    """The summary in plain English, for the page, a report or a committee paper.

    Example: "Birmingham has 659 neighbourhoods (LSOAs) with 1,144,900 residents. 281 of them (43%),
    home to 45% of residents, are among England's 10% most deprived neighbourhoods (IMD 2025); 392
    (59%), home to 61%, are among the 20% most deprived."
    """
    s = summary
    n, word = s.n_lsoas, "neighbourhood" if s.n_lsoas == 1 else "neighbourhoods"
    head = f"{area_name} has {n:,} {word} (LSOAs) with {s.residents:,} residents."
    if n == 0:
        return f"{area_name} has no neighbourhoods (LSOAs) in the IMD {s.edition} table."
    if s.flagged is not None:
        return (f"{head} {s.flagged:,} of them ({share_text(s.flagged / n)}), home to "
                f"{share_text(s._share(s.residents_flagged, s.residents))} of residents, are "
                f"flagged: {s.measure.label}.")
    if s.lsoas_10 is None or s.lsoas_20 is None:
        if s.no_scale_reason:
            return f"{head} {s.no_scale_reason}."
        return f"{head} {s.measure.label} has no national scale to compare them with."
    suffix = f" (IMD {s.edition})" if s.measure.group in _IMD_GROUPS else ""
    return (f"{head} {s.lsoas_10:,} of them ({share_text(s.share_lsoas_10)}), home to "
            f"{share_text(s.share_residents_10)} of residents, are among {worst_phrase(s.measure, 10)}"
            f"{suffix}; {s.lsoas_20:,} ({share_text(s.share_lsoas_20)}), home to {share_text(s.share_residents_20)} "
            f"of residents, are in the 20% most {'deprived' if s.measure.group in _IMD_GROUPS else 'in need'}.")


def _view_heading(m: Measure, v: View, edition: Edition) -> str:
    if v == "rank":
        return f"{m.label} rank (of {england_lsoa_count(edition):,})"
    if v == "value":
        return f"{m.label}" + (f" ({m.unit})" if m.unit else "")
    return f"{m.label} {v}"


def display_table(table: pd.DataFrame, measure: Measure | str = "imd", *, edition: Edition,
                  include_region: bool = False) -> pd.DataFrame:
    """The table shown beside the map and downloaded as CSV: one row per LSOA, worst first.

    Columns: LSOA code and name, ward, local authority (and region), population, the measure's rank,
    decile and score or value (those that exist), then the IMD and seven domain deciles. Rank 1 and
    decile 1 are the most deprived in England.
    """
    m = _measure(measure)
    cols = set(table.columns)
    out = pd.DataFrame(index=table.index)
    out["LSOA code"] = table.index.astype(str)
    names = [("lsoa_name", "LSOA name"), ("ward_name", "Ward"), ("lad_name", "Local authority")]
    if include_region:
        names.append(("region_name", "Region"))
    for col, head in names:
        if col in cols:
            out[head] = table[col]
    if "population" in cols:
        out["Population"] = pd.to_numeric(table["population"], errors="coerce").round().astype("Int64")
    shown: list[str] = []
    for v in m.views:
        col = m.column(v)
        if col in cols:
            head = _view_heading(m, v, edition)
            out[head] = table[col]
            shown.append(head)
    for dm in domain_measures():
        d, lab = dm.id, dm.table_heading
        col = f"{d}_decile"
        if col in cols and lab + " decile" not in out.columns and (d != m.id or "decile" not in m.views):
            out[f"{lab} decile"] = table[col]
    out = out.reset_index(drop=True)
    sort_col, ascending = _sort_key(m, edition, shown)
    if sort_col:
        out = out.sort_values([sort_col, "LSOA code"], ascending=[ascending, True], na_position="last",
                              kind="stable").reset_index(drop=True)
    return out


def _sort_key(m: Measure, edition: Edition, shown: list[str]) -> tuple[str | None, bool]:
    if "rank" in m.views and _view_heading(m, "rank", edition) in shown:
        return _view_heading(m, "rank", edition), True
    if "decile" in m.views and _view_heading(m, "decile", edition) in shown:
        return _view_heading(m, "decile", edition), True
    if shown:
        return shown[0], not m.higher_is_worse
    return None, True


def source_ids(measure: Measure | str, edition: Edition) -> list[str]:
    """Catalog ids behind a view of ``measure`` for ``edition``: the measure's own, then geography."""
    m = _measure(measure)
    other = other_edition(edition)
    own = [d for d in m.datasets if not (d.startswith("imd") and other in d and edition not in d)]
    return list(dict.fromkeys([*own, *geography_sources(edition)]))


def decile_counts(table: pd.DataFrame, measure: Measure | str = "imd") -> pd.DataFrame:
    """LSOAs and residents in each national decile (1–10) of ``measure`` (all ten rows, zeros kept)."""
    m = _measure(measure)
    col = f"{m.id}_decile"
    if col not in table.columns:
        raise ValueError(f"{m.label} has no deciles")
    d = pd.to_numeric(table[col], errors="coerce")
    pop = pd.to_numeric(table.get("population", pd.Series(0, index=table.index)), errors="coerce")
    grouped = pd.DataFrame({"decile": d, "population": pop.fillna(0)}).groupby("decile")
    out = pd.DataFrame({"decile": np.arange(1, 11)})
    out["lsoas"] = out["decile"].map(grouped.size()).fillna(0).astype(int)
    out["residents"] = out["decile"].map(grouped["population"].sum()).fillna(0).round().astype(int)
    return out


__all__ = ["REFERENCE_SHARES", "TABLE_DOMAINS", "SelectionSummary", "card_label", "decile_counts", "share_text",
           "display_table", "england_reference", "geography_sources", "source_ids", "summarise", "summary_sentence",
           "value_cutoff", "worst_phrase", "worst_share_mask"]
