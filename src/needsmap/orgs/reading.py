"""Read an organisation list's bytes (CSV/TSV/TXT, Excel .xlsx, JSON) into a frame of text columns.

Encodings (UTF-8 with or without BOM, UTF-16 with or without BOM, Windows-1252, Latin-1) and
delimiters (``,`` ``;`` tab ``|``, Excel's ``sep=`` line) are detected; a title row above the header
is skipped; workbooks are searched for the sheet that holds the list; 360Giving JSON is flattened to
GrantNav's column titles. What was detected or repaired is returned as notes, in words.

Rows that are not data (blank spacer rows, fragments of a line broken by an unquoted line break,
entries of a JSON ``grants`` list that are not objects) are kept, with the reason in
:data:`READ_ISSUE_COLUMN`. Resources are bounded while reading: bytes (``MAX_UPLOAD_MB``), rows
(``MAX_UPLOAD_ROWS``), columns (:data:`MAX_COLUMNS`), JSON values and nesting, and for workbooks the
uncompressed XML and the time spent (:data:`MAX_XML_MB`, :data:`MAX_READ_SECONDS`). Workbooks are
read with python-calamine once a streaming scan of each sheet's XML has found the extent of its
cells within the limits (the declared dimension is never trusted), else with openpyxl's stream.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import itertools
import json
import re
import time
import zipfile
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

from needsmap.config import MAX_UPLOAD_MB, MAX_UPLOAD_ROWS
from needsmap.errors import ValidationError
from needsmap.orgs.columns import _header_score
from needsmap.safe_text import printable

Source = bytes | str | Path | IO[bytes] | Any

#: reserved column: why a row is not data (NA for data rows); present only when some row is not
READ_ISSUE_COLUMN = "_needsmap_read_issue"
#: reasons in :data:`READ_ISSUE_COLUMN`
REASON_BLANK = "a blank spacer row"
REASON_BROKEN_LINE = "part of the row above, broken by an unquoted line break"
#: the most columns a list may have (counted up to the last non-empty cell of a row)
MAX_COLUMNS = 1000
#: the most values (objects, arrays, items) a JSON file may hold, counted before it is parsed
MAX_JSON_VALUES = 5_000_000
#: the deepest nesting of arrays/objects accepted in a JSON file (360Giving needs 4)
MAX_JSON_DEPTH = 64
#: the most uncompressed XML read from one part of a workbook (a sheet, the shared strings)
MAX_XML_MB = 400
#: the longest time spent reading a workbook's XML before it is refused (openpyxl reads about
#: 30,000 cells a second)
MAX_READ_SECONDS = 20.0
#: the most uncompressed XML in a workbook part openpyxl parses whole (styles, workbook, charts)
_MAX_PART_MB = 25
#: lines looked at to find the header row (non-blank ones) and to guess the delimiter
_HEADER_SEARCH = 10
_SNIFF_LINES = 50
_SNIFF_CHARS = 65_536
#: lines read, blank ones included, before a file is refused (blank lines cost little but not nothing)
_MAX_LINES_FACTOR = 5

#: distinct cell values shared as one string object while a file is read
_CACHE_SIZE = 1_000_000
#: texts longer than this (characters) share equal cell values while read
_SHARE_ABOVE = 8_000_000
#: rows parsed and checked at a time (see :meth:`_Rows.add_many`)
_BATCH_ROWS = 8_192
_DELIMITERS = (",", ";", "\t", "|")
_DELIM_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
_SEP_LINE = re.compile(r"^\s*sep=(.)\s*$", re.IGNORECASE)
_EXTRA = "extra fields"


def _byte_limit() -> int:
    return int(MAX_UPLOAD_MB * 1024 * 1024)


# ----------------------------------------------------------------------------- bytes
def _read_bytes(source: Source) -> bytes:
    limit = _byte_limit()
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
    elif isinstance(source, str | Path):
        path = Path(source)
        if not path.exists():
            raise ValidationError(f"File not found: {printable(path, limit=300)}")
        if path.stat().st_size > limit:
            raise _too_big(path.stat().st_size)
        with path.open("rb") as fh:
            data = fh.read(limit + 1)
    elif hasattr(source, "getvalue"):
        data = bytes(source.getvalue())
    elif hasattr(source, "read"):
        data = bytes(source.read(limit + 1))
        if len(data) > limit:
            raise _too_big(len(data), at_least=True)
    else:
        raise ValidationError(f"Cannot read an organisation list from {type(source).__name__}")
    if len(data) > limit:
        raise _too_big(len(data))
    return data


def _too_big(size: int, *, at_least: bool = False) -> ValidationError:
    more = " or more" if at_least else ""
    return ValidationError(
        f"The file is larger than the {MAX_UPLOAD_MB:g} MB limit ({size:,} bytes{more}; the largest "
        f"accepted is {_byte_limit():,} bytes). Split it, or keep only the name, postcode and "
        "category columns."
    )


def _utf16_without_bom(data: bytes) -> str | None:
    """``"utf-16-le"``/``"utf-16-be"`` when NUL bytes fall on every other byte (ASCII text in UTF-16)."""
    sample = data[:4096]
    pairs = len(sample) // 2
    if pairs < 2:
        return None
    even, odd = sample[0:pairs * 2:2].count(0), sample[1:pairs * 2:2].count(0)
    if odd >= 0.4 * pairs and even <= 0.05 * pairs:
        return "utf-16-le"
    if even >= 0.4 * pairs and odd <= 0.05 * pairs:
        return "utf-16-be"
    return None


def _decode(data: bytes, codec: str, name: str) -> tuple[str, str]:
    try:
        return data.decode(codec), name
    except UnicodeDecodeError:
        return (data.decode(codec, errors="replace"),
                f"{name} (some bytes could not be read and show as \ufffd)")


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode file bytes; never raises.

    Tried in turn: UTF-16 (by its byte-order mark, or without one by the pattern of NUL bytes),
    UTF-8 (with or without BOM), Windows-1252, then (for bytes Windows-1252 leaves undefined) the
    encoding charset-normalizer finds, else Latin-1. Text is not otherwise changed. Bytes that do not
    fit the chosen encoding become U+FFFD and the encoding's name says so.

    Returns
    -------
    The text and the encoding's name, in words (e.g. ``"UTF-8 with BOM"``).
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _decode(data, "utf-16", "UTF-16")
    if data.startswith(codecs.BOM_UTF8):
        return _decode(data[len(codecs.BOM_UTF8):], "utf-8", "UTF-8 with BOM")
    utf16 = _utf16_without_bom(data)
    if utf16 is not None:
        return _decode(data[: len(data) // 2 * 2], utf16, "UTF-16 without BOM")
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    # mostly UTF-8 with a few stray bytes: keep the UTF-8 (Windows-1252 would garble every accent)
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    if sum(1 for ch in text[:_SNIFF_CHARS] if ord(ch) > 127 and ch != "\ufffd") >= 4 * bad:
        return text, "UTF-8 (some bytes could not be read and show as \ufffd)"
    del text
    try:
        return data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:
        pass
    # Windows-1252 leaves 5 bytes undefined; a file holding them is in another code page (or is not
    # text). charset-normalizer is asked only here: on short UK files it mistakes Windows-1252 for
    # Mac or Central European code pages.
    import charset_normalizer  # local import: only needed for unusual encodings

    best = charset_normalizer.from_bytes(data[:_SNIFF_CHARS]).best()
    if best is not None and best.encoding not in ("utf_8", "cp1252"):
        try:
            return data.decode(best.encoding), best.encoding
        except (UnicodeDecodeError, LookupError):
            pass
    return data.decode("latin-1"), "Latin-1"


# ----------------------------------------------------------------------------- delimited text
def _sample_lines(text: str) -> list[str]:
    """The first :data:`_SNIFF_LINES` non-blank lines (from the first ~64 KB), Excel's sep= line left out."""
    head = text[:_SNIFF_CHARS]
    cut = head.rfind("\n")
    if len(text) > _SNIFF_CHARS and cut > 0:
        head = head[:cut]
    lines = [ln.rstrip("\r") for ln in head.split("\n")]
    lines = [ln for ln in lines if ln.strip()][:_SNIFF_LINES + 1]
    if lines and _SEP_LINE.match(lines[0]):
        lines = lines[1:]
    return lines[:_SNIFF_LINES]


