"""LSOA 2011 ↔ LSOA 2021: the one resolver of a code of the other vintage.

The ONS best-fit lookup (dataset ``lsoa11_lsoa21_lookup``) lists every pair of an LSOA 2011 and an
LSOA 2021 that overlap, with a change code: ``U`` unchanged, ``S`` the 2011 LSOA was split in 2021,
``M`` several 2011 LSOAs were merged into one 2021 LSOA, ``X`` redrawn irregularly. When a code maps
to several LSOAs of the other vintage, the one with most residents is chosen, it is named as such
(``how``) and the others are listed (``note``, ``candidates``); the lookup's first row is never
taken silently.

Residents: LSOA 2021 parts by Census 2021 usual residents (dataset ``census2021_ethnicity``; the
mid-2022 estimate where the census lacks an LSOA), LSOA 2011 parts by the mid-2020 estimate
(``population2020``). These are the populations the IMD 2025 and IMD 2019 tables carry, so the
importer, the profile, the portfolio and the gaps analysis all make the same choice.
"""

from __future__ import annotations

import functools
from typing import Literal

import numpy as np
import pandas as pd

from needsmap.data._cache import file_stamp
from needsmap.data.catalog import get_dataset
from needsmap.data.loaders import read_table

Vintage = Literal["lsoa11", "lsoa21"]

#: ``how`` values (phrases that read inside brackets: "LSOA code (split in 2021: most-populous part)")
HOW_SAME = "same code"
HOW_SPLIT_PART = "split in 2021: most-populous part"
HOW_SPLIT_ONE = "split in 2021: the one part in the lookup"
HOW_MERGED = "merged in 2021"
HOW_IRREGULAR = "redrawn in 2021"
HOW_IRREGULAR_PART = "redrawn in 2021: most-populous part"
HOW_SPLIT_PARENT = "split in 2021: the 2011 LSOA it came from"
HOW_MERGED_PART = "merged in 2021: most-populous 2011 part"
HOW_UNKNOWN = "not an LSOA code of either vintage"

#: columns of :func:`resolve_codes`
RESOLVE_COLUMNS = ("code", "change_code", "how", "note", "candidates")

_LABEL = {"lsoa11": "LSOA 2011", "lsoa21": "LSOA 2021"}
_OTHER: dict[str, Vintage] = {"lsoa11": "lsoa21", "lsoa21": "lsoa11"}


def _stamp(dataset: str) -> tuple[str, int, int] | None:
    path = get_dataset(dataset).path
    return file_stamp(path) if path.exists() else None


def populations() -> tuple[pd.Series, pd.Series]:
    """Residents per LSOA 2011 (mid-2020) and per LSOA 2021 (Census 2021, else mid-2022).

    Returns
    -------
    Two float Series indexed by LSOA code: 2011 then 2021 (persons).
    """
    return _populations_at(_stamp("population2020"), _stamp("census2021_ethnicity"),
                           _stamp("population_lsoa21_mid2022_2024"))


@functools.lru_cache(maxsize=1)
def _populations_at(s11: object, s21: object, s22: object) -> tuple[pd.Series, pd.Series]:
    p11 = pd.Series(dtype=float)
    if s11 is not None:
        raw = read_table("population2020")
        p11 = pd.to_numeric(raw["total_population"], errors="coerce").set_axis(raw["lsoa11_code"].astype(str))
    p21 = pd.Series(dtype=float)
    if s21 is not None:
        raw = read_table("census2021_ethnicity").drop_duplicates("lsoa21_code")
        p21 = pd.to_numeric(raw["total_residents"], errors="coerce").set_axis(raw["lsoa21_code"].astype(str))
    if s22 is not None:
        raw = read_table("population_lsoa21_mid2022_2024")
        mid = pd.to_numeric(raw["population_mid2022"], errors="coerce").set_axis(raw["lsoa21_code"].astype(str))
        p21 = p21.combine_first(mid) if len(p21) else mid
    return p11.astype(float), p21.astype(float)


