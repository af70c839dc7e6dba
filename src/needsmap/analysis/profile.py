"""Area profiles: everything a bid writer cites about one LSOA, a ward or a local authority.

:func:`lsoa_profile` gathers the IMD rank and decile, every domain and sub-domain, population and age
profile, children and older people in income-deprived families (IDACI / IDAOPI), Census 2021
ethnic make-up, any extra measures loaded (at-risk jobs, Community Needs Index), the other IMD
edition where the LSOA is comparable, nearby organisations and a plain-English summary.
:func:`area_profile` does the same for a ward or local authority with population-weighted summaries
and the list of its LSOAs.

Income deprivation by age (IDACI / IDAOPI): rates that can be right, else counts
-------------------------------------------------------------------------------
A rate is printed only when it is right (:func:`income_deprivation_rates`):

* MHCLG's *published* rate when the data has it (File 7's "IDACI Score (rate)" and "IDAOPI Score
  (rate)", kept by ``needsmap data fetch`` as the optional columns ``idaci_score`` /
  ``idaopi_score``): an LSOA's own; for several LSOAs (a ward, a local authority, England) the
  mean of their published rates weighted by File 7's published denominators (children aged 0–15,
  people aged 60 and over).
* Otherwise a rate worked out from the IMD count (File 8's numerator) only over a denominator of
  the same date and geography as the count (:data:`~needsmap.data.loaders.RATE_BASIS`: mid-2022 on
  LSOA 2021 for IMD 2025, mid-2015 on LSOA 2011 for IMD 2019), i.e. File 7's published
  denominators.
* Otherwise the count, with the reason there is no rate. The ONS mid-2020 ages in the data folder
  are another year's population: dividing IMD 2025 counts by them gave "about 100%" in growing
  areas, so they are never used as a denominator (they still give the age profile).

No rate over 100% is ever printed.

England's figures
-----------------
The England figures beside an area's (rates, age bands, ethnic groups, residents by decile) are
computed over the whole LSOA table. The embedded demo's table holds one region only
(``table.attrs["scope"]``); there they come from the England reference its manifest carries, made
by :func:`england_reference` from the full data, and are ``None`` when the reference lacks one
(shown as :data:`NOT_IN_DEMO`), never the region's figure.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from needsmap import areas
from needsmap.analysis.bands import bid_band, bid_band_pct
from needsmap.crs import BNG, WGS84
from needsmap.data import load_boundaries, load_lsoa_table, read_table
from needsmap.data._cache import cached
from needsmap.data.catalog import get_dataset
from needsmap.data.crosswalk import (
    CHANGE_CODES,
    CHANGE_MERGED,
    CHANGE_SPLIT,
    CHANGE_UNCHANGED,
    counterparts,
    pairs,
    resolve_codes,
)
from needsmap.data.imd_domains import DOMAIN_IDS, SUBDOMAIN_IDS
from needsmap.data.loaders import RATE_BASIS, is_national, reference_figure, require_national
from needsmap.data.population import age_table
from needsmap.errors import ValidationError
from needsmap.gss import is_lsoa_code
from needsmap.measures import get_measure, profile_rows
from needsmap.measures.census import ETHNIC_GROUPS, SHARES, share_pct
from needsmap.orgs.levels import CONF_EXACT, CONF_SURE, NSPL_FETCH
from needsmap.safe_text import printable
from needsmap.types import LSOA_VINTAGE, VINTAGE_LABEL, Edition, england_lsoa_count
from needsmap.types import other_edition as _other

__all__ = [
    "AGE_BANDS",
    "COUNT_ONLY",
    "DOMAIN_IDS",
    "NOT_IN_DEMO",
    "NOT_PUBLISHED",
    "PUBLISHED",
    "RECOMPUTED",
    "SUBDOMAIN_IDS",
    "AreaProfile",
    "BidFigure",
    "LsoaProfile",
    "RankFigure",
    "Rate",
    "age_table",
    "area_profile",
    "bid_figures",
    "decile_phrase",
    "england_age_pct",
    "england_ethnicity_pct",
    "england_pct_by_decile",
    "england_rates",
    "england_figures_missing",
    "england_reference",
    "ethnicity_table",
    "income_deprivation_rates",
    "display_postcode",
    "lsoa_for_postcode",
    "lsoa_profile",
    "orgs_near",
    "other_edition",
    "resolve_lsoa",
]

#: broad age bands shown on the profile: label -> (first age, last age)
AGE_BANDS: dict[str, tuple[int, int]] = {
    "0–4": (0, 4), "5–15": (5, 15), "16–24": (16, 24), "25–44": (25, 44),
    "45–59": (45, 59), "60–64": (60, 64), "65–74": (65, 74), "75+": (75, 90),
}
_VINTAGE = LSOA_VINTAGE
_VINTAGE_LABEL: dict[Edition, str] = {e: VINTAGE_LABEL[v] for e, v in LSOA_VINTAGE.items()}
#: what is shown instead of an England figure the demo cannot give exactly
NOT_IN_DEMO = "not in the demo (needs the full data)"
#: the income-deprivation measures: key -> (label, who, the denominator's population in words)
_RATE_WHO: dict[str, tuple[str, str, str]] = {
    "idaci": ("Children (0–15) in income-deprived families (IDACI)", "children aged 0–15",
              "child population (aged 0–15)"),
    "idaopi": ("People aged 60+ in income-deprived families (IDAOPI)", "people aged 60 and over",
               "population aged 60 and over"),
}
#: how a :class:`Rate` was obtained (its ``basis``)
PUBLISHED, RECOMPUTED, COUNT_ONLY, NOT_PUBLISHED = "published", "recomputed", "count", "none"


def _int(value: Any) -> int | None:
    if value is None or pd.isna(value):
        return None
    return int(value)


def _float(value: Any, digits: int = 3) -> float | None:
    if value is None or pd.isna(value):
        return None
    return round(float(value), digits)


def _fmt(n: int | float | None) -> str:
    return "n/a" if n is None else f"{n:,.0f}"


def decile_phrase(decile: int | None) -> str:
    """Plain English for an IMD decile: 1 → "among the 10% most deprived", 9 → "… 20% least deprived"."""
    if decile is None:
        return "not ranked"
    if decile <= 5:
        return f"among the {decile * 10}% most deprived"
    return f"among the {(11 - decile) * 10}% least deprived"


# ----------------------------------------------------------------------------- figures
@dataclass
class RankFigure:
    """Rank (1 = most deprived) and decile (1 = most deprived 10%) of one measure for one LSOA."""

    label: str
    rank: int | None
    decile: int | None
    of: int
    score: float | None = None
    #: the bid band of the rank ("Top 20% most deprived LSOA"; :func:`needsmap.analysis.bands.bid_band`)
    band: str = ""

    @property
    def percentile(self) -> float | None:
        """Position among England's LSOAs, 0 = most deprived, 100 = least."""
        return None if self.rank is None else round(100 * self.rank / self.of, 1)

    @property
    def text(self) -> str:
        """e.g. ``rank 7,847 of 32,844 (decile 3)``."""
        if self.rank is None:
            return "not available"
        return f"rank {self.rank:,} of {self.of:,} (decile {self.decile})"


def _rank_figure(row: pd.Series, measure: str, edition: Edition) -> RankFigure:
    score = row.get(f"{measure}_score")
    rank = _int(row.get(f"{measure}_rank"))
    return RankFigure(label=get_measure(measure).label, rank=rank,
                      decile=_int(row.get(f"{measure}_decile")), of=england_lsoa_count(edition),
                      score=_float(score) if score is not None else None, band=bid_band(rank, edition))


