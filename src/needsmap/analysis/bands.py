"""The bands bids quote: "Top 10% / 20% / 40% / 60% most deprived LSOA", from an IMD rank.

The one home of these bands. Funders' and applicants' tables (for example the case-study table of
organisations in the seed report, IMD 2019) band an LSOA by where its rank falls among England's
LSOAs: within the most deprived 10%, 20%, 40% or 60%. A band follows the rank itself, not the
decile column (rank 1 = most deprived; the count is :func:`needsmap.types.england_lsoa_count`).
"""

from __future__ import annotations

from needsmap.types import Edition, england_lsoa_count

#: the bands' upper limits, as shares of England's LSOAs (0–1), most deprived first
BID_BANDS: tuple[float, ...] = (0.10, 0.20, 0.40, 0.60)
#: what an LSOA outside every band is called
NO_BAND = "Not in the 60% most deprived"
#: the words after "Top 20%" in a band
_SUFFIX = " most deprived LSOA"


def bid_band_pct(rank: int | float | None, edition: Edition) -> int | None:
    """The smallest band (10, 20, 40 or 60, in %) whose most deprived LSOAs include ``rank``.

    Parameters
    ----------
    rank
        IMD or domain rank, 1 = most deprived of England's LSOAs in ``edition``.
    edition
        IMD edition (sets the count: 32,844 LSOA 2011 or 33,755 LSOA 2021).

    Returns
    -------
    int or None
        10, 20, 40 or 60; ``None`` when the rank is missing or beyond the 60% most deprived.

    Raises
    ------
    ValueError
        ``rank`` is below 1 or above England's LSOA count.
    """
    if rank is None or rank != rank:  # None or NaN
        return None
    total = england_lsoa_count(edition)
    if not 1 <= rank <= total:
        raise ValueError(f"IMD {edition} rank must be 1–{total:,}, not {rank}")
    for share in BID_BANDS:
        # rank r is in the most deprived p% when r <= p% of the count (ranks 1..floor(p*N))
        if rank <= share * total:
            return round(share * 100)
    return None


def bid_band(rank: int | float | None, edition: Edition) -> str:
    """The band as tables print it: ``"Top 20% most deprived LSOA"`` (or :data:`NO_BAND`, or ``"n/a"``).

    See :func:`bid_band_pct` for the rule and errors.
    """
    if rank is None or rank != rank:
        return "n/a"
    pct = bid_band_pct(rank, edition)
    return NO_BAND if pct is None else f"Top {pct}%{_SUFFIX}"


def short_band(band: str) -> str:
    """A band from :func:`bid_band` in a narrow column, under a heading that says of what:
    ``"Top 20%"``, ``"Not in top 60%"`` (other text unchanged)."""
    if band == NO_BAND:
        return f"Not in top {round(BID_BANDS[-1] * 100)}%"
    return band.removesuffix(_SUFFIX)


__all__ = ["BID_BANDS", "NO_BAND", "bid_band", "bid_band_pct", "short_band"]
