"""Reading an organisation list's bytes: encodings, delimiters, title rows, rows that are not data,
workbooks, 360Giving JSON, and resources bounded while reading (issue #10, items 2, 3 and 12)."""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import subprocess
import sys
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from needsmap.config import MAX_UPLOAD_MB, MAX_UPLOAD_ROWS, SHARED_DATA_DIR
from needsmap.errors import ValidationError
from needsmap.orgs import reading as rd
from needsmap.orgs.reading import (
    MAX_COLUMNS,
    READ_ISSUE_COLUMN,
    REASON_BLANK,
    REASON_BROKEN_LINE,
    decode_text,
    read_table_file,
    sniff_delimiter,
)

FIELD = SHARED_DATA_DIR.parent / "field-cases"
FUZZ = FIELD / "fuzz"
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")

pytestmark = pytest.mark.demo


def _field(name: str) -> Path:
    path = FIELD / name
    if not path.exists():
        pytest.skip(f"field case {name} is not in {FIELD}")
    return path


def _read(raw: bytes | str, filename: str = "list.csv") -> tuple[pd.DataFrame, list[str]]:
    return read_table_file(raw.encode("utf-8") if isinstance(raw, str) else raw, filename=filename)


def _refusal(raw: bytes | str, filename: str = "list.csv") -> str:
    with pytest.raises(ValidationError) as err:
        _read(raw, filename)
    message = str(err.value)
    assert not _CONTROL.search(message), message
    return message


# ----------------------------------------------------------------------------- 1 encodings
@pytest.mark.parametrize(("raw", "encoding"), [
    ("Name\tPostcode\nCafé\tB31 2LB\n".encode("utf-16"), "UTF-16"),
    ("Name\tPostcode\nCafé\tB31 2LB\n".encode("utf-16-le"), "UTF-16 without BOM"),
    ("Name\tPostcode\nCafé\tB31 2LB\n".encode("utf-16-be"), "UTF-16 without BOM"),
    (codecs.BOM_UTF8 + "Name\tPostcode\nCafé\tB31 2LB\n".encode(), "UTF-8 with BOM"),
    ("Name\tPostcode\nCafé\tB31 2LB\n".encode(), "UTF-8"),
    ("Name\tPostcode\nCafé\tB31 2LB\n".encode("cp1252"), "Windows-1252"),
])
def test_encodings_are_detected_and_text_kept(raw: bytes, encoding: str) -> None:
    text, name = decode_text(raw)
    assert name == encoding
    assert text.lstrip("\ufeff") == "Name\tPostcode\nCafé\tB31 2LB\n"
    frame, notes = _read(raw, "export.txt")
    assert f"encoding {encoding}" in notes
    assert frame["Name"].tolist() == ["Café"] and frame["Postcode"].tolist() == ["B31 2LB"]


def test_cell_text_is_not_normalised() -> None:
    raw = "name,postcode,note\n  Ｂ Group ,Ｂ３１ ２ＬＢ,\u00a0x\t\n"
    frame, _ = _read(raw)
    assert frame.iloc[0].tolist() == ["  Ｂ Group ", "Ｂ３１ ２ＬＢ", "\u00a0x\t"]


def test_decode_text_never_raises_on_bad_bytes() -> None:
    raw = _field("fuzz/bytes_unicodedecodeerror.tsv").read_bytes()
    assert raw == b"\xff\xfe\x06"
    text, name = decode_text(raw)
    assert "\ufffd" in text and "could not be read" in name
    message = _refusal(raw, "bytes_unicodedecodeerror.tsv")
    assert "no rows of data" in message
    for junk in (b"\xfe\xff\xd8", b"\xef\xbb\xbf\xff\xfe", bytes(range(256)), b"\x81\x8d\x8f\x90\x9d"):
        assert isinstance(decode_text(junk)[0], str)


def test_mostly_utf8_with_a_stray_byte_stays_utf8() -> None:
    raw = "name,postcode\nCafé Ünïon Straße,B31 2LB\n".encode() + b"Bad \x92 byte,M1 1AE\n"
    text, name = decode_text(raw)
    assert name.startswith("UTF-8") and "Café Ünïon Straße" in text


