"""Registry of measures a user can map, rank and use as 'need': IMD, domains, sub-domains and more.

One module per family declares its measures, each with its kind, datasets and the provider that
builds its columns: :mod:`~needsmap.measures.imd` (IMD and domains),
:mod:`~needsmap.measures.subdomains`, :mod:`~needsmap.measures.jobs` (at-risk jobs, furlough),
:mod:`~needsmap.measures.cni` (Community Needs Index), :mod:`~needsmap.measures.census` (ethnicity)
and :mod:`~needsmap.measures.change` (2019→2025). The registry reads their ``MEASURES`` in
:data:`FAMILIES` order; nothing registers itself on import. Everything that lists measures (the
LSOA table's parts, Explore's choices, profile rows, tooltip domains, table columns, the Data
sources page, the PDF tables) asks the registry, so a new measure is one :class:`Measure` in its
family's module (or one :func:`register` call).
"""

from __future__ import annotations

from collections.abc import Sequence
from types import ModuleType

import pandas as pd

from needsmap.data.loaders import IMD_PROVIDER, Provider, build_lsoa_table
from needsmap.measures import census, change, cni, imd, jobs, rural, subdomains
from needsmap.measures.base import KINDS, Kind, Measure, ProfileRow, View
from needsmap.types import Edition

#: the measure families, in the order their measures are listed
FAMILIES: tuple[ModuleType, ...] = (imd, subdomains, jobs, cni, census, change, rural)
#: groups of the overall IMD and its domains (tooltips and tables list their deciles)
DOMAIN_GROUPS = ("Deprivation", "IMD domain")

MEASURES: dict[str, Measure] = {m.id: m for family in FAMILIES for m in family.MEASURES}


def register(measure: Measure) -> Measure:
    """Add ``measure`` (and so its provider) to the registry, replacing one with the same id."""
    MEASURES[measure.id] = measure
    return measure


def unregister(measure_id: str) -> None:
    """Remove a measure added with :func:`register` (``KeyError`` if there is none)."""
    del MEASURES[measure_id]


def measures_for(edition: Edition) -> list[Measure]:
    """Measures available for ``edition``, in registry order."""
    return [m for m in MEASURES.values() if edition in m.editions]


def get_measure(measure_id: str) -> Measure:
    """The registered measure ``measure_id`` (``KeyError`` listing the ids otherwise)."""
    try:
        return MEASURES[measure_id]
    except KeyError:
        raise KeyError(f"unknown measure {measure_id!r}; known: {', '.join(MEASURES)}") from None


def domain_measures() -> list[Measure]:
    """The overall IMD and its seven domains, IMD first (whose deciles tooltips and tables list)."""
    return [m for m in MEASURES.values() if m.group in DOMAIN_GROUPS]


def providers() -> list[Provider]:
    """The LSOA table's parts: the IMD first, then each registered measure's provider, once each."""
    out: dict[str, Provider] = {IMD_PROVIDER.name: IMD_PROVIDER}
    for m in MEASURES.values():
        out.setdefault(m.provider.name, m.provider)
    return list(out.values())


def load_lsoa_table(edition: Edition, *, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """Geography, population, IMD and every registered measure's columns, one row per LSOA.

    :func:`needsmap.data.loaders.build_lsoa_table` with :func:`providers`; see it for ``columns``,
    hidden layers and ``attrs``. Also importable as ``needsmap.data.load_lsoa_table``.

    Raises
    ------
    DataMissingError, ValidationError
        A required dataset is missing or fails its checks.
    """
    return build_lsoa_table(edition, providers(), columns=columns)


def profile_rows() -> list[tuple[Measure, ProfileRow]]:
    """Every registered measure's rows on an area profile's "more measures" list, in registry order."""
    return [(m, row) for m in MEASURES.values() for row in m.profile_rows]


def used_by() -> dict[str, list[str]]:
    """Catalog dataset id -> labels of the registered measures made from it (for the Data sources page)."""
    out: dict[str, list[str]] = {}
    for m in MEASURES.values():
        for ds in m.datasets:
            out.setdefault(ds, []).append(m.label)
    return out


def how_made() -> list[str]:
    """How each family's values reach each neighbourhood (markdown paragraphs, family order)."""
    return [text for family in FAMILIES for text in getattr(family, "HOW", ())]


__all__ = [
    "DOMAIN_GROUPS",
    "FAMILIES",
    "KINDS",
    "MEASURES",
    "Kind",
    "Measure",
    "ProfileRow",
    "Provider",
    "View",
    "domain_measures",
    "get_measure",
    "how_made",
    "load_lsoa_table",
    "measures_for",
    "profile_rows",
    "providers",
    "register",
    "unregister",
    "used_by",
]
