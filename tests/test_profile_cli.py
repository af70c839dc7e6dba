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
    assert 1 <= len(reader.pages) <= 3  # the figures, the tables, then the sources
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Figures bids quote, with England's" in text and "England 18.1%" in text
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


#: the published table of case-study organisations (IMD 2019): LSOA -> (IMD rank, its band, health
#: rank, its band). The table prints "Top 20%" for health rank 1,887, which is in the top 10%
#: (1,887 ≤ 3,284): the band follows the rank.
CASE_STUDIES = {
    "E01011274": (5_701, "Top 20%", 4_416, "Top 20%"),
    "E01011492": (823, "Top 10%", 1_887, "Top 10%"),
    "E01007879": (9_559, "Top 40%", 10_074, "Top 40%"),
    "E01009219": (5_929, "Top 20%", 7_847, "Top 40%"),
    "E01001750": (5_518, "Top 20%", 10_823, "Top 40%"),
    "E01014948": (8_636, "Top 40%", 14_327, "Top 60%"),
}


def _band_from_raw(rank: int, total: int) -> str:
    """The band, worked out here: the smallest of 10/20/40/60% of England's LSOAs holding the rank."""
    return next(f"Top {p}%" for p in (10, 20, 40, 60) if rank * 100 <= p * total)


@pytest.mark.parametrize("lsoa", sorted(CASE_STUDIES))
def test_case_study_lsoas_give_the_published_ranks_and_bands(lsoa: str, capsys: pytest.CaptureFixture[str]
                                                            ) -> None:
    rank, band, health, health_band = CASE_STUDIES[lsoa]
    imd = raw.imd("2019")
    n = len(imd)
    # the published table's ranks are the raw file's, and its bands (but one) follow from them
    assert (int(imd.loc[lsoa, "IMD_rank"]), int(imd.loc[lsoa, "Health_rank"])) == (rank, health)
    assert (_band_from_raw(rank, n), _band_from_raw(health, n)) == (band, health_band)
    rc, out, _ = _run(capsys, "--lsoa", lsoa, "--edition", "2019", "--format", "json")
    assert rc == 0
    d = json.loads(out)
    assert (d["imd"]["rank"], d["domains"]["health"]["rank"]) == (rank, health)
    assert d["imd"]["band"] == f"{band} most deprived LSOA"
    assert d["domains"]["health"]["band"] == f"{health_band} most deprived LSOA"
    [imd_fig, health_fig, *_] = d["bid"]
    assert imd_fig["value_text"] == f"{rank:,} of {n:,}" and imd_fig["band"] == d["imd"]["band"]
    assert health_fig["value_text"] == f"{health:,} of {n:,}" and health_fig["band"] == d["domains"]["health"]["band"]
    rc, md, _ = _run(capsys, "--lsoa", lsoa, "--edition", "2019", "--format", "md")
    assert f"| {rank:,} of {n:,} | {band} most deprived LSOA |" in md
    assert f"| {health:,} of {n:,} | {health_band} most deprived LSOA |" in md
