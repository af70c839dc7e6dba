"""Catalog of every public dataset needsmap reads: who publishes it, its licence, where to get it.

Pages, reports and error messages cite from here; nothing else hard-codes a source line.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from needsmap.config import data_dir
from needsmap.data._cache import file_stamp, note_read
from needsmap.data.imd_domains import IMD_DOMAINS, IMD_SUBDOMAINS
from needsmap.types import ENGLAND_LSOA11, ENGLAND_LSOA21

OGL = "Open Government Licence v3.0"
OS_ATTRIBUTION = "Contains OS data © Crown copyright and database right"


@dataclass(frozen=True)
class Dataset:
    """One dataset in the data directory.

    Parameters
    ----------
    id
        Short identifier used in code (``imd2019``).
    title
        Human title, as a citation would give it.
    publisher
        Who publishes it.
    licence
        Licence and any attribution statement that must accompany it.
    url
        Canonical public page to download it from.
    file
        Path relative to the data directory.
    columns
        Columns the loader requires (others are allowed).
    optional_columns
        Columns the loader uses when the file has them (a file without them still loads): e.g.
        the published IDACI / IDAOPI rates and denominators that ``needsmap data fetch`` keeps from
        MHCLG's File 7, which the staged prepared IMD files lack.
    geography
        Unit of the rows (``LSOA 2011``, ``MSOA 2011`` …).
    date
        Reference date or period of the figures.
    key
        Column that must be unique per row, if any.
    optional
        True when the dashboard works without it (the layer is then hidden).
    min_rows
        Fewest rows a complete England file has, for tables not keyed by LSOA (a file cut short is
        refused). LSOA tables are held to every LSOA of their vintage instead.
    notes
        Anything a user must know to read the figures right.
    """

    id: str
    title: str
    publisher: str
    licence: str
    url: str
    file: str
    columns: tuple[str, ...]
    geography: str
    date: str
    key: str | None = None
    optional: bool = False
    notes: str = ""
    attribution: str = ""
    kind: str = field(default="table")
    min_rows: int = 0
    optional_columns: tuple[str, ...] = ()

    def path_in(self, folder: Path) -> Path:
        """Where this dataset's file is in data folder ``folder``.

        A CSV dataset may also be stored as a parquet file of the same name and columns
        (``imd/imd2025_lsoa21.parquet``), as the embedded demo does to stay small; the CSV wins
        when both exist. When neither exists, the CSV's (catalog) path.
        """
        path = folder / self.file
        if not path.exists() and path.suffix == ".csv":
            twin = path.with_suffix(".parquet")
            if twin.exists():
                return twin
        return path

    @property
    def path(self) -> Path:
        """Absolute path of the file in the current data directory (see :meth:`path_in`).

        Noted as read by the cached build running now, if any (see
        :func:`needsmap.data._cache.note_read`): a prepared frame depends on the files it located.
        """
        path = self.path_in(data_dir())
        note_read(path)
        return path

    def citation(self) -> str:
        """One-line citation: title, publisher, date, licence."""
        text = f"{self.title} — {self.publisher}, {self.date}. {self.licence}."
        if self.attribution:
            text += f" {self.attribution}."
        return text


_IMD19_DOMAINS = tuple(d.stem2019 for d in IMD_DOMAINS)
_IMD25_DOMAINS = tuple(d.stem2025 for d in IMD_DOMAINS)
_SUB19 = tuple(d.stem2019 for d in IMD_SUBDOMAINS)
_SUB25 = tuple(d.stem2025 for d in IMD_SUBDOMAINS)
#: optional columns of the main IMD tables (``imd2019``, ``imd2025``), kept from MHCLG's File 7 when
#: the file has them: the published IDACI and IDAOPI rates ("Score (rate)", a proportion 0–1) and
#: their published population denominators (children aged 0–15; people aged 60 and over), which
#: are for mid-2015 on LSOA 2011 (IoD2019) and mid-2022 on LSOA 2021 (IoD2025)
IMD_RATE_COLUMNS = ("IDACI_score", "IDAOPI_score", "IDACI_denominator", "IDAOPI_denominator")
_IMD_RATE_NOTE = (" Optional columns (File 7 as fetched; not in every prepared copy): IDACI_score, "
                  "IDAOPI_score (published rates, 0–1) and IDACI_denominator, IDAOPI_denominator "
                  "(children aged 0–15, people aged 60+, {date}).")
_IMD19_URL = "https://www.gov.uk/government/statistics/english-indices-of-deprivation-2019"
_IMD25_URL = "https://www.gov.uk/government/statistics/english-indices-of-deprivation-2025"
_GEOPORTAL = "https://geoportal.statistics.gov.uk/"

DATASETS: tuple[Dataset, ...] = (
    Dataset(
        id="imd2019",
        title="English Indices of Deprivation 2019: IMD and domains (File 7)",
        publisher="Ministry of Housing, Communities and Local Government (MHCLG)",
        licence=OGL, url=_IMD19_URL, file="imd/imd2019_lsoa11.csv",
        columns=("lsoa11_code",) + tuple(f"{d}_{m}" for d in _IMD19_DOMAINS for m in ("rank", "decile")),
        geography="LSOA 2011", date="2019 (most indicators 2015/16)", key="lsoa11_code",
        optional_columns=IMD_RATE_COLUMNS,
        notes=f"Rank 1 is the most deprived of {ENGLAND_LSOA11:,} LSOAs; decile 1 is the most deprived 10%. "
              "26 pairs of tied ranks." + _IMD_RATE_NOTE.format(date="mid-2015"),
    ),
    Dataset(
        id="imd2019_subdomains",
        title="English Indices of Deprivation 2019: sub-domains",
        publisher="MHCLG", licence=OGL, url=_IMD19_URL, file="imd/imd2019_lsoa11_subdomains.csv",
        columns=("lsoa11_code",) + tuple(f"{d}_{m}" for d in _SUB19 for m in ("rank", "decile")),
        geography="LSOA 2011", date="2019", key="lsoa11_code",
    ),
    Dataset(
        id="imd2019_indicators",
        title="English Indices of Deprivation 2019: underlying indicators (File 8)",
        publisher="MHCLG", licence=OGL, url=_IMD19_URL, file="imd/imd2019_lsoa11_indicators.csv",
        columns=("lsoa11_code", "income_domain_numerator",
                 "income_deprivation_affecting_children_index_idaci_numerator",
                 "income_deprivation_affecting_older_people_index_idaopi_numerator",
                 "employment_domain_numerator"),
        geography="LSOA 2011", date="2019 (indicators mostly 2015/16)", key="lsoa11_code",
    ),
    Dataset(
        id="imd2025",
        title="English Indices of Deprivation 2025: IMD and domains",
        publisher="Ministry of Housing, Communities and Local Government (MHCLG)",
        licence=OGL, url=_IMD25_URL, file="imd/imd2025_lsoa21.csv",
        columns=("lsoa21_code",) + tuple(
            f"{d}_{m}" for d in _IMD25_DOMAINS for m in ("rank", "decile", "score")),
        geography="LSOA 2021", date="2025", key="lsoa21_code",
        optional_columns=IMD_RATE_COLUMNS,
        notes=f"Rank 1 is the most deprived of {ENGLAND_LSOA21:,} LSOAs; decile 1 is the most deprived 10%."
              + _IMD_RATE_NOTE.format(date="mid-2022"),
    ),
    Dataset(
        id="imd2025_subdomains",
        title="English Indices of Deprivation 2025: sub-domains",
        publisher="MHCLG", licence=OGL, url=_IMD25_URL, file="imd/imd2025_lsoa21_subdomains.csv",
        columns=("lsoa21_code",) + tuple(f"{d}_{m}" for d in _SUB25 for m in ("score", "rank", "decile")),
        geography="LSOA 2021", date="2025", key="lsoa21_code",
    ),
    Dataset(
        id="imd2025_indicators",
        title="English Indices of Deprivation 2025: underlying indicators",
        publisher="MHCLG", licence=OGL, url=_IMD25_URL, file="imd/imd2025_lsoa21_indicators.csv",
        columns=("lsoa21_code", "income_domain_numerator",
                 "income_deprivation_affecting_children_index_idaci_numerator",
                 "income_deprivation_affecting_older_people_index_idaopi_numerator",
                 "employment_domain_numerator"),
        geography="LSOA 2021", date="2025", key="lsoa21_code",
    ),
    Dataset(
        id="lsoa11_boundaries",
        title="Lower layer Super Output Areas (December 2011) boundaries, super generalised",
        publisher="Office for National Statistics (ONS Open Geography Portal)",
        licence=OGL, attribution=OS_ATTRIBUTION, url=_GEOPORTAL,
        file="geography/lsoa11_boundaries.parquet", columns=("lsoa11_code", "lsoa11_name", "geometry"),
        geography="LSOA 2011", date="December 2011", key="lsoa11_code", kind="geometry",
    ),
    Dataset(
        id="lsoa21_boundaries",
        title="Lower layer Super Output Areas (December 2021) boundaries, generalised (BSC)",
        publisher="Office for National Statistics (ONS Open Geography Portal)",
        licence=OGL, attribution=OS_ATTRIBUTION, url=_GEOPORTAL,
        file="geography/lsoa21_boundaries.parquet", columns=("lsoa21_code", "lsoa21_name", "geometry"),
        geography="LSOA 2021", date="December 2021", key="lsoa21_code", kind="geometry",
    ),
    Dataset(
        id="ltla24_boundaries",
        title="Local Authority Districts (May 2024) boundaries, ultra generalised",
        publisher="Office for National Statistics (ONS Open Geography Portal)",
        licence=OGL, attribution=OS_ATTRIBUTION, url=_GEOPORTAL,
        file="geography/ltla24_boundaries.parquet", columns=("ltla24_code", "ltla24_name", "geometry"),
        geography="Local authority 2024", date="May 2024", key="ltla24_code", kind="geometry",
        min_rows=296,
    ),
    Dataset(
        id="lsoa21_ward24_lookup",
        title="LSOA (2021) to electoral ward (2024) to local authority (2024) lookup",
        publisher="Office for National Statistics (ONS Open Geography Portal)", licence=OGL,
        url=_GEOPORTAL, file="geography/lsoa21_ward24_ltla24_lookup.csv",
        columns=("lsoa21_code", "lsoa21_name", "ward24_code", "ward24_name", "ltla24_code", "ltla24_name"),
        geography="LSOA 2021", date="2024", key="lsoa21_code",
        notes="Best-fit: each LSOA is assigned to the one ward it falls mostly within.",
    ),
    Dataset(
        id="ltla24_region24_lookup",
        title="Local authority district (2024) to region lookup",
        publisher="Office for National Statistics (ONS Open Geography Portal)", licence=OGL,
        url=_GEOPORTAL, file="geography/ltla24_region24_lookup.csv",
        columns=("ltla24_code", "ltla24_name", "region24_code", "region24_name"),
        geography="Local authority 2024", date="2024", key="ltla24_code", min_rows=296,
    ),
    Dataset(
        id="ltla21_region21_lookup",
        title="Local authority district (2021) to region lookup",
        publisher="Office for National Statistics (ONS Open Geography Portal)", licence=OGL,
        url=_GEOPORTAL, file="geography/ltla21_region21_lookup.csv",
        columns=("ltla21_code", "ltla21_name", "region21_code", "region21_name"),
        geography="Local authority 2021", date="2021", key="ltla21_code", min_rows=309,
    ),
    Dataset(
        id="lsoa11_ltla21_lookup",
        title="LSOA (2011) to local authority district (2021) lookup",
        publisher="Office for National Statistics (ONS Open Geography Portal)", licence=OGL,
        url=_GEOPORTAL, file="geography/lsoa11_ltla21_lookup.csv",
        columns=("lsoa11_code", "lsoa11_name", "ltla21_code", "ltla21_name"),
        geography="LSOA 2011", date="2021", key="lsoa11_code",
    ),
    Dataset(
        id="lsoa11_msoa11_lookup",
        title="LSOA (2011) to MSOA (2011) lookup",
        publisher="Office for National Statistics (ONS Open Geography Portal)", licence=OGL,
        url=_GEOPORTAL, file="geography/lsoa11_msoa11_lookup.csv",
        columns=("lsoa11_code", "lsoa11_name", "msoa11_code", "msoa11_name"),
        geography="LSOA 2011", date="2011", key="lsoa11_code",
    ),
    Dataset(
        id="lsoa11_lsoa21_lookup",
        title="LSOA (2011) to LSOA (2021) to local authority (2022) lookup",
        publisher="Office for National Statistics (ONS Open Geography Portal)", licence=OGL,
        url=_GEOPORTAL, file="geography/lsoa11_lsoa21_ltla22_lookup.csv",
        columns=("lsoa11_code", "lsoa11_name", "change_code", "lsoa21_code", "lsoa21_name",
                 "ltla22_code", "ltla22_name"),
        geography="LSOA 2011 ↔ LSOA 2021", date="2022",
        notes="change_code: U unchanged, S split, M merged, X irregular (redesigned).",
    ),
    Dataset(
        id="population2020",
        title="Lower layer Super Output Area population estimates, mid-2020",
        publisher="Office for National Statistics", licence=OGL,
        url="https://www.ons.gov.uk/peoplepopulationandcommunity/populationandmigration/populationestimates/datasets/lowersuperoutputareamidyearpopulationestimates",
        file="population/population_mid2020_lsoa11.csv",
        columns=("lsoa11_code", "lsoa11_name", "total_population"),
        geography="LSOA 2011", date="mid-2020", key="lsoa11_code",
        notes="Single year of age columns 0 … 89 and 90+.",
    ),
    Dataset(
        id="census2021_ethnicity",
        title="Census 2021 TS021: ethnic group (usual residents), broad groups",
        publisher="Office for National Statistics", licence=OGL,
        url="https://www.nomisweb.co.uk/datasets/c2021ts021",
        file="population/census2021_ethnicity_lsoa21.csv",
        columns=("lsoa21_code", "total_residents", "ethnic_group", "n", "prop"),
        geography="LSOA 2021", date="Census day, 21 March 2021",
        notes="Long format: one row per LSOA and broad ethnic group.",
    ),
    Dataset(
        id="bres2018_jobs",
        title="Jobs by sector: share of jobs in accommodation and food; arts, entertainment, recreation and other services; retail; transport and storage (BRES 2018)",
        publisher="ONS Business Register and Employment Survey, prepared by OCSI (Local Insight)",
        licence=OGL, attribution="Attribution: OCSI", url="https://www.nomisweb.co.uk/sources/bres",
        file="jobs/bres2018_jobs_by_sector_msoa11.csv",
        columns=("msoa11_code", "msoa11_name",
                 "Jobs in accommodation and food services (hospitality) Rate",
                 "Jobs in arts, entertainment, recreation and other services Rate",
                 "Jobs in retail Rate",
                 "Jobs in transport and storage (inc postal) Rate"),
        geography="MSOA 2011", date="2018", key="msoa11_code", optional=True, min_rows=6_791,
        notes="The sum of the four sector shares is the 'at-risk jobs' share used in 2020 shutdown analyses.",
    ),
    Dataset(
        id="furlough2020",
        title="Coronavirus Job Retention Scheme statistics: employments furloughed at 31 August 2020",
        publisher="HM Revenue & Customs", licence=OGL,
        url="https://www.gov.uk/government/collections/coronavirus-job-retention-scheme-statistics",
        file="jobs/hmrc_furlough_aug2020_ltla19.csv",
        columns=("LAD19CD", "LAD19NM", "Furlough count", "Furlough rate"),
        geography="Local authority 2019", date="31 August 2020", key="LAD19CD", optional=True,
        min_rows=300,
    ),
    Dataset(
        id="cni2023",
        title="Community Needs Index 2023",
        publisher="OCSI for Local Trust",
        licence="Licence not confirmed: supplied by OCSI to social-purpose organisations; an optional layer you supply",
        attribution="Cite: Community Needs Index, OCSI/Local Trust",
        url="https://ocsi.uk/community-needs-index/",
        file="community_needs/cni2023_lsoa21.csv",
        columns=("lsoa21_code", "lsoa21_name", "Community Needs Index 2023 Score",
                 "Community Needs Index 2023 Rank", "Civic Assets Domain Score",
                 "Civic Assets Domain Rank", "Connectedness Domain Score",
                 "Connectedness Domain Rank", "Active and Engaged Community Domain Score",
                 "Active and Engaged Community Domain Rank", "Left Behind Area?"),
        geography="LSOA 2021", date="2023", key="lsoa21_code", optional=True,
        notes="Higher score = higher community need; rank 1 = highest need. The 'Left Behind Area?' flag is the redistributor's: in the data it marks LSOAs in the highest-need CNI tenth that were also in IMD 2019's most deprived decile (1,301 of its 1,305 flagged LSOAs are 2019 decile 1; 149 of them are not 2025 decile 1), although shared/data's README says IMD 2025.",
    ),
    Dataset(
        id="cni2019_wards",
        title="Community Needs Index 2019 and 'left behind' wards",
        publisher="OCSI for Local Trust",
        licence="Licence not confirmed: supplied by OCSI to social-purpose organisations; an optional layer you supply",
        attribution="Cite: Community Needs Index, OCSI/Local Trust",
        url="https://localtrust.org.uk/insights/research/left-behind-understanding-communities-on-the-edge/",
        file="community_needs/cni2019_ward17.csv",
        columns=("ward17_code", "ward17_name", "lad19_code", "lad19_name",
                 "Community Needs Index score", "Community Needs Index rank", "Left Behind Area?"),
        geography="Electoral ward 2017", date="2019", key="ward17_code", optional=True,
        min_rows=7_000,
        notes="225 official 'left behind' wards: high need on the CNI and in the 10% most deprived on IMD 2019.",
    ),
    Dataset(
        id="nspl_centroids",
        title="National Statistics Postcode Lookup (May 2025): postcode centroids",
        publisher="Office for National Statistics (ONS Open Geography Portal)",
        licence=OGL,
        attribution="Contains OS data © Crown copyright and database right 2025; Contains Royal Mail data © Royal Mail copyright and database right 2025",
        url=_GEOPORTAL, file="postcodes/nspl_2025_05_postcode_centroids.parquet",
        columns=("postcode", "lat", "lon"), geography="Postcode (Great Britain)", date="May 2025",
        key="postcode", kind="table", min_rows=2_500_000,
        notes="Live and terminated postcodes; about 21,000 have no coordinates.",
    ),
    Dataset(
        id="nspl_codes",
        title="National Statistics Postcode Lookup: each postcode's exact LSOA, country and termination date",
        publisher="Office for National Statistics (ONS Open Geography Portal)",
        licence=OGL,
        attribution="Contains OS data © Crown copyright and database right; Contains Royal Mail data © Royal Mail copyright and database right",
        url=_GEOPORTAL, file="postcodes/nspl_postcode_lsoa.parquet",
        columns=("postcode", "lsoa21_code", "lsoa11_code", "ctry_code", "doterm"),
        geography="Postcode (Great Britain)", date="edition fetched", key="postcode", optional=True,
        notes="Made by `needsmap data fetch` from the full NSPL; when present, postcodes are placed by "
              "these official codes instead of point-in-polygon on generalised boundaries.",
    ),
    Dataset(
        id="lsoa21_pwc",
        title="LSOA (December 2021) population weighted centroids",
        publisher="Office for National Statistics (ONS Open Geography Portal)",
        licence=OGL, attribution=OS_ATTRIBUTION, url=_GEOPORTAL,
        file="geography/lsoa21_population_weighted_centroids.csv",
        columns=("lsoa21_code", "lat", "lon"), geography="LSOA 2021", date="December 2021",
        key="lsoa21_code", optional=True,
        notes="Each LSOA's reference point, from which Coverage gaps and the Portfolio radius "
              "measure distances and where an organisation given only an LSOA code is drawn (an "
              "LSOA 2011 unchanged in 2021 takes its 2021 centroid); "
              "without this file, a point inside each LSOA's polygon.",
    ),
    Dataset(
        id="lsoa21_ruc21",
        title="Rural Urban Classification (2021) of LSOAs in England and Wales",
        publisher="Office for National Statistics (ONS Open Geography Portal)", licence=OGL,
        url=_GEOPORTAL, file="geography/lsoa21_ruc21.csv",
        columns=("lsoa21_code", "ruc21_code", "ruc21_name", "urban_rural"),
        geography="LSOA 2021", date="2021", key="lsoa21_code", optional=True,
    ),
    Dataset(
        id="countries_gb",
        title="Countries of the United Kingdom: outlines (from Wards, December 2022, super generalised)",
        publisher="Office for National Statistics (ONS Open Geography Portal)",
        licence=OGL, attribution=OS_ATTRIBUTION, url=_GEOPORTAL,
        file="geography/countries_gb_boundaries.parquet", columns=("ctry_code", "ctry_name", "geometry"),
        geography="Country", date="December 2022", key="ctry_code", kind="geometry", optional=True,
    ),
    Dataset(
        id="population_lsoa21_mid2022_2024",
        title="Lower layer Super Output Area (2021) population estimates, mid-2022 and mid-2024",
        publisher="Office for National Statistics", licence=OGL,
        url="https://www.ons.gov.uk/peoplepopulationandcommunity/populationandmigration/populationestimates/datasets/lowersuperoutputareamidyearpopulationestimatesnationalstatistics",
        file="population/population_mid2022_mid2024_lsoa21.csv",
        columns=("lsoa21_code", "population_mid2022", "population_mid2024"),
        geography="LSOA 2021", date="mid-2022 and mid-2024", key="lsoa21_code", optional=True,
    ),
    Dataset(
        id="census2021_qualifications",
        title="Census 2021 TS067: highest level of qualification (usual residents aged 16+)",
        publisher="Office for National Statistics", licence=OGL,
        url="https://www.nomisweb.co.uk/sources/census_2021_bulk",
        file="population/census2021_qualifications_lsoa21.csv",
        columns=("lsoa21_code", "residents_16plus", "no_qualifications", "level1_entry_qualifications",
                 "level2_qualifications", "apprenticeship", "level3_qualifications",
                 "level4_plus_qualifications", "other_qualifications"),
        geography="LSOA 2021", date="Census day, 21 March 2021", key="lsoa21_code", optional=True,
    ),
    Dataset(
        id="census2021_household_deprivation",
        title="Census 2021 TS011: households by deprivation dimensions",
        publisher="Office for National Statistics", licence=OGL,
        url="https://www.nomisweb.co.uk/sources/census_2021_bulk",
        file="population/census2021_household_deprivation_lsoa21.csv",
        columns=("lsoa21_code", "total_households", "not_deprived", "deprived_1_dimension",
                 "deprived_2_dimensions", "deprived_3_dimensions", "deprived_4_dimensions"),
        geography="LSOA 2021", date="Census day, 21 March 2021", key="lsoa21_code", optional=True,
    ),
    Dataset(
        id="orgs_givefood",
        title="Food banks (Give Food open data)", publisher="Give Food",
        licence="CC BY 4.0", attribution="Attribution: Give Food",
        url="https://www.givefood.org.uk/api/", file="organisations/givefood_foodbanks.csv",
        columns=("name", "postcode"), geography="Point (postcode / lat,lon)", date="2024–25",
        optional=True,
    ),
    Dataset(
        id="orgs_libraries",
        title="Public libraries in England (Arts Council England basic dataset, via Libraries Hacked)",
        publisher="Libraries Hacked / Arts Council England", licence="MIT (Libraries Hacked compilation)",
        url="https://github.com/LibrariesHacked/librarydata-db",
        file="organisations/libraries_england_2023.csv",
        columns=("name", "postcode"), geography="Point (postcode)", date="2023", optional=True,
    ),
    Dataset(
        id="orgs_charities_trafford",
        title="Register of charities: charities operating in Trafford (extract, April 2023)",
        publisher="Charity Commission for England and Wales, via Trafford Data Lab", licence=OGL,
        url="https://register-of-charities.charitycommission.gov.uk/register/full-register-download",
        file="organisations/charity_register_trafford_2023.csv",
        columns=("registered_charity_number", "charity_name", "charity_contact_postcode"),
        geography="Point (contact postcode)", date="April 2023", optional=True,
        notes="The contact postcode is the correspondence address, often outside the area served.",
    ),
    Dataset(
        id="orgs_trafford_grants",
        title="Trafford Council voluntary-sector grants 2013–2024 (360Giving Data Standard)",
        publisher="Trafford Council, via Trafford Data Lab", licence=OGL,
        url="https://grantnav.threesixtygiving.org/",
        file="organisations/trafford_council_grants_360giving.csv",
        columns=("Identifier", "Recipient Org:Name", "Amount Awarded", "Award Date"),
        geography="Grant (recipient postcode or beneficiary area)", date="2013–2024", optional=True,
        notes="Only 11 rows carry a recipient postcode; every beneficiary location is the borough.",
    ),
)

CATALOG: dict[str, Dataset] = {d.id: d for d in DATASETS}


def data_version() -> str:
    """What identifies the data folder as it is now: a hash of its path and of the path, size and
    modification time of every catalog dataset's file in it (absent ones included), 16 hex digits.

    In-memory caches of the dashboard are keyed by it, so another data folder, or a file fetched
    again while the server runs, is never served from the old one. About 40 ``stat`` calls.
    """
    folder = data_dir()
    h = hashlib.sha1(str(folder).encode())
    for ds in DATASETS:
        where, mtime_ns, size = file_stamp(ds.path_in(folder))
        h.update(f"|{where}:{size}:{mtime_ns}".encode())
    return h.hexdigest()[:16]


def get_dataset(dataset_id: str) -> Dataset:
    """Return the catalog entry for ``dataset_id`` (``KeyError`` naming the known ids otherwise)."""
    try:
        return CATALOG[dataset_id]
    except KeyError:
        raise KeyError(f"unknown dataset {dataset_id!r}; known: {', '.join(CATALOG)}") from None


def missing_datasets(*, include_optional: bool = False) -> list[Dataset]:
    """Datasets whose file is not in the data folder (required ones only, unless asked)."""
    return [d for d in DATASETS if not d.path.exists() and (include_optional or not d.optional)]