@dataclass
class Rate:
    """Share of an age group in income-deprived families, or the count when no right rate exists.

    Attributes
    ----------
    label
        What is measured (``Children (0–15) in income-deprived families (IDACI)``).
    numerator
        People of that age in income-deprived families (IMD count, summed over the LSOAs; ``None``
        when not published for any of them).
    denominator
        People of that age the rate is out of (File 7's published population, summed); ``None``
        when there is none in the data.
    rate_pct
        The rate, percent (0–100, one decimal as published); ``None`` when no right rate can be
        given (see :func:`income_deprivation_rates`). Never over 100.
    england_pct
        England's rate on the same basis, percent; ``None`` when not known (``england_note`` says why).
    note
        Where the figures come from, and why there is no rate when there is none.
    basis
        ``"published"`` (MHCLG's own rate, or for several LSOAs their mean weighted by the
        published denominators), ``"recomputed"`` (count ÷ a published denominator of the same date
        and geography), ``"count"`` (count only, no rate) or ``"none"`` (nothing published).
    who
        The age group in words (``children aged 0–15``).
    reason
        Why there is no rate, in words (``""`` when there is one).
    lsoas_without_count
        LSOAs whose count MHCLG left blank (small numbers): the count is then a lower bound.
    england_note
        Why England's rate is missing (``""`` when it is given).
    """

    label: str
    numerator: float | None
    denominator: float | None
    rate_pct: float | None
    england_pct: float | None
    note: str
    basis: str = NOT_PUBLISHED
    who: str = ""
    reason: str = ""
    lsoas_without_count: int = 0
    england_note: str = ""

    @property
    def count_text(self) -> str:
        """``1,234 children aged 0–15`` (``at least …`` when some LSOAs' counts are blank)."""
        if self.numerator is None:
            return f"no published count of {self.who}"
        least = "at least " if self.lsoas_without_count else ""
        return f"{least}{self.numerator:,.0f} {self.who}"

    @property
    def value_text(self) -> str:
        """The figure as printed: ``23.7%``, or the count: ``1,234 children aged 0–15 (count; no
        rate)``, or ``not published``."""
        if self.rate_pct is not None:
            return f"{self.rate_pct:.1f}%"
        if self.numerator is not None:
            return f"{self.count_text} (count)"
        return "not published"

    @property
    def england_text(self) -> str:
        """``England 18.2%``, or ``England: <why not>``."""
        if self.england_pct is not None:
            return f"England {self.england_pct:.1f}%"
        return f"England: {self.england_note or 'not known'}"


@dataclass
class BidFigure:
    """One of the figures bids quote (see :func:`bid_figures`), with England's beside it.

    Attributes
    ----------
    label
        What it is, e.g. ``"IMD 2019 rank (1 = most deprived)"``.
    value
        The number: a rank (1 = most deprived), or a percentage (0–100); ``None`` when unknown.
    value_text
        As printed: ``"5,929 of 32,844"``, ``"25.3%"``, or ``"n/a"``.
    band
        For a rank, its band (:func:`needsmap.analysis.bands.bid_band`), else ``""``.
    england_text
        England's figure: the ranks of the band's LSOAs, or England's percentage.
    note
        Source and method in a few words.
    """

    label: str
    value: float | None
    value_text: str
    band: str
    england_text: str
    note: str


@dataclass
class Translation:
    """How a code of the other LSOA vintage was translated to the edition asked for."""

    requested_code: str
    requested_vintage: str
    change_code: str
    candidates: list[str]
    chosen: str
    note: str


@dataclass
class LsoaProfile:
    """Everything a bid writer cites about one LSOA in one IMD edition (see :func:`lsoa_profile`)."""

    lsoa_code: str
    lsoa_name: str
    edition: Edition
    vintage: str
    local_authority: str
    local_authority_code: str
    ward: str
    ward_code: str
    region: str
    total_lsoas: int
    imd: RankFigure
    domains: dict[str, RankFigure]
    subdomains: dict[str, RankFigure]
    population: int | None
    population_source: str
    age_profile: dict[str, Any]
    idaci: Rate
    idaopi: Rate
    ethnicity: dict[str, Any] | None
    extra: dict[str, Any]
    other_edition: dict[str, Any]
    translation: Translation | None
    orgs: dict[str, Any] | None
    summary: str
    sources: list[str]
    kind: str = "lsoa"
    postcode: str | None = None
    postcode_note: str = ""
    bid: list[BidFigure] = field(default_factory=list)

    @property
    def title(self) -> str:
        """Heading for reports: ``Birmingham 120E (E01009219)``."""
        return f"{self.lsoa_name} ({self.lsoa_code})"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary (ranks as ``{rank, decile, ...}``)."""
        d = asdict(self)
        d["title"] = self.title
        return _jsonable(d)


@dataclass
class AreaProfile:
    """Population-weighted profile of a ward or local authority (see :func:`area_profile`)."""

    kind: str
    code: str
    name: str
    edition: Edition
    vintage: str
    local_authority: str
    region: str
    total_lsoas: int
    n_lsoas: int
    population: int | None
    population_source: str
    imd: dict[str, Any]
    domains: dict[str, dict[str, Any]]
    subdomains: dict[str, dict[str, Any]]
    age_profile: dict[str, Any]
    idaci: Rate
    idaopi: Rate
    ethnicity: dict[str, Any] | None
    extra: dict[str, Any]
    lsoas: list[dict[str, Any]]
    orgs: dict[str, Any] | None
    summary: str
    sources: list[str]
    bid: list[BidFigure] = field(default_factory=list)
    method: str = field(default=(
        "Population-weighted: each LSOA counts in proportion to its residents. Shares of residents "
        "'in the 10% / 20% most deprived' count the residents of LSOAs in IMD deciles 1 / 1–2."))

    @property
    def title(self) -> str:
        """Heading for reports: ``Northfield (ward, Birmingham)``."""
        word = "ward" if self.kind == "ward" else "local authority"
        where = f", {self.local_authority}" if self.kind == "ward" else ""
        return f"{self.name} ({word}{where})"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary."""
        d = asdict(self)
        d["title"] = self.title
        return _jsonable(d)


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, float) and math.isnan(obj):
        return None
    if obj is pd.NA:
        return None
    return obj


# ----------------------------------------------------------------------------- prepared tables
def _build_ethnicity() -> pd.DataFrame:
    e = read_table("census2021_ethnicity")
    wide = e.pivot_table(index="lsoa21_code", columns="ethnic_group", values="n", aggfunc="sum")
    out = pd.DataFrame(index=pd.Index(wide.index.astype(str), name="lsoa_code"))
    for short, group in ETHNIC_GROUPS.items():
        out[short] = wide[group].to_numpy() if group in wide.columns else np.nan
    out["total"] = e.drop_duplicates("lsoa21_code").set_index("lsoa21_code")["total_residents"] \
        .reindex(wide.index).to_numpy()
    return out


def ethnicity_table() -> pd.DataFrame:
    """Census 2021 usual residents per LSOA 2021 by broad ethnic group (counts) and ``total``."""
    return cached("ethnicity_lsoa21", _build_ethnicity)


# ----------------------------------------------------------------------------- postcodes
def display_postcode(text: str) -> str:
    """A postcode as people write it (``"b312lb."`` → ``"B31 2LB"``); other text stripped, upper case."""
    compact = "".join(ch for ch in text.upper() if ch.isalnum())
    if 5 <= len(compact) <= 7:
        return f"{compact[:-3]} {compact[-3:]}"
    return text.strip().upper()


