"""Area selection shared by every page and command: England, a region, a local authority or a ward."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pandas as pd

from needsmap.errors import ValidationError
from needsmap.gss import ENGLAND_CODE, LTLA_PREFIXES, REGION_PREFIX, WARD_PREFIX

Level = Literal["england", "region", "lad", "ward"]

#: column in the geography table holding each level's code and name
_COLUMNS: dict[str, tuple[str, str]] = {
    "region": ("region_code", "region_name"),
    "lad": ("lad_code", "lad_name"),
    "ward": ("ward_code", "ward_name"),
}
_LEVEL_WORD = {"england": "country", "region": "region", "lad": "local authority", "ward": "ward"}


@dataclass(frozen=True)
class Area:
    """A selected area: its level, ONS code and name."""

    level: Level
    code: str
    name: str

    @property
    def label(self) -> str:
        """Name with its kind, e.g. ``Birmingham (local authority)``."""
        return self.name if self.level == "england" else f"{self.name} ({_LEVEL_WORD[self.level]})"


ENGLAND = Area("england", ENGLAND_CODE, "England")
#: the area a first-time user sees
DEFAULT_AREA_CODE = "E08000025"  # Birmingham


def level_of(code: str) -> Level:
    """Level an ONS code belongs to, from its prefix."""
    code = code.strip().upper()
    if code in (ENGLAND_CODE, "ENGLAND"):
        return "england"
    if code.startswith(REGION_PREFIX):
        return "region"
    if code.startswith(LTLA_PREFIXES):
        return "lad"
    if code.startswith(WARD_PREFIX):
        return "ward"
    raise ValidationError(
        f"{code!r} is not an area code needsmap knows: use a region (E12…), local authority "
        "(E06…–E09…), ward (E05…) code, or England"
    )


def area_from_code(code: str, geography: pd.DataFrame) -> Area:
    """The :class:`Area` with ONS ``code``, named from the geography table."""
    level = level_of(code)
    if level == "england":
        return ENGLAND
    code_col, name_col = _COLUMNS[level]
    hit = geography.loc[geography[code_col] == code.strip().upper(), name_col]
    if hit.empty:
        raise ValidationError(f"no {_LEVEL_WORD[level]} with code {code!r} in the lookup files")
    return Area(level, code.strip().upper(), str(hit.iloc[0]))


def find_area(text: str, geography: pd.DataFrame) -> Area:
    """Resolve a code or a name ("Birmingham", "West Midlands", "England") to an :class:`Area`.

    Names are matched case-insensitively: first local authorities, then regions, then wards (a ward
    name shared by several wards is an error listing their local authorities).
    """
    t = text.strip()
    if not t:
        raise ValidationError("no area given: name a local authority, region, ward, or England")
    if t.lower() == "england" or t.upper() == ENGLAND_CODE:
        return ENGLAND
    if t[:1].upper() == "E" and t[1:].isdigit():
        return area_from_code(t, geography)
    for level in ("lad", "region", "ward"):
        code_col, name_col = _COLUMNS[level]
        cols = list(dict.fromkeys([code_col, name_col, "lad_name"]))
        hits = geography.loc[geography[name_col].str.lower() == t.lower(), cols]
        hits = hits.drop_duplicates(code_col)
        if len(hits) == 1:
            return Area(level, str(hits[code_col].iloc[0]), str(hits[name_col].iloc[0]))
        if len(hits) > 1:
            where = ", ".join(f"{r[code_col]} in {r['lad_name']}" for _, r in hits.head(6).iterrows())
            raise ValidationError(f"{t!r} names several wards ({where}); give the ward code instead")
    raise ValidationError(f"no local authority, region or ward called {t!r}")


def select(table: pd.DataFrame, area: Area) -> pd.DataFrame:
    """Rows of an LSOA table (with geography columns) that lie in ``area``."""
    if area.level == "england":
        return table
    code_col, _ = _COLUMNS[area.level]
    return table.loc[table[code_col] == area.code]


def options(geography: pd.DataFrame, level: Level, *, within: Area | None = None) -> pd.DataFrame:
    """Codes and names of every area of ``level`` (optionally within a larger area), sorted by name."""
    if level == "england":
        return pd.DataFrame({"code": [ENGLAND_CODE], "name": ["England"]})
    code_col, name_col = _COLUMNS[level]
    g = select(geography, within) if within is not None else geography
    out = g[[code_col, name_col]].drop_duplicates(code_col)
    out.columns = ["code", "name"]
    return out.sort_values("name").reset_index(drop=True)


def only_region(geography: pd.DataFrame) -> Area | None:
    """The region, when the geography table holds exactly one (the embedded demo), else ``None``.

    Then "all England" would be that region under another name: pickers leave it out and
    :func:`require_covered` refuses it.
    """
    regions = options(geography, "region")
    if len(regions) != 1:
        return None
    return Area("region", str(regions["code"].iloc[0]), str(regions["name"].iloc[0]))


def require_covered(area: Area, scope: str) -> Area:
    """``area``, unless it is England and the data covers only ``scope`` (the demo's region).

    Raises
    ------
    ValidationError
        England was asked for and the LSOA table holds one region only.
    """
    if area.level == "england" and scope != ENGLAND.name:
        raise ValidationError(
            f"the demo data holds the {scope} only, not all of England: choose the {scope} or an "
            "area in it, or get all of England with `needsmap data fetch`")
    return area


def parents(area: Area, geography: pd.DataFrame) -> dict[str, str]:
    """Codes of the region and local authority containing ``area`` (those that apply)."""
    if area.level in ("england", "region"):
        return {"region": area.code} if area.level == "region" else {}
    code_col, _ = _COLUMNS[area.level]
    row = geography.loc[geography[code_col] == area.code].iloc[0]
    out = {"region": str(row["region_code"]), "lad": str(row["lad_code"])}
    return out
