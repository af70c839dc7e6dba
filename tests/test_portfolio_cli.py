"""``needsmap portfolio``: JSON figures (checked against the real IMD file), --out, --pdf, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from pypdf import PdfReader

from needsmap.cli import main
from needsmap.config import data_dir

REQUIRED = ("organisations_placed", "organisations_unplaced", "orgs_by_decile",
            "pct_orgs_in_10pct_most_deprived", "pct_orgs_in_20pct_most_deprived",
            "pct_orgs_in_40pct_most_deprived", "pct_orgs_in_50pct_most_deprived",
            "pct_served_population_in_20pct_most_deprived", "pct_orgs_in_50pct_most_deprived_wards",
            "children_income_deprived_pct", "at_risk_jobs_mean_pct", "england", "sentences")


@pytest.fixture(scope="module")
def imd19() -> pd.DataFrame:
    return pd.read_csv(data_dir() / "imd" / "imd2019_lsoa11.csv").set_index("lsoa11_code")


@pytest.fixture()
def orgs_csv(tmp_path: Path, imd19: pd.DataFrame) -> tuple[Path, list[str]]:
    """A small list of organisations already carrying real LSOA 2011 codes, plus one blank."""
    codes = list(imd19.index[5::700])
    path = tmp_path / "grantees.csv"
    pd.DataFrame({"org_name": [f"Grantee {i}" for i in range(len(codes) + 1)],
                  "lsoa11_code": [*codes, ""]}).to_csv(path, index=False)
    return path, codes


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["portfolio", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_json_figures_match_independent_count(orgs_csv: tuple[Path, list[str]], imd19: pd.DataFrame,
                                              capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path, codes = orgs_csv
    out_json = tmp_path / "portfolio.json"
    code, out, _ = _run(capsys, "--orgs", str(path), "--edition", "2019", "--out", str(out_json))
    assert code == 0
    got = json.loads(out)
    assert json.loads(out_json.read_text()) == got
    for key in REQUIRED:
        assert key in got
    dec = imd19.loc[codes, "IMD_decile"].astype(int)
    assert got["organisations_placed"] == len(codes)
    assert got["organisations_unplaced"] == 1
    assert got["orgs_by_decile"] == {str(d): int((dec == d).sum()) for d in range(1, 11)}
    for p in (10, 20, 40, 50):
        assert got[f"pct_orgs_in_{p}pct_most_deprived"] == pytest.approx(
            100 * (dec <= p // 10).mean(), abs=0.01)
    assert got["edition"] == "2019"
    assert got["england"]["pct_lsoas_in_20pct_most_deprived"] == pytest.approx(20, abs=0.1)


def test_radius_and_pdf(orgs_csv: tuple[Path, list[str]], capsys: pytest.CaptureFixture[str],
                        tmp_path: Path, artifacts: Path) -> None:
    path, codes = orgs_csv
    pdf = tmp_path / "portfolio.pdf"
    code, out, err = _run(capsys, "--orgs", str(path), "--edition", "2019", "--radius-km", "2",
                          "--pdf", str(pdf))
    assert code == 0, err
    got = json.loads(out)
    assert got["radius_km"] == 2
    assert got["lsoas_served"] > len(set(codes))
    text = "\n".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert "Portfolio summary: grantees.csv" in text
    assert f"{got['pct_orgs_in_20pct_most_deprived']:.1f}%" in text
    assert "Sources and licences" in text
    (artifacts / "portfolio_cli.pdf").write_bytes(pdf.read_bytes())


@pytest.mark.demo
def test_bad_input_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = _run(capsys, "--orgs", str(tmp_path / "missing.csv"))
    assert code == 2 and "not found" in err
    code, _, err = _run(capsys, "--orgs", "default:nonsense")
    assert code == 2 and "nonsense" in err
    code, _, err = _run(capsys, "--orgs", str(tmp_path / "missing.csv"), "--radius-km", "-1")
    assert code == 2


def test_default_foodbanks_layer(capsys: pytest.CaptureFixture[str]) -> None:
    orgs = pytest.importorskip("needsmap.orgs")
    if not hasattr(orgs, "load_default_layer"):
        pytest.skip("default layers not available yet")
    code, out, err = _run(capsys, "--orgs", "default:foodbanks", "--edition", "2025")
    assert code == 0, err
    got = json.loads(out)
    assert got["organisations_placed"] > 500
    assert sum(got["orgs_by_decile"].values()) == got["organisations_placed"]
    assert got["organisations_placed"] + got["organisations_unplaced"] + got["organisations_excluded"] == got["organisations_total"]
    code, out, err = _run(capsys, "--orgs", "default:foodbanks", "--area", "Birmingham")
    assert code == 0, err
    brum = json.loads(out)
    assert brum["area"] == "Birmingham" and brum["organisations_source"].endswith("in Birmingham")
    assert 5 <= brum["organisations_placed"] <= 30
    assert brum["excluded_reasons"]["outside Birmingham"] > 500
