"""Per-organisation neighbourhood profile: the table published studies and bids use.

For each placed organisation: name, postcode, the LSOA it sits in (code and name), ward, local
authority, the LSOA's IMD rank, decile and bid band ("Top 20% most deprived LSOA",
:func:`needsmap.analysis.bands.bid_band`), every domain's rank and band, the share of residents aged
16+ with no qualifications (Census 2021), the share of working-age people who are employment-deprived
(the IMD employment domain rate, where the edition's table has it) and the LSOA's population, for one
IMD edition (2019 → LSOA 2011, 2025 → LSOA 2021).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from needsmap.analysis.bands import bid_band
from needsmap.data.catalog import get_dataset
from needsmap.data.imd_domains import DOMAIN_IDS, IMD_DOMAINS
from needsmap.measures import get_measure
from needsmap.measures.census import SHARES, share_pct
from needsmap.types import LSOA_VINTAGE, Edition, england_lsoa_count, lsoa_code_column

#: the seven IMD domains in MHCLG's order: id → MHCLG's name in sentence case ("Barriers to housing
#: and services"), the export's column headings. Not the measures' labels: those add "deprivation"
#: to some names ("Income deprivation") and an export names the domain as published.
DOMAIN_LABELS: dict[str, str] = {
    d.id: d.publisher_label[:1] + d.publisher_label[1:].lower() for d in IMD_DOMAINS if d.id in DOMAIN_IDS
}
#: heading of the share of residents aged 16+ with no qualifications (Census 2021 TS067, from the
#: LSOA table's counts: :data:`needsmap.measures.census.SHARES`), in %, 1 decimal
NO_QUAL_HEADING = "No qualifications, % of residents aged 16+ (Census 2021)"
#: heading of the IMD employment domain score (a 0–1 proportion of people of working age, published
#: for 2025; the staged 2019 table has no scores, so the column is blank), in %, 1 decimal
EMPLOYMENT_HEADING = "Employment-deprived, % of working-age (IMD employment domain rate)"
#: the bid figures beyond ranks and bands, in column order
BID_FIGURES = (NO_QUAL_HEADING, EMPLOYMENT_HEADING)


def bid_datasets(edition: Edition) -> list[str]:
    """Catalog ids behind :func:`org_profile`'s figures for ``edition``, to cite: the IMD, then the
    Census 2021 qualifications (when in the data folder) and, for LSOA 2011, the lookup that carries
    them there."""
    census = get_measure("no_qual_pct").datasets
    ids = [f"imd{edition}"]
    if get_dataset(census[0]).path.exists():
        ids += list(census if LSOA_VINTAGE[edition] == "lsoa11" else census[:1])
    return ids


def bid_figures_note(edition: Edition, columns: object = ()) -> str:
    """One sentence per :data:`BID_FIGURES` column saying where it comes from, for ``edition``
    (``columns``: the LSOA table's columns, to say when one is blank because the table lacks it)."""
    have = set(columns)  # type: ignore[call-overload]
    out = f"“{NO_QUAL_HEADING}”: Census 2021 (TS067)"
    out += (", given only where the LSOA 2011 is unchanged or was split in 2021 (blank if merged or "
            "redrawn)." if LSOA_VINTAGE[edition] == "lsoa11" else ".")
    out += (f" “{EMPLOYMENT_HEADING}”: the IMD {edition} employment domain score, the share of people of working age "
            "involuntarily out of work (unemployed, or unable to work through sickness, disability or "
            "caring), from benefit records.")
    if "employment_score" not in have:
        out += f" Blank here: the IMD {edition} table needsmap holds has no domain scores."
    return out


def bid_bands(ranks: pd.Series, edition: Edition) -> pd.Series:
    """IMD or domain ranks → the bands bids quote (:func:`needsmap.analysis.bands.bid_band`):
    "Top 10% most deprived LSOA" … "Not in the 60% most deprived"; missing → ""."""
    return ranks.map(lambda r: "" if r is None or pd.isna(r) else bid_band(float(r), edition)).astype(object)


def decile_band(deciles: pd.Series) -> pd.Series:
    """IMD decile → words: 1 → "Top 10% most deprived LSOA", 2 → "10–20% most deprived LSOA" …
    10 → "10% least deprived LSOA"; missing → "".
    """
    def words(d: object) -> str:
        if d is None or pd.isna(d):
            return ""
        k = int(d)  # type: ignore[call-overload]
        if k == 1:
            return "Top 10% most deprived LSOA"
        if k <= 5:
            return f"{10 * (k - 1)}–{10 * k}% most deprived LSOA"
        if k == 10:
            return "10% least deprived LSOA"
        return f"{10 * (10 - k)}–{10 * (11 - k)}% least deprived LSOA"

    return deciles.map(words).astype(object)


def lsoa_column(edition: Edition) -> str:
    """The organisation table's LSOA column for an edition (``lsoa11_code`` or ``lsoa21_code``)."""
    return lsoa_code_column(edition)


def map_sentence(orgs: pd.DataFrame, lsoas: pd.DataFrame, *, area: str, edition: Edition) -> str:
    """One sentence saying what an organisations map shows, for readers who cannot see it.

    Parameters
    ----------
    orgs
        The placed organisations drawn (with the edition's ``lsoa11_code``/``lsoa21_code``).
    lsoas
        The edition's LSOA table (``imd_decile`` by LSOA code).
    area
        The area's label (``"Birmingham (local authority)"``).

    Returns
    -------
    str
        E.g. "78 organisations in Birmingham (local authority); 41 of them (53%) are in England's
        20% most deprived neighbourhoods (IMD 2025 deciles 1–2)."
    """
    n = len(orgs)
    if n == 0:
        return f"no organisation of this list (with these filters) is in {area}."
    deciles = pd.to_numeric(lsoas["imd_decile"].reindex(orgs[lsoa_column(edition)].astype(str)),
                            errors="coerce")
    worst = int((deciles <= 2).sum())
    word = "organisation" if n == 1 else "organisations"
    return (f"{n:,} {word} in {area}; {worst:,} of them ({worst / n:.0%}) are in England's 20% most "
            f"deprived neighbourhoods (IMD {edition} deciles 1–2).")


def org_profile(orgs: pd.DataFrame, table: pd.DataFrame, *, edition: Edition,
                placed_only: bool = True) -> pd.DataFrame:
    """One row per organisation with its neighbourhood's deprivation, ready to publish.

    Parameters
    ----------
    orgs
        Imported organisations (``ImportResult.table`` or ``.placed``) with ``org_name``,
        ``org_postcode``, ``lsoa11_code``/``lsoa21_code`` and ``status``; optional
        ``org_category``, ``org_closed``, ``duplicate_of``, ``source_row``.
    table
        ``load_lsoa_table(edition)`` (indexed by ``lsoa_code``).
    edition
        IMD edition: decides which LSOA vintage and ranks are used.
    placed_only
        Keep only rows with ``status == "ok"``.

    Returns
    -------
    DataFrame with readable column names: Row, Organisation, Category, Postcode, LSOA code,
    Placement level and Confidence (when ``orgs`` has ``placement_level``/``confidence``:
    :mod:`needsmap.orgs.levels`), LSOA name, Ward, Local authority, Region, IMD rank (of N),
    IMD decile, IMD band (the bid band of the rank, :func:`bid_bands`), a rank and a band per domain
    (``"Income rank"``, ``"Income band"`` …), the :data:`BID_FIGURES` (% with no qualifications,
    Census 2021; % employment-deprived, the IMD employment domain rate; blank where the table lacks
    them, e.g. employment for 2019, or qualifications for a merged LSOA 2011), LSOA population,
    Closed, Duplicate of row.
    """
    col = lsoa_column(edition)
    src = orgs[orgs["status"] == "ok"] if placed_only and "status" in orgs.columns else orgs
    codes = src[col].astype("string") if col in src.columns else pd.Series(pd.NA, index=src.index)
    t = table.reindex(codes.fillna("").to_numpy())
    n = england_lsoa_count(edition)

    def from_src(name: str) -> np.ndarray:
        if name in src.columns:
            return src[name].to_numpy()
        return np.full(len(src), pd.NA, dtype=object)

    def from_table(name: str) -> np.ndarray:
        if name in t.columns:
            return t[name].to_numpy()
        return np.full(len(src), pd.NA, dtype=object)

    out = pd.DataFrame(index=src.index)
    out["Row"] = from_src("source_row")
    out["Organisation"] = from_src("org_name")
    out["Category"] = from_src("org_category")
    out["Postcode"] = from_src("org_postcode")
    out["LSOA code"] = codes.to_numpy()
    # how precisely the row is known and how sure its LSOA is (needsmap.orgs.levels), when the
    # importer gave them
    if "placement_level" in src.columns:
        out["Placement level"] = src["placement_level"].astype("string").to_numpy()
    if "confidence" in src.columns:
        out["Confidence"] = src["confidence"].astype("string").to_numpy()
    out["LSOA name"] = from_table("lsoa_name")
    out["Ward"] = from_table("ward_name")
    out["Local authority"] = from_table("lad_name")
    out["Region"] = from_table("region_name")
    imd_rank = pd.Series(pd.array(from_table("imd_rank"), dtype="Int64"), index=out.index)
    out[f"IMD rank (of {n:,})"] = imd_rank.to_numpy()
    out["IMD decile"] = pd.array(from_table("imd_decile"), dtype="Int64")
    out["IMD band"] = bid_bands(imd_rank, edition).to_numpy()
    for dom, label in DOMAIN_LABELS.items():
        rank = pd.Series(pd.array(from_table(f"{dom}_rank"), dtype="Int64"), index=out.index)
        out[f"{label} rank"] = rank.to_numpy()
        out[f"{label} band"] = bid_bands(rank, edition).to_numpy()
    num, den = SHARES["no_qual_pct"]
    qual = (share_pct(t, "no_qual_pct", decimals=1).to_numpy() if {num, den} <= set(t.columns)
            else np.full(len(src), np.nan))
    out[NO_QUAL_HEADING] = pd.array(qual, dtype="Float64")
    emp = pd.to_numeric(pd.Series(from_table("employment_score")), errors="coerce") * 100
    out[EMPLOYMENT_HEADING] = pd.array(emp.round(1).to_numpy(), dtype="Float64")
    out["LSOA population"] = pd.array(
        pd.to_numeric(pd.Series(from_table("population")), errors="coerce").round(), dtype="Int64")
    if "org_closed" in src.columns:
        out["Closed"] = src["org_closed"].astype("boolean").map({True: "yes", False: ""}).fillna("").to_numpy()
    if "duplicate_of" in src.columns:
        out["Duplicate of row"] = pd.array(src["duplicate_of"].to_numpy(), dtype="Int64")
    return out.reset_index(drop=True)


def band_counts(profile: pd.DataFrame) -> pd.DataFrame:
    """How many organisations sit in LSOAs of each IMD decile (1 = most deprived), all ten listed."""
    counts = profile["IMD decile"].value_counts().reindex(range(1, 11), fill_value=0)
    out = pd.DataFrame({"IMD decile": list(range(1, 11)), "organisations": counts.to_numpy()})
    out["band"] = decile_band(out["IMD decile"]).to_numpy()
    total = max(int(out["organisations"].sum()), 1)
    out["share"] = (out["organisations"] / total).round(4)
    return out


__all__ = [
    "map_sentence","BID_FIGURES", "DOMAIN_LABELS", "EMPLOYMENT_HEADING", "NO_QUAL_HEADING", "band_counts", "bid_bands",
           "bid_datasets", "bid_figures_note", "decile_band", "lsoa_column", "org_profile"]


def with_geography(orgs: pd.DataFrame, geography: pd.DataFrame, *, edition: Edition) -> pd.DataFrame:
    """``orgs`` plus ``lsoa_name``, ``ward_code``/``ward_name``, ``lad_code``/``lad_name`` and
    ``region_name`` of the LSOA each sits in (for the edition's vintage; empty where not placed)."""
    col = lsoa_column(edition)
    codes = orgs[col].astype("string").fillna("") if col in orgs.columns else pd.Series("", index=orgs.index)
    g = geography.reindex(codes.to_numpy())
    out = orgs.copy()
    for c in ("lsoa_name", "ward_code", "ward_name", "lad_code", "lad_name", "region_name"):
        out[c] = g[c].to_numpy() if c in g.columns else pd.NA
    return out


def in_area(orgs: pd.DataFrame, geography: pd.DataFrame, area_level: str, area_code: str, *,
            edition: Edition) -> pd.DataFrame:
    """Placed organisations whose LSOA lies in the area (``england``, ``region``, ``lad``, ``ward``)."""
    g = with_geography(orgs[orgs["status"] == "ok"], geography, edition=edition)
    if area_level == "england":
        return g
    col = {"region": "region_code", "lad": "lad_code", "ward": "ward_code"}[area_level]
    if col == "region_code":
        reg = geography.reindex(g[lsoa_column(edition)].astype("string").fillna("").to_numpy())
        mask = (reg["region_code"] == area_code).to_numpy() if "region_code" in reg.columns else False
        return g[mask]
    return g[(g[col] == area_code).to_numpy()]


def where_summary(orgs: pd.DataFrame, geography: pd.DataFrame, *, edition: Edition,
                  top: int | None = None) -> pd.DataFrame:
    """Placed organisations per local authority (most first), with the region."""
    g = with_geography(orgs[orgs["status"] == "ok"], geography, edition=edition)
    out = (g.groupby(["lad_name", "region_name"], dropna=False).size()
           .rename("organisations").reset_index()
           .rename(columns={"lad_name": "Local authority", "region_name": "Region",
                            "organisations": "Organisations placed"})
           .sort_values(["Organisations placed", "Local authority"], ascending=[False, True]))
    out = out.reset_index(drop=True)
    return out.head(top) if top else out


def aggregate_by_lad(orgs: pd.DataFrame, geography: pd.DataFrame, *, edition: Edition) -> pd.DataFrame:
    """One point per local authority: ``lad_code``, ``lad_name``, ``count``, mean ``lat``/``lon``.

    For maps of all England or a region, where thousands of single points would hide the shading.
    """
    g = with_geography(orgs[orgs["status"] == "ok"], geography, edition=edition)
    g = g[g["lad_code"].notna() & g["lat"].notna()]
    out = (g.groupby(["lad_code", "lad_name"])
           .agg(count=("lat", "size"), lat=("lat", "mean"), lon=("lon", "mean"))
           .reset_index().sort_values("count", ascending=False))
    return out.reset_index(drop=True)


__all__ += ["aggregate_by_lad", "in_area", "where_summary", "with_geography"]
