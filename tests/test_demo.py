"""The embedded West Midlands demo: its manifest, size, exact England ranks, the app and its rebuild.

These run against the demo explicitly (``NEEDSMAP_DEMO=1``), with or without the full data beside
the checkout; comparisons with the full data are skipped when it is not there.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyarrow.parquet as pq
import pytest

from needsmap.config import DEMO_DIR, MANIFEST_NAME, SHARED_DATA_DIR
from needsmap.data.catalog import CATALOG
from needsmap.data.manifest import sha256_file
from needsmap.types import ENGLAND_LSOA11, ENGLAND_LSOA21
from needsmap.ui.demo import BANNER
from tests.conftest import DEMO_SKIP_REASON, ROOT, open_app

pytestmark = pytest.mark.demo

LIMIT_BYTES = 5_000_000  # "at most 5 MB in the repository", read as decimal megabytes
POSTCODE = "B31 2LB"
#: datasets the demo must not carry: licence not confirmed, or not in the region
LEFT_OUT = ("cni2023", "cni2019_wards", "orgs_charities_trafford", "orgs_trafford_grants")
PAGES = ("app_pages/organisations.py", "app_pages/gaps.py", "app_pages/profile.py",
         "app_pages/portfolio.py", "app_pages/change.py", "app_pages/sources.py")


def _manifest() -> dict:
    return json.loads((DEMO_DIR / MANIFEST_NAME).read_text(encoding="utf-8"))


def _full_data() -> Path | None:
    """The full data folder when one is at hand (``NEEDSMAP_DATA_DIR`` or ``../shared/data``)."""
    env = os.environ.get("NEEDSMAP_DATA_DIR")
    for folder in ([Path(env)] if env else []) + [SHARED_DATA_DIR]:
        if (folder / "imd" / "imd2025_lsoa21.csv").exists() and folder.resolve() != DEMO_DIR:
            return folder
    return None


def _need_full_data() -> Path:
    folder = _full_data()
    if folder is None:
        pytest.skip(DEMO_SKIP_REASON)  # the one reason every full-data test gives
    return folder


@pytest.fixture()
def demo_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run needsmap on the embedded demo with a fresh cache; returns the cache folder."""
    monkeypatch.setenv("NEEDSMAP_DEMO", "1")
    monkeypatch.setenv("NEEDSMAP_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


# ----------------------------------------------------------------------------- the files
def test_manifest_records_every_file_with_its_sha256_and_rows() -> None:
    m = _manifest()
    assert m["manifest_version"] == 1
    assert m["demo"]["name"] == "West Midlands" and m["demo"]["region24_code"] == "E12000005"
    assert m["demo"]["built_from"] and m["demo"]["built_at"]
    recorded = set()
    for ds_id, e in m["datasets"].items():
        assert ds_id in CATALOG, ds_id
        assert set(e) == {"file", "sha256", "rows", "scope", "source", "converter_version"}, ds_id
        assert e["scope"] in ("England", "Great Britain", "West Midlands") and e["source"] == "demo extract"
        path = DEMO_DIR / e["file"]
        assert path.exists(), e["file"]
        assert sha256_file(path) == e["sha256"], f"{e['file']} changed since it was built"
        # the file a loader opens for this dataset (a CSV dataset may be a parquet twin)
        assert Path(CATALOG[ds_id].file).with_suffix("") == Path(e["file"]).with_suffix("")
        if path.suffix == ".parquet":
            rows = pq.read_metadata(path).num_rows
        else:
            rows = len(pd.read_csv(path, dtype=str, keep_default_na=False))
        assert rows == e["rows"], e["file"]
        recorded.add(e["file"])
    on_disk = {p.relative_to(DEMO_DIR).as_posix() for p in DEMO_DIR.rglob("*") if p.is_file()}
    assert on_disk - recorded == {MANIFEST_NAME, "README.md"}, "files the manifest does not know"
    assert not set(LEFT_OUT) & set(m["datasets"]), "a layer without a confirmed open licence"


def test_demo_is_at_most_5_mb() -> None:
    total = sum(p.stat().st_size for p in DEMO_DIR.rglob("*") if p.is_file())
    assert total <= LIMIT_BYTES, f"the demo is {total:,} bytes"


def test_england_imd_tables_are_whole_and_the_rest_is_the_region() -> None:
    m = _manifest()["datasets"]
    assert m["imd2019"]["scope"] == m["imd2025"]["scope"] == "England"
    imd19 = pd.read_parquet(DEMO_DIR / m["imd2019"]["file"], columns=["lsoa11_code"])
    imd25 = pd.read_parquet(DEMO_DIR / m["imd2025"]["file"], columns=["lsoa21_code"])
    assert imd19["lsoa11_code"].nunique() == ENGLAND_LSOA11
    assert imd25["lsoa21_code"].nunique() == ENGLAND_LSOA21
    wards = pd.read_parquet(DEMO_DIR / m["lsoa21_ward24_lookup"]["file"])
    regions = pd.read_parquet(DEMO_DIR / m["ltla24_region24_lookup"]["file"])
    assert set(regions["region24_code"]) == {"E12000005"}
    assert set(wards["ltla24_code"]) == set(regions["ltla24_code"])
    assert "E08000025" in set(wards["ltla24_code"])  # Birmingham, the default area
    b21 = gpd.read_parquet(DEMO_DIR / m["lsoa21_boundaries"]["file"])
    assert set(b21["lsoa21_code"]) == set(wards["lsoa21_code"])


def test_readme_cites_every_dataset_and_the_attribution_statements() -> None:
    text = (DEMO_DIR / "README.md").read_text(encoding="utf-8")
    for statement in ("Contains OS data © Crown copyright and database right",
                      "Contains Royal Mail data © Royal Mail copyright and database right",
                      "Open Government Licence", "CC BY 4.0", "Give Food", "Libraries Hacked"):
        assert statement in text, statement
    for e in _manifest()["datasets"].values():
        assert f"`{e['file']}`" in text


# ----------------------------------------------------------------------------- exact England figures
def _expected_from_raw(full: Path, edition: str) -> dict[str, dict[str, int]]:
    """IMD and health rank/decile of the postcode's LSOA, read from the raw shared files.

    The postcode's centroid (NSPL) is put in an LSOA polygon with a plain geopandas join, then its
    row is read from the publisher's CSV: none of needsmap's own code is used.
    """
    vintage = "lsoa11" if edition == "2019" else "lsoa21"
    nspl = pd.read_parquet(full / "postcodes" / "nspl_2025_05_postcode_centroids.parquet")
    row = nspl.loc[nspl["postcode"].str.replace(" ", "") == POSTCODE.replace(" ", "")]
    point = gpd.GeoDataFrame(geometry=gpd.points_from_xy(row["lon"], row["lat"]), crs=4326)
    polys = gpd.read_parquet(full / "geography" / f"{vintage}_boundaries.parquet")
    code = gpd.sjoin(point, polys, predicate="within")[f"{vintage}_code"].item()
    name = "imd2019_lsoa11.csv" if edition == "2019" else "imd2025_lsoa21.csv"
    raw = pd.read_csv(full / "imd" / name).set_index(f"{vintage}_code").loc[code]
    return {"lsoa_code": code,
            "imd": {"rank": int(raw["IMD_rank"]), "decile": int(raw["IMD_decile"])},
            "health": {"rank": int(raw["Health_rank"]), "decile": int(raw["Health_decile"])}}


@pytest.mark.parametrize("edition", ["2019", "2025"])
def test_postcode_profile_gives_the_full_data_ranks(edition: str, demo_env: Path) -> None:
    full = _need_full_data()
    want = _expected_from_raw(full, edition)
    # a separate process: in-process caches (the postcode lookup) may hold the full data already
    proc = subprocess.run(
        [sys.executable, "-m", "needsmap.cli", "profile", "--postcode", POSTCODE,
         "--edition", edition, "--format", "json"],
        capture_output=True, text=True, timeout=300, cwd=ROOT, env=dict(os.environ),
    )
    assert proc.returncode == 0, proc.stderr
    got = json.loads(proc.stdout)
    assert got["lsoa_code"] == want["lsoa_code"]
    assert {k: got["imd"][k] for k in ("rank", "decile")} == want["imd"]
    assert {k: got["domains"]["health"][k] for k in ("rank", "decile")} == want["health"]
    assert got["total_lsoas"] == (ENGLAND_LSOA11 if edition == "2019" else ENGLAND_LSOA21)


#: prints, as JSON, every England figure the profile of POSTCODE and the portfolio of the food banks
#: give (both editions, both ward methods), plus the organisations' ward figure; run in a fresh
#: process per data folder (the postcode lookup and other caches live in the process)
_ENGLAND_FIGURES = f"""
import json, sys
from needsmap import data
from needsmap.analysis import portfolio as pf, profile as pr
from needsmap.orgs import load_default_layer

out = {{}}
for edition in ("2019", "2025"):
    table = data.load_lsoa_table(edition)
    p = pr.lsoa_profile(postcode={POSTCODE!r}, edition=edition, table=table)
    fig = {{"scope": table.attrs.get("scope"), "lsoa": p.lsoa_code,
            "idaci": p.idaci.england_pct, "idaopi": p.idaopi.england_pct,
            "ages": p.age_profile["england_bands_pct"], "ethnic": p.ethnicity["england_pct"],
            "by_decile": pr.england_pct_by_decile(table)}}
    region = table.index[table["region_name"] == "West Midlands"]
    orgs = load_default_layer("foodbanks").table
    for method in pf.WARD_METHODS:
        r = pf.portfolio_summary(orgs, table, edition=edition, ward_method=method,
                                 children=pf.load_children_0_15(edition),
                                 within=region, within_label="West Midlands")
        fig["portfolio_" + method] = r.to_dict()["england"]
        fig["orgs_in_wards_" + method] = r.pct_orgs_in_50pct_most_deprived_wards
    out[edition] = fig
json.dump(out, sys.stdout)
"""


def _england_figures(env: dict[str, str]) -> dict:
    proc = subprocess.run([sys.executable, "-c", _ENGLAND_FIGURES], capture_output=True, text=True,
                          timeout=600, cwd=ROOT, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)


@pytest.mark.slow
def test_england_figures_are_the_full_datas(tmp_path: Path) -> None:
    """Every England figure of the profile (B31 2LB) and of the food banks' portfolio, both
    editions, is the full data's in the demo, and so is the organisations' share in England's 50%
    most deprived wards (the demo's food banks are the full list's West Midlands ones)."""
    full = _need_full_data()
    base = {k: v for k, v in os.environ.items() if k not in ("NEEDSMAP_DEMO", "NEEDSMAP_DATA_DIR")}
    demo = _england_figures({**base, "NEEDSMAP_DEMO": "1",
                             "NEEDSMAP_CACHE_DIR": str(tmp_path / "demo_cache")})
    whole = _england_figures({**base, "NEEDSMAP_DATA_DIR": str(full),
                              "NEEDSMAP_CACHE_DIR": str(tmp_path / "full_cache")})
    for edition in ("2019", "2025"):
        d, f = demo[edition], whole[edition]
        assert (d["scope"], f["scope"]) == ("West Midlands", "England")
        d.pop("scope"), f.pop("scope")
        for key in f:
            assert d[key] == f[key], (edition, key)
        # every figure is given, except the income-deprivation rates: the staged IMD tables carry
        # no published rates, and a rate over another year's population is never printed
        assert [k for k in f if f[k] is None] == ["idaci", "idaopi"], edition
        # spot checks against figures the full data gives (the demo used to show the region's)
        assert f["portfolio_average"]["pct_lsoas_in_20pct_most_deprived"] == pytest.approx(20, abs=0.01)
        assert f["portfolio_average"]["wards"] > 6000
    assert demo["2025"]["idaci"] is None and demo["2019"]["idaci"] is None
    assert demo["2025"]["ethnic"]["White"] == pytest.approx(81.0)


def test_the_reference_is_in_the_manifest_and_reaches_the_table(demo_env: Path) -> None:
    """Without the full data: the manifest carries England's figures and the loader passes them on."""
    from needsmap import data
    from needsmap.analysis import portfolio as pf
    from needsmap.analysis import profile as pr

    ref = _manifest()["england_reference"]
    for edition, n in (("2019", ENGLAND_LSOA11), ("2025", ENGLAND_LSOA21)):
        block = ref[edition]
        assert block["portfolio"]["average"]["lsoas"] == n
        assert block["wards"]["average"]["n"] > 6000
        assert not any(c.startswith("cni") for c in block["value_cutoffs"])  # licence not confirmed
        table = data.load_lsoa_table(edition)  # type: ignore[arg-type]
        assert table.attrs["scope"] == "West Midlands"
        assert table.attrs["england_reference"] == block
        # a selection keeps them, and England's figures are not the region's
        brum = table.loc[table["lad_name"] == "Birmingham"]
        assert brum.attrs["scope"] == "West Midlands"
        assert pr.england_pct_by_decile(brum) == {int(k): v for k, v in
                                                  block["pct_by_decile"]["imd"].items()}
        ranking = pf.ward_ranking(table)
        assert ranking["ward_rank"].notna().all() and ranking["ward_rank"].max() > len(ranking)


def test_without_the_reference_england_figures_are_missing_not_wrong(table25: pd.DataFrame) -> None:
    """A regional table that lacks England's figures shows none, never the region's own."""
    from needsmap.analysis import portfolio as pf
    from needsmap.analysis import profile as pr
    from needsmap.analysis.summary import summarise, summary_sentence
    from needsmap.report import _content as content
    from needsmap.report.markdown import profile_markdown

    region = table25.copy()
    region.attrs = {"scope": "West Midlands"}  # no england_reference
    code = str(region.index[region["lad_name"] == "Birmingham"][0])
    p = pr.lsoa_profile(code, edition="2025", table=region)
    assert p.idaci.england_pct is None and p.idaopi.england_pct is None
    assert p.age_profile["england_bands_pct"] is None
    assert p.ethnicity is not None and p.ethnicity["england_pct"] is None
    assert "England:" not in p.summary
    md = profile_markdown(p)
    assert "None" not in md and pr.NOT_IN_DEMO in md
    assert content.england_missing(p)
    assert pr.england_pct_by_decile(region) is None
    a = pr.area_profile("Birmingham", edition="2025", table=region)
    assert "None" not in profile_markdown(a) and "England:" not in a.summary
    r = pf.portfolio_summary(pd.DataFrame({"lsoa21_code": [code, "E01999999"]}), region,
                             edition="2025")
    assert all(v is None for k, v in r.england.items() if k not in ("children_lsoas_used",))
    assert r.pct_orgs_in_50pct_most_deprived_wards is None
    assert "E01999999 is not an LSOA of the West Midlands" in next(iter(r.unplaced_reasons))
    text = " ".join(r.sentences())
    assert "None" not in text and "n/a" not in text and pf.NOT_IN_DEMO in text
    assert r.figures_table()["comparison"].str.contains("not in the demo").all()
    s = summarise(region.loc[region["lad_name"] == "Birmingham"], "at_risk_jobs_pct",
                  edition="2025", national=region)
    assert s.lsoas_10 is None and "not in the demo" in summary_sentence(s, "Birmingham")


# ----------------------------------------------------------------------------- the dashboard
def test_explore_page_runs_on_the_demo_with_the_banner(demo_env: Path) -> None:
    at = open_app()
    assert not at.error, [e.value for e in at.error]
    assert any(BANNER in str(i.value) for i in at.info), "no demo banner"
    text = " ".join(str(m.value) for m in at.markdown)
    assert "Birmingham has 659 neighbourhoods" in text
    assert len(at.get("component_instance")) == 1, "no map"
    for page in PAGES:  # the router shows the banner above every page
        at.switch_page(page).run()
        assert not at.exception, (page, [e.value for e in at.exception])
        assert any(BANNER in str(i.value) for i in at.info), f"no demo banner on {page}"


# ----------------------------------------------------------------------------- reproducible build
def _writer(path: Path) -> str:
    return str(pq.read_metadata(path).created_by)


@pytest.mark.slow
def test_build_script_reproduces_the_shipped_files(tmp_path: Path) -> None:
    full = SHARED_DATA_DIR  # the demo is built from this repository's own data folder
    if not (full / "imd").is_dir():
        pytest.skip(DEMO_SKIP_REASON)
    target = tmp_path / "demo_data"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "build_demo.py"), "--from", str(full), "--to",
         str(target)], capture_output=True, text=True, timeout=900, cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    rebuilt_manifest = json.loads((target / MANIFEST_NAME).read_text(encoding="utf-8"))
    assert rebuilt_manifest["england_reference"] == _manifest()["england_reference"]
    shipped = _manifest()["datasets"]
    rebuilt = rebuilt_manifest["datasets"]
    assert list(rebuilt) == list(shipped)
    for ds_id, e in shipped.items():
        r = rebuilt[ds_id]
        assert (r["file"], r["rows"], r["scope"]) == (e["file"], e["rows"], e["scope"]), ds_id
        new, old = target / r["file"], DEMO_DIR / e["file"]
        if r["sha256"] == e["sha256"]:
            continue
        # another pyarrow writes other bytes for the same table; then the content must agree
        assert new.suffix == ".parquet" and _writer(new) != _writer(old), (
            f"{e['file']} differs from a rebuild: run tools/build_demo.py and commit the result")
        assert pq.read_table(new).equals(pq.read_table(old)), f"{e['file']}: content differs"


def test_a_place_outside_the_demo_says_the_demo_covers_the_west_midlands_only(
        demo_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from needsmap.cli import main
    from needsmap.config import DEMO_HINT

    assert main(["profile", "--postcode", "M1 1AE"]) == 2  # Manchester
    err = capsys.readouterr().err.strip()
    assert err.startswith("needsmap profile: error: postcode 'M1 1AE' could not be placed")
    assert err.endswith(DEMO_HINT) and len(err.splitlines()) == 1
