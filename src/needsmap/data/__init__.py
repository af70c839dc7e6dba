"""Data layer: the dataset catalog, validated loaders and the prepared-file cache."""

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

__all__ = [
    "CATALOG",
    "DATASETS",
    "DAMAGED_LAYERS",
    "DOMAINS",
    "HIDDEN_LAYERS",
    "SUBDOMAINS",
    "Dataset",
    "get_dataset",
    "load_boundaries",
    "load_geography",
    "load_imd",
    "load_lad_boundaries",
    "load_lsoa_table",
    "load_ward_boundaries",
    "read_geometry",
    "read_table",
    "register_provider",
]

# registers the extra-measure providers (at-risk jobs, furlough, CNI, ethnicity, change since 2019)
import needsmap.data.extra_measures  # noqa: E402, F401, I001
