"""needsmap: deprivation, community need and community organisations across England."""

from needsmap.errors import DataMissingError, NeedsmapError, ValidationError
from needsmap.types import EDITIONS, ENGLAND_LSOA11, ENGLAND_LSOA21, Edition, england_lsoa_count

__all__ = [
    "EDITIONS",
    "ENGLAND_LSOA11",
    "ENGLAND_LSOA21",
    "DataMissingError",
    "Edition",
    "NeedsmapError",
    "ValidationError",
    "england_lsoa_count",
]
__version__ = "0.1.0"
