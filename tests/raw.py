"""The raw data files, read directly with pandas: golden numbers for the tests come from here.

Nothing in this module imports the code under test's readers or tables: each helper reads one file of
the data folder (``../shared/data``, or the folder ``NEEDSMAP_DATA_DIR`` names; see its README) as it
is published, so a figure the app shows can be checked against a value computed independently.
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

import pandas as pd

from needsmap.config import data_dir

BIRMINGHAM = "E08000025"


def path(rel: str) -> Path:
    """``rel`` inside the data folder."""
    return data_dir() / rel


@cache
def _csv(folder: str, rel: str) -> pd.DataFrame:
    path = Path(folder) / rel
    if not path.exists() and path.with_suffix(".parquet").exists():  # the embedded demo's copy
        return pd.read_parquet(path.with_suffix(".parquet"))
    return pd.read_csv(path)


def csv(rel: str) -> pd.DataFrame:
    """The raw table ``rel`` of the data folder (a copy: callers may change it). The embedded demo
    keeps its extract of a CSV as Parquet beside the CSV's name; that is read instead."""
    return _csv(str(data_dir()), rel).copy()


def imd(edition: str) -> pd.DataFrame:
    """IMD file of ``edition`` indexed by LSOA code: ``IMD_rank``, ``IMD_decile``, domains …"""
    if edition == "2019":
        return csv("imd/imd2019_lsoa11.csv").set_index("lsoa11_code")
    return csv("imd/imd2025_lsoa21.csv").set_index("lsoa21_code")


def lsoa21_lookup() -> pd.DataFrame:
    """ONS LSOA 2021 → ward 2024 → local authority 2024, indexed by ``lsoa21_code``."""
    return csv("geography/lsoa21_ward24_ltla24_lookup.csv").set_index("lsoa21_code")


def lad_lsoas(lad_code: str, edition: str) -> set[str]:
    """Codes of the LSOAs of local authority ``lad_code``: LSOA 2021 (2025) or 2011 (2019)."""
    if edition == "2019":
        lk = csv("geography/lsoa11_ltla21_lookup.csv")
        return set(lk.loc[lk["ltla21_code"] == lad_code, "lsoa11_code"])
    lk = csv("geography/lsoa21_ward24_ltla24_lookup.csv")
    return set(lk.loc[lk["ltla24_code"] == lad_code, "lsoa21_code"])


def residents21() -> pd.Series:
    """Census 2021 usual residents per LSOA 2021 (the ethnicity table's ``total_residents``)."""
    eth = csv("population/census2021_ethnicity_lsoa21.csv")
    return eth.drop_duplicates("lsoa21_code").set_index("lsoa21_code")["total_residents"]


def population2020() -> pd.Series:
    """Mid-2020 population per LSOA 2011."""
    return csv("population/population_mid2020_lsoa11.csv").set_index("lsoa11_code")["total_population"]


def change_codes() -> pd.Series:
    """ONS LSOA 2011 → 2021 change code (U, S, M, X) per LSOA 2021 code (first row per code)."""
    lk = csv("geography/lsoa11_lsoa21_ltla22_lookup.csv")
    return lk.drop_duplicates("lsoa21_code").set_index("lsoa21_code")["change_code"]


def read_csv_bytes(data: bytes) -> pd.DataFrame:
    """A downloaded CSV (UTF-8, perhaps with a byte-order mark), every cell as text."""
    return pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str, keep_default_na=False)