def lsoa_for_postcode(postcode: str, *, edition: Edition) -> tuple[str, str]:
    """The LSOA (of ``edition``'s vintage) containing a postcode's centroid, and a note saying how.

    Uses :func:`needsmap.orgs.place_postcodes` (NSPL centroids placed in the LSOA polygons).

    Raises
    ------
    ValidationError
        Not a postcode, or a postcode that cannot be placed in England (with the reason).
    """
    try:
        from needsmap.orgs import place_postcodes
    except ImportError:  # pragma: no cover - the organisations package is part of needsmap
        raise ValidationError("looking up a postcode is not available yet in this version of "
                              "needsmap: use --lsoa with the LSOA code instead") from None
    placed = place_postcodes(pd.Series([postcode]))
    row = placed.iloc[0]
    if row["status"] != "ok":
        raise ValidationError(f"postcode '{printable(postcode, limit=30)}' could not be placed: "
                              f"{row['status']}")
    code = row[f"{_VINTAGE[edition]}_code"]
    if code is None or pd.isna(code):
        raise ValidationError(f"postcode '{printable(postcode, limit=30)}' is not inside an English "
                              "LSOA")
    pretty = display_postcode(str(row["postcode_clean"]))
    how = str(row.get("placed_by") or "")
    sure = row.get("confidence")
    if sure == CONF_EXACT:
        note = (f"Postcode {pretty} lies in LSOA {code}, by the official postcode lookup's own codes "
                "(NSPL).")
    elif "nearest LSOA" in how:
        note = (f"Postcode {pretty} is placed in LSOA {code}: its centroid (ONS Postcode Lookup, "
                "May 2025) lies just outside the generalised boundaries, so the nearest LSOA, within "
                f"300 m, is used (`{NSPL_FETCH}` makes it exact).")
    elif sure == CONF_SURE:
        note = (f"Postcode {pretty} lies in LSOA {code}: its centroid (ONS Postcode Lookup, May 2025) "
                "falls inside that LSOA's boundary, well away from its edges.")
    else:
        note = (f"Postcode {pretty} lies in LSOA {code}: its centroid (ONS Postcode Lookup, May 2025) "
                "falls inside that LSOA's boundary, near its edge (it may belong to the neighbour; "
                f"`{NSPL_FETCH}` makes it exact).")
    return str(code), note


# ----------------------------------------------------------------------------- code translation
def resolve_lsoa(code: str, *, edition: Edition, table: pd.DataFrame) -> tuple[str, Translation | None]:
    """The LSOA code of ``edition``'s vintage for ``code``, translating the other vintage's codes.

    A code in both vintages is unchanged (ONS change code U). A 2011 code asked of the 2025 edition,
    or a 2021 code asked of 2019, goes through :func:`needsmap.data.crosswalk.resolve_codes` (the
    one LSOA 2011↔2021 resolver): when it maps to several LSOAs (a split, or a merge seen from the
    other side) the one with most residents is chosen and the others are listed in the note.

    Raises
    ------
    ValidationError
        ``code`` is not an English LSOA code of either vintage.
    """
    c = str(code).strip().upper().replace(" ", "")
    if not is_lsoa_code(c):
        raise ValidationError(f"{code!r} is not an LSOA code: English LSOA codes look like E01009219")
    if c in table.index:
        return c, None
    want = _VINTAGE[edition]
    res = resolve_codes(pd.Series([c]), to=want).iloc[0]
    if pd.isna(res["code"]):
        raise ValidationError(f"{c} is not an LSOA 2011 or LSOA 2021 code in England "
                              "(check the code; Welsh LSOAs start W01)")
    all_cands = list(res["candidates"])
    cands = [x for x in all_cands if x in table.index]
    if not cands:
        raise ValidationError(f"{c} maps to {', '.join(all_cands)}, none of which is in the IMD {edition} table")
    chosen = str(res["code"])
    if chosen not in table.index:  # a partial (demo) table: the most populous part it holds
        chosen = str(table.loc[cands, "population"].astype(float).fillna(0).idxmax())
    change = str(res["change_code"])
    have_v = VINTAGE_LABEL[LSOA_VINTAGE[_other(edition)]]
    note = str(res["note"])
    if change == CHANGE_SPLIT and edition == "2019":
        note += f" The IMD 2019 figures describe the whole of {chosen}."
    elif change == CHANGE_MERGED and edition == "2025":
        note += " The IMD 2025 figures describe the whole merged area."
    return chosen, Translation(requested_code=c, requested_vintage=have_v, change_code=change,
                               candidates=cands, chosen=chosen, note=note)


def other_edition(code: str, *, edition: Edition, other_table: pd.DataFrame | None = None) -> dict[str, Any]:
    """The same LSOA in the other IMD edition, when its boundary did not change in 2021.

    Returns a dict with ``comparable`` (bool), ``change_code``, ``note`` and — when comparable —
    ``edition``, ``imd`` and ``domains`` as :class:`RankFigure` dicts.
    """
    oth = _other(edition)
    lk = pairs()
    rows = lk.loc[lk[f"{LSOA_VINTAGE[edition]}_code"] == code]
    change = str(rows["change_code"].iloc[0]) if not rows.empty else "?"
    counterpart = counterparts(code, to=LSOA_VINTAGE[oth])
    out: dict[str, Any] = {"edition": oth, "change_code": change, "counterparts": counterpart,
                           "comparable": change == CHANGE_UNCHANGED}
    if change != CHANGE_UNCHANGED:
        word = CHANGE_CODES.get(change, "changed")
        out["note"] = (f"Not directly comparable: this LSOA's boundary was {word} in 2021 (ONS change "
                       f"code {change}); its {_VINTAGE_LABEL[oth]} counterpart(s): "
                       f"{', '.join(counterpart) or 'none'}. Ranks of different areas are not compared here.")
        return out
    t = other_table if other_table is not None else load_lsoa_table(oth)
    row = t.loc[code]
    out["imd"] = asdict(_rank_figure(row, "imd", oth))
    out["domains"] = {d: asdict(_rank_figure(row, d, oth)) for d in DOMAIN_IDS}
    out["note"] = (f"Same boundary in 2011 and 2021 (ONS change code U), so the editions sit side by "
                   f"side. Ranks are out of {england_lsoa_count('2019'):,} LSOAs (2019) and "
                   f"{england_lsoa_count('2025'):,} (2025): compare deciles; a rank is relative to "
                   "the rest of England.")
    return out


# ----------------------------------------------------------------------------- populations
def _age_summary(ages: pd.Series, *, edition: Edition) -> dict[str, Any]:
    a = ages.astype(float).to_numpy()
    bands = {lab: float(a[lo:hi + 1].sum()) for lab, (lo, hi) in AGE_BANDS.items()}
    total = float(a.sum())
    source = ("ONS mid-2020 population estimates, single year of age (LSOA 2011)" if edition == "2019"
              else "ONS mid-2020 single-year-of-age estimates (LSOA 2011) carried to LSOA 2021 through "
                   "the ONS lookup (split LSOAs shared out by Census 2021 residents)")
    return {
        "total": round(total), "bands": {k: round(v) for k, v in bands.items()},
        "bands_pct": {k: round(100 * v / total, 1) if total else None for k, v in bands.items()},
        "children_0_15": round(float(a[:16].sum())), "working_16_64": round(float(a[16:65].sum())),
        "older_65_plus": round(float(a[65:].sum())), "aged_60_plus": round(float(a[60:].sum())),
        "date": "mid-2020", "estimated": edition == "2025", "source": source,
    }


