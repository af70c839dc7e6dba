"""Registry of measures a user can map, rank and use as 'need': IMD, domains, sub-domains and more."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from needsmap.types import EDITIONS, Edition

View = Literal["decile", "rank", "score", "value"]


@dataclass(frozen=True)
class Measure:
    """A per-LSOA measure.

    Parameters
    ----------
    id
        Column stem in the LSOA table (``health`` → ``health_rank``, ``health_decile``).
    label
        What users read.
    group
        Heading it is listed under.
    views
        Which forms exist: ``decile`` and ``rank`` for IMD measures (rank 1 most deprived), ``score``
        where published, ``value`` for other measures (column is ``id`` itself).
    higher_is_worse
        For ``value``/``score``: True when a larger number means more need.
    editions
        Editions whose LSOA table has it.
    datasets
        Catalog ids it comes from (for citations).
    unit
        Unit of ``value`` (``%``, ``people``); empty for ranks and deciles.
    description
        Plain-English definition shown beside it.
    """

    id: str
    label: str
    group: str
    views: tuple[View, ...]
    higher_is_worse: bool = True
    editions: tuple[Edition, ...] = EDITIONS
    datasets: tuple[str, ...] = ()
    unit: str = ""
    description: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    def column(self, view: View) -> str:
        """Column name in the LSOA table for ``view``."""
        if view not in self.views:
            raise ValueError(f"measure {self.id!r} has no {view} view (it has {', '.join(self.views)})")
        return self.id if view == "value" else f"{self.id}_{view}"

    def views_in(self, columns: object) -> list[View]:
        """The views whose column is present in ``columns`` (an LSOA table's columns)."""
        cols = set(columns)  # type: ignore[call-overload]
        return [v for v in self.views if self.column(v) in cols]

    @property
    def default_view(self) -> View:
        """Decile where there is one, else the first view."""
        return "decile" if "decile" in self.views else self.views[0]


def _imd(id_: str, label: str, group: str, desc: str, *, score25: bool = True) -> Measure:
    return Measure(
        id=id_, label=label, group=group,
        views=("decile", "rank", "score") if score25 else ("decile", "rank"),
        datasets=("imd2019", "imd2025") if group != "IMD sub-domain" else
        ("imd2019_subdomains", "imd2025_subdomains"),
        description=desc,
    )


MEASURES: dict[str, Measure] = {}


def register(measure: Measure) -> Measure:
    """Add ``measure`` to the registry (replacing one with the same id) and return it."""
    MEASURES[measure.id] = measure
    return measure


for _m in (
    _imd("imd", "Index of Multiple Deprivation (overall)", "Deprivation",
         "The official overall measure of relative deprivation, combining seven weighted domains."),
    _imd("income", "Income deprivation", "IMD domain",
         "Share of the population on low incomes (out-of-work and in-work benefits, tax credits)."),
    _imd("employment", "Employment deprivation", "IMD domain",
         "Share of working-age people involuntarily out of work (unemployment, sickness, caring)."),
    _imd("education", "Education, skills and training deprivation", "IMD domain",
         "Lack of attainment and skills among children, young people and adults."),
    _imd("health", "Health deprivation and disability", "IMD domain",
         "Risk of premature death and impaired quality of life through poor physical or mental health."),
    _imd("crime", "Crime", "IMD domain",
         "Risk of personal and material victimisation (recorded violence, burglary, theft, damage)."),
    _imd("housing", "Barriers to housing and services", "IMD domain",
         "Physical and financial accessibility of housing and local services "
         "('Housing and Access' in 2019, 'Housing and Services' in 2025)."),
    _imd("environment", "Living environment deprivation", "IMD domain",
         "Quality of the local environment: housing condition, air quality, road accidents."),
    _imd("cyp", "Children and young people (education)", "IMD sub-domain",
         "Attainment and skills of children and young people."),
    _imd("adult_skills", "Adult skills", "IMD sub-domain",
         "Adults with no or low qualifications, or who cannot speak English well."),
    _imd("geo_barriers", "Geographical barriers", "IMD sub-domain",
         "Road distance to a post office, primary school, general store and GP."),
    _imd("wider_barriers", "Wider barriers", "IMD sub-domain",
         "Overcrowding, homelessness and housing affordability."),
    _imd("indoors", "Indoors living environment", "IMD sub-domain",
         "Housing in poor condition and without central heating."),
    _imd("outdoors", "Outdoors living environment", "IMD sub-domain",
         "Air quality and road traffic accidents."),
):
    register(_m)


def measures_for(edition: Edition) -> list[Measure]:
    """Measures available for ``edition``, in registry order."""
    return [m for m in MEASURES.values() if edition in m.editions]


def get_measure(measure_id: str) -> Measure:
    """The registered measure ``measure_id`` (``KeyError`` listing the ids otherwise)."""
    try:
        return MEASURES[measure_id]
    except KeyError:
        raise KeyError(f"unknown measure {measure_id!r}; known: {', '.join(MEASURES)}") from None


# extra measures (at-risk jobs, furlough, CNI, ethnicity, change) register themselves on import
import needsmap.data.extra_measures  # noqa: E402, F401, I001