def _excel_sep(text: str) -> str | None:
    first = text[:200].lstrip("\r\n").split("\n", 1)[0].rstrip("\r")
    match = _SEP_LINE.match(first)
    return match.group(1) if match else None


def sniff_delimiter(text: str) -> str:
    """The delimiter of a delimited text: one of ``,`` ``;`` tab ``|``.

    Excel's ``sep=;`` first line is obeyed. Otherwise each candidate splits the first 50 non-blank
    lines (quotes respected); the delimiter that gives the same number of fields (more than one) on
    the most lines wins, ties going to the larger number of fields. A title line above the table
    therefore does not decide. A text with none of them is taken as comma-separated (one column).
    """
    sep = _excel_sep(text)
    if sep is not None:
        return sep
    sample = "\n".join(_sample_lines(text))
    best, best_key = ",", (False, 0, 0, 0)
    for delim in _DELIMITERS:
        try:
            rows = [r for r in csv.reader(io.StringIO(sample, newline=""), delimiter=delim)
                    if len(r) > 1]
        except csv.Error:
            continue
        if not rows:
            continue
        width, lines = Counter(len(r) for r in rows).most_common(1)[0]
        # a delimiter that splits a line into recognisable column names (a header) wins over one
        # that only splits a title line or stray punctuation as consistently
        named = max(_header_score(r) for r in rows[:_HEADER_SEARCH])
        key = (named > 0, lines, named, width)
        if key > best_key:
            best, best_key = delim, key
    return best


class _Rows:
    """Collects rows while a file is read, refusing early at the row and column limits.

    Blank rows are held back as a count and kept (as ``None``) only when a non-blank row follows
    them, so trailing blank lines cost nothing and are reported as a count.
    """

    def __init__(self, filename: str, *, share: bool = False) -> None:
        self.filename = filename
        self.share = share
        self.rows: list[list[str] | None] = []
        self.pending_blank = 0
        self.seen = 0
        self.cache: dict[str, str] = {}
        self.max_rows = MAX_UPLOAD_ROWS + _HEADER_SEARCH + 1
        self.max_seen = max(self.max_rows * _MAX_LINES_FACTOR, 1_000_000)

    def add(self, row: list[str]) -> None:
        self.seen += 1
        if self.seen > self.max_seen:
            raise ValidationError(
                f"'{printable(self.filename)}' has more than {self.max_seen:,} lines (blank ones "
                f"included); the most rows accepted is {MAX_UPLOAD_ROWS:,}. Split the file.")
        if len(row) > MAX_COLUMNS:
            while row and not str(row[-1]).strip():
                row.pop()
            if len(row) > MAX_COLUMNS:
                raise ValidationError(
                    f"'{printable(self.filename)}' has a row with {len(row):,} columns; the most "
                    f"accepted is {MAX_COLUMNS:,}. Keep only the columns needed (name, postcode, "
                    "category).")
        if not "".join(row).strip():
            self.pending_blank += 1
            return
        if self.share:  # one string object per distinct value: 16 M cells of "ab" are 0.8 GB else
            cache = self.cache
            row = ([cache.setdefault(c, c) for c in row] if len(cache) < _CACHE_SIZE
                   else [cache.get(c, c) for c in row])
        if len(self.rows) + self.pending_blank + 1 > self.max_rows:
            raise self.too_many()
        if self.pending_blank:
            self.rows.extend([None] * self.pending_blank)
            self.pending_blank = 0
        self.rows.append(row)

    def add_many(self, batch: list[list[str]]) -> None:
        """:meth:`add` for each row of ``batch``, with the common case (no blank row, no limit
        near, no sharing) done for the whole batch at once."""
        n = len(batch)
        if (self.share or self.seen + n > self.max_seen
                or len(self.rows) + self.pending_blank + n > self.max_rows
                or max(map(len, batch), default=0) > MAX_COLUMNS
                or not all(map(str.strip, map("".join, batch)))):
            for row in batch:
                self.add(row)
            return
        self.seen += n
        if self.pending_blank:
            self.rows.extend([None] * self.pending_blank)
            self.pending_blank = 0
        self.rows.extend(batch)

    def too_many(self) -> ValidationError:
        return ValidationError(
            f"'{printable(self.filename)}' has more than {MAX_UPLOAD_ROWS:,} rows (blank rows "
            f"between rows included); the most accepted is {MAX_UPLOAD_ROWS:,}. Split the file.")


def _rows_from_text(data: bytes, filename: str) -> tuple[_Rows, list[str]]:
    text, encoding = decode_text(data)
    del data
    notes = [f"encoding {encoding}"]
    sep = _excel_sep(text)
    delim = sniff_delimiter(text)
    if sep is not None:
        text = text.lstrip("\r\n").split("\n", 1)[1] if "\n" in text else ""
        notes.append(f"Excel's 'sep={printable(sep)}' first line gives the delimiter")
    name = _DELIM_NAMES.get(delim, f"'{printable(delim)}'")
    notes.append(f"{name}-separated")
    csv.field_size_limit(max(csv.field_size_limit(), _byte_limit() + 1))
    rows = _Rows(filename, share=len(text) > _SHARE_ABOVE)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    try:
        while batch := list(itertools.islice(reader, _BATCH_ROWS)):
            rows.add_many(batch)
    except csv.Error as exc:
        raise ValidationError(f"'{printable(filename)}' could not be read as {name}-separated text: "
                              f"{printable(exc)}") from None
    return rows, notes


# ----------------------------------------------------------------------------- Excel
def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        if np.isnan(value):
            return ""
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


class _TooMuch(Exception):
    """Raised inside openpyxl's parser when a workbook part is too large or too slow to read."""


