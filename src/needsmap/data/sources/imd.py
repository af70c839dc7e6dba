"""MHCLG English Indices of Deprivation (Files 7 and 8) and ONS LSOA population estimates."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from python_calamine import CalamineWorkbook

from needsmap.data.catalog import IMD_RATE_COLUMNS
from needsmap.data.imd_domains import IMD_DOMAINS, IMD_SUBDOMAINS
from needsmap.data.sources._base import Frames, Source
from needsmap.data.sources._excel import open_workbook, sheet_table
from needsmap.data.sources._read import (
    check_unique,
    england,
    find_column,
    header_key,
    header_text,
    numeric,
    read_csv,
    read_data,
    require_column,
)
from needsmap.errors import ValidationError

__all__ = [
    "SOURCES",
    "clean_name",
    "convert_iod2019_file7",
    "convert_iod2019_file8",
    "convert_iod2025_file7",
    "convert_iod2025_file8",
    "convert_sape_lsoa21_mid2022_mid2024",
    "convert_sape_mid2020",
]

OGL = "Open Government Licence v3.0"
_MHCLG = "Ministry of Housing, Communities and Local Government (MHCLG)"
_ONS = "Office for National Statistics (ONS)"
_OGL_PSI = "Contains public sector information licensed under the Open Government Licence v3.0"
_IOD2019_PAGE = "https://www.gov.uk/government/statistics/english-indices-of-deprivation-2019"
_IOD2025_PAGE = "https://www.gov.uk/government/statistics/english-indices-of-deprivation-2025"
_ONS_SAPE = (
    "https://www.ons.gov.uk/peoplepopulationandcommunity/populationandmigration/"
    "populationestimates/datasets/lowersuperoutputareamidyearpopulationestimates"
)
_ONS_FILE = (
    "https://www.ons.gov.uk/file?uri=/peoplepopulationandcommunity/populationandmigration/"
    "populationestimates/datasets/lowersuperoutputareamidyearpopulationestimates/"
)

#: a header cut short by the publisher still identifies its column when at least this many
#: characters survive (IoD2025 File 7 column 37 keeps 78 of its 81)
_MIN_PREFIX = 30
#: how far down a sheet the header row may be (ONS puts title rows above it)
_HEADER_SCAN_ROWS = 40
#: what the CSV converters read, in messages
_CSV = "the publisher's CSV"


# --------------------------------------------------------------------------------------------
# Reading helpers
# --------------------------------------------------------------------------------------------


def _only_csv(names: list[str]) -> str | None:
    """The CSV of a zip holding exactly one (as users sometimes keep a download)."""
    csvs = [n for n in names if n.lower().endswith(".csv")]
    return csvs[0] if len(csvs) == 1 else None


def _read_csv(path: Path) -> pd.DataFrame:
    """A publisher CSV as text columns (:func:`~needsmap.data.sources._read.read_csv`), or the
    one CSV in a zip."""
    data, where = read_data(path, what=_CSV, pick=_only_csv, expected="exactly one CSV file")
    return read_csv(data, where=where, what=_CSV)


def _find_column(columns: Sequence[object], wanted: str, *, where: str) -> Any:
    """The column of ``columns`` that is ``wanted``, matched by name, else by a cut-short name.

    Names are compared without BOM, surrounding or repeated spaces, or case. Publishers cut long
    names short (IoD2025 File 7 column 37 ends ``… 10% of LSO``), so a column whose name is the
    start of ``wanted`` (at least :data:`_MIN_PREFIX` characters) matches when it is the only one.
    """
    return require_column(columns, wanted, where=where, cut_short=_MIN_PREFIX)


def _codes(values: Iterable[object]) -> pd.Series:
    return pd.Series(["" if v is None else str(v).strip() for v in values], dtype=object)


def _england(frame: pd.DataFrame, key: str, *, where: str) -> pd.DataFrame:
    """Rows whose area code starts ``E``, with unique codes, index reset."""
    out = england(frame, [key], where=where).reset_index(drop=True)
    check_unique(out[key], where=where)
    return out


def _select(
    table: pd.DataFrame, spec: Sequence[tuple[str, str]], *, key: str, where: str,
    optional: Sequence[tuple[str, str]] = (),
) -> pd.DataFrame:
    """Columns named in ``spec`` (prepared name, publisher name); the first is the area code.
    Then those of ``optional`` the file has (numbers; a file without them is not refused)."""
    out: dict[str, pd.Series] = {}
    for i, (name, publisher) in enumerate(spec):
        col = _find_column(list(table.columns), publisher, where=where)
        values = table[col].tolist()
        out[name] = _codes(values) if i == 0 else numeric(values, where=where, column=publisher)
    for name, publisher in optional:
        col = find_column(list(table.columns), publisher, where=where)
        if col is not None:
            out[name] = numeric(table[col].tolist(), where=where, column=publisher)
    return _england(pd.DataFrame(out), key, where=where)


# --------------------------------------------------------------------------------------------
# Workbooks
# --------------------------------------------------------------------------------------------


def _find_sheet(book: CalamineWorkbook, wanted: str, *, name: str) -> str:
    """The workbook's name for the sheet ``wanted`` (compared as header names are)."""
    for sheet in book.sheet_names:
        if header_key(sheet) == header_key(wanted):
            return sheet
    raise ValidationError(
        f"{name}: the worksheet '{wanted}' is missing (the workbook has: "
        f"{', '.join(book.sheet_names) or 'no worksheets'})."
    )


