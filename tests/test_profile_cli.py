"""``needsmap profile`` on the real data: JSON fields, Markdown, and a PDF whose text carries the figures."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from needsmap.cli import main
from tests import raw


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    rc = main(["profile", *argv])
    out, err = capsys.readouterr()
    return rc, out, err


@pytest.mark.demo
def test_json_for_e01009219_2019(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = _run(capsys, "--lsoa", "E01009219", "--edition", "2019", "--format", "json")
    assert rc == 0
    d = json.loads(out)
    for key in ("lsoa_code", "lsoa_name", "edition", "local_authority", "ward", "imd", "domains",
                "population", "summary", "total_lsoas", "subdomains", "idaci", "idaopi"):
        assert key in d
    assert d["lsoa_code"] == "E01009219" and d["edition"] == "2019"
    imd = raw.imd("2019")  # the published file
    assert d["imd"]["rank"] == imd.loc["E01009219", "IMD_rank"] and d["imd"]["decile"] == imd.loc["E01009219", "IMD_decile"]
    assert d["domains"]["health"]["rank"] == imd.loc["E01009219", "Health_rank"]
    assert set(d["domains"]) == {"income", "employment", "education", "health", "crime", "housing",
                                 "environment"}
    assert all({"rank", "decile"} <= set(v) for v in d["domains"].values())
    assert d["local_authority"] == "Birmingham" and d["ward"] == "Northfield"
    assert d["population"] == raw.population2020().loc["E01009219"] and d["total_lsoas"] == len(imd)
    assert "most deprived neighbourhoods in England" in d["summary"]
    # IMD 2019 counts are for mid-2015: no mid-2015 ages in the data, so the count and no rate
    assert d["idaci"]["rate_pct"] is None and d["idaci"]["basis"] == "count"
    assert d["idaci"]["numerator"] > 0 and "no published mid-2015" in d["idaci"]["reason"]
    assert "income-deprived families (IMD 2019 count)" in d["summary"]


def test_other_vintage_code_says_it_was_translated(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, err = _run(capsys, "--lsoa", "E01033468", "--edition", "2025")
    assert rc == 0
    d = json.loads(out)
    assert d["translation"]["requested_code"] == "E01033468"
    assert d["lsoa_code"] in ("E01035189", "E01035190")
    assert "split" in d["translation"]["note"] and "note:" in err


@pytest.mark.demo
def test_postcode(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = _run(capsys, "--postcode", "B31 2LB", "--edition", "2019")
    assert rc == 0
    d = json.loads(out)
    assert d["lsoa_code"] == "E01009219" and d["postcode"] == "B31 2LB"
    assert d["imd"]["rank"] == raw.imd("2019").loc["E01009219", "IMD_rank"]


@pytest.mark.demo
def test_markdown_to_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "p.md"
    rc, _, err = _run(capsys, "--lsoa", "E01009219", "--edition", "2019", "--format", "md",
                      "--out", str(out))
    assert rc == 0 and "wrote" in err
    md = out.read_text()
    assert md.startswith("# Neighbourhood profile: Birmingham 120E (E01009219)")
    assert f"| Index of Multiple Deprivation (overall) | {int(raw.imd('2019').loc['E01009219', 'IMD_rank']):,} |" in md
    assert "## Sources and licences" in md and "Open Government Licence" in md


@pytest.mark.demo
def test_pdf_text_has_code_and_rank(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                    artifacts: Path) -> None:
    out = tmp_path / "profile.pdf"
    rc, _, _ = _run(capsys, "--lsoa", "E01009219", "--edition", "2019", "--format", "pdf",
                    "--out", str(out))
    assert rc == 0
    reader = PdfReader(str(out))
    assert 1 <= len(reader.pages) <= 2
    text = "\n".join(page.extract_text() for page in reader.pages)
    rank, health = (int(raw.imd("2019").loc["E01009219", c]) for c in ("IMD_rank", "Health_rank"))
    assert "E01009219" in text and f"{rank:,}" in text and f"{health:,}" in text
    assert "Sources and licences" in text and "Open Government Licence" in text
    shutil.copy(out, artifacts / "profile_E01009219_2019.pdf")
    if shutil.which("pdftoppm"):  # pages as PNG, to look at
        subprocess.run(["pdftoppm", "-r", "80", "-png", str(out),
                        str(artifacts / "profile_pdf_page")], check=True)


@pytest.mark.demo
def test_ward_markdown_lists_its_lsoas(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = _run(capsys, "--ward", "Northfield, Birmingham", "--edition", "2019", "--format", "md")
    assert rc == 0
    assert "# Area profile: Northfield (ward, Birmingham)" in out
    assert "| E01009219 | Birmingham 120E |" in out
    assert "Residents in the 20% most deprived LSOAs" in out


@pytest.mark.demo
def test_errors_are_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    rc, _, err = _run(capsys, "--lsoa", "E01009219", "--format", "pdf")
    assert rc == 2 and "--out" in err
    rc, _, err = _run(capsys, "--lsoa", "nonsense")
    assert rc == 2 and "not an LSOA code" in err and "Traceback" not in err
    rc, _, err = _run(capsys, "--ward", "Birmingham")
    assert rc == 2 and "use --area" in err


@pytest.mark.parametrize("flag", ["--postcode", "--lsoa", "--ward", "--area"])
@pytest.mark.demo
def test_empty_value_is_one_line(flag: str, capsys: pytest.CaptureFixture[str]) -> None:
    rc, _, err = _run(capsys, flag, "")
    assert rc == 2 and f"{flag} is empty" in err and err.count("\n") == 1