class _GuardedSource:
    """A zip member stream that stops after ``limit`` bytes or past ``deadline`` (monotonic time)."""

    def __init__(self, raw: IO[bytes], limit: int, deadline: float) -> None:
        self.raw, self.limit, self.deadline, self.count = raw, limit, deadline, 0

    def read(self, size: int = -1) -> bytes:
        chunk = self.raw.read(size if size and size > 0 else 65_536)
        self.count += len(chunk)
        if self.count > self.limit:
            raise _TooMuch(f"more than {MAX_XML_MB:,} MB of uncompressed sheet data")
        if time.monotonic() > self.deadline:
            raise _TooMuch(f"more than {MAX_READ_SECONDS:g} s to read")
        return chunk

    def close(self) -> None:
        self.raw.close()

    def __enter__(self) -> _GuardedSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _open_workbook(data: bytes, deadline: float) -> Any:
    """Open a workbook read-only with every sheet's and the shared strings' XML read through a
    :class:`_GuardedSource`.

    openpyxl's own ``load_workbook(read_only=True)`` reads each sheet once at opening to find its
    declared dimension, and when a sheet declares none it parses the whole sheet (``parse_dimensions``
    stops only at the end of ``sheetData``), unguarded: 124 s for a 19 MB workbook of 200,000 rows.
    Here the declared dimension is not read at all (the rows are streamed without it).
    """
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.reader.strings import read_string_table
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    limit = int(MAX_XML_MB * 1024 * 1024)

    class _Sheet(ReadOnlyWorksheet):
        def _get_size(self) -> None:  # the declared dimension is never trusted
            return None

        def _get_source(self) -> _GuardedSource:
            return _GuardedSource(self.parent._archive.open(self._worksheet_path), limit, deadline)

    class _Reader(ExcelReader):
        def read_strings(self) -> None:
            from openpyxl.xml.constants import SHARED_STRINGS

            part = self.package.find(SHARED_STRINGS)
            if part is not None:
                with _GuardedSource(self.archive.open(part.PartName[1:]), limit, deadline) as src:
                    self.shared_strings = read_string_table(src)

        def read_worksheets(self) -> None:
            for sheet, rel in self.parser.find_sheets():
                if rel.target not in self.valid_files:
                    continue
                if "chartsheet" in rel.Type:
                    self.read_chartsheet(sheet, rel)
                    continue
                ws = _Sheet(self.wb, sheet.name, rel.target, self.shared_strings)
                ws.sheet_state = sheet.state
                self.wb._sheets.append(ws)

    reader = _Reader(io.BytesIO(data), read_only=True, data_only=True)
    reader.read()
    return reader.wb


def _check_zip(data: bytes, filename: str) -> None:
    """Refuse a workbook whose parts declare too many uncompressed bytes: a sheet more than
    :data:`MAX_XML_MB`, any other part (styles, workbook, charts; parsed whole by openpyxl) more
    than :data:`_MAX_PART_MB`.

    zipfile stops at the declared size (and then fails the CRC check), so the declaration bounds
    what is read.
    """
    try:
        infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ValidationError(f"'{printable(filename)}' could not be read as an Excel workbook (it "
                              "is not a valid .xlsx file). Save it again as .xlsx or as CSV.") from None
    for info in infos:
        streamed = info.filename.startswith("xl/worksheets/") or info.filename.endswith(
            "sharedStrings.xml")
        limit_mb = MAX_XML_MB if streamed else _MAX_PART_MB
        if info.file_size > limit_mb * 1024 * 1024:
            raise ValidationError(
                f"'{printable(filename)}' holds a part ({printable(info.filename)}) of "
                f"{info.file_size:,} bytes uncompressed; the most read is {limit_mb:,} MB. Save the "
                "sheet with the list as CSV and import that.")


def _sheet_rows(ws: Any) -> Iterator[list[str]]:
    """A read-only sheet's rows as text, each as wide as its last cell (never the declared size)."""
    ws.reset_dimensions()  # never trust the declared dimension (A1:XFD1048576)
    for values in ws.iter_rows(values_only=True):
        if len(values) > MAX_COLUMNS:  # styled empty cells far to the right cost nothing more
            values = list(values)
            while values and values[-1] is None:
                values.pop()
        yield [_sheet_text(v) if isinstance(v, str) else _cell(v) for v in values]


#: Excel's error values: python-calamine reads them as empty cells, and so does the openpyxl path
_EXCEL_ERRORS = frozenset(("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A",
                           "#GETTING_DATA"))
_XML_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _sheet_text(value: str) -> str:
    """A text cell as python-calamine gives it: Excel's ``_xHHHH_`` escapes (``_x000D_`` for a
    carriage return) decoded, an error value (``#N/A``) empty."""
    if value in _EXCEL_ERRORS:
        return ""
    return _XML_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), value) if "_x" in value else value


def _scan_sheet(ws: Any) -> tuple[int, int, int]:
    """``(header score, rows below the header, non-blank rows)`` among a sheet's first rows."""
    return _first_rows(_sheet_rows(ws))


# ----------------------------------------------------------------------------- Excel: python-calamine
#: the most cells (rows x columns of a sheet's extent) read with python-calamine, which holds a sheet
#: whole as a dense range: 200,000 x 20 cells (4 M) measured at 705-715 MB peak for the whole read,
#: 10-11 s on a loaded 2-CPU machine. Larger sheets are read by the bounded openpyxl stream.
_CALAMINE_CELLS = 4_500_000
#: the most sheet cells (all sheets together) python-calamine loads to choose the sheet
_CALAMINE_BOOK_CELLS = 2 * _CALAMINE_CELLS
_SCAN_CHUNK = 1 << 20
_ROW_TAG = re.compile(rb"<(?:\w+:)?row[\s>/]")
_ROW_REF = re.compile(rb'<(?:\w+:)?row\s(?:[^>]*?\s)?r="(\d{1,9})"')
_CELL_TAG = re.compile(rb"<(?:\w+:)?c[\s>/]")
#: a cell's reference and whether the element is self-closing (no value)
_CELL_REF = re.compile(rb'<(?:\w+:)?c\s(?:[^>]*?\s)?r="([A-Z]{1,3})(\d{1,9})"[^>]*?(/?)>')
_STRING_ITEM = re.compile(rb"<(?:\w+:)?si[\s>/]")
_REF_COLUMN = re.compile(rb' r="([A-Z]{1,3})[0-9]')
_REF_ROW = re.compile(rb' r="[A-Z]{1,3}([0-9]{1,9})"')
_ROW_END = re.compile(rb"</(?:\w+:)?row>")
_VALUE = re.compile(rb"<(?:\w+:)?(?:v|is)[\s>]")


def _column_number(letters: bytes) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + ch - 64
    return number


def _xml_chunks(archive: zipfile.ZipFile, member: str) -> Iterator[bytes]:
    """A workbook part's XML, decompressed in chunks that each end before a ``<`` (so that no tag is
    cut), bounded by :data:`MAX_XML_MB` of uncompressed bytes."""
    limit = int(MAX_XML_MB * 1024 * 1024)
    read, tail = 0, b""
    with archive.open(member) as raw:
        while True:
            chunk = raw.read(_SCAN_CHUNK)
            read += len(chunk)
            if read > limit:
                raise _TooMuch(f"more than {MAX_XML_MB:,} MB of uncompressed sheet data")
            if not chunk:
                if tail:
                    yield tail
                return
            buf = tail + chunk
            cut = buf.rfind(b"<")
            if cut <= 0:
                tail = buf
                continue
            tail = buf[cut:]
            yield buf[:cut]


