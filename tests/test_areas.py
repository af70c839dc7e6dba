"""Area selection: codes, names, levels and filtering."""

from __future__ import annotations

import pandas as pd
import pytest

from needsmap import areas
from needsmap.errors import ValidationError

pytestmark = pytest.mark.demo


@pytest.mark.parametrize(
    ("text", "level", "name"),
    [("Birmingham", "lad", "Birmingham"), ("E08000025", "lad", "Birmingham"),
     ("west midlands", "region", "West Midlands"), ("England", "england", "England"),
     ("E12000005", "region", "West Midlands")],
)
def test_find_area(text: str, level: str, name: str, geo25: pd.DataFrame) -> None:
    a = areas.find_area(text, geo25)
    assert a.level == level and a.name == name


def test_find_area_unknown(geo25: pd.DataFrame) -> None:
    with pytest.raises(ValidationError, match="Atlantis"):
        areas.find_area("Atlantis", geo25)


def test_select_ward(geo25: pd.DataFrame) -> None:
    ward_code = geo25.loc[geo25["lad_name"] == "Birmingham", "ward_code"].iloc[0]
    a = areas.area_from_code(ward_code, geo25)
    rows = areas.select(geo25, a)
    assert len(rows) > 0 and (rows["lad_name"] == "Birmingham").all()


def test_options_within_region(geo25: pd.DataFrame) -> None:
    wm = areas.find_area("West Midlands", geo25)
    opts = areas.options(geo25, "lad", within=wm)
    assert "Birmingham" in set(opts["name"]) and "Leeds" not in set(opts["name"])


def test_bad_code() -> None:
    with pytest.raises(ValidationError):
        areas.level_of("X123")
