"""Hypothesis strategies for the fuzz harness (``tests/test_fuzz.py``), and its figures.

Every strategy draws a :class:`Case`: a file's bytes, its name, and what the file holds as its
generator wrote it (how many data rows, which rows carry a real English postcode from the staged
postcode file). Kinds, as in ``../shared/field-cases/fuzz/README.md``:

- ``bytes``: random bytes, byte-order marks, UTF-16 text with and without a BOM, truncated files;
- ``delimited``: ``, ; tab |`` tables with title lines, quoted headings holding the delimiter,
  duplicate column names, ``1e309``, control characters, Markdown/HTML, full-width postcodes,
  huge cells (over the csv module's 131,072-character default), blank lines, a first cell
  starting with ``[``, in UTF-8 (with or without BOM), UTF-16 (with or without BOM) or Windows-1252;
- ``json``: 360Giving-shaped JSON with wrong types, non-objects, strings where objects are
  expected, deep nesting; plain lists of records;
- ``xlsx``: small workbooks (openpyxl) with several sheets and title rows.

"Data row" follows the reading contract (``reading.READ_ISSUE_COLUMN``): every line between the
header and the last non-blank line is a row (blank spacer rows between data rows are kept, with a
reason); blank lines after the last data row may be dropped.

This module is also a pytest plugin (``pytest -p tests.fuzz_inputs``, as ``make fuzz`` runs it):
its terminal summary prints the figures the fuzz tests left in :data:`REPORT_DIR`.
"""

from __future__ import annotations

import codecs
import datetime as dt
import functools
import io
import json
import os
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from hypothesis import strategies as st

from needsmap.config import PROJECT_ROOT, data_dir

#: environment variable: total number of fuzz cases (``make fuzz``); unset → the bounded run
EXAMPLES_ENV = "NEEDSMAP_FUZZ_EXAMPLES"
#: where each fuzz test leaves its figures (one JSON file per test) for the terminal summary
REPORT_DIR = Path(os.environ.get("NEEDSMAP_FUZZ_REPORT_DIR", PROJECT_ROOT / "tests" / "_artifacts" / "fuzz"))
#: how many real postcodes are sampled from the staged postcode file (England / Wales+Scotland)
N_ENGLISH, N_OTHER = 300, 60
#: the csv module's default field size limit: cells longer than this sank whole files
CSV_FIELD_LIMIT = 131_072

DELIMITERS = (",", ";", "\t", "|")
ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "cp1252")


# ----------------------------------------------------------------------------- the staged data
@functools.cache
def staged_postcodes() -> tuple[list[str], list[str]]:
    """Real postcodes from the staged NSPL centroid file: (English, Welsh or Scottish).

    England and not-England are decided by the country outlines
    (``geography/countries_gb_boundaries.parquet``), from each postcode's published centroid;
    postcodes without coordinates are left out. A fixed seed: the same sample on every run.
    """
    import geopandas as gpd
    import shapely

    nspl = pd.read_parquet(data_dir() / "postcodes" / "nspl_2025_05_postcode_centroids.parquet")
    nspl = nspl.dropna(subset=["lat", "lon"]).sample(6_000, random_state=20250512)
    countries = gpd.read_parquet(data_dir() / "geography" / "countries_gb_boundaries.parquet")
    england = countries.loc[countries["ctry_code"] == "E92000001", "geometry"].iloc[0]
    other = countries.loc[countries["ctry_code"].isin(["W92000004", "S92000003"]), "geometry"].union_all()
    lon, lat = nspl["lon"].to_numpy(), nspl["lat"].to_numpy()
    in_england = shapely.contains_xy(england, lon, lat)
    in_other = shapely.contains_xy(other, lon, lat)
    eng = nspl.loc[in_england, "postcode"].head(N_ENGLISH).tolist()
    oth = nspl.loc[in_other & ~in_england, "postcode"].head(N_OTHER).tolist()
    assert len(eng) == N_ENGLISH and len(oth) == N_OTHER, (len(eng), len(oth))
    return eng, oth


