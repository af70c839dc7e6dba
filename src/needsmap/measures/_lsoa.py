"""What the measure families share: the part of a family with no data for an edition."""

from __future__ import annotations

import pandas as pd

from needsmap.types import Edition


def empty_part(edition: Edition) -> pd.DataFrame:
    """A part with no LSOA (for an edition a family has no data for)."""
    return pd.DataFrame(index=pd.Index([], dtype=str, name="lsoa_code"))


__all__ = ["empty_part"]