def _sheet_table(
    book: CalamineWorkbook,
    sheet: str,
    *,
    where: str,
    header_has: str,
    keep: Callable[[str], bool] = bool,
) -> pd.DataFrame | None:
    """A sheet's table below the first row (within :data:`_HEADER_SCAN_ROWS`) that has a cell
    starting ``header_has``; only the columns ``keep`` accepts. None when no such row exists."""
    start = header_key(header_has)
    table = sheet_table(book, sheet, where=where, keep=keep, scan_rows=_HEADER_SCAN_ROWS,
                        is_header=lambda text: header_key(text).startswith(start))
    if table is not None and table.columns.map(header_key).duplicated().any():
        raise ValidationError(f"{where}: repeated column names in the header row.")
    return table


# --------------------------------------------------------------------------------------------
# IoD File 7 (CSV)
# --------------------------------------------------------------------------------------------

_RANK = " Rank (where 1 is most deprived)"
_DECILE = " Decile (where 1 is most deprived 10% of LSOAs)"

#: IoD domains: (prepared stem 2019, prepared stem 2025, publisher label, score suffix)
_DOMAINS: tuple[tuple[str, str, str, str], ...] = tuple(
    (d.stem2019, d.stem2025, d.publisher_label, d.score_suffix) for d in IMD_DOMAINS)
#: IoD sub-domains: (prepared stem 2019, prepared stem 2025, publisher label)
_SUBDOMAINS: tuple[tuple[str, str, str], ...] = tuple(
    (d.stem2019, d.stem2025, d.publisher_label) for d in IMD_SUBDOMAINS)

#: imd2025 (imd/imd2025_lsoa21.csv): code, 8 deciles, 8 ranks, 8 scores
_IMD2025_SPEC: tuple[tuple[str, str], ...] = (
    ("lsoa21_code", "LSOA code (2021)"),
    *((f"{d}_decile", f"{label}{_DECILE}") for _, d, label, _ in _DOMAINS),
    *((f"{d}_rank", f"{label}{_RANK}") for _, d, label, _ in _DOMAINS),
    *((f"{d}_score", f"{label}{score}") for _, d, label, score in _DOMAINS),
)
#: the published IDACI / IDAOPI rates (0–1) and their published denominators: optional columns of
#: imd2025 and imd2019 (:data:`~needsmap.data.catalog.IMD_RATE_COLUMNS`), kept when File 7 has them
_IDACI = "Income Deprivation Affecting Children Index (IDACI) Score (rate)"
_IDAOPI = "Income Deprivation Affecting Older People (IDAOPI) Score (rate)"
_RATES2025_SPEC: tuple[tuple[str, str], ...] = tuple(zip(IMD_RATE_COLUMNS, (
    _IDACI, _IDAOPI,
    "Dependent Children aged 0-15: mid 2022",
    "Older population aged 60 and over: mid 2022",
), strict=True))
_RATES2019_SPEC: tuple[tuple[str, str], ...] = tuple(zip(IMD_RATE_COLUMNS, (
    _IDACI, _IDAOPI,
    "Dependent Children aged 0-15: mid 2015 (excluding prisoners)",
    "Older population aged 60 and over: mid 2015 (excluding prisoners)",
), strict=True))
#: imd2025_subdomains (imd/imd2025_lsoa21_subdomains.csv): code, then score, rank, decile each
_SUB2025_SPEC: tuple[tuple[str, str], ...] = (
    ("lsoa21_code", "LSOA code (2021)"),
    *(
        pair
        for _, s, label in _SUBDOMAINS
        for pair in (
            (f"{s}_score", f"{label} Score"),
            (f"{s}_rank", f"{label}{_RANK}"),
            (f"{s}_decile", f"{label}{_DECILE}"),
        )
    ),
)
#: imd2019 (imd/imd2019_lsoa11.csv): code, 8 deciles, 8 ranks (the prepared file has no scores)
_IMD2019_SPEC: tuple[tuple[str, str], ...] = (
    ("lsoa11_code", "LSOA code (2011)"),
    *((f"{d}_decile", f"{label}{_DECILE}") for d, _, label, _ in _DOMAINS),
    *((f"{d}_rank", f"{label}{_RANK}") for d, _, label, _ in _DOMAINS),
)
#: imd2019_subdomains (imd/imd2019_lsoa11_subdomains.csv): each sub-domain follows its parent
#: domain (Education; Barriers to Housing and Services; Living Environment), deciles then ranks
_SUB2019_STEMS: tuple[tuple[str, str], ...] = tuple(
    pair
    for d in IMD_DOMAINS
    if any(s.parent == d.id for s in IMD_SUBDOMAINS)
    for pair in ((d.stem2019, d.publisher_label),
                 *((s.stem2019, s.publisher_label) for s in IMD_SUBDOMAINS if s.parent == d.id))
)
_SUB2019_SPEC: tuple[tuple[str, str], ...] = (
    ("lsoa11_code", "LSOA code (2011)"),
    *((f"{s}_decile", f"{label}{_DECILE}") for s, label in _SUB2019_STEMS),
    *((f"{s}_rank", f"{label}{_RANK}") for s, label in _SUB2019_STEMS),
)