@functools.cache
def english_keys() -> frozenset[str]:
    """The sampled English postcodes, upper case with spaces removed."""
    return frozenset(p.replace(" ", "") for p in staged_postcodes()[0])


@functools.cache
def lsoa21_codes() -> frozenset[str]:
    """Every LSOA 2021 code of England (33,755), from the IMD 2025 file as published."""
    codes = pd.read_csv(data_dir() / "imd" / "imd2025_lsoa21.csv", usecols=["lsoa21_code"], dtype=str)
    return frozenset(codes["lsoa21_code"])


def staged_key(text: object) -> str | None:
    """The sampled English postcode a cell holds (as a person might type it), else ``None``.

    Derived from the text alone (NFKC, then letters and digits), independently of the product.
    """
    if not isinstance(text, str):
        return None
    key = re.sub(r"[^A-Z0-9]", "", unicodedata.normalize("NFKC", text).upper())
    return key if key in english_keys() else None


# ----------------------------------------------------------------------------- cases
@dataclass
class Case:
    """One generated file and what its generator put in it.

    Attributes
    ----------
    kind
        ``bytes``, ``delimited``, ``json`` or ``xlsx``.
    filename
        The name given to the importer (its extension picks the reader).
    data
        The file's bytes.
    min_rows, max_rows
        Data rows the table must have: between these (blank lines after the last data row, or
        non-object grants in a JSON array, may be dropped); ``None`` when unknown (random bytes).
    must_read
        A valid list up to the limits: refusing it loses every row.
    expect
        ``source_row`` → a real English postcode (from the staged file) written in the row's
        postcode column: that row must not be "not a valid postcode"/"postcode not found".
    about
        What the generator did, in words (for reports).
    """

    kind: str
    filename: str
    data: bytes
    min_rows: int | None = None
    max_rows: int | None = None
    must_read: bool = False
    expect: dict[int, str] = field(default_factory=dict)
    about: str = ""
    #: blank records alternate with data: rows may come out renumbered (``expect`` is then unchecked)
    double_spaced: bool = False

    def __repr__(self) -> str:
        head = self.data[:400]
        more = f"… ({len(self.data):,} bytes)" if len(self.data) > 400 else ""
        return (f"Case({self.kind}, {self.filename!r}, rows {self.min_rows}–{self.max_rows}, "
                f"must_read={self.must_read}, expect={self.expect}, {self.about}, data={head!r}{more})")

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """Hypothesis prints a failing case with this (the short form, not every byte)."""
        printer.text(repr(self))


# ----------------------------------------------------------------------------- cells
SPECIAL_TEXT = (
    "1e309", "-1e309", "NaN", "inf", "0x1F", "=1+1", "+cmd|' /C calc'!A0", "@SUM(1+1)", "-1+1",
    "\r=1+1", "\n=1+1", "Tea\x01Toast", "\x1b[2J\x1b[31mRED\x1b[0m", "line1\r\nline2", "a\rb",
    "NUL\x00byte", "\x85next", "sep\u2028line", "**bold** _it_ `code`", "[link](javascript:alert(1))",
    "![x](http://127.0.0.1:9/beacon.png)", "<script>alert(document.domain)</script>",
    '<img src=x onerror="alert(1)">', "%s%s%s%n", "NULL", "None", "N/A", "", " ", "Total",
    "Subtotal", "\u202eTSURT ATAD\u202c", "e\u0301\u0301combining", "\ufeffBOM inside", "'quoted'",
    '"double"', "tab\there", "semi;colon", "pipe|bar", "comma,here", "ｆｕｌｌｗｉｄｔｈ",
)
TITLES = (
    "Members list", "Exported 2024-01-01, by admin", "Community groups; March 2024",
    "Source: council | updated weekly", "[Draft] list of members", "Grants made\tQ1",
)
PC_HEADERS = ("Postcode", "postcode", "Post code", "POST CODE", "Post-code", "Postal code", "postcode ")
NAME_HEADERS = ("Name", "name", "Organisation name", "organisation_name", "Charity name")
CAT_HEADERS = ("Sector", "network", "Type", "category")
EXTRA_HEADERS = ("Notes", "Ref", "Contact", "Website", "Notes, comments", "Amount; £", "Ref | id",
                 "Opened\tclosed")


