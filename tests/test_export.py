"""Exports keep text as it is: each format read back by a real reader equals its input.

- CSV: Python's csv module, pandas and (when installed) LibreOffice read every field back exactly
  (less the formula guard's ``'``), one row per input row, no live formula;
- Excel: openpyxl reads text cells (never formulas) equal to the input, no ``'``; characters an
  .xlsx cannot hold are replaced and said;
- GeoJSON: properties exactly as the export table (``Bordesley & Highgate``), from the real data;
- Markdown (the profile's pack): rendered by markdown-it-py with HTML on, names from the list show
  as text and make no element.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from needsmap import areas, data
from needsmap.config import data_dir
from needsmap.export import (
    EXCEL_MAX_CELL_CHARS,
    REPLACEMENT,
    escape_text,
    excel_export,
    safe_for_export,
    to_csv_bytes,
    to_excel_bytes,
    write_csv,
)
from tests.test_safe_text import HOSTILE, render, visible

#: cells a spreadsheet reads as a formula start with one of these (OWASP, CSV injection)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")

#: 24 formula payloads, as in the issue: plain, behind a line break (to split the row), quoted
PAYLOADS = [
    "=2+5", "+2+5", "-2+5", "@SUM(2,5)", "\t=2+5", "\r=2+5", "\n=2+5",
    '=HYPERLINK("http://x","click")', "=cmd|' /C calc'!A0", "-=2+5", "+=2+5", "@=2+5",
    "Tea\r=2+5", "Tea\n=2+5", "Tea\r\n=2+5", "Tea\r+2+5", "Tea\r-2+5", "Tea\r@SUM(2,5)",
    "Tea,\r=2+5", '"Tea"\r=2+5', "Tea\r\r=2+5", "Tea\n\n=2+5", "=2+5\r=3+4", " =2+5",
]


def _payload_frame() -> pd.DataFrame:
    n = len(PAYLOADS)
    return pd.DataFrame({
        "name": pd.Series(PAYLOADS, dtype=object),
        "postcode": ["B31 2LB"] * n,
        "note": pd.Series(["a,b", 'say "hi"', "", None] * (n // 4), dtype=object),
        "amount": [-2.5 + i for i in range(n)],
    })


def _live_formula(cell: str) -> bool:
    """Whether a spreadsheet would run CSV text ``cell`` as a formula (a number such as ``-2.5`` is
    a number, not a formula)."""
    if not cell.startswith(FORMULA_START):
        return False
    try:
        float(cell)
    except ValueError:
        return True
    return False


def _unguard(cell: str) -> str:
    """A CSV cell less the formula guard: one ``'`` before a formula character."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(FORMULA_START) else cell