def _sheet_extent(archive: zipfile.ZipFile, member: str, filename: str) -> tuple[int, int]:
    """``(rows, columns)`` spanned by a sheet's cells that may hold a value, from A1, found by
    streaming its XML (the declared ``<dimension>`` is not read).

    Self-closing cells (``<c r="XFD9" s="1"/>``, formatting only) are left out, as python-calamine
    leaves them out. Cells or rows without an ``r=`` reference are placed after the one before:
    then the extent returned is an upper bound (the largest reference plus the rows without one,
    and the widest row's cells), which may exceed the limits without the sheet being refused; the
    scan stops there.

    Raises
    ------
    ValidationError
        Cells with a value referenced beyond ``MAX_UPLOAD_ROWS`` rows (blank rows between included)
        or :data:`MAX_COLUMNS` columns, or more row elements holding a value than
        ``MAX_UPLOAD_ROWS``; refused as soon as the scan has seen them.
    _TooMuch
        More than :data:`MAX_XML_MB` of XML.
    """
    max_rows = MAX_UPLOAD_ROWS + _HEADER_SEARCH + 1
    top_row = top_col = 0  # largest references of cells with a value
    any_row = unreferenced_rows = widest = valued_rows = 0  # for cells without a reference
    unreferenced = False
    carry = b""
    for buf in _xml_chunks(archive, member):
        # fast: every cell reference (self-closing cells included), counted with C-level scans
        letters = _REF_COLUMN.findall(buf)
        numbers = set(_REF_ROW.findall(buf))
        cols = max((_column_number(c) for c in set(letters)), default=0)
        rows = max(map(int, numbers), default=0)
        if cols > MAX_COLUMNS or rows > max_rows or cols * rows > _CALAMINE_CELLS:
            # exact: only cells that may hold a value (a formatted empty cell far out is no cell)
            valued = [(c, r) for c, r, closed in _CELL_REF.findall(buf) if not closed]
            cols = max((_column_number(c) for c in {c for c, _ in valued}), default=0)
            rows = max((int(r) for r in {r for _, r in valued}), default=0)
        top_col, top_row = max(top_col, cols), max(top_row, rows)
        row_refs = _ROW_REF.findall(buf)
        if row_refs:
            any_row = max(any_row, max(map(int, row_refs)))
        prefixed = b":c " in buf or b":c>" in buf or b":row" in buf
        if prefixed:
            row_tags, cell_tags = len(_ROW_TAG.findall(buf)), len(_CELL_TAG.findall(buf))
        else:
            row_tags = buf.count(b"<row ") + buf.count(b"<row>") + buf.count(b"<row/")
            cell_tags = buf.count(b"<c ") + buf.count(b"<c>") + buf.count(b"<c/")
        unreferenced_rows += row_tags - len(row_refs)
        unreferenced = unreferenced or cell_tags > len(letters)
        if unreferenced:  # whole rows only: the unfinished one is carried to the next chunk
            parts = _ROW_END.split(carry + buf)
            carry = parts.pop() if len(parts[-1]) < _SCAN_CHUNK * 4 else b""
            for part in parts:
                valued_rows += _VALUE.search(part) is not None
                widest = max(widest, len(_CELL_TAG.findall(part)))
        if top_row > max_rows or valued_rows > max_rows:
            raise _Rows(filename).too_many()
        if top_col > MAX_COLUMNS:
            raise ValidationError(
                f"'{printable(filename)}' has a sheet with cells in {top_col:,} columns; the most "
                f"accepted is {MAX_COLUMNS:,}. Keep only the columns needed (name, postcode, "
                "category).")
        if unreferenced and (max(top_row, any_row) + unreferenced_rows > max_rows
                             or top_col + widest > MAX_COLUMNS):
            break
    if unreferenced:
        return max(top_row, any_row) + unreferenced_rows, top_col + widest
    return top_row, top_col


def _count_items(archive: zipfile.ZipFile, member: str) -> int:
    return sum(len(_STRING_ITEM.findall(buf)) for buf in _xml_chunks(archive, member))


def _calamine_rows(ws: Any) -> Iterator[list[str]]:
    """A python-calamine sheet's rows as text, from A1 (as openpyxl gives them), each cut after its
    last non-empty cell."""
    lead = [""] * int(ws.start[1]) if ws.start is not None else []
    for values in ws.iter_rows():
        row = [v if type(v) is str else _cell(v) for v in values]
        while row and not row[-1]:
            row.pop()
        yield lead + row if row else []


def _first_rows(rows: Iterator[list[str]]) -> tuple[int, int, int]:
    """``(header score, rows below the header, non-blank rows)`` among a sheet's first rows."""
    found: list[list[str]] = []
    for seen, row in enumerate(rows):
        if any(c.strip() for c in row):
            found.append(row)
        if len(found) >= 3 * _HEADER_SEARCH or seen > 2_000:
            break
    if not found:
        return 0, 0, 0
    scores = [_header_score(r) for r in found[:_HEADER_SEARCH]]
    h = scores.index(max(scores))
    return max(scores), len(found) - h - 1, len(found)


def _workbook_parts(data: bytes) -> tuple[list[tuple[str, str | None]], str | None]:
    """Every sheet's name with its worksheet part (None for a chart sheet), and the shared-strings
    part, as openpyxl finds them (only the workbook's small parts are parsed)."""
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.xml.constants import SHARED_STRINGS

    reader = ExcelReader(io.BytesIO(data), read_only=True, data_only=True)
    reader.read_manifest()
    reader.read_workbook()
    sheets: list[tuple[str, str | None]] = []
    for sheet, rel in reader.parser.find_sheets():
        if rel.target in reader.valid_files:
            sheets.append((str(sheet.name), None if "chartsheet" in rel.Type else str(rel.target)))
    part = reader.package.find(SHARED_STRINGS)
    strings = part.PartName[1:] if part is not None else None
    return sheets, strings if strings in reader.valid_files else None


