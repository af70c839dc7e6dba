"""``needsmap gaps`` on real data: a small messy file, a default layer, both editions, clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from needsmap.cli import main

pytestmark = pytest.mark.demo

REQUIRED = ["orgs_in_lsoa", "orgs_within_radius", "nearest_org_km", "population", "orgs_per_1000",
            "imd_decile", "gap_score", "gap_rank", "bivariate_class"]

#: a few real postcodes, messy on purpose: lower case, no space, one bad, one in Smethwick (Sandwell),
#: one formula-looking name
ORGS_CSV = """name,postcode
University Settlement,b15 2tt
"=cmd|' /C calc'!A0",B11BB
Digbeth Hub,B5 4BU
Small Heath Trust,B10 0HJ
Not a place,ZZ99 9ZZ
Smethwick Centre,B66 1AA
"""


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, encoding="utf-8-sig", dtype={"lsoa21_code": str, "lsoa11_code": str})


@pytest.fixture()
def orgs_file(tmp_path: Path) -> Path:
    path = tmp_path / "orgs.csv"
    path.write_text(ORGS_CSV, encoding="utf-8")
    return path


def test_gaps_from_a_small_file(orgs_file: Path, tmp_path: Path, table25: pd.DataFrame,
                                capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "gaps.csv"
    wards = tmp_path / "wards.csv"
    geojson = tmp_path / "gaps.geojson"
    code = main(["gaps", "--area", "Birmingham", "--orgs", str(orgs_file), "--out", str(out),
                 "--wards", str(wards), "--geojson", str(geojson)])
    err = capsys.readouterr().err
    assert code == 0, err
    df = _read(out)
    bham = table25.index[table25["lad_code"] == "E08000025"]
    assert df.columns[0] == "lsoa21_code" and set(df["lsoa21_code"]) == set(bham)
    for col in REQUIRED:
        assert col in df.columns
    assert df["gap_rank"].is_monotonic_increasing and df["gap_rank"].iloc[0] == 1
    # four of the five placeable postcodes are in Birmingham; the Smethwick one still counts nearby
    assert df["orgs_in_lsoa"].sum() == 4
    assert df["orgs_within_radius"].max() >= 2
    assert "5 organisations used (4 in Birmingham)" in err and "1 not placed" in err
    assert "most deprived LSOAs in Birmingham" in err
    assert len(_read(wards)) == table25.loc[bham, "ward_code"].nunique()
    assert len(json.loads(geojson.read_text(encoding="utf-8"))["features"]) == len(bham)


def test_gaps_with_a_default_layer_composite_and_2019(tmp_path: Path, table19: pd.DataFrame,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "gaps19.csv"
    code = main(["gaps", "--area", "E08000025", "--orgs", "default:foodbanks", "--edition", "2019",
                 "--radius-km", "2", "--composite", "income=2,health=1", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 0, err
    df = _read(out)
    assert df.columns[0] == "lsoa11_code"
    assert len(df) == (table19["lad_code"] == "E08000025").sum()
    assert (df["radius_km"] == 2).all() and (df["need_measure"] == "Composite need").all()
    assert "2 × Income deprivation + 1 × Health deprivation and disability" in err
    assert "Food banks (Give Food)" in err
    assert set(df["bivariate_class"]) <= {f"{n}-{c}" for n in (1, 2, 3) for c in (1, 2, 3)}


@pytest.mark.parametrize(("args", "message"), [
    (["--area", "Atlantis"], "no local authority, region or ward called"),
    (["--orgs", "no/such/file.csv"], "not found"),
    (["--orgs", "default:nothing"], "Unknown organisation layer"),
    (["--composite", "income"], "is not ID=WEIGHT"),
    (["--need", "nonsense"], "unknown measure"),
    (["--radius-km", "-1"], "positive number"),
])
def test_gaps_errors_are_one_clear_line(args: list[str], message: str, orgs_file: Path, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    base = {"--area": "Birmingham", "--orgs": str(orgs_file), "--out": str(tmp_path / "x.csv")}
    for flag, value in zip(args[::2], args[1::2], strict=True):
        base[flag] = value
    argv = ["gaps"] + [x for kv in base.items() for x in kv]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("needsmap gaps: error:") and message in err
    assert len(err.strip().splitlines()) == 1
