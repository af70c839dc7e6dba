"""ONS GSS codes: the one home of their patterns (nine characters, a letter for the nation, two
digits for the entity type, six for the area).

Entity types needsmap reads: ``E01``/``W01`` LSOA (2011 and 2021 alike), ``E05`` electoral ward,
``E06`` unitary authority, ``E07`` non-metropolitan district, ``E08`` metropolitan borough,
``E09`` London borough (these four are the local authority districts, LTLAs), ``E12`` region,
``E92000001`` England. Source: ONS "Code History Database" entity list (Open Geography Portal).
"""

from __future__ import annotations

import re

import pandas as pd

#: England as a country
ENGLAND_CODE = "E92000001"
#: entity prefixes
LSOA_PREFIX = "E01"
WARD_PREFIX = "E05"
LTLA_PREFIXES = ("E06", "E07", "E08", "E09")
REGION_PREFIX = "E12"

#: entity prefixes of the whole UK that an organisation list may give as an area code, by the kind
#: of area they name: LSOA (``W01`` Wales), ward (``W05`` Wales, ``S13`` Scotland), local authority
#: (the LTLAs, ``E10`` English county, ``W06`` Welsh principal area, ``S12`` Scottish council area,
#: ``N09`` Northern Irish district), region, country (``E92``/``W92``/``S92``/``N92`` the four
#: nations, ``K02`` United Kingdom, ``K03`` Great Britain, ``K04`` England and Wales)
UK_LSOA_PREFIXES = (LSOA_PREFIX, "W01")
UK_WARD_PREFIXES = (WARD_PREFIX, "W05", "S13")
UK_LA_PREFIXES = (*LTLA_PREFIXES, "E10", "W06", "S12", "N09")
UK_REGION_PREFIXES = (REGION_PREFIX,)
UK_COUNTRY_PREFIXES = (ENGLAND_CODE[:3], "W92", "S92", "N92", "K02", "K03", "K04")

#: an English LSOA code (either vintage)
LSOA_PATTERN = r"E01\d{6}"
#: an LSOA code of England or Wales
LSOA_EW_PATTERN = r"[EW]01\d{6}"
#: an English ward code
WARD_PATTERN = r"E05\d{6}"
#: an English local authority district (LTLA) code
LTLA_PATTERN = r"E0[6-9]\d{6}"

_LSOA = re.compile(LSOA_PATTERN)
_WARD = re.compile(WARD_PATTERN)
_LTLA = re.compile(LTLA_PATTERN)


def is_lsoa_code(code: str) -> bool:
    """True for an English LSOA code (``E01`` and six digits; upper case, no spaces)."""
    return _LSOA.fullmatch(code) is not None


def is_ward_code(code: str) -> bool:
    """True for an English ward code (``E05`` and six digits)."""
    return _WARD.fullmatch(code) is not None


def is_ltla_code(code: str) -> bool:
    """True for an English local authority district code (``E06``–``E09`` and six digits)."""
    return _LTLA.fullmatch(code) is not None


def lsoa_mask(codes: pd.Series, *, wales: bool = False) -> pd.Series:
    """Boolean Series, same index: which values are LSOA codes (English, or of England and Wales
    with ``wales``); NA and other text are False. Values are matched as given (no case folding)."""
    pattern = LSOA_EW_PATTERN if wales else LSOA_PATTERN
    return codes.astype("string").str.fullmatch(pattern).fillna(False).astype(bool)


__all__ = [
    "ENGLAND_CODE",
    "LSOA_EW_PATTERN",
    "LSOA_PATTERN",
    "LSOA_PREFIX",
    "LTLA_PATTERN",
    "LTLA_PREFIXES",
    "REGION_PREFIX",
    "UK_COUNTRY_PREFIXES",
    "UK_LA_PREFIXES",
    "UK_LSOA_PREFIXES",
    "UK_REGION_PREFIXES",
    "UK_WARD_PREFIXES",
    "WARD_PATTERN",
    "WARD_PREFIX",
    "is_lsoa_code",
    "is_ltla_code",
    "is_ward_code",
    "lsoa_mask",
]