def _read_csv_module(raw: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


# ----------------------------------------------------------------------------- CSV
@pytest.mark.demo
def test_formula_cells_neutralised() -> None:
    df = pd.DataFrame({"name": ["=HYPERLINK(\"x\")", "+1", "-cmd", "@SUM(A1)", "Safe", None],
                       "n": [1, -2, 3, 4, 5, 6]})
    out = safe_for_export(df)
    assert out["name"].tolist()[:5] == ["'=HYPERLINK(\"x\")", "'+1", "'-cmd", "'@SUM(A1)", "Safe"]
    assert out["name"].isna().tolist()[5] and out["n"].tolist() == [1, -2, 3, 4, 5, 6]
    text = to_csv_bytes(df).decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "\n=" not in text
    # a heading and a categorical column are guarded too
    cat = pd.DataFrame({"=sum": pd.Categorical(["@x", "ok"])})
    assert _read_csv_module(to_csv_bytes(cat)) == [["'=sum"], ["'@x"], ["ok"]]


@pytest.mark.demo
def test_csv_round_trips_through_csv_module_and_pandas() -> None:
    df = _payload_frame()
    raw = to_csv_bytes(df)
    rows = _read_csv_module(raw)
    assert len(rows) == len(df) + 1 and all(len(r) == 4 for r in rows)  # no row split, none merged
    assert rows[0] == ["name", "postcode", "note", "amount"]
    assert [_unguard(r[0]) for r in rows[1:]] == PAYLOADS
    assert [r[2] for r in rows[1:]] == ["" if v is None else v for v in df["note"]]
    # no cell of the file starts a formula (the guard holds for every payload)
    assert not [c for r in rows for c in r if _live_formula(c)]
    back = pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert back["name"].map(_unguard).tolist() == PAYLOADS
    assert pd.to_numeric(back["amount"]).tolist() == df["amount"].tolist()
    assert back.shape == df.shape


@pytest.mark.demo
def test_bare_carriage_return_is_quoted() -> None:
    """The issue's row: a bare CR in a name split it and made ``=2+5`` the first cell of a new row."""
    raw = to_csv_bytes(pd.DataFrame({"name": ["Tea\r=2+5"], "postcode": ["B31 2LB"]}))
    assert raw == b'\xef\xbb\xbfname,postcode\r\n"Tea\r=2+5",B31 2LB\r\n'
    assert _read_csv_module(raw) == [["name", "postcode"], ["Tea\r=2+5", "B31 2LB"]]


@pytest.mark.demo
def test_csv_never_fails_on_text_utf8_cannot_hold() -> None:
    raw = to_csv_bytes(pd.DataFrame({"name": pd.Series(["a\ud800b", "ok"], dtype=object)}))
    assert _read_csv_module(raw) == [["name"], [f"a{REPLACEMENT}b"], ["ok"]]


def _pandas_csv(df: pd.DataFrame) -> bytes:
    """The CSV as pandas' own writer gives it (Python's csv module quoting): what ``to_csv_bytes``
    wrote before it formatted plain frames with Arrow, and must still write byte for byte."""
    text = safe_for_export(df).to_csv(index=False, lineterminator="\r\n")
    return re.sub("[\ud800-\udfff]", REPLACEMENT, text).encode("utf-8-sig")


def _adversarial_frame() -> pd.DataFrame:
    """Every plain column type, with missing values, and text that needs the guard or quoting."""
    text = [*PAYLOADS, 'say "hi"', "a,b", "", "é ü 中文 🎉", "'=x", "x\x00y", "\u2028", "-", "=",
            '"', ",", "\r", "\n", "\t", " @x", "tab\tin", "ok"]
    n = len(text)
    rng = np.random.default_rng(11)
    floats = rng.normal(0, 1, n) * 10.0 ** rng.integers(-12, 22, n)
    floats[:14] = [np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-4, 9.9999e-5, 1e16, 9999999999999998.0,
                   123.0, 0.1, 1 / 3, 5e-324, -1234.5]
    return pd.DataFrame({
        "object": pd.Series(text, dtype=object),
        "str": pd.Series(text, dtype="str"),
        "string": pd.Series(text, dtype="string"),
        "object_missing": pd.Series([None, np.nan, pd.NA, *text[3:]], dtype=object),
        "str_missing": pd.Series([None, *text[1:]], dtype="str"),
        "float": floats,
        "rounded": np.round(rng.random(n) * 1000, 3),
        "Float64": pd.array([None, 1.5, 2.0, *np.round(rng.random(n - 3), 4)], dtype="Float64"),
        "int": np.arange(n) - 5,
        "uint8": np.arange(n, dtype="uint8"),
        "Int64": pd.array([None, *range(n - 1)], dtype="Int64"),
        "bool": [i % 3 == 0 for i in range(n)],
        "boolean": pd.array([None, True, *[i % 2 == 0 for i in range(n - 2)]], dtype="boolean"),
        "=head,\"q\"": 1,
        "-heading": "plain",
    })


@pytest.mark.demo
def test_fast_csv_writer_gives_pandas_bytes_on_adversarial_frames() -> None:
    """Arrow formats plain frames; the bytes are exactly pandas' writer's (guard, quoting, numbers)."""
    from needsmap import export

    df = _adversarial_frame()
    frames = {"all": df, "no rows": df.iloc[:0], "int headings": df.set_axis(range(df.shape[1]), axis=1),
              "one empty cell": pd.DataFrame({"": ["", "a", None]}),
              **{f"only {c!r}": df[[c]] for c in df.columns}}
    for name, frame in frames.items():
        assert export._fast_csv(frame) is not None, name  # the fast path is the one tested
        assert to_csv_bytes(frame) == _pandas_csv(frame), name
    raw = to_csv_bytes(df)
    rows = _read_csv_module(raw)
    assert len(rows) == len(df) + 1 and [r[0] for r in rows[1:]] == [
        "'" + t if t.startswith(FORMULA_START) else t for t in df["object"]]
    assert rows[0][-2:] == ['\'=head,"q"', "'-heading"]
    assert not [c for r in rows for c in r if _live_formula(c)]


@pytest.mark.demo
def test_csv_writer_falls_back_to_pandas_for_other_columns() -> None:
    """Columns Arrow does not format here (categories, dates, mixed objects, lone surrogates …) go
    through pandas' writer, so the bytes are the same whatever the frame."""
    from needsmap import export

    frames = [
        pd.DataFrame({"=sum": pd.Categorical(["@x", "ok"])}),
        pd.DataFrame({"d": pd.to_datetime(["2020-01-01", None]), "s": ["=a", "b"]}),
        pd.DataFrame({"m": pd.Series([1, "=a", 2.5, None, True], dtype=object)}),
        pd.DataFrame({"f": np.array([0.1, 1.5, np.nan], dtype="float32")}),
        pd.DataFrame({"name": pd.Series(["a\ud800b", "=ok"], dtype=object)}),
    ]
    for frame in frames:
        assert export._fast_csv(frame) is None
        assert to_csv_bytes(frame) == _pandas_csv(frame)


@pytest.mark.demo
def test_write_csv_streams_the_same_bytes(tmp_path: Path) -> None:
    """Written a few rows at a time (to a file or a file object), the CSV is ``to_csv_bytes``'s."""
    df = _adversarial_frame()
    fallback = pd.DataFrame({"=sum": pd.Categorical(["@x", "ok", "-y"] * 5), "n": range(15)})
    for frame in (df, df.iloc[:0], df[["object"]], fallback):
        for rows in (1, 7, 10_000):
            buf = io.BytesIO()
            assert write_csv(frame, buf, chunk_rows=rows) == len(to_csv_bytes(frame))
            assert buf.getvalue() == to_csv_bytes(frame)
    path = tmp_path / "out.csv"
    assert write_csv(df, path, chunk_rows=4) == path.stat().st_size
    assert path.read_bytes() == to_csv_bytes(df)
    with pytest.raises(ValueError, match="at least 1"):
        write_csv(df, io.BytesIO(), chunk_rows=0)


def test_fast_csv_writer_gives_pandas_bytes_on_real_tables(table25: pd.DataFrame) -> None:
    """The real LSOA table (names with commas and apostrophes, nullable ranks, scores) and a real
    organisation list (addresses over several lines inside quotes, closed flags, coordinates)."""
    from needsmap import export
    from needsmap.orgs import load_default_layer

    orgs = load_default_layer("foodbanks").table
    for frame in (table25.reset_index(), orgs):
        assert export._fast_csv(frame) is not None
        assert to_csv_bytes(frame) == _pandas_csv(frame)
    raw = to_csv_bytes(orgs)
    assert raw.count(b'"') > 100  # multi-line addresses are quoted
    assert len(_read_csv_module(raw)) == len(orgs) + 1


def test_geocode_cli_writes_each_row_whole(tmp_path: Path) -> None:
    """``needsmap geocode`` on a list whose names are the 24 payloads: one output row per input row,
    names as read (less the guard), no live formula."""
    from needsmap.cli import main
    from needsmap.orgs import import_file

    src = tmp_path / "payloads.csv"
    with src.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)  # quotes every field with CR/LF, as any correct writer does
        w.writerow(["name", "postcode"])
        w.writerows([p, "B31 2LB"] for p in PAYLOADS)
    out = tmp_path / "placed.csv"
    assert main(["geocode", str(src), "--out", str(out)]) == 0
    rows = _read_csv_module(out.read_bytes())
    header, body = rows[0], rows[1:]
    expected = import_file(src, filename=src.name).table
    assert len(body) == len(expected) == len(PAYLOADS)
    assert all(len(r) == len(header) for r in body)
    name = header.index("name")
    assert [_unguard(r[name]) for r in body] == expected["name"].tolist()
    assert not [c for r in rows for c in r if _live_formula(c)]