def _lookup_stamp() -> tuple[str, int, int] | None:
    return _stamp("lsoa11_lsoa21_lookup")


def resolution_table(to: Vintage) -> pd.DataFrame:
    """Every code of either vintage resolved to ``to``: :data:`RESOLVE_COLUMNS`, indexed by code.

    Built once per lookup file and population files (a few thousand rows need a choice; the rest
    are the same code).
    """
    return _resolution_table_at(to, _lookup_stamp(), _stamp("population2020"),
                                _stamp("census2021_ethnicity"),
                                _stamp("population_lsoa21_mid2022_2024"))


@functools.lru_cache(maxsize=2)
def _resolution_table_at(to: Vintage, *stamps: object) -> pd.DataFrame:
    lk = read_table("lsoa11_lsoa21_lookup")[["lsoa11_code", "lsoa21_code", "change_code"]].astype(str)
    frm = _OTHER[to]
    pop = dict(zip(("lsoa11", "lsoa21"), populations(), strict=True))[to]
    want, have = f"{to}_code", f"{frm}_code"
    target = set(lk[want])
    # a code of vintage ``to`` resolves to itself, with its own change code
    own_change = lk.drop_duplicates(want).set_index(want)["change_code"].to_dict()
    rows: list[tuple[str, str | None, str, str, str | None, tuple[str, ...]]] = []
    for code in sorted(target):
        rows.append((code, code, own_change[code], HOW_SAME, None, (code,)))
    lk = lk.drop_duplicates([have, want])
    for code, group in lk[~lk[have].isin(target)].groupby(have, sort=True):
        cands = tuple(group[want])
        change = str(group["change_code"].iloc[0])
        chosen, how, note = _choose(str(code), cands, change, pop, frm=frm, to=to)
        rows.append((str(code), chosen, change, how, note, cands))
    out = pd.DataFrame(rows, columns=["key", *RESOLVE_COLUMNS])
    return out.set_index("key")


def _choose(code: str, cands: tuple[str, ...], change: str, pop: pd.Series, *, frm: Vintage,
            to: Vintage) -> tuple[str, str, str]:
    """The chosen code, ``how`` and ``note`` for ``code`` (of vintage ``frm``) mapping to ``cands``."""
    people = pop.reindex(list(cands)).astype(float)
    # most residents first; ties (or no population) by code, so the choice never depends on row order
    order = sorted(cands, key=lambda c: (-(people.get(c, np.nan) if pd.notna(people.get(c, np.nan))
                                          else -1.0), c))
    chosen = order[0]
    others = order[1:]
    have_v, want_v = _LABEL[frm], _LABEL[to]

    def residents(c: str) -> str:
        v = people.get(c, np.nan)
        return f"{c} ({v:,.0f} residents)" if pd.notna(v) else f"{c} (residents unknown)"

    if to == "lsoa21" and change == "S":
        if len(cands) == 1:
            return chosen, HOW_SPLIT_ONE, (f"{code} is an {have_v} code; it was split in 2021 and the "
                                           f"lookup lists one {want_v} part, {chosen}.")
        note = (f"{code} is an {have_v} code; it was split in 2021 into {len(cands)} LSOAs "
                f"({', '.join(sorted(cands))}). Using {residents(chosen)}, the one with most "
                f"residents.")
        how = HOW_SPLIT_PART
    elif to == "lsoa21" and change == "M":
        note = (f"{code} is an {have_v} code; in 2021 it was merged with neighbouring LSOAs into "
                f"{chosen}, which covers the whole merged area.")
        how = HOW_MERGED
    elif to == "lsoa11" and change == "S":
        note = (f"{code} is an {have_v} code; it is part of {want_v} {chosen}, which was split in "
                "2021.")
        how = HOW_SPLIT_PARENT
    elif to == "lsoa11" and change == "M":
        note = (f"{code} is an {have_v} code formed in 2021 by merging {', '.join(sorted(cands))}. "
                f"Using {residents(chosen)}, the one with most residents.")
        how = HOW_MERGED_PART
    else:
        how = HOW_IRREGULAR_PART if len(cands) > 1 else HOW_IRREGULAR
        note = (f"{code} is an {have_v} code; its boundary was redrawn irregularly in 2021 (ONS "
                f"change code {change}). Using {want_v} {residents(chosen)}"
                + (", the best match with most residents." if len(cands) > 1 else "."))
    if others and how in (HOW_SPLIT_PART, HOW_MERGED_PART, HOW_IRREGULAR_PART):
        note += f" The other{'s' if len(others) > 1 else ''}: {', '.join(residents(c) for c in others)}."
    return chosen, how, note


