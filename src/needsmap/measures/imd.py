"""IMD family: the Index of Multiple Deprivation and its seven domains (MHCLG, 2019 and 2025).

Ranks and deciles as published (rank 1 = most deprived LSOA in England); the 2025 edition also
publishes scores. Columns come from :func:`needsmap.data.loaders.load_imd`.
"""

from __future__ import annotations

from needsmap.data.imd_domains import IMD_DOMAINS
from needsmap.data.loaders import IMD_PROVIDER
from needsmap.measures.base import Measure

#: our wording of each: id -> (label, group, short, table heading, narrow heading, description)
_WORDS: dict[str, tuple[str, str, str, str, str, str]] = {
    "imd": ("Index of Multiple Deprivation (overall)", "Deprivation", "IMD", "IMD", "IMD",
            "The official overall measure of relative deprivation, combining seven weighted domains."),
    "income": ("Income deprivation", "IMD domain", "Income", "Income", "Income",
               "Share of the population on low incomes (out-of-work and in-work benefits, tax credits)."),
    "employment": ("Employment deprivation", "IMD domain", "Employment", "Employment", "Employ.",
                   "Share of working-age people involuntarily out of work (unemployment, sickness, "
                   "caring)."),
    "education": ("Education, skills and training deprivation", "IMD domain", "Education", "Education",
                  "Educ.", "Lack of attainment and skills among children, young people and adults."),
    "health": ("Health deprivation and disability", "IMD domain", "Health", "Health", "Health",
               "Risk of premature death and impaired quality of life through poor physical or mental "
               "health."),
    "crime": ("Crime", "IMD domain", "Crime", "Crime", "Crime",
              "Risk of personal and material victimisation (recorded violence, burglary, theft, damage)."),
    "housing": ("Barriers to housing and services", "IMD domain", "Housing", "Housing & services", "Housing",
                "Physical and financial accessibility of housing and local services "
                "('Housing and Access' in 2019, 'Housing and Services' in 2025)."),
    "environment": ("Living environment deprivation", "IMD domain", "Environment", "Living environment",
                    "Env.", "Quality of the local environment: housing condition, air quality, road "
                    "accidents."),
}

MEASURES: tuple[Measure, ...] = tuple(
    Measure(id=d.id, label=_WORDS[d.id][0], group=_WORDS[d.id][1], views=("decile", "rank", "score"),
            kind="rank-based", provider=IMD_PROVIDER, datasets=("imd2019", "imd2025"),
            short=_WORDS[d.id][2], heading=_WORDS[d.id][3], abbrev=_WORDS[d.id][4],
            description=_WORDS[d.id][5], profile=())
    for d in IMD_DOMAINS
)

__all__ = ["MEASURES"]
