"""The IMD, its seven domains and six sub-domains as MHCLG publishes them: the one list of them.

Every other list of domains (catalog columns, File 7 converters, loaders, the measure registry,
tooltips, tables, profiles, reports) is derived from :data:`IMD_DOMAINS` and :data:`IMD_SUBDOMAINS`.
"""

from __future__ import annotations

from dataclasses import dataclass

from needsmap.types import Edition


@dataclass(frozen=True)
class Domain:
    """The IMD, one of its domains or one sub-domain.

    Attributes
    ----------
    id
        Our id, the stem of the LSOA table's columns (``income`` → ``income_rank``).
    publisher_label
        MHCLG's name in File 7's headers ("Barriers to Housing and Services").
    stem2019, stem2025
        Column stem of the prepared file of each edition (``Housing_and_Access``).
    score_suffix
        What follows the label in File 7's score header (" Score", or " Score (rate)").
    parent
        For a sub-domain, the id of its domain; empty otherwise.
    """

    id: str
    publisher_label: str
    stem2019: str
    stem2025: str
    score_suffix: str = " Score"
    parent: str = ""

    def stem(self, edition: Edition) -> str:
        """Column stem in the prepared IMD file of ``edition``."""
        return self.stem2019 if edition == "2019" else self.stem2025


#: the overall IMD and its seven domains, in MHCLG's order
IMD_DOMAINS: tuple[Domain, ...] = (
    Domain("imd", "Index of Multiple Deprivation (IMD)", "IMD", "IMD"),
    Domain("income", "Income", "Income", "Income", " Score (rate)"),
    Domain("employment", "Employment", "Employment", "Employment", " Score (rate)"),
    Domain("education", "Education, Skills and Training", "Education", "Education"),
    Domain("health", "Health Deprivation and Disability", "Health", "Health"),
    Domain("crime", "Crime", "Crime", "Crime"),
    Domain("housing", "Barriers to Housing and Services", "Housing_and_Access", "Housing_and_Services"),
    Domain("environment", "Living Environment", "Environment", "Environment"),
)
#: the six sub-domains, in MHCLG's order (two each of education, housing, living environment)
IMD_SUBDOMAINS: tuple[Domain, ...] = (
    Domain("cyp", "Children and Young People Sub-domain", "Children_and_young_people",
           "children_and_young_people", parent="education"),
    Domain("adult_skills", "Adult Skills Sub-domain", "Adult_skills", "adult_skills", parent="education"),
    Domain("geo_barriers", "Geographical Barriers Sub-domain", "Geographical_barriers",
           "geographical_barriers", parent="housing"),
    Domain("wider_barriers", "Wider Barriers Sub-domain", "Wider_barriers", "wider_barriers",
           parent="housing"),
    Domain("indoors", "Indoors Sub-domain", "Indoors", "indoors", parent="environment"),
    Domain("outdoors", "Outdoors Sub-domain", "Outdoors", "outdoors", parent="environment"),
)

#: ids of the seven domains (without the overall IMD)
DOMAIN_IDS: tuple[str, ...] = tuple(d.id for d in IMD_DOMAINS if d.id != "imd")
#: ids of the six sub-domains
SUBDOMAIN_IDS: tuple[str, ...] = tuple(d.id for d in IMD_SUBDOMAINS)
#: IMD and domains: our id -> (2019 column stem, 2025 column stem)
DOMAINS: dict[str, tuple[str, str]] = {d.id: (d.stem2019, d.stem2025) for d in IMD_DOMAINS}
#: sub-domains: our id -> (2019 column stem, 2025 column stem)
SUBDOMAINS: dict[str, tuple[str, str]] = {d.id: (d.stem2019, d.stem2025) for d in IMD_SUBDOMAINS}

__all__ = ["DOMAINS", "DOMAIN_IDS", "IMD_DOMAINS", "IMD_SUBDOMAINS", "SUBDOMAINS", "SUBDOMAIN_IDS", "Domain"]