def convert_iod2025_file7(path: Path) -> Frames:
    """English Indices of Deprivation 2025, File 7 (CSV) → ``imd2025`` and ``imd2025_subdomains``.

    The publisher's file has one row per LSOA 2021 in England (33,755) and 56 columns: LSOA and
    local authority (2024) codes and names; score, rank and decile of the IMD, the seven domains,
    IDACI, IDAOPI and the six sub-domains; four mid-2022 population denominators. Format seen in
    LiamButler04/Liam-Butler-C22306471-Dissertation
    ``File_7_IoD2025_All_Ranks_Scores_Deciles_Population_Denominators.csv`` (commit 4aa623c9) and
    read by name in humaniverse/IMD ``data-raw/imd2025_england_lsoa21.R``.

    Columns are matched by name (ignoring case, a BOM and stray spaces). Column 37, the
    Children and Young People sub-domain decile, is cut short in the file itself
    (``… 10% of LSO``): humaniverse/IMD ``data-raw/imd2025_england_lsoa21_subdomains.R`` selects
    the sub-domain columns by position for that reason. It is matched here as the one column
    whose name is the start of the full name, which survives a corrected reissue too.

    Parameters
    ----------
    path
        The CSV as downloaded (a zip holding only it is accepted too).

    Returns
    -------
    Frames
        ``imd2025``: ``lsoa21_code``; ``<domain>_decile`` (1 = most deprived tenth),
        ``<domain>_rank`` (1 = most deprived of 33,755), ``<domain>_score`` (IMD, Education,
        Health, Crime, Barriers and Living Environment: index scores; Income and Employment: the
        share of the population deprived, 0–1) for IMD, Income, Employment, Education, Health,
        Crime, Housing_and_Services, Environment; then, when the file has them (optional
        columns, :data:`~needsmap.data.catalog.IMD_RATE_COLUMNS`), ``IDACI_score`` and
        ``IDAOPI_score`` (the published rates: share of children aged 0–15, and of people aged
        60 and over, in income-deprived families, 0–1) and ``IDACI_denominator``,
        ``IDAOPI_denominator`` (the published mid-2022 populations of those ages, persons).
        ``imd2025_subdomains``: ``lsoa21_code`` and
        ``<sub-domain>_score``, ``_rank``, ``_decile`` for children_and_young_people,
        adult_skills (a proportion, 0–1), geographical_barriers, wider_barriers, indoors,
        outdoors. England only.
    """
    table = _read_csv(path)
    where = path.name
    return {
        "imd2025": _select(table, _IMD2025_SPEC, key="lsoa21_code", where=where,
                           optional=_RATES2025_SPEC),
        "imd2025_subdomains": _select(table, _SUB2025_SPEC, key="lsoa21_code", where=where),
    }


def convert_iod2019_file7(path: Path) -> Frames:
    """English Indices of Deprivation 2019, File 7 (CSV) → ``imd2019`` and ``imd2019_subdomains``.

    One row per LSOA 2011 in England (32,844), 57 columns: LSOA (2011) and local authority
    (2019) codes and names; score, rank and decile of the IMD, seven domains, IDACI, IDAOPI and
    six sub-domains; five mid-2015 population denominators (the last name ends with a space).
    No stored copy of the CSV was found; the column names are as seen in humaniverse/IMD
    ``data-raw/imd2019_england_lsoa11.R`` and ``…_subdomains.R``, which read them by name (URL
    in ``data-raw/query_urls.R``; the header is assembled in ``docs/publisher-formats.md``
    section (b)). Columns are matched by name, ignoring case, a
    BOM and leading, trailing or repeated spaces.

    Parameters
    ----------
    path
        The CSV as downloaded (a zip holding only it is accepted too).

    Returns
    -------
    Frames
        ``imd2019``: ``lsoa11_code``, then ``<domain>_decile`` (1 = most deprived tenth) and
        ``<domain>_rank`` (1 = most deprived of 32,844; 26 pairs of ties) for IMD, Income,
        Employment, Education, Health, Crime, Housing_and_Access, Environment. The prepared
        layout has no domain scores; when the file has them (optional columns,
        :data:`~needsmap.data.catalog.IMD_RATE_COLUMNS`) it keeps ``IDACI_score`` and
        ``IDAOPI_score`` (published rates, 0–1) and ``IDACI_denominator``, ``IDAOPI_denominator``
        (the published mid-2015 populations aged 0–15 and 60+, excluding prisoners).
        ``imd2019_subdomains``: ``lsoa11_code`` and deciles then ranks of
        Education, Children_and_young_people, Adult_skills, Housing_and_Access,
        Geographical_barriers, Wider_barriers, Environment, Indoors, Outdoors. England only.
    """
    table = _read_csv(path)
    where = path.name
    return {
        "imd2019": _select(table, _IMD2019_SPEC, key="lsoa11_code", where=where,
                           optional=_RATES2019_SPEC),
        "imd2019_subdomains": _select(table, _SUB2019_SPEC, key="lsoa11_code", where=where),
    }


