"""Source registry: for every dataset, the publisher's exact download and its converter.

One module per publisher family (``imd`` MHCLG Indices of Deprivation and ONS population estimates,
``ons`` ONS Open Geography boundaries and lookups, ``census`` Nomis Census 2021 bulk tables, ``nspl``
the ONS postcode lookup), each exporting ``SOURCES``. :data:`MANUAL` says, for each catalog dataset
no source produces, why it cannot be fetched and how to get it.
"""

from __future__ import annotations

import importlib

from needsmap.data.sources._base import Converter, Frames, Source

#: modules of this package that each export ``SOURCES``
_MODULES = ("imd", "ons", "census", "nspl")


def _collect() -> tuple[Source, ...]:
    found: list[Source] = []
    for name in _MODULES:
        try:
            module = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:  # pragma: no cover - only while a module is written
            if exc.name != f"{__name__}.{name}":
                raise
            continue
        found += list(module.SOURCES)
    return tuple(found)


SOURCES: tuple[Source, ...] = _collect()

#: datasets no publisher download produces: why, and how a user gets them
MANUAL: dict[str, str] = {
    "bres2018_jobs": (
        "prepared by OCSI (Local Insight) from ONS BRES 2018, not a publisher file; put OCSI's "
        "export in the data folder as jobs/bres2018_jobs_by_sector_msoa11.csv (optional layer)"
    ),
    "furlough2020": (
        "HMRC publishes it inside a multi-sheet statistics workbook whose layout changed between "
        "releases; save the local-authority sheet as jobs/hmrc_furlough_aug2020_ltla19.csv "
        "(optional layer): https://www.gov.uk/government/collections/"
        "coronavirus-job-retention-scheme-statistics"
    ),
    "cni2023": (
        "licence not confirmed: OCSI supplies the Community Needs Index to social-purpose "
        "organisations; put your copy at community_needs/cni2023_lsoa21.csv (optional layer)"
    ),
    "cni2019_wards": (
        "licence not confirmed: from Local Trust / OCSI; put your copy at "
        "community_needs/cni2019_ward17.csv (optional layer)"
    ),
    "orgs_givefood": (
        "a ready-made organisation layer; save Give Food's food bank CSV "
        "(https://www.givefood.org.uk/api/) as organisations/givefood_foodbanks.csv (optional)"
    ),
    "orgs_libraries": (
        "a ready-made organisation layer from Libraries Hacked "
        "(https://github.com/LibrariesHacked/librarydata-db); optional"
    ),
    "orgs_charities_trafford": "a ready-made example list (Trafford Data Lab); optional",
    "orgs_trafford_grants": "a ready-made example list (GrantNav, 360Giving); optional",
}


def get_source(source_id: str) -> Source:
    """The registry entry ``source_id`` (``KeyError`` naming the known ids otherwise)."""
    for s in SOURCES:
        if s.id == source_id:
            return s
    raise KeyError(f"unknown source {source_id!r}; known: {', '.join(s.id for s in SOURCES)}")


def source_for(dataset_id: str) -> Source | None:
    """The source that produces ``dataset_id``, if any."""
    return next((s for s in SOURCES if dataset_id in s.datasets), None)


__all__ = ["MANUAL", "SOURCES", "Converter", "Frames", "Source", "get_source", "source_for"]
