"""Small shared types and constants: IMD editions, LSOA vintages and England's LSOA counts.

The one home of these: every module takes an edition's vintage from :data:`LSOA_VINTAGE` and its
count from :func:`england_lsoa_count`, never spelling ``"lsoa11" if edition == "2019"`` itself.
"""

from __future__ import annotations

from typing import Literal, cast

Edition = Literal["2019", "2025"]
EDITIONS: tuple[Edition, ...] = ("2019", "2025")
DEFAULT_EDITION: Edition = "2025"

ENGLAND_LSOA11 = 32_844
ENGLAND_LSOA21 = 33_755

#: an LSOA vintage: the 2011 or the 2021 Census geography
LsoaVintage = Literal["lsoa11", "lsoa21"]
LSOA_VINTAGES: tuple[LsoaVintage, ...] = ("lsoa11", "lsoa21")
#: the LSOA vintage each IMD edition is published on
LSOA_VINTAGE: dict[Edition, LsoaVintage] = {"2019": "lsoa11", "2025": "lsoa21"}
#: each vintage as readers see it
VINTAGE_LABEL: dict[LsoaVintage, str] = {"lsoa11": "LSOA 2011", "lsoa21": "LSOA 2021"}
#: England's LSOAs in each vintage
ENGLAND_LSOAS: dict[LsoaVintage, int] = {"lsoa11": ENGLAND_LSOA11, "lsoa21": ENGLAND_LSOA21}


def england_lsoa_count(edition: Edition) -> int:
    """Number of LSOAs in England for an IMD edition (the denominator of every rank)."""
    return ENGLAND_LSOAS[LSOA_VINTAGE[edition]]


def other_edition(edition: Edition) -> Edition:
    """The IMD edition that is not ``edition`` (``"2019"`` ↔ ``"2025"``)."""
    (other,) = (e for e in EDITIONS if e != edition)
    return other


def lsoa_code_column(edition: Edition) -> str:
    """The column holding LSOA codes of ``edition``'s vintage: ``lsoa11_code`` or ``lsoa21_code``."""
    return f"{LSOA_VINTAGE[edition]}_code"


def as_edition(value: object) -> Edition:
    """Coerce ``2019``/``"2025"`` to an :data:`Edition`, raising ``ValueError`` otherwise."""
    text = str(value).strip()
    if text not in EDITIONS:
        raise ValueError(f"IMD edition must be one of {', '.join(EDITIONS)}, not {value!r}")
    return cast(Edition, text)
