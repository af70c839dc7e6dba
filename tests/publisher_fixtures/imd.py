"""Publisher-format fixtures for ``needsmap.data.sources.imd``: MHCLG IoD Files 7 and 8, ONS SAPE.

Every file is built from the real prepared data in ``../shared/data`` and laid out as the publisher
lays it out: its header exactly as documented (``../shared/docs/publisher-formats.md`` sections (a)
and (b) for File 7; the sources' docstrings for File 8 and the ONS workbooks), its sheets, title
rows and encoding. Columns the prepared data does not hold are filled from other real prepared
files where one has them (LSOA names, districts, mid-2022 population) and are otherwise blank. The
workbooks hold a sample of the LSOAs (every 25th, plus every LSOA with a suppressed numerator) and
one made-up Welsh row where the publisher covers Wales, to keep the tests fast; ``PARTIAL`` says so.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from needsmap.data.sources.imd import SOURCES
from tests.publisher_fixtures._common import (
    FULL,
    SAMPLES,
    lsoa21_names,
    prepared,
    write_csv,
    write_workbook,
)

FILE_NAMES = {s.id: s.file_name for s in SOURCES}

# --------------------------------------------------------------------------------------------
# Headers, as the publishers write them
# --------------------------------------------------------------------------------------------

#: IoD2025 File 7, 56 columns, exactly as in publisher-formats.md (a); column 37 is cut short
FILE7_2025_HEADER: tuple[str, ...] = (
    'LSOA code (2021)',
    'LSOA name (2021)',
    'Local Authority District code (2024)',
    'Local Authority District name (2024)',
    'Index of Multiple Deprivation (IMD) Score',
    'Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)',
    'Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)',
    'Income Score (rate)',
    'Income Rank (where 1 is most deprived)',
    'Income Decile (where 1 is most deprived 10% of LSOAs)',
    'Employment Score (rate)',
    'Employment Rank (where 1 is most deprived)',
    'Employment Decile (where 1 is most deprived 10% of LSOAs)',
    'Education, Skills and Training Score',
    'Education, Skills and Training Rank (where 1 is most deprived)',
    'Education, Skills and Training Decile (where 1 is most deprived 10% of LSOAs)',
    'Health Deprivation and Disability Score',
    'Health Deprivation and Disability Rank (where 1 is most deprived)',
    'Health Deprivation and Disability Decile (where 1 is most deprived 10% of LSOAs)',
    'Crime Score',
    'Crime Rank (where 1 is most deprived)',
    'Crime Decile (where 1 is most deprived 10% of LSOAs)',
    'Barriers to Housing and Services Score',
    'Barriers to Housing and Services Rank (where 1 is most deprived)',
    'Barriers to Housing and Services Decile (where 1 is most deprived 10% of LSOAs)',
    'Living Environment Score',
    'Living Environment Rank (where 1 is most deprived)',
    'Living Environment Decile (where 1 is most deprived 10% of LSOAs)',
    'Income Deprivation Affecting Children Index (IDACI) Score (rate)',
    'Income Deprivation Affecting Children Index (IDACI) Rank (where 1 is most deprived)',
    'Income Deprivation Affecting Children Index (IDACI)'
    ' Decile (where 1 is most deprived 10% of LSOAs)',
    'Income Deprivation Affecting Older People (IDAOPI) Score (rate)',
    'Income Deprivation Affecting Older People (IDAOPI) Rank (where 1 is most deprived)',
    'Income Deprivation Affecting Older People (IDAOPI)'
    ' Decile (where 1 is most deprived 10% of LSOAs)',
    'Children and Young People Sub-domain Score',
    'Children and Young People Sub-domain Rank (where 1 is most deprived)',
    'Children and Young People Sub-domain Decile (where 1 is most deprived 10% of LSO',
    'Adult Skills Sub-domain Score',
    'Adult Skills Sub-domain Rank (where 1 is most deprived)',
    'Adult Skills Sub-domain Decile (where 1 is most deprived 10% of LSOAs)',
    'Geographical Barriers Sub-domain Score',
    'Geographical Barriers Sub-domain Rank (where 1 is most deprived)',
    'Geographical Barriers Sub-domain Decile (where 1 is most deprived 10% of LSOAs)',
    'Wider Barriers Sub-domain Score',
    'Wider Barriers Sub-domain Rank (where 1 is most deprived)',
    'Wider Barriers Sub-domain Decile (where 1 is most deprived 10% of LSOAs)',
    'Indoors Sub-domain Score',
    'Indoors Sub-domain Rank (where 1 is most deprived)',
    'Indoors Sub-domain Decile (where 1 is most deprived 10% of LSOAs)',
    'Outdoors Sub-domain Score',
    'Outdoors Sub-domain Rank (where 1 is most deprived)',
    'Outdoors Sub-domain Decile (where 1 is most deprived 10% of LSOAs)',
    'Total population: mid 2022',
    'Dependent Children aged 0-15: mid 2022',
    'Older population aged 60 and over: mid 2022',
    'Working age population 18-66 (for use with Employment Deprivation Domain): mid 2022',
)

#: IoD2019 File 7, 57 columns, as assembled in publisher-formats.md (b); the last name ends
#: with a space
FILE7_2019_HEADER: tuple[str, ...] = (
    'LSOA code (2011)',
    'LSOA name (2011)',
    'Local Authority District code (2019)',
    'Local Authority District name (2019)',
    'Index of Multiple Deprivation (IMD) Score',
    'Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)',
    'Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)',
    'Income Score (rate)',
    'Income Rank (where 1 is most deprived)',
    'Income Decile (where 1 is most deprived 10% of LSOAs)',
    'Employment Score (rate)',
    'Employment Rank (where 1 is most deprived)',
    'Employment Decile (where 1 is most deprived 10% of LSOAs)',
    'Education, Skills and Training Score',
    'Education, Skills and Training Rank (where 1 is most deprived)',
    'Education, Skills and Training Decile (where 1 is most deprived 10% of LSOAs)',
    'Health Deprivation and Disability Score',
    'Health Deprivation and Disability Rank (where 1 is most deprived)',
    'Health Deprivation and Disability Decile (where 1 is most deprived 10% of LSOAs)',
    'Crime Score',
    'Crime Rank (where 1 is most deprived)',
    'Crime Decile (where 1 is most deprived 10% of LSOAs)',
    'Barriers to Housing and Services Score',
    'Barriers to Housing and Services Rank (where 1 is most deprived)',
    'Barriers to Housing and Services Decile (where 1 is most deprived 10% of LSOAs)',
    'Living Environment Score',
    'Living Environment Rank (where 1 is most deprived)',
    'Living Environment Decile (where 1 is most deprived 10% of LSOAs)',
    'Income Deprivation Affecting Children Index (IDACI) Score (rate)',
    'Income Deprivation Affecting Children Index (IDACI) Rank (where 1 is most deprived)',
    'Income Deprivation Affecting Children Index (IDACI)'
    ' Decile (where 1 is most deprived 10% of LSOAs)',
    'Income Deprivation Affecting Older People (IDAOPI) Score (rate)',
    'Income Deprivation Affecting Older People (IDAOPI) Rank (where 1 is most deprived)',
    'Income Deprivation Affecting Older People (IDAOPI)'
    ' Decile (where 1 is most deprived 10% of LSOAs)',
    'Children and Young People Sub-domain Score',
    'Children and Young People Sub-domain Rank (where 1 is most deprived)',
    'Children and Young People Sub-domain Decile (where 1 is most deprived 10% of LSOAs)',
    'Adult Skills Sub-domain Score',
    'Adult Skills Sub-domain Rank (where 1 is most deprived)',
    'Adult Skills Sub-domain Decile (where 1 is most deprived 10% of LSOAs)',
    'Geographical Barriers Sub-domain Score',
    'Geographical Barriers Sub-domain Rank (where 1 is most deprived)',
    'Geographical Barriers Sub-domain Decile (where 1 is most deprived 10% of LSOAs)',
    'Wider Barriers Sub-domain Score',
    'Wider Barriers Sub-domain Rank (where 1 is most deprived)',
    'Wider Barriers Sub-domain Decile (where 1 is most deprived 10% of LSOAs)',
    'Indoors Sub-domain Score',
    'Indoors Sub-domain Rank (where 1 is most deprived)',
    'Indoors Sub-domain Decile (where 1 is most deprived 10% of LSOAs)',
    'Outdoors Sub-domain Score',
    'Outdoors Sub-domain Rank (where 1 is most deprived)',
    'Outdoors Sub-domain Decile (where 1 is most deprived 10% of LSOAs)',
    'Total population: mid 2015 (excluding prisoners)',
    'Dependent Children aged 0-15: mid 2015 (excluding prisoners)',
    'Population aged 16-59: mid 2015 (excluding prisoners)',
    'Older population aged 60 and over: mid 2015 (excluding prisoners)',
    'Working age population 18-59/64'
    ': for use with Employment Deprivation Domain (excluding prisoners) ',
)

#: (prepared stem 2019, prepared stem 2025, publisher label) of the IMD and its domains
DOMAINS = (
    ("IMD", "IMD", "Index of Multiple Deprivation (IMD)"),
    ("Income", "Income", "Income"),
    ("Employment", "Employment", "Employment"),
    ("Education", "Education", "Education, Skills and Training"),
    ("Health", "Health", "Health Deprivation and Disability"),
    ("Crime", "Crime", "Crime"),
    ("Housing_and_Access", "Housing_and_Services", "Barriers to Housing and Services"),
    ("Environment", "Environment", "Living Environment"),
)
SUBDOMAINS = (
    ("Children_and_young_people", "children_and_young_people",
     "Children and Young People Sub-domain"),
    ("Adult_skills", "adult_skills", "Adult Skills Sub-domain"),
    ("Geographical_barriers", "geographical_barriers", "Geographical Barriers Sub-domain"),
    ("Wider_barriers", "wider_barriers", "Wider Barriers Sub-domain"),
    ("Indoors", "indoors", "Indoors Sub-domain"),
    ("Outdoors", "outdoors", "Outdoors Sub-domain"),
)

_INCOME = (
    "Income Domain numerator",
    "Income Deprivation Affecting Children Index (IDACI) numerator",
    "Income Deprivation Affecting Older People Index (IDAOPI) numerator",
)
_AFFORD = (
    "Owner-occupation affordability (component of housing affordability indicator)",
    "Private rental affordability (component of housing affordability indicator)",
    "Housing affordability indicator",
)
_AIR = (
    "Nitrogen dioxide (component of air quality indicator)",
    "Benzene (component of air quality indicator)",
    "Sulphur dioxide (component of air quality indicator)",
    "Particulates (component of air quality indicator)",
    "Air quality indicator",
)
#: IoD2019 File 8: sheet -> indicator headers (after the four LSOA and district columns), as
#: named by humaniverse/IMD man/imd2019_england_lsoa11_indicators.Rd and public scripts
FILE8_2019_SHEETS: dict[str, tuple[str, ...]] = {
    "IoD2019 Income Domain": _INCOME,
    "IoD2019 Employment Domain": ("Employment Domain numerator",),
    "IoD2019 Education Domain": (
        "Staying on in education post 16 indicator",
        "Entry to higher education indicator",
        "Adult skills and English language proficiency indicator",
    ),
    "IoD2019 Health Domain": (
        "Years of potential life lost indicator",
        "Comparative illness and disability ratio indicator",
        "Acute morbidity indicator",
        "Mood and anxiety disorders indicator",
    ),
    "IoD2019 Barriers Domain": (
        "Road distance to a post office indicator (km)",
        "Road distance to a primary school indicator (km)",
        "Road distance to general store or supermarket indicator (km)",
        "Road distance to a GP surgery indicator (km)",
        "Household overcrowding indicator",
        "Homelessness indicator (rate per 1000 households)",
        *_AFFORD,
    ),
    "IoD2019 Living Env Domain": (
        "Housing in poor condition indicator",
        "Houses without central heating indicator",
        "Road traffic accidents indicator",
        *_AIR,
    ),
}
_AT_RISK = ", rate per 1,000 'at-risk population'"
#: IoD2025 File 8: sheet -> indicator headers (humaniverse/IMD
#: man/imd2025_england_lsoa21_indicators.Rd, public scripts reading the Crime, Barriers and
#: Living Env sheets by name)
FILE8_2025_SHEETS: dict[str, tuple[str, ...]] = {
    "IoD25 Income Domain": _INCOME,
    "IoD25 Employment Domain": ("Employment Domain numerator",),
    "IoD25 Education Domain": (
        "Adult skills and English language proficiency indicator",
        "Entry to higher education indicator",
    ),
    "IoD25 Health Domain": (
        "Acute morbidity indicator",
        "Comparative illness and disability ratio indicator",
        "Mental health indicator",
        "Years of potential life lost indicator",
    ),
    "IoD25 Crime Domain": (
        f"Violence with injury{_AT_RISK}",
        f"Violence without injury{_AT_RISK}",
        f"Stalking and harassment{_AT_RISK}",
        "Burglary, rate per 1,000 'at-risk properties'",
        f"Theft{_AT_RISK}",
        f"Criminal damage{_AT_RISK}",
        f"Public order and Possession of weapons{_AT_RISK}",
        f"Anti-Social Behaviour{_AT_RISK}",
    ),
    "IoD25 Barriers Domain": (
        "Connectivity Score",
        *_AFFORD,
        "Digital Connectivity (Broadband download and upload speeds)",
        "Core homelessness rate (% of households)",
        "Patient-to-GP Ratio",
        "Homelessness indicator (rate per 1,000 households)",
        "Household overcrowding indicator (rooms)",
        "Household overcrowding indicator (bedrooms)",
    ),
    "IoD25 Living Env Domain": (
        "Housing in poor condition indicator",
        "Housing energy performance deprivation Score",
        "Housing lacking private outdoor space deprivation score",
        "Noise pollution",
        "Road traffic casualties involving injury to pedestrians and cyclists",
        "Sulphur dioxide (component of air quality indicator)",
        "Nitrogen dioxide (component of air quality indicator)",
        "Benzene (component of air quality indicator)",
        "Particulates (component of air quality indicator)",
        "Air quality indicator",
    ),
}
#: File 8 notes table header (2025: row 11, columns C to H)
NOTES_HEADER = ("Domain", "Indicator", "Data supplier", "Data time point", "Published", "Comments")

#: ONS SAPE23DT2 (mid-2020, LSOA 2011) header, row 5 of each sheet; ages are numeric cells
SAPE2020_HEADER: tuple[object, ...] = (
    "LSOA Code", "LSOA Name", "LA Code (2018 boundaries)", "LA name (2018 boundaries)",
    "LA Code (2021 boundaries)", "LA name (2021 boundaries)", "All Ages", *range(90), "90+",
)
#: ONS sapelsoasyoa20222024 (LSOA 2021) header, row 4 of each year's sheet: 187 columns
SAPE2024_HEADER: tuple[str, ...] = (
    "LAD 2023 Code", "LAD 2023 Name", "LSOA 2021 Code", "LSOA 2021 Name", "Total",
    *(f"F{a}" for a in range(91)), *(f"M{a}" for a in range(91)),
)

#: a made-up Welsh row, to show the converters keep England only
WELSH_LSOA = ("W01000001", "Isle of Anglesey 001A", "W06000001", "Isle of Anglesey")


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def _sample(frame: pd.DataFrame, *, also: pd.Series | None = None, every: int = 25) -> pd.DataFrame:
    """Every ``every``-th row, plus the rows ``also`` marks."""
    keep = pd.Series(range(len(frame)), index=frame.index) % (1 if FULL else every) == 0
    if also is not None:
        keep |= also
    return frame.loc[keep].reset_index(drop=True)


def _lsoa11_names(shared: Path) -> pd.DataFrame:
    look = prepared(shared, "lsoa11_ltla21_lookup")
    return look[["lsoa11_code", "lsoa11_name", "ltla21_code", "ltla21_name"]]


# --------------------------------------------------------------------------------------------
# IoD File 7 (CSV)
# --------------------------------------------------------------------------------------------

_RANK = " Rank (where 1 is most deprived)"
_DECILE = " Decile (where 1 is most deprived 10% of LSOAs)"


#: File 7 columns the prepared data lacks but the real publisher rows in ``docs/publisher-samples``
#: hold: the published IDACI / IDAOPI rates and their population denominators
_IDACI_IDAOPI_2025 = (FILE7_2025_HEADER[28], FILE7_2025_HEADER[31], FILE7_2025_HEADER[53],
                      FILE7_2025_HEADER[54])
_DENOMINATORS_2019 = (FILE7_2019_HEADER[53], FILE7_2019_HEADER[55])


def _real_rows(shared: Path, sample: str, key: str, headers: tuple[str, ...]) -> pd.DataFrame:
    """The columns ``headers`` of the real publisher rows in ``sample`` (beside the data folder),
    keyed by ``key``, named as the publisher names them; no rows when the samples are not there.
    Values as floats (File 6 writes ``175.00``)."""
    path = shared.parent / SAMPLES / sample
    if not path.is_file():
        return pd.DataFrame(columns=[key, *headers])
    frame = pd.read_csv(path, encoding="utf-8-sig")
    frame.columns = [str(c).strip() for c in frame.columns]
    out = frame[[frame.columns[0], *(h.strip() for h in headers)]].set_axis([key, *headers], axis=1)
    return out.astype({h: float for h in headers})


def _score_header(label: str) -> str:
    rate = label in ("Income", "Employment")
    return f"{label} Score (rate)" if rate else f"{label} Score"


def build_iod2025_file7(shared: Path, out: Path) -> Path:
    """IoD2025 File 7: every LSOA, the 56-column header, no BOM, LF line ends. The published
    IDACI / IDAOPI rates and their mid-2022 denominators, which the prepared data lacks, are the
    real publisher rows' (``iod2025_file7_sample.csv``, five LSOAs) and blank elsewhere."""
    imd = prepared(shared, "imd2025")
    sub = prepared(shared, "imd2025_subdomains")
    pop = prepared(shared, "population_lsoa21_mid2022_2024")
    real = _real_rows(shared, "iod2025_file7_sample.csv", "lsoa21_code", _IDACI_IDAOPI_2025)
    frame = (imd.merge(sub, on="lsoa21_code", how="left")
             .merge(lsoa21_names(shared), on="lsoa21_code", how="left")
             .merge(pop, on="lsoa21_code", how="left")
             .merge(real, on="lsoa21_code", how="left"))
    cols: dict[str, str] = {
        "LSOA code (2021)": "lsoa21_code",
        "LSOA name (2021)": "lsoa21_name",
        "Local Authority District code (2024)": "ltla24_code",
        "Local Authority District name (2024)": "ltla24_name",
        "Total population: mid 2022": "population_mid2022",
    }
    cols.update({h: h for h in _IDACI_IDAOPI_2025})
    for _, stem, label in DOMAINS:
        cols[_score_header(label)] = f"{stem}_score"
        cols[f"{label}{_RANK}"] = f"{stem}_rank"
        cols[f"{label}{_DECILE}"] = f"{stem}_decile"
    for _, stem, label in SUBDOMAINS:
        cols[f"{label} Score"] = f"{stem}_score"
        cols[f"{label}{_RANK}"] = f"{stem}_rank"
        cols[f"{label}{_DECILE}"] = f"{stem}_decile"
    # column 37 as the publisher cut it
    cols[FILE7_2025_HEADER[36]] = cols.pop(f"{SUBDOMAINS[0][2]}{_DECILE}")
    table = pd.DataFrame(
        {h: _publisher_values(frame, cols.get(h)) for h in FILE7_2025_HEADER}
    )
    return write_csv(out / FILE_NAMES["iod2025_file7"], table, newline="\n")