def _soffice() -> str:
    path = shutil.which("soffice") or shutil.which("libreoffice")
    if path is None:
        pytest.skip("LibreOffice not installed (optional check; openpyxl checks hold without it)")
    return path


def _libreoffice_cells(soffice: str, files: list[Path], tmp_path: Path) -> dict[str, list[list[object]]]:
    """Each CSV opened by LibreOffice Calc (UTF-8, comma, quote) and saved as .xlsx, read back:
    cell values, with formulas as ``("formula", text)``."""
    out = tmp_path / "lo"
    subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless",
                    "--infilter=CSV:44,34,76,1", "--convert-to", "xlsx", "--outdir", str(out),
                    *map(str, files)], check=True, capture_output=True, timeout=180)
    got = {}
    for f in files:
        ws = openpyxl.load_workbook(out / f"{f.stem}.xlsx").active
        got[f.stem] = [[("formula", c.value) if c.data_type == "f" else c.value for c in r]
                       for r in ws.iter_rows()]
    return got


@pytest.mark.demo
def test_libreoffice_opens_the_csv_with_no_formula_and_no_split_row(tmp_path: Path) -> None:
    soffice = _soffice()
    df = _payload_frame()[["name", "postcode"]]
    before = tmp_path / "before.csv"  # the writer as it was: guard, but "\n" rows (CR unquoted)
    before.write_bytes(safe_for_export(df).to_csv(index=False).encode("utf-8-sig"))
    now = tmp_path / "now.csv"
    now.write_bytes(to_csv_bytes(df))
    got = _libreoffice_cells(soffice, [before, now], tmp_path)
    live = {k: [c for r in v for c in r if isinstance(c, tuple)] for k, v in got.items()}
    # the old writer: rows split at the bare CRs and live formulas (LibreOffice computes them)
    assert len(got["before"]) > len(df) + 1 and live["before"]
    assert live["now"] == [] and len(got["now"]) == len(df) + 1
    # LibreOffice reads every line break in a cell as "\n"; otherwise the names are as written
    names = [str(r[0]) for r in got["now"][1:]]
    assert [_unguard(n) for n in names] == [p.replace("\r\n", "\n").replace("\r", "\n")
                                            for p in PAYLOADS]


