"""IMD sub-domains family: the six sub-domains of education, housing and living environment (MHCLG).

Ranks and deciles as published (rank 1 = most deprived); 2025 also publishes scores. Columns come
from :func:`needsmap.data.loaders.load_imd`, with the IMD's.
"""

from __future__ import annotations

from needsmap.data.imd_domains import IMD_SUBDOMAINS
from needsmap.data.loaders import IMD_PROVIDER
from needsmap.measures.base import Measure

#: our wording of each: id -> (label, description)
_WORDS: dict[str, tuple[str, str]] = {
    "cyp": ("Children and young people (education)", "Attainment and skills of children and young people."),
    "adult_skills": ("Adult skills", "Adults with no or low qualifications, or who cannot speak English well."),
    "geo_barriers": ("Geographical barriers", "Road distance to a post office, primary school, general store "
                     "and GP."),
    "wider_barriers": ("Wider barriers", "Overcrowding, homelessness and housing affordability."),
    "indoors": ("Indoors living environment", "Housing in poor condition and without central heating."),
    "outdoors": ("Outdoors living environment", "Air quality and road traffic accidents."),
}

MEASURES: tuple[Measure, ...] = tuple(
    Measure(id=d.id, label=_WORDS[d.id][0], group="IMD sub-domain", views=("decile", "rank", "score"),
            kind="rank-based", provider=IMD_PROVIDER, datasets=("imd2019_subdomains", "imd2025_subdomains"),
            description=_WORDS[d.id][1], profile=())
    for d in IMD_SUBDOMAINS
)

__all__ = ["MEASURES"]