def _england_age_from_data(edition: Edition) -> dict[str, float]:
    a = age_table(edition).sum()
    tot = float(a.sum())
    return {lab: round(100 * float(a.iloc[lo:hi + 1].sum()) / tot, 1) for lab, (lo, hi) in AGE_BANDS.items()}


def england_age_pct(table: pd.DataFrame, edition: Edition) -> dict[str, float] | None:
    """England's residents (%) in each band of :data:`AGE_BANDS` (mid-2020); ``None`` when not known.

    From the whole age table when ``table`` is national, else from its England reference.
    """
    if is_national(table):
        return _england_age_from_data(edition)
    ref = reference_figure(table, "profile", "age_bands_pct")
    if not isinstance(ref, dict) or set(ref) != set(AGE_BANDS):
        return None
    return {band: float(ref[band]) for band in AGE_BANDS}


def _numbers(table: pd.DataFrame, codes: list[str], column: str) -> pd.Series:
    """``table[column]`` for ``codes`` as floats (all NaN when the table has no such column)."""
    if column not in table.columns:
        return pd.Series(np.nan, index=pd.Index(codes), dtype=float)
    return pd.to_numeric(table[column].reindex(codes), errors="coerce").astype(float)


#: why there is no published rate, when the table has no published rates at all
_NO_PUBLISHED = "no published rates in the data folder"


def _published_rate(table: pd.DataFrame, codes: list[str], key: str
                    ) -> tuple[float | None, float | None, str]:
    """MHCLG's published rate (%) over ``codes`` with its denominator, or why there is none.

    One LSOA: its own published rate. Several: the mean of their published rates weighted by the
    published denominators (every LSOA must have both).
    """
    if f"{key}_score" not in table.columns:
        return None, None, _NO_PUBLISHED
    scores = _numbers(table, codes, f"{key}_score")
    dens = _numbers(table, codes, f"{key}_denominator")
    if scores.isna().any():
        return None, None, (f"no published rate for {int(scores.isna().sum()):,} of the "
                            f"{len(codes):,} LSOAs")
    if len(codes) == 1:
        den = dens.iloc[0]
        return 100 * float(scores.iloc[0]), (None if pd.isna(den) else float(den)), ""
    if dens.isna().any() or float(dens.sum()) <= 0:
        return None, None, "published rates, but not the published populations to weight them by"
    return 100 * float((scores * dens).sum() / dens.sum()), float(dens.sum()), ""


def _recomputed_rate(table: pd.DataFrame, codes: list[str], key: str
                     ) -> tuple[float | None, float | None]:
    """Count ÷ published denominator (%), which are of the same date and geography (File 8's
    numerator and File 7's denominator of one edition); ``None`` unless every LSOA has both."""
    nums = _numbers(table, codes, f"{key}_numerator")
    dens = _numbers(table, codes, f"{key}_denominator")
    if nums.isna().any() or dens.isna().any() or float(dens.sum()) <= 0:
        return None, None
    return 100 * float(nums.sum()) / float(dens.sum()), float(dens.sum())


def _rate_for(table: pd.DataFrame, codes: list[str], key: str
              ) -> tuple[float | None, float | None, str, str]:
    """(rate %, denominator, basis, why no published rate) over ``codes``; the rate is ``None``
    when no right one can be given, and never over 100."""
    rate, den, why = _published_rate(table, codes, key)
    basis = PUBLISHED
    if rate is None:
        rate, den = _recomputed_rate(table, codes, key)
        basis = RECOMPUTED if rate is not None else COUNT_ONLY
    if rate is not None and not 0 <= rate <= 100:
        return None, None, COUNT_ONLY, f"the rate worked out ({rate:.0f}%) cannot be right"
    return (None if rate is None else round(rate, 1)), den, basis, why


def _england_rate(table: pd.DataFrame, edition: Edition, key: str) -> tuple[float | None, str]:
    """England's rate (%) of ``key`` on the profile's rule, and why it is missing (``""`` if not)."""
    none_here = "no published rate"
    if is_national(table):
        rate, _, _, why = _rate_for(table, [str(c) for c in table.index], key)
        return rate, "" if rate is not None else none_here + ("" if why == _NO_PUBLISHED else f" ({why})")
    ref = reference_figure(table, "profile", f"{key}_published_pct")
    if isinstance(ref, int | float) and not isinstance(ref, bool):
        return float(ref), ""
    published = f"{key}_score" in table.columns or f"{key}_denominator" in table.columns
    return None, NOT_IN_DEMO if published else none_here


def england_rates(table: pd.DataFrame, edition: Edition) -> dict[str, float | None]:
    """England's IDACI and IDAOPI rates (%, keys ``idaci``, ``idaopi``) on the profile's rule.

    Over every LSOA of a national ``table``: the mean of the published rates weighted by the
    published denominators, else the counts over those denominators (see
    :func:`income_deprivation_rates`); ``None`` when the table has neither. For a regional table
    (the demo), from its England reference (``profile.idaci_published_pct`` …), ``None`` when the
    reference lacks it.
    """
    return {key: _england_rate(table, edition, key)[0] for key in _RATE_WHO}


def income_deprivation_rates(table: pd.DataFrame, codes: list[str], edition: Edition
                             ) -> tuple[Rate, Rate]:
    """Children aged 0–15 (IDACI) and people aged 60+ (IDAOPI) in income-deprived families.

    Parameters
    ----------
    table
        The edition's LSOA table (:func:`~needsmap.data.load_lsoa_table`): ``idaci_numerator``,
        ``idaopi_numerator`` (counts) and, when the data has them, ``idaci_score``,
        ``idaopi_score`` (published rates, 0–1) and ``idaci_denominator``, ``idaopi_denominator``.
    codes
        The LSOAs of the area (one for an LSOA profile).
    edition
        IMD edition; its counts are for :data:`~needsmap.data.loaders.RATE_BASIS` (mid-2022 on
        LSOA 2021 for 2025, mid-2015 on LSOA 2011 for 2019).

    Returns
    -------
    (Rate, Rate)
        IDACI and IDAOPI. ``rate_pct`` is the published rate (one LSOA), or the published rates'
        mean weighted by the published denominators (several); else the count over a published
        denominator of the same date and geography; else ``None`` with the count in
        ``numerator`` and the reason in ``reason`` and ``note``. Never over 100%, never over a
        denominator of another date (such as the ONS mid-2020 ages).
    """
    date, geo = RATE_BASIS[edition]
    redesign = (" The 2025 edition measures income deprivation differently from 2019 (Universal "
                "Credit), so 2019 and 2025 figures are not comparable." if edition == "2025" else "")
    out = []
    for key, (label, who, population) in _RATE_WHO.items():
        nums = _numbers(table, codes, f"{key}_numerator")
        blank = int(nums.isna().sum())
        numerator = None if blank == len(codes) else round(float(nums.sum()))
        rate, den, basis, why = _rate_for(table, codes, key)
        england, england_note = _england_rate(table, edition, key)
        reason = ""
        if basis == PUBLISHED:
            note = (f"Published by MHCLG (English Indices of Deprivation {edition}, File 7): the "
                    f"share of {who} living in income-deprived families, out of MHCLG's {date} "
                    f"population of that age ({geo})."
                    + (" For several LSOAs: the mean of their published rates weighted by those "
                       "populations." if len(codes) > 1 else ""))
        elif basis == RECOMPUTED:
            note = (f"IMD {edition} count of {who} in income-deprived families ÷ MHCLG's published "
                    f"{date} {population} ({geo}), the same date and areas as the count.")
        else:
            basis = COUNT_ONLY if numerator is not None else NOT_PUBLISHED
            reason = (f"no published {date} {population} for this area in the data folder"
                      if why in ("", _NO_PUBLISHED) else why)
            note = (f"IMD {edition} count of {who} in income-deprived families (File 8); no rate: "
                    f"{reason} (it must be {date}, {geo}, as the count; ONS mid-2020 ages are "
                    f"another year's). `needsmap data fetch --only iod{edition}_file7` brings "
                    "MHCLG's published rates.")
        if basis != PUBLISHED and numerator is None:
            note = "No count is published for this area (MHCLG leaves small numbers blank). " + note
        elif basis != PUBLISHED and blank:
            note = (f"{blank} of {len(codes)} LSOAs have no published count (MHCLG leaves small "
                    "numbers blank), so the count is a lower bound. " + note)
        out.append(Rate(label=label, numerator=numerator,
                        denominator=None if den is None else round(den), rate_pct=rate,
                        england_pct=england, note=note + redesign, basis=basis, who=who,
                        reason=reason, lsoas_without_count=blank if numerator is not None else 0,
                        england_note=england_note))
    return out[0], out[1]


