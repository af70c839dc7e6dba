"""Data layer: the dataset catalog, validated loaders and the prepared-file cache.

The names below load on first use (PEP 562), so a command that only needs the catalog does not pay
for pandas' and geopandas' imports. The loaders come with the extra-measure providers registered
(at-risk jobs, furlough, CNI, ethnicity, change since 2019).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from needsmap.data.catalog import CATALOG, DATASETS, Dataset, get_dataset
    from needsmap.data.loaders import (
        DAMAGED_LAYERS,
        DOMAINS,
        HIDDEN_LAYERS,
        SUBDOMAINS,
        load_boundaries,
        load_geography,
        load_imd,
        load_lad_boundaries,
        load_lsoa_table,
        load_ward_boundaries,
        read_geometry,
        read_table,
        register_provider,
    )

_CATALOG_NAMES = ("CATALOG", "DATASETS", "Dataset", "get_dataset")
_LOADER_NAMES = ("DAMAGED_LAYERS", "DOMAINS", "HIDDEN_LAYERS", "SUBDOMAINS", "load_boundaries",
                 "load_geography", "load_imd", "load_lad_boundaries", "load_lsoa_table",
                 "load_ward_boundaries", "read_geometry", "read_table", "register_provider")

__all__ = [
    "CATALOG", "DATASETS", "DAMAGED_LAYERS", "DOMAINS", "HIDDEN_LAYERS", "SUBDOMAINS", "Dataset",
    "get_dataset", "load_boundaries", "load_geography", "load_imd", "load_lad_boundaries",
    "load_lsoa_table", "load_ward_boundaries", "read_geometry", "read_table", "register_provider",
]


def __getattr__(name: str) -> Any:
    if name in _CATALOG_NAMES:
        return getattr(importlib.import_module("needsmap.data.catalog"), name)
    if name in _LOADER_NAMES:
        loaders = importlib.import_module("needsmap.data.loaders")
        importlib.import_module("needsmap.data.extra_measures")  # registers its providers
        return getattr(loaders, name)
    raise AttributeError(f"module 'needsmap.data' has no attribute {name!r}")
