"""Find a place: what one search box resolves a postcode, LSOA, ward, local authority or region to.

Pure functions over the LSOA 2021 geography table (``load_geography("2025")``: index ``lsoa_code``,
columns ``lsoa_name``, ``ward_code``, ``ward_name``, ``lad_code``, ``lad_name``, ``region_code``,
``region_name``, ``population``). Wards and local authorities are the 2024 ones for both IMD
editions, so every place resolves on this one table; a postcode or an LSOA also carries the LSOA
of each vintage (2011 for IMD 2019, 2021 for IMD 2025) for the maps and profiles.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

from needsmap import areas
from needsmap.areas import Area
from needsmap.errors import ValidationError
from needsmap.gss import ENGLAND_CODE, is_lsoa_code
from needsmap.safe_text import printable
from needsmap.types import LSOA_VINTAGE, Edition, LsoaVintage

PlaceKind = Literal["postcode", "lsoa", "ward", "lad", "region", "england"]
#: what each kind of place is called in suggestions and messages
KIND_WORD: dict[str, str] = {"postcode": "postcode", "lsoa": "neighbourhood (LSOA)", "ward": "ward",
                             "lad": "local authority", "region": "region", "england": "country"}
#: a postcode as people type it (spaces anywhere, any case); checked against the NSPL afterwards
_POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}$")
#: an option key: ``<level>:<GSS code>``
_KEY = re.compile(r"^(region|lad|ward|england):(E\d{8})$")


@dataclass(frozen=True)
class Place:
    """What a search found.

    Attributes
    ----------
    kind
        ``postcode``, ``lsoa``, ``ward``, ``lad``, ``region`` or ``england``.
    area
        The area to select (for a postcode or an LSOA, the ward it is in).
    label
        What the user sees, e.g. ``"B16 6RE → Birmingham 136A (E01009143), Ladywood ward"``.
    postcode
        The postcode as people write it (``"B16 6RE"``), for a postcode.
    lsoa
        For a postcode or an LSOA: the LSOA of each vintage (``{"lsoa21": ..., "lsoa11": ...}``).
    """

    kind: PlaceKind
    area: Area
    label: str
    postcode: str | None = None
    lsoa: dict[str, str] = field(default_factory=dict)

    def lsoa_code(self, vintage: LsoaVintage) -> str | None:
        """The LSOA of ``vintage`` (``"lsoa11"``/``"lsoa21"``) this place is, or is in (``None``: an area)."""
        return self.lsoa.get(vintage)

    def query(self) -> dict[str, str]:
        """The URL query parameters that bring this place back (``postcode`` or ``lsoa``; empty for an area)."""
        if self.postcode:
            return {"postcode": self.postcode}
        if "lsoa21" in self.lsoa:
            return {"lsoa": self.lsoa["lsoa21"]}
        return {}


def squash(text: str) -> str:
    """``text`` upper case with every space removed (``" b16 6re "`` → ``"B166RE"``)."""
    return "".join(str(text).upper().split())


def looks_like_postcode(text: str) -> bool:
    """Whether ``text`` has the shape of a full UK postcode (any spacing or case)."""
    return bool(_POSTCODE.match(squash(text)))


def place_options(geography: pd.DataFrame) -> pd.DataFrame:
    """Every region, local authority and ward as a search suggestion.

    Parameters
    ----------
    geography
        The LSOA 2021 geography table (see the module docstring).

    Returns
    -------
    pandas.DataFrame
        Columns ``key`` (``"ward:E05011151"``) and ``label`` (``"Ladywood · ward in Birmingham"``);
        regions first, then local authorities, then wards, each by name. Ward names repeat across
        England, so a ward's label names its local authority.
    """
    parts = [pd.DataFrame({"key": [f"england:{ENGLAND_CODE}"], "label": ["England"]})]
    regions = areas.options(geography, "region")
    parts.append(pd.DataFrame({"key": "region:" + regions["code"], "label": regions["name"] + " · region"}))
    lads = geography[["lad_code", "lad_name", "region_name"]].drop_duplicates("lad_code").sort_values("lad_name")
    parts.append(pd.DataFrame({"key": "lad:" + lads["lad_code"],
                               "label": lads["lad_name"] + " · local authority, " + lads["region_name"]}))
    wards = geography[["ward_code", "ward_name", "lad_name"]].drop_duplicates("ward_code")
    wards = wards.sort_values(["ward_name", "lad_name"])
    parts.append(pd.DataFrame({"key": "ward:" + wards["ward_code"],
                               "label": wards["ward_name"] + " · ward in " + wards["lad_name"]}))
    return pd.concat(parts, ignore_index=True)


def _area_place(kind: PlaceKind, code: str, geography: pd.DataFrame) -> Place:
    area = areas.area_from_code(code, geography)
    return Place(kind=kind, area=area, label=area.label)


def _lsoa_place(lsoa21: str, geography: pd.DataFrame, *, lsoa11: str | None,
                postcode: str | None = None) -> Place:
    row = geography.loc[lsoa21]
    ward = Area("ward", str(row["ward_code"]), str(row["ward_name"]))
    where = f"{row['lsoa_name']} ({lsoa21}), {row['ward_name']} ward, {row['lad_name']}"
    lsoa = {"lsoa21": lsoa21, **({"lsoa11": lsoa11} if lsoa11 else {})}
    if postcode:
        return Place("postcode", ward, f"{postcode} → {where}", postcode=postcode, lsoa=lsoa)
    return Place("lsoa", ward, where, lsoa=lsoa)


def resolve_place(text: str, geography: pd.DataFrame) -> Place:
    """What the search box's ``text`` names.

    Tried in turn: a suggestion's key (``"ward:E05011151"``) or its label; a postcode (placed in
    its LSOA of each vintage by :func:`needsmap.analysis.profile.lsoa_for_postcode`: the NSPL
    centroid in the LSOA boundaries, or the NSPL's own codes when fetched); an LSOA code of either
    vintage (the other vintage's LSOA through the crosswalk's most-populous part) or an LSOA name
    (``"Birmingham 136A"``); any other GSS code; a region, local authority or ward name (case
    ignored).

    Parameters
    ----------
    text
        What was typed or chosen.
    geography
        The LSOA 2021 geography table.

    Raises
    ------
    ValidationError
        Nothing matches (the message says what to type), a postcode that cannot be placed in
        England, or a ward name shared by several wards (the message names their local authorities).
    """
    raw = str(text or "").strip()
    if not raw:
        raise ValidationError("type a postcode, an LSOA code or name, a ward, a local authority or a region")
    key = _KEY.match(raw)
    if key:
        return _area_place(key.group(1), key.group(2), geography)  # type: ignore[arg-type]
    opts = place_options(geography)
    by_label = opts.loc[opts["label"].str.lower() == raw.lower(), "key"]
    if len(by_label):
        m = _KEY.match(str(by_label.iloc[0]))
        assert m is not None  # every option key has the pattern
        return _area_place(m.group(1), m.group(2), geography)  # type: ignore[arg-type]
    if looks_like_postcode(raw):
        return _postcode_place(raw, geography)
    code = squash(raw)
    if is_lsoa_code(code):
        return _lsoa_code_place(code, geography)
    by_name = geography.index[geography["lsoa_name"].str.lower() == raw.lower()]
    if len(by_name):
        return _lsoa_code_place(str(by_name[0]), geography)
    if re.fullmatch(r"E\d{8}", code):
        return _area_place(areas.level_of(code), code, geography)
    try:
        area = areas.find_area(raw, geography)
    except ValidationError as exc:
        if "several wards" in str(exc):
            raise ValidationError(f"{exc}, or pick it from the suggestions (they name each ward's "
                                  "local authority)") from None
        raise ValidationError(
            f"nothing called '{printable(raw, limit=60)}': type a full postcode (B16 6RE), an LSOA "
            "code (E01009143) or name (Birmingham 136A), or pick a ward, local authority or region "
            "from the suggestions") from None
    return Place(kind=area.level, area=area, label=area.label)


def _postcode_place(raw: str, geography: pd.DataFrame) -> Place:
    from needsmap.analysis.profile import display_postcode, lsoa_for_postcode

    pretty = display_postcode(raw)
    lsoa21, _ = lsoa_for_postcode(pretty, edition="2025")
    try:
        lsoa11: str | None = lsoa_for_postcode(pretty, edition="2019")[0]
    except ValidationError:
        lsoa11 = None
    if lsoa21 not in geography.index:
        raise ValidationError(f"postcode {pretty} lies in LSOA {lsoa21}, which the data folder's "
                              "geography does not hold (the demo holds the West Midlands only)")
    return _lsoa_place(lsoa21, geography, lsoa11=lsoa11, postcode=pretty)


def _lsoa_code_place(code: str, geography: pd.DataFrame) -> Place:
    from needsmap.data.crosswalk import resolve_codes

    if code in geography.index:
        lsoa21 = code
        res = resolve_codes(pd.Series([code]), to="lsoa11").iloc[0]
        lsoa11 = None if pd.isna(res["code"]) else str(res["code"])
    else:
        res = resolve_codes(pd.Series([code]), to="lsoa21").iloc[0]
        if pd.isna(res["code"]) or str(res["code"]) not in geography.index:
            raise ValidationError(f"{code} is not an LSOA 2011 or LSOA 2021 code in England's "
                                  "data (check the code; Welsh LSOAs start W01)")
        lsoa21, lsoa11 = str(res["code"]), code
    return _lsoa_place(lsoa21, geography, lsoa11=lsoa11)


def lsoa_for_edition(place: Place, edition: Edition) -> str | None:
    """The LSOA of ``edition``'s vintage that ``place`` is, or is in (``None`` for an area)."""
    return place.lsoa_code(LSOA_VINTAGE[edition])


__all__ = ["KIND_WORD", "Place", "PlaceKind", "looks_like_postcode", "lsoa_for_edition", "place_options",
           "resolve_place", "squash"]