# ----------------------------------------------------------------------------- Excel
def _cells(raw: bytes, sheet: str) -> list[list[openpyxl.cell.cell.Cell]]:
    ws = openpyxl.load_workbook(io.BytesIO(raw))[sheet]
    return [list(r) for r in ws.iter_rows()]


@pytest.mark.demo
def test_excel_text_is_text_not_formula_and_has_no_quote_mark() -> None:
    df = _payload_frame()
    df.insert(0, "=heading", ["-cmd", "+1", "@home", "=1+1"] * 6)
    res = excel_export({"Profiles": df})
    rows = _cells(res.data, "Profiles")
    assert not [c.coordinate for r in rows for c in r if c.data_type == "f"]
    assert [c.value for c in rows[0]] == ["=heading", "name", "postcode", "note", "amount"]
    assert [r[0].value for r in rows[1:]] == df["=heading"].tolist()  # no ' before - + @ =
    # XML reads a CR as a line feed: the file says so by holding "\n" for each CR
    assert [r[1].value for r in rows[1:]] == [p.replace("\r\n", "\n").replace("\r", "\n")
                                              for p in PAYLOADS]
    assert [r[4].value for r in rows[1:]] == df["amount"].tolist()  # numbers stay numbers
    assert [r[4].data_type for r in rows[1:]] == ["n"] * len(df)
    assert res.notes == () and openpyxl.load_workbook(io.BytesIO(res.data)).sheetnames == ["Profiles"]
    # the old test's case, through pandas
    back = pd.read_excel(io.BytesIO(to_excel_bytes(pd.DataFrame({"name": ["=1+1", "ok"]}))),
                         engine="openpyxl")
    assert back["name"].tolist() == ["=1+1", "ok"]