def _england_ethnicity_from_data() -> dict[str, float]:
    eng = ethnicity_table().sum()
    return {k: round(100 * float(eng[k]) / float(eng["total"]), 1) for k in ETHNIC_GROUPS}


def england_ethnicity_pct(table: pd.DataFrame) -> dict[str, float] | None:
    """England's usual residents (%) in each broad ethnic group (Census 2021); ``None`` when not known.

    From the whole Census table when ``table`` is national, else from its England reference.
    """
    if is_national(table):
        return _england_ethnicity_from_data()
    ref = reference_figure(table, "profile", "ethnicity_pct")
    if not isinstance(ref, dict) or set(ref) != set(ETHNIC_GROUPS):
        return None
    return {group: float(ref[group]) for group in ETHNIC_GROUPS}


def _ethnicity(codes21: list[str], note: str = "", *, england: dict[str, float] | None = None
               ) -> dict[str, Any] | None:
    eth = ethnicity_table().reindex(codes21).dropna(how="all")
    if eth.empty:
        return None
    s = eth.sum()
    total = float(s["total"])
    pct = {k: round(100 * float(s[k]) / total, 1) for k in ETHNIC_GROUPS}
    return {"pct": pct, "minority_pct": round(100 - pct["White"], 1), "residents": round(total),
            "england_pct": england,
            "lsoa21_codes": codes21, "source": get_dataset("census2021_ethnicity").citation(),
            "note": note}


def _codes21_for(code: str, edition: Edition) -> tuple[list[str], str]:
    if LSOA_VINTAGE[edition] == "lsoa21":
        return [code], ""
    codes = counterparts(code, to="lsoa21")
    if codes == [code]:
        return codes, ""
    return codes, (f"Census 2021 is published on LSOA 2021 boundaries; figures are for "
                   f"{', '.join(codes)}, the LSOA 2021 area(s) this LSOA 2011 became.")


