"""Loaders: read each dataset, validate it, and return clean frames keyed by area code.

Raw files are never modified. Prepared frames are cached as parquet in the cache folder and rebuilt
when a source file changes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

import pandas as pd

from needsmap.data import _validate as v
from needsmap.data._cache import cached, cached_columns
from needsmap.data.catalog import IMD_RATE_COLUMNS, get_dataset
from needsmap.data.crosswalk import crosswalk_datasets, resolve_codes
from needsmap.data.imd_domains import IMD_DOMAINS, IMD_SUBDOMAINS
from needsmap.data.manifest import ENGLAND
from needsmap.data.reading import read_geometry, read_table
from needsmap.errors import NeedsmapError, ValidationError
from needsmap.types import EDITIONS, LSOA_VINTAGE, LSOA_VINTAGES, VINTAGE_LABEL, Edition

if TYPE_CHECKING:  # geopandas loads only when boundaries are read (the CLI's start-up stays light)
    import geopandas as gpd

#: indicator columns kept from File 8: our name -> source column
INDICATORS: dict[str, str] = {
    "income_numerator": "income_domain_numerator",
    "idaci_numerator": "income_deprivation_affecting_children_index_idaci_numerator",
    "idaopi_numerator": "income_deprivation_affecting_older_people_index_idaopi_numerator",
    "employment_numerator": "employment_domain_numerator",
}

#: published income-deprivation rates and their denominators, optional columns of the main IMD
#: table (MHCLG File 7 as fetched; see :data:`~needsmap.data.catalog.IMD_RATE_COLUMNS`): our name ->
#: prepared column. ``idaci_score`` / ``idaopi_score``: share of children aged 0–15 / people aged 60+
#: in income-deprived families (0–1, as published); ``idaci_denominator`` / ``idaopi_denominator``:
#: the published population of that age (persons) for :data:`RATE_BASIS`.
RATE_COLUMNS: dict[str, str] = dict(zip(
    ("idaci_score", "idaopi_score", "idaci_denominator", "idaopi_denominator"), IMD_RATE_COLUMNS,
    strict=True))
#: what the IMD income-deprivation numerators (File 8) and File 7's published denominators count:
#: edition -> (population date, geography). A rate is a numerator over a denominator of the same.
RATE_BASIS: dict[str, tuple[str, str]] = {
    ed: (date, VINTAGE_LABEL[LSOA_VINTAGE[ed]])
    for ed, date in zip(EDITIONS, ("mid-2015", "mid-2022"), strict=True)
}

#: what this module reads datasets for, beyond the measures (:func:`needsmap.uses.dataset_uses`)
DATASET_USES: dict[str, str] = {
    **{f"{v}_boundaries": "maps (boundaries)" for v in LSOA_VINTAGES},
    "ltla24_boundaries": "maps (local authority outlines)",
    "lsoa21_ward24_lookup": "wards and local authorities of each neighbourhood",
    "ltla24_region24_lookup": "regions",
    "population2020": "population (2019 edition)",
    "census2021_ethnicity": "population (2025 edition)",
    **{f"imd{e}_indicators": "income counts (IDACI, IDAOPI numerators)" for e in EDITIONS},
}

#: columns of :func:`load_geography`
GEOGRAPHY_COLUMNS = ("lsoa_name", "ward_code", "ward_name", "lad_code", "lad_name",
                     "region_code", "region_name", "population")


# --------------------------------------------------------------------------- IMD


def _build_imd(edition: Edition) -> pd.DataFrame:
    key = f"{LSOA_VINTAGE[edition]}_code"
    main = read_table(f"imd{edition}")
    sub = read_table(f"imd{edition}_subdomains")
    ind = read_table(f"imd{edition}_indicators")
    out = pd.DataFrame(index=pd.Index(main[key].astype(str), name="lsoa_code"))
    for domain in IMD_DOMAINS:
        our, stem = domain.id, domain.stem(edition)
        for m in ("rank", "decile", "score"):
            col = f"{stem}_{m}"
            if col in main.columns:
                v.check_numeric(main, get_dataset(f"imd{edition}"), [col])
                out[f"{our}_{m}"] = main[col].to_numpy()
    sub = sub.set_index(sub[key].astype(str))
    for domain in IMD_SUBDOMAINS:
        our, stem = domain.id, domain.stem(edition)
        for m in ("rank", "decile", "score"):
            col = f"{stem}_{m}"
            if col in sub.columns:
                out[f"{our}_{m}"] = sub[col].reindex(out.index).to_numpy()
    ind = ind.set_index(ind[key].astype(str))
    for our, col in INDICATORS.items():
        out[our] = ind[col].reindex(out.index).to_numpy()
    for our, col in RATE_COLUMNS.items():  # optional: only a fetched File 7 has them
        if col in main.columns:
            v.check_numeric(main, get_dataset(f"imd{edition}"), [col])
            out[our] = main[col].to_numpy()
    for col in out.columns:
        if col.endswith(("_rank", "_decile")):
            out[col] = out[col].astype("Int64")
    return out


def load_imd(edition: Edition) -> pd.DataFrame:
    """IMD, domains, sub-domains and income indicators for every LSOA of ``edition``.

    Returns
    -------
    DataFrame indexed by ``lsoa_code`` with ``{measure}_rank``, ``{measure}_decile`` (and
    ``{measure}_score`` where published) for ``imd``, the seven domains (``income``, ``employment``,
    ``education``, ``health``, ``crime``, ``housing``, ``environment``) and six sub-domains (``cyp``,
    ``adult_skills``, ``geo_barriers``, ``wider_barriers``, ``indoors``, ``outdoors``), plus
    ``idaci_numerator``, ``idaopi_numerator``, ``income_numerator``, ``employment_numerator``
    (counts of people), and, when the main IMD file has them (a fetched File 7; the staged
    prepared files do not), ``idaci_score``, ``idaopi_score`` (published rates, 0–1) and
    ``idaci_denominator``, ``idaopi_denominator`` (published populations aged 0–15 and 60+, for
    the date and geography :data:`RATE_BASIS` gives).

    Raises
    ------
    DataMissingError, ValidationError
        A dataset is missing, or fails its checks (e.g. text in a number column).
    """
    return cached(f"{IMD_PROVIDER.name}{edition}", lambda: _build_imd(edition))


# --------------------------------------------------------------------------- geography


def _build_geography(edition: Edition) -> pd.DataFrame:
    wards = read_table("lsoa21_ward24_lookup").set_index("lsoa21_code")
    regions = read_table("ltla24_region24_lookup").set_index("ltla24_code")
    if LSOA_VINTAGE[edition] == "lsoa21":
        pop = read_table("census2021_ethnicity")
        total = pop.drop_duplicates("lsoa21_code").set_index("lsoa21_code")["total_residents"]
        base = wards.copy()
        out = pd.DataFrame(index=pd.Index(base.index.astype(str), name="lsoa_code"))
        out["lsoa_name"] = base["lsoa21_name"].to_numpy()
        via: pd.Index | pd.Series = out.index
    else:
        popt = read_table("population2020")
        out = pd.DataFrame(index=pd.Index(popt["lsoa11_code"].astype(str), name="lsoa_code"))
        out["lsoa_name"] = popt["lsoa11_name"].to_numpy()
        total = popt.set_index("lsoa11_code")["total_population"]
        # a split LSOA 2011 takes the ward and authority of its most-populous 2021 part
        via = pd.Index(resolve_codes(out.index.to_series(), to="lsoa21")["code"].astype(object))
    w = wards.reindex(via)
    out["ward_code"] = w["ward24_code"].to_numpy()
    out["ward_name"] = w["ward24_name"].to_numpy()
    out["lad_code"] = w["ltla24_code"].to_numpy()
    out["lad_name"] = w["ltla24_name"].to_numpy()
    r = regions.reindex(out["lad_code"])
    out["region_code"] = r["region24_code"].to_numpy()
    out["region_name"] = r["region24_name"].to_numpy()
    out["population"] = total.reindex(out.index).to_numpy()
    if out["lad_code"].isna().any():
        missing = out.index[out["lad_code"].isna()]
        raise ValidationError(
            f"{len(missing)} LSOA(s) of the {edition} edition (e.g. {missing[0]}) have no local "
            f"authority in {get_dataset('lsoa21_ward24_lookup').path}; check the lookup files."
        )
    return out


def geography_datasets(edition: Edition) -> tuple[str, ...]:
    """Catalog ids :func:`load_geography` reads for ``edition``: the ward and region lookups, the
    population, and for LSOA 2011 the crosswalk's files (an LSOA 2011 takes the ward of the LSOA
    2021 it resolves to); optional ones absent from the data folder are left out."""
    lookups = ("lsoa21_ward24_lookup", "ltla24_region24_lookup")
    if LSOA_VINTAGE[edition] == "lsoa21":
        return ("census2021_ethnicity", *lookups)
    return tuple(dict.fromkeys(("population2020", *lookups, *crosswalk_datasets())))


def load_geography(edition: Edition) -> pd.DataFrame:
    """Every LSOA of ``edition`` with its name, ward, local authority, region and population.

    Wards and local authorities are the 2024 ones for both editions, so one area selection means the
    same place in both. An LSOA 2011 takes those of the LSOA 2021 it resolves to through
    :func:`needsmap.data.crosswalk.resolve_codes`: itself when unchanged, the merged LSOA, and for a
    split one the 2021 part with most residents. Population is mid-2020 (ONS) for 2019 and Census
    2021 usual residents for 2025.
    """
    return cached(f"geography{edition}", lambda: _build_geography(edition))


# --------------------------------------------------------------------------- measure providers


@dataclass(frozen=True)
class Provider:
    """A part of the LSOA table: a function building some measures' columns from datasets.

    Declared by a measure family (:mod:`needsmap.measures`) and joined by :func:`build_lsoa_table`.

    Attributes
    ----------
    name
        Short name; with the edition it names the prepared (cached) file, and the layer when hidden.
    datasets
        Catalog ids it reads; ``{edition}`` in an id stands for the edition (``imd{edition}``). The
        cache is rebuilt when one of these files changes; an optional one missing hides the part.
    build
        ``build(edition)`` returns a frame indexed by ``lsoa_code`` (LSOAs it lacks become NaN).
    """

    name: str
    datasets: tuple[str, ...]
    build: Callable[[Edition], pd.DataFrame]

    def datasets_for(self, edition: Edition) -> tuple[str, ...]:
        """Catalog ids it reads for ``edition``."""
        return tuple(d.format(edition=edition) for d in self.datasets)


#: the IMD, domains, sub-domains and income indicators (:func:`load_imd`): the table's first part
IMD_PROVIDER = Provider("imd", ("imd{edition}", "imd{edition}_subdomains", "imd{edition}_indicators"),
                        _build_imd)


#: ``attrs`` keys of :func:`load_lsoa_table`'s result: layer -> why it is hidden, in words; every
#: hidden layer, and those hidden because their optional file is damaged (not merely absent)
HIDDEN_LAYERS = "hidden_layers"
DAMAGED_LAYERS = "damaged_layers"
#: ``attrs`` keys of :func:`load_lsoa_table`'s result: the area its rows cover (``"England"``, or the
#: region of the embedded demo) and, for a regional extract, England's own figures worked out from
#: the full data when the extract was built (the manifest's ``england_reference`` block, this
#: edition's part; see ``tools/build_demo.py``)
SCOPE = "scope"
ENGLAND_REFERENCE = "england_reference"


class Reference(dict):
    """England's figures carried by a regional table: read-only, shared rather than copied.

    pandas deep-copies ``attrs`` into every frame or column derived from a table; this dict gives
    itself instead (it is never changed), so selecting a column stays cheap.
    """

    def __deepcopy__(self, memo: dict[int, object]) -> Reference:
        return self

    def __copy__(self) -> Reference:
        return self

    def __reduce__(self) -> tuple[type, tuple[dict]]:
        return (type(self), (dict(self),))

    def _read_only(self, *args: object, **kwargs: object) -> None:
        raise TypeError("England's reference figures are read-only")

    __setitem__ = __delitem__ = update = pop = popitem = clear = setdefault = _read_only  # type: ignore[assignment]


def table_scope(table: pd.DataFrame) -> str:
    """The area a table (or a selection of it) covers: ``"England"`` unless it says otherwise."""
    return str(table.attrs.get(SCOPE) or ENGLAND)


def is_national(table: pd.DataFrame) -> bool:
    """True when ``table`` holds every LSOA of England, so England's figures can be computed from it.

    A table that does not say (a made-up one in a test, a user's frame) is taken as national.
    """
    return table_scope(table) == ENGLAND


def require_national(table: pd.DataFrame) -> None:
    """Refuse a regional table where England's own figures are being worked out.

    Raises
    ------
    ValueError
        ``table`` does not hold every LSOA of England (see :func:`is_national`).
    """
    if not is_national(table):
        raise ValueError("England's reference figures need the national LSOA table")


def reference_figure(table: pd.DataFrame, *keys: str) -> object | None:
    """England's figure at ``keys`` in a regional table's reference, or ``None`` when it has none."""
    node: object = table.attrs.get(ENGLAND_REFERENCE)
    for key in keys:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def _scope_and_reference(edition: Edition) -> tuple[str, Reference | None]:
    """The data folder's scope (from the demo block of its manifest) and this edition's reference."""
    from needsmap.config import data_dir
    from needsmap.data.manifest import read_manifest

    try:
        manifest = read_manifest(data_dir())
    except ValidationError:
        return ENGLAND, None  # read_table has already said what is wrong with a damaged manifest
    demo = manifest.get("demo")
    if not isinstance(demo, dict):
        return ENGLAND, None
    scope = str(demo.get("name") or "the demo region")
    ref = manifest.get(ENGLAND_REFERENCE)
    part = ref.get(edition) if isinstance(ref, dict) else None
    return scope, (Reference(part) if isinstance(part, dict) else None)


def build_lsoa_table(edition: Edition, providers: Sequence[Provider], *,
                     columns: Sequence[str] | None = None) -> pd.DataFrame:
    """Geography and population, joined with every provider's columns, one row per LSOA.

    :func:`needsmap.data.load_lsoa_table` calls this with the measure registry's providers
    (:func:`needsmap.measures.providers`); the data layer itself knows no measure.

    ``columns`` keeps only those columns (and reads only the prepared files that hold them, by
    projection): for a command that needs a few of the table's 70-odd columns. The geography
    columns (names, ward, local authority, region, population) always come; ``attrs`` are as for the
    whole table. A name no part of the table has (e.g. a hidden layer's) is simply absent, as in
    the whole table.

    A provider whose optional dataset is missing or damaged is skipped (its layer hidden) and the
    reason recorded in ``table.attrs["hidden_layers"]`` (layer name -> reason; damaged files also in
    ``table.attrs["damaged_layers"]``); a damaged or missing
    required dataset raises.

    ``table.attrs["scope"]`` says which LSOAs the table holds: ``"England"``, or the region of the
    embedded demo (``"West Midlands"``), whose table then also carries
    ``table.attrs["england_reference"]``: England's figures (shares, averages, cut-offs) computed
    from the full data when the demo was built, which the analysis functions use instead of the
    region's (see :func:`is_national`, :func:`reference_figure`).

    Raises
    ------
    DataMissingError, ValidationError
        A required dataset is missing or fails its checks.
    """
    want = None if columns is None else set(columns)

    def pick(name: str, ids: tuple[str, ...], build: Callable[[], pd.DataFrame]) -> pd.DataFrame | None:
        """The part's frame (only the wanted columns), or None when it holds none of them."""
        if want is None:
            return cached(name, build)
        have = [c for c in cached_columns(name, build) if c in want]
        return cached(name, build, columns=have) if have else None

    table = load_geography(edition)
    hidden: dict[str, str] = {}
    damaged: dict[str, str] = {}
    for provider in providers:
        name, ids, fn = provider.name, provider.datasets_for(edition), provider.build
        optional = {i for i in ids if get_dataset(i).optional}
        missing = [i for i in ids if not get_dataset(i).path.exists()]
        if missing and set(missing) <= optional:
            hidden[name] = f"optional dataset(s) {', '.join(missing)} not in the data folder"
            continue
        try:
            extra = pick(f"{name}{edition}", ids, partial(fn, edition))
        except NeedsmapError as exc:
            if getattr(exc, "dataset", None) not in optional:
                raise
            hidden[name] = damaged[name] = str(exc)
            continue
        if extra is not None:
            table = table.join(extra, how="left")
    table.attrs[HIDDEN_LAYERS] = hidden
    table.attrs[DAMAGED_LAYERS] = damaged
    scope, reference = _scope_and_reference(edition)
    table.attrs[SCOPE] = scope
    if reference is not None:
        table.attrs[ENGLAND_REFERENCE] = reference
    return table


# --------------------------------------------------------------------------- boundaries


def _build_boundaries(edition: Edition) -> gpd.GeoDataFrame:
    vintage = LSOA_VINTAGE[edition]
    gdf = read_geometry(f"{vintage}_boundaries")
    import geopandas as gpd

    out = gpd.GeoDataFrame(
        {"lsoa_code": gdf[f"{vintage}_code"].astype(str).to_numpy()},
        geometry=gdf.geometry.to_numpy(), crs=gdf.crs,
    )
    return out


def load_boundaries(edition: Edition) -> gpd.GeoDataFrame:
    """LSOA polygons (EPSG:4326) of the vintage ``edition`` uses, column ``lsoa_code``."""
    vintage = LSOA_VINTAGE[edition]
    return cached(f"boundaries_{vintage}", lambda: _build_boundaries(edition), geo=True)


def load_lad_boundaries() -> gpd.GeoDataFrame:
    """Local authority district polygons (May 2024), columns ``lad_code``, ``lad_name``."""
    def build() -> gpd.GeoDataFrame:
        import geopandas as gpd

        gdf = read_geometry("ltla24_boundaries")
        return gpd.GeoDataFrame(
            {"lad_code": gdf["ltla24_code"].to_numpy(), "lad_name": gdf["ltla24_name"].to_numpy()},
            geometry=gdf.geometry.to_numpy(), crs=gdf.crs,
        )
    return cached("boundaries_lad24", build, geo=True)


def load_ward_boundaries() -> gpd.GeoDataFrame:
    """Ward (2024) outlines, built by dissolving LSOA 2021 polygons on the best-fit lookup.

    ONS ward boundaries are not in the data directory; LSOAs nest in wards only approximately, so
    these outlines are for context, not for measuring.
    """
    def build() -> gpd.GeoDataFrame:
        lsoa = load_boundaries("2025")
        geo = load_geography("2025")
        merged = lsoa.join(geo[["ward_code", "ward_name", "lad_code"]], on="lsoa_code")
        out = merged.dissolve(by="ward_code", aggfunc="first").reset_index()
        return out[["ward_code", "ward_name", "lad_code", "geometry"]]
    return cached("boundaries_ward24", build, geo=True)