# --------------------------------------------------------------------------------------------
# IoD File 8: underlying indicators (xlsx, one sheet per domain)
# --------------------------------------------------------------------------------------------

#: prepared names that the rule in :func:`clean_name` does not give, by publisher header. None
#: is needed for the 2019 and 2025 editions; an edition that renames a column goes here.
NAME_EXCEPTIONS: dict[str, str] = {}


def clean_name(header: str) -> str:
    """The prepared column name of a publisher header.

    The rule reproduces ``janitor::clean_names()``, which the redistributor of the prepared files
    applied (humaniverse/IMD ``data-raw/imd2019_england_lsoa11_indicators.R`` and
    ``imd2025_…``): quotes dropped, ``%`` read as "percent" and ``#`` as "number", accents
    dropped, a lower-case letter followed by a capital split (``camelCase`` → ``camel_case``),
    lower case, every run of other characters one ``_``, none at either end. So
    ``Homelessness indicator (rate per 1,000 households)`` →
    ``homelessness_indicator_rate_per_1_000_households``. :data:`NAME_EXCEPTIONS` wins.
    """
    text = header_text(header)
    if text in NAME_EXCEPTIONS:
        return NAME_EXCEPTIONS[text]
    text = re.sub(r"['\"\u2018\u2019\u201c\u201d]", "", text)
    text = text.replace("%", " percent ").replace("#", " number ")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"(?<=[a-z])(?=[A-Z])", "_", text)
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


#: imd2019_indicators (imd/imd2019_lsoa11_indicators.csv): the indicators of File 8's Income,
#: Employment, Education, Health, Barriers and Living Environment sheets, in sheet order
_IND2019_COLUMNS: tuple[str, ...] = (
    "income_domain_numerator",
    "income_deprivation_affecting_children_index_idaci_numerator",
    "income_deprivation_affecting_older_people_index_idaopi_numerator",
    "employment_domain_numerator",
    "staying_on_in_education_post_16_indicator",
    "entry_to_higher_education_indicator",
    "adult_skills_and_english_language_proficiency_indicator",
    "years_of_potential_life_lost_indicator",
    "comparative_illness_and_disability_ratio_indicator",
    "acute_morbidity_indicator",
    "mood_and_anxiety_disorders_indicator",
    "road_distance_to_a_post_office_indicator_km",
    "road_distance_to_a_primary_school_indicator_km",
    "road_distance_to_general_store_or_supermarket_indicator_km",
    "road_distance_to_a_gp_surgery_indicator_km",
    "household_overcrowding_indicator",
    "homelessness_indicator_rate_per_1000_households",
    "owner_occupation_affordability_component_of_housing_affordability_indicator",
    "private_rental_affordability_component_of_housing_affordability_indicator",
    "housing_affordability_indicator",
    "housing_in_poor_condition_indicator",
    "houses_without_central_heating_indicator",
    "road_traffic_accidents_indicator",
    "nitrogen_dioxide_component_of_air_quality_indicator",
    "benzene_component_of_air_quality_indicator",
    "sulphur_dioxide_component_of_air_quality_indicator",
    "particulates_component_of_air_quality_indicator",
    "air_quality_indicator",
)
#: imd2025_indicators (imd/imd2025_lsoa21_indicators.csv): the indicators of File 8's Income,
#: Employment, Education, Health, Crime and Barriers sheets. The prepared file leaves out the
#: Living Environment sheet (its redistributor read only the first six domain sheets), so those
#: indicators are read but not returned.
_IND2025_COLUMNS: tuple[str, ...] = (
    "income_domain_numerator",
    "income_deprivation_affecting_children_index_idaci_numerator",
    "income_deprivation_affecting_older_people_index_idaopi_numerator",
    "employment_domain_numerator",
    "adult_skills_and_english_language_proficiency_indicator",
    "entry_to_higher_education_indicator",
    "acute_morbidity_indicator",
    "comparative_illness_and_disability_ratio_indicator",
    "mental_health_indicator",
    "years_of_potential_life_lost_indicator",
    "violence_with_injury_rate_per_1_000_at_risk_population",
    "violence_without_injury_rate_per_1_000_at_risk_population",
    "stalking_and_harassment_rate_per_1_000_at_risk_population",
    "burglary_rate_per_1_000_at_risk_properties",
    "theft_rate_per_1_000_at_risk_population",
    "criminal_damage_rate_per_1_000_at_risk_population",
    "public_order_and_possession_of_weapons_rate_per_1_000_at_risk_population",
    "anti_social_behaviour_rate_per_1_000_at_risk_population",
    "connectivity_score",
    "owner_occupation_affordability_component_of_housing_affordability_indicator",
    "private_rental_affordability_component_of_housing_affordability_indicator",
    "housing_affordability_indicator",
    "digital_connectivity_broadband_download_and_upload_speeds",
    "core_homelessness_rate_percent_of_households",
    "patient_to_gp_ratio",
    "homelessness_indicator_rate_per_1_000_households",
    "household_overcrowding_indicator_rooms",
    "household_overcrowding_indicator_bedrooms",
)


