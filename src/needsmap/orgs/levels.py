"""How precisely each row of an organisation list is placed, and how sure the placement is.

One home for the vocabulary shared by the importer, the geocoder, the analyses and the pages:

- ``placement_level``: the precision at which a row's location is known, most precise first
  (:data:`LEVELS`). The most precise location in a row wins.
- ``confidence``: for a row placed in an LSOA, how sure that LSOA is (:data:`CONFIDENCES`).
- ``area_code`` / ``area_name``: for a row known only at ward, local-authority, region or country
  level, the GSS code and name of that area (``<NA>`` otherwise).
"""

from __future__ import annotations

from typing import Final, Literal

from needsmap import gss

Level = Literal["point", "postcode", "LSOA", "ward", "local authority", "region", "country"]

LEVEL_POINT: Final = "point"
LEVEL_POSTCODE: Final = "postcode"
LEVEL_LSOA: Final = "LSOA"
LEVEL_WARD: Final = "ward"
LEVEL_LA: Final = "local authority"
LEVEL_REGION: Final = "region"
LEVEL_COUNTRY: Final = "country"
#: most precise first; a row's level is the first one it has a usable location for
LEVELS: Final[tuple[str, ...]] = (LEVEL_POINT, LEVEL_POSTCODE, LEVEL_LSOA, LEVEL_WARD, LEVEL_LA,
                                  LEVEL_REGION, LEVEL_COUNTRY)
#: levels at which a row is placed in one LSOA (the others are summarised at their own level)
LSOA_LEVELS: Final[tuple[str, ...]] = (LEVEL_POINT, LEVEL_POSTCODE, LEVEL_LSOA)

Confidence = Literal["exact", "sure", "uncertain"]
#: from an official lookup (NSPL/ONSPD codes, or an LSOA code given in the list)
CONF_EXACT: Final = "exact"
#: the point is further from every other LSOA than the boundaries' generalisation could move it
CONF_SURE: Final = "sure"
#: the point is near an LSOA boundary (or was snapped to the nearest LSOA): it may be in the neighbour
CONF_UNCERTAIN: Final = "uncertain"
CONFIDENCES: Final[tuple[str, ...]] = (CONF_EXACT, CONF_SURE, CONF_UNCERTAIN)

#: the command that makes every postcode placement exact (the official NSPL's own codes)
NSPL_FETCH: Final = "needsmap data fetch --only nspl"

#: status prefix of a row that is not an organisation (a total row, a blank spacer row …)
NOT_ORG: Final = "not an organisation"

#: GSS code prefix → placement level for area codes (the prefixes and what they name: needsmap.gss)
GSS_LEVELS: Final[dict[str, str]] = {
    prefix: level
    for prefixes, level in ((gss.UK_LSOA_PREFIXES, LEVEL_LSOA), (gss.UK_WARD_PREFIXES, LEVEL_WARD),
                            (gss.UK_LA_PREFIXES, LEVEL_LA), (gss.UK_REGION_PREFIXES, LEVEL_REGION),
                            (gss.UK_COUNTRY_PREFIXES, LEVEL_COUNTRY))
    for prefix in prefixes
}


def level_of_code(code: str) -> str | None:
    """The placement level of a GSS code (``"E08000025"`` → ``"local authority"``); None if unknown."""
    return GSS_LEVELS.get(str(code).strip().upper()[:3])


__all__ = [
    "CONFIDENCES",
    "CONF_EXACT",
    "CONF_SURE",
    "CONF_UNCERTAIN",
    "GSS_LEVELS",
    "LEVELS",
    "LEVEL_COUNTRY",
    "LEVEL_LA",
    "LEVEL_LSOA",
    "LEVEL_POINT",
    "LEVEL_POSTCODE",
    "LEVEL_REGION",
    "LEVEL_WARD",
    "LSOA_LEVELS",
    "NOT_ORG",
    "NSPL_FETCH",
    "Confidence",
    "Level",
    "level_of_code",
]