@functools.cache
def _header_words() -> frozenset[str]:
    from needsmap.orgs.columns import SYNONYMS

    return frozenset(s for syns in SYNONYMS.values() for s in syns)


def _not_a_heading(text: str) -> bool:
    """Data cells must not read as a heading (else the header row would be ambiguous)."""
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_") not in _header_words()


@functools.cache
def cell_text() -> st.SearchStrategy[str]:
    """Text for name/notes cells: special payloads, random Unicode, plain words (built once)."""
    return st.one_of(
        st.sampled_from(SPECIAL_TEXT),
        st.text(max_size=24),
        st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=24),
        st.from_regex(r"[A-Z][a-z]{2,8}( [A-Z][a-z]{2,8}){0,3}", fullmatch=True),
    ).filter(_not_a_heading)


def fullwidth(text: str) -> str:
    """ASCII letters, digits and space → their full-width forms (``B31 2LB`` → ``Ｂ３１　２ＬＢ``)."""
    return "".join("\u3000" if c == " " else chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


_VARIANTS = ("as is", "lower", "no space", "two spaces", "padded", "trailing dot", "trailing comma",
             "tabs", "full-width", "full-width half")


def _variant(pc: str, how: str) -> str:
    out = {
        "as is": pc, "lower": pc.lower(), "no space": pc.replace(" ", ""),
        "two spaces": re.sub(r"\s*(\d[A-Z]{2})$", r"  \1", pc), "padded": f"  {pc} ",
        "trailing dot": pc + ".", "trailing comma": pc + ",", "tabs": f"\t{pc}\t",
        "full-width": fullwidth(pc), "full-width half": fullwidth(pc[: len(pc) // 2]) + pc[len(pc) // 2:],
    }
    return out[how]


@st.composite
def _postcode_cell(draw: st.DrawFn) -> tuple[str, str | None]:
    """A postcode cell and the staged English postcode it holds (``None`` when it holds none)."""
    pick = draw(st.integers(0, 9))
    if pick <= 4:
        pc = staged_postcodes()[0][draw(st.integers(0, N_ENGLISH - 1))]
        return _variant(pc, draw(st.sampled_from(_VARIANTS))), pc
    if pick == 5:
        return staged_postcodes()[1][draw(st.integers(0, N_OTHER - 1))], None
    if pick == 6:
        return draw(st.sampled_from(("", "", "NULL", "unknown", "n/a", "(SN5 4AQ)", "[Unknown]", "-"))), None
    if pick == 7:
        return draw(st.sampled_from(("JE1 6UG", "GY1 3DQ", "IM9 2AW", "BT1 1AA", "NPT 1AA", "ZZ9 9ZZ",
                                     "garbage", "B31", "=CF4 2PX", "AB2\u0301 2UD"))), None
    text = draw(cell_text())
    return text, staged_key(text)


@functools.cache
def postcode_cell() -> st.SearchStrategy[tuple[str, str | None]]:
    """A postcode cell and the staged English postcode it holds (``None`` when it holds none)."""
    return _postcode_cell()


def _blank(cells: list[str]) -> bool:
    return not any(c.strip() for c in cells)


def _rows_range(records: list[list[str]]) -> tuple[int, int]:
    """(rows up to the last non-blank record, all records). A double-spaced file (a blank line
    after every record, at least two) may come out as its non-blank records only: the reader
    notes the blank lines once instead of reporting each as a spacer row."""
    last = max((i for i, r in enumerate(records) if not _blank(r)), default=-1)
    blanks = sum(_blank(r) for r in records[:last + 1])
    return (last + 1 - blanks if _double_spaced(records) else last + 1), len(records)


def _double_spaced(records: list[list[str]]) -> bool:
    """A blank record after every record (at least two): the reader may drop them, renumbering."""
    last = max((i for i, r in enumerate(records) if not _blank(r)), default=-1)
    body = records[:last + 1]
    return sum(_blank(r) for r in body) >= 2 and all(_blank(r) == (i % 2 == 1)
                                                     for i, r in enumerate(body))


# ----------------------------------------------------------------------------- delimited files
def _field(value: str, delim: str, quote_all: bool) -> str:
    if quote_all or any(ch in value for ch in (delim, '"', "\r", "\n")):
        return '"' + value.replace('"', '""') + '"'
    return value


def _encode(text: str, encoding: str) -> tuple[bytes, str]:
    try:
        return text.encode(encoding), encoding
    except UnicodeEncodeError:
        return text.encode("utf-8"), "utf-8"


@st.composite
def delimited_files(draw: st.DrawFn) -> Case:
    """A delimited organisation list as people have them (see the module docstring)."""
    delim = draw(st.sampled_from(DELIMITERS))
    header = [draw(st.sampled_from(NAME_HEADERS)), draw(st.sampled_from(PC_HEADERS))]
    if draw(st.booleans()):
        header.append(draw(st.sampled_from(CAT_HEADERS)))
    header += draw(st.lists(st.sampled_from(EXTRA_HEADERS), max_size=3))  # duplicates allowed
    dup_pc = draw(st.integers(0, 5)) == 0
    if dup_pc:
        header.append(header[1])
    header = draw(st.permutations(header))
    if draw(st.integers(0, 7)) == 0:  # a first cell starting with "[" (was read as JSON)
        header[0] = f"[{header[0]}]"
    pc_cols = [i for i, h in enumerate(header) if re.sub(r"[^a-z]", "", h.lower()) in
               {"postcode", "postalcode"}]
    n = draw(st.integers(1, 12))
    huge = draw(st.integers(0, 39)) == 0
    records: list[list[str]] = []
    expect: dict[int, str] = {}
    for i in range(n):
        row = [draw(cell_text()) for _ in header]
        for j in pc_cols:
            text, key = draw(postcode_cell())
            row[j] = text
            if j == pc_cols[0] and key is not None:
                expect[len(records) + 1] = key
        if huge and i == n // 2:  # in a column that is not a postcode column
            others = [j for j in range(len(row)) if j not in pc_cols]
            row[others[draw(st.integers(0, len(others) - 1))]] = "A" * (CSV_FIELD_LIMIT + 1) + "Z"
        records.append(row)
        if i < n - 1 and draw(st.integers(0, 4)) == 0:  # a blank spacer row between data rows
            records.append([] if draw(st.booleans()) else [""] * len(header))
    trailing = draw(st.integers(0, 2))
    quote_all = draw(st.booleans())
    eol = draw(st.sampled_from(("\n", "\r\n")))
    titles = draw(st.lists(st.sampled_from(TITLES), max_size=2))
    lines = list(titles)
    blank_after_titles: bool = draw(st.booleans()) if titles else False
    if blank_after_titles:
        lines.append("")
    lines.append(delim.join(_field(h, delim, quote_all) for h in header))
    lines += [delim.join(_field(c, delim, quote_all) for c in r) for r in records]
    lines += [""] * trailing
    text = eol.join(lines) + (eol if draw(st.booleans()) else "")
    data, encoding = _encode(text, draw(st.sampled_from(ENCODINGS)))
    lo, hi = _rows_range([r or [""] for r in records])
    ext = draw(st.sampled_from((".csv", ".txt", ".tsv" if delim == "\t" else ".csv")))
    about = (f"{_DELIM_WORDS[delim]}, {encoding}, {len(titles)} title line(s), header {header!r}, "
             f"{n} data rows{', a huge cell' if huge else ''}")
    return Case("delimited", f"list{ext}", data, lo, hi, lo > 0, expect, about,
                double_spaced=_double_spaced([r or [""] for r in records]))


_DELIM_WORDS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}


# ----------------------------------------------------------------------------- JSON
json_scalar = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                        st.text(max_size=12), st.sampled_from(SPECIAL_TEXT))
json_any = st.recursive(json_scalar, lambda c: st.lists(c, max_size=3)
                        | st.dictionaries(st.text(max_size=6), c, max_size=3), max_leaves=8)


def _wrong(good: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly ``good``; sometimes a value of the wrong JSON type."""
    return st.one_of(good, good, good, json_any)


_WRONG_SHORT = _wrong(st.text(max_size=12))
_WRONG_FIELD = _wrong(st.one_of(st.text(max_size=12), st.integers(0, 10**6)))
_FUNDER = st.one_of(st.lists(st.fixed_dictionaries({"id": json_scalar, "name": json_scalar, "title": json_scalar}),
                             max_size=2),
                    st.fixed_dictionaries({"name": json_scalar, "postalCode": json_scalar}), json_any)


@functools.cache
def _WRONG_CELL() -> st.SearchStrategy[Any]:  # noqa: N802 - a constant built on first use
    return _wrong(cell_text())


@functools.cache
def _LOC() -> st.SearchStrategy[Any]:  # noqa: N802 - a constant built on first use
    return st.fixed_dictionaries({}, optional={
        "name": _wrong(cell_text()), "geoCode": _wrong(st.sampled_from(("E01009219", "E08000025", "E92000001", "x"))),
        "geoCodeType": _wrong(st.sampled_from(("LSOA", "LA", "CTRY"))), "latitude": _wrong(st.floats(50, 56)),
        "longitude": _wrong(st.floats(-5, 1.5)), "countryCode": _wrong(st.just("GB"))})


@st.composite
def _org(draw: st.DrawFn) -> tuple[Any, str | None]:
    org: dict[str, Any] = {"name": draw(_WRONG_CELL())}
    key = None
    if draw(st.integers(0, 4)):
        text, key = draw(postcode_cell())
        wrong = draw(st.integers(0, 5)) == 0
        org["postalCode"] = draw(json_any) if wrong else text
        key = None if wrong else key
    for name in draw(st.lists(st.sampled_from(("id", "charityNumber", "companyNumber", "streetAddress",
                                               "addressLocality", "location")), max_size=3, unique=True)):
        org[name] = draw(_WRONG_SHORT)
    return org, key


_ORG = _org()


@st.composite
def _grant(draw: st.DrawFn) -> tuple[Any, str | None]:
    """A 360Giving grant (or a non-object) and the staged postcode its first recipient holds."""
    if draw(st.integers(0, 6)) == 0:
        return draw(json_any.filter(lambda v: not isinstance(v, dict))), None
    grant: dict[str, Any] = {}
    for name in draw(st.lists(st.sampled_from(("id", "title", "description", "currency", "amountAwarded",
                                               "awardDate")), max_size=6, unique=True)):
        grant[name] = draw(_WRONG_FIELD)
    key = None
    shape = draw(st.integers(0, 5))
    if shape <= 2:  # a list of organisations, as the standard says
        orgs = draw(st.lists(_ORG, min_size=1, max_size=3))
        grant["recipientOrganization"] = [o for o, _ in orgs]
        key = orgs[0][1]
    elif shape == 3:  # an object where a list is expected
        grant["recipientOrganization"] = draw(_ORG)[0]
    elif shape == 4:
        grant["recipientOrganization"] = draw(json_any)
    loc = _LOC()
    if draw(st.booleans()):
        grant["beneficiaryLocation"] = draw(st.one_of(st.lists(loc, max_size=3), loc, st.text(max_size=5),
                                                      st.lists(st.text(max_size=5), max_size=2), json_any))
    for name in ("fundingOrganization", "grantProgramme"):
        if draw(st.booleans()):
            grant[name] = draw(_FUNDER)
    return grant, key


_GRANT = _grant()


@st.composite
def json_files(draw: st.DrawFn) -> Case:
    """360Giving-shaped JSON (mostly), a plain list of records, or odd JSON (deep nesting …)."""
    shape = draw(st.integers(0, 19))
    if shape <= 13:
        grants = draw(st.lists(_GRANT, min_size=0, max_size=8))
        doc: Any = {"grants": [g for g, _ in grants]}
        if draw(st.booleans()):
            doc.update(draw(st.dictionaries(st.sampled_from(("license", "publisher", "grants_")), json_any)))
        expect = {i + 1: k for i, (_, k) in enumerate(grants) if k is not None}
        dicts = sum(isinstance(g, dict) for g, _ in grants)
        # rows must be numbered as the grants are: only when no non-object comes before a keyed grant
        if any(not isinstance(g, dict) for g, _ in grants):
            expect = {}
        text = json.dumps(doc, ensure_ascii=draw(st.booleans()))
        return Case("json", "grants.json", text.encode("utf-8"), dicts, len(grants), bool(expect), expect,
                    f"360Giving: {len(grants)} grants, {dicts} objects")
    if shape <= 16:
        recs = []
        expect = {}
        for i in range(draw(st.integers(1, 6))):
            pc, key = draw(postcode_cell())
            recs.append({"name": draw(cell_text()), "postcode": pc, "notes": draw(json_any)})
            if key is not None:
                expect[i + 1] = key
        return Case("json", "records.json", json.dumps(recs).encode("utf-8"), len(recs), len(recs),
                    True, expect, f"list of {len(recs)} records")
    if shape <= 18:
        return Case("json", "odd.json", json.dumps(draw(json_any)).encode("utf-8"), about="any JSON value")
    depth = draw(st.integers(500, 100_000))
    opener = draw(st.sampled_from(("[", '{"grants": [', '{"a":')))
    body = (opener * depth) if opener != '{"a":' else opener * depth + "1" + "}" * depth
    return Case("json", "deep.json", body.encode("ascii") + b"]" * depth * (opener == "["),
                about=f"nested {depth} deep")


# ----------------------------------------------------------------------------- workbooks
def _xlsx_value(draw: st.DrawFn) -> Any:
    return draw(st.one_of(
        cell_text(), st.none(), st.integers(-10**9, 10**9), st.floats(allow_nan=False, allow_infinity=False),
        st.booleans(), st.dates(dt.date(1900, 3, 1), dt.date(2100, 1, 1))))


@st.composite
def xlsx_files(draw: st.DrawFn) -> Case:
    """A small workbook: the list on one sheet (title rows above the header), notes on others."""
    import openpyxl
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    def clean(v: Any) -> Any:
        return ILLEGAL_CHARACTERS_RE.sub("", v)[:1000] if isinstance(v, str) else v

    wb = openpyxl.Workbook()
    n_sheets = draw(st.integers(1, 3))
    at = draw(st.integers(0, n_sheets - 1))
    expect: dict[int, str] = {}
    lo = hi = 0
    double = False
    for s in range(n_sheets):
        ws = wb.active if s == 0 else wb.create_sheet()
        ws.title = draw(st.sampled_from(("Sheet", "Notes", "Readme", "Data", "Members", "2024"))) + str(s)
        if s != at:
            for _ in range(draw(st.integers(0, 3))):
                ws.append([clean(draw(st.sampled_from(TITLES + ("", "See the other sheet"))))])
            continue
        for t in draw(st.lists(st.sampled_from(TITLES), max_size=2)):
            ws.append([t])
        header = draw(st.permutations([draw(st.sampled_from(NAME_HEADERS)), draw(st.sampled_from(PC_HEADERS)),
                                       *draw(st.lists(st.sampled_from(EXTRA_HEADERS + CAT_HEADERS), max_size=2))]))
        pc_col = next(i for i, h in enumerate(header) if h in PC_HEADERS)
        ws.append(header)
        records: list[list[str]] = []
        for _row in range(draw(st.integers(1, 10))):
            row = [clean(_xlsx_value(draw)) for _ in header]
            text, key = draw(postcode_cell())
            row[pc_col] = clean(text)
            if key is not None and staged_key(row[pc_col]) == key:
                expect[len(records) + 1] = key
            records.append(["" if v is None else str(v) for v in row])
            ws.append(row)
            if draw(st.integers(0, 5)) == 0:
                ws.append([None] * len(header))
                records.append([""] * len(header))
        lo, hi = _rows_range(records)
        double = _double_spaced(records)
    buf = io.BytesIO()
    wb.save(buf)
    return Case("xlsx", "list.xlsx", buf.getvalue(), lo, hi, lo > 0, expect,
                f"{n_sheets} sheet(s), the list on sheet {at + 1}", double_spaced=double)


_DELIMITED = delimited_files()


# ----------------------------------------------------------------------------- random bytes
BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE, b"PK\x03\x04",
        b"\xd0\xcf\x11\xe0", b"{", b"[", b"\x00")


@st.composite
def byte_files(draw: st.DrawFn) -> Case:
    """Random bytes (after a byte-order mark or magic number, or UTF-16 text), or a cut-off file."""
    shape = draw(st.integers(0, 4))
    if shape == 0:
        data = draw(st.binary(max_size=300))
    elif shape == 1:
        data = draw(st.sampled_from(BOMS)) + draw(st.binary(max_size=200))
    elif shape == 2:
        data = draw(st.text(max_size=100)).encode(draw(st.sampled_from(("utf-16", "utf-16-le", "utf-16-be"))),
                                                 errors="surrogatepass")
    elif shape == 3:
        whole = draw(_DELIMITED)
        data = whole.data[: draw(st.integers(0, len(whole.data)))]
    else:
        data = (draw(st.text(alphabet=st.sampled_from('ab,;|\t"\r\n[{ 1'), max_size=200))
                .encode(draw(st.sampled_from(("utf-8", "utf-16-le")))))
    ext = draw(st.sampled_from((".csv", ".tsv", ".txt", ".json", ".xlsx", "")))
    return Case("bytes", f"upload{ext}", data, about=f"random bytes, shape {shape}")


@functools.cache
def _KINDS() -> dict[str, st.SearchStrategy[Case]]:  # noqa: N802 - a constant built on first use
    return {"bytes": byte_files(), "delimited": _DELIMITED, "json": json_files(), "xlsx": xlsx_files()}


def cases(kind: str) -> st.SearchStrategy[Case]:
    """The strategy for one kind of input."""
    return _KINDS()[kind]


# ----------------------------------------------------------------------------- figures
@dataclass
class Figures:
    """What one fuzz test saw: cases, outcomes, crashes by type, property violations by kind."""

    test: str
    cases: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)
    crashes: Counter[str] = field(default_factory=Counter)
    violations: Counter[str] = field(default_factory=Counter)
    examples: dict[str, Case] = field(default_factory=dict)
    minimal: dict[str, str] = field(default_factory=dict)
    details: dict[str, str] = field(default_factory=dict)

    def keep(self, key: str, case: Case, detail: str = "") -> None:
        """Remember the smallest input seen for a crash or violation (and what was said)."""
        old = self.examples.get(key)
        if old is None or len(case.data) < len(old.data):
            self.examples[key] = case
            self.details[key] = detail

    def save(self) -> None:
        REPORT_DIR.mkdir(parents=True, exist_ok=True)
        out = {"test": self.test, "cases": self.cases, "outcomes": self.outcomes, "crashes": self.crashes,
               "violations": self.violations,
               "examples": {k: (self.details.get(k, "") + " | " if self.details.get(k) else "")
                            + (self.minimal.get(k) or repr(c)) for k, c in self.examples.items()}}
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", self.test)
        (REPORT_DIR / f"{name}.json").write_text(json.dumps(out, indent=1, default=str))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Print the figures every fuzz test left in :data:`REPORT_DIR` (``make fuzz``)."""
    files = sorted(REPORT_DIR.glob("*.json")) if REPORT_DIR.is_dir() else []
    if not files:
        return
    tr = terminalreporter
    tr.section("needsmap fuzz figures")
    cases: Counter[str] = Counter()
    outcomes: Counter[str] = Counter()
    crashes: Counter[str] = Counter()
    violations: Counter[str] = Counter()
    examples: dict[str, str] = {}
    for f in files:
        rep = json.loads(f.read_text())
        cases.update(rep["cases"])
        outcomes.update(rep["outcomes"])
        crashes.update(rep["crashes"])
        violations.update(rep["violations"])
        for k, v in rep["examples"].items():
            examples.setdefault(k, v)
    tr.write_line(f"cases run: {sum(cases.values()):,}")
    for kind, n in sorted(cases.items()):
        tr.write_line(f"  {n:>7,}  {kind}")
    tr.write_line("outcomes:")
    for what, n in sorted(outcomes.items()):
        tr.write_line(f"  {n:>7,}  {what}")
    tr.write_line(f"crashes (an exception other than NeedsmapError): {sum(crashes.values()):,}")
    for what, n in crashes.most_common():
        tr.write_line(f"  {n:>7,}  {what}")
    tr.write_line(f"property violations: {sum(violations.values()):,} "
                  f"(rows in != rows out: {sum(n for k, n in violations.items() if 'rows' in k or 'refused' in k):,})")
    for what, n in violations.most_common():
        tr.write_line(f"  {n:>7,}  {what}")
    if examples:
        tr.write_line("smallest input seen for each:")
        for k, v in sorted(examples.items()):
            tr.write_line(f"  {k}: {v[:600]}")


def fuzz_total() -> int:
    """Total fuzz cases asked for through :data:`EXAMPLES_ENV` (0: the bounded run of ``make test``)."""
    return int(os.environ.get(EXAMPLES_ENV, "0") or 0)





def english_in_staged_file(keys: set[str]) -> set[str]:
    """Of ``keys`` (postcodes without spaces), those in the staged NSPL file whose centroid is in
    England (country outlines), for the field cases' expectations."""
    import geopandas as gpd
    import shapely

    nspl = pd.read_parquet(data_dir() / "postcodes" / "nspl_2025_05_postcode_centroids.parquet")
    nspl["key"] = nspl["postcode"].str.replace(" ", "", regex=False)
    hit = nspl[nspl["key"].isin(keys)].dropna(subset=["lat", "lon"])
    countries = gpd.read_parquet(data_dir() / "geography" / "countries_gb_boundaries.parquet")
    england = countries.loc[countries["ctry_code"] == "E92000001", "geometry"].iloc[0]
    inside = shapely.contains_xy(england, hit["lon"].to_numpy(), hit["lat"].to_numpy())
    return set(hit.loc[inside, "key"])


def postcode_key(text: object) -> str | None:
    """A cell as a postcode key (NFKC, upper case, letters and digits only), or ``None``."""
    if not isinstance(text, str):
        return None
    return re.sub(r"[^A-Z0-9]", "", unicodedata.normalize("NFKC", text).upper()) or None


__all__ = ["Case", "Figures", "cases", "english_in_staged_file", "fuzz_total", "lsoa21_codes",
           "postcode_key", "staged_key", "staged_postcodes"]