# ----------------------------------------------------------------------------- 2 delimiters
@pytest.mark.parametrize("delim", [";", "\t", "|"])
def test_title_line_does_not_decide_the_delimiter(delim: str) -> None:
    raw = (f"Our members, as of March 2025, by area\nName{delim}Postcode{delim}Type\n"
           f"Alpha, the group{delim}B31 2LB{delim}Youth\nBeta{delim}M1 1AE{delim}Food\n")
    assert sniff_delimiter(raw) == delim
    frame, notes = _read(raw)
    assert list(frame.columns) == ["Name", "Postcode", "Type"]
    assert frame["Name"].tolist() == ["Alpha, the group", "Beta"]
    assert "skipped 1 line(s) above the header row" in notes


def test_quoted_heading_with_a_comma_in_a_semicolon_file() -> None:
    raw = '"Name, as registered";Postcode\n"Alpha, Ltd";B31 2LB\nBeta;M1 1AE\n'
    assert sniff_delimiter(raw) == ";"
    frame, _ = _read(raw)
    assert list(frame.columns) == ["Name, as registered", "Postcode"]
    assert frame["Name, as registered"].tolist() == ["Alpha, Ltd", "Beta"]


def test_pipe_table_under_a_title_fuzz_case() -> None:
    path = _field("fuzz/header_misread.txt")
    frame, notes = read_table_file(path, filename=path.name)
    text = path.read_text(encoding="utf-8")
    assert text.startswith("Members list\n")
    assert list(frame.columns) == ["Name", "Post-code", "network"]
    assert "pipe-separated" in notes
    records = list(csv.reader(io.StringIO(text.split("\n", 1)[1], newline=""), delimiter="|"))
    assert len(frame) == len([r for r in records[1:] if "".join(r).strip()])


def test_excel_semicolon_cp1252_field_case() -> None:
    path = _field("c12_excel_semicolon_cp1252.csv")
    frame, notes = read_table_file(path, filename=path.name)
    raw = path.read_bytes()
    assert raw.startswith(b"sep=;")
    assert "encoding Windows-1252" in notes and "semicolon-separated" in notes
    assert any("sep=;" in n for n in notes)
    # the title, blank and grouped-header rows are above the real header
    assert list(frame.columns) == ["Name", "Charity no", "Postcode", "Latitude", "Longitude"]
    body = raw.decode("cp1252").splitlines()[5:]
    assert len(frame) == len(body) == 5  # 4 organisations and the Total row (the importer's business)
    assert frame["Name"].iloc[0] == "Café Northfield"
    assert frame["Name"].iloc[3] == "St Mary\u2019s Lunch Club"
    assert frame["Latitude"].iloc[0] == "52,415" and frame["Charity no"].iloc[0] == "'1123456"
    assert frame["Name"].iloc[4].startswith("Total")


# ----------------------------------------------------------------------------- 3 JSON-looking CSV, huge fields
def test_csv_starting_with_a_bracket_is_not_json() -> None:
    raw = "[Draft] name,postcode\nAlpha,B31 2LB\n"
    frame, notes = _read(raw, "list.csv")
    assert list(frame.columns) == ["[Draft] name", "postcode"] and "comma-separated" in notes
    frame, _ = _read('[{"name": "A", "postcode": "B31 2LB"}]', "list.csv")
    assert frame["name"].tolist() == ["A"]  # a CSV-named file that is JSON is still read as JSON
    assert "could not be read as JSON" in _refusal("[Draft] name,postcode\n", "list.json")


def test_huge_field_does_not_sink_the_file() -> None:
    path = _field("fuzz/huge_field.tsv")
    frame, _ = read_table_file(path, filename=path.name)
    longest = max(len(c) for col in frame.columns for c in frame[col])
    assert longest >= 131_072  # the csv module's default limit refuses a field this long
    text, _ = decode_text(path.read_bytes())
    assert text.startswith("Exported")  # a title line, then the header
    records = list(csv.reader(io.StringIO(text.split("\n", 1)[1], newline=""), delimiter="\t"))
    assert len(frame) == len([r for r in records[1:] if "".join(r).strip()])
    big = "x" * 1_000_000
    frame, _ = _read(f"name,postcode\n{big},B31 2LB\nB,M1 1AE\n")
    assert frame["name"].iloc[0] == big and frame["postcode"].tolist() == ["B31 2LB", "M1 1AE"]


# ----------------------------------------------------------------------------- 4 rows that are not data
def test_blank_spacer_rows_are_kept_with_their_reason() -> None:
    raw = "name,postcode\nA,B31 2LB\n\n,,\nB,M1 1AE\n \nC,SE16 2JA\n\n\n\n"
    frame, notes = _read(raw)
    assert frame["name"].tolist() == ["A", "", "", "B", "", "C"]
    assert frame[READ_ISSUE_COLUMN].tolist() == [None, REASON_BLANK, REASON_BLANK, None,
                                                 REASON_BLANK, None]
    assert "left out 3 blank line(s) at the end of the file" in notes
    frame, _ = _read("name,postcode\nA,B31 2LB\nB,M1 1AE\n")
    assert READ_ISSUE_COLUMN not in frame.columns


