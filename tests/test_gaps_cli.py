"""``needsmap gaps`` on real data: a small messy file, a default layer, both editions, clear errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from needsmap.cli import COMMANDS, main
from needsmap.config import PROJECT_ROOT

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
    (["--top", "0"], "--top must be 1 or more"),
    (["--deciles", "0-3"], "must run from 1 to 10"),
    (["--deciles", "two"], "is not LO-HI"),
    (["--category", "Chapel"], "no organisation of Chapel"),
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


def test_gaps_top_category_and_filter(tmp_path: Path, table25: pd.DataFrame,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    """--top sets the headline's N, --category counts one kind of library and names it, --deciles
    and --none-within keep only those LSOAs in the CSV (deciles as in the raw IMD file)."""
    from tests import raw

    out = tmp_path / "gaps.csv"
    code = main(["gaps", "--area", "Birmingham", "--orgs", "default:libraries", "--category",
                 "Static Library", "--top", "20", "--deciles", "1-2", "--none-within", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 0, err
    df = _read(out)
    bham = raw.lad_lsoas(raw.BIRMINGHAM, "2025")
    deciles = raw.imd("2025")["IMD_decile"]
    assert set(df["lsoa21_code"]) <= bham and (deciles.loc[df["lsoa21_code"]] <= 2).all()
    assert (df["orgs_within_radius"] == 0).all() and len(df) > 0
    assert df["gap_rank"].max() <= len(bham)
    assert "of the 20 most deprived LSOAs in Birmingham have no static library within 1 km" in err
    assert (f"{len(df)} of the {len(bham)} LSOAs in Birmingham are in IMD deciles 1–2 and have no static "
            "library within 1 km") in err
    assert f"wrote {len(df)} LSOAs to" in err and "static libraries used" in err


# ----------------------------------------------------------------------------- start-up
#: run `needsmap ARGS…` in a fresh interpreter as the `needsmap` command does; print the exit code, the
#: modules it imported, Arrow's memory pool and, after ``--spy``, the prepared-file cache entries it
#: asked for (``cached(name, …)``; the spy loads pandas first), as JSON on the last line
_PROBE = """
import json, sys
asked = []
if sys.argv[1] == "--spy":
    import needsmap.data._cache as cache
    real = cache.cached
    def spy(name, *args, **kwargs):
        asked.append(name)
        return real(name, *args, **kwargs)
    cache.cached = spy
from needsmap.cli import main
try:
    code = main(sys.argv[2:])
except SystemExit as exc:
    code = exc.code
pool = sys.modules["pyarrow"].default_memory_pool().backend_name if "pyarrow" in sys.modules else None
print("\\n" + json.dumps({"code": code, "modules": sorted(sys.modules), "cached": asked, "pool": pool}))
"""
#: libraries `needsmap gaps` has no use for (scipy: distances are shapely's; streamlit and the
#: charts: the dashboard's), and other commands' modules
NOT_FOR_GAPS = ("scipy", "streamlit", "pydeck", "plotly", "matplotlib", "reportlab",
                "needsmap.cli.profile", "needsmap.cli.portfolio", "needsmap.analysis.profile",
                "needsmap.analysis.portfolio", "needsmap.report", "needsmap.viz", "needsmap.ui")


def _probe(*args: str, spy: bool = False) -> tuple[dict, str]:
    proc = subprocess.run([sys.executable, "-c", _PROBE, "--spy" if spy else "--", *args],
                          capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=300)
    out = proc.stdout.rstrip().rsplit("\n", 1)
    return json.loads(out[-1]), out[0] if len(out) > 1 else ""


def _loaded(modules: list[str], names: tuple[str, ...]) -> list[str]:
    return [m for m in modules if any(m == n or m.startswith(n + ".") for n in names)]


def test_gaps_help_imports_no_heavy_library() -> None:
    """``needsmap gaps --help`` builds only its own parser: complete help, nothing heavy loaded."""
    got, text = _probe("gaps", "--help")
    assert got["code"] == 0
    for option in ("--area", "--orgs", "--sheet", "--radius-km", "--edition", "--need", "--composite",
                   "--basis", "--top", "--category", "--deciles", "--none-within", "--out", "--wards",
                   "--geojson", "orgs_per_1000", "default:libraries"):
        assert option in text, option
    heavy = ("geopandas", "shapely", "pyproj", "pyogrio", "openpyxl", "needsmap.orgs",
             "needsmap.cli.geocode", "needsmap.cli.data", *NOT_FOR_GAPS)
    assert _loaded(got["modules"], heavy) == []


def test_top_level_help_lists_every_command() -> None:
    got, text = _probe("--help")
    assert got["code"] == 0
    for name in COMMANDS:
        assert f"    {name} " in text or f"    {name}\n" in text, name


def test_gaps_run_loads_only_what_it_uses_and_one_vintage(tmp_path: Path) -> None:
    """A 2025 run imports no other command, runs Arrow on the system allocator and never asks for
    LSOA 2011 data (boundaries, reference points, tables): placing points by their coordinates and
    measuring use LSOA 2021 only."""
    orgs = tmp_path / "points.csv"
    orgs.write_text("name,lat,lon\nCentral,52.4797,-1.9026\nDigbeth,52.4752,-1.8839\n"
                    "Smethwick,52.4928,-1.9686\n", encoding="utf-8")
    out = tmp_path / "gaps.csv"
    argv = ["gaps", "--area", "Birmingham", "--orgs", str(orgs), "--out", str(out)]
    got, _ = _probe(*argv)
    assert got["code"] == 0 and out.exists()
    assert _loaded(got["modules"], NOT_FOR_GAPS) == []
    assert got["pool"] == "system"  # Arrow on the C library's allocator: a lower peak
    got, _ = _probe(*argv, spy=True)
    assert got["code"] == 0
    assert {"refpoints_lsoa21", "pairs_lsoa21_1km"} <= set(got["cached"])  # prepared once, cached
    assert [n for n in got["cached"] if "lsoa11" in n or "2019" in n] == []
