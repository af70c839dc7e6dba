"""What each catalog dataset is used for: the one registry the Data sources page reads.

A dataset's uses are declared where it is read, never listed again by hand: the measures made from
it (each :class:`~needsmap.measures.Measure`'s ``datasets``), the default organisation layers
(:data:`needsmap.orgs.layers.DEFAULT_LAYERS`), and ``DATASET_USES`` (dataset id -> what it is read
for) of each module that reads datasets for something other than a measure (:data:`DECLARING`).
"""

from __future__ import annotations

import importlib

#: the modules that declare ``DATASET_USES``
DECLARING = (
    "needsmap.data.loaders",
    "needsmap.data.crosswalk",
    "needsmap.data.lsoa_points",
    "needsmap.measures.cni",
    "needsmap.orgs.geocode",
    "needsmap.orgs.importer",
    "needsmap.orgs.postcode_table",
)


def dataset_uses() -> dict[str, list[str]]:
    """Catalog dataset id -> what it is used for, in words: the labels of the measures made from it,
    then the other uses its readers declare (an id no code reads is absent).

    Returns
    -------
    dict of dataset id to a list of short phrases ("Income deprivation", "regions", …), each once.
    """
    from needsmap.measures import used_by
    from needsmap.orgs.layers import DEFAULT_LAYERS

    out: dict[str, list[str]] = {k: list(v) for k, v in used_by().items()}

    def add(dataset: str, use: str) -> None:
        have = out.setdefault(dataset, [])
        if use not in have:
            have.append(use)

    for name in DECLARING:
        declared: dict[str, str] = importlib.import_module(name).DATASET_USES
        for dataset, use in declared.items():
            add(dataset, use)
    for layer in DEFAULT_LAYERS.values():
        add(layer.dataset_id, f"default organisation layer: {layer.title}")
    return out


__all__ = ["DECLARING", "dataset_uses"]
