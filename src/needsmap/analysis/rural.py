"""Rural-Urban Classification 2021 (ONS): the six classes, filtering a table by them, and need by class.

The one home of the classes (:data:`RUC_CLASSES`, in ONS order, with the publisher's names) and of
the urban/rural split. The LSOA table carries ``ruc21_code``, ``ruc21_name`` and ``urban_rural``
(:mod:`needsmap.measures.rural`); everything here is pure pandas on that table.
"""

from __future__ import annotations

import pandas as pd

from needsmap.analysis.bands import BID_BANDS, bid_band_pct
from needsmap.errors import ValidationError
from needsmap.types import Edition

#: the six 2021 classes in ONS order (urban first), code -> the publisher's name
RUC_CLASSES: dict[str, str] = {
    "UN1": "Urban: Nearer to a major town or city",
    "UF1": "Urban: Further from a major town or city",
    "RLN1": "Larger rural: Nearer to a major town or city",
    "RLF1": "Larger rural: Further from a major town or city",
    "RSN1": "Smaller rural: Nearer to a major town or city",
    "RSF1": "Smaller rural: Further from a major town or city",
}
#: the two broad groups, as the ``urban_rural`` column spells them
URBAN = "Urban"
RURAL = "Rural"
URBAN_RURAL: tuple[str, str] = (URBAN, RURAL)
#: which broad group each class belongs to (ONS: codes starting ``U`` are urban)
RUC_GROUP: dict[str, str] = {code: URBAN if code.startswith("U") else RURAL for code in RUC_CLASSES}
#: LSOA table columns of the classification
RUC_COLUMNS = ("ruc21_code", "ruc21_name", "urban_rural")
#: what :func:`apply_ruc_filter` accepts: everything, one broad group, or one class code
RUC_CHOICES: tuple[str, ...] = ("all", "urban", "rural", *RUC_CLASSES)


def ruc_choice_label(choice: str) -> str:
    """What a filter choice reads as: ``"all"`` → ``"All neighbourhoods"``, ``"RSF1"`` → its name."""
    if choice == "all":
        return "All neighbourhoods"
    if choice in ("urban", "rural"):
        return f"{choice.capitalize()} only (all {choice} classes)"
    return f"{RUC_CLASSES[choice]} ({choice})" if choice in RUC_CLASSES else choice


def ruc_short(choice: str) -> str:
    """A choice in a few words for sentences: ``"urban"``, ``"rural"``, ``"RSF1 (smaller rural: …)"``,
    or ``""`` for all neighbourhoods."""
    if choice == "all":
        return ""
    if choice in ("urban", "rural"):
        return choice
    return f"{choice} ({RUC_CLASSES[choice][0].lower()}{RUC_CLASSES[choice][1:]})"


def _require_ruc(table: pd.DataFrame) -> None:
    missing = [c for c in RUC_COLUMNS if c not in table.columns]
    if missing:
        raise ValidationError(
            "The Rural-Urban Classification (dataset lsoa21_ruc21, geography/lsoa21_ruc21.csv) is not "
            "in this table: put the file in the data folder (Data sources page) to filter by it.",
            dataset="lsoa21_ruc21")


def apply_ruc_filter(table: pd.DataFrame, choice: str) -> pd.DataFrame:
    """The rows of ``table`` in the chosen rural-urban group.

    Parameters
    ----------
    table
        LSOA table (or a selection of it) with :data:`RUC_COLUMNS`.
    choice
        ``"all"`` (``table`` itself, the columns not needed), ``"urban"``, ``"rural"`` or a class
        code of :data:`RUC_CLASSES` (``"RSF1"``); case is ignored.

    Returns
    -------
    The matching rows, same columns and order (LSOAs without a class are left out unless ``"all"``).

    Raises
    ------
    ValueError
        ``choice`` is none of :data:`RUC_CHOICES`.
    ValidationError
        The table has no classification columns (the optional file is missing).
    """
    key = str(choice).strip()
    low = key.lower()
    if low == "all":
        return table
    code = key.upper()
    if low not in ("urban", "rural") and code not in RUC_CLASSES:
        raise ValueError(f"rural-urban choice must be one of {', '.join(RUC_CHOICES)}, not {choice!r}")
    _require_ruc(table)
    if low in ("urban", "rural"):
        keep = table["urban_rural"].astype("string").eq(low.capitalize())
    else:
        keep = table["ruc21_code"].astype("string").eq(code)
    return table[keep.fillna(False).to_numpy(dtype=bool)]