def _publisher_values(frame: pd.DataFrame, column: str | None) -> pd.Series:
    """A prepared column as the publisher writes it: whole numbers without ``.0``, blanks empty."""
    if column is None:
        return pd.Series([""] * len(frame), dtype=object)
    values = frame[column]
    if values.dtype.kind == "f":
        return values.map(
            lambda v: "" if pd.isna(v) else (str(int(v)) if v.is_integer() else repr(v))
        )
    return values.astype(object).where(values.notna(), "")


def build_iod2019_file7(shared: Path, out: Path) -> Path:
    """IoD2019 File 7: every LSOA, the assembled 57-column header (trailing space in the last
    name), UTF-8 BOM and CRLF line ends as in the stored copy of its sibling File 6. Scores and
    mid-2015 denominators, which the prepared data lacks, are blank, except the children's and
    older people's denominators of the real File 6 rows
    (``iod2019_file6_population_denominators_sample.csv``; File 7 repeats File 6's figures)."""
    imd = prepared(shared, "imd2019")
    sub = prepared(shared, "imd2019_subdomains")
    sub = sub[[c for c in sub.columns if c == "lsoa11_code" or c not in imd.columns]]
    real = _real_rows(shared, "iod2019_file6_population_denominators_sample.csv", "lsoa11_code",
                      _DENOMINATORS_2019)
    frame = (imd.merge(sub, on="lsoa11_code", how="left")
             .merge(_lsoa11_names(shared), on="lsoa11_code", how="left")
             .merge(real, on="lsoa11_code", how="left"))
    cols: dict[str, str] = {
        "LSOA code (2011)": "lsoa11_code",
        "LSOA name (2011)": "lsoa11_name",
        "Local Authority District code (2019)": "ltla21_code",
        "Local Authority District name (2019)": "ltla21_name",
    }
    cols.update({h: h for h in _DENOMINATORS_2019})
    for stem, _, label in (*DOMAINS, *SUBDOMAINS):
        cols[f"{label}{_RANK}"] = f"{stem}_rank"
        cols[f"{label}{_DECILE}"] = f"{stem}_decile"
    table = pd.DataFrame(
        {h: _publisher_values(frame, cols.get(h)) for h in FILE7_2019_HEADER}
    )
    return write_csv(out / FILE_NAMES["iod2019_file7"], table, bom=True, newline="\r\n")