def _convert_file8(
    path: Path, *, edition: str, year: str, columns: Sequence[str]
) -> pd.DataFrame:
    """File 8's domain sheets joined on the LSOA code, columns named by :func:`clean_name`."""
    code_header = f"LSOA code ({year})"
    key = f"lsoa{year[2:]}_code"
    wanted = {*columns}
    found: dict[str, pd.Series] = {}
    codes: pd.Series | None = None
    with open_workbook(path) as book:
        for sheet in book.sheet_names:
            where = f"{path.name}, sheet '{sheet}'"
            table = _sheet_table(
                book,
                sheet,
                where=where,
                header_has=code_header,
                keep=lambda name: header_key(name) == header_key(code_header)
                or clean_name(name) in wanted,
            )
            if table is None:
                continue  # the Notes sheet, or any other sheet without this LSOA table
            code_col = _find_column(list(table.columns), code_header, where=where)
            sheet_codes = _codes(table[code_col])
            check_unique(sheet_codes, where=where, what="LSOA")
            if codes is None:
                codes = sheet_codes
            for col in table.columns:
                name = clean_name(col)
                if col == code_col or name in found:
                    continue  # the first sheet that has an indicator gives it
                series = numeric(table[col], where=where, column=str(col))
                series.index = pd.Index(sheet_codes)
                found[name] = series
    if codes is None:
        raise ValidationError(
            f"{path.name}: no worksheet has an '{code_header}' column; is this the "
            f"IoD{edition} File 8 (underlying indicators)?"
        )
    missing = [c for c in columns if c not in found]
    if missing:
        raise ValidationError(
            f"{path.name}: the indicator column(s) {', '.join(missing)} are missing (prepared "
            "names; each is the publisher's header cleaned by needsmap.data.sources.imd."
            "clean_name)."
        )
    out = pd.DataFrame({key: codes.to_numpy()})
    for c in columns:
        out[c] = found[c].reindex(codes).to_numpy()
    return _england(out, key, where=path.name)


def convert_iod2019_file8(path: Path) -> Frames:
    """English Indices of Deprivation 2019, File 8 (underlying indicators) → ``imd2019_indicators``.

    An .xlsx workbook: a ``Notes`` sheet, then one sheet per domain (``IoD2019 Income Domain``,
    ``… Employment …``, ``… Education …``, ``… Health …``, ``… Barriers …``,
    ``IoD2019 Living Env Domain``), each with its header in row 1: ``LSOA code (2011)``,
    ``LSOA name (2011)``, ``Local Authority District code (2019)``, ``… name (2019)``, then the
    indicators. Seen in humaniverse/IMD ``data-raw/imd2019_england_lsoa11_indicators.R``,
    which reads the sheets in order and joins them on the LSOA code (header names in
    ``man/imd2019_england_lsoa11_indicators.Rd``; URL in ``data-raw/query_urls.R``); sheet names
    as read by public scripts. Sheets are
    found by their ``LSOA code`` header, not by name or position; prepared names come from
    :func:`clean_name`. Blank cells (suppressed small numerators) become NaN.

    Parameters
    ----------
    path
        ``File_8_-_IoD2019_Underlying_Indicators.xlsx`` (or a zip holding it).

    Returns
    -------
    Frames
        ``imd2019_indicators``: ``lsoa11_code`` and 28 indicators. Numerators (income, IDACI,
        IDAOPI, employment) are counts of people; education indicators are proportions or
        scores; years of potential life lost is a rate; the comparative illness and disability
        ratio and acute morbidity are standardised ratios; road distances are in km;
        homelessness is a rate per 1,000 households; affordability, housing condition, central
        heating, road traffic accidents and air quality indicators are rates or scores as the
        IoD2019 technical report defines them. England only.
    """
    frame = _convert_file8(path, edition="2019", year="2011", columns=_IND2019_COLUMNS)
    return {"imd2019_indicators": frame}


