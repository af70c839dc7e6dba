"""Data layer: the dataset catalog, validated loaders and the prepared-file cache.

The names below load on first use (PEP 562), so a command that only needs the catalog does not pay
for pandas' and geopandas' imports. :func:`load_lsoa_table` is the measure registry's
(:func:`needsmap.measures.load_lsoa_table`): the LSOA table with every registered measure's columns.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from needsmap.data.catalog import CATALOG, DATASETS, Dataset, get_dataset
    from needsmap.data.imd_domains import DOMAINS, SUBDOMAINS
    from needsmap.data.loaders import (
        DAMAGED_LAYERS,
        HIDDEN_LAYERS,
        load_boundaries,
        load_geography,
        load_imd,
        load_lad_boundaries,
        load_ward_boundaries,
        read_geometry,
        read_table,
    )
    from needsmap.measures import load_lsoa_table

_CATALOG_NAMES = ("CATALOG", "DATASETS", "Dataset", "get_dataset")
_DOMAIN_NAMES = ("DOMAINS", "SUBDOMAINS")
_LOADER_NAMES = ("DAMAGED_LAYERS", "HIDDEN_LAYERS", "load_boundaries",
                 "load_geography", "load_imd", "load_lad_boundaries", "load_ward_boundaries",
                 "read_geometry", "read_table")

__all__ = [
    "CATALOG", "DATASETS", "DAMAGED_LAYERS", "DOMAINS", "HIDDEN_LAYERS", "SUBDOMAINS", "Dataset",
    "get_dataset", "load_boundaries", "load_geography", "load_imd", "load_lad_boundaries",
    "load_lsoa_table", "load_ward_boundaries", "read_geometry", "read_table",
]


def __getattr__(name: str) -> Any:
    if name in _CATALOG_NAMES:
        return getattr(importlib.import_module("needsmap.data.catalog"), name)
    if name in _DOMAIN_NAMES:
        return getattr(importlib.import_module("needsmap.data.imd_domains"), name)
    if name in _LOADER_NAMES:
        return getattr(importlib.import_module("needsmap.data.loaders"), name)
    if name == "load_lsoa_table":  # the data layer knows no measure: the registry assembles the table
        return importlib.import_module("needsmap.measures").load_lsoa_table
    raise AttributeError(f"module 'needsmap.data' has no attribute {name!r}")