def _rows_by_calamine(data: bytes, filename: str, sheet: str | None,
                      notes: list[str]) -> tuple[_Rows, dict[str, Any]] | None:
    """Read a workbook with python-calamine when every sheet it would load is known, by a streaming
    scan of its XML, to be small enough (:data:`_CALAMINE_CELLS`), else None (read it with openpyxl).

    python-calamine is fast (about 10x openpyxl) but not bounded on its own: it builds a dense range
    over the extent of a sheet's cells (two cells at A1 and XFD1048576: 512 GB) and loads a sheet
    whole. The scan finds that extent first, and refuses a sheet beyond the row or column limits.

    Returns
    -------
    ``(rows, attrs)``: ``attrs`` as :func:`read_table_file` sets them (``sheets``, ``sheet``,
    ``sheet_candidates``); how the sheet was chosen is added to ``notes``.
    """
    try:
        parts, strings = _workbook_parts(data)
        archive = zipfile.ZipFile(io.BytesIO(data))
        if strings is not None and _count_items(archive, strings) > _CALAMINE_CELLS:
            return None
    except _TooMuch:
        raise
    except Exception:  # a broken workbook: openpyxl's reading says so
        return None
    names = [n for n, _ in parts]
    worksheets = {n: p for n, p in parts if p is not None}
    listed = ", ".join(f"'{printable(n)}'" for n in names)
    if sheet is not None and sheet not in worksheets:
        what = "is not a worksheet (a chart?)" if sheet in names else "is not in the workbook"
        raise ValidationError(f"The sheet '{printable(sheet)}' {what}; its sheets are: {listed}.")
    wanted = [sheet] if sheet is not None else list(worksheets)
    extents: dict[str, tuple[int, int]] = {}
    refused: dict[str, ValidationError] = {}
    for name in wanted:
        try:
            extents[name] = _sheet_extent(archive, worksheets[name], filename)
        except ValidationError as exc:
            if len(wanted) == 1:
                raise
            refused[name] = exc
    max_rows = MAX_UPLOAD_ROWS + _HEADER_SEARCH + 1
    if any(r > max_rows or c > MAX_COLUMNS for r, c in extents.values()):
        return None  # cells without references: only openpyxl's reading can tell
    sizes = {n: r * c for n, (r, c) in extents.items()}
    if any(s > _CALAMINE_CELLS for s in sizes.values()) or sum(sizes.values()) > _CALAMINE_BOOK_CELLS:
        return None
    import python_calamine

    try:
        book = python_calamine.CalamineWorkbook.from_object(io.BytesIO(data))
    except Exception:
        return None
    best: tuple[tuple[int, int, int], str, Any] | None = None
    scans: dict[str, tuple[int, int, int]] = {}
    for name in wanted:
        if name in refused or not sizes[name]:
            scans[name] = (0, 0, 0)
            continue
        try:
            ws = book.get_sheet_by_name(name)
        except Exception:
            return None
        scans[name] = _first_rows(_calamine_rows(ws))
        if best is None or scans[name] > best[0] or sheet is not None:
            best = (scans[name], name, ws)
        del ws
    chosen, candidates = _choose_sheet(names, scans, sheet, notes)
    if chosen is None:
        with_data = [n for n in wanted if scans[n][2]]
        if not with_data and refused:
            raise next(iter(refused.values()))
        chosen = with_data[0] if with_data else next(iter(worksheets), "")
        if len(names) > 1:
            notes.append(f"no sheet has a header row naming a location or a name; read the "
                         f"sheet '{printable(chosen)}', the first with data, of {len(names)}: "
                         f"{listed}")
    too_big = [n for n in refused if n != chosen]
    if too_big:
        notes.append("not looked at, too large to read: " + "; ".join(
            f"sheet '{printable(n)}' ({printable(refused[n], limit=200)})" for n in too_big))
    rows = _Rows(filename)
    if chosen in sizes and sizes[chosen]:
        ws = best[2] if best is not None and best[1] == chosen else book.get_sheet_by_name(chosen)
        best = None
        for row in _calamine_rows(ws):
            rows.add(row)
    return rows, {"sheets": names, "sheet": chosen, "sheet_candidates": candidates}


def _choose_sheet(names: list[str], scans: dict[str, tuple[Any, ...]], sheet: str | None,
                  notes: list[str]) -> tuple[str | None, list[str]]:
    """The sheet asked for, else the best-scoring sheet that could hold the list (said in
    ``notes``); ``None`` when no sheet looks like a list. Also the sheets that could."""
    candidates = [n for n, (score, body, _) in scans.items() if score > 0 and body > 0]
    if sheet is not None:
        notes.append(f"read the sheet '{printable(sheet)}' (as asked) of {len(names)}")
        return sheet, candidates
    if not candidates:
        return None, candidates
    chosen = max(candidates, key=lambda n: scans[n])  # first of the best
    if len(names) > 1:
        listed = ", ".join(f"'{printable(n)}'" for n in names)
        others = [n for n in candidates if n != chosen]
        also = (f"; {', '.join(repr(printable(n)) for n in others)} could also hold a list: "
                "choose the sheet to read another" if others else "")
        notes.append(f"read the sheet '{printable(chosen)}' (sheet {names.index(chosen) + 1} "
                     f"of {len(names)}: {listed}), the one that looks like the list{also}")
    return chosen, candidates


def _rows_from_excel(data: bytes, filename: str,
                     sheet: str | None) -> tuple[_Rows, list[str], dict[str, Any]]:
    _check_zip(data, filename)
    notes: list[str] = []
    try:
        fast = _rows_by_calamine(data, filename, sheet, notes)
    except _TooMuch as exc:
        raise ValidationError(f"'{printable(filename)}' was refused: it needs {exc}. Save the sheet "
                              "with the list as CSV and import that.") from None
    if fast is not None:
        return fast[0], notes, fast[1]
    notes.clear()
    deadline = time.monotonic() + MAX_READ_SECONDS
    try:
        wb = _open_workbook(data, deadline)
    except _TooMuch as exc:
        raise ValidationError(f"'{printable(filename)}' was refused: its shared strings need {exc}. "
                              "Save the sheet with the list as CSV and import that.") from None
    except Exception as exc:  # openpyxl raises many types for a broken file
        raise ValidationError(f"'{printable(filename)}' could not be read as an Excel workbook "
                              f"({type(exc).__name__}). Save it again as .xlsx or as CSV.") from None
    try:
        names = [str(n) for n in wb.sheetnames]
        sheets = {ws.title: ws for ws in wb.worksheets}
        listed = ", ".join(f"'{printable(n)}'" for n in names)
        if sheet is not None and sheet not in sheets:
            what = "is not a worksheet (a chart?)" if sheet in names else "is not in the workbook"
            raise ValidationError(f"The sheet '{printable(sheet)}' {what}; its sheets are: {listed}.")
        scans = {name: _scan_sheet(ws) for name, ws in sheets.items()}
        chosen, candidates = _choose_sheet(names, scans, sheet, notes)
        if chosen is None:
            with_data = [n for n, (_, _, found) in scans.items() if found]
            chosen = with_data[0] if with_data else next(iter(sheets), "")
            if len(names) > 1:
                notes.append(f"no sheet has a header row naming a location or a name; read the "
                             f"sheet '{printable(chosen)}', the first with data, of {len(names)}: "
                             f"{listed}")
        attrs = {"sheets": names, "sheet": chosen, "sheet_candidates": candidates}
        rows = _Rows(filename)
        if chosen in sheets:
            for row in _sheet_rows(sheets[chosen]):
                rows.add(row)
    except _TooMuch as exc:
        raise ValidationError(f"'{printable(filename)}' was refused: its sheet needs {exc}. Save the "
                              "sheet with the list as CSV and import that.") from None
    finally:
        wb.close()
    return rows, notes, attrs