def convert_iod2025_file8(path: Path) -> Frames:
    """English Indices of Deprivation 2025, File 8 (underlying indicators) → ``imd2025_indicators``.

    An .xlsx workbook of eight sheets: ``Notes`` (its table's header in row 11, columns C–H),
    then ``IoD25 Income Domain``, ``… Employment …``, ``… Education …``, ``… Health …``,
    ``… Crime …``, ``… Barriers …`` and ``IoD25 Living Env Domain``, each with its header in
    row 1 (``LSOA code (2021)``, ``LSOA name (2021)``, ``Local Authority District code (2024)``,
    ``… name (2024)``, then the indicators) and 33,755 rows. Seen in humaniverse/IMD
    ``data-raw/imd2025_england_lsoa21_indicators.R`` (names in
    ``man/imd2025_england_lsoa21_indicators.Rd``); URL, sheet names, row and column counts as
    given by public scripts and notes reading the reissued file of 13 November 2025. Sheets are found by
    their ``LSOA code`` header; prepared names come from :func:`clean_name`.

    Parameters
    ----------
    path
        ``File_8_IoD2025_Underlying_Indicators.xlsx`` (or a zip holding it).

    Returns
    -------
    Frames
        ``imd2025_indicators``: ``lsoa21_code`` and 28 indicators: income, IDACI, IDAOPI and
        employment numerators (counts of people); adult skills (proportion) and entry to higher
        education (score); acute morbidity, comparative illness and disability ratio, mental
        health, years of potential life lost; eight crime rates per 1,000 at-risk population
        (burglary: per 1,000 at-risk properties); connectivity score; housing affordability and
        its two components; digital connectivity; core homelessness (% of households);
        patients per GP; homelessness (per 1,000 households); overcrowding (rooms, bedrooms).
        England only. The Living Environment sheet's indicators are not part of the prepared
        layout and are dropped.
    """
    frame = _convert_file8(path, edition="2025", year="2021", columns=_IND2025_COLUMNS)
    return {"imd2025_indicators": frame}


# --------------------------------------------------------------------------------------------
# ONS small area population estimates (xlsx)
# --------------------------------------------------------------------------------------------

_AGES: tuple[str, ...] = (*(str(a) for a in range(90)), "90+")
#: the open-ended age column as ONS labels it in SAPE23DT2; "90 and over" in some ONS tables
_AGE_90_ALIASES = ("90+", "90 and over")


def convert_sape_mid2020(path: Path) -> Frames:
    """ONS LSOA (2011) mid-2020 population estimates, single year of age (SAPE23DT2) →
    ``population2020``.

    ``sape23dt2mid2020lsoasyoaestimatesunformatted.xlsx``: sheets ``Mid-2020 Persons``,
    ``… Males``, ``… Females``; on each, title rows then the header (row 5): ``LSOA Code``,
    ``LSOA Name``, ``LA Code (2018 boundaries)``, ``LA name (2018 boundaries)``,
    ``LA Code (2021 boundaries)``, ``LA name (2021 boundaries)``, ``All Ages``, ``0`` … ``89``,
    ``90+``; 34,753 rows (England and Wales). Seen in julianflowers12/phe-work
    ``data/lsoa-pops.R`` (sheet ``Mid-2020 Persons``, 4 rows skipped, ages from column 8) and
    other public scripts naming the columns. The header row is found by its ``LSOA Code`` cell
    rather than by position. Earlier editions came as a zip holding the workbook; that is
    accepted too.

    Parameters
    ----------
    path
        The .xlsx (or a zip holding it).

    Returns
    -------
    Frames
        ``population2020``: ``lsoa11_name``, ``lsoa11_code``, ``total_population`` (usual
        residents, 30 June 2020), ``0`` … ``89`` and ``90+`` (residents of each age in
        completed years). England only.
    """
    with open_workbook(path) as book:
        sheet = _find_sheet(book, "Mid-2020 Persons", name=path.name)
        where = f"{path.name}, sheet '{sheet}'"
        keep = {"lsoa code", "lsoa name", "all ages", *map(header_key, (*_AGES, *_AGE_90_ALIASES))}
        table = _sheet_table(
            book, sheet, where=where, header_has="LSOA Code",
            keep=lambda name: header_key(name) in keep,
        )
    if table is None:
        raise ValidationError(f"{where}: no header row with an 'LSOA Code' column.")
    cols = list(table.columns)
    out: dict[str, pd.Series] = {
        "lsoa11_name": _codes(table[_find_column(cols, "LSOA Name", where=where)]),
        "lsoa11_code": _codes(table[_find_column(cols, "LSOA Code", where=where)]),
        "total_population": numeric(
            table[_find_column(cols, "All Ages", where=where)], where=where, column="All Ages"
        ),
    }
    for age in _AGES:
        labels = _AGE_90_ALIASES if age == "90+" else (age,)
        col = find_column(cols, *labels, where=where)
        if col is None:
            raise ValidationError(f"{where}: the age column '{age}' is missing.")
        out[age] = numeric(table[col], where=where, column=age)
    return {"population2020": _england(pd.DataFrame(out), "lsoa11_code", where=where)}


