"""Population by single year of age per LSOA of either vintage, and LSOA 2011 → 2021 apportioning.

ONS mid-2020 estimates are published on LSOA 2011 only. For the 2025 edition (LSOA 2021) they are
carried over the ONS lookup by :func:`needsmap.data.crosswalk.apportion_to_lsoa21`: unchanged and
merged LSOAs exactly, split and irregular ones shared out by Census 2021 usual residents.
"""

from __future__ import annotations

import pandas as pd

from needsmap.data._cache import cached
from needsmap.data.crosswalk import apportion_to_lsoa21, pairs
from needsmap.data.loaders import load_geography, read_table
from needsmap.types import LSOA_VINTAGE, Edition

#: ages of "children" in the income deprivation affecting children index (IDACI)
CHILD_AGES = tuple(str(a) for a in range(16))


def _ages11() -> pd.DataFrame:
    pop = read_table("population2020")
    ages = pop.set_index(pop["lsoa11_code"].astype(str))
    out = ages[[str(a) for a in range(90)] + ["90+"]].astype(float)
    out.columns = [str(a) for a in range(91)]  # 90 means 90 and over
    out.index.name = "lsoa_code"
    return out


def _ages21() -> pd.DataFrame:
    return apportion_to_lsoa21(_ages11(), pairs(),
                               load_geography("2025")["population"])


def age_table(edition: Edition) -> pd.DataFrame:
    """Single-year-of-age population (columns ``"0"`` … ``"90"``, 90 = 90 and over) per LSOA.

    Mid-2020 ONS estimates on LSOA 2011 for the 2019 edition; for 2025, the same estimates carried
    to LSOA 2021 (:func:`apportion_to_lsoa21`, weights = Census 2021 usual residents). Cached.
    """
    vintage = LSOA_VINTAGE[edition]
    return cached(f"ages_{vintage}", _ages11 if vintage == "lsoa11" else _ages21)


def children_0_15(edition: Edition) -> pd.Series:
    """Children aged 0–15 per LSOA of ``edition`` (from :func:`age_table`)."""
    return age_table(edition)[list(CHILD_AGES)].sum(axis=1, min_count=1).rename("children_0_15")


__all__ = ["CHILD_AGES", "age_table", "children_0_15"]
