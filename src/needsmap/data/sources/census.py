"""Nomis Census 2021 bulk tables (TS021 ethnic group, TS067 qualifications, TS011 household
deprivation) converted into the prepared layout.

Nomis publishes every Census 2021 topic summary as one zip per table,
``https://www.nomisweb.co.uk/output/census/2021/census2021-tsNNN.zip``, holding one CSV per
geography level side by side: ``census2021-tsNNN-ctry.csv``, ``-rgn``, ``-utla``, ``-ltla``,
``-msoa``, ``-lsoa`` and ``-oa``. Only the ``-lsoa.csv`` member is read here.

Format, as seen in public scripts (see each source's ``seen_at``):

* columns ``date`` (census year, 2021), ``geography`` (area name), ``geography code`` (GSS code;
  the name has a space), then one count column per category, named
  ``<topic>: <category>`` with category totals first (``Ethnic group: Total: All usual residents``);
* some tables add ``; measures: Value`` to every count column (TS011 does; TS021 and TS067 do
  not), so names are matched after removing that suffix and the topic prefix;
* England and Wales together (35,672 LSOAs); only England's (codes ``E01``) are kept, as in the
  prepared files.

Counts are persons or households, as integers; ONS perturbs each cell (cell-key method).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from needsmap.data.census_groups import ETHNIC_GROUPS
from needsmap.data.sources._base import Frames, Source
from needsmap.data.sources._read import (
    check_unique,
    england,
    find_column,
    header_text,
    member_name,
    numeric,
    read_csv,
    read_data,
)
from needsmap.errors import ValidationError
from needsmap.gss import LSOA_PATTERN

NOMIS_BULK = "https://www.nomisweb.co.uk/output/census/2021"
LANDING = "https://www.nomisweb.co.uk/sources/census_2021_bulk"
ATTRIBUTION = ("Source: Office for National Statistics licensed under the Open Government "
               "Licence v.3.0")
SEEN_AT = ("alexsingleton/Census_2021_Output_Areas Table_Metadata.csv (column old_names: the bulk "
           "files' headers) and bulk_data.R; humaniverse/demographr data-raw/ethnicity21_lsoa21.R "
           "and data-raw/household_deprivation21_lsoa21.R")

#: how each broad group's category name starts (lower case), so wording changes are tolerated
_GROUP_STARTS = ("asian", "black", "mixed", "white", "other")

_GEO_CODE = ("geography code", "geography_code", "geographycode")
_MEASURES = re.compile(r";\s*measures:.*$", re.IGNORECASE)
#: what the converters read, in messages
_WHAT = "the Nomis table"


# ----------------------------------------------------------------------------- reading
def _read_lsoa_table(path: Path, table: str) -> tuple[pd.DataFrame, str]:
    """The ``-lsoa.csv`` member of ``census2021-<table>.zip`` (in any sub-folder), or ``path``
    itself when it is that CSV, as text; and its name for messages."""
    member = f"census2021-{table}-lsoa.csv"

    def pick(names: list[str]) -> str | None:
        return next((n for n in names if member_name(n).lower() == member), None)

    data, where = read_data(path, what=_WHAT, pick=pick, expected=member)
    return read_csv(data, where=where, what=_WHAT), where


def _clean_name(name: object) -> str:
    """Header name without BOM, surrounding space or a ``; measures: Value`` suffix."""
    return _MEASURES.sub("", header_text(name)).strip()


def _category_columns(df: pd.DataFrame, topic: str) -> dict[str, str]:
    """Lower-cased category (topic prefix and measures suffix removed) -> the file's column."""
    prefix = topic.lower() + ":"
    out: dict[str, str] = {}
    for col in df.columns:
        clean = _clean_name(col).lower()
        if clean.startswith(prefix):
            out.setdefault(clean[len(prefix):].strip(), col)
    return out


def _find(cats: dict[str, str], starts: str, *, broad: bool = False) -> str | None:
    """The column whose category starts with ``starts`` (a top-level one when ``broad``)."""
    for cat, col in cats.items():
        if cat.startswith(starts) and (not broad or ":" not in cat):
            return col
    return None


def _england(df: pd.DataFrame, where: str) -> tuple[pd.DataFrame, str]:
    """Rows of English LSOAs (``E01``), codes trimmed and upper-cased, and the code column."""
    code = find_column(df.columns, *_GEO_CODE, where=where)
    if code is None:
        raise ValidationError(f"{where} has no 'geography code' column (columns: "
                              f"{', '.join(map(_clean_name, df.columns[:8]))} …): not a Nomis "
                              "Census 2021 bulk table.")
    out = england(df, [code], where=where, pattern=LSOA_PATTERN + "$",
                  expected="LSOA codes E01…; is this the LSOA table, the -lsoa.csv member of "
                           "the zip?").copy()
    out[code] = out[code].str.strip().str.upper()
    out = out.drop_duplicates()
    check_unique(out[code], where=where, what="LSOA", note="with different counts")
    return out, code


