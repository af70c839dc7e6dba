"""Community needs family: the Community Needs Index 2023 per LSOA 2021 (OCSI/Local Trust; optional).

How values reach each neighbourhood is in :data:`HOW`. Also the 2019 index's official 'left
behind' wards (:func:`cni2019_wards`), matched to 2024 wards.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from needsmap.data.loaders import Provider, read_table
from needsmap.measures._lsoa import empty_part
from needsmap.measures.base import Measure, ProfileRow
from needsmap.types import ENGLAND_LSOA21, Edition

#: how values reach each neighbourhood (LSOA), for the Data sources page
HOW = ("**Community Needs Index 2023** is published per LSOA 2021: 2025 edition only.",)
#: what this module reads beyond its measures' datasets (:func:`needsmap.uses.dataset_uses`)
DATASET_USES: dict[str, str] = {"cni2019_wards": "2019 'left behind' wards (matched to 2024 wards)"}

#: CNI 2023 source column → our column
CNI_COLUMNS: dict[str, str] = {
    "Community Needs Index 2023 Score": "cni_score",
    "Community Needs Index 2023 Rank": "cni_rank",
    "Civic Assets Domain Score": "cni_civic_assets_score",
    "Connectedness Domain Score": "cni_connectedness_score",
    "Active and Engaged Community Domain Score": "cni_engaged_score",
}

def cni_columns(edition: Edition) -> pd.DataFrame:
    """CNI 2023 score, rank, three domain scores and the left-behind flag (2025 edition only)."""
    if edition != "2025":
        return empty_part(edition)
    raw = read_table("cni2023")
    out = raw.set_index(raw["lsoa21_code"].astype(str))[list(CNI_COLUMNS)].rename(columns=CNI_COLUMNS)
    out.index.name = "lsoa_code"
    out["cni_rank"] = out["cni_rank"].astype("Int64")
    flag = raw["Left Behind Area?"].astype(str).str.strip().str.lower().map({"true": True, "false": False})
    out["left_behind"] = flag.fillna(False).astype(bool).to_numpy()
    return out


def cni2019_wards() -> pd.DataFrame:
    """Community Needs Index 2019 per 2017 ward, with the 225 official 'left behind' wards.

    Wards are 2017 boundaries. ``ward24_code`` is filled where the 2017 code is still in use in 2024
    (ONS gives a ward a new code when its boundary changes, so a kept code means the same ward;
    ``match`` = ``"same code"``), or where a 2024 ward in the same local authority has the same name
    (``"same name"``: the boundary was reviewed and may differ). Others have no 2024 match.

    Returns
    -------
    Frame indexed by ``ward17_code`` with ``ward17_name``, ``lad19_code``, ``lad19_name``,
    ``cni_score``, ``cni_rank`` (1 = highest need of 7,433), domain scores, ``left_behind``,
    ``ward24_code``, ``ward24_name`` and ``match``.
    """
    raw = read_table("cni2019_wards")
    cols = {"ward17_name": "ward17_name", "lad19_code": "lad19_code", "lad19_name": "lad19_name",
            "Community Needs Index score": "cni_score", "Community Needs Index rank": "cni_rank",
            "Civic Assets score": "cni_civic_assets_score", "Connectedness score": "cni_connectedness_score",
            "Engaged community score": "cni_engaged_score"}
    present = {k: v for k, v in cols.items() if k in raw.columns}
    out = raw.set_index(raw["ward17_code"].astype(str))[list(present)].rename(columns=present)
    out.index.name = "ward17_code"
    out["left_behind"] = (raw["Left Behind Area?"].astype(str).str.strip().str.lower() == "true").to_numpy()
    wards = read_table("lsoa21_ward24_lookup").drop_duplicates("ward24_code")
    names24 = wards.set_index("ward24_code")["ward24_name"]
    same = out.index.isin(names24.index)
    key24 = wards.assign(k=wards["ltla24_code"] + "|" + wards["ward24_name"].str.lower().str.strip())
    by_name = key24.drop_duplicates("k").set_index("k")["ward24_code"]
    k17 = out["lad19_code"].astype(str) + "|" + out["ward17_name"].astype(str).str.lower().str.strip()
    named = pd.Series(by_name.reindex(k17).to_numpy(), index=out.index)
    out["ward24_code"] = np.where(same, out.index, named)
    out["ward24_name"] = names24.reindex(out["ward24_code"]).to_numpy()
    out["match"] = np.where(same, "same code", np.where(named.notna(), "same name", "none"))
    return out


# --------------------------------------------------------------------------- measures

CNI_PROVIDER = Provider("cni2023", ("cni2023",), cni_columns)
_CNI = "Community needs"
_CNI_NOTE = ("Optional layer (licence not confirmed): shown only when the file is in the data folder. "
             "Cite: Community Needs Index, OCSI/Local Trust.")

#: the CNI's three domains: our id, label, what a high score means, its profile heading
_CNI_DOMAINS: tuple[tuple[str, str, str, str], ...] = (
    ("cni_civic_assets", "CNI: civic assets",
     "Lack of places to meet: community centres, libraries, pubs, green space, educational and sports "
     "facilities. Higher = fewer assets.", "CNI civic assets score"),
    ("cni_connectedness", "CNI: connectedness",
     "Poor connection to services and the wider economy (transport, digital, jobs). Higher = less "
     "connected.", "CNI connectedness score"),
    ("cni_engaged", "CNI: active and engaged community",
     "Low levels of third-sector activity, civic participation and engagement. Higher = less active.",
     "CNI active and engaged community score"),
)


def _cni_domain(measure_id: str, label: str, what: str, heading: str) -> Measure:
    """The measure of one CNI domain's score (column ``{measure_id}_score``)."""
    return Measure(
        id=measure_id, label=label, group=_CNI, views=("score",), kind="rank-based",
        provider=CNI_PROVIDER, editions=("2025",), datasets=("cni2023",), extra={"optional": "true"},
        description=f"{what} {_CNI_NOTE}", profile=(ProfileRow(f"{measure_id}_score", heading),),
    )


