"""``needsmap geocode INPUT [--out OUT.csv]``: every input row out, summary on stderr, exit 0."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from needsmap.cli import main
from needsmap.config import PROJECT_ROOT

DATA = PROJECT_ROOT / "tests" / "data"


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def test_geocode_messy_file_to_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "placed.csv"
    rc = main(["geocode", str(DATA / "messy_postcodes.csv"), "--out", str(out)])
    assert rc == 0
    got = _read(out)
    src = _read(DATA / "messy_postcodes.csv")
    assert len(got) == len(src)
    assert list(got.columns[: len(src.columns)]) == list(src.columns)  # original columns first
    for col in ("lat", "lon", "lsoa11_code", "lsoa21_code", "status"):
        assert col in got.columns
    assert (got["status"] == got["expected_status"]).all()
    err = capsys.readouterr().err
    assert "10 of 19 rows placed" in err
    assert "outside England (Wales)" in err and f"wrote 19 rows to {out}" in err


@pytest.mark.demo
def test_geocode_360giving_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["geocode", str(DATA / "grants_360giving.json")])
    assert rc == 0
    cap = capsys.readouterr()
    lines = [ln for ln in cap.out.splitlines() if ln.strip()]
    assert len(lines) == 1 + 3  # header + every grant
    assert "local-authority level only" in cap.out
    assert "360Giving" in cap.err


@pytest.mark.demo
def test_geocode_column_option_and_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "odd.csv"
    src.write_text("Group,Where\nAlpha,B31 2LB\n", encoding="utf-8")
    assert main(["geocode", str(src)]) == 2
    assert "No column looks like a postcode" in capsys.readouterr().err
    out = tmp_path / "o.csv"
    assert main(["geocode", str(src), "--postcode-column", "Where", "--out", str(out)]) == 0
    assert _read(out)["status"].tolist() == ["ok"]
    assert main(["geocode", str(tmp_path / "missing.csv")]) == 2
    assert "not found" in capsys.readouterr().err
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert main(["geocode", str(empty)]) == 2
    assert "empty" in capsys.readouterr().err


@pytest.mark.demo
def test_geocode_with_official_lookup(tmp_path: Path, table25: pd.DataFrame,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    code = table25.index[42]
    nspl = tmp_path / "nspl_extract.csv"  # made-up rows in the NSPL layout
    nspl.write_text(f"pcd,pcds,lsoa11,lsoa21,lat,long\nB31 2LB,B31 2LB,{code},{code},52.4,-1.9\n",
                    encoding="utf-8")
    out = tmp_path / "o.csv"
    assert main(["geocode", str(DATA / "messy_postcodes.csv"), "--nspl", str(nspl), "--out", str(out)]) == 0
    got = _read(out)
    b31 = got[got["org_postcode"] == "B31 2LB"]
    assert (b31["lsoa21_code"] == code).all()
    assert b31["placed_by"].str.contains("NSPL/ONSPD").all()
    capsys.readouterr()
