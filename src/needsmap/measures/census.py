"""Census family: the ethnic make-up of each LSOA 2021 (Census 2021 TS021 broad groups, ONS).

How values reach each neighbourhood is in :data:`HOW`. The broad groups are the publisher's
(:data:`needsmap.data.census_groups.ETHNIC_GROUPS`); :data:`ETHNIC_GROUPS` gives each its short
name, in the order needsmap shows them (White first).
"""

from __future__ import annotations

import pandas as pd

from needsmap.data import census_groups
from needsmap.data.loaders import Provider, read_table
from needsmap.measures._lsoa import empty_part
from needsmap.measures.base import Measure
from needsmap.types import Edition

#: how values reach each neighbourhood (LSOA), for the Data sources page
HOW = ("**Census 2021 ethnicity** is published per LSOA 2021: 2025 edition only (ethnicity cannot be "
       "split onto the 194 merged LSOA 2011s, so it is not given for 2019).",)

#: Census 2021 broad ethnic groups: short name (the group's first word) -> TS021 group name, White first
ETHNIC_GROUPS: dict[str, str] = {
    name.split()[0].rstrip(","): name for name in sorted(census_groups.ETHNIC_GROUPS, key=lambda n: n != "White")
}


def ethnic_column(short: str) -> str:
    """The LSOA table's column of a broad group's share (``"Asian"`` → ``eth_asian_pct``)."""
    return f"eth_{short.lower()}_pct"


def ethnicity_columns(edition: Edition) -> pd.DataFrame:
    """Share of usual residents in each broad ethnic group (Census 2021), 2025 edition only."""
    if edition != "2025":
        return empty_part(edition)
    raw = read_table("census2021_ethnicity")
    wide = raw.pivot_table(index="lsoa21_code", columns="ethnic_group", values="n", aggfunc="sum")
    total = raw.drop_duplicates("lsoa21_code").set_index("lsoa21_code")["total_residents"]
    out = pd.DataFrame(index=pd.Index(wide.index.astype(str), name="lsoa_code"))
    for short, group in ETHNIC_GROUPS.items():
        out[ethnic_column(short)] = (wide[group] / total.reindex(wide.index) * 100).round(2).to_numpy()
    out["eth_minority_pct"] = (100 - out["eth_white_pct"]).round(2)
    return out


# --------------------------------------------------------------------------- measures

ETHNICITY_PROVIDER = Provider("ethnicity", ("census2021_ethnicity",), ethnicity_columns)
_ETH = "Ethnicity (Census 2021)"
_ETH_NOTE = ("Shown for context, not as a measure of need; higher values rank first when it is used "
             "to prioritise.")


def _share_measure(col: str, label: str, desc: str, higher_is_worse: bool) -> Measure:
    return Measure(
        id=col, label=label, group=_ETH, views=("value",), kind="share", provider=ETHNICITY_PROVIDER,
        editions=("2025",), profile=(), datasets=("census2021_ethnicity",), unit="%",
        higher_is_worse=higher_is_worse,
        description=f"Share of usual residents {desc} (Census 2021, TS021 broad groups). " + _ETH_NOTE,
    )


#: the ethnic minority share, then one share per TS021 broad group (by short name), in the
#: publisher's own words: the groups come from :data:`ETHNIC_GROUPS` and nowhere else
MEASURES: tuple[Measure, ...] = (
    _share_measure("eth_minority_pct", "Ethnic minority residents (not White)",
                   "in any ethnic group other than White (100 − White share)", True),
    *(
        _share_measure(ethnic_column(short), group, f'in the group "{group}"',
                       short != "White")
        for short, group in sorted(ETHNIC_GROUPS.items())
    ),
)

__all__ = ["ETHNICITY_PROVIDER", "ETHNIC_GROUPS", "HOW", "MEASURES", "ethnic_column", "ethnicity_columns"]