def _extras(table: pd.DataFrame, codes: list[str], weights: pd.Series | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for m, row in profile_rows():
        col = row.column
        if col not in table.columns:
            continue
        vals = table.loc[codes, col]
        if vals.isna().all():
            continue
        if len(codes) == 1 and row.text_column and row.text_column in table.columns:
            text = table.loc[codes[0], row.text_column]
            out[col] = {"label": row.label, "value": None if pd.isna(text) else str(text)}
            continue
        if m.kind == "flag":
            value: Any = bool(vals.fillna(False).astype(bool).any()) if len(codes) == 1 else \
                int(vals.fillna(False).astype(bool).sum())
            lab = row.label if len(codes) == 1 else (row.area_label or f"LSOAs flagged: {row.label}")
        elif col in SHARES and set(SHARES[col]) <= set(table.columns):  # a share of people: of the
            # counts (summed over an area), so it reads as the bid figure does
            value = _share_of_counts(table, codes, col)
            lab = row.label
        elif len(codes) == 1:
            value = _float(vals.iloc[0], 2)
            lab = row.label
        elif m.kind == "count":  # people: the area's is the sum of its LSOAs'
            value = _int(vals.astype(float).sum()) if vals.notna().all() else None
            lab = row.area_label or row.label
        else:
            w = (weights if weights is not None else pd.Series(1.0, index=codes)).reindex(codes).astype(float)
            v = vals.astype(float)
            ok = v.notna() & w.notna()
            value = round(float((v[ok] * w[ok]).sum() / w[ok].sum()), 2) if w[ok].sum() > 0 else None
            lab = row.area_label or row.label + ", average"
        out[col] = {"label": lab, "value": value}
    return out


def _extra_sources(extra: dict[str, Any]) -> list[str]:
    """The publisher's dataset behind each extra row (its measure's first dataset), in row order."""
    first = {row.column: m.datasets[0] for m, row in profile_rows() if m.datasets}
    return [first[col] for col in extra if col in first]


# ----------------------------------------------------------------------------- organisations
def orgs_near(orgs: pd.DataFrame, codes: list[str], *, edition: Edition, radius_m: float = 1000,
              boundaries: Any = None) -> dict[str, Any]:
    """Organisations inside the LSOAs ``codes`` and those within ``radius_m`` metres of them.

    Parameters
    ----------
    orgs
        Placed organisations with ``org_name``, ``lat``, ``lon``, ``lsoa11_code``, ``lsoa21_code``
        (an organisation layer's ``.placed`` table).
    boundaries
        LSOA polygons of the edition (loaded when not given).

    Returns
    -------
    dict with ``inside`` and ``nearby`` lists of ``{org_name, org_category, lsoa_code, distance_m}``
    and ``radius_m``.
    """
    import geopandas as gpd

    key = f"{_VINTAGE[edition]}_code"
    o = orgs.dropna(subset=["lat", "lon"]).copy()
    if key not in o.columns:
        o[key] = pd.NA
    inside_mask = o[key].astype("string").isin(codes).fillna(False).to_numpy(dtype=bool)
    b = boundaries if boundaries is not None else load_boundaries(edition)
    shape = b.loc[b["lsoa_code"].isin(codes)].to_crs(BNG).union_all()
    pts = gpd.GeoSeries(gpd.points_from_xy(o["lon"], o["lat"]), crs=WGS84, index=o.index).to_crs(BNG)
    dist = pts.distance(shape)
    o["distance_m"] = dist.round(0)
    o.loc[inside_mask, "distance_m"] = 0.0

    def rows(df: pd.DataFrame) -> list[dict[str, Any]]:
        cols = [c for c in ("org_name", "org_category", "org_postcode", key, "distance_m") if c in df.columns]
        recs = df[cols].rename(columns={key: "lsoa_code"}).to_dict("records")
        return [_jsonable(r) for r in recs]

    near_mask = (~inside_mask) & (dist <= radius_m).to_numpy()
    return {"inside": rows(o.loc[inside_mask]),
            "nearby": rows(o.loc[near_mask].sort_values("distance_m")),
            "radius_m": radius_m}


# ----------------------------------------------------------------------------- LSOA profile
def england_figures_missing(p: LsoaProfile | AreaProfile) -> bool:
    """True when an England figure of the profile is unknown because the data is a regional extract
    without it (the demo without its England reference): shown as :data:`NOT_IN_DEMO`.

    An England rate that the data does not publish at all (no File 7 rates; see
    :func:`income_deprivation_rates`) is not "missing from the demo": the full data lacks it too.
    (For ``report/_content.england_missing`` to delegate to: one rule for the page, CLI, PDF and
    Markdown.)
    """
    age = p.age_profile or {}
    return (NOT_IN_DEMO in (p.idaci.england_note, p.idaopi.england_note)
            or (bool(age) and not age.get("england_bands_pct"))
            or (p.ethnicity is not None and not p.ethnicity.get("england_pct")))


def _rate_sentence(rate: Rate, edition: Edition) -> str:
    """One sentence for the summary: the rate when a right one exists, else the count and why not.

    ``23.7% of children aged 0–15 live in income-deprived families (England: 18.2%; IMD 2025,
    published rate).`` or ``1,234 children aged 0–15 live in income-deprived families (IMD 2025
    count).`` (why there is no rate is in :attr:`Rate.note`).
    Empty when nothing is published.
    """
    if rate.rate_pct is not None:
        how = "published rate" if rate.basis == PUBLISHED else "count ÷ published population"
        eng = "" if rate.england_pct is None else f"England: {rate.england_pct:.1f}%; "
        return (f"{rate.rate_pct:.1f}% of {rate.who} live in income-deprived families "
                f"({eng}IMD {edition}, {how}).")
    if rate.numerator is None:
        return ""
    # the reason there is no rate is in the notes; the paragraph keeps the citable count
    text = f"{rate.count_text} live in income-deprived families (IMD {edition} count)."
    return text[0].upper() + text[1:]


def _lsoa_summary(p_name: str, code: str, ward: str, lad: str, edition: Edition, imd: RankFigure,
                  domains: dict[str, RankFigure], idaci: Rate, idaopi: Rate) -> str:
    total = england_lsoa_count(edition)
    parts = [
        f"{p_name} ({code}), in {ward} ward, {lad}, is {decile_phrase(imd.decile)} neighbourhoods "
        f"in England on the Index of Multiple Deprivation {edition} (rank {_fmt(imd.rank)} of "
        f"{total:,}, where 1 is the most deprived; decile {imd.decile})."
    ]
    worst = sorted((f for f in domains.values() if f.rank is not None), key=lambda f: f.rank or 0)
    if worst:
        w = worst[0]
        parts.append(f"Its most deprived domain is {w.label.lower()}: rank {w.rank:,} of {total:,}, "
                     f"{decile_phrase(w.decile)}.")
    h = domains.get("health")
    if h is not None and h.rank is not None and (not worst or worst[0] is not h):
        parts.append(f"Health deprivation rank {h.rank:,} of {total:,} (decile {h.decile}).")
    parts += [t for t in (_rate_sentence(idaci, edition), _rate_sentence(idaopi, edition)) if t]
    parts.append(f"Source: English Indices of Deprivation {edition}, MHCLG.")
    return " ".join(parts)


#: the employment domain rate, as bid tables name it
EMPLOYMENT_RATE_LABEL = "Working-age people employment-deprived (IMD employment domain rate)"
NO_QUALS_LABEL = "Residents aged 16+ with no qualifications (Census 2021)"


def _band_england(edition: Edition, rank: int | None) -> str:
    """England beside a rank: how many LSOAs there are, and the ranks its band holds."""
    total = england_lsoa_count(edition)
    pct = bid_band_pct(rank, edition)
    if pct is None:
        return f"of {total:,} LSOAs"
    return f"of {total:,} LSOAs; top {pct}% = ranks 1–{total * pct // 100:,}"


def _share_of_counts(t: pd.DataFrame, codes: list[str] | None, column: str) -> float | None:
    """A Census share (%, a column of :data:`needsmap.measures.census.SHARES`) of the counts summed over
    ``codes``, never of rounded shares; ``None`` when the table lacks the counts or one of ``codes``
    has none. ``codes=None``: over every LSOA of ``t`` that has them (England)."""
    if column not in SHARES or not set(SHARES[column]) <= set(t.columns):
        return None
    sub = t if codes is None else t.loc[codes]
    sums = sub[list(SHARES[column])].astype(float).sum(min_count=1 if codes is None else len(sub))
    value = share_pct(sums.to_frame().T, column, decimals=6).iloc[0]
    return None if pd.isna(value) else float(value)


def _employment_rate(t: pd.DataFrame, codes: list[str] | None) -> float | None:
    """The IMD employment domain rate (%) of one LSOA, or the population-weighted mean of several."""
    if "employment_score" not in t.columns:
        return None
    sub = t if codes is None else t.loc[codes]
    score = sub["employment_score"].astype(float)
    if score.isna().all() or (codes is not None and score.isna().any()):
        return None
    if len(sub) == 1:
        return 100 * float(score.iloc[0])
    wcol = "population_mid2022" if "population_mid2022" in sub.columns else "population"
    w = sub[wcol].astype(float)
    ok = score.notna() & w.notna()
    return 100 * float((score[ok] * w[ok]).sum() / w[ok].sum()) if float(w[ok].sum()) > 0 else None


def bid_figures(table: pd.DataFrame, codes: list[str], edition: Edition) -> list[BidFigure]:
    """The four figures bids quote about a neighbourhood, with England's beside each.

    For one LSOA: its IMD rank and its health deprivation rank, each with its band ("Top 20% most
    deprived LSOA", :func:`needsmap.analysis.bands.bid_band`); the % of residents aged 16+ with no
    qualifications (Census 2021 TS067); and the % of working-age people employment-deprived (the
    IMD employment domain rate: people involuntarily out of work, from benefit claims). For several
    LSOAs (a ward or local authority) the ranks give way to the share of residents living in England's
    20% most deprived LSOAs on each.

    Parameters
    ----------
    table
        The edition's LSOA table (``load_lsoa_table(edition)``); England's figures need it national
        (on the demo they read "–").
    codes
        LSOA codes of the edition's vintage, shape ``(n,)``.
    edition
        IMD edition.

    Returns
    -------
    list of BidFigure
        Four figures, ranks first.

    Notes
    -----
    No qualifications: sum of people aged 16+ with no qualifications over the sum of residents aged
    16+ (England 18.1%). Employment: the published domain score (a 0–1 share of the working-age
    population, shown as %); for several LSOAs and England, weighted by the mid-2022 population
    (the IMD 2025 denominators; Census 2021 residents when it is absent). The staged IMD 2019 file
    has no scores: its rate reads n/a until MHCLG's File 7 is fetched.
    """
    national = is_national(table)
    figs: list[BidFigure] = []
    if len(codes) == 1:
        row = table.loc[codes[0]]
        for measure, label in (("imd", f"IMD {edition} rank (1 = most deprived)"),
                               ("health", "Health deprivation and disability rank")):
            rank = _int(row.get(f"{measure}_rank"))
            band = bid_band(rank, edition)
            figs.append(BidFigure(label, rank, f"{_fmt(rank)} of {england_lsoa_count(edition):,}" if rank else "n/a",
                                  band, _band_england(edition, rank), f"English Indices of Deprivation {edition}"))
    else:
        sub = table.loc[codes]
        for measure, label in (("imd", f"IMD {edition}"), ("health", "health deprivation")):
            w = _weighted(sub, measure)  # as the area profile's own domain table gives it
            share = w["pct_pop_20pct_most_deprived"]
            figs.append(BidFigure(
                f"Residents in England's 20% most deprived LSOAs ({label})", share,
                f"{share:.1f}%" if share is not None else "n/a", "", "England 20% of LSOAs",
                f"Residents of the LSOAs in national deciles 1–2 ({w['lsoas_20pct_most_deprived']} of "
                f"{len(sub)} LSOAs)"))
    nq = _share_of_counts(table, codes, "no_qual_pct")
    nq_eng = _share_of_counts(table, None, "no_qual_pct") if national else None
    figs.append(BidFigure(NO_QUALS_LABEL, nq, f"{nq:.1f}%" if nq is not None else "n/a", "",
                          f"England {nq_eng:.1f}%" if nq_eng is not None else "England –",
                          "Census 2021 TS067: no qualifications ÷ residents aged 16+"
                          + ("" if nq is not None or edition == "2025" else
                             " (not given for an LSOA 2011 that merged into a larger LSOA 2021)")))
    er = _employment_rate(table, codes)
    er_eng = _employment_rate(table, None) if national else None
    figs.append(BidFigure(EMPLOYMENT_RATE_LABEL, er, f"{er:.1f}%" if er is not None else "n/a", "",
                          f"England {er_eng:.1f}%" if er_eng is not None else "England –",
                          f"IMD {edition} employment domain score: share of working-age people "
                          "involuntarily out of work (benefit claimants), not the claimant count"
                          + ("" if er is not None else "; the IMD 2019 file here has no scores "
                             "(`needsmap data fetch --only iod2019_file7` brings them)")))
    return figs


def lsoa_profile(code: str | None = None, *, edition: Edition, postcode: str | None = None,
                 table: pd.DataFrame | None = None, other_table: pd.DataFrame | None = None,
                 orgs: pd.DataFrame | None = None, radius_m: float = 1000,
                 boundaries: Any = None) -> LsoaProfile:
    """Profile of one LSOA in one IMD edition.

    Parameters
    ----------
    code
        An LSOA 2011 or 2021 code; a code of the other vintage is translated (see :func:`resolve_lsoa`).
    postcode
        Instead of ``code``: a postcode, placed in its LSOA (see :func:`lsoa_for_postcode`).
    edition
        ``"2019"`` (LSOA 2011) or ``"2025"`` (LSOA 2021).
    table, other_table
        The edition's and the other edition's LSOA tables (loaded when not given).
    orgs
        Optional placed organisations (see :func:`orgs_near`).
    radius_m
        How far around the LSOA "nearby" organisations are looked for.

    Raises
    ------
    ValidationError
        The code is not an English LSOA code.
    """
    t = table if table is not None else load_lsoa_table(edition)
    pc_note = ""
    if postcode is not None:
        code, pc_note = lsoa_for_postcode(postcode, edition=edition)
    if code is None:
        raise ValidationError("give an LSOA code or a postcode")
    lsoa, translation = resolve_lsoa(code, edition=edition, table=t)
    row = t.loc[lsoa]
    total = england_lsoa_count(edition)
    imd = _rank_figure(row, "imd", edition)
    domains = {d: _rank_figure(row, d, edition) for d in DOMAIN_IDS}
    subdomains = {d: _rank_figure(row, d, edition) for d in SUBDOMAIN_IDS if f"{d}_rank" in t.columns}
    ages = age_table(edition)
    age = _age_summary(ages.loc[lsoa], edition=edition) if lsoa in ages.index else {}
    if age:
        age["england_bands_pct"] = england_age_pct(t, edition)
    idaci, idaopi = income_deprivation_rates(t, [lsoa], edition)
    codes21, eth_note = _codes21_for(lsoa, edition)
    eth = _ethnicity(codes21, eth_note, england=england_ethnicity_pct(t))
    extra = _extras(t, [lsoa])
    other = other_edition(lsoa, edition=edition, other_table=other_table)
    org = (orgs_near(orgs, [lsoa], edition=edition, radius_m=radius_m, boundaries=boundaries)
           if orgs is not None else None)
    name, ward, lad = str(row["lsoa_name"]), str(row["ward_name"]), str(row["lad_name"])
    summary = _lsoa_summary(name, lsoa, ward, lad, edition, imd, domains, idaci, idaopi)
    if translation is not None:
        summary = f"{summary} (Note: {translation.note})"
    pop_src = ("ONS mid-2020 population estimate" if edition == "2019"
               else "Census 2021 usual residents")
    sources = [f"imd{edition}", f"imd{edition}_subdomains", f"imd{edition}_indicators",
               "population2020", "census2021_ethnicity", "census2021_qualifications",
               "lsoa11_lsoa21_lookup", "lsoa21_ward24_lookup", *_extra_sources(extra)]
    if other["comparable"]:
        sources.insert(1, f"imd{_other(edition)}")
    return LsoaProfile(
        lsoa_code=lsoa, lsoa_name=name, edition=edition, vintage=_VINTAGE_LABEL[edition],
        local_authority=lad, local_authority_code=str(row["lad_code"]), ward=ward,
        ward_code=str(row["ward_code"]), region=str(row["region_name"]), total_lsoas=total,
        imd=imd, domains=domains, subdomains=subdomains, population=_int(row["population"]),
        population_source=pop_src, age_profile=age, idaci=idaci, idaopi=idaopi, ethnicity=eth,
        extra=extra, other_edition=other, translation=translation, orgs=org, summary=summary,
        sources=list(dict.fromkeys(sources)) + (["nspl_centroids"] if postcode else []),
        postcode=display_postcode(postcode) if postcode else None, postcode_note=pc_note,
        bid=bid_figures(t, [lsoa], edition),
    )


# ----------------------------------------------------------------------------- ward / LA profile
def _weighted(t: pd.DataFrame, measure: str) -> dict[str, Any]:
    pop = t["population"].astype(float)
    tot = float(pop.sum())
    dec = t[f"{measure}_decile"].astype(float)
    rank = t[f"{measure}_rank"].astype(float)
    out: dict[str, Any] = {
        "label": get_measure(measure).label,
        "pop_weighted_mean_rank": round(float((rank * pop).sum() / tot)) if tot else None,
        "pct_pop_10pct_most_deprived": round(100 * float(pop[dec <= 1].sum()) / tot, 1) if tot else None,
        "pct_pop_20pct_most_deprived": round(100 * float(pop[dec <= 2].sum()) / tot, 1) if tot else None,
        "lsoas_10pct_most_deprived": int((dec <= 1).sum()),
        "lsoas_20pct_most_deprived": int((dec <= 2).sum()),
        "pct_pop_by_decile": {int(d): round(100 * float(pop[dec == d].sum()) / tot, 1) if tot else None
                              for d in range(1, 11)},
    }
    if f"{measure}_score" in t.columns:
        score = t[f"{measure}_score"].astype(float)
        out["pop_weighted_mean_score"] = round(float((score * pop).sum() / tot), 2) if tot else None
    return out


def _pct_by_decile_from_table(table: pd.DataFrame, measure: str) -> dict[int, float]:
    pop = table["population"].astype(float)
    dec = table[f"{measure}_decile"].astype(float)
    tot = float(pop.sum())
    return {d: round(100 * float(pop[dec == d].sum()) / tot, 1) for d in range(1, 11)}


def england_pct_by_decile(table: pd.DataFrame, measure: str = "imd") -> dict[int, float] | None:
    """Share of England's residents (%) living in each national decile of ``measure``.

    Computed over ``table`` when it is national; for a regional table (the demo) taken from its
    England reference, and ``None`` when the reference does not have ``measure``.
    """
    if is_national(table):
        return _pct_by_decile_from_table(table, measure)
    ref = reference_figure(table, "pct_by_decile", measure)
    if not isinstance(ref, dict) or set(ref) != {str(d) for d in range(1, 11)}:
        return None
    return {d: float(ref[str(d)]) for d in range(1, 11)}


def england_reference(table: pd.DataFrame, edition: Edition) -> dict[str, Any]:
    """England's profile figures, worked out from the national ``table`` of ``edition`` for a
    regional extract to carry (``tools/build_demo.py`` stores them in the demo's manifest).

    Keys: ``profile`` (``idaci_published_pct``, ``idaopi_published_pct``: England's rates by
    :func:`england_rates`, ``None`` when the full data has no published rates or denominators;
    ``age_bands_pct``, ``ethnicity_pct``) and
    ``pct_by_decile`` (every measure with a decile column; deciles as ``"1"`` … ``"10"``). Made by
    the functions the profile itself uses, so the demo shows the same numbers as the full data.

    Raises
    ------
    ValueError
        ``table`` is not national.
    """
    require_national(table)
    rates = england_rates(table, edition)
    measures = [c.removesuffix("_decile") for c in table.columns if str(c).endswith("_decile")]
    return {
        "profile": {"idaci_published_pct": rates["idaci"], "idaopi_published_pct": rates["idaopi"],
                    "age_bands_pct": _england_age_from_data(edition),
                    "ethnicity_pct": _england_ethnicity_from_data()},
        "pct_by_decile": {m: {str(d): v for d, v in _pct_by_decile_from_table(table, m).items()}
                          for m in measures},
    }


def _area_summary(prof_name: str, kind: str, lad: str, edition: Edition, n: int, pop: int | None,
                  imd: dict[str, Any], idaci: Rate) -> str:
    where = f"{prof_name} ward ({lad})" if kind == "ward" else prof_name
    s10, s20 = imd["pct_pop_10pct_most_deprived"], imd["pct_pop_20pct_most_deprived"]
    text = (f"{where} has {n} neighbourhoods (LSOAs) and about {_fmt(pop)} residents. On the Index "
            f"of Multiple Deprivation {edition}, {s10:.0f}% of its residents live in neighbourhoods "
            f"among the 10% most deprived in England, and {s20:.0f}% in the 20% most deprived "
            f"({imd['lsoas_10pct_most_deprived']} and {imd['lsoas_20pct_most_deprived']} of its "
            f"{n} LSOAs). Its population-weighted average IMD rank is {imd['pop_weighted_mean_rank']:,} "
            f"of {england_lsoa_count(edition):,} (1 = most deprived).")
    sentence = _rate_sentence(idaci, edition)
    if sentence:
        text += f" {sentence}"
    return text + f" Source: English Indices of Deprivation {edition}, MHCLG."


def _find_area(text: str, table: pd.DataFrame) -> areas.Area:
    """:func:`needsmap.areas.find_area`, also taking ``"Ward name, Local authority"``."""
    if "," in text:
        name, lad = (x.strip() for x in text.split(",", 1))
        within = table.loc[table["lad_name"].str.lower() == lad.lower()]
        if within.empty:
            raise ValidationError(f"no local authority called {lad!r}")
        hits = within.loc[within["ward_name"].str.lower() == name.lower()]
        if hits.empty:
            raise ValidationError(f"no ward called {name!r} in {lad}")
        return areas.Area("ward", str(hits["ward_code"].iloc[0]), str(hits["ward_name"].iloc[0]))
    try:
        return areas.find_area(text, table)
    except ValidationError as exc:
        if "several wards" in str(exc):
            raise ValidationError(f"{exc}, or write \"{text.strip()}, Local authority\"") from None
        raise


def area_profile(text: str, *, edition: Edition, table: pd.DataFrame | None = None,
                 orgs: pd.DataFrame | None = None, radius_m: float = 1000,
                 boundaries: Any = None) -> AreaProfile:
    """Population-weighted profile of a ward or local authority, with the list of its LSOAs.

    Parameters
    ----------
    text
        A ward or local authority code or name (``E05011158``, ``Birmingham``); a ward name shared
        by several wards takes its local authority after a comma (``Northfield, Birmingham``).
    edition
        IMD edition; wards and local authorities are the 2024 ones for both editions (an LSOA 2011
        belongs to the ward of its best-fit LSOA 2021).

    Raises
    ------
    ValidationError
        Unknown name, an ambiguous ward name, or an area that is not a ward or local authority.
    """
    t = table if table is not None else load_lsoa_table(edition)
    area = _find_area(text, t)
    if area.level not in ("ward", "lad"):
        raise ValidationError(f"{area.label} is not a ward or local authority: profiles cover an "
                              "LSOA, a ward or a local authority (use the Explore page for regions)")
    sel = areas.select(t, area)
    codes = sel.index.astype(str).tolist()
    pop = sel["population"].astype(float)
    imd = _weighted(sel, "imd")
    domains = {d: _weighted(sel, d) for d in DOMAIN_IDS}
    subdomains = {d: _weighted(sel, d) for d in SUBDOMAIN_IDS if f"{d}_rank" in sel.columns}
    ages = age_table(edition).reindex(codes).sum()
    age = _age_summary(ages, edition=edition)
    age["england_bands_pct"] = england_age_pct(t, edition)
    idaci, idaopi = income_deprivation_rates(t, codes, edition)
    eth_england = england_ethnicity_pct(t)
    if edition == "2025":
        eth = _ethnicity(codes, england=eth_england)
    else:
        codes21 = counterparts(codes, to="lsoa21")
        eth = _ethnicity(codes21, "Census 2021 figures for the LSOA 2021 areas these LSOA 2011 became.",
                         england=eth_england)
    extra = _extras(t, codes, weights=pop)
    cols = ["lsoa_name", "population", "imd_rank", "imd_decile"] + [f"{d}_decile" for d in DOMAIN_IDS]
    lsoas = (sel[cols].sort_values("imd_rank").reset_index().rename(columns={"index": "lsoa_code"}))
    lsoa_list = [_jsonable({k: (None if pd.isna(v) else v) for k, v in r.items()})
                 for r in lsoas.to_dict("records")]
    org = (orgs_near(orgs, codes, edition=edition, radius_m=radius_m, boundaries=boundaries)
           if orgs is not None else None)
    lad = str(sel["lad_name"].iloc[0])
    total_pop = _int(pop.sum())
    summary = _area_summary(area.name, area.level, lad, edition, len(codes), total_pop, imd, idaci)
    sources = [f"imd{edition}", f"imd{edition}_subdomains", f"imd{edition}_indicators",
               "population2020", "census2021_ethnicity", "lsoa21_ward24_lookup",
               "lsoa11_lsoa21_lookup", *_extra_sources(extra)]
    return AreaProfile(
        kind=area.level, code=area.code, name=area.name, edition=edition,
        vintage=_VINTAGE_LABEL[edition], local_authority=lad, region=str(sel["region_name"].iloc[0]),
        total_lsoas=england_lsoa_count(edition), n_lsoas=len(codes), population=total_pop,
        population_source=("ONS mid-2020 population estimates" if edition == "2019"
                           else "Census 2021 usual residents"),
        imd=imd, domains=domains, subdomains=subdomains, age_profile=age, idaci=idaci,
        idaopi=idaopi, ethnicity=eth, extra=extra, lsoas=lsoa_list, orgs=org, summary=summary,
        sources=list(dict.fromkeys(sources + ["census2021_qualifications"])),
        bid=bid_figures(t, codes, edition),
    )