# --------------------------------------------------------------------------------------------
# IoD File 8 (xlsx)
# --------------------------------------------------------------------------------------------


def _file8(
    shared: Path, out: Path, *, source_id: str, dataset_id: str, key: str, year: str,
    lad_year: str, names: pd.DataFrame, sheets: dict[str, tuple[str, ...]],
    notes_at: tuple[int, int],
) -> Path:
    from needsmap.data.sources.imd import clean_name

    ind = prepared(shared, dataset_id)
    sample = _sample(ind, also=ind["income_domain_numerator"].isna())
    frame = sample.merge(names, on=key, how="left")
    name_col, lad_code, lad_name = names.columns[1:4]
    lead = (f"LSOA code ({year})", f"LSOA name ({year})",
            f"Local Authority District code ({lad_year})",
            f"Local Authority District name ({lad_year})")
    # the notes sheet: an empty band, then the table of indicators at notes_at (row, column)
    row0, col0 = notes_at
    notes: list[list[object]] = [[] for _ in range(row0 - 1)]
    notes.append([None] * (col0 - 1) + list(NOTES_HEADER))
    for sheet, headers in sheets.items():
        for h in headers:
            notes.append([None] * (col0 - 1) + [sheet.split(" ", 1)[1], h, "", "", "Yes", ""])
    book: list[tuple[str, list[list[object]]]] = [("Notes", notes)]
    for sheet, headers in sheets.items():
        rows: list[list[object]] = [[*lead, *headers]]
        present = [h for h in headers if clean_name(h) in frame.columns]
        for rec in frame.itertuples(index=False):
            r = rec._asdict()
            vals = [r[clean_name(h)] if h in present else None for h in headers]
            rows.append([r[key], r[name_col], r[lad_code], r[lad_name], *vals])
        book.append((sheet, rows))
    return write_workbook(out / FILE_NAMES[source_id], book)