def convert_sape_lsoa21_mid2022_mid2024(path: Path) -> Frames:
    """ONS LSOA (2021) mid-year population estimates, mid-2022 to mid-2024 →
    ``population_lsoa21_mid2022_2024``.

    ``sapelsoasyoa20222024.xlsx`` (release "mid-2022 revised Nov 2025 to mid-2024"): one sheet
    per year, ``Mid-2022 LSOA 2021``, ``Mid-2023 LSOA 2021``, ``Mid-2024 LSOA 2021``, each with
    title rows and then the header (row 4): ``LAD 2023 Code``, ``LAD 2023 Name``,
    ``LSOA 2021 Code``, ``LSOA 2021 Name``, ``Total``, ``F0`` … ``F90``, ``M0`` … ``M90``
    (187 columns; 35,672 rows, England and Wales). Seen in public scripts that read these sheets
    with three rows skipped and select ``LSOA 2021 Code`` and ``Total`` (the sheet layout is the
    same in the earlier ``sapelsoasyoatablefinal.xlsx`` and ``sapelsoasyoa20192022.xlsx``, which
    have ``LAD 2021`` columns). Only the code and ``Total`` are read, so the broad-age edition
    (``sapelsoabroadage20222024.xlsx``) works too. The header row is found by its
    ``LSOA 2021 Code`` cell.

    The mid-2022 column is whatever the workbook holds: in the 2022–2024 release it is ONS's
    November 2025 revision, which can differ from the earlier mid-2022 edition (the one the
    IoD2025 denominators use).

    Parameters
    ----------
    path
        The .xlsx (or a zip holding it).

    Returns
    -------
    Frames
        ``population_lsoa21_mid2022_2024``: ``lsoa21_code``, ``population_mid2022``,
        ``population_mid2024`` (usual residents, all ages, 30 June). England only.
    """
    totals: dict[str, pd.Series] = {}
    with open_workbook(path) as book:
        for year in ("2022", "2024"):
            sheet = _find_sheet(book, f"Mid-{year} LSOA 2021", name=path.name)
            where = f"{path.name}, sheet '{sheet}'"
            table = _sheet_table(book, sheet, where=where, header_has="LSOA 2021 Code",
                                 keep=lambda name: header_key(name) in {"lsoa 2021 code", "total"})
            if table is None:
                raise ValidationError(f"{where}: no header row with an 'LSOA 2021 Code' column.")
            cols = list(table.columns)
            codes = _codes(table[_find_column(cols, "LSOA 2021 Code", where=where)])
            total = numeric(table[_find_column(cols, "Total", where=where)], where=where,
                            column="Total")
            frame = _england(pd.DataFrame({"code": codes, "total": total}), "code", where=where)
            totals[year] = frame.set_index("code")["total"]
    codes22 = totals["2022"].index
    extra = totals["2024"].index.difference(codes22)
    index = codes22.append(extra)
    out = pd.DataFrame({
        "lsoa21_code": index.to_numpy(),
        "population_mid2022": totals["2022"].reindex(index).to_numpy(),
        "population_mid2024": totals["2024"].reindex(index).to_numpy(),
    })
    return {"population_lsoa21_mid2022_2024": out}


# --------------------------------------------------------------------------------------------
# Sources
# --------------------------------------------------------------------------------------------

