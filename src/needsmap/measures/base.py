"""What a measure is: :class:`Measure`, its views and kinds, and the rows it gives an area profile."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from needsmap.data.loaders import Provider
from needsmap.types import EDITIONS, Edition

View = Literal["decile", "rank", "score", "value"]
#: what a measure's number is: a rank-based index (IMD, domains, CNI; rank 1 = most need), a rate
#: (per cent of a population, e.g. furlough take-up), a share (per cent of jobs or residents), a
#: yes/no flag or a count (people, e.g. a population estimate)
Kind = Literal["rank-based", "rate", "share", "flag", "count"]
KINDS: tuple[Kind, ...] = ("rank-based", "rate", "share", "flag", "count")


@dataclass(frozen=True)
class ProfileRow:
    """One line of an area profile's "more measures" list.

    Attributes
    ----------
    column
        LSOA table column shown.
    label
        Label for one LSOA.
    area_label
        Label for a ward or local authority (several LSOAs): by default the label and ", average"
        (population-weighted); for a flag, the number of LSOAs flagged.
    text_column
        For one LSOA, the LSOA table column whose text is shown instead of ``column``'s value
        (when the table has it).
    """

    column: str
    label: str
    area_label: str = ""
    #: for one LSOA, show this column's text instead (e.g. the Rural-Urban class's name, not "no")
    text_column: str = ""


@dataclass(frozen=True, kw_only=True)
class Measure:
    """A per-LSOA measure, and where its columns come from.

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
    kind
        What the number is (:data:`KINDS`).
    provider
        The part of the LSOA table that carries its columns (:class:`~needsmap.data.loaders.Provider`).
    higher_is_worse
        For ``value``/``score``: True when a larger number means more need.
    editions
        Editions whose LSOA table has it.
    datasets
        Catalog ids it comes from (for citations): the publisher's data first, then any lookups.
    unit
        Unit of ``value`` (``%``, ``people``); empty for ranks and deciles.
    description
        Plain-English definition shown beside it.
    short
        Short label (map tooltips, charts); the label when empty.
    heading
        Column heading in display tables; the short label when empty.
    abbrev
        Heading of a narrow table column (PDF); the heading when empty.
    profile
        Rows it adds to an area profile's "more measures" list; ``None`` (the default) gives one
        row per view with the label, ``()`` none (measures with a section of their own).
    """

    id: str
    label: str
    group: str
    views: tuple[View, ...]
    kind: Kind
    provider: Provider
    higher_is_worse: bool = True
    editions: tuple[Edition, ...] = EDITIONS
    datasets: tuple[str, ...] = ()
    unit: str = ""
    description: str = ""
    short: str = ""
    heading: str = ""
    abbrev: str = ""
    profile: tuple[ProfileRow, ...] | None = None
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

    @property
    def short_label(self) -> str:
        """Short label: tooltips and charts."""
        return self.short or self.label

    @property
    def table_heading(self) -> str:
        """Heading of its column in display tables."""
        return self.heading or self.short_label

    @property
    def narrow_heading(self) -> str:
        """Heading of its column in a narrow (PDF) table."""
        return self.abbrev or self.table_heading

    @property
    def profile_rows(self) -> tuple[ProfileRow, ...]:
        """Its rows on an area profile's "more measures" list (see ``profile``)."""
        if self.profile is not None:
            return self.profile
        return tuple(ProfileRow(self.column(v), self.label if v == "value" else f"{self.label} ({v})")
                     for v in self.views)


__all__ = ["KINDS", "Kind", "Measure", "ProfileRow", "Provider", "View"]