def build_iod2019_file8(shared: Path, out: Path) -> Path:
    """IoD2019 File 8: a Notes sheet and six domain sheets, header in row 1; a sample of LSOAs."""
    return _file8(shared, out, source_id="iod2019_file8",
                  dataset_id="imd2019_indicators", key="lsoa11_code",
                  year="2011", lad_year="2019", names=_lsoa11_names(shared),
                  sheets=FILE8_2019_SHEETS, notes_at=(3, 2))


def build_iod2025_file8(shared: Path, out: Path) -> Path:
    """IoD2025 File 8: Notes (table at row 11, column C) and seven domain sheets, header in row 1;
    a sample of LSOAs; the Living Env sheet's indicators are blank (not in the prepared data)."""
    return _file8(shared, out, source_id="iod2025_file8",
                  dataset_id="imd2025_indicators", key="lsoa21_code",
                  year="2021", lad_year="2024", names=lsoa21_names(shared),
                  sheets=FILE8_2025_SHEETS, notes_at=(11, 3))


# --------------------------------------------------------------------------------------------
# ONS small area population estimates (xlsx)
# --------------------------------------------------------------------------------------------


def build_sape_mid2020(shared: Path, out: Path) -> Path:
    """SAPE23DT2 mid-2020: Persons, Males and Females sheets, four title rows, header in row 5;
    a sample of England's LSOAs (Persons only; the other sheets hold the header) and one Welsh
    row. District columns come from the LSOA 2011 → district 2021 lookup."""
    pop = prepared(shared, "population2020")
    frame = _sample(pop).merge(_lsoa11_names(shared).drop(columns="lsoa11_name"),
                               on="lsoa11_code", how="left")
    ages = [str(a) for a in range(90)] + ["90+"]
    title: list[list[object]] = [["Mid-2020 Population Estimates for Lower Layer Super Output Areas in England and "
              "Wales by Single Year of Age and Sex"],
             ["National Statistics"], ["Persons"], []]
    persons: list[list[object]] = [*title, list(SAPE2020_HEADER)]
    for r in frame.to_dict("records"):
        persons.append([r["lsoa11_code"], r["lsoa11_name"], r["ltla21_code"], r["ltla21_name"],
                        r["ltla21_code"], r["ltla21_name"], r["total_population"],
                        *(r[a] for a in ages)])
    code, name, lad, lad_name = WELSH_LSOA
    persons.append([code, name, lad, lad_name, lad, lad_name, 1500, *([16] * 90), 60])
    empty: list[list[object]] = [*title[:2], [], [], list(SAPE2020_HEADER)]
    return write_workbook(out / FILE_NAMES["ons_sape23dt2_mid2020"], [
        ("Mid-2020 Persons", persons), ("Mid-2020 Males", empty), ("Mid-2020 Females", empty),
    ])