# ----------------------------------------------------------------------------- JSON
_GRANT_FIELDS = (("id", "Identifier"), ("title", "Title"), ("description", "Description"),
                 ("currency", "Currency"), ("amountAppliedFor", "Amount Applied For"),
                 ("amountAwarded", "Amount Awarded"), ("amountDisbursed", "Amount Disbursed"),
                 ("awardDate", "Award Date"), ("url", "URL"), ("dataSource", "Data Source"),
                 ("fromOpenCall", "From An Open Call?"), ("dateModified", "Last Modified"))
_ORG_FIELDS = (("id", "Identifier"), ("name", "Name"), ("charityNumber", "Charity Number"),
               ("companyNumber", "Company Number"), ("streetAddress", "Street Address"),
               ("addressLocality", "City"), ("addressRegion", "County"),
               ("addressCountry", "Country"), ("postalCode", "Postal Code"))
_LOC_FIELDS = (("name", "Name"), ("countryCode", "Country Code"), ("geoCode", "Geographic Code"),
               ("geoCodeType", "Geographic Code Type"), ("latitude", "Latitude"),
               ("longitude", "Longitude"))
_FUND_FIELDS = (("id", "Identifier"), ("name", "Name"), ("postalCode", "Postal Code"))
_PROG_FIELDS = (("code", "Code"), ("title", "Title"), ("url", "URL"))
_DATE_FIELDS = (("startDate", "Start Date"), ("endDate", "End Date"),
                ("duration", "Duration (months)"))


def _json_kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    return "an object"


class _Flattener:
    """360Giving grants → GrantNav's spreadsheet column titles, counting what was of the wrong type."""

    def __init__(self) -> None:
        self.wrong: Counter[str] = Counter()
        self.extra_orgs = 0

    def scalar(self, row: dict[str, str], title: str, value: object, where: str) -> None:
        if value is None:
            return
        if isinstance(value, list | dict):
            self.wrong[where] += 1
            return
        row[title] = _cell(value)

    def objects(self, value: object, where: str) -> list[Mapping[str, Any]]:
        """A 360Giving array of objects; a lone object is taken as a list of one."""
        if value is None:
            return []
        items = value if isinstance(value, list) else [value]
        good: list[Mapping[str, Any]] = [v for v in items if isinstance(v, dict)]
        if len(good) != len(items):
            self.wrong[where] += len(items) - len(good)
        return good

    def fields(self, row: dict[str, str], prefix: str, obj: Mapping[str, Any],
               fields: tuple[tuple[str, str], ...], where: str) -> None:
        for key, title in fields:
            self.scalar(row, f"{prefix}{title}", obj.get(key), f"{where}.{key}")

    def grant(self, g: Mapping[str, Any]) -> dict[str, str]:
        row: dict[str, str] = {}
        self.fields(row, "", g, _GRANT_FIELDS, "grant")
        for dates in self.objects(g.get("plannedDates"), "plannedDates")[:1]:
            self.fields(row, "Planned Dates:", dates, _DATE_FIELDS, "plannedDates")
        orgs = self.objects(g.get("recipientOrganization"), "recipientOrganization")
        self.extra_orgs += max(len(orgs) - 1, 0)
        for k, org in enumerate(orgs):
            prefix = "Recipient Org:" if k == 0 else f"Recipient Org:{k}:"
            self.fields(row, prefix, org, _ORG_FIELDS, "recipientOrganization")
            for i, loc in enumerate(self.objects(org.get("location"), "recipientOrganization.location")):
                self.fields(row, f"{prefix}Location:{i}:", loc, _LOC_FIELDS, "location")
        for i, loc in enumerate(self.objects(g.get("beneficiaryLocation"), "beneficiaryLocation")):
            self.fields(row, f"Beneficiary Location:{i}:", loc, _LOC_FIELDS, "beneficiaryLocation")
        for fund in self.objects(g.get("fundingOrganization"), "fundingOrganization")[:1]:
            self.fields(row, "Funding Org:", fund, _FUND_FIELDS, "fundingOrganization")
        for prog in self.objects(g.get("grantProgramme"), "grantProgramme")[:1]:
            self.fields(row, "Grant Programme:", prog, _PROG_FIELDS, "grantProgramme")
        return row


def _column_rank(title: str) -> tuple[int, int, int, int]:
    """GrantNav's column order: grant fields, dates, recipient org (its locations), beneficiary
    locations by index, funder, programme."""
    groups = ([t for _, t in _GRANT_FIELDS], [f"Planned Dates:{t}" for _, t in _DATE_FIELDS])
    for g, titles in enumerate(groups):
        if title in titles:
            return (g, 0, 0, titles.index(title))
    loc = [t for _, t in _LOC_FIELDS]
    m = re.fullmatch(r"Recipient Org:(?:(\d+):)?(?:Location:(\d+):)?(.+)", title)
    if m:
        k, i, rest = int(m.group(1) or 0), m.group(2), m.group(3)
        if i is None:
            org = [t for _, t in _ORG_FIELDS]
            return (2, k, 0, org.index(rest) if rest in org else 99)
        return (2, k, int(i) + 1, loc.index(rest) if rest in loc else 99)
    m = re.fullmatch(r"Beneficiary Location:(\d+):(.+)", title)
    if m:
        return (3, int(m.group(1)), 0, loc.index(m.group(2)) if m.group(2) in loc else 99)
    return (4 if title.startswith("Funding Org:") else 5, 0, 0, 0)


