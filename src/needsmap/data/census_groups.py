"""Census 2021 classifications needsmap uses, as ONS publishes them: the one list of each.

Light on purpose (no pandas): the converters (:mod:`needsmap.data.sources.census`) and the measure
registry (:mod:`needsmap.measures.census`) both derive from it.
"""

from __future__ import annotations

#: the broad ethnic groups of TS021, in the order of the publisher's header and the prepared file
ETHNIC_GROUPS: tuple[str, ...] = (
    "Asian, Asian British or Asian Welsh",
    "Black, Black British, Black Welsh, Caribbean or African",
    "Mixed or Multiple ethnic groups",
    "White",
    "Other ethnic group",
)

__all__ = ["ETHNIC_GROUPS"]