@pytest.mark.demo
def test_excel_replaces_characters_it_cannot_hold_and_says_so() -> None:
    names = ["Tea\x01Toast", "ok", "bell\x07", "a\ud800b", "nonchar\ufffe"]
    every_control = "".join(chr(c) for c in range(0x20))
    df = pd.DataFrame({"name": pd.Series(names + [every_control], dtype=object),
                       "bad\x02heading": range(6)})
    res = excel_export({"Profiles": df, "Not placed": df.head(1)})  # never raises
    rows = _cells(res.data, "Profiles")
    got = [r[0].value for r in rows[1:]]
    assert got[:5] == [f"Tea{REPLACEMENT}Toast", "ok", f"bell{REPLACEMENT}", f"a{REPLACEMENT}b",
                       f"nonchar{REPLACEMENT}"]
    # tab and line feed are legal; CR is written as a line feed; the 29 others are replaced
    assert got[5] == (REPLACEMENT * 9 + "\t\n" + REPLACEMENT * 2 + "\n" + REPLACEMENT * 18)
    assert rows[0][1].value == f"bad{REPLACEMENT}heading"
    assert len(res.notes) == 2 and "Sheet Profiles: 6 cells held control characters" in res.notes[0]
    assert "name" in res.notes[0] and "heading" in res.notes[0]
    assert res.notes[1].startswith("Sheet Not placed: 2 cells")
    wb = openpyxl.load_workbook(io.BytesIO(res.data))
    assert wb.sheetnames == ["Profiles", "Not placed", "Notes"]
    assert [r[0].value for r in wb["Notes"].iter_rows()] == ["Note", *res.notes]


@pytest.mark.demo
def test_excel_cuts_cells_over_excels_limit_and_fixes_sheet_names() -> None:
    long = "x" * (EXCEL_MAX_CELL_CHARS + 10)
    res = excel_export({"a/b:c[d]*?": pd.DataFrame({"v": [long, "ok"]}), "A/B:C[D]*?": pd.DataFrame()})
    wb = openpyxl.load_workbook(io.BytesIO(res.data))
    assert wb.sheetnames == ["a_b_c_d___", "A_B_C_D___ 2", "Notes"]
    v = wb["a_b_c_d___"]["A2"].value
    assert len(v) == EXCEL_MAX_CELL_CHARS and v.endswith("…") and "1 cell longer" in res.notes[0]


# ----------------------------------------------------------------------------- GeoJSON
def _raw_ward_names(codes: list[str]) -> dict[str, str]:
    """Ward names of ``codes`` straight from the ONS LSOA → ward lookup file (not via needsmap)."""
    path = data_dir() / "geography" / "lsoa21_ward24_ltla24_lookup.csv"
    with path.open(newline="", encoding="utf-8-sig") as f:
        return {r["lsoa21_code"]: r["ward24_name"] for r in csv.DictReader(f) if r["lsoa21_code"] in codes}


def test_geojson_keeps_text_exactly(table25: pd.DataFrame) -> None:
    from needsmap.analysis import coverage as cv

    bounds = data.load_boundaries("2025")
    ward = areas.area_from_code("E05011126", table25)  # Bordesley & Highgate, Birmingham
    orgs = pd.DataFrame({"org_name": ["=HYPERLINK(\"x\")<script>"], "lat": [52.47], "lon": [-1.87],
                         "lsoa21_code": [None], "status": ["ok"]})
    r = cv.analyse_gaps(table25, cv.reference_points(bounds), orgs, area=ward, edition="2025")
    raw = cv.gaps_geojson(r, bounds)
    doc = json.loads(raw)
    table = cv.export_table(r)
    assert len(doc["features"]) == len(table) > 0
    props = pd.DataFrame([f["properties"] for f in doc["features"]])
    assert list(props.columns) == list(table.columns)
    text_cols = [c for c in table.columns if table[c].dtype.kind not in "fiub"]
    assert {"lsoa_name", "ward_name", "lad_name", "need_measure", "bivariate_label"} <= set(text_cols)
    for col in text_cols:  # every text property exactly as in the export table
        assert props[col].tolist() == table[col].astype(object).where(table[col].notna(), None).tolist()
    golden = _raw_ward_names(table["lsoa21_code"].tolist())
    assert set(golden.values()) == {"Bordesley & Highgate"}
    assert props["ward_name"].tolist() == [golden[c] for c in props["lsoa21_code"]]
    assert b"&amp;" not in raw and b"Bordesley & Highgate" in raw