def build_sape_lsoa21_2022_2024(shared: Path, out: Path) -> Path:
    """sapelsoasyoa20222024: Mid-2022, Mid-2023 and Mid-2024 sheets, three title rows, header in
    row 4 (187 columns); a sample of England's LSOAs and one Welsh row. ``Total`` comes from the
    prepared data; single years of age are blank, and so is the whole of mid-2023."""
    pop = prepared(shared, "population_lsoa21_mid2022_2024")
    frame = _sample(pop).merge(lsoa21_names(shared), on="lsoa21_code", how="left")
    book: list[tuple[str, list[list[object]]]] = []
    for year in ("2022", "2023", "2024"):
        rows: list[list[object]] = [
            [f"Mid-{year} population estimates for 2021 Lower layer Super Output Areas in "
             "England and Wales by single year of age and sex"],
            ["Source: Office for National Statistics"], [], list(SAPE2024_HEADER),
        ]
        column = f"population_mid{year}"
        for r in frame.to_dict("records"):
            total = r.get(column)
            rows.append([r["ltla24_code"], r["ltla24_name"], r["lsoa21_code"], r["lsoa21_name"],
                         total])
        code, name, lad, lad_name = WELSH_LSOA
        rows.append([lad, lad_name, code, name, 1500])
        book.append((f"Mid-{year} LSOA 2021", rows))
    return write_workbook(out / FILE_NAMES["ons_sape_lsoa21_mid2022_mid2024"], book)


BUILDERS: dict[str, Callable[[Path, Path], Path]] = {
    "iod2025_file7": build_iod2025_file7,
    "iod2019_file7": build_iod2019_file7,
    "iod2019_file8": build_iod2019_file8,
    "iod2025_file8": build_iod2025_file8,
    "ons_sape23dt2_mid2020": build_sape_mid2020,
    "ons_sape_lsoa21_mid2022_mid2024": build_sape_lsoa21_2022_2024,
}

PARTIAL: dict[str, str] = {} if FULL else {
    "imd2019_indicators": "lsoa11_code",
    "imd2025_indicators": "lsoa21_code",
    "population2020": "lsoa11_code",
    "population_lsoa21_mid2022_2024": "lsoa21_code",
}
