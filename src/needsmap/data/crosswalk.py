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

import numpy as np
import pandas as pd

from needsmap.data._cache import file_stamp
from needsmap.data.catalog import get_dataset
from needsmap.data.reading import read_table
from needsmap.types import VINTAGE_LABEL, LsoaVintage

Vintage = LsoaVintage

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

#: the lookup's change codes (ONS ``CHGIND``)
CHANGE_UNCHANGED = "U"
CHANGE_SPLIT = "S"
CHANGE_MERGED = "M"
CHANGE_IRREGULAR = "X"
#: each change code's meaning, the one map of code to meaning: a word that reads in "the LSOA's
#: boundary was ___ in 2021" (pages that word a code differently build their sentence on these keys)
CHANGE_CODES: dict[str, str] = {
    CHANGE_UNCHANGED: "unchanged",
    CHANGE_SPLIT: "split",
    CHANGE_MERGED: "merged",
    CHANGE_IRREGULAR: "redrawn irregularly",
}

#: columns of :func:`resolve_codes`
RESOLVE_COLUMNS = ("code", "change_code", "how", "note", "candidates")

#: the datasets every answer of this module reads (the lookup and the populations that choose)
CROSSWALK_DATASETS = ("lsoa11_lsoa21_lookup", "population2020", "census2021_ethnicity",
                      "population_lsoa21_mid2022_2024")

_OTHER: dict[str, Vintage] = {"lsoa11": "lsoa21", "lsoa21": "lsoa11"}


#: what this module reads datasets for (:func:`needsmap.uses.dataset_uses`)
DATASET_USES: dict[str, str] = {
    CROSSWALK_DATASETS[0]: "carrying 2011 values onto 2021 LSOAs; change since 2019",
    **{d: "choosing the most-populous part of a split LSOA (2011 ↔ 2021)" for d in CROSSWALK_DATASETS[1:]},
}


def crosswalk_datasets() -> tuple[str, ...]:
    """:data:`CROSSWALK_DATASETS` less the optional ones absent from the data folder: the files a
    cache of a crosswalk answer is keyed on."""
    return tuple(i for i in CROSSWALK_DATASETS
                 if not get_dataset(i).optional or get_dataset(i).path.exists())


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
    have_v, want_v = VINTAGE_LABEL[frm], VINTAGE_LABEL[to]

    def residents(c: str) -> str:
        v = people.get(c, np.nan)
        return f"{c} ({v:,.0f} residents)" if pd.notna(v) else f"{c} (residents unknown)"

    if to == "lsoa21" and change == CHANGE_SPLIT:
        if len(cands) == 1:
            return chosen, HOW_SPLIT_ONE, (f"{code} is an {have_v} code; it was split in 2021 and the "
                                           f"lookup lists one {want_v} part, {chosen}.")
        note = (f"{code} is an {have_v} code; it was split in 2021 into {len(cands)} LSOAs "
                f"({', '.join(sorted(cands))}). Using {residents(chosen)}, the one with most "
                f"residents.")
        how = HOW_SPLIT_PART
    elif to == "lsoa21" and change == CHANGE_MERGED:
        note = (f"{code} is an {have_v} code; in 2021 it was merged with neighbouring LSOAs into "
                f"{chosen}, which covers the whole merged area.")
        how = HOW_MERGED
    elif to == "lsoa11" and change == CHANGE_SPLIT:
        note = (f"{code} is an {have_v} code; it is part of {want_v} {chosen}, which was split in "
                "2021.")
        how = HOW_SPLIT_PARENT
    elif to == "lsoa11" and change == CHANGE_MERGED:
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


# ----------------------------------------------------------------------------- every pair
def pairs() -> pd.DataFrame:
    """Every (LSOA 2011, LSOA 2021) pair of the ONS lookup that overlap, once each.

    Returns
    -------
    DataFrame with text columns ``lsoa11_code``, ``lsoa21_code`` and ``change_code`` (``U``, ``S``,
    ``M``, ``X``), in the lookup's order; one row per distinct pair.

    Raises
    ------
    DataMissingError, ValidationError
        The lookup ``lsoa11_lsoa21_lookup`` is missing or damaged.
    """
    return _pairs_at(_lookup_stamp()).copy()


@functools.lru_cache(maxsize=1)
def _pairs_at(stamp: object) -> pd.DataFrame:
    lk = read_table("lsoa11_lsoa21_lookup")[["lsoa11_code", "lsoa21_code", "change_code"]]
    return lk.astype(str).drop_duplicates(["lsoa11_code", "lsoa21_code"]).reset_index(drop=True)


def counterparts(codes: str | list[str] | pd.Index, *, to: Vintage) -> list[str]:
    """Every LSOA of vintage ``to`` overlapping any of ``codes`` (of the other vintage), sorted.

    For aggregating a figure published on the other vintage over the same ground (Census 2021 for
    an LSOA 2011, say); to pick one code, use :func:`resolve_codes`. A code already of vintage
    ``to`` (unchanged in 2021) is its own counterpart; an unknown code has none.
    """
    if to not in _OTHER:
        raise ValueError(f"to must be 'lsoa11' or 'lsoa21', not {to!r}")
    wanted = {codes} if isinstance(codes, str) else set(map(str, codes))
    pr = pairs()
    return sorted(set(pr.loc[pr[f"{_OTHER[to]}_code"].isin(wanted), f"{to}_code"]))


