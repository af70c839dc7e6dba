"""The coordinate reference systems needsmap uses, and the transformations between them."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyproj import Transformer

__all__ = ["BNG", "BNG_EPSG", "WGS84", "WGS84_EPSG", "from_bng", "to_bng"]

#: British National Grid (OSGB36, EPSG:27700): metres, for distances and areas across England and
#: for easting/northing input; the code, for comparing with ``CRS.to_epsg()``
BNG_EPSG = 27700
BNG = f"EPSG:{BNG_EPSG}"
#: WGS84 latitude/longitude (EPSG:4326): every staged boundary file and every map
WGS84_EPSG = 4326
WGS84 = f"EPSG:{WGS84_EPSG}"


@functools.cache
def to_bng() -> Transformer:
    """WGS84 → British National Grid, ``transform(lon, lat) -> (x, y)`` in metres.

    Made once per process (pyproj reads its database to choose the transformation: tens of
    milliseconds) and shared by every caller; pyproj is imported only here, so code that needs no
    projection does not load it.
    """
    from pyproj import Transformer

    return Transformer.from_crs(WGS84, BNG, always_xy=True)


@functools.cache
def from_bng() -> Transformer:
    """British National Grid → WGS84, ``transform(x, y) -> (lon, lat)`` in degrees (see :func:`to_bng`)."""
    from pyproj import Transformer

    return Transformer.from_crs(BNG, WGS84, always_xy=True)