def urban_rural_breakdown(sub: pd.DataFrame, measure_column: str, *, edition: Edition,
                          population: str = "population") -> pd.DataFrame:
    """LSOAs, residents and the share among England's most deprived, per broad group and per class.

    Parameters
    ----------
    sub
        LSOA table rows (an area, or England) with :data:`RUC_COLUMNS`, ``measure_column`` and
        ``population``.
    measure_column
        A rank column (``imd_rank``, ``health_rank`` …; 1 = most deprived in England).
    edition
        IMD edition of the ranks (sets England's LSOA count for the 10%/20% cut-offs, which are
        those of :mod:`needsmap.analysis.bands`).
    population
        Column of residents per LSOA.

    Returns
    -------
    One row per group: ``Urban``, ``Rural``, then the six classes in ONS order, with ``level``
    (``"urban/rural"`` or ``"class"``), ``code`` (``Urban``/``Rural`` or the class code), ``name``,
    ``lsoas``, ``residents`` (persons), ``residents_share`` (of ``sub``'s residents, 0–1),
    ``lsoas_10``/``lsoas_20`` (LSOAs among England's 10%/20% most deprived by ``measure_column``)
    and ``share_10``/``share_20`` (of the group's LSOAs, 0–1; NaN for an empty group).

    Raises
    ------
    ValueError
        ``measure_column`` is not a ``*_rank`` column of ``sub``.
    ValidationError
        ``sub`` has no classification columns.
    """
    if not measure_column.endswith("_rank") or measure_column not in sub.columns:
        raise ValueError(f"measure_column must be a rank column of the table, not {measure_column!r}")
    _require_ruc(sub)
    band = sub[measure_column].map(lambda r: bid_band_pct(r, edition)).astype("Float64")
    top10 = band.le(round(BID_BANDS[0] * 100)).fillna(False).to_numpy(dtype=bool)
    top20 = band.le(round(BID_BANDS[1] * 100)).fillna(False).to_numpy(dtype=bool)
    pop = pd.to_numeric(sub[population], errors="coerce").fillna(0.0).to_numpy(dtype=float)
    total_pop = float(pop.sum())
    groups = sub["urban_rural"].astype("string").to_numpy(dtype=object)
    classes = sub["ruc21_code"].astype("string").to_numpy(dtype=object)
    rows = []
    for level, key, name, values in (
            *(("urban/rural", g, g, groups) for g in URBAN_RURAL),
            *(("class", c, n, classes) for c, n in RUC_CLASSES.items())):
        at = values == key
        n = int(at.sum())
        people = float(pop[at].sum())
        rows.append({
            "level": level, "code": key, "name": name, "lsoas": n, "residents": round(people),
            "residents_share": people / total_pop if total_pop else float("nan"),
            "lsoas_10": int(top10[at].sum()), "lsoas_20": int(top20[at].sum()),
            "share_10": top10[at].sum() / n if n else float("nan"),
            "share_20": top20[at].sum() / n if n else float("nan"),
        })
    return pd.DataFrame(rows)


def breakdown_table(parts: pd.DataFrame, measure_label: str) -> pd.DataFrame:
    """:func:`urban_rural_breakdown` as a page or CSV shows it: words for headings, % for shares.

    Parameters
    ----------
    parts
        The breakdown's rows.
    measure_label
        The measure whose ranks were banded (headings name it).

    Returns
    -------
    One row per group (Urban, Rural, then the classes, each class name indented under its group):
    ``Group``, ``LSOAs``, ``Residents``, ``% of the area's residents``, and the LSOAs among England's
    10% and 20% most deprived by ``measure_label``, as counts and % of the group's LSOAs (1 decimal).
    """
    def pct(x: float) -> float | None:
        return None if x != x else round(100 * float(x), 1)

    return pd.DataFrame({
        "Group": [str(r.name) if r.level == "urban/rural" else f"  {r.code} {r.name}" for r in parts.itertuples()],
        "LSOAs": parts["lsoas"].astype(int),
        "Residents": parts["residents"].astype(int),
        "% of the area's residents": [pct(x) for x in parts["residents_share"]],
        f"In England's 10% most deprived ({measure_label})": parts["lsoas_10"].astype(int),
        "% of the group's LSOAs (10%)": [pct(x) for x in parts["share_10"]],
        f"In England's 20% most deprived ({measure_label})": parts["lsoas_20"].astype(int),
        "% of the group's LSOAs (20%)": [pct(x) for x in parts["share_20"]],
    })


__all__ = [
    "breakdown_table",
    "ruc_short",
    "RUC_CHOICES",
    "RUC_CLASSES",
    "RUC_COLUMNS",
    "RUC_GROUP",
    "RURAL",
    "URBAN",
    "URBAN_RURAL",
    "apply_ruc_filter",
    "ruc_choice_label",
    "urban_rural_breakdown",
]