# ----------------------------------------------------------------------------- Markdown pack
def test_profile_markdown_shows_names_as_text(table25: pd.DataFrame) -> None:
    from needsmap.analysis import profile as pr
    from needsmap.report.markdown import profile_markdown

    code = "E01009199"  # an LSOA of Bordesley & Highgate
    bounds = data.load_boundaries("2025")
    p = bounds.set_index("lsoa_code").geometry[code].representative_point()
    names = [t for t in HOSTILE if t.strip()]
    orgs = pd.DataFrame({"org_name": names, "org_category": ["[cat](http://x)"] * len(names),
                         "lat": p.y, "lon": p.x, "lsoa21_code": code, "lsoa11_code": None})
    prof = pr.lsoa_profile(code, edition="2025", table=table25, orgs=orgs, boundaries=bounds)
    md = profile_markdown(prof)
    html = render(md)
    assert not {"img", "a", "script", "b", "code", "blockquote", "pre"} & set(html.tags)
    assert not any(k in ("src", "href", "onerror") for k, _ in html.attrs)
    assert html.tags.count("table") >= 3 and html.tags.count("h1") == 1  # our own structure stays
    cells = {t.strip() for t in html.text}
    for name in names:  # each name shows literally in the organisations table
        assert visible(name) in cells, name
    assert visible("[cat](http://x)") in cells
    assert "Bordesley & Highgate" in "".join(html.text)


@pytest.mark.demo
def test_escape_text() -> None:
    assert escape_text("<script>alert(1)</script>") == "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert escape_text("A & B") == "A &amp; B" and escape_text(None) == "" and escape_text(float("nan")) == ""


# ----------------------------------------------------------------------------- the export registry
#: text a download may hold: formula starts, HTML, and text to keep as typed (an ampersand, a name)
HOSTILE_CELLS = ['=HYPERLINK("x")', "<script>", "+44", "@x", "-3", "A & B", "Bordesley & Highgate"]
#: numbers next to them: a negative number is a number, never guarded
NUMBERS = [-3, 12, 0, -1, 44, 2, 7]
FLOATS = [-3.5, 0.25, 1e-07, -0.0, 44.0, 1234567.891, 2.5]


def _hostile_frame() -> pd.DataFrame:
    return pd.DataFrame({"name": pd.Series(HOSTILE_CELLS, dtype=object), "n": NUMBERS, "x": FLOATS})