def _json_depth(obj: object) -> int:
    """Deepest nesting of lists/objects, found without recursion."""
    deepest, stack = 0, [(obj, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children: Iterable[object] = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        deepest = max(deepest, depth)
        if depth > MAX_JSON_DEPTH:
            return depth
        stack.extend((c, depth + 1) for c in children)
    return deepest


def _load_json(text: str, filename: str) -> Any:
    values = text.count("{") + text.count("[") + text.count(",")
    if values > MAX_JSON_VALUES:
        raise ValidationError(f"'{printable(filename)}' holds more than {MAX_JSON_VALUES:,} JSON "
                              "values; split the file or export it as CSV.")
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(f"'{printable(filename)}' could not be read as JSON: "
                              f"{printable(exc.msg)} (line {exc.lineno}).") from None
    except RecursionError:
        raise ValidationError(f"'{printable(filename)}' is nested too deeply to be a list (more "
                              f"than {MAX_JSON_DEPTH} levels of arrays or objects).") from None
    if _json_depth(obj) > MAX_JSON_DEPTH:
        raise ValidationError(f"'{printable(filename)}' is nested too deeply to be a list (more "
                              f"than {MAX_JSON_DEPTH} levels of arrays or objects).")
    return obj


def _json_cell(value: object) -> str:
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return _cell(value)


def _flat_record(record: Mapping[str, Any]) -> dict[str, str]:
    """A JSON record as text cells: nested objects become ``outer:inner`` columns, lists JSON text."""
    out: dict[str, str] = {}
    stack: list[tuple[str, Mapping[str, Any]]] = [("", record)]
    while stack:
        prefix, obj = stack.pop(0)
        for key, value in obj.items():
            name = f"{prefix}{key}"
            if isinstance(value, dict) and value:
                stack.append((f"{name}:", value))
            else:
                out[name] = _json_cell(value)
    return out


def _rows_from_json(obj: Any, filename: str) -> tuple[_Rows, list[str], list[str | None]]:
    """Rows (header first) from parsed JSON, the notes, and each data row's read issue (or None)."""
    notes: list[str] = []
    issues: list[str | None] = []
    records: list[dict[str, str]] = []
    if isinstance(obj, dict) and isinstance(obj.get("grants"), list):
        flat = _Flattener()
        for g in obj["grants"]:
            if isinstance(g, dict):
                records.append(flat.grant(g))
                issues.append(None)
            else:
                records.append({})
                issues.append(f"a grants entry that is not an object: {_json_kind(g)}")
        notes.append("360Giving JSON: every recipient organisation location and every beneficiary "
                     "location is kept, in GrantNav's numbered columns")
        if flat.extra_orgs:
            notes.append(f"{flat.extra_orgs} grant(s) name more than one recipient organisation; "
                         "the others are in the columns 'Recipient Org:1:…'")
        if flat.wrong:
            listed = ", ".join(f"{printable(k)} ({n})" for k, n in flat.wrong.most_common(8))
            notes.append(f"{sum(flat.wrong.values())} field(s) of the wrong JSON type (an object or "
                         f"list where text was expected, or not an object) were left out: {listed}")
        columns = sorted({c: None for r in records for c in r}, key=_column_rank)
    elif isinstance(obj, list) and obj and all(isinstance(r, list) for r in obj):
        rows = _Rows(filename)
        for r in obj:
            rows.add([_json_cell(v) for v in r])
        notes.append("JSON array of arrays: read as rows")
        return rows, notes, []
    elif isinstance(obj, list) and any(isinstance(r, dict) for r in obj):
        for r in obj:
            if isinstance(r, dict):
                records.append(_flat_record(r))
                issues.append(None)
            else:
                records.append({})
                issues.append(f"a list entry that is not an object: {_json_kind(r)}")
        columns = list({c: None for r in records for c in r})
    else:
        raise ValidationError(f"'{printable(filename)}' is neither a 360Giving grants file "
                              "({\"grants\": [...]}) nor a list of records.")
    if len(columns) > MAX_COLUMNS:
        raise ValidationError(f"'{printable(filename)}' has {len(columns):,} fields; the most "
                              f"accepted is {MAX_COLUMNS:,}.")
    if len(records) > MAX_UPLOAD_ROWS:
        raise _Rows(filename).too_many()
    rows = _Rows(filename)
    rows.rows = [list(columns), *([r.get(c, "") for c in columns] for r in records)]
    return rows, notes, issues


# ----------------------------------------------------------------------------- rows → frame
def _unique_header(row: list[str]) -> list[str]:
    header: list[str] = []
    seen: dict[str, int] = {READ_ISSUE_COLUMN: 1, _EXTRA: 1}
    for i, raw in enumerate(row):
        name = raw.strip() or f"column {i + 1}"
        while name in seen:
            seen[name] += 1
            name = f"{name} ({seen[name]})"
        seen[name] = 1
        header.append(name)
    return header


def _is_fragment(row: list[str] | None, width: int) -> bool:
    return row is not None and len(row) <= width // 2


def _mend_broken_lines(body: list[list[str] | None], width: int,
                       notes: list[str]) -> tuple[list[list[str] | None], list[str | None]]:
    """Rejoin lines split by an unquoted line break; mark fragments that cannot be rejoined.

    A fragment is a row with at most half the header's fields that follows a short row, in a file
    whose rows mostly have the header's width. It is rejoined when the row above is short by exactly
    the fragment's fields (the broken cell counted once), else kept with :data:`REASON_BROKEN_LINE`.
    """
    lengths = Counter(map(len, filter(None, body)))  # rows are None (blank) or non-empty lists
    if width < 3 or not lengths or lengths.most_common(1)[0][0] != width:
        return body, [REASON_BLANK if r is None else None for r in body]
    if min(lengths) >= width and lengths.total() == len(body):  # no short row, no blank row
        return body, [None] * len(body)
    out: list[list[str] | None] = []
    reasons: list[str | None] = []
    rejoined: list[int] = []
    i, n = 0, len(body)
    while i < n:
        row = body[i]
        if row is None:
            out.append(None)
            reasons.append(REASON_BLANK)
            i += 1
            continue
        if len(row) < width and i + 1 < n and _is_fragment(body[i + 1], width):
            merged, j = list(row), i + 1
            while j < n and len(merged) < width and _is_fragment(body[j], width):
                frag = body[j]
                assert frag is not None  # _is_fragment
                if len(merged) + len(frag) - 1 > width:
                    break
                merged[-1] = f"{merged[-1]}\n{frag[0]}"
                merged.extend(frag[1:])
                j += 1
            if len(merged) == width:
                out.append(merged)
                reasons.append(None)
                rejoined.append(len(out))
                i = j
                continue
            out.append(row)
            reasons.append(None)
            i += 1
            while i < n and _is_fragment(body[i], width):
                out.append(body[i])
                reasons.append(REASON_BROKEN_LINE)
                i += 1
            continue
        out.append(row)
        reasons.append(None)
        i += 1
    if rejoined:
        shown = ", ".join(str(r) for r in rejoined[:10]) + (" …" if len(rejoined) > 10 else "")
        notes.append(f"rejoined {len(rejoined)} row(s) split by a line break outside quotes "
                     f"(row {shown}: the row above was short by exactly the fields of the line "
                     "below)")
    broken = reasons.count(REASON_BROKEN_LINE)
    if broken:
        notes.append(f"{broken} line(s) look like the rest of the row above, broken by a line break "
                     "outside quotes; kept and reported, not read as organisations")
    return out, reasons


def _drop_double_spacing(body: list[list[str] | None], reasons: list[str | None],
                         notes: list[str]) -> tuple[list[list[str] | None], list[str | None]]:
    """Drop the blank lines of a double-spaced file (a blank line after every row, at least two)
    with one note; blank rows anywhere else stay, as :data:`REASON_BLANK` rows."""
    blank = reasons.count(REASON_BLANK)
    if blank < 2 or len(reasons) != 2 * blank + 1 or any(
            (reason == REASON_BLANK) != (i % 2 == 1) for i, reason in enumerate(reasons)):
        return body, reasons
    notes.append(f"the file has a blank line after every row: {blank} blank lines ignored")
    return body[::2], reasons[::2]


def _fit(row: list[str] | None, blank: list[str]) -> list[str]:
    """``row`` cut or padded with ``""`` to the width of ``blank`` (a blank row when None)."""
    if row is None:
        return blank
    return row if len(row) == len(blank) else (row + blank)[: len(blank)]


def _frame_from_rows(collected: _Rows, notes: list[str], *, issues: list[str | None] | None = None,
                     broken_lines: bool = True) -> pd.DataFrame:
    """First row that looks like a header (within the first 10 non-blank ones) → columns; the
    rest → rows, with :data:`READ_ISSUE_COLUMN` where a row is not data.

    ``issues`` (JSON): the header is the first row and each data row's read issue is given.
    ``broken_lines``: look for lines broken by an unquoted line break (delimited text only).
    """
    rows = collected.rows
    head_at = list(itertools.islice((i for i, r in enumerate(rows) if r is not None), _HEADER_SEARCH))
    if not head_at:
        return pd.DataFrame()
    scores = [_header_score(rows[i] or []) for i in head_at]
    if issues is not None:
        h = head_at[0]
    elif max(scores) > 0:
        h = head_at[scores.index(max(scores))]
    else:
        widths = [sum(1 for c in rows[i] or [] if c.strip()) for i in head_at]
        h = head_at[widths.index(max(widths))]
    above = sum(1 for r in rows[:h] if r is not None)
    if above:
        notes.append(f"skipped {above} line(s) above the header row")
    header = _unique_header(rows[h] or [])
    width = len(header)
    body = rows[h + 1:]
    if issues is not None:  # JSON: one issue per record, no blank or broken lines
        reasons = list(issues)
    else:
        lead = next((k for k, r in enumerate(body) if r is not None), len(body))
        if lead:
            notes.append(f"left out {lead} blank line(s) between the header and the first row")
            body = body[lead:]
        if broken_lines:
            body, reasons = _mend_broken_lines(body, width, notes)
        else:
            reasons = [REASON_BLANK if r is None else None for r in body]
        body, reasons = _drop_double_spacing(body, reasons, notes)
        blank = reasons.count(REASON_BLANK)
        if blank:
            notes.append(f"{blank} blank spacer row(s) between rows kept and reported, not read as "
                         "organisations")
    if collected.pending_blank:
        notes.append(f"left out {collected.pending_blank} blank line(s) at the end of the file")
    widest = max(map(len, filter(None, body)), default=0)
    extra = ([(" | ".join(c for c in r[width:] if c.strip()) if r is not None and len(r) > width
               else "") for r in body] if widest > width else [""] * len(body))
    long_rows = len(extra) - extra.count("")
    if long_rows:
        notes.append(f"{long_rows} row(s) had more fields than the header; the extra fields are "
                     f"in the column '{_EXTRA}'")
    empty_row = [""] * width
    cells = np.empty((len(body), width), dtype=object)
    if width and body:
        whole = widest == width and min(map(len, filter(None, body))) == width and all(body)
        cells[:] = body if whole else [_fit(r, empty_row) for r in body]
    del body
    collected.rows = []  # the strings live on in ``cells`` only
    frame = pd.DataFrame(cells, columns=pd.Index(header, dtype=object), dtype=object, copy=False)
    if long_rows:
        frame[_EXTRA] = pd.Series(extra, index=frame.index, dtype=object)
    if reasons.count(None) != len(reasons):
        frame[READ_ISSUE_COLUMN] = pd.Series(reasons, index=frame.index, dtype=object)
    return frame


# ----------------------------------------------------------------------------- entry point
def _looks_like_json(data: bytes) -> bool:
    start = data.lstrip()[:1]
    if data.startswith(codecs.BOM_UTF8):
        start = data[len(codecs.BOM_UTF8):].lstrip()[:1]
    return start in (b"{", b"[")


def read_table_file(source: Source, *, filename: str,
                    sheet: str | None = None) -> tuple[pd.DataFrame, list[str]]:
    """Read a CSV/TSV/TXT, Excel (.xlsx) or JSON file into a frame of text columns.

    Parameters
    ----------
    source
        File path, bytes, or a file-like object (e.g. Streamlit's uploaded file).
    filename
        The file's name: its extension picks the reader; messages quote it.
    sheet
        For a workbook, the sheet to read (default: the one that looks like the list).

    Returns
    -------
    ``(frame, notes)``. The frame has the file's columns (header row found among the first 10
    non-blank rows; duplicate names made unique with `` (2)``), every cell as text (``""`` when
    empty), one row per data row of the file, and :data:`READ_ISSUE_COLUMN` when some rows are not
    data. ``frame.attrs``: ``sheets`` (all sheet names), ``sheet`` (the sheet read) and
    ``sheet_candidates`` (sheets that look like a list); empty/None for other files. ``notes``
    say, in words, what was detected or repaired.

    Raises
    ------
    ValidationError
        Empty; larger than ``MAX_UPLOAD_MB``; more than ``MAX_UPLOAD_ROWS`` rows or
        :data:`MAX_COLUMNS` columns; an old .xls file; an unknown ``sheet``; a workbook too large
        or slow to read (:data:`MAX_XML_MB`, :data:`MAX_READ_SECONDS`); JSON too large or nested
        too deeply; or unreadable. Messages show file text through ``safe_text.printable``.
    """
    data = _read_bytes(source)
    ext = Path(filename).suffix.lower()
    shown = printable(filename)
    if not data.strip():
        raise ValidationError(f"'{shown}' is empty: there is nothing to import.")
    if ext == ".xls" or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ValidationError(f"'{shown}' is an old-style Excel file (.xls). Open it in Excel or "
                              "LibreOffice and save it as .xlsx or CSV.")
    attrs: dict[str, Any] = {"sheets": [], "sheet": None, "sheet_candidates": []}
    issues: list[str | None] | None = None
    header_first = False
    is_book = ext in (".xlsx", ".xlsm") or data.startswith(b"PK\x03\x04")
    if sheet is not None and not is_book:
        raise ValidationError(f"'{shown}' is not a workbook: it has no sheets to choose from.")
    if is_book:
        rows, notes, attrs = _rows_from_excel(data, filename, sheet)
    elif ext == ".json" or _looks_like_json(data):
        try:
            rows, notes, json_issues = _rows_from_json(_load_json(decode_text(data)[0], filename),
                                                       filename)
            issues = json_issues if any(json_issues) else None
            header_first = True
        except ValidationError:
            if ext == ".json":
                raise
            # not JSON after all: a CSV whose first cell starts with "[" or "{"
            rows, notes = _rows_from_text(data, filename)
    else:
        rows, notes = _rows_from_text(data, filename)
    del data
    if not any(r is not None for r in rows.rows):
        raise ValidationError(f"'{shown}' is empty: there is nothing to import.")
    if header_first and issues is None:
        issues = [None] * (len(rows.rows) - 1)
    frame = _frame_from_rows(rows, notes, issues=issues, broken_lines=not is_book)
    frame.attrs.update(attrs)
    if len(frame.index) == 0:
        cols = ", ".join(printable(c, limit=40) for c in frame.columns[:8])
        raise ValidationError(f"'{shown}' has a header row ({cols}) but no rows of data.")
    if len(frame) > MAX_UPLOAD_ROWS:
        raise ValidationError(f"'{shown}' has {len(frame):,} rows; the most accepted is "
                              f"{MAX_UPLOAD_ROWS:,}. Split the file.")
    return frame, notes


__all__ = [
    "MAX_COLUMNS",
    "MAX_JSON_DEPTH",
    "MAX_JSON_VALUES",
    "MAX_READ_SECONDS",
    "MAX_UPLOAD_MB",
    "MAX_UPLOAD_ROWS",
    "MAX_XML_MB",
    "READ_ISSUE_COLUMN",
    "REASON_BLANK",
    "REASON_BROKEN_LINE",
    "Source",
    "decode_text",
    "read_table_file",
    "sniff_delimiter",
]