def _counts(df: pd.DataFrame, col: str, where: str) -> pd.Series:
    """A count column as numbers; a blank or non-numeric cell is an error naming the file."""
    return numeric(df[col], where=where, column=_clean_name(col), missing=())


def _missing(where: str, topic: str, wanted: list[str], cats: dict[str, str]) -> ValidationError:
    found = ", ".join(list(cats)[:10]) or "none"
    return ValidationError(f"{where} lacks the column(s) {', '.join(wanted)} (topic '{topic}'; "
                           f"categories found: {found}).")


def _wide(path: Path, table: str, topic: str, spec: dict[str, str]) -> pd.DataFrame:
    """One row per English LSOA: ``lsoa21_code`` then one integer column per ``spec`` entry
    (output name -> start of the category name, lower case)."""
    raw, where = _read_lsoa_table(path, table)
    cats = _category_columns(raw, topic)
    cols = {out: _find(cats, starts) for out, starts in spec.items()}
    lacking = [f"'{topic}: {spec[k]}…'" for k, v in cols.items() if v is None]
    if lacking:
        raise _missing(where, topic, lacking, cats)
    eng, code = _england(raw, where)
    out = pd.DataFrame({"lsoa21_code": eng[code].to_numpy()})
    for name, col in cols.items():
        out[name] = _counts(eng, str(col), where).round().astype(np.int64).to_numpy()
    return out.sort_values("lsoa21_code").reset_index(drop=True)


# ----------------------------------------------------------------------------- converters
def convert_ts021(path: Path) -> Frames:
    """Census 2021 TS021 (ethnic group) bulk zip -> ``census2021_ethnicity``.

    Format seen in alexsingleton/Census_2021_Output_Areas ``Table_Metadata.csv`` (the bulk files'
    own headers) and humaniverse/demographr ``data-raw/ethnicity21_lsoa21.R``: member
    ``census2021-ts021-lsoa.csv``, columns ``geography code``,
    ``Ethnic group: Total: All usual residents``, the five broad groups
    (``Ethnic group: White`` …) and 19 detailed ones (``Ethnic group: White: Irish`` …).

    Parameters
    ----------
    path
        ``census2021-ts021.zip`` as downloaded, or its ``census2021-ts021-lsoa.csv`` member.

    Returns
    -------
    ``{"census2021_ethnicity": frame}``, long format, one row per English LSOA 2021 and broad
    group, sorted by LSOA code then in the header's group order (Asian, Black, Mixed, White,
    Other): ``lsoa21_code``; ``total_residents`` (all usual residents, persons); ``ethnic_group``
    (the broad group's name without the topic prefix); ``n`` (usual residents in the group,
    persons); ``prop`` (``n / total_residents``, a fraction 0–1). The detailed groups are not kept.

    Raises
    ------
    ValidationError
        A zip without the ``-lsoa.csv`` member, a missing column, a non-numeric count, an HTML page.
    """
    topic = "Ethnic group"
    raw, where = _read_lsoa_table(path, "ts021")
    cats = _category_columns(raw, topic)
    total = _find(cats, "total")
    groups = [_find(cats, s, broad=True) for s in _GROUP_STARTS]
    lacking = [f"'{topic}: {g}'" for g, c in zip(ETHNIC_GROUPS, groups, strict=True) if c is None]
    if total is None:
        lacking.insert(0, f"'{topic}: Total: All usual residents'")
    if lacking:
        raise _missing(where, topic, lacking, cats)
    eng, code = _england(raw, where)
    eng = eng.sort_values(code)
    codes = eng[code].to_numpy()
    tot = _counts(eng, str(total), where).astype(float).to_numpy()
    k = len(ETHNIC_GROUPS)
    n = np.column_stack([_counts(eng, str(c), where).astype(float).to_numpy() for c in groups])
    out = pd.DataFrame({
        "lsoa21_code": np.repeat(codes, k),
        "total_residents": np.repeat(tot, k),
        "ethnic_group": np.tile(np.asarray(ETHNIC_GROUPS, dtype=object), len(codes)),
        "n": n.reshape(-1),
    })
    with np.errstate(divide="ignore", invalid="ignore"):
        out["prop"] = out["n"] / out["total_residents"]
    return {"census2021_ethnicity": out}


#: TS067 categories (lower case, topic prefix removed) -> prepared column
_TS067 = {
    "residents_16plus": "total",
    "no_qualifications": "no qualifications",
    "level1_entry_qualifications": "level 1",
    "level2_qualifications": "level 2",
    "apprenticeship": "apprenticeship",
    "level3_qualifications": "level 3",
    "level4_plus_qualifications": "level 4",
    "other_qualifications": "other qualifications",
}