def test_charity_register_line_break_is_rejoined() -> None:
    path = _field("c09_charity_register_extract.txt")
    raw = path.read_bytes()
    assert raw.startswith(codecs.BOM_UTF8) and b"\r\n" in raw
    frame, notes = read_table_file(path, filename=path.name)
    assert "encoding UTF-8 with BOM" in notes and "tab-separated" in notes
    lines = raw.decode("utf-8-sig").split("\r\n")
    width = len(lines[0].split("\t"))
    records = [ln for ln in lines[1:] if ln.strip() and ln.count("\t") == width - 1]
    assert len(frame) == len(records) + 1 == 7  # one line was broken in two
    assert READ_ISSUE_COLUMN not in frame.columns
    lunch = frame.set_index("charity_name").loc["PARTINGTON LUNCH CLUB"]
    assert lunch["charity_activities"] == "Weekly lunches for older people.\nTransport provided on request."
    assert lunch["charity_gift_aid"] == "True" and lunch["charity_has_land"] == "False"
    assert any(n.startswith("rejoined 1 row") for n in notes)


def test_fragment_that_does_not_fit_is_kept_with_its_reason() -> None:
    raw = "name,postcode,type,notes\nA,B31 2LB,Youth,x\nB,M1 1AE\nbroken\nC,SE16 2JA,Food,y\n"
    frame, notes = _read(raw)
    assert frame["name"].tolist() == ["A", "B", "broken", "C"]
    assert frame[READ_ISSUE_COLUMN].tolist() == [None, None, REASON_BROKEN_LINE, None]
    assert any("broken by a line break" in n for n in notes)
    # a short row after a long one is data, not a fragment (ragged files stay as they were)
    frame, _ = _read("name,postcode,status\nAlpha,B31 2LB,active,EXTRA\nBeta\n")
    assert READ_ISSUE_COLUMN not in frame.columns and frame["extra fields"].tolist() == ["EXTRA", ""]


def test_duplicate_header_names_made_unique() -> None:
    frame, _ = _read(f"postcode,postcode,{READ_ISSUE_COLUMN},\nB31 2LB,M1 1AE,p,q\n")
    assert list(frame.columns) == ["postcode", "postcode (2)", f"{READ_ISSUE_COLUMN} (2)", "column 4"]


# ----------------------------------------------------------------------------- 5 workbooks
def test_workbook_sheet_with_the_list_is_found() -> None:
    path = _field("c08_xlsx_readme_sheet_title_totals.xlsx")
    frame, notes = read_table_file(path, filename=path.name)
    wb = openpyxl.load_workbook(path, read_only=True)
    names = wb.sheetnames
    grants = [r for r in wb["Grants"].iter_rows(values_only=True) if any(v is not None for v in r)]
    wb.close()
    assert frame.attrs["sheets"] == names == ["Read me", "Grants"]
    assert frame.attrs["sheet"] == "Grants" and frame.attrs["sheet_candidates"] == ["Grants"]
    assert any("'Grants'" in n for n in notes)
    assert list(frame.columns) == list(grants[1])  # the merged title row is skipped
    assert len(frame) == len(grants) - 2 == 5  # 4 grants and the Total row
    assert frame["Award Date"].iloc[0] == "2023-06-01" and frame["Amount Awarded"].iloc[0] == "5000"
    with pytest.raises(ValidationError, match="Read me"):
        read_table_file(path, filename=path.name, sheet="Nope")
    frame, notes = read_table_file(path, filename=path.name, sheet="Read me")
    assert frame.attrs["sheet"] == "Read me" and any("as asked" in n for n in notes)
    with pytest.raises(ValidationError, match="not a workbook"):
        read_table_file(b"name,postcode\nA,B31 2LB\n", filename="a.csv", sheet="x")