def mean_onto_lsoa21(values: pd.Series | pd.DataFrame) -> pd.DataFrame:
    """Carry LSOA 2011 values onto LSOA 2021: the mean over each LSOA 2021's 2011 parents.

    The crosswalk's rule for a rate or share published on LSOA 2011 (for counts use
    :func:`apportion_to_lsoa21`; for one code per code :func:`resolve_codes`).

    Parameters
    ----------
    values
        Numeric values indexed by LSOA 2011 code (a Series, or a frame of several).

    Returns
    -------
    Frame indexed by LSOA 2021 code (``lsoa_code``). Unchanged and split LSOAs have one parent, so
    they take its value exactly; merged and irregular ones average their parents (missing ignored).
    """
    frame = values.to_frame() if isinstance(values, pd.Series) else values
    joined = pairs()[["lsoa11_code", "lsoa21_code"]].join(frame, on="lsoa11_code")
    out = joined.drop(columns="lsoa11_code").groupby("lsoa21_code").mean(numeric_only=True)
    out.index.name = "lsoa_code"
    return out


def change_codes() -> pd.Series:
    """ONS change code (``U``, ``S``, ``M``, ``X``) of every LSOA 2021, indexed by ``lsoa_code``
    (named ``lsoa_change``)."""
    first = pairs().drop_duplicates("lsoa21_code")
    return pd.Series(first["change_code"].to_numpy(),
                     index=pd.Index(first["lsoa21_code"], name="lsoa_code"), name="lsoa_change")


#: ``how`` values of :func:`resolve_codes` whose resolved LSOA contains the whole of the code's
#: area (unchanged, a 2011 LSOA merged into the 2021 one, a 2021 LSOA split out of the 2011 one),
#: so any point inside the code's LSOA lies inside the resolved one
HOW_CONTAINED = (HOW_SAME, HOW_MERGED, HOW_SPLIT_PARENT)


def containing(to: Vintage) -> pd.Series:
    """Each LSOA code whose whole area lies in one LSOA of vintage ``to``, mapped to that LSOA.

    The codes :func:`resolve_codes` reaches with a ``how`` of :data:`HOW_CONTAINED`: no choice by
    residents is involved, so a postcode or point of the code's LSOA is in the resolved one.
    Redrawn (``X``) and split-into-parts codes are left out.

    Returns
    -------
    Text Series indexed by the code (either vintage), values LSOA codes of vintage ``to``.
    """
    table = resolution_table(to)
    hit = table.loc[table["how"].isin(HOW_CONTAINED), "code"]
    return hit.astype(str).rename_axis("code")


def apportion_to_lsoa21(values11: pd.Series | pd.DataFrame, lookup: pd.DataFrame,
                        population21: pd.Series) -> pd.Series | pd.DataFrame:
    """Move LSOA 2011 counts onto LSOA 2021, splitting by 2021 population.

    Each LSOA 2011 count is shared among the LSOA 2021 it maps to in proportion to their population
    (merged LSOAs therefore sum; split ones divide; with no population, equal shares). Irregular
    (``X``) changes are approximate. This is the crosswalk's rule for counts; for one code per
    code use :func:`resolve_codes`.

    Parameters
    ----------
    values11
        Counts indexed by LSOA 2011 code (a Series, or a frame of several counts).
    lookup
        ``lsoa11_code``, ``lsoa21_code`` pairs (ONS LSOA 2011 → 2021 lookup; :func:`pairs`).
    population21
        Population indexed by LSOA 2021 code (Census 2021).

    Returns
    -------
    The counts indexed by LSOA 2021 code (``lsoa_code``), a Series or frame as given.
    """
    prs = lookup[["lsoa11_code", "lsoa21_code"]].astype(str).drop_duplicates()
    w = population21.reindex(prs["lsoa21_code"]).fillna(0).to_numpy(dtype=float)
    total = pd.Series(w).groupby(prs["lsoa11_code"].to_numpy()).transform("sum").to_numpy()
    n = prs.groupby("lsoa11_code")["lsoa21_code"].transform("size").to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(total > 0, w / total, 1.0 / n)
    frame = values11.to_frame() if isinstance(values11, pd.Series) else values11
    parts = frame.reindex(prs["lsoa11_code"]).to_numpy(dtype=float) * share[:, None]
    out = (pd.DataFrame(parts, columns=frame.columns)
           .groupby(prs["lsoa21_code"].to_numpy()).sum(min_count=1))
    out.index.name = "lsoa_code"
    return out.iloc[:, 0].rename(values11.name) if isinstance(values11, pd.Series) else out


__all__ = [
    "CHANGE_CODES",
    "CHANGE_IRREGULAR",
    "CHANGE_MERGED",
    "CHANGE_SPLIT",
    "CHANGE_UNCHANGED",
    "CROSSWALK_DATASETS",
    "DATASET_USES",
    "HOW_CONTAINED",
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
    "apportion_to_lsoa21",
    "containing",
    "counterparts",
    "crosswalk_datasets",
    "pairs",
    "populations",
    "resolution_table",
    "resolve_codes",
]
