"""Rural-urban family: the ONS Rural-Urban Classification 2021 of each LSOA (a classification, and a flag).

How values reach each neighbourhood is in :data:`HOW`. The classes and their names have one home,
:data:`needsmap.analysis.rural.RUC_CLASSES`; this module only puts them in the LSOA table.
"""

from __future__ import annotations

import pandas as pd

from needsmap.analysis.rural import RUC_CLASSES, RUC_GROUP, RURAL
from needsmap.data.crosswalk import resolve_codes
from needsmap.data.loaders import Provider, read_table
from needsmap.errors import ValidationError
from needsmap.measures.base import Measure, ProfileRow
from needsmap.types import LSOA_VINTAGE, Edition

#: how values reach each neighbourhood (LSOA), for the Data sources page
HOW = ("**Rural-Urban Classification 2021** (ONS) is published per LSOA 2021: the 2025 edition uses it "
       "directly. For the 2019 edition (LSOA 2011) each LSOA 2011 takes the class of the LSOA 2021 "
       "holding most of its population, through the LSOA 2011→2021 crosswalk: itself when unchanged, "
       "the merged LSOA when it was merged, and for a split or redrawn one the 2021 part with most "
       "residents (Census 2021).",)

#: the LSOA table columns this family adds
RURAL_COLUMNS = ("ruc21_code", "ruc21_name", "urban_rural", "rural")


def _classification() -> pd.DataFrame:
    """The published table indexed by LSOA 2021 code, codes checked against the six classes."""
    raw = read_table("lsoa21_ruc21")
    out = raw.set_index(raw["lsoa21_code"].astype(str))[["ruc21_code", "ruc21_name", "urban_rural"]]
    codes = out["ruc21_code"].astype("string").str.strip()
    unknown = sorted(set(codes.dropna()) - set(RUC_CLASSES))
    if unknown:
        raise ValidationError(
            f"geography/lsoa21_ruc21.csv has class codes that are not RUC 2021 classes: "
            f"{', '.join(unknown[:5])}; expected {', '.join(RUC_CLASSES)}.", dataset="lsoa21_ruc21")
    out = out.assign(ruc21_code=codes)
    out.index.name = "lsoa_code"
    return out


def rural_columns(edition: Edition) -> pd.DataFrame:
    """``ruc21_code``, ``ruc21_name``, ``urban_rural`` (``Urban``/``Rural``) and ``rural`` (True = rural).

    2025: the LSOA 2021's own class. 2019: the class of the LSOA 2021 each LSOA 2011 resolves to
    (:func:`needsmap.data.crosswalk.resolve_codes`: the part with most residents where it was split).

    Raises
    ------
    DataMissingError, ValidationError
        The classification (or, for 2019, the crosswalk) is missing or damaged.
    """
    ruc = _classification()
    if LSOA_VINTAGE[edition] == "lsoa21":
        out = ruc.copy()
    else:
        codes11 = read_table("population2020")["lsoa11_code"].astype(str)
        via = resolve_codes(pd.Series(codes11.to_numpy()), to="lsoa21")["code"]
        out = ruc.reindex(via.astype(object).to_numpy())
        out.index = pd.Index(codes11.to_numpy(), name="lsoa_code")
    out["ruc21_name"] = out["ruc21_code"].map(RUC_CLASSES).fillna(out["ruc21_name"])
    out["urban_rural"] = out["ruc21_code"].map(RUC_GROUP).fillna(out["urban_rural"])
    out["rural"] = out["urban_rural"].eq(RURAL).fillna(False).astype(bool)
    for col in ("ruc21_code", "ruc21_name", "urban_rural"):
        out[col] = out[col].astype(object)
    return out[list(RURAL_COLUMNS)]


# --------------------------------------------------------------------------- measures

RURAL_PROVIDER = Provider("rural_urban", ("lsoa21_ruc21", "lsoa11_lsoa21_lookup", "population2020",
                                          "census2021_ethnicity"), rural_columns)

MEASURES: tuple[Measure, ...] = (
    Measure(
        id="rural", label="Rural neighbourhood (Rural-Urban Classification 2021)", group="Rural and urban",
        views=("value",), kind="flag", provider=RURAL_PROVIDER, datasets=("lsoa21_ruc21",),
        unit="yes/no", short="Rural", heading="Rural", abbrev="Rural", higher_is_worse=True,
        extra={"optional": "true"},
        description=(
            "Yes where ONS classes the LSOA as rural (larger or smaller rural, nearer to or further "
            "from a major town or city) in its Rural-Urban Classification 2021; no where urban. A "
            "description of the place, not a measure of need. The six classes are in the table's "
            "ruc21_code and ruc21_name columns."),
        profile=(ProfileRow("rural", "Rural-Urban Classification 2021",
                            "Rural LSOAs (Rural-Urban Classification 2021)", text_column="ruc21_name"),),
    ),
)

__all__ = ["HOW", "MEASURES", "RURAL_COLUMNS", "RURAL_PROVIDER", "rural_columns"]
