"""Organisation layers: import any list, place it by postcode/coordinates/LSOA code, default layers."""

from needsmap.orgs.geocode import (
    OK,
    normalise_postcode,
    place_coordinates,
    place_lsoa_codes,
    place_points,
    read_postcode_lookup,
)
from needsmap.orgs.importer import (
    ROLE_LABELS,
    ColumnsNotFoundError,
    ImportResult,
    import_file,
    import_frame,
)
from needsmap.orgs.layers import (
    DEFAULT_LAYERS,
    DEFAULT_PREFIX,
    Layer,
    load_default_layer,
    load_layer_spec,
)
from needsmap.orgs.postcode_table import place_postcodes

__all__ = [
    "DEFAULT_LAYERS",
    "DEFAULT_PREFIX",
    "OK",
    "ROLE_LABELS",
    "ColumnsNotFoundError",
    "ImportResult",
    "Layer",
    "import_file",
    "import_frame",
    "load_default_layer",
    "load_layer_spec",
    "normalise_postcode",
    "place_coordinates",
    "place_lsoa_codes",
    "place_points",
    "place_postcodes",
    "read_postcode_lookup",
]