def resolve_codes(codes: pd.Series, *, to: Vintage) -> pd.DataFrame:
    """Resolve LSOA codes of either vintage to the vintage ``to``.

    Parameters
    ----------
    codes
        LSOA codes (2011 or 2021; any case, spaces ignored), any index; NA allowed.
    to
        ``"lsoa11"`` or ``"lsoa21"``: the vintage wanted.

    Returns
    -------
    DataFrame with the same index and columns:

    - ``code``: the LSOA code of vintage ``to`` (``<NA>`` when the input is not an English LSOA code
      of either vintage, or NA);
    - ``change_code``: the ONS change code (``U``, ``S``, ``M``, ``X``);
    - ``how``: how the code was reached (:data:`HOW_SAME` for a code already of vintage ``to``,
      :data:`HOW_SPLIT_PART`, :data:`HOW_MERGED`, :data:`HOW_IRREGULAR_PART`,
      :data:`HOW_SPLIT_PARENT`, :data:`HOW_MERGED_PART`, … or :data:`HOW_UNKNOWN`);
    - ``note``: a sentence for the reader naming the alternatives and their residents (NA when the
      code is the same);
    - ``candidates``: tuple of every LSOA of vintage ``to`` the code maps to (empty when unknown).

    Notes
    -----
    Split or merged codes take the part with most residents (see the module notes for which
    population). Blank input gives ``<NA>`` code and ``how``; unknown text gives :data:`HOW_UNKNOWN`.
    """
    if to not in _OTHER:
        raise ValueError(f"to must be 'lsoa11' or 'lsoa21', not {to!r}")
    key = codes.astype("string").str.upper().str.replace(r"\s", "", regex=True)
    table = resolution_table(to)
    hit = table.reindex(key.fillna("").to_numpy(dtype=object))
    out = pd.DataFrame(index=codes.index)
    out["code"] = pd.array(hit["code"].to_numpy(dtype=object), dtype="string")
    out["change_code"] = pd.array(hit["change_code"].to_numpy(dtype=object), dtype="string")
    how = hit["how"].to_numpy(dtype=object)
    given = (key.notna() & key.ne("")).to_numpy(dtype=bool)
    how[given & pd.isna(how)] = HOW_UNKNOWN
    out["how"] = pd.array(how, dtype="string")
    out["note"] = pd.array(hit["note"].to_numpy(dtype=object), dtype="string")
    cands = hit["candidates"].to_numpy(dtype=object)
    out["candidates"] = [c if isinstance(c, tuple) else () for c in cands]
    return out


__all__ = [
    "HOW_IRREGULAR",
    "HOW_IRREGULAR_PART",
    "HOW_MERGED",
    "HOW_MERGED_PART",
    "HOW_SAME",
    "HOW_SPLIT_ONE",
    "HOW_SPLIT_PARENT",
    "HOW_SPLIT_PART",
    "HOW_UNKNOWN",
    "RESOLVE_COLUMNS",
    "Vintage",
    "populations",
    "resolution_table",
    "resolve_codes",
]