MEASURES: tuple[Measure, ...] = (
    Measure(
        id="cni", label="Community Needs Index 2023", group=_CNI, views=("score", "rank"), kind="rank-based",
        provider=CNI_PROVIDER, editions=("2025",), datasets=("cni2023",), extra={"optional": "true"},
        description=(
            "Social infrastructure need: few civic assets (places to meet), poor connectedness and a "
            "less active and engaged community. Higher score = higher need; rank 1 = highest need of "
            f"{ENGLAND_LSOA21:,} LSOAs. " + _CNI_NOTE),
        profile=(ProfileRow("cni_score", "Community Needs Index 2023 score"),
                 ProfileRow("cni_rank", "CNI 2023 rank (1 = most need)")),
    ),
    *(_cni_domain(*words) for words in _CNI_DOMAINS),
    Measure(
        id="left_behind", label="'Left behind' neighbourhood (CNI 2023)", group=_CNI, views=("value",), kind="flag",
        provider=CNI_PROVIDER, editions=("2025",), datasets=("cni2023",), unit="yes/no",
        extra={"optional": "true"},
        description=(
            "Flag from the data redistributor: in the highest-need tenth on the CNI 2023 and in the most "
            "deprived IMD 2019 decile (checked against the data: it matches IMD 2019, not 2025, for all "
            "but 4 merged or redrawn LSOAs). Not Local Trust's official 2019 list of 225 left-behind "
            "wards. " + _CNI_NOTE),
        profile=(ProfileRow("left_behind", "Left-behind area (CNI 2023)",
                            "LSOAs flagged left-behind (CNI 2023)"),),
    ),
)

__all__ = ["CNI_COLUMNS", "CNI_PROVIDER", "DATASET_USES", "HOW", "MEASURES", "cni2019_wards", "cni_columns"]
