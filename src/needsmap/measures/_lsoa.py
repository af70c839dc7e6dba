"""Helpers the measure families share: an empty part, and LSOA 2011 values carried onto LSOA 2021."""

from __future__ import annotations

import pandas as pd

from needsmap.data.loaders import read_table
from needsmap.types import Edition


def empty_part(edition: Edition) -> pd.DataFrame:
    """A part with no LSOA (for an edition a family has no data for)."""
    return pd.DataFrame(index=pd.Index([], dtype=str, name="lsoa_code"))


def lsoa11_lsoa21_pairs() -> pd.DataFrame:
    """Every (LSOA 2011, LSOA 2021) pair of the ONS best-fit lookup with its change code."""
    lk = read_table("lsoa11_lsoa21_lookup")
    return lk[["lsoa11_code", "lsoa21_code", "change_code"]].astype(str)


def lsoa21_from_lsoa11(values: pd.Series | pd.DataFrame) -> pd.DataFrame:
    """Carry LSOA 2011 values onto LSOA 2021: the mean over each LSOA 2021's 2011 parents.

    Parameters
    ----------
    values
        Numeric values indexed by LSOA 2011 code.

    Returns
    -------
    Frame indexed by LSOA 2021 code (``lsoa_code``). Unchanged and split LSOAs have one parent, so
    they take its value exactly; merged and irregular ones average their parents (missing ignored).
    """
    frame = values.to_frame() if isinstance(values, pd.Series) else values
    pairs = lsoa11_lsoa21_pairs()
    joined = pairs[["lsoa11_code", "lsoa21_code"]].join(frame, on="lsoa11_code")
    out = joined.drop(columns="lsoa11_code").groupby("lsoa21_code").mean(numeric_only=True)
    out.index.name = "lsoa_code"
    return out


def lsoa_change_codes() -> pd.Series:
    """ONS change code (U/S/M/X) of every LSOA 2021, indexed by ``lsoa_code``."""
    pairs = lsoa11_lsoa21_pairs().drop_duplicates("lsoa21_code")
    return pd.Series(pairs["change_code"].to_numpy(), index=pd.Index(pairs["lsoa21_code"], name="lsoa_code"),
                     name="lsoa_change")


__all__ = ["empty_part", "lsoa11_lsoa21_pairs", "lsoa21_from_lsoa11", "lsoa_change_codes"]
