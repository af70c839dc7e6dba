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
    listed = tmp_path / "listed.csv"  # a file that exists: the radius must be what is refused
    listed.write_text("org_name,postcode\nA,B31 2LB\n")
    code, _, err = _run(capsys, "--orgs", str(listed), "--radius-km", "-1")
    assert code == 2 and "--radius-km must be between 0 and 50" in err


def test_default_foodbanks_layer(capsys: pytest.CaptureFixture[str]) -> None:
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


# ----------------------------------------------------------------------------- what the figures rest on
def test_trafford_grants_warn_on_stderr_json_and_pdf(capsys: pytest.CaptureFixture[str],
                                                     tmp_path: Path) -> None:
    raw = pd.read_csv(data_dir() / "organisations" / "trafford_council_grants_360giving.csv")
    has_pc = raw["Recipient Org:Postal Code"].notna()
    n, total = int(has_pc.sum()), len(raw)
    pdf = tmp_path / "trafford.pdf"
    code, out, err = _run(capsys, "--orgs", "default:grants_trafford", "--pdf", str(pdf))
    assert code == 0, err
    got = json.loads(out)
    # every grant counted as a grant: the repeat grants to the same hubs are not dropped
    assert got["organisations_placed"] == n == 11 and got["organisations_excluded"] == 0
    assert got["counting"].startswith(
        f"{total} grants to {raw['Recipient Org:Identifier'].nunique()} recipients; "
        "each grant counts once")
    rests_on = (f"based on {n} of {total} grants (2%): fewer than 30 grants, too few for a share "
                f"to be reliable; {total - n} could not be placed in an LSOA")
    warning_lines = [line for line in err.splitlines() if line.startswith("Warning: ")]
    assert any(rests_on in line for line in warning_lines), err
    assert [f"Warning: {w}" for w in got["warnings"]] == warning_lines
    la = got["area_only"]["local authority"]
    assert la["rows"] == total - n
    assert la["amount"] == pytest.approx(raw.loc[~has_pc, "Amount Awarded"].sum(), abs=0.01)
    assert got["grants"]["amount_total"] == pytest.approx(raw["Amount Awarded"].sum(), abs=0.01)
    assert got["their_area"]["lad_codes"] == ["E08000009"]
    # the PDF carries the same warning, boxed at the top
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(pdf).pages).split())
    assert "Warning: The shares of grants in the most deprived neighbourhoods" in text
    assert rests_on in text
    assert "Grants known only by area" in text


def test_large_placed_list_has_no_warning(orgs_csv: tuple[Path, list[str]],
                                          capsys: pytest.CaptureFixture[str],
                                          tmp_path: Path) -> None:
    path, codes = orgs_csv  # every real code placed: one blank row of len(codes) + 1
    assert len(codes) >= 30
    pdf = tmp_path / "many.pdf"
    code, out, err = _run(capsys, "--orgs", str(path), "--edition", "2019", "--pdf", str(pdf))
    assert code == 0, err
    assert json.loads(out)["warnings"] == []
    assert "Warning" not in err
    text = " ".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert "Warning" not in text


def test_csv_keeps_text_and_rows(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                 imd19: pd.DataFrame) -> None:
    import csv
    import io

    names = ["Tea\r=2+5", "Line\nbreak, with comma", "=HYPERLINK(\"http://x\")", "Plain"]
    codes = list(imd19.index[:4])
    src = tmp_path / "odd.csv"
    pd.DataFrame({"org_name": names, "lsoa11_code": codes}).to_csv(src, index=False,
                                                                   quoting=csv.QUOTE_ALL)
    dest = tmp_path / "rows.csv"
    code, _, err = _run(capsys, "--orgs", str(src), "--edition", "2019", "--csv", str(dest))
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(dest.read_bytes().decode("utf-8-sig"), newline="")))
    assert len(rows) == len(names)  # no row split by a bare carriage return
    assert [r["lsoa_code"] for r in rows] == codes
    for got, want in zip((r["org_name"] for r in rows), names, strict=True):
        assert got.lstrip("'") == want  # a formula is only ever prefixed, never changed
        assert not got.startswith(("=", "+", "-", "@"))