@pytest.mark.demo
def test_registry_lists_every_format_and_guards_only_spreadsheets() -> None:
    from needsmap.export import FORMATS

    assert set(FORMATS) == {"csv", "xlsx", "geojson", "json", "pdf", "markdown"}
    assert {k for k, f in FORMATS.items() if f.formula_guard} == {"csv", "xlsx"}
    assert {k: (f.extension, f.mime) for k, f in FORMATS.items()} == {
        "csv": (".csv", "text/csv"),
        "xlsx": (".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        "geojson": (".geojson", "application/geo+json"), "json": (".json", "application/json"),
        "pdf": (".pdf", "application/pdf"), "markdown": (".md", "text/markdown")}


@pytest.mark.demo
def test_download_writes_through_the_registry_when_pressed() -> None:
    from needsmap.export import download

    df = _hostile_frame()
    made: list[int] = []

    def make() -> pd.DataFrame:
        made.append(1)
        return df

    lazy = download("csv", make, stem="t")
    assert made == [] and lazy["file_name"] == "t.csv" and lazy["mime"] == "text/csv"
    assert lazy["data"]() == to_csv_bytes(df) and made == [1]
    now = download("markdown", "# A & B <b>", stem="p")
    assert now == {"data": b"# A & B <b>", "file_name": "p.md", "mime": "text/markdown"}


@pytest.mark.demo
def test_csv_guards_formula_text_and_leaves_numbers() -> None:
    from needsmap.export import export_bytes

    rows = list(csv.reader(io.StringIO(export_bytes("csv", _hostile_frame()).decode("utf-8-sig"))))
    assert rows[0] == ["name", "n", "x"] and len(rows) == len(HOSTILE_CELLS) + 1
    for (name, n, x), text, num, fl in zip(rows[1:], HOSTILE_CELLS, NUMBERS, FLOATS, strict=True):
        assert name == ("'" + text if text[0] in "=+-@" else text)
        assert n == str(num) and float(x) == fl  # -3 as a number: no quote mark


@pytest.mark.demo
def test_excel_keeps_text_exactly_as_text_cells_and_numbers_as_numbers() -> None:
    from needsmap.export import FORMATS, excel_export, export_bytes

    df = _hostile_frame()
    for content in (df, {"data": df}, excel_export(df)):
        ws = openpyxl.load_workbook(io.BytesIO(export_bytes("xlsx", content)))["data"]
        cells = list(ws.iter_rows(min_row=2))
        assert [c[0].value for c in cells] == HOSTILE_CELLS
        assert {c[0].data_type for c in cells} == {"s"}  # never a formula
        assert [c[1].value for c in cells] == NUMBERS and [c[2].value for c in cells] == FLOATS
    assert FORMATS["xlsx"].formula_guard


@pytest.mark.demo
def test_json_and_geojson_keep_text_and_numbers_exactly() -> None:
    import geopandas as gpd
    import shapely

    from needsmap.export import export_bytes

    df = _hostile_frame()
    doc = json.loads(export_bytes("json", {"rows": df.to_dict(orient="records"), "n": np.int64(5)}))
    assert doc["n"] == 5
    assert [r["name"] for r in doc["rows"]] == HOSTILE_CELLS and [r["n"] for r in doc["rows"]] == NUMBERS
    assert [r["x"] for r in doc["rows"]] == FLOATS
    gdf = gpd.GeoDataFrame(df, geometry=[shapely.Point(-1.9 + i / 100, 52.48) for i in range(len(df))], crs=4326)
    gdf.attrs["name"] = "needsmap <gaps> & co"
    raw = export_bytes("geojson", gdf)
    gj = json.loads(raw)
    assert gj["type"] == "FeatureCollection" and gj["name"] == "needsmap <gaps> & co"
    props = [f["properties"] for f in gj["features"]]
    assert [p["name"] for p in props] == HOSTILE_CELLS
    assert [p["n"] for p in props] == NUMBERS and [p["x"] for p in props] == FLOATS
    assert [f["geometry"]["coordinates"] for f in gj["features"]] == [[-1.9 + i / 100, 52.48] for i in range(len(df))]
    assert b"&amp;" not in raw and b"'=" not in raw and "id" not in gj["features"][0]


@pytest.mark.demo
def test_markdown_and_pdf_show_text_exactly() -> None:
    from pypdf import PdfReader

    from needsmap.export import export_bytes
    from needsmap.report.markdown import md_table
    from needsmap.report.pdf import EvidencePDF

    table = md_table(["name", "n"], [[t, n] for t, n in zip(HOSTILE_CELLS, NUMBERS, strict=True)])
    html = render(export_bytes("markdown", table).decode("utf-8"))
    assert "script" not in html.tags and "a" not in html.tags
    cells = [t.strip() for t in html.text if t.strip()]
    for text, n in zip(HOSTILE_CELLS, NUMBERS, strict=True):
        assert visible(text) in cells and str(n) in cells
    doc = EvidencePDF(title="Export & <test>")
    doc.add_page()
    doc.data_table(["name", "n"], [[t, str(n)] for t, n in zip(HOSTILE_CELLS, NUMBERS, strict=True)])
    lines = PdfReader(io.BytesIO(export_bytes("pdf", doc.to_bytes()))).pages[0].extract_text().splitlines()
    for text, n in zip(HOSTILE_CELLS, NUMBERS, strict=True):
        assert any(line.replace(" ", "") == f"{text}{n}".replace(" ", "") for line in lines), (text, lines)
