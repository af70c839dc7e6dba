"""Change family: IMD 2019 beside IMD 2025 for each LSOA 2021, and the change in rank and decile.

How values reach each neighbourhood is in :data:`HOW`.
"""

from __future__ import annotations

import pandas as pd

from needsmap.data.crosswalk import CHANGE_UNCHANGED, change_codes, containing
from needsmap.data.loaders import Provider, load_imd
from needsmap.measures._lsoa import empty_part
from needsmap.measures.base import Measure
from needsmap.types import ENGLAND_LSOA11, ENGLAND_LSOA21, Edition

#: how values reach each neighbourhood (LSOA), for the Data sources page
HOW = ("**Change 2019→2025** (2025 edition): computed only for LSOAs unchanged since 2011 (ONS code U): "
       f"2019 rank rescaled to {ENGLAND_LSOA21:,} LSOAs minus 2025 rank, so positive = relatively more deprived. Split "
       "(S) LSOAs show their 2011 parent's 2019 rank and decile, labelled, with no change; merged (M) and "
       "redrawn (X) ones have no 2019 value.",)

#: column names of the change provider
CHANGE_COLUMNS = ("imd_rank_2019", "imd_decile_2019", "imd_rank_change", "imd_decile_change",
                  "lsoa_change")


def change_columns(edition: Edition) -> pd.DataFrame:
    """IMD 2019 rank/decile beside IMD 2025 for each LSOA 2021, and the change (2025 edition only).

    ``lsoa_change`` is the ONS code of the LSOA 2021. ``imd_rank_2019`` and ``imd_decile_2019`` are
    the 2019 values of the same area for unchanged (U) LSOAs and of the parent 2011 LSOA for split (S)
    ones (label them so); merged (M) and redrawn (X) LSOAs have none. The change is computed only
    for unchanged LSOAs, the only ones that are the same area in both editions:

    * ``imd_rank_change`` = 2019 rank rescaled to 33,755 LSOAs − 2025 rank; positive means the area
      ranks **relatively more deprived** in 2025. The rescaling (× 33,755 / 32,844) makes an
      unchanged relative position read as about 0.
    * ``imd_decile_change`` = 2019 decile − 2025 decile; positive means a more deprived decile now.

    Ranks are relative to the rest of England and the indicators changed between editions, so a
    change in rank is not a change in absolute conditions.
    """
    if edition != "2025":
        return empty_part(edition)
    imd19 = load_imd("2019")[["imd_rank", "imd_decile"]]
    imd25 = load_imd("2025")[["imd_rank", "imd_decile"]]
    codes = change_codes().reindex(imd25.index)
    out = pd.DataFrame(index=imd25.index.rename("lsoa_code"))
    # the 2011 LSOA holding the whole of each 2021 one: itself if unchanged, the parent if split
    parent = containing("lsoa11").reindex(out.index)
    out["imd_rank_2019"] = imd19["imd_rank"].reindex(parent).to_numpy()
    out["imd_decile_2019"] = imd19["imd_decile"].reindex(parent).to_numpy()
    out["imd_rank_2019"] = out["imd_rank_2019"].astype("Int64")
    out["imd_decile_2019"] = out["imd_decile_2019"].astype("Int64")
    comparable = (codes == CHANGE_UNCHANGED).to_numpy()
    scaled = out["imd_rank_2019"].astype("Float64") * (ENGLAND_LSOA21 / ENGLAND_LSOA11)
    rank_change = (scaled - imd25["imd_rank"].astype("Float64")).round(0).astype("Int64")
    decile_change = (out["imd_decile_2019"] - imd25["imd_decile"]).astype("Int64")
    out["imd_rank_change"] = rank_change.where(comparable, pd.NA)
    out["imd_decile_change"] = decile_change.where(comparable, pd.NA)
    out["lsoa_change"] = codes.to_numpy()
    return out


# --------------------------------------------------------------------------- measures

CHANGE_PROVIDER = Provider("imd_change", ("imd2019", "imd2025", "lsoa11_lsoa21_lookup"), change_columns)
_CHANGE = "Change since 2019"

MEASURES: tuple[Measure, ...] = (
    Measure(
        id="imd_rank_change", label="Change in IMD rank, 2019→2025", group=_CHANGE, views=("value",), kind="rank-based",
        provider=CHANGE_PROVIDER, profile=(), editions=("2025",), datasets=("imd2019", "imd2025", "lsoa11_lsoa21_lookup"), unit="ranks",
        description=(
            f"2019 national rank (rescaled to {ENGLAND_LSOA21:,} LSOAs) minus 2025 rank, for LSOAs whose "
            "boundary did not change. Positive = relatively more deprived in 2025. Ranks are relative to the rest of "
            "England and the indicators and methods changed, so this is not a change in absolute "
            "conditions."),
    ),
    Measure(
        id="imd_decile_change", label="Change in IMD decile, 2019→2025", group=_CHANGE, views=("value",), kind="rank-based",
        provider=CHANGE_PROVIDER, profile=(), editions=("2025",), datasets=("imd2019", "imd2025", "lsoa11_lsoa21_lookup"), unit="deciles",
        description=(
            "2019 decile minus 2025 decile for unchanged LSOAs: +1 = one decile more deprived in 2025. "
            "Ranks are relative and methods changed between editions."),
    ),
    Measure(
        id="imd_decile_2019", label="IMD 2019 decile of the same area", group=_CHANGE, views=("value",), kind="rank-based",
        provider=CHANGE_PROVIDER, profile=(), editions=("2025",), datasets=("imd2019", "lsoa11_lsoa21_lookup"), unit="decile",
        higher_is_worse=False,
        description=(
            "The IMD 2019 decile (1 = most deprived) of the same neighbourhood; for an LSOA split in 2021 "
            "it is the decile of the 2011 LSOA it came from; none for merged or redrawn LSOAs."),
    ),
)

__all__ = ["CHANGE_COLUMNS", "CHANGE_PROVIDER", "HOW", "MEASURES", "change_columns"]
