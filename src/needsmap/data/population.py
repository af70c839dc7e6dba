"""Population by single year of age per LSOA of either vintage, and LSOA 2011 → 2021 apportioning.

ONS mid-2020 estimates are published on LSOA 2011 only. For the 2025 edition (LSOA 2021) they are
carried over the ONS lookup: unchanged and merged LSOAs exactly, split and irregular ones shared out
by Census 2021 usual residents.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from needsmap.data._cache import cached
from needsmap.data.catalog import get_dataset
from needsmap.data.loaders import load_geography, read_table
from needsmap.types import Edition

#: ages of "children" in the income deprivation affecting children index (IDACI)
CHILD_AGES = tuple(str(a) for a in range(16))


def apportion_to_lsoa21(values11: pd.Series | pd.DataFrame, lookup: pd.DataFrame,
                        population21: pd.Series) -> pd.Series | pd.DataFrame:
    """Move LSOA 2011 counts onto LSOA 2021, splitting by 2021 population.

    Each LSOA 2011 count is shared among the LSOA 2021 it maps to in proportion to their population
    (merged LSOAs therefore sum; split ones divide; with no population, equal shares). Irregular
    (``X``) changes are approximate.

    Parameters
    ----------
    values11
        Counts indexed by LSOA 2011 code (a Series, or a frame of several counts).
    lookup
        ``lsoa11_code``, ``lsoa21_code`` pairs (ONS LSOA 2011 → 2021 lookup).
    population21
        Population indexed by LSOA 2021 code (Census 2021).
    """
    pairs = lookup[["lsoa11_code", "lsoa21_code"]].astype(str).drop_duplicates()
    w = population21.reindex(pairs["lsoa21_code"]).fillna(0).to_numpy(dtype=float)
    total = pd.Series(w).groupby(pairs["lsoa11_code"].to_numpy()).transform("sum").to_numpy()
    n = pairs.groupby("lsoa11_code")["lsoa21_code"].transform("size").to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(total > 0, w / total, 1.0 / n)
    frame = values11.to_frame() if isinstance(values11, pd.Series) else values11
    parts = frame.reindex(pairs["lsoa11_code"]).to_numpy(dtype=float) * share[:, None]
    out = (pd.DataFrame(parts, columns=frame.columns)
           .groupby(pairs["lsoa21_code"].to_numpy()).sum(min_count=1))
    out.index.name = "lsoa_code"
    return out.iloc[:, 0].rename(values11.name) if isinstance(values11, pd.Series) else out


def _ages11() -> pd.DataFrame:
    pop = read_table("population2020")
    ages = pop.set_index(pop["lsoa11_code"].astype(str))
    out = ages[[str(a) for a in range(90)] + ["90+"]].astype(float)
    out.columns = [str(a) for a in range(91)]  # 90 means 90 and over
    out.index.name = "lsoa_code"
    return out


def _ages21() -> pd.DataFrame:
    return apportion_to_lsoa21(_ages11(), read_table("lsoa11_lsoa21_lookup"),  # type: ignore[return-value]
                               load_geography("2025")["population"])


def age_table(edition: Edition) -> pd.DataFrame:
    """Single-year-of-age population (columns ``"0"`` … ``"90"``, 90 = 90 and over) per LSOA.

    Mid-2020 ONS estimates on LSOA 2011 for the 2019 edition; for 2025, the same estimates carried
    to LSOA 2021 (:func:`apportion_to_lsoa21`, weights = Census 2021 usual residents). Cached.
    """
    if edition == "2019":
        return cached("ages_lsoa11", [get_dataset("population2020").path], _ages11)
    ids = ("population2020", "lsoa11_lsoa21_lookup", "census2021_ethnicity",
           "lsoa21_ward24_lookup", "ltla24_region24_lookup")
    return cached("ages_lsoa21", [get_dataset(i).path for i in ids], _ages21)


def children_0_15(edition: Edition) -> pd.Series:
    """Children aged 0–15 per LSOA of ``edition`` (from :func:`age_table`)."""
    return age_table(edition)[list(CHILD_AGES)].sum(axis=1, min_count=1).rename("children_0_15")


__all__ = ["CHILD_AGES", "age_table", "apportion_to_lsoa21", "children_0_15"]