SOURCES: tuple[Source, ...] = (
    Source(
        id="iod2025_file7",
        title="English indices of deprivation 2025: File 7 – all ranks, scores, deciles and "
              "population denominators",
        publisher=_MHCLG,
        url="https://assets.publishing.service.gov.uk/media/691ded56d140bbbaa59a2a7d/"
            "File_7_IoD2025_All_Ranks_Scores_Deciles_Population_Denominators.csv",
        file_name="File_7_IoD2025_All_Ranks_Scores_Deciles_Population_Denominators.csv",
        format="csv",
        datasets=("imd2025", "imd2025_subdomains"),
        convert=convert_iod2025_file7,
        licence=OGL,
        attribution=f"English indices of deprivation 2025, MHCLG. {_OGL_PSI}",
        size_bytes=9_897_653,
        landing_page=_IOD2025_PAGE,
        name_patterns=("file_7*iod2025*.csv", "*iod2025*all*ranks*.csv", "file_7*iod2025*.zip"),
        header=("LSOA code (2021)",
                "Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)",
                "Children and Young People Sub-domain Score"),
        seen_at="LiamButler04/Liam-Butler-C22306471-Dissertation: "
                "File_7_IoD2025_All_Ranks_Scores_Deciles_Population_Denominators.csv "
                "(commit 4aa623c9c2a7bbe9604ef01d8dffb3b7aa9fc9fb); humaniverse/IMD "
                "data-raw/imd2025_england_lsoa21.R, data-raw/imd2025_england_lsoa21_subdomains.R",
    ),
    Source(
        id="iod2019_file7",
        title="English indices of deprivation 2019: File 7 – all IoD2019 scores, ranks, deciles "
              "and population denominators",
        publisher=_MHCLG,
        url="https://assets.publishing.service.gov.uk/government/uploads/system/uploads/"
            "attachment_data/file/845345/"
            "File_7_-_All_IoD2019_Scores__Ranks__Deciles_and_Population_Denominators_3.csv",
        file_name="File_7_-_All_IoD2019_Scores__Ranks__Deciles_and_Population_Denominators_3.csv",
        format="csv",
        datasets=("imd2019", "imd2019_subdomains"),
        convert=convert_iod2019_file7,
        licence=OGL,
        attribution=f"English indices of deprivation 2019, MHCLG. {_OGL_PSI}",
        landing_page=_IOD2019_PAGE,
        name_patterns=("file_7*iod2019*.csv", "*iod2019*scores*ranks*deciles*.csv",
                       "file_7*iod2019*.zip"),
        header=("LSOA code (2011)",
                "Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)",
                "Children and Young People Sub-domain Rank (where 1 is most deprived)"),
        seen_at="humaniverse/IMD data-raw/query_urls.R (URL), data-raw/imd2019_england_lsoa11.R "
                "and data-raw/imd2019_england_lsoa11_subdomains.R (column names); header "
                "assembled, no stored copy of the CSV (docs/publisher-formats.md section (b))",
    ),
    Source(
        id="iod2019_file8",
        title="English indices of deprivation 2019: File 8 – underlying indicators",
        publisher=_MHCLG,
        url="https://assets.publishing.service.gov.uk/media/5d8b3cd740f0b609909b590a/"
            "File_8_-_IoD2019_Underlying_Indicators.xlsx",
        file_name="File_8_-_IoD2019_Underlying_Indicators.xlsx",
        format="xlsx",
        datasets=("imd2019_indicators",),
        convert=convert_iod2019_file8,
        licence=OGL,
        attribution=f"English indices of deprivation 2019, MHCLG. {_OGL_PSI}",
        landing_page=_IOD2019_PAGE,
        name_patterns=("file_8*iod2019*underlying*.xlsx", "*iod2019*underlying*indicators*.xlsx"),
        seen_at="humaniverse/IMD data-raw/query_urls.R (URL), "
                "data-raw/imd2019_england_lsoa11_indicators.R and "
                "man/imd2019_england_lsoa11_indicators.Rd (sheets, headers); sheet names as "
                "read by public scripts",
    ),
    Source(
        id="iod2025_file8",
        title="English indices of deprivation 2025: File 8 – underlying indicators",
        publisher=_MHCLG,
        url="https://assets.publishing.service.gov.uk/media/691dec012c6b98ecdbc500d4/"
            "File_8_IoD2025_Underlying_Indicators.xlsx",
        file_name="File_8_IoD2025_Underlying_Indicators.xlsx",
        format="xlsx",
        datasets=("imd2025_indicators",),
        convert=convert_iod2025_file8,
        licence=OGL,
        attribution=f"English indices of deprivation 2025, MHCLG. {_OGL_PSI}",
        size_bytes=14_500_506,
        landing_page=_IOD2025_PAGE,
        name_patterns=("file_8*iod2025*underlying*.xlsx", "*iod2025*underlying*indicators*.xlsx"),
        seen_at="humaniverse/IMD data-raw/imd2025_england_lsoa21_indicators.R and "
                "man/imd2025_england_lsoa21_indicators.Rd (sheets, headers); URL and sheet names "
                "as used by public scripts reading the reissue of 13 November 2025",
    ),
    Source(
        id="ons_sape23dt2_mid2020",
        title="Lower layer Super Output Area population estimates, mid-2020 (SAPE23DT2): "
              "single year of age, unformatted",
        publisher=_ONS,
        url=f"{_ONS_FILE}mid2020sape23dt2/sape23dt2mid2020lsoasyoaestimatesunformatted.xlsx",
        file_name="sape23dt2mid2020lsoasyoaestimatesunformatted.xlsx",
        format="xlsx",
        datasets=("population2020",),
        convert=convert_sape_mid2020,
        licence=OGL,
        attribution="Source: Office for National Statistics licensed under the Open Government "
                    "Licence v3.0",
        landing_page=_ONS_SAPE,
        name_patterns=("sape23dt2*.xlsx", "sape23dt2*.zip", "*mid-2020*lsoa*syoa*.xlsx"),
        seen_at="julianflowers12/phe-work data/lsoa-pops.R (URL, sheet 'Mid-2020 Persons', "
                "header below 4 title rows); column names as read by other public scripts",
    ),
    Source(
        id="ons_sape_lsoa21_mid2022_mid2024",
        title="Lower layer Super Output Area population estimates (supporting information), "
              "mid-2022 (revised November 2025) to mid-2024, LSOA 2021",
        publisher=_ONS,
        url=f"{_ONS_FILE}mid2022revisednov2025tomid2024/sapelsoasyoa20222024.xlsx",
        file_name="sapelsoasyoa20222024.xlsx",
        format="xlsx",
        datasets=("population_lsoa21_mid2022_2024",),
        convert=convert_sape_lsoa21_mid2022_mid2024,
        licence=OGL,
        attribution="Source: Office for National Statistics licensed under the Open Government "
                    "Licence v3.0",
        landing_page=_ONS_SAPE,
        name_patterns=("sapelsoasyoa2022*2024*.xlsx", "sapelsoabroadage2022*2024*.xlsx"),
        seen_at="public scripts reading sapelsoasyoa20222024.xlsx / sapelsoabroadage20222024.xlsx "
                "(sheets 'Mid-2022/2023/2024 LSOA 2021', 3 title rows, columns 'LSOA 2021 Code', "
                "'Total', F0…F90, M0…M90); no repository name could be resolved by the search "
                "tool, see the converter's docstring",
    ),
)
