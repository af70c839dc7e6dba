"""Nomis Census 2021 bulk zips (TS021, TS067, TS011) rebuilt from the prepared data.

Each zip holds, at its root as Nomis serves it, ``census2021-tsNNN-lsoa.csv`` (every English LSOA
2021 from the prepared file, plus two Welsh LSOAs with made-up counts that the converter must drop)
beside the ``-ctry.csv`` and ``-ltla.csv`` siblings (sums of the LSOA rows). Headers are the bulk
files' own (docs/publisher-formats.md section (f)); TS011's count columns carry
``; measures: Value``. Detailed TS021 groups, absent from the prepared file, are filled by splitting
each broad group's count evenly (the remainder to the group's last, "Other …" category).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from tests.publisher_fixtures._common import csv_bytes, lsoa21_names, prepared, write_zip

ETHNIC_HEADER = [
    "Ethnic group: Total: All usual residents",
    "Ethnic group: Asian, Asian British or Asian Welsh",
    "Ethnic group: Asian, Asian British or Asian Welsh: Bangladeshi",
    "Ethnic group: Asian, Asian British or Asian Welsh: Chinese",
    "Ethnic group: Asian, Asian British or Asian Welsh: Indian",
    "Ethnic group: Asian, Asian British or Asian Welsh: Pakistani",
    "Ethnic group: Asian, Asian British or Asian Welsh: Other Asian",
    "Ethnic group: Black, Black British, Black Welsh, Caribbean or African",
    "Ethnic group: Black, Black British, Black Welsh, Caribbean or African: African",
    "Ethnic group: Black, Black British, Black Welsh, Caribbean or African: Caribbean",
    "Ethnic group: Black, Black British, Black Welsh, Caribbean or African: Other Black",
    "Ethnic group: Mixed or Multiple ethnic groups",
    "Ethnic group: Mixed or Multiple ethnic groups: White and Asian",
    "Ethnic group: Mixed or Multiple ethnic groups: White and Black African",
    "Ethnic group: Mixed or Multiple ethnic groups: White and Black Caribbean",
    "Ethnic group: Mixed or Multiple ethnic groups: Other Mixed or Multiple ethnic groups",
    "Ethnic group: White",
    "Ethnic group: White: English, Welsh, Scottish, Northern Irish or British",
    "Ethnic group: White: Irish",
    "Ethnic group: White: Gypsy or Irish Traveller",
    "Ethnic group: White: Roma",
    "Ethnic group: White: Other White",
    "Ethnic group: Other ethnic group",
    "Ethnic group: Other ethnic group: Arab",
    "Ethnic group: Other ethnic group: Any other ethnic group",
]

QUALIFICATIONS_HEADER = {
    "residents_16plus": "Highest level of qualification: Total: All usual residents aged 16 years "
                        "and over",
    "no_qualifications": "Highest level of qualification: No qualifications",
    "level1_entry_qualifications": "Highest level of qualification: Level 1 and entry level "
                                   "qualifications",
    "level2_qualifications": "Highest level of qualification: Level 2 qualifications",
    "apprenticeship": "Highest level of qualification: Apprenticeship",
    "level3_qualifications": "Highest level of qualification: Level 3 qualifications",
    "level4_plus_qualifications": "Highest level of qualification: Level 4 qualifications and "
                                  "above",
    "other_qualifications": "Highest level of qualification: Other qualifications",
}

_HD = "Household deprivation: "
_MV = "; measures: Value"
DEPRIVATION_HEADER = {
    "total_households": f"{_HD}Total: All households{_MV}",
    "not_deprived": f"{_HD}Household is not deprived in any dimension{_MV}",
    "deprived_1_dimension": f"{_HD}Household is deprived in one dimension{_MV}",
    "deprived_2_dimensions": f"{_HD}Household is deprived in two dimensions{_MV}",
    "deprived_3_dimensions": f"{_HD}Household is deprived in three dimensions{_MV}",
    "deprived_4_dimensions": f"{_HD}Household is deprived in four dimensions{_MV}",
}

#: made-up Welsh LSOAs (the real bulk files cover England and Wales)
WELSH = (("W01000001", "Isle of Anglesey 007A"), ("W01001958", "Cardiff 032F"))


def _zip(out_dir: Path, table: str, lsoa: pd.DataFrame, names: pd.DataFrame) -> Path:
    """Write ``census2021-<table>.zip`` with the -lsoa member and -ctry/-ltla siblings."""
    counts = [c for c in lsoa.columns if c not in ("date", "geography", "geography code")]
    eng = lsoa[lsoa["geography code"].str.startswith("E")]
    codes = eng[["geography code"]].merge(names, left_on="geography code", right_on="lsoa21_code",
                                          how="left")
    ltla = eng[counts].groupby(codes["ltla24_code"].to_numpy()).sum()
    ltla_names = names.drop_duplicates("ltla24_code").set_index("ltla24_code")["ltla24_name"]
    ltla_out = pd.DataFrame({"date": "2021", "geography": ltla.index.map(ltla_names),
                             "geography code": ltla.index})
    ltla_out = pd.concat([ltla_out, ltla.reset_index(drop=True)], axis=1)
    wales = lsoa[lsoa["geography code"].str.startswith("W")][counts].sum()
    ctry = pd.DataFrame([
        {"date": "2021", "geography": "England", "geography code": "E92000001",
         **eng[counts].sum().to_dict()},
        {"date": "2021", "geography": "Wales", "geography code": "W92000004", **wales.to_dict()},
    ])
    levels = (("ctry", ctry), ("ltla", ltla_out), ("lsoa", lsoa))
    members = [(f"census2021-{table}-{level}.csv", csv_bytes(frame)) for level, frame in levels]
    return write_zip(out_dir / f"census2021-{table}.zip", members)


def _frame(codes: pd.Series, names: pd.DataFrame, values: dict[str, list[int] | pd.Series]
           ) -> pd.DataFrame:
    """Nomis layout: date, geography (name), geography code, then the counts; England and Wales."""
    name = codes.map(names.set_index("lsoa21_code")["lsoa21_name"]).fillna("")
    head = pd.DataFrame({"date": "2021", "geography": name.to_numpy(),
                         "geography code": codes.to_numpy()})
    body = pd.DataFrame({k: pd.Series(v).to_numpy() for k, v in values.items()})
    return pd.concat([head, body], axis=1)


def _with_wales(frame: pd.DataFrame, counts: dict[str, int]) -> pd.DataFrame:
    rows = [{"date": "2021", "geography": name, "geography code": code, **counts}
            for code, name in WELSH]
    return pd.concat([frame, pd.DataFrame(rows)], ignore_index=True)


def build_ts021(shared: Path, out_dir: Path) -> Path:
    """``census2021-ts021.zip`` from ``population/census2021_ethnicity_lsoa21.csv``."""
    long = prepared(shared, "census2021_ethnicity")
    wide = long.pivot(index="lsoa21_code", columns="ethnic_group", values="n").astype(int)
    total = long.groupby("lsoa21_code")["total_residents"].first().astype(int)
    values: dict[str, list[int] | pd.Series] = {ETHNIC_HEADER[0]: total.reindex(wide.index)}
    broad = ""
    subs: list[str] = []

    def flush() -> None:
        n = wide[broad.removeprefix("Ethnic group: ")]
        values[broad] = n
        for i, sub in enumerate(subs):
            share = n // len(subs)
            values[sub] = share + (n - share * len(subs)) * (i == len(subs) - 1)

    for col in ETHNIC_HEADER[1:]:
        if col.count(":") == 1:
            if broad:
                flush()
            broad, subs = col, []
        else:
            subs.append(col)
    flush()
    names = lsoa21_names(shared)
    frame = _frame(pd.Series(wide.index), names, {c: values[c] for c in ETHNIC_HEADER})
    welsh = {c: 0 for c in ETHNIC_HEADER}
    welsh.update({ETHNIC_HEADER[0]: 1500, "Ethnic group: White": 1400,
                  "Ethnic group: White: English, Welsh, Scottish, Northern Irish or British": 1400,
                  "Ethnic group: Asian, Asian British or Asian Welsh": 100,
                  "Ethnic group: Asian, Asian British or Asian Welsh: Other Asian": 100})
    return _zip(out_dir, "ts021", _with_wales(frame, welsh), names)


def _wide_table(shared: Path, out_dir: Path, table: str, dataset_id: str,
                header: dict[str, str]) -> Path:
    counts = prepared(shared, dataset_id)
    names = lsoa21_names(shared)
    frame = _frame(counts["lsoa21_code"], names, {header[c]: counts[c] for c in header})
    welsh = {header[c]: 100 + i for i, c in enumerate(header)}
    welsh[next(iter(header.values()))] = sum(list(welsh.values())[1:])
    return _zip(out_dir, table, _with_wales(frame, welsh), names)


def build_ts067(shared: Path, out_dir: Path) -> Path:
    """``census2021-ts067.zip`` from ``population/census2021_qualifications_lsoa21.csv``."""
    return _wide_table(shared, out_dir, "ts067", "census2021_qualifications",
                       QUALIFICATIONS_HEADER)


def build_ts011(shared: Path, out_dir: Path) -> Path:
    """``census2021-ts011.zip`` from ``population/census2021_household_deprivation_lsoa21.csv``."""
    return _wide_table(shared, out_dir, "ts011", "census2021_household_deprivation",
                       DEPRIVATION_HEADER)


BUILDERS: dict[str, Callable[[Path, Path], Path]] = {
    "census2021_ts021": build_ts021,
    "census2021_ts067": build_ts067,
    "census2021_ts011": build_ts011,
}
PARTIAL: dict[str, str] = {}
