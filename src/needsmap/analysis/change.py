"""Change in relative deprivation between IMD 2019 and IMD 2025 for the LSOAs of a selection.

Works on the 2025 LSOA table (``load_lsoa_table("2025")``, narrowed with ``areas.select``), which
carries ``imd_rank_2019``, ``imd_decile_2019``, ``imd_rank_change``, ``imd_decile_change`` and
``lsoa_change`` (see :func:`needsmap.measures.change.change_columns`). A change is only
computed for unchanged (``U``) LSOAs; split (``S``) ones show their 2011 parent's 2019 values,
labelled; merged (``M``) and redrawn (``X``) ones have none.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pandas as pd

from needsmap.data.crosswalk import (
    CHANGE_CODES,
    CHANGE_IRREGULAR,
    CHANGE_MERGED,
    CHANGE_SPLIT,
    CHANGE_UNCHANGED,
)

Direction = Literal["more", "less", "both"]

#: columns :func:`movers_table` returns, in order
MOVER_COLUMNS = ("lsoa_name", "ward_name", "lad_name", "imd_rank_2019", "imd_rank", "imd_rank_change",
                 "imd_decile_2019", "imd_decile", "imd_decile_change", "lsoa_change", "comparison")

#: what each ONS change code (:data:`needsmap.data.crosswalk.CHANGE_CODES`, the codes' meanings)
#: means for comparing the 2019 and 2025 ranks: this page's own sentence, for the table and the map
_COMPARISON: dict[str, str] = {
    CHANGE_UNCHANGED: "same area in both editions: change shown",
    CHANGE_SPLIT: "split from a 2011 LSOA: 2019 value is the parent's, no change computed",
    CHANGE_MERGED: "merged from several 2011 LSOAs: not comparable",
    CHANGE_IRREGULAR: "redrawn: not comparable",
}
#: plain-English label of each ONS change code, in the order of ``CHANGE_CODES`` (a code without a
#: sentence fails at import)
COMPARISON_LABELS: dict[str, str] = {code: _COMPARISON[code] for code in CHANGE_CODES}

CAVEAT = (
    "Ranks and deciles are relative: an area moves when other areas change, not only when it does. "
    "The 2025 indices also use new indicators, data years and 2021 LSOA boundaries, so a change in "
    "rank is not a measured change in conditions. Change is shown only for LSOAs whose boundary did "
    "not change between 2011 and 2021."
)

_REQUIRED = ("imd_rank", "imd_decile", "imd_rank_2019", "imd_decile_2019", "imd_rank_change",
             "imd_decile_change", "lsoa_change")


def has_change(table: pd.DataFrame) -> bool:
    """True when ``table`` carries the change columns (the 2025 table with its provider loaded)."""
    return all(c in table.columns for c in _REQUIRED)


def _check(table: pd.DataFrame) -> None:
    missing = [c for c in _REQUIRED if c not in table.columns]
    if missing:
        raise ValueError(f"the LSOA table has no change columns ({', '.join(missing)}); "
                         "use load_lsoa_table('2025')")


def comparable(table: pd.DataFrame) -> pd.DataFrame:
    """Rows whose change was computed (unchanged LSOAs with both ranks)."""
    _check(table)
    return table.loc[table["imd_rank_change"].notna()]


def movers_table(table: pd.DataFrame) -> pd.DataFrame:
    """Every LSOA of ``table`` with its 2019 and 2025 rank and decile, the change and its label.

    Sorted by ``imd_rank_change`` (largest move towards more deprived first), LSOAs without a change
    last; index ``lsoa_code``. Suitable for display and CSV download.
    """
    _check(table)
    out = table.reindex(columns=[c for c in MOVER_COLUMNS if c != "comparison"]).copy()
    out["comparison"] = out["lsoa_change"].map(COMPARISON_LABELS).fillna("not in the ONS lookup")
    return out.sort_values("imd_rank_change", ascending=False, na_position="last")


def biggest_movers(table: pd.DataFrame, n: int = 10, *, direction: Direction = "both") -> pd.DataFrame:
    """The ``n`` comparable LSOAs that moved most in national rank.

    Parameters
    ----------
    table
        2025 LSOA table rows (a selection).
    n
        How many to return per direction.
    direction
        ``"more"``: moved most towards most deprived (largest positive ``imd_rank_change``);
        ``"less"``: moved most towards least deprived; ``"both"``: the ``n`` largest moves either way
        by size.

    Returns
    -------
    Rows of :func:`movers_table` for the movers, biggest first.
    """
    if n < 1:
        raise ValueError("n must be at least 1")
    rows = movers_table(comparable(table))
    change = rows["imd_rank_change"].astype(float)
    if direction == "more":
        picked = rows.loc[change > 0].sort_values("imd_rank_change", ascending=False)
    elif direction == "less":
        picked = rows.loc[change < 0].sort_values("imd_rank_change", ascending=True)
    elif direction == "both":
        picked = rows.loc[change.abs().sort_values(ascending=False, kind="stable").index]
    else:
        raise ValueError(f"direction must be 'more', 'less' or 'both', not {direction!r}")
    return picked.head(n)


@dataclass(frozen=True)
class ChangeSummary:
    """Counts of LSOAs by comparability and by movement between IMD 2019 and 2025 deciles."""

    n_lsoas: int
    n_comparable: int
    n_split: int
    n_merged: int
    n_redrawn: int
    more_deprived_decile: int
    same_decile: int
    less_deprived_decile: int
    into_most_deprived: int
    out_of_most_deprived: int
    stayed_most_deprived: int
    median_rank_change: float | None

    def sentence(self) -> str:
        """The summary in one plain-English sentence."""
        if not self.n_comparable:
            return "No LSOA in this selection has the same boundary in both editions, so no change is shown."
        return (
            f"Of {self.n_comparable:,} neighbourhoods comparable across editions, "
            f"{self.more_deprived_decile:,} moved into a more deprived decile, {self.less_deprived_decile:,} "
            f"into a less deprived one and {self.same_decile:,} stayed. {self.into_most_deprived:,} entered "
            f"England's most deprived 10% and {self.out_of_most_deprived:,} left it."
        )


def summarise(table: pd.DataFrame) -> ChangeSummary:
    """Counts for a selection: how many LSOAs are comparable, and how they moved between deciles.

    ``into_most_deprived`` counts comparable LSOAs in decile 1 in 2025 but not in 2019;
    ``out_of_most_deprived`` those in decile 1 in 2019 but not in 2025.
    """
    _check(table)
    codes = table["lsoa_change"].astype("string")
    comp = comparable(table)
    d19 = comp["imd_decile_2019"].astype(int)
    d25 = comp["imd_decile"].astype(int)
    dc = comp["imd_decile_change"].astype(int)
    med = float(comp["imd_rank_change"].astype(float).median()) if len(comp) else None
    return ChangeSummary(
        n_lsoas=len(table),
        n_comparable=len(comp),
        n_split=int((codes == CHANGE_SPLIT).sum()),
        n_merged=int((codes == CHANGE_MERGED).sum()),
        n_redrawn=int((codes == CHANGE_IRREGULAR).sum()),
        more_deprived_decile=int((dc > 0).sum()),
        same_decile=int((dc == 0).sum()),
        less_deprived_decile=int((dc < 0).sum()),
        into_most_deprived=int(((d25 == 1) & (d19 > 1)).sum()),
        out_of_most_deprived=int(((d19 == 1) & (d25 > 1)).sum()),
        stayed_most_deprived=int(((d19 == 1) & (d25 == 1)).sum()),
        median_rank_change=med,
    )


def decile_transitions(table: pd.DataFrame) -> pd.DataFrame:
    """Comparable LSOAs counted by 2019 decile (rows) and 2025 decile (columns), 1–10 both ways."""
    comp = comparable(table)
    idx = pd.Index(range(1, 11), name="IMD 2019 decile")
    cols = pd.Index(range(1, 11), name="IMD 2025 decile")
    if not len(comp):
        return pd.DataFrame(0, index=idx, columns=cols)
    ct = pd.crosstab(comp["imd_decile_2019"].astype(int), comp["imd_decile"].astype(int))
    return ct.reindex(index=range(1, 11), columns=range(1, 11), fill_value=0).rename_axis(
        index=idx.name, columns=cols.name)


__all__ = [
    "CAVEAT",
    "COMPARISON_LABELS",
    "MOVER_COLUMNS",
    "ChangeSummary",
    "Direction",
    "biggest_movers",
    "comparable",
    "decile_transitions",
    "has_change",
    "movers_table",
    "summarise",
]