def convert_ts067(path: Path) -> Frames:
    """Census 2021 TS067 (highest level of qualification) bulk zip -> ``census2021_qualifications``.

    Format seen in alexsingleton/Census_2021_Output_Areas ``Table_Metadata.csv`` (ts067 rows):
    member ``census2021-ts067-lsoa.csv``, columns ``geography code`` and
    ``Highest level of qualification: Total: All usual residents aged 16 years and over``,
    ``…: No qualifications``, ``…: Level 1 and entry level qualifications``,
    ``…: Level 2 qualifications``, ``…: Apprenticeship``, ``…: Level 3 qualifications``,
    ``…: Level 4 qualifications and above``, ``…: Other qualifications``.

    Returns
    -------
    ``{"census2021_qualifications": frame}``, one row per English LSOA 2021 sorted by code:
    ``lsoa21_code``, ``residents_16plus`` (usual residents aged 16 and over, persons),
    ``no_qualifications``, ``level1_entry_qualifications``, ``level2_qualifications``,
    ``apprenticeship``, ``level3_qualifications``, ``level4_plus_qualifications``,
    ``other_qualifications`` (persons; the categories sum to the total).

    Notes
    -----
    The prepared file of ``../shared/data`` was summed from the output-area table; this reads ONS's
    own LSOA table, whose counts can differ by a few people (each geography is perturbed apart).

    Raises
    ------
    ValidationError
        A zip without the ``-lsoa.csv`` member, a missing column, a non-numeric count, an HTML page.
    """
    frame = _wide(path, "ts067", "Highest level of qualification", _TS067)
    return {"census2021_qualifications": frame}


#: TS011 categories (lower case, topic prefix and measures suffix removed) -> prepared column
_TS011 = {
    "total_households": "total",
    "not_deprived": "household is not deprived",
    "deprived_1_dimension": "household is deprived in one",
    "deprived_2_dimensions": "household is deprived in two",
    "deprived_3_dimensions": "household is deprived in three",
    "deprived_4_dimensions": "household is deprived in four",
}


def convert_ts011(path: Path) -> Frames:
    """Census 2021 TS011 (households by deprivation dimensions) bulk zip ->
    ``census2021_household_deprivation``.

    Format seen in humaniverse/demographr ``data-raw/household_deprivation21_lsoa21.R`` (which
    strips ``Household deprivation: `` and ``; measures: Value``) and in public scripts reading the
    columns ``Household deprivation: Total: All households; measures: Value``,
    ``Household deprivation: Household is not deprived in any dimension; measures: Value`` and
    ``… is deprived in one|two|three|four dimension(s); measures: Value``.

    Returns
    -------
    ``{"census2021_household_deprivation": frame}``, one row per English LSOA 2021 sorted by code:
    ``lsoa21_code``, ``total_households`` (all households), ``not_deprived``,
    ``deprived_1_dimension``, ``deprived_2_dimensions``, ``deprived_3_dimensions``,
    ``deprived_4_dimensions`` (households deprived in that many of employment, education, health and
    disability, housing).

    Raises
    ------
    ValidationError
        A zip without the ``-lsoa.csv`` member, a missing column, a non-numeric count, an HTML page.
    """
    frame = _wide(path, "ts011", "Household deprivation", _TS011)
    return {"census2021_household_deprivation": frame}


# ----------------------------------------------------------------------------- registry
def _source(table: str, title: str, dataset: str, convert: Callable[[Path], Frames],
            header: tuple[str, ...]) -> Source:
    return Source(
        id=f"census2021_{table}",
        title=f"Census 2021 {table.upper()}: {title} (Nomis bulk download)",
        publisher="Office for National Statistics (Nomis)",
        url=f"{NOMIS_BULK}/census2021-{table}.zip",
        file_name=f"census2021-{table}.zip",
        format="zip",
        datasets=(dataset,),
        convert=convert,
        attribution=ATTRIBUTION,
        landing_page=LANDING,
        name_patterns=(f"census2021-{table}*.zip", f"census2021-{table}-lsoa*.csv"),
        header=("geography code", *header),
        seen_at=SEEN_AT,
    )


SOURCES: tuple[Source, ...] = (
    _source("ts021", "Ethnic group", "census2021_ethnicity", convert_ts021,
            ("Ethnic group: Total: All usual residents",)),
    _source("ts067", "Highest level of qualification", "census2021_qualifications", convert_ts067,
            ("Highest level of qualification: Total: All usual residents aged 16 years and over",)),
    _source("ts011", "Households by deprivation dimensions", "census2021_household_deprivation",
            convert_ts011, ("Household deprivation: Total: All households; measures: Value",)),
)

__all__ = ["ETHNIC_GROUPS", "SOURCES", "convert_ts011", "convert_ts021", "convert_ts067"]