def test_two_sheets_that_could_hold_a_list(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "2023"
    ws.append(["Name", "Postcode"])
    ws.append(["A", "B31 2LB"])
    ws2 = wb.create_sheet("2024")
    ws2.append(["Name", "Postcode", "Charity number"])
    ws2.append(["B", "M1 1AE", "123"])
    ws2.append(["C", "M1 1AE", "124"])
    wb.save(tmp_path / "two.xlsx")
    frame, notes = read_table_file(tmp_path / "two.xlsx", filename="two.xlsx")
    assert frame.attrs["sheet_candidates"] == ["2023", "2024"]
    assert frame.attrs["sheet"] == "2024"  # the better header wins
    assert any("could also hold a list" in n for n in notes)
    frame, _ = read_table_file(tmp_path / "two.xlsx", filename="two.xlsx", sheet="2023")
    assert frame["Name"].tolist() == ["A"]


# ----------------------------------------------------------------------------- 6 limits, messages
def test_size_message_reads_right(monkeypatch: pytest.MonkeyPatch) -> None:
    limit = int(MAX_UPLOAD_MB * 1024 * 1024)
    message = _refusal(b"x" * (limit + 1))
    assert f"larger than the {MAX_UPLOAD_MB} MB limit ({limit + 1:,} bytes" in message
    assert "50.0 MB" not in message
    assert read_table_file(io.BytesIO(b"name,postcode\nA,B31 2LB\n"), filename="a.csv")[0].shape == (1, 2)
    with pytest.raises(ValidationError, match="or more"):
        monkeypatch.setattr(rd, "MAX_UPLOAD_MB", 0.0001)
        read_table_file(io.BufferedReader(io.BytesIO(b"x" * 200)), filename="a.csv")


def test_row_and_column_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    message = _refusal(",".join(["x"] * (MAX_COLUMNS + 1)) + "\n")
    assert f"{MAX_COLUMNS + 1:,} columns; the most accepted is {MAX_COLUMNS:,}" in message
    frame, _ = _read("name,postcode" + "," * 5000 + "\nA,B31 2LB\n")  # empty trailing cells are fine
    assert frame["name"].tolist() == ["A"]
    monkeypatch.setattr(rd, "MAX_UPLOAD_ROWS", 5)
    assert "most accepted is 5" in _refusal("name\n" + "a\n" * 6)
    assert len(_read("name\n" + "a\n" * 5)[0]) == 5


def test_messages_quoting_file_text_are_printable() -> None:
    message = _refusal(b"\x1b[2Jname\n", "evil\x1b[31m\n.json")
    assert "\\x1b" in message
    wb = openpyxl.Workbook()
    wb.active.append(["name"])
    buf = io.BytesIO()
    wb.save(buf)
    with pytest.raises(ValidationError) as err:
        read_table_file(buf.getvalue(), filename="a.xlsx", sheet="tab\n\x07")
    assert not _CONTROL.search(str(err.value)) and "\\n\\x07" in str(err.value)


# ----------------------------------------------------------------------------- 7 JSON
def test_360giving_json_every_location_in_grantnav_columns() -> None:
    path = _field("c07_360giving_json_multi_location.json")
    frame, _ = read_table_file(path, filename=path.name)
    grants = json.loads(path.read_text(encoding="utf-8"))["grants"]
    assert frame["Identifier"].tolist() == [g["id"] for g in grants]
    grantnav = pd.read_csv(_field("c05_grantnav_indexed_columns.csv"), nrows=0).columns
    for col in ("Beneficiary Location:0:Geographic Code", "Beneficiary Location:1:Geographic Code",
                "Beneficiary Location:0:Name", "Recipient Org:Name", "Recipient Org:Identifier",
                "Recipient Org:Postal Code", "Amount Awarded", "Funding Org:Name"):
        assert col in frame.columns and col in grantnav, col
    row = frame.set_index("Identifier")
    first = grants[0]["beneficiaryLocation"]
    assert row.loc[grants[0]["id"], "Beneficiary Location:0:Geographic Code"] == first[0]["geoCode"]
    assert row.loc[grants[0]["id"], "Beneficiary Location:1:Geographic Code"] == first[1]["geoCode"]
    assert row.loc[grants[2]["id"], "Beneficiary Location:0:Latitude"] == "52.415"
    assert row.loc[grants[2]["id"], "Recipient Org:Postal Code"] == "b31 2lb"


def test_360giving_recipient_locations_and_extra_orgs() -> None:
    grant = {"id": "g1", "recipientOrganization": [
        {"id": "o1", "name": "One", "location": [{"geoCode": "E08000025", "geoCodeType": "LA"},
                                                 {"geoCode": "E01009219", "geoCodeType": "LSOA"}]},
        {"id": "o2", "name": "Two", "postalCode": "B31 2LB"}]}
    frame, notes = _read(json.dumps({"grants": [grant]}), "g.json")
    assert frame["Recipient Org:Location:0:Geographic Code"].iloc[0] == "E08000025"
    assert frame["Recipient Org:Location:1:Geographic Code"].iloc[0] == "E01009219"
    assert frame["Recipient Org:1:Postal Code"].iloc[0] == "B31 2LB"
    assert any("more than one recipient" in n for n in notes)


@pytest.mark.parametrize("name", ["json_keyerror.json", "json_attributeerror.json",
                                  "json_typeerror.json"])
def test_badly_typed_360giving_json_is_read_not_crashed(name: str) -> None:
    path = _field(f"fuzz/{name}")
    grants = json.loads(path.read_text(encoding="utf-8"))["grants"]
    frame, notes = read_table_file(path, filename=name)
    assert len(frame) == len(grants)  # no grant dropped, whatever its type
    bad = [g for g in grants if not isinstance(g, dict)]  # a grant that is not an object: a row with
    issues = frame[READ_ISSUE_COLUMN].notna().sum() if READ_ISSUE_COLUMN in frame.columns else 0
    assert issues == len(bad)  # its issue; a field of the wrong type is left out, the row kept clean
    assert any("wrong JSON type" in n for n in notes)


def test_360giving_json_wrong_types_read_as_text() -> None:
    path = _field("fuzz/json_typeerror.json")
    frame, _ = read_table_file(path, filename=path.name)
    grant = json.loads(path.read_text(encoding="utf-8"))["grants"][0]
    assert frame["Description"].iloc[0] == str(grant["description"])  # a number, read as text
    assert frame["Recipient Org:Postal Code"].iloc[0] == "unknown"
    assert "Title" not in frame.columns  # a list where text was expected: left out, with a note


def test_deeply_nested_json_is_refused_clearly() -> None:
    path = _field("fuzz/json_deeply_nested.json")
    with pytest.raises(ValidationError, match="nested too deeply"):
        read_table_file(path, filename=path.name)
    with pytest.raises(ValidationError, match="nested too deeply"):
        _read("[" * 100_000 + "]" * 100_000, "deep.json")


def test_plain_json_list_of_records() -> None:
    raw = json.dumps([{"name": "A", "postcode": "B31 2LB", "geo": {"lat": 52.4, "lon": -1.9}},
                      "stray", {"name": "B", "postcode": "M1 1AE", "tags": ["x"]}])
    frame, _ = _read(raw, "list.json")
    assert frame["name"].tolist() == ["A", "", "B"]
    assert frame["geo:lat"].iloc[0] == "52.4" and frame["tags"].iloc[2] == '["x"]'
    assert frame[READ_ISSUE_COLUMN].tolist() == [None, "a list entry that is not an object: text", None]


# ----------------------------------------------------------------------------- resources (subprocess)
_RUNNER = """
import json, resource, sys, time
from needsmap.errors import ValidationError
from needsmap.orgs import reading as rd
path, overrides = sys.argv[1], json.loads(sys.argv[2])
for key, value in overrides.items():
    setattr(rd, key, value)
start = time.perf_counter()
try:
    frame, notes = rd.read_table_file(path, filename=path.rsplit("/", 1)[-1])
    outcome = {"rows": len(frame), "columns": len(frame.columns)}
except ValidationError as exc:
    outcome = {"refused": str(exc)}
outcome["seconds"] = time.perf_counter() - start
outcome["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(outcome))
"""


def _measure(path: Path, **overrides: object) -> dict[str, object]:
    """Read ``path`` in a fresh interpreter; its outcome, seconds and peak memory (MB).

    The outcome (read in full, or refused with which limit) is what the tests hold; the time and
    memory targets (< 30 s, < 1 GB) are printed figures in ``bench/bench_upload_limits.py``. The
    timeout here only keeps a regression from hanging the suite.
    """
    done = subprocess.run([sys.executable, "-c", _RUNNER, str(path), json.dumps(overrides)],
                          capture_output=True, text=True, timeout=600, check=True)
    outcome: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return outcome


def _small_book() -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["name", "postcode"])
    for i in range(3):
        ws.append([f"Org {i}", "B31 2LB"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _edit_sheet(data: bytes, path: Path, edit: object) -> None:
    """Copy the workbook ``data`` to ``path``, passing sheet1's XML through ``edit`` (a callable
    that writes the new XML to an open zip member)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                with out.open(info.filename, "w", force_zip64=True) as member:
                    edit(body, member)  # type: ignore[operator]
            else:
                out.writestr(info.filename, body)


def test_declared_dimension_is_not_trusted(tmp_path: Path) -> None:
    path = tmp_path / "dimension.xlsx"
    _edit_sheet(_small_book(), path, lambda body, out: out.write(
        re.sub(rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="A1:XFD1048576"/>', body)))
    assert path.stat().st_size < 6_000
    assert b"A1:XFD1048576" in zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml")
    outcome = _measure(path)
    assert outcome["rows"] == 3 and outcome["columns"] == 2


def test_two_cells_at_opposite_corners_are_bounded(tmp_path: Path) -> None:
    # python-calamine allocates the dense range (1,048,576 x 16,384 cells) and aborts the process here
    path = tmp_path / "corners.xlsx"
    far = b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    _edit_sheet(_small_book(), path,
                lambda body, out: out.write(body.replace(b"</sheetData>", far + b"</sheetData>")))
    outcome = _measure(path)
    assert f"more than {MAX_UPLOAD_ROWS:,} rows" in str(outcome["refused"]), outcome


def test_workbook_expanding_to_five_million_rows_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "rows.xlsx"

    def rows(body: bytes, out: io.BufferedIOBase) -> None:
        head, tail = body.split(b"<sheetData>")[0], body.split(b"</sheetData>")[1]
        # no <dimension>: openpyxl's load_workbook(read_only=True) would parse the whole sheet to
        # look for one before any row is read
        head = re.sub(rb'<dimension ref="[^"]*"\s*/>', b"", head)
        out.write(head + b'<sheetData><row><c t="inlineStr"><is><t>name</t></is></c></row>')
        chunk = b"<row><c><v>1</v></c></row>" * 100_000
        for _ in range(50):
            out.write(chunk)
        out.write(b"</sheetData>" + tail)

    _edit_sheet(_small_book(), path, rows)
    assert path.stat().st_size < 1_000_000
    assert zipfile.ZipFile(path).getinfo("xl/worksheets/sheet1.xml").file_size > 100_000_000
    outcome = _measure(path)
    # refused at the row limit, or (on a loaded machine) at the time limit before it
    assert re.search(rf"more than ({MAX_UPLOAD_ROWS:,} rows|{rd.MAX_READ_SECONDS:g} s to read)",
                     str(outcome["refused"]))


def test_slow_or_huge_sheet_xml_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empties.xlsx"

    def empties(body: bytes, out: io.BufferedIOBase) -> None:
        head, tail = body.split(b"<sheetData>")[0], body.split(b"</sheetData>")[1]
        out.write(head + b"<sheetData>")
        for _ in range(600):
            out.write(b"<row>" + b'<c s="0"/>' * 2000 + b"</row>")
        out.write(b"</sheetData>" + tail)

    _edit_sheet(_small_book(), path, empties)
    outcome = _measure(path, MAX_READ_SECONDS=1.0)
    assert "more than 1 s to read" in str(outcome["refused"])
    outcome = _measure(path, MAX_XML_MB=5)
    assert "uncompressed" in str(outcome["refused"])


def test_five_million_one_character_rows_refused_quickly(tmp_path: Path) -> None:
    path = tmp_path / "tiny.csv"
    path.write_bytes(b"a\n" * 5_200_000)
    assert path.stat().st_size > 10_000_000
    outcome = _measure(path)
    assert f"more than {MAX_UPLOAD_ROWS:,} rows" in str(outcome["refused"])


def test_one_row_of_100000_columns_refused_quickly(tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    path.write_text(",".join(["x"] * 100_000) + "\n", encoding="utf-8")
    outcome = _measure(path)
    assert f"most accepted is {MAX_COLUMNS:,}" in str(outcome["refused"])


# ----------------------------------------------------------------------------- python-calamine
def _book_with_sheet_xml(path: Path, rows_xml: Iterable[bytes], strings: list[str]) -> None:
    """A one-sheet workbook ('List') whose sheetData is ``rows_xml``, with shared ``strings``."""
    ns = 'xmlns="http://schemas.openxmlformats.org/'
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    ct = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.writestr("[Content_Types].xml", (
            f'<Types {ns}package/2006/content-types"><Default Extension="rels" ContentType="'
            'application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
            f'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="{ct}'
            f'.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="{ct}'
            f'.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="{ct}'
            '.sharedStrings+xml"/><Override PartName="/xl/styles.xml" ContentType="'
            f'{ct}.styles+xml"/></Types>'))
        z.writestr("_rels/.rels", f'<Relationships {ns}package/2006/relationships"><Relationship '
                   f'Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml", f'<workbook {ns}spreadsheetml/2006/main" xmlns:r="{rel}">'
                   '<sheets><sheet name="List" sheetId="1" r:id="rId1"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels", (
            f'<Relationships {ns}package/2006/relationships"><Relationship Id="rId1" Type="{rel}'
            f'/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="{rel}'
            f'/sharedStrings" Target="sharedStrings.xml"/><Relationship Id="rId3" Type="{rel}'
            '/styles" Target="styles.xml"/></Relationships>'))
        # style 1: a date (built-in format 14), style 2: a percentage (built-in format 10)
        z.writestr("xl/styles.xml", (
            f'<styleSheet {ns}spreadsheetml/2006/main"><fonts count="1"><font/></fonts><fills '
            'count="1"><fill><patternFill patternType="none"/></fill></fills><borders count="1"><border/>'
            '</borders><cellStyleXfs count="1"><xf/></cellStyleXfs><cellXfs count="3"><xf '
            'numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/><xf numFmtId="10" '
            'applyNumberFormat="1"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" '
            'xfId="0" builtinId="0"/></cellStyles></styleSheet>'))
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(f'<worksheet {ns}spreadsheetml/2006/main"><sheetData>'.encode())
            for row in rows_xml:
                sheet.write(row)
            sheet.write(b"</sheetData></worksheet>")
        with z.open("xl/sharedStrings.xml", "w", force_zip64=True) as sst:
            sst.write(f'<sst {ns}spreadsheetml/2006/main" uniqueCount="{len(strings)}">'.encode())
            for text in strings:
                sst.write(f"<si><t xml:space=\"preserve\">{text}</t></si>".encode())
            sst.write(b"</sst>")


def _typed_book(path: Path) -> None:
    """Dates, floats, ints, booleans, blanks, formulas with and without a cached value, an error,
    Excel's ``_x000D_`` escape, a blank row and a row starting in column B."""
    strings = ["name", "postcode", "awarded", "amount", "share", "calc", "flag", "note",
               "Café A", "B31 2LB", "  spaced  ", "line_x000D_break", "M1 1AE"]
    rows = [
        b'<row r="1">' + b"".join(f'<c r="{c}1" t="s"><v>{i}</v></c>'.encode()
                                  for i, c in enumerate("ABCDEFGH")) + b"</row>",
        b'<row r="2"><c r="A2" t="s"><v>8</v></c><c r="B2" t="s"><v>9</v></c><c r="C2" s="1">'
        b'<v>45017</v></c><c r="D2"><v>1500</v></c><c r="E2" s="2"><v>0.25</v></c><c r="F2">'
        b'<f>D2*2</f><v>3000</v></c><c r="G2" t="b"><v>1</v></c><c r="H2" t="str"><f>A2&amp;"!"</f>'
        b"<v>Caf\xc3\xa9 A!</v></c></row>",
        b'<row r="3"><c r="A3" t="s"><v>10</v></c><c r="C3" s="1"><v>36525.75</v></c><c r="D3">'
        b'<v>1234567.891</v></c><c r="E3"><v>1e-07</v></c><c r="F3"><f>D3*2</f></c><c r="G3" '
        b't="e"><f>NA()</f><v>#N/A</v></c><c r="H3" t="inlineStr"><is><t>inline</t></is></c></row>',
        b'<row r="4"><c r="D4" s="0"/></row>',
        b'<row r="5"><c r="B5" t="s"><v>12</v></c><c r="D5"><v>12345678901</v></c><c r="E5">'
        b'<v>-3</v></c><c r="H5" t="s"><v>11</v></c></row>',
        b'<row r="6"><c r="A6" t="s"><v>8</v></c><c r="B6" t="s"><v>9</v></c></row>',
    ]
    _book_with_sheet_xml(path, rows, strings)


@pytest.mark.parametrize("case", ["c08_xlsx_readme_sheet_title_totals.xlsx", "typed", "small"])
def test_calamine_and_openpyxl_read_alike(case: str, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    if case == "typed":
        path = tmp_path / "typed.xlsx"
        _typed_book(path)
    elif case == "small":
        path = tmp_path / "small.xlsx"
        path.write_bytes(_small_book())
    else:
        path = _field(case)
    fast, fast_notes = read_table_file(path, filename=path.name)
    monkeypatch.setattr(rd, "_CALAMINE_CELLS", 0)  # every sheet too large: the openpyxl stream
    slow, slow_notes = read_table_file(path, filename=path.name)
    pd.testing.assert_frame_equal(fast, slow)
    assert fast_notes == slow_notes and fast.attrs == slow.attrs
    if case == "typed":  # the values themselves, as written in the sheet XML above
        values = fast.drop(columns=READ_ISSUE_COLUMN)
        first, second, _, fifth = (values.iloc[i].to_dict() for i in range(4))
        assert first == {"name": "Café A", "postcode": "B31 2LB", "awarded": "2023-04-01",
                         "amount": "1500", "share": "0.25", "calc": "3000", "flag": "True",
                         "note": "Café A!"}
        assert second["awarded"] == "1999-12-31T18:00:00" and second["amount"] == "1234567.891"
        assert second["share"] == "1e-07" and second["name"] == "  spaced  "
        assert second["calc"] == "" and second["flag"] == ""  # no cached value; #N/A
        assert fast[READ_ISSUE_COLUMN].tolist() == [None, None, REASON_BLANK, None, None]
        assert fifth["amount"] == "12345678901" and fifth["note"] == "line\rbreak"
        assert fifth["name"] == "" and fifth["postcode"] == "M1 1AE"


def test_valid_workbook_of_200000_rows_is_read_in_full(tmp_path: Path) -> None:
    # shared strings as Excel writes them: a name per row, a few repeated values
    path = tmp_path / "big.xlsx"
    cols = 20
    letters = [chr(65 + j) for j in range(cols)]
    names = [f"Organisation {i}" for i in range(MAX_UPLOAD_ROWS)]
    fixed = ["B31 2LB", "Community", "Birmingham", "yes"]
    heads = ["name", "charity_number", "award_date", "amount_awarded"]
    strings = heads + [f"field {j}" for j in range(len(heads), cols)] + fixed + names
    rest = "".join(f'<c r="{c}{{0}}" t="s"><v>{cols + j % len(fixed)}</v></c>'
                   for j, c in enumerate(letters[3:]))
    template = (f'<row r="{{0}}"><c r="A{{0}}" t="s"><v>{{1}}</v></c><c r="B{{0}}"><v>{{0}}</v></c>'
                f'<c r="C{{0}}" s="1"><v>45{{2:03d}}</v></c>{rest}</row>')
    header = "<row r=\"1\">" + "".join(f'<c r="{c}1" t="s"><v>{j}</v></c>'
                                       for j, c in enumerate(letters)) + "</row>"
    base = cols + len(fixed)

    def rows() -> Iterator[bytes]:
        yield header.encode()
        for start in range(0, MAX_UPLOAD_ROWS, 10_000):
            yield "".join(template.format(r + 2, base + r, r % 1000)
                          for r in range(start, start + 10_000)).encode()

    _book_with_sheet_xml(path, rows(), strings)
    outcome = _measure(path)
    assert outcome["rows"] == MAX_UPLOAD_ROWS and outcome["columns"] == cols, outcome


# ----------------------------------------------------------------------------- header row, spacing
def test_heading_row_beats_a_data_row_of_x_and_y() -> None:
    # the heading names nothing known; the data rows' "x"/"y" are easting/northing synonyms
    frame, notes = _read("![x](http://h/i.png),[Click for help](#)\nx,y\n1,2\nx,y\n")
    assert list(frame.columns) == ["![x](http://h/i.png)", "[Click for help](#)"]
    assert frame.values.tolist() == [["x", "y"], ["1", "2"], ["x", "y"]]
    assert not any("skipped" in n for n in notes)


def test_double_spaced_file_gives_one_note_not_a_row_per_blank_line() -> None:
    path = _field("fuzz/wrong_status.csv")
    # the raw records, by the standard library's reader: a blank record after every data record
    records = list(csv.reader(io.StringIO(path.read_bytes().decode("latin-1"), newline=""),
                              delimiter="|"))[1:]
    while records and not records[-1]:
        records.pop()
    data = [r for r in records if r]
    assert [bool(r) for r in records] == [i % 2 == 0 for i in range(len(records))]
    frame, notes = read_table_file(path, filename=path.name)
    assert len(frame) == len(data) and READ_ISSUE_COLUMN not in frame.columns
    assert f"the file has a blank line after every row: {len(data) - 1} blank lines ignored" in notes


def test_irregular_blank_rows_are_still_reported() -> None:
    frame, notes = _read("name,postcode\nA,B31 2LB\n\nB,B31 2LB\nC,B31 2LB\n\nD,M1 1AE\n")
    assert frame[READ_ISSUE_COLUMN].tolist() == [None, REASON_BLANK, None, None, REASON_BLANK, None]
    assert not any("blank line after every row" in n for n in notes)
